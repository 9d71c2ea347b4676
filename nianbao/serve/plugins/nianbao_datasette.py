"""Datasette plugin for the nianbao archive (loaded with --plugins-dir by `nianbao serve`).

- Chinese full-text search: replaces Datasette's escape_fts() SQL function with nianbao.serve.fts.fts_query,
  so the table search box and ?_search= match the bigram index (see fts.py); adds fts_query() and
  cjk_snippet() for the canned search query.
- A blank map tile at /-/nianbao/tiles/{z}/{x}/{y}.png for serving without internet (--offline-map).
"""
import base64

from datasette import hookimpl
from datasette.utils.asgi import Response

from nianbao.serve import fts

# trylast: Datasette's own prepare_connection registers escape_fts; ours must run after it to replace it.
@hookimpl(trylast=True)
def prepare_connection(conn):
    fts.register_functions(conn)
    conn.create_function("escape_fts", 1, fts.fts_query, deterministic=True)


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
