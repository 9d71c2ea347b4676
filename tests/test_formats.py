"""Attachment parsers at ParsedDocument level: grids, merged cells, page breaks, provenance, errors.

Expected texts and values are read from the documents (the real PDFs by eye, the fixtures from the seed texts
and tests/expected_seeds.py); none were copied from the parsers' output.
"""
from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from extract.formats import parse, sniff
from extract.model import ExtractError

FIX = Path(__file__).parent / "fixtures" / "formats"
S001, S004 = "001_759fee5d4dfad9d3", "004_99a88681b58e46ea"


def load(rel: str, **hints):
    return parse((FIX / rel).read_bytes(), {"filename": rel, **hints})


def rows_of(doc, table: int) -> list[list]:
    return [line.cells for line in doc.lines if line.table == table]


def find_row(doc, first_text: str):
    for line in doc.lines:
        if line.table is not None and any(c.text.replace(" ", "") == first_text for c in line.cells):
            return line
    raise AssertionError(f"no table row with {first_text!r}")


def texts(line) -> list[str]:
    return [c.text for c in line.cells]


# ------------------------------------------------------------------------------------------------ real PDFs
@pytest.fixture(scope="module")
def huaian():
    return load("real/huaian-city-2024.pdf")


@pytest.fixture(scope="module")
def hongze23():
    return load("real/hongze-2023.pdf")


def test_pdf_meta_and_three_tables(huaian):
    assert huaian.format == "pdf"
    assert huaian.meta["pages"] == 6
    assert huaian.meta.get("ocr") is None
    # T2, T3, T4 — T2 and T3 each run over a page break and still come out as one table each
    assert {line.table for line in huaian.lines if line.table is not None} == {0, 1, 2}


def test_pdf_t3_merged_cells_and_grid(huaian):
    t3 = rows_of(huaian, 1)
    # header: the 勾稽关系 note spans 3 label columns x 3 rows, 申请人情况 spans the 7 value columns
    assert [(c.col, c.text) for c in t3[0]] == [
        (0, "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"), (3, "申请人情况")]
    assert [c.text for c in t3[2]] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    row = find_row(huaian, "一、本年新收政府信息公开申请数量")
    assert texts(row) == ["一、本年新收政府信息公开申请数量", "3001", "53", "0", "0", "61", "4", "3119"]
    assert [c.col for c in row.cells] == [0, 3, 4, 5, 6, 7, 8, 9]
    # 三、本年度办理结果 is one tall cell, printed one character per line: one text, emitted once
    results = [c for line in huaian.lines for c in line.cells if c.text == "三、本年度办理结果"]
    assert len(results) == 1 and results[0].col == 0


def test_pdf_table_over_page_break_is_one_table(huaian):
    before = find_row(huaian, "1.本机关不掌握相关政府信息")  # last T3 row on p.4
    after = find_row(huaian, "2.没有现成信息需要另行制作")  # first T3 row on p.5
    assert before.table == after.table == 1
    assert before.cells[0].page == 4 and after.cells[0].page == 5
    assert after.cells[0].row == before.cells[0].row + 1
    assert texts(after)[1:] == ["11", "0", "0", "0", "0", "0", "11"]
    # the group label Word broke over the page ("（四）无" / "法提供") is one cell again
    assert "(四)无法提供" in [c.text for c in before.cells]
    assert not any(c.text == "法提供" for line in huaian.lines for c in line.cells)


def test_pdf_t2_blocks_continue_over_page(hongze23):
    penalty = find_row(hongze23, "行政处罚")  # p.3
    licensing = find_row(hongze23, "行政许可")  # p.2
    assert penalty.table == licensing.table == 0
    assert texts(penalty) == ["行政处罚", "4119"] and penalty.cells[1].col == 1
    assert penalty.cells[0].page == 3 and licensing.cells[0].page == 2


