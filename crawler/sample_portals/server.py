"""Serve every sample portal from one process: one ThreadingHTTPServer per portal, all on 127.0.0.1.

    python -m crawler.sample_portals.server [--port-base N] [--state DIR] [--only ADCODE ...]

Port of a portal = port base + its manifest `port_offset` (base 0 = any free ports). When listening, one JSON
line goes to stdout: {"ready": true, "urls": {adcode: base URL}}.

A portal with `extra_hosts` gets one more server per extra host, on 127.0.0.2 (port base + 100 + offset, or a
free port); the portal is told every host's URL (`Portal.host_urls`) and sees which host was asked (`req.vhost`).

Every server counts the requests open on it at once (from the moment a request is read until its answer is
ready, so the count never exceeds what the client has in flight): `max_inflight` per host is in /__stats and
`ServerHandle.inflight()`. A portal with `inflight_limit` answers 429 (Retry-After: 1) to a request that finds
more than that many open; with `hold` > 0 each request waits (a threading.Condition, not a sleep loop) until one
more than the limit is open or `hold` seconds passed — so a client that would send one request too many is caught.

Every port also answers two control paths (never logged, never listed):
  GET  /__stats    -> {"adcode", "variant", "total", "requests": {"GET /path?query": n}, "statuses": {...},
                       "max_inflight", "over_limit"}
  POST /__control  -> body JSON {"variant": "changed"|"original", "reset_log": true} (form fields work too)

In tests use start_servers(): it returns a handle with .urls, .set_variant(), .request_log(), .stop().
"""
from __future__ import annotations

import argparse
import collections
import json
import signal
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from .portal import Portal
from .web import Request, Response, finalize, header_lines, json_response

VARIANTS = ("original", "changed")


class RequestLog:
    """Thread-safe list of served requests (control paths excluded); optionally mirrored to a JSONL file."""

    def __init__(self, path: Path | None = None):
        self._lock = threading.Lock()
        self._entries: list[dict] = []
        self._file = open(path, "a", encoding="utf-8") if path else None

    def add(self, entry: dict) -> None:
        with self._lock:
            self._entries.append(entry)
            if self._file:
                self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
                self._file.flush()

    def entries(self, adcode: str | None = None) -> list[dict]:
        with self._lock:
            return [e for e in self._entries if adcode is None or e["adcode"] == adcode]

    def reset(self, adcode: str | None = None) -> None:
        with self._lock:
            self._entries = [e for e in self._entries if adcode is not None and e["adcode"] != adcode]

    def close(self) -> None:
        if self._file:
            self._file.close()


class PortalHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, portal: Portal, log: RequestLog, state: "StateDir | None", vhost: str = "main"):
        self.portal, self.log, self.state, self.vhost = portal, log, state, vhost
        self.cond = threading.Condition()
        self.inflight = self.max_inflight = self.over_limit = 0
        self.open: dict[int, str] = {}  # requests open now: handler id -> "METHOD path"
        self.crowds: list[list[str]] = []  # what was open each time more than two were (evidence for tests)
        super().__init__(address, PortalRequestHandler)

    def enter(self, what: str = "") -> bool:
        """A request is open; False when it is one too many (the portal's inflight_limit)."""
        portal = self.portal
        with self.cond:
            self.inflight += 1
            self.open[threading.get_ident()] = what
            self.max_inflight = max(self.max_inflight, self.inflight)
            if self.inflight > 2 and len(self.crowds) < 20:
                self.crowds.append(sorted(self.open.values()))
            over = portal.inflight_limit is not None and self.inflight > portal.inflight_limit
            if over:
                self.over_limit += 1
            self.cond.notify_all()
            if not over and portal.hold > 0:
                limit = portal.inflight_limit or 2
                self.cond.wait_for(lambda: self.inflight > limit, timeout=portal.hold)
            return not over

    def leave(self) -> None:
        with self.cond:
            self.inflight -= 1
            self.open.pop(threading.get_ident(), None)
            self.cond.notify_all()

    def reset_counts(self) -> None:
        with self.cond:
            self.max_inflight = self.over_limit = 0
            self.crowds = []


class PortalRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: PortalHTTPServer

    def version_string(self) -> str:
        return "nginx"

    def log_message(self, format, *args) -> None:  # the RequestLog is the access log
        pass

    def do_GET(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def dispatch(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        address = self.server.server_address
        req = Request(method=self.command, path=unquote(split.path, errors="replace"), query=split.query,
                      headers={k.lower(): v for k, v in self.headers.items()}, body=body,
                      host=self.headers.get("Host") or f"{address[0]}:{address[1]}", vhost=self.server.vhost)
        portal = self.server.portal
        if req.path == "/__stats":
            return self.send(req, _uncached(self.stats(portal)))
        if req.path == "/__control" and req.method == "POST":
            return self.send(req, _uncached(self.control(portal, req)))
        admitted = self.server.enter(f"{req.method} {req.path}{'?' + req.query if req.query else ''}")
        try:
            if not admitted:
                resp = Response(status=429, body=b"<h1>429 Too Many Requests</h1>", content_type="text/html",
                                headers=[("Retry-After", "1")], cacheable=False)
            else:
                resp = portal.handle(req)
        except Exception:  # a bug in one page must not kill the server: answer 500 and say why on stderr
            traceback.print_exc()
            resp = Response(status=500, body=b"<h1>500 Internal Server Error</h1>", cacheable=False)
        finally:
            self.server.leave()  # before the answer is sent: the client still counts it in flight
        resp = finalize(req, resp)
        self.server.log.add({"adcode": portal.county.adcode, "host": req.vhost, "method": req.method,
                             "path": req.path + (f"?{req.query}" if req.query else ""),
                             "status": resp.status, "time": time.time()})
        self.send(req, resp)

    def send(self, req: Request, resp: Response) -> None:
        self.send_response(resp.status)
        for name, value in header_lines(resp):
            self.send_header(name, value)
        self.end_headers()
        if req.method != "HEAD" and resp.status != 304:
            self.wfile.write(resp.body)

    def stats(self, portal: Portal) -> Response:
        entries = self.server.log.entries(portal.county.adcode)
        requests = collections.Counter(f"{e['method']} {e['path']}" for e in entries)
        statuses = collections.Counter(str(e["status"]) for e in entries)
        return json_response({"adcode": portal.county.adcode, "variant": portal.variant, "total": len(entries),
                              "requests": dict(requests), "statuses": dict(statuses),
                              "max_inflight": self.server.max_inflight, "over_limit": self.server.over_limit})

    def control(self, portal: Portal, req: Request) -> Response:
        try:
            command = json.loads(req.body or b"{}")
        except ValueError:
            command = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
        variant = command.get("variant")
        if variant is not None:
            if variant not in VARIANTS:
                return json_response({"error": f"variant must be one of {VARIANTS}"}, status=400)
            portal.variant = variant
            if self.server.state:
                self.server.state.save_variant(portal.county.adcode, variant)
        if command.get("reset_log") in (True, "1", "true"):
            self.server.log.reset(portal.county.adcode)
        return json_response({"adcode": portal.county.adcode, "variant": portal.variant})


def _uncached(resp: Response) -> Response:
    resp.cacheable = False
    return resp


class StateDir:
    """--state DIR: ready.json (the URLs), access.jsonl (request log), variants.json (kept across restarts)."""

    def __init__(self, path: Path):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def variants(self) -> dict[str, str]:
        f = self.path / "variants.json"
        return json.loads(f.read_text()) if f.exists() else {}

    def save_variant(self, adcode: str, variant: str) -> None:
        with self._lock:
            data = self.variants()
            data[adcode] = variant
            (self.path / "variants.json").write_text(json.dumps(data, indent=1))


class ServerHandle:
    def __init__(self, servers: list[PortalHTTPServer], log: RequestLog):
        self._servers = servers
        self._log = log
        self.portals = {s.portal.county.adcode: s.portal for s in servers}
        self.ports = {s.portal.county.adcode: s.server_address[1] for s in servers if s.vhost == "main"}
        self.urls = {adcode: f"http://127.0.0.1:{port}" for adcode, port in self.ports.items()}
        self.host_urls: dict[str, dict[str, str]] = {}
        for s in servers:
            self.host_urls.setdefault(s.portal.county.adcode, {})[s.vhost] = \
                f"http://{s.server_address[0]}:{s.server_address[1]}"
        for adcode, portal in self.portals.items():
            portal.host_urls = dict(self.host_urls[adcode])
        self._threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
                         for s in servers]
        for t in self._threads:
            t.start()

    def set_variant(self, variant: str, adcode: str | None = None) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}")
        for code, portal in self.portals.items():
            if adcode is None or code == adcode:
                portal.variant = variant

    def request_log(self, adcode: str | None = None) -> list[dict]:
        """[{adcode, method, path (with query), status, time}] in arrival order."""
        return self._log.entries(adcode)

    def request_counts(self, adcode: str | None = None) -> collections.Counter:
        return collections.Counter(f"{e['method']} {e['path']}" for e in self._log.entries(adcode))

    def reset_log(self) -> None:
        self._log.reset()
        for s in self._servers:
            s.reset_counts()

    def inflight(self) -> dict[tuple[str, str], dict]:
        """{(adcode, vhost): {"max": most requests open at once, "over_limit": requests answered 429 for it,
        "crowds": what was open each time more than two were}} since the start or the last reset_log()."""
        return {(s.portal.county.adcode, s.vhost): {"max": s.max_inflight, "over_limit": s.over_limit,
                                                    "crowds": list(s.crowds)} for s in self._servers}

    def stop(self) -> None:
        for s in self._servers:
            s.shutdown()
            s.server_close()
        for t in self._threads:
            t.join(timeout=5)
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_servers(port_base: int = 0, state: str | Path | None = None,
                  only: list[str] | None = None) -> ServerHandle:
    """Start all portals (or those whose adcode is in `only`). port_base 0 = free ports (safe in tests)."""
    from .registry import build_portals

    state_dir = StateDir(Path(state)) if state else None
    log = RequestLog(state_dir.path / "access.jsonl" if state_dir else None)
    saved = state_dir.variants() if state_dir else {}
    servers: list[PortalHTTPServer] = []
    try:
        for portal in build_portals():
            if only and portal.county.adcode not in only:
                continue
            portal.variant = saved.get(portal.county.adcode, portal.variant)
            port = port_base + portal.port_offset if port_base else 0
            servers.append(PortalHTTPServer(("127.0.0.1", port), portal, log, state_dir))
            for k, vhost in enumerate(portal.extra_hosts):
                port = port_base + 100 * (k + 1) + portal.port_offset if port_base else 0
                servers.append(PortalHTTPServer(("127.0.0.2", port), portal, log, state_dir, vhost))
    except OSError:
        for s in servers:
            s.server_close()
        raise
    handle = ServerHandle(servers, log)
    if state_dir:
        (state_dir.path / "ready.json").write_text(json.dumps({"urls": handle.urls, "host_urls": handle.host_urls},
                                                              indent=1))
    return handle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.sample_portals.server", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port-base", type=int, default=18080, help="port of offset 0 (0 = any free ports)")
    parser.add_argument("--state", help="directory for ready.json, access.jsonl and saved variants")
    parser.add_argument("--only", nargs="*", help="serve only these adcodes")
    args = parser.parse_args(argv)
    try:
        handle = start_servers(args.port_base, args.state, args.only)
    except OSError as exc:
        print(json.dumps({"ready": False, "error": str(exc)}), flush=True)
        return 1
    print(json.dumps({"ready": True, "urls": handle.urls, "host_urls": handle.host_urls}, ensure_ascii=False),
          flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    handle.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
