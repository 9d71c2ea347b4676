"""What a table cell's text is: empty, a number (with its unit and any footnote mark), a printed placeholder, or
a label — and the number it holds. One grammar, used by the text tokenizer (is this word a cell of its own?), the
table stage (label or value?) and the key stage (the value stored).

Numbers as printed in real reports: "17", "1,234" / "1，234" (thousands separators), "9693.7", "-62" / "−62" /
"+1036" (signed), a unit inside the cell ("24014万元", "251000元", "12件", "3.5亿元"), a footnote mark after the
number ("12*", "12※", "12[1]", "12(注1)", "12^1" — superscripts are kept apart from the digits by decode.py).
"""
from __future__ import annotations

import re
from functools import lru_cache

# Units that may follow a number inside a cell. Money is normalised to 万元.
UNITS = ("万元", "亿元", "元", "万", "件", "项", "条", "个", "次", "篇", "人次", "人")
_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))
_FOOTNOTE = r"(?:\*{1,3}|※|†|‡|\^\d{1,2}|\[\d{1,2}\]|\(注?\d{1,2}\)|\(注\)|注\d{0,2})"
NUMBER = re.compile(rf"^([+\-−]?)(\d[\d,，]*(?:\.\d+)?)({_UNIT})?({_FOOTNOTE})?$")
DASHES = frozenset({"/", "-", "--", "---", "—", "——", "－", "无", "空", "\\", "—-", "-/-", "–", "――", "─", "━",
                    "//", "/ "})


def squash(text: str) -> str:
    """Matching form of a label: no whitespace at all (spaces, NBSP, U+3000, tabs, newlines). str.split() splits
    at exactly the characters `\\s` matches, and is faster than a regex."""
    return "".join(text.split()) if text else ""


@lru_cache(maxsize=8192)
def cell_kind(text: str) -> str:
    """empty / value / dash / label"""
    s = "".join(text.split()) if text else ""
    if not s:
        return "empty"
    if s[0] in "0123456789+-−" and NUMBER.match(s):
        return "value"
    if s in DASHES:
        return "dash"
    return "label"


def is_filled(text: str) -> bool:
    return cell_kind(text) in ("value", "dash")


def parse_number(text: str) -> tuple[float, str | None] | None:
    """(value, unit printed in the cell) for a value cell, money normalised to 万元; None if not a number."""
    m = NUMBER.match(squash(text))
    if not m:
        return None
    sign, digits, unit, _footnote = m.groups()
    value = float(digits.replace(",", "").replace("，", ""))
    if sign in ("-", "−"):
        value = -value
    if unit == "元":
        value, unit = round(value / 10000, 6), "万元"
    elif unit == "亿元":
        value, unit = round(value * 10000, 6), "万元"
    elif unit == "万":
        unit = "万元"
    return value, unit
