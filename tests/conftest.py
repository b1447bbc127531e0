"""Shared test helpers: paths to the bundled and test specs, and an in-process client."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from specmock import create_app

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
TEST_SPECS = Path(__file__).resolve().parent / "specs"


def client_for(spec: str | Path, **options) -> TestClient:
    options.setdefault("seed", 42)
    options.setdefault("quiet", True)
    return TestClient(create_app(spec, **options))


@pytest.fixture
def petstore() -> TestClient:
    return client_for("petstore", stateful=False)
