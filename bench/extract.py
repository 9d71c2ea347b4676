"""Extraction throughput: reports per second per core on the seed texts and their HTML renderings.

    .venv/bin/python bench/extract.py [--repeat 40]

Runs in one process (= one core), repeating the corpus to get stable timings; reports peak memory (RSS).
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extract.pipeline import extract_bytes  # noqa: E402


def corpus() -> dict[str, list[tuple[str, bytes]]]:
    shared = Path(os.environ.get("NIANBAO_SHARED", ROOT.parent / "shared"))
    texts = sorted((shared / "seeds").glob("*.txt"))
    htmls = sorted((ROOT / "crawler" / "sample_portals" / "content" / "html").glob("*.html"))
    return {"text": [(p.name, p.read_bytes()) for p in texts], "html": [(p.name, p.read_bytes()) for p in htmls]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=40)
    args = ap.parse_args()
    docs = corpus()
    extract_bytes(docs["text"][0][1], "warm-up")  # load OpenCC and the region index once
    print(f"{'format':6} {'reports':>8} {'seconds':>8} {'reports/s/core':>15} {'ms/report':>10}")
    for fmt, items in docs.items():
        n = 0
        t0 = time.process_time()
        for _ in range(args.repeat):
            for name, data in items:
                result = extract_bytes(data, name)
                assert not result.errors, (name, result.errors)
                n += 1
        cpu = time.process_time() - t0
        print(f"{fmt:6} {n:8d} {cpu:8.2f} {n / cpu:15.1f} {1000 * cpu / n:10.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
