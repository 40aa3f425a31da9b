"""Partner-disruption shocks: the share of each domain lost after substitution.

Keohane & Nye (1977, *Power and Interdependence*, ch. 1) separate *sensitivity* (how much of a
domain depends on a partner: shares, HHI) from *vulnerability* (what a cut-off costs once
alternatives are used). A shock request cuts a partner (or a group such as ``EU27``) off in some
domains at an intensity ``i`` in 0..1; the loss in domain ``d`` is

    L_d = i * s_{p,d} * (1 - sigma_d)

with ``s_{p,d}`` the partner's share of the focal state's domain total (for a group, the sum of
its members' shares and its own row) and ``sigma_d`` in 0..1 the substitutability of the domain:
the part of the lost flow that other partners or routes take over within the horizon. The total
is the weighted mean ``sum_d w_d L_d / sum_d w_d`` over every domain with data (domains not
shocked contribute 0), with the doctrine's domain weights.

Substitutability comes, in order of precedence, from the request (an override), from the data
(:func:`substitutability_from_screen`: one minus the value-weighted world-export HHI of the
products behind the domain, after CEPII GeoDep, Lefebvre & Wibaux 2024, where a world HHI above
0.4 marks a product hard to substitute), from the doctrine, or from the documented default in
the shipped ``domains`` table (``substitutability`` and ``substitutability_basis`` columns,
stated there as assumptions).

For energy and corridors a corridor-based loss is also offered (DESIGN.md): the fraction of the
corridor graph's max flow lost when the partner's nodes are removed,
``i * (1 - maxflow(G - V_p) / maxflow(G))``, averaged over the flow systems of that domain the
graph carries (the shipped graph: ``reference/corridors/<focal>_systems.csv``; a user's: those
:func:`equipoise.context.resolve_corridors` resolved for it). ``loss_model`` chooses ``"shares"``,
``"corridors"`` (where a corridor system exists) or ``"max"`` (the larger of the two), the
default everywhere (:data:`~equipoise.risk.lossmodel.DEFAULT_LOSS_MODEL`; why: docs/methods.md).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import reference
from .._options import check_option
from .._results import Result, fmt_fixed, fmt_number, fmt_share, fmt_sig
from ..errors import (
    InputError,
    MissingPartnerDataWarning,
    NoDataError,
    OptionError,
    SchemaError,
    UnknownCountryError,
    UnknownDomainError,
)
from .lossmodel import (
    DEFAULT_LOSS_MODEL,
    LossModel,
    combine_losses,
    corridor_wins,
    describe_loss_model,
    usable_systems,
)

__all__ = [
    "LossModel",
    "ShockRequest",
    "ShockResult",
    "assessed_substitutability",
    "basis_kind",
    "default_substitutability",
    "default_weights",
    "loss_matrix",
    "partner_codes",
    "shock",
    "substitutability_from_screen",
    "substitutability_table",
]

NON_PARTNERS = frozenset({"WLD", "OTH"})


YEAR_MIN, YEAR_MAX = 1900, 2100
#: Most rows of a shares table or a product screen given to one shock.
MAX_TABLE_ROWS = 5_000_000
_SHOWN = 20  # problems listed in one message (the count says how many more)


def _is_num(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(
        v, (bool, np.bool_))


def _unit(v, name: str) -> float:
    if not _is_num(v) or not 0.0 <= float(v) <= 1.0:  # NaN fails both comparisons
        raise OptionError(f"{name}: expecting a number in 0..1. Got {v!r}.")
    return float(v)


def _pairs(value: Mapping[str, float] | Iterable[tuple[str, float]] | None) -> tuple:
    if value is None:
        return ()
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise OptionError(f"substitutability: expecting DOMAIN = number pairs. Got {value!r}.")
    out = []
    for item in items:
        if not isinstance(item, (tuple, list)) or len(item) != 2 or not isinstance(item[0], str):
            raise OptionError(f"substitutability: expecting DOMAIN = number pairs. Got {item!r}.")
        out.append((item[0].strip(), _unit(item[1], f"substitutability of {item[0]}")))
    return tuple(sorted(out))


def check_substitutability(sub: Mapping[str, Any], where: str = "substitutability") -> None:
    """Every value (a number or a ``(number, basis)`` pair) in 0..1, else an OptionError naming
    the domain, the value and where it came from (an override, the doctrine, a screen)."""
    for d, v in sub.items():
        val, basis = v if isinstance(v, tuple) else (v, where)
        if not _is_num(val) or not 0.0 <= float(val) <= 1.0:
            raise OptionError(f"substitutability of {d} ({basis}): expecting a number in 0..1. "
                              f"Got {_plain(val)!r}.")


def check_weights(w: Mapping[str, Any], where: str = "weights") -> None:
    """Every domain weight a finite number >= 0, else an OptionError naming the domain."""
    for d, v in w.items():
        if not _is_num(v) or not 0.0 <= float(v) < math.inf:
            raise OptionError(f"{where}: weight of {d}: expecting a finite number >= 0. "
                              f"Got {_plain(v)!r}.")


def _plain(v):
    return v.item() if isinstance(v, np.generic) else v


def _show(v) -> str:
    """A cell as written in messages: ``empty`` for a missing value, numpy scalars as Python."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return "empty"
    if isinstance(v, np.generic):
        v = v.item()
        if isinstance(v, float) and math.isnan(v):
            return "empty"
    return repr(v)


