"""Dates of a report — the year reported on, the statistics period, the publication date — and the statutory
deadline with the days late, computed here and nowhere else (metadata, soft rules and the archive's views all use
`lateness`).

Deadline (`statutory_deadline`), from spec report-template.md §0:
* Reports on 2008–2018: the 2008 条例 — every agency publishes by 31 March of the next year.
* Reports on 2019 and later: the revised 条例 (in force 2019-05-15), art. 49 — departments of governments at county
  level and above by 31 January; the government's own report (published by its 信息公开 主管部门) by 31 March. The
  first reports due under the revised 条例 were the 2019 reports (due Jan/Mar 2020); the 2018 reports were due on
  31 March 2019, before it came into force. 国办公开办函〔2019〕60号 (Nov 2019), sent for the 2019 reports, says the
  deadline for most agencies moved two months earlier — so the split applies from reporting year 2019.
* By kind: department -> 31 January. government, office, township -> 31 March: the office is the government's 主管部门
  and usually publishes the government's report (the archive counts it as the government's own), townships are
  governments. other (a zone's 管委会 …) and unknown -> 31 March too: lateness is never claimed on a guess about
  the kind of unit.
* Reports on years before 2008: no statutory report, no deadline.
`days_late` = publication date − deadline, in days (≤ 0: on time).

Publication date (`publication_date`): every date the document and the crawl offer is a candidate — the page's own
metadata (PubDate), the listing's date (the crawl's hint), a 发布时间 line at the top of the page, the report's own
URL printed in its text (…/2021/01/08/…), the signature date at its end (2023年12月17日, 二〇二三年十二月十七日).
A date before the reporting year ended (31 December of the year; without a year, the stated period's end), or
after today, is impossible: not used, flagged `impossible_date` with the date and its source. Of the possible dates the earliest
is taken: portals re-publish old reports in bulk and migrate them, which moves dates later, never earlier
(portal-variants.md). Possible dates more than 31 days apart are all listed in a `date_conflict` flag; a date more
than a year past the deadline is kept but flagged `date_doubtful` (likely a re-publication's date).

Year (`report_year`): the year in the title that names the report ("2022年度", "2022年政府信息公开…") rather than
any other ("2023年1月"), Arabic or Chinese numerals; else the stated period's; else the commonest in the opening text.
A title and a period naming different years are flagged `year_conflict`.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import date

from extract.model import Flag

REVISED_REGULATION_FROM_YEAR = 2019  # first reporting year under the revised 条例 (in force 2019-05-15)
FIRST_REPORTING_YEAR = 2008  # the 2008 条例 took effect 2008-05-01

_CN_DIGIT = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
_CN_YEAR = r"[二一][〇○零Ｏ一二三四五六七八九]{3}"
YEAR_WORD = re.compile(rf"(?:(?:19|20)\d{{2}}|{_CN_YEAR})\s*年度?|年度")  # a year as titles print it: 2022年度, 二〇二二年
_CN_SMALL = r"[一二三四五六七八九十]{1,3}"
_DATE = re.compile(r"((?:19|20)\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?")
_DATE_CN = re.compile(rf"({_CN_YEAR})年({_CN_SMALL})月({_CN_SMALL})日")
_PERIOD = re.compile(
    r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:起)?\s*(?:至|到|—|-|~)\s*"
    r"(?:((?:19|20)\d{2})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})/?(\d{2})/?(\d{2})/|/t((?:19|20)\d{2})(\d{2})(\d{2})_")
_SIGNATURE = re.compile(rf"[^，。；,;至到]{{0,30}}?((?:19|20)\d{{2}}年\d{{1,2}}月\d{{1,2}}日|{_CN_YEAR}年{_CN_SMALL}月{_CN_SMALL}日)")
_PAGE_DATE_LINE = re.compile(r"(?:发布时间|发布日期|发文日期|成文日期|公开日期)[:：]?\s*")
_TITLE_YEAR = re.compile(rf"((?:19|20)\d{{2}}|{_CN_YEAR})\s*(年度|年)?")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_REPORT_AFTER_YEAR = re.compile(r"\s*(?:度|政府|政务|信息|工作|年报)")


def _cn_number(text: str) -> int:
    """一 .. 三十一 (十 = 10, 十二 = 12, 二十 = 20)."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGIT.get(tens, 1) if tens else 1) * 10 + (_CN_DIGIT.get(ones, 0) if ones else 0)
    return _CN_DIGIT.get(text, 0)


def _cn_year(text: str) -> int:
    return int("".join(str(_CN_DIGIT[ch]) for ch in text))


def iso(y, m, d) -> str | None:
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except (TypeError, ValueError):
        return None


def parse_date(text: str) -> str | None:
    """The first date in text, ISO: 2023年12月17日, 2023-12-17, 2023/12/17, 二〇二三年十二月十七日."""
    m = _DATE.search(text)
    if m:
        return iso(*m.groups())
    m = _DATE_CN.search(text)
    if m:
        return iso(_cn_year(m.group(1)), _cn_number(m.group(2)), _cn_number(m.group(3)))
    return None


# -- deadline and lateness -------------------------------------------------------------------------------------------
def statutory_deadline(year: int | None, agency_kind: str | None) -> date | None:
    """The day a report on `year` by a unit of `agency_kind` is due (module docstring)."""
    if year is None or year < FIRST_REPORTING_YEAR:
        return None
    if year >= REVISED_REGULATION_FROM_YEAR and agency_kind == "department":
        return date(year + 1, 1, 31)
    return date(year + 1, 3, 31)


