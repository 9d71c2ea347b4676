"""End to end through extract.pipeline.extract_bytes: every keyed cell of every attachment fixture equals the
hand-read values (tests/expected_seeds.py for the seed fixtures, tests/fixtures/formats/real/expected.py for
the real PDFs), with page/bbox provenance; OCR'd cells are right or caught (low confidence / failed check)."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
FIX = HERE / "fixtures" / "formats"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(FIX / "real"))
import expected_seeds as E  # noqa: E402
from expected import EXPECTED as REAL  # noqa: E402

pipeline = pytest.importorskip("extract.pipeline")

CASES = [f"{kind}/{seed}.{kind}" for kind in ("pdf", "docx", "xlsx") for seed in E.SEED_IDS]
CASES += [f"doc/{seed}.doc" for seed in ("001_759fee5d4dfad9d3", "004_99a88681b58e46ea")]
CASES += ["doc/001_759fee5d4dfad9d3.wps", "xls/001_759fee5d4dfad9d3.xls"]


def run(rel: str, check_doc=None):
    """extract_bytes; with `check_doc`, the same in its two steps (parse, then extract_document) so the test can
    also look at the parsed document (`check_doc(doc)`) without converting it twice."""
    hints = {"filename": Path(rel).name}
    if check_doc is None:
        result = pipeline.extract_bytes((FIX / rel).read_bytes(), source=rel, hints=hints)
    else:
        from extract.formats import parse
        doc = parse((FIX / rel).read_bytes(), hints)
        check_doc(doc)
        result = pipeline.extract_document(doc, rel, hints)
    assert result.errors == [], result.errors
    return result


def converted_by_libreoffice(doc):
    assert doc.format in ("doc", "wps") and doc.meta["converted_by"] == "libreoffice"


def got_cells(result) -> dict:
    return {(c.table, c.row, c.col): c for c in result.cells}


def value(cell):
    return None if cell.status == "blank" else cell.value


@pytest.mark.parametrize("rel", CASES)
def test_every_cell_equals_hand_read(rel):
    if rel.startswith("doc/") and not shutil.which("soffice"):
        pytest.skip("LibreOffice not installed")
    seed = next(s for s in E.SEED_IDS if s in rel)
    expected = E.SEEDS[seed]
    result = run(rel, converted_by_libreoffice if rel.startswith("doc/") else None)
    assert result.template == expected["template"]
    got = got_cells(result)
    wrong = {k: (v, value(got[k]) if k in got else "missing") for k, v in expected["cells"].items()
             if k not in got or value(got[k]) != v}
    assert wrong == {}
    assert set(got) == set(expected["cells"])  # nothing invented


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_pdf_cells_pages_and_checks(name):
    exp = REAL[name]
    result = run(f"real/{name}")
    got = got_cells(result)
    wrong = {k: (v, got[k].value if k in got else "missing") for k, v in exp["cells"].items()
             if k not in got or got[k].value != v}
    assert wrong == {}
    for key, page in exp["pages_of"].items():
        source = got[key].source
        assert source.page == page, key
        x0, top, x1, bottom = source.bbox
        assert 0 <= x0 < x1 <= 600 and 0 <= top < bottom <= 850
    failing = {(c.rule, c.row) for c in result.checks if c.status == "fail"}
    assert failing == exp["failing_rules"]


def test_pdf_provenance_of_seed_fixture():
    result = run("pdf/001_759fee5d4dfad9d3.pdf")
    got = got_cells(result)
    first = got[("applications", "new_received", "total")].source
    last = got[("applications", "carried_out", "total")].source
    assert first.table == last.table  # one table although it runs over pages
    assert last.page > first.page
    assert first.bbox[0] == pytest.approx(last.bbox[0], abs=1.0)  # same column on both pages


def test_scanned_pdf_cells_right_or_flagged():
    """Two scanned pages of seed 001 (T2 whole, T3 up to (五)): each OCR'd value is right or caught."""
    result = run("scan/001-p2-3.pdf")
    expected = E.SEEDS["001_759fee5d4dfad9d3"]["cells"]
    got = got_cells(result)
    t2 = {k for k in expected if k[0] == "active_disclosure"}
    assert t2 <= set(got)
    assert len([k for k in got if k[0] == "applications"]) >= 7 * 15
    from extract.formats.image import LOW_CONFIDENCE
    failed_rows = {c.row for c in result.checks if c.status == "fail"}
    for key, cell in got.items():
        assert cell.source.confidence is not None and cell.source.page in (1, 2)
        if value(cell) != expected[key]:
            assert cell.source.confidence < LOW_CONFIDENCE or key[1] in failed_rows, key
