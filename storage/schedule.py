"""The record of scheduled runs (table schedule_runs), written by nianbao.schedule.Scheduler. status: running
(while it goes) / ok / failed / skipped."""
from __future__ import annotations

import os

from storage.schema import RUN_STATUSES


class ScheduleLog:
    def __init__(self, archive):
        self.archive = archive
        self.conn = archive.conn

    def counts(self) -> dict:
        """What a run is measured by: reports in the archive and the newest crawl run."""
        reports = self.conn.execute("SELECT count(*) FROM reports").fetchone()[0]
        return {"reports": reports, "last_crawl_run": self.archive.crawl.last_run_id()}

    def start(self, scheduled_for: str, started_at: str) -> int:
        """A new running row. With the run lock held no other run is going: a 'running' row left behind is one
        whose scheduler died, and is recorded as failed."""
        with self.archive.transaction():
            self.conn.execute("UPDATE schedule_runs SET status = 'failed', detail = coalesce(detail || '; ', '') || "
                              "'interrupted: the scheduler ended without recording the outcome' "
                              "WHERE status = 'running'")
            return self.conn.execute("INSERT INTO schedule_runs (scheduled_for, started_at, status, pid) "
                                     "VALUES (?, ?, 'running', ?)", [scheduled_for, started_at, os.getpid()]).lastrowid

    def finish(self, run_id: int, *, ended_at: str, status: str, portals: int, new_reports: int, errors: int,
               detail: str | None) -> dict:
        if status not in RUN_STATUSES:
            raise ValueError(f"unknown run status {status!r}")
        self.conn.execute("UPDATE schedule_runs SET ended_at = ?, status = ?, portals = ?, new_reports = ?, "
                          "errors = ?, detail = ? WHERE id = ?",
                          [ended_at, status, portals, new_reports, errors, detail, run_id])
        return self.run(run_id)

    def skip(self, scheduled_for: str, at: str, reason: str) -> dict:
        run_id = self.conn.execute(
            "INSERT INTO schedule_runs (scheduled_for, started_at, ended_at, status, portals, new_reports, errors, "
            "detail, pid) VALUES (?, ?, ?, 'skipped', 0, 0, 0, ?, ?)",
            [scheduled_for, at, at, reason, os.getpid()]).lastrowid
        return self.run(run_id)

    def run(self, run_id: int) -> dict:
        return self.archive.rows("SELECT * FROM schedule_runs WHERE id = ?", [run_id])[0]

    def recent(self, limit: int = 10) -> list[dict]:
        return self.archive.rows("SELECT * FROM schedule_runs ORDER BY id DESC LIMIT ?", [limit])
