"""End to end: the real sample-portal HTTP servers, the real spider in its own process, a real archive.db.

Expected reports come from the sample portals' manifest (what each portal publishes), never from crawler output.
One set of servers for the module; crawls are ordered and run on the crawl clock (NIANBAO_NOW):
  first crawl (T0) → unchanged recrawl a day later → changed variant two days later (list signals: added,
  withdrawn, an edit the list dates) → changed variant 400 days later (every report due: every edit) →
  kill/restart (real clock).
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

T0 = "2024-04-10T08:00:00+00:00"
T0_PLUS_1 = "2024-04-11T08:00:00+00:00"
T0_PLUS_2 = "2024-04-12T08:00:00+00:00"
T0_PLUS_400 = "2025-05-15T08:00:00+00:00"


@pytest.fixture(scope="module")
def portals(tmp_path_factory):
    from crawler.sample_portals.server import start_servers

    handle = start_servers(0)
    work = tmp_path_factory.mktemp("crawl")
    manifest = run.sample_manifest(handle)
    csv_path = run.registry_csv_from_manifest(manifest, handle.urls, work / "portals.csv")
    hosts = {urlsplit(url).netloc: (code, vhost) for code, by in handle.host_urls.items() for vhost, url in by.items()}
    yield {"handle": handle, "manifest": {m["adcode"]: m for m in manifest}, "csv": str(csv_path), "work": work,
           "hosts": hosts}
    handle.stop()


def crawl(portals, db, now: str | None = None):
    settings = {**run.FAST_SETTINGS, **({"NIANBAO_NOW": now} if now else {})}
    return run.crawl(db, portals_csv=portals["csv"], allow_loopback=True, settings=settings)


def where(portals, url: str) -> tuple[str, str]:
    """(host name, path with query) of a crawled URL, as the manifest writes them."""
    parts = urlsplit(url)
    return portals["hosts"][parts.netloc][1], parts.path + (f"?{parts.query}" if parts.query else "")


def expected_reports(m: dict) -> dict:
    return {(r.get("host", "main"), r["path"]): (r["year"], r["unit_kind"]) for r in m["reports"]}


@pytest.fixture(scope="module")
def first(portals):
    db = portals["work"] / "first" / "archive.db"
    portals["handle"].reset_log()
    summary = crawl(portals, db, T0)
    return {"db": db, "summary": summary, "log": portals["handle"].request_log(), "state": archive_state(db),
            "inflight": portals["handle"].inflight()}


def report_rows(portals, db, adcode):
    con = sqlite3.connect(db)
    try:
        return {where(portals, u): (y, k) for u, y, k in con.execute(
            "SELECT url, year, unit_kind FROM report_items WHERE adcode = ?", [adcode])}
    finally:
        con.close()


def test_every_portal_gets_its_expected_status(portals, first):
    assert first["summary"]["exit_code"] == 0
    got = {p["adcode"]: p["status"] for p in first["summary"]["portals"]}
    expected = {a: m["expected_status"] for a, m in portals["manifest"].items()}
    assert got == expected
    for p in first["summary"]["portals"]:  # shortfalls are statuses; an ok portal has none
        assert "shortfalls" not in p["detail"], (p["adcode"], p["detail"].get("shortfalls"))


def test_exactly_the_manifest_reports_with_year_and_unit(portals, first):
    for adcode, m in portals["manifest"].items():
        if m["expected_status"] in ("robots", "blocked", "unreachable"):
            assert report_rows(portals, first["db"], adcode) == {}, adcode
            continue
        assert report_rows(portals, first["db"], adcode) == expected_reports(m), adcode


def test_noise_items_are_not_reports(portals, first):
    for adcode, m in portals["manifest"].items():
        found = set(report_rows(portals, first["db"], adcode))
        assert not found & {(n.get("host", "main"), n["path"]) for n in m["noise"]}, adcode


def test_never_more_than_two_requests_in_flight_per_host(portals, first):
    """Every sample server counts the requests open on it at once (robots.txt, redirects, files and retries
    included); the busy portal would also have answered 429 above two."""
    over = {k: v for k, v in first["inflight"].items() if v["max"] > 2}
    assert first["inflight"] and not over, over
    assert not any(v["over_limit"] for v in first["inflight"].values())
    assert not [e for e in first["log"] if e["status"] == 429]


def test_traps_cost_a_bounded_number_of_requests(portals, first):
    trap = next(a for a, m in portals["manifest"].items() if m["platform"] == "trap")
    log = [e for e in first["log"] if e["adcode"] == trap]
    variants = [e for e in log if e["path"].startswith("/zwgk/index.html?")]
    assert 0 < len(variants) <= 50  # the query-string explosion, cut by the trap budget
    col = portals["manifest"][trap]["column_path"].rsplit("/", 1)[0] + "/"
    assert not [e for e in log if e["path"].startswith(col) and "?" in e["path"]]  # calendar and sort orders
    beyond = [e for e in log if e["path"].startswith(col + "index_")]
    pages = -(-len(portals["manifest"][trap]["reports"] + portals["manifest"][trap]["noise"]) // 5)
    assert len(beyond) <= pages  # the endless pager: one page past the end, which repeats, then no more
    status = next(p for p in first["summary"]["portals"] if p["adcode"] == trap)
    evidence = status["detail"]["trap_budget_exhausted"]
    assert evidence["refused"] > 0 and evidence["fruitless"] >= 50 and evidence["examples"]


def test_reports_are_archived_and_extracted_with_region_code(portals, first):
    con = sqlite3.connect(first["db"])
    try:
        rows = con.execute("SELECT i.adcode, i.url, r.region_code, r.id FROM report_items i "
                           "LEFT JOIN reports r ON r.id = i.report_id").fetchall()
        assert rows
        for adcode, url, region, rid in rows:
            if portals["manifest"][adcode]["expected_status"] not in ("ok", "moved"):
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
    PDF, attached to 44 pages of twenty portals (the manifest's pages with that file and no tables of their own), is
    one report with 44 sources and 95 new requests (tests/fixtures/formats/real/expected.py, read by hand)."""
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
        assert hongze == [(pages, 95.0)] and pages == 44
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


