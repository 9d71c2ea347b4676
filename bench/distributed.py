"""Distributed-crawl benchmark: the sample portals with a server-side delay, crawled by 1, 2 and 4 workers.

    .venv/bin/python bench/distributed.py [--delay 0.2] [--concurrency 2] [--workers 1 2 4]

Model: county servers answer slowly (--delay seconds per request, slept in the sample server's handler threads)
and one worker has a bounded number of requests in flight (--concurrency, CONCURRENT_REQUESTS): at the real
scale (2,849 portals) a worker's 16 slots, not a single host's politeness, limit the crawl, so workers add
slots. Here 11 portals and 2 slots per worker stand in for that. Per-host politeness (2 per host per worker,
DOWNLOAD_DELAY shared through Redis) is unchanged.

Prints, per worker count: crawl time (seed → every worker exited), the ingest tail (last worker exit → all items
written; extraction off), requests and the speed-up over one worker. Then Redis memory per 10k queued requests
(INFO used_memory before/after queueing 10k report requests as the spider makes them), and memory per item body
stored raw (a separate key, what the workers do) vs base64 inside the JSON item.
"""
from __future__ import annotations

import argparse
import base64
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from crawler import distributed, run  # noqa: E402
from distributed_support import start_local_redis  # noqa: E402
from crawler.sample_portals import server as sample_server  # noqa: E402


def slow_down(delay: float) -> None:
    """Every sample-portal answer takes `delay` seconds more (the handler threads sleep; the server is threaded)."""
    original = sample_server.PortalRequestHandler.dispatch

    def dispatch(self):
        time.sleep(delay)
        original(self)
    sample_server.PortalRequestHandler.dispatch = dispatch


def used_memory(client) -> int:
    return int(client.info("memory")["used_memory"])


