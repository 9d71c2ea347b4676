"""Which known reports to revalidate on this run: list pages are read every run; report pages and their
attachments are revisited on an interval that grows with how long their bytes have been stable.

    interval = clamp(FACTOR × stable_age, MIN_DAYS, MAX_DAYS) / (1 + times it changed before)
    due when  now − last_checked ≥ interval × (0.75 … 1.25, fixed per URL)

stable_age = now − (when the current bytes appeared: the server's Last-Modified, else the listed publication
date). With FACTOR 0.1 a report published three years ago is revisited about every 110 days (capped at 180), one
published last month every 3 days, one that changed before twice as often. The per-URL spread keeps reports of the
same age from falling due in the same run.

Outside the interval a report is revisited at once when the list gives a reason: it is new, its listed title or
date changed (gkmlpt lists the modification time), or what the archive holds of it is incomplete (page never
archived, an attachment missing: a crawl killed half-way). Reports known from earlier crawls that no list shows any
more are revisited by the spider at the end of the portal (a 404 marks them gone, crawler.spiders.portals).

Attachments follow their page: a page that changed has all its attachments revalidated; an unchanged page (304)
revalidates only the attachments due on their own interval.

The history comes from the archive (CrawlLog.revisit_history, storage.crawl); without it (a distributed worker), everything is due.
Settings: NIANBAO_REVISIT (False: revalidate everything, the behaviour before), NIANBAO_REVISIT_FACTOR,
NIANBAO_REVISIT_MIN_DAYS, NIANBAO_REVISIT_MAX_DAYS, NIANBAO_NOW (ISO time: the crawl's clock, for tests and
replays; fetched_at is stamped with it too).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime


def parse_time(value) -> datetime | None:
    """ISO date/time or an HTTP date, as an aware datetime (naive values are taken as UTC)."""
    if not value:
        return None
    text = str(value).strip()
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            t = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def spread(url: str) -> float:
    """A factor in [0.75, 1.25) fixed per URL."""
    return 0.75 + int(hashlib.sha1(url.encode("utf-8")).hexdigest()[:8], 16) / 2**32 / 2


@dataclass
class RevisitPolicy:
    enabled: bool = True
    factor: float = 0.1
    min_days: float = 1.0
    max_days: float = 180.0
    clock: datetime | None = None  # fixed "now" (NIANBAO_NOW); None = the real time
    stats: dict = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings) -> "RevisitPolicy":
        return cls(enabled=settings.getbool("NIANBAO_REVISIT", True),
                   factor=settings.getfloat("NIANBAO_REVISIT_FACTOR", 0.1),
                   min_days=settings.getfloat("NIANBAO_REVISIT_MIN_DAYS", 1.0),
                   max_days=settings.getfloat("NIANBAO_REVISIT_MAX_DAYS", 180.0),
                   clock=parse_time(settings.get("NIANBAO_NOW")))

    def now(self) -> datetime:
        return self.clock or datetime.now(timezone.utc)

    def interval(self, stable_since: datetime | None, changes: int = 0) -> timedelta:
        age = (self.now() - stable_since).total_seconds() / 86400 if stable_since else 0.0
        days = min(max(self.factor * age, self.min_days), self.max_days) / (1 + max(changes, 0))
        return timedelta(days=days)

    def _due_by_age(self, url: str, doc: dict | None, published: str | None, changes: int) -> bool:
        if not doc:
            return True
        checked = parse_time(doc.get("fetched_at"))
        if checked is None:
            return True
        stable_since = parse_time(doc.get("last_modified")) or parse_time(published)
        return self.now() - checked >= self.interval(stable_since, changes) * spread(url)

    def due(self, known: dict | None, *, listed_title: str | None = None,
            listed_date: str | None = None) -> tuple[bool, str]:
        """Is the report page due for revalidation? (due, reason)."""
        reason = self._reason(known, listed_title, listed_date)
        self.stats[reason] = self.stats.get(reason, 0) + 1
        return reason != "stable", reason

    def _reason(self, known, listed_title, listed_date) -> str:
        if not self.enabled:
            return "always"
        if not known:
            return "new"
        if not known.get("complete"):
            return "incomplete"
        row, doc = known.get("row") or {}, known.get("doc") or {}
        if listed_title and row.get("title") and listed_title.strip() != row["title"].strip():
            return "title_changed"
        checked = parse_time(doc.get("fetched_at"))
        listed = parse_time(listed_date)
        if listed and checked and listed.date() > checked.date():
            return "listed_date_newer"
        if self._due_by_age(row.get("url") or "", doc, row.get("published"), known.get("changes", 0)):
            return "interval"
        return "stable"

    def attachment_due(self, known: dict | None, url: str) -> bool:
        """For a report page that answered 304: is this attachment due on its own interval?"""
        if not self.enabled or not known:
            return True
        att = (known.get("attachments") or {}).get(url)
        return self._due_by_age(url, att, (known.get("row") or {}).get("published"), att.get("versions", 1) - 1
                                if att else 0)
