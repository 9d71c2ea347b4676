"""prepare(db_path): make an archive database ready to serve; idempotent. It writes the file it is given, so it
runs on a snapshot being published (storage/serving/publish.py), never on the working database that crawls write.

Adds (or rebuilds) regions, application_rows, report_summary, applications_wide, active_disclosure_wide,
coverage, the report_fts full-text index and the views, all in one transaction; then leaves the file in
rollback-journal mode (an immutable reader ignores a -wal file) and writes the Datasette inspect file
(<db>.inspect.json: row counts, so an immutable server never counts rows at startup).
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from datetime import date
from pathlib import Path

from storage.db import connect, now_iso
from storage.serving import browse, coverage, search
from storage.serving.feeds import prepare_feeds

PREPARED_KEY = "serve_prepared_id"
SOURCE_STATE_KEY = "serve_source_state"  # what the served relations were built from (source_state), at prepare time
# Tables whose growth changes what is served: extractions (reports, errors), the crawl (coverage, portal health).
_STATE_TABLES = ("documents", "errors", "report_versions", "crawl_runs", "portal_status", "portals")


def source_state(conn: sqlite3.Connection) -> str:
    """Changes whenever an extraction, an error or a crawl is recorded (a cheap max(rowid) per table)."""
    n, last = conn.execute("SELECT count(*), max(extracted_at) FROM reports").fetchone()
    parts = [str(n), str(last)]
    for table in _STATE_TABLES:
        try:
            parts.append(str(conn.execute(f"SELECT max(rowid) FROM [{table}]").fetchone()[0]))
        except sqlite3.OperationalError:  # an older archive without the crawler's tables
            parts.append("-")
    return "|".join(parts)


def inspect_path(db_path: str | Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".inspect.json")


def prepare(db_path: str | Path, *, db_name: str | None = None, today: date | None = None,
            extra_meta: dict[str, str] | None = None) -> dict:
    """Returns counts of what was built. db_name: the name Datasette will serve it under (default: file stem).
    extra_meta: more meta rows written in the same transaction (publish records the working database)."""
    db_path = Path(db_path)
    db_name = db_name or db_path.stem
    conn = connect(db_path)  # an empty archive still gets every table and view
    try:
        search.register_functions(conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            counts = {"regions": browse.build_regions(conn)}
            browse.build_cell_labels(conn)
            counts["report_summary"] = browse.build_report_summary(conn)
            browse.build_pivots(conn)
            browse.build_views(conn, db_name)
            prepare_feeds(conn)  # feed_* views, portal_health
            counts["coverage"] = coverage.build_coverage(conn, today=today)
            counts["report_fts"] = search.build_report_fts(conn)
            prepared_id = uuid.uuid4().hex
            conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                             [(PREPARED_KEY, prepared_id), ("serve_prepared_at", now_iso()),
                              (SOURCE_STATE_KEY, source_state(conn)), *(extra_meta or {}).items()])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    write_inspect(db_path, db_name)
    return counts


def prepared_id(db_path: str | Path) -> str | None:
    conn = connect(db_path, readonly=True)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", [PREPARED_KEY]).fetchone()
        return row[0] if row else None
    except sqlite3.OperationalError:  # no meta table: not an archive, or never prepared
        return None
    finally:
        conn.close()


def prepared_state(db_path: str | Path) -> str | None:
    """The source state a prepared database was built from (None: never prepared)."""
    conn = connect(db_path, readonly=True)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", [SOURCE_STATE_KEY]).fetchone()
        return row[0] if row else None
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()


def current_state(db_path: str | Path) -> str:
    conn = connect(db_path, readonly=True)
    try:
        return source_state(conn)
    except sqlite3.OperationalError:  # not an archive (no reports table)
        return ""
    finally:
        conn.close()


def is_stale(db_path: str | Path, prepared_db: str | Path | None = None) -> bool:
    """True when prepared_db (default: db_path itself) was never prepared, or was prepared from an older state
    of db_path (something was extracted or crawled since)."""
    built_from = prepared_state(prepared_db if prepared_db is not None else db_path)
    return built_from is None or built_from != current_state(db_path)


def write_inspect(db_path: str | Path, db_name: str | None = None) -> Path:
    """What `datasette inspect` writes, plus our prepare id so a stale file is detected."""
    db_path = Path(db_path)
    db_name = db_name or db_path.stem
    digest = hashlib.sha256()
    with open(db_path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    conn = connect(db_path, readonly=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        counts = {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in tables}
        pid = conn.execute("SELECT value FROM meta WHERE key = ?", [PREPARED_KEY]).fetchone()
    finally:
        conn.close()
    data = {db_name: {"hash": digest.hexdigest(), "size": db_path.stat().st_size, "file": db_path.name,
                      "tables": {t: {"count": n} for t, n in counts.items()},
                      PREPARED_KEY: pid[0] if pid else None}}
    out = inspect_path(db_path)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(out)
    return out


def table_columns(db_path: str | Path) -> dict[str, list[str]]:
    """Every table and view of a database with its columns (for Datasette's metadata)."""
    conn = connect(db_path, readonly=True)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")]
        return {n: [r[1] for r in conn.execute(f"PRAGMA table_info([{n}])")] for n in names}
    finally:
        conn.close()


def inspect_is_current(db_path: str | Path, db_name: str | None = None) -> bool:
    db_path = Path(db_path)
    path = inspect_path(db_path)
    if not path.exists():
        return False
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))[db_name or db_path.stem]
    except (ValueError, KeyError):
        return False
    return (entry.get(PREPARED_KEY) is not None and entry.get(PREPARED_KEY) == prepared_id(db_path)
            and entry.get("size") == db_path.stat().st_size)
