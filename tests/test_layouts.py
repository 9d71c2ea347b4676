"""The seed reports rendered in the table layouts real exports produce (tests/fixtures/layouts/, made by
make_layouts.py), every cell against the values read by hand (tests/expected_seeds.py).

What a layout can show decides what a cell may be stored as. Where empty cells are shown (bars, markdown, box
drawing, a fixed-width PDF export by position, HTML and DOCX grids), every cell is exactly the hand-read value and a
blank is `blank`. Where empty cells leave no trace (one cell per paragraph, numbers one space apart in a PDF text
export), a row with an empty cell cannot be placed: its cells must be `missing` (the printed numbers go to an
`unplaced_values` flag), never `blank`, never moved; full rows are read exactly.
"""
import re
import sys
from pathlib import Path

import pytest

import expected_seeds as E
from extract.model import CELL_STATUSES, FLAG_KINDS
from extract.pipeline import extract_bytes

LAYOUT_DIR = Path(__file__).resolve().parent / "fixtures" / "layouts"
sys.path.insert(0, str(LAYOUT_DIR))
import make_layouts as M  # noqa: E402

# layout -> does it show empty cells?
LAYOUTS = {
    "bar": True, "bar_between": True, "bar_trailing": True, "markdown": True, "box": True, "pdf_layout": True,
    "html_blank_total": True, "docx_small_tables": True, "html_tab_cells": True,
    "fullwidth": False, "paragraphs": False, "split_headers": False, "pdf_text": False,
}
CASES = [(layout, seed) for layout in LAYOUTS for seed in E.SEED_IDS
         if layout != "html_tab_cells" or seed in M.TAB_SEEDS]
_cache: dict = {}


def extracted(layout: str, seed: str):
    if (layout, seed) not in _cache:
        path = next((LAYOUT_DIR / layout).glob(f"{seed}.*"))
        _cache[(layout, seed)] = extract_bytes(path.read_bytes(), str(path), {"filename": path.name})
    return _cache[(layout, seed)]


def printed_values(layout: str, seed: str) -> dict:
    """The hand-read value of every cell as this layout prints it (None: printed empty)."""
    cells = E.SEEDS[seed]["cells"]
    if layout == "html_blank_total":
        return {k: M.blank_total_value(seed, k) for k in cells}
    return dict(cells)


def row_group(key: tuple) -> tuple:
    """The cells a reader places together: a T2 or T3 row; the whole T4 (one row of 15)."""
    return key[:1] if key[0] == E.T4 else key[:2]


def allowed(layout: str, seed: str) -> dict:
    """key -> (expected value, statuses allowed)."""
    values = printed_values(layout, seed)
    if LAYOUTS[layout]:
        return {k: (v, {"blank"} if v is None else {"num"}) for k, v in values.items()}
    groups: dict[tuple, list] = {}
    for k, v in values.items():
        groups.setdefault(row_group(k), []).append(v)
    out = {}
    for k, v in values.items():
        group = groups[row_group(k)]
        if all(x is None for x in group):
            out[k] = (None, {"blank", "missing"})  # a row printed as its label only
        elif any(x is None for x in group):
            out[k] = (None, {"missing"})  # a row with an empty cell: not placeable without positions
        else:
            out[k] = (v, {"num"})
    return out


@pytest.mark.parametrize("layout,seed", CASES)
def test_every_cell(layout, seed):
    result = extracted(layout, seed)
    assert not result.errors
    got = {(c.table, c.row, c.col): c for c in result.cells}
    expected = allowed(layout, seed)
    assert set(got) <= set(expected), sorted(set(got) - set(expected))[:5]
    unread = {f.data["table"] for f in result.flags if f.kind == "table_unread"}
    wrong = {}
    for key, (value, statuses) in expected.items():
        cell = got.get(key)
        if cell is None:  # only a table none of whose values could be read is left out, and it is flagged
            if not ("missing" in statuses and key[0] in unread and not any(k[0] == key[0] for k in got)):
                wrong[key] = (value, "absent")
            continue
        if cell.status not in statuses or (value is not None and cell.value != value) or \
                (value is None and cell.value is not None):
            wrong[key] = (value, cell.status, cell.value, cell.raw)
    assert not wrong, list(wrong.items())[:8]


@pytest.mark.parametrize("layout,seed", CASES)
def test_no_printed_number_is_blank_and_none_is_lost(layout, seed):
    """A printed number is never stored as blank; each one is a cell's value or, where its column cannot be
    known, listed in an unplaced_values flag."""
    result = extracted(layout, seed)
    values = printed_values(layout, seed)
    got = {(c.table, c.row, c.col): c for c in result.cells}
    assert not [k for k, v in values.items() if v is not None and k in got and got[k].status == "blank"]
    unplaced = [v for f in result.flags if f.kind == "unplaced_values" for v in f.data["values"]]
    for key, value in values.items():
        if value is None:
            continue
        cell = got.get(key)
        if cell is not None and cell.status == "num":
            assert cell.value == value, key
        else:
            assert any(_number(u) == value for u in unplaced), (key, value)


def _number(text: str):
    digits = re.sub(r"[^\d.\-]", "", text.replace("万元", ""))
    return float(digits) if digits not in ("", "-", ".") else None


@pytest.mark.parametrize("layout,seed", CASES)
def test_missing_cells_are_flagged_with_a_reason(layout, seed):
    result = extracted(layout, seed)
    missing = {(c.table, c.row, c.col) for c in result.cells if c.status == "missing"}
    flagged = {(f.data["table"], r, c) for f in result.flags if f.kind == "missing_cells"
               for r, c in f.data["cells"]}
    assert missing == flagged
    assert all(f.data["reason"] for f in result.flags if f.kind == "missing_cells")