def _domain_problem(d, known: Iterable[str]) -> str:
    return f"expecting one of ({', '.join(known)}). Got {_show(d)}."


def _raise_problems(head: str, problems: list[str], error: type[InputError] = InputError):
    shown = problems[:_SHOWN]
    more = f"\n  ... and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
    raise error(f"{head}: {len(problems)} problem(s):\n  " + "\n  ".join(shown) + more, problems)


@dataclass(frozen=True)
class ShockRequest:
    """One shock: a partner cut off in some domains at some intensity (immutable, hashable).

    Parameters
    ----------
    focal : ISO3 code of the state that suffers the shock.
    partner : ISO3 code or group code (``EU27``) of the partner cut off.
    domains : the domains hit (``None``: every domain with data).
    intensity : 0..1, the fraction of the partner's flows that stops.
    substitutability : overrides per domain, 0..1 (a mapping or pairs).
    year : the year of the shares (``None``: the latest per domain).
    loss_model : ``"shares"``, ``"corridors"`` or ``"max"`` (see the module docstring; default
        :data:`~equipoise.risk.lossmodel.DEFAULT_LOSS_MODEL`, ``"max"``, as everywhere).
    """

    focal: str
    partner: str
    domains: tuple[str, ...] | None = None
    intensity: float = 1.0
    substitutability: tuple[tuple[str, float], ...] = ()
    year: int | None = None
    loss_model: LossModel = DEFAULT_LOSS_MODEL

    def __post_init__(self) -> None:
        for name in ("focal", "partner"):
            if not isinstance(getattr(self, name), str):
                raise OptionError(f"{name}: expecting an ISO3 or group code. "
                                  f"Got {getattr(self, name)!r}.")
        object.__setattr__(self, "focal", self.focal.strip().upper())
        object.__setattr__(self, "partner", self.partner.strip().upper())
        if self.domains is not None:
            ds = (self.domains,) if isinstance(self.domains, str) else self.domains
            if not isinstance(ds, (list, tuple)) or not all(isinstance(d, str) for d in ds):
                raise OptionError(f"domains: expecting a list of domain names. Got {ds!r}.")
            object.__setattr__(self, "domains", tuple(d.strip() for d in ds if d.strip()) or None)
        object.__setattr__(self, "substitutability", _pairs(self.substitutability))
        object.__setattr__(self, "intensity", _unit(self.intensity, "intensity"))
        if self.year is not None and (
                not isinstance(self.year, (int, np.integer)) or isinstance(self.year, bool)
                or not YEAR_MIN <= self.year <= YEAR_MAX):
            raise OptionError(f"year: expecting a whole number in {YEAR_MIN}..{YEAR_MAX}. "
                              f"Got {self.year!r}.")
        if not isinstance(self.loss_model, str):
            raise OptionError(f"loss_model: expecting one of ('shares', 'corridors', 'max'). "
                              f"Got {self.loss_model!r}.")
        if self.focal not in reference.country_codes():
            raise UnknownCountryError(f"focal {self.focal!r} is not an ISO3 country code")
        if self.partner not in reference.known_codes() or self.partner in NON_PARTNERS:
            raise UnknownCountryError(f"partner {self.partner!r} is not an ISO3 code or a partner "
                                      "group (EU27, EAEU, ...); WLD and OTH cannot be shocked")
        if self.partner == self.focal:
            raise InputError(f"partner {self.partner!r} is the focal state itself")
        if not (0.0 <= self.intensity <= 1.0) or math.isnan(self.intensity):
            raise OptionError(f"intensity: expecting a number in 0..1. Got {self.intensity!r}.")
        known = reference.domain_list()
        for what, ds in (("domains", self.domains or ()),
                         ("substitutability", [d for d, _ in self.substitutability])):
            bad = [d for d in ds if d not in known]
            if bad:
                raise UnknownDomainError(f"{what}: unknown domain {bad[0]!r}; "
                                         + _domain_problem(bad[0], known))
        check_option("loss_model", self.loss_model, LossModel)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "shock request",
                  lines: Mapping[str, int] | None = None,
                  default_focal: str | None = None) -> ShockRequest:
        """Build from a mapping (e.g. a parsed TOML ``[shock]`` table); a wrong value raises an
        :class:`InputError` naming ``where``, the key (and its line), the value and what was
        expected. A missing ``focal`` is ``default_focal``, the caller's default
        (:func:`equipoise.context.resolve_focal`); without one it is an error."""
        if not isinstance(data, Mapping):
            raise InputError(f"{where}: expecting a table of shock settings; got "
                             f"{type(data).__name__}")
        allowed = {"focal", "partner", "domains", "intensity", "substitutability", "year",
                   "loss_model"}
        extra = sorted(set(data) - allowed)
        if extra:
            raise InputError(f"{where}: unknown key(s) {extra}; expecting some of {sorted(allowed)}")
        d = dict(data)
        if "focal" not in d and default_focal is not None:
            d["focal"] = default_focal
        missing = [k for k in ("focal", "partner") if k not in d]
        if missing:
            raise InputError(f"{where}: missing key(s) {missing}; expecting at least partner "
                             "and focal (or a default focal state from the caller: --focal)")
        try:
            return cls(**d)
        except (OptionError, InputError) as exc:
            msg = str(exc)
            key = msg.split(":", 1)[0] if msg.split(":", 1)[0] in allowed else None
            at = f", key {key!r}" + (f" (line {lines[key]})" if lines and key in lines else "") \
                if key else ""
            raise InputError(f"{where}{at}: {msg}") from None

    @classmethod
    def from_toml(cls, path: str | Path, *, default_focal: str | None = None) -> ShockRequest:
        """Read a TOML file with the keys at the top level or under ``[shock]`` (a file without
        ``focal``: ``default_focal``, the caller's)::

            [shock]
            focal = "KAZ"
            partner = "RUS"
            domains = ["energy", "corridors"]
            intensity = 1.0
            [shock.substitutability]
            energy = 0.1
        """
        from .._toml import key_lines, read_toml

        data = read_toml(path, what="shock file")
        table = "shock" if isinstance(data.get("shock"), Mapping) else None
        return cls.from_dict(data[table] if table else data, where=str(path),
                             lines=key_lines(path, table), default_focal=default_focal)


