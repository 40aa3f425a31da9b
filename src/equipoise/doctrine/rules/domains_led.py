"""``max_domains_led``: no pole leads more than ``max_domains_led`` domains (directions do not
converge on one focal point).

Leaders are counted in the functional domains whose evidence is strong enough
(:func:`~equipoise.doctrine.rules._base.functional_gates`: data, coverage, more than one
partner, current). A pole leading more than the bound among those fails the rule whatever the
others show. Otherwise the rule passes only when it would hold even if every domain too weakly
evidenced were led by the pole that leads most (``most + unknown <= max_domains_led``); when
it would not, who leads is not known well enough and the verdict is insufficient (the reason
most of those domains share). The margin of a pass is that worst case's room.
"""

from __future__ import annotations

from ._base import (
    EVIDENCE_BOUNDS,
    Rule,
    RuleResult,
    Threshold,
    commonest_reason,
    functional_gates,
    insufficient,
)


class MaxDomainsLed(Rule):
    kind = "max_domains_led"
    order = 40
    reads = ("distinctness", "domains", "doctrine")
    thresholds = {
        "max_domains_led": Threshold(
            3, 0, 100, integer=True,
            doc="the most functional domains one pole may lead (directions do not converge "
                "on one focal point)"),
        **EVIDENCE_BOUNDS,
    }

    def check(self, a, domain=None) -> RuleResult:
        cap = a.doctrine.thresholds.max_domains_led
        leaders = a.distinctness["leaders"]
        weak = functional_gates(a)
        judged = {d: p for d, p in leaders.items() if d not in weak}
        led = {p: sum(1 for v in judged.values() if v == p)
               for p in a.distinctness["domains_led"]}
        most = max(led.values(), default=0)
        desc = (f"No pole leads more than {cap} domains (directions do not converge on one "
                f"focal point); counted in the domains with enough evidence")
        ev = {"leaders": leaders, "judged": judged,
              "insufficient_domains": {d: g[1] for d, g in weak.items()}}
        if most <= cap < most + len(weak):
            return insufficient(
                self.kind, commonest_reason(weak), cap, desc, {**ev, "domains_led": led},
                f"a pole leads {most} of the domains judged; the {len(weak)} domain(s) whose "
                f"evidence is too weak ({', '.join(weak)}) could take it past {cap}")
        margin = float(cap - most - (len(weak) if most <= cap else 0))
        return RuleResult(self.kind, most <= cap, margin, led, cap, desc, ev)
