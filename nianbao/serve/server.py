"""Serve the archive: Datasette 0.65 on a published snapshot, never on the database crawls write.

    serve(db, host=…, port=…)                    publish when needed, then the site until SIGTERM
    paths(db, publish_from) -> (working, served)  which database is published where
    ensure_published(working, served)            publish a snapshot when none is, or it is stale
    run_site(served, host=…, port=…)             the site on what is published (nianbao/serve/supervisor.py)

The working database (`--db archive.db`) is published to served/archive.db beside it
(storage/serving/publish.py: a symlink to an immutable prepared snapshot); the site serves that, and a running
site moves to each newly published snapshot without refusing a request. Each worker process opens its snapshot
immutable (no locks, no journal: nothing ever writes it), with its inspect file, under the limits of
nianbao/serve/guard.py and storage/serving/limits.py and the settings below.
"""
from __future__ import annotations

import sys
from pathlib import Path

from storage.serving.publish import current_snapshot, is_published, needs_publish, publish, published_from, served_path

PLUGINS_DIR = Path(__file__).with_name("plugins")
TEMPLATES_DIR = Path(__file__).with_name("templates")
SETTINGS = {  # typed values: Datasette(settings=…) takes them as given (the string "off" would be true)
    "sql_time_limit_ms": 3000,   # no query (canned, ad hoc, facet) may hold a worker longer than this
    "facet_time_limit_ms": 500,
    "suggest_facets": False,     # suggestions run a query per column on every table page: most of its latency
    "max_returned_rows": 3000,   # more is paged with _next; 3000 lets a canned query (the map) hold every county
    "default_page_size": 100,
    "allow_download": False,     # the whole file can be large; the data is all reachable through the API
    "num_sql_threads": 3,
}


TEMPLATES_DIR = Path(__file__).with_name("templates")
def paths(db: str | Path, publish_from: str | Path | None = None) -> tuple[Path | None, Path]:
    """(working database, served path) for `nianbao serve --db DB [--publish-from W]`. DB is the working database,
    published to served/DB beside it — unless --publish-from names the working database (then DB is the served
    path), or DB is itself a served path (then the working database is the one its snapshot was published from)."""
    db = Path(db)
    if publish_from is not None:
        return Path(publish_from), db
    if is_published(db):
        return published_from(db), db
    return db, served_path(db)


def ensure_published(working: Path | None, served: Path, *, force: bool = False) -> dict | None:
    """Publish when forced, when nothing is published yet, or when the working database changed since; returns
    what was built (None when the current snapshot was kept)."""
    if working is None or not working.exists():
        if current_snapshot(served) is None:
            raise FileNotFoundError(f"{served}: nothing published, and no working database to publish from")
        if force:
            raise FileNotFoundError(f"{served}: the working database it was published from is gone ({working})")
        return None
    if force or needs_publish(working, served):
        print(f"publishing {working} -> {served} …", file=sys.stderr, flush=True)
        return publish(working, served)
    return None


def serve(db: str | Path, *, host: str = "127.0.0.1", port: int = 8001, offline_map: bool = False,
          force_prepare: bool = False, publish_from: str | Path | None = None) -> None:
    """Publish when needed (or forced), then serve until SIGTERM. db: the working database (or, with publish_from,
    the served path; or a served path itself) — as `nianbao serve --db`."""
    working, served = paths(db, publish_from)
    ensure_published(working, served, force=force_prepare)
    run_site(served, host=host, port=port, offline_map=offline_map)


def run_site(served: str | Path, *, host: str = "127.0.0.1", port: int = 8001, offline_map: bool = False) -> None:
    """Serve the snapshot published at `served` (and every later one) until SIGTERM."""
    from nianbao.serve.supervisor import Supervisor

    Supervisor(Path(served), host=host, port=port, offline_map=offline_map).run()
