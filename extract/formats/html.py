"""HTML report pages: the article body as prose lines, and every <table> as a grid with rowspan/colspan resolved.

A merged cell is emitted once, at its top-left grid position, and nothing is emitted for the positions it covers —
so a table row reads like the linearised text rows the seeds show, and each cell keeps (table, row, col).
"""
from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag

from extract.decode import clean_text, decode_bytes
from extract.model import Line, ParsedDocument, SourceCell

# Article containers of the common CMS families (TRS, Hanweb, gkmlpt, Epoint...), most specific first.
CONTENT_SELECTORS = [".TRS_Editor", "#zoom", ".Custom_UnionStyle", "#ivs_content", "#webeditorview",
                     ".bt-content", ".article-content", ".article_content", "#content", ".content", "article", "main"]
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "blockquote",
          "pre", "dd", "dt", "dl", "center", "header", "footer", "form", "address", "hr", "caption"}
_DROP = {"script", "style", "noscript", "template", "iframe", "object", "svg", "button", "select", "input", "textarea"}
_WS = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u200b]+")


def parse(data: bytes, hints: dict) -> ParsedDocument:
    decoded = decode_bytes(data, hints.get("charset"), html=True)
    text, script = clean_text(decoded.text)
    soup = BeautifulSoup(text, "lxml")
    meta = _page_meta(soup)
    meta.update(charset=decoded.charset, script=script, replacements=decoded.replacements)
    for tag in soup.find_all(_DROP):
        tag.decompose()
    root = _content_root(soup)
    walker = _Walker()
    walker.walk(root)
    walker.flush()
    doc = ParsedDocument(walker.lines, "html", meta=meta)
    if decoded.note:
        doc.warnings.append(decoded.note)
    return doc


def _page_meta(soup: BeautifulSoup) -> dict:
    meta: dict = {}
    for name in ("ArticleTitle", "PubDate", "ContentSource", "ColumnName", "SiteName", "Url"):
        tag = soup.find("meta", attrs={"name": name})
        if tag and tag.get("content"):
            meta[name] = tag["content"].strip()
    if soup.title and soup.title.string:
        meta["html_title"] = soup.title.string.strip()
    return meta


def _content_root(soup: BeautifulSoup) -> Tag:
    """The article body: the known CMS container holding the most text (a table-holding one preferred)."""
    best, best_score = None, 0
    for sel in CONTENT_SELECTORS:
        for el in soup.select(sel):
            score = len(el.get_text()) + 5000 * len(el.find_all("table"))
            if score > best_score:
                best, best_score = el, score
    return best or soup.body or soup


def cell_text(el: Tag) -> str:
    parts = []
    for s in el.find_all(string=True):
        if isinstance(s, NavigableString) and s.parent.name not in _DROP:
            parts.append(str(s))
    return _WS.sub(" ", "".join(parts).replace("\n", " ")).strip()


class _Walker:
    """Depth-first walk that turns block structure into lines and tables into grid rows."""

    def __init__(self):
        self.lines: list[Line] = []
        self.buffer: list[str] = []
        self.n_tables = 0

    def flush(self):
        text = "".join(self.buffer)
        self.buffer = []
        for part in text.split("\n"):
            part = _WS.sub(" ", part).strip()
            if part:
                self.lines.append(Line([SourceCell(part, line=len(self.lines) + 1)]))

    def walk(self, node):
        for child in node.children:
            if isinstance(child, NavigableString):
                if child.__class__.__name__ in ("Comment", "Doctype", "Declaration", "ProcessingInstruction"):
                    continue
                self.buffer.append(str(child).replace("\n", " "))
            elif isinstance(child, Tag):
                name = child.name
                if name in _DROP:
                    continue
                if name == "table":
                    self.flush()
                    self.table(child)
                elif name == "br":
                    self.buffer.append("\n")
                elif name in _BLOCK or name == "tr" or name == "td":
                    self.flush()
                    self.walk(child)
                    self.flush()
                else:
                    self.walk(child)

    def table(self, table: Tag):
        index = self.n_tables
        self.n_tables += 1
        rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
        occupied: dict[tuple[int, int], bool] = {}
        for r, tr in enumerate(rows):
            cells = []
            c = 0
            for td in tr.find_all(["td", "th"], recursive=False):
                while occupied.get((r, c)):
                    c += 1
                rowspan = _span(td.get("rowspan"))
                colspan = _span(td.get("colspan"))
                for dr in range(rowspan):
                    for dc in range(colspan):
                        occupied[(r + dr, c + dc)] = True
                cells.append(SourceCell(cell_text(td), table=index, row=r, col=c))
                c += colspan
            if cells:
                self.lines.append(Line(cells, table=index))


def _span(value) -> int:
    try:
        return max(1, min(int(str(value).strip() or 1), 200))
    except ValueError:
        return 1
