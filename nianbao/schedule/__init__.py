"""Running the crawl on a schedule (scheduler.py; the commands are nianbao/commands/schedule.py). See
docs/operations.md."""
from nianbao.schedule.scheduler import (DEFAULT_CRONS, CommandJob, JobContext, RunLock, Schedule, Scheduler,
                                        lock_path_for)

__all__ = ["DEFAULT_CRONS", "CommandJob", "JobContext", "RunLock", "Schedule", "Scheduler", "lock_path_for"]
