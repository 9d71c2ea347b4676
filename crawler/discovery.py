"""Finding things on portal pages: links (anchors, onclick, links inside JS strings and XML CDATA, iframes),
redirect stubs, the 政府信息公开年报 column, pagination, attachments, soft-404s and attachment file names.

Pure functions over (text, base_url) so they can be unit-tested on saved pages without Scrapy.
"""
from __future__ import annotations

import base64
import binascii
import html as htmllib
import re
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import parse_qs, unquote, unquote_to_bytes, urljoin, urlsplit, urlunsplit

import lxml.html

from crawler import classify


@dataclass
class Link:
    url: str
    text: str = ""
    source: str = "a"  # a / onclick / js / cdata / iframe / pager


@dataclass
class Page:
    """A fetched page as adapters see it."""
    url: str
    body: bytes
    text: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    _tree: object = None

    @property
    def tree(self):
        if self._tree is None:
            self._tree = parse_html(self.text)
        return self._tree


def parse_html(text: str):
    try:
        return lxml.html.document_fromstring(text or "<html></html>")
    except Exception:  # lxml rejects some empty/odd documents; an empty tree is the honest answer
        return lxml.html.document_fromstring("<html></html>")


def clean_url(url: str, base: str) -> str | None:
    """Absolute http(s) URL without fragment-only/JS/mailto targets; normalises :80/:443 (spec §3 row 4)."""
    url = htmllib.unescape((url or "").strip()).replace("\\/", "/")
    if not url or url.startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
        return None
    try:
        absolute = urljoin(base, url)
    except ValueError:
        return None
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    netloc = parts.netloc
    if (parts.scheme, parts.port) in (("http", 80), ("https", 443)):
        netloc = parts.hostname
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def strip_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def _text(el) -> str:
    return re.sub(r"\s+", " ", el.text_content() or "").strip()


# URLs quoted inside JS calls: onclick="isDownLoad(this,'/a/t2026_1.html')", queryArticleByCondition(this,'/x-2.shtml')
_QUOTED_PATH = re.compile(r"""['"]((?:https?:)?/{0,2}[^'"\s<>()]+?\.(?:s?html?|jsp|aspx?|php|pdf|docx?|wps|xlsx?)"""
                          r"""(?:\?[^'"\s<>]*)?|(?:https?:)?/[^'"\s<>()]*\?[^'"\s<>()]*=[^'"\s<>()]*)['"]""")
_JS_ANCHOR = re.compile(r"""<a\b[^>]*?href\s*=\s*\\?['"]([^'"\\]+)\\?['"][^>]*>(.*?)</a>""", re.I | re.S)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)


def links_from_fragment(fragment: str, base: str, source: str) -> list[Link]:
    out = []
    for href, inner in _JS_ANCHOR.findall(fragment):
        url = clean_url(href, base)
        if url:
            text = re.sub(r"<[^>]+>", "", inner)
            out.append(Link(url, re.sub(r"\s+", " ", htmllib.unescape(text)).strip(), source))
    return out


def extract_links(text: str, base: str, tree=None) -> list[Link]:
    """Every link a human could reach on the page, including the ones scripts write out."""
    tree = tree if tree is not None else parse_html(text)
    base_el = tree.find(".//base[@href]")
    if base_el is not None:
        base = clean_url(base_el.get("href"), base) or base
    out: list[Link] = []
    for a in tree.iter("a", "area"):
        label = (a.get("title") or "").strip() or _text(a)
        href = a.get("href")
        url = clean_url(href, base) if href else None
        if url:
            out.append(Link(url, label, "a"))
        onclick = a.get("onclick") or ""
        if onclick:
            for m in _QUOTED_PATH.finditer(onclick):
                u = clean_url(m.group(1), base)
                if u:
                    out.append(Link(u, label, "onclick"))
    for el in tree.iter("li", "div", "span", "tr", "td", "button"):
        onclick = el.get("onclick") or ""
        for m in _QUOTED_PATH.finditer(onclick):
            u = clean_url(m.group(1), base)
            if u:
                out.append(Link(u, _text(el)[:200], "onclick"))
    for frame in tree.iter("iframe", "frame"):
        u = clean_url(frame.get("src") or "", base)
        if u:
            out.append(Link(u, frame.get("title") or "", "iframe"))
    for script in tree.iter("script"):
        body = script.text or ""
        if not body:
            continue
        for cdata in _CDATA.findall(body):
            out.extend(links_from_fragment(cdata, base, "cdata"))
        # Anchors written out by script (TRS `var hasFJ='<a href="./P0….docx">附件1</a>'`).
        unescaped = body.replace('\\"', '"').replace("\\'", "'").replace("\\/", "/")
        if "<a" in unescaped.lower():
            out.extend(links_from_fragment(_CDATA.sub("", unescaped), base, "js"))
    return out


