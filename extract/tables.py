"""Stage 4 — tables: find the three standard tables in a parsed document and cut them into rows of
(label cells, value slots), whatever the layout. Which key a row or slot gets is decided in keys.py; this module
only knows the shapes, and says for every row how far its cell positions can be trusted (`Row.kind`):

* ``grid``    — a row of a real table (HTML, DOCX, XLSX, PDF with ruling lines): every cell has its grid column;
* ``closed``  — a text row whose end is printed (``| … | 0 |``, markdown): its last cells are its last columns;
* ``visible`` — a text row that shows its empty cells (tabs, bars, one cell per line with placeholder lines, seed
                004) but whose label cells wander (seed 001): trailing empties are not trusted;
* ``fixed``   — a row of a fixed-width layout: cells at their character column (`Row.offsets`);
* ``packed``  — empty cells are not shown at all (numbers one space apart, one cell per line without
                placeholders): only the order of the printed cells is known.

Rows come from lines two ways. A line that shows a row (tab/bar/space separated, two or more cells) is one row.
Other lines (one cell per line, or a label followed by numbers one space apart — PDF text exports) form a stream:
a label starts a row and the values after it are its slots. A label broken over several lines leaves rows with
labels and no slots (fragments); keys.py decides which row each fragment belongs to.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from extract.model import Line, ParsedDocument, SourceCell
from extract.values import cell_kind, squash

T2, T3, T4 = "active_disclosure", "applications", "review_litigation"

# cell_kind lives in extract.values (the one grammar of cell texts); re-exported for the other stages.
__all__ = ["T2", "T3", "T4", "Row", "Region", "find_regions", "cell_kind"]


@dataclass(slots=True)
class Row:
    labels: list[SourceCell] = field(default_factory=list)
    slots: list[SourceCell] = field(default_factory=list)  # value / dash / empty cells after the labels, in order
    index: int = 0  # position of the row in its region (the source row for text formats)
    kind: str = "grid"  # grid / closed / visible / fixed / packed (module docstring)
    offsets: list[int] | None = None  # kind "fixed": character column of each slot
    label_offsets: list[int] | None = None  # kind "fixed": character column of each label

    @property
    def label_texts(self) -> list[str]:
        return [squash(c.text) for c in self.labels]

    @property
    def label(self) -> str:
        return "".join(squash(c.text) for c in self.labels)

    def values(self) -> list[SourceCell]:
        """The row's value cells. Rows that do not show where they end (tab rows: Word adds trailing tabs) lose
        their trailing empty cells; grid and closed rows keep them (a trailing empty cell is a printed blank)."""
        slots = list(self.slots)
        if self.kind in ("visible", "packed", "fixed"):
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
    layout: str  # grid / rows / linear
    first_line: int

    def __post_init__(self):
        for i, row in enumerate(self.rows):
            row.index = i
        # A fixed-width table shows each row's full width: a row printed with its label and nothing in the value
        # columns is seen empty, not unread.
        self.fixed = any(row.kind == "fixed" and row.n_filled() for row in self.rows)


# ---- finding the regions ------------------------------------------------------------------------------------
_T2_ANCHOR = re.compile(r"第二十条")
# A T2 without its 第二十条 block rows (small tables under the section heading, 栾川 DOCX): its header row.
_T2_HEADER = re.compile(r"^信息内容(本年制发件数|本年新制作数量|本年处理决定数量|处理决定数量|上一年项目数量|本年收费金额|"
                        r"采购项目数量)")
_T3_ANCHOR = re.compile(r"勾稽关系|申请人情况|本年新收")
_T4_ANCHOR = re.compile(r"^行政复议(行政诉讼)?$")


# A table anchor is real only if rows of that table follow it (not prose that names the table's labels).
_T2_ROWS = re.compile(r"规章|规范性文件|行政许可|行政处罚|行政事业性收费|政府集中采购")
_T3_ROWS = re.compile(r"予以公开|部分公开|不予公开|无法提供")


def _follows(keys: list[str], i: int, span: int, pattern: re.Pattern) -> bool:
    return any(pattern.search(k) for k in keys[i:i + span])


def _t4_follows(keys: list[str], i: int) -> bool:
    window = "".join(keys[i:i + 30])
    return "结果维持" in window or "维持" in window and "纠正" in window


def _t4_anchor(lines: list[Line], keys: list[str], i: int) -> bool:
    """The T4 header starts with 行政复议 as its first cell (or 行政 / 复议, a header broken over two lines)."""
    first = _first_text(lines[i])
    if _T4_ANCHOR.match(first):
        return True
    if first != "行政":
        return False
    following = next((k for k in keys[i + 1:i + 3] if k), "")
    return following.startswith("复议")


def _first_text(line: Line) -> str:
    for c in line.cells:
        if c.text and not c.text.isspace():
            return squash(c.text)
    return ""


def find_regions(doc: ParsedDocument, headings: set[int], keys: list[str] | None = None) -> list[Region]:
    """Regions start at anchor lines and end at the next anchor, the next section heading, or the end.
    `keys`: the squashed text of each line, when the caller has it already."""
    lines = doc.lines
    if keys is None:
        keys = [squash("".join(line.texts)) for line in lines]
    anchors: list[tuple[int, str]] = []
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if not key or i in headings:
            continue
        if not ("第二十条" in key or "信息内容" in key or "勾稽" in key or "申请人情况" in key or "本年新收" in key
                or key.startswith("行政")):
            continue  # the quick test: no anchor word on the line
        line = lines[i]
        if T2 not in seen and ("第二十条" in key and len(key) < 60 or _T2_HEADER.match(key)) \
                and _follows(keys, i, 40, _T2_ROWS):
            anchors.append((i, T2)); seen.add(T2)
        elif T3 not in seen and _T3_ANCHOR.search(key) and (len(line.cells) > 1 or len(key) < 80) \
                and _follows(keys, i, 60, _T3_ROWS):
            anchors.append((i, T3)); seen.add(T3)
        elif T4 not in seen and key.startswith("行政") and _t4_anchor(lines, keys, i) and _t4_follows(keys, i):
            anchors.append((i, T4)); seen.add(T4)
    regions = []
    for n, (start, table) in enumerate(anchors):
        stop = anchors[n + 1][0] if n + 1 < len(anchors) else len(lines)
        end = start + 1
        while end < stop and end not in headings and end - start < 600:
            end += 1
        regions.append(_rows_of(table, n, lines[start:end], start))
    return regions


# Lines that show a whole row: tab / bar separated text, fixed-width text, the column bands of a table printed
# without ruling lines (PDF).
_SHOWN = ("tab", "bar", "space", "band")


def _rows_of(table: str, index: int, lines: list[Line], first_line: int) -> Region:
    if any(l.table is not None for l in lines):
        # Prose between grid tables is not part of the table; a grid row's cells keep their grid columns.
        grid = [l for l in lines if l.table is not None]
        if any(sum(1 for c in l.cells if cell_kind(c.text) != "empty") >= 2 for l in grid):
            return Region(table, index, [_grid_row(l) for l in grid], "grid", first_line)
        # Every row holds one cell: a text layout pasted into <td>s (one cell per line), read as the text it is.
        return Region(table, index, _stream_rows(grid), "linear", first_line)
    # A line shows a whole row when it has two filled cells (tab / bar / fixed-width rows); then every such
    # line is a row, blanks in place. Lines that do not (one cell per line, "label 0 0 0") form a stream.
    shown = [l for l in lines if l.sep in _SHOWN and sum(1 for c in l.cells if cell_kind(c.text) != "empty") >= 2]
    if shown:
        rows: list[Row] = []
        stream: list[Line] = []
        for line in lines:
            if line.sep in _SHOWN and any(squash(c.text) for c in line.cells) \
                    and (len(line.cells) > 1 and line.sep != "tab" or _tab_row(line)):
                rows += _stream_rows(stream)
                stream = []
                rows.append(_shown_row(line))
            else:
                stream.append(line)
        rows += _stream_rows(stream)
        return Region(table, index, rows, "rows", first_line)
    return Region(table, index, _stream_rows(lines), "linear", first_line)


def _tab_row(line: Line) -> bool:
    """A tab line is a row unless it is a single cell behind an indent ("\\tX", seed 004's one-cell lines)."""
    return sum(1 for c in line.cells if squash(c.text)) >= 1 and not (
        len(line.cells) == 2 and not squash(line.cells[0].text))


def _grid_row(line: Line) -> Row:
    kinds = [cell_kind(c.text) for c in line.cells]
    last_label = max((i for i, k in enumerate(kinds) if k == "label"), default=-1)
    labels = [c for c, k in zip(line.cells, kinds) if k == "label"]
    return Row(labels, list(line.cells[last_label + 1:]), kind="grid")


def _shown_row(line: Line) -> Row:
    kinds = [cell_kind(c.text) for c in line.cells]
    last_label = max((i for i, k in enumerate(kinds) if k == "label"), default=-1)
    labels = [c for c, k in zip(line.cells, kinds) if k == "label"]
    slots = list(line.cells[last_label + 1:])
    if line.sep == "space":
        offsets = line.offsets or []
        return Row(labels, slots, kind="fixed", offsets=offsets[last_label + 1:],
                   label_offsets=[o for o, k in zip(offsets, kinds) if k == "label"])
    return Row(labels, slots, kind="closed" if line.closed else "visible")


def _stream_rows(lines: list[Line]) -> list[Row]:
    """One cell after the other: every label starts a row, the values and empty cells after it are its slots.
    Empty cells count only where the text writes them (a tab-indented empty line, an empty cell between bars);
    when the stream writes none, its rows are `packed`."""
    rows: list[Row] = []
    current: Row | None = None
    explicit_empties = False
    for line in lines:
        cells = line.cells
        if not cells or len(cells) == 1 and not cells[0].text and line.sep is None:
            continue  # a blank line: no cell at all
        if len(cells) > 1 and not squash(cells[0].text):
            cells = cells[1:]  # "\tX" -> the cell is X; a lone "\t" line is one empty cell
        for cell in cells:
            kind = cell_kind(cell.text)
            if kind == "empty":
                explicit_empties = True
            if kind == "label":
                current = Row([cell], [])
                rows.append(current)
            elif current is not None:
                current.slots.append(cell)
            elif kind != "empty":
                current = Row([], [cell])
                rows.append(current)
    for row in rows:
        row.kind = "visible" if explicit_empties else "packed"
    return rows
