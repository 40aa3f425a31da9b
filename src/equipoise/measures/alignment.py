"""Alignment of a focal state with each pole from UN General Assembly roll calls, and
equidistance (the spread of alignment across the poles), with bootstrap intervals.

Measures (``measure=``), each computed from the 3 x 3 table of the two states' votes
(yes / abstain / no) on the roll calls where both voted (absences and non-membership excluded):

``agree``
    Exact agreement: share of roll calls where both voted and voted alike. The definition of
    ``USAgree``/``RUSSAgree``/``ChinaAgree`` in the Bailey-Strezhnev-Voeten (2017) file; the
    tests reproduce the published values exactly where the vote sets coincide.
``coincidence``
    US State Department "voting coincidence" (Voting Practices in the United Nations):
    identical / (identical + opposite) over yes/no votes; abstentions and absences excluded.
``s``
    Signorino & Ritter (1999) S score, absolute form, ``S = 1 - 2 sum|x1 - x2| / (n d)`` on the
    ordinal scale yes = 1, abstain = 2, no = 3 (d = 2); range [-1, 1].
``kappa``
    Cohen's (1960) kappa ``(p_o - p_e) / (1 - p_e)`` over the 3 x 3 table; chance-corrected
    agreement as recommended by Haege (2011, Political Analysis 19(3)).
``ipd``
    Ideal-point distance ``|theta_focal - theta_pole|`` from the published ideal points of
    Bailey, Strezhnev & Voeten (2017); a distance: lower means closer.

A pole may be a country (``USA``) or a group (``EU27``): a group is pooled over its member states
in each year (:func:`equipoise.reference.expand_group`), every focal-member pair on a roll call
counting once. Periods: ``year`` (calendar year of the vote), ``session``, ``issue`` (the six
Voeten issue codes over the whole window; a roll call with two issues counts in both) or ``all``.

Intervals: nonparametric bootstrap over roll calls (Efron & Tibshirani 1993), percentile
method, seeded :class:`numpy.random.Generator`; the roll calls of a period are resampled once
per replicate and used for *all* poles, so the equidistance interval is joint. For ``ipd`` the
interval is a parametric simulation from the published posterior quantiles (normal
approximation, sd = (q95 - q05) / (2 * 1.645), independent across states).

Equidistance (equipoise's own, shared/METHODS.md): per period, ``max - min`` of the measure
across the poles with data; 0 = perfectly equidistant.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .._options import as_list, check_option
from .._results import Result
from ..errors import InputError, NoDataError, OptionError

Measure = Literal["agree", "coincidence", "s", "kappa", "ipd"]
By = Literal["year", "session", "issue", "all"]
MAX_REPS = 100_000
"""Largest number of bootstrap replicates (memory is bounded by blocks; time grows with it)."""
_BOOT_CELLS = 4_000_000  # draws per bootstrap block (about 100 MB of temporaries)
_CODE = {"yes": 0, "abstain": 1, "no": 2}
HIGHER_IS_CLOSER = {"agree": True, "coincidence": True, "s": True, "kappa": True, "ipd": False}
MEASURE_NAMES = {
    "agree": "exact agreement (share of common roll calls voted alike; BSV 2017)",
    "coincidence": "voting coincidence (identical / (identical + opposite); US State Department)",
    "s": "Signorino-Ritter S (absolute, yes/abstain/no scale)",
    "kappa": "Cohen's kappa (chance-corrected agreement; Haege 2011)",
    "ipd": "ideal-point distance |theta_i - theta_j| (Bailey, Strezhnev & Voeten 2017)",
}

__all__ = [
    "AlignmentResult",
    "AlignmentSummary",
    "alignment",
    "alignment_summary",
    "assessment_equidistance",
    "measure_from_tables",
]


# ------------------------------------------------------------------------------ no data

NO_VOTES = ("no UN votes found: pass --votes PATH (a file or folder in the unvotes or Voeten "
            "layout), set EQUIPOISE_VOTES, or load votes into the warehouse")
NO_IDEALPOINTS = ("no ideal-point file found: pass --idealpoints PATH (the BSV "
                  "IdealpointestimatesAll CSV) or set EQUIPOISE_IDEALPOINTS")


# ------------------------------------------------------------------------------ the measures


def measure_from_tables(t: np.ndarray, measure: str) -> np.ndarray:
    """The measure from 3 x 3 vote tables ``t[..., focal_vote, pole_vote]`` (yes, abstain, no).

    Returns an array of shape ``t.shape[:-2]``; NaN where undefined (no common votes, or
    ``p_e == 1`` for kappa, or no yes/no pair for coincidence).

    >>> t = np.array([[8, 0, 1], [0, 1, 0], [0, 0, 0]])
    >>> float(measure_from_tables(t, "agree"))
    0.9
    """
    t = np.asarray(t, dtype=float)
    n = t.sum(axis=(-1, -2))
    same = np.trace(t, axis1=-2, axis2=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if measure == "agree":
            return np.where(n > 0, same / n, np.nan)
        if measure == "coincidence":
            ident = t[..., 0, 0] + t[..., 2, 2]
            opp = t[..., 0, 2] + t[..., 2, 0]
            return np.where(ident + opp > 0, ident / (ident + opp), np.nan)
        if measure == "s":
            dist = np.abs(np.subtract.outer(np.arange(3), np.arange(3)))
            d = 2.0
            tot = (t * dist).sum(axis=(-1, -2))
            return np.where(n > 0, 1.0 - 2.0 * tot / (n * d), np.nan)
        if measure == "kappa":
            po = same / n
            pe = (t.sum(axis=-1) * t.sum(axis=-2)).sum(axis=-1) / n**2
            return np.where((n > 0) & (pe < 1 - 1e-12), (po - pe) / (1 - pe), np.nan)
    raise OptionError(f"measure: expecting one of ('agree', 'coincidence', 's', 'kappa'). "
                      f"Got {measure!r}.")


# ------------------------------------------------------------------------------ results


@dataclass
class AlignmentResult(Result):
    """Alignment of ``focal`` with each pole per period, and equidistance; a
    :class:`~equipoise._results.Result` (``summary()``, ``_repr_html_()``, ``to_dict()``,
    ``compare()``).

    Attributes
    ----------
    series : DataFrame
        period, pole, value, lower, upper, n_rollcalls, n_pairs.
    equidistance : DataFrame
        period, value, lower, upper, n_poles (poles with a value), closest, farthest.
    """

    focal: str
    measure: str
    by: str
    poles: list[str]
    series: pd.DataFrame
    equidistance: pd.DataFrame
    level: float = 0.95
    reps: int = 1000
    seed: int | None = 0
    source: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        s = self.series[["period", "pole", "value", "lower", "upper", "n_rollcalls"]]
        e = self.equidistance[["period", "value", "lower", "upper", "n_poles"]]
        return {
            "focal": self.focal, "measure": self.measure, "by": self.by, "poles": self.poles,
            "definition": MEASURE_NAMES[self.measure],
            "higher_is_closer": HIGHER_IS_CLOSER[self.measure],
            "level": self.level, "reps": self.reps, "seed": self.seed, "source": self.source,
            "series": s.to_dict("records"), "equidistance": e.to_dict("records"),
            "notes": self.notes,
        }

    def wide(self) -> pd.DataFrame:
        """Period x pole table of values, with the equidistance as the last column."""
        w = self.series.pivot(index="period", columns="pole", values="value")
        w = w[[p for p in self.poles if p in w.columns]]
        w["equidistance"] = self.equidistance.set_index("period")["value"]
        return w

    def summary(self) -> str:
        lines = [f"Alignment of {self.focal}: {MEASURE_NAMES[self.measure]}, by {self.by}, "
                 f"{int(self.level * 100)}% bootstrap intervals ({self.reps} reps)"]
        with pd.option_context("display.width", 200, "display.max_rows", 200):
            lines.append(self.wide().round(3).to_string())
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def heading(self) -> str:
        return f"Alignment of {self.focal}: {MEASURE_NAMES[self.measure]}, by {self.by}"

    def compare_label(self) -> str:
        return f"{self.focal} {self.measure}"

    def summary_numbers(self) -> dict[str, float]:
        """Each pole's value (``RUS``) with its bootstrap interval (``RUS.lower``,
        ``RUS.upper``; left out when not computed) and the equidistance (``equidistance``,
        ``equidistance.lower``, ...) of the latest period (its number as ``period``; by
        ``all`` the one period), or by ``issue`` of every issue (``hr.RUS``)."""
        out: dict[str, float] = {}
        periods = list(dict.fromkeys(self.equidistance["period"]))
        if self.by == "issue":
            chosen = [(p, f"{p}.") for p in periods]
        else:
            last = max(periods) if periods else None
            chosen = [] if last is None else [(last, "")]
            if isinstance(last, (int, float, np.integer, np.floating)):
                out["period"] = int(last) if float(last).is_integer() else float(last)
        for period, prefix in chosen:
            s = self.series[self.series["period"] == period].set_index("pole")
            e = self.equidistance[self.equidistance["period"] == period].iloc[0]
            rows = [(pole, s.loc[pole]) for pole in self.poles if pole in s.index]
            for name, r in [*rows, ("equidistance", e)]:
                out[f"{prefix}{name}"] = float(r["value"])
                out.update({f"{prefix}{name}.{b}": float(r[b]) for b in ("lower", "upper")
                            if pd.notna(r[b])})
        return out

    def html_tables(self) -> list:
        return [("Value per period and pole, and the equidistance", self.wide())]


@dataclass(frozen=True)
class AlignmentSummary:
    """What the assessment needs: the latest period's alignment per pole and equidistance.

    ``values[pole] = {"value", "lower", "upper"}``; ``equidistance = {"value", "lower",
    "upper"}``; ``volatility[pole]`` = standard deviation of the pole's period-to-period
    changes over the window (predictability); ``trend`` = the equidistance series.
    """

    focal: str
    measure: str
    period: object
    values: dict
    equidistance: dict
    closest: str | None
    farthest: str | None
    volatility: dict
    trend: list
    higher_is_closer: bool
    source: str
    definition: str

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


# ------------------------------------------------------------------------------ engine


def _as_voteset(votes):
    from ..sources.unvotes import VoteSet, read_votes, votes_from_frame

    if votes is None:  # the caller looks for votes (equipoise.context.votes_source)
        raise NoDataError(NO_VOTES)
    if callable(votes):  # a reader the caller passes, called only when votes are needed
        return _as_voteset(votes())
    if isinstance(votes, VoteSet):
        return votes
    if isinstance(votes, pd.DataFrame):
        return votes_from_frame(votes)
    if isinstance(votes, (str, Path)):
        try:
            return read_votes(votes)
        except UnicodeDecodeError as exc:  # name the file: the reader streams it
            raise InputError(f"votes {votes}: byte 0x{exc.object[exc.start:exc.start + 1].hex()}"
                             f" is not UTF-8 (at byte {exc.start} of a block read); expecting "
                             "a UTF-8 CSV (unvotes or Voeten layout)") from None
    raise InputError(f"votes: expecting a VoteSet, a DataFrame or a path; got {type(votes)}")


def _pole_pairs(v: pd.DataFrame, focal: str, poles: Sequence[str]) -> pd.DataFrame:
    """Rows (rcid, year, pole, f, p): the focal vote and a pole member's vote (codes 0..2)."""
    from .. import reference

    years = np.sort(v["year"].unique())
    mapping = []
    for pole in poles:
        if reference.is_group(pole):
            for y in years:
                mem = [m for m in reference.expand_group(pole, int(y)) if m != focal]
                mapping.append(pd.DataFrame({"pole": pole, "year": int(y), "country": mem}))
        else:
            mapping.append(pd.DataFrame({"pole": pole, "year": years.astype(int),
                                         "country": pole}))
    mp = pd.concat(mapping, ignore_index=True)
    mp["country"] = mp["country"].astype("string")
    code = v["vote"].map(_CODE)
    voted = code.notna()
    vv = v.loc[voted, ["rcid", "year", "country"]].assign(code=code[voted].astype("int8"))
    fv = vv.loc[vv["country"] == focal, ["rcid", "code"]].rename(columns={"code": "f"})
    pv = vv[vv["country"].isin(mp["country"].unique())].merge(mp, on=["year", "country"])
    pairs = pv.merge(fv, on="rcid")
    return pairs.rename(columns={"code": "p"})[["rcid", "year", "pole", "f", "p"]]


