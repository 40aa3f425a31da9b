"""``concentration:<domain>``: the HHI of partner shares in a critical domain at most the
doctrine's ``hhi`` (EU 2021 / CEPII GeoDep 0.4). Insufficient when the domain's evidence is
(no data, coverage below ``min_coverage``, single-partner indicators only, older than
``max_age``: :func:`~equipoise.doctrine.rules._base.evidence_gate`).

``hhi`` may be a percentile among peers (``"p50 of all states"``): resolved for each domain
from the world panel's HHI of that domain in the assessed year (:mod:`equipoise.doctrine.peers`);
with a panel the verdict also places the domain's HHI among peers."""

from __future__ import annotations

from ..._results import fmt_fixed, fmt_sig
from ..peers import place, resolve
from ._base import (
    EVIDENCE_BOUNDS,
    Rule,
    RuleResult,
    Threshold,
    evidence_gate,
    insufficient,
)

HHI = Threshold(
    0.4, peers=True,
    doc="HHI of partner shares above which a critical domain is concentrated (EU 2021 / CEPII "
        "GeoDep); or a percentile among peers, resolved per domain")


class Concentration(Rule):
    kind = "concentration"
    order = 20
    reads = ("domains", "doctrine", "peers")
    per_critical_domain = True
    thresholds = {"hhi": HHI, **EVIDENCE_BOUNDS}

    def check(self, a, domain=None) -> RuleResult:
        r = a.domains.get(domain) if domain in a.domains else None
        cap = resolve(a, "hhi", "hhi", domain, None if r is None else r.year)
        written = a.doctrine.thresholds.hhi
        desc = f"HHI of partner shares in {domain} at most " + (
            fmt_sig(written, 6, thousands=False) if cap.spec is None else
            f"{written} ({'-' if cap.value is None else f'{fmt_fixed(cap.value)}'})")
        gate = evidence_gate(a, domain)
        if gate or cap.value is None:
            reason, detail = gate or (cap.reason, cap.detail)
            return insufficient(f"{self.kind}:{domain}", reason, cap.shown, desc,
                                {**(r.evidence() if r is not None else {}),
                                 **({"threshold_among_peers": cap.evidence} if cap.spec else {})},
                                detail)
        ev = r.evidence()
        if cap.spec is not None:
            ev = {**ev, "threshold_among_peers": cap.evidence}
        verdict = RuleResult(f"{self.kind}:{domain}", r.hhi <= cap.value, cap.value - r.hhi,
                             r.hhi, cap.value, desc, ev)
        return place(a, verdict, "hhi", domain, r.year, r.hhi,
                     None if cap.spec is None else cap.spec.group)
