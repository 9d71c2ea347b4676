"""Shortfalls are statuses with evidence, never silence (issue 10). Three small portals written here, crawled by
the real spider:

* a 年报 column whose JSON list holds 13 report titles and no URL field (ids only): `unparsed_list`, with the
  number of titles seen and read;
* a Fujian-style list that declares 18 records, shows 15 and whose search service answers 404: `partial`, with
  declared and collected counts;
* a jpaas shell whose queryData literal is cut off: the adapter raises, the portal is `adapter_error` with the
  exception as evidence — and the reports its static HTML shows are still found by the generic reader;
* a hostile column (issue 14): 100,000 links on the list page and a report page linking 200 files that answer 404:
  the crawl goes through, at most NIANBAO_MAX_ATTACHMENTS_PER_REPORT files are asked for (`attachments_capped`),
  and every failed fetch is an errors row.
"""
from __future__ import annotations

import json

import pytest

from crawler import run
from crawler.sample_portals import catalog
from crawler.sample_portals.portal import Portal
from crawler.sample_portals.server import PortalHTTPServer, RequestLog, ServerHandle
from crawler.sample_portals.web import Request, esc, json_response

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

HUZHU = catalog.County("630223", "互助土族自治县", "互助县", "海东市", "青")
HUALONG = catalog.County("630224", "化隆回族自治县", "化隆县", "海东市", "青")
XUNHUA = catalog.County("630225", "循化撒拉族自治县", "循化县", "海东市", "青")
QILIAN = catalog.County("632222", "祁连县", "祁连县", "海北藏族自治州", "青")


def titles(county, n):
    units = ["人民政府", "人民政府办公室", "教育局", "财政局", "卫生健康局", "自然资源局", "民政局", "审计局",
             "交通运输局", "水利局", "林业和草原局", "文体旅游局", "统计局", "市场监督管理局", "应急管理局",
             "司法局", "农业农村局", "商务局"]
    return [f"{county.short if i > 1 else county.name}{units[i]}2023年政府信息公开工作年度报告" for i in range(n)]


class Base(Portal):
    with_added = False

    def assign_paths(self):
        pass

    def home(self):
        return self.nav_page(self.site.name, [("/zwgk/index.html", "政府信息公开")])

    def route(self, req: Request):
        if req.path in ("/", "/index.html"):
            return self.home()
        if req.path == "/zwgk/index.html":
            return self.nav_page("政府信息公开", [("/zwgk/nb/index.html", "政府信息公开年报")])
        answer = self.column(req)
        if answer is None and req.path.startswith("/zwgk/nb/t"):
            return self.html("报告", f"<h1>{esc(req.path)}</h1><p>一、总体情况</p>")
        return answer


class UnreadableJson(Base):
    def column(self, req):
        if req.path == "/zwgk/nb/index.html":
            return self.html("年报", '<div id="list"></div><script>$.getJSON("/api/nb/list.json?page=1", '
                                     'function(r){ render(r.rows); });</script>')
        if req.path == "/api/nb/list.json":
            rows = [{"id": 101 + i, "title": t, "pubDate": "2024-03-28"} for i, t in enumerate(titles(self.county, 13))]
            return json_response({"total": 13, "rows": rows})  # no URL anywhere: a template builds it from id
        return None


class DeclaresMore(Base):
    def column(self, req):
        if req.path == "/zwgk/nb/index.html":
            lis = "".join(f'<li><a href="./t2024032{i % 10}_{900 + i}.htm">{t}</a><span>2024-03-28</span></li>'
                          for i, t in enumerate(titles(self.county, 15)))
            model = ("listModel({Mode:'wasdoc', url:'/fjdzapp/search', listArgs:{channelid:'abc'}, "
                     "pagebar:{recordCount:'18', prepage:15}});")
            return self.html("年报", f'<ul class="list-1">{lis}</ul><a href="javascript:;">下一页</a>'
                                     f"<script>{model}</script>")
        return None  # /fjdzapp/search: 404


class BrokenLiteral(Base):
    def column(self, req):
        if req.path == "/zwgk/nb/index.html":
            lis = "".join(f'<li><a href="/zwgk/nb/t20240328_{700 + i}.html" title="{t}">{t}</a><span>2024-03-28</span>'
                          f"</li>" for i, t in enumerate(titles(self.county, 4)))
            tag = ('<script src="/cms_files/default/script/AuthorizedRead/unitbuild.js" '
                   'url="/api-gateway/jpaas-publish-server/front/page/build/unit" '
                   'queryData="{&#x27;webId&#x27;:&#x27;3185&#x27;,&#x27;pageId&#x27;:"></script>')
            return self.html("年报", f"<ul>{lis}</ul>{tag}")
        return None


