"""The hand-read truth (tests/expected_seeds.py), the seed texts and the HTML fixtures must agree.

* HTML: each page is parsed with BeautifulSoup, its report tables found, their merged-cell structure checked against
  the national template (spec §2) and every value cell compared with expected_seeds — a typo in either place fails.
* Seed text: the numeric cells inside each table's line range, in reading order, must be exactly the non-blank
  expected values in template order; T4 rows of the tab-separated seeds are also checked position by position.
* Rules: the hand-worked `checks_failing` sets are recomputed from the expected cells (blanks read as zero).
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parent))
import expected_seeds as E  # noqa: E402

HTML_DIR = Path(__file__).resolve().parents[1] / "crawler" / "sample_portals" / "content" / "html"
SHARED = Path(os.environ.get("NIANBAO_SHARED") or Path(__file__).resolve().parents[2] / "shared")
SEEDS_DIR = SHARED / "seeds"
GBK_SEEDS = {"000_2a90619c97eddfaa", "004_99a88681b58e46ea"}


# ------------------------------------------------------------------------------------------------------- helpers
def page_bytes(seed_id: str) -> bytes:
    return (HTML_DIR / f"{seed_id}.html").read_bytes()


def decode(seed_id: str) -> str:
    data = page_bytes(seed_id)
    return data.decode("gb18030" if seed_id in GBK_SEEDS else "utf-8")


_SOUPS: dict[str, BeautifulSoup] = {}


def soup(seed_id: str) -> BeautifulSoup:
    if seed_id not in _SOUPS:
        _SOUPS[seed_id] = BeautifulSoup(decode(seed_id), "html.parser")
    return _SOUPS[seed_id]


def text_of(cell) -> str:
    return re.sub(r"\s+", "", cell.get_text().replace("\xa0", " "))


def report_tables(seed_id: str) -> dict:
    """The report tables of a page (innermost tables only: 004's chrome is laid out with tables)."""
    found = {}
    for table in soup(seed_id).find_all("table"):
        if table.find("table"):
            continue
        text = text_of(table)
        if "第二十" in text:
            found[E.T2] = table
        elif "勾稽" in text:
            found[E.T3] = table
        elif re.search("行政[复複][议議]", text) and re.search("行政[诉訴][讼訟]", text):
            found[E.T4] = table
    return found


def grid(table) -> list[list]:
    """Rows with spans resolved: grid[r][c] is the originating <td>/<th> (the same object across its span)."""
    out: list[list] = []
    for r, tr in enumerate(table.find_all("tr")):
        while len(out) <= r:
            out.append([])
        c = 0
        for cell in tr.find_all(["td", "th"], recursive=False):
            while c < len(out[r]) and out[r][c] is not None:
                c += 1
            rs, cs = int(cell.get("rowspan", 1)), int(cell.get("colspan", 1))
            for dr in range(rs):
                while len(out) <= r + dr:
                    out.append([])
                row = out[r + dr]
                while len(row) < c + cs:
                    row.append(None)
                for dc in range(cs):
                    row[c + dc] = cell
            c += cs
    return out


def value(cell):
    """A value cell as a number; an empty cell (or &nbsp;) is None."""
    raw = text_of(cell)
    if raw == "":
        return None
    if raw.endswith("万元"):
        return float(raw[:-2])
    return float(raw) if "." in raw else int(raw)


def span(cell) -> tuple[int, int]:
    return int(cell.get("rowspan", 1)), int(cell.get("colspan", 1))


# ------------------------------------------------------------------------------------------------------- encoding
@pytest.mark.parametrize("seed_id", E.SEED_IDS)
def test_encoding_and_charset_declaration(seed_id):
    data = page_bytes(seed_id)
    head = data[:600].decode("ascii", errors="replace").lower()
    if seed_id in GBK_SEEDS:
        assert "charset=gb2312" in head.replace('"', "").replace(" ", "")
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    else:
        data.decode("utf-8")
        if seed_id == "002_17501a4b6fe8e48c":
            assert "charset" not in head  # relies on the HTTP header
        else:
            assert "charset=utf-8" in head


def test_gbk_page_keeps_a_character_outside_gb2312():
    # 004's phone number "0943—6130500": U+2014 has a GBK code but none in GB2312.
    assert "0943—6130500" in decode("004_99a88681b58e46ea")


# ------------------------------------------------------------------------------------------------------- tables
@pytest.mark.parametrize("seed_id", E.SEED_IDS)
def test_page_has_exactly_the_report_tables(seed_id):
    assert set(report_tables(seed_id)) == set(E.SEEDS[seed_id]["tables"])


@pytest.mark.parametrize("seed_id", [s for s in E.SEED_IDS if E.T3 in E.SEEDS[s]["tables"]])
def test_t3_structure_and_values(seed_id):
    seed = E.SEEDS[seed_id]
    rows = E.T3_ROWS[seed["template"]]
    table = report_tables(seed_id)[E.T3]
    g = grid(table)
    assert len(g) == 3 + len(rows) and all(len(r) == 10 for r in g)

    # header: note cell 3×3, 申请人情况 ×7, 自然人 rowspan 2, 法人或其他组织 ×5, 总计 rowspan 2
    assert span(g[0][0]) == (3, 3) and "勾稽" in text_of(g[0][0])
    assert span(g[0][3]) == (1, 7)
    assert span(g[1][3]) == (2, 1) and span(g[1][4]) == (1, 5) and span(g[1][9]) == (2, 1)
    assert [span(g[2][c]) for c in range(4, 9)] == [(1, 1)] * 5

    # 三、本年度办理结果 and the group labels (三)(四)(五)(六)
    results = g[5][0]
    assert span(results) == ((22, 1) if seed["template"] == "gb2021" else (20, 1))
    first = {row: 3 + i for i, row in enumerate(rows)}
    assert span(g[first["denied_state_secret"]][1]) == (8, 1)
    assert span(g[first["unable_not_held"]][1]) == (3, 1)
    assert span(g[first["unprocessed_petition"]][1]) == (5, 1)
    if seed["template"] == "gb2021":
        assert span(g[first["other_no_correction"]][1]) == (3, 1)
    else:
        assert span(g[first["other_handling"]][1]) == (1, 2)
    for row in ("new_received", "carried_in", "carried_out"):
        assert span(g[first[row]][0]) == (1, 3)
    assert span(g[first["results_total"]][1]) == (1, 2)

    got = {}
    for i, row in enumerate(rows):
        cells = g[3 + i][3:]
        assert all(span(c) == (1, 1) for c in cells)
        for col, cell in zip(E.C7, cells):
            got[(E.T3, row, col)] = value(cell)
    assert got == E.cells_of(seed_id, E.T3)


@pytest.mark.parametrize("seed_id", E.SEED_IDS)
def test_t4_structure_and_values(seed_id):
    table = report_tables(seed_id)[E.T4]
    trs = table.find_all("tr")
    assert len(trs) == 4
    h1, h2, h3, data = ([c for c in tr.find_all(["td", "th"], recursive=False)] for tr in trs)
    assert [span(c) for c in h1] == [(1, 5), (1, 10)]
    assert [span(c) for c in h2] == [(2, 1)] * 5 + [(1, 5), (1, 5)]
    assert len(h3) == 10
    assert len(data) == 15
    got = {(E.T4, r, c): value(cell)
           for cell, (r, c) in zip(data, [(r, c) for r in E.T4_ROWS for c in E.T4_COLS])}
    assert got == E.cells_of(seed_id, E.T4)


@pytest.mark.parametrize("seed_id", E.SEED_IDS)
def test_t2_structure_and_values(seed_id):
    seed = E.SEEDS[seed_id]
    layout = E.T2_LAYOUT[seed["template"]]
    table = report_tables(seed_id)[E.T2]
    data_rows, blocks = [], 0
    for tr in table.find_all("tr"):
        cells = tr.find_all(["td", "th"], recursive=False)
        first = text_of(cells[0])
        if first.startswith("第二十"):
            assert span(cells[0]) == (1, 4) and len(cells) == 1
            blocks += 1
        elif not first.startswith("信息内") and not first.startswith("信息內"):
            data_rows.append(cells)
        assert sum(span(c)[1] for c in cells) == 4
    assert blocks == (4 if seed["template"] == "gb2021" else 5)
    assert len(data_rows) == len(layout)
    got = {}
    for cells, (row, cols) in zip(data_rows, layout):
        assert len(cells) == 1 + len(cols), row
        for col, cell in zip(cols, cells[1:]):
            got[(E.T2, row, col)] = value(cell)
    assert got == E.cells_of(seed_id, E.T2)


# ------------------------------------------------------------------------------------------------------- prose
@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="shared/seeds not available")
@pytest.mark.parametrize("seed_id", E.SEED_IDS)
def test_every_prose_line_of_the_seed_is_on_the_page(seed_id):
    seed = E.SEEDS[seed_id]
    inside = {n for a, b in seed["table_lines"].values() for n in range(a, b + 1)}
    page = re.sub(r"\s+", "", soup(seed_id).get_text().replace("\xa0", " "))
    lines = (SEEDS_DIR / f"{seed_id}.txt").read_text(encoding="utf-8").split("\n")
    for n, line in enumerate(lines, 1):
        text = re.sub(r"\s+", "", line.replace("**", ""))
        if n not in inside and text:
            assert text in page, f"{seed_id} l.{n} missing from the page"


