"""What the site's own pages share: where the served archive's files are, how a page reads the database (through
Datasette, read-only), and a streamed download response.

The archive's originals (blobs/) and WARC records (warc/) sit beside the working database. A served snapshot may
live elsewhere (nianbao serve --publish-from), so `nianbao serve` passes their directories in the plugin
configuration ("nianbao": {"blobs": …, "warc": …}); without it they are looked for beside the served file.
"""
from __future__ import annotations

import asyncio
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from datasette.utils.asgi import Response

PLUGIN = "nianbao"


def database(datasette):
    """The served archive (the one database nianbao serves)."""
    return datasette.get_database()


def archive_dir(datasette, kind: str) -> Path | None:
    """blobs/ or warc/ of the served archive."""
    config = datasette.plugin_config(PLUGIN) or {}
    if config.get(kind):
        return Path(config[kind])
    path = database(datasette).path
    return Path(path).parent / kind if path else None


async def rows(datasette, sql: str, params: dict | None = None) -> list[dict]:
    results = await database(datasette).execute(sql, params or {})
    return [dict(r) for r in results.rows]


async def first(datasette, sql: str, params: dict | None = None) -> dict | None:
    found = await rows(datasette, sql, params)
    return found[0] if found else None


async def has_relation(datasette, name: str) -> bool:
    db = database(datasette)
    return name in set(await db.table_names()) | set(await db.view_names())


def content_disposition(filename: str) -> str:
    """attachment, with the name in ASCII for old clients and in full UTF-8 (RFC 6266 / 5987)."""
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in filename) or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{urllib.parse.quote(filename, safe='')}"


DOWNLOAD_HEADERS = {"X-Content-Type-Options": "nosniff",
                    # an original is someone else's HTML or PDF: never let it run as this site's page
                    "Content-Security-Policy": "sandbox; default-src 'none'"}


class StreamResponse:
    """A download whose body comes from a blocking iterator of byte chunks (reading a file or a query), run in a
    thread of its own so the event loop and Datasette's query threads stay free; stops reading when the client
    goes away."""

    def __init__(self, chunks_factory, *, content_type: str, filename: str, length: int | None = None,
                 headers: dict | None = None):
        self.chunks_factory = chunks_factory
        self.content_type = content_type
        self.headers = {**DOWNLOAD_HEADERS, "Content-Disposition": content_disposition(filename), **(headers or {})}
        if length is not None:
            self.headers["Content-Length"] = str(length)

    async def asgi_send(self, send):
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="nianbao-download") as pool:
            chunks = await loop.run_in_executor(pool, self.chunks_factory)
            try:
                headers = [[k.lower().encode(), str(v).encode("latin-1")] for k, v in self.headers.items()]
                headers.append([b"content-type", self.content_type.encode()])
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                while True:
                    chunk = await loop.run_in_executor(pool, next, chunks, None)
                    if chunk is None:
                        break
                    if chunk:
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            finally:
                close = getattr(chunks, "close", None)
                if close:
                    await loop.run_in_executor(pool, close)


def file_chunks(path: Path, chunk_size: int = 256 * 1024):
    def gen():
        with open(path, "rb") as fh:
            while True:
                block = fh.read(chunk_size)
                if not block:
                    return
                yield block
    return gen()


def not_found(message: str) -> Response:
    return Response.text(message + "\n", status=404)
