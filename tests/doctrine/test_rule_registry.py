"""The rule registry: a rule defined here, registered, shows in ``check``, ``check --json`` and
the plan; unregistered, everything is as before. Adding a rule is one file plus its threshold
in the doctrine TOML (docs/architecture.md, "Adding a rule")."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import equipoise as eq
from equipoise._cli.main import app
from equipoise.doctrine import plan as plan_mod
from equipoise.doctrine import rules
from equipoise.doctrine.model import default_doctrine_path, load_doctrine
from equipoise.doctrine.rules import PlanRow, Rule, RuleResult, Threshold
from equipoise.errors import DoctrineError

runner = CliRunner()

SHIPPED = ["no_critical_dependency", "concentration", "role", "max_domains_led", "no_squeeze",
           "viable_partners", "equidistance", "predictability", "no_camp"]


class TopShareCap(Rule):
    """No partner above ``top_share_cap`` of a critical domain; plan rows cap every named
    partner of every planned domain there."""

    kind = "top_share_cap"
    reads = ("domains", "doctrine")
    thresholds = {"top_share_cap": Threshold(0.9, doc="largest share of one partner")}
    per_critical_domain = True
    plan_kind = "top_share_cap"
    plan_order = 50
    priority = 5

    def check(self, a, domain=None):
        cap = self.threshold(a.doctrine, "top_share_cap")
        r = a.domains[domain]
        return RuleResult(f"{self.kind}:{domain}", r.top_share <= cap, cap - r.top_share,
                          r.top_share, cap, f"top partner of {domain} at most {cap:g}",
                          r.evidence())

    def plan_spec(self, ctx):
        return {d: self.threshold(ctx.assessment.doctrine, "top_share_cap") for d in ctx.domains}

    def plan_rows(self, spec, x0, idx):
        return [PlanRow(f"{self.plan_kind}:{d}:{p}", f"{self.plan_kind}:{d}", self.plan_kind, d,
                        {idx[(d, p)]: 1.0}, cap)
                for d, cap in (spec or {}).items() if d in x0 for p in x0[d] if p != "OTH"]

    def explain(self, row, gain, marginal):
        return f"the test cap binds for {row.name} at {gain} per 0.01"


@pytest.fixture
def registered():
    rules.register(TopShareCap)
    try:
        yield
    finally:
        rules.unregister("top_share_cap")


@pytest.fixture
def cap_doctrine(tmp_path):
    """The shipped doctrine with the test rule's threshold set to 0.29 (the default's energy
    top partner, RUS, holds 0.355 of energy: it fails there)."""
    text = default_doctrine_path().read_text(encoding="utf-8")
    assert "[thresholds]\n" in text
    p = tmp_path / "cap.toml"
    p.write_text(text.replace("[thresholds]\n", "[thresholds]\ntop_share_cap = 0.29\n", 1),
                 encoding="utf-8")
    return p


def test_shipped_registry_order():
    assert [r.kind for r in rules.registered()] == SHIPPED
    assert plan_mod.soft_priority() == ("keep_viable", "no_squeeze", "role", "critical_share")


def test_registered_rule_in_check(registered, cap_doctrine):
    c = eq.check(doctrine=str(cap_doctrine))
    ours = {r.name: r for r in c.rules if r.kind == "top_share_cap"}
    crit = [d for d in c.doctrine.domains.critical if d in c.assessment.domains]
    assert list(ours) == [f"top_share_cap:{d}" for d in crit]
    energy = ours["top_share_cap:energy"]
    top = c.assessment.domains["energy"].top_share
    assert energy.status == "fail" and not energy.passed
    assert energy.margin == pytest.approx(0.29 - top)
    assert energy.threshold == 0.29
    # the default evidence rows: those of the domain
    assert c.source_rows["top_share_cap:energy"] == c.source_rows["concentration:energy"]
    assert c.source_rows["top_share_cap:energy"]
    # the shipped rules keep their place, the new one comes last
    assert [r.name for r in c.rules][:-len(crit)] == [r.name for r in c.rules
                                                      if r.kind != "top_share_cap"]


def test_registered_rule_in_check_json(registered, cap_doctrine):
    res = runner.invoke(app, ["check", "--doctrine", str(cap_doctrine), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["doctrine"]["thresholds"]["top_share_cap"] == 0.29
    rec = {r["name"]: r for r in out["rules"]}
    assert rec["top_share_cap:energy"]["passed"] is False
    assert rec["top_share_cap:trade"]["passed"] is True
    assert rec["top_share_cap:energy"]["evidence"]["source_rows"]


def test_registered_rule_in_plan(registered, cap_doctrine):
    pl = eq.plan(doctrine=str(cap_doctrine), n_scenarios=200)
    base = eq.plan(doctrine=str(cap_doctrine), n_scenarios=200, without=("top_share_cap",))
    ours = [g for g in pl.relaxed if g.startswith("top_share_cap:")]
    assert [g for g in pl.relaxed if g not in ours] == base.relaxed
    # one row per named partner of each planned domain whose group was not relaxed
    kept = pl.shifts[(pl.shifts["partner"] != "OTH")
                     & ~("top_share_cap:" + pl.shifts["domain"]).isin(ours)]
    assert pl.solver["inequalities"] == base.solver["inequalities"] + len(kept)
    # RUS holds 0.82 of security: capping it at 0.29 needs more than the 0.25 that can move,
    # so the rule's group there is relaxed (named), while energy's cap holds in the targets
    assert "top_share_cap:security" in pl.relaxed
    # every named partner of a domain whose cap group was not relaxed is held at the cap
    # (technology's USA 0.5 came from the 2025 summit deals, a single-partner indicator that is
    # supporting evidence now: the cap has no technology partner above it left to bring down)
    assert (kept["target"] <= 0.29 + 1e-9).all()
    # USA's cap is active in the targets; whether the LP gives it the dual value or the
    # technology shift budget that binds with it depends on the data (degenerate vertex), so
    # the rule's explain hook is checked on its own row, and on the binding list when there
    row = TopShareCap().plan_rows({"technology": 0.29}, {"technology": {"USA": 0.5}},
                                  {("technology", "USA"): 0})[0]
    from equipoise.doctrine.plan import _explain

    assert _explain(row, 0.0, -0.01).startswith(
        "the test cap binds for top_share_cap:technology:USA at ")
    for c in pl.binding:
        if c.kind == "top_share_cap":
            assert c.explanation.startswith(f"the test cap binds for {c.name} at ")
    before = {r.name: r for r in pl.rules_before}
    after = {r.name: r for r in pl.rules_after}
    assert not before["top_share_cap:energy"].passed and after["top_share_cap:energy"].passed
    out = pl.to_dict()
    assert {"name": "top_share_cap:energy", "passed_before": False, "passed_after": True,
            "status_before": "fail", "status_after": "pass",
            "margin_before": before["top_share_cap:energy"].margin,
            "margin_after": after["top_share_cap:energy"].margin} in out["rules_changed"]
    row = PlanRow("top_share_cap:energy:RUS", "top_share_cap:energy", "top_share_cap",
                  "energy", {0: 1.0}, 0.29)
    assert plan_mod._explain(row, 0.0, -0.5) == ("the test cap binds for "
                                                 "top_share_cap:energy:RUS at 0.00500 per 0.01")


def test_unregister_restores(cap_doctrine):
    before = eq.check()
    rules.register(TopShareCap)
    try:
        assert rules.get("top_share_cap") is not None
        with pytest.raises(ValueError, match="already registered"):
            rules.register(TopShareCap)
    finally:
        removed = rules.unregister("top_share_cap")
    assert isinstance(removed, TopShareCap)
    assert [r.kind for r in rules.registered()] == SHIPPED
    after = eq.check()
    assert json.dumps(after.to_dict(), sort_keys=True, default=str) == json.dumps(
        before.to_dict(), sort_keys=True, default=str)
    # the threshold is refused again once no registered rule declares it
    line = cap_doctrine.read_text(encoding="utf-8").splitlines().index(
        "top_share_cap = 0.29") + 1
    with pytest.raises(DoctrineError, match=rf"{cap_doctrine} line {line}, "
                       r"thresholds\.top_share_cap: unknown threshold \(saw 0\.29\)"):
        load_doctrine(cap_doctrine)


def test_register_refuses_what_would_go_stale():
    class Bad(Rule):
        kind = "bad_rule"
        reads = ("engagement",)

        def check(self, a, domain=None):
            return None

    with pytest.raises(ValueError, match="does not recompute"):
        rules.register(Bad)
    assert rules.get("bad_rule") is None


def test_threshold_values_checked(registered, tmp_path):
    text = default_doctrine_path().read_text(encoding="utf-8")
    p = tmp_path / "bad.toml"
    p.write_text(text.replace("[thresholds]\n", "[thresholds]\ntop_share_cap = 1.5\n", 1),
                 encoding="utf-8")
    line = p.read_text(encoding="utf-8").splitlines().index("top_share_cap = 1.5") + 1
    with pytest.raises(DoctrineError, match=rf"line {line}, thresholds\.top_share_cap: "
                       r"expecting a number in 0\.\.1, got 1\.5"):
        load_doctrine(p)


def test_verdict_status_beside_passed():
    ok = RuleResult("x", True, 0.1, 1, 2, "d")
    bad = RuleResult("y:trade", False, -0.1, 1, 2, "d")
    assert (ok.status, bad.status) == ("pass", "fail")
    assert bad.kind == "y"
    # status and reason are fields now (issue 13: pass, fail or insufficient); passed stays
    assert ok.to_dict()["status"] == "pass" and ok.to_dict()["passed"] is True
    assert bad.to_dict()["reason"] is None and bad.failed and not bad.insufficient


def test_insufficient_verdict_is_not_passed_and_needs_a_reason():
    import math

    from equipoise.doctrine.rules._base import insufficient

    r = insufficient("concentration:trade", "low_coverage", 0.4, "d", {}, "why")
    assert (r.status, r.reason, r.passed, r.failed) == ("insufficient", "low_coverage", False,
                                                       False)
    assert math.isnan(r.margin) and r.evidence["insufficient"] == "why"
    assert r.label == "insufficient (low_coverage)"
    with pytest.raises(ValueError, match="reason"):
        insufficient("x", "bad luck", 0.4, "d")
    with pytest.raises(ValueError, match="passed=False"):
        RuleResult("x", True, 0.0, 1, 2, "d", status="insufficient", reason="stale")
