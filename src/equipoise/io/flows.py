"""Read and validate canonical flow files (CSV or Parquet).

A flow file has the columns ``year, reporter, partner, domain, indicator, product, value,
unit, source``: one row per measured flow, countries as ISO3, partner possibly a group code
(``EU27``) or ``WLD`` for the reporter's total. Every row is checked before any computation and
every problem is collected, not only the first:

==================  ==========================================================================
reason code         meaning
==================  ==========================================================================
``missing_value``   a required cell is empty
``bad_year``        year is not an integer in 1800..2100
``bad_value``       value is not a finite number
``negative_value``  value is below zero
``unknown_code``    reporter or partner is not an ISO3 code or a known group
``bad_reporter``    the reporter is ``WLD`` or ``OTH``
``self_partner``    partner equals reporter
``unknown_domain``  domain not in the domains table
``unknown_indicator`` indicator not in the indicators table
``domain_mismatch`` the indicator belongs to another domain
``unit_mismatch``   the unit differs from the indicator's unit
``duplicate_key``   same (year, reporter, partner, indicator, product) as an earlier row
``group_overlap``   a group and one of its members both appear for one indicator and year
==================  ==========================================================================

Strict mode (the default) raises :class:`~equipoise.errors.InputError` naming file, line,
column, the value seen and what was expected. Lenient mode moves bad rows to a quarantine; the
counts of read, loaded and quarantined rows always add up.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import reference
from ..errors import (
    DuplicateKeyError,
    InputError,
    SchemaError,
    UnknownCountryError,
    UnknownDomainError,
)

COLUMNS = ("year", "reporter", "partner", "domain", "indicator", "product", "value", "unit", "source")
KEY = ("year", "reporter", "partner", "indicator", "product")
QUARANTINE_COLUMNS = ("source", "line", "column", "value", "reason", "message")

_EXPECTED = {
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
}


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


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | s.astype(str).str.strip().eq("")


def _read_table(path: Path) -> pd.DataFrame:
    suffixes = "".join(path.suffixes).lower()
    if suffixes.endswith(".parquet") or suffixes.endswith(".pq"):
        df = pd.read_parquet(path)
        return df.astype(object).where(df.notna(), None).astype(str).replace("None", "")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True,
                           comment=None)
    except pd.errors.ParserError as exc:
        raise SchemaError(f"{path}: cannot parse as CSV: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise SchemaError(f"{path}: not UTF-8 text at byte {exc.start}") from exc


def _row_problems(df: pd.DataFrame, source: str, first_line: int) -> list[Problem]:
    """Cell-level checks, vectorised; ``df`` holds strings."""
    problems: list[Problem] = []
    lines = np.arange(len(df)) + first_line
    ind = reference.indicator_table()
    domains = set(reference.domain_list())
    known = reference.known_codes()

    def add(mask: pd.Series, column: str, reason: str, detail=None) -> None:
        for i in np.flatnonzero(mask.to_numpy()):
            value = str(df[column].iat[i])
            msg = f"{reason}: saw {value!r}, expected {_EXPECTED[reason]}"
            if detail is not None:
                msg += f" ({detail(i)})"
            problems.append(Problem(source, int(lines[i]), column, value, reason, msg))

    for col in ("year", "reporter", "partner", "domain", "indicator", "value", "unit", "source"):
        add(_blank(df[col]), col, "missing_value")

    year_num = pd.to_numeric(df["year"], errors="coerce")
    bad_year = ~_blank(df["year"]) & (year_num.isna() | (year_num % 1 != 0)
                                      | (year_num < 1800) | (year_num > 2100))
    add(bad_year, "year", "bad_year")

    value_num = pd.to_numeric(df["value"], errors="coerce")
    bad_value = ~_blank(df["value"]) & (value_num.isna() | ~np.isfinite(value_num.fillna(0)))
    add(bad_value, "value", "bad_value")
    add(~bad_value & (value_num < 0), "value", "negative_value")

    for col in ("reporter", "partner"):
        add(~_blank(df[col]) & ~df[col].isin(known), col, "unknown_code")
    add(df["reporter"].isin(["WLD", "OTH"]), "reporter", "bad_reporter")
    add(~_blank(df["partner"]) & (df["partner"] == df["reporter"]), "partner", "self_partner")

    add(~_blank(df["domain"]) & ~df["domain"].isin(domains), "domain", "unknown_domain")
    known_ind = df["indicator"].isin(ind.index)
    add(~_blank(df["indicator"]) & ~known_ind, "indicator", "unknown_indicator")
    exp_domain = df["indicator"].map(ind["domain"])
    add(known_ind & df["domain"].isin(domains) & (exp_domain != df["domain"]), "domain",
        "domain_mismatch", lambda i: f"indicator {df['indicator'].iat[i]!r} belongs to "
        f"{exp_domain.iat[i]!r}")
    exp_unit = df["indicator"].map(ind["unit"])
    add(known_ind & ~_blank(df["unit"]) & (exp_unit != df["unit"]), "unit", "unit_mismatch",
        lambda i: f"indicator {df['indicator'].iat[i]!r} is measured in {exp_unit.iat[i]!r}")
    return problems


def _key_problems(data: pd.DataFrame) -> list[Problem]:
    """Duplicate keys and group/member overlaps across all loaded rows (any file)."""
    problems: list[Problem] = []
    prod = data["product"].fillna("")
    keyed = data.assign(_product=prod)
    dup = keyed.duplicated(["year", "reporter", "partner", "indicator", "_product"], keep="first")
    if dup.any():
        first = keyed[~dup].set_index(["year", "reporter", "partner", "indicator", "_product"])
        for idx in np.flatnonzero(dup.to_numpy()):
            r = keyed.iloc[idx]
            k = (r["year"], r["reporter"], r["partner"], r["indicator"], r["_product"])
            f = first.loc[k]
            problems.append(Problem(
                r["file"], int(r["line"]), "partner", str(r["partner"]), "duplicate_key",
                f"duplicate_key: saw key (year={r['year']}, reporter={r['reporter']}, "
                f"partner={r['partner']}, indicator={r['indicator']}, product={r['_product']!r}) "
                f"already at {f['file']} line {int(f['line'])}; expected {_EXPECTED['duplicate_key']}"))
    clean = keyed[~dup]
    groups = reference.group_codes() - {"WLD", "OTH"}
    grp_rows = clean[clean["partner"].isin(groups)]
    for _, g in grp_rows.iterrows():
        members = set(reference.expand_group(g["partner"], int(g["year"])))
        same = clean[(clean["year"] == g["year"]) & (clean["reporter"] == g["reporter"])
                     & (clean["indicator"] == g["indicator"]) & (clean["_product"] == g["_product"])
                     & clean["partner"].isin(members)]
        for _, m in same.iterrows():
            problems.append(Problem(
                m["file"], int(m["line"]), "partner", str(m["partner"]), "group_overlap",
                f"group_overlap: saw {m['partner']!r}, a member of {g['partner']} which is also "
                f"given at {g['file']} line {int(g['line'])} for {g['indicator']} {g['year']}; "
                f"expected {_EXPECTED['group_overlap']}"))
    return problems


def _raise(problems: Sequence[Problem]) -> None:
    reasons = {p.reason for p in problems}
    cls = _ERROR_CLASS[next(iter(reasons))] if len(reasons) == 1 and next(iter(reasons)) in _ERROR_CLASS else InputError
    shown = "\n".join(f"  {p}" for p in problems[:20])
    more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
    raise cls(f"{len(problems)} problem(s) in flow input (use --lenient to quarantine bad rows "
              f"and load the rest):\n{shown}{more}", issues=list(problems))


def _quarantine_frame(problems: Sequence[Problem]) -> pd.DataFrame:
    """One row per rejected input row; several problems of a row are joined in ``message``."""
    if not problems:
        return pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
    by_row: dict[tuple[str, int], list[Problem]] = {}
    for p in problems:
        by_row.setdefault((p.source, p.line), []).append(p)
    rows = []
    for (src, line), ps in by_row.items():
        rows.append({"source": src, "line": line, "column": ps[0].column, "value": ps[0].value,
                     "reason": ps[0].reason, "message": "; ".join(p.message for p in ps)})
    return pd.DataFrame(rows, columns=list(QUARANTINE_COLUMNS))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["year"] = pd.to_numeric(out["year"]).astype("int64")
    out["value"] = pd.to_numeric(out["value"]).astype("float64")
    out["product"] = out["product"].where(~_blank(out["product"]), None)
    for col in ("reporter", "partner", "domain", "indicator", "unit", "source"):
        out[col] = out[col].astype(str).str.strip()
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


def _finalise(data: pd.DataFrame, quarantine: pd.DataFrame, *, lenient: bool) -> FlowSet:
    problems = _key_problems(data)
    if problems and not lenient:
        _raise(problems)
    if problems:
        bad = {(p.source, p.line) for p in problems}
        mask = [(f, ln) in bad for f, ln in zip(data["file"], data["line"], strict=True)]
        data = data[~np.asarray(mask, dtype=bool)]
        quarantine = pd.concat([quarantine, _quarantine_frame(problems)], ignore_index=True)
    data = data.reset_index(drop=True)
    if len(data):
        flows_contract().validate(data, lazy=True)
    return FlowSet(data=data, quarantine=quarantine.reset_index(drop=True),
                   counts={"read": len(data) + len(quarantine), "loaded": len(data),
                           "quarantined": len(quarantine)})


def _cell_text(v) -> str:
    """A cell as stripped text; None/NaN become empty; integral floats lose their '.0'."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v).strip()


