"""Tables and views added to the archive for browsing: regions, report_summary, applications_wide/long,
active_disclosure_wide, check_failures, carryover_chain, t2_stock, report_lateness.

Heavy pivots (report_summary, applications_wide, active_disclosure_wide) are materialised as tables, not
views: Datasette computes facets and counts over the whole relation on every page, and pivoting 20M cells per
request cannot meet the latency target. They are rebuilt from scratch by prepare() (idempotent), so they are
always a pure function of reports/cells/checks. The light, filter-shaped relations stay SQL views.
"""
from __future__ import annotations

import sqlite3

from extract import regions as regions_data
from storage.serving import labels

# Where the site serves a report's page, an original's bytes and its WARC record (nianbao/serve routes them).
REPORT_PAGE = "/report/"
ORIGINAL_FILE = "/original/"
WARC_RECORD = "/warc/"
# Counts are integers; money (万元) is not. INTEGER affinity stores 17.0 as 17 and keeps 1.5 as 1.5, so a count
# prints as a count in JSON and CSV and a misread fraction is still seen.
DECIMAL_COLS = {"fee_amount", "procurement_amount"}

# T3 rows in template order with their printed label (storage.serving.labels); re-exported for bench/serve.py.
APPLICATION_ROWS = labels.APPLICATION_ROWS
APPLICATION_COLS = ["natural_person", "org_commercial", "org_research", "org_public_welfare",
                    "org_legal_service", "org_other", "total"]
ACTIVE_DISCLOSURE_COLS = ["issued", "repealed", "in_force", "decisions", "fee_amount", "new_made",
                          "new_published", "total_published", "prev_year_items", "items_change",
                          "procurement_items", "procurement_amount"]

# Cells the extractor derived (never printed) are left out of every sum: they would double-count.
NOT_DERIVED = "coalesce(status, '') <> 'derived'"


