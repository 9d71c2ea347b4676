"""The distributed crawl: N worker processes on M machines share one crawl through Redis; one ingester writes SQLite.

    nianbao crawl --redis URL --seed (--portals FILE.csv | --adcode CODE …)   seed the crawl once, then work
    nianbao crawl --redis URL [-s …]                                          one more worker (any machine)
    nianbao ingest --redis URL [--db archive.db] [--until-idle]               the single writer (the db's machine)

What lives in Redis (every key starts with the prefix, default `nianbao`):

    <p>:requests            scrapy-redis priority queue: the shared request queue (the scheduler)
    <p>:dupefilter          scrapy-redis fingerprint set (the spider dedups by document key, see `seen` below)
    <p>:run                 hash: the seeded crawl (crawl_id, args, portals, run_id once the ingester made its row)
    <p>:portals             hash adcode -> registry row (JSON), for the ingester's `portals` table
    <p>:open                set of adcodes whose crawl is not finished; empty = the crawl is done
    <p>:portal:<adcode>     hash: identity, pending, pages, ok_pages, platform, robots, moved, capped, done,
                            searched, trap_fruitless, trap_inflight, trap_refused, trap_skipped, failures_total
    <p>:portal:<adcode>:{seen,scope,paths,useful_paths}  sets; :reports hash url -> row; :{columns,walls,failures,shortfalls,
                            platform_hosts,search_forms,trap_examples} lists; :trap_paths hash; :listings hash
                            listing -> {declared, reports, column}; :listing:<sha1> set of its record URLs
    <p>:items               list of items (JSON) for the ingester; <p>:body:<uuid> their bytes (raw strings)
    <p>:items:processing    items popped but not yet written (put back when an ingester restarts)
    <p>:validators          hash document key -> {sha256, etag, last_modified, headers, …} (written by the ingester)
    <p>:robots              hash netloc -> robots.txt body (fetched once for all workers)
    <p>:activity            counter, +1 per handled response (lets idle workers tell "slow" from "stuck")
    <p>:workers             hash worker (host:pid) -> responses handled (kept in crawl_runs.stats)
    <p>:inflight            hash lease id -> {worker, taken, score}: requests a worker popped and has not finished
    <p>:inflight:requests   hash lease id -> the popped request, as queued (put back if its worker dies)
    <p>:alive:<worker>      the worker's heartbeat (expires NIANBAO_WORKER_HEARTBEAT s after its last beat)

Portal state lives in Redis (RedisPortalState), not in the ingester: the spider decides things from it while
crawling (already seen? report already found? page cap? platform of the column?), so every worker must see the
same state at the moment it decides, and the read-modify-write steps are atomic Redis commands (SADD, HSETNX,
HINCRBY). The worker whose answer brings a portal's pending count to 0 computes the status with the spider's own
status_of() and pushes it; the ingester only writes what it receives.
"""
from __future__ import annotations

import json
import os
import socket
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from crawler.spiders.portals import PortalState, PortalsSpider

DEFAULT_PREFIX = "nianbao"
NONE_MARK = b"\x00none"  # robots.txt could not be fetched: no rules (as in one process)


class Keys:
    def __init__(self, prefix: str = DEFAULT_PREFIX):
        self.prefix = prefix
        self.requests = f"{prefix}:requests"
        self.dupefilter = f"{prefix}:dupefilter"
        self.run = f"{prefix}:run"
        self.portals = f"{prefix}:portals"
        self.open = f"{prefix}:open"
        self.items = f"{prefix}:items"
        self.processing = f"{prefix}:items:processing"
        self.validators = f"{prefix}:validators"
        self.robots = f"{prefix}:robots"
        self.activity = f"{prefix}:activity"
        self.workers = f"{prefix}:workers"
        self.inflight = f"{prefix}:inflight"
        self.inflight_requests = f"{prefix}:inflight:requests"

    def alive(self, worker: str) -> str:
        return f"{self.prefix}:alive:{worker}"

    def portal(self, adcode: str) -> str:
        return f"{self.prefix}:portal:{adcode}"

    def body(self) -> str:
        return f"{self.prefix}:body:{uuid.uuid4().hex}"

    def host_turn(self, slot: str) -> str:
        return f"{self.prefix}:host:{slot}"

    def crawl_keys(self, server) -> list[str]:
        """What one crawl leaves behind, deleted once it is ingested. Not `run` (kept, marked ingested, so late
        workers see the crawl is over) and not the validators (they outlive crawls)."""
        found = [self.requests, self.dupefilter, self.portals, self.open, self.robots, self.activity,
                 self.workers, self.inflight, self.inflight_requests]
        for pattern in (f"{self.prefix}:portal:*", f"{self.prefix}:host:*", f"{self.robots}:lock:*"):
            found += [k.decode() if isinstance(k, bytes) else k for k in server.scan_iter(pattern, count=1000)]
        return found