# -- redirect stubs ---------------------------------------------------------------------------------------------
_META_REFRESH = re.compile(r"""<meta[^>]+http-equiv\s*=\s*['"]?refresh['"]?[^>]*content\s*=\s*['"]?\s*\d*\s*;?\s*"""
                           r"""url\s*=\s*['"]?([^'">\s]+)""", re.I)
_JS_REDIRECT = re.compile(r"""(?:window\.|document\.|top\.|self\.)?location(?:\.href)?\s*=\s*['"]([^'"]+)['"]|"""
                          r"""location\.(?:replace|assign)\s*\(\s*['"]([^'"]+)['"]\s*\)""")


def redirect_target(text: str, base: str, tree=None) -> str | None:
    """Target of a meta-refresh or JS `location.href=` stub. Only for near-empty pages: real pages carry such
    code in click handlers too."""
    m = _META_REFRESH.search(text)
    if m:
        return clean_url(m.group(1), base)
    tree = tree if tree is not None else parse_html(text)
    visible = len(re.sub(r"\s+", "", _visible_text(tree)))
    if visible > 300 or len(list(tree.iter("a"))) > 5:
        return None
    m = _JS_REDIRECT.search(text)
    if m:
        return clean_url(m.group(1) or m.group(2), base)
    return None


def _visible_text(tree) -> str:
    parts = []
    for el in tree.iter():
        if el.tag in ("script", "style") or not isinstance(el.tag, str):
            continue
        if el.text:
            parts.append(el.text)
        if el.tail and el.getparent() is not None and el.getparent().tag not in ("script", "style"):
            parts.append(el.tail)
    return " ".join(parts)


_SOFT_404 = re.compile(r"页面不存在|页面未找到|找不到(该|您要访问的)?页面|您访问的页面不存在|Page Not Found|404\s*(Not Found|错误)|"
                       r"页面已删除|信息已删除|该页面已(被)?(删除|移除)|无法找到该页", re.I)


def is_soft_404(text: str, tree=None) -> bool:
    """A 200 page that says "页面不存在": short visible text with a not-found phrase."""
    tree = tree if tree is not None else parse_html(text)
    visible = re.sub(r"\s+", "", _visible_text(tree))
    return len(visible) < 600 and bool(_SOFT_404.search(visible))


# -- column discovery --------------------------------------------------------------------------------------------
COLUMN_SLUG = re.compile(r"/(?:zfxxgknb|xxgknb|gknb|zwgknb|gkzn?nb|nb_\d{4}n|gknb\d{4}|xxgk-xxgknb|wzxxgknb|"
                         r"annualreport)(?:[/._\d-]|$)|/gkmlpt/annualreport|[?&](?:lanmu|col|column|catid|cat_id)"
                         r"[^&]*nb", re.I)
_COLUMN_TEXT = re.compile(r"^(政府)?(信息|政务)公开(工作)?(年度)?(报告|年报)(专栏)?$|^(政府信息公开)?年报$|"
                          r"^年度报告$|^(政府信息公开)?工作年度报告$")
_NAV_TEXT = re.compile(r"^(政府|政务)?(信息)?公开$|政府信息公开|信息公开(专栏|目录|平台)?$|^政务公开|法定主动公开|^公开目录$|"
                       r"^政府信息$")
_NAV_SLUG = re.compile(r"/(?:zwgk|zfxxgk|xxgk|zfxxgkzl|gongkai|xxgkzl|zwgk_\w+|zfxxgk_\d+|gkml|xxgkml|"
                       r"public|gkmlpt)(?:[/._\w-]*)$|/gkmlpt/index", re.I)
_SUBCOLUMN_TEXT = re.compile(r"^\d{4}\s*年(度)?(报告|年报|政府信息公开.*)?$|^[二一][〇○零一二三四五六七八九]{3}年度?$|"
                             r"乡镇|街道|部门|政府办|县政府|区政府|市政府|旗政府|本级|年报汇总|单位年报|政府年报|各单位|"
                             r"政府部门|办公室年报")
_ARTICLE_URL = re.compile(r"/t\d{8}_\d+\.s?html?$|/art_\d+_\d+\.html$|/art_[0-9a-f]{32}\.html$|/post_\d+\.html$|"
                          r"showinfo|infoGuid=|/content/|/detail|\.(pdf|docx?|wps|xlsx?|jpe?g|png)$|downfile\.jsp|"
                          r"/attachment/|/\d+\.html$", re.I)


