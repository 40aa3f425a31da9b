"""Adversarial events through the CLI after the one date rule and the action's events checked
with the ledger (audit gap G1): an impossible month or a year out of range in a ledger, an
action adding an event the ledger would refuse; each with its exit code, its located text and
no traceback (``cli`` asserts it)."""

from __future__ import annotations

import json

from adversarial.test_doctrine import HEAD, cli

LEDGER = "date,actor,counterpart,kind,domains,value_usd,source\n"


def test_a_ledger_with_an_impossible_month_or_year(tmp_path, monkeypatch, capsys):
    p = tmp_path / "ledger.csv"
    p.write_text(LEDGER + "2023-13,KAZ,CHN,visit,trade,,x\n1700,KAZ,CHN,visit,trade,,x\n"
                 "2024-02-30,KAZ,CHN,visit,trade,,x\n2024-05-01,KAZ,CHN,visit,trade,,x\n",
                 encoding="utf-8")
    code, out = cli(monkeypatch, capsys, "ledger", str(p))
    assert code == 2
    assert f"3 problem(s) in {p}:" in out
    for text in (f"{p} line 2, column 'date': saw '2023-13', expected a real calendar date: "
                 "month 13 is not in 1..12",
                 f"{p} line 3, column 'date': saw '1700', expected a year between 1800 and 2100",
                 f"{p} line 4, column 'date': saw '2024-02-30', expected a real calendar date: "
                 "day is out of range for month"):
        assert text in out
    code, out = cli(monkeypatch, capsys, "ledger", str(p), "--lenient", "--json")
    assert code == 0
    assert json.loads(out)["counts"] == {"read": 4, "loaded": 1, "quarantined": 3}


def test_an_action_cannot_add_an_event_the_ledger_refuses(tmp_path, monkeypatch, capsys):
    p = tmp_path / "a.toml"
    p.write_text(HEAD + '\n[[event]]\ncounterpart = "XXK"\nkind = "visit"\n'
                 '\n[[event]]\ncounterpart = "KAZ"\n', encoding="utf-8")
    code, out = cli(monkeypatch, capsys, "evaluate", str(p))
    assert code == 2
    assert f"{p} line 6: the events ledger with the action's events has 2 problem(s):" in out
    assert (f"{p} line 6, key event[0].counterpart: saw 'XXK', expected an ISO3 code, a partner "
            "group (EU27) or an organisation code") in out
    assert (f"{p} line 10, key event[1].counterpart: saw 'KAZ', expected a counterpart other "
            "than the actor") in out


def test_an_action_adds_any_kind_of_the_ledger(tmp_path, monkeypatch, capsys):
    """A phone call was refused by the action file's three kinds; the ledger has six."""
    p = tmp_path / "a.toml"
    p.write_text(HEAD + '\n[[event]]\ncounterpart = "CHN"\nkind = "call"\ndomains = ["trade"]\n',
                 encoding="utf-8")
    code, out = cli(monkeypatch, capsys, "evaluate", str(p), "--json")
    assert code == 0, out
    d = json.loads(out)
    assert d["after"]["engagement"]["CHN"]["events"] == \
        d["before"]["engagement"]["CHN"]["events"] + 1
    assert [r["kind"] for r in d["log"] if r["table"] == "events"] == ["call"]
