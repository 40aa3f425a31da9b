"""Shared bits of the docs and packaging tests: the repository root and the docs hook module."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOOK = ROOT / "docs" / "_hooks" / "equipoise_docs.py"


def load_hook():
    """The MkDocs hook module (it lives in docs/_hooks, outside any package)."""
    spec = importlib.util.spec_from_file_location("equipoise_docs_hook", HOOK)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def src_env(**extra: str) -> dict[str, str]:
    """The environment with this checkout's src/ first on PYTHONPATH."""
    env = dict(os.environ)
    old = env.get("PYTHONPATH")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *([old] if old else [])])
    env.update(extra)
    return env
