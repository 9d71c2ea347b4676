"""A page per report, /report/<id> (and its JSON twin /report/<id>.json): the report as printed — its three
tables laid out like the national template with the Chinese labels, every number linked to the original it was
read from and carrying its source position; the failing checks marked on the cells they involve (strict failures
apart from those that need blanks read as 0, and whole tables missing); flags; the text by section; versions
with their changed cells; every place the report was found, with each original and its WARC record.

load() reads through Datasette (read-only, time-limited; SQL in storage.serving.queries.REPORT_SQL); build() is a
pure function of what was read, so the layout is tested without a server.
"""
from __future__ import annotations

import json

from datasette.utils.asgi import Response

from extract.checks import DENIED, OTHER_2021, T4_PARTS, UNABLE, UNPROCESSED
from nianbao.serve import site
from storage.serving import labels
from storage.serving.browse import ORIGINAL_FILE, REPORT_PAGE, WARC_RECORD
from storage.serving.queries import REPORT_SQL

T2, T3, T4 = "active_disclosure", "applications", "review_litigation"
RESULT_ROWS = ["granted", "partially_granted"] + DENIED + UNABLE + UNPROCESSED + OTHER_2021 + ["other_handling"]


def cell_anchor(table: str, row: str, col: str) -> str:
    return f"c-{table}-{row}-{col}"


def involved_cells(check: dict) -> list[tuple[str, str, str]]:
    """The cells a check reads (extract/checks.py's rules): what to mark when it fails."""
    rule, table, row, col = check["rule"], check["table_key"], check["row_key"], check["col_key"]
    if rule == "R1" and col:
        return [(T3, r, col) for r in ("new_received", "carried_in", "results_total", "carried_out")]
    if rule == "R2" and col:
        return [(T3, r, col) for r in RESULT_ROWS + ["results_total"]]
    if rule == "R3" and row:
        return [(T3, row, c) for c in labels.T3_VALUE_COLS]
    if rule in ("R4", "R5", "R6") and row:
        return [(T4, row, c) for c in T4_PARTS + ["total"]]
    if table and row and col:
        return [(table, row, col)]
    return []


def check_kind(check: dict) -> str:
    """strict: fails as printed · blanks_as_zero: fails only once blanks are read as 0 · pass_if_blank_zero: holds
    only if blanks mean 0 · uncertain: an operand missing or not a number · pass."""
    if check["status"] == "fail":
        return "strict" if check["strict"] == "fail" else "blanks_as_zero"
    return check["status"]


def number_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# (column, how it is said, +1 when the extractor counts from 0)
POSITION = (("page", "page {}", 0), ("src_table", "table {}", 1), ("src_row", "row {}", 1), ("src_col", "col {}", 1),
            ("src_line", "line {}", 0))


def position_text(cell: dict) -> str:
    """Where the number was printed in its document: page, table, row, column, line (OCR: its confidence)."""
    parts = [fmt.format(cell[col] + shift) for col, fmt, shift in POSITION if cell.get(col) is not None]
    if cell.get("confidence") is not None:
        parts.append(f"OCR {cell['confidence']:.2f}")
    return ", ".join(parts)


