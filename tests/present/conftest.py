"""Fixtures for the report and dashboard tests.

``kaz_csv`` is the embedded Kazakhstan flow file shipped in the package (its rows carry their
sources); ``mng_csv`` a second country written by the test (figures made up for the test), which
has no shipped corridor graph, so the sections that need one must say so instead of showing
numbers.
"""

from __future__ import annotations

import warnings
from importlib import resources
from pathlib import Path

import pytest

MNG_ROWS = """year,reporter,partner,domain,indicator,product,value,unit,source
2022,MNG,CHN,trade,trade.goods.turnover,,8,USD bn,test:customs
2022,MNG,RUS,trade,trade.goods.turnover,,2,USD bn,test:customs
2022,MNG,WLD,trade,trade.goods.turnover,,12,USD bn,test:customs
2023,MNG,CHN,trade,trade.goods.turnover,,9,USD bn,test:customs
2023,MNG,RUS,trade,trade.goods.turnover,,2,USD bn,test:customs
2023,MNG,WLD,trade,trade.goods.turnover,,14,USD bn,test:customs
2023,MNG,RUS,energy,energy.crude.export_route,,1,mt,test:energy
2023,MNG,CHN,energy,energy.crude.export_route,,3,mt,test:energy
2020,MNG,RUS,security,security.arms.import,,10,TIV mn,test:sipri
2022,MNG,USA,security,security.arms.import,,5,TIV mn,test:sipri
2023,MNG,USA,political,political.unga.agreement,,0.3,share,test:votes
2023,MNG,RUS,political,political.unga.agreement,,0.6,share,test:votes
2023,MNG,CHN,political,political.unga.agreement,,0.7,share,test:votes
2023,MNG,DEU,finance,finance.fdi.stock,,1,USD bn,test:fdi
2023,MNG,USA,finance,finance.fdi.stock,,1,USD bn,test:fdi
"""


@pytest.fixture(scope="session")
def mng_csv(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("mng") / "mongolia.csv"
    p.write_text(MNG_ROWS, encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def kaz_csv() -> Path:
    p = Path(str(resources.files("equipoise").joinpath("datasets", "kazakhstan", "flows.csv")))
    if not p.is_file():
        pytest.skip(f"the embedded Kazakhstan flows are absent ({p})")
    return p


@pytest.fixture(scope="session")
def kaz_flows(kaz_csv):
    from equipoise.io.flows import read_flows

    return read_flows([kaz_csv])


@pytest.fixture(scope="session")
def mng_flows(mng_csv):
    from equipoise.io.flows import read_flows

    return read_flows([mng_csv])


@pytest.fixture(scope="session")
def kaz_ctx(kaz_flows):
    from equipoise.present.views import Context

    return Context(kaz_flows, focal="KAZ")


@pytest.fixture(scope="session")
def client(kaz_ctx):
    from fastapi.testclient import TestClient

    from equipoise.present.web import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        app = create_app(context=kaz_ctx, alignment_reps=30, mc_runs=2000)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def mng_client(mng_flows):
    from fastapi.testclient import TestClient

    from equipoise.present.web import create_app

    app = create_app(mng_flows, focal="MNG", alignment_reps=30, mc_runs=2000)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def has_votes() -> bool:
    from equipoise.errors import NoDataError

    try:
        from equipoise.measures.alignment import default_votes

        default_votes()
    except (ImportError, NoDataError):
        return False
    return True
