"""Links in every table, view, canned query and search result (Datasette's render_cell hook): a report id goes
to the report's page, a cell to its place on that page, a document to its report (and an original to its bytes),
a path column to its page. Chosen by column name, so every relation that carries these columns gets them.
"""
from __future__ import annotations

import json

from markupsafe import Markup, escape

from storage.serving.browse import ORIGINAL_FILE, REPORT_PAGE

REPORT_COLUMNS = {"report_id", "report_n", "report_next", "report_prev", "government_report_id", "old_report_id"}
PATH_COLUMNS = {"report_page", "cell_page", "check_page", "original_file", "cell_path", "report_path"}
DOCUMENT_COLUMNS = {"document_id", "cells_document_id", "parent_id"}
CELL_TABLES = {"cells", "applications_long", "cell_changes"}


def _get(row, name):
    try:
        return row[name]
    except (IndexError, KeyError, TypeError):
        return None


def _a(href: str, text) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


def report_link(value) -> Markup | None:
    if isinstance(value, dict):  # a foreign key Datasette expanded with its label
        rid, label = value.get("value"), value.get("label")
        return _a(REPORT_PAGE + str(rid), label or rid) if rid else None
    if isinstance(value, str) and value and len(value) <= 64:
        return _a(REPORT_PAGE + value, value)
    return None


def render(row, value, column: str, table: str | None) -> Markup | None:
    if value is None or value == "":
        return None
    if column in REPORT_COLUMNS or (table == "reports" and column == "id"):
        return report_link(value)
    if column == "title" and isinstance(value, str):  # a report's title leads to its page
        report = _get(row, "report_id") or (_get(row, "id") if table == "reports" else None)
        if isinstance(report, str) and report:
            return _a(REPORT_PAGE + report, value)
    if column in PATH_COLUMNS and isinstance(value, str) and value.startswith("/"):
        return _a(value, value)
    if column == "atom_link" and isinstance(value, str) and value.startswith("/"):
        return _a(value, value)
    if column in DOCUMENT_COLUMNS or (table == "documents" and column == "id"):
        doc = value.get("value") if isinstance(value, dict) else value
        if isinstance(doc, int):
            label = value.get("label") if isinstance(value, dict) else doc
            return Markup('{} <small>(<a href="{}">original</a>)</small>').format(
                _a(f"/document/{doc}", label), f"{ORIGINAL_FILE}{doc}")
    if column in ("report_ids", "documents") and isinstance(value, str) and value.startswith("["):
        try:
            items = json.loads(value)
        except ValueError:
            return None
        prefix = REPORT_PAGE if column == "report_ids" else "/document/"
        return Markup(", ").join(_a(prefix + str(i), i) for i in items if i is not None) or None
    if table in CELL_TABLES and column in ("row_key", "col_key"):
        report = _get(row, "report_id")
        report = report.get("value") if isinstance(report, dict) else report
        table_key = _get(row, "table_key") or ("applications" if table == "applications_long" else None)
        row_key, col_key = _get(row, "row_key"), _get(row, "col_key")
        if report and table_key and row_key and col_key:
            return _a(f"{REPORT_PAGE}{report}#c-{table_key}-{row_key}-{col_key}", escape(value))
    return None
