"""Fault injection on the served site: hostile anonymous requests against a real `nianbao serve` process.

Each request of tests/hostile_requests.py must be answered with a clear JSON error (4xx/5xx) or a result cut to the
row limit, within the request deadline, while the RSS of the server's processes (supervisor + Datasette worker,
read from /proc) stays under RSS_CAP_MB. Then: many at once; the deadline covering the whole response; the cap on
the response body; and a worker whose SQL threads are all stuck in one uninterruptible call is replaced.
"""
from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request

import pytest

from hostile_requests import CASES, RssSampler, send, sql
from test_serve_fixture import SEED_FILES, Server, build_archive

from nianbao.serve.guard import LIMITS

pytestmark = pytest.mark.skipif(len(SEED_FILES) != 5, reason="shared/seeds (5 seed reports) not available")

RSS_CAP_MB = 600  # the figure documented in docs/api.md (Limits): supervisor + worker, under any of these requests
BY_NAME = {c.name: c for c in CASES}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    db = tmp_path_factory.mktemp("hostile") / "archive.db"
    build_archive(db)
    server = Server(db)
    yield server
    server.stop()


def check(outcome, expect: str) -> None:
    assert outcome.seconds < LIMITS.DEADLINE_S + 1, outcome
    assert outcome.peak_rss_mb < RSS_CAP_MB, outcome
    if expect == "error":
        assert 400 <= outcome.status < 600 and outcome.error, outcome
    elif expect == "truncated":
        assert outcome.status == 200 and outcome.truncated is True, outcome
    else:
        assert outcome.status == 200, outcome


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_request_is_answered_within_limits(site, case):
    check(send(site.base, case, site.proc.pid), case.expect)


def test_the_issue_request_is_refused_at_once(site):
    outcome = send(site.base, BY_NAME["zeroblob 500 MB"], site.proc.pid)
    assert outcome.status == 400 and outcome.error == "string or blob too big" and outcome.seconds < 2


def test_many_hostile_requests_at_once(site):
    heavy = [BY_NAME[n] for n in ("rows of 4 KB each", "rows without end, HTML", "json_group_array of a CTE",
                                  "rows of 1 MB each", "group_concat over cells", "count of rows without end")]
    outcomes = []
    with RssSampler(site.proc.pid) as rss:
        threads = [threading.Thread(target=lambda c=heavy[i % len(heavy)]: outcomes.append((c, send(
            site.base, c, site.proc.pid)))) for i in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
    assert len(outcomes) == 24
    for case, outcome in outcomes:
        # Each is answered: its result, or a clear error — under load even a light one may meet the SQL time limit
        # (400), the queue (503) or the deadline (504), never a crash or a cut connection.
        assert outcome.status in (200, 400, 503, 504), outcome
        assert outcome.status == 200 or outcome.error or outcome.body_bytes > 0, outcome  # JSON error or error page
        assert case.expect != "error" or outcome.status != 200, outcome
    assert rss.peak < RSS_CAP_MB, rss.peak
    with urllib.request.urlopen(site.base + "/archive/report_summary.json?_size=1", timeout=30) as resp:
        assert resp.status == 200  # and the site still answers


def test_the_deadline_covers_the_whole_request_and_the_body_is_capped(tmp_path):
    db = tmp_path / "archive.db"
    build_archive(db)
    server = Server(db, env={"NIANBAO_SERVE_DEADLINE_S": "1", "NIANBAO_SERVE_MAX_RESPONSE_BYTES": "1000000"})
    try:
        slow = send(server.base, BY_NAME["count of rows without end"], server.proc.pid)  # SQL stops at 3 s
        assert slow.status == 504 and "1 s" in slow.error and slow.seconds < 2.9, slow
        big = send(server.base, BY_NAME["rows of 4 KB each"], server.proc.pid)          # 12 MB of JSON
        assert big.status == 400 and "too large" in big.error and big.body_bytes < 1000, big
        small = send(server.base, BY_NAME["zeroblob 500 MB"], server.proc.pid)
        assert small.status == 400 and small.error == "string or blob too big"
    finally:
        server.stop()


def test_a_worker_stuck_in_uninterruptible_sql_is_replaced(tmp_path):
    """trim() of two 200,000-character strings runs ~2 minutes in one SQLite call, which no time limit can stop.
    With the trim bound lifted, three of them hold every SQL thread; the supervisor sees the heartbeat stop and
    starts a fresh worker, so the site answers again long before the calls would have ended."""
    db = tmp_path / "archive.db"
    build_archive(db)
    server = Server(db, env={"NIANBAO_SERVE_MAX_TRIM_WORK": str(10 ** 15), "NIANBAO_SERVE_STALL_S": "3",
                             "NIANBAO_SERVE_POLL_S": "0.5", "NIANBAO_SERVE_GRACE_S": "1"})
    stuck_sql = sql("select length(trim(printf('%.*c', 200000, 'a'), printf('%.*c', 200000, 'c') || 'a')) as n")
    try:
        def stuck():
            try:
                urllib.request.urlopen(server.base + stuck_sql, timeout=120).read()
            except OSError:
                pass
        for _ in range(3):
            threading.Thread(target=stuck, daemon=True).start()
        started = time.monotonic()
        while "no heartbeat" not in server.log.read_text(errors="replace"):
            assert time.monotonic() - started < 60, server.log.read_text(errors="replace")[-2000:]
            time.sleep(0.2)
        while True:
            try:
                with urllib.request.urlopen(server.base + sql("select 1 as one"), timeout=5) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.HTTPError, OSError):
                pass
            assert time.monotonic() - started < 60, server.log.read_text(errors="replace")[-2000:]
        assert time.monotonic() - started < 60  # the trims alone would hold the threads for ~2 minutes
    finally:
        server.stop()
