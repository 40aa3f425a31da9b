"""The one place where user files are opened: kind, size and encoding are checked first.

Every reader of a user file (flows CSV/Parquet, doctrine/action/request/config TOML, ...) goes
through :func:`check_input_file` (or :func:`read_text` / :func:`read_bytes`, which call it), so
that a missing file, a folder, a FIFO (which would block forever), a device such as
``/dev/zero`` (which never ends), a file over the size bound, a UTF-16 or Latin-1 text or a
binary file each give one clear :class:`~equipoise.errors.InputFileError` naming the file and,
for bad bytes, the line, column and byte offset. No traceback, no hang.

Size bounds (bytes; a caller may pass its own ``max_bytes``):

=====================  =========  ==========================================================
bound                  default    why
=====================  =========  ==========================================================
``MAX_TOML_BYTES``     16 MiB     doctrine, action, request and config files are hand-written
``MAX_FLOWS_BYTES``    1 GiB      about 15 million canonical rows; a bigger panel belongs in
                                  the warehouse (``equipoise ingest``), which reads in chunks
=====================  =========  ==========================================================

Paths in messages and in provenance are shown by :func:`display_path`: relative to the working
folder when the file is under it, otherwise as the user gave it (never made absolute).

Files written from input values go through :func:`write_csv`, which escapes cells a spreadsheet
would run as a formula (OWASP "CSV injection").
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .._results import fmt_fixed, fmt_number
from ..errors import InputFileError, OutputFileError

__all__ = [
    "MAX_FLOWS_BYTES",
    "MAX_TOML_BYTES",
    "check_input_file",
    "decode_utf8",
    "display_path",
    "escape_formula",
    "read_bytes",
    "read_text",
    "write_csv",
]

MAX_TOML_BYTES = 16 * 2**20
MAX_FLOWS_BYTES = 2**30

_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    (b"\xfe\xff", "UTF-16 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"),
)
_UTF8_BOM = b"\xef\xbb\xbf"


def display_path(path: str | Path) -> str:
    """``path`` as shown to the user: relative to the working folder when under it, else as given.

    A relative path stays as given; an absolute one under the working folder loses that prefix;
    any other absolute path is the user's own text and is kept.
    """
    p = Path(path)
    if not p.is_absolute():
        return str(path)
    try:
        return str(p.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def data_roots() -> list[str]:
    """The folders whose files are named relative to them in output: the package's datasets,
    ``$EQUIPOISE_SHARED_DATA`` (or ``../shared/data`` beside the checkout) and
    ``$EQUIPOISE_VOTES``; longest first, so the most specific root wins."""
    from .. import _defaults as where  # the data locations of equipoise.context

    roots = [where.DATASETS, where.shared_data_root()]
    votes = where.get(where.VOTES)
    if votes:
        roots.append(Path(votes) if Path(votes).is_dir() else Path(votes).parent)
    return sorted({os.path.abspath(r).rstrip("/") for r in roots}, key=len, reverse=True)


def shown_path(path: str) -> str:
    """An absolute ``path`` as output names it: relative to its data folder (see
    :func:`data_roots`) when under one, else relative to the working folder when under it, else
    unchanged (a path the user gave)."""
    if not path.startswith("/"):
        return path
    for root in data_roots():
        if path.startswith(root + "/"):
            return path[len(root) + 1:]
    return display_path(path)


def _a(word: str) -> str:
    """The indefinite article before ``word`` ("an action file", "a flows file")."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def _human(n: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{fmt_fixed(n / size, 1)} {unit}"
    return f"{n} bytes"


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def check_input_file(path: str | Path, *, what: str, max_bytes: int | None = None) -> Path:
    """``path`` as a :class:`~pathlib.Path` once it is known to be a readable regular file.

    Parameters
    ----------
    path
        The file as the user gave it.
    what
        What the file is, for messages ("flows file", "doctrine file").
    max_bytes
        Refuse a larger file (None: no bound).

    Raises
    ------
    InputFileError
        The file does not exist, is a folder, FIFO, device or socket, cannot be read, or is
        larger than ``max_bytes``.
    """
    p = Path(path)
    shown = display_path(p)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputFileError(f"{shown}: no such {what}") from None
    except NotADirectoryError:
        raise InputFileError(f"{shown}: no such {what} (a part of the path is a file, not a "
                             f"folder)") from None
    except PermissionError:
        raise InputFileError(f"{shown}: permission denied; cannot read this {what}") from None
    except OSError as exc:
        raise InputFileError(f"{shown}: cannot open this {what}: {exc.strerror or exc}") from None
    for test, kind in _KINDS:
        if test(st.st_mode):
            raise InputFileError(f"{shown}: is {kind}; expected {_a(what)} {what} (a regular file)")
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError(f"{shown}: is not a regular file; expected {_a(what)} {what}")
    if not os.access(p, os.R_OK):
        raise InputFileError(f"{shown}: permission denied; cannot read this {what}")
    if max_bytes is not None and st.st_size > max_bytes:
        raise InputFileError(f"{shown}: {_human(st.st_size)} ({fmt_number(st.st_size)} bytes), larger "
                             f"than the {_human(max_bytes)} allowed for {_a(what)} {what}")
    return p