def build_regions(conn: sqlite3.Connection) -> int:
    conn.execute("DROP TABLE IF EXISTS regions")
    conn.execute("""CREATE TABLE regions (
        code TEXT PRIMARY KEY, name TEXT NOT NULL, level TEXT NOT NULL, province TEXT, prefecture TEXT,
        latitude REAL, longitude REAL, coordinates TEXT)""")
    divisions = regions_data.divisions()
    by_code = {d.code: d for d in divisions}
    rows = []
    for d in divisions:
        # 146 divisions (mostly renamed or new districts, e.g. 湟中区 630106) have no coordinates in the data:
        # they borrow their prefecture's (or province's), marked, so they still appear on the map.
        source, lat, lng = "own", d.lat, d.lng
        for parent, label in ((d.code[:4] + "00", "prefecture"), (d.code[:2] + "0000", "province")):
            if lat is not None and lng is not None:
                break
            p = by_code.get(parent)
            if p and p.lat is not None and p.lng is not None:
                source, lat, lng = label, p.lat, p.lng
        rows.append((d.code, d.name, d.level, d.province, d.prefecture, lat, lng,
                     source if lat is not None else None))
    conn.executemany("INSERT INTO regions VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("CREATE INDEX regions_level ON regions(level)")
    conn.execute("CREATE INDEX regions_province ON regions(province)")
    return len(rows)


def build_cell_labels(conn: sqlite3.Connection) -> None:
    """application_rows (T3 rows in template order, with their refusal group) and cell_labels (the printed label of
    every row and column key of the three tables: the Chinese beside the keys)."""
    conn.execute("DROP TABLE IF EXISTS application_rows")
    conn.execute("CREATE TABLE application_rows (row_key TEXT PRIMARY KEY, ord INTEGER, label TEXT, grp TEXT)")
    conn.executemany("INSERT INTO application_rows VALUES (?, ?, ?, ?)", [
        (key, i + 1, label, key.split("_")[0] if key.split("_")[0] in ("denied", "unable", "unprocessed", "other")
         else key) for i, (key, label) in enumerate(APPLICATION_ROWS)])
    conn.execute("DROP TABLE IF EXISTS cell_labels")
    conn.execute("""CREATE TABLE cell_labels (table_key TEXT, kind TEXT, key TEXT, ord INTEGER, label TEXT,
        PRIMARY KEY (table_key, kind, key))""")
    conn.executemany("INSERT INTO cell_labels VALUES (?, ?, ?, ?, ?)", labels.label_rows())


# Which total a report is summed into (report_summary.counts_as): every report in exactly one.
#   government  the government's own report for its region and year (本级政府): the government's, or — when the
#               government published none — its office's (办公室) report; one per region and year
#   office      the office's own report when the government's report is there too
#   government_other  a second government-kind report for the same region and year under another unit name
#   department / township / other / unknown    the other units, by agency kind
COUNTS_AS_SQL = """CASE
    WHEN r.agency_kind IN ('government', 'office') AND r.region_code IS NOT NULL AND r.year IS NOT NULL
         AND r.id = (SELECT g.id FROM reports g WHERE g.region_code = r.region_code AND g.year = r.year
                     AND g.agency_kind IN ('government', 'office')
                     ORDER BY g.agency_kind <> 'government', g.n_cells DESC, g.id LIMIT 1) THEN 'government'
    WHEN r.agency_kind = 'government' THEN 'government_other'
    ELSE coalesce(r.agency_kind, 'unknown') END"""


SUMMARY_TOTALS = ["requests_received", "carried_in", "granted", "partially_granted", "refused_denied",
                  "refused_unable", "refused_unprocessed", "refused_other", "results_total", "carried_out",
                  "reviews_total", "lawsuits_direct", "lawsuits_after_review", "lawsuits_total"]

# The standard tables a report's template has and the report lacks altogether (the extractor's missing_table flag):
# such a report has no failing check because nothing could be checked, which is not "passing".
MISSING_TABLES_SQL = """SELECT report_id, group_concat(json_extract(data, '$.table'), ',') AS tables
        FROM flags WHERE kind = 'missing_table' AND json_valid(data) GROUP BY report_id"""

# passing / failing (a check fails with blanks taken as unknown) / failing_blanks_as_zero (a check fails only
# once the report's blank cells are read as 0) / tables_missing (nothing fails, but a whole table of the template
# is missing) / no checks (no table was read)
CHECK_STATUS_SQL = """CASE WHEN f.n_checks IS NULL THEN 'no checks'
           WHEN f.n_strict > 0 THEN 'failing'
           WHEN f.n_blank_zero > 0 THEN 'failing_blanks_as_zero'
           WHEN m.tables IS NOT NULL THEN 'tables_missing'
           ELSE 'passing' END"""


def build_report_summary(conn: sqlite3.Connection) -> int:
    conn.execute("DROP TABLE IF EXISTS report_summary")
    counts = ", ".join(f"{c} INTEGER" for c in SUMMARY_TOTALS)
    conn.execute(f"""CREATE TABLE report_summary (
        report_id TEXT PRIMARY KEY, title TEXT, report_page TEXT, original_file TEXT, region_code TEXT,
        region_name TEXT, province TEXT, prefecture TEXT, region_level TEXT, year INTEGER, agency TEXT,
        agency_kind TEXT, counts_as TEXT, template TEXT, status TEXT, published_date TEXT, deadline TEXT,
        days_late INTEGER, url TEXT, document_id INTEGER, {counts}, n_cells INTEGER, checks_failed INTEGER,
        checks_failed_strict INTEGER, checks_failed_blank_zero INTEGER, tables_missing TEXT,
        check_status TEXT, n_flags INTEGER, version INTEGER, n_versions INTEGER, n_sources INTEGER,
        first_seen TEXT, gone_at TEXT, report_key TEXT, latitude REAL, longitude REAL)""")
    app = "table_key = 'applications' AND col_key = 'total' AND "
    conn.execute(f"""
    WITH totals AS (
        SELECT report_id,
          SUM(CASE WHEN {app} row_key = 'new_received' THEN value END) AS requests_received,
          SUM(CASE WHEN {app} row_key = 'carried_in' THEN value END) AS carried_in,
          SUM(CASE WHEN {app} row_key = 'granted' THEN value END) AS granted,
          SUM(CASE WHEN {app} row_key = 'partially_granted' THEN value END) AS partially_granted,
          SUM(CASE WHEN {app} row_key LIKE 'denied\\_%' ESCAPE '\\' THEN value END) AS refused_denied,
          SUM(CASE WHEN {app} row_key LIKE 'unable\\_%' ESCAPE '\\' THEN value END) AS refused_unable,
          SUM(CASE WHEN {app} row_key LIKE 'unprocessed\\_%' ESCAPE '\\' THEN value END) AS refused_unprocessed,
          SUM(CASE WHEN {app} row_key LIKE 'other\\_%' ESCAPE '\\' THEN value END) AS refused_other,
          SUM(CASE WHEN {app} row_key = 'results_total' THEN value END) AS results_total,
          SUM(CASE WHEN {app} row_key = 'carried_out' THEN value END) AS carried_out,
          SUM(CASE WHEN table_key = 'review_litigation' AND row_key = 'admin_review' THEN value END) AS reviews_total,
          SUM(CASE WHEN table_key = 'review_litigation' AND row_key = 'litigation_direct' THEN value END) AS lit_direct,
          SUM(CASE WHEN table_key = 'review_litigation' AND row_key = 'litigation_after_review' THEN value END)
            AS lit_after
        FROM cells
        WHERE col_key = 'total' AND table_key IN ('applications', 'review_litigation') AND {NOT_DERIVED}
        GROUP BY report_id
    ), failed AS (
        -- strict: fails with blanks as unknown; blank_zero: fails only once the blanks are read as 0
        SELECT report_id, SUM(status = 'fail') AS n_failed, SUM(status = 'fail' AND strict = 'fail') AS n_strict,
          SUM(status = 'fail' AND coalesce(strict, '') <> 'fail') AS n_blank_zero, COUNT(*) AS n_checks
        FROM checks GROUP BY report_id
    ), missing AS (
        {MISSING_TABLES_SQL}
    )
    INSERT INTO report_summary
    SELECT r.id, r.title, '{REPORT_PAGE}' || r.id,
      CASE WHEN r.document_id IS NOT NULL THEN '{ORIGINAL_FILE}' || r.document_id END,
      r.region_code, r.region_name, r.province, r.prefecture, r.region_level, r.year, r.agency,
      r.agency_kind, {COUNTS_AS_SQL}, r.template, r.status, r.published_date, r.deadline, r.days_late,
      coalesce(r.url, d.url), r.document_id,
      t.requests_received, t.carried_in, t.granted, t.partially_granted, t.refused_denied, t.refused_unable,
      t.refused_unprocessed, t.refused_other, t.results_total, t.carried_out, t.reviews_total,
      t.lit_direct, t.lit_after,
      CASE WHEN t.lit_direct IS NULL AND t.lit_after IS NULL THEN NULL
           ELSE coalesce(t.lit_direct, 0) + coalesce(t.lit_after, 0) END,
      r.n_cells, coalesce(f.n_failed, 0), coalesce(f.n_strict, 0), coalesce(f.n_blank_zero, 0), m.tables,
      {CHECK_STATUS_SQL},
      r.n_flags, r.version, r.n_versions, r.n_sources, r.first_seen, r.gone_at, r.report_key,
      g.latitude, g.longitude
    FROM reports r
    LEFT JOIN totals t ON t.report_id = r.id
    LEFT JOIN failed f ON f.report_id = r.id
    LEFT JOIN missing m ON m.report_id = r.id
    LEFT JOIN documents d ON d.id = r.document_id
    LEFT JOIN regions g ON g.code = r.region_code
    ORDER BY r.year, r.region_code, r.id""")
    for cols in (["province"], ["prefecture"], ["year"], ["template"], ["agency_kind"], ["check_status"],
                 ["region_code", "agency", "year"], ["days_late"], ["checks_failed"], ["counts_as", "year"],
                 ["region_code", "year", "counts_as"]):
        conn.execute(f"CREATE INDEX report_summary_{'_'.join(cols)} ON report_summary({', '.join(cols)})")
    return conn.execute("SELECT count(*) FROM report_summary").fetchone()[0]


def _pivot(conn: sqlite3.Connection, name: str, table_key: str, cols: list[str]) -> None:
    conn.execute(f"DROP TABLE IF EXISTS {name}")
    col_defs = ", ".join(f"{c} {'REAL' if c in DECIMAL_COLS else 'INTEGER'}" for c in cols)
    conn.execute(f"""CREATE TABLE {name} (report_id TEXT, row_key TEXT, row_label TEXT, row_order INTEGER,
        region_code TEXT, region_name TEXT, province TEXT, prefecture TEXT, year INTEGER, agency TEXT,
        agency_kind TEXT, template TEXT, {col_defs}, report_page TEXT, PRIMARY KEY (report_id, row_key))""")
    sums = ", ".join(f"SUM(CASE WHEN c.col_key = '{c}' THEN c.value END)" for c in cols)
    conn.execute(f"""INSERT INTO {name}
        SELECT c.report_id, c.row_key, l.label, l.ord, r.region_code, r.region_name, r.province, r.prefecture,
          r.year, r.agency, r.agency_kind, r.template, {sums}, '{REPORT_PAGE}' || c.report_id
        FROM cells c JOIN reports r ON r.id = c.report_id
        LEFT JOIN cell_labels l ON l.table_key = c.table_key AND l.kind = 'row' AND l.key = c.row_key
        WHERE c.table_key = '{table_key}' AND {NOT_DERIVED.replace('status', 'c.status')}
        GROUP BY c.report_id, c.row_key""")
    for idx in (["row_key", "year"], ["province"], ["year"], ["region_code", "agency", "year"]):
        conn.execute(f"CREATE INDEX {name}_{'_'.join(idx)} ON {name}({', '.join(idx)})")


def build_pivots(conn: sqlite3.Connection) -> None:
    _pivot(conn, "applications_wide", "applications", APPLICATION_COLS)
    _pivot(conn, "active_disclosure_wide", "active_disclosure", ACTIVE_DISCLOSURE_COLS)
    # Province × year × T3 row totals: the refusal-reason chart and query read this small rollup instead of
    # scanning applications_wide (25 rows per report).
    conn.execute("DROP TABLE IF EXISTS applications_by_province")
    conn.execute(f"""CREATE TABLE applications_by_province AS
        SELECT aw.province, aw.year, aw.row_key, ar.ord AS row_order, ar.label, ar.grp,
          COUNT(*) AS reports, {", ".join(f"SUM({c}) AS {c}" for c in APPLICATION_COLS)}
        FROM applications_wide aw LEFT JOIN application_rows ar ON ar.row_key = aw.row_key
        GROUP BY aw.province, aw.year, aw.row_key""")
    conn.execute("CREATE INDEX applications_by_province_grp ON applications_by_province(grp, province)")


VIEWS: dict[str, str] = {
    "applications_long": """
        SELECT c.report_id, r.region_code, r.region_name, r.province, r.year, r.agency, r.template,
          c.row_key, ar.label AS row_label, c.col_key, cl.label AS col_label, c.value, c.raw, c.status, c.page,
          c.src_line, '{report_page}' || c.report_id || '#c-applications-' || c.row_key || '-' || c.col_key
            AS cell_page
        FROM cells c JOIN reports r ON r.id = c.report_id
        LEFT JOIN application_rows ar ON ar.row_key = c.row_key
        LEFT JOIN cell_labels cl ON cl.table_key = 'applications' AND cl.kind = 'col' AND cl.key = c.col_key
        WHERE c.table_key = 'applications'""",
    # Every failed check, told apart: kind = strict (fails with blanks as unknown) / blanks_as_zero (fails only
    # once blank cells are read as 0); plus one row per standard table missing from a report (kind
    # table_missing): nothing in it could fail, which does not make it pass.
    "check_failures": """
        SELECT k.id AS check_id, k.rule,
          CASE WHEN k.strict = 'fail' THEN 'strict' ELSE 'blanks_as_zero' END AS kind,
          k.table_key, k.row_key, rl.label AS row_label, k.col_key, cl.label AS col_label,
          k.lhs, k.rhs, k.lhs_bz, k.rhs_bz, k.strict, k.blank_as_zero,
          k.detail, k.report_id, r.title, r.region_code, r.region_name, r.province, r.year, r.agency,
          r.document_id, coalesce(r.url, d.url) AS document_url,
          '{db}/cells/' || k.report_id || ',' || k.table_key || ',' || k.row_key || ',' || k.col_key AS cell_path,
          '{db}/reports/' || k.report_id AS report_path,
          '{report_page}' || k.report_id AS report_page,
          '{report_page}' || k.report_id || '#check-' || k.id AS check_page,
          CASE WHEN r.document_id IS NOT NULL THEN '{original_file}' || r.document_id END AS original_file
        FROM checks k JOIN reports r ON r.id = k.report_id LEFT JOIN documents d ON d.id = r.document_id
        LEFT JOIN cell_labels rl ON rl.table_key = k.table_key AND rl.kind = 'row' AND rl.key = k.row_key
        LEFT JOIN cell_labels cl ON cl.table_key = k.table_key AND cl.kind = 'col' AND cl.key = k.col_key
        WHERE k.status = 'fail'
        UNION ALL
        SELECT NULL, 'missing_table', 'table_missing', json_extract(f.data, '$.table'), NULL, NULL, NULL, NULL,
          NULL, NULL, NULL, NULL, NULL, NULL, f.detail, f.report_id, r.title, r.region_code, r.region_name,
          r.province, r.year, r.agency, r.document_id, coalesce(r.url, d.url), NULL,
          '{db}/reports/' || f.report_id, '{report_page}' || f.report_id,
          '{report_page}' || f.report_id || '#t-' || json_extract(f.data, '$.table'),
          CASE WHEN r.document_id IS NOT NULL THEN '{original_file}' || r.document_id END
        FROM flags f JOIN reports r ON r.id = f.report_id LEFT JOIN documents d ON d.id = r.document_id
        WHERE f.kind = 'missing_table' AND json_valid(f.data)""",
    # S1: what an agency carried out of year N should come back as carried in to N+1.
    "carryover_chain": """
        SELECT a.region_code, a.region_name, a.province, a.agency, a.year AS year_n, a.carried_out AS carried_out_n,
          b.year AS year_next, b.carried_in AS carried_in_next, b.carried_in - a.carried_out AS difference,
          CASE WHEN a.carried_out IS NULL OR b.carried_in IS NULL THEN NULL
               ELSE a.carried_out = b.carried_in END AS consistent,
          a.report_id AS report_n, b.report_id AS report_next
        FROM report_summary a JOIN report_summary b
          ON b.region_code = a.region_code AND b.agency IS a.agency AND b.year = a.year + 1""",
    # S2: in_force(N) should equal in_force(N-1) + issued(N) - repealed(N) (revisions and cleanups break it).
    "t2_stock": """
        SELECT cur.region_code, cur.region_name, cur.province, cur.agency, cur.row_key, cur.year,
          prev.in_force AS in_force_prev, cur.issued, cur.repealed, cur.in_force,
          prev.in_force + coalesce(cur.issued, 0) - coalesce(cur.repealed, 0) AS in_force_expected,
          cur.in_force - (prev.in_force + coalesce(cur.issued, 0) - coalesce(cur.repealed, 0)) AS difference,
          CASE WHEN cur.in_force IS NULL OR prev.in_force IS NULL THEN NULL
               ELSE cur.in_force = prev.in_force + coalesce(cur.issued, 0) - coalesce(cur.repealed, 0) END
            AS consistent,
          prev.report_id AS report_prev, cur.report_id
        FROM active_disclosure_wide cur JOIN active_disclosure_wide prev
          ON prev.region_code = cur.region_code AND prev.agency IS cur.agency AND prev.row_key = cur.row_key
          AND prev.year = cur.year - 1
        WHERE cur.row_key IN ('regulations', 'normative_docs')""",
    "report_lateness": """
        SELECT report_id, title, region_code, region_name, province, prefecture, year, agency, agency_kind,
          published_date, deadline, days_late, url
        FROM report_summary WHERE published_date IS NOT NULL""",
}


def build_views(conn: sqlite3.Connection, db_name: str) -> None:
    for name, sql in VIEWS.items():
        conn.execute(f"DROP VIEW IF EXISTS {name}")
        conn.execute(f"CREATE VIEW {name} AS "
                     + sql.format(db="/" + db_name, report_page=REPORT_PAGE, original_file=ORIGINAL_FILE))
