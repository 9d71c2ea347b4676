"""The site for people, on a real `nianbao serve`: the report page, originals and WARC records, the home page,
search, links from tables and queries, whole CSV exports, feeds. Expected values are those written by hand into
the fixtures (tests/site_fixture.py, tests/test_serve_fixture.py) or read from the seed texts."""
from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import sys
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from storage.serving.publish import served_path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from site_fixture import MARKUP_AGENCY, MARKUP_TEXT, MARKUP_TITLE, bulk_archive, site_archive  # noqa: E402
from test_serve_fixture import SEED_FILES, Server  # noqa: E402

pytestmark = pytest.mark.skipif(len(SEED_FILES) != 5, reason="shared/seeds (5 seed reports) not available")

LUANCHUAN = "001_759fee5d4dfad9d3.txt"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    db = tmp_path_factory.mktemp("site") / "archive.db"
    made = site_archive(db)
    server = Server(db)
    yield {**made, "db": db, "base": server.base}
    server.stop()


def fetch(site, path: str, **params) -> tuple[int, dict, bytes]:
    url = site["base"] + urllib.parse.quote(path, safe="/?&=#%.,:")
    if params:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def page(site, path: str, **params) -> str:
    status, _, body = fetch(site, path, **params)
    assert status == 200, (path, status, body[:300])
    return body.decode("utf-8")


def report_json(site, name: str) -> dict:
    return json.loads(page(site, f"/report/{site['ids'][name]}.json"))


# ------------------------------------------------------------------------------------------------- report page
def test_report_page_prints_the_tables_with_labels_and_links_every_number_to_its_original(site):
    rid = site["ids"][LUANCHUAN]
    html = page(site, f"/report/{rid}")
    assert "县政府办2022年政府信息公开工作年度报告" in html   # seed 001's title as printed
    assert "三、收到和处理政府信息公开申请情况" in html and "一、本年新收政府信息公开申请数量" in html
    assert "自然人" in html and "法人或其他组织" in html and "第二十条第（一）项" in html
    doc = report_json(site, LUANCHUAN)["report"]["document_id"]
    # seed 001: 17 new requests from natural persons; the cell links to the original it was read from
    cell = re.search(r'<td id="c-applications-new_received-natural_person"[^>]*>(.*?)</td>', html, re.S).group(1)
    assert f'href="/original/{doc}"' in cell and ">17<" in cell
    assert "line " in cell  # its source position


def test_report_summary_rows_carry_report_page_and_original_file(site):
    rid = site["ids"][LUANCHUAN]
    row = json.loads(page(site, f"/archive/report_summary/{rid}.json", _shape="array"))[0]
    assert row["report_page"] == f"/report/{rid}"
    status, headers, body = fetch(site, row["original_file"])
    assert status == 200 and body == (Path(SEED_FILES[0]).parent / LUANCHUAN).read_bytes()
    assert headers["content-type"].startswith("text/plain")


def test_failing_checks_are_marked_strict_apart_from_blank_dependent_and_missing_tables(site):
    strict = page(site, f"/report/{site['ids']['hand-2022']}")
    # hand-2022: R3 granted 48 ≠ 47 (strict); every cell of the granted row is marked
    granted = re.search(r'<td id="c-applications-granted-total"[^>]*>', strict).group(0)
    assert "nb-fail-strict" in granted and "fail as printed" in strict
    blank = page(site, f"/report/{site['ids']['blank-dept']}")
    carried_in = re.search(r'<td id="c-applications-carried_in-natural_person"[^>]*>', blank).group(0)
    assert "nb-fail-blanks_as_zero" in carried_in and "nb-fail-strict" not in blank
    assert "only when blank cells are read as 0" in blank
    missing = page(site, f"/report/{site['ids']['no-t3']}")
    assert "the whole T3 table is missing" in missing and "All " not in missing.split("nb-status")[1][:400]
    summary = {r["report_id"]: r for r in json.loads(page(site, "/archive/report_summary.json", _shape="array",
                                                          _size="max"))}
    assert summary[site["ids"]["hand-2022"]]["check_status"] == "failing"
    assert summary[site["ids"]["blank-dept"]]["check_status"] == "failing_blanks_as_zero"
    assert (summary[site["ids"]["no-t3"]]["check_status"], summary[site["ids"]["no-t3"]]["tables_missing"]) == (
        "tables_missing", "applications")
    kinds = {(r["report_id"], r["kind"], r["rule"]) for r in json.loads(page(
        site, "/archive/check_failures.json", _shape="array", _size="max"))}
    assert (site["ids"]["hand-2022"], "strict", "R3") in kinds
    assert (site["ids"]["blank-dept"], "blanks_as_zero", "R1") in kinds
    assert (site["ids"]["no-t3"], "table_missing", "missing_table") in kinds


