"""Downloader middlewares: where politeness, scope and incrementality are enforced for every request.

- AddressGuardMiddleware   refuse what crawler.addresses refuses (loopback, private, CGNAT, link-local, …, in every
                           spelling, and names resolving to them) unless NIANBAO_ALLOW_LOOPBACK (tests, sample
                           portals), and requests (incl. redirects) leaving the portal's own sites.
- HostSlotMiddleware       politeness slot = host (plus port when not the default), so several counties hosted on
                           one platform host share one slot and CONCURRENT_REQUESTS_PER_DOMAIN.
- ConditionalGetMiddleware every GET is revalidated with If-None-Match / If-Modified-Since from the newest
                           `documents` row for that URL; a 304 is answered with the archived bytes (flagged
                           not_modified) so parsing goes on without a download. Nothing is served without asking.
"""
from __future__ import annotations

import json
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

from crawler.addresses import check_url
from scrapy.http import Headers, HtmlResponse, Response
from scrapy.responsetypes import responsetypes

from storage import Archive


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


class HostSlotMiddleware:
    def process_request(self, request):
        parts = urlsplit(request.url)
        default_port = {"http": 80, "https": 443}.get(parts.scheme)
        slot = parts.hostname or ""
        if parts.port and parts.port != default_port:
            slot = f"{slot}:{parts.port}"
        request.meta.setdefault("download_slot", slot)
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
