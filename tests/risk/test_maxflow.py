"""The plain-Python max flow (risk/_maxflow.py): hand examples, and the same integer as scipy's
and networkx's solvers on random networks (with parallel arcs, zero capacities, removals)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from equipoise.risk import load_corridors, load_systems
from equipoise.risk._maxflow import max_flow_value
from equipoise.risk.corridors import SMALL_ARCS, _network


def test_hand_examples():
    # 0 -> 1 (3) -> 3 (2); 0 -> 2 (2) -> 3 (3); 1 -> 2 (1): 2 via 1, 1 via 1 -> 2, 2 via 2 = 5,
    # the capacity of the cut around 0 (3 + 2)
    assert max_flow_value(4, [0, 1, 0, 2, 1], [1, 3, 2, 3, 2], [3, 2, 2, 3, 1], 0, 3) == 5
    # the same with 0 -> 1 at 2: the cut {0 -> 1, 0 -> 2} holds 4
    assert max_flow_value(4, [0, 1, 0, 2, 1], [1, 3, 2, 3, 2], [2, 2, 2, 3, 1], 0, 3) == 4
    # parallel arcs add; a zero arc carries nothing; no path gives 0
    assert max_flow_value(2, [0, 0, 0], [1, 1, 1], [2, 5, 0], 0, 1) == 7
    assert max_flow_value(3, [0, 2], [1, 1], [4, 4], 0, 2) == 0
    # the classic case where a greedy path must be undone through a residual arc:
    # 0->1, 0->2, 1->2, 1->3, 2->3, all 1: the max flow is 2 whatever path comes first
    assert max_flow_value(4, [0, 0, 1, 1, 2], [1, 2, 2, 3, 3], [1, 1, 1, 1, 1], 0, 3) == 2
    # integers beyond 64 bits stay exact
    big = 10**40 + 7
    assert max_flow_value(3, [0, 1, 0], [1, 2, 2], [big, big, 3], 0, 2) == big + 3
    with pytest.raises(ValueError, match="same node"):
        max_flow_value(2, [0], [1], [1], 0, 0)


def _scipy(n, tails, heads, caps, s, t) -> int:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_flow

    keep = [i for i in range(len(caps)) if tails[i] != heads[i]]
    m = csr_matrix((np.array([caps[i] for i in keep], np.int32),
                    ([tails[i] for i in keep], [heads[i] for i in keep])), shape=(n, n))
    m.sum_duplicates()
    return int(maximum_flow(m, s, t).flow_value)


def _networkx(n, tails, heads, caps, s, t) -> int:
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for a, b, c in zip(tails, heads, caps, strict=True):
        if a == b:
            continue
        if g.has_edge(a, b):
            g[a][b]["capacity"] += c
        else:
            g.add_edge(a, b, capacity=c)
    return int(nx.maximum_flow_value(g, s, t))


@st.composite
def networks(draw):
    n = draw(st.integers(2, 12))
    m = draw(st.integers(0, 40))
    tails = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    heads = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    caps = draw(st.lists(st.integers(0, 1000), min_size=m, max_size=m))
    return n, tails, heads, caps


@seed(20261130)
@settings(max_examples=200, deadline=None)
@given(networks())
def test_same_value_as_scipy_and_networkx(net):
    n, tails, heads, caps = net
    got = max_flow_value(n, tails, heads, caps, 0, n - 1)
    assert got == _scipy(n, tails, heads, caps, 0, n - 1) == _networkx(n, tails, heads, caps,
                                                                        0, n - 1)


def test_shipped_systems_every_removal_equal_across_solvers():
    """Each shipped flow system, without each country (and nothing): the three solvers of
    ``_Network.flow`` give the same integer; ``auto`` takes plain Python there."""
    g = load_corridors(focal="KAZ")
    for r in load_systems("KAZ").itertuples():
        net = _network(g, r.source, r.sinks.split(","))
        assert len(net.caps) <= SMALL_ARCS
        for c in [None, *g.countries()]:
            removed = frozenset() if c is None else frozenset(g.nodes_of({c}))
            want = net.flow(removed, solver="scipy")
            assert net.flow(removed, solver="python") == want
            assert net.flow(removed, solver="networkx") == want
            assert net.flow(removed) == want
