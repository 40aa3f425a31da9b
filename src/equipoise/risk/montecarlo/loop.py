"""The reference implementation of the engine: a plain per-scenario Python loop over the
same random streams (:func:`simulate_loop`). It checks :func:`~.engine.simulate_losses` and is
the benchmark's baseline."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..lossmodel import LossModel, combine_losses, corridor_domain_loss
from ._checks import (
    DEFAULT_CHUNK,
    DEFAULT_PROBABILITY,
    MAX_CHUNK,
    _check_count,
    check_runs,
    check_seed,
)
from .draws import _child_seeds, _draw_plan
from .engine import _prepare

__all__ = ["simulate_loop"]


def simulate_loop(loss: pd.DataFrame, *, runs: int, seed: int | None,
                  probabilities: Mapping[str, float] | None = None,
                  correlation: pd.DataFrame | np.ndarray | None = None,
                  weights: Mapping[str, float] | None = None,
                  corridor_tables: Mapping[str, Sequence] | None = None,
                  intensity: float = 1.0, loss_model: LossModel = "max",
                  default_probability: float = DEFAULT_PROBABILITY,
                  chunk_size: int = DEFAULT_CHUNK, limit: int | None = None) -> np.ndarray:
    """Reference implementation: a plain per-scenario Python loop over the same random streams.

    Returns the total loss of the first ``limit`` scenarios (all when None). Used to check the
    vectorised :func:`~.engine.simulate_losses` and as the benchmark's baseline; not for production runs.
    """
    partners, domains, probs, _R, C, thr, w = _prepare(loss, probabilities, correlation, weights,
                                                     default_probability)
    runs = check_runs(runs)
    seed = check_seed(seed)
    chunk_size = _check_count(chunk_size, "chunk_size", 1, MAX_CHUNK)
    plan = _draw_plan(C, thr, probs, partners)
    corr_idx = plan.corr_idx.tolist()
    ind_idx = plan.ind_idx.tolist()
    kc, ki = len(corr_idx), len(ind_idx)
    diag = plan.diag.tolist()
    rows: list[list[tuple[int, float]]] = [[] for _ in range(kc)]
    for i, j, c in plan.off:
        rows[i].append((j, c))
    dense = None if plan.dense is None else plan.dense.tolist()
    thr_c = plan.thr.tolist()
    p_ind = plan.p_ind.tolist()
    Lm = loss.to_numpy(float).tolist()
    mdom = len(domains)
    corr = {domains.index(d): list(v) for d, v in (corridor_tables or {}).items()
            if d in domains and v and loss_model != "shares"}
    wsum = float(w.sum())
    wl = (w / wsum).tolist()
    n_total = runs if limit is None else min(runs, limit)
    out: list[float] = []
    spawn = _child_seeds(np.random.SeedSequence(seed))
    for j in range(max(1, math.ceil(runs / chunk_size))):
        child = spawn(j)
        s_norm, s_unif = child.spawn(2)
        rng_n = np.random.Generator(np.random.SFC64(s_norm))
        rng_u = np.random.Generator(np.random.SFC64(s_unif))
        for _ in range(min(chunk_size, n_total - len(out))):
            z = rng_n.standard_normal(kc).tolist() if kc else []
            u = rng_u.random(ki).tolist() if ki else []
            disrupted = []
            mask = 0
            for a in range(kc):
                if dense is None:
                    x = diag[a] * z[a]
                    for j, c in rows[a]:
                        x += c * z[j]
                else:
                    x = 0.0
                    for j in range(a + 1):
                        x += dense[a][j] * z[j]
                if x < thr_c[a]:
                    disrupted.append(corr_idx[a])
                    mask |= 1 << corr_idx[a]
            for b in range(ki):
                if u[b] < p_ind[b]:
                    disrupted.append(ind_idx[b])
                    mask |= 1 << ind_idx[b]
            disrupted.sort()
            total = 0.0
            for c in range(mdom):
                dl = 0.0
                for i in disrupted:
                    dl += Lm[i][c]
                dl = min(dl * intensity, 1.0)
                if c in corr:
                    dl = combine_losses(dl, corridor_domain_loss(corr[c], mask, intensity),
                                        loss_model)
                total += dl * wl[c]
            out.append(total)
        if len(out) >= n_total:
            break
    return np.array(out)

