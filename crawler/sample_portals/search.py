"""A Hanweb classic site whose menus do not lead to the 年报 at all: the site's search does (portal-patterns §1.2
article shape; spec-variants "Hanweb classic" rows). The homepage has a GET search form (`/jsearchfront/search.do`
with a hidden websiteid); a search for 年度报告/年报 lists the reports, rows truncated in their text with the full
title in the `title` attribute and the date in `<b>`, paged by `&p=N`."""
from __future__ import annotations

import math
import re
import urllib.parse

from .catalog import Item
from .hanweb import HanwebArticles
from .web import Request, Response, esc

SEARCH = "/jsearchfront/search.do"


class SearchOnly(HanwebArticles):
    platform = "search"
    column_id = 1229
    per_page = 5
    first_article_id = 7730044

    @property
    def column_path(self) -> str:
        return SEARCH

    def assign_paths(self) -> None:
        for n, it in enumerate(self.all_items):
            d = it.date
            it.extra["id"] = self.first_article_id - 61 * n
            it.path = f"/art/{d.year}/{d.month}/{d.day}/art_{self.column_id}_{it.extra['id']}.html"
            self.assign_attachment_paths(it)

    def route(self, req: Request) -> Response | None:
        p = req.path
        if p in ("/", "/index.html"):
            form = (f'<form action="{SEARCH}" method="get" target="_blank"><input type="hidden" name="websiteid" '
                    f'value="{self.county.adcode}000000000"><input type="text" name="q" placeholder="请输入关键字">'
                    f'<input type="submit" value="搜索"></form>')
            return self.nav_page(self.site.name, [("/col/col1221/index.html", "新闻中心"), ("/col/col1222/index.html", "便民服务")],
                                 intro=form)
        if p == SEARCH:
            return self.search(req)
        return self.article_route(req)

    def matches(self, words: str) -> list[Item]:
        if not re.search(r"年度报告|年报", words):
            return []
        return [it for it in self.items if it.is_report or "年度报告" in it.title]

    def search(self, req: Request) -> Response:
        args = req.args
        found = self.matches(args.get("q", ""))
        try:
            page = max(int(args.get("p", "1")), 1)
        except ValueError:
            page = 1
        pages = max(1, math.ceil(len(found) / self.per_page))
        rows = "".join(
            f'<li><a title="{esc(it.title)}" href="{esc(it.path)}" target="_blank">{esc(it.title[:14])}…</a>'
            f'<b>{it.date:%Y-%m-%d}</b></li>' for it in found[(page - 1) * self.per_page: page * self.per_page])
        query = {k: v for k, v in args.items() if k != "p"}
        nxt = (f'<a href="search.do?{esc(urllib.parse.urlencode({**query, "p": page + 1}))}">下一页</a>'
               if page < pages else "")
        body = (f'<div class="jsearch-result"><p>找到 {len(found)} 条结果</p><ul class="result-list">{rows}</ul>'
                f'<div class="pager">{nxt}</div></div>')
        return self.html(f"搜索结果_{self.site.name}", body)

    def manifest_extra(self) -> dict:
        return {"search_form": SEARCH, "note": "no menu leads to the 年报; the site search does"}
