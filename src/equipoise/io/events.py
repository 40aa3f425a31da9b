"""Events ledgers: the one validator of diplomatic events, for the embedded ledger and a user's.

``events`` table (:data:`~equipoise.schema.EVENT_COLUMNS`): date, actor, counterpart, kind,
domains, value_usd, source. :func:`check_events` checks every row against every rule below at
once (one vectorised mask per rule, no loop over rows) and returns an :class:`EventSet`: the
rows that pass, a quarantine of the rows that do not (one row per rejected input row, in the
one quarantine shape :data:`~equipoise.schema.SET_QUARANTINE_COLUMNS`, reasons from
:class:`~equipoise.schema.Reason`) and counts with ``read == loaded + quarantined``.

==================  ==================================================  =====================
rule                a row is rejected when                              reason
==================  ==================================================  =====================
required cells      date, actor, counterpart, kind or source is empty   ``missing_value``
                    (domains too with ``domains_required=True``)
date                not a real calendar date ``YYYY-MM-DD``,            ``bad_date``
                    ``YYYY-MM`` or ``YYYY`` with a year in 1800..2100
                    (:func:`~equipoise.schema.event_date_problem`, the
                    one date rule, an action file's too); with
                    ``month=True`` the month is required
actor               not an ISO3 code or a partner group                 ``unknown_code``
counterpart         not an ISO3 code, a group or an organisation code   ``unknown_code``
                    (:func:`equipoise.reference.organisation_codes`)
self                counterpart equal to the actor                      ``self_counterpart``
kind                not one of :data:`~equipoise.schema.EVENT_KINDS`    ``unknown_kind``
                    once normalised (:func:`normalise_kinds`: "state
                    visit" is ``state_visit``, "working visit"
                    ``visit``, "phone call" ``call``)
domains             a ``;``-separated part not in the domains table     ``unknown_domain``
value_usd           given, and not a finite number >= 0                 ``bad_value``
source              with ``sources=``: not one of those ids             ``unknown_source``
==================  ==================================================  =====================

The embedded ledger (:func:`equipoise.datasets.load_events`) is checked with
``month=True, domains_required=True, sources=<the ids of its sources.csv>``; a user's ledger
(:func:`read_events`) with the defaults. Strict mode raises one
:class:`~equipoise.errors.InputError` whose message lists the problems (the first
:data:`MAX_LISTED`, each as ``<file> line <n>, column '<c>': saw '<value>', expected <what>``)
and whose ``issues`` holds every problem as a record (source, line, column, value, reason,
message); lenient mode quarantines.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from .. import reference
from .._results import fmt_number
from ..errors import InputError, SchemaError
from ..schema import (
    EVENT_COLUMNS,
    EVENT_DATE_EXPECTED,
    EVENT_KINDS,
    EVENT_MONTH_EXPECTED,
    SET_QUARANTINE_COLUMNS,
    CountedSet,
    Reason,
    event_date_problem,
    event_date_problems,
)

__all__ = ["EVENTS_MAX_BYTES", "KIND_ALIASES", "MAX_LISTED", "EventSet", "check_events",
           "normalise_kinds", "read_events"]

#: other names of the event kinds, after lower-casing and joining words with ``_``
KIND_ALIASES = {"official_visit": "visit", "working_visit": "visit", "meeting": "talks",
                "phone_call": "call", "telephone_call": "call", "negotiations": "talks"}
#: problems listed in a strict-mode error message (``issues`` holds them all)
MAX_LISTED = 20
#: characters of a cell shown in a message
_SHOW = 200
#: the cells every event needs
_REQUIRED = ("date", "actor", "counterpart", "kind", "source")


class EventSet(CountedSet):
    """Validated events with quarantine and counts (``read == loaded + quarantined``).

    ``data`` holds the event columns (text stripped, ``kind`` normalised, ``domains`` ``""``
    when none, ``value_usd`` float, NaN when not given), ``year`` (int), ``line`` (the line in
    the file) and ``file``.
    """

    WHAT = "event"


def normalise_kinds(kinds: pd.Series) -> pd.Series:
    """Event kinds as the ledger stores them: lower case, words joined by ``_``, aliases
    (:data:`KIND_ALIASES`) replaced; missing stays missing."""
    k = kinds.astype("string").str.strip().str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    return k.replace(KIND_ALIASES)


def _expected(*, month: bool, domains: list[str]) -> dict[tuple[str, Reason], str]:
    """What each (column, reason) expects, as the messages say it (a missing required cell:
    "a non-empty value")."""
    return {
        ("date", Reason.BAD_DATE): EVENT_MONTH_EXPECTED if month else EVENT_DATE_EXPECTED,
        ("actor", Reason.UNKNOWN_CODE): "an ISO3 country code or a partner group (EU27, ...)",
        ("counterpart", Reason.UNKNOWN_CODE): "an ISO3 code, a partner group (EU27) or an "
                                              "organisation code (SCO, CSTO, ...)",
        ("counterpart", Reason.SELF_COUNTERPART): "a counterpart other than the actor",
        ("kind", Reason.UNKNOWN_KIND): f"one of {EVENT_KINDS}",
        ("domains", Reason.UNKNOWN_DOMAIN): f"';'-separated domains from {domains}",
        ("domains", Reason.MISSING_VALUE): f"one or more ';'-separated domains from {domains}",
        ("value_usd", Reason.BAD_VALUE): "an amount in US dollars >= 0, or empty",
        ("source", Reason.UNKNOWN_SOURCE): "an id listed in the ledger's sources",
    }


def _show(value: str) -> str:
    """repr of a cell, cut to :data:`_SHOW` characters."""
    if len(value) <= _SHOW:
        return repr(value)
    return repr(value[:_SHOW]) + f"... ({fmt_number(len(value))} characters)"


def _cells(df: pd.DataFrame) -> dict[str, pd.Series]:
    """Each event column as stripped text, ``""`` where missing."""
    return {c: df[c].astype("string").str.strip().fillna("") for c in EVENT_COLUMNS}


def _domain_problems(domains: pd.Series, known: list[str], required: bool):
    """(rows, bad part) of every ``;``-separated part of ``domains`` not in ``known``, and the
    mask of rows without domains when they are ``required``."""
    blank = domains.eq("").to_numpy(dtype=bool)
    parts = domains[~blank].str.split(";").explode().str.strip()
    bad = parts[~parts.isin(known)]
    # the frame's index is 0..n-1 (check_events resets it): labels are row positions
    rows = bad.index.to_numpy(dtype=np.int64)
    return rows, bad.astype(str).to_numpy(dtype=object), (blank if required
                                                          else np.zeros_like(blank))


def _rule_masks(cells: dict[str, pd.Series], kinds: pd.Series, *, month: bool,
                sources: Collection[str] | None) -> list[tuple[str, Reason, np.ndarray]]:
    """(column, reason, mask of rejected rows) of every cell rule but the domains'."""
    def arr(s):
        return np.asarray(s, dtype=bool)

    blank = {c: arr(cells[c].eq("")) for c in EVENT_COLUMNS}
    out = [(c, Reason.MISSING_VALUE, blank[c]) for c in _REQUIRED]
    bad_date = event_date_problems(cells["date"], month=month).notna()
    out.append(("date", Reason.BAD_DATE, ~blank["date"] & arr(bad_date)))
    countries = list(reference.known_codes())
    parties = countries + sorted(reference.organisation_codes())
    out.append(("actor", Reason.UNKNOWN_CODE,
                ~blank["actor"] & ~arr(cells["actor"].isin(countries))))
    out.append(("counterpart", Reason.UNKNOWN_CODE,
                ~blank["counterpart"] & ~arr(cells["counterpart"].isin(parties))))
    out.append(("counterpart", Reason.SELF_COUNTERPART,
                ~blank["counterpart"] & arr(cells["counterpart"].eq(cells["actor"]))))
    out.append(("kind", Reason.UNKNOWN_KIND, ~blank["kind"] & ~arr(kinds.isin(EVENT_KINDS))))
    value = pd.to_numeric(cells["value_usd"].astype(object), errors="coerce").to_numpy(float)
    with np.errstate(invalid="ignore"):
        out.append(("value_usd", Reason.BAD_VALUE,
                    ~blank["value_usd"] & ~(np.isfinite(value) & (value >= 0))))
    if sources is not None:
        out.append(("source", Reason.UNKNOWN_SOURCE,
                    ~blank["source"] & ~arr(cells["source"].isin(list(sources)))))
    return out