# --------------------------------------------------------------------------- inputs

def default_weights(doctrine=None) -> dict[str, float]:
    """Domain weights: the doctrine's where given, else the shipped ``domains`` table."""
    dom = reference.load("domains")
    out = dict(zip(dom["domain"], dom["weight"].astype(float), strict=True))
    if doctrine is not None:
        out = {d: float(doctrine.weight(d)) for d in out}
    return out


def default_substitutability(doctrine=None) -> dict[str, tuple[float, str]]:
    """Domain -> (substitutability, basis): the doctrine's value or the shipped assumption."""
    dom = reference.load("domains")
    out = {r.domain: (float(r.substitutability), f"domains.csv: {r.substitutability_basis}")
           for r in dom.itertuples(index=False)}
    if doctrine is not None:
        own = getattr(getattr(doctrine, "domains", None), "substitutability", {}) or {}
        for d, v in own.items():
            out[d] = (float(v), f"doctrine {getattr(doctrine, 'name', '')}".strip())
    return out


def _assessed_label(ev: Mapping[str, Any], basis: str) -> str:
    who = f", partner {ev['partner']}" if ev.get("partner") else ""
    what = ev.get("method", "measured")
    if basis != "data" and ev.get("note"):
        what = f"{what} ({ev['note']})"
    return f"assessment {basis}: {what}{who}"


def assessed_substitutability(assessment, partners: Iterable[str] | None = None
                              ) -> dict[Any, tuple[float, str]]:
    """The substitutability an assessment measured, as ``(value, basis)``:

    * ``domain`` -> the domain's own (``substitutability`` and ``substitutability_basis`` of
      :mod:`equipoise.scorecard`: the value the critical-dependency rule judged, for the
      domain's worst partner), for the domains on the ``data`` basis, labelled ``assessment
      data: <method>, partner P``; domains on the ``default`` basis are left out, so that the
      documented default keeps its own label (the same number);
    * ``(domain, partner)`` -> the same measure for each partner of ``partners`` (default:
      every partner named in any domain measured from the data) when the assessment measures
      per partner (``partner_substitutability``: the product screen, the corridor graph and the
      viable alternatives all depend on who is cut off), labelled ``assessment data: ...`` or
      ``assessment default: ...`` (the graph says nothing of a partner that is only its sink).

    Shocks and the Monte Carlo read it through :func:`substitutability_table` (``measured``),
    one mechanism for both."""
    out: dict[Any, tuple[float, str]] = {}
    doms = getattr(assessment, "domains", {})
    data = [d for d, r in doms.items() if getattr(r, "substitutability_basis", "") == "data"]
    for d in data:
        r = doms[d]
        out[d] = (float(r.substitutability),
                  _assessed_label(dict(r.substitutability_evidence or {}), "data"))
    each = getattr(assessment, "partner_substitutability", None)
    if each is None:
        return out
    if partners is None:  # every partner named in a measured domain, in each of them
        partners = sorted({p for d in data for p, v in doms[d].shares.items()
                           if p not in NON_PARTNERS and v > 0})
    for d in data:
        for p in partners:
            v, ev = each(d, p)
            out[(d, p)] = (float(v), _assessed_label(ev, ev.get("basis", "default")))
    return out


