"""Writing what was extracted: one report counted once, with its versions and the places it was found.

A *report* is one unit's report for one year: its identity is (region, agency, year) — `report_key`, from the
extractor's region code, normalised agency key and year — and its id is derived from that key, so every version
and copy of it has the same id. When the region, the unit or the year cannot be read, the key is the content
itself ('content:<content id>') and the report is never merged with another.

A *sighting* is one place (a report page URL, or a path given to `nianbao extract`) serving some bytes (the page
and its attachments; their *content id* is the first 16 hex of the SHA-256 of their SHA-256s). Every sighting is
kept in report_sources — the observation log — and the rest is derived from it, in order of first sight:

    same bytes as the report's current version                 the same version, seen again (or re-extracted)
    the same bytes or the same tables' document as a report     that report (the same original on many pages is
      already holds                                             one report with many sources)
    new bytes, at a place that served the current version,      an edit: a new version supersedes the current one,
      printing other numbers or other text                      every changed cell listed in cell_changes (the
                                                                same report re-rendered around it is no edit)
    new bytes elsewhere, the same numbers                       a copy: one more source, nothing counted twice
    new bytes elsewhere, an earlier version's numbers           a stale copy: one more source (the edit explains
                                                                it), never taking the edit back
    new bytes elsewhere, other numbers                          a conflicting copy: kept as a source, flagged
                                                                (conflicting_copies) with both candidates; the
                                                                current version stays — unless it has no tables
                                                                and the copy has: a copy that can be read wins

Only current versions are in reports / cells / checks / flags / sections: every table Datasette counts shows one
row per report. A document that could not be read as a report gets no report row: its errors are in `errors`, and
its sighting (role 'unread') is retried by `nianbao reextract --errors`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from storage.blobs import sha256_hex
from storage.db import now_iso

EXTRACTOR_VERSION = "0.2.0"
REPORT_TABLES = ("cells", "checks", "flags", "sections", "report_documents")  # rows keyed by report_id
STORAGE_FLAG_KINDS = ("conflicting_copies",)  # flags written here, from report_sources, not by the extractor


def content_id_for(shas: list[str]) -> str:
    """The bytes' identity: the same page and attachments always give the same content id."""
    if len(shas) == 1:
        return shas[0][:16]
    return sha256_hex("|".join(shas).encode())[:16]


def identity_key(meta) -> str | None:
    """'<region>|<unit>|<year>' when the extractor read all three, else None."""
    agency_key = getattr(meta, "agency_key", None)
    if not agency_key or not meta.year or not meta.region_code:
        return None
    return f"{agency_key}|{meta.year}"


def report_id_for_key(key: str) -> str:
    return sha256_hex(f"report:{key}".encode())[:16]


@dataclass
class Sighting:
    """One place serving some bytes: what write_extraction records and derives the report from."""
    source: str  # the report page URL (document key) or the path / URL given
    documents: list  # StoredDocument: the page first, then attachments
    cells_index: int = 0  # which of them the tables were read from
    seen_at: str | None = None  # when the place last confirmed these bytes
    first_seen: str | None = None  # when it first served them (default: seen_at)
    adcode: str | None = None  # the portal it was found on
    url: str | None = None  # reports.url: the page URL when crawled or fetched
    status: str = "serving"
    extra: dict = field(default_factory=dict)

    @property
    def content_id(self) -> str:
        return content_id_for([d.sha256 for d in self.documents])


def error_rows(result, document_id: int | None, stage: str = "extract") -> list[dict]:
    return [{"source": result.source, "document_id": document_id, "stage": stage, "kind": e.get("kind", "error"),
             "message": e.get("message", ""), "occurred_at": now_iso()} for e in result.errors]


def is_report(result) -> bool:
    """A document is stored as a report when tables were read from it, or it reads as a report without errors."""
    return bool(result.cells) or not result.errors


def cells_digest(result) -> str:
    """The numbers a result prints, as one value: two copies print the same numbers when their digests are equal."""
    cells = sorted((c.table, c.row, c.col, c.value, "" if c.value is not None else (c.raw or "").strip())
                   for c in result.cells)
    return sha256_hex(json.dumps(cells, ensure_ascii=False).encode())[:16]