def _quiet_scrapy_redis() -> None:
    """scrapy-redis 0.9 still calls APIs Scrapy 2.13+ deprecates (Spider.log, stats' spider argument)."""
    import warnings

    from scrapy.exceptions import ScrapyDeprecationWarning

    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")


_quiet_scrapy_redis()


def connect(url: str):
    import redis

    server = redis.Redis.from_url(url)
    server.ping()
    return server


def _json(raw):
    return json.loads(raw) if raw is not None else None


# -- portal state in Redis ----------------------------------------------------------------------------------------------
class RedisSet:
    def __init__(self, server, key):
        self.server, self.key = server, key

    def add(self, value: str) -> bool:
        return self.server.sadd(self.key, value) == 1

    def __contains__(self, value) -> bool:
        return bool(self.server.sismember(self.key, value))

    def __iter__(self):
        return (v.decode() for v in self.server.smembers(self.key))

    def __len__(self) -> int:
        return self.server.scard(self.key)


class RedisList:
    """Append-only list of JSON values (failures, walls, columns)."""

    def __init__(self, server, key):
        self.server, self.key = server, key

    def append(self, value) -> None:
        self.server.rpush(self.key, json.dumps(value, ensure_ascii=False))

    def __getitem__(self, index):
        if isinstance(index, slice) and index.step is None and (index.start or 0) >= 0 and \
                (index.stop is None or index.stop > 0):
            stop = -1 if index.stop is None else index.stop - 1
            return [json.loads(v) for v in self.server.lrange(self.key, index.start or 0, stop)]
        return list(self)[index]

    def __iter__(self):
        return iter([json.loads(v) for v in self.server.lrange(self.key, 0, -1)])

    def __len__(self) -> int:
        return self.server.llen(self.key)


class RedisReports:
    """url -> report row, as a Redis hash."""

    def __init__(self, server, key):
        self.server, self.key = server, key

    def add(self, url: str, row: dict) -> bool:
        return self.server.hsetnx(self.key, url, json.dumps(row, ensure_ascii=False)) == 1

    def __contains__(self, url) -> bool:
        return bool(self.server.hexists(self.key, url))

    def __len__(self) -> int:
        return self.server.hlen(self.key)


def _scalar(name: str):
    """A PortalState field kept as JSON in the portal's Redis hash."""
    def get(self):
        return _json(self.server.hget(self.key, name))

    def set(self, value):
        self.server.hset(self.key, name, json.dumps(value, ensure_ascii=False))
    return property(get, set)


def _counter(name: str):
    def get(self):
        return int(self.server.hget(self.key, name) or 0)

    def set(self, value):  # only used by code that owns the portal alone; incr() is the shared path
        self.server.hset(self.key, name, int(value))
    return property(get, set)