#: the kind of a substitutability basis, by the start of its label: ``data`` (measured by the
#: assessment or read from a product screen), ``default`` (the domains table, the doctrine's
#: stated value, or the assessment's fallback) or ``override`` (given with the request or the
#: call)
_KINDS = (("assessment data", "data"), ("product screen", "data"),
          ("assessment default", "default"), ("domains.csv", "default"),
          ("doctrine", "default"), ("fallback", "default"), ("override", "override"),
          ("request override", "override"))


def basis_kind(basis: str) -> str:
    """``data``, ``default`` or ``override`` for a substitutability basis label (see
    :func:`substitutability_table`)."""
    for prefix, kind in _KINDS:
        if str(basis).startswith(prefix):
            return kind
    return "default"


def substitutability_table(doctrine=None, *, measured: Mapping[Any, Any] | None = None,
                           screen: pd.DataFrame | None = None,
                           overrides: Mapping[str, Any] | None = None,
                           label: str = "override",
                           partner: str | None = None) -> dict[str, tuple[float, str]]:
    """The substitutability of every domain as ``(value, basis)``, the one table that
    :func:`shock`, :func:`loss_matrix` and the Monte Carlo read. In order of precedence (later
    wins): the documented default (the domains table, or the doctrine's stated value:
    :func:`default_substitutability`), the assessment's measure (``measured``, from
    :func:`assessed_substitutability`: its ``domain`` entries, then its ``(domain, partner)``
    entries for ``partner``), a product screen (:func:`substitutability_from_screen`), then
    ``overrides`` (numbers, labelled ``label``, or ``(value, basis)`` pairs). Every value is
    checked to lie in 0..1."""
    sub: dict[str, Any] = dict(default_substitutability(doctrine))
    meas = dict(measured or {})
    for d, v in meas.items():
        if isinstance(d, str):
            sub[d] = v if isinstance(v, tuple) else (v, "assessment data")
    if partner is not None:
        for k, v in meas.items():
            if isinstance(k, tuple) and k[1] == partner:
                sub[k[0]] = v if isinstance(v, tuple) else (v, "assessment data")
    if screen is not None:
        sub.update(substitutability_from_screen(screen))
    for d, v in (overrides or {}).items():
        sub[d] = v if isinstance(v, tuple) else (v, label)
    check_substitutability(sub)
    return {d: (float(v), str(b)) for d, (v, b) in sub.items()}


def _screen_products(screen: pd.DataFrame, label: str, cols: set, problems: list[str]):
    """A product screen of HS6 products (``product, world_export_hhi[, imports]``) as
    ``domain, world_hhi, value`` rows (domains from the shipped ``hs_domains`` table by HS
    chapter); products without a world HHI are left out and counted. Bad products are added
    to ``problems``. Returns the frame, the count left out and the two source column names."""
    hs = reference.load("hs_domains").set_index("hs_chapter")["domain"]
    prod = screen["product"].astype(str).str.strip()
    ok_p = prod.str.fullmatch(r"\d{1,6}")
    chap = prod.str.zfill(6).str[:2]
    dom = chap.map(hs)
    hhi_col, val_col = "world_export_hhi", "imports" if "imports" in cols else None
    for i in np.flatnonzero((~ok_p | (ok_p & dom.isna())).to_numpy()):
        problems.append(f"{label} row {i + 2}, column 'product': {_show(screen['product'].iat[i])}; "
                        "expecting an HS6 code whose chapter is in the hs_domains table")
        if len(problems) > 10 * _SHOWN:
            break
    # products without a world HHI (no world data) are left out and counted in the basis
    hhi_raw = screen[hhi_col]
    missing = hhi_raw.isna() | (hhi_raw.astype(str).str.strip() == "")
    frame = pd.DataFrame({"domain": dom, "world_hhi": hhi_raw,
                          "value": screen[val_col] if val_col else 1.0})[~missing]
    return frame, int(missing.sum()), hhi_col, val_col


def _screen_numbers(frame: pd.DataFrame, label: str, hhi_col: str, val_col, problems: list[str]):
    """The world HHI (0..1) and value (>= 0) columns as numbers; bad cells added to
    ``problems`` with their row (of the file: the header is line 1) and source column."""
    h = pd.to_numeric(frame["world_hhi"], errors="coerce")
    v = pd.to_numeric(frame["value"], errors="coerce")
    bad_h = h.isna() | (h < 0) | (h > 1)
    bad_v = v.isna() | (v < 0) | ~np.isfinite(v.fillna(0))
    for j in np.flatnonzero((bad_h | bad_v).to_numpy()):
        i = int(frame.index[j])
        if bad_h.iat[j]:
            problems.append(f"{label} row {i + 2}, column {hhi_col!r}: "
                            f"{_show(frame['world_hhi'].iat[j])}; expecting a number in 0..1")
        if bad_v.iat[j]:
            problems.append(f"{label} row {i + 2}, column {val_col!r}: {_show(frame['value'].iat[j])}; "
                            "expecting a finite number >= 0")
        if len(problems) > 10 * _SHOWN:
            break
    return h, v


