"""Stage 5 for T2 (二、主动公开政府信息情况): its keys (spec §3.1) and its reader. The table is read top to bottom:
block rows (第二十条第(X)项) set the block, 信息内容 rows the column headers, row labels the row; a row's values go
to its header's columns (by grid column in a real table, by character column in a fixed-width text, else in order).
"""
from __future__ import annotations

import re
from functools import lru_cache

from extract import columns
from extract.cells import MONEY, Cells, header_unit
from extract.model import Flag, KeyedCell, SourceCell
from extract.tables import T2, Region, Row
from extract.values import cell_kind, squash

_ENUM = re.compile(r"^(\([一二三四五六七八九十\d]{1,2}\)|[一二三四五六七八九十]{1,2}、|\d{1,2}[.、．])")


def strip_enum(label: str) -> str:
    return _ENUM.sub("", label)


# ---- active disclosure (T2) -----------------------------------------------------------------------------------
T2_ROWS = [
    ("regulations", re.compile(r"^规章$")),
    ("normative_docs", re.compile(r"^(行政)?规范性文件$")),
    ("admin_licensing", re.compile(r"^行政许可$")),
    ("other_mgmt_services", re.compile(r"^其他对外管理服务事项$")),
    ("admin_penalty", re.compile(r"^行政处罚$")),
    ("admin_coercion", re.compile(r"^行政强制$")),
    ("admin_fees", re.compile(r"^行政事业性收费$")),
    ("central_procurement", re.compile(r"^政府集中采购$")),
]
T2_COLS = [
    ("issued", re.compile(r"本年制发")),
    ("repealed", re.compile(r"本年废止")),
    ("in_force", re.compile(r"现行有效")),
    ("new_made", re.compile(r"新制作")),
    ("new_published", re.compile(r"新公开")),
    ("total_published", re.compile(r"对外公开总")),
    ("prev_year_items", re.compile(r"上一年项目")),
    ("items_change", re.compile(r"增/?减|增减")),
    ("procurement_items", re.compile(r"采购项目数")),
    ("procurement_amount", re.compile(r"采购总金额")),
    ("fee_amount", re.compile(r"收费金额")),
    ("decisions", re.compile(r"处理决定")),
]
T2_BLOCK = re.compile(r"第二十条第?\(?([一二三四五六七八九十]{1,2})\)?项")
T2_DEFAULT_COLS = {
    "gb2021": {"一": ["issued", "repealed", "in_force"], "五": ["decisions"], "六": ["decisions"],
               "八": ["fee_amount"]},
    "gb2019trial": {"一": ["new_made", "new_published", "total_published"],
                    "五": ["prev_year_items", "items_change", "decisions"],
                    "六": ["prev_year_items", "items_change", "decisions"],
                    "八": ["prev_year_items", "items_change"], "九": ["procurement_items", "procurement_amount"]},
}
T2_UNITS = {"fee_amount": "万元", "procurement_amount": "万元", "prev_year_items": "项", "items_change": "项",
            "procurement_items": "项"}
T2_ROW_BLOCK = {"regulations": "一", "normative_docs": "一", "admin_licensing": "五", "other_mgmt_services": "五",
                "admin_penalty": "六", "admin_coercion": "六", "admin_fees": "八", "central_procurement": "九"}



def map_active_disclosure(region: Region, template: str, flags: list[Flag]) -> list[KeyedCell]:
    return _T2Reader(region, template, flags).read()


