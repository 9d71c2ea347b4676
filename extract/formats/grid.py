"""Geometry helpers shared by the positional parsers (PDF text layer and OCR'd scans).

Both see a table as a set of cell rectangles (a merged cell is one big rectangle). `grid_positions` turns
the rectangles into grid positions (row, col, rowspan, colspan) by clustering their edges, and `join_text`
joins the text lines found inside one cell the way a reader would (no space between Chinese characters,
so a header printed one character per line becomes one word).
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef“”‘’、。，；：！？（）《》【】"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_CJK_CHAR = re.compile(rf"[{_CJK}]")


def clean_text(text: str) -> str:
    """Collapse whitespace; drop spaces next to CJK characters (justified or letter-spaced Chinese)."""
    text = re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()
    return _SPACE_BETWEEN_CJK.sub("", text)


def join_text(lines: list[str]) -> str:
    """Join the visual lines of one cell / paragraph: wrapped Chinese joins without a space, Latin with one."""
    out = ""
    for line in (clean_text(x) for x in lines):
        if not line:
            continue
        if out and not (_CJK_CHAR.match(out[-1]) or _CJK_CHAR.match(line[0])) \
                and not out.endswith("-"):
            out += " "
        out += line
    return out


def cluster(values: list[float], tol: float) -> list[float]:
    """Sorted representatives of `values`, merging values closer than `tol` (mean of each cluster)."""
    reps: list[list[float]] = []
    for v in sorted(values):
        if reps and v - reps[-1][-1] <= tol:
            reps[-1].append(v)
        else:
            reps.append([v])
    return [sum(group) / len(group) for group in reps]


def nearest(edges: list[float], v: float) -> int:
    i = bisect_left(edges, v)
    if i == 0:
        return 0
    if i == len(edges):
        return len(edges) - 1
    return i if edges[i] - v < v - edges[i - 1] else i - 1


@dataclass
class GridCell:
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom
    row: int = 0
    col: int = 0
    rowspan: int = 1
    colspan: int = 1
    text: str = ""
    confidence: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def grid_positions(cells: list[GridCell], tol: float, xs: list[float] | None = None) -> tuple[list[float], list[float]]:
    """Give each cell its row/col/rowspan/colspan from the clustered cell edges. Returns (xs, ys).

    `xs` may be passed in to place a table fragment on the column edges of the table it continues."""
    if xs is None:
        xs = cluster([c.bbox[0] for c in cells] + [c.bbox[2] for c in cells], tol)
    ys = cluster([c.bbox[1] for c in cells] + [c.bbox[3] for c in cells], tol)
    for c in cells:
        c.col = nearest(xs, c.bbox[0])
        c.colspan = max(1, nearest(xs, c.bbox[2]) - c.col)
        c.row = nearest(ys, c.bbox[1])
        c.rowspan = max(1, nearest(ys, c.bbox[3]) - c.row)
    # Two rectangles landing on one position (a doubled ruling line): keep the bigger one.
    seen: dict[tuple[int, int], GridCell] = {}
    for c in sorted(cells, key=lambda c: -(c.bbox[2] - c.bbox[0]) * (c.bbox[3] - c.bbox[1])):
        seen.setdefault((c.row, c.col), c)
    cells[:] = sorted(seen.values(), key=lambda c: (c.row, c.col))
    return xs, ys


def edges_compatible(prev_xs: list[float], xs: list[float], tol: float) -> bool:
    """Does a table fragment with column edges `xs` fit the column structure `prev_xs` of an earlier fragment?

    Same outer edges, and every inner edge of the fragment is an edge of the earlier one (a fragment may use
    fewer columns when its rows are merged, e.g. the T2 blocks with a 3-column span)."""
    if len(xs) < 2 or len(prev_xs) < 2:
        return False
    if abs(xs[0] - prev_xs[0]) > tol or abs(xs[-1] - prev_xs[-1]) > tol:
        return False
    return all(min(abs(x - p) for p in prev_xs) <= tol for x in xs)


def cells_from_separators(xs: list[float], ys: list[float], vsep, hsep) -> list[GridCell]:
    """Cells of a ruled grid: neighbouring grid positions belong to one (merged) cell unless a ruling line
    separates them. `vsep(k, r)`: is there a line on column edge xs[k] across row r? `hsep(k, c)`: a line
    on row edge ys[k] across column c? Works the same for PDF vector lines and lines found in a scan."""
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = {(r, c): (r, c) for r in range(nr) for c in range(nc)}

    def find(p):
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and not vsep(c + 1, r):
                parent[find((r, c))] = find((r, c + 1))
            if r + 1 < nr and not hsep(r + 1, c):
                parent[find((r, c))] = find((r + 1, c))
    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for pos in parent:
        groups.setdefault(find(pos), []).append(pos)
    cells = []
    for members in groups.values():
        r0, r1 = min(p[0] for p in members), max(p[0] for p in members)
        c0, c1 = min(p[1] for p in members), max(p[1] for p in members)
        cells.append(GridCell((xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1]), r0, c0, r1 - r0 + 1, c1 - c0 + 1))
    return sorted(cells, key=lambda c: (c.row, c.col))


def owner_map(cells: list[GridCell]) -> dict[tuple[int, int], GridCell]:
    """Every grid position -> the cell covering it (a merged cell covers several positions)."""
    owners = {}
    for c in cells:
        for r in range(c.row, c.row + c.rowspan):
            for k in range(c.col, c.col + c.colspan):
                owners[(r, k)] = c
    return owners


def locate(edges: list[float], v: float) -> int | None:
    """Index i with edges[i] <= v < edges[i+1], or None outside the edges."""
    if not edges or v < edges[0] or v >= edges[-1]:
        return None
    return bisect_right(edges, v) - 1


# ---------------------------------------------------------------------------------------------------------
# Assembling pages into one document: prose lines and table fragments in reading order, tables that run
# over a page break continued as one table, page numbers dropped.

_PAGE_NUMBER = re.compile(r"^[-－—–\s]*(第\s*)?\d{1,4}(\s*页)?([/／]\s*\d{1,4})?(\s*页)?[-－—–\s]*$")
_ENUMERATOR = re.compile(r"^\s*([（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|\d+[.、．])")


@dataclass
class ProseItem:
    text: str
    page: int
    bbox: tuple[float, float, float, float]
    confidence: float | None = None


@dataclass
class TextRowItem:
    """One visual row of a table printed without ruling lines (pdf_unruled): the text of each column, with
    its box (None for a column left empty in this row). Becomes one Line with one cell per column; table=None,
    so downstream reads it like a tab-separated text row."""
    cells: list[tuple[str, tuple[float, float, float, float] | None]]
    page: int
    bbox: tuple[float, float, float, float]


@dataclass
class TableItem:
    """One table as found on one page: cell rectangles with their text (not yet on grid positions)."""
    cells: list[GridCell]
    page: int
    bbox: tuple[float, float, float, float]
    tol: float = 2.5  # edge clustering tolerance in the page's units


@dataclass
class _Table:
    index: int
    xs: list[float]
    cells: list[GridCell]  # rows numbered through the whole table
    nrows: int
    last_page: int
    tol: float


class DocumentBuilder:
    """Collects the items of each page in reading order and builds the `Line`s of a ParsedDocument."""

    def __init__(self):
        self.order: list[ProseItem | _Table] = []
        self.tables: list[_Table] = []
        self.page_numbers_dropped = 0
        self.continued_tables = 0
        self._first_on_page = True
        self._page = 0

    def add_page(self, page: int, items: list[ProseItem | TableItem]) -> None:
        items = sorted(items, key=lambda it: (it.bbox[1], it.bbox[0]))
        first = True
        for item in items:
            if isinstance(item, TextRowItem):
                self.order.append(item)
            elif isinstance(item, ProseItem):
                if _PAGE_NUMBER.match(item.text):
                    self.page_numbers_dropped += 1
                    continue
                if first and _fold_into_unruled_row(self.order[-1] if self.order else None, item):
                    continue  # still first: the next line may be the row's rest too
                self.order.append(item)
            else:
                if not (first and self._continue(item)):
                    self._new_table(item)
            first = False

    def _new_table(self, item: TableItem) -> None:
        xs, ys = grid_positions(item.cells, item.tol)
        for c in item.cells:
            c.extra["page"] = item.page
        table = _Table(len(self.tables), xs, item.cells, len(ys) - 1, item.page, item.tol)
        self.tables.append(table)
        self.order.append(table)

    def _continue(self, item: TableItem) -> bool:
        """Append `item` to the previous table if it is that table's continuation on the next page."""
        if not self.order or not isinstance(self.order[-1], _Table):
            return False
        prev = self.order[-1]
        if prev.last_page != item.page - 1:
            return False
        own_xs = cluster([c.bbox[0] for c in item.cells] + [c.bbox[2] for c in item.cells], item.tol)
        tol = max(item.tol, prev.tol) * 1.5
        if edges_compatible(prev.xs, own_xs, tol):
            pass
        elif edges_compatible(own_xs, prev.xs, tol):
            # The earlier fragment had merged cells over some columns (e.g. only header rows): refine its grid.
            prev.xs = own_xs
            for c in prev.cells:
                c.col = nearest(own_xs, c.bbox[0])
                c.colspan = max(1, nearest(own_xs, c.bbox[2]) - c.col)
        else:
            return False
        _, ys = grid_positions(item.cells, item.tol, xs=prev.xs)
        rows = _rows_text(item.cells)
        head = _rows_text([c for c in prev.cells])
        # A repeated header (Word's "repeat header rows"): drop the rows that repeat the table's first rows.
        skip = 0
        while skip < len(rows) and skip < len(head) and rows[skip] == head[skip] and any(rows[skip]):
            skip += 1
        cells = [c for c in item.cells if c.row >= skip]
        offset = prev.nrows - skip
        last_row = prev.nrows - 1
        prev_last = {c.col: c for c in prev.cells if c.row <= last_row < c.row + c.rowspan}
        first_row = [c for c in cells if c.row == skip]
        if _is_broken_row(first_row, prev_last):
            # Word let the last row run over the page break: its second half belongs to the cells above.
            for c in first_row:
                above = prev_last[c.col]
                above.text = join_text([above.text, c.text])
                above.rowspan += c.rowspan - 1  # a merged cell that goes on below the broken row
            cells = [c for c in cells if c.row != skip]
            skip += 1
            offset = prev.nrows - skip
        kept = []
        for c in cells:
            above = prev_last.get(c.col)
            if c.row == skip and above is not None and above.colspan == c.colspan \
                    and self._is_split_cell(above, c, prev, cells):
                above.rowspan += c.rowspan  # the same merged cell, broken by the page
                above.text = above.text + c.text if not _ENUMERATOR.match(c.text) else above.text
                continue
            c.row += offset
            c.extra["page"] = item.page
            kept.append(c)
        prev.cells.extend(kept)
        prev.nrows += len(ys) - 1 - skip
        prev.last_page = item.page
        self.continued_tables += 1
        return True

    @staticmethod
    def _is_split_cell(above: GridCell, cell: GridCell, prev: _Table, cells: list[GridCell]) -> bool:
        """A label cell that Word broke over the page: the continuation is empty, or both halves are group
        labels (more label columns to their right) and the lower half does not start a new numbered item."""
        if cell.text == "":
            return above.text != "" or above.rowspan > 1
        if _ENUMERATOR.match(cell.text) or _is_number(cell.text) or _is_number(above.text):
            return False
        right_of_above = [c for c in prev.cells if c.col == above.col + above.colspan
                          and c.row <= above.row + above.rowspan - 1 < c.row + c.rowspan]
        right_of_cell = [c for c in cells if c.col == cell.col + cell.colspan and c.row == cell.row]
        return bool(right_of_above and right_of_cell
                    and not _is_number(right_of_above[0].text) and not _is_number(right_of_cell[0].text)
                    and right_of_above[0].text and right_of_cell[0].text)

    def lines(self):
        from extract.model import Line, SourceCell
        out = []
        for item in self.order:
            if isinstance(item, ProseItem):
                out.append(Line([SourceCell(item.text, page=item.page, bbox=_round(item.bbox),
                                            confidence=item.confidence)]))
                continue
            if isinstance(item, TextRowItem):  # one cell per column band, empty ones included: a closed row
                out.append(Line([SourceCell(text, page=item.page, bbox=_round(box) if box else None)
                                 for text, box in item.cells], sep="band", closed=True))
                continue
            by_row: dict[int, list[GridCell]] = {}
            for c in item.cells:
                by_row.setdefault(c.row, []).append(c)
            for r in sorted(by_row):
                out.append(Line([SourceCell(c.text, table=item.index, row=r, col=c.col, page=c.extra.get("page"),
                                            bbox=_round(c.bbox), confidence=c.confidence)
                                 for c in sorted(by_row[r], key=lambda c: c.col)], table=item.index))
        return out


