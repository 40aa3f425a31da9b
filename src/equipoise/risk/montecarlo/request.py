"""The Monte Carlo request: :class:`SimulationRequest`, immutable and checked field by field
(from keywords, a mapping or a TOML file)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ... import reference
from ..._options import check_option
from ..._results import fmt_number
from ...errors import InputError, OptionError, UnknownCountryError
from ..lossmodel import DEFAULT_LOSS_MODEL, LossModel
from ..shocks import NON_PARTNERS
from ._checks import (
    DEFAULT_CHUNK,
    DEFAULT_PROBABILITY,
    DEFAULT_RHO_BLOC,
    DEFAULT_RHO_CORRIDOR,
    LUT_MAX_PARTNERS,
    MAX_BATCHES,
    MAX_CHUNK,
    MAX_LEVELS,
    MAX_PARTNERS,
    MAX_RUNS_MANY_PARTNERS,
    Correlation,
    _bad,
    _check_count,
    _check_unit,
    _is_num,
    _pairs,
    _tuple_of_str,
    check_runs,
    check_seed,
)

__all__ = ["SimulationRequest"]


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
    loss_model : ``"shares"``, ``"corridors"`` or ``"max"`` (default:
        :data:`~equipoise.risk.lossmodel.DEFAULT_LOSS_MODEL`, the same as ``shock``).
    levels : 1 .. :data:`MAX_LEVELS` risk levels in [0.5, 1).
    chunk_size : scenarios per chunk, 1 .. :data:`MAX_CHUNK`.
    batches : batches of the batch-means standard errors, 2 .. :data:`MAX_BATCHES`.

    Notes
    -----
    Every value is checked for type and range; a wrong one raises :class:`OptionError` (or
    :class:`UnknownCountryError` for codes) naming the field, what was expected and the value.
    """

    focal: str
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
    loss_model: LossModel = DEFAULT_LOSS_MODEL
    levels: tuple[float, ...] = (0.95, 0.99)
    chunk_size: int = DEFAULT_CHUNK
    batches: int = 50

    def __post_init__(self) -> None:
        for name in _FIELD_ORDER:
            object.__setattr__(self, name, _check_field(name, getattr(self, name)))
        many = len(self.partners) if self.partners is not None else self.max_partners
        if many > LUT_MAX_PARTNERS and self.runs > MAX_RUNS_MANY_PARTNERS:
            raise OptionError(f"runs: expecting at most {fmt_number(MAX_RUNS_MANY_PARTNERS)} with more "
                              f"than {LUT_MAX_PARTNERS} partners ({many}). Got {self.runs!r}.")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "simulation request",
                  lines: Mapping[str, int] | None = None, default_focal: str | None = None):
        """Build from a mapping; every key is checked and every problem reported together,
        each with ``where``, the key (and its line when ``lines`` maps it), the value and what
        was expected. A missing ``focal`` is ``default_focal``, the caller's default
        (:func:`equipoise.context.resolve_focal`); without one it is an error."""
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
        if "focal" not in d and default_focal is not None:
            d["focal"] = default_focal
        for k, v in d.items():
            try:
                d[k] = _check_field(k, v)
            except (OptionError, UnknownCountryError) as exc:
                at = f" (line {lines[k]})" if lines and k in lines else ""
                problems.append(f"{where}, key {k!r}{at}: {str(exc).removeprefix(k + ': ')}")
        if problems:
            raise InputError(f"{len(problems)} problem(s) in {where}:\n  " + "\n  ".join(problems),
                             problems)
        if "focal" not in d:
            raise InputError(f"{where}: missing key 'focal'; expecting the focal state's ISO3 "
                             f"code")
        try:
            return cls(**d)
        except (OptionError, UnknownCountryError) as exc:
            raise InputError(f"{where}: {exc}") from None

    @classmethod
    def from_toml(cls, path: str | Path, *, default_focal: str | None = None,
                  **overrides) -> SimulationRequest:
        """Read ``[simulate]`` (or top-level keys) from TOML; ``[simulate.probabilities]`` maps
        partner -> probability. Keyword ``overrides`` (not None) take precedence. A file without
        ``focal`` simulates ``overrides['focal']``, else ``default_focal`` (the caller's
        default: the command line gives :data:`equipoise.context.DEFAULT_FOCAL`)."""
        from ..._toml import key_lines, read_toml

        data = read_toml(path, what="simulation file")
        table = "simulate" if isinstance(data.get("simulate"), Mapping) else None
        d = dict(data[table]) if table else dict(data)
        d.update({k: v for k, v in overrides.items() if v is not None})
        return cls.from_dict(d, where=str(path), lines=key_lines(path, table),
                             default_focal=default_focal)


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

