"""PDF → ParsedDocument.

Text-layer pages: pdfplumber finds the ruled tables (its cells are the rectangles formed by the ruling lines,
so a merged cell is one rectangle), each character goes to the cell holding its centre, everything outside the
tables becomes prose lines. Pages without a text layer go to OCR (extract.formats.image). Tables broken by a
page break are joined by grid.DocumentBuilder. Library choice (pdfplumber over pypdfium2 for the text layer)
is measured in docs/formats.md.
"""
from __future__ import annotations

import io
import logging

from extract.formats import limits
from extract.formats.grid import (normalise_document, DocumentBuilder, GridCell, ProseItem, TableItem, clean_text, join_text,
                                  cells_from_separators, cluster, locate, owner_map)
from extract.model import ExtractError, ParsedDocument

# pdfminer logs a warning for every odd object in real-world PDFs; they are not ours to act on.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

MIN_CHARS_FOR_TEXT_LAYER = 10
EDGE_TOL = 3.0  # points: ruling lines closer than this are one line
TABLE_SETTINGS = {"snap_tolerance": 3, "join_tolerance": 3, "intersection_tolerance": 3}  # fewer characters than this on a page with an image → scanned page


def open_checked(data: bytes):
    """Open with pypdfium2 to classify bad input cheaply (encrypted / truncated / corrupt / too many pages)."""
    import pypdfium2 as pdfium

    limits.check_size(data, "PDF")
    tail = data[-2048:]
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg:
            raise ExtractError("encrypted", "the PDF is encrypted and needs a password") from exc
        if b"%%EOF" not in tail:
            raise ExtractError("truncated", f"the PDF is cut short (no %%EOF at the end): {exc}") from exc
        raise ExtractError("corrupt", f"the PDF cannot be opened: {exc}") from exc
    if b"%%EOF" not in tail:
        doc.close()
        raise ExtractError("truncated", "the PDF is cut short (no %%EOF marker at the end); pages may be missing")
    n = len(doc)
    if n > limits.MAX_PAGES:
        doc.close()
        raise ExtractError("too_large", f"the PDF has {n} pages; the limit is {limits.MAX_PAGES}")
    if n == 0:
        doc.close()
        raise ExtractError("corrupt", "the PDF has no pages")
    return doc


def parse(data: bytes, hints: dict) -> ParsedDocument:
    import pdfplumber

    deadline = limits.Deadline()
    pdfium_doc = open_checked(data)
    n_pages = len(pdfium_doc)
    builder = DocumentBuilder()
    ocr_pages: list[int] = []
    ocr_cells = low_conf = 0
    warnings: list[str] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for number, page in enumerate(pdf.pages, 1):
                deadline.check(f"page {number}")
                try:
                    page = page.dedupe_chars()  # fake bold: the same glyph printed twice
                    chars = [c for c in page.chars if c.get("upright", True) or len(page.chars) < 50]
                except Exception as exc:  # one broken page must not lose the rest
                    warnings.append(f"page {number}: text layer unreadable ({exc}); trying OCR")
                    chars = []
                if len([c for c in chars if c["text"].strip()]) < MIN_CHARS_FOR_TEXT_LAYER:
                    if len(ocr_pages) >= limits.MAX_OCR_PAGES:
                        raise ExtractError("too_large", f"more than {limits.MAX_OCR_PAGES} pages need OCR")
                    from extract.formats import image
                    items, stats = image.ocr_pdf_page(pdfium_doc, number, deadline)
                    ocr_pages.append(number)
                    ocr_cells += stats["cells"]
                    low_conf += stats["low_confidence_cells"]
                else:
                    items = page_items(page, chars, number)
                builder.add_page(number, items)
    except ExtractError:
        raise
    except Exception as exc:  # pdfminer raises many kinds for broken files
        name = type(exc).__name__
        kind = "encrypted" if "Password" in name or "Encrypt" in name else "corrupt"
        raise ExtractError(kind, f"the PDF cannot be read: {name}: {exc}") from exc
    finally:
        pdfium_doc.close()
    meta = {"pages": n_pages, "tables": len(builder.tables), "continued_tables": builder.continued_tables,
            "page_numbers_dropped": builder.page_numbers_dropped, "text_layer": "pdfplumber"}
    if ocr_pages:
        meta.update({"ocr": True, "ocr_pages": ocr_pages, "ocr_cells": ocr_cells, "low_confidence_cells": low_conf})
    return normalise_document(ParsedDocument(builder.lines(), "pdf", meta, warnings))


