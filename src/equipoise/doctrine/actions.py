"""Actions: a proposed initiative written as changes to the data, and its evaluation.

An action file (TOML) describes an initiative (a supply contract, an FDI project, an arms
purchase, a new pipeline or rail line, joining or leaving an organisation, a visit or an
agreement) as changes to the canonical tables::

    id = "us-tungsten-2025"
    title = "Cove Capital - Tau-Ken Samruk tungsten project"
    date = "2025-11-06"
    sources = ["KZF:Q2"]
    quote = "... a tungsten mining and processing plant using a $1.1 billion capital expenditure."

    [[flow]]                 # add | scale | set a canonical flow
    op = "add"
    partner = "USA"
    indicator = "technology.deals.value"
    product = "deal:tungsten"
    value = 1.1              # in the indicator's unit (indicators.csv)

    [[corridor]]             # add_edge | scale | set capacity in the corridor graph
    op = "scale"
    route = "Aktau-Baku-Ceyhan"
    factor = 1.5

    [[membership]]           # join | leave an organisation (organisations.csv)
    op = "join"
    org = "ABRAHAM"

    [[event]]                # a visit, summit or agreement for the engagement ledger
    counterpart = "USA"
    kind = "agreement"
    domains = ["technology"]
    value_usd = 17e9

    [[baseline]]             # rows already in the data that ARE this initiative: removed from
    year = 2025              # the "before" side, so the evaluation shows what it changes
    partner = "USA"
    indicator = "technology.deals.value"

Rules of application (every one visible in the evaluation's change log):

* ``year`` of a flow change defaults to the indicator's latest year with data for the focal
  state (the domain's latest year for an indicator without rows); the evaluation notes any
  change that lands outside the year its domain is assessed in;
* ``add`` increases an existing row with the same key (year, reporter, partner, indicator,
  product) or creates one; ``set`` replaces the value; ``scale`` multiplies every matching row;
* when the indicator has a reporter total (``WLD``) that year and is not a percentage or a
  score, the total moves by the same amount (a new contract adds to the world total too); for
  ``%`` indicators the total stays at 100 and the change comes out of the unnamed remainder;
* new and changed rows are validated with :func:`equipoise.io.flows.validate_frame`, their
  ``source`` is the action's source and their ``file``/``line`` point at the action file;
* ``[[baseline]]`` selectors (``year``, ``partner``, ``indicator``, optional ``product`` and
  ``source``) name rows of an initiative that is already in the data; they are removed (and the
  reporter total reduced by them) to form the "before" side, and the action's flow changes put
  the initiative back for the "after" side.

Limits (each refused with an :class:`~equipoise.errors.ActionError` naming the file, line, key,
the value seen and what is expected; at most 20 problems are listed, the rest counted):

* numbers (``value``, ``factor``, ``capacity``, ``value_usd``) are TOML integers or floats, not
  booleans or strings, finite and >= 0; a change whose result, or whose domain's sum over
  partners, overflows (two additions of 1e308) is refused when the action is applied;
* dates (``date`` of the action and of an event) are real calendar dates ``YYYY``, ``YYYY-MM``
  or ``YYYY-MM-DD`` (a TOML date is accepted too) with a year in 1800..2100;
* one action holds at most :data:`MAX_CHANGES` changes, and the file is a regular UTF-8 file of
  at most 16 MiB.

Applying an action takes time linear in the number of changes (dictionary look-ups per change,
one validation and one merge of the changed rows; ``benchmarks/bench_actions.py``).

Actions are immutable (frozen dataclasses); applying one returns a new ``FlowSet``.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .. import reference
from .._results import RichSummary
from ..errors import ActionError, EquipoiseError, InputError
from ._text import MAX_SHOWN, cut, load_toml, read_text, short

__all__ = ["MAX_CHANGES", "Action", "BaselineRemoval", "CorridorChange", "Evaluation", "EventChange",
           "FlowChange", "MembershipChange", "apply_action", "evaluate", "example_actions",
           "load_action", "parse_action", "remove_baseline"]

#: Most changes one action may hold (``[[flow]]``, ``[[corridor]]``, ``[[membership]]``,
#: ``[[event]]`` and ``[[baseline]]`` entries together). Evaluation grows linearly with the
#: number of changes (about 0.1 ms a flow change to apply); the cap keeps one request's work
#: and memory bounded (a file at the cap is about 2 MB of TOML).
MAX_CHANGES = 20_000


# --------------------------------------------------------------------------- requests

@dataclass(frozen=True)
class FlowChange:
    """Add to, scale or set one canonical flow (see the module docstring)."""

    op: Literal["add", "scale", "set"]
    partner: str
    indicator: str
    product: str | None = None
    year: int | None = None
    value: float | None = None
    factor: float | None = None
    source: str | None = None
    note: str = ""
    line: int = 0


@dataclass(frozen=True)
class CorridorChange:
    """Change the corridor graph: add an edge (and its nodes), or scale / set capacities of the
    edges of a route or of one (source, target) pair."""

    op: Literal["add_edge", "scale", "set"]
    source: str | None = None
    target: str | None = None
    route: str | None = None
    capacity: float | None = None
    factor: float | None = None
    mode: str = "rail"
    unit: str = ""
    citation: str = ""
    source_country: str | None = None
    target_country: str | None = None
    line: int = 0


@dataclass(frozen=True)
class MembershipChange:
    op: Literal["join", "leave"]
    org: str
    year: int | None = None
    status: str = "member"
    line: int = 0


@dataclass(frozen=True)
class EventChange:
    counterpart: str
    kind: Literal["visit", "summit", "agreement"] = "agreement"
    domains: tuple[str, ...] = ()
    value_usd: float | None = None
    date: str | None = None
    line: int = 0


@dataclass(frozen=True)
class BaselineRemoval:
    """Rows of the initiative already in the data, removed to form the "before" side."""

    year: int
    partner: str
    indicator: str
    product: str | None = None
    source: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Action:
    """A proposed initiative as an immutable, hashable record of changes to the data."""

    id: str
    title: str
    sources: tuple[str, ...]
    date: str = ""
    focal: str | None = None
    description: str = ""
    quote: str = ""
    flows: tuple[FlowChange, ...] = ()
    corridors: tuple[CorridorChange, ...] = ()
    memberships: tuple[MembershipChange, ...] = ()
    events: tuple[EventChange, ...] = ()
    baseline: tuple[BaselineRemoval, ...] = ()
    path: str = ""

    @property
    def source(self) -> str:
        """The source given to new rows that name none: the action's first source."""
        return self.sources[0]

    @property
    def year(self) -> int | None:
        m = re.match(r"(\d{4})", self.date or "")
        return int(m.group(1)) if m else None

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


# --------------------------------------------------------------------------- TOML boundary

#: A number in an action file: a TOML integer or float (not a boolean, not a string), finite,
#: >= 0. Sums are checked when the action is applied (two additions of 1e308 overflow).
_Amount = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0)]
_Year = Annotated[int, Field(strict=True, ge=1800, le=2100)]


