"""``max_domains_led``: no pole leads more than ``max_domains_led`` domains (directions do not
converge on one focal point)."""

from __future__ import annotations

from ._base import Rule, RuleResult


class MaxDomainsLed(Rule):
    kind = "max_domains_led"
    order = 40
    reads = ("distinctness", "doctrine")

    def check(self, a, domain=None) -> RuleResult:
        t = a.doctrine.thresholds
        led = a.distinctness["domains_led"]
        most = max(led.values(), default=0)
        return RuleResult(
            self.kind, most <= t.max_domains_led, float(t.max_domains_led - most), led,
            t.max_domains_led,
            f"No pole leads more than {t.max_domains_led} domains (directions do not converge "
            f"on one focal point)", {"leaders": a.distinctness["leaders"]})
