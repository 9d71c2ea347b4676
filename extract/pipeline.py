"""The extraction pipeline, stage by stage (none of the stages imports Scrapy):

    bytes --formats/decode--> ParsedDocument --sections--> sections --template--> gb2021/gb2019trial/...
          --tables--> regions of rows --keys--> keyed cells --checks--> R1-R7 --metadata, soft_rules--> flags

`extract_bytes` never raises for bad input: problems end up in `result.errors` (with a stable kind) or flags.
"""
from __future__ import annotations

import traceback

from extract import regions
from extract.checks import run_checks
from extract.decode import squash
from extract.formats import parse
from extract.keys import T2, T3, T4, expected_rows, map_active_disclosure, map_applications, map_review_litigation
from extract.metadata import extract_metadata, merge_page
from extract.model import ExtractError, ExtractionResult, Flag, ParsedDocument
from extract.sections import split_sections
from extract.soft_rules import soft_flags
from extract.tables import find_regions
from extract.template import detect_template


def extract_bytes(data: bytes, source: str, hints: dict | None = None) -> ExtractionResult:
    hints = dict(hints or {})
    result = ExtractionResult(source=source)
    try:
        doc = parse(data, hints)
    except ExtractError as exc:
        result.errors.append({"kind": exc.kind, "message": exc.message})
        return result
    except MemoryError:  # an allocation over the worker's address-space limit (extract/sandbox.py)
        result.errors.append({"kind": "memory_limit", "message": f"{source}: parsing ran out of memory"})
        return result
    except Exception as exc:  # a parser bug must not stop a batch; keep the evidence
        result.errors.append({"kind": "parser_crash", "message": f"{type(exc).__name__}: {exc}",
                              "trace": traceback.format_exc(limit=5)})
        return result
    try:
        return extract_document(doc, source, hints, result)
    except MemoryError:
        result.errors.append({"kind": "memory_limit", "message": f"{source}: extraction ran out of memory"})
        return result
    except Exception as exc:
        result.errors.append({"kind": "extractor_crash", "message": f"{type(exc).__name__}: {exc}",
                              "trace": traceback.format_exc(limit=5)})
        return result


def extract_report(parts: list[tuple[bytes, str, dict]], extract=extract_bytes) -> tuple[ExtractionResult, int]:
    """One report published as a page plus attachments: parts[0] is the page, the rest its attachments
    (bytes, source, hints). Tables come from the part with the most cells (the page wins ties); the page's
    listing/page metadata (title, publication date) is kept where it has it; the other fields come from the
    document the tables came from. Returns the merged result and the index of the part the cells came from,
    so each cell stays traceable to its document. An attachment that could not be extracted is flagged
    (`attachment_error`) on the result. `extract` reads one document (extract/sandbox.py passes its isolated
    version)."""
    page = extract(*parts[0])
    # What the page says about the report (its publication date) is a hint for reading the attachments, so the
    # rules that depend on it (late publication) are evaluated with the page's date, not re-derived afterwards.
    known = {"published_date": page.meta.published_date} if page.meta.published_date else {}
    results = [page] + [extract(data, source, {**hints, **known}) for data, source, hints in parts[1:]]
    failed = [Flag("attachment_error", f"attachment {parts[i][1]} not extracted: {e['kind']}: {e['message']}",
                   {"attachment": parts[i][1], "kind": e["kind"]})
              for i in range(1, len(results)) for e in results[i].errors if e["kind"] != "not_a_report"]
    best = max(range(len(results)), key=lambda i: (len(results[i].cells), i == 0))
    if best == 0 or not results[best].cells:
        page.flags += failed
        return page, 0
    merged = results[best]
    merged.source = page.source
    merge_page(page.meta, merged.meta, merged.flags)
    if len("".join(s.text for s in page.sections)) > len("".join(s.text for s in merged.sections)):
        merged.sections = page.sections
    merged.flags.insert(0, Flag("tables_from_attachment", f"tables read from attachment {parts[best][1]}",
                                {"attachment": parts[best][1], "format": merged.format}))
    merged.flags += failed
    return merged, best


def extract_document(doc: ParsedDocument, source: str, hints: dict | None = None,
                     result: ExtractionResult | None = None) -> ExtractionResult:
    hints = hints or {}
    result = result or ExtractionResult(source=source)
    result.format = doc.format
    for w in doc.warnings:
        result.flags.append(Flag("decode_warning", w))
    for kind, detail, data in doc.meta.get("flags", []):  # what a parser saw and must not hide (e.g. depth limits)
        result.flags.append(Flag(kind, detail, data))
    if doc.meta.get("replacements"):
        result.flags.append(Flag("replacement_characters",
                                 f"{doc.meta['replacements']} characters could not be decoded",
                                 {"count": doc.meta["replacements"], "charset": doc.meta.get("charset")}))

    keys = [squash(line.joined) for line in doc.lines]  # each line's matching form, for sections, template, tables
    sections, headings = split_sections(doc, keys)
    result.sections = sections
    squashed = "".join(keys)
    template, evidence = detect_template(squashed)
    result.template = template

    cells = []
    for region in find_regions(doc, headings, keys):
        if region.table == T2:
            cells += map_active_disclosure(region, template, result.flags)
        elif region.table == T3:
            cells += map_applications(region, template, result.flags)
        elif region.table == T4:
            cells += map_review_litigation(region, result.flags)
    result.cells = cells
    _flag_incomplete(result, template)

    meta = extract_metadata(doc, sections, hints, result.flags)
    result.meta = meta
    division = regions.by_code(meta.region_code) if meta.region_code else None
    result.checks = run_checks(cells, template)
    result.flags += soft_flags(cells, sections, meta, template, division.level if division else None)
    if doc.meta.get("ocr"):
        result.flags.append(Flag("ocr", "tables read by OCR: check failures may be recognition errors",
                                 {"low_confidence_cells": doc.meta.get("low_confidence_cells", 0)}))

    if not cells:
        looks_like_report = "政府信息公开" in squashed and ("年度报告" in squashed or "年报" in squashed)
        if looks_like_report or template == "pre2019":
            result.flags.append(Flag("no_tables", "no standard table found in the report"))
        else:
            result.errors.append({"kind": "not_a_report",
                                  "message": "no report title, section or standard table found: not an annual "
                                             "report of government information disclosure"})
    return result


def _flag_incomplete(result: ExtractionResult, template: str) -> None:
    """A table that was found but lacks rows (a truncated table) is flagged with the missing rows."""
    for table in (T3, T4):
        found = {c.row for c in result.cells if c.table == table}
        if not found:
            continue
        expected = expected_rows(table, template if template in ("gb2021", "gb2019trial") else "gb2021")
        missing = [r for r in expected if r not in found]
        if table == T3 and "other_handling" in found:
            missing = [r for r in missing if not r.startswith("other_")]
        if missing:
            result.flags.append(Flag("incomplete_table", f"{table}: {len(missing)} rows not found",
                                     {"table": table, "missing_rows": missing}))
