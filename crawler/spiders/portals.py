"""The `portals` spider: per county portal, find the 政府信息公开年报 column, walk every list page through the
platform adapter, classify items, fetch report pages and their attachments.

    scrapy crawl portals -a adcode=630222[,640181] [-a portals=FILE.csv] [-a db=archive.db] [-a run_id=N]

The spider never writes to SQLite: it yields items (documents, report items, portal statuses) and the item pipeline
(crawler.pipelines) is the one writer. It reads the archive only to know portal URLs (registry) and, through the
conditional-GET middleware, validators of documents fetched before.

Request stages: nav (homepage and 政府信息公开 pages, discovery) → column/list (the 年报 column, its sub-columns,
pagination and list APIs) → report (report page or file) → detail (Epoint POST) → attachment.
A portal is finished when its last outstanding request is answered; its status is then yielded.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest

from crawler import classify, discovery, registry, walls
from crawler.adapters import Fetch, for_platform
from crawler.discovery import Page

ROLE_BY_STAGE = {"nav": "list", "column": "list", "list": "list", "report": "page", "detail": "page",
                 "attachment": "attachment"}


def site_key(host: str) -> str:
    """Registrable part of a host name: x.gov.cn keeps three labels (www.a.gov.cn ~ xxgk.a.gov.cn)."""
    labels = host.lower().split(".")
    n = 3 if host.endswith((".gov.cn", ".com.cn", ".org.cn", ".edu.cn", ".net.cn")) else 2
    return ".".join(labels[-n:])


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


@dataclass
class PortalState:
    adcode: str
    name: str
    url: str | None
    column_url: str | None
    platform_hint: str | None
    region_names: list[str]
    scope: set[str] = field(default_factory=set)  # netlocs (IP hosts) or registrable domains
    pending: int = 0
    pages: int = 0
    seen: set[str] = field(default_factory=set)
    reports: dict[str, dict] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    platform: str | None = None
    walls: list[dict] = field(default_factory=list)
    robots: str | None = None
    moved: dict | None = None
    failures: list[str] = field(default_factory=list)
    ok_pages: int = 0
    capped: bool = False
    done: bool = False

    def in_scope(self, url: str, attachment: bool = False) -> bool:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if is_ip(host) or host == "localhost":
            return parts.netloc.lower() in self.scope
        if site_key(host) in self.scope:
            return True
        return attachment and host.endswith(".gov.cn")

    def add_scope(self, url: str) -> None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        self.scope.add(parts.netloc.lower() if is_ip(host) or host == "localhost" else site_key(host))

    # The few read-modify-write steps go through these methods, so that a shared state (crawler.distributed.state:
    # the portal's state in Redis, several workers on one portal) can make each of them atomic.
    def incr(self, counter: str, n: int = 1) -> int:
        """pending / pages / ok_pages += n; returns the new value."""
        value = getattr(self, counter) + n
        setattr(self, counter, value)
        return value

    def settle(self, request_meta: dict) -> int:
        """A request's answer was handled: pending -= 1, returns the new value. (The Redis state also ends the
        request's lease in the same transaction, see crawler.distributed.)"""
        return self.incr("pending", -1)

    def admit(self, key: str, request):
        """Claim a document key and count its request as pending; the request, or None when the key was claimed
        already. (The Redis state does both in the same step that queues the request, so a worker killed at any
        moment leaves no request counted but never queued, see crawler.distributed.)"""
        if key in self.seen:
            return None
        self.seen.add(key)
        self.incr("pending")
        return request

    def add_report(self, url: str, row: dict) -> bool:
        """Record a report found on a list; False when it already was."""
        if url in self.reports:
            return False
        self.reports[url] = row
        return True


