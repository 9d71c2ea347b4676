"""Crawler benchmark on the bundled sample portals (loopback, delay 0).

    .venv/bin/python bench/crawl.py [--extract]

Prints: pages/s and CPU ms per page of the crawl process, its peak memory, and the requests and bytes of a second
(unchanged) crawl as a fraction of the first. Extraction is off unless --extract (it is measured by
bench/extract.py); the crawl process is a child, so CPU and memory are read from getrusage(RUSAGE_CHILDREN).
"""
from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler import run  # noqa: E402
from crawler.sample_portals.server import start_servers  # noqa: E402


def one_crawl(db: Path, csv_path: str, extract: bool) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    summary = run.crawl(db, portals_csv=csv_path, allow_loopback=True,
                        settings={**run.FAST_SETTINGS, "NIANBAO_EXTRACT": str(extract)})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    con = sqlite3.connect(db)
    stats = json.loads(con.execute("SELECT stats FROM crawl_runs WHERE id = ?", [summary["run"]["id"]]).fetchone()[0])
    con.close()
    pages = stats.get("response_received_count") or stats.get("downloader/response_count", 0)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "pages": pages, "requests": stats.get("downloader/request_count", 0),
            "bytes": stats.get("downloader/response_bytes", 0), "not_modified": stats.get("nianbao/not_modified", 0),
            "peak_rss_mb": after.ru_maxrss / 1024, "memusage_max_mb": (stats.get("memusage/max") or 0) / 2**20,
            "new_documents": summary["run"]["new_documents"], "reports": summary["run"]["reports_found"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--extract", action="store_true", help="also run extraction inside the crawl")
    args = ap.parse_args()
    handle = start_servers(0)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            csv_path = str(run.registry_csv_from_manifest(run.sample_manifest(handle), handle.urls,
                                                          tmp / "portals.csv"))
            first = one_crawl(tmp / "archive.db", csv_path, args.extract)
            second = one_crawl(tmp / "archive.db", csv_path, args.extract)
    finally:
        handle.stop()
    print(f"sample portals: {len(handle.urls)}; first crawl: {first['pages']} pages, {first['reports']} reports, "
          f"{first['new_documents']} new documents, {first['bytes'] / 1e6:.1f} MB")
    print(f"  wall {first['wall_s']:.2f} s (incl. ~1.5 s process start) -> {first['pages'] / first['wall_s']:.1f} "
          f"pages/s; CPU {1000 * first['cpu_s'] / max(first['pages'], 1):.1f} ms/page")
    print(f"  peak memory of the crawl process: {first['peak_rss_mb']:.0f} MB (max RSS)")
    print(f"second crawl (nothing changed): {second['requests']} requests = "
          f"{second['requests'] / max(first['requests'], 1):.0%} of the first, {second['bytes'] / 1e3:.0f} kB = "
          f"{second['bytes'] / max(first['bytes'], 1):.1%} of the bytes; {second['not_modified']} answered 304; "
          f"{second['new_documents']} new documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
