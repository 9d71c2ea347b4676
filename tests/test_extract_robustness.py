"""Bad input, encodings, idempotency and the one-transaction promise of the archive."""
import json
import sqlite3
import subprocess
import sys

import pytest

from extract.decode import decode_bytes
from extract.formats import sniff
from extract.formats.html import parse as parse_html
from extract.pipeline import extract_bytes
from storage import Archive, Sighting

SEED_001 = "001_759fee5d4dfad9d3.txt"


def kinds(result):
    return [e["kind"] for e in result.errors]


def test_empty_and_garbage_get_clear_errors():
    assert kinds(extract_bytes(b"", "empty.txt")) == ["empty"]
    assert kinds(extract_bytes(b"  \n\t\n", "blank.txt")) == ["empty"]
    garbage = bytes(range(256)) * 20
    assert kinds(extract_bytes(garbage, "garbage.bin")) == ["unsupported_format"]


def test_not_a_report():
    page = "<html><body><h1>县政府召开常务会议</h1><p>会议研究了春耕生产工作。</p></body></html>".encode()
    result = extract_bytes(page, "news.html")
    assert kinds(result) == ["not_a_report"]


def test_report_without_tables_is_flagged_not_failed():
    page = ("<html><body><h1>某县2022年政府信息公开工作年度报告</h1><p>一、总体情况</p><p>本年度工作正常。</p>"
            "<p>二、主动公开政府信息情况</p><p>详见附件。</p></body></html>").encode()
    result = extract_bytes(page, "no-tables.html")
    assert not result.errors
    assert "no_tables" in {f.kind for f in result.flags}


def test_truncated_table_is_flagged(seeds_dir):
    text = (seeds_dir / SEED_001).read_text(encoding="utf-8")
    cut = text[: text.index("\t3.补正后申请内容仍不明确")]  # the table stops inside （四）
    result = extract_bytes(cut.encode(), "truncated.txt")
    flag = next(f for f in result.flags if f.kind == "incomplete_table" and f.data["table"] == "applications")
    assert "results_total" in flag.data["missing_rows"] and "unable_still_unclear" in flag.data["missing_rows"]
    r1 = [c for c in result.checks if c.rule == "R1"]
    assert r1 and all(c.status == "uncertain" for c in r1)  # cannot be evaluated: rows are missing, not blank


def test_gbk_page_declaring_gb2312_with_gb18030_only_characters():
    body = "<html><head><meta charset='gb2312'></head><body><p>𠮷县教育局2022年政府信息公开工作年度报告</p></body></html>"
    data = body.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb2312")
    doc = parse_html(data, {})
    assert "𠮷县教育局" in doc.lines[0].texts[0]


def test_lying_header_charset_loses_to_meta():
    data = "<html><head><meta charset=gbk></head><body><p>政府信息公开工作年度报告</p></body></html>".encode("gbk")
    decoded = decode_bytes(data, "utf-8", html=True)
    assert decoded.charset == "gb18030" and decoded.replacements == 0
    assert "header charset utf-8 ignored" in decoded.note


def test_sniff_by_magic_not_name():
    assert sniff(b"%PDF-1.7\n...") == "pdf"
    assert sniff(b"<html><body><table></table></body></html>") == "html"
    assert sniff("一、总体情况\n".encode()) == "text"
    assert sniff(b"\x89PNG\r\n\x1a\n0000") == "image"


def test_html_spans_resolved_and_positions_kept():
    html = """<table>
      <tr><td rowspan=2>A</td><td colspan=2>B</td></tr>
      <tr><td>1</td><td>2</td></tr>
      <tr><td>C</td><td>3</td><td>4</td></tr></table>""".encode()
    rows = [l for l in parse_html(html, {}).lines if l.table is not None]
    assert [[(c.text, c.row, c.col) for c in l.cells] for l in rows] == [
        [("A", 0, 0), ("B", 0, 1)], [("1", 1, 1), ("2", 1, 2)], [("C", 2, 0), ("3", 2, 1), ("4", 2, 2)]]


def test_layout_table_is_prose_and_nested_data_table_is_one_cell():
    """Old portals lay a page out in a table (navigation | article): its cells are prose, the tables inside them
    are tables. A data table holding a table keeps that table's text in its cell, and the next table is table 1."""
    layout = ("<table><tr><td>导航</td><td><p>某县2022年政府信息公开工作年度报告</p>"
              "<table><tr><td>行政许可</td><td>12</td><td>3</td><td>4</td></tr></table></td></tr></table>").encode()
    assert [(l.table, l.texts) for l in parse_html(layout, {}).lines] == [
        (None, ["导航"]), (None, ["某县2022年政府信息公开工作年度报告"]), (0, ["行政许可", "12", "3", "4"])]
    nested = ("<div id=zoom><table><tr><td>行政许可</td><td>12</td><td>5</td><td><table><tr><td>a</td><td>b</td>"
              "</tr></table></td></tr></table><table><tr><td>行政处罚</td><td>1</td></tr></table></div>").encode()
    assert [(l.table, l.texts) for l in parse_html(nested, {}).lines] == [
        (0, ["行政许可", "12", "5", "ab"]), (1, ["行政处罚", "1"])]


