"""Where each printed value of a table row goes: the column it sits in, decided by how much the layout shows
(tables.Row.kind). Grid positions always win: a value in a real table (HTML, DOCX, XLSX, ruled PDF) is read from
the grid column its cell occupies, never moved by a heuristic. Only text rows without positions fall back to
order, and only where the order is unambiguous; otherwise their cells are `missing`, with the reason.

A placement is one entry per table column: (cell, why). A cell — read it; (None, None) — the document shows the
cell empty without a cell of its own (blank); (None, reason) — the cell could not be read (missing).
"""
from __future__ import annotations

from extract.tables import Row
from extract.values import cell_kind, squash

Placement = list[tuple[object, str | None]]

NOT_PRINTED = "no cell at this position in the printed row"
NO_VALUES = "no values printed on the row (this layout does not show empty cells)"


def label_only(region_fixed: bool, n: int) -> Placement:
    """A row printed with its label and no values: seen empty in a fixed-width table, else not readable."""
    return [(None, None) if region_fixed else (None, NO_VALUES)] * n


def place_by_offset(row: Row, positions: list[float | None]) -> Placement | None:
    """A fixed-width row's values under the header positions of their columns (None: not placeable)."""
    if row.offsets is None or any(p is None for p in positions):
        return None
    gap = min((b - a for a, b in zip(positions, positions[1:])), default=12.0)
    placement: Placement = [(None, None)] * len(positions)
    for cell, offset in zip(row.slots, row.offsets):
        if cell_kind(cell.text) == "empty":
            continue
        i = min(range(len(positions)), key=lambda k: abs(positions[k] - offset))
        if abs(positions[i] - offset) > gap / 2 or placement[i][0] is not None:
            return None
        placement[i] = (cell, None)
    return placement


def header_columns(rows: list[Row], names: list[tuple[str, tuple[str, ...]]], stop: int) -> dict[int, list]:
    """Grid column of each named column, per source table, from the header cells above row `stop`.

    names: [(column key, accepted header texts)] in printed order. The value columns of the template are
    contiguous, so one recognised header places them all (seed 003 lost its 总计 header cell, yet its column is
    the one after 其他); with no header at all, the last len(names) grid columns of the table are the value
    columns. Returns {source table: [grid column or None per name]}."""
    by_table: dict[int, list[Row]] = {}
    for row in rows:
        cells = row.labels + row.slots
        if cells and cells[0].table is not None:
            by_table.setdefault(cells[0].table, []).append(row)
    out = {}
    for table, table_rows in by_table.items():
        found: dict[int, int] = {}
        for row in table_rows:
            if row.index >= stop:
                break
            for cell in row.labels:
                text = squash(cell.text)
                for i, (_, accepted) in enumerate(names):
                    if text in accepted and i not in found:
                        found[i] = cell.col
        starts = {col - i for i, col in found.items()}
        width = 1 + max((c.col for r in table_rows for c in r.labels + r.slots), default=-1)
        ordered = [found[i] for i in sorted(found)]
        if any(b <= a for a, b in zip(ordered, ordered[1:])):
            out[table] = None  # two names on one column, or out of order: not the template's grid (text in <td>s)
        elif len(starts) == 1:
            c0 = starts.pop()
            out[table] = [c0 + i for i in range(len(names))] if c0 + len(names) <= width else None
        elif found:  # headers not contiguous (an extra column between them): only the recognised ones
            out[table] = [found.get(i) for i in range(len(names))]
        else:
            out[table] = [width - len(names) + i for i in range(len(names))] if width > len(names) else None
    return out


