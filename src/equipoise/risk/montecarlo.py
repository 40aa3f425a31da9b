"""Monte Carlo of correlated partner disruptions: loss distribution, VaR and CVaR.

Model
-----
Partner ``p`` is disrupted in a scenario when a latent standard normal ``X_p`` falls below
``Phi^{-1}(pi_p)``, with ``pi_p`` its disruption probability. The latent vector is Gaussian with
correlation matrix ``R`` (a Gaussian copula over Bernoulli marginals; Li 2000, "On default
correlation: a copula function approach", J. Fixed Income 9(4)). By default
``R_pq = max(rho_corridor * [p and q share a corridor route], rho_bloc * [p and q share a bloc])``:
partners on one route of the corridor graph (CPC: Russia; Middle Corridor: Azerbaijan, Georgia,
Turkey) or in one economic union or alliance (EU27, EAEU, CSTO, NATO) are disrupted together more
often. ``R`` is repaired to the nearest positive-definite correlation matrix by eigenvalue
clipping when needed (Higham 2002 gives the exact nearest one; clipping is the usual first step).

Loss per scenario: with ``D`` the n x k matrix of disruption indicators and ``L`` the partner x
domain loss matrix of :func:`~equipoise.risk.shocks.loss_matrix` (share times one minus
substitutability), the shares-model domain loss is ``min(1, i * D @ L)``. For domains with a
corridor system the corridor model gives ``i * (1 - maxflow(G - V_D) / maxflow(G))`` for the set
of disrupted partners ``V_D`` (solved once per distinct set); ``loss_model="max"`` takes the larger
of the two. The total is ``loss @ w / sum(w)`` with the doctrine's domain weights.

Risk measures at level ``a`` (0.95, 0.99) on the total and per domain:

* ``VaR_a`` = the ``ceil(n a)``-th order statistic of the losses;
* ``CVaR_a = VaR_a + E[(L - VaR_a)^+] / (1 - a)`` (Rockafellar & Uryasev 2000, 2002), which is
  never below ``VaR_a``, also when the loss has atoms;
* standard errors by batch means (sectioning: the runs are cut into ``B`` equal batches, the
  estimator is computed in each, ``se = sd / sqrt(B)``; Asmussen & Glynn 2007, *Stochastic
  Simulation*, III.5; Glasserman 2004, *Monte Carlo Methods in Financial Engineering*, 9.1), and
  for VaR also a distribution-free order-statistic interval (the binomial/normal approximation
  of the ranks ``n a +- z sqrt(n a (1 - a))``; Serfling 1980, 2.6).

Tail drivers: over the ``ceil(n (1 - a))`` worst scenarios, each partner's disruption frequency
against its frequency in all scenarios (lift), and its share of the tail's shares-model loss.

Scenarios are drawn in chunks; chunk ``j`` uses its own ``SFC64`` streams (Chris Doty-Humphrey's
Small Fast Chaotic generator, passes BigCrush/PractRand; about 16 % faster than PCG64 for the
normals that dominate the cost here) spawned from
``SeedSequence(seed)`` (one for the latent normals of partners correlated with another, one for
the uniforms of independent partners, whose Bernoulli draws need no normal), so a seed and chunk
size reproduce the same numbers, whatever the number of threads.

The engine keeps only a bitmask per scenario (up to 16 partners): the normals are combined by
the Cholesky factor in one small matrix product per block of scenarios, compared with the
thresholds into one row of indicators per partner, and eight partners' rows are packed into a
byte per scenario with word-wide shifts (eight scenarios per 64-bit word) and a 256-entry table.
The latent variables are the per-scenario loop's sums of products up to the last bit (BLAS
may order or fuse the multiply-adds differently): a scenario's disruptions could only differ
from the loop's if a latent variable lay within about 1e-16 of its threshold.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .. import reference
from .._options import check_option
from ..errors import InputError, OptionError, UnknownCountryError
from .shocks import NON_PARTNERS, LossModel, partner_codes

__all__ = [
    "DEFAULT_CHUNK",
    "DEFAULT_PROBABILITY",
    "DEFAULT_RHO_BLOC",
    "DEFAULT_RHO_CORRIDOR",
    "MAX_BATCHES",
    "MAX_CHUNK",
    "MAX_RUNS",
    "MAX_RUNS_MANY_PARTNERS",
    "SimulationRequest",
    "SimulationResult",
    "correlation_matrix",
    "run_request",
    "simulate",
    "simulate_loop",
]

#: Default annual probability that flows with any one partner are cut: an equipoise assumption
#: (a one-in-twenty-years event), not an estimate. Override per partner.
DEFAULT_PROBABILITY = 0.05
#: Default latent correlation of two partners on one corridor route (assumption, overridable).
DEFAULT_RHO_CORRIDOR = 0.5
#: Default latent correlation of two partners in one bloc (assumption, overridable).
DEFAULT_RHO_BLOC = 0.3
#: Scenarios per chunk (each chunk has its own random streams; small chunks stay in cache).
DEFAULT_CHUNK = 16_384
BLOC_KINDS = frozenset({"economic union", "military alliance", "collective security"})
Correlation = Literal["copula", "independent"]
LUT_MAX_PARTNERS = 16  # lookup tables of 2**k masks up to this many partners
MAX_PARTNERS = 52  # scenario bitmasks are int64


#: Most scenarios one simulation draws. The engine keeps one int64 bitmask per scenario
#: (80 MB at the maximum) and draws in chunks of ``chunk_size`` per thread (chunk seeds made one
#: at a time, a bounded window of pending chunks), so peak memory stays near 0.15 GB at 10
#: million runs with up to 16 partners (measured: 122 MiB traced, 157 MiB more resident).
MAX_RUNS = 10_000_000
#: Most scenarios with more than ``LUT_MAX_PARTNERS`` partners: that path also keeps every
#: scenario's domain losses (8 bytes per domain and scenario: about 0.3 GB at the maximum with 8
#: domains, measured).
MAX_RUNS_MANY_PARTNERS = 2_000_000
#: Largest chunk (scenarios drawn at once by one thread; buffers of 8 bytes x partners each).
MAX_CHUNK = 1 << 20
#: Most batches of the batch-means standard errors (a count per batch and distinct mask).
MAX_BATCHES = 100
#: Most risk levels in one request.
MAX_LEVELS = 10
#: Most threads one simulation uses.
MAX_WORKERS = 64
#: Seeds are ``SeedSequence`` entropy: whole numbers 0 .. 2**128 - 1 (a seedless run reports a
#: 128-bit seed that reproduces it).
MAX_SEED = 2**128 - 1


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_num(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(
        v, (bool, np.bool_))


def _bad(name: str, expected: str, got) -> OptionError:
    return OptionError(f"{name}: expecting {expected}. Got {got!r}.")


def check_runs(runs, *, name: str = "runs", limit: int = MAX_RUNS) -> int:
    """``runs`` as an int in 1..``limit``, else an :class:`OptionError`."""
    if not _is_int(runs) or not 1 <= runs <= limit:
        raise _bad(name, f"a whole number in 1..{limit:,}", runs)
    return int(runs)


def check_seed(seed, *, name: str = "seed") -> int | None:
    """``seed`` as None or an int in 0..2**128 - 1 (numpy refuses negative seeds)."""
    if seed is None:
        return None
    if not _is_int(seed) or not 0 <= seed <= MAX_SEED:
        raise _bad(name, "a whole number in 0..2**128-1 (or none for a fresh seed)", seed)
    return int(seed)


def _check_count(v, name: str, lo: int, hi: int) -> int:
    if not _is_int(v) or not lo <= v <= hi:
        raise _bad(name, f"a whole number in {lo:,}..{hi:,}", v)
    return int(v)


def _check_unit(v, name: str, *, upper_open: bool = False) -> float:
    ok = _is_num(v) and math.isfinite(float(v)) and float(v) >= 0.0 and (
        float(v) < 1.0 if upper_open else float(v) <= 1.0)
    if not ok:
        raise _bad(name, "a number in [0, 1)" if upper_open else "a number in 0..1", v)
    return float(v)


def _pairs(value, name: str = "probabilities") -> tuple:
    """Partner -> probability (a mapping or pairs) as sorted, checked pairs."""
    if value is None:
        return ()
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise _bad(name, "a table of PARTNER = probability", value)
    out = []
    for item in items:
        if not isinstance(item, (tuple, list)) or len(item) != 2 or not isinstance(item[0], str):
            raise _bad(name, "PARTNER = probability pairs", item)
        k, v = item
        out.append((k.strip().upper(), _check_unit(v, f"probability of {k}")))
    return tuple(sorted(out))


def _tuple_of_str(value, name: str) -> tuple[str, ...]:
    ps = (value,) if isinstance(value, str) else value
    if not isinstance(ps, (list, tuple)) or not all(isinstance(p, str) for p in ps):
        raise _bad(name, "a list of ISO3 or group codes", value)
    return tuple(p.strip().upper() for p in ps if p.strip())


@dataclass(frozen=True)
class SimulationRequest:
    """One Monte Carlo request (immutable, hashable; readable from TOML).

    Parameters
    ----------
    focal : ISO3 code of the focal state (default ``KAZ``).
    runs : number of scenarios, 1 .. :data:`MAX_RUNS` (10,000,000;
        :data:`MAX_RUNS_MANY_PARTNERS` with more than 16 partners).
    seed : seed of the ``SeedSequence``, 0 .. 2**128 - 1 (``None``: fresh entropy, reported in
        the result).
    partners : the partners simulated (``None``: the ``max_partners`` largest in the shares),
        at most :data:`MAX_PARTNERS` (52).
    max_partners : 1 .. :data:`MAX_PARTNERS`.
    probabilities : per-partner disruption probabilities (0..1) overriding ``default_probability``.
    rho_corridor, rho_bloc : latent correlations for a shared corridor route / bloc, in [0, 1).
    correlation : ``"copula"`` (default) or ``"independent"``.
    intensity : 0..1, the fraction of a disrupted partner's flows that stops.
    loss_model : ``"shares"``, ``"corridors"`` or ``"max"`` (default).
    levels : 1 .. :data:`MAX_LEVELS` risk levels in [0.5, 1).
    chunk_size : scenarios per chunk, 1 .. :data:`MAX_CHUNK`.
    batches : batches of the batch-means standard errors, 2 .. :data:`MAX_BATCHES`.

    Notes
    -----
    Every value is checked for type and range; a wrong one raises :class:`OptionError` (or
    :class:`UnknownCountryError` for codes) naming the field, what was expected and the value.
    """

    focal: str = "KAZ"
    runs: int = 100_000
    seed: int | None = None
    partners: tuple[str, ...] | None = None
    max_partners: int = 15
    probabilities: tuple[tuple[str, float], ...] = ()
    default_probability: float = DEFAULT_PROBABILITY
    rho_corridor: float = DEFAULT_RHO_CORRIDOR
    rho_bloc: float = DEFAULT_RHO_BLOC
    correlation: Correlation = "copula"
    intensity: float = 1.0
    loss_model: LossModel = "max"
    levels: tuple[float, ...] = (0.95, 0.99)
    chunk_size: int = DEFAULT_CHUNK
    batches: int = 50

    def __post_init__(self) -> None:
        for name in _FIELD_ORDER:
            object.__setattr__(self, name, _check_field(name, getattr(self, name)))
        many = len(self.partners) if self.partners is not None else self.max_partners
        if many > LUT_MAX_PARTNERS and self.runs > MAX_RUNS_MANY_PARTNERS:
            raise OptionError(f"runs: expecting at most {MAX_RUNS_MANY_PARTNERS:,} with more "
                              f"than {LUT_MAX_PARTNERS} partners ({many}). Got {self.runs!r}.")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "simulation request",
                  lines: Mapping[str, int] | None = None):
        """Build from a mapping; every key is checked and every problem reported together,
        each with ``where``, the key (and its line when ``lines`` maps it), the value and what
        was expected. A missing ``focal`` is the documented default, ``KAZ``."""
        if not isinstance(data, Mapping):
            raise InputError(f"{where}: expecting a table of simulation settings; got "
                             f"{type(data).__name__}")
        allowed = set(cls.__dataclass_fields__)
        extra = sorted(set(data) - allowed)
        problems = []
        for k in extra:
            at = f" (line {lines[k]})" if lines and k in lines else ""
            problems.append(f"{where}, key {k!r}{at}: unknown key; expecting some of "
                            f"{sorted(allowed)}")
        d = {k: v for k, v in dict(data).items() if k in allowed}
        for k, v in d.items():
            try:
                d[k] = _check_field(k, v)
            except (OptionError, UnknownCountryError) as exc:
                at = f" (line {lines[k]})" if lines and k in lines else ""
                problems.append(f"{where}, key {k!r}{at}: {str(exc).removeprefix(k + ': ')}")
        if problems:
            raise InputError(f"{len(problems)} problem(s) in {where}:\n  " + "\n  ".join(problems),
                             problems)
        try:
            return cls(**d)
        except (OptionError, UnknownCountryError) as exc:
            raise InputError(f"{where}: {exc}") from None

    @classmethod
    def from_toml(cls, path: str | Path, **overrides) -> SimulationRequest:
        """Read ``[simulate]`` (or top-level keys) from TOML; ``[simulate.probabilities]`` maps
        partner -> probability. Keyword ``overrides`` (not None) take precedence. A file without
        ``focal`` simulates the documented default, ``KAZ`` (or ``overrides['focal']``)."""
        from .._toml import key_lines, read_toml

        data = read_toml(path, what="simulation file")
        table = "simulate" if isinstance(data.get("simulate"), Mapping) else None
        d = dict(data[table]) if table else dict(data)
        d.update({k: v for k, v in overrides.items() if v is not None})
        return cls.from_dict(d, where=str(path), lines=key_lines(path, table))


def _check_field(name: str, v):
    """One field of a :class:`SimulationRequest`, normalised, or an error saying what is wrong."""
    if name == "focal":
        if not isinstance(v, str):
            raise _bad("focal", "an ISO3 country code", v)
        f = v.strip().upper()
        if f not in reference.country_codes():
            raise UnknownCountryError(f"focal: {f!r} is not an ISO3 country code")
        return f
    if name == "runs":
        return check_runs(v)
    if name == "seed":
        return check_seed(v)
    if name == "partners":
        if v is None:
            return None
        ps = _tuple_of_str(v, "partners")
        if len(ps) > MAX_PARTNERS:
            raise _bad("partners", f"at most {MAX_PARTNERS} partners", f"{len(ps)} partners")
        _check_codes(ps, "partners")
        return ps
    if name == "max_partners":
        return _check_count(v, "max_partners", 1, MAX_PARTNERS)
    if name == "probabilities":
        pairs = _pairs(v)
        _check_codes([p for p, _ in pairs], "probabilities")
        return pairs
    if name == "default_probability":
        return _check_unit(v, name)
    if name in ("rho_corridor", "rho_bloc"):
        return _check_unit(v, name, upper_open=True)
    if name == "intensity":
        return _check_unit(v, name)
    if name == "correlation":
        return check_option("correlation", v, Correlation) if isinstance(v, str) else \
            _bad_raise("correlation", "one of ('copula', 'independent')", v)
    if name == "loss_model":
        return check_option("loss_model", v, LossModel) if isinstance(v, str) else \
            _bad_raise("loss_model", "one of ('shares', 'corridors', 'max')", v)
    if name == "levels":
        ls = (v,) if _is_num(v) else v
        if not isinstance(ls, (list, tuple)) or not 1 <= len(ls) <= MAX_LEVELS or not all(
                _is_num(a) and 0.5 <= float(a) < 1.0 for a in ls):
            raise _bad("levels", f"1..{MAX_LEVELS} numbers in [0.5, 1)", v)
        return tuple(float(a) for a in ls)
    if name == "chunk_size":
        return _check_count(v, "chunk_size", 1, MAX_CHUNK)
    if name == "batches":
        return _check_count(v, "batches", 2, MAX_BATCHES)
    raise OptionError(f"unknown simulation setting {name!r}")  # pragma: no cover


def _bad_raise(name: str, expected: str, got):
    raise _bad(name, expected, got)


def _check_codes(codes, name: str) -> None:
    known = reference.known_codes()
    bad = [p for p in codes if p not in known or p in NON_PARTNERS]
    if bad:
        raise UnknownCountryError(f"{name}: {bad} are not ISO3 codes or partner groups "
                                  "(WLD and OTH cannot be disrupted)")


_FIELD_ORDER = ("focal", "runs", "seed", "partners", "max_partners", "probabilities",
                "default_probability", "rho_corridor", "rho_bloc", "correlation", "intensity",
                "loss_model", "levels", "chunk_size", "batches")


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


# --------------------------------------------------------------------------- results

@dataclass
class SimulationResult:
    """Loss distribution, VaR/CVaR with standard errors, and tail drivers.

    Attributes
    ----------
    risk : DataFrame
        One row per domain and ``total``: ``mean, p_loss`` and for each level ``a`` (as
        ``95``, ``99``): ``var_a, var_a_se, var_a_lower, var_a_upper, cvar_a, cvar_a_se``.
    tail_drivers : DataFrame
        ``partner, probability, frequency, tail_frequency, lift, tail_loss_share`` at the first
        level, sorted by lift.
    masks : ndarray
        The scenarios' disrupted partners as bitmasks (bit ``i`` = ``partners[i]``), (n,).
    totals, losses : ndarray
        Total loss (n,) and domain losses (n x m) per scenario (computed from the masks on
        first use when the partners are few enough for lookup tables).
    """

    request: SimulationRequest
    partners: list[str]
    domains: list[str]
    probabilities: dict[str, float]
    correlation: pd.DataFrame
    correlation_reasons: pd.DataFrame
    weights: dict[str, float]
    loss_matrix: pd.DataFrame
    risk: pd.DataFrame
    tail_drivers: pd.DataFrame
    seed: int
    elapsed: float
    masks: np.ndarray = field(repr=False)
    corridor_domains: list[str] = field(default_factory=list)
    _totals: np.ndarray | None = field(default=None, repr=False)
    _losses: np.ndarray | None = field(default=None, repr=False)
    _lut: np.ndarray | None = field(default=None, repr=False)
    _tot_lut: np.ndarray | None = field(default=None, repr=False)

    @property
    def runs(self) -> int:
        return len(self.masks)

    @property
    def totals(self) -> np.ndarray:
        """Total loss of every scenario (n,)."""
        return self._totals if self._totals is not None else self._tot_lut[self.masks]

    @property
    def losses(self) -> np.ndarray:
        """Domain losses of every scenario (n x m), e.g. for a CVaR-minimising plan."""
        return self._losses if self._losses is not None else self._lut[:, self.masks].T

    def _lv(self, a: float) -> str:
        return f"{round(a * 100):d}"

    def to_dict(self) -> dict:
        def rec(row) -> dict:
            return {k: (None if isinstance(v, float) and math.isnan(v) else float(v))
                    for k, v in row.items()}

        r = self.request
        return {
            "focal": r.focal,
            "runs": self.runs,
            "seed": self.seed,
            "partners": list(self.partners),
            "domains": list(self.domains),
            "levels": list(r.levels),
            "total": rec(self.risk.loc["total"]),
            "by_domain": {d: rec(self.risk.loc[d]) for d in self.domains},
            "tail_drivers": self.tail_drivers.to_dict("records"),
            "assumptions": {
                "probabilities": dict(self.probabilities),
                "default_probability": r.default_probability,
                "correlation": r.correlation,
                "rho_corridor": r.rho_corridor,
                "rho_bloc": r.rho_bloc,
                "correlated_pairs": self.correlation_reasons.to_dict("records"),
                "intensity": r.intensity,
                "loss_model": r.loss_model,
                "corridor_domains": list(self.corridor_domains),
                "weights": dict(self.weights),
            },
            "elapsed_seconds": self.elapsed,
        }

    def summary(self) -> str:
        r = self.request
        lv = [self._lv(a) for a in r.levels]
        lines = [f"Monte Carlo: {r.focal}, {self.runs:,} scenarios, seed {self.seed}, "
                 f"{len(self.partners)} partners, {r.correlation} ({r.loss_model} loss model), "
                 f"{self.elapsed:.2f} s"]
        head = f"  {'':<11} {'mean':>7} {'P(>0)':>6}" + "".join(
            f" {'VaR' + v:>15} {'CVaR' + v:>15}" for v in lv)
        lines.append(head)
        for d in [*self.domains, "total"]:
            row = self.risk.loc[d]
            cells = "".join(
                f" {row[f'var_{v}']:7.3f}±{row[f'var_{v}_se']:<7.3f}"
                f" {row[f'cvar_{v}']:7.3f}±{row[f'cvar_{v}_se']:<7.3f}" for v in lv)
            lines.append(f"  {d:<11} {row['mean']:7.3f} {row['p_loss']:6.3f}{cells}")
        lines.append("  (losses are shares of the domain lost; ± is the batch-means standard error)")
        lines.append(f"  tail drivers (worst {1 - r.levels[0]:.0%} of scenarios):")
        for t in self.tail_drivers.head(8).itertuples(index=False):
            lines.append(f"    {t.partner:<6} p={t.probability:.3f} disrupted in {t.tail_frequency:6.1%} "
                         f"of tail scenarios (x{t.lift:.1f}), {t.tail_loss_share:5.1%} of tail loss")
        return "\n".join(lines)

    __str__ = summary

    def _repr_html_(self) -> str:
        return (f"<div><b>Monte Carlo {self.request.focal}</b> ({self.runs:,} scenarios)"
                f"{self.risk.to_html(float_format=lambda x: f'{x:.4f}')}"
                f"<p>Tail drivers</p>{self.tail_drivers.to_html(index=False)}</div>")


# --------------------------------------------------------------------------- engine

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


def _progress(enabled: bool, total: int):
    if not enabled:
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    p = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                 TimeRemainingColumn(), transient=True, console=Console(stderr=True))
    return p


def _prepare(loss: pd.DataFrame, probabilities, correlation, weights, default_probability):
    partners = [str(p) for p in loss.index]
    if len(partners) > MAX_PARTNERS:
        raise OptionError(f"{len(partners)} partners; at most {MAX_PARTNERS} can be simulated")
    domains = [str(d) for d in loss.columns]
    lv = loss.to_numpy(float)
    if not np.isfinite(lv).all() or (lv < 0).any():
        raise OptionError("loss matrix: expecting finite numbers >= 0 (NaN, inf or a negative "
                          "loss found)")
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
    w = np.array([float((weights or {}).get(d, 1.0)) for d in domains])
    if not np.isfinite(w).all() or (w < 0).any():
        bad = {d: float(x) for d, x in zip(domains, w, strict=True) if not 0 <= x < math.inf}
        raise OptionError(f"domain weights: expecting finite numbers >= 0. Got {bad}.")
    if w.sum() <= 0:
        raise OptionError("domain weights sum to 0")
    return partners, domains, probs, R, C, thr, w


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


def simulate(loss: pd.DataFrame, *, runs: int, seed: int | None = None,
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
             focal: str = "KAZ") -> SimulationResult:
    """Simulate correlated partner disruptions, vectorised over scenarios.

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
    Lm = np.ascontiguousarray(loss.to_numpy(float))
    k, mdom = Lm.shape
    runs = check_runs(runs, limit=MAX_RUNS if k <= LUT_MAX_PARTNERS else MAX_RUNS_MANY_PARTNERS)
    seed = check_seed(seed)
    chunk_size = _check_count(chunk_size, "chunk_size", 1, MAX_CHUNK)
    batches = _check_count(batches, "batches", 2, MAX_BATCHES)
    intensity = _check_unit(intensity, "intensity")
    levels = _check_field("levels", tuple(levels) if not _is_num(levels) else levels)
    corr = {d: list(v) for d, v in (corridor_tables or {}).items() if d in domains and v}
    if loss_model == "shares":
        corr = {}
    loss_model_eff = "shares" if (loss_model == "corridors" and not corr) else loss_model
    levels = tuple(levels)
    ss = np.random.SeedSequence(seed)
    n_chunks = max(1, math.ceil(runs / chunk_size))
    spawn = _child_seeds(ss)
    masks = np.empty(runs, dtype=np.int64)
    wn = w / w.sum()
    plan = _draw_plan(C, thr, probs, partners)
    if workers is not None and not _is_int(workers):
        raise _bad("workers", f"a whole number in 1..{MAX_WORKERS}", workers)
    nw = max(1, min(_check_count(workers or 1, "workers", 1, MAX_WORKERS), n_chunks))
    local = threading.local()
    # Every scenario's losses are a function of its disruption bitmask. With few partners the
    # hot loop only draws, correlates, thresholds, packs the bits into a mask and counts the
    # masks; the losses of each mask that occurs are computed once (the corridor model solved
    # once per mask), and the risk measures come from the histogram of masks (overall and per
    # batch): the same order statistics as sorting the n losses, at the cost of sorting at
    # most 2**k distinct values.
    use_lut = k <= LUT_MAX_PARTNERS
    if use_lut:
        totals_arr = losses_arr = None
        hists: list[np.ndarray] = []  # each thread's count of every mask
        hists_lock = threading.Lock()
    else:
        totals_arr = np.empty(runs)
        losses_arr = np.empty((mdom, runs))  # domain-major: each series contiguous
        LmT = np.ascontiguousarray(Lm.T)

    def chunk(j: int) -> None:
        lo = j * chunk_size
        n = min(chunk_size, runs - lo)
        s = getattr(local, "scratch", None)
        if s is None:
            s = local.scratch = _Scratch(plan, min(chunk_size, runs))
            if use_lut:
                local.hist = np.zeros(1 << k, dtype=np.int64)
                with hists_lock:
                    hists.append(local.hist)
        d = _draw(plan, spawn(j), n, s)
        mk = masks[lo:lo + n]
        _pack(plan, s, n, mk)
        if use_lut:
            np.add.at(local.hist, mk, 1)
            return
        Df = np.empty((k, n))
        Df[plan.order] = d[:k, :n]
        dl = _matmul_1t(LmT, Df, np.empty((mdom, n)))
        if intensity != 1.0:
            dl *= intensity
        np.minimum(dl, 1.0, out=dl)
        for dom, tables in corr.items():
            c = domains.index(dom)
            cl = tables[0].losses(mk) if len(tables) == 1 else \
                np.mean([t.losses(mk) for t in tables], axis=0)
            if intensity != 1.0:
                cl = cl * intensity
            if loss_model_eff == "corridors":
                dl[c] = cl
            else:
                np.maximum(dl[c], cl, out=dl[c])
        losses_arr[:, lo:lo + n] = dl
        np.sum(dl * wn[:, None], axis=0, out=totals_arr[lo:lo + n])

    bar = _progress(progress, n_chunks)
    task = None
    if bar is not None:
        bar.start()
        task = bar.add_task(f"simulating {runs:,} scenarios", total=n_chunks)
    pool = None
    if nw > 1:
        from concurrent.futures import ThreadPoolExecutor, as_completed

        pool = ThreadPoolExecutor(max_workers=nw)

    def pmap(f, items):  # numpy's sorts, cumsums and gathers release the GIL
        return list(pool.map(f, items)) if pool is not None else [f(x) for x in items]

    try:
        try:
            if pool is None:
                for j in range(n_chunks):
                    chunk(j)
                    if bar is not None:
                        bar.advance(task)
            else:
                # a bounded window of pending chunks: memory does not grow with their number
                pending: set = set()
                for j in range(n_chunks):
                    pending.add(pool.submit(chunk, j))
                    if len(pending) >= 4 * nw:
                        done = next(as_completed(pending))
                        pending.discard(done)
                        done.result()
                        if bar is not None:
                            bar.advance(task)
                for f in as_completed(pending):
                    f.result()
                    if bar is not None:
                        bar.advance(task)
        finally:
            if bar is not None:
                bar.stop()

        contrib = intensity * (Lm * wn[None, :]).sum(axis=1)  # partner's shares-model total loss
        lut = tot_lut = None
        if use_lut:
            hist = np.sum(hists, axis=0)
            support = np.flatnonzero(hist)
            cnt = hist[support]
            freq = (cnt @ ((support[:, None] >> np.arange(k)) & 1)) / runs
            B = _n_batches(runs, batches)
            mb = runs // B
            bh = None
            if mb >= 2:  # counts of the distinct masks in each batch, batches split over threads
                bh = np.zeros((B, len(support)), dtype=np.int64)
                column = np.zeros(1 << k, dtype=np.int64)
                column[support] = np.arange(len(support))

                def count(bs: range) -> None:
                    for b in bs:
                        np.add.at(bh[b], column[masks[b * mb:(b + 1) * mb]], 1)

                pmap(count, [range(i, B, nw) for i in range(nw)])
            # losses of each mask present, (m, V), summed over the partners in order
            vals = np.zeros((mdom, len(support)))
            for i in range(k):
                np.add(vals, Lm[i][:, None], out=vals, where=((support >> i) & 1 == 1)[None, :])
            vals = np.minimum(vals * intensity, 1.0)
            for dom, tables in corr.items():
                c = domains.index(dom)
                cl = tables[0].losses(support) if len(tables) == 1 else \
                    np.mean([t.losses(support) for t in tables], axis=0)
                cl = cl * intensity
                vals[c] = cl if loss_model_eff == "corridors" else np.maximum(vals[c], cl)
            tvals = np.sum(vals * wn[:, None], axis=0)
            lut = np.zeros((mdom, 1 << k))
            lut[:, support] = vals
            tot_lut = np.zeros(1 << k)
            tot_lut[support] = tvals
            stats = pmap(lambda v: _hist_stats(v, cnt, bh, runs, mb, levels), [*vals, tvals])
            rows = dict(zip([*domains, "total"], stats, strict=True))
            drivers = _tail_drivers_hist(tvals, cnt, support, freq, partners, probs, contrib,
                                         runs, levels[0])
        else:
            freq = np.array([np.count_nonzero((masks >> i) & 1) for i in range(k)]) / runs
            series = [*((d, losses_arr[i]) for i, d in enumerate(domains)),
                      ("total", totals_arr)]
            stats = pmap(lambda x: _risk_stats(x, levels, batches), [x for _, x in series])
            rows = {name: st for (name, _), st in zip(series, stats, strict=True)}
            drivers = _tail_drivers(totals_arr, masks, freq, partners, probs, contrib, levels[0])
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    risk = pd.DataFrame.from_dict(rows, orient="index")
    req = request or SimulationRequest(
        focal=focal, runs=runs, seed=seed,
        intensity=intensity, loss_model=loss_model, levels=tuple(levels), chunk_size=chunk_size,
        batches=batches, default_probability=default_probability)
    return SimulationResult(
        req, partners, domains, probs, pd.DataFrame(R, index=partners, columns=partners),
        correlation_reasons if correlation_reasons is not None else
        pd.DataFrame(columns=["p", "q", "rho", "why"]),
        dict(zip(domains, w.tolist(), strict=True)), loss, risk, drivers,
        int(ss.entropy) if seed is None else int(seed), time.perf_counter() - t0, masks,
        sorted(corr), totals_arr, None if losses_arr is None else losses_arr.T, lut, tot_lut)


