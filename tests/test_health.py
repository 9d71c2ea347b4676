"""Portal health (`nianbao status`, view portal_health) and the feeds (views feed_*, CANNED_QUERIES, Atom)."""
from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from storage import Archive
from storage.serving.feeds import CANNED_QUERIES, prepare_feeds
from storage.serving.health import HEALTH_COLUMNS, portal_health

ROOT = Path(__file__).resolve().parents[1]
ATOM = "{http://www.w3.org/2005/Atom}"


def nianbao(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nianbao.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def add_portal_rows(db) -> None:
    """Five portals, as the crawler's tables would hold them after two runs (run 1 in February, run 2 in May)."""
    db["portals"].insert_all([
        {"adcode": "632122", "name": "民和县", "province": "青海省", "url": "http://127.0.0.1:1/minhe/"},
        {"adcode": "320831", "name": "洪泽区", "province": "江苏省", "url": "http://127.0.0.1:1/hongze/"},
        {"adcode": "410324", "name": "栾川县", "province": "河南省", "url": "http://127.0.0.1:1/luanchuan/"},
        {"adcode": "640181", "name": "灵武市", "province": "宁夏回族自治区", "url": "http://127.0.0.1:1/lingwu/"},
        {"adcode": "620421", "name": "靖远县", "province": "甘肃省", "url": "http://127.0.0.1:1/jingyuan/"},
    ])
    wall = {"walls": [{"status": 412, "signature": "jsl-cookie", "body_size": 900,
                       "url": "http://127.0.0.1:1/minhe/col/"}]}
    wall521 = {"walls": [{"status": 521, "signature": "jsl-521", "body_size": 700,
                          "url": "http://127.0.0.1:1/hongze/"}]}
    db["crawl_runs"].insert_all([{"id": 1, "started_at": "2025-02-01T03:00:00+00:00", "portals": 4},
                                 {"id": 2, "started_at": "2025-05-05T03:00:00+00:00", "portals": 4}])
    db["portal_status"].insert_all([
        {"run_id": 1, "adcode": "632122", "status": "ok", "detail": "{}", "checked_at": "2025-02-01T03:10:00+00:00"},
        {"run_id": 2, "adcode": "632122", "status": "blocked", "detail": json.dumps(wall),
         "checked_at": "2025-05-05T03:10:00+00:00"},
        {"run_id": 1, "adcode": "320831", "status": "blocked", "detail": json.dumps(wall521),
         "checked_at": "2025-02-01T03:20:00+00:00"},
        {"run_id": 2, "adcode": "320831", "status": "blocked", "detail": json.dumps(wall521),
         "checked_at": "2025-05-05T03:20:00+00:00"},
        {"run_id": 1, "adcode": "410324", "status": "ok", "detail": "{}", "checked_at": "2025-02-01T03:30:00+00:00"},
        {"run_id": 2, "adcode": "410324", "status": "ok", "detail": "{}", "checked_at": "2025-05-05T03:30:00+00:00"},
        {"run_id": 2, "adcode": "640181", "status": "unreachable", "detail": "{}",
         "checked_at": "2025-05-05T03:40:00+00:00"},
    ])
    db["report_items"].insert_all([
        {"adcode": "632122", "url": "http://127.0.0.1:1/minhe/2023.html", "year": 2023, "unit_kind": "government",
         "first_seen": "2024-03-20T03:10:00+00:00"},
        {"adcode": "410324", "url": "http://127.0.0.1:1/luanchuan/2024.html", "year": 2024,
         "unit_kind": "government", "first_seen": "2025-02-01T03:30:00+00:00"},
        # A department's report does not count as the county government's.
        {"adcode": "640181", "url": "http://127.0.0.1:1/lingwu/edu-2024.html", "year": 2024,
         "unit_kind": "department", "first_seen": "2025-01-10T03:40:00+00:00"},
    ], pk=("adcode", "url"))


@pytest.fixture
def crawled_db(tmp_path) -> Path:
    archive = Archive(tmp_path / "archive.db")
    add_portal_rows(archive.db)
    archive.close()
    return tmp_path / "archive.db"


def test_status_json_gives_each_portals_health(crawled_db):
    out = nianbao("status", "--db", str(crawled_db), "--json", "--today", "2025-06-01")
    assert out.returncode == 0, out.stderr
    rows = {r["adcode"]: r for r in json.loads(out.stdout)["portals"]}
    pick = lambda r: (r["status"], r["block_code"], r["last_ok"], r["last_new_report"], r["due_report_found"],
                      r["days_overdue"])
    # Due on 2025-06-01: the 2024 government report, due 2025-03-31, 62 days ago (30 in April, 31 in May, 1).
    assert {r["due_date"] for r in rows.values()} == {"2025-03-31"}
    assert pick(rows["632122"]) == ("blocked", 412, "2025-02-01T03:10:00+00:00", "2024-03-20T03:10:00+00:00", 0, 62)
    assert pick(rows["320831"]) == ("blocked", 521, None, None, 0, 62)
    assert pick(rows["410324"]) == ("ok", None, "2025-05-05T03:30:00+00:00", "2025-02-01T03:30:00+00:00", 1, None)
    assert pick(rows["640181"]) == ("unreachable", None, None, "2025-01-10T03:40:00+00:00", 0, 62)
    assert pick(rows["620421"]) == ("unchecked", None, None, None, 0, 62)

    # Before 31 March the report due is the one of two years back: on 2025-03-31 it is 2023's (due 2024-03-31).
    with Archive(crawled_db, readonly=True) as archive:
        early = {r["adcode"]: r for r in portal_health(archive, today=date(2025, 3, 31))}
    assert (early["632122"]["due_year"], early["632122"]["days_overdue"]) == (2023, None)
    assert (early["410324"]["due_year"], early["410324"]["days_overdue"]) == (2023, 365)

    text = nianbao("status", "--db", str(crawled_db), "--today", "2025-06-01")
    assert "blocked 412" in text.stdout and "5 portals:" in text.stdout


def test_status_without_crawler_tables_is_empty(tmp_path):
    Archive(tmp_path / "archive.db").close()  # an archive from `nianbao extract` only
    out = nianbao("status", "--db", str(tmp_path / "archive.db"), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"portals": [], "schedule_runs": []}
    assert nianbao("status", "--db", str(tmp_path / "archive.db")).stdout == ""
    # The views still exist, empty, with their columns (so Datasette and the canned queries work).
    conn = sqlite3.connect(tmp_path / "archive.db")
    prepare_feeds(conn)
    cur = conn.execute("SELECT * FROM portal_health")
    assert [d[0] for d in cur.description] == HEALTH_COLUMNS and cur.fetchall() == []
    for name, query in CANNED_QUERIES.items():
        assert conn.execute(query["sql"], {"province": ""}).fetchall() == [], name


# -- feeds ------------------------------------------------------------------------------------------------------
U1 = "http://127.0.0.1:1/minhe/2022.html"
U2 = "http://127.0.0.1:1/hongze/2024.html"


@pytest.fixture
def feed_db(crawled_db) -> Path:
    """Two reports (青海省, 江苏省); the 青海 one edited once (version 2: cell 行政许可 4153 -> 4163); one failed
    check."""
    archive = Archive(crawled_db)
    conn = archive.conn
    # r1 is 民和's report as its version 2 says; version 1 (4153) was superseded on 2023-03-01.
    reports = [("r1", "民和回族土族自治县", "青海省", 2022, U1, "2023-03-01T03:00:00+00:00", "2023-02-01T03:00:00+00:00"),
               ("r2", "洪泽区", "江苏省", 2024, U2, "2025-02-01T03:00:00+00:00", "2025-02-01T03:00:00+00:00")]
    conn.executemany("INSERT INTO reports (id, region_name, province, year, url, title, extracted_at, first_seen, "
                     "status, n_cells, n_checks_failed) VALUES (?, ?, ?, ?, ?, ?2 || ?4 || '年政府信息公开工作年度报告', "
                     "?, ?, 'ok', 1, 0)", reports)
    conn.executemany("INSERT INTO report_versions (report_id, version, content_id, url, first_seen, last_seen, "
                     "superseded_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     [("r1", 1, "c1", U1, "2023-02-01T03:00:00+00:00", "2023-02-20T03:00:00+00:00",
                       "2023-03-01T03:00:00+00:00", "superseded"),
                      ("r1", 2, "c1b", U1, "2023-03-01T03:00:00+00:00", "2023-03-01T03:00:00+00:00", None, "current"),
                      ("r2", 1, "c2", U2, "2025-02-01T03:00:00+00:00", "2025-02-01T03:00:00+00:00", None, "current")])
    conn.executemany("INSERT INTO cells (report_id, table_key, row_key, col_key, value, raw) VALUES (?,?,?,?,?,?)",
                     [("r1", "active_disclosure", "admin_licensing", "decisions", 4163, "4163"),
                      ("r2", "applications", "new_received", "total", 7, "7")])
    conn.execute("INSERT INTO cell_changes (report_id, old_version, new_version, url, old_report_id, new_report_id, "
                 "table_key, row_key, col_key, old_value, new_value, old_raw, new_raw, detected_at) VALUES "
                 "('r1', 1, 2, ?, 'c1', 'c1b', 'active_disclosure', 'admin_licensing', 'decisions', 4153, 4163, "
                 "'4153', '4163', '2023-03-01T03:00:00+00:00')", [U1])
    conn.execute("INSERT INTO checks (report_id, rule, table_key, row_key, col_key, status, detail) "
                 "VALUES ('r2', 'R3', 'applications', 'results_total', 'total', 'fail', '9 ≠ 7')")
    prepare_feeds(archive.conn)
    archive.close()
    return crawled_db


