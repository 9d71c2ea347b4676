"""The distributed crawl: N worker processes on M machines share one crawl through Redis; one ingester writes SQLite.

    nianbao crawl --redis URL --seed (--portals FILE.csv | --adcode CODE …)   seed the crawl once, then work
    nianbao crawl --redis URL [-s …]                                          one more worker (any machine)
    nianbao ingest --redis URL [--db archive.db] [--until-idle]               the single writer (the db's machine)

One module per job:

    keys         the Redis keys of a crawl (below) and the connection
    state        each portal's crawl state, shared in Redis (RedisPortalState)
    queue        the shared request queue with leases (a request belongs to a live worker or to the queue)
    worker       the worker: a Scrapy extension (heartbeat, shared states, when to stop) and its item pipeline
    middlewares  conditional GETs from Redis validators, robots.txt once per host, one delay and two requests in
                 flight per host for all workers
    settings     the worker's Scrapy settings module (crawler.settings with the shared components swapped in)
    seed         putting a crawl's start requests and portal states into Redis, once
    ingest       the single writer: items from Redis into the archive, then extraction

What lives in Redis (every key starts with the prefix, default `nianbao`):

    <p>:requests            priority queue: the shared request queue (the scheduler)
    <p>:dupefilter          scrapy-redis fingerprint set (unused: the spider dedups by document key, see `seen`)
    <p>:run                 hash: the seeded crawl (crawl_id, args, portals, run_id once the ingester made its row)
    <p>:portals             hash adcode -> registry row (JSON), for the ingester's `portals` table
    <p>:open                set of adcodes whose crawl is not finished; empty = the crawl is done
    <p>:portal:<adcode>     hash: identity, pending, pages, ok_pages, platform, robots, moved, capped, done,
                            searched, trap_fruitless, trap_inflight, trap_refused, trap_skipped, failures_total
    <p>:portal:<adcode>:{seen,scope,paths,useful_paths}  sets; :reports hash url -> row; :{columns,walls,failures,
                            shortfalls,platform_hosts,search_forms,trap_examples} lists; :trap_paths hash; :listings
                            hash listing -> {declared, reports, column}; :listing:<sha1> set of its record URLs
    <p>:items               list of items (JSON) for the ingester; <p>:body:<uuid> their bytes (raw strings)
    <p>:items:processing    items popped but not yet written (put back when an ingester restarts)
    <p>:validators          hash document key -> {sha256, etag, last_modified, headers, …} (written by the ingester)
    <p>:robots              hash netloc -> robots.txt body (fetched once for all workers)
    <p>:activity            counter, +1 per handled response (lets idle workers tell "slow" from "stuck")
    <p>:workers             hash worker (host:pid) -> responses handled (kept in crawl_runs.stats)
    <p>:inflight            hash lease id -> {worker, taken, score}: requests a worker popped and has not finished
    <p>:inflight:requests   hash lease id -> the popped request, as queued (put back if its worker dies)
    <p>:host:<slot>         the host's turn (DOWNLOAD_DELAY between two requests, whichever worker sends them)
    <p>:host:<slot>:inflight  zset token -> expiry: the host's requests in flight (at most
                            CONCURRENT_REQUESTS_PER_DOMAIN for all workers; a dead worker's tokens are dropped)
    <p>:alive:<worker>      the worker's heartbeat (expires NIANBAO_WORKER_HEARTBEAT s after its last beat)

Portal state lives in Redis, not in the ingester: the spider decides things from it while crawling (already seen?
report already found? page cap? platform of the column?), so every worker must see the same state when it
decides. A portal's `pending` counts its requests that are queued or leased, and changes only together with the
queue: a request is claimed (added to `seen`), queued and counted in one step, and uncounted in the same step that
ends its lease (queue.py). So a worker killed at any moment — even halfway through a callback — leaves every
request either queued, leased (and put back when its heartbeat lapses), or done; and a callback run again by
another worker re-creates exactly the requests the dead one never queued. The worker whose answer brings a
portal's pending count to 0 computes the status with the spider's own status_of() and pushes it; the ingester only
writes what it receives.
"""
from crawler.distributed.keys import DEFAULT_PREFIX, Keys, connect
from crawler.distributed.seed import SeedError, seed
from crawler.distributed.worker import start_worker, worker_command


def ingest(*args, **kwargs):
    from crawler.distributed.ingest import ingest as _ingest

    return _ingest(*args, **kwargs)


__all__ = ["DEFAULT_PREFIX", "Keys", "SeedError", "connect", "ingest", "seed", "start_worker", "worker_command"]
