"""Data passed between the extraction stages.

Every input format (plain text, HTML, PDF, DOCX, ...) is parsed into a `ParsedDocument`: the document as a
sequence of `Line`s in reading order. A prose paragraph is a line with one cell; a table row is a line with
several cells. Each `SourceCell` remembers where it came from (table/row/col, text line, page, bbox, OCR
confidence), so every number in the archive can be traced back to its place in the original.

Everything after parsing (sections, table keys, checks, metadata) works on `ParsedDocument` only, so a new
format needs nothing but a parser that produces one.
"""
from __future__ import annotations

from dataclasses import dataclass, field, asdict
from typing import Any


@dataclass(slots=True)
class SourceCell:
    text: str
    table: int | None = None  # index of the source table (HTML/PDF/DOCX table, or text table region)
    row: int | None = None  # row inside that table
    col: int | None = None  # column inside that table (grid position, spans resolved)
    line: int | None = None  # 1-based line number in the decoded text, where the format has lines
    page: int | None = None  # 1-based page (PDF, scans)
    bbox: tuple[float, float, float, float] | None = None  # x0, top, x1, bottom in PDF points / pixels
    confidence: float | None = None  # OCR confidence 0..1, None when the text was not recognised by OCR


@dataclass(slots=True)
class Line:
    cells: list[SourceCell]
    table: int | None = None  # set when this line is a row of a source table (grid formats)
    # How a line was cut into cells (None for grid rows and one-cell lines), which says how far the cell
    # positions can be trusted: "tab" and "bar" show every empty cell; "space" (runs of spaces, a fixed-width
    # layout) shows them by position only (`offsets`); "word" (numbers after a label, one space apart) hides
    # them; "band" is a row of a table printed without ruling lines (PDF), one cell per column band.
    sep: str | None = None
    closed: bool = False  # the row ends with an explicit separator ("... | 0 |"): its trailing empty cells are real
    offsets: list[int] | None = None  # "space" rows: the character column where each cell starts

    # The text of each cell, read by every stage: set once (a parser that changes a cell's text after making the
    # line calls `refresh()`).
    texts: list[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        self.texts = [c.text for c in self.cells]

    def refresh(self) -> None:
        self.texts = [c.text for c in self.cells]

    @property
    def joined(self) -> str:
        return "".join(self.texts)


@dataclass
class ParsedDocument:
    lines: list[Line]
    format: str  # text / html / pdf / docx / doc / xlsx / image ...
    meta: dict[str, Any] = field(default_factory=dict)  # title, published date, charset, script, ocr ...
    warnings: list[str] = field(default_factory=list)


class ExtractError(Exception):
    """A document that cannot be extracted. `kind` is a short stable code stored in the archive."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


# Status of a keyed cell: what the document shows in that cell. Declared once, here (docs/schema.md is generated
# from it). Only `num` (and `derived`) cells carry a value; the others have value NULL and are never read as 0,
# except that the checks' blank_as_zero reading counts `blank` and `dash` as 0. `missing` never counts as 0.
CELL_STATUSES: dict[str, str] = {
    "num": "a number printed in the cell (value in `unit`; money normalised to 万元, raw keeps what was printed)",
    "blank": "the document is seen to leave the cell empty (an empty grid cell, an empty tab/bar-delimited cell)",
    "dash": "the cell holds a printed placeholder such as -, /, —, 无: shown as not filled, no number",
    "text": "the cell holds text that is not a number (kept in raw)",
    "derived": "not printed; computed from printed cells (never produced by the extractor today)",
    "missing": "the cell could not be read from the document (its position is not printed, not placed or not "
               "understood); a `missing_cells` flag says why — never blank, never 0",
}

# Every flag kind the extractor raises, with its meaning. Declared once, here (docs/schema.md is generated from it).
FLAG_KINDS: dict[str, str] = {
    # tables
    "missing_table": "a table of the detected template is not in the report (or none of its values could be read)",
    "table_unread": "a table was found but none of its values could be read: its cells are not stored",
    "incomplete_table": "a table was found but lacks rows or cells (data: the missing rows / the cells found)",
    "missing_cells": "cells that could not be read are stored as `missing`; data: table, reason, the cells",
    "short_row": "a text row printed fewer cells than the table has columns; how the cells were placed is stated",
    "unplaced_values": "a row's numbers could not be placed in its columns unambiguously; its cells are missing, "
                       "the printed numbers are in data",
    "continuation_row": "a row label broken over lines: the values were read from the continuation",
    "duplicate_row": "a row appears twice; the first is kept",
    "extra_cells": "a row printed more values than the table has columns",
    "grid_misaligned": "a table whose rows do not line up with the template's columns (values outside the columns "
                       "its header names, two header names on one column — shifted text pasted into a grid): its "
                       "rows are read by their printed order",
    "unit_assumed": "an amount printed without a unit (neither in the cell nor in its column header): the "
                    "template's unit is assumed and stated in data",
    "no_tables": "the report has no standard table",
    # metadata / soft rules
    "region_conflict": "title and body name different divisions: both candidates in data",
    "region_from_body": "no place in the title: the region comes from the body",
    "ambiguous_region": "a place name that names several divisions",
    "regulations_at_county": "a county-level body reports 规章, which it cannot enact (S3)",
    "prose_table_mismatch": "a count in the prose differs from the table (S4)",
    "late_publication": "published after the statutory deadline",
    "zone_mapped": "a functional zone (开发区, 综合实验区…) filed under its county by the zone table "
                   "(extract/data/zones.csv); the zone, the county and the table's source in data",
    "zone_without_county": "a functional zone with no single county: no region given; the zone and its source in data",
    "functional_zone": "a unit that looks like a functional zone the zone table does not know, no county named "
                       "with it: the county it is filed under and where that came from in data",
    "page_attachment_mismatch": "a page and its attachment report on different years or places: the attachment's "
                                "own metadata used; both in data",
    "year_conflict": "the title's year and the stated reporting period disagree: the title's year used",
    "impossible_date": "a publication date before the reporting period ended, or in the future: not used",
    "date_conflict": "sources of the publication date disagree: the earliest possible one used, all in data",
    "date_doubtful": "a publication date far past the deadline: possibly the date of a re-publication",
    # reading
    "decode_warning": "the text encoding was uncertain or a declared charset was wrong",
    "replacement_characters": "characters that could not be decoded",
    "ocr": "the tables were read by OCR: check failures may be recognition errors",
    "tables_from_attachment": "the page had no tables; the cells come from the attachment named in data",
    "attachment_error": "an attachment of the report could not be extracted (its error kind in data); the page "
                        "and the other attachments are still read",
    "nesting_truncated": "an HTML page nested deeper than the parser allows: the content from the line in data "
                         "on is lost",
}


@dataclass(slots=True)
class KeyedCell:
    table: str  # active_disclosure / applications / review_litigation
    row: str
    col: str
    value: float | None
    raw: str
    status: str  # one of CELL_STATUSES
    unit: str | None = None
    source: SourceCell | None = None

    def to_json(self) -> dict:
        value = self.value
        if isinstance(value, float) and value.is_integer() and self.unit not in ("万元", "元"):
            value = int(value)
        # `source` is null for a cell with no printed cell of its own (missing, or blank between a short row's values).
        source = None if self.source is None else \
            {k: v for k, v in asdict(self.source).items() if v is not None and k != "text"}
        return {"table": self.table, "row": self.row, "col": self.col, "value": value, "raw": self.raw,
                "status": self.status, "unit": self.unit, "source": source}


@dataclass(slots=True)
class Check:
    rule: str  # R1..R7
    table: str
    row: str | None
    col: str | None
    status: str  # pass / fail / pass_if_blank_zero / uncertain
    strict: str  # pass / fail / uncertain
    blank_as_zero: str  # pass / fail / uncertain
    lhs: float | None = None  # strict sides (None when an operand is blank)
    rhs: float | None = None
    lhs_bz: float | None = None  # sides with blanks read as zero
    rhs_bz: float | None = None
    detail: str = ""

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class Flag:
    kind: str
    detail: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"kind": self.kind, "detail": self.detail, **({"data": self.data} if self.data else {})}


@dataclass
class Section:
    key: str  # overview / active_disclosure / applications / review_litigation / problems / other_matters / extra
    number: str | None  # the numeral as printed (一, 二...), not trusted for identity
    title: str
    text: str


@dataclass
class Metadata:
    title: str | None = None
    year: int | None = None
    region_code: str | None = None
    region_name: str | None = None
    province: str | None = None
    prefecture: str | None = None
    region_source: str | None = None  # title / issuer / body / hint (extract/attribution.py)
    agency: str | None = None
    agency_kind: str | None = None  # government / office / department / township / other / unknown (extract/agencies.py)
    published_date: str | None = None  # ISO date (extract/dates.py: earliest possible; impossible ones flagged)
    period_start: str | None = None
    period_end: str | None = None
    script: str = "hans"  # hans / hant (script of the original)
    # Whose report it is: province / prefecture / county / township (a 乡镇/街道's report; region_code is its county).
    region_level: str | None = None
    agency_key: str | None = None  # "630222|教育局": the same for every spelling of the same unit (extract/agencies.py)
    published_source: str | None = None  # page meta / listing / page text / url in text / signature
    deadline: str | None = None  # statutory deadline, ISO (extract/dates.py statutory_deadline)
    days_late: int | None = None  # published_date − deadline in days; ≤ 0 on time; None without a date


@dataclass
class ExtractionResult:
    source: str
    template: str = "unknown"
    meta: Metadata = field(default_factory=Metadata)
    sections: list[Section] = field(default_factory=list)
    cells: list[KeyedCell] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # [{"kind": ..., "message": ...}]
    format: str | None = None

    def cell(self, table: str, row: str, col: str) -> KeyedCell | None:
        for c in self.cells:
            if c.table == table and c.row == row and c.col == col:
                return c
        return None

    def to_json(self) -> dict:
        m = self.meta
        return {
            "source": self.source,
            "format": self.format,
            "template": self.template,
            "year": m.year,
            "region_code": m.region_code,
            "region_name": m.region_name,
            "province": m.province,
            "prefecture": m.prefecture,
            "agency": m.agency,
            "agency_kind": m.agency_kind,
            "title": m.title,
            "published_date": m.published_date,
            "period_start": m.period_start,
            "period_end": m.period_end,
            "script": m.script,
            "sections": [{"key": s.key, "number": s.number, "title": s.title, "chars": len(s.text)}
                         for s in self.sections],
            "cells": [c.to_json() for c in self.cells],
            "checks": [c.to_json() for c in self.checks],
            "flags": [f.to_json() for f in self.flags],
            "errors": self.errors,
        }