def test_chrome_adds_no_place_where_the_seed_has_none():
    # 001 names 栾川 only in the body: the page chrome (outside the article) must not name it either.
    page = BeautifulSoup(decode("001_759fee5d4dfad9d3"), "html.parser")
    page.find(id="zoom").decompose()
    assert "栾川" not in page.get_text()
    # 002 is a mirror copy: no government site identity that would settle its disputed region.
    assert "网站标识码" not in decode("002_17501a4b6fe8e48c") and "ICP" not in decode("002_17501a4b6fe8e48c")


# ------------------------------------------------------------------------------------------------------- seeds
_NUMERIC = re.compile(r"^-?\d+(\.\d+)?(万元)?$")


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="shared/seeds not available")
@pytest.mark.parametrize("seed_id", E.SEED_IDS)
def test_expected_values_are_the_numeric_cells_of_the_seed(seed_id):
    seed = E.SEEDS[seed_id]
    lines = (SEEDS_DIR / f"{seed_id}.txt").read_text(encoding="utf-8").split("\n")
    for table, (a, b) in seed["table_lines"].items():
        tokens = []
        for line in lines[a - 1:b]:
            for cell in line.split("\t"):
                cell = cell.replace("[bookmark: _GoBack]", "").strip()
                if _NUMERIC.match(cell):
                    tokens.append(float(cell.removesuffix("万元")))
        expected = [v for v in E.cells_of(seed_id, table).values() if v is not None]
        assert tokens == expected, table


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="shared/seeds not available")
@pytest.mark.parametrize("seed_id,line", [("000_2a90619c97eddfaa", 60), ("001_759fee5d4dfad9d3", 87),
                                          ("003_0b45a7d4e00025aa", 79)])
