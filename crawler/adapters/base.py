"""What a platform adapter does, and the generic behaviour every family starts from.

An adapter never touches the network: it reads a `Page` and answers with `ListItem`s (report candidates) and
`Fetch`es (what to request next). The spider turns Fetches into Scrapy requests. That keeps adapters testable on
saved pages.

Which adapter reads a page is decided per page, from the page's own signature (`Adapter.claims`, see
crawler.adapters.choose) — never once per portal: a Guangdong gkmlpt platform is mounted on hosts whose other
pages are TRS. Behind the chosen adapter the generic reader (crawler.adapters.generic) always runs too.

A list page also says how many records its whole listing holds when it can (`declared_total`: TRS pager records,
jpage totalRecord, a JSON total, "共N条"); items are marked `record` when they are entries of the list (not the
page's menus), so the spider can compare what a listing declares with what it collected.
"""
from __future__ import annotations

import html as htmllib
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from crawler import discovery
from crawler.discovery import Link, Page, iso_date  # noqa: F401  (iso_date: re-exported for the adapters)


@dataclass
class Fetch:
    url: str
    kind: str  # list (an adapter's own list request) / pager (a generic pager link) / report / detail / attachment
    method: str = "GET"
    body: str | None = None  # form-encoded or JSON text for POST
    headers: dict[str, str] = field(default_factory=dict)
    data: dict = field(default_factory=dict)  # adapter extras carried to the callback (page number, item …)

    @property
    def key(self) -> str:
        """Identity of the request (and of the archived document): POST bodies are part of it."""
        return self.url if self.method == "GET" or not self.body else f"{self.url}#post:{self.body}"


@dataclass
class ListItem:
    title: str
    url: str  # the report's human-facing URL (page, or the file itself)
    date: str | None = None  # publication date as listed (ISO), if any
    attachments: list[Link] = field(default_factory=list)  # known from the listing (gkmlpt JSON)
    record: bool = True  # an entry of the list itself (False: a menu/footer link on a list page)


# -- JSON replies --------------------------------------------------------------------------------------------------
_JSONP = re.compile(r"^\s*[\w$.]+\s*\(\s*([\[{].*[\]}])\s*\)\s*;?\s*$", re.S)


def json_reply(page: Page):
    """The page body as JSON (object or array; a JSONP wrapper is removed), or None when it is not JSON — list
    APIs and detail POSTs answer JSON, walls and error pages answer HTML. Parsed once per page."""
    if "json" in page.meta:
        return page.meta["json"]
    text = page.text.lstrip()
    data = None
    if text[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
    elif text[:1].isalpha() and "(" in text[:80]:
        m = _JSONP.match(text)
        if m:
            try:
                data = json.loads(m.group(1))
            except ValueError:
                data = None
    page.meta["json"] = data
    return data


def loads_maybe(value):
    """A JSON document held in a string field (Epoint `custom` is often a JSON string), else the value."""
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "[") and len(value) < 20_000_000:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def is_markup_reply(page: Page) -> bool:
    """A JSON or XML reply (an API answer), as opposed to an HTML page."""
    head = page.text.lstrip()[:200].lower()
    return json_reply(page) is not None or head.startswith("<?xml") or head.startswith("<datastore")


def js_object_after(text: str, marker: re.Pattern) -> dict | None:
    """The JavaScript object literal that follows `marker` in the text (`window._CONFIG = {…}`, `listModel({…})`),
    parsed with chompjs; None when there is none or it does not parse."""
    import chompjs

    m = marker.search(text)
    if not m:
        return None
    try:
        value = chompjs.parse_js_object(text[m.end():])
    except (ValueError, TypeError):
        return None
    return value if isinstance(value, dict) else None


def form(params: dict) -> str:
    """Form-encode as UTF-8 (jpaas/Hanweb reject GBK-encoded Chinese parameters, spec §1.3)."""
    return urlencode(params, encoding="utf-8")


def int_of(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


_DECLARED_TEXT = re.compile(r"共\s*(?:有\s*)?(\d{1,6})\s*条(?:记录|信息|数据)?")


def declared_in_text(page: Page) -> int | None:
    """"共 N 条" printed on a list page (outside scripts): the number of records its listing holds."""
    text = discovery.visible_text(page.tree)
    found = [int(m.group(1)) for m in _DECLARED_TEXT.finditer(text)]
    return max(found) if found else None


# -- report content -----------------------------------------------------------------------------------------------
def detail_data(page: Page) -> dict | None:
    """The data object of an Epoint getGovInfoDetail reply: custom.data.{title, infocontent, infotype, pdflist}."""
    data = json_reply(page)
    custom = loads_maybe(data.get("custom")) if isinstance(data, dict) else None
    if not isinstance(custom, dict):
        return None
    inner = custom.get("data") if isinstance(custom.get("data"), dict) else custom
    return inner if isinstance(inner, dict) and ("infocontent" in inner or "pdflist" in inner) else None


class Adapter:
    name = "generic"
    reads_replies = False  # True: claims() also recognises JSON/XML replies of this family's APIs

    # -- which pages are this family's ------------------------------------------------------------------------------
    def claims(self, page: Page) -> bool:
        """Is this page (URL + body signature) one of this family's? For JSON/XML replies: is the reply's shape
        this family's (then this adapter has read it)."""
        return False

    # -- list pages -------------------------------------------------------------------------------------------------
    def links(self, page: Page) -> list[Link]:
        if "links" not in page.meta:
            page.meta["links"] = discovery.extract_links(page.text, page.url, page.tree)
        return page.meta["links"]

    def list_items(self, page: Page) -> list[ListItem]:
        """Candidates on a list page: every titled link, with the date of its list record. The spider classifies."""
        links = self.links(page)
        records = {id(link) for link in discovery.record_links(links)}
        return [ListItem(link.text, link.url, link.date, record=id(link) in records)
                for link in links if link.source not in ("iframe", "pager") and link.text]

    def list_requests(self, page: Page) -> list[Fetch]:
        """Further pages of this list (pagination, API calls)."""
        urls = discovery.trs_pages(page.text, page.url)
        links = self.links(page) + discovery.base64_pager_links(page.text, page.url)
        urls += discovery.pager_links(links, page.url)
        return [Fetch(u, "pager") for u in dict.fromkeys(urls)]

    def declared_total(self, page: Page) -> int | None:
        """How many records the listing this page belongs to declares, when the page says so."""
        return declared_in_text(page) if page.text and not is_markup_reply(page) else None

    # -- report pages -------------------------------------------------------------------------------------------
    def report_fetch(self, item: ListItem) -> Fetch:
        return Fetch(item.url, "report")

    def report_followups(self, page: Page) -> list[Fetch]:
        """Requests needed to get a report's content when the page is only a shell (Epoint)."""
        return []

    def report_attachments(self, page: Page) -> list[Link]:
        return discovery.attachment_links(self.links(page))

    def report_content(self, page: Page) -> tuple[bytes, dict]:
        """Bytes to extract from a report document, and extra hints. A detail reply in JSON (Epoint) becomes the
        HTML page it stands for, whichever adapter listed the report."""
        data = detail_data(page) if page.text else None
        if data is None:
            return page.body, {}
        title = htmllib.escape(data.get("title") or "")
        doc = f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>" \
              f"{data.get('infocontent') or ''}</body></html>"
        return doc.encode("utf-8"), {"content_type": "html", "infotype": data.get("infotype")}
