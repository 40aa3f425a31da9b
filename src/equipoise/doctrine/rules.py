"""The doctrine's rules, checked against an assessment: each with passed, margin and evidence.

Margins are signed so that a positive margin means the rule holds with room to spare and a
negative one how far it is broken (for count rules, the count above or below the bound).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from .. import reference

__all__ = ["RuleResult", "check_rules"]


@dataclass(frozen=True)
class RuleResult:
    """One rule's outcome."""

    name: str
    passed: bool
    margin: float
    value: Any
    threshold: Any
    description: str
    evidence: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _num(x: float) -> float:
    return float("nan") if x is None else float(x)


def check_rules(a) -> list[RuleResult]:
    """Check every rule of ``a.doctrine`` against the assessment ``a``.

    Rules: ``no_critical_dependency:<domain>`` and ``concentration:<domain>`` for each critical
    domain with data; ``role:<pole>:<domain>`` for each role; ``max_domains_led``;
    ``no_squeeze``; ``viable_partners:<domain>`` (Kuik's fallback); ``equidistance``;
    ``predictability``; ``no_camp``.
    """
    d = a.doctrine
    t = d.thresholds
    out: list[RuleResult] = []
    crit_domains = [x for x in d.domains.critical if x in a.domains]
    for dom in crit_domains:
        r = a.domains[dom]
        margin = max(t.critical_share - r.screen_share,
                     r.substitutability - t.low_substitutability)
        worst = max(r.screen, key=lambda x: x["share"]) if r.screen else {}
        out.append(RuleResult(
            f"no_critical_dependency:{dom}", not r.critical, margin,
            {"top_partner": worst.get("partner"), "top_share": r.screen_share,
             "indicator": worst.get("indicator"), "substitutability": r.substitutability},
            {"critical_share": t.critical_share, "low_substitutability": t.low_substitutability},
            f"No critical dependency in {dom}: critical when the top partner's share in the "
            f"domain or in one of its indicators >= {t.critical_share:g} and substitutability "
            f"<= {t.low_substitutability:g}",
            {**r.evidence(), "critical_items": r.critical_items}))
        out.append(RuleResult(
            f"concentration:{dom}", r.hhi <= t.hhi, t.hhi - r.hhi, r.hhi, t.hhi,
            f"HHI of partner shares in {dom} at most {t.hhi:g}", r.evidence()))
    pm = a.distinctness["pole_shares"]
    for pole, doms in d.roles.items():
        for dom in doms:
            if dom not in pm:
                out.append(RuleResult(
                    f"role:{pole}:{dom}", False, float("nan"), None, pole,
                    f"{pole} leads {dom} (its role in the doctrine)",
                    {"note": f"no data for domain {dom}"}))
                continue
            own = pm[dom].get(pole, 0.0)
            other = max((v for p, v in pm[dom].items() if p != pole), default=0.0)
            lead = a.distinctness["leaders"].get(dom)
            out.append(RuleResult(
                f"role:{pole}:{dom}", lead == pole, own - other,
                {"leader": lead, "pole_share": own, "best_other_pole_share": other}, pole,
                f"{pole} leads {dom} (its role in the doctrine); margin = its share minus the "
                f"largest other pole's", {"pole_shares": pm[dom], **a.domains[dom].evidence()}))
    led = a.distinctness["domains_led"]
    most = max(led.values(), default=0)
    out.append(RuleResult(
        "max_domains_led", most <= t.max_domains_led, float(t.max_domains_led - most), led,
        t.max_domains_led,
        f"No pole leads more than {t.max_domains_led} domains (directions do not converge on "
        f"one focal point)", {"leaders": a.distinctness["leaders"]}))
    seconds = {dom: sorted(ps.values(), reverse=True)[1] if len(ps) > 1 else 0.0
               for dom, ps in pm.items()}
    worst = min(seconds, key=lambda k: t.squeeze_share - seconds[k], default=None)
    out.append(RuleResult(
        "no_squeeze", not a.distinctness["squeezed"],
        (t.squeeze_share - seconds[worst]) if worst else float("nan"),
        a.distinctness["squeezed"], t.squeeze_share,
        f"No domain where two poles each hold >= {t.squeeze_share:g}; margin = threshold minus "
        f"the largest second-pole share (in {worst})", {"second_pole_share": seconds}))
    for dom in crit_domains:
        r = a.domains[dom]
        viable = sorted(p for p, s in r.shares.items() if p != "OTH" and s >= t.viable_share)
        out.append(RuleResult(
            f"viable_partners:{dom}", len(viable) >= t.min_viable_partners,
            float(len(viable) - t.min_viable_partners), viable, t.min_viable_partners,
            f"Kuik fallback: {dom} keeps at least {t.min_viable_partners} partners with a share "
            f">= {t.viable_share:g}", r.evidence()))
    eq = a.equidistance
    spread = eq.get("spread")
    out.append(RuleResult(
        "equidistance", spread is not None and not math.isnan(_num(spread))
        and spread <= t.equidistance_spread,
        (t.equidistance_spread - spread) if spread is not None else float("nan"),
        spread, t.equidistance_spread,
        f"Spread of agreement across the poles at most {t.equidistance_spread:g}",
        {k: v for k, v in eq.items() if k != "spread"}))
    vols = {k: v["volatility"] for k, v in a.predictability.items()
            if not math.isnan(v["volatility"])}
    if vols:
        worst_v = max(vols, key=vols.get)
        out.append(RuleResult(
            "predictability", vols[worst_v] <= t.max_volatility, t.max_volatility - vols[worst_v],
            vols, t.max_volatility,
            f"Mean year-on-year change of every domain's shares at most {t.max_volatility:g} "
            f"(worst: {worst_v})", {"volatility": vols}))
    camp = a.blocs
    out.append(RuleResult(
        "no_camp", not camp["violations"], 0.0 - len(camp["violations"]),
        camp["violations"], d.memberships.forbidden_kinds,
        "No membership of a bloc of a forbidden kind aimed at a pole", camp))
    return out


