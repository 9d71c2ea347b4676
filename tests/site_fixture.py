"""Archives for the site tests (no tests of its own).

site_archive(): the serve fixture (five seeds + hand-made 城关区 reports, test_serve_fixture.py) plus reports made
here for what the site must show, with values chosen by hand:

    blank-dept   城关区教育局 2022: T3 natural_person new_received 5, carried_in left blank, results_total 4,
                 carried_out blank -> R1 fails only once the blanks are read as 0 (5 + 0 ≠ 4 + 0); checks computed
                 by the extractor's own rules (extract.checks.run_checks)
    no-t3        城关区卫健局 2022: T2 and T4 printed, T3 missing altogether (flag missing_table, as the extractor
                 writes it): nothing fails, which is not passing
    markup       城关区司法局 2022: title, agency and section text carrying HTML/JS markup
    edited       城关区民政局 2022, published twice: version 2 changes new_received total 7 -> 9
    and a WARC record (written by the crawler's own WarcLog) for the seed 001 document

bulk_archive(n): n department reports of 城关区 for 2022 with every T3 cell (25 rows × 7 columns) and the word
信息处理费 in their text — more rows in applications_wide than one Datasette page holds (max_returned_rows 3000).
"""
from __future__ import annotations

from pathlib import Path

from extract.agencies import agency_key
from extract.checks import run_checks
from extract.dates import lateness
from extract.keys import T3_COLS, T3_ROWS
from extract.model import ExtractionResult, Flag, KeyedCell, Metadata, Section, SourceCell
from storage import Archive, Sighting
from test_serve_fixture import HAND, build_archive

MARKUP_TITLE = '<script>alert("t")</script>"><img src=x onerror=alert(1)>城关区司法局2022年年报'
MARKUP_AGENCY = '城关区司法局"><svg onload=alert(2)>'
MARKUP_TEXT = 'x</textarea><script>alert(3)</script>"><img src=y onerror=alert(4)> 本年度无复议。'


def _meta(agency: str, year: int, kind: str, title: str | None = None, published: str | None = None) -> Metadata:
    deadline, days_late = lateness(published, year, kind)
    return Metadata(title=title or f"{agency}{year}年政府信息公开工作年度报告", year=year, region_code=HAND,
                    region_name="城关区", province="甘肃省", prefecture="兰州市", region_source="hint",
                    agency=agency, agency_kind=kind, published_date=published, region_level="county",
                    agency_key=agency_key(agency, HAND), deadline=deadline, days_late=days_late)


def _cell(table, row, col, raw, line):
    value = float(raw) if raw.strip() else None
    return KeyedCell(table, row, col, value, raw, "num" if value is not None else "blank",
                     source=SourceCell(raw, table=1, row=line, col=1, line=line))


def _result(name, meta, cells, sections, flags=()) -> ExtractionResult:
    return ExtractionResult(source=name, template="gb2021", meta=meta, format="text",
                            sections=sections, cells=cells, checks=run_checks(cells, "gb2021"), flags=list(flags))


def extra_reports() -> list[tuple[str, bytes, ExtractionResult]]:
    blank = [_cell("applications", "new_received", "natural_person", "5", 10),
             _cell("applications", "carried_in", "natural_person", "", 11),
             _cell("applications", "results_total", "natural_person", "4", 12),
             _cell("applications", "carried_out", "natural_person", "", 13)]
    no_t3 = [_cell("active_disclosure", "normative_docs", "issued", "2", 5),
             _cell("review_litigation", "admin_review", "total", "0", 20)]
    return [
        ("blank-dept", b"blank-dept v1", _result("blank-dept", _meta("兰州市城关区教育局", 2022, "department"), blank,
                                                [Section("overview", "一", "一、总体情况", "教育局年报。")])),
        ("no-t3", b"no-t3 v1", _result("no-t3", _meta("兰州市城关区卫生健康局", 2022, "department"), no_t3,
                                       [Section("overview", "一", "一、总体情况", "卫健局年报。")],
                                       [Flag("missing_table", "the applications table of the gb2021 template is "
                                                              "not in the report", {"table": "applications"})])),
        ("markup", b"markup v1", _result("markup", _meta(MARKUP_AGENCY, 2022, "department", MARKUP_TITLE),
                                         [_cell("applications", "new_received", "total", "1", 3)],
                                         [Section("overview", "一", "一、总体情况", MARKUP_TEXT)])),
    ]