def test_versions_show_their_changed_cells(site):
    data = report_json(site, "edited")
    assert [v["version"] for v in data["versions"]] == [2, 1]
    html = page(site, f"/report/{site['ids']['edited']}")
    versions = html[html.index('id="versions"'):]
    assert "version 2" in versions and "<td>7</td><td>9</td>" in versions.replace(" ", "")
    assert f'href="/original/{site["docs"]["edited-v1"]}"' in html   # the earlier version's original too


def test_markup_in_title_agency_and_text_is_escaped_everywhere(site):
    rid = site["ids"]["markup"]
    pages = [page(site, f"/report/{rid}"), page(site, "/"), page(site, "/search", q="复议"),
             page(site, "/search", q='<script>alert(9)</script>"><img src=z onerror=alert(8)>'),
             page(site, "/archive/report_summary")]
    for html in pages:
        for raw in ("<script>alert", "<img src=x", "<img src=y", "<img src=z", "<svg onload", "</textarea>"):
            assert raw not in html
    assert "&lt;script&gt;alert(&#34;t&#34;)" in pages[0] or "&lt;script&gt;alert(&quot;t&quot;)" in pages[0]
    assert "本年度无复议" in pages[0]
    assert json.loads(page(site, f"/report/{rid}.json"))["report"]["title"] == MARKUP_TITLE
    assert MARKUP_AGENCY and MARKUP_TEXT  # the fixture's markup is what the page escaped


def test_unknown_report_is_a_404_page(site):
    status, _, body = fetch(site, "/report/0000000000000000")
    assert status == 404 and b"no report" in body


# ------------------------------------------------------------------------------------------------- originals
def test_original_is_an_attachment_with_its_own_type_streamed_by_id_or_sha(site):
    doc = site["docs"]["blank-dept"]
    status, headers, body = fetch(site, f"/original/{doc}")
    assert status == 200 and body == site["bytes"]["blank-dept"]
    assert headers["content-disposition"].startswith("attachment;")
    assert headers["x-content-type-options"] == "nosniff" and "sandbox" in headers["content-security-policy"]
    assert headers["content-type"].startswith("text/plain") and headers["content-length"] == str(len(body))
    sha = headers["x-nianbao-sha256"]
    status, _, again = fetch(site, f"/original/sha256/{sha}")
    assert status == 200 and again == body


@pytest.mark.parametrize("path", ["/original/999999", "/original/sha256/" + "0" * 64, "/original/-1",
                                  "/original/1%2F..%2F..%2Fetc%2Fpasswd", "/original/../../etc/passwd",
                                  "/original/sha256/..%2F..%2Farchive.db", "/original/sha256/ABC", "/warc/999999"])
def test_anything_but_a_document_id_or_sha256_is_refused(site, path):
    status, _, body = fetch(site, path)
    assert status == 404 and b"root:" not in body and b"SQLite format" not in body


def test_warc_record_of_a_fetch(site):
    from warcio.archiveiterator import ArchiveIterator

    status, headers, body = fetch(site, f"/warc/{site['docs']['seed001']}")
    assert status == 200 and headers["content-disposition"].startswith("attachment;")
    records = [(r.rec_headers.get_header("WARC-Nianbao-Document-Id"), r.content_stream().read())
               for r in ArchiveIterator(io.BytesIO(body))]
    assert records == [(str(site["docs"]["seed001"]), site["bytes"]["seed001"])]
    html = page(site, f"/report/{site['ids'][LUANCHUAN]}")
    assert f'href="/warc/{site["docs"]["seed001"]}"' in html