def _check_date(v: Any) -> Any:
    """A calendar date YYYY, YYYY-MM or YYYY-MM-DD (a TOML date is accepted as written)."""
    if isinstance(v, _dt.datetime):
        raise ValueError("expected a date YYYY, YYYY-MM or YYYY-MM-DD, not a date and time")
    if isinstance(v, _dt.date):
        v = v.isoformat()
    if not isinstance(v, str) or not v:
        return v
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", v)
    if not m:
        raise ValueError("expected a date YYYY, YYYY-MM or YYYY-MM-DD")
    y, mo, d = (int(x) if x else None for x in m.groups())
    if not 1800 <= y <= 2100:
        raise ValueError(f"expected a year between 1800 and 2100 (saw year {y})")
    if mo is not None and not 1 <= mo <= 12:
        raise ValueError(f"expected a real calendar date: month {mo} is not in 1..12")
    if d is not None:
        try:
            _dt.date(y, mo, d)
        except ValueError as exc:
            raise ValueError(f"expected a real calendar date: {exc}") from None
    return v


@cache
def _indicator_names() -> frozenset[str]:
    """The indicators of reference/indicators.csv (looked up once per process, not per entry)."""
    return frozenset(reference.indicator_table().index)


class _Flow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    op: Literal["add", "scale", "set"] = "add"
    partner: str
    indicator: str
    product: str | None = None
    year: _Year | None = None
    value: _Amount | None = None
    factor: _Amount | None = None
    source: str | None = None
    note: str = ""

    @field_validator("partner")
    @classmethod
    def _code(cls, v: str) -> str:
        if v not in reference.known_codes() or v in ("WLD", "OTH"):
            raise ValueError("expected an ISO3 code or a partner group (EU27, ...), not WLD/OTH")
        return v

    @field_validator("indicator")
    @classmethod
    def _ind(cls, v: str) -> str:
        if v not in _indicator_names():
            raise ValueError("expected an indicator listed in reference/indicators.csv")
        return v

    def model_post_init(self, _ctx: Any) -> None:
        if self.op in ("add", "set") and self.value is None:
            raise ValueError(f"op {self.op!r} needs a 'value'")
        if self.op == "scale" and self.factor is None:
            raise ValueError("op 'scale' needs a 'factor'")


class _Corridor(BaseModel):
    model_config = ConfigDict(extra="forbid")
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

    def model_post_init(self, _ctx: Any) -> None:
        if self.op == "add_edge" and (not self.source or not self.target or self.capacity is None):
            raise ValueError("op 'add_edge' needs 'source', 'target' and 'capacity'")
        if self.op in ("scale", "set") and not (self.route or (self.source and self.target)):
            raise ValueError(f"op {self.op!r} needs a 'route' or a 'source' and 'target'")
        if self.op == "scale" and self.factor is None:
            raise ValueError("op 'scale' needs a 'factor'")
        if self.op == "set" and self.capacity is None:
            raise ValueError("op 'set' needs a 'capacity'")


class _Membership(BaseModel):
    model_config = ConfigDict(extra="forbid")
    op: Literal["join", "leave"]
    org: str
    year: _Year | None = None
    status: str = "member"

    @field_validator("org")
    @classmethod
    def _org(cls, v: str) -> str:
        orgs = set(reference.load("organisations")["org"])
        if v not in orgs:
            raise ValueError(f"expected an organisation in reference/organisations.csv "
                             f"({', '.join(sorted(orgs))})")
        return v


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")
    counterpart: str
    kind: Literal["visit", "summit", "agreement"] = "agreement"
    domains: list[str] = Field(default_factory=list)
    value_usd: _Amount | None = None
    date: str | None = None

    _date = field_validator("date", mode="before")(classmethod(lambda cls, v: _check_date(v)))

    @field_validator("domains")
    @classmethod
    def _domains(cls, v: list[str]) -> list[str]:
        bad = [d for d in v if d not in reference.domain_list()]
        if bad:
            raise ValueError(f"unknown domain(s) {bad}; expected some of {reference.domain_list()}")
        return v


