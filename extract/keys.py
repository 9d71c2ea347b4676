"""Stage 5 — keys: map table rows and slots to (table_key, row_key, col_key) exactly as spec §3 names them: T3
(applications) and T4 (review and litigation) here, T2 (active disclosure) in t2.py.

What a cell is stored as follows what the document shows (model.CELL_STATUSES): a number; `blank` where the
document is seen to leave the cell empty; `dash` for a printed placeholder; `missing`, with a `missing_cells`
flag saying why, where the cell could not be read — never blank, never 0 (cells.py makes the cells). Which column a
value belongs to is decided in columns.py (grid positions first), which label fragments make a row in fragments.py.
"""
from __future__ import annotations

import re
from functools import lru_cache

from extract import columns
from extract.cells import Cells
from extract.fragments import keyed_rows
from extract.model import Flag, KeyedCell, SourceCell
from extract.t2 import map_active_disclosure
from extract.tables import T2, T3, T4, Region, Row
from extract.values import cell_kind, squash

# The stages import the table keys and the three mappers from here (T2's own keys live in t2.py).
__all__ = ["T2", "T3", "T4", "T3_COLS", "T3_ORG_COLS", "T3_ROWS", "T4_ROWS", "T4_COLS", "t3_key", "t3_row_key",
           "map_active_disclosure", "map_applications", "map_review_litigation", "expected_rows"]

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


def expected_rows(table: str, template: str) -> list[str]:
    if table == T3:
        return T3_ROWS.get(template, T3_ROWS["gb2021"])
    if table == T4:
        return T4_ROWS
    return []
