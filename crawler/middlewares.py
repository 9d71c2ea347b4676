"""Downloader middlewares: where politeness, scope and incrementality are enforced for every request.

- AddressGuardMiddleware   refuse what crawler.addresses refuses (loopback, private, CGNAT, link-local, …, in every
                           spelling, and names resolving to them) unless NIANBAO_ALLOW_LOOPBACK (tests, sample
                           portals), and requests (incl. redirects) leaving the portal's own sites.
- HostSlotMiddleware       politeness slot = host (plus port when not the default), so several counties hosted on
                           one platform host share one slot and CONCURRENT_REQUESTS_PER_DOMAIN. Set on every pass,
                           so a redirect or retry to another host counts against that host, not the first one.
- HostLimitMiddleware      ≤ CONCURRENT_REQUESTS_PER_DOMAIN requests in flight per host, whatever the path: a request
                           waits for a free turn right before it leaves (after robots.txt, redirects and retries
                           were decided), so robots.txt fetches, redirected and retried requests and files all
                           count. Scrapy's own slot accounting is not enough: with no download delay its slot
                           loop starts every queued request at once (the transfer is counted only when the task
                           runs), which put 3–5 requests in flight on one host.
- HostBackoffMiddleware    429 and 503 slow the host down: its slot's delay becomes Retry-After (seconds or an HTTP
                           date; else twice the delay, at least NIANBAO_BACKOFF_MIN), measured from the answer; it
                           halves back after each success. The retry itself waits in that slot.
- TrapBudgetMiddleware     speculative requests (list pages, pagers, API pages, query-string variants) that brought
                           nothing new are counted per portal; once NIANBAO_TRAP_BUDGET of them (fruitless plus in
                           flight) is reached, further speculative requests are refused and recorded. A listing's
                           next pages, asked by a page that brought new records, go on until twice the budget:
                           junk elsewhere on the portal must not starve a list that is being read.
- ConditionalGetMiddleware every GET is revalidated with If-None-Match / If-Modified-Since from the newest
                           `documents` row for that URL; a 304 is answered with the archived bytes (flagged
                           not_modified) so parsing goes on without a download. Nothing is served without asking.
"""
from __future__ import annotations

import json
import time
from collections import deque
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

from crawler.addresses import check_url
from scrapy.http import Headers, HtmlResponse, Response
from scrapy.responsetypes import responsetypes

from storage import Archive


# The reason a speculative request is refused once a portal's trap budget is spent; the spider's errback
# recognises it (and does not count the refusal as a failure).
TRAP_REFUSED = "trap budget exhausted"


def archive_for(crawler) -> Archive:
    """One Archive per crawler process, shared by middlewares (reads) and the item pipeline (the writer)."""
    archive = getattr(crawler, "nianbao_archive", None)
    if archive is None:
        spider = getattr(crawler, "spider", None)
        path = getattr(spider, "db_path", None) or crawler.settings.get("NIANBAO_DB", "archive.db")
        archive = crawler.nianbao_archive = Archive(path)
    return archive


class AddressGuardMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.allow_loopback = crawler.settings.getbool("NIANBAO_ALLOW_LOOPBACK")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        # Every request, robots.txt and each redirect hop included (a redirect is a new request through here).
        reason = check_url(request.url, allow_private=self.allow_loopback)
        if reason:
            raise IgnoreRequest(reason + ("" if self.allow_loopback else " (use --allow-loopback for test servers)"))
        parts = urlsplit(request.url)
        if parts.path == "/robots.txt" and request.meta.get("dont_obey_robotstxt"):
            return None
        spider = self.crawler.spider
        states = getattr(spider, "states", {})
        st = states.get(request.meta.get("adcode"))
        if st is not None and request.meta.get("redirect_urls"):
            attachment = request.meta.get("stage") in ("attachment", "report")
            if not st.in_scope(request.url, attachment=attachment):
                raise IgnoreRequest(f"offsite redirect to {request.url}")
        return None


def host_slot(url: str) -> str:
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    slot = (parts.hostname or "").lower()
    if parts.port and parts.port != default_port:
        slot = f"{slot}:{parts.port}"
    return slot


class HostSlotMiddleware:
    def process_request(self, request):
        # Always from the URL: Scrapy copies meta (download_slot included) into redirected and retried requests,
        # so a redirect to host B would otherwise be counted in host A's slot and B could see 4 in flight.
        request.meta["download_slot"] = host_slot(request.url)
        return None


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class HostLimitMiddleware:
    """A per-host semaphore at the last step before the download (see the module doc)."""

    def __init__(self, crawler):
        self.limit = max(1, crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2))
        self.active: dict[str, int] = {}
        self.waiting: dict[str, deque] = {}
        self.holding: dict[int, str] = {}  # id(request) -> host: who holds a turn (copies of a request do not)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request, spider=None):
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet.defer import Deferred

        host = host_slot(request.url)
        waited = False
        while self.active.get(host, 0) >= self.limit:
            turn: Deferred = Deferred()
            self.waiting.setdefault(host, deque()).append(turn)
            waited = True
            await maybe_deferred_to_future(turn)
        if waited:
            self.stats.inc_value("nianbao/host_limit_waits")
        self.active[host] = self.active.get(host, 0) + 1
        self.holding[id(request)] = host
        return None

    def _release(self, request) -> None:
        host = self.holding.pop(id(request), None)
        if host is None:
            return  # never took a turn (answered before reaching here, or a copy of one that did)
        self.active[host] -= 1
        queue = self.waiting.get(host)
        if queue:
            queue.popleft().callback(None)
        elif not self.active[host]:
            self.active.pop(host, None)
            self.waiting.pop(host, None)

    def process_response(self, request, response, spider=None):
        self._release(request)
        return response

    def process_exception(self, request, exception, spider=None):
        self._release(request)
        return None


