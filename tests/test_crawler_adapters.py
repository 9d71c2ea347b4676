"""Adapters, discovery and wall detection on small saved pages (tests/fixtures/pages/<platform>/).

Expected values are read off the fixture files by hand (see each fixture)."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from crawler import discovery, walls
from crawler.adapters import for_platform
from crawler.discovery import Page

PAGES = Path(__file__).parent / "fixtures" / "pages"


def load(name: str) -> Page:
    """Rebuild the Scrapy response (so charset handling is Scrapy's), then the adapter Page."""
    body = (PAGES / name).read_bytes()
    info = json.loads((PAGES / f"{name}.headers.json").read_text(encoding="utf-8"))
    headers = Headers(info["headers"])
    cls = responsetypes.from_args(headers=headers, url=info["url"], body=body)
    resp = cls(url=info["url"], status=info["status"], headers=headers, body=body)
    text = resp.text if hasattr(resp, "text") else ""
    return Page(info["url"], body, text, info["status"], dict(info["headers"]))


def titles(items):
    return {i.title: i for i in items}


# -- TRS ----------------------------------------------------------------------------------------------------------
def test_trs_variant_a_gbk_list_items_and_pages():
    page = load("trs/list_a.html")
    items = titles(for_platform("trs").list_items(page))
    assert "䶮山镇人民政府2022年政府信息公开工作年报" in items  # GB18030-only character decoded
    first = items["某某县2022年政府信息公开工作年度报告"]
    assert first.url == "http://www.mm.gov.cn/zwgk/zfxxgk/zfxxgknb/202303/t20230328_2748784.html"
    assert first.date == "2023-03-28"
    urls = [f.url for f in for_platform("trs").list_requests(page)]
    # countPage=3, 0-based: page 2 = index_1.html, page 3 = index_2.html
    assert urls == ["http://www.mm.gov.cn/zwgk/zfxxgk/zfxxgknb/index_1.html",
                    "http://www.mm.gov.cn/zwgk/zfxxgk/zfxxgknb/index_2.html"]


def test_trs_variant_b_is_one_based():
    page = load("trs/list_b.shtml")
    urls = [f.url for f in for_platform("trs").list_requests(page)]
    base = "http://www.mm.gov.cn/zwgk/zfxxgk/zfxxgknb/"
    assert urls == [base + "index_2.shtml", base + "index_3.shtml", base + "index_4.shtml"]


def test_trs_attachments_only_in_a_js_string():
    page = load("trs/article_hasfj.html")
    atts = for_platform("trs").report_attachments(page)
    base = "http://www.mm.gov.cn/zwgk/zfxxgk/zfxxgknb/202303/"
    assert [a.url for a in atts] == [base + "P020230328574502592380.pdf", base + "P020230328574502592381.docx"]


# -- Hanweb -------------------------------------------------------------------------------------------------------
def test_hanweb_datastore_records_and_dataproxy_groups():
    page = load("hanweb/column.html")
    adapter = for_platform("hanweb")
    items = titles(adapter.list_items(page))
    assert items["某某县财政局2023年政府信息公开工作年度报告"].url == \
        "http://www.hh.gov.cn/art/2024/1/9/art_284_11821900.html"
    assert items["某某县财政局2023年政府信息公开工作年度报告"].date == "2024-01-09"
    posts = [f for f in adapter.list_requests(page) if f.method == "POST"]
    # 100 records, 15 per page × 3 pages per group = 45 per call: 46-90 and 91-100 remain
    assert [urlsplit(f.url).query for f in posts] == ["startrecord=46&endrecord=90&perpage=15",
                                                       "startrecord=91&endrecord=100&perpage=15"]
    form = parse_qs(posts[0].body)
    assert form["columnid"] == ["284"] and form["unitid"] == ["423656"] and form["webid"] == ["3"]


def test_hanweb_xml_reply_and_downfile_attachment_name():
    reply = load("hanweb/dataproxy.xml")
    items = for_platform("hanweb").list_items(reply)
    assert [(i.title, i.url) for i in items] == [
        ("城关镇2022年政府信息公开工作年度报告", "http://www.hh.gov.cn/art/2023/2/1/art_284_11800001.html")]
    article = load("hanweb/article.html")
    atts = for_platform("hanweb").report_attachments(article)
    assert len(atts) == 1 and "downfile.jsp" in atts[0].url
    assert discovery.filename_from_url(atts[0].url) == "某某县年报.pdf"  # showname wins over the hex filename


# -- jpaas ----------------------------------------------------------------------------------------------------------
def test_jpaas_shell_to_api_and_reply():
    adapter = for_platform("jpaas")
    shell = load("jpaas/shell.html")
    api = [f for f in adapter.list_requests(shell) if "api-gateway" in f.url]
    assert len(api) == 1
    query = parse_qs(urlsplit(api[0].url).query)
    assert query["tagId"] == ["信息列表"]  # UTF-8, not GBK
    assert json.loads(query["paramJson"][0]) == {"pageNo": 1, "pageSize": 15, "search": ""}
    reply = load("jpaas/unit.json")
    reply.meta["jpaas"] = api[0].data["jpaas"]
    items = titles(adapter.list_items(reply))
    assert items["某某县民政局2023年政府信息公开工作年度报告"].url == \
        "https://fzggw.zj.gov.cn/art/2024/1/4/art_1229123351_2578716.html"  # protocol-relative link
    # 40 records, 15 per page: pages are asked one after the other (a deployment that always answers page 1 is
    # noticed at page 2), and the last page asks for nothing
    def next_pages(page_no):
        page = Page(reply.url, reply.body, reply.text.replace("pageNo='1'", f"pageNo='{page_no}'"), 200, {},
                    {"jpaas": api[0].data["jpaas"]})
        return [json.loads(parse_qs(urlsplit(f.url).query)["paramJson"][0])["pageNo"]
                for f in adapter.list_requests(page)]
    assert next_pages(1) == [2] and next_pages(2) == [3] and next_pages(3) == []
    assert adapter.declared_total(reply) == 40


# -- gkmlpt ---------------------------------------------------------------------------------------------------------
def test_gkmlpt_config_api_and_attachments():
    adapter = for_platform("gkmlpt")
    index = load("gkmlpt/index.html")
    first = adapter.list_requests(index)
    assert [f.url for f in first] == ["http://www.ss.gov.cn/gkmlpt/api/all/2629?page=1&sid=755041"]
    reply = load("gkmlpt/api.json")
    reply.meta["gkmlpt"] = first[0].data["gkmlpt"]
    items = titles(adapter.list_items(reply))
    report = items["某某区2023年政府信息公开工作年度报告"]
    assert report.date == "2024-03-28"  # 1711584000 = 2024-03-28 00:00 UTC
    assert [a.url for a in report.attachments] == ["http://www.ss.gov.cn/attachment/0/88/88389/963149.pdf"]
    # 230 posts: the next page is asked while fewer than 230 articles were collected (pages hold 75-100)
    nxt = adapter.list_requests(reply)
    assert [f.url.split("page=")[1].split("&")[0] for f in nxt] == ["2"]
    assert adapter.declared_total(reply) == 230
    reply.meta["gkmlpt"] = {**nxt[0].data["gkmlpt"], "seen": 228}  # 2 more on this page make 230: done
    assert adapter.list_requests(reply) == []


# -- Epoint ---------------------------------------------------------------------------------------------------------
def test_epoint_shell_posts_detail_and_reads_pdflist():
    adapter = for_platform("epoint")
    shell = load("epoint/showinfo.html")
    follow = adapter.report_followups(shell)
    assert len(follow) == 1 and follow[0].method == "POST"
    assert follow[0].url.endswith("/rest/frontAppNotNeedLoginAction/getGovInfoDetail")
    assert json.loads(parse_qs(follow[0].body)["params"][0]) == {"infoid": "6b1f2a3c-4d5e-6f70-8192-a3b4c5d6e7f8"}
    assert follow[0].key != follow[0].url  # POST body is part of the document identity
    detail = load("epoint/detail.json")
    atts = adapter.report_attachments(detail)
    assert [(a.text, "attachGuid=a1" in a.url) for a in atts] == [("某某县2023年年报.pdf", True)]
    content, hints = adapter.report_content(detail)
    assert b"<title>" in content and hints["infotype"] == "pdf"


# -- long tail ------------------------------------------------------------------------------------------------------
def test_longtail_onclick_js_and_base64_pager():
    adapter = for_platform("longtail")
    page = load("longtail/list-1.html")
    items = titles(adapter.list_items(page))
    assert items["某某县2023年政府信息公开工作年度报告"].url == "http://www.lt.gov.cn/zfxxgk/nb/202403/t20240311_7372816.html"
    assert items["某某县古城镇2023年政府信息公开工作年报"].url.endswith("t20240201_7372715.html")
    assert items["某某县交通运输局2023年政府信息公开工作年度报告"].url.endswith("t20240115_7372614.html")
    urls = {f.url for f in adapter.list_requests(page)}
    assert {"http://www.lt.gov.cn/xxgk/list-2.html", "http://www.lt.gov.cn/xxgk/list-3.html"} <= urls


# -- walls and stubs ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, status, signature_part", [
    ("walls/ruishu_412.html", 412, "ruishu_ts"),
    ("walls/jsl_521.html", 521, "jiasule_clearance"),
    ("walls/stub_200.html", 200, "cookie_script"),
])
def test_walls_are_detected_with_evidence(name, status, signature_part):
    page = load(name)
    wall = walls.detect(page.status, page.body, page.headers)
    assert wall is not None and wall.status == status and signature_part in wall.signature
    assert wall.evidence()["body_size"] == len(page.body)


