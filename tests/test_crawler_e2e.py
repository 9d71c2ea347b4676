"""End to end: the real sample-portal HTTP server, the real spider in its own process, a real archive.db.

Expected reports come from the sample portals' manifest (what each portal publishes), never from crawler output.
One server for the module; crawls are ordered: full crawl → unchanged recrawl → changed recrawl → kill/restart.
"""
from __future__ import annotations

import json
import signal
import sqlite3
import time
from urllib.parse import urlsplit

import pytest

from crawler import run

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def portals(tmp_path_factory):
    from crawler.sample_portals.server import start_servers

    handle = start_servers(0)
    work = tmp_path_factory.mktemp("crawl")
    manifest = run.sample_manifest(handle)
    csv_path = run.registry_csv_from_manifest(manifest, handle.urls, work / "portals.csv")
    yield {"handle": handle, "manifest": {m["adcode"]: m for m in manifest}, "csv": str(csv_path), "work": work}
    handle.stop()


def crawl(portals, db):
    return run.crawl(db, portals_csv=portals["csv"], allow_loopback=True, settings=run.FAST_SETTINGS)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def first(portals):
    db = portals["work"] / "first" / "archive.db"
    portals["handle"].reset_log()
    summary = crawl(portals, db)
    return {"db": db, "summary": summary, "log": portals["handle"].request_log(), "state": archive_state(db)}


def report_rows(db, adcode):
    con = sqlite3.connect(db)
    try:
        return {path_of(u): (y, k) for u, y, k in con.execute(
            "SELECT url, year, unit_kind FROM report_items WHERE adcode = ?", [adcode])}
    finally:
        con.close()


def test_every_portal_gets_its_expected_status(portals, first):
    assert first["summary"]["exit_code"] == 0
    got = {p["adcode"]: p["status"] for p in first["summary"]["portals"]}
    expected = {a: m["expected_status"] for a, m in portals["manifest"].items()}
    assert got == expected


def test_exactly_the_manifest_reports_with_year_and_unit(portals, first):
    for adcode, m in portals["manifest"].items():
        if m["expected_status"] in ("robots", "blocked", "unreachable"):
            assert report_rows(first["db"], adcode) == {}, adcode
            continue
        expected = {r["path"]: (r["year"], r["unit_kind"]) for r in m["reports"]}
        assert report_rows(first["db"], adcode) == expected, adcode


def test_noise_items_are_not_reports(portals, first):
    for adcode, m in portals["manifest"].items():
        found = set(report_rows(first["db"], adcode))
        assert not found & {n["path"] for n in m["noise"]}, adcode


def test_reports_are_archived_and_extracted_with_region_code(portals, first):
    con = sqlite3.connect(first["db"])
    try:
        rows = con.execute("SELECT i.adcode, i.url, r.region_code, r.id FROM report_items i "
                           "LEFT JOIN reports r ON r.id = i.report_id").fetchall()
        assert rows
        for adcode, url, region, rid in rows:
            if portals["manifest"][adcode]["expected_status"] != "ok" and \
                    portals["manifest"][adcode]["expected_status"] != "moved":
                continue
            assert rid is not None, url  # every found report page was fetched and extracted
        # The seed reports carry real tables: at least those have cells.
        n_cells = con.execute("SELECT COUNT(*) FROM reports WHERE n_cells > 0").fetchone()[0]
        assert n_cells >= 5
        # Attachments are typed by their bytes, linked to their page.
        for kind, parent in con.execute("SELECT content_type, parent_id FROM documents WHERE role='attachment'"):
            assert kind in ("pdf", "docx", "doc", "wps", "xls", "xlsx", "image", "html", "text"), kind
            assert parent is not None
    finally:
        con.close()
    assert list((first["db"].parent / "warc").glob("*.warc.gz"))


def test_robots_portal_fetches_nothing_but_robots_txt(portals, first):
    for adcode, m in portals["manifest"].items():
        if m["expected_status"] == "robots":
            paths = {e["path"] for e in first["log"] if e["adcode"] == adcode}
            assert paths <= {"/robots.txt"}, paths


def cell_rows(db) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return sorted(con.execute("SELECT * FROM cells"), key=repr)
    finally:
        con.close()


