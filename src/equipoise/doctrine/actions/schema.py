"""The one schema of an action file: frozen dataclasses, and :meth:`Action.from_mapping`, the one
constructor that validates.

Each record (:class:`FlowChange`, :class:`CorridorChange`, :class:`MembershipChange`,
:class:`EventChange`, :class:`BaselineRemoval`, :class:`Action`) declares once its fields, their
types, the constraints a file must meet (``Annotated`` numbers, ``field_validator`` methods)
and the checks across fields (``model_validator`` methods). pydantic reads these declarations
when it validates a parsed file (:meth:`Action.from_mapping`); building a record in Python
(``FlowChange(op="add", ...)``) is a plain dataclass constructor and checks nothing, as before.

``line`` (of a change) and ``path`` (of the action) say where a record was read; they are not
keys of the file, and a file that writes them is told so ("Extra inputs are not permitted").
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import asdict, dataclass, replace
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    GetPydanticSchema,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_validator,
    with_config,
)
from pydantic_core import PydanticCustomError, core_schema

from ... import reference
from ...schema import EVENT_DATE_EXPECTED, EVENT_KINDS, event_date_problem

#: Most changes one action may hold (``[[flow]]``, ``[[corridor]]``, ``[[membership]]``,
#: ``[[event]]`` and ``[[baseline]]`` entries together). Evaluation grows linearly with the
#: number of changes (about 0.1 ms a flow change to apply); the cap keeps one request's work
#: and memory bounded (a file at the cap is about 2 MB of TOML).
MAX_CHANGES = 20_000

#: The tables of an action file (``[[flow]]``, ...) and the field of :class:`Action` each fills.
TABLES = {"flow": "flows", "corridor": "corridors", "membership": "memberships",
          "event": "events", "baseline": "baseline"}

#: The keys of an action file in the order their problems are listed (the top-level keys, then
#: the tables); keys that are not in it are listed after these, in the order of the file.
FILE_KEYS = ("id", "title", "date", "focal", "description", "sources", "quote", *TABLES)


def max_changes() -> int:
    """The cap in force: ``equipoise.doctrine.actions.MAX_CHANGES``, read from the package at
    call time (the name the error messages give, so that a caller may lower it there)."""
    from .. import actions

    return actions.MAX_CHANGES


# --------------------------------------------------------------------------- value types

#: A number in an action file: a TOML integer or float (not a boolean, not a string), finite,
#: >= 0. Sums are checked when the action is applied (two additions of 1e308 overflow).
_Amount = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0)]
_Year = Annotated[int, Field(strict=True, ge=1800, le=2100)]


def _listed(item: Any, **constraints: Any) -> GetPydanticSchema:
    """A TOML array of ``item``: validated (and worded in messages) as a list, kept as a tuple so
    that the records stay hashable."""
    inner = Annotated[list[item], Field(**constraints)] if constraints else list[item]
    return GetPydanticSchema(lambda _tp, handler: core_schema.no_info_after_validator_function(
        tuple, handler(inner)))


def _check_date(v: Any) -> Any:
    """A date of an action file (the action's, an event's) by the one date rule of events,
    :func:`equipoise.schema.event_date_problem`: a real calendar date YYYY, YYYY-MM or
    YYYY-MM-DD with a year in 1800..2100 (a TOML date is accepted as written)."""
    if isinstance(v, _dt.datetime):
        raise ValueError("expected a date YYYY, YYYY-MM or YYYY-MM-DD, not a date and time")
    if isinstance(v, _dt.date):
        v = v.isoformat()
    if not isinstance(v, str) or not v:
        return v
    problem = event_date_problem(v)
    if problem == EVENT_DATE_EXPECTED:  # the form; worded as the action files' docs word it
        raise ValueError("expected a date YYYY, YYYY-MM or YYYY-MM-DD")
    if problem:
        raise ValueError(f"expected {problem}")
    return v


@cache
def _indicator_names() -> frozenset[str]:
    """The indicators of reference/indicators.csv (looked up once per process, not per entry)."""
    return frozenset(reference.indicator_table().index)


def _indicator(v: str) -> str:
    if v not in _indicator_names():
        raise ValueError("expected an indicator listed in reference/indicators.csv")
    return v


def _not_a_key(v: Any) -> Any:
    """``line`` and ``path`` are where a record was read, not keys of the file."""
    raise PydanticCustomError("extra_forbidden", "Extra inputs are not permitted")


_FORBID = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- records

@with_config(_FORBID)
@dataclass(frozen=True)
class FlowChange:
    """Add to, scale or set one canonical flow (see :mod:`equipoise.doctrine.actions`)."""

    # required in Python, "add" when a file leaves it out
    op: Annotated[Literal["add", "scale", "set"], Field(default="add")]
    partner: str
    indicator: str
    product: str | None = None
    year: _Year | None = None
    value: _Amount | None = None
    factor: _Amount | None = None
    source: str | None = None
    note: str = ""
    line: int = 0

    _line = field_validator("line", mode="before")(classmethod(lambda cls, v: _not_a_key(v)))
    _ind = field_validator("indicator")(classmethod(lambda cls, v: _indicator(v)))

    @field_validator("partner")
    @classmethod
    def _code(cls, v: str) -> str:
        if v not in reference.known_codes() or v in ("WLD", "OTH"):
            raise ValueError("expected an ISO3 code or a partner group (EU27, ...), not WLD/OTH")
        return v

    @model_validator(mode="after")
    def _operands(self) -> FlowChange:
        if self.op in ("add", "set") and self.value is None:
            raise ValueError(f"op {self.op!r} needs a 'value'")
        if self.op == "scale" and self.factor is None:
            raise ValueError("op 'scale' needs a 'factor'")
        return self


@with_config(_FORBID)
@dataclass(frozen=True)
class CorridorChange:
    """Change the corridor graph: add an edge (and its nodes), or scale / set capacities of the
    edges of a route or of one (source, target) pair."""

    op: Literal["add_edge", "scale", "set"]
    source: str | None = None
    target: str | None = None
    route: str | None = None
    capacity: _Amount | None = None
    factor: _Amount | None = None
    mode: str = "rail"
    unit: str = ""
    citation: str = ""
    source_country: str | None = None
    target_country: str | None = None
    line: int = 0

    _line = field_validator("line", mode="before")(classmethod(lambda cls, v: _not_a_key(v)))

    @model_validator(mode="after")
    def _operands(self) -> CorridorChange:
        if self.op == "add_edge" and (not self.source or not self.target or self.capacity is None):
            raise ValueError("op 'add_edge' needs 'source', 'target' and 'capacity'")
        if self.op in ("scale", "set") and not (self.route or (self.source and self.target)):
            raise ValueError(f"op {self.op!r} needs a 'route' or a 'source' and 'target'")
        if self.op == "scale" and self.factor is None:
            raise ValueError("op 'scale' needs a 'factor'")
        if self.op == "set" and self.capacity is None:
            raise ValueError("op 'set' needs a 'capacity'")
        return self


@with_config(_FORBID)
@dataclass(frozen=True)
class MembershipChange:
    """Join or leave an organisation of reference/organisations.csv."""

    op: Literal["join", "leave"]
    org: str
    year: _Year | None = None
    status: str = "member"
    line: int = 0

    _line = field_validator("line", mode="before")(classmethod(lambda cls, v: _not_a_key(v)))

    @field_validator("org")
    @classmethod
    def _org(cls, v: str) -> str:
        orgs = set(reference.load("organisations")["org"])
        if v not in orgs:
            raise ValueError(f"expected an organisation in reference/organisations.csv "
                             f"({', '.join(sorted(orgs))})")
        return v


@with_config(_FORBID)
@dataclass(frozen=True)
class EventChange:
    """An event for the engagement ledger (a visit, a summit, an agreement, ...): ``kind`` is
    one of the ledger's kinds, :data:`equipoise.schema.EVENT_KINDS`, as the ledger stores it.
    Applying the action checks the ledger with its events by the one events validator
    (:func:`equipoise.io.events.check_events`): the counterpart, the date, ..."""

    counterpart: str
    kind: Literal[EVENT_KINDS] = "agreement"  # type: ignore[valid-type]
    domains: Annotated[tuple[str, ...], _listed(str)] = ()
    value_usd: _Amount | None = None
    date: str | None = None
    line: int = 0

    _line = field_validator("line", mode="before")(classmethod(lambda cls, v: _not_a_key(v)))
    _date = field_validator("date", mode="before")(classmethod(lambda cls, v: _check_date(v)))

    @field_validator("domains")
    @classmethod
    def _domains(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [d for d in v if d not in reference.domain_list()]
        if bad:
            raise ValueError(f"unknown domain(s) {bad}; expected some of {reference.domain_list()}")
        return v


@with_config(_FORBID)
@dataclass(frozen=True)
class BaselineRemoval:
    """Rows of the initiative already in the data, removed to form the "before" side."""

    year: _Year
    partner: str
    indicator: str
    product: str | None = None
    source: str | None = None
    line: int = 0

    _line = field_validator("line", mode="before")(classmethod(lambda cls, v: _not_a_key(v)))
    _ind = field_validator("indicator")(classmethod(lambda cls, v: _indicator(v)))


@with_config(_FORBID)
@dataclass(frozen=True)
class Action:
    """A proposed initiative as an immutable, hashable record of changes to the data.

    :meth:`from_mapping` builds one from a parsed action file and validates it; the tables of
    the file (``[[flow]]``, ...) fill the plural fields (``flows``, ...).
    """

    id: Annotated[str, Field(min_length=1)]
    title: Annotated[str, Field(min_length=1)]
    sources: Annotated[tuple[str, ...], _listed(str, min_length=1)]
    date: str = ""
    focal: str | None = None
    description: str = ""
    quote: str = ""
    flows: Annotated[tuple[FlowChange, ...], _listed(FlowChange),
                     Field(validation_alias="flow")] = ()
    corridors: Annotated[tuple[CorridorChange, ...], _listed(CorridorChange),
                         Field(validation_alias="corridor")] = ()
    memberships: Annotated[tuple[MembershipChange, ...], _listed(MembershipChange),
                           Field(validation_alias="membership")] = ()
    events: Annotated[tuple[EventChange, ...], _listed(EventChange),
                      Field(validation_alias="event")] = ()
    baseline: Annotated[tuple[BaselineRemoval, ...], _listed(BaselineRemoval)] = ()
    path: str = ""

    _path = field_validator("path", mode="before")(classmethod(lambda cls, v: _not_a_key(v)))
    _date = field_validator("date", mode="before")(classmethod(lambda cls, v: _check_date(v)))

    @field_validator("focal")
    @classmethod
    def _focal(cls, v: str | None) -> str | None:
        if v is not None and v not in reference.country_codes():
            raise ValueError("expected an ISO3 country code")
        return v

    @model_validator(mode="after")
    def _placed(self, info: ValidationInfo) -> Action:
        """Trimmed texts, and each change's line and the action's path from the context."""
        ctx = info.context or {}
        lines: dict[str, list[int]] = ctx.get("lines", {})

        def at(table: str, changes: tuple) -> tuple:
            heads = lines.get(table, [])
            return tuple(replace(c, line=heads[i] if i < len(heads) else 0)
                         for i, c in enumerate(changes))

        return replace(self, description=self.description.strip(), quote=self.quote.strip(),
                       path=ctx.get("path", ""),
                       **{f: at(t, getattr(self, f)) for t, f in TABLES.items()})

    @classmethod
    def from_mapping(cls, data: dict, *, path: str = "",
                     lines: dict[str, list[int]] | None = None) -> Action:
        """The action a parsed file describes, validated against this schema.

        ``lines`` gives, for each table (``"flow"``, ...), the line of each entry's header in
        order (an entry without one gets line 0); ``path`` is where the file was read.

        Raises
        ------
        pydantic.ValidationError
            Every problem, located by key (:func:`equipoise.doctrine.actions.parse_action`
            turns them into an :class:`~equipoise.errors.ActionError` with file lines).
        """
        return _adapter().validate_python(data, context={"path": path, "lines": lines or {}})

    @property
    def source(self) -> str:
        """The source given to new rows that name none: the action's first source."""
        return self.sources[0]

    @property
    def year(self) -> int | None:
        m = re.match(r"(\d{4})", self.date or "")
        return int(m.group(1)) if m else None

    def to_dict(self) -> dict:
        return asdict(self)


@cache
def _adapter() -> TypeAdapter[Action]:
    return TypeAdapter(Action)