class _Baseline(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: _Year
    partner: str
    indicator: str
    product: str | None = None
    source: str | None = None

    @field_validator("indicator")
    @classmethod
    def _ind(cls, v: str) -> str:
        if v not in _indicator_names():
            raise ValueError("expected an indicator listed in reference/indicators.csv")
        return v


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    date: str = ""
    focal: str | None = None
    description: str = ""
    sources: list[str] = Field(min_length=1)
    quote: str = ""
    flow: list[_Flow] = Field(default_factory=list)
    corridor: list[_Corridor] = Field(default_factory=list)
    membership: list[_Membership] = Field(default_factory=list)
    event: list[_Event] = Field(default_factory=list)
    baseline: list[_Baseline] = Field(default_factory=list)

    @field_validator("focal")
    @classmethod
    def _focal(cls, v: str | None) -> str | None:
        if v is not None and v not in reference.country_codes():
            raise ValueError("expected an ISO3 country code")
        return v

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        return _check_date(v)


def _block_lines(text: str, table: str) -> list[int]:
    """1-based line numbers of each ``[[table]]`` header in ``text``."""
    pat = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]\s*(#.*)?$")
    return [i + 1 for i, ln in enumerate(text.splitlines()) if pat.match(ln)]


def _key_line(text: str, start: int, key: str) -> int:
    """Line of ``key = ...`` at or after ``start`` (1-based) within the same table, else start."""
    lines = text.splitlines()
    for i in range(start, len(lines)):
        s = lines[i].strip()
        if i >= start and s.startswith("["):
            break
        if re.match(rf"^{re.escape(key)}\s*=", s):
            return i + 1
    return start


def _locate(text: str, loc: tuple) -> int:
    if not loc:
        return 1
    if loc[0] in ("flow", "corridor", "membership", "event", "baseline") and len(loc) > 1 \
            and isinstance(loc[1], int):
        heads = _block_lines(text, loc[0])
        if loc[1] < len(heads):
            start = heads[loc[1]]
            return _key_line(text, start, str(loc[2])) if len(loc) > 2 else start
    for i, ln in enumerate(text.splitlines()):
        if re.match(rf"^\s*{re.escape(str(loc[0]))}\s*=", ln):
            return i + 1
    return 1


def parse_action(text: str, *, where: str = "<action>") -> Action:
    """Parse and validate the text of an action file.

    Raises
    ------
    ActionError
        Every problem, each naming the file, line, key, the value seen and what was expected.
    """
    data = load_toml(text, where=where, error=ActionError)
    n = sum(len(v) for k, v in data.items()
            if k in ("flow", "corridor", "membership", "event", "baseline") and isinstance(v, list))
    if n > MAX_CHANGES:
        raise ActionError(f"{where}: {n:,} changes in one action; expected at most "
                          f"{MAX_CHANGES:,} (equipoise.doctrine.actions.MAX_CHANGES); split the "
                          "initiative into several actions")
    try:
        m = _Action.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        lines = []
        for e in errors[:MAX_SHOWN]:  # located one by one: only the ones shown
            loc = tuple(e["loc"])
            key = ".".join(f"[{x}]" if isinstance(x, int) else str(x) for x in loc).replace(".[", "[")
            msg = cut(e["msg"].removeprefix("Value error, "))
            lines.append(f"  {where} line {_locate(text, loc)}, key {key or '(top level)'}: "
                         f"{msg} (saw {short(e.get('input'))})")
        if len(errors) > MAX_SHOWN:
            lines.append(f"  ... and {len(errors) - MAX_SHOWN:,} more")
        raise ActionError(f"{where}: invalid action ({len(errors)} problem(s)):\n"
                          + "\n".join(lines)) from exc
    fl = _block_lines(text, "flow")
    cl = _block_lines(text, "corridor")
    ml = _block_lines(text, "membership")
    el = _block_lines(text, "event")
    bl = _block_lines(text, "baseline")

    def at(lines: list[int], i: int) -> int:
        return lines[i] if i < len(lines) else 0

    return Action(
        id=m.id, title=m.title, sources=tuple(m.sources), date=m.date, focal=m.focal,
        description=m.description.strip(), quote=m.quote.strip(),
        flows=tuple(FlowChange(**f.model_dump(), line=at(fl, i)) for i, f in enumerate(m.flow)),
        corridors=tuple(CorridorChange(**c.model_dump(), line=at(cl, i))
                        for i, c in enumerate(m.corridor)),
        memberships=tuple(MembershipChange(**x.model_dump(), line=at(ml, i))
                          for i, x in enumerate(m.membership)),
        events=tuple(EventChange(**{**x.model_dump(), "domains": tuple(x.domains)},
                                 line=at(el, i)) for i, x in enumerate(m.event)),
        baseline=tuple(BaselineRemoval(**x.model_dump(), line=at(bl, i))
                       for i, x in enumerate(m.baseline)),
        path=where)


def load_action(path: str | Path) -> Action:
    """Read an action TOML file (see the module docstring for the format).

    ``path`` may also name a shipped example (``"us-tungsten-2025"``; see
    :func:`example_actions`).
    """
    p = Path(path)
    if not p.exists():
        ex = _examples_dir().joinpath(f"{p.name.removesuffix('.toml')}.toml")
        if ex.is_file():
            return parse_action(ex.read_text(encoding="utf-8"), where=f"examples/{ex.name}")
        raise ActionError(f"{p}: no such action file (shipped examples: "
                          f"{', '.join(example_actions())})")
    return parse_action(read_text(p, what="action file", error=ActionError), where=str(p))


def _examples_dir():
    from importlib import resources

    return resources.files(__package__).joinpath("examples")


def example_actions() -> list[str]:
    """Names of the shipped example actions (``doctrine/examples/*.toml``)."""
    return sorted(f.name.removesuffix(".toml") for f in _examples_dir().iterdir()
                  if f.name.endswith(".toml"))


# --------------------------------------------------------------------------- application

@dataclass
class Applied:
    """What applying an action changed: the new flows, the corridor graph, the memberships,
    the events and a log of every change with its before and after values."""

    flows: Any
    corridors: Any = None
    memberships: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    log: list[dict] = field(default_factory=list)


def _domain_years(frame: pd.DataFrame, focal: str) -> dict[str, int]:
    df = frame[frame["reporter"] == focal]
    return {d: int(y) for d, y in df.groupby("domain")["year"].max().items()}


def _check_size(action: Action) -> None:
    n = (len(action.flows) + len(action.corridors) + len(action.memberships) + len(action.events)
         + len(action.baseline))
    if n > MAX_CHANGES:
        raise ActionError(f"{action.path or action.id}: {n:,} changes in one action; expected at "
                          f"most {MAX_CHANGES:,} (equipoise.doctrine.actions.MAX_CHANGES); split "
                          "the initiative into several actions")


def _pkey(v):
    """A product cell as a dictionary key: None for a missing product (None, NaN, NA)."""
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    return v


def _column(frame: pd.DataFrame, name: str, default=None) -> list:
    return frame[name].tolist() if name in frame.columns else [default] * len(frame)


def _fsum(values: list[float]) -> float:
    """The sum pandas' ``Series.sum`` gives (numpy's pairwise summation), as a float."""
    return float(np.sum(np.asarray(values, dtype="float64"))) if values else 0.0


def _overflow(where: str, line: int, what: str, value: float) -> ActionError:
    return ActionError(f"{where} line {line}: {what} gives {value!r}, not a finite number; "
                       "expected values whose results stay finite (below about 1.8e308)")


def remove_baseline(action: Action, flows, *, focal: str):
    """The flows without the rows named by the action's ``[[baseline]]`` selectors (the
    initiative taken out), with the reporter's WLD total reduced by what was removed.

    Selectors apply in file order, each to what the earlier ones left; the rows are found
    through a dictionary keyed by (year, partner, indicator), so the work grows linearly with
    the number of selectors.

    Returns ``(flows, log)``. Raises :class:`ActionError` when a selector matches nothing.
    """
    from ..io.flows import FlowSet

    if not action.baseline:
        return flows, []
    _check_size(action)
    frame = flows.data if hasattr(flows, "data") else flows
    ind = reference.indicator_table()
    unit_of, kind_of = ind["unit"].to_dict(), ind["kind"].to_dict()
    where = action.path or action.id
    years, reps, partners = _column(frame, "year"), _column(frame, "reporter"), \
        _column(frame, "partner")
    inds, prods, srcs = _column(frame, "indicator"), _column(frame, "product"), \
        _column(frame, "source")
    values = [float(v) for v in _column(frame, "value", float("nan"))]
    files, lines = _column(frame, "file", ""), _column(frame, "line", 0)
    groups: dict[tuple, list[int]] = {}
    for i, (y, r, p, k) in enumerate(zip(years, reps, partners, inds, strict=True)):
        if r == focal:
            groups.setdefault((y, p, k), []).append(i)
    alive = [True] * len(frame)
    touched: set[int] = set()
    log = []
    for b in action.baseline:
        cand = [i for i in groups.get((b.year, b.partner, b.indicator), ()) if alive[i]
                and (b.product is None or prods[i] == b.product)
                and (b.source is None or srcs[i] == b.source)]
        if not cand:
            raise ActionError(f"{where} line {b.line}: baseline selector matches no row (year="
                              f"{b.year}, partner={b.partner}, indicator={b.indicator}, product="
                              f"{b.product!r}, source={b.source!r})")
        removed = _fsum([values[i] for i in cand])
        for i in cand:
            log.append({"table": "baseline", "op": "remove", "line": b.line, "year": b.year,
                        "partner": b.partner, "indicator": b.indicator,
                        "product": prods[i], "before": values[i], "after": None,
                        "source_before": srcs[i], "source_after": None,
                        "row_before": f"{files[i]} line {int(lines[i])}"})
            alive[i] = False
        if unit_of[b.indicator] != "%" and kind_of[b.indicator] != "score":
            w = [i for i in groups.get((b.year, "WLD", b.indicator), ())
                 if alive[i] and _pkey(prods[i]) is None]
            if w:
                i = w[0]
                old = values[i]
                values[i] = max(0.0, old - removed)
                touched.add(i)
                log.append({"table": "baseline", "op": "total", "line": b.line, "year": b.year,
                            "partner": "WLD", "indicator": b.indicator, "product": None,
                            "before": old, "after": values[i],
                            "source_before": srcs[i], "source_after": None,
                            "row_before": f"{files[i]} line {int(lines[i])}"})
    data = frame.copy()
    if touched:
        pos = sorted(touched)
        data.iloc[pos, data.columns.get_loc("value")] = [values[i] for i in pos]
    data = data[np.asarray(alive, dtype=bool)]
    q = getattr(flows, "quarantine", None)
    out = FlowSet(data=data.reset_index(drop=True)) if q is None or not len(q) else \
        FlowSet(data=data.reset_index(drop=True), quarantine=q)
    return out, log


class _Rows:
    """The focal state's flow rows as plain lists with dictionary indexes, so that each change
    costs a few dictionary look-ups (the table is rebuilt once, at the end)."""

    def __init__(self, frame: pd.DataFrame, focal: str):
        self.n0 = len(frame)
        self.year = _column(frame, "year")
        self.partner = _column(frame, "partner")
        self.indicator = _column(frame, "indicator")
        self.product = _column(frame, "product")
        self.value = _column(frame, "value", float("nan"))
        self.source = _column(frame, "source")
        self.file = _column(frame, "file", "")
        self.line = _column(frame, "line", 0)
        self.by_key: dict[tuple, list[int]] = {}    # (year, partner, indicator, product)
        self.by_group: dict[tuple, list[int]] = {}  # (year, partner, indicator)
        for i, (y, r, p, k, pr) in enumerate(zip(self.year, _column(frame, "reporter"),
                                                 self.partner, self.indicator, self.product,
                                                 strict=True)):
            if r == focal:
                self._index(i, y, p, k, pr)

    def _index(self, i, y, p, k, pr) -> None:
        self.by_key.setdefault((y, p, k, _pkey(pr)), []).append(i)
        self.by_group.setdefault((y, p, k), []).append(i)

    def append(self, y, p, k, pr, value, src, file, line) -> int:
        i = len(self.year)
        for col, v in ((self.year, y), (self.partner, p), (self.indicator, k),
                       (self.product, pr), (self.value, value), (self.source, src),
                       (self.file, file), (self.line, line)):
            col.append(v)
        self._index(i, y, p, k, pr)
        return i


def _apply_flows(action: Action, frame: pd.DataFrame, focal: str, where: str, log: list):
    """The flow changes, applied in file order; returns (rows, changed position -> line)."""
    ind = reference.indicator_table()
    dom_of, unit_of, kind_of = ind["domain"].to_dict(), ind["unit"].to_dict(), \
        ind["kind"].to_dict()
    years = _domain_years(frame, focal)
    own = frame[frame["reporter"] == focal]
    ind_years = {i: int(y) for i, y in own.groupby("indicator")["year"].max().items()}
    rows = _Rows(frame, focal)
    changed: dict[int, int] = {}  # position -> line of the change (the last one wins)

    def add_delta(year, indicator, partner, product, delta: float, src: str, line: int,
                  op: str, set_value: float | None = None) -> None:
        hit = rows.by_key.get((year, partner, indicator, _pkey(product)))
        if hit:
            i = hit[0]
            old = float(rows.value[i])
            new = set_value if set_value is not None else old + delta
            if not math.isfinite(new):
                raise _overflow(where, line, f"{op} on {partner} {indicator} {year} "
                                f"(was {old!r})", new)
            before = (f"{rows.file[i]} line {int(rows.line[i])}" if i not in changed
                      else f"{where} line {changed[i]}")
            log.append({"table": "flows", "op": op, "line": line, "year": year,
                        "partner": partner, "indicator": indicator, "product": product,
                        "before": old, "after": new, "source_before": rows.source[i],
                        "source_after": src, "row_before": before})
            rows.value[i] = new
            rows.source[i] = src
            changed[i] = line
        else:
            value = set_value if set_value is not None else delta
            log.append({"table": "flows", "op": op, "line": line, "year": year,
                        "partner": partner, "indicator": indicator, "product": product,
                        "before": None, "after": value, "source_before": None,
                        "source_after": src, "row_before": None})
            i = rows.append(year, partner, indicator, product, value, src, where, line)
            changed[i] = line

    for ch in action.flows:
        src = ch.source or action.source
        dom = dom_of[ch.indicator]
        year = ch.year if ch.year is not None else ind_years.get(
            ch.indicator, years.get(dom, action.year))
        if year is None:
            raise ActionError(f"{where} line {ch.line}: flow change for {ch.indicator}: the "
                              f"focal state {focal} has no data in domain {dom!r} and the "
                              "change gives no 'year'; add year = YYYY")
        total_moves = unit_of[ch.indicator] != "%" and kind_of[ch.indicator] != "score"
        delta_total = 0.0
        if ch.op == "scale":
            cand = rows.by_group.get((year, ch.partner, ch.indicator), [])
            if ch.product is not None:
                cand = [i for i in cand if rows.product[i] == ch.product]
            if not cand:
                seen = sorted({y for y, k in zip(rows.year, rows.indicator, strict=True)
                               if k == ch.indicator})
                raise ActionError(
                    f"{where} line {ch.line}: scale matches no row (year={year}, "
                    f"partner={ch.partner}, indicator={ch.indicator}, product={ch.product!r}); "
                    f"rows of {ch.indicator} for {focal}: years {seen}")
            for i in list(cand):
                old = float(rows.value[i])
                prod = _pkey(rows.product[i])
                add_delta(year, ch.indicator, ch.partner, prod, 0.0, src, ch.line,
                          "scale", set_value=old * float(ch.factor))
                delta_total += old * (float(ch.factor) - 1.0)
        elif ch.op == "add":
            add_delta(year, ch.indicator, ch.partner, ch.product, float(ch.value), src, ch.line,
                      "add")
            delta_total = float(ch.value)
        else:  # set
            hit = rows.by_key.get((year, ch.partner, ch.indicator, _pkey(ch.product)), [])
            old = _fsum([float(rows.value[i]) for i in hit])
            add_delta(year, ch.indicator, ch.partner, ch.product, 0.0, src, ch.line, "set",
                      set_value=float(ch.value))
            delta_total = float(ch.value) - old
        if total_moves and delta_total != 0.0:
            w = rows.by_key.get((year, "WLD", ch.indicator, None))
            if w:
                total = float(rows.value[w[0]]) + delta_total
                if not math.isfinite(total):
                    raise _overflow(where, ch.line, f"moving the WLD total of {ch.indicator} "
                                    f"{year} by {delta_total!r}", total)
                add_delta(year, ch.indicator, "WLD", None, 0.0, src, ch.line, "total",
                          set_value=max(0.0, total))
    _check_sums(rows, changed, where)
    return rows, changed


def _check_sums(rows: _Rows, changed: dict[int, int], where: str) -> None:
    """Every (year, indicator) the changes touch must still add up to a finite number (two
    additions of 1e308 on different partners overflow the domain's total)."""
    touched: dict[tuple, list[int]] = {}
    for i, line in changed.items():
        touched.setdefault((rows.year[i], rows.indicator[i]), []).append(line)
    if not touched:
        return
    sums: dict[tuple, float] = dict.fromkeys(touched, 0.0)
    for (y, p, k), pos in rows.by_group.items():
        if (y, k) in sums and p != "WLD":
            for i in pos:
                sums[(y, k)] += float(rows.value[i])
    for key, s in sums.items():
        if not math.isfinite(s):
            lines = sorted(set(touched[key]))
            shown = ", ".join(map(str, lines[:10])) + (f" and {len(lines) - 10} more"
                                                        if len(lines) > 10 else "")
            raise ActionError(f"{where} line {lines[0]}: the partners of {key[1]} {key[0]} add "
                              f"up to {s!r} after the change(s) on line(s) {shown}; expected "
                              "values whose sum stays finite (below about 1.8e308)")


_ROW_COLUMNS = ["year", "reporter", "partner", "domain", "indicator", "product", "value", "unit",
                "source"]


def _changed_frame(frame: pd.DataFrame, rows: _Rows, changed: dict[int, int], focal: str):
    """The changed and new rows (in the order they were first changed), canonical columns."""
    ind = reference.indicator_table()
    dom_of, unit_of = ind["domain"].to_dict(), ind["unit"].to_dict()
    order = list(changed)
    old = [i for i in order if i < rows.n0]
    cols_old = {c: frame[c].tolist() for c in ("reporter", "domain", "unit")} if old else {}
    out: dict[str, list] = {c: [] for c in _ROW_COLUMNS}
    for i in order:
        k = rows.indicator[i]
        if i < rows.n0:
            rep, dom, unit = cols_old["reporter"][i], cols_old["domain"][i], cols_old["unit"][i]
        else:
            rep, dom, unit = focal, dom_of[k], unit_of[k]
        for c, v in (("year", rows.year[i]), ("reporter", rep), ("partner", rows.partner[i]),
                     ("domain", dom), ("indicator", k), ("product", rows.product[i]),
                     ("value", rows.value[i]), ("unit", unit), ("source", rows.source[i])):
            out[c].append(v)
    return pd.DataFrame(out, columns=_ROW_COLUMNS), order


def apply_action(action: Action, flows, *, focal: str, corridors=None,
                 memberships: pd.DataFrame | None = None,
                 events: pd.DataFrame | None = None) -> Applied:
    """Apply ``action`` and return new tables (the inputs are not modified).

    The flow changes run in file order on plain lists indexed by dictionaries (a few look-ups
    per change); the changed and new rows are then validated together, in one call, and
    merged with the unchanged rows once, so the work grows linearly with the number of
    changes (at most :data:`MAX_CHANGES` in one action).

    Raises
    ------
    ActionError
        A change matches nothing, a value or a sum overflows, or a new row fails validation
        (naming the action file and line of the change).
    """
    from ..io.flows import FlowSet, validate_frame

    _check_size(action)
    frame = flows.data if hasattr(flows, "data") else flows
    quarantine = getattr(flows, "quarantine", None)
    log: list[dict] = []
    where = action.path or action.id
    need = ("year", "reporter", "partner", "domain", "indicator", "product", "value", "unit",
            "source")
    if action.flows and not set(need) <= set(frame.columns):
        raise ActionError(f"{where}: the action changes flows, but the flows table has columns "
                          f"{list(frame.columns)}; expected {list(need)}")
    changed: dict[int, int] = {}
    if action.flows:
        rows, changed = _apply_flows(action, frame, focal, where, log)
    if changed:
        table, order = _changed_frame(frame, rows, changed, focal)
        try:
            checked = validate_frame(table, source=where, first_line=0, lenient=True)
        except InputError as exc:
            raise ActionError(f"{where}: the changes give invalid flow rows: {exc}") from exc
        if len(checked.quarantine):
            problems = checked.quarantine.to_dict("records")
            shown = "\n".join(
                f"  {where} line {changed[order[int(p['line'])]]}: the change gives an invalid "
                f"flow row: column {p['column']!r}: {p['message']}" for p in problems[:20])
            more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
            raise ActionError(f"{where} line {changed[order[int(problems[0]['line'])]]}: the "
                              f"changes give {len(problems)} invalid flow row(s):\n{shown}{more}")
        added_data = checked.data
        added_data["line"] = np.asarray([changed[order[int(p)]] for p in added_data["line"]],
                                        dtype="int64")
        keep = np.ones(len(frame), dtype=bool)
        keep[[i for i in order if i < rows.n0]] = False
        base_data = frame[keep].reset_index(drop=True)
        if any(_pkey(rows.product[i]) is None for i in range(rows.n0, len(rows.year))):
            # a new row without a product makes the column generic (object), as appending
            # that row to the table did; the merged table keeps the same dtypes as before
            base_data["product"] = base_data["product"].astype(object)
        base = FlowSet(data=base_data)
        added = FlowSet(data=added_data.reset_index(drop=True))
        try:
            merged = base.concat(added)
        except InputError as exc:
            raise ActionError(f"{where}: the changed rows conflict with the data: {exc}") from exc
        if quarantine is not None and len(quarantine):
            merged = FlowSet(data=merged.data, quarantine=quarantine)
        new_flows = merged
    else:
        new_flows = flows if hasattr(flows, "data") else FlowSet(data=frame)


    graph = corridors
    if action.corridors:
        graph, clog = _apply_corridors(action, corridors, focal)
        log += clog
    mem = memberships
    if action.memberships:
        mem, mlog = _apply_memberships(action, memberships, focal)
        log += mlog
    ev = events
    if action.events:
        rows = []
        for e in action.events:
            date = e.date or action.date or ""
            rows.append({"date": date, "year": int(date[:4]) if date[:4].isdigit() else None,
                         "actor": focal, "counterpart": e.counterpart, "kind": e.kind,
                         "domains": ";".join(e.domains), "value_usd": e.value_usd,
                         "source": action.source})
            log.append({"table": "events", "op": "add", "line": e.line, **rows[-1]})
        ev = pd.concat([events, pd.DataFrame(rows)], ignore_index=True) \
            if events is not None else pd.DataFrame(rows)
    return Applied(flows=new_flows, corridors=graph, memberships=mem, events=ev, log=log)


def _apply_corridors(action: Action, graph, focal: str):
    from ..errors import CorridorError
    from ..risk.corridors import CorridorGraph, load_corridors

    where = action.path or action.id
    g = graph if graph is not None else load_corridors()
    nodes = g.nodes.copy()
    edges = g.edges.copy()
    log = []
    for ch in action.corridors:
        if ch.op == "add_edge":
            for nid, country in ((ch.source, ch.source_country), (ch.target, ch.target_country)):
                if nid not in set(nodes["id"]):
                    if not country:
                        raise ActionError(
                            f"{where} line {ch.line}: node {nid!r} is not in the corridor graph; "
                            f"give {'source' if nid == ch.source else 'target'}_country = ISO3 "
                            f"to create it (nodes: {', '.join(sorted(nodes['id'])[:30])} ...)")
                    nodes = pd.concat([nodes, pd.DataFrame([{
                        "id": nid, "country": country, "kind": "hub", "capacity": float("nan"),
                        "unit": ch.unit, "citation": ch.citation or action.source,
                        "note": f"added by action {action.id}"}])], ignore_index=True)
            edges = pd.concat([edges, pd.DataFrame([{
                "source": ch.source, "target": ch.target, "capacity": float(ch.capacity),
                "unit": ch.unit, "mode": ch.mode, "route": ch.route or action.id,
                "basis": "action", "citation": ch.citation or action.source,
                "note": f"added by action {action.id}"}])], ignore_index=True)
            log.append({"table": "corridors", "op": "add_edge", "line": ch.line,
                        "edge": f"{ch.source}->{ch.target}", "route": ch.route or action.id,
                        "before": 0.0, "after": float(ch.capacity),
                        "source_after": ch.citation or action.source})
            continue
        if ch.route:
            m = edges["route"] == ch.route
        else:
            m = (edges["source"] == ch.source) & (edges["target"] == ch.target)
        m &= edges["mode"] != "connector"
        if not m.any():
            known = sorted(set(edges["route"]) - {""})
            raise ActionError(f"{where} line {ch.line}: corridor change matches no edge "
                              f"(route={ch.route!r}, source={ch.source!r}, target={ch.target!r}); "
                              f"routes in the graph: {known}")
        for i in edges.index[m]:
            old = float(edges.at[i, "capacity"])
            new = old * float(ch.factor) if ch.op == "scale" else float(ch.capacity)
            edges.at[i, "capacity"] = new
            edges.at[i, "citation"] = ch.citation or action.source
            edges.at[i, "basis"] = "action"
            log.append({"table": "corridors", "op": ch.op, "line": ch.line,
                        "edge": f"{edges.at[i, 'source']}->{edges.at[i, 'target']}",
                        "route": edges.at[i, "route"], "before": old, "after": new,
                        "source_after": ch.citation or action.source})
    try:
        new = CorridorGraph.from_tables(nodes, edges, name=f"{g.name} + {action.id}")
    except CorridorError as exc:
        raise ActionError(f"{where}: the corridor changes give an invalid graph: {exc}") from exc
    return new, log


def _apply_memberships(action: Action, mem: pd.DataFrame | None, focal: str):
    where = action.path or action.id
    m = reference.load("memberships") if mem is None else mem.copy()
    log = []
    for ch in action.memberships:
        year = ch.year or action.year
        if year is None:
            raise ActionError(f"{where} line {ch.line}: membership change needs a year "
                              "(year = YYYY, or the action's date)")
        own = (m["org"] == ch.org) & (m["country"] == focal)
        open_ = own & m["end_year"].isna()
        if ch.op == "join":
            if open_.any():
                raise ActionError(f"{where} line {ch.line}: {focal} is already in {ch.org} "
                                  f"(since {m.loc[open_, 'start_year'].iloc[0]}); expected an "
                                  "organisation it is not in")
            m = pd.concat([m, pd.DataFrame([{"org": ch.org, "country": focal,
                                             "start_year": year, "end_year": pd.NA,
                                             "status": ch.status,
                                             "source": action.source}])], ignore_index=True)
            log.append({"table": "memberships", "op": "join", "line": ch.line, "org": ch.org,
                        "year": year, "status": ch.status, "source_after": action.source})
        else:
            if not open_.any():
                raise ActionError(f"{where} line {ch.line}: {focal} is not in {ch.org}; cannot "
                                  "leave it")
            m.loc[open_, "end_year"] = year - 1
            log.append({"table": "memberships", "op": "leave", "line": ch.line, "org": ch.org,
                        "year": year, "source_after": action.source})
    for c in ("start_year", "end_year"):
        m[c] = pd.to_numeric(m[c], errors="coerce").astype("Int64")
    return m, log


# --------------------------------------------------------------------------- evaluation

#: metric -> +1 when higher is better, -1 when lower is better
_SENSE = {"top_share": -1, "hhi": -1, "effective_partners": +1, "shock_loss": -1,
          "var": -1, "cvar": -1, "max_flow": +1, "corridor_loss": -1, "bloc_violations": -1,
          "led_by_pole": 0, "engagement": 0}


@dataclass
class State:
    """The numbers of one side (before or after) of an evaluation."""

    assessment: Any
    shocks: dict[str, dict]
    risk: dict
    corridors: dict
    blocs: dict
    engagement: dict
    simulation: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        a = self.assessment
        return {
            "domains": {d: {k: v for k, v in r.to_dict().items()
                            if k in ("year", "shares", "hhi", "top_partner", "top_share",
                                     "effective_partners", "critical", "sources")}
                        for d, r in a.domains.items()},
            "leaders": a.distinctness["leaders"],
            "pole_shares": a.distinctness["pole_shares"],
            "shocks": self.shocks,
            "risk": self.risk,
            "simulation": self.simulation,
            "corridors": self.corridors,
            "blocs": {"violations": self.blocs.get("violations", []),
                      "led_by_pole": [x["org"] for x in self.blocs.get("led_by_pole", [])]},
            "engagement": self.engagement,
            "rules": [r.to_dict() for r in a.rules],
        }


@dataclass
class Evaluation(RichSummary):
    """Result of :func:`evaluate`: the state before and after an action, what improves, what
    worsens and which rules change state.

    ``to_dict()`` (``equipoise evaluate --json``) has ``action``, ``before`` and ``after``
    (domains, leaders, pole shares, shocks per pole, Monte Carlo VaR/CVaR, corridor max flows,
    blocs, engagement, rules), ``changed_rules`` (rules whose pass/fail state flips, with both
    margins), ``rules`` (every rule's margins before and after), ``improves``, ``worsens``,
    ``other_changes``, ``log`` (every change applied, with the row it replaced) and ``notes``.
    """

    action: Action
    focal: str
    before: State
    after: State
    rules: list[dict]
    changes: list[dict]
    log: list[dict]
    notes: list[str] = field(default_factory=list)

    @property
    def changed_rules(self) -> list[dict]:
        """Rules whose pass/fail state differs after the action."""
        return [r for r in self.rules if r["passed_before"] != r["passed_after"]]

    @property
    def improves(self) -> list[dict]:
        return [c for c in self.changes if c["direction"] == "improves"]

    @property
    def worsens(self) -> list[dict]:
        return [c for c in self.changes if c["direction"] == "worsens"]

    @property
    def table(self) -> pd.DataFrame:
        """Every measure that moved: measure, kind, before, after, delta, direction."""
        return pd.DataFrame(self.changes, columns=["measure", "kind", "before", "after", "delta",
                                                   "direction"])

    @property
    def rule_table(self) -> pd.DataFrame:
        """Every rule with its state and margin before and after."""
        return pd.DataFrame(self.rules).set_index("name") if self.rules else pd.DataFrame()

    @property
    def other_changes(self) -> list[dict]:
        """Changes that are neither better nor worse by the doctrine (memberships led by a
        pole, engagement counts)."""
        return [c for c in self.changes if c["direction"] == "changes"]

    def to_dict(self) -> dict:
        a = self.action
        return {
            "action": {"id": a.id, "title": a.title, "date": a.date, "sources": list(a.sources),
                       "quote": a.quote, "description": a.description, "path": a.path},
            "focal": self.focal,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "changed_rules": self.changed_rules,
            "rules": self.rules,
            "improves": self.improves,
            "worsens": self.worsens,
            "other_changes": self.other_changes,
            "log": self.log,
            "notes": self.notes,
        }

    def renderables(self) -> list:
        from rich.table import Table

        a = self.action
        out: list = [f"Action {a.id}: {a.title} ({a.date}; sources {', '.join(a.sources)})"]
        if a.quote:
            out.append(f'  "{a.quote}"')
        t = Table(title="Changes applied")
        for c in ("table", "op", "what", "before", "after", "source"):
            t.add_column(c, overflow="fold")
        for x in self.log:
            what = x.get("indicator") or x.get("edge") or x.get("org") or x.get("counterpart")
            if x.get("partner"):
                what = f"{x['partner']} {what} {x.get('year', '')}"
            t.add_row(x["table"], x["op"], str(what), _num(x.get("before")),
                      _num(x.get("after")), str(x.get("source_after") or x.get("source") or ""))
        out.append(t)
        r = Table(title="Rules that change state")
        for c in ("rule", "before", "after", "margin before", "margin after"):
            r.add_column(c)
        for x in self.changed_rules:
            r.add_row(x["name"], "pass" if x["passed_before"] else "FAIL",
                      "pass" if x["passed_after"] else "FAIL", _num(x["margin_before"]),
                      _num(x["margin_after"]))
        if not self.changed_rules:
            r.add_row("(none)", "", "", "", "")
        out.append(r)
        for label, rows in (("Improves", self.improves), ("Worsens", self.worsens),
                            ("Other changes", self.other_changes)):
            t2 = Table(title=label)
            for c in ("measure", "before", "after", "change"):
                t2.add_column(c)
            for x in rows[:25]:
                t2.add_row(x["measure"], _num(x["before"]), _num(x["after"]), _num(x["delta"]))
            if not rows:
                t2.add_row("(nothing)", "", "", "")
            out.append(t2)
        out.extend(f"note: {n}" for n in self.notes)
        return out


    def _repr_html_(self) -> str:
        def rows(xs):
            return "".join(f"<tr><td>{html.escape(x['measure'])}</td><td>{_num(x['before'])}</td>"
                           f"<td>{_num(x['after'])}</td></tr>" for x in xs)

        ch = "".join(f"<tr><td>{html.escape(x['name'])}</td><td>"
                     f"{'pass' if x['passed_before'] else 'FAIL'} &rarr; "
                     f"{'pass' if x['passed_after'] else 'FAIL'}</td></tr>"
                     for x in self.changed_rules) or "<tr><td>(none)</td></tr>"
        return (f"<h4>Action {html.escape(self.action.id)}: {html.escape(self.action.title)}</h4>"
                f"<p>Rules that change state</p><table>{ch}</table>"
                f"<p>Improves</p><table>{rows(self.improves)}</table>"
                f"<p>Worsens</p><table>{rows(self.worsens)}</table>")


def _num(x) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, (int, float)):
        return "-" if isinstance(x, float) and math.isnan(x) else f"{x:,.4g}"
    return str(x)


