"""Coverage, recency and source grade of every indicator share and of every domain.

docs/methods.md, "Coverage, grade and the third verdict". For one indicator in one year (the
year it contributes to its domain):

* ``basis``: ``"WLD"`` (shares of the reporter's world total) or ``"sum"`` (shares of the sum of
  the partner rows), as :func:`equipoise.measures.exposure.indicator_shares` gives it;
* ``coverage``: against a WLD total, the share of the total that the named partner rows
  account for (``OTH``, the remainder, is not a partner); ``None`` on a partner-sum basis,
  where no total says how much is missing (``n_partners`` says how many partners there are);
* ``recency``: years behind the assessment year;
* ``single_partner``: one partner by construction (partner-sum basis, one partner row: its
  share is 1 whatever the world looks like;
  :func:`equipoise.measures.exposure.is_single_partner`);
* ``grade``: the weakest grade of the sources of its rows (A official statistic, B research
  dataset, C press or aggregator; ``None`` for a source the register does not know);
* ``kind``: ``flow`` (a part of a whole) or ``score`` (a level, e.g. vote agreement: no total,
  no coverage).

A domain's ``coverage`` is the share of its total that its partner rows are *shown* to account
for: the weighted mean (the domain's indicator weights) over its part-of-whole share indicators
(kind ``flow``), a partner-sum indicator counting 0 (its rows' share of the real total is
unknown, so none of it is shown; the partner-sum shares themselves treat the named partners as
the whole). This is a lower bound; ``coverage_of_totals`` is the same mean over the indicators
with a total only (the partner-sum ones left out) and ``coverage_weight`` the share of the
weight those carry. When no part-of-whole indicator has a total the coverage is ``None``: the
number of partners stands for it (``n_partners``; one partner is the single-partner case).
Its ``grade`` is the weakest grade among its share indicators (partner-sum ones included);
``single_partner_only`` says every share indicator is single-partner; ``recency`` is that of
its newest share indicator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

__all__ = ["DEFAULT_MAX_AGE", "DEFAULT_MIN_COVERAGE", "GRADES", "bounds", "domain_quality",
           "indicator_markers", "indicator_quality", "source_grade", "source_grades"]

#: Default ``min_coverage`` of the doctrine: a domain whose partner rows account for less than
#: half of the WLD total cannot say who leads it or how concentrated it is (the missing half
#: could hold a partner larger than every one measured).
DEFAULT_MIN_COVERAGE = 0.5
#: Default ``max_age`` (years behind the assessment year): the lookback over which a domain's
#: indicators stay current (exposure.LOOKBACK); older evidence is history, not a verdict on now.
DEFAULT_MAX_AGE = 3


def bounds(doctrine) -> tuple[float, int]:
    """The doctrine's ``min_coverage`` and ``max_age`` (the defaults when not set): the one
    place the weak-evidence markers (``assess``, ``explain``, the report, the dashboard) and the
    evidence gate of the rules read them from.

    ``doctrine`` is a doctrine (an object with ``thresholds``), a doctrine's JSON (a mapping
    with a ``thresholds`` mapping, as ``assess --json`` prints it under ``doctrine``), a
    thresholds mapping or object itself, or None (the defaults). A threshold of 0 is 0, not
    the default."""
    if doctrine is None:
        t = None
    elif isinstance(doctrine, Mapping):
        t = doctrine.get("thresholds", doctrine)
    else:
        t = getattr(doctrine, "thresholds", doctrine)

    def get(name):
        return t.get(name) if isinstance(t, Mapping) else getattr(t, name, None)

    cov, age = (None, None) if t is None else (get("min_coverage"), get("max_age"))
    return (DEFAULT_MIN_COVERAGE if cov is None else float(cov),
            DEFAULT_MAX_AGE if age is None else int(age))


def indicator_markers(q: Mapping, doctrine=None) -> list[str]:
    """The weak-evidence markers of one indicator's quality block (``single-partner``,
    ``low coverage`` below the doctrine's ``min_coverage``, ``stale`` older than its
    ``max_age``; see :func:`bounds` for ``doctrine``), empty when none."""
    min_cov, max_age = bounds(doctrine)
    cov, age = q.get("coverage"), q.get("recency")
    return [m for m, on in (("single-partner", bool(q.get("single_partner"))),
                            ("low coverage", cov is not None and cov < min_cov),
                            ("stale", age is not None and age > max_age)) if on]


#: grade -> the kind of source it stands for (docs/methods.md)
GRADES = {"A": "official statistic", "B": "research dataset", "C": "press or aggregator"}

#: source-id prefixes of official statistics (a statistical office, the IMF's reported data)
_OFFICIAL = ("BNS", "IMF")
#: source-id prefixes of research datasets (documented, versioned, peer-used)
_DATASETS = ("SIPRI", "COW", "VOETEN", "BSV", "CEPII", "COMTRADE", "BACI")


def _kind(row: Mapping[str, str]) -> str:
    """The kind of one source-register row: an explicit ``kind`` column wins; else the id's
    prefix and the register's note ("official statistic", "aggregator", "mirror")."""
    explicit = str(row.get("kind") or "").strip().lower()
    if explicit:
        return explicit
    sid = str(row.get("id", ""))
    prefix = sid.split(":", 1)[0].upper()
    note = f"{row.get('note', '')} {row.get('producer', '')}".lower()
    if "aggregator" in note or "mirror" in note or "use with care" in note:
        return "aggregator"
    if prefix in _OFFICIAL or "official statistic" in note:
        return "official statistic"
    if prefix in _DATASETS:
        return "dataset"
    return "press"


