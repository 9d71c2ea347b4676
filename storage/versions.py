"""Report versions: what a report URL said over time, silent edits cell by cell, and reports that disappeared.

A report is identified by the bytes it was extracted from (storage.reports), so when an agency edits a published
report the same URL yields a NEW report id while the old one stays. This keeps the history:

    report_versions  (url, version): report_id, first_seen, last_seen, superseded_at, status current / superseded
                     / gone, gone_at, http_status
    cell_changes     one row per cell that differs between two consecutive versions of a URL

Nothing here ever deletes a row: history is the point. `record` after a report URL was (re)extracted, `mark_gone`
when it answers 404/410.
"""
from __future__ import annotations

from storage.db import now_iso

GONE_HTTP_STATUSES = (404, 410)

# Cells of two reports side by side (a full outer join on the cell key), keeping those that differ. A numeric cell
# differs when its value does; a non-numeric one (blank, dash, text) when its raw text does — so a re-layout that
# only changes whitespace around a number is not reported as an edit.
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
CHANGE_KEYS = ("table_key", "row_key", "col_key", "old_value", "new_value", "old_raw", "new_raw")


class Versions:
    def __init__(self, archive):
        self.archive = archive
        self.conn = archive.conn

    def latest(self, url: str) -> dict | None:
        rows = self.archive.rows("SELECT * FROM report_versions WHERE url = ? ORDER BY version DESC LIMIT 1", [url])
        return rows[0] if rows else None

    def history(self, url: str) -> list[dict]:
        """Every version of a URL, oldest first."""
        return self.archive.rows("SELECT * FROM report_versions WHERE url = ? ORDER BY version", [url])

    def changed_cells(self, old_report_id: str, new_report_id: str) -> list[dict]:
        return [dict(zip(CHANGE_KEYS, r))
                for r in self.conn.execute(_CHANGED_CELLS_SQL, {"old": old_report_id, "new": new_report_id})]

    def record(self, url: str, report_id: str, seen_at: str | None = None) -> dict:
        """`url` was just extracted as report `report_id`; returns the URL's current version row.

        Same report id as the current version: only last_seen moves (and a 'gone' URL that is back is current
        again). A different report id: the previous version becomes superseded, a new version is added, and every
        changed cell is listed in cell_changes — all in one transaction."""
        if not url or not report_id:
            raise ValueError("recording a version needs a url and a report_id")
        seen_at = seen_at or now_iso()
        with self.archive.transaction():
            latest = self.latest(url)
            if latest and latest["report_id"] == report_id and latest["status"] == "gone" \
                    and seen_at <= (latest["gone_at"] or ""):
                return latest  # last fetched before it went: it has not come back
            if latest and latest["report_id"] == report_id:
                self.conn.execute(
                    "UPDATE report_versions SET last_seen = max(coalesce(last_seen, ''), ?), status = 'current', "
                    "gone_at = NULL, http_status = NULL WHERE url = ? AND version = ?",
                    [seen_at, url, latest["version"]])
            else:
                version = 1
                if latest:
                    version = latest["version"] + 1
                    self.conn.execute("UPDATE report_versions SET status = 'superseded', superseded_at = ? "
                                      "WHERE url = ? AND version = ?", [seen_at, url, latest["version"]])
                    self.archive.insert("cell_changes", [
                        {"url": url, "old_report_id": latest["report_id"], "new_report_id": report_id, **c,
                         "detected_at": seen_at} for c in self.changed_cells(latest["report_id"], report_id)])
                self.conn.execute("INSERT INTO report_versions (url, version, report_id, first_seen, last_seen, "
                                  "status) VALUES (?, ?, ?, ?, ?, 'current')",
                                  [url, version, report_id, seen_at, seen_at])
            return self.latest(url)

    def mark_gone(self, url: str, seen_at: str | None = None, http_status: int = 404) -> dict | None:
        """The URL answered 404/410: its latest version is gone. Nothing is deleted. A URL never recorded as a
        version, but with a report, gets a first version that is gone at once. None when the URL is unknown."""
        if http_status not in GONE_HTTP_STATUSES:
            # A 403, a 5xx or a bot wall says nothing about the report: only 404/410 mean it was withdrawn.
            raise ValueError(f"HTTP {http_status} does not mean gone (only {GONE_HTTP_STATUSES} do)")
        seen_at = seen_at or now_iso()
        with self.archive.transaction():
            latest = self.latest(url)
            if latest is None:
                row = self.conn.execute("SELECT id, extracted_at FROM reports WHERE url = ? "
                                        "ORDER BY extracted_at DESC LIMIT 1", [url]).fetchone()
                if row is None:
                    return None
                self.conn.execute("INSERT INTO report_versions (url, version, report_id, first_seen, last_seen, "
                                  "status) VALUES (?, 1, ?, ?, ?, 'current')",
                                  [url, row[0], row[1] or seen_at, row[1] or seen_at])
                latest = self.latest(url)
            if latest["status"] != "gone":  # keep the first time it was seen gone
                self.conn.execute("UPDATE report_versions SET status = 'gone', gone_at = ?, http_status = ? "
                                  "WHERE url = ? AND version = ?", [seen_at, http_status, url, latest["version"]])
            return self.latest(url)
