"""A bounded, guarded HTTP(S) GET for single fetches outside Scrapy (`nianbao extract URL`).

    fetch(url, allow_private=False, max_bytes=..., deadline_s=...) -> (body, FetchInfo)

* Every hop is checked by crawler.addresses (redirects are followed here, one by one, at most MAX_REDIRECTS), and
  the connection goes to the address that was checked (resolved once, never again), so a name cannot pass the
  check with one address and connect to another.
* One total deadline for the whole fetch (resolution, connection, headers, body, every redirect): a watchdog
  shuts the socket when it passes, so a server sending a byte a second cannot hold the run.
* A byte cap: a declared Content-Length over it is refused before reading, a body growing over it is cut off.
* A body shorter than its Content-Length (or a chunked body cut short) is `truncated`, never returned.
* Every failure — refused address, DNS, reset, TLS, bad status line, header line too long, too many headers,
  HTTP error status, timeout — is a FetchError with a stable `kind` and a message naming the URL.

Standard library only (http.client), so every protocol detail is visible here.
"""
from __future__ import annotations

import http.client
import os
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import quote, urljoin, urlsplit

from crawler.addresses import AddressRefused, check_url, resolve_allowed

USER_AGENT = "nianbao/0.1 (+archive of annual reports)"
MAX_BYTES = 100 * 1024 * 1024
DEADLINE_S = float(os.environ.get("NIANBAO_FETCH_DEADLINE_S") or 60)  # the whole fetch, redirects included
MAX_REDIRECTS = 10
CHUNK = 64 * 1024
REDIRECTS = (301, 302, 303, 307, 308)
# Stable error kinds (also the `kind` stored in the archive's errors table).
KINDS = ("refused_address", "bad_url", "unreachable", "reset", "tls", "timeout", "bad_response", "http_status",
         "too_many_redirects", "too_large", "truncated", "bad_encoding")


class FetchError(Exception):
    def __init__(self, kind: str, url: str, message: str):
        super().__init__(f"{url}: {message}")
        self.kind, self.url, self.message = kind, url, f"{url}: {message}"


@dataclass
class FetchInfo:
    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    headers: dict[str, str]
    content_type: str
    charset: str | None
    filename: str | None
    redirects: list[str] = field(default_factory=list)  # the URLs redirected from, in order


def fetch(url: str, *, allow_private: bool = False, max_bytes: int = MAX_BYTES, deadline_s: float = DEADLINE_S,
          max_redirects: int = MAX_REDIRECTS, headers: dict[str, str] | None = None) -> tuple[bytes, FetchInfo]:
    end = time.monotonic() + deadline_s
    hops: list[str] = []
    current = url
    while True:
        reason = check_url(current, allow_private=allow_private, resolve=False)
        if reason:
            kind = "bad_url" if reason.startswith(("malformed", "scheme", "no host")) else "refused_address"
            hint = " (use --allow-loopback for test servers)" if kind == "refused_address" else ""
            raise FetchError(kind, url, reason + (f" (redirected from {hops[-1]})" if hops else "") + hint)
        status, resp_headers, body = _one_request(url, current, allow_private, max_bytes, end, deadline_s, headers)
        if status in REDIRECTS and resp_headers.get("location"):
            if len(hops) >= max_redirects:
                raise FetchError("too_many_redirects", url, f"more than {max_redirects} redirects")
            hops.append(current)
            current = urljoin(current, resp_headers["location"].strip())
            continue
        if not 200 <= status < 300:
            raise FetchError("http_status", url, f"HTTP {status}" + (f" at {current}" if hops else ""))
        charset, filename = _header_params(resp_headers)
        filename = filename or urlsplit(current).path.rsplit("/", 1)[-1] or None
        return body, FetchInfo(url, current, status, resp_headers, resp_headers.get("content-type", ""),
                               charset, filename, hops)


