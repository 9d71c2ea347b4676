"""HTML report pages: the article body as prose lines, and every <table> as a grid with rowspan/colspan resolved.

A merged cell is emitted once, at its top-left grid position, and nothing is emitted for the positions it covers —
so a table row reads like the linearised text rows the seeds show, and each cell keeps (table, row, col).

Parser: Lexbor (selectolax), an HTML5 parser: the tree a browser builds. Pages pasted from Word are 100–370 KB of
markup for 10–20 KB of text; Lexbor builds their tree in less than half of libxml2's time and hands over the text of
a subtree (a cell, the prose) in one C call, so extraction costs less than two bare libxml2 parses. Python visits
each element of the page once (one walk, comparing Lexbor's tag ids: the tables, the elements to drop, <meta>,
<title>, <article>, <main>), finds the containers by id and class with one selector query, and then touches only
the tables' rows and cells and the block elements left around them; only the text that comes out is normalised
(NFKC, script) — never the markup.

Deep nesting: Lexbor keeps every level (no depth limit), but its parse time grows with the square of the depth
(each start tag looks down the stack of open elements): 0.4 s at 20,000 nested <div>s, 95 s at 200,000. A page with
more than limits.HTML_CHECKED_TAGS tags is first parsed by libxml2 (linear, stops at depth 2048); when libxml2 found
it deeper than that, Lexbor reads what libxml2 kept and the loss is flagged (`nesting_truncated`). Every walk of the
tree here is a loop, never Python recursion. Unclosed formatting tags, which an HTML5 parser re-opens in every block
that follows, take the same way when there are many of them (limits.HTML_REOPEN_BUDGET).
"""
from __future__ import annotations

import re

import numpy as np
from lxml import etree
from selectolax.lexbor import LexborHTMLParser, create_tag

from extract.decode import clean_text, decode_bytes
from extract.formats import limits
from extract.model import Line, ParsedDocument, SourceCell

# Article containers of the common CMS families (TRS, Hanweb, gkmlpt, Epoint...).
CONTENT_SELECTORS = [".TRS_Editor", "#zoom", ".Custom_UnionStyle", "#ivs_content", "#webeditorview",
                     ".bt-content", ".article-content", ".article_content", "#content", ".content", "article", "main"]
CONTENT_IDS = {s[1:] for s in CONTENT_SELECTORS if s[0] == "#"}
CONTENT_CLASSES = {s[1:] for s in CONTENT_SELECTORS if s[0] == "."}
# One selector query finds the candidates by id and class in C: the elements with an id, and those whose class
# contains one of the names (or "content", which four of them contain). The id and the class tokens are then
# compared exactly here (in quirks mode, most report pages having no doctype, `#zoom` and `.content` would match
# case-insensitively).
_CANDIDATES = ", ".join(["[id]"] + [f'[class*="{c}"]' for c in sorted({"content" if "content" in c else c
                                                                       for c in CONTENT_CLASSES})])


def _tag_ids(*names: str) -> frozenset:
    """Lexbor's ids of HTML tag names (fixed numbers for the known tags): comparing them costs less than a name."""
    return frozenset(create_tag(name).tag_id for name in names)


_BLOCK = _tag_ids("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "blockquote",
                  "pre", "dd", "dt", "dl", "center", "header", "footer", "form", "address", "hr", "caption", "tr", "td",
                  "th", "tbody", "thead", "table")
_DROP = _tag_ids("script", "style", "noscript", "template", "iframe", "object", "svg", "button", "select", "input",
                 "textarea", "title")
_CONTAINER_TAGS = _tag_ids(*(s for s in CONTENT_SELECTORS if s[0] not in "#."))
(_TABLE,), (_TR,), (_BR,), (_META_TAG,), (_TITLE,) = (_tag_ids(t) for t in ("table", "tr", "br", "meta", "title"))
_CELL, _SECTION = _tag_ids("td", "th"), _tag_ids("tbody", "thead", "tfoot")
_BREAK = _BLOCK | {_BR}
_WANTED = _CONTAINER_TAGS | _DROP | {_TABLE, _META_TAG, _TITLE}  # what the walk of the page collects
_HEAD_TAGS = re.compile(rb"<meta\b[^>]*>|<title\b[^>]*>.*?</title\s*>", re.I | re.S)
_META = ("ArticleTitle", "PubDate", "ContentSource", "ColumnName", "SiteName", "Url")
_MARK = "\x00"  # a table's place in the prose: an HTML5 parser never leaves U+0000 in a text node
# Only for pages with many tags (see the docstring). huge_tree: without it libxml2 stops at depth 256.
_DEPTH_PARSER = etree.HTMLParser(encoding="utf-8", huge_tree=True)


