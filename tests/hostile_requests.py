"""Hostile requests against a served archive, shared by tests/test_serve_hostile.py and bench/serve_hostile.py.

Each case is one anonymous request meant to exhaust the server's memory or time. `send()` runs it against a live
`nianbao serve` and reports the outcome (HTTP status, body size, whether the body says the result was truncated,
the error), the time taken, and the peak RSS of the server's processes sampled from /proc while it ran.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

ROWS = "with recursive c(x) as (select 1 union all select x + 1 from c) "  # rows without end


def sql(query: str, **extra) -> str:
    return "/archive.json?" + urllib.parse.urlencode({"sql": query, **extra})


@dataclass
class Case:
    name: str
    path: str
    expect: str                 # "error" (a 4xx/5xx JSON error), "truncated" (200, cut to the row limit), "ok"
    method: str = "GET"
    body: bytes | None = None
    headers: dict = field(default_factory=dict)


LIKE_BOMB = "%a" * 240 + "%b"  # 481 characters, under the pattern limit: backtracking over a long subject
CASES = [
    Case("zeroblob 500 MB", sql("select zeroblob(500000000) as z"), "error"),
    Case("randomblob 500 MB", sql("select hex(randomblob(500000000)) as z"), "error"),
    Case("printf padding 2^31", sql("select printf('%.*c', 2147483647, 'x') as z"), "ok"),  # NULL, as SQLite says
    Case("replace doubling", sql("select replace(replace(replace(replace(printf('%.*c', 1000000, 'x'), 'x', 'xx'), "
                                 "'x', 'xx'), 'x', 'xx'), 'x', 'xx') as z"), "error"),
    Case("trim of 100,000 by 100,000", sql("select length(trim(printf('%.*c', 100000, 'a'), "
                                           "printf('%.*c', 100000, 'c') || 'a')) as n"), "error"),
    Case("instr of 4 MB by 2 MB", sql("select instr(printf('%.*c', 4000000, 'a'), printf('%.*c', 2000000, 'a') "
                                      "|| 'b') as n"), "error"),
    Case("group_concat over cells", sql("select group_concat(a.raw || printf('%.*c', 20000, '-')) as z "
                                        "from cells a, cells as c2"), "error"),
    Case("group_concat of a CTE", sql(ROWS + "select group_concat(printf('%.*c', 1000, 'y')) from c"), "error"),
    Case("json_group_array of a CTE", sql(ROWS + "select json_group_array(printf('%.*c', 1000, 'y')) from c"),
         "error"),
    Case("rows of 1 MB each", sql(ROWS + "select x, printf('%.*c', 1000000, 'y') as v from c"), "error"),
    Case("rows of 4 KB each", sql(ROWS + "select x, printf('%.*c', 4000, 'y') as v from c"), "truncated"),
    Case("rows without end, HTML", "/archive?" + urllib.parse.urlencode(
        {"sql": ROWS + "select x, printf('%.*c', 4000, 'y') as v from c"}), "ok"),
    Case("count of rows without end", sql(ROWS + "select count(*) from c"), "error"),
    Case("sort of a cross join", sql("select * from cells a, cells b, cells c order by random()"), "error"),
    Case("LIKE over every section", sql("select count(*) from sections where text like :p", p=LIKE_BOMB), "ok"),
    Case("LIKE pattern of 5,000", sql("select printf('%.*c', 100000, 'a') like :p as m", p="%a" * 2500 + "%b"),
         "error"),
    Case("LIKE backtracking", sql("select printf('%.*c', 1000000, 'a') like :p as m", p=LIKE_BOMB), "ok"),
    Case("GLOB backtracking", sql("select printf('%.*c', 1000000, 'a') glob :p as m",
                                  p=LIKE_BOMB.replace("%", "*")), "ok"),
    Case("deep JSON in SQL", sql("select json(printf('%.*c', 100000, '[') || printf('%.*c', 100000, ']')) as j"),
         "error"),
    Case("deep JSON through _json", sql("select printf('%.*c', 200000, '[') || printf('%.*c', 200000, ']') as j",
                                        _json="j"), "error"),
    Case("deep expression", sql("select " + "(" * 5000 + "1" + ")" * 5000), "error"),
    Case("fts_query of 3 MB", sql("select length(fts_query(printf('%.*c', 1000000, '复'))) as n"), "error"),
    Case("snippet of 3 MB", sql("select length(cjk_snippet(printf('%.*c', 1000000, '复'), "
                                "printf('%.*c', 1000000, '复'))) as n"), "error"),
    Case("request body 1 MB", "/archive", "error", method="POST", body=b"x" * 1_000_000,
         headers={"Content-Type": "application/x-www-form-urlencoded"}),
]


class RssSampler:
    """Peak RSS (MiB) of a process and its children, sampled from /proc every 20 ms while running."""

    def __init__(self, pid: int):
        self.pid, self.peak = pid, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_mb(self.pid))
            self._stop.wait(0.02)


def tree_rss_mb(pid: int) -> float:
    """RSS of pid and its descendants (the supervisor and its Datasette worker), MiB."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0) / 1024
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total


@dataclass
class Outcome:
    case: str
    status: int
    seconds: float
    peak_rss_mb: float
    body_bytes: int
    truncated: bool | None
    error: str | None


def send(base: str, case: Case, server_pid: int, timeout: float = 120) -> Outcome:
    req = urllib.request.Request(base + case.path, data=case.body, method=case.method, headers=case.headers)
    start = time.monotonic()
    with RssSampler(server_pid) as rss:
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, body = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        except (ConnectionError, urllib.error.URLError) as exc:  # the server cut the connection
            status, body = 0, str(exc).encode()
    seconds = time.monotonic() - start
    truncated = error = None
    try:
        data = json.loads(body)
        if isinstance(data, dict):
            truncated, error = data.get("truncated"), data.get("error")
    except ValueError:
        pass
    return Outcome(case.name, status, seconds, rss.peak, len(body), truncated, error)
