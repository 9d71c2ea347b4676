"""The text layer of one PDF page read with pypdfium2: characters and ruling-line edges, in the shape pdfplumber
gives them (dicts with x0, x1, top, bottom in points from the top-left corner of the page), so the table
builder in pdf.py does not care which library read the page.

Why not pdfplumber: pdfminer interprets every content stream in Python, ~90% of the time of a report
(≈10-15 pages/s per core); pdfium does it in C, 11-14× faster here. What pdfplumber did for us is rebuilt
below, kept to the same rules so both readers give the same cells (tests/test_formats.py compares them):
* a character's box is its em box: from its origin on the baseline, one font size high, as wide as its advance
  (pdfium's "loose" box, unless pdfium stretched that box to the next glyph — then the ink box); pdfium's own
  vertical extent of the loose box is unreliable for some fonts. Generated characters (the spaces and line
  breaks pdfium infers) are skipped; a glyph printed twice at the same place (fake bold) is kept once.
* path objects (also inside form XObjects, placed by their matrices) are split into sub-paths; an axis-aligned
  rectangle gives its 4 edges unless it is a white, unstroked, non-thin fill (Word's paragraph shading, see
  `visible_rect`); any other sub-path gives an edge per horizontal or vertical segment.
Rotated pages (/Rotate ≠ 0) are left to pdfplumber (pdf.py), which turns coordinates with the page.
"""
from __future__ import annotations

import ctypes
import math

import pypdfium2.raw as pdfium_c

from extract.formats import limits

SAME_PLACE = 1.0  # points: a repeated glyph closer than this is the same glyph (pdfplumber's dedupe tolerance)
DESCENT = 0.15  # of the font size: the em box's bottom below the baseline (fonts differ; the centre is what counts)
STRAIGHT = 0.5  # points: a segment whose ends differ by less than this across is horizontal / vertical


class RotatedPage(Exception):
    """The page has /Rotate set: its user space is not the reading orientation."""


class TooManyEdges(Exception):
    """More ruling-line pieces (limits.MAX_PAGE_EDGES) or drawing objects (MAX_PAGE_OBJECTS) on a page than a
    page of tables has: a drawing, not a table."""


def read_page(page, warnings: list[str] | None = None, number: int | None = None) -> tuple[list[dict], list[dict]]:
    """(characters, edges) of a pypdfium2 PdfPage. A page with more than limits.MAX_PAGE_EDGES edges or
    MAX_PAGE_OBJECTS objects (a vector drawing: walking it is seconds of Python per 100,000 objects, grouping its
    edges into tables is quadratic) gets no edges, and a warning says so."""
    if page.get_rotation() % 360:
        raise RotatedPage()
    left, bottom, right, top = page.get_mediabox()
    to_page = (left, top)  # user space (origin bottom-left) -> pdfplumber space (origin top-left of the box)
    try:
        edges = _edges(page, to_page)
    except TooManyEdges:
        edges = []
        if warnings is not None:
            warnings.append(f"page {number}: more than {limits.MAX_PAGE_EDGES} ruling-line pieces or "
                            f"{limits.MAX_PAGE_OBJECTS} drawing objects (a drawing); its ruling lines are not "
                            "read, tables on it only from text positions")
    return _chars(page, to_page), edges


def object_count(page) -> int:
    return pdfium_c.FPDFPage_CountObjects(page.raw)