class RedisPortalState(PortalState):
    """PortalState whose mutable part lives in Redis, shared by every worker crawling the portal.
    Identity fields (adcode, name, URLs, region names) never change and are kept locally too."""

    platform = _scalar("platform")
    robots = _scalar("robots")
    moved = _scalar("moved")
    capped = _scalar("capped")
    done = _scalar("done")
    searched = _scalar("searched")
    pending = _counter("pending")
    pages = _counter("pages")
    ok_pages = _counter("ok_pages")
    trap_fruitless = _counter("trap_fruitless")
    trap_inflight = _counter("trap_inflight")
    trap_refused = _counter("trap_refused")
    failures_total = _counter("failures_total")
    trap_skipped = _counter("trap_skipped")

    def __init__(self, server, keys: Keys, adcode, name, url, column_url, platform_hint, region_names, *,
                 publish: bool = True):
        self.server, self.keys, self.key = server, keys, keys.portal(adcode)
        self.adcode, self.name, self.url, self.column_url = adcode, name, url, column_url
        self.platform_hint, self.region_names = platform_hint, list(region_names)
        self.scope = RedisSet(server, self.key + ":scope")
        self.seen = RedisSet(server, self.key + ":seen")
        self.reports = RedisReports(server, self.key + ":reports")
        self.columns = RedisList(server, self.key + ":columns")
        self.walls = RedisList(server, self.key + ":walls")
        self.failures = RedisList(server, self.key + ":failures")
        self.shortfalls = RedisList(server, self.key + ":shortfalls")
        self.platform_hosts = RedisList(server, self.key + ":platform_hosts")
        self.search_forms = RedisList(server, self.key + ":search_forms")
        self.trap_examples = RedisList(server, self.key + ":trap_examples")
        self.paths = RedisSet(server, self.key + ":paths")
        self.useful_paths = RedisSet(server, self.key + ":useful_paths")
        if publish:
            server.hset(self.key, "identity", json.dumps(
                [adcode, name, url, column_url, platform_hint, self.region_names], ensure_ascii=False))

    @classmethod
    def load(cls, server, keys: Keys, adcode: str) -> "RedisPortalState | None":
        identity = _json(server.hget(keys.portal(adcode), "identity"))
        return cls(server, keys, *identity, publish=False) if identity else None

    def __repr__(self):
        return f"RedisPortalState({self.adcode})"

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    # atomic versions of the read-modify-write steps (see PortalState)
    def incr(self, counter: str, n: int = 1) -> int:
        return self.server.hincrby(self.key, counter, n)

    def claim(self, key: str) -> bool:
        return self.seen.add(key)

    def settle(self, request_meta: dict) -> int:
        """pending -= 1 and the request's lease ends, atomically: a worker killed at any moment leaves either both
        undone (the request is put back and answered again) or both done. A worker whose lease was taken back
        meanwhile (its heartbeat lapsed) does not count the request: the worker it was given to will."""
        lease = request_meta.get("lease")
        if not lease:
            return self.incr("pending", -1)
        return int(self.server.eval(_SETTLE, 3, self.key, self.keys.inflight, self.keys.inflight_requests, lease))

    def add_report(self, url: str, row: dict) -> bool:
        return self.reports.add(url, row)

    @property
    def trap_paths(self) -> dict[str, int]:
        return {k.decode(): int(v) for k, v in self.server.hgetall(self.key + ":trap_paths").items()}

    def note_trap_path(self, key: str) -> int:
        return self.server.hincrby(self.key + ":trap_paths", key, 1)

    def note_path(self, url: str) -> bool:
        from crawler.spiders.portals import _path_key

        return not self.paths.add(_path_key(url))

    def note_listing(self, listing: str, *, records: set[str], declared: int | None, reports: int,
                     column: bool) -> int:
        """The listing's records are a Redis set (SADD counts the new ones atomically); declared/reports/column in
        a hash field per listing."""
        import hashlib

        records_key = f"{self.key}:listing:{hashlib.sha1(listing.encode()).hexdigest()[:16]}"
        pipe = self.server.pipeline(transaction=True)
        for url in records:
            pipe.sadd(records_key, url)
        pipe.hget(self.key + ":listings", listing)
        results = pipe.execute()
        info = _json(results[-1]) or {"declared": None, "reports": 0, "column": False, "records_key": records_key}
        if declared and (info["declared"] is None or declared > info["declared"]):
            info["declared"] = declared
        info["reports"] += reports
        info["column"] = info["column"] or column
        self.server.hset(self.key + ":listings", listing, json.dumps(info))
        return sum(results[:-1])

    def listing_summary(self) -> list[dict]:
        out = []
        for listing, raw in self.server.hgetall(self.key + ":listings").items():
            info = json.loads(raw)
            out.append({"listing": listing.decode(), "declared": info["declared"], "reports": info["reports"],
                        "column": info["column"], "collected": self.server.scard(info["records_key"])})
        return out


class SharedStates(dict):
    """spider.states for a worker: a portal's state is loaded from Redis the first time this worker meets it."""

    def __init__(self, server, keys: Keys):
        super().__init__()
        self.server, self.keys = server, keys

    def __missing__(self, adcode):
        st = RedisPortalState.load(self.server, self.keys, adcode)
        if st is None:
            raise KeyError(adcode)
        self[adcode] = st
        return st

    def get(self, adcode, default=None):
        try:
            return self[adcode]
        except KeyError:
            return default


# -- seeding ----------------------------------------------------------------------------------------------------------
class SeedError(Exception):
    pass


def worker_settings(redis_url: str, prefix: str = DEFAULT_PREFIX) -> dict:
    """Scrapy settings that turn the spider into a worker (the shared settings every worker gets)."""
    keys = Keys(prefix)
    return {
        "NIANBAO_REDIS_URL": redis_url,
        "NIANBAO_REDIS_PREFIX": prefix,
        "REDIS_URL": redis_url,
        "SCHEDULER": "crawler.distributed.SharedScheduler",
        "SCHEDULER_PERSIST": "True",  # one worker closing must not flush the others' queue
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_QUEUE_CLASS": "crawler.distributed.LeasedPriorityQueue",
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
    }


