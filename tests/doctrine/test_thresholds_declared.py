"""Every threshold of the doctrine is declared by exactly the rules that read it.

A rule is a unit with its thresholds (issue 11, point 1): each registered rule declares every
``[thresholds]`` key it reads (``Rule.thresholds``), so the registry lists them with their
defaults and ranges (``rules.declared_thresholds()``). The shipped rules' thresholds are also
fields of ``doctrine.model.Thresholds``, which validates them: the declarations and the fields
must agree. Which keys a rule reads is measured, not read off its source: the thresholds
object records every key read while a rule's method runs, on the embedded default's check and
plan.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
from pydantic import ValidationError

import equipoise as eq
from equipoise.doctrine import rules
from equipoise.doctrine.model import Thresholds
from equipoise.doctrine.rules import Rule, Threshold

DOCS = Path(__file__).resolve().parents[2] / "docs" / "concepts" / "doctrine.md"
METHODS = ("check", "plan_spec", "plan_rows", "explain", "diagnose", "source_rows")


def test_every_threshold_field_is_declared():
    declared = rules.declared_thresholds()
    missing = sorted(set(Thresholds.model_fields) - set(declared))
    assert not missing, f"threshold fields no rule declares: {missing}"
    # the rest are thresholds the rules add to the table (validated by their declaration)
    assert sorted(set(declared) - set(Thresholds.model_fields)) == [
        "dominant_share", "max_age", "min_compared", "min_coverage"]
    # every shipped rule but no_camp (memberships, not thresholds) reads some
    assert [r.kind for r in rules.registered() if not r.thresholds] == ["no_camp"]


@pytest.mark.parametrize("key", sorted(Thresholds.model_fields))
def test_declaration_matches_the_model_field(key):
    spec, _ = rules.declared_thresholds()[key]
    assert spec.default == Thresholds.model_fields[key].default
    assert getattr(Thresholds(), key) == spec.default
    for ok in (spec.low, spec.high):
        assert getattr(Thresholds(**{key: ok}), key) == ok
    step = 1 if spec.integer else 1e-3
    for bad in (spec.low - step, spec.high + step):
        with pytest.raises(ValidationError):
            Thresholds(**{key: bad})
    if spec.integer:
        with pytest.raises(ValidationError):
            Thresholds(**{key: spec.low + 0.5})
    # a percentile among peers only where the declaration says so
    if spec.peers:
        assert str(getattr(Thresholds(**{key: "p50 of all states"}), key)) == "p50 of all states"
    else:
        with pytest.raises(ValidationError):
            Thresholds(**{key: "p50 of all states"})


@pytest.fixture(scope="module")
def reads():
    """rule kind -> the threshold keys read while one of its methods ran, on the embedded
    default's check (verdicts, source rows) and plan (rows, explanations)."""
    keys = set(Thresholds.model_fields) | set(rules.declared_thresholds())
    seen: dict[str, set[str]] = defaultdict(set)
    running: list[str] = []
    mp = pytest.MonkeyPatch()
    original = Thresholds.__getattribute__

    def spy(self, name):
        if running and name in keys:
            seen[running[-1]].add(name)
        return original(self, name)

    def wrap(kind, fn):
        def run(*args, **kwargs):
            running.append(kind)
            try:
                return fn(*args, **kwargs)
            finally:
                running.pop()
        return run

    mp.setattr(Thresholds, "__getattribute__", spy)
    for rule in rules.registered():
        for name in METHODS:
            mp.setattr(rule, name, wrap(rule.kind, getattr(rule, name)))
    try:
        checked = eq.check()
        eq.plan(assessment=checked.assessment, n_scenarios=200)
    finally:
        mp.undo()
    assert not running
    return {k: set(v) for k, v in seen.items()}


@pytest.mark.parametrize("rule", rules.registered(), ids=lambda r: r.kind)
def test_rule_declares_exactly_what_it_reads(rule, reads):
    assert reads.get(rule.kind, set()) == set(rule.thresholds), (
        f"{rule.kind} reads {sorted(reads.get(rule.kind, set()))}, declares "
        f"{sorted(rule.thresholds)}")


def test_each_threshold_declared_by_exactly_its_readers(reads):
    readers: dict[str, set[str]] = defaultdict(set)
    for kind, keys in reads.items():
        for k in keys:
            readers[k].add(kind)
    declared = {k: set(owners) for k, (_, owners) in rules.declared_thresholds().items()}
    assert declared == dict(readers)


def test_the_spy_sees_a_read():
    """The recording is not vacuous: a read of a field and of a declared extra is seen."""
    class Reader(Rule):
        kind = "reads_two"
        thresholds = {"critical_share": rules.declared_thresholds()["critical_share"][0]}

    seen = []
    original = Thresholds.__getattribute__

    def spy(self, name):
        if name in ("critical_share", "dominant_share"):
            seen.append(name)
        return original(self, name)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Thresholds, "__getattribute__", spy)
        d = eq.load_doctrine()
        Reader().threshold(d, "critical_share")
        rules.get("no_critical_dependency").threshold(d, "dominant_share")
    assert seen == ["critical_share", "dominant_share"]


def test_a_different_declaration_of_a_threshold_is_refused():
    class Other(Rule):
        kind = "other_cap"
        thresholds = {"critical_share": Threshold(0.6, doc="another default")}

        def check(self, a, domain=None):
            return None

    with pytest.raises(ValueError, match=r"threshold 'critical_share' is already declared, "
                                         r"with another default or range, by "
                                         r"no_critical_dependency"):
        rules.register(Other)
    assert rules.get("other_cap") is None


def test_the_same_declaration_is_shared():
    class Same(Rule):
        kind = "same_bounds"
        thresholds = {"max_age": rules.declared_thresholds()["max_age"][0]}

        def check(self, a, domain=None):
            return None

    rules.register(Same)
    try:
        assert rules.threshold_owners("max_age")[-1] == "same_bounds"
    finally:
        rules.unregister("same_bounds")
    assert "same_bounds" not in rules.threshold_owners("max_age")


def _docs_table() -> dict[str, set[str]]:
    """threshold key -> the rules the doctrine page's table says use it."""
    out: dict[str, set[str]] = {}
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not (cells[0].startswith("`") or "[thresholds]" in cells[0]):
            continue
        names = re.findall(r"`([^`]+)`", cells[0].replace("[thresholds] ", ""))
        for key in names:
            out[key] = set(re.findall(r"`([a-z_]+)(?::<[a-z]+>)?`", cells[2]))
    return out


def test_docs_table_lists_every_threshold_with_its_rules():
    table = _docs_table()
    for key, (_, owners) in rules.declared_thresholds().items():
        assert key in table, f"docs/concepts/doctrine.md has no row for threshold {key}"
        assert table[key] == set(owners), (key, table[key], owners)
