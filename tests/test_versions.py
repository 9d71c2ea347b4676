"""One report, counted once: an edit of a published report is a new version of the same report (its changed cells
listed), a withdrawn one is gone (nothing deleted), the same report found in several places is one report with
several sources, and a copy printing other numbers is flagged with both candidates — never a second report."""
from __future__ import annotations

import sqlite3

import pytest

from extract.pipeline import extract_bytes
from storage import Archive, Sighting

URL = "http://127.0.0.1/minhe/2022-report.html"
COPY = "http://127.0.0.1/minhe/column2/2022.html"
SEED = "000_2a90619c97eddfaa.txt"  # 民和回族土族自治县 2022: T2 row 行政许可 reads "4153" (seed line 46)


def extract_into(archive: Archive, data: bytes, url: str = URL, seen: str = "2023-02-01T00:00:00+00:00") -> str:
    result = extract_bytes(data, source=url, hints={"filename": "report.txt", "url": url})
    doc = archive.add_document(data, url=url, role="report")
    return archive.write_extraction(result, Sighting(url, [doc], seen_at=seen, first_seen=seen, url=url))


def counts(archive: Archive) -> dict:
    return {t: archive.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("reports", "report_versions", "report_sources", "cells")}


@pytest.fixture
def seed_bytes(seeds_dir) -> bytes:
    return (seeds_dir / SEED).read_bytes()


def edited(seed_bytes: bytes, old: str, new: str) -> bytes:
    text = seed_bytes.decode("utf-8")
    assert text.count(old) == 1
    return text.replace(old, new).encode("utf-8")


def test_silent_edit_is_version_2_of_the_same_report_with_the_changed_cell(tmp_path, seed_bytes):
    archive = Archive(tmp_path / "archive.db")
    first = extract_into(archive, seed_bytes, seen="2023-02-01T00:00:00+00:00")
    # Seen again unchanged: still version 1, only last_seen moves.
    assert extract_into(archive, seed_bytes, seen="2023-02-08T00:00:00+00:00") == first
    assert [(v["version"], v["status"], v["last_seen"]) for v in archive.versions.history(first)] == [
        (1, "current", "2023-02-08T00:00:00+00:00")]
    # The agency edits one number of the published report: 行政许可 4153 -> 4163.
    second = extract_into(archive, edited(seed_bytes, "4153", "4163"), seen="2023-03-01T00:00:00+00:00")
    assert second == first  # the same report
    versions = archive.versions.history(first)
    assert [(v["version"], v["status"], v["superseded_at"]) for v in versions] == [
        (1, "superseded", "2023-03-01T00:00:00+00:00"), (2, "current", None)]
    assert versions[0]["content_id"] != versions[1]["content_id"]
    changes = archive.versions.changes(first)
    assert [(c["table_key"], c["row_key"], c["col_key"], c["old_value"], c["new_value"], c["old_raw"],
             c["new_raw"], c["old_version"], c["new_version"]) for c in changes] == [
        ("active_disclosure", "admin_licensing", "decisions", 4153.0, 4163.0, "4153", "4163", 1, 2)]
    # Counted once: one report row, the current version's 25 cells; version 1 stays in history.
    assert counts(archive)["reports"] == 1 and counts(archive)["cells"] == 25
    value = archive.conn.execute("SELECT value FROM cells WHERE row_key = 'admin_licensing'").fetchone()[0]
    assert value == 4163
    report = archive.report(first)
    assert (report["version"], report["n_versions"], report["n_sources"]) == (2, 2, 1)


def test_revert_to_earlier_bytes_is_a_new_version(tmp_path, seed_bytes):
    archive = Archive(tmp_path / "archive.db")
    rid = extract_into(archive, seed_bytes, seen="2023-02-01T00:00:00+00:00")
    extract_into(archive, edited(seed_bytes, "474", "475"), seen="2023-02-02T00:00:00+00:00")
    assert extract_into(archive, seed_bytes, seen="2023-02-03T00:00:00+00:00") == rid
    assert [v["version"] for v in archive.versions.history(rid)] == [1, 2, 3]
    reverted = archive.versions.changes(rid, 3)
    assert [(c["old_raw"], c["new_raw"]) for c in reverted] == [("475", "474")]


