"""Plain text (reports saved as .txt, text copied from a page or exported from a PDF, OCR/markdown exports): one
`Line` per text line, cut into cells by whatever separates the cells of a table in that export.

The tokenizer knows, per line (checked in this order):

* tabs (Word copy, seeds 000/001/003): every tab is a cell boundary, empty cells included (`sep="tab"`);
* bars — ``|``, full-width ``｜`` (NFKC makes it ``|``) and box drawing ``│ ┃ ║``: markdown / OCR exports
  (``| 本年新收… | 705 | 3 | … |``) and rows written ``label | 1 | 0 |``. A row that ends with a bar is `closed`:
  its trailing empty cells are real cells. Rule lines (``|---|:--:|``, ``+----+``, ``├──┼──┤``) are dropped;
* runs of two or more spaces (fixed-width layouts: ``pdftotext -layout``, text padded for display):
  the cells keep their character column (`offsets`), so a column left empty is still seen by position;
* numbers one space apart after a label (PDF text exports: ``规章 0 0 0``, ``0 0 0 0 0 0 0``): each number is a
  cell (`sep="word"`); a unit written apart from its number (``12 件``) stays with it.

Lines holding a single cell may form a stream with bars between or after them. When cells end in `` |`` (with
spacer lines between them), a line that is only a bar is an empty cell. When ``|`` lines stand between the cells
of a row, they are boundaries: two boundaries with nothing between them, or a boundary that ends a row (a blank
line follows), enclose an empty cell. Otherwise blank lines are no cell at all.

Also: page numbers of exported PDFs (``- 3 -``, ``第3页``) dropped; an enumerator that a PDF export broke off
its label (a line ``2`` followed by ``.其他…``, a line ``(`` followed by ``一) 予以公开``) joined again.
"""
from __future__ import annotations

import re

from extract.decode import clean_text, decode_bytes
from extract.formats import limits
from extract.model import Line, ParsedDocument, SourceCell
from extract.values import UNITS, cell_kind

_BAR_CHARS = "|│┃║┆┇┊┋¦"
_BAR_TRANS = str.maketrans({c: "|" for c in _BAR_CHARS[1:]})
_HAS_BAR = re.compile(f"[{re.escape(_BAR_CHARS)}]")
_DASH_CHARS = frozenset("-=_—─━═┄┅┈┉╌╍")
_JUNCTIONS = frozenset("|+┼╋╬├┤┝┥┠┨╟╢┌┐└┘┏┓┗┛╔╗╚╝┬┴┳┻╦╩╤╧╪╫╞╡")
_RULE_CHARS = _DASH_CHARS | _JUNCTIONS | frozenset(": ")
_SEGMENT = re.compile(r"\S+(?: \S+)*")  # text between runs of two or more spaces
_WORD = re.compile(r"\S+")
_BR = re.compile(r"<br\s*/?>", re.I)
_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–]\s*\d{1,4}\s*[-—–]|第\s*\d{1,4}\s*页(?:\s*[/,]?\s*共\s*\d{1,4}\s*页)?"
                          r"|\d{1,4}\s*/\s*\d{1,4}\s*页?)\s*$")
_BARE_ENUMERATOR = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|\(?[一二三四五六七八九十\d]{1,2}\)|\d{1,2}[.、])$")
_UNITS = frozenset(UNITS)
_MAY_END_IN_VALUE = re.compile(r"[\d\-/—–无空*※\]^)件项条个次篇人元万]$")
_SHORT = 14  # a segment this short can be a header cell of a fixed-width table


def parse(data: bytes, hints: dict) -> ParsedDocument:
    limits.check_size(data, "the text", limits.MAX_TEXT_BYTES)
    decoded = decode_bytes(data, hints.get("charset"))
    text, script = clean_text(decoded.text)
    limits.check_lines(text.count("\n") + 1, "the text")
    doc = ParsedDocument(tokenize(text), "text", meta={"charset": decoded.charset, "script": script,
                                                       "replacements": decoded.replacements})
    if decoded.note:
        doc.warnings.append(decoded.note)
    return doc


def tokenize(text: str) -> list[Line]:
    out: list[Line] = []
    raw_lines = text.split("\n")
    bars = _HAS_BAR.search(text) is not None
    stream = _BarStream(out, _cells_end_in_bars(raw_lines) if bars else False)
    n_lines = len(raw_lines)
    n = 0
    while n < n_lines:
        raw = raw_lines[n]
        n += 1
        number = n
        if "\f" in raw:
            raw = raw.replace("\f", "")
        # An enumerator broken off its label by a PDF export: "(" / "一) 予以公开", "2" / ".其他法律…".
        while n < n_lines and 0 < len(raw) <= 4 and _broken_enumerator(raw, raw_lines[n]):
            raw = raw.rstrip() + raw_lines[n].lstrip()
            n += 1
        if "\t" in raw:
            out.append(Line([SourceCell(cell, None, None, None, number) for cell in raw.split("\t")], sep="tab"))
            stream.open = False
            continue
        stripped = raw.strip()
        if not stripped:
            stream.blank(number)
            out.append(Line([SourceCell("", None, None, None, number)]))
            continue
        if bars and _HAS_BAR.search(raw):
            _bar_line(raw.translate(_BAR_TRANS), number, out, stream)
            continue
        if len(stripped) <= 16 and _PAGE_NUMBER.match(stripped):
            continue
        if stripped[0] in _RULE_CHARS and _is_rule(stripped):
            continue  # a drawn rule: ├──┼──┤, +----+, ========
        out.append(_space_line(raw, number))
        stream.open = False
    return out


