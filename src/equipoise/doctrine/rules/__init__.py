"""The doctrine's rules: a registry of rule kinds, each one :class:`Rule` in its own module.

``check_rules`` runs every registered rule against an assessment; the plan builds its
constraints, explains its binding rows and relaxes infeasible groups by looping over the rules
that have plan rows; the action evaluation compares verdicts before and after. Adding a rule is
one module in this package with a :class:`Rule` subclass (found and registered when the package
is imported; a rule defined elsewhere calls :func:`register`), plus its threshold in the
doctrine TOML (docs/architecture.md, "Adding a rule").

Margins are signed so that a positive margin means the rule holds with room to spare and a
negative one how far it is broken (for count rules, the count above or below the bound).
"""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil

from ._base import (
    FAIL,
    INSUFFICIENT,
    PASS,
    PlanContext,
    PlanRow,
    Rule,
    RuleResult,
    Threshold,
    insufficient,
)
from .camp import membership_check

__all__ = ["FAIL", "INSUFFICIENT", "PASS", "PlanContext", "PlanRow", "Rule", "RuleResult",
           "Threshold",
           "basis_fields", "check_rules", "compare_verdicts", "declared_thresholds", "get",
           "membership_check", "plan_rules", "register", "registered", "threshold_owners",
           "threshold_spec", "unregister"]

#: What a rule may read from an assessment: the plan's "rules after" (``Assessment.with_shares``)
#: recomputes ``domains`` and ``distinctness`` from the planned shares and keeps the rest (none of
#: it moves with shares; ``peers``, the world panel's peer measures, is other states' data).
#: A rule reading anything else must first be taught to ``with_shares``.
READABLE = frozenset({"domains", "distinctness", "equidistance", "predictability", "blocs",
                      "doctrine", "peers"})

# The verdicts come in ``Rule.order`` (then registration) order; neighbouring
# per-critical-domain rules are interleaved domain by domain (no_critical_dependency:trade,
# concentration:trade, ...).
_REGISTRY: dict[str, Rule] = {}


def register(rule: Rule | type[Rule]) -> Rule:
    """Add a rule kind (an instance or a :class:`Rule` subclass) at the end of the registry;
    usable as a class decorator. Refuses a kind already registered, a kind with ``:`` in it,
    a ``reads`` outside :data:`READABLE` and a threshold another rule declares differently
    (rules reading one threshold declare the same :class:`Threshold`)."""
    inst = rule() if isinstance(rule, type) else rule
    kind = inst.kind
    if not kind or ":" in kind:
        raise ValueError(f"rule kind: expecting a name without ':'; got {kind!r}")
    if kind in _REGISTRY:
        raise ValueError(f"rule kind {kind!r} is already registered")
    bad = set(inst.reads) - READABLE
    if bad:
        raise ValueError(f"rule {kind!r} reads {sorted(bad)}, which the plan's 'rules after' "
                         f"does not recompute; expected some of {sorted(READABLE)}")
    for key, spec in inst.thresholds.items():
        owner = threshold_spec(key)
        if owner is not None and owner != spec:
            others = ", ".join(threshold_owners(key))
            raise ValueError(f"rule {kind!r}: threshold {key!r} is already declared, with "
                             f"another default or range, by {others}; expected the same "
                             f"declaration ({owner})")
    if inst.plan_kind and any(r.plan_kind == inst.plan_kind for r in _REGISTRY.values()):
        raise ValueError(f"rule {kind!r}: plan kind {inst.plan_kind!r} is already used")
    _REGISTRY[kind] = inst
    return rule


def unregister(kind: str) -> Rule:
    """Remove a rule kind from the registry and return it."""
    return _REGISTRY.pop(kind)


def registered() -> list[Rule]:
    """The registered rules, in check order (``order``, then registration)."""
    return sorted(_REGISTRY.values(), key=lambda r: r.order)


def get(kind: str) -> Rule | None:
    """The registered rule of ``kind`` (a verdict's ``kind``), or None."""
    return _REGISTRY.get(kind)


def basis_fields(doctrine) -> dict:
    """What the registered rules contribute to the measures' plain-data view of ``doctrine``
    (:class:`~equipoise.scorecard.Basis`): each rule's :meth:`Rule.basis`, merged. Two rules
    giving one field different values is an error (the measures would read one of them
    silently)."""
    out: dict = {}
    for r in registered():
        for k, v in r.basis(doctrine).items():
            if k in out and out[k] != v:
                raise ValueError(f"rules disagree on the basis field {k!r}: {out[k]!r} and "
                                 f"{v!r} (rule {r.kind!r})")
            out[k] = v
    return out


