"""Datasette plugin for the nianbao archive (loaded with --plugins-dir by `nianbao serve`): the hooks only; what
they do lives in nianbao/serve/ (pages, report_page, files, csv_export, links).

- The site's own pages: / (home), /report/<id>, /search, /about/api, /download…, /document/<id>, and the
  archive's files /original/<id>, /original/sha256/<hex>, /warc/<id> (see each module's docstring).
- Links in every table and query (render_cell): report ids to report pages, cells to their place on them,
  documents to their report and original.
- The CSV of every table and view, whole and streamed (an ASGI layer over Datasette's .csv).
- A search that cannot mean what it says (only -exclusions, a dangling OR) is refused with its reason, on
  Datasette's pages too (handle_exception).
- Chinese full-text search: replaces Datasette's escape_fts() SQL function with storage.serving.search.fts_query,
  so the table search box and ?_search= match the bigram index (see storage/serving/search.py); adds fts_query() and
  cjk_snippet() for the canned search query.
- The site's limits: every connection bounded (storage/serving/limits.py), every request guarded
  (nianbao/serve/guard.py).
- A blank map tile at /-/nianbao/tiles/{z}/{x}/{y}.png for serving without internet (--offline-map).
- Empty Atom feeds: datasette-atom takes max(atom_updated) over the rows and answers 500 when there are none —
  and a feed of changed reports or newly blocked portals is empty most days. Its renderer is wrapped so that an
  empty result is a valid Atom feed with no entries.
"""
import base64
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import Response

from nianbao.serve import files, links, pages, report_page
from nianbao.serve.csv_export import csv_wrapper
from nianbao.serve.guard import Guard, exception_response
from storage.serving import search as fts
from storage.serving.limits import limit_connection

# trylast: Datasette's own prepare_connection registers escape_fts; ours must run after it to replace it.
@hookimpl(trylast=True)
def prepare_connection(conn):
    fts.register_functions(conn)
    conn.create_function("escape_fts", 1, fts.fts_query, deterministic=True)
    limit_connection(conn)  # the site's SQL limits (storage/serving/limits.py)


def _wrap_atom_renderer() -> None:
    try:
        import datasette_atom
    except ImportError:
        return
    original = datasette_atom.render_atom
    if getattr(original, "nianbao_empty_feeds", False):
        return

    def render_atom(datasette, request, sql, columns, rows, database, table, query_name, view_name, data):
        if rows:
            # entries link to the archive's report pages (paths): a feed reader needs them absolute
            base = f"{request.scheme}://{request.host}"
            rows = [{**dict(zip(columns, r)), "atom_link": base + r["atom_link"]}
                    if "atom_link" in columns and (r["atom_link"] or "").startswith("/") else r for r in rows]
            return original(datasette, request, sql, columns, rows, database, table, query_name, view_name, data)
        from feedgen.feed import FeedGenerator

        feed = FeedGenerator()
        feed.id(request.url)
        feed.link(href=request.url, rel="self")
        feed.title(request.args.get("_feed_title") or query_name or table or "nianbao")
        feed.updated(datetime.now(timezone.utc))
        return Response(feed.atom_str(pretty=True), content_type="application/xml; charset=utf-8")

    render_atom.nianbao_empty_feeds = True
    # register_output_renderer() looks render_atom up when Datasette starts, after plugins are loaded.
    datasette_atom.render_atom = render_atom


_wrap_atom_renderer()

