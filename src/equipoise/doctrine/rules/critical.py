"""``no_critical_dependency:<domain>``: no partner holds a critical share of a critical domain
(or of one of its indicators) where substitutability is low (IW Koeln), and no partner holds a
dominant share whatever the substitutability. Plan rows: ``critical_share`` caps.

Substitutability comes from the data where they allow it (the domain's
``substitutability_basis`` says ``data`` or ``default``):

* corridors and energy: the corridor graph's alternative capacity, ``maxflow(G - V_p) / maxflow(G)`` for
  the partner ``p`` judged (the screen's worst partner), the least over the domain's flow systems
  (``reference/corridors/<focal>_systems.csv``) in which ``p`` has a node other than the source
  and the sinks (Keohane & Nye's vulnerability: the cost of re-routing; shared/METHODS.md,
  Interdependence; :func:`graph_substitutability`);
* trade, technology, finance: the number ``n`` of other partners with at least the doctrine's
  ``viable_share`` of the domain, as ``n / (n + 1)`` (:mod:`equipoise.scorecard`,
  ``alternatives_substitutability``);
* otherwise, or where the data say nothing of the partner (a partner that is only the graph's
  source), the doctrine's or the domains table's fixed number, shown as ``default``.

``dominant_share`` (default 0.8): at or above it a partner leaves the others at most a fifth of
the domain, so that replacing it would take them a fourfold increase (0.8 / 0.2), and the
shares alone give HHI >= 0.64, above the EU 2021 / CEPII GeoDep bound of 0.4 by half again
(shared/METHODS.md, Concentration and Critical dependency screens); no estimate of
substitutability makes that dependency replaceable within a planning horizon.
"""

from __future__ import annotations

from collections.abc import Callable

from ..._results import fmt_fixed, fmt_sig
from ..peers import place
from ._base import (
    EVIDENCE_BOUNDS,
    PlanContext,
    PlanRow,
    Rule,
    RuleResult,
    Threshold,
    evidence_gate,
    insufficient,
)

#: Domains whose substitutability the corridor graph gives (their systems in ``*_systems.csv``):
#: the transit routes (corridors) and the oil and gas export systems (energy).
GRAPH_DOMAINS = ("corridors", "energy")

DOMINANT_SHARE = Threshold(
    0.8, doc="a partner at or above this share of a critical domain (or of one of its "
    "indicators) is a critical dependency whatever the substitutability: the others hold at "
    "most a fifth and would have to grow fourfold to replace it; HHI >= 0.64 > 0.4 (EU 2021, "
    "CEPII GeoDep)")
CRITICAL_SHARE = Threshold(
    0.5, doc="top-partner share (of the domain or of one of its indicators) at or above which "
    "a critical domain is a critical-dependency candidate (IW Koeln)")
LOW_SUBSTITUTABILITY = Threshold(
    0.3, doc="substitutability at or below which a dependency is hard to replace")


