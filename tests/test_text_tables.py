"""Text tables as real exports print them (the cases of issue 12), the cell grammar, units, `missing` in the
checks, and the 栾川 DOCX. Values are those printed in each small document below (written by hand here)."""
from extract.checks import run_checks
from extract.decode import clean_text
from extract.formats.text import tokenize
from extract.model import KeyedCell
from extract.pipeline import extract_bytes
from extract.values import cell_kind, parse_number

T2, T3, T4 = "active_disclosure", "applications", "review_litigation"
C7 = ["natural_person", "org_commercial", "org_research", "org_public_welfare", "org_legal_service", "org_other",
      "total"]

HEAD = "某县2022年政府信息公开工作年度报告\n一、总体情况\n本年度工作正常。\n"


def lines_of(text: str):
    """The lines of a text, blank lines (no cell at all) left out."""
    return [l for l in tokenize(clean_text(text)[0]) if not (l.sep is None and l.texts == [""])]


def cells(result, table, row):
    return {c.col: c for c in result.cells if c.table == table and c.row == row}


def test_bar_rows_every_cell_read():
    """`一、本年新收政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |` came out all blank before."""
    text = HEAD + "三、收到和处理政府信息公开申请情况\n" + "\n".join([
        "(本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和) | 申请人情况 |",
        "一、本年新收政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |",
        "二、上年结转政府信息公开申请数量 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
        "三、本年度办理结果 | (一)予以公开 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |",
        "(二)部分公开(区分处理的,只计这一情形,不计其他情形) | 0 | | | | | | 0 |",
    ]) + "\n"
    result = extract_bytes(text.encode(), "bar.txt")
    new = cells(result, T3, "new_received")
    assert [new[c].value for c in C7] == [1, 0, 0, 0, 0, 0, 1]
    partial = cells(result, T3, "partially_granted")  # a closed row: its empty cells are printed blanks
    assert [partial[c].status for c in C7] == ["num"] + ["blank"] * 5 + ["num"]


def test_markdown_table_from_an_ocr_export():
    """`| 本年新收政府信息公开申请数量 | 705 | 3 | 0 | 0 | 5 | 0 | 713 |`: 161 cells, all blank, before."""
    text = HEAD + "三、收到和处理政府信息公开申请情况\n" + "\n".join([
        "| | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |",
        "|---|:---:|---|---|---|---|---|---|",
        "| 本年新收政府信息公开申请数量 | 705 | 3 | 0 | 0 | 5 | 0 | 713 |",
        "| 上年结转政府信息公开申请数量 | 12 | 0 | 0 | 0 | 0 | 0 | 12 |",
        "| (一)予以公开 | 400 | 1 | | | | | |",
    ]) + "\n"
    result = extract_bytes(text.encode(), "ocr.md")
    new = cells(result, T3, "new_received")
    assert [new[c].value for c in C7] == [705, 3, 0, 0, 5, 0, 713]
    granted = cells(result, T3, "granted")  # 总计 left blank: 400 stays under 自然人, not moved to 总计
    assert granted["natural_person"].value == 400 and granted["total"].status == "blank"


def test_t2_values_on_bar_lines():
    """行政许可 2910, 行政处罚 46 and 收费 0.092 printed on `|`-separated lines were stored as blank."""
    text = HEAD + "二、主动公开政府信息情况\n" + "\n".join([
        "第二十条第（五）项 |", "信息内容 | 本年处理决定数量 |", "行政许可 | 2910 |",
        "第二十条第（六）项 |", "信息内容 | 本年处理决定数量 |", "行政处罚 | 46 |", "行政强制 | 0 |",
        "第二十条第（八）项 |", "信息内容 | 本年收费金额（单位：万元） |", "行政事业性收费 | 0.092 |",
    ]) + "\n"
    result = extract_bytes(text.encode(), "t2.txt")
    got = {(c.row, c.col): (c.value, c.status, c.unit) for c in result.cells if c.table == T2}
    assert got[("admin_licensing", "decisions")] == (2910, "num", "件")
    assert got[("admin_penalty", "decisions")] == (46, "num", "件")
    assert got[("admin_fees", "fee_amount")] == (0.092, "num", "万元")
    assert "unit_assumed" not in {f.kind for f in result.flags}  # the header prints 万元


def procurement(header: str, amount: str):
    """A report whose T2 block (九) has the amount column `header` and prints `amount` in it."""
    text = HEAD + "二、主动公开政府信息情况\n" + "\n".join([
        "第二十条第（九）项", f"信息内容\t采购项目数量\t{header}", f"政府集中采购\t12\t{amount}"]) + "\n"
    result = extract_bytes(text.encode(), "proc.txt")
    return result, result.cell(T2, "central_procurement", "procurement_amount")


def test_amount_without_a_unit_is_flagged():
    """采购总金额 8040, no unit in the cell or the header: 万元 is assumed, and said so."""
    result, amount = procurement("采购总金额", "8040")
    assert (amount.value, amount.unit, amount.raw) == (8040, "万元", "8040")
    flag = next(f for f in result.flags if f.kind == "unit_assumed")
    assert flag.data["assumed"] == "万元" and flag.data["raw"] == "8040"


