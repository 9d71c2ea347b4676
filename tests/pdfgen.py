"""Hand-made PDFs for tests and benchmarks: numbered objects with a correct xref table."""
from __future__ import annotations

import zlib
from typing import Iterable


def pdf_from_objects(objects: list[bytes]) -> bytes:
    """A PDF from its numbered objects (1 = catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def one_page_pdf(content: bytes | Iterable[bytes], page_extra: bytes = b"", compress: bool = True) -> bytes:
    """An A4 page whose content stream is `content` (or the concatenation of its chunks, compressed as they
    come, so a stream of gigabytes never sits in memory), Flate-compressed unless `compress` is false."""
    chunks = [content] if isinstance(content, bytes) else content
    if compress:
        comp = zlib.compressobj(9)
        stream = b"".join(comp.compress(c) for c in chunks) + comp.flush()
        filter_ = b" /Filter /FlateDecode"
    else:
        stream, filter_ = b"".join(chunks), b""
    return pdf_from_objects([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R %s/MediaBox [0 0 595 842] /Contents 4 0 R >>" % page_extra,
        b"<< /Length %d%s >>\nstream\n" % (len(stream), filter_) + stream + b"\nendstream"])
