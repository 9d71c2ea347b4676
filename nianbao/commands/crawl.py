"""`nianbao crawl` (one process, or a worker of a distributed crawl) and `nianbao ingest`.

    nianbao crawl [--portals FILE.csv | --adcode CODE ... | --all | --sample] [--db archive.db] [--allow-loopback]
                  [-s NAME=VALUE ...] [--json]
    nianbao crawl --redis URL [--seed (--portals FILE.csv | --adcode CODE ...) [--force]] [--blobs DIR] [-s …]
    nianbao ingest --redis URL [--db archive.db] [--until-idle] [--idle-timeout S] [--no-extract]
"""
from __future__ import annotations

import json
import sys

from nianbao.cli import add_db, add_json, fail, input_error


def register(subparsers) -> None:
    crawl = subparsers.add_parser("crawl", help="crawl county portals for annual reports, then extract them",
                                  description="Crawl county portals (politely, incrementally) and extract the "
                                              "reports found into the archive.")
    src = crawl.add_mutually_exclusive_group()
    src.add_argument("--portals", metavar="FILE.csv", help="portals to crawl (adcode,name,url[,column_url,platform])")
    src.add_argument("--adcode", nargs="+", metavar="CODE", help="registered portals to crawl, by adcode")
    src.add_argument("--sample", action="store_true", help="start the bundled sample portals and crawl them all")
    src.add_argument("--all", action="store_true", help="every registered portal that has a URL")
    add_db(crawl, creates=True)
    crawl.add_argument("--allow-loopback", action="store_true",
                       help="allow private/loopback addresses (tests, the sample portals)")
    crawl.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                       help="Scrapy setting, e.g. -s DOWNLOAD_DELAY=2 (repeatable)")
    add_json(crawl, "a machine-readable summary")
    dist = crawl.add_argument_group("distributed crawl (docs/distributed.md)")
    dist.add_argument("--redis", metavar="URL", help="run as a worker of the crawl shared in this Redis "
                                                     "(redis://host:6379/0); nothing is written to SQLite")
    dist.add_argument("--seed", action="store_true", help="start that crawl: queue the chosen portals' start "
                                                         "requests (once), then work")
    dist.add_argument("--force", action="store_true", help="with --seed: abandon a crawl not yet ingested")
    dist.add_argument("--blobs", metavar="DIR", help="the archive's blob store, when readable from this machine "
                                                     "(revalidate pages too, not only attachments)")
    dist.add_argument("--prefix", default="nianbao", help="Redis key prefix (default: nianbao)")
    crawl.set_defaults(func=cmd_crawl)

    ingest = subparsers.add_parser("ingest", help="the single writer of a distributed crawl (Redis -> archive.db)",
                                   description="Pop the workers' items from Redis into the archive, then extract "
                                               "when the crawl is done (docs/distributed.md).")
    ingest.add_argument("--redis", metavar="URL", required=True)
    add_db(ingest, creates=True)
    ingest.add_argument("--until-idle", action="store_true",
                        help="ingest one crawl and exit (default: serve crawl after crawl)")
    ingest.add_argument("--idle-timeout", type=float, default=300, metavar="S",
                        help="settle unfinished portals after S seconds without any progress (default 300)")
    ingest.add_argument("--no-extract", action="store_true", help="skip extraction at the end of the crawl")
    ingest.add_argument("--prefix", default="nianbao", help="Redis key prefix (default: nianbao)")
    ingest.set_defaults(func=cmd_ingest)


def _settings(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            fail(f"-s expects NAME=VALUE, got {pair!r}")
        name, value = pair.split("=", 1)
        out[name.strip()] = value
    return out


def cmd_crawl(args) -> int:
    from crawler import run

    settings = _settings(args.settings)
    if args.redis:
        return cmd_crawl_worker(args, settings)
    if args.seed:
        fail("--seed needs --redis URL")
    if not (args.portals or args.adcode or args.all or args.sample):
        fail("give --portals FILE.csv, --adcode CODE ..., --all or --sample")
    check_portals_csv(args.portals)
    try:
        summary = run.crawl_chosen(args.db, sample=args.sample, everything=args.all, adcodes=args.adcode or [],
                                   portals_csv=args.portals, allow_loopback=args.allow_loopback, settings=settings)
    except run.ChoiceError as exc:
        fail(input_error(args.portals, exc.__cause__) if isinstance(exc.__cause__, OSError) else str(exc))
    print(json.dumps(summary, ensure_ascii=False, indent=1) if args.json else run.format_summary(summary))
    return 0 if summary.get("exit_code", 0) == 0 else 1


def check_portals_csv(path: str | None, what: str = "--portals") -> None:
    """A portals CSV must be there: say so before anything starts (or any archive is created)."""
    from pathlib import Path

    if path is None:
        return
    p = Path(path)
    if not p.exists():
        fail(f"{path}: no such file ({what})")
    if not p.is_file():
        fail(f"{path}: not a regular file ({what})")


def cmd_crawl_worker(args, settings: dict) -> int:
    from crawler import distributed, run

    if args.sample:
        fail("--sample is a one-process crawl; seed the sample portals' CSV with --portals")
    if (args.portals or args.adcode or args.all) and not args.seed:
        fail("portals are chosen when the crawl is seeded: add --seed (once, on one machine), or drop "
             "--portals/--adcode/--all to join the seeded crawl")
    if args.seed:
        if not (args.portals or args.adcode or args.all):
            fail("--seed needs --portals FILE.csv, --adcode CODE ... or --all")
        check_portals_csv(args.portals)
        try:
            adcodes = run.chosen_adcodes(args.db, everything=args.all, adcodes=args.adcode or [])
            seeded = distributed.seed(args.redis, db=args.db, adcodes=adcodes, portals_csv=args.portals,
                                      prefix=args.prefix, settings=settings, force=args.force)
        except OSError as exc:
            fail(input_error(args.portals or args.db, exc))
        except (run.ChoiceError, distributed.SeedError, ValueError) as exc:
            fail(str(exc))
        except Exception as exc:  # redis.ConnectionError and friends
            fail(f"Redis at {args.redis}: {exc}")
        print(f"seeded crawl {seeded['crawl_id']}: {seeded['portals']} portals, {seeded['requests']} start "
              f"requests", file=sys.stderr, flush=True)
    proc = distributed.start_worker(args.redis, prefix=args.prefix, allow_loopback=args.allow_loopback,
                                    settings=settings, blobs=args.blobs)
    return proc.wait()


def cmd_ingest(args) -> int:
    from crawler import distributed

    try:
        summaries = distributed.ingest(args.redis, args.db, until_idle=args.until_idle,
                                       idle_timeout=args.idle_timeout, prefix=args.prefix,
                                       extract=not args.no_extract)
    except Exception as exc:  # redis.ConnectionError, an unreadable db: say what and where
        fail(f"ingest from {args.redis} into {args.db}: {type(exc).__name__}: {exc}")
    for s in summaries:
        print(f"run {s['run_id']}: {s['portals']} portals, {s['items']} items, {s['new_documents']} new documents, "
              f"{s['reports_found']} reports found, {s['errors']} errors")
    return 0 if summaries or not args.until_idle else 1
