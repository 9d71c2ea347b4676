"""The bundled sample portals: real HTTP on 127.0.0.1 (free ports), fetched with urllib.

Expected values come from portal-patterns.md (shapes) and from the seed texts (numbers: 民和 行政许可 4153,
湟中 行政许可 8771), not from the server's own output. The list-walking tests rebuild each column the way a
crawler must (pagers, XML proxy, JSON APIs, onclick/JS strings, base64 pager) and compare with the manifest.
"""
from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from crawler.sample_portals import start_servers
from crawler.sample_portals import manifest as manifest_mod

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def servers():
    handle = start_servers(port_base=0)
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def manifest():
    return {p["adcode"]: p for p in manifest_mod.load()["portals"]}


class Reply:
    def __init__(self, status, body, headers):
        self.status, self.body, self.headers = status, body, headers

    def text(self, codec="utf-8"):
        return self.body.decode(codec)

    def json(self):
        return json.loads(self.body)


def fetch(url, data: bytes | None = None, headers: dict | None = None) -> Reply:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return Reply(r.status, r.read(), r.headers)
    except urllib.error.HTTPError as e:
        return Reply(e.code, e.read(), e.headers)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def listed_paths(portal: dict) -> set[str]:
    return {r["path"] for r in portal["reports"]} | {n["path"] for n in portal["noise"]}


def resolve(base_page_url: str, href: str) -> str:
    """Root-relative path (with query) of href as a browser resolves it on base_page_url."""
    u = urllib.parse.urlsplit(urllib.parse.urljoin(base_page_url, href))
    return u.path + (f"?{u.query}" if u.query else "")


# --- manifest and bundled content ---------------------------------------------------------------------------

def test_manifest_json_is_current():
    assert manifest_mod.load() == manifest_mod.build(), "run: python -m crawler.sample_portals.manifest"


def test_manifest_covers_the_required_families(manifest):
    platforms = {p["platform"] for p in manifest.values()}
    assert {"trs", "trs6", "hanweb", "jpaas", "gkmlpt", "epoint", "longtail", "waf", "robots", "moved"} <= platforms
    seeds = {r["seed"]: (p["adcode"], r["year"]) for p in manifest.values() for r in p["reports"] if r["seed"]}
    assert seeds == {"000_2a90619c97eddfaa": ("630222", 2022), "001_759fee5d4dfad9d3": ("410324", 2022),
                     "002_17501a4b6fe8e48c": ("640181", 2022), "003_0b45a7d4e00025aa": ("630106", 2023),
                     "004_99a88681b58e46ea": ("620421", 2020)}
    kinds = {r["unit_kind"] for p in manifest.values() for r in p["reports"]}
    assert kinds == {"government", "office", "department", "township"}


def test_homepages_answer_and_name_the_county(servers, manifest):
    for code, portal in manifest.items():
        if portal["expected_status"] == "blocked":
            continue
        r = fetch(servers.urls[code] + portal["home_path"])
        assert r.status == 200, code
        codec = "gb18030" if portal["charset"] == "gb18030" else "utf-8"
        assert portal["name"] in r.text(codec)


