"""Shared test fixtures.

``shared_data`` points at ../shared/data beside the checkout (or $EQUIPOISE_SHARED_DATA) and
skips the test with a clear reason where it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("EQUIPOISE_SHARED_DATA", ROOT.parent / "shared" / "data"))

settings.register_profile("equipoise", derandomize=True, deadline=None, max_examples=100)
settings.load_profile("equipoise")

os.environ.setdefault("NO_COLOR", "1")
os.environ.setdefault("COLUMNS", "200")


def shared_path(*parts: str) -> Path:
    """Path under ../shared/data; skips the calling test when it is absent."""
    p = SHARED_DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"needs {p} (../shared/data beside the checkout, or set "
                    f"EQUIPOISE_SHARED_DATA); it is absent here")
    return p


@pytest.fixture
def shared_data() -> Path:
    return shared_path()


# A second country (Mongolia) written by the tests; its figures are made up for the tests.
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
