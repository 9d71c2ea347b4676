"""The Redis keys of a distributed crawl (listed in crawler/distributed/__init__.py) and the connection."""
from __future__ import annotations

import uuid
import warnings

DEFAULT_PREFIX = "nianbao"


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

    def host_turns(self, slot: str) -> str:
        return f"{self.prefix}:host:{slot}:inflight"

    def crawl_keys(self, server) -> list[str]:
        """What one crawl leaves behind, deleted once it is ingested. Not `run` (kept, marked ingested, so late
        workers see the crawl is over) and not the validators (they outlive crawls)."""
        found = [self.requests, self.dupefilter, self.portals, self.open, self.robots, self.activity,
                 self.workers, self.inflight, self.inflight_requests]
        for pattern in (f"{self.prefix}:portal:*", f"{self.prefix}:host:*", f"{self.robots}:lock:*"):
            found += [k.decode() if isinstance(k, bytes) else k for k in server.scan_iter(pattern, count=1000)]
        return found


def connect(url: str):
    import redis

    server = redis.Redis.from_url(url)
    server.ping()
    return server


def quiet_scrapy_redis() -> None:
    """scrapy-redis 0.9 still calls APIs Scrapy 2.13+ deprecates (Spider.log, stats' spider argument)."""
    from scrapy.exceptions import ScrapyDeprecationWarning

    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")
