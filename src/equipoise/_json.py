"""Making results ready for JSON, for every writer of it (the CLI's ``--json``, the main job's
files, the dashboard's API, the exports): one place, below the CLI and the presentation."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["clean", "shown_paths"]


def shown_paths(obj: Any) -> Any:
    """A file under a data folder is named by its path there (``kazakhstan/flows.csv``,
    ``sipri-arms-transfers/trade_register_1995_2024.csv.gz``, as the dashboard's API names
    them), a file under the working folder relative to it; other paths stay as the user gave
    them (:func:`equipoise.io.files.shown_path`)."""
    if isinstance(obj, str):
        if not obj.startswith("/"):
            return obj
        from .io.files import shown_path

        return shown_path(obj)
    if isinstance(obj, dict):
        return {k: shown_paths(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [shown_paths(v) for v in obj]
    return obj


def clean(obj: Any) -> Any:
    """``obj`` ready for JSON: NaN and infinities become None, keys strings, tuples lists,
    numpy scalars Python numbers."""
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):
        try:
            return clean(obj.item())
        except (ValueError, TypeError):
            return obj
    return obj
