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


def test_an_archive_of_the_old_schema_migrates_and_replays_into_one_report(tmp_path):
    import shutil
    from pathlib import Path

    legacy = Path(__file__).parent / "fixtures" / "legacy"
    shutil.copytree(legacy, tmp_path / "a", ignore=shutil.ignore_patterns("README.md"))
    db = tmp_path / "a" / "archive.db"
    with Archive(db) as archive:  # opening migrates: the old history kept aside, the sightings filled
        sightings = archive.sightings()
        assert sorted((s["source"], s["status"]) for s in sightings) == [
            ("http://127.0.0.1/minhe/2022-report.html", "replaced"),
            ("http://127.0.0.1/minhe/2022-report.html", "serving"), ("seed001.txt", "serving")]
        names = {r[0] for r in archive.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"report_versions_schema2", "cell_changes_schema2"} <= names
    assert cli.main(["reextract", "--db", str(db)]) == 0
    with Archive(db, readonly=True) as archive:
        reports = archive.rows("SELECT id, region_code, agency_kind, year, version, n_versions FROM reports "
                               "ORDER BY region_code")
        assert [(r["region_code"], r["agency_kind"], r["year"], r["version"], r["n_versions"]) for r in reports] == [
            ("410324", "office", 2022, 1, 1), ("630222", "government", 2022, 2, 2)]
        minhe = reports[1]["id"]
        assert [(v["version"], v["status"]) for v in archive.versions.history(minhe)] == [
            (1, "superseded"), (2, "current")]
        assert [(c["row_key"], c["old_raw"], c["new_raw"]) for c in archive.versions.changes(minhe)] == [
            ("admin_licensing", "4153", "4163")]
        assert archive.conn.execute("SELECT value FROM meta WHERE key = 'needs_replay'").fetchone() is None
