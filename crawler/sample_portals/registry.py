"""The sample portals: which county runs which platform on which port offset, and what its column holds.

Seed counties come first (each seed report sits on its own county's portal), then other real counties.
"""
from __future__ import annotations

import datetime as dt

from . import content
from .catalog import Attachment, County, Item, seed_report, standard_items
from .portal import Portal

S = content.SEEDS

MINHE = County("630222", "民和回族土族自治县", "民和县", "海东市", "青", townships=("川口镇", "古鄯镇", "马营镇"))
LUANCHUAN = County("410324", "栾川县", "栾川县", "洛阳市", "豫", townships=("城关镇", "赤土店镇", "合峪镇", "潭头镇"),
                   departments=("教育局", "财政局", "卫生健康委员会", "自然资源局", "交通运输局"))
LINGWU = County("640181", "灵武市", "灵武市", "银川市", "宁", townships=("东塔镇", "宁东镇", "临河镇", "梧桐树乡"),
                departments=("教育局", "财政局", "卫生健康局", "自然资源局", "民政局"))
HUANGZHONG = County("630106", "湟中区", "湟中区", "西宁市", "青", townships=("鲁沙尔镇", "多巴镇", "上新庄镇"))
JINGYUAN = County("620421", "靖远县", "靖远县", "白银市", "甘", townships=("乌兰镇", "东湾镇", "北湾镇"))
HELAN = County("640122", "贺兰县", "贺兰县", "银川市", "宁", townships=("习岗镇", "金贵镇", "立岗镇"))
PINGYANG = County("330326", "平阳县", "平阳县", "温州市", "浙", townships=("昆阳镇", "鳌江镇", "水头镇", "萧江镇"),
                  departments=("教育局", "财政局", "卫生健康局", "自然资源和规划局", "民政局"))
SANSHUI = County("440607", "三水区", "三水区", "佛山市", "粤",
                 townships=("西南街道", "云东海街道", "白坭镇", "乐平镇", "芦苞镇", "大塘镇", "南山镇"),
                 departments=("教育局", "财政局", "卫生健康局", "自然资源局", "民政局", "人力资源和社会保障局",
                              "住房城乡建设和水利局", "市场监督管理局"))
JINTANG = County("510121", "金堂县", "金堂县", "成都市", "蜀")
CHANGFENG = County("340121", "长丰县", "长丰县", "合肥市", "皖")
SHUNYI = County("110113", "顺义区", "顺义区", "北京市", "京", townships=("仁和镇", "李桥镇"))
# the second generation of sample portals (issue 10): other variants of the families, and new families
RUIAN = County("330381", "瑞安市", "瑞安市", "温州市", "浙", townships=("安阳街道", "塘下镇", "马屿镇"))
SIHUI = County("441284", "四会市", "四会市", "肇庆市", "粤", departments=("教育局", "财政局", "生态环境局", "民政局"),
               townships=("东城街道", "大沙镇"))
XIANYOU = County("350322", "仙游县", "仙游县", "莆田市", "闽", townships=("鲤城街道", "榜头镇", "郊尾镇"))
MIANZHU = County("510683", "绵竹市", "绵竹市", "德阳市", "蜀", townships=("剑南街道", "汉旺镇"))
HUINING = County("620422", "会宁县", "会宁县", "白银市", "甘", townships=("会师镇", "郭城驿镇"))
FENGXIAN = County("320321", "丰县", "丰县", "徐州市", "苏", townships=("凤城街道", "华山镇"))
JINGAN = County("360925", "靖安县", "靖安县", "宜春市", "赣", townships=("双溪镇", "仁首镇"))
JIEXI = County("445222", "揭西县", "揭西县", "揭阳市", "粤", townships=("河婆街道", "棉湖镇", "凤江镇"))
MENYUAN = County("632221", "门源回族自治县", "门源县", "海北藏族自治州", "青", townships=("浩门镇", "青石嘴镇"))
DATONG = County("630121", "大通回族土族自治县", "大通县", "西宁市", "青", townships=("桥头镇", "城关镇"))
GUSU = County("320508", "姑苏区", "姑苏区", "苏州市", "苏", townships=("平江街道", "沧浪街道", "双塔街道"))
LONGQUAN = County("331181", "龙泉市", "龙泉市", "丽水市", "浙", townships=("龙渊街道", "八都镇"))


