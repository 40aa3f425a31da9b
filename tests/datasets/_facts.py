"""Helpers shared by the dataset tests: paths and the kz-facts sheet."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, SHARED_DATA

DATASET = ROOT / "src" / "equipoise" / "datasets" / "kazakhstan"
SCRIPT = ROOT / "scripts" / "derive_kazakhstan.py"
FACTS = SHARED_DATA.parent / "reference" / "kz-facts.md"


def facts_text() -> str:
    """kz-facts.md (under ../shared/reference); skips the test where it is absent."""
    if not FACTS.exists():
        pytest.skip(f"needs {FACTS} (../shared/reference beside the checkout); it is absent here")
    return FACTS.read_text(encoding="utf-8")


def shared_root() -> Path:
    """The folder holding data/ (the script's --shared)."""
    return SHARED_DATA.parent
