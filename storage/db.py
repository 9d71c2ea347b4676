"""Opening archive.db: the one place a connection is made.

    connect(path)                   read-write: WAL, foreign keys, a long busy timeout, schema ensured
    connect(path, readonly=True)    read-only (serving, status, lookups): never creates or changes the file
    transaction(conn)               BEGIN IMMEDIATE … COMMIT / ROLLBACK

Writers never die of "database is locked": every connection waits (busy timeout), the switch of a new file to WAL
is retried (SQLite refuses it at once, without waiting, when two processes race on it), and the schema is created
in one IMMEDIATE transaction, so two processes opening a new archive at once both succeed
(tests/test_concurrent_writers.py). Write transactions are BEGIN IMMEDIATE, never a read upgraded to a write
(which SQLite also refuses at once under contention).
"""
from __future__ import annotations

import random
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import storage.migrate as migrate
from storage.schema import SCHEMA_VERSION, TABLES, create_table_sql, index_sql

BUSY_TIMEOUT_S = 120


def now_iso() -> str:
    """Timestamps in the archive: ISO 8601, UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class ArchiveNotFound(FileNotFoundError):
    """A command that reads an archive was given a path where there is none."""

    def __init__(self, path: Path):
        super().__init__(f"{path}: no such archive (the file does not exist)")
        self.path = path


class PublishedSnapshot(PermissionError):
    """A writer was given a served path (storage/serving/publish.py): writing there would change the file a live
    site reads. Writers take the working database it was published from."""

    def __init__(self, path: Path):
        super().__init__(f"{path}: a published snapshot, served read-only — write the working database instead "
                         "(the one `nianbao serve --db` names), then publish it")
        self.path = path


def _is_served_snapshot(path: Path) -> bool:
    """A symlink into a <name>.snapshots/<version>/ directory: how publish() lays out what a site serves."""
    return path.is_symlink() and path.resolve().parent.parent.name.endswith(".snapshots")


def connect(path: str | Path, *, readonly: bool = False, create: bool = True) -> sqlite3.Connection:
    """A connection to the archive at `path`. readonly: never writes (SQLite read-only mode). create=False (and
    readonly): the file must exist, else ArchiveNotFound — a mistyped --db must not make an empty archive."""
    path = Path(path)
    if (readonly or not create) and not path.exists():
        raise ArchiveNotFound(path)
    if not readonly and _is_served_snapshot(path):
        raise PublishedSnapshot(path)
    if readonly:
        return sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S,
                               isolation_level=None, check_same_thread=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    _use_wal(conn)
    conn.execute("PRAGMA foreign_keys=ON")
    ensure_schema(conn)
    return conn


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch a new database to WAL. Two processes doing it at once on a new file both read it (a shared lock)
    and then need it exclusively; SQLite answers one of them "database is locked" at once, without waiting, since
    waiting could deadlock. So the switch is retried (with a random pause, up to the busy timeout)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.005, 0.05))


@contextmanager
def transaction(conn: sqlite3.Connection):
    """One write transaction: a crash or an exception never leaves half of it behind."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def table_exists(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?",
                        [name]).fetchone() is not None


def columns_of(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]


def schema_version(conn: sqlite3.Connection) -> int | None:
    if not table_exists(conn, "meta"):
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else None


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Create every table and index that is missing and add columns introduced later (never dropping any).
    Cheap when the archive is current: one read of meta."""
    version = schema_version(conn)
    if version == SCHEMA_VERSION and _complete(conn):
        return
    with transaction(conn):
        version = schema_version(conn)  # again, inside the lock: another process may have just migrated
        legacy = migrate.needs_migration(conn, version)
        if legacy:
            migrate.move_legacy_tables(conn)
        for table in TABLES:
            conn.execute(create_table_sql(table))
            have = set(columns_of(conn, table.name))
            for col in table.columns:
                if col.name not in have:
                    conn.execute(f"ALTER TABLE [{table.name}] ADD COLUMN [{col.name}] {col.type}")
            for cols in table.indexes:
                conn.execute(index_sql(table, cols))
        if legacy:
            migrate.fill_sightings(conn)
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])


def _complete(conn: sqlite3.Connection) -> bool:
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return all(t.name in names for t in TABLES)
