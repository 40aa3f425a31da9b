"""Adversarial cases for events ledgers through the CLI, after the one events validator
(equipoise.io.events.check_events): the message lists every problem as
``<file> line <n>, column '<c>': saw '<value>', expected <what>``; lenient mode quarantines one
row per bad input row. Each with its exit code, its text and no traceback (``_cli`` asserts it).
"""

from __future__ import annotations

import json

import pytest

from adversarial.test_panel import _cli

HEADER = "date,actor,counterpart,kind,domains,value_usd,source\n"
GOOD = "2024-05-01,KAZ,CHN,visit,trade,,x\n"


@pytest.fixture
def bad(tmp_path):
    p = tmp_path / "ledger_bad.csv"
    p.write_text(HEADER + "2024/05/01,KAZ,CHN,visit,trade,,x\n"
                 "2024-05-02,KAZ,KAZ,parade,trade,-3,x\n" + GOOD, encoding="utf-8")
    return p


@pytest.mark.parametrize("args", [["ledger"], ["assess", "--events"]], ids=["ledger", "assess"])
def test_every_problem_named(bad, args):
    p = _cli(*args, str(bad))
    assert p.returncode == 2
    assert f"error: 4 problem(s) in {bad}:" in p.stderr
    for text in (f"{bad} line 2, column 'date': saw '2024/05/01', expected a date as "
                 "YYYY-MM-DD, YYYY-MM or YYYY",
                 f"{bad} line 3, column 'counterpart': saw 'KAZ', expected a counterpart other "
                 "than the actor",
                 f"{bad} line 3, column 'kind': saw 'parade', expected one of ('visit'",
                 f"{bad} line 3, column 'value_usd': saw '-3', expected an amount in US dollars "
                 ">= 0, or empty"):
        assert text in p.stderr


def test_lenient_quarantines_one_row_per_bad_row(bad):
    p = _cli("ledger", str(bad), "--lenient", "--json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["counts"] == {"read": 3, "loaded": 1, "quarantined": 2}
    q = {r["line"]: r for r in d["quarantine"]}
    assert q[2]["reason"] == "bad_date" and q[2]["value"] == "2024/05/01"
    assert q[3]["reason"] == "self_counterpart;unknown_kind;bad_value"
    assert q[3]["message"].startswith("counterpart: saw 'KAZ', expected a counterpart")


def test_many_bad_rows_listed_up_to_twenty(tmp_path):
    p = tmp_path / "many.csv"
    p.write_text(HEADER + "".join(f"2024-05-01,KAZ,CHN,k{i},trade,,x\n" for i in range(23)),
                 encoding="utf-8")
    r = _cli("ledger", str(p))
    assert r.returncode == 2
    assert f"error: 23 problem(s) in {p}:" in r.stderr and "... and 3 more" in r.stderr
    assert r.stderr.count("column 'kind'") == 20
