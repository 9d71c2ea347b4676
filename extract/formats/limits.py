"""Time and size limits for attachment parsing (PDF, DOCX, DOC/WPS, XLS/XLSX, images).

One place for every bound, so a hostile or broken input (500-page PDF, zip bomb, huge image, hung converter)
fails fast with a clear `ExtractError` instead of eating the batch's time or memory.
"""
from __future__ import annotations

import time
import zipfile
import io

from extract.model import ExtractError

MAX_BYTES = 100 * 1024 * 1024  # any attachment
MAX_PAGES = 200  # PDF pages (a county annual report is 3-30 pages)
MAX_OCR_PAGES = 40  # pages that need OCR in one document
MAX_SECONDS = 180.0  # whole-document wall time for one parse
CONVERTER_SECONDS = 90.0  # LibreOffice conversion of one DOC/WPS/XLS
OCR_DPI = 200  # rasterisation resolution for scanned pages
MAX_IMAGE_PIXELS = 60_000_000  # one image or rasterised page (A4 at 600 dpi is ~35 MP)
# ZIP containers (DOCX, XLSX): checked on the declared sizes in the central directory, before reading a member.
MAX_ZIP_MEMBERS = 5000
MAX_ZIP_UNCOMPRESSED = 300 * 1024 * 1024
MAX_ZIP_RATIO = 200  # uncompressed / compressed for any member larger than 1 MB
MAX_SHEET_CELLS = 200_000  # XLS/XLSX cells read per workbook


def check_size(data: bytes, what: str) -> None:
    if len(data) > MAX_BYTES:
        raise ExtractError("too_large", f"{what} is {len(data)} bytes; the limit is {MAX_BYTES}")


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
    if total > MAX_ZIP_UNCOMPRESSED:
        raise ExtractError("zip_bomb", f"{what} declares {total} uncompressed bytes (limit {MAX_ZIP_UNCOMPRESSED})")
    return zf
