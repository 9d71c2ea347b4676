"""Stage 6 — checks: the report's own arithmetic (勾稽关系, spec §4), evaluated twice.

strict: a blank/dash operand makes the rule `uncertain`; blank_as_zero: blanks and dashes read as 0. A `missing`
cell (not read from the document) is unknown in both readings — never 0.
status: pass (holds strictly) / fail (fails strictly, or fails even with blanks as zero) / pass_if_blank_zero
(holds only if the blanks mean 0) / uncertain (an operand is missing from the table or is not a number).
Failures are reported, never "fixed" (the hongze-2023 PDF prints review totals of 0 over non-zero parts).
"""
from __future__ import annotations

from extract.keys import T2, T3, T3_COLS, T3_ORG_COLS, T4, T4_ROWS
from extract.model import Check, KeyedCell

DENIED = ["denied_state_secret", "denied_law_prohibited", "denied_safety_stability", "denied_third_party",
          "denied_internal_affairs", "denied_process_info", "denied_enforcement_file", "denied_admin_query"]
UNABLE = ["unable_not_held", "unable_needs_creation", "unable_still_unclear"]
UNPROCESSED = ["unprocessed_petition", "unprocessed_duplicate", "unprocessed_publication",
               "unprocessed_mass_repeat", "unprocessed_confirm_reissue"]
OTHER_2021 = ["other_no_correction", "other_unpaid_fee", "other_misc"]
T4_PARTS = ["upheld", "corrected", "other_result", "pending"]
SIGNED = {"items_change"}
DECIMAL = {"fee_amount", "procurement_amount"}


_UNKNOWN = (None, None)


def _operand(c: KeyedCell) -> tuple:
    """(strict value, blank-as-zero value); None means 'cannot evaluate' for that reading."""
    if c.status in ("text", "missing"):
        return _UNKNOWN
    if c.status in ("blank", "dash"):
        return None, 0.0
    return c.value, c.value


class _Cells:
    def __init__(self, cells: list[KeyedCell]):
        self.operands = {(c.table, c.row, c.col): _operand(c) for c in cells}  # read once, summed many times

    def has_row(self, table, row):
        return any((table, row, col) in self.operands for col in T3_COLS + ["upheld"])


def _side(cells: _Cells, operands):
    strict, bz = 0.0, 0.0
    get = cells.operands.get
    for key in operands:
        s, z = get(key, _UNKNOWN)
        strict = None if s is None or strict is None else strict + s
        bz = None if z is None or bz is None else bz + z
    return strict, bz


def _compare(a, b):
    if a is None or b is None:
        return "uncertain"
    return "pass" if abs(a - b) < 1e-6 else "fail"


def _equation(rule, table, row, col, cells, left, right, detail) -> Check:
    ls, lz = _side(cells, left)
    rs, rz = _side(cells, right)
    strict, bz = _compare(ls, rs), _compare(lz, rz)
    if strict == "pass":
        status = "pass"
    elif strict == "fail":
        status = "fail"
    elif bz == "pass":
        status = "pass_if_blank_zero"
    elif bz == "fail":
        status = "fail"
    else:
        status = "uncertain"
    return Check(rule, table, row, col, status, strict, bz, ls, rs, lz, rz, detail)


def run_checks(cells_list: list[KeyedCell], template: str) -> list[Check]:
    cells = _Cells(cells_list)
    checks: list[Check] = []
    has_t3 = any(c.table == T3 for c in cells_list)
    has_t4 = any(c.table == T4 for c in cells_list)
    if has_t3:
        other = ["other_handling"] if template == "gb2019trial" or cells.has_row(T3, "other_handling") \
            and not cells.has_row(T3, "other_no_correction") else OTHER_2021
        leaves = ["granted", "partially_granted"] + DENIED + UNABLE + UNPROCESSED + other
        for col in T3_COLS:
            checks.append(_equation(  # an identity across four rows: row_key is NULL, the column is named
                "R1", T3, None, col, cells,
                [(T3, "new_received", col), (T3, "carried_in", col)],
                [(T3, "results_total", col), (T3, "carried_out", col)],
                "new_received + carried_in = results_total + carried_out"))
        for col in T3_COLS:
            checks.append(_equation(
                "R2", T3, "results_total", col, cells,
                [(T3, "results_total", col)], [(T3, r, col) for r in leaves],
                f"results_total = sum of the {len(leaves)} result rows"))
        rows = sorted({c.row for c in cells_list if c.table == T3}, key=_t3_order)
        for row in rows:
            checks.append(_equation(
                "R3", T3, row, "total", cells,
                [(T3, row, "total")], [(T3, row, c) for c in T3_ORG_COLS],
                "total = sum of the six applicant columns"))
    if has_t4:
        for rule, row in zip(("R4", "R5", "R6"), T4_ROWS):
            checks.append(_equation(
                rule, T4, row, "total", cells,
                [(T4, row, "total")], [(T4, row, p) for p in T4_PARTS],
                "total = upheld + corrected + other_result + pending"))
    checks.extend(_domain(cells_list))
    return checks


def _t3_order(row: str) -> int:
    from extract.keys import T3_ROWS
    order = T3_ROWS["gb2021"] + ["other_handling"]
    return order.index(row) if row in order else 99


def _domain(cells_list: list[KeyedCell]) -> list[Check]:
    """R7: T3/T4 cells are integers >= 0; T2 counts integers >= 0 (items_change signed); amounts decimals >= 0."""
    out = []
    for table in (T2, T3, T4):
        bad = []
        cells = [c for c in cells_list if c.table == table]
        if not cells:
            continue
        for c in cells:
            if c.status == "text":
                bad.append((c, "not a number"))
            elif c.status == "missing":
                continue
            elif c.status == "num" and c.value is not None:
                if c.col in SIGNED:
                    if not float(c.value).is_integer():
                        bad.append((c, "not an integer"))
                elif c.value < 0:
                    bad.append((c, "negative"))
                elif c.col not in DECIMAL and not float(c.value).is_integer():
                    bad.append((c, "not an integer"))
        for c, why in bad:
            out.append(Check("R7", table, c.row, c.col, "fail", "fail", "fail", c.value, None, c.value, None,
                             f"{why}: {c.raw!r}"))
        if not bad:
            out.append(Check("R7", table, None, None, "pass", "pass", "pass", None, None, None, None,
                             f"all {len(cells)} cells in domain"))
    return out
