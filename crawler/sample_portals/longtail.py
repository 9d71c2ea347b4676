"""A long-tail local CMS (portal-patterns §1.7, §3 rows 2, 6, 10): everything a plain link-follower misses.

* /zfxxgk/zfxxgknb.html only holds <iframe src="/zfxxgk/nblist/list-1.html"> (the list lives in the iframe);
* list anchors have no href: onclick="isDownLoad(this,'/zfxxgk/nb/YYYYMM/tYYYYMMDD_N.html')";
* one item per list page exists only inside a JS string written by document.write;
* the pager <div id="pages"> holds base64 of the %-encoded pager HTML (decoded by a script);
* no charset in Content-Type, only in <meta>;
* a PDF from /common/download.aspx?id=N: application/octet-stream, no extension, no Content-Disposition.
"""
from __future__ import annotations

import base64
import urllib.parse

from .catalog import Item
from .portal import Portal
from .web import Request, Response, esc

COLUMN = "/zfxxgk/zfxxgknb.html"
LIST_DIR = "/zfxxgk/nblist/"
ARTICLE_DIR = "/zfxxgk/nb/"
DOWNLOAD = "/common/download.aspx"


class LongTail(Portal):
    platform = "longtail"
    column_path = COLUMN
    header_charset = False
    per_page = 6
    first_article_id = 7372816

    def assign_paths(self) -> None:
        for n, it in enumerate(self.all_items):
            d = it.date
            it.extra["id"] = self.first_article_id - 101 * n
            it.path = f"{ARTICLE_DIR}{d:%Y%m}/t{d:%Y%m%d}_{it.extra['id']}.html"
            for k, att in enumerate(it.attachments):
                if att.file == "pdf":
                    att.path = f"{DOWNLOAD}?id={8800 + 10 * n + k}"
                    att.octet_stream = True
                else:
                    ext = att.name.rsplit(".", 1)[1]
                    att.path = f"{ARTICLE_DIR}{d:%Y%m}/W0{d:%Y%m%d}{it.extra['id']:07d}{k:05d}.{ext}"

    def pages(self) -> list[list[Item]]:
        return [self.items[i:i + self.per_page] for i in range(0, len(self.items), self.per_page)]

    def route(self, req: Request) -> Response | None:
        p = req.path
        if p in ("/", "/index.html"):
            return self.nav_page(self.site.name, [("/zfxxgk/index.html", "政府信息公开"), ("/xwzx/index.html", "新闻中心")])
        if p == "/zfxxgk/index.html":
            return self.nav_page("政府信息公开", [("/zfxxgk/zfxxgkzn.html", "政府信息公开指南"), (COLUMN, "政府信息公开年报")])
        if p == COLUMN:
            return self.html(f"政府信息公开年报_{self.site.name}",
                             '<div class="weizhi">您现在的位置：<a href="/">首页</a> &gt; 政府信息公开年报</div>'
                             f'<iframe src="{LIST_DIR}list-1.html" width="100%" height="600" frameborder="0" scrolling="no"></iframe>')
        if p.startswith(LIST_DIR + "list-") and p.endswith(".html") and p[len(LIST_DIR) + 5:-5].isdigit():
            n = int(p[len(LIST_DIR) + 5:-5])
            return self.list_page(n) if 1 <= n <= len(self.pages()) else None
        if p == DOWNLOAD or p in self.files:
            key = f"{p}?{req.query}" if p == DOWNLOAD else p
            if key in self.files:
                item, att = self.files[key]
                return self.serve_file(item, att)
            return None
        item = self.by_path.get(p)
        if item is None or self.is_removed(item):
            return None
        return self.verbatim_seed(item) or self.article(item)

    def list_page(self, n: int) -> Response:
        pages = self.pages()
        rows = []
        for i, it in enumerate(pages[n - 1]):
            if i == 1:  # this one exists only inside a JS string (a real href there, but not in the DOM)
                js_li = (f'<li><a href="{it.path}" title="{esc(it.title)}">{esc(it.title)}</a>'
                         f'<span>{it.date:%Y-%m-%d}</span></li>').replace("'", "\\'")
                rows.append(f"<script type=\"text/javascript\">var str = '{js_li}';document.write(str);</script>")
            else:
                rows.append(f'<li><a onclick="isDownLoad(this,\'{it.path}\')" style="cursor:pointer" '
                            f'title="{esc(it.title)}">{esc(it.title)}</a><span>{it.date:%Y-%m-%d}</span></li>')
        pager = ['<a href="list-1.html">首页</a>']
        if n > 1:
            pager.append(f'<a href="list-{n - 1}.html">上一页</a>')
        pager += [f'<a href="list-{k}.html">{k}</a>' if k != n else f"<span>{k}</span>" for k in range(1, len(pages) + 1)]
        if n < len(pages):
            pager.append(f'<a href="list-{n + 1}.html">下一页</a>')
        pager.append(f'<a href="list-{len(pages)}.html">尾页</a> 共{len(pages)}页')
        encoded = base64.b64encode(urllib.parse.quote(" ".join(pager)).encode()).decode()
        body = f"""<script type="text/javascript">
function isDownLoad(obj, url) {{ window.open(url); }}
</script>
<ul class="list">
{chr(10).join(rows)}
</ul>
<div id="pages">{encoded}</div>
<script type="text/javascript">
var p = document.getElementById("pages"); p.innerHTML = decodeURIComponent(atob(p.innerHTML));
</script>"""
        return self.html("列表", body)

    def article(self, item: Item) -> Response:
        links = "".join(f'<p><a href="{esc(a.path)}">{esc(a.name)}</a></p>' for a in item.attachments)
        body = f"""<div class="weizhi">您现在的位置：<a href="/">首页</a> &gt; <a href="{COLUMN}">政府信息公开年报</a></div>
<div class="title">{esc(item.title)}</div><div class="info">发布时间：{item.date:%Y-%m-%d}</div>
<div class="content">{self.body_html(item)}</div>
{f'<div class="fujian">相关附件：{links}</div>' if links else ''}"""
        return self.html(f"{item.title}_{self.site.name}", body, modified=self.item_modified(item))

    def manifest_extra(self) -> dict:
        return {"list_iframe": f"{LIST_DIR}list-1.html"}
