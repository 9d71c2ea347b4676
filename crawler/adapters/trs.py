"""TRS WCM (spec §1.1): static column directories, `./YYYYMM/tYYYYMMDD_N.html` articles, `P0…` attachments (some
only inside a JS string such as `var hasFJ='<a href="./P0….docx">…'`), and the two createPageHTML paginations.

The generic adapter already reads JS-string anchors and both pagination variants (discovery.trs_pages); TRS adds
the month-directory article shape so only article links are taken from list pages."""
from __future__ import annotations

import re

from crawler.adapters.base import Adapter, ListItem
from crawler.discovery import Page

_ARTICLE = re.compile(r"/t\d{8}_\d+\.s?html?$|/P0\d+\.\w+$", re.I)


class TrsAdapter(Adapter):
    name = "trs"

    def list_items(self, page: Page) -> list[ListItem]:
        items = super().list_items(page)
        articles = [i for i in items if _ARTICLE.search(i.url.split("?")[0])]
        # A TRS column may also link reports hosted elsewhere (other columns, files): keep those too, the
        # classifier decides. Article-shaped links first so their dates win.
        return articles + [i for i in items if i not in articles]
