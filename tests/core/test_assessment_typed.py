"""The typed, immutable assessment: records read like the dicts they replace, and
``with_shares`` / ``with_flows`` / ``with_blocs`` give new assessments checked again by the
same path as ``assess`` (hand-computed values on the Mongolia rows of tests/conftest.py)."""

from __future__ import annotations

import ast
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from equipoise.assessment import assess
from equipoise.io.flows import read_flows
from equipoise.scorecard import Assessment, Blocs, Distinctness, DomainResult, Equidistance


@pytest.fixture
def mng(mng_csv):
    return assess(read_flows(mng_csv), focal="MNG")


def _json(a: Assessment) -> str:
    return json.dumps(a.to_dict(), default=str, sort_keys=True)


def test_records_are_frozen_and_typed(mng):
    with pytest.raises(dataclasses.FrozenInstanceError):
        mng.domains = {}
    with pytest.raises(dataclasses.FrozenInstanceError):
        mng.domains["trade"].top_share = 0.1
    assert isinstance(mng.distinctness, Distinctness)
    assert isinstance(mng.equidistance, Equidistance) and isinstance(mng.blocs, Blocs)
    assert isinstance(mng.domains["security"], DomainResult)
    assert isinstance(mng.rules, tuple)
    # typed attributes and the dict view agree, and the view is what --json prints
    assert mng.distinctness.leaders["security"] == "RUS"
    assert mng.equidistance.spread == pytest.approx(0.4)
    d = mng.to_dict()
    assert dict(mng.distinctness) == d["distinctness"]
    assert dict(mng.equidistance) == d["equidistance"]
    assert list(mng.equidistance) == ["measure", "period", "agreement", "spread",
                                      "missing_poles", "sources"]
    assert _json(mng) == _json(mng)  # to_dict changes nothing


def test_with_shares_recomputes_domain_distinctness_and_rules(mng):
    b = mng.with_shares({"security": {"RUS": 0.4, "USA": 0.6}})
    s = b.domains["security"]
    assert s.top_partner == "USA" and s.top_share == pytest.approx(0.6)
    assert s.hhi == pytest.approx(0.4 ** 2 + 0.6 ** 2)
    assert s.effective_partners == pytest.approx(1 / 0.52)
    # the arms-import row (RUS 2/3) moves with RUS's change in the domain: 2/3 * 0.4 / (2/3)
    row = next(r for r in s.screen if r["indicator"] == "security.arms.import")
    assert row["share"] == pytest.approx(0.4) and row["basis"].endswith("scaled by the plan")
    assert s.screen_share == pytest.approx(0.6) and s.critical  # 0.6 >= 0.5, sigma 0.2 <= 0.3
    assert s.margins["critical_share"] == pytest.approx(0.1)
    assert b.distinctness.leaders["security"] == "USA"
    assert b.distinctness.domains_led == {"CHN": 2, "USA": 2, "RUS": 0, "EU27": 0}
    rules = {r.name: r for r in b.rules}
    assert rules["no_critical_dependency:security"].margin == pytest.approx(max(0.5 - 0.6,
                                                                               0.2 - 0.3))
    # the assessment given is left as it was
    assert mng.domains["security"].top_partner == "RUS"
    assert mng.distinctness.leaders["security"] == "RUS"

    c = mng.with_shares({"security": {"RUS": 0.45, "USA": 0.45, "OTH": 0.1}})
    r = {x.name: x for x in c.rules}["no_critical_dependency:security"]
    assert r.passed and r.margin == pytest.approx(0.05)
    assert c.domains["security"].hhi_upper == pytest.approx(2 * 0.45 ** 2 + 0.01)


def test_with_shares_of_the_same_shares_keeps_every_verdict(mng):
    same = mng.with_shares({d: r.shares for d, r in mng.domains.items()})
    before = {r.name: (r.passed, r.margin) for r in mng.rules}
    after = {r.name: (r.passed, r.margin) for r in same.rules}
    assert before.keys() == after.keys()
    for name, (passed, margin) in before.items():
        assert after[name][0] == passed, name
        assert after[name][1] == pytest.approx(margin, nan_ok=True), name


def test_with_flows_is_assess_of_those_flows(mng, mng_csv):
    frame = read_flows(mng_csv).data
    less = frame[~((frame["partner"] == "CHN") & (frame["year"] == 2023)
                   & (frame["domain"] == "trade"))].reset_index(drop=True)
    b = mng.with_flows(less)
    t = b.domains["trade"]
    assert t.shares == pytest.approx({"OTH": 12 / 14, "RUS": 2 / 14})
    assert t.top_partner == "RUS"
    assert _json(b) == _json(assess(less, focal="MNG"))
    assert mng.domains["trade"].top_partner == "CHN"


def test_with_blocs_checks_no_camp_again(mng):
    # MNG has no row in the shipped memberships table: no membership data, no verdict
    assert {r.name: r for r in mng.rules}["no_camp"].status == "insufficient"
    bad = {"org": "X", "kind": "military alliance", "led_by": "RUS", "aimed_at": "USA",
           "status": "member", "start_year": 2020}
    b = mng.with_blocs({"memberships": [bad], "violations": [bad], "led_by_pole": [bad]})
    r = {x.name: x for x in b.rules}["no_camp"]
    assert not r.passed and r.margin == -1.0
    assert b.blocs.violations == [bad] and b.to_dict()["blocs"]["led_by_pole"] == [bad]
    assert mng.blocs.violations == []


def test_scorecard_does_not_import_the_doctrine():
    src = Path(__file__).resolve().parents[2] / "src" / "equipoise" / "scorecard.py"
    tree = ast.parse(src.read_text(encoding="utf-8"))
    mods = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    mods += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in mods if "doctrine" in m]
    code = ("import sys, equipoise.scorecard; "
            "print([m for m in sys.modules if m.startswith('equipoise.doctrine')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
