"""Start Datasette 0.65 on a prepared archive: read-only (immutable, with an inspect file), time- and
row-limited, with our metadata and plugin."""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from nianbao.serve import metadata as md
from storage.serving.prepare import inspect_is_current, inspect_path, is_stale, prepare, table_columns, write_inspect

PLUGINS_DIR = Path(__file__).with_name("plugins")
TEMPLATES_DIR = Path(__file__).with_name("templates")
SETTINGS = {
    "sql_time_limit_ms": 3000,   # no query (canned, ad hoc, facet) may hold a worker longer than this
    "facet_time_limit_ms": 500,
    "suggest_facets": "off",     # suggestions run a query per column on every table page: most of its latency
    "max_returned_rows": 3000,   # more is paged with _next; 3000 lets a canned query (the map) hold every county
    "default_page_size": 100,
    "allow_download": "off",     # the whole file can be large; the data is all reachable through the API
    "num_sql_threads": 3,
}


def ensure_ready(db_path: Path, *, force_prepare: bool = False) -> None:
    """Prepare when never prepared, when reports were extracted since, or when asked to; rewrite a stale
    inspect file."""
    if not db_path.exists():
        raise SystemExit(f"nianbao serve: database not found: {db_path}")
    if force_prepare or is_stale(db_path):
        from nianbao.cli import busy

        print(f"preparing {db_path} for serving …", file=sys.stderr)
        with busy(f"preparing {db_path}"):
            prepare(db_path)
    elif not inspect_is_current(db_path):
        write_inspect(db_path)


def datasette_args(db_path: Path, *, host: str, port: int, metadata_file: Path) -> list[str]:
    args = ["serve", "-i", str(db_path), "--inspect-file", str(inspect_path(db_path)),
            "--metadata", str(metadata_file), "--plugins-dir", str(PLUGINS_DIR),
            "--template-dir", str(TEMPLATES_DIR),
            "--host", host, "--port", str(port)]
    for key, value in SETTINGS.items():
        args += ["--setting", key, str(value)]
    return args


def write_metadata(db_path: Path, *, offline_map: bool, out_dir: Path, archive_dir: Path | None = None) -> Path:
    """archive_dir: where blobs/ and warc/ are (the working archive's directory when serving a published
    snapshot; default: beside db_path)."""
    meta = md.build_metadata(db_path.stem, table_columns(db_path),
                             tile_url=md.OFFLINE_TILES if offline_map else md.OSM_TILES)
    base = Path(archive_dir) if archive_dir else db_path.resolve().parent
    meta["plugins"]["nianbao"] = {"blobs": str(base / "blobs"), "warc": str(base / "warc")}
    out = out_dir / f"{db_path.stem}.metadata.json"
    out.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def serve(db_path: str | Path, *, host: str = "127.0.0.1", port: int = 8001, offline_map: bool = False,
          force_prepare: bool = False, archive_dir: str | Path | None = None) -> None:
    from datasette.cli import cli

    db_path = Path(db_path)
    ensure_ready(db_path, force_prepare=force_prepare)
    with tempfile.TemporaryDirectory(prefix="nianbao-serve-") as tmp:
        metadata_file = write_metadata(db_path, offline_map=offline_map, out_dir=Path(tmp), archive_dir=archive_dir)
        args = datasette_args(db_path, host=host, port=port, metadata_file=metadata_file)
        cli.main(args=args, prog_name="datasette", standalone_mode=True)
