"""Guangdong gkmlpt 政府信息公开目录管理平台 (spec §1.4).

`/gkmlpt/index` (or `/gkmlpt/annualreport#<id>`) embeds `window._CONFIG = {SID: '755041', TREE: [{id, name, …}]}`.
Lists: GET /gkmlpt/api/all/{catId}?page={n}&sid={SID} → {classify:{post_count}, articles:[{title, url,
display_publish_time|date|created_at, attachment:[{name, url}]}], total?}; 100 per page, page 0 == page 1.
Details `/gkmlpt/content/…/post_{id}.html`, attachments `/attachment/…` (anchor class nfw-cms-attachment)."""
from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

from crawler import discovery
from crawler.adapters.base import Adapter, Fetch, ListItem, iso_date, json_reply
from crawler.discovery import Link, Page

_SID = re.compile(r"""\bSID\s*['"]?\s*:\s*['"]?(\w+)""")
_NODE = re.compile(r"""['"]?id['"]?\s*:\s*['"]?(\d+)['"]?\s*,\s*['"]?name['"]?\s*:\s*['"]([^'"]+)['"]""")
_REPORT_NODE = re.compile(r"年报|年度报告")
PAGE_SIZE = 100


def _date(article: dict) -> str | None:
    for key in ("display_publish_time", "date", "publish_time", "created_at"):
        v = article.get(key)
        if isinstance(v, (int, float)) and v > 10**8:
            return datetime.fromtimestamp(v, timezone.utc).date().isoformat()
        if v and iso_date(str(v)):
            return iso_date(str(v))
    return None


class GkmlptAdapter(Adapter):
    name = "gkmlpt"

    def category_ids(self, page: Page) -> list[str]:
        fragment = urlsplit(page.meta.get("fragment_url") or page.url).fragment
        if fragment.isdigit():
            return [fragment]
        return [cid for cid, name in _NODE.findall(page.text) if _REPORT_NODE.search(name)]

    def list_items(self, page: Page) -> list[ListItem]:
        data = json_reply(page)
        if data is None:
            return super().list_items(page)
        items = []
        for art in data.get("articles") or []:
            url = discovery.clean_url(art.get("url") or art.get("post_url") or "", page.url)
            if not url or not art.get("title"):
                continue
            attachments = [Link(u, a.get("name") or "", "a") for a in art.get("attachment") or []
                           if (u := discovery.clean_url(a.get("url") or "", page.url))]
            items.append(ListItem(art["title"], url, _date(art), attachments))
        return items

    def list_requests(self, page: Page) -> list[Fetch]:
        data = json_reply(page)
        if data is None:
            sid = _SID.search(page.text)
            if not sid:
                return super().list_requests(page)
            return [Fetch(urljoin(page.url, f"/gkmlpt/api/all/{cid}?page=1&sid={sid.group(1)}"), "list",
                          data={"gkmlpt": {"cid": cid, "sid": sid.group(1)}}) for cid in self.category_ids(page)]
        cfg = page.meta.get("gkmlpt")
        total = data.get("total") or (data.get("classify") or {}).get("post_count") or 0
        if not cfg or not total:
            return []
        pages = math.ceil(int(total) / PAGE_SIZE)
        return [Fetch(urljoin(page.url, f"/gkmlpt/api/all/{cfg['cid']}?page={n}&sid={cfg['sid']}"), "list",
                      data={"gkmlpt": cfg}) for n in range(2, pages + 1)]

    def report_attachments(self, page: Page) -> list[Link]:
        links = super().report_attachments(page)
        seen = {link.url for link in links}
        for a in page.tree.iter("a"):
            if "nfw-cms-attachment" in (a.get("class") or ""):
                url = discovery.clean_url(a.get("href") or "", page.url)
                if url and url not in seen:
                    links.append(Link(url, a.text_content().strip(), "a"))
        return links
