"""Shared test fixtures.

``shared_data`` points at ../shared/data beside the checkout (or $EQUIPOISE_SHARED_DATA) and
skips the test with a clear reason where it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("EQUIPOISE_SHARED_DATA", ROOT.parent / "shared" / "data"))

settings.register_profile("equipoise", derandomize=True, deadline=None, max_examples=100)
settings.load_profile("equipoise")

os.environ.setdefault("NO_COLOR", "1")
os.environ.setdefault("COLUMNS", "200")


def shared_path(*parts: str) -> Path:
    """Path under ../shared/data; skips the calling test when it is absent."""
    p = SHARED_DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"needs {p} (../shared/data beside the checkout, or set "
                    f"EQUIPOISE_SHARED_DATA); it is absent here")
    return p


@pytest.fixture
def shared_data() -> Path:
    return shared_path()
