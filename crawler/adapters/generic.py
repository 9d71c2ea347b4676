"""The generic reader, run behind every adapter (and alone on pages no family claims): report-like titles paired
with URLs wherever a page holds them.

* HTML: every titled link (anchors, onclick URLs, anchors written by scripts), with the date of its list record;
  list data kept in scripts as JavaScript literals (`var list = [{title:…, url:…}]`, parsed with chompjs).
* JSON (and JSONP): any object holding a title-like string next to a URL-like string, whatever the keys are called
  (`title/url`, `doctitle/docpuburl`, `realtitle/infourl`, `TITLE/URL` …); string fields holding HTML fragments
  (their anchors) or JSON documents (parsed); nested attachment lists become the item's attachments.
* XML: the same walk over the element tree, plus anchors in CDATA sections.

It also follows generic pagination — pager links, JSON replies that say how many pages there are (the page number
is found in the query string or in the POST body) — and reads the JSON endpoints an SPA shell names in its scripts
(portal-patterns §1.7). `report_titles()` lists the report-like titles a JSON/XML reply holds, so the spider can
tell when titles were seen that nobody could pair with a URL (an `unparsed_list`).
"""
from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urljoin, urlsplit

from crawler import classify, discovery
from crawler.adapters.base import Adapter, Fetch, ListItem, declared_in_text, form, int_of, json_reply, loads_maybe
from crawler.discovery import Link, Page, iso_date

_TITLE_KEY = re.compile(r"title|name|^bt$|subject|topic|标题|名称", re.I)
_URL_KEY = re.compile(r"url|link|href|path|address|^src$", re.I)
_DATE_KEY = re.compile(r"date|time|day|created|publish|^pub|fbsj|fbrq|^rq$|cwrq|release", re.I)
_FILES_KEY = re.compile(r"file|attach|appendix|^fj|pdflist|enclosure|附件", re.I)
_URLISH = re.compile(r"^(?:https?:)?//\S+$|^/[^\s<>]+$|^\.{1,2}/[^\s<>]+$|"
                     r"^[\w.-]+(?:/[\w.%-]+)*\.(?:s?html?|jsp|aspx?|php|do|action|pdf|docx?|wps|xlsx?|ofd)(?:[?#]\S*)?$",
                     re.I)
_IMAGE = re.compile(r"\.(?:jpe?g|png|gif|bmp|webp|svg|ico)(?:\?|$)", re.I)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_TAGS = re.compile(r"<[^>]+>")
_ANCHOR = re.compile(r"<a\b[^>]*href", re.I)
_TOTAL_KEYS = ("total", "totalCount", "recordCount", "allRow", "totalRecord", "totalRecords", "totalElements",
               "totalNum", "totalSize", "total_count", "count", "totalrecord", "recordcount", "totalcount")
_PAGES_KEYS = ("totalPages", "pageCount", "totalPage", "pages", "pagecount", "page_count", "totalpage", "pageTotal")
_SIZE_KEYS = ("pageSize", "rows", "prepage", "perPage", "perpage", "size", "page_size", "limit", "pagesize",
              "_pageSize")
_JSON_ENDPOINT = re.compile(r"""['"]((?:https?:)?/[^'"\s]*(?:\.json|/api/[^'"\s]*|/search/[^'"\s]*|"""
                            r"""list\.(?:do|action)[^'"\s]*))['"]""")
_SCRIPT_DATA_HINT = re.compile(r"title", re.I)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", _TAGS.sub("", text)).strip()


def _date_of(value) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 10**8:
        seconds = value / 1000 if value > 10**11 else value  # epoch milliseconds or seconds
        try:
            return datetime.fromtimestamp(seconds, timezone.utc).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    return iso_date(value) if isinstance(value, str) else None


def _title_of(strings: dict[str, str]) -> str | None:
    candidates = [(k, _clean(v)) for k, v in strings.items()
                  if _CJK.search(v) and not _URLISH.match(v.strip()) and 2 <= len(_clean(v)) <= 200]
    if not candidates:
        return None
    reports = [c for c in candidates if classify.classify(c[1]).is_report]
    named = [c for c in candidates if _TITLE_KEY.search(c[0])]
    pool = reports or named or candidates
    return max(pool, key=lambda c: (bool(_TITLE_KEY.search(c[0])), len(c[1])))[1]


def _url_of(strings: dict[str, str]) -> str | None:
    candidates = [(k, v.strip()) for k, v in strings.items() if _URLISH.match(v.strip()) and len(v.strip()) > 1]
    if not candidates:
        return None

    def rank(c):
        key, value = c
        return (not _IMAGE.search(value), bool(_URL_KEY.search(key)), key.lower() == "url", -len(key))
    return max(candidates, key=rank)[1]