def parse(data: bytes, hints: dict) -> ParsedDocument:
    limits.check_size(data, "the HTML page", limits.MAX_TEXT_BYTES)
    decoded = decode_bytes(data, hints.get("charset"), html=True)
    # Lexbor reads UTF-8 bytes fastest; the charset was decided above (BOM, header, <meta>, detection).
    source = data if decoded.charset == "utf-8" and not data.startswith(b"\xef\xbb\xbf") \
        else decoded.text.encode("utf-8", "surrogatepass")
    # The <head> of a page pasted from Word is a fifth of its bytes (styles, conditional comments): only its <meta>
    # and <title> are read, and the tree is built from </head> on.
    cut = source.find(b"</head>")
    if cut < 0:
        cut = source.find(b"</HEAD>")
    head = LexborHTMLParser(b"".join(_HEAD_TAGS.findall(source, 0, cut))).root if cut > 0 else None
    source = source[cut + 7:] if cut > 0 else source
    flags = []
    tags, closed = _tag_counts(source)
    # Tags left open (start tags beyond their end tags, void ones included) times the elements that may follow:
    # an HTML5 parser re-opens every unclosed formatting tag (<b>, <font>, <i>…) in each block after the one it was
    # closed by, so 1,000 of them before 1,000 paragraphs (17 KB) build a million elements (380 MiB). libxml2
    # closes them where they end; its tree, written out with every end tag, is safe for Lexbor.
    reopens = max(0, tags - 2 * closed) * closed > limits.HTML_REOPEN_BUDGET
    if tags > limits.HTML_CHECKED_TAGS or reopens:
        source, flags = _through_libxml2(source, rewrite=reopens)
    tree = LexborHTMLParser(source)
    found = _Found(tree.root)
    meta = _page_meta(head.traverse()) if head is not None else {}
    meta.update({k: v for k, v in _page_meta(found.meta).items() if k not in meta})
    meta["flags"] = flags
    content = _content_root(tree, found.containers)
    inside = _Inside({content.mem_id})  # content itself counts (a table or a dropped tag can be the container)
    dropped = [el for el in found.dropped if el.mem_id == content.mem_id or inside(el)]
    tables = [el for el in found.tables if el.mem_id == content.mem_id or inside(el)]
    if dropped:  # reverse document order: one inside another goes first; the tails stay (text nodes of their own)
        for el in reversed(dropped):
            if el.mem_id != content.mem_id:
                el.decompose()
        tables = [el for el in content.traverse() if el.tag_id == _TABLE]  # not those dropped with their holder
    lines = read_lines(content, tables)
    script = _normalise(lines)
    meta.update(charset=decoded.charset, script=script, replacements=decoded.replacements)
    doc = ParsedDocument(lines, "html", meta=meta)
    if decoded.note:
        doc.warnings.append(decoded.note)
    return doc


def _tag_counts(source: bytes) -> tuple[int, int]:
    """("<" , "</") in the page, counted by numpy (bytes.count of a two-byte needle costs 0.2 ms on a Word page)."""
    codes = np.frombuffer(source, np.uint8)
    opens = codes == 60  # "<"
    return int(np.count_nonzero(opens)), int(np.count_nonzero(opens[:-1] & (codes[1:] == 47)))  # "</"