def test_reextract_after_a_crawl_leaves_every_cell_as_the_crawl_wrote_it(portals, first, tmp_path):
    """`nianbao reextract` runs the crawl's own extraction step (platform content step, the crawl's hints), so
    extracting the kept originals again changes nothing: every cell, its value, raw text, status and source."""
    import shutil

    from nianbao import cli

    copy = tmp_path / "copy"
    shutil.copytree(first["db"].parent, copy)
    before = cell_rows(copy / "archive.db")
    reports_before = sqlite3.connect(copy / "archive.db").execute("SELECT count(*) FROM reports").fetchone()[0]
    assert len(before) > 3000 and reports_before > 15
    assert cli.main(["reextract", "--db", str(copy / "archive.db")]) in (0, 2)  # 2: some inputs have errors
    assert cell_rows(copy / "archive.db") == before
    con = sqlite3.connect(copy / "archive.db")
    assert con.execute("SELECT count(*) FROM reports").fetchone()[0] == reports_before
    assert con.execute("SELECT count(*) FROM report_versions WHERE version > 1").fetchone()[0] == 0


def test_every_report_counted_once(portals, first):
    """Issue 11 on the sample portals: no (region, agency, year) and no original counts twice; the real 洪泽区 2024
    PDF, attached to 25 pages of eight portals (the manifest's pages with that file and no tables of their own), is
    one report with 25 sources and 95 new requests (tests/fixtures/formats/real/expected.py, read by hand)."""
    con = sqlite3.connect(first["db"])
    try:
        assert con.execute("SELECT report_key FROM reports GROUP BY report_key HAVING count(*) > 1").fetchall() == []
        assert con.execute("SELECT document_id FROM reports GROUP BY document_id HAVING count(*) > 1").fetchall() == []
        pages = sum(1 for m in portals["manifest"].values() if m["expected_status"] in ("ok", "moved")
                    for r in m["reports"] if "hongze-2024.pdf" in ((r.get("content") or {}).get("files") or [])
                    and not (r.get("content") or {}).get("html_from_seed"))
        hongze = con.execute(
            "SELECT r.n_sources, c.value FROM reports r JOIN cells c ON c.report_id = r.id AND c.table_key = "
            "'applications' AND c.row_key = 'new_received' AND c.col_key = 'total' "
            "WHERE r.region_code = '320813' AND r.year = 2024").fetchall()
        assert hongze == [(pages, 95.0)] and pages == 25
        # every report link of the crawl points at a report; report links are many more than reports (copies)
        assert con.execute("SELECT count(*) FROM report_items WHERE report_id IS NULL").fetchone()[0] == 0
        assert con.execute("SELECT count(DISTINCT report_id) FROM report_items").fetchone()[0] == \
            con.execute("SELECT count(*) FROM reports").fetchone()[0]
    finally:
        con.close()


def test_dates_and_places_are_possible_or_flagged(portals, first):
    """No report is dated before its reporting year ended (such dates are flagged impossible_date and not used),
    and a report filed under another county than the portal it was found on says why (a flag with both)."""
    con = sqlite3.connect(first["db"])
    try:
        assert con.execute("SELECT count(*) FROM reports WHERE published_date < (year + 1) || '-01-01'"
                           ).fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM flags WHERE kind = 'impossible_date'").fetchone()[0] > 0
        elsewhere = con.execute(
            "SELECT r.id, r.region_code, s.adcode FROM reports r JOIN report_sources s ON s.report_id = r.id "
            "WHERE s.adcode <> r.region_code AND r.region_level <> 'township' AND NOT EXISTS (SELECT 1 FROM flags f "
            "WHERE f.report_id = r.id AND f.kind IN ('region_conflict', 'zone_mapped', 'page_attachment_mismatch'))"
        ).fetchall()
        assert elsewhere == []
        # 民和县教育局 is 民和's (630222), never 和县 (340523)
        assert con.execute("SELECT count(*) FROM reports WHERE region_code = '340523'").fetchone()[0] == 0
    finally:
        con.close()


def served_report_paths(m) -> set[str]:
    paths = set()
    for r in m["reports"]:
        paths.add(r["path"])
        paths.update(r.get("attachments") or [])
    return paths


@pytest.fixture(scope="module")
def second(portals, first):
    portals["handle"].reset_log()
    summary = crawl(portals, first["db"])
    return {"summary": summary, "log": portals["handle"].request_log()}


