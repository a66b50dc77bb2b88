"""Shared helpers of the Python tests: the repository's paths and the vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"


def vectors() -> list[tuple[str, dict[str, Any]]]:
    """Every vector of `tests/vectors`, as (`Schema/case`, its JSON), sorted."""
    found = []
    for path in sorted(VECTORS.glob("*/*.json")):
        found.append(
            (f"{path.parent.name}/{path.stem}", json.loads(path.read_text("utf-8")))
        )
    return found
