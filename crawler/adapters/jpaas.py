"""Hanweb jpaas (spec §1.3): the column page is an empty shell with
`<script src=…/unitbuild.js url="/api-gateway/jpaas-publish-server/front/page/build/unit"
queryData="{'webId':'3185','pageId':…,'tagId':'信息列表',…}">`. The list comes from GET url?{queryData}&paramJson=
{"pageNo":N,"pageSize":15,"search":""} → JSON {"success":true,"data":{"html":"<ul><li><a …>"
"…<table class='pagination' count='388' rows='15' pageNo='1'>"}}. Chinese parameters must be UTF-8 encoded."""
from __future__ import annotations

import html as htmllib
import json
import math
import re
from urllib.parse import urljoin

from crawler import discovery
from crawler.adapters.base import Adapter, Fetch, ListItem, form, iso_date, json_reply
from crawler.discovery import Page

_SHELL = re.compile(r"<script\b[^>]*unitbuild[^>]*>", re.I)
_ATTR = re.compile(r"""(\w+)\s*=\s*("([^"]*)"|'([^']*)')""")
_PAGINATION = re.compile(r"<table[^>]*class=['\"][^'\"]*pagination[^>]*>", re.I)


def _attrs(tag: str) -> dict[str, str]:
    return {k.lower(): htmllib.unescape(v2 if v2 or not v3 else v3) for k, _, v2, v3 in _ATTR.findall(tag)}


def _pseudo_json(text: str) -> dict:
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(text.replace("'", '"'))


def api_url(base: str, api: str, query: dict, page_no: int, page_size: int = 15) -> str:
    params = dict(query)
    params["paramJson"] = json.dumps({"pageNo": page_no, "pageSize": page_size, "search": ""},
                                     ensure_ascii=False, separators=(",", ":"))
    return urljoin(base, api) + ("&" if "?" in api else "?") + form(params)


class JpaasAdapter(Adapter):
    name = "jpaas"

    def _reply_html(self, page: Page) -> str | None:
        data = json_reply(page)
        if not isinstance(data, dict):
            return None
        return (data.get("data") or {}).get("html") or ""

    def list_items(self, page: Page) -> list[ListItem]:
        fragment = self._reply_html(page)
        if fragment is None:
            return super().list_items(page)
        tree = discovery.parse_html(f"<html><body>{fragment}</body></html>")
        # The fragment is written into the column page: relative links resolve against that page, not the API.
        base = (page.meta.get("jpaas") or {}).get("base") or page.url
        items = []
        for a in tree.iter("a"):
            url = discovery.clean_url(a.get("href") or "", base)
            title = (a.get("title") or a.text_content() or "").strip()
            if url and title:
                parent = a.getparent()
                items.append(ListItem(title, url, iso_date(parent.text_content() if parent is not None else "")))
        return items

    def list_requests(self, page: Page) -> list[Fetch]:
        fragment = self._reply_html(page)
        if fragment is None:
            out = []
            for tag in _SHELL.findall(page.text):
                attrs = _attrs(tag)
                if "url" in attrs and "querydata" in attrs:
                    query = _pseudo_json(attrs["querydata"])
                    out.append(Fetch(api_url(page.url, attrs["url"], query, 1), "list",
                                     data={"jpaas": {"api": urljoin(page.url, attrs["url"]), "query": query,
                                               "base": page.url}}))
            return out + super().list_requests(page)
        cfg = page.meta.get("jpaas")
        m = _PAGINATION.search(fragment)
        if not cfg or not m:
            return []
        attrs = _attrs(m.group(0))
        count, rows = int(attrs.get("count", "0") or 0), int(attrs.get("rows", "15") or 15)
        pages = math.ceil(count / max(rows, 1))
        return [Fetch(api_url(page.url, cfg["api"], cfg["query"], n, rows), "list", data={"jpaas": cfg})
                for n in range(2, pages + 1)]
