"""Feeds: new reports, changed reports (silent edits), new check failures, newly blocked portals.

Report entries link to the report's page in the archive (/report/<id>, made absolute by the plugin), not to the
portal, which may be gone. Each feed is a SQL view (feed_*) with the columns datasette-atom wants — atom_id, atom_title, atom_updated
(ISO 8601 with time zone), atom_link, atom_content — plus `province` to filter on. CANNED_QUERIES wraps each
view in a canned query taking :province (empty = all provinces), to merge into the Datasette metadata
("queries" of the archive database). Then, for a database served as `archive`:

    /archive/feed_new_reports.atom?province=江苏省      Atom feed (datasette-atom)
    /archive/feed_new_reports.json?province=江苏省      the same entries as JSON (Datasette's JSON API)

prepare_feeds(conn) creates the views; storage.serving.prepare runs it whenever the database is prepared for
serving.
"""
from __future__ import annotations

import sqlite3

FEED_COLUMNS = ["atom_id", "atom_title", "atom_updated", "atom_link", "atom_content", "province"]
FEED_LIMIT = 100  # entries per feed: a feed reader polls; it doesn't need the archive's whole history

# Reports as they enter the archive: one entry per report (its first sighting); a later version of a report is a
# change, not a new report: it appears in feed_changed_reports instead.
NEW_REPORTS_SQL = """
SELECT 'tag:nianbao,2024:report/' || r.id AS atom_id,
  coalesce(r.region_name, r.agency, '?') || ' ' || coalesce(r.year, '') || ' — ' || coalesce(r.title, r.id)
    AS atom_title,
  coalesce(r.first_seen, r.extracted_at) AS atom_updated,
  '/report/' || r.id AS atom_link,
  coalesce(r.agency, '') || ' (' || coalesce(r.agency_kind, '?') || '), ' || coalesce(r.province, '') ||
    coalesce(r.prefecture, '') || coalesce(r.region_name, '') || ', year ' || coalesce(r.year, '?') ||
    ': template ' || coalesce(r.template, '?') || ', ' || r.n_cells || ' cells, ' || r.n_checks_failed ||
    ' failed checks. Report id ' || r.id || '.' AS atom_content,
  r.province
FROM reports r
"""

# One entry per later version of a report, listing the cells that changed from the version before.
CHANGED_REPORTS_SQL = """
SELECT 'tag:nianbao,2024:change/' || v.report_id || '/' || v.version AS atom_id,
  coalesce(r.region_name, r.agency, '?') || ' ' || coalesce(r.year, '') || ' — changed (version ' || v.version
    || '): ' || (SELECT count(*) FROM cell_changes c WHERE c.report_id = v.report_id AND c.new_version = v.version)
    || ' cells' AS atom_title,
  v.first_seen AS atom_updated,
  '/report/' || v.report_id || '#versions' AS atom_link,
  coalesce(r.title, '') || ' was edited after publication. Changed cells: ' || coalesce((
    SELECT group_concat(c.table_key || '/' || c.row_key || '/' || c.col_key || ': ' || coalesce(c.old_raw, '∅')
                        || ' → ' || coalesce(c.new_raw, '∅'), '; ')
    FROM cell_changes c WHERE c.report_id = v.report_id AND c.new_version = v.version), 'none (text only)')
    || '. Report ' || v.report_id || ', version ' || (v.version - 1) || ' → ' || v.version || '.' AS atom_content,
  r.province
FROM report_versions v
JOIN reports r ON r.id = v.report_id
WHERE v.version > 1
"""

# Reports with at least one failed consistency check (rules R1–R7), one entry per report.
CHECK_FAILURES_SQL = """
SELECT 'tag:nianbao,2024:checks/' || r.id AS atom_id,
  coalesce(r.region_name, r.agency, '?') || ' ' || coalesce(r.year, '') || ' — ' || count(*) ||
    ' failed checks' AS atom_title,
  r.extracted_at AS atom_updated,
  '/report/' || r.id || '#checks' AS atom_link,
  coalesce(r.title, r.id) || ': ' || group_concat(k.rule || ' ' || coalesce(k.table_key, '') || '/' ||
    coalesce(k.row_key, '') || '/' || coalesce(k.col_key, '') ||
    CASE WHEN k.detail IS NOT NULL AND k.detail <> '' THEN ' (' || k.detail || ')' ELSE '' END, '; ')
    AS atom_content,
  r.province
FROM checks k JOIN reports r ON r.id = k.report_id
WHERE k.status = 'fail'
GROUP BY r.id
"""

