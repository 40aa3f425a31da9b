"""The dashboard's two-way dependence page (/asymmetry) and its downloads
(/api/asymmetry.csv, .xlsx) on the embedded default (flows.csv and derived.csv): the table with
the ratios, years and sources, unknown shown as unknown (an empty CSV cell), never 0."""

from __future__ import annotations

import io
import warnings

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def kaz_client():
    from fastapi.testclient import TestClient

    from equipoise.present.views import Context
    from equipoise.present.web import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        app = create_app(context=Context(focal="KAZ"), alignment_reps=10, mc_runs=500)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_page_shows_the_table_with_ratios_and_sources(kaz_client):
    r = kaz_client.get("/asymmetry")
    assert r.status_code == 200, r.text[:500]
    html = r.text
    table = html[html.index('id="asymmetry"'):]
    table = table[:table.index("</table>")]
    assert "goods (focal imports / pole exports)" in table
    # EU27: 17.1 % of KAZ's imports (BNS 2023) against 0.48 % of EU exports (Eurostat 2023)
    assert "17.1% (2023)" in table and "0.48% (2023)" in table and "35.35 (2023)" in table
    assert 'href="/sources#src-' in table and "EUROSTAT:comext-eu27-exports" in table
    assert "COW:trade-v4" in table and "both sides in 2014" in table
    assert 'href="/api/asymmetry.csv"' in html and 'href="/asymmetry"' in html  # link + nav
    assert "unknown" in table and "Traceback" not in html


def test_csv_download_has_the_same_rows(kaz_client):
    r = kaz_client.get("/api/asymmetry.csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "equipoise-asymmetry-KAZ.csv" in r.headers["content-disposition"]
    df = pd.read_csv(io.StringIO(r.text))
    assert {"pole", "flow", "pole_share_in_focal", "focal_share_in_pole", "ratio",
            "ratio_year", "sources", "unknown"} <= set(df.columns)
    page_rows = kaz_client.get("/asymmetry").text.count("<tr") - 1
    assert len(df) == page_rows
    goods = df[df["flow"] == "goods (focal imports / pole exports)"].set_index("pole")
    assert goods.loc["EU27", "ratio"] == pytest.approx(0.170727 / 0.00482982, rel=1e-4)
    assert goods.loc["EU27", "ratio_year"] == 2023
    assert goods.loc["CHN", "ratio_year"] == 2014 and goods.loc["CHN", "sources"] == "COW:trade-v4"
    eu_exp = df[(df["flow"] == "goods (focal exports / pole imports)") & (df["pole"] == "EU27")]
    # Eurostat's file holds no EU imports: unknown is an empty cell with its reason, not 0
    assert eu_exp["focal_share_in_pole"].isna().all() and eu_exp["ratio"].isna().all()
    assert eu_exp["unknown"].str.contains("no asymmetry.goods.import row").all()


def test_xlsx_and_year_and_bad_year(kaz_client):
    r = kaz_client.get("/api/asymmetry.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    r = kaz_client.get("/api/asymmetry.csv", params={"year": 2013})
    df = pd.read_csv(io.StringIO(r.text))
    goods = df[df["flow"] == "goods (focal imports / pole exports)"].set_index("pole")
    assert goods.loc["CHN", "ratio_year"] == 2013
    # the EU's share of KAZ's imports starts in 2018 (BNS): unknown in 2013, not 0
    assert pd.isna(goods.loc["EU27", "pole_share_in_focal"]) and pd.isna(goods.loc["EU27", "ratio"])
    assert goods.loc["EU27", "focal_share_in_pole"] == pytest.approx(0.00403636)
    bad = kaz_client.get("/api/asymmetry.csv", params={"year": "soon"})
    assert bad.status_code == 422 and "Traceback" not in bad.text
