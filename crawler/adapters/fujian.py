"""Fujian province-wide 集约化 platform (spec-variants "Fujian"): TRS pages + a WAS search service.

A 年报 column's first page is static TRS HTML (items in `<ul class="list-1">`), and the page carries an avalon.js
list model: `listModel({Mode:'wasdoc', listArgs:{channelid:…, classsql:'chnlid=<id>', …}, pagebar:{recordCount:
'<N>', prepage:15}})`. Items beyond the static first page exist only behind the search request (pager anchors are
`javascript:;`): POST /fjdzapp/search (form: the listArgs, page, prepage) → JSON {page, prepage, pageCount,
recordCount, data:[{doctitle, docpuburl, chnldocurl, url, docreltime:"2026.03.05 14:48:00", files[]}]}.
The page declares recordCount: a listing that stays below it is a recorded shortfall."""
from __future__ import annotations

import math
import re
from urllib.parse import urljoin

from crawler import discovery
from crawler.adapters.base import Adapter, Fetch, ListItem, form, int_of, js_object_after, json_reply
from crawler.adapters.generic import _attachments
from crawler.discovery import Page

_MODEL = re.compile(r"\blistModel\s*\(")
_SIGNATURE = re.compile(r"\blistModel\s*\(|/fjdzapp/")
SEARCH = "/fjdzapp/search"


def list_model(page: Page) -> dict | None:
    return js_object_after(page.text, _MODEL)


def _records(data) -> list | None:
    if isinstance(data, dict) and isinstance(data.get("data"), list) and \
            any(isinstance(r, dict) and ("doctitle" in r or "docpuburl" in r) for r in data["data"]):
        return data["data"]
    return None


class FujianAdapter(Adapter):
    name = "fujian"
    reads_replies = True

    def claims(self, page: Page) -> bool:
        data = json_reply(page)
        if data is not None:
            return _records(data) is not None or (isinstance(data, dict) and "recordCount" in data
                                                  and "data" in data)
        return bool(_SIGNATURE.search(page.text))

    def list_items(self, page: Page) -> list[ListItem]:
        data = json_reply(page)
        if data is None:
            return super().list_items(page)
        base = page.meta.get("list_base") or page.url
        items = []
        for r in _records(data) or []:
            if not isinstance(r, dict):
                continue
            url = discovery.clean_url(r.get("docpuburl") or r.get("chnldocurl") or r.get("url") or "", base)
            title = re.sub(r"<[^>]+>", "", r.get("doctitle") or r.get("title") or "").strip()
            if url and title:
                items.append(ListItem(title, url, discovery.iso_date(str(r.get("docreltime") or "")),
                                      _attachments(r, base)))
        return items

    def list_requests(self, page: Page) -> list[Fetch]:
        if json_reply(page) is not None:
            return []  # every page was asked for from the column page
        model = list_model(page)
        out = []
        if model:
            args = model.get("listArgs") if isinstance(model.get("listArgs"), dict) else {}
            bar = model.get("pagebar") if isinstance(model.get("pagebar"), dict) else {}
            total, per = int_of(bar.get("recordCount")) or 0, int_of(bar.get("prepage")) or 15
            url = urljoin(page.url, str(model.get("url") or args.get("url") or SEARCH))
            fields = {k: "" if v is None else str(v) for k, v in args.items() if k != "url"}
            for n in range(2, math.ceil(total / per) + 1):  # page 1 is the static HTML
                out.append(Fetch(url, "list", "POST", form({**fields, "page": n, "prepage": per}),
                                 {"Content-Type": "application/x-www-form-urlencoded"}))
        return out + super().list_requests(page)

    def declared_total(self, page: Page) -> int | None:
        data = json_reply(page)
        if data is not None:
            return int_of(data.get("recordCount")) if isinstance(data, dict) else None
        model = list_model(page)
        bar = (model or {}).get("pagebar")
        return int_of(bar.get("recordCount")) if isinstance(bar, dict) else super().declared_total(page)
