"""DomainExplanation is a result on the one base class (``equipoise._results.Result``):
``compare()`` of two domains side by side (numbers checked by hand on the Mongolia rows of
tests/conftest.py), ``_repr_html_()`` renders, ``to_dict()`` is plain JSON."""

import json
import math

import pytest

from equipoise._results import RichSummary
from equipoise.explain import DomainExplanation, explain_domain
from equipoise.io.flows import read_flows


def test_domain_explanation_compare_by_hand(mng_csv):
    flows = read_flows(mng_csv)
    trade = explain_domain(flows, focal="MNG", domain="trade")
    sec = explain_domain(flows, focal="MNG", domain="security")
    assert isinstance(trade, DomainExplanation) and isinstance(trade, RichSummary)
    df = trade.compare(sec)
    assert df.columns.tolist() == ["MNG trade 2023", "MNG security 2022"]
    # trade 2023: CHN 9, RUS 2 of a WLD total 14 (OTH 3); security 2022 (SIPRI window): RUS
    # 10, USA 5
    assert df.loc["year"].tolist() == [2023, 2022]
    assert df.loc["shares.CHN"].tolist()[0] == pytest.approx(9 / 14)
    assert df.loc["shares.OTH"].tolist()[0] == pytest.approx(3 / 14)
    assert df.loc["shares.RUS"].tolist() == pytest.approx([2 / 14, 2 / 3])
    assert math.isnan(df.loc["shares.USA", "MNG trade 2023"])
    assert df.loc["shares.USA", "MNG security 2022"] == pytest.approx(1 / 3)
    assert df.loc["hhi"].tolist() == pytest.approx([(81 + 4) / 196, 4 / 9 + 1 / 9])
    assert df.loc["hhi_upper"].tolist()[0] == pytest.approx((81 + 4 + 9) / 196)
    assert df.loc["top_share"].tolist() == pytest.approx([9 / 14, 2 / 3])
    assert df.loc["critical"].tolist() == [0, 1]  # security: 0.667 >= 0.5, substitutability low
    assert df.loc["margins.critical_share"].tolist()[1] == pytest.approx(2 / 3 - 0.5)
    assert df.loc["rows"].tolist() == [len(trade.rows), len(sec.rows)] == [3, 2]
    # counts, years and flags are ints, shown without decimals; shares and HHIs floats
    for key in ("year", "n_partners", "critical", "dominant", "rows"):
        assert [type(v) for v in df.loc[key]] == [int, int], key
    for key in ("hhi", "top_share", "effective_partners"):
        assert [type(v) for v in df.loc[key]] == [float, float], key
    rows = {ln.split()[0]: ln.split()[1:] for ln in df.to_string().splitlines()[2:]}
    assert rows["n_partners"] == ["2", "2"] and rows["rows"] == ["3", "2"]  # CHN, RUS; RUS, USA
    assert rows["year"] == ["2023", "2022"]
    # summary() is what `equipoise explain` prints (its rich renderables)
    text = sec.summary()
    assert text.startswith("MNG / security, year 2022: top partner RUS 66.7%") and str(sec) == text
    d = json.loads(json.dumps(trade.to_dict()))
    assert d["domain"] == "trade" and d["top_partner"] == "CHN" and len(d["flows"]) == 3
    h = sec._repr_html_()
    assert h.startswith("<div><b>MNG / security, year 2022</b>")
    assert "<caption>Rows behind the numbers (2)</caption>" in h and "<td>2020</td>" in h
    assert "<caption>Sources</caption>" in h and "<td>test:sipri</td>" in h


def test_every_result_class_is_on_the_one_base():
    from equipoise._results import Result
    from equipoise.assessment import Assessment
    from equipoise.doctrine.actions import Evaluation
    from equipoise.doctrine.check import DoctrineCheck
    from equipoise.doctrine.plan import Plan
    from equipoise.extract import Extraction
    from equipoise.measures.alignment import AlignmentResult
    from equipoise.measures.blocs import BlocReport
    from equipoise.measures.engagement import EngagementBalance
    from equipoise.measures.screen import ScreenResult
    from equipoise.panel import BuildReport
    from equipoise.panel.index import IndexResult
    from equipoise.panel.trend import TrendResult
    from equipoise.risk import CorridorResult, ShockResult, SimulationResult
    from equipoise.warehouse import IngestReport

    classes = (Assessment, DoctrineCheck, Evaluation, Plan, ShockResult, CorridorResult,
               SimulationResult, ScreenResult, AlignmentResult, BlocReport, EngagementBalance,
               DomainExplanation, TrendResult, IndexResult, Extraction, IngestReport,
               BuildReport)
    for cls in classes:
        assert issubclass(cls, Result), cls
        for name in ("summary", "_repr_html_", "to_dict", "compare", "summary_numbers"):
            assert callable(getattr(cls, name)), (cls, name)


def test_assessment_counts_are_ints():
    # the default summary_numbers() (from to_dict()) keeps a count an int: the embedded
    # default's years, partners and rows are ints, shown without decimals; shares and values
    # stay floats (the engagement totals stay floats, as assess --json has always given them)
    import equipoise as eq

    n = eq.assess().summary_numbers()
    counts = {k: v for k, v in n.items()
              if k.rsplit(".", 1)[-1] in ("year", "n_partners", "rows", "recency")}
    assert len(counts) > 10, sorted(counts)
    assert {k: type(v) for k, v in counts.items()} == dict.fromkeys(counts, int)
    assert type(n["engagement.window.value_usd.totals.CHN"]) is float
    assert type(n["domains.trade.hhi"]) is float


def test_the_run_wrappers_are_results_of_what_they_wrap():
    # pipeline.AssessRun and assessment.SimulationRun (audit 6, O5): on the Result base, their
    # summary numbers, heading and summary are the wrapped result's
    from equipoise._results import Result
    from equipoise.assessment import SimulationRun
    from equipoise.pipeline import AssessRun, assess_run

    assert issubclass(AssessRun, Result) and issubclass(SimulationRun, Result)
    r = assess_run()
    assert r.summary_numbers() == r.assessment.summary_numbers()
    assert r.heading() == r.assessment.heading() and r.summary() == r.assessment.summary()
    table = r.compare(r)  # two runs side by side, one column each, the assessment's numbers
    assert len(table.columns) == 2 and len(table) == len(r.assessment.summary_numbers())
    assert "<b>" in r._repr_html_()
