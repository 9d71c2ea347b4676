"""The archive: one SQLite file (archive.db) plus the raw originals, content-addressed, beside it.

Table and column names here are a public interface (Datasette users and scripts query them): change them only
with a migration and a note in docs/schema.md.

    <archive dir>/archive.db
    <archive dir>/blobs/ab/cd/abcd...sha256     every original byte stream, stored once by its sha256
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from extract.model import ExtractionResult

SCHEMA_VERSION = 1
EXTRACTOR_VERSION = "0.1.0"


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """Content-addressed store of original bytes: blobs/ab/cd/<sha256>. Writes are atomic (tmp + rename)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha: str) -> Path:
        return self.root / sha[:2] / sha[2:4] / sha

    def put(self, data: bytes) -> str:
        sha = sha256_hex(data)
        dest = self.path(sha)
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(data)
            os.replace(tmp, dest)
        return sha

    def get(self, sha: str) -> bytes:
        return self.path(sha).read_bytes()

    def has(self, sha: str) -> bool:
        return self.path(sha).exists()


# Columns of each table, in order. Kept here, in one place, so docs/schema.md and the code agree.
TABLES: dict[str, dict] = {
    "documents": dict(
        columns={
            "id": int, "sha256": str, "url": str, "final_url": str, "path": str, "content_type": str,
            "declared_type": str, "filename": str, "size": int, "http_status": int, "headers": str,
            "etag": str, "last_modified": str, "fetched_at": str, "added_at": str, "role": str,
            "portal_adcode": str, "parent_id": int,
        },
        pk="id", not_null={"sha256", "added_at"},
    ),
    "reports": dict(
        columns={
            "id": str, "document_id": int, "source": str, "url": str, "title": str, "year": int,
            "region_code": str, "region_name": str, "province": str, "prefecture": str, "region_source": str,
            "agency": str, "agency_kind": str, "template": str, "format": str, "script": str,
            "published_date": str, "period_start": str, "period_end": str, "status": str,
            "n_cells": int, "n_checks_failed": int, "n_flags": int, "extracted_at": str, "extractor_version": str,
        },
        pk="id", foreign_keys=[("document_id", "documents", "id")],
    ),
    "report_documents": dict(
        columns={"report_id": str, "document_id": int, "role": str},
        pk=("report_id", "document_id"),
        foreign_keys=[("report_id", "reports", "id"), ("document_id", "documents", "id")],
    ),
    "sections": dict(
        columns={"report_id": str, "ord": int, "key": str, "number": str, "title": str, "text": str},
        pk=("report_id", "ord"), foreign_keys=[("report_id", "reports", "id")],
    ),
    "cells": dict(
        columns={
            "report_id": str, "table_key": str, "row_key": str, "col_key": str, "value": float, "raw": str,
            "status": str, "unit": str, "document_id": int, "src_table": int, "src_row": int, "src_col": int,
            "src_line": int, "page": int, "bbox": str, "confidence": float,
        },
        pk=("report_id", "table_key", "row_key", "col_key"),
        foreign_keys=[("report_id", "reports", "id"), ("document_id", "documents", "id")],
    ),
    "checks": dict(
        columns={
            "id": int, "report_id": str, "rule": str, "table_key": str, "row_key": str, "col_key": str,
            "status": str, "strict": str, "blank_as_zero": str, "lhs": float, "rhs": float,
            "lhs_bz": float, "rhs_bz": float, "detail": str,
        },
        pk="id", foreign_keys=[("report_id", "reports", "id")],
    ),
    "flags": dict(
        columns={"id": int, "report_id": str, "kind": str, "detail": str, "data": str},
        pk="id", foreign_keys=[("report_id", "reports", "id")],
    ),
    "errors": dict(
        columns={
            "id": int, "source": str, "document_id": int, "stage": str, "kind": str, "message": str,
            "occurred_at": str, "resolved_at": str,
        },
        pk="id", foreign_keys=[("document_id", "documents", "id")],
    ),
}

