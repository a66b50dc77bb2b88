"""Every feature fixture's Python snapshot (generator/tests/fixtures/features/
<feature>/python) imports and builds its server and clients: the type check proves
they are typed, this proves pydantic accepts their models at run time."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from conftest import ROOT

FIXTURES = sorted(
    (ROOT / "generator" / "tests" / "fixtures" / "features").glob("*/python/src/*")
)


def test_most_fixtures_have_a_python_snapshot() -> None:
    assert len(FIXTURES) >= 15


@pytest.mark.parametrize("package", FIXTURES, ids=[p.name for p in FIXTURES])
def test_the_snapshot_imports_and_serves(package: Path) -> None:
    sys.path.insert(0, str(package.parent))
    try:
        module = importlib.import_module(package.name)
        importlib.import_module(f"{package.name}.client")
        importlib.import_module(f"{package.name}.fastapi")
        server = importlib.import_module(f"{package.name}.server")
        for name in dir(module.models):
            model = getattr(module.models, name)
            if isinstance(model, type) and hasattr(model, "model_json_schema"):
                model.model_json_schema()
        assert len(server.ROUTES) == len(module.operations.OPERATIONS)
    finally:
        sys.path.remove(str(package.parent))
