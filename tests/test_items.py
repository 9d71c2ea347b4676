"""Crawl items on the wire (crawler.items): what a worker pushes is what the ingester reads back, bodies beside the
JSON; an item from a different version is refused with its kind or field named, never half-read."""
from __future__ import annotations

import json

import pytest

from crawler.items import CrawlError, Document, Gone, PortalOutcome, ReportLink, from_wire, to_wire

LINK = ReportLink("630222", "http://x/nb/1.html", "民和县2023年政府信息公开工作年度报告", 2023, "government", None,
                  "http://x/nb/", "2024-01-20", "trs")


@pytest.mark.parametrize("item", [
    Document("630222", "http://x/a.pdf", "http://x/a.pdf", "http://x/b.pdf", 200, {"Content-Type": "application/pdf"},
             "attachment", "2024-04-10T08:00:00+00:00", parent_key="http://x/nb/1.html", link_text="附件.pdf",
             body=b"%PDF-1.7 \x00\xff"),
    LINK, LINK.with_page("http://x/nb/1.html", ["http://x/a.pdf"]),
    Gone("630222", "http://x/nb/1.html", 404, "2024-04-10T08:00:00+00:00"),
    CrawlError("630222", "http://x/nb/2.html", "fetch", "TimeoutError", "took too long"),
    PortalOutcome("630222", "partial", {"shortfalls": [{"kind": "page_cap", "pages": 400}]}, 12, 400),
])
def test_an_item_survives_the_wire(item):
    data, body = to_wire(item)
    assert from_wire(json.loads(json.dumps(data, ensure_ascii=False)), body) == item
    assert "body" not in data  # bytes never go into the JSON


def test_a_304_sends_no_body_and_a_link_writes_its_page_only_once_fetched():
    not_modified = Document("1", "k", "u", "u", 304, {}, "page", "t", not_modified=True, body=b"old")
    assert to_wire(not_modified)[1] is None
    assert "doc_url" not in LINK.row() and "attachment_urls" not in LINK.row()
    fetched = LINK.with_page("http://x/nb/1.html", ["http://x/a.pdf"])
    assert fetched.row()["attachment_urls"] == ["http://x/a.pdf"] and fetched.fetched


def test_unknown_kinds_and_fields_are_refused_by_name():
    with pytest.raises(ValueError, match="'sighting'"):
        from_wire({"kind": "sighting", "adcode": "1"})
    data, _ = to_wire(LINK)
    with pytest.raises(ValueError, match="colour"):
        from_wire({**data, "colour": "red"})