def graph_substitutability(graph, systems, domain: str, partner: str
                           ) -> tuple[float | None, dict] | None:
    """The alternative capacity of ``domain`` without ``partner``:
    ``maxflow(G - V_partner) / maxflow(G)``, the least over the domain's systems (rows of
    ``systems`` with that ``domain``: ``system, source, sinks``) in which the partner (a group:
    its members) has a node other than the source and the sinks.

    Returns None when no system belongs to the domain, ``(None, evidence)`` when the partner has
    no such node (the graph says nothing of it), else ``(value, evidence)``. A system whose
    source or sinks are not nodes of ``graph`` (a user's graph without the shipped systems'
    nodes) is not measured; the evidence lists it under ``systems_not_on_graph``.
    """
    from ... import reference
    from ...risk.corridors import corridor_loss

    rows = systems[systems["domain"] == domain] if len(systems) else systems
    if not len(rows):
        return None
    members = set(reference.expand_group(partner))
    per: dict[str, float] = {}
    off: list[str] = []
    for r in rows.itertuples():
        sinks = [x.strip() for x in str(r.sinks).replace(";", ",").split(",") if x.strip()]
        if not {r.source, *sinks} <= graph.country_of.keys():
            off.append(r.system)
            continue
        nodes = graph.nodes_of(members) - {r.source, *sinks}
        if nodes:
            per[r.system] = 1.0 - corridor_loss(graph, r.source, sinks, sorted(members))
    ev = {"method": "corridor graph: max flow without the partner / max flow",
          "partner": partner, "graph": graph.name, "systems": sorted(rows["system"])}
    if getattr(graph, "systems_from", "") and not graph.name.startswith("shipped "):
        ev["systems_from"] = graph.systems_from  # a user's graph: whose systems it is measured on
    if off:
        ev["systems_not_on_graph"] = sorted(off)
    if not per and off and len(off) == len(rows):
        return None, {**ev, "note": f"the graph lacks the source or sinks of every flow system "
                      f"of {domain} ({', '.join(sorted(off))}): it does not measure {domain}"}
    if not per:
        return None, {**ev, "note": f"{partner} has no node on the graph's routes other than "
                      "a source or sink: the graph does not measure its substitutability"}
    value = min(per.values())
    return value, {**ev, "alternative_capacity": per, "value": value}


#: :func:`measured_for`'s default: the flow systems the graph carries
GRAPH_SYSTEMS = "the graph's own"


def measured_for(graph, systems=GRAPH_SYSTEMS
                 ) -> Callable[[str, str], tuple[float | None, dict] | None]:
    """The data measure of substitutability on the corridor graph ``graph`` (a
    :class:`~equipoise.risk.corridors.CorridorGraph`) over its named flow systems
    (``systems``: ``system, domain, source, sinks``; by default those the graph carries,
    ``graph.systems``) for :data:`GRAPH_DOMAINS`: None for other domains, without a graph and
    with ``systems=None``.
    A graph with no systems at all measures nothing and says so (``(None, evidence)`` with a
    note naming where its systems were looked for). The graph is an input (the assessment's:
    the shipped one of the focal state by default, :func:`equipoise.context.resolve_corridors`,
    or the user's), never looked up here."""
    from ...risk.corridors import systems_of

    if graph is not None and isinstance(systems, str):
        systems = systems_of(graph)

    def measure(domain: str, partner: str):
        if domain not in GRAPH_DOMAINS or graph is None or systems is None:
            return None
        if not len(systems):
            where = getattr(graph, "systems_from", "") or "none resolved for this graph"
            return None, {"method": "corridor graph: max flow without the partner / max flow",
                          "partner": partner, "graph": graph.name, "systems": [],
                          "systems_from": where,
                          "note": f"the corridor graph has no named flow systems ({where}): "
                          f"it does not measure {domain}; give a flow systems file "
                          "(--systems S.csv: system, domain, source, sinks)"}
        return graph_substitutability(graph, systems, domain, partner)

    return measure


