"""Limits of the served site, per HTTP request: no request can take the server past its memory cap or hold it
past its deadline. Datasette's sql_time_limit_ms stops a statement between SQLite instructions but not the building
or sending of the response; what one statement may allocate is bounded in storage/serving/limits.py. Here, Guard
(an ASGI middleware, installed by the plugin's asgi_wrapper hook):

- at most MAX_CONCURRENT requests are worked on at once (others wait up to QUEUE_WAIT_S, then 503);
- a deadline over the whole request, response sent included (DEADLINE_S; STREAM_DEADLINE_S for a streamed CSV
  export, of which STREAMS at most run at once): 504 when nothing was sent yet, else the connection is cut;
- a response body over MAX_RESPONSE_BYTES is replaced by a 400 JSON error (a stream over it is cut);
- a request body over MAX_REQUEST_BYTES is refused with 413 (the site is read-only; nothing needs one);
- more than MAX_CONNECTIONS open connections: 503 (uvicorn's limit_concurrency, set by the worker);
- every response carries X-Content-Type-Options: nosniff, X-Frame-Options and a CSP without plugins or <base>.

The process is the last layer (nianbao/serve/supervisor.py): a worker whose RSS passes the cap, or whose event
loop stops answering, is replaced. Errors are JSON objects shaped like Datasette's own:
{"ok": false, "error": "...", "status": N, "title": "..."}. Each figure can be changed with an environment
variable NIANBAO_SERVE_<NAME> (e.g. NIANBAO_SERVE_DEADLINE_S).
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from urllib.parse import parse_qs

from storage.serving.limits import MiB, from_env


@dataclass(frozen=True)
class Limits:
    MAX_CONCURRENT: int = 8
    QUEUE_WAIT_S: float = 10.0
    DEADLINE_S: float = 15.0             # a table page with facets: ≤ 3 s for its rows + 0.5 s per facet
    STREAM_DEADLINE_S: float = 1800.0    # a whole table as CSV, the archive as ZIP: minutes on a national archive
    STREAMS: int = 2
    MAX_RESPONSE_BYTES: int = 48 * MiB   # JSON of a full result: ≤ 3 × MAX_RESULT_BYTES (\\uXXXX escapes)
    MAX_REQUEST_BYTES: int = 64 * 1024
    DRAIN_REQUEST_BYTES: int = 4 * MiB   # a body up to this is read and dropped before the 413 (see Guard)
    MAX_CONNECTIONS: int = 256           # open connections + requests (uvicorn's limit_concurrency): 503 beyond


LIMITS = from_env(Limits)


# ---------------------------------------------------------------------------------------------- HTTP
def exception_response(exception: BaseException):
    """A clear JSON error for what the limits raise deep inside Datasette (Datasette's own 500 page says nothing:
    str(MemoryError()) is empty). None: let Datasette handle it."""
    from datasette.utils.asgi import Response

    if isinstance(exception, MemoryError):  # SQLite's heap limit (storage/serving/limits.py), or Python's
        message = "the query needs more memory than the server allows: ask for less (fewer rows, shorter values)"
    elif isinstance(exception, RecursionError):  # e.g. ?_json= on a deeply nested value
        message = "a value is nested too deeply to be converted"
    else:
        return None
    return Response(error_body(400, "Too large", message), status=400,
                    content_type="application/json; charset=utf-8")


def error_body(status: int, title: str, message: str) -> bytes:
    return json.dumps({"ok": False, "error": message, "status": status, "title": title},
                      ensure_ascii=False).encode("utf-8")


async def send_error(send, status: int, title: str, message: str) -> None:
    body = error_body(status, title, message)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]})
    await send({"type": "http.response.body", "body": body})


class CutConnection(Exception):
    """Raised to the server when a response cannot be finished within the limits: it closes the connection, so
    the client sees an incomplete response rather than a complete-looking truncated one."""


class Guard:
    def __init__(self, app, limits: Limits = LIMITS):
        self.app, self.limits = app, limits
        self.slots = asyncio.Semaphore(limits.MAX_CONCURRENT)
        self.stream_slots = asyncio.Semaphore(limits.STREAMS)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        lim = self.limits
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > lim.MAX_REQUEST_BYTES):
            # Read (and drop) a body of moderate size before answering: a client still sending when the server
            # closes gets a reset instead of the answer. A larger one is not worth reading: the connection closes.
            if length.isdigit() and int(length) <= lim.DRAIN_REQUEST_BYTES:
                await _drain(receive, int(length))
            return await send_error(send, 413, "Request too large",
                                    f"request body over {lim.MAX_REQUEST_BYTES} bytes (the archive is read-only)")
        streamed = _is_stream(scope)
        slots = self.stream_slots if streamed else self.slots
        try:
            await asyncio.wait_for(slots.acquire(), lim.QUEUE_WAIT_S)
        except asyncio.TimeoutError:
            return await send_error(send, 503, "Busy", "the server is busy: try again in a moment")
        response = _Response(send, None if streamed else lim.MAX_RESPONSE_BYTES)
        try:
            await asyncio.wait_for(self.app(scope, _bounded(receive, lim.MAX_REQUEST_BYTES), response.send),
                                   lim.STREAM_DEADLINE_S if streamed else lim.DEADLINE_S)
        except asyncio.TimeoutError:
            if response.started:
                raise CutConnection("deadline passed while sending the response") from None
            await send_error(send, 504, "Too slow", f"the request took over {lim.DEADLINE_S:g} s and was stopped")
        except _RequestTooLarge:
            if response.started:
                raise CutConnection("request body too large") from None
            await send_error(send, 413, "Request too large", f"request body over {lim.MAX_REQUEST_BYTES} bytes")
        finally:
            slots.release()


class _RequestTooLarge(Exception):
    pass


async def _drain(receive, length: int) -> None:
    received = 0
    while received < length:
        message = await receive()
        if message.get("type") != "http.request":
            return
        received += len(message.get("body", b""))
        if not message.get("more_body"):
            return


def _bounded(receive, cap: int):
    received = 0

    async def bounded_receive():
        nonlocal received
        message = await receive()
        received += len(message.get("body", b""))
        if received > cap:
            raise _RequestTooLarge()
        return message

    return bounded_receive


# The site's own streamed downloads (nianbao/serve: every row of a table as CSV, the archive, originals, WARC
# records): no body cap, the stream deadline, and few at a time.
STREAM_PATHS = ("/download", "/original/", "/warc/")


def _is_stream(scope) -> bool:
    path = scope.get("path") or ""
    if path.endswith(".csv") or path.startswith(STREAM_PATHS):
        return True
    query = parse_qs((scope.get("query_string") or b"").decode("latin-1"))
    return any(v and v[0] not in ("", "0", "off") for k, v in query.items() if k == "_stream")


class _Response:
    """Holds the response start until the first body part, so a body over the cap can still become an error."""

    def __init__(self, send, cap: int | None):
        self._send, self.cap = send, cap
        self.start = None
        self.started = False
        self.sent = 0

    async def send(self, message):
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] != "http.response.body":
            return await self._send(message)
        body = message.get("body", b"")
        self.sent += len(body)
        if self.cap is not None and self.sent > self.cap:
            if self.started:
                raise CutConnection(f"response over {self.cap} bytes")
            self.started = True
            return await send_error(self._send, 400, "Response too large",
                                    f"response too large: over {self.cap:,} bytes — ask for fewer rows "
                                    "(_size, with _next paging), fewer columns (_col) or shorter values")
        if not self.started:
            self.started = True
            await self._send(_with_safety_headers(self.start))
        await self._send(message)


# On every response unless the page set its own: no content sniffing (a JSON or text body is never run as HTML),
# no framing by other sites, no plugins, no <base> redirecting relative links.
SAFETY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"SAMEORIGIN"),
                  (b"content-security-policy", b"object-src 'none'; base-uri 'self'; frame-ancestors 'self'")]


def _with_safety_headers(start: dict) -> dict:
    headers = list(start.get("headers") or [])
    present = {name.lower() for name, _ in headers}
    headers += [(name, value) for name, value in SAFETY_HEADERS if name not in present]
    return {**start, "headers": headers}