def leaf_columns(rows: list[Row], accepted: tuple[str, ...], n: int, data_row: Row) -> list[int | None]:
    """Grid columns of a table whose header repeats its leaf names (T4: 结果维持 … 总计 under 行政复议 and again
    under each kind of 行政诉讼): the header cells with a leaf name, left to right. Without such a header, the
    data row's own cells in order when it prints exactly n of them, else the last n grid columns."""
    table = data_row.slots[0].table
    leaves = sorted({c.col for r in rows if r.index < data_row.index for c in r.labels
                     if c.table == table and squash(c.text) in accepted})
    if len(leaves) == n:
        return leaves
    if len(data_row.slots) == n:
        return [c.col for c in data_row.slots]
    width = 1 + max(c.col for r in rows for c in r.labels + r.slots if c.table == table)
    return [width - n + i for i in range(n)]


def place_grid(row: Row, columns: list[int | None]) -> tuple[Placement, list]:
    """Each column's cell by its grid position. Returns (placement, numbers at no known column)."""
    at = {c.col: c for c in row.slots}
    placement: Placement = []
    for col in columns:
        cell = at.pop(col, None) if col is not None else None
        placement.append((cell, None) if cell is not None else (None, NOT_PRINTED))
    extra = [c for c in at.values() if cell_kind(c.text) == "value"]  # a placeholder in a remarks column is not
    return placement, extra


def place_in_order(values: list, n: int) -> Placement:
    """The first n cells in order; columns the row does not reach are missing."""
    return [(values[i], None) if i < len(values) else (None, NOT_PRINTED) for i in range(n)]


def place_right(values: list, n: int) -> Placement:
    """The last n cells: a row whose end is printed, or a full row behind wandering label cells (seed 001)."""
    return [(c, None) for c in values[-n:]]


def place_packed(values: list, n: int) -> Placement | None:
    """A row that does not show its empty cells: only a full row can be placed (None otherwise)."""
    if len(values) == n:
        return [(c, None) for c in values]
    if not values:
        return [(None, NO_VALUES)] * n
    return None


class FixedBands:
    """Columns of a fixed-width layout (pdftotext -layout, text padded with spaces), by character position.

    A value sits under its column's header: the columns are the clusters of the positions of the printed values
    and of the short header words above the first row (a column empty on every row is still marked by its
    header; one whose header was lost, by its values). Positions are the cells' first characters, or their
    centres when that aligns the values better (centred cells). A value goes to the nearest column; a column
    without a value in a row is seen empty there (blank)."""

    def __init__(self, rows: list[Row], n: int, header_words: list[tuple[str, int]]):
        values = [(c.text.strip(), o) for r in rows for c, o in zip(r.slots, r.offsets or [])
                  if cell_kind(c.text) in ("value", "dash")]
        starts = _cluster(sorted(o for _, o in values), 1.5)
        centres = _cluster(sorted(o + len(t) / 2 for t, o in values), 1.5)
        self.by_centre = len(centres) < len(starts)
        self.centres: list[float] | None = None
        if not values:
            return
        points = [self._at(t, o) for t, o in values]
        heads = [self._at(t, o) for t, o in header_words]
        columns = _cluster(sorted(points + [h for h in heads if h > min(points) - 3]), 2.0)
        if len(columns) == n:
            self.centres = columns

    def _at(self, text: str, offset: int) -> float:
        return offset + len(text) / 2 if self.by_centre else float(offset)

    def place(self, row: Row, n: int) -> Placement | None:
        if self.centres is None or row.offsets is None:
            return None
        gap = min((b - a for a, b in zip(self.centres, self.centres[1:])), default=8.0)
        placement: Placement = [(None, None)] * n
        for cell, offset in zip(row.slots, row.offsets):
            if cell_kind(cell.text) == "empty":
                continue
            at = self._at(cell.text.strip(), offset)
            i = min(range(n), key=lambda k: abs(self.centres[k] - at))
            if abs(self.centres[i] - at) > gap / 2 or placement[i][0] is not None:
                return None  # between two columns, or two values in one column: not placeable
            placement[i] = (cell, None)
        return placement


def _cluster(values: list[float], tol: float) -> list[float]:
    groups: list[list[float]] = []
    for v in values:
        if groups and v - groups[-1][-1] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]