def crawl_with(workers: int, redis_url: str, csv_path: str, work: Path, settings: dict) -> dict:
    import subprocess

    client = distributed.connect(redis_url)
    client.flushdb()
    db = work / f"w{workers}" / "archive.db"
    ingester = subprocess.Popen([sys.executable, "-m", "nianbao.cli", "ingest", "--redis", redis_url,
                                 "--db", str(db), "--until-idle", "--no-extract"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.perf_counter()
    distributed.seed(redis_url, portals_csv=csv_path, settings=settings)
    procs = [distributed.start_worker(redis_url, allow_loopback=True, settings=settings) for _ in range(workers)]
    peak_items = 0
    while any(p.poll() is None for p in procs):
        peak_items = max(peak_items, client.llen("nianbao:items"))
        time.sleep(0.2)
    crawl_s = time.perf_counter() - t0
    ingester.wait(timeout=600)
    tail_s = time.perf_counter() - t0 - crawl_s
    validators = client.hlen("nianbao:validators")
    validator_bytes = client.memory_usage("nianbao:validators") or 0
    con = sqlite3.connect(db)
    stats = json.loads(con.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()[0])
    docs = con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    con.close()
    return {"workers": workers, "crawl_s": crawl_s, "ingest_tail_s": tail_s, "documents": docs,
            "responses": sum(stats["responses_by_worker"].values()), "by_worker": stats["responses_by_worker"],
            "peak_items_backlog": peak_items,
            "validator_bytes_each": validator_bytes / validators if validators else 0}


def queue_memory(redis_url: str, n: int = 10_000) -> float:
    """Bytes of Redis memory per queued request: n report requests (meta as the spider sets it) in the queue."""
    from scrapy.settings import Settings
    from scrapy_redis.queue import PriorityQueue

    from crawler import settings as crawl_settings
    from crawler.adapters import Fetch
    from crawler.items import ReportLink
    from crawler.spiders.portals import PortalsSpider, PortalState

    client = distributed.connect(redis_url)
    client.flushdb()
    keys = distributed.Keys()
    spider = PortalsSpider()
    spider.configure(Settings({**{k: getattr(crawl_settings, k) for k in dir(crawl_settings) if k.isupper()},
                               "NIANBAO_MAX_PAGES_PER_PORTAL": n + 10}))
    st = PortalState("630222", "民和回族土族自治县", "http://www.minhe.gov.cn/", None, None,
                     ["民和回族土族自治县", "海东市", "青海省"])
    st.add_scope("http://www.minhe.gov.cn/")
    requests = []
    for i in range(n):
        url = f"http://www.minhe.gov.cn/html/2024/zfxxgknb_{i:05d}/t2024031{i % 10}_{100000 + i}.html"
        row = ReportLink("630222", url, f"民和县{2014 + i % 10}年政府信息公开工作年度报告", 2014 + i % 10, "government",
                         None, "http://www.minhe.gov.cn/zfxxgknb/index.html", "2024-03-15", "trs")
        requests.append(spider.request(st, Fetch(url, "report"), stage="report", item=row, list_attachments=[]))
    queue = PriorityQueue(server=client, spider=spider, key=keys.requests)
    before = used_memory(client)
    for r in requests:
        queue.push(r)
    after = used_memory(client)
    client.flushdb()
    return (after - before) / n


def body_memory(redis_url: str, bodies: list[bytes]) -> dict:
    """Redis memory for the same document items with bodies as raw keys vs base64 in the JSON."""
    from crawler.distributed.worker import push_items
    from crawler.items import Document, to_wire

    client = distributed.connect(redis_url)
    keys = distributed.Keys()
    item = Document("630222", "http://x/a.html", "http://x/a.html", "http://x/a.html", 200,
                    {"Content-Type": "text/html"}, "page", "2026-01-01T00:00:00+00:00")
    out = {"bodies": len(bodies), "body_bytes": sum(map(len, bodies))}
    for how in ("raw key", "base64 in JSON"):
        client.flushdb()
        before = used_memory(client)
        for body in bodies:
            item.body = body
            if how == "raw key":
                push_items(client, keys, [item])
            else:
                data, _ = to_wire(item)
                client.rpush(keys.items, json.dumps({**data, "body_b64": base64.b64encode(body).decode()}))
        out[how] = used_memory(client) - before
    client.flushdb()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay", type=float, default=0.2, help="server-side seconds per request (default 0.2)")
    parser.add_argument("--concurrency", type=int, default=2, help="CONCURRENT_REQUESTS per worker (default 2)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="nianbao-bench-dist-"))
    redis_proc, redis_url = start_local_redis(work)
    slow_down(args.delay)
    handle = sample_server.start_servers(0)
    try:
        csv_path = str(run.registry_csv_from_manifest(run.sample_manifest(handle), handle.urls, work / "p.csv"))
        settings = {**run.FAST_SETTINGS, "CONCURRENT_REQUESTS": str(args.concurrency)}
        results = []
        for n in args.workers:
            handle.reset_log()
            r = crawl_with(n, redis_url, csv_path, work, settings)
            r["requests_served"] = len(handle.request_log())
            results.append(r)
            print(f"{n} worker(s): crawl {r['crawl_s']:.1f} s, ingest tail {r['ingest_tail_s']:.1f} s, "
                  f"{r['requests_served']} requests served, {r['documents']} documents, "
                  f"responses by worker {sorted(r['by_worker'].values())}, peak item backlog "
                  f"{r['peak_items_backlog']}", flush=True)
        base = results[0]["crawl_s"]
        print(f"\nserver delay {args.delay} s/request, CONCURRENT_REQUESTS {args.concurrency} per worker")
        print(f"{'workers':>7} {'crawl s':>8} {'speed-up':>8} {'req/s':>7}")
        for r in results:
            print(f"{r['workers']:>7} {r['crawl_s']:>8.1f} {base / r['crawl_s']:>8.2f} "
                  f"{r['requests_served'] / r['crawl_s']:>7.1f}")

        print(f"validators: {results[0]['validator_bytes_each']:.0f} B of Redis per archived URL")
        per_request = queue_memory(redis_url)
        print(f"\nRedis memory: {per_request * 10_000 / 2**20:.1f} MiB per 10k queued report requests "
              f"({per_request:.0f} B each)")
        from storage import BlobStore

        db = work / f"w{args.workers[0]}" / "archive.db"
        con = sqlite3.connect(db)
        shas = [r[0] for r in con.execute("SELECT sha256 FROM documents")]
        con.close()
        blobs = BlobStore(db.parent / "blobs")
        mem = body_memory(redis_url, [blobs.get(s) for s in shas])
        print(f"item bodies: {mem['bodies']} documents, {mem['body_bytes'] / 2**20:.2f} MiB of bytes -> Redis "
              f"{mem['raw key'] / 2**20:.2f} MiB as raw keys, {mem['base64 in JSON'] / 2**20:.2f} MiB as base64 "
              f"in JSON")
    finally:
        handle.stop()
        redis_proc.terminate()
        redis_proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