class Layout:
    """Cells by key, their marks, and which were placed in the printed layout."""

    def __init__(self, cells: list[dict], checks: list[dict]):
        self.cells = {(c["table_key"], c["row_key"], c["col_key"]): c for c in cells}
        self.placed: set = set()
        self.marks: dict[tuple, dict] = {}
        for check in checks:
            kind = check_kind(check)
            if kind not in ("strict", "blanks_as_zero"):
                continue
            for key in involved_cells(check):
                mark = self.marks.setdefault(key, {"kind": kind, "checks": []})
                if kind == "strict":
                    mark["kind"] = "strict"
                mark["checks"].append(check["id"])

    def cell(self, table: str, row: str, col: str) -> dict:
        key = (table, row, col)
        self.placed.add(key)
        c = self.cells.get(key)
        mark = self.marks.get(key)
        view = {"anchor": cell_anchor(*key), "key": f"{table}/{row}/{col}",
                "mark": mark["kind"] if mark else None, "checks": mark["checks"] if mark else []}
        if c is None:
            return {**view, "state": "absent", "text": "", "title": "not in the table as extracted"}
        status = c["status"] or ""
        raw = c["raw"] if c["raw"] is not None else number_text(c["value"])
        # missing: the document has something there that could not be read (flagged) — never shown as a blank
        text = raw.strip() if status in ("num", "text", "dash") else "?" if status == "missing" else ""
        position = position_text(c)
        title = [f"{labels.row_label(table, row) or row} × {labels.col_label(table, col) or col}",
                 f"as printed: “{raw}”" if raw else ("could not be read" if status == "missing" else
                                                        "blank as printed"), f"read as: {status}"]
        if c["value"] is not None and number_text(c["value"]) != text:
            title.append(f"value {number_text(c['value'])}{c['unit'] or ''}")
        if position:
            title.append(f"source: document {c['document_id']}, {position}")
        return {**view, "state": status or "num", "text": text, "value": c["value"], "position": position,
                "document_id": c["document_id"],
                "href": f"{ORIGINAL_FILE}{c['document_id']}" if c["document_id"] is not None else None,
                "title": " · ".join(title)}

    def unplaced(self) -> list[dict]:
        out = []
        for key in sorted(self.cells):
            if key not in self.placed:
                table, row, col = key
                out.append({**self.cell(table, row, col), "table": table, "row": row, "col": col,
                            "row_label": labels.row_label(table, row), "col_label": labels.col_label(table, col)})
        return out


def t2_view(layout: Layout, template: str | None) -> dict:
    blocks = labels.t2_blocks(template)
    width = max(len(cols) for _, cols, _ in blocks)
    out = []
    for title, cols, rows in blocks:
        out.append({"title": title, "span": width + 1 - len(cols),
                    "cols": [labels.T2_COL_LABELS[c] for c in cols],
                    "rows": [{"label": labels.T2_ROW_LABELS[r], "cells": [layout.cell(T2, r, c) for c in cols]}
                             for r in rows]})
    return {"blocks": out, "width": width}


def t3_view(layout: Layout, template: str | None) -> dict:
    rows = []
    for key in labels.t3_rows(template):
        if key in labels.T3_GROUPS:
            label, depth = labels.T3_GROUPS[key]
            if not (key == "other_no_correction" and template == "gb2019trial"):
                rows.append({"group": label, "depth": depth})
        depth = 2 if key.split("_")[0] in ("denied", "unable", "unprocessed") or key in OTHER_2021 else \
            1 if key in RESULT_ROWS or key == "results_total" else 0
        rows.append({"key": key, "label": labels.T3_ROW_LABELS[key], "depth": depth,
                     "cells": [layout.cell(T3, key, c) for c in labels.T3_VALUE_COLS]})
    return {"rows": rows, "org_cols": [labels.T3_COL_LABELS[c] for c in labels.T3_VALUE_COLS[1:6]]}


def t4_view(layout: Layout) -> dict:
    return {"rows": [{"label": labels.T4_ROW_LABELS[r], "key": r,
                      "cells": [layout.cell(T4, r, c) for c in labels.T4_COL_KEYS]} for r in labels.T4_ROW_KEYS],
            "cols": [labels.T4_COL_LABELS[c] for c in labels.T4_COL_KEYS]}


def document_view(doc: dict) -> dict:
    from nianbao.serve.files import content_type_of, filename_of

    return {**doc, "original": f"{ORIGINAL_FILE}{doc['id']}", "warc": f"{WARC_RECORD}{doc['id']}" if doc.get("url")
            else None, "name": filename_of(doc), "mime": content_type_of(doc)}


