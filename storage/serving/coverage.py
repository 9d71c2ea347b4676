"""The coverage ledger: for every county-level division, every reporting year and every kind of unit, how far the
archive got — and the evidence for it.

One row per (county, year, unit_kind) in table `coverage`; unit_kind is
    government   the county government's own report (本级政府, or its office's when the government published none;
                 report_summary.counts_as = 'government') — one report is expected per county and year
    department   the county's departments (how many should report is not known: found or not)
    township     its townships and streets (乡镇、街道), likewise

status, the first step that was not reached:
    not_due               the report was not due yet on the day the ledger was built
    not_crawled           the county's portal was never crawled (no portal, or not yet)
    crawl_failed          the last crawl could not read the portal: unreachable / blocked / robots (evidence:
                          portal_status, portal_detail)
    no_column             the portal was read but no 年报 column was found
    no_report             the column was read, no report of this kind for this year was listed or archived
    found_not_extracted   a report was listed (items_listed) or archived, but no table could be read from it
    extracted_failing_checks  tables were read and a consistency check fails (for departments and townships: in
                          at least one of their reports)
    tables_missing        tables were read, every check passes, but a whole table of the template is missing
    complete              tables were read, none of the template's tables is missing and every check passes (in
                          every report of the kind)

Evidence columns: portal_url, portal_status, portal_checked_at, columns (the 年报 columns the crawl read, JSON),
items_listed (report links the crawl listed for the county, year and kind), report_ids (JSON), government_report_id,
published_date, days_late (of the government's report, extract/dates.py's rule), cells, checks_failed.
Materialised (not a view): a cross product of 2,849 counties × years × 3 kinds joined with reports.
"""
from __future__ import annotations

import sqlite3
from datetime import date

from extract.dates import statutory_deadline

FIRST_YEAR = 2008  # the 2008 条例 took effect 2008-05-01: reports exist from the 2008 year on
UNIT_KINDS = ("government", "department", "township")
STATUSES = ("not_due", "not_crawled", "crawl_failed", "no_column", "no_report", "found_not_extracted",
            "extracted_failing_checks", "tables_missing", "complete")


def build_coverage(conn: sqlite3.Connection, *, first_year: int = FIRST_YEAR, today: date | None = None) -> int:
    today = today or date.today()
    max_year = today.year - 1
    row = conn.execute("SELECT max(year) FROM reports").fetchone()
    if row and row[0]:
        max_year = max(max_year, int(row[0]))
    conn.execute("DROP TABLE IF EXISTS coverage")
    conn.execute("""CREATE TABLE coverage (
        region_code TEXT, county TEXT, province TEXT, prefecture TEXT, year INTEGER, unit_kind TEXT,
        deadline TEXT, expected INTEGER, status TEXT, reports_found INTEGER, items_listed INTEGER,
        extracted INTEGER, checks_passing INTEGER, report_ids TEXT, government_report_id TEXT,
        published_date TEXT, days_late INTEGER, late INTEGER, cells INTEGER, checks_failed INTEGER,
        portal_url TEXT, portal_status TEXT, portal_checked_at TEXT, columns TEXT,
        latitude REAL, longitude REAL, PRIMARY KEY (region_code, year, unit_kind))""")
    conn.execute("DROP TABLE IF EXISTS temp.coverage_years")
    conn.execute("CREATE TEMP TABLE coverage_years (year INTEGER, unit_kind TEXT, deadline TEXT, "
                 "PRIMARY KEY (year, unit_kind))")
    conn.executemany("INSERT INTO temp.coverage_years VALUES (?, ?, ?)",
                     [(y, k, statutory_deadline(y, k).isoformat()) for y in range(first_year, max_year + 1)
                      for k in UNIT_KINDS])
    conn.execute("""
    WITH found AS (
        SELECT region_code, year,
          CASE WHEN counts_as IN ('government', 'department', 'township') THEN counts_as END AS unit_kind,
          COUNT(*) AS reports_found, SUM(n_cells > 0) AS extracted,
          SUM(n_cells > 0 AND checks_failed = 0 AND tables_missing IS NULL) AS checks_passing,
          SUM(n_cells > 0 AND checks_failed > 0) AS checks_failing,
          json_group_array(report_id) AS report_ids,
          MAX(CASE WHEN counts_as = 'government' THEN report_id END) AS government_report_id,
          MAX(CASE WHEN counts_as = 'government' THEN published_date END) AS published_date,
          MAX(CASE WHEN counts_as = 'government' THEN days_late END) AS days_late,
          SUM(n_cells) AS cells, SUM(checks_failed) AS checks_failed
        FROM report_summary WHERE region_code IS NOT NULL AND year IS NOT NULL
        GROUP BY region_code, year, unit_kind
    ), listed AS (
        SELECT adcode, year,
          CASE WHEN unit_kind IN ('government', 'office') THEN 'government' ELSE unit_kind END AS unit_kind,
          COUNT(*) AS items_listed
        FROM report_items WHERE year IS NOT NULL GROUP BY adcode, year, 3
    ), latest AS (
        SELECT adcode, status, checked_at, json_extract(detail, '$.columns') AS columns,
          row_number() OVER (PARTITION BY adcode ORDER BY run_id DESC) AS rn
        FROM portal_status
    )
    INSERT INTO coverage
    SELECT g.code, g.name, g.province, g.prefecture, y.year, y.unit_kind, y.deadline,
      CASE WHEN y.unit_kind = 'government' THEN y.deadline <= :today ELSE NULL END,
      CASE
        WHEN coalesce(f.extracted, 0) > 0 AND f.checks_passing = f.extracted THEN 'complete'
        WHEN coalesce(f.extracted, 0) > 0 AND f.checks_failing > 0 THEN 'extracted_failing_checks'
        WHEN coalesce(f.extracted, 0) > 0 THEN 'tables_missing'
        WHEN coalesce(f.reports_found, 0) > 0 OR coalesce(li.items_listed, 0) > 0 THEN 'found_not_extracted'
        WHEN y.deadline > :today THEN 'not_due'
        WHEN l.status IS NULL THEN 'not_crawled'
        WHEN l.status IN ('unreachable', 'blocked', 'robots') THEN 'crawl_failed'
        WHEN l.status = 'no_column' THEN 'no_column'
        ELSE 'no_report' END,
      coalesce(f.reports_found, 0), coalesce(li.items_listed, 0), coalesce(f.extracted, 0),
      coalesce(f.checks_passing, 0), f.report_ids, f.government_report_id, f.published_date, f.days_late,
      f.days_late > 0, f.cells, f.checks_failed, p.url, l.status, l.checked_at, l.columns,
      g.latitude, g.longitude
    FROM regions g CROSS JOIN temp.coverage_years y
    LEFT JOIN found f ON f.region_code = g.code AND f.year = y.year AND f.unit_kind = y.unit_kind
    LEFT JOIN listed li ON li.adcode = g.code AND li.year = y.year AND li.unit_kind = y.unit_kind
    LEFT JOIN latest l ON l.adcode = g.code AND l.rn = 1
    LEFT JOIN portals p ON p.adcode = g.code
    WHERE g.level = 'county'
    ORDER BY g.code, y.year, y.unit_kind""", {"today": today.isoformat()})
    for cols in (["year", "unit_kind", "status"], ["province"], ["prefecture"], ["status"], ["late"]):
        conn.execute(f"CREATE INDEX coverage_{'_'.join(cols)} ON coverage({', '.join(cols)})")
    conn.execute("DROP TABLE temp.coverage_years")
    return conn.execute("SELECT count(*) FROM coverage").fetchone()[0]