def test_document_reference_leads_to_its_report(site):
    req = urllib.request.Request(site["base"] + f"/document/{site['docs']['blank-dept']}")
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.url.endswith(f"/report/{site['ids']['blank-dept']}")


# ------------------------------------------------------------------------------------------------- links
def test_tables_queries_and_search_link_to_report_pages(site):
    rid = site["ids"]["hand-2022"]
    assert f'href="/report/{rid}"' in page(site, "/archive/check_failures")
    assert f'href="/report/{rid}"' in page(site, "/archive/reports_failing_checks")
    assert f'href="/report/{rid}"' in page(site, "/archive/report_summary")   # the title and report_page
    cells = page(site, "/archive/cells", report_id=rid, table_key="applications", row_key="granted")
    assert f'href="/report/{rid}#c-applications-granted-total"' in cells     # a cell links back to its place
    assert f'href="/report/{site["ids"]["001_759fee5d4dfad9d3.txt"]}"' in page(site, "/archive/search", q="栾川")
    assert "/document/" in page(site, "/archive/cells", report_id=rid)


def test_feed_entries_link_to_the_report_page(site):
    import xml.etree.ElementTree as ET

    root = ET.fromstring(fetch(site, "/archive/feed_new_reports.atom", province="")[2])
    links = [e.find("{http://www.w3.org/2005/Atom}link").get("href")
             for e in root.findall("{http://www.w3.org/2005/Atom}entry")]
    assert links and all(re.fullmatch(re.escape(site["base"]) + r"/report/[0-9a-f]{16}", h) for h in links)


# ------------------------------------------------------------------------------------------------- home, search
def test_home_page_explains_counts_and_links(site):
    html = page(site, "/")
    assert html.index('action="/search"') < html.index("nb-figures")        # the search box first
    n = len(json.loads(page(site, "/archive/report_summary.json", _shape="array", _size="max")))
    assert f"<strong>{n}</strong>reports" in html
    for href in ("/archive/report_summary", "/archive/coverage_map", "/-/dashboards/overview", "/archive/coverage",
                 "/archive/check_failures", "/about/api", "/download"):
        assert f'href="{href}' in html
    assert "甘肃省" in html   # coverage by province: 城关区 has its government's report
    assert "API" in page(site, "/about/api") and "_shape=array" in page(site, "/about/api")


def test_search_page_counts_and_refuses_what_it_cannot_do(site):
    html = page(site, "/search", q="复议")
    # every seed has a 行政复议 section; the markup report says 本年度无复议
    assert "<strong>6</strong> reports match" in html
    assert "<mark>复议</mark>" in html
    status, _, body = fetch(site, "/search", q="-复议")
    assert status == 400 and "only excludes" in body.decode()
    status, _, body = fetch(site, "/archive/report_summary.json", _search="复议 OR")
    assert status == 400 and "OR needs a word" in json.loads(body)["error"]
    both = json.loads(page(site, "/search.json", q="栾川 OR 灵武"))
    assert both["total"] == 2
    minus = json.loads(page(site, "/search.json", q="复议 -栾川"))
    assert minus["total"] == 5 and site["ids"][LUANCHUAN] not in {r["report_id"] for r in minus["results"]}


