"""The manifest: what is on each sample portal — the contract with the crawler and its tests.

    python -m crawler.sample_portals.manifest          # rewrite manifest.json
    python -m crawler.sample_portals.manifest --check  # exit 1 if manifest.json is stale

`load()` returns the committed manifest.json (tests/test_sample_portals.py checks it equals `build()`).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

MANIFEST_PATH = Path(__file__).resolve().parent / "manifest.json"
DEFAULT_PORT_BASE = 18080


def build() -> dict:
    from .registry import build_portals

    return {
        "format": 1,
        "host": "127.0.0.1",
        "default_port_base": DEFAULT_PORT_BASE,
        "doc": "port = port base + port_offset; report `path`s are root-relative (Epoint: the showinfo shell, "
               "content via `fetch`); `year` = year reported on; `changes` = what the 'changed' variant edits/removes",
        "portals": [p.manifest() for p in build_portals()],
    }


def render() -> str:
    return json.dumps(build(), ensure_ascii=False, indent=1) + "\n"


def load() -> dict:
    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = MANIFEST_PATH.read_text(encoding="utf-8") if MANIFEST_PATH.exists() else ""
        if current != text:
            print(f"{MANIFEST_PATH} is stale: run python -m crawler.sample_portals.manifest", file=sys.stderr)
            return 1
        return 0
    MANIFEST_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {MANIFEST_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
