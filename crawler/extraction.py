"""Extracting what the archive holds: the one step used by the crawl (after its spider closes), the distributed
ingester and `nianbao reextract`, and the entry point of `nianbao extract` for files and URLs.

A *source* is one report as published: its page and its attachments (documents already in the archive), the
hints the crawl knows about it (list title, unit kind, list date, the portal's county) and the platform that
served it. Extracting a source:

    stored bytes --platform content step (e.g. Epoint's JSON detail -> HTML)--> extract.sandbox.extract_isolated
        (extract.pipeline.extract_report in a worker process with hard memory and time limits)
        --> archive.write_extraction (one transaction) --> report_items.report_id, report_versions

The same source always gives the same result, whoever runs it: that is what makes `nianbao reextract` after a
crawl leave every cell as the crawl wrote it, and what makes a killed crawl harmless (a restart finds the work
undone and does it; what is done is skipped by its report id).
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from email.message import Message

from crawler.adapters import for_platform
from crawler.discovery import Page
from crawler.fetch import FetchError, fetch
from extract.formats import kind_of
from extract.inputs import InputError, hints_for_path, printable, read_path
from extract.model import ExtractionResult
from extract.sandbox import extract_bytes_isolated, extract_isolated  # untrusted bytes: in a limited worker
from storage import Archive, Sighting, StoredDocument, content_id_for


@dataclass
class Source:
    label: str  # what progress lines and errors name: the report URL, or the path / URL given
    key: str  # where the report was found (report_sources.source): the list's report URL, or the input
    documents: list[dict]  # documents rows: the page first, then attachments
    hints: dict  # what is known besides the bytes (see document_hints, item_hints)
    url: str | None = None  # the report's URL (NULL for local files)
    platform: str | None = None  # adapter whose content step applies to the page
    item: dict | None = None  # the report_items row, when the crawl found it
    seen_at: str | None = None  # when the place last confirmed these bytes
    first_seen: str | None = None  # when it first served them
    status: str = "serving"  # a replay keeps what the log recorded (serving / replaced / gone)
    extra: dict = field(default_factory=dict)

    @property
    def content_id(self) -> str:
        return content_id_for([d["sha256"] for d in self.documents])

    @property
    def order(self) -> tuple:
        """Sightings are recorded in the order they happened, so a crawl and a replay decide alike."""
        return (self.first_seen or "", self.key, self.content_id)


@dataclass
class Summary:
    extracted: int = 0
    skipped: int = 0
    errors: int = 0
    missing_originals: int = 0
    results: list = field(default_factory=list)  # (source, result, report_id) when collect=True

    def as_dict(self) -> dict:
        return {"extracted": self.extracted, "skipped": self.skipped, "errors": self.errors,
                "missing_originals": self.missing_originals}


# -- hints -------------------------------------------------------------------------------------------------------
def charset_of(content_type: str | None) -> str | None:
    """The charset a Content-Type declares; None when it declares none or garbles it (a hint only: the bytes are
    sniffed and decoded on their own anyway)."""
    if not content_type:
        return None
    msg = Message()
    msg["content-type"] = content_type
    try:
        return msg.get_content_charset()
    except Exception:  # noqa: BLE001 - a malformed parameter is no reason to lose the document
        return None


def document_hints(archive: Archive, doc: dict) -> dict:
    """What a stored document itself tells the extractor besides its bytes: its name, where it came from, the
    charset its server declared, and the county of the portal it came from (a region hint, weighed)."""
    region = doc.get("portal_adcode")
    if region is None and doc.get("url"):
        region = archive.registry.adcode_for_url(doc["url"])
    hints = {"filename": doc.get("filename"), "url": doc.get("url"), "path": doc.get("path"),
             "content_type": doc.get("declared_type"), "charset": charset_of(doc.get("declared_type")),
             "region_code": region}
    return {k: v for k, v in hints.items() if v is not None}


def item_hints(doc: dict, item: dict) -> dict:
    """What the crawl knows about a report document from the list that linked it."""
    hints = {"url": doc.get("url"), "content_type": doc.get("content_type"), "filename": doc.get("filename"),
             "title": item.get("title"), "region_code": item.get("adcode"), "agency_kind": item.get("unit_kind"),
             "published_date": item.get("published")}
    return {k: v for k, v in hints.items() if v is not None}


# -- sources -------------------------------------------------------------------------------------------------------
def item_source(archive: Archive, item: dict, documents: list[dict] | None = None) -> Source | None:
    """The source of a report link the crawl found (its page and attachments as fetched last, or the documents
    given); None when its page was never fetched (404, wall, cap)."""
    if documents is None:
        page = archive.last_document(item.get("doc_url") or item["url"])
        if page is None:
            return None
        documents = [page] + [d for u in json.loads(item.get("attachment_urls") or "[]")
                              if (d := archive.last_document(u)) is not None]
    page = documents[0]
    return Source(item["url"], item["url"], documents, item_hints(page, item), item["url"], item.get("platform"),
                  item, page.get("fetched_at") or item.get("last_seen"),
                  max(d.get("added_at") or "" for d in documents) or None)


def document_source(archive: Archive, docs: list[dict]) -> Source:
    page = docs[0]
    key = page.get("url") or page.get("path") or page["sha256"]
    return Source(key, key, docs, document_hints(archive, page), page.get("url"),
                  seen_at=page.get("fetched_at") or page.get("added_at"),
                  first_seen=max(d.get("added_at") or "" for d in docs) or None)


def sighting_source(archive: Archive, row: dict) -> Source | None:
    """A recorded sighting as a source again (a replay): its documents, and the crawl's hints when a list linked
    it. None when its documents are no longer in the archive."""
    docs = archive.documents_by_id(json.loads(row["documents"] or "[]"))
    if not docs:
        return None
    item = archive.crawl.report_item_at(row["source"])
    source = item_source(archive, item, docs) if item else document_source(archive, docs)
    source.key = row["source"]
    source.seen_at, source.first_seen, source.status = row["last_seen"], row["first_seen"], row["status"]
    source.extra = {"gone_at": row["gone_at"], "http_status": row["http_status"]}
    return source


def crawl_sources(archive: Archive, adcodes: list[str] | None = None) -> list[Source]:
    found = [s for item in archive.crawl.report_items(adcodes) if (s := item_source(archive, item)) is not None]
    return sorted(found, key=lambda s: s.order)


# -- extraction ----------------------------------------------------------------------------------------------------
def extract_source(archive: Archive, source: Source):
    """Extract one source and record it; returns (result, report_id)."""
    page = source.documents[0]
    data = archive.original(page)
    text = data.decode("utf-8", "replace") if page.get("content_type") in ("text", "html") else ""
    content, extra = for_platform(source.platform).report_content(Page(source.label, data, text))
    parts = [(content, source.label, {**source.hints, **extra})]
    for doc in source.documents[1:]:
        hints = item_hints(doc, source.item) if source.item else document_hints(archive, doc)
        parts.append((archive.original(doc), doc.get("url") or doc.get("path") or doc["sha256"], hints))
    result, index = extract_isolated(parts)
    sighting = Sighting(source.key, [StoredDocument(d["id"], d["sha256"]) for d in source.documents], index,
                        seen_at=source.seen_at, first_seen=source.first_seen,
                        adcode=source.item.get("adcode") if source.item else source.documents[0].get("portal_adcode"),
                        url=source.url, status=source.status, extra=source.extra)
    report_id = archive.write_extraction(result, sighting)
    link_item(archive, source, report_id)
    return result, report_id


def link_item(archive: Archive, source: Source, report_id: str | None) -> None:
    """The crawl's report link points at the report it turned out to be."""
    if source.item is not None and report_id and source.item.get("report_id") != report_id:
        archive.crawl.link_report(source.item["adcode"], source.item["url"], report_id)


