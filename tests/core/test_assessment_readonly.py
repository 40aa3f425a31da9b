"""The assessment's containers are read-only, not only its fields: ``domains`` and
``predictability`` cannot be changed in place (before, ``a.domains[d] = None`` succeeded on the
frozen dataclass), each domain's predictability is a frozen, typed :class:`Predictability`,
and ``to_dict()`` (what ``--json`` prints) keeps its shape. Hand-computed values on the
Mongolia rows of tests/conftest.py."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import pickle

import pytest

from equipoise.assessment import assess
from equipoise.io.flows import read_flows
from equipoise.measures.predictability import share_volatility
from equipoise.scorecard import FrozenMap, Predictability


@pytest.fixture
def mng(mng_csv):
    return assess(read_flows(mng_csv), focal="MNG")


def test_domains_cannot_be_changed_in_place(mng):
    with pytest.raises(TypeError):
        mng.domains["trade"] = None
    with pytest.raises(TypeError):
        del mng.domains["trade"]
    with pytest.raises(AttributeError):
        mng.domains.update({"trade": None})
    with pytest.raises(AttributeError):
        mng.domains.pop("trade")
    assert mng.domains["trade"].top_partner == "CHN"  # unchanged
    # a new assessment's domains are read-only too (with_shares builds them from a dict)
    b = mng.with_shares({"security": {"RUS": 0.4, "USA": 0.6}})
    assert isinstance(b.domains, FrozenMap)
    with pytest.raises(TypeError):
        b.domains["security"] = None
    # a plain copy to work on
    d = mng.domains.copy()
    d["trade"] = None
    assert mng.domains["trade"] is not None


def test_predictability_is_typed_and_read_only(mng):
    p = mng.predictability
    assert isinstance(p, FrozenMap) and all(isinstance(v, Predictability) for v in p.values())
    with pytest.raises(TypeError):
        p["x"] = 1
    trade = p["trade"]
    # trade.goods.turnover: 2022 CHN 8/12, RUS 2/12, OTH 2/12; 2023 CHN 9/14, RUS 2/14,
    # OTH 3/14. TV = (|9/14 - 8/12| + |2/14 - 2/12| + |3/14 - 2/12|) / 2 = 1/21
    assert trade.volatility == pytest.approx(1 / 21)
    assert trade.years == (2022, 2023) and trade.n_pairs == 1 and trade.n_insufficient == 0
    # security (SIPRI window): 2020 RUS 1; 2022 RUS 10/15, USA 5/15: TV = 1/3
    assert p["security"].volatility == pytest.approx(1 / 3)
    assert p["security"].changes[0]["partners_entering"] == ("USA",)
    assert math.isnan(p["energy"].volatility)
    assert p["energy"].note == "insufficient data: one year only (2023)"
    with pytest.raises(dataclasses.FrozenInstanceError):
        trade.volatility = 0.0
    with pytest.raises(TypeError):
        trade["volatility"] = 0.0
    with pytest.raises(TypeError):
        trade.changes[0]["tv"] = 0.0
    with pytest.raises(AttributeError):
        trade.changes[0]["compared"].append("x")  # a tuple
    # read like the dict it replaces (what the predictability rule reads)
    assert trade["volatility"] == trade.volatility
    assert trade.get("changes")[0]["from"] == 2022


def test_to_dict_keeps_the_shape_of_share_volatility(mng, mng_csv):
    from equipoise.measures.exposure import _combine, indicator_shares

    frame = read_flows(mng_csv).data
    ishares = indicator_shares(frame, "MNG")
    raw = share_volatility(_combine(ishares, None), ishares)
    out = mng.to_dict()["predictability"]
    assert type(out) is dict and all(type(v) is dict for v in out.values())
    assert json.dumps(out, sort_keys=True, default=str) == json.dumps(raw, sort_keys=True,
                                                                      default=str)
    assert type(out["trade"]["changes"][0]["compared"]) is list
    for rec in raw.values():  # the record's round trip is exact
        assert json.dumps(Predictability.from_dict(rec).to_dict(), default=str) == \
            json.dumps(rec, default=str)
    with pytest.raises(ValueError, match="Got"):
        Predictability.from_dict({"volatility": 0.1, "what": 1})


def test_read_only_assessment_pickles_and_copies(mng):
    # an assessment may cross to a worker process; MappingProxyType would refuse
    again = pickle.loads(pickle.dumps(mng.domains))
    assert dict(again) == dict(mng.domains) and isinstance(again, FrozenMap)
    p = pickle.loads(pickle.dumps(mng.predictability))
    assert p["trade"].to_dict() == mng.predictability["trade"].to_dict()
    assert copy.deepcopy(mng.predictability)["security"].volatility == pytest.approx(1 / 3)


def test_the_basis_grades_are_read_only():
    # the source register's grades handed down to the assessment (audit 6): read-only too
    import pytest

    import equipoise as eq

    a = eq.assess()
    assert len(a.basis.grades) > 0
    with pytest.raises(TypeError):
        a.basis.grades["x"] = "A"
