"""The canonical tables in one place: their columns and types, the DuckDB DDL and the pandera
contract derived from them, the quarantine's columns, the reason codes of rejected rows, and
the counted set every reader returns.

Everything that names a canonical column imports it from here: the source readers
(:mod:`equipoise.sources`), the warehouse's DDL (:mod:`equipoise.warehouse`), the flows
validator and its pandera contract (:mod:`equipoise.io.flows`), the votes and events readers.

==================  ===========================================================================
name                what
==================  ===========================================================================
:data:`TABLES`      every canonical table: name -> :class:`Table` (columns with DuckDB types)
:func:`ddl`         ``"year" INTEGER, "reporter" VARCHAR, ...`` of a table (the warehouse DDL)
:func:`columns`     a table's column names (``source=False``: without the provenance column)
:func:`contract`    the pandera contract of a table (:func:`flows_contract` adds the flows
                    checks against the reference tables)
:class:`Reason`     the reason codes of quarantined rows (``str`` values, as written out)
QUARANTINE_COLUMNS  the quarantine's columns: ``source, file, line, column, value, reason,
                    message`` (the warehouse's ``quarantine`` table and every reader chunk); a
                    set read from one file (:class:`CountedSet`) leaves out ``file`` since its
                    ``source`` is the file (:data:`SET_QUARANTINE_COLUMNS`); the world
                    panel's puts the panel ``dataset`` in front
                    (:data:`PANEL_QUARANTINE_COLUMNS`)
PANEL_TABLES        the world panel's tables (``equipoise panel build``), the panel
                    quarantine among them
:class:`CountedSet` data + quarantine + counts with ``read == loaded + quarantined`` checked
==================  ===========================================================================
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas loads where a frame is made (the screen's path needs none)
    import pandas as pd


class Reason(StrEnum):
    """Why a row was quarantined. The values are what the quarantine's ``reason`` holds."""

    # cells
    MISSING_VALUE = "missing_value"
    BAD_VALUE = "bad_value"
    NEGATIVE_VALUE = "negative_value"
    BAD_YEAR = "bad_year"
    BAD_DATE = "bad_date"
    BAD_PRODUCT = "bad_product"
    # codes
    UNKNOWN_CODE = "unknown_code"
    UNMAPPED_CODE = "unmapped_code"
    UNKNOWN_NAME = "unknown_name"
    UNKNOWN_COUNTRY = "unknown_country"
    NON_STATE_ACTOR = "non_state_actor"
    AGGREGATE = "aggregate"
    BAD_REPORTER = "bad_reporter"
    SELF_PARTNER = "self_partner"
    SELF_COUNTERPART = "self_counterpart"
    UNKNOWN_DOMAIN = "unknown_domain"
    UNKNOWN_INDICATOR = "unknown_indicator"
    DOMAIN_MISMATCH = "domain_mismatch"
    UNIT_MISMATCH = "unit_mismatch"
    UNKNOWN_KIND = "unknown_kind"
    UNKNOWN_SOURCE = "unknown_source"
    BAD_VOTE = "bad_vote"
    UNKNOWN_ROLLCALL = "unknown_rollcall"
    # keys and scope
    DUPLICATE_KEY = "duplicate_key"
    GROUP_OVERLAP = "group_overlap"
    SUPERSEDED = "superseded"
    OUTSIDE_SCOPE = "outside_scope"
    OUT_OF_SCOPE = "out_of_scope"
    # CSV records
    BAD_FIELD_COUNT = "bad_field_count"
    UNTERMINATED_QUOTE = "unterminated_quote"
    BAD_QUOTE = "bad_quote"


@dataclass(frozen=True)
class Column:
    """One column: its name, DuckDB type and whether it may be NULL in a loaded table."""

    name: str
    sql: str
    nullable: bool = False

    @property
    def dtype(self) -> str | None:
        """The pandas dtype of the column in a loaded frame (None: any, e.g. a nullable text
        column, which pandas holds as objects with None)."""
        if self.sql == "VARCHAR":
            return None if self.nullable else "str"
        if self.sql in ("INTEGER", "BIGINT"):
            return "Int64" if self.nullable else "int64"
        return "float64"


