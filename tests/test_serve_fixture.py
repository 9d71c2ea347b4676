"""Builds the test archive for the serve tests (no tests of its own).

Real extraction of the five seed reports (/work/shared/seeds) through extract.pipeline + Archive, plus a few
hand-made reports with values chosen here, for what the seeds cannot show: several years of one county
(carry-over chain, S2 stock), departments, a failing check and a report with no search words.
"""
from __future__ import annotations

import os
from pathlib import Path

from extract.model import Check, ExtractionResult, KeyedCell, Metadata, Section
from storage import Archive, Sighting

SHARED = Path(os.environ.get("NIANBAO_SHARED") or Path(__file__).resolve().parents[1].parent / "shared")
SEEDS = SHARED / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []

# Hand-made: 城关区 (620102, Lanzhou) government 2021 and 2022, and its 财政局 department 2022.
HAND = "620102"


def _t3(new, carried_in, granted, denied_process, unable_not_held, carried_out):
    results = granted + denied_process + unable_not_held
    rows = {"new_received": new, "carried_in": carried_in, "granted": granted,
            "denied_process_info": denied_process, "unable_not_held": unable_not_held,
            "results_total": results, "carried_out": carried_out}
    return [KeyedCell("applications", r, c, float(v), str(v), "num")
            for r, v in rows.items() for c in ("natural_person", "total")]


def _t4(reviews, direct, after):
    return [KeyedCell("review_litigation", r, "total", float(v), str(v), "num")
            for r, v in (("admin_review", reviews), ("litigation_direct", direct),
                         ("litigation_after_review", after))]


def _t2(issued, repealed, in_force):
    return [KeyedCell("active_disclosure", "normative_docs", c, float(v), str(v), "num")
            for c, v in (("issued", issued), ("repealed", repealed), ("in_force", in_force))]


def hand_made() -> list[tuple[str, ExtractionResult]]:
    def result(name, year, agency, kind, published, cells, checks, text):
        from extract.agencies import agency_key
        from extract.dates import lateness

        deadline, days_late = lateness(published, year, kind)  # as the extractor's metadata stage states them
        meta = Metadata(title=f"{agency}{year}年政府信息公开工作年度报告", year=year, region_code=HAND,
                        region_name="城关区", province="甘肃省", prefecture="兰州市", region_source="hint",
                        agency=agency, agency_kind=kind, published_date=published, region_level="county",
                        agency_key=agency_key(agency, HAND), deadline=deadline, days_late=days_late)
        return name, ExtractionResult(source=name, template="gb2021", meta=meta, format="text",
                                      sections=[Section("overview", "一", "一、总体情况", text)],
                                      cells=cells, checks=checks)

    ok = [Check("R1", "applications", None, "total", "pass", "pass", "pass")]
    return [
        # 2021: 40 new + 2 carried in = 37 granted + 2 denied (process info) + 0 unable + 3 carried out.
        result("hand-2021", 2021, "兰州市城关区人民政府", "government", "2022-03-20",
               _t3(40, 2, 37, 2, 0, 3) + _t4(2, 1, 0) + _t2(4, 1, 20), ok,
               "本年度共收到政府信息公开申请40件。城关区深化政务公开。"),
        # 2022: carried in 5 although 2021 carried out 3 (S1 breaks); in force 22 = 20 + 3 - 1 (S2 holds);
        # published 2023-04-15, 15 days after 31 March; one failing check.
        result("hand-2022", 2022, "兰州市城关区人民政府", "government", "2023-04-15",
               _t3(50, 5, 48, 3, 1, 3) + _t4(1, 0, 1) + _t2(3, 1, 22),
               [Check("R3", "applications", "granted", "total", "fail", "fail", "fail", 48.0, 47.0, 48.0, 47.0,
                      "row total differs from the sum of its columns")],
               "本年度共收到申请50件，办理结果见下表。"),
        # A department: due 31 January; published 2023-02-10, 10 days late. Text without the test words.
        result("hand-dept-2022", 2022, "兰州市城关区财政局", "department", "2023-02-10",
               _t3(3, 0, 3, 0, 0, 0), ok, "财政预算执行情况良好。"),
    ]


def build_archive(db_path: Path) -> dict[str, str]:
    """Returns {name: report_id} for the seeds (by file name) and the hand-made reports."""
    from extract.pipeline import extract_bytes

    ids: dict[str, str] = {}
    archive = Archive(db_path)
    try:
        for path in SEED_FILES:
            data = path.read_bytes()
            result = extract_bytes(data, source=str(path), hints={"filename": path.name})
            doc = archive.add_document(data, path=str(path), url=f"http://127.0.0.1/seed/{path.name}")
            url = f"http://127.0.0.1/seed/{path.name}"
            ids[path.name] = archive.write_extraction(result, Sighting(url, [doc], url=url))
        for name, result in hand_made():
            doc = archive.add_document(name.encode(), path=name)
            ids[name] = archive.write_extraction(result, Sighting(name, [doc]))
    finally:
        archive.close()
    return ids


class Server:
    """`nianbao serve` as a real subprocess on a free loopback port."""

    def __init__(self, db_path: Path, *extra: str, env: dict | None = None):
        import os
        import socket
        import subprocess
        import sys
        import time
        import urllib.request

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = db_path.with_name("serve.log")
        self._log_fh = open(self.log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nianbao.cli", "serve", "--db", str(db_path), "--port", str(self.port),
             "--offline-map", *extra], stdout=self._log_fh, stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})})
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.base + "/-/versions.json", timeout=2):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("nianbao serve did not start:\n" + self.log.read_text(errors="replace"))
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except Exception:
                self.proc.kill()
        self._log_fh.close()
