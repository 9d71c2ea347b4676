"""The one writer: every item the spider yields (crawler.items) is written here.

    Document      -> Archive.add_document (blob + documents row) and a WARC response record
    ReportLink    -> report_items upsert
    Gone          -> the place marked gone (storage.versions)
    PortalOutcome -> portal_status row, progress line on stderr
    CrawlError    -> errors row

ArchiveWriter holds that logic; ArchivePipeline feeds it in a one-process crawl, the distributed ingester
(crawler.distributed) feeds it items popped from Redis.

When the spider closes, the extractor runs on report documents that have no extraction yet
(crawler.extraction.extract_pending): that is what makes a SIGKILL harmless — a restart finds the same work undone
and does it, and finds everything already stored (conditional GETs answer 304, blobs are content-addressed, rows
are keyed) and does not redo it.
"""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

from crawler import discovery
from crawler.extraction import Progress, extract_pending
from crawler.items import CrawlError, Document, Gone, Item, PortalOutcome, ReportLink
from crawler.middlewares import archive_for
from extract.formats import kind_of
from storage import Archive

KEEP_HEADERS = ("content-type", "content-disposition", "etag", "last-modified", "content-length", "server",
                "location", "cache-control", "date")


class WarcLog:
    """Appends WARC response records to <archive dir>/warc/<date>-<run>.warc.gz (one gzip member per record,
    flushed each time, so a killed crawl leaves every completed record readable)."""

    def __init__(self, archive_dir: Path, run_label: str):
        self.path = archive_dir / "warc" / f"{datetime.now(timezone.utc):%Y%m%d}-{run_label}.warc.gz"
        self._fh = None
        self._writer = None

    def write(self, url: str, status: int, headers: dict[str, str], body: bytes,
              extra: dict[str, str]) -> tuple[str, int, int]:
        """Append one response record; returns (file name in warc/, offset, length) of its gzip member."""
        from warcio.statusandheaders import StatusAndHeaders
        from warcio.warcwriter import WARCWriter

        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "ab")
            self._writer = WARCWriter(self._fh, gzip=True)
        # Bodies arrive decoded (gzip/chunked undone by Scrapy): describe them as they are stored.
        hdrs = [(k, v) for k, v in headers.items() if k.lower() not in ("content-encoding", "transfer-encoding",
                                                                        "content-length")]
        hdrs.append(("Content-Length", str(len(body))))
        http = StatusAndHeaders(f"{status} OK" if status == 200 else str(status), hdrs, protocol="HTTP/1.1")
        record = self._writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http,
                                                 warc_headers_dict=extra)
        start = self._fh.tell()
        self._writer.write_record(record)
        self._fh.flush()
        return self.path.name, start, self._fh.tell() - start

    def close(self) -> None:
        if self._fh:
            self._fh.close()


