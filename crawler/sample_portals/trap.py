"""A TRS site (Chongqing pager spelling `createPage(…)`) full of crawler traps (issue 10): the 政务公开 page offers 80
query-string variants of itself (`?lmid=N`, each "信息公开专题N", each the same page again: a query-string
explosion); the 年报 list pages carry a calendar (`?date=2024-05-01`, day numbers as link text), sort orders
(`?sort=…&order=…`), and an endless pager (every page, the last included, links `index_{k+1}.html`, which serves the
last page again). A polite crawler finds every report and spends a bounded number of requests on the rest."""
from __future__ import annotations

from .catalog import Item
from .trs import TrsClassic
from .web import Request, Response, esc

PAGER_JS_CHONGQING = """<script type="text/javascript">
function createPage(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  for (var i = 0; i < _nPageCount; i++) {
    var href = (i == 0) ? _sPageName + "." + _sPageExt : _sPageName + "_" + i + "." + _sPageExt;
    document.write(i == _nCurrIndex ? "<span>" + (i + 1) + "</span> " : "<a href=\\"" + href + "\\">" + (i + 1) + "</a> ");
  }
}
</script>"""
VARIANTS = 80


class Trap(TrsClassic):
    platform = "trap"
    charset = "utf-8"
    declared_charset = None
    per_page = 5
    editor, reviewer = "韩梅", "李雷"
    first_article_id = 7120334

    def route(self, req: Request) -> Response | None:
        if req.path in ("/zwgk/", "/zwgk/index.html"):
            links = [("/zwgk/zfxxgk/index.html", "政府信息公开"), ("/zwgk/zcjd/index.html", "政策解读")]
            links += [(f"/zwgk/index.html?lmid={n}", f"信息公开专题{n}") for n in range(1, VARIANTS + 1)]
            return self.nav_page("政务公开", links)
        return super().route(req)

    def column_route(self, rest: str) -> Response | None:
        pages = self.list_pages()
        if rest in ("", "index.html"):
            return self.trap_list(pages, 0)
        if rest.startswith("index_") and rest.endswith(".html") and rest[6:-5].isdigit():
            k = int(rest[6:-5])
            return self.trap_list(pages, min(k, len(pages) - 1), shown=k) if k >= 1 else None
        return self.item_or_file(self.column_dir + rest)

    def trap_list(self, pages: list[list[Item]], current: int, shown: int | None = None) -> Response:
        shown = current if shown is None else shown
        rows = "\n".join(
            f'<li><a href="./{it.path[len(self.column_dir):]}" target="_blank" title="{esc(it.title)}">{esc(it.title)}</a>'
            f"<span>{it.date:%Y-%m-%d}</span></li>" for it in pages[current])
        calendar = " ".join(f'<a href="index.html?date=2024-05-{d:02d}">{d}</a>' for d in range(1, 32))
        sorts = " ".join(f'<a href="index.html?sort={k}&amp;order={o}">{t}</a>'
                         for k, t in (("time", "按时间"), ("title", "按标题"), ("hits", "按点击")) for o in ("asc", "desc"))
        body = f"""<div class="position">当前位置：<a href="/" class="CurrChnlCls">首页</a> &gt; 政府信息公开年报</div>
<div class="sort">排序：{sorts}</div>
<ul class="list">
{rows}
</ul>
<div class="page"><script type="text/javascript">createPage({len(pages)}, {current}, "index", "html");</script>
<a href="index_{shown + 1}.html">下一页</a></div>
<div class="calendar"><a href="index.html?date=2024-04">&lt;</a> 2024年5月 <a href="index.html?date=2024-06">&gt;</a><br>{calendar}</div>"""
        return self.html(f"政府信息公开年报_{self.site.name}", body, head=PAGER_JS_CHONGQING)

    def manifest_extra(self) -> dict:
        return {"traps": {"query_variants": "/zwgk/index.html?lmid=1..80", "calendar": "?date=2024-05-DD",
                          "endless_pager": "index_{k+1}.html past the last page repeats the last page"}}
