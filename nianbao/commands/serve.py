"""`nianbao serve`: the archive in Datasette (see docs/api.md)."""
from __future__ import annotations

import argparse

from nianbao.cli import add_db, busy, fail, input_error


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "serve", help="serve the archive read-only in Datasette (prepares it first if needed)",
        description="Serve archive.db with Datasette 0.65 (immutable, read-only). The database is prepared "
                    "(browse tables, coverage ledger, Chinese full-text index) when it never was, or with "
                    "--prepare. --publish-from copies a working database into --db atomically first.")
    add_db(p)
    p.add_argument("--port", type=int, default=8001)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--prepare", action="store_true", help="rebuild the browse tables and search index first")
    p.add_argument("--prepare-only", action="store_true", help="prepare (or publish) and exit without serving")
    p.add_argument("--publish-from", metavar="WORKING_DB",
                   help="snapshot this working (crawl) database into --db atomically, prepared, before serving")
    p.add_argument("--offline-map", action="store_true",
                   help="use blank local map tiles instead of OpenStreetMap (machines without internet)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from storage.serving.prepare import prepare
    from storage.serving.publish import publish
    from nianbao.serve.server import serve

    db = Path(args.db)
    if not args.publish_from and not db.exists():
        fail(f"{db}: no such archive (the file does not exist) — give the archive's path with --db")
    if args.publish_from and not Path(args.publish_from).is_file():
        fail(f"{args.publish_from}: no such archive to publish (--publish-from)")
    try:
        if args.publish_from:
            with busy(f"publishing {args.publish_from} to {db}"):
                counts = publish(args.publish_from, db)
            print(f"published {args.publish_from} -> {db}: {counts}")
        elif args.prepare_only or args.prepare:
            with busy(f"preparing {db} for serving"):
                counts = prepare(db)
            print(f"prepared {db}: {counts}")
    except (OSError, ValueError) as exc:
        fail(input_error(args.publish_from or db, exc))
    except Exception as exc:  # sqlite3.DatabaseError: not an archive, a damaged file
        fail(f"{args.publish_from or db}: cannot be prepared: {type(exc).__name__}: {exc}")
    if args.prepare_only:
        return 0
    # a published snapshot's originals and WARC records stay beside the working archive
    serve(db, host=args.host, port=args.port, offline_map=args.offline_map,
          archive_dir=Path(args.publish_from).resolve().parent if args.publish_from else None)
    return 0
