"""Fault injection: hostile and broken inputs, all made here and kept small (the big ones are in bench/hostile.py).
Each must end in an error (or flag) that names the input and the reason, and the next input must still extract."""
import gzip
import io
import os
import socket
import threading
import zipfile
import zlib
from pathlib import Path

import pytest

from crawler import addresses
from crawler.fetch import FetchError, fetch
from extract.formats import limits
from extract.inputs import InputError, read_path
from extract.pipeline import extract_bytes, extract_report
from extract.sandbox import Limits, Sandbox
from nianbao.cli import main
from pdfgen import one_page_pdf

FIX = Path(__file__).parent / "fixtures" / "formats"
S001 = "001_759fee5d4dfad9d3"
SEED_001 = "001_759fee5d4dfad9d3.txt"


@pytest.fixture
def good_text(seeds_dir) -> bytes:
    return (seeds_dir / SEED_001).read_bytes()


def kinds(result):
    return [e["kind"] for e in result.errors]


# ---- loopback servers that misbehave -------------------------------------------------------------------------------
class RawServer:
    """A loopback TCP server answering every connection with `respond(conn, request_bytes, server)`; stops (and
    ends any answer still being sent) when the test ends."""

    def __init__(self, respond, host="127.0.0.1"):
        self.respond, self.stop, self.hits = respond, threading.Event(), []
        self.sock = socket.create_server((host, 0))
        self.host, self.port = host, self.sock.getsockname()[1]
        self.sock.settimeout(0.2)
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path="/r", host=None):
        return f"http://{host or self.host}:{self.port}{path}"

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        with conn:
            conn.settimeout(5)
            request = b""
            while b"\r\n\r\n" not in request and not getattr(self.respond, "eager", False):
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            self.hits.append(request.split(b"\r\n", 1)[0].decode("latin-1"))
            try:
                self.respond(conn, request, self)
            except OSError:
                pass

    def close(self):
        self.stop.set()
        self.sock.close()


@pytest.fixture
def serve():
    servers = []

    def start(respond, host="127.0.0.1"):
        servers.append(RawServer(respond, host))
        return servers[-1]
    yield start
    for s in servers:
        s.close()


def answer(raw: bytes):
    return lambda conn, request, server: conn.sendall(raw)


def ok(body: bytes, ctype="text/plain; charset=utf-8", extra=b""):
    return answer(b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype.encode() + b"\r\nContent-Length: "
                  + str(len(body)).encode() + b"\r\nConnection: close\r\n" + extra + b"\r\n" + body)


