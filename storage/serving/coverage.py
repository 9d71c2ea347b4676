"""The coverage ledger: for every county-level division and every report year, what the archive holds.

One row per (county, year) in table `coverage`:
  expected         1 when the county government's report for that year was due by the prepare date
                   (31 March of the next year, 条例 Art. 49); 0 for years not yet due
  reports_found    reports of any agency of that county for that year (government, office, departments…)
  government_found 1 when the county government's own report is among them (agency_kind government/office)
  extracted        reports whose tables were extracted (status 'ok')
  checks_passing   extracted reports with no failed consistency check
  status           missing / found_not_extracted / extracted_failing_checks / complete / not_due
  published_date, days_late of the government's report (earliest published one when several)
  portal_url, portal_status, items_listed   only when the crawler's tables exist (portals, portal_status,
                   report_items): the county's portal, its status in the latest run, report links listed for the year
Materialised (not a view) because it is a cross product of 2,849 counties × ~18 years joined with reports.
"""
from __future__ import annotations

import sqlite3
from datetime import date

FIRST_YEAR = 2008  # the 2008 条例 took effect 2008-05-01: reports exist from the 2008 year on


def build_coverage(conn: sqlite3.Connection, *, first_year: int = FIRST_YEAR, today: date | None = None) -> int:
    today = today or date.today()
    max_year = today.year - 1
    row = conn.execute("SELECT max(year) FROM reports").fetchone()
    if row and row[0]:
        max_year = max(max_year, int(row[0]))
    conn.execute("DROP TABLE IF EXISTS coverage")
    conn.execute("""CREATE TABLE coverage (
        region_code TEXT, county TEXT, province TEXT, prefecture TEXT, year INTEGER, deadline TEXT,
        expected INTEGER, reports_found INTEGER, government_found INTEGER, extracted INTEGER,
        checks_passing INTEGER, status TEXT, government_report_id TEXT, published_date TEXT, days_late INTEGER,
        late INTEGER, latitude REAL, longitude REAL, PRIMARY KEY (region_code, year))""")
    conn.execute("DROP TABLE IF EXISTS temp.coverage_years")
    conn.execute("CREATE TEMP TABLE coverage_years (year INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO temp.coverage_years VALUES (?)", [(y,) for y in range(first_year, max_year + 1)])
    conn.execute("""
    WITH per AS (
        SELECT region_code, year, COUNT(*) AS reports_found,
          MAX(agency_kind IN ('government', 'office')) AS government_found,
          SUM(status = 'ok') AS extracted,
          SUM(status = 'ok' AND checks_failed = 0) AS checks_passing
        FROM report_summary WHERE region_code IS NOT NULL AND year IS NOT NULL
        GROUP BY region_code, year
    ), gov AS (
        SELECT region_code, year, report_id, published_date, days_late,
          ROW_NUMBER() OVER (PARTITION BY region_code, year
                             ORDER BY agency_kind <> 'government', published_date IS NULL, published_date) AS rn
        FROM report_summary WHERE agency_kind IN ('government', 'office')
    )
    INSERT INTO coverage
    SELECT g.code, g.name, g.province, g.prefecture, y.year, (y.year + 1) || '-03-31',
      (y.year + 1) || '-03-31' <= :today,
      coalesce(p.reports_found, 0), coalesce(p.government_found, 0), coalesce(p.extracted, 0),
      coalesce(p.checks_passing, 0),
      CASE WHEN coalesce(p.reports_found, 0) = 0
             THEN CASE WHEN (y.year + 1) || '-03-31' <= :today THEN 'missing' ELSE 'not_due' END
           WHEN coalesce(p.extracted, 0) = 0 THEN 'found_not_extracted'
           WHEN coalesce(p.checks_passing, 0) = 0 THEN 'extracted_failing_checks'
           ELSE 'complete' END,
      gv.report_id, gv.published_date, gv.days_late, gv.days_late > 0, g.latitude, g.longitude
    FROM regions g CROSS JOIN temp.coverage_years y
    LEFT JOIN per p ON p.region_code = g.code AND p.year = y.year
    LEFT JOIN gov gv ON gv.region_code = g.code AND gv.year = y.year AND gv.rn = 1
    WHERE g.level = 'county'
    ORDER BY g.code, y.year""", {"today": today.isoformat()})
    add_crawl_columns(conn)
    for cols in (["year", "status"], ["province"], ["prefecture"], ["status"], ["late"]):
        conn.execute(f"CREATE INDEX coverage_{'_'.join(cols)} ON coverage({', '.join(cols)})")
    conn.execute("DROP TABLE temp.coverage_years")
    return conn.execute("SELECT count(*) FROM coverage").fetchone()[0]


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")}


def add_crawl_columns(conn: sqlite3.Connection) -> None:
    """Portal columns from the crawler's tables, when present (they are optional: a pure extraction archive has
    none, and the ledger must not depend on them)."""
    if {"adcode", "url"} <= _columns(conn, "portals"):
        conn.execute("ALTER TABLE coverage ADD COLUMN portal_url TEXT")
        conn.execute("UPDATE coverage SET portal_url = (SELECT url FROM portals p WHERE p.adcode = coverage.region_code)")
    if {"run_id", "adcode", "status"} <= _columns(conn, "portal_status"):
        conn.execute("ALTER TABLE coverage ADD COLUMN portal_status TEXT")
        conn.execute("""UPDATE coverage SET portal_status = (SELECT s.status FROM portal_status s
            WHERE s.adcode = coverage.region_code ORDER BY s.run_id DESC LIMIT 1)""")
    if {"adcode", "year"} <= _columns(conn, "report_items"):
        conn.execute("ALTER TABLE coverage ADD COLUMN items_listed INTEGER")
        conn.execute("""UPDATE coverage SET items_listed = (SELECT count(*) FROM report_items i
            WHERE i.adcode = coverage.region_code AND i.year = coverage.year)""")
