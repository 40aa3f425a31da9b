"""Fixtures for the doctrine tests: a small made-up focal state (Mongolia, figures invented for
the tests, labelled ``test:*``) so that every expected number can be worked out by hand."""

from __future__ import annotations

import pytest

MNG_ROWS = """year,reporter,partner,domain,indicator,product,value,unit,source
2023,MNG,CHN,trade,trade.goods.turnover,,6,USD bn,test:customs
2023,MNG,RUS,trade,trade.goods.turnover,,2,USD bn,test:customs
2023,MNG,USA,trade,trade.goods.turnover,,1,USD bn,test:customs
2023,MNG,WLD,trade,trade.goods.turnover,,10,USD bn,test:customs
2023,MNG,RUS,energy,energy.crude.export_route,,8,mt,test:energy
2023,MNG,CHN,energy,energy.crude.export_route,,2,mt,test:energy
2023,MNG,WLD,energy,energy.crude.export_route,,10,mt,test:energy
2023,MNG,USA,technology,technology.deals.value,deal:a,1,USD bn,test:deals
2023,MNG,CHN,technology,technology.deals.value,deal:b,3,USD bn,test:deals
2023,MNG,RUS,security,security.arms.import,,30,TIV mn,test:sipri
2023,MNG,USA,security,security.arms.import,,10,TIV mn,test:sipri
2023,MNG,USA,political,political.unga.agreement,,0.4,share,test:votes
2023,MNG,RUS,political,political.unga.agreement,,0.6,share,test:votes
2023,MNG,CHN,political,political.unga.agreement,,0.65,share,test:votes
2023,MNG,DEU,finance,finance.fdi.stock,,2,USD bn,test:fdi
2023,MNG,USA,finance,finance.fdi.stock,,1,USD bn,test:fdi
2023,MNG,CHN,finance,finance.fdi.stock,,1,USD bn,test:fdi
"""

DOCTRINE = """
name = "test doctrine (Mongolia, made up)"
focal = "MNG"
poles = ["CHN", "RUS", "USA"]

[roles]
CHN = ["trade"]
USA = ["technology"]
RUS = ["security"]

[domains]
critical = ["trade", "energy", "technology", "security", "finance"]
functional = ["trade", "energy", "technology", "security", "finance"]

[domains.substitutability]
trade = 0.6
energy = 0.2
technology = 0.4
security = 0.2
finance = 0.5
"""


@pytest.fixture
def mng_csv(tmp_path):
    p = tmp_path / "mongolia.csv"
    p.write_text(MNG_ROWS, encoding="utf-8")
    return p


@pytest.fixture
def mng_flows(mng_csv):
    from equipoise.io.flows import read_flows

    return read_flows(mng_csv)


@pytest.fixture
def mng_doctrine_path(tmp_path):
    p = tmp_path / "mongolia.toml"
    p.write_text(DOCTRINE, encoding="utf-8")
    return p


@pytest.fixture
def mng_doctrine(mng_doctrine_path):
    from equipoise.doctrine.model import load_doctrine

    return load_doctrine(mng_doctrine_path)


@pytest.fixture(scope="session")
def kaz_flows():
    from equipoise.datasets import load_default

    return load_default("KAZ")