def test_unchanged_recrawl_downloads_no_report_bodies(portals, first, second):
    assert second["summary"]["run"]["new_documents"] == 0
    for adcode, m in portals["manifest"].items():
        report_paths = served_report_paths(m)
        for e in second["log"]:
            if e["adcode"] == adcode and e["method"] == "GET" and e["path"] in report_paths:
                assert e["status"] == 304, e
    # lists are always revalidated: they were asked for again, and answered 304
    assert any(e["status"] == 304 and "index" in e["path"] for e in second["log"])
    first_bytes = len(first["log"])
    assert len(second["log"]) <= first_bytes


def test_changed_report_is_refetched_and_reextracted(portals, first, second):
    handle = portals["handle"]
    edited = {a: m["changes"]["edited"] for a, m in portals["manifest"].items()
              if m.get("changes", {}).get("edited") and m["expected_status"] in ("ok", "moved")}
    assert edited
    con = sqlite3.connect(first["db"])
    before = {a: con.execute("SELECT report_id FROM report_items WHERE adcode = ? AND url LIKE ?",
                             [a, "%" + e["path"]]).fetchone()[0] for a, e in edited.items()}
    con.close()
    handle.set_variant("changed")
    try:
        handle.reset_log()
        summary = crawl(portals, first["db"])
    finally:
        handle.set_variant("original")
    assert summary["run"]["new_documents"] >= len(edited)
    con = sqlite3.connect(first["db"])
    try:
        for adcode, e in edited.items():
            new_id = con.execute("SELECT report_id FROM report_items WHERE adcode = ? AND url LIKE ?",
                                 [adcode, "%" + e["path"]]).fetchone()[0]
            assert new_id == before[adcode], adcode  # an edited report is the same report, in a new version
            text = " ".join(r[0] or "" for r in con.execute("SELECT raw FROM cells WHERE report_id = ?", [new_id]))
            sections = " ".join(r[0] or "" for r in con.execute("SELECT text FROM sections WHERE report_id = ?",
                                                                 [new_id]))
            assert e["after"] in text + sections or e["after"].replace(",", "") in text + sections, adcode
            # the old version is kept, the new one is current, and the changed cell is listed
            versions = [r[0] for r in con.execute("SELECT status FROM report_versions WHERE report_id = ? "
                                                  "ORDER BY version", [new_id])]
            assert versions == ["superseded", "current"], adcode
            changes = con.execute("SELECT table_key, row_key, old_raw, new_raw FROM cell_changes "
                                  "WHERE report_id = ?", [new_id]).fetchall()
            assert ("active_disclosure", "admin_licensing", e["before"], e["after"]) in changes, (adcode, changes)
            assert con.execute("SELECT COUNT(*) FROM reports WHERE id = ?", [new_id]).fetchone()[0] == 1
        removed_pages = [(a, p) for a, m in portals["manifest"].items() if m["expected_status"] in ("ok", "moved")
                         for p in m.get("changes", {}).get("removed", [])
                         if any(r["path"] == p for r in m["reports"])]
        assert removed_pages
        for adcode, path in removed_pages:
            rows = con.execute("SELECT status, report_id FROM report_sources WHERE source LIKE ? "
                               "ORDER BY last_seen DESC", ["%" + path]).fetchall()
            assert rows and rows[0][0] == "gone", (adcode, path, rows)
            # withdrawn from that place, never deleted: gone as a whole only when no other place serves it
            report = con.execute("SELECT gone_at IS NOT NULL, (SELECT count(*) FROM report_sources s "
                                 "WHERE s.report_id = r.id AND s.status = 'serving') FROM reports r WHERE id = ?",
                                 [rows[0][1]]).fetchone()
            assert report is not None and report[0] == (report[1] == 0), (adcode, path, report)
    finally:
        con.close()


def archive_state(db):
    con = sqlite3.connect(db)
    try:
        return {
            "documents": sorted(con.execute("SELECT url, sha256, role, content_type FROM documents")),
            "reports": sorted(con.execute("SELECT id, year, region_code, agency_kind, n_cells, status FROM reports")),
            "items": sorted(con.execute("SELECT adcode, url, year, unit_kind, report_id, attachment_urls "
                                        "FROM report_items")),
            "statuses": sorted(con.execute("SELECT adcode, status FROM portal_status WHERE run_id = "
                                           "(SELECT MAX(run_id) FROM portal_status)")),
        }
    finally:
        con.close()


