"""Blocs, platforms, the no-camp rule and co-membership."""

import pandas as pd
import pytest

from equipoise.errors import NoDataError
from equipoise.measures.blocs import bloc_report, co_membership

ORGS = pd.DataFrame({
    "org": ["AAA", "BBB", "CCC", "DDD"],
    "name": ["Anti-pole alliance", "Pole-led security pact", "Forum", "Old alliance"],
    "kind": ["military alliance", "collective security", "regional forum", "military alliance"],
    "led_by": ["", "RUS", "", "USA"],
    "aimed_at": ["CHN;RUS", "", "", ""],
})
MEM = pd.DataFrame({
    "org": ["BBB", "BBB", "CCC", "CCC", "CCC", "DDD", "DDD", "AAA"],
    "country": ["MNG", "RUS", "MNG", "CHN", "DEU", "MNG", "USA", "USA"],
    "start_year": [2000, 2000, 1995, 1995, 2010, 1990, 1990, 1950],
    "end_year": [None, None, None, None, None, 2005, None, None],
    "status": ["member"] * 8,
})


def test_no_camp_passes_without_anti_pole_alliance():
    r = bloc_report("MNG", "CHN,RUS,USA,EU27", year=2020, organisations=ORGS, memberships=MEM,
                    cow_igo=False)
    assert r.no_camp["passed"]
    assert r.no_camp["led_by_pole"] == [{"org": "BBB", "kind": "collective security",
                                         "led_by_pole": "RUS"}]
    assert r.blocs["org"].tolist() == ["BBB"]
    assert r.platforms["org"].tolist() == ["CCC"]


def test_membership_in_alliance_aimed_at_pole_fails():
    mem = pd.concat([MEM, pd.DataFrame({"org": ["AAA"], "country": ["MNG"],
                                        "start_year": [2015], "end_year": [None],
                                        "status": ["member"]})])
    r = bloc_report("MNG", "CHN,RUS,USA", year=2020, organisations=ORGS, memberships=mem,
                    cow_igo=False)
    assert not r.no_camp["passed"]
    assert r.no_camp["violations"] == [{"org": "AAA", "kind": "military alliance",
                                        "aimed_at_pole": "CHN;RUS"}]
    # before joining, the rule holds
    assert bloc_report("MNG", "CHN,RUS,USA", year=2010, organisations=ORGS, memberships=mem,
                       cow_igo=False).no_camp["passed"]


def test_strict_reading_forbids_any_military_alliance():
    r = bloc_report("MNG", "CHN,RUS,USA", year=2000, organisations=ORGS, memberships=MEM,
                    aimed_only=False, cow_igo=False)
    assert [v["org"] for v in r.no_camp["violations"]] == ["DDD"]  # in force until 2005


def test_co_membership_by_year_and_group_pole():
    c = co_membership(MEM, focal="MNG", poles=["CHN", "RUS", "USA", "EU27"],
                      years=[2004, 2012])
    c = c.set_index(["year", "pole"])["shared"]
    assert c[(2004, "CHN")] == 1 and c[(2004, "RUS")] == 1 and c[(2004, "USA")] == 1
    assert c[(2012, "USA")] == 0  # DDD ended 2005
    # EU27: mean over the members of that year (26 in 2012: Croatia joined in 2013);
    # only DEU shares CCC (from 2010)
    from equipoise.reference import expand_group

    assert len(expand_group("EU27", 2012)) == 26
    assert c[(2012, "EU27")] == pytest.approx(1 / 26)
    assert c[(2004, "EU27")] == 0


def test_no_memberships_is_clear():
    with pytest.raises(NoDataError, match="no memberships of MNG in 1980"):
        bloc_report("MNG", "CHN,RUS,USA", year=1980, organisations=ORGS, memberships=MEM, cow_igo=False)


def test_shipped_tables_kaz():
    r = bloc_report("KAZ", "CHN,RUS,USA,EU27", year=2025, cow_igo=False)
    assert r.no_camp["passed"]  # the doctrine: no camp aimed at a pole
    assert "CSTO" in set(r.blocs["org"])
    assert {"SCO", "UN"} <= set(r.platforms["org"])


@pytest.mark.shared_data
def test_cow_igo_kaz():
    from conftest import shared_path

    from equipoise.measures.blocs import cow_igo_shared

    p = shared_path("cow-atop-peacesciencer", "cow_igo_ndy.csv.gz")
    c = cow_igo_shared(p, focal="KAZ", poles=["CHN", "RUS", "USA", "EU27"])
    assert c["year"].min() >= 1991 and c["year"].max() == 2014
    y = c[c["year"] == 2014].set_index("pole")["shared_igos"]
    # read from the file: 2-705 34, 365-705 47 (dyad-year rows of COW IGO v3)
    assert y["USA"] == 34 and y["RUS"] == 47
    assert y["RUS"] > y["CHN"]
