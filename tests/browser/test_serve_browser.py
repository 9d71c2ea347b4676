"""The archive as a person sees it: headless Chromium (Debian's /usr/bin/chromium, DevTools protocol) on a real
`nianbao serve`: the home page (desktop and phone), the report page (its tables, marks and links), the CSV link of
a table page, a dashboard chart, the coverage ledger with its map, and the search page.
Screenshots go to test-artifacts/; any JavaScript exception, console.error or failed resource fails the test."""
from __future__ import annotations

import sys
import urllib.parse
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
pytest.importorskip("websocket", reason="websocket-client is not installed (pip install websocket-client)")
from cdp import CHROMIUM, Browser  # noqa: E402
from site_fixture import site_archive  # noqa: E402
from test_serve_fixture import SEED_FILES, Server  # noqa: E402

ARTIFACTS = HERE.parents[1] / "test-artifacts"

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="/usr/bin/chromium is absent (apt-get install chromium) — browser test skipped"),
    pytest.mark.skipif(len(SEED_FILES) != 5, reason="shared/seeds (5 seed reports) not available"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    db = tmp_path_factory.mktemp("browser") / "archive.db"
    made = site_archive(db)
    server = Server(db)
    browser = Browser()
    page = browser.new_page()
    yield {"base": server.base, "ids": made["ids"], "docs": made["docs"], "page": page}
    page.close()
    browser.close()
    server.stop()


def visit(site, path: str, ready: str, shot: str, scroll_to: str | None = None) -> str:
    page = site["page"]
    page.errors.clear()
    page.goto(site["base"] + path)
    page.wait_for(ready)
    if scroll_to:
        page.evaluate(f"document.querySelector({scroll_to!r}).scrollIntoView()")
    page.screenshot(ARTIFACTS / f"{shot}.png")
    assert page.errors == [], f"{path}: {page.errors}"
    return page.text()


def test_report_row_page(site):
    rid = site["ids"]["001_759fee5d4dfad9d3.txt"]
    text = visit(site, f"/archive/reports/{rid}", "document.querySelector('table.rows-and-columns, dl, table')",
                 "report-row-page")
    assert "县政府办2022年政府信息公开工作年度报告" in text    # the title as printed in seed 001
    assert "栾川县" in text and "410324" in text
    assert "cells" in text and "sections" in text          # links to its cells and sections


def phone(site, on: bool) -> None:
    if on:
        site["page"].call("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=1,
                          mobile=True)
    else:
        site["page"].call("Emulation.clearDeviceMetricsOverride")


def test_home_page_to_a_report_in_two_clicks_and_to_the_original_in_one(site):
    text = visit(site, "/", "document.querySelector('form.nb-search')", "home")
    assert "政府信息公开年报档案" in text and "reports" in text
    page = site["page"]
    # click 1: all reports; click 2: a report's title
    page.evaluate("[...document.querySelectorAll('a')].find(a => a.textContent.includes('All reports')).click()")
    page.wait_for("location.pathname === '/archive/report_summary' && document.querySelector('table.rows-and-columns')")
    rid = site["ids"]["hand-2022"]
    page.evaluate(f"document.querySelector('a[href=\"/report/{rid}\"]').click()")
    page.wait_for(f"location.pathname === '/report/{rid}' && document.querySelector('.nb-grid')")
    # from the number: the original, in one click (its href; the download itself is checked in test_site.py)
    href = page.evaluate("document.querySelector('#c-applications-granted-total a').getAttribute('href')")
    doc = page.evaluate(f"fetch('/report/{rid}.json').then(r => r.json()).then(d => d.report.document_id)")
    assert href == f"/original/{doc}"
    assert page.errors == []


def test_home_page_on_a_phone_has_the_search_box_in_view(site):
    phone(site, True)
    try:
        visit(site, "/", "document.querySelector('form.nb-search')", "home-phone")
        top = site["page"].evaluate("document.querySelector('form.nb-search input').getBoundingClientRect().top")
        assert 0 < top < 400
        visit(site, "/archive/report_summary", "document.querySelector('table.rows-and-columns')",
              "report-summary-phone")
        top = site["page"].evaluate("document.querySelector('form input[name=_search]').getBoundingClientRect().top")
        assert 0 < top < 844   # not below the column descriptions
    finally:
        phone(site, False)


def test_report_page_marks_failing_cells(site):
    rid = site["ids"]["hand-2022"]
    text = visit(site, f"/report/{rid}", "document.querySelector('.nb-grid')", "report-page",
                 scroll_to="#t-applications")
    assert "三、收到和处理政府信息公开申请情况" in text and "（一）予以公开" in text
    page = site["page"]
    outline = page.evaluate("getComputedStyle(document.querySelector('#c-applications-granted-total')).outlineStyle")
    assert outline == "solid"                                  # strict failure: a solid red outline
    assert page.evaluate("document.querySelector('#c-applications-granted-total').innerText.trim()") == "48"
    rid = site["ids"]["blank-dept"]
    visit(site, f"/report/{rid}", "document.querySelector('.nb-grid')", "report-page-blanks")
    outline = page.evaluate(
        "getComputedStyle(document.querySelector('#c-applications-carried_in-natural_person')).outlineStyle")
    assert outline == "dashed"                                 # fails only with blanks as 0: dashed orange
    # the source positions appear when asked for
    hidden = page.evaluate("getComputedStyle(document.querySelector('.nb-pos')).display")
    page.evaluate("document.querySelector('#nb-showpos').click()")
    assert hidden == "none" and page.evaluate("getComputedStyle(document.querySelector('.nb-pos')).display") == "block"


def test_csv_link_of_a_table_page_downloads_every_row(site):
    visit(site, "/archive/cells", "document.querySelector('p.export-links')", "cells-table")
    page = site["page"]
    links = page.evaluate("[...document.querySelectorAll('p.export-links a')].map(a => [a.textContent, "
                          "a.getAttribute('href')])")
    csv_href = next(h for t, h in links if t == "CSV")
    excel_href = next(h for t, h in links if t == "CSV for Excel")
    n_rows = page.evaluate(f"fetch({csv_href!r}).then(r => r.text()).then(t => t.trim().split('\\r\\n').length - 1)")
    total = page.evaluate("fetch('/archive/cells.json?_size=0').then(r => r.json()).then(d => d.filtered_table_rows_count)")
    assert n_rows == total > 100
    bom = page.evaluate(f"fetch({excel_href!r}).then(r => r.arrayBuffer()).then(b => [...new Uint8Array(b.slice(0, 3))])")
    assert bom == [0xEF, 0xBB, 0xBF]


def test_dashboard_chart_renders_years(site):
    ready = ("document.querySelector('#chart-requests-over-years svg') && "
             "document.querySelector('#chart-refusals-by-reason svg') && "
             "document.querySelector('#chart-reports-count').innerText.includes('reports')")
    visit(site, "/-/dashboards/overview", ready, "dashboard")
    page = site["page"]
    years = page.evaluate("document.querySelector('#chart-requests-over-years svg').textContent")
    for year in ("2020", "2021", "2022", "2023"):                  # years of the seeds and hand-made reports
        assert year in years
    # 8 of the serve fixture + 4 of the site fixture (blank-dept, no-t3, markup, edited: one report, 2 versions)
    assert "12 reports" in page.evaluate("document.querySelector('#chart-reports-count').innerText")
    reasons = page.evaluate("document.querySelector('#chart-refusals-by-reason svg').textContent")
    assert "属于四类过程性信息" in reasons


def test_coverage_ledger_with_map(site):
    query = urllib.parse.urlencode({"year": 2022, "province": "甘肃省", "unit_kind": "department", "_sort": "status"})
    ready = ("document.querySelector('.leaflet-container') && "
             "document.querySelectorAll('.leaflet-marker-icon, .marker-cluster').length > 0")
    text = visit(site, f"/archive/coverage?{query}", ready, "coverage-ledger", scroll_to=".leaflet-container")
    assert "城关区" in text and "complete" in text and "not_crawled" in text


def test_search_page(site):
    query = urllib.parse.urlencode({"_search": "复议"})
    text = visit(site, f"/archive/report_summary?{query}", "document.querySelector('table.rows-and-columns')",
                 "search")
    # the five seeds and the markup report (本年度无复议); not 城关区's 财政局 (no 复议 in its text)
    assert "6 rows" in text and "灵武市" in text and "财政局" not in text
