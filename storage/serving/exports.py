"""Whole exports of a served archive, streamed: every row of a table or view as CSV, the whole archive as a ZIP
of CSVs, and the data dictionary. Rows are read through one read-only connection of their own and written out in
batches, so a download of 20M cells holds a few thousand rows in memory at a time and never occupies one of the
web server's query threads.

CSV as people open it: counts print as integers (a REAL 17.0 is written 17; 1.5 stays 1.5), blanks as empty
fields, every row_key/col_key gets the printed Chinese label beside it (row_label, col_label) unless the relation
already has one, and an optional UTF-8 byte-order mark lets Excel read the Chinese.
"""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from storage.db import connect
from storage.serving import labels
from storage.serving import search as fts
from storage.serving.relations import DESCRIPTIONS

BATCH_ROWS = 2000
CHUNK_BYTES = 256 * 1024
BOM = "\ufeff"
# Relations whose rows all belong to one table of the report: their row keys are that table's.
TABLE_OF_RELATION = {"applications_wide": "applications", "applications_long": "applications",
                     "applications_by_province": "applications", "application_rows": "applications",
                     "active_disclosure_wide": "active_disclosure", "t2_stock": "active_disclosure"}
NOT_EXPORTED_PREFIXES = ("sqlite_", fts.FTS_TABLE)  # the search index and its shadow tables are not data


def csv_value(value) -> object:
    """A float that is a whole number is written as an integer: counts are counts."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return "" if value is None else value


class LabelPlan:
    """The output header of a relation's CSV: its columns, with a label column after each row_key / col_key that
    has none, and how to fill it for a row."""

    def __init__(self, relation: str, columns: list[str], *, with_labels: bool = True):
        self.columns = columns
        self.header: list[str] = []
        self.steps: list[tuple[str, int]] = []  # ("col", index) or ("row_label"/"col_label", key index)
        table_index = columns.index("table_key") if "table_key" in columns else None
        self.fixed_table = TABLE_OF_RELATION.get(relation)
        self.table_index = table_index
        for i, col in enumerate(columns):
            self.header.append(col)
            self.steps.append(("col", i))
            kind = {"row_key": "row_label", "col_key": "col_label"}.get(col)
            if with_labels and kind and kind not in columns and (self.fixed_table or table_index is not None):
                self.header.append(kind)
                self.steps.append((kind, i))

    def row(self, values) -> list:
        table = self.fixed_table or (values[self.table_index] if self.table_index is not None else None)
        out = []
        for kind, i in self.steps:
            if kind == "col":
                out.append(csv_value(values[i]))
            elif kind == "row_label":
                out.append(labels.row_label(table, values[i]) or "")
            else:
                out.append(labels.col_label(table, values[i]) or "")
        return out


def _open(db_path: str | Path):
    conn = connect(db_path, readonly=True)
    fts.register_functions(conn)
    return conn


def relation_names(db_path: str | Path) -> list[str]:
    """Every table and view worth exporting, in name order."""
    conn = _open(db_path)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")]
    finally:
        conn.close()
    return [n for n in names if not n.startswith(NOT_EXPORTED_PREFIXES)]


class _Buffer(io.RawIOBase):
    """Where the CSV writer and the ZIP writer put their bytes until the generator hands them out."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.parts.append(bytes(b))
        self.size += len(b)
        return len(b)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts, self.size = [], 0
        return data


def _csv_rows(conn, relation: str, sql: str, params, *, with_labels: bool, out: io.TextIOBase,
              buffer: _Buffer) -> Iterator[bytes]:
    cur = conn.execute(sql, params)
    columns = [d[0] for d in cur.description]
    plan = LabelPlan(relation, columns, with_labels=with_labels)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(plan.header)
    while True:
        batch = cur.fetchmany(BATCH_ROWS)
        if not batch:
            break
        writer.writerows(plan.row(r) for r in batch)
        out.flush()
        if buffer.size >= CHUNK_BYTES:
            yield buffer.take()
    out.flush()


def stream_csv(db_path: str | Path, relation: str, sql: str, params=(), *, bom: bool = False,
               with_labels: bool = True) -> Iterator[bytes]:
    """The rows of `sql` (a SELECT over `relation`) as UTF-8 CSV, in chunks. The connection lives as long as the
    generator: close the generator to stop early."""
    conn = _open(db_path)
    try:
        buffer = _Buffer()
        out = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)
        if bom:
            out.write(BOM)
        yield from _csv_rows(conn, relation, sql, params, with_labels=with_labels, out=out, buffer=buffer)
        yield buffer.take()
    finally:
        conn.close()


def stream_zip(db_path: str | Path, relations: list[str] | None = None, *, bom: bool = False) -> Iterator[bytes]:
    """Every relation as <name>.csv in one ZIP (written as it streams: no temporary file), plus the data
    dictionary (data-dictionary.csv and README.md)."""
    relations = relations if relations is not None else relation_names(db_path)
    buffer = _Buffer()
    conn = _open(db_path)
    try:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for name, text in (("README.md", dictionary_markdown(relations)),
                               ("data-dictionary.csv", dictionary_csv(relations, bom=bom))):
                zf.writestr(name, text.encode("utf-8"))
                yield buffer.take()
            for relation in relations:
                with zf.open(f"{relation}.csv", "w", force_zip64=True) as member:
                    out = io.TextIOWrapper(member, encoding="utf-8", newline="", write_through=True)
                    if bom:
                        out.write(BOM)
                    for _ in _csv_rows(conn, relation, f"SELECT * FROM [{relation}]", (), with_labels=True,
                                       out=out, buffer=buffer):
                        yield _
                    out.flush()
                    out.detach()
                yield buffer.take()
        yield buffer.take()
    finally:
        conn.close()


# -- the data dictionary ------------------------------------------------------------------------------------------
def dictionary_rows(relations: list[str] | None = None) -> list[tuple[str, str, str]]:
    """(relation, column or '' for the relation itself, meaning) for every described relation."""
    out = []
    for name, (meaning, columns) in sorted(DESCRIPTIONS.items()):
        if relations is not None and name not in relations:
            continue
        out.append((name, "", meaning))
        out += [(name, col, text) for col, text in columns.items()]
    return out


def dictionary_csv(relations: list[str] | None = None, *, bom: bool = False) -> str:
    out = io.StringIO()
    if bom:
        out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["relation", "column", "meaning"])
    writer.writerows(dictionary_rows(relations))
    return out.getvalue()


def dictionary_markdown(relations: list[str] | None = None) -> str:
    lines = ["# nianbao archive — data dictionary", "",
             "Every table and view of the archive as CSV (UTF-8; counts as integers; an empty field is a blank "
             "or unknown value, never 0). `row_label` / `col_label` beside `row_key` / `col_key` are the labels "
             "as printed in the national template. Keys and rules: docs/schema.md in the nianbao repository.", ""]
    current = None
    for relation, column, meaning in dictionary_rows(relations):
        if relation != current:
            current = relation
            lines += ["", f"## {relation}", "", meaning, "", "| column | meaning |", "|---|---|"]
            continue
        lines.append(f"| `{column}` | {meaning.replace('|', '/')} |")
    return "\n".join(lines) + "\n"
