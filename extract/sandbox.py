"""Extraction of untrusted bytes in a worker process with hard limits.

    extract_isolated(parts, limits=None) -> (ExtractionResult, index)   # same contract as pipeline.extract_report
    extract_bytes_isolated(data, source, hints=None, limits=None) -> ExtractionResult
    Sandbox(limits)                                                     # own workers, e.g. for a batch; .close()

Each document (the page, and each attachment apart) is parsed in a reusable worker process (`python -m
extract.sandbox`: a fresh interpreter, nothing of the parent inherited — no threads, sockets or main module —
talking over a socket pair with multiprocessing's Connection). Per document:
* memory: the parent samples the worker's resident size every POLL_S and kills it past `memory_bytes`; an
  address-space limit (RLIMIT_AS, `memory_bytes` + AS_HEADROOM above what the worker had at start) makes one
  huge allocation fail at once (MemoryError) instead of being watched growing;
* CPU: RLIMIT_CPU, re-armed per document (the kernel stops the worker with SIGXCPU);
* wall clock: timed by the parent, the worker is killed (with any process it started, e.g. LibreOffice).
A page that goes to OCR asks for OCR_PAGE_SECONDS more (limits.extend_budget) and the document gets the OCR
memory allowance (the models alone take ~0.7 GiB), so a scanned report is not cut; a worker left holding more than
half its memory limit after a document (OCR models, fragmentation) is replaced before the next one.
A breach is an error in that document's result — `memory_limit`, `timeout` (wall or CPU), `worker_crash` — naming
the source and the limit; the worker is replaced and the batch goes on. Results cross the process boundary as
pickled dataclasses. Limits default to extract/formats/limits.py (environment: NIANBAO_EXTRACT_MEMORY_MB,
NIANBAO_EXTRACT_CPU_S, NIANBAO_EXTRACT_WALL_S).
"""
from __future__ import annotations

import atexit
import json
import os
import pickle
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from extract.formats import limits as format_limits
from extract.model import ExtractionResult

POLL_S = 0.02  # how often the parent samples the worker (memory, wall clock)
AS_HEADROOM = 2 * 1024 ** 3  # address space beyond the memory limit (libraries reserve more than they touch)
RECYCLE_AFTER = 500  # documents per worker before it is replaced (fragmentation, caches)
STARTUP_S = 120.0  # a worker's start (interpreter, extraction modules, region and script data)
_WARM_UP = "某县人民政府2022年政府信息公开工作年度报告\n一、总体情况\n本年度工作正常。".encode()
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Limits:
    memory_bytes: int
    cpu_seconds: float
    wall_seconds: float
    ocr_memory_bytes: int = 0  # memory limit of a document once a page goes to OCR (never below memory_bytes)

    @classmethod
    def default(cls) -> "Limits":
        return cls(format_limits.worker_memory_bytes(), format_limits.worker_cpu_seconds(),
                   format_limits.worker_wall_seconds(), format_limits.worker_ocr_memory_bytes())


