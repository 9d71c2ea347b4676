"""Every CLI error names its input and the reason, exits 2, and creates nothing it was not asked to create."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def nianbao(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nianbao.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


CASES = [
    # (arguments, what the message must say)
    (["extract", "missing.txt", "--db", "new.db"], "error: missing.txt: no such file"),
    (["extract", "adir", "--db", "new.db"], "error: adir: is a directory"),
    (["crawl", "--portals", "missing.csv", "--db", "new.db"], "missing.csv: no such file"),
    (["portals", "import", "missing.csv", "--db", "new.db"], "missing.csv: no such file"),
    (["reextract", "--db", "typo.db"], "typo.db: no such archive"),
    (["status", "--db", "typo.db"], "typo.db: no such archive"),
    (["serve", "--db", "typo.db", "--prepare-only"], "typo.db: no such archive"),
    (["serve", "--publish-from", "typo.db", "--db", "new.db", "--prepare-only"], "typo.db: no such archive"),
    (["serve", "--publish-from", "notadb.txt", "--db", "new.db", "--prepare-only"], "notadb.txt: cannot be published"),
    (["schedule", "--portals", "missing.csv", "--once", "--db", "new.db"], "missing.csv: no such file"),
    (["schedule", "--job", "no_such_module_x:run", "--once", "--db", "new.db"], "--job no_such_module_x:run"),
    (["schedule", "--cron", "not a cron", "--once", "--db", "new.db"], "--cron not a cron: "),
]


@pytest.mark.parametrize("args, said", CASES, ids=[" ".join(a[:2]) + " " + a[2] for a, _ in CASES])
def test_error_names_input_and_reason(tmp_path, args, said):
    (tmp_path / "adir").mkdir()
    (tmp_path / "notadb.txt").write_text("not a database\n")
    proc = nianbao(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert said in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "typo.db").exists()
    if args[0] != "extract":  # extract creates its archive (its job); the others must not make one on an error
        assert not (tmp_path / "new.db").exists()


def test_version():
    proc = subprocess.run([sys.executable, "-m", "nianbao.cli", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("nianbao ")
