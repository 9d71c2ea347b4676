"""Crawler benchmark on the bundled sample portals (loopback, delay 0).

    .venv/bin/python bench/crawl.py [--extract] [--changed ADCODE] [--days 7]

Prints, for the first crawl: pages/s and CPU ms per page of the crawl process, its peak memory. Then recrawls on
the crawl clock (NIANBAO_NOW), as a fraction of the first crawl's requests and response bytes:

  * unchanged, a day later;
  * a day later, one portal (`--changed`, default 440607) in its "changed" variant: one report edited, one
    added, one withdrawn (unlisted, 404) — the issue's scenario;
  * `--days` later (default 7), every portal changed that way.
Each recrawl starts from a copy of the archive as the first crawl left it.

For the changed recrawls: whether each change was caught — the added report found and archived, the withdrawn
one marked gone, the edit re-archived. Edits are caught when the list signals them (gkmlpt lists modification
times) or when the report is due (crawler/revisit.py): an edit of an old report waits for its interval.

Targets (issue 10): ≤ 30 % of the requests and ≤ 5 % of the bytes when little changed. Extraction is off unless
--extract (it is measured by bench/extract.py); the crawl process is a child, so CPU and memory are read from
getrusage(RUSAGE_CHILDREN).
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler import run  # noqa: E402
from crawler.sample_portals.server import start_servers  # noqa: E402

T0 = datetime.fromisoformat("2024-04-10T08:00:00+00:00")


def one_crawl(db: Path, csv_path: str, extract: bool, now: datetime) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    summary = run.crawl(db, portals_csv=csv_path, allow_loopback=True,
                        settings={**run.FAST_SETTINGS, "NIANBAO_EXTRACT": str(extract),
                                  "NIANBAO_NOW": now.isoformat()})
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    con = sqlite3.connect(db)
    stats = json.loads(con.execute("SELECT stats FROM crawl_runs WHERE id = ?", [summary["run"]["id"]]).fetchone()[0])
    con.close()
    pages = stats.get("response_received_count") or stats.get("downloader/response_count", 0)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "pages": pages, "requests": stats.get("downloader/request_count", 0),
            "bytes": stats.get("downloader/response_bytes", 0), "not_modified": stats.get("nianbao/not_modified", 0),
            "peak_rss_mb": after.ru_maxrss / 1024, "new_documents": summary["run"]["new_documents"],
            "reports": summary["run"]["reports_found"], "summary": summary,
            "revisit": {k.split("/")[-1]: v for k, v in stats.items() if k.startswith("nianbao/revisit/")}}


def caught(db: Path, manifest: list[dict], statuses: dict) -> dict:
    """Per kind of change, on how many portals it was caught."""
    con = sqlite3.connect(db)
    out = {"edited": [0, 0], "added": [0, 0], "withdrawn": [0, 0]}
    try:
        for m in manifest:
            if statuses.get(m["adcode"]) not in ("ok", "moved") or "changes" not in m:
                continue
            c = m["changes"]
            # per place (report_sources, the observation log): the edited page's earlier bytes replaced by new
            # ones; the withdrawn page gone (the report itself may live on where other portals post it)
            edited = con.execute("SELECT COUNT(*) FROM report_sources WHERE source LIKE ? AND status = 'replaced'",
                                 ["%" + c["edited"]["path"]]).fetchone()[0]
            added = con.execute("SELECT COUNT(*) FROM report_items i JOIN documents d ON d.url = i.doc_url "
                                "WHERE i.url LIKE ?", ["%" + c["added"]["path"]]).fetchone()[0]
            gone = con.execute("SELECT COUNT(*) FROM report_sources WHERE source LIKE ? AND status = 'gone'",
                               ["%" + c["removed"][0]]).fetchone()[0]
            for kind, hit in (("edited", edited), ("added", added), ("withdrawn", gone)):
                out[kind][0] += bool(hit)
                out[kind][1] += 1
    finally:
        con.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--extract", action="store_true", help="also run extraction inside the crawl")
    ap.add_argument("--changed", default="440607", help="the portal changed two days after the first crawl")
    ap.add_argument("--days", type=float, default=7, help="days between the first crawl and the all-changed one")
    args = ap.parse_args()
    handle = start_servers(0)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            manifest = run.sample_manifest(handle)
            csv_path = str(run.registry_csv_from_manifest(manifest, handle.urls, tmp / "portals.csv"))
            db = tmp / "first" / "archive.db"
            db.parent.mkdir()
            first = one_crawl(db, csv_path, True, T0)  # extraction on: versions need the reports
            statuses = {p["adcode"]: p["status"] for p in first["summary"]["portals"]}

            def from_first(name: str) -> Path:
                shutil.copytree(db.parent, tmp / name)
                return tmp / name / "archive.db"
            second = one_crawl(from_first("unchanged"), csv_path, args.extract, T0 + timedelta(days=1))
            handle.set_variant("changed", args.changed)
            one_db = from_first("one")
            one = one_crawl(one_db, csv_path, True, T0 + timedelta(days=1))
            hits_one = caught(one_db, [m for m in manifest if m["adcode"] == args.changed], statuses)
            handle.set_variant("changed")
            all_db = from_first("all")
            third = one_crawl(all_db, csv_path, True, T0 + timedelta(days=args.days))
            hits = caught(all_db, manifest, statuses)
    finally:
        handle.stop()
    print(f"sample portals: {len(handle.urls)}; first crawl: {first['pages']} pages, {first['reports']} reports, "
          f"{first['new_documents']} new documents, {first['bytes'] / 1e6:.1f} MB (extraction on)")
    print(f"  wall {first['wall_s']:.2f} s (incl. ~1.5 s process start) -> {first['pages'] / first['wall_s']:.1f} "
          f"pages/s; CPU {1000 * first['cpu_s'] / max(first['pages'], 1):.1f} ms/page")
    print(f"  peak memory of the crawl process: {first['peak_rss_mb']:.0f} MB (max RSS)")
    for label, r, h in (("recrawl a day later, nothing changed", second, None),
                        (f"recrawl a day later, {args.changed} changed (one edit, one addition, one withdrawal)",
                         one, hits_one),
                        (f"recrawl {args.days:g} days later, every portal changed that way", third, hits)):
        print(f"{label}: {r['requests']} requests = {r['requests'] / max(first['requests'], 1):.1%} of the first, "
              f"{r['bytes'] / 1e3:.0f} kB = {r['bytes'] / max(first['bytes'], 1):.2%} of the bytes; "
              f"{r['not_modified']} answered 304; {r['new_documents']} new documents; revisit {r['revisit']}")
        if h:
            print("  caught (portals): " + ", ".join(f"{k} {a}/{b}" for k, (a, b) in h.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
