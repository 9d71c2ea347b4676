"""Stage 7 — metadata: title, year reported on, region (6-digit 行政区划代码 + name + level), agency, its kind and
identity key, publication date, statistics period, statutory deadline and days late.

This module only gathers the evidence from the document (title line, issuer line, signature, prose) and hands it to
the owners of each decision:
  extract/attribution.py  which division the report belongs to (title/issuer vs the portal's hint vs body
                          mentions; zones; ambiguous names) — conflicts kept as flags with every candidate;
  extract/agencies.py     the unit, its kind (government / office / department / township / other / unknown) and
                          agency_key;
  extract/dates.py        the year, the period, the publication date (impossible dates flagged, not used) and the
                          deadline / days late, computed there and nowhere else.
"""
from __future__ import annotations

import re

from extract import agencies, dates, regions
from extract.attribution import attribute
from extract.model import Flag, Metadata, ParsedDocument, Section
from extract.values import squash

_TITLE_WORDS = re.compile(r"报告|年报")
_TITLE_SHAPE = re.compile(r"\d{4}年|年度|[二一][〇○零Ｏ][一二三四五六七八九〇○零Ｏ]{2}年")
_TITLE_SEPARATOR = re.compile(r"\s*(?:[_|｜]|\s[-—–]\s|[-—–]{1,2}(?=\D))\s*")
_NOT_TITLE = re.compile(r"[>»›]|首页|当前位置|^根据|[,。;]")
_ISSUER = re.compile(r"(人民政府|办公室|办公厅|局|委员会|政府办|办事处)$")


def find_title(doc: ParsedDocument, hints: dict) -> tuple[str | None, str | None, list[str]]:
    """(title, issuer line, the early non-table lines squashed: up to the title and five after it, where a page's
    发布时间 line is). The title is the first early line that reads like a report title; the issuer a short unit
    line before it (seed 000: 民和回族土族自治县人民政府办公室)."""
    issuer = None
    title = None
    head: list[str] = []
    after = 0
    for line in doc.lines[:40]:
        if line.table is not None:
            continue
        raw = "".join(c.text for c in line.cells)
        if len(raw) > 120:  # a paragraph: neither a title, an issuer nor a date line
            continue
        s = squash(raw)
        if not s:
            continue
        head.append(s)
        if title is not None:
            after += 1
            if after >= 5:
                break
            continue
        if len(s) <= 80 and _TITLE_WORDS.search(s) and ("政府信息公开" in s or "年报" in s or "年度报告" in s) \
                and _TITLE_SHAPE.search(s) and not _NOT_TITLE.search(s):
            title = " ".join(t.strip() for t in line.texts if t.strip())
        elif issuer is None and len(s) <= 30 and _ISSUER.search(s) and not _NOT_TITLE.search(s):
            issuer = " ".join(t.strip() for t in line.texts if t.strip())
    if title is None:
        title = _report_part(doc.meta.get("ArticleTitle") or hints.get("title") or doc.meta.get("html_title") or "")
    return (title.strip() if title else None), issuer, head


def _report_part(title: str) -> str:
    """A page or list title often carries the site's name: "青海省人民政府-民和县2022年…报告", "…报告_靖远县人民
    政府". Keep the part that names the report (with the part before it when the report part opens with its year),
    so that the site's name is not read as the report's unit."""
    parts = [p for p in _TITLE_SEPARATOR.split(title) if p.strip()]
    for i, part in enumerate(parts):
        if _TITLE_WORDS.search(part):
            # "民和县 | 2022年…报告": the report part names no unit; the part before it does.
            return parts[i - 1] + part if i and re.match(r"\s*(?:关于)?\s*(?:\d|[二一][〇○零Ｏ])", part) else part
    return title


def _prose(doc: ParsedDocument, sections: list[Section]) -> str:
    if sections:
        return "\n".join(s.text for s in sections)
    return "\n".join(" ".join(c.text for c in l.cells) for l in doc.lines if l.table is None)


