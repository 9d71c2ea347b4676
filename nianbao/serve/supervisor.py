"""`nianbao serve` keeps a site up: it holds the listening socket and runs one Datasette worker process
(nianbao/serve/worker.py) on the published snapshot, and replaces the worker when

- a new snapshot is published (the served symlink points elsewhere): a new worker starts on it and, once it
  answers, the old one is stopped gracefully — both accept on the same socket meanwhile, so no connection is
  refused, and each request is answered wholly from one snapshot;
- the worker's memory (RSS) passes the cap (NIANBAO_SERVE_MEMORY_MB, default 1024): replaced the same way;
- the worker stops sending heartbeats for STALL_S (its event loop, or every SQL thread, is stuck): replaced;
- the worker dies: restarted.

A replacement that fails to start leaves the old worker serving; the failure is printed and retried on the next
publish (or after RETRY_S). SIGTERM/SIGINT stop the worker gracefully and end the command.
"""
from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from storage.serving.publish import current_snapshot, remove_unused

POLL_S = float(os.environ.get("NIANBAO_SERVE_POLL_S", "1"))
MEMORY_MB = int(os.environ.get("NIANBAO_SERVE_MEMORY_MB", "1024"))
STALL_S = float(os.environ.get("NIANBAO_SERVE_STALL_S", "30"))  # ≫ a statement's 3 s, queue included
START_TIMEOUT_S = 120.0
RETRY_S = 60.0
GRACE_S = float(os.environ.get("NIANBAO_SERVE_GRACE_S", "30"))  # for requests in flight; then killed


def log(message: str) -> None:
    print(f"nianbao serve: {message}", file=sys.stderr, flush=True)


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _end_with_parent() -> None:
    """In the worker, before exec (Linux): SIGTERM when the supervisor dies, so a killed `nianbao serve` leaves no
    worker holding the port."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Worker:
    def __init__(self, served: Path, sock: socket.socket, offline_map: bool):
        read_fd, write_fd = os.pipe()
        cmd = [sys.executable, "-m", "nianbao.serve.worker", "--served", str(served), "--fd", str(sock.fileno()),
               "--status-fd", str(write_fd)] + (["--offline-map"] if offline_map else [])
        self.proc = subprocess.Popen(cmd, pass_fds=(sock.fileno(), write_fd), preexec_fn=_end_with_parent)
        os.close(write_fd)
        self.status = os.fdopen(read_fd, "rb", buffering=0)
        self.version: str | None = None
        self.last_beat = time.monotonic()
        self._buffer = b""

    def wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.version is None:
            left = deadline - time.monotonic()
            if left <= 0 or not self.read(left):
                return False
        return True

    def read(self, timeout: float = 0) -> bool:
        """Read what the worker said (ready line, heartbeats). False when its pipe closed (it ended)."""
        ready, _, _ = select.select([self.status], [], [], timeout)
        if not ready:
            return True
        data = os.read(self.status.fileno(), 65536)
        if not data:
            return False
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self.last_beat = time.monotonic()
            if line.startswith(b"ready "):
                self.version = line[6:].decode()
        return True

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, grace: float = GRACE_S) -> None:
        if self.alive():
            self.proc.terminate()  # uvicorn finishes the requests in flight
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.status.close()


class Supervisor:
    def __init__(self, served: Path, *, host: str, port: int, offline_map: bool = False):
        self.served, self.host, self.port, self.offline_map = served, host, port, offline_map
        self.stopping = threading.Event()
        self.worker: Worker | None = None
        self.failed_version: tuple[str | None, float] = (None, 0.0)

    def run(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        try:
            sock = socket.create_server((self.host, self.port), family=family, backlog=1024)
        except OSError as exc:
            raise SystemExit(f"nianbao serve: cannot listen on {self.host}:{self.port}: {exc.strerror}") from None
        sock.set_inheritable(True)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stopping.set())
        try:
            self.worker = self._start(sock)
            if self.worker is None:
                raise SystemExit(f"nianbao serve: the site could not start on {self.served}")
            log(f"serving {self.served} (snapshot {self.worker.version}) at http://{self.host}:{self.port}/")
            while not self.stopping.wait(POLL_S):
                self._check(sock)
        finally:
            if self.worker is not None:
                self.worker.stop()
            sock.close()

    def _start(self, sock: socket.socket) -> Worker | None:
        worker = Worker(self.served, sock, self.offline_map)
        if worker.wait_ready(START_TIMEOUT_S):
            return worker
        log(f"a worker on {self.served} did not start (exit status {worker.proc.poll()})")
        worker.stop(grace=5)
        return None

    def _check(self, sock: socket.socket) -> None:
        worker = self.worker
        if not worker.read() or not worker.alive():
            log(f"the worker ended (exit status {worker.proc.poll()}); starting another")
            return self._replace(sock, graceful=False)
        if time.monotonic() - worker.last_beat > STALL_S:
            log(f"the worker sent no heartbeat for {STALL_S:g} s (stuck); replacing it")
            return self._replace(sock, graceful=True)
        rss = rss_mb(worker.proc.pid)
        if rss is not None and rss > MEMORY_MB:
            log(f"the worker uses {rss:.0f} MiB (cap {MEMORY_MB} MiB); replacing it")
            return self._replace(sock, graceful=True)
        snapshot = current_snapshot(self.served)
        version = snapshot.parent.name if snapshot is not None else None
        if version and version != worker.version:
            failed, when = self.failed_version
            if version != failed or time.monotonic() - when > RETRY_S:
                self._replace(sock, graceful=True, version=version)

    def _replace(self, sock: socket.socket, *, graceful: bool, version: str | None = None) -> None:
        old = self.worker
        if not graceful:
            old.stop(grace=1)
        new = self._start(sock)
        if new is None:
            self.failed_version = (version, time.monotonic())
            if graceful:
                return  # the old worker goes on serving its snapshot
            time.sleep(1)  # a worker that cannot start: try again, slowly
            new = self._start(sock)
            if new is None:
                raise SystemExit("nianbao serve: the worker cannot start; see the errors above")
        self.worker = new
        if graceful:
            old.stop()
        log(f"now serving snapshot {new.version}")
        remove_unused(self.served)  # the old snapshot, once no worker holds it
