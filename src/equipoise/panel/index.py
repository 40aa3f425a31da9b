"""The balance index: one number per state and year from the panel, with a bootstrap 90 %
interval, and ranks among the states whose coverage passes the bound.

Components (each in 0..1, 1 = balanced; docs/methods.md, "The balance index"):

``dependency``
    ``1 - sum_d w_d m_d / sum_d w_d`` over the domains with pole data (:data:`DOMAINS`:
    trade, security, finance, energy, institutions, events), where ``m_d`` is the largest pole
    share of domain ``d`` (a domain's pole share is the mean over its indicators of the pole's
    share; EU27 sums its members of the year; the focal state is never its own pole; events
    turn the GDELT score into a share: its positive part over the sum of the positive parts
    of all the state's partners) and ``w_d`` the doctrine's domain weight
    (:func:`domain_weights`: institutions and events share the political domain's). The
    doctrine's rule "no critical dependency" (IW Koeln's 50 % line, CEPII GeoDep's
    concentration screen) read as a continuous score.
``distinctness``
    ``(k - 1) / (min(n, P) - 1)`` with ``n`` the doctrine's functional domains
    (:func:`functional_domains`) that have a leading pole, ``k`` the distinct poles leading
    them and ``P`` the poles: 1 when different poles lead different domains, 0 when one pole
    leads all (Kuik's hedging: no convergence on one focal point). Needs two domains with a
    leader.
``equal_distance``
    ``1 - (max_p kappa_p - min_p kappa_p) / 2``: the spread of chance-corrected UN agreement
    (Cohen's kappa, Haege 2011) across the poles, on kappa's range [-1, 1] (Bailey, Strezhnev &
    Voeten 2017 for the vote data; equipoise's equidistance). Needs two poles with kappa.
    In a year with too few roll calls for kappa (no state has an ``ok`` kappa: fewer than
    ``MIN_ROLLCALLS`` common roll calls, as in 2022, or none, as in 2023), the spread of the
    Bailey-Strezhnev-Voeten ideal-point distances to the poles stands in, in kappa's units
    (:func:`_ideal_equal`): ``1 - min(2, s_i D_t) / 2`` with ``D_t = max_p d_p - min_p d_p``
    and ``s_i`` the state's ratio of its kappa spread to its ideal-point spread summed over
    its :data:`IDEAL_CAL_YEARS` latest earlier years with both. Each state-year records the
    measure (``equal_distance_measure``: ``kappa`` or ``ideal_distance``).
``predictability``
    ``1 - sum_d w_d TV_d / sum_d w_d``: ``TV_d`` is the mean, over the indicators of domain
    ``d`` present in both the year and the year before (the same basket), of the total
    variation distance ``0.5 sum |s_t - s_t-1|`` between the pole-share vectors (the poles and
    the rest, ``1 - sum of the pole shares``). Needs the year before.

Index: ``sum_c W_c x_c / sum_c W_c`` over the components present, ``W`` equal by default.

Interval: for each replicate (a seeded :class:`numpy.random.Generator`), the indicators of
each domain are resampled with replacement, the domain weights are drawn from
``Dirichlet(C * w / sum w)`` around the doctrine's and the component weights from
``Dirichlet(C * W / sum W)`` (``C`` = :data:`CONCENTRATION`); the 5th and 95th percentiles of
the replicates are the 90 % interval. The roll calls of each year are resampled too (a
multinomial count per roll call and replicate; kappa from the weighted 3 x 3 tables), so equal
distance varies across replicates (not where it comes from ideal points: no roll calls to
resample, so it keeps its point value and the interval has the other sources only); predictability is recomputed on the same draw of
indicators with the replicate's domain weights. Vectorised over replicates and state-years,
in blocks.

Ranks and percentiles: among the states of the same year whose coverage passes the bound (all
four components present: status ``ok``); rank 1 is the most balanced; percentile
``100 (N - rank) / (N - 1)``. A year whose equal distance comes from ideal points is ranked
too: the measure is the same for every state of that year (the fallback is decided per year).

Sensitivity (``sensitivity=True``): the rank of each state and year under each alternative
weighting (:func:`weightings`: of the components equal, each dropped in turn, each doubled;
of the domains each dropped in turn, each doubled), among the same ranked states, and the
largest change against the doctrine's weighting.

The embedded rows of one state (``embedded.*``, :mod:`equipoise.panel.embedded`) are left
out: the index compares states measured alike.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._results import Result, fmt_number, fmt_sig
from ..errors import NoDataError, OptionError
from .show import open_panel

__all__ = ["COMPONENTS", "CONCENTRATION", "IndexResult", "balance_index", "weightings"]

COMPONENTS = ("dependency", "distinctness", "equal_distance", "predictability")
#: the functional domains of the first index (trade, security, finance); the FBIC comparison
#: (:mod:`equipoise.panel.validate`) keeps to them
BASE_DOMAINS = ("trade", "security", "finance")
#: the panel domains with a share per pole that the index reads
DOMAINS = (*BASE_DOMAINS, "energy", "institutions", "events")
#: a panel domain without a domain of its own in the doctrine takes the weight of the
#: doctrine's domain it belongs to, split between the panel domains that share it
#: (domains.csv: political = "UN General Assembly alignment, shared memberships and
#: diplomatic ties"): (doctrine domain, fraction of its weight)
DOCTRINE_DOMAIN = {"institutions": ("political", 0.5), "events": ("political", 0.5)}
#: the GDELT score, turned into a share per partner by the index (its positive part over the
#: sum of the positive parts of all the state's partners in the year)
EVENTS = "events.gdelt.net_score"
#: indicators the index leaves out: the embedded rows of one state (``embedded.*``) are not
#: measured alike for every state
EXCLUDED_PREFIX = "embedded."
#: Dirichlet concentration around the doctrine's weights (sd of a weight of 1/3: about 0.10)
CONCENTRATION = 20.0
#: an indicator against a WLD total counts only when its partner rows explain this much of it
MIN_WLD_COVERAGE = 0.5
KAPPA = "political.unga.kappa"
#: the Bailey-Strezhnev-Voeten ideal-point distance to each pole (equal distance in a year
#: with too few roll calls for kappa)
IDEAL = "political.unga.ideal_distance"
#: the calibration of the ideal-point spread into kappa's units: at most this many of the
#: state's latest years before the year with both measures
IDEAL_CAL_YEARS = 5
#: the energy indicators the index reads: the export routes (and transit) the doctrine's
#: energy domain names (domains.csv: "crude oil export routes, gas exports and transit"):
#: GEM's oil links (no direction given) and the gas pipelines leaving the state, each as a
#: share of routes and of capacity; the gas import routes are left out
ENERGY_INDICATORS = ("energy.oil.routes", "energy.oil.route_capacity",
                     "energy.gas.export_routes", "energy.gas.export_capacity")
_BLOCK = 4_000_000  # array cells per bootstrap block
CITATIONS = (
    "Moyer, J. D. et al. (2021) Formal Bilateral Influence Capacity (FBIC) index, Pardee "
    "Center, University of Denver",
    "Kuik, C.-C. (2008) The Essence of Hedging, Contemporary Southeast Asia 30(2)",
    "Lefebvre, K. & Wibaux, P. (2024) GeoDep, CEPII",
    "Bailey, M., Strezhnev, A. & Voeten, E. (2017) Estimating Dynamic State Preferences from "
    "United Nations Voting Data, JCR 61(2)",
    "Haege, F. (2011) Choice or Circumstance? Adjusting Measures of Foreign Policy Similarity "
    "for Chance Agreement, Political Analysis 19(3)",
)


@dataclass
class IndexResult(Result):
    """The index records and what produced them; a :class:`~equipoise._results.Result`
    (``summary()``, ``_repr_html_()``, ``to_dict()`` as ``equipoise index --json``,
    ``compare()``)."""

    frame: pd.DataFrame
    poles: list[str]
    domain_weights: dict[str, float]
    component_weights: dict[str, float]
    reps: int
    seed: int
    notes: list[str] = field(default_factory=list)
    #: per state and year: the rank under each alternative weighting (see :func:`weightings`)
    sensitivity: pd.DataFrame | None = None
    weightings: list[dict[str, Any]] = field(default_factory=list)

    def _wd_norm(self) -> dict[str, float]:
        tot = sum(self.domain_weights.values())
        return {d: v / tot for d, v in self.domain_weights.items()}

    def sensitivity_records(self) -> list[dict[str, Any]]:
        if self.sensitivity is None:
            return []
        out = []
        for r in self.sensitivity.to_dict("records"):
            rec = {"state": r["state"], "year": int(r["year"])}
            for k, v in r.items():
                if k not in rec:
                    rec[k] = None if v is None or v != v else int(v)
            out.append(rec)
        return out

    def records(self) -> list[dict[str, Any]]:
        out = []
        for r in self.frame.to_dict("records"):
            comp = {c: _f(r.pop(c)) for c in COMPONENTS}
            rec = {k: (_f(v) if isinstance(v, float) else v) for k, v in r.items()}
            for k in ("rank", "ranked"):
                rec[k] = None if rec[k] is None or rec[k] != rec[k] else int(rec[k])
            rec["year"] = int(rec["year"])
            rec["components"] = comp
            out.append(rec)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"poles": self.poles, "domain_weights": self.domain_weights,
                "component_weights": self.component_weights, "reps": self.reps,
                "seed": self.seed, "interval": "90 % bootstrap percentile interval",
                "method": "docs/methods.md, 'The balance index'", "citations": list(CITATIONS),
                "notes": self.notes, "records": self.records(),
                **({"weightings": self.weightings,
                    "sensitivity": self.sensitivity_records()}
                   if self.sensitivity is not None else {})}

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables of ``--xlsx``: ``index`` (the records without their components),
        ``components`` (state, year, component, value), ``sensitivity`` and ``weightings``
        (when computed), ``about`` (poles, weights, replicates, seed, method)."""
        recs = self.records()
        cols = ["state", "year", "index", "lower", "upper", "rank", "ranked", "percentile",
                "status", "equal_distance_measure", "domains", "note"]
        tables = {"index": pd.DataFrame([{k: r[k] for k in cols} for r in recs],
                                        columns=cols),
                  "components": pd.DataFrame(
                      [{"state": r["state"], "year": r["year"], "component": c, "value": v}
                       for r in recs for c, v in r["components"].items()],
                      columns=["state", "year", "component", "value"])}
        if self.sensitivity is not None:
            tables["sensitivity"] = pd.DataFrame(self.sensitivity_records(),
                                                 columns=list(self.sensitivity.columns))
            tables["weightings"] = pd.DataFrame([
                {"weighting": w["name"], "description": w["description"],
                 **{c: w["weights"][c] for c in COMPONENTS},
                 **{f"domain_{d}": (w["domain_weights"] or self._wd_norm())[d]
                    for d in DOMAINS}} for w in self.weightings])
        tables["about"] = pd.DataFrame([
            {"poles": ",".join(self.poles), "replicates": self.reps, "seed": self.seed,
             "interval": "90 % bootstrap percentile interval",
             "domain_weights": ", ".join(f"{k} {fmt_sig(v, 6, thousands=False)}" for k, v in self.domain_weights.items()),
             "method": "docs/methods.md, 'The balance index'",
             "notes": "; ".join(self.notes)}])
        return tables

    def heading(self) -> str:
        n = self.frame[["state", "year"]].drop_duplicates()
        return (f"Balance index: {n['state'].nunique()} state(s), {len(n)} state-year(s), poles "
                f"{', '.join(self.poles)}")

    def compare_label(self) -> str:
        return f"seed {self.seed}, {self.reps} reps"

    def summary_numbers(self) -> dict[str, float]:
        """Per state and year its index (``KAZ.2020.index``) with the interval
        (``KAZ.2020.lower``, ``.upper``) and its rank among the covered states
        (``KAZ.2020.rank``); a value the record lacks (not ranked, no interval) is left out."""
        out: dict[str, float] = {}
        for r in self.frame.to_dict("records"):
            key = f"{r['state']}.{int(r['year'])}"
            for k in ("index", "lower", "upper", "rank"):
                v = _f(r[k])
                if v is not None:  # the rank is a whole number: an int
                    out[f"{key}.{k}"] = int(v) if k == "rank" else v
        return out

    #: records shown by :meth:`summary` and ``_repr_html_`` (the rest are counted)
    SHOWN = 50

    def _shown_frame(self) -> pd.DataFrame:
        cols = ["state", "year", "index", "lower", "upper", "rank", "ranked", "status"]
        f = self.frame[cols].sort_values(["year", "rank", "state"], ascending=[False, True, True],
                                         na_position="last", kind="stable")
        return f.head(self.SHOWN).reset_index(drop=True)

    def summary(self) -> str:
        """The heading, the weights, the records (latest year first, by rank; at most
        :attr:`SHOWN`) and the notes."""
        lines = [self.heading(),
                 "  domain weights: " + ", ".join(f"{k} {fmt_sig(v, 6, thousands=False)}"
                                                  for k, v in self.domain_weights.items()),
                 "  component weights: " + ", ".join(f"{k} {fmt_sig(v, 6, thousands=False)}"
                                                     for k, v in self.component_weights.items()),
                 f"  90 % bootstrap interval, {self.reps} replicates, seed {self.seed}"]
        for r in self._shown_frame().to_dict("records"):
            band = ("" if _f(r["lower"]) is None else
                    f" [{fmt_number(r['lower'])}, {fmt_number(r['upper'])}]")
            rank = "" if _f(r["rank"]) is None else f", rank {int(r['rank'])} of {int(r['ranked'])}"
            lines.append(f"  {r['state']} {int(r['year'])}: {fmt_number(r['index'])}{band}{rank}"
                         f" ({r['status']})")
        if len(self.frame) > self.SHOWN:
            lines.append(f"  ... and {len(self.frame) - self.SHOWN} more record(s)")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def html_tables(self) -> list:
        more = len(self.frame) - self.SHOWN
        tables: list = [("", [("poles", ", ".join(self.poles)), ("replicates", self.reps),
                              ("seed", self.seed)]
                         + [(f"weight.{k}", v) for k, v in self.component_weights.items()]),
                        ("Index, latest year first" + (f" (first {self.SHOWN}; {more} more)"
                                                       if more > 0 else ""),
                         self._shown_frame())]
        if self.notes:
            tables.append(("Notes", [(str(i), n) for i, n in enumerate(self.notes, 1)]))
        return tables