def _d(y, m, d) -> dt.date:
    return dt.date(y, m, d)


def minhe_items() -> list[Item]:
    # dated as printed at the end of the report (and on its page)
    seed = seed_report("gov-2022", S["000"], "民和回族土族自治县人民政府2022年政府信息公开工作年度报告", 2022,
                       "government", "民和回族土族自治县人民政府", _d(2023, 12, 17))
    return standard_items(MINHE, gov_years=range(2019, 2024), office_years=(2022, 2023), dept_years=(2022,),
                          town_years=(2023,), seed_item=seed)


def luanchuan_items() -> list[Item]:
    seed = seed_report("office-2022", S["001"], "县政府办2022年政府信息公开工作年度报告", 2022, "office",
                       "栾川县人民政府办公室", _d(2023, 1, 30),
                       note="title names the unit only as 县政府办")
    items = standard_items(LUANCHUAN, gov_years=range(2020, 2024), office_years=(2022, 2023),
                           dept_years=(2022, 2023), town_years=(2022,), seed_item=seed, recipe_offset=1)
    chengguan = next(it for it in items if it.key == "town0-2022")  # the DOCX is 城关镇's 2022 report
    chengguan.body_seed, chengguan.attachments = None, [Attachment("docx", f"{chengguan.title}.docx")]
    return items


def lingwu_items() -> list[Item]:
    seed = seed_report("gov-2022", S["002"], "贺兰县2022年政府信息公开工作年度报告", 2022, "government",
                       "灵武市人民政府", _d(2023, 3, 27),
                       note="published on 灵武市's portal; the title says 贺兰县 but the body reports on 灵武市")
    return standard_items(LINGWU, gov_years=range(2018, 2024), office_years=(2022, 2023), dept_years=(2022, 2023),
                          town_years=(2023,), seed_item=seed, recipe_offset=2)


def pingyang_items() -> list[Item]:
    return standard_items(PINGYANG, gov_years=range(2019, 2024), office_years=(2023,), dept_years=(2023,),
                          town_years=(2023,), recipe_offset=4)


def sanshui_items() -> list[Item]:
    """More than 100 items, so the gkmlpt JSON has a second page."""
    return standard_items(SANSHUI, gov_years=range(2016, 2024), office_years=range(2019, 2024),
                          dept_years=range(2018, 2024), town_years=range(2019, 2024), noise_years=range(2019, 2024),
                          recipe_offset=5)


def huangzhong_items() -> list[Item]:
    seed = seed_report("gov-2023", S["003"], "湟中区2023年度政府信息公开工作年度报告", 2023, "government",
                       "湟中区人民政府", _d(2024, 1, 26))
    return standard_items(HUANGZHONG, gov_years=range(2019, 2024), office_years=(2023,), dept_years=(2023,),
                          town_years=(2023,), seed_item=seed, recipe_offset=1)


def jingyuan_items() -> list[Item]:
    seed = seed_report("gov-2020", S["004"], "靖远县2020年政府信息公开工作年度报告", 2020, "government",
                       "靖远县人民政府", _d(2021, 1, 8))
    items = standard_items(JINGYUAN, gov_years=range(2019, 2024), office_years=(2021,), dept_years=(2021,),
                           town_years=(2020,), seed_item=seed, noise_years=(2020, 2021), recipe_offset=0)
    wulan = next(it for it in items if it.key == "town0-2020")  # the .doc (really HTML) is 乌兰镇's 2020 report
    wulan.body_seed, wulan.attachments = None, [Attachment("doc-html", f"{wulan.title}.doc")]
    return items


def ruian_items() -> list[Item]:
    items = standard_items(RUIAN, gov_years=range(2019, 2024), office_years=(2023,), dept_years=(2023,),
                           town_years=(2023,), recipe_offset=3)
    trad = next(it for it in items if it.key == "gov-2021")  # listed in Traditional script
    trad.title = "瑞安市人民政府2021年政府信息公開工作年度報告"
    trad.note = "title in Traditional script"
    return items


