"""Limits, defaults and value checks shared by the Monte Carlo modules (every check names the
setting, what was expected and the value seen)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import numpy as np

from ..._results import fmt_number
from ...errors import OptionError

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
        raise _bad(name, f"a whole number in 1..{fmt_number(limit)}", runs)
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
        raise _bad(name, f"a whole number in {fmt_number(lo)}..{fmt_number(hi)}", v)
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

