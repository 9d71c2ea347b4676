"""The `nianbao` command. Subcommands of other areas register themselves through `register(subparsers)` in their
own module (crawler.commands, nianbao.serve.commands, ...), so this file stays a table of contents."""
from __future__ import annotations

import argparse
import importlib
import json
import sys

from nianbao.archive import Archive, StoredDocument

# Modules that add subcommands; missing optional parts are skipped so the core CLI always works.
COMMAND_MODULES = ["crawler.commands", "nianbao.serve.commands", "nianbao.schedule.commands", "nianbao.demo"]
MAX_FETCH_BYTES = 100 * 1024 * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nianbao", description="Archive of 政府信息公开工作年度报告")
    sub = parser.add_subparsers(dest="command", required=True)
    _register_extract(sub)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        module.register(sub)
    args = parser.parse_args(argv)
    return args.func(args) or 0


# ---- extract ------------------------------------------------------------------------------------------------
def _register_extract(sub) -> None:
    p = sub.add_parser("extract", help="extract reports from files or URLs into the archive",
                       description="Extract text, sections, keyed table cells, checks and flags from each input "
                                   "document and store them in the archive (replacing an earlier extraction).")
    p.add_argument("inputs", nargs="+", metavar="PATH_OR_URL")
    p.add_argument("--db", default="archive.db", help="archive database (default: archive.db)")
    p.add_argument("--json", action="store_true", help="print one JSON object per input document (JSON Lines)")
    p.add_argument("--no-db", action="store_true", help="do not write the archive (with --json: a dry run)")
    p.add_argument("--allow-loopback", action="store_true",
                   help="allow URLs on loopback and private addresses (test servers); refused by default")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("reextract", help="re-run extraction on originals already in the archive",
                       description="Re-extract stored documents from their kept originals (blobs/), e.g. after "
                                   "the extractor improved. By default every document that has a report.")
    p.add_argument("--db", default="archive.db")
    p.add_argument("--errors", action="store_true", help="only documents whose extraction failed")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_reextract)


def read_input(item: str, allow_private: bool = False) -> tuple[bytes, dict]:
    """Bytes and hints (filename, charset, url) of a path or an http(s) URL. Raises crawler.fetch.FetchError or
    extract.inputs.InputError (both with .kind and .message naming the input)."""
    if item.startswith(("http://", "https://")):
        from crawler.fetch import fetch
        data, info = fetch(item, allow_private=allow_private, max_bytes=MAX_FETCH_BYTES)
        return data, {"url": item, "content_type": info.content_type, "charset": info.charset,
                      "filename": info.filename}
    from extract.inputs import hints_for_path, read_path
    return read_path(item, MAX_FETCH_BYTES), hints_for_path(item)


def cmd_extract(args) -> int:
    from crawler.fetch import FetchError
    from extract.inputs import InputError, printable
    from extract.model import ExtractionResult
    from extract.sandbox import extract_bytes_isolated as extract_bytes  # untrusted bytes: in a limited worker

    archive = None if args.no_db else Archive(args.db)
    total, failed = len(args.inputs), 0
    for n, arg in enumerate(args.inputs, start=1):
        report_id, item = None, printable(arg)  # a file name that is not UTF-8 is shown and stored escaped
        try:
            data, hints = read_input(arg, allow_private=args.allow_loopback)
        except (FetchError, InputError) as exc:
            message = printable(exc.message)
            result = ExtractionResult(source=item, errors=[{"kind": exc.kind, "message": message}])
            if archive:
                archive.record_error(item, exc.kind, message, stage="read")
        else:
            if archive and hints.get("url"):  # a registered portal's host tells the region (a hint, weighed)
                from crawler.registry import adcode_for_url
                hints["region_code"] = adcode_for_url(args.db, hints["url"])
            result = extract_bytes(data, source=item, hints=hints)
            if archive:
                doc = archive.add_document(data, url=hints.get("url"), path=hints.get("path"),
                                           content_type=result.format, declared_type=hints.get("content_type"),
                                           filename=hints.get("filename"), role="report")
                report_id = archive.write_extraction(result, doc, url=hints.get("url"))
        failed += bool(result.errors)
        if args.json:
            out = result.to_json()
            out["report_id"] = report_id
            print(json.dumps(out, ensure_ascii=False), flush=True)
        _progress(n, total, item, result)
    if archive:
        archive.close()
    return 2 if failed else 0


def _progress(n: int, total: int, item: str, result) -> None:
    failed = sum(1 for c in result.checks if c.status == "fail")
    state = ("error: " + "; ".join(e["kind"] for e in result.errors)) if result.errors else \
        f"{result.template}, {len(result.cells)} cells, {failed} failed checks, {len(result.flags)} flags"
    print(f"[{n}/{total}] {item}: {state}", file=sys.stderr, flush=True)


def cmd_reextract(args) -> int:
    """Re-extract from the kept originals. A report keeps its set of documents (page + attachments), so its id —
    derived from those bytes — stays the same and its rows are replaced, not duplicated."""
    from extract.sandbox import extract_isolated as extract_report  # kept originals are untrusted bytes too

    archive = Archive(args.db)
    if args.errors:
        groups = [[d] for d in archive.db.query(
            "SELECT DISTINCT d.* FROM documents d JOIN errors e ON e.document_id = d.id "
            "WHERE e.stage = 'extract' AND e.resolved_at IS NULL")]
    else:
        groups = []
        for report in archive.db.query("SELECT id FROM reports ORDER BY id"):
            groups.append(list(archive.db.query(
                "SELECT d.*, rd.role AS rd_role FROM report_documents rd JOIN documents d ON d.id = rd.document_id "
                "WHERE rd.report_id = ? ORDER BY rd.role = 'page' DESC, d.id", [report["id"]])))
    failed = 0
    for n, docs in enumerate(groups, start=1):
        page = docs[0]
        source = page["url"] or page["path"] or page["sha256"]
        missing = [d for d in docs if not archive.blobs.has(d["sha256"])]
        if missing:
            archive.record_error(source, "original_missing", "a kept original is not in blobs/",
                                 stage="reextract", document_id=missing[0]["id"])
            failed += 1
            continue
        parts = [(archive.blobs.get(d["sha256"]), d["url"] or d["path"] or d["sha256"],
                  {"filename": d["filename"], "url": d["url"], "region_code": d["portal_adcode"]}) for d in docs]
        result, index = extract_report(parts)
        stored = [StoredDocument(d["id"], d["sha256"]) for d in docs]
        archive.write_extraction(result, stored[0], url=page["url"],
                                 attachments=[(s, "attachment") for s in stored[1:]], cells_document=stored[index])
        failed += bool(result.errors)
        if args.json:
            print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
        _progress(n, len(groups), source, result)
    archive.close()
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
