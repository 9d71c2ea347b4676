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


# ------------------------------------------------------------------------- the two PDF text-layer readers
def _layout(doc) -> list:
    """What a ParsedDocument says, with cell boxes to the point (prose boxes differ by the font's descent)."""
    return [(line.table, [(c.text, c.row, c.col, c.page,
                           tuple(round(v) for v in c.bbox) if line.table is not None else None)
                          for c in line.cells]) for line in doc.lines]


@pytest.mark.parametrize("rel", ["real/hongze-2023.pdf", f"pdf/{S001}.pdf"])
def test_pdf_pypdfium2_reader_equals_pdfplumber_reader(rel, hongze23):
    """pypdfium2 (default, ~8x faster) and pdfplumber (fallback) give the same document: hongze-2023 has a
    label printed one character per line, white shading boxes and fake bold; 001 runs T2 and T3 over page breaks."""
    fast = hongze23 if rel == "real/hongze-2023.pdf" else load(rel)
    slow = load(rel, pdf_reader="pdfplumber")
    assert fast.meta["text_layer"] == "pypdfium2" and slow.meta["text_layer"] == "pdfplumber"
    fast_layout, slow_layout = _layout(fast), _layout(slow)
    assert [(t, [c[:4] for c in cells]) for t, cells in fast_layout] == \
        [(t, [c[:4] for c in cells]) for t, cells in slow_layout]
    for (_, a), (_, b) in zip(fast_layout, slow_layout):  # cell boxes within a point
        for ca, cb in zip(a, b):
            assert ca[4] is None or all(abs(x - y) <= 1 for x, y in zip(ca[4], cb[4]))


def test_pdf_page_pdfium_cannot_read_goes_to_pdfplumber(monkeypatch):
    """A page pypdfium2 fails on is read by pdfplumber (with a warning), not lost and not OCR'd."""
    from extract.formats import pdfium_layer
    expected = _layout(load(f"pdf/{S001}.pdf"))
    real, calls = pdfium_layer.read_page, []

    def fail_on_page_2(page, *args):  # pages are read in order, once each
        calls.append(page)
        if len(calls) == 2:
            raise RuntimeError("broken content stream")
        return real(page, *args)

    monkeypatch.setattr(pdfium_layer, "read_page", fail_on_page_2)
    doc = load(f"pdf/{S001}.pdf")
    assert doc.meta["text_layer"] == "pypdfium2+pdfplumber" and doc.meta.get("ocr") is None
    assert doc.warnings == ["page 2: pypdfium2 could not read the text layer (broken content stream); "
                            "trying pdfplumber"]
    assert [(t, [c[:4] for c in cells]) for t, cells in _layout(doc)] == \
        [(t, [c[:4] for c in cells]) for t, cells in expected]


from pdfgen import pdf_from_objects as _pdf  # noqa: E402


def _stream(content: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(content), extra) + content + b"\nendstream"


