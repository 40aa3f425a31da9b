import pandas as pd
import pytest
from conftest import shared_path

# A toy vote table written by the test: focal AAA = KAZ, poles USA, RUS, CHN and two EU states.
# Votes chosen by hand so that every measure can be computed on paper (see test_alignment.py).
TOY = """rcid,year,session,country,vote
1,2010,65,KAZ,yes
1,2010,65,USA,no
1,2010,65,RUS,yes
1,2010,65,CHN,yes
1,2010,65,DEU,yes
1,2010,65,FRA,abstain
2,2010,65,KAZ,yes
2,2010,65,USA,yes
2,2010,65,RUS,yes
2,2010,65,CHN,yes
2,2010,65,DEU,yes
2,2010,65,FRA,yes
3,2010,65,KAZ,abstain
3,2010,65,USA,no
3,2010,65,RUS,abstain
3,2010,65,CHN,yes
3,2010,65,DEU,no
3,2010,65,FRA,absent
4,2010,65,KAZ,no
4,2010,65,USA,yes
4,2010,65,RUS,no
4,2010,65,CHN,absent
4,2010,65,DEU,yes
4,2010,65,FRA,yes
5,2011,66,KAZ,absent
5,2011,66,USA,yes
5,2011,66,RUS,no
5,2011,66,CHN,no
5,2011,66,DEU,yes
5,2011,66,FRA,yes
"""


@pytest.fixture
def toy_votes_path(tmp_path):
    p = tmp_path / "votes.csv"
    p.write_text(TOY, encoding="utf-8")
    return p


@pytest.fixture
def toy_votes(toy_votes_path):
    from equipoise.sources.unvotes import read_votes

    return read_votes(toy_votes_path)


@pytest.fixture
def toy_frame():
    import io

    return pd.read_csv(io.StringIO(TOY))


@pytest.fixture(scope="session")
def unvotes():
    from equipoise.sources.unvotes import read_votes

    return read_votes(shared_path("unvotes"))


@pytest.fixture(scope="session")
def idealpoints():
    from equipoise.sources.idealpoints import read_idealpoints

    return read_idealpoints(shared_path("unga-ideal-points",
                                        "IdealpointestimatesAll_Jun2024.csv.gz"))
