"""Markup in the archive never runs: reports whose title, agency, section text, flag detail and URLs carry
<script>, "><img onerror>, <svg onload> and javascript: URLs, served by a real `nianbao serve`, and every page that
shows them opened in headless Chromium (a script that runs sets window.__xss or opens a dialog: the test fails)
and read as raw HTML (no unescaped payload, no javascript: link).

New pages are covered by adding their path to PAGES (with {rid} for the hostile report's id).
"""
from __future__ import annotations

import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from test_serve_fixture import HAND, Server, build_archive  # noqa: E402

from extract.model import Check, ExtractionResult, Flag, KeyedCell, Metadata, Section  # noqa: E402
from storage import Archive, Sighting  # noqa: E402

SCRIPT = "<script>window.__xss='script'</script>"
ATTR = "\"><img src=x onerror=\"window.__xss='attr'\">"
SVG = "<svg onload=\"window.__xss='svg'\"></svg>"
JS_URL = "javascript:window.__xss='url'"
MARKDOWN = "[click](javascript:window.__xss='md') <a href=\"javascript:window.__xss='a'\">a</a>"

# Every page that shows report data. {rid}: the hostile report; {q}: a search that finds it.
PAGES = [
    "/", "/archive",
    "/archive/reports", "/archive/reports/{rid}",
    "/archive/report_summary", "/archive/report_summary/{rid}", "/archive/report_summary?_search={q}",
    "/archive/report_summary?_facet=agency&_facet=title",
    "/archive/sections?report_id={rid}", "/archive/sections/{rid},0",
    "/archive/flags?report_id={rid}", "/archive/documents", "/archive/report_sources", "/archive/errors",
    "/archive/check_failures", "/archive/applications_wide?report_id={rid}", "/archive/coverage?region_code=" + HAND,
    "/archive/search?q={q}", "/archive/requests_per_county?year=2022", "/archive/late_reports",
    "/archive/reports_failing_checks", "/archive/feed_new_reports", "/archive/feed_check_failures",
    "/archive?sql=select+title,+agency,+url+from+reports",
    "/-/dashboards/overview",
]
FEEDS = ["/archive/feed_new_reports.atom?province=", "/archive/feed_check_failures.atom?province="]


def hostile_report() -> ExtractionResult:
    meta = Metadata(title=f"标题{SCRIPT}{ATTR}", year=2022, region_code=HAND, region_name="城关区", province="甘肃省",
                    prefecture="兰州市", region_source="hint", agency=f"局{ATTR}{SVG}", agency_kind="department",
                    published_date="2023-01-20", region_level="county", agency_key=f"{HAND}|hostile")
    text = f"总体情况{SCRIPT}{ATTR}{SVG}{MARKDOWN} {JS_URL}"
    return ExtractionResult(
        source=JS_URL, template="gb2021", meta=meta, format="html",
        sections=[Section("overview", "一", f"一、总体情况{SCRIPT}", text)],
        cells=[KeyedCell("applications", "new_received", "total", 1.0, f"1{SCRIPT}", "num")],
        checks=[Check("R1", "applications", None, "total", "fail", "fail", "fail", 1.0, 2.0, 1.0, 2.0,
                      f"check {SCRIPT}{ATTR}")],
        flags=[Flag("region_from_body", f"flag {SCRIPT}{ATTR}", {"url": JS_URL})])


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    db = tmp_path_factory.mktemp("escaping") / "archive.db"
    build_archive(db)
    with Archive(db) as archive:
        doc = archive.add_document(b"<html>hostile</html>", url=JS_URL, content_type="text/html")
        rid = archive.write_extraction(hostile_report(), Sighting(JS_URL, [doc], url=JS_URL))
    server = Server(db)
    yield {"base": server.base, "rid": rid, "server": server}
    server.stop()


def page_paths(site) -> list[str]:
    q = urllib.parse.quote("标题")
    return [p.format(rid=site["rid"], q=q) for p in PAGES]


def fetch(site, path: str) -> tuple[int, str, object]:
    try:
        with urllib.request.urlopen(site["base"] + path, timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8", "replace"), resp.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace"), exc.headers


JS_LINK = re.compile(r"""(href|src|action|formaction|xlink:href)\s*=\s*["']?\s*(javascript|vbscript|data):""", re.I)


def test_the_hostile_report_is_shown(site):
    status, html, _ = fetch(site, f"/archive/reports/{site['rid']}")
    assert status == 200 and "标题" in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("index", range(len(PAGES)), ids=PAGES)
def test_raw_html_has_the_markup_escaped(site, index):
    path = page_paths(site)[index]
    status, html, headers = fetch(site, path)
    assert status == 200, (path, status, html[:500])
    for payload in ("<script>window.__xss", "<img src=x onerror", "<svg onload"):
        assert payload not in html, (path, payload)
    assert not JS_LINK.search(html), (path, JS_LINK.search(html).group(0))
    assert headers.get("X-Content-Type-Options") == "nosniff"


@pytest.mark.parametrize("path", FEEDS)
def test_feeds_escape_the_markup(site, path):
    status, xml, headers = fetch(site, path)
    assert status == 200 and headers.get("Content-Type", "").startswith("application/xml"), (status, xml[:300])
    assert "标题" in xml and "<script>" not in xml and "<img " not in xml


def test_json_is_served_as_json(site):
    status, body, headers = fetch(site, f"/archive/reports/{site['rid']}.json")
    assert status == 200 and headers.get("Content-Type", "").startswith("application/json")
    assert SCRIPT.replace("/", "\\/") in body or SCRIPT in body  # the data itself is kept as written


@pytest.fixture(scope="module")
def browser_page():
    cdp = pytest.importorskip("cdp")
    if not Path(cdp.CHROMIUM).exists():
        pytest.skip("/usr/bin/chromium is absent (apt-get install chromium)")
    browser = cdp.Browser()
    page = browser.new_page()
    yield page
    page.close()
    browser.close()


@pytest.mark.parametrize("index", range(len(PAGES)), ids=PAGES)
def test_no_script_runs_in_the_browser(site, browser_page, index):
    path = page_paths(site)[index]
    page = browser_page
    page.goto(site["base"] + path)
    page.wait_for("document.readyState === 'complete'")
    # Give late scripts (maps, charts) their turn: wait for a round trip through the page's own event loop.
    page.evaluate("new Promise(r => setTimeout(r, 300))")
    dialogs = [e for e in page.events if e.get("method") == "Page.javascriptDialogOpening"]
    assert dialogs == [], (path, dialogs)
    assert page.evaluate("window.__xss === undefined"), (path, page.evaluate("String(window.__xss)"))
    links = page.evaluate("[...document.querySelectorAll('a[href], [src]')].map(e => e.href || e.src)"
                          ".filter(u => /^\\s*(javascript|vbscript|data):/i.test(u))")
    assert links == [], (path, links)
