"""Stage 5 — keys: map table rows and slots to (table_key, row_key, col_key) exactly as spec §3 names them, and
parse each value (raw text kept; blank is NULL, never 0; units parsed: "24014万元" -> 24014 万元).
"""
from __future__ import annotations

import re
from dataclasses import replace

from extract.decode import squash
from extract.model import Flag, KeyedCell, SourceCell
from extract.tables import T2, T3, T4, Region, Row, cell_kind

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
    ("unprocessed_mass_repeat", re.compile(r"大量反复|大量重复")),
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


def t3_row_key(labels: list[str]) -> str | None:
    """Most specific label wins: try each label cell from the last (leaf) to the first (group)."""
    for label in reversed(labels):
        bare = strip_enum(label)
        for key, pattern in T3_LEAF_ROWS:
            if key == "other_misc":
                if pattern.match(label) or bare == "其他":
                    return key
                continue
            if key == "results_total":
                if re.match(r"^(\(七\))?总计$|^合计$", label):
                    return key
                continue
            if pattern.search(label):
                return key
    for label in reversed(labels):
        if T3_OTHER_HANDLING.search(label):
            return "other_handling"
    return None


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
T2_ROW_BLOCK = {"regulations": "一", "normative_docs": "一", "admin_licensing": "五", "other_mgmt_services": "五",
                "admin_penalty": "六", "admin_coercion": "六", "admin_fees": "八", "central_procurement": "九"}


# ---- values ---------------------------------------------------------------------------------------------------
_NUM = re.compile(r"^([+\-−]?)(\d[\d,，]*(?:\.\d+)?)(万元|元|万|件|项|条|个|次)?$")


def parse_value(raw: str, unit: str | None) -> tuple[float | None, str, str | None]:
    """(value, status, unit). Money is normalised to 万元 (raw keeps what was printed)."""
    s = squash(raw)
    kind = cell_kind(raw)
    if kind == "empty":
        return None, "blank", unit
    if kind == "dash":
        return None, "dash", unit
    m = _NUM.match(s)
    if not m:
        return None, "text", unit
    sign, digits, cell_unit = m.groups()
    value = float(digits.replace(",", "").replace("，", ""))
    if sign in ("-", "−"):
        value = -value
    if cell_unit == "元":
        value, cell_unit = round(value / 10000, 6), "万元"
    elif cell_unit == "万":
        cell_unit = "万元"
    return value, "num", (cell_unit if cell_unit in ("万元",) else unit)


def keyed(table: str, row: str, col: str, cell: SourceCell | None, unit: str | None, region: Region,
          source_row: Row, slot_index: int | None = None) -> KeyedCell:
    if cell is None:  # the column is absent from a short row: a blank, with no source cell of its own
        return KeyedCell(table, row, col, None, "", "blank", unit, None)
    value, status, unit = parse_value(cell.text, unit)
    source = cell
    if source.table is None:  # text formats: the region is the table, the logical row/slot the position
        source = replace(cell, table=region.index, row=source_row.index, col=slot_index)
    return KeyedCell(table, row, col, value, cell.text.strip(), status, unit, source)


# ---- the mappers ----------------------------------------------------------------------------------------------
def map_applications(region: Region, template: str, flags: list[Flag]) -> list[KeyedCell]:
    started = False
    out: dict[str, list[KeyedCell]] = {}
    last_key: str | None = None
    for row in region.rows:
        labels = row.label_texts
        key = t3_row_key(labels)
        if not started:
            if key != "new_received":
                continue
            started = True
        values = row.values()
        filled = row.n_filled()
        if key is None:
            if filled and last_key and not any(c.status != "blank" for c in out.get(last_key, [])):
                key = last_key  # a label broken over two lines: the numbers sit on the continuation
                out.pop(key, None)
                flags.append(Flag("continuation_row", f"applications row {key}: values read from the next line",
                                  {"row": key, "labels": labels}))
            else:
                continue
        if key == "other_misc" and template == "gb2019trial":
            key = "other_handling"
        if key == "other_handling" and not filled:
            continue  # the 2021 group label （六）其他处理 on a line of its own
        if key in out:
            if filled:
                flags.append(Flag("duplicate_row", f"applications row {key} appears twice; first kept",
                                  {"row": key, "labels": labels}))
            continue
        out[key] = _t3_values(key, row, values, region, flags)
        last_key = key
    cells = [c for row_cells in out.values() for c in row_cells]
    return cells


