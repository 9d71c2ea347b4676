"""`nianbao crawl` and `nianbao portals` (wired into nianbao.cli through register(subparsers)).

    nianbao crawl [--portals FILE.csv | --adcode CODE ...] [--db archive.db] [--allow-loopback] [-s NAME=VALUE ...]
                  [--json] [--sample]
    nianbao portals import FILE.csv [--db archive.db]
    nianbao portals list [--db archive.db] [--all] [--province NAME] [--json]
"""
from __future__ import annotations

import argparse
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
    crawl.add_argument("--db", default="archive.db", help="archive database (default: archive.db)")
    crawl.add_argument("--allow-loopback", action="store_true",
                       help="allow private/loopback addresses (tests, the sample portals)")
    crawl.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                       help="Scrapy setting, e.g. -s DOWNLOAD_DELAY=2 (repeatable)")
    crawl.add_argument("--json", action="store_true", help="print a machine-readable summary on stdout")
    crawl.set_defaults(func=cmd_crawl)

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
    if args.sample:
        summary = run.crawl_sample_portals(args.db, settings=settings)
    else:
        if not args.portals and not args.adcode:
            print("error: give --portals FILE.csv, --adcode CODE ... or --sample", file=sys.stderr)
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


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (python -m crawler.commands …) until nianbao.cli wires register() in."""
    parser = argparse.ArgumentParser(prog="nianbao")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
