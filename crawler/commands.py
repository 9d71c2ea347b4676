"""`nianbao crawl` and `nianbao portals` (wired into nianbao.cli through register(subparsers)).

    nianbao crawl [--portals FILE.csv | --adcode CODE ...] [--db archive.db] [--allow-loopback] [-s NAME=VALUE ...]
                  [--json] [--sample]
    nianbao crawl --redis URL [--seed (--portals FILE.csv | --adcode CODE ...) [--force]] [--blobs DIR] [-s …]
    nianbao ingest --redis URL [--db archive.db] [--until-idle] [--idle-timeout S] [--no-extract]
    nianbao portals import FILE.csv [--db archive.db]
    nianbao portals list [--db archive.db] [--all] [--province NAME] [--json]
"""
from __future__ import annotations

import json
import sys


def register(subparsers) -> None:
    crawl = subparsers.add_parser("crawl", help="crawl county portals for annual reports, then extract them",
                                  description="Crawl county portals (politely, incrementally) and extract the "
                                              "reports found into the archive.")
    src = crawl.add_mutually_exclusive_group()
    src.add_argument("--portals", metavar="FILE.csv", help="portals to crawl (adcode,name,url[,column_url,platform])")
    src.add_argument("--adcode", nargs="+", metavar="CODE", help="registered portals to crawl, by adcode")
    src.add_argument("--sample", action="store_true", help="start the bundled sample portals and crawl them all")
    src.add_argument("--all", action="store_true", help="every registered portal that has a URL")
    crawl.add_argument("--db", default="archive.db", help="archive database (default: archive.db)")
    crawl.add_argument("--allow-loopback", action="store_true",
                       help="allow private/loopback addresses (tests, the sample portals)")
    crawl.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                       help="Scrapy setting, e.g. -s DOWNLOAD_DELAY=2 (repeatable)")
    crawl.add_argument("--json", action="store_true", help="print a machine-readable summary on stdout")
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
    ingest.add_argument("--db", default="archive.db", help="archive database (default: archive.db)")
    ingest.add_argument("--until-idle", action="store_true",
                        help="ingest one crawl and exit (default: serve crawl after crawl)")
    ingest.add_argument("--idle-timeout", type=float, default=300, metavar="S",
                        help="settle unfinished portals after S seconds without any progress (default 300)")
    ingest.add_argument("--no-extract", action="store_true", help="skip extraction at the end of the crawl")
    ingest.add_argument("--prefix", default="nianbao", help="Redis key prefix (default: nianbao)")
    ingest.set_defaults(func=cmd_ingest)

    portals = subparsers.add_parser("portals", help="the portal registry (county portal URLs)")
    sub = portals.add_subparsers(dest="portals_command", required=True)
    imp = sub.add_parser("import", help="import portal URLs from CSV (adcode,name,url[,column_url,platform])")
    imp.add_argument("file", metavar="FILE.csv")
    imp.add_argument("--db", default="archive.db")
    imp.set_defaults(func=cmd_portals_import)
    lst = sub.add_parser("list", help="list registered portals with their last crawl status")
    lst.add_argument("--db", default="archive.db")
    lst.add_argument("--all", action="store_true", help="include the counties without a known URL")
    lst.add_argument("--province", help="only this province (substring match)")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_portals_list)


def _settings(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise SystemExit(f"error: -s expects NAME=VALUE, got {pair!r}")
        name, value = pair.split("=", 1)
        out[name.strip()] = value
    return out


def cmd_crawl(args) -> int:
    from crawler import registry, run

    settings = _settings(args.settings)
    if args.all:
        args.adcode = registry.registered_adcodes(args.db)
        if not args.adcode:
            print("error: no portal with a URL is registered (nianbao portals import FILE.csv)", file=sys.stderr)
            return 2
    if args.redis:
        return cmd_crawl_worker(args, settings)
    if args.seed:
        print("error: --seed needs --redis URL", file=sys.stderr)
        return 2
    if args.sample:
        summary = run.crawl_sample_portals(args.db, settings=settings)
    else:
        if not args.portals and not args.adcode:
            print("error: give --portals FILE.csv, --adcode CODE ..., --all or --sample", file=sys.stderr)
            return 2
        try:
            if args.portals:
                registry.read_csv(args.portals)  # a clear error before anything starts
            else:
                registry.load_rows(args.db, adcodes=args.adcode)
        except (registry.RegistryError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        summary = run.crawl(args.db, adcodes=args.adcode or [], portals_csv=args.portals,
                            allow_loopback=args.allow_loopback, settings=settings,
                            args={"portals": args.portals, "adcodes": args.adcode, "settings": settings})
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print(run.format_summary(summary))
    return 0 if summary.get("exit_code", 0) == 0 else 1


def cmd_crawl_worker(args, settings: dict) -> int:
    from crawler import distributed, registry

    if args.sample:
        print("error: --sample is a one-process crawl; seed the sample portals' CSV with --portals", file=sys.stderr)
        return 2
    if (args.portals or args.adcode) and not args.seed:
        print("error: portals are chosen when the crawl is seeded: add --seed (once, on one machine), or drop "
              "--portals/--adcode to join the seeded crawl", file=sys.stderr)
        return 2
    if args.seed:
        if not args.portals and not args.adcode:
            print("error: --seed needs --portals FILE.csv, --adcode CODE ... or --all", file=sys.stderr)
            return 2
        try:
            seeded = distributed.seed(args.redis, db=args.db, adcodes=args.adcode or [], portals_csv=args.portals,
                                      prefix=args.prefix, settings=settings, force=args.force)
        except (registry.RegistryError, distributed.SeedError, ValueError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except Exception as exc:  # redis.ConnectionError and friends
            print(f"error: Redis at {args.redis}: {exc}", file=sys.stderr)
            return 2
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
        print(f"error: ingest from {args.redis} into {args.db}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    for s in summaries:
        print(f"run {s['run_id']}: {s['portals']} portals, {s['items']} items, {s['new_documents']} new documents, "
              f"{s['reports_found']} reports found, {s['errors']} errors")
    return 0 if summaries or not args.until_idle else 1


def cmd_portals_import(args) -> int:
    from crawler import registry
    from crawler.store import Store

    store = Store(args.db)
    try:
        n, problems = registry.import_csv(store, args.file)
    except (registry.RegistryError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    for p in problems:
        print(f"skipped {p}", file=sys.stderr)
    print(f"imported {n} portal(s) from {args.file}" + (f", skipped {len(problems)}" if problems else ""))
    return 0 if not problems else 1


def cmd_portals_list(args) -> int:
    from crawler import registry
    from crawler.store import Store

    store = Store(args.db)
    try:
        registry.ensure_divisions(store)
        rows = registry.list_portals(store, only_with_url=not args.all, province=args.province)
    finally:
        store.close()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    print(f"{'adcode':<8} {'name':<16} {'status':<11} {'reports':>7}  url")
    for r in rows:
        print(f"{r['adcode']:<8} {(r['name'] or '')[:14]:<16} {(r['last_status'] or '-'):<11} "
              f"{(r['last_reports'] if r['last_reports'] is not None else '-')!s:>7}  {r['url'] or ''}")
    print(f"{len(rows)} portal(s)", file=sys.stderr)
    return 0
