"""The crawl log: runs (crawl_runs), each portal's outcome per run (portal_status), and the report links found on
portal lists (report_items). Written by the crawler's one writer (crawler.pipelines.ArchiveWriter)."""
from __future__ import annotations

import json

from storage.db import now_iso
from storage.schema import PORTAL_STATUSES


class CrawlLog:
    def __init__(self, archive):
        self.archive = archive
        self.conn = archive.conn

    # -- runs -------------------------------------------------------------------------------------------------
    def start_run(self, args: dict) -> int:
        cur = self.conn.execute(
            "INSERT INTO crawl_runs (started_at, portals, reports_found, new_documents, errors, args) "
            "VALUES (?, 0, 0, 0, 0, ?)", [now_iso(), json.dumps(args, ensure_ascii=False)])
        return cur.lastrowid

    def finish_run(self, run_id: int, **counts) -> None:
        counts = {"ended_at": now_iso(), **counts}
        sets = ", ".join(f"[{k}] = ?" for k in counts)
        self.conn.execute(f"UPDATE crawl_runs SET {sets} WHERE id = ?", [*counts.values(), run_id])

    def run(self, run_id: int) -> dict | None:
        rows = self.archive.rows("SELECT * FROM crawl_runs WHERE id = ?", [run_id])
        return rows[0] if rows else None

    def last_run_id(self) -> int:
        return self.conn.execute("SELECT coalesce(max(id), 0) FROM crawl_runs").fetchone()[0]

    def totals_since(self, run_id: int) -> dict:
        """Sums over the crawl runs after run_id: what a scheduled run did."""
        row = self.conn.execute("SELECT count(*), sum(portals), sum(errors) FROM crawl_runs WHERE id > ?",
                                [run_id]).fetchone()
        return {"crawl_runs": row[0] or 0, "portals": row[1] or 0, "errors": row[2] or 0}

    def run_summary(self, run_id: int) -> dict:
        """The run row and every portal's outcome in it (with the portal's name)."""
        cur = self.conn.execute(
            "SELECT s.adcode, p.name, s.status, s.reports_found, s.pages_fetched, s.detail FROM portal_status s "
            "LEFT JOIN portals p ON p.adcode = s.adcode WHERE s.run_id = ? ORDER BY s.adcode", [run_id])
        portals = [{"adcode": a, "name": n, "status": st, "reports_found": r, "pages_fetched": pg,
                    "detail": json.loads(d or "{}")} for a, n, st, r, pg, d in cur.fetchall()]
        return {"run": self.run(run_id), "portals": portals}

    # -- portal outcomes --------------------------------------------------------------------------------------
    def set_portal_status(self, run_id: int, adcode: str, status: str, detail: dict, reports_found: int,
                          pages_fetched: int) -> None:
        if status not in PORTAL_STATUSES:
            raise ValueError(f"unknown portal status {status!r} (known: {', '.join(PORTAL_STATUSES)})")
        self.conn.execute(
            "INSERT OR REPLACE INTO portal_status (run_id, adcode, status, detail, reports_found, pages_fetched, "
            "checked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [run_id, adcode, status, json.dumps(detail, ensure_ascii=False), reports_found, pages_fetched, now_iso()])

    # -- report links -----------------------------------------------------------------------------------------
    def upsert_report_item(self, row: dict) -> None:
        """A report link seen on a portal list: first_seen kept, last_seen moved, the other fields updated."""
        existing = self.conn.execute("SELECT first_seen FROM report_items WHERE adcode = ? AND url = ?",
                                     [row["adcode"], row["url"]]).fetchone()
        now = now_iso()
        row = {**row, "last_seen": now, "first_seen": existing[0] if existing else now}
        if isinstance(row.get("attachment_urls"), list):
            row["attachment_urls"] = json.dumps(row["attachment_urls"], ensure_ascii=False)
        if existing:
            sets = ", ".join(f"[{k}] = ?" for k in row if k not in ("adcode", "url"))
            self.conn.execute(f"UPDATE report_items SET {sets} WHERE adcode = ? AND url = ?",
                              [v for k, v in row.items() if k not in ("adcode", "url")] + [row["adcode"], row["url"]])
        else:
            self.archive.insert("report_items", [row])

    def report_items(self, adcodes: list[str] | None = None) -> list[dict]:
        if adcodes:
            return self.archive.rows(f"SELECT * FROM report_items WHERE adcode IN ({','.join('?' * len(adcodes))}) "
                                     "ORDER BY adcode, url", list(adcodes))
        return self.archive.rows("SELECT * FROM report_items ORDER BY adcode, url")

    def report_item_at(self, url: str) -> dict | None:
        """The report link with this URL (on the first portal that listed it)."""
        rows = self.archive.rows("SELECT * FROM report_items WHERE url = ? ORDER BY adcode LIMIT 1", [url])
        return rows[0] if rows else None

    def revisit_history(self, adcode: str) -> dict:
        """What the archive knows of a portal from earlier crawls, for the revisit policy (crawler.revisit):
        {"reports": per report URL {row: its report_items fields, doc: {fetched_at, last_modified, versions} of the
        newest documents row of its page (doc_url), attachments: {url: same}, changes: earlier versions of the page,
        complete: page and every attachment archived}, "trap_paths": host+path keys whose query-string variants
        brought nothing (from the portal's last status detail)}."""
        docs: dict[str, dict] = {}
        for url, _, versions, fetched_at, last_modified in self.conn.execute(
                "SELECT url, MAX(id), COUNT(*), fetched_at, last_modified FROM documents "
                "WHERE portal_adcode = ? GROUP BY url", [adcode]):
            docs[url] = {"fetched_at": fetched_at, "last_modified": last_modified, "versions": versions}
        out: dict[str, dict] = {}
        for row in self.archive.rows("SELECT url, title, year, unit_kind, unit_name, list_url, published, platform, "
                                     "doc_url, attachment_urls FROM report_items WHERE adcode = ?", [adcode]):
            try:
                attachment_urls = json.loads(row.pop("attachment_urls") or "[]")
            except ValueError:
                attachment_urls = []
            doc = docs.get(row["doc_url"] or "")
            attachments = {u: docs[u] for u in attachment_urls if u in docs}
            out[row["url"]] = {"row": row, "doc": doc, "attachments": attachments,
                               "changes": (doc["versions"] - 1) if doc else 0,
                               "complete": bool(doc) and len(attachments) == len(attachment_urls)}
        last = self.conn.execute("SELECT detail FROM portal_status WHERE adcode = ? ORDER BY run_id DESC LIMIT 1",
                                 [adcode]).fetchone()
        try:
            traps = list((json.loads(last[0] or "{}").get("trap_paths") or {}).keys()) if last else []
        except (ValueError, AttributeError):
            traps = []
        return {"reports": out, "trap_paths": traps}

    def link_report(self, adcode: str, url: str, report_id: str) -> None:
        self.conn.execute("UPDATE report_items SET report_id = ? WHERE adcode = ? AND url = ?",
                          [report_id, adcode, url])
