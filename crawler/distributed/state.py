"""Each portal's crawl state, shared by every worker in Redis: RedisPortalState is the spider's PortalState whose
mutable part lives in Redis hashes, sets and lists, so every worker sees the same state when it decides.
"""
from __future__ import annotations

import json
from dataclasses import asdict

from crawler.distributed.queue import settle as settle_lease
from crawler.items import ReportLink
from crawler.spiders.portals import PortalState


def _json(raw):
    return json.loads(raw) if raw is not None else None


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

    def add(self, url: str, row: ReportLink) -> bool:
        return self.server.hsetnx(self.key, url, json.dumps(asdict(row), ensure_ascii=False)) == 1

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

    def __init__(self, queue, adcode, name, url, column_url, platform_hint, region_names, *, publish: bool = True):
        server, keys = queue.server, queue.keys
        self.queue, self.server, self.keys, self.key = queue, server, keys, keys.portal(adcode)
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
    def load(cls, queue, adcode: str) -> "RedisPortalState | None":
        identity = _json(queue.server.hget(queue.keys.portal(adcode), "identity"))
        return cls(queue, *identity, publish=False) if identity else None

    def __repr__(self):
        return f"RedisPortalState({self.adcode})"

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    # The read-modify-write steps (see PortalState), atomic in Redis.
    def incr(self, counter: str, n: int = 1) -> int:
        return self.server.hincrby(self.key, counter, n)

    def admit(self, key: str, request):
        """Claim the key, count the request as pending and queue it — one step (queue.LeasedPriorityQueue.admit).
        The spider then yields it as usual; the scheduler knows it is queued already."""
        return request if self.queue.admit(request) else None

    def settle(self, request_meta: dict) -> int:
        """The request's answer was handled: its lease ends and pending -= 1, atomically (queue.settle)."""
        lease = request_meta.get("lease")
        if not lease:
            return self.server.hincrby(self.key, "pending", -1)
        return settle_lease(self.server, self.keys, self.adcode, lease)

    def add_report(self, url: str, row: ReportLink) -> bool:
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

    def __init__(self, queue):
        super().__init__()
        self.queue = queue

    def __missing__(self, adcode):
        st = RedisPortalState.load(self.queue, adcode)
        if st is None:
            raise KeyError(adcode)
        self[adcode] = st
        return st

    def get(self, adcode, default=None):
        try:
            return self[adcode]
        except KeyError:
            return default
