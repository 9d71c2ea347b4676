"""Archives written by an older nianbao: brought to the current schema without losing anything.

Schema 1–2 identified a report by its bytes (a reports row per content, report_versions per URL). Schema 3 derives
reports from the sightings (storage.reports). Migrating:

    1. the old history tables are kept aside (report_versions_schema2, cell_changes_schema2), never dropped;
    2. report_sources (the sightings) is filled from what the old archive knew: every old version of a URL, and
       every old report that had none (files given to nianbao extract), with its documents, dates and gone status;
    3. meta.needs_replay = 1: `nianbao reextract` replays the sightings with the current extractor and derives the
       reports, versions and cells again (until then the old report rows stay as they were).
"""
from __future__ import annotations

import json
import sqlite3
import sys

LEGACY = {"report_versions": "report_versions_schema2", "cell_changes": "cell_changes_schema2"}


def needs_migration(conn: sqlite3.Connection, version: int | None) -> bool:
    if version is None or version >= 3:
        return False
    cols = [r[1] for r in conn.execute("PRAGMA table_info(report_versions)")]
    return bool(cols) and "content_id" not in cols


def move_legacy_tables(conn: sqlite3.Connection) -> None:
    """Step 1 (inside the schema transaction, before the current tables are created)."""
    for old, kept in LEGACY.items():
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [old]).fetchone():
            conn.execute(f"ALTER TABLE [{old}] RENAME TO [{kept}]")
    for name in [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                            "tbl_name LIKE '%_schema2' AND name NOT LIKE 'sqlite_autoindex%'")]:
        conn.execute(f"DROP INDEX [{name}]")  # their names would clash with the new tables' indexes


def fill_sightings(conn: sqlite3.Connection) -> int:
    """Step 2 (after the current tables exist). Returns the sightings recorded."""
    def documents(report_id: str) -> list[int]:
        return [r[0] for r in conn.execute("SELECT document_id FROM report_documents WHERE report_id = ? "
                                           "ORDER BY role = 'page' DESC, document_id", [report_id])]

    rows = []
    status = {"current": "serving", "superseded": "replaced", "gone": "gone"}
    for url, old_id, first, last, st, gone_at, http in conn.execute(
            "SELECT url, report_id, first_seen, last_seen, status, gone_at, http_status FROM report_versions_schema2 "
            "ORDER BY url, version"):
        rows.append((url, old_id, first, last, status.get(st, "serving"), gone_at, http))
    versioned = {r[1] for r in rows}
    for old_id, url, source, extracted in conn.execute("SELECT id, url, source, extracted_at FROM reports"):
        if old_id not in versioned:
            rows.append((url or source, old_id, extracted, extracted, "serving", None, None))
    n = 0
    for source, old_id, first, last, st, gone_at, http in rows:
        docs = documents(old_id)
        if not docs or not source:
            continue
        cells = conn.execute("SELECT document_id FROM reports WHERE id = ?", [old_id]).fetchone()
        conn.execute("INSERT OR IGNORE INTO report_sources (source, content_id, documents, cells_document_id, "
                     "first_seen, last_seen, status, gone_at, http_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [source, old_id, json.dumps(docs), cells[0] if cells else docs[0], first, last, st, gone_at,
                      http])
        n += 1
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('needs_replay', '1')")
    print(f"archive migrated to schema 3: {n} sightings kept; run `nianbao reextract` to rebuild the reports "
          "from them", file=sys.stderr)
    return n


def needs_replay(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT value FROM meta WHERE key = 'needs_replay'").fetchone()
    return bool(row and row[0] == "1")


def replayed(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM meta WHERE key = 'needs_replay'")
