"""`nianbao extract` (files and URLs into the archive) and `nianbao reextract` (again, from the kept originals)."""
from __future__ import annotations

import json

from nianbao.cli import add_db, add_json, open_archive


def register(sub) -> None:
    p = sub.add_parser("extract", help="extract reports from files or URLs into the archive",
                       description="Extract text, sections, keyed table cells, checks and flags from each input "
                                   "document and store them in the archive (replacing an earlier extraction).")
    p.add_argument("inputs", nargs="+", metavar="PATH_OR_URL")
    add_db(p, creates=True)
    add_json(p, "one JSON object per input document (JSON Lines)")
    p.add_argument("--no-db", action="store_true", help="do not write the archive (with --json: a dry run)")
    p.add_argument("--allow-loopback", action="store_true",
                   help="allow URLs on loopback and private addresses (test servers); refused by default")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("reextract", help="re-run extraction on originals already in the archive",
                       description="Re-extract every report from its kept originals (blobs/), e.g. after the "
                                   "extractor improved — the same step a crawl runs, with the crawl's hints.")
    add_db(p)
    p.add_argument("--errors", action="store_true", help="only documents whose extraction failed")
    add_json(p, "one JSON object per report (JSON Lines)")
    p.set_defaults(func=cmd_reextract)


def _print_json(result, report_id) -> None:
    out = result.to_json()
    out["report_id"] = report_id
    print(json.dumps(out, ensure_ascii=False), flush=True)


def cmd_extract(args) -> int:
    from crawler.extraction import extract_inputs
    from storage import Archive

    archive = None if args.no_db else Archive(args.db)
    try:
        failed = extract_inputs(archive, args.inputs, allow_private=args.allow_loopback,
                                on_result=_print_json if args.json else None)
    finally:
        if archive is not None:
            archive.close()
    return 2 if failed else 0


def cmd_reextract(args) -> int:
    from crawler.extraction import Progress, reextract

    with open_archive(args) as archive:
        summary = reextract(archive, errors_only=args.errors, progress=Progress("re-extracting"), collect=args.json)
    if args.json:
        for _, result, report_id in summary.results:
            _print_json(result, report_id)
    return 2 if summary.errors else 0
