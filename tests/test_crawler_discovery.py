"""Discovery pieces of issue 10 on small pages: list records and their dates (linear in the page), pagers that are
not calendars, TRS pager dialects, per-unit 信息公开 pages, site search forms, Traditional-script titles, and the
revisit policy. Expected values are read off the pages by hand."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from crawler import discovery
from crawler.classify import classify, region_names_for
from crawler.discovery import Link
from crawler.revisit import RevisitPolicy, spread

H = "http://www.xx.gov.cn"


def links(html: str, base: str = H + "/nb/index.html"):
    return discovery.extract_links(html, base)


# -- list records ------------------------------------------------------------------------------------------------
def test_dates_come_from_each_links_own_record():
    html = ("<ul><li><a href='a.html'>某县2023年报</a><span>2024-03-28</span></li>"
            "<li><a href='b.html' title='某县2022年政府信息公开工作年度报告'>某县2022年…</a><b>2023-03-27</b></li></ul>"
            "<table><tr><td><a href='c.html'>某县2021年报</a></td><td>2022-03-20</td></tr></table>"
            "<div><a href='d.html'>某县2020年报</a> 2021-01-08 <a href='e.html'>某县2019年报</a> 2020-02-02</div>")
    got = {link.url.rsplit("/", 1)[1]: (link.text, link.date) for link in links(html)}
    assert got == {"a.html": ("某县2023年报", "2024-03-28"),
                   "b.html": ("某县2022年政府信息公开工作年度报告", "2023-03-27"),  # the title attribute, not the cut text
                   "c.html": ("某县2021年报", "2022-03-20"),
                   "d.html": ("某县2020年报", "2021-01-08"), "e.html": ("某县2019年报", "2020-02-02")}


def test_record_links_are_the_dated_entries_not_the_menus():
    html = ("<div class='nav'><a href='/'>首页</a><a href='/zwgk/'>政务公开</a></div>"
            "<ul><li><a href='one.html'>某县2023年政府信息公开工作年度报告</a><span>2024-03-28</span></li></ul>"
            "<div class='footer'><a href='http://beian.miit.gov.cn/'>青ICP备05000123号-1</a></div>")
    assert [link.url for link in discovery.record_links(links(html))] == [H + "/nb/one.html"]  # a list of one
    undated = "<ul>" + "".join(f"<li><a href='{i}.html'>某县第{i}号政府信息公开通知文件</a></li>" for i in range(4)) + "</ul>"
    assert len(discovery.record_links(links(undated + "<p><a href='/'>首页</a></p>"))) == 4


def test_link_reading_is_linear_in_the_page():
    """20,000 links in one container (issue 14: 8,000 links took 23 s when each link read the container's text).
    Each date is still the one next to its own link."""
    n = 20_000
    html = "<div>" + "".join(f"<a href='/a/{i}.html'>某县第{i}号文件</a> 2024-01-{i % 28 + 1:02d} " for i in range(n)) \
        + "</div>"
    got = links(html)
    assert len(got) == n
    assert got[0].date == "2024-01-01" and got[9_999].date == f"2024-01-{9_999 % 28 + 1:02d}"


# -- pagers ------------------------------------------------------------------------------------------------------
def test_calendars_and_sort_orders_are_not_pagers():
    html = ("<a href='index.html?date=2024-05-01'>1</a><a href='index.html?date=2024-05-02'>2</a>"
            "<a href='index.html?date=2024-06'>&gt;</a><a href='index.html?sort=time'>按时间</a>"
            "<a href='index_1.html'>2</a><a href='list.jsp?page=3'>3</a><a href='list.jsp?page=2'>下一页</a>")
    got = discovery.pager_links(links(html), H + "/nb/index.html")
    assert got == [H + "/nb/index_1.html", H + "/nb/list.jsp?page=3", H + "/nb/list.jsp?page=2"]
    cell = Link(H + "/nb/index.html?date=2024-05-01", "1")
    assert discovery.column_link_score(cell) == 0 and not discovery.subcolumn_link(cell, H + "/nb/index_1.html")


@pytest.mark.parametrize("script, pages, declared", [
    ('createPageHTML(3, 0, "index", "html");', ["index_1.html", "index_2.html"], None),
    ("createPageHTML('page_div',3,1,'index','shtml',25);", ["index_2.shtml", "index_3.shtml"], 25),
    ('createPageHTML(45, 3, 0, "index", "html");', ["index_1.html", "index_2.html"], 45),  # records first
    ('createPage(2, 0, "index", "htm");', ["index_1.htm"], None),  # the Chongqing spelling
    ("function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}", [], None),
])
def test_trs_pager_dialects(script, pages, declared):
    urls, got_declared = discovery.trs_pager(f"<script>{script}</script>", H + "/nb/index.html")
    assert urls == [H + "/nb/" + p for p in pages] and got_declared == declared


# -- discovery paths ----------------------------------------------------------------------------------------------
def test_period_sub_columns():
    col = H + "/zwgk/zfxxgknb/indexgb.htm"
    assert discovery.subcolumn_link(Link(H + "/zwgk/zfxxgknb/nlist.htm", "2018年以前"), col)
    assert discovery.subcolumn_link(Link(H + "/zwgk/zfxxgknb/indexgb.htm?y=2019", "2019年"), col)
    assert not discovery.subcolumn_link(Link(H + "/zwgk/zfxxgknb/index_1.htm", "2"), col)


def test_unit_selectors_lead_to_per_unit_pages():
    html = "".join(f"<a href='openInfo.action?depCode={c}'>{u}</a>" for c, u in
                   (("0101", "县教育局"), ("0104", "县财政局"), ("0107", "棉湖镇"))) + \
        "<a href='openInfo.action?depCode=0101&menuCat=219'>政府信息公开年报</a><a href='other.html?depCode=9'>x</a>"
    got = {link.url for link in discovery.unit_links(links(html, H + "/openInfo/index.action"))}
    assert got == {H + f"/openInfo/openInfo.action?depCode={c}" for c in ("0101", "0104", "0107")}


def test_search_forms_with_their_hidden_fields():
    html = ("<form action='/jsearchfront/search.do' method='get'><input type='hidden' name='websiteid' value='33'>"
            "<input type='text' name='q'></form>"
            "<form action='//zs.kaipuyun.cn/s'><input type='hidden' name='siteCode' value='1506000140'>"
            "<input name='searchWord'></form><form method='post' action='/login'><input name='user'></form>")
    forms = discovery.search_forms(discovery.parse_html(html), H + "/")
    assert [(f.url, f.field, f.params) for f in forms] == [
        (H + "/jsearchfront/search.do", "q", {"websiteid": "33"}),
        ("http://zs.kaipuyun.cn/s", "searchWord", {"siteCode": "1506000140"})]
    assert discovery.search_url(forms[0], "政府信息公开年报") == \
        H + "/jsearchfront/search.do?websiteid=33&q=%E6%94%BF%E5%BA%9C%E4%BF%A1%E6%81%AF%E5%85%AC%E5%BC%80%E5%B9%B4%E6%8A%A5"


def test_column_and_platform_entries_in_either_script():
    assert discovery.column_link_score(Link(H + "/col/col9/index.html", "政府信息公開年報")) == 100
    assert discovery.column_link_score(Link(H + "/zwgk/zfxxgkzn/", "政府信息公开指南")) == 0
    assert discovery.is_platform_entry(Link("http://127.0.0.2:8000/zfxxgk_38041/index.shtml", "政府信息公开"))
    assert not discovery.is_platform_entry(Link("http://www.gov.cn/", "中国政府网"))


@pytest.mark.parametrize("title, year, kind", [
    ("瑞安市人民政府2021年政府信息公開工作年度報告", 2021, "government"),
    ("瑞安市教育局2023年度政府資訊公開工作年度報告", 2023, "department"),
    ("塘下鎮人民政府2023年政府信息公開工作年報", 2023, "township"),
])
def test_traditional_titles_are_classified_like_simplified(title, year, kind):
    c = classify(title, region_names=region_names_for("瑞安市", "温州市", "浙江省"))
    assert c.is_report and c.year == year and c.unit_kind == kind


def test_traditional_noise_is_still_noise():
    assert not classify("一圖讀懂瑞安市2023年政府信息公開工作年度報告").is_report


# -- the revisit policy --------------------------------------------------------------------------------------------
NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


def known(published: str, checked: datetime, last_modified: str | None = None, changes: int = 0, **row) -> dict:
    return {"row": {"url": H + "/nb/t1.html", "title": "某县2023年政府信息公开工作年度报告", "published": published,
                    **row},
            "doc": {"fetched_at": checked.isoformat(), "last_modified": last_modified, "versions": changes + 1},
            "attachments": {}, "changes": changes, "complete": True}


def test_an_old_stable_report_is_not_revalidated_weekly():
    policy = RevisitPolicy(clock=NOW)
    three_years = known("2023-03-28", NOW - timedelta(days=7))
    assert policy.due(three_years) == (False, "stable")
    assert policy.due(known("2023-03-28", NOW - timedelta(days=60))) == (False, "stable")
    assert policy.due(known("2023-03-28", NOW - timedelta(days=230))) == (True, "interval")  # ≤ 180 × 1.25 days


def test_a_young_report_is_revisited_within_days_and_one_that_changed_more_often():
    policy = RevisitPolicy(clock=NOW)
    young = "2026-05-01"  # a month old: interval 3 days (× 0.75…1.25)
    assert not policy.due(known(young, NOW - timedelta(days=2)))[0]
    assert policy.due(known(young, NOW - timedelta(days=4)))[0]
    year_old = known("2025-06-01", NOW - timedelta(days=25))  # interval 36.5 days, halved after one change
    assert not policy.due(year_old)[0] and policy.due({**year_old, "changes": 1})[0]
    # the server's Last-Modified says the bytes are younger than the listed date: that counts
    assert policy.due(known("2023-03-28", NOW - timedelta(days=4), "Wed, 20 May 2026 09:30:00 GMT"))[0]


def test_list_signals_make_a_report_due_at_once():
    policy = RevisitPolicy(clock=NOW)
    checked = NOW - timedelta(days=1)
    assert policy.due(None) == (True, "new")
    assert policy.due({**known("2023-03-28", checked), "complete": False}) == (True, "incomplete")
    assert policy.due(known("2023-03-28", checked), listed_title="某县2023年政府信息公开工作年度报告（修订）") == \
        (True, "title_changed")
    assert policy.due(known("2023-03-28", checked), listed_date="2026-06-01") == (True, "listed_date_newer")
    assert RevisitPolicy(enabled=False, clock=NOW).due(known("2023-03-28", checked)) == (True, "always")


def test_attachments_follow_their_page_or_their_own_interval():
    policy = RevisitPolicy(clock=NOW)
    k = known("2023-03-28", NOW - timedelta(days=1))
    assert policy.attachment_due(k, H + "/nb/P0.pdf")  # never archived
    k["attachments"][H + "/nb/P0.pdf"] = {"fetched_at": (NOW - timedelta(days=3)).isoformat(),
                                          "last_modified": None, "versions": 1}
    assert not policy.attachment_due(k, H + "/nb/P0.pdf")


def test_the_spread_per_url_is_fixed_and_bounded():
    values = [spread(f"{H}/nb/t{i}.html") for i in range(500)]
    assert all(0.75 <= v < 1.25 for v in values) and max(values) - min(values) > 0.4
    assert spread(H + "/x") == spread(H + "/x")


def test_a_known_gk_url_is_a_second_start_beside_the_homepage():
    from scrapy.settings import Settings

    from crawler.spiders.portals import PortalsSpider

    spider = PortalsSpider(db=":memory:")
    settings = Settings()
    settings.setmodule("crawler.settings")
    spider.configure(settings)
    spider.load_portals = lambda: [{"adcode": "330381", "name": "瑞安市", "url": "http://www.ruian.gov.cn/",
                                    "gk_url": "http://xxgk.ruian.gov.cn/col/col1229/index.html"}]
    requests = spider.start_requests_list()
    assert [(r.url, r.meta["stage"], r.meta["nav_depth"]) for r in requests] == [
        ("http://www.ruian.gov.cn/", "nav", 0), ("http://xxgk.ruian.gov.cn/col/col1229/index.html", "nav", 1)]
    assert spider.states["330381"].in_scope("http://xxgk.ruian.gov.cn/col/col1230/")