def _check_poles(poles, focal) -> list[str]:
    from .. import reference

    poles = as_list(poles)
    if not poles:  # the caller resolves the default poles (equipoise.context.resolve_poles)
        from ..errors import InputError

        raise InputError(f"poles: saw {poles!r}; expected ISO3 codes or groups")
    known = reference.known_codes()
    bad = [p for p in poles if p not in known]
    if bad:
        from ..errors import UnknownCountryError

        raise UnknownCountryError(f"--poles: {bad} are not ISO3 codes or known groups "
                                  f"(EU27, EAEU, ...)")
    if focal not in reference.country_codes():
        from ..errors import UnknownCountryError

        raise UnknownCountryError(f"focal {focal!r} is not an ISO3 country code")
    return [p for p in poles if p != focal]


def alignment(votes=None, *, focal: str, poles: Sequence[str] | str,
              start: int | None = None, end: int | None = None, by: By = "year",
              measure: Measure = "agree", reps: int = 1000, seed: int | None = 0,
              level: float = 0.95, idealpoints=None, min_rollcalls: int = 1,
              fallback=None) -> AlignmentResult:
    """Alignment of ``focal`` with each pole per period, with bootstrap intervals.

    Parameters
    ----------
    votes : VoteSet, DataFrame, path, reader or None
        Canonical votes (see :mod:`equipoise.sources.unvotes`), or a function returning them,
        called only when votes are needed (:func:`equipoise.context.votes_source`). When there
        are none (None, or the reader raises NoDataError), exact agreement by year or session
        falls back on the published agreement rows of ``fallback``.
        Ignored for ``measure="ipd"``.
    focal : str
        ISO3 code of the focal state.
    poles : list or comma-separated str
        Country codes or groups (``EU27`` is pooled over its members in each year).
    start, end : int, optional
        Inclusive calendar-year window (for ``by="session"``, sessions opening in the window).
    by : {"year", "session", "issue", "all"}
    measure : {"agree", "coincidence", "s", "kappa", "ipd"}
        See the module docstring for the formulas and sources. The default, exact agreement,
        is the published BSV measure and the one the doctrine's ``equidistance_spread``
        threshold is stated in; ``kappa`` corrects for chance (Haege 2011).
    reps : int
        Bootstrap replicates (0 = no intervals).
    seed : int or None
        Seed of the :class:`numpy.random.Generator`.
    level : float
        Coverage of the percentile interval.
    idealpoints : DataFrame, path or reader, optional
        BSV ideal points for ``ipd`` (a reader such as
        :func:`equipoise.context.idealpoints_source` is called only for ``ipd``).
    min_rollcalls : int
        Periods with fewer common roll calls (focal and any pole) are dropped.
    fallback : FlowSet, DataFrame or reader of the focal state's flows, optional
        Their ``political.unga.agreement`` rows are used when there are no votes
        (:func:`equipoise.context.load_default`); None: no votes is an error.

    Returns
    -------
    AlignmentResult

    References
    ----------
    Bailey, Strezhnev & Voeten (2017) JCR 61(2); Signorino & Ritter (1999) ISQ 43(1);
    Cohen (1960) EPM 20(1); Haege (2011) Political Analysis 19(3); US Department of State,
    Voting Practices in the United Nations; Efron & Tibshirani (1993).
    """
    _check_args(measure, by, level, reps, min_rollcalls)
    poles = _check_poles(poles, focal)
    if measure == "ipd":
        return _ipd(idealpoints, focal=focal, poles=poles, start=start, end=end, by=by,
                    reps=reps, seed=seed, level=level)
    try:
        vs = _as_voteset(votes)
    except NoDataError:
        given = votes is not None and not callable(votes)  # a reader found nothing: fall back
        if given or fallback is None or measure != "agree" or by not in ("year", "session"):
            raise
        return _embedded_agreement(fallback, focal=focal, poles=poles, start=start, end=end,
                                   by=by, level=level)
    v = vs.votes
    if start is not None:
        v = v[v["year"] >= int(start)]
    if end is not None:
        v = v[v["year"] <= int(end)]
    if not (v["country"] == focal).any():
        raise NoDataError(f"no votes of {focal} in {vs.source or 'the votes given'}"
                          f" for years {start or 'start'}..{end or 'end'}")
    pairs = _pole_pairs(v, focal, poles)
    if pairs.empty:
        raise NoDataError(f"no roll calls on which {focal} and any of {poles} both voted")
    pairs, notes = _with_periods(pairs, v, vs, by)
    srows, erows = _period_rows(pairs, poles, measure, reps, seed, level, min_rollcalls)
    return _result(srows, erows, focal, measure, by, poles, level, reps, seed,
                   vs.source, notes)