def extract_sources(archive: Archive, sources: list[Source], *, force: bool = False, collect: bool = False,
                    progress=None) -> Summary:
    """Extract each source (what was recorded before is only confirmed, unless force); one failure never stops
    the batch: it is recorded in `errors` with the source it came from."""
    summary = Summary()
    total = len(sources)
    for n, source in enumerate(sources, start=1):
        page = source.documents[0]
        missing = [d for d in source.documents if not archive.blobs.has(d["sha256"])]
        if missing:
            message = f"{source.label}: the kept original {missing[0]['sha256']} is not in blobs/"
            archive.record_error(source.label, "original_missing", message, stage="reextract",
                                 document_id=missing[0]["id"])
            summary.missing_originals += 1
            summary.errors += 1
            _failed(progress, n, total, source.label, "original_missing", message)
            continue
        known = None if force else archive.sighting(source.key, source.content_id)
        if known is not None and known["role"] is not None:
            summary.skipped += 1
            report_id = archive.touch(source.key, source.content_id, source.seen_at or known["last_seen"])
            link_item(archive, source, report_id)
            if progress:
                progress(n, total, source.label, None)
            continue
        if hasattr(progress, "begin"):
            progress.begin(n, total, source.label)
        try:
            result, report_id = extract_source(archive, source)
        except Exception as exc:  # one report never stops the batch
            summary.errors += 1
            message = f"{source.label}: {exc}"[:1000]
            archive.record_error(source.label, type(exc).__name__, message, stage="extract", document_id=page["id"])
            _failed(progress, n, total, source.label, type(exc).__name__, message)
            continue
        summary.extracted += 1
        summary.errors += bool(result.errors)
        if collect:
            summary.results.append((source, result, report_id))
        if progress:
            progress(n, total, source.label, result)
    if hasattr(progress, "close"):
        progress.close()
    return summary


