"""TRS WCM (spec §1.1, spec-variants "TRS classic"): static column directories, `./YYYYMM/tYYYYMMDD_N.html`
articles (and the other article dialects: `content_ID.shtml`, `c_ID.htm`, `/<32hex>.shtml` …), `P0…` attachments
(some only inside a JS string such as `var hasFJ='<a href="./P0….docx">…'`), and the pagers: createPageHTML in
both variants, records first, and the Chongqing spelling createPage (discovery.trs_pager).

The generic reader already reads JS-string anchors; TRS adds the pager's declared record count and puts
article-shaped links first so their dates win."""
from __future__ import annotations

import re

from crawler import discovery
from crawler.adapters.base import Adapter, ListItem
from crawler.discovery import Page

_ARTICLE = re.compile(r"/t\d{8}_\d+\.s?html?$|/P0\d+\.\w+$|/content_\d+\.s?html?$|/c_\d+\.s?htm?l?$|"
                      r"/[0-9a-f]{32}\.s?html?$|/pnidpv\d+\.html$", re.I)
_SIGNATURE = re.compile(r"\bcreatePage(?:HTML)?\s*\(|TRS_Editor|CurrChnlCls|/t\d{8}_\d+\.s?html?|TRS_UEDITOR")


class TrsAdapter(Adapter):
    name = "trs"

    def claims(self, page: Page) -> bool:
        return bool(_SIGNATURE.search(page.text))

    def list_items(self, page: Page) -> list[ListItem]:
        items = super().list_items(page)
        article = [bool(_ARTICLE.search(i.url.split("?")[0])) for i in items]
        # A TRS column may also link reports hosted elsewhere (other columns, files): keep those too, the
        # classifier decides. Article-shaped links first so their dates win.
        return [i for i, a in zip(items, article) if a] + [i for i, a in zip(items, article) if not a]

    def declared_total(self, page: Page) -> int | None:
        return discovery.trs_pager(page.text, page.url)[1] or super().declared_total(page)