def membership_check(doctrine, year: int | None = None, *,
                     memberships: pd.DataFrame | None = None,
                     organisations: pd.DataFrame | None = None) -> dict:
    """Memberships of the focal state: which are of a forbidden kind aimed at (or led by) a pole.

    Reads the shipped ``organisations`` and ``memberships`` tables, or the tables given (an
    action that joins or leaves an organisation passes its changed ``memberships``).
    """
    try:
        orgs = reference.load("organisations") if organisations is None else organisations
        mem = reference.load("memberships") if memberships is None else memberships
    except (FileNotFoundError, KeyError):
        return {"memberships": [], "violations": [], "led_by_pole": [],
                "note": "no organisations table shipped"}
    mem = mem[mem["country"] == doctrine.focal]
    if year is not None and "start_year" in mem:
        start = mem["start_year"].astype("Int64").fillna(-10**6)
        end = mem["end_year"].astype("Int64").fillna(10**6)
        mem = mem[(start <= year) & (end >= year)]
    joined = mem.merge(orgs, on="org", how="left")
    poles = set(doctrine.poles)
    records, violations, led = [], [], []
    for r in joined.to_dict("records"):
        rec = {"org": r["org"], "kind": r.get("kind", ""), "led_by": r.get("led_by", "") or None,
               "aimed_at": r.get("aimed_at", "") or None,
               "status": r.get("status", "member"), "start_year": _int(r.get("start_year"))}
        records.append(rec)
        aimed = {x for x in str(rec["aimed_at"] or "").split(";") if x}
        if rec["kind"] in doctrine.memberships.forbidden_kinds and (
                aimed & poles or not doctrine.memberships.forbid_aimed_at_pole):
            violations.append(rec)
        if rec["led_by"] in poles:
            led.append(rec)
    return {"memberships": records, "violations": violations, "led_by_pole": led}


def _int(v):
    try:
        return None if v is None or pd.isna(v) else int(v)
    except (TypeError, ValueError):
        return None
