"""Extraction (what ``eq.extract_events`` returns) is a result on the one base class
(``equipoise._results.Result``): ``compare()`` sets two articles' counts side by side (counted
by hand), ``_repr_html_()`` renders escaped tables, ``summary()`` and ``to_dict()`` are as
before."""

import json
import math

import pytest

from equipoise._results import Result
from equipoise.errors import OptionError
from equipoise.extract import Extraction, extract_events

TEXT = "Tokayev held talks with Joe Biden. Beijing signed a deal on railways."


def test_extraction_is_a_result_compared_by_hand():
    a = extract_events(TEXT, year=2023, focal="KAZ")
    # 2026: Biden is no longer in office, so only Tokayev (the focal state) is mentioned and
    # no event is found
    b = extract_events("Tokayev held talks with Joe Biden.", year=2026, focal="KAZ")
    assert isinstance(a, Extraction) and isinstance(a, Result)
    # two sentences; mentions Tokayev (KAZ), Joe Biden (USA), Beijing (CHN); events USA talks
    # and CHN agreement
    assert a.summary_numbers() == {"events": 2, "entities": 3, "sentences": 2}
    assert all(type(v) is int for v in a.summary_numbers().values())  # counts stay whole
    df = a.compare(b, names=["2023", "2026"])
    assert df.loc["events"].tolist() == [2, 0]
    assert df.loc["entities"].tolist() == [3, 1]
    assert df.loc["sentences"].tolist() == [2, 1]
    with pytest.raises(OptionError, match="Got int"):
        a.compare(1)


def test_extraction_summary_and_dict_unchanged():
    a = extract_events(TEXT, year=2023, focal="KAZ")
    # the text `equipoise extract` printed before the class joined the base, character for
    # character
    assert a.summary() == (
        "2 candidate event(s) for KAZ\n"
        "  USA    talks                                       | Tokayev held talks with Joe "
        "Biden.\n"
        "  CHN    agreement    corridors                      | Beijing signed a deal on "
        "railways.")
    assert str(a) == a.summary()
    d = json.loads(json.dumps(a.to_dict()))
    assert list(d) == ["focal", "meta", "events", "entities"]
    assert [(e["counterpart"], e["kind"]) for e in d["events"]] == [("USA", "talks"),
                                                                  ("CHN", "agreement")]


def test_extraction_html_is_escaped():
    a = extract_events("Tokayev held <b>talks</b> with Joe Biden.", year=2023, focal="KAZ")
    h = a._repr_html_()
    assert h.startswith("<div><b>1 candidate event(s) for KAZ</b>")
    assert "<td>events</td><td>1</td>" in h  # a count, not "1.000"
    assert "<caption>Candidate events</caption>" in h and "<td>USA</td>" in h
    assert "&lt;b&gt;talks&lt;/b&gt;" in h and "<b>talks</b>" not in h


def test_empty_extraction():
    e = extract_events("No partner here.", focal="KAZ")
    assert e.summary_numbers() == {"events": 0, "entities": 0, "sentences": 1}
    assert e.summary() == "0 candidate event(s) for KAZ"
    assert "<caption>Candidate events</caption>" in e._repr_html_()
    assert not math.isnan(e.compare(e).loc["sentences"].iloc[0])
