"""The crawler's own tables, in the same archive.db as nianbao.archive (which owns documents/reports/…).

    portals        one row per county-level division: adcode PK, name, province, prefecture, url, column_url,
                   platform, source (where the URL came from: csv file name, 'sample', …)
    crawl_runs     one row per `nianbao crawl`: id, started_at, ended_at, portals, reports_found, new_documents,
                   errors, args (JSON), stats (JSON: requests, response bytes, 304s, … from Scrapy's stats)
    portal_status  (run_id, adcode) PK: status ok/no_column/unreachable/robots/moved/blocked/partial/unparsed_list/
                   adapter_error, detail (evidence JSON),
                   reports_found, pages_fetched, checked_at
    report_items   (adcode, url) PK: one row per report found on a portal list: title, year, unit_kind, unit_name,
                   list_url, first_seen, last_seen, report_id (the extracted reports.id), plus doc_url (key of the
                   archived report document: the URL, or URL#post:body for POST-only content), attachment_urls
                   (JSON list), published (list date), platform

Names are a public interface (docs/crawler.md); add columns, never rename.
"""
from __future__ import annotations

import json
from pathlib import Path

from nianbao.archive import Archive, now_iso

CRAWL_TABLES: dict[str, dict] = {
    "portals": dict(columns={"adcode": str, "name": str, "province": str, "prefecture": str, "url": str,
                             "column_url": str, "platform": str, "source": str}, pk="adcode"),
    "crawl_runs": dict(columns={"id": int, "started_at": str, "ended_at": str, "portals": int,
                                "reports_found": int, "new_documents": int, "errors": int, "args": str, "stats": str}, pk="id"),
    "portal_status": dict(columns={"run_id": int, "adcode": str, "status": str, "detail": str,
                                   "reports_found": int, "pages_fetched": int, "checked_at": str},
                          pk=("run_id", "adcode")),
    "report_items": dict(columns={"adcode": str, "url": str, "title": str, "year": int, "unit_kind": str,
                                  "unit_name": str, "list_url": str, "first_seen": str, "last_seen": str,
                                  "report_id": str, "doc_url": str, "attachment_urls": str, "published": str,
                                  "platform": str}, pk=("adcode", "url")),
}
CRAWL_INDEXES = [("portal_status", ["adcode"]), ("report_items", ["report_id"]), ("report_items", ["year"]),
                 ("report_items", ["unit_kind"])]

PORTAL_STATUSES = ("ok", "no_column", "unreachable", "robots", "moved", "blocked", "partial", "unparsed_list",
                   "adapter_error")


