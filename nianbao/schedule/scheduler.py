"""Run the crawl on a schedule, for years, without two runs ever overlapping, and keep a record of every run.

Schedule: one or more cron expressions; the next fire time is the earliest of them. The default follows the
reporting calendar: county governments publish their annual reports by 31 March (departments by 31 January),
so the portals are crawled daily from January to April and weekly (Monday) for the rest of the year:

    0 3 * 1-4 *      03:00 every day, January–April
    0 3 * 5-12 1     03:00 every Monday, May–December

Times are the scheduler's local time (set TZ=Asia/Shanghai to follow the portals' clock).

Overlap: a run holds an fcntl lock on `<db>.schedule.lock` (beside the database) for as long as it goes. A
fire time that finds the lock taken (another scheduler, a `--once` from cron) is recorded as skipped; fire
times that pass while this scheduler's own run is still going are recorded as skipped when it ends.

Stopping: SIGTERM/SIGINT ask the current run to stop (a subprocess crawl gets SIGTERM — Scrapy then closes
the spider cleanly — and SIGKILL after a grace period; the crawler is built so a killed crawl resumes next
time), the run is recorded as failed with the reason, the lock is released and the process exits 0.
A second signal interrupts an in-process job at once.

Record: table schedule_runs (storage.schedule), one row per run; status: running (while it goes) / ok / failed /
skipped.

The clock is injectable (`now()` returning an aware datetime, `sleep(seconds)`) so tests drive time.
"""
from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from croniter import croniter

from storage import Archive

DEFAULT_CRONS = ("0 3 * 1-4 *", "0 3 * 5-12 1")
MAX_SLEEP = 60.0        # sleep in slices, so a changed wall clock (suspend, NTP step) is noticed within a minute
MAX_SKIP_ROWS = 20      # fire times missed by one long run: one row each up to this, then one summary row
DEFAULT_GRACE = 120.0   # seconds a stopped subprocess crawl gets to close cleanly before SIGKILL


def local_now() -> datetime:
    return datetime.now().astimezone()


def iso(t: datetime) -> str:
    return t.replace(microsecond=0).isoformat()


class Interrupted(BaseException):
    """Raised by the second stop signal: leave the job now (the run is still recorded and the lock released)."""


# -- schedule -----------------------------------------------------------------------------------------------------
class Schedule:
    """The union of some cron expressions: fires whenever any of them does."""

    def __init__(self, crons: tuple[str, ...] | list[str] = DEFAULT_CRONS):
        crons = tuple(c.strip() for c in crons if c and c.strip())
        if not crons:
            raise ValueError("a schedule needs at least one cron expression")
        for c in crons:
            if not croniter.is_valid(c):
                raise ValueError(f"not a valid cron expression: {c!r}")
        self.crons = crons

    def next_after(self, t: datetime) -> datetime:
        """The first fire time strictly after t (t must be time-zone aware; the result is in t's zone)."""
        return min(croniter(c, t).get_next(datetime) for c in self.crons)

    def upcoming(self, t: datetime, n: int) -> list[datetime]:
        out = []
        for _ in range(n):
            t = self.next_after(t)
            out.append(t)
        return out

    def __repr__(self) -> str:
        return f"Schedule({' | '.join(self.crons)})"


# -- lock ---------------------------------------------------------------------------------------------------------
class RunLock:
    """An exclusive, non-blocking flock on a file beside the database. The kernel drops it if the process dies,
    so a crashed scheduler never leaves a stale lock behind."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def holder(self) -> str:
        """Who holds it (the pid written by the holder), for the skipped run's detail."""
        try:
            return self.path.read_text().strip() or "?"
        except OSError:
            return "?"

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def lock_path_for(db_path: str | Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".schedule.lock")


# -- jobs ---------------------------------------------------------------------------------------------------------
@dataclass
class JobContext:
    """What a job gets: where to write, what to crawl, and a way to know it should stop."""
    db_path: Path
    portals_csv: str | None
    crawl_args: list[str]
    scheduled_for: datetime
    stop_event: threading.Event = field(default_factory=threading.Event)
    stop_reason: str = ""

    def stopping(self) -> bool:
        return self.stop_event.is_set()


Job = Callable[[JobContext], "dict | None"]