def page_items(page, chars: list[dict], number: int) -> list:
    """Tables (from ruling lines) and prose lines of one text-layer page."""
    items: list = []
    tables = []
    visible = page.filter(_visible)
    vedges = [e for e in visible.edges if e["orientation"] == "v"]
    hedges = [e for e in visible.edges if e["orientation"] == "h"]
    for found in visible.find_tables(TABLE_SETTINGS):
        if len(found.cells) < 2:
            continue  # a framed paragraph, not a table: its text stays prose
        # pdfplumber's own cells miss some merged cells (a tall label cell, a cell whose top border is at a
        # page break); rebuild the cells from its grid edges and the ruling lines that really separate them.
        xs, ys = _grid_edges(found.bbox, vedges, hedges)
        if len(xs) < 3:
            continue  # one column: a boxed paragraph
        cells = cells_from_separators(
            xs, ys,
            lambda k, r: _has_line(vedges, "x0", xs[k], (ys[r] + ys[r + 1]) / 2, "top", "bottom"),
            lambda k, c: _has_line(hedges, "top", ys[k], (xs[c] + xs[c + 1]) / 2, "x0", "x1"))
        tables.append(((xs[0], ys[0], xs[-1], ys[-1]), cells, xs, ys, owner_map(cells), {}))
    rest = []
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        for bbox, cells, xs, ys, owners, bucket in tables:
            if bbox[0] <= cx <= bbox[2] and bbox[1] <= cy <= bbox[3]:
                col, row = locate(xs, cx), locate(ys, cy)
                owner = owners.get((row, col)) if col is not None and row is not None else None
                if owner is not None:
                    bucket.setdefault(id(owner), []).append(ch)
                break
        else:
            rest.append(ch)
    for bbox, cells, xs, ys, owners, bucket in tables:
        for c in cells:
            c.text = chars_to_text(bucket.get(id(c), []))
        items.append(TableItem(cells, number, tuple(bbox)))
    for line in chars_to_lines(rest):
        text = clean_text(_line_text(line))
        if text:
            box = (min(c["x0"] for c in line), min(c["top"] for c in line),
                   max(c["x1"] for c in line), max(c["bottom"] for c in line))
            items.append(ProseItem(text, number, box))
    return items


def _grid_edges(bbox, vedges: list[dict], hedges: list[dict]) -> tuple[list[float], list[float]]:
    """Column and row edges of the table around `bbox`: all ruling lines inside it. The bbox is first grown
    along the table's vertical lines, because pdfplumber drops a last row whose bottom corners it misses."""
    x0, top, x1, bottom = bbox
    t = EDGE_TOL
    for _ in range(2):
        verticals = [e for e in vedges if x0 - t <= e["x0"] <= x1 + t and e["bottom"] > top - t and e["top"] < bottom + t]
        if verticals:
            top = min(top, min(e["top"] for e in verticals))
            bottom = max(bottom, max(e["bottom"] for e in verticals))
    xs = cluster([e["x0"] for e in vedges if x0 - t <= e["x0"] <= x1 + t
                  and e["bottom"] > top + t and e["top"] < bottom - t], t)
    ys = cluster([e["top"] for e in hedges if top - t <= e["top"] <= bottom + t
                  and e["x1"] > x0 + t and e["x0"] < x1 - t], t)
    # At a page break Word may leave a row open (no bottom or top border): close it where its verticals end.
    if ys and bottom - ys[-1] > 3 * t:
        ys.append(bottom)
    if ys and ys[0] - top > 3 * t:
        ys.insert(0, top)
    return xs, ys


def _has_line(edges: list[dict], pos_key: str, pos: float, across: float, lo: str, hi: str) -> bool:
    return any(abs(e[pos_key] - pos) <= EDGE_TOL + 0.5 and e[lo] - EDGE_TOL <= across <= e[hi] + EDGE_TOL
               for e in edges)


def _visible(obj: dict) -> bool:
    """Drop white background boxes (Word shades paragraphs with them); they are not ruling lines."""
    if obj.get("object_type") != "rect" or obj.get("stroke"):
        return True
    thin = min(obj["x1"] - obj["x0"], obj["bottom"] - obj["top"]) < 2.5
    color = obj.get("non_stroking_color")
    white = color is not None and isinstance(color, (tuple, list)) and len(color) in (1, 3, 4) and (
        all(v >= 0.95 for v in color) if len(color) != 4 else all(v <= 0.05 for v in color))
    return thin or not white


def chars_to_lines(chars: list[dict]) -> list[list[dict]]:
    """Group characters into visual lines: sorted by top, a new line when the vertical overlap is lost."""
    lines: list[list[dict]] = []
    for ch in sorted(chars, key=lambda c: (round(c["top"]), c["x0"])):
        if lines:
            last = lines[-1]
            top, bottom = min(c["top"] for c in last), max(c["bottom"] for c in last)
            height = max(bottom - top, 1.0)
            overlap = min(bottom, ch["bottom"]) - max(top, ch["top"])
            if overlap > 0.5 * min(height, ch["bottom"] - ch["top"] or 1.0):
                last.append(ch)
                continue
        lines.append([ch])
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


def _line_text(line: list[dict]) -> str:
    out = ""
    prev = None
    for ch in line:
        if prev is not None and ch["x0"] - prev["x1"] > 0.4 * max(ch.get("size", 10), 1):
            out += " "
        out += ch["text"]
        prev = ch
    return out


def chars_to_text(chars: list[dict]) -> str:
    return join_text([_line_text(line) for line in chars_to_lines(chars)])
