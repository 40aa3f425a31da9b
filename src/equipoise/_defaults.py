"""The constant half of :mod:`equipoise.context`: the embedded default, the environment
variables and where data are found.

Standard library only and importing nothing of the package, so the lowest layers can read it
without an import cycle (``io.files`` names files relative to the data folders; the engine and
the warehouse read their settings). No measure
reads the defaults: the focal state and the poles come from the caller, and code above the
lowest layers goes through :mod:`equipoise.context`, which re-exports every name here and
resolves inputs with them (``tests/cli/test_context.py`` checks that only it does).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_FOCAL = "KAZ"
"""The focal state when none is given: the embedded dataset's and the shipped doctrine's."""
DEFAULT_POLES = ("CHN", "RUS", "USA", "EU27")
"""The poles when none are given (the shipped doctrine's)."""

SHARED_DATA = "EQUIPOISE_SHARED_DATA"      # the shared data folder (UN votes, COW IGO, ICEWS)
VOTES = "EQUIPOISE_VOTES"                  # UN roll calls, a file or folder
IDEALPOINTS = "EQUIPOISE_IDEALPOINTS"      # the BSV ideal-point CSV
DB = "EQUIPOISE_DB"                        # the warehouse file
DB_MEMORY_LIMIT = "EQUIPOISE_DB_MEMORY_LIMIT"
TOKEN = "EQUIPOISE_TOKEN"                  # the dashboard's access token
DEBUG = "EQUIPOISE_DEBUG"                  # tracebacks in the CLI
SPARK_DRIVER_MEMORY = "EQUIPOISE_SPARK_DRIVER_MEMORY"

PACKAGE = Path(__file__).resolve().parent
DATASETS = PACKAGE / "datasets"
"""The package's embedded datasets."""
CHECKOUT_SHARED = PACKAGE.parents[1].parent / "shared" / "data"
"""``../shared/data`` beside the checkout (``src/equipoise`` -> the checkout's parent)."""


def get(name: str) -> str | None:
    """The value of the environment variable ``name``; None when unset or empty."""
    return os.environ.get(name) or None


def shared_data_root() -> Path:
    """Where the shared data are looked for: ``$EQUIPOISE_SHARED_DATA``, else ``../shared/data``
    beside the checkout (whether or not it exists)."""
    env = get(SHARED_DATA)
    return Path(env) if env else CHECKOUT_SHARED


def shared_data() -> Path | None:
    """The shared data folder if it exists. An explicit ``$EQUIPOISE_SHARED_DATA`` wins even
    when it points nowhere (that switches the copy beside the checkout off)."""
    root = shared_data_root()
    return root if root.is_dir() else None
