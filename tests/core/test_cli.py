"""End-to-end CLI tests (in-process with Typer's runner, and the installed console script)."""

import json
import os
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from equipoise._cli.main import app

runner = CliRunner()


def test_assess_json_on_second_country(mng_csv):
    res = runner.invoke(app, ["assess", "--focal", "MNG", "--data", str(mng_csv), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["focal"] == "MNG"
    assert out["domains"]["security"]["shares"] == pytest.approx({"RUS": 2 / 3, "USA": 1 / 3})
    assert out["domains"]["security"]["critical"] is True
    assert out["distinctness"]["leaders"]["trade"] == "CHN"
    assert {r["name"] for r in out["rules"]} >= {"equidistance", "max_domains_led"}


def test_assess_human_table(mng_csv):
    res = runner.invoke(app, ["assess", "--focal", "MNG", "--data", str(mng_csv)])
    assert res.exit_code == 0, res.output
    assert "equipoise assessment: MNG" in res.stdout
    assert "Doctrine rules" in res.stdout


def test_bad_input_exits_nonzero_with_location(tmp_path, mng_csv):
    bad = tmp_path / "bad.csv"
    bad.write_text(mng_csv.read_text() + "2023,MNG,ZZZ,trade,trade.goods.turnover,,1,USD bn,x\n")
    exe = shutil.which("equipoise", path=os.path.dirname(sys.executable))
    proc = subprocess.run([exe, "assess", "--focal", "MNG", "--data", str(bad)],
                          capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 2
    assert f"{bad} line 17, column 'partner'" in proc.stderr
    assert "'ZZZ'" in proc.stderr
    # lenient: loads the rest and says how many rows were quarantined
    proc = subprocess.run([exe, "assess", "--focal", "MNG", "--data", str(bad), "--lenient",
                           "--json", "--quarantine", str(tmp_path / "q.csv")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "read 16 rows: loaded 15, quarantined 1" in proc.stderr
    assert "unknown_code" in (tmp_path / "q.csv").read_text()
    json.loads(proc.stdout)


def test_validate_lists_quarantine(tmp_path, mng_csv):
    bad = tmp_path / "bad.csv"
    bad.write_text(mng_csv.read_text() + "2023,MNG,CHN,trade,trade.goods.turnover,,-1,USD bn,x\n")
    res = runner.invoke(app, ["validate", str(bad), "--json"])
    assert res.exit_code == 1
    out = json.loads(res.stdout)
    # the negative row is rejected before keys are compared, so it is not also a duplicate
    assert out["counts"] == {"read": 16, "loaded": 15, "quarantined": 1}
    assert out["quarantine"][0]["line"] == 17
    assert out["quarantine"][0]["reason"] == "negative_value"


def test_sources_for_user_data(mng_csv):
    res = runner.invoke(app, ["sources", "--focal", "MNG", "--data", str(mng_csv), "--json"])
    assert res.exit_code == 0, res.output
    ids = {r["source"] for r in json.loads(res.stdout)}
    assert ids == {"test:customs", "test:energy", "test:sipri", "test:votes", "test:fdi"}


def test_explain_domain_rows(mng_csv):
    res = runner.invoke(app, ["explain", "--focal", "MNG", "--data", str(mng_csv), "--domain",
                              "security", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [r["line"] for r in out["flows"]] == [10, 11]
    assert out["shares"] == pytest.approx({"RUS": 2 / 3, "USA": 1 / 3})


def test_run_writes_outputs(tmp_path, mng_csv):
    res = runner.invoke(app, ["run", "--focal", "MNG", "--data", str(mng_csv), "--out",
                              str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "assessment.json").exists()
    assert str((tmp_path / "out").resolve()) in res.stdout.replace("\n", "")


def test_import_and_help_stay_light():
    heavy = ["pandas", "ibis", "pyspark", "altair", "fastapi", "duckdb", "networkx",
             "scipy", "weasyprint", "vl_convert"]
    code = ("import sys, equipoise; from equipoise._cli.main import app; "
            "import typer.main; typer.main.get_command(app); "
            f"print([m for m in {heavy!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
