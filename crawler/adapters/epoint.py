"""Epoint 新点 WebBuilder (spec §1.5): list pages link `showinfo.html?infoGuid=<uuid>` shells whose body is empty;
the content comes from POST {project}/rest/…/getGovInfoDetail with form params={"infoid":"<uuid>"} →
JSON custom.data.{title, infocontent, infotype, pdflist[]}; infotype=pdf means a PDF-only report.
Also `/public/column/{site}?…&pageIndex=N` and `iList.jsp?…&cur_page=N` lists (generic pager handling)."""
from __future__ import annotations

import html as htmllib
import json
import re
from urllib.parse import parse_qs, urljoin, urlsplit

from crawler import discovery
from crawler.adapters.base import Adapter, Fetch, form, json_reply
from crawler.discovery import Link, Page

_ENDPOINT = re.compile(r"""['"]([^'"\s]*getGovInfoDetail[^'"\s]*)['"]""")
_URLISH = re.compile(r"^(https?:)?/|\.(pdf|docx?|wps|xlsx?)$", re.I)


def detail_data(page: Page) -> dict | None:
    data = json_reply(page)
    custom = data.get("custom") if isinstance(data, dict) else None
    if isinstance(custom, str):
        try:
            custom = json.loads(custom)
        except ValueError:
            return None
    if not isinstance(custom, dict):
        return None
    return custom.get("data") if isinstance(custom.get("data"), dict) else custom


class EpointAdapter(Adapter):
    name = "epoint"

    def report_followups(self, page: Page) -> list[Fetch]:
        guid = (parse_qs(urlsplit(page.url).query).get("infoGuid") or parse_qs(urlsplit(page.url).query).get(
            "infoguid") or [None])[0]
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

    def report_content(self, page: Page) -> tuple[bytes, dict]:
        data = detail_data(page)
        if data is None:
            return super().report_content(page)
        title = htmllib.escape(data.get("title") or "")
        doc = f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>" \
              f"{data.get('infocontent') or ''}</body></html>"
        return doc.encode("utf-8"), {"content_type": "html", "infotype": data.get("infotype")}
