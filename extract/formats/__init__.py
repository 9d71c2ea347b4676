"""Input formats: sniff the kind of a byte stream (by magic bytes, never by file name) and parse it into a
`ParsedDocument`. One module per format; each exposes `parse(data: bytes, hints: dict) -> ParsedDocument`.

Adding a format = one module + one entry in PARSERS.
"""
from __future__ import annotations

import importlib
import re

from extract.model import ExtractError, ParsedDocument

# kind -> module (imported lazily, so heavy libraries load only for documents that need them)
PARSERS = {
    "text": "extract.formats.text",
    "html": "extract.formats.html",
    "pdf": "extract.formats.pdf",
    "docx": "extract.formats.docx",
    "doc": "extract.formats.doc",
    "wps": "extract.formats.doc",
    "xlsx": "extract.formats.xlsx",
    "xls": "extract.formats.xlsx",
    "image": "extract.formats.image",
}

# Bytes that are not control characters (tab, newline, vertical tab, form feed and CR are text).
_NOT_CONTROL = bytes(b for b in range(256) if not (b < 9 or 13 < b < 32 or b == 127))
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|table|div|p|title)\b",
                         re.I | re.S)


def sniff(data: bytes) -> str:
    """Kind of the bytes: pdf / docx / xlsx / zip / doc (OLE2: doc, wps, xls) / image / html / text / binary."""
    head = data[:8]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        window = data[:4000] + data[-22000:]
        if b"word/" in window:
            return "docx"
        if b"xl/" in window:
            return "xlsx"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole2"  # .doc, .wps, .xls: the container alone cannot tell; see ole2_kind()
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"BM")) or \
            (head.startswith(b"RIFF") and data[8:12] == b"WEBP"):
        return "image"
    probe = data[:4096]
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if probe.startswith(bom):
            probe = probe[len(bom):]
            break
    if _HTML_START.match(probe) or re.search(rb"<(table|html|body)\b", probe[:2048], re.I):
        return "html"
    if not probe.strip():
        return "empty"
    # Text: few control bytes other than tab/newline/CR/formfeed.
    controls = len(probe.translate(None, _NOT_CONTROL))
    if controls / max(len(probe), 1) > 0.05:
        return "binary"
    return "text"


def ole2_kind(data: bytes, hints: dict) -> str:
    """OLE2 container: Word (doc), WPS or Excel (xls), from the stream names in its directory (UTF-16LE).
    A WordDocument stream decides first: Word files can carry "Book" elsewhere (bookmarks)."""
    if "WordDocument".encode("utf-16-le") in data:
        name = (hints.get("filename") or "").lower()
        return "wps" if name.endswith(".wps") else "doc"
    if "Workbook".encode("utf-16-le") in data or b"B\x00o\x00o\x00k\x00\x00\x00" in data:
        return "xls"
    return "doc"


def kind_of(data: bytes, filename: str | None = None) -> str:
    """sniff(), with OLE2 containers resolved to doc / wps / xls."""
    kind = sniff(data)
    return ole2_kind(data, {"filename": filename or ""}) if kind == "ole2" else kind


def parse(data: bytes, hints: dict | None = None) -> ParsedDocument:
    hints = dict(hints or {})
    kind = kind_of(data, hints.get("filename"))
    if kind == "empty":
        raise ExtractError("empty", "the document is empty (no bytes or only whitespace)")
    if kind in ("binary", "zip"):
        raise ExtractError("unsupported_format",
                           f"not a report format this extractor reads (sniffed: {kind}, {len(data)} bytes)")
    hints["kind"] = kind
    try:
        module = importlib.import_module(PARSERS[kind])
    except ModuleNotFoundError as exc:
        raise ExtractError("unsupported_format", f"no parser available for {kind}: {exc}") from exc
    return module.parse(data, hints)
