"""Scrapy settings for the nianbao crawler (scrapy.cfg: default = crawler.settings).

Polite by default: ≤ 2 concurrent requests per host (slots keyed by host, see HostSlotMiddleware), AutoThrottle,
robots.txt obeyed, retries with backoff for timeouts and 5xx, caps on body size, redirects and pages per portal.
Tests and the sample-portal demo lower the delays with -s (crawler.run.FAST_SETTINGS).
"""
BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "nianbao-archive/0.1 (+open archive of 政府信息公开工作年度报告; polite crawler)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50 %
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 45  # county portals answer slowly (20–45 s pages, spec §3 row 7)
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]  # never 412/521/468/418: those are walls
RETRY_BACKOFF_BASE = 2.0  # Scrapy ≥ 2.12 exponential backoff between retries
RETRY_BACKOFF_MAX = 60.0

DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
METAREFRESH_MAXDELAY = 30
DEPTH_LIMIT = 0  # depth is capped per stage by the spider (NIANBAO_MAX_NAV_DEPTH, NIANBAO_MAX_PAGES_PER_PORTAL)
COOKIES_ENABLED = False  # no cookie dances: walls are recorded, not solved
HTTPCACHE_ENABLED = False  # revalidation is done against the archive (ConditionalGetMiddleware)
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,  # scope is per portal (AddressGuard)
    "crawler.middlewares.AddressGuardMiddleware": 60,
    "crawler.middlewares.HostSlotMiddleware": 70,
    "crawler.middlewares.TrapBudgetMiddleware": 80,
    "crawler.middlewares.HostBackoffMiddleware": 560,  # below RetryMiddleware (550): sees 429/503 before a retry
    "crawler.middlewares.HostLimitMiddleware": 950,  # last before the download, first to see its answer
    "crawler.middlewares.ConditionalGetMiddleware": 800,  # below DownloaderStats (850): stats count the 304s
}
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
}
ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}

# nianbao
NIANBAO_DB = "archive.db"
NIANBAO_ALLOW_LOOPBACK = False
NIANBAO_MAX_PAGES_PER_PORTAL = 400
NIANBAO_MAX_NAV_DEPTH = 4
NIANBAO_MAX_REDIRECT_STUBS = 3
NIANBAO_MAX_ATTACHMENTS_PER_REPORT = 30
NIANBAO_MAX_PLATFORM_HOSTS = 3  # other hosts followed as a portal's 信息公开 platform
NIANBAO_TRAP_BUDGET = 50  # speculative requests that brought nothing new, per portal
NIANBAO_BACKOFF_MIN = 2.0  # s: a 429/503 without Retry-After at least doubles the host's delay, to this minimum
NIANBAO_BACKOFF_MAX = 300.0
NIANBAO_REVISIT = True  # revisit policy (crawler/revisit.py); False = revalidate every known report each run
NIANBAO_EXTRACT = True
