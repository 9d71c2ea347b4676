"""The archive as a person sees it: headless Chromium (Debian's /usr/bin/chromium, DevTools protocol) on a real
`nianbao serve`: the report page, a dashboard chart, the coverage ledger with its map, and the search page.
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
from test_serve_fixture import SEED_FILES, Server, build_archive  # noqa: E402

ARTIFACTS = HERE.parents[1] / "test-artifacts"

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="/usr/bin/chromium is absent (apt-get install chromium) — browser test skipped"),
    pytest.mark.skipif(len(SEED_FILES) != 5, reason="shared/seeds (5 seed reports) not available"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    db = tmp_path_factory.mktemp("browser") / "archive.db"
    ids = build_archive(db)
    server = Server(db)
    browser = Browser()
    page = browser.new_page()
    yield {"base": server.base, "ids": ids, "page": page}
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


def test_report_page(site):
    rid = site["ids"]["001_759fee5d4dfad9d3.txt"]
    text = visit(site, f"/archive/reports/{rid}", "document.querySelector('table.rows-and-columns, dl, table')",
                 "report-page")
    assert "县政府办2022年政府信息公开工作年度报告" in text    # the title as printed in seed 001
    assert "栾川县" in text and "410324" in text
    assert "cells" in text and "sections" in text          # links to its cells and sections


def test_dashboard_chart_renders_years(site):
    ready = ("document.querySelector('#chart-requests-over-years svg') && "
             "document.querySelector('#chart-refusals-by-reason svg') && "
             "document.querySelector('#chart-reports-count').innerText.includes('reports')")
    visit(site, "/-/dashboards/overview", ready, "dashboard")
    page = site["page"]
    years = page.evaluate("document.querySelector('#chart-requests-over-years svg').textContent")
    for year in ("2020", "2021", "2022", "2023"):                  # years of the seeds and hand-made reports
        assert year in years
    assert "8 reports" in page.evaluate("document.querySelector('#chart-reports-count').innerText")
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
    assert "5 rows" in text and "灵武市" in text and "城关区" not in text
