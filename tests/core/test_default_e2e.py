"""End to end on the embedded Kazakhstan default: the main job (`make demo` runs `equipoise run`)
and `assess --json`."""

import json
import os
import shutil
import subprocess
import sys


def _exe():
    return shutil.which("equipoise", path=os.path.dirname(sys.executable))


def test_main_job_on_default(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([_exe(), "run", "--out", str(out)], capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    assert str(out.resolve()) in proc.stdout
    a = json.loads((out / "assessment.json").read_text())
    assert a["focal"] == "KAZ"
    # SIPRI: Russia supplied 88 % of Kazakhstan's arms imports 2020-2024 (kz-facts S1)
    sec = a["domains"]["security"]
    arms = next(s for s in sec["screen"] if s["indicator"] == "security.arms.import")
    assert arms["year"] == 2024 and arms["partner"] == "RUS"
    assert abs(arms["share"] - 0.88) < 0.01
    assert sec["critical"] is True
    assert len(a["domains"]) >= 7


def test_assess_json_default_keys():
    proc = subprocess.run([_exe(), "assess", "--json"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    a = json.loads(proc.stdout)
    for d in a["domains"].values():
        assert {"year", "shares", "hhi", "effective_partners", "top_partner", "top_share",
                "critical"} <= set(d)
        assert abs(sum(d["shares"].values()) - 1) < 1e-9
    assert set(a["distinctness"]["domains_led"]) == {"CHN", "USA", "RUS", "EU27"}
    assert a["equidistance"]["agreement"]["CHN"] > a["equidistance"]["agreement"]["USA"]


def test_explain_security_cites_sipri():
    proc = subprocess.run([_exe(), "explain", "--focal", "KAZ", "--domain", "security",
                           "--json"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    ex = json.loads(proc.stdout)
    producers = " ".join(str(s["producer"]) for s in ex["source_register"])
    assert "SIPRI" in producers
    assert all(r["source"] for r in ex["flows"])


def test_assess_with_roll_calls_gives_intervals():
    from conftest import shared_path

    votes = shared_path("unvotes")
    proc = subprocess.run([_exe(), "assess", "--votes", str(votes), "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    eq = json.loads(proc.stdout)["equidistance"]
    assert eq["spread_lower"] <= eq["spread"] <= eq["spread_upper"]
    # Yuneman (2023): Kazakhstan agrees most with China, least with the USA
    assert eq["closest"] == "CHN" and eq["farthest"] == "USA"
    assert "engagement" in json.loads(proc.stdout)


def test_assess_from_the_warehouse(tmp_path):
    """`equipoise ingest sipri` the real register, then `assess --db`: the 2020-2024 Russian
    share of Kazakhstan's arms imports is SIPRI's published 88 % (kz-facts S1)."""
    from conftest import shared_path

    register = shared_path("sipri-arms-transfers", "trade_register_1995_2024.csv.gz")
    db = tmp_path / "w.duckdb"
    ing = subprocess.run([_exe(), "ingest", "sipri", str(register), "--db", str(db)],
                         capture_output=True, text=True)
    assert ing.returncode == 0, ing.stderr
    proc = subprocess.run([_exe(), "assess", "--db", str(db), "--focal", "KAZ", "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    sec = json.loads(proc.stdout)["domains"]["security"]
    assert sec["year"] == 2024
    assert abs(sec["shares"]["RUS"] - 0.88) < 0.01
