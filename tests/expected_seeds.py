"""Ground truth for the five seed reports, read by hand from /work/shared/seeds/*.txt.

Every value below was typed by a person reading the seed text (line numbers in the comments refer to the seed
file, 1-based), guided by spec/report-template.md §2 (table layouts), §3 (keys) and §6 (traps per seed). Nothing
here was produced by running the extractor. tests/test_fixtures_consistency.py cross-checks these values against
the numeric cells of the seed texts and against the HTML fixtures, so a typo in one place is caught.

Per seed (SEEDS[seed_id]):
  template        "gb2021" / "gb2019trial"
  year            the year reported on
  title           the report title as printed
  region_code     6-digit 行政区划代码 the report is attributed to (see `region_note` where that is disputable)
  agency_kind     government / office / department / township
  script          hans / hant
  period_start, period_end   ISO dates, only when the text states the statistics period
  published_date  ISO date, only when the text states one (`published_date_source` says where it came from)
  flags           {kind: data} — flags the spec says must be raised for this seed
  tables          the tables the report contains (a table it lacks has no cells at all)
  cells           {(table_key, row_key, col_key): value}; a printed blank cell is None (never 0);
                  counts are int, amounts in 万元 are float
  raw             {(table, row, col): raw cell text} where the printed text is not just the number
  units           {(table, row, col): unit} for amount cells
  statuses        {(table, row, col): status} for every cell whose status is not "num" (here only "blank")
  checks_failing  {(rule, table, row, col)} rules of spec §4 that fail as printed, blanks read as zero.
                  Key convention: R1 -> (R1, applications, None, col) (an identity across rows, per column);
                  R2 -> (R2, applications, "results_total", col); R3 -> (R3, applications, row, "total");
                  R4..R6 -> (Rn, review_litigation, row, "total").
  table_lines     {table_key: (first, last)} line range of each table in the seed text (for documentation and
                  for the cross-check against the seed's numeric cells)
"""
from __future__ import annotations

T2, T3, T4 = "active_disclosure", "applications", "review_litigation"

# T3 columns, in printed order (spec §3.2).
C7 = ("natural_person", "org_commercial", "org_research", "org_public_welfare", "org_legal_service", "org_other",
      "total")
C6 = C7[:-1]

# T3 rows in printed order (spec §3.2). The 2019 trial format has one (六) row instead of three.
_T3_HEAD = ("new_received", "carried_in", "granted", "partially_granted",
            "denied_state_secret", "denied_law_prohibited", "denied_safety_stability", "denied_third_party",
            "denied_internal_affairs", "denied_process_info", "denied_enforcement_file", "denied_admin_query",
            "unable_not_held", "unable_needs_creation", "unable_still_unclear",
            "unprocessed_petition", "unprocessed_duplicate", "unprocessed_publication", "unprocessed_mass_repeat",
            "unprocessed_confirm_reissue")
T3_ROWS = {
    "gb2021": _T3_HEAD + ("other_no_correction", "other_unpaid_fee", "other_misc", "results_total", "carried_out"),
    "gb2019trial": _T3_HEAD + ("other_handling", "results_total", "carried_out"),
}
# Rows whose sum is （七）总计 (R2): everything between 一/二 and （七）.
T3_LEAVES = {k: rows[2:-2] for k, rows in T3_ROWS.items()}

T4_ROWS = ("admin_review", "litigation_direct", "litigation_after_review")
T4_COLS = ("upheld", "corrected", "other_result", "pending", "total")

# T2 layout per template: (row_key, col_keys) in printed order.
T2_LAYOUT = {
    "gb2021": (
        ("regulations", ("issued", "repealed", "in_force")),
        ("normative_docs", ("issued", "repealed", "in_force")),
        ("admin_licensing", ("decisions",)),
        ("admin_penalty", ("decisions",)),
        ("admin_coercion", ("decisions",)),
        ("admin_fees", ("fee_amount",)),
    ),
    "gb2019trial": (
        ("regulations", ("new_made", "new_published", "total_published")),
        ("normative_docs", ("new_made", "new_published", "total_published")),
        ("admin_licensing", ("prev_year_items", "items_change", "decisions")),
        ("other_mgmt_services", ("prev_year_items", "items_change", "decisions")),
        ("admin_penalty", ("prev_year_items", "items_change", "decisions")),
        ("admin_coercion", ("prev_year_items", "items_change", "decisions")),
        ("admin_fees", ("prev_year_items", "items_change")),
        ("central_procurement", ("procurement_items", "procurement_amount")),
    ),
}