# ------------------------------------------------------------------------------------------------- exports
def read_csv(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_has_integers_labels_and_an_excel_option(site):
    rid = site["ids"][LUANCHUAN]
    status, headers, body = fetch(site, "/archive/applications_wide.csv", report_id=rid, row_key="new_received")
    assert status == 200 and headers["content-type"].startswith("text/csv") and not body.startswith(b"\xef\xbb\xbf")
    rows = read_csv(body)
    assert [(r["natural_person"], r["total"], r["row_label"]) for r in rows] == [
        ("17", "17", "一、本年新收政府信息公开申请数量")]
    cells = read_csv(fetch(site, "/archive/cells.csv", report_id=rid, table_key="applications",
                           row_key="new_received", col_key="total")[2])
    assert (cells[0]["value"], cells[0]["row_label"], cells[0]["col_label"]) == ("17", "一、本年新收政府信息公开申请数量", "总计")
    _, _, excel = fetch(site, "/archive/report_summary.csv", _bom="1")
    assert excel.startswith(b"\xef\xbb\xbf")
    status, _, body = fetch(site, "/archive/report_summary.csv", nonexistent_column="1")
    assert status == 400 and b"no column" in body


def test_bulk_download_zip_and_dictionary(site):
    status, headers, body = fetch(site, "/download/archive-csv.zip")
    assert status == 200 and headers["content-disposition"].startswith("attachment;")
    z = zipfile.ZipFile(io.BytesIO(body))
    names = set(z.namelist())
    assert {"README.md", "data-dictionary.csv", "reports.csv", "cells.csv", "report_summary.csv",
            "check_failures.csv"} <= names and not any(n.startswith("report_fts") for n in names)
    served = served_path(site["db"]).resolve()  # the published snapshot the site serves
    conn = sqlite3.connect(f"file:{served}?mode=ro", uri=True)
    assert len(read_csv(z.read("cells.csv"))) == conn.execute("SELECT count(*) FROM cells").fetchone()[0]
    conn.close()
    assert "report_page" in z.read("README.md").decode()
    status, headers, db = fetch(site, "/download/archive.db")
    assert status == 200 and db.startswith(b"SQLite format 3") and len(db) == served.stat().st_size


@pytest.fixture(scope="module")
def bulk(tmp_path_factory):
    db = tmp_path_factory.mktemp("bulk") / "archive.db"
    ids = bulk_archive(db, 130)
    server = Server(db)
    yield {"db": db, "base": server.base, "ids": ids}
    server.stop()


def test_csv_link_of_the_largest_table_returns_every_row(bulk):
    conn = sqlite3.connect(f"file:{served_path(bulk['db']).resolve()}?mode=ro", uri=True)
    n_wide = conn.execute("SELECT count(*) FROM applications_wide").fetchone()[0]
    n_cells = conn.execute("SELECT count(*) FROM cells").fetchone()[0]
    conn.close()
    assert n_wide == 130 * 25 > 3000          # more than one Datasette page (max_returned_rows 3000)
    html = page(bulk, "/archive/applications_wide")
    csv_link = re.search(r'<a href="(/archive/applications_wide\.csv[^"]*)">CSV</a>', html).group(1)
    rows = read_csv(fetch(bulk, csv_link.replace("&amp;", "&"))[2])
    assert len(rows) == n_wide and len({(r["report_id"], r["row_key"]) for r in rows}) == n_wide
    assert all("." not in r["total"] for r in rows)
    assert len(read_csv(fetch(bulk, "/archive/cells.csv")[2])) == n_cells == 130 * 175
    assert len(read_csv(fetch(bulk, "/archive/applications_long.csv")[2])) == n_cells   # a view, too
    assert len(read_csv(fetch(bulk, "/archive/applications_wide.csv", _size="10")[2])) == 10


def test_search_pages_through_every_hit(bulk):
    first = json.loads(page(bulk, "/search.json", q="信息处理费"))
    assert first["total"] == 130 and first["pages"] == 3 and len(first["results"]) == 50
    seen = []
    for n in (1, 2, 3):
        seen += [r["report_id"] for r in json.loads(page(bulk, "/search.json", q="信息处理费", page=n))["results"]]
    assert sorted(seen) == sorted(bulk["ids"])
    relevance = [r["relevance"] for r in first["results"]]
    assert relevance[0] == 100.0 and relevance == sorted(relevance, reverse=True) and relevance[-1] < 100
    canned = json.loads(page(bulk, "/archive/search.json", q="信息处理费", page="3", _shape="array"))
    assert len(canned) == 30 and canned[0]["total"] == 130
