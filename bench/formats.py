"""Benchmark the attachment parsers on the committed fixtures (one core, this process).

Run:  .venv/bin/python bench/formats.py [--no-ocr]

Prints, per format: reports/s and pages/s (parse only, ParsedDocument) by wall clock and per core (CPU time of
this process and its children), accuracy through the whole pipeline (keyed cells equal to the hand-read values / cells
expected), and peak RSS; PDFs once with the default text layer (pypdfium2) and once with hints
{"pdf_reader": "pdfplumber"}; then OCR, with how many right / wrong cells are flagged; then the raw text-layer
library comparison (docs/formats.md).
"""
from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "formats" / "real"))

import expected_seeds as E  # noqa: E402
from expected import EXPECTED as REAL  # noqa: E402
from extract.formats import parse  # noqa: E402
from extract.pipeline import extract_bytes  # noqa: E402

FIX = ROOT / "tests" / "fixtures" / "formats"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (LibreOffice runs as a child process)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def expected_for(path: Path) -> dict:
    if path.parent.name == "real":
        return REAL[path.name]["cells"]
    seed = next(s for s in E.SEED_IDS if s[:3] == path.name[:3])
    return E.SEEDS[seed]["cells"]


def bench(files: list[Path], label: str, repeat: int = 1, hints: dict | None = None) -> None:
    """Parse speed (wall clock, and CPU time of this process = "per core"; the machine is shared, so the CPU
    figure is the stable one) and accuracy through the whole pipeline."""
    hints = hints or {}
    pages = 0
    start, cpu_start = time.perf_counter(), cpu_seconds()
    for _ in range(repeat):
        for f in files:
            doc = parse(f.read_bytes(), {"filename": f.name, **hints})
            pages += doc.meta.get("pages", 1)
    elapsed = (time.perf_counter() - start) / repeat
    cpu = (cpu_seconds() - cpu_start) / repeat
    pages //= repeat
    right = total = 0
    for f in files:
        result = extract_bytes(f.read_bytes(), source=f.name, hints={"filename": f.name, **hints})
        got = {(c.table, c.row, c.col): (None if c.status == "blank" else c.value) for c in result.cells}
        exp = expected_for(f)
        if f.parent.name == "scan":  # a scan of some pages: score the cells it holds
            exp = {k: v for k, v in exp.items() if k in got}
        total += len(exp)
        right += sum(1 for k, v in exp.items() if got.get(k, "missing") == v)
    print(f"{label:26} {len(files):2d} files {pages:3d} pages  wall {len(files) / elapsed:6.2f} reports/s "
          f"{pages / elapsed:7.2f} pages/s  per core (CPU) {len(files) / cpu:6.2f} reports/s {pages / cpu:7.2f} pages/s"
          f"  accuracy {right}/{total} = {right / max(total, 1):.3f}  peak RSS {peak_mb():.0f} MB")


def ocr_confidence() -> None:
    """Flag precision on the scans: cells right / wrong, right cells flagged and wrong cells not flagged, with
    the first read's score only and with the second read (extract/formats/image.py). Each page is recognised
    once and replayed for both."""
    import hashlib
    from extract.formats import image
    recognise, second_reads = image._recognise, image._second_reads
    seen: dict[str, list] = {}

    def replay(gray):
        key = hashlib.sha1(gray.tobytes()).hexdigest()
        if key not in seen:
            seen[key] = recognise(gray)
        return [dict(b) for b in seen[key]]

    image._recognise = replay
    try:
        for label, second in (("with second read", True), ("first read only", False)):
            image._second_reads = second_reads if second else (lambda gray, pairs: None)
            cells = wrong = right_flagged = wrong_unflagged = wrong_caught_by_check = 0
            for f in sorted((FIX / "scan").glob("*")):
                result = extract_bytes(f.read_bytes(), source=f.name, hints={"filename": f.name})
                exp = expected_for(f)
                failed_rows = {c.row for c in result.checks if c.status == "fail"}
                for c in result.cells:
                    key = (c.table, c.row, c.col)
                    if key not in exp:
                        continue
                    right = (None if c.status == "blank" else c.value) == exp[key]
                    flagged = c.source.confidence is not None and c.source.confidence < image.LOW_CONFIDENCE
                    cells += 1
                    wrong += not right
                    right_flagged += right and flagged
                    wrong_unflagged += not right and not flagged
                    wrong_caught_by_check += not right and not flagged and c.row in failed_rows
            print(f"OCR flags, {label:17} {cells} cells, {wrong} wrong; right but flagged {right_flagged}; "
                  f"wrong and not flagged {wrong_unflagged} (of which caught by a failed check "
                  f"{wrong_caught_by_check})")
    finally:
        image._recognise, image._second_reads = recognise, second_reads


