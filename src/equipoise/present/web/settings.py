"""The dashboard's limits: defaults and the :class:`Settings` one app is built with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["MAX_ACTION_CHANGES", "MAX_UPLOAD_BYTES", "MAX_UPLOAD_ROWS", "QUEUE", "TIME_BUDGET",
           "WORKERS", "Settings"]

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_ROWS = 10_000
MAX_ACTION_CHANGES = 1_000
WORKERS = 2
QUEUE = 8
TIME_BUDGET = 60.0


@dataclass(frozen=True)
class Settings:
    """What one request may ask for and what the pages compute (see :func:`create_app`): the
    limits, the replicates and runs, and the world panel's warehouse."""

    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_upload_rows: int = MAX_UPLOAD_ROWS
    max_action_changes: int = MAX_ACTION_CHANGES
    alignment_reps: int = 300
    mc_runs: int = 20_000
    #: the warehouse holding the world panel (the trend and peers pages), or None
    panel_db: str | Path | None = None
