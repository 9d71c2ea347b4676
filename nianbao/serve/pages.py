"""The site's pages for people, besides the report page: the home page, search, the API guide, downloads, and
/document/<id> (a document's report).

    /                  what the archive is and how complete it is, the search box first, the ways in
    /search?q=&page=   ranked full-text search with the total and paging; a query that cannot mean what it says
                       (only -exclusions, a dangling OR) is refused with the reason
    /about/api         docs/api.md, rendered
    /download          the whole archive: SQLite, every table and view as CSV in one ZIP, the data dictionary
    /document/<id>     the page of the report the document belongs to
"""
from __future__ import annotations

import re
from pathlib import Path

from datasette.utils.asgi import Response

from nianbao.serve import site
from storage.serving import exports
from storage.serving.browse import REPORT_PAGE
from storage.serving.queries import DOCUMENT_REPORTS_SQL, HOME_SQL, SEARCH_PAGE_SIZE, SEARCH_SQL
from storage.serving.search import query_problem

API_DOC = Path(__file__).with_name("api.md")  # a link to docs/api.md, packaged with the site


async def render(datasette, request, template: str, context: dict, status: int = 200) -> Response:
    return Response.html(await datasette.render_template(template, context, request=request), status=status)


async def home(request, datasette):
    totals = await site.first(datasette, HOME_SQL["totals"])
    # the latest year whose county government reports are due and of which the archive has any (a year just
    # due, with nothing crawled yet, would only say 0)
    year = (totals["covered_year"] or totals["due_year"]) if totals else None
    coverage = await site.rows(datasette, HOME_SQL["coverage"], {"year": year}) if year else []
    recent = await site.rows(datasette, HOME_SQL["recent"])
    reached = [c for c in coverage if c["with_report"]]
    context = {"totals": totals or {}, "coverage": reached, "coverage_year": year,
               "counties_total": sum(c["counties"] for c in coverage),
               "counties_with_report": sum(c["with_report"] for c in coverage),
               "provinces_without": len(coverage) - len(reached), "recent": recent}
    return await render(datasette, request, "nianbao_home.html", context)


def snippet_parts(snippet: str | None) -> list[tuple[str, bool]]:
    """'…a【b】c…' -> [('…a', False), ('b', True), ('c…', False)]: the template escapes each part and marks the
    match, so nothing in a report's text is ever taken as markup."""
    parts = []
    for i, piece in enumerate(re.split(r"【|】", snippet or "")):
        if piece:
            parts.append((piece, i % 2 == 1))
    return parts


async def search(request, datasette):
    q = (request.args.get("q") or "").strip()
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page = 1
    context = {"q": q, "page": page, "results": [], "total": 0, "problem": None, "page_size": SEARCH_PAGE_SIZE}
    if q:
        context["problem"] = query_problem(q)
        if not context["problem"]:
            found = await site.rows(datasette, SEARCH_SQL, {"q": q, "page": str(page)})
            context["results"] = [{**r, "parts": snippet_parts(r["snippet"])} for r in found]
            context["total"] = found[0]["total"] if found else (0 if page == 1 else None)
            if found:
                context["pages"] = (context["total"] + SEARCH_PAGE_SIZE - 1) // SEARCH_PAGE_SIZE
    if request.url_vars.get("format") == "json":
        return Response.json({k: v for k, v in context.items() if k != "results"} | {
            "results": [{k: v for k, v in r.items() if k != "parts"} for r in context["results"]]},
            status=400 if context["problem"] else 200)
    return await render(datasette, request, "nianbao_search.html", context, 400 if context["problem"] else 200)


async def api_guide(request, datasette):
    import markdown

    text = API_DOC.read_text(encoding="utf-8") if API_DOC.exists() else "The API guide (docs/api.md) is missing."
    # docs/api.md is the project's own file (no archive data in it), so its Markdown is rendered as written.
    html = markdown.markdown(text, extensions=["tables", "fenced_code", "toc"])
    return await render(datasette, request, "nianbao_doc.html", {"title": "API guide", "html": html})


async def download_page(request, datasette):
    db = site.database(datasette)
    path = Path(db.path) if db.path else None
    relations = [n for n in sorted(set(await db.table_names()) | set(await db.view_names()))
                 if not n.startswith(exports.NOT_EXPORTED_PREFIXES)]
    return await render(datasette, request, "nianbao_download.html", {
        "db_file": path.name if path else None, "db_size": path.stat().st_size if path and path.exists() else None,
        "relations": relations})


async def download_sqlite(request, datasette):
    path = Path(site.database(datasette).path)
    return site.StreamResponse(lambda: site.file_chunks(path), content_type="application/vnd.sqlite3",
                               filename=path.name, length=path.stat().st_size)


async def download_zip(request, datasette):
    path = Path(site.database(datasette).path)
    bom = request.args.get("_bom") in ("1", "on", "true")
    return site.StreamResponse(lambda: exports.stream_zip(path, bom=bom), content_type="application/zip",
                               filename=f"{path.stem}-csv{'-excel' if bom else ''}.zip")


async def data_dictionary(request, datasette):
    if request.url_vars["format"] == "csv":
        return Response(exports.dictionary_csv(bom=request.args.get("_bom") in ("1", "on")),
                        content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": site.content_disposition("data-dictionary.csv")})
    return Response.text(exports.dictionary_markdown())


async def document_reports(request, datasette):
    doc_id = int(request.url_vars["document_id"])
    found = await site.rows(datasette, DOCUMENT_REPORTS_SQL, {"id": doc_id})
    if len(found) == 1:
        return Response.redirect(REPORT_PAGE + found[0]["report_id"])
    return await render(datasette, request, "nianbao_message.html", {
        "title": f"Document {doc_id}",
        "message": (f"This document belongs to {len(found)} reports: " + ", ".join(r["report_id"] for r in found))
        if found else "No report was read from this document. Its bytes are still archived.",
        "links": [(REPORT_PAGE + r["report_id"], r["report_id"]) for r in found]
        + [(f"/original/{doc_id}", "the original")]}, status=200 if found else 404)