def _counts(db):
    c = sqlite3.connect(db)
    return {t: c.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("documents", "reports", "sections", "cells", "checks", "flags")}


def test_extract_twice_same_rows(tmp_path, seeds_dir):
    db = tmp_path / "archive.db"
    data = (seeds_dir / SEED_001).read_bytes()
    archive = Archive(db)
    for _ in range(2):
        doc = archive.add_document(data, path=str(seeds_dir / SEED_001))
        archive.write_extraction(extract_bytes(data, "seed"), Sighting("seed", [doc]))
    first = _counts(db)
    doc = archive.add_document(data, path=str(seeds_dir / SEED_001))
    archive.write_extraction(extract_bytes(data, "seed"), Sighting("seed", [doc]))
    assert _counts(db) == first
    assert first["reports"] == 1 and first["documents"] == 1 and first["cells"] == 200
    assert archive.blobs.get(doc.sha256) == data  # the original is kept, content-addressed


def test_failed_write_leaves_nothing_half_written(tmp_path, seeds_dir, monkeypatch):
    db = tmp_path / "archive.db"
    data = (seeds_dir / SEED_001).read_bytes()
    archive = Archive(db)
    doc = archive.add_document(data, path="seed")
    archive.write_extraction(extract_bytes(data, "seed"), Sighting("seed", [doc]))
    before = _counts(db)
    original = archive.insert

    def broken(table, rows, replace=False):
        if table == "checks":
            raise RuntimeError("disk full")
        return original(table, rows, replace=replace)

    monkeypatch.setattr(archive, "insert", broken)
    with pytest.raises(RuntimeError):
        archive.write_extraction(extract_bytes(data, "seed"), Sighting("seed", [doc]))
    assert _counts(db) == before  # the old extraction is intact, no half of the new one