def _header_params(headers: dict[str, str]) -> tuple[str | None, str | None]:
    """Charset and file name from Content-Type / Content-Disposition; None for what a server garbled (they are
    hints: the bytes are sniffed and decoded on their own anyway)."""
    msg = Message()
    for name in ("content-type", "content-disposition"):
        if name in headers:
            msg[name] = headers[name]
    try:
        charset = msg.get_content_charset()
    except Exception:  # noqa: BLE001 - a malformed parameter is no reason to lose the document
        charset = None
    try:
        filename = msg.get_filename()
    except Exception:  # noqa: BLE001
        filename = None
    return charset, filename


def _one_request(origin: str, url: str, allow_private: bool, max_bytes: int, end: float, deadline_s: float,
                 extra_headers: dict | None) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    host = parts.hostname
    timed_out = threading.Event()
    conn = None

    def remaining() -> float:
        left = end - time.monotonic()
        if left <= 0:
            timed_out.set()
            raise FetchError("timeout", origin, f"no complete answer within {deadline_s:g} s")
        return left

    try:
        host = host.encode("idna").decode("ascii")  # 政府.中国 -> xn--..., for the Host header and TLS name
    except UnicodeError as exc:
        raise FetchError("bad_url", origin, f"host {host!r} is not a valid name: {exc}") from None
    try:
        addresses = _resolve(host, port, allow_private, remaining(), origin, deadline_s)
        conn = (_PinnedHTTPS if https else _PinnedHTTP)(host, port, addresses, timeout=remaining())
        watchdog = threading.Timer(remaining(), lambda: (timed_out.set(), conn.abort()))
        watchdog.daemon = True
        watchdog.start()
        try:
            conn.request("GET", _request_target(parts), headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate",
                                               "Accept": "*/*", **(extra_headers or {})})
            resp = conn.getresponse()
            headers = {k.lower(): v for k, v in resp.getheaders()}
            if resp.status in REDIRECTS or not 200 <= resp.status < 300:
                return resp.status, headers, b""
            body = _read_body(resp, headers, origin, url, max_bytes, remaining)
        finally:
            watchdog.cancel()
        return resp.status, headers, body
    except FetchError:
        raise
    except Exception as exc:  # every protocol failure becomes one kind of error
        if timed_out.is_set():
            raise FetchError("timeout", origin, f"no complete answer within {deadline_s:g} s") from exc
        raise _classify(exc, origin, url) from exc
    finally:
        if conn is not None:
            conn.close()


def _request_target(parts) -> str:
    """Path and query as ASCII: URLs on these portals carry Chinese file names (…/2022年报.pdf), which must be
    sent percent-encoded (UTF-8); what is already encoded stays as it is."""
    keep = "/%:@!$&'()*+,;=-._~"
    path = quote(parts.path or "/", safe=keep, errors="surrogateescape")
    return path + (f"?{quote(parts.query, safe=keep + '?', errors='surrogateescape')}" if parts.query else "")


def _resolve(host: str, port: int, allow_private: bool, timeout: float, origin: str, deadline_s: float) -> list[str]:
    """resolve_allowed() in a thread, so a hanging resolver is bounded by the deadline too."""
    box: dict = {}

    def run():
        try:
            box["addresses"] = resolve_allowed(host, port, allow_private)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise FetchError("timeout", origin, f"resolving {host} took longer than the {deadline_s:g} s deadline")
    if isinstance(box.get("error"), AddressRefused):
        raise FetchError("refused_address", origin, box["error"].reason + " (use --allow-loopback for test servers)")
    if "error" in box:
        raise FetchError("unreachable", origin, f"cannot resolve {host}: {box['error']}")
    return box["addresses"]