# ------------------------------------------------------------------------------------------------ characters
def _chars(page, to_page) -> list[dict]:
    left, top = to_page
    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        n = pdfium_c.FPDFText_CountChars(raw)
        loose, matrix = pdfium_c.FS_RECTF(), pdfium_c.FS_MATRIX()
        ox, oy = ctypes.c_double(), ctypes.c_double()
        tl, tr, tb, tt = (ctypes.c_double() for _ in range(4))
        chars: list[dict] = []
        seen: dict[tuple, list[dict]] = {}  # (text, x cell, top cell) of SAME_PLACE-sized cells -> characters kept
        for i in range(n):
            code = pdfium_c.FPDFText_GetUnicode(raw, i)
            if code < 32 or pdfium_c.FPDFText_IsGenerated(raw, i) == 1:
                continue  # a space or line break pdfium inferred, or a control character
            if not (pdfium_c.FPDFText_GetCharOrigin(raw, i, ox, oy) and pdfium_c.FPDFText_GetMatrix(raw, i, matrix)
                    and pdfium_c.FPDFText_GetLooseCharBox(raw, i, loose)):
                continue
            size = pdfium_c.FPDFText_GetFontSize(raw, i) * math.hypot(matrix.c, matrix.d)
            x0 = ox.value
            # The loose box spans the glyph's advance, except where pdfium stretches it to the next glyph of
            # the text object (a vertical label drawn with large kerns): then fall back to the ink box.
            if abs(loose.left - x0) < 0.5 and loose.right - x0 <= 1.5 * size:
                x1 = loose.right
            else:
                pdfium_c.FPDFText_GetCharBox(raw, i, tl, tr, tb, tt)
                x1 = max(tr.value, x0)
            char_bottom = top - oy.value + DESCENT * size
            ch = {"text": chr(code), "x0": x0 - left, "x1": x1 - left, "top": char_bottom - size,
                  "bottom": char_bottom, "size": size,
                  "upright": abs(matrix.b) < 1e-6 and abs(matrix.c) < 1e-6 and matrix.a > 0 and matrix.d > 0}
            if _printed_before(seen, ch):
                continue  # fake bold: the same glyph printed again on top of itself
            chars.append(ch)
        return chars
    finally:
        textpage.close()


def _printed_before(seen: dict[tuple, list[dict]], ch: dict) -> bool:
    """Whether the same glyph (text, size) was kept within SAME_PLACE of `ch` (then True); else remember `ch`.
    Characters are bucketed on a SAME_PLACE grid, so only the 3x3 neighbouring buckets are compared: a page of
    thousands of equal digits stays linear (comparing with every earlier equal character was quadratic)."""
    cx, cy = math.floor(ch["x0"] / SAME_PLACE), math.floor(ch["top"] / SAME_PLACE)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for o in seen.get((ch["text"], cx + dx, cy + dy), ()):
                if abs(o["x0"] - ch["x0"]) <= SAME_PLACE and abs(o["top"] - ch["top"]) <= SAME_PLACE \
                        and abs(o["size"] - ch["size"]) < 0.01:
                    return True
    seen.setdefault((ch["text"], cx, cy), []).append(ch)
    return False


# ------------------------------------------------------------------------------------------------ ruling lines
_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _edges(page, to_page) -> list[dict]:
    edges: list[dict] = []
    n = pdfium_c.FPDFPage_CountObjects(page.raw)
    if n > limits.MAX_PAGE_OBJECTS:
        raise TooManyEdges()
    _walk([pdfium_c.FPDFPage_GetObject(page.raw, i) for i in range(n)], _IDENTITY, to_page, edges, depth=0)
    return edges


def _walk(objects, outer, to_page, edges: list[dict], depth: int) -> None:
    m = pdfium_c.FS_MATRIX()
    for obj in objects:
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind not in (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM):
            continue
        pdfium_c.FPDFPageObj_GetMatrix(obj, m)
        matrix = _compose((m.a, m.b, m.c, m.d, m.e, m.f), outer)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            if depth < 15:  # a form XObject: its objects are in its own space, placed by its matrix
                count = pdfium_c.FPDFFormObj_CountObjects(obj)
                _walk([pdfium_c.FPDFFormObj_GetObject(obj, i) for i in range(count)], matrix, to_page, edges, depth + 1)
            continue
        _path_edges(obj, matrix, to_page, edges)
        if len(edges) > limits.MAX_PAGE_EDGES:
            raise TooManyEdges()


