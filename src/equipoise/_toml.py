"""Reading TOML files (doctrine, action, request, config, corridor) with clear errors.

:func:`read_toml` opens the file through :mod:`equipoise.io.files` (a regular file of at most
16 MiB, UTF-8 text) and parses it with :func:`parse_toml`, which also refuses tables or arrays
nested deeper than :data:`MAX_DEPTH` (``tomllib`` would otherwise recurse until Python's
recursion limit: a ``RecursionError`` instead of a message).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from .errors import InputError
from .io.files import MAX_TOML_BYTES  # 16 MiB

#: deepest nesting of tables/arrays/inline tables accepted (hand-written files use 3-4)
MAX_DEPTH = 64

_OPEN = re.compile(r"[\[{]")


_TOKENS = re.compile(
    r'"""(?:\\.|[^\\])*?"""'  # multi-line basic string
    r"|'''.*?'''"  # multi-line literal string
    r'|"(?:\\.|[^"\\\n])*"'  # basic string
    r"|'[^'\n]*'"  # literal string
    r"|#[^\n]*"  # comment
    r"|^[ \t]*\[\[?[^\]\n]*\]"  # table header
    r"|[\[\]{}]",  # array / inline table
    re.S | re.M,
)


def _too_deep(text: str) -> tuple[int, int] | None:
    """(line, depth) of the first place nesting exceeds :data:`MAX_DEPTH`, or None.

    Counts the dotted keys of a table header (``[a.b.c]`` is 3 deep) and the open brackets and
    braces of values, outside strings and comments; an over-estimate only refuses absurd files.
    """
    if len(_OPEN.findall(text)) <= MAX_DEPTH and text.count(".") < MAX_DEPTH:
        return None
    depth = 0
    for m in _TOKENS.finditer(text):
        tok = m.group()
        c = tok[0]
        if c in "[{" and len(tok) == 1:
            depth += 1
        elif c in "]}":
            depth = max(0, depth - 1)
        elif tok.lstrip().startswith("["):
            depth = 0
            keys = tok.strip().strip("[]").count(".") + 1
            if keys > MAX_DEPTH:
                return text.count("\n", 0, m.start()) + 1, keys
            continue
        else:
            continue
        if depth > MAX_DEPTH:
            return text.count("\n", 0, m.start()) + 1, depth
    return None


def parse_toml(text: str, *, where: str, error: type[Exception] = InputError) -> dict:
    """The parsed TOML ``text``; ``where`` names it in errors.

    Raises ``error`` for invalid TOML (with tomllib's line and column) or nesting deeper than
    :data:`MAX_DEPTH`.
    """
    deep = _too_deep(text)
    if deep is not None:
        raise error(f"{where} line {deep[0]}: tables or arrays nested {deep[1]} deep; expected "
                    f"at most {MAX_DEPTH} levels")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{where}: not valid TOML: {exc}") from None
    except RecursionError:
        raise error(f"{where}: tables or arrays nested too deep to read; expected at most "
                    f"{MAX_DEPTH} levels") from None


def read_toml(path: str | Path, *, what: str, error: type[Exception] = InputError,
              max_bytes: int = MAX_TOML_BYTES) -> dict:
    """The parsed TOML file at ``path``; ``what`` names the file in errors ("shock file").

    The file must be a regular UTF-8 file of at most ``max_bytes``
    (:func:`equipoise.io.files.read_text`).
    Problems are raised as ``error`` (the reader's own error class) with the message of
    :class:`~equipoise.errors.InputFileError`.
    """
    from .io.files import display_path, read_text

    try:
        text = read_text(path, what=what, max_bytes=max_bytes)
    except InputError as exc:
        if isinstance(exc, error):
            raise
        raise error(str(exc)) from None
    return parse_toml(text, where=display_path(path), error=error)


def key_lines(path: str | Path, table: str | None = None) -> dict[str, int]:
    """Key -> line number of the ``key = value`` lines at the top of ``[table]`` (or at the top
    level), for error messages. Best effort: a key written as a dotted or quoted name, or in an
    inline table, is not found."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {}
    out: dict[str, int] = {}
    current = None
    for i, line in enumerate(text.splitlines(), start=1):
        t = line.strip()
        if t.startswith("["):
            current = t.strip("[] \t")
            continue
        m = re.match(r"([A-Za-z0-9_-]+)\s*=", t)
        if m and current == table:
            out.setdefault(m.group(1), i)
        elif m and table and current and current.startswith(table + "."):
            out.setdefault(current[len(table) + 1:], i)  # e.g. [simulate.probabilities]
    return out
