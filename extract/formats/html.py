"""HTML report pages: the article body as prose lines, and every <table> as a grid with rowspan/colspan resolved.

A merged cell is emitted once, at its top-left grid position, and nothing is emitted for the positions it covers —
so a table row reads like the linearised text rows the seeds show, and each cell keeps (table, row, col).

Speed (pages pasted from Word are 100–370 KB of markup for 10–20 KB of text): the work per element is left to
libxml2. Tables that hold no table are read cell by cell; the prose around them is taken in one pass
(`tostring(method="text")`) after marking block boundaries with line breaks; only the text that comes out is
normalised (NFKC, script) — never the markup.
"""
from __future__ import annotations

import re

from lxml import etree

from extract.decode import clean_text, decode_bytes
from extract.formats import limits
from extract.model import Line, ParsedDocument, SourceCell

# Article containers of the common CMS families (TRS, Hanweb, gkmlpt, Epoint...).
CONTENT_SELECTORS = [".TRS_Editor", "#zoom", ".Custom_UnionStyle", "#ivs_content", "#webeditorview",
                     ".bt-content", ".article-content", ".article_content", "#content", ".content", "article", "main"]
CONTENT_IDS = {s[1:] for s in CONTENT_SELECTORS if s.startswith("#")}
CONTENT_CLASSES = {s[1:] for s in CONTENT_SELECTORS if s.startswith(".")}
CONTENT_TAGS = {s for s in CONTENT_SELECTORS if s[0] not in "#."}

# The id attributes that name a content container (libxml2 compares them: ids are few), and every class
# attribute (matched by token in Python: one `contains()` per name per attribute costs more than the walk).
_IDS = etree.XPath("//@id[" + " or ".join(f".='{i}'" for i in sorted(CONTENT_IDS)) + "]", smart_strings=True)
_CLASSES = etree.XPath("//@class", smart_strings=True)
_SCORE = etree.XPath("string-length(string(.)) + 5000 * count(.//table)")
_BLOCK = ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "blockquote",
          "pre", "dd", "dt", "dl", "center", "header", "footer", "form", "address", "hr", "caption", "tr", "td",
          "th", "tbody", "thead", "table")
_DROP = ("script", "style", "noscript", "template", "iframe", "object", "svg", "button", "select", "input",
         "textarea", "title")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")
# lxml's plain HTML parser: its elements are created in C (lxml.html's element classes cost a Python call each).
# huge_tree: without it libxml2 stops at nesting depth 256 and silently drops the rest of the page.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, encoding="utf-8", huge_tree=True)
_HEAD_TAGS = re.compile(rb"<meta\b[^>]*>|<title\b[^>]*>.*?</title\s*>", re.I | re.S)
_MARK = "\ue000"  # a table's place in the prose (a private-use character, removed from the page first)


def parse(data: bytes, hints: dict) -> ParsedDocument:
    # lxml directly (not BeautifulSoup): the same tree, about ten times faster on report pages.
    limits.check_size(data, "the HTML page", limits.MAX_TEXT_BYTES)
    decoded = decode_bytes(data, hints.get("charset"), html=True)
    markup = decoded.text
    if _MARK in markup or markup.lstrip()[:5] == "<?xml":
        markup = _XML_DECL.sub("", markup, count=1).replace(_MARK, "")
    # libxml2 reads UTF-8 bytes fastest; the charset was decided above (BOM, header, <meta>, detection).
    source = data if decoded.charset == "utf-8" and markup is decoded.text and not data.startswith(b"\xef\xbb\xbf") \
        else markup.encode("utf-8", "surrogatepass")
    # The <head> of a page pasted from Word is most of its bytes (styles, conditional comments): only its <meta>
    # and <title> are read, and the tree is built from </head> on.
    cut = source.find(b"</head>")
    if cut < 0:
        cut = source.find(b"</HEAD>")
    if cut > 0:
        meta = _page_meta(_tree(b"".join(_HEAD_TAGS.findall(source, 0, cut))))
        root = _tree(b"<html>" + source[cut + 7:])
        meta.update({k: v for k, v in _page_meta(root).items() if k not in meta})
    else:
        root = _tree(source)
        meta = _page_meta(root)
    meta["flags"] = _depth_flags(root)
    content = _content_root(root)
    etree.strip_elements(content, *_DROP, with_tail=False)
    lines = read_lines(content)
    script = _normalise(lines)
    meta.update(charset=decoded.charset, script=script, replacements=decoded.replacements)
    doc = ParsedDocument(lines, "html", meta=meta)
    if decoded.note:
        doc.warnings.append(decoded.note)
    return doc


def _depth_flags(root) -> list:
    """Never silent about nesting: content past libxml2's hard depth limit (2048) is lost — flagged; subtrees
    deeper than limits.MAX_HTML_DEPTH are read as plain text — flagged."""
    flags = []
    lost = [e for e in _PARSER.error_log if "Excessive depth" in e.message]
    if lost:
        flags.append(("nesting_truncated", f"the page nests elements deeper than the HTML parser allows; "
                                           f"content from line {lost[0].line} on is lost", {"line": lost[0].line}))
    flattened = limits.flatten_deep(root)
    if flattened:
        flags.append(("nesting_flattened", f"{flattened} parts nested deeper than {limits.MAX_HTML_DEPTH} "
                                           "elements read as plain text (their tables are not read as tables)",
                      {"subtrees": flattened, "depth": limits.MAX_HTML_DEPTH}))
    return flags


