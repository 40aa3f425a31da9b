"""One validator for option vocabularies (``Literal`` types)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, get_args

from .errors import OptionError


def check_option(name: str, value: Any, allowed: Any) -> Any:
    """Return ``value`` if it is one of ``allowed`` (a ``Literal`` type or an iterable).

    >>> check_option("scale", "unit", ("unit", "10000"))
    'unit'
    """
    choices = get_args(allowed) if get_args(allowed) else tuple(allowed)
    if value not in choices:
        raise OptionError(f"{name}: expecting one of {choices!r}. Got {value!r}.")
    return value


def as_list(value: str | Iterable[str] | None) -> list[str] | None:
    """Split 'a,b' or pass a list through; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v).strip() for v in value]
