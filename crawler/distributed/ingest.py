"""The ingester: the single writer of a distributed crawl. It pops the workers' items from Redis and writes them
through the same ArchiveWriter as a one-process crawl, publishes document validators for the workers' conditional
GETs, settles portals whose requests can no longer be answered, then extracts (crawler.extraction) and records the
run."""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from crawler.distributed.keys import DEFAULT_PREFIX, Keys, connect
from crawler.distributed.queue import requeue_dead_leases
from crawler.distributed.state import RedisPortalState
from crawler.items import Document, from_wire
from crawler.pipelines import ArchiveWriter
from crawler.spiders.portals import PortalsSpider
from storage import Archive


def publish_validator(server, keys: Keys, archive: Archive, key: str) -> None:
    doc = archive.last_document(key)
    if doc is not None:
        server.hset(keys.validators, key, json.dumps({k: v for k, v in doc.items() if k != "id"},
                                                     ensure_ascii=False))


def publish_all_validators(server, keys: Keys, archive: Archive) -> int:
    """The newest validators of every archived URL, so workers anywhere can send conditional GETs."""
    n = 0
    pipe = server.pipeline(transaction=False)
    for url, validators in archive.latest_validators():
        pipe.hset(keys.validators, url, json.dumps(validators, ensure_ascii=False))
        n += 1
        if n % 5000 == 0:
            pipe.execute()
    pipe.execute()
    return n


def _import_portals(archive: Archive, rows: list[dict]) -> None:
    archive.registry.ensure_divisions()
    archive.registry.import_rows(rows, source="redis")


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
    server, keys = connect(redis_url), Keys(prefix)
    archive = Archive(db)
    summaries = []
    try:
        n = publish_all_validators(server, keys, archive)
        print(f"ingest: {n} validators published to Redis", file=sys.stderr, flush=True)
        while True:
            run = _wait_for_run(server, keys, idle_timeout if until_idle else None, poll)
            if run is None:
                print("ingest: no crawl was seeded", file=sys.stderr, flush=True)
                return summaries
            summaries.append(ingest_crawl(server, keys, archive, run, idle_timeout=idle_timeout, extract=extract,
                                          poll=poll))
            if until_idle:
                return summaries
    finally:
        archive.close()


def ingest_crawl(server, keys: Keys, archive: Archive, run: dict, *, idle_timeout: float, extract: bool,
                 poll: float) -> dict:
    rows = [json.loads(v) for v in server.hvals(keys.portals)]
    _import_portals(archive, rows)
    run_id = int(run["run_id"]) if run.get("run_id") else None
    if run_id is None:  # first ingester of this crawl; a restarted one continues the same run row
        run_id = archive.crawl.start_run(json.loads(run.get("args") or "{}"))
        server.hset(keys.run, "run_id", run_id)
    writer = ArchiveWriter(archive, run_id, total_portals=int(run.get("portals") or 0) or None)
    requeued = _requeue_unfinished(server, keys)
    if requeued:
        print(f"ingest: {requeued} items put back from an interrupted ingester", file=sys.stderr, flush=True)
    items = 0
    last_progress = time.monotonic()
    last_activity = server.get(keys.activity)
    while True:
        raw = server.blmove(keys.items, keys.processing, poll, "LEFT", "RIGHT")
        if raw is not None:
            write_item(server, keys, archive, writer, raw)
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


def write_item(server, keys: Keys, archive: Archive, writer, raw: bytes) -> None:
    """One item: its body from its own key, through ArchiveWriter; then the URL's validators for the workers."""
    data = json.loads(raw)
    body_key = data.pop("body_key", None)
    try:
        body = server.get(body_key) if body_key else None
        if body_key and body is None:
            raise ValueError(f"body {body_key} missing from Redis")
        item = from_wire(data, body)
        writer.write(item)
        if isinstance(item, Document):
            publish_validator(server, keys, archive, item.key)
    except Exception as exc:  # one bad item never stops the ingester; it is recorded, not lost silently
        archive.record_error(data.get("key") or data.get("url") or "", type(exc).__name__, str(exc)[:1000],
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
