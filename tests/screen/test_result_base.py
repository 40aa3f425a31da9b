"""ScreenResult is a result on the one base class (``equipoise._results.Result``):
``compare()`` of two screens side by side (numbers checked by hand), ``_repr_html_()``
renders, ``to_dict()`` is plain JSON."""

import json

import pandas as pd

from equipoise._results import Result
from equipoise.measures.screen import ScreenResult, Thresholds, screen

# KAZ imports 850110 from CHN 90 and RUS 10 (import HHI 0.81 + 0.01 = 0.82) and exports 1 to
# CHN; world exports CHN 90, RUS 10, KAZ 1 (HHI 8201 / 101^2 = 0.804). KAZ: imports/exports
# 100 -> critical at the GeoDep thresholds (0.4, 0.4, 1), not with an import HHI above 0.9.
# CHN imports 1 from KAZ (HHI 1) but exports 90: ratio 1/90, never critical.
TP = pd.DataFrame({"year": [2021] * 3, "exporter": ["CHN", "RUS", "KAZ"],
                   "importer": ["KAZ", "KAZ", "CHN"], "product": ["850110"] * 3,
                   "value": [90.0, 10.0, 1.0], "quantity": [None] * 3})


def test_screen_compare_by_hand():
    a = screen(TP, year=2021, persistence=False)
    b = screen(TP, year=2021, persistence=False, thresholds=Thresholds(import_hhi=0.9))
    assert isinstance(a, ScreenResult) and isinstance(a, Result)
    df = a.compare(b, names=["GeoDep", "import HHI 0.9"])
    assert df.to_dict("index") == {
        "n_products": {"GeoDep": 2, "import HHI 0.9": 2},
        "n_critical": {"GeoDep": 1, "import HHI 0.9": 0},
        "critical_share": {"GeoDep": 0.5, "import HHI 0.9": 0.0},
        "threshold.import_hhi": {"GeoDep": 0.4, "import HHI 0.9": 0.9},
        "threshold.world_export_hhi": {"GeoDep": 0.4, "import HHI 0.9": 0.4},
        "threshold.import_export_ratio": {"GeoDep": 1.0, "import HHI 0.9": 1.0}}
    # counts are ints, shown without decimals ("2", not "2.000"); shares and HHIs floats
    assert [type(v) for v in df.loc["n_products"]] == [int, int]
    assert [type(v) for v in df.loc["critical_share"]] == [float, float]
    assert df.to_string().splitlines()[2].split() == ["n_products", "2", "2"]
    assert "<tr><td>n_products</td><td>2</td></tr>" in a._repr_html_()
    p = screen(TP, year=2021, sensitivity=False)
    assert p.summary_numbers()["threshold.window"] == 3  # persistence: the window too
    assert type(p.summary_numbers()["threshold.window"]) is int
    # summary() is the class's own
    assert a.summary().splitlines()[0] == ("Product screen 2021 (duckdb): 2 reporter-product "
                                           "pairs, 1 critical")
    d = json.loads(json.dumps(a.to_dict()))
    assert [r["reporter"] for r in d["records"] if r["critical"]] == ["KAZ"]
    h = b._repr_html_()
    assert h.startswith("<div><b>Product screen 2021 (duckdb)</b>")
    assert "<caption>Critical pairs when one threshold moves</caption>" in h
    # import HHI 0.8 flags KAZ (0.82), 0.85 no longer; the current threshold is marked
    assert ("<tr><td>import_hhi</td><td>0.800</td><td>1</td><td></td></tr>"
            "<tr><td>import_hhi</td><td>0.850</td><td>0</td><td></td></tr>"
            "<tr><td>import_hhi</td><td>0.900</td><td>0</td><td>yes</td></tr>") in h


def test_screen_summary_numbers_and_html_do_not_load_the_records():
    def loader():
        raise AssertionError("records loaded")

    r = ScreenResult(thresholds=Thresholds(), year=2020, persistence=True, engine="duckdb",
                     counts=(8, 2), loader=loader,
                     sensitivity=[{"parameter": "import_hhi", "value": 0.4, "n_critical": 2,
                                   "current": True}], notes=["a <note>"])
    assert r.summary_numbers() == {
        "n_products": 8, "n_critical": 2, "critical_share": 0.25, "threshold.import_hhi": 0.4,
        "threshold.world_export_hhi": 0.4, "threshold.import_export_ratio": 1.0,
        "threshold.window": 3, "threshold.min_years": 2}
    h = r._repr_html_()
    assert "<caption>Notes</caption>" in h and "a &lt;note&gt;" in h
    assert r.compare(r).shape == (8, 2)
