"""Blocs and platforms: the focal state's memberships against the poles.

From the shipped ``organisations`` (org, name, kind, led_by, aimed_at, founded, source) and
``memberships`` (org, country, start_year, end_year, status, source) tables, or tables a user
passes:

- **blocs**: memberships of an alliance or bloc kind (:data:`BLOC_KINDS`) with, for each, the
  pole that leads it and the poles it is aimed at (``led_by`` / ``aimed_at`` may hold several
  codes separated by ';');
- **the no-camp rule** (the doctrine's "equal distance: no camp, bloc or mechanism aimed at any
  power"; Kuik's hedging reading in shared/METHODS.md): violated by a membership of a forbidden
  kind (default ``military alliance``, the doctrine's ``memberships.forbidden_kinds``) in an
  organisation aimed at a pole; with ``aimed_only=False`` any membership of a forbidden kind
  violates it;
- **platforms**: multilateral platforms the state takes part in (every other kind), with status;
- **co-membership**: per year and pole, the organisations in the table of which both are full
  members (a group pole such as EU27: the mean over its member states in that year);
- **COW IGO** shared full memberships per dyad-year, to 2014 (Pevehouse, Nordstrom, McManus &
  Jamison 2020, "Tracking organizations in the world: the Correlates of War IGO version 3.0
  datasets", Journal of Peace Research 57(3)), read from ``cow_igo_ndy`` (ccode1, ccode2, year,
  dyadigos), as an independent measure of institutional closeness.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._options import as_list
from .._results import Result, fmt_sig
from ..errors import NoDataError

BLOC_KINDS = ("military alliance", "collective security", "alliance", "bloc")

__all__ = ["BLOC_KINDS", "BlocReport", "bloc_report", "classify", "co_membership",
           "cow_igo_shared", "latest_year", "no_camp_record"]


def _codes(v) -> list[str]:
    if v is None or (isinstance(v, float) and np.isnan(v)) or pd.isna(v):
        return []
    return [x.strip() for x in str(v).split(";") if x.strip()]


def _active(mem: pd.DataFrame, year: int) -> pd.Series:
    start = pd.to_numeric(mem["start_year"], errors="coerce").fillna(-10**6)
    end = pd.to_numeric(mem["end_year"], errors="coerce").fillna(10**6)
    return (start <= year) & (end >= year)


@dataclass
class BlocReport(Result):
    """Memberships of ``focal`` judged against the poles (see the module docstring); a
    :class:`~equipoise._results.Result` (``summary()``, ``_repr_html_()``, ``to_dict()``,
    ``compare()``)."""

    focal: str
    poles: list[str]
    year: int
    memberships: pd.DataFrame
    blocs: pd.DataFrame
    platforms: pd.DataFrame
    no_camp: dict
    co_membership: pd.DataFrame
    cow_igo: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        def rec(df):
            return [] if df is None else df.to_dict("records")

        return {"focal": self.focal, "poles": self.poles, "year": self.year,
                "no_camp": self.no_camp, "blocs": rec(self.blocs),
                "platforms": rec(self.platforms), "co_membership": rec(self.co_membership),
                "cow_igo": rec(self.cow_igo), "notes": self.notes}

    def summary(self) -> str:
        nc = self.no_camp
        lines = [f"Blocs and platforms of {self.focal} in {self.year} (poles "
                 f"{', '.join(self.poles)})",
                 f"no-camp rule: {'passed' if nc['passed'] else 'FAILED'} "
                 f"({len(nc['violations'])} violation(s); forbidden kinds "
                 f"{', '.join(nc['forbidden_kinds'])})"]
        for v in nc["violations"]:
            lines.append(f"  violation: {v['org']} ({v['kind']}) aimed at {v['aimed_at_pole']}")
        if len(self.blocs):
            lines.append("alliances and blocs:")
            for r in self.blocs.itertuples():
                lines.append(f"  {r.org:10s} {r.kind:22s} led by pole: {r.led_by_pole or '-'}; "
                             f"aimed at pole: {r.aimed_at_pole or '-'}")
        if len(self.platforms):
            lines.append("platforms: " + ", ".join(
                f"{r.org}{'' if r.status == 'member' else f' ({r.status})'}"
                for r in self.platforms.itertuples()))
        if len(self.co_membership):
            last = self.co_membership[self.co_membership["year"] == self.year]
            lines.append("co-membership (shared full memberships, shipped table): " + ", ".join(
                f"{r.pole} {fmt_sig(r.shared, 6, thousands=False)}" for r in last.itertuples()))
        if self.cow_igo is not None and len(self.cow_igo):
            y = int(self.cow_igo["year"].max())
            last = self.cow_igo[self.cow_igo["year"] == y]
            lines.append(f"COW IGO shared memberships {y}: " + ", ".join(
                f"{r.pole} {fmt_sig(r.shared_igos, 6, thousands=False)}" for r in last.itertuples()))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def heading(self) -> str:
        return f"Blocs and platforms of {self.focal} in {self.year}"

    def compare_label(self) -> str:
        return f"{self.focal} {self.year}"

    def summary_numbers(self) -> dict[str, float]:
        """The no-camp rule (``no_camp.passed`` 1 or 0, its violations), the blocs and
        platforms counted, the shared full memberships with each pole in the report's year
        (``co_membership.RUS``) and the COW IGO shared memberships of its latest year
        (``cow_igo.RUS``; with the year as ``cow_igo.year``)."""
        nc = self.no_camp
        out: dict[str, float] = {"no_camp.passed": int(bool(nc["passed"])),
                                 "no_camp.violations": len(nc["violations"]),
                                 "blocs": len(self.blocs), "platforms": len(self.platforms)}
        cm = self.co_membership
        if len(cm):
            out.update({f"co_membership.{p}": _shared(p, v) for p, v in
                        zip(*_at_year(cm, self.year, "shared"), strict=True)})
        if self.cow_igo is not None and len(self.cow_igo):
            y = int(self.cow_igo["year"].max())
            out["cow_igo.year"] = y
            out.update({f"cow_igo.{p}": _shared(p, v) for p, v in
                        zip(*_at_year(self.cow_igo, y, "shared_igos"), strict=True)})
        return out

    def html_tables(self) -> list:
        tables: list = [("", list(self.summary_numbers().items()))]
        if self.no_camp["violations"]:
            tables.append(("No-camp violations", pd.DataFrame(self.no_camp["violations"])))
        if len(self.blocs):
            tables.append(("Alliances and blocs", _cols(
                self.blocs, "org", "kind", "led_by_pole", "aimed_at_pole")))
        if len(self.platforms):
            tables.append(("Platforms", _cols(self.platforms, "org", "kind", "status")))
        if self.notes:
            tables.append(("Notes", [(str(i), n) for i, n in enumerate(self.notes, 1)]))
        return tables


def _cols(table: pd.DataFrame, *cols: str) -> pd.DataFrame:
    return table[[c for c in cols if c in table.columns]]


def _shared(pole: str, v) -> float:
    """Organisations shared with ``pole`` as a summary number: a count (an int) for a
    country, the mean over its members (a float) for a group pole (EU27)."""
    from .. import reference

    return float(v) if reference.is_group(pole) else int(v)


def _at_year(table: pd.DataFrame, year: int, col: str) -> tuple[list, list]:
    """The poles and their ``col`` in ``year`` of a (year, pole, ...) table."""
    t = table[table["year"] == year]
    return t["pole"].tolist(), t[col].tolist()


def co_membership(memberships: pd.DataFrame, *, focal: str, poles: Sequence[str],
                  years: Sequence[int]) -> pd.DataFrame:
    """Organisations shared by ``focal`` and each pole per year (full members only).

    Returns year, pole, shared (a group pole: mean over its member states), orgs (';'-joined,
    for a group the organisations shared with any member).
    """
    from .. import reference

    mem = memberships
    if "status" in mem.columns:
        mem = mem[mem["status"].fillna("member").replace("", "member") == "member"]
    rows = []
    for y in years:
        act = mem[_active(mem, int(y))]
        by_c = act.groupby("country")["org"].apply(set).to_dict()
        mine = by_c.get(focal, set())
        for pole in poles:
            members = [m for m in reference.expand_group(pole, int(y)) if m != focal]
            shared = [mine & by_c.get(m, set()) for m in members]
            vals = [len(s) for s in shared]
            rows.append({"year": int(y), "pole": pole,
                         "shared": float(np.mean(vals)) if vals else 0.0,
                         "orgs": ";".join(sorted(set().union(*shared))) if shared else ""})
    return pd.DataFrame(rows, columns=["year", "pole", "shared", "orgs"])


def cow_igo_shared(data=None, *, focal: str, poles: Sequence[str], start: int | None = None,
                   end: int | None = None) -> pd.DataFrame:
    """COW IGO v3 shared full memberships of ``focal`` with each pole per year (to 2014).

    Parameters
    ----------
    data : DataFrame, path or None
        Canonical flows with indicator ``political.igo.shared`` (e.g. from the warehouse), or
        the COW ``cow_igo_ndy`` file read through :mod:`equipoise.sources.cow`
        (:func:`equipoise.context.cow_igo_source` finds the shared data copy).

    Returns year, pole, shared_igos (a group pole: mean over its members in that year), source.
    """
    from .. import reference
    from .engagement import _source_table

    if not isinstance(data, pd.DataFrame):
        if data is None:
            raise NoDataError("no COW IGO dyad-year file found; pass its path")
        data = _source_table("cow", data, "flows")
    df = data[data["indicator"] == "political.igo.shared"]
    df = df[(df["reporter"] == focal) | (df["partner"] == focal)]
    if start is not None:
        df = df[df["year"] >= int(start)]
    if end is not None:
        df = df[df["year"] <= int(end)]
    if df.empty:
        raise NoDataError(f"no COW IGO rows of {focal}")
    df = df.assign(other=np.where(df["reporter"] == focal, df["partner"], df["reporter"]))
    df = df.drop_duplicates(["year", "other"])
    rows = []
    for year, g in df.groupby("year"):
        s = g.set_index("other")["value"]
        for pole in poles:
            mem = [m for m in reference.expand_group(pole, int(year)) if m in s.index]
            if mem:
                rows.append({"year": int(year), "pole": pole,
                             "shared_igos": float(s.loc[mem].mean()),
                             "source": "COW IGO v3 (Pevehouse et al. 2020), cow_igo_ndy"})
    return pd.DataFrame(rows, columns=["year", "pole", "shared_igos", "source"])


YEAR_RANGE = (1900, 2100)
"""Years accepted for ``year`` and ``since`` (the co-membership series runs to ``year``)."""


def bloc_report(focal: str, poles: Sequence[str] | str, *,
                year: int | None = None, forbidden_kinds: Sequence[str] = ("military alliance",),
                aimed_only: bool = True, organisations: pd.DataFrame | None = None,
                memberships: pd.DataFrame | None = None, since: int | None = None,
                cow_igo=None) -> BlocReport:
    """Blocs, platforms, the no-camp rule and co-membership of ``focal`` with each pole.

    Parameters
    ----------
    year : int, optional
        Memberships in force that year (default: the current year of the tables, i.e. the
        latest start year); 1900..2100.
    forbidden_kinds : kinds whose membership breaks the no-camp rule (the doctrine's
        ``memberships.forbidden_kinds``).
    aimed_only : if True (the doctrine's ``forbid_aimed_at_pole``), only an organisation of a
        forbidden kind aimed at a pole is a violation.
    organisations, memberships : DataFrames, optional
        Default: the shipped reference tables.
    since : int, optional
        First year of the co-membership series (default: 1992 or the earliest start year).
    cow_igo : path, False or None
        COW IGO dyad-year file; None looks in the shared data; False skips it.
    """
    from .. import reference

    _check_years(year=year, since=since)
    poles = as_list(poles)
    if not poles:  # the caller resolves the default poles (equipoise.context.resolve_poles)
        from ..errors import InputError

        raise InputError(f"poles: saw {poles!r}; expected ISO3 codes or groups")
    notes = []
    if organisations is None:
        organisations = reference.load("organisations")
    if memberships is None:
        memberships = reference.load("memberships")
    mem_all = _membership_table(memberships)
    if year is None:
        year = latest_year(mem_all)
        if year is None:
            raise NoDataError("no start year in the memberships table: its current year is "
                              "unknown; pass year")
    mine = _in_force(mem_all, focal, year)
    if mine.empty:
        raise NoDataError(f"no memberships of {focal} in {year} in the memberships table")
    j = classify(mine, organisations, poles, forbidden_kinds, aimed_only, notes)
    j = j.sort_values("org").reset_index(drop=True)
    blocs = j[j["bloc"] | j["led_by_pole"].ne("") | j["aimed_at_pole"].ne("")]
    blocs = blocs[blocs["bloc"] | blocs["aimed_at_pole"].ne("")].reset_index(drop=True)
    platforms = j[~j["bloc"]].reset_index(drop=True)
    first = since or max(1992, int(np.nanmin(mem_all["start_year"].to_numpy(dtype=float))))
    comem = co_membership(mem_all, focal=focal, poles=poles, years=range(first, year + 1))
    cow = None
    if cow_igo is not False:
        try:
            cow = cow_igo_shared(cow_igo, focal=focal, poles=poles)
        except NoDataError as exc:
            notes.append(f"COW IGO not read: {exc}")
    return BlocReport(focal=focal, poles=poles, year=year, memberships=j, blocs=blocs,
                      platforms=platforms, no_camp=_no_camp(j, forbidden_kinds, aimed_only),
                      co_membership=comem, cow_igo=cow, notes=notes)


def _check_years(**years) -> None:
    """Each given year within :data:`YEAR_RANGE`, else an OptionError naming it."""
    from ..errors import OptionError

    for name, v in years.items():
        if v is not None and not YEAR_RANGE[0] <= int(v) <= YEAR_RANGE[1]:
            raise OptionError(f"{name}: expecting a year in {YEAR_RANGE[0]}..{YEAR_RANGE[1]}. "
                              f"Got {v!r}.")


def _membership_table(memberships: pd.DataFrame) -> pd.DataFrame:
    """A copy of the memberships with numeric start/end years and a status (default member)."""
    mem_all = memberships.copy()
    for col in ("start_year", "end_year"):
        mem_all[col] = pd.to_numeric(mem_all[col], errors="coerce")
    if "status" not in mem_all.columns:
        mem_all["status"] = "member"
    mem_all["status"] = mem_all["status"].fillna("").replace("", "member")
    return mem_all


def _in_force(mem_all: pd.DataFrame, focal: str, year: int | None) -> pd.DataFrame:
    """The rows of ``focal`` in force in ``year`` (started by then, not ended before; every
    row of ``focal`` when ``year`` is None), in table order."""
    own = mem_all["country"] == focal
    return mem_all[own if year is None else own & _active(mem_all, year)]


def latest_year(memberships: pd.DataFrame) -> int | None:
    """The current year of a memberships table: its latest start year (None without one)."""
    start = pd.to_numeric(memberships["start_year"], errors="coerce")
    return None if start.isna().all() else int(start.max())


def classify(mine: pd.DataFrame, organisations: pd.DataFrame, poles: Sequence[str],
             forbidden_kinds: Sequence[str], aimed_only: bool,
             notes: list[str] | None = None) -> pd.DataFrame:
    """The focal state's memberships joined to their organisations, in the order of ``mine``:
    the poles leading each or aimed at, whether it is a bloc, and whether membership breaks
    the no-camp rule (``violation``: an organisation of a ``forbidden_kinds`` kind aimed at a
    pole, or with ``aimed_only=False`` any of those kinds). The one place that decides a
    no-camp violation: :func:`bloc_report` and the doctrine's ``no_camp`` rule
    (:func:`no_camp_record`) read it. Unknown organisations are noted in ``notes``."""
    poles = list(poles)
    notes = [] if notes is None else notes
    orgs = organisations.drop(columns=[c for c in ("source",) if c in organisations.columns])
    j = mine.merge(orgs, on="org", how="left")
    unknown = j[j["kind"].isna()]["org"].tolist()
    if unknown:
        notes.append(f"organisations without a row in the organisations table: {unknown}")
    j["kind"] = j["kind"].fillna("")
    j["led_by_pole"] = [";".join(p for p in _codes(v) if p in poles) for v in j["led_by"]]
    j["aimed_at_pole"] = [";".join(p for p in _codes(v) if p in poles) for v in j["aimed_at"]]
    j["bloc"] = j["kind"].isin(BLOC_KINDS)
    forbidden = j["kind"].isin(list(forbidden_kinds))
    j["violation"] = forbidden & (j["aimed_at_pole"].ne("") if aimed_only else True)
    cols = ["org", "name", "kind", "status", "start_year", "led_by", "aimed_at", "led_by_pole",
            "aimed_at_pole", "bloc", "violation"]
    return j[[c for c in cols if c in j.columns]].reset_index(drop=True)


def no_camp_record(focal: str, poles: Sequence[str], *, year: int | None = None,
                   forbidden_kinds: Sequence[str] = ("military alliance",),
                   aimed_only: bool = True, organisations: pd.DataFrame | None = None,
                   memberships: pd.DataFrame | None = None) -> dict:
    """The memberships of ``focal`` in force in ``year`` (default: the table's current year,
    :func:`latest_year`), in the assessment's shape (:class:`equipoise.scorecard.Blocs`):
    ``memberships`` (org, kind, led_by, aimed_at, status, start_year, in table order),
    ``violations`` (those :func:`classify` finds break the no-camp rule) and ``led_by_pole``
    (those led by a pole). The doctrine's ``no_camp`` rule reads ``violations``
    (:func:`equipoise.doctrine.rules.membership_check` passes the doctrine's poles and
    ``memberships`` settings). No row of ``focal`` that year gives empty lists."""
    from .. import reference

    orgs = reference.load("organisations") if organisations is None else organisations
    mem_all = _membership_table(reference.load("memberships") if memberships is None
                                else memberships)
    notes: list[str] = []
    j = classify(_in_force(mem_all, focal, latest_year(mem_all) if year is None else year),
                 orgs, poles, forbidden_kinds, aimed_only, notes)
    records, violations, led = [], [], []
    for r in j.to_dict("records"):
        rec = {"org": r["org"], "kind": r["kind"], "led_by": _text(r.get("led_by")),
               "aimed_at": _text(r.get("aimed_at")), "status": r["status"],
               "start_year": None if pd.isna(r["start_year"]) else int(r["start_year"])}
        records.append(rec)
        if r["violation"]:
            violations.append(rec)
        if r["led_by_pole"]:
            led.append(rec)
    out = {"memberships": records, "violations": violations, "led_by_pole": led}
    if notes:
        out["note"] = "; ".join(notes)
    return out


def _text(v) -> str | None:
    """A table cell as text, None when empty or missing."""
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) or v == "" else str(v)


def _no_camp(j: pd.DataFrame, forbidden_kinds: Sequence[str], aimed_only: bool) -> dict:
    """The no-camp rule's verdict over the classified memberships ``j``."""
    viol = j[j["violation"]]
    return {
        "passed": viol.empty,
        "violations": viol[["org", "kind", "aimed_at_pole"]].to_dict("records"),
        "forbidden_kinds": list(forbidden_kinds), "aimed_only": aimed_only,
        "led_by_pole": j[j["led_by_pole"].ne("")][["org", "kind", "led_by_pole"]].to_dict(
            "records"),
        "rule": "no membership of a forbidden kind in an organisation aimed at a pole"
        if aimed_only else "no membership of a forbidden kind",
    }