def test_mark_gone_keeps_everything(tmp_path, seed_bytes):
    archive = Archive(tmp_path / "archive.db")
    rid = extract_into(archive, seed_bytes)
    before = counts(archive)
    gone = archive.versions.mark_gone(URL, "2024-05-01T00:00:00+00:00", 410)
    assert (gone["status"], gone["gone_at"], gone["http_status"], gone["report_id"]) == (
        "gone", "2024-05-01T00:00:00+00:00", 410, rid)
    assert archive.report(rid)["gone_at"] == "2024-05-01T00:00:00+00:00"
    # Seen gone again later: the first time it was gone is kept.
    assert archive.versions.mark_gone(URL, "2024-06-01T00:00:00+00:00", 404)["gone_at"] == \
        "2024-05-01T00:00:00+00:00"
    assert counts(archive) == before
    assert archive.blobs.has(archive.conn.execute("SELECT sha256 FROM documents").fetchone()[0])
    # The page comes back with the same report: current again.
    content = archive.report(rid)["content_id"]
    assert archive.touch(URL, content, "2024-07-01T00:00:00+00:00") == rid
    back = archive.versions.current(rid)
    assert (back["version"], back["status"], back["gone_at"]) == (1, "current", None)
    assert archive.report(rid)["gone_at"] is None


def test_mark_gone_rules(tmp_path, seed_bytes):
    archive = Archive(tmp_path / "archive.db")
    with pytest.raises(ValueError, match="503"):
        archive.versions.mark_gone(URL, http_status=503)  # a server error is not a withdrawn report
    assert archive.versions.mark_gone("http://127.0.0.1/never-seen", http_status=404) is None
    # A report found in two places is gone only when both are.
    rid = extract_into(archive, seed_bytes, URL)
    assert extract_into(archive, seed_bytes, COPY) == rid
    assert archive.versions.mark_gone(URL, "2024-05-01T00:00:00+00:00", 404)["status"] == "current"
    assert archive.versions.mark_gone(COPY, "2024-05-02T00:00:00+00:00", 404)["status"] == "gone"


def test_the_same_report_in_two_places_is_one_report_with_two_sources(tmp_path, seed_bytes, seeds_dir):
    archive = Archive(tmp_path / "archive.db")
    rid = extract_into(archive, seed_bytes, URL)
    # The same bytes in another column, and the report as its published HTML page elsewhere: copies.
    assert extract_into(archive, seed_bytes, COPY, seen="2023-02-02T00:00:00+00:00") == rid
    from crawler.sample_portals.content import SEED_HTML_DIR  # the seed's own published page

    page = (SEED_HTML_DIR / "000_2a90619c97eddfaa.html").read_bytes()
    assert extract_into(archive, page, "http://127.0.0.1/other/2022.html", seen="2023-02-03T00:00:00+00:00") == rid
    assert counts(archive)["reports"] == 1 and counts(archive)["report_versions"] == 1
    roles = {s["source"]: s["role"] for s in archive.versions.sources(rid)}
    assert roles == {URL: "version", COPY: "version", "http://127.0.0.1/other/2022.html": "copy"}
    assert archive.report(rid)["n_sources"] == 3


def test_a_copy_with_other_numbers_is_flagged_with_both_not_counted(tmp_path, seed_bytes):
    """Two places print the same report with different numbers: one report, flagged with both candidates. Which
    copy speaks for it follows from the copies (the better-read, then the smaller content id), not from which was
    found first — so the archive does not depend on crawl order."""
    other_bytes = edited(seed_bytes, "4153", "4163")
    chosen = set()
    for n, order in enumerate([[(seed_bytes, URL), (other_bytes, COPY)], [(other_bytes, COPY), (seed_bytes, URL)]]):
        archive = Archive(tmp_path / f"archive{n}.db")
        ids = {extract_into(archive, data, url, seen=f"2023-02-0{i + 1}T00:00:00+00:00")
               for i, (data, url) in enumerate(order)}
        assert len(ids) == 1 and counts(archive)["reports"] == 1
        rid = ids.pop()
        value = archive.conn.execute("SELECT value FROM cells WHERE row_key = 'admin_licensing'").fetchone()[0]
        assert value in (4153, 4163)
        chosen.add(value)
        flag = archive.rows("SELECT data FROM flags WHERE report_id = ? AND kind = 'conflicting_copies'", [rid])
        assert len(flag) == 1 and URL in flag[0]["data"] and COPY in flag[0]["data"]
        roles = sorted(s["role"] for s in archive.versions.sources(rid))
        assert roles == ["conflicting", "version"]
        assert counts(archive)["report_versions"] == 1  # a copy is not an edit
    assert len(chosen) == 1  # the same copy speaks for the report whichever came first


