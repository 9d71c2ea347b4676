"""PowerEasy (动易, ASP.NET) county site whose 信息公开目录 is a separate TRS host (spec-variants "Other county
CMSs", 靖安县). Main host: columns `/Category_<n>/Index.aspx` (pages `Index_2.aspx`), articles `/Item/<n>.aspx`; its
政务公开 column lists news and one old report. The 政府信息公开 menu entry leads to the other host (`xxgk`, on
127.0.0.2): TRS with suffixed folders `/zfxxgk_38041/gknb_38047/`, 0-based createPageHTML pages, `.shtml`."""
from __future__ import annotations

from .catalog import Item
from .trs import PAGER_JS_CLASSIC, TrsClassic
from .web import Request, Response, esc

XXGK = "/zfxxgk_38041/"
GKNB = XXGK + "gknb_38047/"


class PowerEasy(TrsClassic):
    platform = "powereasy"
    extra_hosts = ("xxgk",)
    charset = "utf-8"
    declared_charset = None
    column_dir = GKNB
    per_page = 5
    editor, reviewer = "周敏", "吴刚"
    first_article_id = 3185520
    main_item_keys = ("gov-2018",)  # the old report posted on the main site's 政务公开 column

    @property
    def column_path(self) -> str:
        return GKNB + "index.shtml"

    def assign_paths(self) -> None:
        for n, it in enumerate(self.all_items):
            d = it.date
            it.extra["id"] = self.first_article_id - 29 * n
            if it.key in self.main_item_keys or it.kind == "news":
                it.extra["host"] = "main"
                it.path = f"/Item/{it.extra['id'] % 100000}.aspx"
            else:
                it.extra["host"] = "xxgk"
                it.path = f"{GKNB}{d:%Y%m}/t{d:%Y%m%d}_{it.extra['id']}.shtml"
            for k, att in enumerate(it.attachments):
                ext = att.name.rsplit(".", 1)[1]
                att.path = (f"/UploadFiles/{d:%Y%m}/{it.extra['id']}{k}.{ext}" if it.extra["host"] == "main" else
                            f"{GKNB}{d:%Y%m}/P0{d:%Y%m%d}{(it.extra['id'] * 31 + k) % 10**12:012d}.{ext}")

    def on(self, vhost: str) -> list[Item]:
        return [it for it in self.items if it.extra.get("host") == vhost]

    def route(self, req: Request) -> Response | None:
        if req.vhost == "xxgk":
            return self.xxgk_route(req)
        p = req.path
        if p in ("/", "/Index.aspx", "/index.aspx"):
            return self.nav_page(self.site.name, [("/Category_1/Index.aspx", "新闻动态"), ("/Category_8/Index.aspx", "政务公开"),
                                                  (self.url_of("xxgk", XXGK + "index.shtml"), "政府信息公开")])
        if p in ("/Category_1/Index.aspx", "/Category_8/Index.aspx", "/Category_8/Index_2.aspx"):
            # the old report is pinned at the top of the column (置顶), the news follow
            items = sorted(self.on("main"), key=lambda it: not it.is_report) if p.startswith("/Category_8/") else []
            return self.category_page(p, items)
        return self.main_article_or_file(p)

    def main_article_or_file(self, path: str) -> Response | None:
        if path in self.files and self.files[path][0].extra.get("host") == "main":
            item, att = self.files[path]
            return self.serve_file(item, att)
        item = self.by_path.get(path)
        if item is None or item.extra.get("host") != "main" or self.is_removed(item):
            return None
        links = "".join(f'<p><a href="{esc(a.path)}">{esc(a.name)}</a></p>' for a in item.attachments)
        body = f"""<div class="PowerEasy_Article"><h1>{esc(item.title)}</h1>
<div class="info">发布时间：{item.date:%Y-%m-%d}</div><div id="fontzoom">{self.body_html(item)}</div>
{f'<div class="attach">附件：{links}</div>' if links else ''}</div>"""
        return self.html(f"{item.title}_{self.site.name}", body, modified=self.item_modified(item))

    def category_page(self, path: str, items: list[Item]) -> Response:
        half = (len(items) + 1) // 2
        page_items = items[half:] if path.endswith("_2.aspx") else items[:half]
        rows = "".join(f'<li><a href="{esc(it.path)}" title="{esc(it.title)}" target="_blank">{esc(it.title)}</a>'
                       f'<span class="date">{it.date:%Y-%m-%d}</span></li>' for it in page_items)
        pager = ('<div class="pager"><a href="Index.aspx">首页</a> <a href="Index_2.aspx">2</a> '
                 '<a href="Index_2.aspx">下一页</a></div>' if len(items) > 1 else "")
        return self.html(f"政务公开_{self.site.name}", f'<div class="PowerEasy_List"><ul>{rows}</ul></div>{pager}'
                         '<!-- Powered by PowerEasy SiteWeaver -->')

    def xxgk_route(self, req: Request) -> Response | None:
        p = req.path
        if p in ("/", XXGK, XXGK + "index.shtml"):
            return self.nav_page("政府信息公开", [(XXGK + "gkzn_38042/index.shtml", "政府信息公开指南"),
                                              (XXGK + "fdzdgknr_38043/index.shtml", "法定主动公开内容"),
                                              (self.column_path, "政府信息公开年报")])
        if p.startswith(GKNB):
            rest = p[len(GKNB):]
            pages = [self.on("xxgk")[i:i + self.per_page] for i in range(0, len(self.on("xxgk")), self.per_page)] or [[]]
            if rest in ("", "index.shtml"):
                return self.list_page_x(pages, 0)
            if rest.startswith("index_") and rest.endswith(".shtml") and rest[6:-6].isdigit():
                k = int(rest[6:-6])
                return self.list_page_x(pages, k) if 1 <= k < len(pages) else None
            return self.item_or_file(p)
        return None

    def list_page_x(self, pages: list[list[Item]], current: int) -> Response:
        rows = "\n".join(
            f'<li><a href="./{it.path[len(GKNB):]}" target="_blank" title="{esc(it.title)}">{esc(it.title)}</a>'
            f"<span>{it.date:%Y-%m-%d}</span></li>" for it in pages[current])
        body = f"""<div class="position">当前位置：<a href="{XXGK}index.shtml" class="CurrChnlCls">政府信息公开</a> &gt; 政府信息公开年报</div>
<ul class="list">
{rows}
</ul>
<script type="text/javascript">createPageHTML({len(pages)}, {current}, "index", "shtml");</script>"""
        return self.html(f"政府信息公开年报_{self.site.name}", body, head=PAGER_JS_CLASSIC)

    def manifest_extra(self) -> dict:
        return {"xxgk_host": {"name": "xxgk", "column": self.column_path,
                              "note": "the 政府信息公开 entry of the main host leads to this host"}}