@dataclass(frozen=True)
class Table:
    """A canonical table: its columns (in storage order) and its key."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    stored: bool = True  # a warehouse table (events live in files only)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}; columns: {self.names}")


def _t(name: str, spec: str, *, key: tuple[str, ...] = (), nullable: tuple[str, ...] = (),
       stored: bool = True) -> Table:
    """A table from ``"year INTEGER, reporter VARCHAR, ..."``."""
    cols = []
    for part in spec.split(","):
        col, sql = part.split()
        cols.append(Column(col, sql, nullable=col in nullable))
    return Table(name, tuple(cols), key=key, stored=stored)


_SRC = "source VARCHAR"

#: every canonical table, in the warehouse's order
TABLES: dict[str, Table] = {t.name: t for t in (
    _t("flows", f"year INTEGER, reporter VARCHAR, partner VARCHAR, domain VARCHAR, "
                f"indicator VARCHAR, product VARCHAR, value DOUBLE, unit VARCHAR, {_SRC}",
       key=("year", "reporter", "partner", "indicator", "product"), nullable=("product",)),
    _t("trade_products", f"year INTEGER, exporter VARCHAR, importer VARCHAR, product VARCHAR, "
                         f"value DOUBLE, quantity DOUBLE, {_SRC}",
       key=("year", "exporter", "importer", "product"), nullable=("quantity",)),
    _t("corridor_nodes", f"node VARCHAR, country VARCHAR, kind VARCHAR, {_SRC}"),
    _t("corridor_edges", f"route_id VARCHAR, route VARCHAR, segment VARCHAR, seq INTEGER, "
                         f"from_node VARCHAR, to_node VARCHAR, capacity DOUBLE, unit VARCHAR, "
                         f"mode VARCHAR, status VARCHAR, start_year INTEGER, owners VARCHAR, "
                         f"{_SRC}",
       nullable=("segment", "capacity", "status", "start_year", "owners")),
    _t("memberships", f"org VARCHAR, country VARCHAR, start_year INTEGER, end_year INTEGER, "
                      f"status VARCHAR, observed_year INTEGER, {_SRC}",
       nullable=("start_year", "end_year", "observed_year")),
    _t("alliances", f"year INTEGER, state1 VARCHAR, state2 VARCHAR, kind VARCHAR, value DOUBLE, "
                    f"{_SRC}"),
    _t("event_counts", f"year INTEGER, actor VARCHAR, counterpart VARCHAR, verbal_coop BIGINT, "
                       f"material_coop BIGINT, verbal_conflict BIGINT, material_conflict BIGINT, "
                       f"{_SRC}"),
    _t("votes", f"rcid BIGINT, year INTEGER, session INTEGER, country VARCHAR, vote VARCHAR, "
                f"{_SRC}", key=("rcid", "country")),
    _t("vote_issues", f"rcid BIGINT, issue VARCHAR, {_SRC}"),
    _t("ideal_points", f"session INTEGER, year INTEGER, country VARCHAR, n_votes DOUBLE, "
                       f"ideal DOUBLE, q05 DOUBLE, q95 DOUBLE, agree_USA DOUBLE, agree_RUS DOUBLE, "
                       f"agree_CHN DOUBLE, agree_IND DOUBLE, agree_BRA DOUBLE, agree_ISR DOUBLE, "
                       f"{_SRC}"),
    _t("quarantine", "source VARCHAR, file VARCHAR, line BIGINT, column VARCHAR, value VARCHAR, "
                     "reason VARCHAR, message VARCHAR"),
    _t("events", f"date VARCHAR, actor VARCHAR, counterpart VARCHAR, kind VARCHAR, "
                 f"domains VARCHAR, value_usd DOUBLE, {_SRC}", nullable=("domains", "value_usd"),
       stored=False),
)}

#: the warehouse's per-(source, year) summaries of ``trade_products`` (for the product screen)
SUMMARY_TABLES: dict[str, Table] = {t.name: t for t in (
    _t("trade_summary", "source VARCHAR, year INTEGER, reporter VARCHAR, product VARCHAR, "
                        "imports DOUBLE, imports_s2 DOUBLE, imports_max DOUBLE, "
                        "n_suppliers BIGINT, top_supplier VARCHAR, exports DOUBLE"),
    _t("trade_world", "source VARCHAR, year INTEGER, product VARCHAR, world_exports DOUBLE, "
                      "world_exports_s2 DOUBLE"),
    _t("trade_summary_years", "source VARCHAR, year INTEGER, rows BIGINT, summary_rows BIGINT"),
)}


#: the world panel's tables, which ``equipoise panel build`` derives from the global datasets
#: and replaces in one transaction (:mod:`equipoise.panel.builder`): the rows, the files read
#: with their counts, the rejected rows (the quarantine's columns with the panel ``dataset``
#: that read them in front: one quarantine shape, :data:`PANEL_QUARANTINE_COLUMNS`), the
#: builds and the roll-call votes behind kappa
PANEL_TABLES: dict[str, Table] = {t.name: t for t in (
    _t("panel", f"focal VARCHAR, year INTEGER, domain VARCHAR, indicator VARCHAR, "
                f"partner VARCHAR, value DOUBLE, share DOUBLE, basis VARCHAR, coverage DOUBLE, "
                f"status VARCHAR, {_SRC}, note VARCHAR",
       nullable=("value", "share", "coverage", "note")),
    _t("panel_sources", "dataset VARCHAR, role VARCHAR, file VARCHAR, rows_read BIGINT, "
                        "rows_loaded BIGINT, rows_quarantined BIGINT, rows_out BIGINT, "
                        "rows_in_years BIGINT"),
    Table("panel_quarantine", (Column("dataset", "VARCHAR"), *TABLES["quarantine"].columns)),
    _t("panel_builds", "built_at VARCHAR, data_dir VARCHAR, year_from INTEGER, year_to INTEGER, "
                       "domains VARCHAR, poles VARCHAR, rows BIGINT, seconds DOUBLE, "
                       "rows_by_domain VARCHAR"),
    _t("panel_rollcalls", "year INTEGER, rcid BIGINT, country VARCHAR, vote TINYINT"),
)}


def table(name: str) -> Table:
    """The canonical, summary or panel table ``name``."""
    found = TABLES.get(name) or SUMMARY_TABLES.get(name) or PANEL_TABLES.get(name)
    if found is None:
        raise KeyError(f"no canonical table {name!r}; expecting one of "
                       f"{(*TABLES, *SUMMARY_TABLES, *PANEL_TABLES)}")
    return found


def columns(name: str, *, source: bool = True) -> tuple[str, ...]:
    """The column names of table ``name``; ``source=False`` leaves out the ``source``
    (provenance) column, e.g. a summary's measure columns or the votes of a :class:`VoteSet`."""
    names = table(name).names
    return names if source else tuple(c for c in names if c != "source")


