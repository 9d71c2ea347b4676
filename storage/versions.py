"""Reading a report's history: its versions (report_versions), the cells that changed between them (cell_changes)
and the places it was found (report_sources). They are written by storage.reports as sightings are recorded;
nothing here deletes a row — history is the point."""
from __future__ import annotations

from storage.db import now_iso
from storage.reports import mark_gone

GONE_HTTP_STATUSES = (404, 410)


class Versions:
    def __init__(self, archive):
        self.archive = archive

    def history(self, report_id: str) -> list[dict]:
        """Every version of a report, oldest first."""
        return self.archive.rows("SELECT * FROM report_versions WHERE report_id = ? ORDER BY version", [report_id])

    def current(self, report_id: str) -> dict | None:
        rows = self.archive.rows("SELECT * FROM report_versions WHERE report_id = ? AND status <> 'superseded' "
                                 "ORDER BY version DESC LIMIT 1", [report_id])
        return rows[0] if rows else None

    def changes(self, report_id: str, new_version: int | None = None) -> list[dict]:
        """The cells that changed in a report's versions (or in one of them), in key order."""
        if new_version is None:
            return self.archive.rows("SELECT * FROM cell_changes WHERE report_id = ? ORDER BY new_version, "
                                     "table_key, row_key, col_key", [report_id])
        return self.archive.rows("SELECT * FROM cell_changes WHERE report_id = ? AND new_version = ? "
                                 "ORDER BY table_key, row_key, col_key", [report_id, new_version])

    def sources(self, report_id: str) -> list[dict]:
        return self.archive.rows("SELECT * FROM report_sources WHERE report_id = ? ORDER BY first_seen, source",
                                 [report_id])

    def at(self, source: str) -> list[dict]:
        """What a place served over time, oldest first."""
        return self.archive.rows("SELECT * FROM report_sources WHERE source = ? ORDER BY first_seen", [source])

    def mark_gone(self, source: str, seen_at: str | None = None, http_status: int = 404) -> dict | None:
        """The place answered 404/410 (see storage.reports.mark_gone). Any other status raises: a 5xx or a bot
        wall says nothing about whether the report was withdrawn."""
        if http_status not in GONE_HTTP_STATUSES:
            raise ValueError(f"HTTP {http_status} does not mean gone (only {GONE_HTTP_STATUSES} do)")
        return mark_gone(self.archive, source, seen_at or now_iso(), http_status)
