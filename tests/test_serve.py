"""The archive in Datasette: a real `nianbao serve` process on a test archive built by real extraction of the
seed reports (plus hand-made reports, see test_serve_fixture.py). Expected values come from the seed texts as
described in spec §6 and from the hand-made rows, never from the program's output."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_serve_fixture import SEED_FILES, Server, build_archive  # noqa: E402

from extract import regions  # noqa: E402
from storage.serving import search as fts  # noqa: E402
from storage.serving.publish import current_snapshot, served_path  # noqa: E402

pytestmark = pytest.mark.skipif(len(SEED_FILES) != 5, reason="shared/seeds (5 seed reports) not available")

LUANCHUAN, LINGWU, MINHE, HUANGZHONG, JINGYUAN = (
    "001_759fee5d4dfad9d3.txt", "002_17501a4b6fe8e48c.txt", "000_2a90619c97eddfaa.txt",
    "003_0b45a7d4e00025aa.txt", "004_99a88681b58e46ea.txt")


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    db = tmp_path_factory.mktemp("serve") / "archive.db"
    ids = build_archive(db)
    digest_before = hashlib.sha256(db.read_bytes()).hexdigest()
    server = Server(db)  # publishes a prepared snapshot of the database (served/archive.db), serves it immutable
    snapshot = current_snapshot(served_path(db))
    yield {"db": db, "ids": ids, "server": server, "digest": digest_before, "snapshot": snapshot}
    server.stop()


def get(archive, path: str, **params):
    url = archive["server"].base + path
    if params:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.load(resp)


def rows(archive, path: str, **params) -> list[dict]:
    return get(archive, path, _shape="array", **params)


def ids_of(found: list[dict]) -> set[str]:
    return {r["report_id"] for r in found}


# ---------------------------------------------------------------------------------------------- search
def test_search_two_characters_finds_every_report_mentioning_it_including_traditional(archive):
    ids = archive["ids"]
    found = ids_of(rows(archive, "/archive/report_summary.json", _search="复议"))
    # Every seed has a 行政复议 section; 002 writes it 複議 (Traditional); the hand-made texts never mention it.
    assert found == {ids[f] for f in (LUANCHUAN, LINGWU, MINHE, HUANGZHONG, JINGYUAN)}


def test_search_two_and_four_character_words_are_specific(archive):
    ids = archive["ids"]
    assert ids_of(rows(archive, "/archive/report_summary.json", _search="栾川")) == {ids[LUANCHUAN]}
    assert ids_of(rows(archive, "/archive/report_summary.json", _search="采购")) == {ids[JINGYUAN]}
    assert ids_of(rows(archive, "/archive/report_summary.json", _search="新闻发布")) == {ids[JINGYUAN]}
    assert ids_of(rows(archive, "/archive/report_summary.json", _search="城关区")) == {
        ids["hand-2021"], ids["hand-2022"], ids["hand-dept-2022"]}
    assert rows(archive, "/archive/report_summary.json", _search="量子纠缠") == []


def test_search_canned_query_ranks_and_shows_a_snippet(archive):
    # 信息處理費 appears only in 002, in Traditional characters; the query is Simplified.
    found = rows(archive, "/archive/search.json", q="信息处理费")
    assert [r["report_id"] for r in found] == [archive["ids"][LINGWU]]
    assert "【信息处理费】" in found[0]["snippet"]
    assert isinstance(found[0]["rank"], float)
    two = rows(archive, "/archive/search.json", q="诉讼")
    assert len(two) == 5 and all("【诉讼】" in r["snippet"] for r in two)


# ------------------------------------------------------------------------------------- summary and views
def test_report_summary_totals_from_the_seeds(archive):
    ids = archive["ids"]
    by_id = {r["report_id"]: r for r in rows(archive, "/archive/report_summary.json")}
    assert len(by_id) == 8
    assert by_id[ids[LUANCHUAN]]["requests_received"] == 17      # 17 new, 2 refused (其他法律行政法规禁止公开)
    assert by_id[ids[LUANCHUAN]]["refused_denied"] == 2
    assert by_id[ids[LINGWU]]["requests_received"] == 30
    assert by_id[ids[LINGWU]]["reviews_total"] == 4               # T4 复议 1/2/1/0/4
    assert by_id[ids[LINGWU]]["lawsuits_direct"] == 1
    minhe = by_id[ids[MINHE]]                                      # no T3; T4 11 reviews, 8 + 1 lawsuits
    assert minhe["requests_received"] is None
    assert (minhe["reviews_total"], minhe["lawsuits_total"]) == (11, 9)
    assert (minhe["deadline"], minhe["days_late"]) == ("2023-03-31", 261)   # published 2023-12-17
    assert by_id[ids[JINGYUAN]]["days_late"] < 0                   # 2021-01-08, before 31 March
    assert by_id[ids[JINGYUAN]]["latitude"] is not None
    hand = by_id[ids["hand-2022"]]
    assert (hand["requests_received"], hand["carried_in"], hand["granted"]) == (50, 5, 48)
    assert (hand["refused_denied"], hand["refused_unable"], hand["results_total"]) == (3, 1, 52)
    assert (hand["checks_failed"], hand["check_status"], hand["days_late"]) == (1, "failing", 15)
    assert by_id[ids["hand-dept-2022"]]["deadline"] == "2023-01-31"   # departments: 31 January


def test_facets(archive):
    data = get(archive, "/archive/report_summary.json", _facet="province", _size=0)
    counts = {f["value"]: f["count"] for f in data["facet_results"]["province"]["results"]}
    assert counts["甘肃省"] == 4 and counts["青海省"] == 2 and counts["河南省"] == 1
    default = get(archive, "/archive/report_summary.json", _size=0)["facet_results"]
    assert {"province", "year", "template", "agency_kind", "check_status"} <= set(default)


def test_applications_wide_and_long(archive):
    rid = archive["ids"][LUANCHUAN]
    wide = rows(archive, "/archive/applications_wide.json", report_id=rid, row_key="new_received")
    assert len(wide) == 1 and wide[0]["natural_person"] == 17 and wide[0]["total"] == 17
    long = rows(archive, "/archive/applications_long.json", report_id=rid, row_key="new_received",
                col_key="total")
    assert [r["value"] for r in long] == [17]


def test_check_failures_link_to_cell_report_and_original(archive):
    rid = archive["ids"]["hand-2022"]
    fails = rows(archive, "/archive/check_failures.json", report_id=rid)
    assert [(f["rule"], f["row_key"], f["lhs"], f["rhs"]) for f in fails] == [("R3", "granted", 48, 47)]
    cell = get(archive, fails[0]["cell_path"] + ".json", _shape="array")
    assert cell[0]["value"] == 48
    assert get(archive, fails[0]["report_path"] + ".json", _shape="array")[0]["id"] == rid
    assert any(f["document_url"] == f"http://127.0.0.1/seed/{HUANGZHONG}"
               for f in rows(archive, "/archive/check_failures.json", report_id=archive["ids"][HUANGZHONG]))


def test_carryover_chain_and_t2_stock(archive):
    chain = rows(archive, "/archive/carryover_chain.json", region_code="620102")
    assert [(c["year_n"], c["carried_out_n"], c["carried_in_next"], c["consistent"]) for c in chain] == [
        (2021, 3, 5, 0)]
    stock = rows(archive, "/archive/t2_stock.json", region_code="620102")
    assert [(s["in_force_prev"], s["issued"], s["repealed"], s["in_force"], s["consistent"]) for s in stock] == [
        (20, 3, 1, 22, 1)]


def test_paging_with_next(archive):
    seen, path, params = [], "/archive/report_summary.json", {"_size": 3}
    while True:
        data = get(archive, path, **params)
        seen += [r[0] if isinstance(r, list) else r for r in data["rows"]]
        if not data.get("next"):
            break
        params = {"_size": 3, "_next": data["next"]}
    assert len(seen) == 8 and len({json.dumps(r, ensure_ascii=False) for r in seen}) == 8


# ------------------------------------------------------------------------------------- coverage ledger
def test_coverage_ledger(archive):
    """County × year × kind of unit. The fixture: 2022 government reports of 民和, 灵武, 城关区 (hand-2022, one
    failing check, published 15 days late) and 栾川's office (its government published none, so the office's report
    is the government's own); 城关区's 财政局 (a department, checks passing)."""
    n_counties = len(regions.counties())
    assert n_counties == 2849
    data = get(archive, "/archive/coverage.json", year=2022, unit_kind="government", _size=0)
    assert data["filtered_table_rows_count"] == n_counties
    assert get(archive, "/archive/coverage.json", year=2022, _size=0)["filtered_table_rows_count"] == 3 * n_counties
    never = get(archive, "/archive/coverage.json", year=2022, unit_kind="government", status="not_crawled", _size=0)
    assert never["filtered_table_rows_count"] == n_counties - 4  # nothing was crawled: the others are not_crawled
    chengguan = rows(archive, "/archive/coverage.json", region_code="620102", year=2022, unit_kind="government")[0]
    assert (chengguan["reports_found"], chengguan["extracted"], chengguan["checks_passing"]) == (1, 1, 0)
    assert (chengguan["status"], chengguan["late"], chengguan["days_late"]) == ("extracted_failing_checks", 1, 15)
    dept = rows(archive, "/archive/coverage.json", region_code="620102", year=2022, unit_kind="department")[0]
    assert (dept["reports_found"], dept["status"]) == (1, "complete")
    luanchuan = rows(archive, "/archive/coverage.json", region_code="410324", year=2022, unit_kind="government")[0]
    assert (luanchuan["government_report_id"], luanchuan["status"]) == (archive["ids"][LUANCHUAN], "complete")
    minhe = rows(archive, "/archive/coverage.json", region_code="630222", year=2022, unit_kind="government")[0]
    assert (minhe["government_report_id"], minhe["days_late"]) == (archive["ids"][MINHE], 261)
    # seed 000 prints T2 and T4 only (no applications table): not complete, whatever its checks say
    assert minhe["status"] == "tables_missing"


# ------------------------------------------------------------------------------------- canned queries
def test_canned_queries(archive):
    ids = archive["ids"]
    per_county = {r["region_code"]: r for r in rows(archive, "/archive/requests_per_county.json", year=2022)}
    # each report in one column: 城关区's government 50, its 财政局 3; 栾川's office report is its government's own
    got = per_county["620102"]
    assert (got["government_report_id"], got["government_requests"]) == (ids["hand-2022"], 50)
    assert (got["department_reports"], got["department_requests"], got["township_reports"]) == (1, 3, 0)
    assert (per_county["410324"]["government_report_id"], per_county["410324"]["government_requests"]) == (
        ids[LUANCHUAN], 17)
    by_prov = {r["province"]: r for r in rows(archive, "/archive/refusals_by_province.json", year=2022)}
    assert (by_prov["甘肃省"]["refused_denied"], by_prov["甘肃省"]["refused_unable"]) == (3, 1)
    failing = ids_of(rows(archive, "/archive/reports_failing_checks.json"))
    assert ids["hand-2022"] in failing and ids["hand-2021"] not in failing
    late = {r["report_id"]: r["days_late"] for r in rows(archive, "/archive/late_reports.json")}
    assert late == {ids[MINHE]: 261, ids["hand-2022"]: 15, ids["hand-dept-2022"]: 10}
    gansu_counties = sum(1 for d in regions.counties() if d.province == "甘肃省")
    missing = rows(archive, "/archive/counties_without_report.json", year=2022, province="甘肃省")
    assert len(missing) == gansu_counties - 1 and "620102" not in {r["region_code"] for r in missing}
    reasons = {r["row_key"]: r["total"] for r in rows(archive, "/archive/refusal_reasons.json", province="甘肃省")}
    assert reasons["denied_process_info"] == 2 + 3 and reasons["unable_not_held"] == 1


# ------------------------------------------------------------------------------------- metadata
def test_every_table_and_column_is_described(archive):
    meta = get(archive, "/-/metadata.json")
    tables = meta["databases"]["archive"]["tables"]
    conn = sqlite3.connect(f"file:{archive['snapshot']}?mode=ro", uri=True)
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                                        "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'report_fts_%'")]
    for name in names:
        assert tables.get(name, {}).get("description"), name
        for (_, col, *_rest) in conn.execute(f"PRAGMA table_info([{name}])"):
            described = tables[name]["columns"].get(col)
            assert described and described != col.replace("_", " "), f"{name}.{col}"
    conn.close()
    assert "政府信息公开" in meta["title"] and meta["license"] and meta["source"]


# ------------------------------------------------------------------------------------- read-only
def _status(archive, path: str, data: bytes | None = None, method: str = "GET") -> int:
    req = urllib.request.Request(archive["server"].base + path, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_writes_are_refused(archive):
    for sql in ("INSERT INTO meta VALUES ('x', 'y')", "DELETE FROM reports",
                "UPDATE reports SET title = 'x'", "DROP TABLE cells"):
        assert _status(archive, "/archive.json?" + urllib.parse.urlencode({"sql": sql})) == 400
    body = urllib.parse.urlencode({"sql": "DELETE FROM reports"}).encode()
    assert _status(archive, "/archive", body, "POST") >= 400
    assert _status(archive, "/archive/reports", body, "POST") >= 400
    assert _status(archive, "/archive/reports/-/insert", b'{"row": {"id": "x"}}', "POST") >= 400
    assert len(rows(archive, "/archive/reports.json")) == 8
    assert hashlib.sha256(archive["db"].read_bytes()).hexdigest() == archive["digest"]  # the working database
    assert current_snapshot(served_path(archive["db"])) == archive["snapshot"]


def test_served_immutable_with_inspect_counts(archive):
    dbs = get(archive, "/-/databases.json")
    assert [(d["name"], d["is_mutable"]) for d in dbs] == [("archive", False)]
    settings = get(archive, "/-/settings.json")
    assert settings["sql_time_limit_ms"] > 0 and settings["max_returned_rows"] == 3000
    assert settings["allow_download"] is False and settings["suggest_facets"] is False
    assert _status(archive, "/archive.db") == 403
    inspect = json.loads(archive["snapshot"].with_name("archive.db.inspect.json").read_text())
    assert inspect["archive"]["tables"]["report_summary"]["count"] == 8


# ------------------------------------------------------------------------------------- fts units
def test_fts_query_rewrites_chinese_into_bigram_phrases():
    assert fts.fts_query("复议") == '"复议"'
    assert fts.fts_query("行政复议") == '"行政 政复 复议"'
    assert fts.fts_query("複議 诉讼") == '"复议" AND "诉讼"'
    assert fts.fts_query("复议 OR 诉讼") == '("复议" OR "诉讼")'
    assert fts.fts_query("复议 诉讼 OR 申请 -公开") == '("复议" AND ("诉讼" OR "申请")) NOT "公开"'
    assert fts.fts_query("复") == '"复" *'
    assert fts.fts_query('"unbalanced') == '"unbalanced"'
    assert fts.fts_query("") == '""'
    assert fts.index_text("行政复议，诉讼") .split() == ["行政", "政复", "复议", "，", "诉讼"]


def test_search_syntax_that_cannot_mean_what_it_says_is_refused():
    for query, reason in (("-诉讼", "only excludes"), ("OR 复议", "OR needs"), ("复议 OR", "OR needs"),
                          ("复议 OR -诉讼", "not an exclusion")):
        with pytest.raises(fts.SearchSyntaxError, match=reason):
            fts.fts_query(query)
        assert reason in fts.query_problem(query)
    assert fts.query_problem("复议 -诉讼") is None


def test_snippet_marks_the_match():
    text = "甲" * 60 + "本年度行政复议2件" + "乙" * 60
    snip = fts.snippet(text, "复议", width=5)
    assert snip == "…本年度行政【复议】2件乙乙乙…"
