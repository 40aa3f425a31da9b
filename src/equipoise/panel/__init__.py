"""The world panel: per-indicator partner shares for every state and year (``panel build``),
read back by ``panel show``, and the balance index built on it (``equipoise index``).

>>> from equipoise import panel
>>> report = panel.build("../shared/data", db="w.duckdb")     # doctest: +SKIP
>>> panel.show("KAZ", db="w.duckdb", domain="trade")          # doctest: +SKIP
"""

from __future__ import annotations

from .builder import COLUMNS, MIN_ROLLCALLS, BuildReport, build
from .datasets import DATASETS, default_data_dir
from .show import show

__all__ = ["COLUMNS", "DATASETS", "MIN_ROLLCALLS", "BuildReport", "build", "default_data_dir",
           "show"]
