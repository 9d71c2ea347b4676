"""The archive: archive.db plus blobs/ beside it. `Archive` is the one object through which everything else reads
and writes it.

    archive = Archive("archive.db")                  open (create when missing)
    Archive("archive.db", create=False)              open an archive that must exist (commands that read one)
    Archive("archive.db", readonly=True)             never writes

    archive.add_document / last_document / …        originals (this module)
    archive.write_extraction(result, document, …)   one report's rows, in one transaction (storage.reports)
    archive.record_error / open_errors …             failures, kept and retryable
    archive.crawl       crawl runs, portal outcomes, report links found (storage.crawl)
    archive.registry    the portal registry (storage.registry)
    archive.versions    report versions and silent edits (storage.versions)
    archive.schedule    scheduled runs (storage.schedule)

`archive.db` is a sqlite_utils.Database on the same connection, for reading in tests and scripts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

import storage.reports as reports
import storage.migrate as migrate
from storage.blobs import BlobStore
from storage.db import connect, now_iso, transaction

DOCUMENT_VALIDATORS = ("id", "sha256", "etag", "last_modified", "content_type", "filename", "headers", "final_url",
                       "http_status", "fetched_at", "added_at")


@dataclass
class StoredDocument:
    id: int
    sha256: str


class Archive:
    def __init__(self, db_path: str | Path = "archive.db", *, create: bool = True, readonly: bool = False):
        from storage.crawl import CrawlLog
        from storage.registry import Registry
        from storage.schedule import ScheduleLog
        from storage.versions import Versions

        self.db_path = Path(db_path)
        self.readonly = readonly
        self.conn = connect(self.db_path, readonly=readonly, create=create)
        self.db = sqlite_utils.Database(self.conn)
        self.blobs = BlobStore(self.db_path.parent / "blobs")
        self.crawl = CrawlLog(self)
        self.registry = Registry(self)
        self.versions = Versions(self)
        self.schedule = ScheduleLog(self)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def transaction(self):
        return transaction(self.conn)

    def rows(self, sql: str, params=()) -> list[dict]:
        cur = self.conn.execute(sql, params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    def insert(self, table: str, rows, *, replace: bool = False) -> None:
        """Plain executemany (sqlite-utils' insert_all commits on its own, which would break a caller's
        transaction)."""
        rows = list(rows)
        if not rows:
            return
        cols = list(rows[0])
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        sql = f"{verb} INTO [{table}] ({', '.join(f'[{c}]' for c in cols)}) VALUES ({', '.join('?' * len(cols))})"
        self.conn.executemany(sql, [[r.get(c) for c in cols] for r in rows])

    # -- documents -----------------------------------------------------------------------------------------------
    def add_document(self, data: bytes, *, url: str | None = None, path: str | None = None,
                     content_type: str | None = None, **fields) -> StoredDocument:
        """Store the bytes (content-addressed) and a documents row. The same bytes from the same url/path are
        recorded once; a new fetch of identical bytes only refreshes fetched_at."""
        sha = self.blobs.put(data)
        key_col, key_val = ("url", url) if url else ("path", path)
        row = None
        if key_val is not None:
            row = self.conn.execute(
                f"SELECT id FROM documents WHERE sha256 = ? AND {key_col} = ? ORDER BY id DESC LIMIT 1",
                [sha, key_val]).fetchone()
        if row:
            if fields.get("fetched_at"):
                self.touch_document(row[0], fields["fetched_at"])
            return StoredDocument(row[0], sha)
        record = {"sha256": sha, "url": url, "path": path, "content_type": content_type, "size": len(data),
                  "added_at": now_iso(), **fields}
        if isinstance(record.get("headers"), dict):
            record["headers"] = json.dumps(record["headers"], ensure_ascii=False)
        cols = list(record)
        cur = self.conn.execute(f"INSERT INTO documents ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                [record[c] for c in cols])
        return StoredDocument(cur.lastrowid, sha)

    def set_warc_record(self, doc_id: int, warc_file: str, offset: int, length: int) -> None:
        """Where the WARC response record of this fetch is, so it can be served without scanning the WARC files."""
        self.conn.execute("UPDATE documents SET warc_file = ?, warc_offset = ?, warc_length = ? WHERE id = ?",
                          [warc_file, offset, length, doc_id])

    def touch_document(self, doc_id: int, fetched_at: str) -> None:
        """The server confirmed these bytes again (a 304, or the same bytes)."""
        self.conn.execute("UPDATE documents SET fetched_at = ? WHERE id = ?", [fetched_at, doc_id])

    def last_document(self, url: str) -> dict | None:
        """Newest documents row for this URL (document key) whose blob is still on disk: its validators for a
        conditional GET, and the bytes a 304 stands for."""
        rows = self.conn.execute(
            f"SELECT {', '.join(DOCUMENT_VALIDATORS)} FROM documents WHERE url = ? ORDER BY id DESC LIMIT 3",
            [url]).fetchall()
        for r in rows:
            if self.blobs.has(r[1]):
                return dict(zip(DOCUMENT_VALIDATORS, r))
        return None

    def latest_validators(self):
        """(url, validators) of the newest document of every URL: what distributed workers revalidate with."""
        cur = self.conn.execute(
            f"SELECT d.url, {', '.join('d.' + c for c in DOCUMENT_VALIDATORS if c != 'id')} FROM documents d "
            "JOIN (SELECT url, MAX(id) AS id FROM documents WHERE url IS NOT NULL GROUP BY url) m ON d.id = m.id")
        names = [c for c in DOCUMENT_VALIDATORS if c != "id"]
        for row in cur:
            yield row[0], dict(zip(names, row[1:]))

    def document(self, doc_id: int) -> dict | None:
        rows = self.rows("SELECT * FROM documents WHERE id = ?", [doc_id])
        return rows[0] if rows else None

    def original(self, doc: dict) -> bytes:
        return self.blobs.get(doc["sha256"])

    # -- reports -------------------------------------------------------------------------------------------------
    def write_extraction(self, result, sighting: "reports.Sighting") -> str | None:
        """Record a sighting and what was extracted from it, in one transaction: the report id, or None when the
        bytes could not be read as a report (only errors recorded). See storage.reports."""
        return reports.write_extraction(self, result, sighting)

    def touch(self, source: str, content_id: str, seen_at: str) -> str | None:
        """A place confirmed bytes already recorded: the report id, or None when that sighting is not known."""
        return reports.touch(self, source, content_id, seen_at)

    def sighting(self, source: str, content_id: str) -> dict | None:
        rows = self.rows("SELECT * FROM report_sources WHERE source = ? AND content_id = ?", [source, content_id])
        return rows[0] if rows else None

    def sightings(self, *, unread_only: bool = False) -> list[dict]:
        """Every sighting in the order it happened (first seen), for a replay."""
        where = "WHERE role = 'unread' OR role IS NULL" if unread_only else ""
        return self.rows(f"SELECT * FROM report_sources {where} ORDER BY first_seen, source, content_id")

    def clear_derived(self) -> None:
        reports.clear_derived(self)

    def replayed(self) -> None:
        """Every sighting was replayed: an archive migrated from an older schema is whole again."""
        migrate.replayed(self.conn)

    def report(self, report_id: str) -> dict | None:
        rows = self.rows("SELECT * FROM reports WHERE id = ?", [report_id])
        return rows[0] if rows else None

    def documents_by_id(self, ids: list[int]) -> list[dict]:
        by_id = {d["id"]: d for d in self.rows(
            f"SELECT * FROM documents WHERE id IN ({','.join('?' * len(ids))})", list(ids))} if ids else {}
        return [by_id[i] for i in ids if i in by_id]

    # -- errors --------------------------------------------------------------------------------------------------
    def record_error(self, source: str, kind: str, message: str, *, stage: str,
                     document_id: int | None = None) -> None:
        """Failures are data: every one is kept with its reason so it can be listed and retried."""
        self.insert("errors", [{"source": source, "document_id": document_id, "stage": stage, "kind": kind,
                                "message": message, "occurred_at": now_iso()}])

    def has_open_error(self, doc_id: int, stage: str = "extract") -> bool:
        return self.conn.execute("SELECT 1 FROM errors WHERE document_id = ? AND stage = ? AND resolved_at IS NULL "
                                 "LIMIT 1", [doc_id, stage]).fetchone() is not None

    def documents_with_open_errors(self, stage: str = "extract") -> list[dict]:
        return self.rows("SELECT DISTINCT d.* FROM documents d JOIN errors e ON e.document_id = d.id "
                         "WHERE e.stage = ? AND e.resolved_at IS NULL ORDER BY d.id", [stage])


def list_portals(db_path: str | Path, *, only_with_url: bool = True, province: str | None = None) -> list[dict]:
    """The registry as `nianbao portals list` shows it: the archive's (filled from the bundled list when it never
    was), or — when there is no archive at db_path — the bundled list alone, without creating a file."""
    with Archive(db_path if Path(db_path).exists() else ":memory:") as archive:
        archive.registry.ensure_divisions()
        return archive.registry.list(only_with_url=only_with_url, province=province)
