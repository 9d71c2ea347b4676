"""Every seed report, as text and as a published HTML page, against values read from the documents by hand
(tests/expected_seeds.py): every cell, template, year, region, agency kind, dates, flags and failing checks."""
from pathlib import Path

import pytest

from expected_seeds import REGION_ALTERNATIVES, SEED_IDS, SEEDS
from extract.pipeline import extract_bytes

HTML_DIR = Path(__file__).resolve().parents[1] / "crawler" / "sample_portals" / "content" / "html"
_cache: dict = {}


def extracted(seed_id: str, fmt: str, seeds_dir: Path):
    key = (seed_id, fmt)
    if key not in _cache:
        path = seeds_dir / f"{seed_id}.txt" if fmt == "text" else HTML_DIR / f"{seed_id}.html"
        _cache[key] = extract_bytes(path.read_bytes(), source=str(path), hints={"filename": path.name})
    return _cache[key]


CASES = [(s, f) for s in SEED_IDS for f in ("text", "html")]


@pytest.mark.parametrize("seed_id,fmt", CASES)
def test_every_cell(seed_id, fmt, seeds_dir):
    result = extracted(seed_id, fmt, seeds_dir)
    assert not result.errors
    expected = SEEDS[seed_id]["cells"]
    got = {(c.table, c.row, c.col): c for c in result.cells}
    assert set(got) == set(expected), (sorted(set(expected) - set(got))[:10], sorted(set(got) - set(expected))[:10])
    wrong = {k: (got[k].value, v) for k, v in expected.items() if got[k].value != v}
    assert not wrong
    for key, value in expected.items():
        status = SEEDS[seed_id]["statuses"].get(key, "num")
        assert got[key].status == status, key
        if value is None:
            assert got[key].value is None  # a blank is NULL, never 0
    for key, unit in SEEDS[seed_id]["units"].items():
        assert got[key].unit == unit


@pytest.mark.parametrize("seed_id,fmt", CASES)
def test_metadata(seed_id, fmt, seeds_dir):
    result, exp = extracted(seed_id, fmt, seeds_dir), SEEDS[seed_id]
    m = result.meta
    assert result.template == exp["template"]
    assert m.year == exp["year"]
    assert m.region_code in (exp["region_code"],) + REGION_ALTERNATIVES.get(seed_id, ())
    assert m.agency_kind == exp["agency_kind"]
    assert m.script == exp["script"]
    assert (m.period_start, m.period_end) == (exp["period_start"], exp["period_end"])
    assert m.published_date == exp["published_date"]


@pytest.mark.parametrize("seed_id,fmt", CASES)
def test_flags(seed_id, fmt, seeds_dir):
    result, exp = extracted(seed_id, fmt, seeds_dir), SEEDS[seed_id]
    kinds = {f.kind for f in result.flags}
    assert set(exp["flags"]) <= kinds
    if "region_conflict" in exp["flags"]:
        flag = next(f for f in result.flags if f.kind == "region_conflict")
        codes = {flag.data["title"]["code"], flag.data["body"]["code"]}
        assert codes == set(exp["flags"]["region_conflict"].values())  # both candidates kept
    if "late_publication" not in exp["flags"]:
        assert "late_publication" not in kinds
    if "regulations_at_county" not in exp["flags"]:
        assert "regulations_at_county" not in kinds


@pytest.mark.parametrize("seed_id,fmt", CASES)
def test_failing_checks(seed_id, fmt, seeds_dir):
    result, exp = extracted(seed_id, fmt, seeds_dir), SEEDS[seed_id]
    failing = {(c.rule, c.table, c.row, c.col) for c in result.checks if c.status == "fail"}
    assert failing == exp["checks_failing"]


def test_003_totals_not_put_under_legal_service(seeds_dir):
    """Seed 003 prints `12 10 _ _ 22`: 22 is the row total, not 法律服务机构 (spec §6)."""
    result = extracted("003_0b45a7d4e00025aa", "text", seeds_dir)
    new = {c.col: c for c in result.cells if c.row == "new_received"}
    assert new["total"].value == 22
    assert new["org_legal_service"].value is None and new["org_other"].value is None
    r1 = {c.col: c for c in result.checks if c.rule == "R1"}
    assert r1["natural_person"].strict == "uncertain" and r1["natural_person"].blank_as_zero == "fail"
    assert r1["total"].status == "pass_if_blank_zero"


def test_004_units_and_signed_values(seeds_dir):
    result = extracted("004_99a88681b58e46ea", "text", seeds_dir)
    amount = result.cell("active_disclosure", "central_procurement", "procurement_amount")
    assert (amount.value, amount.unit, amount.raw) == (24014, "万元", "24014万元")
    assert result.cell("active_disclosure", "admin_penalty", "items_change").value == -810
    assert result.cell("applications", "other_handling", "total") is not None  # 2019: （六） is a single row
    assert result.cell("applications", "other_misc", "total") is None


@pytest.mark.parametrize("seed_id,fmt", CASES)
def test_every_printed_cell_keeps_its_position(seed_id, fmt, seeds_dir):
    result = extracted(seed_id, fmt, seeds_dir)
    for c in result.cells:
        if c.status not in ("blank", "missing"):  # those have no printed cell of their own
            assert None not in (c.source.table, c.source.row, c.source.col), (c.table, c.row, c.col)
            assert (c.source.line is not None) == (fmt == "text")


def test_text_cell_points_at_its_line(seeds_dir):
    result = extracted("001_759fee5d4dfad9d3", "text", seeds_dir)
    cell = result.cell("applications", "new_received", "natural_person")
    assert cell.source.line == 55  # "一、本年新收政府信息公开申请数量⇥⇥17⇥0…" is line 55 of the seed
    html = extracted("001_759fee5d4dfad9d3", "html", seeds_dir)
    src = html.cell("applications", "new_received", "natural_person").source
    assert src.col == 3  # after the label spanning the three label columns A–C
