"""Datasette plugin for the nianbao archive (loaded with --plugins-dir by `nianbao serve`).

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
from datetime import datetime, timezone

from datasette import hookimpl
from datasette.utils.asgi import Response

from nianbao.serve.guard import Guard, exception_response
from storage.serving import search as fts
from storage.serving.limits import limit_connection

# trylast: Datasette's own prepare_connection registers escape_fts; ours must run after it to replace it.
@hookimpl(trylast=True)
def prepare_connection(conn):
    fts.register_functions(conn)
    conn.create_function("escape_fts", 1, fts.fts_query, deterministic=True)
    limit_connection(conn)  # the site's SQL limits (storage/serving/limits.py)


@hookimpl
def asgi_wrapper(datasette):
    return Guard  # the site's per-request limits (nianbao/serve/guard.py)


@hookimpl
def handle_exception(datasette, request, exception):
    return exception_response(exception)


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
    return [(r"^/-/nianbao/tiles/(?P<z>\d+)/(?P<x>\d+)/(?P<y>\d+)\.png$", blank_tile),
            (r"^/-/nianbao/nianbao\.css$", stylesheet)]


# Every column has a description (metadata.py); Datasette lists them one per line above the table, which pushes
# the data off the first screen. A compact grid keeps them readable and the table in view.
_CSS = """
dl.column-descriptions { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr));
  column-gap: 1.5rem; font-size: 0.85rem; margin-bottom: 1rem; }
dl.column-descriptions dt { margin-top: 0.3rem; }
dl.column-descriptions dd { margin: 0 0 0.2rem 0; color: #555; }
"""


async def stylesheet(request):
    return Response(_CSS, content_type="text/css; charset=utf-8", headers={"Cache-Control": "max-age=3600"})


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.path("/-/nianbao/nianbao.css")]
