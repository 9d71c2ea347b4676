"""The portal registry (table `portals`): every county-level division (extract.regions.counties(), 2,849), with
the official portal of 2,846 of them bundled (storage/data/county-portals.csv, provenance in its README).

Where a row comes from is its `source`:
    regions                 a division with no known portal
    bundled:<file>          the bundled national list (refreshed by `nianbao portals refresh [FILE]`)
    <file name>             imported by an operator (`nianbao portals import FILE.csv`) — always wins: a refresh
                            of the bundled list never overwrites it
    sample, redis, …        written by a crawl of the sample portals or a distributed crawl's registry rows

Import CSV (UTF-8, header row): adcode,name,url[,column_url,platform,gk_url]
"""
from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import urlsplit

from extract import regions
from storage.db import now_iso

BUNDLED = Path(__file__).with_name("data") / "county-portals.csv"
BUNDLED_PREFIX = "bundled:"
IMPORT_COLUMNS = ("adcode", "name", "url", "column_url", "platform", "gk_url")
# columns of the national list (its README) -> registry columns
NATIONAL_COLUMNS = {"url": "url", "gk_url": "gk_url", "gk_kind": "gk_kind", "platform_hint": "platform_hint",
                    "access_2026_04": "access", "confirmed_by": "confirmed_by"}


class RegistryError(ValueError):
    pass


def read_import_csv(path: str | Path) -> tuple[list[dict], list[str]]:
    """Rows and problems. A bad row is reported (with its line number) and skipped; the others are kept."""
    rows, problems = [], []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"adcode", "url"} - set(reader.fieldnames or [])
        if missing:
            raise RegistryError(f"{path}: missing column(s) {', '.join(sorted(missing))} "
                                f"(expected header: {','.join(IMPORT_COLUMNS)})")
        for n, raw in enumerate(reader, start=2):
            row = {k: (raw.get(k) or "").strip() for k in IMPORT_COLUMNS}
            if not row["adcode"].isdigit() or len(row["adcode"]) != 6:
                problems.append(f"{path}: line {n}: adcode {row['adcode']!r} is not a 6-digit code")
                continue
            if not any(row[k].startswith(("http://", "https://")) for k in ("url", "column_url", "gk_url")):
                problems.append(f"{path}: line {n}: {row['adcode']} has no http(s) url")
                continue
            rows.append(row)
    return rows, problems