def test_statuses_and_flag_kinds_are_declared(seeds_dir):
    results = [extracted(layout, seed) for layout, seed in CASES]
    results += [extract_bytes(p.read_bytes(), str(p)) for p in sorted(seeds_dir.glob("*.txt"))]
    assert {c.status for r in results for c in r.cells} <= set(CELL_STATUSES)
    assert {f.kind for r in results for f in r.flags} <= set(FLAG_KINDS)
    assert {"num", "blank", "dash", "text", "derived", "missing"} <= set(CELL_STATUSES)


@pytest.mark.parametrize("seed", E.SEED_IDS)
def test_word_paste_html(seed):
    """A page pasted from Word (mso styles, conditional comments, <o:p>, a span every few characters): every
    cell as read by hand."""
    data = M.wordpaste_html(seed)
    assert 100_000 <= len(data) <= 400_000
    result = extract_bytes(data, f"{seed}.html")
    got = {(c.table, c.row, c.col): c for c in result.cells}
    assert set(got) == set(E.SEEDS[seed]["cells"])
    for key, value in E.SEEDS[seed]["cells"].items():
        assert got[key].value == value and got[key].status == ("blank" if value is None else "num"), key


def test_html_grid_blank_total_column_keeps_each_value_in_its_column():
    """The 总计 column blank on every result row and zeros printed blank (Shanghai 2019 style): a row showing one
    number keeps it under the column it is printed in; no short-row heuristic touches a grid."""
    result = extracted("html_blank_total", "001_759fee5d4dfad9d3")
    granted = {c.col: c for c in result.cells if c.table == E.T3 and c.row == "granted"}
    assert granted["natural_person"].value == 15 and granted["natural_person"].status == "num"
    assert granted["total"].value is None and granted["total"].status == "blank"
    assert not [f for f in result.flags if f.kind == "short_row"]
    r3 = next(c for c in result.checks if c.rule == "R3" and c.row == "granted")
    assert r3.status in ("fail", "uncertain")  # 15 in the row, its printed total blank: never "fixed"


def test_grid_whose_rows_do_not_line_up_is_read_as_its_text():
    """Seed 003's tab rows pasted into <td>s: its header names 法律服务机构 and 其他 on one column and the table
    has five value columns for seven. No grid column can be trusted: the rows are read as the text they are
    (`⇥⇥12⇥10⇥⇥⇥22`: 22 is the total, not 法律服务机构), and that is flagged."""
    result = extracted("html_tab_cells", "003_0b45a7d4e00025aa")
    new = {c.col: c.value for c in result.cells if c.table == E.T3 and c.row == "new_received"}
    assert [new[c] for c in E.C7] == [12, 10, None, None, None, None, 22]
    assert any(f.kind == "grid_misaligned" for f in result.flags)


def test_pdf_text_rows_broken_across_lines():
    """pdfplumber's text of the 001 PDF: "(三) 不 1.属于 0 0 0 0 0 0 0" / "予公开 国家秘" / "密"."""
    result = extracted("pdf_text", "001_759fee5d4dfad9d3")
    assert result.cell(E.T3, "denied_law_prohibited", "natural_person").value == 2  # "2.其他" + 法律行政法规…
    assert result.cell(E.T3, "other_misc", "total").value == 0
    assert result.cell(E.T3, "new_received", "total").value == 17


def test_unplaced_numbers_are_reported_not_guessed():
    """Seed 003 one cell per paragraph: "12", "10", "22" under a row of seven columns with four empty ones not
    shown. Which columns they are in is not printed: the row's cells are missing, the numbers in a flag."""
    result = extracted("paragraphs", "003_0b45a7d4e00025aa")
    assert not [c for c in result.cells if c.table == E.T3 and c.status == "num"]
    flag = next(f for f in result.flags if f.kind == "unplaced_values" and f.data["row"] == "new_received")
    assert flag.data["values"] == ["12", "10", "22"]
    assert any(f.kind == "table_unread" and f.data["table"] == E.T3 for f in result.flags)
    assert not [c for c in result.checks if c.table == E.T3]  # a table not read is not checked


def test_fixed_width_columns_by_position():
    """pdfplumber's layout text of seed 003: "12    10                            22" lands in 自然人, 商业企业
    and 总计 by position (its 总计 header was lost; the column is where its values are), the rest blank."""
    result = extracted("pdf_layout", "003_0b45a7d4e00025aa")
    row = {c.col: c for c in result.cells if c.table == E.T3 and c.row == "new_received"}
    assert [row[c].value for c in E.C7] == [12, 10, None, None, None, None, 22]
    assert [row[c].status for c in E.C7] == ["num", "num", "blank", "blank", "blank", "blank", "num"]


def test_html_layout_table_and_table_in_a_cell():
    """An old portal lays the page out with a table around the article: the report table inside it is still a
    table. A data table with a small table inside one cell stays one table (the inner text is that cell's)."""
    from extract.formats.html import parse
    page = ("<html><body><table><tr><td>导航</td><td><div id=zoom><p>一、总体情况</p><table><tr><td>规章</td>"
            "<td>0</td><td>0</td><td>1</td></tr></table></div></td></tr></table></body></html>").encode()
    rows = [(l.table, l.texts) for l in parse(page, {}).lines]
    assert rows == [(None, ["一、总体情况"]), (0, ["规章", "0", "0", "1"])]
    page = ("<html><body><div id=zoom><table><tr><td>规章</td><td>0</td><td>0</td><td><table><tr><td>注</td></tr>"
            "</table>1</td></tr></table></div></body></html>").encode()
    assert [(l.table, l.texts) for l in parse(page, {}).lines] == [(0, ["规章", "0", "0", "注1"])]
