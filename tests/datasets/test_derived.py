"""derived.csv is exactly what scripts/derive_kazakhstan.py makes from the shared raw data."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from conftest import shared_path

from equipoise import reference

from ._facts import DATASET, SCRIPT, shared_root


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    shared_path("sipri-arms-transfers")
    out = tmp_path_factory.mktemp("derived")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--shared", str(shared_root()),
         "--out", str(out / "derived.csv"), "--hs-domains", str(out / "hs_domains.csv")],
        capture_output=True, text=True, check=True)
    return out, proc


def test_derived_csv_is_current(regenerated):
    out, _ = regenerated
    assert (out / "derived.csv").read_bytes() == (DATASET / "derived.csv").read_bytes()


def test_hs_domains_is_current(regenerated):
    out, _ = regenerated
    shipped = reference.path("hs_domains").read_bytes()
    assert (out / "hs_domains.csv").read_bytes() == shipped


def test_unmapped_suppliers_are_reported(regenerated):
    _, proc = regenerated
    assert "'unknown supplier(s)' has no ISO3 code" in proc.stderr
    assert "warning(s)" in proc.stdout


def test_script_rejects_a_missing_shared_folder(tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT), "--shared", str(tmp_path / "nope"),
                           "--out", str(tmp_path / "x.csv")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "is not a folder" in proc.stderr
    assert not (tmp_path / "x.csv").exists()


def test_derived_layout_and_size():
    d = pd.read_csv(DATASET / "derived.csv", dtype={"product": str}, keep_default_na=False)
    assert 200 <= len(d) <= 700
    counts = d.groupby("indicator").size()
    assert set(counts.index) == {"security.arms.import", "political.unga.agreement",
                                 "political.igo.shared", "finance.fdi.position_partner_reported",
                                 "trade.goods.turnover", "trade.goods.import",
                                 "asymmetry.goods.export", "asymmetry.goods.import",
                                 "asymmetry.goods.focal_import", "asymmetry.goods.focal_export"}
    una = d[d["indicator"] == "political.unga.agreement"]
    assert una["value"].between(0, 1).all()
    assert set(una["partner"]) == {"USA", "RUS", "CHN", "EU27"}
    assert una.loc[una["partner"] == "EU27", "year"].agg(["min", "max"]).tolist() == [1992, 2019]
    assert una.loc[una["partner"] == "USA", "year"].agg(["min", "max"]).tolist() == [1992, 2023]
    igo = d[d["indicator"] == "political.igo.shared"]
    assert igo["year"].agg(["min", "max"]).tolist() == [1992, 2014]
    fdi = d[d["indicator"] == "finance.fdi.position_partner_reported"]
    assert not fdi.duplicated(["partner", "year"]).any()
    assert set(fdi["source"]) == {"IMF:DIP-reported", "IMF:DIP-derived"}


def test_bsv_session_to_year_mapping():
    bsv = pd.read_csv(shared_path("unga-ideal-points", "IdealpointestimatesAll_Jun2024.csv.gz"))
    kaz = bsv[(bsv["ccode"] == 705) & (bsv["session"] == 78)].iloc[0]
    d = pd.read_csv(DATASET / "derived.csv")
    row = d[(d["indicator"] == "political.unga.agreement") & (d["partner"] == "CHN")
            & (d["year"] == 2023)]
    assert row["value"].iat[0] == pytest.approx(kaz["ChinaAgree"], abs=1e-6)


def test_bsv_agreement_is_exact_agreement_like_the_eu27_rows():
    """The EU27 rows (computed from roll calls) use the same definition as BSV's USAgree etc.

    Recomputing KAZ's agreement with the USA, Russia and China from the Voeten roll calls by
    exact agreement matches BSV's published shares to a median absolute difference below 0.03
    per session (BSV keeps a slightly smaller set of votes); counting abstentions as half
    agreement would not (differences of 0.05-0.2).
    """
    votes = pd.read_csv(shared_path("unvotes", "un_votes.csv.gz"),
                        usecols=["rcid", "country_code", "vote"], keep_default_na=False)
    calls = pd.read_csv(shared_path("unvotes", "un_roll_calls.csv.gz"), usecols=["rcid", "session"])
    votes = votes.merge(calls, on="rcid")
    bsv = pd.read_csv(shared_path("unga-ideal-points", "IdealpointestimatesAll_Jun2024.csv.gz"))
    bsv = bsv[bsv["ccode"] == 705].set_index("session")
    code = {"yes": 1, "abstain": 2, "no": 3}
    kaz = votes[votes["country_code"] == "KZ"]
    for iso2, col in (("US", "USAgree"), ("RU", "RUSSAgree"), ("CN", "ChinaAgree")):
        m = kaz.merge(votes[votes["country_code"] == iso2][["rcid", "vote"]], on="rcid")
        exact = (m["vote_x"] == m["vote_y"]).groupby(m["session"]).mean()
        half = (1 - (m["vote_x"].map(code) - m["vote_y"].map(code)).abs() / 2).groupby(
            m["session"]).mean()
        assert (exact - bsv[col]).dropna().abs().median() < 0.03, iso2
        assert (half - bsv[col]).dropna().abs().median() > 0.05, iso2


def _script_module():
    import importlib.util

    from ._facts import SCRIPT as path

    spec = importlib.util.spec_from_file_location("derive_kazakhstan", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_sipri_name_map_targets_known_codes():
    mod = _script_module()
    assert set(mod.SIPRI_NAMES.values()) <= reference.country_codes()
    names = set(reference.load("countries")["name"])
    # the explicit map only holds spellings the countries table lacks
    assert not set(mod.SIPRI_NAMES) & names


def test_number_format_is_stable():
    fmt = _script_module()._fmt
    assert [fmt(v) for v in (1175.2, 0.1, 1 / 3, 2.0, 0.0, -0.0)] == [
        "1175.2", "0.1", "0.333333", "2", "0", "0"]


def test_bns_trade_rows():
    """Kazakhstan's own trade statistics: 2023 total and EU27 as published (SOURCE.md gives
    139.6 bn and the bureau's EU row 41.3 bn), EU27 as one partner with no member beside it,
    the United Kingdom outside it, partners at least 1 % of the year's total."""
    from equipoise import reference

    d = pd.read_csv(DATASET / "derived.csv", dtype={"product": str}, keep_default_na=False)
    t = d[d["source"] == "BNS:trade-by-partner"]
    assert set(t["unit"]) == {"USD thousand"}
    assert t["year"].agg(["min", "max"]).tolist() == [2018, 2023]
    turn = t[(t["indicator"] == "trade.goods.turnover") & (t["year"] == 2023)]
    v = dict(zip(turn["partner"], turn["value"], strict=True))
    assert round(v["WLD"] / 1e6, 1) == 139.6
    assert round(v["EU27"] / 1e6, 1) == 41.3
    assert round(v["CHN"] / 1e6, 1) == 30.1 and round(v["RUS"] / 1e6, 1) == 27.1
    for (ind, year), g in t.groupby(["indicator", "year"]):
        members = set(reference.expand_group("EU27", int(year)))
        assert not members & set(g["partner"]), (ind, year)
        assert "GBR" not in members
        wld = g.loc[g["partner"] == "WLD", "value"].iat[0]
        named = g[~g["partner"].isin(["WLD", "EU27"])]
        assert (named["value"] >= 0.01 * wld).all(), (ind, year)
        assert g.loc[g["partner"] != "WLD", "value"].sum() <= wld
