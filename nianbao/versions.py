"""Report versions: what a report URL said over time, silent edits cell by cell, and reports that disappeared.

A report is identified by the sha256 of its bytes (nianbao.archive), so when an agency edits a published report
the same URL yields a NEW report id while the old report stays in the archive. This module keeps the history:

    report_versions  (url, version) PK: report_id, first_seen, last_seen, superseded_at, status, gone_at,
                     http_status. status: current (what the URL serves now) / superseded (an earlier version)
                     / gone (the URL now answers 404/410; the report itself stays in the archive).
    cell_changes     one row per table cell that differs between two consecutive versions of a URL: url,
                     old_report_id, new_report_id, table_key, row_key, col_key, old_value, new_value, old_raw,
                     new_raw, detected_at. A cell present on one side only has NULLs on the other.

Nothing here ever deletes a row: history is the point.

Call record_version() after a report URL was (re)extracted and mark_gone() when it answers 404/410.
"""
from __future__ import annotations

import sqlite3

from nianbao.archive import now_iso

VERSION_STATUSES = ("current", "superseded", "gone")
_SQL_TYPES = {int: "INTEGER", str: "TEXT", float: "REAL"}
GONE_HTTP_STATUSES = (404, 410)

VERSION_TABLES: dict[str, dict] = {
    "report_versions": dict(
        columns={"url": str, "version": int, "report_id": str, "first_seen": str, "last_seen": str,
                 "superseded_at": str, "status": str, "gone_at": str, "http_status": int},
        pk=("url", "version")),
    "cell_changes": dict(
        columns={"id": int, "url": str, "old_report_id": str, "new_report_id": str, "table_key": str,
                 "row_key": str, "col_key": str, "old_value": float, "new_value": float, "old_raw": str,
                 "new_raw": str, "detected_at": str},
        pk="id"),
}
VERSION_INDEXES = [("report_versions", ["report_id"]), ("report_versions", ["status"]),
                   ("cell_changes", ["url"]), ("cell_changes", ["new_report_id"]),
                   ("cell_changes", ["detected_at"])]

# Cells of two reports side by side (a full outer join on the cell key), keeping those that differ. A numeric
# cell differs when its value does; a non-numeric one (blank, dash, text) when its raw text does — so a
# re-layout that only changes whitespace around a number is not reported as an edit.
_CHANGED_CELLS_SQL = """
WITH old AS (SELECT table_key, row_key, col_key, value, raw FROM cells WHERE report_id = :old),
     new AS (SELECT table_key, row_key, col_key, value, raw FROM cells WHERE report_id = :new),
     keys AS (SELECT table_key, row_key, col_key FROM old UNION SELECT table_key, row_key, col_key FROM new)
SELECT k.table_key, k.row_key, k.col_key, o.value, n.value, o.raw, n.raw
FROM keys k
LEFT JOIN old o ON o.table_key = k.table_key AND o.row_key = k.row_key AND o.col_key = k.col_key
LEFT JOIN new n ON n.table_key = k.table_key AND n.row_key = k.row_key AND n.col_key = k.col_key
WHERE o.table_key IS NULL OR n.table_key IS NULL OR o.value IS NOT n.value
   OR (o.value IS NULL AND n.value IS NULL AND coalesce(o.raw, '') <> coalesce(n.raw, ''))
ORDER BY k.table_key, k.row_key, k.col_key
"""


def ensure_version_tables(db) -> None:
    """Create report_versions and cell_changes if missing. Plain SQL (no sqlite-utils commit), so it is safe
    inside a caller's transaction. db: a sqlite3 connection, a sqlite_utils.Database or an Archive."""
    conn = db if isinstance(db, sqlite3.Connection) else getattr(db, "conn", None) or db.db.conn
    for name, spec in VERSION_TABLES.items():
        pk = spec["pk"] if isinstance(spec["pk"], tuple) else (spec["pk"],)
        cols = [f"[{c}] {_SQL_TYPES[t]}" for c, t in spec["columns"].items()]
        conn.execute(f"CREATE TABLE IF NOT EXISTS [{name}] ({', '.join(cols)}, "
                     f"PRIMARY KEY ({', '.join(f'[{c}]' for c in pk)}))")
    for table, cols in VERSION_INDEXES:
        conn.execute(f"CREATE INDEX IF NOT EXISTS [idx_{table}_{'_'.join(cols)}] ON [{table}] "
                     f"({', '.join(f'[{c}]' for c in cols)})")