def _t2(template: str, values: dict[str, tuple]) -> dict:
    """T2 cells from {row_key: values in printed column order}; every row of the layout must be given."""
    assert set(values) == {row for row, _ in T2_LAYOUT[template]}, "T2 rows incomplete"
    cells = {}
    for row, cols in T2_LAYOUT[template]:
        assert len(values[row]) == len(cols), (row, values[row])
        for col, value in zip(cols, values[row]):
            cells[(T2, row, col)] = value
    return cells


def _t3(template: str, values: dict[str, tuple]) -> dict:
    """T3 cells from {row_key: 7 values}; every printed row must be given (no defaults: read them all)."""
    assert set(values) == set(T3_ROWS[template]), "T3 rows incomplete"
    cells = {}
    for row in T3_ROWS[template]:
        assert len(values[row]) == 7, (row, values[row])
        for col, value in zip(C7, values[row]):
            cells[(T3, row, col)] = value
    return cells


def _t4(values: tuple) -> dict:
    """T4 cells from the flat row of 15 printed values (admin_review×5, litigation_direct×5, after_review×5)."""
    assert len(values) == 15
    return {(T4, row, col): values[5 * i + j] for i, row in enumerate(T4_ROWS) for j, col in enumerate(T4_COLS)}


def _blank_statuses(cells: dict) -> dict:
    return {key: "blank" for key, value in cells.items() if value is None}


Z7 = (0, 0, 0, 0, 0, 0, 0)
B7 = (None,) * 7  # a printed row with every value cell empty

# ---------------------------------------------------------------------------------------------------------------
# 000 — 民和回族土族自治县人民政府 2022 (Haidong, Qinghai). T2 + T4 only; section 三(申请) and T3 missing.
# ---------------------------------------------------------------------------------------------------------------
_000_cells = {
    **_t2("gb2021", {
        "regulations": (0, 0, 1),  # l.41 规章 0 0 1 — a county cannot enact 规章 (S3)
        "normative_docs": (1, 0, 1),  # l.43 (after a blank line l.42)
        "admin_licensing": (4153,),  # l.46
        "admin_penalty": (474,),  # l.49
        "admin_coercion": (80,),  # l.50
        "admin_fees": (178.0,),  # l.53 "178" 万元
    }),
    # l.60: 4 4 3 0 11 | 1 1 2 4 8 | 1 0 0 0 1 (R4–R6 pass: 4+4+3+0=11, 1+1+2+4=8, 1=1)
    **_t4((4, 4, 3, 0, 11, 1, 1, 2, 4, 8, 1, 0, 0, 0, 1)),
}

