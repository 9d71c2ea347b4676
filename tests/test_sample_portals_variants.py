"""The second generation of sample portals (issue 10), fetched with urllib: each family's list is rebuilt the way
a crawler must (JS literals, POST bodies, JSON remainders, per-unit menus, search forms, another host) and
compared with the manifest. Shapes come from portal-variants.md; nothing here reads crawler code."""
from __future__ import annotations

import json
import re
import threading
import urllib.parse

import pytest

from crawler.sample_portals import manifest as manifest_mod
from crawler.sample_portals import start_servers
from test_sample_portals import NoRedirect, fetch, listed_paths, resolve


@pytest.fixture(scope="module")
def servers():
    handle = start_servers(port_base=0, only=["330381", "441284", "350322", "510683", "620422", "320321", "360925",
                                              "445222", "632221", "630121", "320508", "331181"])
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def manifest():
    return {p["adcode"]: p for p in manifest_mod.load()["portals"]}


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_jpaas_literal_dialect(servers, manifest):
    portal, base = manifest["330381"], servers.urls["330381"]
    shell = fetch(base + portal["column_path"]).text()
    literal = re.search(r'queryData="([^"]+)"', shell).group(1).replace("&#x27;", "'").replace("&quot;", '"')
    # a JavaScript literal: null, and a paramJson value that is JSON itself — swapping quotes cannot parse it
    assert "'editType':null" in literal and """'paramJson':'{"pageNo":1,"pageSize":10}'""" in literal
    with pytest.raises(ValueError):
        json.loads(literal.replace("'", '"'))
    query = portal["api"]["query_data"]
    found = {resolve(base + portal["column_path"], h) for h in re.findall(r"href='([^']+)'", shell)}
    assert len(found) == 10  # page 1 is static in the shell
    reply = fetch(f"{base}{portal['api']['path']}?" + urllib.parse.urlencode(
        {**query, "paramJson": json.dumps({"pageNo": 2, "pageSize": 10})})).json()
    assert reply["success"] is True
    found |= {resolve(base + portal["column_path"], h) for h in re.findall(r"href='([^']+)'", reply["data"]["html"])}
    assert found == listed_paths(portal)
    wrong = fetch(f"{base}{portal['api']['path']}?" + urllib.parse.urlencode(
        {**query, "editType": "", "paramJson": '{"pageNo":2}'})).json()
    assert wrong["success"] is False
    assert any("年度報告" in r["title"] for r in portal["reports"])  # one title in Traditional script


def test_gkmlpt_on_a_trs_host_with_a_department_sub_site(servers, manifest):
    portal, base = manifest["441284"], servers.urls["441284"]
    home = fetch(base + "/").text()
    assert "CurrChnlCls" in home and "_CONFIG" not in home  # the homepage is TRS
    index = fetch(base + "/gkmlpt/index").text()
    cfg = json.loads(re.search(r"window\._CONFIG = (\{.*?\});</script>", index).group(1))
    node = next(n for n in cfg["TREE"] if "年报" in n["name"])
    assert list(node)[:2] == ["name", "id"]  # name before id
    found, page = set(), 1
    while True:
        reply = fetch(f"{base}/gkmlpt/api/all/{node['id']}?page={page}&sid={cfg['SID']}").json()
        if not reply["articles"]:
            break
        assert len(reply["articles"]) <= 9 and reply["total"] > 9  # not 100 per page
        found |= {resolve(base, a["url"]) for a in reply["articles"]}
        page += 1
    assert page == 4 and any("create_time" in a and "date" not in a for a in reply.get("articles", []) + [
        a for p in (1, 2, 3) for a in fetch(f"{base}/gkmlpt/api/all/{node['id']}?page={p}&sid={cfg['SID']}").json()
        ["articles"]])
    sub = portal["sub_site"]
    sub_index = fetch(base + sub["prefix"] + "/gkmlpt/index").text()
    assert f'"SID": "{sub["sid"]}"' in sub_index and f'href="{sub["prefix"]}/gkmlpt/index"' in index
    sub_reply = fetch(f"{base}{sub['prefix']}/gkmlpt/api/all/{sub['category_id']}?page=1&sid={sub['sid']}").json()
    sub_paths = {resolve(base, a["url"]) for a in sub_reply["articles"]}
    assert sub_paths and all(p.startswith(sub["prefix"] + "/gkmlpt/content/") for p in sub_paths)
    assert found | sub_paths == listed_paths(portal) and not found & sub_paths


