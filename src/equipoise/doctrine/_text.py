"""Reading doctrine and action files: text, TOML and short values for error messages.

Every failure becomes the caller's named error (``DoctrineError``, ``ActionError``) saying what
was seen, where and what was expected, never a traceback: a missing file, a folder, a file that
is not UTF-8 (with the byte and line of the first bad byte), TOML that does not parse, TOML
nested too deeply to read.
"""

from __future__ import annotations

import reprlib
from pathlib import Path

from .._results import fmt_number

#: Problems listed in one error message; the rest are counted ("... and N more").
MAX_SHOWN = 20
#: Largest doctrine or action file read (an action at MAX_CHANGES flow changes is about 2 MB).
MAX_FILE_BYTES = 16 * 2**20

_repr = reprlib.Repr()
_repr.maxlevel = 3
_repr.maxstring = 100
_repr.maxother = 100
_repr.maxlist = _repr.maxtuple = _repr.maxset = _repr.maxdict = 8


def short(v) -> str:
    """A bounded ``repr`` of a value seen in a file (at most about 120 characters, 3 levels)."""
    return cut(_repr.repr(v), 160)


def cut(s: str, n: int = 300) -> str:
    """``s`` cut to ``n`` characters, so that one huge value cannot make a huge message."""
    return s if len(s) <= n else s[:n - 3] + "..."


def few(items, n: int = 10) -> str:
    """The first ``n`` items of a list for a message, with the count of the rest."""
    items = list(items)
    shown = ", ".join(short(x) for x in items[:n])
    return f"[{shown}{f', ... and {fmt_number(len(items) - n)} more' if len(items) > n else ''}]"


def read_text(path: str | Path, *, what: str, error: type[Exception]) -> str:
    """The UTF-8 text of a regular file, or ``error`` naming the file and the problem.

    The checks are the project's one file boundary, :func:`equipoise.io.files.read_text` (a
    regular file, not a folder, FIFO or device; at most :data:`MAX_FILE_BYTES`; UTF-8 with the
    line, column and byte of the first bad byte); its message becomes the caller's named error.
    """
    from ..errors import InputError
    from ..io import files

    try:
        return files.read_text(path, what=what, max_bytes=MAX_FILE_BYTES)
    except InputError as exc:
        raise error(str(exc)) from None


def load_toml(text: str, *, where: str, error: type[Exception]) -> dict:
    """The parsed TOML ``text``, or ``error`` naming ``where`` and the TOML problem (the
    project's one TOML parser, :func:`equipoise._toml.parse_toml`, with its nesting bound)."""
    from .._toml import parse_toml

    return parse_toml(text, where=where, error=error)
