"""The functional-balance assessment of one focal state: concentration and critical dependency
per domain, functional distinctness, equidistance, predictability, and the doctrine's rules."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import reference
from ._results import RichSummary
from .measures.concentration import effective_partners, hhi, hhi_normalised

__all__ = ["Assessment", "DomainResult", "assess"]


@dataclass
class DomainResult:
    """Concentration and dependency of one domain in one year.

    ``shares`` are by partner code exactly as in the data, plus ``OTH`` (the remainder against the
    reporter's WLD total, where one exists). ``hhi`` treats OTH as fragmented (a lower bound);
    ``hhi_upper`` counts it as one partner.

    The critical-dependency screen looks at the domain composite and at each indicator
    (``screen``); ``screen_share`` is the largest top-partner share among them and
    ``critical_items`` the entries at or above the threshold when substitutability is low.
    """

    domain: str
    year: int
    shares: dict[str, float]
    indicators: list[str]
    indicator_years: dict[str, int]
    hhi: float
    hhi_10000: float
    hhi_normalised: float
    hhi_upper: float
    effective_partners: float
    n_partners: int
    top_partner: str | None
    top_share: float
    substitutability: float
    critical: bool
    margins: dict[str, float]
    screen_share: float = float("nan")
    screen: list = field(default_factory=list)
    critical_items: list = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    rows: int = 0

    def evidence(self) -> dict:
        return {"domain": self.domain, "year": self.year, "shares": self.shares,
                "screen": self.screen,
                "indicator_years": self.indicator_years, "sources": self.sources,
                "rows": self.rows}

    def to_dict(self) -> dict:
        return {
            "year": self.year, "shares": self.shares, "indicators": self.indicators,
            "indicator_years": self.indicator_years,
            "hhi": self.hhi, "hhi_10000": self.hhi_10000, "hhi_normalised": self.hhi_normalised,
            "hhi_upper": self.hhi_upper, "effective_partners": self.effective_partners,
            "n_partners": self.n_partners, "top_partner": self.top_partner,
            "top_share": self.top_share, "substitutability": self.substitutability,
            "critical": self.critical, "critical_items": self.critical_items,
            "screen_share": self.screen_share, "screen": self.screen,
            "margins": self.margins, "sources": self.sources,
            "rows": self.rows,
        }


@dataclass(repr=False)
class Assessment(RichSummary):
    """Result of :func:`assess`. ``to_dict()`` is what ``equipoise assess --json`` prints."""

    summary_width = 120

    focal: str
    doctrine: Any
    domains: dict[str, DomainResult]
    distinctness: dict
    equidistance: dict
    predictability: dict
    blocs: dict
    notes: list[str]
    rules: list = field(default_factory=list)
    extras: dict = field(default_factory=dict)

    # -- views ---------------------------------------------------------------------------------
    @property
    def matrix(self) -> pd.DataFrame:
        """Partner x domain share matrix (0 where a partner has no share)."""
        recs = [(p, d, s) for d, r in self.domains.items() for p, s in r.shares.items()]
        df = pd.DataFrame(recs, columns=["partner", "domain", "share"])
        return df.pivot_table(index="partner", columns="domain", values="share",
                              aggfunc="sum", fill_value=0.0)

    @property
    def scorecard(self) -> pd.DataFrame:
        return pd.DataFrame([{"domain": d, **{k: v for k, v in r.to_dict().items()
                                              if k not in ("shares", "margins", "sources",
                                                           "indicators")}}
                             for d, r in self.domains.items()]).set_index("domain")

    @property
    def failed_rules(self) -> list:
        return [r for r in self.rules if not r.passed]

    def to_dict(self) -> dict:
        out = {
            "focal": self.focal,
            "doctrine": {"name": self.doctrine.name, "poles": self.doctrine.poles,
                         "roles": self.doctrine.roles,
                         "thresholds": self.doctrine.thresholds.model_dump()},
            "domains": {d: r.to_dict() for d, r in self.domains.items()},
            "distinctness": self.distinctness,
            "equidistance": self.equidistance,
            "predictability": self.predictability,
            "blocs": self.blocs,
            "rules": [r.to_dict() for r in self.rules],
            "notes": self.notes,
        }
        for key, value in self.extras.items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = {**out[key], **value}
            else:
                out[key] = value
        return reference_evidence(out)


    def renderables(self) -> list:
        from rich.table import Table

        out: list = []
        t = Table(title=f"equipoise assessment: {self.focal} ({self.doctrine.name})")
        for col in ("domain", "year", "top partner", "top share", "HHI", "eff. partners",
                    "lead pole", "role", "critical"):
            t.add_column(col, justify="right" if col not in ("domain", "top partner", "lead pole",
                                                              "role") else "left")
        leaders = self.distinctness["leaders"]
        for d, r in self.domains.items():
            t.add_row(d, str(r.year), str(r.top_partner), f"{r.top_share:.1%}", f"{r.hhi:.3f}",
                      f"{r.effective_partners:.2f}", str(leaders.get(d) or "-"),
                      str(self.doctrine.role_of(d) or "-"), _critical_cell(r))
        out.append(t)
        dz = self.distinctness
        out.append(f"Domains led: {dz['domains_led']}; squeezed: "
                   f"{[s['domain'] for s in dz['squeezed']] or 'none'}; specialisation (NMI): "
                   f"{_fmt(dz['specialisation_nmi'])}")
        eq = self.equidistance
        if eq.get("agreement"):
            agree = ", ".join(f"{p} {v:.2f}" for p, v in eq["agreement"].items())
            out.append(f"Equidistance ({eq.get('measure')}, {eq.get('period')}): {agree}; "
                       f"spread {_fmt(eq.get('spread'))}"
                       + (f" [{eq['spread_lower']:.2f}, {eq['spread_upper']:.2f}]"
                          if eq.get("spread_lower") is not None else ""))
        eng = self.extras.get("engagement", {}).get("window")
        if eng:
            parts = [f"{k} " + ", ".join(f"{p} {v:.0%}" for p, v in eng[k]["shares"].items())
                     for k in ("visits", "agreements", "value_usd") if k in eng]
            out.append(f"Engagement {eng.get('period')}: " + "; ".join(parts))
        r = Table(title="Doctrine rules")
        for col in ("rule", "passed", "margin", "value"):
            r.add_column(col)
        for rule in self.rules:
            r.add_row(rule.name, "pass" if rule.passed else "FAIL", _fmt(rule.margin),
                      _short(rule.value))
        out.append(r)
        out.extend(self.notes)
        return out

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(d)}</td><td>{r.year}</td><td>{html.escape(str(r.top_partner))}"
            f"</td><td>{r.top_share:.1%}</td><td>{r.hhi:.3f}</td>"
            f"<td>{html.escape(_critical_cell(r))}</td></tr>"
            for d, r in self.domains.items())
        rules = "".join(
            f"<tr><td>{html.escape(x.name)}</td><td>{'pass' if x.passed else 'FAIL'}</td>"
            f"<td>{_fmt(x.margin)}</td></tr>" for x in self.rules)
        return (f"<h4>equipoise assessment: {html.escape(self.focal)}</h4><table><tr><th>domain"
                f"</th><th>year</th><th>top partner</th><th>top share</th><th>HHI</th><th>critical"
                f"</th></tr>{rows}</table><table><tr><th>rule</th><th>passed</th><th>margin</th>"
                f"</tr>{rules}</table>")




def _fmt(x) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return "-" if math.isnan(x) else f"{x:+.3f}" if abs(x) < 100 else f"{x:,.0f}"
    return str(x)


def _critical_cell(r: DomainResult) -> str:
    if not r.critical:
        return "no"
    worst = max(r.critical_items, key=lambda x: x["share"])
    return f"YES: {worst['partner']} {worst['share']:.0%} in {worst['indicator']}"


def _short(v) -> str:
    if isinstance(v, float):
        return _fmt(v)
    if isinstance(v, dict):
        v = ", ".join(f"{k}={_fmt(x) if isinstance(x, float) else x}" for k, x in v.items())
    s = str(v)
    return s if len(s) <= 60 else s[:57] + "..."


def _domain_result(domain: str, year: int, g: pd.DataFrame, doctrine, ishares: pd.DataFrame,
                   flows: pd.DataFrame, focal: str) -> DomainResult:
    shares = {p: float(s) for p, s in zip(g["partner"], g["share"], strict=True) if s > 0}
    named = {p: s for p, s in shares.items() if p != "OTH"}
    h = hhi(named.values()) if named else float("nan")
    h_up = hhi(shares.values()) if shares else float("nan")
    top = max(named.items(), key=lambda kv: kv[1], default=(None, 0.0))
    subst = doctrine.substitutability(domain)
    t = doctrine.thresholds
    ind_years = {k: int(v) for k, v in (x.split(":") for x in g["indicator_years"].iat[0].split(";"))}
    inds = sorted(ind_years)
    used = ishares[ishares["domain"] == domain]
    windows = dict(zip(used["indicator"], used["window"], strict=False))
    mask = (flows["reporter"] == focal) & flows["indicator"].isin(inds)
    yrs = flows["year"]
    win_mask = np.zeros(len(flows), dtype=bool)
    for ind, iy in ind_years.items():
        w = int(windows.get(ind, 1))
        win_mask |= ((flows["indicator"] == ind) & (yrs > iy - w) & (yrs <= iy)).to_numpy()
    rows = flows[mask.to_numpy() & win_mask]
    # Screen each indicator as well as the composite (as the EU/CEPII screen works per product
    # and rolls up): an indicator counts when its shares are against a known WLD total or have
    # at least two partners (one partner against their own sum is 100 % by construction).
    screened = []
    for ind, iy in ind_years.items():
        x = ishares[(ishares["indicator"] == ind) & (ishares["year"] == iy)
                    & (ishares["partner"] != "OTH")]
        if x.empty or (x["basis"].iat[0] != "WLD" and len(x) < 2):
            continue
        best = x.loc[x["share"].idxmax()]
        screened.append({"indicator": ind, "year": iy, "partner": best["partner"],
                         "share": float(best["share"]), "basis": best["basis"]})
    screen = [{"indicator": "(domain composite)", "year": int(year), "partner": top[0],
               "share": float(top[1]), "basis": "weighted mean"}, *screened]
    worst = max(screen, key=lambda r: r["share"])
    critical = bool(worst["share"] >= t.critical_share and subst <= t.low_substitutability)
    critical_items = [r for r in screen if r["share"] >= t.critical_share]
    return DomainResult(
        domain=domain, year=int(year), shares=dict(sorted(shares.items(), key=lambda kv: -kv[1])),
        indicators=inds, indicator_years=ind_years, hhi=h, hhi_10000=h * 1e4, hhi_normalised=hhi_normalised(h, len(named)),
        hhi_upper=h_up, effective_partners=effective_partners(h), n_partners=len(named),
        top_partner=top[0], top_share=float(top[1]), substitutability=subst, critical=critical,
        screen_share=float(worst["share"]), screen=screen,
        critical_items=critical_items if subst <= t.low_substitutability else [],
        margins={"critical_share": float(worst["share"] - t.critical_share),
                 "low_substitutability": float(t.low_substitutability - subst),
                 "hhi": float(h - t.hhi)},
        sources=sorted(rows["source"].unique().tolist()), rows=len(rows))


def _equidistance(flows: pd.DataFrame, focal: str, poles: list[str]) -> dict:
    """Agreement with each pole from ``political.unga.agreement`` rows, latest common year."""
    df = flows[(flows["reporter"] == focal) & (flows["indicator"] == "political.unga.agreement")
               & flows["partner"].isin(poles)]
    if df.empty:
        return {"measure": "agree", "period": None, "agreement": {}, "spread": None,
                "note": "no political.unga.agreement rows for the focal state"}
    counts = df.groupby("year")["partner"].nunique()
    full = counts[counts == counts.max()]
    year = int(full.index.max())
    sel = df[df["year"] == year]
    agreement = {p: float(v) for p, v in zip(sel["partner"], sel["value"], strict=True)}
    agreement = {p: agreement[p] for p in poles if p in agreement}
    vals = list(agreement.values())
    return {"measure": "agree", "period": year, "agreement": agreement,
            "spread": float(max(vals) - min(vals)) if len(vals) > 1 else None,
            "missing_poles": [p for p in poles if p not in agreement],
            "sources": sorted(sel["source"].unique().tolist())}


def assess(flows=None, *, focal: str | None = None, year: int | None = None, doctrine=None,
           weights: Mapping[str, float] | None = None, votes=None, engagement: bool = True,
           events=None, idealpoints=None) -> Assessment:
    """Assess a focal state's relations against its doctrine of functional balance.

    Parameters
    ----------
    flows
        A :class:`~equipoise.io.flows.FlowSet` or canonical flows DataFrame; the embedded default
        (Kazakhstan) when None.
    focal
        ISO3 code; the doctrine's focal state when None.
    year
        One year for every domain; None uses each domain's latest year with data (stated in
        ``notes``).
    doctrine
        A :class:`~equipoise.doctrine.model.Doctrine`, a path to a TOML file, or None for the
        shipped default (applied to ``focal`` if another state is given).
    weights
        Indicator weights overriding the indicators table.
    votes
        UN General Assembly roll calls (a file or folder in the unvotes or Voeten layout, or a
        ``VoteSet``). With them, equidistance is computed from the roll calls with bootstrap
        intervals (:func:`equipoise.measures.alignment.assessment_equidistance`); without them,
        from the ``political.unga.agreement`` rows of the flows.
    engagement, events
        Add the engagement balance across poles (visits, agreements, agreement value) from
        ``events`` (a ledger CSV or DataFrame; default: the embedded ledger of the focal state,
        where one exists).
    """
    from .doctrine.model import Doctrine, load_doctrine
    from .doctrine.rules import check_rules, membership_check
    from .measures.distinctness import (
        leaders,
        normalised_mutual_information,
        pole_matrix,
        squeezed,
    )
    from .measures.exposure import _combine, domain_shares, indicator_shares
    from .measures.predictability import share_volatility

    if doctrine is None or not isinstance(doctrine, Doctrine):
        doctrine = load_doctrine(doctrine, focal=focal)
    elif focal is not None and focal != doctrine.focal:
        doctrine = doctrine.model_copy(update={"focal": focal})
    focal = doctrine.focal
    if flows is None:
        from .datasets import load_default

        flows = load_default(focal)
    frame = flows.data if hasattr(flows, "data") else flows
    ishares = indicator_shares(frame, focal)
    series = _combine(ishares, weights)
    current = domain_shares(frame, focal, year=year, series=series)
    notes = []
    domains: dict[str, DomainResult] = {}
    order = {d: i for i, d in enumerate(reference.domain_list())}
    for domain, g in sorted(current.groupby("domain"), key=lambda kv: order.get(kv[0], 99)):
        y = int(g["year"].iat[0])
        domains[domain] = _domain_result(domain, y, g, doctrine, ishares, frame, focal)
        iy = domains[domain].indicator_years
        notes.append(f"{domain}: year {y} ({'as requested' if year else 'latest with data'}); "
                     f"indicators {', '.join(f'{k} ({v})' for k, v in iy.items())}")
    missing = [d for d in order if d not in domains]
    if missing:
        notes.append(f"no data for domain(s): {', '.join(missing)}")
    years = {d: r.year for d, r in domains.items()}
    functional = [d for d in domains if d in doctrine.domains.functional]
    pm = pole_matrix({d: domains[d].shares for d in functional}, years, doctrine.poles)
    lead = leaders(pm)
    led = {p: sum(1 for v in lead.values() if v == p) for p in doctrine.poles}
    mat = np.array([[pm[d][p] for d in pm] for p in doctrine.poles]) if pm else np.zeros((0, 0))
    distinctness = {
        "leaders": lead, "domains_led": led,
        "squeezed": squeezed(pm, doctrine.thresholds.squeeze_share),
        "specialisation_nmi": normalised_mutual_information(mat) if mat.size else float("nan"),
        "specialisation_definition": "normalised mutual information I(P;D)/sqrt(H(P)H(D)) of the "
        "pole x domain share matrix (Strehl & Ghosh 2002); 1 = each pole in its own domains",
        "pole_shares": pm,
    }
    if votes is not None:
        from .measures.alignment import assessment_equidistance

        equi = assessment_equidistance(focal, doctrine.poles, votes=votes, idealpoints=idealpoints)
    else:
        equi = _equidistance(frame, focal, doctrine.poles)
    extras = {}
    if engagement:
        from .errors import EquipoiseError
        from .measures.engagement import engagement_summary

        try:
            extras["engagement"] = engagement_summary(focal, doctrine.poles, events=events)
        except (EquipoiseError, FileNotFoundError) as exc:
            notes.append(f"engagement: not available ({exc})")
    volatility = share_volatility(series, ishares, weights=weights)
    a = Assessment(focal=focal, doctrine=doctrine, domains=domains, distinctness=distinctness,
                   equidistance=equi, predictability=volatility,
                   blocs=membership_check(doctrine), notes=notes, extras=extras)
    a.rules = check_rules(a)
    from .doctrine.check import attach

    return attach(a, frame)


EVIDENCE_SAMPLE = 20
"""Source rows shown inline per rule in :meth:`Assessment.to_dict`; all are in
``evidence_rows`` and referenced by ``source_row_ids``."""


def display_path(path) -> str:
    """A file name fit for output: a shipped file as ``equipoise:<path in the package>``, a
    file under the working folder relative to it, anything else as given."""
    from pathlib import Path

    if not isinstance(path, str) or not path:
        return path
    p = Path(path)
    if not p.is_absolute():
        return path
    pkg = Path(__file__).resolve().parent
    for base, prefix in ((pkg, "equipoise:"), (Path.cwd(), "")):
        try:
            return prefix + p.resolve().relative_to(base).as_posix()
        except (ValueError, OSError):
            continue
    return path


def reference_evidence(out: dict) -> dict:
    """Replace the source rows repeated in each doctrine rule's evidence by references.

    Every distinct source row is listed once in ``out["evidence_rows"]`` (a list of row
    records); each rule's evidence keeps ``source_rows`` as the first :data:`EVIDENCE_SAMPLE`
    rows (the old shape, for a quick look) and adds ``source_row_ids`` (indices into
    ``evidence_rows``, all of them) and ``source_rows_count``. The JSON of ``assess`` thus grows with the input once, not once
    per rule. (The CLI's JSON shows shipped files as ``equipoise:<path>``: see
    :func:`display_path`.)
    """
    check = (out.get("doctrine") or {}).get("check", {})
    rules = check.get("rules")
    if not isinstance(rules, list):
        return out
    # new dicts all the way down: the check stored in the result (extras) stays whole, so a
    # second to_dict() gives the same answer
    new_rules: list = []
    out["doctrine"] = {**out["doctrine"], "check": {**check, "rules": new_rules}}
    table: list[dict] = []
    index: dict[tuple, int] = {}
    for rule in rules:
        ev = rule.get("evidence") if isinstance(rule, dict) else None
        rows = ev.get("source_rows") if isinstance(ev, dict) else None
        if not isinstance(rows, list):
            new_rules.append(rule)
            continue
        ev = dict(ev)
        new_rules.append({**rule, "evidence": ev})
        ids = []
        for r in rows:
            if not isinstance(r, dict):
                continue
            key = tuple((k, repr(r.get(k))) for k in sorted(r))
            i = index.get(key)
            if i is None:
                i = index[key] = len(table)
                table.append(r)
            ids.append(i)
        ev["source_row_ids"] = ids
        ev["source_rows_count"] = len(ids)
        ev["source_rows"] = [table[i] for i in ids[:EVIDENCE_SAMPLE]]
    out["evidence_rows"] = table
    return out

