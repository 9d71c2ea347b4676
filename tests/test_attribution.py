"""Issue 11, the extraction side: the region, level, unit, year and dates of a report. Expected codes are the MCA
codes of the places the documents name (630222 民和回族土族自治县, 340523 和县 安徽, 630106 湟中区, 640181 灵武市,
640122 贺兰县, 310000 上海市, 350128 平潭县 …); deadlines are read from spec/report-template.md §0."""
from datetime import date

import pytest

from expected_seeds import SEEDS
from extract import agencies, dates, regions
from extract.pipeline import extract_bytes

BODY = "一、总体情况\n2022年，我局认真贯彻落实《条例》，政务公开工作稳步推进。\n六、其他需要报告的事项\n无\n"


def extract(text: str, **hints):
    return extract_bytes(text.encode(), "report.txt", hints)


def kinds(result) -> set[str]:
    return {f.kind for f in result.flags}


def flag(result, kind):
    return next(f for f in result.flags if f.kind == kind)


# -- the scan: leftmost-longest, guarded names, placeholders -----------------------------------------------------------
@pytest.mark.parametrize("text", ["民和县教育局2022年政府信息公开工作年度报告", "民和回族土族自治县人民政府",
                                  "在民和县", "民和人民政府网站"])
def test_minhe_is_never_hexian(text):
    codes = [m.codes for m in regions.scan(text)]
    assert codes == [("630222",)]


@pytest.mark.parametrize("text", ["加强省、市和县三级联动", "推动现代县域经济发展", "完善管理县级平台", "改革创新和县域治理",
                                  "城区道路改造", "东区西区同步推进", "中山市场监管"])
def test_words_that_contain_a_division_name_are_not_places(text):
    assert [m.text for m in regions.scan(text)] == []


def test_guarded_names_are_taken_where_they_cannot_be_words():
    assert [m.codes for m in regions.scan("2022年，和县坚持")] == [("340523",)]  # after punctuation
    assert [m.codes for m in regions.scan("马鞍山市和县")][-1] == ("340523",)  # after its prefecture
    assert [m.codes for m in regions.scan("阳泉市城区")][-1] == ("140302",)
    assert "140302" in regions.scan("城区教育局", prior="140302")[0].codes  # on its own portal
    assert regions.scan("城区教育局") == []


def test_municipality_names_are_the_province_level_code():
    for name, code in (("上海市", "310000"), ("北京市", "110000"), ("天津市", "120000"), ("重庆市", "500000")):
        assert [m.codes for m in regions.scan(name)] == [(code,)]


def test_a_parent_named_before_narrows_a_shared_name():
    assert len(regions.scan("鼓楼区")[0].codes) == 4  # 南京, 徐州, 福州, 开封
    assert regions.scan("南京市鼓楼区")[-1].codes == ("320106",)
    assert regions.scan("北京市朝阳区")[-1].codes == ("110105",)


@pytest.mark.parametrize("text,code", [
    ("朝阳县人民政府", "211321"), ("朝阳市人民政府", "211300"), ("辽宁省朝阳市朝阳县", "211321"),
    ("北京市朝阳区", "110105"), ("长春市朝阳区", "220104"), ("抚顺县", "210421"), ("抚顺市", "210400"),
    ("吉林市", "220200"), ("吉林省", "220000"), ("海南州", "632500"), ("海南省", "460000"), ("乌海市海南区", "150303"),
    ("攀枝花市东区", "510402"), ("攀枝花市西区", "510403"), ("西宁市城中区", "630103"), ("柳州市城中区", "450202"),
])
def test_county_prefecture_and_province_names_that_share_a_stem(text, code):
    assert regions.scan(text)[-1].codes == (code,)


@pytest.mark.parametrize("text", ["和平路社区", "长安街道办", "新华书店", "中山公园", "东方红广场", "平安保险"])
def test_street_and_company_words_are_not_places(text):
    assert [m.text for m in regions.scan(text) if m.form != "context"] == []


def test_short_forms_with_another_suffix():
    assert regions.scan("湟中县")[0].codes == ("630106",)  # 湟中 was a 县 until 2019
    assert regions.scan("海南州")[0].codes == ("632500",)  # 海南藏族自治州, not 海南省 / 海南区


# -- attribution: the cases -----------------------------------------------------------------------------------
@pytest.mark.parametrize("hints", [{"region_code": "630222"}, {}])
def test_minhe_education_bureau_is_minhe(hints):
    result = extract("民和县教育局2022年政府信息公开工作年度报告\n" + BODY, **hints)
    m = result.meta
    assert (m.region_code, m.region_level, m.agency_kind) == ("630222", "county", "department")
    assert not kinds(result) & {"region_conflict", "ambiguous_region", "region_from_body"}


