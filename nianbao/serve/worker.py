"""One Datasette process serving one published snapshot; started and replaced by nianbao/serve/supervisor.py.

    python -m nianbao.serve.worker --served served/archive.db --fd N --status-fd M [--offline-map]

It leases the current snapshot (a publish never removes it while this process lives), builds Datasette's metadata
from that snapshot's tables, answers one query through Datasette itself, then says `ready <version>` on the status
pipe and accepts connections on the listening socket it inherited (shared with the worker it replaces, so no
connection is refused during a swap). It writes a heartbeat line every second while its event loop and its SQL
threads are free to answer; SIGTERM stops it gracefully (requests in flight are finished).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys
from pathlib import Path

HEARTBEAT_S = 1.0


def build_datasette(snapshot: Path, db_name: str, *, offline_map: bool, archive_dir: Path | None = None):
    from datasette.app import Datasette

    from nianbao.serve import metadata as md
    from nianbao.serve.server import PLUGINS_DIR, SETTINGS, TEMPLATES_DIR
    from storage.serving.prepare import inspect_is_current, inspect_path, table_columns

    meta = md.build_metadata(db_name, table_columns(snapshot),
                             tile_url=md.OFFLINE_TILES if offline_map else md.OSM_TILES)
    # Originals and WARC records stay beside the working database the snapshot was published from.
    archive_dir = archive_dir or snapshot.resolve().parent
    meta["plugins"]["nianbao"] = {"blobs": str(archive_dir / "blobs"), "warc": str(archive_dir / "warc")}
    # The inspect file holds the row counts, so startup never counts rows; a snapshot without a current one
    # (never expected: publish writes it) is served with counts taken lazily.
    inspect = json.loads(inspect_path(snapshot).read_text("utf-8")) if inspect_is_current(snapshot, db_name) else None
    return Datasette(immutables=[str(snapshot)], inspect_data=inspect, metadata=meta, plugins_dir=str(PLUGINS_DIR),
                     template_dir=str(TEMPLATES_DIR), settings=SETTINGS)


class Status:
    """The pipe to the supervisor: `ready <version>` once, then heartbeats. Never blocks the event loop."""

    def __init__(self, fd: int):
        self.fd = fd
        os.set_blocking(fd, False)

    def say(self, line: str) -> None:
        try:
            os.write(self.fd, (line + "\n").encode())
        except (BlockingIOError, BrokenPipeError):
            pass  # a supervisor that does not read (or is gone) must not stop the site

    async def beat(self, executor) -> None:
        """A heartbeat each second, after a no-op went through the SQL thread pool: a stuck event loop, or SQL
        threads all stuck in one uninterruptible call, stop it (and the supervisor replaces this worker)."""
        loop = asyncio.get_running_loop()
        while True:
            await loop.run_in_executor(executor, int)
            self.say("beat")
            await asyncio.sleep(HEARTBEAT_S)


async def serve(args) -> None:
    import uvicorn

    from nianbao.serve.guard import LIMITS
    from storage.serving.publish import lease, published_from

    served = Path(args.served)
    held = lease(served)  # released when the process ends
    db_name = served.stem
    working = published_from(served)
    ds = build_datasette(held.snapshot, db_name, offline_map=args.offline_map,
                         archive_dir=working.resolve().parent if working else None)
    await ds.invoke_startup()
    probe = await ds.client.get(f"/{db_name}.json?sql=select+count(*)+from+sqlite_master")
    if probe.status_code != 200:
        raise SystemExit(f"nianbao serve worker: {held.snapshot} does not answer: {probe.status_code} {probe.text}")
    sock = socket.socket(fileno=args.fd)
    config = uvicorn.Config(ds.app(), lifespan="on", log_level=os.environ.get("NIANBAO_SERVE_LOG_LEVEL", "info"),
                            limit_concurrency=LIMITS.MAX_CONNECTIONS,
                            timeout_graceful_shutdown=int(LIMITS.DEADLINE_S) + 5)
    server = uvicorn.Server(config)
    status = Status(args.status_fd)
    status.say(f"ready {held.version}")
    beating = asyncio.create_task(status.beat(ds.executor))
    await server.serve(sockets=[sock])
    beating.cancel()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m nianbao.serve.worker")
    p.add_argument("--served", required=True)
    p.add_argument("--fd", type=int, required=True, help="the listening socket, inherited")
    p.add_argument("--status-fd", type=int, required=True, help="pipe to the supervisor")
    p.add_argument("--offline-map", action="store_true")
    asyncio.run(serve(p.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
