"""Stage 5 — keys: map table rows and slots to (table_key, row_key, col_key) exactly as spec §3 names them, and
parse each value (raw text kept; units parsed: "24014万元" -> 24014 万元).

What a cell is stored as follows what the document shows (model.CELL_STATUSES): a number; `blank` where the
document is seen to leave the cell empty; `dash` for a printed placeholder; `missing`, with a `missing_cells`
flag saying why, where the cell could not be read — never blank, never 0. Which column a value belongs to is
decided in columns.py (grid positions first), which label fragments make a row in fragments.py.
"""
from __future__ import annotations

import re
from functools import lru_cache

from extract import columns
from extract.fragments import keyed_rows
from extract.model import Flag, KeyedCell, SourceCell
from extract.tables import T2, T3, T4, Region, Row
from extract.values import cell_kind, parse_number, squash

# ---- applications (T3) ----------------------------------------------------------------------------------------
T3_COLS = ["natural_person", "org_commercial", "org_research", "org_public_welfare", "org_legal_service",
           "org_other", "total"]
T3_ORG_COLS = T3_COLS[:6]

# Leaf rows first: a row whose labels carry both a group and a leaf label gets the leaf.
T3_LEAF_ROWS = [
    ("denied_state_secret", re.compile(r"国家秘密")),
    ("denied_law_prohibited", re.compile(r"法律行政法规禁止|法律行政.{0,2}止公开|法律法规禁止")),
    ("denied_safety_stability", re.compile(r"三安全一稳定|危及")),
    ("denied_third_party", re.compile(r"第三方合法权益|第三方")),
    ("denied_internal_affairs", re.compile(r"内部事务|内容事务")),
    ("denied_process_info", re.compile(r"过程性")),
    ("denied_enforcement_file", re.compile(r"执法案卷")),
    ("denied_admin_query", re.compile(r"行政查询|行政查找")),  # tw2sp turns 查詢 into 查找
    ("unable_not_held", re.compile(r"不掌握")),
    ("unable_needs_creation", re.compile(r"另行制作|没有现成")),
    ("unable_still_unclear", re.compile(r"仍不明确|补正后")),
    ("unprocessed_petition", re.compile(r"信访|举报投诉")),
    ("unprocessed_duplicate", re.compile(r"重复申请")),
    ("unprocessed_publication", re.compile(r"公开出版物")),
    ("unprocessed_mass_repeat", re.compile(r"大量反[复覆]|大量重复|无正当理由大量")),
    ("unprocessed_confirm_reissue", re.compile(r"重新出具|确认或")),
    ("other_no_correction", re.compile(r"逾期不补正|不补正")),
    ("other_unpaid_fee", re.compile(r"缴纳费用|收费通知")),
    ("other_misc", re.compile(r"^(\d+[.、]?)?其他$")),
    ("partially_granted", re.compile(r"部分公开")),
    ("granted", re.compile(r"予以公开")),
    ("new_received", re.compile(r"本年新收")),
    ("carried_in", re.compile(r"上年结转")),
    ("carried_out", re.compile(r"结转下年度|下年度继续办理")),
    ("results_total", re.compile(r"^(\(七\)|七、|\(7\))?总计$|^\(七\)")),
]
# Group labels (（三）不予公开, （四）无法提供 …) match no key: they carry no numbers of their own.
# （六）其他处理 is a data row only in the 2019 trial format.
T3_OTHER_HANDLING = re.compile(r"其他处理$")
# Labels printed on rows of their own that carry no key: the result groups and the 三、 row label.
T3_GROUP_LABEL = re.compile(r"^(\([三四五六]\)|[三四五六]、)?(不予公开|无法提供|不予处理|其他处理|本年度办理结果)$")
T3_ROWS = {
    "gb2021": ["new_received", "carried_in", "granted", "partially_granted", "denied_state_secret",
               "denied_law_prohibited", "denied_safety_stability", "denied_third_party", "denied_internal_affairs",
               "denied_process_info", "denied_enforcement_file", "denied_admin_query", "unable_not_held",
               "unable_needs_creation", "unable_still_unclear", "unprocessed_petition", "unprocessed_duplicate",
               "unprocessed_publication", "unprocessed_mass_repeat", "unprocessed_confirm_reissue",
               "other_no_correction", "other_unpaid_fee", "other_misc", "results_total", "carried_out"],
}
T3_ROWS["gb2019trial"] = [r for r in T3_ROWS["gb2021"] if not r.startswith("other_")][:20] + \
    ["other_handling", "results_total", "carried_out"]