def extract_metadata(doc: ParsedDocument, sections: list[Section], hints: dict, flags: list[Flag]) -> Metadata:
    title, issuer, head = find_title(doc, hints)
    body = _prose(doc, sections)
    # The signature: the short lines at the end ("民和回族土族自治县人民政府办公室", "2023年12月17日"); of those,
    # the unit lines are evidence of the issuer.
    tail = [s for s in (squash("".join(c.text for c in l.cells)) for l in doc.lines[-12:]
                        if l.table is None and len(l.cells) == 1 and len(l.cells[0].text) <= 60) if s]
    signers = [s for s in tail[-8:] if len(s) <= 30 and _ISSUER.search(s)]
    attribution = attribute(title, " ".join([issuer or ""] + signers), body, hints, flags)
    division = attribution.division
    agency, kind = agencies.agency_of(title, issuer, division, hints)

    period_start, period_end = dates.period(body)
    year = dates.report_year(title, period_start, body, flags)
    other_matters = next((s.text for s in sections if s.key == "other_matters"), "")
    found = dates.candidates(doc.meta, hints, head, tail, other_matters)
    published, source = dates.publication_date(found, year, period_end, flags)
    deadline, days_late = dates.lateness(published, year, kind)

    meta = Metadata(
        title=title, year=year,
        region_code=division.code if division else None, region_name=division.name if division else None,
        province=division.province if division else None, prefecture=division.prefecture if division else None,
        region_source=attribution.source, agency=agency, agency_kind=kind, published_date=published,
        period_start=period_start, period_end=period_end, script=doc.meta.get("script", "hans"),
        published_source=source)
    _derive(meta)
    return meta


def _derive(meta: Metadata) -> None:
    """The fields that follow from the others: region_level, agency_key, deadline, days_late."""
    division = regions.by_code(meta.region_code) if meta.region_code else None
    meta.region_level = None
    if division is not None:
        meta.region_level = "township" if meta.agency_kind == "township" and division.level == "county" \
            else division.level
    meta.agency_key = agencies.agency_key(meta.agency, meta.region_code)
    meta.deadline, meta.days_late = dates.lateness(meta.published_date, meta.year, meta.agency_kind)


def merge_page(page: Metadata, attachment: Metadata, flags: list[Flag]) -> None:
    """A report published as a page with its tables in an attachment: the attachment's metadata, completed from the
    page's. The attachment's publication date stands (it was read with the page's date as a hint, beside the
    attachment's own dating: the earliest possible one won, extract/dates.py); region and unit come from the page
    where the attachment has none. The title is the page's — unless the attachment says it reports on another
    year or region than the page: then the page is someone else's wrapper (a re-post, a wrong attachment) and its
    title and date are not the report's (a page_attachment_mismatch flag keeps them)."""
    other = (attachment.year and page.year and attachment.year != page.year) or \
        (attachment.region_code and page.region_code and attachment.region_code != page.region_code)
    if other:
        flags.append(Flag("page_attachment_mismatch",
                          f"the page ({page.title}) reports on {page.year} {page.region_name}, its attachment on "
                          f"{attachment.year} {attachment.region_name}: the attachment's own metadata used",
                          {"page": {"title": page.title, "year": page.year, "region_code": page.region_code,
                                    "published_date": page.published_date},
                           "attachment": {"title": attachment.title, "year": attachment.year,
                                          "region_code": attachment.region_code}}))
    else:
        attachment.title = page.title or attachment.title
        if attachment.published_date is None and page.published_date:
            attachment.published_date, attachment.published_source = dates.publication_date(
                [(page.published_date, page.published_source or "page")], attachment.year, attachment.period_end,
                flags)
    if attachment.region_code is None:
        for field in ("region_code", "region_name", "province", "prefecture", "region_source"):
            setattr(attachment, field, getattr(page, field))
    if attachment.year is None:
        attachment.year = page.year
    if attachment.agency_kind in (None, "unknown"):
        attachment.agency, attachment.agency_kind = page.agency, page.agency_kind
    _derive(attachment)
    # lateness follows from the merged date, year and kind: said once, for them
    flags[:] = [f for f in flags if f.kind not in ("late_publication", "date_doubtful")]
    flags += dates.lateness_flags(attachment.published_date, attachment.published_source, attachment.year,
                                  attachment.agency_kind)