def test_amount_in_yuan_by_its_header_is_converted():
    result, amount = procurement("采购总金额（元）", "80400000")
    assert (amount.value, amount.unit, amount.raw) == (8040, "万元", "80400000")
    assert "unit_assumed" not in {f.kind for f in result.flags}
    result, amount = procurement("采购总金额", "8040万元")
    assert (amount.value, amount.unit) == (8040, "万元") and "unit_assumed" not in {f.kind for f in result.flags}


def test_tokenizer_separators():
    assert [l.texts for l in lines_of("规章│0│0│1\n")] == [["规章", "0", "0", "1"]]
    assert [l.texts for l in lines_of("┃ 行政许可 ┃ 12 ┃\n")] == [["行政许可", "12"]]
    assert [l.texts for l in lines_of("行政许可｜12｜\n")] == [["行政许可", "12"]]  # full-width bar (NFKC)
    assert lines_of("|---|:--:|\n├──┼──┤\n+----+----+\n") == []  # rule lines
    fixed = lines_of("行政许可\u3000\u3000\u30008771\u3000\u3000 12\n")[0]  # U+3000 runs (NFKC: spaces)
    assert fixed.texts == ["行政许可", "8771", "12"] and fixed.sep == "space" and fixed.offsets[0] == 0
    words = lines_of("一、本年新收政府信息公开申 17 0 0 0 0 0 17\n")[0]
    assert words.texts == ["一、本年新收政府信息公开申", "17", "0", "0", "0", "0", "0", "17"]
    assert lines_of("规章 12 件 3 件\n")[0].texts == ["规章", "12件", "3件"]  # a unit apart from its number
    assert lines_of("湟中区 2023 年度报告\n")[0].texts == ["湟中区 2023 年度报告"]  # not a row
    assert lines_of("- 3 -\n第 4 页\n") == []  # page numbers of a PDF export
    assert lines_of("2\n.其他法律行政法规禁止公开 0\n")[0].texts == ["2.其他法律行政法规禁止公开", "0"]


def test_bar_streams():
    """One cell per line between `|` lines: two bars with nothing between (or a bar that ends a row) enclose an
    empty cell. Cells ending in ` |`: a bar alone is an empty cell."""
    between = [l.texts for l in lines_of("规章\n|\n0\n|\n|\n1\n\n行政许可\n|\n5\n|\n\n")]
    assert between == [["规章"], ["0"], [""], ["1"], ["行政许可"], ["5"], [""]]
    trailing = [l.texts for l in lines_of("规章 |\n\n0 |\n\n |\n\n1 |\n行政许可 |\n")]
    assert trailing == [["规章"], ["0"], [""], ["1"], ["行政许可"]]


def test_cell_grammar():
    for text, value, unit in [("6,045件", 6045, None), ("1，234", 1234, None), ("8771*", 8771, None),
                              ("12^1", 12, None), ("12(注1)", 12, None), ("24014万元", 24014, "万元"),
                              ("251000元", 25.1, "万元"), ("1.5亿元", 15000, "万元"), ("−62", -62, None),
                              ("+1036", 1036, None)]:
        assert cell_kind(text) == "value", text
        got = parse_number(text)
        assert got[0] == value and (unit is None or got[1] == unit), (text, got)
    assert [cell_kind(t) for t in ("", "－", "/", "无", "—", "见附件")] == ["empty", "dash", "dash", "dash",
                                                                        "dash", "label"]
    assert clean_text("12¹ 12①")[0] == "12^1 12(1)"  # NFKC would have made them 121


def test_missing_is_never_zero_in_checks():
    cells = [KeyedCell(T4, "admin_review", "upheld", 1, "1", "num"),
             KeyedCell(T4, "admin_review", "corrected", None, "", "missing"),
             KeyedCell(T4, "admin_review", "other_result", None, "", "blank"),
             KeyedCell(T4, "admin_review", "pending", 0, "0", "num"),
             KeyedCell(T4, "admin_review", "total", 1, "1", "num")]
    r4 = next(c for c in run_checks(cells, "gb2021") if c.rule == "R4")
    assert (r4.status, r4.strict, r4.blank_as_zero) == ("uncertain", "uncertain", "uncertain")
    cells[1] = KeyedCell(T4, "admin_review", "corrected", None, "", "blank")
    r4 = next(c for c in run_checks(cells, "gb2021") if c.rule == "R4")
    assert r4.status == "pass_if_blank_zero"


def test_luanchuan_docx_small_tables():
    """栾川县 2022 (sample portal): a DOCX whose T2 is two small tables under the section heading, without the
    第二十条 rows — 0 cells before. Values as written in crawler/sample_portals/content.py (DOCX_REPORT)."""
    from crawler.sample_portals.content import file_bytes
    result = extract_bytes(file_bytes("docx"), "P020230328578504877883.docx")
    got = {(c.row, c.col): c.value for c in result.cells}
    assert got == {("regulations", "issued"): 0, ("regulations", "repealed"): 0, ("regulations", "in_force"): 0,
                   ("normative_docs", "issued"): 2, ("normative_docs", "repealed"): 1,
                   ("normative_docs", "in_force"): 9, ("admin_licensing", "decisions"): 316}