def write_extraction(archive, result, sighting: Sighting) -> str | None:
    """Record the sighting and what was extracted from it, in one transaction; the report id, or None when the
    bytes could not be read as a report (only errors recorded)."""
    seen = sighting.seen_at or now_iso()
    first = sighting.first_seen or seen
    page = sighting.documents[0]
    cells_doc = sighting.documents[sighting.cells_index]
    content = sighting.content_id
    with archive.transaction():
        archive.conn.execute("UPDATE errors SET resolved_at = ? WHERE document_id = ? AND resolved_at IS NULL",
                             [now_iso(), page.id])
        archive.insert("errors", error_rows(result, page.id))
        _observe(archive, sighting, content, first, seen, cells_doc.id, cells_digest(result))
        if not is_report(result):
            _set_source(archive, sighting.source, content, report_id=None, role="unread")
            return None
        report_id, version, action = _place(archive, result, sighting, content)
        _set_source(archive, sighting.source, content, report_id=report_id, role="copy")  # roles: _refresh_report
        if action != "copy":
            _write_current(archive, report_id, result, sighting, content, version, cells_doc,
                           takes_over=action == "takes_over")
        _refresh_report(archive, report_id)
    return report_id


def _observe(archive, s: Sighting, content: str, first: str, seen: str, cells_doc_id: int, digest: str) -> None:
    """The observation log: this place serves these bytes (first/last seen widened); its older bytes are replaced.
    A replay (s.status 'gone' or 'replaced') keeps the status the log recorded."""
    conn = archive.conn
    row = conn.execute("SELECT 1 FROM report_sources WHERE source = ? AND content_id = ?",
                       [s.source, content]).fetchone()
    docs = json.dumps([d.id for d in s.documents])
    if row:
        conn.execute("UPDATE report_sources SET first_seen = min(first_seen, ?), last_seen = max(last_seen, ?), "
                     "documents = ?, cells_document_id = ?, cells_digest = ?, adcode = coalesce(?, adcode) "
                     "WHERE source = ? AND content_id = ?",
                     [first, seen, docs, cells_doc_id, digest, s.adcode, s.source, content])
        if s.status == "serving":
            conn.execute("UPDATE report_sources SET status = 'serving', gone_at = NULL, http_status = NULL "
                         "WHERE source = ? AND content_id = ?", [s.source, content])
    else:
        archive.insert("report_sources", [{
            "source": s.source, "content_id": content, "documents": docs, "cells_document_id": cells_doc_id,
            "cells_digest": digest, "adcode": s.adcode, "first_seen": first, "last_seen": seen, "status": s.status,
            **{k: s.extra[k] for k in ("gone_at", "http_status") if s.extra.get(k) is not None}}])
    if s.status == "serving":
        conn.execute("UPDATE report_sources SET status = 'replaced' WHERE source = ? AND content_id <> ? "
                     "AND status = 'serving' AND first_seen <= ?", [s.source, content, first])


def _set_source(archive, source: str, content: str, *, report_id: str | None, role: str) -> None:
    archive.conn.execute("UPDATE report_sources SET report_id = ?, role = ? WHERE source = ? AND content_id = ?",
                         [report_id, role, source, content])


def _place(archive, result, s: Sighting, content: str) -> tuple[str, int | None, str]:
    """Which report these bytes belong to, and what they do to it: (report_id, version number, action) — action
    'write' (the first or a new version, or the current one again), 'takes_over' (a copy that speaks for the
    current version from now on), 'copy' (one more place; its role, copy or conflicting, follows from its numbers).

    The report follows from the sighting itself — its identity key, or for an unreadable identity the original the
    tables came from — so the result does not depend on the order sightings arrive in (a crawl killed and resumed
    gives the same archive). Only edits depend on order, as they should: they are what a place said over time."""
    conn = archive.conn
    key = identity_key(result.meta)
    if key:
        report_id = report_id_for_key(key)
    else:
        before = conn.execute("SELECT s.report_id FROM report_sources s JOIN reports r ON r.id = s.report_id "
                              "WHERE s.source = ? AND s.content_id <> ? AND r.report_key LIKE 'content:%' "
                              "ORDER BY s.first_seen DESC LIMIT 1", [s.source, content]).fetchone()
        # what this place published before, when its identity could not be read either; else the original
        cells_sha = archive.conn.execute("SELECT d.sha256 FROM report_sources s JOIN documents d "
                                         "ON d.id = s.cells_document_id WHERE s.source = ? AND s.content_id = ?",
                                         [s.source, content]).fetchone()[0]
        report_id = before[0] if before else content_id_for([cells_sha])
    current = conn.execute("SELECT v.version, v.content_id, v.cells_digest, r.n_cells, r.n_checks_failed "
                           "FROM report_versions v JOIN reports r ON r.id = v.report_id WHERE v.report_id = ? "
                           "AND v.status <> 'superseded' ORDER BY v.version DESC LIMIT 1", [report_id]).fetchone()
    if current is None:
        return report_id, 1, "write"
    version, current_content, current_digest, current_cells, current_failed = current
    if current_content == content:
        return report_id, version, "write"  # seen again, or re-extracted
    same_numbers = cells_digest(result) == current_digest
    same_place = conn.execute("SELECT 1 FROM report_sources WHERE source = ? AND content_id <> ? AND report_id = ? "
                              "AND role IN ('version', 'copy')", [s.source, content, report_id]).fetchone()
    if same_place and not (same_numbers and _same_text(conn, report_id, result)):
        return report_id, version + 1, "write"  # a place that printed the current report now prints another
    # (new bytes with the same numbers and text — a page re-rendered around the report — are not an edit)
    # Another copy. Which copy speaks for the current version is decided by the copies themselves, never by which
    # arrived first: the one whose tables were read best, then the smaller content id. Once an edit has been seen
    # (version > 1) only a copy printing the same numbers, or a readable copy of an unreadable version, may speak
    # for it: a copy still printing the old numbers must not undo the edit.
    may_take_over = same_numbers or version == 1 or not current_cells
    new_rank = (-len(result.cells), sum(1 for c in result.checks if c.status == "fail"), content)
    if may_take_over and new_rank < (-(current_cells or 0), current_failed or 0, current_content):
        return report_id, version, "takes_over"
    return report_id, None, "copy"