def _failed(progress, n: int, total: int, label: str, kind: str, message: str) -> None:
    if progress:
        progress(n, total, label, ExtractionResult(source=label, errors=[{"kind": kind, "message": message}]))


def extract_pending(archive: Archive, adcodes: list[str] | None = None, progress=None) -> dict:
    """The crawl's extraction step: every report link of these portals whose bytes were not recorded yet."""
    return extract_sources(archive, crawl_sources(archive, adcodes), progress=progress).as_dict()


def reextract(archive: Archive, *, errors_only: bool = False, progress=None, collect: bool = False) -> Summary:
    """Extract the kept originals again. Everything derived from the sightings (reports, versions, cells, …) is
    rebuilt by replaying every sighting in the order it happened — so an improved extractor also re-decides which
    report each document is; only the sightings that could not be read, with errors_only."""
    rows = archive.sightings(unread_only=errors_only)
    if not errors_only:
        archive.clear_derived()
    sources = [s for row in rows if (s := sighting_source(archive, row)) is not None]
    summary = extract_sources(archive, sources, force=True, progress=progress, collect=collect)
    if not errors_only:
        archive.replayed()
    return summary


def result_line(label: str, result) -> str:
    """What became of one input: its errors (each naming the input and the reason), or what was read."""
    if result.errors:
        said = [e.get("message") or e["kind"] for e in result.errors]
        said = [m if m.startswith(label) else f"{label}: {m}" for m in said]
        return "error: " + "; ".join(f"{m} ({e['kind']})" for m, e in zip(said, result.errors))
    failed = sum(1 for c in result.checks if c.status == "fail")
    return f"{label}: {result.template}, {len(result.cells)} cells, {failed} failed checks, {len(result.flags)} flags"


