"""The linear-time application of actions (issue 14) gives exactly what the former one did
(one DataFrame operation per change, kept in ``_reference_apply.py``): same rows, same values
bit for bit, same order, same log; and a generated multi-change action worked out by hand."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from equipoise import context, reference
from equipoise.assessment import evaluate  # the front door: doctrine, graph and ledger resolved
from equipoise.doctrine import actions
from equipoise.doctrine.actions import (
    MAX_CHANGES,
    apply_action,
    example_actions,
    load_action,
    parse_action,
    remove_baseline,
)
from equipoise.errors import ActionError

from . import _reference_apply as old

HEAD = 'id = "t"\ntitle = "test action"\nsources = ["test:src"]\ndate = "2024-01-01"\n'


def _norm(x):
    if isinstance(x, float) and math.isnan(x):
        return "<nan>"
    if x is pd.NA:
        return "<nan>"
    return x


def _same_log(a: list[dict], b: list[dict]) -> None:
    assert [{k: _norm(v) for k, v in x.items()} for x in a] == \
        [{k: _norm(v) for k, v in x.items()} for x in b]


def _both(action, flows, focal):
    mem = reference.load("memberships")
    f_new, log_new = remove_baseline(action, flows, focal=focal)
    f_old, log_old = old.remove_baseline(action, flows, focal=focal)
    pd.testing.assert_frame_equal(f_new.data, f_old.data)
    _same_log(log_new, log_old)
    # the doctrine layer takes its corridor graph resolved (it never loads the shipped one)
    graph = context.resolve_corridors(focal)
    new = apply_action(action, f_new, focal=focal, memberships=mem, corridors=graph)
    ref = old.apply_action(action, f_old, focal=focal, memberships=mem, corridors=graph)
    return new, ref


def _assert_same(new, ref):
    pd.testing.assert_frame_equal(new.flows.data, ref.flows.data)
    pd.testing.assert_frame_equal(new.flows.quarantine, ref.flows.quarantine)
    assert new.flows.counts == ref.flows.counts
    _same_log(new.log, ref.log)


@pytest.mark.parametrize("name", example_actions())
def test_shipped_examples_apply_exactly_as_before(name, kaz_flows):
    a = load_action(name)
    focal = a.focal or "KAZ"
    new, ref = _both(a, kaz_flows, focal)
    _assert_same(new, ref)


def _generated(n: int, partners=("USA", "CHN", "RUS", "KOR", "JPN", "TUR", "DEU"),
               deal: str = "deal:a") -> str:
    """Adds to existing rows and new rows, sets, scales (with and without product), repeated
    keys, a percentage indicator and a score-free total, in one action."""
    parts = [HEAD]
    for i in range(n):
        p = partners[i % len(partners)]
        k = i % 6
        if k == 0:
            parts.append(f'[[flow]]\npartner = "{p}"\nindicator = "trade.goods.turnover"\n'
                         f'value = {0.25 * (i % 5 + 1)}\n')
        elif k == 1:
            parts.append(f'[[flow]]\npartner = "{p}"\nindicator = "technology.deals.value"\n'
                         f'product = "deal:g{i % 11}"\nvalue = {0.1 * (i % 3 + 1)}\n')
        elif k == 2:
            parts.append(f'[[flow]]\nop = "set"\npartner = "{p}"\n'
                         f'indicator = "finance.fdi.stock"\nvalue = {i % 4 + 0.5}\n')
        elif k == 3:
            parts.append(f'[[flow]]\nop = "scale"\npartner = "{partners[i % 3]}"\n'
                         'indicator = "trade.goods.turnover"\nfactor = 1.1\n')
        elif k == 4:
            parts.append('[[flow]]\nop = "scale"\npartner = "USA"\n'
                         f'indicator = "technology.deals.value"\nproduct = "{deal}"\n'
                         'factor = 0.9\n')
        else:
            parts.append(f'[[flow]]\npartner = "{p}"\nindicator = "security.arms.import"\n'
                         f'year = 2022\nvalue = {i % 7 + 1}\n')
    return "\n".join(parts)


@pytest.mark.parametrize("n", [1, 6, 60, 400])
def test_generated_multi_change_action_applies_exactly_as_before(n, mng_flows):
    a = parse_action(_generated(n), where="gen.toml")
    new, ref = _both(a, mng_flows, "MNG")
    _assert_same(new, ref)


def test_generated_action_on_kazakhstan(kaz_flows):
    text = _generated(300, partners=("USA", "CHN", "RUS", "KOR", "JPN", "TUR", "UZB"),
                      deal="deal:tungsten")
    text += ('\n[[baseline]]\nyear = 2021\npartner = "CHN"\nindicator = "finance.fdi.stock"\n'
             '\n[[baseline]]\nyear = 2025\npartner = "USA"\nindicator = '
             '"technology.deals.value"\nproduct = "deal:boeing-787"\n')
    new, ref = _both(parse_action(text, where="gen.toml"), kaz_flows, "KAZ")
    _assert_same(new, ref)


def _v(fs, partner, indicator, year=2023, product=None):
    d = fs.data
    m = (d["partner"] == partner) & (d["indicator"] == indicator) & (d["year"] == year)
    if product is not None:
        m &= d["product"] == product
    return float(d.loc[m, "value"].sum())


def test_multi_change_action_by_hand(mng_flows):
    """MNG trade: CHN 6, RUS 2, USA 1, WLD 10 (conftest). In file order:
    add USA 1 -> USA 2, WLD 11; scale CHN x0.5 -> CHN 3, WLD 8; set RUS 5 -> RUS 5, WLD 11;
    add KOR 2 (new row) -> KOR 2, WLD 13; add USA 0.5 -> USA 2.5, WLD 13.5;
    scale KOR x3 (the row the action created) -> KOR 6, WLD 17.5.
    Technology: set CHN deal:b 3 -> 0.5 (no WLD row: no total moves); add USA deal:c 4 (new)."""
    text = HEAD + (
        '\n[[flow]]\npartner = "USA"\nindicator = "trade.goods.turnover"\nvalue = 1\n'
        '\n[[flow]]\nop = "scale"\npartner = "CHN"\nindicator = "trade.goods.turnover"\n'
        'factor = 0.5\n'
        '\n[[flow]]\nop = "set"\npartner = "RUS"\nindicator = "trade.goods.turnover"\n'
        'value = 5\n'
        '\n[[flow]]\npartner = "KOR"\nindicator = "trade.goods.turnover"\nvalue = 2\n'
        '\n[[flow]]\npartner = "USA"\nindicator = "trade.goods.turnover"\nvalue = 0.5\n'
        '\n[[flow]]\nop = "scale"\npartner = "KOR"\nindicator = "trade.goods.turnover"\n'
        'factor = 3\n'
        '\n[[flow]]\nop = "set"\npartner = "CHN"\nindicator = "technology.deals.value"\n'
        'product = "deal:b"\nvalue = 0.5\n'
        '\n[[flow]]\npartner = "USA"\nindicator = "technology.deals.value"\n'
        'product = "deal:c"\nvalue = 4\n')
    out = apply_action(parse_action(text, where="hand.toml"), mng_flows, focal="MNG")
    t = "trade.goods.turnover"
    assert _v(out.flows, "USA", t) == pytest.approx(2.5)
    assert _v(out.flows, "CHN", t) == pytest.approx(3)
    assert _v(out.flows, "RUS", t) == pytest.approx(5)
    assert _v(out.flows, "KOR", t) == pytest.approx(6)
    assert _v(out.flows, "WLD", t) == pytest.approx(17.5)
    assert _v(out.flows, "CHN", "technology.deals.value", product="deal:b") == 0.5
    assert _v(out.flows, "USA", "technology.deals.value", product="deal:c") == 4
    assert len(out.flows.data) == len(mng_flows.data) + 2  # KOR trade and USA deal:c
    kor = out.flows.data[(out.flows.data["partner"] == "KOR")].iloc[0]
    # the row an action creates and changes again points at the last change's line
    assert kor["file"] == "hand.toml" and kor["line"] == 33
    ops = [(x["op"], x["partner"]) for x in out.log]
    assert ops == [("add", "USA"), ("total", "WLD"), ("scale", "CHN"), ("total", "WLD"),
                   ("set", "RUS"), ("total", "WLD"), ("add", "KOR"), ("total", "WLD"),
                   ("add", "USA"), ("total", "WLD"), ("scale", "KOR"), ("total", "WLD"),
                   ("set", "CHN"), ("add", "USA")]
    assert [x["after"] for x in out.log if x["partner"] == "WLD"] == pytest.approx(
        [11, 8, 11, 13, 13.5, 17.5])
    # the second USA add sees the first one as the row it changed
    assert out.log[8]["row_before"] == "hand.toml line 6" and out.log[8]["before"] == 2.0


def test_action_over_the_cap_is_refused(mng_flows, monkeypatch):
    monkeypatch.setattr(actions, "MAX_CHANGES", 5)
    with pytest.raises(ActionError, match=r"6 changes in one action; expected at most 5"):
        parse_action(_generated(6), where="big.toml")
    assert MAX_CHANGES == 20_000


@pytest.mark.slow
@pytest.mark.parametrize("name", example_actions())
def test_shipped_examples_evaluate_exactly_as_before(name, kaz_flows, monkeypatch):
    """The whole evaluation (before and after sides) is identical with the former application."""
    new = evaluate(name, kaz_flows, n_scenarios=100).to_dict()
    monkeypatch.setattr(actions, "apply_action", old.apply_action)
    monkeypatch.setattr(actions, "remove_baseline", old.remove_baseline)
    ref = evaluate(name, kaz_flows, n_scenarios=100).to_dict()
    assert json.dumps(new, default=str, sort_keys=True) == \
        json.dumps(ref, default=str, sort_keys=True)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_MNG: dict = {}


def _mng_flows():
    if "fs" not in _MNG:
        import tempfile
        from pathlib import Path

        from equipoise.io.flows import read_flows

        from .conftest import MNG_ROWS

        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "m.csv"
            p.write_text(MNG_ROWS, encoding="utf-8")
            _MNG["fs"] = read_flows(p)
    return _MNG["fs"]


_CHANGE = st.tuples(
    st.sampled_from(["add", "set", "scale"]),
    st.sampled_from(["USA", "CHN", "RUS", "KOR", "DEU"]),
    st.sampled_from(["trade.goods.turnover", "technology.deals.value", "finance.fdi.stock",
                     "energy.crude.export_route"]),
    st.sampled_from([None, "deal:a", "deal:b", "deal:z"]),
    st.sampled_from([0.0, 0.5, 1.0, 2.5, 7.0]),
)


@settings(max_examples=25, deadline=None)
@given(changes=st.lists(_CHANGE, min_size=1, max_size=6))
def test_random_change_sequences_match_the_former_application(changes):
    """Any sequence of add / set / scale changes (repeated keys, products or none, rows that
    exist or not) gives the same table and log as the former application, or both refuse it."""
    parts = [HEAD]
    for op, partner, ind, prod, v in changes:
        parts.append(f'[[flow]]\nop = "{op}"\npartner = "{partner}"\nindicator = "{ind}"\n'
                     + (f'product = "{prod}"\n' if prod else "")
                     + (f"factor = {v}\n" if op == "scale" else f"value = {v}\n"))
    a = parse_action("\n".join(parts), where="h.toml")
    fs = _mng_flows()
    try:
        ref = old.apply_action(a, fs, focal="MNG")
    except ActionError:
        with pytest.raises(ActionError):
            apply_action(a, fs, focal="MNG")
        return
    _assert_same(apply_action(a, fs, focal="MNG"), ref)
