"""What one SQL statement of the served site may cost: the SQLite side of the site's limits (the HTTP side is
nianbao/serve/guard.py). Applied by `limit_connection` to every connection the Datasette server opens.

- SQLITE_LIMIT_LENGTH: no string or blob, stored or computed, over MAX_VALUE_BYTES — zeroblob(5e8),
  randomblob, printf('%.*c', n, 'x'), replace(), group_concat over many rows… fail with "string or blob too big";
- SQLITE_LIMIT_LIKE_PATTERN_LENGTH, SQL_LENGTH, EXPR_DEPTH, COLUMN: no pathological LIKE/GLOB, query text or
  expression tree;
- a statement's result rows together stay under MAX_RESULT_BYTES, counted as they are fetched (row factory):
  "result too large";
- PRAGMA hard_heap_limit: all of SQLite's memory in the process (sorts, CTEs, page caches) under SQLITE_HEAP_MB;
- the built-in functions whose one call can run for minutes — where Datasette's time limit, checked between
  SQLite instructions, cannot stop them — are replaced by wrappers that refuse the costly arguments and call the
  built-in otherwise: trim/ltrim/rtrim(X, Y) and instr/replace cost len(X) × len(Y) (trim of two 100,000-character
  strings: 27 s), printf/format('%.*c', n, …) loops n times even when the result is too big (n = 2^31: 8 s).
  A refused call fails like an over-long value: "string or blob too big". The search functions written in Python
  (storage/serving/search.py: fts_query, escape_fts, cjk_snippet) take a query of at most MAX_QUERY_CHARS (a
  million-character query costs ~90 MB of bigrams).

Each figure can be changed with an environment variable NIANBAO_SERVE_<NAME>, e.g. NIANBAO_SERVE_MAX_VALUE_BYTES.
"""
from __future__ import annotations

import os
import re
import sqlite3
import weakref
from dataclasses import dataclass, fields

MiB = 1 << 20


def from_env(cls, environ=os.environ):
    """An instance of the (frozen dataclass) cls with each field overridden by NIANBAO_SERVE_<FIELD> if set."""
    values = {}
    for f in fields(cls):
        raw = environ.get(f"NIANBAO_SERVE_{f.name}")
        if raw is not None:
            values[f.name] = float(raw) if f.type in (float, "float") else int(raw)
    return cls(**values)


@dataclass(frozen=True)
class SqlLimits:
    MAX_VALUE_BYTES: int = 4 * MiB       # a report's whole text is ~0.1 MiB; a 4 MiB cell is not a report
    MAX_RESULT_BYTES: int = 16 * MiB     # one statement's rows (max_returned_rows = 3000 rows of ~5 KiB)
    MAX_SQL_BYTES: int = 100_000         # query text
    MAX_LIKE_PATTERN: int = 500          # LIKE/GLOB pattern (SQLite's default is 50,000)
    MAX_EXPR_DEPTH: int = 200
    MAX_COLUMNS: int = 500
    SQLITE_HEAP_MB: int = 128            # all SQLite memory in the process (json_group_array ignores LENGTH)
    MAX_TRIM_WORK: int = 100_000_000     # len(X) × len(Y) for trim(X, Y): ~0.3 s
    MAX_SEARCH_WORK: int = 1_000_000_000 # len(X) × len(Y) for instr / replace (memcmp): ~0.01–0.1 s
    MAX_QUERY_CHARS: int = 10_000        # a full-text query (fts_query, escape_fts, cjk_snippet's 2nd argument)


SQL_LIMITS = from_env(SqlLimits)


class ResultTooLarge(sqlite3.OperationalError):
    """Raised from the row factory; Datasette reports an OperationalError as the query's error."""


def limit_connection(conn: sqlite3.Connection, limits: SqlLimits = SQL_LIMITS) -> None:
    """Bound what any statement on this connection can allocate. Call after the row factory is set (Datasette
    sets sqlite3.Row before its prepare_connection hooks run)."""
    for category, value in ((sqlite3.SQLITE_LIMIT_LENGTH, limits.MAX_VALUE_BYTES),
                            (sqlite3.SQLITE_LIMIT_SQL_LENGTH, limits.MAX_SQL_BYTES),
                            (sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, limits.MAX_LIKE_PATTERN),
                            (sqlite3.SQLITE_LIMIT_EXPR_DEPTH, limits.MAX_EXPR_DEPTH),
                            (sqlite3.SQLITE_LIMIT_COLUMN, limits.MAX_COLUMNS)):
        conn.setlimit(category, value)
    conn.execute(f"PRAGMA hard_heap_limit = {limits.SQLITE_HEAP_MB * MiB}")  # process-wide; same value each time
    conn.row_factory = _budgeted(conn.row_factory, limits.MAX_RESULT_BYTES)
    _bound_builtins(conn, limits)
    _bound_search_functions(conn, limits)


