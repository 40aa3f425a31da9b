"""Readers on the real files in ../shared/data (skipped with a clear reason where absent).

Expected figures come from each folder's SOURCE.md (e.g. SIPRI: Kazakhstan's suppliers by TIV
in the trade register, Russia 3,439; IMF DIP: China's outward position in KAZ 2022, 6,979
reported / 5,937 derived).
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import shared_path

from equipoise.sources import reader


def _read(source, path, **kw):
    rd = reader(source)
    out: dict[str, list] = {}
    qs, n = [], 0
    for sf in rd.files(path):
        for ch in rd.read(sf, **kw):
            d = ch.data if isinstance(ch.data, pd.DataFrame) else ch.data.to_pandas()
            out.setdefault(ch.table, []).append(d)
            qs.append(ch.quarantine)
            n += ch.rows_read
    return ({k: pd.concat(v, ignore_index=True) for k, v in out.items()},
            pd.concat(qs, ignore_index=True), n)


def _input_rows_loaded(q: pd.DataFrame, n: int) -> int:
    return n - len(q)


@pytest.mark.shared_data
def test_sipri_register_kazakhstan_suppliers():
    path = shared_path("sipri-arms-transfers", "trade_register_1995_2024.csv.gz")
    t, q, n = _read("sipri", path)
    f = t["flows"]
    assert n == 25024
    assert q.groupby(["file", "line"]).size().max() == 1  # one reason per rejected row
    kaz = f[f["reporter"] == "KAZ"].groupby("partner")["value"].sum()
    assert kaz["RUS"] == pytest.approx(3439, abs=1)
    assert kaz["ESP"] == pytest.approx(186, abs=1)
    assert (f["indicator"] == "security.arms.import").all() and (f["unit"] == "TIV mn").all()
    assert {"non_state_actor", "unknown_name"} >= set(q["reason"])
    assert q[q["reason"] == "non_state_actor"]["value"].str.contains(r"\*|nknown").all()


@pytest.mark.shared_data
def test_sipri_raw_export_equals_cleaned():
    raw, q1, n1 = _read("sipri", shared_path("sipri-arms-transfers",
                                             "trade_register_1995_2024_raw.csv.gz"))
    clean, q2, n2 = _read("sipri", shared_path("sipri-arms-transfers",
                                               "trade_register_1995_2024.csv.gz"))
    a = raw["flows"].drop(columns="source").sort_values(["year", "reporter", "partner"])
    b = clean["flows"].drop(columns="source").sort_values(["year", "reporter", "partner"])
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    assert len(q1) == len(q2) and n1 == n2
    assert q1["line"].min() > 11  # lines counted past the 11-line preamble


@pytest.mark.shared_data
def test_sipri_tiv_table():
    t, q, _n = _read("sipri", shared_path("sipri-arms-transfers", "tiv_dyad_year_1950_2021.csv.gz"))
    f = t["flows"]
    kaz = f[f["reporter"] == "KAZ"].groupby("partner")["value"].sum()
    assert kaz["RUS"] == pytest.approx(2594, abs=1)
    # the Soviet Union continues as Russia; Czechoslovakia has no ISO3 successor
    assert "Czechoslovakia" in set(q["value"])


@pytest.mark.shared_data
def test_cow_dyadic_trade_flow_semantics():
    path = shared_path("cow-atop-peacesciencer", "cow_trade_ndy.csv.gz")
    t, q, n = _read("cow", path)
    f = t["flows"].set_index(["year", "reporter", "partner"])["value"]
    # first row: ccode1 2 (USA), ccode2 20 (CAN), 1920, flow1 612, flow2 735 (USD mn)
    assert f[(1920, "USA", "CAN")] == pytest.approx(0.612)  # USA imports from Canada
    assert f[(1920, "CAN", "USA")] == pytest.approx(0.735)
    raw = pd.read_csv(path)
    assert n == 2 * len(raw)
    assert n == len(t["flows"]) + len(q)
    missing = q[q["reason"] == "missing_value"]
    assert len(missing) > 0 and missing["message"].str.contains("-9").all()
    kaz = t["flows"][(t["flows"]["reporter"] == "KAZ") & (t["flows"]["year"] == 2014)]
    assert kaz.set_index("partner")["value"]["CHN"] > 1  # USD bn


@pytest.mark.shared_data
def test_cow_national_trade_and_igo():
    t, q, n = _read("cow", shared_path("cow-atop-peacesciencer", "cow_trade_sy.csv.gz"))
    f = t["flows"]
    assert set(f["partner"]) == {"WLD"}
    assert set(f["indicator"]) == {"trade.goods.import", "trade.goods.export"}
    assert n == len(f) + len(q)
    t, q, n = _read("cow", shared_path("cow-atop-peacesciencer", "cow_igo_ndy.csv.gz"))
    g = t["flows"]
    kr = g[(g["reporter"] == "KAZ") & (g["partner"] == "RUS") & (g["year"] == 2014)]
    rk = g[(g["reporter"] == "RUS") & (g["partner"] == "KAZ") & (g["year"] == 2014)]
    assert len(kr) == 1 and kr["value"].iloc[0] == rk["value"].iloc[0] == 47


@pytest.mark.shared_data
def test_alliances_atop_and_cow():
    t, q, n = _read("cow", shared_path("cow-atop-peacesciencer", "atop_alliance.csv.gz"))
    a = t["alliances"]
    kr = a[(a["state1"] == "KAZ") & (a["state2"] == "RUS") & (a["year"] == 2010)]
    assert "defense" in set(kr["kind"])  # CSTO
    assert n - len(q) == len(pd.read_csv(shared_path("cow-atop-peacesciencer",
                                                     "atop_alliance.csv.gz"))) - len(q)
    t, q, n = _read("cow", shared_path("cow-atop-peacesciencer", "cow_alliance.csv.gz"))
    assert {"defense", "neutral", "nonagg", "entente"} >= set(t["alliances"]["kind"])


@pytest.mark.shared_data
def test_imf_dip_reported_or_derived():
    path = shared_path("imf-dip-fdi", "imf_dip_outward_positions_5reporters_2014_2024.csv.gz")
    t, q, n = _read("imf-dip", path)
    f = t["flows"].set_index(["year", "reporter", "partner", "indicator"])["value"]
    key = (2022, "KAZ", "CHN", "finance.fdi.position_partner_reported")
    assert f[key] == pytest.approx(6979, abs=1)
    assert n == len(t["flows"]) + len(q)
    assert "superseded" in set(q["reason"]) and "aggregate" in set(q["reason"])
    t2, _, _ = _read("imf-dip", path, prefer="derived")
    f2 = t2["flows"].set_index(["year", "reporter", "partner", "indicator"])["value"]
    assert f2[key] == pytest.approx(5937, abs=1)
    assert f2[(2022, "KAZ", "USA", "finance.fdi.position_partner_reported")] == \
        pytest.approx(43739, abs=1)
    assert not f.index.duplicated().any() and not f2.index.duplicated().any()


@pytest.mark.shared_data
def test_imf_dip_inward():
    path = shared_path("imf-dip-fdi", "imf_dip_inward_positions_5reporters_2014_2024.csv.gz")
    t, _q, _n = _read("imf-dip", path)
    f = t["flows"]
    assert set(f["indicator"]) == {"finance.fdi.stock"} and set(f["unit"]) == {"USD bn"}
    assert set(f["reporter"]) <= {"CHN", "DEU", "JPN", "SGP", "USA"}


@pytest.mark.shared_data
def test_gem_pipelines_corridors():
    t, q, n = _read("gem", shared_path("gem-gas-pipelines", "gem_ggit_gas_pipelines_2022.csv.gz"))
    e = t["corridor_edges"]
    assert n == 2449 and n == e["route_id"].nunique() + len(q)
    cac = e[e["route"].str.contains("Central Asia.China", na=False)]  # GEM writes an en dash
    pairs = set(zip(cac["from_node"], cac["to_node"], strict=True))
    assert {("TKM", "UZB"), ("UZB", "KAZ"), ("KAZ", "CHN")} <= pairs
    assert cac["capacity"].notna().any() and set(cac["unit"]) == {"bcm/y"}
    assert set(q["reason"]) == {"unknown_name"} and "Kosovo" in set(q["value"])
    nodes = t["corridor_nodes"]
    assert {"KAZ", "CHN", "RUS"} <= set(nodes["node"])


@pytest.mark.shared_data
def test_icews_counts():
    t, q, n = _read("icews", shared_path("icews-dyadic-netify", "icews_dyad_year_2002_2014.csv.gz"))
    ev = t["event_counts"]
    assert n == len(ev) + len(q)
    kaz = ev[(ev["actor"] == "KAZ") | (ev["counterpart"] == "KAZ")]
    assert len(kaz) == 3926
    assert (ev[["verbal_coop", "material_coop", "verbal_conflict", "material_conflict"]] >= 0).all().all()


@pytest.mark.shared_data
def test_memberships_snapshot():
    t, _q, n = _read("memberships", shared_path("io-memberships", "countrycodes_orgs_long.csv.gz"),
                    observed_year=2020)
    m = t["memberships"]
    kaz = m[(m["country"] == "KAZ") & (m["status"] == "member")]
    assert {"SCO", "CSTO", "CIS", "OSCE"} <= set(kaz["org"])
    assert (m["observed_year"] == 2020).all() and m["start_year"].isna().all()
    assert n == len(pd.read_csv(shared_path("io-memberships", "countrycodes_orgs_long.csv.gz")))
