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
``unit_mismatch``      the unit differs from the indicator's unit
``duplicate_key``      same (year, reporter, partner, indicator, product) as an earlier row
``group_overlap``      a group and one of its members both appear for one indicator and year
=====================  =======================================================================

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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import reference
from ..errors import (
    DuplicateKeyError,
    InputError,
    InputFileError,
    SchemaError,
    UnknownCountryError,
    UnknownDomainError,
)
from .files import MAX_FLOWS_BYTES, decode_utf8, display_path, read_bytes

COLUMNS = ("year", "reporter", "partner", "domain", "indicator", "product", "value", "unit", "source")
KEY = ("year", "reporter", "partner", "indicator", "product")
QUARANTINE_COLUMNS = ("source", "line", "column", "value", "reason", "message")
#: problems listed in a strict-mode error message (all are in ``issues``)
MAX_LISTED = 20
#: characters of a cell shown in a message
_SHOW = 200

_EXPECTED = {
    "bad_field_count": "as many fields as the header",
    "unterminated_quote": "a closing quote for the quoted field opened on this line",
    "bad_quote": "a delimiter or the end of the line right after a closing quote",
    "missing_value": "a non-empty value",
    "bad_year": "an integer year between 1800 and 2100",
    "bad_value": "a finite number",
    "negative_value": "a number >= 0",
    "unknown_code": "an ISO3 country code or a known group (WLD, OTH, EU27, EAEU, ...)",
    "bad_reporter": "an ISO3 country code or a group other than WLD/OTH",
    "self_partner": "a partner different from the reporter",
    "unknown_domain": "one of the domains in the domains table",
    "unknown_indicator": "an indicator listed in the indicators table",
    "domain_mismatch": "the domain the indicators table gives for this indicator",
    "unit_mismatch": "the unit the indicators table gives for this indicator",
    "duplicate_key": "one row per (year, reporter, partner, indicator, product)",
    "group_overlap": "either a group or its members for one indicator and year, not both",
}

_ERROR_CLASS = {
    "unknown_code": UnknownCountryError,
    "bad_reporter": UnknownCountryError,
    "unknown_domain": UnknownDomainError,
    "unknown_indicator": UnknownDomainError,
    "domain_mismatch": UnknownDomainError,
    "duplicate_key": DuplicateKeyError,
    "bad_field_count": SchemaError,
    "unterminated_quote": SchemaError,
    "bad_quote": SchemaError,
}


def _show(value: str) -> str:
    """repr of a cell, cut to :data:`_SHOW` characters."""
    if len(value) <= _SHOW:
        return repr(value)
    return repr(value[:_SHOW]) + f"... ({len(value):,} characters)"


@dataclass(frozen=True)
class Problem:
    """One problem found in one cell of an input file."""

    source: str
    line: int
    column: str
    value: str
    reason: str
    message: str

    def __str__(self) -> str:
        return f"{self.source} line {self.line}, column {self.column!r}: {self.message}"


@dataclass
class FlowSet:
    """Validated flows with their quarantine and row counts.

    Attributes
    ----------
    data : DataFrame
        The loaded rows in canonical columns plus ``file`` and ``line`` (provenance).
    quarantine : DataFrame
        One row per rejected input row: source, line, column, value, reason, message.
    counts : dict
        ``read``, ``loaded`` and ``quarantined``; ``read == loaded + quarantined``.
    """

    data: pd.DataFrame
    quarantine: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
    )
    counts: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.counts:
            n = len(self.data)
            self.counts = {"read": n + len(self.quarantine), "loaded": n,
                           "quarantined": len(self.quarantine)}
        assert self.counts["read"] == self.counts["loaded"] + self.counts["quarantined"]

    def __len__(self) -> int:
        return len(self.data)

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
        out = s.astype(object).where(s.notna(), None)
        return out.map(lambda v: "" if v is None else str(int(v)))
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
    if isinstance(s.dtype, pd.StringDtype) or (
            s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) == "string"):
        return s.astype(object).where(s.notna(), "").astype(str).str.strip()
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


