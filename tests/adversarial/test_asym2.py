"""Adversarial cases of the two-way dependence work (area asym2): a pole total of 0, a pole
side that exists in another year only, bad years on the dashboard's asymmetry page and download.
Each: the input made here, the exit code or HTTP status, the text, and no traceback."""

from __future__ import annotations

import json
import warnings

import pytest
from typer.testing import CliRunner

TRACEBACK = "Traceback (most recent call last)"
HEADER = "year,reporter,partner,domain,indicator,product,value,unit,source\n"


def _flows(tmp_path, rows):
    p = tmp_path / "flows.csv"
    p.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_a_pole_total_of_zero_is_unknown_not_a_crash(tmp_path):
    from equipoise._cli.main import app

    data = _flows(tmp_path, [
        "2023,MNG,CHN,trade,trade.goods.import,,30,USD bn,a",
        "2023,MNG,WLD,trade,trade.goods.import,,100,USD bn,a",
        "2023,CHN,MNG,trade,asymmetry.goods.export,,0,%,b",
        "2023,CHN,WLD,trade,asymmetry.goods.export,,0,%,b"])
    res = CliRunner().invoke(app, ["assess", "--focal", "MNG", "--data", str(data), "--json"])
    assert res.exit_code == 0, res.output
    assert TRACEBACK not in res.output
    (row,) = [r for r in json.loads(res.stdout)["asymmetry"]["rows"] if r["pole"] == "CHN"]
    assert row["pole_share_in_focal"] == pytest.approx(0.3)
    assert row["focal_share_in_pole"] is None and row["ratio"] is None
    assert any("total of asymmetry.goods.export in 2023 is 0" in u for u in row["unknown"])


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    from equipoise.present.views import Context
    from equipoise.present.web import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        app = create_app(context=Context(focal="KAZ"), alignment_reps=10, mc_runs=500)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("url", ["/asymmetry", "/api/asymmetry.csv", "/api/asymmetry.xlsx"])
@pytest.mark.parametrize("year", ["1800", "twenty", "2023.5"])
def test_bad_years_are_refused(client, url, year):
    r = client.get(url, params={"year": year})
    assert r.status_code == 422, (url, year, r.status_code)
    assert "year" in r.text and TRACEBACK not in r.text


def test_an_unknown_format_is_404(client):
    r = client.get("/api/asymmetry.json")
    assert r.status_code in (404, 422) and TRACEBACK not in r.text
