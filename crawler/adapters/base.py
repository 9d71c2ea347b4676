"""What a platform adapter does, and the generic behaviour every family starts from.

An adapter never touches the network: it reads a `Page` and answers with `ListItem`s (report candidates) and
`Fetch`es (what to request next). The spider turns Fetches into Scrapy requests. That keeps adapters testable on
saved pages.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from crawler import discovery
from crawler.discovery import Link, Page

_DATE = re.compile(r"((?:19|20)\d{2})[-./年](\d{1,2})[-./月](\d{1,2})")


@dataclass
class Fetch:
    url: str
    kind: str  # list / report / detail / attachment
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


def json_reply(page: Page):
    """The page body as JSON (object or array), or None when it is not JSON — list APIs and detail POSTs answer
    JSON, walls and error pages answer HTML."""
    if page.text.lstrip()[:1] not in ("{", "["):
        return None
    try:
        return json.loads(page.text)
    except ValueError:
        return None


def iso_date(text: str | None) -> str | None:
    m = _DATE.search(text or "")
    if not m:
        return None
    y, mo, d = m.groups()
    return f"{y}-{int(mo):02d}-{int(d):02d}"


def form(params: dict) -> str:
    """Form-encode as UTF-8 (jpaas/Hanweb reject GBK-encoded Chinese parameters, spec §1.3)."""
    return urlencode(params, encoding="utf-8")


class Adapter:
    name = "generic"

    # -- list pages ---------------------------------------------------------------------------------------------
    def detect(self, page: Page) -> bool:
        return discovery.detect_platform(page.text, page.url) == self.name

    def links(self, page: Page) -> list[Link]:
        if "links" not in page.meta:
            page.meta["links"] = discovery.extract_links(page.text, page.url, page.tree)
        return page.meta["links"]

    def list_items(self, page: Page) -> list[ListItem]:
        """Candidates on a list page: every titled link, with a date found next to it. The spider classifies."""
        items: list[ListItem] = []
        dates = self._dates_by_href(page)
        for link in self.links(page):
            if link.source in ("iframe", "pager") or not link.text:
                continue
            items.append(ListItem(link.text, link.url, dates.get(link.url)))
        return items

    def _dates_by_href(self, page: Page) -> dict[str, str]:
        out = {}
        for a in page.tree.iter("a"):
            href = discovery.clean_url(a.get("href") or "", page.url)
            parent = a.getparent()
            if href and parent is not None:
                d = iso_date(parent.text_content())
                if d:
                    out[href] = d
        return out

    def list_requests(self, page: Page) -> list[Fetch]:
        """Further pages of this list (pagination, API calls)."""
        urls = discovery.trs_pages(page.text, page.url)
        links = self.links(page) + discovery.base64_pager_links(page.text, page.url)
        urls += discovery.pager_links(links, page.url)
        return [Fetch(u, "list") for u in dict.fromkeys(urls)]

    # -- report pages -------------------------------------------------------------------------------------------
    def report_fetch(self, item: ListItem) -> Fetch:
        return Fetch(item.url, "report")

    def report_followups(self, page: Page) -> list[Fetch]:
        """Requests needed to get a report's content when the page is only a shell (Epoint)."""
        return []

    def report_attachments(self, page: Page) -> list[Link]:
        return discovery.attachment_links(self.links(page))

    def report_content(self, page: Page) -> tuple[bytes, dict]:
        """Bytes to extract from a report document, and extra hints."""
        return page.body, {}
