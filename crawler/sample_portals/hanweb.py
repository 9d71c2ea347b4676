"""Hanweb 大汉 JCMS sites (portal-patterns §1.2, §1.3).

HanwebClassic: /col/colNNN/index.html embeds the first list group as <script type="text/xml"><datastore>…
    <recordset><record><![CDATA[<li>…]]></record>…; the remaining records only come from
    POST /module/web/jpage/dataproxy.jsp?startrecord=a&endrecord=b&perpage=n (form: columnid, unitid, …)
    answering XML with <totalrecord>. Articles /art/Y/M/D/art_COL_ID.html (month/day not zero-padded);
    attachments /module/download/downfile.jsp?classid=0&filename=<32hex>.pdf&showname=<%-encoded name>
    (no extension in the path, application/octet-stream). The 政府信息公开 page links the column through a
    JS redirect stub (/zfxxgk/zfxxgknb/index.html -> location.href).
HanwebJpaas: /col/colPAGE/index.html is an empty shell with the unitbuild.js tag and a queryData attribute;
    the list comes from GET /api-gateway/jpaas-publish-server/front/page/build/unit?<queryData keys>&paramJson=
    {"pageNo":N,"pageSize":15} -> {"success":true,"data":{"html":"<ul>…</ul><table … count= rows= pageNo=>"}}.
    Links mix new-style /col/colPAGE/art/Y/art_<32hex>.html (sometimes relative to the column page), absolute
    http:// and protocol-relative //host/art/... A tagId not %-encoded as UTF-8 gets {"success":false}.
"""
from __future__ import annotations

import hashlib
import json
import math
import urllib.parse

from .catalog import Item
from .portal import Portal
from .web import Request, Response, esc, json_response

DATAPROXY = "/module/web/jpage/dataproxy.jsp"
DOWNFILE = "/module/download/downfile.jsp"


def hex32(*parts) -> str:
    return hashlib.md5("/".join(map(str, parts)).encode()).hexdigest()


class HanwebArticles(Portal):
    """Article pages and downfile.jsp attachments shared by both Hanweb generations."""
    column_id = 1005
    column_name = "政府信息公开年报"
    web_id = 3
    first_article_id = 5231190

    def assign_attachment_paths(self, it: Item) -> None:
        for k, att in enumerate(it.attachments):
            ext = att.name.rsplit(".", 1)[1]
            fname = f"{hex32(self.county.adcode, it.key, k)}.{ext}"
            showname = urllib.parse.quote(att.name)
            # parameter order varies between deployments; both orders appear here
            query = (f"classid=0&filename={fname}&showname={showname}" if k % 2 == 0
                     else f"classid=0&showname={showname}&filename={fname}")
            att.path = f"{DOWNFILE}?{query}"
            att.octet_stream = True

    def downfile(self, req: Request) -> Response | None:
        wanted = req.args.get("filename")
        for path, (item, att) in self.files.items():
            if urllib.parse.parse_qs(urllib.parse.urlsplit(path).query).get("filename", [None])[0] == wanted:
                # the first attachment of each item carries a raw-GBK filename, the others RFC 5987
                style = "raw-gbk" if item.attachments.index(att) == 0 else "rfc5987"
                return self.serve_file(item, att, disposition=style)
        return None

    def article(self, item: Item) -> Response:
        d = item.date
        links = "".join(f'<p><a href="{esc(a.path)}" target="_blank">{esc(a.name)}</a></p>' for a in item.attachments)
        head = "\n".join(f'<meta name="{k}" content="{esc(v)}">' for k, v in [
            ("SiteName", self.site.name), ("SiteDomain", "127.0.0.1"), ("SiteIDCode", self.site.site_code),
            ("ColumnName", self.column_name), ("ColumnType", "政府信息公开年报"), ("ArticleTitle", item.title),
            ("PubDate", f"{d:%Y-%m-%d} 16:28"), ("Author", ""), ("Description", item.title), ("Keywords", ""),
            ("ContentSource", self.site.host_unit), ("Url", item.path), ("WebId", str(self.web_id)),
            ("Maketime", f"{d:%Y-%m-%d} 16:30:12")])
        head += '\n<link rel="stylesheet" href="/module/jslib/hanweb.min.css">\n<script src="/module/jslib/jquery/jquery.js"></script>'
        body = f"""<div class="bt-position">当前位置：<a href="/">首页</a> &gt; <a href="/col/col{self.column_id}/index.html">{self.column_name}</a></div>
<div class="bt-article"><h1 class="bt-title">{esc(item.title)}</h1>
<div class="bt-info">发布日期：{d:%Y-%m-%d} 信息来源：{esc(self.site.host_unit)}</div>
<div class="bt-content zoom"><!--ZJEG_RSS.content.begin--><meta name="ContentStart"><div class="TRS_Editor">
{self.body_html(item)}
</div>{f'<div class="bt-fj">附件：{links}</div>' if links else ''}<meta name="ContentEnd"><!--ZJEG_RSS.content.end-->
</div></div>"""
        return self.html(item.title, body, modified=self.item_modified(item), head=head)

    def article_route(self, req: Request) -> Response | None:
        if req.path == DOWNFILE:
            return self.downfile(req)
        item = self.by_path.get(req.path)
        if item is None or self.is_removed(item):
            return None
        return self.verbatim_seed(item) or self.article(item)

    def record_html(self, it: Item, href: str | None = None) -> str:
        return (f'<li><a title="{esc(it.title)}" href="{esc(href or it.path)}" target="_blank">{esc(it.title)}</a>'
                f'<span class="bt-list-time">{it.date:%Y-%m-%d}</span></li>')