def feed(conn, name: str, province: str = "") -> list[dict]:
    cur = conn.execute(CANNED_QUERIES[name]["sql"], {"province": province})
    return [dict(zip([d[0] for d in cur.description], r)) for r in cur.fetchall()]


def test_feed_queries(feed_db):
    conn = sqlite3.connect(feed_db)
    new = feed(conn, "feed_new_reports")
    # r1's version 2 is a change, not a new report. Newest first.
    assert [e["atom_id"] for e in new] == ["tag:nianbao,2024:report/r2", "tag:nianbao,2024:report/r1"]
    assert [e["atom_id"] for e in feed(conn, "feed_new_reports", "青海省")] == ["tag:nianbao,2024:report/r1"]
    # entries lead to the report's page in the archive, not to the portal (which may be gone)
    assert new[0]["atom_link"] == "/report/r2" and new[0]["atom_updated"] == "2025-02-01T03:00:00+00:00"

    changed = feed(conn, "feed_changed_reports")
    assert [(e["atom_id"], e["atom_updated"], e["atom_link"]) for e in changed] == [
        ("tag:nianbao,2024:change/r1/2", "2023-03-01T03:00:00+00:00", "/report/r1#versions")]
    assert "active_disclosure/admin_licensing/decisions: 4153 → 4163" in changed[0]["atom_content"]
    assert "version 2" in changed[0]["atom_title"] and "1 cells" in changed[0]["atom_title"]
    assert feed(conn, "feed_changed_reports", "江苏省") == []

    failures = feed(conn, "feed_check_failures")
    assert [e["atom_id"] for e in failures] == ["tag:nianbao,2024:checks/r2"]
    assert "R3 applications/results_total/total (9 ≠ 7)" in failures[0]["atom_content"]
    assert feed(conn, "feed_check_failures", "青海省") == []

    blocked = feed(conn, "feed_blocked_portals")
    # 民和 turned blocked in run 2; 洪泽 was blocked from run 1 on (its run 2 is not news).
    assert [e["atom_id"] for e in blocked] == ["tag:nianbao,2024:blocked/632122/2",
                                               "tag:nianbao,2024:blocked/320831/1"]
    assert "HTTP 412" in blocked[0]["atom_title"] and "before: ok" in blocked[0]["atom_content"]
    assert [e["atom_id"] for e in feed(conn, "feed_blocked_portals", "江苏省")] == [
        "tag:nianbao,2024:blocked/320831/1"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_atom_feeds_served_by_datasette(feed_db, tmp_path):
    pytest.importorskip("datasette_atom")
    metadata = tmp_path / "metadata.json"
    metadata.write_text(json.dumps({"databases": {"archive": {"queries": CANNED_QUERIES}}}, ensure_ascii=False))
    port = free_port()
    datasette = Path(sys.executable).with_name("datasette")
    plugins = Path(__file__).resolve().parents[1] / "nianbao" / "serve" / "plugins"
    proc = subprocess.Popen([str(datasette), "serve", str(feed_db), "-m", str(metadata), "-h", "127.0.0.1",
                             "-p", str(port), "--plugins-dir", str(plugins)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}/archive"

    def get(path: str) -> bytes:
        with urllib.request.urlopen(base + path, timeout=10) as resp:
            return resp.read()

    try:
        for _ in range(200):  # wait for the server to listen (bounded: at most ~20 s)
            try:
                get(".json")
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, proc.stderr.read().decode()
                time.sleep(0.1)
        province = urllib.parse.quote("青海省")
        root = ET.fromstring(get(f"/feed_changed_reports.atom?province={province}"))
        entries = root.findall(f"{ATOM}entry")
        assert [e.findtext(f"{ATOM}id") for e in entries] == ["tag:nianbao,2024:change/r1/2"]
        assert "4153 → 4163" in entries[0].findtext(f"{ATOM}content")
        # absolute in the feed: a feed reader resolves nothing
        assert entries[0].find(f"{ATOM}link").get("href") == f"http://127.0.0.1:{port}/report/r1#versions"
        assert root.findtext(f"{ATOM}title") == CANNED_QUERIES["feed_changed_reports"]["title"]

        root = ET.fromstring(get("/feed_blocked_portals.atom?province="))
        assert {e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")} == {
            "tag:nianbao,2024:blocked/632122/2", "tag:nianbao,2024:blocked/320831/1"}

        # a province with nothing new: a valid, empty feed (not a 500)
        root = ET.fromstring(get(f"/feed_changed_reports.atom?province={urllib.parse.quote('西藏自治区')}"))
        assert root.tag == f"{ATOM}feed" and root.findall(f"{ATOM}entry") == []

        data = json.loads(get("/feed_new_reports.json?province=&_shape=objects"))
        assert [r["atom_id"] for r in data["rows"]] == ["tag:nianbao,2024:report/r2", "tag:nianbao,2024:report/r1"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
