"""Epoint 新点 WebBuilder / EWB-FRONT (spec §1.5, spec-variants "Epoint").

* Detail shells: list pages link `showinfo.html?infoGuid=<uuid>` shells whose body is empty; the content comes
  from POST {project}/rest/…/getGovInfoDetail with form params={"infoid":"<uuid>"} → JSON
  custom.data.{title, infocontent, infotype, pdflist[]}; infotype=pdf means a PDF-only report.
* 信息公开 lists (Xuzhou): shells `/dynamic/zwgk/govInfoPub.html?categorynum=<num>` whose list is
  POST /EWB-FRONT/rest/lightfrontaction/getgovinfolist with a JSON body {deptcode, categorynum, pageIndex (1-based),
  pageSize, siteGuid} → custom.data[].{infourl (relative), realtitle, title}, custom.total. siteGuid and deptcode
  are read from the shell's script, categorynum from its URL (or script).
* `/public/column/{site}?…&pageIndex=N` lists: generic pager handling.
"""
from __future__ import annotations

import json
import math
import re
from urllib.parse import parse_qs, urljoin, urlsplit

from crawler import discovery
from crawler.adapters.base import Adapter, Fetch, ListItem, detail_data, form, int_of, json_reply, loads_maybe
from crawler.discovery import Link, Page

_ENDPOINT = re.compile(r"""['"]([^'"\s]*getGovInfoDetail[^'"\s]*)['"]""")
_LIST_ENDPOINT = re.compile(r"""['"]([^'"\s]*getgovinfolist[^'"\s]*)['"]""", re.I)
_URLISH = re.compile(r"^(https?:)?/|\.(pdf|docx?|wps|xlsx?)$", re.I)
_SIGNATURE = re.compile(r"getGovInfoDetail|infoGuid|ewb-|getgovinfolist|EWB-FRONT|/public/column/|epoint", re.I)
PAGE_SIZE = 15


def _script_value(text: str, name: str) -> str | None:
    m = re.search(r"\b" + re.escape(name) + r"""\b\s*[:=]\s*['"]([^'"]*)['"]""", text, re.I)
    return m.group(1) if m else None


def list_data(page: Page) -> dict | None:
    """custom of a getgovinfolist reply: {data: [...], total}."""
    data = json_reply(page)
    custom = loads_maybe(data.get("custom")) if isinstance(data, dict) else None
    if isinstance(custom, dict) and isinstance(custom.get("data"), list):
        return custom
    return None


class EpointAdapter(Adapter):
    name = "epoint"
    reads_replies = True

    def claims(self, page: Page) -> bool:
        data = json_reply(page)
        if data is not None:
            return detail_data(page) is not None or list_data(page) is not None
        return bool(_SIGNATURE.search(page.text))

    # -- getgovinfolist lists -----------------------------------------------------------------------------------------
    @staticmethod
    def _list_body(page_index: int, cfg: dict) -> str:
        return json.dumps({"siteGuid": cfg["siteGuid"], "categorynum": cfg["categorynum"],
                           "deptcode": cfg["deptcode"], "pageIndex": page_index, "pageSize": cfg["pageSize"]},
                          ensure_ascii=False, separators=(",", ":"))

    def _list_fetch(self, cfg: dict, page_index: int) -> Fetch:
        return Fetch(cfg["endpoint"], "list", "POST", self._list_body(page_index, cfg),
                     {"Content-Type": "application/json;charset=UTF-8"},
                     data={"epoint": {**cfg, "page": page_index}, "first_page": page_index == 1})

    def list_items(self, page: Page) -> list[ListItem]:
        custom = list_data(page)
        if custom is None:
            return super().list_items(page)
        base = (page.meta.get("epoint") or {}).get("base") or page.meta.get("list_base") or page.url
        items = []
        for row in custom["data"]:
            if not isinstance(row, dict):
                continue
            title = row.get("realtitle") or row.get("title") or ""
            url = discovery.clean_url(row.get("infourl") or row.get("url") or "", base)
            if title and url:
                items.append(ListItem(re.sub(r"<[^>]+>", "", title).strip(), url,
                                      discovery.iso_date(str(row.get("infodate") or row.get("infodatetime") or ""))))
        return items

    def list_requests(self, page: Page) -> list[Fetch]:
        custom = list_data(page)
        if custom is not None:
            cfg = page.meta.get("epoint")
            total = int_of(custom.get("total")) or 0
            if not cfg or cfg.get("page") != 1:
                return []
            return [self._list_fetch(cfg, n) for n in range(2, math.ceil(total / cfg["pageSize"]) + 1)]
        out = []
        endpoint = _LIST_ENDPOINT.search(page.text)
        if endpoint:
            query = parse_qs(urlsplit(page.url).query)
            cfg = {"endpoint": urljoin(page.url, endpoint.group(1)), "base": page.url,
                   "siteGuid": _script_value(page.text, "siteGuid") or "",
                   "deptcode": _script_value(page.text, "deptcode") or "",
                   "categorynum": (query.get("categorynum") or [None])[0] or _script_value(page.text, "categorynum")
                   or "", "pageSize": int_of(_script_value(page.text, "pageSize")) or PAGE_SIZE}
            if cfg["categorynum"]:
                out.append(self._list_fetch(cfg, 1))
        return out + super().list_requests(page)

    def declared_total(self, page: Page) -> int | None:
        custom = list_data(page)
        if custom is not None:
            return int_of(custom.get("total"))
        return super().declared_total(page)

    # -- detail shells --------------------------------------------------------------------------------------------------
    def report_followups(self, page: Page) -> list[Fetch]:
        query = parse_qs(urlsplit(page.url).query)
        guid = (query.get("infoGuid") or query.get("infoguid") or [None])[0]
        endpoint = _ENDPOINT.search(page.text)
        if not guid or not endpoint:
            return []
        return [Fetch(urljoin(page.url, endpoint.group(1)), "detail", method="POST",
                      body=form({"params": json.dumps({"infoid": guid}, separators=(",", ":"))}),
                      headers={"Content-Type": "application/x-www-form-urlencoded"})]

    def report_attachments(self, page: Page) -> list[Link]:
        data = detail_data(page)
        if data is None:
            return super().report_attachments(page)
        out = []
        for entry in data.get("pdflist") or data.get("attachlist") or []:
            if isinstance(entry, str):
                entry = {"url": entry}
            url = next((v for k, v in entry.items() if isinstance(v, str) and _URLISH.search(v)
                        and k.lower() in ("url", "fileurl", "attachurl", "path", "href", "link", "downloadurl")), None)
            name = next((entry[k] for k in ("name", "filename", "attachname", "title") if entry.get(k)), "")
            if url and (u := discovery.clean_url(url, page.url)):
                out.append(Link(u, name, "a"))
        content = data.get("infocontent") or ""
        if content:
            out += discovery.attachment_links(discovery.extract_links(content, page.url))
        return out
