"""`nianbao schedule` (run the crawl on a schedule) and `nianbao status` (portal health and recent runs)."""
from __future__ import annotations

import importlib
import json
import shlex
from datetime import date

from nianbao.cli import add_db, add_json, fail, open_archive
from nianbao.schedule.scheduler import DEFAULT_CRONS, DEFAULT_GRACE, CommandJob, Schedule, Scheduler, iso, local_now


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "schedule", help="run the crawl on a schedule (a long-running process), or once with --once",
        description="Run `nianbao crawl` at every fire time of the schedule, one run at a time (a lock file "
                    "beside the database), recording every run in the table schedule_runs. Default schedule: "
                    f"{' and '.join(DEFAULT_CRONS)} (daily January–April, when reports are published; weekly "
                    "otherwise), in local time. SIGTERM/SIGINT stop it cleanly. Arguments after -- go to "
                    "`nianbao crawl`.")
    add_db(p, creates=True)
    p.add_argument("--cron", action="append", metavar="EXPR",
                   help="cron expression; repeat for several (the schedule fires when any does). "
                        "Replaces the default.")
    p.add_argument("--portals", metavar="FILE.csv", help="portal registry CSV passed to the crawl")
    p.add_argument("--once", action="store_true",
                   help="run once now (locked and recorded like a scheduled run) and exit: for cron or a "
                        "systemd timer")
    p.add_argument("--command", metavar="CMD",
                   help="run this command instead of `nianbao crawl …` (split like a shell would, no shell)")
    p.add_argument("--job", metavar="MODULE:FUNCTION",
                   help="run this Python callable instead (it gets a JobContext; returns a dict or None)")
    p.add_argument("--grace", type=float, default=DEFAULT_GRACE,
                   help=f"seconds a stopped crawl gets to close before SIGKILL (default {DEFAULT_GRACE:g})")
    p.add_argument("--next", type=int, metavar="N", help="print the next N fire times and exit")
    p.add_argument("crawl_args", nargs="*", metavar="-- CRAWL_ARGS", help="extra arguments for `nianbao crawl`")
    p.set_defaults(func=cmd_schedule)

    p = subparsers.add_parser(
        "status", help="portal health (last crawl, last new report, blocked/unreachable, overdue) and recent runs",
        description="Per portal: latest crawl status (ok / blocked CODE / unreachable / no_column / robots / "
                    "moved / unchecked), last successful crawl, last new report, and days since the government "
                    "report was due (31 March); then the latest scheduled runs. Empty when nothing was crawled.")
    add_db(p)
    add_json(p, "{portals: […], schedule_runs: […]}")
    p.add_argument("--today", type=date.fromisoformat, help="compute overdue days as of this date (YYYY-MM-DD)")
    p.set_defaults(func=cmd_status)


def load_callable(spec: str):
    module, _, name = spec.partition(":")
    if not module or not name:
        fail(f"--job {spec}: wants MODULE:FUNCTION")
    try:
        found = getattr(importlib.import_module(module), name)
    except ImportError as exc:
        fail(f"--job {spec}: cannot import {module}: {exc}")
    except AttributeError:
        fail(f"--job {spec}: {module} has no {name}")
    if not callable(found):
        fail(f"--job {spec}: {name} is not callable")
    return found


def cmd_schedule(args) -> int:
    crawl_args = [a for a in args.crawl_args]
    if crawl_args[:1] == ["--"]:
        crawl_args = crawl_args[1:]
    try:
        schedule = Schedule(args.cron or DEFAULT_CRONS)
    except ValueError as exc:
        fail(f"--cron {' / '.join(args.cron or DEFAULT_CRONS)}: {exc}")
    if args.next:
        for t in schedule.upcoming(local_now(), args.next):
            print(iso(t))
        return 0
    if args.portals:
        from nianbao.commands.crawl import check_portals_csv

        check_portals_csv(args.portals)
    if not (args.portals or crawl_args or args.command or args.job):
        crawl_args = ["--all"]  # every registered portal with a URL (nianbao portals import FILE.csv)
    if args.job:
        job = load_callable(args.job)
    else:
        job = CommandJob(shlex.split(args.command) if args.command else None, grace=args.grace)
    scheduler = Scheduler(args.db, job, schedule, portals_csv=args.portals, crawl_args=crawl_args)
    scheduler.install_signal_handlers()
    if args.once:
        row = scheduler.fire()
        return 1 if row["status"] == "failed" and not scheduler.stopping else 0
    scheduler.run_forever()
    return 0


def cmd_status(args) -> int:
    from nianbao.health import format_health
    from storage.serving.health import portal_health

    with open_archive(args, readonly=True) as archive:
        portals = portal_health(archive, today=args.today)
        runs = archive.schedule.recent(10)
    if args.json:
        print(json.dumps({"portals": portals, "schedule_runs": runs}, ensure_ascii=False, indent=1))
        return 0
    text = format_health(portals)
    if text:
        print(text)
    if runs:
        print("\nlatest scheduled runs:")
        for r in runs:
            print(f"  {r['id']:>4} {r['scheduled_for']} {r['status']:<8} portals={r['portals']} "
                  f"new_reports={r['new_reports']} errors={r['errors']}"
                  + (f"  {r['detail'][:100]}" if r["detail"] else ""))
    return 0
