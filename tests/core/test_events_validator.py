"""The one events validator (equipoise.io.events.check_events): each rule on a hand-made frame,
with a user's options and with the embedded ledger's stricter ones, strict and lenient; both
callers (datasets.load_events, measures.engagement.read_events/validate_events) on it; the
embedded ledger checked once on the way to an assessment."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import equipoise.datasets as datasets
import equipoise.io.events as io_events
import equipoise.measures.engagement as engagement
from equipoise import reference
from equipoise.errors import InputError, SchemaError
from equipoise.io.events import EventSet, check_events
from equipoise.schema import EVENT_COLUMNS, SET_QUARANTINE_COLUMNS, CountedSet

GOOD = {"date": "2024-05-01", "actor": "KAZ", "counterpart": "CHN", "kind": "visit",
        "domains": "trade;energy", "value_usd": "1000", "source": "s1"}
#: the embedded ledger's options
SHIPPED = {"month": True, "domains_required": True, "sources": {"s1", "s2"}}


def frame(*changes: dict) -> pd.DataFrame:
    """A good first row, then one row per ``changes`` (the good row with those cells)."""
    return pd.DataFrame([GOOD, *({**GOOD, **c} for c in changes)], columns=list(EVENT_COLUMNS))


# --------------------------------------------------------------------------- good rows


@pytest.mark.parametrize("opts", [{}, SHIPPED], ids=["user", "shipped"])
def test_good_rows_load_typed_in_both_modes(opts):
    df = frame({"date": "2025-01", "kind": " Working visit ", "domains": "security",
                "value_usd": "", "source": "s2", "counterpart": "SCO"},
               {"kind": "phone-call", "actor": "EU27", "counterpart": "KAZ", "value_usd": "0"})
    ev = check_events(df, source="f.csv", **opts)
    assert isinstance(ev, EventSet) and isinstance(ev, CountedSet)
    assert ev.counts == {"read": 3, "loaded": 3, "quarantined": 0}
    d = ev.data
    assert d["kind"].tolist() == ["visit", "visit", "call"]
    assert d["year"].tolist() == [2024, 2025, 2024]
    assert d["line"].tolist() == [2, 3, 4] and set(d["file"]) == {"f.csv"}
    assert d["value_usd"].iloc[0] == 1000.0 and math.isnan(d["value_usd"].iloc[1])
    assert d["value_usd"].iloc[2] == 0.0
    assert list(ev.quarantine.columns) == list(SET_QUARANTINE_COLUMNS) and ev.quarantine.empty


# --------------------------------------------------------------- each rule, both modes

#: (changed cells, column, reason, value shown, expected text) of rules that hold in both modes
RULES = [
    ({"date": ""}, "date", "missing_value", "", "a non-empty value"),
    ({"actor": ""}, "actor", "missing_value", "", "a non-empty value"),
    ({"counterpart": ""}, "counterpart", "missing_value", "", "a non-empty value"),
    ({"kind": ""}, "kind", "missing_value", "", "a non-empty value"),
    ({"source": ""}, "source", "missing_value", "", "a non-empty value"),
    ({"date": "2024/05/01"}, "date", "bad_date", "2024/05/01", "a date"),
    ({"date": "24-05-2024"}, "date", "bad_date", "24-05-2024", "a date"),
    ({"actor": "XXK"}, "actor", "unknown_code", "XXK", "an ISO3 country code"),
    ({"actor": "SCO"}, "actor", "unknown_code", "SCO", "an ISO3 country code"),
    ({"counterpart": "XXK"}, "counterpart", "unknown_code", "XXK",
     "an ISO3 code, a partner group (EU27) or an organisation code"),
    ({"counterpart": "KAZ"}, "counterpart", "self_counterpart", "KAZ",
     "a counterpart other than the actor"),
    ({"kind": "parade"}, "kind", "unknown_kind", "parade", "one of ('visit'"),
    ({"domains": "trade;economy"}, "domains", "unknown_domain", "economy",
     "';'-separated domains from ['corridors'"),
    ({"domains": "trade;"}, "domains", "unknown_domain", "", "';'-separated domains"),
    ({"value_usd": "-5"}, "value_usd", "bad_value", "-5", "an amount in US dollars >= 0"),
    ({"value_usd": "inf"}, "value_usd", "bad_value", "inf", "an amount in US dollars >= 0"),
    ({"value_usd": "nan"}, "value_usd", "bad_value", "nan", "an amount in US dollars >= 0"),
    ({"value_usd": "12 bn"}, "value_usd", "bad_value", "12 bn", "an amount in US dollars"),
]


@pytest.mark.parametrize("opts", [{}, SHIPPED], ids=["user", "shipped"])
@pytest.mark.parametrize(("change", "column", "reason", "value", "expected"), RULES,
                         ids=[f"{r[1]}-{r[2]}-{r[3]}" for r in RULES])
def test_each_rule(opts, change, column, reason, value, expected):
    df = frame(change)
    with pytest.raises(InputError) as ei:
        check_events(df, source="f.csv", **opts)
    issues = ei.value.issues
    assert [(i["line"], i["column"], i["reason"]) for i in issues] == [(3, column, reason)]
    assert f"f.csv line 3, column {column!r}: saw {value!r}, expected {expected}" in str(ei.value)
    assert str(ei.value).startswith("1 problem(s) in f.csv:\n")
    ev = check_events(df, source="f.csv", lenient=True, **opts)
    assert ev.counts == {"read": 2, "loaded": 1, "quarantined": 1}
    q = ev.quarantine.iloc[0]
    assert (q["line"], q["column"], q["value"], q["reason"]) == (3, column, value, reason)
    assert ev.data["line"].tolist() == [2]


#: (changed cells, column, reason, expected text) of the embedded ledger's stricter rules
STRICTER = [
    ({"date": "2024"}, "date", "bad_date", "a date YYYY-MM-DD or YYYY-MM"),
    ({"domains": ""}, "domains", "missing_value", "one or more ';'-separated domains"),
    ({"source": "s9"}, "source", "unknown_source", "an id listed in the ledger's sources"),
]


@pytest.mark.parametrize(("change", "column", "reason", "expected"), STRICTER,
                         ids=[r[2] for r in STRICTER])
def test_the_shipped_ledgers_stricter_rules(change, column, reason, expected):
    df = frame(change)
    assert check_events(df).counts["loaded"] == 2  # a user's ledger may do this
    with pytest.raises(InputError) as ei:
        check_events(df, source="f.csv", **SHIPPED)
    assert [(i["column"], i["reason"]) for i in ei.value.issues] == [(column, reason)]
    assert f"column {column!r}: saw {change[column]!r}, expected {expected}" in str(ei.value)
    ev = check_events(df, lenient=True, **SHIPPED)
    assert ev.counts == {"read": 2, "loaded": 1, "quarantined": 1}
    assert ev.quarantine["reason"].tolist() == [reason]


def test_every_problem_of_a_row_one_quarantine_row():
    df = frame({"counterpart": "KAZ", "value_usd": "-1", "source": "", "date": "2024-1"},
               {"kind": "parade"})
    with pytest.raises(InputError) as ei:
        check_events(df, source="f.csv")
    got = [(i["line"], i["column"], i["reason"]) for i in ei.value.issues]
    # ordered by line, then column in the table's order
    assert got == [(3, "date", "bad_date"), (3, "counterpart", "self_counterpart"),
                   (3, "value_usd", "bad_value"), (3, "source", "missing_value"),
                   (4, "kind", "unknown_kind")]
    assert str(ei.value).startswith("5 problem(s) in f.csv:\n")
    ev = check_events(df, source="f.csv", lenient=True)
    assert ev.counts == {"read": 3, "loaded": 1, "quarantined": 2}
    q = ev.quarantine.set_index("line")
    assert q.loc[3, "reason"] == "bad_date;self_counterpart;bad_value;missing_value"
    assert q.loc[3, "column"] == "date" and q.loc[3, "value"] == "2024-1"
    assert q.loc[3, "message"].startswith("date: saw '2024-1', expected a date as ")
    assert "; counterpart: saw 'KAZ', expected a counterpart other than the actor" in \
        q.loc[3, "message"]


def test_message_lists_twenty_issues_hold_all():
    df = frame(*({"kind": f"k{i}"} for i in range(25)))
    with pytest.raises(InputError) as ei:
        check_events(df, source="f.csv")
    assert len(ei.value.issues) == 25
    msg = str(ei.value)
    assert msg.startswith("25 problem(s) in f.csv:") and msg.endswith("... and 5 more")
    assert msg.count("column 'kind'") == 20


def test_missing_column_is_a_schema_error():
    with pytest.raises(SchemaError, match=r"f.csv: missing column\(s\) \['source'\]"):
        check_events(frame().drop(columns="source"), source="f.csv")


def test_first_line_and_extra_columns_kept():
    df = frame({"kind": "parade"}).assign(note=["a", "b"])
    ev = check_events(df, lenient=True, first_line=10)
    assert ev.quarantine["line"].tolist() == [11] and ev.data["line"].tolist() == [10]
    assert ev.data["note"].tolist() == ["a"]


CELLS = st.sampled_from(["", "KAZ", "CHN", "SCO", "XXK", "2024", "2024-05", "2024-05-01",
                         "x", "visit", "state visit", "trade", "trade;", "-1", "5", "s1"])


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({c: CELLS for c in EVENT_COLUMNS}), max_size=12),
       st.booleans())
def test_counts_add_up_and_every_line_is_somewhere(rows, shipped):
    df = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    ev = check_events(df, lenient=True, **(SHIPPED if shipped else {}))
    assert ev.counts["read"] == len(df) == ev.counts["loaded"] + ev.counts["quarantined"]
    lines = sorted([*ev.data["line"], *ev.quarantine["line"]])
    assert lines == list(range(2, len(df) + 2))
    # a row is quarantined exactly when strict mode names its line
    if len(ev.quarantine):
        with pytest.raises(InputError) as ei:
            check_events(df, **(SHIPPED if shipped else {}))
        assert {i["line"] for i in ei.value.issues} == set(ev.quarantine["line"])


# ---------------------------------------------------------------------- the two callers


def test_both_callers_use_the_one_validator():
    assert datasets.check_events is io_events.check_events
    assert engagement.check_events is io_events.check_events
    assert engagement.EventSet is io_events.EventSet


@pytest.fixture
def shipped_copy(tmp_path, monkeypatch):
    """A copy of the embedded dataset whose ledger ``write`` replaces, used by datasets."""
    folder = tmp_path / "kazakhstan"
    folder.mkdir()
    src = datasets.default_path("KAZ")
    (folder / "sources.csv").write_text((src / "sources.csv").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    monkeypatch.setattr(datasets, "default_path", lambda focal="KAZ": folder)
    lines = (src / "events.csv").read_text(encoding="utf-8").splitlines()

    def write(line2: str):
        (folder / "events.csv").write_text("\n".join([lines[0], line2, *lines[2:]]) + "\n",
                                           encoding="utf-8")
        user = tmp_path / "events.csv"  # the same row as a user's ledger
        user.write_text(f"{lines[0]}\n{line2}\n", encoding="utf-8")
        return user

    return write


def test_a_bad_date_reads_the_same_from_both_callers(shipped_copy):
    user = shipped_copy("2023/05/17,KAZ,CHN,state_visit,trade,,KZF:V2023-05-17")
    with pytest.raises(InputError) as shipped:
        datasets.load_events("KAZ")
    with pytest.raises(InputError) as mine:
        engagement.read_events(user)
    a, b = shipped.value.issues, mine.value.issues
    assert len(a) == len(b) == 1
    assert (a[0]["source"], b[0]["source"]) == ("kazakhstan/events.csv", str(user))
    same = ("line", "column", "value", "reason")
    assert [a[0][k] for k in same] == [b[0][k] for k in same] == [2, "date", "2023/05/17",
                                                                  "bad_date"]
    # the shipped ledger needs the month; the texts differ only in that
    assert a[0]["message"] == "saw '2023/05/17', expected a date YYYY-MM-DD or YYYY-MM"
    assert b[0]["message"] == "saw '2023/05/17', expected a date as YYYY-MM-DD, YYYY-MM or YYYY"
    assert str(shipped.value) == ("1 problem(s) in kazakhstan/events.csv:\n  "
                                  "kazakhstan/events.csv line 2, column 'date': "
                                  + a[0]["message"])


def test_a_bad_kind_reads_identically_from_both_callers(shipped_copy):
    user = shipped_copy("2023-05-17,KAZ,CHN,parade,trade,,KZF:V2023-05-17")
    with pytest.raises(InputError) as shipped:
        datasets.load_events("KAZ")
    with pytest.raises(InputError) as mine:
        engagement.read_events(user)
    drop = ("source",)
    assert ([{k: v for k, v in i.items() if k not in drop} for i in shipped.value.issues]
            == [{k: v for k, v in i.items() if k not in drop} for i in mine.value.issues]
            == [{"line": 2, "column": "kind", "value": "parade", "reason": "unknown_kind",
                 "message": "saw 'parade', expected one of ('visit', 'state_visit', 'summit', "
                            "'agreement', 'talks', 'call')"}])


def test_load_events_keeps_its_shape():
    ev = datasets.load_events("KAZ")
    assert list(ev.columns) == ["date", "year", "actor", "counterpart", "kind", "domains",
                                "value_usd", "source"]
    assert ev["year"].dtype == "int64" and ev["value_usd"].dtype == "float64"
    for c in ("date", "actor", "counterpart", "kind", "domains", "source"):
        assert pd.api.types.is_string_dtype(ev[c]) and ev[c].notna().all(), c
    s = datasets.load_event_set("KAZ")
    assert s.counts == {"read": len(ev), "loaded": len(ev), "quarantined": 0}
    assert set(s.data["file"]) == {"kazakhstan/events.csv"}
    assert s.data["line"].tolist() == list(range(2, len(ev) + 2))


def test_the_embedded_ledger_is_checked_once_on_the_way_to_assess(monkeypatch):
    from equipoise.assessment import assess
    from equipoise.context import resolve_flows

    calls = []

    def counting(df, **kw):
        calls.append(kw.get("source"))
        return io_events.check_events(df, **kw)

    monkeypatch.setattr(datasets, "check_events", counting)
    monkeypatch.setattr(engagement, "check_events", counting)
    a = assess(resolve_flows(None, "KAZ"), focal="KAZ")
    assert a.engagement is not None
    assert calls == ["kazakhstan/events.csv"]


def test_organisation_codes_are_the_table_and_the_gazetteer():
    from equipoise.extract.gazetteer import load_gazetteer

    g = load_gazetteer()
    want = set(reference.load("organisations")["org"]) | set(
        g.loc[g["type"] == "organisation", "code"])
    assert reference.organisation_codes() == want == engagement.organisation_codes()
    assert {"SCO", "C5P1", "NATO-PfP", "ADB", "IMF"} <= want


# ------------------------------------------------- the one date rule (schema.event_date_problem)

#: (date, what the message says it should be) of dates of the right form the ledger refuses:
#: a real calendar date with a year in 1800..2100 (the rule of an action file's dates too)
CALENDAR = [
    ("2023-13", "a real calendar date: month 13 is not in 1..12"),
    ("2023-00", "a real calendar date: month 0 is not in 1..12"),
    ("2024-02-30", "a real calendar date: day is out of range for month"),
    ("2023-02-29", "a real calendar date: day is out of range for month"),
    ("2024-04-31", "a real calendar date: day is out of range for month"),
    ("1700", "a year between 1800 and 2100"),
    ("2101-01", "a year between 1800 and 2100"),
]


@pytest.mark.parametrize("opts", [{}, SHIPPED], ids=["user", "shipped"])
@pytest.mark.parametrize(("date", "expected"), CALENDAR, ids=[c[0] for c in CALENDAR])
def test_a_date_must_be_a_real_calendar_date(opts, date, expected):
    if opts and len(date) == 4:  # the shipped ledger asks for the month first
        expected = "a date YYYY-MM-DD or YYYY-MM"
    df = frame({"date": date})
    with pytest.raises(InputError) as ei:
        check_events(df, source="f.csv", **opts)
    assert [(i["line"], i["column"], i["reason"]) for i in ei.value.issues] == \
        [(3, "date", "bad_date")]
    assert ei.value.issues[0]["message"] == f"saw {date!r}, expected {expected}"
    assert f"f.csv line 3, column 'date': saw {date!r}, expected {expected}" in str(ei.value)
    ev = check_events(df, source="f.csv", lenient=True, **opts)
    assert ev.counts == {"read": 2, "loaded": 1, "quarantined": 1}
    assert ev.quarantine["reason"].tolist() == ["bad_date"]


def test_the_audits_probe_is_refused():
    """2023-13 and 1700 loaded (read 2, loaded 2, quarantined 0) before the one date rule."""
    df = pd.DataFrame([{**GOOD, "date": "2023-13"}, {**GOOD, "date": "1700"}])
    ev = check_events(df, lenient=True)
    assert ev.counts == {"read": 2, "loaded": 0, "quarantined": 2}


@pytest.mark.parametrize("date", ["2024-02-29", "2000-02-29", "1800", "2100-12-31", "1999-12"])
def test_edge_dates_load(date):
    assert check_events(frame({"date": date})).counts["loaded"] == 2


@pytest.mark.parametrize("date", ["\u0662\u0660\u0662\u0664", "2024-05-01T00:00"])
def test_only_ascii_digits_in_the_form(date):
    """Arabic-Indic digits matched ``\\d`` (and int() reads them)."""
    with pytest.raises(InputError, match="expected a date as YYYY-MM-DD, YYYY-MM or YYYY"):
        check_events(frame({"date": date}))


DATES = st.builds(lambda y, m, d, n: "-".join([f"{y:04d}", f"{m:02d}", f"{d:02d}"][:n]),
                  st.integers(1690, 2210), st.integers(0, 14), st.integers(0, 33),
                  st.integers(1, 3)) | st.sampled_from(["", "2024-1", "24-05", "x", "2024/05"])


@settings(derandomize=True, max_examples=150, deadline=None)
@given(st.lists(DATES, min_size=1, max_size=8), st.booleans())
def test_the_ledger_refuses_a_date_exactly_when_the_rule_does(dates, month):
    """One rule: the vectorised ledger check and schema.event_date_problem agree cell by cell,
    and a date passes when and only when datetime.date accepts it (a year in 1800..2100)."""
    import datetime as dt

    from equipoise.schema import event_date_problem

    df = pd.DataFrame([{**GOOD, "date": d} for d in dates])
    ev = check_events(df, lenient=True, month=month)
    refused = set(ev.quarantine["line"] - 2)
    for i, d in enumerate(dates):
        parts = [int(x) for x in d.split("-")] if d and d.replace("-", "").isdigit() else []
        full = parts + [1] * (3 - len(parts))
        try:
            real = (len(d) in (4, 7, 10) and 1800 <= full[0] <= 2100
                    and bool(dt.date(*full)) and (not month or len(parts) > 1))
        except (ValueError, TypeError):
            real = False
        assert (i not in refused) == real == (event_date_problem(d, month=month) is None), d
