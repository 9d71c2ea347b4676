"""deya WCM (`com.deya.wcm`, spec-variants "deya WCM"; portal-patterns §1.5 files it under Epoint by mistake).

政务公开 lists at `/info/iList.jsp?node_id=GK<site>&cat_id=<n>[&tm_id=…][&catalog_id=…][&cur_page=N]` (siblings
`infogk/iList.jsp`), articles `info/content.jsp?info_id=…` / `contentView.jsp?…`. The pager is script-driven
(`javascript:goPage(3)`, "共 N 条 当前第 1/5 页"): the other pages are the same URL with `cur_page=N`."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from crawler import discovery
from crawler.adapters.base import Adapter, Fetch
from crawler.discovery import Page

_SIGNATURE = re.compile(r"iList\.jsp|contentView\.jsp|/info/content\.jsp|com\.deya|infogk/", re.I)
_PAGES = re.compile(r"当前第?\s*\d+\s*/\s*(\d+)\s*页|共\s*(\d+)\s*页")
_GO_PAGE = re.compile(r"(?:goPage|gotoPage|toPage|changePage|turnPage)\s*\(\s*['\"]?(\d+)")


def with_page(url: str, n: int) -> str:
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "cur_page"]
    return parts._replace(query=urlencode(pairs + [("cur_page", str(n))])).geturl()


class DeyaAdapter(Adapter):
    name = "deya"

    def claims(self, page: Page) -> bool:
        return bool(_SIGNATURE.search(urlsplit(page.url).path) or _SIGNATURE.search(page.text))

    def list_requests(self, page: Page) -> list[Fetch]:
        out = super().list_requests(page)
        if "iList.jsp" not in urlsplit(page.url).path:
            return out
        text = discovery.visible_text(page.tree)
        m = _PAGES.search(text)
        last = int(m.group(1) or m.group(2)) if m else max((int(n) for n in _GO_PAGE.findall(page.text)), default=1)
        here = dict(parse_qsl(urlsplit(page.url).query)).get("cur_page", "1")
        if here.isdigit() and int(here) > 1:
            return out  # the first page asks for all the others
        return out + [Fetch(with_page(page.url, n), "list") for n in range(2, last + 1)]
