"""Keyed cells as they are made, from a table's placed cells: the value parsed with its unit (money normalised
to 万元, raw kept), the status of what the document shows (model.CELL_STATUSES), and the flags that say why a cell is
missing, where a unit was assumed, which grid rows did not line up. Used by the mappers of keys.py and t2.py.
"""
from __future__ import annotations

import re
from functools import lru_cache

from extract.model import Flag, KeyedCell, SourceCell
from extract.tables import Region, Row
from extract.values import cell_kind, parse_number

MONEY = {"fee_amount", "procurement_amount"}  # the amount columns (unit 万元, printed or assumed)


class Cells:
    """The keyed cells of one table as they are made, and why any of them is missing (one flag per reason)."""

    def __init__(self, table: str, region: Region, flags: list[Flag]):
        self.table, self.region, self.flags = table, region, flags
        self.cells: list[KeyedCell] = []
        self.missing: dict[str, list[list[str]]] = {}
        self.misaligned: list[str] = []  # grid rows read by their printed order (one flag for the table)

    def add(self, row_key: str, col: str, placed: tuple, unit: str | None, source_row: Row | None = None,
            slot: int | None = None, header_unit: str | None = None) -> None:
        cell, why = placed
        if cell is None:
            if why is None:  # seen empty, without a cell of its own (a short row's unprinted middle)
                self.cells.append(KeyedCell(self.table, row_key, col, None, "", "blank", unit, None))
            else:
                self.cells.append(KeyedCell(self.table, row_key, col, None, "", "missing", unit, None))
                self.missing.setdefault(why, []).append([row_key, col])
            return
        value, status, unit = parse_value(cell.text, unit, header_unit)
        source = cell
        if source.table is None:  # text formats: the region is the table, the logical row/slot the position
            source = SourceCell(cell.text, self.region.index, source_row.index if source_row else None, slot,
                                cell.line, cell.page, cell.bbox, cell.confidence)
        self.cells.append(KeyedCell(self.table, row_key, col, value, cell.text.strip(), status, unit, source))
        if status == "num" and col in MONEY and header_unit is None and not _printed_unit(cell.text):
            self.flags.append(Flag("unit_assumed", f"{self.table} {row_key} {col}: {cell.text.strip()!r} is printed "
                                   f"without a unit, in the cell or its column header; read as {unit}, the "
                                   "template's unit", {"table": self.table, "row": row_key, "col": col,
                                                       "raw": cell.text.strip(), "assumed": unit}))

    def unplaced(self, row_key: str, row: Row, why: str) -> None:
        self.flags.append(Flag("unplaced_values", f"{self.table} row {row_key}: {why}; its cells are missing",
                               {"table": self.table, "row": row_key,
                                "values": [c.text.strip() for c in row.slots if cell_kind(c.text) != "empty"]}))

    def finish(self) -> list[KeyedCell]:
        if self.misaligned:
            self.flags.append(Flag("grid_misaligned", f"{self.table}: {len(self.misaligned)} rows do not line up "
                                   "with the template's columns (shifted text pasted into a table?); they are read "
                                   "by their printed order, from their end", {"table": self.table,
                                                                              "rows": self.misaligned}))
        if self.cells and all(c.status == "missing" for c in self.cells):
            self.flags.append(Flag("table_unread", f"{self.table}: the table was found but none of its values "
                                   "could be read", {"table": self.table, "cells": len(self.cells),
                                                     "reasons": sorted(self.missing)}))
            return []
        for why, cells in self.missing.items():
            self.flags.append(Flag("missing_cells", f"{self.table}: {len(cells)} cells could not be read ({why})",
                                   {"table": self.table, "reason": why, "cells": cells}))
        return self.cells


@lru_cache(maxsize=4096)
def _read(raw: str) -> tuple[str, float | None, str | None]:
    """(status, value, unit printed in the cell) of a cell text; most cells of a report repeat a few texts."""
    kind = cell_kind(raw)
    if kind == "empty":
        return "blank", None, None
    if kind == "dash":
        return "dash", None, None
    parsed = parse_number(raw)
    if parsed is None:
        return "text", None, None
    return "num", parsed[0], parsed[1]


def _printed_unit(text: str) -> bool:
    parsed = parse_number(text)
    return parsed is not None and parsed[1] is not None


def header_unit(text: str) -> str | None:
    """Money unit printed in a column header: "本年收费金额（单位：万元）" -> 万元; "采购总金额(元)" -> 元."""
    if "万元" in text:
        return "万元"
    if "亿元" in text:
        return "亿元"
    if re.search(r"[(（:：]\s*元|元\s*[)）]|单位\s*[:：]?\s*元", text):
        return "元"
    return None


def parse_value(raw: str, unit: str | None, printed_unit: str | None = None) -> tuple[float | None, str, str | None]:
    """(value, status, unit). Money is normalised to 万元 (raw keeps what was printed); `printed_unit` is the
    unit printed in the column header, used when the cell prints none."""
    status, value, cell_unit = _read(raw)
    if status != "num":
        return None, status, unit
    if cell_unit is None and printed_unit in ("元", "亿元"):
        value = round(value / 10000, 6) if printed_unit == "元" else round(value * 10000, 6)
        cell_unit = "万元"
    return value, "num", ("万元" if cell_unit == "万元" else unit)
