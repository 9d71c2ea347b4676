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
    date: str | None = None  # a date printed in the link's own list record (ISO), if any
    group: int | None = None  # identity of the element holding the link's record (its list), for record_links()


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
_JS_ANCHOR = re.compile(r"""<a\b([^>]*?)href\s*=\s*\\?['"]([^'"\\]+)\\?['"]([^>]*)>(.*?)</a>""", re.I | re.S)
_TITLE_ATTR = re.compile(r"""\btitle\s*=\s*\\?(?:"([^"\\]*)|'([^'\\]*))""", re.I)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)


_DATE = re.compile(r"((?:19|20)\d{2})[-./年](\d{1,2})[-./月](\d{1,2})")
_TAG = re.compile(r"<[^>]+>")


def iso_date(text: str | None) -> str | None:
    m = _DATE.search(text or "")
    if not m:
        return None
    y, mo, d = m.groups()
    if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31):
        return None
    return f"{y}-{int(mo):02d}-{int(d):02d}"


def links_from_fragment(fragment: str, base: str, source: str) -> list[Link]:
    """Anchors in an HTML fragment held in a string (JS, CDATA, JSON): each with the date printed right after
    it (its list record), if any."""
    out = []
    for m in _JS_ANCHOR.finditer(fragment):
        url = clean_url(m.group(2), base)
        if url:
            # The title attribute holds the full title where the text is truncated (Hanweb `…` rows).
            title = _TITLE_ATTR.search(m.group(1) + " " + m.group(3))
            text = (title.group(1) or title.group(2)) if title and (title.group(1) or title.group(2)) else \
                _TAG.sub("", m.group(4))
            after = fragment[m.end():m.end() + 200].split("<a", 1)[0]
            out.append(Link(url, re.sub(r"\s+", " ", htmllib.unescape(text)).strip(), source,
                            iso_date(_TAG.sub(" ", after))))
    return out


# Elements a list record is made of, and containers that hold many records (never a record themselves).
_CONTAINERS = {"ul", "ol", "table", "tbody", "thead", "body", "html", "form", "dl"}


def _anchor_counts(anchors) -> dict:
    """How many anchors each element near an anchor contains (up to 4 levels up): one pass, linear in links."""
    counts: dict = {}
    for a in anchors:
        el = a.getparent()
        for _ in range(4):
            if el is None:
                break
            counts[el] = counts.get(el, 0) + 1
            el = el.getparent()
    return counts


def _record_of(a, counts):
    """The element holding this anchor's list record: the highest of its ancestors (≤ 3 levels) that holds no
    other anchor — `<li><a>…</a><span>date</span></li>`, `<tr><td><a>…</a></td><td>date</td></tr>`."""
    el = a
    for _ in range(3):
        parent = el.getparent()
        if parent is None or parent.tag in _CONTAINERS or counts.get(parent, 0) > 1:
            break
        el = parent
    return el


def _record_date(a, record) -> str | None:
    """A date in the anchor's record, outside the anchor's own text (a title may hold a year). Each record
    holds one anchor, so every element's text is read for one anchor only: linear in the page size."""
    if record is not a:
        own = a.text_content() or ""
        text = record.text_content() or ""
        return iso_date(text.replace(own, " ", 1) if own else text) or iso_date(own)
    parts = [a.tail or ""]
    sibling = a.getnext()
    for _ in range(2):  # `<a>t1</a><span>date</span><a>t2</a>…` in one container
        if sibling is None or not isinstance(sibling.tag, str) or sibling.tag in ("a", "area") or \
                sibling.find(".//a") is not None:
            break
        parts.append(sibling.text_content() or "")
        parts.append(sibling.tail or "")
        sibling = sibling.getnext()
    return iso_date(" ".join(parts)[:200])


def extract_links(text: str, base: str, tree=None) -> list[Link]:
    """Every link a human could reach on the page, including the ones scripts write out; each anchor with the
    date of its list record and the identity of the list it is in (see record_links)."""
    tree = tree if tree is not None else parse_html(text)
    base_el = tree.find(".//base[@href]")
    if base_el is not None:
        base = clean_url(base_el.get("href"), base) or base
    out: list[Link] = []
    anchors = list(tree.iter("a", "area"))
    counts = _anchor_counts(anchors)
    for a in anchors:
        href = a.get("href")
        onclick = a.get("onclick") or ""
        url = clean_url(href, base) if href else None
        if not url and not onclick:
            continue
        label = (a.get("title") or "").strip() or _text(a)
        record = _record_of(a, counts)
        date = _record_date(a, record)
        holder = record.getparent() if record is not a else a.getparent()
        group = id(holder) if holder is not None else None
        if url:
            out.append(Link(url, label, "a", date, group))
        for m in _QUOTED_PATH.finditer(onclick):
            u = clean_url(m.group(1), base)
            if u:
                out.append(Link(u, label, "onclick", date, group))
    for el in tree.iter("li", "div", "span", "tr", "td", "button"):
        onclick = el.get("onclick") or ""
        for m in _QUOTED_PATH.finditer(onclick):
            u = clean_url(m.group(1), base)
            if u:
                holder = el.getparent()
                out.append(Link(u, _text(el)[:200], "onclick", iso_date(_text(el)[:300]),
                                id(holder) if holder is not None else None))
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


