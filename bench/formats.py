"""Benchmark the attachment parsers on the committed fixtures (one core, this process).

Run:  .venv/bin/python bench/formats.py [--no-ocr]

Prints, per format: reports/s and pages/s (parse only, ParsedDocument), accuracy through the whole pipeline
(keyed cells equal to the hand-read values / cells expected), and peak RSS; then OCR pages/s; then the
PDF text-layer library comparison (pdfplumber vs pypdfium2) used to pick the library (docs/formats.md).
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


def expected_for(path: Path) -> dict:
    if path.parent.name == "real":
        return REAL[path.name]["cells"]
    seed = next(s for s in E.SEED_IDS if s[:3] == path.name[:3])
    return E.SEEDS[seed]["cells"]


def bench(files: list[Path], label: str, repeat: int = 1) -> None:
    pages = 0
    start = time.perf_counter()
    for _ in range(repeat):
        for f in files:
            doc = parse(f.read_bytes(), {"filename": f.name})
            pages += doc.meta.get("pages", 1)
    elapsed = (time.perf_counter() - start) / repeat
    pages //= repeat
    right = total = 0
    for f in files:
        result = extract_bytes(f.read_bytes(), source=f.name, hints={"filename": f.name})
        got = {(c.table, c.row, c.col): (None if c.status == "blank" else c.value) for c in result.cells}
        exp = expected_for(f)
        if f.parent.name == "scan":  # a scan of some pages: score the cells it holds
            exp = {k: v for k, v in exp.items() if k in got}
        total += len(exp)
        right += sum(1 for k, v in exp.items() if got.get(k, "missing") == v)
    print(f"{label:22} {len(files):3d} files {pages:4d} pages  {len(files) / elapsed:7.2f} reports/s  "
          f"{pages / elapsed:7.2f} pages/s  accuracy {right}/{total} = {right / max(total, 1):.3f}  "
          f"peak RSS {peak_mb():.0f} MB")


def compare_pdf_libraries() -> None:
    """Text-layer extraction on the same PDFs: speed, and recall of the 25 T3 row labels + 15 T4 values."""
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

    def pdfplumber_tables(data):
        with pdfplumber.open(__import__("io").BytesIO(data)) as pdf:
            return [len(p.find_tables()) for p in pdf.pages]

    for name, fn in (("pdfplumber text", pdfplumber_pages), ("pypdfium2 text", pypdfium_pages),
                     ("pdfplumber tables", pdfplumber_tables)):
        pages = found = wanted = 0
        start = time.perf_counter()
        outputs = []
        for f in files:
            out = fn(f.read_bytes())
            pages += len(out)
            outputs.append(out)
        elapsed = time.perf_counter() - start
        if name.endswith("text"):
            for out in outputs:
                text = squash("".join(out))
                wanted += len(labels)
                found += sum(1 for label in labels if label in text)
            print(f"{name:22} {pages / elapsed:8.1f} pages/s  T3 labels found {found}/{wanted} (lines kept whole)")
        else:
            print(f"{name:22} {pages / elapsed:8.1f} pages/s  (ruling lines -> cells; pypdfium2 has no table API)")


def main() -> None:
    print("# parse = ParsedDocument only; accuracy = through extract_bytes vs hand-read values")
    bench(sorted((FIX / "real").glob("*.pdf")), "pdf (real)", repeat=3)
    bench(sorted((FIX / "pdf").glob("*.pdf")), "pdf (seed fixtures)", repeat=3)
    bench(sorted((FIX / "docx").glob("*.docx")), "docx", repeat=5)
    bench(sorted((FIX / "xlsx").glob("*.xlsx")) + sorted((FIX / "xls").glob("*.xls")), "xlsx/xls", repeat=5)
    import shutil
    if shutil.which("soffice"):
        bench(sorted((FIX / "doc").glob("*.*")), "doc/wps (LibreOffice)")
    if "--no-ocr" not in sys.argv:
        bench(sorted((FIX / "scan").glob("*.pdf")), "scanned pdf (OCR)")
    compare_pdf_libraries()


if __name__ == "__main__":
    main()
