"""The long tail of local CMSs (spec §1.7): onclick-only links (`isDownLoad(this,'…')`), anchors inside JS strings,
base64 pagers in `<div id="pages">`, ASPX query-string columns, onclick pagers (`queryArticleByCondition(this,
'/…-2.shtml')`) and SPA shells that load their list from a JSON endpoint named in the page's script.

Most of this is generic (discovery.extract_links reads onclick/JS/CDATA links); this adapter adds the SPA case:
JSON endpoints referenced from scripts are fetched, and any JSON list of {title, url} objects is read."""
from __future__ import annotations

import re
from urllib.parse import urljoin

from crawler import discovery
from crawler.adapters.base import Adapter, Fetch, ListItem, iso_date, json_reply
from crawler.discovery import Page

_JSON_ENDPOINT = re.compile(r"""['"]((?:https?:)?/[^'"\s]*(?:\.json|/api/[^'"\s]*|/search/[^'"\s]*|"""
                            r"""list\.(?:do|action)[^'"\s]*))['"]""")
_TITLE_KEYS = ("title", "name", "bt", "docTitle", "articleTitle")
_URL_KEYS = ("url", "link", "href", "post_url", "docUrl", "articleUrl", "path")
_DATE_KEYS = ("date", "publishDate", "publishedTime", "pubDate", "time", "created_at", "display_publish_time")


def json_items(data, base: str) -> list[ListItem]:
    """Walk any JSON reply for objects that look like list entries."""
    out: list[ListItem] = []
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            title = next((node[k] for k in _TITLE_KEYS if isinstance(node.get(k), str) and node.get(k)), None)
            url = next((node[k] for k in _URL_KEYS if isinstance(node.get(k), str) and node.get(k)), None)
            if title and url and (u := discovery.clean_url(url, base)):
                date = next((str(node[k]) for k in _DATE_KEYS if node.get(k)), None)
                out.append(ListItem(title, u, iso_date(date)))
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return out


def json_next_pages(data, page: Page) -> list[Fetch]:
    """Numbered JSON endpoints (…page=1…): ask for the following pages up to a declared total page count."""
    if not isinstance(data, dict):
        return []
    total_pages = next((int(data[k]) for k in ("totalPages", "pageCount", "pages", "totalPage")
                        if str(data.get(k, "")).isdigit()), None)
    m = re.search(r"([?&](?:page|pageNo|pageIndex|_page|p)=)(\d+)", page.url)
    if not total_pages or not m:
        return []
    current = int(m.group(2))
    return [Fetch(page.url[: m.start(2)] + str(n) + page.url[m.end(2):], "list")
            for n in range(current + 1, total_pages + 1)]


class LongtailAdapter(Adapter):
    name = "longtail"

    def list_items(self, page: Page) -> list[ListItem]:
        data = json_reply(page)
        if data is not None:
            return json_items(data, page.url)
        return super().list_items(page)

    def list_requests(self, page: Page) -> list[Fetch]:
        data = json_reply(page)
        if data is not None:
            return json_next_pages(data, page)
        out = super().list_requests(page)
        for script in page.tree.iter("script"):
            for m in _JSON_ENDPOINT.finditer(script.text or ""):
                out.append(Fetch(urljoin(page.url, m.group(1)), "list"))
        return out
