"""Politeness under every path, measured on the server side: the busy sample portal (门源) counts the requests open
on each of its two hosts and answers 429 to a third; with `hold` on, every request waits (on a threading.Condition)
until a third one is open or the hold ends, so a crawler that would have three in flight is caught, not missed by
luck. Its pages make the crawler count robots.txt (both hosts), redirects (list links and file links go through
302s, one of them to the other host), files and a retry (one report page answers 503 + Retry-After: 1 once).

Nothing here waits on the clock to decide: the hold ends early when a third request arrives; the Retry-After check
is a lower bound read from the server's own request times (a retry sooner than 1 s would be a politeness bug)."""
from __future__ import annotations

import pytest

from crawler import run
from crawler.middlewares import retry_after_seconds

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
BUSY = "632221"


@pytest.fixture(scope="module")
def busy_crawl(tmp_path_factory):
    from crawler.sample_portals.server import start_servers

    handle = start_servers(0, only=[BUSY])
    work = tmp_path_factory.mktemp("busy")
    try:
        handle.portals[BUSY].hold = 0.3
        manifest = run.sample_manifest(handle)
        csv_path = run.registry_csv_from_manifest(manifest, handle.urls, work / "portals.csv")
        summary = run.crawl(work / "archive.db", portals_csv=str(csv_path), allow_loopback=True,
                            settings={**run.FAST_SETTINGS, "NIANBAO_EXTRACT": "False", "NIANBAO_BACKOFF_MIN": "0.2"})
        yield {"summary": summary, "log": handle.request_log(), "inflight": handle.inflight(),
               "manifest": manifest[0]}
    finally:
        handle.stop()


def test_never_more_than_two_in_flight_on_either_host(busy_crawl):
    inflight = busy_crawl["inflight"]
    assert set(inflight) == {(BUSY, "main"), (BUSY, "xxgk")}
    for host, seen in inflight.items():
        assert seen["max"] <= 2 and seen["over_limit"] == 0, (host, seen["crowds"])
    # two at once did happen (the hold makes the pair meet): the limit was exercised, not avoided
    assert inflight[(BUSY, "xxgk")]["max"] == 2
    assert not [e for e in busy_crawl["log"] if e["status"] == 429]


def test_every_path_was_exercised_and_every_report_found(busy_crawl):
    log, m = busy_crawl["log"], busy_crawl["manifest"]
    assert {e["host"] for e in log if e["path"] == "/robots.txt"} == {"main", "xxgk"}
    assert any(e["status"] == 302 and e["path"].startswith("/go/") for e in log)
    assert any(e["status"] == 302 and "down.jsp" in e["path"] for e in log)  # file links: xxgk → main host
    assert any(e["host"] == "main" and e["path"].startswith("/files/") and e["status"] == 200 for e in log)
    [portal] = busy_crawl["summary"]["portals"]
    assert portal["status"] == "ok" and portal["reports_found"] == len(m["reports"])


def test_a_503_with_retry_after_is_retried_no_sooner(busy_crawl):
    flaky = busy_crawl["manifest"]["flaky"]
    asks = [e for e in busy_crawl["log"] if e["path"] == flaky]
    assert [e["status"] for e in asks] == [503, 200]
    assert asks[1]["time"] - asks[0]["time"] >= 1.0  # Retry-After: 1


def test_retry_after_is_read_as_seconds_or_a_date():
    from datetime import datetime, timezone

    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0  # in the past: no extra wait
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
