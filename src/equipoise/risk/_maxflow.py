"""Exact integer max flow in plain Python (Dinic's algorithm), for small networks.

The corridor graphs a state ships have a few dozen nodes and arcs; on them this solves a max
flow in well under a millisecond, where importing scipy's solver alone takes 0.15-0.3 s of an
interactive command (``equipoise assess``, docs/performance.md). Capacities are Python
integers, so the flow is exact whatever their size (no 32-bit limit). Dinic (1970): repeat a
breadth-first search for the level graph, then push a blocking flow along shortest augmenting
paths; O(V^2 E). The value of a maximum flow is unique, so this solver, scipy's and networkx's
give the same integer (tests/risk/test_maxflow.py holds them to it on random networks).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["max_flow_value"]


def _levels(n: int, adj: list[list[int]], to: list[int], cap: list[int], s: int) -> list[int]:
    level = [-1] * n
    level[s] = 0
    queue = [s]
    for u in queue:  # the list grows while it is read: a breadth-first search
        nxt = level[u] + 1
        for e in adj[u]:
            v = to[e]
            if cap[e] > 0 and level[v] < 0:
                level[v] = nxt
                queue.append(v)
    return level


def _augment(s: int, t: int, adj: list[list[int]], to: list[int], cap: list[int],
             level: list[int], it: list[int]) -> int:
    """Push one shortest augmenting path of the level graph; 0 when none is left.

    Iterative depth-first search; ``it[u]`` is the next arc of ``u`` to try (arcs that led to a
    dead end or are saturated are skipped for the rest of the phase)."""
    stack, path = [s], []
    while stack:
        u = stack[-1]
        if u == t:
            f = min(cap[e] for e in path)
            for e in path:
                cap[e] -= f
                cap[e ^ 1] += f
            return f
        arcs = adj[u]
        while it[u] < len(arcs):
            e = arcs[it[u]]
            v = to[e]
            if cap[e] > 0 and level[v] == level[u] + 1:
                stack.append(v)
                path.append(e)
                break
            it[u] += 1
        else:  # dead end: leave u and skip the arc that led here
            stack.pop()
            level[u] = -1
            if path:
                path.pop()
                it[stack[-1]] += 1
    return 0


def max_flow_value(n: int, tails: Sequence[int], heads: Sequence[int], caps: Sequence[int],
                   source: int, sink: int) -> int:
    """The maximum flow from ``source`` to ``sink`` of the network with ``n`` nodes and arcs
    ``tails[i] -> heads[i]`` of integer capacity ``caps[i] >= 0`` (parallel arcs allowed)."""
    if source == sink:
        raise ValueError("source and sink are the same node")
    adj: list[list[int]] = [[] for _ in range(n)]
    to: list[int] = []
    cap: list[int] = []
    for a, b, c in zip(tails, heads, caps, strict=True):
        if c <= 0 or a == b:
            continue
        adj[a].append(len(to))
        to.append(b)
        cap.append(int(c))
        adj[b].append(len(to))  # the residual arc, index ^ 1
        to.append(a)
        cap.append(0)
    flow = 0
    while True:
        level = _levels(n, adj, to, cap, source)
        if level[sink] < 0:
            return flow
        it = [0] * n
        while f := _augment(source, sink, adj, to, cap, level, it):
            flow += f
