"""Epoint 新点 WebBuilder (portal-patterns §1.5).

List /xxgk/xxgknb/moreinfo.html (pages 2.html, 3.html … with an ewb-page pager) linking
showinfo.html?infoGuid=<uuid>. The shell is the same empty page for every guid (404 for unknown/removed
guids); its script POSTs form `params={"infoid":"<uuid>"}` to /EpointWebBuilder/rest/GovInfoAction/getGovInfoDetail,
which answers {"custom":{"data":{title, infocontent, infotype, pdflist[], infodate}}, "status":{"code":200}}.
infotype "pdf" = the report is only the PDF in pdflist (infocontent empty). Files come from
/EpointWebBuilder/WebbuilderMIS/attach/downloadZtbAttach.jspx?attachGuid=<uuid>&appUrlFlag=ztb007
(octet-stream, raw-GBK Content-Disposition).
"""
from __future__ import annotations

import json
import uuid

from . import content
from .catalog import Item
from .portal import Portal
from .web import Request, Response, esc, json_response

LIST_DIR = "/xxgk/xxgknb/"
DETAIL_API = "/EpointWebBuilder/rest/GovInfoAction/getGovInfoDetail"
ATTACH = "/EpointWebBuilder/WebbuilderMIS/attach/downloadZtbAttach.jspx"


def guid(*parts) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(map(str, parts))))