def _attachments(node: dict, base: str) -> list[Link]:
    out = []
    for key, value in node.items():
        if not (_FILES_KEY.search(key) and isinstance(value, list)):
            continue
        for entry in value:
            entry = loads_maybe(entry)
            if isinstance(entry, str) and _URLISH.match(entry.strip()):
                entry = {"url": entry}
            if not isinstance(entry, dict):
                continue
            strings = {k: v for k, v in entry.items() if isinstance(v, str)}
            url = _url_of(strings)
            name = next((v for k, v in strings.items() if _TITLE_KEY.search(k) and v), "")
            if url and (u := discovery.clean_url(url, base)):
                out.append(Link(u, name, "a"))
    return out


def json_items(data, base: str) -> list[ListItem]:
    """Walk a JSON document for list entries: objects with a title-like and a URL-like string field."""
    out: list[ListItem] = []
    stack = [data]
    while stack:
        node = loads_maybe(stack.pop())
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        if isinstance(node, str):
            if _ANCHOR.search(node):  # an HTML fragment in a JSON string (jpaas data.html and its relatives)
                out += [ListItem(link.text, link.url, link.date) for link in
                        discovery.links_from_fragment(node, base, "json") if link.text]
            continue
        if not isinstance(node, dict):
            continue
        strings = {str(k): v for k, v in node.items() if isinstance(v, str)}
        title, url = _title_of(strings), _url_of(strings)
        if title and url and (u := discovery.clean_url(url, base)):
            date = next((d for k, v in node.items() if _DATE_KEY.search(str(k)) and (d := _date_of(v))), None)
            out.append(ListItem(title, u, date, _attachments(node, base)))
            # its children are its own details (attachments, metadata), except lists of further entries
            stack.extend(v for k, v in node.items() if isinstance(v, list) and not _FILES_KEY.search(str(k)))
            continue
        stack.extend(reversed([v for v in node.values() if isinstance(v, (dict, list, str))]))
    return out


_FILE_NAME = re.compile(r"\.(?:pdf|docx?|wps|xlsx?|et|ofd|zip|rar|jpe?g|png)$", re.I)


def title_key(text: str) -> str:
    """A title as compared between what a reply holds and what was read: whitespace and a file extension off."""
    return _FILE_NAME.sub("", re.sub(r"\s+", "", _clean(text)))


def nodes(data):
    """Every value of a JSON document, depth first; a JSON document held in a string field is parsed and walked."""
    stack = [data]
    while stack:
        node = loads_maybe(stack.pop())
        yield node
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def json_report_titles(data) -> set[str]:
    """Titles of reports anywhere in a JSON document (string fields, not HTML fragments): report-like strings that
    name a year — a category name such as 政府信息公开年报 is not a report. Compared with title_key()."""
    out: set[str] = set()
    for node in nodes(data):
        if isinstance(node, str) and len(node) <= 300 and not _ANCHOR.search(node) and _CJK.search(node):
            text = _clean(node)
            c = classify.classify(_FILE_NAME.sub("", text))
            if c.is_report and c.year is not None and classify.report_year(text) is not None:
                out.add(title_key(text))
    return out


def _xml_tree(text: str):
    """An XML reply as nested dicts/lists (element tag -> text or children), for the JSON walk."""
    from lxml import etree

    try:
        root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(recover=True, huge_tree=True))
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None

    def convert(el):
        children = [c for c in el if isinstance(c.tag, str)]
        if not children:
            return (el.text or "").strip()
        out: dict = {}
        for c in children:
            out.setdefault(c.tag, []).append(convert(c))
        return {k: v[0] if len(v) == 1 else v for k, v in out.items()}
    return convert(root)


def is_xml(page: Page) -> bool:
    head = page.text.lstrip()[:200].lower()
    return head.startswith("<?xml") or head.startswith("<datastore") or head.startswith("<recordset")


def markup_items(page: Page, base: str) -> list[ListItem]:
    """Entries of a JSON or XML reply (None-safe: [] for HTML)."""
    data = json_reply(page)
    if data is not None:
        return json_items(data, base)
    if is_xml(page):
        items = [ListItem(link.text, link.url, link.date) for cdata in discovery._CDATA.findall(page.text)
                 for link in discovery.links_from_fragment(cdata, base, "cdata") if link.text]
        tree = _xml_tree(discovery._CDATA.sub("", page.text))
        return items + (json_items(tree, base) if tree is not None else [])
    return []


