from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "stacks" / "dev.yaml"


@pytest.fixture
def dev_data() -> dict[str, Any]:
    """The dev stack as plain data, a fresh copy for each test to mutate."""
    return copy.deepcopy(yaml.safe_load(DEV.read_text(encoding="utf-8")))


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
