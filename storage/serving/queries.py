"""The read-only queries the site offers over the served relations: Datasette canned queries (title, description,
SQL, :parameters) and the SQL behind each dashboard chart. The presentation (chart marks, titles) stays in
nianbao.serve.metadata; the SQL lives here with the rest of the archive's SQL."""
from __future__ import annotations

from storage.serving.search import FTS_TABLE

CHART_SQL: dict[str, str] = {
    "reports-count": "SELECT count(*) AS reports FROM report_summary",
    "requests-over-years": "SELECT year, SUM(requests_received) AS requests, COUNT(*) AS reports "
                           "FROM report_summary WHERE year IS NOT NULL AND counts_as = 'government' "
                           "AND region_level = 'county' GROUP BY year ORDER BY year",
    "refusals-by-reason": "SELECT label, grp, SUM(total) AS total FROM applications_by_province "
                          "WHERE grp IN ('denied', 'unable', 'unprocessed', 'other') "
                          "GROUP BY row_key ORDER BY row_order",
    "coverage-by-year": "SELECT year, status, COUNT(*) AS counties FROM coverage WHERE unit_kind = 'government' "
                        "GROUP BY year, status",
}


SEARCH_PAGE_SIZE = 50
# bm25 over the bigram index (title ×10). FTS5 floors the idf of a word found in more than half the reports at
# 1e-6, so for such a word every score is tiny (rounded, they all showed -0.0) while the order they give (by
# frequency and length) still holds: hence the raw score as rank and `relevance`, each score as a percentage of
# the best one. The page is cut before the snippets are made, so only its rows pay for them.
SEARCH_SQL = f"""WITH hits AS (
  SELECT rowid, bm25({FTS_TABLE}, 10.0, 1.0) AS score FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH fts_query(:q)
), ranked AS (
  SELECT rowid, score, count(*) OVER () AS total, min(score) OVER () AS best FROM hits
), page AS (
  SELECT * FROM ranked ORDER BY score, rowid
  LIMIT {SEARCH_PAGE_SIZE} OFFSET {SEARCH_PAGE_SIZE} * (max(1, CAST(coalesce(nullif(:page, ''), '1') AS INTEGER)) - 1)
)
SELECT rs.report_id, rs.title, rs.region_name, rs.province, rs.year, rs.agency, rs.check_status,
  cjk_snippet((SELECT group_concat(s.text, ' ') FROM sections s WHERE s.report_id = rs.report_id), :q) AS snippet,
  h.score AS rank, CASE WHEN h.best < 0 THEN round(100.0 * h.score / h.best, 1) ELSE 100.0 END AS relevance,
  h.total, rs.report_page
FROM page h JOIN report_summary rs ON rs.rowid = h.rowid
ORDER BY h.score, h.rowid"""