def test_fujian_static_first_page_and_search_remainder(servers, manifest):
    portal, base = manifest["350322"], servers.urls["350322"]
    col = base + portal["column_path"]
    page = fetch(col).text()
    static = {resolve(col, h) for h in re.findall(r'<li><a href="(\./[^"]+)"', page)}
    declared = int(re.search(r"recordCount:'(\d+)'", page).group(1))
    assert len(static) == 15 < declared == len(listed_paths(portal))
    assert 'href="javascript:;"' in page and "listModel({Mode:'wasdoc'" in page
    form = urllib.parse.urlencode({"channelid": portal["search"]["channelid"], "page": 2, "prepage": 15}).encode()
    reply = fetch(base + portal["search"]["path"], data=form).json()
    assert reply["recordCount"] == declared and reply["page"] == 2
    rest = {resolve(base, r["docpuburl"]) for r in reply["data"]}
    assert static | rest == listed_paths(portal)
    assert re.fullmatch(r"\d{4}\.\d\d\.\d\d \d\d:\d\d:\d\d", reply["data"][0]["docreltime"])
    old = next(r for r in portal["reports"] if r["year"] == 2016)
    assert "/202002/t20200221_" in old["path"]  # re-published in bulk: the URL date is not the publication date


def test_deya_script_pager(servers, manifest):
    portal, base = manifest["510683"], servers.urls["510683"]
    first = fetch(base + portal["column_path"]).text()
    m = re.search(r"共 (\d+) 条 当前第 1/(\d+) 页", first)
    assert m and "javascript:goPage(2)" in first
    found = set()
    for n in range(1, int(m.group(2)) + 1):
        found |= {resolve(base, h.replace("&amp;", "&")) for h in re.findall(
            r'<a href="(/info/content\.jsp\?[^"]+)"', fetch(f"{base}{portal['column_path']}&cur_page={n}").text())}
    assert len(found) == int(m.group(1)) and found == listed_paths(portal)