def _check_args(measure, by, level, reps, min_rollcalls) -> None:
    check_option("measure", measure, Measure)
    check_option("by", by, By)
    if not 0 < level < 1:
        raise OptionError(f"level: expecting a number in (0, 1). Got {level!r}.")
    if not 0 <= reps <= MAX_REPS:
        raise OptionError(f"reps: expecting an integer in 0..{MAX_REPS}. Got {reps!r}.")
    if not 0 <= min_rollcalls <= 10**6:
        raise OptionError(f"min_rollcalls: expecting an integer in 0..1000000. "
                          f"Got {min_rollcalls!r}.")


def _with_periods(pairs: pd.DataFrame, v: pd.DataFrame, vs, by: str):
    """``pairs`` with a ``period`` column for ``by`` (issue: one row per issue of a roll
    call), and the notes that say how."""
    notes = []
    if by == "year":
        pairs["period"] = pairs["year"]
    elif by == "session":
        sess = v.drop_duplicates("rcid").set_index("rcid")["session"]
        pairs["period"] = pairs["rcid"].map(sess).astype("int64")
    elif by == "all":
        lo, hi = int(pairs["year"].min()), int(pairs["year"].max())
        pairs["period"] = f"{lo}-{hi}"
    else:
        iss = vs.issues
        if iss is None or iss.empty:
            raise NoDataError(f"{vs.source}: no roll-call issue codes; by='issue' needs them")
        pairs = pairs.merge(iss.rename(columns={"issue": "period"}), on="rcid")
        notes.append("by issue: a roll call tagged with several issues counts in each; "
                     "untagged roll calls are left out")
    return pairs, notes