class HanwebClassic(HanwebArticles):
    platform = "hanweb"
    unit_id = 4011
    per_page = 5
    group_size = 3
    stub_path = "/zfxxgk/zfxxgknb/index.html"

    @property
    def column_path(self) -> str:
        return f"/col/col{self.column_id}/index.html"

    def assign_paths(self) -> None:
        for n, it in enumerate(self.all_items):
            d = it.date
            it.extra["id"] = self.first_article_id - 211 * n
            it.path = f"/art/{d.year}/{d.month}/{d.day}/art_{self.column_id}_{it.extra['id']}.html"
            self.assign_attachment_paths(it)

    def ajax_params(self) -> dict:
        return {"col": 1, "appid": "1", "webid": str(self.web_id), "path": "/", "columnid": str(self.column_id),
                "sourceContentType": 1, "unitid": str(self.unit_id), "webname": self.site.name, "permissiontype": 0}

    def route(self, req: Request) -> Response | None:
        p = req.path
        if p in ("/", "/index.html"):
            return self.nav_page(self.site.name, [("/col/col1001/index.html", "政务公开"), ("/col/col1002/index.html", "政府信息公开")])
        if p == "/col/col1001/index.html":
            return self.nav_page("政务公开", [("/col/col1002/index.html", "政府信息公开"), ("/col/col1003/index.html", "政策解读")])
        if p == "/col/col1002/index.html":
            return self.nav_page("政府信息公开", [("/col/col1004/index.html", "政府信息公开指南"),
                                              (self.stub_path, "政府信息公开年报"), ("/col/col1006/index.html", "依申请公开")])
        if p == self.stub_path:  # 1-2 KB redirect shell, as on many Hanweb sites
            return self.html("政府信息公开年报", f'<script type="text/javascript">location.href="{self.column_path}";</script>')
        if p == self.column_path:
            return self.column_page()
        if p == DATAPROXY:
            return self.dataproxy(req)
        return self.article_route(req)

    def column_page(self) -> Response:
        first = self.items[: self.per_page * self.group_size]
        webname = urllib.parse.quote(urllib.parse.quote(self.site.name))
        nextgroup = (f'<a href="{DATAPROXY}?page=1&appid=1&webid={self.web_id}&path=/&columnid={self.column_id}'
                     f'&unitid={self.unit_id}&webname={webname}&permissiontype=0"></a>')
        records = "\n".join(f"<record><![CDATA[\n{self.record_html(it)}\n]]></record>" for it in first)
        params = json.dumps(self.ajax_params(), ensure_ascii=False).replace('"', "'")
        body = f"""<div class="bt-position">当前位置：<a href="/">首页</a> &gt; {self.column_name}</div>
<div class="bt-list" id="{self.unit_id}"><script type="text/xml"><datastore>
<nextgroup><![CDATA[{nextgroup}]]></nextgroup>
<recordset>
{records}
</recordset>
</datastore></script></div>
<script type="text/javascript">
$(document).ready(function(){{
  $('#{self.unit_id}').jpage({{
    dataStore: dataStore,
    proxyUrl: '{DATAPROXY}',
    perPage: {self.per_page},
    groupSize: {self.group_size},
    totalRecord: {len(self.items)},
    barPosition: 'bottom',
    ajaxParam: {params}
  }});
}});
</script>"""
        head = '<link rel="stylesheet" href="/module/jslib/hanweb.min.css">\n<script src="/module/jslib/jquery/jquery.js"></script>\n<script src="/module/web/jpage/jpage.js"></script>'
        return self.html(f"{self.column_name}_{self.site.name}", body, head=head)

    def dataproxy(self, req: Request) -> Response:
        """POST: the next group of records (startrecord..endrecord, 1-based inclusive) as jpage XML."""
        if req.method != "POST":
            return Response(status=405, body=b"Method Not Allowed", content_type="text/plain", cacheable=False)
        args = {**req.form, **req.args}
        if args.get("columnid") != str(self.column_id):
            records: list[Item] = []
            total = 0
        else:
            try:
                start = int(args.get("startrecord", 1))
                end = int(args.get("endrecord", start + self.per_page * self.group_size - 1))
            except ValueError:
                return Response(status=400, body=b"bad startrecord/endrecord", content_type="text/plain", cacheable=False)
            records = self.items[max(start, 1) - 1: end]
            total = len(self.items)
        xml = ('<?xml version="1.0" encoding="UTF-8"?><datastore>'
               f"<totalrecord>{total}</totalrecord><totalpage>{math.ceil(total / self.per_page)}</totalpage><recordset>"
               + "".join(f"<record><![CDATA[\n{self.record_html(it)}\n]]></record>" for it in records)
               + "</recordset></datastore>")
        return Response(body=xml.encode("utf-8"), content_type="text/xml;charset=UTF-8", cacheable=False)

    def manifest_extra(self) -> dict:
        return {"js_redirect_stub": self.stub_path, "jpage": {
            "proxy": DATAPROXY, "perpage": self.per_page, "group_size": self.group_size, "embedded": min(
                len(self.items), self.per_page * self.group_size), "form": self.ajax_params()}}


