"""Serving benchmark: a synthetic archive of N reports (default 100,000), prepared, served by `nianbao serve`;
p50/p95 latency of every canned query, a facet page, table search (?_search=) and the ranked search query.

    .venv/bin/python bench/serve.py [--reports 100000] [--requests 20] [--text-chars 800] [--dir /tmp/x]

Realistic shape: every report has the 200 cells of the 2021 template (T2 10, T3 175, T4 15), checks, and
section text sampled from the seed reports' sentences (--text-chars per report; real reports have 3–10k
characters, so the index is smaller than a real archive of the same size). Years 2008–2025, regions drawn from
the 2,849 county-level divisions, 1 government + some department reports each. Requests go to 127.0.0.1 only
and are bounded in number.
"""
from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from extract import regions  # noqa: E402
from storage.db import ensure_schema  # noqa: E402
from storage.serving.browse import APPLICATION_COLS, APPLICATION_ROWS  # noqa: E402

T2_CELLS = [("regulations", c) for c in ("issued", "repealed", "in_force")] + \
           [("normative_docs", c) for c in ("issued", "repealed", "in_force")] + \
           [("admin_licensing", "decisions"), ("admin_penalty", "decisions"), ("admin_coercion", "decisions"),
            ("admin_fees", "fee_amount")]
T3_ROWS = [k for k, _ in APPLICATION_ROWS if k != "other_handling"]
T4_CELLS = [(r, c) for r in ("admin_review", "litigation_direct", "litigation_after_review")
            for c in ("upheld", "corrected", "other_result", "pending", "total")]
SECTION_KEYS = ["overview", "active_disclosure", "applications", "review_litigation", "problems", "other_matters"]


def sentences() -> list[str]:
    shared = ROOT.parent / "shared" / "seeds"
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(shared.glob("*.txt"))) \
        if shared.is_dir() else ""
    found = [s.strip() + "。" for s in re.split(r"[。\n]", text) if 8 <= len(s.strip()) <= 120
             and re.search(r"[\u4e00-\u9fff]{4}", s)]
    return found or ["本年度共收到政府信息公开申请件，均按时答复。", "因政府信息公开被申请行政复议和提起行政诉讼。",
                     "持续深化政务公开，加强政府网站建设。", "存在的主要问题是公开内容不够全面。"]


