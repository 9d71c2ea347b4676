"""Which unit (agency) a report is of, what kind of unit it is, and a key that is the same for the same unit however
its name is spelled.

Kinds (`agency_kind`) — the taxonomy the archive uses to separate "the county government's own report" (government
+ office) from departments' and townships':
  government  the people's government of the region itself: 民和回族土族自治县人民政府, 湟中区, 县政府, 上海市人民政府;
              also a zone of extract/data/zones.csv that stands for its county (平潭综合实验区(管委会) = 平潭县: the
              管委会 governs the county or works as one with its government), whose departments are departments
  office      its general office (办公室/办公厅): 县人民政府办公室, 县政府办公室, 县政府办, 县府办, 上海市人民政府办公厅.
              The office usually publishes the government's report (it is the 信息公开 主管部门), so the archive
              counts government + office together as the government's own report.
  department  a working department or other unit of that government: 民和县教育局, 县卫生健康委员会, 县人民政府国资委
  township    a township-level government, coded to its county: XX镇(人民政府), XX乡, XX苏木, XX街道(办事处)
  other       a functional zone's 管委会 (开发区, 新区, 园区 …), a village/community, a school, hospital or company
  unknown     the document names no unit and the crawl gave no kind

`agency_key(agency, region_code)` -> "630222|教育局": the region's code and the unit's canonical name (None without a
region or a unit). The name is
normalised: Traditional -> Simplified, NFKC, no whitespace/punctuation, a trailing parenthesis dropped ("（县外事
办）"), the region prefix (any chain of division names: 青海省海东市民和县) and a bare level word (县/区/市/旗)
stripped; the government is "人民政府" (政府 = 人民政府 = 本级), the office "人民政府办公室" (办公厅, 政府办, 府办 …),
a township its bare name (鲁沙尔镇人民政府 = 鲁沙尔镇政府 = 鲁沙尔镇), a department without a leading (人民)政府,
委员会 as 委, without the conjunction 和 in the departments spelled both ways (发展和改革局 = 发展改革局), common
short forms expanded (发改局, 人社局,
住建局, 卫健委, 国资委 …).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from extract import regions
from extract.dates import YEAR_WORD
from extract.regions import Division

# The report's own name, which ends the unit's name in a title ("…政府信息公开工作年度报告", "…政务公开工作2022年度
# 报告", "…信息公开年报"): the unit's name never contains it.
_REPORT = re.compile(r"政府信息公开|政务公开|信息公开")
_PUNCT = re.compile(r"[\s\u3000·・、,，.。:：;；\-—_'\"“”‘’《》〈〉<>「」『』]+")
_TRAILING_PAREN = re.compile(r"[（(【\[][^（()）【】\[\]]*[）)】\]]$")
_LEVEL_WORD = re.compile(r"^[县区市旗](?![场区直级域委])")
_GOVERNMENT = re.compile(r"^(?:人民政府|政府)?(?:本级)?$")
_GOVERNMENT_PREFIX = re.compile(r"^(?:人民)?政府(?=.)(?!办)")
_OFFICE = re.compile(r"^(?:(?:人民)?政府办(?:公室|公厅)?|府办|办公室|办公厅)$")
_TOWNSHIP = re.compile(r"^(.{1,12}?(?:镇|乡|苏木|街道|地区))(?:人民政府|政府|办事处|办)?$")
_ZONE_BODY = re.compile(r"(?:党工委)?(?:管委会|管理委员会)?")
ZONE = re.compile(r"综合实验区|新区|开发区|高新区|经开区|园区|示范区|试验区|实验区|合作区|保税区|自贸|管理区")
_OTHER = re.compile(r"(?:村|社区|村委会|居委会|村民委员会|居民委员会|学校|中学|小学|幼儿园|大学|学院|医院|卫生院|公司|集团)$")
_DEPARTMENT = re.compile(r"(?:局|委|委员会|办|办公室|中心|院|所|站|队|厅|署|处|部|馆|会|台|社|室|分局|支队|大队)$")
# 和 inside the names of departments that are spelled both with and without it (发展和改革局 / 发展改革局); only
# there: elsewhere it may be part of a place name (民和分局).
_CONJUNCTION = re.compile(r"(发展|住房|资源|工业|文化|教育|卫生|科学技术|商务|广电|农业)和(改革|城乡|社会|信息|旅游|体育|计划|工业|"
                          r"外事|投资|农村|粮食)")
# Common short forms of county departments (the long form is the canonical one).
_SHORT_FORMS = {
    "发改局": "发展改革局", "发改委": "发展改革委", "人社局": "人力资源社会保障局", "住建局": "住房城乡建设局",
    "卫健局": "卫生健康局", "卫健委": "卫生健康委", "国资委": "国有资产监督管理委", "市监局": "市场监督管理局",
    "市场监管局": "市场监督管理局", "文旅局": "文化旅游局", "文广旅局": "文化广电旅游局", "工信局": "工业信息化局",
    "医保局": "医疗保障局", "退役军人局": "退役军人事务局", "应急局": "应急管理局", "教体局": "教育体育局",
    "科技局": "科学技术局", "交通局": "交通运输局", "民宗局": "民族宗教事务局", "农业局": "农业农村局",
}


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """The CJK characters OpenCC changes to Simplified: a name is converted only when it has one (a conversion
    costs ~10 µs, a set look-up per character almost nothing)."""
    from extract.decode import to_simplified
    chars = [chr(c) for c in range(0x4E00, 0xA000)]
    return frozenset(c for c, s in zip(chars, to_simplified("\n".join(chars)).split("\n")) if c != s)


def clean(name: str) -> str:
    """NFKC, Simplified, no whitespace or punctuation, no trailing parenthesis."""
    text = unicodedata.normalize("NFKC", name or "")
    if not _traditional_chars().isdisjoint(text):
        from extract.decode import to_simplified
        text = to_simplified(text)
    text = _PUNCT.sub("", text)
    while _TRAILING_PAREN.search(text):
        text = _TRAILING_PAREN.sub("", text)
    return text


def unit_of_title(title: str | None) -> str:
    """The issuing unit named in a report title, region prefix kept: "民和县教育局2022年政府信息公开工作年度报告" ->
    "民和县教育局"; "" when the title names none ("关于2022年度政府信息公开情况的报告")."""
    t = _PUNCT.sub("", unicodedata.normalize("NFKC", title or ""))
    while _TRAILING_PAREN.search(t):
        t = _TRAILING_PAREN.sub("", t)
    m = _REPORT.search(t)
    if m:
        t = t[: m.start()]
    t = YEAR_WORD.sub("", t)
    t = re.sub(r"\d{1,2}月(?:\d{1,2}日)?", "", t)  # a date beside the year ("2023年1月 XX县2022年度…")
    t = re.sub(r"^关于|关于$|的$|人民$", "", t)
    return t


def strip_region(name: str, prior: str | None = None) -> tuple[str, list[str]]:
    """(the name without its leading chain of division names and level word, the codes of that chain). `prior`: the
    region's code, so that a guarded name of that region is stripped too (城区教育局 of 阳泉市城区)."""
    pos, codes = 0, []
    for m in regions.scan(name, prior):
        if m.start != pos or (m.form == "zone" and not m.codes):
            break
        pos = m.end
        codes.append(m.codes[0] if len(m.codes) == 1 else "")
        if m.form == "zone":  # a zone of the table stands for its county; its 管委会 is that county's government
            pos += len(_ZONE_BODY.match(name, pos).group(0))
            break
    rest = name[pos:]
    return _LEVEL_WORD.sub("", rest), codes


