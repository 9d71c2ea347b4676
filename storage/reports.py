"""Writing one extraction: the report row, the documents it was built from, its sections, cells, checks, flags and
errors — all in one transaction, replacing any earlier extraction of the same report (idempotent).

A report is identified by the bytes it was extracted from (report_id_for): the same bytes always give the same
id, so re-extraction replaces rows and never duplicates them.
"""
from __future__ import annotations

import json

from storage.blobs import sha256_hex
from storage.db import now_iso

EXTRACTOR_VERSION = "0.1.0"
REPORT_TABLES = ("cells", "checks", "flags", "sections", "report_documents")  # rows keyed by report_id


def report_id_for(shas: list[str]) -> str:
    if len(shas) == 1:
        return shas[0][:16]
    return sha256_hex("|".join(shas).encode())[:16]


def error_rows(result, document_id: int | None, stage: str = "extract") -> list[dict]:
    return [{"source": result.source, "document_id": document_id, "stage": stage, "kind": e.get("kind", "error"),
             "message": e.get("message", ""), "occurred_at": now_iso()} for e in result.errors]


def write_extraction(archive, result, document, *, url=None, attachments=(), cells_document=None) -> str | None:
    """attachments: [(StoredDocument, role)] the report was also built from. cells_document: the document the
    table cells were read from when it is an attachment (extract.pipeline.extract_report); default the page.

    A document that could not be read at all (errors, no sections, no cells) gets no report: only its errors are
    recorded (returns None). It can be retried with `nianbao reextract --errors`."""
    if result.errors and not result.cells and not result.sections:
        with archive.transaction():
            archive.insert("errors", error_rows(result, document.id))
        return None
    report_id = report_id_for([document.sha256] + [d.sha256 for d, _ in attachments])
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
    with archive.transaction():
        delete_report(archive.conn, report_id)
        archive.insert("reports", [report])
        archive.insert("report_documents",
                       [{"report_id": report_id, "document_id": document.id, "role": "page"}]
                       + [{"report_id": report_id, "document_id": d.id, "role": role} for d, role in attachments],
                       replace=True)
        archive.insert("sections", [
            {"report_id": report_id, "ord": i, "key": s.key, "number": s.number, "title": s.title, "text": s.text}
            for i, s in enumerate(result.sections)])
        archive.insert("cells", cell_rows(report_id, result, (cells_document or document).id))
        archive.insert("checks", [
            {"report_id": report_id, "rule": c.rule, "table_key": c.table, "row_key": c.row, "col_key": c.col,
             "status": c.status, "strict": c.strict, "blank_as_zero": c.blank_as_zero, "lhs": c.lhs, "rhs": c.rhs,
             "lhs_bz": c.lhs_bz, "rhs_bz": c.rhs_bz, "detail": c.detail} for c in result.checks])
        archive.insert("flags", [
            {"report_id": report_id, "kind": f.kind, "detail": f.detail,
             "data": json.dumps(f.data, ensure_ascii=False) if f.data else None} for f in result.flags])
        archive.conn.execute("UPDATE errors SET resolved_at = ? WHERE document_id = ? AND resolved_at IS NULL",
                             [now_iso(), document.id])
        archive.insert("errors", error_rows(result, document.id))
    return report_id


def cell_rows(report_id: str, result, doc_id: int):
    for c in result.cells:
        s = c.source
        yield {
            "report_id": report_id, "table_key": c.table, "row_key": c.row, "col_key": c.col,
            "value": c.value, "raw": c.raw, "status": c.status, "unit": c.unit, "document_id": doc_id,
            "src_table": s.table if s else None, "src_row": s.row if s else None,
            "src_col": s.col if s else None, "src_line": s.line if s else None,
            "page": s.page if s else None, "bbox": json.dumps(list(s.bbox)) if s and s.bbox else None,
            "confidence": s.confidence if s else None,
        }


def delete_report(conn, report_id: str) -> None:
    for table in REPORT_TABLES:
        conn.execute(f"DELETE FROM {table} WHERE report_id = ?", [report_id])
    conn.execute("DELETE FROM reports WHERE id = ?", [report_id])
