"""The scheduler: fire times (daily January–April, weekly otherwise), no overlap, a record of every run, clean stop.

Time is driven by a fake clock (no real sleeping), except in the signal tests, which run `nianbao schedule` as a
real process and wait (bounded) for it to reach a state before signalling it.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from nianbao.schedule.scheduler import MAX_SLEEP, RunLock, Schedule, Scheduler, lock_path_for

ROOT = Path(__file__).resolve().parents[1]
CST = timezone(timedelta(hours=8))  # the portals' time zone (fixed offset: no tzdata needed)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=CST)


class FakeClock:
    def __init__(self, start: datetime, stop_when=None):
        self.t = start
        self.sleeps: list[float] = []
        self.stop_when = stop_when  # (condition, scheduler): checked at each sleep, like a signal arriving

    def now(self) -> datetime:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += timedelta(seconds=seconds)
        if self.stop_when and self.stop_when[0]():
            self.stop_when[1].request_stop("test done")


def runs(db: Path) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("SELECT * FROM schedule_runs ORDER BY id")]
    conn.close()
    return rows


def make(tmp_path, clock: FakeClock, job, crons=None) -> Scheduler:
    return Scheduler(tmp_path / "archive.db", job, Schedule(crons) if crons else None, now=clock.now,
                     sleep=clock.sleep, log=lambda msg: None)


# -- fire times ---------------------------------------------------------------------------------------------------
def test_default_schedule_is_daily_january_to_april_and_weekly_after():
    s = Schedule()
    assert s.upcoming(at(2025, 1, 1, 0, 0), 3) == [at(2025, 1, 1, 3), at(2025, 1, 2, 3), at(2025, 1, 3, 3)]
    # 2025-06-01 is a Sunday: Mondays 2, 9, 16 June.
    assert s.upcoming(at(2025, 6, 1, 0, 0), 3) == [at(2025, 6, 2, 3), at(2025, 6, 9, 3), at(2025, 6, 16, 3)]
    # End of April: last daily run 30 April (a Wednesday), then the first Monday of May (5 May).
    assert s.upcoming(at(2025, 4, 29, 12, 0), 3) == [at(2025, 4, 30, 3), at(2025, 5, 5, 3), at(2025, 5, 12, 3)]
    # End of the year: Mondays 29 Dec 2025, then daily again from 1 January.
    assert s.upcoming(at(2025, 12, 28, 12, 0), 3) == [at(2025, 12, 29, 3), at(2026, 1, 1, 3), at(2026, 1, 2, 3)]
    with pytest.raises(ValueError):
        Schedule(["0 3 * 13 *"])


def test_scheduler_fires_at_each_time_and_records_runs(tmp_path):
    clock = FakeClock(at(2025, 4, 28, 0, 0))
    fired = []

    def job(ctx):
        fired.append((ctx.scheduled_for, clock.now()))
        clock.t += timedelta(minutes=30)  # the crawl takes half an hour
        return {"portals": 2}

    scheduler = make(tmp_path, clock, job)
    clock.stop_when = (lambda: len(fired) == 4, scheduler)
    scheduler.run_forever()
    expected = [at(2025, 4, 28, 3), at(2025, 4, 29, 3), at(2025, 4, 30, 3), at(2025, 5, 5, 3)]
    assert [f for f, _ in fired] == expected
    assert [started for _, started in fired] == expected  # started on time, not before
    assert max(clock.sleeps) <= MAX_SLEEP
    rows = runs(tmp_path / "archive.db")
    assert [(r["scheduled_for"], r["status"], r["portals"]) for r in rows] == [
        (t.isoformat(), "ok", 2) for t in expected]
    assert rows[0]["started_at"] == "2025-04-28T03:00:00+08:00"
    assert rows[0]["ended_at"] == "2025-04-28T03:30:00+08:00"
    assert not lock_path_for(tmp_path / "archive.db").exists() or RunLock(
        lock_path_for(tmp_path / "archive.db")).acquire()


def test_fire_times_passing_during_a_long_run_are_skipped(tmp_path):
    clock = FakeClock(at(2025, 1, 1, 0, 0))
    fired = []

    def job(ctx):
        fired.append(ctx.scheduled_for)
        if len(fired) == 1:
            clock.t += timedelta(days=2, hours=12)  # runs from 1 Jan 03:00 to 3 Jan 15:00

    scheduler = make(tmp_path, clock, job)
    clock.stop_when = (lambda: len(fired) == 2, scheduler)
    scheduler.run_forever()
    assert fired == [at(2025, 1, 1, 3), at(2025, 1, 4, 3)]
    rows = runs(tmp_path / "archive.db")
    assert [(r["scheduled_for"][:10], r["status"]) for r in rows] == [
        ("2025-01-01", "ok"), ("2025-01-02", "skipped"), ("2025-01-03", "skipped"), ("2025-01-04", "ok")]
    assert "still going" in rows[1]["detail"]


def test_a_second_instance_skips_while_the_lock_is_held(tmp_path):
    clock = FakeClock(at(2025, 6, 2, 3, 0))
    calls = []
    scheduler = make(tmp_path, clock, lambda ctx: calls.append(ctx.scheduled_for))
    other = RunLock(lock_path_for(tmp_path / "archive.db"))  # e.g. a `--once` started by cron, still running
    assert other.acquire()
    row = scheduler.fire(clock.now())
    assert (row["status"], calls) == ("skipped", [])
    assert f"pid {os.getpid()}" in row["detail"]
    other.release()
    assert scheduler.fire(clock.now())["status"] == "ok" and len(calls) == 1


def test_failed_job_is_recorded_and_counts_are_measured(tmp_path):
    from storage import Archive

    clock = FakeClock(at(2025, 2, 1, 3, 0))

    def crashing(ctx):
        raise RuntimeError("portal registry unreadable")

    scheduler = make(tmp_path, clock, crashing)
    row = scheduler.fire(clock.now())
    assert row["status"] == "failed" and row["detail"] == "RuntimeError: portal registry unreadable"

    def crawls(ctx):  # what a crawl leaves in the archive: a crawl_runs row, a new report
        with Archive(ctx.db_path) as archive:
            archive.insert("crawl_runs", [{"started_at": "x", "portals": 3, "errors": 1}])
            archive.insert("reports", [{"id": "abcd", "status": "ok"}])

    scheduler.job = crawls
    row = scheduler.fire(clock.now())
    assert (row["status"], row["portals"], row["new_reports"], row["errors"]) == ("ok", 3, 1, 1)


def test_a_run_left_running_by_a_dead_scheduler_is_marked_failed(tmp_path):
    clock = FakeClock(at(2025, 2, 1, 3, 0))
    scheduler = make(tmp_path, clock, lambda ctx: None)
    conn = sqlite3.connect(tmp_path / "archive.db")
    conn.execute("INSERT INTO schedule_runs (scheduled_for, started_at, status) VALUES ('a', 'b', 'running')")
    conn.commit()
    conn.close()
    scheduler.fire(clock.now())
    assert [r["status"] for r in runs(tmp_path / "archive.db")] == ["failed", "ok"]


# -- signals (real processes) ---------------------------------------------------------------------------------------
JOBS = textwrap.dedent('''
    import os, subprocess, sys
    from pathlib import Path

    def wait_for_stop(ctx):
        Path(ctx.db_path).with_name("started").write_text(str(os.getpid()))
        while not ctx.stopping():
            ctx.stop_event.wait(0.05)
        Path(ctx.db_path).with_name("saw-stop").write_text(ctx.stop_reason)
''')

# A stand-in for `nianbao crawl`: starts a child (like Scrapy's), writes both pids, then waits to be stopped.
CRAWL = textwrap.dedent('''
    import os, signal, subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "import time\\nwhile True: time.sleep(1)"])
    open(sys.argv[1], "w").write(f"{os.getpid()} {child.pid}")
    signal.signal(signal.SIGTERM, lambda *a: (child.terminate(), child.wait(), sys.exit(143)))
    while True:
        time.sleep(1)
''')


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_until(condition, what: str, proc: subprocess.Popen) -> None:
    for _ in range(300):  # bounded: at most ~30 s
        if condition():
            return
        if proc.poll() is not None:
            raise AssertionError(f"scheduler exited ({proc.returncode}) before {what}: {proc.stderr.read()}")
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def start(tmp_path, *args) -> subprocess.Popen:
    (tmp_path / "fakejobs.py").write_text(JOBS)
    env = dict(os.environ, PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}")
    return subprocess.Popen([sys.executable, "-m", "nianbao.cli", "schedule", "--db", str(tmp_path / "archive.db"),
                             *args], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)


def lock_is_free(tmp_path) -> bool:
    lock = RunLock(lock_path_for(tmp_path / "archive.db"))
    if lock.acquire():
        lock.release()
        return True
    return False


def test_sigterm_aborts_the_run_records_it_and_releases_the_lock(tmp_path):
    proc = start(tmp_path, "--once", "--job", "fakejobs:wait_for_stop")
    wait_until((tmp_path / "started").exists, "the job started", proc)
    assert not lock_is_free(tmp_path)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, proc.stderr.read()
    assert (tmp_path / "saw-stop").read_text() == "SIGTERM"
    assert lock_is_free(tmp_path)
    [row] = runs(tmp_path / "archive.db")
    assert (row["status"], row["detail"]) == ("failed", "aborted (SIGTERM)")
    assert row["ended_at"] is not None


def test_sigterm_stops_a_crawl_subprocess_and_its_children(tmp_path):
    (tmp_path / "crawl.py").write_text(CRAWL)
    pids = tmp_path / "pids"
    proc = start(tmp_path, "--once", "--grace", "20", "--command", f"{sys.executable} {tmp_path / 'crawl.py'} {pids}")
    wait_until(lambda: pids.exists() and len(pids.read_text().split()) == 2, "the crawl started", proc)
    parent, child = map(int, pids.read_text().split())
    assert alive(parent) and alive(child)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=40) == 0, proc.stderr.read()
    assert not alive(parent) and not alive(child)
    assert lock_is_free(tmp_path)
    [row] = runs(tmp_path / "archive.db")
    assert row["status"] == "failed"
    assert row["detail"].startswith("aborted (SIGINT): crawl stopped cleanly, exit code 143")


def test_sigterm_while_waiting_exits_at_once_without_a_run(tmp_path):
    proc = start(tmp_path, "--job", "fakejobs:wait_for_stop")
    wait_until(lambda: runs_table_exists(tmp_path), "the scheduler started", proc)
    time.sleep(0.3)  # let it reach its sleep (the signal is handled the same either way)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert runs(tmp_path / "archive.db") == [] and lock_is_free(tmp_path)


def runs_table_exists(tmp_path) -> bool:
    db = tmp_path / "archive.db"
    if not db.exists():
        return False
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'schedule_runs'").fetchone() is not None
    finally:
        conn.close()
