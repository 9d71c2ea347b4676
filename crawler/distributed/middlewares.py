"""The worker's downloader middlewares: what a one-process crawl reads from SQLite or keeps in memory, shared through
Redis instead.

    SharedConditionalGetMiddleware   validators from Redis (published by the ingester)
    SharedRobotsTxtMiddleware        robots.txt fetched once per host for all workers
    SharedHostDelayMiddleware        DOWNLOAD_DELAY per host for the whole crawl, not per worker
"""
from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

from crawler.distributed.keys import DEFAULT_PREFIX, Keys, connect
from crawler.distributed.queue import worker_name
from crawler.middlewares import ConditionalGetMiddleware, host_slot
from storage.blobs import BlobStore

NONE_MARK = b"\x00none"  # robots.txt could not be fetched: no rules (as in one process)


def _json(raw):
    return json.loads(raw) if raw is not None else None


class SharedConditionalGetMiddleware(ConditionalGetMiddleware):
    """Validators come from Redis (published by the ingester). A 304 must be answered with the archived bytes so
    the page can be parsed: a worker that can read the archive's blob store (same machine or shared disk,
    NIANBAO_BLOBS) revalidates everything; elsewhere only attachments are revalidated (nothing is parsed from
    them: a 304 just records "unchanged"), pages and lists are fetched in full."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.server = connect(crawler.settings["NIANBAO_REDIS_URL"])
        self.keys = Keys(crawler.settings.get("NIANBAO_REDIS_PREFIX", DEFAULT_PREFIX))
        root = crawler.settings.get("NIANBAO_BLOBS")
        self.blobs = BlobStore(Path(root)) if root and Path(root).is_dir() else None

    def previous_for(self, request) -> dict | None:
        previous = _json(self.server.hget(self.keys.validators, request.meta["doc_key"]))
        if previous is None:
            return None
        if request.meta.get("stage") == "attachment" or (self.blobs and self.blobs.has(previous["sha256"])):
            return previous
        return None

    def archived_body(self, previous: dict, request) -> bytes:
        if self.blobs and self.blobs.has(previous["sha256"]):
            return self.blobs.get(previous["sha256"])
        return b""  # an attachment: the ingester only records that it is unchanged


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """robots.txt is fetched once per host for all workers: the first worker takes a lock and publishes the body,
    the others wait for it and parse the same bytes."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.server = connect(crawler.settings["NIANBAO_REDIS_URL"])
        self.keys = Keys(crawler.settings.get("NIANBAO_REDIS_PREFIX", DEFAULT_PREFIX))
        self.wait_limit = crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 45) * 4

    async def robot_parser(self, request):
        from scrapy.utils.httpobj import urlparse_cached
        from scrapy.utils.misc import build_from_crawler

        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:
            body = await self._shared_body(netloc)
            if body is not None and netloc not in self._parsers:
                self._parsers[netloc] = None if body == NONE_MARK else \
                    build_from_crawler(self._parserimpl, self.crawler, body)
        return await super().robot_parser(request)

    async def _shared_body(self, netloc: str) -> bytes | None:
        """The published robots.txt body; None when this worker is to fetch it."""
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        deadline = time.monotonic() + self.wait_limit
        while True:
            body = self.server.hget(self.keys.robots, netloc)
            if body is not None:
                return body
            if self.server.set(f"{self.keys.robots}:lock:{netloc}", 1, nx=True, ex=int(self.wait_limit)):
                return None
            if time.monotonic() > deadline:  # the fetching worker died: fetch it ourselves
                return None
            await maybe_deferred_to_future(deferLater(reactor, 0.1, lambda: None))

    async def _parse_robots(self, response, netloc, request):
        self.server.hset(self.keys.robots, netloc, response.body)
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc, netloc):
        self.server.hset(self.keys.robots, netloc, NONE_MARK)
        super()._robots_error(exc, netloc)


class SharedHostDelayMiddleware:
    """DOWNLOAD_DELAY per host for the whole crawl, not per worker: before a request leaves, the worker takes the
    host's turn in Redis (SET NX PX delay); while another worker holds it, it waits. Without this, N workers would
    hit one county server N times as often. (Requests in flight per host: SharedHostLimitMiddleware.)"""

    def __init__(self, crawler):
        self.server = connect(crawler.settings["NIANBAO_REDIS_URL"])
        self.keys = Keys(crawler.settings.get("NIANBAO_REDIS_PREFIX", DEFAULT_PREFIX))
        self.delay_ms = int(crawler.settings.getfloat("DOWNLOAD_DELAY", 0) * 1000)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request, spider=None):
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        if self.delay_ms <= 0:
            return None
        key = self.keys.host_turn(request.meta.get("download_slot") or "")
        while not self.server.set(key, 1, nx=True, px=self.delay_ms):
            wait = max(self.server.pttl(key), 10) / 1000
            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        return None


# KEYS: the host's turns (ZSET token -> expiry, ms of Redis' clock). ARGV: limit, token, ttl ms, alive-key prefix.
# Tokens are "<worker>|<id>": a turn whose worker's heartbeat lapsed (killed mid-download) is taken back at once;
# one whose download outlived DOWNLOAD_TIMEOUT + a margin expires (it cannot still be open).
_TAKE_TURN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local worker = string.match(member, '^(.*)|[^|]*$')
  if worker and redis.call('EXISTS', ARGV[4] .. worker) == 0 then redis.call('ZREM', KEYS[1], member) end
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""


class SharedHostLimitMiddleware:
    """CONCURRENT_REQUESTS_PER_DOMAIN (2) for the whole crawl, not per worker: the one-process HostLimitMiddleware's
    semaphore, held in Redis. A request takes one of the host's turns right before its download and gives it back
    with the answer (or the failure); while all turns are taken, the worker waits and asks again."""

    POLL_S = (0.02, 0.5)  # first and longest wait between two asks

    def __init__(self, crawler):
        self.server = connect(crawler.settings["NIANBAO_REDIS_URL"])
        self.keys = Keys(crawler.settings.get("NIANBAO_REDIS_PREFIX", DEFAULT_PREFIX))
        self.limit = max(1, crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2))
        self.ttl_ms = int((crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 180) + 60) * 1000)
        self.worker = worker_name()
        self.holding: dict[int, tuple[str, str]] = {}  # id(request) -> (key, token)
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _take(self, key: str, token: str) -> bool:
        return bool(self.server.eval(_TAKE_TURN, 1, key, self.limit, token, self.ttl_ms, self.keys.alive("")))

    async def process_request(self, request, spider=None):
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        key = self.keys.host_turns(host_slot(request.url))
        token = f"{self.worker}|{uuid.uuid4().hex}"
        wait = self.POLL_S[0]
        if not self._take(key, token):
            self.stats.inc_value("nianbao/host_limit_waits")
            while not self._take(key, token):
                await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
                wait = min(wait * 2, self.POLL_S[1])
        self.holding[id(request)] = (key, token)
        return None

    def _release(self, request) -> None:
        held = self.holding.pop(id(request), None)
        if held is not None:
            self.server.zrem(*held)

    def process_response(self, request, response, spider=None):
        self._release(request)
        return response

    def process_exception(self, request, exception, spider=None):
        self._release(request)
        return None
