"""Issue 13 point 5, the data fixes: route shares of China-Europe transit, supporting indicators,
stale figures kept and flagged, a group and its members not counted twice, the 2024 crude routes.

Hand-made flow files where a rule is general; the embedded default where a shipped figure is.
"""

from __future__ import annotations

import pytest

from equipoise import datasets
from equipoise.errors import InputError
from equipoise.io.flows import read_flows
from equipoise.measures.exposure import (
    _combine,
    domain_share_series,
    indicator_role,
    indicator_shares,
    pole_share,
    supporting_years,
)
from equipoise.reference import expand_group

HEADER = "year,reporter,partner,domain,indicator,product,value,unit,source\n"


def _flows(tmp_path, rows):
    p = tmp_path / "flows.csv"
    p.write_text(HEADER + "\n".join(",".join(map(str, r)) for r in rows) + "\n",
                 encoding="utf-8")
    return read_flows(p)


def _row(year, partner, domain, indicator, value, unit):
    return (year, "MNG", partner, domain, indicator, "", value, unit, "test")


@pytest.fixture(scope="module")
def kaz_series():
    return domain_share_series(datasets.load_default("KAZ"), "KAZ")


def _shares(series, domain, year):
    g = series[(series["domain"] == domain) & (series["year"] == year)]
    return dict(zip(g["partner"], g["share"], strict=True)), g


# -- corridors: Russia's northern route is visible -------------------------------------------

def test_corridor_route_shares_2024_by_hand(kaz_series):
    # Chinese transit 2024 15.3 mt (M9): TITR 4.5 (M3) -> AZE, 15.3 - 4.5 = 10.8 -> RUS
    shares, g = _shares(kaz_series, "corridors", 2024)
    assert shares["RUS"] == pytest.approx(10.8 / 15.3)  # 0.70588
    assert shares["AZE"] == pytest.approx(4.5 / 15.3)  # 0.29412
    assert "CHN" not in shares  # rail freight with China is supporting evidence only
    assert g["indicator_years"].iat[0] == "corridors.transit.route:2024"
    assert g["supporting"].iat[0] == "corridors.rail.freight:2024;corridors.route.freight:2024"


def test_corridor_route_rows_match_the_rail_graph():
    """The northern-route row is the shipped rail graph's northern edge (10.8 of 15.3 mt)."""
    import pandas as pd

    from ._facts import ROOT

    edges = pd.read_csv(ROOT / "src/equipoise/reference/corridors/kaz_edges.csv")
    north = edges[(edges["route"] == "Northern route") & (edges["source"] == "KZ_RAIL")]
    d = datasets.load_default("KAZ").data
    rus = d[(d["indicator"] == "corridors.transit.route") & (d["partner"] == "RUS")]
    assert float(north["capacity"].iat[0]) == pytest.approx(float(rus["value"].iat[0]))


# -- security: a one-week deployment is not a security partner -------------------------------

def test_roles_in_the_indicators_table():
    assert indicator_role("security.troops.deployed") == "supporting"
    assert indicator_role("security.arms.import") == "share"
    assert indicator_role("no.such.indicator") == "share"


def test_supporting_indicator_out_of_the_shares_but_listed(tmp_path):
    # arms: RUS 80, CHN 20 -> 0.8 / 0.2; troops (supporting): RUS 3000, BLR 500 never enter
    rows = [_row(2022, "RUS", "security", "security.arms.import", 80, "TIV mn"),
            _row(2022, "CHN", "security", "security.arms.import", 20, "TIV mn"),
            _row(2022, "RUS", "security", "security.troops.deployed", 3000, "persons"),
            _row(2022, "BLR", "security", "security.troops.deployed", 500, "persons")]
    ish = indicator_shares(_flows(tmp_path, rows), "MNG")
    s = _combine(ish, None)
    assert dict(zip(s["partner"], s["share"], strict=True)) == {"CHN": 0.2, "RUS": 0.8}
    assert set(s["indicator_years"]) == {"security.arms.import:2022"}
    assert set(s["supporting"]) == {"security.troops.deployed:2022"}
    assert supporting_years(ish, "security", 2022) == {"security.troops.deployed": 2022}


def test_only_supporting_evidence_makes_no_domain_year(tmp_path):
    rows = [_row(2022, "RUS", "security", "security.troops.deployed", 3000, "persons")]
    assert _combine(indicator_shares(_flows(tmp_path, rows), "MNG"), None).empty


def test_kaz_security_has_no_belarus(kaz_series):
    shares, g = _shares(kaz_series, "security", 2024)
    assert "BLR" not in shares and "ARM" not in shares
    assert g["supporting"].iat[0] == "security.troops.deployed:2022"


def test_explain_lists_supporting_rows():
    from equipoise.explain import explain_domain

    ex = explain_domain(datasets.load_default("KAZ"), focal="KAZ", domain="security")
    sup = ex.indicator_shares[ex.indicator_shares["role"] == "supporting"]
    assert set(sup["partner"]) == {"ARM", "BLR", "KGZ", "RUS", "TJK"}
    assert "security.troops.deployed" in set(ex.rows["indicator"])
    assert "security.troops.deployed" not in ex.result.indicator_years
    assert "BLR" not in ex.result.shares


# -- uranium: the latest figure kept, flagged stale ------------------------------------------

def _energy(tmp_path, uranium_year, other_year):
    return [_row(other_year, "RUS", "energy", "energy.gas.transit", 6, "bcm"),
            _row(other_year, "WLD", "energy", "energy.gas.transit", 10, "bcm"),
            _row(uranium_year, "CHN", "energy", "energy.uranium.export_value", 3, "USD bn"),
            _row(uranium_year, "WLD", "energy", "energy.uranium.export_value", 4, "USD bn")]