def validate_frame(df: pd.DataFrame, *, source: str = "<frame>", lenient: bool = False,
                   first_line: int = 2) -> FlowSet:
    """Validate an in-memory table of canonical flows (string or typed cells).

    ``first_line`` is the file line of the first data row (2 for a CSV with a header).
    """
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise SchemaError(
            f"{source} line 1: missing column(s) {', '.join(map(repr, missing))}; "
            f"saw columns {list(df.columns)!r}, expected {list(COLUMNS)!r}")
    raw = df[list(COLUMNS)].copy()
    for c in COLUMNS:
        raw[c] = raw[c].map(_cell_text)
    problems = _row_problems(raw, source, first_line)
    if problems and not lenient:
        _raise(problems)
    raw["file"] = source
    raw["line"] = np.arange(len(raw)) + first_line
    bad_lines = {p.line for p in problems}
    good = raw[~raw["line"].isin(bad_lines)]
    quarantine = _quarantine_frame(problems)
    return _finalise(_typed(good), quarantine, lenient=lenient)


def read_flows(paths: str | Path | Iterable[str | Path], *, lenient: bool = False) -> FlowSet:
    """Read one or more canonical flow files (CSV or Parquet) into a validated :class:`FlowSet`.

    Parameters
    ----------
    paths
        A file, a folder (every ``*.csv`` and ``*.parquet`` in it), or several of these.
    lenient
        Quarantine bad rows instead of raising.

    Raises
    ------
    SchemaError
        A file lacks a column or cannot be parsed.
    InputError
        (strict mode) any row problem; the message names file, line, column, value and what
        was expected, for every problem found.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted([*p.glob("*.csv"), *p.glob("*.parquet")])
        elif p.exists():
            files.append(p)
        else:
            raise SchemaError(f"{p}: no such file or folder")
    if not files:
        raise SchemaError(f"no CSV or Parquet flow files found in {list(map(str, paths))}")
    all_problems: list[Problem] = []
    frames, quarantines = [], []
    for f in files:
        raw = _read_table(f)
        first_line = 1 if "".join(f.suffixes).lower().endswith((".parquet", ".pq")) else 2
        try:
            fs = validate_frame(raw, source=str(f), lenient=True, first_line=first_line)
        except InputError:
            raise
        frames.append(fs.data)
        quarantines.append(fs.quarantine)
        all_problems += [Problem(**{k: r[k] for k in QUARANTINE_COLUMNS})
                         for r in fs.quarantine.to_dict("records")]
    data = pd.concat(frames, ignore_index=True)
    if not lenient:
        key_problems = _key_problems(data)
        if all_problems or key_problems:
            _raise(all_problems + key_problems)
    return _finalise(data, pd.concat(quarantines, ignore_index=True), lenient=lenient)