def sql_type(name: str, col: str) -> str:
    """The DuckDB type of column ``col`` of table ``name``."""
    return table(name).column(col).sql


def ddl(name: str) -> str:
    """The column list of ``CREATE TABLE`` for table ``name`` (names quoted)."""
    return ", ".join(f'"{c.name}" {c.sql}' for c in table(name).columns)


#: the quarantine's columns (the warehouse table and every reader's chunks)
QUARANTINE_COLUMNS: tuple[str, ...] = columns("quarantine")
#: the quarantine of a set read from one file: its ``source`` names the file, so no ``file``
SET_QUARANTINE_COLUMNS: tuple[str, ...] = tuple(c for c in QUARANTINE_COLUMNS if c != "file")
#: the world panel's quarantine: the panel dataset that read the row, then
#: :data:`QUARANTINE_COLUMNS`
PANEL_QUARANTINE_COLUMNS: tuple[str, ...] = columns("panel_quarantine")

FLOW_COLUMNS: tuple[str, ...] = columns("flows")
FLOW_KEY: tuple[str, ...] = TABLES["flows"].key
VOTE_COLUMNS: tuple[str, ...] = columns("votes", source=False)
EVENT_COLUMNS: tuple[str, ...] = columns("events")
#: the kinds of a diplomatic event, as the ledger stores them (``io.events.normalise_kinds`` reads
#: "state visit", "phone call", ... as these); an action file's ``[[event]]`` names one of them
EVENT_KINDS = ("visit", "state_visit", "summit", "agreement", "talks", "call")
#: an event's date: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` in ASCII digits (the form only: the
#: one date rule is :func:`event_date_problem`)
EVENT_DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")
#: the years an event's date (and an action's) may name, inclusive: the flows' year range
EVENT_YEARS = (1800, 2100)
#: what a date that does not have the form of :data:`EVENT_DATE` is told it should be
EVENT_DATE_EXPECTED = "a date as YYYY-MM-DD, YYYY-MM or YYYY"
#: the same when the month is required (the embedded ledger)
EVENT_MONTH_EXPECTED = "a date YYYY-MM-DD or YYYY-MM"


def event_date_problem(text: str, *, month: bool = False) -> str | None:
    """What ``text`` should be, when it is not an event date; None when it is one.

    The one date rule of the events ledger (:func:`equipoise.io.events.check_events`) and of an
    action file (its ``date`` and its events' dates): the form of :data:`EVENT_DATE`, with the
    month when ``month`` (:data:`EVENT_DATE_EXPECTED` / :data:`EVENT_MONTH_EXPECTED` otherwise),
    a year in :data:`EVENT_YEARS`, a month in 1..12 and a day of that month (a real calendar
    date: ``2024-02-30`` and ``2023-13`` are refused).

    >>> event_date_problem("2024-02-29") is None
    True
    >>> event_date_problem("2023-13")
    'a real calendar date: month 13 is not in 1..12'
    >>> event_date_problem("1700")
    'a year between 1800 and 2100'
    """
    m = EVENT_DATE.fullmatch(text) if isinstance(text, str) else None
    if m is None or (month and m.group(2) is None):
        return EVENT_MONTH_EXPECTED if month else EVENT_DATE_EXPECTED
    y, mo, d = (int(g) if g else None for g in m.groups())
    lo, hi = EVENT_YEARS
    if not lo <= y <= hi:
        return f"a year between {lo} and {hi}"
    if mo is not None and not 1 <= mo <= 12:
        return f"a real calendar date: month {mo} is not in 1..12"
    if d is not None:
        try:
            dt.date(y, mo, d)
        except ValueError as exc:
            return f"a real calendar date: {exc}"
    return None