def report_titles(page: Page) -> set[str]:
    data = json_reply(page)
    if data is None and is_xml(page):
        data = _xml_tree(discovery._CDATA.sub("", page.text))
    return json_report_titles(data) if data is not None else set()


# -- pagination of JSON replies ---------------------------------------------------------------------------------------
def _find_int(data, keys, depth: int = 3) -> int | None:
    """The largest integer under one of these keys, in the top `depth` levels of the reply."""
    best = None
    stack = [(data, 0)]
    while stack:
        node, d = stack.pop()
        node = loads_maybe(node)
        if isinstance(node, dict):
            for k, v in node.items():
                if k in keys and (n := int_of(v)) is not None and not isinstance(v, bool):
                    best = n if best is None else max(best, n)
                elif d < depth and isinstance(v, (dict, str)):
                    stack.append((v, d + 1))
    return best


def json_declared(data) -> int | None:
    return _find_int(data, _TOTAL_KEYS)


def records_in(data) -> int:
    """Size of the largest array of objects in the reply (the page of records)."""
    return max((len(n) for n in nodes(data) if isinstance(n, list) and n and all(isinstance(x, dict) for x in n)),
               default=0)


def _with_page(obj: dict, n: int) -> tuple[dict, int] | None:
    """The dict with its page-number key set to n, and the number it had; None when it has none."""
    for name, value in obj.items():
        if discovery.PAGE_PARAM.match(str(name)) and int_of(value) is not None and not isinstance(value, bool):
            return {**obj, name: n}, int(value)
    return None


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def pager_of(url: str, body: str | None):
    """Where a JSON list request carries its page number, as (current page, ask(n) -> (url, body)): the query
    string, a JSON body, a form field, or a form field holding JSON (Epoint `params={"pageIndex":0,…}`)."""
    parts = urlsplit(url)
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if discovery.PAGE_PARAM.match(name) and value.isdigit():
            def ask(n: int, name=name) -> tuple[str, str | None]:
                query = "&".join(f"{name}={n}" if part.split("=", 1)[0] == name else part
                                 for part in parts.query.split("&"))
                return parts._replace(query=query).geturl(), body
            return int(value), ask
    if not body:
        return None
    obj = loads_maybe(body)
    if isinstance(obj, dict):
        hit = _with_page(obj, 0)
        return (hit[1], lambda n: (url, _dumps(_with_page(obj, n)[0]))) if hit else None
    fields = parse_qsl(body, keep_blank_values=True)
    for i, (name, value) in enumerate(fields):
        inner = loads_maybe(value)
        if discovery.PAGE_PARAM.match(name) and value.isdigit():
            return int(value), lambda n, i=i: (url, form(dict(fields[:i] + [(name, str(n))] + fields[i + 1:])))
        if isinstance(inner, dict) and _with_page(inner, 0):
            return _with_page(inner, 0)[1], lambda n, i=i, inner=inner: (url, form(dict(
                fields[:i] + [(name, _dumps(_with_page(inner, n)[0]))] + fields[i + 1:])))
    return None


def json_next_pages(data, page: Page) -> list[Fetch]:
    """The following pages of a numbered JSON list, up to the page count the reply declares (or its total records
    over its page size). The page number is replaced where the request carried it (pager_of)."""
    request = page.meta.get("request") or {}
    method, body = request.get("method", "GET"), request.get("body")
    pager = pager_of(page.url, body if method == "POST" else None)
    if pager is None or not isinstance(data, (dict, list)):
        return []
    current, ask = pager
    pages = _find_int(data, _PAGES_KEYS)
    if pages is None:
        # the page size: declared, else the records on a first page (a last page holds fewer)
        size = _find_int(data, _SIZE_KEYS) or (records_in(data) if current <= 1 else 0)
        total = json_declared(data)
        if not total or not size:
            return []
        pages = math.ceil(total / size) - (1 if current == 0 else 0)
    out = []
    for n in range(current + 1, min(pages, current + 500) + 1):
        url, new_body = ask(n)
        out.append(Fetch(url, "list", method, new_body if method == "POST" else None,
                         dict(request.get("headers") or {}) if method == "POST" else {}))
    return out


# -- list data in scripts -----------------------------------------------------------------------------------------------
def script_items(page: Page, base: str) -> list[ListItem]:
    """List data an HTML page keeps in its scripts as JavaScript literals (`var data = [{title:'…',url:'…'}]`)."""
    import chompjs

    out: list[ListItem] = []
    for script in page.tree.iter("script"):
        body = script.text or ""
        if len(body) > 2_000_000 or not _SCRIPT_DATA_HINT.search(body) or not _CJK.search(body):
            continue
        try:
            objects = list(chompjs.parse_js_objects(body))
        except Exception:  # chompjs raises plain ValueError/TypeError on odd scripts: not list data then
            continue
        for obj in objects:
            out += json_items(obj, base)
    return out


