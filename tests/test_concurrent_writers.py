"""Writers never die of "database is locked": two real `nianbao extract` processes started together on a new
database, 20 times — both succeed every time and no batch is lost. And processes filling the portal registry of a
new archive at once (every crawl and ingest does it first) all succeed, with each county once.

Each of the two processes is started once, imports everything, then runs `nianbao extract` (nianbao.cli.main, the
real command, with its sandboxed extraction worker) once per trial when the test releases it: both are released
by one write to their stdin pipes (an event, not a sleep), so both create the schema and write at the same moment.
"""
from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from test_serve_fixture import SEED_FILES

TRIALS = 20

# Reads one line per trial (a database path and a file), runs `nianbao extract FILE --db DB`, prints its exit code.
RUNNER = """
import sys
import traceback
from nianbao.cli import main
for line in sys.stdin:
    db, path = line.rstrip("\\n").split("\\t")
    try:
        code = main(["extract", path, "--db", db])
    except BaseException as exc:
        traceback.print_exc()
        code = f"{type(exc).__name__}: {exc}"
    print(code, flush=True)
"""


def start_runner(tmp: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", RUNNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=open(tmp / f"runner-{len(list(tmp.glob('runner-*')))}.log", "wb"),
                            text=True, bufsize=1)


@pytest.mark.skipif(len(SEED_FILES) < 2, reason="shared/seeds not available")
def test_two_extracts_at_once_on_a_new_database_never_lose_a_batch(tmp_path):
    seeds = SEED_FILES[:2]
    runners = [start_runner(tmp_path), start_runner(tmp_path)]
    try:
        outcomes = []
        for trial in range(TRIALS):
            db = tmp_path / f"trial-{trial}" / "archive.db"
            for runner, seed in zip(runners, seeds):  # both are waiting on their stdin: released together
                runner.stdin.write(f"{db}\t{seed}\n")
            for runner in runners:
                runner.stdin.flush()
            codes = [runner.stdout.readline().strip() for runner in runners]
            conn = sqlite3.connect(db)
            stored = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
            reports = conn.execute("SELECT count(DISTINCT report_id) FROM report_documents").fetchone()[0]
            conn.close()
            outcomes.append((trial, codes, stored, reports))
        logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in tmp_path.glob("runner-*.log"))
        assert [o for o in outcomes if o[1:] != (["0", "0"], 2, 2)] == [], logs
        assert "locked" not in logs, logs
    finally:
        for runner in runners:
            runner.stdin.close()
            runner.wait(60)


def _fill_registry(path: str, start) -> None:
    from storage import Archive

    start.wait()
    with Archive(path) as archive:
        archive.registry.ensure_divisions()


def test_processes_filling_the_registry_at_once_all_succeed(tmp_path):
    path = str(tmp_path / "new.db")
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_fill_registry, args=(path, start)) for _ in range(4)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * 4
    conn = sqlite3.connect(path)
    total, distinct = conn.execute("SELECT count(*), count(DISTINCT adcode) FROM portals").fetchone()
    conn.close()
    assert total == distinct > 2800


def _open_new_archives(directory: str, barrier, trials: int, failures) -> None:
    from storage.db import connect

    for trial in range(trials):
        barrier.wait()  # every process opens the same new file at the same moment
        try:
            connect(f"{directory}/trial-{trial}.db").close()
        except Exception as exc:  # noqa: BLE001 — counted, then asserted on
            failures.put(f"{trial}: {type(exc).__name__}: {exc}")


def test_opening_a_new_archive_from_four_processes_at_once_never_fails(tmp_path):
    """The race on the switch to WAL, hit head-on: 4 processes × 60 new files, released by a barrier."""
    ctx = multiprocessing.get_context("spawn")
    barrier, failures = ctx.Barrier(4), ctx.Queue()
    procs = [ctx.Process(target=_open_new_archives, args=(str(tmp_path), barrier, 60, failures)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
    found = []
    while not failures.empty():
        found.append(failures.get())
    assert [p.exitcode for p in procs] == [0] * 4 and found == []