_BLANK_PNG = base64.b64decode(  # 1×1 light grey PNG, scaled by Leaflet to the tile size
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/x8AAwMCAO+ip1sAAAAASUVORK5CYII=")


async def blank_tile(request):
    return Response(_BLANK_PNG, content_type="image/png", headers={"Cache-Control": "max-age=86400"})


@hookimpl
def register_routes():
    return [
        (r"^/$", pages.home),
        (r"^/report/(?P<report_id>[0-9a-zA-Z_-]{1,64})(\.(?P<format>json))?$", report_page.report_page),
        (r"^/original/(?P<document_id>\d{1,18})$", files.original_by_id),
        (r"^/original/sha256/(?P<sha256>[0-9a-f]{64})$", files.original_by_sha),
        (r"^/warc/(?P<document_id>\d{1,18})$", files.warc_record),
        (r"^/document/(?P<document_id>\d{1,18})$", pages.document_reports),
        (r"^/search(\.(?P<format>json))?$", pages.search),
        (r"^/about/api$", pages.api_guide),
        (r"^/download$", pages.download_page),
        (r"^/download/archive-csv\.zip$", pages.download_zip),
        (r"^/download/data-dictionary\.(?P<format>md|csv)$", pages.data_dictionary),
        (r"^/download/(?P<name>[^/]+\.db)$", download_db),
        (r"^/-/nianbao/tiles/(?P<z>\d+)/(?P<x>\d+)/(?P<y>\d+)\.png$", blank_tile),
        (r"^/-/nianbao/nianbao\.css$", stylesheet),
    ]


async def download_db(request, datasette):
    path = datasette.get_database().path
    if not path or Path(path).name != request.url_vars["name"]:
        return Response.text("no such file\n", status=404)
    return await pages.download_sqlite(request, datasette)


CSS = Path(__file__).resolve().parents[1] / "static" / "nianbao.css"


async def stylesheet(request):
    return Response(CSS.read_text(encoding="utf-8"), content_type="text/css; charset=utf-8",
                    headers={"Cache-Control": "max-age=3600"})


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.path("/-/nianbao/nianbao.css")]


@hookimpl
def extra_template_vars(datasette):
    return {"nb_db": datasette.get_database().name}


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    return links.render(row, value, column, table)


@hookimpl
def asgi_wrapper(datasette):
    """The site's per-request limits (nianbao/serve/guard.py) around everything, whole-table CSV exports
    (nianbao/serve/csv_export.py) included."""
    csv = csv_wrapper(datasette)
    return lambda app: Guard(csv(app))


@hookimpl
def menu_links(datasette, actor):
    return [{"href": "/", "label": "首页 Home"}, {"href": "/search", "label": "检索 Search"},
            {"href": "/download", "label": "下载 Download"}, {"href": "/about/api", "label": "API guide"}]


# Table pages: a second CSV link that Excel opens with its Chinese intact (the same rows, with a byte-order mark).
_EXCEL_LINK = """document.querySelectorAll('p.export-links a[href*=".csv"]').forEach(function (a) {
  var u = new URL(a.href, location.href); u.searchParams.set('_bom', '1');
  var x = document.createElement('a'); x.href = u.pathname + u.search; x.textContent = 'CSV for Excel';
  a.after(document.createTextNode(' · '), x);
});"""


@hookimpl
def extra_body_script(template, database, table, view_name, columns, request, datasette):
    if view_name == "table":
        return _EXCEL_LINK
    return None


@hookimpl(tryfirst=True)
def handle_exception(datasette, request, exception):
    """Datasette reports an exception raised inside an SQL function only as "user-defined function raised
    exception": when it was the search syntax, say what is wrong with the query."""
    if "user-defined function raised exception" not in str(exception):
        return exception_response(exception)
    query = request.args.get("_search") or request.args.get("q")
    problem = fts.query_problem(query) if query else None
    if not problem:
        return exception_response(exception)
    message = f"search {query!r}: {problem}"
    if request.path.endswith(".json"):
        return Response.json({"ok": False, "error": message, "status": 400}, status=400)

    async def inner():
        return Response.html(await datasette.render_template(
            "nianbao_message.html", {"title": "This search cannot be run", "message": message,
                                     "links": [("/search?" + urllib.parse.urlencode({"q": query}), "search page")]},
            request=request), status=400)
    return inner