def kind_of(rest: str) -> str:
    """The kind of a unit from its name without the region prefix (module docstring)."""
    if _GOVERNMENT.match(rest):
        return "government"
    if _OFFICE.match(rest):
        return "office"
    rest = _GOVERNMENT_PREFIX.sub("", rest)  # 县人民政府国资委, 县人民政府城关街道办事处
    if ZONE.search(rest) or _OTHER.search(rest):
        return "other"
    if _TOWNSHIP.match(rest):
        return "township"
    if _DEPARTMENT.search(rest):
        return "department"
    return "unknown"


def _canonical(rest: str, kind: str) -> str:
    if kind == "government":
        return "人民政府"
    if kind == "office":
        return "人民政府办公室"
    rest = _GOVERNMENT_PREFIX.sub("", rest)
    if kind == "township":
        return _TOWNSHIP.match(rest).group(1)
    if kind == "department":
        rest = _CONJUNCTION.sub(r"\1\2", rest.replace("委员会", "委"))
        return _SHORT_FORMS.get(rest, rest)
    return rest.replace("管理委员会", "管委会")


def agency_of(title: str | None, issuer: str | None, division: Division | None,
              hints: dict) -> tuple[str | None, str]:
    """(the unit's name for display, its kind). From the title's unit; else the issuer line's; else the crawl's kind.
    The government and its office are named canonically after the attributed division (栾川县人民政府办公室 for
    "县政府办"); departments and townships as printed, prefixed with the division's name when printed without."""
    for text in (clean(unit_of_title(title)), clean(issuer or "")):
        if not text:
            continue
        rest, chain = strip_region(text, division.code if division else None)
        kind = kind_of(rest)
        if kind == "unknown":
            continue
        place = division.name if division else text[: len(text) - len(rest)] or ""
        if kind == "government":  # a zone's 管委会 keeps its own name (平潭综合实验区), the key is the county's
            return (f"{place}人民政府" if place and not ZONE.search(text) else text), kind
        if kind == "office":
            tail = "办公厅" if "办公厅" in rest or (division is not None and division.level == "province") else "办公室"
            return (f"{place}人民政府{tail}" if place else text), kind
        if not chain and division is not None and not ZONE.search(rest):
            return f"{division.name}{rest}", kind
        return text, kind
    if hints.get("agency_kind"):
        return hints.get("agency"), hints["agency_kind"]
    return None, "unknown"


def agency_key(agency: str | None, region_code: str | None) -> str | None:
    """"630222|教育局": the same for every spelling of the same unit of the same region (module docstring)."""
    text = clean(agency or "")
    if not text or not region_code:  # a unit of an unknown region identifies nothing
        return None
    rest, _ = strip_region(text, region_code)
    kind = kind_of(rest)
    return f"{region_code}|{_canonical(rest, kind)}"
