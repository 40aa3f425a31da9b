"""The Monte Carlo engine: :func:`simulate_losses` draws the scenarios (through the chunk
driver of :mod:`.draws`), turns each scenario's disrupted partners into domain and total losses
(:class:`_Losses`, with the loss model of :mod:`equipoise.risk.lossmodel`) and sums them up
(:mod:`.statistics`).

Every scenario's losses are a function of its disruption bitmask. With few partners
(:data:`LUT_MAX_PARTNERS`) the hot loop only draws, correlates, thresholds, packs the bits into
a mask and counts the masks; the losses of each mask that occurs are computed once (the corridor
model solved once per mask), and the risk measures come from the histogram of masks (overall
and per batch): the same order statistics as sorting the n losses, at the cost of sorting at
most 2**k distinct values. With more partners every scenario's losses are kept.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..._options import check_option
from ..._results import fmt_number
from ...errors import OptionError
from ..lossmodel import LossModel, combine_losses, corridor_domain_loss
from ._checks import (
    DEFAULT_CHUNK,
    DEFAULT_PROBABILITY,
    LUT_MAX_PARTNERS,
    MAX_BATCHES,
    MAX_CHUNK,
    MAX_RUNS,
    MAX_RUNS_MANY_PARTNERS,
    _check_count,
    _check_unit,
    _is_num,
    check_runs,
    check_seed,
)
from .draws import (
    _check_partners,
    _draw_chunks,
    _draw_plan,
    _DrawPlan,
    _matmul_1t,
    _n_workers,
    _prepare_draws,
    _thread_pool,
)
from .request import SimulationRequest, _check_field
from .result import SimulationResult
from .statistics import (
    _hist_stats,
    _n_batches,
    _risk_stats,
    _tail_drivers,
    _tail_drivers_hist,
)

__all__ = ["simulate_losses"]


def _progress(enabled: bool, total: int):
    if not enabled:
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    p = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                 TimeRemainingColumn(), transient=True, console=Console(stderr=True))
    return p


def _prepare(loss: pd.DataFrame, probabilities, correlation, weights, default_probability):
    """The checked inputs of a simulation: partners, domains, probabilities, the (repaired)
    correlation ``R``, its Cholesky factor, the latent thresholds and the domain weights."""
    partners = _check_partners(loss.index)
    domains = [str(d) for d in loss.columns]
    lv = loss.to_numpy(float)
    if not np.isfinite(lv).all() or (lv < 0).any():
        raise OptionError("loss matrix: expecting finite numbers >= 0 (NaN, inf or a negative "
                          "loss found)")
    probs, R, C, thr = _prepare_draws(partners, probabilities, correlation, default_probability)
    w = np.array([float((weights or {}).get(d, 1.0)) for d in domains])
    if not np.isfinite(w).all() or (w < 0).any():
        bad = {d: float(x) for d, x in zip(domains, w, strict=True) if not 0 <= x < math.inf}
        raise OptionError(f"domain weights: expecting finite numbers >= 0. Got {bad}.")
    if w.sum() <= 0:
        raise OptionError("domain weights sum to 0")
    return partners, domains, probs, R, C, thr, w


# --------------------------------------------------------------------------- losses

@dataclass(frozen=True)
class _Losses:
    """How a scenario's domain and total losses follow from its disrupted partners.

    ``Lm`` is the partner x domain shares-model loss at full intensity, ``wn`` the domain
    weights normalised to sum to one, ``corr`` the corridor loss tables of each domain with a
    corridor system (empty with the shares model) and ``loss_model`` the model in effect.
    """

    domains: list[str]
    Lm: np.ndarray
    wn: np.ndarray
    intensity: float
    corr: dict
    loss_model: str

    @classmethod
    def build(cls, loss: pd.DataFrame, domains: list[str], w: np.ndarray, intensity: float,
              corridor_tables, loss_model: str) -> _Losses:
        corr = {d: list(v) for d, v in (corridor_tables or {}).items() if d in domains and v}
        if loss_model == "shares":
            corr = {}
        eff = "shares" if (loss_model == "corridors" and not corr) else loss_model
        return cls(domains, np.ascontiguousarray(loss.to_numpy(float)), w / w.sum(), intensity,
                   corr, eff)

    @property
    def contrib(self) -> np.ndarray:
        """Each partner's shares-model total loss when it alone is disrupted (uncapped)."""
        return self.intensity * (self.Lm * self.wn[None, :]).sum(axis=1)

    def finish(self, dl: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """Domain losses (m x n, in place) from the shares-model sums ``dl`` of the scenarios
        ``masks``: times the intensity, capped at 1, then combined with the corridor model."""
        if self.intensity != 1.0:
            dl *= self.intensity
        np.minimum(dl, 1.0, out=dl)
        for dom, tables in self.corr.items():
            c = self.domains.index(dom)
            cl = corridor_domain_loss(tables, masks, self.intensity)
            dl[c] = combine_losses(dl[c], cl, self.loss_model)
        return dl

    def of_masks(self, masks: np.ndarray) -> np.ndarray:
        """Domain losses (m x len(masks)) of the given disruption bitmasks."""
        vals = np.zeros((self.Lm.shape[1], len(masks)))
        for i in range(self.Lm.shape[0]):  # summed over the partners in order
            np.add(vals, self.Lm[i][:, None], out=vals, where=((masks >> i) & 1 == 1)[None, :])
        return self.finish(vals, masks)

    def total(self, dl: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The weighted total of domain losses (m x n) per scenario."""
        return np.sum(dl * self.wn[:, None], axis=0, out=out)


# --------------------------------------------------------------------------- the two paths

@dataclass
class _Run:
    """One simulation's settings and thread pool, shared by the steps."""

    losses: _Losses
    partners: list[str]
    probs: dict
    plan: _DrawPlan
    ss: np.random.SeedSequence
    masks: np.ndarray
    chunk_size: int
    levels: tuple
    batches: int
    pool: object
    nw: int
    progress: bool

    def pmap(self, f, items) -> list:  # numpy's sorts, cumsums and gathers release the GIL
        return list(self.pool.map(f, items)) if self.pool is not None else [f(x) for x in items]

    def draw(self, each=None) -> None:
        """Draw every chunk (``each`` as in :func:`~.draws._draw_chunks`), with a progress bar
        when asked."""
        runs = len(self.masks)
        bar = _progress(self.progress, max(1, math.ceil(runs / self.chunk_size)))
        if bar is None:
            _draw_chunks(self.plan, self.ss, self.chunk_size, self.masks, pool=self.pool,
                         nw=self.nw, each=each)
            return
        bar.start()
        task = bar.add_task(f"simulating {fmt_number(runs)} scenarios",
                            total=max(1, math.ceil(runs / self.chunk_size)))
        try:
            _draw_chunks(self.plan, self.ss, self.chunk_size, self.masks, pool=self.pool,
                         nw=self.nw, each=each, advance=lambda: bar.advance(task))
        finally:
            bar.stop()


def _batch_counts(run: _Run, support: np.ndarray, B: int, mb: int) -> np.ndarray:
    """Counts of the distinct masks ``support`` in each of ``B`` batches of ``mb`` scenarios,
    the batches split over the threads."""
    k = len(run.partners)
    bh = np.zeros((B, len(support)), dtype=np.int64)
    column = np.zeros(1 << k, dtype=np.int64)
    column[support] = np.arange(len(support))

    def count(bs: range) -> None:
        for b in bs:
            np.add.at(bh[b], column[run.masks[b * mb:(b + 1) * mb]], 1)

    run.pmap(count, [range(i, B, run.nw) for i in range(run.nw)])
    return bh


def _by_histogram(run: _Run):
    """Few partners: count the masks while drawing; losses and statistics per distinct mask.
    Returns the risk rows, the tail drivers and the (domain, total) loss lookup tables."""
    k, runs, L = len(run.partners), len(run.masks), run.losses
    hists: list[np.ndarray] = []  # each thread's count of every mask
    lock = threading.Lock()

    def count(local, lo, n, d, mk) -> None:
        hist = getattr(local, "hist", None)
        if hist is None:
            hist = local.hist = np.zeros(1 << k, dtype=np.int64)
            with lock:
                hists.append(hist)
        np.add.at(hist, mk, 1)

    run.draw(count)
    hist = np.sum(hists, axis=0)
    support = np.flatnonzero(hist)
    cnt = hist[support]
    freq = (cnt @ ((support[:, None] >> np.arange(k)) & 1)) / runs
    B = _n_batches(runs, run.batches)
    mb = runs // B
    bh = _batch_counts(run, support, B, mb) if mb >= 2 else None
    vals = L.of_masks(support)  # (m, V)
    tvals = L.total(vals)
    lut = np.zeros((len(L.domains), 1 << k))
    lut[:, support] = vals
    tot_lut = np.zeros(1 << k)
    tot_lut[support] = tvals
    stats = run.pmap(lambda v: _hist_stats(v, cnt, bh, runs, mb, run.levels), [*vals, tvals])
    rows = dict(zip([*L.domains, "total"], stats, strict=True))
    drivers = _tail_drivers_hist(tvals, cnt, support, freq, run.partners, run.probs, L.contrib,
                                 runs, run.levels[0])
    return rows, drivers, lut, tot_lut


def _by_scenario(run: _Run):
    """Many partners: every scenario's domain and total losses, computed chunk by chunk.
    Returns the risk rows, the tail drivers, the totals (n,) and the domain losses (m x n)."""
    k, runs, L, plan = len(run.partners), len(run.masks), run.losses, run.plan
    mdom = len(L.domains)
    totals = np.empty(runs)
    losses = np.empty((mdom, runs))  # domain-major: each series contiguous
    LmT = np.ascontiguousarray(L.Lm.T)

    def chunk_losses(local, lo, n, d, mk) -> None:
        Df = np.empty((k, n))
        Df[plan.order] = d[:k, :n]
        dl = L.finish(_matmul_1t(LmT, Df, np.empty((mdom, n))), mk)
        losses[:, lo:lo + n] = dl
        L.total(dl, out=totals[lo:lo + n])

    run.draw(chunk_losses)
    masks = run.masks
    freq = np.array([np.count_nonzero((masks >> i) & 1) for i in range(k)]) / runs
    series = [*((d, losses[i]) for i, d in enumerate(L.domains)), ("total", totals)]
    stats = run.pmap(lambda x: _risk_stats(x, run.levels, run.batches), [x for _, x in series])
    rows = {name: st for (name, _), st in zip(series, stats, strict=True)}
    drivers = _tail_drivers(totals, masks, freq, run.partners, run.probs, L.contrib,
                            run.levels[0])
    return rows, drivers, totals, losses


def _risk_frame(rows: dict) -> tuple[pd.DataFrame, dict]:
    """The risk rows as a DataFrame, and the total's VaR bootstrap distributions per level
    (the ``_dist_`` entries of :func:`~.statistics._atom_stats`)."""
    dists = {k.removeprefix("_dist_"): v for k, v in rows["total"].items()
             if k.startswith("_dist_")}
    rows = {name: {k: v for k, v in r.items() if not k.startswith("_dist_")}
            for name, r in rows.items()}
    return pd.DataFrame.from_dict(rows, orient="index"), dists


def _check_options(k: int, runs, seed, chunk_size, batches, intensity, levels):
    """The options of :func:`simulate_losses`, checked in this order; the run limit depends on
    the number of partners ``k`` (the histogram path takes more runs)."""
    runs = check_runs(runs, limit=MAX_RUNS if k <= LUT_MAX_PARTNERS else MAX_RUNS_MANY_PARTNERS)
    seed = check_seed(seed)
    chunk_size = _check_count(chunk_size, "chunk_size", 1, MAX_CHUNK)
    batches = _check_count(batches, "batches", 2, MAX_BATCHES)
    intensity = _check_unit(intensity, "intensity")
    levels = tuple(_check_field("levels", tuple(levels) if not _is_num(levels) else levels))
    return runs, seed, chunk_size, batches, intensity, levels


# --------------------------------------------------------------------------- entry point

def simulate_losses(loss: pd.DataFrame, *, runs: int, seed: int | None = None,
                    probabilities: Mapping[str, float] | None = None,
                    correlation: pd.DataFrame | np.ndarray | None = None,
                    weights: Mapping[str, float] | None = None,
                    corridor_tables: Mapping[str, Sequence] | None = None,
                    intensity: float = 1.0, loss_model: LossModel = "max",
                    default_probability: float = DEFAULT_PROBABILITY,
                    levels: Sequence[float] = (0.95, 0.99), chunk_size: int = DEFAULT_CHUNK,
                    batches: int = 50, progress: bool = False, workers: int | None = 2,
                    request: SimulationRequest | None = None,
                    correlation_reasons: pd.DataFrame | None = None,
                    focal: str) -> SimulationResult:
    """The engine (former name ``simulate``): correlated partner disruptions and their losses,
    vectorised over scenarios (:func:`~equipoise.risk.montecarlo.run_simulation` runs a request).

    Parameters
    ----------
    loss
        Partner x domain loss at full intensity (:func:`~equipoise.risk.shocks.loss_matrix`).
    runs, seed
        Number of scenarios and the ``SeedSequence`` seed.
    probabilities
        Partner -> disruption probability (others get ``default_probability``).
    correlation
        Partner x partner latent correlation (``None``: independent).
    weights
        Domain -> weight for the total.
    corridor_tables
        Domain -> list of :class:`~equipoise.risk.corridors.CorridorLossTable` built over the same
        partners; their mean loss is the corridor-model loss of that domain.
    intensity, loss_model
        As in :class:`SimulationRequest`.
    progress
        Show a rich progress bar over the chunks.
    workers
        Threads drawing chunks in parallel (numpy's generators, ufuncs and BLAS release the
        GIL), then sharing the per-batch counts and the statistics of each series. Each chunk
        has its own stream and slice, so the numbers do not depend on ``workers``. Matrix
        products are cut into blocks that OpenBLAS runs on the calling thread.

    Returns
    -------
    SimulationResult
    """
    check_option("loss_model", loss_model, LossModel)
    t0 = time.perf_counter()
    partners, domains, probs, R, C, thr, w = _prepare(loss, probabilities, correlation, weights,
                                                      default_probability)
    k = len(partners)
    runs, seed, chunk_size, batches, intensity, levels = _check_options(
        k, runs, seed, chunk_size, batches, intensity, levels)
    losses = _Losses.build(loss, domains, w, intensity, corridor_tables, loss_model)
    ss = np.random.SeedSequence(seed)
    plan = _draw_plan(C, thr, probs, partners)
    nw = _n_workers(workers, max(1, math.ceil(runs / chunk_size)))
    masks = np.empty(runs, dtype=np.int64)
    totals = dlosses = lut = tot_lut = None
    with _thread_pool(nw) as pool:
        run = _Run(losses, partners, probs, plan, ss, masks, chunk_size, levels, batches, pool,
                   nw, progress)
        if k <= LUT_MAX_PARTNERS:
            rows, drivers, lut, tot_lut = _by_histogram(run)
        else:
            rows, drivers, totals, dlosses = _by_scenario(run)
    risk, dists = _risk_frame(rows)
    req = request or SimulationRequest(
        focal=focal, runs=runs, seed=seed, intensity=intensity, loss_model=loss_model,
        levels=levels, chunk_size=chunk_size, batches=batches,
        default_probability=default_probability)
    return SimulationResult(
        req, partners, domains, probs, pd.DataFrame(R, index=partners, columns=partners),
        correlation_reasons if correlation_reasons is not None else
        pd.DataFrame(columns=["p", "q", "rho", "why"]),
        dict(zip(domains, w.tolist(), strict=True)), loss, risk, drivers,
        int(ss.entropy) if seed is None else int(seed), time.perf_counter() - t0, masks,
        sorted(losses.corr), dists, totals, None if dlosses is None else dlosses.T, lut,
        tot_lut)
