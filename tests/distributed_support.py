"""Test and benchmark hooks for the distributed crawl (kept out of the product): a throwaway redis-server, and a
downloader middleware that stalls chosen requests so a test can kill a worker while it holds their lease."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from crawler.distributed import connect
from crawler.distributed.settings import DOWNLOADER_MIDDLEWARES as _WORKER_MIDDLEWARES

# A worker settings module with the stall middleware (python -m crawler.process --settings distributed_support)
from crawler.distributed.settings import *  # noqa: E402,F401,F403

DOWNLOADER_MIDDLEWARES = {**_WORKER_MIDDLEWARES, "distributed_support.StallMiddleware": 990}
SETTINGS_MODULE = "distributed_support"
TESTS_DIR = Path(__file__).resolve().parent


def start_local_redis(workdir: str | Path, port: int = 0, timeout: float = 10.0):
    """Start `redis-server` on 127.0.0.1 without persistence, in workdir. Returns (Popen, url).
    Raises FileNotFoundError when redis-server is not installed."""
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


class StallMiddleware:
    """NIANBAO_TEST_STALL_URL: requests whose URL contains this text never leave the worker."""

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
