"""The spider's own process: `python -m crawler.process [--settings MODULE] [-a NAME=VALUE …] [-s NAME=VALUE …]`.

Every crawl runs the spider in a child process (crawler.run, crawler.distributed): each gets a fresh Twisted
reactor, and a SIGKILL takes down only the crawl. Settings come from a module — crawler.settings, or
crawler.distributed.settings for a worker of a distributed crawl — plus -s overrides, never from a scrapy.cfg
found in the current directory, so the installed package behaves the same from anywhere.
"""
from __future__ import annotations

import argparse
import sys

DEFAULT_SETTINGS = "crawler.settings"


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    out = {}
    for pair in values:
        if "=" not in pair:
            raise SystemExit(f"crawler.process: {flag} expects NAME=VALUE, got {pair!r}")
        name, value = pair.split("=", 1)
        out[name.strip()] = value
    return out


def command(*, settings_module: str = DEFAULT_SETTINGS, spider_args: dict | None = None,
            settings: dict | None = None) -> list[str]:
    """The command line that runs the spider in a child process with this interpreter."""
    cmd = [sys.executable, "-m", "crawler.process", "--settings", settings_module]
    for name, value in (spider_args or {}).items():
        cmd += ["-a", f"{name}={value}"]
    for name, value in (settings or {}).items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def main(argv: list[str] | None = None) -> int:
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.spiders.portals import PortalsSpider

    ap = argparse.ArgumentParser(prog="crawler.process")
    ap.add_argument("--settings", default=DEFAULT_SETTINGS, help="settings module")
    ap.add_argument("-a", dest="spider_args", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("-s", dest="settings_overrides", action="append", default=[], metavar="NAME=VALUE")
    args = ap.parse_args(argv)
    settings = Settings()
    settings.setmodule(args.settings, priority="project")
    settings.update(_pairs(args.settings_overrides, "-s"), priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl(PortalsSpider, **_pairs(args.spider_args, "-a"))
    process.start()
    return 1 if process.bootstrap_failed else 0


if __name__ == "__main__":
    sys.exit(main())
