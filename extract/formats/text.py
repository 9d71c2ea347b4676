"""Plain text (reports saved as .txt, or text dumped from other tools): one line per text line, one cell per tab."""
from __future__ import annotations

from extract.decode import clean_text, decode_bytes
from extract.formats import limits
from extract.model import Line, ParsedDocument, SourceCell


def parse(data: bytes, hints: dict) -> ParsedDocument:
    limits.check_size(data, "the text", limits.MAX_TEXT_BYTES)
    decoded = decode_bytes(data, hints.get("charset"))
    text, script = clean_text(decoded.text)
    limits.check_lines(text.count("\n") + 1, "the text")
    lines = [Line([SourceCell(cell, line=n) for cell in raw.split("\t")])
             for n, raw in enumerate(text.split("\n"), start=1)]
    doc = ParsedDocument(lines, "text", meta={"charset": decoded.charset, "script": script,
                                              "replacements": decoded.replacements})
    if decoded.note:
        doc.warnings.append(decoded.note)
    return doc
