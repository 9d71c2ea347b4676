"""Tables printed without ruling lines ("remove borders" in Word, print-as-text exports): rows rebuilt from
the positions of the characters.

The characters left outside ruled tables are grouped into visual lines; a line is cut into segments at
horizontal gaps wider than SPLIT_GAP (in ems of the font size). A run of lines with two or more segments is a
block (a table); inside a block, a line with no number in it that follows the line above closely (less than
WRAP_GAP ems between them) is a wrapped continuation of that row (a long label printed over several lines)
and is folded into it. The columns of a block are the bands of x covered by its segments — segments that
span a gap between two segments of another row (a merged header such as 申请人情况) are left out when the
bands are found — so a column left empty in a row gets an empty cell there and later values do not shift.
Each row becomes one `TextRowItem` (→ one Line, one cell per column, page and box per cell).
"""
from __future__ import annotations

import re
from bisect import bisect_right

from extract.formats.grid import ProseItem, TextRowItem, clean_text, join_text

SPLIT_GAP = 0.8  # ems: a wider horizontal gap inside a line separates two columns (word spaces are ~0.3 em)
WRAP_GAP = 1.0  # ems: a smaller vertical gap to the line above means the same table row, wrapped
_NUMBERISH = re.compile(r"\d")


def _size(chars: list[dict]) -> float:
    sizes = sorted(c.get("size") or (c["bottom"] - c["top"]) or 10.0 for c in chars)
    return max(sizes[len(sizes) // 2], 1.0)


def segments(line: list[dict], line_text) -> list[dict]:
    """Cut one visual line (characters sorted by x) at wide gaps: [{text, x0, x1, top, bottom}]."""
    em = _size(line)
    parts: list[list[dict]] = [[line[0]]]
    for prev, ch in zip(line, line[1:]):
        if ch["x0"] - prev["x1"] > SPLIT_GAP * em:
            parts.append([])
        parts[-1].append(ch)
    out = []
    for p in parts:
        text = clean_text(line_text(p))
        if text:
            out.append({"text": text, "x0": min(c["x0"] for c in p), "x1": max(c["x1"] for c in p),
                        "top": min(c["top"] for c in p), "bottom": max(c["bottom"] for c in p), "em": em})
    return out


def page_items(lines: list[list[dict]], number: int, line_text) -> list:
    """ProseItems and TextRowItems for the visual lines (characters sorted by x) of one page."""
    segmented = [s for s in (segments(line, line_text) for line in lines) if s]
    items: list = []
    block: list[list[list[dict]]] = []  # rows, each a list of lines, each a list of segments

    def flush():
        if sum(1 for row in block if len(row[0]) >= 2) >= 2:
            items.extend(_block_items(block, number))
        else:
            for row in block:
                for segs in row:
                    items.append(_prose(segs, number))
        block.clear()

    for segs in segmented:
        if block and _continues(block[-1][-1], segs):
            block[-1].append(segs)
        elif len(segs) >= 2:
            block.append([segs])
        else:
            flush()
            items.append(_prose(segs, number))
    flush()
    return items


def _continues(above: list[dict], segs: list[dict]) -> bool:
    """A line right under a table row, without a number: the row's labels wrapped (a table row's values sit
    on its first line, so a line with a number starts a row of its own)."""
    gap = min(s["top"] for s in segs) - max(s["bottom"] for s in above)
    return gap < WRAP_GAP * segs[0]["em"] and not any(_NUMBERISH.search(s["text"]) for s in segs)


def _prose(segs: list[dict], number: int) -> ProseItem:
    return ProseItem(" ".join(s["text"] for s in segs), number, _box(segs))


def _box(segs: list[dict]) -> tuple[float, float, float, float]:
    return (min(s["x0"] for s in segs), min(s["top"] for s in segs),
            max(s["x1"] for s in segs), max(s["bottom"] for s in segs))


def columns(rows: list[list[dict]]) -> list[tuple[float, float]]:
    """x bands of the columns: the union of the segments' x ranges, leaving out segments that cover the gap
    between two neighbouring segments of another row (merged cells would glue two columns together)."""
    gaps = sorted((a["x1"], b["x0"]) for row in rows for a, b in zip(row, row[1:]))
    # A segment covers a gap when some gap starts after the segment's start and ends before its end: with the
    # gaps sorted by start and the smallest end of every suffix, one bisection per segment (was segments x gaps).
    starts = [g0 for g0, _ in gaps]
    min_end = [float("inf")] * (len(gaps) + 1)
    for i in range(len(gaps) - 1, -1, -1):
        min_end[i] = min(gaps[i][1], min_end[i + 1])
    narrow = [s for row in rows for s in row if not min_end[bisect_right(starts, s["x0"])] < s["x1"]]
    bands: list[list[float]] = []
    for s in sorted(narrow, key=lambda s: s["x0"]):
        if bands and s["x0"] < bands[-1][1]:
            bands[-1][1] = max(bands[-1][1], s["x1"])
        else:
            bands.append([s["x0"], s["x1"]])
    return [(a, b) for a, b in bands]


def _column_of(seg: dict, bands: list[tuple[float, float]]) -> int:
    """The first band the segment overlaps (a merged cell sits at its top-left, as in ruled tables)."""
    for i, (a, b) in enumerate(bands):
        if seg["x0"] < b and seg["x1"] > a:
            return i
    # between bands (should not happen: every segment helped make the bands, or spans some): nearest band
    return min(range(len(bands)), key=lambda i: abs(bands[i][0] - seg["x0"]))


def _block_items(block: list[list[list[dict]]], number: int) -> list[TextRowItem]:
    bands = columns([segs for row in block for segs in row])
    out = []
    for row in block:
        per_col: dict[int, list[dict]] = {}
        for segs in row:
            for s in segs:
                per_col.setdefault(_column_of(s, bands), []).append(s)
        cells = []
        for i in range(len(bands)):
            segs = per_col.get(i, [])
            cells.append((join_text([s["text"] for s in segs]), _box(segs)) if segs else ("", None))
        out.append(TextRowItem(cells, number, _box([s for segs in row for s in segs])))
    return out