def xianyou_items() -> list[Item]:
    from .fujian import fujian_note

    items = standard_items(XIANYOU, gov_years=range(2016, 2024), office_years=(2022, 2023), dept_years=(2023,),
                           town_years=(2023,), recipe_offset=6)
    fujian_note(next(it for it in items if it.key == "gov-2016"))
    return items


def second_generation() -> list[Portal]:
    """One more variant per family and the families of portal-variants.md (issue 10)."""
    from . import busy, deya, epoint, fujian, gkmlpt, hanweb, jsonlist, openinfo, powereasy, search, trap, ucap

    return [
        hanweb.HanwebJpaas2(RUIAN, 11, ruian_items()),
        gkmlpt.GkmlptOnTrs(SIHUI, 12, standard_items(SIHUI, gov_years=range(2019, 2024), office_years=(2023,),
                                                     dept_years=(2022, 2023), town_years=(2023,), recipe_offset=2)),
        fujian.FujianTrs(XIANYOU, 13, xianyou_items()),
        deya.Deya(MIANZHU, 14, standard_items(MIANZHU, gov_years=range(2020, 2024), dept_years=(2023,),
                                              town_years=(2023,), recipe_offset=5)),
        ucap.UcapSearch(HUINING, 15, standard_items(HUINING, gov_years=range(2020, 2024), office_years=(2023,),
                                                    dept_years=(2023,), town_years=(2023,), recipe_offset=7)),
        epoint.EpointGovInfo(FENGXIAN, 16, standard_items(FENGXIAN, gov_years=range(2020, 2024), dept_years=(2023,),
                                                          town_years=(2023,), recipe_offset=1)),
        powereasy.PowerEasy(JINGAN, 17, standard_items(JINGAN, gov_years=range(2018, 2024), office_years=(2023,),
                                                       dept_years=(2023,), town_years=(2023,), recipe_offset=4)),
        openinfo.OpenInfo(JIEXI, 18, standard_items(JIEXI, gov_years=range(2021, 2024), office_years=(2022, 2023),
                                                    dept_years=(2023,), town_years=(2023,), recipe_offset=0)),
        busy.Busy(MENYUAN, 19, standard_items(MENYUAN, gov_years=range(2020, 2024), dept_years=(2023,),
                                              town_years=(2023,), noise_years=(2023,), recipe_offset=1)),
        trap.Trap(DATONG, 20, standard_items(DATONG, gov_years=range(2019, 2024), dept_years=(2023,),
                                             town_years=(2023,), recipe_offset=3)),
        jsonlist.JsonList(GUSU, 21, standard_items(GUSU, gov_years=range(2020, 2024), office_years=(2023,),
                                                   dept_years=(2023,), town_years=(2023,), recipe_offset=6)),
        search.SearchOnly(LONGQUAN, 22, standard_items(LONGQUAN, gov_years=range(2020, 2024), dept_years=(2023,),
                                                       town_years=(2023,), recipe_offset=2)),
    ]


def build_portals() -> list[Portal]:
    """Fresh portal objects (each server gets its own, so variants never leak between servers)."""
    from . import blocked, epoint, gkmlpt, hanweb, longtail, trs

    return [
        trs.TrsClassic(MINHE, 0, minhe_items()),
        trs.Trs6(LUANCHUAN, 1, luanchuan_items()),
        hanweb.HanwebClassic(LINGWU, 2, lingwu_items()),
        hanweb.HanwebJpaas(PINGYANG, 3, pingyang_items()),
        gkmlpt.Gkmlpt(SANSHUI, 4, sanshui_items()),
        epoint.Epoint(HUANGZHONG, 5, huangzhong_items()),
        longtail.LongTail(JINGYUAN, 6, jingyuan_items()),
        blocked.Ruishu412(JINTANG, 7, []),
        trs.MovedTrs(HELAN, 8, standard_items(HELAN, gov_years=range(2021, 2024), office_years=(2023,),
                                               dept_years=(2023,), town_years=(2023,), recipe_offset=3)),
        blocked.Jiasule521(CHANGFENG, 9, []),
        trs.RobotsTrs(SHUNYI, 10, standard_items(SHUNYI, gov_years=(2022, 2023), dept_years=(2023,),
                                                 town_years=(2023,), noise_years=(2023,), recipe_offset=2)),
    ] + second_generation()
