"""Running a crawl: the spider runs in a child process (crawler.process), so every crawl gets a fresh Twisted
reactor, a SIGKILL takes down only the crawl, and the caller reads the outcome from archive.db.

    crawl(db, adcodes=[…] | portals_csv=…, allow_loopback=False, settings={…}) -> summary dict
    crawl_sample_portals(db) -> summary                       (start the sample server, crawl all, stop; `make demo`)
    registry_csv_from_manifest(entries, urls, path)           sample portals' registry CSV with real base URLs
"""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from crawler import process
from storage import Archive
from storage.registry import RegistryError, load_portal_rows, read_import_csv

SAMPLE_MANIFEST = Path(__file__).with_name("sample_portals") / "manifest.json"

# For loopback sample portals: no delays (the politeness settings stay as they are for real portals).
# AutoThrottle is off here: it never lowers a slot's delay on non-200 answers, so on a recrawl made of 304s one slow
# answer would slow the rest of the crawl (on real portals that is the polite side to err on).
FAST_SETTINGS = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "AUTOTHROTTLE_START_DELAY": "0",
                 "AUTOTHROTTLE_MAX_DELAY": "1",
                 "DOWNLOAD_TIMEOUT": "20", "RETRY_BACKOFF_BASE": "0.1",
                 "LOG_LEVEL": "WARNING"}


class ChoiceError(ValueError):
    """The portals asked for cannot be crawled (unknown, no URL, a bad CSV): said before anything starts."""


def chosen_adcodes(db: str | Path, *, everything: bool = False, adcodes: list[str] = ()) -> list[str]:
    """--all: every registered portal with a URL (the bundled national list and imports); else the codes given."""
    if not everything:
        return list(adcodes)
    with Archive(db) as archive:
        archive.registry.ensure_divisions()
        codes = archive.registry.crawlable_adcodes()
    if not codes:
        raise ChoiceError(f"{db}: no portal with a URL is registered (nianbao portals import FILE.csv)")
    return codes


def crawl_chosen(db: str | Path, *, sample: bool = False, everything: bool = False, adcodes: list[str] = (),
                 portals_csv: str | None = None, allow_loopback: bool = False, settings: dict | None = None) -> dict:
    """`nianbao crawl`: the sample portals, every registered portal, the codes given, or a CSV's portals."""
    if sample:
        return crawl_sample_portals(db, settings=settings)
    adcodes = chosen_adcodes(db, everything=everything, adcodes=adcodes)
    try:
        if portals_csv:
            read_import_csv(portals_csv)  # a clear error before anything starts
        else:
            with Archive(db) as archive:
                archive.registry.ensure_divisions()
                load_portal_rows(archive, adcodes)
    except (RegistryError, OSError) as exc:
        raise ChoiceError(str(exc)) from exc
    return crawl(db, adcodes=adcodes, portals_csv=portals_csv, allow_loopback=allow_loopback, settings=settings,
                 args={"portals": portals_csv, "adcodes": list(adcodes) or None, "settings": settings or {}})


def spider_command(db: str | Path, *, adcodes: list[str] = (), portals_csv: str | None = None,
                   allow_loopback: bool = False, settings: dict | None = None, run_id: int | None = None) -> list[str]:
    spider_args = {"db": Path(db).resolve()}
    if adcodes:
        spider_args["adcode"] = ",".join(adcodes)
    if portals_csv:
        spider_args["portals"] = Path(portals_csv).resolve()
    if run_id is not None:
        spider_args["run_id"] = run_id
    merged = {"NIANBAO_DB": Path(db).resolve(), **({"NIANBAO_ALLOW_LOOPBACK": "True"} if allow_loopback else {}),
              **(settings or {})}
    return process.command(spider_args=spider_args, settings=merged)


def start_spider(db, **kwargs) -> subprocess.Popen:
    """Start the spider process (for callers that want to watch or kill it)."""
    return subprocess.Popen(spider_command(db, **kwargs))