class Sandbox:
    """One worker process, reused document after document, replaced when it breaches a limit."""

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits.default()
        self._proc: subprocess.Popen | None = None
        self._conn: Connection | None = None
        self._jobs = 0
        self._lock = threading.Lock()

    # -- the contract of extract.pipeline --------------------------------------------------------------------
    def extract_report(self, parts: list[tuple[bytes, str, dict]]) -> tuple[ExtractionResult, int]:
        from extract.pipeline import extract_report
        return extract_report(parts, extract=self.extract_bytes)

    def extract_bytes(self, data: bytes, source: str, hints: dict | None = None) -> ExtractionResult:
        with self._lock:
            try:
                return self._run(data, source, dict(hints or {}))
            except _WorkerGone as gone:
                self._kill()
                message = gone.message if gone.message.startswith(source) else f"{source}: {gone.message}"
                return ExtractionResult(source=source, errors=[{"kind": gone.kind, "message": message}])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.send(None)
                    self._proc.wait(2)
                except (OSError, ValueError, subprocess.TimeoutExpired):
                    pass
            self._kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- the parent's side -----------------------------------------------------------------------------------
    def _start(self) -> None:
        parent, child = socket.socketpair()
        root = str(Path(__file__).resolve().parent.parent)  # the directory holding the extract package
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        self._proc = subprocess.Popen([sys.executable, "-m", "extract.sandbox", str(child.fileno()),
                                       json.dumps(asdict(self.limits))],
                                      # stdout is the caller's (nianbao --json): the worker's goes to stderr;
                                      # cwd: `-m` puts it first on sys.path, so no folder of the caller's named
                                      # `extract` can stand in for the package
                                      pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, stdout=2, env=env,
                                      cwd=root)
        child.close()
        self._conn = Connection(parent.detach())
        self._jobs = 0
        # The worker loads the extraction modules and data before it says it is ready, so a document's clock
        # counts the document, not the start of a worker.
        if not self._conn.poll(STARTUP_S):
            raise _WorkerGone("worker_crash", f"the extraction worker did not start within {STARTUP_S:g} s")
        try:
            self._conn.recv()
        except (EOFError, OSError):
            raise _WorkerGone("worker_crash", "the extraction worker died while starting") from None

    def _alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _run(self, data: bytes, source: str, hints: dict) -> ExtractionResult:
        if not self._alive() or self._jobs >= RECYCLE_AFTER:
            self._kill()
            self._start()
        self._jobs += 1
        lim = self.limits
        try:
            self._conn.send((data, source, hints))
        except (OSError, ValueError) as exc:
            raise _WorkerGone("worker_crash", f"{source}: the extraction worker could not be reached: {exc}")
        end = time.monotonic() + lim.wall_seconds
        memory = lim.memory_bytes
        granted = 0.0
        peak = 0
        while True:
            if self._conn.poll(POLL_S):
                try:
                    message = self._conn.recv()
                except (EOFError, OSError):
                    raise self._died(source, peak) from None
                if message[0] == "extend":  # a page went to OCR: more time (within the OCR page limit), memory
                    more = min(message[1], format_limits.MAX_OCR_PAGES * format_limits.OCR_PAGE_SECONDS - granted)
                    granted += max(more, 0)
                    end += max(more, 0)
                    memory = max(memory, lim.ocr_memory_bytes)
                    continue
                result = message[1]
                if any(e["kind"] == "memory_limit" for e in result.errors) or \
                        _rss(self._proc.pid) > lim.memory_bytes / 2:
                    self._kill()  # a MemoryError leaves a heap not to be trusted; a fat worker, little headroom
                return result
            rss = _rss(self._proc.pid)
            peak = max(peak, rss)
            if rss > memory:
                raise _WorkerGone("memory_limit", f"{source}: extraction stopped: its worker used "
                                                  f"{rss / 1024 ** 2:.1f} MiB, over the limit of "
                                                  f"{memory / 1024 ** 2:.0f} MiB")
            if time.monotonic() > end:
                raise _WorkerGone("timeout", f"{source}: extraction stopped after {lim.wall_seconds + granted:g} s "
                                             f"(wall-clock limit)")
            if not self._alive():
                raise self._died(source, peak)

    def _died(self, source: str, peak: int) -> "_WorkerGone":
        try:
            code = self._proc.wait(1)
        except subprocess.TimeoutExpired:
            code = None
        lim = self.limits
        if code == -signal.SIGXCPU:
            return _WorkerGone("timeout", f"{source}: extraction stopped at the CPU limit of {lim.cpu_seconds:g} s")
        if peak > 0.8 * lim.memory_bytes or code == _EXIT_MEMORY:
            return _WorkerGone("memory_limit", f"{source}: the extraction worker ran out of memory (limit "
                                               f"{lim.memory_bytes / 1024 ** 2:.0f} MiB; exit {code})")
        how = f"signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
        return _WorkerGone("worker_crash", f"{source}: the extraction worker died ({how}); the document may "
                                           f"crash its parser")

    def _kill(self) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if conn is not None:
            conn.close()
        if proc is None:
            return
        if proc.poll() is None:
            for pid in [proc.pid] + _descendants(proc.pid):  # LibreOffice runs in its own session: find it first
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        proc.wait()


