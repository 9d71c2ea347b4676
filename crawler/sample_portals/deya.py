"""deya WCM (`com.deya.wcm`; spec-variants "deya WCM", 绵竹/昌吉/韩城): 政务公开 lists at
`/info/iList.jsp?node_id=GK<site>&cat_id=<n>[&cur_page=N]`, articles `/info/content.jsp?info_id=N&node_id=…`.
The pager is script-driven: `共 N 条 当前第 1/P 页` and `<a href="javascript:goPage(2)">下一页</a>` — the pages are the
same URL with `cur_page=N`. The 政务公开 index is the same iList.jsp without cat_id."""
from __future__ import annotations

import math

from .catalog import Item
from .simple import ArticleSite
from .web import Request, Response, esc

LIST = "/info/iList.jsp"


class Deya(ArticleSite):
    platform = "deya"
    node_id = "GKmzs"
    cat_id = 15971
    per_page = 6
    first_info_id = 218806

    @property
    def column_path(self) -> str:
        return f"{LIST}?node_id={self.node_id}&cat_id={self.cat_id}"

    def assign_paths(self) -> None:
        for n, it in enumerate(self.all_items):
            it.extra["id"] = self.first_info_id - 13 * n
            it.path = f"/info/content.jsp?info_id={it.extra['id']}&node_id={self.node_id}"
            for k, att in enumerate(it.attachments):
                ext = att.name.rsplit(".", 1)[1]
                att.path = f"/upload/{self.node_id}/{it.date:%Y%m}/{it.extra['id']}_{k}.{ext}"

    def route(self, req: Request) -> Response | None:
        p, args = req.path, req.args
        if p in ("/", "/index.jsp", "/index.html"):
            return self.nav_page(self.site.name, [(f"{LIST}?node_id={self.node_id}", "政务公开"),
                                                  ("/news/index.jsp", "新闻中心")])
        if p == LIST and args.get("node_id") == self.node_id:
            cat = args.get("cat_id")
            if not cat:
                return self.nav_page("政务公开", [(f"{LIST}?node_id={self.node_id}&cat_id=15969", "政府信息公开指南"),
                                                (f"{LIST}?node_id={self.node_id}&cat_id=15970", "法定主动公开内容"),
                                                (self.column_path, "政府信息公开年报")])
            try:
                page = max(int(args.get("cur_page", "1")), 1)
            except ValueError:
                page = 1
            return self.list_page(self.items if cat == str(self.cat_id) else [], page)
        key = f"{p}?{req.query}" if p == "/info/content.jsp" else p
        return self.item_or_file(key)

    def list_page(self, items: list[Item], page: int) -> Response:
        pages = max(1, math.ceil(len(items) / self.per_page))
        rows = "\n".join(f'<tr><td class="title"><a href="{esc(it.path)}" target="_blank" title="{esc(it.title)}">'
                         f'{esc(it.title)}</a></td><td class="date">{it.date:%Y-%m-%d}</td></tr>'
                         for it in items[(page - 1) * self.per_page: page * self.per_page])
        nav = (f'<a href="javascript:goPage(1)">首页</a> <a href="javascript:goPage({max(page - 1, 1)})">上一页</a> '
               f'<a href="javascript:goPage({min(page + 1, pages)})">下一页</a> <a href="javascript:goPage({pages})">尾页</a>')
        body = f"""<div class="position">当前位置：<a href="/">首页</a> &gt; 政务公开 &gt; 政府信息公开年报</div>
<table class="list">{rows or '<tr><td>暂无信息</td></tr>'}</table>
<div class="pager">共 {len(items)} 条 当前第 {page}/{pages} 页 {nav}</div>
<script type="text/javascript">
function goPage(n){{ location.href = "{LIST}?node_id={self.node_id}&cat_id={self.cat_id}&cur_page=" + n; }}
</script>"""
        return self.html(f"政府信息公开年报_{self.site.name}", body)

    def manifest_extra(self) -> dict:
        return {"pager": "javascript:goPage(N) -> cur_page=N"}
