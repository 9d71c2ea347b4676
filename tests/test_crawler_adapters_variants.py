"""Adapters of issue 10 on small pages written from portal-variants.md (expected values read off the pages by hand):
the choice per page, JavaScript literals, the new families, and the generic reader that runs behind all of them."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.adapters import GENERIC, choose, for_platform
from crawler.adapters.generic import ajax_calls, json_next_pages, report_titles, title_key
from crawler.discovery import Page

H = "http://www.xx.gov.cn"


def page(url: str, text: str, **meta) -> Page:
    return Page(url, text.encode("utf-8"), text, 200, {}, dict(meta))


def jpage(url: str, data, **meta) -> Page:
    return page(url, json.dumps(data, ensure_ascii=False), **meta)


# -- the adapter is chosen per page -----------------------------------------------------------------------------
GKMLPT_ON_TRS = ('<div class="position"><a class="CurrChnlCls" href="/">首页</a></div><div id="app"></div>'
                 "<script>window._CONFIG = {SID: '175', TREE: [{name: '政府信息公开年报', id: 721, children: []}]};"
                 "</script>")


@pytest.mark.parametrize("url, body, expected", [
    (H + "/", '<a class="CurrChnlCls" href="/zwgk/">政务公开</a><script>createPageHTML(3,0,"index","html")</script>',
     "trs"),
    (H + "/zqhjj/gkmlpt/index", GKMLPT_ON_TRS, "gkmlpt"),  # TRS chrome, but the page is the gkmlpt platform
    (H + "/gkmlpt/api/all/721?page=1&sid=175", {"articles": [], "classify": {"post_count": 0}}, "gkmlpt"),
    (H + "/api/list", {"data": [{"title": "某县2023年报", "url": "/zwgk/202403/t20240328_1.html"}]}, "generic"),
    (H + "/api", {"success": True, "data": {"html": "<ul></ul>"}}, "jpaas"),
    (H + "/rest/getGovInfoDetail", {"custom": {"data": {"title": "x", "infocontent": "<p>x</p>"}}}, "epoint"),
    (H + "/nb/index.htm", "<ul class='list-1'></ul><script>listModel({Mode:'wasdoc'})</script>", "fujian"),
    (H + "/info/iList.jsp?node_id=GKmzs&cat_id=1", "<table></table>", "deya"),
    (H + "/nb/", '<script>$.getJSON("/common/search/abc123def456?_isJson=true&page=1")</script>', "ucap"),
    (H + "/Category_8/Index.aspx", '<a href="/Item/12.aspx">x</a>', "powereasy"),
    (H + "/x.html", "<p>nothing known</p>", "generic"),
])
def test_choice_is_per_page_from_its_signature(url, body, expected):
    p = page(url, body) if isinstance(body, str) else jpage(url, body)
    assert choose(p).name == expected


def test_a_failing_signature_check_is_reported_not_hidden():
    class Broken:
        name, reads_replies = "broken", True

        def claims(self, page):
            raise RuntimeError("boom")

    from crawler import adapters

    errors: list = []
    saved = adapters.ORDER
    adapters.ORDER = (Broken(),) + saved
    try:
        assert choose(page(H + "/", '<a class="CurrChnlCls">x</a>'), errors).name == "trs"
    finally:
        adapters.ORDER = saved
    assert [(name, str(exc)) for name, exc in errors] == [("broken", "boom")]


# -- jpaas: queryData is a JavaScript literal -----------------------------------------------------------------------
def shell(query_data: str, extra: str = "") -> Page:
    return page(H + "/col/col9d1c/index.html",
                '<script src="/cms_files/default/script/AuthorizedRead/unitbuild.js" '
                f'url="/api-gateway/jpaas-publish-server/front/page/build/unit" queryData="{query_data}"></script>'
                + extra)


def test_jpaas_literal_with_null_and_a_json_string_value():
    adapter = for_platform("jpaas")
    literal = ("{'webId':'66','pageId':'9d1c','parseType':'buildstatic','pageType':'column','tagId':'当前栏目_list',"
               "'editType':null,'paramJson':'{\"pageNo\":1,\"pageSize\":10}'}").replace('"', "&quot;")
    [fetch] = adapter.list_requests(shell(literal))
    q = {k: v[0] for k, v in parse_qs(urlsplit(fetch.url).query).items()}
    assert q["editType"] == "null" and q["tagId"] == "当前栏目_list" and q["parseType"] == "buildstatic"
    assert json.loads(q["paramJson"]) == {"pageNo": 1, "pageSize": 10}


def test_jpaas_flat_paging_dialect_and_static_first_page():
    adapter = for_platform("jpaas")
    static = ("<ul><li><a href='/art/2024/1/1/art_1_1.html'>某县2023年政府信息公开工作年度报告</a></li></ul>"
              "<table class='pagination' count='23' rows='10' pageNo='1'></table>")
    [fetch] = adapter.list_requests(shell("{'webId':'1','pageId':'2','pageNo':1,'rows':10}", static))
    q = {k: v[0] for k, v in parse_qs(urlsplit(fetch.url).query).items()}
    assert (q["pageNo"], q["rows"]) == ("2", "10") and "paramJson" not in q  # page 1 was static: the API from 2
    assert adapter.declared_total(shell("{'webId':'1'}", static)) == 23


def test_jpaas_cut_off_literal_raises():
    with pytest.raises(Exception):
        for_platform("jpaas").list_requests(shell("{'webId':'3185','pageId':"))


# -- gkmlpt -----------------------------------------------------------------------------------------------------------
def test_gkmlpt_tree_read_as_an_object_and_a_department_prefix():
    adapter = for_platform("gkmlpt")
    [fetch] = adapter.list_requests(page(H + "/zqhjj/gkmlpt/index", GKMLPT_ON_TRS))
    assert fetch.url == H + "/zqhjj/gkmlpt/api/all/721?page=1&sid=175"
    reply = jpage(fetch.url, {"total": 3, "articles": [
        {"title": "某局2023年政府信息公开工作年度报告", "url": H + "/zqhjj/gkmlpt/content/1/2/post_3.html",
         "create_time": 1711589400}]}, gkmlpt=fetch.data["gkmlpt"])
    [item] = adapter.list_items(reply)
    assert item.date == "2024-03-28"  # create_time, epoch seconds
    [nxt] = adapter.list_requests(reply)  # 1 of 3 collected: the next page, under the same prefix
    assert nxt.url == H + "/zqhjj/gkmlpt/api/all/721?page=2&sid=175"


# -- Fujian -------------------------------------------------------------------------------------------------------------
FUJIAN = ("<ul class='list-1'>" + "".join(f"<li><a href='./202403/t20240328_{i}.htm'>某县2023年报{i}</a>"
                                         f"<span>2024-03-28</span></li>" for i in range(15)) + "</ul>"
          "<script>listModel({Mode:'wasdoc', listArgs:{channelid:'c1', classsql:'chnlid=9'}, "
          "pagebar:{recordCount:'40', prepage:15}});</script>")


def test_fujian_declares_its_records_and_asks_the_search_for_the_rest():
    adapter = for_platform("fujian")
    p = page(H + "/zwgk/zfxxgknb/index.htm", FUJIAN)
    assert adapter.declared_total(p) == 40
    posts = [f for f in adapter.list_requests(p) if f.method == "POST"]
    assert [parse_qs(f.body)["page"] for f in posts] == [["2"], ["3"]]
    assert parse_qs(posts[0].body)["channelid"] == ["c1"] and posts[0].url == H + "/fjdzapp/search"
    reply = jpage(H + "/fjdzapp/search", {"recordCount": 40, "data": [
        {"doctitle": "某县财政局2023年政府信息公开工作年度报告", "docpuburl": H + "/zwgk/202403/t20240305_9.htm",
         "docreltime": "2024.03.05 14:48:00", "files": [{"filename": "年报.pdf", "url": "/zwgk/202403/P0.pdf"}]}]})
    [item] = adapter.list_items(reply)
    assert (item.date, [a.url for a in item.attachments]) == ("2024-03-05", [H + "/zwgk/202403/P0.pdf"])


# -- deya, UCAP, Epoint lists ---------------------------------------------------------------------------------------------
def test_deya_pages_by_cur_page():
    adapter = for_platform("deya")
    p = page(H + "/info/iList.jsp?node_id=GKmzs&cat_id=15971",
             '<div class="pager">共 14 条 当前第 1/3 页 <a href="javascript:goPage(2)">下一页</a></div>')
    urls = [f.url for f in adapter.list_requests(p) if f.kind == "list"]
    assert urls == [H + "/info/iList.jsp?node_id=GKmzs&cat_id=15971&cur_page=2",
                    H + "/info/iList.jsp?node_id=GKmzs&cat_id=15971&cur_page=3"]
    assert adapter.declared_total(p) == 14


def test_common_search_json_column():
    adapter = for_platform("ucap")
    shell_page = page(H + "/nb/", '<script>$.getJSON("/common/search/4f9a2c7e?_isAgg=false&_isJson=true'
                                  '&_pageSize=6&_template=index&page=1", f)</script>')
    [first] = [f for f in adapter.list_requests(shell_page) if "common/search" in f.url]
    assert parse_qs(urlsplit(first.url).query)["page"] == ["1"]
    reply = jpage(first.url, {"data": {"total": 14, "rows": 6, "results": [
        {"title": "某县2023年政府信息公开<em>年度报告</em>", "url": H + "/art/1.html", "publishedTimeStr": "2024-03-28"}]}})
    [item] = adapter.list_items(reply)
    assert item.title == "某县2023年政府信息公开年度报告" and item.date == "2024-03-28"
    assert [parse_qs(urlsplit(f.url).query)["page"] for f in adapter.list_requests(reply)] == [["2"], ["3"]]
    assert adapter.declared_total(reply) == 14


def test_epoint_getgovinfolist_posts_json_and_reads_a_json_string_custom():
    adapter = for_platform("epoint")
    shell_page = page(H + "/dynamic/zwgk/govInfoPub.html?categorynum=003001005",
                      '<script>var siteGuid = "g-1"; var deptcode = ""; $.ajax({url: '
                      '"/EWB-FRONT/rest/lightfrontaction/getgovinfolist", type: "post"});</script>')
    [fetch] = [f for f in adapter.list_requests(shell_page) if f.method == "POST"]
    body = json.loads(fetch.body)
    assert body == {"siteGuid": "g-1", "categorynum": "003001005", "deptcode": "", "pageIndex": 1, "pageSize": 15}
    custom = json.dumps({"total": 31, "data": [{"infourl": "/xxgk/003001005/20240328/a.html",
                                                "realtitle": "某县2023年政府信息公开工作年度报告", "title": "某县2023年…"}]})
    reply = jpage(fetch.url, {"custom": custom}, epoint=fetch.data["epoint"])
    [item] = adapter.list_items(reply)
    assert item.title == "某县2023年政府信息公开工作年度报告" and item.url == H + "/xxgk/003001005/20240328/a.html"
    assert [json.loads(f.body)["pageIndex"] for f in adapter.list_requests(reply)] == [2, 3]


# -- the generic reader -------------------------------------------------------------------------------------------------
def test_generic_reader_pairs_titles_and_urls_whatever_the_keys():
    data = {"code": 200, "data": {"allRow": 3, "list": [
        {"TITLE": "某县2023年政府信息公开工作年度报告", "URL": "/nb/t1.shtml", "PUBLISHED_TIME_FORMAT": "2024-03-28",
         "IMG": "/img/a.png"},
        {"docTitle": "某县教育局2023年政府信息公开工作年度报告", "pic": "/p.jpg", "link": "nb/t2.shtml"},
        {"name": "<em>某县</em>财政局2023年年报", "pcUrl": "http://www.xx.gov.cn/nb/t3.shtml",
         "attachments": [{"fileName": "年报.pdf", "filePath": "/f/3.pdf"}]}]}}
    items = {i.title: i for i in GENERIC.list_items(jpage(H + "/api/list?page=1", data, list_base=H + "/nb/index.html"))}
    assert items["某县2023年政府信息公开工作年度报告"].url == H + "/nb/t1.shtml"
    assert items["某县2023年政府信息公开工作年度报告"].date == "2024-03-28"
    assert items["某县教育局2023年政府信息公开工作年度报告"].url == H + "/nb/nb/t2.shtml"  # relative to the list page
    third = items["某县财政局2023年年报"]
    assert third.url == H + "/nb/t3.shtml" and [a.url for a in third.attachments] == [H + "/f/3.pdf"]


def test_generic_reader_html_fragments_json_strings_and_jsonp():
    fragment = {"result": json.dumps({"html": "<ul><li><a href='/a/1.html' title='某县2023年政府信息公开工作年度报告'>某县…"
                                              "</a><b>2024-01-20</b></li></ul>"})}
    [item] = GENERIC.list_items(jpage(H + "/api", fragment))
    assert (item.title, item.url, item.date) == ("某县2023年政府信息公开工作年度报告", H + "/a/1.html", "2024-01-20")
    jsonp = page(H + "/api?callback=cb", 'cb({"rows": [{"title": "某县2022年政府信息公开工作年度报告", "url": "/b.html"}]});')
    assert [i.url for i in GENERIC.list_items(jsonp)] == [H + "/b.html"]


def test_report_titles_of_a_reply_leave_out_category_and_file_names():
    data = {"classify": "政府信息公开年报", "rows": [
        {"id": 1, "title": "某县2023年政府信息公开工作年度报告"},
        {"id": 2, "title": "某县教育局2023年政府信息公开工作年度报告", "file": "某县教育局2023年政府信息公开工作年度报告.pdf"}]}
    assert report_titles(jpage(H + "/api", data)) == {title_key("某县2023年政府信息公开工作年度报告"),
                                                      title_key("某县教育局2023年政府信息公开工作年度报告")}


@pytest.mark.parametrize("method, body, url, expect", [
    ("GET", None, H + "/api/list?page=1&size=10", [H + "/api/list?page=2&size=10", H + "/api/list?page=3&size=10"]),
    ("POST", "pageIndex=1&lm=nb", H + "/api/load", ["pageIndex=2&lm=nb", "pageIndex=3&lm=nb"]),
    ("POST", '{"pageNo":1,"lm":"nb"}', H + "/api/load", ['{"pageNo":2,"lm":"nb"}', '{"pageNo":3,"lm":"nb"}']),
    # Epoint getJyInfoList: form params=<JSON>, 0-based pageIndex (0, 1, 2 are the three pages)
    ("POST", "params=%7B%22pageIndex%22%3A0%2C%22categorymum%22%3A%22003%22%7D", H + "/infolist/getJyInfoList",
     ["params=%7B%22pageIndex%22%3A1%2C%22categorymum%22%3A%22003%22%7D",
      "params=%7B%22pageIndex%22%3A2%2C%22categorymum%22%3A%22003%22%7D"]),
])
def test_generic_json_paging_where_the_page_number_is(method, body, url, expect):
    data = {"total": 25, "list": [{"title": f"t{i}", "url": f"/{i}.html"} for i in range(10)]}
    p = jpage(url, data, request={"method": method, "body": body, "headers": {}})
    got = [f.url if method == "GET" else f.body for f in json_next_pages(data, p)]
    assert got == expect
    last = jpage(url.replace("page=1", "page=3"), {"total": 25, "list": [{"title": "x", "url": "/x"}] * 5},
                 request={"method": "GET", "body": None, "headers": {}})
    if method == "GET":  # a last page's 5 records do not make the page size 5
        assert json_next_pages({"total": 25, "list": [{"title": "x", "url": "/x"}] * 5}, last) == []


def test_ajax_calls_read_from_scripts():
    p = page(H + "/nb/index.html", """<script>
      $.ajax({ url: "/szinf/loadData?pageSize=8", type: "post", data: {pageIndex: 1, lmid: "nb"}, success: function(r){} });
      $.post("/api/more", {page: 1}, function(r){});
      $.ajax({ url: "/EWB/list", type: "post", data: JSON.stringify({ siteGuid: siteGuid }) });
      $.getJSON("/static/menu.js");
    </script>""")
    calls = [(f.method, f.url, f.body) for f in ajax_calls(p)]
    assert calls == [("POST", H + "/szinf/loadData?pageSize=8", "pageIndex=1&lmid=nb"),
                     ("POST", H + "/api/more", "page=1")]