def _parse_problem(label: str, line: int, raw: str, reason: str, detail: str) -> Problem:
    raw = raw.rstrip("\r\n")
    return Problem(label, line, "(row)", raw[:_SHOW], reason,
                   f"{reason}: saw {detail}, expected {_EXPECTED[reason]}")


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
                                               "unterminated_quote",
                                               f"{_show(src.lines[start].rstrip())}"))
                src.pos = start + 1
            else:
                problems.append(_parse_problem(label, start + 1, raw, "bad_quote",
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
                label, start + 1, raw, "bad_field_count",
                f"{len(rec)} field(s) in {_show(raw.rstrip())}; the header has {len(header)}"))
            continue
        rows.append(rec)
        lines.append(start + 1)
    if header is None:
        raise SchemaError(f"{label}: no header line; expected the columns {', '.join(COLUMNS)}")
    df = pd.DataFrame(rows, columns=header, dtype=object) if rows else \
        pd.DataFrame({h: pd.Series(dtype=object) for h in header})
    return df, np.asarray(lines, dtype=np.int64), problems


_BLANK_LINE = re.compile(rb"\n[ \t\r]*\n")


def _parse_csv_fast(body: bytes, label: str
                    ) -> tuple[pd.DataFrame, np.ndarray, list[Problem]] | None:
    """pandas' C parser plus a vectorised scan for record start lines and field counts, or
    None when the file needs the record-by-record parser (lone CR, blank lines, an odd number
    of quotes, or pandas and the scan disagree)."""
    if not body or body[:1] in b" \t\r\n":
        return None
    if b"\r" in body and body.count(b"\r") != body.count(b"\r\n"):
        return None
    if _BLANK_LINE.search(body):
        return None
    nq = body.count(b'"')
    if nq % 2:
        return None
    arr = np.frombuffer(body, dtype=np.uint8)
    newline = arr == 10
    comma = arr == 44
    if nq:
        inside = np.bitwise_xor.accumulate((arr == 34).view(np.uint8)).view(bool)
        newline_all = newline
        newline = newline & ~inside
        comma = comma & ~inside
        ends = np.flatnonzero(newline)
        starts = np.concatenate([[0], ends + 1])
        rec_lines = np.searchsorted(np.flatnonzero(newline_all), starts) + 1
    else:
        ends = np.flatnonzero(newline)
        starts = np.concatenate([[0], ends + 1])
        rec_lines = np.arange(1, len(starts) + 1)
    fields = np.add.reduceat(comma, starts, dtype=np.int64) + 1
    fields[starts >= len(body)] = 1
    nfields = int(fields[0])
    ragged = np.flatnonzero(fields != nfields)
    problems: list[Problem] = []
    if len(ragged):
        stops = np.concatenate([starts[1:], [len(body)]])
        text_of = lambda i: body[starts[i]:stops[i]].decode("utf-8", errors="replace")  # noqa: E731
        for i in ragged:
            raw = text_of(i)
            problems.append(_parse_problem(
                label, int(rec_lines[i]), raw, "bad_field_count",
                f"{int(fields[i])} field(s) in {_show(raw.rstrip())}; the header has {nfields}"))
        keep = np.ones(len(starts), dtype=bool)
        keep[ragged] = False
        pieces = [body[starts[i]:stops[i]] for i in np.flatnonzero(keep)] if len(ragged) > 100 \
            else None
        if pieces is None:
            pieces, prev = [], 0
            for i in ragged:
                pieces.append(body[prev:starts[i]])
                prev = stops[i]
            pieces.append(body[prev:])
        body = b"".join(pieces)
        rec_lines = rec_lines[keep]
    try:
        df = pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False,
                         skipinitialspace=True, index_col=False, on_bad_lines="error",
                         comment=None)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    if len(df) != len(rec_lines) - 1 or len(df.columns) != nfields:
        return None
    df.columns = [str(c).strip() for c in df.columns]
    return df, rec_lines[1:].astype(np.int64), problems


