"""Portal registry: every county-level division (extract.regions.counties(), 2,849 of them) with its portal URL
where known, an optional known column URL and platform. Stored in the `portals` table of archive.db.

CSV import format (UTF-8, header row): adcode,name,url[,column_url,platform]
"""
from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

from extract import regions

CSV_COLUMNS = ("adcode", "name", "url", "column_url", "platform")
# Portal URLs the project knows from the documents themselves (seed 004 prints 靖远县's portal in its 六).
# Users add the rest with `nianbao portals import FILE.csv`; an imported URL is never overwritten by these.
KNOWN_PORTALS = Path(__file__).with_name("known_portals.csv")


class RegistryError(ValueError):
    pass


def read_csv(path: str | Path) -> tuple[list[dict], list[str]]:
    """Rows and problems. A bad row is reported (with its line number) and skipped; the others are kept."""
    rows, problems = [], []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"adcode", "url"} - set(reader.fieldnames or [])
        if missing:
            raise RegistryError(f"{path}: missing column(s) {', '.join(sorted(missing))} "
                                f"(expected header: {','.join(CSV_COLUMNS)})")
        for n, raw in enumerate(reader, start=2):
            row = {k: (raw.get(k) or "").strip() for k in CSV_COLUMNS}
            if not row["adcode"].isdigit() or len(row["adcode"]) != 6:
                problems.append(f"line {n}: adcode {row['adcode']!r} is not a 6-digit code")
                continue
            if not row["url"].startswith(("http://", "https://")) and not row["column_url"].startswith(
                    ("http://", "https://")):
                problems.append(f"line {n}: {row['adcode']} has no http(s) url")
                continue
            rows.append(row)
    return rows, problems


def division_fields(adcode: str, name: str | None = None) -> dict:
    d = regions.by_code(adcode)
    if d is None:
        return {"name": name or None, "province": None, "prefecture": None}
    return {"name": d.name, "province": d.province, "prefecture": d.prefecture}


def ensure_divisions(store) -> int:
    """Make sure every county-level division has a row (URL unknown until imported). Returns rows added."""
    have = {r[0] for r in store.db.execute("SELECT adcode FROM portals")}
    new = [{"adcode": d.code, "name": d.name, "province": d.province, "prefecture": d.prefecture,
            "url": None, "column_url": None, "platform": None, "source": "regions"}
           for d in regions.counties() if d.code not in have]
    known = {r["adcode"]: r for r in read_csv(KNOWN_PORTALS)[0]}
    for record in new:
        if record["adcode"] in known:
            k = known[record["adcode"]]
            record.update(url=k["url"] or None, column_url=k["column_url"] or None, platform=k["platform"] or None,
                          source=KNOWN_PORTALS.name)
    if new:
        store.db["portals"].insert_all(new, pk="adcode")
    return len(new)


def import_csv(store, path: str | Path) -> tuple[int, list[str]]:
    rows, problems = read_csv(path)
    ensure_divisions(store)
    source = Path(path).name
    for row in rows:
        record = {"adcode": row["adcode"], **division_fields(row["adcode"], row["name"]),
                  "url": row["url"] or None, "column_url": row["column_url"] or None,
                  "platform": row["platform"] or None, "source": source}
        if not record["name"]:
            record["name"] = row["name"] or None
        store.db["portals"].upsert(record, pk="adcode")
    return len(rows), problems


def registered_adcodes(db_path: str | Path) -> list[str]:
    """Adcodes of every registered portal with a URL (what `nianbao crawl --all` crawls)."""
    if not Path(db_path).exists():
        return []
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        if not conn.execute("SELECT name FROM sqlite_master WHERE name='portals'").fetchone():
            return []
        return [r[0] for r in conn.execute("SELECT adcode FROM portals WHERE coalesce(url, '') != '' "
                                           "OR coalesce(column_url, '') != '' ORDER BY adcode")]
    finally:
        conn.close()


def adcode_for_url(db_path: str | Path, url: str) -> str | None:
    """The registered portal whose host serves this URL (a region hint for `nianbao extract URL`), or None."""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    if not host or not Path(db_path).exists():
        return None
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        if not conn.execute("SELECT name FROM sqlite_master WHERE name='portals'").fetchone():
            return None
        for adcode, portal_url, column_url in conn.execute(
                "SELECT adcode, url, column_url FROM portals WHERE url IS NOT NULL OR column_url IS NOT NULL"):
            if host in {(urlsplit(u).hostname or "").lower() for u in (portal_url, column_url) if u}:
                return adcode
        return None
    finally:
        conn.close()


def load_rows(db_path: str | Path | None, adcodes: list[str] = (), csv_path: str | None = None) -> list[dict]:
    """Portals to crawl: the CSV's rows (all, or those in adcodes) and registered rows for adcodes, read-only."""
    out: dict[str, dict] = {}
    if db_path and Path(db_path).exists() and adcodes:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            conn.row_factory = sqlite3.Row
            if conn.execute("SELECT name FROM sqlite_master WHERE name='portals'").fetchone():
                q = f"SELECT * FROM portals WHERE adcode IN ({','.join('?' * len(adcodes))})"
                for r in conn.execute(q, list(adcodes)):
                    out[r["adcode"]] = dict(r)
        finally:
            conn.close()
    if csv_path:
        rows, _ = read_csv(csv_path)
        for row in rows:
            if not adcodes or row["adcode"] in adcodes:
                out[row["adcode"]] = {**row, **{k: v for k, v in division_fields(row["adcode"], row["name"]).items()
                                                if v}}
    missing = [a for a in adcodes if a not in out or not (out[a].get("url") or out[a].get("column_url"))]
    if missing:
        raise RegistryError(f"no portal URL registered for {', '.join(missing)} "
                            f"(import one with `nianbao portals import FILE.csv`)")
    return [out[a] for a in adcodes] if adcodes else list(out.values())


def list_portals(store, *, only_with_url: bool = True, province: str | None = None) -> list[dict]:
    where, params = [], []
    if only_with_url:
        where.append("url IS NOT NULL")
    if province:
        where.append("province LIKE ?")
        params.append(f"%{province}%")
    sql = "SELECT p.*, s.status AS last_status, s.reports_found AS last_reports FROM portals p " \
          "LEFT JOIN portal_status s ON s.adcode = p.adcode AND s.run_id = (SELECT MAX(run_id) FROM portal_status " \
          "WHERE adcode = p.adcode)" + (" WHERE " + " AND ".join("p." + w for w in where) if where else "") + \
          " ORDER BY p.adcode"
    cur = store.db.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]
