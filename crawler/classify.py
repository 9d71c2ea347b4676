"""Is this list item an annual report (政府信息公开工作年度报告)? Which unit published it, and for which year?

Everything here works on a list title (plus an optional publication date and the portal's county name), so it can
be tested on titles alone. Rules follow portal-patterns.md §2.2: one column mixes the county government's report,
the 政府办公室's, departments' (局/委), townships' (乡镇/街道) and unrelated news (会议, 通知, 图解 …).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# The report itself: "…政府信息公开工作年度报告", "…政府信息公开年度报告", "…信息公开年报", "…政务公开工作年度报告".
_REPORT = re.compile(r"(政府信息公开|政务公开|信息公开)(工作)?(年度)?(报告|年报)")
# Items that mention the report but are not one: notices about writing it, meetings, explainers, reviews.
_NOISE = re.compile(
    r"通知|会议|召开|培训|解读|图解|一图|图读|读懂|动员|部署|工作会|考核|评估|评议|第三方|通报|答记者问|意见|方案|"
    r"要点|指南|目录|制度|征集|调查|问卷|编制工作|报送|关于做好|关于印发|专题|视频|新闻|动态")
# "（图片版）" / "（超链版）" and similar are presentation suffixes of a real report.
_SUFFIX = re.compile(r"[（(【\[][^）)】\]]{0,8}[）)】\]]\s*$")

_CN_DIGITS = {"〇": "0", "○": "0", "零": "0", "Ｏ": "0", "O": "0", "一": "1", "二": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_YEAR_ARABIC = re.compile(r"((?:19|20)\d{2})\s*年\s*度?")
_YEAR_CN = re.compile(r"([二一][〇○零Ｏ一二三四五六七八九]{3})\s*年")
_YEAR_BARE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")

_TOWNSHIP_END = re.compile(r"(乡|镇|街道|街道办事处|街道办|苏木|民族乡|(乡|镇)人民政府|(乡|镇)政府)$")
_OFFICE = re.compile(r"(人民政府|政府)办公室$|政府办$|^办公室$|^(县|区|市|旗)?政府办公室$")
_DEPARTMENT_END = re.compile(
    r"(局|委|委员会|办公室|办|中心|院|所|队|站|会|处|署|厅|管委会|管理委员会|支队|大队|公司|部|馆|台|社|集团|分局)$")
_GOVERNMENT = re.compile(r"^((人民)?政府)?$")


@dataclass(frozen=True)
class Classification:
    is_report: bool
    year: int | None = None  # the year reported on (not the publication year)
    unit_kind: str | None = None  # government / office / department / township / unknown
    unit_name: str | None = None  # the issuing unit as printed, region prefix kept ("XX县教育局")
    reason: str = ""


@functools.lru_cache(maxsize=65536)
def simplified(text: str) -> str:
    """Traditional script converted to Simplified (OpenCC's Taiwan-phrase profile, as the extractor uses), so
    "…政府信息公開工作年度報告" is classified like "…政府信息公开工作年度报告". ASCII needs no conversion."""
    if not text or text.isascii():
        return text
    from extract.decode import to_simplified

    return to_simplified(text)


def normalize_title(title: str) -> str:
    t = simplified(title or "").replace("\u3000", " ").replace("\xa0", " ")
    t = re.sub(r"\s+", " ", t).strip()
    # Page titles like "高岭镇_2017年_政府信息公开…" or "站点 栏目 标题": keep the part carrying the report name.
    if "_" in t:
        t = t.replace("_", "")
    return t


def report_year(title: str, published: str | None = None) -> int | None:
    """The year the report is about: from the title ("2023年", "2023年度", "二〇二三年", "2023 年"), else the
    publication year minus one (reports are published by 31 March of the following year)."""
    t = normalize_title(title)
    m = _YEAR_ARABIC.search(t)
    if m:
        return int(m.group(1))
    m = _YEAR_CN.search(t)
    if m:
        return int("".join(_CN_DIGITS.get(ch, "") for ch in m.group(1)))
    m = _YEAR_BARE.search(t)
    if m:
        return int(m.group(1))
    if published:
        m = re.search(r"((?:19|20)\d{2})", published)
        if m:
            return int(m.group(1)) - 1
    return None


def unit_name(title: str) -> str:
    """Strip the year and the report-name suffix: "XX县教育局2023年政府信息公开工作年度报告" -> "XX县教育局"."""
    t = normalize_title(title)
    t = _SUFFIX.sub("", t)
    m = _REPORT.search(t)
    if m:
        t = t[: m.start()]
    t = _YEAR_ARABIC.sub("", t)
    t = _YEAR_CN.sub("", t)
    t = re.sub(r"(?<!\d)(19|20)\d{2}(?!\d)", "", t)
    t = re.sub(r"^关于|关于$|的$", "", t.strip())
    t = re.sub(r"[\s:：·、,，\-—]+", "", t)
    return t


def _strip_region(name: str, region_names: list[str]) -> str:
    """Remove the county's (and prefecture's/province's) name from the front, longest first, repeatedly:
    "某某市某某县教育局" -> "教育局". Needed because county names themselves may end in 镇/乡 (镇原县, 镇雄县)."""
    names = sorted({n for n in region_names if n}, key=len, reverse=True)
    changed = True
    while changed and name:
        changed = False
        for n in names:
            if name.startswith(n):
                name = name[len(n):]
                changed = True
                break
    return name


def unit_kind(name: str, region_names: list[str] = ()) -> str:
    rest = _strip_region(name, list(region_names))
    if _GOVERNMENT.match(rest):
        return "government"
    if _OFFICE.search(rest):
        return "office"
    if _TOWNSHIP_END.search(rest) or re.search(r"(乡|镇)人民政府|街道办事处", rest):
        return "township"
    # "XX县人民政府" where the county name was not known to us: still the government.
    if re.fullmatch(r".{1,12}?(县|区|市|旗|自治县|自治旗|特区|林区)(人民政府|政府)?", rest):
        return "government"
    if _DEPARTMENT_END.search(rest):
        return "department"
    return "unknown"


def classify(title: str, published: str | None = None, region_names: list[str] = ()) -> Classification:
    t = normalize_title(title)
    if not t:
        return Classification(False, reason="empty title")
    if not _REPORT.search(t):
        return Classification(False, reason="not a report title")
    head = t[: _REPORT.search(t).start()]
    # Noise words count only outside the report name itself ("…工作年度报告的通知" is a notice, not a report).
    tail = t[_REPORT.search(t).end():]
    if _NOISE.search(head) or _NOISE.search(tail):
        return Classification(False, reason="noise (notice/meeting/explainer)")
    name = unit_name(t)
    return Classification(True, year=report_year(t, published), unit_kind=unit_kind(name, region_names),
                          unit_name=name or None, reason="report title")


def region_names_for(name: str | None, prefecture: str | None = None, province: str | None = None) -> list[str]:
    """Names a unit title may start with for this county: full and short forms of county, prefecture, province."""
    from extract.regions import short_name

    out: list[str] = []
    for n in (name, prefecture, province):
        if n:
            out.append(n)
            s = short_name(n)
            if s != n:
                out.append(s)
            for suffix in ("省", "市", "自治区", "壮族自治区", "回族自治区", "维吾尔自治区"):
                if n.endswith(suffix) and len(n) > len(suffix) + 1:
                    out.append(n[: -len(suffix)])
    return out
