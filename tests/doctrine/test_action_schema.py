"""The one schema of an action file (``equipoise.doctrine.actions.schema``): frozen dataclasses
validated by ``Action.from_mapping``; the messages a file's author reads are the ones the former
pydantic models gave (wording, line, key, order), checked here against hand-written text."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import ValidationError

from equipoise.doctrine.actions import Action, EventChange, FlowChange, parse_action
from equipoise.errors import ActionError

HEAD = 'id = "t"\ntitle = "test action"\nsources = ["test:src"]\ndate = "2024-01-01"\n'
FLOW = '\n[[flow]]\npartner = "USA"\nindicator = "trade.goods.turnover"\n'


def _problems(text: str) -> list[str]:
    with pytest.raises(ActionError) as exc:
        parse_action(text, where="s.toml")
    return [ln.strip() for ln in str(exc.value).splitlines()[1:]]


def test_from_mapping_is_the_validating_constructor():
    a = Action.from_mapping({"id": "a", "title": "x", "sources": ["s"], "description": " d ",
                             "flow": [{"partner": "USA", "indicator": "trade.goods.turnover",
                                       "value": 2}]},
                            path="p.toml", lines={"flow": [7]})
    assert a.path == "p.toml" and a.description == "d" and a.sources == ("s",)
    assert a.flows == (FlowChange(op="add", partner="USA", indicator="trade.goods.turnover",
                                  value=2.0, line=7),)
    with pytest.raises(ValidationError):
        Action.from_mapping({"id": "a", "title": "x", "sources": ["s"],
                             "flow": [{"partner": "WLD", "indicator": "trade.goods.turnover",
                                       "value": 2}]})
    # building a record in Python checks nothing (as the dataclasses always did)
    assert FlowChange("add", "WLD", "no.such.indicator").value is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.flows[0].value = 3.0  # type: ignore[misc]


def test_line_and_path_are_not_keys_of_the_file():
    assert _problems(HEAD + 'path = "x"\n' + FLOW + "value = 1\nline = 3\n") == [
        "s.toml line 11, key flow[0].line: Extra inputs are not permitted (saw 3)",
        "s.toml line 5, key path: Extra inputs are not permitted (saw 'x')"]


def test_field_names_of_the_tables_are_not_keys_either():
    assert _problems(HEAD + "flows = []\n") == [
        "s.toml line 5, key flows: Extra inputs are not permitted (saw [])"]


def test_arrays_are_worded_as_lists():
    assert _problems('id = "a"\ntitle = "x"\nsources = []\n') == [
        "s.toml line 3, key sources: List should have at least 1 item after validation, not 0 "
        "(saw [])"]
    assert _problems(HEAD + '\n[[event]]\ncounterpart = "USA"\ndomains = "trade"\n') == [
        "s.toml line 8, key event[0].domains: Input should be a valid list (saw 'trade')"]
    a = parse_action(HEAD + '\n[[event]]\ncounterpart = "USA"\ndomains = ["trade"]\n',
                     where="s.toml")
    assert a.events == (EventChange(counterpart="USA", domains=("trade",), line=6),)


def test_problems_follow_the_files_keys_then_unknown_keys_in_file_order():
    text = ('zzz = 1\nid = "a"\ntitle = "x"\nsources = []\ndate = "2024-99"\nfocal = "XX"\n'
            'aaa = 2\n' + FLOW + 'bar = 1\nvalue = "x"\nyear = "y"\n')
    assert _problems(text) == [
        "s.toml line 5, key date: expected a real calendar date: month 99 is not in 1..12 "
        "(saw '2024-99')",
        "s.toml line 6, key focal: expected an ISO3 country code (saw 'XX')",
        "s.toml line 4, key sources: List should have at least 1 item after validation, not 0 "
        "(saw [])",
        "s.toml line 14, key flow[0].year: Input should be a valid integer (saw 'y')",
        "s.toml line 13, key flow[0].value: Input should be a valid number (saw 'x')",
        "s.toml line 12, key flow[0].bar: Extra inputs are not permitted (saw 1)",
        "s.toml line 1, key zzz: Extra inputs are not permitted (saw 1)",
        "s.toml line 7, key aaa: Extra inputs are not permitted (saw 2)"]


def test_checks_across_fields_name_the_entry():
    assert _problems(HEAD + FLOW + 'op = "scale"\n') == [
        "s.toml line 6, key flow[0]: op 'scale' needs a 'factor' (saw {'indicator': "
        "'trade.goods.turnover', 'op': 'scale', 'partner': 'USA'})"]


def test_an_entry_that_is_not_a_table():
    assert _problems(HEAD + "flow = [1]\n") == [
        "s.toml line 5, key flow[0]: Input should be a valid dictionary or instance of "
        "FlowChange (saw 1)"]