def _period_rows(pairs, poles, measure, reps, seed, level, min_rollcalls):
    """Per period: the series rows (measure and bootstrap interval per pole) and the
    equidistance row."""
    rng = np.random.default_rng(seed)
    alpha = (1 - level) / 2
    srows, erows = [], []
    for period, g in pairs.groupby("period", sort=True):
        rc_codes, rc_idx = np.unique(g["rcid"].to_numpy(), return_inverse=True)
        n_rc = len(rc_codes)
        if n_rc < min_rollcalls:
            continue
        pole_idx = pd.Categorical(g["pole"], categories=poles).codes
        cell = g["f"].to_numpy().astype(np.int64) * 3 + g["p"].to_numpy()
        flat = (rc_idx * len(poles) + pole_idx) * 9 + cell
        counts = np.bincount(flat, minlength=n_rc * len(poles) * 9).reshape(
            n_rc, len(poles) * 9).astype(float)
        point_t = counts.sum(axis=0).reshape(len(poles), 3, 3)
        point = measure_from_tables(point_t, measure)
        npairs = point_t.sum(axis=(1, 2))
        per_pole_rc = (counts.reshape(n_rc, len(poles), 9).sum(axis=2) > 0).sum(axis=0)
        if reps:
            boot_t = _boot_tables(rng, counts, reps).reshape(reps, len(poles), 3, 3)
            boot = measure_from_tables(boot_t, measure)
            lo_p, hi_p = _quantiles(boot, alpha)
        else:
            boot = None
            lo_p = hi_p = np.full(len(poles), np.nan)
        for j, pole in enumerate(poles):
            if npairs[j] == 0:
                continue
            srows.append((period, pole, float(point[j]), float(lo_p[j]), float(hi_p[j]),
                          int(per_pole_rc[j]), int(npairs[j])))
        erows.append(_spread_row(period, point, boot, poles, alpha, measure))
    return srows, erows


