"""Scrapy settings of a worker of the distributed crawl: the one-process settings (crawler.settings) with the
components bound to SQLite or to one process swapped for their shared versions. A worker writes nothing to SQLite
and extracts nothing: the ingester does both.

Per crawl, on the command line: NIANBAO_REDIS_URL, NIANBAO_REDIS_PREFIX (crawler.distributed.worker_command).
"""
from crawler.settings import *  # noqa: F401,F403
from crawler.settings import DOWNLOADER_MIDDLEWARES as _BASE_MIDDLEWARES

SCHEDULER = "crawler.distributed.queue.SharedScheduler"
ITEM_PIPELINES = {}  # items are pushed to Redis by the Worker extension's deliverer (spider.emit)
EXTENSIONS = {"crawler.distributed.worker.Worker": 500}
DOWNLOADER_MIDDLEWARES = {
    **_BASE_MIDDLEWARES,
    "crawler.middlewares.ConditionalGetMiddleware": None,
    "crawler.distributed.middlewares.SharedConditionalGetMiddleware": 800,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.distributed.middlewares.SharedRobotsTxtMiddleware": 100,  # Scrapy's own place for it
    "crawler.distributed.middlewares.SharedHostDelayMiddleware": 75,  # after HostSlotMiddleware (70)
    "crawler.middlewares.HostLimitMiddleware": None,
    "crawler.distributed.middlewares.SharedHostLimitMiddleware": 950,  # last before the download, as the local one
}
NIANBAO_EXTRACT = False
NIANBAO_REDIS_URL = None
NIANBAO_REDIS_PREFIX = "nianbao"
NIANBAO_REDIS_POLL = 0.25  # seconds between polls of an empty shared queue
NIANBAO_WORKER_HEARTBEAT = 30  # seconds a worker's lease outlives its last heartbeat
NIANBAO_WORKER_IDLE_TIMEOUT = 300  # seconds without progress anywhere before an idle worker gives up