class _WorkerGone(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind, self.message = kind, message


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


# -- the worker's side ---------------------------------------------------------------------------------------------
_EXIT_MEMORY = 75  # the worker's exit code when a MemoryError escaped everything


def _worker_main(conn, lim: Limits) -> None:
    from extract.pipeline import extract_bytes

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with_parent()
    base = _vm_size()
    _set_soft(resource.RLIMIT_AS, base + lim.memory_bytes + AS_HEADROOM)
    ocr_space = base + max(lim.memory_bytes, lim.ocr_memory_bytes) + AS_HEADROOM

    def extend(seconds: float, why: str) -> None:
        conn.send(("extend", seconds, why))
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        _set_soft(resource.RLIMIT_CPU, soft + int(seconds) + 1)
        if resource.getrlimit(resource.RLIMIT_AS)[0] < ocr_space:
            _set_soft(resource.RLIMIT_AS, ocr_space)

    format_limits.budget_hook = extend
    extract_bytes(_WARM_UP, "warm-up")  # load the modules and data every document needs (OpenCC, regions)
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        data, source, hints = job
        usage = resource.getrusage(resource.RUSAGE_SELF)
        _set_soft(resource.RLIMIT_CPU, int(usage.ru_utime + usage.ru_stime + lim.cpu_seconds) + 1)
        try:
            result = extract_bytes(data, source, hints)
            del data, job
            try:
                conn.send(("done", result))
            except (pickle.PicklingError, TypeError, AttributeError) as exc:  # a result that cannot cross over
                conn.send(("done", ExtractionResult(source=source, errors=[{
                    "kind": "extractor_crash", "message": f"{source}: result not transferable: {exc}"}])))
        except MemoryError:
            os._exit(_EXIT_MEMORY)


def _die_with_parent() -> None:
    """Linux: the kernel kills the worker when the process that started it dies (a killed crawl leaves no worker
    parsing on). Elsewhere the worker ends at its next read of the closed socket."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before the line above
            os._exit(0)
    except (OSError, AttributeError):
        pass


def _vm_size() -> int:
    with open("/proc/self/statm", "rb") as fh:
        return int(fh.read().split()[0]) * _PAGE


def _set_soft(which: int, value: int) -> None:
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, hard))


def release_limits_in_child() -> None:
    """preexec_fn for processes a worker starts (LibreOffice): not bound by the worker's address-space limit,
    which is sized for Python; they have their own timeout."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


# -- one shared sandbox per process, for callers that just want the function ------------------------------------
_shared: dict[Limits, Sandbox] = {}
_shared_lock = threading.Lock()


def sandbox_for(limits: Limits | None = None) -> Sandbox:
    limits = limits or Limits.default()
    with _shared_lock:
        if limits not in _shared:
            _shared[limits] = Sandbox(limits)
        return _shared[limits]


def extract_isolated(parts: list[tuple[bytes, str, dict]], limits: Limits | None = None
                     ) -> tuple[ExtractionResult, int]:
    """extract.pipeline.extract_report, each document parsed in a limited worker process."""
    return sandbox_for(limits).extract_report(parts)


def extract_bytes_isolated(data: bytes, source: str, hints: dict | None = None,
                           limits: Limits | None = None) -> ExtractionResult:
    return sandbox_for(limits).extract_bytes(data, source, hints)


@atexit.register
def _close_shared() -> None:
    for sandbox in list(_shared.values()):
        sandbox.close()


if __name__ == "__main__":  # the worker: python -m extract.sandbox FD LIMITS_JSON
    _worker_main(Connection(int(sys.argv[1])), Limits(**json.loads(sys.argv[2])))