def build(db_path: Path, n_reports: int, text_chars: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    counties = regions.counties()
    pool = sentences()
    conn = sqlite3.connect(str(db_path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    ensure_schema(conn)
    conn.execute("BEGIN")
    cells, checks, sections, reports, docs = [], [], [], [], []
    kinds = ["government"] * 6 + ["department"] * 3 + ["office"]

    def flush():  # named columns: the schema may grow without this benchmark going stale
        for table, rows in (("documents", docs), ("reports", reports), ("sections", sections),
                            ("cells", cells), ("checks", checks)):
            if rows:
                cols = list(rows[0])
                conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                 [[r[c] for c in cols] for r in rows])
                rows.clear()

    def cell(rid, table, row, col, v, doc, src_table):
        return {"report_id": rid, "table_key": table, "row_key": row, "col_key": col, "value": float(v),
                "raw": str(v), "status": "num", "unit": "件", "document_id": doc, "src_table": src_table}

    for i in range(n_reports):
        d = counties[i % len(counties)]
        year = 2008 + (i // len(counties)) % 18
        kind = kinds[rng.randrange(len(kinds))]
        rid = f"{i:016x}"
        agency = d.name + ("人民政府" if kind == "government" else "财政局" if kind == "department" else "政府办公室")
        published = f"{year + 1}-{rng.choice(['01', '02', '03', '03', '03', '04', '06'])}-{rng.randint(1, 28):02d}"
        url = f"http://127.0.0.1/{d.code}/{year}/{i}.html"
        docs.append({"id": i + 1, "sha256": f"{i:064x}", "url": url, "content_type": "text/html", "size": 20000,
                     "http_status": 200, "fetched_at": "2025-01-01", "added_at": "2025-01-01", "role": "page",
                     "portal_adcode": d.code})
        new = rng.randint(0, 400)
        failed = 1 if rng.random() < 0.08 else 0
        reports.append({"id": rid, "report_key": f"{d.code}|{agency}|{year}", "document_id": i + 1,
                        "source": "bench", "url": url, "title": f"{agency}{year}年政府信息公开工作年度报告",
                        "year": year, "region_code": d.code, "region_name": d.name, "province": d.province,
                        "prefecture": d.prefecture, "region_source": "title", "agency": agency, "agency_kind": kind,
                        "agency_key": agency, "template": "gb2021", "format": "html", "script": "hans",
                        "published_date": published, "period_start": f"{year}-01-01",
                        "period_end": f"{year}-12-31", "status": "ok", "n_cells": 200, "n_checks_failed": failed,
                        "n_flags": 0, "content_id": rid, "version": 1, "n_versions": 1, "n_sources": 1,
                        "first_seen": "2025-01-01", "extracted_at": "2025-01-01", "extractor_version": "bench"})
        body = []
        while sum(map(len, body)) < text_chars:
            body.append(pool[rng.randrange(len(pool))])
        chunk = max(1, len(body) // len(SECTION_KEYS))
        for s, key in enumerate(SECTION_KEYS):
            sections.append({"report_id": rid, "ord": s, "key": key, "number": "一二三四五六"[s], "title": key,
                             "text": "".join(body[s * chunk:(s + 1) * chunk])})
        for row, col in T2_CELLS:
            cells.append(cell(rid, "active_disclosure", row, col, rng.randint(0, 50), i + 1, 0))
        for row in T3_ROWS:
            base = new if row == "new_received" else rng.randint(0, max(1, new // 5))
            for col in APPLICATION_COLS:
                v = base if col == "total" else rng.randint(0, max(1, base // 3))
                cells.append(cell(rid, "applications", row, col, v, i + 1, 1))
        for row, col in T4_CELLS:
            cells.append(cell(rid, "review_litigation", row, col, rng.randint(0, 5), i + 1, 2))
        for rule in ("R1", "R2", "R3", "R4", "R5", "R6"):
            status = "fail" if failed and rule == "R3" else "pass"
            checks.append({"report_id": rid, "rule": rule, "table_key": "applications", "col_key": "total",
                           "status": status, "strict": status, "blank_as_zero": status, "lhs": 1.0, "rhs": 1.0,
                           "lhs_bz": 1.0, "rhs_bz": 1.0, "detail": ""})
        if len(cells) > 200_000:
            flush()
        if (i + 1) % 10000 == 0:
            print(f"  {i + 1} reports written", file=sys.stderr)
    flush()
    conn.execute("COMMIT")
    conn.close()


def measure(base: str, path: str, params: dict, n: int) -> tuple[float, float, int]:
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    times, status = [], 0
    for _ in range(n):
        t = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=60) as resp:
                resp.read()
                status = resp.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)], status


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=20, help="requests per endpoint (after 1 warm-up)")
    ap.add_argument("--text-chars", type=int, default=800)
    ap.add_argument("--dir", default="/tmp/nianbao-bench-serve")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the synthetic archive in --dir (published again only if changed)")
    args = ap.parse_args()

    from storage.serving.publish import needs_publish, publish, served_path
    from test_serve_fixture import Server

    work = Path(args.dir)
    work.mkdir(parents=True, exist_ok=True)
    db = work / "archive.db"
    if not (args.reuse and db.exists()):
        db.unlink(missing_ok=True)
        t = time.perf_counter()
        build(db, args.reports, args.text_chars)
        print(f"built {args.reports} reports in {time.perf_counter() - t:.0f} s")
    if needs_publish(db, served_path(db)):  # the site serves a published, prepared snapshot (docs/api.md)
        t = time.perf_counter()
        counts = publish(db, served_path(db))
        print(f"published (copy + prepare) in {time.perf_counter() - t:.0f} s: {counts}; "
              f"size {served_path(db).resolve().stat().st_size / 2**20:.0f} MiB")
    server = Server(db)
    try:
        year = {"year": 2022}
        endpoints = [
            ("canned requests_per_county", "/archive/requests_per_county.json", year),
            ("canned refusals_by_province", "/archive/refusals_by_province.json", year),
            ("canned refusal_reasons", "/archive/refusal_reasons.json", {"province": "甘肃省"}),
            ("canned reports_failing_checks", "/archive/reports_failing_checks.json", {}),
            ("canned counties_without_report", "/archive/counties_without_report.json", year),
            ("canned late_reports", "/archive/late_reports.json", {}),
            ("canned coverage_map", "/archive/coverage_map.json", year),
            ("canned search 复议 (common)", "/archive/search.json", {"q": "复议"}),
            ("canned search 信息处理费 (rarer)", "/archive/search.json", {"q": "信息处理费"}),
            ("facet page report_summary", "/archive/report_summary.json", {"_facet": "province"}),
            ("facet page coverage year+status", "/archive/coverage.json", {"year": 2022, "_facet": "status"}),
            ("table search ?_search=复议", "/archive/report_summary.json", {"_search": "复议"}),
            ("table search ?_search=行政诉讼", "/archive/report_summary.json", {"_search": "行政诉讼"}),
            ("row page report", "/archive/reports/0000000000000007.json", {}),
            ("check_failures view", "/archive/check_failures.json", {"province": "甘肃省"}),
        ]
        print(f"\n{'endpoint':45} {'p50 ms':>8} {'p95 ms':>8}  status   ({args.requests} requests each)")
        for name, path, params in endpoints:
            measure(server.base, path, params, 1)
            p50, p95, status = measure(server.base, path, params, args.requests)
            print(f"{name:45} {p50:8.1f} {p95:8.1f}  {status}")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