def _fold_into_unruled_row(above, item: ProseItem) -> bool:
    """A label line at the top of a page, without a number, under a cell of the unruled table row that ended
    the previous page: the rest of that row, broken over the page (folded into that cell)."""
    if not isinstance(above, TextRowItem) or re.search(r"\d", item.text):
        return False
    for i, (text, box) in enumerate(above.cells):
        if box and item.bbox[0] < box[2] and item.bbox[2] > box[0] and item.bbox[0] >= box[0] - 3:
            above.cells[i] = (join_text([text, item.text]), box)
            return True
    return False


def _is_broken_row(first_row: list[GridCell], prev_last: dict[int, GridCell]) -> bool:
    """Is the first row of a continuation the rest of the previous page's last row? Every cell sits under a
    cell of the same width, and each is empty, or under an empty cell, or continues the text above (not a
    number under a number, not a new numbered label)."""
    if not first_row:
        return False
    for c in first_row:
        above = prev_last.get(c.col)
        if above is None or above.colspan != c.colspan:
            return False
        if not c.text or not above.text:
            continue
        if _is_number(c.text) or _is_number(above.text) or _ENUMERATOR.match(c.text):
            return False
    return any(c.text for c in first_row)


def _rows_text(cells: list[GridCell]) -> list[tuple]:
    rows: dict[int, list[tuple[int, str]]] = {}
    for c in cells:
        rows.setdefault(c.row, []).append((c.col, c.text))
    return [tuple(sorted(rows[r])) for r in sorted(rows)]


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[-+−]?\d[\d,，.]*(万元|元|件|%)?", text.strip()))


def _round(bbox):
    return None if bbox is None else tuple(round(v, 1) for v in bbox)


def normalise_document(doc):
    """Same text normalisation as the HTML/text parsers (extract.decode.clean_text): Traditional script turned
    into Simplified (the original script kept in meta["script"]), NFKC, Word bookmark residue removed."""
    from extract.decode import clean_text as decode_clean, detect_script
    script = detect_script("".join(c.text for line in doc.lines for c in line.cells))
    for line in doc.lines:
        for cell in line.cells:
            if cell.text:
                cell.text = decode_clean(cell.text, script)[0].strip()
        line.refresh()
    doc.meta["script"] = script
    return doc