def _boot_tables(rng, counts: np.ndarray, reps: int) -> np.ndarray:
    """``reps`` bootstrap resamples of the roll calls (rows of ``counts``), summed: in blocks
    of at most :data:`_BOOT_CELLS` draws, so memory stays bounded whatever ``reps`` (the
    draws are the same as in one block: the generator's stream is consumed in order)."""
    n_rc = counts.shape[0]
    out = np.empty((reps, counts.shape[1]))
    step = max(1, _BOOT_CELLS // max(n_rc, 1))
    for lo in range(0, reps, step):
        k = min(step, reps - lo)
        idx = rng.integers(0, n_rc, size=(k, n_rc))
        w = np.bincount((idx + np.arange(k)[:, None] * n_rc).ravel(),
                        minlength=k * n_rc).reshape(k, n_rc).astype(float)
        out[lo:lo + k] = w @ counts
    return out


def _quantiles(boot: np.ndarray, alpha: float):
    """Percentile interval over axis 0, NaN where every replicate is NaN."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return (np.nanquantile(boot, alpha, axis=0), np.nanquantile(boot, 1 - alpha, axis=0))


def _spread_row(period, point, boot, poles, alpha, measure):
    ok = ~np.isnan(point)
    if ok.sum() < 2:
        return (period, np.nan, np.nan, np.nan, int(ok.sum()), None, None)
    value = float(np.nanmax(point) - np.nanmin(point))
    hi_first = HIGHER_IS_CLOSER[measure]
    order = np.where(ok, point, -np.inf if hi_first else np.inf)
    closest = poles[int(np.argmax(order) if hi_first else np.argmin(order))]
    order2 = np.where(ok, point, np.inf if hi_first else -np.inf)
    farthest = poles[int(np.argmin(order2) if hi_first else np.argmax(order2))]
    lo = hi = np.nan
    if boot is not None:
        b = boot[:, ok]
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            spread = np.nanmax(b, axis=1) - np.nanmin(b, axis=1)
        lo, hi = (float(x) for x in _quantiles(spread, alpha))
    return (period, value, lo, hi, int(ok.sum()), closest, farthest)


def _result(srows, erows, focal, measure, by, poles, level, reps, seed, source, notes):
    series = pd.DataFrame(srows, columns=["period", "pole", "value", "lower", "upper",
                                          "n_rollcalls", "n_pairs"])
    equi = pd.DataFrame(erows, columns=["period", "value", "lower", "upper", "n_poles",
                                        "closest", "farthest"])
    if series.empty:
        raise NoDataError(f"no period has common roll calls of {focal} with {poles}")
    from ..sources.unvotes import citation

    return AlignmentResult(focal=focal, measure=measure, by=by, poles=list(poles),
                           series=series, equidistance=equi, level=level, reps=reps, seed=seed,
                           source=citation(source), notes=notes)


def _embedded_agreement(fallback, *, focal, poles, start, end, by,
                        level) -> AlignmentResult:
    """Exact agreement from the ``political.unga.agreement`` rows of ``fallback`` (flows, or a
    reader of the focal state's flows: the embedded default's, from :mod:`equipoise.context`).

    Used when no roll-call votes are available: one value per session-year (published BSV
    agreement with USA/RUS/CHN; EU27 derived from the Voeten roll calls by
    scripts/derive_kazakhstan.py), no intervals.
    """
    from ..errors import EquipoiseError

    try:
        flows = fallback(focal) if callable(fallback) else fallback
        flows = flows.data if hasattr(flows, "data") else flows
    except EquipoiseError as exc:  # no embedded data for this focal state
        raise NoDataError(f"no UN votes and no embedded agreement rows for {focal}: pass "
                          f"--votes PATH ({exc})") from exc
    f = flows[(flows["reporter"] == focal) & (flows["indicator"] == "political.unga.agreement")
              & flows["partner"].isin(poles)]
    if start is not None:
        f = f[f["year"] >= int(start)]
    if end is not None:
        f = f[f["year"] <= int(end)]
    if f.empty:
        raise NoDataError(f"no UN votes found and no embedded agreement rows of {focal} with "
                          f"{poles}: pass --votes PATH")
    f = f.assign(period=f["year"].astype(int) if by == "year" else f["year"].astype(int) - 1945)
    srows, erows = [], []
    for period, g in f.groupby("period"):
        vals = dict(zip(g["partner"], g["value"].astype(float), strict=True))
        point = np.array([vals.get(p, np.nan) for p in poles])
        for p in poles:
            if p in vals:
                srows.append((period, p, vals[p], np.nan, np.nan, 0, 0))
        erows.append(_spread_row(period, point, None, poles, (1 - level) / 2, "agree"))
    notes = ["embedded default: published agreement per session-year "
             f"({'; '.join(sorted(f['source'].unique()))}); no roll calls, so no intervals"]
    return _result(srows, erows, focal, "agree", by, poles, level, 0, None,
                   "equipoise embedded default (political.unga.agreement)", notes)


def _idealpoints(idealpoints, read) -> pd.DataFrame:
    """The ideal-point frame from a frame, a path, or a reader the caller passes (called here,
    when they are needed: :func:`equipoise.context.idealpoints_source`)."""
    if idealpoints is None:
        raise NoDataError(NO_IDEALPOINTS)
    if callable(idealpoints):
        idealpoints = idealpoints()
    return idealpoints if isinstance(idealpoints, pd.DataFrame) else read(idealpoints)


def _ipd(idealpoints, *, focal, poles, start, end, by, reps, seed, level) -> AlignmentResult:
    from .. import reference
    from ..sources.idealpoints import read_idealpoints

    if by == "issue":
        raise OptionError("by: ideal points are estimated per session over all issues; "
                          "expecting one of ('year', 'session', 'all') with measure 'ipd'. "
                          "Got 'issue'.")
    ip = _idealpoints(idealpoints, read_idealpoints)
    if start is not None:
        ip = ip[ip["year"] >= int(start)]
    if end is not None:
        ip = ip[ip["year"] <= int(end)]
    ip = ip.copy()
    ip["sd"] = (ip["q95"] - ip["q05"]) / (2 * 1.6448536269514722)
    f = ip[ip["country"] == focal].set_index("session")
    if f.empty:
        raise NoDataError(f"no ideal points of {focal} in the window")
    rng = np.random.default_rng(seed)
    alpha = (1 - level) / 2
    sessions = sorted(f.index)
    by_s = {s: g.set_index("country") for s, g in ip[ip["session"].isin(sessions)].groupby(
        "session")}
    # per session: mean and sd of each pole's ideal point (a group: mean over members)
    stats = {}
    for s in sessions:
        g = by_s[s]
        year = int(f.loc[s, "year"])
        row = []
        for pole in poles:
            mem = [m for m in reference.expand_group(pole, year) if m != focal]
            mem = [m for m in mem if m in g.index]
            if not mem:
                row.append((np.nan, np.nan))
                continue
            row.append((float(g.loc[mem, "ideal"].mean()),
                        float(np.sqrt((g.loc[mem, "sd"] ** 2).sum()) / len(mem))))
        stats[s] = (float(f.loc[s, "ideal"]), float(f.loc[s, "sd"]), row, year)
    if by == "all":
        groups = {f"{ip['year'].min()}-{ip['year'].max()}": sessions}
    else:
        groups = {(s if by == "session" else stats[s][3]): [s] for s in sessions}
    srows, erows = [], []
    for period, ss in groups.items():
        # average over the sessions of the period of |theta_f - theta_p|
        pts, sims = [], []
        for s in ss:
            tf, sf, row, _ = stats[s]
            mu = np.array([r[0] for r in row])
            sd = np.array([r[1] for r in row])
            pts.append(np.abs(tf - mu))
            if reps:
                zf = tf + sf * rng.standard_normal((reps, 1))
                zp = mu + np.nan_to_num(sd) * rng.standard_normal((reps, len(poles)))
                sims.append(np.abs(zf - zp))
        point = np.nanmean(np.vstack(pts), axis=0) if len(pts) > 1 else pts[0]
        boot = (np.mean(np.stack(sims), axis=0) if sims else None)
        if boot is not None:
            lo_p, hi_p = _quantiles(boot, alpha)
        else:
            lo_p = hi_p = np.full(len(poles), np.nan)
        for j, pole in enumerate(poles):
            if np.isnan(point[j]):
                continue
            srows.append((period, pole, float(point[j]), float(lo_p[j]), float(hi_p[j]),
                          int(np.nansum([f.loc[s, "n_votes"] for s in ss])), len(ss)))
        erows.append(_spread_row(period, point, boot, poles, alpha, "ipd"))
    src = ip.attrs.get("source", "BSV ideal points")
    notes = ["ipd intervals: simulation from the published posterior quantiles (normal "
             "approximation, independent states), not a roll-call bootstrap",
             "n_rollcalls for ipd = the focal state's NVotesAll in the period"]
    return _result(srows, erows, focal, "ipd", by, poles, level, reps, seed, src, notes)


def alignment_summary(focal: str, poles: Sequence[str] | str, *,
                      votes=None, measure: Measure = "agree", start: int | None = None,
                      end: int | None = None, by: By = "year", reps: int = 1000,
                      seed: int | None = 0, level: float = 0.95, idealpoints=None,
                      min_rollcalls: int = 20) -> AlignmentSummary:
    """Latest-period alignment per pole and equidistance with its interval, for the assessment.

    The latest period is the last one with at least ``min_rollcalls`` common roll calls (a
    calendar year at the end of the data may hold only a few January votes). Volatility is the
    standard deviation of period-to-period changes of each pole's series (predictability).
    """
    res = alignment(votes, focal=focal, poles=poles, start=start, end=end, by=by,
                    measure=measure, reps=reps, seed=seed, level=level,
                    idealpoints=idealpoints, min_rollcalls=min_rollcalls)
    e = res.equidistance.dropna(subset=["value"])
    if e.empty:
        raise NoDataError(f"fewer than two poles with common roll calls for {focal}")
    last = e.iloc[-1]
    s = res.series[res.series["period"] == last["period"]]
    values = {r.pole: {"value": float(r.value), "lower": float(r.lower),
                       "upper": float(r.upper), "n_rollcalls": int(r.n_rollcalls)}
              for r in s.itertuples()}
    vol = {}
    for pole, g in res.series.groupby("pole"):
        d = np.diff(g.sort_values("period")["value"].to_numpy())
        vol[pole] = float(np.std(d, ddof=1)) if len(d) > 1 else float("nan")
    trend = [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
             for r in res.equidistance[["period", "value", "lower", "upper"]].to_dict("records")]
    period = last["period"]
    period = period.item() if hasattr(period, "item") else period
    return AlignmentSummary(
        focal=focal, measure=measure, period=period, values=values,
        equidistance={"value": float(last["value"]), "lower": float(last["lower"]),
                      "upper": float(last["upper"])},
        closest=last["closest"], farthest=last["farthest"], volatility=vol, trend=trend,
        higher_is_closer=HIGHER_IS_CLOSER[measure], source=res.source,
        definition=MEASURE_NAMES[measure])


def assessment_equidistance(focal: str, poles: Sequence[str] | str, *,
                            votes=None, idealpoints=None, measure: Measure = "agree",
                            reps: int = 1000, seed: int | None = 0, level: float = 0.95,
                            min_rollcalls: int = 20, year: int | None = None) -> dict:
    """Equidistance evidence for the assessment, in the shape ``assess`` reports.

    ``year`` is the assessment year (``--year``): only roll calls (and published sessions) in
    or before it are used, so the period is that year where it has enough roll calls.

    Keys: ``measure``, ``period`` (latest year, at most ``year``, with at least
    ``min_rollcalls`` common roll calls), ``agreement`` {pole: value}, ``intervals`` {pole: [lower, upper]}, ``spread`` with
    ``spread_lower``/``spread_upper`` (joint bootstrap), ``closest``, ``farthest``,
    ``missing_poles``, ``volatility`` {pole: sd of year-on-year changes}, ``trend`` (the
    equidistance series), ``published`` (BSV agreement with USA/RUS/CHN in their latest session,
    which runs past the roll-call data), ``sources`` and ``definition``. Without any roll-call
    data the BSV published agreement alone is used (no intervals, no group poles).
    """
    poles = _check_poles(poles, focal)
    out: dict = {"measure": measure, "definition": MEASURE_NAMES[measure], "sources": []}
    published = None
    try:
        from ..sources.idealpoints import CITATION, published_agreement, read_idealpoints

        ip = _idealpoints(idealpoints, read_idealpoints)
        pub = published_agreement(ip, focal)
        pub = pub[pub["pole"].isin(poles)]
        if year is not None:
            pub = pub[pub["year"] <= int(year)]
        if len(pub):
            last = int(pub["session"].max())
            sel = pub[pub["session"] == last]
            published = {"session": last, "year": int(sel["year"].iat[0]),
                         "agreement": dict(zip(sel["pole"], sel["value"].astype(float),
                                               strict=True)),
                         "source": CITATION}
    except NoDataError:
        pass
    out["published"] = published
    try:
        s = alignment_summary(focal, poles, votes=votes, measure=measure, reps=reps, seed=seed,
                              level=level, min_rollcalls=min_rollcalls, idealpoints=idealpoints,
                              end=year)
    except NoDataError as exc:
        if published is None or measure != "agree":
            out.update({"period": None, "agreement": {}, "spread": None,
                        "missing_poles": list(poles), "note": str(exc)})
            return out
        vals = published["agreement"]
        out.update({"period": published["year"], "agreement": vals, "intervals": {},
                    "spread": float(max(vals.values()) - min(vals.values()))
                    if len(vals) > 1 else None,
                    "missing_poles": [p for p in poles if p not in vals],
                    "sources": [published["source"]],
                    "note": f"no roll-call data ({exc}); BSV published agreement used"})
        return out
    out.update({
        "period": s.period,
        "agreement": {p: v["value"] for p, v in s.values.items()},
        "intervals": {p: [v["lower"], v["upper"]] for p, v in s.values.items()},
        "spread": s.equidistance["value"], "spread_lower": s.equidistance["lower"],
        "spread_upper": s.equidistance["upper"], "closest": s.closest,
        "farthest": s.farthest, "missing_poles": [p for p in poles if p not in s.values],
        "volatility": s.volatility, "trend": s.trend, "level": level,
        "sources": [s.source],
    })
    if published:
        out["sources"].append(published["source"])
    return out