def canned_queries() -> dict[str, dict]:
    latest = "coalesce(nullif(:year, ''), (SELECT max(year) FROM report_summary))"
    return {
        "search": {
            "title": "全文检索 Full-text search",
            "description": "Reports whose title or text contains the words (2+ Chinese characters work: 复议, 诉讼, "
                           "公开). Words separated by spaces must all occur; A OR B: either; -word: not; \"…\": a "
                           "phrase. Ranked by bm25 over the bigram index, title weighted ×10 (rank: bm25, lower is "
                           "better; relevance: % of the best hit's score); total: all matches; "
                           f"{SEARCH_PAGE_SIZE} per :page (1, 2, …). The snippet marks the match with 【】.",
            "sql": SEARCH_SQL,
        },
        "requests_per_county": {
            "title": "各县申请数量 Requests per county for a year",
            "description": "New requests received (T3 new_received, 总计) per county-level division for :year "
                           "(default: the latest year), kept apart by who reported them: the county government's "
                           "own report (本级政府: the government's report, or its office's when the government "
                           "published none) — one report, never a sum — then all departments, all townships and "
                           "streets, and all other units, each a sum over their reports. No report is in two "
                           "columns. Empty: no such report, or its table could not be read.",
            "sql": f"""SELECT g.code AS region_code, g.name AS county, g.province, g.prefecture,
  MAX(CASE WHEN rs.counts_as = 'government' THEN rs.report_id END) AS government_report_id,
  SUM(CASE WHEN rs.counts_as = 'government' THEN rs.requests_received END) AS government_requests,
  COUNT(CASE WHEN rs.counts_as = 'department' THEN 1 END) AS department_reports,
  SUM(CASE WHEN rs.counts_as = 'department' THEN rs.requests_received END) AS department_requests,
  COUNT(CASE WHEN rs.counts_as = 'township' THEN 1 END) AS township_reports,
  SUM(CASE WHEN rs.counts_as = 'township' THEN rs.requests_received END) AS township_requests,
  COUNT(CASE WHEN rs.counts_as NOT IN ('government', 'department', 'township') THEN 1 END) AS other_reports,
  SUM(CASE WHEN rs.counts_as NOT IN ('government', 'department', 'township') THEN rs.requests_received END)
    AS other_requests,
  SUM(CASE WHEN rs.counts_as = 'government' THEN rs.refused_denied END) AS government_refused_denied,
  g.latitude, g.longitude
FROM report_summary rs JOIN regions g ON g.code = rs.region_code
WHERE g.level = 'county' AND rs.year = {latest}
GROUP BY g.code ORDER BY government_requests DESC""",
        },
        "refusals_by_province": {
            "title": "各省拒绝理由 Refusal reasons by province",
            "description": "Sums of the refusal groups (不予公开 / 无法提供 / 不予处理 / 其他处理) per province, for "
                           ":year (empty: all years), over every report of every unit in the province — "
                           "governments, offices, departments, townships, each report once (reports by kind: "
                           "report_summary.counts_as).",
            "sql": """SELECT province, COUNT(*) AS reports, SUM(requests_received) AS requests_received,
  SUM(refused_denied) AS refused_denied, SUM(refused_unable) AS refused_unable,
  SUM(refused_unprocessed) AS refused_unprocessed, SUM(refused_other) AS refused_other
FROM report_summary WHERE (:year = '' OR year = :year)
GROUP BY province ORDER BY refused_denied DESC""",
        },
        "refusal_reasons": {
            "title": "拒绝理由明细 Refusal reasons, row by row",
            "description": "Each denied_/unable_/unprocessed_/other_ row of T3 summed (总计) over every report "
                           "of every unit (each report once), for :province (empty: all).",
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
            "title": "缺报告的县 Counties without their government's report for a year",
            "description": "County-level divisions whose government's own report for :year (default: the latest "
                           "year in the archive) is not in the archive, in :province (empty: all), with why: "
                           "not_crawled, crawl_failed, no_column, no_report (see the coverage table).",
            "sql": f"""SELECT region_code, county, province, prefecture, year, deadline, status, portal_status,
  portal_url, items_listed, latitude, longitude
FROM coverage WHERE year = {latest} AND unit_kind = 'government' AND reports_found = 0 AND items_listed = 0
  AND status <> 'not_due' AND (:province = '' OR province = :province)
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
            "description": "Every county for :year (default: the latest year) with the coverage status of its "
                           "government's own report, on the map.",
            "sql": f"""SELECT region_code, county, province, status, reports_found, government_report_id, latitude,
  longitude
FROM coverage WHERE year = {latest} AND unit_kind = 'government' AND latitude IS NOT NULL""",
        },
    }


# -- the site's own pages (nianbao/serve): read through Datasette, read-only ---------------------------------------
DOCUMENT_COLUMNS = ("d.id, d.sha256, d.url, d.final_url, d.path, d.content_type, d.declared_type, d.filename, "
                    "d.size, d.http_status, d.fetched_at, d.added_at, d.role, d.warc_file, d.warc_offset, "
                    "d.warc_length")
DOCUMENT_SQL = f"SELECT {DOCUMENT_COLUMNS} FROM documents d WHERE d.id = :id"
DOCUMENT_BY_SHA_SQL = f"SELECT {DOCUMENT_COLUMNS} FROM documents d WHERE d.sha256 = :sha ORDER BY d.id LIMIT 1"
# The reports a document belongs to (a copy can be in several): where /document/<id> leads.
DOCUMENT_REPORTS_SQL = """SELECT DISTINCT report_id FROM (
    SELECT report_id FROM report_documents WHERE document_id = :id
    UNION ALL SELECT report_id FROM report_sources WHERE report_id IS NOT NULL AND cells_document_id = :id
    UNION ALL SELECT rs.report_id FROM report_sources rs, json_each(rs.documents) j
      WHERE rs.report_id IS NOT NULL AND j.value = :id)
  ORDER BY report_id LIMIT 20"""

REPORT_SQL: dict[str, str] = {
    "report": """SELECT r.*, rs.counts_as, rs.check_status, rs.checks_failed_strict, rs.checks_failed_blank_zero,
  rs.tables_missing, rs.report_page, rs.original_file
FROM reports r LEFT JOIN report_summary rs ON rs.report_id = r.id WHERE r.id = :id""",
    # every document the report was ever read from: its current documents, its versions', its copies'
    "documents": f"""WITH ids AS (
    SELECT document_id AS id FROM report_documents WHERE report_id = :id
    UNION SELECT document_id FROM report_versions WHERE report_id = :id AND document_id IS NOT NULL
    UNION SELECT j.value FROM report_sources rs, json_each(rs.documents) j WHERE rs.report_id = :id)
SELECT {DOCUMENT_COLUMNS}, rd.role AS report_role FROM ids JOIN documents d ON d.id = ids.id
LEFT JOIN report_documents rd ON rd.report_id = :id AND rd.document_id = d.id
ORDER BY rd.role IS NULL, rd.role <> 'page', d.id LIMIT 200""",
    "cells": """SELECT table_key, row_key, col_key, value, raw, status, unit, document_id, src_table, src_row,
  src_col, src_line, page, bbox, confidence FROM cells WHERE report_id = :id""",
    "checks": """SELECT id, rule, table_key, row_key, col_key, status, strict, blank_as_zero, lhs, rhs, lhs_bz, rhs_bz,
  detail FROM checks WHERE report_id = :id ORDER BY status = 'pass', status <> 'fail', rule, id""",
    "flags": "SELECT id, kind, detail, data FROM flags WHERE report_id = :id ORDER BY id",
    "sections": "SELECT ord, key, number, title, text FROM sections WHERE report_id = :id ORDER BY ord",
    "versions": """SELECT version, content_id, url, document_id, first_seen, last_seen, superseded_at, status, gone_at,
  http_status, n_cells FROM report_versions WHERE report_id = :id ORDER BY version DESC""",
    "changes": """SELECT old_version, new_version, table_key, row_key, col_key, old_value, new_value, old_raw, new_raw,
  detected_at FROM cell_changes WHERE report_id = :id ORDER BY new_version DESC, table_key, row_key, col_key
LIMIT 2000""",
    "sources": """SELECT source, content_id, role, documents, cells_document_id, adcode, first_seen, last_seen, status,
  gone_at, http_status FROM report_sources WHERE report_id = :id ORDER BY first_seen, source LIMIT 500""",
}

# The home page: how big and how complete the archive is.
HOME_SQL: dict[str, str] = {
    "totals": """SELECT (SELECT count(*) FROM report_summary) AS reports,
  (SELECT count(*) FROM documents) AS documents,
  (SELECT count(*) FROM cells) AS cells,
  (SELECT count(DISTINCT region_code) FROM report_summary WHERE region_level IN ('county', 'township')) AS counties,
  (SELECT count(DISTINCT province) FROM report_summary) AS provinces,
  (SELECT min(year) FROM report_summary) AS first_year, (SELECT max(year) FROM report_summary) AS last_year,
  (SELECT count(*) FROM report_summary WHERE check_status = 'failing') AS failing_strict,
  (SELECT count(*) FROM report_summary WHERE check_status = 'failing_blanks_as_zero') AS failing_blank_zero,
  (SELECT count(*) FROM report_summary WHERE check_status = 'tables_missing') AS tables_missing,
  (SELECT max(year) FROM coverage WHERE unit_kind = 'government' AND expected = 1) AS due_year,
  (SELECT max(year) FROM coverage WHERE unit_kind = 'government' AND expected = 1 AND reports_found > 0)
    AS covered_year""",
    # per province, for the latest year whose government reports are due: how many counties have theirs
    "coverage": """SELECT province, count(*) AS counties, sum(reports_found > 0) AS with_report,
  sum(status = 'complete') AS complete, sum(status IN ('extracted_failing_checks')) AS failing,
  sum(status IN ('not_crawled', 'crawl_failed', 'no_column')) AS not_reached
FROM coverage WHERE unit_kind = 'government' AND year = :year
GROUP BY province ORDER BY with_report DESC, province""",
    "recent": """SELECT report_id, title, region_name, province, year, agency, check_status, report_page
FROM report_summary ORDER BY first_seen DESC, report_id LIMIT 8""",
}
