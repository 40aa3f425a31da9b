"""The doctrine commands: check, evaluate, plan (in-process), and one error through the console
script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from typer.testing import CliRunner

from equipoise._cli.main import app

runner = CliRunner()


def test_check_json(mng_csv, mng_doctrine_path):
    res = runner.invoke(app, ["check", "--doctrine", str(mng_doctrine_path), "--data",
                              str(mng_csv), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["focal"] == "MNG"
    rec = {r["name"]: r for r in out["rules"]}
    assert rec["no_critical_dependency:energy"]["passed"] is False
    assert rec["no_critical_dependency:energy"]["evidence"]["source_rows"]


def test_check_human_failed_only(mng_csv, mng_doctrine_path):
    res = runner.invoke(app, ["check", "--doctrine", str(mng_doctrine_path), "--data",
                              str(mng_csv), "--failed"])
    assert res.exit_code == 0, res.output
    assert "Doctrine check: MNG" in res.stdout
    assert "no_critical_dependency:energy" in res.stdout
    assert "role:CHN:trade" not in res.stdout  # passes, so not listed


def test_evaluate_json(tmp_path, mng_csv, mng_doctrine_path):
    act = tmp_path / "a.toml"
    act.write_text('id = "x"\ntitle = "USA deal"\nsources = ["test:src"]\ndate = "2023"\n'
                   '[[flow]]\npartner = "USA"\nindicator = "technology.deals.value"\n'
                   'product = "deal:c"\nvalue = 4\n', encoding="utf-8")
    res = runner.invoke(app, ["evaluate", str(act), "--doctrine", str(mng_doctrine_path),
                              "--data", str(mng_csv), "--scenarios", "200", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"before", "after", "changed_rules"} <= set(out)
    assert "role:USA:technology" in {r["name"] for r in out["changed_rules"]}


def test_evaluate_list():
    res = runner.invoke(app, ["evaluate", "list"])
    assert res.exit_code == 0, res.output
    assert len(res.stdout.strip().splitlines()) >= 6
    assert "us-c5plus1-deals-2025" in res.stdout


def test_plan_json(mng_csv, mng_doctrine_path):
    res = runner.invoke(app, ["plan", "--doctrine", str(mng_doctrine_path), "--data",
                              str(mng_csv), "--horizon", "4", "--max-shift", "0.05",
                              "--scenarios", "300", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["cvar_after"] <= out["cvar_before"] + 1e-12
    assert out["request"]["budget"] == 0.2


def test_bad_action_exits_2_with_location(tmp_path):
    act = tmp_path / "bad.toml"
    act.write_text('id = "x"\ntitle = "t"\nsources = ["s"]\n[[flow]]\npartner = "USA"\n'
                   'indicator = "tech.deals"\nvalue = 1\n', encoding="utf-8")
    exe = shutil.which("equipoise", path=os.path.dirname(sys.executable))
    proc = subprocess.run([exe, "evaluate", str(act)], capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 2
    assert f"{act} line 6" in proc.stderr and "tech.deals" in proc.stderr