def test_common_search_json_and_redirected_results(servers, manifest):
    portal, base = manifest["620422"], servers.urls["620422"]
    shell = fetch(base + portal["column_path"]).text()
    api = re.search(r'\$\.getJSON\("([^"]+)"', shell).group(1)
    assert "/common/search/" in api and "_isJson=true" in api
    first = fetch(base + api).json()["data"]
    found = set()
    for n in range(1, -(-first["total"] // first["rows"]) + 1):
        found |= {resolve(base, r["url"]) for r in fetch(base + api.replace("page=1", f"page={n}")).json()["data"]
                  ["results"]}
    assert found == listed_paths(portal)
    moved = next(r for r in portal["reports"] if "served_at" in r)
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(base + moved["path"])
    assert err.value.code == 301 and err.value.headers["Location"].endswith(moved["served_at"])


def test_epoint_list_posts_a_json_body(servers, manifest):
    portal, base = manifest["320321"], servers.urls["320321"]
    shell = fetch(base + portal["column_path"]).text()
    assert portal["site_guid"] in shell and portal["list_api"] in shell
    found, page = set(), 1
    while True:
        body = json.dumps({"siteGuid": portal["site_guid"], "categorynum": portal["category"], "deptcode": "",
                           "pageIndex": page, "pageSize": 5}).encode()
        reply = fetch(base + portal["list_api"], data=body, headers={"Content-Type": "application/json"}).json()
        custom = json.loads(reply["custom"])  # custom is a JSON string
        if not custom["data"]:
            break
        assert any(r["title"].endswith("...") and not r["realtitle"].endswith("...") for r in custom["data"]) or page > 1
        found |= {r["infourl"] for r in custom["data"]}
        page += 1
    assert found == listed_paths(portal) and len(found) == custom["total"]


def test_poweasy_main_host_and_xxgk_host(servers, manifest):
    portal = manifest["360925"]
    main, xxgk = servers.host_urls["360925"]["main"], servers.host_urls["360925"]["xxgk"]
    assert "127.0.0.2" in xxgk
    home = fetch(main + "/").text()
    assert f'href="{xxgk}/zfxxgk_38041/index.shtml"' in home and "/Category_8/Index.aspx" in home
    col = xxgk + portal["column_path"]
    first = fetch(col).text()
    count = int(re.search(r'createPageHTML\((\d+), 0, "index", "shtml"\)', first).group(1))
    pages = [first] + [fetch(col.replace("index.shtml", f"index_{k}.shtml")).text() for k in range(1, count)]
    on_xxgk = {resolve(col, h) for p in pages for h in re.findall(r'<li><a href="(\./[^"]+)"', p)}
    on_main = {h for p in ("Index.aspx", "Index_2.aspx") for h in hrefs(fetch(f"{main}/Category_8/{p}").text())
               if h.startswith("/Item/")}
    expected = {(r.get("host", "main"), r["path"]) for r in portal["reports"] + portal["noise"]}
    assert {("xxgk", p) for p in on_xxgk} | {("main", p) for p in on_main} == expected


def test_unit_scoped_annual_reports(servers, manifest):
    portal, base = manifest["445222"], servers.urls["445222"]
    units = re.findall(r'href="(/openInfo/openInfo\.action\?depCode=\d+)"', fetch(base + portal["column_path"]).text())
    assert len(units) == len(portal["units"]) >= 3
    found = set()
    for unit in units:
        menu = fetch(base + unit).text()
        nb = re.search(r'href="([^"]+menuCat=219)">政府信息公开年报<', menu).group(1)
        found |= set(re.findall(r'href="(/openInfo/pubnewsDetail\.action\?newsId=\d+)"',
                                fetch(base + nb.replace("&amp;", "&")).text()))
    assert found == listed_paths(portal)


def test_busy_portal_answers_429_above_two_open_requests(servers, manifest):
    code, portal = "632221", manifest["632221"]
    base = servers.host_urls[code]["xxgk"]
    servers.reset_log()
    servers.portals[code].hold = 5.0  # each request waits until a third is open (or 5 s)
    try:
        results = []
        threads = [threading.Thread(target=lambda: results.append(fetch(base + "/zfxxgk/index.html").status))
                   for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
    finally:
        servers.portals[code].hold = 0.0
    assert sorted(results) == [200, 200, 429]
    seen = servers.inflight()[(code, "xxgk")]
    assert (seen["max"], seen["over_limit"]) == (3, 1) and seen["crowds"] == [["GET /zfxxgk/index.html"] * 3]
    flaky = fetch(base + portal["flaky"])
    assert flaky.status == 503 and flaky.headers["Retry-After"] == "1"
    assert fetch(base + portal["flaky"]).status == 200


def test_trap_portal_traps(servers, manifest):
    portal, base = manifest["630121"], servers.urls["630121"]
    zwgk = fetch(base + "/zwgk/index.html").text()
    assert len(re.findall(r'href="/zwgk/index\.html\?lmid=\d+"', zwgk)) == 80
    col = base + portal["column_path"]
    first = fetch(col).text()
    count = int(re.search(r'createPage\((\d+), 0, "index", "html"\)', first).group(1))
    beyond = fetch(col.replace("index.html", f"index_{count + 5}.html")).text()
    assert f'href="index_{count + 6}.html">下一页' in beyond  # endless: past the end, the last page again
    assert "?date=2024-05-31" in first and "sort=time" in first


def test_json_list_only_the_generic_reader_reads(servers, manifest):
    portal, base = manifest["320508"], servers.urls["320508"]
    shell = fetch(base + portal["column_path"]).text()
    assert 'type: "post"' in shell and "pageIndex: 1" in shell
    found, page = set(), 1
    while True:
        reply = fetch(base + portal["api"] + "?pageSize=8",
                      data=urllib.parse.urlencode({"pageIndex": page, "lmid": "nb"}).encode()).json()["data"]
        found |= {r["URL"] for r in reply["list"]}
        if page >= reply["totalPage"]:
            break
        page += 1
    assert found == listed_paths(portal) and page == 3


def test_search_only_portal(servers, manifest):
    portal, base = manifest["331181"], servers.urls["331181"]
    home = fetch(base + "/").text()
    assert "政府信息公开" not in home and 'action="/jsearchfront/search.do"' in home
    websiteid = re.search(r'name="websiteid" value="(\d+)"', home).group(1)
    url = f"{base}/jsearchfront/search.do?" + urllib.parse.urlencode({"websiteid": websiteid, "q": "政府信息公开年度报告"})
    found = set()
    while url:
        page = fetch(url).text()
        rows = re.findall(r'<li><a title="([^"]+)" href="([^"]+)"[^>]*>([^<]+)</a><b>(\d{4}-\d\d-\d\d)</b>', page)
        assert all(text.endswith("…") and len(text) < len(title) for title, _, text, _ in rows)
        found |= {href for _, href, _, _ in rows}
        nxt = re.search(r'<a href="(search\.do\?[^"]+)">下一页', page)
        url = urllib.parse.urljoin(url, nxt.group(1).replace("&amp;", "&")) if nxt else None
    reports = {r["path"] for r in portal["reports"]}
    assert reports <= found <= listed_paths(portal)
