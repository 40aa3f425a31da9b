"""Regression cases of the one place that resolves defaults (issue 11.3, area ctx24): what
used to be a silent default (the shipped doctrine swallowing every error, Kazakhstan's ledger
for every focal state, a request file's KAZ) is now resolved by the command line, and a
broken input says what and where."""

from __future__ import annotations

import json

import pytest

from adversarial._cli import invoke


@pytest.fixture
def broken_shipped_doctrine(tmp_path, monkeypatch):
    """The shipped doctrine with its poles (line 24) replaced by a number."""
    from equipoise.doctrine import model

    text = model.default_doctrine_path().read_text(encoding="utf-8")
    assert text.splitlines()[23].startswith("poles = ")
    p = tmp_path / "kazakhstan.toml"
    p.write_text(text.replace('poles = ["CHN", "USA", "RUS", "EU27"]', "poles = 7", 1),
                 encoding="utf-8")
    monkeypatch.setattr(model, "default_doctrine_path", lambda: p)
    return p


@pytest.mark.parametrize("command", [
    ["shock", "--partner", "RUS", "--json"],
    ["simulate", "--runs", "1000", "--seed", "1", "--json"],
])
def test_a_broken_shipped_doctrine_is_a_located_error(capsys, broken_shipped_doctrine,
                                                       command):
    """`shock`/`simulate` without --doctrine used to fall back to "no doctrine" on any
    exception; a broken doctrine file now stops them with its located error."""
    code, out, err = invoke(capsys, command)
    assert code == 2, (out, err)
    assert "default doctrine (kazakhstan.toml)" in err and "line 24" in err, err
    assert "poles" in err and "7" in err, err


def test_a_doctrine_that_does_not_fit_the_focal_state_still_falls_back(capsys, tmp_path):
    """The one expected failure: the shipped doctrine applied to one of its poles."""
    shares = tmp_path / "shares.csv"
    shares.write_text("domain,partner,share\ntrade,CHN,0.5\ntrade,KAZ,0.2\n", encoding="utf-8")
    code, out, err = invoke(capsys, ["shock", "--focal", "RUS", "--partner", "CHN",
                                     "--shares", shares, "--json"])
    assert code == 0, err
    assert json.loads(out)["focal"] == "RUS"


def test_ledger_of_a_state_without_an_embedded_ledger(capsys):
    """Kazakhstan's ledger is no longer used for every focal state."""
    code, out, err = invoke(capsys, ["ledger", "--focal", "UZB", "--json"])
    assert code == 2 and out == ""
    assert "no embedded events ledger for UZB (embedded: KAZ); pass an events CSV" in err


def test_shock_request_file_without_focal_takes_the_command_lines(capsys, tmp_path):
    req = tmp_path / "shock.toml"
    req.write_text('[shock]\npartner = "RUS"\ndomains = ["trade"]\n', encoding="utf-8")
    shares = tmp_path / "shares.csv"
    shares.write_text("domain,partner,share\ntrade,RUS,0.5\n", encoding="utf-8")
    code, out, err = invoke(capsys, ["shock", "--request", req, "--shares", shares, "--json"])
    assert code == 0, err
    assert json.loads(out)["focal"] == "KAZ"  # the default focal state, from context
    code, out, err = invoke(capsys, ["shock", "--request", req, "--focal", "UZB", "--shares",
                                     shares, "--json"])
    assert code == 0, err
    assert json.loads(out)["focal"] == "UZB"


def test_assessment_engagement_of_a_state_without_a_ledger():
    """The assessment's default ledger is the focal state's own: none for MNG (said in the
    notes), Kazakhstan's for KAZ."""
    import pandas as pd

    import equipoise as eq

    kaz = eq.assess()
    assert kaz.engagement is not None
    flows = eq.load_default().data
    mng = flows.assign(reporter=flows["reporter"].replace("KAZ", "MNG"))
    a = eq.assess(pd.DataFrame(mng), focal="MNG")
    assert a.engagement is None
    assert any(n.startswith("engagement: not available (no events ledger given")
               for n in a.notes), a.notes