def _shares_frame(a) -> pd.DataFrame:
    return pd.DataFrame([{"domain": d, "partner": p, "share": s, "year": r.year}
                         for d, r in a.domains.items() for p, s in r.shares.items()])


def _engagement(events: pd.DataFrame | None, poles: list[str]) -> dict:
    """Events per pole (count and announced US dollar value) with the counterpart's members."""
    if events is None or events.empty:
        return {}
    out = {}
    for p in poles:
        codes = set(reference.expand_group(p)) | {p}
        e = events[events["counterpart"].isin(codes) | events["actor"].isin(codes)]
        out[p] = {"events": len(e), "value_usd": float(pd.to_numeric(e["value_usd"]).fillna(0)
                                                       .sum())}
    return out


def _simulation(a, doctrine, corridors, partners: list[str], n: int, seed: int) -> dict:
    """VaR and CVaR (95 %) of the total loss from :func:`equipoise.risk.montecarlo.run_request`
    (shares and corridor models, ``loss_model="max"`` with a graph), on fixed partners and seed
    so that before and after see the same scenarios."""
    from ..risk.montecarlo import MAX_PARTNERS, SimulationRequest, run_request

    req = SimulationRequest(focal=doctrine.focal, runs=int(n), seed=int(seed),
                            partners=tuple(partners[:MAX_PARTNERS]), levels=(0.95,),
                            loss_model="max" if corridors is not None else "shares",
                            batches=10)
    res = run_request(_shares_frame(a), req, graph=corridors, doctrine=doctrine)
    tot = res.risk.loc["total"]
    return {"level": 0.95, "var": float(tot["var_95"]), "cvar": float(tot["cvar_95"]),
            "mean": float(tot["mean"]), "runs": int(n), "seed": int(seed),
            "loss_model": req.loss_model, "partners": list(req.partners)}