def test_468_and_418_are_walls_and_a_redirect_stub_is_not():
    assert walls.detect(468, b"<html>blocked</html>") is not None
    assert walls.detect(418, b"\xe8\xae\xbf\xe9\x97\xae\xe8\xa2\xab\xe6\x8b\xa6\xe6\x88\xaa").signature == "intercepted"
    stub = load("walls/redirect_stub.html")
    assert walls.detect(stub.status, stub.body, stub.headers) is None
    assert discovery.redirect_target(stub.text, stub.url) == "http://www.sd.gov.cn/col/col91477/index.html"


def test_meta_refresh_and_soft_404():
    html = '<html><head><meta http-equiv="refresh" content="0; url=/xxgk/nb/"></head></html>'
    assert discovery.redirect_target(html, "http://a.gov.cn/x/") == "http://a.gov.cn/xxgk/nb/"
    assert discovery.is_soft_404("<html><body><h2>页面不存在</h2><p>抱歉，您访问的页面不存在或已被删除！</p></body></html>")
    assert not discovery.is_soft_404("<html><body><p>某某县2023年政府信息公开工作年度报告</p></body></html>")


def test_content_disposition_names():
    assert discovery.filename_from_disposition(
        b"attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.pdf") == "年报.pdf"
    raw_gbk = b'attachment; filename="' + "年报.docx".encode("gbk") + b'"'
    assert discovery.filename_from_disposition(raw_gbk) == "年报.docx"