INDEXES = [
    ("documents", ["sha256"]), ("documents", ["url"]), ("documents", ["portal_adcode"]),
    ("reports", ["region_code", "year"]), ("reports", ["year"]), ("reports", ["template"]),
    ("reports", ["agency_kind"]), ("reports", ["document_id"]), ("reports", ["url"]),
    ("cells", ["table_key", "row_key", "col_key"]), ("checks", ["report_id"]), ("checks", ["status"]),
    ("checks", ["rule", "status"]), ("flags", ["report_id"]), ("flags", ["kind"]),
    ("errors", ["source"]), ("errors", ["document_id"]), ("report_documents", ["document_id"]),
]


def ensure_schema(db: sqlite_utils.Database) -> None:
    for name, spec in TABLES.items():
        if not db[name].exists():
            db[name].create(spec["columns"], pk=spec["pk"], not_null=spec.get("not_null"),
                            foreign_keys=spec.get("foreign_keys"))
    for table, cols in INDEXES:
        db[table].create_index(cols, if_not_exists=True)
    db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
    db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])


@dataclass
class StoredDocument:
    id: int
    sha256: str


class Archive:
    """Open (and create if needed) an archive. All writes of one document happen in one transaction."""

    def __init__(self, db_path: str | Path = "archive.db"):
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(self.db_path), timeout=60, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=60000")
        self.db = sqlite_utils.Database(conn)
        self.blobs = BlobStore(self.db_path.parent / "blobs")
        ensure_schema(self.db)

    def close(self) -> None:
        self.db.conn.close()

    # -- documents -------------------------------------------------------------------------------------
    def add_document(self, data: bytes, *, url: str | None = None, path: str | None = None,
                     content_type: str | None = None, **fields) -> StoredDocument:
        """Store the bytes (content-addressed) and a documents row. The same bytes from the same url/path
        are recorded once; a new fetch of identical bytes only refreshes fetched_at."""
        sha = self.blobs.put(data)
        key_col, key_val = ("url", url) if url else ("path", path)
        row = None
        if key_val is not None:
            row = self.db.execute(
                f"SELECT id FROM documents WHERE sha256 = ? AND {key_col} = ? ORDER BY id DESC LIMIT 1",
                [sha, key_val]).fetchone()
        if row:
            if fields.get("fetched_at"):
                self.db["documents"].update(row[0], {"fetched_at": fields["fetched_at"]})
            return StoredDocument(row[0], sha)
        record = {"sha256": sha, "url": url, "path": path, "content_type": content_type, "size": len(data),
                  "added_at": now_iso(), **fields}
        if isinstance(record.get("headers"), dict):
            record["headers"] = json.dumps(record["headers"], ensure_ascii=False)
        doc_id = self.db["documents"].insert(record).last_pk
        return StoredDocument(doc_id, sha)

    # -- extraction results ----------------------------------------------------------------------------
    @staticmethod
    def report_id_for(shas: list[str]) -> str:
        """A report is identified by the bytes it was extracted from: same bytes, same id (idempotent)."""
        if len(shas) == 1:
            return shas[0][:16]
        return sha256_hex("|".join(shas).encode())[:16]

    def write_extraction(self, result: ExtractionResult, document: StoredDocument, *,
                         url: str | None = None, attachments: list[tuple[StoredDocument, str]] = (),
                         cells_document: StoredDocument | None = None) -> str | None:
        """Replace everything extracted from this document in one transaction. Returns the report id.

        attachments: extra documents the report was built from, with their role ('attachment').
        cells_document: the document the table cells were read from, when it is an attachment (see
        extract.pipeline.extract_report); default: the page itself.

        A document that could not be read at all (errors, no sections, no cells) gets no report: only its
        errors are recorded (and returned id is None). It can be retried with `nianbao reextract --errors`.
        """
        if result.errors and not result.cells and not result.sections:
            with self.transaction():
                self._insert("errors", [
                    {"source": result.source, "document_id": document.id, "stage": "extract",
                     "kind": e.get("kind", "error"), "message": e.get("message", ""), "occurred_at": now_iso()}
                    for e in result.errors])
            return None
        report_id = self.report_id_for([document.sha256] + [d.sha256 for d, _ in attachments])
        m = result.meta
        failed = sum(1 for c in result.checks if c.status == "fail")
        status = "error" if result.errors and not result.cells else ("ok" if result.cells else "no_tables")
        report = {
            "id": report_id, "document_id": document.id, "source": result.source, "url": url,
            "title": m.title, "year": m.year, "region_code": m.region_code, "region_name": m.region_name,
            "province": m.province, "prefecture": m.prefecture, "region_source": m.region_source,
            "agency": m.agency, "agency_kind": m.agency_kind, "template": result.template,
            "format": result.format, "script": m.script, "published_date": m.published_date,
            "period_start": m.period_start, "period_end": m.period_end, "status": status,
            "n_cells": len(result.cells), "n_checks_failed": failed, "n_flags": len(result.flags),
            "extracted_at": now_iso(), "extractor_version": EXTRACTOR_VERSION,
        }
        # sqlite-utils' insert_all commits on its own ("with conn:"), which would break the one-transaction
        # promise, so rows are written with plain executemany inside BEGIN IMMEDIATE ... COMMIT.
        with self.transaction():
            self._delete_report(report_id)
            self._insert("reports", [report])
            self._insert("report_documents",
                         [{"report_id": report_id, "document_id": document.id, "role": "page"}]
                         + [{"report_id": report_id, "document_id": d.id, "role": role} for d, role in attachments],
                         replace=True)
            self._insert("sections", [
                {"report_id": report_id, "ord": i, "key": s.key, "number": s.number, "title": s.title,
                 "text": s.text} for i, s in enumerate(result.sections)])
            self._insert("cells", self._cell_rows(report_id, result, (cells_document or document).id))
            self._insert("checks", [
                {"report_id": report_id, "rule": c.rule, "table_key": c.table, "row_key": c.row,
                 "col_key": c.col, "status": c.status, "strict": c.strict, "blank_as_zero": c.blank_as_zero,
                 "lhs": c.lhs, "rhs": c.rhs, "lhs_bz": c.lhs_bz, "rhs_bz": c.rhs_bz, "detail": c.detail}
                for c in result.checks])
            self._insert("flags", [
                {"report_id": report_id, "kind": f.kind, "detail": f.detail,
                 "data": json.dumps(f.data, ensure_ascii=False) if f.data else None} for f in result.flags])
            self.db.conn.execute(
                "UPDATE errors SET resolved_at = ? WHERE document_id = ? AND resolved_at IS NULL",
                [now_iso(), document.id])
            self._insert("errors", [
                {"source": result.source, "document_id": document.id, "stage": "extract",
                 "kind": e.get("kind", "error"), "message": e.get("message", ""), "occurred_at": now_iso()}
                for e in result.errors])
        return report_id

    def _insert(self, table: str, rows, replace: bool = False) -> None:
        rows = list(rows)
        if not rows:
            return
        cols = list(rows[0])
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        sql = f"{verb} INTO [{table}] ({', '.join(f'[{c}]' for c in cols)}) VALUES ({', '.join('?' * len(cols))})"
        self.db.conn.executemany(sql, [[r.get(c) for c in cols] for r in rows])

    @staticmethod
    def _cell_rows(report_id, result, doc_id):
        for c in result.cells:
            s = c.source
            yield {
                "report_id": report_id, "table_key": c.table, "row_key": c.row, "col_key": c.col,
                "value": c.value, "raw": c.raw, "status": c.status, "unit": c.unit,
                "document_id": doc_id,
                "src_table": s.table if s else None, "src_row": s.row if s else None,
                "src_col": s.col if s else None, "src_line": s.line if s else None,
                "page": s.page if s else None,
                "bbox": json.dumps(list(s.bbox)) if s and s.bbox else None,
                "confidence": s.confidence if s else None,
            }

    def _delete_report(self, report_id: str) -> None:
        for table in ("cells", "checks", "flags", "sections", "report_documents"):
            self.db.conn.execute(f"DELETE FROM {table} WHERE report_id = ?", [report_id])
        self.db.conn.execute("DELETE FROM reports WHERE id = ?", [report_id])

    def record_error(self, source: str, kind: str, message: str, *, stage: str,
                     document_id: int | None = None) -> None:
        """Failures are data: every one is kept with its reason so it can be listed and retried."""
        self._insert("errors", [{"source": source, "document_id": document_id, "stage": stage, "kind": kind,
                                 "message": message, "occurred_at": now_iso()}])

    def transaction(self):
        return _Transaction(self.db.conn)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT / ROLLBACK, so a crash never leaves half a report behind."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, exc_type, exc, tb):
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        return False