class Store(Archive):
    """The archive plus the crawler tables. One instance per process; the item pipeline is the only writer."""

    def __init__(self, db_path: str | Path = "archive.db"):
        super().__init__(db_path)
        for name, spec in CRAWL_TABLES.items():
            if not self.db[name].exists():
                self.db[name].create(spec["columns"], pk=spec["pk"])
            else:  # add columns introduced later, never drop
                have = self.db[name].columns_dict
                for col, typ in spec["columns"].items():
                    if col not in have:
                        self.db[name].add_column(col, typ)
        for table, cols in CRAWL_INDEXES:
            self.db[table].create_index(cols, if_not_exists=True)
        self.db.execute("CREATE INDEX IF NOT EXISTS idx_documents_url_id ON documents(url, id)")

    # -- documents lookups ------------------------------------------------------------------------------------
    def last_document(self, url: str) -> dict | None:
        """Newest documents row for this URL whose blob is still on disk (for conditional GET and 304s)."""
        rows = self.db.execute(
            "SELECT id, sha256, etag, last_modified, content_type, filename, headers, final_url, http_status "
            "FROM documents WHERE url = ? ORDER BY id DESC LIMIT 3", [url]).fetchall()
        for r in rows:
            if self.blobs.has(r[1]):
                keys = ("id", "sha256", "etag", "last_modified", "content_type", "filename", "headers",
                        "final_url", "http_status")
                return dict(zip(keys, r))
        return None

    def revisit_history(self, adcode: str) -> dict:
        """What the archive knows of a portal from earlier crawls, for the revisit policy (crawler.revisit):
        {"reports": per report URL {row: its report_items fields, doc: {fetched_at, last_modified, versions} of the
        newest documents row of its page (doc_url), attachments: {url: same}, changes: earlier versions of the page,
        complete: page and every attachment archived}, "trap_paths": host+path keys whose query-string variants
        brought nothing (from the portal's last status detail)}."""
        docs: dict[str, dict] = {}
        for url, _, versions, fetched_at, last_modified in self.db.execute(
                "SELECT url, MAX(id), COUNT(*), fetched_at, last_modified FROM documents "
                "WHERE portal_adcode = ? GROUP BY url", [adcode]):
            docs[url] = {"fetched_at": fetched_at, "last_modified": last_modified, "versions": versions}
        out: dict[str, dict] = {}
        cur = self.db.execute("SELECT url, title, year, unit_kind, unit_name, list_url, published, platform, doc_url, "
                              "attachment_urls FROM report_items WHERE adcode = ?", [adcode])
        names = [d[0] for d in cur.description]
        for values in cur.fetchall():
            row = dict(zip(names, values))
            try:
                attachment_urls = json.loads(row.pop("attachment_urls") or "[]")
            except ValueError:
                attachment_urls = []
            doc = docs.get(row["doc_url"] or "")
            attachments = {u: docs[u] for u in attachment_urls if u in docs}
            out[row["url"]] = {"row": row, "doc": doc, "attachments": attachments,
                               "changes": (doc["versions"] - 1) if doc else 0,
                               "complete": bool(doc) and len(attachments) == len(attachment_urls)}
        last = self.db.execute("SELECT detail FROM portal_status WHERE adcode = ? ORDER BY run_id DESC LIMIT 1",
                               [adcode]).fetchone()
        try:
            traps = list((json.loads(last[0] or "{}").get("trap_paths") or {}).keys()) if last else []
        except (ValueError, AttributeError):
            traps = []
        return {"reports": out, "trap_paths": traps}

    # -- runs -------------------------------------------------------------------------------------------------
    def start_run(self, args: dict) -> int:
        return self.db["crawl_runs"].insert({"started_at": now_iso(), "portals": 0, "reports_found": 0,
                                             "new_documents": 0, "errors": 0,
                                             "args": json.dumps(args, ensure_ascii=False)}).last_pk

    def finish_run(self, run_id: int, **counts) -> None:
        self.db["crawl_runs"].update(run_id, {"ended_at": now_iso(), **counts})

    def set_portal_status(self, run_id: int, adcode: str, status: str, detail: dict, reports_found: int,
                          pages_fetched: int) -> None:
        assert status in PORTAL_STATUSES, status
        self.db["portal_status"].upsert({"run_id": run_id, "adcode": adcode, "status": status,
                                         "detail": json.dumps(detail, ensure_ascii=False),
                                         "reports_found": reports_found, "pages_fetched": pages_fetched,
                                         "checked_at": now_iso()}, pk=("run_id", "adcode"))

    def upsert_report_item(self, row: dict) -> None:
        existing = self.db.execute("SELECT first_seen FROM report_items WHERE adcode = ? AND url = ?",
                                   [row["adcode"], row["url"]]).fetchone()
        now = now_iso()
        row = {**row, "last_seen": now, "first_seen": existing[0] if existing else now}
        if isinstance(row.get("attachment_urls"), list):
            row["attachment_urls"] = json.dumps(row["attachment_urls"], ensure_ascii=False)
        self.db["report_items"].upsert(row, pk=("adcode", "url"))

    def portal(self, adcode: str) -> dict | None:
        rows = list(self.db["portals"].rows_where("adcode = ?", [adcode]))
        return rows[0] if rows else None
