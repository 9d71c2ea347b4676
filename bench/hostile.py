"""Hostile inputs at full size, each through `nianbao extract --json --no-db` in its own process (so the figures
include the extraction worker): outcome, wall time, peak RSS (the largest process of the run: the CLI or its
worker; os.wait4's ru_maxrss).

    .venv/bin/python bench/hostile.py [--only NAME ...] [--keep DIR]

Target (issue 14): every input ends in <= 60 s with peak RSS <= 1 GiB, or is refused with a named error. The
small versions of these inputs are tests (tests/test_hostile.py); these are too big for CI. Inputs are made in a
temporary directory (about 300 MB of disk at most; the 6 GiB stream is 6 MB compressed).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from pdfgen import one_page_pdf  # noqa: E402  (the hand-made PDFs of the tests)

NIANBAO = [sys.executable, "-m", "nianbao.cli"]
SEEDS = Path("/work/shared/seeds") if Path("/work/shared/seeds").exists() else ROOT / "tests" / "fixtures" / "seeds"
MiB = 1024 * 1024


def pdf_with_stream(path: Path, chunks, note: str) -> str:
    """A one-page PDF whose content stream is the concatenation of `chunks`, Flate-compressed as it is made."""
    path.write_bytes(one_page_pdf(chunks))
    return f"{note}; {path.stat().st_size / 1024:.0f} KB on disk"


def make_inputs(tmp: Path) -> list[tuple[str, str, str]]:
    """(name, argument for nianbao extract, what it is)."""
    out = []
    rows = b"".join(b"%d %d m %d %d l S\n" % (i % 500, i % 800, (i * 7) % 500, (i * 3) % 800) for i in range(4000))
    n = 40 * MiB // len(rows) + 1
    out.append(("pdf_paths_40mib", str(tmp / "paths.pdf"),
                pdf_with_stream(tmp / "paths.pdf", (rows for _ in range(n)), "one content stream of 40 MiB path operators")))
    spaces = b" " * (64 * MiB)
    out.append(("pdf_spaces_6gib", str(tmp / "spaces.pdf"),
                pdf_with_stream(tmp / "spaces.pdf", (spaces for _ in range(96)), "one stream inflating to 6 GiB of spaces")))
    # Just under the per-stream limit: parsed for real (pdfium, then the edge cap, then OCR of a drawing).
    m = 15 * MiB // len(rows)
    out.append(("pdf_paths_15mib", str(tmp / "paths15.pdf"),
                pdf_with_stream(tmp / "paths15.pdf", (rows for _ in range(m)), "15 MiB of path operators (under the limit)")))
    grid = b"".join(b"BT /F1 2 Tf %d %d Td (%d) Tj ET\n" % (5 + c * 590 // 60, 835 - r * 830 // 200, r * c % 97)
                    for r in range(200) for c in range(60))
    (tmp / "grid.pdf").write_bytes(one_page_pdf(grid, page_extra=b"/Resources << /Font << /F1 << /Type /Font "
                                                b"/Subtype /Type1 /BaseFont /Helvetica >> >> >> "))
    out.append(("pdf_text_grid", str(tmp / "grid.pdf"), "one page of 12,000 numbers in a 200x60 borderless grid"))
    seed = sorted(SEEDS.glob("*.txt"))[0].read_bytes()
    for mb in (10, 20, 200):
        path = tmp / f"text{mb}.txt"
        with open(path, "wb") as fh:
            for _ in range(mb * 1_000_000 // len(seed)):
                fh.write(seed)
        out.append((f"text_{mb}mb", str(path), f"a report's text repeated to {mb} MB"))
    out.append(("docx_big_xml", str(tmp / "big.docx"), big_docx(tmp / "big.docx", 60)))
    out.append(("docx_xml_18mib", str(tmp / "big19.docx"), big_docx(tmp / "big19.docx", 18) + " (under the limits)"))
    out.append(("docx_ratio_bomb", str(tmp / "bomb.docx"), ratio_bomb(tmp / "bomb.docx")))
    out.append(("png_bomb", str(tmp / "bomb.png"), png_bomb(tmp / "bomb.png")))
    deep = tmp / "deep.html"
    deep.write_bytes(b"<html><body><p>\xe6\x8a\xa5\xe5\x91\x8a</p>" + b"<div>" * 100_000 + b"x" + b"</div>" * 100_000
                     + b"</body></html>")
    out.append(("html_deep_100k", str(deep), "HTML nested 100,000 elements deep"))
    unclosed = tmp / "unclosed.html"  # an HTML5 parser re-opens the 1,500 <b>s in each of the 20,000 paragraphs
    unclosed.write_bytes(("<html><body><div>某县2022年政府信息公开工作年度报告" + "".join(f"<b a={i}>" for i in range(1500))
                          + "</div>" + "<p>段落</p>" * 20_000 + "</body></html>").encode())
    out.append(("html_unclosed_tags", str(unclosed), "1,500 unclosed <b> tags before 20,000 paragraphs (400 KB)"))
    out.append(("text_20mb_at_100mib", str(tmp / "text20.txt"), "the 20 MB text with the worker's memory limit at "
                "100 MiB (NIANBAO_EXTRACT_MEMORY_MB=100): the watchdog"))
    out.append(("dev_zero", "/dev/zero", "a character device that never ends"))
    fifo = tmp / "fifo"
    os.mkfifo(fifo)
    out.append(("fifo", str(fifo), "a FIFO nobody writes to"))
    return out


def big_docx(path: Path, mib: int) -> str:
    """A DOCX whose document.xml is `mib` MiB of numbered paragraphs (ratio ~3: under the ratio limit)."""
    rnd = random.Random(1)
    para = lambda: ('<w:p><w:r><w:t>' + " ".join(str(rnd.randint(0, 10 ** 6)) for _ in range(20)) + '</w:t></w:r></w:p>')
    body = "".join(para() for _ in range(mib * MiB // 160))
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
           'wordprocessingml/2006/main"><w:body>' + body + '</w:body></w:document>').encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                   '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
                   'document.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                   '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", xml)
    return f"document.xml {len(xml) / MiB:.0f} MiB, {path.stat().st_size / MiB:.0f} MiB zipped"


def ratio_bomb(path: Path) -> str:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<w:document/>" + b" " * (200 * MiB))
    return f"document.xml of 200 MiB of spaces, {path.stat().st_size / 1024:.0f} KB zipped"


def png_bomb(path: Path) -> str:
    """A PNG declaring 30000x30000 pixels (900 MP), its rows compressed zeros."""
    import struct
    w = h = 30000

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    comp = zlib.compressobj(9)
    row = b"\0" * (w + 1)
    idat = b"".join(comp.compress(row) for _ in range(h)) + comp.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return f"PNG of {w}x{h} pixels, {path.stat().st_size / 1024:.0f} KB"


class Trickle:
    """A loopback server sending a body one byte a second, for as long as it is asked."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.stop.is_set():
            conn, _ = self.sock.accept()
            threading.Thread(target=self.one, args=(conn,), daemon=True).start()

    def one(self, conn):
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            try:
                while not self.stop.wait(1.0):
                    conn.sendall(b"x")
            except OSError:
                pass