def _compose(inner, outer):
    """inner then outer, as PDF matrices (a b c d e f)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _path_edges(obj, matrix, to_page, edges: list[dict]) -> None:
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDFPath_GetDrawMode(obj, fill_mode, stroke)
    if fill_mode.value == pdfium_c.FPDF_FILLMODE_NONE and not stroke.value:
        return  # neither filled nor stroked: a clipping path, nothing is drawn
    a, b, c, d, e, f = matrix
    left, top = to_page
    x, y = ctypes.c_float(), ctypes.c_float()
    subpaths: list[tuple[list[tuple[float, float]], bool]] = []
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        pdfium_c.FPDFPathSegment_GetPoint(seg, x, y)
        point = (a * x.value + c * y.value + e - left, top - (b * x.value + d * y.value + f))
        if pdfium_c.FPDFPathSegment_GetType(seg) == pdfium_c.FPDF_SEGMENT_MOVETO or not subpaths:
            subpaths.append(([point], False))
        else:
            subpaths[-1][0].append(point)
        if pdfium_c.FPDFPathSegment_GetClose(seg):
            subpaths[-1] = (subpaths[-1][0], True)
    fill_white = None
    for points, closed in subpaths:
        rect = _as_rect(points)
        if rect is not None:
            if fill_white is None:
                fill_white = not stroke.value and _white_fill(obj)
            if visible_rect(rect, stroked=bool(stroke.value), white_fill=fill_white):
                edges.extend(_rect_edges(rect))
            continue
        if closed and len(points) > 2:
            points = points + [points[0]]
        for p, q in zip(points, points[1:]):
            edge = _segment_edge(p, q)
            if edge is not None:
                edges.append(edge)


def _as_rect(points):
    """(x0, top, x1, bottom) if the sub-path is an axis-aligned rectangle (`re`, or m l l l [h])."""
    if len(points) == 5 and _close(points[0], points[4]):
        points = points[:4]
    if len(points) != 4:
        return None
    xs, ys = sorted({round(p[0], 2) for p in points}), sorted({round(p[1], 2) for p in points})
    if len(xs) > 2 or len(ys) > 2:
        return None
    for p, q in zip(points, points[1:] + points[:1]):  # every side horizontal or vertical
        if abs(p[0] - q[0]) > 0.01 and abs(p[1] - q[1]) > 0.01:
            return None
    return (xs[0], ys[0], xs[-1], ys[-1])


def _close(p, q) -> bool:
    return abs(p[0] - q[0]) < 0.01 and abs(p[1] - q[1]) < 0.01


def visible_rect(rect, stroked: bool, white_fill: bool) -> bool:
    """Drop white background boxes (Word shades paragraphs with them); they are not ruling lines. A thin white
    box is still a line (white-on-dark rules are rare, but the thinness says "rule")."""
    x0, top, x1, bottom = rect
    return stroked or not white_fill or min(x1 - x0, bottom - top) < 2.5


def _white_fill(obj) -> bool:
    r, g, b, alpha = (ctypes.c_uint() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetFillColor(obj, r, g, b, alpha):
        return False
    return min(r.value, g.value, b.value) >= 242  # 0.95 of 255


def _rect_edges(rect) -> list[dict]:
    x0, top, x1, bottom = rect
    return [{"x0": x0, "x1": x1, "top": top, "bottom": top, "orientation": "h"},
            {"x0": x0, "x1": x1, "top": bottom, "bottom": bottom, "orientation": "h"},
            {"x0": x0, "x1": x0, "top": top, "bottom": bottom, "orientation": "v"},
            {"x0": x1, "x1": x1, "top": top, "bottom": bottom, "orientation": "v"}]


def _segment_edge(p, q) -> dict | None:
    (px, py), (qx, qy) = p, q
    if abs(py - qy) < STRAIGHT and abs(px - qx) >= STRAIGHT:
        y = (py + qy) / 2
        return {"x0": min(px, qx), "x1": max(px, qx), "top": y, "bottom": y, "orientation": "h"}
    if abs(px - qx) < STRAIGHT and abs(py - qy) >= STRAIGHT:
        x = (px + qx) / 2
        return {"x0": x, "x1": x, "top": min(py, qy), "bottom": max(py, qy), "orientation": "v"}
    return None
