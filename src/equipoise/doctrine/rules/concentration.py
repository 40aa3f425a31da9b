"""``concentration:<domain>``: the HHI of partner shares in a critical domain at most the
doctrine's ``hhi`` (EU 2021 / CEPII GeoDep 0.4)."""

from __future__ import annotations

from ._base import Rule, RuleResult


class Concentration(Rule):
    kind = "concentration"
    order = 20
    reads = ("domains", "doctrine")
    per_critical_domain = True

    def check(self, a, domain=None) -> RuleResult:
        t = a.doctrine.thresholds
        r = a.domains[domain]
        return RuleResult(f"{self.kind}:{domain}", r.hhi <= t.hhi, t.hhi - r.hhi, r.hhi, t.hhi,
                          f"HHI of partner shares in {domain} at most {t.hhi:g}", r.evidence())
