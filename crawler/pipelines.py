"""The one writer: every item the spider yields is written here, in the Scrapy process.

    document      -> Archive.add_document (blob + documents row) and a WARC response record
    report_item   -> report_items upsert
    portal_status -> portal_status row, progress line on stderr
    error         -> errors row (stage crawl)

When the spider closes, the extractor runs on report documents that have no extraction yet (extract_pending):
that is what makes a SIGKILL harmless — a restart finds the same work undone and does it, and finds everything
already stored (conditional GETs answer 304, blobs are content-addressed, rows are keyed) and does not redo it.
"""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

from crawler import discovery
from crawler.adapters import for_platform
from crawler.discovery import Page
from crawler.middlewares import store_for
from crawler.store import Store

KEEP_HEADERS = ("content-type", "content-disposition", "etag", "last-modified", "content-length", "server",
                "location", "cache-control", "date")


def sniff_kind(data: bytes, filename: str | None) -> str:
    from extract.formats import ole2_kind, sniff

    kind = sniff(data)
    return ole2_kind(data, {"filename": filename or ""}) if kind == "ole2" else kind


class WarcLog:
    """Appends WARC response records to <archive dir>/warc/<date>-<run>.warc.gz (one gzip member per record,
    flushed each time, so a killed crawl leaves every completed record readable)."""

    def __init__(self, archive_dir: Path, run_label: str):
        self.path = archive_dir / "warc" / f"{datetime.now(timezone.utc):%Y%m%d}-{run_label}.warc.gz"
        self._fh = None
        self._writer = None

    def write(self, url: str, status: int, headers: dict[str, str], body: bytes, extra: dict[str, str]) -> None:
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
        self._writer.write_record(record)
        self._fh.flush()

    def close(self) -> None:
        if self._fh:
            self._fh.close()


class ArchivePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.store: Store | None = None
        self.counts = {"new_documents": 0, "not_modified": 0, "reports_found": 0, "errors": 0, "portals": 0}
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.spider = spider
        self.store = store_for(self.crawler)
        if spider.portals_csv:
            from crawler import registry
            registry.import_csv(self.store, spider.portals_csv)
        if spider.run_id is None:
            spider.run_id = self.store.start_run({"adcodes": spider.adcodes, "portals": spider.portals_csv})
        self.run_id = spider.run_id
        self.warc = WarcLog(self.store.db_path.parent, f"run{self.run_id}")

    # -- items ------------------------------------------------------------------------------------------------
    def process_item(self, item, spider=None):
        kind = item.get("kind")
        if kind == "document":
            self.document(item)
        elif kind == "report_item":
            self.report_item(item)
        elif kind == "portal_status":
            self.portal_status(item)
        elif kind == "error":
            self.counts["errors"] += 1
            self.store.record_error(item.get("url") or "", item.get("error") or "error", item.get("message") or "",
                                    stage=item.get("stage") or "crawl")
        return {k: v for k, v in item.items() if k != "body"}

    def document(self, item: dict) -> None:
        if item["not_modified"]:
            self.counts["not_modified"] += 1
            return
        body: bytes = item["body"]
        headers = {k: v for k, v in item["headers"].items() if k.lower() in KEEP_HEADERS}
        lower = {k.lower(): v for k, v in headers.items()}
        filename = discovery.filename_from_disposition(item["headers"].get("Content-Disposition", "").encode(
            "latin-1", "replace") or None) or discovery.filename_from_url(item["final_url"]) or \
            discovery.filename_from_url(item["url"])
        if not filename and item.get("link_text") and discovery._FILE_EXT.search(item["link_text"] or ""):
            filename = item["link_text"]
        kind = sniff_kind(body, filename)
        previous = self.store.last_document(item["key"])
        parent = self.store.last_document(item["parent_key"]) if item.get("parent_key") else None
        doc = self.store.add_document(
            body, url=item["key"], final_url=item["final_url"], http_status=item["status"], headers=headers,
            etag=lower.get("etag"), last_modified=lower.get("last-modified"), fetched_at=item["fetched_at"],
            role=item["role"], portal_adcode=item["adcode"], parent_id=parent["id"] if parent else None,
            content_type=kind, declared_type=lower.get("content-type"), filename=filename)
        if previous is None or previous["sha256"] != doc.sha256:
            self.counts["new_documents"] += 1
            self.warc.write(item["final_url"], item["status"], headers, body,
                            {"WARC-Nianbao-Document-Id": str(doc.id), "WARC-Nianbao-Role": item["role"],
                             "WARC-Nianbao-Adcode": item["adcode"]})

    def report_item(self, item: dict) -> None:
        row = {k: item[k] for k in ("adcode", "url", "title", "year", "unit_kind", "unit_name", "list_url",
                                    "published", "platform") if k in item}
        for k in ("doc_url", "attachment_urls"):
            if k in item:
                row[k] = item[k]
        if "doc_url" not in item:
            self.counts["reports_found"] += 1
        self.store.upsert_report_item(row)

    def portal_status(self, item: dict) -> None:
        self.store.set_portal_status(self.run_id, item["adcode"], item["status"], item["detail"],
                                     item["reports_found"], item["pages_fetched"])
        self.counts["portals"] += 1
        total = len(getattr(self.spider, "states", {})) or "?"
        print(f"[{self.counts['portals']}/{total} portals] {item['adcode']} {item['status']:<11} "
              f"reports={item['reports_found']} pages={item['pages_fetched']} "
              f"(all: reports={self.counts['reports_found']} new_docs={self.counts['new_documents']} "
              f"errors={self.counts['errors']})", file=sys.stderr, flush=True)

    # -- end ----------------------------------------------------------------------------------------------------
    def close_spider(self, spider=None):
        spider = spider or self.spider
        for st in list(getattr(spider, "states", {}).values()):
            if not st.done:  # page cap reached or requests dropped: settle with what is known
                self.portal_status(spider.finish(st))
        self.warc.close()
        adcodes = list(getattr(spider, "states", {}).keys())
        if self.crawler.settings.getbool("NIANBAO_EXTRACT", True):
            summary = extract_pending(self.store, adcodes)
            self.counts["errors"] += summary["errors"]
            print(f"extraction: {summary['extracted']} documents extracted, {summary['skipped']} unchanged, "
                  f"{summary['errors']} errors", file=sys.stderr, flush=True)
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        keep = {k: v for k, v in stats.items() if k.startswith(("downloader/", "nianbao/", "retry/", "robotstxt/"))
                or k in ("response_received_count", "elapsed_time_seconds", "memusage/max")}
        keep["not_modified_documents"] = self.counts["not_modified"]
        self.store.finish_run(self.run_id, stats=json.dumps(keep, default=str, ensure_ascii=False),
                              portals=self.counts["portals"],
                              reports_found=self.counts["reports_found"],
                              new_documents=self.counts["new_documents"], errors=self.counts["errors"])


