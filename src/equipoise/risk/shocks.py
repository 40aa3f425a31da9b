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
``i * (1 - maxflow(G - V_p) / maxflow(G))``, averaged over the shipped flow systems of that
domain (``reference/corridors/<focal>_systems.csv``). ``loss_model`` chooses ``"shares"``,
``"corridors"`` (where a corridor system exists) or ``"max"`` (the larger of the two).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .. import reference
from .._options import check_option
from ..errors import (
    InputError,
    MissingPartnerDataWarning,
    NoDataError,
    OptionError,
    SchemaError,
    UnknownCountryError,
    UnknownDomainError,
)

__all__ = [
    "LossModel",
    "ShockRequest",
    "ShockResult",
    "default_substitutability",
    "default_weights",
    "loss_matrix",
    "partner_codes",
    "shock",
    "substitutability_from_screen",
]

LossModel = Literal["shares", "corridors", "max"]
NON_PARTNERS = frozenset({"WLD", "OTH"})


def _pairs(value: Mapping[str, float] | Iterable[tuple[str, float]] | None) -> tuple:
    if not value:
        return ()
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(k), float(v)) for k, v in items))


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
    loss_model : ``"shares"``, ``"corridors"`` or ``"max"`` (see the module docstring).
    """

    focal: str
    partner: str
    domains: tuple[str, ...] | None = None
    intensity: float = 1.0
    substitutability: tuple[tuple[str, float], ...] = ()
    year: int | None = None
    loss_model: LossModel = "shares"

    def __post_init__(self) -> None:
        object.__setattr__(self, "focal", str(self.focal).strip().upper())
        object.__setattr__(self, "partner", str(self.partner).strip().upper())
        if self.domains is not None:
            ds = (self.domains,) if isinstance(self.domains, str) else tuple(self.domains)
            object.__setattr__(self, "domains", tuple(d.strip() for d in ds if d.strip()) or None)
        object.__setattr__(self, "substitutability", _pairs(self.substitutability))
        object.__setattr__(self, "intensity", float(self.intensity))
        if self.focal not in reference.country_codes():
            raise UnknownCountryError(f"focal {self.focal!r} is not an ISO3 country code")
        if self.partner not in reference.known_codes() or self.partner in NON_PARTNERS:
            raise UnknownCountryError(f"partner {self.partner!r} is not an ISO3 code or a partner "
                                      "group (EU27, EAEU, ...); WLD and OTH cannot be shocked")
        if self.partner == self.focal:
            raise InputError(f"partner {self.partner!r} is the focal state itself")
        if not (0.0 <= self.intensity <= 1.0) or math.isnan(self.intensity):
            raise OptionError(f"intensity: expecting a number in 0..1. Got {self.intensity!r}.")
        known = set(reference.domain_list())
        bad = [d for d in (self.domains or ()) if d not in known]
        bad += [d for d, _ in self.substitutability if d not in known]
        if bad:
            raise UnknownDomainError(f"unknown domain(s) {bad}; expecting some of {sorted(known)}")
        for d, v in self.substitutability:
            if not 0.0 <= v <= 1.0:
                raise OptionError(f"substitutability of {d}: expecting a number in 0..1. Got {v!r}.")
        check_option("loss_model", self.loss_model, LossModel)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "shock request") -> ShockRequest:
        """Build from a mapping (e.g. a parsed TOML ``[shock]`` table)."""
        allowed = {"focal", "partner", "domains", "intensity", "substitutability", "year",
                   "loss_model"}
        extra = sorted(set(data) - allowed)
        if extra:
            raise InputError(f"{where}: unknown key(s) {extra}; expecting some of {sorted(allowed)}")
        missing = [k for k in ("focal", "partner") if k not in data]
        if missing:
            raise InputError(f"{where}: missing key(s) {missing}")
        return cls(**dict(data))

    @classmethod
    def from_toml(cls, path: str | Path) -> ShockRequest:
        """Read a TOML file with the keys at the top level or under ``[shock]``::

            [shock]
            focal = "KAZ"
            partner = "RUS"
            domains = ["energy", "corridors"]
            intensity = 1.0
            [shock.substitutability]
            energy = 0.1
        """
        from .._toml import read_toml

        data = read_toml(path, what="shock file")
        return cls.from_dict(data.get("shock", data), where=str(path))


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
    if "domain" not in screen.columns and {"product", "world_export_hhi"} <= set(screen.columns):
        hs = reference.load("hs_domains").set_index("hs_chapter")["domain"]
        prod = screen["product"].astype(str).str.zfill(6).str[:2]
        screen = pd.DataFrame({"domain": prod.map(hs), "world_hhi": screen["world_export_hhi"],
                               "value": screen["imports"] if "imports" in screen.columns
                               else 1.0})
    need = {"domain", "world_hhi", "value"}
    if not need <= set(screen.columns):
        raise SchemaError(f"product screen: missing column(s) {sorted(need - set(screen.columns))}; "
                          f"expecting {sorted(need)}")
    s = screen[["domain", "world_hhi", "value"]].dropna()
    bad = s[(s["world_hhi"] < 0) | (s["world_hhi"] > 1) | (s["value"] < 0)]
    if len(bad):
        r = bad.iloc[0]
        raise InputError(f"product screen: world_hhi {r['world_hhi']!r} / value {r['value']!r} in "
                         f"domain {r['domain']!r}; expecting world_hhi in 0..1 and value >= 0")
    out = {}
    for d, g in s.groupby("domain"):
        tot = float(g["value"].sum())
        if tot > 0:
            h = float((g["value"] * g["world_hhi"]).sum() / tot)
            out[str(d)] = (1.0 - h, f"product screen: 1 - value-weighted world-export HHI "
                                    f"({len(g)} products)")
    return out


def _check_shares(shares: pd.DataFrame) -> pd.DataFrame:
    if hasattr(shares, "data") and not isinstance(shares, pd.DataFrame):
        shares = shares.data
    need = {"domain", "partner", "share"}
    if not need <= set(shares.columns):
        raise SchemaError(f"shares table: missing column(s) {sorted(need - set(shares.columns))}; "
                          f"expecting domain, partner, share (and optionally year)")
    s = shares.copy()
    s["share"] = pd.to_numeric(s["share"], errors="coerce")
    bad = s[s["share"].isna() | (s["share"] < -1e-12) | (s["share"] > 1 + 1e-9)]
    if len(bad):
        r = bad.iloc[0]
        raise InputError(f"shares table row {int(bad.index[0]) + 2}: share {r['share']!r} for "
                         f"{r['partner']} in {r['domain']}; expecting a number in 0..1")
    if "year" not in s.columns:
        s["year"] = pd.NA
    return s


def partner_codes(partner: str, year: int | None = None) -> set[str]:
    """The codes that make up a partner: itself, plus its members for a group (in ``year``)."""
    if reference.is_group(partner):
        return {partner, *reference.expand_group(partner, year)}
    return {partner}


def loss_matrix(shares: pd.DataFrame, substitutability: Mapping[str, float] | None = None, *,
                partners: Iterable[str] | None = None) -> pd.DataFrame:
    """Partner x domain loss at full intensity: ``s_{p,d} * (1 - sigma_d)`` (0 where absent).

    Group partners (``EU27``) collect their members' shares. ``OTH`` and ``WLD`` are not partners.
    """
    s = _check_shares(shares)
    sub = {d: v for d, (v, _) in default_substitutability().items()}
    sub.update(dict(substitutability or {}))
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
            out.append(min(1.0, share) * (1.0 - float(sub.get(d, 0.5))))
        rows[p] = out
    return pd.DataFrame.from_dict(rows, orient="index", columns=domains).rename_axis("partner")


# --------------------------------------------------------------------------- result

@dataclass
class ShockResult:
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
            "losses": dict(self.losses),
            "total": self.total,
            "weights": dict(self.weights),
            "substitutability": {d: {"value": v, "basis": b}
                                 for d, (v, b) in self.substitutability.items() if d in self.losses},
            "corridor_losses": dict(self.corridor_losses),
            "model_used": dict(self.model_used),
            "rows": self.rows.astype(object).where(self.rows.notna(), None).to_dict("records"),
            "corridor_rows": list(self.corridor_rows),
        }

    def summary(self) -> str:
        r = self.request
        lines = [f"Shock: {r.partner} cut off from {r.focal} at intensity {r.intensity:g} "
                 f"(loss = intensity x share x (1 - substitutability); model {r.loss_model})"]
        lines.append(f"  {'domain':<11} {'loss':>7} {'share':>7} {'subst':>6} {'weight':>6}  rows")
        for d, loss in self.losses.items():
            g = self.rows[self.rows["domain"] == d]
            share = float(g["share"].sum())
            sub = self.substitutability.get(d, (float("nan"), ""))[0]
            parts = ", ".join(f"{p} {s:.3f}" + (f" ({int(y)})" if pd.notna(y) else "")
                              for p, s, y in zip(g["partner"], g["share"], g["year"], strict=True))
            shown = "  n/a " if math.isnan(loss) else f"{loss:7.1%}"
            lines.append(f"  {d:<11} {shown:>7} {share:7.3f} {sub:6.2f} {self.weights.get(d, 1):6.2f}"
                         f"  {parts or 'no rows'}")
            if d in self.corridor_losses:
                lines.append(f"  {'':<11} corridor model: {self.corridor_losses[d]:.1%} of max flow "
                             f"lost; used: {self.model_used.get(d, 'shares')}")
        lines.append(f"  total (weighted mean over {sum(1 for v in self.losses.values() if not math.isnan(v))}"
                     f" domains with data): {self.total:.1%}")
        return "\n".join(lines)

    __str__ = summary

    def _repr_html_(self) -> str:
        import html

        body = "".join(f"<tr><td>{html.escape(d)}</td><td>{v:.1%}</td></tr>"
                       for d, v in self.losses.items() if not math.isnan(v))
        return (f"<div><b>{html.escape(self.request.partner)} cut off from "
                f"{html.escape(self.request.focal)}</b><table><tr><th>domain</th><th>loss</th></tr>"
                f"{body}<tr><td><b>total</b></td><td><b>{self.total:.1%}</b></td></tr></table></div>")


# --------------------------------------------------------------------------- model

def shock(shares: pd.DataFrame, request: ShockRequest, *,
          substitutability: Mapping[str, float] | None = None,
          weights: Mapping[str, float] | None = None,
          doctrine=None,
          screen: pd.DataFrame | None = None,
          corridors=None) -> ShockResult:
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

    Notes
    -----
    ``L_d = i * s_{p,d} * (1 - sigma_d)`` (Keohane & Nye 1977: vulnerability after
    substitution); total ``sum_d w_d L_d / sum_d w_d``.
    """
    s = _check_shares(shares)
    if s.empty:
        raise NoDataError(f"no shares for {request.focal}")
    r = request
    sub = default_substitutability(doctrine)
    if screen is not None:
        sub.update(substitutability_from_screen(screen))
    for d, v in (substitutability or {}).items():
        sub[d] = (float(v), "override")
    for d, v in r.substitutability:
        sub[d] = (float(v), "request override")
    w = default_weights(doctrine)
    w.update({d: float(v) for d, v in (weights or {}).items()})
    present = sorted(s["domain"].unique())
    hit = list(r.domains) if r.domains else present
    if r.year is not None and s["year"].notna().any():
        s = s[s["year"] == r.year]
        if s.empty:
            raise NoDataError(f"{r.focal}: no shares in {r.year}")
        present = sorted(s["domain"].unique())
    losses: dict[str, float] = {}
    rows = []
    for d in hit:
        g = s[s["domain"] == d]
        if g.empty:
            warnings.warn(f"{r.focal}: no shares in domain {d!r}; its loss is left out",
                          MissingPartnerDataWarning, stacklevel=2)
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
    closs, crows, used = {}, [], {}
    if corridors is not None:
        closs, crows = _corridor_losses(corridors, r, [d for d in hit if d in losses])
    for d in list(losses):
        used[d] = "shares"
        if d in closs and r.loss_model != "shares":
            c = closs[d]
            base = losses[d]
            if r.loss_model == "corridors" or math.isnan(base) or c > base:
                losses[d] = c
                used[d] = "corridors"
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


def _corridor_losses(graph, r: ShockRequest, domains: list[str]):
    from .corridors import corridor_loss, load_systems

    systems = load_systems(r.focal)
    out, rows = {}, []
    countries = sorted(partner_codes(r.partner) - set(reference.group_codes()))
    for d in domains:
        sys_d = systems[systems["domain"] == d]
        vals = []
        for srow in sys_d.itertuples(index=False):
            sinks = srow.sinks.split(";")
            if srow.source not in graph.country_of or any(k not in graph.country_of for k in sinks):
                continue
            frac = corridor_loss(graph, srow.source, sinks, countries)
            vals.append(frac)
            rows.append({"domain": d, "system": srow.system, "source": srow.source,
                         "sinks": sinks, "removed": countries, "fraction_lost": frac})
        if vals:
            out[d] = r.intensity * float(np.mean(vals))
    return out, rows
