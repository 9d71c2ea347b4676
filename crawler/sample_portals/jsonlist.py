"""A JSON list no adapter was written for (Suzhou-like, spec-variants "Other county CMSs"): the 年报 column page is
a shell whose script POSTs `/szinf/xxgk/interfacesWebZcwj/loadData?pageSize=N` with form fields {pageIndex, lmid,
sort}; the reply is {"data": {"allRow", "totalPage", "list": [{"TITLE", "URL", "PUBLISHED_TIME_FORMAT", "DOCNO"}]}}
with upper-case keys. Only the generic reader can read it: the ajax call from the script (a JavaScript literal),
titles paired with URLs whatever their keys are called, pages by the page number in the POST body."""
from __future__ import annotations

import json
import math

from .simple import ArticleSite
from .web import Request, Response, json_response

API = "/szinf/xxgk/interfacesWebZcwj/loadData"


class JsonList(ArticleSite):
    platform = "jsonlist"
    column_path = "/szinf/xxgk/nb/index.html"
    page_size = 8
    first_article_id = 6612004

    def assign_paths(self) -> None:
        for n, it in enumerate(self.all_items):
            it.extra["id"] = self.first_article_id - 23 * n
            it.path = f"/szinf/xxgk/nb/{it.date:%Y%m}/t{it.date:%Y%m%d}_{it.extra['id']}.shtml"
            for k, att in enumerate(it.attachments):
                att.path = f"/szinf/xxgk/nb/{it.date:%Y%m}/W0{it.extra['id']}{k}.{att.name.rsplit('.', 1)[1]}"

    def route(self, req: Request) -> Response | None:
        p = req.path
        if p in ("/", "/index.html"):
            return self.nav_page(self.site.name, [("/szinf/xxgk/index.html", "政务公开")])
        if p == "/szinf/xxgk/index.html":
            return self.nav_page("政务公开", [("/szinf/xxgk/zn/index.html", "政府信息公开指南"),
                                            (self.column_path, "政府信息公开年报")])
        if p == self.column_path:
            return self.shell()
        if p == API:
            return self.api(req)
        return self.item_or_file(p)

    def shell(self) -> Response:
        body = f"""<div class="position">当前位置：<a href="/">首页</a> &gt; 政府信息公开年报</div>
<div id="listBox"></div><div id="pageBox"></div>
<script type="text/javascript">
var lm = "nb";
$(function () {{
  $.ajax({{
    url: "{API}?pageSize={self.page_size}",
    type: "post",
    dataType: "json",
    data: {{pageIndex: 1, lmid: "nb", sort: "desc"}},
    success: function (res) {{ renderList(res.data.list); renderPager(res.data.totalPage); }}
  }});
}});
</script>"""
        return self.html(f"政府信息公开年报_{self.site.name}", body)

    def api(self, req: Request) -> Response:
        if req.method != "POST":
            return json_response({"code": 405, "msg": "method not allowed"}, status=405)
        form = {**req.args, **req.form}
        try:
            page, size = max(int(form.get("pageIndex", "1")), 1), max(int(form.get("pageSize", "10")), 1)
        except ValueError:
            return json_response({"code": 400, "msg": "bad page"}, status=400)
        items = self.items if form.get("lmid") == "nb" else []
        rows = [{"TITLE": it.title, "URL": it.path, "PUBLISHED_TIME_FORMAT": f"{it.date:%Y-%m-%d}",
                 "DOCNO": f"{self.county.short}政办〔{it.date.year}〕{it.extra['id'] % 100}号", "READCOUNT": 12}
                for it in items[(page - 1) * size: page * size]]
        resp = json_response({"code": 200, "data": {"allRow": len(items), "totalPage": max(1, math.ceil(len(items) / size)),
                                                    "list": rows}})
        resp.cacheable = False
        return resp

    def manifest_extra(self) -> dict:
        return {"api": API, "page_size": self.page_size, "note": json.dumps({"method": "POST", "form": ["pageIndex", "lmid", "sort"]})}
