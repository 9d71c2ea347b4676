"""prepare() is idempotent and tolerates optional crawler tables; publish() swaps in a consistent snapshot
atomically (real SQLite files; a reader keeps the file it opened)."""
from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_serve_fixture import hand_made  # noqa: E402

from storage import Archive, PublishedSnapshot, Sighting  # noqa: E402
from nianbao.serve import metadata  # noqa: E402
from storage.serving.prepare import prepare  # noqa: E402
from storage.serving.publish import (current_snapshot, lease, needs_publish, publish, published_from,  # noqa: E402
                                     remove_unused, snapshots_dir)
from storage.serving.prepare import inspect_is_current, inspect_path, table_columns  # noqa: E402


def make_working(path: Path, n: int = 3) -> Archive:
    archive = Archive(path)  # WAL mode: recent writes sit in archive.db-wal until a checkpoint
    for name, result in hand_made()[:n]:
        archive.write_extraction(result, Sighting(name, [archive.add_document(name.encode(), path=name)]))
    return archive


def count(db: Path, sql: str = "SELECT count(*) FROM report_summary") -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_prepare_is_idempotent(tmp_path):
    db = tmp_path / "archive.db"
    make_working(db).close()
    first = prepare(db)
    second = prepare(db)
    assert first == second and first["report_summary"] == 3
    assert count(db, "SELECT count(*) FROM applications_wide WHERE row_key = 'new_received'") == 3
    assert inspect_is_current(db)


def test_prepare_on_an_empty_archive(tmp_path):
    db = tmp_path / "empty.db"
    counts = prepare(db)  # no archive yet: created empty, every view still defined
    assert counts["report_summary"] == 0 and counts["coverage"] > 2849
    for view in ("check_failures", "carryover_chain", "t2_stock", "applications_long", "report_lateness"):
        assert count(db, f"SELECT count(*) FROM {view}") == 0
    assert count(db, "SELECT count(*) FROM coverage WHERE portal_status IS NOT NULL") == 0  # never crawled


def test_coverage_shows_the_crawlers_portal_state(tmp_path):
    import sqlite_utils

    from storage.schema import BY_NAME

    db = tmp_path / "archive.db"
    make_working(db, n=1).close()
    sdb = sqlite_utils.Database(db)
    sdb["portals"].insert({"adcode": "620102", "name": "城关区", "url": "http://127.0.0.1/chengguan/"})
    sdb["portal_status"].insert_all([{"run_id": 1, "adcode": "620102", "status": "unreachable"},
                                     {"run_id": 2, "adcode": "620102", "status": "ok"}])
    sdb["report_items"].insert_all([{"adcode": "620102", "url": f"http://127.0.0.1/r{i}", "year": 2021,
                                     "unit_kind": "department"} for i in range(3)])
    sdb.conn.close()
    prepare(db)
    conn = sqlite3.connect(db)
    row = conn.execute("SELECT portal_url, portal_status, items_listed FROM coverage "
                       "WHERE region_code = '620102' AND year = 2021 AND unit_kind = 'department'").fetchone()
    conn.close()
    assert row == ("http://127.0.0.1/chengguan/", "ok", 3)
    meta = metadata.build_metadata("archive", table_columns(db))["databases"]["archive"]["tables"]
    for name in ("portals", "crawl_runs", "portal_status", "report_items"):
        for col in BY_NAME[name].column_names:
            assert meta[name]["columns"][col] == BY_NAME[name].meaning_of(col), f"{name}.{col} undescribed"
    assert meta["coverage"]["columns"]["portal_status"].startswith("Portal status")


def test_publish_swaps_in_a_consistent_snapshot(tmp_path):
    working, served = tmp_path / "work" / "archive.db", tmp_path / "served" / "archive.db"
    archive = make_working(working, n=2)
    try:
        assert needs_publish(working, served)
        publish(working, served)
        assert count(served) == 2 and not needs_publish(working, served)
        first = current_snapshot(served)
        assert served.is_symlink() and first.name == "archive.db" and first.parent.parent.name == "archive.db.snapshots"
        conn = sqlite3.connect(served)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"   # an immutable reader sees it all
        conn.close()
        assert json.loads(inspect_path(first).read_text())["archive"]["tables"]["report_summary"]["count"] == 2
        assert published_from(served) == working.resolve()

        reader = sqlite3.connect(f"file:{first}?immutable=1", uri=True)   # how a server opens it
        held = lease(served)
        assert reader.execute("SELECT count(*) FROM report_summary").fetchone()[0] == 2
        name, result = hand_made()[2]
        archive.write_extraction(result, Sighting(name, [archive.add_document(name.encode(), path=name)]))
        assert needs_publish(working, served)
        publish(working, served)
        assert count(served) == 3 and current_snapshot(served) != first
        # The old snapshot is never written: the reader keeps its whole, old state; leased, it is kept on disk.
        assert reader.execute("SELECT count(*) FROM report_summary").fetchone()[0] == 2
        assert first.exists() and held.snapshot == first
        reader.close()
        held.close()
        assert remove_unused(served) == [first.parent.name] and not first.exists()
        assert sorted(p.name for p in served.parent.iterdir()) == ["archive.db", "archive.db.snapshots"]
        assert inspect_is_current(current_snapshot(served), "archive")
    finally:
        archive.close()


def test_unleased_snapshots_are_removed_by_the_next_publish(tmp_path):
    working, served = tmp_path / "archive.db", tmp_path / "served" / "archive.db"
    make_working(working, n=1).close()
    publish(working, served)
    first = current_snapshot(served)
    publish(working, served)
    second = current_snapshot(served)
    assert not first.parent.exists() and second.exists()
    assert [p.name for p in snapshots_dir(served).iterdir() if p.is_dir()] == [second.parent.name]


def _publish_in_process(working: str, served: str, start) -> None:
    start.wait()
    publish(working, served)


def test_concurrent_publishes_are_serialized_and_end_on_the_newest(tmp_path):
    import multiprocessing

    working, served = tmp_path / "archive.db", tmp_path / "served" / "archive.db"
    make_working(working, n=3).close()
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_publish_in_process, args=(str(working), str(served), start)) for _ in range(3)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert count(served) == 3
    versions = [p.name for p in snapshots_dir(served).iterdir() if p.is_dir()]
    assert versions == [current_snapshot(served).parent.name]   # the others were removed, none half-built left


def test_publish_refuses_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError):
        publish(tmp_path / "missing.db", tmp_path / "served.db")
    db = tmp_path / "a.db"
    make_working(db, n=1).close()
    with pytest.raises(ValueError):
        publish(db, db)
    served = tmp_path / "served" / "a.db"
    publish(db, served)
    with pytest.raises(ValueError):      # a served path is not a working database
        publish(served, tmp_path / "other" / "a.db")
    with pytest.raises(PublishedSnapshot):   # and no writer may write through it into what a site reads
        Archive(served)
    snapshot_bytes = current_snapshot(served).read_bytes()
    assert Archive(served, readonly=True).rows("SELECT count(*) AS n FROM reports")[0]["n"] == 1
    assert current_snapshot(served).read_bytes() == snapshot_bytes


def test_new_extractions_make_the_prepared_database_stale(tmp_path):
    from storage.serving.prepare import is_stale

    db = tmp_path / "archive.db"
    archive = make_working(db, n=2)
    archive.close()
    assert is_stale(db)
    prepare(db)
    assert not is_stale(db)
    archive = Archive(db)
    name, result = hand_made()[2]
    archive.write_extraction(result, Sighting(name, [archive.add_document(name.encode(), path=name)]))
    archive.close()
    assert is_stale(db)
