"""TRS WCM static sites (portal-patterns §1.1).

TrsClassic: `/zwgk/zfxxgk/zfxxgknb/index.html`, 0-based pager (page k = index_{k-1}.html) written by
    createPageHTML(countPage, currentPage, "index", "html"); articles ./YYYYMM/tYYYYMMDD_N.html holding
    <div class="TRS_Editor">; attachments ./P0YYYYMMDD<12 digits>.<ext> in the same month dir; the first
    report with attachments lists them only inside `var hasFJ='<a href=...>'` (document.write).
Trs6: 6-argument 1-based pager createPageHTML('page_div',pages,current,'index','shtml',records)
    (page k = index_k.shtml, k >= 2), .shtml, one subdir per *publication* year: gknb{P}/ holds the
    reports published in P, i.e. about year P-1.
RobotsTrs / MovedTrs: small TrsClassic sites with robots.txt Disallow-all / a relocated column.
"""
from __future__ import annotations


from .catalog import Item
from .portal import Portal
from .web import Request, Response, esc

PAGER_JS_CLASSIC = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  if(nCurrIndex == 0) document.write("首页 | 上一页 | ");
  else {
    document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">首页</a> | ");
    if(nCurrIndex == 1) document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">上一页</a> | ");
    else document.write("<a href=\\""+_sPageName+"_"+(nCurrIndex-1)+"."+_sPageExt+"\\">上一页</a> | ");
  }
  if(nCurrIndex == _nPageCount-1) document.write("下一页 | 尾页");
  else {
    document.write("<a href=\\""+_sPageName+"_"+(nCurrIndex+1)+"."+_sPageExt+"\\">下一页</a> | ");
    document.write("<a href=\\""+_sPageName+"_"+(_nPageCount-1)+"."+_sPageExt+"\\">尾页</a>");
  }
}
</script>"""

PAGER_JS_SIX = """<script type="text/javascript">
function createPageHTML(divId, totalPages, current, prefix, ext, totalRecords){
  var html = "共" + totalRecords + "条 ";
  for (var i = 1; i <= totalPages; i++) {
    var href = (i == 1) ? prefix + "." + ext : prefix + "_" + i + "." + ext;
    html += (i == current) ? "<span>" + i + "</span> " : "<a href='" + href + "'>" + i + "</a> ";
  }
  document.getElementById(divId).innerHTML = html;
}
</script>"""


class TrsClassic(Portal):
    platform = "trs"
    column_dir = "/zwgk/zfxxgk/zfxxgknb/"
    per_page = 6
    charset = "gb18030"          # bytes are GB18030 ...
    declared_charset = "gb2312"  # ... but pages say gb2312 (a classic: rare name characters need GB18030)
    editor = "马䶮"               # 䶮 (U+4DAE) and 𠮷 (U+20BB7) are outside GB2312/GBK
    reviewer = "韩𠮷"
    first_article_id = 2748784

    @property
    def column_path(self) -> str:
        return self.column_dir + "index.html"

    # --- layout -----------------------------------------------------------------------------------------
    def assign_paths(self) -> None:
        js_done = False
        for n, it in enumerate(self.all_items):
            d = it.date
            month_dir = f"{self.column_dir}{d:%Y%m}/"
            it.extra["id"] = self.first_article_id - 37 * n  # ids grow with time; items are newest first
            it.path = f"{month_dir}t{d:%Y%m%d}_{it.extra['id']}.html"
            for k, att in enumerate(it.attachments):
                ext = att.name.rsplit(".", 1)[1]
                att.path = f"{month_dir}P0{d:%Y%m%d}{(it.extra['id'] * 7919 + k) % 10**12:012d}.{ext}"
            if it.attachments and not js_done:
                it.extra["attachments_in_js"] = True   # Chongqing-style `var hasFJ='<a href=...>'`
                js_done = True

    def list_pages(self) -> list[list[Item]]:
        return [self.items[i:i + self.per_page] for i in range(0, len(self.items), self.per_page)] or [[]]

    # --- routing ----------------------------------------------------------------------------------------
    def route(self, req: Request) -> Response | None:
        path = req.path
        if path in ("/", "/index.html"):
            return self.home()
        if path in ("/zwgk/", "/zwgk/index.html"):
            return self.nav_page("政务公开", [("/zwgk/zfxxgk/index.html", "政府信息公开"), ("/zwgk/zcjd/index.html", "政策解读")])
        if path in ("/zwgk/zfxxgk/", "/zwgk/zfxxgk/index.html"):
            return self.nav_page("政府信息公开", self.xxgk_links())
        if path.startswith(self.column_dir):
            return self.column_route(path[len(self.column_dir):])
        return None

    def xxgk_links(self) -> list[tuple[str, str]]:
        return [("/zwgk/zfxxgk/zfxxgkzn/index.html", "政府信息公开指南"), ("/zwgk/zfxxgk/zfxxgkzd/index.html", "政府信息公开制度"),
                ("/zwgk/zfxxgk/fdzdgknr/index.html", "法定主动公开内容"), (self.column_path, "政府信息公开年报"),
                ("/zwgk/zfxxgk/ysqgk/index.html", "依申请公开")]

    def column_route(self, rest: str) -> Response | None:
        pages = self.list_pages()
        if rest in ("", "index.html"):
            return self.list_page(pages, 0)
        if rest.startswith("index_") and rest.endswith(".html"):
            num = rest[len("index_"):-len(".html")]
            if num.isdigit() and 1 <= int(num) < len(pages):
                return self.list_page(pages, int(num))
            return None
        return self.item_or_file(self.column_dir + rest)

    # --- pages ------------------------------------------------------------------------------------------
    def list_page(self, pages: list[list[Item]], current: int) -> Response:
        rows = "\n".join(
            f'<li><a href="./{it.path[len(self.column_dir):]}" target="_blank" title="{esc(it.title)}">{esc(it.title)}</a>'
            f"<span>{it.date:%Y-%m-%d}</span></li>" for it in pages[current])
        body = f"""<div class="position">当前位置：<a href="/" class="CurrChnlCls">首页</a> &gt; <a href="/zwgk/index.html" class="CurrChnlCls">政务公开</a> &gt; <a href="/zwgk/zfxxgk/index.html" class="CurrChnlCls">政府信息公开</a> &gt; <a href="./" class="CurrChnlCls">政府信息公开年报</a></div>