UNIT_API = "/api-gateway/jpaas-publish-server/front/page/build/unit"


class HanwebJpaas(HanwebArticles):
    platform = "jpaas"
    page_id = 1229565788
    column_id = 1229565788
    jpaas_web_id = 3185
    tag_id = "信息列表"
    tpl_set_id = "5933b9f0ab6e4e3dbd0a9e4d1b7a9f25"
    page_size = 15

    @property
    def column_path(self) -> str:
        return f"/col/col{self.page_id}/index.html"

    def query_data(self) -> dict:
        return {"webId": str(self.jpaas_web_id), "pageId": str(self.page_id), "parseType": "bulidstatic",
                "pageType": "column", "tagId": self.tag_id, "tplSetId": self.tpl_set_id}

    def assign_paths(self) -> None:
        """Every third item is new-style (/col/colPAGE/art/Y/art_<hex>.html); the rest classic /art/Y/M/D/."""
        for n, it in enumerate(self.all_items):
            d = it.date
            if n % 3 == 0:
                it.path = f"/col/col{self.page_id}/art/{d.year}/art_{hex32(self.county.adcode, it.key)}.html"
                it.extra["link"] = "relative" if n % 2 else "absolute-path"
            else:
                it.extra["id"] = 2578716 - 97 * n
                it.path = f"/art/{d.year}/{d.month}/{d.day}/art_{self.page_id}_{it.extra['id']}.html"
                it.extra["link"] = "protocol-relative" if n % 3 == 1 else "absolute-url"
            self.assign_attachment_paths(it)

    def link(self, it: Item, req: Request) -> str:
        kind = it.extra["link"]
        if kind == "relative":      # resolves against the column page URL, not the API URL
            return it.path[len(f"/col/col{self.page_id}/"):]
        if kind == "protocol-relative":
            return f"//{req.host}{it.path}"
        if kind == "absolute-url":
            return f"{req.base}{it.path}"
        return it.path

    def route(self, req: Request) -> Response | None:
        p = req.path
        if p in ("/", "/index.html"):
            return self.nav_page(self.site.name, [("/col/col1229565780/index.html", "政府信息公开")])
        if p == "/col/col1229565780/index.html":
            return self.nav_page("政府信息公开", [("/col/col1229565781/index.html", "政府信息公开指南"),
                                              (self.column_path, "政府信息公开年报")])
        if p == self.column_path:
            return self.shell(req)
        if p == "/cms_files/default/script/AuthorizedRead/unitbuild.js":
            return Response(body=UNITBUILD_JS.encode(), content_type="application/javascript")
        if p == UNIT_API:
            return self.unit_api(req)
        return self.article_route(req)

    def shell(self, req: Request) -> Response:
        qd = json.dumps(self.query_data(), ensure_ascii=False).replace('"', "'").replace(", ", ",").replace(": ", ":")
        body = f"""<div class="main"><div class="bt-position">当前位置：<a href="/">首页</a> &gt; 政府信息公开年报</div>
<div id="xxgk-list"><script type="text/javascript" src="/cms_files/default/script/AuthorizedRead/unitbuild.js" url="{UNIT_API}" queryData="{esc(qd)}" paramJson="{esc(json.dumps({'pageNo': 1, 'pageSize': self.page_size, 'search': ''}))}"></script></div></div>"""
        return self.html(f"{self.column_name}_{self.site.name}", body)

    def unit_api(self, req: Request) -> Response:
        expected = self.query_data()
        if req.raw_arg("tagId") != self.tag_id.encode("utf-8"):  # e.g. GBK-%-encoded: the real API fails too
            return json_response({"success": False, "code": "500", "message": "生成失败", "data": {}})
        args = req.args
        if any(args.get(k) != v for k, v in expected.items()):
            return json_response({"success": False, "code": "500", "message": "参数错误", "data": {}})
        try:
            param = json.loads(args.get("paramJson") or "{}")
            page_no = max(int(param.get("pageNo", 1)), 1)
            size = max(int(param.get("pageSize", self.page_size)), 1)
        except (ValueError, TypeError, AttributeError):
            return json_response({"success": False, "code": "500", "message": "paramJson格式错误", "data": {}})
        return json_response({"success": True, "code": "200", "message": "生成成功",
                              "data": {"html": self.page_html(req, page_no, size)}})

    def page_html(self, req: Request, page_no: int, size: int) -> str:
        """One page of the list as the API writes it: <ul> rows and the pagination table."""
        rows = self.items[(page_no - 1) * size: page_no * size]
        lis = "".join(
            f"<li class=clearfix><a class=bt-left title='{esc(it.title)}' href='{esc(self.link(it, req))}' target=_blank>"
            f"{esc(it.title)}</a><span class=bt-right>{it.date:%Y-%m-%d}</span></li>" for it in rows)
        pager = (f"<table class='pagination default_pgToolbar' count='{len(self.items)}' rows='{size}' pageNo='{page_no}'"
                 f" unitUrl='{UNIT_API}'><tr><td>共{len(self.items)}条 {page_no}/{max(1, math.ceil(len(self.items) / size))}页</td></tr></table>")
        return f"<ul>{lis}</ul>{pager}"

    def manifest_extra(self) -> dict:
        return {"api": {"path": UNIT_API, "query_data": self.query_data(), "page_size": self.page_size,
                        "note": "relative links resolve against column_path"}}


