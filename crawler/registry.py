"""The portals a crawl starts from: registered rows (storage.registry) and/or a CSV given for this crawl."""
from __future__ import annotations

from pathlib import Path

from storage import Archive
from storage.registry import RegistryError, load_portal_rows, read_import_csv

__all__ = ["RegistryError", "load_rows", "read_import_csv"]


def load_rows(db_path: str | Path | None, adcodes: list[str] = (), csv_path: str | None = None) -> list[dict]:
    """Portals to crawl: the CSV's rows (all, or those in adcodes) and registered rows for adcodes, read-only."""
    if db_path and Path(db_path).exists() and adcodes:
        with Archive(db_path, readonly=True) as archive:
            return load_portal_rows(archive, adcodes, csv_path)
    return load_portal_rows(None, adcodes, csv_path)