def column_link_score(link: Link) -> int:
    """100 = the 年报 column itself; 10 = a way towards 政府信息公开; 0 = not worth following."""
    text = re.sub(r"\s+", "", link.text)
    path = urlsplit(link.url).path + ("?" + urlsplit(link.url).query if urlsplit(link.url).query else "")
    c = classify.classify(text) if text else None
    if _COLUMN_TEXT.match(text):
        return 100
    if text and c and c.is_report and c.year is None and not _ARTICLE_URL.search(path):
        return 90  # "政府信息公开工作年度报告" as a menu entry, pointing at a directory
    if COLUMN_SLUG.search(path) and not _ARTICLE_URL.search(path) and not (c and c.is_report and c.year):
        return 80
    if link.source == "iframe":
        return 20
    if _NAV_TEXT.search(text) and len(text) <= 12:
        return 10
    if _NAV_SLUG.search(urlsplit(link.url).path) and len(text) <= 12:
        return 5
    return 0


def subcolumn_link(link: Link, column_url: str) -> bool:
    """Inside a column: links to per-year or per-unit sub-columns ("2023年", "乡镇（街道）", "部门")."""
    text = re.sub(r"\s+", "", link.text)
    if not text or len(text) > 16:
        return False
    if _ARTICLE_URL.search(urlsplit(link.url).path):
        return False
    if _SUBCOLUMN_TEXT.search(text):
        return True
    col_dir = urlsplit(column_url).path.rsplit("/", 1)[0] + "/"
    path = urlsplit(link.url).path
    return path.startswith(col_dir) and path != urlsplit(column_url).path and bool(COLUMN_SLUG.search(path)) and \
        not re.search(r"index_\d+|_\d+\.s?html?$", path)


# -- pagination --------------------------------------------------------------------------------------------------
_CREATE_PAGE = re.compile(r"createPageHTML\s*\(([^)]*)\)")
_PAGER_TEXT = re.compile(r"^(下一页|下页|后一页|尾页|末页|上一页|首页|>|>>|»|\d{1,4})$")
_B64_PAGER = re.compile(r"""<div[^>]+id=['"]pages?['"][^>]*>\s*([A-Za-z0-9+/=%\s]{40,})\s*</div>""", re.I)


def _js_var(text: str, name: str) -> int | None:
    m = re.search(r"\b" + re.escape(name) + r"""\s*=\s*['"]?(\d+)""", text)
    return int(m.group(1)) if m else None


def trs_pages(text: str, url: str) -> list[str]:
    """TRS createPageHTML, both variants (spec §1.1):
    A (4 args, 0-based): createPageHTML(countPage, currentPage, "index", "html") -> index_1 … index_{N-1}
    B (6 args, 1-based): createPageHTML('paging', total, current, 'index', 'html', records) -> index_2 … index_N
    """
    out: list[str] = []
    for m in _CREATE_PAGE.finditer(text):
        args = [a.strip().strip("'\"") for a in m.group(1).split(",")]
        raw = [a.strip() for a in m.group(1).split(",")]
        if len(args) < 4:
            continue
        variant_b = raw[0][:1] in "'\"" and not args[0].isdigit()
        if variant_b:
            total = args[1] if args[1].isdigit() else _js_var(text, args[1])
            prefix, ext = args[3], args[4] if len(args) > 4 else "html"
            pages = range(2, int(total or 1) + 1)
        else:
            total = int(args[0]) if args[0].isdigit() else _js_var(text, args[0])
            prefix, ext = args[2], args[3]
            pages = range(1, int(total or 1))
        for k in pages:
            out.append(urljoin(url, f"{prefix}_{k}.{ext}"))
    return out


def base64_pager_links(text: str, base: str) -> list[Link]:
    """Yunnan-style pager: base64 of URL-encoded pager HTML inside <div id="pages"> (spec §1.7)."""
    out: list[Link] = []
    for m in _B64_PAGER.finditer(text):
        blob = re.sub(r"\s+", "", m.group(1))
        try:
            decoded = base64.b64decode(blob + "=" * (-len(blob) % 4)).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            continue
        fragment = unquote(decoded)
        for link in links_from_fragment(fragment, base, "pager"):
            out.append(link)
        for mm in _QUOTED_PATH.finditer(fragment):
            u = clean_url(mm.group(1), base)
            if u:
                out.append(Link(u, "", "pager"))
    return out