def _child_seeds(ss: np.random.SeedSequence):
    """``j -> ss.spawn(n)[j]`` without building the ``n`` children: a child is the parent's
    entropy with ``spawn_key + (j,)`` (what :meth:`~numpy.random.SeedSequence.spawn` makes)."""
    if ss.n_children_spawned:  # pragma: no cover - the engine's sequences are fresh
        raise ValueError("expecting a SeedSequence that has not spawned yet")

    def child(j: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, j),
                                      pool_size=ss.pool_size)

    return child


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
    vectorised :func:`simulate` and as the benchmark's baseline; not for production runs.
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
                    cl = sum(t.loss(mask) for t in corr[c]) / len(corr[c]) * intensity
                    dl = cl if loss_model == "corridors" else max(dl, cl)
                total += dl * wl[c]
            out.append(total)
        if len(out) >= n_total:
            break
    return np.array(out)


def default_partners(shares: pd.DataFrame, n: int = 15) -> list[str]:
    """The ``n`` partners with the largest share in any domain (OTH and WLD excluded)."""
    s = shares[~shares["partner"].isin(NON_PARTNERS)]
    top = s.groupby("partner")["share"].max().sort_values(ascending=False)
    return list(top.index[:n])


def build_tables(graph, focal: str, partners: Iterable[str], domains: Iterable[str]):
    """Corridor loss tables per domain from the focal state's shipped flow systems."""
    from .corridors import CorridorLossTable, load_systems

    systems = load_systems(focal)
    out: dict[str, list] = {}
    ps = list(partners)
    for d in domains:
        for s in systems[systems["domain"] == d].itertuples(index=False):
            sinks = s.sinks.split(";")
            if s.source in graph.country_of and all(k in graph.country_of for k in sinks):
                out.setdefault(d, []).append(CorridorLossTable(graph, s.source, sinks, ps))
    return out