def _f(v):
    return None if v is None or v != v else float(v)


def domain_weights(doc) -> np.ndarray:
    """The doctrine's weight of each of :data:`DOMAINS` (``doc.weight``); a panel domain
    that is part of a doctrine domain (:data:`DOCTRINE_DOMAIN`) takes its share of that
    domain's weight."""
    out = []
    for d in DOMAINS:
        base, frac = DOCTRINE_DOMAIN.get(d, (d, 1.0))
        out.append(doc.weight(base) * frac)
    return np.array(out, dtype=float)


def functional_domains(doc) -> np.ndarray:
    """[D]: which of :data:`DOMAINS` are functional domains of the doctrine
    (``domains.functional``: a pole has a function there, so its lead counts for
    distinctness); institutions and events belong to the political domain, which the
    doctrine judges by equidistance, not by functions."""
    func = set(doc.domains.functional)
    return np.array([DOCTRINE_DOMAIN.get(d, (d, 1.0))[0] in func for d in DOMAINS])


def _pole_shares(con, poles: list[str], lo: int, hi: int) -> pd.DataFrame:
    from .. import reference

    rows = []
    for p in poles:
        for m in (reference.expand_group(p) if reference.is_group(p) else [p]):
            rows.append((p, m))
        if reference.is_group(p):  # a row with the group itself as partner (IGO, EU27)
            rows.append((p, p))
    gm = reference.load("group_members")
    span = {(g, m): (s, e) for g, m, s, e in zip(gm["group"], gm["member"], gm["start_year"],
                                                 gm["end_year"], strict=True)}
    pm = pd.DataFrame([(p, m, *(span.get((p, m), (pd.NA, pd.NA)))) for p, m in rows],
                      columns=["pole", "member", "start_year", "end_year"])
    pm["start_year"] = pd.to_numeric(pm["start_year"]).fillna(-9999).astype("int64")
    pm["end_year"] = pd.to_numeric(pm["end_year"]).fillna(9999).astype("int64")
    con.register("_i_pm", pm)
    con.register("_i_poles", pd.DataFrame({"pole": poles}))
    dom = ", ".join(f"'{d}'" for d in DOMAINS)
    years = f"year BETWEEN {lo} AND {hi}"
    ok = (f"status = 'ok' AND share IS NOT NULL AND partner <> 'WLD' AND domain IN ({dom}) "
          f"AND (basis <> 'wld' OR coverage >= {MIN_WLD_COVERAGE}) AND {years} "
          f"AND indicator NOT LIKE '{EXCLUDED_PREFIX}%' AND (domain <> 'energy' OR "
          f"indicator IN ({', '.join(repr(i) for i in ENERGY_INDICATORS)}))")
    # events: the positive part of the net score over the sum of the positive parts of the
    # state's partners of the year (no share without a positive score)
    return con.execute(f"""
WITH ev AS (SELECT focal, year, domain, indicator, partner, greatest(value, 0) AS pos
            FROM panel WHERE indicator = '{EVENTS}' AND status = 'ok' AND value IS NOT NULL
                 AND partner <> 'WLD' AND {years}),
evt AS (SELECT focal, year, sum(pos ORDER BY partner) AS tot FROM ev GROUP BY ALL),
base AS (SELECT focal, year, domain, indicator, partner, share FROM panel WHERE {ok}
         UNION ALL
         SELECT ev.focal, ev.year, ev.domain, ev.indicator, ev.partner, ev.pos / evt.tot
         FROM ev JOIN evt USING (focal, year) WHERE evt.tot > 0),
ind AS (SELECT DISTINCT focal, year, domain, indicator FROM base),
ps AS (SELECT p.focal, p.year, p.domain, p.indicator, m.pole,
              sum(p.share ORDER BY p.partner) AS share
       FROM base p JOIN _i_pm m ON p.partner = m.member
            AND p.year BETWEEN m.start_year AND m.end_year
       WHERE p.partner <> p.focal GROUP BY ALL)
SELECT ind.focal, ind.year, ind.domain, ind.indicator, q.pole,
       coalesce(ps.share, 0) AS share
FROM ind CROSS JOIN _i_poles q
LEFT JOIN ps ON ps.focal = ind.focal AND ps.year = ind.year AND ps.indicator = ind.indicator
            AND ps.pole = q.pole
WHERE q.pole <> ind.focal
ORDER BY 1, 2, 3, 4, 5""").df()


