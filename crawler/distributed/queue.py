"""The shared request queue, with leases.

scrapy-redis pops without a lease: a worker killed mid-request would lose what it had popped. Here a request
belongs either to the queue or to one live worker (a lease, valid while that worker's heartbeat key lives); anyone
who finds a lease of a dead worker puts the request back. And a portal's `pending` count moves only together with
the queue, in the same Lua script, so it always equals the portal's queued + leased requests:

    admit a new request     claim its document key (SADD seen) + queue it + pending += 1, when the spider creates
                            it (a key claimed before: the request is dropped, another worker has it). Not when
                            Scrapy schedules it: Scrapy processes a callback's output later, concurrently with the
                            rest of the callback, which settles its own request at its end; counting then would let
                            a portal look finished while its new requests are still on their way.
    push a successor        a redirect or retry of a leased request: queued, the old lease ends, pending unchanged
    pop                     dequeue + lease to this worker
    settle                  the answer was handled: the lease ends + pending -= 1 (not when the lease was taken
                            back meanwhile: the worker it was given to will settle it)
    requeue dead leases     every request leased by a worker without heartbeat goes back on the queue

Each step is one script, so each is atomic and happens once.
"""
from __future__ import annotations

import os
import socket
import time

from crawler.distributed.keys import DEFAULT_PREFIX, Keys, connect

try:
    from scrapy_redis.queue import PriorityQueue as _RedisPriorityQueue
    from scrapy_redis.scheduler import Scheduler as _RedisScheduler
except ImportError:  # scrapy-redis missing: only the one-process crawl is available
    _RedisPriorityQueue = _RedisScheduler = object


def worker_name() -> str:
    """This process as a lease owner (the same name its heartbeat key carries)."""
    return f"{socket.gethostname()}:{os.getpid()}"


# KEYS: queue, inflight, inflight:requests, portal hash, portal seen set. ARGV: score, request, lease, document key.
_PUSH = """
if ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
  redis.call('HDEL', KEYS[2], ARGV[3]); redis.call('HDEL', KEYS[3], ARGV[3])
  return 1
end
if ARGV[4] ~= '' then
  if redis.call('SADD', KEYS[5], ARGV[4]) == 0 then return 0 end
  redis.call('HINCRBY', KEYS[4], 'pending', 1)
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
return 1
"""

# Pop the best request and lease it in the same step. The lease id is unique per pop (a request put back and popped
# again gets a new one, so a late settle of the old lease cannot end it).
_POP_AND_LEASE = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
local id = redis.sha1hex(ARGV[1] .. ARGV[2] .. top[1])
redis.call('HSET', KEYS[2], id, cjson.encode({worker = ARGV[1], taken = tonumber(ARGV[2]), score = tonumber(top[2])}))
redis.call('HSET', KEYS[3], id, top[1])
return {top[1], id}
"""

# KEYS: portal hash, inflight, inflight:requests. ARGV: lease.
_SETTLE = """
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then return tonumber(redis.call('HGET', KEYS[1], 'pending') or 0) end
redis.call('HDEL', KEYS[3], ARGV[1])
return redis.call('HINCRBY', KEYS[1], 'pending', -1)
"""

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


def settle(server, keys: Keys, adcode: str, lease: str) -> int:
    """The answer to a leased request was handled; returns the portal's pending count."""
    return int(server.eval(_SETTLE, 3, keys.portal(adcode), keys.inflight, keys.inflight_requests, lease))


def requeue_dead_leases(server, keys: Keys) -> int:
    """Requests popped by workers whose heartbeat expired go back on the queue (idempotent: a lease is put back
    once, by whoever finds it first). Called by every worker on each heartbeat and by the idle ingester."""
    return int(server.eval(_REQUEUE_DEAD, 3, keys.inflight, keys.inflight_requests, keys.requests,
                           keys.alive("")))


class LeasedPriorityQueue(_RedisPriorityQueue):
    """scrapy-redis's priority queue whose push claims and counts (see the module doc) and whose pop leases the
    request to this worker (request.meta["lease"])."""

    def __init__(self, server, spider, key, serializer=None, *, keys: Keys):
        super().__init__(server, spider, key, serializer)
        self.keys = keys

    def admit(self, request) -> bool:
        """A request the spider just created: claim, count and queue it in one step. False when its document key
        was claimed already (the request is dropped)."""
        request.meta["queued"] = True
        return self._push(request, lease="", doc_key=request.meta.get("doc_key") or "")

    def push(self, request) -> bool:
        """What Scrapy schedules: a request admitted already (nothing to do), or the successor of a leased request
        (a redirect or a retry: it takes its predecessor's place in the queue)."""
        lease = request.meta.get("lease") or ""
        if request.meta.get("queued") and not lease:
            return True
        return self._push(request, lease=lease, doc_key=request.meta.get("doc_key") or "")

    def _push(self, request, *, lease: str, doc_key: str) -> bool:
        adcode = request.meta.get("adcode") or ""
        return bool(self.server.eval(
            _PUSH, 5, self.key, self.keys.inflight, self.keys.inflight_requests, self.keys.portal(adcode),
            self.keys.portal(adcode) + ":seen", -request.priority, self._encode_request(request), lease, doc_key))

    def pop(self, timeout=0):
        found = self.server.eval(_POP_AND_LEASE, 3, self.key, self.keys.inflight, self.keys.inflight_requests,
                                 worker_name(), f"{time.time():.3f}")
        if not found:
            return None
        request = self._decode_request(found[0])
        request.meta["lease"] = found[1].decode()
        return request


class SharedScheduler(_RedisScheduler):
    """scrapy-redis's scheduler on the crawl's keys (NIANBAO_REDIS_URL, NIANBAO_REDIS_PREFIX) with the leased
    queue. An empty queue only means "ask again soon" while the crawl is open, so this worker polls Redis every
    NIANBAO_REDIS_POLL seconds instead of Scrapy's 5 s heartbeat."""

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy_redis.dupefilter import RFPDupeFilter

        s = crawler.settings
        keys = Keys(s.get("NIANBAO_REDIS_PREFIX", DEFAULT_PREFIX))
        server = connect(s["NIANBAO_REDIS_URL"])
        instance = cls(server=server, persist=True, queue_key=keys.requests,
                       dupefilter=RFPDupeFilter(server, keys.dupefilter))
        instance.keys = keys
        instance.stats = crawler.stats
        return instance

    def open(self, spider):
        self.spider = spider
        self.queue = LeasedPriorityQueue(self.server, spider, self.queue_key, self.serializer, keys=self.keys)
        engine = getattr(spider.crawler, "engine", None)
        if engine is not None:  # read when the engine starts its slot heartbeat, right after this
            engine._SLOT_HEARTBEAT_INTERVAL = spider.crawler.settings.getfloat("NIANBAO_REDIS_POLL", 0.25)