_ENUM = re.compile(r"^(\([一二三四五六七八九十\d]{1,2}\)|[一二三四五六七八九十]{1,2}、|\d{1,2}[.、．])")


def strip_enum(label: str) -> str:
    return _ENUM.sub("", label)


_LAST_ENUM = re.compile(r"(?:\([一二三四五六七八九十\d]{1,2}\)|[一二三四五六七八九十]{1,2}、|\d{1,2}[.、．])(?!.*"
                        r"(?:\([一二三四五六七八九十\d]{1,2}\)|[一二三四五六七八九十]{1,2}、|\d{1,2}[.、．]))")
_T3_ANY = re.compile("|".join(p.pattern.strip("^$") for _, p in T3_LEAF_ROWS) + r"|其他|总计|合计")


@lru_cache(maxsize=4096)
def t3_key(label: str) -> str | None:
    """Key of a squashed label, which may run a group label and a leaf label together ("(三)不予公开1.属于国家
    秘密"): the leaf patterns are tried most specific first; 其他 and 总计 must be the whole last item."""
    if not label or not _T3_ANY.search(label):
        return None
    m = _LAST_ENUM.search(label)
    last_item = label[m.end():] if m else label
    for key, pattern in T3_LEAF_ROWS:
        if key == "other_misc":
            if last_item == "其他" or pattern.match(label):
                return key
        elif key == "results_total":
            if last_item in ("总计", "合计") and (m is None or m.group() in ("(七)", "七、", "(7)")) \
                    or label in ("(七)总计", "总计", "合计"):
                return key
        elif pattern.search(label):
            return key
    if T3_OTHER_HANDLING.search(label):
        return "other_handling"
    return None


def t3_row_key(labels: list[str]) -> str | None:
    """Key of a row printed as separate label cells: the most specific cell wins (from the last, the leaf, to the
    first, the group); then the cells read together."""
    for label in reversed(labels):
        key = t3_key(label)
        if key is not None and key != "other_handling":
            return key
    return t3_key("".join(labels))


# ---- review and litigation (T4) -------------------------------------------------------------------------------
T4_ROWS = ["admin_review", "litigation_direct", "litigation_after_review"]
T4_COLS = ["upheld", "corrected", "other_result", "pending", "total"]

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
MONEY = {"fee_amount", "procurement_amount"}
T2_ROW_BLOCK = {"regulations": "一", "normative_docs": "一", "admin_licensing": "五", "other_mgmt_services": "五",
                "admin_penalty": "六", "admin_coercion": "六", "admin_fees": "八", "central_procurement": "九"}


# ---- values ---------------------------------------------------------------------------------------------------
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


# ---- the mappers ----------------------------------------------------------------------------------------------
_T3_ORDER = {k: i for i, k in enumerate(T3_ROWS["gb2021"])}
_T3_ORDER["other_handling"] = _T3_ORDER["other_no_correction"]
_T3_HEADERS = [("natural_person", ("自然人",)), ("org_commercial", ("商业企业",)), ("org_research", ("科研机构",)),
               ("org_public_welfare", ("社会公益组织",)), ("org_legal_service", ("法律服务机构",)),
               ("org_other", ("其他", "其他组织")), ("total", ("总计", "合计"))]