def _scrapy_settings(overrides: dict | None = None):
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update(overrides or {}, priority="cmdline")
    return settings


def seed(redis_url: str, *, db: str | Path | None = None, adcodes: list[str] = (), portals_csv: str | None = None,
         prefix: str = DEFAULT_PREFIX, settings: dict | None = None, force: bool = False) -> dict:
    """Put the start requests of the chosen portals into the shared queue, once, and the portals' state and
    registry rows beside them. Refuses while another crawl is still open (force=True abandons it)."""
    from scrapy_redis.queue import PriorityQueue

    server, keys = connect(redis_url), Keys(prefix)
    if not force and server.exists(keys.run) and not server.hget(keys.run, "ingested_at"):
        raise SeedError(f"the crawl seeded at {(server.hget(keys.run, 'seeded_at') or b'?').decode()} is not "
                        f"ingested yet ({server.scard(keys.open)} portals unfinished, {server.llen(keys.items)} "
                        f"items waiting): run `nianbao ingest`, or seed with --force to abandon it")
    spider = PortalsSpider(adcode=",".join(adcodes), portals=portals_csv, db=str(db) if db else None)
    spider.configure(_scrapy_settings({**(settings or {}), **worker_settings(redis_url, prefix)}))
    rows = spider.load_portals()  # RegistryError / ValueError: a clear message before anything is written
    for row in rows:  # the `portals.source` a one-process crawl would record
        row.setdefault("source", Path(portals_csv).name if portals_csv else "registry")
    server.delete(keys.run, *keys.crawl_keys(server))
    spider.state_class = lambda *a: RedisPortalState(server, keys, *a)
    spider.states = {}
    requests = spider.start_requests_list()  # creates every portal's state in Redis
    crawl_id = uuid.uuid4().hex
    pipe = server.pipeline(transaction=True)
    pipe.hset(keys.portals, mapping={r["adcode"]: json.dumps(r, ensure_ascii=False, default=str) for r in rows})
    pipe.sadd(keys.open, *[st.adcode for st in spider.states.values()])
    pipe.hset(keys.run, mapping={"crawl_id": crawl_id, "portals": len(rows),
                                 "seeded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                 "args": json.dumps({"adcodes": list(adcodes), "portals": portals_csv,
                                                     "settings": settings or {}, "distributed": True},
                                                    ensure_ascii=False)})
    pipe.execute()
    queue = PriorityQueue(server=server, spider=spider, key=keys.requests)
    for request in requests:
        queue.push(request)
    # A portal without any start URL has nothing pending: it is finished already.
    for st in spider.states.values():
        if st.pending <= 0:
            _push_items(server, keys, [PortalsSpider.status_item(st)])
    return {"crawl_id": crawl_id, "portals": len(rows), "requests": len(requests)}


# -- worker side ----------------------------------------------------------------------------------------------------------
def _push_items(server, keys: Keys, items: list[dict]) -> None:
    """Items go to the ingester as JSON; bytes go beside them as raw Redis strings (no base64 inflation).
    One transaction: an item never appears without its body, and a portal leaves `open` together with its status
    item, so `open` empty means every status (and every item before it) is in the list."""
    pipe = server.pipeline(transaction=True)
    for item in items:
        data = dict(item)
        body = data.pop("body", None)
        if body is not None and not data.get("not_modified"):
            data["body_key"] = keys.body()
            pipe.set(data["body_key"], body)
        pipe.rpush(keys.items, json.dumps(data, ensure_ascii=False, default=str))
        if data.get("kind") == "portal_status":
            pipe.srem(keys.open, data["adcode"])
    pipe.execute()


class RedisItemPipeline:
    """A worker's only pipeline: items go to Redis, never to SQLite."""

    def __init__(self, crawler):
        self.server = connect(crawler.settings["NIANBAO_REDIS_URL"])
        self.keys = Keys(crawler.settings.get("NIANBAO_REDIS_PREFIX", DEFAULT_PREFIX))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        _push_items(self.server, self.keys, [item])
        return {k: v for k, v in item.items() if k != "body"}