class Epoint(Portal):
    platform = "epoint"
    per_page = 8
    column_path = LIST_DIR + "moreinfo.html"

    def assign_paths(self) -> None:
        for it in self.all_items:
            g = guid(self.county.adcode, it.key)
            it.extra["guid"] = g
            it.path = f"{LIST_DIR}showinfo.html?infoGuid={g}"
            it.extra["fetch"] = {"method": "POST", "path": DETAIL_API,
                                 "form": {"params": json.dumps({"infoid": g}, separators=(",", ":"))}}
            for k, att in enumerate(it.attachments):
                att.ident = guid(self.county.adcode, it.key, "attach", k)
                att.path = f"{ATTACH}?attachGuid={att.ident}&appUrlFlag=ztb007"
                att.octet_stream = True
        self.by_guid = {it.extra["guid"]: it for it in self.all_items}

    def pdf_only(self, it: Item) -> bool:
        return bool(it.attachments) and it.attachments[0].file == "pdf" and not it.body_seed

    def route(self, req: Request) -> Response | None:
        p = req.path
        if p in ("/", "/index.html"):
            return self.nav_page(self.site.name, [("/xxgk/index.html", "信息公开"), ("/zwfw/index.html", "政务服务")])
        if p == "/xxgk/index.html":
            return self.nav_page("政府信息公开", [("/xxgk/xxgkzn/moreinfo.html", "政府信息公开指南"),
                                              (self.column_path, "政府信息公开年报")])
        pages = [self.items[i:i + self.per_page] for i in range(0, len(self.items), self.per_page)]
        if p == self.column_path:
            return self.list_page(pages, 1)
        if p.startswith(LIST_DIR) and p.endswith(".html") and p[len(LIST_DIR):-5].isdigit():
            n = int(p[len(LIST_DIR):-5])
            return self.list_page(pages, n) if 2 <= n <= len(pages) else None
        if p == LIST_DIR + "showinfo.html":
            item = self.by_guid.get(req.args.get("infoGuid", ""))
            return self.shell() if item is not None and not self.is_removed(item) else None
        if p == DETAIL_API:
            return self.detail_api(req)
        if p == ATTACH:
            for path, (item, att) in self.files.items():
                if att.ident == req.args.get("attachGuid"):
                    return self.serve_file(item, att, disposition="raw-gbk")
        return None

    def list_page(self, pages: list[list[Item]], n: int) -> Response:
        rows = "\n".join(
            f'<li class="ewb-list-node clearfix"><a href="showinfo.html?infoGuid={it.extra["guid"]}" target="_blank" '
            f'class="ewb-list-name" title="{esc(it.title)}">{esc(it.title)}</a><span class="ewb-list-date">{it.date:%Y-%m-%d}</span></li>'
            for it in pages[n - 1])

        def href(k: int) -> str:
            return "moreinfo.html" if k == 1 else f"{k}.html"

        pager = [f'<li class="ewb-page-li"><a href="{href(1)}">首页</a></li>']
        if n > 1:
            pager.append(f'<li class="ewb-page-li"><a href="{href(n - 1)}">上页</a></li>')
        pager.append(f'<li class="ewb-page-li current"><span>{n}/{len(pages)}</span></li>')
        if n < len(pages):
            pager.append(f'<li class="ewb-page-li"><a href="{href(n + 1)}">下页</a></li>')
        pager.append(f'<li class="ewb-page-li"><a href="{href(len(pages))}">末页</a></li>')
        body = f"""<div class="ewb-location">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk/index.html">信息公开</a> &gt; 政府信息公开年报</div>
<ul class="ewb-list">
{rows}
</ul>
<div class="ewb-page"><ul class="ewb-page-items clearfix">{''.join(pager)}<li class="ewb-page-li">共{sum(map(len, pages))}条</li></ul></div>"""
        return self.html(f"政府信息公开年报_{self.site.name}", body)

    def shell(self) -> Response:
        body = f"""<div class="ewb-location">当前位置：<a href="/">首页</a> &gt; <a href="{self.column_path}">政府信息公开年报</a></div>
<div class="ewb-article"><h2 class="ewb-article-tt" id="title"></h2><div class="ewb-article-info" id="infodate"></div>
<div class="ewb-article-content" id="infocontent"></div><div class="ewb-article-attach" id="pdflist"></div></div>
<script src="/js/jquery.min.js"></script>
<script type="text/javascript">
var infoGuid = Util.getUrlParams("infoGuid");
$.ajax({{ url: "{DETAIL_API}", type: "post", dataType: "json",
  data: {{ params: JSON.stringify({{ infoid: infoGuid }}) }},
  success: function (msg) {{ var d = msg.custom.data; $("#title").html(d.title); $("#infocontent").html(d.infocontent); }} }});
</script>"""
        return self.html(f"详情_{self.site.name}", body)

    def detail_api(self, req: Request) -> Response:
        if req.method != "POST":
            return Response(status=405, body=b"Method Not Allowed", content_type="text/plain", cacheable=False)
        try:
            infoid = json.loads(req.form.get("params", "{}")).get("infoid", "")
        except (ValueError, AttributeError):
            infoid = ""
        it = self.by_guid.get(infoid)
        if it is None or self.is_removed(it):
            return json_response({"custom": {"data": None}, "status": {"code": 404, "text": "信息不存在"}}, status=404)
        pdf_only = self.pdf_only(it)
        if it.seed and content.seed_page(it.seed) is not None:
            infocontent = self.seed_fragment(it)
        else:
            infocontent = "" if pdf_only else self.body_html(it)
        others = [a for a in it.attachments if a.file != "pdf"]
        if others:
            infocontent += "".join(f'<p>附件：<a href="{esc(a.path)}">{esc(a.name)}</a></p>' for a in others)
        data = {"title": it.title, "infodate": f"{it.date:%Y-%m-%d}", "infotype": "pdf" if pdf_only else "html",
                "infocontent": infocontent, "infoid": infoid, "author": self.site.host_unit,
                "pdflist": [{"attachname": a.name, "attachurl": a.path, "attachguid": a.ident}
                            for a in it.attachments if a.file == "pdf"]}
        return json_response({"custom": {"data": data}, "status": {"code": 200, "text": ""}})

    def seed_fragment(self, it: Item) -> str:
        fragment = content.seed_body(it.seed)
        if self.variant == "changed" and it is self.edited:
            fragment = content.apply_edit(fragment, content.SEED_EDITS[it.seed])
        return fragment

    def manifest_extra(self) -> dict:
        return {"detail_api": DETAIL_API, "note": "report path = showinfo shell; content via the POST in `fetch`"}


LIST_API = "/EWB-FRONT/rest/lightfrontaction/getgovinfolist"
SHELL = "/dynamic/zwgk/govInfoPub.html"


