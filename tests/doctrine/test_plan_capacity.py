"""The plan's capacities come from measured supply (issue 13 point 6): hand-made supply tables,
the documented bound ``cap = min(1, x0 + min(step, B * c))``, no growth without capacity
evidence, the evidence in the JSON and the text, and a partner order that does not depend on
the hash seed."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from equipoise.assessment import plan
from equipoise.doctrine.plan.capacity import Supply, capacity_table, evidence_of, headroom


def _arms(rows):
    return Supply("security", pd.DataFrame(rows, columns=["year", "partner", "value"]),
                  "SIPRI", "arms exports", "world TIV", "TIV mn", window=5)


def test_capacity_table_shares_by_hand():
    # 2018 is outside the five-year window 2019-23; 2024 is after the plan's year 2023
    s = _arms([(2018, "USA", 1000), (2019, "USA", 40), (2023, "USA", 20), (2020, "FRA", 30),
               (2021, "CAN", 10), (2024, "CAN", 500)])
    ev = capacity_table(s, 2023, ["USA", "FRA", "CAN", "ESP", "OTH"])
    assert ev["USA"].share == pytest.approx(60 / 100)
    assert ev["FRA"].share == pytest.approx(30 / 100)
    assert ev["CAN"].share == pytest.approx(10 / 100)
    assert ev["ESP"].share == 0.0 and "OTH" not in ev
    assert ev["CAN"].period == "2019-23"
    assert ev["CAN"].text == "CAN arms exports 10.0% of world TIV 2019-23 (SIPRI)"


def test_group_pole_supplies_what_its_members_supply():
    s = _arms([(2022, "DEU", 30), (2022, "FRA", 20), (2022, "USA", 50)])
    ev = capacity_table(s, 2022, ["EU27"])
    assert ev["EU27"].share == pytest.approx(0.5)
    assert "members with data: DEU, FRA" in ev["EU27"].text


def test_headroom_formula():
    s = _arms([(2022, "USA", 80), (2022, "CAN", 20), (2022, "ZAF", 0)])
    ev = capacity_table(s, 2022, ["USA", "CAN", "ZAF"])
    # min(step, B * c): step 0.125, budget 0.25
    assert headroom(ev["USA"], 0.125, 0.25) == pytest.approx(0.125)       # 0.25*0.8 = 0.2
    assert headroom(ev["CAN"], 0.125, 0.25) == pytest.approx(0.25 * 0.2)  # 0.05
    assert headroom(ev["ZAF"], 0.125, 0.25) == 0.0
    pres = evidence_of("energy", {"RUS": 0.6, "USA": 0.0, "OTH": 0.4}, 2022, None, False)
    assert headroom(pres["RUS"], 0.125, 0.25) == 0.125
    assert headroom(pres["USA"], 0.125, 0.25) == 0.0
    assert "no capacity data given" in pres["RUS"].text


@pytest.fixture(scope="module")
def kaz_security(kaz_flows):
    """The KAZ security plan with a hand-made supply table: USA and ESP supply, CAN, ZAF and
    the rest do not."""
    s = _arms([(2022, "USA", 60), (2023, "ESP", 20), (2021, "ITA", 20), (2022, "CAN", 0)])
    return plan(kaz_flows, domains=["security"], n_scenarios=300, supply={"security": s})


def test_zero_capacity_partner_is_never_proposed(kaz_security):
    t = kaz_security.shifts.set_index("partner")
    for p in ("CAN", "ZAF", "TUR", "FRA", "DEU", "CZE", "CHN"):
        if p in t.index:
            assert t.loc[p, "target"] <= t.loc[p, "current"] + 1e-9, p
            assert t.loc[p, "capacity"] == pytest.approx(t.loc[p, "current"])


def test_bound_equals_the_formula(kaz_security):
    t = kaz_security.shifts.set_index("partner")
    B = kaz_security.request.budget
    assert t.loc["USA", "capacity"] == pytest.approx(t.loc["USA", "current"]
                                                     + min(B / 2, B * 0.6))
    assert t.loc["ESP", "capacity"] == pytest.approx(t.loc["ESP", "current"] + B * 0.2)
    assert t.loc["OTH", "capacity"] == pytest.approx(t.loc["OTH", "current"])
    assert (t["target"] <= t["capacity"] + 1e-7).all()


def test_evidence_in_json_and_text(kaz_security):
    d = json.loads(json.dumps(kaz_security.to_dict(), default=str))
    ev = d["capacity_evidence"]["security"]["USA"]
    assert ev["basis"] == "measured" and ev["share"] == pytest.approx(0.6)
    assert ev["source"] == "SIPRI" and ev["period"] == "2019-23"
    up = [s for s in d["shifts"] if s["shift"] > 0]
    assert up and all(s["capacity_basis"] == "measured" for s in up)
    assert all("% of world TIV" in s["capacity_evidence"] for s in up)
    text = kaz_security.summary()
    usa = next(x for x in up if x["partner"] == "USA")
    assert f"USA: {usa['target']:.1%} of security - capacity: USA arms exports 60.0% of " \
           f"world TIV 2019-23 (SIPRI)" in " ".join(text.split())


def test_without_supply_only_present_partners_grow(kaz_flows):
    p = plan(kaz_flows, domains=["security", "corridors"], n_scenarios=300)
    t = p.shifts
    grew = t[t["shift"] > 5e-4]
    assert (grew["current"] > 0).all()
    absent = t[(t["current"] == 0) & (t["partner"] != "OTH")]
    assert len(absent) and (absent["target"] <= 1e-9).all()
    assert all("no capacity data given" in n for n in p.capacity_notes)
    assert "Capacity: " in p.summary()


def test_partner_order_sorts_ties_by_code(kaz_flows):
    """The simulated units after the poles follow (-largest share, code): a tie never falls
    to the hash order of a set."""
    p = plan(kaz_flows, n_scenarios=50)
    poles = list(p.scenarios.units[:4])
    rest = [u for u in p.scenarios.units if u not in poles]
    big = {u: max(g.loc[g["partner"] == u, "current"].max() for _, g in p.shifts.groupby(
        "domain") if u in set(g["partner"])) for u in rest}
    assert rest == sorted(rest, key=lambda u: (-big[u], u))


def test_supply_source_without_shared_data(monkeypatch, tmp_path):
    from equipoise import context

    monkeypatch.setenv(context.SHARED_DATA, str(tmp_path / "missing"))
    assert context.plan_supply_source() == {}


@pytest.mark.shared_data
def test_supply_source_reads_the_shared_data(shared_data):
    from equipoise import context

    s = context.plan_supply_source()
    assert set(s) == {"security", "trade", "finance", "energy"}
    ev = capacity_table(s["security"], 2024, ["USA", "CAN", "BMU"])
    assert ev["CAN"].period == "2020-24" and 0 < ev["CAN"].share < 0.02
    assert 0.3 < ev["USA"].share < 0.6 and ev["BMU"].share == 0.0
    fin = capacity_table(s["finance"], 2025, ["USA", "GBR", "BMU"])
    # not IMF DIP reporters: unknown, not zero (no measured capacity either way)
    assert fin["BMU"].basis == "none" and fin["GBR"].share is None
    assert "of the IMF DIP reporters' sum (CHN, DEU, JPN, USA; not the world)" in \
        fin["USA"].text and fin["USA"].period == "2024"


@pytest.mark.shared_data
def test_cli_plan_json_carries_capacity_evidence(shared_data):
    """`plan --json` on the embedded default: no move without measured capacity in security
    and finance (no Canada at 12.6 % of security, no Bermuda in finance)."""
    from typer.testing import CliRunner

    from equipoise._cli.main import app

    r = CliRunner().invoke(app, ["plan", "--json", "--scenarios", "300",
                                 "--domains", "security,finance"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    up = [s for s in d["shifts"] if s["shift"] > 0]
    assert up and all(s["capacity_basis"] == "measured" for s in up)
    can = next(s for s in d["targets"] if s["domain"] == "security" and s["partner"] == "CAN")
    assert can["target"] < 0.01
    assert not [s for s in up if s["partner"] in ("BMU", "GBR")]
