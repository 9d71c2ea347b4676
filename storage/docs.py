"""docs/schema.md, rendered from the declarations (storage.schema, storage.serving.relations, the extractor's
vocabularies), so the documentation cannot disagree with the code. A test renders it and compares.

    python -m storage.docs            rewrite docs/schema.md
"""
from __future__ import annotations

import sys
from pathlib import Path

from storage.schema import SCHEMA_VERSION, TABLES
from storage.serving.relations import DESCRIPTIONS

DOC = Path(__file__).resolve().parents[1] / "docs" / "schema.md"

GROUPS = [("archive", "The archive: originals and what was extracted from them"),
          ("crawl", "The crawl: the portal registry and the crawl log"),
          ("history", "History: versions and silent edits"),
          ("operations", "Operations")]

INTRO = f"""# The archive schema (`archive.db`)

Rendered from the declarations in `storage/schema.py` and `storage/serving/relations.py` by
`python -m storage.docs`; a test fails when this file and the code disagree. Schema version {SCHEMA_VERSION}
(`meta.schema_version`).

These table and column names are a public interface: Datasette queries and other people's scripts use them. They
are added to, never renamed. Beside the database, `blobs/ab/cd/<sha256>` keeps every original byte stream
(content-addressed: stored once, named by its SHA-256), so every report can be re-extracted (`nianbao reextract`)
and every number traced back to the bytes it came from.
"""

KEYS = """## Cell keys (spec §3)

`active_disclosure` rows regulations / normative_docs / admin_licensing / other_mgmt_services / admin_penalty /
admin_coercion / admin_fees / central_procurement × cols issued / repealed / in_force / decisions / fee_amount (2021)
and new_made / new_published / total_published / prev_year_items / items_change / procurement_items /
procurement_amount (2019 trial). `applications`: 25 rows (23 in the 2019 trial format, whose （六）其他处理 is the
single row `other_handling`) × natural_person / org_commercial / org_research / org_public_welfare /
org_legal_service / org_other / total. `review_litigation`: admin_review / litigation_direct /
litigation_after_review × upheld / corrected / other_result / pending / total.
"""


def _vocabulary(title: str, name: str) -> str:
    """A status or flag vocabulary the extractor declares (extract.model), when it declares it."""
    import extract.model as model

    values: dict[str, str] | None = getattr(model, name, None)
    if not values:
        return ""
    rows = "\n".join(f"| `{k}` | {v} |" for k, v in values.items())
    return f"## {title}\n\n| value | meaning |\n|---|---|\n{rows}\n"


def _table(t) -> str:
    rows = "\n".join(f"| {c.name} | {c.type} | {c.meaning} |" for c in t.columns)
    pk = ", ".join(t.pk)
    return f"### {t.name}\n\n{t.meaning}. Primary key: {pk}.\n\n| column | type | meaning |\n|---|---|---|\n{rows}\n" \
           + (f"\n{t.notes}\n" if t.notes else "")


def _served() -> str:
    base = {t.name for t in TABLES}
    out = ["## Built for serving\n",
           "Rebuilt by `nianbao serve --prepare` (storage.serving.prepare) from the tables above, never edited.\n"]
    for name, (meaning, cols) in sorted(DESCRIPTIONS.items()):
        if name in base:
            continue
        rows = "\n".join(f"| {c} | {m} |" for c, m in cols.items())
        out.append(f"### {name}\n\n{meaning}.\n\n| column | meaning |\n|---|---|\n{rows}\n")
    return "\n".join(out)


def render() -> str:
    parts = [INTRO]
    for group, title in GROUPS:
        parts.append(f"## {title}\n")
        parts += [_table(t) for t in TABLES if t.group == group]
    parts.append(KEYS)
    parts += [v for v in (_vocabulary("Cell statuses (cells.status)", "CELL_STATUSES"),
                          _vocabulary("Flag kinds (flags.kind)", "FLAG_KINDS")) if v]
    parts.append(_served())
    return "\n".join(p.rstrip() + "\n" for p in parts)


def main() -> int:
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