def plan_rules() -> list[Rule]:
    """The rules with plan rows, in program order."""
    return sorted((r for r in _REGISTRY.values() if r.plan_kind), key=lambda r: r.plan_order)


def threshold_spec(key: str) -> Threshold | None:
    """The :class:`Threshold` a registered rule declares under ``key``, or None."""
    for r in _REGISTRY.values():
        if key in r.thresholds:
            return r.thresholds[key]
    return None


def threshold_owners(key: str) -> list[str]:
    """The kinds of the registered rules that declare threshold ``key`` (read it), in check
    order."""
    return [r.kind for r in registered() if key in r.thresholds]


def declared_thresholds() -> dict[str, tuple[Threshold, tuple[str, ...]]]:
    """Every threshold the registered rules read: key -> (its :class:`Threshold`: default,
    range, doc; the kinds of the rules that declare it), in the order the rules are checked."""
    out: dict[str, tuple[Threshold, tuple[str, ...]]] = {}
    for r in registered():
        for key, spec in r.thresholds.items():
            if key not in out:
                out[key] = (spec, tuple(threshold_owners(key)))
    return out


def _as_list(v) -> list[RuleResult]:
    if v is None:
        return []
    return [v] if isinstance(v, RuleResult) else list(v)


def check_rules(a) -> list[RuleResult]:
    """Check every registered rule of the doctrine against the assessment ``a``.

    Rules shipped: ``no_critical_dependency:<domain>`` and ``concentration:<domain>`` for each
    critical domain with data; ``role:<pole>:<domain>`` for each role; ``max_domains_led``;
    ``no_squeeze``; ``viable_partners:<domain>`` (Kuik's fallback); ``equidistance``;
    ``predictability``; ``no_camp``.
    """
    # every critical domain, with data or not: a domain without data gives insufficient
    # verdicts (reason no_data), so the number of rules does not change with the year
    crit = list(a.doctrine.domains.critical)
    rules = registered()
    out: list[RuleResult] = []
    i = 0
    while i < len(rules):
        if not rules[i].per_critical_domain:
            out += _as_list(rules[i].check(a))
            i += 1
            continue
        j = i
        while j < len(rules) and rules[j].per_critical_domain:
            j += 1
        for dom in crit:
            for rule in rules[i:j]:
                if dom not in a.domains:
                    out.append(insufficient(f"{rule.kind}:{dom}", "no_data", None,
                                            f"{rule.kind} in {dom}", {"domain": dom},
                                            f"no data for domain {dom}"))
                    continue
                out += _as_list(rule.check(a, dom))
        i = j
    return out


def compare_verdicts(before: list[RuleResult], after: list[RuleResult]) -> list[dict]:
    """Every rule's verdict before and after (an action, a plan): passed and margin on each
    side, the margin's change and whether it improves or worsens."""
    rb = {r.name: r for r in before}
    ra = {r.name: r for r in after}
    out = []
    for name in list(rb) + [n for n in ra if n not in rb]:
        b, a = rb.get(name), ra.get(name)
        mb = None if b is None else b.margin
        ma = None if a is None else a.margin
        delta = None if mb is None or ma is None or math.isnan(mb) or math.isnan(ma) else ma - mb
        out.append({"name": name,
                    "passed_before": None if b is None else b.passed,
                    "passed_after": None if a is None else a.passed,
                    "status_before": None if b is None else b.status,
                    "status_after": None if a is None else a.status,
                    "reason_before": None if b is None else b.reason,
                    "reason_after": None if a is None else a.reason,
                    "margin_before": mb, "margin_after": ma, "margin_change": delta,
                    "direction": None if not delta else ("improves" if delta > 0 else "worsens"),
                    "description": (a or b).description})
    return out


def _discover() -> None:
    """Register every :class:`Rule` subclass defined in a public module of this package."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        for _, cls in inspect.getmembers(mod, inspect.isclass):
            if issubclass(cls, Rule) and cls is not Rule and cls.__module__ == mod.__name__ \
                    and cls.kind:
                register(cls)


_discover()
