"""Stage 7 — metadata: title, year reported on, region (6-digit 行政区划代码 + name), agency and its kind,
publication date and statistics period.

Region evidence is weighed by where it is found (title > issuer/signature > URL/crawler hint > body mentions).
When the title names one division and the body another (seed 002: title 贺兰县, body 灵武市), both candidates are
kept in a `region_conflict` flag — never silently resolved. A place found only in the body is flagged too.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import date
from functools import lru_cache

from extract import regions
from extract.decode import squash
from extract.model import Flag, Metadata, ParsedDocument, Section

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?")
_PERIOD = re.compile(
    r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:起)?\s*(?:至|到|—|-|~)\s*"
    r"(?:((?:19|20)\d{2})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})/?(\d{2})/?(\d{2})/|/t((?:19|20)\d{2})(\d{2})(\d{2})_|/((?:19|20)\d{2})(\d{2})/t")
_TITLE_WORDS = re.compile(r"报告|年报")
_OFFICE = re.compile(r"人民政府办公室|人民政府办公厅|政府办公室|政府办公厅|政府办(?!理)")
_TOWNSHIP = re.compile(r"[^\s]{1,8}(镇|乡|街道)(人民政府|办事处)|[^\s]{1,8}街道办事处|[^\s]{1,8}(镇|乡)(?=\d{4}|\s*20)")
_DEPARTMENT = re.compile(r"[^\s]{0,12}(局|委员会|委|办公室|办|中心|院|所|站|队|厅|署|处|公司)(?=\s*(?:19|20)\d{2})")
_GOVERNMENT = re.compile(r"人民政府")


def _iso(y, m, d) -> str | None:
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except (TypeError, ValueError):
        return None


def find_title(doc: ParsedDocument, hints: dict) -> tuple[str | None, str | None]:
    """(title, issuer line). The title is the first early line that reads like a report title."""
    issuer = None
    candidates = []
    for line in doc.lines[:40]:
        if line.table is not None:
            continue
        text = " ".join(t.strip() for t in line.texts if t.strip())
        if not text:
            continue
        s = squash(text)
        if _TITLE_WORDS.search(s) and len(s) <= 80 and ("政府信息公开" in s or "年报" in s or "年度报告" in s) \
                and re.search(r"\d{4}年|年度", s) and not re.search(r"[>»›]|首页|当前位置|^根据|[,。;]", s):
            candidates.append(text)
            break
        if issuer is None and len(s) <= 30 and re.search(r"(人民政府|办公室|局|委员会|政府办)$", s):
            issuer = text
    meta_title = doc.meta.get("ArticleTitle") or hints.get("title")
    title = candidates[0] if candidates else (meta_title or doc.meta.get("html_title"))
    return (title.strip() if title else None), issuer


_SUFFIX_CHARS = set("县区市旗州盟")


@lru_cache(maxsize=1)
def _name_sets() -> tuple[frozenset, frozenset, int]:
    index = regions.name_index()
    full = frozenset(d.name for ds in index.values() for d in ds if d.level != "province")
    short = frozenset(n for n, ds in index.items()
                      if len(n) >= 2 and any(d.level == "county" and n == d.short_name != d.name for d in ds))
    return full, short, max(len(n) for n in full)


def _mentions(text: str) -> Counter:
    """Division names mentioned in text -> count: full names (民和回族土族自治县), and short names followed by
    县/区/市/旗 or 人民政府/政府 (栾川人民政府网站). A scan anchored on those suffixes with set look-ups: one
    regular expression of 3,000 alternatives was 20x slower."""
    full, short, longest = _name_sets()
    counts: Counter = Counter()
    n = len(text)
    for i, ch in enumerate(text):
        anchor = None
        if ch in _SUFFIX_CHARS:
            for k in range(min(longest, i + 1), 1, -1):  # longest full name ending here
                if text[i - k + 1:i + 1] in full:
                    counts[text[i - k + 1:i + 1]] += 1
                    anchor = i - k + 1
                    break
            if anchor is not None:
                continue
            anchor = i
        elif ch == "政" and i + 1 < n and text[i + 1] == "府":
            anchor = i - 2 if text[i - 2:i] == "人民" else i
        if anchor is None:
            continue
        for k in range(min(8, anchor), 1, -1):
            if text[anchor - k:anchor] in short:
                counts[text[anchor - k:anchor]] += 1
                break
    return counts


def _divisions_for(name: str, context: str) -> list[regions.Division]:
    """Candidates for a name, narrowed by the province/prefecture names the text mentions."""
    cands = [d for d in regions.name_index().get(name, []) if d.level != "province"]
    if len(cands) > 1:
        narrowed = [d for d in cands if (d.prefecture and d.prefecture in context) or d.province in context]
        if narrowed:
            cands = narrowed
        county = [d for d in cands if d.level == "county"]
        cands = county or cands
    return cands


def resolve_region(title: str | None, issuer: str | None, body: str, hints: dict,
                   flags: list[Flag]) -> tuple[regions.Division | None, str | None]:
    scores: Counter = Counter()
    sources: dict[str, set[str]] = {}
    context = body[:20000]

    def add(name_counts: Counter, weight: float, source: str, cap: int = 1000):
        for name, n in name_counts.items():
            cands = _divisions_for(name, context)
            if not cands:
                continue
            if len(cands) > 1:
                flags.append(Flag("ambiguous_region", f"{name} names several divisions",
                                  {"name": name, "codes": [d.code for d in cands]}))
            d = cands[0]
            scores[d.code] += weight * min(n, cap)
            sources.setdefault(d.code, set()).add(source)

    title_mentions = _mentions(title or "")
    add(title_mentions, 10, "title", cap=1)
    add(_mentions(issuer or ""), 6, "issuer", cap=1)
    add(_mentions(body), 1, "body", cap=30)
    hint_code = hints.get("region_code")
    if hint_code and regions.by_code(hint_code):
        scores[hint_code] += 4
        sources.setdefault(hint_code, set()).add("hint")
    if not scores:
        return None, None
    # A county beats its own prefecture/province when both are named (reports name their prefecture too).
    counties = {c: s for c, s in scores.items() if regions.by_code(c).level == "county"}
    pool = counties or scores
    best = max(pool, key=pool.get)
    title_codes = {c for c in pool if "title" in sources.get(c, set())}
    division = regions.by_code(best)
    if title_codes and best not in title_codes:
        other = regions.by_code(sorted(title_codes)[0])
        flags.append(Flag("region_conflict",
                          f"title names {other.name} ({other.code}) but the body is about {division.name} "
                          f"({division.code}); body used",
                          {"title": {"code": other.code, "name": other.name},
                           "body": {"code": division.code, "name": division.name},
                           "scores": {c: pool[c] for c in sorted(pool, key=pool.get, reverse=True)[:5]}}))
        return division, "body"
    srcs = sources.get(best, set())
    source = next(s for s in ("title", "issuer", "hint", "body") if s in srcs)
    if source == "body":
        flags.append(Flag("region_from_body", f"no place in the title; {division.name} taken from the body",
                          {"code": division.code, "name": division.name}))
    return division, source


def agency_of(title: str | None, issuer: str | None, division, hints: dict) -> tuple[str | None, str]:
    t = squash(title or "")
    place = division.name if division else ""
    if _OFFICE.search(t):
        return f"{place}人民政府办公室" if place else _OFFICE.search(t).group(0), "office"
    m = _TOWNSHIP.search(t)
    if m:
        return m.group(0), "township"
    head = _YEAR.split(t)[0] if _YEAR.search(t) else t
    m = _DEPARTMENT.search(head + "2000")
    if m and not _GOVERNMENT.search(m.group(0)):
        return m.group(0), "department"
    bare = re.sub(r"人民政府$", "", head)
    if _GOVERNMENT.search(head) or bare in regions.name_index():
        # "XX县人民政府…" or just "XX县…": the government itself. The agency is named after the resolved region;
        # where that differs from the title (region_conflict) the flag carries both.
        return (f"{place}人民政府" if place else head), "government"
    if hints.get("agency_kind"):
        return hints.get("agency"), hints["agency_kind"]
    return (head or None), "unknown"


def dates_of(doc: ParsedDocument, sections: list[Section], hints: dict) -> tuple[str | None, str, str | None, str | None]:
    """(published_date, how it was found, period_start, period_end)."""
    text = "\n".join(" ".join(l.texts) for l in doc.lines if l.table is None)
    period_start = period_end = None
    m = _PERIOD.search(text)
    if m:
        y1, m1, d1, y2, m2, d2 = m.groups()
        period_start, period_end = _iso(y1, m1, d1), _iso(y2 or y1, m2, d2)
    published, how = None, ""
    for key in ("PubDate",):
        v = doc.meta.get(key)
        if v and _DATE.search(v):
            published, how = _iso(*_DATE.search(v).groups()), "page meta"
    if not published and hints.get("published_date") and _DATE.search(str(hints["published_date"])):
        published, how = _iso(*_DATE.search(str(hints["published_date"])).groups()), "listing"
    if not published:  # signature date in the last lines: "2023年12月17日"
        tail = [squash(" ".join(l.texts)) for l in doc.lines[-12:] if l.table is None and squash("".join(l.texts))]
        for s in reversed(tail):
            m = re.fullmatch(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日", s)
            if m:
                published, how = _iso(*m.groups()), "signature"
                break
    if not published:  # the report's own URL printed in it (seed 004: .../doc/2021/01/08/65338.shtml)
        other = next((s.text for s in sections if s.key == "other_matters"), "")
        for url in re.findall(r"https?://[^\s)）\"']+", other):
            m = _URL_DATE.search(url)
            if m:
                g = [x for x in m.groups() if x]
                published, how = _iso(*g[:3]), "url in text"
                break
    return published, how, period_start, period_end


def year_of(title: str | None, period_start: str | None, body: str) -> int | None:
    if title:
        m = _YEAR.search(squash(title).replace("年度", "年"))
        if m:
            return int(m.group(1))
    if period_start:
        return int(period_start[:4])
    counts = Counter(int(y) for y in _YEAR.findall(body[:3000]))
    return counts.most_common(1)[0][0] if counts else None


def extract_metadata(doc: ParsedDocument, sections: list[Section], hints: dict, flags: list[Flag]) -> Metadata:
    title, issuer = find_title(doc, hints)
    body = "\n".join(" ".join(l.texts) for l in doc.lines if l.table is None)
    signature = " ".join(" ".join(l.texts) for l in doc.lines[-8:] if l.table is None)
    division, source = resolve_region(title, (issuer or "") + " " + signature, body, hints, flags)
    agency, kind = agency_of(title, issuer, division, hints)
    published, how, p_start, p_end = dates_of(doc, sections, hints)
    return Metadata(
        title=title, year=year_of(title, p_start, body),
        region_code=division.code if division else None, region_name=division.name if division else None,
        province=division.province if division else None, prefecture=division.prefecture if division else None,
        region_source=source, agency=agency, agency_kind=kind, published_date=published,
        period_start=p_start, period_end=p_end, script=doc.meta.get("script", "hans"))