def record_links(links: list[Link]) -> list[Link]:
    """The links that are records of the page's list(s), not its chrome: every link whose list record carries a
    date (a list of one item included; every dated block counts, a column may list units in separate blocks);
    on a page without any dated link, the largest block of ≥ 3 links with title-length text. Used to count what
    a list shows against what it declares."""
    dated = [link for link in links if link.date and link.source not in ("iframe", "pager")
             and len(re.sub(r"\s+", "", link.text)) >= 4]
    if dated:
        return dated
    sizes: dict[int, int] = {}
    for link in links:
        if link.group is not None and len(re.sub(r"\s+", "", link.text)) >= 8:
            sizes[link.group] = sizes.get(link.group, 0) + 1
    best = max(sizes.items(), key=lambda kv: kv[1], default=(None, 0))
    if best[1] < 3:
        return []
    return [link for link in links if link.group == best[0] and link.source != "iframe"]


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


def visible_text(tree) -> str:
    """The text a visitor sees (scripts and styles left out)."""
    return _visible_text(tree)


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
_LEAF_TEXT = re.compile(r"指南|制度|依申请|申请公开|规定|办法|流程|表格下载")
_NAV_SLUG = re.compile(r"/(?:zwgk|zfxxgk|xxgk|zfxxgkzl|gongkai|xxgkzl|zwgk_\w+|zfxxgk_\d+|gkml|xxgkml|"
                       r"public|gkmlpt)(?:[/._\w-]*)$|/gkmlpt/index", re.I)
_SUBCOLUMN_TEXT = re.compile(r"^\d{4}\s*年(度)?(报告|年报|政府信息公开.*)?$|^[二一][〇○零一二三四五六七八九]{3}年度?$|"
                             r"^\d{4}\s*年(以前|以后|之前|之后|前|后|及以前|及以后)$|"
                             r"乡镇|街道|部门|政府办|县政府|区政府|市政府|旗政府|本级|年报汇总|单位年报|政府年报|各单位|"
                             r"政府部门|办公室年报")
_ARTICLE_URL = re.compile(r"/t\d{8}_\d+\.s?html?$|/art_\d+_\d+\.html$|/art_[0-9a-f]{32}\.html$|/post_\d+\.html$|"
                          r"showinfo|infoGuid=|/content/|/detail|\.(pdf|docx?|wps|xlsx?|jpe?g|png)$|downfile\.jsp|"
                          r"/attachment/|/\d+\.html$", re.I)


def column_link_score(link: Link) -> int:
    """100 = the 年报 column itself; 10 = a way towards 政府信息公开; 0 = not worth following.
    Link text in Traditional script is read as Simplified (政府信息公開年報)."""
    text = classify.simplified(re.sub(r"\s+", "", link.text))
    parts = urlsplit(link.url)
    path = parts.path + ("?" + parts.query if parts.query else "")
    c = classify.classify(text) if text else None
    if _COLUMN_TEXT.match(text):
        return 100
    if text and c and c.is_report and c.year is None and not _ARTICLE_URL.search(path):
        return 90  # "政府信息公开工作年度报告" as a menu entry, pointing at a directory
    if text and (_PAGER_TEXT.match(text) or re.fullmatch(r"[\d\W_]+", text)):
        return 0  # pager and calendar cells ("12", ">", "下一页"): never a way to the column
    if COLUMN_SLUG.search(path) and not _ARTICLE_URL.search(path) and not (c and c.is_report and c.year):
        return 80
    if link.source == "iframe":
        return 20
    if _LEAF_TEXT.search(text):
        return 0  # 公开指南 / 公开制度 / 依申请公开: documents of their own, never the way to the 年报
    if _NAV_TEXT.search(text) and len(text) <= 12:
        return 10
    if _NAV_SLUG.search(parts.path) and len(text) <= 12:
        return 5
    return 0


