"""PDF tables printed without ruling lines (extract/formats/pdf_unruled.py): seeds 001 and 004 rendered with
borderless tables (tests/fixtures/formats/unruled/, made by make_fixtures.py unruled) give every hand-read cell
of tests/expected_seeds.py through the pipeline, with page and box; and an empty column keeps its place."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import expected_seeds as E  # noqa: E402
from extract.formats import pdf, pdf_unruled  # noqa: E402
from extract.formats.grid import TextRowItem  # noqa: E402

pipeline = pytest.importorskip("extract.pipeline")
FIX = HERE / "fixtures" / "formats" / "unruled"


@pytest.mark.parametrize("seed", ["001_759fee5d4dfad9d3", "004_99a88681b58e46ea"])
def test_unruled_pdf_every_cell_equals_hand_read(seed):
    data = (FIX / f"{seed}.pdf").read_bytes()
    result = pipeline.extract_bytes(data, source=seed, hints={"filename": f"{seed}.pdf"})
    assert result.errors == []
    expected = E.SEEDS[seed]
    assert result.template == expected["template"]
    got = {(c.table, c.row, c.col): c for c in result.cells}
    value = lambda c: None if c.status == "blank" else c.value  # noqa: E731
    wrong = {k: (v, value(got[k]) if k in got else "missing") for k, v in expected["cells"].items()
             if k not in got or value(got[k]) != v}
    assert wrong == {}
    assert set(got) == set(expected["cells"])
    for cell in got.values():
        x0, top, x1, bottom = cell.source.bbox
        assert cell.source.page >= 1 and 0 <= x0 < x1 <= 600 and 0 <= top < bottom <= 850
    # T3 runs over a page break: its first and last rows are on different pages, in the same column
    first = got[("applications", "new_received", "total")].source
    last = got[("applications", "carried_out", "total")].source
    assert last.page > first.page
    assert first.bbox[0] == pytest.approx(last.bbox[0], abs=2.0)


def _chars(text: str, x: float, top: float, size: float = 10.0) -> list[dict]:
    return [{"text": t, "x0": x + i * size, "x1": x + (i + 1) * size, "top": top, "bottom": top + size,
             "size": size, "upright": True} for i, t in enumerate(text)]


def test_empty_column_keeps_its_place_and_prose_stays_prose():
    """Hand-placed characters: header at x 0/100/200/300, a row whose third column is empty."""
    chars = (_chars("这是一段正文没有表格", 0, 0)
             + _chars("项目", 0, 40) + _chars("甲", 100, 40) + _chars("乙", 200, 40) + _chars("丙", 300, 40)
             + _chars("规章", 0, 60) + _chars("5", 100, 60) + _chars("7", 300, 60)
             + _chars("文件", 0, 80) + _chars("1", 100, 80) + _chars("2", 200, 80) + _chars("3", 300, 80))
    items = pdf.page_items(chars, [], 3)
    rows = [it for it in items if isinstance(it, TextRowItem)]
    assert [[t for t, _ in r.cells] for r in rows] == [["项目", "甲", "乙", "丙"], ["规章", "5", "", "7"],
                                                       ["文件", "1", "2", "3"]]
    assert rows[1].cells[2][1] is None and rows[1].cells[3][1] == (300, 60, 310, 70)
    assert all(r.page == 3 for r in rows)
    prose = [it for it in items if not isinstance(it, TextRowItem)]
    assert [p.text for p in prose] == ["这是一段正文没有表格"]


def test_wrapped_label_folds_into_its_row():
    chars = (_chars("项目", 0, 0) + _chars("甲", 100, 0) + _chars("乙", 200, 0)
             + _chars("很长的", 0, 20) + _chars("4", 100, 20) + _chars("6", 200, 20)
             + _chars("标签", 0, 32))  # 2 pt under the row above: the same cell, wrapped
    rows = pdf_unruled.page_items(pdf.chars_to_lines(chars), 1, pdf._line_text)
    assert [[t for t, _ in r.cells] for r in rows] == [["项目", "甲", "乙"], ["很长的标签", "4", "6"]]
