"""`nianbao serve`: the archive in Datasette (see docs/api.md)."""
from __future__ import annotations

import argparse
from pathlib import Path

from nianbao.cli import add_db, busy, fail


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "serve", help="serve a published snapshot of the archive read-only in Datasette (publishes one if needed)",
        description="Serve the archive with Datasette 0.65. The site never reads --db itself: it serves a "
                    "published snapshot, served/<name> beside it (a prepared, immutable copy: browse tables, "
                    "coverage ledger, Chinese full-text index), published when there is none or --db changed "
                    "since, or with --prepare. A running site moves to every newly published snapshot "
                    "(`nianbao serve --prepare-only` publishes one) without refusing a request. With "
                    "--publish-from WORKING_DB, --db is the served path instead.")
    add_db(p)
    p.add_argument("--port", type=int, default=8001)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--prepare", action="store_true", help="publish a new snapshot first, even if nothing changed")
    p.add_argument("--prepare-only", action="store_true",
                   help="publish a new snapshot and exit (a running site picks it up)")
    p.add_argument("--publish-from", metavar="WORKING_DB",
                   help="publish this working database to --db (the served path) before serving")
    p.add_argument("--offline-map", action="store_true",
                   help="use blank local map tiles instead of OpenStreetMap (machines without internet)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nianbao.serve.server import ensure_published, paths, run_site

    working, served = paths(args.db, args.publish_from)
    if working is not None and not working.exists() and (args.publish_from or args.prepare_only or
                                                         args.prepare or not served.exists()):
        fail(f"{working}: no such archive (the file does not exist) — give the archive's path with --db")
    if args.publish_from and not Path(args.publish_from).is_file():
        fail(f"{args.publish_from}: no such archive to publish (--publish-from)")
    force = bool(args.publish_from or args.prepare or args.prepare_only)
    try:
        with busy(f"publishing {working} to {served}"):
            counts = ensure_published(working, served, force=force)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
    except Exception as exc:  # sqlite3.DatabaseError: not an archive, a damaged file
        fail(f"{working}: cannot be published: {type(exc).__name__}: {exc}")
    if counts is not None:
        print(f"published {working} -> {served}: {counts}")
    if args.prepare_only:
        return 0
    run_site(served, host=args.host, port=args.port, offline_map=args.offline_map)
    return 0