def _kappas(con, poles: list[str], lo: int, hi: int) -> pd.DataFrame:
    con.register("_i_poles", pd.DataFrame({"pole": poles}))
    return con.execute(f"""
SELECT focal, year, partner AS pole, value AS kappa FROM panel
WHERE indicator = '{KAPPA}' AND status = 'ok' AND value IS NOT NULL
  AND partner IN (SELECT pole FROM _i_poles) AND partner <> focal
  AND year BETWEEN {lo} AND {hi}""").df()


def _spreads(con, poles: list[str], hi: int) -> pd.DataFrame:
    """Per state and year to ``hi``: the spread across the poles of its ``ok`` kappas
    (``k``, from ``nk`` poles) and of its ideal-point distances (``d``, from ``nd`` poles)."""
    con.register("_i_poles", pd.DataFrame({"pole": poles}))
    k, i = f"indicator = '{KAPPA}'", f"indicator = '{IDEAL}'"
    return con.execute(f"""
SELECT focal, year, max(value) FILTER (WHERE {k}) - min(value) FILTER (WHERE {k}) AS k,
       count(*) FILTER (WHERE {k}) AS nk,
       max(value) FILTER (WHERE {i}) - min(value) FILTER (WHERE {i}) AS d,
       count(*) FILTER (WHERE {i}) AS nd
FROM panel WHERE indicator IN ('{KAPPA}', '{IDEAL}') AND status = 'ok' AND value IS NOT NULL
  AND partner IN (SELECT pole FROM _i_poles) AND partner <> focal AND year <= {hi}
GROUP BY ALL ORDER BY focal, year""").df()


