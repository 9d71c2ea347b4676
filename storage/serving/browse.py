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

# T3 rows in template order, with the printed label (spec §3.2). Used for row order and labels.
APPLICATION_ROWS: list[tuple[str, str]] = [
    ("new_received", "一、本年新收政府信息公开申请数量"),
    ("carried_in", "二、上年结转政府信息公开申请数量"),
    ("granted", "（一）予以公开"),
    ("partially_granted", "（二）部分公开"),
    ("denied_state_secret", "（三）1.属于国家秘密"),
    ("denied_law_prohibited", "（三）2.其他法律行政法规禁止公开"),
    ("denied_safety_stability", "（三）3.危及“三安全一稳定”"),
    ("denied_third_party", "（三）4.保护第三方合法权益"),
    ("denied_internal_affairs", "（三）5.属于三类内部事务信息"),
    ("denied_process_info", "（三）6.属于四类过程性信息"),
    ("denied_enforcement_file", "（三）7.属于行政执法案卷"),
    ("denied_admin_query", "（三）8.属于行政查询事项"),
    ("unable_not_held", "（四）1.本机关不掌握相关政府信息"),
    ("unable_needs_creation", "（四）2.没有现成信息需要另行制作"),
    ("unable_still_unclear", "（四）3.补正后申请内容仍不明确"),
    ("unprocessed_petition", "（五）1.信访举报投诉类申请"),
    ("unprocessed_duplicate", "（五）2.重复申请"),
    ("unprocessed_publication", "（五）3.要求提供公开出版物"),
    ("unprocessed_mass_repeat", "（五）4.无正当理由大量反复申请"),
    ("unprocessed_confirm_reissue", "（五）5.要求行政机关确认或重新出具已获取信息"),
    ("other_no_correction", "（六）1.逾期不补正、不再处理"),
    ("other_unpaid_fee", "（六）2.逾期未缴费、不再处理"),
    ("other_misc", "（六）3.其他"),
    ("other_handling", "（六）其他处理（2019格式）"),
    ("results_total", "（七）总计"),
    ("carried_out", "四、结转下年度继续办理"),
]
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
    conn.execute("DROP TABLE IF EXISTS application_rows")
    conn.execute("CREATE TABLE application_rows (row_key TEXT PRIMARY KEY, ord INTEGER, label TEXT, grp TEXT)")
    conn.executemany("INSERT INTO application_rows VALUES (?, ?, ?, ?)", [
        (key, i + 1, label, key.split("_")[0] if key.split("_")[0] in ("denied", "unable", "unprocessed", "other")
         else key) for i, (key, label) in enumerate(APPLICATION_ROWS)])


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


def build_report_summary(conn: sqlite3.Connection) -> int:
    conn.execute("DROP TABLE IF EXISTS report_summary")
    conn.execute("""CREATE TABLE report_summary (
        report_id TEXT PRIMARY KEY, title TEXT, region_code TEXT, region_name TEXT, province TEXT,
        prefecture TEXT, region_level TEXT, year INTEGER, agency TEXT, agency_kind TEXT, counts_as TEXT,
        template TEXT, status TEXT, published_date TEXT, deadline TEXT, days_late INTEGER, url TEXT,
        document_id INTEGER,
        requests_received REAL, carried_in REAL, granted REAL, partially_granted REAL,
        refused_denied REAL, refused_unable REAL, refused_unprocessed REAL, refused_other REAL,
        results_total REAL, carried_out REAL, reviews_total REAL, lawsuits_direct REAL,
        lawsuits_after_review REAL, lawsuits_total REAL, n_cells INTEGER, checks_failed INTEGER,
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
        SELECT report_id, SUM(status = 'fail') AS n_failed, COUNT(*) AS n_checks FROM checks GROUP BY report_id
    )
    INSERT INTO report_summary
    SELECT r.id, r.title, r.region_code, r.region_name, r.province, r.prefecture, r.region_level, r.year, r.agency,
      r.agency_kind, {COUNTS_AS_SQL}, r.template, r.status, r.published_date, r.deadline, r.days_late,
      coalesce(r.url, d.url), r.document_id,
      t.requests_received, t.carried_in, t.granted, t.partially_granted, t.refused_denied, t.refused_unable,
      t.refused_unprocessed, t.refused_other, t.results_total, t.carried_out, t.reviews_total,
      t.lit_direct, t.lit_after,
      CASE WHEN t.lit_direct IS NULL AND t.lit_after IS NULL THEN NULL
           ELSE coalesce(t.lit_direct, 0) + coalesce(t.lit_after, 0) END,
      r.n_cells, coalesce(f.n_failed, 0),
      CASE WHEN f.n_checks IS NULL THEN 'no checks' WHEN f.n_failed > 0 THEN 'failing' ELSE 'passing' END,
      r.n_flags, r.version, r.n_versions, r.n_sources, r.first_seen, r.gone_at, r.report_key,
      g.latitude, g.longitude
    FROM reports r
    LEFT JOIN totals t ON t.report_id = r.id
    LEFT JOIN failed f ON f.report_id = r.id
    LEFT JOIN documents d ON d.id = r.document_id
    LEFT JOIN regions g ON g.code = r.region_code
    ORDER BY r.year, r.region_code, r.id""")
    for cols in (["province"], ["prefecture"], ["year"], ["template"], ["agency_kind"], ["check_status"],
                 ["region_code", "agency", "year"], ["days_late"], ["checks_failed"], ["counts_as", "year"],
                 ["region_code", "year", "counts_as"]):
        conn.execute(f"CREATE INDEX report_summary_{'_'.join(cols)} ON report_summary({', '.join(cols)})")
    return conn.execute("SELECT count(*) FROM report_summary").fetchone()[0]