def test_stale_figure_kept_and_flagged(tmp_path):
    # 2024: gas transit RUS 0.6 (weight 1); uranium 2020 (4 years back, beyond the lookback
    # of 3) CHN 0.75 (weight 0.5): RUS 0.6/1.5 = 0.4, CHN 0.375/1.5 = 0.25
    s = _combine(indicator_shares(_flows(tmp_path, _energy(tmp_path, 2020, 2024)), "MNG"), None)
    g = s[s["year"] == 2024]
    sh = dict(zip(g["partner"], g["share"], strict=True))
    assert sh["RUS"] == pytest.approx(0.4) and sh["CHN"] == pytest.approx(0.25)
    assert g["indicator_years"].iat[0] == ("energy.gas.transit:2024;"
                                           "energy.uranium.export_value:2020")
    assert g["stale"].iat[0] == "energy.uranium.export_value:2020"


def test_figure_beyond_the_stale_age_is_left_out(tmp_path):
    s = _combine(indicator_shares(_flows(tmp_path, _energy(tmp_path, 2018, 2024)), "MNG"), None)
    g = s[s["year"] == 2024]
    assert g["indicator_years"].iat[0] == "energy.gas.transit:2024"
    assert g["stale"].iat[0] == ""


def test_kaz_uranium_kept_in_energy_2024(kaz_series):
    _, g = _shares(kaz_series, "energy", 2024)
    assert "energy.uranium.export_value:2020" in g["indicator_years"].iat[0]
    assert g["stale"].iat[0] == "energy.uranium.export_value:2020"


# -- a group and its members in one indicator ------------------------------------------------

def _eu_rows():
    # WLD 100: EU27 40 (Germany 10 of it), CHN 30
    return [_row(2022, p, "trade", "trade.goods.turnover", v, "USD bn")
            for p, v in {"EU27": 40, "DEU": 10, "CHN": 30, "WLD": 100}.items()]


def test_eu27_and_member_refused_with_location(tmp_path):
    """A group and its member for one indicator-year are refused where they are (the loader's
    ``group_overlap``), so no share can count Germany twice."""
    with pytest.raises(InputError) as exc:
        _flows(tmp_path, _eu_rows())
    msg = str(exc.value)
    assert "flows.csv line 3, column 'partner': group_overlap: saw 'DEU', a member of EU27" in msg
    assert "line 2 for trade.goods.turnover 2022" in msg


def test_eu27_and_member_lenient_counts_eu27_once(tmp_path):
    # lenient: Germany's row is quarantined; EU27 0.4, CHN 0.3, OTH 0.3; the EU27 pole 0.4, not 0.5
    p = tmp_path / "flows.csv"
    p.write_text(HEADER + "\n".join(",".join(map(str, r)) for r in _eu_rows()) + "\n",
                 encoding="utf-8")
    fs = read_flows(p, lenient=True)
    assert fs.counts["read"] == 4 and fs.counts["loaded"] == 3 and fs.counts["quarantined"] == 1
    assert list(fs.quarantine["value"]) == ["DEU"]
    assert list(fs.quarantine["reason"]) == ["group_overlap"]
    ish = indicator_shares(fs, "MNG")
    sh = dict(zip(ish["partner"], ish["share"], strict=True))
    assert sh == pytest.approx({"CHN": 0.3, "EU27": 0.4, "OTH": 0.3})
    assert pole_share(sh, "EU27", 2022) == pytest.approx(0.4)


def test_kaz_trade_members_never_beside_eu27():
    d = datasets.load_default("KAZ").data
    eu = d[d["partner"] == "EU27"]
    assert not eu.empty
    for (ind, year), _ in eu.groupby(["indicator", "year"]):
        same = d[(d["indicator"] == ind) & (d["year"] == year)
                 & d["partner"].isin(expand_group("EU27", int(year)))]
        assert same.empty, (ind, year)


# -- energy: the Atyrau-Samara line in the 2024 routes ---------------------------------------

def test_crude_routes_2024_by_hand():
    # Jan-Oct 2024 (O10), no export total: CPC 46.3 + Atyrau-Samara 7.2 + Aktau-Makhachkala 1.6
    # = 55.1 RUS; Aktau-BTC 1.2 AZE; Atasu-Alashankou 1 CHN; sum 57.3
    ish = indicator_shares(datasets.load_default("KAZ"), "KAZ")
    g = ish[(ish["indicator"] == "energy.crude.export_route") & (ish["year"] == 2024)]
    sh = dict(zip(g["partner"], g["share"], strict=True))
    assert sh == pytest.approx({"RUS": 55.1 / 57.3, "AZE": 1.2 / 57.3, "CHN": 1 / 57.3})
    assert set(g["basis"]) == {"sum"}


# -- trade: the EU in turnover and imports -----------------------------------------------------

def test_kaz_trade_turnover_2023_has_the_eu_against_the_world_total():
    # BNS 2023 (thousand USD): total 139,551,038; EU27 41,302,826; China 30,055,390
    ish = indicator_shares(datasets.load_default("KAZ"), "KAZ")
    g = ish[(ish["indicator"] == "trade.goods.turnover") & (ish["year"] == 2023)]
    sh = dict(zip(g["partner"], g["share"], strict=True))
    assert set(g["basis"]) == {"WLD"}
    assert sh["EU27"] == pytest.approx(41_302_826 / 139_551_038, abs=1e-6)  # 0.296
    assert sh["CHN"] == pytest.approx(30_055_390 / 139_551_038, abs=1e-6)  # 0.215
    imp = ish[(ish["indicator"] == "trade.goods.import") & (ish["year"] == 2023)]
    assert {"CHN", "RUS", "EU27", "OTH"} <= set(imp["partner"])
    assert imp["share"].sum() == pytest.approx(1.0)