def _read_csv(path: Path, label: str, max_bytes: int | None
              ) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    data = read_bytes(path, what="flows file", max_bytes=max_bytes)
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


def _problems(df: pd.DataFrame, mask, column: str, reason: str, source: str, lines: np.ndarray,
              detail: Callable[[np.ndarray], list[str]] | None = None) -> list[Problem]:
    idx = np.flatnonzero(np.asarray(mask, dtype=bool))
    if not len(idx):
        return []
    values = df[column].to_numpy(dtype=object)[idx]
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


def _row_problems(df: pd.DataFrame, source: str, first_line: int | np.ndarray) -> list[Problem]:
    """Cell-level checks, vectorised; ``df`` holds stripped strings. ``first_line`` is the line
    of the first row, or the line of every row."""
    lines = (np.asarray(first_line, dtype=np.int64) if np.ndim(first_line)
             else np.arange(len(df)) + first_line)
    ind = reference.indicator_table()
    domains = reference.domain_list()
    known = list(reference.known_codes())
    problems: list[Problem] = []

    def add(mask, column, reason, detail=None):
        problems.extend(_problems(df, mask, column, reason, source, lines, detail))

    blank = {c: df[c].eq("").to_numpy() for c in COLUMNS}
    for col in ("year", "reporter", "partner", "domain", "indicator", "value", "unit", "source"):
        add(blank[col], col, "missing_value")

    year_num = pd.to_numeric(df["year"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad_year = ~blank["year"] & (np.isnan(year_num) | (np.mod(year_num, 1) != 0)
                                     | (year_num < 1800) | (year_num > 2100))
    add(bad_year, "year", "bad_year")

    value_num = pd.to_numeric(df["value"], errors="coerce").to_numpy(dtype=float,
                                                                   na_value=np.nan)
    bad_value = ~blank["value"] & ~np.isfinite(value_num)
    add(bad_value, "value", "bad_value")
    with np.errstate(invalid="ignore"):
        add(~bad_value & (value_num < 0), "value", "negative_value")

    reporter, partner = df["reporter"], df["partner"]
    for col in ("reporter", "partner"):
        add(~blank[col] & ~df[col].isin(known).to_numpy(), col, "unknown_code")
    add(reporter.isin(["WLD", "OTH"]).to_numpy(), "reporter", "bad_reporter")
    add(~blank["partner"] & (partner == reporter).to_numpy(), "partner", "self_partner")

    domain, indicator = df["domain"], df["indicator"]
    known_domain = domain.isin(domains).to_numpy()
    add(~blank["domain"] & ~known_domain, "domain", "unknown_domain")
    known_ind = indicator.isin(ind.index).to_numpy()
    add(~blank["indicator"] & ~known_ind, "indicator", "unknown_indicator")
    ind_arr = indicator.to_numpy(dtype=object)
    exp_domain = indicator.map(ind["domain"]).to_numpy(dtype=object)
    add(known_ind & known_domain & (exp_domain != domain.to_numpy(dtype=object)), "domain",
        "domain_mismatch",
        lambda ix: [f"indicator {ind_arr[i]!r} belongs to {exp_domain[i]!r}" for i in ix])
    exp_unit = indicator.map(ind["unit"]).to_numpy(dtype=object)
    add(known_ind & ~blank["unit"] & (exp_unit != df["unit"].to_numpy(dtype=object)), "unit",
        "unit_mismatch",
        lambda ix: [f"indicator {ind_arr[i]!r} is measured in {exp_unit[i]!r}" for i in ix])
    return problems


def _member_table() -> pd.DataFrame:
    """group, member, first and last year of membership (open ends as +-10**6)."""
    gm = reference.load("group_members")
    groups = reference.group_codes() - {"WLD", "OTH"}
    gm = gm[gm["group"].isin(groups)]
    return pd.DataFrame({
        "group": gm["group"].astype(str).to_numpy(),
        "member": gm["member"].astype(str).to_numpy(),
        "start": gm["start_year"].astype("float").fillna(-10**6).to_numpy(),
        "end": gm["end_year"].astype("float").fillna(10**6).to_numpy(),
    })


def _key_check(data: pd.DataFrame) -> tuple[list[Problem], np.ndarray]:
    """Duplicate keys and group/member overlaps across all loaded rows (any file), vectorised;
    also the positions (in ``data``) of the rows they reject."""
    n = len(data)
    if n == 0:
        return [], np.zeros(0, dtype=np.int64)
    prod = data["product"].astype(object).where(data["product"].notna(), "").astype(str)
    year = data["year"].to_numpy()
    rep = data["reporter"].to_numpy(dtype=object)
    par = data["partner"].to_numpy(dtype=object)
    ind = data["indicator"].to_numpy(dtype=object)
    prd = prod.to_numpy(dtype=object)
    file = data["file"].to_numpy(dtype=object)
    line = data["line"].to_numpy()
    keyed = pd.DataFrame({"year": year, "reporter": rep, "partner": par, "indicator": ind,
                          "product": prd})
    codes = keyed.groupby(list(keyed.columns), sort=False, dropna=False).ngroup().to_numpy()
    _, first = np.unique(codes, return_index=True)
    first_of = first[codes]
    dup = first_of != np.arange(n)
    problems: list[Problem] = []
    for i in np.flatnonzero(dup):
        f = first_of[i]
        problems.append(Problem(
            file[i], int(line[i]), "partner", str(par[i]), "duplicate_key",
            f"duplicate_key: saw key (year={year[i]}, reporter={rep[i]}, partner={par[i]}, "
            f"indicator={ind[i]}, product={prd[i]!r}) already at {file[f]} line {int(line[f])}; "
            f"expected {_EXPECTED['duplicate_key']}"))
    bad = list(np.flatnonzero(dup))

    # group overlaps among the rows that are not duplicates, in the order of the group rows
    members = _member_table()
    clean = np.flatnonzero(~dup)
    cl = keyed.iloc[clean].assign(pos=clean)
    grp = cl[cl["partner"].isin(members["group"].unique())]
    if len(grp):
        mem = cl[cl["partner"].isin(members["member"].unique())]
        pairs = mem.merge(members, left_on="partner", right_on="member")
        pairs = pairs[(pairs["start"] <= pairs["year"]) & (pairs["end"] >= pairs["year"])]
        hits = pairs.merge(grp, left_on=["year", "reporter", "indicator", "product", "group"],
                           right_on=["year", "reporter", "indicator", "product", "partner"],
                           suffixes=("", "_g"))
        hits = hits.sort_values(["pos_g", "pos"], kind="stable")
        for m, g in zip(hits["pos"].to_numpy(), hits["pos_g"].to_numpy(), strict=True):
            problems.append(Problem(
                file[m], int(line[m]), "partner", str(par[m]), "group_overlap",
                f"group_overlap: saw {par[m]!r}, a member of {par[g]} which is also given at "
                f"{file[g]} line {int(line[g])} for {ind[g]} {year[g]}; "
                f"expected {_EXPECTED['group_overlap']}"))
            bad.append(m)
    return problems, np.unique(np.asarray(bad, dtype=np.int64))


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


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["year"] = pd.to_numeric(out["year"]).astype("int64")
    out["value"] = pd.to_numeric(out["value"]).astype("float64")
    out["product"] = out["product"].astype(object).where(out["product"].ne(""), None)
    for col in ("reporter", "partner", "domain", "indicator", "unit", "source"):
        out[col] = out[col].astype(str)
    out["line"] = out["line"].astype("int64")
    return out


def flows_contract():
    """The pandera contract every loaded flows table satisfies (checked after the row checks,
    as a guard on the loader itself): typed columns, ISO3/group codes, non-negative values."""
    import pandera.pandas as pa

    known = sorted(reference.known_codes())
    return pa.DataFrameSchema(
        {
            "year": pa.Column("int64", pa.Check.in_range(1800, 2100)),
            "reporter": pa.Column(str, pa.Check.isin(known)),
            "partner": pa.Column(str, pa.Check.isin(known)),
            "domain": pa.Column(str, pa.Check.isin(reference.domain_list())),
            "indicator": pa.Column(str, pa.Check.isin(list(reference.indicator_table().index))),
            "product": pa.Column(None, nullable=True),
            "value": pa.Column("float64", pa.Check.ge(0)),
            "unit": pa.Column(str),
            "source": pa.Column(str, pa.Check.str_length(min_value=1)),
        },
        strict=False,
        unique=["year", "reporter", "partner", "indicator", "product"],
        name="equipoise flows",
    )


def _finalise(data: pd.DataFrame, quarantine: pd.DataFrame, *, lenient: bool,
              problems: Sequence[Problem] = ()) -> FlowSet:
    """Key checks over ``data``; raise (strict) with ``problems`` found before, or quarantine."""
    key_problems, bad = _key_check(data)
    if not lenient and (problems or key_problems):
        _raise([*problems, *key_problems])
    if key_problems:
        keep = np.ones(len(data), dtype=bool)
        keep[bad] = False
        data = data[keep]
        quarantine = pd.concat([quarantine, _quarantine_frame(key_problems)], ignore_index=True)
    data = data.reset_index(drop=True)
    if len(data):
        flows_contract().validate(data, lazy=True)
    return FlowSet(data=data, quarantine=quarantine.reset_index(drop=True),
                   counts={"read": len(data) + len(quarantine), "loaded": len(data),
                           "quarantined": len(quarantine)})


def _check_cells(df: pd.DataFrame, source: str, lines: np.ndarray
                 ) -> tuple[pd.DataFrame, list[Problem]]:
    """(typed rows without cell problems, with ``file`` and ``line``; the cell problems)."""
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise SchemaError(
            f"{source} line 1: missing column(s) {', '.join(map(repr, missing))}; "
            f"saw columns {list(df.columns)!r}, expected {list(COLUMNS)!r}")
    raw = pd.DataFrame({c: _text_cells(df[c]).to_numpy(dtype=object) for c in COLUMNS})
    problems = _row_problems(raw, source, lines)
    raw["file"] = source
    raw["line"] = lines
    if problems:
        bad_lines = np.unique([p.line for p in problems])
        raw = raw[~np.isin(lines, bad_lines)]
    return _typed(raw), problems


def validate_frame(df: pd.DataFrame, *, source: str = "<frame>", lenient: bool = False,
                   first_line: int = 2, lines: Sequence[int] | None = None) -> FlowSet:
    """Validate an in-memory table of canonical flows (string or typed cells).

    ``first_line`` is the file line of the first data row (2 for a CSV with a header);
    ``lines`` gives the line of every row instead (a CSV with blank lines or quoted newlines).
    """
    lines_arr = (np.asarray(lines, dtype=np.int64) if lines is not None
                 else np.arange(len(df), dtype=np.int64) + first_line)
    good, problems = _check_cells(df, source, lines_arr)
    if problems and not lenient:
        _raise(problems)
    return _finalise(good, _quarantine_frame(problems), lenient=lenient)


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
    frames = []
    for f in files:
        src = name(f)
        raw, lines, parse_problems = _read_file(f, src, max_bytes)
        good, cell_problems = _check_cells(raw, src, lines)
        problems += parse_problems + cell_problems
        frames.append(good)
    data = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return _finalise(data, _quarantine_frame(problems), lenient=lenient, problems=problems)
