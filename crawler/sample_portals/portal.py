"""Base class of a sample portal: one county site on one port (plus, for some families, other hosts).

A family module subclasses Portal, lays the catalog items out as URLs (`assign_paths`, over `all_items`) and
answers requests (`route`; `req.vhost` says which of the portal's hosts was asked). This class holds what every
family shares: the variant switch used between two crawls, the manifest, file serving, and the generic
首页 → 政务公开 → 政府信息公开 navigation pages.

Variants: "original" and "changed". The changed variant edits one number in one report, withdraws one report (the
lists no longer show it, its page and attachments answer 404) and adds one report (listed and served only then).
`items` is what the lists show in the current variant (newest first); `all_items` everything, in both.

Hosts: `extra_hosts` names further hosts the portal runs (a 信息公开 platform on its own host); the server binds
each on 127.0.0.2 and tells the portal its URLs (`host_urls`). Items carry `extra["host"]` when they live there.
"""
from __future__ import annotations

import datetime as dt
import urllib.parse

from . import catalog, content
from .web import CST, Request, Response, SiteInfo, esc, html_response, not_found, page

PROVINCE_SITE_SUFFIX = "0004"

# When the "changed" variant is active the edited page says it was modified on this day.
CHANGED_AT = dt.datetime(2024, 6, 3, 10, 0, tzinfo=CST)
SITE_UPDATED = dt.date(2024, 4, 2)   # Last-Modified of navigation/list pages


