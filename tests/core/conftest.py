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


@pytest.fixture
def mng_csv(tmp_path):
    """A second country (Mongolia) written by the test; figures are made up for the test."""
    p = tmp_path / "mongolia.csv"
    p.write_text(MNG_ROWS, encoding="utf-8")
    return p