def test_column_link_scores():
    L = discovery.Link
    assert discovery.column_link_score(L("http://a.gov.cn/zwgk/zfxxgk/zfxxgknb/", "政府信息公开年报")) == 100
    assert discovery.column_link_score(L("http://a.gov.cn/col/col123/index.html", "年报")) == 100
    assert discovery.column_link_score(L("http://a.gov.cn/zwgk/", "政务公开")) == 10
    assert discovery.column_link_score(L("http://a.gov.cn/xwzx/", "新闻中心")) == 0
    # a report article is not the column
    assert discovery.column_link_score(
        L("http://a.gov.cn/zfxxgknb/202403/t20240328_1.html", "某某县2023年政府信息公开工作年度报告")) < 80


def test_portal_scope_keeps_to_its_own_sites():
    from crawler.spiders.portals import PortalState

    st = PortalState("110101", "东城区", "http://www.bjdch.gov.cn/", None, None, [])
    st.add_scope(st.url)
    assert st.in_scope("http://zfxxgk.bjdch.gov.cn/zfxxgknb/")  # same registrable site, other host
    assert not st.in_scope("http://www.bjhd.gov.cn/zfxxgknb/")
    assert st.in_scope("http://files.beijing.gov.cn/a.pdf", attachment=True)  # gov.cn attachment hosts
    assert not st.in_scope("http://example.com/a.pdf", attachment=True)
    local = PortalState("630222", "民和", "http://127.0.0.1:8001/", None, None, [])
    local.add_scope(local.url)
    assert local.in_scope("http://127.0.0.1:8001/x") and not local.in_scope("http://127.0.0.1:8002/x")