def build(data: dict) -> dict:
    """The page's content from what load() read."""
    report = data["report"]
    template = report.get("template")
    layout = Layout(data["cells"], data["checks"])
    present = {c["table_key"] for c in data["cells"]}
    missing = set(filter(None, (report.get("tables_missing") or "").split(",")))
    tables = []
    for key, view in ((T2, t2_view(layout, template)), (T3, t3_view(layout, template)), (T4, t4_view(layout))):
        tables.append({"key": key, "title": labels.TABLE_TITLES[key], "short": labels.TABLE_SHORT[key],
                       "present": key in present, "missing": key in missing, "view": view})
    checks = []
    for check in data["checks"]:
        kind = check_kind(check)
        sides = None
        if check["lhs"] is not None or check["rhs"] is not None or check["lhs_bz"] is not None:
            sides = (f"as printed {number_text(check['lhs']) or '?'} vs {number_text(check['rhs']) or '?'}; "
                     f"blanks as 0: {number_text(check['lhs_bz']) or '?'} vs {number_text(check['rhs_bz']) or '?'}")
        checks.append({**check, "kind": kind, "cells": [cell_anchor(*k) for k in involved_cells(check)],
                       "sides": sides,
                       "row_label": labels.row_label(check["table_key"], check["row_key"]),
                       "col_label": labels.col_label(check["table_key"], check["col_key"]),
                       "table_title": labels.TABLE_SHORT.get(check["table_key"] or "", check["table_key"])})
    counts = {k: sum(1 for c in checks if c["kind"] == k)
              for k in ("strict", "blanks_as_zero", "pass_if_blank_zero", "uncertain", "pass")}
    documents = [document_view(d) for d in data["documents"]]
    by_id = {d["id"]: d for d in documents}
    changes: dict[int, list] = {}
    for ch in data["changes"]:
        changes.setdefault(ch["new_version"], []).append({
            **ch, "row_label": labels.row_label(ch["table_key"], ch["row_key"]),
            "col_label": labels.col_label(ch["table_key"], ch["col_key"]),
            "anchor": cell_anchor(ch["table_key"], ch["row_key"], ch["col_key"])})
    versions = [{**v, "changes": changes.get(v["version"], []), "document": by_id.get(v["document_id"])}
                for v in data["versions"]]
    sources = []
    for s in data["sources"]:
        try:
            ids = [int(i) for i in json.loads(s["documents"] or "[]")]
        except (ValueError, TypeError):
            ids = []
        sources.append({**s, "docs": [by_id[i] for i in ids if i in by_id]})
    flags = []
    for f in data["flags"]:
        flags.append({**f, "data_text": f["data"] if f["data"] and f["data"] not in ("{}", "null") else None})
    return {"report": report, "tables": tables, "checks": checks, "failing": [c for c in checks
                                                                            if c["kind"] in ("strict",
                                                                                             "blanks_as_zero")],
            "check_counts": counts, "missing": sorted(missing), "other_cells": layout.unplaced(),
            "documents": documents, "versions": versions, "sources": sources, "flags": flags,
            "sections": data["sections"], "page": f"{REPORT_PAGE}{report['id']}"}


async def load(datasette, report_id: str) -> dict | None:
    report = await site.first(datasette, REPORT_SQL["report"], {"id": report_id})
    if report is None:
        return None
    data = {"report": report}
    for part in ("documents", "cells", "checks", "flags", "sections", "versions", "changes", "sources"):
        data[part] = await site.rows(datasette, REPORT_SQL[part], {"id": report_id})
    return data


async def report_page(request, datasette):
    report_id = request.url_vars["report_id"]
    data = await load(datasette, report_id)
    if data is None:
        return Response.html(await datasette.render_template(
            "nianbao_message.html", {"title": "No such report", "message": f"There is no report {report_id} in "
                                     "this archive."}, request=request), status=404)
    if request.url_vars.get("format") == "json":
        return Response.json(data, default=str)
    page = build(data)
    return Response.html(await datasette.render_template("nianbao_report.html", page, request=request))