class Hostile(Base):
    def column(self, req):
        if req.path == "/zwgk/nb/index.html":
            junk = "".join(f'<a href="/x/{i}.html">信息{i}</a> ' for i in range(100_000))
            lis = "".join(f'<li><a href="/zwgk/nb/t20240328_{600 + i}.html">{t}</a><span>2024-03-28</span></li>'
                          for i, t in enumerate(titles(self.county, 3)))
            return self.html("年报", f"<ul>{lis}</ul><div>{junk}</div>")
        if req.path == "/zwgk/nb/t20240328_600.html":
            files = "".join(f'<p><a href="/f/{i}.pdf">附件{i}.pdf</a></p>' for i in range(200))
            return self.html("报告", f"<h1>报告</h1><p>一、总体情况</p>{files}")
        return None


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    log = RequestLog()
    servers = [PortalHTTPServer(("127.0.0.1", 0), cls(county, n, []), log, None)
               for n, (cls, county) in enumerate([(UnreadableJson, HUZHU), (DeclaresMore, HUALONG),
                                                  (BrokenLiteral, XUNHUA), (Hostile, QILIAN)])]
    handle = ServerHandle(servers, log)
    work = tmp_path_factory.mktemp("shortfalls")
    try:
        csv_path = work / "portals.csv"
        csv_path.write_text("adcode,name,url\n" + "".join(
            f"{s.portal.county.adcode},{s.portal.county.name},{handle.urls[s.portal.county.adcode]}/\n"
            for s in servers), encoding="utf-8")
        summary = run.crawl(work / "archive.db", portals_csv=str(csv_path), allow_loopback=True,
                            settings={**run.FAST_SETTINGS, "NIANBAO_EXTRACT": "False"})
        yield {p["adcode"]: p for p in summary["portals"]}, handle.request_log(), work / "archive.db"
    finally:
        handle.stop()


def test_a_json_list_nobody_could_read_is_unparsed_list(crawl):
    portals, *_ = crawl
    p = portals[HUZHU.adcode]
    assert p["status"] == "unparsed_list" and p["reports_found"] == 0
    [evidence] = [s for s in p["detail"]["shortfalls"] if s["kind"] == "unparsed_list"]
    assert evidence["report_titles"] == 13 and evidence["read"] == 0
    assert evidence["url"].endswith("/api/nb/list.json?page=1") and "rows" in evidence["keys"]
    assert len(evidence["missing"]) == 5 and all("年度报告" in t for t in evidence["missing"])


def test_a_list_declaring_more_than_collected_is_partial(crawl):
    portals, log, _ = crawl
    p = portals[HUALONG.adcode]
    assert p["status"] == "partial" and p["reports_found"] == 15
    [evidence] = [s for s in p["detail"]["shortfalls"] if s["kind"] == "declared_more"]
    assert (evidence["declared"], evidence["collected"]) == (18, 15)
    assert evidence["url"].endswith("/zwgk/nb/index.html")
    assert any(e["path"] == "/fjdzapp/search" and e["method"] == "POST" and e["status"] == 404 for e in log)


def test_an_adapter_exception_is_adapter_error_and_the_generic_reader_still_reads(crawl):
    portals, *_ = crawl
    p = portals[XUNHUA.adcode]
    assert p["status"] == "adapter_error"
    errors = [s for s in p["detail"]["shortfalls"] if s["kind"] == "adapter_error"]
    assert errors and errors[0]["adapter"] == "jpaas" and errors[0]["call"] == "list_requests"
    assert errors[0]["url"].endswith("/zwgk/nb/index.html") and errors[0]["error"]
    assert p["reports_found"] == 4  # the static items, read by the generic reader behind the adapter


def test_statuses_are_known_to_the_store_and_to_nianbao_status(tmp_path):
    from storage import Archive
    from storage.schema import PORTAL_STATUSES
    from storage.serving.health import portal_health

    assert {"partial", "unparsed_list", "adapter_error"} <= set(PORTAL_STATUSES)
    with Archive(tmp_path / "a.db") as archive:
        archive.registry.import_rows([{"adcode": HUALONG.adcode, "name": HUALONG.name, "url": "http://x/"}],
                                     source="test")
        run_id = archive.crawl.start_run({})
        detail = {"shortfalls": [{"kind": "declared_more", "url": "http://x/nb/", "declared": 18, "collected": 15}]}
        archive.crawl.set_portal_status(run_id, HUALONG.adcode, "partial", detail, 15, 20)
        with pytest.raises(ValueError, match="unknown portal status"):
            archive.crawl.set_portal_status(run_id, HUALONG.adcode, "fine", {}, 0, 0)
        [row] = [r for r in portal_health(archive) if r["adcode"] == HUALONG.adcode]
    assert row["status"] == "partial" and json.loads(json.dumps(row))["shortfall"] == "declared_more"


def test_a_hostile_column_is_read_and_its_files_capped(crawl):
    import sqlite3

    portals, log, db = crawl
    p = portals[QILIAN.adcode]
    assert p["reports_found"] == 3 and p["status"] == "partial", p["detail"]
    [capped] = [s for s in p["detail"]["shortfalls"] if s["kind"] == "attachments_capped"]
    assert (capped["linked"], capped["fetched"]) == (200, 30)
    asked = [e for e in log if e["adcode"] == QILIAN.adcode and e["path"].startswith("/f/")]
    assert len(asked) == 30 and not [e for e in log if e["path"].startswith("/x/")]
    con = sqlite3.connect(db)
    try:
        failed = con.execute("SELECT COUNT(*) FROM errors WHERE stage = 'fetch' AND source LIKE '%/f/%'").fetchone()[0]
    finally:
        con.close()
    assert failed == 30 and p["detail"]["failures_total"] >= 30  # every failed fetch is recorded
