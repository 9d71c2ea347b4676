"""XLS / XLSX → ParsedDocument.

Each sheet is split into blocks at fully empty rows; a block of one row with one filled cell is a prose line
(a heading), any other block is a table. Merged ranges are emitted once, at their top-left cell. Numbers are
written the way a reader sees them (0, 7730.28), formulas by their cached value.
"""
from __future__ import annotations

import datetime as dt
import io

from extract.formats import limits
from extract.formats.grid import clean_text, normalise_document
from extract.model import ExtractError, Line, ParsedDocument, SourceCell


def parse(data: bytes, hints: dict) -> ParsedDocument:
    limits.check_size(data, "spreadsheet")
    kind = hints.get("kind") or ("xls" if data[:4] == b"\xd0\xcf\x11\xe0" else "xlsx")
    sheets = _read_xls(data) if kind == "xls" else _read_xlsx(data)
    lines: list[Line] = []
    tables = 0
    for name, grid, merges in sheets:
        for block in _blocks(grid, merges):
            if len(block) == 1 and sum(1 for v in grid[block[0]] if v) == 1:
                lines.append(Line([SourceCell(next(v for v in grid[block[0]] if v))]))
                continue
            lines.extend(_table_lines(grid, merges, block, tables))
            tables += 1
    return normalise_document(ParsedDocument(lines, kind, {"sheets": [s[0] for s in sheets], "tables": tables}))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(round(value, 10)).rstrip("0").rstrip(".")
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10] if not isinstance(value, dt.datetime) or not value.time() else value.isoformat()
    return clean_text(str(value))


def _check_cells(rows: int, cols: int, name: str) -> None:
    if rows * cols > limits.MAX_SHEET_CELLS:
        raise ExtractError("too_large", f"sheet {name!r} spans {rows}x{cols} cells (limit {limits.MAX_SHEET_CELLS})")


def _read_xlsx(data: bytes):
    zf = limits.check_zip(data, "XLSX")
    if "xl/workbook.xml" not in zf.namelist():
        raise ExtractError("not_really_xlsx", "ZIP container without xl/workbook.xml")
    import openpyxl
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)  # not read_only: merged ranges needed
    except Exception as exc:
        raise ExtractError("corrupt", f"the XLSX cannot be read: {type(exc).__name__}: {exc}") from exc
    out = []
    for ws in wb.worksheets:
        _check_cells(ws.max_row, ws.max_column, ws.title)
        grid = [[_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        merges = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        out.append((ws.title, grid, merges))
    return out


def _read_xls(data: bytes):
    import xlrd
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception as exc:
        raise ExtractError("corrupt", f"the XLS cannot be read: {type(exc).__name__}: {exc}") from exc
    out = []
    for i in range(book.nsheets):
        sh = book.sheet_by_index(i)
        _check_cells(sh.nrows, sh.ncols, sh.name)
        grid = []
        for r in range(sh.nrows):
            row = []
            for c in range(sh.ncols):
                cell = sh.cell(r, c)
                value = cell.value
                if cell.ctype == xlrd.XL_CELL_DATE:
                    value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                    value = None
                row.append(_text(value))
            grid.append(row)
        merges = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sh.merged_cells]
        out.append((sh.name, grid, merges))
    return out


def _blocks(grid: list[list[str]], merges) -> list[list[int]]:
    """Runs of rows that hold something (a merged range keeps its rows together)."""
    covered = set()
    for r0, c0, r1, c1 in merges:
        covered.update(range(r0, r1 + 1))
    blocks, current = [], []
    for r, row in enumerate(grid):
        if any(row) or (r in covered and current):
            current.append(r)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _table_lines(grid, merges, block: list[int], index: int) -> list[Line]:
    first, last = block[0], block[-1]
    top_left = {}
    hidden = set()
    for r0, c0, r1, c1 in merges:
        if first <= r0 <= last:
            top_left[(r0, c0)] = (r1, c1)
            hidden.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (r, c) != (r0, c0))
    used = [c for r in block for c, v in enumerate(grid[r]) if v]
    used += [c1 for (r0, c0), (r1, c1) in top_left.items()]
    c_min, c_max = min(used), max(used)
    lines = []
    for r in block:
        cells = [SourceCell(grid[r][c] if c < len(grid[r]) else "", table=index, row=r - first, col=c - c_min)
                 for c in range(c_min, c_max + 1) if (r, c) not in hidden]
        if cells:
            lines.append(Line(cells, table=index))
    return lines
