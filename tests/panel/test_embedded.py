"""The embedded Kazakhstan rows in the panel: their own indicators, their bases, the official
trade by partner replacing press figures, and the index leaving them out (values by hand from
datasets/kazakhstan/*.csv and panel/kaz_press_trade.csv)."""

from __future__ import annotations

import csv
import json

import pytest

from equipoise import panel
from equipoise._cli.main import run
from equipoise.datasets import default_path
from equipoise.doctrine.model import load_doctrine
from equipoise.panel.embedded import PRESS_FILE, embedded_rows
from equipoise.panel.index import balance_index

from .test_sources_extra import write_extra


@pytest.fixture(scope="module")
def rows():
    return embedded_rows()


def _one(df, **kw):
    sel = df
    for k, v in kw.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, (kw, sel)
    return sel.iloc[0]


def test_counts_add_up_and_every_source_is_named(rows):
    df, files = rows
    assert [f["file"] for f in files] == ["kazakhstan/flows.csv", "kazakhstan/derived.csv",
                                          "panel/kaz_press_trade.csv"]
    for f in files:
        assert f["rows_read"] == f["rows_loaded"] + f["rows_quarantined"]
        assert f["rows_quarantined"] == 0  # the shipped files load strictly
    with PRESS_FILE.open() as fh:
        assert files[2]["rows_read"] == sum(1 for _ in csv.DictReader(fh)) == 19
    assert (df["focal"] == "KAZ").all() and df["indicator"].str.startswith("embedded.").all()
    assert not df["source"].str.contains("unknown source").any()
    assert df["source"].notna().all() and df["note"].str.contains("value in ").all()


def test_bases_by_hand(rows):
    df, _ = rows
    # KZF:P5 export shares 2024, with a WLD row of 100 %: CHN 18.3 % -> 0.183
    r = _one(df, indicator="embedded.trade.goods.export_share", year=2024, partner="CHN")
    assert (r.basis, r.status) == ("wld", "ok") and r.share == pytest.approx(0.183)
    # the six partners listed hold 68 % of the exports
    assert r.coverage == pytest.approx((18.3 + 4.5 + 22.9 + 6.5 + 11.7 + 4.1) / 100)
    assert "KZF:P5: " in r.source and r.source.endswith("; kazakhstan/flows.csv")
    # one partner, no total: no share (technology.deals.value: five USA deals of 2025, summed)
    d = _one(df, indicator="embedded.technology.deals.value", year=2025, partner="USA")
    assert d.basis == "single_partner" and d.share != d.share
    assert "products: deal:" in d.note
    # UN agreement does not add up across partners: the value, no share
    a = _one(df, indicator="embedded.political.unga.agreement", year=2010, partner="USA")
    assert a.basis == "value" and a.share != a.share
    # money in USD bn: the BNS rows are in USD thousand
    with (default_path("KAZ") / "derived.csv").open() as fh:
        src = next(x for x in csv.DictReader(fh) if x["year"] == "2022"
                   and x["partner"] == "RUS" and x["indicator"] == "trade.goods.turnover")
    b = _one(df, indicator="embedded.trade.goods.turnover", year=2022, partner="RUS",
             status="ok")
    assert b.value == pytest.approx(float(src["value"]) * 1e-6) and b.basis == "wld"


def test_official_trade_replaces_the_press_figures(rows):
    df, _ = rows
    # KZF:R1 KAZ-RUS turnover 2022 (26.1 USD bn, press): BNS covers 2022 -> superseded
    p = _one(df, indicator="embedded.trade.goods.turnover", year=2022, partner="RUS",
             status="superseded")
    assert p.value == pytest.approx(26.1) and "KZF:R1" in p.source
    assert "replaced by the official trade by partner (BNS) for 2022" in p.note
    # KZF:P6 Russia's share of imports 2021 (43 %): BNS trade.goods.import covers 2021
    s = _one(df, indicator="embedded.trade.goods.import_share", year=2021, partner="RUS")
    assert s.status == "superseded" and s.share == pytest.approx(0.43)
    assert "embedded.trade.goods.import" in s.note
    # nothing official for 2024 exports: KZF:P5 stays ok ...
    assert (df.loc[df.indicator == "embedded.trade.goods.export_share", "status"]
            == "ok").all()
    # ... unless the panel's own national statistics cover the year
    df2, _ = embedded_rows({"trade.goods.export": {2024}})
    r = _one(df2, indicator="embedded.trade.goods.export_share", year=2024, partner="CHN")
    assert r.status == "superseded"
    # every press trade row of 2018-2023 is superseded; no official row is
    press = df[df.source.str.contains("kaz_press_trade")]
    assert len(press) == 19 and (press.status == "superseded").all()
    assert (df.loc[df.source.str.contains("BNS:"), "status"] == "ok").all()


@pytest.fixture(scope="module")
def dbs(tmp_path_factory):
    root = write_extra(tmp_path_factory.mktemp("emb") / "data")
    with_e, without = root.parent / "e.duckdb", root.parent / "n.duckdb"
    rep = panel.build(root, with_e, poles=["CHN", "USA", "RUS", "EU27"])
    panel.build(root, without, embedded=False, poles=["CHN", "USA", "RUS", "EU27"])
    return with_e, without, rep


def test_build_adds_them_and_the_index_leaves_them_out(dbs):
    with_e, without, rep = dbs
    assert rep.rows_by_domain["embedded"] == len(embedded_rows()[0])
    files = panel.show("KAZ", with_e, indicator="embedded.security.arms.import")
    assert len(files) and (files["basis"] == "wld").all()
    a = balance_index(with_e, states=["KAZ"], reps=0, doctrine=load_doctrine()).frame
    b = balance_index(without, states=["KAZ"], reps=0, doctrine=load_doctrine()).frame
    assert a.drop(columns=["note"]).equals(b.drop(columns=["note"]))


def test_panel_show_cli(dbs, capsys):
    with_e, _, _ = dbs
    try:
        run(["panel", "show", "--focal", "KAZ", "--indicator", "embedded.trade.goods.turnover",
             "--year", "2022", "--db", str(with_e), "--json"])
    except SystemExit as exc:
        assert not exc.code
    out = json.loads(capsys.readouterr().out)
    recs = out["records"] if isinstance(out, dict) else out
    rus = [r for r in recs if r["partner"] == "RUS"]
    assert sorted(r["status"] for r in rus) == ["ok", "superseded"]
