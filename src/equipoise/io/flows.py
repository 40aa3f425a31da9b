"""Read and validate canonical flow files (CSV or Parquet).

A flow file has the columns ``year, reporter, partner, domain, indicator, product, value,
unit, source``: one row per measured flow, countries as ISO3, partner possibly a group code
(``EU27``) or ``WLD`` for the reporter's total. Every row is checked before any computation and
every problem is collected, not only the first:

=====================  =======================================================================
reason code            meaning
=====================  =======================================================================
``bad_field_count``    the CSV record has more or fewer fields than the header (ragged row)
``unterminated_quote`` a quoted field opened on this line is never closed (the rest of the
                       file is read again from the next line)
``bad_quote``          a character other than a delimiter follows a closing quote
``missing_value``      a required cell is empty
``bad_year``           year is not an integer in 1800..2100
``bad_value``          value is not a finite number
``negative_value``     value is below zero
``unknown_code``       reporter or partner is not an ISO3 code or a known group
``bad_reporter``       the reporter is ``WLD`` or ``OTH``
``self_partner``       partner equals reporter
``unknown_domain``     domain not in the domains table
``unknown_indicator``  indicator not in the indicators table
``domain_mismatch``    the indicator belongs to another domain
``unit_mismatch``      the unit is neither the indicator's unit nor another unit of its
                       dimension in the units table (USD mn for USD bn is converted, t for
                       USD bn or EUR bn is refused)
``duplicate_key``      same (year, reporter, partner, indicator, product) as an earlier row
``group_overlap``      a group and one of its members both appear for one indicator and year
=====================  =======================================================================

Units: a row may give its value in any unit of the dimension of the indicator's unit (the
shipped units table, :func:`equipoise.reference.unit_table`: USD, USD thousand/mn/bn; t, kt, mt;
m3, mcm, bcm; TIV, TIV mn; %, share). Its value is converted to the indicator's unit
(``value * factor_given / factor_indicator``, vectorised) and its ``unit`` becomes the
indicator's; a unit of another dimension, or one not in the table that differs from the
indicator's, is ``unit_mismatch``.

Line numbers are the physical line of the file where the record starts (blank lines and
newlines inside quoted fields counted), from 1 with the header on its line; for Parquet the
row number from 1.

Strict mode (the default) raises :class:`~equipoise.errors.InputError` naming file, line,
column, the value seen and what was expected, for every problem (the message lists the first
20 and says how many more; ``issues`` holds them all). Lenient mode moves bad rows to a
quarantine, one entry per input row: ``reason`` lists every reason code of the row separated by
``;`` (in the order found), ``column`` and ``value`` are those of its first problem, and
``message`` gives every problem. The counts of read, loaded and quarantined rows always add up.

Files are opened through :mod:`equipoise.io.files` (a regular file of at most
:data:`~equipoise.io.files.MAX_FLOWS_BYTES`, UTF-8 text). Provenance (``file``) is the path as
the user gave it, relative to the working folder when under it, never made absolute.

The checks are vectorised (isin lookups against the reference tables, numeric coercion, group
overlaps as a join), so a million rows take seconds, not minutes.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import reference
from .._results import fmt_number
from ..errors import (
    DuplicateKeyError,
    InputError,
    InputFileError,
    SchemaError,
    UnknownCountryError,
    UnknownDomainError,
)
from ..schema import (
    FLOW_COLUMNS,
    FLOW_KEY,
    SET_QUARANTINE_COLUMNS,
    CountedSet,
    Reason,
    flows_contract,  # noqa: F401 - the pandera contract, declared with the columns
)
from .files import MAX_FLOWS_BYTES, decode_utf8, display_path, read_bytes

COLUMNS = FLOW_COLUMNS
KEY = FLOW_KEY
QUARANTINE_COLUMNS = SET_QUARANTINE_COLUMNS
#: problems listed in a strict-mode error message (all are in ``issues``)
MAX_LISTED = 20
#: characters of a cell shown in a message
_SHOW = 200

_EXPECTED = {
    Reason.BAD_FIELD_COUNT: "as many fields as the header",
    Reason.UNTERMINATED_QUOTE: "a closing quote for the quoted field opened on this line",
    Reason.BAD_QUOTE: "a delimiter or the end of the line right after a closing quote",
    Reason.MISSING_VALUE: "a non-empty value",
    Reason.BAD_YEAR: "an integer year between 1800 and 2100",
    Reason.BAD_VALUE: "a finite number",
    Reason.NEGATIVE_VALUE: "a number >= 0",
    Reason.UNKNOWN_CODE: "an ISO3 country code or a known group (WLD, OTH, EU27, EAEU, ...)",
    Reason.BAD_REPORTER: "an ISO3 country code or a group other than WLD/OTH",
    Reason.SELF_PARTNER: "a partner different from the reporter",
    Reason.UNKNOWN_DOMAIN: "one of the domains in the domains table",
    Reason.UNKNOWN_INDICATOR: "an indicator listed in the indicators table",
    Reason.DOMAIN_MISMATCH: "the domain the indicators table gives for this indicator",
    Reason.UNIT_MISMATCH: "a unit of the dimension of the indicator's unit (units table)",
    Reason.DUPLICATE_KEY: "one row per (year, reporter, partner, indicator, product)",
    Reason.GROUP_OVERLAP: "either a group or its members for one indicator and year, not both",
}

_ERROR_CLASS = {
    Reason.UNKNOWN_CODE: UnknownCountryError,
    Reason.BAD_REPORTER: UnknownCountryError,
    Reason.UNKNOWN_DOMAIN: UnknownDomainError,
    Reason.UNKNOWN_INDICATOR: UnknownDomainError,
    Reason.DOMAIN_MISMATCH: UnknownDomainError,
    Reason.DUPLICATE_KEY: DuplicateKeyError,
    Reason.BAD_FIELD_COUNT: SchemaError,
    Reason.UNTERMINATED_QUOTE: SchemaError,
    Reason.BAD_QUOTE: SchemaError,
}


def _show(value: str) -> str:
    """repr of a cell, cut to :data:`_SHOW` characters."""
    if len(value) <= _SHOW:
        return repr(value)
    return repr(value[:_SHOW]) + f"... ({fmt_number(len(value))} characters)"


@dataclass(frozen=True)
class Problem:
    """One problem found in one cell of an input file."""

    source: str
    line: int
    column: str
    value: str
    reason: str
    message: str

    def __post_init__(self) -> None:
        # a Reason is a str; keep the plain value, as written out
        object.__setattr__(self, "reason", str(self.reason))

    def __str__(self) -> str:
        return f"{self.source} line {self.line}, column {self.column!r}: {self.message}"


class FlowSet(CountedSet):
    """Validated flows with their quarantine and row counts (a :class:`~equipoise.schema.CountedSet`).

    Attributes
    ----------
    data : DataFrame
        The loaded rows in canonical columns plus ``file`` and ``line`` (provenance).
    quarantine : DataFrame
        One row per rejected input row: source, line, column, value, reason, message.
    counts : dict
        ``read``, ``loaded`` and ``quarantined``; ``read == loaded + quarantined``.
    """

    WHAT = "flow"

    def __repr__(self) -> str:
        c = self.counts
        return (f"FlowSet(read={c['read']}, loaded={c['loaded']}, "
                f"quarantined={c['quarantined']})")

    def concat(self, other: FlowSet, *, lenient: bool = False) -> FlowSet:
        """Both sets together, re-checked for duplicate keys and group overlaps."""
        return _finalise(pd.concat([self.data, other.data], ignore_index=True),
                         pd.concat([self.quarantine, other.quarantine], ignore_index=True),
                         lenient=lenient)

    def for_reporter(self, reporter: str) -> pd.DataFrame:
        return self.data[self.data["reporter"] == reporter]


# ---------------------------------------------------------------------------------------------
# reading files


def _text_cells(s: pd.Series) -> pd.Series:
    """A column as stripped text, vectorised: None/NaN become empty, integral floats lose '.0'
    (what ``_cell_text`` does cell by cell)."""
    if pd.api.types.is_bool_dtype(s):
        return s.map(_cell_text).astype(object)
    if pd.api.types.is_integer_dtype(s) and not isinstance(s.dtype, pd.CategoricalDtype):
        missing = s.isna().to_numpy(dtype=bool)
        text = s.fillna(0).astype("int64").astype(str).to_numpy(dtype=object)
        text[missing] = ""
        return pd.Series(text, index=s.index, dtype=object)
    if pd.api.types.is_float_dtype(s):
        x = s.to_numpy(dtype=float, na_value=np.nan)
        out = s.astype(str).to_numpy(dtype=object)
        fin = np.isfinite(x)
        integral = fin & (np.mod(x, 1, where=fin, out=np.ones_like(x)) == 0)
        small = integral & (np.abs(x, where=fin, out=np.full_like(x, np.inf)) < 2**53)
        out[small] = x[small].astype(np.int64).astype(str)
        big = integral & ~small
        if big.any():
            out[big] = [str(int(v)) for v in x[big]]
        out[np.isnan(x)] = ""
        return pd.Series(out, index=s.index, dtype=object)
    if isinstance(s.dtype, pd.StringDtype):
        return s.fillna("").str.strip()
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) == "string":
        return s.astype(object).where(s.notna(), "").astype("str").str.strip()
    return s.map(_cell_text)


def _cell_text(v) -> str:
    """A cell as stripped text; None/NaN become empty; integral floats lose their '.0'."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    try:
        if v is pd.NA or v is pd.NaT:
            return ""
    except TypeError:
        pass
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v).strip()


