"""Two-way dependence (issue 13 point 7): hand-computed shares on small flow files, an absent
total is unknown (never 0), the KAZ default shows sourced uranium and transit rows, and the
assessment, its JSON, the text and the report carry it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from equipoise.assessment import assess
from equipoise.io.flows import read_flows
from equipoise.measures.asymmetry import asymmetry, side_share

HEADER = "year,reporter,partner,domain,indicator,product,value,unit,source\n"
CRUDE_F, CRUDE_P = "energy.crude.export_destination", "asymmetry.crude.import"
TRANSIT = "asymmetry.transit.china_europe"


def _write(tmp_path, rows):
    p = tmp_path / "flows.csv"
    p.write_text(HEADER + "\n".join(",".join(map(str, r)) for r in rows) + "\n",
                 encoding="utf-8")
    return p


BASE = [
    # the focal state's side: 8 of its 10 mt of crude go to China, 2 to the EU
    (2023, "MNG", "CHN", "energy", CRUDE_F, "", 8, "mt", "f1"),
    (2023, "MNG", "EU27", "energy", CRUDE_F, "", 2, "mt", "f1"),
    (2023, "MNG", "WLD", "energy", CRUDE_F, "", 10, "mt", "f1"),
    # China's side: 5 of its 500 mt of crude imports come from the focal state
    (2023, "CHN", "MNG", "energy", CRUDE_P, "", 5, "mt", "p1"),
    (2023, "CHN", "WLD", "energy", CRUDE_P, "", 500, "mt", "p1"),
    # the EU's side: 3 mt from the focal state, the EU's total is not given
    (2023, "EU27", "MNG", "energy", CRUDE_P, "", 3, "mt", "p2"),
    # China's overland freight to Europe: 40 % through the focal state
    (2023, "CHN", "MNG", "corridors", TRANSIT, "", 40, "%", "p3"),
    (2023, "CHN", "WLD", "corridors", TRANSIT, "", 100, "%", "p3"),
    # a trade row so that the focal state has a domain of its own
    (2023, "MNG", "CHN", "trade", "trade.goods.turnover", "", 6, "USD bn", "t"),
    (2023, "MNG", "RUS", "trade", "trade.goods.turnover", "", 4, "USD bn", "t"),
]


@pytest.fixture
def flows(tmp_path):
    return read_flows(_write(tmp_path, BASE))


def _get(res, pole, flow_word):
    (r,) = [r for r in res["rows"] if r["pole"] == pole and flow_word in r["flow"]]
    return r


def test_hand_computed_shares_and_ratio(flows):
    res = asymmetry(flows.data, "MNG", ["CHN", "USA", "RUS", "EU27"])
    r = _get(res, "CHN", "crude")
    assert r["pole_share_in_focal"] == pytest.approx(0.8)       # 8 / 10
    assert r["focal_share_in_pole"] == pytest.approx(0.01)      # 5 / 500
    assert r["ratio"] == pytest.approx(80.0)                    # 0.8 / 0.01
    assert r["pole_share_year"] == r["focal_share_year"] == 2023
    assert r["sources"] == ["f1", "p1"] and len(r["evidence"]) == 4
    assert r["unknown"] == []
    t = _get(res, "CHN", "transit")
    assert t["focal_share_in_pole"] == pytest.approx(0.4)
    assert t["pole_share_in_focal"] is None and t["ratio"] is None


def test_absent_total_is_unknown_never_zero(flows):
    res = asymmetry(flows.data, "MNG", ["CHN", "EU27"])
    r = _get(res, "EU27", "crude")
    assert r["pole_share_in_focal"] == pytest.approx(0.2)
    assert r["focal_share_in_pole"] is None and r["ratio"] is None
    assert r["focal_share_year"] == 2023
    assert any("total (WLD row)" in u and "not in the data" in u for u in r["unknown"])
    # a pole with no row on either side is not listed at all (not shown as 0)
    assert not [x for x in res["rows"] if x["pole"] in ("USA", "RUS")]
    assert res["counts"]["focal_share_unknown"] >= 1


def test_a_missing_partner_row_is_unknown_and_the_year_bounds_each_side(tmp_path):
    rows = [(2022, "MNG", "CHN", "energy", CRUDE_F, "", 3, "mt", "a"),
            (2022, "MNG", "WLD", "energy", CRUDE_F, "", 4, "mt", "a"),
            (2023, "MNG", "CHN", "energy", CRUDE_F, "", 1, "mt", "b"),
            (2023, "MNG", "WLD", "energy", CRUDE_F, "", 4, "mt", "b"),
            (2023, "MNG", "WLD", "trade", "trade.goods.turnover", "", 4, "USD bn", "t"),
            (2023, "MNG", "RUS", "trade", "trade.goods.turnover", "", 4, "USD bn", "t")]
    df = read_flows(_write(tmp_path, rows)).data
    assert side_share(df, "MNG", "CHN", CRUDE_F)["share"] == pytest.approx(0.25)
    assert side_share(df, "MNG", "CHN", CRUDE_F, year=2022)["share"] == pytest.approx(0.75)
    gone = side_share(df, "MNG", "RUS", CRUDE_F)
    assert gone["share"] is None and "no energy.crude.export_destination row" in gone["reason"]


def test_assessment_carries_it_through_json_with_flows_and_with_shares(flows):
    a = assess(flows, focal="MNG")
    assert a.asymmetry is not None
    d = a.to_dict()["asymmetry"]
    r = _get(d, "CHN", "crude")
    assert r["ratio"] == pytest.approx(80.0)
    assert "Hirschman" in d["definition"]
    assert a.with_shares({"trade": {"CHN": 0.5, "RUS": 0.5}}).asymmetry == a.asymmetry
    fewer = flows.data[flows.data["reporter"] != "CHN"]
    b = a.with_flows(fewer)
    assert _get(b.to_dict()["asymmetry"], "CHN", "crude")["focal_share_in_pole"] is None
    text = "\n".join(str(x) for x in a.renderables() if isinstance(x, str))
    assert "Two-way dependence" in text and "CHN in MNG 80.0%" in text


def test_report_section_lists_rows_and_marks_unknown(flows):
    from equipoise.present.report import SECTIONS, _asymmetry_section

    assert _asymmetry_section in SECTIONS
    a = assess(flows, focal="MNG").to_dict()
    s = _asymmetry_section(SimpleNamespace(a=a))
    assert s["available"] is True
    cells = [row["cells"] for row in s["tables"][0]["rows"]]
    assert any(c[0] == "EU27" and c[3].startswith("unknown") for c in cells)
    assert any(c[0] == "CHN" and c[4] == "80.00 (2023)" and "#src-" in c[5] for c in cells)
    none = _asymmetry_section(SimpleNamespace(a={}))
    assert none["available"] is False


@pytest.mark.slow
def test_kaz_default_shows_sourced_uranium_and_transit_rows():
    a = assess()
    rows = a.to_dict()["asymmetry"]["rows"]
    uran = [r for r in rows if "uranium" in r["flow"]]
    world = _get({"rows": uran}, "WLD", "uranium")
    assert world["focal_share_in_pole"] == pytest.approx(0.34) and world["sources"] == ["KZF:X7"]
    chn_u = _get({"rows": uran}, "CHN", "uranium")
    assert chn_u["pole_share_in_focal"] == pytest.approx(0.77 / 1.7)
    assert chn_u["focal_share_in_pole"] is None  # China's uranium imports: no source
    for pole in ("CHN", "EU27"):
        t = _get({"rows": rows}, pole, "transit")
        assert t["focal_share_in_pole"] == pytest.approx(0.85) and t["sources"] == ["KZF:M6"]
    eu = _get({"rows": rows}, "EU27", "crude")
    assert eu["pole_share_in_focal"] == pytest.approx(46.6 / 70.5)
    assert eu["focal_share_in_pole"] is None  # the EU's total crude imports: not in the data
    assert all(r["sources"] for r in rows)