# Started by a small interpreter, not by this one: a child's peak RSS (ru_maxrss) counts what its parent held
# when it forked (kept across exec), and this process holds the generated inputs.
_MEASURE = """
import json, os, subprocess, sys, time
start = time.monotonic()
proc = subprocess.Popen(sys.argv[1:], stdout=sys.stdout, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
print(json.dumps({"wall": time.monotonic() - start, "maxrss_kib": usage.ru_maxrss, "status": status}),
      file=sys.stderr)
"""


def run(name: str, arg: str, extra: list[str]) -> dict:
    env = {**os.environ, **({"NIANBAO_EXTRACT_MEMORY_MB": "100"} if name.endswith("_at_100mib") else {})}
    proc = subprocess.run([sys.executable, "-c", _MEASURE, *NIANBAO, "extract", "--json", "--no-db", *extra, arg],
                          capture_output=True, cwd=ROOT, env=env)
    out = proc.stdout
    measured = json.loads(proc.stderr.decode().strip().splitlines()[-1])
    wall, status = measured["wall"], measured["status"]
    usage = argparse.Namespace(ru_maxrss=measured["maxrss_kib"])
    try:
        result = json.loads(out.decode().splitlines()[0])
        errors = result["errors"]
        flags = [f["kind"] for f in result["flags"] if f["kind"].startswith(("nesting", "decode"))]
        outcome = (", ".join(f"{e['kind']}" for e in errors) or f"extracted, {len(result['cells'])} cells") + \
            (f" [{', '.join(sorted(set(flags)))}]" if flags else "")
        message = errors[0]["message"] if errors else ""
    except (IndexError, ValueError, KeyError):
        outcome, message = f"no JSON (exit status {status})", ""
    return {"input": name, "outcome": outcome, "wall_s": round(wall, 1), "peak_rss_mib": round(usage.ru_maxrss / 1024),
            "message": message[:160]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--keep", help="make the inputs in this directory and keep them")
    args = ap.parse_args()
    tmp_ctx = tempfile.TemporaryDirectory(prefix="nianbao-hostile-")
    tmp = Path(args.keep) if args.keep else Path(tmp_ctx.name)
    tmp.mkdir(parents=True, exist_ok=True)
    inputs = make_inputs(tmp)
    trickle = Trickle()
    inputs.append(("url_1_byte_per_s", f"http://127.0.0.1:{trickle.port}/slow.pdf", "a URL sending one byte a second"))
    print(f"{'input':<18} {'outcome':<42} {'wall s':>7} {'peak RSS MiB':>13}  what")
    for name, arg, what in inputs:
        if args.only and name not in args.only:
            continue
        row = run(name, arg, ["--allow-loopback"] if arg.startswith("http") else [])
        print(f"{row['input']:<18} {row['outcome'][:42]:<42} {row['wall_s']:>7} {row['peak_rss_mib']:>13}  {what}",
              flush=True)
        if row["message"]:
            print(f"{'':<18} {row['message']}", flush=True)
    trickle.stop.set()
    tmp_ctx.cleanup()


if __name__ == "__main__":
    main()
