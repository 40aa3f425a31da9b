"""Correlated partner disruptions: the correlation of partners' disruptions (shared corridor
routes and blocs) and the draws of the scenarios (see :mod:`equipoise.risk.montecarlo` for the
model and the random streams).

:func:`draw_disruptions` is the one public draw function: the scenarios' disrupted partners as
bitmasks. The engine (:func:`~equipoise.risk.montecarlo.engine.simulate_losses`) draws through
the same chunk driver, so the same inputs and seed give the same scenarios.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ... import reference
from ...errors import OptionError
from ..shocks import partner_codes
from ._checks import (
    BLOC_KINDS,
    DEFAULT_CHUNK,
    DEFAULT_PROBABILITY,
    DEFAULT_RHO_BLOC,
    DEFAULT_RHO_CORRIDOR,
    MAX_CHUNK,
    MAX_PARTNERS,
    MAX_WORKERS,
    _bad,
    _check_count,
    _check_unit,
    _is_int,
    check_runs,
    check_seed,
)

__all__ = ["correlation_matrix", "draw_disruptions"]


# --------------------------------------------------------------------------- correlation

def _blocs(year: int | None = None) -> dict[str, set[str]]:
    """Bloc -> member countries: economic unions among the groups, and organisations of a bloc
    kind (economic union, military alliance, collective security) with their members."""
    out: dict[str, set[str]] = {}
    groups = reference.load("groups")
    for code in groups.loc[groups["kind"].isin(BLOC_KINDS), "code"]:
        out[code] = set(reference.expand_group(code, year))
    try:
        orgs = reference.load("organisations")
        mem = reference.load("memberships")
    except (KeyError, FileNotFoundError):  # pragma: no cover - tables absent
        return out
    for org in orgs.loc[orgs["kind"].isin(BLOC_KINDS), "org"]:
        m = mem[(mem["org"] == org) & (mem.get("status", "member") == "member")]
        out.setdefault(org, set()).update(m["country"])
    return out


def correlation_matrix(partners: Sequence[str], *, graph=None,
                       rho_corridor: float = DEFAULT_RHO_CORRIDOR,
                       rho_bloc: float = DEFAULT_RHO_BLOC,
                       focal: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Latent correlation of partners' disruptions, and the reasons behind each pair.

    ``R_pq = max(rho_corridor`` if ``p`` and ``q`` both have nodes on one route of ``graph``
    (the focal state's own nodes do not count), ``rho_bloc`` if both belong to one bloc, ``0)``.
    A group partner (``EU27``) counts through its members. Returns ``(R, reasons)`` where
    ``reasons`` lists ``p, q, rho, why``.
    """
    ps = list(partners)
    k = len(ps)
    members = {p: partner_codes(p) - set(reference.group_codes()) | {p} for p in ps}
    routes = {}
    if graph is not None:
        routes = {r: cs - {focal} for r, cs in graph.route_countries().items()}
    blocs = _blocs()
    R = np.eye(k)
    why = []
    for i in range(k):
        for j in range(i + 1, k):
            a, b = members[ps[i]], members[ps[j]]
            shared_r = sorted(r for r, cs in routes.items() if a & cs and b & cs)
            shared_b = sorted(g for g, cs in blocs.items()
                              if (a & cs or ps[i] == g) and (b & cs or ps[j] == g))
            rho, reason = 0.0, []
            if shared_r and rho_corridor > rho:
                rho = rho_corridor
            if shared_b and rho_bloc > rho:
                rho = rho_bloc
            if shared_r:
                reason.append("corridor " + "/".join(shared_r))
            if shared_b:
                reason.append("bloc " + "/".join(shared_b))
            if rho > 0:
                R[i, j] = R[j, i] = rho
                why.append({"p": ps[i], "q": ps[j], "rho": rho, "why": "; ".join(reason)})
    return (pd.DataFrame(R, index=ps, columns=ps),
            pd.DataFrame(why, columns=["p", "q", "rho", "why"]))


def _nearest_pd(R: np.ndarray, eps: float = 1e-10) -> np.ndarray:
    w, V = np.linalg.eigh((R + R.T) / 2)
    if w.min() >= eps:
        return R
    w = np.clip(w, eps, None)
    A = (V * w) @ V.T
    d = np.sqrt(np.diag(A))
    return A / np.outer(d, d)


