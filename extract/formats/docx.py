"""DOCX → ParsedDocument.

Paragraphs and tables in body order. Table cells are placed on the Word grid: `w:gridBefore` and `w:gridSpan`
give the column, `w:vMerge` continuation cells extend the cell above (emitted once, at its top-left). The text
of a cell is its paragraphs joined like wrapped lines (a header typed one character per paragraph is one word).
"""
from __future__ import annotations

import io

from extract.formats import limits
from extract.formats.grid import clean_text, normalise_document, join_text
from extract.model import ExtractError, Line, ParsedDocument, SourceCell

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def parse(data: bytes, hints: dict) -> ParsedDocument:
    limits.check_size(data, "DOCX")
    zf = limits.check_zip(data, "DOCX")
    if "word/document.xml" not in zf.namelist():
        raise ExtractError("not_really_docx", "ZIP container without word/document.xml")
    import docx  # python-docx
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise ExtractError("corrupt", f"the DOCX cannot be read: {type(exc).__name__}: {exc}") from exc
    deadline = limits.Deadline()
    lines: list[Line] = []
    tables = 0
    for element in _body_blocks(document.element.body):
        deadline.check()
        if element.tag == W + "p":
            text = paragraph_text(element)
            if text:
                lines.append(Line([SourceCell(text)]))
        elif element.tag == W + "tbl":
            lines.extend(table_lines(element, tables))
            tables += 1
    return normalise_document(ParsedDocument(lines, "docx", {"tables": tables}))


def _body_blocks(parent):
    """Paragraphs and tables in document order, looking inside content controls (w:sdt)."""
    for child in parent:
        if child.tag in (W + "p", W + "tbl"):
            yield child
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from _body_blocks(content)


def paragraph_text(p) -> str:
    parts = []
    for node in p.iter(W + "t", W + "tab", W + "br", W + "cr"):
        parts.append((node.text or "") if node.tag == W + "t" else " ")
    return clean_text("".join(parts))


def cell_text(tc) -> str:
    lines = []
    for child in tc:
        if child.tag == W + "p":
            lines.append(paragraph_text(child))
        elif child.tag == W + "tbl":  # nested table: its text, row by row
            for tr in child.iter(W + "tr"):
                lines.append(" ".join(cell_text(c) for c in tr.iter(W + "tc")))
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                lines.append(cell_text(content))
    return join_text(lines)


def _val(element, path: str, default=None):
    node = element.find(path)
    if node is None:
        return default
    return node.get(W + "val", "continue" if path.endswith("vMerge") else default)


def table_lines(tbl, index: int) -> list[Line]:
    """Rows of one Word table, merged cells resolved."""
    rows: list[list[SourceCell]] = []
    open_cells: dict[int, tuple[SourceCell, int]] = {}  # grid col -> (top cell of a vertical merge, colspan)
    for r, tr in enumerate(tbl.findall(W + "tr")):
        row: list[SourceCell] = []
        col = int(_val(tr, f"{W}trPr/{W}gridBefore", 0) or 0)
        for tc in _row_cells(tr):
            span = int(_val(tc, f"{W}tcPr/{W}gridSpan", 1) or 1)
            merge = _val(tc, f"{W}tcPr/{W}vMerge")
            if merge == "continue" and col in open_cells:
                top, _ = open_cells[col]
                extra = cell_text(tc)  # Word ignores text in continuation cells; keep it if someone typed any
                if extra:
                    top.text = join_text([top.text, extra])
            else:
                cell = SourceCell(cell_text(tc), table=index, row=r, col=col)
                row.append(cell)
                if merge == "restart":
                    open_cells[col] = (cell, span)
                else:
                    open_cells.pop(col, None)
            col += span
        rows.append(row)
    return [Line(row, table=index) for row in rows if row]


def _row_cells(tr):
    for child in tr:
        if child.tag == W + "tc":
            yield child
        elif child.tag == W + "sdt":  # a content control around cells
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from (c for c in content if c.tag == W + "tc")
