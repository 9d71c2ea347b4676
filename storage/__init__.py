"""The storage layer: the one owner of archive.db and the blobs beside it.

    storage.schema     every base table, with type and meaning per column (docs/schema.md is rendered from it)
    storage.db         connect() (WAL, busy timeout, read-only mode), transactions, schema creation
    storage.archive    Archive: the object everything else reads and writes the archive through
    storage.serving    the relations built for Datasette (summary, pivots, coverage, search, feeds, health)

It imports nothing from the crawler, the CLI or the server: those import it. It imports `extract` only for the
division data and the result types it stores.
"""
from storage.archive import Archive, StoredDocument
from storage.reports import Sighting, content_id_for
from storage.blobs import BlobStore, sha256_hex
from storage.db import ArchiveNotFound, PublishedSnapshot, connect, now_iso

__all__ = ["Archive", "ArchiveNotFound", "BlobStore", "PublishedSnapshot", "Sighting", "StoredDocument", "connect",
           "content_id_for",
           "now_iso", "sha256_hex"]
