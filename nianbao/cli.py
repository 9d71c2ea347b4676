"""The `nianbao` command: a table of contents. Each subcommand lives in nianbao/commands/<area>.py, parses its
arguments and calls one function of the layer below (crawler, storage, serve, schedule) — no SQL and no network
here. Options shared by several commands are defined once, below.

    extract, reextract          nianbao.commands.extract
    crawl, ingest               nianbao.commands.crawl
    portals import|list|refresh nianbao.commands.portals
    serve                       nianbao.commands.serve
    schedule, status            nianbao.commands.schedule
    demo                        nianbao.commands.demo
"""
from __future__ import annotations

import argparse
import importlib
import sys
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version

COMMAND_MODULES = ["extract", "crawl", "portals", "serve", "schedule", "demo"]


# -- options shared by several commands ---------------------------------------------------------------------------
def add_db(parser: argparse.ArgumentParser, *, creates: bool = False) -> None:
    """--db PATH. creates: the command may create a new archive there; otherwise the archive must exist."""
    parser.add_argument("--db", default="archive.db", metavar="PATH",
                        help="archive database (default: archive.db)" +
                             ("; created when missing" if creates else "; must exist"))


def add_json(parser: argparse.ArgumentParser, what: str = "the result") -> None:
    parser.add_argument("--json", action="store_true", help=f"print {what} as JSON on stdout")


def open_archive(args, *, readonly: bool = False):
    """The archive named by --db. A command that reads an archive refuses a path where there is none (exit 2 with a
    clear message) instead of creating an empty one."""
    from storage import Archive, ArchiveNotFound

    try:
        return Archive(args.db, create=False, readonly=readonly)
    except ArchiveNotFound as exc:
        fail(f"{exc} — give the archive's path with --db")


def os_reason(exc: OSError) -> str:
    """An OSError as a short reason: 'no such file', 'is a directory', 'permission denied' …"""
    import errno

    reasons = {errno.ENOENT: "no such file", errno.EISDIR: "is a directory", errno.EACCES: "permission denied",
               errno.ENOTDIR: "a part of the path is not a directory", errno.ENOSPC: "no space left on the device"}
    return reasons.get(exc.errno) or (exc.strerror or str(exc)).lower()


def input_error(path, exc: BaseException) -> str:
    """'<path>: <reason>' for an input that could not be used."""
    if isinstance(exc, OSError):
        return f"{path}: {os_reason(exc)}"
    text = str(exc)
    return text if text.startswith(str(path)) else f"{path}: {text}"


@contextmanager
def busy(desc: str):
    """A long step without steps of its own to count (preparing the served database): on a terminal, its name and
    the elapsed time on stderr, refreshed every second; nothing when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield
        return
    from tqdm import tqdm

    from crawler.extraction import _Ticker

    bar = tqdm(total=None, desc=desc, file=sys.stderr, bar_format="{desc} … {elapsed}", leave=True)
    ticker = _Ticker(bar)
    try:
        yield
    finally:
        ticker.stop()
        bar.close()


class CommandError(Exception):
    """Stops a command: main() prints the message (which names the input and the reason) and returns 2."""


def fail(message: str):
    raise CommandError(message)


def package_version() -> str:
    try:
        return version("nianbao")
    except PackageNotFoundError:
        return "unknown"


# -- the command ----------------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nianbao", description="Archive of 政府信息公开工作年度报告")
    parser.add_argument("--version", action="version", version=f"nianbao {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"nianbao.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    # `python -m nianbao.cli`: this file runs as __main__, but the commands raise nianbao.cli.CommandError, so run
    # the main() of that module (else its errors would escape as tracebacks)
    from nianbao import cli as _cli

    sys.exit(_cli.main())
