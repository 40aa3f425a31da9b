"""An action's events and the events ledger: one date rule (schema.event_date_problem), one kind
vocabulary (schema.EVENT_KINDS), and the joined ledger checked by the one events validator
(io.events.check_events) when the action is applied, every problem located by the action
file's line and key."""

from __future__ import annotations

import typing

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import equipoise.doctrine.actions.apply as apply_mod
import equipoise.io.events as io_events
from equipoise import datasets
from equipoise.doctrine.actions import EventChange, apply_action, parse_action
from equipoise.errors import ActionError
from equipoise.schema import EVENT_KINDS, event_date_problem

HEAD = 'id = "t"\ntitle = "test action"\nsources = ["test:src"]\ndate = "2024-01-01"\n'


def event(counterpart: str = "CHN", **cells: str) -> str:
    """An ``[[event]]`` table: 4 lines after HEAD, the header on line 6."""
    body = "".join(f"{k} = {v}\n" for k, v in cells.items())
    return f'\n[[event]]\ncounterpart = "{counterpart}"\n{body}'


@pytest.fixture(scope="module")
def kaz(kaz_flows):
    return kaz_flows


# --------------------------------------------------------------------------- kinds


def test_kind_is_typed_from_the_ledgers_kinds():
    kind = typing.get_type_hints(EventChange, include_extras=True)["kind"]
    assert typing.get_args(kind) == EVENT_KINDS


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_every_ledger_kind_may_be_added(kind):
    """The action files took visit, summit and agreement only; the engagement measure counts
    every kind (talks, calls and state visits are events of an initiative too)."""
    a = parse_action(HEAD + event(kind=f'"{kind}"'), where="a.toml")
    assert a.events[0].kind == kind


def test_an_unknown_kind_lists_the_ledgers_kinds():
    with pytest.raises(ActionError) as ei:
        parse_action(HEAD + event(kind='"parade"'), where="a.toml")
    assert ("a.toml line 8, key event[0].kind: Input should be 'visit', 'state_visit', "
            "'summit', 'agreement', 'talks' or 'call' (saw 'parade')") in str(ei.value)


# --------------------------------------------------------------------------- dates

DATES = st.builds(lambda y, m, d, n: "-".join([f"{y:04d}", f"{m:02d}", f"{d:02d}"][:n]),
                  st.integers(1790, 2110), st.integers(0, 13), st.integers(0, 32),
                  st.integers(1, 3)) | st.sampled_from(["2024-1", "24-05", "x", "2024/05"])


@settings(derandomize=True, max_examples=80, deadline=None)
@given(DATES)
def test_an_action_and_the_ledger_refuse_the_same_dates(date):
    """One rule: an action file refuses an event's (and its own) date exactly when the ledger
    does, and says what the ledger says (but for the form, worded as before)."""
    problem = event_date_problem(date)
    ledger = io_events.check_events(pd.DataFrame([{
        "date": date, "actor": "KAZ", "counterpart": "CHN", "kind": "visit", "domains": "",
        "value_usd": "", "source": "s"}]), lenient=True)
    assert (ledger.counts["loaded"] == 1) == (problem is None)
    for text in (HEAD + event(date=f'"{date}"'), HEAD.replace("2024-01-01", date)):
        if problem is None:
            parse_action(text, where="a.toml")
            continue
        with pytest.raises(ActionError) as ei:
            parse_action(text, where="a.toml")
        said = ("expected a date YYYY, YYYY-MM or YYYY-MM-DD" if problem.startswith("a date")
                else f"expected {problem}")
        assert f"{said} (saw {date!r})" in str(ei.value)


def test_the_rule_says_what_is_wrong():
    """The ledger loaded these before the one rule; an action refused them."""
    assert event_date_problem("2023-13") == "a real calendar date: month 13 is not in 1..12"
    assert event_date_problem("1700") == "a year between 1800 and 2100"
    with pytest.raises(ActionError, match=r"key event\[0\]\.date: expected a real calendar "
                                          r"date: month 13 is not in 1\.\.12 \(saw '2023-13'\)"):
        parse_action(HEAD + event(date='"2023-13"'), where="a.toml")


# --------------------------------------------------------------- applying: the joined ledger


def _apply(kaz, text: str, events):
    return apply_action(parse_action(text, where="a.toml"), kaz, focal="KAZ", events=events)