def read_national_csv(path: str | Path = BUNDLED) -> list[dict]:
    """The national list in the bundled file's format (adcode,name,url,gk_url,gk_kind,platform_hint,…)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not {"adcode", "url"} <= set(reader.fieldnames or []):
            raise RegistryError(f"{path}: not a national portal list (needs at least adcode,url; has "
                                f"{','.join(reader.fieldnames or [])})")
        out = []
        for raw in reader:
            row = {"adcode": (raw.get("adcode") or "").strip(), "name": (raw.get("name") or "").strip()}
            for theirs, ours in NATIONAL_COLUMNS.items():
                row[ours] = (raw.get(theirs) or "").strip() or None
            if row["adcode"].isdigit() and len(row["adcode"]) == 6 and row["url"]:
                out.append(row)
        return out


def division_fields(adcode: str, name: str | None = None) -> dict:
    d = regions.by_code(adcode)
    if d is None:
        return {"name": name or None, "province": None, "prefecture": None}
    return {"name": d.name, "province": d.province, "prefecture": d.prefecture}


def host_of(url: str | None) -> str:
    return (urlsplit(url or "").hostname or "").lower()


class Registry:
    def __init__(self, archive):
        self.archive = archive
        self.conn = archive.conn

    # -- filling ----------------------------------------------------------------------------------------------
    def ensure_divisions(self) -> int:
        """Every county-level division gets a row, and the bundled national list fills the URLs of rows nobody
        imported. Cheap when done (one count). Returns the rows added."""
        if self.archive.readonly or \
                self.conn.execute("SELECT count(*) FROM portals").fetchone()[0] >= len(regions.counties()):
            return 0
        with self.archive.transaction():  # read inside: another process may be filling the registry too
            have = {r[0] for r in self.conn.execute("SELECT adcode FROM portals")}
            new = [{"adcode": d.code, "name": d.name, "province": d.province, "prefecture": d.prefecture,
                    "source": "regions", "updated_at": now_iso()} for d in regions.counties() if d.code not in have]
            self.archive.insert("portals", new)
        if new:
            self.refresh(BUNDLED)
        return len(new)

    def refresh(self, path: str | Path = BUNDLED) -> dict:
        """Take the URLs of a national list (the bundled one, or a newer file in its format) for every row that
        an operator has not imported or corrected. Returns counts."""
        rows = read_national_csv(path)
        label = BUNDLED_PREFIX + Path(path).name
        counts = {"updated": 0, "kept_imported": 0, "unknown_code": 0}
        with self.archive.transaction():  # read inside: an import committed meanwhile must still win
            pinned = {r[0] for r in self.conn.execute(
                "SELECT adcode FROM portals WHERE source IS NOT NULL AND source <> 'regions' "
                f"AND source NOT LIKE '{BUNDLED_PREFIX}%'")}
            for row in rows:
                if row["adcode"] in pinned:
                    counts["kept_imported"] += 1
                    continue
                fields = division_fields(row["adcode"], row["name"])
                if regions.by_code(row["adcode"]) is None:
                    counts["unknown_code"] += 1
                record = {**row, **{k: v for k, v in fields.items() if v}, "source": label, "updated_at": now_iso()}
                self._upsert(record)
                counts["updated"] += 1
        return counts

    def import_csv(self, path: str | Path) -> tuple[int, list[str]]:
        """Operator rows (adcode,name,url[,column_url,platform,gk_url]): they win over the bundled list, now and
        after every refresh."""
        rows, problems = read_import_csv(path)
        self.ensure_divisions()
        self.import_rows(rows, source=Path(path).name)
        return len(rows), problems

    def import_rows(self, rows: list[dict], *, source: str) -> None:
        with self.archive.transaction():
            for row in rows:
                record = {"adcode": row["adcode"], **division_fields(row["adcode"], row.get("name")),
                          "url": row.get("url") or None, "column_url": row.get("column_url") or None,
                          "platform": row.get("platform") or None, "source": row.get("source") or source,
                          "updated_at": now_iso()}
                if row.get("gk_url"):
                    record["gk_url"] = row["gk_url"]
                if not record.get("name"):
                    record["name"] = row.get("name") or None
                self._upsert(record)

    def _upsert(self, record: dict) -> None:
        exists = self.conn.execute("SELECT 1 FROM portals WHERE adcode = ?", [record["adcode"]]).fetchone()
        if exists:
            sets = ", ".join(f"[{k}] = ?" for k in record if k != "adcode")
            self.conn.execute(f"UPDATE portals SET {sets} WHERE adcode = ?",
                              [v for k, v in record.items() if k != "adcode"] + [record["adcode"]])
        else:
            self.archive.insert("portals", [record])

    # -- reading ----------------------------------------------------------------------------------------------
    def crawlable_adcodes(self) -> list[str]:
        """Every registered portal with a URL (what `nianbao crawl --all` crawls)."""
        return [r[0] for r in self.conn.execute(
            "SELECT adcode FROM portals WHERE coalesce(url, '') <> '' OR coalesce(column_url, '') <> '' "
            "ORDER BY adcode")]

    def rows_for(self, adcodes: list[str]) -> dict[str, dict]:
        if not adcodes:
            return {}
        rows = self.archive.rows(f"SELECT * FROM portals WHERE adcode IN ({','.join('?' * len(adcodes))})",
                                 list(adcodes))
        return {r["adcode"]: r for r in rows}

    def adcode_for_url(self, url: str) -> str | None:
        """The registered portal whose host serves this URL (a region hint for `nianbao extract URL`)."""
        host = host_of(url)
        if not host:
            return None
        for adcode, *urls in self.conn.execute(
                "SELECT adcode, url, column_url, gk_url FROM portals WHERE url IS NOT NULL OR column_url IS NOT NULL"):
            if host in {host_of(u) for u in urls if u}:
                return adcode
        return None

    def list(self, *, only_with_url: bool = True, province: str | None = None) -> list[dict]:
        where, params = [], []
        if only_with_url:
            where.append("(coalesce(p.url, '') <> '' OR coalesce(p.column_url, '') <> '')")
        if province:
            where.append("p.province LIKE ?")
            params.append(f"%{province}%")
        return self.archive.rows(
            "SELECT p.*, s.status AS last_status, s.reports_found AS last_reports FROM portals p "
            "LEFT JOIN portal_status s ON s.adcode = p.adcode AND s.run_id = (SELECT MAX(run_id) FROM portal_status "
            "WHERE adcode = p.adcode)" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY p.adcode",
            params)


def load_portal_rows(archive, adcodes: list[str] = (), csv_path: str | None = None) -> list[dict]:
    """Portals to crawl: the CSV's rows (all, or those in adcodes) and registered rows for adcodes."""
    out: dict[str, dict] = {}
    if archive is not None and adcodes:
        out.update(archive.registry.rows_for(list(adcodes)))
    if csv_path:
        rows, _ = read_import_csv(csv_path)
        for row in rows:
            if not adcodes or row["adcode"] in adcodes:
                out[row["adcode"]] = {**row, **{k: v for k, v in division_fields(row["adcode"], row["name"]).items()
                                                if v}}
    missing = [a for a in adcodes if a not in out or not (out[a].get("url") or out[a].get("column_url"))]
    if missing:
        raise RegistryError(f"no portal URL registered for {', '.join(missing)} "
                            f"(import one with `nianbao portals import FILE.csv`)")
    return [out[a] for a in adcodes] if adcodes else list(out.values())