def event_date_problems(dates: pd.Series, *, month: bool = False) -> pd.Series:
    """:func:`event_date_problem` of every cell of ``dates`` (text), None where the cell is an
    event date; the rule runs once per distinct value, not once per row."""
    import numpy as np
    import pandas as pd

    codes, distinct = pd.factorize(dates, use_na_sentinel=False)
    found = np.empty(len(distinct), dtype=object)
    found[:] = [event_date_problem(v, month=month) for v in distinct]
    return pd.Series(found[codes], index=dates.index, dtype=object)


def event_date_ok(text: str, *, month: bool = False) -> bool:
    """Whether ``text`` is an event date (:func:`event_date_problem`); ``month``: the month is
    required (the embedded ledger gives at least the month of every event)."""
    return event_date_problem(text, month=month) is None


# ------------------------------------------------------------------------------------ pandera


def contract(name: str, checks: dict[str, list] | None = None, *,
             unique: tuple[str, ...] | None = None, label: str | None = None) -> Any:
    """The pandera contract of table ``name``: each column with its dtype and nullability
    (:class:`Column`), plus ``checks`` per column; ``unique`` defaults to the table's key."""
    import pandera.pandas as pa

    t = table(name)
    checks = checks or {}
    return pa.DataFrameSchema(
        {c.name: pa.Column(c.dtype, checks.get(c.name, []), nullable=c.nullable)
         for c in t.columns},
        strict=False,
        unique=list(t.key if unique is None else unique) or None,
        name=label or f"equipoise {name}",
    )


def flows_contract() -> Any:
    """The pandera contract every loaded flows table satisfies (checked after the row checks,
    as a guard on the loader itself): typed columns, ISO3/group codes, non-negative values."""
    import pandera.pandas as pa

    from . import reference

    known = sorted(reference.known_codes())
    return contract("flows", {
        "year": [pa.Check.in_range(1800, 2100)],
        "reporter": [pa.Check.isin(known)],
        "partner": [pa.Check.isin(known)],
        "domain": [pa.Check.isin(reference.domain_list())],
        "indicator": [pa.Check.isin(list(reference.indicator_table().index))],
        "value": [pa.Check.ge(0)],
        "source": [pa.Check.str_length(min_value=1)],
    }, label="equipoise flows")


# -------------------------------------------------------------------------------- counted set


def empty_quarantine(columns: tuple[str, ...] = SET_QUARANTINE_COLUMNS) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns=list(columns))


@dataclass
class CountedSet:
    """Loaded rows, the rejected ones and counts that add up.

    Attributes
    ----------
    data : DataFrame
        The loaded rows.
    quarantine : DataFrame
        One row per rejected input row (:data:`SET_QUARANTINE_COLUMNS`).
    counts : dict
        ``read``, ``loaded``, ``quarantined`` (``read == loaded + quarantined``, checked here)
        and any count of the reader's own; by default computed from the two frames.
    """

    data: pd.DataFrame
    quarantine: pd.DataFrame = field(default_factory=empty_quarantine)
    counts: dict = field(default_factory=dict)

    #: what the rows are, for messages ("flow", "vote", "event")
    WHAT = "row"

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = {"read": len(self.data) + len(self.quarantine),
                           "loaded": len(self.data), "quarantined": len(self.quarantine)}
        c = self.counts
        if c["read"] != c["loaded"] + c["quarantined"]:
            raise AssertionError(f"{self.WHAT} counts do not add up: {c}")

    def __len__(self) -> int:
        return len(self.data)


__all__ = [
    "EVENT_COLUMNS",
    "EVENT_DATE",
    "EVENT_DATE_EXPECTED",
    "EVENT_KINDS",
    "EVENT_MONTH_EXPECTED",
    "EVENT_YEARS",
    "FLOW_COLUMNS",
    "FLOW_KEY",
    "PANEL_QUARANTINE_COLUMNS",
    "PANEL_TABLES",
    "QUARANTINE_COLUMNS",
    "SET_QUARANTINE_COLUMNS",
    "SUMMARY_TABLES",
    "TABLES",
    "VOTE_COLUMNS",
    "Column",
    "CountedSet",
    "Reason",
    "Table",
    "columns",
    "contract",
    "ddl",
    "empty_quarantine",
    "event_date_ok",
    "event_date_problem",
    "event_date_problems",
    "flows_contract",
    "sql_type",
    "table",
]
