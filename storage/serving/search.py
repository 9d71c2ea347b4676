"""Chinese full-text search that SQLite's FTS5 can do without a custom tokenizer.

Why bigrams: FTS5's default tokenizer (unicode61) treats a whole run of Han characters as one token, so
"复议" never matches inside "行政复议诉讼"; the trigram tokenizer needs queries of 3+ characters, and most
Chinese words are 2 characters (复议, 诉讼, 公开). So the text is indexed as overlapping character bigrams
("行政复议" -> "行政 政复 复议") and a query is rewritten the same way into an FTS5 phrase
('"行政 政复 复议"'), which matches exactly where the query occurs as a substring. A one-character query
becomes a prefix query ('复*'). Unigrams (one token per character) find the same rows but every posting
list is huge ("政" is in every report): on 20,000 synthetic reports their phrase queries were 1.4–3.7× slower
(docs/api.md has the figures), for a 20% smaller index. So bigrams.

Traditional characters are folded to Simplified (OpenCC t2s) on both sides, so 复议 also finds 複議.

Datasette builds its table search with the SQL function escape_fts(:search); the plugin in
nianbao/serve/plugins/ replaces that function with `fts_query`, so the table page's search box and
`?_search=复议` work unchanged.
"""
from __future__ import annotations

import re
import sqlite3
from functools import lru_cache

# Han ideographs (CJK Unified + Extension A + Compatibility). Other scripts are left to unicode61.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(f"[{_HAN}]+")
_TOKEN_SPLIT = re.compile(r'\s+|(".*?")')


@lru_cache(maxsize=1)
def _t2s():
    try:
        import opencc
    except ImportError:  # search still works, only Traditional text is not folded
        return None
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """Traditional -> Simplified, so both scripts index and match alike."""
    conv = _t2s()
    return conv.convert(text) if conv and text else (text or "")


def bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)]


def index_text(text: str | None) -> str:
    """Text as stored in the FTS table: each Han run replaced by its bigrams, separated by spaces."""
    if not text:
        return ""
    text = fold(text)
    return _HAN_RUN.sub(lambda m: " " + " ".join(bigrams(m.group(0))) + " ", text)


def _term(term: str) -> str:
    """One user term -> one FTS5 expression (a quoted phrase, or a prefix query for a lone character)."""
    term = fold(term.strip('"'))
    parts: list[str] = []
    pos = 0
    for m in _HAN_RUN.finditer(term):
        parts.append(term[pos:m.start()])
        parts.append(" ".join(bigrams(m.group(0))))
        pos = m.end()
    parts.append(term[pos:])
    words = " ".join(p for p in parts if p.strip()).replace('"', " ")
    words = " ".join(words.split())
    if not words:
        return ""
    last = words.split()[-1]
    if len(last) == 1 and _HAN_RUN.fullmatch(last):
        # A lone last character ("复", "2022年") is indexed inside a bigram when more Han text follows it
        # ("年度"): match it as a prefix of the last token.
        return f'"{words}" *'
    return f'"{words}"'


class SearchSyntaxError(ValueError):
    """A query that cannot mean what it says (only exclusions, a dangling OR): refused with this message rather than
    silently searched for something else."""


def _words(query: str) -> list[str]:
    if query.count('"') % 2:
        query += '"'
    return [t for t in _TOKEN_SPLIT.split(query) if t and t != '""']


def parse_query(query: str | None) -> tuple[list[list[str]], list[str]]:
    """Search text -> (groups, excluded). Words separated by spaces must all occur; `A OR B` (OR in capitals)
    lets either do; `-word` excludes reports containing it; "…" keeps a phrase together. Each group is a list of
    alternatives; every group must match, no excluded term may. Raises SearchSyntaxError."""
    groups: list[list[str]] = []
    excluded: list[str] = []
    pending_or = False
    for word in _words(query or ""):
        if word == "OR":
            if not groups or pending_or:
                raise SearchSyntaxError("OR needs a word on each side, e.g. 复议 OR 诉讼")
            pending_or = True
            continue
        if word.startswith("-") and word.strip('-"'):
            if pending_or:
                raise SearchSyntaxError("OR needs a word to find on each side, not an exclusion (-word)")
            excluded.append(word[1:])
            continue
        if pending_or:
            groups[-1].append(word)
            pending_or = False
        else:
            groups.append([word])
    if pending_or:
        raise SearchSyntaxError("OR needs a word on each side, e.g. 复议 OR 诉讼")
    if excluded and not groups:
        raise SearchSyntaxError(f"-{excluded[0]} only excludes: add a word to find, e.g. 公开 -{excluded[0]}")
    return groups, excluded