@pytest.mark.parametrize(("body", "expected"), [
    (event("XXK"), "a.toml line 6: the events ledger with the action's events has 1 problem(s):"
                   "\n  a.toml line 6, key event[0].counterpart: saw 'XXK', expected an ISO3 "
                   "code, a partner group (EU27) or an organisation code (SCO, CSTO, ...)"),
    (event("KAZ"), "a.toml line 6, key event[0].counterpart: saw 'KAZ', expected a counterpart "
                   "other than the actor"),
], ids=["unknown-counterpart", "self-counterpart"])
@pytest.mark.parametrize("ledger", ["embedded", "none"])
def test_an_event_the_ledger_refuses_is_refused(kaz, body, expected, ledger):
    """Before, these rows were appended to the ledger unchecked."""
    events = datasets.load_events("KAZ") if ledger == "embedded" else None
    with pytest.raises(ActionError) as ei:
        _apply(kaz, HEAD + body, events)
    assert expected in str(ei.value)
    assert str(ei.value).startswith("a.toml line 6: the events ledger with the action's events "
                                    "has 1 problem(s):\n")


def test_every_problem_listed_each_at_its_line_and_key(kaz):
    text = HEAD.replace('date = "2024-01-01"\n', "") + event("XXK") + event("KAZ")
    with pytest.raises(ActionError) as ei:
        _apply(kaz, text, datasets.load_events("KAZ"))
    assert str(ei.value).splitlines() == [
        "a.toml line 5: the events ledger with the action's events has 4 problem(s):",
        "  a.toml line 5, key event[0].date (neither the event nor the action gives a date): "
        "saw '', expected a non-empty value",
        "  a.toml line 5, key event[0].counterpart: saw 'XXK', expected an ISO3 code, a "
        "partner group (EU27) or an organisation code (SCO, CSTO, ...)",
        "  a.toml line 8, key event[1].date (neither the event nor the action gives a date): "
        "saw '', expected a non-empty value",
        "  a.toml line 8, key event[1].counterpart: saw 'KAZ', expected a counterpart other "
        "than the actor"]


def test_a_bad_row_of_the_given_ledger_is_named_by_its_file_and_line(kaz):
    ledger = datasets.load_event_set("KAZ").data
    ledger.loc[2, "date"] = "2023-13"  # line 4 of kazakhstan/events.csv
    with pytest.raises(ActionError) as ei:
        _apply(kaz, HEAD + event(), ledger)
    assert ("kazakhstan/events.csv line 4, column 'date': saw '2023-13', expected a real "
            "calendar date: month 13 is not in 1..12") in str(ei.value)


def test_the_joined_ledger_is_checked_once(kaz, monkeypatch):
    seen = []

    def counting(df, **kw):
        seen.append((len(df), kw))
        return io_events.check_events(df, **kw)

    monkeypatch.setattr(apply_mod, "check_events", counting)
    ledger = datasets.load_events("KAZ")
    _apply(kaz, HEAD + event() + event("USA"), ledger)
    assert [n for n, _ in seen] == [len(ledger) + 2]
    # a user's ledger's options: the added rows' source is the action's, not an id of the
    # shipped sources.csv
    assert not {"month", "sources", "domains_required"} & set(seen[0][1])


def test_added_rows_are_typed_and_the_ledger_kept(kaz):
    ledger = datasets.load_events("KAZ")
    before = ledger.copy()
    out = _apply(kaz, HEAD + event(kind='"call"', domains='["trade"]', value_usd="5e8")
                 + event("SCO", date='"2024-07"'), ledger)
    pd.testing.assert_frame_equal(ledger, before)  # the input is not modified
    ev = out.events
    assert list(ev.columns) == list(ledger.columns)
    pd.testing.assert_frame_equal(ev.iloc[:len(ledger)], ledger)
    new = ev.iloc[len(ledger):]
    assert new["date"].tolist() == ["2024-01-01", "2024-07"]
    assert new["year"].tolist() == [2024, 2024] and ev["year"].dtype == "int64"
    assert new["kind"].tolist() == ["call", "agreement"]
    assert new["counterpart"].tolist() == ["CHN", "SCO"]
    assert new["value_usd"].iloc[0] == 5e8 and pd.isna(new["value_usd"].iloc[1])
    assert ev["value_usd"].dtype == "float64"
    assert [r["line"] for r in out.log] == [6, 12]


def test_added_rows_point_at_the_action_file_when_the_ledger_has_lines(kaz):
    ledger = datasets.load_event_set("KAZ").data
    ev = _apply(kaz, HEAD + event(), ledger).events
    assert ev["file"].tolist()[-1] == "a.toml" and ev["line"].tolist()[-1] == 6
    assert ev["file"].tolist()[0] == "kazakhstan/events.csv"


def test_no_ledger_gives_the_embedded_ledgers_shape(kaz):
    ev = _apply(kaz, HEAD + event(), None).events
    assert list(ev.columns) == list(datasets.load_events("KAZ").columns)
    assert ev[["date", "year", "actor", "counterpart", "source"]].values.tolist() == [
        ["2024-01-01", 2024, "KAZ", "CHN", "test:src"]]