def test_not_a_report_gets_no_report_row(tmp_path):
    archive = Archive(tmp_path / "archive.db")
    data = "今天天气很好。我们去公园散步。".encode("utf-8")
    result = extract_bytes(data, source="notes.txt", hints={"filename": "notes.txt"})
    assert [e["kind"] for e in result.errors] == ["not_a_report"]
    doc = archive.add_document(data, path="notes.txt")
    assert archive.write_extraction(result, Sighting("notes.txt", [doc])) is None
    c = sqlite3.connect(tmp_path / "archive.db")
    assert c.execute("SELECT count(*) FROM reports").fetchone()[0] == 0
    assert c.execute("SELECT kind FROM errors").fetchall() == [("not_a_report",)]
    assert c.execute("SELECT role FROM report_sources").fetchall() == [("unread",)]


def test_an_edit_is_not_taken_back_by_a_copy_still_printing_the_old_numbers(tmp_path, seed_bytes):
    """The same report posted in three places; one place edits 行政许可 4153 -> 4154. Another place catching up later
    is the same edit (not a third version), and a copy still printing 4153 — found before or after the edit — is a
    stale copy: it neither undoes the edit nor is flagged as a conflict."""
    new_bytes = edited(seed_bytes, "4153", "4154")
    third = "http://127.0.0.1/prefecture/minhe-2022.html"
    old_copy = seed_bytes + b"\n"  # other bytes (the same bytes would be version 1 itself), the old numbers
    orders = {
        "stale copy after the edit": [(seed_bytes, URL), (seed_bytes, COPY), (new_bytes, URL), (old_copy, third),
                                      (new_bytes, COPY)],
        "stale copy before the edit": [(seed_bytes, URL), (seed_bytes, COPY), (old_copy, third), (new_bytes, URL),
                                       (new_bytes, COPY)],
    }
    for n, (name, order) in enumerate(orders.items()):
        archive = Archive(tmp_path / f"archive{n}.db")
        ids = {extract_into(archive, data, url, seen=f"2023-02-0{i + 1}T00:00:00+00:00")
               for i, (data, url) in enumerate(order)}
        assert len(ids) == 1, name
        rid = ids.pop()
        assert [v["status"] for v in archive.versions.history(rid)] == ["superseded", "current"], name
        value = archive.conn.execute("SELECT value FROM cells WHERE row_key = 'admin_licensing'").fetchone()[0]
        assert value == 4154, name
        roles = {s["source"]: s["role"] for s in archive.versions.sources(rid) if s["status"] == "serving"}
        # a stale copy — or version 1's own bytes, when it arrived first and spoke for version 1
        assert roles[third] == ("stale_copy" if name == "stale copy after the edit" else "version"), name
        assert not archive.rows("SELECT 1 FROM flags WHERE report_id = ? AND kind = 'conflicting_copies'", [rid])


def test_a_page_re_rendered_around_the_same_report_is_not_an_edit(tmp_path, seeds_dir):
    """New bytes at the same place with the same numbers and text (a view counter, a new sidebar) are the same
    version: nothing listed as changed."""
    from crawler.sample_portals.content import SEED_HTML_DIR

    page = (SEED_HTML_DIR / "000_2a90619c97eddfaa.html").read_bytes()
    archive = Archive(tmp_path / "archive.db")
    rid = extract_into(archive, page, seen="2023-02-01T00:00:00+00:00")
    rerendered = page.replace(b"</body>", "<div class='hits'>浏览次数：1234</div></body>".encode("utf-8"))
    assert rerendered != page
    assert extract_into(archive, rerendered, seen="2023-02-02T00:00:00+00:00") == rid
    assert [v["status"] for v in archive.versions.history(rid)] == ["current"]
    assert archive.versions.changes(rid) == []
