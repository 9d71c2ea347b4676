"""PDF → ParsedDocument.

Text-layer pages: the characters and the ruling lines of a page are read with pypdfium2
(extract.formats.pdfium_layer; pdfplumber only for rotated pages, pages pdfium cannot read, or when asked
with hints["pdf_reader"] = "pdfplumber"). Tables are the groups of crossing ruling lines; each table's grid
is rebuilt from its lines (grid.cells_from_separators: neighbouring grid positions are one merged cell unless
a visible line separates them), each character goes to the cell holding its centre, everything outside the
tables becomes prose lines. Pages without a text layer go to OCR (extract.formats.image). Tables broken by a
page break are joined by grid.DocumentBuilder. Library choice and speed are measured in docs/formats.md.
"""
from __future__ import annotations

import io
import logging
import re
import zlib

from extract.formats import limits, pdf_unruled, pdfium_layer
from extract.formats.grid import (DocumentBuilder, TableItem, cells_from_separators, cluster, join_text, locate,
                                  normalise_document, owner_map)
from extract.model import ExtractError, ParsedDocument

# pdfminer logs a warning for every odd object in real-world PDFs; they are not ours to act on.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

MIN_CHARS_FOR_TEXT_LAYER = 10  # fewer characters than this on a page → scanned page, OCR it
EDGE_TOL = 3.0  # points: ruling lines closer than this are one line
MIN_EDGE = 3.0  # points: shorter edges (the ends of a thin border rectangle) do not join lines into tables
READERS = ("pypdfium2", "pdfplumber")


_STREAM = re.compile(rb"(?<!end)stream\r?\n")
_OBJ = re.compile(rb"(\d+)\s+\d+\s+obj\b")


def check_streams(data: bytes) -> None:
    """Inflate every Flate stream of the file, counting and discarding the output, and refuse the PDF when one
    stream or all of them inflate past the limits — before pdfium or pdfminer hold the result in memory (an
    82 KB file whose content stream inflates to 40 MiB of path operators ran for 10 minutes at 8.5 GB; 6 GiB of
    spaces, 13 GB). Streams of encrypted files, or under other filters, do not inflate here and are skipped:
    the worker's hard limits (extract/sandbox.py) still bound them."""
    view = memoryview(data)
    total = 0
    for m in _STREAM.finditer(data):
        end = data.find(b"endstream", m.end())
        if end < 0:
            break
        head = data[max(0, m.start() - 2048):m.start()]
        obj = list(_OBJ.finditer(head))
        head = head[obj[-1].start():] if obj else head
        if b"/FlateDecode" not in head and b"/Fl " not in head and b"/Fl]" not in head:
            continue
        image = re.search(rb"/Subtype\s*/Image", head) is not None
        cap = limits.MAX_PDF_IMAGE_STREAM if image else limits.MAX_PDF_STREAM
        size = _inflated_size(view[m.end():end], cap + 1)
        where = f"object {obj[-1].group(1).decode()}" if obj else f"the stream at byte {m.end()}"
        if size > cap:
            raise ExtractError("too_large", f"PDF {where} inflates to more than {cap // limits.MiB} MiB (the "
                                            f"limit for one {'image' if image else 'non-image'} stream)")
        total += size
        if total > limits.MAX_PDF_DECODED:
            raise ExtractError("too_large", f"the PDF's streams inflate to more than "
                                            f"{limits.MAX_PDF_DECODED // limits.MiB} MiB in all")


def _inflated_size(raw, stop: int) -> int:
    """Bytes a zlib stream inflates to, counted in bounded steps; stops counting past `stop`. 0 if not zlib."""
    inflater = zlib.decompressobj()
    size = 0
    try:
        while raw and size <= stop:
            size += len(inflater.decompress(raw, 1 << 20))
            raw = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error:
        return size
    return size


