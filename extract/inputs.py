"""Reading a local input file safely: regular files only, size checked before reading, reads bounded.

    read_path(path, max_bytes) -> bytes      # raises InputError(kind, message naming the path)

Kinds: `missing`, `permission_denied`, `not_a_file` (a directory, FIFO, socket or device: a FIFO would block
forever and /dev/zero never ends), `too_large`, `unreadable` (any other OS error). The file is opened with
O_NONBLOCK (opening a FIFO with no writer must not block) and checked with fstat on the open descriptor, so what
is read is what was checked.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from extract.formats.limits import MAX_BYTES


class InputError(Exception):
    def __init__(self, kind: str, path: str, message: str):
        path = printable(path)
        super().__init__(f"{path}: {message}")
        self.kind, self.path, self.message = kind, path, f"{path}: {message}"


def _what(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def read_path(path: str | os.PathLike, max_bytes: int = MAX_BYTES) -> bytes:
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError("missing", name, "no such file") from None
    except PermissionError:
        raise InputError("permission_denied", name, "permission denied") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a FIFO opened for writing only
            raise InputError("not_a_file", name, "not a regular file (a socket or device)") from None
        raise InputError("unreadable", name, f"cannot open: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError("not_a_file", name, f"is {_what(info.st_mode)}, not a regular file")
        if info.st_size > max_bytes:
            raise InputError("too_large", name, f"{info.st_size} bytes; the limit is {max_bytes}")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as fh:
            fd = -1
            data = fh.read(max_bytes + 1)  # the file may grow between fstat and read
        if len(data) > max_bytes:
            raise InputError("too_large", name, f"grew past the limit of {max_bytes} bytes while being read")
        return data
    except OSError as exc:
        raise InputError("unreadable", name, f"cannot read: {exc.strerror or exc}") from None
    finally:
        if fd >= 0:
            os.close(fd)


def printable(name: str) -> str:
    """A path as text that can be stored and printed: a file name that is not UTF-8 (its bytes kept by Python as
    lone surrogates, which SQLite and a UTF-8 stdout refuse) gets its odd bytes as \\xNN."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def hints_for_path(path: str | os.PathLike) -> dict:
    p = Path(path)
    return {"filename": printable(p.name), "path": printable(str(p))}