class Worker:
    """Attached to the spider of a worker process: shared portal states, and when to stop."""

    def __init__(self, crawler):
        s = crawler.settings
        self.server = connect(s["NIANBAO_REDIS_URL"])
        self.keys = Keys(s.get("NIANBAO_REDIS_PREFIX", DEFAULT_PREFIX))
        self.idle_timeout = s.getfloat("NIANBAO_WORKER_IDLE_TIMEOUT", 300)
        self._activity = (None, time.monotonic())
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.heartbeat_ms = int(s.getfloat("NIANBAO_WORKER_HEARTBEAT", 30) * 1000)
        self.beat()  # alive before the first pop
        self._beats = None

    @classmethod
    def attach(cls, spider, crawler) -> "Worker":
        from scrapy import signals

        worker = cls(crawler)
        spider.worker = worker
        spider.states = SharedStates(worker.server, worker.keys)
        spider.state_class = lambda *a: RedisPortalState(worker.server, worker.keys, *a)
        crawler.signals.connect(worker.spider_idle, signal=signals.spider_idle)
        # Every handled response counts as activity (see spider_idle).
        crawler.signals.connect(worker.response_handled, signal=signals.response_received)
        crawler.signals.connect(worker.opened, signal=signals.spider_opened)
        crawler.signals.connect(worker.closed, signal=signals.spider_closed)
        return worker

    def beat(self) -> None:
        """Heartbeat; on each beat, the requests of dead workers go back on the queue."""
        self.server.set(self.keys.alive(self.name), 1, px=self.heartbeat_ms)
        requeued = requeue_dead_leases(self.server, self.keys)
        if requeued:
            print(f"worker {self.name}: {requeued} requests of a dead worker put back on the queue",
                  file=sys.stderr, flush=True)

    def opened(self, spider=None) -> None:
        from twisted.internet.task import LoopingCall

        self._beats = LoopingCall(self.beat)
        self._beats.start(self.heartbeat_ms / 3000, now=True)

    def closed(self, spider=None, reason=None) -> None:
        if self._beats is not None and self._beats.running:
            self._beats.stop()
        self.server.delete(self.keys.alive(self.name))  # anything still leased is put back at once

    def response_handled(self, **kwargs) -> None:
        pipe = self.server.pipeline(transaction=False)
        pipe.incr(self.keys.activity)
        pipe.hincrby(self.keys.workers, self.name, 1)
        pipe.execute()

    def crawl_done(self) -> bool:
        return bool(self.server.exists(self.keys.run)) and self.server.scard(self.keys.open) == 0

    def stuck(self) -> bool:
        """Nothing queued and no worker handled a response for NIANBAO_WORKER_IDLE_TIMEOUT seconds: requests were
        lost (a worker was killed mid-request) or no crawl was seeded. The ingester settles such portals."""
        value = self.server.get(self.keys.activity)
        if value != self._activity[0]:
            self._activity = (value, time.monotonic())
        return time.monotonic() - self._activity[1] > self.idle_timeout

    def spider_idle(self, spider=None) -> None:
        from scrapy.exceptions import DontCloseSpider

        if self.crawl_done() or (self.server.zcard(self.keys.requests) == 0 and self.stuck()):
            return  # let the spider close
        raise DontCloseSpider


try:
    from scrapy_redis.scheduler import Scheduler as _RedisScheduler
except ImportError:  # scrapy-redis missing: only the one-process crawl is available
    _RedisScheduler = object


class SharedScheduler(_RedisScheduler):
    """scrapy-redis's scheduler; an empty queue only means "ask again soon" while the crawl is open, so this
    worker polls Redis every NIANBAO_REDIS_POLL seconds instead of Scrapy's 5 s heartbeat."""

    def open(self, spider):
        super().open(spider)
        engine = getattr(spider.crawler, "engine", None)
        if engine is not None:  # read when the engine starts its slot heartbeat, right after this
            engine._SLOT_HEARTBEAT_INTERVAL = spider.crawler.settings.getfloat("NIANBAO_REDIS_POLL", 0.25)


# -- leases -----------------------------------------------------------------------------------------------------------
# scrapy-redis pops without a lease: a worker killed mid-request would lose what it had popped. Here a request
# belongs to the worker that popped it only while that worker's heartbeat key lives; anyone who finds a lease of a
# dead worker puts the request back. Each step is one Lua script, so each is atomic and happens once.

# Pop the best request and lease it in the same step (a kill between the two would lose it). The lease id is unique
# per pop (a request put back and popped again gets a new one, so a late settle of the old lease cannot end it).
_POP_AND_LEASE = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
local id = redis.sha1hex(ARGV[1] .. ARGV[2] .. top[1])
redis.call('HSET', KEYS[2], id, cjson.encode({worker = ARGV[1], taken = tonumber(ARGV[2]), score = tonumber(top[2])}))
redis.call('HSET', KEYS[3], id, top[1])
return {top[1], id}
"""

# A request's successor (redirect, retry) is queued: the lease passes to the queue in the same step.
_PUSH_AND_RELEASE = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('HDEL', KEYS[2], ARGV[3]); redis.call('HDEL', KEYS[3], ARGV[3]) end
return 1
"""