class CommandJob:
    """Run a command (by default `nianbao crawl`) in its own process group and wait for it. When the scheduler is
    asked to stop, the whole group gets SIGTERM, then SIGKILL after `grace` seconds.

    Returns {"status": "ok"} on exit code 0, else failed with the reason."""

    POLL = 0.5  # seconds between checks of the stop flag while the command runs

    def __init__(self, argv: list[str] | None = None, grace: float = DEFAULT_GRACE):
        self.argv = argv
        self.grace = grace

    def command(self, ctx: JobContext) -> list[str]:
        if self.argv:
            return list(self.argv)
        cmd = [sys.executable, "-m", "nianbao.cli", "crawl", "--db", str(ctx.db_path)]
        if ctx.portals_csv:
            cmd += ["--portals", ctx.portals_csv]
        return cmd + list(ctx.crawl_args)

    def __call__(self, ctx: JobContext) -> dict:
        argv = self.command(ctx)
        # A session of its own: the signal reaches the command and every process it started (Scrapy's child).
        proc = subprocess.Popen(argv, start_new_session=True)
        try:
            while True:
                try:
                    code = proc.wait(timeout=self.POLL)
                    break
                except subprocess.TimeoutExpired:
                    if ctx.stopping():
                        return self._stop(proc, ctx.stop_reason or "stop requested")
        except BaseException:  # a second signal (Interrupted) or anything unexpected: leave no crawl behind
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        if code == 0:
            return {"status": "ok", "detail": f"{_show(argv)}: exit 0"}
        return {"status": "failed", "detail": f"{_show(argv)}: exit code {code}"}

    def _stop(self, proc: subprocess.Popen, reason: str) -> dict:
        """SIGTERM to the group; wait for every member (the leader may exit first while Scrapy, its child, is
        still closing the spider); SIGKILL what is left when the grace period is over."""
        _signal_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        how = "stopped cleanly"
        try:
            proc.wait(timeout=self.grace)
            while _group_alive(proc.pid):
                if time.monotonic() > deadline:
                    raise subprocess.TimeoutExpired(proc.args, self.grace)
                time.sleep(self.POLL / 5)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait()
            how = f"killed after {self.grace:g}s"
        return {"status": "failed", "detail": f"aborted ({reason}): crawl {how}, exit code {proc.returncode}"}


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _group_alive(pgid: int) -> bool:
    """Is any process of the group still running? Zombies don't count (an orphan is reaped by init, which in a
    container may never happen). Without /proc, fall back to kill(0), which counts zombies."""
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():
        try:
            os.killpg(pgid, 0)
            return True
        except ProcessLookupError:
            return False
    for stat in proc_dir.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):  # fields: state, ppid, pgrp, …
            return True
    return False


def _show(argv: list[str]) -> str:
    return " ".join(argv[:3] + (["…"] if len(argv) > 3 else []))