def _same_text(conn, report_id: str, result) -> bool:
    """Whether the result's sections say what the report's current sections say (whitespace aside)."""
    def squeeze(texts):
        return ["".join((t or "").split()) for t in texts]
    held = [r[0] for r in conn.execute("SELECT text FROM sections WHERE report_id = ? ORDER BY ord", [report_id])]
    return squeeze(held) == squeeze(x.text for x in result.sections)


def _write_current(archive, report_id: str, result, s: Sighting, content: str, version: int, cells_doc, *,
                   takes_over: bool = False) -> None:
    """The report's current version: its rows replace the previous version's (changed cells listed first). A copy
    that takes over speaks for the same version: no change is listed, the version points at its bytes."""
    conn = archive.conn
    latest = conn.execute("SELECT version, content_id FROM report_versions WHERE report_id = ? "
                          "ORDER BY version DESC LIMIT 1", [report_id]).fetchone()
    seen = s.seen_at or now_iso()
    first = s.first_seen or seen
    if takes_over:
        conn.execute("UPDATE report_versions SET content_id = ?, url = ?, document_id = ?, n_cells = ?, "
                     "cells_digest = ?, first_seen = min(first_seen, ?), last_seen = max(last_seen, ?) "
                     "WHERE report_id = ? AND version = ?",
                     [content, s.source, cells_doc.id, len(result.cells), cells_digest(result), first, seen,
                      report_id, version])
    elif latest is None or latest[0] != version:
        if latest is not None:  # an edit (or a readable copy replacing an unreadable one)
            old_cells = {(t, r, c): (v, raw) for t, r, c, v, raw in conn.execute(
                "SELECT table_key, row_key, col_key, value, raw FROM cells WHERE report_id = ?", [report_id])}
            archive.insert("cell_changes", _changes(report_id, latest, version, content, s.source, first,
                                                    old_cells, result))
            conn.execute("UPDATE report_versions SET status = 'superseded', superseded_at = ? "
                         "WHERE report_id = ? AND status <> 'superseded'", [first, report_id])
        archive.insert("report_versions", [{
            "report_id": report_id, "version": version, "content_id": content, "url": s.source,
            "document_id": cells_doc.id, "first_seen": first, "last_seen": seen, "status": "current",
            "n_cells": len(result.cells), "cells_digest": cells_digest(result)}])
    else:
        conn.execute("UPDATE report_versions SET first_seen = min(first_seen, ?), last_seen = max(last_seen, ?), "
                     "status = 'current', gone_at = NULL, http_status = NULL, document_id = ?, n_cells = ?, "
                     "cells_digest = ? WHERE report_id = ? AND version = ?",
                     [first, seen, cells_doc.id, len(result.cells), cells_digest(result), report_id, version])
    _replace_rows(archive, report_id, result, s, content, version, cells_doc)