def test_town_page_from_the_huangzhong_portal_stays_huangzhong():
    """A town's report on 湟中区's portal whose body names 灵武市 four times: the portal wins, the body is flagged."""
    text = ("鲁沙尔镇2022年政府信息公开工作年度报告\n一、总体情况\n2022年，鲁沙尔镇学习借鉴灵武市经验，赴灵武市考察，"
            "与灵武市签订协议，灵武市给予支持。\n")
    result = extract(text, region_code="630106")
    m = result.meta
    assert (m.region_code, m.region_level, m.agency_kind) == ("630106", "township", "township")
    conflict = flag(result, "region_conflict")
    assert conflict.data["hint"]["code"] == "630106" and conflict.data["body"]["code"] == "640181"
    assert conflict.data["used"] == "hint"


@pytest.mark.parametrize("hints", [{}, {"region_code": "310101"}])
def test_shanghai_general_office_is_the_province_level_code(hints):
    result = extract("上海市人民政府办公厅2022年政府信息公开工作年度报告\n" + BODY, **hints)
    m = result.meta
    assert (m.region_code, m.region_level, m.agency_kind) == ("310000", "province", "office")
    assert m.agency_key == "310000|人民政府办公室"
    if hints:  # found on 黄浦区's portal: the document names another division unambiguously -> flagged with both
        data = flag(result, "region_conflict").data
        assert (data["title"]["code"], data["hint"]["code"]) == ("310000", "310101")


def test_a_prefecture_government_office_is_the_prefecture_code():
    m = extract("西宁市人民政府办公室2022年政府信息公开工作年度报告\n" + BODY).meta
    assert (m.region_code, m.region_level, m.agency_kind) == ("630100", "prefecture", "office")


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_pingtan_zone_is_pingtan_county(year):
    result = extract(f"平潭综合实验区{year}年政府信息公开工作年度报告\n" + BODY, region_code="350128")
    m = result.meta
    assert (m.region_code, m.region_level, m.year) == ("350128", "county", year)
    assert m.agency_kind == "government" and m.agency_key == "350128|人民政府"
    assert flag(result, "zone_mapped").data["source"]  # the mapping says what it rests on
    department = extract(f"平潭综合实验区教育与体育局{year}年政府信息公开工作年度报告\n" + BODY).meta
    assert (department.region_code, department.agency_kind) == ("350128", "department")


def test_a_zone_with_no_county_gets_no_region_even_on_a_portal():
    result = extract("兰州新区2022年政府信息公开工作年度报告\n" + BODY, region_code="620121")  # 永登县's portal
    assert result.meta.region_code is None
    assert flag(result, "zone_without_county").data["hint"]["code"] == "620121"


def test_zones_the_table_does_not_know():
    unknown = extract("西宁经济技术开发区管委会2022年政府信息公开工作年度报告\n" + BODY, region_code="630106")
    assert unknown.meta.region_code == "630106" and unknown.meta.agency_kind == "other"
    assert flag(unknown, "functional_zone").data["used"] == "hint"
    in_county = extract("民和县工业园区管委会2022年政府信息公开工作年度报告\n" + BODY)
    assert in_county.meta.region_code == "630222" and "functional_zone" not in kinds(in_county)
    division = extract("浦东新区2022年政府信息公开工作年度报告\n" + BODY)  # a division, not a zone
    assert division.meta.region_code == "310115" and not kinds(division) & {"functional_zone", "zone_mapped"}


def test_every_zone_row_says_what_it_rests_on():
    for row in regions.zone_rows():
        assert row["source"].strip(), row["name"]
        if row["code"]:
            d = regions.by_code(row["code"])
            assert d is not None and d.name == row["division"] and d.level == row["level"]


def test_a_shared_name_without_context_is_flagged_not_guessed():
    result = extract("鼓楼区2022年政府信息公开工作年度报告\n" + BODY)
    assert result.meta.region_code is None
    assert set(flag(result, "ambiguous_region").data["codes"]) == {"320106", "320302", "350102", "410204"}
    assert extract("鼓楼区2022年政府信息公开工作年度报告\n" + BODY, region_code="350102").meta.region_code == "350102"
    named = extract("鼓楼区2022年政府信息公开工作年度报告\n一、总体情况\n南京市鼓楼区坚持依法公开。\n")
    assert named.meta.region_code == "320106"