def _through_libxml2(source: bytes, rewrite: bool) -> tuple[bytes, list]:
    """A page of many tags, checked by libxml2 (linear time) before Lexbor (time grows with the square of the
    depth) reads it: deeper than libxml2's hard limit (2048), the page is what libxml2 kept — flagged. `rewrite`:
    Lexbor reads libxml2's tree written out (every tag closed) even when nothing was lost."""
    root = etree.fromstring(source, _DEPTH_PARSER)
    lost = [e for e in _DEPTH_PARSER.error_log if "Excessive depth" in e.message]
    if root is None or not (lost or rewrite):
        return source, []
    flags = [("nesting_truncated", f"the page nests elements deeper than the HTML parser allows; content from line "
                                   f"{lost[0].line} on is lost", {"line": lost[0].line})] if lost else []
    return etree.tostring(root, encoding="utf-8", method="html"), flags


class _Found:
    """The elements the later steps look for by tag, in document order, from one walk of the tree (each element
    once, in Python: a selector query walks the tree once per tag it names)."""

    def __init__(self, root):
        self.meta, self.containers, self.dropped, self.tables = [], [], [], []
        for el in root.traverse():
            tag = el.tag_id
            if tag in _WANTED:
                if tag == _META_TAG or tag == _TITLE:
                    self.meta.append(el)
                if tag in _CONTAINER_TAGS:
                    self.containers.append(el)
                if tag in _DROP:
                    self.dropped.append(el)
                elif tag == _TABLE:
                    self.tables.append(el)


def _page_meta(elements) -> dict:
    """<meta name=ArticleTitle|PubDate|...> (the last of each name) and the first <title> (html_title)."""
    meta: dict = {}
    title = None
    for el in elements:
        if el.tag_id == _TITLE:
            title = title or el
        elif el.tag_id == _META_TAG:
            name, content = el.attrs.get("name"), el.attrs.get("content")
            if name in _META and content:
                meta[name] = content.strip()
    if title is not None and title.text_lexbor().strip():
        meta["html_title"] = title.text_lexbor().strip()
    return meta


def _content_root(tree, containers: list):
    """The article body: the known CMS container holding the most text (a table-holding one preferred). Ids, then
    classes, then tags (`containers`), each in document order: the order in which candidates of equal score are
    preferred."""
    root = tree.body if tree.body is not None else tree.root
    by_id, by_class = [], []
    for el in root.css(_CANDIDATES):
        if el.id in CONTENT_IDS:
            by_id.append(el)
        if not CONTENT_CLASSES.isdisjoint((el.attrs.get("class") or "").split()):
            by_class.append(el)
    candidates = by_id + by_class + containers
    if len(candidates) > 1:  # a container inside another loses to it (more text, as many tables): only the outer
        inside = _Inside({el.mem_id for el in candidates})
        candidates = [el for el in candidates if not inside(el)]
    best, best_score = None, 0.0
    for el in candidates:
        # css() counts the element itself
        score = len(el.text_lexbor()) + 5000 * (len(el.css("table")) - (el.tag_id == _TABLE)) \
            if len(candidates) > 1 else 1.0
        if score > best_score:
            best, best_score = el, score
    return best if best is not None else root


def _first_above(el, memo: dict, hit):
    """What `hit` says of the nearest ancestor of `el` it says anything of (not None), or None. `memo` keeps the
    answer for every element a walk passed (mem_id -> what is above it), so that many walks visit each element
    once. `hit` is asked before the memo: an element passed by one walk may be the answer of another."""
    path, node, found = [], el.parent, None
    while node is not None:
        found = hit(node)
        if found is not None:
            break
        key = node.mem_id
        if key in memo:
            found = memo[key]
            break
        path.append(key)
        node = node.parent
    for key in path:
        memo[key] = found
    return found


class _Inside:
    """Is an element inside one of `keys` (mem_ids)?"""

    def __init__(self, keys: set):
        self.memo: dict = {}
        self.hit = lambda node: True if node.mem_id in keys else None

    def __call__(self, el) -> bool:
        return _first_above(el, self.memo, self.hit) is not None


class _Enclosing:
    """The tables an element sits in, nearest first."""

    def __init__(self):
        self.memo: dict = {}

    def chain(self, el) -> list:
        out, table = [], _first_above(el, self.memo, _table_or_none)
        while table is not None:
            out.append(table)
            table = _first_above(table, self.memo, _table_or_none)
        return out


def _table_or_none(node):
    return node if node.tag_id == _TABLE else None