def test_pdf_form_xobject_shading_fake_bold_and_rotated_page():
    """Hand-written PDF: a 2x3 table drawn inside a form XObject placed by `cm` (its lines and text must be
    moved with it), a white box behind a header cell (not a ruling line), a "7" printed twice 0.3 pt apart
    (one 7), and a second page with /Rotate 90 whose text is drawn turned (read by the pdfplumber fallback)."""
    font = b"/Font << /F1 3 0 R >>"
    table = (b"0.5 w 0 0 m 300 0 l 0 50 m 300 50 l 0 100 m 300 100 l S\n"
             b"0 0 m 0 100 l 100 0 m 100 100 l 200 0 m 200 100 l 300 0 m 300 100 l S\n"
             b"1 g 105 55 60 30 re f 0 g\n"
             b"BT /F1 12 Tf 10 70 Td (Name) Tj 100 0 Td (Count) Tj 100 0 Td (Total) Tj ET\n"
             b"BT /F1 12 Tf 10 20 Td (Apples) Tj 100 0 Td (7) Tj ET\n"
             b"BT /F1 12 Tf 110.3 20 Td (7) Tj ET\n"
             b"BT /F1 12 Tf 210 20 Td (7) Tj ET")
    data = _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R 6 0 R] /Count 2 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << " + font
        + b" /XObject << /Fm1 7 0 R >> >> /Contents 5 0 R >>",
        _stream(b"BT /F1 14 Tf 100 700 Td (Annual report 2023) Tj ET\nq 1 0 0 1 100 500 cm /Fm1 Do Q"),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Rotate 90 /Resources << " + font
        + b" >> /Contents 8 0 R >>",
        _stream(table, b"/Type /XObject /Subtype /Form /BBox [0 0 300 100] /Resources << " + font + b" >>"),
        _stream(b"BT /F1 12 Tf 0 1 -1 0 100 100 Tm (Second page, turned a quarter) Tj ET"),
    ])
    for reader, used in (("pypdfium2", "pypdfium2+pdfplumber"), ("pdfplumber", "pdfplumber")):
        doc = parse(data, {"pdf_reader": reader})
        assert doc.meta["text_layer"] == used and doc.warnings == []
        assert [(line.table, line.texts) for line in doc.lines] == [
            (None, ["Annual report 2023"]),
            (0, ["Name", "Count", "Total"]),
            (0, ["Apples", "7", "7"]),
            (None, ["Second page, turned a quarter"])]
        name, count, total = doc.lines[1].cells
        assert (name.page, name.bbox) == (1, (100.0, 192.0, 200.0, 242.0))  # 792 - (500 + 100) = 192
        assert [c.col for c in doc.lines[2].cells] == [0, 1, 2] and doc.lines[3].cells[0].page == 2


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


# DOC / WPS through LibreOffice: tests/test_formats_e2e.py converts each fixture once and checks its format,
# its converter and every keyed cell (one conversion costs ~1.5 s, so it is not repeated here).


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
T4_PNG = "scan/001-t4.png"  # seed 001's T4 as a scan: a 3-level header and one row of 15 zeros


@pytest.fixture(scope="module")
def t4_boxes():
    """What the recogniser reads on the T4 scan: the slow step (seconds), run once; the tests replay it."""
    import numpy as np
    from PIL import Image
    from extract.formats import image
    return image._recognise(np.asarray(Image.open(FIX / T4_PNG).convert("L")))


def parse_t4(boxes, monkeypatch):
    from extract.formats import image
    monkeypatch.setattr(image, "_recognise", lambda gray: [dict(b) for b in boxes])
    return load(T4_PNG)


@pytest.fixture(scope="module")
def t4_png(t4_boxes):
    with pytest.MonkeyPatch.context() as mp:
        return parse_t4(t4_boxes, mp)


def test_image_ocr_rebuilds_t4_grid(t4_png):
    from extract.formats.image import LOW_CONFIDENCE
    assert t4_png.format == "image" and t4_png.meta["ocr"] is True
    rows = rows_of(t4_png, 0)
    assert [(c.col, c.text) for c in rows[0]] == [(0, "行政复议"), (5, "行政诉讼")]
    assert [(c.col, c.text) for c in rows[1]][5:] == [(5, "未经复议直接起诉"), (10, "复议后起诉")]
    assert len(rows[2]) == 10 and rows[2][0].col == 5
    values = rows[3]
    assert [c.col for c in values] == list(range(15))
    for c in values:  # seed 001's T4 is all zeros: each cell right, or flagged
        assert c.confidence is not None
        assert c.text == "0" or c.confidence < LOW_CONFIDENCE
    assert t4_png.meta["low_confidence_cells"] == sum(
        1 for line in t4_png.lines for c in line.cells if c.confidence is not None and c.confidence < LOW_CONFIDENCE)