def substitutability_from_screen(screen: pd.DataFrame) -> dict[str, tuple[float, str]]:
    """Substitutability per domain from a product screen.

    ``sigma_d = 1 - sum_k v_k H_k / sum_k v_k`` over the products ``k`` of domain ``d``, with
    ``H_k`` the world-export HHI of the product (how concentrated world supply is) and ``v_k`` the
    focal state's trade value in it. CEPII GeoDep (Lefebvre & Wibaux 2024) reads ``H_k > 0.4`` as
    hard to substitute.

    Parameters
    ----------
    screen : DataFrame with columns ``domain``, ``world_hhi`` (0..1) and ``value`` (>= 0), or
        the output of :func:`equipoise.measures.ibis_measures.screen_products` (``product``,
        ``world_export_hhi``, ``imports``; HS6 products are mapped to domains through the
        shipped ``hs_domains`` table by their HS chapter).
    """
    if not isinstance(screen, pd.DataFrame):
        raise SchemaError(f"product screen: expecting a table; got {type(screen).__name__}")
    label = str(screen.attrs.get("source", "product screen"))
    if len(screen) > MAX_TABLE_ROWS:
        raise InputError(f"{label}: {fmt_number(len(screen))} rows; expecting at most {fmt_number(MAX_TABLE_ROWS)}")
    cols = {str(c).strip() for c in screen.columns}
    native = "domain" not in cols and {"product", "world_export_hhi"} <= cols
    need = {"domain", "world_hhi", "value"}
    if not native and not need <= cols:
        raise SchemaError(f"{label}: missing column(s) {sorted(need - cols)}; expecting "
                          f"{sorted(need)} (or product, world_export_hhi[, imports]); found "
                          f"{sorted(cols)[:20]}")
    screen = screen.reset_index(drop=True).rename(columns=lambda c: str(c).strip())
    problems: list[str] = []
    skipped = 0
    if native:
        frame, skipped, hhi_col, val_col = _screen_products(screen, label, cols, problems)
    else:
        hhi_col, val_col = "world_hhi", "value"
        frame = screen[["domain", "world_hhi", "value"]]
        known_d = reference.domain_list()
        bad_d = ~frame["domain"].isin(known_d)
        for i in np.flatnonzero(bad_d.to_numpy()):
            problems.append(f"{label} row {i + 2}, column 'domain': "
                            + _domain_problem(frame["domain"].iat[i], known_d))
            if len(problems) > 10 * _SHOWN:
                break
    h, v = _screen_numbers(frame, label, hhi_col, val_col, problems)
    if problems:
        _raise_problems(label, problems)
    s = pd.DataFrame({"domain": frame["domain"], "world_hhi": h, "value": v})
    if s.empty:
        raise InputError(f"{label}: no product rows" + (f" ({skipped} without a world HHI)"
                                                         if skipped else "")
                         + "; expecting at least one row with domain, world_hhi and value")
    note = f"; {skipped} products without a world HHI left out" if skipped else ""
    out = {}
    for d, g in s.groupby("domain"):
        tot = float(g["value"].sum())
        if tot > 0:
            hh = float((g["value"] * g["world_hhi"]).sum() / tot)
            out[str(d)] = (1.0 - hh, f"product screen: 1 - value-weighted world-export HHI "
                                     f"({len(g)} products{note})")
    return out