def _ideal_equal(sp: pd.DataFrame, lo: int, hi: int) -> pd.DataFrame:
    """Equal distance from the ideal points (``focal, year, equal, cal``) for the state-years
    of ``lo..hi`` in a year with too few roll calls for kappa (no state of the year has an
    ``ok`` kappa with a pole) and ideal-point distances to two poles or more.

    ``equal = 1 - min(2, s D_t) / 2``: ``D_t`` the spread of the distances (Bailey,
    Strezhnev & Voeten 2017: ideal points from a dynamic model bridged by identical
    resolutions, so a state's position is comparable across years where raw agreement and
    kappa follow the agenda); ``s = sum K / sum D`` over the state's latest
    :data:`IDEAL_CAL_YEARS` years before ``t`` with both spreads (``cal`` of them; ``K`` the
    kappa spread), which puts ``D_t`` in kappa's units: the state's recent kappa spread, moved
    by how much its ideal-point spread has changed since. A state without such a year (or
    with ``sum D = 0``) gets no value. ``sp`` as :func:`_spreads` returns."""
    cols = ["focal", "year", "equal", "cal"]
    kappa_years = set(sp.loc[sp["nk"] > 0, "year"].astype(int))
    fb = sp[(sp["nd"] >= 2) & sp["year"].between(lo, hi)
            & ~sp["year"].astype(int).isin(kappa_years)]
    if not len(fb):
        return pd.DataFrame(columns=cols)
    both = sp[(sp["nk"] >= 2) & (sp["nd"] >= 2)]
    cal = {f: (g["year"].to_numpy(), g["k"].to_numpy(), g["d"].to_numpy())
           for f, g in both.groupby("focal", sort=False)}
    out = []
    for f, y, d in zip(fb["focal"], fb["year"], fb["d"], strict=True):
        yrs, k, dd = cal.get(f, (np.zeros(0), np.zeros(0), np.zeros(0)))
        pick = np.flatnonzero(yrs < y)[-IDEAL_CAL_YEARS:]
        if not len(pick) or dd[pick].sum() <= 0:
            continue
        scale = k[pick].sum() / dd[pick].sum()
        out.append((f, int(y), 1.0 - min(2.0, scale * float(d)) / 2.0, len(pick)))
    return pd.DataFrame(out, columns=cols)


@dataclass
class _Arrays:
    keys: pd.DataFrame        # focal, year per state-year s
    x: np.ndarray             # [S, D, I, P] pole shares, NaN where absent
    n: np.ndarray             # [S, D] indicators per domain
    kappa: np.ndarray         # [S, P] NaN where absent
    tv: np.ndarray            # [S, D, I] total variation of indicator slot i against the year
    #                           before (same indicator), NaN where either year lacks it
    indicators: list[list[list[str]]]
    #: [D] the domains whose leading pole counts for distinctness (the doctrine's functional
    #: domains); None: every domain
    lead: np.ndarray | None = None
    #: [S] equal distance from the ideal points (:func:`_ideal_equal`), NaN where kappa's
    #: year or no value; None: none
    eq_ideal: np.ndarray | None = None
    #: [S] the calibration years behind ``eq_ideal`` (0 where none)
    cal: np.ndarray | None = None

    @property
    def equal(self) -> np.ndarray:
        """[S] equal distance: from kappa, else (a year without roll calls for kappa) from
        the ideal points."""
        eq = _equal(self.kappa)
        return eq if self.eq_ideal is None else np.where(np.isnan(eq), self.eq_ideal, eq)

    @property
    def measure(self) -> np.ndarray:
        """[S] the measure of equal distance: ``kappa``, ``ideal_distance`` or None."""
        eq = _equal(self.kappa)
        ip = np.full(len(eq), np.nan) if self.eq_ideal is None else self.eq_ideal
        return np.where(~np.isnan(eq), "kappa", np.where(~np.isnan(ip), "ideal_distance",
                                                          None)).astype(object)

    @property
    def pred(self) -> np.ndarray:
        """Predictability with equal domain weights (see :func:`_pred`)."""
        return _pred(self.tv, np.ones(self.tv.shape[1]))


def _arrays(shares: pd.DataFrame, kap: pd.DataFrame, poles: list[str],
            ideal: pd.DataFrame | None = None) -> _Arrays:
    """The arrays of the pole shares, kappas and (``ideal``, :func:`_ideal_equal`) equal
    distance from the ideal points."""
    parts = [shares[["focal", "year"]], kap[["focal", "year"]]]
    if ideal is not None and len(ideal):
        parts.append(ideal[["focal", "year"]])
    keys = pd.concat(parts).drop_duplicates()
    keys = keys.sort_values(["focal", "year"]).reset_index(drop=True)
    s_of = {(f, int(y)): i for i, (f, y) in enumerate(zip(keys["focal"], keys["year"],
                                                          strict=True))}
    S, D, P = len(keys), len(DOMAINS), len(poles)
    p_of = {p: i for i, p in enumerate(poles)}
    d_of = {d: i for i, d in enumerate(DOMAINS)}
    ind = shares[["focal", "year", "domain", "indicator"]].drop_duplicates()
    ind = ind.assign(slot=ind.groupby(["focal", "year", "domain"]).cumcount())
    n_i = int(ind["slot"].max()) + 1 if len(ind) else 1
    x = np.full((S, D, n_i, P), np.nan)
    n = np.zeros((S, D), dtype=np.int64)
    tv = np.full((S, D, n_i), np.nan)
    names: list[list[list[str]]] = [[[] for _ in DOMAINS] for _ in range(S)]
    if len(shares):
        sh = shares.merge(ind, on=["focal", "year", "domain", "indicator"])
        si = np.array([s_of[(f, int(y))] for f, y in zip(sh["focal"], sh["year"],
                                                        strict=True)])
        di = sh["domain"].map(d_of).to_numpy()
        x[si, di, sh["slot"].to_numpy(), sh["pole"].map(p_of).to_numpy()] = sh["share"]
        # the focal's own pole stays NaN (never its own pole)
        ii = np.array([s_of[(f, int(y))] for f, y in zip(ind["focal"], ind["year"],
                                                        strict=True)])
        np.add.at(n, (ii, ind["domain"].map(d_of).to_numpy()), 1)
        for s, d, name in zip(ii, ind["domain"].map(d_of), ind["indicator"], strict=True):
            names[s][d].append(name)
        _slot_tv(tv, x, ind, ii, s_of)
    kappa = np.full((S, P), np.nan)
    if len(kap):
        si = np.array([s_of[(f, int(y))] for f, y in zip(kap["focal"], kap["year"],
                                                        strict=True)])
        kappa[si, kap["pole"].map(p_of).to_numpy()] = kap["kappa"]
    eq_ideal, cal = np.full(S, np.nan), np.zeros(S, dtype=np.int64)
    if ideal is not None and len(ideal):
        si = np.array([s_of[(f, int(y))] for f, y in zip(ideal["focal"], ideal["year"],
                                                        strict=True)])
        eq_ideal[si] = ideal["equal"].to_numpy(dtype=float)
        cal[si] = ideal["cal"].to_numpy(dtype=np.int64)
    return _Arrays(keys, x, n, kappa, tv, names, eq_ideal=eq_ideal, cal=cal)