def _t3_values(key: str, row: Row, values: list[SourceCell], region: Region, flags: list[Flag]) -> list[KeyedCell]:
    # A full row: the last 7 cells (cells before them are empty label columns, e.g. a label spanning A-C).
    # A short row: leading empties are label columns too, and are dropped.
    if len(values) >= 7:
        chosen = values[-7:]
        mapping = list(zip(T3_COLS, chosen))
    else:
        trimmed = list(values)
        while trimmed and cell_kind(trimmed[0].text) == "empty":
            trimmed.pop(0)
        if not trimmed:
            mapping = [(c, None) for c in T3_COLS]
        else:
            # A short row: the last printed number is the row total, the others fill the applicant columns from
            # the left (seed 003: "12 10 _ _ 22" is natural 12, commercial 10, total 22 — not 22 under
            # 法律服务机构). Flagged, and R3 tells whether the reading holds.
            *lead, last = trimmed
            mapping = list(zip(T3_ORG_COLS, lead)) + [("total", last)]
            present = {c for c, _ in mapping}
            mapping += [(c, None) for c in T3_COLS if c not in present]
            flags.append(Flag("short_row", f"applications row {key}: {len(trimmed)} cells for 7 columns; "
                              "last read as 总计, the rest from 自然人",
                              {"row": key, "cells": [c.text for c in trimmed]}))
    slot_of = {id(c): i for i, c in enumerate(values)}
    return [keyed(T3, key, col, cell, "件", region, row, slot_of.get(id(cell)) if cell is not None else None)
            for col, cell in mapping]


def map_review_litigation(region: Region, flags: list[Flag]) -> list[KeyedCell]:
    data_rows = [r for r in region.rows if r.n_filled() > 0]
    if not data_rows:
        flags.append(Flag("incomplete_table", "review_litigation: no values found", {"table": T4}))
        return []
    row = max(data_rows, key=lambda r: r.n_filled())
    values = list(row.slots)  # all 15 printed cells, blanks in place
    while len(values) > 15 and cell_kind(values[-1].text) == "empty":
        values.pop()  # trailing empty cells beyond the table's width
    while len(values) > 15 and cell_kind(values[0].text) == "empty":
        values.pop(0)  # placeholders of label columns
    values = values[-15:]
    if len(values) < 15:
        flags.append(Flag("incomplete_table", f"review_litigation: {len(values)} of 15 cells found",
                          {"table": T4, "cells": [c.text for c in values]}))
    cells = []
    for i in range(15):
        r, c = T4_ROWS[i // 5], T4_COLS[i % 5]
        cells.append(keyed(T4, r, c, values[i] if i < len(values) else None, "件", region, row, i))
    return cells


def map_active_disclosure(region: Region, template: str, flags: list[Flag]) -> list[KeyedCell]:
    defaults = T2_DEFAULT_COLS.get(template, T2_DEFAULT_COLS["gb2021"])
    block: str | None = None
    header: list[str] = []
    collecting = False
    current: str | None = None
    out: dict[str, list[KeyedCell]] = {}
    for row in region.rows:
        labelled_here = False
        for label in row.label_texts:
            m = T2_BLOCK.search(label)
            if m:
                block, header, collecting, current = m.group(1), [], False, None
                continue
            if label == "信息内容":
                header, collecting, current = [], True, None
                continue
            row_key = next((k for k, p in T2_ROWS if p.match(strip_enum(label))), None)
            if row_key:
                current, collecting, labelled_here = row_key, False, True
                if block is None:
                    block = T2_ROW_BLOCK[row_key]
                continue
            col_key = next((k for k, p in T2_COLS if p.search(label)), None)
            if col_key and collecting:
                header.append(col_key)
        if current is None or current in out:
            continue
        values = row.values()
        if not values and not labelled_here:
            continue
        cols = header or defaults.get(block or T2_ROW_BLOCK[current], [])
        if not cols:
            continue
        if sum(1 for v in values if cell_kind(v.text) != "empty") > len(cols):
            flags.append(Flag("extra_cells", f"active_disclosure row {current}: more values than columns",
                              {"row": current, "cells": [v.text for v in values]}))
        out[current] = [keyed(T2, current, col, values[i] if i < len(values) else None,
                              T2_UNITS.get(col, "件"), region, row, i) for i, col in enumerate(cols)]
    return [c for cells in out.values() for c in cells]


def expected_rows(table: str, template: str) -> list[str]:
    if table == T3:
        return T3_ROWS.get(template, T3_ROWS["gb2021"])
    if table == T4:
        return T4_ROWS
    return []