def is_platform_entry(link: Link) -> bool:
    """A link that names the 政府信息公开 platform or the 年报 column by its text — strong enough to follow to
    another host (a 信息公开目录 platform run on a separate host, spec-variants "PowerEasy")."""
    text = classify.simplified(re.sub(r"\s+", "", link.text))
    return bool(text) and len(text) <= 16 and bool(_COLUMN_TEXT.match(text) or _NAV_TEXT.search(text))


def subcolumn_link(link: Link, column_url: str) -> bool:
    """Inside a column: links to per-year or per-unit sub-columns ("2023年", "乡镇（街道）", "部门")."""
    text = classify.simplified(re.sub(r"\s+", "", link.text))
    if not text or len(text) > 16 or _PAGER_TEXT.match(text) or re.fullmatch(r"[\d\W_]+", text):
        return False  # pager and calendar cells are not sub-columns
    if _ARTICLE_URL.search(urlsplit(link.url).path):
        return False
    if _SUBCOLUMN_TEXT.search(text):
        return True
    col_dir = urlsplit(column_url).path.rsplit("/", 1)[0] + "/"
    path = urlsplit(link.url).path
    return path.startswith(col_dir) and path != urlsplit(column_url).path and bool(COLUMN_SLUG.search(path)) and \
        not urlsplit(link.url).query and not re.search(r"index_\d+|_\d+\.s?html?$", path)


# Query parameters that select one unit (department, township) on a 信息公开 platform whose 年报 are kept per unit:
# `openInfo.action?depCode=…`, `spage.xp?doAction=sindex&unitid=…`, `…?deptid=…` (spec-variants "unit-scoped").
_UNIT_PARAM = re.compile(r"^(dep|dept|depcode|deptcode|depid|deptid|dept_id|unitid|unit_id|unitcode|orgid|org_id|"
                         r"orgcode|organid|bmid|bmdm|jgid|jgdm|areacode|area)$", re.I)


def unit_links(links: list[Link]) -> list[Link]:
    """Links that differ only by a unit-selecting query parameter, when at least three units are offered: the
    way into per-unit 信息公开 pages (each with its own 年报 entry)."""
    groups: dict[tuple, dict[str, Link]] = {}
    for link in links:
        parts = urlsplit(link.url)
        if not parts.query or link.source == "iframe":
            continue
        params = parse_qs(parts.query, keep_blank_values=True)
        for name, values in params.items():
            if _UNIT_PARAM.match(name) and values and values[0]:
                rest = tuple(sorted((k, tuple(v)) for k, v in params.items() if k != name))
                groups.setdefault((parts.netloc, parts.path, name, rest), {})[values[0]] = link
    out: list[Link] = []
    for members in groups.values():
        if len(members) >= 3:
            out.extend(members.values())
    return out


# -- site search ------------------------------------------------------------------------------------------------------
_SEARCH_FIELD = re.compile(r"^(q|query|keyword|keywords|searchword|searchWord|wd|kw|key|word|sword|text|title|"
                           r"search|searchkey|searchText|qt)$", re.I)


@dataclass
class SearchForm:
    url: str        # the form's action
    field: str      # the text field the words go in
    params: dict[str, str]  # hidden fields, sent as they are


def search_forms(tree, base: str) -> list[SearchForm]:
    """GET search forms on a page (site search, or a search service such as 开普云 `zs.kaipuyun.cn/s` with its
    siteCode): what a visitor would use to find the 年报 when no menu leads there."""
    out = []
    for form in tree.iter("form"):
        if (form.get("method") or "get").strip().lower() != "get":
            continue
        action = clean_url(form.get("action") or base, base)
        if not action:
            continue
        hidden, texts = {}, []
        for inp in form.iter("input"):
            name, kind = inp.get("name"), (inp.get("type") or "text").lower()
            if not name:
                continue
            if kind == "hidden":
                hidden[name] = inp.get("value") or ""
            elif kind in ("text", "search"):
                texts.append(name)
        field_name = next((n for n in texts if _SEARCH_FIELD.match(n)), texts[0] if len(texts) == 1 else None)
        if field_name:
            out.append(SearchForm(strip_fragment(action), field_name, hidden))
    return out


def search_url(form: SearchForm, words: str) -> str:
    from urllib.parse import urlencode

    query = urlencode({**form.params, form.field: words}, encoding="utf-8")
    return form.url + ("&" if "?" in form.url else "?") + query