<div class="list"><ul>
{rows}
</ul></div>
<div class="page">
<script type="text/javascript">
var currentPage = {current};//所在页从0开始
var prePage = currentPage-1;
var nextPage = currentPage+1;
var countPage = {len(pages)};//共多少页
createPageHTML(countPage, currentPage, "index", "html");
</script>
</div>
<p class="editor">责任编辑：{self.editor}</p>"""
        return self.html(f"政府信息公开年报_{self.site.name}", body, head=PAGER_JS_CLASSIC)

    def article(self, item: Item) -> Response:
        links = "".join(f'<a href="./{a.path.rsplit("/", 1)[1]}">{esc(a.name)}</a><BR/>' for a in item.attachments)
        if item.extra.get("attachments_in_js"):
            fj = f"""<script language="javascript">
var hasFJ='{links}';
if(hasFJ!=''){{document.write('<div class="fj">附件：'+hasFJ+'</div>');}}
</script>"""
        elif links:
            fj = f'<div class="fj">附件：{links}</div>'
        else:
            fj = ""
        body = f"""<div class="position">当前位置：<a href="/" class="CurrChnlCls">首页</a> &gt; <a href="{self.column_path}" class="CurrChnlCls">政府信息公开年报</a></div>
<h1 class="title">{esc(item.title)}</h1>
<div class="info">发布时间：{item.date:%Y-%m-%d} 来源：{esc(self.site.host_unit)}</div>
<div id="zoom"><div class="TRS_Editor">
{self.body_html(item)}
</div></div>
{fj}
<p class="editor">责任编辑：{self.editor} 审核：{self.reviewer}</p>"""
        head = (f'<meta name="ArticleTitle" content="{esc(item.title)}">\n'
                f'<meta name="PubDate" content="{item.date:%Y-%m-%d} 09:30">\n'
                f'<meta name="ColumnName" content="政府信息公开年报">')
        return self.html(f"{item.title}_{self.site.name}", body, modified=self.item_modified(item), head=head)


class RobotsTrs(TrsClassic):
    """A normal site whose robots.txt forbids everything (顺义-style). A polite crawler fetches only /robots.txt."""
    platform = "robots"
    expected_status = "robots"
    charset = "utf-8"
    declared_charset = None
    robots_txt = "User-agent: *\nDisallow: /\n"
    editor, reviewer = "张明", "李华"


class MovedTrs(TrsClassic):
    """The column moved: its old URL 301-redirects to the homepage, an older URL is a 200 "页面不存在" page,
    the 政府信息公开 page links the new slug."""
    platform = "moved"
    expected_status = "moved"
    charset = "utf-8"
    declared_charset = None
    column_dir = "/zwgk/zfxxgk/fdzdgknr/gknb_2024/"
    old_redirect = "/zwgk/zfxxgk/zfxxgknb/index.html"
    old_soft404 = "/xxgk/xxgknb/index.html"
    editor, reviewer = "王芳", "赵强"
    first_article_id = 1930121

    def route(self, req: Request) -> Response | None:
        if req.path.startswith("/zwgk/zfxxgk/zfxxgknb/"):
            return Response(status=301, headers=[("Location", f"{req.base}/")], body=b"", cacheable=False)
        if req.path.startswith("/xxgk/xxgknb/"):
            return self.html("页面不存在", '<div class="error"><h2>页面不存在</h2><p>抱歉，您访问的页面不存在或已被删除！</p>'
                             '<p><a href="/">返回首页</a></p></div>')
        return super().route(req)

    def manifest_extra(self) -> dict:
        return {"old_column_paths": {self.old_redirect: "301 to /", self.old_soft404: "200 soft-404 页面不存在"}}


class Trs6(TrsClassic):
    platform = "trs6"
    charset = "utf-8"
    declared_charset = None
    per_page = 4
    editor, reviewer = "刘洋", "陈静"
    first_article_id = 5524410

    def assign_paths(self) -> None:
        for n, it in enumerate(self.all_items):
            d = it.date
            month_dir = f"{self.column_dir}gknb{d.year}/{d:%Y%m}/"
            it.extra["id"] = self.first_article_id - 53 * n
            it.path = f"{month_dir}t{d:%Y%m%d}_{it.extra['id']}.shtml"
            for k, att in enumerate(it.attachments):
                ext = att.name.rsplit(".", 1)[1]
                att.path = f"{month_dir}P0{d:%Y%m%d}{(it.extra['id'] * 104729 + k) % 10**12:012d}.{ext}"

    @property
    def column_path(self) -> str:
        return self.column_dir + "index.shtml"

    def year_dirs(self) -> dict[int, list[Item]]:
        years: dict[int, list[Item]] = {}
        for it in self.items:
            years.setdefault(it.date.year, []).append(it)
        return dict(sorted(years.items(), reverse=True))

    def column_route(self, rest: str) -> Response | None:
        if rest in ("", "index.shtml"):
            links = "\n".join(f'<li><a href="./gknb{y}/index.shtml">{y}年</a></li>' for y in self.year_dirs())
            return self.html(f"政府信息公开年报_{self.site.name}",
                             f'<div class="position">当前位置：<a href="/">首页</a> &gt; 政府信息公开年报</div>'
                             f'<ul class="years">\n{links}\n</ul>')
        head, _, tail = rest.partition("/")
        if head.startswith("gknb") and head[4:].isdigit() and int(head[4:]) in self.year_dirs():
            items = self.year_dirs()[int(head[4:])]
            pages = [items[i:i + self.per_page] for i in range(0, len(items), self.per_page)]
            if tail in ("", "index.shtml"):
                return self.year_page(int(head[4:]), pages, 1, len(items))
            if tail.startswith("index_") and tail.endswith(".shtml") and tail[6:-6].isdigit():
                k = int(tail[6:-6])
                return self.year_page(int(head[4:]), pages, k, len(items)) if 2 <= k <= len(pages) else None
        return self.item_or_file(self.column_dir + rest)

    def year_page(self, year: int, pages: list[list[Item]], current: int, records: int) -> Response:
        prefix = f"{self.column_dir}gknb{year}/"
        rows = "\n".join(
            f'<li><span class="date">{it.date:%Y-%m-%d}</span><a href="./{it.path[len(prefix):]}" target="_blank">{esc(it.title)}</a></li>'
            for it in pages[current - 1])
        body = f"""<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="../index.shtml">政府信息公开年报</a> &gt; {year}年</div>
<ul class="list">
{rows}
</ul>
<div id="page_div"></div>
<script type="text/javascript">createPageHTML('page_div',{len(pages)},{current},'index','shtml',{records});</script>"""
        return self.html(f"{year}年_政府信息公开年报_{self.site.name}", body, head=PAGER_JS_SIX)

    def article(self, item: Item) -> Response:
        links = "".join(f'<p><a href="./{a.path.rsplit("/", 1)[1]}">{esc(a.name)}</a></p>' for a in item.attachments)
        body = f"""<h1>{esc(item.title)}</h1><div class="info">发布日期：{item.date:%Y-%m-%d}</div>
<div class="Custom_UnionStyle"><div class="TRS_Editor">
{self.body_html(item)}
</div></div>
{f'<div class="attachments">附件：{links}</div>' if links else ''}"""
        return self.html(f"{item.title}_{self.site.name}", body, modified=self.item_modified(item),
                         head=f'<meta name="ArticleTitle" content="{esc(item.title)}">')

    def manifest_extra(self) -> dict:
        return {"note": "gknb{P}/ holds reports published in year P (mostly about year P-1)"}
