"""The storage layer: commands that read an archive never create one, and several writers opening a new archive at
once all succeed (schema creation waits instead of dying of "database is locked")."""
from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from nianbao import cli
from storage import Archive, ArchiveNotFound


def test_reading_a_missing_archive_refuses_and_creates_nothing(tmp_path, capsys):
    missing = tmp_path / "typo.db"
    with pytest.raises(ArchiveNotFound):
        Archive(missing, create=False)
    with pytest.raises(ArchiveNotFound):
        Archive(missing, readonly=True)
    for argv in (["reextract"], ["status"], ["serve", "--prepare-only"]):
        assert cli.main([*argv, "--db", str(missing)]) == 2, argv
        err = capsys.readouterr().err
        assert str(missing) in err and "does not exist" in err, (argv, err)
    assert not missing.exists()


def _open_and_write(path: str, n: int, start: multiprocessing.Event) -> None:
    start.wait()
    with Archive(path) as archive:
        archive.add_document(f"document {n}".encode(), path=f"doc{n}.txt")


def test_concurrent_writers_on_a_new_archive_all_succeed(tmp_path):
    path = str(tmp_path / "new.db")
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_open_and_write, args=(path, n, start)) for n in range(6)]
    for p in procs:
        p.start()
    start.set()  # all at once: every process creates the schema and writes
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * 6
    assert sqlite3.connect(path).execute("SELECT count(*) FROM documents").fetchone()[0] == 6