def _check_shares(shares: pd.DataFrame) -> pd.DataFrame:
    """The shares table, checked row by row: every problem is reported together, each with the
    row (the file line when the table was read from a CSV with a header), the column, the value
    and what was expected. ``shares.attrs['source']`` names the table in messages."""
    if hasattr(shares, "data") and not isinstance(shares, pd.DataFrame):
        shares = shares.data
    if not isinstance(shares, pd.DataFrame):
        raise SchemaError(f"shares table: expecting a table (DataFrame); got {type(shares).__name__}")
    label = str(shares.attrs.get("source", "shares table"))
    need = {"domain", "partner", "share"}
    if not need <= set(shares.columns):
        raise SchemaError(f"{label}: missing column(s) {sorted(need - set(shares.columns))}; "
                          f"expecting domain, partner, share (and optionally year); found "
                          f"{[str(c) for c in shares.columns][:20]}")
    if len(shares) > MAX_TABLE_ROWS:
        raise InputError(f"{label}: {fmt_number(len(shares))} rows; expecting at most {fmt_number(MAX_TABLE_ROWS)}")
    s = shares.reset_index(drop=True).copy()
    raw = s["share"]
    s["share"] = pd.to_numeric(raw, errors="coerce")
    if "year" not in s.columns:
        s["year"] = pd.NA
    known_d = reference.domain_list()
    known_p = reference.known_codes()
    problems: list[str] = []
    dom_ok = s["domain"].isin(known_d)
    par_ok = s["partner"].isin(known_p)
    sh = s["share"]
    sh_ok = sh.notna() & (sh >= -1e-12) & (sh <= 1 + 1e-9)
    yr = pd.to_numeric(s["year"], errors="coerce")
    yr_ok = s["year"].isna() | (yr.notna() & (yr == yr.round()) & (yr >= YEAR_MIN)
                                & (yr <= YEAR_MAX))
    bad = ~(dom_ok & par_ok & sh_ok & yr_ok)
    for i in np.flatnonzero(bad.to_numpy()):
        where = f"{label} row {i + 2}"
        if not dom_ok.iat[i]:
            problems.append(f"{where}, column 'domain': "
                            + _domain_problem(s["domain"].iat[i], known_d))
        if not par_ok.iat[i]:
            problems.append(f"{where}, column 'partner': {_show(s['partner'].iat[i])} is not an ISO3 "
                            "code or a known partner group (EU27, EAEU, ..., OTH, WLD)")
        if not sh_ok.iat[i]:
            problems.append(f"{where}, column 'share': {_show(raw.iat[i])} for {s['partner'].iat[i]} "
                            f"in {s['domain'].iat[i]}; expecting a number in 0..1")
        if not yr_ok.iat[i]:
            problems.append(f"{where}, column 'year': {_show(s['year'].iat[i])}; expecting a whole "
                            f"number in {YEAR_MIN}..{YEAR_MAX} or empty")
        if len(problems) > 10 * _SHOWN:
            break
    if problems:
        _raise_problems(label, problems)
    if "year" in shares.columns:
        s["year"] = yr
    dup = s.duplicated(["domain", "partner", "year"], keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(f"{label} row {i + 2}: {s['partner'].iat[i]} in {s['domain'].iat[i]} "
                         f"repeats an earlier row ({int(dup.sum())} repeated rows); expecting one "
                         "share per domain, partner and year")
    return s


def partner_codes(partner: str, year: int | None = None) -> set[str]:
    """The codes that make up a partner: itself, plus its members for a group (in ``year``)."""
    if reference.is_group(partner):
        return {partner, *reference.expand_group(partner, year)}
    return {partner}


def loss_matrix(shares: pd.DataFrame, substitutability: Mapping[str, Any] | None = None, *,
                partners: Iterable[str] | None = None,
                by_partner: Mapping[tuple[str, str], float] | None = None) -> pd.DataFrame:
    """Partner x domain loss at full intensity: ``s_{p,d} * (1 - sigma_{p,d})`` (0 where
    absent). ``substitutability``: domain -> value or ``(value, basis)`` over the shipped
    defaults (:func:`substitutability_table`); ``by_partner``: ``(domain, partner) -> value``
    where the substitutability depends on who is cut off (the assessment's measure).

    Group partners (``EU27``) collect their members' shares. ``OTH`` and ``WLD`` are not partners.
    """
    s = _check_shares(shares)
    sub = {d: v for d, (v, _) in substitutability_table(overrides=substitutability).items()}
    domains = sorted(s["domain"].unique())
    if partners is None:
        partners = sorted(set(s["partner"]) - NON_PARTNERS)
    rows = {}
    for p in partners:
        out = []
        for d in domains:
            g = s[s["domain"] == d]
            yr = g["year"].dropna()
            year = int(yr.iloc[0]) if len(yr) else None
            share = float(g.loc[g["partner"].isin(partner_codes(p, year)), "share"].sum())
            sig = (by_partner or {}).get((d, p), sub.get(d, 0.5))
            out.append(min(1.0, share) * (1.0 - float(sig)))
        rows[p] = out
    return pd.DataFrame.from_dict(rows, orient="index", columns=domains).rename_axis("partner")


# --------------------------------------------------------------------------- result

@dataclass
class ShockResult(Result):
    """Loss by domain and in total for one :class:`ShockRequest`.

    Attributes
    ----------
    losses : dict domain -> share lost (0..1; NaN where the domain has no data).
    total : weighted mean loss over the domains with data.
    rows : DataFrame, one row per (domain, partner row) behind each number.
    corridor_losses : dict domain -> corridor-based loss (when a corridor graph was given).
    """

    request: ShockRequest
    losses: dict[str, float]
    total: float
    rows: pd.DataFrame
    weights: dict[str, float]
    substitutability: dict[str, tuple[float, str]]
    corridor_losses: dict[str, float] = field(default_factory=dict)
    corridor_rows: list[dict] = field(default_factory=list)
    model_used: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        r = self.request
        return {
            "focal": r.focal,
            "partner": r.partner,
            "intensity": r.intensity,
            "domains": list(self.losses),
            "loss_model": r.loss_model,
            "loss_model_description": self.loss_model_description,
            "losses": dict(self.losses),
            "total": self.total,
            "weights": dict(self.weights),
            "substitutability": {d: {"value": v, "basis": b, "kind": basis_kind(b)}
                                 for d, (v, b) in self.substitutability.items() if d in self.losses},
            "corridor_losses": dict(self.corridor_losses),
            "model_used": dict(self.model_used),
            "rows": self.rows.astype(object).where(self.rows.notna(), None).to_dict("records"),
            "corridor_rows": list(self.corridor_rows),
        }

    @property
    def loss_model_description(self) -> str:
        """The loss model named with its formula and the domains with a corridor loss."""
        return describe_loss_model(self.request.loss_model, list(self.corridor_losses))

    def summary(self) -> str:
        r = self.request
        lines = [f"Shock: {r.partner} cut off from {r.focal} at intensity {fmt_sig(r.intensity, 6, thousands=False)}",
                 f"  loss model {self.loss_model_description}"]
        lines.append(f"  {'domain':<11} {'loss':>7} {'share':>7} {'subst':>6} {'weight':>6}  rows")
        for d, loss in self.losses.items():
            g = self.rows[self.rows["domain"] == d]
            share = float(g["share"].sum())
            sub = self.substitutability.get(d, (float("nan"), ""))[0]
            parts = ", ".join(f"{p} {fmt_fixed(s)}" + (f" ({int(y)})" if pd.notna(y) else "")
                              for p, s, y in zip(g["partner"], g["share"], g["year"], strict=True))
            shown = "  n/a " if math.isnan(loss) else f"{fmt_share(loss):>7}"
            lines.append(f"  {d:<11} {shown:>7} {fmt_fixed(share):>7} {fmt_fixed(sub, 2):>6} {fmt_fixed(self.weights.get(d, 1), 2):>6}"
                         f"  {parts or 'no rows'}")
            if d in self.corridor_losses:
                lines.append(f"  {'':<11} corridor model: {fmt_share(self.corridor_losses[d])} of max flow "
                             f"lost; used: {self.model_used.get(d, 'shares')}")
        shown_sub = [f"{d} {fmt_fixed(v, 2)} ({b})" for d, (v, b)
                     in self.substitutability.items() if d in self.losses]
        if shown_sub:
            lines.append("  substitutability basis: " + "; ".join(shown_sub))
        lines.append(f"  total (weighted mean over {sum(1 for v in self.losses.values() if not math.isnan(v))}"
                     f" domains with data): {fmt_share(self.total)}")
        return "\n".join(lines)

    __str__ = summary

    def heading(self) -> str:
        r = self.request
        return f"Shock: {r.partner} cut off from {r.focal} at intensity {fmt_sig(r.intensity, 6, thousands=False)}"

    def compare_label(self) -> str:
        r = self.request
        return f"{r.partner} -> {r.focal} x{fmt_sig(r.intensity, 6, thousands=False)} {r.loss_model}"

    def summary_numbers(self) -> dict[str, float]:
        """The total loss, each domain's loss (``loss.energy``) and corridor-model loss
        (``corridor_loss.energy``)."""
        out = {"total": float(self.total)}
        out.update({f"loss.{d}": float(v) for d, v in self.losses.items()})
        out.update({f"corridor_loss.{d}": float(v) for d, v in self.corridor_losses.items()})
        return out

    def html_tables(self) -> list:
        rows = [{"domain": d, "loss": fmt_share(v), "weight": self.weights.get(d, 1.0),
                 "corridor model": fmt_share(self.corridor_losses.get(d)),
                 "used": self.model_used.get(d, "shares")} for d, v in self.losses.items()]
        rows.append({"domain": "total", "loss": fmt_share(self.total), "weight": None,
                     "corridor model": None, "used": ""})
        return [("Loss by domain (share lost)", pd.DataFrame(rows))]


# --------------------------------------------------------------------------- model

def shock(shares: pd.DataFrame, request: ShockRequest, *,
          substitutability: Mapping[str, float] | None = None,
          weights: Mapping[str, float] | None = None,
          doctrine=None,
          screen: pd.DataFrame | None = None,
          corridors=None,
          measured: Mapping[str, tuple[float, str]] | None = None) -> ShockResult:
    """Loss per domain and in total when ``request.partner`` is cut off.

    Parameters
    ----------
    shares
        Domain shares of the focal state: columns ``domain, partner, share`` (+ ``year``), as
        from :func:`equipoise.measures.exposure.domain_shares`.
    request
        The :class:`ShockRequest`.
    substitutability
        Domain -> 0..1 overrides (below the request's own overrides).
    weights
        Domain weights (default: the doctrine's, else the shipped ``domains`` table).
    doctrine
        A :class:`~equipoise.doctrine.model.Doctrine` supplying weights and substitutability.
    screen
        A product screen (``domain, world_hhi, value``) for data-based substitutability.
    corridors
        A :class:`~equipoise.risk.corridors.CorridorGraph` for the corridor-based loss.
    measured
        Domain -> ``(value, basis)``: the substitutability an assessment measured
        (:func:`assessed_substitutability`), over the documented defaults and below a screen
        and the overrides (:func:`substitutability_table`).

    Notes
    -----
    ``L_d = i * s_{p,d} * (1 - sigma_d)`` (Keohane & Nye 1977: vulnerability after
    substitution); total ``sum_d w_d L_d / sum_d w_d``.
    """
    s = _check_shares(shares)
    if s.empty:
        raise NoDataError(f"no shares for {request.focal}")
    r = request
    sub, w = _shock_settings(r, doctrine, screen, substitutability, weights, measured)
    present = sorted(s["domain"].unique())
    hit = list(r.domains) if r.domains else present
    if r.year is not None and s["year"].notna().any():
        s = s[s["year"] == r.year]
        if s.empty:
            raise NoDataError(f"{r.focal}: no shares in {r.year}")
        present = sorted(s["domain"].unique())
    losses, rows = _shares_losses(s, r, hit, sub)
    closs, crows, used = {}, [], {}
    if corridors is not None:
        closs, crows = _corridor_losses(corridors, r, [d for d in hit if d in losses])
    for d in list(losses):
        wins = d in closs and corridor_wins(losses[d], closs[d], r.loss_model)
        used[d] = "corridors" if wins else "shares"
        if d in closs:
            losses[d] = combine_losses(losses[d], closs[d], r.loss_model)
    if r.loss_model == "corridors" and corridors is None:
        raise OptionError("loss_model 'corridors' needs a corridor graph")
    tot_domains = sorted(set(present) | {d for d, v in losses.items() if not math.isnan(v)})
    num = sum(w.get(d, 1.0) * (0.0 if math.isnan(losses.get(d, 0.0)) else losses.get(d, 0.0))
              for d in tot_domains)
    den = sum(w.get(d, 1.0) for d in tot_domains)
    total = num / den if den > 0 else float("nan")
    cols = ["domain", "partner", "share", "year", "substitutability", "substitutability_basis",
            "intensity", "loss"]
    return ShockResult(r, losses, total, pd.DataFrame(rows, columns=cols),
                       {d: w.get(d, 1.0) for d in tot_domains}, sub, closs, crows, used)


def _shock_settings(r: ShockRequest, doctrine, screen, substitutability, weights,
                    measured=None):
    """Substitutability per domain as ``(value, basis)`` (:func:`substitutability_table`:
    shipped or doctrine, the assessment's measure, a product screen, the overrides, then the
    request's) and the domain weights, checked."""
    over = {d: (v, "override") for d, v in (substitutability or {}).items()}
    over.update({d: (float(v), "request override") for d, v in r.substitutability})
    sub = substitutability_table(doctrine, measured=measured, screen=screen, overrides=over,
                                 partner=r.partner)
    w = default_weights(doctrine)
    w.update(dict(weights or {}))
    check_weights(w)
    return sub, {d: float(v) for d, v in w.items()}


def _shares_losses(s: pd.DataFrame, r: ShockRequest, hit: list[str], sub: dict):
    """The shares-model loss of each domain hit, ``i * share * (1 - sigma)``, and the partner
    rows behind it; a domain without shares gets NaN and a warning (pointing at the caller of
    :func:`shock`)."""
    losses: dict[str, float] = {}
    rows = []
    for d in hit:
        g = s[s["domain"] == d]
        if g.empty:
            warnings.warn(f"{r.focal}: no shares in domain {d!r}; its loss is left out",
                          MissingPartnerDataWarning, stacklevel=3)
            losses[d] = float("nan")
            continue
        yr = g["year"].dropna()
        year = int(yr.iloc[0]) if len(yr) else None
        codes = partner_codes(r.partner, year)
        mine = g[g["partner"].isin(codes)]
        share = min(1.0, float(mine["share"].sum()))
        sd, basis = sub.get(d, (0.5, "fallback 0.5: domain not in the domains table"))
        losses[d] = r.intensity * share * (1.0 - sd)
        for m in mine.itertuples(index=False):
            rows.append({"domain": d, "partner": m.partner, "share": float(m.share),
                         "year": None if pd.isna(m.year) else int(m.year),
                         "substitutability": sd, "substitutability_basis": basis,
                         "intensity": r.intensity,
                         "loss": r.intensity * float(m.share) * (1.0 - sd)})
    return losses, rows


def _corridor_losses(graph, r: ShockRequest, domains: list[str]):
    """Corridor-model loss of each domain with a usable flow system when ``r.partner``'s
    countries are cut off (the mean over the domain's systems, times the intensity)."""
    from .corridors import corridor_loss

    vals: dict[str, list[float]] = {}
    rows = []
    countries = sorted(partner_codes(r.partner) - set(reference.group_codes()))
    for d, srow, sinks in usable_systems(graph, domains):
        frac = corridor_loss(graph, srow.source, sinks, countries)
        vals.setdefault(d, []).append(frac)
        rows.append({"domain": d, "system": srow.system, "source": srow.source,
                     "sinks": sinks, "removed": countries, "fraction_lost": frac})
    return {d: r.intensity * float(np.mean(v)) for d, v in vals.items()}, rows
