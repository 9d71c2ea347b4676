"""Stage 8 — soft rules: things worth a reviewer's look that are not arithmetic errors (spec §4 S3/S4), plus
missing tables and late publication (extract/dates.py). Each becomes a flag; nothing is rejected or corrected.
"""
from __future__ import annotations

import re

from extract.dates import lateness_flags
from extract.keys import T2, T3, T4
from extract.model import Flag, KeyedCell, Metadata, Section

_APPLICATION_COUNT = re.compile(r"申请[^。;；,，\d]{0,14}?(\d+)\s*(?:件|次|条)")
_REVIEW_COUNT = re.compile(r"行政复议\s*(\d+)\s*件")
_LITIGATION_COUNT = re.compile(r"行政诉讼\s*(\d+)\s*件")


def _value(cells: dict, table, row, col):
    c = cells.get((table, row, col))
    return c.value if c is not None and c.status == "num" else None


def soft_flags(cells_list: list[KeyedCell], sections: list[Section], meta: Metadata, template: str,
               region_level: str | None) -> list[Flag]:
    flags: list[Flag] = []
    cells = {(c.table, c.row, c.col): c for c in cells_list}
    tables = {c.table for c in cells_list}

    if template in ("gb2021", "gb2019trial"):
        for table in (T2, T3, T4):
            if table not in tables:
                flags.append(Flag("missing_table", f"the {table} table of the {template} template is not in the "
                                  "report", {"table": table}))

    # S3: only provincial and 设区的市 governments may enact 规章.
    if region_level == "county" or meta.agency_kind in ("township", "department", "office"):
        regs = {c.col: c.value for c in cells_list if c.table == T2 and c.row == "regulations" and c.value}
        if regs:
            flags.append(Flag("regulations_at_county", "a county-level body reports 规章, which it cannot enact "
                              f"(S3): {regs}", {"values": regs}))

    # S4: counts in the prose vs the tables.
    prose = "\n".join(s.text for s in sections if s.key in ("overview", "preamble", "applications", "extra"))
    prose = "\n".join(line for line in prose.split("\n") if "\t" not in line)
    new = _value(cells, T3, "new_received", "total")
    carried = _value(cells, T3, "carried_in", "total") or 0
    if new is not None:
        for m in _APPLICATION_COUNT.finditer(prose):
            n = int(m.group(1))
            if n not in (new, new + carried):
                flags.append(Flag("prose_table_mismatch", f"prose says {m.group(0)!r}; the table has "
                                  f"{int(new)} new applications", {"prose": n, "table": new, "what": "applications"}))
    reviews = _value(cells, T4, "admin_review", "total")
    if reviews is not None:
        for m in _REVIEW_COUNT.finditer(prose):
            if int(m.group(1)) != reviews:
                flags.append(Flag("prose_table_mismatch", f"prose says {m.group(0)!r}; the table has "
                                  f"{int(reviews)} reviews", {"prose": int(m.group(1)), "table": reviews,
                                                              "what": "admin_review"}))
    suits = [_value(cells, T4, r, "total") for r in ("litigation_direct", "litigation_after_review")]
    if all(v is not None for v in suits):
        for m in _LITIGATION_COUNT.finditer(prose):
            if int(m.group(1)) != sum(suits):
                flags.append(Flag("prose_table_mismatch", f"prose says {m.group(0)!r}; the table has "
                                  f"{int(sum(suits))} lawsuits", {"prose": int(m.group(1)), "table": sum(suits),
                                                                  "what": "litigation"}))

    # Statutory deadline and days late: extract/dates.py, the one place lateness is computed.
    flags += lateness_flags(meta.published_date, meta.published_source, meta.year, meta.agency_kind)
    return flags