def open_checked(data: bytes):
    """Open with pypdfium2 to classify bad input cheaply (encrypted / truncated / corrupt / too many pages /
    streams inflating past the limits). The empty user password is tried: such PDFs open in any viewer."""
    import pypdfium2 as pdfium

    limits.check_size(data, "PDF")
    check_streams(data)
    tail = data[-2048:]
    try:
        doc = pdfium.PdfDocument(data, password="")
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
    plain = decrypted_copy(doc)
    if plain is not None:  # encrypted with the empty password: its streams could not be measured above
        try:
            check_streams(plain)
        except ExtractError:
            doc.close()
            raise
    n = len(doc)
    if n > limits.MAX_PAGES:
        doc.close()
        raise ExtractError("too_large", f"the PDF has {n} pages; the limit is {limits.MAX_PAGES}")
    if n == 0:
        doc.close()
        raise ExtractError("corrupt", "the PDF has no pages")
    return doc


def decrypted_copy(pdfium_doc) -> bytes | None:
    """An encrypted PDF that pdfium opened (with the empty password) saved without its security handler: its
    streams as plain (still compressed) bytes, for check_streams and for pdfminer. None if not encrypted."""
    import pypdfium2.raw as pdfium_c

    if pdfium_c.FPDF_GetSecurityHandlerRevision(pdfium_doc.raw) == -1:
        return None
    out = io.BytesIO()
    pdfium_doc.save(out, flags=pdfium_c.FPDF_REMOVE_SECURITY)
    return out.getvalue()


def parse(data: bytes, hints: dict) -> ParsedDocument:
    deadline = limits.Deadline()
    pdfium_doc = open_checked(data)
    n_pages = len(pdfium_doc)
    builder = DocumentBuilder()
    layer = _TextLayer(data, pdfium_doc, prefer=hints.get("pdf_reader", "pypdfium2"))
    ocr_pages: list[int] = []
    ocr_cells = low_conf = 0
    try:
        for number in range(1, n_pages + 1):
            deadline.check(f"page {number}")
            chars, edges = layer.read(number)
            if not has_text_layer(chars) and layer.objects.get(number, 0) > limits.MAX_PAGE_OBJECTS:
                # rendering it alone would take minutes (736,000 paths: 76 s); a report page is never this
                layer.warnings.append(f"page {number}: no text and {layer.objects[number]} drawing objects "
                                      f"(limit {limits.MAX_PAGE_OBJECTS}): not rendered for OCR, not read")
                items = []
            elif not has_text_layer(chars):
                if len(ocr_pages) >= limits.MAX_OCR_PAGES:
                    raise ExtractError("too_large", f"more than {limits.MAX_OCR_PAGES} pages need OCR")
                from extract.formats import image
                limits.extend_budget(limits.OCR_PAGE_SECONDS, f"OCR of page {number}")
                items, stats = image.ocr_pdf_page(pdfium_doc, number, deadline)
                ocr_pages.append(number)
                ocr_cells += stats["cells"]
                low_conf += stats["low_confidence_cells"]
            else:
                items = page_items(chars, edges, number)
            builder.add_page(number, items)
    except ExtractError:
        raise
    except Exception as exc:  # pdfium / pdfminer raise many kinds for broken files
        name = type(exc).__name__
        kind = "encrypted" if "Password" in name or "Encrypt" in name else "corrupt"
        raise ExtractError(kind, f"the PDF cannot be read: {name}: {exc}") from exc
    finally:
        layer.close()
        pdfium_doc.close()
    meta = {"pages": n_pages, "tables": len(builder.tables), "continued_tables": builder.continued_tables,
            "page_numbers_dropped": builder.page_numbers_dropped,
            "text_layer": "+".join(r for r in READERS if r in layer.used) or None}
    if ocr_pages:
        meta.update({"ocr": True, "ocr_pages": ocr_pages, "ocr_cells": ocr_cells, "low_confidence_cells": low_conf})
    return normalise_document(ParsedDocument(builder.lines(), "pdf", meta, layer.warnings))