def _read_body(resp, headers: dict, origin: str, url: str, max_bytes: int, remaining) -> bytes:
    declared = headers.get("content-length")
    length = None
    if declared is not None and "chunked" not in headers.get("transfer-encoding", "").lower():
        try:
            length = int(declared.strip())
        except ValueError:
            raise FetchError("bad_response", origin, f"Content-Length {declared!r} is not a number") from None
        if length > max_bytes:
            raise FetchError("too_large", origin, f"Content-Length {length} bytes; the limit is {max_bytes}")
    decoder = _decoder(headers.get("content-encoding", ""), origin)
    raw = 0
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining()
        try:
            chunk = resp.read1(CHUNK)
        except http.client.IncompleteRead as exc:
            raise FetchError("truncated", origin, f"chunked body cut short after {raw + len(exc.partial)} bytes") \
                from exc
        if not chunk:
            break
        raw += len(chunk)
        if raw > max_bytes:
            raise FetchError("too_large", origin, f"body larger than the limit of {max_bytes} bytes")
        out = decoder(chunk, max_bytes - size + 1) if decoder else chunk
        size += len(out)
        if size > max_bytes:
            raise FetchError("too_large", origin, f"decoded body larger than the limit of {max_bytes} bytes")
        chunks.append(out)
    remaining()
    if length is not None and raw < length:
        raise FetchError("truncated", origin, f"body cut short: {raw} of {length} bytes (Content-Length)"
                         + (f" at {url}" if url != origin else ""))
    return b"".join(chunks)


def _decoder(encoding: str, origin: str):
    """A bounded decoder for a Content-Encoding the server used anyway (gzip, deflate); None for identity."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise FetchError("bad_encoding", origin, f"unsupported Content-Encoding {encoding!r}")
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, auto-detected

    def decode(chunk: bytes, room: int) -> bytes:
        try:
            return inflater.decompress(chunk, room)  # at most `room` bytes: a bomb stops at the cap
        except zlib.error as exc:
            raise FetchError("bad_encoding", origin, f"body is not valid {encoding}: {exc}") from exc
    return decode


def _classify(exc: Exception, origin: str, url: str) -> FetchError:
    where = f" (at {url})" if url != origin else ""
    name = type(exc).__name__
    if isinstance(exc, http.client.RemoteDisconnected):
        return FetchError("reset", origin, f"the server closed the connection without answering{where}")
    if isinstance(exc, http.client.LineTooLong):
        return FetchError("bad_response", origin, f"header or status line too long: {exc}{where}")
    if isinstance(exc, http.client.BadStatusLine):
        return FetchError("bad_response", origin, f"malformed status line {str(exc)[:200]!r}{where}")
    if isinstance(exc, http.client.HTTPException):
        return FetchError("bad_response", origin, f"malformed HTTP answer: {name}: {str(exc)[:200]}{where}")
    if isinstance(exc, ssl.SSLError) or isinstance(exc, ssl.CertificateError):
        return FetchError("tls", origin, f"TLS failure: {exc}{where}")
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        return FetchError("reset", origin, f"connection reset by the server: {exc}{where}")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return FetchError("timeout", origin, f"the server stopped answering: {exc}{where}")
    if isinstance(exc, OSError):
        return FetchError("unreachable", origin, f"cannot connect: {exc}{where}")
    return FetchError("bad_response", origin, f"{name}: {str(exc)[:200]}{where}")


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the checked addresses (in order) instead of resolving the host again; the Host header and
    the TLS server name stay the URL's host."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self):
        error: OSError | None = None
        for addr in self.addresses:
            try:
                self.sock = socket.create_connection((addr, self.port), self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return
            except OSError as exc:
                error = exc
        raise error or OSError(f"no address for {self.host}")

    def abort(self):
        """From the watchdog thread: end any blocked read on the socket."""
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _PinnedHTTPS(_PinnedHTTP):
    def __init__(self, host: str, port: int, addresses: list[str], timeout: float):
        super().__init__(host, port, addresses, timeout)
        self.context = ssl.create_default_context()

    def connect(self):
        super().connect()
        self.sock = self.context.wrap_socket(self.sock, server_hostname=self.host)
