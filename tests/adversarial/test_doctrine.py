"""Adversarial doctrine, action and plan inputs (issue 14, points 2, 4, 5 and 6): each input is
made in ``tmp_path``, run through the console script's entry point (``equipoise._cli.main.run``,
the error boundary a user meets), and must end with exit code 2, a located error that says what
was seen and what was expected, and no Python traceback."""

from __future__ import annotations

import os
import sys
import time

import pytest

from equipoise._cli.main import run
from equipoise.doctrine.model import default_doctrine_path

BASE = default_doctrine_path().read_text(encoding="utf-8")
POLES = 'poles = ["CHN", "USA", "RUS", "EU27"]'
HEAD = 'id = "adv"\ntitle = "adversarial action"\nsources = ["test:adv"]\ndate = "2024-06-01"\n'
FLOW = '\n[[flow]]\npartner = "{p}"\nindicator = "trade.goods.turnover"\nvalue = {v}\n'


def cli(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """Exit code and stderr + stdout of ``equipoise ARGS`` run in this process."""
    monkeypatch.setattr(sys, "argv", ["equipoise", *args])
    with pytest.raises(SystemExit) as e:
        run()
    out = capsys.readouterr()
    text = out.err + out.out
    assert "Traceback (most recent call last)" not in text
    return e.value.code, text


def line_of(text: str, starts: str) -> int:
    return next(i + 1 for i, ln in enumerate(text.splitlines()) if ln.startswith(starts))


# --------------------------------------------------------------------------- doctrine files

def _doctrine(tmp_path, text: str, name: str = "d.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


SUBST = BASE + "\n[domains.substitutability]\nenergy = {e}\ntrade = 0.5\n"

DOCTRINE_CASES = {
    # id: (file text, [expected fragments]); "@N" is replaced by the line of the key
    "substitutability-5": (SUBST.format(e=5), ["domains.substitutability.energy",
                                               "less than or equal to 1", "(saw 5)"]),
    "substitutability-minus-3": (SUBST.format(e=-3), ["domains.substitutability.energy",
                                                      "greater than or equal to 0", "(saw -3)"]),
    "weight-nan": (BASE.replace("trade = 1.0", "trade = nan"),
                   ["weights.trade", "finite number", "(saw nan)"]),
    "weight-inf": (BASE.replace("trade = 1.0", "trade = inf"),
                   ["weights.trade", "finite number", "(saw inf)"]),
    "weight-negative": (BASE.replace("energy = 1.0", "energy = -1.0"),
                        ["weights.energy", "greater than or equal to 0", "(saw -1.0)"]),
    "weight-huge": (BASE.replace("energy = 1.0", "energy = 1e308"),
                    ["weights.energy", "less than or equal to 1000"]),
    "weights-all-zero": ("\n".join(ln.split("=")[0] + "= 0.0"
                                   if ln.split("=")[0].strip() in
                                   ("trade", "energy", "corridors", "technology", "security",
                                    "finance", "political", "society") and "[" not in ln
                                   else ln for ln in BASE.splitlines()),
                         ["weights: every domain weight is 0", "expected at least one weight"]),
    "poles-empty": (BASE.replace(POLES, "poles = []"), ["poles: List should have at least 2",
                                                        "(saw [])"]),
    "focal-is-a-pole": (BASE.replace(POLES, 'poles = ["CHN", "USA", "RUS", "EU27", "KAZ"]'),
                        ["poles: the focal state KAZ is one of its own poles"]),
    "hhi-true": (BASE.replace("hhi = 0.4", "hhi = true"),
                 ["thresholds.hhi", "valid number", "(saw True)"]),
    "hhi-string": (BASE.replace("hhi = 0.4", 'hhi = "0.4"'),
                   ["thresholds.hhi", "valid number", "(saw '0.4')"]),
    "min-viable-float": (BASE.replace("min_viable_partners = 2", "min_viable_partners = 2.5"),
                         ["thresholds.min_viable_partners", "valid integer"]),
    "forbid-aimed-string": (BASE.replace("forbid_aimed_at_pole = true",
                                         'forbid_aimed_at_pole = "yes"'),
                            ["memberships.forbid_aimed_at_pole", "valid boolean"]),
    "pole-unknown": (BASE.replace(POLES, 'poles = ["CHN", "XXX"]'),
                     ["poles", "['XXX'] are not ISO3"]),
}

KEY_LINE = {"substitutability-5": "energy = 5", "substitutability-minus-3": "energy = -3",
            "weight-nan": "trade = nan", "weight-inf": "trade = inf",
            "weight-negative": "energy = -1.0", "weight-huge": "energy = 1e308",
            "poles-empty": "poles = []", "focal-is-a-pole": "poles = [",
            "hhi-true": "hhi = true", "hhi-string": "hhi = ", "pole-unknown": "poles = ["}


@pytest.mark.parametrize("case", sorted(DOCTRINE_CASES))
def test_bad_doctrine_is_a_located_error(case, tmp_path, monkeypatch, capsys):
    text, fragments = DOCTRINE_CASES[case]
    p = _doctrine(tmp_path, text)
    code, out = cli(monkeypatch, capsys, "check", "--doctrine", str(p))
    assert code == 2, out
    assert out.startswith("error: ") and str(p) in out and "invalid doctrine" in out
    for f in fragments:
        assert f in out, (f, out)
    if case in KEY_LINE:
        # the key's own line in the file (the weights' table for an all-zero sum)
        assert f"{p} line {line_of(text, KEY_LINE[case])}, " in out, out


def test_negative_weight_names_key_line_and_value(tmp_path):
    from equipoise.doctrine.model import load_doctrine
    from equipoise.errors import DoctrineError

    text = BASE.replace("society = 0.5", "society = -0.25")
    p = _doctrine(tmp_path, text)
    with pytest.raises(DoctrineError) as e:
        load_doctrine(p)
    n = line_of(text, "society = -0.25")
    assert (f"{p} line {n}, weights.society: Input should be greater than or equal to 0 "
            f"(saw -0.25)") in str(e.value)


def test_dev_zero_is_not_read(monkeypatch, capsys):
    from equipoise.doctrine.actions import load_action
    from equipoise.doctrine.model import load_doctrine
    from equipoise.errors import ActionError, DoctrineError

    with pytest.raises(DoctrineError, match="/dev/zero: is a character device; expected a doctrine file"):
        load_doctrine("/dev/zero")
    with pytest.raises(ActionError, match="/dev/zero: is a character device; expected an action file"):
        load_action("/dev/zero")
    code, out = cli(monkeypatch, capsys, "check", "--doctrine", "/dev/zero")
    assert code == 2 and "zero" in out


def test_focal_given_by_the_caller_may_not_be_a_pole():
    """The default doctrine's poles include RUS: applying it to RUS is refused, through
    load_doctrine and through an explicit Doctrine handed to ``evaluate`` with ``focal``."""
    from equipoise.assessment import evaluate
    from equipoise.doctrine.model import load_doctrine
    from equipoise.errors import DoctrineError

    with pytest.raises(DoctrineError, match="the focal state RUS is one of its own poles"):
        load_doctrine(focal="RUS")
    with pytest.raises(DoctrineError, match="the focal state RUS is one of its own poles"):
        evaluate("us-c5plus1-deals-2025", doctrine=load_doctrine(), focal="RUS", n_scenarios=10)


def test_200k_poles_give_a_short_message(tmp_path, monkeypatch, capsys):
    many = ", ".join(f'"X{i:06d}"' for i in range(200_000))
    p = _doctrine(tmp_path, BASE.replace(POLES, f"poles = [{many}]"))
    code, out = cli(monkeypatch, capsys, "check", "--doctrine", str(p))
    assert code == 2
    assert "poles: List should have at most 30 items" in out and "200000" in out
    assert len(out) < 2_000, len(out)


def test_many_problems_are_counted_not_listed(tmp_path, monkeypatch, capsys):
    subs = "\n".join(f"d{i} = -1" for i in range(500))
    p = _doctrine(tmp_path, BASE + f"\n[domains.substitutability]\n{subs}\n")
    code, out = cli(monkeypatch, capsys, "check", "--doctrine", str(p))
    assert code == 2
    assert "invalid doctrine (500 problem(s))" in out and "... and 480 more" in out
    assert out.count("greater than or equal to 0") == 20
    assert len(out) < 6_000, len(out)


def test_many_unknown_poles_are_shortened(tmp_path, monkeypatch, capsys):
    many = ", ".join(f'"Y{i:02d}"' for i in range(29))
    p = _doctrine(tmp_path, BASE.replace(POLES, f'poles = ["CHN", {many}]'))
    code, out = cli(monkeypatch, capsys, "check", "--doctrine", str(p))
    assert code == 2 and "are not ISO3 codes" in out and "... and 19 more" in out


@pytest.mark.parametrize(("kind", "expected"), [
    ("latin1", "not UTF-8: byte 0xE9 at line 2, column 21 (byte offset 31)"),
    ("utf16", "UTF-16 (little-endian) text (byte-order mark FF FE); expected UTF-8"),
    ("folder", "is a folder; expected a doctrine file"),
    ("nested", "expected at most 64 levels"),
    ("missing", "no such doctrine file"),
    ("not-toml", "not valid TOML"),
    ("fifo", "is a FIFO (named pipe); expected a doctrine file (a regular file)"),
    ("huge", "(17,825,792 bytes), larger than the 16.0 MiB allowed for a doctrine file"),
])
def test_unreadable_doctrine_file(kind, expected, tmp_path, monkeypatch, capsys):
    p = tmp_path / "d.toml"
    if kind == "fifo":
        os.mkfifo(p)  # reading it would wait forever: it is refused without being opened
    elif kind == "huge":
        with p.open("wb") as f:
            f.truncate(17 * 2**20)  # sparse: no 17 MB written
    elif kind == "latin1":
        p.write_bytes('name = "x"\nsource = "Almaty café"\n'.encode("latin-1"))
    elif kind == "utf16":
        p.write_bytes(BASE.encode("utf-16"))
    elif kind == "folder":
        p.mkdir()
    elif kind == "nested":
        p.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    elif kind == "not-toml":
        p.write_text("poles = [", encoding="utf-8")
    from equipoise.doctrine.model import load_doctrine
    from equipoise.errors import DoctrineError

    with pytest.raises(DoctrineError) as e:
        load_doctrine(p)
    assert expected in str(e.value) and str(p) in str(e.value)
    # through the command line: the same refusal, or the CLI's own file check before it
    code, out = cli(monkeypatch, capsys, "check", "--doctrine", str(p))
    assert code == 2 and p.name in out, out


# --------------------------------------------------------------------------- action files

def _action(tmp_path, body: str):
    p = tmp_path / "a.toml"
    p.write_text(HEAD + body, encoding="utf-8")
    return p


ACTION_CASES = {
    "value-inf": (FLOW.format(p="USA", v="inf"), ["flow[0].value", "finite number",
                                                  "(saw inf)"]),
    "value-nan": (FLOW.format(p="USA", v="nan"), ["flow[0].value", "finite number"]),
    "value-true": (FLOW.format(p="USA", v="true"), ["flow[0].value", "valid number",
                                                    "(saw True)"]),
    "value-negative": (FLOW.format(p="USA", v="-5"), ["flow[0].value",
                                                      "greater than or equal to 0"]),
    "factor-inf": ('\n[[flow]]\nop = "scale"\npartner = "USA"\nindicator = '
                   '"trade.goods.turnover"\nfactor = inf\n', ["flow[0].factor", "finite"]),
    "corridor-capacity-inf": ('\n[[corridor]]\nop = "set"\nroute = "Middle Corridor (TITR)"\n'
                              'capacity = inf\n', ["corridor[0].capacity", "finite"]),
    "event-value-nan": ('\n[[event]]\ncounterpart = "USA"\nvalue_usd = nan\n',
                        ["event[0].value_usd", "finite"]),
    "year-true": ('\n[[flow]]\npartner = "USA"\nindicator = "trade.goods.turnover"\n'
                  'value = 1\nyear = true\n', ["flow[0].year", "valid integer"]),
}
DATE_CASES = {
    "2024-13-45": "month 13 is not in 1..12",
    "2024-02-30": "day is out of range for month",
    "2024-00": "month 0 is not in 1..12",
    "99999": "expected a date YYYY, YYYY-MM or YYYY-MM-DD",
    "0999-01-01": "expected a year between 1800 and 2100",
    "2024-1-5": "expected a date YYYY, YYYY-MM or YYYY-MM-DD",
}


@pytest.mark.parametrize("case", sorted(ACTION_CASES))
def test_bad_action_value_is_a_located_error(case, tmp_path, monkeypatch, capsys):
    body, fragments = ACTION_CASES[case]
    p = _action(tmp_path, body)
    code, out = cli(monkeypatch, capsys, "evaluate", str(p))
    assert code == 2, out
    assert f"{p} line " in out and "invalid action" in out
    for f in fragments:
        assert f in out, (f, out)


@pytest.mark.parametrize("date", sorted(DATE_CASES))
def test_action_date_must_be_a_calendar_date(date, tmp_path, monkeypatch, capsys):
    p = tmp_path / "a.toml"
    p.write_text(HEAD.replace('"2024-06-01"', f'"{date}"'), encoding="utf-8")
    code, out = cli(monkeypatch, capsys, "evaluate", str(p))
    assert code == 2
    assert f"{p} line 4, key date: " in out and DATE_CASES[date] in out and repr(date) in out


def test_event_date_is_checked_too(tmp_path, monkeypatch, capsys):
    p = _action(tmp_path, '\n[[event]]\ncounterpart = "USA"\ndate = "2025-04-31"\n')
    code, out = cli(monkeypatch, capsys, "evaluate", str(p))
    assert code == 2 and f"{p} line 8, key event[0].date" in out
    assert "day is out of range for month" in out


def test_two_additions_of_1e308_are_refused(tmp_path, monkeypatch, capsys):
    """Same partner: the row itself overflows."""
    p = _action(tmp_path, FLOW.format(p="USA", v="1e308") + FLOW.format(p="USA", v="1e308"))
    code, out = cli(monkeypatch, capsys, "evaluate", str(p))
    assert code == 2
    assert f"{p} line 11: add on USA trade.goods.turnover 2023" in out
    assert "gives inf, not a finite number" in out


def test_1e308_on_two_partners_overflows_the_sum(tmp_path, monkeypatch, capsys):
    """Different partners: each row is finite but the domain's total is not (the USA vanished
    from the "after" shares with only a pandas warning)."""
    # an indicator-year without a WLD total (trade turnover 2023 has one since the BNS rows,
    # and moving it overflows first): Russian oil transit 2023
    flow = FLOW.replace("trade.goods.turnover", "energy.crude.transit")
    p = _action(tmp_path, flow.format(p="USA", v="1e308") + flow.format(p="KOR", v="1e308"))
    code, out = cli(monkeypatch, capsys, "evaluate", str(p))
    assert code == 2
    assert "the partners of energy.crude.transit 2023 add up to inf" in out
    assert "line(s) 6, 11" in out


def test_action_over_the_cap(tmp_path, monkeypatch, capsys):
    from equipoise.doctrine.actions import MAX_CHANGES

    p = _action(tmp_path, "".join(FLOW.format(p="USA", v=1) for _ in range(MAX_CHANGES + 1)))
    code, out = cli(monkeypatch, capsys, "evaluate", str(p))
    assert code == 2
    assert f"{MAX_CHANGES + 1:,} changes in one action; expected at most {MAX_CHANGES:,}" in out


def test_action_with_many_problems_is_short(tmp_path, monkeypatch, capsys):
    p = _action(tmp_path, "".join(FLOW.format(p="XXK", v=-1) for _ in range(300)))
    code, out = cli(monkeypatch, capsys, "evaluate", str(p))
    assert code == 2
    assert "invalid action (600 problem(s))" in out and "... and 580 more" in out
    assert len(out) < 8_000


@pytest.mark.parametrize(("kind", "expected"), [
    ("latin1", "not UTF-8: byte 0xE9 at line 2, column 13 (byte offset 21)"),
    ("folder", "is a folder; expected an action file"),
    ("nested", "expected at most 64 levels"),
])
def test_unreadable_action_file(kind, expected, tmp_path, monkeypatch, capsys):
    p = tmp_path / "a.toml"
    if kind == "latin1":
        p.write_bytes('id = "x"\ntitle = "caf\xe9"\n'.encode("latin-1"))
    elif kind == "folder":
        p.mkdir()
    else:
        p.write_text(HEAD + "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n", encoding="utf-8")
    from equipoise.doctrine.actions import load_action
    from equipoise.errors import ActionError

    with pytest.raises(ActionError) as e:
        load_action(p)
    assert expected in str(e.value) and str(p) in str(e.value)
    code, out = cli(monkeypatch, capsys, "evaluate", str(p))
    assert code == 2 and p.name in out, out


# --------------------------------------------------------------------------- counts

@pytest.mark.parametrize(("args", "option"), [
    (["plan", "--scenarios", "1000000000"], "scenarios"),
    (["plan", "--scenarios", "5"], "scenarios"),
    (["plan", "--seed", "-1"], "seed"),
    (["plan", "--horizon", "100000"], "horizon"),
    (["evaluate", "us-c5plus1-deals-2025", "--scenarios", "1000000000"], "scenarios"),
    (["evaluate", "us-c5plus1-deals-2025", "--seed", "-1"], "seed"),
])
def test_counts_are_bounded_on_the_command_line(args, option, monkeypatch, capsys):
    """Refused before any work (by the library's request, or by the CLI's own option bound)."""
    code, out = cli(monkeypatch, capsys, *args)
    assert code == 2 and option in out, out


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"scenarios": 1_000_000_000}, "scenarios: expecting a whole number from 10 to 100,000 "
                                   "(equipoise.doctrine.plan.MAX_SCENARIOS). Got 1000000000."),
    ({"scenarios": 5}, "scenarios: expecting a whole number from 10 to 100,000"),
    ({"scenarios": True}, "scenarios: expecting a whole number from 10 to 100,000"),
    ({"seed": -1}, "seed: expecting a whole number from 0 to 2**63 - 1. Got -1."),
    ({"horizon": 100_000}, "horizon: expecting years from 1 to 50. Got 100000."),
    ({"capacities": (("trade", "CHN", float("nan")),)}, "capacity for trade:CHN: expecting a "
                                                        "share in 0..1. Got nan."),
])
def test_plan_request_is_bounded(kwargs, expected):
    from equipoise.doctrine.plan import PlanRequest
    from equipoise.errors import OptionError

    with pytest.raises(OptionError) as e:
        PlanRequest(**kwargs)
    assert expected in str(e.value)