def pager_links(links: list[Link], page_url: str) -> list[str]:
    """Generic pagers: 下一页/尾页/numbered links that stay in the list's directory (index_N, list-N, ?page=N …)."""
    here = urlsplit(page_url)
    here_dir = here.path.rsplit("/", 1)[0]
    out = []
    for link in links:
        text = re.sub(r"\s+", "", link.text)
        target = urlsplit(link.url)
        if target.hostname != here.hostname:
            continue
        pagey = re.search(r"(index|list|default|page)[_-]?\d+\.s?html?$|/\d+\.s?html?$|[?&](page|pageNo|pageIndex|"
                          r"cur_page|currpage|pagenum|p)=\d+", link.url, re.I)
        if link.source == "pager" or (_PAGER_TEXT.match(text) and (pagey or target.path == here.path)) or \
                (pagey and target.path.rsplit("/", 1)[0] == here_dir and not text):
            out.append(link.url)
    return out


# -- attachments ---------------------------------------------------------------------------------------------------
_FILE_EXT = re.compile(r"\.(pdf|docx?|wps|xlsx?|et|ofd|jpe?g|png|gif|bmp|tiff?|zip|rar)$", re.I)
_FILE_URL = re.compile(r"/P0\d{8,}\d*\.\w+$|downfile\.jsp|download|/attachment/|getfile|fileDown|filedownload|"
                       r"[?&](file(name)?|showname|fileid)=", re.I)
_ATTACH_TEXT = re.compile(r"附件|下载|\.(pdf|docx?|wps|xlsx?)\s*$", re.I)


def attachment_links(links: list[Link]) -> list[Link]:
    """Links on a report page that point at files. Typing is done later from the bytes; here we only decide
    what is worth fetching, so query-only names (downfile.jsp?…showname=x.pdf) count too."""
    out, seen = [], set()
    for link in links:
        if link.source in ("iframe",):
            continue
        parts = urlsplit(link.url)
        name = filename_from_url(link.url) or ""
        if _FILE_EXT.search(parts.path) or _FILE_EXT.search(name) or _FILE_URL.search(link.url) or \
                (_ATTACH_TEXT.search(link.text) and not re.search(r"\.s?html?$", parts.path)):
            key = strip_fragment(link.url)
            if key not in seen:
                seen.add(key)
                out.append(link)
    return out


def filename_from_url(url: str) -> str | None:
    """`filename=` / `showname=` / `name=` query parameters (Hanweb downfile.jsp), else the last path segment
    when it has a file extension."""
    qs = parse_qs(urlsplit(url).query)
    for key in ("showname", "filename", "fileName", "name", "file"):
        if qs.get(key):
            return unquote(qs[key][0]).strip() or None
    last = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return last if _FILE_EXT.search(last) else None


def filename_from_disposition(raw: bytes | str | None) -> str | None:
    """Content-Disposition file name: RFC 5987 `filename*=UTF-8''…`, quoted UTF-8, %-encoded, or raw GBK bytes."""
    if not raw:
        return None
    if isinstance(raw, bytes):
        for enc in ("utf-8", "gb18030", "latin-1"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    else:
        text = raw
    m = re.search(r"filename\*\s*=\s*([\w-]+)'[^']*'([^;]+)", text, re.I)
    if m:
        try:
            return unquote_to_bytes(m.group(2).strip().strip('"')).decode(m.group(1), "replace")
        except LookupError:
            return unquote(m.group(2).strip().strip('"'))
    msg = Message()
    msg["content-disposition"] = text
    name = msg.get_param("filename", header="content-disposition")
    if isinstance(name, tuple):
        name = name[2]
    if not name:
        m = re.search(r"filename\s*=\s*\"?([^\";]+)", text, re.I)
        name = m.group(1) if m else None
    if name and "%" in name:
        name = unquote(name)
    return name.strip() if name else None


# -- platform ------------------------------------------------------------------------------------------------------
def detect_platform(text: str, url: str) -> str:
    """Which CMS family served the page (spec §1). Order matters: jpaas pages also carry Hanweb markers."""
    u = url.lower()
    if "/gkmlpt/" in u or re.search(r"window\._CONFIG\s*=", text) and "SID" in text:
        return "gkmlpt"
    if "jpaas-publish-server" in text or "unitbuild.js" in text:
        return "jpaas"
    if "<datastore>" in text or "dataproxy.jsp" in text or "hanweb" in text.lower() or re.search(r"/col/col\d+", u) \
            or "/module/xxgk/" in text:
        return "hanweb"
    if "getGovInfoDetail" in text or "infoGuid" in text or "ewb-" in text or "/public/column/" in text or \
            "iList.jsp" in text or "epoint" in text.lower():
        return "epoint"
    if "createPageHTML" in text or "TRS_Editor" in text or "CurrChnlCls" in text or \
            re.search(r"/t\d{8}_\d+\.s?html?", text):
        return "trs"
    return "longtail"