# The answer was handled: end the lease and count the request as answered, unless the lease was taken back.
_SETTLE = """
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then return tonumber(redis.call('HGET', KEYS[1], 'pending') or 0) end
redis.call('HDEL', KEYS[3], ARGV[1])
return redis.call('HINCRBY', KEYS[1], 'pending', -1)
"""

# Put every request leased by a worker without heartbeat back on the queue; returns how many.
_REQUEUE_DEAD = """
local leases = redis.call('HGETALL', KEYS[1])
local n = 0
for i = 1, #leases, 2 do
  local lease = cjson.decode(leases[i + 1])
  if redis.call('EXISTS', ARGV[1] .. lease.worker) == 0 then
    local data = redis.call('HGET', KEYS[2], leases[i])
    redis.call('HDEL', KEYS[1], leases[i])
    redis.call('HDEL', KEYS[2], leases[i])
    if data then redis.call('ZADD', KEYS[3], lease.score, data); n = n + 1 end
  end
end
return n
"""


def requeue_dead_leases(server, keys: Keys) -> int:
    """Requests popped by workers whose heartbeat expired go back on the queue (idempotent: a lease is put back
    once, by whoever finds it first). Called by every worker on each heartbeat and by the idle ingester."""
    return int(server.eval(_REQUEUE_DEAD, 3, keys.inflight, keys.inflight_requests, keys.requests,
                           keys.alive("")))


try:
    from scrapy_redis.queue import PriorityQueue as _RedisPriorityQueue
except ImportError:
    _RedisPriorityQueue = object


class LeasedPriorityQueue(_RedisPriorityQueue):
    """scrapy-redis's priority queue whose pop leases the request to this worker (request.meta["lease"])."""

    def push(self, request):
        lease = request.meta.get("lease") or ""
        self.server.eval(_PUSH_AND_RELEASE, 3, self.key, self.keys.inflight, self.keys.inflight_requests,
                         -request.priority, self._encode_request(request), lease)

    def pop(self, timeout=0):
        found = self.server.eval(_POP_AND_LEASE, 3, self.key, self.keys.inflight, self.keys.inflight_requests,
                                 self.spider.worker.name, f"{time.time():.3f}")
        if not found:
            return None
        request = self._decode_request(found[0])
        request.meta["lease"] = found[1].decode()
        return request

    @property
    def keys(self) -> Keys:
        return self.spider.worker.keys


class StallMiddleware:
    """Test only (NIANBAO_TEST_STALL_URL): requests whose URL contains this text never leave the worker, so a test
    can kill the worker while it holds their lease."""

    def __init__(self, crawler):
        from scrapy.exceptions import NotConfigured

        self.needle = crawler.settings.get("NIANBAO_TEST_STALL_URL")
        if not self.needle:
            raise NotConfigured

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request, spider=None):
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import defer

        if self.needle in request.url:
            await maybe_deferred_to_future(defer.Deferred())  # forever
        return None


# -- worker middlewares -------------------------------------------------------------------------------------------------
from crawler.middlewares import ConditionalGetMiddleware  # noqa: E402


class SharedConditionalGetMiddleware(ConditionalGetMiddleware):
    """Validators come from Redis (published by the ingester). A 304 must be answered with the archived bytes so
    the page can be parsed: a worker that can read the archive's blob store (same machine or shared disk,
    NIANBAO_BLOBS) revalidates everything; elsewhere only attachments are revalidated (nothing is parsed from
    them: a 304 just records "unchanged"), pages and lists are fetched in full."""

    def __init__(self, crawler):
        super().__init__(crawler)
        from nianbao.archive import BlobStore

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


