"""Reading TOML request files with clear errors."""

from __future__ import annotations

import re
import stat
import tomllib
from pathlib import Path

from .errors import InputError

#: Largest request file read (a request is a few hundred bytes).
MAX_TOML_BYTES = 1 << 20


def _text(p: Path, what: str, error: type[Exception]) -> str:
    try:
        st = p.stat()
    except FileNotFoundError:
        raise error(f"{p}: no such {what}") from None
    except OSError as exc:
        raise error(f"{p}: cannot read the {what} ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{p}: is a folder; expecting a {what} (TOML)")
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{p}: is not a regular file (a FIFO, socket or device); expecting a "
                    f"{what} (TOML)")
    if st.st_size > MAX_TOML_BYTES:
        raise error(f"{p}: {st.st_size:,} bytes; a {what} may have at most "
                    f"{MAX_TOML_BYTES:,} bytes")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise error(f"{p}: cannot read the {what} ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        hint = " (it looks like UTF-16)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise error(f"{p} line {line}, column {col}: byte 0x{data[exc.start]:02x} (byte "
                    f"{exc.start}) is not UTF-8{hint}; expecting a UTF-8 {what}") from None


def read_toml(path: str | Path, *, what: str, error: type[Exception] = InputError) -> dict:
    """The parsed TOML file at ``path``; ``what`` names the file in errors ("shock file").

    The file must be a regular UTF-8 file of at most :data:`MAX_TOML_BYTES`; a decoding or
    syntax error names the line and column.
    """
    p = Path(path)
    text = _text(p, what, error)
    if "\x00" in text:
        i = text.index("\x00")
        line = text.count("\n", 0, i) + 1
        raise error(f"{p} line {line}: a NUL character; expecting a text {what} (TOML)")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{p}: not valid TOML: {exc}") from None
    except RecursionError:
        raise error(f"{p}: tables or arrays nested too deeply; expecting a flat {what}") from None


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
