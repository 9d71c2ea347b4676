"""The live site never breaks while the archive is written and published (real processes throughout).

A real `nianbao serve` answers a steady stream of requests (tables, rows, canned queries, SQL, HTML pages) while
`nianbao extract`, `nianbao crawl --sample` and `nianbao serve --prepare-only` (publish) write the same working
database, and a new snapshot is published twice. Every request must be answered 200 — no 5xx, no
"database disk image is malformed", no refused connection — and the site must move to each new snapshot. Also:
`nianbao serve` starts while a writer holds the working database's write lock.
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from test_serve_fixture import SEED_FILES, Server, build_archive

from storage.db import connect
from storage.serving.prepare import prepared_id
from storage.serving.publish import current_snapshot, served_path, snapshots_dir

pytestmark = pytest.mark.skipif(len(SEED_FILES) != 5, reason="shared/seeds (5 seed reports) not available")

PATHS = [
    "/archive/report_summary.json?_size=5",
    "/archive/report_summary",
    "/archive/coverage.json?_size=20&year=2022",
    "/archive/search.json?" + urllib.parse.urlencode({"q": "复议"}),
    "/archive.json?sql=" + urllib.parse.quote("select count(*) from cells"),
    "/archive/cells?_size=50",
    "/archive/check_failures.json",
    "/-/dashboards/overview",
]


def nianbao(*args: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nianbao.cli", *args], stdout=open(log, "ab"),
                            stderr=subprocess.STDOUT)


class Traffic:
    """Threads requesting PATHS in turn, each on a new connection, until stopped; every outcome kept."""

    def __init__(self, base: str, threads: int = 3):
        self.base, self.outcomes, self.stop = base, [], threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]
        for t in self.threads:
            t.start()

    def _run(self, offset: int) -> None:
        i = offset
        while not self.stop.is_set():
            path = PATHS[i % len(PATHS)]
            i += 1
            try:
                with urllib.request.urlopen(self.base + path, timeout=60) as resp:
                    resp.read()
                    self.outcomes.append((path, resp.status, ""))
            except urllib.error.HTTPError as exc:
                self.outcomes.append((path, exc.code, exc.read()[:300].decode(errors="replace")))
            except OSError as exc:
                self.outcomes.append((path, 0, repr(exc)))

    def finish(self) -> list:
        self.stop.set()
        for t in self.threads:
            t.join(120)
        return self.outcomes


def served_id(base: str) -> str:
    sql = "select value from meta where key = 'serve_prepared_id'"
    with urllib.request.urlopen(base + "/archive.json?_shape=array&sql=" + urllib.parse.quote(sql), timeout=30) as r:
        return json.load(r)[0]["value"]


def wait_until(condition, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def edited_seed(tmp: Path, n: int) -> Path:
    """A seed report with a line added: new bytes, so a new document and a new extraction."""
    path = tmp / f"edited-{n}-{SEED_FILES[n % 5].name}"
    path.write_bytes(SEED_FILES[n % 5].read_bytes() + f"\n（第{n}次修订）\n".encode())
    return path


def test_the_site_never_breaks_while_the_archive_is_written_and_published(tmp_path):
    db = tmp_path / "archive.db"
    build_archive(db)
    log = tmp_path / "writers.log"

    holder = connect(db)  # a writer in the middle of a transaction while the site starts
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT OR REPLACE INTO meta VALUES ('test_writer', 'holding the write lock')")
    server = Server(db)
    holder.execute("ROLLBACK")
    holder.close()

    served = served_path(db)
    first = current_snapshot(served)
    traffic = Traffic(server.base)
    try:
        assert served_id(server.base) == prepared_id(first)
        crawl = nianbao("crawl", "--sample", "--allow-loopback", "--db", str(db), log=log)
        published = [first]
        for n in range(2):
            extract = nianbao("extract", str(edited_seed(tmp_path, n)), "--db", str(db), log=log)
            assert extract.wait(300) == 0, log.read_text(errors="replace")[-3000:]
            # publish while another extraction writes the working database
            writing = nianbao("extract", str(edited_seed(tmp_path, n + 10)), "--db", str(db), log=log)
            publish = nianbao("serve", "--db", str(db), "--prepare-only", log=log)
            assert publish.wait(300) == 0, log.read_text(errors="replace")[-3000:]
            assert writing.wait(300) == 0, log.read_text(errors="replace")[-3000:]
            snapshot = current_snapshot(served)
            assert snapshot not in published
            published.append(snapshot)
            wait_until(lambda: served_id(server.base) == prepared_id(snapshot), f"the site to serve {snapshot}")
        assert crawl.wait(300) == 0, log.read_text(errors="replace")[-3000:]
        # Old snapshots are removed once the worker reading them has ended.
        wait_until(lambda: [p.name for p in snapshots_dir(served).iterdir() if p.is_dir()] ==
                   [current_snapshot(served).parent.name], "old snapshots to be removed")
    finally:
        outcomes = traffic.finish()
        server.stop()
    failures = [o for o in outcomes if o[1] != 200]
    assert failures == [], (failures[:10], server.log.read_text(errors="replace")[-3000:])
    assert len(outcomes) > 50 and {o[0] for o in outcomes} == set(PATHS)
    assert "malformed" not in server.log.read_text(errors="replace")