@pytest.mark.parametrize("page_title,code", [
    ("青海省人民政府-民和县2022年政府信息公开工作年度报告", "630222"),
    ("靖远县2020年政府信息公开工作年度报告_白银市人民政府", "620421"),
    ("民和县 | 2022年政府信息公开工作年度报告", "630222"),
])
def test_a_site_name_in_a_page_title_is_not_the_unit(page_title, code):
    html = f"<html><head><title>{page_title}</title></head><body><p>一、总体情况</p><p>无</p></body></html>"
    m = extract_bytes(html.encode(), "page.html", {}).meta
    assert m.region_code == code and m.agency_kind == "government"


def test_a_bare_short_name_opening_a_title():
    assert extract("湟中 2023 年政府信息公开工作年度报告\n" + BODY).meta.region_code == "630106"
    assert extract("长安2022年政府信息公开工作年度报告\n" + BODY, region_code="610116").meta.region_code == "610116"
    assert regions.scan("西安市长安区") and regions.leading_short_name("推进长安2022年") is None


def test_a_county_branch_of_a_prefecture_bureau_stays_on_its_county():
    result = extract("海东市生态环境局民和分局2022年政府信息公开工作年度报告\n" + BODY, region_code="630222")
    assert (result.meta.region_code, result.meta.agency_kind) == ("630222", "department")
    assert "region_conflict" not in kinds(result)


def test_a_prefecture_portal_carrying_a_county_report():
    result = extract("湟中区2022年政府信息公开工作年度报告\n" + BODY, region_code="630100")
    assert result.meta.region_code == "630106" and "region_conflict" not in kinds(result)


def _seed_002(seeds_dir, **hints):
    return extract_bytes((seeds_dir / "002_17501a4b6fe8e48c.txt").read_bytes(), "002.txt", hints)


def test_seed_002_on_the_helan_portal(seeds_dir):
    """Titled 贺兰县, about 灵武市: on 贺兰县's portal it is 贺兰县's, and the body is flagged."""
    result = _seed_002(seeds_dir, region_code="640122")
    assert result.meta.region_code == "640122"
    data = flag(result, "region_conflict").data
    assert (data["title"]["code"], data["body"]["code"]) == ("640122", "640181")


def test_seed_002_on_the_lingwu_portal(seeds_dir):
    """On 灵武市's portal, portal and body agree against the title: 灵武市, the title's 贺兰县 kept in the flag."""
    result = _seed_002(seeds_dir, region_code="640181")
    assert result.meta.region_code == "640181"
    data = flag(result, "region_conflict").data
    assert (data["title"]["code"], data["hint"]["code"], data["used"]) == ("640122", "640181", "hint")


# -- agencies ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("unit,kind", [
    ("民和回族土族自治县人民政府", "government"), ("湟中区", "government"), ("县政府", "government"),
    ("县政府办", "office"), ("县府办", "office"), ("民和县人民政府办公室", "office"), ("上海市人民政府办公厅", "office"),
    ("民和县教育局", "department"), ("县卫生健康委员会", "department"), ("县人民政府国有资产监督管理委员会", "department"),
    ("县市场监督管理局", "department"), ("鲁沙尔镇", "township"), ("西宁市湟中区鲁沙尔镇人民政府", "township"),
    ("城东街道办事处", "township"), ("XX苏木", "township"), ("西宁经济技术开发区管委会", "other"),
    ("民和县工业园区管委会", "other"), ("XX村民委员会", "other"),
])
def test_agency_kinds(unit, kind):
    rest, _ = agencies.strip_region(agencies.clean(unit))
    assert agencies.kind_of(rest) == kind


@pytest.mark.parametrize("spellings", [
    ["县政府办", "县政府办公室", "县人民政府办公室", "民和县人民政府办公室", "民和回族土族自治县人民政府办公室",
     "民和縣人民政府辦公室", "政府办公室", "民和县人民政府办公室（县外事办公室）"],
    ["民和回族土族自治县人民政府", "民和县政府", "民和县", "县人民政府", "人民政府"],
    ["民和县发展和改革局", "民和县发展改革局", "县发改局"],
    ["民和县卫生健康委员会", "县卫健委", "民和县卫生健康委"],
    ["民和县人民政府国有资产监督管理委员会", "民和县国资委", "县政府国资委"],
    ["川口镇人民政府", "川口镇政府", "川口镇", "民和县川口镇", "青海省海东市民和县川口镇人民政府", "民和县人民政府川口镇"],
    ["民和县 教育局", "民和县教育局", "县教育局"],
    ["民和县工业园区管委会", "民和县工业园区管理委员会", "工业园区管委会"],
])
def test_agency_keys_are_the_same_for_spellings_of_one_unit(spellings):
    keys = {agencies.agency_key(s, "630222") for s in spellings}
    assert len(keys) == 1 and None not in keys, keys