# -- pagination --------------------------------------------------------------------------------------------------
# TRS pagers: createPageHTML(…) and the Chongqing spelling createPage(…).
_CREATE_PAGE = re.compile(r"\bcreatePage(?:HTML)?\s*\(([^)]*)\)")
_PAGER_TEXT = re.compile(r"^(下一页|下页|后一页|后页|尾页|末页|上一页|上页|前页|首页|>|>>|»|›|\d{1,4})$")
_NEXT_TEXT = re.compile(r"^(下一页|下页|后一页|后页|尾页|末页|>|>>|»|›)$")
_B64_PAGER = re.compile(r"""<div[^>]+id=['"]pages?['"][^>]*>\s*([A-Za-z0-9+/=%\s]{40,})\s*</div>""", re.I)
# A URL that is a page of a list: index_2.html, list-3.shtml, Index_2.aspx, /4.html, ?page=5, &cur_page=2 …
_PAGE_PATH = re.compile(r"(index|list|default|page|more|moreinfo)[_-]?\d+\.(s?html?|aspx?|jsp|php)$|/\d{1,4}\.s?html?$",
                        re.I)
PAGE_PARAM = re.compile(r"^(page|pageno|pageindex|pagenum|page_no|cur_page|curpage|currpage|currentpage|pn|p|"
                        r"startrecord|start)$", re.I)


def _js_var(text: str, name: str) -> int | None:
    m = re.search(r"\b" + re.escape(name) + r"""\s*=\s*['"]?(\d+)""", text)
    return int(m.group(1)) if m else None


def _num(arg: str, text: str) -> int | None:
    return int(arg) if arg.isdigit() else _js_var(text, arg) if re.fullmatch(r"[A-Za-z_$][\w$]*", arg) else None


def trs_pager(text: str, url: str) -> tuple[list[str], int | None]:
    """TRS pagers (spec §1.1, spec-variants "TRS classic"): the other pages of this list, and the number of
    records the pager declares (None when it does not say).
    A (4 args, 0-based): createPageHTML(countPage, currentPage, "index", "html") -> index_1 … index_{N-1}
    B (6 args, 1-based): createPageHTML('paging', total, current, 'index', 'html', records) -> index_2 … index_N
    records first:       createPageHTML(records, pages, current, "index", "html") -> index_1 … index_{N-1}
    createPage(…) (Chongqing) is read like createPageHTML(…)."""
    out: list[str] = []
    declared = None
    for m in _CREATE_PAGE.finditer(text):
        raw = [a.strip() for a in m.group(1).split(",")]
        args = [a.strip("'\"") for a in raw]
        if len(args) < 4 or any(not a for a in args[:4]):
            continue
        quoted = [a[:1] in "'\"" for a in raw]
        if quoted[0] and not args[0].isdigit():  # B
            total, prefix, ext = _num(args[1], text), args[3], args[4] if len(args) > 4 else "html"
            pages = range(2, (total or 1) + 1)
            if len(args) > 5 and _num(args[5], text):
                declared = _num(args[5], text)
        elif len(args) >= 5 and not quoted[2] and quoted[3]:  # records, pages, current, prefix, ext
            total, prefix, ext = _num(args[1], text), args[3], args[4]
            pages = range(1, total or 1)
            declared = _num(args[0], text)
        else:  # A
            total, prefix, ext = _num(args[0], text), args[2], args[3]
            pages = range(1, total or 1)
        if not re.fullmatch(r"[\w.-]+", prefix) or not re.fullmatch(r"\w+", ext):
            continue  # the function's own definition (`function createPageHTML(_nPageCount, …)`)
        for k in pages:
            out.append(urljoin(url, f"{prefix}_{k}.{ext}"))
    return out, declared


def trs_pages(text: str, url: str) -> list[str]:
    return trs_pager(text, url)[0]


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


def is_page_url(url: str, text: str = "") -> bool:
    """Does this URL address a page of a list (by its path, or a page-number parameter — one whose value is the
    link's number when the link is a number)? Calendar cells (`?date=2024-05-01`, text "1") are not pages."""
    parts = urlsplit(url)
    if _PAGE_PATH.search(parts.path):
        return True
    for name, values in parse_qs(parts.query).items():
        if PAGE_PARAM.match(name) and values and values[0].isdigit() and (not text.isdigit() or values[0] == text
                                                                           or name.lower() == "start"):
            return True
    return False


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
        pagey = is_page_url(link.url, text)
        if link.source == "pager" or (pagey and _PAGER_TEXT.match(text)) or \
                (_NEXT_TEXT.match(text) and target.path == here.path and target.query != here.query
                 and not re.search(r"\d{4}-\d{1,2}", target.query)) or \
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