def map_applications(region: Region, template: str, flags: list[Flag]) -> list[KeyedCell]:
    out = Cells(T3, region, flags)
    if region.layout == "grid":
        rows = _t3_grid_rows(region, flags)
        start = next((r.index for k, r, _ in rows if k == "new_received" and r is not None), len(region.rows))
        grid_cols = columns.header_columns(region.rows, _T3_HEADERS, start)
    else:
        rows = keyed_rows(region.rows, t3_key, _T3_ORDER, lambda label: bool(T3_GROUP_LABEL.match(label)))
        grid_cols = {}
        for key, row, parts in rows:
            if row is not None and len(parts) > 1 and t3_key(row.label) != key:
                flags.append(Flag("continuation_row", f"applications row {key}: label broken over lines",
                                  {"row": key, "labels": [p.label for p in parts]}))
    bands = _bands(region, rows, 7)
    seen: set[str] = set()
    for key, row, _ in rows:
        if key == "other_misc" and template == "gb2019trial":
            key = "other_handling"
        if key == "other_handling" and (row is None or not row.n_filled()) and (
                template != "gb2019trial" or any(k.startswith("other_") and k != "other_handling" for k, _, _ in rows)):
            continue  # the 2021 group label （六）其他处理 on a line of its own
        if key in seen:
            if row is not None and row.n_filled():
                flags.append(Flag("duplicate_row", f"applications row {key} appears twice; first kept",
                                  {"row": key, "labels": row.label_texts}))
            continue
        seen.add(key)
        for col, placed, slot in _t3_place(key, row, grid_cols, bands, out):
            out.add(key, col, placed, "件", row, slot)
    return out.finish()


def _t3_grid_rows(region: Region, flags: list[Flag]) -> list[tuple[str, Row, list[Row]]]:
    """Grid rows with their keys, from the first data row on (the header rows above it name columns, and one of
    them is 总计)."""
    keyed = [(t3_row_key(row.label_texts), row) for row in region.rows]
    start = next((i for i, (k, _) in enumerate(keyed) if k == "new_received"), None)
    if start is None:
        start = next((i for i, (_, r) in enumerate(keyed) if r.n_filled()), len(keyed))
    return [(key, row, [row]) for key, row in keyed[start:] if key is not None]


def _t3_place(key: str, row: Row | None, grid_cols: dict, bands, out: Cells) -> list[tuple]:
    """(column key, placement, slot index) for the seven columns of one T3 row."""
    n = len(T3_COLS)
    if row is None or not row.slots:
        return [(c, p, None) for c, p in zip(T3_COLS, columns.label_only(out.region.fixed, n))]
    kind = row.kind
    if kind == "grid":
        table = next((c.table for c in row.slots if c.table is not None), None)
        cols = grid_cols.get(table, [None] * n)
        placement, extra = columns.place_grid(row, cols) if cols is not None else (None, row.slots)
        if not extra:
            return [(c, p, p[0].col if p[0] is not None else None) for c, p in zip(T3_COLS, placement)]
        # Values beyond the columns its header names: a table whose rows do not line up (text with shifted
        # cells pasted into <td>s, one <td> per tab). Its grid says nothing about columns; read it as the text it
        # is, and say so.
        out.misaligned.append(key)
        kind = "visible"
    values = list(row.slots) if kind == "closed" else Row(row.labels, row.slots, kind=kind).values()
    slot_of = {id(c): i for i, c in enumerate(row.slots)}

    def result(placement):
        return [(c, p, slot_of.get(id(p[0]))) for c, p in zip(T3_COLS, placement)]

    if kind == "fixed" and bands is not None:
        placement = bands.place(row, n)
        if placement is not None:
            return result(placement)
    if len(values) >= n and kind in ("closed", "visible") or len(values) == n:
        if len(values) > n and kind == "packed":
            out.flags.append(Flag("extra_cells", f"applications row {key}: {len(values)} values for {n} columns; "
                                  "the last seven read", {"row": key, "cells": [c.text for c in values]}))
        return result(columns.place_right(values, n))
    if kind in ("closed", "visible"):
        return result(_t3_short_row(key, values, out.flags))
    if len(values) > n:
        out.flags.append(Flag("extra_cells", f"applications row {key}: {len(values)} values for {n} columns; "
                              "the last seven read", {"row": key, "cells": [c.text for c in values]}))
        return result(columns.place_right(values, n))
    placement = columns.place_packed(values, n)
    if placement is None:
        out.unplaced(key, row, f"{len(values)} numbers for {n} columns and empty cells not shown, so which "
                     "columns they belong to is not printed")
        placement = [(None, "values not placeable in their columns (see unplaced_values)")] * n
    return result(placement)