class _TextLayer:
    """Characters and ruling edges of each page: pypdfium2 first, pdfplumber (opened only if needed) for
    rotated pages and pages pdfium fails on. One broken page loses only that page's text layer (→ OCR)."""

    def __init__(self, data: bytes, pdfium_doc, prefer: str = "pypdfium2"):
        if prefer not in READERS:
            raise ValueError(f"pdf_reader must be one of {READERS}, not {prefer!r}")
        self.data, self.pdfium_doc, self.prefer = data, pdfium_doc, prefer
        self.used: set[str] = set()
        self.warnings: list[str] = []
        self.objects: dict[int, int] = {}  # page number -> drawing objects (as pdfium counts them)
        self._plumber = None

    def read(self, number: int) -> tuple[list[dict], list[dict]]:
        """(upright characters, edges) of page `number`; ([], []) if neither library can read a text layer."""
        if self.prefer == "pypdfium2":
            try:
                page = self.pdfium_doc[number - 1]
                try:
                    objects = self.objects[number] = pdfium_layer.object_count(page)
                    chars, edges = pdfium_layer.read_page(page, self.warnings, number)
                finally:
                    page.close()
                if has_text_layer(_upright(chars)):
                    self.used.add("pypdfium2")
                    return _upright(chars), edges
                # no text for pdfium: before the page goes to OCR (seconds), let pdfminer try (milliseconds) —
                # unless the page is a mass of drawing objects, which pdfminer would interpret in Python for ages
                if objects > limits.MAX_PDFMINER_OBJECTS:
                    self.warnings.append(f"page {number}: {objects} drawing objects and no text; not re-read "
                                         "with pdfminer")
                    return [], []
            except pdfium_layer.RotatedPage:
                pass
            except Exception as exc:  # noqa: BLE001 — try the other library before giving the page to OCR
                self.warnings.append(f"page {number}: pypdfium2 could not read the text layer ({exc}); "
                                     "trying pdfplumber")
        try:
            chars, edges = self._plumber_page(number)
        except Exception as exc:  # noqa: BLE001 — one broken page must not lose the rest
            self.warnings.append(f"page {number}: text layer unreadable ({exc}); trying OCR")
            return [], []
        if has_text_layer(_upright(chars)):
            self.used.add("pdfplumber")
        return _upright(chars), edges

    def _plumber_page(self, number: int):
        if self._plumber is None:
            import pdfplumber
            self._plumber = pdfplumber.open(io.BytesIO(self._unencrypted()), password="")
        page = self._plumber.pages[number - 1].dedupe_chars()  # fake bold: the same glyph printed twice
        chars = [{**c, "upright": c.get("upright", True)} for c in page.chars]
        edges = [e for e in page.filter(_visible).edges if e["orientation"] in ("h", "v")]
        return chars, edges

    def _unencrypted(self) -> bytes:
        """The file for pdfminer: an encrypted PDF as pdfium's copy without its security handler — pdfminer
        fails on some of them (RC4 with a negative /P)."""
        return decrypted_copy(self.pdfium_doc) or self.data

    def close(self) -> None:
        if self._plumber is not None:
            self._plumber.close()


def _upright(chars: list[dict]) -> list[dict]:
    """Rotated characters (a stamp, a watermark) are not the page's text, unless they are all there is."""
    return [c for c in chars if c["upright"] or len(chars) < 50]


def has_text_layer(chars: list[dict]) -> bool:
    return sum(1 for c in chars if c["text"].strip()) >= MIN_CHARS_FOR_TEXT_LAYER


def _visible(obj: dict) -> bool:
    """pdfplumber objects: drop white background boxes (pdfium_layer.visible_rect says which)."""
    if obj.get("object_type") != "rect":
        return True
    color = obj.get("non_stroking_color")
    if isinstance(color, (int, float)):  # gray given as a bare number ("1 g")
        color = (color,)
    white = isinstance(color, (tuple, list)) and len(color) in (1, 3, 4) and all(
        isinstance(v, (int, float)) for v in color) and (
        all(v >= 0.95 for v in color) if len(color) != 4 else all(v <= 0.05 for v in color))
    rect = (obj["x0"], obj["top"], obj["x1"], obj["bottom"])
    return pdfium_layer.visible_rect(rect, stroked=bool(obj.get("stroke")), white_fill=white)