class _T2Reader:
    """T2 read top to bottom: block rows (第二十条第(X)项) set the block, 信息内容 rows the column headers (with
    their grid columns), row labels the row; a row's values go to the header's columns (by grid column in a real
    table, in order in text). Labels broken over lines are joined with the fragments around them."""

    def __init__(self, region: Region, template: str, flags: list[Flag]):
        self.region, self.flags = region, flags
        self.defaults = T2_DEFAULT_COLS.get(template, T2_DEFAULT_COLS["gb2021"])
        self.block: str | None = None
        self.header: list[tuple[str, int | None, str]] = []  # (col key, grid col, header text)
        self.positions: list[int | None] = []  # fixed-width text: character column of each header
        self.collecting = False
        self.current: str | None = None
        self.fragments: list[str] = []
        self.out = Cells(T2, region, flags)
        self.done: set[str] = set()

    def read(self) -> list[KeyedCell]:
        rows = self.region.rows
        for i, row in enumerate(rows):
            found = False
            offsets = row.label_offsets or [None] * len(row.labels)
            for cell, offset in zip(row.labels, offsets):
                found |= self._label(cell, offset)
            if not found and row.slots and row.n_filled():
                found = self._joined_label(row, rows[i + 1:i + 4])
            if self.current is None or self.current in self.done or not row.slots and not found:
                continue
            self._values(row)
        return self.out.finish()

    def _label(self, cell: SourceCell, offset: int | None = None) -> bool:
        """Read one label cell; True when it names a data row. A label that names nothing may be the first part
        of a header or label broken over two lines ("本年处理" / "决定数量"): it is kept as a fragment and tried
        again joined with the labels that follow."""
        label = squash(cell.text)
        for n in (0, 1, 2):
            if n > len(self.fragments):
                break
            joined = "".join(self.fragments[len(self.fragments) - n:]) + label
            found = self._named(joined, cell, offset if n == 0 else None)
            if found is not None:
                return found
        if self.header and self.header[-1][0] in MONEY and header_unit(label) and not header_unit(self.header[-1][2]):
            col, grid_col, text = self.header[-1]  # "本年收费金额" / "（单位：万元）": the unit on the next line
            self.header[-1] = (col, grid_col, text + label)
            return False
        self.fragments.append(label)
        return False

    def _named(self, label: str, cell: SourceCell, offset: int | None) -> bool | None:
        """True: a data row; False: a block, the 信息内容 header or column headers; None: nothing known."""
        m = T2_BLOCK.search(label)
        if m:
            self.block, self.header, self.collecting, self.current, self.fragments = m.group(1), [], False, None, []
            self.positions = []
            return False
        if label.startswith("信息内容"):
            self.header, self.collecting, self.current, self.fragments = [], True, None, []
            self.positions = []
            label = label[4:]
            if not label:
                return False
        key = _t2_row(label)
        if key:
            self._row(key)
            return True
        cols = _t2_cols(label)
        if cols and self.collecting:
            self.header += [(c, cell.col if len(cols) == 1 else None, label) for c in cols]
            self.positions += [offset if len(cols) == 1 else None for _ in cols]
            self.fragments = []
            return False
        return None

    def _joined_label(self, row: Row, following: list[Row]) -> bool:
        """A row of values whose own label names nothing: its label continues on the lines after it."""
        joined = row.label
        for nxt in following:
            if nxt.slots:
                break
            joined += nxt.label
            key = _t2_row(joined)
            if key:
                self._row(key)
                return True
        return False

    def _row(self, key: str) -> None:
        self.current, self.collecting, self.fragments = key, False, []
        if self.block is None:
            self.block = T2_ROW_BLOCK[key]

    def _values(self, row: Row) -> None:
        key = self.current
        header = self.header or [(c, None, "") for c in self.defaults.get(self.block or T2_ROW_BLOCK[key], [])]
        if not header:
            return
        self.done.add(key)
        n = len(header)
        fixed = columns.place_by_offset(row, self.positions) if row.kind == "fixed" and self.header else None
        if row.kind == "grid" and all(col is not None for _, col, _ in header):
            placement, extra = columns.place_grid(row, [col for _, col, _ in header])
        elif fixed is not None:
            placement, extra = fixed, []
        elif not row.slots:
            placement, extra = columns.label_only(self.region.fixed, n), []
        else:
            values = list(row.slots)
            filled = [c for c in values if cell_kind(c.text) != "empty"]
            extra = filled[n:] if row.kind in ("packed", "fixed") else \
                [c for c in values[n:] if cell_kind(c.text) != "empty"]
            if row.kind in ("packed", "fixed"):
                placement = columns.place_packed(filled, n) if len(filled) <= n else columns.place_in_order(filled, n)
                if placement is None:
                    self.out.unplaced(key, row, f"{len(filled)} numbers for {n} columns and empty cells not shown")
                    placement = [(None, "values not placeable in their columns (see unplaced_values)")] * n
            else:
                placement = columns.place_in_order(values, n)
        if extra:
            self.flags.append(Flag("extra_cells", f"active_disclosure row {key}: more values than columns",
                                   {"row": key, "cells": [v.text for v in row.slots]}))
        slot_of = {id(c): i for i, c in enumerate(row.slots)}
        for (col, _, text), placed in zip(header, placement):
            cell = placed[0]
            slot = (cell.col if row.kind == "grid" else slot_of.get(id(cell))) if cell is not None else None
            self.out.add(key, col, placed, T2_UNITS.get(col, "件"), row, slot,
                         header_unit(text) if col in MONEY else None)


@lru_cache(maxsize=2048)
def _t2_row(label: str) -> str | None:
    bare = strip_enum(label)
    return next((k for k, p in T2_ROWS if p.match(bare)), None)


@lru_cache(maxsize=2048)
def _t2_cols(label: str) -> list[str]:
    """Column keys named in a header label, in printed order (a text export may print a whole header row as one
    label: "信息内容本年制发件数本年废止件数现行有效件数")."""
    found = []
    for key, pattern in T2_COLS:
        for m in pattern.finditer(label):
            found.append((m.start(), key))
    found.sort()
    out: list[str] = []
    for _, key in found:
        if key not in out:
            out.append(key)
    return out
