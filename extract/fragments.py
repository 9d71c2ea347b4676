"""Rows of a text table whose labels are broken over lines: which label fragments belong to which row.

Text exported from a PDF prints a long label over several lines, before, beside or after the row's numbers
("一、本年新收政府信息公开申 17 0 0 0 0 0 17" / "请数量"), and a table with two label columns interleaves their
fragments ("(三) 不 1.属于 0 0 …" / "予公开 国家秘" / "密"). Read alone, a fragment can name the wrong row
("2.其他" is 其他 until "法律行政法规禁止公开" follows). So the rows are found together: the table is cut into
segments — runs of consecutive rows holding at most one row of values — whose joined label names a key, the
keys in the template's order, as many rows with values as possible (then rows printed with a label only), using
as few fragments as needed. Fragments no segment needs (group labels, headers) are left out.

A table whose every row of values names its key on its own line takes the fast path and is not searched.
"""
from __future__ import annotations

from typing import Callable

from extract.tables import Row

MAX_SEGMENT = 24  # rows in one segment (a label printed two characters per line runs long)
MAX_LABEL = 160  # characters of a joined label
_GROUP_KEYS = {"other_handling"}
_HEADER_KEY = "results_total"  # 总计 names the total column in the header, the （七）总计 row below it  # （六）其他处理: a data row in 2019, a group label over three rows in 2021


def keyed_rows(rows: list[Row], key_of: Callable[[str], str | None], order: dict[str, int],
               whole: Callable[[str], bool] = lambda label: False) -> list[tuple[str, Row | None, list[Row]]]:
    """[(key, the row of values or None, the rows whose labels make the key)] in table order. `whole(label)`:
    a label known to stand alone though it names no key (a group label such as （三）不予公开)."""
    fast = _fast(rows, key_of, order, whole)
    if fast is not None:
        return fast
    return _search(rows, key_of, order)


def _fast(rows, key_of, order, whole):
    out, last = [], -1
    first = min(order, key=order.get)  # the table's first row may be printed all blank
    for row in rows:
        if not row.slots:
            if not out:
                continue  # before the first row of values, labels are headers ("总计" is a column there)
            # A row printed as a label only (its values not shown). A label that names nothing is a fragment of
            # another row's label (the rows must be searched), unless it is known to stand alone.
            key = key_of(row.label)
            if key is None:
                if whole(row.label):
                    continue
                return None
            if order[key] > last and key not in _GROUP_KEYS:
                last = order[key]
                out.append((key, None, [row]))
            continue
        filled = row.n_filled()
        key = key_of(row.label)
        if not out and not filled and key != first:
            continue  # header cells above the first row of values (总计, 其他 are columns there)
        if key is None:
            if filled:
                return None  # numbers under no key: the label is elsewhere
            continue
        if order[key] <= last:
            return None
        last = order[key]
        out.append((key, row, [row]))
    return out


def _column_wise(parts: list[list[str]]) -> str:
    """A label printed in several columns, broken over lines, the columns' fragments interleaved line by line
    ("(三) 1.属于" / "不予公 国家秘" / "开 密"): each column's fragments joined down the lines. A line with fewer
    fragments than columns holds the last columns (the longest labels run longest)."""
    width = max(len(p) for p in parts)
    cols = [""] * width
    for words in parts:
        for j, word in enumerate(words, start=width - len(words)):
            cols[j] += word
    return "".join(cols)


def _search(rows, key_of, order):
    n = len(rows)
    texts = [r.label for r in rows]
    words = [[w for c in r.labels for w in c.text.split()] for r in rows]
    has_values = [bool(r.slots) for r in rows]
    # segments starting at each row: (end, key, row of values or None)
    segments: list[list[tuple[int, str, int | None]]] = []
    for i in range(n):
        found, joined, value_row = [], "", None
        for j in range(i, min(n, i + MAX_SEGMENT)):
            if has_values[j]:
                if value_row is not None:
                    break
                value_row = j
            joined += texts[j]
            if len(joined) > MAX_LABEL:
                break
            key = None
            if j > i and any(len(w) > 1 for w in words[i:j + 1]):
                key = key_of(_column_wise([w for w in words[i:j + 1] if w]))
            key = key or key_of(joined)
            if key is not None:
                found.append((j + 1, key, value_row))
        segments.append(found)
    # best[i]: {last key order: (score, back pointer)}
    best: list[dict[int, tuple[float, tuple | None]]] = [dict() for _ in range(n + 1)]
    best[0][-1] = (0.0, None)
    for i in range(n):
        for last, (score, _) in list(best[i].items()):
            _relax(best[i + 1], last, score, (i, last, None))
            for end, key, value_row in segments[i]:
                k = order[key]
                if k <= last:
                    continue
                gain = (10.0 if value_row is not None else 3.0) - 0.01 * (end - i - 1)
                _relax(best[end], k, score + gain, (i, last, (end, key, value_row)))
    if not best[n]:
        return []
    last = max(best[n], key=lambda k: best[n][k][0])
    pos, out = n, []
    while pos > 0:
        _, back = best[pos][last]
        start, prev_last, segment = back
        if segment is not None:
            end, key, value_row = segment
            out.append((key, rows[value_row] if value_row is not None else None, rows[start:end]))
        pos, last = start, prev_last
    out.reverse()
    return out


def _relax(cell: dict, last: int, score: float, back: tuple) -> None:
    if last not in cell or score > cell[last][0] + 1e-9:
        cell[last] = (score, back)