# ---------------------------------------------------------------------------------------------------------------
# 001 — 县政府办 (栾川县, Luoyang, Henan) 2022. Place named only in the body (l.11 "栾川人民政府网站", l.23).
# ---------------------------------------------------------------------------------------------------------------
_001_cells = {
    **_t2("gb2021", {
        "regulations": (0, 0, 0),  # l.37
        "normative_docs": (0, 0, 0),  # l.38
        "admin_licensing": (0,),  # l.41
        "admin_penalty": (0,),  # l.44
        "admin_coercion": (0,),  # l.45
        "admin_fees": (0.0,),  # l.48, header l.47 "（单位：万元，保留4位小数）", printed "0"
    }),
    # T3 l.52–80: label cells wander, values are the last 7 non-empty-trailing cells of each row.
    **_t3("gb2021", {
        "new_received": (17, 0, 0, 0, 0, 0, 17),  # l.55
        "carried_in": Z7,  # l.56
        "granted": (15, 0, 0, 0, 0, 0, 15),  # l.57
        "partially_granted": Z7,  # l.58
        "denied_state_secret": Z7,  # l.59
        "denied_law_prohibited": (2, 0, 0, 0, 0, 0, 2),  # l.60
        "denied_safety_stability": Z7,  # l.61
        "denied_third_party": Z7,  # l.62
        "denied_internal_affairs": Z7,  # l.63
        "denied_process_info": Z7,  # l.64
        "denied_enforcement_file": Z7,  # l.65
        "denied_admin_query": Z7,  # l.66
        "unable_not_held": Z7,  # l.67 "(四) 无法提供" in the first cell
        "unable_needs_creation": Z7,  # l.69 (after a blank line l.68)
        "unable_still_unclear": Z7,  # l.70
        "unprocessed_petition": Z7,  # l.71
        "unprocessed_duplicate": Z7,  # l.72 carries the "(五) 不予处理" label
        "unprocessed_publication": Z7,  # l.73
        "unprocessed_mass_repeat": Z7,  # l.74
        "unprocessed_confirm_reissue": Z7,  # l.75
        "other_no_correction": Z7,  # l.76
        "other_unpaid_fee": Z7,  # l.77
        "other_misc": Z7,  # l.78
        "results_total": (17, 0, 0, 0, 0, 0, 17),  # l.79
        "carried_out": Z7,  # l.80
    }),
    **_t4((0,) * 15),  # l.87
}

# ---------------------------------------------------------------------------------------------------------------
# 002 — titled 賀蘭縣 2022 but the body is about 靈武市 (both under Yinchuan). Traditional, one cell per line.
# ---------------------------------------------------------------------------------------------------------------
_002_cells = {
    **_t2("gb2021", {
        "regulations": (0, 0, 0),  # l.19–21
        "normative_docs": (3, 0, 34),  # l.23–25 行政規範性檔案
        "admin_licensing": (6045,),  # l.30
        "admin_penalty": (1090,),  # l.35
        "admin_coercion": (191,),  # l.37
        "admin_fees": (9693.7,),  # l.42
    }),
    **_t3("gb2021", {
        "new_received": (29, 1, 0, 0, 0, 0, 30),  # l.57–63
        "carried_in": Z7,  # l.65–71
        "granted": (8, 0, 0, 0, 0, 0, 8),  # l.74–80
        "partially_granted": (5, 0, 0, 0, 0, 0, 5),  # l.82–88
        "denied_state_secret": Z7,  # l.91–97
        "denied_law_prohibited": Z7,  # l.99–105
        "denied_safety_stability": Z7,  # l.107–113
        "denied_third_party": (2, 1, 0, 0, 0, 0, 3),  # l.115–121
        "denied_internal_affairs": (1, 0, 0, 0, 0, 0, 1),  # l.123–129
        "denied_process_info": (1, 0, 0, 0, 0, 0, 1),  # l.131–137
        "denied_enforcement_file": Z7,  # l.139–145
        "denied_admin_query": Z7,  # l.147–153
        "unable_not_held": (8, 0, 0, 0, 0, 0, 8),  # l.156–162
        "unable_needs_creation": Z7,  # l.164–170
        "unable_still_unclear": Z7,  # l.172–178
        "unprocessed_petition": (3, 0, 0, 0, 0, 0, 3),  # l.181–187
        "unprocessed_duplicate": Z7,  # l.189–195
        "unprocessed_publication": Z7,  # l.197–203
        "unprocessed_mass_repeat": Z7,  # l.205–211
        "unprocessed_confirm_reissue": Z7,  # l.213–219
        "other_no_correction": Z7,  # l.222–228
        "other_unpaid_fee": Z7,  # l.230–236
        "other_misc": (1, 0, 0, 0, 0, 0, 1),  # l.238–244
        "results_total": (29, 1, 0, 0, 0, 0, 30),  # l.246–252
        "carried_out": Z7,  # l.254–260
    }),
    # l.281–295: 1 2 1 0 4 | 0 0 0 1 1 | 0 0 0 0 0
    **_t4((1, 2, 1, 0, 4, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0)),
}