# -- extraction of report documents ---------------------------------------------------------------------------------
def _report_exists(store: Store, report_id: str) -> dict | None:
    row = store.db.execute("SELECT id, n_cells FROM reports WHERE id = ?", [report_id]).fetchone()
    return {"id": row[0], "n_cells": row[1]} if row else None


def _extract(store: Store, doc: dict, data: bytes, url: str, row: dict, extra_hints: dict):
    from extract.pipeline import extract_bytes

    hints = {"url": url, "content_type": doc.get("content_type"), "filename": doc.get("filename"),
             "title": row.get("title"), "region_code": row.get("adcode"), "agency_kind": row.get("unit_kind"),
             **extra_hints}
    return extract_bytes(data, source=url, hints=hints)


def _has_open_error(store: Store, doc_id: int) -> bool:
    return store.db.execute("SELECT 1 FROM errors WHERE document_id = ? AND stage = 'extract' AND resolved_at IS NULL "
                            "LIMIT 1", [doc_id]).fetchone() is not None


def extract_pending(store: Store, adcodes: list[str] | None = None) -> dict:
    """Extract every report document (and, when its page has no tables, its attachments) not extracted yet.
    Idempotent: report ids derive from the bytes, so unchanged documents are skipped."""
    from nianbao.archive import Archive, StoredDocument

    summary = {"extracted": 0, "skipped": 0, "errors": 0}
    where, params = ("adcode IN (%s)" % ",".join("?" * len(adcodes)), adcodes) if adcodes else ("1", [])
    rows = list(store.db.execute(f"SELECT * FROM report_items WHERE {where} ORDER BY adcode, url", params))
    cols = [d[0] for d in store.db.execute("SELECT * FROM report_items LIMIT 0").description]
    for values in rows:
        row = dict(zip(cols, values))
        doc = store.last_document(row.get("doc_url") or row["url"])
        if doc is None:
            continue  # the page was never fetched (404, wall): nothing to extract
        attachments = [(u, d) for u in json.loads(row.get("attachment_urls") or "[]")
                       if (d := store.last_document(u)) is not None]
        page_doc = StoredDocument(doc["id"], doc["sha256"])
        att_docs = [(StoredDocument(d["id"], d["sha256"]), "attachment") for _, d in attachments]
        page_report_id = Archive.report_id_for([doc["sha256"]] + [d["sha256"] for _, d in attachments])
        chosen = None
        try:
            existing = _report_exists(store, page_report_id)
            if existing is None and not _has_open_error(store, doc["id"]):
                data = store.blobs.get(doc["sha256"])
                page = Page(row["url"], data, data.decode("utf-8", "replace") if doc.get("content_type") in (
                    "text", "html") else "")
                content, extra = for_platform(row.get("platform")).report_content(page)
                result = _extract(store, doc, content, row["url"], row, extra)
                store.write_extraction(result, page_doc, url=row["url"], attachments=att_docs)
                summary["extracted"] += 1
                summary["errors"] += len(result.errors)
                existing = _report_exists(store, page_report_id)
            else:
                summary["skipped"] += 1
            if existing and existing["n_cells"]:
                chosen = page_report_id
            elif existing:
                chosen = page_report_id
                for url, d in attachments:
                    att_id = Archive.report_id_for([d["sha256"]])
                    att = _report_exists(store, att_id)
                    if att is None and not _has_open_error(store, d["id"]):
                        result = _extract(store, d, store.blobs.get(d["sha256"]), url, row, {})
                        store.write_extraction(result, StoredDocument(d["id"], d["sha256"]), url=url)
                        summary["extracted"] += 1
                        summary["errors"] += len(result.errors)
                        att = _report_exists(store, att_id)
                    if att and att["n_cells"] and chosen == page_report_id:
                        chosen = att_id
        except Exception as exc:  # one report never stops the batch
            summary["errors"] += 1
            store.record_error(row["url"], type(exc).__name__, str(exc)[:1000], stage="extract",
                               document_id=doc["id"])
        if chosen and row.get("report_id") != chosen:
            store.db.execute("UPDATE report_items SET report_id = ? WHERE adcode = ? AND url = ?",
                             [chosen, row["adcode"], row["url"]])
    return summary