def _tree(markup: bytes):
    root = etree.fromstring(markup, _PARSER) if markup.strip() else None
    return root if root is not None else etree.fromstring(b"<html><body></body></html>", _PARSER)


def _page_meta(root) -> dict:
    meta: dict = {}
    for tag in root.iter("meta"):
        name, content = tag.get("name"), tag.get("content")
        if name in ("ArticleTitle", "PubDate", "ContentSource", "ColumnName", "SiteName", "Url") and content:
            meta[name] = content.strip()
    title = root.find(".//title")
    if title is not None and "".join(title.itertext()).strip():
        meta["html_title"] = "".join(title.itertext()).strip()
    return meta


def _content_root(root):
    """The article body: the known CMS container holding the most text (a table-holding one preferred)."""
    candidates = [value.getparent() for value in _IDS(root)]
    candidates += [value.getparent() for value in _CLASSES(root) if not CONTENT_CLASSES.isdisjoint(value.split())]
    candidates += list(root.iter(*CONTENT_TAGS))
    if len(candidates) > 1:  # a container inside another loses to it (more text, as many tables): only the outer
        outer = set(candidates)
        candidates = [el for el in candidates if not any(a in outer for a in el.iterancestors())]
    best, best_score = None, 0.0
    for el in candidates:
        score = _SCORE(el) if len(candidates) > 1 else 1.0
        if score > best_score:
            best, best_score = el, score
    if best is not None:
        return best
    body = root.find(".//body")
    return body if body is not None else root


def cell_text(el) -> str:
    return _collapse(etree.tostring(el, method="text", encoding="unicode", with_tail=False))


def _collapse(text: str) -> str:
    """Whitespace runs (NBSP and U+3000 included) -> one space, ends stripped; zero-width spaces dropped."""
    if "\u200b" in text:
        text = text.replace("\u200b", "")
    return " ".join(text.split())


def text_content(el) -> str:
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


def read_lines(content) -> list[Line]:
    """Prose lines and table rows of the article, in reading order. A layout table (`_is_layout`) is read as
    blocks of prose, the tables inside it as tables."""
    tables: list[list[Line]] = []
    all_tables = list(content.iter("table"))
    holders = {outer for t in all_tables for outer in t.iterancestors("table")}  # tables that hold tables
    layout = {t for t in holders if _is_layout(t)}
    for table in all_tables:
        if table in layout or any(outer in holders and outer not in layout for outer in table.iterancestors("table")):
            continue  # page layout, or inside a data table (its text is part of that table's cell)
        index = len(tables)
        tables.append(table_lines(table, index, table in holders))
        marker = etree.Element("p")
        marker.text = f"{_MARK}{index}{_MARK}"
        marker.tail = table.tail
        table.getparent().replace(table, marker)
    for el in content.iter(*_BLOCK):
        el.text = "\n" + el.text if el.text else "\n"
        el.tail = "\n" + el.tail if el.tail else "\n"
    for el in content.iter("br"):
        el.tail = "\n" + el.tail if el.tail else "\n"
    text = etree.tostring(content, method="text", encoding="unicode", with_tail=False)
    lines: list[Line] = []
    for part in text.split("\n"):
        part = _collapse(part)
        if not part:
            continue
        if part[0] == _MARK and part[-1] == _MARK and part[1:-1].isdigit():
            lines += tables[int(part[1:-1])]
        else:
            lines.append(Line([SourceCell(part, line=len(lines) + 1)]))
    return lines


def _is_layout(table) -> bool:
    """A table that holds other tables and no more than three cells in any of its own rows lays out a page
    (old portals: navigation | article); a data table keeps a table nested in a cell as that cell's text."""
    return all(sum(1 for td in tr if td.tag in ("td", "th")) <= 3 for tr in _own_rows(table))


def _own_rows(table):
    return [tr for tr in table.iter("tr") if next(tr.iterancestors("table")) is table]


def table_lines(table, index: int, nested: bool | None = None) -> list[Line]:
    """The rows of one table on its grid: rowspan/colspan resolved, each cell once at its top-left position.
    `nested`: does the table hold tables (whose rows are not its rows)? (None: look.)"""
    if nested is None:
        nested = table.find(".//table") is not None
    rows = _own_rows(table) if nested else list(table.iter("tr"))
    occupied: set[tuple[int, int]] = set()
    out = []
    for r, tr in enumerate(rows):
        if tr.get("height") == "0" and not text_content(tr).strip():
            continue  # Word's spacer row (<tr height=0> inside <![if !supportMisalignedColumns]>)
        cells = []
        c = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            while (r, c) in occupied:
                c += 1
            rowspan, colspan = td.get("rowspan"), td.get("colspan")
            rowspan = _span(rowspan) if rowspan else 1
            colspan = _span(colspan) if colspan else 1
            if rowspan > 1 or colspan > 1:
                for dr in range(rowspan):
                    for dc in range(colspan):
                        occupied.add((r + dr, c + dc))
            cells.append(SourceCell(cell_text(td), index, r, c))
            c += colspan
        if cells:
            out.append(Line(cells, table=index))
    return out


def _normalise(lines: list[Line]) -> str:
    """Clean every text that came out of the page at once (NFKC, artefacts, Traditional -> Simplified); returns
    the script of the original."""
    cells = [c for line in lines for c in line.cells]
    cleaned, script = clean_text("\n".join(c.text for c in cells))
    for cell, text in zip(cells, cleaned.split("\n")):
        cell.text = text
    for line in lines:
        line.refresh()
    return script


def _span(value) -> int:
    try:
        return max(1, min(int(str(value).strip() or 1), 200))
    except ValueError:
        return 1
