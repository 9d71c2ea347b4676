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