@dataclass(frozen=True)
class _DrawPlan:
    """How one chunk's disruptions are drawn.

    Partners correlated with some other partner (``corr_idx``) get latent normals combined by
    the Cholesky factor of their block; the others are independent Bernoulli draws from
    uniforms (the same marginal law, and uniforms are several times cheaper than normals). Each
    chunk spawns two streams from its seed: normals (scenario-major, ``kc`` per scenario), then
    uniforms (``ki`` per scenario).
    """

    k: int
    corr_idx: np.ndarray
    ind_idx: np.ndarray
    diag: np.ndarray
    off: tuple  # (row, col, value) within the correlated block, rows ascending, cols ascending
    dense: np.ndarray | None  # the block's Cholesky factor when dense (used by the loop)
    thr: np.ndarray  # thresholds of the correlated partners
    p_ind: np.ndarray  # probabilities of the independent partners
    chol: np.ndarray  # (kc, kc) Cholesky factor of the correlated block
    order: np.ndarray  # partner of each row of the indicator buffer: corr_idx, then ind_idx
    luts: tuple  # per byte of the buffer's rows: 256 packed bytes -> partner bitmask (int64)


def _draw_plan(C: np.ndarray, thr: np.ndarray, probs: Mapping[str, float],
               partners: Sequence[str]) -> _DrawPlan:
    k = len(partners)
    Rm = C @ C.T
    offd = np.abs(Rm - np.diag(np.diag(Rm))) > 1e-12
    corr_idx = np.flatnonzero(offd.any(axis=1))
    ind_idx = np.flatnonzero(~offd.any(axis=1))
    Cc = np.linalg.cholesky(Rm[np.ix_(corr_idx, corr_idx)]) if len(corr_idx) else np.zeros((0, 0))
    kc = len(corr_idx)
    off = tuple((i, j, float(Cc[i, j])) for i in range(kc) for j in range(i) if Cc[i, j] != 0.0)
    dense = Cc if len(off) > 2 * kc else None
    order = np.concatenate([corr_idx, ind_idx]).astype(np.int64)
    byte = np.arange(256)[:, None] >> np.arange(8) & 1  # (256, 8): bit r of each byte value
    luts = []
    for g in range(math.ceil(k / 8)):
        rows = order[8 * g: 8 * g + 8]
        luts.append(byte[:, : len(rows)] @ (np.int64(1) << rows))
    return _DrawPlan(k, corr_idx, ind_idx, np.diag(Cc).copy(), off, dense, thr[corr_idx],
                     np.array([probs[partners[i]] for i in ind_idx], dtype=float),
                     np.ascontiguousarray(Cc), order, tuple(luts))


