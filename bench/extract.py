"""Extraction throughput against the bare parse of the same input, per format, in one run; time per stage; memory.

    .venv/bin/python bench/extract.py [--repeat 20] [--rss 10000]

Corpora (all made from the seed reports, nothing invented):
  text       the five seed texts (plain-text reports)
  layouts    the seeds in every text layout of tests/fixtures/layouts (bars, markdown, box, PDF exports, ...)
  html       the five seed pages of the sample portals (crawler/sample_portals/content/html)
  wordpaste  the seeds as pages pasted from Word, 100–370 KB each (tests/fixtures/layouts/make_layouts.py)

For each corpus, in the same process and interleaved document by document, so both see the same machine:
  bare     the parse any reader of that input must do: lxml's HTML parse of the bytes; for text, decode + NFKC
  extract  extract.pipeline.extract_bytes (every stage, metadata included)
Figures are CPU time of this process (one core); each document's time is the best of --repeat runs (the machine
is shared: the minimum is the run the others disturbed least). Then the time of each stage of the pipeline, the
region resolution shown apart from the rest of metadata, and RSS sampled over --rss extractions (flat = no leak).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "layouts"))

import lxml.html  # noqa: E402

from extract import metadata, pipeline  # noqa: E402
from extract.checks import run_checks  # noqa: E402
from extract.decode import squash  # noqa: E402
from extract.formats import parse  # noqa: E402
from extract.keys import T2, T3, T4, map_active_disclosure, map_applications, map_review_litigation  # noqa: E402
from extract.sections import split_sections  # noqa: E402
from extract.soft_rules import soft_flags  # noqa: E402
from extract.tables import find_regions  # noqa: E402
from extract.template import detect_template  # noqa: E402


def corpus() -> dict[str, list[tuple[str, bytes]]]:
    import expected_seeds as E
    import make_layouts as M
    shared = Path(os.environ.get("NIANBAO_SHARED", ROOT.parent / "shared"))
    texts = sorted((shared / "seeds").glob("*.txt"))
    layouts = sorted((ROOT / "tests" / "fixtures" / "layouts").glob("*/*.txt"))
    htmls = sorted((ROOT / "crawler" / "sample_portals" / "content" / "html").glob("*.html"))
    return {
        "text": [(p.name, p.read_bytes()) for p in texts],
        "layouts": [(f"{p.parent.name}/{p.name}", p.read_bytes()) for p in layouts],
        "html": [(p.name, p.read_bytes()) for p in htmls],
        "wordpaste": [(f"{s}.html", M.wordpaste_html(s)) for s in E.SEED_IDS],
    }


def bare(fmt: str, data: bytes) -> None:
    if fmt in ("html", "wordpaste"):
        lxml.html.document_fromstring(data)
    else:
        unicodedata.normalize("NFKC", data.decode("utf-8"))


def best_cpu(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def throughput(docs: dict, repeat: int) -> None:
    print(f"{'corpus':10} {'docs':>4} {'KB/doc':>7} {'bare/s/core':>12} {'extract/s/core':>15} "
          f"{'bare ms':>8} {'extract ms':>10} {'ratio':>6}")
    for fmt, items in docs.items():
        t_bare = t_extract = 0.0
        for name, data in items:
            result = pipeline.extract_bytes(data, name)
            assert not result.errors, (name, result.errors)
            t_bare += best_cpu(lambda: bare(fmt, data), repeat)
            t_extract += best_cpu(lambda: pipeline.extract_bytes(data, name), repeat)
        n = len(items)
        kb = sum(len(d) for _, d in items) / n / 1000
        print(f"{fmt:10} {n:4d} {kb:7.0f} {n / t_bare:12.0f} {n / t_extract:15.0f} {1000 * t_bare / n:8.2f} "
              f"{1000 * t_extract / n:10.2f} {t_extract / t_bare:6.2f}")


def stages(docs: dict, repeat: int) -> None:
    """The pipeline's stages one by one (as extract.pipeline.extract_document runs them), ms per report."""
    resolve = getattr(metadata, "resolve_region", None)
    region_time = [0.0]
    if resolve is not None:
        def timed(*args, **kwargs):
            t0 = time.process_time()
            try:
                return resolve(*args, **kwargs)
            finally:
                region_time[0] += time.process_time() - t0
        metadata.resolve_region = timed
    # sections: with the matching form of every line (computed once, used by template and tables too)
    names = ["parse", "sections", "template", "tables", "keys", "checks", "metadata", "  of which region",
             "soft rules"]
    print(f"{'corpus':10} " + " ".join(f"{n.strip()[:12]:>12}" for n in names))
    for fmt, items in docs.items():
        totals = dict.fromkeys(names, 0.0)
        for name, data in items:
            best = dict.fromkeys(names, float("inf"))
            for _ in range(repeat):
                t = {}
                region_time[0] = 0.0
                t0 = time.process_time(); doc = parse(data, {}); t["parse"] = time.process_time() - t0
                t0 = time.process_time()
                keys = [squash(line.joined) for line in doc.lines]
                sections, headings = split_sections(doc, keys)
                t["sections"] = time.process_time() - t0
                t0 = time.process_time()
                template, _ = detect_template("".join(keys))
                t["template"] = time.process_time() - t0
                t0 = time.process_time(); regions = find_regions(doc, headings, keys)
                t["tables"] = time.process_time() - t0
                t0 = time.process_time()
                flags, cells = [], []
                for region in regions:
                    if region.table == T2:
                        cells += map_active_disclosure(region, template, flags)
                    elif region.table == T3:
                        cells += map_applications(region, template, flags)
                    elif region.table == T4:
                        cells += map_review_litigation(region, flags)
                t["keys"] = time.process_time() - t0
                t0 = time.process_time(); run_checks(cells, template); t["checks"] = time.process_time() - t0
                t0 = time.process_time(); meta = metadata.extract_metadata(doc, sections, {}, flags)
                t["metadata"] = time.process_time() - t0
                t["  of which region"] = region_time[0]
                t0 = time.process_time(); soft_flags(cells, sections, meta, template, None)
                t["soft rules"] = time.process_time() - t0
                for k in names:
                    best[k] = min(best[k], t[k])
            for k in names:
                totals[k] += best[k]
        print(f"{fmt:10} " + " ".join(f"{1000 * totals[k] / len(items):12.3f}" for k in names))
    if resolve is not None:
        metadata.resolve_region = resolve


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def memory(docs: dict, n: int) -> None:
    items = [(name, data) for group in docs.values() for name, data in group]
    samples = []
    for i in range(n):
        name, data = items[i % len(items)]
        pipeline.extract_bytes(data, name)
        if i % max(1, n // 10) == 0 or i == n - 1:
            samples.append((i + 1, rss_mib()))
    print("RSS over", n, "extractions (reports done: MiB):", ", ".join(f"{k}: {v:.1f}" for k, v in samples))
    first = samples[1][1] if len(samples) > 1 else samples[0][1]
    print(f"growth after the first {samples[1][0] if len(samples) > 1 else 1}: {samples[-1][1] - first:+.1f} MiB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--rss", type=int, default=10000)
    args = ap.parse_args()
    docs = corpus()
    pipeline.extract_bytes(docs["text"][0][1], "warm-up")  # load OpenCC and the region index once
    pipeline.extract_bytes(docs["wordpaste"][2][1], "warm-up")
    print("## reports per second per core (CPU time of this process; best of", args.repeat, "per document)")
    throughput(docs, args.repeat)
    print("\n## ms per report, by stage")
    stages(docs, max(3, args.repeat // 4))
    if args.rss:
        print("\n## memory")
        memory(docs, args.rss)


if __name__ == "__main__":
    main()