class NoCriticalDependency(Rule):
    kind = "no_critical_dependency"
    order = 10
    reads = ("domains", "doctrine", "peers")
    per_critical_domain = True
    thresholds = {"critical_share": CRITICAL_SHARE, "low_substitutability": LOW_SUBSTITUTABILITY,
                  "dominant_share": DOMINANT_SHARE, **EVIDENCE_BOUNDS}
    plan_kind = "critical_share"
    plan_order = 20
    priority = 3

    def basis(self, doctrine) -> dict:
        """The measures' critical-dependency screen marks a share at or above the dominant
        share critical whatever the substitutability."""
        return {"dominant_share": self.threshold(doctrine, "dominant_share")}

    def check(self, a, domain=None) -> RuleResult:
        t = a.doctrine.thresholds
        gate = evidence_gate(a, domain)
        if gate:  # too weak evidence: insufficient, not a fail (docs/methods.md)
            return insufficient(
                f"{self.kind}:{domain}", gate[0],
                {"critical_share": t.critical_share, "low_substitutability": t.low_substitutability},
                f"No critical dependency in {domain}",
                a.domains[domain].evidence() if domain in a.domains else {}, gate[1])
        dom = self.threshold(a.doctrine, "dominant_share")
        r = a.domains[domain]
        # holds while below the dominant share and (below the critical share or substitutable)
        margin = min(dom - r.screen_share,
                     max(t.critical_share - r.screen_share,
                         r.substitutability - t.low_substitutability))
        worst = max(r.screen, key=lambda x: x["share"]) if r.screen else {}
        basis = getattr(r, "substitutability_basis", "default")
        verdict = RuleResult(
            f"{self.kind}:{domain}", not r.critical, margin,
            {"top_partner": worst.get("partner"), "top_share": r.screen_share,
             "indicator": worst.get("indicator"), "substitutability": r.substitutability,
             "substitutability_basis": basis},
            {"critical_share": t.critical_share, "low_substitutability": t.low_substitutability,
             "dominant_share": dom},
            f"No critical dependency in {domain}: critical when the top partner's share in the "
            f"domain or in one of its indicators >= {fmt_sig(t.critical_share, 6, thousands=False)} and substitutability "
            f"({basis}) <= {fmt_sig(t.low_substitutability, 6, thousands=False)}, or that share >= {fmt_sig(dom, 6, thousands=False)} whatever the "
            "substitutability",
            {**r.evidence(), "critical_items": r.critical_items,
             "dominant": bool(r.screen_share >= dom)})
        # with the world panel: the top partner's share placed among the peers'
        return place(a, verdict, "top_share", domain, r.year, r.screen_share)

    def plan_spec(self, ctx: PlanContext) -> dict:
        a = ctx.assessment
        doctrine, t = a.doctrine, a.doctrine.thresholds
        crit: dict[str, dict[str, float]] = {}
        for d in ctx.domains:
            if d not in doctrine.domains.critical or d not in a.domains:
                continue
            # below the critical share where substitutability is low, else below the dominant
            low = a.domains[d].substitutability <= t.low_substitutability
            c = (t.critical_share if low else self.threshold(doctrine, "dominant_share")) - 1e-6
            x0 = ctx.x0[d]
            caps_d = {p: c for p in x0 if p != "OTH"}
            # the screen's indicator rows: partner p's share there moves with x_p / x0_p
            for row in getattr(a.domains[d], "screen", None) or []:
                p, sh = row.get("partner"), float(row.get("share") or 0.0)
                if row.get("indicator") == "(domain composite)" or p not in caps_d or sh <= 0:
                    continue
                if x0[p] > 0:
                    caps_d[p] = min(caps_d[p], c * x0[p] / sh)
            crit[d] = caps_d
        return crit

    def plan_rows(self, spec, x0, idx) -> list[PlanRow]:
        rows = []
        for d, cap in (spec or {}).items():
            if d not in x0:
                continue
            for p in x0[d]:
                c_p = cap.get(p) if isinstance(cap, dict) else cap
                if p != "OTH" and c_p is not None:
                    rows.append(PlanRow(f"critical_share:{d}:{p}", f"critical_share:{d}",
                                        "critical_share", d, {idx[(d, p)]: 1.0}, c_p))
        return rows

    def explain(self, row, gain, marginal) -> str:
        p = row.name.split(":")[2]
        return (f"The critical-share cap binds for {p} in {row.domain} (no partner at or above "
                f"the doctrine's critical share, in the domain or in one of its indicators, at "
                f"a cap of {fmt_fixed(row.rhs)}); the cap costs about {gain} of CVaR per 0.01.")

    def diagnose(self, group, rows, x0, budget) -> list[str]:
        d = group.partition(":")[2].split(":")[0]
        caps = {r.name.split(":")[2]: r.rhs for r in rows if r.group == group}
        over = {p: x0[d][p] - c for p, c in caps.items() if x0[d][p] - c > budget}
        return [f"{p} holds {fmt_fixed(x0[d][p])} of {d} and its cap is {fmt_fixed(caps[p])}: "
                f"{fmt_fixed(gap)} would have to move, but at most {fmt_fixed(budget)} of {d} can "
                "move over the horizon" for p, gap in over.items()]