def _budgeted(row_factory, budget: int):
    """A row factory that counts the bytes of a statement's rows as they are fetched and stops past budget.
    A connection runs one statement at a time; a new cursor starts a new count."""
    state = {"cursor": lambda: None, "used": 0}

    def factory(cursor, row):
        if state["cursor"]() is not cursor:
            state["cursor"], state["used"] = weakref.ref(cursor), 0
        state["used"] += sum(len(v) if isinstance(v, (str, bytes)) else 8 for v in row)
        if state["used"] > budget:
            raise ResultTooLarge(f"result too large: its rows pass {budget // MiB} MiB — ask for fewer rows "
                                 "(_size), fewer columns (_col) or shorter values (substr)")
        return row_factory(cursor, row) if row_factory else row

    return factory


_SPEC = re.compile(r"%[-+ 0#,!]*(\d+|\*)?(?:\.(\d+|\*))?")


def _printf_size(fmt, args) -> int:
    """The largest width or precision asked for by a printf format (with its * arguments)."""
    if not isinstance(fmt, str):
        return 0
    largest, i = 0, 0
    for width, precision in _SPEC.findall(fmt.replace("%%", "")):
        for n in (width, precision):
            if n == "*":
                value = args[i] if i < len(args) else 0
                i += 1
                n = value if isinstance(value, (int, float)) else 0
            largest = max(largest, abs(int(n or 0)))
    return largest


def _bound_builtins(conn: sqlite3.Connection, limits: SqlLimits) -> None:
    """Replace the costly built-ins of `conn` with bounded wrappers that call the built-in on a private in-memory
    connection (same results, same NULL and type rules, for every argument they accept)."""
    builtin = sqlite3.connect(":memory:", check_same_thread=False)
    builtin.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limits.MAX_VALUE_BYTES)

    def call(name, *args):
        try:
            return builtin.execute(f"SELECT {name}({', '.join('?' * len(args))})", args).fetchone()[0]
        except sqlite3.DataError as exc:  # too big: keep SQLite's own message for the caller
            raise OverflowError(str(exc)) from None

    def size(v) -> int:
        return len(v) if isinstance(v, (str, bytes)) else 24

    def pairwise(name, work):
        def wrapper(x, y, *rest):
            if size(x) * size(y) > work:
                # OverflowError is what Python's sqlite3 turns into SQLite's own "string or blob too big"
                raise OverflowError(f"{name}(): arguments too long ({size(x)} × {size(y)} characters)")
            return call(name, x, y, *rest)
        return wrapper

    for name in ("trim", "ltrim", "rtrim"):
        conn.create_function(name, 2, pairwise(name, limits.MAX_TRIM_WORK), deterministic=True)
    conn.create_function("instr", 2, pairwise("instr", limits.MAX_SEARCH_WORK), deterministic=True)
    conn.create_function("replace", 3, pairwise("replace", limits.MAX_SEARCH_WORK), deterministic=True)

    for name in ("printf", "format"):
        def formatted(fmt=None, *args, name=name):
            if _printf_size(fmt, args) > limits.MAX_VALUE_BYTES:
                return None  # what the built-in returns for a result over the length limit, without the loop
            return call(name, fmt, *args)
        conn.create_function(name, -1, formatted, deterministic=True)


def _bound_search_functions(conn: sqlite3.Connection, limits: SqlLimits) -> None:
    """Re-register the Python search functions with a bound on the query argument (same names, same results)."""
    from storage.serving import search

    def checked(fn, query_index):
        def wrapper(*args):
            query = args[query_index]
            if isinstance(query, str) and len(query) > limits.MAX_QUERY_CHARS:
                raise OverflowError(f"search query over {limits.MAX_QUERY_CHARS} characters")
            return fn(*args)
        return wrapper

    conn.create_function("fts_query", 1, checked(search.fts_query, 0), deterministic=True)
    conn.create_function("escape_fts", 1, checked(search.fts_query, 0), deterministic=True)
    conn.create_function("cjk_snippet", 2, checked(search.snippet, 1), deterministic=True)
