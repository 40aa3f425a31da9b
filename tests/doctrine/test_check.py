"""The doctrine check: rules with passed, margin and evidence traced to source rows."""

from __future__ import annotations

import json
import math

import pytest

from equipoise.assessment import check  # the front door: resolves the defaults (context)
from equipoise.doctrine.check import DoctrineCheck
from equipoise.errors import DoctrineError


def test_rules_have_margins_and_source_rows(mng_flows, mng_doctrine):
    res = check(mng_flows, doctrine=mng_doctrine)
    assert isinstance(res, DoctrineCheck)
    names = [r.name for r in res.rules]
    assert "no_critical_dependency:energy" in names and "role:CHN:trade" in names
    # energy: RUS 8 of 10 mt, substitutability 0.2 -> critical (0.8 >= 0.5 and 0.2 <= 0.3)
    r = res.rule("no_critical_dependency:energy")
    assert not r.passed
    assert r.margin == pytest.approx(max(0.5 - 0.8, 0.2 - 0.3))
    rows = res.source_rows["no_critical_dependency:energy"]
    assert {x["partner"] for x in rows} == {"RUS", "CHN", "WLD"}
    assert all(x["source"] == "test:energy" and x["line"] >= 2 for x in rows)
    # trade: CHN 6 of 10 is a dependency candidate, but substitutability 0.6 (stated by the
    # doctrine) keeps it passing; the margin is the nearer bound, the dominant share 0.8
    t = res.rule("no_critical_dependency:trade")
    assert t.passed and t.margin == pytest.approx(min(0.8 - 0.6, 0.6 - 0.3))
    assert t.value["substitutability_basis"] == "default"
    # role: CHN leads trade with 0.6 against RUS 0.2
    role = res.rule("role:CHN:trade")
    assert role.passed and role.margin == pytest.approx(0.6 - 0.2)
    # equidistance: spread of agreement 0.65 - 0.4
    eq = res.rule("equidistance")
    assert eq.margin == pytest.approx(0.3 - 0.25)
    assert {x["partner"] for x in res.source_rows["equidistance"]} == {"USA", "RUS", "CHN"}


def test_to_dict_is_json_with_rule_records(mng_flows, mng_doctrine):
    d = check(mng_flows, doctrine=mng_doctrine).to_dict()
    text = json.dumps(d, default=str)
    back = json.loads(text)
    assert isinstance(back["rules"], list)
    for rec in back["rules"]:
        assert {"name", "passed", "margin", "evidence"} <= set(rec)
        assert "source_rows" in rec["evidence"]
    assert back["passed"] + back["failed"] + back["insufficient"] == len(back["rules"])


def test_summary_and_html(mng_flows, mng_doctrine):
    res = check(mng_flows, doctrine=mng_doctrine)
    s = res.summary()
    assert "no_critical_dependency:energy" in s and "FAIL" in s
    h = res._repr_html_()
    assert h.startswith("<h4>") and "role:CHN:trade" in h
    assert res.passed is False and res.failed


def test_another_focal_uses_the_same_rules(mng_flows, tmp_path):
    """The default doctrine applied to another focal state (poles CHN, USA, RUS, EU27)."""
    res = check(mng_flows, focal="MNG")
    assert res.focal == "MNG"
    assert any(r.name == "max_domains_led" for r in res.rules)
    for r in res.rules:
        assert isinstance(r.margin, float)


def test_bad_doctrine_is_a_clear_error(tmp_path, mng_flows):
    p = tmp_path / "bad.toml"
    p.write_text('focal = "MNG"\npoles = ["CHN", "RUS"]\n[roles]\nCHN = ["trading"]\n',
                 encoding="utf-8")
    with pytest.raises(DoctrineError) as e:
        check(mng_flows, doctrine=p)
    assert "roles.CHN" in str(e.value) and "trading" in str(e.value)
    assert str(p) in str(e.value)


def test_embedded_check_traces_every_domain_rule(kaz_flows):
    res = check(kaz_flows)
    frame_sources = set(kaz_flows.data["source"])
    domain_rules = [r for r in res.rules if r.name.startswith(("no_critical_dependency:",
                                                                "concentration:"))]
    assert domain_rules
    for r in domain_rules:
        rows = res.source_rows[r.name]
        assert rows, r.name
        assert {x["source"] for x in rows} <= frame_sources
        if not math.isnan(r.margin):
            assert (r.margin >= 0) == r.passed or r.name.startswith("no_critical")


def test_attach_puts_check_and_plan_in_assessment_output(mng_flows, mng_doctrine):
    import equipoise as eq
    from equipoise.doctrine.check import attach

    a = eq.assess(mng_flows, doctrine=mng_doctrine)
    p = eq.plan(assessment=a, n_scenarios=100)
    b = attach(a, mng_flows, plan=p)
    assert "plan" not in a.to_dict()["doctrine"]  # a new assessment; the one given is kept
    d = json.loads(json.dumps(b.to_dict(), default=str))
    assert {"check", "plan"} <= set(d["doctrine"])
    assert d["doctrine"]["plan"]["cvar_after"] <= d["doctrine"]["plan"]["cvar_before"] + 1e-12
    names = [r["name"] for r in d["doctrine"]["check"]["rules"]]
    assert names == [r["name"] for r in d["rules"]]


def test_library_front_door():
    import equipoise as eq

    for name in ("check", "evaluate", "plan", "Action", "load_action", "DoctrineCheck",
                 "Evaluation", "Plan"):
        assert name in eq.__all__ and getattr(eq, name) is not None
    a = eq.load_action("abraham-accords-2025")
    assert isinstance(a, eq.Action) and a.memberships[0].org == "ABRAHAM"


def test_doctrine_errors_give_the_line(tmp_path):
    from equipoise.doctrine.model import default_doctrine_path, load_doctrine

    text = default_doctrine_path().read_text(encoding="utf-8")
    p = tmp_path / "bad.toml"
    p.write_text(text.replace("hhi = 0.4", "hhi = 4"), encoding="utf-8")
    line = next(i + 1 for i, ln in enumerate(text.splitlines()) if ln.startswith("hhi = 0.4"))
    with pytest.raises(DoctrineError) as e:
        load_doctrine(p)
    assert f"line {line}, thresholds.hhi" in str(e.value) and "saw 4" in str(e.value)