def _slot_tv(tv: np.ndarray, x: np.ndarray, ind: pd.DataFrame, ii: np.ndarray,
             s_of: dict) -> None:
    """Fill ``tv`` [S, D, I] in place: for each indicator slot of a state-year, the total
    variation distance ``0.5 (sum_p |s_t - s_t-1| + |r_t - r_t-1|)`` (``r`` the rest, ``1 -
    sum of the pole shares``) between its pole shares and those of the same indicator in the
    year before (the same basket); NaN when the year before lacks that indicator."""
    d_of = {d: i for i, d in enumerate(DOMAINS)}
    di = ind["domain"].map(d_of).to_numpy()
    slot = ind["slot"].to_numpy()
    where = {(s, d, name): k for s, d, name, k in zip(ii, di, ind["indicator"], slot,
                                                     strict=True)}
    cur, prv = [], []
    for s, d, name, k, f, y in zip(ii, di, ind["indicator"], slot, ind["focal"], ind["year"],
                                   strict=True):
        sp = s_of.get((f, int(y) - 1))
        kp = None if sp is None else where.get((sp, d, name))
        if kp is not None:
            cur.append((s, d, k))
            prv.append((sp, d, kp))
    if not cur:
        return
    c, p = np.array(cur).T, np.array(prv).T
    xc, xp = x[c[0], c[1], c[2]], x[p[0], p[1], p[2]]  # [M, P]; NaN = the focal's own pole
    c0, p0 = np.nan_to_num(xc), np.nan_to_num(xp)
    tv[c[0], c[1], c[2]] = 0.5 * (np.abs(c0 - p0).sum(-1) + np.abs(c0.sum(-1) - p0.sum(-1)))