def _changes(report_id, latest, version, content, source, at, old_cells, result) -> list[dict]:
    new_cells = {(c.table, c.row, c.col): (c.value, c.raw) for c in result.cells}
    out = []
    for key in sorted(old_cells.keys() | new_cells.keys()):
        (ov, oraw), (nv, nraw) = old_cells.get(key, (None, None)), new_cells.get(key, (None, None))
        numeric_same = ov is not None and nv is not None and ov == nv
        text_same = ov is None and nv is None and (oraw or "") == (nraw or "") and key in old_cells \
            and key in new_cells
        if numeric_same or text_same:
            continue  # a re-layout that only moves whitespace around a number is not an edit
        out.append({"report_id": report_id, "old_version": latest[0], "new_version": version, "url": source,
                    "old_report_id": latest[1], "new_report_id": content, "table_key": key[0], "row_key": key[1],
                    "col_key": key[2], "old_value": ov, "new_value": nv, "old_raw": oraw, "new_raw": nraw,
                    "detected_at": at})
    return out


def _replace_rows(archive, report_id: str, result, s: Sighting, content: str, version: int, cells_doc) -> None:
    m = result.meta
    failed = sum(1 for c in result.checks if c.status == "fail")
    delete_report(archive.conn, report_id)
    key = identity_key(m)
    archive.insert("reports", [{
        "id": report_id, "report_key": key or f"content:{content}", "document_id": cells_doc.id,
        "source": result.source, "url": s.url, "title": m.title, "year": m.year, "region_code": m.region_code,
        "region_name": m.region_name, "province": m.province, "prefecture": m.prefecture,
        "region_source": m.region_source, "region_level": getattr(m, "region_level", None),
        "agency": m.agency, "agency_kind": m.agency_kind, "agency_key": getattr(m, "agency_key", None),
        "template": result.template, "format": result.format, "script": m.script,
        "published_date": m.published_date, "published_source": getattr(m, "published_source", None),
        "deadline": getattr(m, "deadline", None), "days_late": getattr(m, "days_late", None),
        "period_start": m.period_start, "period_end": m.period_end, "status": "ok" if result.cells else "no_tables",
        "n_cells": len(result.cells), "n_checks_failed": failed, "n_flags": len(result.flags),
        "content_id": content, "version": version, "extracted_at": now_iso(),
        "extractor_version": EXTRACTOR_VERSION}])
    archive.insert("report_documents",
                   [{"report_id": report_id, "document_id": d.id, "role": "page" if i == 0 else "attachment"}
                    for i, d in enumerate(s.documents)], replace=True)
    archive.insert("sections", [
        {"report_id": report_id, "ord": i, "key": x.key, "number": x.number, "title": x.title, "text": x.text}
        for i, x in enumerate(result.sections)])
    archive.insert("cells", cell_rows(report_id, result, cells_doc.id))
    archive.insert("checks", [
        {"report_id": report_id, "rule": c.rule, "table_key": c.table, "row_key": c.row, "col_key": c.col,
         "status": c.status, "strict": c.strict, "blank_as_zero": c.blank_as_zero, "lhs": c.lhs, "rhs": c.rhs,
         "lhs_bz": c.lhs_bz, "rhs_bz": c.rhs_bz, "detail": c.detail} for c in result.checks])
    archive.insert("flags", [
        {"report_id": report_id, "kind": f.kind, "detail": f.detail,
         "data": json.dumps(f.data, ensure_ascii=False) if f.data else None} for f in result.flags])