def _is_rule(stripped: str) -> bool:
    chars = set(stripped)
    if not chars <= _RULE_CHARS or not chars & _DASH_CHARS:
        return False
    return bool(chars & _JUNCTIONS) or len(stripped) >= 6  # "---" alone is a placeholder cell, not a rule


def _broken_enumerator(line: str, following: str) -> bool:
    s, nxt = line.strip(), following.lstrip()
    if s in ("(", "（"):
        return bool(nxt) and nxt[0] in "一二三四五六七八九十0123456789"
    return s.isdigit() and len(s) <= 2 and nxt[:1] in (".", "．", "、")


def _cells_end_in_bars(lines: list[str]) -> bool:
    """Do one-cell lines end in a bar ("行政许可 |")? Then a bar alone on a line is an empty cell."""
    count = 0
    for line in lines:
        s = line.strip()
        if len(s) > 1 and s[-1] in _BAR_CHARS and s[0] not in _BAR_CHARS and not _HAS_BAR.search(s[:-1]):
            count += 1
            if count >= 3:
                return True
    return False


class _BarStream:
    """Bars around one-cell lines (module docstring): `trailing` when cells end in bars, else bars are boundaries."""

    def __init__(self, out: list[Line], trailing: bool):
        self.out, self.trailing = out, trailing
        self.open = False  # a boundary was seen and no cell since

    def empty(self, number: int) -> None:
        self.out.append(Line([SourceCell("", line=number)], sep="bar"))

    def boundary(self, number: int) -> None:
        if self.trailing:
            self.empty(number)  # " |": an empty cell ending in its bar
            return
        if self.open:
            self.empty(number)
        self.open = True

    def blank(self, number: int) -> None:
        if self.open and not self.trailing:
            self.empty(number)  # the row ended after a boundary: an empty last cell
        self.open = False

    def content(self) -> None:
        self.open = False


def _bar_line(raw: str, number: int, out: list[Line], stream: _BarStream) -> None:
    stripped = raw.strip()
    chars = set(stripped)
    if chars <= _RULE_CHARS:
        if chars & _DASH_CHARS:
            return  # a rule line: |---|---|, |:--:|
        for _ in range(stripped.count("|")):
            stream.boundary(number)  # "|" alone: a boundary; "||": two, with an empty cell between
        return
    parts = raw.split("|")
    lead, trail = not parts[0].strip(), not parts[-1].strip()
    if lead:
        parts = parts[1:]
    if trail:
        parts = parts[:-1]
    cells = [_BR.sub("", p).strip() for p in parts]
    if len(cells) == 1:  # one cell per line, bars around it: part of a stream
        if stream.trailing:
            out.append(Line([SourceCell(cells[0], line=number)]))
            return
        if lead:
            stream.boundary(number)
        out.append(Line([SourceCell(cells[0], line=number)]))
        stream.content()
        if trail:
            stream.boundary(number)
        return
    out.append(Line([SourceCell(c, line=number) for c in cells], sep="bar", closed=trail))
    stream.content()


def _space_line(raw: str, number: int) -> Line:
    """A line without tabs or bars: cells at runs of two or more spaces (fixed-width layout), numbers after a
    label one space apart, or the whole line as one cell."""
    stripped = raw.strip()
    if "  " not in stripped and (" " not in stripped or not _MAY_END_IN_VALUE.search(stripped)):
        return Line([SourceCell(stripped, None, None, None, number)])  # most prose lines: one cell
    segments = [(m.group(), m.start()) for m in _SEGMENT.finditer(raw)]
    if len(segments) >= 2 and not _BARE_ENUMERATOR.match(segments[0][0]):
        pieces = [p for text, start in segments for p in _words(text, start)]
        if any(cell_kind(t) != "label" for t, _ in pieces) or all(len(t) <= _SHORT for t, _ in segments):
            return Line([SourceCell(t, line=number) for t, _ in pieces], sep="space",
                        offsets=[o for _, o in pieces])
    text, start = (segments[0] if len(segments) == 1 else (raw.strip(), len(raw) - len(raw.lstrip())))
    pieces = _words(text, start)
    if len(pieces) == 1:
        return Line([SourceCell(text, line=number)])
    return Line([SourceCell(t, line=number) for t, _ in pieces], sep="word", offsets=[o for _, o in pieces])


def _words(text: str, start: int) -> list[tuple[str, int]]:
    """Split the numbers (and placeholders) that end `text` off it, one cell each: "规章 0 0 0" -> 规章, 0, 0, 0."""
    if " " not in text:
        return [(text, start)]
    words = [[m.group(), m.start()] for m in _WORD.finditer(text)]
    glued: list[list] = []
    for word in words:  # "12 件" is one cell
        if glued and word[0] in _UNITS and cell_kind(glued[-1][0]) == "value" and glued[-1][0][-1].isdigit():
            glued[-1][0] += word[0]
        else:
            glued.append(word)
    i = len(glued)
    while i > 0 and cell_kind(glued[i - 1][0]) != "label":
        i -= 1
    if i == len(glued) or len(glued) == 1:
        return [(text, start)]
    out = []
    if i > 0:
        last_label = glued[i - 1]
        out.append((text[:last_label[1] + len(last_label[0])], start))
    out += [(w, start + s) for w, s in glued[i:]]
    return out
