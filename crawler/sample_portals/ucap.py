"""`/common/search/<channelId>` JSON lists with UCAP markup (spec-variants; Heilongjiang, Gansu, Karamay).

The 年报 column page is a shell whose script asks GET /common/search/<32hex>?_isAgg=false&_isJson=true&_pageSize=N
&_template=index&page=N → {data: {total, page, rows, results: [{title, url, publishedTimeStr, domainMetaList}]}}.
Some result URLs are old addresses that 301 to the article's current one."""
from __future__ import annotations

import hashlib

from .simple import ArticleSite
from .web import Request, Response, json_response

CHANNEL = "4f9a2c7e1b3d45a8a6c0e2f4b7d9c1e3"
API = f"/common/search/{CHANNEL}"


class UcapSearch(ArticleSite):
    platform = "ucap"
    column_path = "/zwgk/zfxxgk/zfxxgknb/index.html"
    page_size = 6

    def assign_paths(self) -> None:
        for n, it in enumerate(self.all_items):
            h = hashlib.md5(f"{self.county.adcode}/{it.key}".encode()).hexdigest()
            it.path = f"/zwgk/zfxxgk/zfxxgknb/art/{it.date.year}/art_{h}.html"
            if n % 4 == 1:
                it.extra["old"] = it.extra["listed"] = f"/xxgk/nb/{it.date.year}/{h[:12]}.html"  # 301s to path
            for k, att in enumerate(it.attachments):
                att.path = f"/uploadfiles/{it.date:%Y%m}/{h[:16]}{k}.{att.name.rsplit('.', 1)[1]}"
        self.old = {it.extra["old"]: it for it in self.all_items if "old" in it.extra}

    def route(self, req: Request) -> Response | None:
        p = req.path
        if p in ("/", "/index.html"):
            return self.nav_page(self.site.name, [("/zwgk/index.html", "政务公开"), ("/xwzx/index.html", "新闻中心")])
        if p == "/zwgk/index.html":
            return self.nav_page("政务公开", [("/zwgk/zfxxgk/index.html", "政府信息公开")])
        if p == "/zwgk/zfxxgk/index.html":
            return self.nav_page("政府信息公开", [("/zwgk/zfxxgk/zfxxgkzn/index.html", "政府信息公开指南"),
                                              (self.column_path, "政府信息公开年报")])
        if p == self.column_path:
            return self.shell()
        if p == API:
            return self.api(req)
        if p in self.old:
            return Response(status=301, headers=[("Location", f"{req.base}{self.old[p].path}")], body=b"",
                            cacheable=False)
        return self.item_or_file(p)

    def shell(self) -> Response:
        body = f"""<div class="position">当前位置：<a href="/">首页</a> &gt; 政府信息公开年报</div>
<div class="zfxxgk-list" id="ucap-list"></div>
<script type="text/javascript">
$(function(){{
  $.getJSON("{API}?_isAgg=false&_isJson=true&_pageSize={self.page_size}&_template=index&page=1", function(r){{
    render(r.data.results); pager(r.data.total, r.data.rows);
  }});
}});
</script>"""
        return self.html(f"政府信息公开年报_{self.site.name}", body)

    def api(self, req: Request) -> Response:
        args = req.args
        if args.get("_isJson") != "true":
            return self.html("搜索", "<p>请使用 JSON 接口</p>")
        try:
            page = max(int(args.get("page", "1")), 1)
            rows = max(int(args.get("_pageSize", str(self.page_size))), 1)
        except ValueError:
            return json_response({"error": "bad page"}, status=400)
        chunk = self.items[(page - 1) * rows: page * rows]
        results = [{"title": it.title, "url": f"{req.base}{it.extra.get('old') or it.path}",
                    "publishedTimeStr": f"{it.date:%Y-%m-%d} 10:12:00",
                    "domainMetaList": [{"key": "publisher", "value": self.site.name}]} for it in chunk]
        return json_response({"data": {"total": len(self.items), "page": page, "rows": rows, "results": results}})

    def manifest_extra(self) -> dict:
        return {"api": API, "page_size": self.page_size, "note": "some result URLs 301 to the article's address"}
