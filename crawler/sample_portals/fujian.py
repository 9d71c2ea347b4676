"""Fujian province-wide 集约化 platform (spec-variants "Fujian"): TRS pages plus a WAS search service.

The 年报 column's first page is static TRS HTML showing `per_page` items in `<ul class="list-1">`; its pager anchors
are `javascript:;`. The page carries the avalon list model
`listModel({Mode:'wasdoc', url:'/fjdzapp/search', listArgs:{channelid, classsql}, pagebar:{recordCount:'N', prepage}})`
— it declares more records than it shows. The rest only comes from POST /fjdzapp/search (form: channelid, classsql,
page, prepage) → JSON {page, prepage, pageCount, recordCount, data:[{doctitle, docpuburl, chnldocurl, url,
docreltime:"2024.03.28 14:48:00", files[]}]}. Articles `./YYYYMM/tYYYYMMDD_N.htm`; one old report was re-published
in bulk under another month's URL (`202002/t20200221_…`: the URL date is not the publication date).
"""
from __future__ import annotations

import math

from .catalog import Item
from .trs import TrsClassic
from .web import Request, Response, esc, json_response

SEARCH = "/fjdzapp/search"


class FujianTrs(TrsClassic):
    platform = "fujian"
    charset = "utf-8"
    declared_charset = None
    column_dir = "/zwgk/zfxxgk/zfxxgknb/"
    per_page = 15
    channel_id = "8c1d4e2f0a9b47d6b3e5f7a1c2d3e4f5"
    chnl_id = 4417
    editor, reviewer = "林婷", "黄伟"
    first_article_id = 5527311

    @property
    def column_path(self) -> str:
        return self.column_dir + "index.htm"

    def assign_paths(self) -> None:
        for n, it in enumerate(self.all_items):
            d = it.date
            it.extra["id"] = self.first_article_id - 41 * n
            month = "202002" if it.key == "gov-2016" else f"{d:%Y%m}"   # re-published in bulk in Feb 2020
            day = "20200221" if it.key == "gov-2016" else f"{d:%Y%m%d}"
            it.path = f"{self.column_dir}{month}/t{day}_{it.extra['id']}.htm"
            for k, att in enumerate(it.attachments):
                ext = att.name.rsplit(".", 1)[1]
                att.path = f"{self.column_dir}{month}/P0{day}{(it.extra['id'] * 7 + k) % 10**12:012d}.{ext}"

    def route(self, req: Request) -> Response | None:
        p = req.path
        if p in ("/", "/index.htm", "/index.html"):
            return self.nav_page(self.site.name, [("/zwgk/index.htm", "政务公开"), ("/xwdt/index.htm", "新闻动态")])
        if p == "/zwgk/index.htm":
            return self.nav_page("政务公开", [("/zwgk/zfxxgk/index.htm", "政府信息公开"), ("/zwgk/zcjd/index.htm", "政策解读")])
        if p == "/zwgk/zfxxgk/index.htm":
            return self.nav_page("政府信息公开", [("/zwgk/zfxxgk/gkzn/index.htm", "政府信息公开指南"),
                                              (self.column_path, "政府信息公开年报")])
        if p == self.column_path:
            return self.first_page()
        if p == SEARCH:
            return self.search(req)
        if p.startswith(self.column_dir):
            return self.item_or_file(p)
        return None

    def first_page(self) -> Response:
        rows = "\n".join(
            f'<li><a href="./{it.path[len(self.column_dir):]}" target="_blank" title="{esc(it.title)}">{esc(it.title)}</a>'
            f"<span>{it.date:%Y-%m-%d}</span></li>" for it in self.items[: self.per_page])
        model = (f"listModel({{Mode:'wasdoc', url:'{SEARCH}', listArgs:{{channelid:'{self.channel_id}', "
                 f"classsql:'chnlid={self.chnl_id}', sortfield:'-docreltime'}}, "
                 f"pagebar:{{recordCount:'{len(self.items)}', prepage:{self.per_page}}}, template:'#list-tpl'}});")
        pages = max(1, math.ceil(len(self.items) / self.per_page))
        pager = " ".join(f'<a href="javascript:;" ms-click="goPage({k})">{k}</a>' for k in range(1, pages + 1))
        body = f"""<div class="position">当前位置：<a href="/" class="CurrChnlCls">首页</a> &gt; <a href="/zwgk/zfxxgk/index.htm" class="CurrChnlCls">政府信息公开</a> &gt; 政府信息公开年报</div>
<div ms-controller="list"><ul class="list-1">
{rows}
</ul>
<div class="pagebar">{pager} <a href="javascript:;">下一页</a></div></div>
<script src="/js/avalon.js"></script>
<script type="text/javascript">{model}</script>"""
        return self.html(f"政府信息公开年报_{self.site.name}", body)

    def search(self, req: Request) -> Response:
        if req.method != "POST":
            return Response(status=405, body=b"Method Not Allowed", content_type="text/plain", cacheable=False)
        form = req.form
        if form.get("channelid") != self.channel_id:
            return json_response({"page": 1, "prepage": 15, "pageCount": 0, "recordCount": 0, "data": []})
        try:
            page = max(int(form.get("page", "1")), 1)
            per = max(int(form.get("prepage", str(self.per_page))), 1)
        except ValueError:
            return json_response({"error": "bad page"}, status=400)
        rows = self.items[(page - 1) * per: page * per]
        data = [{"doctitle": it.title, "docpuburl": f"{req.base}{it.path}", "chnldocurl": it.path,
                 "url": it.path, "docreltime": f"{it.date:%Y.%m.%d} 14:48:00", "chnlid": self.chnl_id,
                 "files": [{"filename": a.name, "url": f"{req.base}{a.path}"} for a in it.attachments]}
                for it in rows]
        resp = json_response({"page": page, "prepage": per, "pageCount": math.ceil(len(self.items) / per),
                              "recordCount": len(self.items), "data": data})
        resp.cacheable = False
        return resp

    def manifest_extra(self) -> dict:
        return {"search": {"path": SEARCH, "channelid": self.channel_id, "static": self.per_page,
                           "note": "the column page shows the first items; listModel declares recordCount"}}


def fujian_note(item: Item) -> None:
    item.note = "re-published in bulk under 202002/t20200221_*: the URL date is not the publication date"