_ORDER = {c: i for i, c in enumerate(EVENT_COLUMNS)}


def _problems(cells: dict[str, pd.Series], kinds: pd.Series, *, source: str,
              lines: np.ndarray, month: bool, sources: Collection[str] | None,
              domains_required: bool) -> pd.DataFrame:
    """Every problem of every row: source, line, column, value, reason, message; ordered by
    line, then column (in the table's order)."""
    known = sorted(reference.domain_list())
    expected = _expected(month=month, domains=known)

    def _expect(column: str, reason: str, value: str) -> str:
        if (column, reason) == ("date", Reason.BAD_DATE):  # what is wrong with this date
            return event_date_problem(value, month=month) or expected[column, reason]
        return expected.get((column, reason), "a non-empty value")
    rows, values, columns, reasons = [], [], [], []

    def add(idx, column, reason, vals):
        rows.append(idx)
        values.append(vals)
        columns.extend([column] * len(idx))
        reasons.extend([str(reason)] * len(idx))

    for column, reason, mask in _rule_masks(cells, kinds, month=month, sources=sources):
        idx = np.flatnonzero(mask)
        add(idx, column, reason, cells[column].to_numpy(dtype=object)[idx])
    drows, dvals, dblank = _domain_problems(cells["domains"], known, domains_required)
    add(drows, "domains", Reason.UNKNOWN_DOMAIN, dvals)
    add(np.flatnonzero(dblank), "domains", Reason.MISSING_VALUE,
        np.full(int(dblank.sum()), "", dtype=object))
    idx = np.concatenate(rows).astype(np.int64)
    if not len(idx):
        return pd.DataFrame(columns=list(SET_QUARANTINE_COLUMNS))
    p = pd.DataFrame({"source": source, "line": lines[idx], "column": columns,
                      "value": np.concatenate(values).astype(str),
                      "reason": reasons})
    p["message"] = [f"saw {_show(v)}, expected {_expect(c, r, v)}"
                    for c, r, v in zip(p["column"], p["reason"], p["value"], strict=True)]
    p["_order"] = p["column"].map(_ORDER)
    p = p.sort_values(["line", "_order"], kind="stable").drop(columns="_order")
    return p.reset_index(drop=True)[list(SET_QUARANTINE_COLUMNS)]


