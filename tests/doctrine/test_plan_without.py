"""One switch for a rule's plan rows (issue 11, point 1; audit 5 G6): ``PlanRequest.without``
holds rule kinds checked against the registry; ``plan --without KIND`` (and ``assess --plan
--without``) reach it from the command line, for a shipped rule or one registered in a test
file; the former booleans, CLI flags and rule-named ``solve_cvar_plan`` arguments map onto it
(deprecated)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import equipoise as eq
from equipoise._cli.main import app
from equipoise.doctrine import rules
from equipoise.doctrine.plan import PlanRequest, solve_cvar_plan, without_kinds
from equipoise.doctrine.rules import PlanRow, Rule, RuleResult, Threshold
from equipoise.errors import OptionError

runner = CliRunner()
SHIPPED_PLAN = ("role", "no_critical_dependency", "viable_partners", "no_squeeze")


class PartnerCap(Rule):
    """A rule defined here: no named partner above ``partner_cap`` of a planned domain, as
    plan rows only (its check always passes)."""

    kind = "partner_cap"
    reads = ("domains", "doctrine")
    thresholds = {"partner_cap": Threshold(0.25, doc="largest share of one partner (test)")}
    plan_kind = "partner_cap_rows"
    plan_order = 60
    priority = 1

    def check(self, a, domain=None):
        return RuleResult(self.kind, True, 0.0, None, None, "test rule", {})

    def plan_spec(self, ctx):
        return {d: self.threshold(ctx.assessment.doctrine, "partner_cap") for d in ctx.domains}

    def plan_rows(self, spec, x0, idx):
        return [PlanRow(f"{self.plan_kind}:{d}:{p}", f"{self.plan_kind}:{d}", self.plan_kind, d,
                        {idx[(d, p)]: 1.0}, cap)
                for d, cap in (spec or {}).items() if d in x0 for p in x0[d] if p != "OTH"]


@pytest.fixture
def partner_cap():
    rules.register(PartnerCap)
    try:
        yield
    finally:
        rules.unregister("partner_cap")


def _plan_json(args: list[str]) -> dict:
    res = runner.invoke(app, ["plan", "--scenarios", "100", "--json", *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _rows_of(out: dict, kind: str) -> list:
    return [c for c in out["binding"] if c["kind"] == kind] + [
        g for g in out["relaxed"] if g.startswith(kind + ":")]


def test_registered_rule_switched_off_from_the_cli_by_name(partner_cap):
    on = _plan_json([])
    assert _rows_of(on, "partner_cap_rows"), "the test rule's rows bind or are relaxed"
    # by its kind and by its plan kind: the program is the one without the rule registered
    off = _plan_json(["--without", "partner_cap"])
    off2 = _plan_json(["--without", "partner_cap_rows"])
    assert off["request"]["without"] == off2["request"]["without"] == ["partner_cap"]
    assert not _rows_of(off, "partner_cap_rows")
    rules.unregister("partner_cap")
    try:
        bare = _plan_json([])
    finally:
        rules.register(PartnerCap)
    for k in ("inequalities", "equalities", "variables"):
        assert off["solver"][k] == bare["solver"][k]
    assert off["solver"]["inequalities"] < on["solver"]["inequalities"]
    assert off["targets"] == bare["targets"] == off2["targets"]


def test_registered_rule_switched_off_from_the_library(partner_cap):
    on = eq.plan(n_scenarios=100)
    off = eq.plan(n_scenarios=100, without="partner_cap")
    assert off.request.without == ("partner_cap",)
    assert off.solver["inequalities"] < on.solver["inequalities"]
    assert not [c for c in off.binding if c.kind == "partner_cap_rows"]


def test_unknown_kind_is_refused_listing_the_registry(partner_cap):
    with pytest.raises(OptionError) as info:
        PlanRequest(without=("role,nosuch", "equidistance"))
    assert str(info.value) == (
        "without: 'nosuch' is not a rule kind; 'equidistance' is a rule without plan rows "
        "(nothing to leave out). Expected the kind of a rule of the registry with plan rows: "
        "role, no_critical_dependency (plan kind critical_share), viable_partners (plan kind "
        "keep_viable), no_squeeze, partner_cap (plan kind partner_cap_rows).")
    with pytest.raises(OptionError, match="not a rule kind"):
        eq.plan(n_scenarios=100, without=["nosuch"])


def test_without_normalised_to_rule_kinds_in_program_order():
    assert without_kinds("no_squeeze, critical_share,role") == (
        "role", "no_critical_dependency", "no_squeeze")
    assert without_kinds(["keep_viable", "viable_partners"]) == ("viable_partners",)
    assert without_kinds(()) == ()
    assert PlanRequest(without="role") == PlanRequest(without=("role",))
    assert hash(PlanRequest(without=("no_squeeze", "role"))) == hash(
        PlanRequest(without=("role", "no_squeeze")))


def test_cli_aliases_map_onto_without():
    a = _plan_json(["--no-roles", "--no-critical-share"])
    b = _plan_json(["--without", "role", "--without", "critical_share"])
    assert a["request"]["without"] == b["request"]["without"] == ["role",
                                                                  "no_critical_dependency"]
    assert a["targets"] == b["targets"]
    assert not [c for c in a["binding"] if c["kind"] in ("role", "critical_share")]


def test_assess_plan_without():
    res = runner.invoke(app, ["assess", "--plan", "--without", "no_squeeze", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["doctrine"]["plan"]["request"]["without"] == ["no_squeeze"]


def test_deprecated_booleans_warn_and_map_onto_without():
    with pytest.warns(DeprecationWarning, match=r"without=\('role', 'viable_partners',\)"):
        req = PlanRequest(roles=False, keep_viable=False)
    assert req == PlanRequest(without=("role", "viable_partners"))
    assert req.roles is None and req.keep_viable is None
    with pytest.warns(DeprecationWarning, match="per-rule booleans"):
        assert PlanRequest(no_squeeze=True).without == ()
    a = eq.assess()
    with pytest.warns(DeprecationWarning, match="critical_share=False"):
        old = eq.plan(assessment=a, n_scenarios=100, critical_share=False)
    new = eq.plan(assessment=a, n_scenarios=100, without=("no_critical_dependency",))
    assert old.request == new.request
    assert old.shifts.equals(new.shifts)


def test_solve_cvar_plan_takes_specs_the_rule_named_arguments_deprecated():
    rng = np.random.default_rng(8)
    D = (rng.random((200, 3)) < 0.3) * rng.random((200, 3))
    x0 = {"d": {"a": 0.8, "b": 0.2, "c": 0.0}}
    kw = dict(weights={"d": 1.0}, substitutability={"d": 0.5}, budget=0.1,
              capacity={"d": {"a": 1.0, "b": 1.0, "c": 1.0}})
    role = {"d": {"pole": "b", "codes": {"a": ["a"], "b": ["b"]}}}
    new = solve_cvar_plan(x0, {"d": D}, specs={"role": role}, **kw)
    assert new["relaxed"] == ["role:b:d"]
    with pytest.warns(DeprecationWarning, match=r"specs=\{'role': \.\.\.\}"):
        old = solve_cvar_plan(x0, {"d": D}, roles=role, **kw)
    assert old["x"] == new["x"] and old["relaxed"] == new["relaxed"]
    # no rows of a kind left out of specs
    none = solve_cvar_plan(x0, {"d": D}, specs={}, **kw)
    assert not none["relaxed"] and not any(r.kind == "role" for r, _, _ in none["rows"])
    with pytest.raises(TypeError, match="unexpected keyword arguments"):
        solve_cvar_plan(x0, {"d": D}, role=role, **kw)


def test_no_rule_named_parameter_left():
    import inspect

    from equipoise.doctrine.plan import lp

    params = inspect.signature(solve_cvar_plan).parameters
    assert not {"roles", "critical_cap", "keep_viable", "squeeze"} & set(params)
    assert not hasattr(Rule, "plan_toggle")
    src = inspect.getsource(lp)
    for name in ('"role"', '"critical_share"', '"no_squeeze"', '"keep_viable"'):  # literals
        assert name not in src
    assert set(without_kinds(",".join(SHIPPED_PLAN))) == set(SHIPPED_PLAN)