def trickle(conn, request, server):
    """Headers, then one byte every 50 ms until the test ends: alive, never finished."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    while not server.stop.wait(0.05):
        conn.sendall(b"x")


def reset(conn, request, server):
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # close = RST


FETCH_FAULTS = [
    ("bad status line", answer(b"WAT 200 nope\r\n\r\n"), "bad_response", "status line"),
    ("200 KB header line", answer(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\nbody"),
     "bad_response", "too long"),
    ("too many headers", answer(b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 200 + b"\r\nbody"), "bad_response", ""),
    ("half the declared body", answer(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 500),
     "truncated", "500 of 1000"),
    ("chunked body cut short", answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100\r\nabc"),
     "truncated", "chunked"),
    ("closed without answering", answer(b""), "reset", "without answering"),
    ("reset", reset, "reset", ""),
    ("declared too large", answer(b"HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n"), "too_large",
     "999999999"),
    ("body over the cap", answer(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"x" * 5000), "too_large", ""),
    ("gzip bomb", ok(gzip.compress(b"\0" * 2_000_000), extra=b"Content-Encoding: gzip\r\n"), "too_large",
     "decoded"),
    ("unknown encoding", ok(b"xx", extra=b"Content-Encoding: br\r\n"), "bad_encoding", "br"),
    ("HTTP 404", answer(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"), "http_status", "404"),
    ("one byte every 50 ms", trickle, "timeout", "within 1 s"),
]


@pytest.mark.parametrize("name,respond,kind,detail", FETCH_FAULTS, ids=[f[0] for f in FETCH_FAULTS])
def test_fetch_faults_become_named_errors(serve, name, respond, kind, detail):
    server = serve(respond)
    with pytest.raises(FetchError) as err:
        fetch(server.url(), allow_private=True, max_bytes=4096, deadline_s=1.0)
    assert err.value.kind == kind
    assert server.url() in err.value.message and detail in err.value.message


def test_fetch_garbled_header_parameters_are_dropped_not_fatal(serve):
    server = serve(ok(b"body", "text/html; charset*=xx''%ff; charset=\xff",
                      b"Content-Disposition: attachment; filename*=zz''%ff%fe\r\n"))
    body, info = fetch(server.url("/a/report.txt"), allow_private=True)
    assert body == b"body" and info.content_type.startswith("text/html")


def test_fetch_sends_chinese_paths_percent_encoded(serve):
    server = serve(ok(b"report"))
    body, info = fetch(server.url("/年报/2022年 报告.txt?名=值&a=%E5%B9%B4"), allow_private=True)
    assert body == b"report" and info.filename == "2022年 报告.txt"
    assert server.hits == ["GET /%E5%B9%B4%E6%8A%A5/2022%E5%B9%B4%20%E6%8A%A5%E5%91%8A.txt"
                           "?%E5%90%8D=%E5%80%BC&a=%E5%B9%B4 HTTP/1.1"]


def test_fetch_tls_failure_is_named(serve):
    plain = answer(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    plain.eager = True  # answers at once, before any request: a TLS client gets plain HTTP for a server hello
    server = serve(plain)
    with pytest.raises(FetchError) as err:
        fetch(server.url().replace("http://", "https://"), allow_private=True, deadline_s=5)
    assert err.value.kind == "tls" and "TLS" in err.value.message


def test_fetch_redirect_loop_is_bounded(serve):
    server = serve(lambda conn, request, s: conn.sendall(
        b"HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n"))
    with pytest.raises(FetchError) as err:
        fetch(server.url(), allow_private=True, max_redirects=3)
    assert err.value.kind == "too_many_redirects" and len(server.hits) == 4


def test_fetch_follows_redirects_and_reads_headers(serve):
    target = serve(ok("报告".encode("gb18030"), "text/plain; charset=gbk",
                      b'Content-Disposition: attachment; filename="report.txt"\r\n'))
    hop = serve(answer(f"HTTP/1.1 301 Moved\r\nLocation: {target.url('/final')}\r\nContent-Length: 0\r\n\r\n"
                       .encode()))
    body, info = fetch(hop.url(), allow_private=True)
    assert body == "报告".encode("gb18030") and info.charset == "gbk" and info.filename == "report.txt"
    assert info.final_url == target.url("/final") and info.redirects == [hop.url()]


# ---- the address guard on every hop ------------------------------------------------------------------------------
@pytest.fixture
def public_portal(serve, monkeypatch):
    """A portal on 127.0.0.2 that the guard is told to treat as public (the test cannot reach a real public
    address); everything else keeps its real classification — 127.0.0.1 stays loopback."""
    real = addresses.forbidden_ip
    monkeypatch.setattr(addresses, "forbidden_ip", lambda ip: None if str(ip) == "127.0.0.2" else real(ip))
    inner = serve(ok(b"secret of the loopback service"))

    def redirect_to(location):
        return serve(answer(f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()),
                     host="127.0.0.2")
    return inner, redirect_to


@pytest.mark.parametrize("spelling", ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "localhost",
                                      "[::ffff:127.0.0.1]", "rebind.test"])
def test_redirect_into_loopback_is_refused_in_every_spelling(public_portal, monkeypatch, spelling):
    inner, redirect_to = public_portal
    real = socket.getaddrinfo
    monkeypatch.setattr(addresses.socket, "getaddrinfo", lambda host, *a, **k: real(
        "127.0.0.1" if host == "rebind.test" else host, *a, **k))
    portal = redirect_to(f"http://{spelling}:{inner.port}/internal")
    with pytest.raises(FetchError) as err:
        fetch(portal.url(host="127.0.0.2"), allow_private=False)
    assert err.value.kind == "refused_address" and "loopback" in err.value.message
    assert portal.hits and not inner.hits  # the loopback service was never asked


def test_direct_loopback_urls_are_refused_without_the_flag(serve):
    server = serve(ok(b"hello"))
    for host in ("127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "localhost", "[::1]",
                 "[::ffff:127.0.0.1]", "100.64.0.1", "10.0.0.1"):
        with pytest.raises(FetchError) as err:
            fetch(server.url(host=host))
        assert err.value.kind == "refused_address" and "--allow-loopback" in err.value.message
    assert not server.hits
    assert fetch(server.url(host="127.1"), allow_private=True)[0] == b"hello"


# ---- local inputs -------------------------------------------------------------------------------------------------
def test_local_inputs_regular_files_only(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    cases = [(fifo, "not_a_file", "FIFO"), (tmp_path, "not_a_file", "directory"),
             (Path("/dev/zero"), "not_a_file", "character device"), (tmp_path / "nope", "missing", "no such file")]
    for path, kind, detail in cases:
        with pytest.raises(InputError) as err:
            read_path(path, 1000)
        assert err.value.kind == kind and str(path) in err.value.message and detail in err.value.message
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 1001)
    with pytest.raises(InputError) as err:
        read_path(big, 1000)
    assert err.value.kind == "too_large" and "1001 bytes" in err.value.message
    assert read_path(big, 2000) == b"x" * 1001


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"x")
    secret.chmod(0)
    with pytest.raises(InputError) as err:
        read_path(secret)
    assert err.value.kind == "permission_denied"


# ---- format limits (in process, limits lowered so the inputs stay small) ------------------------------------------
def _pdf(content: bytes, filter_=True) -> bytes:
    return one_page_pdf(content, compress=filter_)


def test_pdf_stream_bomb_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(limits, "MAX_PDF_STREAM", 1 * limits.MiB)
    bomb = _pdf(b"0 0 m 1 1 l S\n" * 150_000)  # 2 MiB of path operators in one stream, ~10 KB on disk
    assert len(bomb) < 50_000
    result = extract_bytes(bomb, "bomb.pdf")
    assert kinds(result) == ["too_large"]
    assert "object 4" in result.errors[0]["message"] and "1 MiB" in result.errors[0]["message"]
    spaces = _pdf(b" " * (3 * limits.MiB))
    assert kinds(extract_bytes(spaces, "spaces.pdf")) == ["too_large"]
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(spaces)))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    locked = io.BytesIO()
    writer.write(locked)
    assert b"/Encrypt" in locked.getvalue()
    result = extract_bytes(locked.getvalue(), "locked-bomb.pdf")  # encrypted streams are measured once decrypted
    assert kinds(result) == ["too_large"] and "inflates to more than 1 MiB" in result.errors[0]["message"]


def test_pdf_drawing_with_too_many_edges_keeps_its_text(monkeypatch):
    monkeypatch.setattr(limits, "MAX_PAGE_EDGES", 200)
    lines = b"".join(b"%d 100 m %d 700 l S\n" % (x, x) for x in range(50, 550, 2))  # 250 vertical rules
    text = "BT /F1 12 Tf 72 760 Td (Annual report of the county government) Tj ET\n".encode()
    pdf = one_page_pdf(text + lines, page_extra=b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 "
                                                 b"/BaseFont /Helvetica >> >> >> ")
    from extract.formats.pdf import parse
    doc = parse(pdf, {})
    assert any("more than 200 ruling-line pieces" in w for w in doc.warnings)
    assert "Annual report" in " ".join(c.text for line in doc.lines for c in line.cells)


def test_pdf_page_of_too_many_drawing_objects_is_not_rendered_and_says_so(monkeypatch):
    monkeypatch.setattr(limits, "MAX_PAGE_OBJECTS", 100)
    drawing = b"".join(b"%d 100 m %d 700 l S\n" % (x, x + 3) for x in range(50, 550, 2))  # 250 slanted strokes
    from extract.formats.pdf import parse
    doc = parse(_pdf(drawing), {})
    assert doc.meta.get("ocr") is None
    assert any("250 drawing objects" in w and "not rendered for OCR" in w for w in doc.warnings)


@pytest.mark.parametrize("algorithm", ["RC4-40", "AES-256"])
def test_pdf_with_an_empty_user_password_reads(algorithm):
    pypdf = pytest.importorskip("pypdf")
    plain = (FIX / f"pdf/{S001}.pdf").read_bytes()
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(plain)))
    writer.encrypt(user_password="", owner_password="owner", algorithm=algorithm, permissions_flag=0)  # no rights: /P negative
    buf = io.BytesIO()
    writer.write(buf)
    for reader in ("pypdfium2", "pdfplumber"):  # pdfminer failed on RC4 files with a negative /P before
        expected = extract_bytes(plain, "plain.pdf", {"pdf_reader": reader})
        result = extract_bytes(buf.getvalue(), "locked.pdf", {"pdf_reader": reader})
        assert not result.errors
        assert [c.to_json() for c in result.cells] == [c.to_json() for c in expected.cells]
        assert not any(f.kind in ("ocr", "decode_warning") for f in result.flags)


def test_zip_with_too_many_members_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ZIP_MEMBERS", 50)
    docx = (FIX / f"docx/{S001}.docx").read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            out.writestr(info, src.read(info))
        for i in range(60):
            out.writestr(f"word/media/pad{i}.bin", b"")
    result = extract_bytes(buf.getvalue(), "many.docx")
    assert kinds(result) == ["zip_bomb"] and "members (limit 50)" in result.errors[0]["message"]


def test_zip_member_expanding_past_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ZIP_XML_MEMBER", 1 * limits.MiB)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("word/document.xml", b"<w:document/>" + b"%d " * 500_000 % tuple(range(500_000)))  # ratio < 200
    result = extract_bytes(buf.getvalue(), "big.docx")
    assert kinds(result) == ["too_large"] and "word/document.xml" in result.errors[0]["message"]


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # the 1x-2x band Pillow only warns on
def test_image_over_the_pixel_limit_is_refused_before_decoding(monkeypatch):
    from PIL import Image
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)  # image.parse sets it: restore it after
    monkeypatch.setattr(limits, "MAX_IMAGE_PIXELS", 10_000)
    buf = io.BytesIO()
    Image.new("L", (120, 100), 255).save(buf, "PNG")  # 12,000 pixels: under Pillow's own 2x margin
    result = extract_bytes(buf.getvalue(), "wide.png")
    assert kinds(result) == ["too_large"] and "120x100" in result.errors[0]["message"]


def test_text_over_the_size_limit_is_refused(monkeypatch, good_text):
    monkeypatch.setattr(limits, "MAX_TEXT_BYTES", 1000)
    assert kinds(extract_bytes(good_text, "seed.txt")) == ["too_large"]
    monkeypatch.setattr(limits, "MAX_TEXT_BYTES", 10 ** 9)
    monkeypatch.setattr(limits, "MAX_LINES", 50)
    result = extract_bytes(good_text, "seed.txt")
    assert kinds(result) == ["too_large"] and "lines" in result.errors[0]["message"]


REPORT_HTML = "<p>某县2022年政府信息公开工作年度报告</p><p>一、总体情况</p>"


def _deep_page(depth: int) -> bytes:
    return (f"<html><body>{REPORT_HTML}" + "<div>" * depth + "<p>深处的文字</p>" + "</div>" * depth
            + "<p>之后的文字</p></body></html>").encode()


def test_deep_html_is_read_and_flagged_never_silently_cut(monkeypatch):
    for depth in (600, 2100):  # Lexbor keeps every level (libxml2 alone dropped both past depth 256)
        result = extract_bytes(_deep_page(depth), "deep.html")
        text = "\n".join(s.text for s in result.sections)
        assert "深处的文字" in text and "之后的文字" in text
        assert not [f for f in result.flags if f.kind.startswith("nesting")]
    # A page of many tags is checked by libxml2 first (Lexbor's time grows with the square of the depth): past
    # libxml2's depth limit the rest is lost, and that is said.
    monkeypatch.setattr(limits, "HTML_CHECKED_TAGS", 1000)
    result = extract_bytes(_deep_page(2100), "deeper.html")
    flags = [f for f in result.flags if f.kind == "nesting_truncated"]
    assert flags and "is lost" in flags[0].detail
    assert "某县2022年政府信息公开工作年度报告" in "\n".join(s.text for s in result.sections)


def test_very_deep_html_goes_through_libxml2_first():
    """100,000 nested <div>s (1.1 MB): Lexbor alone keeps every level, at a cost growing with the square of the
    depth (~20 s here); a page of that many tags is checked by libxml2 first, which the truncation flag shows
    (bench/hostile.py times it: 0.5 s)."""
    result = extract_bytes(_deep_page(100_000), "deep.html")
    assert [f.kind for f in result.flags if f.kind.startswith("nesting")] == ["nesting_truncated"]


def test_unclosed_formatting_tags_are_not_reopened_in_every_paragraph(good_text):
    """1,000 unclosed <b> tags closed by a </div>, then 1,000 paragraphs (17 KB): an HTML5 parser re-opens the
    thousand <b>s in every paragraph (a million elements, ~380 MiB in Lexbor). Read in a 150 MiB worker, the page
    extracts, every paragraph included, and the next document too."""
    page = ("<html><body><div>某县2022年政府信息公开工作年度报告" + "".join(f"<b a={i}>" for i in range(1000))
            + "</div>" + "".join(f"<p>第{i}段</p>" for i in range(1000)) + "</body></html>").encode()
    with Sandbox(Limits(150 * 1024 ** 2, 60, 60)) as sandbox:
        result = sandbox.extract_bytes(page, "unclosed.html")
        after = sandbox.extract_bytes(good_text, "after.txt")
    assert not result.errors, result.errors
    text = "\n".join(s.text for s in result.sections)
    assert "第0段" in text and "第999段" in text
    assert not after.errors and after.cells


def test_attachment_error_is_flagged_on_the_report(good_text):
    result, index = extract_report([(good_text, "http://portal.test/r.html", {}),
                                    (_pdf(b" ", filter_=False)[:-8], "http://portal.test/a.pdf", {})])
    assert index == 0 and result.cells
    flag = next(f for f in result.flags if f.kind == "attachment_error")
    assert flag.data == {"attachment": "http://portal.test/a.pdf", "kind": "truncated"}


# ---- the worker's hard limits -------------------------------------------------------------------------------------
SLOW = b"x\n" + b"1\t2\t3\t4\t5\t6\t7\t8\t9\t0\n" * 200_000  # 4 MB of number rows: ~9 s of CPU, ~420 MB, under every size cap


@pytest.mark.parametrize("lim,kind,detail", [
    (Limits(4 * 1024 ** 3, 60, 1), "timeout", "wall-clock limit"),
    (Limits(4 * 1024 ** 3, 1, 60), "timeout", "CPU limit of 1 s"),
    (Limits(150 * 1024 ** 2, 60, 60), "memory_limit", "150 MiB"),
], ids=["wall", "cpu", "memory"])
def test_worker_limit_breach_is_an_error_and_the_next_document_extracts(lim, kind, detail, good_text):
    with Sandbox(lim) as sandbox:
        first = sandbox.extract_bytes(good_text, "before.txt")
        breached = sandbox.extract_bytes(SLOW, "slow.txt")
        after = sandbox.extract_bytes(good_text, "after.txt")
    assert kinds(breached) == [kind]
    assert "slow.txt" in breached.errors[0]["message"] and detail in breached.errors[0]["message"]
    assert not after.errors and len(after.cells) == len(first.cells) > 0


def test_hanging_attachment_does_not_lose_the_report(good_text):
    """The issue's case: an attachment that runs away must not take its report (or the batch) with it."""
    with Sandbox(Limits(4 * 1024 ** 3, 60, 1)) as sandbox:
        result, index = sandbox.extract_report([(good_text, "http://portal.test/r.html", {}),
                                                (SLOW, "http://portal.test/hang.txt", {})])
    assert index == 0 and len(result.cells) > 0 and not result.errors
    flag = next(f for f in result.flags if f.kind == "attachment_error")
    assert flag.data == {"attachment": "http://portal.test/hang.txt", "kind": "timeout"}


