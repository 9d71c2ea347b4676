"""PowerEasy (动易, ASP.NET; spec-variants "Other county CMSs", 靖安县): columns `/Category_<n>/Index.aspx` (pages
`Index_2.aspx`), articles `/Item/<n>.aspx`. The county's 信息公开目录 is often a separate TRS host with suffixed
folders (`zfxxgk_38041/gkzn_38042/`): discovery follows the 政府信息公开 entry there (another host), and that host's
pages are read by the TRS adapter — per page."""
from __future__ import annotations

import re

from crawler.adapters.base import Adapter, ListItem
from crawler.discovery import Page

_SIGNATURE = re.compile(r"/Category_\d+/|/Item/\d+\.aspx|PowerEasy", re.I)
_ARTICLE = re.compile(r"/Item/\d+\.aspx$", re.I)


class PowerEasyAdapter(Adapter):
    name = "powereasy"

    def claims(self, page: Page) -> bool:
        return bool(_SIGNATURE.search(page.url) or _SIGNATURE.search(page.text))

    def list_items(self, page: Page) -> list[ListItem]:
        items = super().list_items(page)
        article = [bool(_ARTICLE.search(i.url.split("?")[0])) for i in items]
        return [i for i, a in zip(items, article) if a] + [i for i, a in zip(items, article) if not a]