def fts_query(query: str | None) -> str:
    """User search text -> FTS5 MATCH expression (see parse_query): groups ANDed, alternatives ORed, exclusions
    NOTed. Chinese is rewritten into bigram phrases; other terms are quoted as Datasette's escape_fts does."""
    groups, excluded = parse_query(query)
    exprs = []
    for group in groups:
        alts = [e for e in (_term(t) for t in group) if e]
        if alts:
            exprs.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
    if not exprs:
        return '""'
    expr = " AND ".join(exprs) if len(exprs) > 1 else exprs[0]
    nots = [e for e in (_term(t) for t in excluded) if e]
    if nots:
        expr = f"({expr}) NOT " + (nots[0] if len(nots) == 1 else "(" + " OR ".join(nots) + ")")
    return expr


def query_problem(query: str | None) -> str | None:
    """The reason a search is refused, or None when it is fine."""
    try:
        parse_query(query)
    except SearchSyntaxError as exc:
        return str(exc)
    return None


def snippet(text: str | None, query: str | None, width: int = 40, mark: tuple[str, str] = ("【", "】")) -> str:
    """A window of the (folded) text around the first match of the first query term, the match marked.
    FTS5's own snippet() would show the bigram-split index text, hence this."""
    if not text:
        return ""
    text = " ".join(fold(text).split())
    terms = [fold(t.strip('"')) for t in _TOKEN_SPLIT.split(query or "")
             if t and t.strip('"') and t != "OR" and not t.startswith("-")]
    for term in terms:
        term = "".join(term.split()) if _HAN_RUN.search(term) else term
        i = text.find(term)
        if i < 0:
            continue
        start, end = max(0, i - width), min(len(text), i + len(term) + width)
        return (("…" if start else "") + text[start:i] + mark[0] + term + mark[1]
                + text[i + len(term):end] + ("…" if end < len(text) else ""))
    return text[: 2 * width] + ("…" if len(text) > 2 * width else "")


def register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions used by the served database: fts_query(q), cjk_snippet(text, q), fts_index_text(t)."""
    conn.create_function("fts_query", 1, fts_query, deterministic=True)
    conn.create_function("cjk_snippet", 2, snippet, deterministic=True)
    conn.create_function("fts_index_text", 1, index_text, deterministic=True)


FTS_TABLE = "report_fts"


def build_report_fts(conn: sqlite3.Connection) -> int:
    """(Re)build report_fts: one row per report_summary row (same rowid), columns title and body
    (all section texts). Returns the number of rows indexed."""
    conn.execute(f"DROP TABLE IF EXISTS [{FTS_TABLE}]")
    # unicode61 with remove_diacritics 0: the index text is already folded; tokens are bigrams.
    conn.execute(f"CREATE VIRTUAL TABLE [{FTS_TABLE}] USING fts5(title, body, tokenize='unicode61 remove_diacritics 0')")
    rows = conn.execute(
        "SELECT rs.rowid, rs.title, (SELECT group_concat(coalesce(s.title, '') || char(10) || coalesce(s.text, ''),"
        " char(10)) FROM sections s WHERE s.report_id = rs.report_id) FROM report_summary rs")
    batch, n = [], 0
    for rowid, title, body in rows:
        batch.append((rowid, index_text(title), index_text(body)))
        if len(batch) >= 2000:
            conn.executemany(f"INSERT INTO [{FTS_TABLE}](rowid, title, body) VALUES (?, ?, ?)", batch)
            n += len(batch)
            batch.clear()
    if batch:
        conn.executemany(f"INSERT INTO [{FTS_TABLE}](rowid, title, body) VALUES (?, ?, ?)", batch)
        n += len(batch)
    conn.execute(f"INSERT INTO [{FTS_TABLE}]([{FTS_TABLE}]) VALUES ('optimize')")
    return n
