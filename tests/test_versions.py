"""Report versions: a silent edit of a published report becomes version 2 with exactly the edited cell listed;
a withdrawn report is marked gone and nothing is deleted."""
from __future__ import annotations

import pytest

from extract.pipeline import extract_bytes
from storage import Archive

URL = "http://127.0.0.1/minhe/2022-report.html"
SEED = "000_2a90619c97eddfaa.txt"  # 民和回族土族自治县 2022: T2 row 行政许可 reads "4153" (seed line 46)


def extract_into(archive: Archive, data: bytes, url: str = URL) -> str:
    result = extract_bytes(data, source=url, hints={"filename": "report.txt", "url": url})
    doc = archive.add_document(data, url=url, role="report")
    return archive.write_extraction(result, doc, url=url)


@pytest.fixture
def seed_bytes(seeds_dir) -> bytes:
    return (seeds_dir / SEED).read_bytes()


def test_silent_edit_gives_version_2_with_the_changed_cell(tmp_path, seed_bytes):
    archive = Archive(tmp_path / "archive.db")
    first = extract_into(archive, seed_bytes)
    v1 = archive.versions.record(URL, first, "2023-02-01T00:00:00+00:00")
    assert (v1["version"], v1["status"], v1["report_id"]) == (1, "current", first)

    # Seen again unchanged: still version 1, only last_seen moves.
    again = archive.versions.record(URL, first, "2023-02-08T00:00:00+00:00")
    assert (again["version"], again["last_seen"]) == (1, "2023-02-08T00:00:00+00:00")

    # The agency edits one number of the published report: 行政许可 4153 -> 4163.
    text = seed_bytes.decode("utf-8")
    assert text.count("4153") == 1
    second = extract_into(archive, text.replace("4153", "4163").encode("utf-8"))
    assert second != first
    v2 = archive.versions.record(URL, second, "2023-03-01T00:00:00+00:00")
    assert (v2["version"], v2["status"], v2["report_id"]) == (2, "current", second)

    versions = archive.versions.history(URL)
    assert [(v["version"], v["status"], v["superseded_at"]) for v in versions] == [
        (1, "superseded", "2023-03-01T00:00:00+00:00"), (2, "current", None)]
    changes = list(archive.db.query("SELECT * FROM cell_changes"))
    assert [(c["table_key"], c["row_key"], c["col_key"], c["old_value"], c["new_value"], c["old_raw"],
             c["new_raw"], c["old_report_id"], c["new_report_id"]) for c in changes] == [
        ("active_disclosure", "admin_licensing", "decisions", 4153.0, 4163.0, "4153", "4163", first, second)]
    # Both reports are still in the archive, with all their cells.
    assert {r["id"] for r in archive.db.query("SELECT id FROM reports")} == {first, second}
    assert archive.db.execute("SELECT count(*) FROM cells WHERE report_id = ?", [first]).fetchone()[0] == 25


def test_revert_to_earlier_bytes_is_a_new_version(tmp_path, seed_bytes):
    archive = Archive(tmp_path / "archive.db")
    first = extract_into(archive, seed_bytes)
    archive.versions.record(URL, first, "2023-02-01T00:00:00+00:00")
    second = extract_into(archive, seed_bytes.decode().replace("474", "475").encode())
    archive.versions.record(URL, second, "2023-02-02T00:00:00+00:00")
    back = archive.versions.record(URL, first, "2023-02-03T00:00:00+00:00")
    assert (back["version"], back["report_id"]) == (3, first)
    reverted = list(archive.db.query("SELECT old_raw, new_raw FROM cell_changes WHERE new_report_id = ?", [first]))
    assert reverted == [{"old_raw": "475", "new_raw": "474"}]


def test_mark_gone_keeps_everything(tmp_path, seed_bytes):
    archive = Archive(tmp_path / "archive.db")
    report_id = extract_into(archive, seed_bytes)
    archive.versions.record(URL, report_id, "2023-02-01T00:00:00+00:00")
    counts = {t: archive.db[t].count for t in ("reports", "cells", "documents", "sections")}

    gone = archive.versions.mark_gone(URL, "2024-05-01T00:00:00+00:00", 410)
    assert (gone["status"], gone["gone_at"], gone["http_status"], gone["report_id"]) == (
        "gone", "2024-05-01T00:00:00+00:00", 410, report_id)
    # Seen gone again later: the first time it was gone is kept.
    assert archive.versions.mark_gone(URL, "2024-06-01T00:00:00+00:00", 404)["gone_at"] == "2024-05-01T00:00:00+00:00"
    assert {t: archive.db[t].count for t in counts} == counts
    assert archive.blobs.has(archive.db.execute("SELECT sha256 FROM documents").fetchone()[0])

    # The page comes back with the same report: current again.
    back = archive.versions.record(URL, report_id, "2024-07-01T00:00:00+00:00")
    assert (back["version"], back["status"], back["gone_at"]) == (1, "current", None)


def test_mark_gone_rules(tmp_path, seed_bytes):
    archive = Archive(tmp_path / "archive.db")
    with pytest.raises(ValueError, match="503"):
        archive.versions.mark_gone(URL, http_status=503)  # a server error is not a withdrawn report
    assert archive.versions.mark_gone("http://127.0.0.1/never-seen", http_status=404) is None
    # A report extracted before versions were recorded: its URL gets a version 1 that is gone.
    report_id = extract_into(archive, seed_bytes)
    gone = archive.versions.mark_gone(URL, "2024-05-01T00:00:00+00:00", 404)
    assert (gone["version"], gone["status"], gone["report_id"]) == (1, "gone", report_id)


def test_changed_cells_lists_cells_on_one_side_only(tmp_path):
    archive = Archive(tmp_path / "archive.db")
    conn = archive.db.conn
    for rid in ("a", "b"):
        conn.execute("INSERT INTO reports (id, status) VALUES (?, 'ok')", [rid])
    rows = [("a", "t", "r1", "c", 1.0, "1"), ("a", "t", "r2", "c", None, "-"), ("a", "t", "r3", "c", 5.0, "5"),
            ("b", "t", "r1", "c", 1.0, " 1 "), ("b", "t", "r2", "c", None, "—"), ("b", "t", "r4", "c", 2.0, "2")]
    conn.executemany("INSERT INTO cells (report_id, table_key, row_key, col_key, value, raw) VALUES (?,?,?,?,?,?)",
                     rows)
    got = [(c["row_key"], c["old_raw"], c["new_raw"]) for c in archive.versions.changed_cells("a", "b")]
    # r1: same value, only spacing differs -> not a change. r2: a non-numeric cell whose text changed.
    assert got == [("r2", "-", "—"), ("r3", "5", None), ("r4", None, "2")]
