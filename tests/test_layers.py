"""The code's shape, checked: layers import one way (nianbao → crawler → storage → extract), the module import
graph has no cycle, only the storage layer opens the database, and docs/schema.md is what the schema says."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"extract": 0, "storage": 1, "crawler": 2, "nianbao": 3}


def modules() -> dict[str, Path]:
    out = {}
    for package in LAYERS:
        for path in (ROOT / package).rglob("*.py"):
            if "sample_portals" in path.parts:  # the test portals' server: not part of the product's layers
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Every product module this module imports, at module level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = name.split(".")[: len(name.split(".")) - node.level + (path.name == "__init__.py")]
                base = ".".join(pkg + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports(path, name, set(mods)) for name, path in mods.items()}


def test_layers_import_one_way():
    upward = [(a, b) for a, targets in graph().items() for b in targets
              if LAYERS[b.split(".")[0]] > LAYERS[a.split(".")[0]]]
    assert upward == []


def test_the_import_graph_has_no_cycle():
    g = graph()
    sys.setrecursionlimit(10_000)
    index, low, stack, on, cycles = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            # a package importing its own submodules (re-exports in __init__) is not a cycle of the design
            real = [m for m in component if not any(o.startswith(m + ".") for o in component)]
            if len(real) > 1:
                cycles.append(sorted(component))

    for v in g:
        if v not in index:
            visit(v)
    assert cycles == []


def test_only_the_storage_layer_opens_the_database():
    offenders = []
    for name, path in modules().items():
        if name.split(".")[0] == "storage":
            continue
        text = path.read_text(encoding="utf-8")
        if "sqlite3.connect" in text or "import sqlite3" in text or "sqlite_utils" in text:
            offenders.append(name)
    assert offenders == []


def test_docs_schema_md_is_rendered_from_the_schema():
    from storage import docs

    assert (ROOT / "docs" / "schema.md").read_text(encoding="utf-8") == docs.render(), \
        "docs/schema.md is stale: run `python -m storage.docs`"


def test_every_flag_kind_raised_is_declared():
    """docs/schema.md lists the flag kinds of extract.model.FLAG_KINDS (and the storage layer's own): a kind raised
    anywhere in the code but not declared there is a flag no reader can look up."""
    import re
    from extract.model import FLAG_KINDS
    from storage.reports import STORAGE_FLAG_KINDS
    raised = {}
    for path in [*ROOT.joinpath("extract").rglob("*.py"), *ROOT.joinpath("crawler").rglob("*.py"),
                 *ROOT.joinpath("storage").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        kinds = re.findall(r'Flag\(\s*"([a-z_]+)"', text)
        if path.parent.name == "formats":  # the parsers' (kind, detail, data) triples in doc.meta["flags"]
            kinds += re.findall(r'(?:\[|append\()\(\s*"([a-z_]+)",\s*f?"', text)
        for kind in kinds:
            raised.setdefault(kind, path.name)
    undeclared = {k: where for k, where in raised.items() if k not in FLAG_KINDS and k not in STORAGE_FLAG_KINDS}
    assert not undeclared, undeclared
