"""publish(working_db, served_db): a consistent snapshot of the crawl's working database, prepared for serving,
swapped in atomically.

Crawls keep writing to the working database. VACUUM INTO copies it inside one read transaction (a consistent
snapshot, WAL or not) into a temporary file beside the served one; prepare() builds the browse tables, the
search index and the inspect file; os.replace() renames it over the served file. A reader has the old file or
the new one open, never a half-written crawl. A running immutable server keeps reading the file it opened:
restart it to serve the new snapshot (its inspect counts belong to the old one).
"""
from __future__ import annotations

import os
from pathlib import Path

from storage.db import connect
from storage.serving.prepare import inspect_path, prepare


def publish(working_db: str | Path, served_db: str | Path) -> dict:
    working_db, served_db = Path(working_db), Path(served_db)
    if not working_db.exists():
        raise FileNotFoundError(f"working database not found: {working_db}")
    if working_db.resolve() == served_db.resolve():
        raise ValueError("publish needs two files: the working database and the served snapshot")
    served_db.parent.mkdir(parents=True, exist_ok=True)
    tmp = served_db.with_name(f".{served_db.name}.publish-{os.getpid()}")
    tmp_inspect = inspect_path(tmp)
    for leftover in (tmp, tmp_inspect):
        leftover.unlink(missing_ok=True)
    try:
        src = connect(working_db, readonly=True)
        try:
            src.execute("VACUUM INTO ?", [str(tmp)])
        finally:
            src.close()
        counts = prepare(tmp, db_name=served_db.stem)
        # Inspect file first: a server (re)started between the two renames sees a stale inspect file, which
        # `nianbao serve` detects (prepare id mismatch) and rewrites; the database itself is never partial.
        os.replace(tmp_inspect, inspect_path(served_db))
        os.replace(tmp, served_db)
    finally:
        for leftover in (tmp, tmp_inspect):
            leftover.unlink(missing_ok=True)
    return counts