from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware  # noqa: E402


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
    hit one county server N times as often. (Concurrency per host stays ≤ CONCURRENT_REQUESTS_PER_DOMAIN per worker.)"""

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


def worker_components() -> dict:
    """The one-process components with the SQLite-bound ones swapped for their shared versions."""
    from crawler import settings as base

    middlewares = {**base.DOWNLOADER_MIDDLEWARES,
                   "crawler.middlewares.ConditionalGetMiddleware": None,
                   "crawler.distributed.SharedConditionalGetMiddleware": 800,
                   "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
                   "crawler.distributed.SharedRobotsTxtMiddleware": 100,  # Scrapy's own place for it
                   "crawler.distributed.SharedHostDelayMiddleware": 75,  # after HostSlotMiddleware (70)
                   "crawler.distributed.StallMiddleware": 990}  # off unless NIANBAO_TEST_STALL_URL
    return {"ITEM_PIPELINES": {"crawler.distributed.RedisItemPipeline": 300},
            "DOWNLOADER_MIDDLEWARES": middlewares}


def worker_command(redis_url: str, *, prefix: str = DEFAULT_PREFIX, allow_loopback: bool = False,
                   settings: dict | None = None, blobs: str | Path | None = None) -> list[str]:
    """`python -m scrapy crawl portals` as a worker: the same spider, shared queue, items to Redis, no SQLite."""
    merged = {**worker_settings(redis_url, prefix),
              **{k: json.dumps(v) for k, v in worker_components().items()},
              "NIANBAO_EXTRACT": "False"}
    if allow_loopback:
        merged["NIANBAO_ALLOW_LOOPBACK"] = "True"
    if blobs:
        merged["NIANBAO_BLOBS"] = str(Path(blobs).resolve())
    merged.update(settings or {})
    cmd = [sys.executable, "-m", "scrapy", "crawl", "portals"]
    for name, value in merged.items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def start_worker(redis_url: str, **kwargs):
    import subprocess

    from crawler.run import REPO_ROOT, spider_env

    return subprocess.Popen(worker_command(redis_url, **kwargs), env=spider_env(), cwd=str(REPO_ROOT))


# -- a local redis-server (tests, bench) ---------------------------------------------------------------------------------
def start_local_redis(workdir: str | Path, port: int = 0, timeout: float = 10.0):
    """Start `redis-server` on 127.0.0.1 without persistence, in workdir. Returns (Popen, url).
    Raises FileNotFoundError when redis-server is not installed."""
    import shutil
    import subprocess

    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server is not installed (apt-get install redis-server)")
    if not port:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(workdir)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + timeout
    while True:
        try:
            connect(url)
            return proc, url
        except Exception:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError(f"redis-server did not start on port {port}")
            time.sleep(0.05)


# -- the ingester -------------------------------------------------------------------------------------------------------
def publish_validator(server, keys: Keys, store, key: str) -> None:
    doc = store.last_document(key)
    if doc is not None:
        server.hset(keys.validators, key, json.dumps({k: v for k, v in doc.items() if k != "id"},
                                                     ensure_ascii=False))


def publish_all_validators(server, keys: Keys, store) -> int:
    """The newest validators of every archived URL, so workers anywhere can send conditional GETs."""
    cur = store.db.execute(
        "SELECT d.url, d.sha256, d.etag, d.last_modified, d.content_type, d.filename, d.headers, d.final_url, "
        "d.http_status FROM documents d JOIN (SELECT url, MAX(id) AS id FROM documents WHERE url IS NOT NULL "
        "GROUP BY url) m ON d.id = m.id")
    names = [c[0] for c in cur.description][1:]
    n = 0
    pipe = server.pipeline(transaction=False)
    for row in cur:
        pipe.hset(keys.validators, row[0], json.dumps(dict(zip(names, row[1:])), ensure_ascii=False))
        n += 1
        if n % 5000 == 0:
            pipe.execute()
    pipe.execute()
    return n


def _import_portals(store, rows: list[dict]) -> None:
    from crawler import registry

    registry.ensure_divisions(store)
    for row in rows:
        record = {"adcode": row["adcode"], **registry.division_fields(row["adcode"], row.get("name")),
                  "url": row.get("url") or None, "column_url": row.get("column_url") or None,
                  "platform": row.get("platform") or None, "source": row.get("source") or "redis"}
        if not record.get("name"):
            record["name"] = row.get("name") or None
        store.db["portals"].upsert(record, pk="adcode")


def _requeue_unfinished(server, keys: Keys) -> int:
    """Items a previous ingester popped but never wrote go back to the head of the list (writes are idempotent)."""
    n = 0
    while server.lmove(keys.processing, keys.items, "RIGHT", "LEFT") is not None:
        n += 1
    return n


def _wait_for_run(server, keys: Keys, timeout: float | None, poll: float) -> dict | None:
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        run = {k.decode(): v.decode() for k, v in server.hgetall(keys.run).items()}
        if run and not run.get("ingested_at"):
            return run
        if deadline is not None and time.monotonic() > deadline:
            return None
        time.sleep(poll)


def ingest(redis_url: str, db: str | Path = "archive.db", *, until_idle: bool = False, idle_timeout: float = 300,
           prefix: str = DEFAULT_PREFIX, extract: bool = True, poll: float = 0.5) -> list[dict]:
    """The single writer. Writes every item of the seeded crawl through ArchiveWriter, settles the portals when the
    crawl is done, runs extraction, records the run. until_idle: one crawl, then return (or return after
    idle_timeout with no crawl seeded); otherwise serve crawl after crawl."""
    from crawler.store import Store

    server, keys = connect(redis_url), Keys(prefix)
    store = Store(db)
    summaries = []
    try:
        n = publish_all_validators(server, keys, store)
        print(f"ingest: {n} validators published to Redis", file=sys.stderr, flush=True)
        while True:
            run = _wait_for_run(server, keys, idle_timeout if until_idle else None, poll)
            if run is None:
                print("ingest: no crawl was seeded", file=sys.stderr, flush=True)
                return summaries
            summaries.append(ingest_crawl(server, keys, store, run, idle_timeout=idle_timeout, extract=extract,
                                          poll=poll))
            if until_idle:
                return summaries
    finally:
        store.close()


def ingest_crawl(server, keys: Keys, store, run: dict, *, idle_timeout: float, extract: bool, poll: float) -> dict:
    from crawler.pipelines import ArchiveWriter

    rows = [json.loads(v) for v in server.hvals(keys.portals)]
    _import_portals(store, rows)
    run_id = int(run["run_id"]) if run.get("run_id") else None
    if run_id is None:  # first ingester of this crawl; a restarted one continues the same run row
        run_id = store.start_run(json.loads(run.get("args") or "{}"))
        server.hset(keys.run, "run_id", run_id)
    writer = ArchiveWriter(store, run_id, total_portals=int(run.get("portals") or 0) or None)
    requeued = _requeue_unfinished(server, keys)
    if requeued:
        print(f"ingest: {requeued} items put back from an interrupted ingester", file=sys.stderr, flush=True)
    items = 0
    last_progress = time.monotonic()
    last_activity = server.get(keys.activity)
    while True:
        raw = server.blmove(keys.items, keys.processing, poll, "LEFT", "RIGHT")
        if raw is not None:
            write_item(server, keys, store, writer, raw)
            items += 1
            last_progress = time.monotonic()
            continue
        if server.scard(keys.open) == 0 and server.llen(keys.items) == 0:
            break  # every portal finished and every item written: the crawl is done
        activity = server.get(keys.activity)
        if activity != last_activity:
            last_activity, last_progress = activity, time.monotonic()
        if requeue_dead_leases(server, keys):  # a worker died; the others (or the next one) answer them
            last_progress = time.monotonic()
        if time.monotonic() - last_progress > idle_timeout and server.zcard(keys.requests) == 0:
            settle_unfinished(server, keys, writer)  # requests were lost (a worker killed mid-request)
            break
    adcodes = [r["adcode"] for r in rows]
    workers = {k.decode(): int(v) for k, v in server.hgetall(keys.workers).items()}
    writer.finish(adcodes, {"distributed": True, "items": items, "crawl_id": run.get("crawl_id"),
                            "responses_by_worker": workers}, extract=extract)
    server.delete(*keys.crawl_keys(server))
    server.hset(keys.run, "ingested_at", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    return {"run_id": run_id, "items": items, **writer.counts}


def write_item(server, keys: Keys, store, writer, raw: bytes) -> None:
    """One item: its body from its own key, through ArchiveWriter; then the URL's validators for the workers."""
    item = json.loads(raw)
    body_key = item.pop("body_key", None)
    try:
        if body_key:
            body = server.get(body_key)
            if body is None:
                raise ValueError(f"body {body_key} missing from Redis")
            item["body"] = body
        elif item.get("kind") == "document":
            item["body"] = b""
        writer.write(item)
        if item.get("kind") == "document":
            publish_validator(server, keys, store, item["key"])
    except Exception as exc:  # one bad item never stops the ingester; it is recorded, not lost silently
        store.record_error(item.get("key") or item.get("url") or "", type(exc).__name__, str(exc)[:1000],
                           stage="ingest")
        writer.counts["errors"] += 1
    pipe = server.pipeline(transaction=True)
    if body_key:
        pipe.delete(body_key)
    pipe.lrem(keys.processing, 1, raw)
    pipe.execute()


def settle_unfinished(server, keys: Keys, writer) -> None:
    """Portals whose pending requests will never be answered get their status from what is known."""
    for adcode in sorted(v.decode() for v in server.smembers(keys.open)):
        st = RedisPortalState.load(server, keys, adcode)
        if st is not None:
            writer.portal_status(PortalsSpider.status_item(st))
        server.srem(keys.open, adcode)