def test_sigkill_mid_crawl_then_restart_gives_the_same_archive(portals, first, second):
    reference = first["state"]  # the uninterrupted crawl, as it was before the recrawls
    db = portals["work"] / "killed" / "archive.db"
    db.parent.mkdir(parents=True)
    proc = run.start_spider(db, portals_csv=portals["csv"], allow_loopback=True, settings=run.FAST_SETTINGS)
    total = len(reference["documents"])
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            if db.exists():
                try:
                    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
                    n = con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
                    con.close()
                except sqlite3.Error:
                    continue
                if n >= total // 3:
                    break
        assert proc.poll() is None, "the crawl ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    interrupted = archive_state(db)
    assert 0 < len(interrupted["documents"]) < total
    crawl(portals, db)
    assert archive_state(db) == reference


def test_loopback_is_refused_without_the_flag(portals, tmp_path):
    adcode = next(a for a, m in portals["manifest"].items() if m["expected_status"] == "ok")
    one = tmp_path / "one.csv"
    lines = open(portals["csv"], encoding="utf-8").read().splitlines()
    one.write_text("\n".join([lines[0]] + [l for l in lines[1:] if l.startswith(adcode)]) + "\n", encoding="utf-8")
    portals["handle"].reset_log()
    summary = run.crawl(tmp_path / "archive.db", portals_csv=str(one), allow_loopback=False,
                        settings=run.FAST_SETTINGS)
    [p] = summary["portals"]
    assert p["status"] == "unreachable"
    assert any("loopback" in f for f in p["detail"]["failures"])
    assert portals["handle"].request_log(adcode) == []


def test_the_installed_command_crawls_from_any_directory(portals, tmp_path):
    """No repository-root assumptions: `nianbao crawl` run from an unrelated directory, with no PYTHONPATH, starts
    its spider process and extracts (the package's data files — sample manifest, division codes, the bundled
    portal list — come from the installed package)."""
    import os
    import subprocess
    import sys

    adcode = "620421"  # 靖远县 (seed 004): a small portal
    one = tmp_path / "one.csv"
    lines = open(portals["csv"], encoding="utf-8").read().splitlines()
    one.write_text("\n".join([lines[0]] + [l for l in lines[1:] if l.startswith(adcode)]) + "\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE")}
    settings = [arg for name, value in run.FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]
    proc = subprocess.run([sys.executable, "-m", "nianbao.cli", "crawl", "--portals", str(one), "--db",
                           str(tmp_path / "db" / "archive.db"), "--allow-loopback", "--json", *settings],
                          cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout)
    expected = len(portals["manifest"][adcode]["reports"])
    assert [(p["adcode"], p["status"], p["reports_found"]) for p in summary["portals"]] == [(adcode, "ok", expected)]
    con = sqlite3.connect(tmp_path / "db" / "archive.db")
    assert con.execute("SELECT count(*) FROM report_items WHERE report_id IS NOT NULL").fetchone()[0] == expected
    con.close()
    assert not (elsewhere / "archive.db").exists() and list(elsewhere.iterdir()) == []  # nothing written there


def test_every_new_document_knows_its_warc_record(portals, first):
    """The crawl records where each fetch's WARC response record is (file, offset, length), so the site serves it
    without scanning: the record found there names the document and carries exactly the archived bytes."""
    import hashlib
    import io

    from warcio.archiveiterator import ArchiveIterator

    con = sqlite3.connect(first["db"])
    rows = con.execute("SELECT id, sha256, warc_file, warc_offset, warc_length FROM documents").fetchall()
    con.close()
    assert rows and all(r[2] for r in rows)
    warc_dir = first["db"].parent / "warc"
    for doc_id, sha, name, offset, length in rows[:: max(1, len(rows) // 25)]:
        with open(warc_dir / name, "rb") as fh:
            fh.seek(offset)
            member = fh.read(length)  # exactly the recorded bytes: the whole record is in them
        record = next(iter(ArchiveIterator(io.BytesIO(member))))
        assert record.rec_headers.get_header("WARC-Nianbao-Document-Id") == str(doc_id)
        assert hashlib.sha256(record.content_stream().read()).hexdigest() == sha
