"""Hanweb 大汉 JCMS, classic `/col/colN/` + jpage (spec §1.2).

The first group of the list is embedded in the column HTML as `<script type="text/xml"><datastore>` with a
`<nextgroup>` CDATA link and `<record><![CDATA[<li><a …>]]></record>` entries. Later groups come from
POST /module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P with the jpage parameter object as
form body; the XML reply carries `<totalrecord>` and more `<record>`s. One call returns perPage×groupSize records.
Attachments: /module/download/downfile.jsp?…&filename=<hex>.pdf&showname=<中文名.pdf> (no extension in the path).
Variants (spec-variants "Hanweb classic"): rows whose text is truncated carry the full title in the `title`
attribute and the date in `<b>`; the totalRecord a column declares is what the listing must add up to (a
dataproxy that answers empty or 54 bytes leaves a recorded shortfall, not silence).
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urljoin, urlsplit

from crawler import discovery
from crawler.adapters.base import Adapter, Fetch, ListItem, form
from crawler.discovery import Page

_RECORD = re.compile(r"<record[^>]*>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_NEXTGROUP = re.compile(r"<nextgroup[^>]*>\s*<!\[CDATA\[(.*?)\]\]>", re.S | re.I)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>|totalRecord\s*[:=]\s*['\"]?(\d+)", re.I)
_PER_PAGE = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)|<perpage>\s*(\d+)", re.I)
_GROUP = re.compile(r"groupSize\s*[:=]\s*['\"]?(\d+)", re.I)
_PROXY = re.compile(r"proxyUrl\s*[:=]\s*['\"]([^'\"]+)['\"]")
_PARAM_PAIR = re.compile(r"""['"]?(\w+)['"]?\s*:\s*(?:'([^']*)'|"([^"]*)"|([\w.-]+))""")


def _first_int(rx: re.Pattern, text: str) -> int | None:
    m = rx.search(text)
    if not m:
        return None
    return int(next(g for g in m.groups() if g))


_SIGNATURE = re.compile(r"<datastore>|dataproxy\.jsp|hanweb|/module/xxgk/|/module/jslib/", re.I)


def _is_proxy_reply(page: Page) -> bool:
    head = page.text.lstrip()[:300]
    return head.startswith("<?xml") and "<datastore" in page.text[:2000] or head.startswith("<datastore")


class HanwebAdapter(Adapter):
    name = "hanweb"
    reads_replies = True

    def claims(self, page: Page) -> bool:
        if page.text.lstrip()[:1] in ("{", "["):
            return False
        return _is_proxy_reply(page) or bool(_SIGNATURE.search(page.text)) or \
            bool(re.search(r"/col/col\d+", urlsplit(page.url).path))

    def list_items(self, page: Page) -> list[ListItem]:
        items = []
        for record in _RECORD.findall(page.text):
            for link in discovery.links_from_fragment(record, page.url, "cdata"):
                date = link.date or discovery.iso_date(re.sub(r"<[^>]+>", " ", record))
                items.append(ListItem(link.text, link.url, date))
        if _is_proxy_reply(page):
            return items  # an XML proxy reply has nothing but records
        seen = {i.url for i in items}
        return items + [i for i in super().list_items(page) if i.url not in seen]

    def declared_total(self, page: Page) -> int | None:
        return _first_int(_TOTAL, page.text) or super().declared_total(page)

    def _params(self, page: Page) -> dict | None:
        """The jpage parameter object: from the nextgroup link's query, completed by the inline param object."""
        params: dict[str, str] = {}
        m = _NEXTGROUP.search(page.text)
        if m:
            href = re.search(r"""href\s*=\s*['"]([^'"]+)""", m.group(1))
            query = urlsplit(href.group(1) if href else m.group(1).strip()).query
            params.update({k: v for k, v in parse_qsl(query) if k not in ("page", "startrecord", "endrecord",
                                                                          "perpage")})
        block = re.search(r"\{[^{}]*columnid[^{}]*\}", page.text, re.S)
        if block:
            for key, a, b, c in _PARAM_PAIR.findall(block.group(0)):
                if key.lower() in ("proxyurl", "perpage", "groupsize", "totalrecord", "renderto", "templateid"):
                    continue
                params.setdefault(key, a or b or c)
        return params or page.meta.get("hanweb_params")

    def list_requests(self, page: Page) -> list[Fetch]:
        out = []
        params = self._params(page)
        total = _first_int(_TOTAL, page.text)
        per_page = _first_int(_PER_PAGE, page.text) or page.meta.get("hanweb_per_page") or 15
        group = _first_int(_GROUP, page.text) or page.meta.get("hanweb_group") or 3
        proxy = _PROXY.search(page.text)
        proxy_path = proxy.group(1) if proxy else page.meta.get("hanweb_proxy", "/module/web/jpage/dataproxy.jsp")
        if params and total:
            size = per_page * group
            for start in range(size + 1, total + 1, size):
                url = urljoin(page.url, f"{proxy_path}?startrecord={start}&endrecord={min(start + size - 1, total)}"
                                        f"&perpage={per_page}")
                out.append(Fetch(url, "list", method="POST", body=form(params),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"},
                                 data={"hanweb_params": params, "hanweb_per_page": per_page,
                                       "hanweb_group": group, "hanweb_proxy": proxy_path}))
        if not page.text.lstrip().startswith("<?xml"):
            out += super().list_requests(page)
        return out
