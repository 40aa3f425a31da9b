"""Ingest the real files in ../shared/data into a warehouse (skipped where absent)."""

from __future__ import annotations

import pytest
from conftest import shared_path

from equipoise import warehouse
from equipoise.errors import WarehouseError


@pytest.mark.shared_data
def test_votes_and_idealpoints_into_the_warehouse(tmp_path):
    db = tmp_path / "w.duckdb"
    rep = warehouse.ingest("unvotes", shared_path("unvotes"), db=db)
    f = rep.files[0]
    assert f.rows_read == f.rows_loaded + f.rows_quarantined and f.rows_loaded > 800_000
    rep = warehouse.ingest("idealpoints", shared_path(
        "unga-ideal-points", "IdealpointestimatesAll_Jun2024.csv.gz"), db=db)
    assert rep.files[0].rows_loaded > 10_000
    con = warehouse.connect(db)
    votes = con.table("votes")
    kaz = votes.filter(votes.country == "KAZ").count().execute()
    assert kaz == 2394  # SOURCE.md: 2,394 Kazakhstan votes 1992-2020
    ip = con.table("ideal_points")
    row = ip.filter((ip.country == "KAZ") & (ip.session == 60)).execute()
    assert len(row) == 1 and 0 < row["agree_RUS"].iloc[0] <= 1
    with pytest.raises(WarehouseError, match="already open in this process"):
        warehouse.ingest("unvotes", shared_path("unvotes"), db=db)
    con.disconnect()
    assert warehouse.ingest("unvotes", shared_path("unvotes"), db=db).files[0].status == \
        "unchanged"


@pytest.mark.shared_data
def test_flow_sources_read_back_for_kazakhstan(tmp_path):
    db = tmp_path / "w.duckdb"
    warehouse.ingest("sipri", shared_path("sipri-arms-transfers",
                                          "trade_register_1995_2024.csv.gz"), db=db)
    warehouse.ingest("imf-dip", shared_path(
        "imf-dip-fdi", "imf_dip_outward_positions_5reporters_2014_2024.csv.gz"), db=db)
    warehouse.ingest("gem", shared_path("gem-gas-pipelines",
                                        "gem_ggit_gas_pipelines_2022.csv.gz"), db=db)
    fs = warehouse.read_flows(db, focal="KAZ")
    assert fs.counts["quarantined"] == 0
    ind = set(fs.data["indicator"])
    assert {"security.arms.import", "finance.fdi.position_partner_reported"} <= ind
    arms = fs.data[fs.data["indicator"] == "security.arms.import"]
    assert arms.groupby("partner")["value"].sum()["RUS"] == pytest.approx(3439, abs=1)
    edges = warehouse.connect(db).table("corridor_edges").execute()
    assert ((edges["from_node"] == "KAZ") & (edges["to_node"] == "CHN")).any()