# ---------------------------------------------------------------------------------------------------------------
# 003 — 湟中区 (Xining, Qinghai) 2023. Many blank cells; T3 rows carry only 自然人, 商业企业 and 总计.
# ---------------------------------------------------------------------------------------------------------------
_003_cells = {
    **_t2("gb2021", {
        "regulations": (None, None, None),  # l.27 "规 章" with no values
        "normative_docs": (1, 2, 11),  # l.28
        "admin_licensing": (8771,),  # l.31
        "admin_penalty": (36084,),  # l.34
        "admin_coercion": (279,),  # l.35
        "admin_fees": (159.7,),  # l.38
    }),
    # Rows print `⇥⇥12⇥10⇥⇥⇥22`: by the header, 12 = 自然人, 10 = 商业企业, and 22 = 总计 (= 12 + 10, R3);
    # the other four org columns are empty.
    **_t3("gb2021", {
        "new_received": (12, 10, None, None, None, None, 22),  # l.46
        "carried_in": B7,  # l.47
        "granted": (12, 10, None, None, None, None, 22),  # l.48
        "partially_granted": B7,  # l.49
        "denied_state_secret": B7,  # l.50 (the "(三) 不予公开" group label is missing)
        "denied_law_prohibited": B7,  # l.51
        "denied_safety_stability": B7,  # l.52
        "denied_third_party": B7,  # l.53
        "denied_internal_affairs": B7,  # l.54
        "denied_process_info": B7,  # l.55
        "denied_enforcement_file": B7,  # l.56
        "denied_admin_query": B7,  # l.57
        "unable_not_held": B7,  # l.58
        "unable_needs_creation": B7,  # l.59
        "unable_still_unclear": B7,  # l.60
        "unprocessed_petition": B7,  # l.61
        "unprocessed_duplicate": B7,  # l.62
        "unprocessed_publication": B7,  # l.63
        "unprocessed_mass_repeat": B7,  # l.64
        "unprocessed_confirm_reissue": B7,  # l.65
        "other_no_correction": B7,  # l.66 + l.68 (label broken over two lines)
        "other_unpaid_fee": B7,  # l.69
        "other_misc": B7,  # l.70
        "results_total": (None, None, None, None, None, None, 22),  # l.71 only the total is filled
        "carried_out": B7,  # l.72
    }),
    # l.79: "3⇥⇥2⇥⇥5⇥⇥⇥6⇥4⇥10⇥1⇥⇥⇥⇥1" = 15 cells
    **_t4((3, None, 2, None, 5, None, None, 6, 4, 10, 1, None, None, None, 1)),
}

# ---------------------------------------------------------------------------------------------------------------
# 004 — 靖远县 (Baiyin, Gansu) 2020, 2019 trial format. Every cell on its own line after a tab.
# ---------------------------------------------------------------------------------------------------------------
_004_cells = {
    **_t2("gb2019trial", {
        "regulations": (0, 0, 0),  # l.59–61
        "normative_docs": (1, 1, 6),  # l.65–67 (NBSP placeholder line l.64 before them)
        "admin_licensing": (387, -62, 3612),  # l.77–79
        "other_mgmt_services": (615, -6, 312578),  # l.82–84
        "admin_penalty": (1950, -810, 1026),  # l.95–97
        "admin_coercion": (152, -140, 1),  # l.100–102
        "admin_fees": (34, -4),  # l.112–113
        "central_procurement": (142, 24014.0),  # l.122–123 "24014万元"
    }),
    **_t3("gb2019trial", {
        "new_received": (9, 1, 0, 0, 0, 0, 10),  # l.151–157
        "carried_in": Z7,  # l.160–166
        "granted": (8, 0, 0, 0, 0, 0, 8),  # l.171–177
        "partially_granted": Z7,  # l.181–187
        "denied_state_secret": (1, 0, 0, 0, 0, 0, 1),  # l.193–199
        "denied_law_prohibited": Z7,  # l.204–210
        "denied_safety_stability": Z7,  # l.215–221
        "denied_third_party": (0, 1, 0, 0, 0, 0, 1),  # l.226–232
        "denied_internal_affairs": Z7,  # l.237–243
        "denied_process_info": Z7,  # l.248–254
        "denied_enforcement_file": Z7,  # l.259–265
        "denied_admin_query": Z7,  # l.270–276
        "unable_not_held": Z7,  # l.282–288
        "unable_needs_creation": Z7,  # l.293–299
        "unable_still_unclear": Z7,  # l.304–310
        "unprocessed_petition": Z7,  # l.316–322
        "unprocessed_duplicate": Z7,  # l.327–333
        "unprocessed_publication": Z7,  # l.338–344
        "unprocessed_mass_repeat": Z7,  # l.349–355
        "unprocessed_confirm_reissue": Z7,  # l.360–366
        "other_handling": Z7,  # l.370–376 (single row in the 2019 format)
        "results_total": (9, 1, 0, 0, 0, 0, 10),  # l.380–386; l.381 "[bookmark: _GoBack]1"
        "carried_out": Z7,  # l.389–395
    }),
    **_t4((0,) * 15),  # l.432–446
}


