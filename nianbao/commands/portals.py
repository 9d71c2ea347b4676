"""`nianbao portals`: the portal registry — every county-level division and its official portal (the bundled
national list, storage/data/county-portals.csv), corrected or extended by operators' imports, which always win."""
from __future__ import annotations

import json
import sys

from nianbao.cli import add_db, add_json, fail, input_error


def register(sub) -> None:
    portals = sub.add_parser("portals", help="the portal registry (every county's portal URL)")
    psub = portals.add_subparsers(dest="portals_command", required=True)
    imp = psub.add_parser("import", help="import or correct portal URLs from CSV (adcode,name,url[,column_url,"
                                         "platform,gk_url]); imported rows win over the bundled list")
    imp.add_argument("file", metavar="FILE.csv")
    add_db(imp, creates=True)
    imp.set_defaults(func=cmd_import)

    ref = psub.add_parser("refresh", help="take the URLs of a newer national list (the bundled file's format) for "
                                          "every row nobody imported")
    ref.add_argument("file", nargs="?", metavar="FILE.csv", help="default: the bundled list")
    add_db(ref, creates=True)
    ref.set_defaults(func=cmd_refresh)

    lst = psub.add_parser("list", help="list registered portals with their last crawl status")
    add_db(lst, creates=False)
    lst.add_argument("--all", action="store_true", help="include the counties without a known URL")
    lst.add_argument("--province", help="only this province (substring match)")
    add_json(lst, "the rows")
    lst.set_defaults(func=cmd_list)


def cmd_import(args) -> int:
    from storage import Archive
    from storage.registry import RegistryError

    from nianbao.commands.crawl import check_portals_csv

    check_portals_csv(args.file, "portals import")  # before the archive is created
    with Archive(args.db) as archive:
        try:
            n, problems = archive.registry.import_csv(args.file)
        except RegistryError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(input_error(args.file, exc))
    for p in problems:
        print(f"skipped {p}", file=sys.stderr)
    print(f"imported {n} portal(s) from {args.file}" + (f", skipped {len(problems)}" if problems else ""))
    return 0 if not problems else 1


def cmd_refresh(args) -> int:
    from storage import Archive
    from storage.registry import BUNDLED, RegistryError

    with Archive(args.db) as archive:
        archive.registry.ensure_divisions()
        try:
            counts = archive.registry.refresh(args.file or BUNDLED)
        except RegistryError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(input_error(args.file or "the bundled list", exc))
    print(f"refreshed from {args.file or BUNDLED.name}: {counts['updated']} rows updated, "
          f"{counts['kept_imported']} imported rows kept, {counts['unknown_code']} codes not in the division data")
    return 0


def cmd_list(args) -> int:
    from storage.archive import list_portals


    rows = list_portals(args.db, only_with_url=not args.all, province=args.province)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    print(f"{'adcode':<8} {'name':<16} {'status':<11} {'reports':>7}  url")
    for r in rows:
        print(f"{r['adcode']:<8} {(r['name'] or '')[:14]:<16} {(r['last_status'] or '-'):<11} "
              f"{(r['last_reports'] if r['last_reports'] is not None else '-')!s:>7}  {r['url'] or ''}")
    print(f"{len(rows)} portal(s)", file=sys.stderr)
    return 0