def served_report_paths(m) -> set[tuple[str, str]]:
    paths = set()
    for r in m["reports"]:
        host = r.get("host", "main")
        paths.add((host, r["path"]))
        paths.add((host, r.get("served_at") or r["path"]))
        paths.update((h, a) for a in r.get("attachments") or [] for h in ("main", host))
        if "fetch" in r:
            paths.add((host, r["fetch"]["path"]))
    return paths


def run_stats(db, run_id) -> dict:
    import json

    con = sqlite3.connect(db)
    try:
        return json.loads(con.execute("SELECT stats FROM crawl_runs WHERE id = ?", [run_id]).fetchone()[0])
    finally:
        con.close()


@pytest.fixture(scope="module")
def second(portals, first):
    portals["handle"].reset_log()
    summary = crawl(portals, first["db"], T0_PLUS_1)
    return {"summary": summary, "log": portals["handle"].request_log()}


def test_unchanged_recrawl_a_day_later_revisits_lists_not_stable_reports(portals, first, second):
    assert second["summary"]["run"]["new_documents"] == 0
    assert {p["adcode"]: p["status"] for p in second["summary"]["portals"]} == \
        {p["adcode"]: p["status"] for p in first["summary"]["portals"]}
    for adcode, m in portals["manifest"].items():
        report_paths = served_report_paths(m)
        asked = [e for e in second["log"] if e["adcode"] == adcode and (e["host"], e["path"]) in report_paths]
        assert not asked, (adcode, asked[:3])  # published ≥ 2 weeks ago, checked yesterday: not due
    # lists are always revalidated: asked for again, and answered 304 where the server supports it
    assert any(e["status"] == 304 and "index" in e["path"] for e in second["log"])
    assert {e["path"] for e in second["log"] if e["adcode"] == "630222"} >= {"/", "/zwgk/zfxxgk/zfxxgknb/index.html"}
    first_stats = run_stats(first["db"], first["summary"]["run"]["id"])
    second_stats = run_stats(first["db"], second["summary"]["run"]["id"])
    assert second_stats["downloader/request_count"] <= 0.30 * first_stats["downloader/request_count"]
    assert second_stats["downloader/response_bytes"] <= 0.05 * first_stats["downloader/response_bytes"]
    # every report is still recorded as found on its list
    for p in second["summary"]["portals"]:
        before = next(q for q in first["summary"]["portals"] if q["adcode"] == p["adcode"])
        assert p["reports_found"] == before["reports_found"], p["adcode"]


