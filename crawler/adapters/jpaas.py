"""Hanweb jpaas (spec §1.3, spec-variants "Hanweb jpaas"): the column page is a shell with
`<script src=…/unitbuild.js url="/api-gateway/jpaas-publish-server/front/page/build/unit"
queryData="{'webId':'3185','pageId':…,'tagId':'信息列表',…}">`. The list comes from GET url?{queryData} → JSON
{"success":true,"data":{"html":"<ul><li><a …>…<table class='pagination' count='388' rows='15' pageNo='1'>"}}.

`queryData` is a JavaScript object literal, not JSON (single quotes, `null`, string values that themselves hold
JSON such as `'paramJson':'{"pageNo":1,"pageSize":5}'`): it is parsed with chompjs. Paging dialects: a paramJson
value inside queryData, a paramJson attribute beside it, flat `pageNo`/`rows` keys — the page number is set where
the page says it is. Chinese parameters are sent UTF-8 encoded. Pages are asked one after the other: a reply that
brings nothing new (deployments that always answer page 1) ends the chain, and the listing's declared count
records the shortfall."""
from __future__ import annotations

import html as htmllib
import json
import math
import re
from urllib.parse import urljoin

from crawler import discovery
from crawler.adapters.base import Adapter, Fetch, ListItem, form, int_of, json_reply
from crawler.discovery import Page

_SHELL = re.compile(r"<script\b[^>]*unitbuild[^>]*>", re.I)
_ATTR = re.compile(r"""([\w-]+)\s*=\s*("([^"]*)"|'([^']*)')""")
_PAGINATION = re.compile(r"<table[^>]*class=['\"][^'\"]*pagination[^>]*>", re.I)
_SIGNATURE = re.compile(r"jpaas-publish-server|unitbuild\.js", re.I)
DEFAULT_PAGE_SIZE = 15


def _attrs(tag: str) -> dict[str, str]:
    return {k.lower(): htmllib.unescape(v2 if v2 or not v3 else v3) for k, _, v2, v3 in _ATTR.findall(tag)}


def js_literal(text: str) -> dict:
    """A JavaScript object literal (queryData) as a dict."""
    import chompjs

    value = chompjs.parse_js_object(text)
    if not isinstance(value, dict):
        raise ValueError(f"queryData is not an object: {text[:80]!r}")
    return value


def _param_text(value) -> str:
    """How the page's script puts a value in the query string (encodeURIComponent of the JS value)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def page_query(query: dict, param_json: str | None, page_no: int) -> tuple[dict, int]:
    """The query parameters asking for page `page_no`, and the page size, in the dialect the page uses."""
    params = dict(query)
    size = DEFAULT_PAGE_SIZE
    if isinstance(params.get("paramJson"), (str, dict)) or param_json:
        raw = params.get("paramJson") if params.get("paramJson") is not None else param_json
        inner = raw if isinstance(raw, dict) else js_literal(raw) if raw.strip() else {}
        size = int_of(inner.get("pageSize") or inner.get("rows")) or size
        inner = {**inner, "pageNo": page_no}
        inner.setdefault("pageSize", size)
        params["paramJson"] = inner
    elif "pageNo" in params or "rows" in params:
        size = int_of(params.get("rows") or params.get("pageSize")) or size
        params["pageNo"] = page_no
    else:
        params["paramJson"] = {"pageNo": page_no, "pageSize": size, "search": ""}
    return {k: _param_text(v) for k, v in params.items()}, size


def api_url(base: str, api: str, query: dict, param_json: str | None, page_no: int) -> str:
    params, _ = page_query(query, param_json, page_no)
    return urljoin(base, api) + ("&" if "?" in api else "?") + form(params)


class JpaasAdapter(Adapter):
    name = "jpaas"
    reads_replies = True

    def claims(self, page: Page) -> bool:
        data = json_reply(page)
        if data is not None:
            return isinstance(data, dict) and isinstance(data.get("data"), dict) and \
                isinstance(data["data"].get("html"), str)
        return bool(_SIGNATURE.search(page.text))

    def _reply_html(self, page: Page) -> str | None:
        data = json_reply(page)
        if not isinstance(data, dict):
            return None
        inner = data.get("data") if isinstance(data.get("data"), dict) else {}
        return inner.get("html") or ""

    def shells(self, page: Page) -> list[dict]:
        """The unitbuild script tags of a shell page: {api, query, param_json}."""
        out = []
        for tag in _SHELL.findall(page.text):
            attrs = _attrs(tag)
            if "url" in attrs and "querydata" in attrs:
                out.append({"api": urljoin(page.url, attrs["url"]), "query": js_literal(attrs["querydata"]),
                            "param_json": attrs.get("paramjson"), "base": page.url})
        return out

    def list_items(self, page: Page) -> list[ListItem]:
        fragment = self._reply_html(page)
        if fragment is None:
            return super().list_items(page)  # a shell: small columns are complete in its static HTML
        # The fragment is written into the column page: relative links resolve against that page, not the API.
        base = (page.meta.get("jpaas") or {}).get("base") or page.meta.get("list_base") or page.url
        links = discovery.extract_links(fragment, base, discovery.parse_html(f"<html><body>{fragment}</body></html>"))
        return [ListItem(link.text, link.url, link.date) for link in links if link.text and link.source == "a"]

    def list_requests(self, page: Page) -> list[Fetch]:
        fragment = self._reply_html(page)
        if fragment is None:
            # Page 1 may already be in the shell (with its pagination table): then the API starts at page 2.
            static = _PAGINATION.search(page.text)
            start = 2 if static and (int_of(_attrs(static.group(0)).get("pageno")) or 1) == 1 else 1
            count = int_of(_attrs(static.group(0)).get("count")) if static else None
            out = []
            for cfg in self.shells(page):
                _, size = page_query(cfg["query"], cfg["param_json"], 1)
                if start == 2 and count is not None and count <= size:
                    continue  # a small column: complete in the shell
                out.append(Fetch(api_url(page.url, cfg["api"], cfg["query"], cfg["param_json"], start), "list",
                                 data={"jpaas": {**cfg, "page": start}, "first_page": True}))
            return out + super().list_requests(page)
        cfg = page.meta.get("jpaas")
        m = _PAGINATION.search(fragment)
        if not cfg or not m:
            return []
        attrs = _attrs(m.group(0))
        count = int_of(attrs.get("count")) or 0
        _, size = page_query(cfg["query"], cfg.get("param_json"), 1)
        rows = int_of(attrs.get("rows")) or size
        current = int_of(attrs.get("pageno")) or cfg.get("page", 1)
        if current >= math.ceil(count / max(rows, 1)):
            return []
        nxt = current + 1  # one page at a time: a deployment that always answers page 1 is noticed at once
        return [Fetch(api_url(cfg["base"], cfg["api"], cfg["query"], cfg.get("param_json"), nxt), "list",
                      data={"jpaas": {**cfg, "page": nxt}})]

    def declared_total(self, page: Page) -> int | None:
        fragment = self._reply_html(page)
        m = _PAGINATION.search(fragment if fragment is not None else page.text)
        return int_of(_attrs(m.group(0)).get("count")) if m else None
