"""Cost of the metadata stage alone (title, year, region, agency, dates): CPU time per report of
`extract.metadata.extract_metadata` on the seed texts and their HTML renderings, parsing and sectioning done once
beforehand and not timed.

    .venv/bin/python bench/metadata.py [--repeat 300] [--rounds 7]

Target (issue 12): the whole pipeline at >= 500 reports/s/core on plain-text reports, so this stage must stay
<= 0.2 ms per report. Also prints the cost of the region scan of the body alone (`regions.scan`).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extract.formats import parse  # noqa: E402
from extract import regions  # noqa: E402
from extract.metadata import extract_metadata  # noqa: E402
from extract.sections import split_sections  # noqa: E402


def corpus() -> dict[str, list[tuple[str, object, list]]]:
    shared = Path(os.environ.get("NIANBAO_SHARED", ROOT.parent / "shared"))
    paths = {"text": sorted((shared / "seeds").glob("*.txt")),
             "html": sorted((ROOT / "crawler" / "sample_portals" / "content" / "html").glob("*.html"))}
    out = {}
    for fmt, files in paths.items():
        out[fmt] = []
        for p in files:
            doc = parse(p.read_bytes(), {})
            out[fmt].append((p.name, doc, split_sections(doc)[0]))
    return out


def timed(fn, repeat: int, rounds: int) -> list[float]:
    """CPU seconds per call, one figure per round (the machine is shared: the best round is the stage's cost, the
    median what a busy machine gives)."""
    out = []
    for _ in range(rounds):
        t0 = time.process_time()
        for _ in range(repeat):
            fn()
        out.append((time.process_time() - t0) / repeat)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    docs = corpus()
    for _, doc, sections in docs["text"]:  # warm-up: division index, automaton, OpenCC
        extract_metadata(doc, sections, {}, [])
    print(f"{'format':6} {'seed':28} {'chars':>6} {'best ms':>8} {'median ms':>10} {'scan ms':>8}")
    for fmt, items in docs.items():
        best = median = scan = 0.0
        for name, doc, sections in items:
            body = "\n".join(s.text for s in sections)
            runs = sorted(timed(lambda: extract_metadata(doc, sections, {}, []), args.repeat, args.rounds))
            scans = timed(lambda: regions.scan(body), args.repeat, args.rounds)
            best, median, scan = best + runs[0], median + runs[len(runs) // 2], scan + min(scans)
            print(f"{fmt:6} {name:28} {len(body):6d} {1000 * runs[0]:8.3f} {1000 * runs[len(runs) // 2]:10.3f} "
                  f"{1000 * min(scans):8.3f}")
        n = len(items)
        print(f"{fmt:6} {'mean':28} {'':6} {1000 * best / n:8.3f} {1000 * median / n:10.3f} {1000 * scan / n:8.3f}")


if __name__ == "__main__":
    main()
