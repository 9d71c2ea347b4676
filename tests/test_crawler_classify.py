"""Is a list title an annual report, of which unit, for which year (the year reported on)."""
from __future__ import annotations

import pytest

from crawler.classify import classify, region_names_for

MINHE = region_names_for("民和回族土族自治县", "海东市", "青海省")
ZHENYUAN = region_names_for("镇原县", "庆阳市", "甘肃省")


@pytest.mark.parametrize("title, year, kind", [
    ("民和回族土族自治县人民政府2022年政府信息公开工作年度报告", 2022, "government"),
    ("民和回族土族自治县 2023 年政府信息公开工作年度报告", 2023, "government"),
    ("民和回族土族自治县2021年度政府信息公开工作年度报告", 2021, "government"),
    ("民和回族土族自治县人民政府办公室2023年政府信息公开工作年度报告", 2023, "office"),
    ("县政府办2022年政府信息公开工作年度报告", 2022, "office"),
    ("民和县教育局2022年政府信息公开工作年度报告", 2022, "department"),
    ("民和县卫生健康委员会2023年政府信息公开年度报告", 2023, "department"),
    ("川口镇人民政府2023年政府信息公开工作年度报告", 2023, "township"),
    ("古鄯镇2023年政府信息公开工作年报", 2023, "township"),
    ("西南街道办事处2023年政府信息公开工作年度报告（图片版）", 2023, "township"),
    ("民和回族土族自治县二〇二〇年政府信息公开工作年度报告", 2020, "government"),
])
def test_reports(title, year, kind):
    c = classify(title, region_names=MINHE)
    assert c.is_report and c.year == year and c.unit_kind == kind


def test_county_name_ending_in_zhen_is_not_a_township():
    c = classify("镇原县2023年政府信息公开工作年度报告", region_names=ZHENYUAN)
    assert c.unit_kind == "government"
    assert classify("镇原县太平镇2023年政府信息公开工作年度报告", region_names=ZHENYUAN).unit_kind == "township"


def test_year_from_publication_date_when_title_has_none():
    c = classify("民和县财政局政府信息公开工作年度报告", published="2024-01-20", region_names=MINHE)
    assert c.is_report and c.year == 2023


@pytest.mark.parametrize("title", [
    "一图读懂民和回族土族自治县2023年政府信息公开工作年度报告",
    "民和县召开2023年度政务公开工作会议",
    "关于做好2023年政府信息公开工作年度报告编制发布工作的通知",
    "图解：2022年政府信息公开工作年度报告",
    "民和县2023年政府工作报告",
    "政府信息公开指南",
])
def test_noise(title):
    assert not classify(title, region_names=MINHE).is_report
