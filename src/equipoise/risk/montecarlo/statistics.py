"""Risk measures of a simulated loss sample: VaR and CVaR at each level with batch-means
standard errors and order-statistic VaR intervals, from the losses themselves
(:func:`_risk_stats`) or from a histogram of distinct losses (:func:`_hist_stats`, the same
order statistics); point masses at the VaR (:func:`_atom_stats`); and the tail drivers (which
partners' disruptions fill the worst scenarios). The formulas and references are in
:mod:`equipoise.risk.montecarlo`.

Point masses. The simulated loss is a function of which partners are disrupted, so its
distribution is made of atoms: many scenarios share exactly the same loss (e.g. "Russia alone
disrupted"). Where an atom's probability is larger than the sampling noise of the empirical
distribution function at the level, ``sqrt(a (1 - a) / n)``, the VaR is decided by the atom,
not by a density: every level between ``P(L < x)`` and ``P(L <= x)`` gives VaR ``x``, and a
level at the atom's edge gives ``x`` in some runs and the next value below in others. A
density-based or batch-means standard error means nothing there. :func:`_atom_stats` reports
``P(L = VaR)`` and ``P(L < VaR)``, flags the point mass, and computes the exact bootstrap
distribution of the VaR estimator over the empirical distribution (resampling ``n``
scenarios: ``P(VaR* <= v) = P(Binomial(n, F(v)) >= k)`` with ``k = ceil(n a)``; Efron &
Tibshirani 1993, ch. 2, the bootstrap of a sample quantile needs no resampling): which values a
run of the same size reports, with what probability, and their standard deviation. Where an
atom lies within reach (bootstrap probability >= 1 %), that standard deviation replaces the
batch-means standard error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__: list[str] = []


#: A point mass is in reach of the VaR when a run of the same size reports it with at least
#: this probability (exact bootstrap).
ATOM_REACH = 0.01
#: Values a run reports with at least this probability are listed in the VaR's distribution.
VAR_DIST_MIN = 0.001


def _distinct(values: np.ndarray, counts: np.ndarray | None = None):
    """Sorted distinct losses (equal to 12 decimals: sums of the same shares in another order
    differ in the last bits) and the number of scenarios at each."""
    u, inv = np.unique(np.round(values, 12), return_inverse=True)
    c = np.bincount(inv.ravel(), weights=counts, minlength=len(u))
    return u, np.rint(c).astype(np.int64)


def _window_ranks(n: int, levels: Sequence[float]) -> tuple[int, int]:
    """0-based ranks that bound every value :func:`_atom_stats` looks at: 12 standard
    deviations of the empirical distribution function beyond the levels (it looks 10 out)."""
    lo = min(a - 12 * math.sqrt(a * (1 - a) / n) for a in levels)
    hi = max(a + 12 * math.sqrt(a * (1 - a) / n) for a in levels)
    return max(0, math.floor(n * lo) - 1), min(n - 1, math.ceil(n * hi))


def _atom_stats(sv: np.ndarray, sc: np.ndarray, n: int, levels: Sequence[float],
                out: dict, below0: int = 0) -> None:
    """Point masses at each level's VaR, from the sorted distinct losses ``sv`` and their
    counts ``sc`` (of ``n`` scenarios); adds to ``out`` (see the module docstring):
    ``var_a_mass`` P(L = VaR), ``var_a_below`` P(L < VaR), ``var_a_point_mass`` 1 when the
    mass at the VaR exceeds ``sqrt(a (1 - a) / n)``, ``var_a_se_bootstrap`` (exact), and
    ``var_a_se`` replaced by it (``var_a_se_method`` 1) when an atom is within reach; the
    bootstrap distribution as ``_dist_a`` (values, probabilities). ``sv`` may start above
    the smallest loss: ``below0`` scenarios lie below ``sv[0]``."""
    from scipy.special import bdtrc  # P(Binomial(n, p) > k); scipy.stats is slow to import

    cum = below0 + np.cumsum(sc)
    F = cum / n
    for a in levels:
        lv = f"{round(a * 100)}"
        k = _kth(n, a) + 1  # the VaR is the k-th smallest loss
        j = int(np.searchsorted(cum, k, side="left"))
        sd_f = math.sqrt(a * (1 - a) / n)
        out[f"var_{lv}_mass"] = float(sc[j] / n)
        out[f"var_{lv}_below"] = float((cum[j] - sc[j]) / n)
        out[f"var_{lv}_point_mass"] = float(sc[j] / n >= sd_f)
        lo = max(0, int(np.searchsorted(F, a - 10 * sd_f, side="left")) - 1)
        hi = min(len(sv), int(np.searchsorted(F, a + 10 * sd_f, side="right")) + 2)
        # P(VaR* <= v_i) = P(at least k of n resampled losses <= v_i)
        below = bdtrc(k - 1, n, F[lo:hi])
        below[-1] = 1.0 if hi == len(sv) else below[-1]
        p = np.diff(np.concatenate([[0.0], below]))
        p = np.clip(p, 0.0, None)
        p /= p.sum()
        vals = sv[lo:hi]
        m = float((p * vals).sum())
        se = math.sqrt(max(0.0, float((p * (vals - m) ** 2).sum())))
        se = 0.0 if se < 1e-12 else se  # one value: rounding noise only
        out[f"var_{lv}_se_bootstrap"] = se
        reach = (sc[lo:hi] / n >= sd_f) & (p >= ATOM_REACH)
        out[f"var_{lv}_se_method"] = float(bool(reach.any()))
        if reach.any():
            out[f"var_{lv}_se"] = se
        keep = p >= VAR_DIST_MIN
        out[f"_dist_{lv}"] = (vals[keep].tolist(), p[keep].tolist(),
                              (sc[lo:hi][keep] / n).tolist())


def _kth(n: int, a: float) -> int:
    return min(n - 1, max(0, math.ceil(n * a) - 1))


def _risk_stats(x: np.ndarray, levels: Sequence[float], batches: int) -> dict[str, float]:
    """Mean, P(loss > 0), VaR/CVaR with batch-means SEs and an order-statistic VaR interval.

    One partition of the whole sample serves every level and interval; the batches are
    partitioned together along their rows.
    """
    n = len(x)
    out = {"mean": float(x.mean()), "p_loss": float(np.count_nonzero(x) / n)}
    z = 1.959963984540054
    wlo, whi = _window_ranks(n, levels)
    ks, bounds = [wlo, whi], {}
    for a in levels:
        h = z * math.sqrt(n * a * (1 - a))
        lo = min(n - 1, max(0, math.floor(n * a - h) - 1))
        hi = min(n - 1, max(0, math.ceil(n * a + h) - 1))
        bounds[a] = (lo, hi)
        ks += [_kth(n, a), lo, hi]
    part = np.partition(x, sorted(set(ks)))
    B = _n_batches(n, batches)
    m = n // B
    xb = x[: m * B].reshape(B, m) if m >= 2 else None
    if xb is not None:
        bk = sorted({_kth(m, a) for a in levels})
        bpart = np.partition(xb, bk, axis=1)
    for a in levels:
        v = f"{round(a * 100)}"
        var = float(part[_kth(n, a)])
        out[f"var_{v}"] = var
        out[f"cvar_{v}"] = _cvar(x, var, a)
        if xb is not None:
            bvar = bpart[:, _kth(m, a)]
            bcvar = bvar + np.maximum(xb - bvar[:, None], 0.0).mean(axis=1) / (1.0 - a)
            out[f"var_{v}_se"] = float(bvar.std(ddof=1) / math.sqrt(B))
            out[f"cvar_{v}_se"] = float(bcvar.std(ddof=1) / math.sqrt(B))
        else:
            out[f"var_{v}_se"] = out[f"cvar_{v}_se"] = float("nan")
        lo, hi = bounds[a]
        out[f"var_{v}_lower"] = float(part[lo])
        out[f"var_{v}_upper"] = float(part[hi])
    v0, v1 = part[wlo], part[whi]
    inside = (x >= v0) & (x <= v1)
    _atom_stats(*_distinct(x[inside]), n, levels, out,
                below0=int(np.count_nonzero(x < v0)))
    return out


def _cvar(x: np.ndarray, var: float, a: float) -> float:
    """Rockafellar-Uryasev: ``VaR + E[(L - VaR)^+] / (1 - a)`` (only the tail is summed)."""
    tail = x[x > var]
    return var + float((tail - var).sum()) / (len(x) * (1.0 - a))


def _var_cvar(x: np.ndarray, a: float) -> tuple[float, float]:
    k = _kth(len(x), a)
    var = float(np.partition(x, k)[k])
    return var, _cvar(x, var, a)


def _n_batches(n: int, batches: int) -> int:
    return max(2, min(batches, n // 20 if n >= 40 else 2))


def _hist_stats(v: np.ndarray, cnt: np.ndarray, bh: np.ndarray | None, n: int, mb: int,
                levels: Sequence[float]) -> dict[str, float]:
    """:func:`_risk_stats` for a sample given as distinct values ``v`` with counts ``cnt``
    (and per-batch counts ``bh``, batches of ``mb`` scenarios): the same order statistics."""
    order = np.argsort(v, kind="stable")
    sv, sc = v[order], cnt[order]
    cum = np.cumsum(sc)
    out = {"mean": float((sc * sv).sum() / n), "p_loss": float(sc[sv > 0].sum() / n)}
    z = 1.959963984540054

    def at_rank(r: int) -> float:  # the r-th smallest (1-based) of the n losses
        return float(sv[np.searchsorted(cum, r, side="left")])

    if bh is not None:
        B = bh.shape[0]
        # Only the values from the lowest batch VaR up matter. Start where the whole sample's
        # count reaches the lowest level less 6 batch standard deviations, and check that
        # every batch's VaR lies above (else take all values).
        a0 = min(levels)
        r0 = _kth(mb, a0) + 1
        j0 = int(np.searchsorted(cum, n * (a0 - 6 * math.sqrt(a0 * (1 - a0) / mb)), "right"))
        bs = bh[:, order[j0:]]
        below = mb - bs.sum(axis=1)  # each batch's count under the window
        if j0 and below.max() >= r0:
            j0, bs, below = 0, bh[:, order], np.zeros(B, dtype=np.int64)
        # The running count over the batches' windows laid end to end: one search finds every
        # batch's order statistic.
        flat = np.cumsum(bs.ravel())
        start = np.concatenate([[0], np.cumsum(mb - below)[:-1]]) - below
        first = np.arange(B) * bs.shape[1] - j0
        sw = sv[j0:]
    for a in levels:
        lv = f"{round(a * 100)}"
        var = at_rank(_kth(n, a) + 1)
        out[f"var_{lv}"] = var
        out[f"cvar_{lv}"] = var + float((sc * np.maximum(sv - var, 0.0)).sum()) / (
            n * (1.0 - a))
        if bh is not None:
            r = _kth(mb, a) + 1
            pos = np.searchsorted(flat, start + r, side="left") - first
            bvar = sv[pos]
            # E[(L - VaR)^+] of each batch: only the values after its VaR's position count
            t = pos.min() - j0
            excess = np.subtract(sw[t:], bvar[:, None])
            np.maximum(excess, 0.0, out=excess)
            excess *= bs[:, t:]
            bcvar = bvar + excess.sum(axis=1) / (mb * (1.0 - a))
            out[f"var_{lv}_se"] = float(bvar.std(ddof=1) / math.sqrt(B))
            out[f"cvar_{lv}_se"] = float(bcvar.std(ddof=1) / math.sqrt(B))
        else:
            out[f"var_{lv}_se"] = out[f"cvar_{lv}_se"] = float("nan")
        h = z * math.sqrt(n * a * (1 - a))
        lo = min(n - 1, max(0, math.floor(n * a - h) - 1))
        hi = min(n - 1, max(0, math.ceil(n * a + h) - 1))
        out[f"var_{lv}_lower"] = at_rank(lo + 1)
        out[f"var_{lv}_upper"] = at_rank(hi + 1)
    _atom_stats(*_distinct(sv, sc), n, levels, out)
    return out


def _driver_frame(partners, probs, freq, tail_freq, share) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = np.where(freq > 0, tail_freq / freq, np.nan)
    df = pd.DataFrame({"partner": partners, "probability": [probs[p] for p in partners],
                       "frequency": freq, "tail_frequency": tail_freq, "lift": lift,
                       "tail_loss_share": share})
    return df.sort_values(["tail_frequency", "lift"], ascending=False).reset_index(drop=True)


def _tail_drivers(totals, masks, freq, partners, probs, contrib, a) -> pd.DataFrame:
    n = len(totals)
    t = max(1, math.ceil(n * (1 - a)))
    idx = np.argpartition(totals, n - t)[n - t:]
    k = len(partners)
    tail_bits = ((masks[idx, None] >> np.arange(k)) & 1).astype(np.float64)
    tail_total = float(totals[idx].sum())
    share = (tail_bits * contrib[None, :]).sum(axis=0) / tail_total if tail_total > 0 \
        else np.zeros(k)
    return _driver_frame(partners, probs, freq, tail_bits.mean(axis=0), share)


def _tail_drivers_hist(tvals, cnt, support, freq, partners, probs, contrib, n, a):
    """Tail drivers from the mask histogram: the ``ceil(n (1 - a))`` worst scenarios, ties at
    the boundary taken in mask order."""
    k = len(partners)
    t = max(1, math.ceil(n * (1 - a)))
    order = np.lexsort((support, -tvals))
    c = cnt[order]
    before = np.concatenate([[0], np.cumsum(c)[:-1]])
    take = np.clip(t - before, 0, c).astype(np.float64)
    bits = ((support[order][:, None] >> np.arange(k)) & 1).astype(np.float64)
    tail_bits = (take[:, None] * bits).sum(axis=0)  # no BLAS (see _matmul_1t)
    tail_freq = tail_bits / t
    tail_total = float((take * tvals[order]).sum())
    share = tail_bits * contrib / tail_total if tail_total > 0 else np.zeros(k)
    return _driver_frame(partners, probs, freq, tail_freq, share)

