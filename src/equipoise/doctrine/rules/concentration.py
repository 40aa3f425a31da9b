"""``concentration:<domain>``: the HHI of partner shares in a critical domain at most the
doctrine's ``hhi`` (EU 2021 / CEPII GeoDep 0.4). Insufficient when the domain's evidence is
(no data, coverage below ``min_coverage``, single-partner indicators only, older than
``max_age``). This rule declares the two evidence bounds every domain rule reads
(:func:`~equipoise.doctrine.rules._base.evidence_gate`)."""

from __future__ import annotations

from ._base import (
    DEFAULT_MAX_AGE,
    DEFAULT_MIN_COVERAGE,
    Rule,
    RuleResult,
    Threshold,
    evidence_gate,
    insufficient,
)


class Concentration(Rule):
    kind = "concentration"
    order = 20
    reads = ("domains", "doctrine")
    per_critical_domain = True
    thresholds = {
        "min_coverage": Threshold(
            DEFAULT_MIN_COVERAGE,
            doc="least share of a WLD total the partner rows must cover for a domain verdict; "
                "below it the missing part could hold a partner larger than any measured"),
        "max_age": Threshold(
            DEFAULT_MAX_AGE, 0, 100, integer=True,
            doc="most years a domain's newest figure may lie behind the assessment year "
                "(the lookback over which an indicator stays current)"),
    }

    def check(self, a, domain=None) -> RuleResult:
        t = a.doctrine.thresholds
        gate = evidence_gate(a, domain)
        if gate:
            return insufficient(f"{self.kind}:{domain}", gate[0], t.hhi,
                                f"HHI of partner shares in {domain} at most {t.hhi:g}",
                                a.domains[domain].evidence() if domain in a.domains else {},
                                gate[1])
        r = a.domains[domain]
        return RuleResult(f"{self.kind}:{domain}", r.hhi <= t.hhi, t.hhi - r.hhi, r.hhi, t.hhi,
                          f"HHI of partner shares in {domain} at most {t.hhi:g}", r.evidence())