SEEDS: dict[str, dict] = {
    "000_2a90619c97eddfaa": {
        "template": "gb2021",
        "year": 2022,
        "title": "民和回族土族自治县人民政府 2022 年政府信息公开工作年度报告",  # l.5 (issuer line l.3 before it)
        "region_code": "630222",  # 民和回族土族自治县
        "agency_kind": "government",  # the county government's report, published by its 办公室 (l.3, l.70)
        "script": "hans",
        "period_start": "2022-01-01",  # l.7
        "period_end": "2022-12-31",
        "published_date": "2023-12-17",  # l.72
        "published_date_source": "text",
        "flags": {
            "missing_table": {"table": T3},  # no 收到和处理申请 section, no T3
            "regulations_at_county": {"in_force": 1},  # l.41
            "late_publication": {"deadline": "2023-03-31", "published": "2023-12-17"},
        },
        "tables": (T2, T4),
        "cells": _000_cells,
        "raw": {},
        "units": {(T2, "admin_fees", "fee_amount"): "万元"},
        "checks_failing": set(),  # T4 passes R4–R6; R1–R3 not applicable (no T3)
        "table_lines": {T2: (39, 53), T4: (57, 60)},
    },
    "001_759fee5d4dfad9d3": {
        "template": "gb2021",
        "year": 2022,
        "title": "县政府办2022年政府信息公开工作年度报告",  # l.3, no place name
        "region_code": "410324",  # 栾川县, from the body only (l.11 栾川人民政府网站, l.23 栾川县人民政府网)
        "agency_kind": "office",  # 县政府办; prose says 我办 (l.19)
        "script": "hans",
        "period_start": None,  # not stated
        "period_end": None,
        "published_date": None,  # not stated
        "published_date_source": None,
        "flags": {
            "region_from_body": {"region": "栾川县"},
            # l.19 "共受理政府信息公开申请5件" vs T3 new_received.total = 17
            "prose_table_mismatch": {"prose": 5, "table": 17, "cell": (T3, "new_received", "total")},
        },
        "tables": (T2, T3, T4),
        "cells": _001_cells,
        "raw": {},
        "units": {(T2, "admin_fees", "fee_amount"): "万元"},
        "checks_failing": set(),  # 17 + 0 = 17 + 0; 15 + 2 = 17; all row totals add up; T4 all zero
        "table_lines": {T2: (35, 48), T3: (52, 80), T4: (84, 87)},
    },
    "002_17501a4b6fe8e48c": {
        "template": "gb2021",
        "year": 2022,
        "title": "賀蘭縣2022年政府信息公開工作年度報告",  # l.1
        # Disputable: the title (l.1, l.3) says 賀蘭縣 = 640122; the whole body (l.6 "靈武市堅持…", 六) is about
        # 靈武市 = 640181. Recorded: the title's claim, with the conflict flag; REGION_ALTERNATIVES lists the other.
        "region_code": "640122",
        "region_note": "title 賀蘭縣 (640122) vs body 靈武市 (640181): must raise region_conflict",
        "agency_kind": "government",
        "script": "hant",
        "period_start": "2022-01-01",  # l.3
        "period_end": "2022-12-31",
        "published_date": None,
        "published_date_source": None,
        "flags": {
            "region_conflict": {"title": "640122", "body": "640181"},
            # l.8 "共受理答覆政府信息公開申請12件，其中行政複議2件、行政訴訟1件" vs T3 30 and T4 复议 total 4
            "prose_table_mismatch": {"prose": 12, "table": 30, "cell": (T3, "new_received", "total")},
        },
        "tables": (T2, T3, T4),
        "cells": _002_cells,
        "raw": {},
        "units": {(T2, "admin_fees", "fee_amount"): "万元"},
        "checks_failing": set(),  # 29+0 = 29+0, 1+0 = 1+0, 30 = 30; leaves 8+5+2+1+1+8+3+1 = 29; T4 4, 1, 0
        "table_lines": {T2: (13, 42), T3: (44, 260), T4: (262, 295)},
    },
    "003_0b45a7d4e00025aa": {
        "template": "gb2021",
        "year": 2023,
        "title": "湟中区 2023 年度政府信息公开 工作年度报告",  # l.3, stray spaces, doubled 年度
        "region_code": "630106",  # 湟中区
        "agency_kind": "government",
        "script": "hans",
        "period_start": "2023-01-01",  # l.5 "自 2023 年 1 月 1 日起至 2023 年 12 月 28 日止"
        "period_end": "2023-12-28",
        "published_date": None,
        "published_date_source": None,
        "flags": {
            # l.21 "依申请公开政府信息 12 件" vs T3 new_received.total = 22
            "prose_table_mismatch": {"prose": 12, "table": 22, "cell": (T3, "new_received", "total")},
        },
        "tables": (T2, T3, T4),
        "cells": _003_cells,
        "raw": {},
        "units": {(T2, "admin_fees", "fee_amount"): "万元"},
        "checks_failing": {
            # R1 natural_person: 12 + 0 ≠ 0 + 0; org_commercial: 10 + 0 ≠ 0 + 0 (（七）总计 left blank)
            ("R1", T3, None, "natural_person"),
            ("R1", T3, None, "org_commercial"),
            # R2: results_total blank (0) but the leaves (予以公开) sum to 12 and 10
            ("R2", T3, "results_total", "natural_person"),
            ("R2", T3, "results_total", "org_commercial"),
            # R3 on （七）总计: total 22 but the six applicant cells are blank (0)
            ("R3", T3, "results_total", "total"),
        },
        "table_lines": {T2: (25, 38), T3: (42, 72), T4: (76, 79)},
    },
    "004_99a88681b58e46ea": {
        "template": "gb2019trial",
        "year": 2020,
        "title": "靖远县2020年政府信息公开工作年度报告",  # l.2
        "region_code": "620421",  # 靖远县
        "agency_kind": "government",
        "script": "hans",
        "period_start": "2020-01-01",  # l.4 "统计期限为2020年1月1日至12月31日"
        "period_end": "2020-12-31",
        # Not stated as a date: it is the date path of the report's own URL in 六 (l.457 …/doc/2021/01/08/…).
        "published_date": "2021-01-08",
        "published_date_source": "url",
        "flags": {},  # prose "接到依申请公开事项10次" (l.44) agrees with T3; 规章 0; published on time
        "tables": (T2, T3, T4),
        "cells": _004_cells,
        "raw": {
            (T2, "central_procurement", "procurement_amount"): "24014万元",
            (T3, "results_total", "org_commercial"): "[bookmark: _GoBack]1",
        },
        "units": {(T2, "central_procurement", "procurement_amount"): "万元"},
        "checks_failing": set(),  # 9+0 = 9+0, 1+0 = 1+0, 10 = 10; leaves 8+1 = 9, 1 = 1, 10; T4 all zero
        "table_lines": {T2: (51, 123), T3: (128, 395), T4: (399, 446)},
    },
}

for _seed in SEEDS.values():
    _seed["statuses"] = _blank_statuses(_seed["cells"])

# The other defensible attribution for seeds whose region is disputed.
REGION_ALTERNATIVES = {"002_17501a4b6fe8e48c": ("640181",)}

SEED_IDS = tuple(SEEDS)


def cells_of(seed_id: str, table: str) -> dict:
    """The expected cells of one table of one seed."""
    return {key: value for key, value in SEEDS[seed_id]["cells"].items() if key[0] == table}