def test_ocr_right_lone_digits_are_not_flagged(t4_png, t4_boxes):
    """The recogniser scores a lone "0" 0.6-0.8 (its doubt is "O" / "o"); the second read must not flag it."""
    from extract.formats.image import LOW_CONFIDENCE
    values = rows_of(t4_png, 0)[3]
    assert [c.text for c in values] == ["0"] * 15
    assert any(b["text"] == "0" and b["score"] < LOW_CONFIDENCE for b in t4_boxes)  # the case is really there
    assert all(c.confidence >= LOW_CONFIDENCE for c in values)
    assert t4_png.meta["low_confidence_cells"] == 0


def _misread_one_zero(t4_boxes, text="8", score=0.7):
    boxes = [dict(b) for b in t4_boxes]
    victim = [b for b in boxes if b["text"] == "0"][1]  # 行政复议 / 纠正结果
    victim.update(text=text, score=score)
    return boxes


def test_ocr_misread_digit_is_flagged(t4_boxes, monkeypatch):
    """The page pass reads one "0" as "8" (score 0.7). The second read of that cell sees "0": the reads
    disagree, so the wrong cell keeps its low score and is flagged."""
    from extract.formats.image import LOW_CONFIDENCE
    doc = parse_t4(_misread_one_zero(t4_boxes), monkeypatch)
    values = rows_of(doc, 0)[3]
    wrong = [c for c in values if c.text != "0"]
    assert [(c.col, c.text) for c in wrong] == [(1, "8")]
    assert wrong[0].confidence < LOW_CONFIDENCE
    assert doc.meta["low_confidence_cells"] == 1


def test_ocr_misread_both_reads_share_is_caught_by_a_check(t4_boxes, monkeypatch):
    """When the second read makes the same mistake with confidence, no OCR score can tell: the wrong cell
    passes the flag, and the T4 check (total = sum of the results) must fail on its row."""
    from extract.formats import image
    from extract.pipeline import extract_document
    # the second read now takes every lone digit on this page for an "8", with confidence
    monkeypatch.setattr(image, "read_crops", lambda crops: [("8", [0.97]) for _ in crops])
    doc = parse_t4(_misread_one_zero(t4_boxes), monkeypatch)
    result = extract_document(doc, T4_PNG)
    wrong = [c for c in result.cells if c.value != 0]
    assert [(c.row, c.col, c.value) for c in wrong] == [("admin_review", "corrected", 8)]
    assert wrong[0].source.confidence >= image.LOW_CONFIDENCE  # not flagged...
    assert ("admin_review", "fail") in {(c.row, c.status) for c in result.checks}  # ...but caught


def test_ctc_confidence_discounts_only_latin_look_alikes():
    """The value confidence of a read: the winner's probability among readings possible in a table cell."""
    import numpy as np
    from extract.formats.image import decode_ctc
    alphabet = ["blank", "0", "8", "O", "o", "一", " "]

    def step(**p):
        row = np.zeros(len(alphabet))
        for name, v in p.items():
            row[alphabet.index({"zero": "0", "eight": "8", "one": "一"}.get(name, name))] = v
        return row

    # "0" against "O"/"o": the letters are no possible reading, the value is certain
    assert decode_ctc(np.array([step(zero=0.6, O=0.3, o=0.1)]), alphabet) == ("0", [1.0])
    # "0" against "8", against "一" (a dash), against blank (a dropped character): real doubt, kept
    for rival in ("eight", "one", "blank"):
        text, conf = decode_ctc(np.array([step(zero=0.6, O=0.1, **{rival: 0.3})]), alphabet)
        assert text == "0" and conf[0] == pytest.approx(0.6 / 0.9)
    # CTC: a class repeated over time steps is one character, a blank between two makes two
    probs = np.array([step(zero=1.0), step(zero=1.0), step(blank=1.0), step(zero=0.9, eight=0.1)])
    assert decode_ctc(probs, alphabet) == ("00", [1.0, 0.9])


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