def _dom_tv(tv: np.ndarray, frac: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Per domain [..., D]: the mean of the slots' ``tv`` [..., D, I] that have a year
    before (weighted by ``frac``, how often the bootstrap drew each slot, when given) and
    whether there is one."""
    valid = ~np.isnan(tv)
    f = valid.astype(float) if frac is None else np.where(valid, frac, 0.0)
    den = f.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        dom = (f * np.nan_to_num(tv)).sum(-1) / den
    return dom, den > 0


def _pred_of(dom: np.ndarray, has: np.ndarray, wd: np.ndarray) -> np.ndarray:
    """``1 - sum_d w_d TV_d / sum_d w_d`` over the domains that ``has`` (NaN without one)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(has, wd, 0.0)
        out = 1.0 - (np.where(has, dom, 0.0) * w).sum(-1) / w.sum(-1)
    return np.where(has.any(-1) & (w.sum(-1) > 0), out, np.nan)


def _pred(tv: np.ndarray, wd: np.ndarray, frac: np.ndarray | None = None) -> np.ndarray:
    """Predictability ``1 - sum_d w_d TV_d / sum_d w_d`` over the domains with an indicator
    of the year before; ``TV_d`` the mean of the slots' ``tv`` [..., D, I] (weighted by
    ``frac`` [..., D, I], how often the bootstrap drew each slot, when given); ``wd``
    broadcasts against [..., D]. NaN without any indicator of the year before."""
    return _pred_of(*_dom_tv(tv, frac), wd)


def _max_lead(dom_share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The largest pole share [...] of domain pole shares [..., P] (NaN where no pole) and
    the pole that holds it."""
    filled = np.where(np.isnan(dom_share), -1.0, dom_share)
    return filled.max(axis=-1), filled.argmax(axis=-1)


def _components(dom_share: np.ndarray, present: np.ndarray, wd: np.ndarray,
                fixed: np.ndarray, n_poles: np.ndarray,
                leads: np.ndarray | None = None) -> np.ndarray:
    """Components [..., C] from domain pole shares [..., D, P] (NaN where no pole),
    domains present [..., D], domain weights [..., D] (broadcast), the components not
    resampled [..., 2] (equal distance, predictability), the number of poles available to
    each state [...] and the domains whose leader counts for distinctness [D] (None: all)."""
    m, lead = _max_lead(dom_share)
    return _components_ml(m, lead, present, wd, fixed, n_poles, leads)


def _components_ml(m: np.ndarray, lead: np.ndarray, present: np.ndarray, wd: np.ndarray,
                   fixed: np.ndarray, n_poles: np.ndarray,
                   leads: np.ndarray | None = None) -> np.ndarray:
    """:func:`_components` from each domain's largest pole share ``m`` [..., D] and its
    pole ``lead`` [..., D]; the distinct leaders are counted as set bits (one per pole)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        has = present & (m > 0)
        if leads is not None:  # only the functional domains' leaders count for distinctness
            has = has & leads
        w = np.where(present, wd, 0.0)
        dep = 1.0 - (np.where(present, m, 0.0) * w).sum(-1) / w.sum(-1)
        dep = np.where(present.any(-1), dep, np.nan)
        bits = np.where(has, np.left_shift(np.int64(1), lead.astype(np.int64)), 0)
        k = np.bitwise_count(np.bitwise_or.reduce(bits, axis=-1))
        nd = has.sum(-1)
        denom = np.minimum(nd, n_poles) - 1
        dist = np.where((nd >= 2) & (denom >= 1), (k - 1) / np.maximum(denom, 1), np.nan)
    fixed = np.broadcast_to(fixed, (*dep.shape, fixed.shape[-1]))
    return np.concatenate([dep[..., None], dist[..., None], fixed], axis=-1)


def _combine(comp: np.ndarray, wc: np.ndarray) -> np.ndarray:
    ok = ~np.isnan(comp)
    w = np.where(ok, wc, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (np.where(ok, comp, 0.0) * w).sum(-1) / w.sum(-1)
    return np.where(ok.any(-1), out, np.nan)


def _point(a: _Arrays, wd: np.ndarray, wc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        dom_share = np.nanmean(a.x, axis=2)  # [S, D, P]
    present = (a.n > 0) & (wd > 0)  # a domain of weight 0 is left out (sensitivity)
    fixed = np.stack([a.equal, _pred(a.tv, wd)], axis=-1)
    comp = _components(dom_share, present, wd, fixed, _n_poles(a), a.lead)
    return comp, _combine(comp, wc)


def _n_poles(a: _Arrays) -> np.ndarray:
    own = np.isnan(a.x).all(axis=(1, 2)) & (a.n.sum(1) > 0)[:, None]
    n_pol = np.where((a.n.sum(1) > 0)[:, None], ~own, True).sum(-1)
    return n_pol


def _equal(kappa: np.ndarray) -> np.ndarray:
    miss = np.isnan(kappa)
    cnt = (~miss).sum(-1)
    if not kappa.size:
        return np.full(kappa.shape[:-1], np.nan)
    spread = np.where(miss, -np.inf, kappa).max(-1) - np.where(miss, np.inf, kappa).min(-1)
    return np.where(cnt >= 2, 1.0 - spread / 2.0, np.nan)


def _rollcall_votes(con, lo: int, hi: int) -> pd.DataFrame | None:
    """The votes behind kappa (``panel_rollcalls``), or None in a panel built without them."""
    has = con.execute("SELECT count(*) FROM information_schema.tables "
                      "WHERE table_name = 'panel_rollcalls'").fetchall()[0][0]
    if not has:
        return None
    df = con.execute(f"SELECT year, rcid, country, vote FROM panel_rollcalls "
                     f"WHERE year BETWEEN {lo} AND {hi} ORDER BY year, rcid").df()
    return df if len(df) else None


def _equal_replicates(a: _Arrays, rows: np.ndarray, votes: pd.DataFrame, poles: list[str],
                      reps: int, rng: np.random.Generator) -> np.ndarray:
    """Equal distance [reps, len(rows)] with the roll calls of each year resampled: per year
    a multinomial count vector over its roll calls per replicate (a bootstrap sample of the
    same size), the weighted 3 x 3 tables and kappas of every state with every pole in one
    matrix product (:func:`equipoise.panel.agreement.replicate_kappas`). Only the kappas the
    panel has (``ok``) take part; a replicate without two of them keeps the point value, and
    so does equal distance from the ideal points (no roll calls to resample)."""
    from .agreement import replicate_kappas

    point = _equal(a.kappa[rows])
    out = np.broadcast_to(a.equal[rows], (reps, len(rows))).copy()
    keys = a.keys.iloc[rows]
    years = keys["year"].to_numpy()
    by_year = {int(y): g for y, g in votes.groupby("year", sort=True)}
    for y in np.unique(years):
        v = by_year.get(int(y))
        sel = np.flatnonzero(years == y)
        sel = sel[~np.isnan(point[sel])]
        if v is None or not len(sel):
            continue
        ri, rc = pd.factorize(v["rcid"])
        ci, names = pd.factorize(v["country"])
        M = np.full((len(names), len(rc)), -1, dtype=np.int8)
        M[ci, ri] = v["vote"].to_numpy()
        M = np.vstack([M, np.full((1, len(rc)), -1, dtype=np.int8)])  # the last: no votes
        row_of = {c: i for i, c in enumerate(names)}
        focal = [row_of.get(c, -1) for c in keys["focal"].to_numpy()[sel]]
        R = len(rc)
        W = _multinomial_counts(rng, R, reps)
        kap = replicate_kappas(M[focal], M[[row_of.get(p, -1) for p in poles]], W)
        kap = np.where(np.isnan(a.kappa[rows][sel])[None], np.nan, kap)
        eq = _equal(kap)
        out[:, sel] = np.where(np.isnan(eq), point[sel][None], eq)
    return out


def weightings(wc0: np.ndarray, wd0: np.ndarray | None = None) -> list[dict[str, Any]]:
    """The alternative weightings of the sensitivity analysis (as the Lowy Asia Power Index
    reports its ranks under alternative weights): the doctrine's, equal component weights,
    each component dropped in turn and each doubled; with ``wd0`` (the doctrine's domain
    weights) also each domain dropped in turn and each doubled, the components at the
    doctrine's weights. Weights are normalised to sum 1; ``domain_weights`` is None where
    the doctrine's are kept."""
    out = [("doctrine", "the doctrine's component and domain weights", wc0, None),
           ("equal", "equal component weights", np.ones_like(wc0), None)]
    for i, c in enumerate(COMPONENTS):
        w = wc0.astype(float).copy()
        w[i] = 0.0
        out.append((f"without_{c}", f"{c.replace('_', ' ')} dropped", w, None))
    for i, c in enumerate(COMPONENTS):
        w = wc0.astype(float).copy()
        w[i] *= 2.0
        out.append((f"double_{c}", f"{c.replace('_', ' ')} doubled", w, None))
    if wd0 is not None:
        for i, d in enumerate(DOMAINS):
            if wd0[i] <= 0:
                continue
            w = wd0.astype(float).copy()
            w[i] = 0.0
            out.append((f"without_domain_{d}", f"domain {d} dropped", wc0, w))
            w = wd0.astype(float).copy()
            w[i] *= 2.0
            out.append((f"double_domain_{d}", f"domain {d} doubled", wc0, w))
    return [{"name": n, "description": d,
             "weights": dict(zip(COMPONENTS, (w / w.sum()).tolist(), strict=True)),
             "domain_weights": (None if v is None else
                                dict(zip(DOMAINS, (v / v.sum()).tolist(), strict=True)))}
            for n, d, w, v in out]


def _sensitivity(keys: pd.DataFrame, comp: np.ndarray, ok: np.ndarray, wc0: np.ndarray,
                 a: _Arrays | None = None,
                 wd0: np.ndarray | None = None) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Rank of every state-year under each weighting, among the states of the year whose
    coverage passes the bound (``ok``: the same set under every weighting), and the largest
    change of rank against the doctrine's weighting (``max_change``). ``comp`` are the
    components under the doctrine's domain weights; a domain weighting recomputes them
    (dependency, distinctness and predictability depend on the domains) from ``a``; without
    ``a`` and ``wd0`` only the component weightings are ranked."""
    ws = weightings(wc0, wd0 if a is not None else None)
    out = keys[["focal", "year"]].rename(columns={"focal": "state"}).reset_index(drop=True)
    year = out["year"].to_numpy()
    out["ranked"] = pd.Series(ok).groupby(year).transform("sum").where(ok).to_numpy()
    for w in ws:
        wc = np.array([w["weights"][c] for c in COMPONENTS])
        if w["domain_weights"] is None:
            idx = _combine(comp, wc)
        else:
            _, idx = _point(a, np.array([w["domain_weights"][d] for d in DOMAINS]), wc)
        f = pd.DataFrame({"year": year, "index": np.where(ok, idx, np.nan)})
        out[f"rank_{w['name']}"] = f.groupby("year")["index"].rank(ascending=False,
                                                                   method="min")
    ranks = out[[f"rank_{w['name']}" for w in ws]].to_numpy()
    out["max_change"] = np.where(ok, np.abs(ranks - ranks[:, :1]).max(1), np.nan)
    return out, ws


def _dirichlet(rng: np.random.Generator, w0: np.ndarray, reps: int) -> np.ndarray:
    """[reps, len(w0)] weights from ``Dirichlet(C * w0 / sum w0)`` (``C`` =
    :data:`CONCENTRATION`), summing to 1; a weight of 0 stays 0 (the domain is left out)."""
    out = np.zeros((reps, len(w0)))
    pos = w0 > 0
    out[:, pos] = rng.dirichlet(CONCENTRATION * w0[pos] / w0[pos].sum(), size=reps)
    return out


def _multinomial_counts(rng: np.random.Generator, n: int, reps: int) -> np.ndarray:
    """[reps, n]: how often each of ``n`` roll calls is drawn in ``n`` draws with replacement
    (one multinomial(n, 1/n) vector per replicate), from uniform integer draws."""
    idx = rng.integers(0, n, size=(reps, n)) + (np.arange(reps) * n)[:, None]
    return np.bincount(idx.ravel(), minlength=reps * n).reshape(reps, n)


def _bootstrap(a: _Arrays, rows: np.ndarray, reps: int, rng: np.random.Generator,
               wd0: np.ndarray, wc0: np.ndarray,
               equal: np.ndarray | None = None) -> np.ndarray:
    """Replicates of the index [reps, len(rows)] for the state-years ``rows``; ``equal``
    [reps, len(rows)] the replicates of equal distance (fixed at the point value when None)."""
    wd = _dirichlet(rng, wd0, reps)  # [R, D]
    wc = _dirichlet(rng, wc0, reps)  # [R, C]
    x, n, tv = a.x[rows], a.n[rows] * (wd0 > 0), a.tv[rows]
    S, D, n_i, P = x.shape
    if equal is None:
        equal = np.broadcast_to(a.equal[rows], (reps, S))
    pred0 = _pred(tv, wd0)
    n_pol = _n_poles(a)[rows]
    out = np.empty((reps, S))
    block = max(1, _BLOCK // max(1, reps * D * n_i * P))
    for b0 in range(0, S, block):
        sl = slice(b0, min(S, b0 + block))
        m, lead, dtv, dhas = _block_draw(x[sl], n[sl], tv[sl], rng, reps)
        # predictability on the same draw of indicators (the year before: the same
        # indicators), with the replicate's domain weights; the point value when no
        # indicator drawn has a year before
        pred = _pred_of(dtv, dhas, wd[:, None, :])
        pred = np.where(np.isnan(pred), pred0[sl][None], pred)
        fixed = np.stack([equal[:, sl], pred], axis=-1)  # [reps, Sb, 2]
        comp = _components_ml(m, lead, (n[sl] > 0)[None], wd[:, None, :], fixed,
                              n_pol[sl][None], a.lead)
        out[:, sl] = _combine(comp, wc[:, None, :])
    return out


def _block_draw(xb: np.ndarray, nb: np.ndarray, tvb: np.ndarray, rng: np.random.Generator,
                reps: int) -> tuple[np.ndarray, ...]:
    """One block's draw of indicators within each domain: per replicate, state-year and
    domain [reps, Sb, D], the largest pole share, its pole, the mean change against the year
    before and whether there is one. Only the domains with two indicators or more in some
    row are resampled (the others give the point values, the same as a draw of their one
    indicator); the uniform draws are those of every domain, so the stream does not depend
    on which."""
    Sb, D, n_i, _ = xb.shape
    own = np.isnan(xb).all(axis=(1, 2)) & (nb.sum(1) > 0)[:, None]  # [Sb, P]
    u = rng.random((reps, Sb, D, n_i))
    x0 = np.nan_to_num(xb)
    m0, l0 = _max_lead(np.where(own[:, None, :], np.nan, x0[:, :, 0, :]))  # [Sb, D]
    f0 = ((np.arange(n_i) == 0)[None, None, :] & (nb > 0)[:, :, None]).astype(float)
    t0, h0 = _dom_tv(tvb, f0)
    m, lead = np.repeat(m0[None], reps, 0), np.repeat(l0[None], reps, 0)
    dtv, dhas = np.repeat(t0[None], reps, 0), np.repeat(h0[None], reps, 0)
    v = np.flatnonzero((nb >= 2).any(0))
    if len(v):
        nv = nb[:, v]
        idx = np.floor(u[:, :, v, :] * np.maximum(nv, 1)[None, :, :, None]).astype(np.int64)
        valid = np.arange(n_i)[None, None, None, :] < nv[None, :, :, None]
        # how often each indicator is drawn, as a fraction of the domain's draws
        frac = np.stack([((idx == i) & valid).sum(-1) for i in range(n_i)], axis=-1)
        frac = frac / np.maximum(nv, 1)[None, :, :, None]
        xv = x0[:, v]
        ds = sum(frac[..., i, None] * xv[None, :, :, i, :] for i in range(n_i))
        ds = np.where(own[None, :, None, :], np.nan, ds)  # never its own pole
        m[:, :, v], lead[:, :, v] = _max_lead(ds)
        dtv[:, :, v], dhas[:, :, v] = _dom_tv(tvb[:, v][None], frac)
    return m, lead, dtv, dhas


def balance_index(db: str | Path | None = None, *, states: list[str] | None = None,
                  start: int | None = None, end: int | None = None, reps: int = 1000,
                  seed: int = 12345, poles: list[str] | None = None,
                  doctrine, sensitivity: bool = False) -> IndexResult:
    """The balance index for ``states`` (all when None) and years ``start..end``.

    Ranks use every state of each year (point estimates); the bootstrap runs for the states
    asked for. ``sensitivity``: also the ranks under each alternative weighting of the
    components (:func:`weightings`). ``doctrine``: the domain weights, the functional domains
    and (unless ``poles`` is given) the poles (the caller's: the command line gives the
    default doctrine, :func:`equipoise.context.resolve_doctrine`). See the module docstring for
    the formula.
    """
    if start is not None and end is not None and start > end:
        raise OptionError(f"--from {start} is after --to {end}; expecting --from <= --to")
    doc = doctrine
    poles = list(poles or doc.poles)
    wd0 = domain_weights(doc)
    wc0 = np.ones(len(COMPONENTS))
    lo = -9999 if start is None else int(start)
    hi = 9999 if end is None else int(end)
    shares, kap, ideal, rc_votes, yr = _read_panel(db, poles, lo, hi, reps)
    if yr[0] is None:
        raise NoDataError(f"panel: no rows in the years {'...' if start is None else start}-"
                          f"{'...' if end is None else end}")
    a = _arrays(shares, kap, poles, ideal)
    a.lead = functional_domains(doc)
    comp, idx = _point(a, wd0, wc0)
    frame = _ranked_frame(a, comp, idx)
    sens = ws = None
    if sensitivity:
        sens, ws = _sensitivity(a.keys, comp, (frame["status"] == "ok").to_numpy(), wc0,
                                a, wd0)
        sens = sens[sens["year"] >= lo]
        if states is not None:
            sens = sens[sens["state"].isin(states)]
        sens = sens.sort_values(["state", "year"]).reset_index(drop=True)
    frame = _select(frame, states, lo, yr)
    frame["lower"] = np.nan
    frame["upper"] = np.nan
    if reps > 0:
        _add_interval(frame, a, rc_votes, poles, reps, seed, wd0, wc0)
    frame = frame.rename(columns={"focal": "state"})
    cols = ["state", "year", "index", "lower", "upper", "rank", "ranked", "percentile",
            "status", *COMPONENTS, "equal_distance_measure", "domains", "note"]
    ip_years = sorted(set(frame.loc[frame["equal_distance_measure"] == "ideal_distance",
                                    "year"].astype(int)))
    return IndexResult(frame[cols], poles, dict(zip(DOMAINS, wd0.tolist(), strict=True)),
                       dict(zip(COMPONENTS, wc0.tolist(), strict=True)), reps, seed,
                       _result_notes(reps, rc_votes, ip_years), sens, ws or [])


def _read_panel(db, poles: list[str], lo: int, hi: int, reps: int):
    """Pole shares and kappas of the years ``lo - 1..hi`` (predictability compares with the
    year before), equal distance from the ideal points in ``lo..hi`` (:func:`_ideal_equal`,
    calibrated on the years before, whatever ``lo``), the roll-call votes of ``lo..hi``
    (only with ``reps``) and the first and last panel year in ``lo..hi`` (``(None, None)``
    without rows)."""
    con = open_panel(db)
    try:
        # one year more before the first: predictability compares with the year before
        shares = _pole_shares(con, poles, lo - 1, hi)
        kap = _kappas(con, poles, lo - 1, hi)
        ideal = _ideal_equal(_spreads(con, poles, hi), lo, hi)
        rc_votes = _rollcall_votes(con, lo, hi) if reps > 0 else None
        yr = con.execute(f"SELECT min(year), max(year) FROM panel WHERE year BETWEEN {lo} "
                         f"AND {hi} AND indicator NOT LIKE '{EXCLUDED_PREFIX}%'"
                         ).fetchall()[0]
    finally:
        con.close()
    return shares, kap, ideal, rc_votes, yr


def _ranked_frame(a: _Arrays, comp: np.ndarray, idx: np.ndarray) -> pd.DataFrame:
    """One row per state and year of ``a``: the index, its components, status, domains, note,
    and rank and percentile among the states of the year with every component."""
    frame = a.keys.copy()
    frame["index"] = idx
    for i, c in enumerate(COMPONENTS):
        frame[c] = comp[:, i]
    n_comp = (~np.isnan(comp)).sum(-1)
    frame["status"] = np.where(n_comp == len(COMPONENTS), "ok",
                               np.where(n_comp > 0, "partial", "insufficient"))
    frame["domains"] = [",".join(d for j, d in enumerate(DOMAINS) if a.n[s, j] > 0)
                        for s in range(len(frame))]
    frame["equal_distance_measure"] = a.measure
    cal = a.cal if a.cal is not None else np.zeros(len(frame), dtype=np.int64)
    frame["note"] = [_note(r, m, c) for r, m, c in zip(frame[list(COMPONENTS)].to_numpy(),
                                                       frame["equal_distance_measure"], cal,
                                                       strict=True)]
    ranked = frame[frame["status"] == "ok"]
    rank = ranked.groupby("year")["index"].rank(ascending=False, method="min")
    frame["rank"] = rank.reindex(frame.index)
    frame["ranked"] = ranked.groupby("year")["index"].transform("size").reindex(frame.index)
    frame["percentile"] = np.where(frame["ranked"] > 1, 100.0 * (frame["ranked"] - frame["rank"])
                                   / (frame["ranked"] - 1), np.where(frame["ranked"] == 1,
                                                                     100.0, np.nan))
    return frame


def _select(frame: pd.DataFrame, states: list[str] | None, lo: int, yr) -> pd.DataFrame:
    """The rows from year ``lo`` of ``states`` (all when None), sorted by state and year; a
    state asked for gets an "insufficient" row for each panel year ``yr[0]..yr[1]`` it lacks."""
    frame = frame[frame["year"] >= lo]
    if states is not None:
        frame = frame[frame["focal"].isin(states)]
        missing = [(s, y) for s in states for y in range(int(yr[0]), int(yr[1]) + 1)
                   if not ((frame["focal"] == s) & (frame["year"] == y)).any()]
        if missing:
            frame = pd.concat([frame, pd.DataFrame({
                "focal": [s for s, _ in missing], "year": [y for _, y in missing],
                "status": "insufficient", "domains": "",
                "note": "no panel rows with pole data or kappa (nor ideal points) for this "
                        "state and year"})],
                ignore_index=True)
    return frame.sort_values(["focal", "year"]).reset_index(drop=True)


def _add_interval(frame: pd.DataFrame, a: _Arrays, rc_votes, poles: list[str], reps: int,
                  seed: int, wd0: np.ndarray, wc0: np.ndarray) -> None:
    """Set ``lower`` and ``upper`` of the rows of ``frame`` found in ``a`` to the 5 % and 95 %
    quantiles of ``reps`` bootstrap replicates (in place)."""
    rows_of = {(f, int(y)): i for i, (f, y) in enumerate(zip(a.keys["focal"],
                                                             a.keys["year"], strict=True))}
    pos = [rows_of.get((f, int(y)), -1) for f, y in zip(frame["focal"], frame["year"],
                                                       strict=True)]
    have = np.array([p >= 0 for p in pos])
    if have.any():
        rows = np.array([p for p in pos if p >= 0])
        equal = None
        if rc_votes is not None:  # its own stream: the other draws stay as they were
            equal = _equal_replicates(a, rows, rc_votes, poles, reps,
                                      np.random.default_rng([seed, 1]))
        rng = np.random.default_rng(seed)
        boot = _bootstrap(a, rows, reps, rng, wd0, wc0, equal)
        q = np.quantile(boot, [0.05, 0.95], axis=0)  # every replicate has a value
        frame.loc[have, "lower"] = q[0]
        frame.loc[have, "upper"] = q[1]


def _result_notes(reps: int, rc_votes, ip_years: list[int] | None = None) -> list[str]:
    """The notes on the interval that go with the result."""
    notes = ["the interval resamples indicators within domains (the shares and, on the same "
             "draw, predictability), the roll calls of each year (equal distance) and draws "
             "Dirichlet weights of the domains and the components around the doctrine's"]
    if reps > 0 and rc_votes is None:
        notes.append("this panel has no roll-call votes (table panel_rollcalls; rebuild it "
                     "with `equipoise panel build`): equal distance is fixed in the replicates")
    if ip_years:
        notes.append(
            f"equal distance in {', '.join(map(str, ip_years))} (too few roll calls for "
            "kappa) is the spread of the Bailey-Strezhnev-Voeten ideal-point distances to the "
            "poles in kappa's units (docs/methods.md); no roll calls to resample: its interval "
            "comes from the indicators and the weights only")
    return notes


def _note(values, measure=None, cal: int = 0) -> str:
    miss = [c for c, v in zip(COMPONENTS, values, strict=True) if v != v]
    why = {"dependency": "no functional domain with pole shares",
           "distinctness": "fewer than two domains with a leading pole",
           "equal_distance": "fewer than two poles with kappa (or, in a year with too few "
                             "roll calls for kappa, with ideal points and an earlier year "
                             "with both to scale them)",
           "predictability": "no indicator of the year before to compare with"}
    out = [f"{c}: {why[c]}" for c in miss]
    if measure == "ideal_distance":
        out.append(f"equal_distance: from the ideal-point spread (too few roll calls for "
                   f"kappa in the year; scaled by {cal} earlier year{'' if cal == 1 else 's'} with "
                   "both; no roll-call resampling in the interval)")
    return "; ".join(out)