# A portal's crawl turning 'blocked' (a bot wall) when the crawl before it was not: one entry per such turn.
BLOCKED_PORTALS_SQL = """
WITH s AS (
  SELECT adcode, run_id, status, detail, checked_at,
    lag(status) OVER (PARTITION BY adcode ORDER BY run_id) AS previous_status
  FROM portal_status)
SELECT 'tag:nianbao,2024:blocked/' || s.adcode || '/' || s.run_id AS atom_id,
  coalesce(p.name, s.adcode) || ' blocked (HTTP ' || coalesce(json_extract(s.detail, '$.walls[0].status'), '?')
    || ')' AS atom_title,
  s.checked_at AS atom_updated,
  coalesce(p.url, '') AS atom_link,
  coalesce(p.province, '') || coalesce(p.prefecture, '') || coalesce(p.name, '') || ' (' || s.adcode ||
    '): the crawl of run ' || s.run_id || ' met a bot wall (' ||
    coalesce(json_extract(s.detail, '$.walls[0].signature'), '?') || ' at ' ||
    coalesce(json_extract(s.detail, '$.walls[0].url'), '?') || '); before: ' ||
    coalesce(s.previous_status, 'never crawled') || '.' AS atom_content,
  p.province
FROM s LEFT JOIN portals p ON p.adcode = s.adcode
WHERE s.status = 'blocked' AND (s.previous_status IS NULL OR s.previous_status <> 'blocked')
"""

# view name -> (SQL, title, description)
FEEDS: dict[str, tuple[str, str, str]] = {
    "feed_new_reports": (NEW_REPORTS_SQL, "新报告 New reports", "Annual reports as they enter the archive, newest first."),
    "feed_changed_reports": (CHANGED_REPORTS_SQL, "报告被修改 Changed reports",
                             "A report URL that now serves different content (a silent edit): the cells that "
                             "changed, old → new."),
    "feed_check_failures": (CHECK_FAILURES_SQL, "校验未通过 Check failures",
                            "Reports with failed consistency checks (R1–R7), newest extraction first."),
    "feed_blocked_portals": (BLOCKED_PORTALS_SQL, "门户被拦截 Newly blocked portals",
                             "Portals whose latest crawl met a bot wall where the crawl before did not."),
}


def _canned(view: str, title: str, description: str) -> dict:
    return {
        "title": title,
        "description": description + " :province filters by province (e.g. 江苏省); empty = all. "
                                     "Add .atom to the URL for the Atom feed, .json for JSON.",
        "sql": f"SELECT atom_id, atom_title, atom_updated, atom_link, atom_content, province FROM {view}\n"
               f"WHERE (:province = '' OR province = :province)\n"
               f"ORDER BY atom_updated DESC LIMIT {FEED_LIMIT}",
    }


# Merge into the Datasette metadata: metadata["databases"][<db name>]["queries"].update(CANNED_QUERIES)
CANNED_QUERIES: dict[str, dict] = {name: _canned(name, title, desc) for name, (_, title, desc) in FEEDS.items()}


def prepare_feeds(conn: sqlite3.Connection) -> None:
    """(Re)create the feed views and the portal_health view: everything operations adds for Datasette."""
    from storage.serving.health import ensure_health_view

    ensure_health_view(conn)
    for view, (sql, _, _) in FEEDS.items():
        conn.execute(f"DROP VIEW IF EXISTS {view}")
        conn.execute(f"CREATE VIEW {view} AS {sql}")


__all__ = ["CANNED_QUERIES", "FEEDS", "prepare_feeds"]
