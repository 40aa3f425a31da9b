"""One place resolves a run's inputs (issue 11, point 3; audit gap G1), the action evaluation's
"after" side is ``with_flows`` (point 2; gap G11), a doctrine check is not mutated (``--failed``)
and the measures' Basis is built from what the registered rules contribute, without naming one.

The Mongolia fixtures (``conftest.py``) are small enough to work every number out by hand."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

import equipoise as eq
from equipoise import context
from equipoise.doctrine import check as doctrine_check
from equipoise.doctrine import rules
from equipoise.doctrine.model import Doctrine, load_doctrine
from equipoise.doctrine.rules import Rule
from equipoise.io.flows import FlowSet


def _json(a) -> str:
    return json.dumps(a.to_dict(), sort_keys=True, default=str)


# --------------------------------------------------------------------------- resolve_analysis

def test_resolve_analysis_gives_the_default_doctrine_and_the_embedded_flows():
    d, flows = context.resolve_analysis()
    assert isinstance(d, Doctrine) and d.focal == "KAZ"
    assert isinstance(flows, FlowSet) and set(flows.data["reporter"]) >= {"KAZ"}


def test_resolve_analysis_keeps_given_flows_and_doctrine(mng_flows, mng_doctrine):
    d, flows = context.resolve_analysis(mng_flows, doctrine=mng_doctrine)
    assert d is mng_doctrine and flows is mng_flows
    # the same focal state given again changes nothing
    d2, _ = context.resolve_analysis(mng_flows, doctrine=mng_doctrine, focal="MNG")
    assert d2 is mng_doctrine


def test_resolve_analysis_reads_a_path_and_applies_a_focal_override(mng_flows,
                                                                   mng_doctrine_path):
    d, flows = context.resolve_analysis(mng_flows, doctrine=mng_doctrine_path)
    assert d.focal == "MNG" and d.poles == ["CHN", "RUS", "USA"] and flows is mng_flows
    d, flows = context.resolve_analysis(doctrine=mng_doctrine_path, focal="KAZ")
    assert d.focal == "KAZ"
    # no flows given: the embedded dataset of the doctrine's (overridden) focal state
    assert set(flows.data["reporter"]) >= {"KAZ"}


@pytest.mark.parametrize("form", ["object", "path", "none"])
def test_every_form_of_doctrine_refuses_a_pole_as_focal(form):
    from equipoise.doctrine.model import default_doctrine_path
    from equipoise.errors import DoctrineError

    doctrine = {"object": load_doctrine(), "path": default_doctrine_path(), "none": None}[form]
    with pytest.raises(DoctrineError, match="the focal state RUS is one of its own poles"):
        context.resolve_analysis(doctrine=doctrine, focal="RUS")


def test_the_front_doors_resolve_through_context_once_each(monkeypatch, mng_flows,
                                                           mng_doctrine_path):
    """eq.assess, eq.check, eq.plan and eq.evaluate each call context.resolve_analysis
    exactly once, and hand the doctrine layer the Doctrine it gave."""
    calls: list[tuple] = []
    real = context.resolve_analysis

    def spy(flows=None, **kw):
        calls.append((flows, kw))
        return real(flows, **kw)

    monkeypatch.setattr(context, "resolve_analysis", spy)
    a = eq.assess(mng_flows, doctrine=mng_doctrine_path)
    assert len(calls) == 1 and a.focal == "MNG" and a.doctrine.focal == "MNG"
    res = eq.check(mng_flows, doctrine=mng_doctrine_path)
    assert len(calls) == 2 and res.focal == "MNG"
    p = eq.plan(mng_flows, doctrine=mng_doctrine_path, n_scenarios=50)
    assert len(calls) == 3 and p.focal == "MNG"
    # an existing assessment: nothing to resolve
    eq.check(assessment=a)
    eq.plan(assessment=a, n_scenarios=50)
    assert len(calls) == 3
    ev = eq.evaluate("btc-oil-2024", n_scenarios=20)
    assert len(calls) == 4 and calls[-1][1]["focal"] == "KAZ" and ev.focal == "KAZ"


@pytest.mark.parametrize("call", [
    lambda f, d: doctrine_check.assess(f, doctrine=None),
    lambda f, d: doctrine_check.assess(None, doctrine=d),
    lambda f, d: doctrine_check.check(f, doctrine="kazakhstan.toml"),
])
def test_the_doctrine_layer_takes_resolved_inputs(call, mng_flows, mng_doctrine):
    with pytest.raises(TypeError, match=r"equipoise\.context\.resolve_analysis"):
        call(mng_flows, mng_doctrine)


def test_the_doctrine_layer_evaluate_is_told_corridors_and_events(kaz_flows):
    from equipoise.doctrine.actions import evaluate

    with pytest.raises(TypeError, match="corridors"):
        evaluate("btc-oil-2024", kaz_flows, doctrine=load_doctrine())


# --------------------------------------------------------------------------- with_flows (G11)

def _halved_china_trade(flows: FlowSet):
    df = flows.data.copy()
    china = (df["partner"] == "CHN") & (df["indicator"] == "trade.goods.turnover")
    world = (df["partner"] == "WLD") & (df["indicator"] == "trade.goods.turnover")
    df.loc[china, "value"] = 3.0  # 6 -> 3
    df.loc[world, "value"] = 7.0  # 10 -> 7
    return df


def test_with_flows_is_a_full_assessment_of_the_new_flows(mng_flows, mng_doctrine):
    a0 = doctrine_check.assess(mng_flows, doctrine=mng_doctrine, engagement=False)
    f1 = _halved_china_trade(mng_flows)
    a1 = a0.with_flows(f1)
    full = doctrine_check.assess(f1, doctrine=mng_doctrine, engagement=False)
    # by hand: trade CHN 6/10 -> 3/7, RUS 2/7, USA 1/7, the unnamed rest 1/7
    assert a0.domains["trade"].top_share == pytest.approx(0.6)
    assert a1.domains["trade"].top_share == pytest.approx(3 / 7)
    assert a1.domains["trade"].shares["RUS"] == pytest.approx(2 / 7)
    assert math.isclose(a1.domains["trade"].hhi, (9 + 4 + 1) / 49)
    assert _json(a1) == _json(full)
    assert a1.check.source_rows == full.check.source_rows
    assert a0.domains["trade"].top_share == pytest.approx(0.6)  # a0 left as it was


def test_evaluate_assesses_once_and_takes_the_after_side_from_with_flows(monkeypatch):
    calls = []
    real = doctrine_check.assess

    def counting(*args, **kw):
        calls.append(kw)
        return real(*args, **kw)

    monkeypatch.setattr(doctrine_check, "assess", counting)
    ev = eq.evaluate("btc-oil-2024", n_scenarios=20)
    assert len(calls) == 1
    assert ev.before.assessment.inputs.frame is not ev.after.assessment.inputs.frame


# --------------------------------------------------------------------------- DoctrineCheck

def test_a_doctrine_check_is_immutable_and_only_failed_is_a_copy(mng_flows, mng_doctrine):
    res = doctrine_check.check(mng_flows, doctrine=mng_doctrine)
    n, failed = len(res.rules), [r.name for r in res.failed]
    assert failed and len(failed) < n
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.rules = []
    only = res.only_failed()
    assert [r.name for r in only.rules] == failed and only.failed == only.rules
    assert set(only.source_rows) <= set(failed)
    assert len(res.rules) == n  # the check it came from is as it was
    full = {r["name"]: r for r in res.to_dict()["rules"]}
    assert only.to_dict()["rules"] == [full[x] for x in failed]


def test_cli_check_failed_prints_the_failing_rules_of_the_full_check(monkeypatch, capsys,
                                                                     mng_csv, mng_doctrine_path):
    import sys

    from equipoise._cli.main import run

    def cli(*args):
        monkeypatch.setattr(sys, "argv", ["equipoise", *args])
        with pytest.raises(SystemExit) as e:
            run()
        assert e.value.code == 0
        return json.loads(capsys.readouterr().out)

    base = ["check", "--data", str(mng_csv), "--doctrine", str(mng_doctrine_path), "--json"]
    full, failed = cli(*base), cli(*base, "--failed")
    assert failed["rules"] == [r for r in full["rules"] if r["status"] == "fail"]


# --------------------------------------------------------------------------- Basis from rules

def test_the_basis_takes_the_dominant_share_from_the_rule_that_reads_it(mng_doctrine):
    assert doctrine_check.basis_of(mng_doctrine).dominant_share == 0.8  # the rule's default
    critical = rules.unregister("no_critical_dependency")
    try:
        # no registered rule contributes it: the Basis's own default (nothing screens on it)
        assert doctrine_check.basis_of(mng_doctrine).dominant_share == 1.0
    finally:
        rules.register(critical)
    assert doctrine_check.basis_of(mng_doctrine).dominant_share == 0.8


def test_a_rule_of_the_test_file_contributes_to_the_basis_and_a_clash_is_refused(mng_doctrine):
    class Looser(Rule):
        kind = "test_looser_dominance"
        reads = ("domains",)

        def check(self, a, domain=None):
            return None

        def basis(self, doctrine):
            return {"dominant_share": 0.9}

    critical = rules.unregister("no_critical_dependency")
    rules.register(Looser)
    try:
        assert doctrine_check.basis_of(mng_doctrine).dominant_share == 0.9
        rules.register(critical)
        with pytest.raises(ValueError, match="rules disagree on the basis field 'dominant_share'"):
            doctrine_check.basis_of(mng_doctrine)
    finally:
        rules.unregister("test_looser_dominance")
        if rules.get("no_critical_dependency") is None:
            rules.register(critical)
    assert doctrine_check.basis_of(mng_doctrine).dominant_share == 0.8