class Portal:
    platform = "?"
    expected_status = "ok"
    home_path = "/"
    column_path = "/"
    charset = "utf-8"          # bytes on the wire
    declared_charset = None    # what headers/meta say (default: charset)
    robots_txt = "User-agent: *\nAllow: /\n"
    header_charset = True      # False: Content-Type without charset (only <meta> tells)
    extra_hosts: tuple[str, ...] = ()  # other hosts this portal runs, by name (bound on 127.0.0.2)
    inflight_limit: int | None = None  # answer 429 when more requests than this are open at once on one host
    hold: float = 0.0          # seconds a request is held open waiting for more to arrive (concurrency tests)
    with_added = True          # the changed variant adds a report

    def __init__(self, county: catalog.County, port_offset: int, items: list[catalog.Item]):
        self.county = county
        self.port_offset = port_offset
        self.variant = "original"
        self.host_urls: dict[str, str] = {}  # vhost -> base URL, set by the server once bound
        self.site = SiteInfo(name=county.government, host_unit=f"{county.government}办公室",
                             site_code=county.adcode + PROVINCE_SITE_SUFFIX,
                             icp=f"{county.province_abbr}ICP备{int(county.adcode) * 37 % 10**8:08d}号-1")
        self.all_items = list(items)
        self.added = self.added_item() if self.with_added and any(it.is_report for it in items) else None
        if self.added is not None:
            self.all_items.append(self.added)  # last: the other items keep their ids and paths
        self._visible: dict[str, list[catalog.Item]] = {}
        self.assign_paths()
        self.by_path = {it.path: it for it in self.all_items}
        self.files = {a.path: (it, a) for it in self.all_items for a in it.attachments}
        self.edited, self.removed = self.choose_changes()

    @property
    def items(self) -> list[catalog.Item]:
        """What the lists show in the current variant, newest first."""
        if self.variant not in self._visible:
            self._visible[self.variant] = sorted((it for it in self.all_items if self.lists(it)),
                                                 key=lambda it: (it.date, it.key), reverse=True)
        return self._visible[self.variant]

    def added_item(self) -> catalog.Item:
        """The report the changed variant adds: a department's late 2023 report, with seed text."""
        unit = f"{self.county.short}审计局"
        item = catalog.Item("added-2023", "report", f"{unit}2023年政府信息公开工作年度报告", dt.date(2024, 5, 20),
                            2023, "department", unit, body_seed=catalog.SEED_IDS[0])
        return item

    def url_of(self, vhost: str, path: str) -> str:
        """Absolute URL of a path on one of this portal's hosts."""
        return self.host_urls.get(vhost, "") + path

    # --- to be provided by families -------------------------------------------------------------------
    def assign_paths(self) -> None:
        raise NotImplementedError

    def route(self, req: Request) -> Response | None:
        raise NotImplementedError

    # --- request entry point ----------------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        if req.path == "/robots.txt":
            return Response(body=self.robots_txt.encode(), content_type="text/plain", last_modified=_noon(SITE_UPDATED))
        resp = self.route(req)
        return resp if resp is not None else self.not_found_page()

    def not_found_page(self) -> Response:
        return not_found()

    # --- variant switch (between two crawls) --------------------------------------------------------------
    def choose_changes(self) -> tuple[catalog.Item | None, catalog.Item | None]:
        """The "changed" variant edits one number in the seed report (or the first report reusing seed text)
        and withdraws the first department report (unlisted; its page and attachments answer 404)."""
        reports = [it for it in self.all_items if it.is_report and it is not self.added]
        edited = next((it for it in reports if it.seed), None) or next((it for it in reports if it.body_seed), None)
        removed = next((it for it in reports if it.unit_kind == "department" and it is not edited), None)
        return edited, removed

    def lists(self, item: catalog.Item) -> bool:
        """Do the lists show this item in the current variant?"""
        if self.variant == "changed":
            return item is not self.removed
        return item is not self.added

    def serves(self, item: catalog.Item) -> bool:
        """Is this item's page served in the current variant? (What is listed is served.)"""
        return self.lists(item)

    def is_removed(self, item: catalog.Item) -> bool:
        """Not published in the current variant (removed in "changed", not yet added in "original"): 404."""
        return not self.serves(item)

    def item_modified(self, item: catalog.Item) -> dt.datetime:
        if self.variant == "changed" and item is self.edited:
            return CHANGED_AT
        return _noon(item.date)

    def body_html(self, item: catalog.Item) -> str:
        """Report/news text as an HTML fragment (without attachment links: families place those)."""
        if item.body_seed:
            fragment = content.seed_html(item.body_seed)
            if self.variant == "changed" and item is self.edited:
                fragment = content.apply_edit(fragment, content.SEED_EDITS[item.body_seed])
            return fragment
        if item.is_report:
            return (f"<p>根据《中华人民共和国政府信息公开条例》规定，现公布《{esc(item.title)}》，全文详见附件。</p>"
                    if item.attachments else f"<p>{esc(item.title)}</p>")
        if item.kind == "graphic":
            return f'<p style="text-align:center">【图解】{esc(item.title)}</p><p><img src="/images/tujie.png" alt="图解"></p>'
        if item.kind == "notice":
            return "<p>各乡镇人民政府，县政府各部门：</p><p>为做好政府信息公开工作年度报告编制发布工作，现将有关事项通知如下。</p>"
        return f"<p>{item.date:%m月%d日}，{esc(self.county.short)}召开政务公开工作会议，总结上一年度工作，安排部署本年度重点任务。</p>"

    def verbatim_seed(self, item: catalog.Item) -> Response | None:
        """A genuine seed report is served as its published-page rendering (content/html), bytes and all."""
        seed_page = content.seed_page(item.seed) if item.seed else None
        if seed_page is None:
            return None
        text = seed_page.text
        if self.variant == "changed" and item is self.edited:
            text = content.apply_edit(text, content.SEED_EDITS[item.seed])
        ctype = f"text/html; charset={seed_page.declared or 'utf-8'}" if self.header_charset else "text/html"
        return Response(body=text.encode(seed_page.codec), content_type=ctype, last_modified=self.item_modified(item))

    def item_or_file(self, path: str) -> Response | None:
        """The page of the item at this path, or the attachment file at it, as the current variant serves them;
        None when there is none (the caller answers 404)."""
        if path in self.files:
            item, att = self.files[path]
            return self.serve_file(item, att)
        item = self.by_path.get(path)
        if item is None or self.is_removed(item):
            return None
        return self.verbatim_seed(item) or self.article(item)

    def article(self, item: catalog.Item) -> Response:
        raise NotImplementedError

    # --- files --------------------------------------------------------------------------------------------
    def serve_file(self, item: catalog.Item, att: catalog.Attachment, *, disposition: str | None = None,
                   octet_stream: bool | None = None) -> Response:
        if self.is_removed(item):
            return self.not_found_page()
        octet = att.octet_stream if octet_stream is None else octet_stream
        ctype = "application/octet-stream" if octet else content.file_mime(att.file)
        headers = []
        if disposition == "rfc5987":
            headers.append(("Content-Disposition", "attachment; filename*=UTF-8''" + urllib.parse.quote(att.name)))
        elif disposition == "raw-gbk":
            # What many Java servers send: the GBK bytes of the name, unquoted and unescaped.
            headers.append(("Content-Disposition",
                            'attachment; filename="' + att.name.encode("gb18030").decode("latin-1") + '"'))
        return Response(body=content.file_bytes(att.file), content_type=ctype, headers=headers,
                        last_modified=_noon(item.date))

    # --- generic pages ------------------------------------------------------------------------------------
    def html(self, title: str, body: str, *, modified=SITE_UPDATED, head: str = "", status: int = 200,
             header_charset: bool = True) -> Response:
        declared = self.declared_charset or self.charset
        text = page(title, body, site=self.site, charset=declared, head=head)
        return html_response(text, charset=self.charset, declared=declared, modified=modified, status=status,
                             header_charset=header_charset and self.header_charset)

    def nav_page(self, title: str, links: list[tuple[str, str]], intro: str = "") -> Response:
        lis = "\n".join(f'<li><a href="{esc(href)}">{esc(text)}</a></li>' for href, text in links)
        return self.html(f"{title}_{self.site.name}", f'{intro}<div class="nav"><h2>{esc(title)}</h2><ul>\n{lis}\n</ul></div>')

    def home_links(self) -> list[tuple[str, str]]:
        return [("/xwzx/index.html", "新闻中心"), ("/zwgk/index.html", "政务公开"), ("/bmfw/index.html", "便民服务")]

    def home(self) -> Response:
        return self.nav_page(self.site.name, self.home_links(),
                             intro=f"<p>欢迎访问{esc(self.site.name)}门户网站</p>")

    # --- manifest -----------------------------------------------------------------------------------------
    def manifest(self) -> dict:
        original = [it for it in self.all_items if it is not self.added]
        original.sort(key=lambda it: (it.date, it.key), reverse=True)
        entry = {
            "adcode": self.county.adcode, "name": self.county.name, "platform": self.platform,
            "port_offset": self.port_offset, "home_path": self.home_path, "column_path": self.column_path,
            "expected_status": self.expected_status, "charset": self.charset,
            "reports": [it.manifest_entry() for it in original if it.is_report],
            "noise": [it.manifest_entry() for it in original if not it.is_report],
        }
        if self.extra_hosts:
            entry["hosts"] = list(self.extra_hosts)
        changes = {}
        if self.edited is not None:
            edit = content.SEED_EDITS[self.edited.body_seed]
            listed = self.edited.manifest_entry()
            changes["edited"] = {"path": listed["path"], "anchor": edit.anchor, "before": edit.before,
                                 "after": edit.after, **({"host": listed["host"]} if "host" in listed else {})}
        if self.removed is not None:
            listed = self.removed.manifest_entry()
            changes["removed"] = [listed["path"]] + [a.path for a in self.removed.attachments]
        if self.added is not None:
            changes["added"] = self.added.manifest_entry()
        if changes:
            entry["changes"] = changes
        entry.update(self.manifest_extra())
        return entry

    def manifest_extra(self) -> dict:
        return {}


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 9, 30, tzinfo=CST)