# -- the scheduler ------------------------------------------------------------------------------------------------
class Scheduler:
    def __init__(self, db_path: str | Path, job: Job | None = None, schedule: Schedule | None = None, *,
                 portals_csv: str | None = None, crawl_args: list[str] | None = None,
                 now: Callable[[], datetime] = local_now, sleep: Callable[[float], object] | None = None,
                 lock_path: str | Path | None = None, log: Callable[[str], None] | None = None):
        self.db_path = Path(db_path)
        self.job = job or CommandJob()
        self.schedule = schedule or Schedule()
        self.portals_csv = portals_csv
        self.crawl_args = list(crawl_args or [])
        self.now = now
        self._stop = threading.Event()
        self.stop_reason = ""
        # The default sleep wakes up at once when a stop is requested.
        self.sleep = sleep or (lambda seconds: self._stop.wait(seconds))
        self.lock = RunLock(lock_path or lock_path_for(self.db_path))
        self.log = log or (lambda msg: print(f"schedule: {msg}", file=sys.stderr, flush=True))
        self._context: JobContext | None = None
        self._signals = 0
        Archive(self.db_path).close()  # create the archive (and its schedule_runs) if it is new

    def _archive(self) -> Archive:
        """A short-lived connection per step: the crawl writes the same archive from its own process meanwhile."""
        return Archive(self.db_path)

    # -- stopping --------------------------------------------------------------------------------------------
    def request_stop(self, reason: str = "stop requested") -> None:
        self.stop_reason = self.stop_reason or reason
        self._stop.set()
        if self._context is not None:
            self._context.stop_reason = self.stop_reason
            self._context.stop_event.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def install_signal_handlers(self) -> None:
        def handler(signum, frame):
            self._signals += 1
            name = signal.Signals(signum).name
            if self._signals > 1 and self._context is not None:
                raise Interrupted(f"second {name}")
            self.log(f"{name}: stopping" + (" after aborting the current run" if self._context else ""))
            self.request_stop(name)
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    # -- the loop --------------------------------------------------------------------------------------------
    def run_forever(self) -> None:
        """Sleep until each fire time and run the job, until asked to stop."""
        next_time = self.schedule.next_after(self.now())
        self.log(f"{self.schedule}; next run {iso(next_time)}")
        while not self.stopping:
            t = self.now()
            if t < next_time:
                self.sleep(min((next_time - t).total_seconds(), MAX_SLEEP))
                continue
            self.fire(next_time)
            next_time = self._skip_missed(next_time)
            if not self.stopping:
                self.log(f"next run {iso(next_time)}")

    def _skip_missed(self, fired: datetime) -> datetime:
        """Fire times that passed while the run went are recorded as skipped. Returns the next one to wait for."""
        after = self.now()
        missed = []
        t = self.schedule.next_after(fired)
        while t <= after:
            missed.append(t)
            t = self.schedule.next_after(t)
        for m in missed[:MAX_SKIP_ROWS]:
            self._record_skip(m, f"the run scheduled for {iso(fired)} was still going")
        if len(missed) > MAX_SKIP_ROWS:
            self._record_skip(missed[MAX_SKIP_ROWS], f"and {len(missed) - MAX_SKIP_ROWS - 1} more fire times up to "
                                                     f"{iso(missed[-1])}: the run of {iso(fired)} was still going")
        return t

    def fire(self, scheduled_for: datetime | None = None) -> dict:
        """One run now: take the lock (or record a skip), run the job, record the outcome. Returns the row."""
        scheduled_for = scheduled_for or self.now()
        if not self.lock.acquire():
            return self._record_skip(scheduled_for, f"another run holds the lock {self.lock.path.name} "
                                                    f"(pid {self.lock.holder()})")
        try:
            return self._run_locked(scheduled_for)
        finally:
            self.lock.release()

    def _run_locked(self, scheduled_for: datetime) -> dict:
        with self._archive() as archive:
            before = archive.schedule.counts()
            run_id = archive.schedule.start(iso(scheduled_for), iso(self.now()))
        self.log(f"run {run_id} (scheduled for {iso(scheduled_for)}) started")
        ctx = JobContext(self.db_path, self.portals_csv, self.crawl_args, scheduled_for)
        if self.stopping:
            ctx.stop_reason = self.stop_reason
            ctx.stop_event.set()
        self._context = ctx
        outcome: dict = {}
        interrupted: BaseException | None = None
        try:
            outcome = dict(self.job(ctx) or {})
            if "status" not in outcome and ctx.stopping():  # it returned because it was told to stop
                outcome.update(status="failed", detail=outcome.get("detail") or f"aborted ({ctx.stop_reason})")
            outcome.setdefault("status", "ok")
        except Interrupted as exc:
            outcome = {"status": "failed", "detail": f"interrupted ({exc})"}
            interrupted = exc
        except Exception as exc:  # a failing job is a failed run, never a dead scheduler
            outcome = {"status": "failed", "detail": f"{type(exc).__name__}: {exc}"[:2000]}
            self.log("".join(traceback.format_exception(exc)).rstrip())
        finally:
            self._context = None
        if outcome.get("status") not in ("ok", "failed"):
            outcome["status"] = "failed"
        row = self._finish(run_id, before, outcome)
        self.log(f"run {run_id} {row['status']}: {row['portals']} portals, {row['new_reports']} new reports, "
                 f"{row['errors']} errors" + (f" — {row['detail']}" if row["detail"] else ""))
        if interrupted is not None:
            self.request_stop(str(interrupted))
        return row

    def _finish(self, run_id: int, before: dict, outcome: dict) -> dict:
        with self._archive() as archive:
            after = archive.schedule.counts()
            measured = {"new_reports": max(after["reports"] - before["reports"], 0), "portals": 0, "errors": 0}
            totals = archive.crawl.totals_since(before["last_crawl_run"])
            if totals["crawl_runs"]:
                measured.update(portals=totals["portals"], errors=totals["errors"])
            values = {k: outcome.get(k, measured[k]) for k in ("portals", "new_reports", "errors")}
            return archive.schedule.finish(run_id, ended_at=iso(self.now()), status=outcome["status"],
                                           detail=outcome.get("detail"), **values)

    def _record_skip(self, scheduled_for: datetime, reason: str) -> dict:
        with self._archive() as archive:
            row = archive.schedule.skip(iso(scheduled_for), iso(self.now()), reason)
        self.log(f"skipped the run scheduled for {iso(scheduled_for)}: {reason}")
        return row