class ArchiveWriter:
    """Writes crawl items into the archive: the one place for the write logic, used by ArchivePipeline (items from
    the spider in this process) and by the distributed ingester (items popped from Redis, crawler.distributed)."""

    def __init__(self, archive: Archive, run_id: int, total_portals=None):
        self.archive = archive
        self.run_id = run_id
        self.total_portals = total_portals  # callable or int, for the progress line only
        self.warc = WarcLog(archive.db_path.parent, f"run{run_id}")
        self.counts = {"new_documents": 0, "not_modified": 0, "reports_found": 0, "errors": 0, "portals": 0}

    def write(self, item: Item) -> None:
        match item:
            case Document():
                self.document(item)
            case ReportLink():
                self.report_item(item)
            case PortalOutcome():
                self.portal_status(item)
            case Gone():
                self.archive.versions.mark_gone(item.url, item.seen_at, item.http_status)
            case CrawlError():
                self.counts["errors"] += 1
                self.archive.record_error(item.url or "", item.error or "error", item.message or "",
                                          stage=item.stage or "crawl")
            case _:
                raise TypeError(f"not a crawl item: {type(item).__name__}")

    def document(self, item: Document) -> None:
        if item.not_modified:
            self.counts["not_modified"] += 1
            previous = self.archive.last_document(item.key)
            if previous:  # fetched_at = the last time the server confirmed these bytes (304 included)
                self.archive.touch_document(previous["id"], item.fetched_at)
            return
        body = item.body
        headers = {k: v for k, v in item.headers.items() if k.lower() in KEEP_HEADERS}
        lower = {k.lower(): v for k, v in headers.items()}
        filename = discovery.filename_from_disposition(item.headers.get("Content-Disposition", "").encode(
            "latin-1", "replace") or None) or discovery.filename_from_url(item.final_url) or \
            discovery.filename_from_url(item.url)
        if not filename and item.link_text and discovery._FILE_EXT.search(item.link_text):
            filename = item.link_text
        kind = kind_of(body, filename)
        previous = self.archive.last_document(item.key)
        parent = self.archive.last_document(item.parent_key) if item.parent_key else None
        doc = self.archive.add_document(
            body, url=item.key, final_url=item.final_url, http_status=item.status, headers=headers,
            etag=lower.get("etag"), last_modified=lower.get("last-modified"), fetched_at=item.fetched_at,
            role=item.role, portal_adcode=item.adcode, parent_id=parent["id"] if parent else None,
            content_type=kind, declared_type=lower.get("content-type"), filename=filename)
        if previous is None or previous["sha256"] != doc.sha256:
            self.counts["new_documents"] += 1
            where = self.warc.write(item.final_url, item.status, headers, body,
                                    {"WARC-Nianbao-Document-Id": str(doc.id), "WARC-Nianbao-Role": item.role,
                                     "WARC-Nianbao-Adcode": item.adcode})
            self.archive.set_warc_record(doc.id, *where)

    def report_item(self, item: ReportLink) -> None:
        if not item.fetched:
            self.counts["reports_found"] += 1  # found on a list (its page, when fetched, updates the same row)
        self.archive.crawl.upsert_report_item(item.row())

    def portal_status(self, item: PortalOutcome) -> None:
        self.archive.crawl.set_portal_status(self.run_id, item.adcode, item.status, item.detail,
                                             item.reports_found, item.pages_fetched)
        self.counts["portals"] += 1
        if not sys.stderr.isatty():  # progress is for a person watching; the run's summary says the rest
            return
        total = self.total_portals() if callable(self.total_portals) else self.total_portals
        print(f"[{self.counts['portals']}/{total or '?'} portals] {item.adcode} {item.status:<11} "
              f"reports={item.reports_found} pages={item.pages_fetched} "
              f"(all: reports={self.counts['reports_found']} new_docs={self.counts['new_documents']} "
              f"errors={self.counts['errors']})", file=sys.stderr, flush=True)

    def finish(self, adcodes: list[str], stats: dict, extract: bool = True) -> None:
        """End of the crawl: close the WARC, extract what is new, record the run's counts."""
        self.warc.close()
        if extract:
            summary = extract_pending(self.archive, adcodes, progress=Progress("extracting crawled reports"))
            self.counts["errors"] += summary["errors"]
            print(f"extraction: {summary['extracted']} documents extracted, {summary['skipped']} unchanged, "
                  f"{summary['errors']} errors", file=sys.stderr, flush=True)
        stats = dict(stats)
        stats["not_modified_documents"] = self.counts["not_modified"]
        self.archive.crawl.finish_run(self.run_id, stats=json.dumps(stats, default=str, ensure_ascii=False),
                              portals=self.counts["portals"],
                              reports_found=self.counts["reports_found"],
                              new_documents=self.counts["new_documents"], errors=self.counts["errors"])


def scrapy_stats(crawler) -> dict:
    """The Scrapy stats worth keeping in crawl_runs.stats."""
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return {k: v for k, v in stats.items() if k.startswith(("downloader/", "nianbao/", "retry/", "robotstxt/"))
            or k in ("response_received_count", "elapsed_time_seconds", "memusage/max")}


class ArchivePipeline:
    """Single-process crawl: the spider's items go straight to the ArchiveWriter."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.archive: Archive | None = None
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.spider = spider
        self.archive = archive_for(self.crawler)
        if spider.portals_csv:
            self.archive.registry.import_csv(spider.portals_csv)
        if spider.run_id is None:
            spider.run_id = self.archive.crawl.start_run({"adcodes": spider.adcodes, "portals": spider.portals_csv})
        self.run_id = spider.run_id
        self.writer = ArchiveWriter(self.archive, self.run_id,
                                    total_portals=lambda: len(getattr(self.spider, "states", {})))

    @property
    def counts(self) -> dict:
        return self.writer.counts

    def process_item(self, item, spider=None):
        self.writer.write(item)
        return item

    def close_spider(self, spider=None):
        spider = spider or self.spider
        for st in list(getattr(spider, "states", {}).values()):
            if not st.done:  # page cap reached or requests dropped: settle with what is known
                self.writer.portal_status(spider.finish(st))
        self.writer.finish(list(getattr(spider, "states", {}).keys()), scrapy_stats(self.crawler),
                           extract=self.crawler.settings.getbool("NIANBAO_EXTRACT", True))