def _quarantine(problems: pd.DataFrame) -> pd.DataFrame:
    """One row per rejected input row (the flows' convention): ``reason`` every reason code
    of the row joined by ``;``, ``column`` and ``value`` those of its first problem,
    ``message`` every problem as ``column: message`` joined by ``; ``."""
    if problems.empty:
        return pd.DataFrame(columns=list(SET_QUARANTINE_COLUMNS))
    p = problems.assign(text=problems["column"] + ": " + problems["message"])
    g = p.groupby(["source", "line"], sort=False)
    q = g.agg(column=("column", "first"), value=("value", "first"),
              reason=("reason", lambda s: ";".join(dict.fromkeys(s))),
              message=("text", "; ".join)).reset_index()
    return q[list(SET_QUARANTINE_COLUMNS)]


def _raise(problems: pd.DataFrame, source: str) -> None:
    issues = problems.to_dict("records")
    shown = "\n".join(f"  {p['source']} line {p['line']}, column {p['column']!r}: "
                      f"{p['message']}" for p in issues[:MAX_LISTED])
    more = (f"\n  ... and {len(issues) - MAX_LISTED} more" if len(issues) > MAX_LISTED
            else "")
    raise InputError(f"{len(issues)} problem(s) in {source}:\n{shown}{more}", issues=issues)


