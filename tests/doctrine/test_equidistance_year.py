"""Issue 13 point 3: equidistance honours --year and the doctrine's measure (kappa by default).

A hand-made roll-call file: 20 roll calls in 2015 and 20 in 2019, KAZ voting yes on the first
ten of each year and no on the other ten. Cohen's kappa per pole (yes/no only, so the 3 x 3
table is 2 x 2; focal marginals 10/10 in both years, so p_e = 0.5 whatever the pole's yes count
y: p_e = (10 y + 10 (20 - y)) / 400 = 0.5):

* identical votes: p_o = 1, kappa = 1;
* opposite votes: p_o = 0, kappa = -1;
* yes on the first fifteen: p_o = 15 / 20, kappa = (0.75 - 0.5) / 0.5 = 0.5.

2015: CHN identical (1), USA opposite (-1), RUS first fifteen (0.5): spread 2.0.
2019: CHN identical (1), USA first fifteen (0.5), RUS identical (1): spread 0.5.
EU27 has no member votes in the file (a missing pole).
"""

from __future__ import annotations

import json

import pytest

from equipoise.assessment import check


def _votes(tmp_path):
    lines = ["rcid,year,session,country,vote"]
    ident = ["yes"] * 10 + ["no"] * 10
    opp = ["no"] * 10 + ["yes"] * 10
    fifteen = ["yes"] * 15 + ["no"] * 5
    plan = {2015: {"CHN": ident, "USA": opp, "RUS": fifteen},
            2019: {"CHN": ident, "USA": fifteen, "RUS": ident}}
    for year, poles in plan.items():
        for i in range(20):
            rc = year * 100 + i
            lines.append(f"{rc},{year},{year - 1945},KAZ,{ident[i]}")
            for pole, votes in poles.items():
                lines.append(f"{rc},{year},{year - 1945},{pole},{votes[i]}")
    p = tmp_path / "votes.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_check_year_2015_uses_2015_votes(tmp_path):
    votes = _votes(tmp_path)
    r15 = check(year=2015, votes=votes).rule("equidistance")
    r19 = check(year=2019, votes=votes).rule("equidistance")
    assert r15.evidence["measure"] == "kappa" and r15.evidence["period"] == 2015
    assert r15.evidence["agreement"] == pytest.approx({"CHN": 1.0, "USA": -1.0, "RUS": 0.5})
    assert r15.value == pytest.approx(2.0) and r15.margin == pytest.approx(0.3 - 2.0)
    assert r19.evidence["period"] == 2019 and r19.value == pytest.approx(0.5)
    assert r19.margin == pytest.approx(0.3 - 0.5)
    assert r15.evidence["missing_poles"] == ["EU27"]


def test_cli_check_year_votes(tmp_path):
    from typer.testing import CliRunner

    from equipoise._cli.main import app

    votes = _votes(tmp_path)
    res = CliRunner().invoke(app, ["check", "--year", "2015", "--votes", str(votes), "--json"])
    assert res.exit_code == 0, res.output
    rule = next(r for r in json.loads(res.output)["rules"] if r["name"] == "equidistance")
    assert rule["value"] == pytest.approx(2.0)
    assert rule["evidence"]["period"] == 2015
    res = CliRunner().invoke(app, ["check", "--votes", str(votes), "--json"])
    rule = next(r for r in json.loads(res.output)["rules"] if r["name"] == "equidistance")
    assert rule["value"] == pytest.approx(0.5) and rule["evidence"]["period"] == 2019


def test_without_votes_the_year_is_honoured_and_the_measure_named():
    # the embedded rows are exact agreement: shown for the year asked for, not compared
    # with the kappa threshold of the default doctrine
    r = check(year=2015).rule("equidistance")
    assert r.evidence["period"] == 2015
    assert r.evidence["measure"] == "agree" and r.evidence["doctrine_measure"] == "kappa"
    assert not r.passed and r.value is None and "pass --votes" in r.evidence["not_compared"]
    r_latest = check().rule("equidistance")
    assert r_latest.evidence["period"] > 2015
    assert r_latest.evidence["measured_spread"] != r.evidence["measured_spread"]
