"""A simulated national crawl: many loopback hosts standing for the county portals, crawled the way a real run is
(politeness settings of crawler/settings.py, the distributed crawl through the CLI), by 1, 2, … workers.

    .venv/bin/python bench/national.py [--portals 80] [--workers 1 2] [--latency 0.05 0.6]
    .venv/bin/python bench/national.py --full          # all 2,846 county-level divisions (hours)

What it builds: one sample portal per county of the MCA list (crawler.sample_portals families in rotation — TRS,
Hanweb, jpaas, gkmlpt, Epoint, Fujian, deya, /common/search, JSON lists, the long tail — plus, as on real portals,
~2.5 % behind a WAF wall, ~1 % with robots.txt Disallow-all and ~2 % with crawler traps), each on its own loopback
address (127.1.x.y, one port): 2,846 hosts need 2,846 addresses, not ports, so that per-host politeness is per
county as in reality. One asyncio server process answers all of them, each answer after a random latency
(log-uniform between the two --latency bounds, seconds).

What it runs, for each worker count: a fresh local redis-server, `nianbao ingest --redis … --until-idle --no-extract`,
`nianbao crawl --redis … --seed --portals FILE.csv --allow-loopback` (the first worker) and N−1 more
`nianbao crawl --redis … --allow-loopback` — the CLI, with the default politeness (DOWNLOAD_DELAY 1 s ± 50 %,
AutoThrottle, ≤ 2 per host, 16 per worker).

What it reports: wall time (seed → the ingester done), pages (responses), CPU per page of the workers (the CLI
processes and their Scrapy children, from getrusage of waited children), the ingester's CPU, peak RSS of any
child, Redis peak memory (INFO used_memory_peak of a redis-server started for that crawl: queue, portal state,
and the item bodies waiting for the single ingester — the backlog column is the most items waiting at once) and
the reports found. Requires redis-server (apt-get install
redis-server). The default size runs in a few minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import math
import multiprocessing
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler import run  # noqa: E402


def counties(n: int | None) -> list:
    from extract.regions import counties as all_counties, short_name

    from crawler.sample_portals.catalog import County

    rows = sorted(all_counties(), key=lambda d: d.code)
    if n is not None and n < len(rows):
        step = len(rows) / n  # spread over the whole country, not the first province
        rows = [rows[int(i * step)] for i in range(n)]
    return [County(d.code, d.name, short_name(d.name), d.prefecture or d.province, (d.province or "?")[:1],
                   townships=("城关镇", "新城镇")) for d in rows]


def build(n: int | None) -> list:
    """One portal per county; families in rotation, a few walls, robots bans and traps."""
    from crawler.sample_portals import blocked, deya, epoint, fujian, gkmlpt, hanweb, jsonlist, longtail, trap, \
        trs, ucap
    from crawler.sample_portals.catalog import standard_items

    families = [trs.TrsClassic, trs.Trs6, hanweb.HanwebClassic, hanweb.HanwebJpaas, hanweb.HanwebJpaas2,
                gkmlpt.Gkmlpt, epoint.Epoint, epoint.EpointGovInfo, fujian.FujianTrs, deya.Deya, ucap.UcapSearch,
                jsonlist.JsonList, longtail.LongTail]
    out = []
    for i, county in enumerate(counties(n)):
        if i % 40 == 7:
            out.append(blocked.Ruishu412(county, 0, []))
            continue
        cls = trs.RobotsTrs if i % 100 == 13 else trap.Trap if i % 50 == 21 else families[i % len(families)]
        items = standard_items(county, gov_years=range(2021, 2024), office_years=(2023,), dept_years=(2023,),
                               town_years=(2023,), noise_years=(2023,), recipe_offset=i)
        out.append(cls(county, 0, items))
    return out


def address(i: int) -> str:
    return f"127.1.{i // 250}.{i % 250 + 1}"


# -- the server: one process, one asyncio loop, one listening socket per county address ------------------------------
def serve(n: int | None, port: int, latency: tuple[float, float], ready, stop) -> None:
    from crawler.sample_portals.web import Request, Response, finalize, header_lines

    portals = build(n)
    by_address = {address(i): p for i, p in enumerate(portals)}
    lo, hi = math.log(latency[0]), math.log(latency[1])

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        local = writer.get_extra_info("sockname")[0]
        portal = by_address[local]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
                body = await reader.readexactly(int(headers.get("content-length") or 0))
                path, _, query = target.partition("?")
                from urllib.parse import unquote

                req = Request(method, unquote(path, errors="replace"), query, headers, body,
                              headers.get("host") or f"{local}:{port}")
                await asyncio.sleep(math.exp(random.uniform(lo, hi)))
                try:
                    resp = portal.handle(req)
                except Exception:
                    resp = Response(status=500, body=b"error", cacheable=False)
                resp = finalize(req, resp)
                out = [f"HTTP/1.1 {resp.status} X"] + [f"{k}: {v}" for k, v in header_lines(resp)]
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1", "replace"))
                if method != "HEAD" and resp.status != 304:
                    writer.write(resp.body)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [await asyncio.start_server(handle, host, port, backlog=64) for host in by_address]
        ready.put([{"adcode": p.county.adcode, "name": p.county.name, "url": f"http://{a}:{port}/",
                    "reports": len([it for it in p.items if it.is_report]), "status": p.expected_status}
                   for a, p in by_address.items()])
        while not stop.is_set():
            await asyncio.sleep(0.2)
        for s in servers:
            s.close()

    resource.setrlimit(resource.RLIMIT_NOFILE, (min(65536, resource.getrlimit(resource.RLIMIT_NOFILE)[1]),) * 2)
    asyncio.run(main())


# -- one crawl ----------------------------------------------------------------------------------------------------------
def nianbao(*args: str) -> list[str]:
    return [sys.executable, "-m", "nianbao.cli", *args]


def crawl(workers: int, csv_path: Path, work: Path, settings: list[str]) -> dict:
    from crawler import distributed

    redis_proc, redis_url = distributed.start_local_redis(work)  # a fresh one: its memory peak is this crawl's
    client = distributed.connect(redis_url)
    db = work / f"w{workers}" / "archive.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    env, cwd = run.spider_env(), str(run.REPO_ROOT)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env, "cwd": cwd}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    ingester = subprocess.Popen(nianbao("ingest", "--redis", redis_url, "--db", str(db), "--until-idle",
                                        "--no-extract", "--idle-timeout", "120"), **quiet)
    procs = [subprocess.Popen(nianbao("crawl", "--redis", redis_url, "--seed", "--portals", str(csv_path),
                                      "--db", str(db), "--allow-loopback", *settings), **quiet)]
    while not client.exists("nianbao:run"):
        time.sleep(0.1)
    procs += [subprocess.Popen(nianbao("crawl", "--redis", redis_url, "--allow-loopback", *settings), **quiet)
              for _ in range(workers - 1)]
    peak = backlog = 0
    while any(p.poll() is None for p in procs):
        peak = max(peak, int(client.info("memory")["used_memory"]))
        backlog = max(backlog, client.llen("nianbao:items"))
        time.sleep(0.5)
    workers_done = resource.getrusage(resource.RUSAGE_CHILDREN)
    ingester.wait()
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    redis_peak = max(peak, int(client.info("memory")["used_memory_peak"]))
    redis_proc.terminate()
    redis_proc.wait(timeout=10)
    con = sqlite3.connect(db)
    stats = json.loads(con.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()[0])
    statuses = dict(con.execute("SELECT status, COUNT(*) FROM portal_status GROUP BY status").fetchall())
    reports = con.execute("SELECT COUNT(*) FROM report_items").fetchone()[0]
    con.close()
    pages = sum(stats.get("responses_by_worker", {}).values())
    cpu_workers = (workers_done.ru_utime - before.ru_utime) + (workers_done.ru_stime - before.ru_stime)
    cpu_ingest = (after.ru_utime - workers_done.ru_utime) + (after.ru_stime - workers_done.ru_stime)
    return {"workers": workers, "wall_s": wall, "pages": pages, "cpu_ms_per_page": 1000 * cpu_workers / max(pages, 1),
            "ingest_cpu_s": cpu_ingest, "peak_rss_mb": after.ru_maxrss / 1024, "redis_peak_mb": redis_peak / 2**20,
            "items_backlog": backlog,
            "reports": reports, "statuses": statuses, "codes": [p.returncode for p in procs] + [ingester.returncode]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--portals", type=int, default=80, help="how many county portals (default 80)")
    ap.add_argument("--full", action="store_true", help="every county-level division (2,846 portals)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--latency", type=float, nargs=2, default=(0.05, 0.6), metavar=("MIN", "MAX"),
                    help="server answer time bounds, seconds (log-uniform)")
    ap.add_argument("--port", type=int, default=18999)
    ap.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                    help="extra Scrapy setting for the workers (the default politeness is the real one)")
    args = ap.parse_args()
    if shutil.which("redis-server") is None:
        print("redis-server is not installed (apt-get install redis-server)", file=sys.stderr)
        return 2
    n = None if args.full else args.portals
    ctx = multiprocessing.get_context("fork")
    ready, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=serve, args=(n, args.port, tuple(args.latency), ready, stop), daemon=True)
    server.start()
    portals = ready.get(timeout=600)
    settings = ["-s", "LOG_LEVEL=WARNING"] + [x for pair in args.settings for x in ("-s", pair)]
    from crawler import distributed

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv_path = work / "portals.csv"
        with open(csv_path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["adcode", "name", "url"])
            for p in portals:
                w.writerow([p["adcode"], p["name"], p["url"]])
        try:
            for workers in args.workers:
                r = crawl(workers, csv_path, work, settings)
                results.append(r)
                print(json.dumps(r, ensure_ascii=False), file=sys.stderr, flush=True)
        finally:
            stop.set()
            server.join(timeout=10)
    expected = sum(p["reports"] for p in portals if p["status"] == "ok")
    print(f"{len(portals)} portals on {len(portals)} loopback hosts, server latency {args.latency[0]}–"
          f"{args.latency[1]} s; {expected} reports published on the portals that can be read")
    print(f"{'workers':>7} {'wall s':>8} {'pages':>7} {'pages/s':>8} {'CPU ms/page':>12} {'ingest CPU s':>13} "
          f"{'peak RSS MB':>12} {'Redis MB':>9} {'backlog':>8} {'reports':>8}  statuses")
    for r in results:
        print(f"{r['workers']:>7} {r['wall_s']:>8.1f} {r['pages']:>7} {r['pages'] / r['wall_s']:>8.1f} "
              f"{r['cpu_ms_per_page']:>12.1f} {r['ingest_cpu_s']:>13.1f} {r['peak_rss_mb']:>12.0f} "
              f"{r['redis_peak_mb']:>9.1f} {r['items_backlog']:>8} {r['reports']:>8}  {r['statuses']}")
    return 0 if all(not any(r["codes"]) for r in results) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    random.seed(0)
    sys.exit(main())