_AJAX = re.compile(r"\$\.ajax\s*\(\s*(?=\{)|\baxios\s*\(\s*(?=\{)")
_SHORTHAND = re.compile(r"""(?:\$|\baxios)\.(post|get|getJSON)\s*\(\s*(['"])([^'"]+)\2\s*(?:,\s*(?=\{))?""")
_STATIC = re.compile(r"\.(?:js|css|png|jpe?g|gif|svg|ico|woff2?)(?:\?|$)", re.I)


def _ajax_fetch(base: str, url: str, method: str, data, json_body: bool) -> Fetch | None:
    if not isinstance(url, str) or not url or _STATIC.search(url) or "+" in url:
        return None
    target = discovery.clean_url(url, base)
    if not target:
        return None
    fields = {str(k): ("" if v is None else str(v).lower() if isinstance(v, bool) else str(v))
              for k, v in (data.items() if isinstance(data, dict) else ())
              if not isinstance(v, (dict, list))}
    if method == "POST":
        if json_body:
            body = json.dumps(data if isinstance(data, dict) else {}, ensure_ascii=False, separators=(",", ":"))
            return Fetch(target, "list", "POST", body, {"Content-Type": "application/json;charset=UTF-8"},
                         data={"first_page": True})
        return Fetch(target, "list", "POST", form(fields), {"Content-Type": "application/x-www-form-urlencoded"},
                     data={"first_page": True})
    if fields:
        target += ("&" if "?" in target else "?") + form(fields)
    return Fetch(target, "list", data={"first_page": True})


def ajax_calls(page: Page) -> list[Fetch]:
    """The list requests a page's scripts make: `$.ajax({url, type, data})`, `$.post(url, {…})`, `$.get(…)`,
    `$.getJSON(…)`, `axios({…})` — read as JavaScript literals (chompjs); a call whose URL or data is computed
    at run time is left out (an adapter must know that family)."""
    import chompjs

    out: list[Fetch] = []
    for script in page.tree.iter("script"):
        text = script.text or ""
        if "ajax" not in text and "axios" not in text and "$." not in text:
            continue
        for m in _AJAX.finditer(text):
            try:
                call = chompjs.parse_js_object(text[m.end():])
            except (ValueError, TypeError):
                continue
            if not isinstance(call, dict):
                continue
            method = str(call.get("type") or call.get("method") or "GET").upper()
            json_body = "json" in str(call.get("contentType") or (call.get("headers") or {})).lower()
            data = call.get("data")
            if isinstance(data, str) and data.strip():
                continue  # JSON.stringify(…) of run-time values
            fetch = _ajax_fetch(page.url, call.get("url"), method, data, json_body)
            if fetch:
                out.append(fetch)
        for m in _SHORTHAND.finditer(text):
            data = None
            if text[m.end():m.end() + 1] == "{":
                try:
                    data = chompjs.parse_js_object(text[m.end():])
                except (ValueError, TypeError):
                    data = None
            method = "POST" if m.group(1) == "post" else "GET"
            fetch = _ajax_fetch(page.url, m.group(3), method, data if isinstance(data, dict) else None, False)
            if fetch:
                out.append(fetch)
    return out[:10]


class GenericAdapter(Adapter):
    """Behind every adapter; alone on pages of families nobody wrote an adapter for."""
    name = "generic"

    def list_items(self, page: Page) -> list[ListItem]:
        base = page.meta.get("list_base") or page.url
        if json_reply(page) is not None or is_xml(page):
            return markup_items(page, base)
        return super().list_items(page) + script_items(page, base)

    def list_requests(self, page: Page) -> list[Fetch]:
        data = json_reply(page)
        if data is not None:
            return json_next_pages(data, page)
        if is_xml(page):
            return []
        out = super().list_requests(page) + ajax_calls(page)
        called = {f.url.split("?")[0] for f in out}
        for script in page.tree.iter("script"):  # SPA shells name the JSON endpoint of their list
            for m in _JSON_ENDPOINT.finditer(script.text or ""):
                url = urljoin(page.url, m.group(1))
                if url.split("?")[0] not in called:
                    out.append(Fetch(url, "list"))
        return out

    def declared_total(self, page: Page) -> int | None:
        data = json_reply(page)
        if data is not None:
            return json_declared(data) if records_in(data) else None
        return None if is_xml(page) else declared_in_text(page)