class Progress:
    """Progress of a batch of extractions on stderr. On a terminal: one tqdm bar naming the input being read, its
    elapsed time kept moving while a slow input (OCR: tens of seconds) is worked on. Not on a terminal (cron,
    pipes, logs): quiet, except for errors. Errors are always printed, one line each, naming the input and the
    reason. Called as progress(n, total, label, result) after each input; begin(n, total, label) before."""

    def __init__(self, desc: str = "extracting", unit: str = "doc", stream=None, force: bool | None = None):
        self.stream = stream or sys.stderr
        self.tty = force if force is not None else bool(getattr(self.stream, "isatty", lambda: False)())
        self.desc, self.unit = desc, unit
        self.bar = None
        self._ticker = None

    def _open(self, total: int):
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=self.desc, unit=self.unit, file=self.stream, dynamic_ncols=True,
                        mininterval=0.5, leave=True)
        self._ticker = _Ticker(self.bar)

    def begin(self, n: int, total: int, label: str) -> None:
        if not self.tty:
            return
        if self.bar is None:
            self._open(total)
        self.bar.set_postfix_str(label[-60:], refresh=True)

    def __call__(self, n: int, total: int, label: str, result) -> None:
        """result None: the input was already recorded (skipped)."""
        if result is not None and result.errors:
            self.write(f"[{n}/{total}] " + result_line(label, result))
        if self.tty:
            if self.bar is None:
                self._open(total)
            self.bar.update(1)
            if n >= total:
                self.close()

    def write(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self._ticker:
            self._ticker.stop()
            self._ticker = None
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class _Ticker:
    """Refreshes a bar every second from a daemon thread, so its elapsed time moves during one long step."""

    def __init__(self, bar, every: float = 1.0):
        import threading

        self.bar, self.every = bar, every
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopped.wait(self.every):
            try:
                self.bar.refresh()
            except Exception:  # noqa: BLE001 - a closed bar: stop quietly
                return

    def stop(self):
        self.stopped.set()
        self.thread.join(timeout=2)


def progress_line(n: int, total: int, label: str, result) -> None:
    """One line per input (for callers that want a log line for every input, terminal or not)."""
    if result is not None:
        print(f"[{n}/{total}] " + result_line(label, result), file=sys.stderr, flush=True)


# -- inputs given on the command line ----------------------------------------------------------------------------
MAX_INPUT_BYTES = 100 * 1024 * 1024


def read_input(item: str, *, allow_private: bool = False) -> tuple[bytes, dict]:
    """Bytes and what is known of them (filename, declared type, url or path) of a path or an http(s) URL. Raises
    crawler.fetch.FetchError or extract.inputs.InputError, both with a stable .kind and a message naming the input."""
    if item.startswith(("http://", "https://")):
        data, info = fetch(item, allow_private=allow_private, max_bytes=MAX_INPUT_BYTES)
        return data, {"url": item, "content_type": info.content_type, "filename": info.filename}
    return read_path(item, MAX_INPUT_BYTES), hints_for_path(item)


def store_input(archive: Archive, data: bytes, info: dict) -> dict:
    """Keep an input's bytes as a document (role report) and return its documents row."""
    doc = archive.add_document(data, url=info.get("url"), path=info.get("path"),
                               content_type=kind_of(data, info.get("filename")),
                               declared_type=info.get("content_type"), filename=info.get("filename"), role="report")
    return archive.document(doc.id)


def extract_inputs(archive: Archive | None, inputs: list[str], *, allow_private: bool = False, on_result=None,
                   progress=None) -> int:
    """`nianbao extract`: read each input (file or URL), keep its bytes, extract it and write it, through the same
    source path as a crawl. archive None: a dry run. on_result(result, report_id) for each input, in order.
    Returns how many inputs had errors; a bad input never stops the batch."""
    failed = 0
    progress = progress if progress is not None else Progress()
    try:
        failed = _extract_each(archive, inputs, allow_private, on_result, progress)
    finally:
        if hasattr(progress, "close"):
            progress.close()
    return failed


def _extract_each(archive, inputs, allow_private, on_result, progress) -> int:
    failed = 0
    for n, arg in enumerate(inputs, start=1):
        report_id, item = None, printable(arg)  # a file name that is not UTF-8 is shown and stored escaped
        if hasattr(progress, "begin"):
            progress.begin(n, len(inputs), item)
        try:
            data, info = read_input(arg, allow_private=allow_private)
        except (FetchError, InputError) as exc:
            message = printable(exc.message)
            result = ExtractionResult(source=item, errors=[{"kind": exc.kind, "message": message}])
            if archive is not None:
                archive.record_error(item, exc.kind, message, stage="read")
        else:
            if archive is None:
                hints = {**info, "charset": charset_of(info.get("content_type"))}
                result = extract_bytes_isolated(data, item, {k: v for k, v in hints.items() if v})
            else:
                source = document_source(archive, [store_input(archive, data, info)])
                source.label, source.seen_at = item, None  # seen now
                result, report_id = extract_source(archive, source)
        failed += bool(result.errors)
        if on_result:
            on_result(result, report_id)
        if progress:
            progress(n, len(inputs), item, result)
    return failed
