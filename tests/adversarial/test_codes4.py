"""Adversarial regression cases for the one code-mapping helper (issue 11 point 4): odd country
codes in the vote and ideal-point files (a fractional COW code, text, a blank) crashed the
readers with ``TypeError: cannot safely cast non-equivalent float64 to int64`` (exit 70); they
are now rows whose code does not map, quarantined (votes) or left out (ideal points).

Each case makes its input in tmp_path, runs the CLI in a subprocess and checks the exit code,
the output and that no Python traceback reaches the user.
"""

from __future__ import annotations

import json

from adversarial._cli import cli as _cli

VOETEN = """rcid,session,vote,ccode,year
5,70,1,705,2015
5,70,3,2,2015
5,70,1,710,2015
5,70,2,365,2015
5,70,1,705.5,2015
5,70,3,abc,2015
5,70,1,,2015
"""


def test_votes_with_odd_cow_codes(tmp_path):
    p = tmp_path / "votes.csv"
    p.write_text(VOETEN)
    r = _cli("align", "--votes", str(p), "--focal", "KAZ", "--poles", "USA,CHN,RUS",
             "--min-rollcalls", "0", "--reps", "0", "--json")
    assert r.returncode == 0, r.stderr
    got = {s["pole"]: s["value"] for s in json.loads(r.stdout)["series"]}
    # KAZ yes; USA no, CHN yes, RUS abstain: the three odd rows are not votes of anyone
    assert got == {"USA": 0.0, "CHN": 1.0, "RUS": 0.0}


BSV = """ccode,session,NVotesAll,IdealPointAll,Q5%All,Q95%All,iso3c,Countryname
705.5,70,10,0.1,0,0.2,KAZ,Kazakhstan
2,70,10,2.0,1.9,2.1,USA,United States
abc,70,10,-1.0,-1.1,-0.9,,Nowhere
365,70,10,-0.5,-0.6,-0.4,RUS,Russia
710,70,10,-0.8,-0.9,-0.7,CHN,China
"""


def test_ideal_points_with_odd_cow_codes(tmp_path):
    p = tmp_path / "bsv.csv"
    p.write_text(BSV)
    r = _cli("align", "--measure", "ipd", "--idealpoints", str(p), "--focal", "KAZ",
             "--poles", "USA,CHN,RUS", "--by", "session", "--reps", "0", "--json")
    assert r.returncode == 0, r.stderr
    got = {s["pole"]: s["value"] for s in json.loads(r.stdout)["series"]}
    # 705.5 is no COW code: Kazakhstan comes from the file's iso3c; |0.1 - x| by hand
    assert got == {"USA": 1.9, "CHN": 0.9, "RUS": 0.6}


def test_ideal_points_whose_codes_map_to_nothing(tmp_path):
    p = tmp_path / "bsv.csv"
    p.write_text(BSV.replace("705.5,70,10,0.1,0,0.2,KAZ", "705.5,70,10,0.1,0,0.2,"))
    r = _cli("align", "--measure", "ipd", "--idealpoints", str(p), "--focal", "KAZ",
             "--poles", "USA,CHN,RUS", "--by", "session", "--reps", "0", "--json")
    # the focal's row (no COW code, no iso3c) is left out: a clear "no data", not a crash
    assert r.returncode == 2
    assert r.stderr.strip() == "error: no ideal points of KAZ in the window", r.stderr