def test_conditional_get_answers_304(servers, manifest):
    portal = manifest["410324"]
    url = servers.urls["410324"] + portal["reports"][0]["path"]
    first = fetch(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.status == 200 and etag and modified
    again = fetch(url, headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    assert fetch(url, headers={"If-Modified-Since": modified}).status == 304
    assert fetch(url, headers={"If-None-Match": '"something-else"'}).status == 200
    log = [e for e in servers.request_log("410324") if e["path"] == portal["reports"][0]["path"]]
    assert [e["status"] for e in log][-4:] == [200, 304, 304, 200]


def test_control_endpoint_edits_one_number_and_removes_one_report(servers, manifest):
    code = "630222"
    base, changes = servers.urls[code], manifest[code]["changes"]
    edited, removed = changes["edited"], changes["removed"][0]
    assert (edited["before"], edited["after"]) == ("4153", "4154")   # 民和 2022 行政许可, from the seed text
    before = fetch(base + edited["path"])
    assert "4153" in before.text("gb18030") and fetch(base + removed).status == 200
    try:
        r = fetch(base + "/__control", data=json.dumps({"variant": "changed"}).encode())
        assert r.json()["variant"] == "changed"
        after = fetch(base + edited["path"], headers={"If-None-Match": before.headers["ETag"]})
        assert after.status == 200 and after.headers["ETag"] != before.headers["ETag"]
        row = re.search(r"行政许可</td><td[^>]*>(\d+)<", after.text("gb18030"))
        assert row and row.group(1) == "4154"
        assert fetch(base + removed).status == 404
        stats = fetch(base + "/__stats").json()
        assert stats["variant"] == "changed" and stats["requests"][f"GET {removed}"] == 2
    finally:
        fetch(base + "/__control", data=b"variant=original")
    assert fetch(base + removed).status == 200


def test_stats_count_requests_per_path(servers):
    base = servers.urls["640122"]
    fetch(base + "/__control", data=json.dumps({"reset_log": True}).encode())
    for _ in range(3):
        fetch(base + "/")
    stats = fetch(base + "/__stats").json()
    assert stats["requests"] == {"GET /": 3} and stats["total"] == 3


# --- families -------------------------------------------------------------------------------------------------

def test_trs_classic_gbk_pages_pager_and_js_attachments(servers, manifest):
    portal, base = manifest["630222"], servers.urls["630222"]
    col = base + portal["column_path"]
    first = fetch(col)
    assert first.headers["Content-Type"] == "text/html; charset=gb2312"
    with pytest.raises(UnicodeDecodeError):
        first.body.decode("gbk")                 # declared gb2312, but not even GBK ...
    text = first.text("gb18030")                 # ... it is GB18030
    assert "马䶮" in text
    count = int(re.search(r"var countPage = (\d+)", text).group(1))
    assert re.search(r'createPageHTML\(countPage, currentPage, "index", "html"\)', text)
    pages = [text] + [fetch(col.replace("index.html", f"index_{k}.html")).text("gb18030") for k in range(1, count)]
    assert fetch(col.replace("index.html", f"index_{count}.html")).status == 404
    found = {resolve(col, h) for page in pages for h in re.findall(r'<li><a href="(\./\d{6}/t\d{8}_\d+\.html)"', page)}
    assert found == listed_paths(portal)
    article = next(r for r in portal["reports"] if r["attachments"])
    page = fetch(base + article["path"]).text("gb18030")
    assert "韩𠮷" in page and "var hasFJ='<a href=\"./P0" in page
    assert "./P0" not in re.sub(r"(?s)<script.*?</script>", "", page)   # attachment link only in the JS string
    att = fetch(base + article["attachments"][0])
    assert att.status == 200 and att.body[:2] == b"PK"   # the first one with attachments: a DOCX


def test_trs6_year_dirs_and_one_based_pager(servers, manifest):
    portal, base = manifest["410324"], servers.urls["410324"]
    index = fetch(base + portal["column_path"]).text()
    years = re.findall(r'href="\./gknb(\d{4})/index\.shtml"', index)
    assert "2023" in years
    found = set()
    for y in years:
        url = f"{base}/zwgk/zfxxgk/zfxxgknb/gknb{y}/index.shtml"
        page = fetch(url).text()
        total, current, records = map(int, re.search(
            r"createPageHTML\('page_div',(\d+),(\d+),'index','shtml',(\d+)\)", page).groups())
        assert current == 1
        pages = [page] + [fetch(url.replace("index.shtml", f"index_{k}.shtml")).text() for k in range(2, total + 1)]
        links = [resolve(url, h) for p in pages for h in re.findall(r'<a href="(\./\d{6}/t[\d_]+\.shtml)"', p)]
        assert len(links) == records
        found |= set(links)
    assert found == listed_paths(portal)
    seed = next(r for r in portal["reports"] if r["seed"])
    assert "/gknb2023/" in seed["path"] and seed["year"] == 2022   # directory = publication year


def test_hanweb_stub_embedded_group_and_dataproxy(servers, manifest):
    portal, base = manifest["640181"], servers.urls["640181"]
    stub = fetch(base + portal["js_redirect_stub"]).text()
    assert f'location.href="{portal["column_path"]}"' in stub
    column = fetch(base + portal["column_path"]).text()
    embedded = re.findall(r'<record><!\[CDATA\[\s*<li><a title="[^"]*" href="([^"]+)"', column)
    assert len(embedded) == 15 and "<nextgroup>" in column and "totalRecord: %d" % len(listed_paths(portal)) in column
    form = urllib.parse.urlencode(portal["jpage"]["form"]).encode()
    xml = fetch(base + "/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=30&perpage=5", data=form).text()
    assert re.search(r"<totalrecord>(\d+)</totalrecord>", xml).group(1) == str(len(listed_paths(portal)))
    rest = re.findall(r'href="([^"]+)"', xml)
    assert len(rest) == len(listed_paths(portal)) - 15
    assert set(embedded) | set(rest) == listed_paths(portal)
    assert all(re.fullmatch(r"/art/\d{4}/[1-9]\d?/[1-9]\d?/art_1005_\d+\.html", p) for p in embedded)
    att_path = next(a for r in portal["reports"] for a in r["attachments"] if "filename=" in a and ".pdf" in a)
    att = fetch(base + att_path)
    assert att.headers["Content-Type"] == "application/octet-stream" and att.body[:5] == b"%PDF-"
    assert "attachment" in att.headers["Content-Disposition"]


def test_jpaas_api_pages_and_gbk_tag_rejected(servers, manifest):
    portal, base = manifest["330326"], servers.urls["330326"]
    shell = fetch(base + portal["column_path"]).text()
    assert "unitbuild.js" in shell and "queryData=" in shell and "bulidstatic" in shell
    qd = portal["api"]["query_data"]
    found = set()
    for page_no in (1, 2):
        query = urllib.parse.urlencode({**qd, "paramJson": json.dumps({"pageNo": page_no, "pageSize": 15})})
        reply = fetch(f"{base}{portal['api']['path']}?{query}").json()
        assert reply["success"] is True
        hrefs = re.findall(r"href='([^']+)'", reply["data"]["html"])
        found |= {resolve(base + portal["column_path"], h) for h in hrefs}
        if page_no == 1:
            assert len(hrefs) == 15 and any(h.startswith("//") for h in hrefs) and any(h.startswith("http://") for h in hrefs)
    assert found == listed_paths(portal)
    gbk_query = urllib.parse.urlencode({**qd, "paramJson": '{"pageNo":1,"pageSize":15}'}, encoding="gbk")
    assert fetch(f"{base}{portal['api']['path']}?{gbk_query}").json() == {
        "success": False, "code": "500", "message": "生成失败", "data": {}}


def test_gkmlpt_config_and_json_pages(servers, manifest):
    portal, base = manifest["440607"], servers.urls["440607"]
    index = fetch(base + "/gkmlpt/index").text()
    sid = re.search(r"window\._CONFIG = .*?\"SID\": \"(\d+)\"", index).group(1)
    assert sid == portal["sid"] and f"annualreport#{portal['category_id']}" in index
    api = f"{base}/gkmlpt/api/all/{portal['category_id']}?sid={sid}&page="
    page0, page1, page2 = (fetch(api + str(n)).json() for n in (0, 1, 2))
    assert page0 == page1 and len(page1["articles"]) == 100
    assert len(page2["articles"]) == len(listed_paths(portal)) - 100 > 0
    assert fetch(api + "3").json()["articles"] == []
    found = {resolve(base, a["url"]) for a in page1["articles"] + page2["articles"]}
    assert found == listed_paths(portal)
    with_file = next(a for a in page1["articles"] if a["attachment"])
    assert re.search(r"/attachment/0/\d+/\d+/\d+\.\w+$", with_file["attachment"][0]["url"])
    detail = fetch(base + resolve(base, with_file["url"])).text()
    for label in ("索引号", "分类", "发布机构", "成文日期", "名称", "文号", "发布日期", "主题词"):
        assert f"<th>{label}：</th>" in detail
    assert "\\u003C" in detail


def test_epoint_list_shell_and_detail_api(servers, manifest):
    portal, base = manifest["630106"], servers.urls["630106"]
    col = base + portal["column_path"]
    pages, url = [], col
    while url:
        page = fetch(url).text()
        pages.append(page)
        nxt = re.search(r'<a href="(\d+\.html)">下页</a>', page)
        url = urllib.parse.urljoin(col, nxt.group(1)) if nxt else None
    found = {resolve(col, h) for p in pages for h in re.findall(r'<a href="(showinfo\.html\?infoGuid=[0-9a-f-]+)"', p)}
    assert len(pages) >= 2 and found == listed_paths(portal)
    seed = next(r for r in portal["reports"] if r["seed"])
    assert fetch(base + seed["path"]).status == 200
    form = urllib.parse.urlencode(seed["fetch"]["form"]).encode()
    data = fetch(base + seed["fetch"]["path"], data=form).json()["custom"]["data"]
    assert data["title"] == seed["title"] and data["infotype"] == "html"
    assert re.search(r"行政许可</td><td[^>]*>8771<", data["infocontent"])   # 湟中 2023, from the seed text
    pdf_only = [r for r in portal["reports"] if not r["content"]["html_from_seed"] and r["content"]["files"] == ["hongze-2024.pdf"]]
    assert pdf_only
    data = fetch(base + pdf_only[0]["fetch"]["path"], data=urllib.parse.urlencode(pdf_only[0]["fetch"]["form"]).encode()).json()
    d = data["custom"]["data"]
    assert d["infotype"] == "pdf" and d["infocontent"] == "" and fetch(base + d["pdflist"][0]["attachurl"]).body[:5] == b"%PDF-"


def test_longtail_iframe_onclick_js_string_and_base64_pager(servers, manifest):
    portal, base = manifest["620421"], servers.urls["620421"]
    column = fetch(base + portal["column_path"])
    assert column.headers["Content-Type"] == "text/html"       # charset only in <meta>
    src = re.search(r'<iframe src="([^"]+)"', column.text()).group(1)
    found, seen, todo = set(), set(), [urllib.parse.urljoin(base, src)]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        page = fetch(url).text()
        assert not re.search(r"<a onclick[^>]*href=", page)
        found |= set(re.findall(r"isDownLoad\(this,'([^']+)'\)\"", page))
        found |= set(re.findall(r"var str = '<li><a href=\"([^\"]+)\"", page))
        pager = urllib.parse.unquote(base64.b64decode(re.search(r'<div id="pages">([^<]+)</div>', page).group(1)).decode())
        todo += [urllib.parse.urljoin(url, h) for h in re.findall(r'href="(list-\d+\.html)"', pager)]
    assert len(seen) >= 3 and found == listed_paths(portal)
    doc = next(r for r in portal["reports"] if r["content"]["files"] == ["report-saved-as-html.doc"])
    body = fetch(base + doc["attachments"][0]).body
    assert b"<html" in body[:200] and "乌兰镇".encode("gb18030") in body


def test_waf_walls(servers):
    r = fetch(servers.urls["510121"] + "/robots.txt")
    assert r.status == 412 and b"$_ts" in r.body and b"r='m'" in r.body and 800 < len(r.body) < 2000
    assert "FSSBBIl1UgzbN7N80S=" in r.headers["Set-Cookie"]
    r = fetch(servers.urls["340121"] + "/")
    assert r.status == 521 and b"document.cookie='__jsl_clearance_s=" in r.body
    assert r.headers["Set-Cookie"].startswith("__jsluid_s=")


def test_robots_disallows_everything(servers):
    r = fetch(servers.urls["110113"] + "/robots.txt")
    assert r.status == 200 and r.text().splitlines() == ["User-agent: *", "Disallow: /"]


def test_moved_column(servers, manifest):
    portal, base = manifest["640122"], servers.urls["640122"]
    old_301, old_soft = list(portal["old_column_paths"])
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(base + old_301)
    assert err.value.code == 301 and err.value.headers["Location"] == base + "/"
    soft = fetch(base + old_soft)
    assert soft.status == 200 and "页面不存在" in soft.text()
    xxgk = fetch(base + "/zwgk/zfxxgk/index.html").text()
    assert f'href="{portal["column_path"]}"' in xxgk and fetch(base + portal["column_path"]).status == 200


def _report_text(base: str, report: dict) -> str:
    if "fetch" in report:  # Epoint: the content is the POST reply
        form = urllib.parse.urlencode(report["fetch"]["form"]).encode()
        return fetch(base + report["fetch"]["path"], data=form).text()
    body = fetch(base + report["path"]).body
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030")


def host_base(servers, code: str, entry: dict | None = None) -> str:
    """Base URL of the host an entry (report, change) lives on: the main host unless it says another."""
    return servers.host_urls[code][(entry or {}).get("host", "main")]


def test_changed_variant_on_every_portal(servers, manifest):
    with_changes = {code: p for code, p in manifest.items() if "changes" in p}
    assert len(with_changes) >= 8
    originals = {}
    for code, portal in with_changes.items():
        report = next(r for r in portal["reports"] if r["path"] == portal["changes"]["edited"]["path"])
        originals[code] = (report, _report_text(host_base(servers, code, report), report))
        added = portal["changes"]["added"]
        assert fetch(host_base(servers, code, added) + added["path"]).status == 404, code  # not yet published
    servers.set_variant("changed")
    try:
        for code, portal in with_changes.items():
            edit = portal["changes"]["edited"]
            report, before = originals[code]
            after = _report_text(host_base(servers, code, report), report)
            assert after != before, code
            assert after.count(edit["after"]) > before.count(edit["after"]), code   # gkmlpt: page + _CONFIG.DETAIL
            for path in portal["changes"]["removed"]:
                for base in servers.host_urls[code].values():
                    assert fetch(base + path).status == 404, (code, path)
            added = portal["changes"]["added"]
            assert added["year"] == 2023 and added["unit_kind"] == "department"
            assert fetch(host_base(servers, code, added) + added["path"]).status == 200, code
    finally:
        servers.set_variant("original")


def test_second_pass_with_validators_downloads_nothing(servers, manifest):
    portal, base = manifest["620421"], servers.urls["620421"]
    paths = [portal["home_path"], portal["column_path"]] + [r["path"] for r in portal["reports"]] + \
            [a for r in portal["reports"] for a in r["attachments"]]
    validators = {p: fetch(base + p).headers["ETag"] for p in paths}
    assert all(validators.values())
    assert {fetch(base + p, headers={"If-None-Match": v}).status for p, v in validators.items()} == {304}