def test_t4_positions_in_tab_separated_seeds(seed_id, line):
    fields = (SEEDS_DIR / f"{seed_id}.txt").read_text(encoding="utf-8").split("\n")[line - 1].split("\t")
    assert len(fields) == 15
    printed = [int(f) if f.strip() else None for f in fields]
    assert printed == list(E.cells_of(seed_id, E.T4).values())


# ------------------------------------------------------------------------------------------------------- rules
def failing_checks(seed: dict) -> set:
    """R1–R6 of spec §4 over the expected cells, blanks read as zero."""
    cells = seed["cells"]
    out = set()

    def v(table, row, col):
        return cells.get((table, row, col)) or 0

    if E.T3 in seed["tables"]:
        rows, leaves = E.T3_ROWS[seed["template"]], E.T3_LEAVES[seed["template"]]
        for col in E.C7:
            if v(E.T3, "new_received", col) + v(E.T3, "carried_in", col) != \
                    v(E.T3, "results_total", col) + v(E.T3, "carried_out", col):
                out.add(("R1", E.T3, None, col))
            if v(E.T3, "results_total", col) != sum(v(E.T3, r, col) for r in leaves):
                out.add(("R2", E.T3, "results_total", col))
        for row in rows:
            if v(E.T3, row, "total") != sum(v(E.T3, row, c) for c in E.C6):
                out.add(("R3", E.T3, row, "total"))
    for rule, row in zip(("R4", "R5", "R6"), E.T4_ROWS):
        if v(E.T4, row, "total") != sum(v(E.T4, row, c) for c in E.T4_COLS[:-1]):
            out.add((rule, E.T4, row, "total"))
    return out


@pytest.mark.parametrize("seed_id", E.SEED_IDS)
def test_hand_worked_failing_checks(seed_id):
    assert failing_checks(E.SEEDS[seed_id]) == E.SEEDS[seed_id]["checks_failing"]


def test_cell_counts():
    counts = {s: len(E.SEEDS[s]["cells"]) for s in E.SEED_IDS}
    assert counts == {"000_2a90619c97eddfaa": 25, "001_759fee5d4dfad9d3": 200, "002_17501a4b6fe8e48c": 200,
                      "003_0b45a7d4e00025aa": 200, "004_99a88681b58e46ea": 198}
    assert len(E.SEEDS["003_0b45a7d4e00025aa"]["statuses"]) == 178  # 3 T2 + 168 T3 + 7 T4 blanks
