"""Publishing: the site never reads the database that crawls and extractions write.

    publish(working_db, served_db)   a consistent, prepared snapshot of the working database, swapped in atomically
    served_path(working_db)          where `nianbao serve --db working_db` publishes: served/<name> beside it
    lease(served_db)                 the snapshot a server reads, held (never deleted) while it reads it
    is_published(path)               True for a served path (a pointer to a published snapshot)

On disk, for served_db = served/archive.db:

    served/archive.db                                   symlink → the current snapshot (what readers open)
    served/archive.db.snapshots/<version>/archive.db    a published snapshot: written once, never changed
    served/archive.db.snapshots/<version>/archive.db.inspect.json     its row counts for Datasette
    served/archive.db.snapshots/.lock                   one publish at a time

A snapshot is built in its own new directory: VACUUM INTO copies the working database inside one read
transaction (a consistent state, WAL or not, while writers go on), prepare() builds the browse tables, search
index and inspect file, and a rename of a new symlink over served_db switches readers to it. Nothing ever writes
to a file a server has open, so an immutable reader can never see a half-written page ("database disk image is
malformed"). A server holds a shared lock on the directory of the snapshot it reads (lease()); a publish removes
the snapshots that are neither current nor leased. Publishes are serialized (the second waits for the first and
then snapshots newer data), so the pointer never goes back to an older snapshot.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from storage.db import connect
from storage.serving.prepare import SOURCE_STATE_KEY, current_state, inspect_path, is_stale, prepare

PUBLISHED_FROM_KEY = "serve_published_from"


def served_path(working_db: str | Path) -> Path:
    working_db = Path(working_db)
    return working_db.parent / "served" / working_db.name


def snapshots_dir(served_db: str | Path) -> Path:
    served_db = Path(served_db)
    return served_db.with_name(served_db.name + ".snapshots")


def is_published(path: str | Path) -> bool:
    """A served path: a symlink into its own snapshots directory."""
    path = Path(path)
    if not path.is_symlink():
        return False
    target = Path(os.readlink(path))
    return len(target.parts) == 3 and target.parts[0] == snapshots_dir(path).name and target.name == path.name


def current_snapshot(served_db: str | Path) -> Path | None:
    """The snapshot file the pointer names now (None before the first publish)."""
    served_db = Path(served_db)
    return served_db.parent / os.readlink(served_db) if is_published(served_db) else None


def publish(working_db: str | Path, served_db: str | Path) -> dict:
    """Snapshot working_db, prepare the copy and make it the served one. Returns what prepare() built."""
    working_db, served_db = Path(working_db), Path(served_db)
    if not working_db.exists():
        raise FileNotFoundError(f"working database not found: {working_db}")
    if working_db.resolve() == served_db.resolve() or is_published(working_db):
        raise ValueError(f"publish needs the working database, not a served snapshot: {working_db} -> {served_db}")
    snapshots = snapshots_dir(served_db)
    snapshots.mkdir(parents=True, exist_ok=True)
    with _locked(snapshots / ".lock", fcntl.LOCK_EX):
        version = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        target = snapshots / version / served_db.name
        target.parent.mkdir()
        try:
            # Read before the copy: a write landing in between makes the snapshot look stale (published again
            # next time), never fresh while it misses something.
            state = current_state(working_db)
            src = connect(working_db, readonly=True)
            try:
                src.execute("VACUUM INTO ?", [str(target)])
            finally:
                src.close()
            counts = prepare(target, db_name=served_db.stem,
                             extra_meta={PUBLISHED_FROM_KEY: str(working_db.resolve()), SOURCE_STATE_KEY: state})
            for path in (target, inspect_path(target), target.parent):
                _fsync(path)
            _point(served_db, target)
        except BaseException:
            shutil.rmtree(target.parent, ignore_errors=True)
            raise
        _remove_unused(served_db)
    return counts


def needs_publish(working_db: str | Path, served_db: str | Path) -> bool:
    """True when nothing is published yet, or the working database changed since the current snapshot."""
    snapshot = current_snapshot(served_db)
    return snapshot is None or not snapshot.exists() or is_stale(working_db, prepared_db=snapshot)


def published_from(served_db: str | Path) -> Path | None:
    """The working database the current snapshot was published from (recorded at publish time)."""
    snapshot = current_snapshot(served_db)
    if snapshot is None:
        return None
    conn = connect(snapshot, readonly=True)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", [PUBLISHED_FROM_KEY]).fetchone()
    finally:
        conn.close()
    return Path(row[0]) if row else None


class Lease:
    """A shared lock on one snapshot's directory: no publish removes it while held. Close to release."""

    def __init__(self, fd: int, snapshot: Path):
        self.fd, self.snapshot = fd, snapshot
        self.version = snapshot.parent.name

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def lease(served_db: str | Path, attempts: int = 50) -> Lease:
    """Lease the current snapshot. A publish that removes it between our reading the pointer and taking the lock
    makes us read the pointer again."""
    served_db = Path(served_db)
    for _ in range(attempts):
        snapshot = current_snapshot(served_db)
        if snapshot is None:
            raise FileNotFoundError(f"{served_db}: nothing published yet")
        try:
            fd = os.open(snapshot.parent, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            continue
        fcntl.flock(fd, fcntl.LOCK_SH)  # waits while a publish is removing this directory
        if snapshot.exists():
            return Lease(fd, snapshot)
        os.close(fd)
    raise RuntimeError(f"{served_db}: could not lease a published snapshot")


def remove_unused(served_db: str | Path) -> list[str]:
    """Remove the snapshots nobody reads (not current, not leased), unless a publish is going on."""
    snapshots = snapshots_dir(served_db)
    if not snapshots.is_dir():
        return []
    try:
        with _locked(snapshots / ".lock", fcntl.LOCK_EX | fcntl.LOCK_NB):
            return _remove_unused(Path(served_db))
    except BlockingIOError:
        return []  # the publish going on cleans up when it is done


def _remove_unused(served_db: Path) -> list[str]:
    current = current_snapshot(served_db)
    removed = []
    for entry in snapshots_dir(served_db).iterdir():
        if not entry.is_dir() or (current is not None and entry == current.parent):
            continue
        fd = os.open(entry, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a server still reads it
        else:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
        finally:
            os.close(fd)
    return removed


def _point(served_db: Path, target: Path) -> None:
    """Atomically make served_db a relative symlink to target (replacing a file or an older link)."""
    tmp = served_db.with_name(f".{served_db.name}.link-{os.getpid()}-{uuid.uuid4().hex[:6]}")
    os.symlink(os.path.relpath(target, served_db.parent), tmp)
    try:
        os.replace(tmp, served_db)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    stale_inspect = inspect_path(served_db)  # left by the layout before snapshots (a file beside the served one)
    if stale_inspect.is_file() and not stale_inspect.is_symlink():
        stale_inspect.unlink()
    _fsync(served_db.parent)


@contextmanager
def _locked(path: Path, operation: int):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, operation)
        yield
    finally:
        os.close(fd)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