def _state(a, doctrine, *, corridors, memberships, events, eval_year, scenarios,
           sim_partners=(), sim_n: int = 0, seed: int = 0) -> State:
    from ..risk.shocks import ShockRequest, shock
    from .plan import portfolio_risk
    from .rules import membership_check

    a = a.with_blocs(membership_check(doctrine, year=eval_year, memberships=memberships))
    shares = _shares_frame(a)
    shocks = {}
    model = "max" if corridors is not None else "shares"
    for p in doctrine.poles:
        r = shock(shares, ShockRequest(doctrine.focal, p, loss_model=model), doctrine=doctrine,
                  corridors=corridors)
        shocks[p] = {"total": r.total, "loss_model": model,
                     "losses": {d: v for d, v in r.losses.items() if not math.isnan(v)},
                     "corridor_losses": dict(r.corridor_losses)}
    risk = portfolio_risk(a, scenarios)
    cor = {}
    if corridors is not None:
        from ..risk.corridors import corridor_loss, load_systems, max_flow

        countries = set(corridors.countries())
        for s in load_systems(doctrine.focal).itertuples(index=False):
            sinks = s.sinks.split(";")
            if s.source not in corridors.country_of or any(k not in corridors.country_of
                                                            for k in sinks):
                continue
            cor[s.system] = {"unit": s.unit, "max_flow": max_flow(corridors, s.source, sinks),
                             "loss_without": {}}
            for p in doctrine.poles:
                codes = [c for c in {p, *reference.expand_group(p)} if c in countries]
                if codes:
                    cor[s.system]["loss_without"][p] = corridor_loss(corridors, s.source, sinks,
                                                                     codes)
    sim = _simulation(a, doctrine, corridors, list(sim_partners), sim_n, seed) \
        if sim_n else {}
    return State(a, shocks, risk, cor, a.blocs, _engagement(events, doctrine.poles), sim)