def test_pdf_bbox_is_the_cell(hongze23):
    row = find_row(hongze23, "行政规范性文件")
    label, issued, repealed, in_force = row.cells
    assert [c.text for c in row.cells] == ["行政规范性文件", "0", "5", "5"]
    for c in row.cells:
        x0, top, x1, bottom = c.bbox
        assert 0 < x0 < x1 < 596 and 0 < top < bottom < 842  # A4 in points
    assert label.bbox[2] <= issued.bbox[0] + 1 and issued.bbox[2] <= repealed.bbox[0] + 1
    assert abs(label.bbox[1] - in_force.bbox[1]) < 1  # one row: same top


def test_pdf_label_typo_and_one_row_other_handling_kept_as_printed(hongze23):
    assert find_row(hongze23, "2.其他法律行政止公开")
    other = find_row(hongze23, "(六)其他处理")
    assert [c.text for c in other.cells if c.text] == ["(六)其他处理", "0", "0", "0", "0", "0", "0", "0"]


def test_pdf_page_numbers_dropped(hongze23):
    assert hongze23.meta["page_numbers_dropped"] == 5
    assert not any(line.joined in ("-1-", "-3-") for line in hongze23.lines)


# ------------------------------------------------------------------------------------ generated fixtures
def test_pdf_fixture_row_broken_over_page(tmp_path):
    doc = load(f"pdf/{S004}.pdf")
    # LibreOffice broke the row "4.无正当理由大量反复申请" over a page: one row, one label
    row = find_row(doc, "4.无正当理由大量反复申请")
    assert texts(row)[-7:] == ["0"] * 7
    assert not any(c.text == "当理由大量反复申请" for line in doc.lines for c in line.cells)


def test_docx_merged_cells_resolved():
    doc = load(f"docx/{S001}.docx")
    assert doc.format == "docx"
    t3 = [line for line in doc.lines if line.table == 1]
    assert [(c.col, c.text) for c in t3[1].cells] == [(3, "自然人"), (4, "法人或其他组织"), (9, "总计")]
    row = find_row(doc, "2.其他法律行政法规禁止公开")
    assert [(c.col, c.text) for c in row.cells] == [(2, "2.其他法律行政法规禁止公开")] + \
        [(3, "2"), (4, "0"), (5, "0"), (6, "0"), (7, "0"), (8, "0"), (9, "2")]
    # the vertical label is one cell at (row 5, col 0), not repeated on the 21 rows it covers
    results = [c for line in doc.lines for c in line.cells if c.text == "三、本年度办理结果"]
    assert [(c.row, c.col) for c in results] == [(5, 0)]
    # prose and tables in body order
    joined = [line.joined for line in doc.lines]
    assert joined.index("二、主动公开政府信息情况") < min(i for i, l in enumerate(doc.lines) if l.table == 0)


def test_docx_vertical_one_char_per_paragraph_header(tmp_path):
    import docx
    d = docx.Document()
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text = "结"
    for ch in "果维持":
        t.cell(0, 0).add_paragraph(ch)
    t.cell(0, 1).text = "总计"
    t.cell(1, 0).text = "3"
    buf = io.BytesIO()
    d.save(buf)
    doc = parse(buf.getvalue(), {})
    assert texts(doc.lines[0]) == ["结果维持", "总计"]
    assert texts(doc.lines[1]) == ["3", ""]  # an empty cell is a cell with text ""


@pytest.mark.parametrize("rel", [f"doc/{S001}.doc", f"doc/{S001}.wps"])
def test_doc_and_wps_via_libreoffice(rel):
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice not installed (libreoffice-writer-nogui)")
    doc = load(rel)
    assert doc.format in ("doc", "wps") and doc.meta["converted_by"] == "libreoffice"
    row = find_row(doc, "一、本年新收政府信息公开申请数量")
    assert texts(row) == ["一、本年新收政府信息公开申请数量", "17", "0", "0", "0", "0", "0", "17"]


