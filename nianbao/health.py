"""Portal health: for every portal in the crawler's registry, how its last crawl went and whether its report is late.

Portals are the registered ones (with a URL) and any the crawler has a status for; counties the registry
knows without a portal URL are left out. Read from the crawler's tables (crawler/store.py): portals, portal_status (one row per run and portal),
report_items (one row per report found on a portal). One SQL statement (HEALTH_SQL) is the only place the
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

With no crawler tables yet the view still exists (empty, same columns), and `nianbao status` prints nothing.
"""
from __future__ import annotations

import sqlite3
from datetime import date

HEALTH_VIEW = "portal_health"
CRAWLER_TABLES = ("portals", "portal_status", "report_items")
HEALTH_COLUMNS = ["adcode", "name", "province", "prefecture", "url", "status", "block_code", "block_signature",
                  "shortfall",
                  "last_checked", "last_ok", "last_new_report", "latest_report_year", "due_year", "due_date",
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


def _conn(db) -> sqlite3.Connection:
    """Accept a sqlite3 connection, a sqlite_utils.Database or an Archive."""
    if isinstance(db, sqlite3.Connection):
        return db
    if hasattr(db, "conn"):
        return db.conn
    return db.db.conn


def table_exists(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?",
                        [name]).fetchone() is not None


def crawler_tables_exist(conn: sqlite3.Connection) -> bool:
    return all(table_exists(conn, t) for t in CRAWLER_TABLES)


def empty_select(columns: list[str]) -> str:
    """A SELECT with these columns and no rows: the stand-in for a view whose source tables don't exist yet."""
    return "SELECT " + ", ".join(f"NULL AS [{c}]" for c in columns) + " WHERE 0"


def ensure_health_view(db) -> bool:
    """(Re)create the view portal_health. Returns True when it reads real crawler tables, False when it is the
    empty stand-in (no crawl yet). Call again after the first crawl; prepare-for-serving should call it."""
    conn = _conn(db)
    real = crawler_tables_exist(conn)
    body = HEALTH_SQL.format(today="date('now')") if real else empty_select(HEALTH_COLUMNS)
    conn.execute(f"DROP VIEW IF EXISTS {HEALTH_VIEW}")
    conn.execute(f"CREATE VIEW {HEALTH_VIEW} AS {body}")
    return real


def portal_health(db, today: date | None = None) -> list[dict]:
    """Health rows for every portal (see the module doc); [] when the crawler has not created its tables."""
    conn = _conn(db)
    if not crawler_tables_exist(conn):
        return []
    today = today or date.today()
    cur = conn.execute(HEALTH_SQL.format(today=":today"), {"today": today.isoformat()})
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def format_health(rows: list[dict]) -> str:
    """A plain table for the terminal."""
    if not rows:
        return ""
    header = f"{'adcode':<8} {'name':<12} {'status':<15} {'last ok':<11} {'last new report':<16} {'due':<11} overdue"
    lines = [header]
    for r in rows:
        status = r["status"] + (f" {r['block_code']}" if r.get("block_code") else "") + \
            (f" ({r['shortfall']})" if r.get("shortfall") and r["shortfall"] != r["status"] else "")
        lines.append(f"{r['adcode'] or '':<8} {(r['name'] or '')[:10]:<12} {status:<15} "
                     f"{(r['last_ok'] or '-')[:10]:<11} {(r['last_new_report'] or '-')[:10]:<16} "
                     f"{r['due_date']:<11} {'' if r['days_overdue'] is None else str(r['days_overdue']) + ' days'}")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    late = sum(1 for r in rows if r["days_overdue"] is not None)
    lines.append(f"{len(rows)} portals: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
                 + f"; {late} without the government report due {rows[0]['due_date']}")
    return "\n".join(lines)
