"""The news extractor: rules, gazetteer, and precision/recall on hand-labelled articles."""

import json
import sys
from pathlib import Path

from equipoise import reference
from equipoise.extract import extract_events, extract_file, load_gazetteer, split_sentences
from equipoise.extract.gazetteer import domain_keywords, kind_triggers
from equipoise.measures.engagement import EVENT_KINDS

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from evaluate import evaluate  # noqa: E402


def test_sentences_keep_abbreviations():
    s = split_sentences("The U.S. delegation arrived. Talks began at 10 a.m. on Monday! "
                        "Mr. Blinken spoke.\n\nNew paragraph")
    assert s == ["The U.S. delegation arrived.", "Talks began at 10 a.m. on Monday!",
                 "Mr. Blinken spoke.", "New paragraph"]


def test_demonym_leader_capital_and_metonym():
    r = extract_events("The Kremlin said talks were held. Beijing signed a deal on railways. "
                       "Kazakh officials met Uzbek counterparts.", focal="KAZ")
    got = {(e.counterpart, e.kind) for e in r.events}
    assert got == {("RUS", "talks"), ("CHN", "agreement"), ("UZB", "talks")}
    assert "KAZ" not in {e.counterpart for e in r.events}  # the focal state is no partner
    assert {e["alias_kind"] for e in r.entities} >= {"institution", "capital", "demonym"}


def test_leaders_only_in_office():
    text = "Tokayev held talks with Joe Biden."
    assert [e.counterpart for e in extract_events(text, year=2023, focal="KAZ").events] == ["USA"]
    assert extract_events(text, year=2026, focal="KAZ").events == []


def test_no_trigger_no_event():
    assert extract_events("China is Kazakhstan's largest trading partner.", focal="KAZ").events == []


def test_bare_sentence_refers_to_previous_partner():
    r = extract_events("Tokayev met Emir Tamim of Qatar. The sides signed five agreements on "
                       "gas and education.", focal="KAZ")
    ev = {(e.counterpart, e.kind): e for e in r.events}
    assert ev[("QAT", "agreement")].domains == ("energy", "society")
    assert ev[("QAT", "agreement")].sentence.startswith("The sides signed")


def test_summit_goes_to_the_organisation():
    r = extract_events("Leaders of the SCO met in Astana for a summit with China and Russia.", focal="KAZ")
    assert ("SCO", "summit") in {(e.counterpart, e.kind) for e in r.events}
    assert ("CHN", "summit") not in {(e.counterpart, e.kind) for e in r.events}


def test_vocabularies_are_the_projects():
    assert set(kind_triggers()["kind"]) <= set(EVENT_KINDS)
    assert set(domain_keywords()["domain"]) <= set(reference.domain_list())
    g = load_gazetteer()
    assert (g["source"] != "").all()
    codes = reference.known_codes()
    bad = g[(g["type"] != "organisation") & ~g["code"].isin(codes)]
    assert bad.empty, bad


def test_article_headers_are_read():
    r = extract_file(HERE / "articles" / "02_putin_astana.txt", focal="KAZ")
    assert r.meta["date"] == "2024-11-27" and r.meta["url"].startswith("https://")
    d = r.to_dict()
    assert {"counterpart", "kind", "domains", "sentence"} <= set(d["events"][0])
    ledger = r.to_ledger()
    assert list(ledger.columns) == ["date", "actor", "counterpart", "kind", "domains",
                                    "value_usd", "source"]


def test_every_article_has_a_header_and_labels():
    exp = json.loads((HERE / "expected.json").read_text())
    arts = sorted(p.name for p in (HERE / "articles").glob("*.txt"))
    assert len(arts) >= 10 and set(arts) == {k for k in exp if not k.startswith("_")}
    for a in arts:
        head = (HERE / "articles" / a).read_text().splitlines()[:5]
        assert any(h.startswith("# url:") for h in head)
        assert any("REALISTIC ARTICLE WRITTEN FOR THIS TEST" in h for h in head)


def test_precision_recall_dev_set():
    r = evaluate(subset="dev")
    assert r["articles"] == 13
    assert r["precision"] >= 0.9 and r["recall"] >= 0.95
    assert r["domain_precision"] >= 0.85 and r["domain_recall"] >= 0.9


def test_precision_recall_held_out():
    """Articles written after the rules were frozen: the honest figure (see the report)."""
    r = evaluate(subset="heldout")
    assert r["articles"] == 3
    assert r["recall"] >= 0.8 and r["precision"] >= 0.5


def test_year_and_size_are_bounded(tmp_path):
    import pytest

    from equipoise.errors import InputError, OptionError
    from equipoise.extract import _rules

    with pytest.raises(OptionError, match=r"year: expecting a year in 1900\.\.2100"):
        extract_events("Xi Jinping visited Astana.", year=99999, focal="KAZ")
    with pytest.raises(InputError, match="expecting at most"):
        extract_events("a" * (_rules.MAX_ARTICLE_CHARS + 1), focal="KAZ")
    big = tmp_path / "big.txt"
    big.write_text("x" * (_rules.MAX_ARTICLE_BYTES + 1))
    with pytest.raises(InputError, match=r"big\.txt"):
        extract_file(big, focal="KAZ")
    # a '# date:' header with an absurd year is not used as the year (no error, no filter)
    art = tmp_path / "a.txt"
    art.write_text("# date: 99999-01-01\nXi Jinping arrived in Astana on a state visit.\n")
    assert [(e.counterpart, e.kind) for e in extract_file(art, focal="KAZ").events] == [("CHN", "state_visit")]


def test_latin1_article_is_located(tmp_path):
    import pytest

    from equipoise.errors import InputError

    p = tmp_path / "l1.txt"
    p.write_bytes(b"one\ntwo\nCaf\xe9\n")
    with pytest.raises(InputError, match=r"l1\.txt: not UTF-8: byte 0xE9 at line 3, column 4"):
        extract_file(p, focal="KAZ")


def test_kind_triggers_overlap_by_hand():
    """'state visit' (state_visit) covers 'visit': one kind; separate spans both count."""
    from equipoise.extract._rules import _kinds

    assert _kinds("He arrived on a state visit.") == ["state_visit"]
    assert _kinds("They held talks and signed an agreement.") == ["agreement", "talks"]


def test_one_long_sentence_answers_in_bounded_time():
    """The overlap check was quadratic in the triggers of a sentence (a 1 MB sentence did not
    finish in 5 minutes); it is now O(n log n). Generous acceptance bound, not a benchmark."""
    import time

    text = "Russia signed talks with China summit agreement visit " * 5000  # 270 KB
    t0 = time.perf_counter()
    r = extract_events(text, focal="KAZ")
    assert time.perf_counter() - t0 < 60
    assert {e.kind for e in r.events} >= {"agreement", "talks"}
