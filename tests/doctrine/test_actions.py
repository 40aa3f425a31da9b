"""Actions: parsing with clear errors, application to flows / corridors / memberships, and the
before-after evaluation."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from equipoise import reference
from equipoise.assessment import evaluate  # the front door: resolves the defaults (context)
from equipoise.doctrine.actions import (
    Action,
    apply_action,
    example_actions,
    load_action,
    parse_action,
    remove_baseline,
)
from equipoise.errors import ActionError

HEAD = 'id = "t"\ntitle = "test action"\nsources = ["test:src"]\ndate = "2024-01-01"\n'


def _value(fs, partner, indicator, year=2023):
    d = fs.data
    m = (d["partner"] == partner) & (d["indicator"] == indicator) & (d["year"] == year)
    return float(d.loc[m, "value"].sum()) if m.any() else None


# --------------------------------------------------------------------------- parsing

def test_parse_error_names_line_key_and_value():
    text = HEAD + '\n[[flow]]\nop = "add"\npartner = "USA"\nindicator = "trade.goods.imports"\nvalue = 1\n'
    with pytest.raises(ActionError) as e:
        parse_action(text, where="a.toml")
    msg = str(e.value)
    assert "a.toml line 9" in msg  # the indicator line
    assert "flow[0].indicator" in msg and "trade.goods.imports" in msg
    assert "indicators.csv" in msg


def test_parse_collects_every_problem():
    text = (HEAD + '\n[[flow]]\nop = "add"\npartner = "XXK"\nindicator = "trade.goods.import"\n'
            '\n[[flow]]\nop = "scale"\npartner = "CHN"\nindicator = "trade.goods.import"\n')
    with pytest.raises(ActionError) as e:
        parse_action(text, where="b.toml")
    msg = str(e.value)
    assert "2 problem(s)" in msg
    assert "XXK" in msg and "needs a 'factor'" in msg


def test_missing_sources_is_an_error():
    with pytest.raises(ActionError, match="sources"):
        parse_action('id = "x"\ntitle = "y"\n', where="c.toml")


def test_not_toml():
    with pytest.raises(ActionError, match="not valid TOML"):
        parse_action("id = ", where="d.toml")


def test_action_is_frozen_and_hashable():
    a = parse_action(HEAD + '\n[[flow]]\npartner = "USA"\nindicator = "trade.goods.turnover"\n'
                     'value = 2\n', where="e.toml")
    assert isinstance(a, Action) and hash(a) == hash(a)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.id = "other"
    assert a.flows[0].line == 6


# --------------------------------------------------------------------------- application

def test_add_moves_the_world_total_and_keeps_input(mng_flows):
    before = mng_flows.data.copy()
    a = parse_action(HEAD + '\n[[flow]]\nop = "add"\npartner = "USA"\n'
                     'indicator = "trade.goods.turnover"\nvalue = 3\n', where="f.toml")
    out = apply_action(a, mng_flows, focal="MNG")
    pd.testing.assert_frame_equal(mng_flows.data, before)  # input untouched
    assert _value(out.flows, "USA", "trade.goods.turnover") == pytest.approx(4)
    assert _value(out.flows, "WLD", "trade.goods.turnover") == pytest.approx(13)
    row = out.flows.data[(out.flows.data["partner"] == "USA")
                         & (out.flows.data["indicator"] == "trade.goods.turnover")].iloc[0]
    assert row["source"] == "test:src" and row["file"] == "f.toml" and row["line"] == 6
    assert out.flows.counts["loaded"] == len(out.flows.data)
    ops = [x["op"] for x in out.log]
    assert ops == ["add", "total"]


def test_scale_and_set(mng_flows):
    a = parse_action(HEAD + '\n[[flow]]\nop = "scale"\npartner = "RUS"\n'
                     'indicator = "energy.crude.export_route"\nfactor = 0.5\n'
                     '\n[[flow]]\nop = "set"\npartner = "CHN"\n'
                     'indicator = "technology.deals.value"\nproduct = "deal:b"\nvalue = 0.5\n',
                     where="g.toml")
    out = apply_action(a, mng_flows, focal="MNG")
    assert _value(out.flows, "RUS", "energy.crude.export_route") == pytest.approx(4)
    assert _value(out.flows, "WLD", "energy.crude.export_route") == pytest.approx(6)
    assert _value(out.flows, "CHN", "technology.deals.value") == pytest.approx(0.5)


def test_percent_indicator_keeps_its_total(tmp_path):
    from equipoise.io.flows import read_flows

    p = tmp_path / "x.csv"
    p.write_text("year,reporter,partner,domain,indicator,product,value,unit,source\n"
                 "2024,MNG,CHN,trade,trade.goods.export_share,,60,%,t\n"
                 "2024,MNG,WLD,trade,trade.goods.export_share,,100,%,t\n", encoding="utf-8")
    a = parse_action(HEAD + '\n[[flow]]\npartner = "RUS"\nindicator = '
                     '"trade.goods.export_share"\nvalue = 10\n', where="h.toml")
    out = apply_action(a, read_flows(p), focal="MNG")
    assert _value(out.flows, "WLD", "trade.goods.export_share", 2024) == 100
    assert _value(out.flows, "RUS", "trade.goods.export_share", 2024) == 10


def test_scale_matching_nothing_is_an_error(mng_flows):
    a = parse_action(HEAD + '\n[[flow]]\nop = "scale"\npartner = "KOR"\n'
                     'indicator = "trade.goods.turnover"\nfactor = 2\n', where="i.toml")
    with pytest.raises(ActionError, match=r"i\.toml line 6: scale matches no row"):
        apply_action(a, mng_flows, focal="MNG")


def test_new_row_is_validated(mng_flows):
    """A member of a group given beside the group for the same indicator and year is refused."""
    a = parse_action(HEAD + '\n[[flow]]\npartner = "EU27"\nindicator = "finance.fdi.stock"\n'
                     'value = 1\n', where="j.toml")
    with pytest.raises(ActionError, match="group_overlap"):
        apply_action(a, mng_flows, focal="MNG")


def test_baseline_removes_rows_and_total(mng_flows):
    a = parse_action(HEAD + '\n[[baseline]]\nyear = 2023\npartner = "CHN"\n'
                     'indicator = "trade.goods.turnover"\n', where="k.toml")
    out, log = remove_baseline(a, mng_flows, focal="MNG")
    assert _value(out, "CHN", "trade.goods.turnover") is None
    assert _value(out, "WLD", "trade.goods.turnover") == pytest.approx(4)
    assert [x["op"] for x in log] == ["remove", "total"]
    bad = parse_action(HEAD + '\n[[baseline]]\nyear = 2020\npartner = "CHN"\n'
                       'indicator = "trade.goods.turnover"\n', where="l.toml")
    with pytest.raises(ActionError, match="matches no row"):
        remove_baseline(bad, mng_flows, focal="MNG")


def test_corridor_capacity_changes_max_flow():
    from equipoise.risk.corridors import load_corridors, max_flow

    g = load_corridors(focal="KAZ")
    a = parse_action(HEAD + '\n[[corridor]]\nop = "set"\nroute = "Middle Corridor (TITR)"\n'
                     'capacity = 10\n', where="m.toml")
    out = apply_action(a, pd.DataFrame(columns=["year", "reporter", "partner", "domain",
                                                "indicator", "product", "value", "unit",
                                                "source"]), focal="KAZ", corridors=g)
    before = max_flow(g, "CHN_RAIL", ["EUROPE"], without=["RUS"])
    after = max_flow(out.corridors, "CHN_RAIL", ["EUROPE"], without=["RUS"])
    assert after > before
    assert max_flow(g, "CHN_RAIL", ["EUROPE"]) == max_flow(g, "CHN_RAIL", ["EUROPE"])  # unchanged
    assert {x["op"] for x in out.log} == {"set"}
    nope = parse_action(HEAD + '\n[[corridor]]\nop = "scale"\nroute = "Silk Road"\nfactor = 2\n',
                        where="n.toml")
    with pytest.raises(ActionError, match="routes in the graph"):
        apply_action(nope, pd.DataFrame(), focal="KAZ", corridors=g)


def test_corridor_new_edge_needs_country():
    from equipoise.risk.corridors import load_corridors, max_flow

    g = load_corridors(focal="KAZ")
    a = parse_action(HEAD + '\n[[corridor]]\nop = "add_edge"\nsource = "KZ_RAIL"\n'
                     'target = "NEWPORT"\ncapacity = 3\n', where="o.toml")
    with pytest.raises(ActionError, match="target_country"):
        apply_action(a, pd.DataFrame(), focal="KAZ", corridors=g)
    a2 = parse_action(HEAD + '\n[[corridor]]\nop = "add_edge"\nsource = "KZ_RAIL"\n'
                      'target = "EUROPE"\ncapacity = 3\nroute = "new line"\n', where="p.toml")
    out = apply_action(a2, pd.DataFrame(), focal="KAZ", corridors=g)
    assert max_flow(out.corridors, "CHN_RAIL", ["EUROPE"], without=["RUS"]) == pytest.approx(
        max_flow(g, "CHN_RAIL", ["EUROPE"], without=["RUS"]) + 3)


def test_membership_join_and_forbidden_camp(mng_doctrine):
    from equipoise.doctrine.rules import membership_check

    orgs = reference.load("organisations").copy()
    orgs.loc[orgs["org"] == "NATO", "aimed_at"] = "RUS"  # a test reading, not the shipped one
    a = parse_action(HEAD + '\n[[membership]]\nop = "join"\norg = "NATO"\n', where="q.toml")
    mem = reference.load("memberships")
    out = apply_action(a, pd.DataFrame(), focal="MNG", memberships=mem)
    before = membership_check(mng_doctrine, 2024, memberships=mem, organisations=orgs)
    after = membership_check(mng_doctrine, 2024, memberships=out.memberships, organisations=orgs)
    assert not before["violations"]
    assert [v["org"] for v in after["violations"]] == ["NATO"]
    leave = parse_action(HEAD + '\n[[membership]]\nop = "leave"\norg = "NATO"\n', where="r.toml")
    with pytest.raises(ActionError, match="is not in NATO"):
        apply_action(leave, pd.DataFrame(), focal="MNG", memberships=mem)
    bad = HEAD + '\n[[membership]]\nop = "join"\norg = "WARSAW"\n'
    with pytest.raises(ActionError, match=r"organisations\.csv"):
        parse_action(bad, where="s.toml")


# --------------------------------------------------------------------------- evaluation

def test_evaluate_reports_rule_changes_with_margins(mng_flows, mng_doctrine):
    """USA deals of 4 bn move the technology lead from CHN (3 of 4) to USA (5 of 8)."""
    a = parse_action(HEAD + '\n[[flow]]\npartner = "USA"\nindicator = "technology.deals.value"\n'
                     'product = "deal:c"\nvalue = 4\n', where="t.toml")
    ev = evaluate(a, mng_flows, doctrine=mng_doctrine, n_scenarios=200)
    changed = {r["name"]: r for r in ev.changed_rules}
    assert "role:USA:technology" in changed
    r = changed["role:USA:technology"]
    assert r["passed_before"] is False and r["passed_after"] is True
    assert r["margin_before"] == pytest.approx(0.25 - 0.75)
    assert r["margin_after"] == pytest.approx(5 / 8 - 3 / 8)
    worse = {c["measure"] for c in ev.worsens}
    better = {c["measure"] for c in ev.improves}
    assert "shock.CHN.total_loss" in better and "shock.USA.total_loss" in worse
    d = json.loads(json.dumps(ev.to_dict(), default=str))
    assert {"before", "after", "changed_rules"} <= set(d)
    assert "role:USA:technology" in ev.summary() and "<h4>" in ev._repr_html_()


def test_evaluate_no_change_action(mng_flows, mng_doctrine):
    a = parse_action(HEAD + '\n[[event]]\ncounterpart = "CHN"\nkind = "visit"\n'
                     'domains = ["trade"]\n', where="u.toml")
    ev = evaluate(a, mng_flows, doctrine=mng_doctrine, n_scenarios=100)
    assert ev.changed_rules == [] and ev.improves == [] and ev.worsens == []
    assert ev.before.risk["cvar"] == ev.after.risk["cvar"]


# --------------------------------------------------------------------------- shipped examples

KZ_FACTS = Path(__file__).resolve().parents[3] / "shared" / "reference" / "kz-facts.md"


def test_at_least_six_examples_each_sourced():
    names = example_actions()
    assert len(names) >= 6
    ind = reference.indicator_table()
    try:
        from equipoise.datasets import load_sources

        register = set(load_sources("KAZ")["id"])
    except Exception:  # pragma: no cover - register absent
        register = set()
    facts = KZ_FACTS.read_text(encoding="utf-8") if KZ_FACTS.exists() else None
    for n in names:
        a = load_action(n)
        assert a.sources and a.quote, n
        assert re.search(r"\d", a.quote), f"{n}: the quote carries the figure"
        assert a.date[:4] in ("2023", "2024", "2025"), n
        for f in a.flows:
            assert f.indicator in ind.index, (n, f.indicator)
        for s in a.sources:
            if s in register:
                continue
            assert s.startswith("KZF:"), (n, s)
            if facts is not None:
                entry = s.removeprefix("KZF:")
                assert re.search(rf"\|\s*{re.escape(entry)}\s*\|", facts), (n, s)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["us-c5plus1-deals-2025", "middle-corridor-expansion",
                                  "abraham-accords-2025", "arms-turkey-cobra-2024",
                                  "china-2024-agreements", "russia-gas-transit-2024",
                                  "btc-oil-2024"])
def test_examples_evaluate(name, kaz_flows):
    ev = evaluate(name, kaz_flows, n_scenarios=200)
    d = ev.to_dict()
    assert d["log"], name
    assert {"before", "after", "changed_rules", "improves", "worsens"} <= set(d)
    json.dumps(d, default=str)


def test_middle_corridor_lowers_loss_without_russia(kaz_flows):
    ev = evaluate("middle-corridor-expansion", kaz_flows, n_scenarios=1000)
    m = {c["measure"]: c for c in ev.changes}
    c = m["corridors.rail_transit.loss_without_RUS"]
    assert c["after"] < c["before"] and c["direction"] == "improves"
    # the corridor model of the RUS shock sees it too, and so does the full simulation
    assert m["shock.RUS.total_loss"]["direction"] == "improves"
    assert ev.after.simulation["cvar"] <= ev.before.simulation["cvar"]
    assert ev.before.simulation["partners"] == ev.after.simulation["partners"]


def test_change_outside_the_assessed_year_is_noted(mng_flows, mng_doctrine):
    a = parse_action(HEAD + '\n[[flow]]\npartner = "USA"\nindicator = "trade.goods.turnover"\n'
                     'year = 2020\nvalue = 5\n', where="v.toml")
    ev = evaluate(a, mng_flows, doctrine=mng_doctrine, n_scenarios=50)
    assert any("lands in 2020" in n and "line 6" in n for n in ev.notes)
    # only the year-on-year volatility sees a 2020 row
    assert {r["name"] for r in ev.changed_rules} <= {"predictability"}
    assert not [c for c in ev.changes if c["measure"].startswith("trade.")]


def test_two_changes_to_one_total_both_count(mng_flows):
    a = parse_action(HEAD + '\n[[flow]]\npartner = "USA"\nindicator = "trade.goods.turnover"\n'
                     'value = 1\n\n[[flow]]\npartner = "KOR"\nindicator = "trade.goods.turnover"\n'
                     'value = 2\n\n[[flow]]\npartner = "USA"\nindicator = "trade.goods.turnover"\n'
                     'value = 0.5\n', where="w.toml")
    out = apply_action(a, mng_flows, focal="MNG")
    assert _value(out.flows, "WLD", "trade.goods.turnover") == pytest.approx(13.5)
    assert _value(out.flows, "USA", "trade.goods.turnover") == pytest.approx(2.5)
    assert _value(out.flows, "KOR", "trade.goods.turnover") == pytest.approx(2)
    assert len(out.flows.data) == len(mng_flows.data) + 1


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_MNG = {}


def _mng():
    if "fs" not in _MNG:
        import tempfile

        from equipoise.io.flows import read_flows

        from .conftest import MNG_ROWS

        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "m.csv"
            p.write_text(MNG_ROWS, encoding="utf-8")
            _MNG["fs"] = read_flows(p)
    return _MNG["fs"]


def _values(fs) -> dict:
    d = fs.data
    return {(int(y), p, i, "" if pr is None or pr != pr else pr): float(v)
            for y, p, i, pr, v in zip(d["year"], d["partner"], d["indicator"], d["product"],
                                      d["value"], strict=True)}


@settings(max_examples=15, deadline=None)
@given(value=st.floats(0.001, 1e4, allow_nan=False),
       partner=st.sampled_from(["USA", "KOR", "JPN", "RUS"]))
def test_add_then_remove_restores_the_data(value, partner):
    """Adding a flow and taking the partner's row out again as a baseline leaves every other
    value as it was, and the WLD total reduced by the partner's original row (if any)."""
    fs = _mng()
    a = parse_action(HEAD + f'\n[[flow]]\npartner = "{partner}"\nindicator = '
                     f'"trade.goods.turnover"\nyear = 2023\nvalue = {value!r}\n', where="x.toml")
    out = apply_action(a, fs, focal="MNG").flows
    b = parse_action(HEAD + f'\n[[baseline]]\nyear = 2023\npartner = "{partner}"\n'
                     'indicator = "trade.goods.turnover"\n', where="y.toml")
    back, _ = remove_baseline(b, out, focal="MNG")
    orig, got = _values(fs), _values(back)
    own = (2023, partner, "trade.goods.turnover", "")
    wld = (2023, "WLD", "trade.goods.turnover", "")
    assert own not in got
    assert got[wld] == pytest.approx(orig[wld] - orig.get(own, 0.0))
    rest = {k: v for k, v in orig.items() if k not in (own, wld)}
    assert {k: got[k] for k in rest} == pytest.approx(rest)
    assert set(got) == set(rest) | {wld}
