"""Risk measures of a simulated loss sample: VaR and CVaR at each level with batch-means
standard errors and order-statistic VaR intervals, from the losses themselves
(:func:`_risk_stats`) or from a histogram of distinct losses (:func:`_hist_stats`, the same
order statistics); and the tail drivers (which partners' disruptions fill the worst scenarios).
The formulas and references are in :mod:`equipoise.risk.montecarlo`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__: list[str] = []


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
    ks, bounds = [], {}
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
        v = f"{round(a * 100):d}"
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
        lv = f"{round(a * 100):d}"
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