class HostBackoffMiddleware:
    """429/503: the host asked us to slow down. Its slot's delay is raised (Retry-After honoured) and the delay is
    counted from the answer; each later success halves the extra delay back towards the configured one."""

    def __init__(self, crawler):
        self.crawler = crawler
        s = crawler.settings
        self.base_delay = s.getfloat("DOWNLOAD_DELAY", 0)
        self.min_backoff = s.getfloat("NIANBAO_BACKOFF_MIN", 2.0)
        self.max_backoff = s.getfloat("NIANBAO_BACKOFF_MAX", 300.0)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _slot(self, request):
        downloader = getattr(getattr(self.crawler, "engine", None), "downloader", None)
        return downloader.slots.get(request.meta.get("download_slot")) if downloader else None

    def process_response(self, request, response):
        slot = self._slot(request)
        if slot is None:
            return response
        if response.status in (429, 503):
            wait = retry_after_seconds(response.headers.get(b"Retry-After"))
            delay = min(self.max_backoff, wait if wait is not None else max(self.min_backoff, 2 * slot.delay))
            # jitter may shorten a delay by up to its fraction: ask for enough that the shortest wait still
            # honours Retry-After
            slot.delay = max(slot.delay, delay / max(1e-6, 1 - min(getattr(slot, "jitter", 0.5), 0.9)))
            slot.lastseen = time.monotonic()  # the wait runs from this answer, not from when the request left
            self.stats.inc_value("nianbao/backoff")
            self.stats.max_value("nianbao/backoff_max_delay", round(slot.delay, 3))
        elif response.status < 400 and slot.delay > self.base_delay:
            slot.delay = max(self.base_delay, slot.delay / 2)
        return response


class TrapBudgetMiddleware:
    """The per-portal trap budget, checked when a speculative request is about to leave (not when it is queued:
    a page may queue many at once). The spider settles the budget when the answer is handled (tracked())."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.budget = crawler.settings.getint("NIANBAO_TRAP_BUDGET", 50)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        if not request.meta.get("speculative") or request.meta.get("trap_reserved"):
            return None
        states = getattr(self.crawler.spider, "states", {})
        st = states.get(request.meta.get("adcode")) if states is not None else None
        if st is None:
            return None
        limit = self.budget * (2 if request.meta.get("continuation") else 1)
        if st.trap_fruitless + st.trap_inflight >= limit:
            raise IgnoreRequest(f"{TRAP_REFUSED} ({self.budget} fruitless requests): {request.url}")
        st.incr("trap_inflight")
        request.meta["trap_reserved"] = True
        return None


_DROP_ON_REPLAY = (b"Content-Encoding", b"Transfer-Encoding", b"Content-Length")


class ConditionalGetMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    # Where validators and archived bytes come from: the local archive here; Redis and maybe nothing for a
    # distributed worker (crawler.distributed.middlewares.SharedConditionalGetMiddleware).
    def previous_for(self, request) -> dict | None:
        return archive_for(self.crawler).last_document(request.meta["doc_key"])

    def archived_body(self, previous: dict, request) -> bytes:
        return archive_for(self.crawler).blobs.get(previous["sha256"])

    def process_request(self, request):
        if request.method != "GET" or request.meta.get("dont_revalidate") or "doc_key" not in request.meta:
            return None
        previous = self.previous_for(request)
        if previous is None:
            return None
        request.meta["previous_document"] = previous
        if previous.get("etag"):
            request.headers[b"If-None-Match"] = previous["etag"].encode("latin-1", "replace")
        if previous.get("last_modified"):
            request.headers[b"If-Modified-Since"] = previous["last_modified"].encode("latin-1", "replace")
        return None

    def process_response(self, request, response):
        previous = request.meta.get("previous_document")
        if response.status != 304 or previous is None:
            return response
        self.stats.inc_value("nianbao/not_modified")
        body = self.archived_body(previous, request)
        try:
            stored = json.loads(previous.get("headers") or "{}")
        except ValueError:
            stored = {}
        headers = Headers({k: v for k, v in stored.items() if k.encode() not in _DROP_ON_REPLAY})
        for name, value in response.headers.items():  # fresh validators from the 304
            if name not in _DROP_ON_REPLAY:
                headers[name] = value
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        if cls is Response and body[:1] == b"<":
            cls = HtmlResponse
        request.meta["not_modified"] = previous["id"]
        # request.url, not the stored final_url: after a redirect this request already is the final one.
        return cls(url=request.url, status=200, headers=headers, body=body, request=request, flags=["not_modified"])
