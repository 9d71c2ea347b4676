"""Stage 2 — sections: find the six standard sections by numeral + name at line start, never by numbering alone.

Robust to: wrong numbering (seed 000 puts 主动公开 under 三), an inserted non-standard section (kept as `extra`),
a duplicated heading (seed 001), missing sections, sub-headings that repeat a section name ("（一）主动公开政府信息
情况" inside 一 — rejected because it has a parenthesised numeral), and table row labels that look like headings
("一、本年新收政府信息公开申请数量", "四、结转下年度继续办理").
"""
from __future__ import annotations

import re

from extract.decode import squash
from extract.model import Line, ParsedDocument, Section

_NUMERALS = frozenset("一二三四五六七八九十")
_HEADING = re.compile(r"^([一二三四五六七八九十]{1,3})[、.．]\s*(.{2,40})$")
SECTION_PATTERNS = [
    ("overview", re.compile(r"总体情况|概述|基本情况|总体概况")),
    ("active_disclosure", re.compile(r"主动公开")),
    ("applications", re.compile(r"收到和处理|依申请公开|申请公开政府信息|公开申请.*情况|申请.*处理情况")),
    ("review_litigation", re.compile(r"复议|诉讼")),
    ("problems", re.compile(r"问题.*(改进|措施|整改|不足)|存在.*问题|问题和|问题及")),
    ("other_matters", re.compile(r"其他需要报告|需要说明|其他事项|其他需报告")),
]
# Labels of table rows that begin like headings.
_NOT_A_HEADING = re.compile(r"数量|结转|办理结果|本年度|申请人|合计|总计")
_EXTRA_TITLE = re.compile(r"(情况|工作|成效|举措|措施)$")


def heading_of(line: Line, key: str | None = None) -> tuple[str, str, str] | None:
    """(key, numeral, title) when the line is a section heading, else None. `key`: the line's squashed text,
    when the caller has it (the quick test)."""
    first = key if key is not None else next((t.lstrip() for t in line.texts if t and not t.isspace()), "")
    if first[:1] not in _NUMERALS:
        return None  # a heading starts with its numeral (the quick test for most lines)
    texts = [t for t in line.texts if t.strip()]
    if len(texts) != 1 or line.table is not None and len(line.cells) > 1:
        return None
    raw = texts[0].strip()
    m = _HEADING.match(squash(raw))
    if not m:
        return None
    numeral, title = m.groups()
    if _NOT_A_HEADING.search(title) or re.search(r"\d", title) and len(title) > 30:
        return None
    for key, pattern in SECTION_PATTERNS:
        if pattern.search(title):
            return key, numeral, raw
    if _EXTRA_TITLE.search(title) and len(title) <= 24:
        return "extra", numeral, raw
    return None


def split_sections(doc: ParsedDocument, keys: list[str] | None = None) -> tuple[list[Section], set[int]]:
    """Sections in document order (text before the first heading is the `preamble`; repeated headings of the
    same key are merged into the first), and the indexes of the heading lines (tables end at a heading)."""
    sections: list[Section] = []
    by_key: dict[str, Section] = {}
    parts: dict[int, list[str]] = {}  # id(section) -> its lines (joined once at the end)
    current: list[str] | None = None
    preamble: list[str] = []
    heading_lines: set[int] = set()
    for i, line in enumerate(doc.lines):
        h = heading_of(line, keys[i] if keys is not None else None)
        if h:
            heading_lines.add(i)
            key, numeral, title = h
            if key in by_key and key != "extra":
                current = parts[id(by_key[key])]
            else:
                section = Section(key, numeral, title, "")
                sections.append(section)
                current = parts[id(section)] = []
                if key != "extra":
                    by_key[key] = section
            continue
        texts = line.texts
        text = texts[0] if len(texts) == 1 else "\t".join(texts)
        if line.table is None:
            text = text.strip()
        if not text or text.isspace():
            continue
        (preamble if current is None else current).append(text)
    for section in sections:
        section.text = "\n".join(parts[id(section)])
    if preamble:
        sections.insert(0, Section("preamble", None, "", "\n".join(preamble)))
    return sections, heading_lines
