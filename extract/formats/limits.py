"""Time, memory and size limits for extraction: one place for every bound, so a hostile or broken input (PDF
stream bomb, zip bomb, huge image, deep HTML, hung converter) fails fast with a clear `ExtractError` — or, for
what no check can foresee, is stopped by the worker's hard limits (extract/sandbox.py) — instead of eating the
batch's time or memory. docs/formats.md ("Limits") lists them; the worker limits can be set in the environment.
"""
from __future__ import annotations

import io
import os
import time
import zipfile

from extract.model import ExtractError

MiB = 1024 * 1024


def _env(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        return float(value) if value else default
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a number") from None


# ---- hard limits of the extraction worker (extract/sandbox.py), per document; read when a sandbox is made
def worker_memory_bytes() -> int:  # resident memory of the worker process
    return int(_env("NIANBAO_EXTRACT_MEMORY_MB", 1024) * MiB)


def worker_cpu_seconds() -> float:  # CPU time (RLIMIT_CPU)
    return _env("NIANBAO_EXTRACT_CPU_S", 60)


def worker_wall_seconds() -> float:  # wall clock, timed by the parent
    return _env("NIANBAO_EXTRACT_WALL_S", 60)


def worker_ocr_memory_bytes() -> int:  # resident memory once a document goes to OCR (the models: ~0.7-0.85 GiB)
    return int(_env("NIANBAO_EXTRACT_OCR_MEMORY_MB", 2048) * MiB)


OCR_PAGE_SECONDS = 15.0  # extra wall and CPU time granted per page that goes to OCR (4-5 s CPU per page measured)

# ---- sizes, checked before or while parsing
MAX_BYTES = 100 * 1024 * 1024  # any input file or download
MAX_TEXT_BYTES = 20 * MiB  # a plain-text or HTML report (real ones are 20-300 KB; pages with inline images more)
MAX_LINES = 250_000  # lines of one decoded text or HTML document (a report has 300-3,000)
# An HTML page with more "<" than this is checked for nesting deeper than 2048 before Lexbor parses it (Lexbor's
# parse time grows with the square of the depth; under this many tags it takes 0.4 s at most). Report pages: 3-8k.
HTML_CHECKED_TAGS = 20_000
# Tags left open x the end tags after them (html.py): above this, libxml2 closes the page's tags before Lexbor reads
# it (report pages: under 20,000; 1,000 unclosed <b> before 1,000 paragraphs: 1,000,000, 380 MiB in Lexbor).
HTML_REOPEN_BUDGET = 250_000
MAX_PDF_STREAM = 16 * MiB  # decoded size of one non-image PDF stream (a page's content stream is ~10-500 KB)
MAX_PDF_IMAGE_STREAM = 256 * MiB  # decoded size of one image stream (60 MP x 4 bytes)
MAX_PDF_DECODED = 512 * MiB  # decoded size of all the streams of one PDF
MAX_PAGE_EDGES = 8000  # ruling-line edges read on one PDF page (a page with two ruled tables has ~2000)
MAX_PAGE_OBJECTS = 100_000  # drawing objects of a PDF page walked for ruling lines or rendered for OCR
MAX_PDFMINER_OBJECTS = 20_000  # a page with more drawing objects than this is not re-read by pdfminer (Python)
MAX_ZIP_MEMBER = 64 * MiB  # one ZIP member (an embedded image, say)
MAX_ZIP_XML_MEMBER = 20 * MiB  # one XML part (document.xml of a 30-page report is 1-3 MB; parsed, ~16x in memory)
MAX_PAGES = 200  # PDF pages (a county annual report is 3-30 pages)
MAX_OCR_PAGES = 40  # pages that need OCR in one document
MAX_SECONDS = 180.0  # whole-document wall time for one parse (in process; the worker's wall limit comes first)
CONVERTER_SECONDS = 90.0  # LibreOffice conversion of one DOC/WPS/XLS
OCR_DPI = 200  # rasterisation resolution for scanned pages
MAX_IMAGE_PIXELS = 60_000_000  # one image or rasterised page (A4 at 600 dpi is ~35 MP)
# ZIP containers (DOCX, XLSX): checked on the declared sizes in the central directory, before reading a member.
MAX_ZIP_MEMBERS = 5000
MAX_ZIP_UNCOMPRESSED = 256 * 1024 * 1024
MAX_ZIP_RATIO = 200  # uncompressed / compressed for any member larger than 1 MB
MAX_SHEET_CELLS = 200_000  # XLS/XLSX cells read per workbook


def check_size(data: bytes, what: str, limit: int = MAX_BYTES) -> None:
    if len(data) > limit:
        raise ExtractError("too_large", f"{what} is {len(data)} bytes; the limit is {limit}")


def check_lines(n: int, what: str) -> None:
    if n > MAX_LINES:
        raise ExtractError("too_large", f"{what} has {n} lines; the limit is {MAX_LINES}")


# Set by the sandbox worker: called when a parser knows it needs more time (OCR), to extend the worker's limits.
budget_hook = None


def extend_budget(seconds: float, why: str) -> None:
    """A page goes to OCR: ask for `seconds` more wall and CPU time for this document, and the OCR memory
    allowance (worker_ocr_memory_bytes). No-op in process."""
    if budget_hook is not None:
        budget_hook(seconds, why)


class Deadline:
    """Wall-clock budget for one document; parsers call `check()` between pages / tables."""

    def __init__(self, seconds: float = MAX_SECONDS):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def check(self, where: str = "") -> None:
        if time.monotonic() > self.end:
            raise ExtractError("timeout", f"parsing took longer than {self.seconds:.0f} s{' at ' + where if where else ''}")


def check_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """Open a ZIP container after checking its declared sizes (zip-bomb guard). Returns the open ZipFile."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except zipfile.BadZipFile as exc:
        kind = "truncated" if b"PK\x05\x06" not in data[-66000:] else "corrupt"
        raise ExtractError(kind, f"{what} is not a readable ZIP container: {exc}") from exc
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ExtractError("zip_bomb", f"{what} has {len(infos)} members (limit {MAX_ZIP_MEMBERS})")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise ExtractError("zip_bomb", f"{what}: member {info.filename} expands {info.compress_size} -> "
                                           f"{info.file_size} bytes (ratio limit {MAX_ZIP_RATIO})")
        cap = MAX_ZIP_XML_MEMBER if info.filename.lower().endswith((".xml", ".rels")) else MAX_ZIP_MEMBER
        if info.file_size > cap:
            raise ExtractError("too_large", f"{what}: member {info.filename} expands to {info.file_size} bytes "
                                            f"(limit {cap})")
    if total > MAX_ZIP_UNCOMPRESSED:
        raise ExtractError("zip_bomb", f"{what} declares {total} uncompressed bytes (limit {MAX_ZIP_UNCOMPRESSED})")
    return zf