def page_items(chars: list[dict], edges: list[dict], number: int) -> list:
    """Tables (from ruling lines) and prose lines of one text-layer page."""
    items: list = []
    tables = []
    vedges = [e for e in edges if e["orientation"] == "v"]
    hedges = [e for e in edges if e["orientation"] == "h"]
    for box in table_boxes(vedges, hedges):
        # Rebuild the cells from the grid edges and the ruling lines that really separate them.
        xs, ys = _grid_edges(box, vedges, hedges)
        if len(xs) < 3 or len(ys) < 2:
            continue  # one column: a boxed paragraph, its text stays prose
        cells = cells_from_separators(
            xs, ys,
            lambda k, r: _has_line(vedges, "x0", xs[k], (ys[r] + ys[r + 1]) / 2, "top", "bottom"),
            lambda k, c: _has_line(hedges, "top", ys[k], (xs[c] + xs[c + 1]) / 2, "x0", "x1"))
        if len(cells) < 2:
            continue  # a framed paragraph, not a table
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
    # Outside the ruled tables: prose, and tables printed without ruling lines (rows rebuilt from positions).
    items.extend(pdf_unruled.page_items(chars_to_lines(rest), number, _line_text))
    return items


def table_boxes(vedges: list[dict], hedges: list[dict]) -> list[tuple[float, float, float, float]]:
    """Bounding boxes of the tables on a page: groups of horizontal and vertical ruling lines that cross or
    touch (within EDGE_TOL); a group without both kinds (an underline, a lone rule) is no table."""
    v = [e for e in vedges if e["bottom"] - e["top"] >= MIN_EDGE]
    h = [e for e in hedges if e["x1"] - e["x0"] >= MIN_EDGE]
    parent = list(range(len(v) + len(h)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    t = EDGE_TOL
    for i, ve in enumerate(v):
        for j, he in enumerate(h):
            if he["x0"] - t <= ve["x0"] <= he["x1"] + t and ve["top"] - t <= he["top"] <= ve["bottom"] + t:
                parent[find(i)] = find(len(v) + j)
    groups: dict[int, list[int]] = {}
    for i in range(len(parent)):
        groups.setdefault(find(i), []).append(i)
    boxes = []
    for members in groups.values():
        if len(members) < 2:
            continue
        group = [v[i] if i < len(v) else h[i - len(v)] for i in members]
        boxes.append((min(e["x0"] for e in group), min(e["top"] for e in group),
                      max(e["x1"] for e in group), max(e["bottom"] for e in group)))
    return sorted(boxes, key=lambda b: (b[1], b[0]))


def _grid_edges(bbox, vedges: list[dict], hedges: list[dict]) -> tuple[list[float], list[float]]:
    """Column and row edges of the table around `bbox`: all ruling lines inside it. The bbox is first grown
    along the table's vertical lines (a last row whose bottom border is missing still belongs to the table)."""
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


def chars_to_lines(chars: list[dict]) -> list[list[dict]]:
    """Group characters into visual lines: sorted by top, a new line when the vertical overlap is lost."""
    lines: list[list[dict]] = []
    top = bottom = 0.0  # vertical extent of the last line
    for ch in sorted(chars, key=lambda c: (round(c["top"]), c["x0"])):
        if lines:
            height = max(bottom - top, 1.0)
            overlap = min(bottom, ch["bottom"]) - max(top, ch["top"])
            if overlap > 0.5 * min(height, ch["bottom"] - ch["top"] or 1.0):
                lines[-1].append(ch)
                top, bottom = min(top, ch["top"]), max(bottom, ch["bottom"])
                continue
        lines.append([ch])
        top, bottom = ch["top"], ch["bottom"]
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