def test_ocr_gets_its_memory_allowance_and_a_fat_worker_is_replaced(good_text):
    """The OCR models alone take ~0.6-0.85 GiB: a scan must not fail at a limit sized for text documents."""
    scan = (FIX / "scan/001-t4.png").read_bytes()
    with Sandbox(Limits(300 * 1024 ** 2, 120, 120, ocr_memory_bytes=2 * 1024 ** 3)) as sandbox:
        result = sandbox.extract_bytes(scan, "t4.png", {"filename": "t4.png"})
        pid = sandbox._proc.pid if sandbox._proc else None
        after = sandbox.extract_bytes(good_text, "after.txt")
        assert sandbox._proc.pid != pid  # the worker holding the models was replaced before the next document
    assert not result.errors and len(result.cells) == 15
    assert not after.errors and after.cells


def test_worker_results_equal_in_process_results(good_text):
    with Sandbox() as sandbox:
        isolated, index = sandbox.extract_report([(good_text, "seed.txt", {"filename": "seed.txt"})])
    direct = extract_bytes(good_text, "seed.txt", {"filename": "seed.txt"})
    assert index == 0 and isolated.to_json() == direct.to_json()


# ---- the CLI: one bad input never stops the batch -----------------------------------------------------------------
def test_cli_records_each_bad_input_and_extracts_the_good_one(tmp_path, serve, good_text, capsys):
    import json
    import sqlite3

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    good = tmp_path / "good.txt"
    good.write_bytes(good_text)
    bad_status = serve(answer(b"WAT 200 nope\r\n\r\n"))
    short = serve(answer(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + good_text[:400]))
    db = tmp_path / "a.db"
    inputs = [str(fifo), str(tmp_path), "/dev/zero", bad_status.url(), short.url(), str(good)]
    code = main(["extract", "--json", "--db", str(db), "--allow-loopback", *inputs])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 2
    assert [(o["source"], [e["kind"] for e in o["errors"]]) for o in lines] == [
        (str(fifo), ["not_a_file"]), (str(tmp_path), ["not_a_file"]), ("/dev/zero", ["not_a_file"]),
        (bad_status.url(), ["bad_response"]), (short.url(), ["truncated"]), (str(good), [])]
    assert len(lines[-1]["cells"]) > 0
    with sqlite3.connect(db) as conn:
        errors = conn.execute("SELECT source, kind FROM errors ORDER BY id").fetchall()
        stored = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    assert errors == [(i, o["errors"][0]["kind"]) for i, o in zip(inputs[:5], lines)]
    assert stored == 1  # the short download is not kept as an original


