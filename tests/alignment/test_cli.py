"""The align, blocs, ledger and extract commands (JSON shapes and errors)."""

import json
from pathlib import Path

from typer.testing import CliRunner

from equipoise._cli.main import app

runner = CliRunner()
ART = Path(__file__).parents[1] / "extract" / "articles" / "03_c5_washington.txt"


def _json(args):
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_align_json_on_a_votes_file(toy_votes_path):
    d = _json(["align", "--votes", str(toy_votes_path), "--poles", "USA,RUS,CHN",
               "--measure", "agree", "--reps", "100", "--min-rollcalls", "1", "--json"])
    assert d["focal"] == "KAZ" and d["measure"] == "agree"
    rec = {(r["period"], r["pole"]): r for r in d["series"]}
    assert rec[(2010, "USA")]["value"] == 0.25
    assert set(rec[(2010, "USA")]) >= {"period", "pole", "value", "lower", "upper"}
    assert d["equidistance"][0]["period"] == 2010
    assert d["equidistance"][0]["value"] == 0.75
    assert set(d["equidistance"][0]) >= {"period", "value", "lower", "upper"}


def test_align_table_output(toy_votes_path):
    r = runner.invoke(app, ["align", "--votes", str(toy_votes_path), "--poles", "USA,EU27",
                            "--reps", "0", "--min-rollcalls", "1"])
    assert r.exit_code == 0 and "equidistance" in r.stdout and "EU27" in r.stdout


def test_align_errors(toy_votes_path):
    from equipoise.errors import OptionError, UnknownCountryError

    r = runner.invoke(app, ["align", "--votes", str(toy_votes_path), "--measure", "pearson"])
    assert isinstance(r.exception, OptionError)
    r = runner.invoke(app, ["align", "--votes", str(toy_votes_path), "--poles", "USA,XXK"])
    assert isinstance(r.exception, UnknownCountryError) and "XXK" in str(r.exception)


def test_extract_json():
    d = _json(["extract", str(ART), "--json"])
    ev = {(e["counterpart"], e["kind"]) for e in d["events"]}
    assert {("C5P1", "summit"), ("USA", "agreement")} <= ev
    assert all(set(e) >= {"counterpart", "kind", "domains", "sentence"} for e in d["events"])


def test_extract_missing_file(tmp_path):
    from equipoise.errors import InputError

    r = runner.invoke(app, ["extract", str(tmp_path / "nope.txt")])
    assert isinstance(r.exception, InputError)


def test_blocs_and_ledger_json(tmp_path):
    d = _json(["blocs", "--year", "2025", "--no-cow-igo", "--json"])
    assert d["no_camp"]["passed"] is True and d["year"] == 2025
    d = _json(["ledger", "--json"])
    assert d["counts"]["quarantined"] == 0 and d["by_pole"]
    p = tmp_path / "ev.csv"
    p.write_text("date,actor,counterpart,kind,domains,value_usd,source\n"
                 "2024-01-01,KAZ,ZZZ,visit,trade,,x\n")
    r = runner.invoke(app, ["ledger", str(p)])
    assert r.exit_code != 0 and "ZZZ" in str(r.exception)


def test_align_min_rollcalls_drops_thin_periods(toy_votes_path):
    from equipoise.errors import NoDataError

    r = runner.invoke(app, ["align", "--votes", str(toy_votes_path)])
    assert isinstance(r.exception, NoDataError)  # 4 roll calls < the default 10
