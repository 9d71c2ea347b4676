"""Portal health: for every portal in the crawler's registry, how its last crawl went and whether its report is late.

Portals are the registered ones (with a URL) and any the crawler has a status for; counties the registry
knows without a portal URL are left out. Read from the crawl tables (storage.schema): portals, portal_status
(one row per run and portal), report_items (one row per report found on a portal). One SQL statement (HEALTH_SQL) is the only place the
rules live; it backs both the view `portal_health` (Datasette shows it; "today" is date('now')) and
`nianbao status` (which can pass its own "today", so tests and reruns are reproducible).

Columns:
    adcode, name, province, prefecture, url
    status           latest portal_status: ok / blocked / unreachable / no_column / robots / moved /
                     partial / unparsed_list / adapter_error (shortfalls, docs/crawler.md),
                     or 'unchecked' when the portal was never crawled
    block_code       for blocked: the HTTP status of the first bot wall met (412, 521, …)
    block_signature  for blocked: which wall it was (from crawler/walls.py evidence)
    shortfall        the first shortfall's kind (declared_more, unparsed_list, adapter_error, page_cap, …), if any
    last_checked     when the portal was last crawled (any outcome)
    last_ok          last crawl whose status was ok
    last_new_report  when a report was last found on the portal for the first time (report_items.first_seen)
    latest_report_year  newest report year found on the portal
    due_year, due_date  the government report that is due: a county government's report for year Y is due on
                     31 March of Y+1 (条例 第五十条); due_date is the last such deadline already passed
    due_report_found 1 when a government report for due_year was found on the portal, else 0
    days_overdue     days since due_date when that report was not found, else NULL
"""
from __future__ import annotations

import sqlite3
from datetime import date

HEALTH_VIEW = "portal_health"
HEALTH_COLUMNS = ["adcode", "name", "province", "prefecture", "url", "status", "block_code", "block_signature",
                  "shortfall", "last_checked", "last_ok", "last_new_report", "latest_report_year", "due_year", "due_date",
                  "due_report_found", "days_overdue"]

# {today}: an SQL expression giving today's date as 'YYYY-MM-DD'.
HEALTH_SQL = """
WITH params AS (SELECT {today} AS today),
due AS (
  SELECT today,
    CASE WHEN substr(today, 6, 5) > '03-31' THEN CAST(substr(today, 1, 4) AS INTEGER)
         ELSE CAST(substr(today, 1, 4) AS INTEGER) - 1 END - 1 AS due_year
  FROM params),
latest AS (
  SELECT adcode, status, detail, checked_at,
    row_number() OVER (PARTITION BY adcode ORDER BY run_id DESC, checked_at DESC) AS rn
  FROM portal_status)
SELECT p.adcode, p.name, p.province, p.prefecture, p.url,
  coalesce(l.status, 'unchecked') AS status,
  CASE WHEN l.status = 'blocked' THEN json_extract(l.detail, '$.walls[0].status') END AS block_code,
  CASE WHEN l.status = 'blocked' THEN json_extract(l.detail, '$.walls[0].signature') END AS block_signature,
  json_extract(l.detail, '$.shortfalls[0].kind') AS shortfall,
  l.checked_at AS last_checked,
  (SELECT max(s.checked_at) FROM portal_status s WHERE s.adcode = p.adcode AND s.status = 'ok') AS last_ok,
  (SELECT max(r.first_seen) FROM report_items r WHERE r.adcode = p.adcode) AS last_new_report,
  (SELECT max(r.year) FROM report_items r WHERE r.adcode = p.adcode) AS latest_report_year,
  due.due_year,
  (due.due_year + 1) || '-03-31' AS due_date,
  EXISTS (SELECT 1 FROM report_items r WHERE r.adcode = p.adcode AND r.year = due.due_year
          AND r.unit_kind = 'government') AS due_report_found,
  CASE WHEN NOT EXISTS (SELECT 1 FROM report_items r WHERE r.adcode = p.adcode AND r.year = due.due_year
                        AND r.unit_kind = 'government')
       THEN CAST(julianday(due.today) - julianday((due.due_year + 1) || '-03-31') AS INTEGER) END
    AS days_overdue
FROM portals p
CROSS JOIN due
LEFT JOIN latest l ON l.adcode = p.adcode AND l.rn = 1
WHERE coalesce(p.url, '') <> '' OR coalesce(p.column_url, '') <> '' OR l.status IS NOT NULL
ORDER BY p.adcode
"""


def ensure_health_view(conn: sqlite3.Connection) -> None:
    """(Re)create the view portal_health ("today" is date('now') when Datasette reads it)."""
    conn.execute(f"DROP VIEW IF EXISTS {HEALTH_VIEW}")
    body = HEALTH_SQL.format(today="date('now')")
    conn.execute(f"CREATE VIEW {HEALTH_VIEW} AS {body}")


def portal_health(archive, today: date | None = None) -> list[dict]:
    """Health rows for every portal (see the module doc), with an explicit "today" so reruns are reproducible."""
    today = today or date.today()
    return archive.rows(HEALTH_SQL.format(today=":today"), {"today": today.isoformat()})
