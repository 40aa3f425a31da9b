"""Readers of the unvotes and Voeten layouts: mapping, quarantine, counts."""

import gzip

import pytest

from equipoise.errors import SchemaError, UnknownCountryError
from equipoise.sources.unvotes import read_unvotes, read_voeten, read_votes

UN_VOTES = """rcid,country,country_code,vote
10,Kazakhstan,KZ,yes
10,United States,US,no
10,Yugoslavia,YU,yes
10,Namibia,ZZ,abstain
11,Kazakhstan,KZ,maybe
11,China,CN,yes
12,Kazakhstan,KZ,yes
"""
ROLL_CALLS = """rcid,session,importantvote,date,unres,amend,para,short,descr
10,70.0,0,2015-12-01,R/70/1,0,0,x,y
11,71.0,0,2016-10-01,R/71/1,0,0,x,y
"""
ISSUES = """rcid,short_name,issue
10,me,Palestinian conflict
10,hr,Human rights
11,nu,Nuclear weapons and nuclear material
"""
VOETEN = """rcid,session,vote,ccode,member,importantvote,date,unres,me,nu,di,hr,co,ec,year
5,70,1,705,1,0,12/1/2015,R/70/5,1,0,0,0,0,0,2015
5,70,3,2,1,0,12/1/2015,R/70/5,1,0,0,0,0,0,2015
5,70,8,710,1,0,12/1/2015,R/70/5,1,0,0,0,0,0,2015
5,70,9,365,,0,12/1/2015,R/70/5,1,0,0,0,0,0,2015
5,70,1,345,1,0,12/1/2015,R/70/5,1,0,0,0,0,0,2015
6,70,7,705,1,0,12/2/2015,R/70/6,0,0,1,0,0,1,2015
"""


@pytest.fixture
def unvotes_dir(tmp_path):
    (tmp_path / "un_votes.csv").write_text(UN_VOTES)
    with gzip.open(tmp_path / "un_roll_calls.csv.gz", "wt") as fh:
        fh.write(ROLL_CALLS)
    (tmp_path / "un_roll_call_issues.csv").write_text(ISSUES)
    return tmp_path


def test_unvotes_layout(unvotes_dir):
    vs = read_votes(unvotes_dir)
    c = vs.counts
    assert c == {"read": 7, "loaded": 3, "quarantined": 4}
    q = vs.quarantine.set_index("line")
    # YU and ZZ are not in the countries table; 'maybe' is not a vote; rcid 12 has no roll call
    assert q.loc[4, "reason"] == "unknown_country" and "Yugoslavia" in q.loc[4, "message"]
    assert q.loc[5, "value"] == "ZZ"
    assert q.loc[6, "reason"] == "bad_vote" and q.loc[6, "value"] == "maybe"
    assert q.loc[8, "reason"] == "unknown_rollcall"
    v = vs.votes.set_index(["rcid", "country"])
    assert v.loc[(10, "KAZ"), "vote"] == "yes" and v.loc[(10, "KAZ"), "year"] == 2015
    assert v.loc[(11, "CHN"), "session"] == 71
    assert sorted(vs.issues[vs.issues.rcid == 10]["issue"]) == ["hr", "me"]
    can = vs.canonical()
    assert len(can) == 5  # rcid 10 has two issues: its two votes appear twice, plus CHN on 11
    assert set(can.columns) == {"rcid", "year", "session", "country", "vote", "issue"}


def test_strict_mode_names_line_and_value(unvotes_dir):
    with pytest.raises(UnknownCountryError, match=r"line 4.*'YU'.*Yugoslavia"):
        read_unvotes(unvotes_dir / "un_votes.csv", lenient=False)


def test_missing_roll_calls_is_clear(tmp_path):
    (tmp_path / "un_votes.csv").write_text(UN_VOTES)
    with pytest.raises(SchemaError, match="un_roll_calls"):
        read_votes(tmp_path)


def test_voeten_layout(tmp_path):
    p = tmp_path / "voeten.csv"
    p.write_text(VOETEN)
    vs = read_voeten(p)
    assert vs.counts == {"read": 5, "loaded": 3, "quarantined": 2, "not_member": 1}
    v = vs.votes.set_index("country")["vote"].to_dict()
    assert v == {"KAZ": "yes", "USA": "no", "CHN": "absent"}
    q = vs.quarantine.set_index("line")
    assert q.loc[6, "reason"] == "unknown_country" and q.loc[6, "value"] == "345"
    assert q.loc[7, "reason"] == "bad_vote" and q.loc[7, "value"] == "7"
    assert sorted(map(tuple, vs.issues[["rcid", "issue"]].to_numpy().tolist())) == [
        (5, "me"), (6, "di"), (6, "ec")]
    assert read_votes(p).counts == vs.counts  # detected by its columns


def test_unknown_layout(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(SchemaError, match="no known votes layout"):
        read_votes(p)


@pytest.mark.shared_data
def test_real_unvotes_counts(unvotes):
    c = unvotes.counts
    assert c["read"] == 870_109 and c["read"] == c["loaded"] + c["quarantined"]
    assert (unvotes.votes["country"] == "KAZ").sum() == 2_394
    assert set(unvotes.issues["issue"]) == {"me", "nu", "di", "hr", "co", "ec"}
    assert unvotes.votes["vote"].isin(["yes", "no", "abstain"]).all()


@pytest.mark.shared_data
def test_real_voeten_counts():
    from conftest import shared_path

    vs = read_votes(shared_path("unvotes", "voeten_2016_votes_with_absences.csv.gz"))
    c = vs.counts
    assert c["read"] + c["not_member"] == 1_066_613
    kaz = vs.votes[vs.votes["country"] == "KAZ"]["vote"].value_counts()
    # SOURCE.md: 1,363 yes, 261 abstain, 29 no, 64 absent
    assert kaz.to_dict() == {"yes": 1363, "abstain": 261, "absent": 64, "no": 29}


def test_citation_names_the_producer_not_the_local_path():
    from equipoise.sources.unvotes import CITATION, citation

    c = citation("/somewhere/shared/data/unvotes/un_votes.csv.gz")
    assert c.startswith(CITATION) and c.endswith("un_votes.csv.gz")
    assert "/somewhere" not in c
    assert citation("warehouse:votes") == "warehouse:votes"
    # a citation with a handle (a "/") is not a path: the ideal points' own citation passes
    ipd = ("Bailey, Strezhnev & Voeten (2017), JCR 61(2); UNGA ideal points, Harvard Dataverse "
           "hdl:1902.1/12379; file IdealpointestimatesAll_Jun2024.csv")
    assert citation(ipd) == ipd