def read_bytes(path: str | Path, *, what: str, max_bytes: int | None = None) -> bytes:
    """The bytes of a checked regular file (read at most ``max_bytes + 1``: a file growing
    while read is refused too)."""
    p = check_input_file(path, what=what, max_bytes=max_bytes)
    try:
        with p.open("rb") as fh:
            data = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputFileError(f"{display_path(p)}: cannot read this {what}: "
                             f"{exc.strerror or exc}") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise InputFileError(f"{display_path(p)}: more than the {_human(max_bytes)} allowed "
                             f"for {_a(what)} {what}")
    return data


def _locate(data: bytes, offset: int) -> tuple[int, int]:
    """(line, column) of byte ``offset``, both from 1; the column counts characters."""
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return line, column


def decode_utf8(data: bytes, *, where: str, what: str = "file") -> str:
    """``data`` as text: UTF-8, a leading UTF-8 byte-order mark dropped.

    Raises
    ------
    InputFileError
        A UTF-16/UTF-32 byte-order mark, a NUL byte (binary content) or bytes that are not
        UTF-8, located by line, column and byte offset (from 0), e.g. ``not UTF-8: byte 0xE9
        at line 5, column 12 (byte offset 305)``.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise InputFileError(f"{where}: the {what} is {name} text (byte-order mark "
                                 f"{bom.hex(' ').upper()}); expected UTF-8: save it as UTF-8")
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM):]
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _locate(data, nul)
        raise InputFileError(f"{where}: binary content, a NUL byte at line {line}, column {col} "
                             f"(byte offset {nul}); expected a UTF-8 text {what}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _locate(data, exc.start)
        bad = data[exc.start]
        hint = " (Latin-1 or Windows-1252 text? save it as UTF-8)" if bad >= 0x80 else ""
        raise InputFileError(f"{where}: not UTF-8: byte 0x{bad:02X} at line {line}, column {col} "
                             f"(byte offset {exc.start}); expected a UTF-8 text {what}"
                             f"{hint}") from None


def read_text(path: str | Path, *, what: str, max_bytes: int | None = None) -> str:
    """The text of a checked regular UTF-8 file (see :func:`check_input_file` and
    :func:`decode_utf8`)."""
    data = read_bytes(path, what=what, max_bytes=max_bytes)
    return decode_utf8(data, where=display_path(path), what=what)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """``value`` safe for a spreadsheet: text starting with ``= + - @``, a tab or a carriage
    return gets a leading single quote (OWASP CSV injection advice); other values unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(df, path: str | Path, *, what: str = "CSV file") -> Path:
    """Write ``df`` to ``path`` as CSV with every text cell passed through
    :func:`escape_formula`.

    Raises
    ------
    OutputFileError
        The folder does not exist, the path is a folder, or the file cannot be written.
    """
    import pandas as pd

    p = Path(path)
    shown = display_path(p)
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
            text = s.astype(object)
            risky = text.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START))
            if risky.any():
                out[col] = text.where(~risky, "'" + text[risky].astype(str))
    if p.is_dir():
        raise OutputFileError(f"{shown}: is a folder; expected a path for the {what}")
    if not p.parent.exists():
        raise OutputFileError(f"{shown}: the folder {display_path(p.parent)} does not exist; "
                              f"create it first or choose another path for the {what}")
    try:
        out.to_csv(p, index=False)
    except OSError as exc:
        raise OutputFileError(f"{shown}: cannot write the {what}: "
                              f"{exc.strerror or exc}") from None
    return p