class PortalsSpider(scrapy.Spider):
    name = "portals"
    # Walls (412/521/468/418), 404s and 5xx (after retries) must reach the callbacks to be recorded.
    handle_httpstatus_list = list(range(400, 600))

    def __init__(self, adcode: str | None = None, portals: str | None = None, db: str | None = None,
                 run_id: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.adcodes = [a for a in re.split(r"[,\s]+", adcode or "") if a]
        self.portals_csv = portals
        self.db_path = db
        self.run_id = int(run_id) if run_id else None
        self.states: dict[str, PortalState] = {}
        # A worker of a distributed crawl (the crawler.distributed.worker.Worker extension) swaps in portal states
        # shared in Redis and takes its requests from the shared queue instead of starting the portals itself.
        self.state_class = PortalState
        self.seeded_elsewhere = False
        self.deliver = None  # item -> None, see emit()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler.settings)
        return spider

    def configure(self, settings) -> None:
        self.db_path = self.db_path or settings.get("NIANBAO_DB", "archive.db")
        self.max_pages = settings.getint("NIANBAO_MAX_PAGES_PER_PORTAL", 400)
        self.max_nav_depth = settings.getint("NIANBAO_MAX_NAV_DEPTH", 4)
        self.max_redirect_stubs = settings.getint("NIANBAO_MAX_REDIRECT_STUBS", 3)

    # -- start ------------------------------------------------------------------------------------------------
    def load_portals(self) -> list[dict]:
        rows = registry.load_rows(self.db_path, adcodes=self.adcodes, csv_path=self.portals_csv)
        if not rows:
            raise ValueError("no portals to crawl: give -a adcode=CODE[,CODE] (registered with a URL) "
                             "or -a portals=FILE.csv")
        return rows

    async def start(self):
        if self.seeded_elsewhere:
            return  # a distributed worker: the start requests were seeded into the shared queue
        for req in self.start_requests_list():
            yield req

    def start_requests_list(self) -> list[scrapy.Request]:
        out = []
        for row in self.load_portals():
            names = classify.region_names_for(row.get("name"), row.get("prefecture"), row.get("province"))
            st = self.state_class(row["adcode"], row.get("name") or "", row.get("url") or None,
                                  row.get("column_url") or None, row.get("platform") or None, names)
            self.states[st.adcode] = st
            for u in (st.url, st.column_url):
                if u:
                    st.add_scope(u)
            if st.column_url:
                req = self.request(st, Fetch(st.column_url, "column"), stage="column", registered=True)
            elif st.url:
                req = self.request(st, Fetch(st.url, "nav"), stage="nav", depth=0, entry=True)
            else:
                req = None
            if req is not None:
                out.append(req)
        return out

    # -- request bookkeeping ------------------------------------------------------------------------------------
    def request(self, st: PortalState, fetch: Fetch, *, stage: str, depth: int = 0, **meta) -> scrapy.Request | None:
        """A request for this portal, or None when it was seen, is out of scope, or the page cap is reached."""
        key = fetch.key
        if key in st.seen or len(fetch.url) > 2000:
            return None
        if not st.in_scope(fetch.url, attachment=stage in ("attachment", "report")):
            return None
        if st.pages + st.pending >= self.max_pages and stage not in ("attachment",):
            st.capped = True
            return None
        callback = {"nav": self.parse_nav, "column": self.parse_list, "list": self.parse_list,
                    "report": self.parse_report, "detail": self.parse_report,
                    "attachment": self.parse_attachment}[stage]
        fragment_url = fetch.url if "#" in fetch.url and fetch.method == "GET" else None
        request = scrapy.Request(
            discovery.strip_fragment(fetch.url) if fetch.method == "GET" else fetch.url,
            method=fetch.method, body=fetch.body, headers=fetch.headers or None, callback=callback,
            errback=self.failed, dont_filter=True,
            meta={"adcode": st.adcode, "stage": stage, "nav_depth": depth, "doc_key": key,
                  "fetch_data": fetch.data, "fragment_url": fragment_url, **meta})
        return st.admit(key, request)  # None: another worker got there first (distributed crawl)

    def tracked(self, response_or_failure, handler, *args):
        """Run a handler, then settle the portal's outstanding-request count; yield its status when done."""
        meta = response_or_failure.meta if hasattr(response_or_failure, "meta") else \
            response_or_failure.request.meta
        st = self.states[meta["adcode"]]
        try:
            for output in handler(st, response_or_failure, *args):
                yield from self.emit(output)
        except Exception as exc:  # one broken page never stops the portal, let alone the crawl
            self.logger.exception("error handling %s", meta.get("doc_key"))
            st.failures.append(f"{type(exc).__name__}: {exc}")
            yield from self.emit({"kind": "error", "adcode": st.adcode, "url": meta.get("doc_key"),
                                  "stage": "crawl", "error": type(exc).__name__, "message": str(exc)[:500]})
        if st.settle(meta) <= 0 and not st.done:
            yield from self.emit(self.finish(st))

    def emit(self, output):
        """Requests go to Scrapy; items too, unless a deliverer is installed: a distributed worker hands items over
        itself, synchronously, so that a request is settled only once everything its answer produced is safe in
        Redis (Scrapy would process them later, concurrently with the rest of the callback)."""
        if self.deliver is None or isinstance(output, scrapy.Request):
            return (output,)
        self.deliver(output)
        return ()

    # -- callbacks ------------------------------------------------------------------------------------------------
    def parse_nav(self, response):
        yield from self.tracked(response, self._nav)

    def parse_list(self, response):
        yield from self.tracked(response, self._list)

    def parse_report(self, response):
        yield from self.tracked(response, self._report)

    def parse_attachment(self, response):
        yield from self.tracked(response, self._attachment)

    def failed(self, failure):
        yield from self.tracked(failure, self._failed)

    # -- shared response handling -----------------------------------------------------------------------------------
    def page(self, response) -> Page:
        text = response.text if isinstance(response, scrapy.http.TextResponse) else ""
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        meta = dict(response.meta.get("fetch_data") or {})
        meta["fragment_url"] = response.meta.get("fragment_url")
        return Page(response.url, response.body, text, response.status, headers, meta)

    def document(self, st: PortalState, response, page: Page, **extra) -> dict:
        meta = response.meta
        return {
            "kind": "document", "adcode": st.adcode, "key": meta["doc_key"], "url": response.request.url,
            "final_url": response.url, "status": response.status, "headers": page.headers, "body": response.body,
            "role": ROLE_BY_STAGE[meta["stage"]], "not_modified": bool(meta.get("not_modified")),
            "parent_key": meta.get("parent_key"), "link_text": meta.get("link_text"),
            "fetched_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(), **extra,
        }

    def screen(self, st: PortalState, response, page: Page):
        """Common checks on every response. Returns (items, go_on): walls, HTTP errors and redirect stubs stop here."""
        meta = response.meta
        st.incr("pages")
        wall = walls.detect(response.status, response.body, page.headers)
        if wall:
            st.walls.append({**wall.evidence(), "url": response.url})
            return [], False
        if response.status >= 400:
            st.failures.append(f"HTTP {response.status} {response.url}")
            if meta.get("registered"):
                return self.column_gone(st, response.url, f"HTTP {response.status}"), False
            return [], False
        items = []
        if 200 <= response.status < 300 and response.body:
            items.append(self.document(st, response, page))
        if not page.text:
            return items, True
        if discovery.is_soft_404(page.text, page.tree):
            st.failures.append(f"soft-404 {response.url}")
            if meta.get("registered"):
                items += self.column_gone(st, response.url, "soft-404 页面不存在")
            return items, False
        if meta.get("registered") and self.landed_on_home(st, response):
            items += self.column_gone(st, response.url, "redirected to the homepage")
            return items, False
        target = discovery.redirect_target(page.text, response.url, page.tree)
        if target and meta.get("stubs", 0) < self.max_redirect_stubs and target != response.url:
            if meta.get("entry") or meta.get("registered"):
                st.add_scope(target) if self.same_site(st, target) else None
            fetch = Fetch(target, meta["stage"], data=meta.get("fetch_data") or {})
            req = self.request(st, fetch, stage=meta["stage"], depth=meta.get("nav_depth", 0),
                               stubs=meta.get("stubs", 0) + 1, item=meta.get("item"),
                               parent_key=meta.get("parent_key"), entry=meta.get("entry"),
                               registered=meta.get("registered"))
            if req is None and not st.in_scope(target):
                st.moved = {"from": response.url, "to": target, "reason": "redirect stub to another site"}
            return items + ([req] if req else []), False
        st.incr("ok_pages")
        return items, True

    def same_site(self, st: PortalState, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return not is_ip(host) and any(site_key(host) == s for s in st.scope)

    def landed_on_home(self, st: PortalState, response) -> bool:
        redirected = response.meta.get("redirect_urls")
        return bool(redirected) and urlsplit(response.url).path in ("", "/", "/index.html", "/index.shtml",
                                                                    "/index.htm")

    def column_gone(self, st: PortalState, url: str, reason: str) -> list:
        """The registered column URL no longer holds the column: record it and rediscover from the homepage."""
        st.moved = {"registered_column": st.column_url, "reason": reason, "seen_at": url}
        home = st.url or f"{urlsplit(st.column_url).scheme}://{urlsplit(st.column_url).netloc}/"
        req = self.request(st, Fetch(home, "nav"), stage="nav", depth=0, entry=True)
        return [req] if req else []

    # -- stages ---------------------------------------------------------------------------------------------------------
    def _nav(self, st: PortalState, response):
        page = self.page(response)
        items, go_on = self.screen(st, response, page)
        yield from items
        if not go_on or not page.text:
            return
        if response.meta.get("entry"):
            st.add_scope(response.url) if self.same_site(st, response.url) or is_ip(
                urlsplit(response.url).hostname or "") else None
        platform = discovery.detect_platform(page.text, response.url)
        if st.platform is None or st.platform == "longtail":
            st.platform = platform
        depth = response.meta.get("nav_depth", 0)
        adapter = for_platform(platform)
        # Reports may be linked right here (a homepage block, a 信息公开 page listing the column's items).
        yield from self.take_items(st, page, adapter, response.url)
        api = [f for f in adapter.list_requests(page) if f.method == "POST" or "api" in f.url or "dataproxy" in f.url]
        if platform in ("gkmlpt", "jpaas"):
            for fetch in api:
                req = self.request(st, fetch, stage="list")
                if req:
                    st.columns.append(fetch.url)
                    yield req
        for link in sorted(adapter.links(page), key=discovery.column_link_score, reverse=True):
            score = discovery.column_link_score(link)
            if score >= 80:
                req = self.request(st, Fetch(link.url, "column"), stage="column")
                if req:
                    yield req
            elif score > 0 and depth < self.max_nav_depth:
                req = self.request(st, Fetch(link.url, "nav"), stage="nav", depth=depth + 1)
                if req:
                    yield req

    def _list(self, st: PortalState, response):
        page = self.page(response)
        items, go_on = self.screen(st, response, page)
        yield from items
        if not go_on or not page.body:
            return
        if response.meta["stage"] == "column" or response.meta.get("registered"):
            st.columns.append(response.url)
        platform = discovery.detect_platform(page.text, response.url) if not page.text.lstrip().startswith(
            ("{", "[", "<?xml")) else (response.meta.get("platform") or st.platform)
        if response.meta["stage"] == "column" and platform != "longtail":
            st.platform = platform  # the column's platform is what the portal is recorded as
        adapter = for_platform(platform)
        new = yield from self.take_items(st, page, adapter, response.url)
        for fetch in adapter.list_requests(page):
            generic_pager = fetch.method == "GET" and not fetch.data
            if generic_pager and new == 0 and response.meta["stage"] == "list":
                continue  # a pager page that brought nothing new: endless pagination ends here
            req = self.request(st, fetch, stage="list", platform=platform)
            if req:
                yield req
        for link in adapter.links(page):
            if link.source == "iframe":  # a column whose list lives in a same-site iframe (spec §3 row 10)
                req = self.request(st, Fetch(link.url, "list"), stage="list", platform=platform)
                if req:
                    yield req
            elif discovery.column_link_score(link) >= 80 or discovery.subcolumn_link(link, response.url):
                req = self.request(st, Fetch(link.url, "column"), stage="column")
                if req:
                    yield req

    def take_items(self, st: PortalState, page: Page, adapter, list_url: str):
        """Classify list entries; yield report items and report requests. Returns the number of new reports."""
        new = 0
        for item in adapter.list_items(page):
            c = classify.classify(item.title, item.date, st.region_names)
            if not c.is_report or item.url in st.reports:
                continue
            if not st.in_scope(item.url, attachment=True):
                continue
            if discovery.column_link_score(discovery.Link(item.url, item.title)) >= 80 and c.year is None:
                continue  # a menu entry named like a report: it is the column, not a report
            row = {"kind": "report_item", "adcode": st.adcode, "url": item.url, "title": item.title, "year": c.year,
                   "unit_kind": c.unit_kind, "unit_name": c.unit_name, "list_url": list_url,
                   "published": item.date, "platform": adapter.name}
            if not st.add_report(item.url, row):
                continue
            new += 1
            yield row
            req = self.request(st, adapter.report_fetch(item), stage="report", item=row,
                               list_attachments=[(a.url, a.text) for a in item.attachments],
                               platform=adapter.name)
            if req:
                yield req
        return new

    def _report(self, st: PortalState, response):
        page = self.page(response)
        row = response.meta["item"]
        if response.status in (404, 410):  # withdrawn: the archive marks the report gone, never deletes it
            yield {"kind": "gone", "adcode": st.adcode, "url": row["url"], "http_status": response.status,
                   "seen_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat()}
        items, go_on = self.screen(st, response, page)
        yield from items
        if not go_on or not page.body:
            return
        adapter = for_platform(response.meta.get("platform"))
        followups = adapter.report_followups(page) if page.text else []
        for fetch in followups:  # a shell: the content comes from a detail request
            req = self.request(st, fetch, stage="detail", item=row, platform=adapter.name,
                               parent_key=response.meta["doc_key"])
            if req:
                yield req
        if followups:
            return
        attachments = list(response.meta.get("list_attachments") or [])
        if page.text and not page.text.lstrip().startswith("%PDF"):
            attachments += [(a.url, a.text) for a in adapter.report_attachments(page)]
        urls = []
        for url, text in dict.fromkeys(attachments):
            if url == response.url or url in urls:
                continue
            req = self.request(st, Fetch(url, "attachment"), stage="attachment",
                               parent_key=response.meta["doc_key"], link_text=text)
            if req:
                urls.append(url)
                yield req
            elif discovery.strip_fragment(url) in st.seen or url in st.seen:
                urls.append(url)
        yield {**row, "doc_url": response.meta["doc_key"], "attachment_urls": urls}

    def _attachment(self, st: PortalState, response):
        page = self.page(response)
        items, _ = self.screen(st, response, page) if response.status >= 400 else ([], True)
        if response.status >= 400:
            yield from items
            return
        st.incr("pages")
        yield self.document(st, response, page)

    def _failed(self, st: PortalState, failure):
        request = failure.request
        message = str(failure.value)
        if failure.check(IgnoreRequest) and "robots.txt" in message:
            st.robots = request.url
        elif failure.check(IgnoreRequest) and "offsite" in message.lower():
            st.moved = {"from": request.meta.get("redirect_urls", [request.url])[0], "to": request.url,
                        "reason": "redirect to another site"}
        elif request.meta.get("entry") and request.meta.get("scheme_retry") is None and \
                request.url.startswith(("https://", "http://")):
            # Half of county portals are http-only, some https-only: try the other scheme once (spec §3 row 4).
            other = ("http://" + request.url[8:]) if request.url.startswith("https://") else \
                ("https://" + request.url[7:])
            st.failures.append(f"{type(failure.value).__name__}: {message[:200]} ({request.url})")
            req = self.request(st, Fetch(other, "nav"), stage="nav", entry=True, scheme_retry=True)
            if req:
                yield req
        else:
            st.failures.append(f"{type(failure.value).__name__}: {message[:200]} ({request.url})")
            if request.meta.get("registered"):
                yield from self.column_gone(st, request.url, type(failure.value).__name__)

    # -- end of a portal -----------------------------------------------------------------------------------------------
    def finish(self, st: PortalState) -> dict:
        st.done = True
        return self.status_item(st)

    @classmethod
    def status_item(cls, st: PortalState) -> dict:
        status, detail = cls.status_of(st)
        return {"kind": "portal_status", "adcode": st.adcode, "status": status, "detail": detail,
                "reports_found": len(st.reports), "pages_fetched": st.pages}

    @staticmethod
    def status_of(st: PortalState) -> tuple[str, dict]:
        detail: dict = {"platform": st.platform, "columns": sorted(set(st.columns))[:20]}
        if st.capped:
            detail["capped_at_pages"] = st.pages
        if st.failures:
            detail["failures"] = st.failures[:10]
        if st.walls:
            detail["walls"] = st.walls[:5]
        if st.robots and not st.reports and st.ok_pages == 0:
            detail["robots_disallowed"] = st.robots
            return "robots", detail
        if st.walls and not st.reports:
            return "blocked", detail
        if st.moved:
            detail["moved"] = st.moved
            return "moved", detail
        if st.reports or st.columns:
            return "ok", detail
        if st.ok_pages == 0:
            return "unreachable", detail
        return "no_column", detail
