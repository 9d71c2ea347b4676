"""The archive's own files, served: an original's bytes, the WARC record of its fetch, the SQLite file.

    /original/<document id>          the archived bytes of a document, as a download with its content type
    /original/sha256/<64 hex>        the same, addressed by content (only bytes that are a document of the archive)
    /warc/<document id>              the WARC response record written when those bytes were fetched (.warc.gz)

Only what the routes' patterns allow reaches here (digits, or 64 lowercase hex): a path is always built from the
documents row, never from the request, so nothing outside blobs/ and warc/ can be named. Bytes are streamed
from disk, never read whole; every answer is an attachment with X-Content-Type-Options: nosniff and a sandboxing
CSP, so an archived HTML page or PDF never runs as a page of this site.
"""
from __future__ import annotations

import asyncio
import threading
import urllib.parse
from pathlib import Path

from nianbao.serve import site
from storage.serving.queries import DOCUMENT_SQL, DOCUMENT_BY_SHA_SQL

# What the sniffed kind of the bytes (documents.content_type) is served as.
MIME = {"text": "text/plain; charset=utf-8", "html": "text/html", "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "doc": "application/msword", "wps": "application/vnd.ms-works", "xls": "application/vnd.ms-excel",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "image": None}
SNIFF_BYTES = 64 * 1024
EXTENSION = {"text": ".txt", "html": ".html", "pdf": ".pdf", "docx": ".docx", "doc": ".doc", "wps": ".wps",
             "xls": ".xls", "xlsx": ".xlsx"}


def content_type_of(doc: dict) -> str:
    """The kind sniffed from the bytes decides (a .doc that is really HTML is served as HTML); the server's
    declared type only fills in what the kind leaves open (an image's format, an HTML page's charset)."""
    declared = (doc.get("declared_type") or "").split(",")[0].strip()
    kind = doc.get("content_type")
    mime = MIME.get(kind)
    if kind == "html" and "charset=" in declared.lower() and declared.lower().startswith("text/html"):
        return declared
    if mime:
        return mime
    if kind == "image" and declared.startswith("image/"):
        return declared
    return "application/octet-stream"


def filename_of(doc: dict) -> str:
    """The document's own file name when it has one, else the last part of its URL or path, else document-<id>;
    with the extension of what the bytes are."""
    name = doc.get("filename") or ""
    if not name:
        where = doc.get("url") or doc.get("path") or ""
        name = urllib.parse.unquote(urllib.parse.urlsplit(where).path.rsplit("/", 1)[-1]) if where else ""
    name = name.replace("/", "_").replace("\\", "_").strip() or f"document-{doc['id']}"
    ext = EXTENSION.get(doc.get("content_type") or "")
    if ext and not name.lower().endswith(ext):
        name += ext
    return name


async def original_response(datasette, doc: dict | None, what: str):
    if doc is None:
        return site.not_found(f"{what}: no such document in this archive")
    blobs = site.archive_dir(datasette, "blobs")
    sha = doc["sha256"]
    path = blobs / sha[:2] / sha[2:4] / sha if blobs else None
    if path is None or not path.is_file():
        return site.not_found(f"{what}: the original ({sha}) is not in this archive's blobs/ ({blobs})")
    if not doc.get("content_type"):  # stored without its kind (older archives): sniff the first bytes
        from extract.formats import kind_of

        with open(path, "rb") as fh:
            doc = {**doc, "content_type": kind_of(fh.read(SNIFF_BYTES), doc.get("filename"))}
    return site.StreamResponse(lambda: site.file_chunks(path), content_type=content_type_of(doc),
                               filename=filename_of(doc), length=path.stat().st_size,
                               headers={"Cache-Control": "public, max-age=86400, immutable",
                                        "ETag": f'"{sha}"', "X-Nianbao-Sha256": sha})


async def original_by_id(request, datasette):
    doc_id = int(request.url_vars["document_id"])
    return await original_response(datasette, await site.first(datasette, DOCUMENT_SQL, {"id": doc_id}),
                                   f"document {doc_id}")


async def original_by_sha(request, datasette):
    sha = request.url_vars["sha256"]
    return await original_response(datasette, await site.first(datasette, DOCUMENT_BY_SHA_SQL, {"sha": sha}),
                                   f"sha256 {sha}")


# -- WARC records ------------------------------------------------------------------------------------------------
class WarcIndex:
    """document id -> (file, offset, length) of its WARC response record (WARC-Nianbao-Document-Id). Each .warc.gz
    is read once per server process, when first needed, and again only if it grew; records are found by their
    gzip member offsets, so one record is served without reading the file."""

    def __init__(self):
        self.lock = threading.Lock()
        self.files: dict[Path, tuple[int, float]] = {}
        self.records: dict[int, tuple[Path, int, int]] = {}

    def find(self, warc_dir: Path, doc_id: int) -> tuple[Path, int, int] | None:
        with self.lock:
            if doc_id not in self.records:
                self._refresh(warc_dir)
            return self.records.get(doc_id)

    def _refresh(self, warc_dir: Path) -> None:
        from warcio.archiveiterator import ArchiveIterator

        for path in sorted(warc_dir.glob("*.warc.gz")) if warc_dir.is_dir() else []:
            stat = path.stat()
            if self.files.get(path) == (stat.st_size, stat.st_mtime):
                continue
            with open(path, "rb") as fh:
                it = ArchiveIterator(fh)
                try:
                    for record in it:
                        doc = record.rec_headers.get_header("WARC-Nianbao-Document-Id")
                        if record.rec_type == "response" and doc and doc.isdigit():
                            self.records[int(doc)] = (path, it.get_record_offset(), it.get_record_length())
                except Exception:  # noqa: BLE001 - a torn last record (killed crawl): keep what was read
                    pass
            self.files[path] = (stat.st_size, stat.st_mtime)


WARC_INDEX = WarcIndex()


def _warc_chunks(path: Path, offset: int, length: int):
    with open(path, "rb") as fh:
        fh.seek(offset)
        left = length
        while left > 0:
            block = fh.read(min(left, 256 * 1024))
            if not block:
                return
            left -= len(block)
            yield block


def _recorded(warc_dir: Path | None, doc: dict | None) -> tuple[Path, int, int] | None:
    """Where the crawl wrote the record (documents.warc_file/offset/length), when it said so and the file is there."""
    if not warc_dir or not doc or not doc.get("warc_file") or doc.get("warc_offset") is None:
        return None
    path = warc_dir / Path(doc["warc_file"]).name  # a bare file name: nothing outside warc/ can be named
    return (path, doc["warc_offset"], doc["warc_length"]) if path.is_file() else None


async def warc_record(request, datasette):
    doc_id = int(request.url_vars["document_id"])
    warc_dir = site.archive_dir(datasette, "warc")
    found = _recorded(warc_dir, await site.first(datasette, DOCUMENT_SQL, {"id": doc_id}))
    if found is None and warc_dir:  # archives written before the crawl recorded offsets: scan once
        found = await asyncio.get_running_loop().run_in_executor(None, WARC_INDEX.find, warc_dir, doc_id)
    if found is None:
        return site.not_found(f"document {doc_id}: no WARC record in {warc_dir} (documents given to `nianbao "
                              f"extract` as files, and bytes a later fetch confirmed unchanged, have none)")
    path, offset, length = found
    return site.StreamResponse(lambda: _warc_chunks(path, offset, length), content_type="application/warc",
                               filename=f"document-{doc_id}.warc.gz", length=length)
