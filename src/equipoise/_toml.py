"""Reading TOML request files with clear errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

from .errors import InputError

MAX_TOML_BYTES = 16 * 2**20
"""Largest request/config TOML read (16 MiB; these files are a few KB)."""


def read_toml(path: str | Path, *, what: str, error: type[Exception] = InputError) -> dict:
    """The parsed TOML file at ``path``; ``what`` names the file in errors ("shock file").

    A missing file, a folder, a FIFO or device, a file over :data:`MAX_TOML_BYTES`, text that
    is not UTF-8 (with the line and column of the first bad byte), invalid TOML and tables
    nested too deeply each give ``error`` with the file's name.
    """
    import stat

    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError as exc:
        raise error(f"{p}: no such {what}") from exc
    except OSError as exc:
        raise error(f"{p}: cannot read the {what} ({exc.strerror or exc})") from exc
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{p}: is a folder; expecting a {what} (TOML)")
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{p}: is not a regular file; expecting a {what} (TOML)")
    if st.st_size > MAX_TOML_BYTES:
        raise error(f"{p}: {st.st_size:,} bytes; expecting a {what} of at most "
                    f"{MAX_TOML_BYTES:,} bytes")
    data = p.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(f"{p} line {line}, column {col}: byte 0x{data[exc.start]:02x} is not "
                    f"UTF-8; expecting a {what} in UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{p}: not valid TOML: {exc}") from exc
    except RecursionError:
        raise error(f"{p}: tables or arrays nested too deeply; expecting a flat {what}") from None