def test_cli_json_lines_and_errors_recorded(tmp_path, seeds_dir):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    db = tmp_path / "a.db"
    proc = subprocess.run([sys.executable, "-m", "nianbao.cli", "extract", str(seeds_dir / SEED_001), str(empty),
                           "--db", str(db), "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2  # one input failed
    lines = [json.loads(l) for l in proc.stdout.splitlines()]  # stdout is JSON Lines and nothing else
    assert len(lines) == 2
    ok, bad = lines
    assert ok["template"] == "gb2021" and ok["region_code"] == "410324" and ok["errors"] == []
    cell = next(c for c in ok["cells"] if (c["table"], c["row"], c["col"]) == ("applications", "new_received",
                                                                                "natural_person"))
    assert (cell["value"], cell["raw"], cell["status"]) == (17, "17", "num")
    assert {"rule", "table", "row", "col", "status"} <= set(ok["checks"][0])
    assert bad["errors"][0]["kind"] == "empty"
    # not a terminal: no progress bar, but every error names its input and the reason
    assert f"[2/2] error: {empty}: " in proc.stderr and "(empty)" in proc.stderr
    c = sqlite3.connect(db)
    assert c.execute("select kind from errors").fetchall() == [("empty",)]
    assert c.execute("select count(*) from reports").fetchone()[0] == 1


def test_report_page_with_tables_in_an_attachment(tmp_path, seeds_dir):
    """A page that only links its report: one report, tables from the attachment, the page's title and date."""
    from extract.pipeline import extract_report
    page = ("<html><head><meta name='ArticleTitle' content='靖远县2020年政府信息公开工作年度报告'>"
            "<meta name='PubDate' content='2021-01-08 09:30'></head><body><div id='zoom'>"
            "<p>靖远县2020年政府信息公开工作年度报告</p><p>附件：<a href='x.doc'>年报全文</a></p></div></body></html>")
    attachment = (seeds_dir / "004_99a88681b58e46ea.txt").read_bytes()
    result, index = extract_report([(page.encode(), "http://127.0.0.1/nb.html", {}),
                                    (attachment, "http://127.0.0.1/x.doc", {"filename": "x.doc"})])
    assert index == 1
    assert result.source == "http://127.0.0.1/nb.html"
    assert result.template == "gb2019trial" and len(result.cells) == 198
    assert result.meta.published_date == "2021-01-08" and result.meta.region_code == "620421"
    assert result.flags[0].kind == "tables_from_attachment"
    archive = Archive(tmp_path / "a.db")
    page_doc = archive.add_document(page.encode(), url="http://127.0.0.1/nb.html")
    att_doc = archive.add_document(attachment, url="http://127.0.0.1/x.doc")
    rid = archive.write_extraction(result, Sighting("http://127.0.0.1/nb.html", [page_doc, att_doc], index,
                                                    url="http://127.0.0.1/nb.html"))
    rows = archive.db.execute("select distinct document_id from cells where report_id = ?", [rid]).fetchall()
    assert rows == [(att_doc.id,)]  # every cell traceable to the attachment it was read from
    roles = archive.db.execute("select role from report_documents where report_id = ? order by role", [rid]).fetchall()
    assert roles == [("attachment",), ("page",)]


def test_review_table_with_trailing_blank_cells_is_complete():
    """A printed T4 row whose last cells are blank keeps its 15 positions: blanks are NULL, nothing shifts."""
    text = ("某县2022年政府信息公开工作年度报告\n四、政府信息公开行政复议、行政诉讼情况\n"
            "行政复议\t\t\t\t\t行政诉讼\n结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t\t\t\t\t复议后起诉\n"
            "\t\t\t\t\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计\n"
            "1\t0\t0\t0\t1\t\t\t\t\t\t\t\t\t\t\n五、存在的主要问题及改进情况\n无\n")
    result = extract_bytes(text.encode(), "t4.txt")
    cells = {(c.row, c.col): c for c in result.cells if c.table == "review_litigation"}
    assert len(cells) == 15
    assert cells[("admin_review", "total")].value == 1
    assert all(cells[(r, c)].status == "blank" for r in ("litigation_direct", "litigation_after_review")
               for c in ("upheld", "corrected", "other_result", "pending", "total"))
    assert "incomplete_table" not in {f.kind for f in result.flags}


def test_attachment_report_is_judged_by_the_page_date(seeds_dir):
    """Tables in an attachment with no dating of its own: the page's publication date decides lateness."""
    from extract.pipeline import extract_report
    page = ("<html><head><meta name='PubDate' content='2023-05-01 09:30'></head><body><div id='zoom'>"
            "<p>县政府办2022年政府信息公开工作年度报告</p><p>附件：<a href='x.doc'>年报全文</a></p></div></body></html>")
    attachment = (seeds_dir / "001_759fee5d4dfad9d3.txt").read_bytes()  # states no date (spec §6)
    result, index = extract_report([(page.encode(), "http://127.0.0.1/nb.html", {}),
                                    (attachment, "http://127.0.0.1/x.doc", {})])
    assert index == 1 and result.meta.published_date == "2023-05-01"
    # 县政府办 = the office: the government's deadline, 31 March 2023 (spec §0); 1 May is 31 days after.
    assert (result.meta.deadline, result.meta.days_late) == ("2023-03-31", 31)
    late = next(f for f in result.flags if f.kind == "late_publication")
    assert late.data["due"] == "2023-03-31" and late.data["days_late"] == 31


def test_attachment_dated_earlier_than_its_page_is_not_late(seeds_dir):
    """靖远县 2020 (issue 11): the report's own URL in its text says it was published 2021-01-08; the page carrying
    it now says 2021-12-01 (a re-post). The earliest possible date is the publication, both are kept in a flag, and
    the report is not late (deadline 2021-03-31, spec §0)."""
    from extract.pipeline import extract_report
    page = ("<html><head><meta name='PubDate' content='2021-12-01 09:30'></head><body><div id='zoom'>"
            "<p>靖远县2020年政府信息公开工作年度报告</p><p>附件：<a href='x.doc'>年报全文</a></p></div></body></html>")
    attachment = (seeds_dir / "004_99a88681b58e46ea.txt").read_bytes()  # its own text dates it 2021-01-08
    result, index = extract_report([(page.encode(), "http://127.0.0.1/nb.html", {}),
                                    (attachment, "http://127.0.0.1/x.doc", {})])
    m = result.meta
    assert index == 1 and (m.published_date, m.published_source) == ("2021-01-08", "url in text")
    assert (m.deadline, m.days_late) == ("2021-03-31", -82)
    conflict = next(f for f in result.flags if f.kind == "date_conflict")
    assert {d["date"] for d in conflict.data["dates"]} == {"2021-01-08", "2021-12-01"}
    assert "late_publication" not in {f.kind for f in result.flags}


def test_nfkc_equals_unicodedata():
    """decode.nfkc swaps full-width forms first, then normalises only if something else is left: the same result
    as unicodedata's NFKC, combining marks, half-width kana and compatibility characters included."""
    import random
    import unicodedata
    from extract.decode import nfkc
    alphabet = ("ａＡ１，（）：％　\u00a0 a1,.%年报告①²ﬁ㎡\u0301\u0308\u0327\u3099\u309a\uff76\uff9e\uff9fｶﾞ\u1100\u1161"
                "\u212b\u00c5\uf900\u2002\n")
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        assert nfkc(text) == unicodedata.normalize("NFKC", text), repr(text)
