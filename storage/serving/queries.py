"""The read-only queries the site offers over the served relations: Datasette canned queries (title, description,
SQL, :parameters) and the SQL behind each dashboard chart. The presentation (chart marks, titles) stays in
nianbao.serve.metadata; the SQL lives here with the rest of the archive's SQL."""
from __future__ import annotations

from storage.serving.search import FTS_TABLE

CHART_SQL: dict[str, str] = {
    "reports-count": "SELECT count(*) AS reports FROM report_summary",
    "requests-over-years": "SELECT year, SUM(requests_received) AS requests, COUNT(*) AS reports "
                           "FROM report_summary WHERE year IS NOT NULL GROUP BY year ORDER BY year",
    "refusals-by-reason": "SELECT label, grp, SUM(total) AS total FROM applications_by_province "
                          "WHERE grp IN ('denied', 'unable', 'unprocessed', 'other') "
                          "GROUP BY row_key ORDER BY row_order",
    "coverage-by-year": "SELECT year, status, COUNT(*) AS counties FROM coverage GROUP BY year, status",
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