def test_agency_keys_differ_for_different_units():
    keys = [agencies.agency_key("民和县人民政府", "630222"), agencies.agency_key("民和县人民政府办公室", "630222"),
            agencies.agency_key("民和县教育局", "630222"), agencies.agency_key("民和县财政局", "630222"),
            agencies.agency_key("乐都区教育局", "630202"), agencies.agency_key("川口镇", "630222")]
    assert len(set(keys)) == len(keys)
    assert agencies.agency_key("民和县教育局", None) is None  # no region: no identity


def test_office_report_agency_is_named_after_the_county(seeds_dir):
    m = extract_bytes((seeds_dir / "001_759fee5d4dfad9d3.txt").read_bytes(), "001.txt", {}).meta
    assert (m.agency, m.agency_kind, m.agency_key) == ("栾川县人民政府办公室", "office", "410324|人民政府办公室")


# -- dates ------------------------------------------------------------------------------------------------------------
def test_publication_before_the_year_ended_is_impossible():
    """湟中区 2023 listed as published 2017-03-28 (issue 11): not used, flagged with the date and its source."""
    result = extract("湟中区2023年政府信息公开工作年度报告\n" + BODY, region_code="630106", published_date="2017-03-28")
    m = result.meta
    assert m.published_date is None and m.days_late is None and m.deadline == "2024-03-31"
    data = flag(result, "impossible_date").data
    assert (data["date"], data["source"]) == ("2017-03-28", "listing")
    assert "late_publication" not in kinds(result)


def test_a_date_in_the_future_is_impossible():
    flags = []
    found = [("2099-03-01", "listing"), ("2024-02-20", "signature")]
    assert dates.publication_date(found, 2023, None, flags, today=date(2025, 1, 1)) == ("2024-02-20", "signature")
    assert [(f.kind, f.data["date"]) for f in flags] == [("impossible_date", "2099-03-01")]


def test_an_impossible_date_gives_way_to_a_possible_one():
    text = "湟中区2023年政府信息公开工作年度报告\n" + BODY + "湟中区人民政府办公室\n2024年2月20日\n"
    m = extract(text, published_date="2023-06-01").meta
    assert (m.published_date, m.published_source) == ("2024-02-20", "signature")


@pytest.mark.parametrize("year,kind,due", [
    (2008, "government", date(2009, 3, 31)), (2018, "department", date(2019, 3, 31)),  # 2008 条例: all by 31 March
    (2019, "department", date(2020, 1, 31)), (2019, "government", date(2020, 3, 31)),  # revised 条例 art. 49
    (2020, "office", date(2021, 3, 31)), (2022, "township", date(2023, 3, 31)), (2022, "department", date(2023, 1, 31)),
    (2022, "unknown", date(2023, 3, 31)), (2007, "government", None), (None, "government", None),
])
def test_statutory_deadline(year, kind, due):
    assert dates.statutory_deadline(year, kind) == due


def test_lateness_is_the_same_in_metadata_and_in_the_flag(seeds_dir):
    """Seed 000: 2022 government report signed 2023-12-17, deadline 2023-03-31 -> 261 days late (spec §6)."""
    result = extract_bytes((seeds_dir / "000_2a90619c97eddfaa.txt").read_bytes(), "000.txt", {})
    m = result.meta
    assert (m.deadline, m.days_late) == (SEEDS["000_2a90619c97eddfaa"]["flags"]["late_publication"]["deadline"], 261)
    late = flag(result, "late_publication")
    assert (late.data["due"], late.data["days_late"]) == (m.deadline, m.days_late)


def test_a_department_report_is_late_after_31_january():
    text = "民和县财政局2022年政府信息公开工作年度报告\n" + BODY + "民和县财政局\n2023年2月15日\n"
    m = extract(text).meta
    assert (m.agency_kind, m.deadline, m.days_late) == ("department", "2023-01-31", 15)


def test_the_year_is_the_one_the_title_reports_on():
    m = extract("2023年1月 民和县2022年度政府信息公开工作年度报告\n" + BODY).meta
    assert m.year == 2022 and m.agency_kind == "government"
    assert dates.report_year("二〇二二年度民和县政府信息公开工作年度报告", None, "", []) == 2022


def test_title_and_period_naming_different_years_are_flagged():
    flags = []
    assert dates.report_year("民和县2022年政府信息公开工作年度报告", "2023-01-01", "", flags) == 2022
    assert flags[0].kind == "year_conflict" and flags[0].data == {"title": 2022, "period": 2023}


def test_signature_dates_in_chinese_numerals():
    m = extract("川口镇人民政府2022年政府信息公开工作年度报告\n" + BODY + "川口镇人民政府\n二〇二三年三月二十日\n",
                region_code="630222").meta
    assert (m.published_date, m.region_level, m.days_late) == ("2023-03-20", "township", -11)