def _pivot(conn: sqlite3.Connection, name: str, table_key: str, cols: list[str], order_join: str = "",
           order_col: str = "NULL") -> None:
    conn.execute(f"DROP TABLE IF EXISTS {name}")
    col_defs = ", ".join(f"{c} REAL" for c in cols)
    conn.execute(f"""CREATE TABLE {name} (report_id TEXT, row_key TEXT, row_order INTEGER, region_code TEXT,
        region_name TEXT, province TEXT, prefecture TEXT, year INTEGER, agency TEXT, agency_kind TEXT,
        template TEXT, {col_defs}, PRIMARY KEY (report_id, row_key))""")
    sums = ", ".join(f"SUM(CASE WHEN c.col_key = '{c}' THEN c.value END)" for c in cols)
    conn.execute(f"""INSERT INTO {name}
        SELECT c.report_id, c.row_key, {order_col}, r.region_code, r.region_name, r.province, r.prefecture,
          r.year, r.agency, r.agency_kind, r.template, {sums}
        FROM cells c JOIN reports r ON r.id = c.report_id {order_join}
        WHERE c.table_key = '{table_key}' AND {NOT_DERIVED.replace('status', 'c.status')}
        GROUP BY c.report_id, c.row_key""")
    for idx in (["row_key", "year"], ["province"], ["year"], ["region_code", "agency", "year"]):
        conn.execute(f"CREATE INDEX {name}_{'_'.join(idx)} ON {name}({', '.join(idx)})")


def build_pivots(conn: sqlite3.Connection) -> None:
    _pivot(conn, "applications_wide", "applications", APPLICATION_COLS,
           "LEFT JOIN application_rows ar ON ar.row_key = c.row_key", "ar.ord")
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
          c.row_key, ar.label AS row_label, c.col_key, c.value, c.raw, c.status, c.page, c.src_line
        FROM cells c JOIN reports r ON r.id = c.report_id
        LEFT JOIN application_rows ar ON ar.row_key = c.row_key
        WHERE c.table_key = 'applications'""",
    "check_failures": """
        SELECT k.id AS check_id, k.rule, k.table_key, k.row_key, k.col_key, k.lhs, k.rhs, k.lhs_bz, k.rhs_bz,
          k.detail, k.report_id, r.title, r.region_code, r.region_name, r.province, r.year, r.agency,
          r.document_id, coalesce(r.url, d.url) AS document_url,
          '{db}/cells/' || k.report_id || ',' || k.table_key || ',' || k.row_key || ',' || k.col_key AS cell_path,
          '{db}/reports/' || k.report_id AS report_path
        FROM checks k JOIN reports r ON r.id = k.report_id LEFT JOIN documents d ON d.id = r.document_id
        WHERE k.status = 'fail'""",
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
        conn.execute(f"CREATE VIEW {name} AS {sql.format(db='/' + db_name)}")