def check_events(df: pd.DataFrame, *, source: str = "<frame>", lenient: bool = False,
                 first_line: int = 2, month: bool = False,
                 sources: Collection[str] | None = None,
                 domains_required: bool = False) -> EventSet:
    """Check every row of an events frame against every rule; collect every problem.

    Parameters
    ----------
    df
        The ledger, one row per event, with the columns
        :data:`~equipoise.schema.EVENT_COLUMNS` (text; other columns are kept as they are).
    source
        The file as named in messages and in the ``file`` column.
    lenient
        Quarantine bad rows instead of raising.
    first_line
        The line of the first row in the file (2: after the header).
    month
        The date must give the month (``YYYY-MM`` or ``YYYY-MM-DD``).
    sources
        The ids a ``source`` must be one of; None: any non-empty text.
    domains_required
        Every event names at least one domain.

    Raises
    ------
    SchemaError
        A column is missing.
    InputError
        Strict mode, any bad row: every problem with file, line, column, value and what was
        expected (:data:`MAX_LISTED` in the message, all in ``issues``).
    """
    missing = [c for c in EVENT_COLUMNS if c not in df.columns]
    if missing:
        raise SchemaError(f"{source}: missing column(s) {missing}; expecting "
                          f"{list(EVENT_COLUMNS)}")
    df = df.reset_index(drop=True)
    cells = _cells(df)
    kinds = normalise_kinds(cells["kind"]).fillna("")
    lines = np.arange(len(df), dtype=np.int64) + first_line
    problems = _problems(cells, kinds, source=source, lines=lines, month=month,
                         sources=sources, domains_required=domains_required)
    if len(problems) and not lenient:
        _raise(problems, source)
    bad = np.isin(lines, problems["line"].to_numpy(dtype=np.int64))
    out = df.copy()
    for c in EVENT_COLUMNS:
        out[c] = cells[c].astype("string")
    out["kind"] = kinds.astype("string")
    out = out[~bad].copy()
    out["value_usd"] = pd.to_numeric(out["value_usd"].replace("", None).astype(object),
                                     errors="coerce").astype("float64")
    out["year"] = out["date"].str.slice(0, 4).astype("int64")
    out["line"] = lines[~bad]
    out["file"] = source
    q = _quarantine(problems)
    counts = {"read": len(df), "loaded": len(out), "quarantined": len(q)}
    return EventSet(out.reset_index(drop=True), q, counts)


#: Largest events file read (an events ledger is KBs; 256 MiB is generous).
EVENTS_MAX_BYTES = 256 * 2**20


def read_events(path, *, lenient: bool = False) -> EventSet:
    """Read a user's events CSV (columns :data:`~equipoise.schema.EVENT_COLUMNS`) and check it
    with :func:`check_events`. Reading lives here, in ``io``: the engagement measure
    (:func:`equipoise.measures.engagement.engagement_balance`) takes the ledger as data
    (``equipoise.engagement_balance`` reads a path through :mod:`equipoise.context`)."""
    import io

    from ..schema import EVENT_COLUMNS
    from .files import read_text

    p = Path(path)
    if not p.exists():
        raise InputError(f"events file {p} does not exist")
    text = read_text(p, what="events file", max_bytes=EVENTS_MAX_BYTES)
    if not text.strip():
        raise SchemaError(f"events file {p}: the file is empty; expecting a CSV with the "
                          f"header {','.join(EVENT_COLUMNS)}")
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, ValueError) as exc:
        raise SchemaError(f"events file {p}: not a readable CSV "
                          f"({' '.join(str(exc).split())})") from None
    return check_events(df, source=str(p), lenient=lenient)
