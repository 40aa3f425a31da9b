"""The result base class (summary, HTML, to_dict, compare) and the number formatter, on small
results made by hand; the renamed public names and their former names."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

import equipoise as eq
from equipoise._results import Result, RichSummary, fmt_number, fmt_share, html_table
from equipoise.errors import OptionError
from equipoise.risk import (
    CorridorResult,
    ShockRequest,
    ShockResult,
    SimulationRequest,
    SimulationResult,
)

# --------------------------------------------------------------------------- formatter


@pytest.mark.parametrize("x, want", [
    (0.12345, "0.123"), (2, "2"), (1_000_000, "1,000,000"), (12345.6, "12,346"),
    (0.000123, "0.000123"), (0.0, "0.000"), (-1.5, "-1.500"), (None, "n/a"),
    (float("nan"), "n/a"), (float("inf"), "inf"), (np.int64(7), "7"), (np.float64(0.5), "0.500"),
    (True, "True"), ("abc", "abc"),
])
def test_fmt_number(x, want):
    assert fmt_number(x) == want


@seed(20261130)
@settings(max_examples=60)
@given(st.integers(-10**12, 10**12))
def test_fmt_number_of_a_whole_number_reads_back(x):
    assert int(fmt_number(x).replace(",", "")) == x


@seed(20261130)
@settings(max_examples=60)
@given(st.floats(-1e6, 1e6, allow_nan=False))
def test_fmt_number_of_a_float_is_close(x):
    got = float(fmt_number(x).replace(",", ""))
    assert abs(got - x) <= (0.5 if abs(x) >= 1000 else 0.0005 + 1e-9) + abs(x) * 1e-3


def test_fmt_share():
    assert fmt_share(0.1234) == "12.3%"
    assert fmt_share(1) == "100.0%"
    assert fmt_share(0.1234, 2) == "12.34%"
    assert fmt_share(None) == fmt_share(float("nan")) == "n/a"


# --------------------------------------------------------------------------- base class

@dataclass
class Tiny(Result):
    name: str
    loss: float
    runs: int
    parts: dict

    def to_dict(self) -> dict:
        return {"name": self.name, "loss": self.loss, "runs": self.runs, "parts": self.parts,
                "rows": [1, 2, 3], "ok": True}

    def compare_label(self) -> str:
        return self.name

    def heading(self) -> str:
        return f"Tiny {self.name}"


@dataclass
class Other(Result):
    def to_dict(self) -> dict:
        return {"x": 1}


def test_default_summary_numbers_flatten_the_numbers_of_to_dict():
    t = Tiny("a", 0.25, 1000, {"energy": 0.5, "trade": {"eu": 2}})
    # strings, lists and booleans left out; nested keys joined with dots
    assert t.summary_numbers() == {"loss": 0.25, "runs": 1000.0, "parts.energy": 0.5,
                                   "parts.trade.eu": 2.0}
    # an int of to_dict() stays an int (a count), shown without decimals
    assert [type(v) for v in t.summary_numbers().values()] == [float, int, float, int]
    assert t.summary() == ("Tiny a\n  loss            0.250\n  runs            1,000\n"
                           "  parts.energy    0.500\n  parts.trade.eu  2")
    assert str(t) == t.summary()


def test_compare_sets_the_numbers_side_by_side():
    a = Tiny("a", 0.25, 1000, {"energy": 0.5})
    b = Tiny("b", 0.5, 2000, {"trade": 0.1})
    c = Tiny("c", 0.0, 10, {})
    df = a.compare(b, c)
    assert list(df.columns) == ["a", "b", "c"]
    assert list(df.index) == ["loss", "runs", "parts.energy", "parts.trade"]
    assert df.index.name == "quantity"
    assert df.loc["loss"].tolist() == [0.25, 0.5, 0.0]
    assert df.loc["runs"].tolist() == [1000.0, 2000.0, 10.0]
    assert df.loc["parts.energy", "a"] == 0.5 and math.isnan(df.loc["parts.energy", "b"])
    assert math.isnan(df.loc["parts.trade", "c"])
    # the counts (ints in every result) stay ints and show without decimals; the rest floats
    assert [type(v) for v in df.loc["runs"]] == [int, int, int]
    assert [type(v) for v in df.loc["loss"]] == [float, float, float]
    assert df.to_string().splitlines()[2].split() == ["loss", "0.25", "0.5", "0.0"]
    assert df.to_string().splitlines()[3].split() == ["runs", "1000", "2000", "10"]
    assert df.astype(float).loc["runs"].tolist() == [1000.0, 2000.0, 10.0]
    # only floats: a float frame, as before
    assert all(t.kind == "f" for t in Tiny("a", 0.1, 1, {}).compare(Tiny("b", 0.2, 2.5, {})).dtypes)
    # names given; equal labels made unique
    assert list(a.compare(b, names=["x", "y"]).columns) == ["x", "y"]
    assert list(a.compare(Tiny("a", 1.0, 1, {})).columns) == ["a (1)", "a (2)"]


@seed(20261130)
@settings(max_examples=40)
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c", "d"]),
                                st.floats(-1e3, 1e3, allow_nan=False), max_size=4),
                min_size=2, max_size=4))
def test_compare_holds_each_results_numbers(parts):
    results = [Tiny(f"r{i}", 0.5, i, p) for i, p in enumerate(parts)]
    df = results[0].compare(*results[1:])
    assert list(df.columns) == [r.name for r in results]
    for r in results:
        nums = r.summary_numbers()
        col = df[r.name]
        assert {k: v for k, v in col.items() if not math.isnan(v)} == nums


def test_compare_refuses_other_kinds_and_wrong_names():
    a = Tiny("a", 0.25, 1000, {})
    with pytest.raises(OptionError, match=r"compare: expecting results of the same kind "
                                          r"\(Tiny\)\. Got Other\."):
        a.compare(Other())
    with pytest.raises(OptionError, match=r"expecting 2 names\. Got 1"):
        a.compare(a, names=["x"])


def test_repr_html_escapes_every_value():
    t = Tiny("<script>", 0.25, 1000, {"a&b": 0.5})
    h = t._repr_html_()
    assert h.startswith("<div><b>Tiny &lt;script&gt;</b><table>")
    assert h.endswith("</table></div>")
    assert "<td>parts.a&amp;b</td><td>0.500</td>" in h and "<td>runs</td><td>1,000</td>" in h
    df = pd.DataFrame({"who": ["<i>x</i>"], "v": [0.5]})
    got = html_table(df, caption="a <b> c")
    assert got == ("<table><caption>a &lt;b&gt; c</caption><thead><tr><th>who</th><th>v</th>"
                   "</tr></thead><tbody><tr><td>&lt;i&gt;x&lt;/i&gt;</td><td>0.500</td></tr>"
                   "</tbody></table>")
    assert "<script>" not in h


def test_rich_summary_results_get_compare_from_the_base():
    @dataclass
    class Rich(RichSummary):
        v: float

        def renderables(self) -> list:
            return [f"value {self.v}"]

        def to_dict(self) -> dict:
            return {"v": self.v}

    assert Rich(1.5).summary().strip() == "value 1.5"
    assert Rich(1.5).compare(Rich(2.0)).loc["v"].tolist() == [1.5, 2.0]
    assert "<td>v</td><td>1.500</td>" in Rich(1.5)._repr_html_()


# --------------------------------------------------------------------------- risk results

def _shock(partner: str, energy: float, trade: float, corridor: float | None) -> ShockResult:
    r = ShockRequest(focal="KAZ", partner=partner, intensity=0.5)
    losses = {"energy": energy, "trade": trade}
    total = (2 * energy + trade) / 3
    return ShockResult(r, losses, total, pd.DataFrame(), {"energy": 2.0, "trade": 1.0}, {},
                       {} if corridor is None else {"energy": corridor}, [],
                       {"energy": "corridors" if corridor else "shares", "trade": "shares"})


def test_shock_result_numbers_html_and_compare():
    a, b = _shock("RUS", 0.3, 0.1, 0.3), _shock("CHN", 0.0, 0.2, None)
    assert a.summary_numbers() == {"total": pytest.approx(0.7 / 3), "loss.energy": 0.3,
                                   "loss.trade": 0.1, "corridor_loss.energy": 0.3}
    df = a.compare(b)
    assert list(df.columns) == ["RUS -> KAZ x0.5 max", "CHN -> KAZ x0.5 max"]
    assert df.loc["loss.trade"].tolist() == [0.1, 0.2]
    assert math.isnan(df.loc["corridor_loss.energy"].iloc[1])
    h = a._repr_html_()
    assert "<b>Shock: RUS cut off from KAZ at intensity 0.5</b>" in h
    assert "<td>energy</td><td>30.0%</td><td>2.000</td><td>30.0%</td><td>corridors</td>" in h
    assert "<td>total</td><td>23.3%</td>" in h


def _corridor(flow: float, without: list[str], flow_wo: float | None, cont: list[dict]):
    return CorridorResult("KZ-A", ["CN-B"], "kt", flow, [("X", "Y"), ("N", "N")], flow,
                          without, flow_wo, [], cont, [], "test graph")


def test_corridor_result_numbers_html_and_compare():
    cont = [{"removed": ["RUS"], "max_flow": 30.0, "lost_share": 0.7},
            {"removed": ["<T&R>"], "max_flow": 80.0, "lost_share": 0.2}]
    a = _corridor(100.0, ["RUS"], 30.0, cont)
    b = _corridor(50.0, [], None, [])
    assert a.summary_numbers() == {"max_flow": 100.0, "min_cut_capacity": 100.0,
                                   "max_flow_without": 30.0, "lost_share": pytest.approx(0.7),
                                   "contingencies": 2, "worst_contingency_lost_share": 0.7}
    assert type(a.summary_numbers()["contingencies"]) is int
    assert type(a.summary_numbers()["max_flow"]) is float  # a capacity, not a count
    assert b.summary_numbers() == {"max_flow": 50.0, "min_cut_capacity": 50.0}
    df = a.compare(b)
    assert list(df.columns) == ["KZ-A -> CN-B without RUS", "KZ-A -> CN-B"]
    assert df.loc["max_flow"].tolist() == [100.0, 50.0]
    h = a._repr_html_()
    assert "<b>Corridors KZ-A -&gt; CN-B (kt)</b>" in h
    assert "<td>&lt;T&amp;R&gt;</td><td>80.000</td><td>20.0%</td>" in h
    assert "<td>N</td><td>(node)</td>" in h


def _simulation(scale: float, partner: str = "RUS") -> SimulationResult:
    req = SimulationRequest("KAZ", runs=4, seed=1, levels=(0.95,))
    cols = ["mean", "p_loss", "var_95", "var_95_se", "var_95_lower", "var_95_upper", "cvar_95",
            "cvar_95_se"]
    risk = pd.DataFrame([[0.1, 0.5, 0.2, 0.01, 0.1, 0.3, 0.4, 0.02],
                         [0.05, 0.5, 0.1, 0.01, 0.0, 0.2, 0.2, 0.01]],
                        index=["energy", "total"], columns=cols) * scale
    drivers = pd.DataFrame({"partner": [partner], "probability": [0.05], "frequency": [0.5],
                            "tail_frequency": [1.0], "lift": [2.0], "tail_loss_share": [1.0]})
    return SimulationResult(req, [partner], ["energy"], {partner: 0.05}, pd.DataFrame(),
                            pd.DataFrame(), {"energy": 1.0}, pd.DataFrame(), risk, drivers, 1,
                            0.0, np.array([0, 1, 0, 1]))


def test_simulation_result_numbers_html_and_compare():
    a, b = _simulation(1.0), _simulation(2.0, partner="<EU&>")
    n = a.summary_numbers()
    assert n["runs"] == 4 and n["partners"] == 1
    assert type(n["runs"]) is int and type(n["partners"]) is int
    assert n["total.var_95"] == 0.1 and n["total.cvar_95_se"] == 0.01
    assert n["energy.cvar_95"] == 0.4 and "energy.var_95_se" not in n
    df = a.compare(b, names=["one", "two"])
    assert df.loc["total.cvar_95"].tolist() == [0.2, 0.4]
    assert df.loc["runs"].tolist() == [4, 4] and type(df.loc["runs", "one"]) is int
    assert df.loc["energy.mean"].tolist() == [0.1, 0.2]
    h = b._repr_html_()
    assert "<caption>Tail drivers</caption>" in h and "&lt;EU&amp;&gt;" in h and "<EU&>" not in h
    assert "<td>total</td><td>0.100</td>" in h
    with pytest.raises(OptionError, match="Got ShockResult"):
        a.compare(_shock("RUS", 0.1, 0.1, None))


def test_html_table_shows_years_and_periods_as_plain_whole_numbers():
    t = pd.DataFrame({"year": [2019, None], "period": [2010.0, 2011.0], "value": [1234.0, 5.0]})
    h = html_table(t)
    assert "<td>2019</td><td>2010</td><td>1,234</td>" in h  # not "2,019"
    assert "<td>n/a</td><td>2011</td><td>5.000</td>" in h
    rows = html_table([("trade.year", 2020.0), ("period", 1999), ("total", 2020.0)])
    assert "<td>trade.year</td><td>2020</td>" in rows and "<td>period</td><td>1999</td>" in rows
    assert "<td>total</td><td>2,020</td>" in rows


# --------------------------------------------------------------------------- names

def test_clear_names_and_the_deprecated_ambiguous_ones():
    """``eq.simulate`` (the request runner) and ``eq.risk.simulate`` (the engine) meant different
    things: the ambiguous names are out of ``__all__`` and ``dir()``, and each use warns with a
    DeprecationWarning naming the clear name (and still gives the same function). The same for
    the submodules' former names (``equipoise.risk.corridors.analyse``,
    ``equipoise.risk.montecarlo.simulate`` and ``.run_request``): none is a plain alias."""
    import warnings

    from equipoise.risk import corridors, montecarlo

    assert eq.run_simulation is montecarlo.run_simulation
    assert eq.analyse_corridors is corridors.analyse_corridors
    assert eq.risk.simulate_losses is montecarlo.engine.simulate_losses
    assert eq.risk.run_simulation is eq.run_simulation
    assert eq.risk.analyse_corridors is eq.analyse_corridors
    cases = [(eq, "simulate", "eq.run_simulation", eq.run_simulation),
             (eq, "corridors", "eq.analyse_corridors", eq.analyse_corridors),
             (eq.risk, "simulate", "equipoise.risk.simulate_losses", eq.risk.simulate_losses),
             (eq.risk, "run_request", "equipoise.risk.run_simulation", eq.run_simulation),
             (eq.risk, "analyse", "equipoise.risk.analyse_corridors", eq.analyse_corridors),
             # the submodules' former names (documented in 0.1.0) warn the same way
             (corridors, "analyse", "equipoise.risk.corridors.analyse_corridors",
              eq.analyse_corridors),
             (montecarlo, "simulate", "equipoise.risk.montecarlo.simulate_losses",
              eq.risk.simulate_losses),
             (montecarlo, "run_request", "equipoise.risk.montecarlo.run_simulation",
              eq.run_simulation)]
    for module, old, clear, target in cases:
        assert old not in module.__all__ and old not in dir(module), (module, old)
        assert old not in vars(module), (module, old)  # no plain alias that would not warn
        for _ in range(2):  # every use warns, not only the first
            with pytest.warns(DeprecationWarning, match=f"use {re.escape(clear)} ") as rec:
                assert getattr(module, old) is target
            assert rec[0].filename == __file__  # the warning points at the caller
    with pytest.warns(DeprecationWarning, match=r"use equipoise\.risk\.corridors\.analyse_c"):
        from equipoise.risk.corridors import analyse  # noqa: F401
    with pytest.warns(DeprecationWarning, match=r"use equipoise\.risk\.montecarlo\.run_simul"):
        from equipoise.risk.montecarlo import run_request  # noqa: F401
    for module in (montecarlo.run, montecarlo.engine):  # the modules that define them: no alias
        assert not {"run_request", "simulate"} & set(vars(module)), module
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from equipoise.risk import analyse_corridors, run_simulation, simulate_losses  # noqa: F401
        for module, name in ((corridors, "analyse_corridors"), (montecarlo, "run_simulation"),
                             (montecarlo, "simulate_losses")):
            assert callable(getattr(module, name))
    with pytest.raises(AttributeError, match="no attribute 'simulatee'"):
        eq.simulatee  # noqa: B018
    assert callable(eq.risk.draw_disruptions)
    with pytest.raises(AttributeError, match="montecarlo' has no attribute 'simulatee'"):
        montecarlo.simulatee  # noqa: B018


def test_the_package_uses_only_the_clear_names():
    """One name per thing inside the package too: no module of equipoise imports or reads a
    deprecated name (``analyse``, ``simulate``, ``run_request``) of ``equipoise.risk``, its
    ``corridors`` or its ``montecarlo`` (the deprecation maps name them as strings only)."""
    import ast
    from pathlib import Path

    old = {"analyse", "simulate", "run_request"}
    src = Path(eq.__file__).parent
    found = []
    for path in sorted(src.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                mod = "." * node.level + (node.module or "")
                if ("risk" in mod or "montecarlo" in mod or "corridors" in mod
                        or (node.level and path.parent.name in ("risk", "montecarlo"))):
                    found += [f"{path.relative_to(src)}:{node.lineno} from {mod} import {a.name}"
                              for a in node.names if a.name in old]
            elif isinstance(node, ast.Attribute) and node.attr in old:
                found.append(f"{path.relative_to(src)}:{node.lineno} .{node.attr}")
    assert found == []