def test_doc_that_is_html_goes_to_html_parser():
    data = "<html><body><p>二、主动公开政府信息情况</p><table><tr><td>规章</td><td>0</td></tr></table></body></html>"
    data = data.encode("utf-8")
    assert sniff(data) == "html"
    assert parse(data, {"filename": "report.doc"}).format == "html"


def test_xlsx_merged_cells_and_numbers():
    doc = load(f"xlsx/{S004}.xlsx")
    row = find_row(doc, "政府集中采购")
    assert texts(row) == ["政府集中采购", "142", "24014万元"]
    assert [c.col for c in row.cells] == [0, 1, 2]  # 24014万元 spans the last two columns: emitted once
    assert texts(find_row(doc, "行政许可")) == ["行政许可", "387", "-62", "3612"]


def test_xls():
    doc = load(f"xls/{S001}.xls")
    assert doc.format == "xls"
    assert texts(find_row(doc, "一、本年新收政府信息公开申请数量"))[-1] == "17"


# ------------------------------------------------------------------------------------------------- OCR
@pytest.fixture(scope="module")
def t4_png():
    return load("scan/001-t4.png")


def test_image_ocr_rebuilds_t4_grid(t4_png):
    assert t4_png.format == "image" and t4_png.meta["ocr"] is True
    rows = rows_of(t4_png, 0)
    assert [(c.col, c.text) for c in rows[0]] == [(0, "行政复议"), (5, "行政诉讼")]
    assert [(c.col, c.text) for c in rows[1]][5:] == [(5, "未经复议直接起诉"), (10, "复议后起诉")]
    assert len(rows[2]) == 10 and rows[2][0].col == 5
    values = rows[3]
    assert [c.col for c in values] == list(range(15))
    for c in values:  # seed 001's T4 is all zeros: each cell right, or flagged
        assert c.confidence is not None
        assert c.text == "0" or c.confidence < 0.8
    assert t4_png.meta["low_confidence_cells"] == sum(
        1 for line in t4_png.lines for c in line.cells if c.confidence is not None and c.confidence < 0.8)


# ------------------------------------------------------------------------------------------------ bad input
def _err(data: bytes, hints=None) -> ExtractError:
    with pytest.raises(ExtractError) as info:
        parse(data, hints or {})
    return info.value


def test_encrypted_pdf():
    assert _err((FIX / "bad/encrypted.pdf").read_bytes()).kind == "encrypted"


def test_truncated_pdf():
    data = (FIX / f"pdf/{S001}.pdf").read_bytes()
    assert _err(data[: len(data) // 2]).kind == "truncated"


def test_500_page_pdf_refused_quickly():
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument.new()
    for _ in range(500):
        pdf.new_page(595, 842)
    buf = io.BytesIO()
    pdf.save(buf)
    assert _err(buf.getvalue()).kind == "too_large"


def test_docx_zip_bomb_refused_before_reading():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\0" * (40 * 1024 * 1024))  # 40 MB of zeros -> ~40 KB
    err = _err(buf.getvalue())
    assert err.kind == "zip_bomb" and "word/document.xml" in err.message


def test_zip_with_word_dir_but_no_document():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/readme.txt", "not a document")
    assert _err(buf.getvalue()).kind == "not_really_docx"


def test_corrupt_image():
    assert _err(b"\x89PNG\r\n\x1a\n" + b"garbage" * 50).kind in ("corrupt", "truncated")


def test_soffice_missing_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    data = (FIX / f"doc/{S001}.doc").read_bytes()
    err = _err(data, {"filename": "x.doc"})
    assert err.kind == "converter_missing" and "libreoffice-writer-nogui" in err.message


def test_soffice_timeout_kills_the_converter():
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice not installed")
    from extract.formats import doc as doc_format
    with pytest.raises(ExtractError) as info:
        doc_format.convert((FIX / f"doc/{S001}.doc").read_bytes(), ".doc", "docx", timeout=0.05)
    assert info.value.kind == "timeout"
