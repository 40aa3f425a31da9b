"""One code-mapping helper for every reader (issue 11 point 4): the ``iso2`` scheme, crosswalk
scheme aliases, a per-row fallback, the row's label in the quarantine note, and the vote and
ideal-point readers mapping through it."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from equipoise import reference
from equipoise.errors import UnknownCountryError
from equipoise.sources._common import CodeMapper, map_column
from equipoise.sources.idealpoints import read_idealpoints
from equipoise.sources.unvotes import read_unvotes, read_voeten


def _map(codes, scheme="cow", **kw):
    qs: list = []
    iso, ok = map_column(np.asarray(codes, dtype=object), CodeMapper(scheme), column="c",
                         ok=np.ones(len(codes), dtype=bool), qs=qs, source="s", file="f.csv",
                         lines=np.arange(len(codes)) + 2, **kw)
    return iso.tolist(), ok.tolist(), (pd.concat(qs) if qs else None)


def test_fallback_is_used_only_where_the_code_does_not_map():
    # 705 maps (the fallback CHN is not used); 999 does not: its fallback KAZ is a country;
    # 265 is unmapped by the crosswalk and its fallback DDR is no country of the table;
    # 998's fallback is missing
    iso, ok, q = _map(["705", "999", "265", "998"], fallback=["CHN", "KAZ", "DDR", None])
    assert iso == ["KAZ", "KAZ", "", ""] and ok == [True, True, False, False]
    assert q["line"].tolist() == [4, 5] and q["value"].tolist() == ["265", "998"]
    assert "German Democratic Republic" in q["message"].iat[0]


def test_prefer_comes_before_the_code_and_fallback_after_it():
    iso, _, _ = _map(["705", "999"], prefer=np.array(["RUS", ""], dtype=object),
                     fallback=["CHN", "USA"])
    assert iso == ["RUS", "USA"]


def test_the_rows_label_goes_before_the_note():
    _, _, q = _map(["YU", "", "KZ"], scheme="iso2", labels=["Yugoslavia", "Zanzibar", "Kaz"])
    assert q["message"].tolist() == [
        "unmapped_code: saw 'YU', expected a code the crosswalk or the countries table maps to "
        "ISO3 (Yugoslavia: not in the iso2 crosswalk or the countries table)",
        "unmapped_code: saw '', expected a code the crosswalk or the countries table maps to "
        "ISO3 (Zanzibar: no code given)"]


def test_crosswalk_rows_of_a_schemes_alias_count_as_its_own(monkeypatch):
    real = reference.load

    def load(name):
        df = real(name)
        if name == "crosswalk":
            extra = pd.DataFrame({"scheme": ["cown", "iso2c", "iso2c"],
                                  "code": ["999", "YU", "XK"], "iso3": ["KAZ", "", "SRB"],
                                  "name": ["test", "Yugoslavia (unmapped)", "test"],
                                  "source": ["test"] * 3})
            df = pd.concat([df, extra], ignore_index=True)
        return df

    monkeypatch.setattr(reference, "load", load)
    assert CodeMapper("cow").map(["999"])[0].tolist() == ["KAZ"]
    iso, note = CodeMapper("iso2").map(["XK", "YU"])
    assert iso.tolist() == ["SRB", ""] and note[1] == "Yugoslavia (unmapped)"
    assert CodeMapper("baci").map(["999"])[0].tolist() == [""]  # no alias: not a cow row


def test_missing_codes_of_every_kind_are_one_unmapped_code():
    mapper = CodeMapper("iso2")
    codes = pd.array(["KZ", pd.NA, None, "KZ"], dtype="string")
    iso, note = mapper.map(np.asarray(codes))
    assert iso.tolist() == ["KAZ", "", "", "KAZ"] and note[1] == "no code given"
    iso, _ = CodeMapper("cow").map(pd.array([705, pd.NA], dtype="Int64"))
    assert iso.tolist() == ["KAZ", ""]


UN_VOTES = """rcid,country,country_code,vote
10,Kazakhstan,KZ,yes
10,Yemen Arab Republic,,yes
10,Namibia,NA,no
10,Yugoslavia,YU,abstain
"""
ROLL_CALLS = """rcid,session,importantvote,date,unres,amend,para,short,descr
10,70.0,0,2015-12-01,R/70/1,0,0,x,y
"""


def test_unvotes_maps_iso2_and_quarantines_with_the_name(tmp_path):
    (tmp_path / "un_votes.csv").write_text(UN_VOTES)
    with gzip.open(tmp_path / "un_roll_calls.csv.gz", "wt") as fh:
        fh.write(ROLL_CALLS)
    vs = read_unvotes(tmp_path)
    assert vs.counts == {"read": 4, "loaded": 2, "quarantined": 2}
    assert vs.votes["country"].tolist() == ["KAZ", "NAM"]  # "NA" is Namibia, not missing
    q = vs.quarantine
    assert list(q.columns) == ["source", "line", "column", "value", "reason", "message"]
    assert q[["line", "column", "value", "reason"]].values.tolist() == [
        [3, "country_code", "", "unknown_country"], [5, "country_code", "YU", "unknown_country"]]
    assert q["message"].iat[0].endswith("(Yemen Arab Republic: no code given)")
    with pytest.raises(UnknownCountryError, match=r"line 3, column 'country_code'.*Yemen Arab"):
        read_unvotes(tmp_path, lenient=False)


VOETEN = """rcid,session,vote,ccode,year
5,44,1,678,1989
5,44,1,260,1989
5,44,1,265,1989
5,44,1,705.5,1989
5,44,1,abc,1989
5,44,2,,1989
"""


def test_voeten_maps_cow_through_the_crosswalk_and_rejects_odd_codes(tmp_path):
    p = tmp_path / "voeten.csv"
    p.write_text(VOETEN)
    vs = read_voeten(p)
    assert vs.counts == {"read": 6, "loaded": 2, "quarantined": 4, "not_member": 0}
    assert vs.votes["country"].tolist() == ["YEM", "DEU"]  # YAR and FRG: their successors
    q = vs.quarantine
    assert q["value"].tolist() == ["265", "705.5", "abc", ""]
    assert set(q["reason"]) == {"unknown_country"}
    assert "no ISO3 successor" in q["message"].iat[0]


BSV = """ccode,session,NVotesAll,IdealPointAll,Q5%All,Q95%All,iso3c,Countryname
678,44,10,0.1,0,0.2,YAR,Yemen Arab Republic
260,44,10,0.5,0.4,0.6,DEU,German Federal Republic
265,44,10,-0.5,-0.6,-0.4,DDR,German Democratic Republic
1001,44,10,1.0,0.9,1.1,KAZ,Kazakhstan (code unknown to COW)
705,44,10,1.5,1.4,1.6,KAZ,Kazakhstan
"""


def test_idealpoints_map_cow_then_fall_back_to_iso3c(tmp_path):
    p = tmp_path / "bsv.csv"
    p.write_text(BSV)
    ip = read_idealpoints(p)
    # 678 -> YEM and 260 -> DEU by the crosswalk; 1001 -> KAZ by its iso3c; 705 (line 6) is a
    # second KAZ row of session 44: a duplicate; 265 (iso3c DDR, no country) maps to nothing
    assert ip["country"].tolist() == ["YEM", "DEU", "KAZ"]
    assert ip["ideal"].tolist() == [0.1, 0.5, 1.0]
    assert ip.attrs["unmapped"] == [("265", "German Democratic Republic")]
    assert ip.attrs["dropped_rows"] == [(4, "265", "German Democratic Republic", "unmapped"),
                                        (6, "705", "Kazakhstan", "duplicate")]


SERBIA = """ccode,session,NVotesAll,IdealPointAll,Q5%All,Q95%All,iso3c,Countryname
345,46,75,-0.7,-1.1,-0.4,YUG,Yugoslavia
345,60,75,0.95,0.75,1.15,YUG,Yugoslavia
345,61,92,0.98,0.79,1.17,YUG,Yugoslavia
341,61,82,0.97,0.78,1.18,MNE,Montenegro
"""


def test_idealpoints_map_cow_345_to_serbia_from_2006(tmp_path):
    # the file's iso3c says YUG throughout (no country of the table); COW 345 is Serbia from
    # session 61 (2006, after Montenegro's independence), unmapped before (SFRY, then Serbia
    # and Montenegro: no single ISO3 successor)
    p = tmp_path / "bsv.csv"
    p.write_text(SERBIA)
    ip = read_idealpoints(p)
    assert ip[["year", "country", "ideal"]].values.tolist() == [[2006, "SRB", 0.98],
                                                                [2006, "MNE", 0.97]]
    assert ip.attrs["unmapped"] == [("345", "Yugoslavia")]
    assert ip.attrs["dropped_rows"] == [(2, "345", "Yugoslavia", "unmapped"),
                                        (3, "345", "Yugoslavia", "unmapped")]
