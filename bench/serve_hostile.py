"""Hostile requests against a real `nianbao serve`: per request the outcome, the wall time and the peak RSS of the
server's processes (supervisor + Datasette worker, sampled from /proc every 20 ms), then a storm of heavy requests
at once. The requests are those of the fault-injection tests (tests/hostile_requests.py).

    .venv/bin/python bench/serve_hostile.py [--db WORKING_DB] [--storm 32] [--only NAME ...]

--db serves an existing working database (e.g. the one bench/serve.py builds: 100k reports); by default an archive
of the five seed reports plus the hand-made ones is built in a temporary directory. Target (issue 14): every request
answered (an error, or a result cut to the row limit) within the request deadline (15 s), server RSS ≤ 1 GiB.
Before: `select zeroblob(500000000)` took 67 s and 14.9 GB.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # not bench/: bench/extract.py would hide the extract package
sys.path.insert(1, str(ROOT / "tests"))
from hostile_requests import CASES, RssSampler, send, tree_rss_mb  # noqa: E402
from test_serve_fixture import Server, build_archive  # noqa: E402

STORM = ("rows of 4 KB each", "rows without end, HTML", "json_group_array of a CTE", "rows of 1 MB each",
         "group_concat over cells", "count of rows without end")


def storm(server: Server, n: int) -> str:
    cases = [c for c in CASES if c.name in STORM]
    outcomes = []
    start = time.monotonic()
    with RssSampler(server.proc.pid) as rss:
        threads = [threading.Thread(target=lambda c=cases[i % len(cases)]: outcomes.append(
            send(server.base, c, server.proc.pid))) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    statuses = Counter(o.status for o in outcomes)
    return (f"{n} heavy requests at once: all answered in {time.monotonic() - start:.1f} s (slowest "
            f"{max(o.seconds for o in outcomes):.1f} s), statuses {dict(statuses)}, peak RSS {rss.peak:.0f} MiB")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--db", help="a working database to serve (default: the seed archive, built here)")
    p.add_argument("--storm", type=int, default=32)
    p.add_argument("--only", nargs="*")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="nianbao-serve-hostile-") as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "archive.db"
        if not args.db:
            build_archive(db)
        server = Server(db)
        try:
            print(f"server up, RSS {tree_rss_mb(server.proc.pid):.0f} MiB (supervisor + worker)")
            print("| request | outcome | time | server peak RSS |\n|---|---|---|---|")
            for case in CASES:
                if args.only and case.name not in args.only:
                    continue
                o = send(server.base, case, server.proc.pid)
                what = (f"{o.status} truncated to the row limit" if o.truncated else
                        f"{o.status} {re.sub('<[^>]+>', '', o.error)[:60]}" if o.error else f"{o.status} ({o.body_bytes:,} bytes)")
                print(f"| {case.name} | {what} | {o.seconds:.2f} s | {o.peak_rss_mb:.0f} MiB |", flush=True)
            if args.storm:
                print(storm(server, args.storm))
            print(f"after: RSS {tree_rss_mb(server.proc.pid):.0f} MiB")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
