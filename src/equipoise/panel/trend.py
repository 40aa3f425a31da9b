"""Trends from the world panel: a state's pole shares per domain and year with a bootstrap
band, and the level shifts in them (``equipoise trend``).

``series``
    For each domain with a share per pole (trade, security, finance, energy, institutions,
    events: the balance index's :data:`~equipoise.panel.index.DOMAINS`), year and pole: the
    pole's share, the mean over the domain's indicators of the pole's share of each
    indicator (the same
    pole shares as the balance index: :func:`equipoise.panel.index._pole_shares`, EU27 summed
    over its members of the year, an indicator against a WLD total only when its partner rows
    explain at least half of it). The band is the 5th-95th percentile of
    :data:`REPS` bootstrap means over the domain's indicators resampled with replacement (a
    seeded :class:`numpy.random.Generator`, vectorised over replicates, years and poles).
    With one indicator there is nothing to resample: the band is empty and the note says so.

``shifts``
    Candidate change points in each (domain, pole) series from PELT (Killick, Fearnhead &
    Eckley 2012) with the ``l2`` cost of ``ruptures`` (Truong, Oudre & Vayatis 2020), segments
    of at least :data:`MIN_SIZE` years and the penalty ``2 sigma^2 log n`` (sigma from the
    median absolute first difference, ``MAD / (0.6745 sqrt 2)``). Each candidate is then
    tested by a permutation test of the difference of the means of the two adjacent segments
    (:data:`PERMUTATIONS` label permutations; two-sided p with the +1 correction of Phipson &
    Smyth 2010); only shifts with ``p < ALPHA`` and a change of at least :data:`MIN_DELTA`
    (two share points) are reported. See docs/methods.md, "Trends
    and level shifts", for what the test does not correct (serial correlation, selection).
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._results import Result
from ..errors import MissingDependencyError, OptionError

__all__ = ["ALPHA", "MIN_DELTA", "MIN_SIZE", "PERMUTATIONS", "REPS", "TrendResult",
           "detect_shifts", "permutation_p", "share_band", "trend"]

#: the domains with a share per pole (the balance index's): trade, security, finance, energy,
#: institutions, events
DOMAINS = ("trade", "security", "finance", "energy", "institutions", "events")
REPS = 1000
MIN_SIZE = 4
PERMUTATIONS = 9999
ALPHA = 0.05
#: a shift smaller than this (in share points, 0..1) is not reported however small its p
MIN_DELTA = 0.02
CITATIONS = (
    "Truong, C., Oudre, L. & Vayatis, N. (2020) Selective review of offline change point "
    "detection methods, Signal Processing 167, 107299",
    "Killick, R., Fearnhead, P. & Eckley, I. A. (2012) Optimal detection of changepoints with "
    "a linear computational cost, JASA 107(500)",
    "Phipson, B. & Smyth, G. K. (2010) Permutation p-values should never be zero, Statistical "
    "Applications in Genetics and Molecular Biology 9(1)",
    "Efron, B. & Tibshirani, R. (1993) An Introduction to the Bootstrap, Chapman & Hall",
)


@dataclass
class TrendResult(Result):
    """The series and shifts of :func:`trend`; a :class:`~equipoise._results.Result`
    (``summary()``, ``_repr_html_()``, ``to_dict()`` as ``equipoise trend --json``,
    ``compare()``)."""

    focal: str
    poles: list[str]
    series: list[dict[str, Any]]
    shifts: list[dict[str, Any]]
    candidates: int
    reps: int
    seed: int
    status: str = "ok"
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"focal": self.focal, "poles": self.poles, "status": self.status,
                "band": f"90 % bootstrap over indicators within the domain ({self.reps} "
                        f"replicates, seed {self.seed})",
                "shift_method": (f"PELT (ruptures, l2 cost, min_size {MIN_SIZE}, penalty "
                                 f"2 sigma^2 log n) confirmed by a permutation test of the "
                                 f"mean difference ({PERMUTATIONS} permutations, p < {ALPHA}, "
                                 f"|after - before| >= {MIN_DELTA})"),
                "candidates": self.candidates, "citations": list(CITATIONS),
                "notes": self.notes, "series": self.series, "shifts": self.shifts}

    def heading(self) -> str:
        return (f"Trend of {self.focal}'s pole shares ({self.status}; {len(self.shifts)} "
                f"shift(s) of {self.candidates} candidate(s))")

    def compare_label(self) -> str:
        return f"{self.focal} seed {self.seed}"

    def summary_numbers(self) -> dict[str, float]:
        """The change-point candidates and the shifts kept; per domain its latest year with
        shares (``trade.year``) and each pole's share then (``trade.CHN``) with its band
        (``trade.CHN.lower``, ``.upper``; left out with one indicator); each shift's change
        (``shift.trade.CHN.2008``: after - before)."""
        out: dict[str, float] = {"candidates": int(self.candidates),
                                 "shifts": len(self.shifts)}
        ok = [r for r in self.series if r["status"] == "ok" and r["share"] is not None]
        for d in dict.fromkeys(r["domain"] for r in ok):
            year = max(r["year"] for r in ok if r["domain"] == d)
            out[f"{d}.year"] = int(year)
            for r in ok:
                if r["domain"] == d and r["year"] == year:
                    out[f"{d}.{r['pole']}"] = float(r["share"])
                    out.update({f"{d}.{r['pole']}.{b}": float(r[b]) for b in ("lower", "upper")
                                if r[b] is not None})
        for sh in self.shifts:
            out[f"shift.{sh['domain']}.{sh['pole']}.{sh['year']}"] = float(sh["after"]
                                                                           - sh["before"])
        return out

    def summary(self) -> str:
        """The heading, the summary numbers one a line, and the notes."""
        return "\n".join([super().summary(), *(f"note: {n}" for n in self.notes)])

    def html_tables(self) -> list:
        tables: list = [("", list(self.summary_numbers().items()))]
        if self.shifts:
            tables.append(("Level shifts", pd.DataFrame(self.shifts)[
                ["domain", "pole", "year", "before", "after", "before_years", "after_years",
                 "p_value"]]))
        tables.append(("Pole shares per domain and year (90 % band)", pd.DataFrame(
            self.series, columns=["domain", "year", "pole", "share", "lower", "upper",
                                  "indicators", "status", "note"])))
        if self.notes:
            tables.append(("Notes", [(str(i), n) for i, n in enumerate(self.notes, 1)]))
        return tables


def share_band(x: np.ndarray, reps: int, rng: np.random.Generator,
               level: float = 0.90) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point mean and bootstrap band over indicators.

    ``x`` is [Y, I, P]: the pole shares of I indicator slots (NaN where a year has fewer
    indicators; an indicator present has all poles). Returns (mean, lower, upper), each
    [Y, P]; lower/upper are NaN where a year has fewer than two indicators.
    """
    have = ~np.isnan(x[:, :, 0])                     # [Y, I]
    n = have.sum(1)                                  # [Y]
    # put the present indicators first, so that slot j < n[y] is an indicator
    order = np.argsort(~have, axis=1, kind="stable")
    xs = np.take_along_axis(x, order[:, :, None], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(xs, axis=1)                # [Y, P]
    lo = np.full(mean.shape, np.nan)
    hi = np.full(mean.shape, np.nan)
    if reps <= 0 or x.shape[1] == 0:
        return mean, lo, hi
    nmax = x.shape[1]
    u = rng.random((reps, x.shape[0], nmax))
    idx = np.floor(u * np.maximum(n, 1)[None, :, None]).astype(np.int64)   # [R, Y, I]
    valid = np.arange(nmax)[None, None, :] < n[None, :, None]
    x0 = np.nan_to_num(xs)
    yy = np.arange(x.shape[0])[None, :, None]
    drawn = x0[yy, idx]                              # [R, Y, I, P]
    boot = (drawn * valid[..., None]).sum(2) / np.maximum(n, 1)[None, :, None]
    q = np.quantile(boot, [(1 - level) / 2, 1 - (1 - level) / 2], axis=0)
    two = (n >= 2)[:, None]
    lo = np.where(two, q[0], np.nan)
    hi = np.where(two, q[1], np.nan)
    return mean, lo, hi


def permutation_p(before: np.ndarray, after: np.ndarray, perms: int,
                  rng: np.random.Generator) -> float:
    """Two-sided permutation p-value of the difference of means (Phipson & Smyth's +1)."""
    z = np.concatenate([before, after])
    k = len(before)
    obs = abs(after.mean() - before.mean())
    keys = rng.random((perms, len(z)))
    perm = z[np.argsort(keys, axis=1)]
    d = np.abs(perm[:, k:].mean(1) - perm[:, :k].mean(1))
    return float((1 + np.count_nonzero(d >= obs - 1e-12)) / (perms + 1))


def _penalty(y: np.ndarray) -> float:
    d = np.abs(np.diff(y))
    sigma = np.median(d) / (0.6745 * np.sqrt(2.0)) if len(d) else 0.0
    if sigma <= 0:  # a step series: fall back on the spread of the differences
        sigma = np.std(d) / np.sqrt(2.0) if len(d) else 0.0
    return float(2.0 * sigma ** 2 * np.log(len(y)))


def detect_shifts(years: np.ndarray, y: np.ndarray, rng: np.random.Generator, *,
                  min_size: int = MIN_SIZE, perms: int = PERMUTATIONS,
                  alpha: float = ALPHA) -> tuple[list[dict[str, Any]], int]:
    """Shifts of one consecutive yearly series (PELT candidates kept when the permutation
    test passes). Returns (shifts, number of candidates)."""
    try:
        import ruptures as rpt
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        raise MissingDependencyError("trend needs the package 'ruptures' for its change "
                                     "points; install it with `pip install "
                                     "'equipoise[panel]'`") from exc

    if len(y) < 2 * min_size:
        return [], 0
    pen = _penalty(y)
    if pen <= 0:
        return [], 0
    bkps = rpt.Pelt(model="l2", min_size=min_size, jump=1).fit(y.reshape(-1, 1)).predict(
        pen=pen)
    edges = [0, *bkps]
    out = []
    for j in range(1, len(edges) - 1):
        a, t, b = edges[j - 1], edges[j], edges[j + 1]
        before, after = y[a:t], y[t:b]
        p = permutation_p(before, after, perms, rng)
        if p < alpha and abs(after.mean() - before.mean()) >= MIN_DELTA:
            out.append({"year": int(years[t]), "before": float(before.mean()),
                        "after": float(after.mean()), "before_years": f"{years[a]}-{years[t-1]}",
                        "after_years": f"{years[t]}-{years[b-1]}",
                        "test": "permutation test of the mean difference (two-sided)",
                        "p_value": p, "penalty": pen})
    return out, len(edges) - 2


def _runs(years: np.ndarray) -> list[slice]:
    """Slices of consecutive years."""
    cut = np.flatnonzero(np.diff(years) != 1) + 1
    bounds = [0, *cut.tolist(), len(years)]
    return [slice(a, b) for a, b in itertools.pairwise(bounds)]


def trend(focal: str, db: str | Path | None = None, *, domain: str | None = None,
          start: int | None = None, end: int | None = None, reps: int = REPS,
          seed: int = 12345, poles: list[str], shares: pd.DataFrame | None = None
          ) -> TrendResult:
    """The trend of ``focal``'s pole shares (see the module docstring) against ``poles`` (the
    caller's: the command line gives the default doctrine's)."""
    from .index import _pole_shares
    from .show import check_focal, open_panel

    focal = check_focal(focal)
    if domain is not None and domain not in DOMAINS:
        raise OptionError(f"--domain {domain!r}: trend covers the domains with a share per "
                          f"pole, {', '.join(DOMAINS)} (the political rows are agreement, not "
                          f"shares; see `equipoise index`)")
    if start is not None and end is not None and start > end:
        raise OptionError(f"--from {start} is after --to {end}; expecting --from <= --to")
    poles = list(poles)
    if not poles:
        raise OptionError(f"poles: saw {poles!r}; expecting ISO3 codes or groups")
    lo = -9999 if start is None else int(start)
    hi = 9999 if end is None else int(end)
    if shares is None:
        con = open_panel(db)
        try:
            shares = _pole_shares(con, poles, lo, hi)
            span = con.execute("SELECT min(year), max(year) FROM panel WHERE focal = ? AND "
                               "year BETWEEN ? AND ?", [focal, lo, hi]).fetchall()[0]
        finally:
            con.close()
    else:
        span = (None, None)
    sh = shares[(shares["focal"] == focal) & shares["year"].between(lo, hi)]
    y0 = start if start is not None else (span[0] if span[0] is not None else
                                          (int(sh["year"].min()) if len(sh) else None))
    y1 = end if end is not None else (span[1] if span[1] is not None else
                                      (int(sh["year"].max()) if len(sh) else None))
    rng = np.random.default_rng(seed)
    series: list[dict[str, Any]] = []
    shifts: list[dict[str, Any]] = []
    candidates = 0
    notes: list[str] = []
    own = [p for p in poles if p == focal]
    if own:
        notes.append(f"{focal} is one of the poles: it is never its own pole")
    for d in ([domain] if domain else list(DOMAINS)):
        sd = sh[sh["domain"] == d]
        if sd.empty:
            span_txt = (f"{'...' if y0 is None else y0}-{'...' if y1 is None else y1}"
                        if (y0, y1) != (None, None) else "any year")
            why = f"no panel rows with pole shares for {focal} in {d} in {span_txt}"
            series.append({"year": None, "domain": d, "pole": None, "share": None,
                           "lower": None, "upper": None, "indicators": 0,
                           "status": "insufficient", "note": why})
            continue
        n_c = _domain(sd, d, focal, [p for p in poles if p != focal], y0, y1, reps, rng,
                      series, shifts)
        candidates += n_c
    series.sort(key=lambda r: (r["domain"], r["year"] if r["year"] is not None else -1,
                               r["pole"] or ""))
    ok = any(r["status"] == "ok" for r in series)
    status = "ok" if ok else "insufficient"
    if not ok:
        notes.append(f"no panel rows with pole shares for {focal}"
                     + ("" if domain is None else f" in {domain}"))
    return TrendResult(focal, poles, series, shifts, candidates, reps, seed, status, notes)


def _domain(sd: pd.DataFrame, d: str, focal: str, dp: list[str], y0, y1, reps: int,
            rng: np.random.Generator, series: list, shifts: list) -> int:
    """Append the series records and shifts of one domain; return the PELT candidates."""
    years = np.array(sorted(sd["year"].unique()), dtype=np.int64)
    inds = sorted(sd["indicator"].unique())
    x = (sd.pivot_table(index=["year", "indicator"], columns="pole", values="share")
         .reindex(pd.MultiIndex.from_product([years, inds]))
         .reindex(columns=dp).to_numpy().reshape(len(years), len(inds), len(dp)))
    mean, blo, bhi = share_band(x, reps, rng)
    n_ind = (~np.isnan(x[:, :, 0])).sum(1)
    for i, yr in enumerate(years):
        for j, p in enumerate(dp):
            series.append({"year": int(yr), "domain": d, "pole": p,
                           "share": float(mean[i, j]), "lower": _f(blo[i, j]),
                           "upper": _f(bhi[i, j]), "indicators": int(n_ind[i]),
                           "status": "ok",
                           "note": "" if n_ind[i] >= 2 else
                           "one indicator: no band (nothing to resample)"})
    if y0 is not None:
        for yr in range(int(y0), int(y1) + 1):
            if yr not in set(years.tolist()):
                series.append({"year": yr, "domain": d, "pole": None, "share": None,
                               "lower": None, "upper": None, "indicators": 0,
                               "status": "insufficient",
                               "note": f"no panel rows with pole shares for {focal} in "
                                       f"{d} in {yr}"})
    candidates = 0
    for run in _runs(years):
        for j, p in enumerate(dp):
            found, n_c = detect_shifts(years[run], mean[run, j], rng)
            candidates += n_c
            shifts.extend({"domain": d, "pole": p, **s} for s in found)
    return candidates


def _f(v) -> float | None:
    return None if v is None or v != v else float(v)