def lateness(published: str | None, year: int | None, agency_kind: str | None) -> tuple[str | None, int | None]:
    """(deadline ISO, days late: published − deadline, ≤ 0 = on time). Days late is None without a date."""
    due = statutory_deadline(year, agency_kind)
    if due is None:
        return None, None
    if not published:
        return due.isoformat(), None
    return due.isoformat(), (date.fromisoformat(published) - due).days


# -- year and period ---------------------------------------------------------------------------------------------------
def report_year(title: str | None, period_start: str | None, opening: str, flags: list[Flag]) -> int | None:
    """The year reported on (module docstring)."""
    from_title = None
    if title:
        years = []
        for m in _TITLE_YEAR.finditer(title):
            y = int(m.group(1)) if m.group(1).isdigit() else _cn_year(m.group(1))
            names_report = m.group(2) == "年度" or (m.group(2) == "年" and _REPORT_AFTER_YEAR.match(title, m.end()))
            years.append((not names_report, m.group(2) is None, m.start(), y))
        if years:
            from_title = min(years)[3]
    from_period = int(period_start[:4]) if period_start else None
    if from_title and from_period and from_title != from_period:
        flags.append(Flag("year_conflict", f"the title says {from_title}, the stated period starts in {from_period}; "
                          "the title's year used", {"title": from_title, "period": from_period}))
    if from_title or from_period:
        return from_title or from_period
    counts = Counter(int(y) for y in _YEAR.findall(opening[:3000]))
    return counts.most_common(1)[0][0] if counts else None


def period(text: str) -> tuple[str | None, str | None]:
    """The statistics period the report states ("2022年1月1日至2022年12月31日"), ISO, else (None, None)."""
    m = _PERIOD.search(text)
    if not m:
        return None, None
    y1, m1, d1, y2, m2, d2 = m.groups()
    return iso(y1, m1, d1), iso(y2 or y1, m2, d2)


# -- publication date --------------------------------------------------------------------------------------------
def candidates(meta: dict, hints: dict, head: list[str], tail: list[str], other_matters: str) -> list[tuple[str, str]]:
    """[(ISO date, source)] from everything that dates the publication: `head`/`tail` are the first/last
    non-table lines, squashed; `other_matters` the text of section 六."""
    found = []
    if meta.get("PubDate"):
        found.append((parse_date(str(meta["PubDate"])), "page meta"))
    if hints.get("published_date"):
        found.append((parse_date(str(hints["published_date"])), "listing"))
    for line in head:
        m = _PAGE_DATE_LINE.search(line)
        if m:
            found.append((parse_date(line[m.end():m.end() + 24]), "page text"))
            break
    for url in re.findall(r"https?://[^\s)）\"']+", other_matters):  # the report's own URL (seed 004)
        m = _URL_DATE.search(url)
        if m:
            found.append((iso(*[g for g in m.groups() if g][:3]), "url in text"))
            break
    for line in reversed(tail):  # the signature: "2023年12月17日" or "XX县人民政府办公室 2023年12月17日"
        m = _SIGNATURE.fullmatch(line)
        if m:
            found.append((parse_date(m.group(1)), "signature"))
            break
    return [(d, s) for d, s in found if d]


def publication_date(found: list[tuple[str, str]], year: int | None, period_end: str | None,
                     flags: list[Flag], today: date | None = None) -> tuple[str | None, str | None]:
    """(ISO date, its source) — the earliest possible candidate; impossible ones flagged (module docstring)."""
    end = date(year, 12, 31).isoformat() if year else period_end
    tomorrow = date.fromordinal((today or date.today()).toordinal() + 1).isoformat()
    possible = []
    for d, source in found:
        if end and d < end:
            flags.append(Flag("impossible_date", f"{source} dates the report {d}, before the period it reports on "
                              f"ended ({end}): not used", {"date": d, "source": source, "period_end": end,
                                                           "year": year}))
        elif d > tomorrow:  # a day of slack for time zones
            flags.append(Flag("impossible_date", f"{source} dates the report {d}, in the future: not used",
                              {"date": d, "source": source, "year": year}))
        else:
            possible.append((d, source))
    if not possible:
        return None, None
    possible.sort()
    first, last = date.fromisoformat(possible[0][0]), date.fromisoformat(possible[-1][0])
    if (last - first).days > 31:
        flags.append(Flag("date_conflict", f"publication dates disagree: {', '.join(f'{d} ({s})' for d, s in possible)}; "
                          f"the earliest used", {"dates": [{"date": d, "source": s} for d, s in possible]}))
    return possible[0]


def lateness_flags(published: str | None, source: str | None, year: int | None, kind: str | None) -> list[Flag]:
    """late_publication (and date_doubtful past a year) for a report, from `lateness`."""
    deadline, days = lateness(published, year, kind)
    if not days or days <= 0:
        return []
    out = [Flag("late_publication", f"published {published} for {year}: {days} days after the {deadline} deadline",
                {"published": published, "due": deadline, "days_late": days, "agency_kind": kind,
                 "source": source})]
    if days > 365:
        out.append(Flag("date_doubtful", f"{published} ({source}) is {days} days past the deadline: possibly the date of "
                        "a re-publication, not of the report", {"published": published, "source": source,
                                                               "days_late": days}))
    return out
