"""Reading TOML request files with clear errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

from .errors import InputError


def read_toml(path: str | Path, *, what: str, error: type[Exception] = InputError) -> dict:
    """The parsed TOML file at ``path``; ``what`` names the file in errors ("shock file")."""
    p = Path(path)
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise error(f"{p}: no such {what}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{p}: not valid TOML: {exc}") from exc
