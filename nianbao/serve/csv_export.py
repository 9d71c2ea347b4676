"""The CSV link of every table and view downloads every row, streamed.

Datasette 0.65 answers /<db>/<table>.csv with at most max_returned_rows rows unless asked to stream, writes
counts stored as REAL as 17.0, and pages views by OFFSET (quadratic over a big view). This ASGI layer answers
/<db>/<relation>.csv for every table and view itself: Datasette's own filter syntax (column=value, column__op=…,
via datasette.filters.Filters), _search (the bigram index), _sort / _sort_desc, _col / _nocol, _size=N (a limit;
absent or max: every row), plus

    _bom=1        a UTF-8 byte-order mark first, so Excel reads the Chinese
    _labels=off   without the printed Chinese labels added beside row_key / col_key

in one pass of one read-only cursor (storage.serving.exports.stream_csv). What it does not implement (_where,
_through, _next, _search_<column>) and canned queries go on to Datasette unchanged.
"""
from __future__ import annotations

import urllib.parse

from datasette.filters import Filters
from datasette.utils import escape_sqlite, tilde_decode

from nianbao.serve import site
from storage.serving import exports
from storage.serving.search import FTS_TABLE, query_problem

PASS_TO_DATASETTE = {"_where", "_through", "_next", "sql"}
SEARCHABLE = {"report_summary": FTS_TABLE}  # relation -> its FTS index (same rowid), as in the metadata


class CsvRefused(ValueError):
    pass


async def plan(datasette, db_name: str, relation: str, pairs: list[tuple[str, str]]):
    """(sql, params, options) for the CSV of a relation, None when Datasette should answer, CsvRefused when the
    request cannot be answered as asked."""
    keys = {k for k, _ in pairs}
    if keys & PASS_TO_DATASETTE or any(k.startswith("_search_") for k in keys):
        return None
    db = datasette.databases.get(db_name)
    if db is None or relation not in set(await db.table_names()) | set(await db.view_names()):
        return None
    columns = [r[1] for r in (await db.execute(f"PRAGMA table_info({escape_sqlite(relation)})")).rows]
    args = {}
    for k, v in pairs:
        args.setdefault(k, []).append(v)
    filters = [(k, v) for k, v in pairs if not k.startswith("_")]
    for k, _ in filters:
        if k.split("__", 1)[0] not in columns:
            raise CsvRefused(f"{relation} has no column {k.split('__', 1)[0]!r}")
    where, params = Filters(sorted(filters)).build_where_clauses(relation)
    search = (args.get("_search") or [""])[0].strip()
    if search:
        if relation not in SEARCHABLE:
            raise CsvRefused(f"{relation} has no full-text index (search report_summary)")
        problem = query_problem(search)
        if problem:
            raise CsvRefused(f"search {search!r}: {problem}")
        where.append(f"rowid IN (SELECT rowid FROM [{SEARCHABLE[relation]}] "
                     f"WHERE [{SEARCHABLE[relation]}] MATCH fts_query(:_search))")
        params["_search"] = search
    chosen = columns
    if "_col" in args:
        chosen = [c for c in columns if c in args["_col"]]
    if "_nocol" in args:
        chosen = [c for c in chosen if c not in args["_nocol"]]
    if not chosen:
        raise CsvRefused("no column left (_col / _nocol)")
    sql = f"SELECT {', '.join(escape_sqlite(c) for c in chosen)} FROM {escape_sqlite(relation)}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    for key, direction in (("_sort", ""), ("_sort_desc", " DESC")):
        if key in args:
            col = args[key][0]
            if col not in columns:
                raise CsvRefused(f"cannot sort {relation} by {col!r}")
            sql += f" ORDER BY {escape_sqlite(col)}{direction}"
            break
    size = (args.get("_size") or ["max"])[0]
    if size != "max":
        if not size.isdigit():
            raise CsvRefused(f"_size must be a number or max, not {size!r}")
        sql += f" LIMIT {int(size)}"
    options = {"bom": (args.get("_bom") or [""])[0] in ("1", "on", "true"),
               "with_labels": (args.get("_labels") or [""])[0] != "off"}
    return sql, params, options


def csv_wrapper(datasette):
    """asgi_wrapper hook: answer /<db>/<relation>.csv here, everything else as before."""
    def wrap(app):
        async def asgi(scope, receive, send):
            path = scope.get("path", "")
            if scope.get("type") != "http" or not path.endswith(".csv") or path.count("/") != 2 \
                    or scope.get("method") not in ("GET", "HEAD"):
                return await app(scope, receive, send)
            db_name, relation = path[1:-4].split("/")
            pairs = urllib.parse.parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            try:
                planned = await plan(datasette, tilde_decode(db_name), tilde_decode(relation), pairs)
            except CsvRefused as exc:
                body = f"{tilde_decode(relation)}.csv: {exc}\n".encode()
                await send({"type": "http.response.start", "status": 400,
                            "headers": [[b"content-type", b"text/plain; charset=utf-8"]]})
                return await send({"type": "http.response.body", "body": body})
            if planned is None:
                return await app(scope, receive, send)
            sql, params, options = planned
            db_path = datasette.databases[tilde_decode(db_name)].path
            name = tilde_decode(relation)
            response = site.StreamResponse(
                lambda: exports.stream_csv(db_path, name, sql, params, **options),
                content_type="text/csv; charset=utf-8", filename=f"{name}.csv")
            await response.asgi_send(send)
        return asgi
    return wrap
