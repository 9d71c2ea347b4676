import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def shared_dir() -> Path:
    """../shared beside the checkout (CI puts it there); NIANBAO_SHARED overrides."""
    return Path(os.environ.get("NIANBAO_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    path = shared_dir() / "seeds"
    if not path.is_dir():
        pytest.fail(f"seed reports not found at {path} (set NIANBAO_SHARED)")
    return path
