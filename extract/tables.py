"""Stage 4 — tables: find the three standard tables in a parsed document and cut them into rows of
(label cells, value slots), whatever the layout:

* grid rows (HTML/PDF/DOCX tables, spans resolved) and tab-separated text rows (seeds 000/001/003): one line = one
  row; the value slots are the cells after the row's last label cell, blanks kept in place;
* one cell per line (seeds 002 and 004): every label starts a row and the value lines that follow are its slots;
  empty cells count as blank slots once a row has begun (004's "⇥" lines), blank lines separate nothing.

Which key a row or slot gets is decided in keys.py; this module only knows the shapes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from extract.decode import squash
from extract.model import Line, ParsedDocument, SourceCell

T2, T3, T4 = "active_disclosure", "applications", "review_litigation"

_VALUE = re.compile(r"^[+\-−]?\d[\d,，]*(\.\d+)?(万元|元|万|件|项|条|个|次)?$")
_DASH = {"/", "-", "--", "---", "—", "——", "－", "无", "空", "/ ", "\\", "—-", "-/-", "–", "――"}


def cell_kind(text: str) -> str:
    """empty / value / dash / label"""
    s = squash(text)
    if not s:
        return "empty"
    if _VALUE.match(s):
        return "value"
    if s in _DASH:
        return "dash"
    return "label"


@dataclass
class Row:
    labels: list[SourceCell] = field(default_factory=list)
    slots: list[SourceCell] = field(default_factory=list)  # value / dash / empty cells, in order
    index: int = 0  # position of the row in its region (the source row for text formats)

    @property
    def label_texts(self) -> list[str]:
        return [squash(c.text) for c in self.labels]

    def values(self) -> list[SourceCell]:
        """Slots with trailing empty cells trimmed (a row's printed width ends at its last filled cell)."""
        slots = list(self.slots)
        while slots and cell_kind(slots[-1].text) == "empty":
            slots.pop()
        return slots

    def n_filled(self) -> int:
        return sum(1 for c in self.slots if cell_kind(c.text) in ("value", "dash"))


@dataclass
class Region:
    table: str
    index: int  # region number in the document (source table index for text formats)
    rows: list[Row]
    layout: str  # grid / tabbed / linear
    first_line: int

    def __post_init__(self):
        for i, row in enumerate(self.rows):
            row.index = i


# ---- finding the regions ------------------------------------------------------------------------------------
_T2_ANCHOR = re.compile(r"第二十条")
_T3_ANCHOR = re.compile(r"勾稽关系|申请人情况|本年新收")
_T4_ANCHOR = re.compile(r"^行政复议$")


def _line_key(line: Line) -> str:
    return squash("".join(line.texts))


def _is_t4_anchor(lines: list[Line], i: int) -> bool:
    first = next((squash(t) for t in lines[i].texts if squash(t)), "")
    if not _T4_ANCHOR.match(first):
        return False
    window = "".join(_line_key(l) for l in lines[i:i + 30])
    return "结果维持" in window or "维持" in window and "纠正" in window


def find_regions(doc: ParsedDocument, headings: set[int]) -> list[Region]:
    """Regions start at anchor lines and end at the next anchor, the next section heading, or the end."""
    lines = doc.lines
    anchors: list[tuple[int, str]] = []
    seen: set[str] = set()
    for i, line in enumerate(lines):
        if i in headings:
            continue
        key = _line_key(line)
        if not key:
            continue
        if T2 not in seen and _T2_ANCHOR.search(key) and len(key) < 60:
            anchors.append((i, T2)); seen.add(T2)
        elif T3 not in seen and _T3_ANCHOR.search(key) and (line.table is not None or "\t" in "".join(
                c.text for c in line.cells) or len(key) < 80):
            anchors.append((i, T3)); seen.add(T3)
        elif T4 not in seen and _is_t4_anchor(lines, i):
            anchors.append((i, T4)); seen.add(T4)
    regions = []
    for n, (start, table) in enumerate(anchors):
        stop = anchors[n + 1][0] if n + 1 < len(anchors) else len(lines)
        end = start + 1
        while end < stop and end not in headings and end - start < 600:
            end += 1
        region_lines = lines[start:end]
        regions.append(_rows_of(table, n, region_lines, start))
    return regions


def _rows_of(table: str, index: int, lines: list[Line], first_line: int) -> Region:
    if any(l.table is not None for l in lines):
        lines = [l for l in lines if l.table is not None]  # prose between grid tables is not part of the table
    # Rows are real rows only when some line carries two filled cells; a table whose every row holds one cell
    # (a text layout pasted into <td>s, one cell per line) is read like the linear text it is.
    tabbed = any(sum(1 for c in l.cells if cell_kind(c.text) != "empty") >= 2 for l in lines)
    if tabbed:
        layout = "grid" if any(l.table is not None for l in lines) else "tabbed"
        rows = [_tabbed_row(l) for l in lines if any(squash(c.text) for c in l.cells)]
        return Region(table, index, rows, layout, first_line)
    return Region(table, index, _linear_rows(lines), "linear", first_line)


def _tabbed_row(line: Line) -> Row:
    kinds = [cell_kind(c.text) for c in line.cells]
    last_label = max((i for i, k in enumerate(kinds) if k == "label"), default=-1)
    labels = [c for c, k in zip(line.cells, kinds) if k == "label"]
    return Row(labels, list(line.cells[last_label + 1:]))


def _linear_rows(lines: list[Line]) -> list[Row]:
    rows: list[Row] = []
    current: Row | None = None
    for line in lines:
        if not line.cells or (len(line.cells) == 1 and line.cells[0].text == ""):
            continue  # a blank line: no cell at all
        cells = line.cells[1:] if len(line.cells) > 1 and not squash(line.cells[0].text) else line.cells
        for cell in cells:  # "\tX" -> the cell is X; a lone "\t" line is one empty cell
            kind = cell_kind(cell.text)
            if kind == "label":
                current = Row([cell], [])
                rows.append(current)
            elif current is not None:
                current.slots.append(cell)
            elif kind != "empty":
                current = Row([], [cell])
                rows.append(current)
    return rows
