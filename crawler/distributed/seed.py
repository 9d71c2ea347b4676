"""Seeding a distributed crawl: the chosen portals' states, registry rows and start requests go into Redis, once."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

from crawler.distributed.keys import DEFAULT_PREFIX, Keys, connect
from crawler.distributed.queue import LeasedPriorityQueue
from crawler.distributed.state import RedisPortalState
from crawler.distributed.worker import push_items
from crawler.spiders.portals import PortalsSpider


class SeedError(Exception):
    pass


def seed(redis_url: str, *, db: str | Path | None = None, adcodes: list[str] = (), portals_csv: str | None = None,
         prefix: str = DEFAULT_PREFIX, settings: dict | None = None, force: bool = False) -> dict:
    """Put the start requests of the chosen portals into the shared queue, once, and the portals' state and
    registry rows beside them. Refuses while another crawl is still open (force=True abandons it)."""
    from scrapy.settings import Settings

    server, keys = connect(redis_url), Keys(prefix)
    if not force and server.exists(keys.run) and not server.hget(keys.run, "ingested_at"):
        raise SeedError(f"the crawl seeded at {(server.hget(keys.run, 'seeded_at') or b'?').decode()} is not "
                        f"ingested yet ({server.scard(keys.open)} portals unfinished, {server.llen(keys.items)} "
                        f"items waiting): run `nianbao ingest`, or seed with --force to abandon it")
    scrapy_settings = Settings()
    scrapy_settings.setmodule("crawler.distributed.settings", priority="project")
    scrapy_settings.update(settings or {}, priority="cmdline")
    spider = PortalsSpider(adcode=",".join(adcodes), portals=portals_csv, db=str(db) if db else None)
    spider.configure(scrapy_settings)
    rows = spider.load_portals()  # RegistryError / ValueError: a clear message before anything is written
    for row in rows:  # the `portals.source` a one-process crawl would record
        row.setdefault("source", Path(portals_csv).name if portals_csv else "registry")
    server.delete(keys.run, *keys.crawl_keys(server))
    crawl_id = uuid.uuid4().hex
    pipe = server.pipeline(transaction=True)  # the crawl is open before its first request can be answered
    pipe.hset(keys.portals, mapping={r["adcode"]: json.dumps(r, ensure_ascii=False, default=str) for r in rows})
    pipe.sadd(keys.open, *[r["adcode"] for r in rows])
    pipe.hset(keys.run, mapping={"crawl_id": crawl_id, "portals": len(rows),
                                 "seeded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                 "args": json.dumps({"adcodes": list(adcodes), "portals": portals_csv,
                                                     "settings": settings or {}, "distributed": True},
                                                    ensure_ascii=False)})
    pipe.execute()
    queue = LeasedPriorityQueue(server, spider, keys.requests, keys=keys)
    spider.state_class = lambda *a: RedisPortalState(queue, *a)
    spider.states = {}
    requests = spider.start_requests_list()  # every portal's state in Redis, its start requests queued
    # A portal without any start URL has nothing pending: it is finished already.
    for st in spider.states.values():
        if st.pending <= 0:
            push_items(server, keys, [PortalsSpider.status_item(st)])
    return {"crawl_id": crawl_id, "portals": len(rows), "requests": len(requests)}