def report_versions(con, report_id):
    return [r[0] for r in con.execute("SELECT status FROM report_versions WHERE report_id = ? ORDER BY version",
                                      [report_id])]


def versions(con, url_like):
    """The versions of the report a report page serves (what it served last)."""
    row = con.execute("SELECT report_id FROM report_sources WHERE source LIKE ? AND report_id IS NOT NULL "
                      "ORDER BY last_seen DESC LIMIT 1", ["%" + url_like]).fetchone()
    return report_versions(con, row[0]) if row else []


def place_contents(con, url_like):
    """How many different contents a report page has been seen serving (report_sources)."""
    return con.execute("SELECT count(*) FROM report_sources WHERE source LIKE ?", ["%" + url_like]).fetchone()[0]


def place_status(con, url_like):
    """What became of a report page: serving / replaced / gone (report_sources)."""
    row = con.execute("SELECT status FROM report_sources WHERE source LIKE ? ORDER BY last_seen DESC LIMIT 1",
                      ["%" + url_like]).fetchone()
    return row[0] if row else None


@pytest.fixture(scope="module")
def changed(portals, first, second):
    """The changed variant, two days after the first crawl: what the lists signal is caught at once."""
    handle = portals["handle"]
    con = sqlite3.connect(first["db"])
    before = {a: con.execute("SELECT report_id FROM report_items WHERE adcode = ? AND url LIKE ?",
                             [a, "%" + m["changes"]["edited"]["path"]]).fetchone()
              for a, m in portals["manifest"].items() if m.get("changes", {}).get("edited")}
    con.close()
    handle.set_variant("changed")
    handle.reset_log()
    try:
        summary = crawl(portals, first["db"], T0_PLUS_2)
        log = handle.request_log()
    finally:
        handle.set_variant("original")
    return {"summary": summary, "log": log, "before": before}


def crawled_ok(portals) -> dict:
    return {a: m for a, m in portals["manifest"].items() if m["expected_status"] in ("ok", "moved")}


def test_added_reports_are_found_fetched_and_extracted(portals, first, changed):
    con = sqlite3.connect(first["db"])
    try:
        for adcode, m in crawled_ok(portals).items():
            added = m["changes"]["added"]
            row = con.execute("SELECT year, unit_kind, report_id FROM report_items WHERE adcode = ? AND url LIKE ?",
                              [adcode, "%" + added["path"]]).fetchone()
            assert row is not None, adcode
            assert row[:2] == (added["year"], added["unit_kind"]) and row[2], (adcode, row)
    finally:
        con.close()


