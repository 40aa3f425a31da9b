"""Helpers shared by the CLI modules."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer


def console():
    from rich.console import Console

    return Console()


def err_console():
    from rich.console import Console

    return Console(stderr=True)


def emit_json(obj: Any) -> None:
    """Write ``obj`` as JSON to stdout (NaN becomes null)."""
    sys.stdout.write(json.dumps(_clean(obj), indent=2, ensure_ascii=False, default=str) + "\n")


def _clean(obj: Any) -> Any:
    import math

    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):
        try:
            return _clean(obj.item())
        except (ValueError, TypeError):
            return obj
    return obj


def fail(message: str, code: int = 2) -> None:
    """Print an error to stderr and exit non-zero."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