class EpointGovInfo(Portal):
    """EWB-FRONT 信息公开 lists (spec-variants "Epoint", Xuzhou): category shells `/dynamic/zwgk/govInfoPub.html?
    categorynum=<num>` whose list is POST /EWB-FRONT/rest/lightfrontaction/getgovinfolist with a JSON body
    {siteGuid, categorynum, deptcode, pageIndex (1-based), pageSize} → {"custom": "<JSON string>": {data:
    [{infourl (root-relative), realtitle, title (cut to 18 characters), infodate}], total}}. Articles are static
    pages `/xxgk/<categorynum>/<date>/<guid>.html`; files via downloadZtbAttach.jspx."""
    platform = "epoint-list"
    site_guid = "7eb5f7f1-9041-43ad-8e13-8fcb82ea831a"
    category = "003001005"
    page_size = 5

    @property
    def column_path(self) -> str:
        return f"{SHELL}?categorynum={self.category}"

    def assign_paths(self) -> None:
        for it in self.all_items:
            g = guid(self.county.adcode, it.key)
            it.path = f"/xxgk/{self.category}/{it.date:%Y%m%d}/{g}.html"
            for k, att in enumerate(it.attachments):
                att.ident = guid(self.county.adcode, it.key, "attach", k)
                att.path = f"{ATTACH}?attachGuid={att.ident}&appUrlFlag=ztb007"
                att.octet_stream = True

    def route(self, req: Request) -> Response | None:
        p = req.path
        if p in ("/", "/index.html"):
            return self.nav_page(self.site.name, [("/zwgk/index.html", "政务公开"), ("/zwfw/index.html", "政务服务")])
        if p == "/zwgk/index.html":
            return self.nav_page("政务公开", [(f"{SHELL}?categorynum=003001001", "政府信息公开指南"),
                                            (f"{SHELL}?categorynum=003001002", "政府信息公开制度"),
                                            (self.column_path, "政府信息公开年报")])
        if p == SHELL:
            return self.shell()
        if p == LIST_API:
            return self.list_api(req)
        if p == ATTACH:
            for path, (item, att) in self.files.items():
                if att.ident == req.args.get("attachGuid"):
                    return self.serve_file(item, att, disposition="raw-gbk")
            return None
        item = self.by_path.get(p)
        if item is None or self.is_removed(item):
            return None
        return self.verbatim_seed(item) or self.article(item)

    def shell(self) -> Response:
        body = f"""<div class="ewb-location">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/index.html">政务公开</a></div>
<ul class="ewb-info-list" id="infolist"></ul><div class="ewb-page" id="pager"></div>
<script src="/js/jquery.min.js"></script>
<script type="text/javascript">
var siteGuid = "{self.site_guid}";
var deptcode = "";
var pageSize = "{self.page_size}";
function load(pageIndex) {{
  $.ajax({{ url: "{LIST_API}", type: "post", contentType: "application/json;charset=UTF-8", dataType: "json",
    data: JSON.stringify({{ siteGuid: siteGuid, categorynum: Util.getUrlParams("categorynum"), deptcode: deptcode,
                            pageIndex: pageIndex, pageSize: parseInt(pageSize) }}),
    success: function (msg) {{ var c = JSON.parse(msg.custom); render(c.data); pager(c.total); }} }});
}}
load(1);
</script>"""
        return self.html(f"政务公开_{self.site.name}", body)

    def list_api(self, req: Request) -> Response:
        if req.method != "POST":
            return Response(status=405, body=b"Method Not Allowed", content_type="text/plain", cacheable=False)
        try:
            params = json.loads(req.body or b"{}")
            page, size = max(int(params.get("pageIndex", 1)), 1), max(int(params.get("pageSize", 10)), 1)
        except (ValueError, TypeError, AttributeError):
            return json_response({"custom": "", "status": {"code": 400, "text": "参数错误"}}, status=400)
        items = self.items if params.get("siteGuid") == self.site_guid and \
            params.get("categorynum") == self.category else []
        rows = [{"infourl": it.path, "realtitle": it.title,
                 "title": it.title if len(it.title) <= 18 else it.title[:18] + "...",
                 "infodate": f"{it.date:%Y-%m-%d}"} for it in items[(page - 1) * size: page * size]]
        custom = json.dumps({"data": rows, "total": len(items)}, ensure_ascii=False)
        resp = json_response({"custom": custom, "status": {"code": 200, "text": ""}})
        resp.cacheable = False
        return resp

    def article(self, item: Item) -> Response:
        links = "".join(f'<p><a href="{esc(a.path)}">{esc(a.name)}</a></p>' for a in item.attachments)
        body = f"""<div class="ewb-location">当前位置：<a href="/">首页</a> &gt; <a href="{self.column_path}">政府信息公开年报</a></div>
<div class="ewb-article"><h2 class="ewb-article-tt">{esc(item.title)}</h2>
<div class="ewb-article-info">发布时间：{item.date:%Y-%m-%d}</div>
<div class="ewb-article-content">{self.body_html(item)}</div>
{f'<div class="ewb-article-attach">附件：{links}</div>' if links else ''}</div>"""
        return self.html(f"{item.title}_{self.site.name}", body, modified=self.item_modified(item))

    def manifest_extra(self) -> dict:
        return {"list_api": LIST_API, "site_guid": self.site_guid, "category": self.category,
                "note": "POST JSON body; custom is a JSON string"}
