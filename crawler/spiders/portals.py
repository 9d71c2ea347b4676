"""The `portals` spider: per county portal, find the 政府信息公开年报 column, walk every list page through the
adapter that page calls for, classify items, fetch report pages and their attachments.

    scrapy crawl portals -a adcode=630222[,640181] [-a portals=FILE.csv] [-a db=archive.db] [-a run_id=N]

The spider never writes to SQLite: it yields items (documents, report items, portal statuses, errors, gone) and the
item pipeline (crawler.pipelines) is the one writer. It reads the archive only to know portal URLs (registry),
validators of documents fetched before (conditional-GET middleware) and what it knows of a portal's reports
(archive.crawl.revisit_history, for the revisit policy in crawler.revisit).

Request stages: nav (homepage, 政府信息公开 pages, another host's 信息公开 platform, unit pages) → column/list (the 年报
column, its sub-columns, pagination and list APIs; the site's search when no menu leads to the column) → report
(report page or file) → detail (Epoint POST) → attachment. A portal is finished when its last outstanding request
is answered; its status is then yielded.

Per page: the adapter is chosen from the page's own signature (crawler.adapters.choose), the generic reader runs
behind it, and every adapter call is guarded — an exception becomes an `adapter_error` shortfall with evidence and
the generic result is used. Shortfalls (a listing that declares more records than were collected, a JSON/XML list
nobody could read, a page cap reached) are evidence in the portal status, never silence.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest

from crawler import classify, discovery, registry, revisit, walls
from crawler.adapters import GENERIC, Fetch, choose, for_platform
from crawler.adapters.base import is_markup_reply, json_reply
from crawler.adapters.generic import records_in, report_titles, title_key
from crawler.discovery import Page
from crawler.items import CrawlError, Document, Gone, PortalOutcome, ReportLink
from crawler.middlewares import TRAP_REFUSED, archive_for

ROLE_BY_STAGE = {"nav": "list", "column": "list", "list": "list", "search": "list", "report": "page",
                 "detail": "page", "attachment": "attachment"}
# Shortfall kinds and the status each makes (the first that applies wins, see status_of).
SHORTFALL_STATUS = {"adapter_error": "adapter_error", "unparsed_list": "unparsed_list", "declared_more": "partial",
                    "page_cap": "partial", "attachments_capped": "partial"}
EVIDENCE_MAX = 50  # entries kept per evidence list of a portal (failures, shortfalls)
TRAP_PATH_MIN = 10  # query variants of one path that brought nothing before the path is remembered as a trap
SEARCH_WORDS = ("政府信息公开工作年度报告", "政府信息公开年报")


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


def _path_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc.lower()}{parts.path}"


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
    reports: dict[str, ReportLink] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    platform: str | None = None
    walls: list[dict] = field(default_factory=list)
    robots: str | None = None
    moved: dict | None = None
    failures: list[str] = field(default_factory=list)
    ok_pages: int = 0
    capped: bool = False
    done: bool = False
    # evidence of shortfalls: [{kind, url, …}] (adapter_error, unparsed_list, attachments_capped …)
    shortfalls: list[dict] = field(default_factory=list)
    platform_hosts: list[str] = field(default_factory=list)  # other hosts followed as the 信息公开 platform
    search_forms: list[dict] = field(default_factory=list)
    searched: bool = False
    paths: set[str] = field(default_factory=set)  # host+path of every request (query variants are speculative)
    # listing (URL of its first page) -> {declared, reports, column}; its record URLs in listing_records
    listings: dict[str, dict] = field(default_factory=dict)
    listing_records: dict[str, set] = field(default_factory=dict)
    trap_fruitless: int = 0
    trap_inflight: int = 0
    trap_refused: int = 0
    trap_examples: list[str] = field(default_factory=list)
    trap_paths: dict[str, int] = field(default_factory=dict)  # host+path -> query variants that brought nothing
    useful_paths: set[str] = field(default_factory=set)  # host+path of which some query variant brought something
    trap_skipped: int = 0
    failures_total: int = 0

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
        """pending / pages / ok_pages / trap_* / failures_total += n; returns the new value."""
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

    def add_report(self, url: str, row: ReportLink) -> bool:
        """Record a report found on a list; False when it already was."""
        if url in self.reports:
            return False
        self.reports[url] = row
        return True

    def note_trap_path(self, key: str) -> int:
        """One more query-string variant of this host+path brought nothing; returns how many have."""
        self.trap_paths[key] = self.trap_paths.get(key, 0) + 1
        return self.trap_paths[key]

    def note_path(self, url: str) -> bool:
        """Remember the host+path of a request; True when that path was requested before (with another query)."""
        key = _path_key(url)
        if key in self.paths:
            return True
        self.paths.add(key)
        return False

    def note_listing(self, listing: str, *, records: set[str], declared: int | None, reports: int,
                     column: bool) -> int:
        """What one page of a listing showed; returns how many of its records are new to the listing."""
        info = self.listings.setdefault(listing, {"declared": None, "reports": 0, "column": False})
        if declared and (info["declared"] is None or declared > info["declared"]):
            info["declared"] = declared
        info["reports"] += reports
        info["column"] = info["column"] or column
        have = self.listing_records.setdefault(listing, set())
        new = records - have
        have |= new
        return len(new)

    def listing_summary(self) -> list[dict]:
        """[{listing, declared, collected, reports, column}] for every listing seen."""
        return [{"listing": url, "declared": info["declared"], "collected": len(self.listing_records.get(url, ())),
                 "reports": info["reports"], "column": info["column"]} for url, info in self.listings.items()]


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
        self.histories: dict[str, dict] = {}  # adcode -> what the archive knows of its reports (revisit policy)

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
        self.max_attachments = settings.getint("NIANBAO_MAX_ATTACHMENTS_PER_REPORT", 30)
        self.max_platform_hosts = settings.getint("NIANBAO_MAX_PLATFORM_HOSTS", 3)
        self.allow_ip_hosts = settings.getbool("NIANBAO_ALLOW_LOOPBACK")
        self.policy = revisit.RevisitPolicy.from_settings(settings)

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
            gk_url = row.get("gk_url") or None  # the 政府信息公开 entry, when the registry knows it
            for u in (st.url, st.column_url, gk_url):
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
            if gk_url and not st.column_url:  # a shortcut, not a replacement: the homepage is still read
                req = self.request(st, Fetch(gk_url, "nav"), stage="nav", depth=1, entry=True)
                if req is not None:
                    out.append(req)
        return out

    def history(self, adcode: str) -> dict:
        """What the archive knows of this portal from earlier crawls (CrawlLog.revisit_history: its reports, its trap
        paths), read once per portal. A distributed worker has no archive at hand: nothing (every report is
        revisited)."""
        if adcode not in self.histories:
            self.histories[adcode] = {"reports": {}, "trap_paths": []}
            if not self.seeded_elsewhere and getattr(self, "crawler", None) is not None:
                try:
                    self.histories[adcode] = archive_for(self.crawler).crawl.revisit_history(adcode)
                except Exception as exc:  # no history means "revisit everything": the safe side
                    self.logger.warning("no revisit history for %s: %s", adcode, exc)
        return self.histories[adcode]

    # -- request bookkeeping ------------------------------------------------------------------------------------
    def request(self, st: PortalState, fetch: Fetch, *, stage: str, depth: int = 0, **meta) -> scrapy.Request | None:
        """A request for this portal, or None when it was seen, is out of scope, or the page cap is reached.
        Attachments count against the cap like every other fetch."""
        key = fetch.key
        if key in st.seen or len(fetch.url) > 2000:
            return None
        if stage != "search" and not st.in_scope(fetch.url, attachment=stage in ("attachment", "report")):
            return None
        if st.pages + st.pending >= self.max_pages:
            st.capped = True
            return None
        # Speculative: list pages (pagers, API pages, probes) and query-string variants of a path already asked
        # for (calendars, sort orders, unit selectors). They draw on the portal's trap budget (TrapBudgetMiddleware).
        variant = st.note_path(fetch.url) and bool(urlsplit(fetch.url).query)
        if variant and stage == "nav" and _path_key(fetch.url) in self.history(st.adcode)["trap_paths"]:
            st.incr("trap_skipped")  # the last crawl found this path's query variants to be a trap
            return None
        speculative = stage in ("list", "search") or (variant and stage in ("nav", "column"))
        # Interleave portals: a portal's n-th request waits behind every portal's (n-1)-th. Without this the queue
        # hands out one portal's requests together, they queue for that host's turn and hold the worker's
        # download slots while other hosts sit idle.
        priority = -(st.pages + st.pending)
        callback = {"nav": self.parse_nav, "column": self.parse_list, "list": self.parse_list,
                    "search": self.parse_list, "report": self.parse_report, "detail": self.parse_report,
                    "attachment": self.parse_attachment}[stage]
        fragment_url = fetch.url if "#" in fetch.url and fetch.method == "GET" else None
        request = scrapy.Request(
            discovery.strip_fragment(fetch.url) if fetch.method == "GET" else fetch.url,
            method=fetch.method, body=fetch.body, headers=fetch.headers or None, callback=callback,
            errback=self.failed, dont_filter=True, priority=priority,
            meta={"adcode": st.adcode, "stage": stage, "nav_depth": depth, "doc_key": key,
                  "fetch_data": fetch.data, "fragment_url": fragment_url, "speculative": speculative,
                  "variant": variant, **meta})
        return st.admit(key, request)  # None: another worker got there first (distributed crawl)

    def tracked(self, response_or_failure, handler, *args):
        """Run a handler, then settle the portal's outstanding-request count; yield its status when done."""
        meta = response_or_failure.meta if hasattr(response_or_failure, "meta") else \
            response_or_failure.request.meta
        st = self.states[meta["adcode"]]
        outcome = meta.setdefault("outcome", {"fruitful": False})
        try:
            for output in handler(st, response_or_failure, *args):
                yield from self.emit(output)
        except Exception as exc:  # one broken page never stops the portal, let alone the crawl
            self.logger.exception("error handling %s", meta.get("doc_key"))
            self.note(st.failures, f"{type(exc).__name__}: {exc}")
            yield from self.emit(CrawlError(st.adcode, meta.get("doc_key"), "crawl", type(exc).__name__,
                                            str(exc)[:500]))
        if meta.get("trap_reserved"):  # the trap budget: a speculative request that brought nothing costs
            meta["trap_reserved"] = False
            st.incr("trap_inflight", -1)
            if not outcome["fruitful"]:
                st.incr("trap_fruitless")
                if meta.get("variant"):
                    st.note_trap_path(_path_key(meta.get("doc_key") or ""))
            elif meta.get("variant"):  # eportal-style sites serve every page as ?pageId=…: not a trap
                st.useful_paths.add(_path_key(meta.get("doc_key") or ""))
        if st.settle(meta) <= 0 and not st.done:
            more = self.before_finish(st)
            for output in more or [self.finish(st)]:
                yield from self.emit(output)

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
        meta["list_base"] = response.meta.get("list_base")
        request = response.request
        meta["request"] = {"method": request.method, "body": request.body.decode("utf-8", "replace") or None,
                           "headers": {k.decode("latin-1"): v[0].decode("latin-1") for k, v in request.headers.items()
                                       if k.lower() == b"content-type"}}
        return Page(response.url, response.body, text, response.status, headers, meta)

    def document(self, st: PortalState, response, page: Page) -> Document:
        meta = response.meta
        return Document(st.adcode, meta["doc_key"], response.request.url, response.url, response.status,
                        page.headers, ROLE_BY_STAGE[meta["stage"]], self.now_iso(),
                        not_modified=bool(meta.get("not_modified")), parent_key=meta.get("parent_key"),
                        link_text=meta.get("link_text"), body=response.body)

    def now_iso(self) -> str:
        """The crawl's clock (NIANBAO_NOW when set, see crawler.revisit): documents' fetched_at is stamped with it,
        so the revisit policy of the next crawl reads the same clock."""
        return self.policy.now().astimezone(timezone.utc).replace(microsecond=0).isoformat()

    def fetch_error(self, st: PortalState, url: str, error: str, message: str) -> CrawlError:
        """Every fetch that failed is recorded (errors table, stage fetch), not only counted."""
        st.incr("failures_total")
        return CrawlError(st.adcode, url, "fetch", error, message[:500])

    def screen(self, st: PortalState, response, page: Page):
        """Common checks on every response. Returns (items, go_on): walls, HTTP errors and redirect stubs stop here."""
        meta = response.meta
        st.incr("pages")
        wall = walls.detect(response.status, response.body, page.headers)
        if wall:
            st.walls.append({**wall.evidence(), "url": response.url})
            return [], False
        if response.status >= 400:
            self.note(st.failures, f"HTTP {response.status} {response.url}")
            items = []
            if response.status == 403 and meta.get("entry") and meta.get("scheme_retry") is None and \
                    response.url.startswith("https://"):
                # some hosts answer 403 on https and work on http (spec-variants "Epoint"): try it once
                req = self.request(st, Fetch("http://" + response.url[8:], "nav"), stage="nav", entry=True,
                                   scheme_retry=True)
                items += [req] if req else []
            if not (meta["stage"] == "report" and response.status in (404, 410)):  # that one is `gone`
                items.append(self.fetch_error(st, meta["doc_key"], f"HTTP {response.status}",
                                              f"{meta['stage']} {response.url} answered {response.status}"))
            if meta.get("registered"):
                return items + self.column_gone(st, response.url, f"HTTP {response.status}"), False
            return items, False
        items = []
        if 200 <= response.status < 300 and response.body:
            items.append(self.document(st, response, page))
        if not page.text:
            return items, True
        if is_markup_reply(page):  # an API reply: no soft-404s or redirect stubs in JSON/XML
            st.incr("ok_pages")
            return items, True
        if discovery.is_soft_404(page.text, page.tree):
            self.note(st.failures, f"soft-404 {response.url}")
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
                               registered=meta.get("registered"), listing=meta.get("listing"))
            if req is None and not st.in_scope(target):
                st.moved = {"from": response.url, "to": target, "reason": "redirect stub to another site"}
            meta["outcome"]["fruitful"] = req is not None
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

    @staticmethod
    def note(evidence, entry) -> None:
        """Append to an evidence list, up to EVIDENCE_MAX entries (a hostile page must not grow it without end;
        failures are counted in failures_total and each is an errors row anyway)."""
        if len(evidence) < EVIDENCE_MAX:
            evidence.append(entry)

    # -- adapters, guarded ---------------------------------------------------------------------------------------------
    def adapter_for(self, st: PortalState, page: Page):
        errors: list = []
        adapter = choose(page, errors)
        for name, exc in errors:
            self.adapter_error(st, name, "claims", page.url, exc)
        return adapter

    def adapter_error(self, st: PortalState, adapter: str, call: str, url: str, exc: Exception) -> None:
        self.logger.warning("adapter %s.%s failed on %s: %s: %s", adapter, call, url, type(exc).__name__, exc)
        self.note(st.shortfalls, {"kind": "adapter_error", "adapter": adapter, "call": call, "url": url,
                                  "error": f"{type(exc).__name__}: {str(exc)[:300]}"})

    def call(self, st: PortalState, adapter, what: str, page: Page, default):
        """adapter.what(page); an exception is an adapter_error shortfall (with evidence) and yields `default`."""
        try:
            return getattr(adapter, what)(page)
        except Exception as exc:
            self.adapter_error(st, adapter.name, what, page.url, exc)
            return default

    def read_items(self, st: PortalState, page: Page, adapter) -> list:
        """The chosen adapter's list entries, then the generic reader's (dedup by URL; a link is a record if
        either reader says so)."""
        items: dict[str, object] = {}
        for reader in (adapter, GENERIC) if adapter is not GENERIC else (GENERIC,):
            for item in self.call(st, reader, "list_items", page, []):
                have = items.get(item.url)
                if have is None:
                    items[item.url] = item
                elif item.record and not have.record:
                    have.record = True
        return list(items.values())

    def read_requests(self, st: PortalState, page: Page, adapter) -> list[Fetch]:
        """The chosen adapter's further list requests. (Generic pagination is the generic reader's answer, and
        every adapter inherits the generic pager reading: an adapter that knows its API is not second-guessed.)"""
        return self.call(st, adapter, "list_requests", page, [])

    def declared(self, st: PortalState, page: Page, adapter) -> int | None:
        n = self.call(st, adapter, "declared_total", page, None)
        if n is None and adapter is not GENERIC:
            n = self.call(st, GENERIC, "declared_total", page, None)
        return n

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
            if not st.search_forms:  # the site's own search, for when no menu leads to the column
                for form in discovery.search_forms(page.tree, response.url)[:2]:
                    st.search_forms.append({"url": form.url, "field": form.field, "params": form.params})
        adapter = self.adapter_for(st, page)
        if st.platform is None or st.platform == "generic":
            st.platform = adapter.name
        depth = response.meta.get("nav_depth", 0)
        outcome = response.meta["outcome"]
        # Reports may be linked right here (a homepage block, a 信息公开 page listing the column's items).
        found = yield from self.take_items(st, page, self.read_items(st, page, adapter), adapter, response.url)
        outcome["fruitful"] = found > 0
        # A list shell reached as a nav page (gkmlpt index, jpaas/Fujian/UCAP/Epoint shells): its own list API.
        for fetch in self.call(st, adapter, "list_requests", page, []) if adapter is not GENERIC else []:
            if fetch.kind == "list":
                req = self.request(st, fetch, stage="list", listing=response.url, list_base=response.url)
                if req:
                    outcome["fruitful"] = True
                    yield req
        links = self.call(st, adapter, "links", page, [])
        self.follow_platform_hosts(st, links)
        for link in sorted(links, key=discovery.column_link_score, reverse=True):
            score = discovery.column_link_score(link)
            if score >= 80:
                req = self.request(st, Fetch(link.url, "column"), stage="column")
                if req:
                    outcome["fruitful"] = True
                    yield req
            elif score > 0 and depth < self.max_nav_depth:
                req = self.request(st, Fetch(link.url, "nav"), stage="nav", depth=depth + 1)
                if req:
                    yield req
        if depth < self.max_nav_depth:  # per-unit 信息公开 pages (each with its own 年报 entry)
            for link in discovery.unit_links(links):
                req = self.request(st, Fetch(link.url, "nav"), stage="nav", depth=depth + 1)
                if req:
                    yield req

    def follow_platform_hosts(self, st: PortalState, links) -> None:
        """A 政府信息公开 / 年报 entry pointing at another host (a 信息公开目录 platform run elsewhere): that host joins
        the portal's scope. Only gov.cn hosts (IP hosts when the portal itself is an IP host: tests), at most
        NIANBAO_MAX_PLATFORM_HOSTS."""
        here_ip = any(":" in s or is_ip(s) for s in st.scope)
        for link in links:
            if len(st.platform_hosts) >= self.max_platform_hosts:
                return
            if st.in_scope(link.url) or not discovery.is_platform_entry(link):
                continue
            host = (urlsplit(link.url).hostname or "").lower()
            if host.endswith(".gov.cn") or (is_ip(host) and here_ip and self.allow_ip_hosts):
                st.add_scope(link.url)
                st.platform_hosts.append(urlsplit(link.url).netloc)

    def _list(self, st: PortalState, response):
        page = self.page(response)
        items, go_on = self.screen(st, response, page)
        yield from items
        if not go_on or not page.body:
            return
        meta = response.meta
        stage = meta["stage"]
        if stage == "column" or meta.get("registered"):
            st.columns.append(response.url)
        listing = meta.get("listing") or response.url
        markup = is_markup_reply(page)
        list_base = meta.get("list_base") if markup else response.url
        page.meta["list_base"] = list_base or response.url
        adapter = self.adapter_for(st, page)
        if stage == "column" and adapter is not GENERIC:
            st.platform = adapter.name  # the column's platform is what the portal is recorded as
        entries = self.read_items(st, page, adapter)
        if markup:
            self.check_read(st, page, adapter, entries, meta["doc_key"])
        found = yield from self.take_items(st, page, entries, adapter, response.url)
        records = {i.url for i in entries if i.record}
        new_records = st.note_listing(listing, records=records, declared=self.declared(st, page, adapter),
                                      reports=found, column=stage == "column" or bool(meta.get("registered")))
        fruitful = found > 0 or new_records > 0
        meta["outcome"]["fruitful"] = fruitful
        if stage in ("list", "search") and not fruitful and not (meta.get("fetch_data") or {}).get("first_page"):
            # a list page that brought nothing new: its pagination ends here (endless pagers, repeats). The first
            # reply of a list API is exempt: it may repeat what the column page already showed statically.
            return
        for fetch in self.read_requests(st, page, adapter):
            # issued by a page that brought something: the listing goes on (see TrapBudgetMiddleware)
            req = self.request(st, fetch, stage="list", listing=listing, list_base=list_base or response.url,
                               continuation=fruitful)
            if req:
                yield req
        if markup:
            return
        this_list = {_path_key(response.url), _path_key(listing)}
        for link in self.call(st, adapter, "links", page, []):
            if link.source == "iframe":  # a column whose list lives in a same-site iframe (spec §3 row 10)
                req = self.request(st, Fetch(link.url, "list"), stage="list")
                if req:
                    yield req
            elif _path_key(link.url) in this_list and urlsplit(link.url).query and \
                    not discovery.subcolumn_link(link, response.url):
                continue  # this list again with another query (sort orders, calendars): not another column
            elif discovery.column_link_score(link) >= 80 or discovery.subcolumn_link(link, response.url):
                req = self.request(st, Fetch(link.url, "column"), stage="column")
                if req:
                    yield req

    def check_read(self, st: PortalState, page: Page, adapter, entries, key: str) -> None:
        """A JSON/XML list reply holding report titles that no reader paired with a URL — or a list of records
        nobody could read at all — is an `unparsed_list`, with evidence."""
        try:
            titles = report_titles(page)
        except Exception as exc:
            self.adapter_error(st, GENERIC.name, "report_titles", page.url, exc)
            titles = set()
        read = {title_key(i.title) for i in entries} | {title_key(a.text) for i in entries for a in i.attachments}
        missing = sorted(t for t in titles if t not in read)
        data = json_reply(page)
        unread_records = adapter is GENERIC and not entries and records_in(data) >= 2
        if missing or unread_records:
            self.note(st.shortfalls, {
                "kind": "unparsed_list", "url": key, "adapter": adapter.name, "report_titles": len(titles),
                "read": len(entries), "missing": missing[:5], "keys": sorted(data)[:20] if isinstance(data, dict) else None,
                "bytes": len(page.body)})

    def take_items(self, st: PortalState, page: Page, entries, adapter, list_url: str):
        """Classify list entries; yield report items and report requests (those the revisit policy says are due).
        Returns the number of new reports."""
        new = 0
        history = self.history(st.adcode)["reports"]
        for item in entries:
            c = classify.classify(item.title, item.date, st.region_names)
            if not c.is_report or item.url in st.reports:
                continue
            if not st.in_scope(item.url, attachment=True):
                continue
            if discovery.column_link_score(discovery.Link(item.url, item.title)) >= 80 and c.year is None:
                continue  # a menu entry named like a report: it is the column, not a report
            row = ReportLink(st.adcode, item.url, item.title, c.year, c.unit_kind, c.unit_name, list_url,
                             item.date, adapter.name)
            if not st.add_report(item.url, row):
                continue
            new += 1
            yield row
            due, reason = self.policy.due(history.get(item.url), listed_title=item.title, listed_date=item.date)
            if getattr(self, "crawler", None) is not None:
                self.crawler.stats.inc_value(f"nianbao/revisit/{reason}")
            if not due:
                continue  # known and stable: not revalidated this run (crawler.revisit)
            req = self.request(st, adapter.report_fetch(item), stage="report", item=row,
                               list_attachments=[(a.url, a.text) for a in item.attachments],
                               revisit=reason)
            if req:
                yield req
        return new

    def _report(self, st: PortalState, response):
        page = self.page(response)
        row = response.meta["item"]
        if response.status in (404, 410):  # withdrawn: the archive marks the report gone, never deletes it
            # the archive's own time (report_versions are stamped by the store with it), not the crawl clock
            yield Gone(st.adcode, row.url, response.status,
                       datetime.now(timezone.utc).replace(microsecond=0).isoformat())
        items, go_on = self.screen(st, response, page)
        yield from items
        if not go_on or not page.body:
            return
        adapter = self.adapter_for(st, page) if page.text else GENERIC
        followups = self.call(st, adapter, "report_followups", page, []) if page.text else []
        for fetch in followups:  # a shell: the content comes from a detail request
            req = self.request(st, fetch, stage="detail", item=row, parent_key=response.meta["doc_key"],
                               revisit=response.meta.get("revisit"))
            if req:
                yield req
        if followups:
            return
        attachments = list(response.meta.get("list_attachments") or [])
        if page.text and not page.text.lstrip().startswith("%PDF"):
            found = self.call(st, adapter, "report_attachments", page, None)
            if found is None:  # the adapter failed (recorded): the generic reading of the page
                found = self.call(st, GENERIC, "report_attachments", page, [])
            attachments += [(a.url, a.text) for a in found]
        attachments = [(u, t) for u, t in dict.fromkeys(attachments) if u != response.url]
        if len(attachments) > self.max_attachments:
            self.note(st.shortfalls, {"kind": "attachments_capped", "url": response.url, "linked": len(attachments),
                                  "fetched": self.max_attachments})
            attachments = attachments[: self.max_attachments]
        unchanged = bool(response.meta.get("not_modified"))
        history = self.history(st.adcode)["reports"].get(row.url) or {}
        urls = []
        for url, text in attachments:
            if url in urls:
                continue
            if unchanged and not self.policy.attachment_due(history, url):
                urls.append(url)  # the page is unchanged and this file is stable: not revalidated this run
                continue
            req = self.request(st, Fetch(url, "attachment"), stage="attachment",
                               parent_key=response.meta["doc_key"], link_text=text)
            if req:
                urls.append(url)
                yield req
            elif discovery.strip_fragment(url) in st.seen or url in st.seen:
                urls.append(url)
        yield row.with_page(response.meta["doc_key"], urls)

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
        if failure.check(IgnoreRequest) and TRAP_REFUSED in message:
            st.incr("trap_refused")
            if len(st.trap_examples) < 10:
                st.trap_examples.append(request.url)
        elif failure.check(IgnoreRequest) and "robots.txt" in message:
            st.robots = request.url
        elif failure.check(IgnoreRequest) and "offsite" in message.lower():
            st.moved = {"from": request.meta.get("redirect_urls", [request.url])[0], "to": request.url,
                        "reason": "redirect to another site"}
        elif request.meta.get("entry") and request.meta.get("scheme_retry") is None and \
                request.url.startswith(("https://", "http://")):
            # Half of county portals are http-only, some https-only: try the other scheme once (spec §3 row 4).
            other = ("http://" + request.url[8:]) if request.url.startswith("https://") else \
                ("https://" + request.url[7:])
            self.note(st.failures, f"{type(failure.value).__name__}: {message[:200]} ({request.url})")
            yield self.fetch_error(st, request.meta.get("doc_key") or request.url, type(failure.value).__name__,
                                   f"{message[:300]} ({request.url})")
            req = self.request(st, Fetch(other, "nav"), stage="nav", entry=True, scheme_retry=True)
            if req:
                yield req
        else:
            self.note(st.failures, f"{type(failure.value).__name__}: {message[:200]} ({request.url})")
            yield self.fetch_error(st, request.meta.get("doc_key") or request.url, type(failure.value).__name__,
                                   f"{message[:300]} ({request.url})")
            if request.meta.get("registered"):
                yield from self.column_gone(st, request.url, type(failure.value).__name__)

    # -- end of a portal -----------------------------------------------------------------------------------------------
    def before_finish(self, st: PortalState) -> list:
        """Last chances before a portal is settled: its site search when no menu led to the 年报 column; the pages
        of reports known from earlier crawls that no list showed this time (withdrawn? — a 404 marks them gone)."""
        if not st.reports and not st.columns and st.search_forms and not st.searched and not st.walls:
            st.searched = True
            out = []
            for form in list(st.search_forms)[:2]:
                sf = discovery.SearchForm(form["url"], form["field"], form["params"])
                for words in SEARCH_WORDS:
                    req = self.request(st, Fetch(discovery.search_url(sf, words), "search"), stage="search")
                    if req:
                        out.append(req)
            if out:
                return out
        return self.unlisted_reports(st)

    def unlisted_reports(self, st: PortalState) -> list:
        history = self.history(st.adcode)["reports"]
        if not history or st.walls or st.capped or st.trap_refused or not st.reports or \
                any(s.get("kind") in SHORTFALL_STATUS for s in st.shortfalls):
            return []  # only a complete reading of the lists says a report is no longer listed
        out = []
        for url, known in history.items():
            if url in st.reports or not known.get("row"):
                continue
            row = ReportLink.from_row(st.adcode, known["row"])
            if not st.add_report(url, row):
                continue
            req = self.request(st, Fetch(url, "report"), stage="report", item=row, revisit="unlisted")
            if req:
                out.append(req)
            if len(out) >= 50:
                break
        return out

    def finish(self, st: PortalState) -> PortalOutcome:
        st.done = True
        return self.status_item(st)

    @classmethod
    def status_item(cls, st: PortalState) -> PortalOutcome:
        status, detail = cls.status_of(st)
        return PortalOutcome(st.adcode, status, detail, len(st.reports), st.pages)

    @staticmethod
    def shortfalls_of(st: PortalState) -> list[dict]:
        out = list(st.shortfalls)
        for info in st.listing_summary():
            if info["declared"] and info["collected"] < info["declared"] and (info["reports"] or info["column"]):
                out.append({"kind": "declared_more", "url": info["listing"], "declared": info["declared"],
                            "collected": info["collected"]})
        if st.capped:
            out.append({"kind": "page_cap", "pages": st.pages})
        return out

    @classmethod
    def status_of(cls, st: PortalState) -> tuple[str, dict]:
        detail: dict = {"platform": st.platform, "columns": sorted(set(st.columns))[:20]}
        if st.capped:
            detail["capped_at_pages"] = st.pages
        if st.failures:
            detail["failures"] = st.failures[:10]
            detail["failures_total"] = max(st.failures_total, len(st.failures))
        if st.walls:
            detail["walls"] = st.walls[:5]
        if st.platform_hosts:
            detail["platform_hosts"] = list(st.platform_hosts)
        if st.searched:
            detail["searched"] = [f["url"] for f in st.search_forms]
        if st.trap_refused:
            detail["trap_budget_exhausted"] = {"fruitless": st.trap_fruitless, "refused": st.trap_refused,
                                               "examples": list(st.trap_examples)[:10]}
        useful = set(st.useful_paths)
        traps = {k: n for k, n in dict(st.trap_paths).items() if n >= TRAP_PATH_MIN and k not in useful}
        if traps:  # remembered: the next crawl does not ask for these paths' query variants again
            detail["trap_paths"] = dict(sorted(traps.items(), key=lambda kv: -kv[1])[:10])
        if st.trap_skipped:
            detail["trap_paths_skipped"] = st.trap_skipped
        shortfalls = cls.shortfalls_of(st)
        if shortfalls:
            detail["shortfalls"] = shortfalls[:20]
        if st.robots and not st.reports and st.ok_pages == 0:
            detail["robots_disallowed"] = st.robots
            return "robots", detail
        if st.walls and not st.reports:
            return "blocked", detail
        kinds = {s["kind"] for s in shortfalls}
        for kind in ("adapter_error", "unparsed_list"):
            if kind in kinds:
                return kind, detail
        if kinds:
            return "partial", detail
        if st.moved:
            detail["moved"] = st.moved
            return "moved", detail
        if st.reports or st.columns:
            return "ok", detail
        if st.ok_pages == 0:
            return "unreachable", detail
        return "no_column", detail


__all__ = ["PortalState", "PortalsSpider", "for_platform", "site_key", "is_ip"]
