"""What a crawl produces, declared once: the spider yields these, ArchiveWriter (crawler.pipelines) writes them, a
distributed worker pushes them to Redis and the ingester reads them back (crawler.distributed).

    Document        a response worth keeping: a list page, a report page, an attachment (or a 304 for one)
    ReportLink      a report found on a list (table report_items); with doc_url once its page was fetched
    Gone            a report page answering 404/410: the archive marks the place gone, deletes nothing
    CrawlError      a fetch or a page that failed (table errors)
    PortalOutcome   a portal's status once all its requests are settled (table portal_status)

On the wire (Redis) an item is JSON with a "kind" field naming its class; a Document's body travels beside it as
raw bytes (`to_wire` / `from_wire`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace


@dataclass
class Document:
    adcode: str
    key: str                # the archive's document key: the URL, or URL#post:body for POST-only content
    url: str                # the URL asked for
    final_url: str          # after redirects
    status: int
    headers: dict
    role: str               # list / page / attachment
    fetched_at: str
    not_modified: bool = False  # a 304: the archived bytes are confirmed, no body
    parent_key: str | None = None  # the report page an attachment hangs from
    link_text: str | None = None
    body: bytes = field(default=b"", repr=False)


@dataclass
class ReportLink:
    adcode: str
    url: str
    title: str | None
    year: int | None
    unit_kind: str | None
    unit_name: str | None
    list_url: str | None
    published: str | None
    platform: str | None
    doc_url: str | None = None            # set once the report page was fetched
    attachment_urls: list | None = None

    @property
    def fetched(self) -> bool:
        return self.doc_url is not None

    def row(self) -> dict:
        """The report_items columns it sets (doc_url / attachment_urls only once the page was fetched)."""
        out = asdict(self)
        if not self.fetched:
            del out["doc_url"], out["attachment_urls"]
        return out

    @classmethod
    def from_row(cls, adcode: str, row: dict) -> "ReportLink":
        """From a report_items row known from an earlier crawl (crawler.revisit)."""
        names = {f.name for f in fields(cls)} - {"adcode", "doc_url", "attachment_urls"}
        return cls(adcode=adcode, **{k: row.get(k) for k in names})

    def with_page(self, doc_url: str, attachment_urls: list[str]) -> "ReportLink":
        return replace(self, doc_url=doc_url, attachment_urls=list(attachment_urls))


@dataclass
class Gone:
    adcode: str
    url: str
    http_status: int
    seen_at: str


@dataclass
class CrawlError:
    adcode: str
    url: str | None
    stage: str              # fetch / crawl
    error: str
    message: str


@dataclass
class PortalOutcome:
    adcode: str
    status: str             # storage.schema.PORTAL_STATUSES
    detail: dict
    reports_found: int
    pages_fetched: int


Item = Document | ReportLink | Gone | CrawlError | PortalOutcome
KINDS: dict[str, type] = {"document": Document, "report_item": ReportLink, "gone": Gone, "error": CrawlError,
                          "portal_status": PortalOutcome}
KIND_OF = {cls: kind for kind, cls in KINDS.items()}


def to_wire(item: Item) -> tuple[dict, bytes | None]:
    """JSON-ready fields with the item's kind, and the body to send beside them (None: no body)."""
    data = {"kind": KIND_OF[type(item)], **asdict(item)}
    body = data.pop("body", None)
    return data, (body if body and not data.get("not_modified") else None)


def from_wire(data: dict, body: bytes | None = None) -> Item:
    """The item `to_wire` sent. Unknown kinds and fields are errors that name them (a worker and an ingester of
    different versions must not silently drop data)."""
    data = dict(data)
    kind = data.pop("kind", None)
    cls = KINDS.get(kind)
    if cls is None:
        raise ValueError(f"unknown item kind {kind!r} (known: {', '.join(KINDS)})")
    unknown = set(data) - {f.name for f in fields(cls)}
    if unknown:
        raise ValueError(f"{kind} item with unknown field(s) {', '.join(sorted(unknown))}")
    if cls is Document:
        data["body"] = body or b""
    return cls(**data)