def _matmul_1t(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = a @ b`` in column blocks small enough for OpenBLAS to run each on the calling
    thread. Above m * n * k = 262,144 it wakes its own thread pool, which competes with the
    chunk threads and keeps spinning on the cores for a while after the call."""
    step = max(1, 200_000 // max(1, a.shape[0] * a.shape[1]))
    for lo in range(0, b.shape[1], step):
        np.matmul(a, b[:, lo:lo + step], out=out[:, lo:lo + step])
    return out


class _Scratch:
    """One thread's buffers for chunks of up to ``n`` scenarios (reused across chunks)."""

    def __init__(self, plan: _DrawPlan, n: int):
        kc, ki = len(plan.corr_idx), len(plan.ind_idx)
        n8 = -(-n // 8) * 8
        self.z = np.empty((n, kc))  # normals, scenario-major as drawn
        self.x = np.empty((kc, n))  # latent variables, partner-major
        self.u = np.empty((n, ki))  # uniforms, scenario-major as drawn
        # Disruption indicators, one row per partner in plan order, padded to whole bytes of
        # rows and whole words of columns (padding rows stay False).
        self.d = np.zeros((8 * max(1, len(plan.luts)), n8), dtype=bool)
        self.words = np.empty((8, n8 // 8), dtype=np.uint64)
        self.packed = np.empty(n8 // 8, dtype=np.uint64)
        self.tmp = np.empty(n, dtype=np.int64)


_SHIFTS = np.arange(8, dtype=np.uint64)[:, None]


def _draw(plan: _DrawPlan, seq: np.random.SeedSequence, n: int, s: _Scratch) -> np.ndarray:
    """Disruption indicators of ``n`` scenarios into ``s.d``: rows in ``plan.order``."""
    s_norm, s_unif = seq.spawn(2)
    kc, ki = len(plan.corr_idx), len(plan.ind_idx)
    d = s.d
    if kc:
        z, x = s.z[:n], s.x[:, :n]
        np.random.Generator(np.random.SFC64(s_norm)).standard_normal(out=z)
        _matmul_1t(plan.chol, z.T, x)  # latent variables, partner-major
        np.less(x, plan.thr[:, None], out=d[:kc, :n])
    if ki:
        u = s.u[:n]
        np.random.Generator(np.random.SFC64(s_unif)).random(out=u)
        np.less(u.T, plan.p_ind[:, None], out=d[kc:kc + ki, :n])
    return d


def _pack(plan: _DrawPlan, s: _Scratch, n: int, out: np.ndarray) -> None:
    """Bitmasks of the ``n`` scenarios in ``s.d`` into ``out`` (int64, bit ``i`` = partner ``i``).

    Eight scenarios' indicators of one partner are one 64-bit word of a row (one byte each);
    shifting row ``r`` of a group of eight rows by ``r`` and OR-ing the group packs each
    scenario's eight bits into its byte of the word. A 256-entry table per group maps that byte
    to the partners' bits (the rows are in plan order, not partner order).
    """
    w = s.d.view(np.uint64)
    if not plan.luts:  # no partners
        out[:] = 0
    for g, lut in enumerate(plan.luts):
        np.left_shift(w[8 * g: 8 * g + 8], _SHIFTS, out=s.words)
        np.bitwise_or.reduce(s.words, axis=0, out=s.packed)
        byte = s.packed.view(np.uint8)[:n]
        if g == 0:
            np.take(lut, byte, out=out, mode="clip")
        else:
            np.take(lut, byte, out=s.tmp[:n], mode="clip")
            out |= s.tmp[:n]


def _child_seeds(ss: np.random.SeedSequence):
    """``j -> ss.spawn(n)[j]`` without building the ``n`` children: a child is the parent's
    entropy with ``spawn_key + (j,)`` (what :meth:`~numpy.random.SeedSequence.spawn` makes)."""
    if ss.n_children_spawned:  # pragma: no cover - the engine's sequences are fresh
        raise ValueError("expecting a SeedSequence that has not spawned yet")

    def child(j: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, j),
                                      pool_size=ss.pool_size)

    return child



# --------------------------------------------------------------------------- drawing

def _check_partners(partners: Sequence[str]) -> list[str]:
    ps = [str(p) for p in partners]
    if len(ps) > MAX_PARTNERS:
        raise OptionError(f"{len(ps)} partners; at most {MAX_PARTNERS} can be simulated")
    return ps


def _prepare_draws(partners: list[str], probabilities, correlation, default_probability):
    """Checked disruption probabilities (partner -> p), the correlation repaired to positive
    definite, its Cholesky factor and the latent thresholds ``Phi^{-1}(p)``."""
    probs = {p: _check_unit(default_probability, "default_probability") for p in partners}
    for p, q in dict(probabilities or {}).items():
        if p in probs:
            probs[p] = _check_unit(q, f"probability of {p}")
    pi = np.array([probs[p] for p in partners])
    if correlation is None:
        R = np.eye(len(partners))
    else:
        R = np.asarray(correlation.loc[partners, partners] if isinstance(correlation, pd.DataFrame)
                       else correlation, dtype=float)
        k = len(partners)
        if R.shape != (k, k) or not np.isfinite(R).all() or (np.abs(R) > 1).any() \
                or not np.allclose(R, R.T) or not np.allclose(np.diag(R), 1.0):
            raise OptionError(f"correlation: expecting a symmetric {k} x {k} matrix of finite "
                              "numbers in -1..1 with ones on the diagonal")
    R = _nearest_pd(R)
    C = np.linalg.cholesky(R)
    from scipy.special import ndtri

    with np.errstate(divide="ignore"):
        thr = ndtri(pi)  # -inf for p = 0, +inf for p = 1
    return probs, R, C, thr


def _n_workers(workers, n_chunks: int) -> int:
    """Threads used: ``workers`` (1..MAX_WORKERS, None for 1), at most one per chunk."""
    if workers is not None and not _is_int(workers):
        raise _bad("workers", f"a whole number in 1..{MAX_WORKERS}", workers)
    return max(1, min(_check_count(workers or 1, "workers", 1, MAX_WORKERS), n_chunks))


@contextmanager
def _thread_pool(nw: int):
    """A pool of ``nw`` threads (None for one thread), shut down on exit."""
    if nw <= 1:
        yield None
        return
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=nw)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _draw_chunks(plan: _DrawPlan, ss: np.random.SeedSequence, chunk_size: int,
                 masks: np.ndarray, *, pool=None, nw: int = 1,
                 each: Callable | None = None, advance: Callable | None = None) -> None:
    """Draw every scenario's disruptions into ``masks`` (int64 bitmasks, bit ``i`` = partner
    ``i``), chunk by chunk: chunk ``j`` holds scenarios ``j * chunk_size ..`` and draws from
    the ``j``-th child of ``ss``, whichever thread draws it.

    ``each(local, lo, n, d, mk)`` runs on the drawing thread after chunk ``[lo, lo + n)`` is
    packed (``local`` its thread-local store, ``d`` its indicator rows in ``plan.order``,
    ``mk`` its masks); ``advance()`` runs on the calling thread as chunks finish. With a pool,
    a bounded window of pending chunks keeps memory from growing with their number.
    """
    runs = len(masks)
    n_chunks = max(1, math.ceil(runs / chunk_size))
    spawn = _child_seeds(ss)
    local = threading.local()

    def chunk(j: int) -> None:
        lo = j * chunk_size
        n = min(chunk_size, runs - lo)
        s = getattr(local, "scratch", None)
        if s is None:
            s = local.scratch = _Scratch(plan, min(chunk_size, runs))
        d = _draw(plan, spawn(j), n, s)
        mk = masks[lo:lo + n]
        _pack(plan, s, n, mk)
        if each is not None:
            each(local, lo, n, d, mk)

    def finished(f=None) -> None:
        if f is not None:
            f.result()
        if advance is not None:
            advance()

    if pool is None:
        for j in range(n_chunks):
            chunk(j)
            finished()
        return
    from concurrent.futures import as_completed

    pending: set = set()
    for j in range(n_chunks):
        pending.add(pool.submit(chunk, j))
        if len(pending) >= 4 * nw:
            done = next(as_completed(pending))
            pending.discard(done)
            finished(done)
    for f in as_completed(pending):
        finished(f)


def draw_disruptions(partners: Sequence[str], *, runs: int, seed: int | None = None,
                     probabilities: Mapping[str, float] | None = None,
                     correlation: pd.DataFrame | np.ndarray | None = None,
                     default_probability: float = DEFAULT_PROBABILITY,
                     chunk_size: int = DEFAULT_CHUNK, workers: int | None = 2) -> np.ndarray:
    """Correlated disruptions of ``partners`` in ``runs`` scenarios, as bitmasks.

    Parameters
    ----------
    partners
        The partners (at most :data:`~equipoise.risk.montecarlo.MAX_PARTNERS`, 52).
    runs, seed
        Number of scenarios (1 .. 10,000,000) and the ``SeedSequence`` seed (0 .. 2**128 - 1;
        ``None``: fresh entropy).
    probabilities
        Partner -> disruption probability in 0..1 (others get ``default_probability``).
    correlation
        Partner x partner latent correlation (a DataFrame indexed by the partners, or an array
        in their order; ``None``: independent), e.g. from :func:`correlation_matrix`.
    chunk_size, workers
        Scenarios per chunk (each chunk has its own random streams) and threads drawing them.

    Returns
    -------
    ndarray of int64, shape (runs,)
        Bit ``i`` of ``masks[s]`` is set when ``partners[i]`` is disrupted in scenario ``s``.
        The scenarios are those of :func:`~equipoise.risk.montecarlo.simulate_losses` for the
        same partners, probabilities, correlation, seed and chunk size, whatever ``workers``.
    """
    ps = _check_partners(partners)
    runs = check_runs(runs)
    seed = check_seed(seed)
    chunk_size = _check_count(chunk_size, "chunk_size", 1, MAX_CHUNK)
    probs, _R, C, thr = _prepare_draws(ps, probabilities, correlation, default_probability)
    plan = _draw_plan(C, thr, probs, ps)
    nw = _n_workers(workers, max(1, math.ceil(runs / chunk_size)))
    masks = np.empty(runs, dtype=np.int64)
    with _thread_pool(nw) as pool:
        _draw_chunks(plan, np.random.SeedSequence(seed), chunk_size, masks, pool=pool, nw=nw)
    return masks
