"""Stage 1 — decode: bytes -> clean Simplified-Chinese text.

* Charset: BOM, then the declared charset (HTTP header) and the page's own <meta> charset; when the header's
  decoding produces replacement characters and the meta charset does better, the meta wins (headers lie).
  Then UTF-8, then detection (charset-normalizer), then GB18030 with replacement as the last resort.
  GB2312/GBK are always decoded as GB18030, its superset (pages declaring gb2312 carry GBK/GB18030-only names).
* Clean: Word/markdown artefacts removed ([bookmark: _GoBack], **bold**), NBSP-only lines dropped (they stand for
  merged-cell continuations in linearised tables), NFKC (full-width punctuation -> ASCII, U+3000 -> space).
* Script: Traditional text (seed 002) is converted with OpenCC's Taiwan-phrase profile (tw2sp), so that
  行政規範性檔案 -> 行政规范性文件 and 入口網站 -> 门户网站, not just character by character.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from extract import values

squash = values.squash  # the matching form of labels (defined with the cell grammar; the stages import it from here)

_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030",
            "gb2312-80": "gb18030", "cp936": "gb18030", "euc-cn": "gb18030", "utf8": "utf-8",
            "x-euc-cn": "gb18030", "hz-gb-2312": "gb18030"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


@dataclass
class Decoded:
    text: str
    charset: str
    replacements: int  # U+FFFD produced by the chosen decoding
    note: str = ""  # e.g. "header charset utf-8 ignored: 143 replacement characters; meta gb2312 used"


def canonical_charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("'\"").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name if name not in ("gb18030",) else "gb18030"
    except LookupError:
        return None


def meta_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:8192])
    return canonical_charset(m.group(1).decode("ascii", "ignore")) if m else None


def _try(data: bytes, charset: str) -> tuple[str, int] | None:
    try:
        text = data.decode(charset, errors="replace")
    except LookupError:
        return None
    return text, text.count("\ufffd")


def decode_bytes(data: bytes, declared: str | None = None, *, html: bool = False) -> Decoded:
    for bom, cs in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            text, bad = _try(data[len(bom):], cs)
            return Decoded(text, cs, bad, "BOM")
    header = canonical_charset(declared)
    meta = meta_charset(data) if html else None
    tried: list[tuple[str, str, int]] = []
    for label, cs in (("header", header), ("meta", meta), ("utf-8", "utf-8")):
        if not cs or any(cs == t[0] for t in tried):
            continue
        text, bad = _try(data, cs)
        if bad == 0:
            note = ""
            if tried:
                note = "; ".join(f"{t[1]} charset {t[0]} ignored: {t[2]} replacement characters" for t in tried)
            return Decoded(text, cs, 0, note)
        tried.append((cs, label, bad))
    detected = _detect(data)
    if detected and all(detected != t[0] for t in tried):
        text, bad = _try(data, detected)
        tried.append((detected, "detected", bad))
    text, bad = _try(data, "gb18030")
    tried.append(("gb18030", "fallback", bad))
    best = min(tried, key=lambda t: t[2])
    text, bad = _try(data, best[0])
    return Decoded(text, best[0], bad, f"no clean decoding; best {best[1]} {best[0]} with {bad} replacements")


def _detect(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - declared dependency
        return None
    match = from_bytes(data[:200000]).best()
    return canonical_charset(match.encoding) if match else None


# ---- cleaning -----------------------------------------------------------------------------------------------
# NFKC turns a footnote mark into a digit ("12¹" -> "121", "12①" -> "121"): keep them apart first.
_SUPERSCRIPT = re.compile(r"(?<=[\d%)）])[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2}")
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_CIRCLED = re.compile("[\u2460-\u2473]")  # ①..⑳
_MARKS = re.compile("[\u2460-\u2473⁰¹²³⁴⁵⁶⁷⁸⁹]")
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_BOLD = re.compile(r"\*\*")
_NBSP_ONLY = re.compile(r"^[ \u00a0\u3000\u2002\u2003\u200b]+$", re.M)  # note: tabs are kept (they are cells)

# Characters that exist only in Traditional script and are frequent in these reports, with their simplified forms.
_TRAD = set("這個們說國會來為與對時發開關於實現體過區縣將從還進認總務報處機產經濟應當資訊網絡辦請複議訴訟處罰規範檔")
_SIMP = set("这个们说国会来为与对时发开关于实现体过区县将从还进认总务报处机产经济应当资讯网络办请复议诉讼处罚规范档")


_TRAD_RE = re.compile("[" + "".join(sorted(_TRAD)) + "]")
_SIMP_RE = re.compile("[" + "".join(sorted(_SIMP)) + "]")


def detect_script(text: str) -> str:
    sample = text[:20000]
    trad = len(_TRAD_RE.findall(sample))
    if trad < 5:
        return "hans"
    return "hant" if trad > len(_SIMP_RE.findall(sample)) else "hans"


@lru_cache(maxsize=1)
def _converter():
    import opencc
    return opencc.OpenCC("tw2sp")


def to_simplified(text: str) -> str:
    return _converter().convert(text)


def clean_text(text: str, script: str | None = None) -> tuple[str, str]:
    """Return (clean text, script of the original)."""
    script = script or detect_script(text)
    # Each pass only when its character is there at all (substring search is much cheaper than a regex pass).
    if "[bookmark:" in text:
        text = _BOOKMARK.sub("", text)
    if "**" in text:
        text = _BOLD.sub("", text)
    if "\u00a0" in text or "\u3000" in text or "\u2002" in text or "\u2003" in text or "\u200b" in text:
        text = _NBSP_ONLY.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if script == "hant":
        text = to_simplified(text)
    if _MARKS.search(text):
        text = _SUPERSCRIPT.sub(lambda m: "^" + m.group().translate(_SUPERSCRIPT_DIGITS), text)
        text = _CIRCLED.sub(lambda m: f"({ord(m.group()) - 0x245F})", text)
    return nfkc(text), script


# Full-width forms (U+FF01-FF5E) and the ideographic space are most of what NFKC changes in these reports: one regex
# pass swaps them for their NFKC forms, where unicodedata.normalize costs ~80 ns a character over the whole text as
# soon as one character needs it. Exact: NFKC(s) depends only on NFKD(s), and a character's NFKC form has its NFKD.
_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")
_FULLWIDTH_NFKC = {chr(c): unicodedata.normalize("NFKC", chr(c)) for c in (*range(0xFF01, 0xFF5F), 0x3000)}


def nfkc(text: str) -> str:
    """NFKC; the quick check first (is_normalized stops at the first character that would change)."""
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    text = _FULLWIDTH.sub(lambda m: _FULLWIDTH_NFKC[m.group()], text)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)