def _read_parquet(path: Path, label: str, max_bytes: int | None) -> pd.DataFrame:
    data = read_bytes(path, what="flows file", max_bytes=max_bytes)
    if not data:
        raise InputFileError(f"{label}: empty file; expected a Parquet file")
    if not (data.startswith(b"PAR1") and data.endswith(b"PAR1")):
        looks = data[:200].lstrip(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
        hint = (" (it looks like CSV text: name it .csv)" if "," in looks and "\x00" not in looks
                else "")
        raise InputFileError(f"{label}: not a Parquet file (it does not start and end with the "
                             f"Parquet mark PAR1){hint}; expected a Parquet file")
    try:
        return pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise SchemaError(f"{label}: cannot read as Parquet: {type(exc).__name__}: "
                          f"{str(exc)[:300]}") from None


class _Lines:
    """Physical lines fed to ``csv.reader``; ``pos`` is the index of the next line."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.pos = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.lines):
            raise StopIteration
        self.pos += 1
        return self.lines[self.pos - 1]


def _parse_problem(label: str, line: int, raw: str, reason: str, detail: str,
                   expected: str = "") -> Problem:
    raw = raw.rstrip("\r\n")
    return Problem(label, line, "(row)", raw[:_SHOW], reason,
                   f"{reason}: saw {detail}, expected {expected or _EXPECTED[reason]}")


def _dedupe(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in header:
        if h in seen:
            seen[h] += 1
            out.append(f"{h}.{seen[h]}")
        else:
            seen[h] = 0
            out.append(h)
    return out


def _parse_csv_slow(text: str, label: str) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    """The record-by-record parser (``csv`` module, strict quoting): exact physical line numbers,
    ragged rows and quote errors quarantined, an unterminated quote re-read from the next
    line."""
    src = _Lines(io.StringIO(text, newline="").readlines())
    opts = {"skipinitialspace": True, "strict": True}
    rd = csv.reader(src, **opts)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    while True:
        start = src.pos
        try:
            rec = next(rd)
        except StopIteration:
            break
        except csv.Error as exc:
            raw = "".join(src.lines[start:max(src.pos, start + 1)])
            if "unexpected end of data" in str(exc):
                problems.append(_parse_problem(label, start + 1, src.lines[start],
                                               Reason.UNTERMINATED_QUOTE,
                                               f"{_show(src.lines[start].rstrip())}"))
                src.pos = start + 1
            else:
                problems.append(_parse_problem(label, start + 1, raw, Reason.BAD_QUOTE,
                                               f"{_show(raw.rstrip())} ({exc})"))
            rd = csv.reader(src, **opts)
            continue
        if not rec or (len(rec) == 1 and not rec[0].strip()):
            continue  # a blank line is not a row
        if header is None:
            header = _dedupe([h.strip() for h in rec])
            continue
        if len(rec) != len(header):
            raw = "".join(src.lines[start:src.pos])
            problems.append(_parse_problem(
                label, start + 1, raw, Reason.BAD_FIELD_COUNT,
                f"{len(rec)} field(s) in {_show(raw.rstrip())}",
                f"{len(header)} fields, as many as the header"))
            continue
        rows.append(rec)
        lines.append(start + 1)
    if header is None:
        raise SchemaError(f"{label}: no header line; expected the columns {', '.join(COLUMNS)}")
    df = pd.DataFrame(rows, columns=header, dtype=object) if rows else \
        pd.DataFrame({h: pd.Series(dtype=object) for h in header})
    return df, np.asarray(lines, dtype=np.int64), problems


_WS_BYTES = (b"\t", b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\x1f")
_WS_UTF8 = (b"\xc2\x85", b"\xc2\xa0", b"\xe1\x9a\x80", b"\xe2\x80", b"\xe2\x81\x9f",
            b"\xe3\x80\x80")


def _needs_strip(body: bytes, arr: np.ndarray, bounds: np.ndarray, quoted: bool) -> bool:
    """Whether a cell may start or end with whitespace that str.strip would remove, once
    pandas has read ``body`` (``bounds``: positions of the commas and newlines). A false alarm
    only costs a strip."""
    if quoted or arr[0] == 32 or arr[-1] == 32:
        return True
    edge = np.concatenate([bounds - 1, bounds + 1])
    edge = edge[(edge >= 0) & (edge < len(arr))]
    if bool((arr[edge] == 32).any()):
        return True
    if any(c in body for c in _WS_BYTES):
        return True
    return not body.isascii() and any(c in body for c in _WS_UTF8)


_BLANK_AHEAD = re.compile(rb"\n(?=[ \t\r]*\n)")


def _read_arrow(body: bytes, *, multiline: bool) -> pd.DataFrame | None:
    """``body`` (a checked CSV: no blank or ragged records) read by pyarrow's multi-threaded
    parser, every column as text, in pandas' string dtype; None if pyarrow refuses it."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pcsv
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    first = body.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    names = next(csv.reader([first]))
    if len(set(names)) != len(names):
        return None
    try:
        table = pcsv.read_csv(
            io.BytesIO(body),
            parse_options=pcsv.ParseOptions(newlines_in_values=multiline),
            convert_options=pcsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return None
    if table.column_names != names:
        return None
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    return table.to_pandas(types_mapper={pa.string(): dtype}.get)


def _scan_records(body: bytes, nq: int):
    """Where the records of ``body`` start, outside quotes: ``(starts, rec_lines, fields,
    multiline, strip)`` (byte offsets, their 1-based line numbers, the field count of each,
    whether a quoted field spans lines, whether cells need stripping), or None when a quote
    neither opens nor closes a field (the strict record parser decides)."""
    arr = np.frombuffer(body, dtype=np.uint8)
    newlines = np.flatnonzero(arr == 10)
    commas = np.flatnonzero(arr == 44)
    strip = _needs_strip(body, arr, newlines, bool(nq)) or _needs_strip(body, arr, commas, False)
    if nq:  # a newline or comma between an odd and an even quote is inside a quoted field
        quotes = np.flatnonzero(arr == 34)
        # every quote must open a field (after a delimiter, line start, space or quote) or close
        # one (before a delimiter, line end or quote); else the strict record parser decides
        before = arr[np.maximum(quotes - 1, 0)]
        after = arr[np.minimum(quotes + 1, len(arr) - 1)]
        opens = (quotes == 0) | np.isin(before, (44, 10, 32, 34))
        closes = (quotes == len(arr) - 1) | np.isin(after, (44, 10, 13, 34))
        if not (opens | closes).all():
            return None
        ends = newlines[(np.searchsorted(quotes, newlines) & 1) == 0]
        multiline = len(ends) != len(newlines)
        commas = commas[(np.searchsorted(quotes, commas) & 1) == 0]
        starts = np.concatenate([[0], ends + 1])
        rec_lines = np.searchsorted(newlines, starts) + 1
    else:
        multiline = False
        starts = np.concatenate([[0], newlines + 1])
        rec_lines = np.arange(1, len(starts) + 1)
    del arr, newlines
    fields = np.diff(np.searchsorted(commas, np.append(starts, len(body)))) + 1
    return starts, rec_lines, fields, multiline, strip


def _nonblank(body: bytes, starts: np.ndarray) -> np.ndarray:
    """False for the blank records (only spaces, tabs, CR): a line after a newline outside
    quotes, or the first."""
    keep = np.ones(len(starts), dtype=bool)
    blank_at = np.asarray([m.start() for m in _BLANK_AHEAD.finditer(b"\n" + body)],
                          dtype=np.int64)
    if len(blank_at):
        pos = np.searchsorted(starts, blank_at)
        hit = (pos < len(starts)) & (starts[np.minimum(pos, len(starts) - 1)] == blank_at)
        keep[pos[hit]] = False
    return keep


def _drop_records(body: bytes, label: str, starts: np.ndarray, rec_lines: np.ndarray,
                  fields: np.ndarray, keep: np.ndarray, ragged: np.ndarray, nfields: int):
    """``body`` without the blank and ragged records (``keep`` False, updated in place), the
    line numbers of the records kept, and a problem per ragged record."""
    problems: list[Problem] = []
    stops = np.concatenate([starts[1:], [len(body)]])
    for i in ragged:
        raw = body[starts[i]:stops[i]].decode("utf-8", errors="replace")
        problems.append(_parse_problem(
            label, int(rec_lines[i]), raw, Reason.BAD_FIELD_COUNT,
            f"{int(fields[i])} field(s) in {_show(raw.rstrip())}",
            f"{nfields} fields, as many as the header"))
    keep[ragged] = False
    drop = np.flatnonzero(~keep)
    pieces, prev = [], 0
    for i in drop:
        pieces.append(body[prev:starts[i]])
        prev = stops[i]
    pieces.append(body[prev:])
    return b"".join(pieces), rec_lines[keep], problems


def _frame_of(body: bytes, *, nq: int, multiline: bool, strip: bool) -> pd.DataFrame | None:
    """The records of ``body`` (all of one field count) as text columns, Arrow's reader first,
    pandas' C parser when Arrow declines; None when pandas fails too."""
    df = None
    if not (nq and b' "' in body):  # pandas' skipinitialspace decides how ' "a,b"' splits
        df = _read_arrow(body, multiline=multiline)
    if df is None:
        try:
            df = pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False,
                             skipinitialspace=strip, index_col=False, on_bad_lines="error",
                             comment=None, skip_blank_lines=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
            return None
    return df


def _parse_csv_fast(body: bytes, label: str
                    ) -> tuple[pd.DataFrame, np.ndarray, list[Problem]] | None:
    """pandas' C parser plus a vectorised scan for record start lines, blank lines and field
    counts, or None when the file needs the record-by-record parser (a lone CR, an odd number
    of quotes, or pandas and the scan disagree). ``body`` has no trailing blank lines.
    Steps: scan records -> drop blank and ragged ones -> frame -> check against the scan."""
    if not body:
        return None
    if b"\r" in body and body.count(b"\r") != body.count(b"\r\n"):
        return None
    nq = body.count(b'"')
    if nq % 2:
        return None
    scan = _scan_records(body, nq)
    if scan is None:
        return None
    starts, rec_lines, fields, multiline, strip = scan
    keep = _nonblank(body, starts)
    nonblank = np.flatnonzero(keep)
    if not len(nonblank):
        return None
    nfields = int(fields[nonblank[0]])
    ragged = nonblank[fields[nonblank] != nfields]
    problems: list[Problem] = []
    if len(ragged) or not keep.all():
        body, rec_lines, problems = _drop_records(body, label, starts, rec_lines, fields, keep,
                                                  ragged, nfields)
    df = _frame_of(body, nq=nq, multiline=multiline, strip=strip)
    if df is None or len(df) != len(rec_lines) - 1 or len(df.columns) != nfields:
        return None
    df.columns = [str(c).strip() for c in df.columns]
    # pandas dropped the spaces before each field; strip the rest only where a cell can hold
    # any (quotes, whitespace before a delimiter or line end, other whitespace characters)
    if strip:
        for c in df.columns:
            df[c] = df[c].str.strip()
    df.attrs["stripped"] = True
    return df, rec_lines[1:].astype(np.int64), problems


def _read_csv(path: Path, label: str, max_bytes: int | None
              ) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    return _parse_csv_bytes(read_bytes(path, what="flows file", max_bytes=max_bytes), label)


def _parse_csv_bytes(data: bytes, label: str) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    text = decode_utf8(data, where=label, what="flows file")
    if not text.strip():
        raise SchemaError(f"{label}: empty file; expected a header line with the columns "
                          f"{', '.join(COLUMNS)} and one row per flow")
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    body = body.rstrip(b" \t\r\n")
    fast = _parse_csv_fast(body, label)
    if fast is not None:
        return fast
    return _parse_csv_slow(text, label)


def _is_parquet(path: Path) -> bool:
    return "".join(path.suffixes).lower().endswith((".parquet", ".pq"))


def _read_file(path: Path, label: str, max_bytes: int | None
               ) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    """(cells, line of each row, parse problems) of one flows file."""
    if _is_parquet(path):
        df = _read_parquet(path, label, max_bytes)
        return df, np.arange(len(df), dtype=np.int64) + 1, []
    return _read_csv(path, label, max_bytes)


# ---------------------------------------------------------------------------------------------
# checks


def _as_str(s: pd.Series) -> pd.Series:
    """A text column in pandas' string dtype (pyarrow-backed where available)."""
    return s if isinstance(s.dtype, pd.StringDtype) else s.astype("str")


def _lookup(s: pd.Series, values) -> np.ndarray:
    """Position of each cell of ``s`` in ``values`` (-1 where absent), vectorised."""
    values = [str(v) for v in values]
    arr = getattr(s.array, "_pa_array", None)
    if arr is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        out = pc.index_in(arr, value_set=pa.array(values, type=pa.string()))
        return np.asarray(pc.fill_null(out, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return pd.Index(values).get_indexer(s.astype(object))


_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def _to_float(s: pd.Series) -> np.ndarray:
    """``pd.to_numeric(s, errors="coerce")`` as float64, fast: plain decimal numbers are cast by
    pyarrow (the same doubles as pandas), anything else ("inf", "eight", "") goes through
    pandas itself, so the result is exactly pandas'."""
    arr = getattr(s.array, "_pa_array", None)
    if arr is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            return pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False).astype(float)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        plain = pc.match_substring_regex(arr, _PLAIN_NUMBER).to_numpy(zero_copy_only=False)
        plain = np.asarray(plain, dtype=bool)
        out = np.full(len(s), np.nan)
        if plain.any():
            out[plain] = pc.cast(pc.filter(arr, pa.array(plain)), pa.float64()).to_numpy(
                zero_copy_only=False)
        rest = np.flatnonzero(~plain)
        if len(rest):
            out[rest] = pd.to_numeric(s.iloc[rest].to_numpy(dtype=object), errors="coerce")
        return out
    return np.asarray(pd.to_numeric(s, errors="coerce"), dtype=float)


def _problems(df: pd.DataFrame, mask, column: str, reason: str, source: str, lines: np.ndarray,
              detail: Callable[[np.ndarray], list[str]] | None = None) -> list[Problem]:
    idx = np.flatnonzero(np.asarray(mask, dtype=bool))
    if not len(idx):
        return []
    values = df[column].iloc[idx].tolist()
    expected = _EXPECTED[reason]
    details = detail(idx) if detail is not None else None
    out = []
    for k, (i, v) in enumerate(zip(idx, values, strict=True)):
        v = str(v)
        msg = f"{reason}: saw {_show(v)}, expected {expected}"
        if details is not None:
            msg += f" ({details[k]})"
        out.append(Problem(source, int(lines[i]), column, v, reason, msg))
    return out


def _row_problems(df: pd.DataFrame, source: str, first_line: int | np.ndarray,
                  numbers: dict | None = None) -> list[Problem]:
    """Cell-level checks, vectorised; ``df`` holds stripped strings. ``first_line`` is the line
    of the first row, or the line of every row. ``numbers`` (if given) receives the parsed
    ``year`` and ``value`` as float arrays."""
    lines = (np.asarray(first_line, dtype=np.int64) if np.ndim(first_line)
             else np.arange(len(df)) + first_line)
    ind = reference.indicator_table()
    domains = pd.Index(reference.domain_list())
    known = list(reference.known_codes())
    problems: list[Problem] = []

    def add(mask, column, reason, detail=None):
        problems.extend(_problems(df, mask, column, reason, source, lines, detail))

    cols = {c: _as_str(df[c]) for c in COLUMNS}
    blank = {c: cols[c].eq("").to_numpy(dtype=bool) for c in COLUMNS}
    for col in ("year", "reporter", "partner", "domain", "indicator", "value", "unit", "source"):
        add(blank[col], col, Reason.MISSING_VALUE)

    year_num = _to_float(cols["year"])
    with np.errstate(invalid="ignore"):
        bad_year = ~blank["year"] & (np.isnan(year_num) | (np.mod(year_num, 1) != 0)
                                     | (year_num < 1800) | (year_num > 2100))
    add(bad_year, "year", Reason.BAD_YEAR)

    value_num = _to_float(cols["value"])
    bad_value = ~blank["value"] & ~np.isfinite(value_num)
    add(bad_value, "value", Reason.BAD_VALUE)
    with np.errstate(invalid="ignore"):
        add(~bad_value & (value_num < 0), "value", Reason.NEGATIVE_VALUE)
    if numbers is not None:
        numbers["year"], numbers["value"] = year_num, value_num

    reporter, partner = cols["reporter"], cols["partner"]
    for col in ("reporter", "partner"):
        add(~blank[col] & ~cols[col].isin(known).to_numpy(dtype=bool), col, Reason.UNKNOWN_CODE)
    add(reporter.isin(["WLD", "OTH"]).to_numpy(dtype=bool), "reporter", Reason.BAD_REPORTER)
    add(~blank["partner"] & (partner == reporter).to_numpy(dtype=bool), "partner",
        Reason.SELF_PARTNER)

    dom_code = _lookup(cols["domain"], domains)
    known_domain = dom_code >= 0
    add(~blank["domain"] & ~known_domain, "domain", Reason.UNKNOWN_DOMAIN)
    ind_pos = _lookup(cols["indicator"], ind.index)
    known_ind = ind_pos >= 0
    add(~blank["indicator"] & ~known_ind, "indicator", Reason.UNKNOWN_INDICATOR)
    ind_names = np.asarray(ind.index, dtype=object)
    exp_dom = np.asarray(ind["domain"], dtype=object)
    exp_dom_code = np.append(domains.get_indexer(ind["domain"]), -2)[ind_pos]
    add(known_ind & known_domain & (exp_dom_code != dom_code), "domain", Reason.DOMAIN_MISMATCH,
        lambda ix: [f"indicator {ind_names[ind_pos[i]]!r} belongs to "
                    f"{exp_dom[ind_pos[i]]!r}" for i in ix])
    # units: the indicator's own unit, or another unit of its dimension (converted below)
    ut = reference.unit_table()
    units = pd.Index(pd.unique(np.concatenate([ind["unit"].to_numpy(dtype=object),
                                               ut.index.to_numpy(dtype=object)])))
    exp_unit = np.asarray(ind["unit"], dtype=object)
    exp_unit_code = np.append(units.get_indexer(ind["unit"]), -2)[ind_pos]
    given = _lookup(cols["unit"], units)
    u_row = np.append(ut.index.get_indexer(units), -1)  # units position -> units table row
    u_dim = np.append(pd.Index(ut["dimension"].unique()).get_indexer(ut["dimension"]), -1)
    u_fac = np.append(ut["factor"].to_numpy(dtype=float), np.nan)
    e_row = np.append(ut.index.get_indexer(ind["unit"]), -1)[ind_pos]
    g_row = u_row[given]
    same = given == exp_unit_code
    convert = known_ind & ~same & (u_dim[g_row] >= 0) & (u_dim[g_row] == u_dim[e_row])
    add(known_ind & ~blank["unit"] & ~same & ~convert, "unit", Reason.UNIT_MISMATCH,
        lambda ix: [_unit_detail(ind_names[ind_pos[i]], exp_unit[ind_pos[i]], ut)
                    for i in ix])
    if numbers is not None:
        with np.errstate(invalid="ignore"):
            # multiply, then divide: exact for the decimal factors of the table
            numbers["value"] = np.where(convert, value_num * u_fac[g_row] / u_fac[e_row],
                                        value_num)
        numbers["unit"] = np.where(convert, exp_unit[ind_pos],
                                   cols["unit"].to_numpy(dtype=object))
    return problems


def _unit_detail(indicator: str, unit: str, ut: pd.DataFrame) -> str:
    """What a unit_mismatch expected: the indicator's unit, its dimension and the units of it."""
    if unit not in ut.index:
        return f"indicator {indicator!r} is measured in {unit!r}, which converts from no other unit"
    dim = ut.at[unit, "dimension"]
    same = ", ".join(ut.index[ut["dimension"] == dim])
    return (f"indicator {indicator!r} is measured in {unit!r}, dimension {dim}: "
            f"any of {same}")


def _member_table() -> pd.DataFrame:
    """group, member, first and last year of membership (open ends as +-10**6)."""
    gm = reference.load("group_members")
    groups = reference.group_codes() - {"WLD", "OTH"}
    gm = gm[gm["group"].isin(groups)]
    return pd.DataFrame({
        "group": gm["group"].astype(str).to_numpy(dtype=object),
        "member": gm["member"].astype(str).to_numpy(dtype=object),
        "start": gm["start_year"].astype("float").fillna(-10**6).to_numpy(),
        "end": gm["end_year"].astype("float").fillna(10**6).to_numpy(),
    })


def _codes(s: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes in order of first appearance, and the distinct values."""
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    return np.asarray(codes, dtype=np.int64), pd.Index(uniques)


def _combine(code_list: list[np.ndarray]) -> np.ndarray:
    """One int64 code per row for a tuple of code columns (order of first appearance)."""
    key = code_list[0].copy()
    for c in code_list[1:]:
        n = int(c.max()) + 1 if len(c) else 1
        m = int(key.max()) + 1 if len(key) else 1
        if m * n >= 2**62:  # re-number before the product could overflow
            key = pd.factorize(key)[0].astype(np.int64)
            m = int(key.max()) + 1
        key = key * n + c
    return pd.factorize(key)[0].astype(np.int64)


def _cells(data: pd.DataFrame, sub: np.ndarray, name: str, ix: np.ndarray) -> list:
    """Column ``name`` of the considered rows ``sub[ix]``, as a list."""
    return data[name].iloc[sub[ix]].tolist()


def _duplicate_problems(data: pd.DataFrame, sub: np.ndarray, d_ix: np.ndarray,
                        f_ix: np.ndarray) -> list[Problem]:
    """A duplicate_key problem for each row ``d_ix`` whose key was first seen at ``f_ix``."""
    cols = {c: _cells(data, sub, c, d_ix) for c in ("file", "line", "year", "reporter",
                                                    "partner", "indicator")}
    prds = ["" if v is None else v for v in data["product"].iloc[sub[d_ix]].tolist()]
    f_file, f_line = _cells(data, sub, "file", f_ix), _cells(data, sub, "line", f_ix)
    problems = []
    for k in range(len(d_ix)):
        par = cols["partner"][k]
        problems.append(Problem(
            cols["file"][k], int(cols["line"][k]), "partner", str(par), Reason.DUPLICATE_KEY,
            f"duplicate_key: saw key (year={cols['year'][k]}, reporter={cols['reporter'][k]}, "
            f"partner={par}, indicator={cols['indicator'][k]}, product={prds[k]!r}) "
            f"already at {f_file[k]} line {int(f_line[k])}; "
            f"expected {_EXPECTED['duplicate_key']}"))
    return problems


def _overlap_hits(c_par: np.ndarray, par_values: pd.Index, clean: np.ndarray,
                  year: np.ndarray, key4: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Among the ``clean`` rows, the member rows that a group row of the same year, reporter,
    indicator and product (``key4``) also covers: ``(member positions, group positions)`` in
    the order of the group rows; None when there is none to look for."""
    members = _member_table()
    par_pos = {v: i for i, v in enumerate(par_values)}
    members = members[members["group"].map(par_pos).notna()
                      & members["member"].map(par_pos).notna()]
    if not len(members):
        return None
    g_code = members["group"].map(par_pos).to_numpy(dtype=np.int64)
    m_code = members["member"].map(par_pos).to_numpy(dtype=np.int64)
    is_grp = clean & np.isin(c_par, g_code)
    is_mem = clean & np.isin(c_par, m_code)
    if not (is_grp.any() and is_mem.any()):
        return None
    mem = pd.DataFrame({"pos": np.flatnonzero(is_mem)})
    mem["par"] = c_par[mem["pos"]]
    mem["year"] = year[mem["pos"]]
    mem["k4"] = key4[mem["pos"]]
    pairs = mem.merge(pd.DataFrame({"par": m_code, "grp": g_code,
                                    "start": members["start"].to_numpy(),
                                    "end": members["end"].to_numpy()}), on="par")
    pairs = pairs[(pairs["start"] <= pairs["year"]) & (pairs["end"] >= pairs["year"])]
    grp = pd.DataFrame({"pos_g": np.flatnonzero(is_grp)})
    grp["grp"] = c_par[grp["pos_g"]]
    grp["k4"] = key4[grp["pos_g"]]
    hits = pairs.merge(grp, on=["k4", "grp"]).sort_values(["pos_g", "pos"], kind="stable")
    return hits["pos"].to_numpy(), hits["pos_g"].to_numpy()


def _overlap_problems(data: pd.DataFrame, sub: np.ndarray, m_ix: np.ndarray,
                      g_ix: np.ndarray) -> list[Problem]:
    """A group_overlap problem for each member row ``m_ix`` covered by group row ``g_ix``."""
    def col(name, ix):
        return _cells(data, sub, name, ix)

    m_file, m_line, m_par = col("file", m_ix), col("line", m_ix), col("partner", m_ix)
    g_file, g_line, g_par = col("file", g_ix), col("line", g_ix), col("partner", g_ix)
    g_ind, g_year = col("indicator", g_ix), col("year", g_ix)
    return [Problem(
        m_file[k], int(m_line[k]), "partner", str(m_par[k]), Reason.GROUP_OVERLAP,
        f"group_overlap: saw {m_par[k]!r}, a member of {g_par[k]} which is also "
        f"given at {g_file[k]} line {int(g_line[k])} for {g_ind[k]} "
        f"{g_year[k]}; expected {_EXPECTED['group_overlap']}") for k in range(len(m_ix))]


def _key_check(data: pd.DataFrame, rows: np.ndarray | None = None
               ) -> tuple[list[Problem], np.ndarray]:
    """Duplicate keys and group/member overlaps across the loaded rows (any file), vectorised;
    also the positions (in ``data``) of the rows they reject. ``rows``: positions of the rows
    to consider (default all)."""
    sub = np.arange(len(data)) if rows is None else np.asarray(rows, dtype=np.int64)
    n = len(sub)
    if n == 0:
        return [], np.zeros(0, dtype=np.int64)
    year = data["year"].to_numpy()[sub]
    c_year = _codes(data["year"])[0][sub]
    c_rep = _codes(_as_str(data["reporter"]))[0][sub]
    c_par, par_values = _codes(_as_str(data["partner"]))
    c_par = c_par[sub]
    c_ind = _codes(_as_str(data["indicator"]))[0][sub]
    c_prd = _codes(data["product"])[0][sub]
    key4 = _combine([c_year, c_rep, c_ind, c_prd])
    key = _combine([key4, c_par])  # codes in order of first appearance
    seen = np.maximum.accumulate(key)
    new = np.ones(n, dtype=bool)
    new[1:] = key[1:] > seen[:-1]
    first_of = np.flatnonzero(new)[key]  # code k first appears at the k-th new position
    dup = first_of != np.arange(n)

    problems: list[Problem] = []
    d_ix = np.flatnonzero(dup)
    if len(d_ix):
        problems += _duplicate_problems(data, sub, d_ix, first_of[d_ix])
    bad = [d_ix]
    # group overlaps among the rows that are not duplicates, in the order of the group rows
    hits = _overlap_hits(c_par, par_values, ~dup, year, key4)
    if hits is not None and len(hits[0]):
        problems += _overlap_problems(data, sub, *hits)
        bad.append(hits[0])
    return problems, sub[np.unique(np.concatenate(bad)).astype(np.int64)]


def _key_problems(data: pd.DataFrame) -> list[Problem]:
    """Duplicate keys and group/member overlaps across all loaded rows (any file)."""
    return _key_check(data)[0]


def _raise(problems: Sequence[Problem]) -> None:
    reasons = {p.reason for p in problems}
    one = next(iter(reasons)) if len(reasons) == 1 else None
    cls = _ERROR_CLASS.get(one, InputError) if one else InputError
    shown = "\n".join(f"  {p}" for p in problems[:MAX_LISTED])
    more = (f"\n  ... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED
            else "")
    raise cls(f"{len(problems)} problem(s) in flow input (use --lenient to quarantine bad rows "
              f"and load the rest):\n{shown}{more}", issues=list(problems))


def _quarantine_frame(problems: Sequence[Problem]) -> pd.DataFrame:
    """One row per rejected input row: every reason code of the row in ``reason`` (``;``),
    the first problem's column and value, every message in ``message``."""
    if not problems:
        return pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
    by_row: dict[tuple[str, int], list[Problem]] = {}
    for p in problems:
        by_row.setdefault((p.source, p.line), []).append(p)
    rows = []
    for (src, line), ps in by_row.items():
        reasons = list(dict.fromkeys(p.reason for p in ps))
        rows.append({"source": src, "line": line, "column": ps[0].column, "value": ps[0].value,
                     "reason": ";".join(reasons), "message": "; ".join(p.message for p in ps)})
    return pd.DataFrame(rows, columns=list(QUARANTINE_COLUMNS))


def _typed(df: pd.DataFrame, numbers: dict | None = None) -> pd.DataFrame:
    """Typed rows (year int64, value float64, product None when empty); ``numbers`` holds the
    year and value already parsed by the checks."""
    out = df.copy()
    if numbers is not None:
        out["year"] = numbers["year"].astype("int64")
        out["value"] = numbers["value"].astype("float64")
        if "unit" in numbers:
            out["unit"] = numbers["unit"]
    else:
        out["year"] = pd.to_numeric(out["year"]).astype("int64")
        out["value"] = pd.to_numeric(out["value"]).astype("float64")
    prod = out["product"]
    out["product"] = prod.astype(object).where(prod.ne("").to_numpy(dtype=bool), None)
    for col in ("reporter", "partner", "domain", "indicator", "unit", "source"):
        out[col] = _as_str(out[col])
    out["line"] = out["line"].astype("int64")
    return out


def _guard(data: pd.DataFrame) -> None:
    """A cheap check that the loader kept its promises (the properties of
    :func:`flows_contract`, which the tests check with pandera on every kind of file): typed
    columns, years in range, finite non-negative values, no empty code. A failure is a bug in
    this module, not bad input."""
    if not len(data):
        return
    year, value = data["year"].to_numpy(), data["value"].to_numpy()
    ok = (data["year"].dtype == "int64" and data["value"].dtype == "float64"
          and bool(((year >= 1800) & (year <= 2100)).all())
          and bool((np.isfinite(value) & (value >= 0)).all())
          and not any(bool(data[c].eq("").any()) for c in ("reporter", "partner", "domain",
                                                            "indicator", "unit", "source")))
    if not ok:
        raise AssertionError("equipoise flows loader: a loaded row breaks the flows contract")


def _finalise(data: pd.DataFrame, quarantine: pd.DataFrame, *, lenient: bool,
              problems: Sequence[Problem] = (), ok: np.ndarray | None = None) -> FlowSet:
    """Key checks over the rows of ``data`` marked ``ok`` (default all); raise (strict) with
    ``problems`` found before, or quarantine; keep the rows without any problem."""
    keep = np.ones(len(data), dtype=bool) if ok is None else np.asarray(ok, dtype=bool).copy()
    key_problems, bad = _key_check(data, None if ok is None else np.flatnonzero(keep))
    if not lenient and (problems or key_problems):
        _raise([*problems, *key_problems])
    if key_problems:
        keep[bad] = False
        quarantine = pd.concat([quarantine, _quarantine_frame(key_problems)], ignore_index=True)
    if not keep.all():
        data = data[keep]
    data = data.reset_index(drop=True)
    _guard(data)
    return FlowSet(data=data, quarantine=quarantine.reset_index(drop=True),
                   counts={"read": len(data) + len(quarantine), "loaded": len(data),
                           "quarantined": len(quarantine)})


def _check_cells(df: pd.DataFrame, source: str, lines: np.ndarray
                 ) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    """(every row typed, with ``file`` and ``line``; which rows have no cell problem; the cell
    problems). Rows with a problem keep their text but get year 0 and value 0 (they are
    dropped once, after the key checks)."""
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise SchemaError(
            f"{source} line 1: missing column(s) {', '.join(map(repr, missing))}; "
            f"saw columns {list(df.columns)!r}, expected {list(COLUMNS)!r}")
    if df.attrs.get("stripped"):
        raw = pd.DataFrame({c: _as_str(df[c]).reset_index(drop=True) for c in COLUMNS})
    else:
        raw = pd.DataFrame({c: _as_str(_text_cells(df[c])).reset_index(drop=True)
                            for c in COLUMNS})
    numbers: dict = {}
    problems = _row_problems(raw, source, lines, numbers)
    raw["file"] = source
    raw["line"] = lines
    ok = np.ones(len(raw), dtype=bool)
    if problems:
        ok = ~np.isin(lines, np.unique([p.line for p in problems]))
    numbers = {k: v if k == "unit" else np.where(ok, v, 0) for k, v in numbers.items()}
    return _typed(raw, numbers), ok, problems


def validate_frame(df: pd.DataFrame, *, source: str = "<frame>", lenient: bool = False,
                   first_line: int = 2, lines: Sequence[int] | None = None) -> FlowSet:
    """Validate an in-memory table of canonical flows (string or typed cells).

    ``first_line`` is the file line of the first data row (2 for a CSV with a header);
    ``lines`` gives the line of every row instead (a CSV with blank lines or quoted newlines).
    """
    lines_arr = (np.asarray(lines, dtype=np.int64) if lines is not None
                 else np.arange(len(df), dtype=np.int64) + first_line)
    data, ok, problems = _check_cells(df, source, lines_arr)
    if problems and not lenient:
        _raise(problems)
    return _finalise(data, _quarantine_frame(problems), lenient=lenient, ok=ok)


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted([*p.glob("*.csv"), *p.glob("*.parquet")])
        elif p.exists() or p.is_symlink():
            files.append(p)
        else:
            raise InputFileError(f"{display_path(p)}: no such flows file or folder")
    return files


def read_flows(paths: str | Path | Iterable[str | Path], *, lenient: bool = False,
               label: Callable[[Path], str] | None = None,
               max_bytes: int | None = MAX_FLOWS_BYTES) -> FlowSet:
    """Read one or more canonical flow files (CSV or Parquet) into a validated :class:`FlowSet`.

    Parameters
    ----------
    paths
        A file, a folder (every ``*.csv`` and ``*.parquet`` in it), or several of these.
    lenient
        Quarantine bad rows (ragged rows and quote errors included) instead of raising.
    label
        The provenance name of a file (``file`` column, messages); default: the path as given,
        relative to the working folder when under it (:func:`equipoise.io.files.display_path`).
    max_bytes
        Refuse a larger file (default 1 GiB; None: no bound).

    Raises
    ------
    InputFileError
        A file is missing, not a regular file (folder, FIFO, device), too large, not UTF-8
        text, or not a Parquet file though named so.
    SchemaError
        A file is empty, lacks a column or cannot be parsed.
    InputError
        (strict mode) row problems; the message names file, line, column, value and what
        was expected, for every problem found (the first 20 listed, all in ``issues``).
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = list(paths)
    files = _expand(paths)
    if not files:
        raise InputFileError(f"no CSV or Parquet flow files found in "
                             f"{[display_path(p) for p in paths]}")
    name = label or display_path
    problems: list[Problem] = []
    frames, oks = [], []
    for f in files:
        src = name(f)
        raw, lines, parse_problems = _read_file(f, src, max_bytes)
        data, ok, cell_problems = _check_cells(raw, src, lines)
        problems += parse_problems + cell_problems
        frames.append(data)
        oks.append(ok)
    data = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return _finalise(data, _quarantine_frame(problems), lenient=lenient, problems=problems,
                     ok=np.concatenate(oks))


def read_flows_bytes(data: bytes, *, source: str, lenient: bool = False,
                     max_bytes: int | None = MAX_FLOWS_BYTES) -> FlowSet:
    """Validate the bytes of one canonical flows CSV (an upload) exactly as :func:`read_flows`
    reads a file: UTF-8 checks with located errors, physical line numbers, ragged rows and quote
    errors quarantined (lenient) or reported (strict). ``source`` names it in messages and
    provenance."""
    if max_bytes is not None and len(data) > max_bytes:
        raise InputFileError(f"{source}: {fmt_number(len(data))} bytes, larger than the {fmt_number(max_bytes)} "
                             f"allowed for a flows file")
    raw, lines, parse_problems = _parse_csv_bytes(data, source)
    frame, ok, cell_problems = _check_cells(raw, source, lines)
    problems = parse_problems + cell_problems
    return _finalise(frame, _quarantine_frame(problems), lenient=lenient, problems=problems,
                     ok=ok)
