"""Guangdong gkmlpt 政府信息公开目录管理平台 (spec §1.4, spec-variants "Guangdong gkmlpt").

`/gkmlpt/index` (or `/gkmlpt/annualreport#<id>`) embeds `window._CONFIG = {SID: '755041', TREE: [{id, name, …}]}`.
Lists: GET {prefix}/gkmlpt/api/all/{catId}?page={n}&sid={SID} → {classify:{post_count}, articles:[{title, url,
display_publish_time|date|created_at|create_time, attachment:[{name, url}]}], total?}; page 0 == page 1.
Details `/gkmlpt/content/…/post_{id}.html`, attachments `/attachment/…` (anchor class nfw-cms-attachment).

gkmlpt is a platform mounted on hosts whose other pages are another CMS (often TRS): pages are recognised by
their own signature (`_CONFIG` with SID, the /gkmlpt/ path, the API's JSON shape). Department sub-sites live
under a path prefix (`/zqhjj/gkmlpt/…`) with their own sid: the API is asked under the same prefix. A page holds
75–100 articles, so the next page is asked while the articles collected stay below the total (one page after
the other; a page that 404s or brings nothing ends the listing, its declared total records the shortfall)."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from crawler import discovery
from crawler.adapters.base import Adapter, Fetch, ListItem, int_of, js_object_after, json_reply
from crawler.adapters.generic import _date_of
from crawler.discovery import Link, Page

_CONFIG = re.compile(r"window\._CONFIG\s*=\s*")
_SID = re.compile(r"""\bSID\s*['"]?\s*:\s*['"]?(\w+)""")
_REPORT_NODE = re.compile(r"年报|年度报告|年報|年度報告")
_DATE_KEYS = ("display_publish_time", "date", "publish_time", "created_at", "create_time", "first_publish_time")


def _date(article: dict) -> str | None:
    return next((d for key in _DATE_KEYS if (d := _date_of(article.get(key)))), None)


def config(page: Page) -> dict | None:
    """window._CONFIG of a gkmlpt page (a JavaScript literal), or None."""
    return js_object_after(page.text, _CONFIG)


def prefix_of(url: str) -> str:
    """The path prefix a gkmlpt platform is mounted under ('' or '/zqhjj')."""
    path = urlsplit(url).path
    return path[: path.index("/gkmlpt/")] if "/gkmlpt/" in path else ""


class GkmlptAdapter(Adapter):
    name = "gkmlpt"
    reads_replies = True

    def claims(self, page: Page) -> bool:
        data = json_reply(page)
        if data is not None:
            return isinstance(data, dict) and isinstance(data.get("articles"), list)
        return "/gkmlpt/" in urlsplit(page.url).path or bool(_CONFIG.search(page.text) and _SID.search(page.text))

    def category_ids(self, page: Page, cfg: dict | None) -> list[str]:
        fragment = urlsplit(page.meta.get("fragment_url") or page.url).fragment
        if fragment.isdigit():
            return [fragment]
        out, stack = [], list((cfg or {}).get("TREE") or [])
        while stack:
            node = stack.pop(0)
            if not isinstance(node, dict):
                continue
            if _REPORT_NODE.search(str(node.get("name") or "")) and node.get("id") is not None:
                out.append(str(node["id"]))
            stack.extend(node.get("children") or [])
        return out

    def list_items(self, page: Page) -> list[ListItem]:
        data = json_reply(page)
        if data is None:
            return super().list_items(page)
        items = []
        for art in data.get("articles") or []:
            if not isinstance(art, dict):
                continue
            url = discovery.clean_url(art.get("url") or art.get("post_url") or "", page.url)
            if not url or not art.get("title"):
                continue
            attachments = [Link(u, a.get("name") or "", "a") for a in art.get("attachment") or []
                           if isinstance(a, dict) and (u := discovery.clean_url(a.get("url") or "", page.url))]
            items.append(ListItem(art["title"], url, _date(art), attachments))
        return items

    def _api(self, base: str, cfg: dict, page_no: int, first: bool = False) -> Fetch:
        url = urljoin(base, f"{cfg['prefix']}/gkmlpt/api/all/{cfg['cid']}?page={page_no}&sid={cfg['sid']}")
        return Fetch(url, "list", data={"gkmlpt": {**cfg, "page": page_no}, "first_page": first})

    def list_requests(self, page: Page) -> list[Fetch]:
        data = json_reply(page)
        if data is None:
            cfg = config(page)
            sid = str(cfg.get("SID")) if cfg and cfg.get("SID") else (_SID.search(page.text) or [None, None])[1]
            if not sid:
                return super().list_requests(page)
            prefix = prefix_of(page.url)
            return [self._api(page.url, {"cid": cid, "sid": sid, "prefix": prefix, "seen": 0}, 1, first=True)
                    for cid in self.category_ids(page, cfg)]
        cfg = page.meta.get("gkmlpt")
        total = self.declared_total(page) or 0
        articles = len(data.get("articles") or [])
        if not cfg or not total or not articles:
            return []
        seen = cfg.get("seen", 0) + articles
        if seen >= total:
            return []
        return [self._api(page.url, {**cfg, "seen": seen}, cfg.get("page", 1) + 1)]

    def declared_total(self, page: Page) -> int | None:
        data = json_reply(page)
        if not isinstance(data, dict):
            return None
        return int_of(data.get("total")) or int_of((data.get("classify") or {}).get("post_count"))

    def report_attachments(self, page: Page) -> list[Link]:
        links = super().report_attachments(page)
        seen = {link.url for link in links}
        for a in page.tree.iter("a"):
            if "nfw-cms-attachment" in (a.get("class") or ""):
                url = discovery.clean_url(a.get("href") or "", page.url)
                if url and url not in seen:
                    links.append(Link(url, a.text_content().strip(), "a"))
        return links
