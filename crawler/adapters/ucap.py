"""`/common/search/<channelId>` JSON lists (UCAP markup; spec-variants; Heilongjiang, Gansu, Karamay, Hainan).

The column page is a shell whose script asks GET /common/search/<32hex>?_isAgg=false&_isJson=true&_pageSize=N
&_template=index&page=N → {data: {total, page, rows, results: [{title, url, publishedTimeStr, domainMetaList}]}}.
The same API lives at `/search/<hex>` and `/searchList/<id>`."""
from __future__ import annotations

import math
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from crawler import discovery
from crawler.adapters.base import Adapter, Fetch, ListItem, int_of, json_reply
from crawler.discovery import Page

_ENDPOINT = re.compile(r"""['"]((?:https?:)?[^'"\s]*/(?:common/search|searchList|search)/[0-9A-Za-z_-]{6,}"""
                       r"""(?:\?[^'"\s]*)?)['"]""")
_SIGNATURE = re.compile(r"/common/search/|/searchList/|_isJson")


def _data(page: Page) -> dict | None:
    data = json_reply(page)
    inner = data.get("data") if isinstance(data, dict) else None
    return inner if isinstance(inner, dict) and isinstance(inner.get("results"), list) else None


def _with(url: str, **params) -> str:
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return parts._replace(query=urlencode(pairs + [(k, str(v)) for k, v in params.items()])).geturl()


class UcapAdapter(Adapter):
    name = "ucap"
    reads_replies = True

    def claims(self, page: Page) -> bool:
        if json_reply(page) is not None:
            return _data(page) is not None
        return bool(_SIGNATURE.search(page.text))

    def list_items(self, page: Page) -> list[ListItem]:
        data = _data(page)
        if data is None:
            return super().list_items(page)
        base = page.meta.get("list_base") or page.url
        items = []
        for r in data["results"]:
            if isinstance(r, dict) and r.get("title") and (u := discovery.clean_url(r.get("url") or "", base)):
                date = discovery.iso_date(str(r.get("publishedTimeStr") or r.get("publishedTime") or ""))
                items.append(ListItem(re.sub(r"<[^>]+>", "", r["title"]).strip(), u, date))
        return items

    def list_requests(self, page: Page) -> list[Fetch]:
        data = _data(page)
        if data is not None:
            current = int_of(dict(parse_qsl(urlsplit(page.url).query)).get("page")) or 1
            rows = int_of(data.get("rows")) or len(data["results"]) or 1
            if current != 1:
                return []  # page 1 asks for all the others
            last = math.ceil((int_of(data.get("total")) or 0) / rows)
            return [Fetch(_with(page.url, page=n), "list") for n in range(2, last + 1)]
        out = []
        for script in page.tree.iter("script"):
            for m in _ENDPOINT.finditer(script.text or ""):
                out.append(Fetch(_with(urljoin(page.url, m.group(1)), _isJson="true", page=1), "list",
                                 data={"first_page": True}))
        return out + super().list_requests(page)

    def declared_total(self, page: Page) -> int | None:
        data = _data(page)
        return int_of(data.get("total")) if data is not None else super().declared_total(page)