def read_lines(content, tables: list) -> list[Line]:
    """Prose lines and table rows of the article, in reading order. A layout table (`_is_layout`) is read as
    blocks of prose, the tables inside it as tables. `tables`: those in `content`, in document order."""
    enclosing = _Enclosing()
    outer = [enclosing.chain(t) for t in tables]  # the tables each sits in (up to the page's root)
    holders = {o.mem_id: o for chain in outer for o in chain}  # tables that hold tables
    layout = {key for key, t in holders.items() if _is_layout(t)}
    read: list[list[Line]] = []
    for table, chain in zip(tables, outer):
        if table.mem_id in layout or any(o.mem_id not in layout for o in chain):
            continue  # page layout, or inside a data table (its text is part of that table's cell)
        index = len(read)
        read.append(table_lines(table, index))
        table.replace_with(f"\n{_MARK}{index}{_MARK}\n")
    # Line breaks around block elements and after <br>, as text: the prose is then one text call. (The tables
    # read are out of the tree now: what is left is small.)
    for el in [el for el in content.traverse() if el.tag_id in _BREAK]:
        if el.tag_id != _BR:
            el.insert_before("\n")
        el.insert_after("\n")
    lines: list[Line] = []
    text = content.text_lexbor()
    for part in (text.replace("\u200b", "") if "\u200b" in text else text).split("\n"):
        if not part or part.isspace():  # most of them: the breaks of nested blocks
            continue
        part = " ".join(part.split())  # whitespace runs (NBSP and U+3000 too) -> one space; zero-width ones dropped
        if part[0] == _MARK and part[-1] == _MARK and part[1:-1].isdigit():
            lines += read[int(part[1:-1])]
        else:
            lines.append(Line([SourceCell(part, line=len(lines) + 1)]))
    return lines


def _is_layout(table) -> bool:
    """A table that holds other tables and no more than three cells in any of its own rows lays out a page
    (old portals: navigation | article); a data table keeps a table nested in a cell as that cell's text."""
    return all(sum(1 for td in tr.iter() if td.tag_id in _CELL) <= 3 for tr in _own_rows(table))


def _own_rows(table) -> list:
    """The rows of this table, not of tables inside it: in an HTML5 tree, the <tr> children of the table and of
    its <thead>/<tbody>/<tfoot> (the parser puts rows nowhere else)."""
    rows = []
    for child in table.iter():
        if child.tag_id == _TR:
            rows.append(child)
        elif child.tag_id in _SECTION:
            rows += [tr for tr in child.iter() if tr.tag_id == _TR]
    return rows


def table_lines(table, index: int) -> list[Line]:
    """The rows of one table on its grid: rowspan/colspan resolved, each cell once at its top-left position."""
    # The elements with these attributes, found in C: reading attributes element by element costs more.
    marked = {el.mem_id for el in table.css("[rowspan], [colspan], tr[height]")}
    covered: dict[int, set[int]] = {}  # row -> the columns that merged cells of earlier rows or columns cover
    out = []
    for r, tr in enumerate(_own_rows(table)):
        if tr.mem_id in marked and tr.attrs.get("height") == "0" and not tr.text_lexbor().strip():
            continue  # Word's spacer row (<tr height=0> inside <![if !supportMisalignedColumns]>)
        cells = []
        c = 0
        taken = covered.get(r, ())
        for td in tr.iter():
            if td.tag_id not in _CELL:
                continue
            while c in taken:
                c += 1
            text = td.text_lexbor()
            if "\u200b" in text:
                text = text.replace("\u200b", "")
            cells.append(SourceCell(" ".join(text.split()), index, r, c))  # whitespace as in the prose
            if td.mem_id in marked:
                attrs = td.attributes
                rowspan, colspan = _span(attrs.get("rowspan")), _span(attrs.get("colspan"))
                if rowspan > 1 or colspan > 1:
                    for row in range(r, r + rowspan):
                        covered.setdefault(row, set()).update(range(c, c + colspan))
                c += colspan
            else:
                c += 1
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
        return max(1, min(int(value), 200))  # int() ignores surrounding whitespace
    except (TypeError, ValueError):
        return 1