class HanwebJpaas2(HanwebJpaas):
    """The second jpaas dialect (spec-variants "Hanweb jpaas"): queryData is a JavaScript literal holding `null` and
    a paramJson value that is itself JSON (`'paramJson':'{"pageNo":1,"pageSize":10}'` — swapping quotes breaks
    it), parseType spelt `buildstatic`, `editType`, a 32-hex pageId and a template's free-text tagId; the shell
    carries page 1 statically, the API the rest."""
    platform = "jpaas2"
    page_id = "9d1c2a6f0b7e4c1f8a3e5b2d6c4f7a10"
    jpaas_web_id = 66
    tag_id = "当前栏目_list"
    tpl_set_id = "b7e14f4c2d9a4e0c9f3a6d58e2c1b047"
    page_size = 10
    first_article_id = 4419023

    def query_data(self) -> dict:
        return {"webId": str(self.jpaas_web_id), "pageId": self.page_id, "parseType": "buildstatic",
                "pageType": "column", "tagId": self.tag_id, "tplSetId": self.tpl_set_id, "editType": "null"}

    def route(self, req: Request) -> Response | None:
        p = req.path
        if p in ("/", "/index.html"):
            return self.nav_page(self.site.name, [("/col/col1639/index.html", "政务公开"), ("/col/col1640/index.html", "新闻中心")])
        if p == "/col/col1639/index.html":
            return self.nav_page("政务公开", [("/col/col1641/index.html", "政府信息公开"), ("/col/col1642/index.html", "政策解读")])
        if p == "/col/col1641/index.html":
            return self.nav_page("政府信息公开", [("/col/col1643/index.html", "政府信息公开指南"),
                                              (self.column_path, "政府信息公开年报")])
        return super().route(req)

    def shell(self, req: Request) -> Response:
        literal = ("{'webId':'%s','pageId':'%s','parseType':'buildstatic','pageType':'column','tagId':'%s',"
                   "'tplSetId':'%s','editType':null,'paramJson':'{\"pageNo\":1,\"pageSize\":%d}'}"
                   % (self.jpaas_web_id, self.page_id, self.tag_id, self.tpl_set_id, self.page_size))
        body = f"""<div class="main"><div class="bt-position">当前位置：<a href="/">首页</a> &gt; 政府信息公开年报</div>
<div id="list-{self.page_id[:8]}">{self.page_html(req, 1, self.page_size)}
<script type="text/javascript" src="/cms_files/default/script/AuthorizedRead/unitbuild.js" url="{UNIT_API}" queryData="{esc(literal)}"></script></div></div>"""
        return self.html(f"{self.column_name}_{self.site.name}", body)

    def manifest_extra(self) -> dict:
        return {"api": {"path": UNIT_API, "query_data": self.query_data(), "page_size": self.page_size,
                        "note": "queryData is a JS literal: null, and paramJson as a JSON string inside it"}}


UNITBUILD_JS = """/* jpaas unit builder: fetches the list HTML for the script tag's queryData and inserts it */
(function(){
  var s = document.currentScript, q = eval('(' + s.getAttribute('queryData') + ')');
  var p = s.getAttribute('paramJson') || '{"pageNo":1,"pageSize":15}';
  var u = s.getAttribute('url') + '?' + Object.keys(q).map(function(k){return k + '=' + encodeURIComponent(q[k]);}).join('&')
        + '&paramJson=' + encodeURIComponent(p);
  var x = new XMLHttpRequest(); x.open('GET', u, false); x.send();
  var r = JSON.parse(x.responseText); if (r.success) { s.insertAdjacentHTML('afterend', r.data.html); }
})();
"""
