"""`nianbao demo`: the main job on the bundled sample portals — crawl, extract, serve — in one command.

Starts the sample portals (a real HTTP server on loopback ports), crawls every one of them with the real spiders
into the archive, prints the per-portal summary, then opens the archive in Datasette until Ctrl-C.
"""
from __future__ import annotations

import sys
from pathlib import Path

from nianbao.cli import add_db


def register(subparsers) -> None:
    p = subparsers.add_parser("demo", help="crawl the bundled sample portals, extract, and serve the archive",
                              description=__doc__)
    add_db(p, creates=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8001)
    p.add_argument("--no-serve", action="store_true", help="stop after crawling and extracting")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args) -> int:
    from crawler.run import crawl_sample_portals, format_summary

    db = Path(args.db)
    print(f"nianbao demo: crawling the bundled sample portals into {db} …", file=sys.stderr, flush=True)
    summary = crawl_sample_portals(db)
    print(format_summary(summary), flush=True)
    if args.no_serve:
        return 0 if summary.get("exit_code", 0) == 0 else 1
    from nianbao.serve.server import serve

    print(f"nianbao demo: serving {db} at http://{args.host}:{args.port}/ (Ctrl-C to stop)", file=sys.stderr,
          flush=True)
    serve(db, host=args.host, port=args.port, force_prepare=True)
    return 0
