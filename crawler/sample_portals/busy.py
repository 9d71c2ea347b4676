"""A portal that watches its own politeness budget: it counts the requests open on each of its hosts at once and
answers 429 (Retry-After: 1) to one more than two (`inflight_limit`). With `hold` set (the politeness test does),
each request is held open until a third one arrives or the hold ends (a threading.Condition, see server.py), so a
crawler that would have three in flight on one host is caught rather than missed by luck.

What a crawler must count against the host: robots.txt (both hosts), redirects (list links go through
`/go/<id>`, 302 to the article; attachments through the xxgk host's `down.jsp?id=`, 302 to the main host), files,
and retries (one report page answers 503 with Retry-After: 1 the first time it is asked). The 年报 column is on the
second host (`xxgk`, 127.0.0.2), reached from the main host's 政府信息公开 entry."""
from __future__ import annotations

import threading

from .catalog import Item
from .trs import PAGER_JS_CLASSIC, TrsClassic
from .web import Request, Response, esc

COLUMN = "/zfxxgk/zfxxgknb/"


class Busy(TrsClassic):
    platform = "busy"
    extra_hosts = ("xxgk",)
    inflight_limit = 2
    charset = "utf-8"
    declared_charset = None
    column_dir = COLUMN
    per_page = 6
    editor, reviewer = "马兰", "赵强"
    first_article_id = 6630112

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._once = threading.Lock()
        self.unavailable_once: set[str] = set()  # report paths that answer 503 once
        reports = [it for it in self.all_items if it.is_report and not it.seed]
        if reports:
            self.flaky = reports[len(reports) // 2].path
            self.unavailable_once.add(self.flaky)

    @property
    def column_path(self) -> str:
        return COLUMN + "index.html"

    def assign_paths(self) -> None:
        super().assign_paths()
        for it in self.all_items:
            it.extra["host"] = "xxgk"
            it.extra["listed"] = f"/go/{it.extra['id']}"
            for k, att in enumerate(it.attachments):
                att.ident = f"{it.extra['id']}{k}"
                att.path = f"/files{att.path}"  # served by the main host
        self.go = {f"/go/{it.extra['id']}": it for it in self.all_items}
        self.down = {att.ident: att for it in self.all_items for att in it.attachments}

    def route(self, req: Request) -> Response | None:
        p = req.path
        if req.vhost == "main":
            if p in ("/", "/index.html"):
                return self.nav_page(self.site.name, [("/xwzx/index.html", "新闻中心"),
                                                      (self.url_of("xxgk", "/zfxxgk/index.html"), "政府信息公开")])
            if p in self.files:
                item, att = self.files[p]
                return self.serve_file(item, att)
            return None
        if p == "/zfxxgk/index.html":
            return self.nav_page("政府信息公开", [("/zfxxgk/zfxxgkzn/index.html", "政府信息公开指南"),
                                              (self.column_path, "政府信息公开年报")])
        if p in self.go:
            return Response(status=302, headers=[("Location", f"{req.base}{self.go[p].path}")], body=b"", cacheable=False)
        if p == COLUMN + "down.jsp":
            att = self.down.get(req.args.get("id", ""))
            if att is None:
                return None
            return Response(status=302, headers=[("Location", self.url_of("main", att.path))], body=b"", cacheable=False)
        if p in self.unavailable_once:
            with self._once:
                first = p in self.unavailable_once
                self.unavailable_once.discard(p)
            if first:
                return Response(status=503, body=b"<h1>503 Service Temporarily Unavailable</h1>",
                                headers=[("Retry-After", "1")], cacheable=False)
        if p.startswith(COLUMN):
            rest = p[len(COLUMN):]
            pages = self.list_pages()
            if rest in ("", "index.html"):
                return self.busy_list(pages, 0)
            if rest.startswith("index_") and rest.endswith(".html") and rest[6:-5].isdigit():
                k = int(rest[6:-5])
                return self.busy_list(pages, k) if 1 <= k < len(pages) else None
            item = self.by_path.get(p)
            if item is None or self.is_removed(item):
                return None
            return self.verbatim_seed(item) or self.article(item)
        return None

    def busy_list(self, pages: list[list[Item]], current: int) -> Response:
        rows = "\n".join(f'<li><a href="/go/{it.extra["id"]}" title="{esc(it.title)}">{esc(it.title)}</a>'
                         f"<span>{it.date:%Y-%m-%d}</span></li>" for it in pages[current])
        body = f"""<div class="position">当前位置：<a href="/zfxxgk/index.html" class="CurrChnlCls">政府信息公开</a> &gt; 年报</div>
<ul class="list">
{rows}
</ul>
<script type="text/javascript">createPageHTML({len(pages)}, {current}, "index", "html");</script>"""
        return self.html(f"政府信息公开年报_{self.site.name}", body, head=PAGER_JS_CLASSIC)

    def article(self, item: Item) -> Response:
        links = "".join(f'<p><a href="{COLUMN}down.jsp?id={a.ident}">{esc(a.name)}</a></p>' for a in item.attachments)
        body = f"""<h1>{esc(item.title)}</h1><div class="info">发布时间：{item.date:%Y-%m-%d}</div>
<div class="TRS_Editor">{self.body_html(item)}</div>
{f'<div class="fj">附件：{links}</div>' if links else ''}"""
        return self.html(f"{item.title}_{self.site.name}", body, modified=self.item_modified(item))

    def manifest_extra(self) -> dict:
        return {"inflight_limit": self.inflight_limit, "flaky": getattr(self, "flaky", None),
                "note": "reports on the xxgk host, listed through /go/<id> redirects; files on the main host"}