def test_withdrawn_reports_are_marked_gone(portals, first, changed):
    con = sqlite3.connect(first["db"])
    try:
        for adcode, m in crawled_ok(portals).items():
            status = next(p for p in changed["summary"]["portals"] if p["adcode"] == adcode)
            path = m["changes"]["removed"][0]
            got = place_status(con, path)
            if "trap_budget_exhausted" in status["detail"]:
                # requests were refused on this portal: its lists are not known to be complete, so a report
                # missing from them is not taken as withdrawn (it is revisited on its own interval)
                assert got != "gone", adcode
                continue
            assert got == "gone", (adcode, path, got)
            # withdrawn from that place, never deleted: the report is gone as a whole only when no other place
            # serves it
            rid = con.execute("SELECT report_id FROM report_sources WHERE source LIKE ? AND report_id IS NOT NULL",
                              ["%" + path]).fetchone()[0]
            gone, serving = con.execute(
                "SELECT gone_at IS NOT NULL, (SELECT count(*) FROM report_sources s WHERE s.report_id = r.id "
                "AND s.status = 'serving') FROM reports r WHERE id = ?", [rid]).fetchone()
            assert gone == (serving == 0), (adcode, path)
    finally:
        con.close()


def test_an_edit_the_list_dates_is_caught_at_once(portals, first, changed):
    """gkmlpt lists the modification time: the edited report is due although it was checked two days ago."""
    adcode = "440607"
    edit = portals["manifest"][adcode]["changes"]["edited"]
    assert any(e["adcode"] == adcode and e["path"] == edit["path"] for e in changed["log"])
    con = sqlite3.connect(first["db"])
    try:
        assert versions(con, edit["path"]) == ["superseded", "current"]
        for a in ("630222", "410324", "640181", "620421"):  # HTML lists that date nothing but publication:
            # the edit waits for its report's interval: that page was not asked for again, its place still shows
            # what it showed at T0 (the report itself may have a new version, caught where another portal posts it)
            e = portals["manifest"][a]["changes"]["edited"]
            assert not [x for x in changed["log"] if x["adcode"] == a and x["path"] == e["path"]], a
            assert place_contents(con, e["path"]) == 1, a
    finally:
        con.close()


def test_every_edit_is_caught_once_its_report_is_due(portals, first, changed):
    handle = portals["handle"]
    handle.set_variant("changed")
    try:
        handle.reset_log()
        summary = crawl(portals, first["db"], T0_PLUS_400)
    finally:
        handle.set_variant("original")
    edited = {a: m["changes"]["edited"] for a, m in crawled_ok(portals).items()}
    assert summary["exit_code"] == 0  # (young reports' edits were caught two days after T0 already)
    con = sqlite3.connect(first["db"])
    try:
        for adcode, e in edited.items():
            new_id = con.execute("SELECT report_id FROM report_items WHERE adcode = ? AND url LIKE ?",
                                 [adcode, "%" + e["path"]]).fetchone()[0]
            assert new_id == changed["before"][adcode][0], adcode  # an edited report: the same report, a new version
            text = " ".join(r[0] or "" for r in con.execute("SELECT raw FROM cells WHERE report_id = ?", [new_id]))
            sections = " ".join(r[0] or "" for r in con.execute("SELECT text FROM sections WHERE report_id = ?",
                                                                 [new_id]))
            assert e["after"] in text + sections or e["after"].replace(",", "") in text + sections, adcode
            # the old version is kept, the new one is current, and the changed cell is listed
            assert report_versions(con, new_id) == ["superseded", "current"], adcode
            changes = con.execute("SELECT table_key, row_key, old_raw, new_raw FROM cell_changes "
                                  "WHERE report_id = ?", [new_id]).fetchall()
            assert ("active_disclosure", "admin_licensing", e["before"], e["after"]) in changes, (adcode, changes)
            assert con.execute("SELECT COUNT(*) FROM reports WHERE id = ?", [new_id]).fetchone()[0] == 1
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


def test_sigkill_mid_crawl_then_restart_gives_the_same_archive(portals, first):
    reference = first["state"]  # the uninterrupted crawl, as it was before the recrawls
    db = portals["work"] / "killed" / "archive.db"
    db.parent.mkdir(parents=True)
    proc = run.start_spider(db, portals_csv=portals["csv"], allow_loopback=True, settings=run.FAST_SETTINGS)
    total = len(reference["documents"])
    deadline = time.monotonic() + 120
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
    crawl(portals, db)  # the real clock: what was archived before the kill is not due, what is missing is
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