def _compare(before: State, after: State, tol: float = 1e-9) -> list[dict]:
    out = []

    def add(measure, kind, b, a):
        if b is None or a is None or (isinstance(b, float) and math.isnan(b)) \
                or (isinstance(a, float) and math.isnan(a)):
            return
        d = a - b
        if abs(d) <= tol:
            return
        sense = _SENSE[kind]
        out.append({"measure": measure, "kind": kind, "before": b, "after": a, "delta": d,
                    "direction": "changes" if sense == 0 else
                    ("improves" if d * sense > 0 else "worsens")})

    for dom in sorted(set(before.assessment.domains) | set(after.assessment.domains)):
        rb = before.assessment.domains.get(dom)
        ra = after.assessment.domains.get(dom)
        if rb is None or ra is None:
            continue
        for k in ("top_share", "hhi", "effective_partners"):
            add(f"{dom}.{k}", k, getattr(rb, k), getattr(ra, k))
    for p in before.shocks:
        add(f"shock.{p}.total_loss", "shock_loss", before.shocks[p]["total"],
            after.shocks.get(p, {}).get("total"))
    for k in ("var", "cvar"):
        add(f"monte_carlo.{k}", k, before.risk.get(k), after.risk.get(k))
        add(f"simulation.{k}", k, before.simulation.get(k), after.simulation.get(k))
    for s, v in before.corridors.items():
        va = after.corridors.get(s, {})
        add(f"corridors.{s}.max_flow", "max_flow", v["max_flow"], va.get("max_flow"))
        for p, x in v["loss_without"].items():
            add(f"corridors.{s}.loss_without_{p}", "corridor_loss", x,
                va.get("loss_without", {}).get(p))
    add("blocs.violations", "bloc_violations", float(len(before.blocs.get("violations", []))),
        float(len(after.blocs.get("violations", []))))
    for p in before.shocks:
        def led(state, pole=p):
            return float(sum(1 for x in state.blocs.get("led_by_pole", []) if x["led_by"] == pole))
        add(f"blocs.memberships_led_by_{p}", "led_by_pole", led(before), led(after))
        add(f"engagement.{p}.events", "engagement",
            float(before.engagement.get(p, {}).get("events", 0)),
            float(after.engagement.get(p, {}).get("events", 0)))
    return out


