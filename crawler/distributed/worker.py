"""A worker of the distributed crawl: the same spider as a one-process crawl, run with the worker settings module
(crawler.distributed.settings), which swaps in the shared scheduler and middlewares and adds the Worker extension.
The spider knows nothing of Redis: the extension gives it shared portal states and a deliverer for its items when
it opens (items go to Redis, never to SQLite: the ingester writes them).

    start_worker(redis_url, …)   a worker process (python -m crawler.process --settings crawler.distributed.settings)
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from crawler import process
from crawler.distributed.keys import DEFAULT_PREFIX, Keys, connect, quiet_scrapy_redis
from crawler.distributed.queue import requeue_dead_leases, worker_name
from crawler.items import Item, PortalOutcome, to_wire

SETTINGS_MODULE = "crawler.distributed.settings"
quiet_scrapy_redis()


def push_items(server, keys: Keys, items: list[Item]) -> None:
    """Items go to the ingester as JSON (crawler.items.to_wire); bodies go beside them as raw Redis strings (no
    base64 inflation). One transaction: an item never appears without its body, and a portal leaves `open`
    together with its status item, so `open` empty means every status (and every item before it) is in the list."""
    pipe = server.pipeline(transaction=True)
    for item in items:
        data, body = to_wire(item)
        if body is not None:
            data["body_key"] = keys.body()
            pipe.set(data["body_key"], body)
        pipe.rpush(keys.items, json.dumps(data, ensure_ascii=False, default=str))
        if isinstance(item, PortalOutcome):
            pipe.srem(keys.open, item.adcode)
    pipe.execute()


class Worker:
    """The Scrapy extension that makes a spider a worker: shared portal states (crawler.distributed.state), a
    heartbeat, and when to stop (the crawl is done, or nothing is queued and nobody made progress for
    NIANBAO_WORKER_IDLE_TIMEOUT seconds).

    The heartbeat runs in its own thread, not on the reactor: a worker busy parsing a big page, or slowed by a
    loaded machine, must not look dead — its leases would be taken back and its requests fetched twice."""

    def __init__(self, crawler):
        s = crawler.settings
        self.crawler = crawler
        self.server = connect(s["NIANBAO_REDIS_URL"])
        self.keys = Keys(s.get("NIANBAO_REDIS_PREFIX", DEFAULT_PREFIX))
        self.idle_timeout = s.getfloat("NIANBAO_WORKER_IDLE_TIMEOUT", 300)
        self.heartbeat_ms = int(s.getfloat("NIANBAO_WORKER_HEARTBEAT", 30) * 1000)
        self.name = worker_name()
        self._activity = (None, time.monotonic())
        self._stop = threading.Event()
        self._beats: threading.Thread | None = None
        self.beat()  # alive before the first pop

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals

        worker = cls(crawler)
        crawler.signals.connect(worker.opened, signal=signals.spider_opened)
        crawler.signals.connect(worker.closed, signal=signals.spider_closed)
        crawler.signals.connect(worker.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(worker.response_handled, signal=signals.response_received)
        return worker

    def opened(self, spider) -> None:
        from crawler.distributed.queue import LeasedPriorityQueue
        from crawler.distributed.state import RedisPortalState, SharedStates

        queue = LeasedPriorityQueue(self.server, spider, self.keys.requests, keys=self.keys)
        spider.seeded_elsewhere = True  # the start requests are in the shared queue already
        spider.deliver = lambda item: push_items(self.server, self.keys, [item])  # before the request settles
        spider.states = SharedStates(queue)
        spider.state_class = lambda *a: RedisPortalState(queue, *a)
        self._beats = threading.Thread(target=self._beat_loop, name="nianbao-heartbeat", daemon=True)
        self._beats.start()

    def closed(self, spider=None, reason=None) -> None:
        self._stop.set()
        if self._beats is not None:
            self._beats.join(timeout=5)
        self.server.delete(self.keys.alive(self.name))  # anything still leased is put back at once

    def _beat_loop(self) -> None:
        while not self._stop.wait(self.heartbeat_ms / 3000):
            try:
                self.beat()
            except Exception as exc:  # Redis briefly away: the next beat tries again
                print(f"worker {self.name}: heartbeat failed: {exc}", file=sys.stderr, flush=True)

    def beat(self) -> None:
        """Heartbeat; on each beat, the requests of dead workers go back on the queue."""
        self.server.set(self.keys.alive(self.name), 1, px=self.heartbeat_ms)
        requeued = requeue_dead_leases(self.server, self.keys)
        if requeued:
            print(f"worker {self.name}: {requeued} requests of a dead worker put back on the queue",
                  file=sys.stderr, flush=True)

    def response_handled(self, **kwargs) -> None:
        pipe = self.server.pipeline(transaction=False)
        pipe.incr(self.keys.activity)
        pipe.hincrby(self.keys.workers, self.name, 1)
        pipe.execute()

    def crawl_done(self) -> bool:
        return bool(self.server.exists(self.keys.run)) and self.server.scard(self.keys.open) == 0

    def stuck(self) -> bool:
        """Nothing queued and no worker handled a response for NIANBAO_WORKER_IDLE_TIMEOUT seconds: no crawl was
        seeded, or it cannot go on. The ingester settles such portals."""
        value = self.server.get(self.keys.activity)
        if value != self._activity[0]:
            self._activity = (value, time.monotonic())
        return time.monotonic() - self._activity[1] > self.idle_timeout

    def spider_idle(self, spider=None) -> None:
        from scrapy.exceptions import DontCloseSpider

        if self.crawl_done() or (self.server.zcard(self.keys.requests) == 0 and self.stuck()):
            return  # let the spider close
        raise DontCloseSpider


def worker_command(redis_url: str, *, prefix: str = DEFAULT_PREFIX, allow_loopback: bool = False,
                   settings: dict | None = None, blobs: str | Path | None = None,
                   settings_module: str = SETTINGS_MODULE) -> list[str]:
    """The worker process's command line: the spider with the worker settings module."""
    merged = {"NIANBAO_REDIS_URL": redis_url, "NIANBAO_REDIS_PREFIX": prefix}
    if allow_loopback:
        merged["NIANBAO_ALLOW_LOOPBACK"] = "True"
    if blobs:
        merged["NIANBAO_BLOBS"] = str(Path(blobs).resolve())
    merged.update(settings or {})
    return process.command(settings_module=settings_module, settings=merged)


def start_worker(redis_url: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(worker_command(redis_url, **kwargs))