def _refresh_report(archive, report_id: str) -> None:
    """What the report row says about its history (versions, sources, first seen, gone) and the flags the sources
    give (conflicting copies), recomputed from report_versions and report_sources."""
    conn = archive.conn
    # Each place's role: one of the report's versions, a copy printing the current version's numbers, a copy
    # still printing an earlier version's numbers (stale_copy: the edit explains it), or a copy printing numbers
    # no version printed (conflicting).
    conn.execute("""UPDATE report_sources SET role = CASE
          WHEN content_id IN (SELECT content_id FROM report_versions WHERE report_id = :id) THEN 'version'
          WHEN cells_digest = (SELECT cells_digest FROM report_versions WHERE report_id = :id
                               AND status <> 'superseded' ORDER BY version DESC LIMIT 1) THEN 'copy'
          WHEN cells_digest IN (SELECT cells_digest FROM report_versions WHERE report_id = :id
                                AND status = 'superseded') THEN 'stale_copy'
          ELSE 'conflicting' END
        WHERE report_id = :id""", {"id": report_id})
    conn.execute("DELETE FROM flags WHERE report_id = ? AND kind IN (%s)" % ",".join("?" * len(STORAGE_FLAG_KINDS)),
                 [report_id, *STORAGE_FLAG_KINDS])
    current = conn.execute("SELECT content_id, source FROM report_sources WHERE report_id = ? AND role = 'version' "
                           "AND content_id = (SELECT content_id FROM reports WHERE id = ?) ORDER BY first_seen LIMIT 1",
                           [report_id, report_id]).fetchone()
    conflicts = archive.rows("SELECT source, content_id, first_seen FROM report_sources WHERE report_id = ? "
                             "AND role = 'conflicting' ORDER BY first_seen, source", [report_id])
    if conflicts and current:
        archive.insert("flags", [{
            "report_id": report_id, "kind": "conflicting_copies",
            "detail": f"{len(conflicts)} other cop{'y' if len(conflicts) == 1 else 'ies'} of this report "
                      f"print other numbers; the current version ({current[1]}) is kept, not chosen",
            "data": json.dumps({"current": {"source": current[1], "content_id": current[0]},
                                "others": conflicts}, ensure_ascii=False)}])
    alive = conn.execute("SELECT 1 FROM report_sources WHERE report_id = ? AND status = 'serving' LIMIT 1",
                         [report_id]).fetchone() is not None
    gone_at = None if alive else conn.execute(
        "SELECT max(gone_at), max(http_status) FROM report_sources WHERE report_id = ?", [report_id]).fetchone()
    if alive:
        conn.execute("UPDATE report_versions SET status = 'current', gone_at = NULL, http_status = NULL "
                     "WHERE report_id = ? AND status = 'gone'", [report_id])
    elif gone_at[0]:
        conn.execute("UPDATE report_versions SET status = 'gone', gone_at = ?, http_status = ? "
                     "WHERE report_id = ? AND status = 'current'", [gone_at[0], gone_at[1], report_id])
    conn.execute("""UPDATE reports SET
        n_versions = (SELECT count(*) FROM report_versions WHERE report_id = :id),
        n_sources = (SELECT count(DISTINCT source) FROM report_sources WHERE report_id = :id),
        first_seen = (SELECT min(first_seen) FROM report_sources WHERE report_id = :id),
        gone_at = :gone_at,
        n_flags = (SELECT count(*) FROM flags WHERE report_id = :id)
        WHERE id = :id""", {"id": report_id, "gone_at": None if alive else gone_at[0]})


def mark_gone(archive, source: str, seen_at: str, http_status: int) -> dict | None:
    """The place answered 404/410: what it served is gone from there. A report is gone when no place serves it any
    more; nothing is deleted. Returns the report's current version row, or None when the place is unknown."""
    with archive.transaction():
        rows = archive.rows("SELECT content_id, report_id FROM report_sources WHERE source = ? "
                            "ORDER BY status = 'serving' DESC, last_seen DESC", [source])
        if not rows:
            return None
        # what the place serves (else what it served last) is gone from there; the first time it went is kept
        archive.conn.execute(
            "UPDATE report_sources SET status = 'gone', gone_at = coalesce(gone_at, ?), "
            "http_status = coalesce(http_status, ?) WHERE source = ? AND content_id = ?",
            [seen_at, http_status, source, rows[0]["content_id"]])
        report_id = rows[0]["report_id"]
        if report_id is None:
            return None
        _refresh_report(archive, report_id)
    return archive.versions.current(report_id)


def touch(archive, source: str, content: str, seen_at: str) -> str | None:
    """The place confirmed bytes already recorded (a 304, or the same bytes again): last_seen moves, and a place
    seen gone before this moment serves again. The report id, or None when the sighting is not known."""
    with archive.transaction():
        row = archive.conn.execute("SELECT report_id, status, gone_at FROM report_sources WHERE source = ? "
                                   "AND content_id = ?", [source, content]).fetchone()
        if row is None:
            return None
        report_id, status, gone_at = row
        archive.conn.execute("UPDATE report_sources SET last_seen = max(last_seen, ?) WHERE source = ? "
                             "AND content_id = ?", [seen_at, source, content])
        if status == "gone" and (gone_at or "") < seen_at:  # fetched after it went: it is back
            archive.conn.execute("UPDATE report_sources SET status = 'serving', gone_at = NULL, http_status = NULL "
                                 "WHERE source = ? AND content_id = ?", [source, content])
        if report_id:
            archive.conn.execute("UPDATE report_versions SET last_seen = max(last_seen, ?) WHERE report_id = ? "
                                 "AND content_id = ?", [seen_at, report_id, content])
            _refresh_report(archive, report_id)
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


DERIVED_TABLES = ("cells", "checks", "flags", "sections", "report_documents", "reports", "report_versions",
                  "cell_changes")


def clear_derived(archive) -> None:
    """Before a replay (`nianbao reextract`): every table derived from the sightings is emptied; the sightings
    (report_sources), documents and errors stay."""
    with archive.transaction():
        for table in DERIVED_TABLES:
            archive.conn.execute(f"DELETE FROM {table}")
        archive.conn.execute("UPDATE report_sources SET report_id = NULL, role = NULL")