def compare_pdf_libraries() -> None:
    """Text-layer extraction on the same PDFs: speed, and how many T3 row labels each library's plain text keeps
    whole; then the speed of reading what the table builder needs (characters + ruling edges) with each."""
    import pdfplumber
    import pypdfium2 as pdfium
    from extract.decode import squash
    # every PDF with a T3 (seed 000 has none)
    files = [f for f in sorted((FIX / "pdf").glob("*.pdf")) if not f.name.startswith("000")]
    files += sorted((FIX / "real").glob("*.pdf"))
    labels = ["本年新收政府信息公开申请数量", "上年结转政府信息公开申请数量", "予以公开", "属于国家秘密",
              "危及“三安全一稳定”", "保护第三方合法权益", "属于三类内部事务信息", "属于四类过程性信息",
              "属于行政执法案卷", "属于行政查询事项", "本机关不掌握相关政府信息", "没有现成信息需要另行制作",
              "补正后申请内容仍不明确", "信访举报投诉类申请", "重复申请", "要求提供公开出版物",
              "无正当理由大量反复申请", "要求行政机关确认或重新出具已获取信息", "结转下年度继续办理"]

    def pdfplumber_pages(data):
        with pdfplumber.open(__import__("io").BytesIO(data)) as pdf:
            return [p.extract_text() or "" for p in pdf.pages]

    def pypdfium_pages(data):
        doc = pdfium.PdfDocument(data)
        out = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
        doc.close()
        return out

    def layer(reader):
        """What the table builder reads (pdf.py): characters and ruling edges of every page."""
        from extract.formats.pdf import _TextLayer, open_checked

        def read(data):
            doc = open_checked(data)
            text_layer = _TextLayer(data, doc, prefer=reader)
            try:
                return [len(text_layer.read(n)[0]) for n in range(1, len(doc) + 1)]
            finally:
                text_layer.close()
                doc.close()
        return read

    for name, fn in (("pdfplumber text", pdfplumber_pages), ("pypdfium2 text", pypdfium_pages),
                     ("pdfplumber chars+edges", layer("pdfplumber")), ("pypdfium2 chars+edges", layer("pypdfium2"))):
        pages = found = wanted = 0
        start = time.process_time()
        outputs = []
        for f in files:
            out = fn(f.read_bytes())
            pages += len(out)
            outputs.append(out)
        elapsed = time.process_time() - start
        if name.endswith("text"):
            for out in outputs:
                text = squash("".join(out))
                wanted += len(labels)
                found += sum(1 for label in labels if label in text)
            print(f"{name:24} {pages / elapsed:8.1f} pages/s per core  T3 labels found {found}/{wanted} "
                  "(lines kept whole)")
        else:
            print(f"{name:24} {pages / elapsed:8.1f} pages/s per core  (what the table builder reads)")


def main() -> None:
    print("# parse = ParsedDocument only; accuracy = through extract_bytes vs hand-read values")
    real, seeds = sorted((FIX / "real").glob("*.pdf")), sorted((FIX / "pdf").glob("*.pdf"))
    bench(real, "pdf (real)", repeat=5)
    bench(seeds, "pdf (seed fixtures)", repeat=5)
    bench(real, "pdf (real), pdfplumber", repeat=2, hints={"pdf_reader": "pdfplumber"})
    bench(seeds, "pdf (seeds), pdfplumber", repeat=2, hints={"pdf_reader": "pdfplumber"})
    bench(sorted((FIX / "docx").glob("*.docx")), "docx", repeat=5)
    bench(sorted((FIX / "xlsx").glob("*.xlsx")) + sorted((FIX / "xls").glob("*.xls")), "xlsx/xls", repeat=5)
    import shutil
    if shutil.which("soffice"):
        bench(sorted((FIX / "doc").glob("*.*")), "doc/wps (LibreOffice)")
    if "--no-ocr" not in sys.argv:
        from extract.formats import image
        start = time.perf_counter()
        image.engine()  # the ONNX models load once per process; timed apart from the pages
        print(f"OCR models loaded in {time.perf_counter() - start:.1f} s")
        bench(sorted((FIX / "scan").glob("*.pdf")), "scanned pdf (OCR)")
        ocr_confidence()
    compare_pdf_libraries()


if __name__ == "__main__":
    main()
