"""DOC and WPS (binary Word / Kingsoft WPS) → ParsedDocument, by converting to DOCX with LibreOffice.

LibreOffice runs headless in a private temp dir with its own user profile (so parallel conversions do not
fight over one profile), in its own process group, killed when it exceeds limits.CONVERTER_SECONDS. The
DOCX is then read by extract.formats.docx, so DOC tables get the same merged-cell handling.
Debian packages: libreoffice-writer-nogui (DOC/WPS); the binary is `soffice`.
"""
from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from extract.formats import docx, limits
from extract.model import ExtractError, ParsedDocument


def soffice_path() -> str:
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    raise ExtractError("converter_missing", "LibreOffice (soffice) is not installed; it is needed for DOC/WPS "
                                            "files: apt-get install -y --no-install-recommends "
                                            "libreoffice-writer-nogui")


def convert(data: bytes, suffix: str, target: str, timeout: float = limits.CONVERTER_SECONDS) -> bytes:
    """Convert `data` (a file with extension `suffix`) to format `target` (e.g. "docx") with LibreOffice."""
    soffice = soffice_path()
    with tempfile.TemporaryDirectory(prefix="nianbao-soffice-") as tmp:
        src = Path(tmp) / f"input{suffix}"
        src.write_bytes(data)
        out_dir = Path(tmp) / "out"
        cmd = [soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", target, "--outdir", str(out_dir), str(src)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                env={**os.environ, "HOME": tmp}, preexec_fn=_release_address_space)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # soffice forks: kill the whole group we started
            proc.communicate()
            raise ExtractError("timeout", f"LibreOffice did not convert the file within {timeout:.0f} s")
        produced = list(out_dir.glob(f"*.{target}")) if out_dir.exists() else []
        if proc.returncode != 0 or not produced or produced[0].stat().st_size == 0:
            detail = (stderr or stdout or b"").decode("utf-8", "replace").strip()[-300:]
            raise ExtractError("corrupt", f"LibreOffice could not read the file (exit {proc.returncode}): {detail}")
        return produced[0].read_bytes()


def _release_address_space() -> None:
    """In the soffice child: lift the extraction worker's address-space limit (sized for Python, not for
    LibreOffice, which reserves far more than it uses). Its time is bounded by `timeout`, and if the worker is
    killed the sandbox kills soffice with it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def parse(data: bytes, hints: dict) -> ParsedDocument:
    limits.check_size(data, "DOC")
    kind = hints.get("kind") or "doc"
    suffix = ".wps" if kind == "wps" else ".doc"
    converted = convert(data, suffix, "docx")
    doc = docx.parse(converted, {**hints, "kind": "docx"})
    doc.format = kind
    doc.meta["converted_by"] = "libreoffice"
    return doc