def edited_versions() -> list[tuple[bytes, ExtractionResult]]:
    def version(total: str, text: str):
        cells = [_cell("applications", "new_received", "total", total, 7)]
        return _result("edited", _meta("兰州市城关区民政局", 2022, "department"), cells,
                       [Section("overview", "一", "一、总体情况", text)])
    return [(b"edited v1", version("7", "民政局年报。")), (b"edited v2", version("9", "民政局年报（修订）。"))]


def site_archive(db_path: Path) -> dict:
    """Returns {"ids": {name: report_id}, "docs": {name: document id}, "bytes": {name: original bytes}}."""
    from crawler.pipelines import WarcLog

    ids = build_archive(db_path)
    docs, originals = {}, {}
    archive = Archive(db_path)
    try:
        for name, data, result in extra_reports():
            url = f"http://127.0.0.1/hand/{name}.html"
            doc = archive.add_document(data, url=url, content_type="text", role="report")
            ids[name] = archive.write_extraction(result, Sighting(url, [doc], url=url))
            docs[name], originals[name] = doc.id, data
        url = "http://127.0.0.1/hand/edited.html"
        for i, (data, result) in enumerate(edited_versions()):
            doc = archive.add_document(data, url=url, content_type="text", role="report",
                                       fetched_at=f"2023-0{i + 2}-01T00:00:00+00:00")
            ids["edited"] = archive.write_extraction(result, Sighting(
                url, [doc], url=url, seen_at=f"2023-0{i + 2}-01T00:00:00+00:00"))
            docs[f"edited-v{i + 1}"], originals[f"edited-v{i + 1}"] = doc.id, data
        seed = archive.rows("SELECT d.id, d.sha256, d.url FROM documents d JOIN reports r ON r.document_id = d.id "
                            "WHERE r.id = ?", [ids["001_759fee5d4dfad9d3.txt"]])[0]
        docs["seed001"], originals["seed001"] = seed["id"], archive.blobs.get(seed["sha256"])
        warc = WarcLog(db_path.parent, "run1")
        warc.write(seed["url"], 200, {"Content-Type": "text/plain; charset=utf-8"}, originals["seed001"],
                   {"WARC-Nianbao-Document-Id": str(seed["id"]), "WARC-Nianbao-Role": "report"})
        warc.close()
    finally:
        archive.close()
    return {"ids": ids, "docs": docs, "bytes": originals}


def bulk_archive(db_path: Path, n: int) -> list[str]:
    ids = []
    archive = Archive(db_path)
    try:
        for i in range(n):
            agency = f"兰州市城关区第{i + 1}局"
            cells = [_cell("applications", row, col, str((i + r + c) % 5), r + 1)
                     for r, row in enumerate(T3_ROWS["gb2021"]) for c, col in enumerate(T3_COLS)]
            result = _result(f"bulk-{i}", _meta(agency, 2022, "department"), cells,
                             [Section("other_matters", "六", "六、其他需要报告的事项",
                                      f"本年度未收取信息处理费。编号{i}。" + "公开" * (i % 7))])
            data = f"bulk {i}".encode()
            url = f"http://127.0.0.1/bulk/{i}.html"
            doc = archive.add_document(data, url=url, content_type="text", role="report")
            ids.append(archive.write_extraction(result, Sighting(url, [doc], url=url)))
    finally:
        archive.close()
    return ids