def test_cli_file_name_that_is_not_utf8_is_stored_escaped(tmp_path, good_text, capsys):
    import json
    import sqlite3
    odd = os.fsdecode(bytes(tmp_path) + b"/report\xff.txt")  # a GBK-named file on a UTF-8 system, say
    Path(odd).write_bytes(good_text)
    missing = os.fsdecode(bytes(tmp_path) + b"/gone\xfe.txt")
    db = tmp_path / "a.db"
    assert main(["extract", "--json", "--db", str(db), odd, missing]) == 2
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0]["source"].endswith("report\\xff.txt") and lines[0]["cells"] and not lines[0]["errors"]
    assert lines[1]["errors"][0]["kind"] == "missing" and "gone\\xfe.txt" in lines[1]["errors"][0]["message"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT path FROM documents").fetchone()[0].endswith("report\\xff.txt")


def test_cli_refuses_loopback_without_the_flag(tmp_path, serve, capsys):
    import json
    server = serve(ok(b"hello"))
    code = main(["extract", "--json", "--no-db", server.url(host="127.1")])
    out = json.loads(capsys.readouterr().out)
    assert code == 2 and out["errors"][0]["kind"] == "refused_address" and not server.hits


# ---- the fast paths that replaced quadratic ones give the same answers -------------------------------------------
def test_unruled_columns_equal_the_pairwise_definition():
    import random
    from extract.formats.pdf_unruled import columns
    rnd = random.Random(7)
    for _ in range(200):
        rows = []
        for _ in range(rnd.randint(1, 6)):
            x, row = rnd.uniform(0, 20), []
            for _ in range(rnd.randint(1, 5)):
                width = rnd.uniform(1, 60)
                row.append({"x0": x, "x1": x + width})
                x += width + rnd.uniform(0.5, 40)
            rows.append(row)
        gaps = [(a["x1"], b["x0"]) for row in rows for a, b in zip(row, row[1:])]
        narrow = [s for row in rows for s in row if not any(s["x0"] < g0 and g1 < s["x1"] for g0, g1 in gaps)]
        bands = []
        for s in sorted(narrow, key=lambda s: s["x0"]):
            if bands and s["x0"] < bands[-1][1]:
                bands[-1][1] = max(bands[-1][1], s["x1"])
            else:
                bands.append([s["x0"], s["x1"]])
        assert columns(rows) == [(a, b) for a, b in bands]


def test_fake_bold_dedupe_by_distance_not_by_bucket():
    from extract.formats.pdfium_layer import _printed_before
    seen = {}
    glyph = {"text": "7", "x0": 9.95, "top": 19.95, "size": 10.0}
    assert not _printed_before(seen, glyph)
    assert _printed_before(seen, {**glyph, "x0": 10.9, "top": 20.9})  # 0.95 pt away, across bucket edges
    assert not _printed_before(seen, {**glyph, "x0": 11.1})  # 1.15 pt away: another glyph
    assert not _printed_before(seen, {**glyph, "size": 12.0})  # another size: not the same glyph
    assert not _printed_before(seen, {**glyph, "text": "1"})