def test_plan_and_evaluate_refuse_a_billion_scenarios_before_any_work():
    from equipoise.assessment import evaluate, plan
    from equipoise.errors import OptionError

    t = time.perf_counter()
    with pytest.raises(OptionError, match="MAX_SCENARIOS"):
        plan(n_scenarios=1_000_000_000)
    with pytest.raises(OptionError, match="MAX_SCENARIOS"):
        evaluate("us-c5plus1-deals-2025", n_scenarios=1_000_000_000)
    assert time.perf_counter() - t < 60  # no allocation, no assessment first


# --------------------------------------------------------------------------- the frozen upload

@pytest.mark.slow
def test_ten_thousand_flow_changes_evaluate_in_bounded_time(tmp_path):
    """The 10,000-flow action (1.1 MB) that took over 9 minutes: a generous bound (it takes
    about 10 s here), to catch a return of the per-change DataFrame work."""
    from equipoise.assessment import evaluate
    from equipoise.doctrine.actions import load_action

    partners = ["USA", "CHN", "RUS", "KOR", "JPN", "TUR", "UZB", "IND", "ARE", "GBR"]
    body = "".join(
        f'\n[[flow]]\npartner = "{partners[i % 10]}"\nindicator = "technology.deals.value"\n'
        f'product = "deal:adv-{i}"\nvalue = {0.001 * (i % 97 + 1)}\n' for i in range(10_000))
    p = _action(tmp_path, body)
    t = time.perf_counter()
    ev = evaluate(load_action(p), n_scenarios=100)
    assert time.perf_counter() - t < 180
    assert sum(1 for x in ev.log if x["op"] == "add") == 10_000