def latest_version(conn: sqlite3.Connection, url: str) -> dict | None:
    cur = conn.execute("SELECT * FROM report_versions WHERE url = ? ORDER BY version DESC LIMIT 1", [url])
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row)) if row else None


def changed_cells(conn: sqlite3.Connection, old_report_id: str, new_report_id: str) -> list[dict]:
    """The cells that differ between two reports (see _CHANGED_CELLS_SQL)."""
    keys = ("table_key", "row_key", "col_key", "old_value", "new_value", "old_raw", "new_raw")
    return [dict(zip(keys, r)) for r in conn.execute(_CHANGED_CELLS_SQL, {"old": old_report_id,
                                                                          "new": new_report_id})]


def record_version(archive, url: str, report_id: str, seen_at: str | None = None) -> dict:
    """Record that `url` was just extracted as report `report_id`. Returns the URL's current version row.

    Same report id as the current version: only last_seen moves (and a 'gone' URL that is back is current
    again). A different report id: the previous version becomes superseded, a new version is added, and every
    changed cell is listed in cell_changes — all in one transaction.
    """
    if not url or not report_id:
        raise ValueError("record_version needs a url and a report_id")
    seen_at = seen_at or now_iso()
    conn = archive.db.conn
    ensure_version_tables(conn)
    with archive.transaction():
        latest = latest_version(conn, url)
        if latest and latest["report_id"] == report_id and latest["status"] == "gone" \
                and seen_at <= (latest["gone_at"] or ""):
            return latest  # last fetched before it went: it has not come back
        if latest and latest["report_id"] == report_id:
            conn.execute("UPDATE report_versions SET last_seen = max(coalesce(last_seen, ''), ?), "
                         "status = 'current', gone_at = NULL, http_status = NULL WHERE url = ? AND version = ?",
                         [seen_at, url, latest["version"]])
        else:
            version = 1
            if latest:
                version = latest["version"] + 1
                conn.execute("UPDATE report_versions SET status = 'superseded', superseded_at = ? "
                             "WHERE url = ? AND version = ?", [seen_at, url, latest["version"]])
                changes = changed_cells(conn, latest["report_id"], report_id)
                conn.executemany(
                    "INSERT INTO cell_changes (url, old_report_id, new_report_id, table_key, row_key, col_key, "
                    "old_value, new_value, old_raw, new_raw, detected_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [[url, latest["report_id"], report_id, c["table_key"], c["row_key"], c["col_key"],
                      c["old_value"], c["new_value"], c["old_raw"], c["new_raw"], seen_at] for c in changes])
            conn.execute("INSERT INTO report_versions (url, version, report_id, first_seen, last_seen, status) "
                         "VALUES (?, ?, ?, ?, ?, 'current')", [url, version, report_id, seen_at, seen_at])
        return latest_version(conn, url)


def mark_gone(archive, url: str, seen_at: str | None = None, http_status: int = 404) -> dict | None:
    """Mark the URL's latest version gone (the report answered 404/410). Nothing is deleted: the report, its
    cells and its originals stay. A URL never recorded as a version, but with a report in `reports`, gets a
    first version that is gone at once. Returns the version row, or None when nothing is known of the URL."""
    if http_status not in GONE_HTTP_STATUSES:
        # A 403, a 5xx or a bot wall says nothing about the report: only 404/410 mean it was withdrawn.
        raise ValueError(f"HTTP {http_status} does not mean gone (only {GONE_HTTP_STATUSES} do)")
    seen_at = seen_at or now_iso()
    conn = archive.db.conn
    ensure_version_tables(conn)
    with archive.transaction():
        latest = latest_version(conn, url)
        if latest is None:
            row = conn.execute("SELECT id, extracted_at FROM reports WHERE url = ? "
                               "ORDER BY extracted_at DESC LIMIT 1", [url]).fetchone()
            if row is None:
                return None
            conn.execute("INSERT INTO report_versions (url, version, report_id, first_seen, last_seen, status) "
                         "VALUES (?, 1, ?, ?, ?, 'current')", [url, row[0], row[1] or seen_at, row[1] or seen_at])
            latest = latest_version(conn, url)
        if latest["status"] != "gone":  # keep the first time it was seen gone
            conn.execute("UPDATE report_versions SET status = 'gone', gone_at = ?, http_status = ? "
                         "WHERE url = ? AND version = ?", [seen_at, http_status, url, latest["version"]])
        return latest_version(conn, url)


def history(archive, url: str) -> list[dict]:
    """Every version of a URL, oldest first."""
    ensure_version_tables(archive.db.conn)
    return list(archive.db.query("SELECT * FROM report_versions WHERE url = ? ORDER BY version", [url]))