def crawl(db: str | Path, *, adcodes: list[str] = (), portals_csv: str | None = None, allow_loopback: bool = False,
          settings: dict | None = None, args: dict | None = None) -> dict:
    """Run one crawl to the end and return its summary (see run_summary)."""
    with Archive(db) as archive:
        archive.registry.ensure_divisions()
        if portals_csv:  # fail early, in the caller, on a bad registry file
            imported, problems = archive.registry.import_csv(portals_csv)
            for p in problems:
                print(f"registry: {p}", file=sys.stderr)
        run_id = archive.crawl.start_run(args or {"adcodes": list(adcodes), "portals": portals_csv})
    proc = start_spider(db, adcodes=list(adcodes), portals_csv=portals_csv, allow_loopback=allow_loopback,
                        settings=settings, run_id=run_id)
    code = proc.wait()
    summary = run_summary(db, run_id)
    summary["exit_code"] = code
    return summary


def run_summary(db: str | Path, run_id: int) -> dict:
    with Archive(db, readonly=True) as archive:
        return archive.crawl.run_summary(run_id)


def format_summary(summary: dict) -> str:
    lines = [f"{'adcode':<8} {'name':<14} {'status':<11} {'reports':>7} {'pages':>6}  detail"]
    for p in summary["portals"]:
        d = p["detail"]
        if p["status"] == "ok":
            note = f"{d.get('platform')} {(d.get('columns') or [''])[0]}"
        else:
            note = d.get("moved") or (d.get("walls") or [None])[0] or d.get("robots_disallowed") or \
                (d.get("failures") or [""])[0] or d.get("platform") or ""
        if isinstance(note, dict):
            note = json.dumps(note, ensure_ascii=False)
        lines.append(f"{p['adcode']:<8} {(p['name'] or '')[:12]:<14} {p['status']:<11} {p['reports_found']:>7} "
                     f"{p['pages_fetched']:>6}  {str(note)[:70]}")
    run = summary["run"]
    lines.append(f"run {run['id']}: {run['portals']} portals, {run['reports_found']} reports found, "
                 f"{run['new_documents']} new documents, {run['errors']} errors")
    return "\n".join(lines)


# -- sample portals ----------------------------------------------------------------------------------------------------
def sample_manifest(handle=None) -> list[dict]:
    """Manifest entries of the sample portals (from the running server's portals, else manifest.json)."""
    if handle is not None:
        return [p.manifest() for p in handle.portals.values()]
    data = json.loads(SAMPLE_MANIFEST.read_text(encoding="utf-8"))
    return data["portals"] if isinstance(data, dict) else data


def registry_csv_from_manifest(entries: list[dict], urls: dict[str, str], path: str | Path) -> Path:
    """adcode,name,url,column_url,platform for every sample portal, with the server's actual base URLs.
    Only the homepage is given (discovery is exercised), except where the manifest says a registered column
    URL went stale (`old_column_paths`): that is what the crawler would have from an earlier crawl."""
    path = Path(path)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["adcode", "name", "url", "column_url", "platform"])
        for e in entries:
            base = urls.get(e["adcode"])
            if not base:
                continue
            old = list((e.get("old_column_paths") or {}).keys())
            column = base + old[0] if old else ""
            w.writerow([e["adcode"], e.get("name", ""), base + (e.get("home_path") or "/"), column, ""])
    return path


def crawl_sample_portals(db_path: str | Path, *, settings: dict | None = None, workdir: str | Path | None = None,
                         only: list[str] | None = None) -> dict:
    """Start the sample portals, crawl them all into db_path, stop them. Returns the crawl summary."""
    from crawler.sample_portals.server import start_servers

    handle = start_servers(0, only=only)
    try:
        workdir = Path(workdir or Path(db_path).resolve().parent)
        csv_path = registry_csv_from_manifest(sample_manifest(handle), handle.urls, workdir / "sample-portals.csv")
        return crawl(db_path, portals_csv=str(csv_path), allow_loopback=True,
                     settings={**FAST_SETTINGS, **(settings or {})})
    finally:
        handle.stop()
