"""The plan's constraint kinds (doctrine/plan/constraints.py): the structural rows, their
explanations and diagnoses, and the kinds list over the rule registry. Hand-made inputs."""

from __future__ import annotations

import numpy as np
import pytest

from equipoise.doctrine import rules
from equipoise.doctrine.plan import constraints as C
from equipoise.doctrine.plan.lp import EPS_SHIFT, assemble

X0 = {"trade": {"CHN": 0.6, "OTH": 0.4}, "energy": {"RUS": 1.0}}
IDX = {("trade", "CHN"): 0, ("trade", "OTH"): 1, ("energy", "RUS"): 2}
CAPS = {"trade": {"CHN": 0.85, "OTH": 0.4}, "energy": {"RUS": 1.0}}


def test_structural_rows_domain_by_domain():
    rows = C.structural_rows(X0, IDX, 3, 0.25, CAPS)
    assert [r.name for r in rows] == [
        "split:trade:CHN", "split:trade:OTH", "sum_to_one:trade", "shift_budget:trade",
        "capacity:trade:CHN", "capacity:trade:OTH",
        "split:energy:RUS", "sum_to_one:energy", "shift_budget:energy"]  # RUS cap 1: no row
    by = {r.name: r for r in rows}
    # x_CHN - u_CHN + v_CHN = 0.6 (u at 3 + i, v at 6 + i)
    assert by["split:trade:CHN"].coefs == {0: 1.0, 3: -1.0, 6: 1.0}
    assert by["split:trade:CHN"].eq and by["split:trade:CHN"].rhs == 0.6
    assert by["sum_to_one:trade"].coefs == {0: 1.0, 1: 1.0} and by["sum_to_one:trade"].rhs == 1
    assert by["shift_budget:trade"].coefs == {3: 0.5, 6: 0.5, 4: 0.5, 7: 0.5}
    assert by["shift_budget:trade"].rhs == 0.25 and not by["shift_budget:trade"].eq
    assert by["capacity:trade:CHN"].coefs == {0: 1.0} and by["capacity:trade:CHN"].rhs == 0.85


def test_explanations_by_kind():
    rows = {r.name: r for r in C.structural_rows(X0, IDX, 3, 0.25, CAPS)}
    # gain per 0.01 of share: -(-0.5) * 0.01 = 0.005
    assert "lower the CVaR by about 0.00500" in C.explain(rows["shift_budget:trade"], 0, -0.5)
    assert C.explain(rows["capacity:trade:OTH"], 0, -0.5).startswith(
        "The unnamed rest of the world (OTH) cannot be targeted")
    assert C.explain(rows["capacity:trade:CHN"], 0, -0.5).startswith(
        "CHN cannot absorb more of trade")
    assert "dual value +0.25000" in C.explain(rows["sum_to_one:trade"], 0, 0.25)
    assert C.explain(rows["split:trade:CHN"], 0, 0.1) == "dual value +0.10000"


def test_diagnose_capacity_short_of_the_domain():
    caps = {"trade": {"CHN": 0.3, "OTH": 0.4}}
    rows = C.structural_rows({"trade": X0["trade"]}, IDX, 3, 0.25, caps)
    why = C.diagnose(["capacity:trade", "sum_to_one:trade"], rows, {"trade": X0["trade"]},
                     0.25, caps)
    assert why == "the capacities of trade add up to 0.700, less than the whole domain"
    assert C.diagnose(["shift_budget:trade"], rows, {"trade": X0["trade"]}, 0.25, caps) == \
        "These constraint groups cannot all hold together."


def test_kinds_are_the_structural_ones_then_the_registry():
    ks = C.kinds()
    assert [k.kind for k in ks[:4]] == ["split", "sum_to_one", "shift_budget", "capacity"]
    assert [k.kind for k in ks[4:]] == [r.plan_kind for r in rules.plan_rules()]
    assert C.soft_priority() == ("keep_viable", "no_squeeze", "role", "critical_share")


def test_assemble_objective_and_scenario_rows():
    D = {"trade": np.array([[1.0, 0.0], [0.0, 0.0]]), "energy": np.array([[1.0], [0.0]])}
    prog = assemble(X0, D, weights={"trade": 1.0, "energy": 3.0},
                    substitutability={"trade": 0.5, "energy": 0.0}, budget=0.25,
                    capacity=CAPS, alpha=0.5, given={})
    assert prog.nvar == 3 * 3 + 1 + 2
    assert list(prog.c[3:9]) == [EPS_SHIFT] * 6 and prog.c[9] == 1.0
    assert list(prog.c[10:]) == pytest.approx([1 / ((1 - 0.5) * 2)] * 2)
    # k_trade = 1/4 * (1 - 0.5), k_energy = 3/4 * 1: scenario 0 hits CHN and RUS
    assert prog.coef[0].tolist() == pytest.approx([0.125, 0.0, 0.75])
    assert prog.coef[1].tolist() == [0.0, 0.0, 0.0]
    assert prog.scen.shape == (2, prog.nvar)