def _t3_short_row(key: str, values: list[SourceCell], flags: list[Flag]) -> list[tuple]:
    """A text row showing its empty cells but fewer than seven (seed 003 prints `⇥⇥12⇥10⇥⇥⇥22`, its table having
    lost a column): leading empties are label columns; the last printed number is the row total, the others
    fill the applicant columns from the left (natural 12, commercial 10, total 22 — not 22 under 法律服务机构).
    The columns between are seen empty. Flagged; R3 tells whether the reading holds."""
    trimmed = list(values)
    while trimmed and cell_kind(trimmed[0].text) == "empty":
        trimmed.pop(0)
    if not trimmed:
        return [(None, None)] * len(T3_COLS)
    *lead, last = trimmed
    placement = [(c, None) for c in lead] + [(None, None)] * (6 - len(lead)) + [(last, None)]
    flags.append(Flag("short_row", f"applications row {key}: {len(trimmed)} cells for 7 columns; "
                      "last read as 总计, the rest from 自然人", {"row": key, "cells": [c.text for c in trimmed]}))
    return placement


def _bands(region: Region, rows: list, n: int):
    """Column positions of a fixed-width table (None for other layouts)."""
    fixed = [r for _, r, _ in rows if r is not None and r.kind == "fixed"]
    if not fixed:
        return None
    first = min(r.index for r in fixed)
    words = [(c.text.strip(), o) for r in region.rows[:first] if r.kind == "fixed" and r.label_offsets
             for c, o in zip(r.labels, r.label_offsets) if len(squash(c.text)) <= 4]
    return columns.FixedBands(fixed, n, words)


_T4_HEADERS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "维持", "纠正", "审结")


def map_review_litigation(region: Region, flags: list[Flag]) -> list[KeyedCell]:
    out = Cells(T4, region, flags)
    n = 15
    data_rows = [r for r in region.rows if r.n_filled() > 0]
    if not data_rows:  # a row of 15 empty cells in a table that shows them: every case left blank
        data_rows = [r for r in region.rows if len(r.slots) >= n and r.kind in ("grid", "closed", "visible")][-1:]
    if not data_rows:
        flags.append(Flag("incomplete_table", "review_litigation: no values found", {"table": T4}))
        return []
    row = max(data_rows, key=lambda r: r.n_filled())
    keys = [(T4_ROWS[i // 5], T4_COLS[i % 5]) for i in range(n)]
    slot_of = {id(c): i for i, c in enumerate(row.slots)}
    placement = None
    kind = row.kind
    if kind == "grid":
        placement, extra = columns.place_grid(row, columns.leaf_columns(region.rows, _T4_HEADERS, n, row))
        if extra:  # values beyond the header's columns: read by printed order (see _t3_place)
            out.misaligned.append("all")
            placement, kind = None, "visible"
    elif row.kind == "closed":
        values = list(row.slots)
        placement = columns.place_right(values, n) if len(values) >= n else None
    elif row.kind == "fixed":
        placement = _bands(region, [(None, row, None)], n).place(row, n)
    if placement is None and kind in ("visible", "closed"):
        values = list(row.slots)
        while len(values) > n and cell_kind(values[-1].text) == "empty":
            values.pop()  # trailing empty cells beyond the table's width
        while len(values) > n and cell_kind(values[0].text) == "empty":
            values.pop(0)  # placeholders of label columns
        values = values[-n:]
        if len(values) < n:
            flags.append(Flag("incomplete_table", f"review_litigation: {len(values)} of 15 cells found",
                              {"table": T4, "cells": [c.text for c in values]}))
        placement = columns.place_in_order(values, n)
    if placement is None:
        values = [c for c in row.slots if cell_kind(c.text) != "empty"]
        placement = columns.place_packed(values, n) if len(values) <= n else columns.place_right(values, n)
        if placement is None:
            out.unplaced("all", row, f"{len(values)} numbers for 15 columns and empty cells not shown")
            placement = [(None, "values not placeable in their columns (see unplaced_values)")] * n
    for (r, c), placed in zip(keys, placement):
        slot = placed[0].col if kind == "grid" and placed[0] is not None else slot_of.get(id(placed[0]))
        out.add(r, c, placed, "件", row, slot)
    return out.finish()


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


def expected_rows(table: str, template: str) -> list[str]:
    if table == T3:
        return T3_ROWS.get(template, T3_ROWS["gb2021"])
    if table == T4:
        return T4_ROWS
    return []