def run_request(shares: pd.DataFrame, request: SimulationRequest, *, graph=None, doctrine=None,
                substitutability: Mapping[str, float] | None = None,
                weights: Mapping[str, float] | None = None,
                progress: bool = False) -> SimulationResult:
    """Run a :class:`SimulationRequest` on a shares table (and a corridor graph).

    Builds the loss matrix (:func:`~equipoise.risk.shocks.loss_matrix`), picks the partners,
    builds the correlation from ``graph`` routes and blocs, the corridor loss tables of the
    focal state's flow systems, and calls :func:`simulate`.
    """
    from .shocks import (
        _check_shares,
        check_substitutability,
        check_weights,
        default_substitutability,
        default_weights,
        loss_matrix,
    )

    s = _check_shares(shares)
    partners = list(request.partners) if request.partners else default_partners(
        s, request.max_partners)
    if not partners:
        raise InputError(f"{request.focal}: no partners in the shares table to simulate")
    sub = {d: v for d, (v, _) in default_substitutability(doctrine).items()}
    sub.update(dict(substitutability or {}))
    check_substitutability(sub)
    L = loss_matrix(s, sub, partners=partners)
    w = default_weights(doctrine)
    w.update(dict(weights or {}))
    check_weights(w)
    R = reasons = None
    if request.correlation == "copula":
        R, reasons = correlation_matrix(partners, graph=graph, rho_corridor=request.rho_corridor,
                                        rho_bloc=request.rho_bloc, focal=request.focal)
    tables = None
    if graph is not None and request.loss_model != "shares":
        tables = build_tables(graph, request.focal, partners, L.columns)
    return simulate(L, runs=int(request.runs), seed=request.seed,
                    probabilities=dict(request.probabilities), correlation=R, weights=w,
                    corridor_tables=tables, intensity=request.intensity,
                    loss_model=request.loss_model,
                    default_probability=request.default_probability, levels=request.levels,
                    chunk_size=request.chunk_size, batches=request.batches, progress=progress,
                    request=request, correlation_reasons=reasons, focal=request.focal)