def _rule_rows(before: State, after: State) -> list[dict]:
    """Every registered rule's verdict before and after the action."""
    from .rules import compare_verdicts

    return compare_verdicts(before.assessment.rules, after.assessment.rules)


def evaluate(action: Action | str | Path, flows=None, *, doctrine=None, focal: str | None = None,
             year: int | None = None, n_scenarios: int = 2000, seed: int = 0,
             corridors=None) -> Evaluation:
    """Evaluate a proposed initiative before it is taken.

    Recomputes the assessment (shares, HHI, critical dependencies, roles, ...), the partner
    shocks (``L_d = i * s_{p,d} * (1 - sigma_d)``, Keohane & Nye 1977, and the corridor max-flow
    loss where a corridor graph exists), the Monte Carlo VaR and CVaR (Rockafellar & Uryasev
    2000; same scenarios before and after) twice: ``risk`` is the shares-model loss the plan
    minimises, ``simulation`` the full :func:`equipoise.risk.montecarlo.run_request` (shares and
    corridor models), the corridor max flows and the doctrine's rule checks, before and after
    the action.

    Parameters
    ----------
    action
        An :class:`Action`, or a path to an action TOML file (or a shipped example's name).
    flows
        Flows (default: the embedded dataset of the focal state).
    doctrine
        A doctrine, a TOML path or None for the default.
    focal
        ISO3 code (default: the action's, else the doctrine's).
    year
        One year for every domain (default: each domain's latest).
    n_scenarios, seed
        Monte Carlo scenarios for the VaR / CVaR (one-year disruption probabilities, the same
        scenarios before and after, so the difference is the action's alone).
    corridors
        A corridor graph (default: the shipped graph when the focal state has one).

    Returns
    -------
    Evaluation
    """
    from .check import assess
    from .model import Doctrine, load_doctrine, with_focal
    from .plan import check_scenarios, default_scenarios

    check_scenarios(n_scenarios, seed)
    if not isinstance(action, Action):
        action = load_action(action)
    focal = focal or action.focal
    if not isinstance(doctrine, Doctrine):
        doctrine = load_doctrine(doctrine, focal=focal)
    elif focal and focal != doctrine.focal:
        doctrine = with_focal(doctrine, focal)
    focal = doctrine.focal
    if flows is None:
        from ..datasets import load_default

        flows = load_default(focal)
    if corridors is None:
        try:
            from ..risk.corridors import load_corridors, load_systems

            if len(load_systems(focal)):
                corridors = load_corridors()
        except (EquipoiseError, OSError):  # no shipped graph for this focal state
            corridors = None
    events = None
    try:
        from ..datasets import load_events

        events = load_events(focal)
    except (EquipoiseError, OSError):  # no events ledger for this focal state
        events = None
    mem = reference.load("memberships")
    eval_year = action.year
    flows, base_log = remove_baseline(action, flows, focal=focal)
    applied = apply_action(action, flows, focal=focal, corridors=corridors, memberships=mem,
                           events=events)
    applied.log[:0] = base_log
    # the evaluation counts engagement itself (with the action's events), so the assessment's
    # own engagement summary is skipped
    a0 = assess(flows, focal=focal, year=year, doctrine=doctrine, engagement=False)
    a1 = assess(applied.flows, focal=focal, year=year, doctrine=doctrine, engagement=False)
    partners = {}
    for a in (a0, a1):
        for r in a.domains.values():
            for p, s in r.shares.items():
                partners[p] = max(partners.get(p, 0.0), s)
    partners.pop("OTH", None)
    scen = default_scenarios(doctrine, sorted(partners, key=lambda p: -partners[p]),
                             n=n_scenarios, seed=seed, graph=corridors)
    order = sorted(partners, key=lambda p: -partners[p])
    sim_partners = list(dict.fromkeys([*doctrine.poles, *order]))
    sim_partners = [p for p in sim_partners if p != focal]
    before = _state(a0, doctrine, corridors=corridors, memberships=mem, events=events,
                    eval_year=eval_year, scenarios=scen, sim_partners=sim_partners,
                    sim_n=n_scenarios, seed=seed)
    after = _state(a1, doctrine, corridors=applied.corridors, memberships=applied.memberships,
                   events=applied.events, eval_year=eval_year, scenarios=scen,
                   sim_partners=sim_partners, sim_n=n_scenarios, seed=seed)
    notes = []
    dom_of = reference.indicator_table()["domain"].to_dict()
    for x in applied.log:
        if x["table"] != "flows" or x["op"] == "total":
            continue
        dom = dom_of[x["indicator"]]
        r1 = a1.domains.get(dom)
        if r1 is None:
            continue
        used = (getattr(r1, "indicator_years", None) or {}).get(x["indicator"])
        if used is None and not getattr(r1, "indicator_years", None):
            used = r1.year
        if used != x["year"]:
            where_ = f"in {used}" if used is not None else "not at all"
            notes.append(f"line {x['line']}: the change to {x['indicator']} lands in {x['year']}, "
                         f"but the {dom} assessment uses that indicator {where_} (domain year "
                         f"{r1.year}); it does not move the {dom} numbers (evaluate with "
                         f"--year {x['year']} to see it)")
    return Evaluation(action=action, focal=focal, before=before, after=after,
                      rules=_rule_rows(before, after), changes=_compare(before, after),
                      log=applied.log, notes=sorted(set(notes)))