def _grade_of_kind(kind: str) -> str:
    if kind.startswith("official"):
        return "A"
    if "dataset" in kind:
        return "B"
    return "C"


def source_grades(register: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """Source id -> grade (A/B/C) of the rows of a source register (``id, producer, note``
    and an optional ``kind``; :func:`equipoise.context.source_grades` passes every embedded
    dataset's). The measure takes the register as data; it reads no file."""
    return {str(row["id"]): _grade_of_kind(_kind(row)) for row in register}


def source_grade(source: str, grades: Mapping[str, str]) -> str | None:
    """The grade (A/B/C) of a source id in ``grades`` (:func:`source_grades`), or None for a
    source the register does not know."""
    return grades.get(str(source))


def _weakest(grades: Iterable[str | None]) -> str | None:
    known = [g for g in grades if g]
    return max(known) if known else None


class FlowIndex:
    """One assessment's lookups, grouped once instead of filtering the whole frame per call:
    the focal state's flow rows by indicator (:meth:`rows`) and the indicator shares by
    (indicator, year) (:meth:`shares`). Each part keeps the rows of the full-frame filter, in
    the same order and with the same index labels, so every result built from it is the
    same (``tests/core/test_assess_fast.py``)."""

    def __init__(self, flows: pd.DataFrame, focal: str, ishares: pd.DataFrame | None = None):
        mine = flows[flows["reporter"] == focal] if len(flows) else flows
        self._mine = mine
        self._rows = dict(iter(mine.groupby("indicator", sort=False))) if len(mine) else {}
        self._ishares = ishares
        self._shares = ({} if ishares is None or not len(ishares) else
                        dict(iter(ishares.groupby(["indicator", "year"], sort=False))))

    def rows(self, indicator: str) -> pd.DataFrame:
        """The focal state's rows of ``indicator`` (``flows[(reporter == focal) &
        (indicator == indicator)]``)."""
        got = self._rows.get(indicator)
        return self._mine.iloc[:0] if got is None else got

    def shares(self, indicator: str, year: int) -> pd.DataFrame:
        """``ishares[(indicator == indicator) & (year == year)]``."""
        got = self._shares.get((indicator, year))
        return self._ishares.iloc[:0] if got is None else got


def indicator_quality(ishares: pd.DataFrame, flows: pd.DataFrame, focal: str,
                      ind_years: Mapping[str, int], ref_year: int, *,
                      grades: Mapping[str, str], index: FlowIndex | None = None
                      ) -> dict[str, dict]:
    """The quality block of each indicator in ``ind_years`` (indicator -> the year it
    contributes): basis, coverage, n_partners, recency, single_partner, grade, sources, partners.
    ``grades``: source id -> grade (:func:`source_grades` of the source register, which the
    caller passes in: :func:`equipoise.context.source_grades`; a source it does not know has
    grade None, shown as unknown). ``index``: the same flows and shares grouped once
    (:class:`FlowIndex`), for speed."""
    from .. import reference
    from .exposure import is_single_partner

    kinds = reference.indicator_table()["kind"].to_dict()
    out = {}
    if index is None:
        index = FlowIndex(flows, focal, ishares)
    for ind, iy in ind_years.items():
        x = index.shares(ind, iy)
        named = x[x["partner"] != "OTH"]
        basis = str(x["basis"].iat[0]) if len(x) else "sum"
        n = len(named)
        cov = float(named["share"].fillna(0).sum()) if basis == "WLD" else None
        window = int(x["window"].iat[0]) if len(x) else 1
        mine = index.rows(ind)
        rows = mine[(mine["year"] > iy - window) & (mine["year"] <= iy)] if len(mine) else mine
        sources = sorted({str(s) for s in rows["source"]}) if "source" in rows else []
        out[ind] = {"year": int(iy), "basis": basis,
                    "coverage": None if cov is None else min(1.0, cov),
                    "n_partners": n, "recency": int(ref_year) - int(iy),
                    "single_partner": is_single_partner(basis, len(x)),
                    "grade": _weakest(grades.get(s) for s in sources),
                    "sources": sources, "partners": sorted(map(str, named["partner"])),
                    "kind": str(kinds.get(ind, "flow"))}
    return out


def domain_quality(quality: Mapping[str, dict], weights: Mapping[str, float]) -> dict:
    """A domain's coverage (a lower bound), coverage_of_totals, coverage_weight, grade, recency
    and single_partner_only from its indicators' quality blocks and weights (module
    docstring)."""
    def w(i: str) -> float:
        return float(weights.get(i, 1.0))

    parts = {i: q for i, q in quality.items() if q.get("kind", "flow") != "score"}
    covered = {i: q["coverage"] for i, q in parts.items() if q["coverage"] is not None}
    wcov, wparts = sum(w(i) for i in covered), sum(w(i) for i in parts)
    shown = sum(w(i) * c for i, c in covered.items())
    total = sum(w(i) for i in quality)
    return {"coverage": shown / wparts if covered and wparts > 0 else None,
            "coverage_of_totals": shown / wcov if covered and wcov > 0 else None,
            "coverage_weight": wcov / wparts if wparts > 0 else None,
            "total_weight": (wcov / total) if total > 0 else 0.0,
            "grade": _weakest(q["grade"] for q in quality.values()),
            "recency": min((q["recency"] for q in quality.values()), default=None),
            "single_partner_only": bool(quality) and all(q["single_partner"]
                                                          for q in quality.values())}
