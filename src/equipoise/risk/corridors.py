"""Corridor graphs: max flow, min cut, country removal and n-1 / n-2 contingencies.

A corridor graph is two tables (DESIGN.md, ``corridor_nodes`` and ``corridor_edges``):

* nodes: ``id, country, kind`` and optionally ``capacity, unit, citation, note``. A node with a
  capacity (a port's throughput) is split into ``id#in -> id#out`` carrying that capacity
  (node splitting, Ahuja, Magnanti & Orlin 1993, *Network Flows*, section 2.4);
* edges: ``source, target, capacity, mode`` and optionally ``unit, route, basis, citation, note``.
  Every edge must have a capacity: networkx reads a missing capacity as infinite, so an empty
  cell is an error. ``inf`` may be written explicitly for a logical connector (an aggregate
  source to a route's head, a terminal to the world market). Parallel edges add up.

Max flow equals the capacity of a minimum cut (Ford & Fulkerson 1956). Capacities are scaled to
integers *exactly* before solving (float capacities give wrong cuts, METHODS.md): each finite
capacity is read as the shortest decimal that reads back as its double (``0.4`` is ``2/5``,
``1e-3`` is ``1/1000``), and ``scale`` is the least common multiple of those fractions'
denominators, so every scaled capacity is a whole number with no rounding, whatever the range
(1e-3 next to 1e6, or 1e-300 next to 1e300). ``inf`` becomes one more than the sum of the
finite capacities, so it never sits in a minimum cut unless the flow is unbounded, which is
reported as an error. Precision guarantee: the max flow is the exact max flow of those decimal
capacities, rounded once to the nearest double. When the scaled network fits scipy's 32-bit
solver (:func:`scipy.sparse.csgraph.maximum_flow`, Dinic's algorithm) it solves the
contingency loops and cross-checks; otherwise networkx solves it on Python integers (exact,
slower). A network of at most :data:`SMALL_ARCS` arcs (every shipped graph) is solved by
Dinic's algorithm in plain Python on the integers instead (:mod:`._maxflow`: exact, faster
than scipy at that size, and no scipy import). networkx (``preflow_push``) gives the cut, whose
capacity is summed again as exact fractions from the graph's own capacities.

Bounds: a corridor file holds at most :data:`MAX_NODES` nodes and :data:`MAX_EDGES` edges, and is
at most :data:`MAX_FILE_BYTES` bytes; one analysis solves at most :data:`MAX_CONTINGENCY_CASES`
contingencies.

Removing a country removes every node whose ``country`` is that ISO3 code, except the source and
the sinks of the request. Several sinks are joined to one super-sink.

The shipped Kazakhstan graph (``reference/corridors/kaz_*.csv``) is built by
``scripts/derive_corridors.py``: crude oil export routes (mt/yr), gas pipelines from the Global
Energy Monitor tracker (bcm/yr) and China-Europe rail transit (mt/yr). Every edge states its
basis (published capacity, agreement, observed flow as a lower bound, derived, connector,
unknown) and its citation.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .. import reference
from .._results import Result, fmt_number, fmt_share, fmt_sig
from ..errors import CorridorError

__all__ = [
    "CorridorGraph",
    "CorridorLossTable",
    "CorridorResult",
    "analyse_corridors",
    "corridor_loss",
    "load_corridors",
    "load_systems",
    "max_flow",
    "read_systems",
    "shipped_corridors",
    "systems_of",
]

NODE_REQUIRED = ("id", "country", "kind")
EDGE_REQUIRED = ("source", "target", "capacity", "mode")
NODE_OPTIONAL = ("capacity", "unit", "citation", "note")
EDGE_OPTIONAL = ("unit", "route", "basis", "citation", "note")
SUPER_SINK = "__sink__"
#: Most nodes / edges a corridor graph may have (the shipped KAZ graph has a few dozen).
MAX_NODES = 20_000
MAX_EDGES = 100_000
#: Largest corridor CSV read (a graph within the bounds above is far smaller).
MAX_FILE_BYTES = 64 * 2**20
#: Most single and double removals one :func:`analyse_corridors` call solves.
MAX_CONTINGENCY_CASES = 50_000
_INT32_MAX = int(np.iinfo(np.int32).max)
#: Largest network (arcs, split nodes and sink arcs included) that plain Python solves by
#: default; above it scipy (or networkx beyond 32 bits) does. On the shipped KAZ graph (59 arcs)
#: one solve takes 0.02-0.04 ms in Python against 0.2-0.3 ms with scipy, whose import alone
#: costs an interactive command 0.15-0.3 s; on random networks of 500 arcs Python takes about
#: 1 ms (scipy 2 ms), of 2,000 arcs 3 ms (scipy 0.5 ms).
SMALL_ARCS = 500


# --------------------------------------------------------------------------- reading

def _read_text(src, label: str) -> str:
    """The UTF-8 text of a corridor file: a regular file within :data:`MAX_FILE_BYTES`."""
    if not isinstance(src, (str, Path)):  # a packaged resource (Traversable)
        return src.read_text(encoding="utf-8")
    p = Path(src)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise CorridorError(f"{label}: no such file") from None
    except OSError as exc:
        raise CorridorError(f"{label}: cannot read it ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise CorridorError(f"{label}: is a folder; expecting a CSV file")
    if not stat.S_ISREG(st.st_mode):
        raise CorridorError(f"{label}: is not a regular file (a FIFO, socket or device); "
                            "expecting a CSV file")
    if st.st_size > MAX_FILE_BYTES:
        raise CorridorError(f"{label}: {fmt_number(st.st_size)} bytes; a corridor file may have at most "
                            f"{fmt_number(MAX_FILE_BYTES)} bytes")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise CorridorError(f"{label}: cannot read it ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise CorridorError(f"{label} line {line}, column {col}: byte 0x{data[exc.start]:02x} "
                            f"(byte {exc.start}) is not UTF-8; expecting a UTF-8 CSV file") from None


def _read_table(src, name: str, required: Sequence[str], optional: Sequence[str]):
    """Read a CSV (path, Traversable or DataFrame) into str rows with 1-based file lines."""
    limit = MAX_NODES if name == "nodes" else MAX_EDGES
    if isinstance(src, pd.DataFrame):
        df = src.copy()
        for c in df.columns:
            df[c] = df[c].map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v))
                              else str(v))
        label = name
        lines = list(range(2, len(df) + 2))
    else:
        label = str(src)
        text = _read_text(src, label)
        if not text.strip():
            raise CorridorError(f"{label}: the file is empty; expecting a CSV with the header "
                                f"{','.join(required)}")
        try:
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, ValueError) as exc:
            raise CorridorError(f"{label}: not a readable CSV ({' '.join(str(exc).split())}); "
                                f"expecting the columns {list(required)}") from None
        lines = _record_lines(text, len(df))
    if len(df) > limit:
        raise CorridorError(f"{label}: {fmt_number(len(df))} {name}; a corridor graph may have at most "
                            f"{fmt_number(limit)} {name}")
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise CorridorError(f"{label}: missing column(s) {missing}; a {name} file needs "
                            f"{list(required)} (optional {list(optional)}); found {list(df.columns)}")
    for c in optional:
        if c not in df.columns:
            df[c] = ""
    df = df[[*required, *optional]].apply(lambda s: s.str.strip())
    df["line"] = lines
    return df, label


def _record_lines(text: str, n: int) -> list[int]:
    """The file line on which each of the ``n`` data records starts (blank lines and quoted
    newlines counted as pandas reads them)."""
    reader = csv.reader(io.StringIO(text))
    out: list[int] = []
    prev = 0
    for rec in reader:
        if rec:
            out.append(prev + 1)
        prev = reader.line_num
    out = out[1:]  # the header
    if len(out) != n:  # csv and pandas disagree on the records: fall back to record numbers
        return list(range(2, n + 2))
    return out


def _parse_capacity(text: str) -> float | None:
    t = text.strip().lower()
    if t in ("inf", "+inf", "infinity", "+infinity"):
        return math.inf
    try:
        v = float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _capacity_problem(text: str) -> str:
    """What is wrong with a capacity cell that :func:`_parse_capacity` refused or found < 0."""
    t = text.strip().lower()
    try:
        v = float(t)
    except ValueError:
        return "not a number"
    if math.isnan(v):
        return "not a number (NaN)"
    if v < 0:
        return "negative"
    return "beyond the largest double (write 'inf' for an unlimited connector)"


@dataclass(frozen=True)
class CorridorGraph:
    """A validated corridor graph.

    Attributes
    ----------
    nodes : DataFrame
        ``id, country, kind, capacity`` (float, NaN = no node capacity), ``unit, citation, note``.
    edges : DataFrame
        ``source, target, capacity`` (float, ``inf`` for connectors), ``unit, mode, route,
        basis, citation, note``.
    name : str
        Where the graph came from.
    systems : DataFrame or None
        The graph's named flow problems (``system, domain, source, sinks[, unit]``): the
        corridor measures of the doctrine and risk layers run over these and nothing else.
        The shipped graph carries its shipped ones (:func:`load_systems`); a user's graph
        carries those :func:`equipoise.context.resolve_corridors` resolves for it (a systems
        file, else the focal state's shipped ones, said so in ``systems_from``); None: not
        resolved (:func:`systems_of` reads it as none).
    systems_from : str
        Where ``systems`` came from (evidence and notes name it).
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    name: str = "corridors"
    systems: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    systems_from: str = ""

    def with_systems(self, systems: pd.DataFrame | None, systems_from: str) -> CorridorGraph:
        """The same graph carrying ``systems`` (from ``systems_from``)."""
        import dataclasses

        return dataclasses.replace(self, systems=systems, systems_from=systems_from)

    @classmethod
    def from_tables(cls, nodes, edges, *, name: str | None = None) -> CorridorGraph:
        """Build from two CSV files (paths) or DataFrames, checking every row first.

        Every problem is collected and reported together, each with file, line, column, the
        value seen and what was expected.
        """
        n, nlabel = _read_table(nodes, "nodes", NODE_REQUIRED, NODE_OPTIONAL)
        e, elabel = _read_table(edges, "edges", EDGE_REQUIRED, EDGE_OPTIONAL)
        problems: list[str] = []
        known = reference.known_codes()
        seen: dict[str, int] = {}
        ncap = []
        for r in n.itertuples(index=False):
            where = f"{nlabel} line {r.line}"
            if not r.id:
                problems.append(f"{where}, column 'id': empty; expected a node id")
            elif r.id in seen:
                problems.append(f"{where}, column 'id': {r.id!r} repeats line {seen[r.id]}; "
                                "expected unique node ids")
            else:
                seen[r.id] = r.line
            if r.country not in known:
                problems.append(f"{where}, column 'country': {r.country!r} is not an ISO3 code or a "
                                "known group (WLD for world markets)")
            cap = math.nan
            if r.capacity:
                c = _parse_capacity(r.capacity)
                if c is None or c < 0:
                    problems.append(f"{where}, column 'capacity': {r.capacity!r} (node {r.id!r}) "
                                    f"is {_capacity_problem(r.capacity)}; expected a number >= 0, "
                                    "'inf', or empty for no node capacity")
                else:
                    cap = c
            ncap.append(cap)
        ecap = []
        for r in e.itertuples(index=False):
            where = f"{elabel} line {r.line}"
            edge = f"edge {r.source}->{r.target}"
            for col in ("source", "target"):
                v = getattr(r, col)
                if v not in seen:
                    problems.append(f"{where}, column {col!r}: {v!r} is not a node id in {nlabel}")
            if r.source and r.source == r.target:
                problems.append(f"{where}: edge from {r.source!r} to itself; expected two nodes")
            c = _parse_capacity(r.capacity) if r.capacity else None
            if not r.capacity:
                problems.append(f"{where}, column 'capacity': empty ({edge}); every edge needs a "
                                "capacity (a number >= 0, or 'inf' for a logical connector)")
            elif c is None or c < 0:
                problems.append(f"{where}, column 'capacity': {r.capacity!r} ({edge}) is "
                                f"{_capacity_problem(r.capacity)}; expected a number >= 0 or 'inf'")
            if not r.mode:
                problems.append(f"{where}, column 'mode': empty; expected e.g. oil_pipeline, rail")
            ecap.append(math.nan if c is None else c)
        if problems:
            head = f"{len(problems)} problem(s) in the corridor graph:\n  "
            shown = problems[:50]
            more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
            raise CorridorError(head + "\n  ".join(shown) + more)
        n = n.assign(capacity=np.array(ncap, dtype=float))
        e = e.assign(capacity=np.array(ecap, dtype=float))
        return cls(n.reset_index(drop=True), e.reset_index(drop=True),
                   name or f"{nlabel} + {elabel}")

    # ----------------------------------------------------------------- lookups
    @cached_property
    def country_of(self) -> dict[str, str]:
        return dict(zip(self.nodes["id"], self.nodes["country"], strict=True))

    def countries(self) -> list[str]:
        return sorted(set(self.nodes["country"]) - {"WLD"})

    def nodes_of(self, countries: Iterable[str]) -> set[str]:
        cs = set(countries)
        return set(self.nodes.loc[self.nodes["country"].isin(cs), "id"])

    def check_nodes(self, ids: Iterable[str], what: str) -> None:
        bad = [i for i in ids if i not in self.country_of]
        if bad:
            import difflib

            hints = {b: difflib.get_close_matches(b, list(self.country_of), n=3) for b in bad}
            hint = "; ".join(f"{b}: did you mean {', '.join(h)}?" for b, h in hints.items() if h)
            ids_ = sorted(self.country_of)[:60]
            raise CorridorError(f"{what}: unknown node(s) {bad} in {self.name}"
                                + (f" ({hint})" if hint else "") + f"; node ids are {ids_}"
                                + (" ..." if len(self.country_of) > 60 else ""))

    def route_countries(self) -> dict[str, set[str]]:
        """Route name -> countries of the nodes its edges touch (connectors and unnamed excluded)."""
        out: dict[str, set[str]] = {}
        for r in self.edges.itertuples(index=False):
            if not r.route or r.basis == "connector":
                continue
            s = out.setdefault(r.route, set())
            s.update({self.country_of[r.source], self.country_of[r.target]} - {"WLD"})
        return out

    def graph(self):
        """A networkx DiGraph (parallel edges summed) with node capacities as attributes."""
        import networkx as nx

        g = nx.DiGraph()
        for r in self.nodes.itertuples(index=False):
            g.add_node(r.id, country=r.country, kind=r.kind, capacity=r.capacity)
        for r in self.edges.itertuples(index=False):
            if g.has_edge(r.source, r.target):
                g[r.source][r.target]["capacity"] += r.capacity
            else:
                g.add_edge(r.source, r.target, capacity=r.capacity, unit=r.unit, mode=r.mode)
        return g


def _shipped(name: str):
    return resources.files("equipoise.reference").joinpath("corridors", name)


def load_corridors(nodes: str | Path | pd.DataFrame | None = None,
                   edges: str | Path | pd.DataFrame | None = None, *,
                   focal: str | None = None,
                   systems: str | Path | pd.DataFrame | None = None) -> CorridorGraph:
    """Load a corridor graph: the shipped one for ``focal`` (with its shipped flow systems,
    :func:`load_systems`) or a user's two CSV files (with the flow systems file ``systems``
    when given, :func:`read_systems`; else none resolved: ``systems`` None, which
    :func:`equipoise.context.resolve_corridors` resolves).

    Parameters
    ----------
    nodes, edges
        CSV paths (or DataFrames). Nodes need ``id, country, kind``; edges need ``source,
        target, capacity, mode``. Both or neither.
    focal
        The focal state whose shipped graph to load when no files are given (only ``KAZ``
        ships); required then (the caller resolves the default focal state).
    systems
        A flow systems CSV path (or DataFrame) for a user's graph (``system, domain, source,
        sinks``); refused with the shipped graph, which carries its own.
    """
    if (nodes is None) != (edges is None):
        raise CorridorError("give both --nodes and --edges (or neither for the shipped graph)")
    if nodes is None:
        if not focal:
            raise CorridorError("no corridor graph: give --nodes N.csv --edges E.csv, or the "
                                "focal state whose shipped graph to load")
        f = focal.lower()
        n, e = _shipped(f"{f}_nodes.csv"), _shipped(f"{f}_edges.csv")
        if not n.is_file():
            raise CorridorError(f"no shipped corridor graph for {focal!r} (only KAZ ships); give "
                                "your own with --nodes N.csv --edges E.csv")
        if systems is not None:
            raise CorridorError("a flow systems file goes with your own graph (--nodes N.csv "
                                "--edges E.csv --systems S.csv); the shipped graph carries "
                                "its own")
        g = CorridorGraph.from_tables(n, e, name=f"shipped {focal} corridor graph")
        return g.with_systems(load_systems(focal), f"shipped {focal} flow systems")
    g = CorridorGraph.from_tables(nodes, edges)
    if systems is None:
        return g
    table, label = read_systems(systems)
    return g.with_systems(table, label)


#: The columns of a flow systems file: required, then optional.
SYSTEM_REQUIRED = ("system", "domain", "source", "sinks")
SYSTEM_OPTIONAL = ("unit", "description")


def read_systems(src: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """A flow systems CSV (path or DataFrame) checked row by row: ``system, domain, source,
    sinks[, unit, description]`` (``sinks`` separated by ``;``; an empty ``domain`` is a
    system no domain loss uses). Returns the table and its label.

    Raises
    ------
    CorridorError
        Every problem together, each with file, line, column, the value seen and what was
        expected.
    """
    df, label = _read_table(src, "systems", SYSTEM_REQUIRED, SYSTEM_OPTIONAL)
    problems = []
    seen: dict[str, int] = {}
    for r in df.itertuples(index=False):
        where = f"{label} line {r.line}"
        for col, what in (("system", "a system name"), ("source", "a node id"),
                          ("sinks", "node ids separated by ';'")):
            if not getattr(r, col):
                problems.append(f"{where}, column {col!r}: empty; expected {what}")
        if r.system and r.system in seen:
            problems.append(f"{where}, column 'system': {r.system!r} repeats line "
                            f"{seen[r.system]}; expected unique system names")
        seen.setdefault(r.system, r.line)
    if problems:
        raise CorridorError(f"{len(problems)} problem(s) in the flow systems:\n  "
                            + "\n  ".join(problems[:50]))
    return df.drop(columns="line").reset_index(drop=True), label


def systems_of(graph: CorridorGraph) -> pd.DataFrame:
    """The flow systems ``graph`` carries (empty when none were resolved for it)."""
    if graph.systems is None:
        return pd.DataFrame(columns=["system", "domain", "source", "sinks", "unit"])
    return graph.systems


def load_systems(focal: str) -> pd.DataFrame:
    """Named flow problems of the shipped graph: ``system, focal, domain, source, sinks, unit``.

    Empty for a focal state without a shipped graph.
    """
    p = _shipped(f"{focal.lower()}_systems.csv")
    if not p.is_file():
        return pd.DataFrame(columns=["system", "focal", "domain", "source", "sinks", "unit",
                                     "description"])
    with p.open("r", encoding="utf-8") as fh:
        return pd.DataFrame(list(csv.DictReader(fh)))


def shipped_corridors(focal: str) -> CorridorGraph | None:
    """The shipped corridor graph of ``focal`` when the focal state has named flow systems
    (:func:`load_systems`), else None (no graph ships for it: the measures fall back to the
    shares). The default :func:`equipoise.context.resolve_corridors` resolves for a run."""
    if not len(load_systems(focal)):
        return None
    try:
        return load_corridors(focal=focal)
    except CorridorError:
        return None


# --------------------------------------------------------------------------- network

def exact_capacity(c: float) -> Fraction:
    """A finite capacity as the exact fraction of the shortest decimal that reads back as it
    (``0.4 -> 2/5``, ``1e-3 -> 1/1000``): the precision the data were written with."""
    return Fraction(repr(float(c)))


@dataclass
class _Network:
    """The integer flow network of one request (split nodes, super-sink).

    ``caps`` are exact Python integers (capacity x ``scale``). When the scaled network fits
    32 bits, scipy solves it; otherwise networkx solves it on the Python integers.
    """

    index: dict[str, int]
    names: list[str]
    tails: np.ndarray  # int64
    heads: np.ndarray
    caps: list[int]    # scaled, exact
    edge_of: list[tuple[str, str]]   # original (source, target); (v, v) for a split node
    owners: list[frozenset[str]]     # original nodes an arc touches
    scale: int
    big: int
    source: int
    sink: int
    unit: str

    @property
    def fits_int32(self) -> bool:
        """Every sum of capacities (so every flow and summed parallel arc) fits scipy's int32."""
        return self.big <= _INT32_MAX

    def _csr(self):
        """The summed CSR matrix once, and for each arc its position in ``data``."""
        if getattr(self, "_csr_cache", None) is None:
            from scipy.sparse import csr_matrix

            n = len(self.names)
            m = csr_matrix((np.array(self.caps, dtype=np.int32), (self.tails, self.heads)),
                           shape=(n, n))
            m.sum_duplicates()
            m.sort_indices()
            pos = np.empty(len(self.caps), dtype=np.int64)
            for i, (a, b) in enumerate(zip(self.tails.tolist(), self.heads.tolist(), strict=True)):
                lo, hi = m.indptr[a], m.indptr[a + 1]
                pos[i] = lo + int(np.searchsorted(m.indices[lo:hi], b))
            self._csr_cache = (m, pos)
        return self._csr_cache

    def nx_graph(self, removed: set[str] | frozenset[str] = frozenset()):
        """A networkx DiGraph of the integer network (parallel arcs summed), without the arcs
        touching ``removed``."""
        import networkx as nx

        G = nx.DiGraph()
        G.add_nodes_from(range(len(self.names)))
        for a, b, c, o in zip(self.tails.tolist(), self.heads.tolist(), self.caps, self.owners,
                              strict=True):
            if removed and o & removed:
                continue
            if G.has_edge(a, b):
                G[a][b]["capacity"] += c
            else:
                G.add_edge(a, b, capacity=c)
        return G

    def flow(self, removed: set[str] | frozenset[str] = frozenset(), *,
             solver: str = "auto") -> int:
        """The exact integer max flow without the arcs touching ``removed``.

        ``solver``: ``"python"`` (Dinic on Python integers, :mod:`._maxflow`), ``"scipy"``
        (needs :attr:`fits_int32`), ``"networkx"`` or ``"auto"``: plain Python for a network of
        at most :data:`SMALL_ARCS` arcs (no scipy import: a shipped graph has a few dozen),
        else scipy when it fits 32 bits, else networkx.
        """
        if solver == "python" or (solver == "auto" and len(self.caps) <= SMALL_ARCS):
            from ._maxflow import max_flow_value

            keep = self.caps if not removed else [
                0 if o & removed else c for c, o in zip(self.caps, self.owners, strict=True)]
            return max_flow_value(len(self.names), self.tails.tolist(), self.heads.tolist(),
                                  keep, self.source, self.sink)
        if solver == "networkx" or (solver == "auto" and not self.fits_int32):
            import networkx as nx

            return int(nx.maximum_flow_value(self.nx_graph(removed), self.source, self.sink,
                                             flow_func=nx.algorithms.flow.edmonds_karp))
        if not self.fits_int32:  # pragma: no cover - guarded by the callers
            raise CorridorError("the scaled capacities do not fit the 32-bit solver")
        from scipy.sparse.csgraph import maximum_flow

        m, pos = self._csr()
        if removed:
            cut = np.fromiter((bool(o & removed) for o in self.owners), bool, len(self.owners))
            m = m.copy()
            m.data[pos[cut]] = 0
            m.eliminate_zeros()
        return int(maximum_flow(m, self.source, self.sink).flow_value)

    scipy_flow = flow  # the former name

    def value(self, flow: int) -> float:
        """A scaled integer flow in the graph's unit, correctly rounded to a double."""
        try:
            return flow / self.scale
        except OverflowError:
            raise CorridorError(f"the max flow from {self.names[self.source].removesuffix('#in')} is about "
                                f"10^{len(str(flow // self.scale)) - 1}, beyond the largest "
                                "double (1.8e308); give smaller capacities (another unit)") from None


def _network(g: CorridorGraph, source: str, sinks: Sequence[str]) -> _Network:
    nodes = g.nodes
    ncap = dict(zip(nodes["id"], nodes["capacity"], strict=True))
    all_caps = np.concatenate([g.edges["capacity"].to_numpy(float),
                               nodes["capacity"].dropna().to_numpy(float)])
    exact = {float(c): exact_capacity(c) for c in set(all_caps[np.isfinite(all_caps)].tolist())}
    scale = math.lcm(1, *(f.denominator for f in exact.values()))
    whole = {c: f.numerator * (scale // f.denominator) for c, f in exact.items()}
    finite_total = sum(whole[float(c)] for c in all_caps if math.isfinite(c))
    big = finite_total + 1

    def scaled(c: float) -> int:
        return big if math.isinf(c) else whole[float(c)]

    split = {v for v, c in ncap.items() if not math.isnan(c)}
    names: list[str] = []
    index: dict[str, int] = {}

    def nid(name: str) -> int:
        if name not in index:
            index[name] = len(names)
            names.append(name)
        return index[name]

    def tail(v: str) -> int:
        return nid(f"{v}#out" if v in split else v)

    def head(v: str) -> int:
        return nid(f"{v}#in" if v in split else v)

    tails, heads, caps, edge_of, owners = [], [], [], [], []
    for v in sorted(split):
        tails.append(nid(f"{v}#in"))
        heads.append(nid(f"{v}#out"))
        caps.append(scaled(ncap[v]))
        edge_of.append((v, v))
        owners.append(frozenset({v}))
    for r in g.edges.itertuples(index=False):
        tails.append(tail(r.source))
        heads.append(head(r.target))
        caps.append(scaled(r.capacity))
        edge_of.append((r.source, r.target))
        owners.append(frozenset({r.source, r.target}))
    s = head(source)
    if len(sinks) == 1:
        t = tail(sinks[0])
    else:
        t = nid(SUPER_SINK)
        for k in sinks:
            tails.append(tail(k))
            heads.append(t)
            caps.append(big)
            edge_of.append((k, SUPER_SINK))
            owners.append(frozenset({k}))
    return _Network(index, names, np.array(tails, np.int64), np.array(heads, np.int64),
                    caps, edge_of, owners, scale, big, s, t,
                    _unit(g, source, sinks))


def _unit(g: CorridorGraph, source: str, sinks: Sequence[str]) -> str:
    """The one unit of the edges on some source -> sink path (error when they mix units)."""
    fwd, back = _reach(g, [source]), _reach(g, list(sinks), forward=False)
    e = g.edges
    on_path = e["source"].isin(fwd) & e["target"].isin(back)
    units = sorted(set(e.loc[on_path & (e["basis"] != "connector"), "unit"]) - {""})
    if len(units) > 1:
        raise CorridorError(f"edges between {source} and {list(sinks)} mix units {units}; a max "
                            "flow needs one unit (split the graph or convert the capacities)")
    return units[0] if units else ""


# --------------------------------------------------------------------------- results

@dataclass
class CorridorResult(Result):
    """Max flow, min cut, country removal and contingencies for one request.

    Attributes
    ----------
    max_flow : float
        Maximum flow from the source to the sinks, in ``unit``.
    min_cut : list of (source, target)
        Edges of a minimum cut; a split node ``v`` appears as ``(v, v)``.
    without, max_flow_without : list of str, float or None
        Countries removed and the max flow without their nodes (None when none are removed).
    contingencies : list of dict
        ``removed`` (countries) and ``max_flow`` for every single (and, with ``n=2``, double)
        removal, worst first.
    """

    source: str
    sinks: list[str]
    unit: str
    max_flow: float
    min_cut: list[tuple[str, str]]
    min_cut_capacity: float
    without: list[str] = field(default_factory=list)
    max_flow_without: float | None = None
    removed_nodes: list[str] = field(default_factory=list)
    contingencies: list[dict] = field(default_factory=list)
    unknown_capacity: list[tuple[str, str]] = field(default_factory=list)
    graph_name: str = ""
    cut_rows: pd.DataFrame | None = None

    @property
    def lost(self) -> float | None:
        return None if self.max_flow_without is None else self.max_flow - self.max_flow_without

    @property
    def lost_share(self) -> float | None:
        if self.max_flow_without is None:
            return None
        return 0.0 if self.max_flow == 0 else 1.0 - self.max_flow_without / self.max_flow

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "sinks": list(self.sinks),
            "unit": self.unit,
            "max_flow": self.max_flow,
            "min_cut": [list(e) for e in self.min_cut],
            "min_cut_capacity": self.min_cut_capacity,
            "without": list(self.without),
            "max_flow_without": self.max_flow_without,
            "lost": self.lost,
            "lost_share": self.lost_share,
            "removed_nodes": list(self.removed_nodes),
            "contingencies": [dict(c) for c in self.contingencies],
            "unknown_capacity": [list(e) for e in self.unknown_capacity],
            "min_cut_rows": [] if self.cut_rows is None else
            self.cut_rows[["source", "target", "capacity", "unit", "route", "basis",
                           "citation"]].to_dict("records"),
            "graph": self.graph_name,
        }

    def summary(self) -> str:
        u = f" {self.unit}" if self.unit else ""
        lines = [f"Corridors {self.source} -> {', '.join(self.sinks)}  ({self.graph_name})",
                 f"  max flow: {fmt_sig(self.max_flow, 6, thousands=False)}{u}",
                 f"  min cut ({fmt_sig(self.min_cut_capacity, 6, thousands=False)}{u}): "
                 + ", ".join(f"{a}->{b}" if a != b else f"[node {a}]" for a, b in self.min_cut)]
        if self.without:
            lines.append(f"  without {', '.join(self.without)}: {fmt_sig(self.max_flow_without, 6, thousands=False)}{u} "
                         f"(lost {fmt_sig(self.lost, 6, thousands=False)}{u}, {fmt_share(self.lost_share)}); nodes removed: "
                         f"{', '.join(self.removed_nodes) or 'none'}")
        if self.contingencies:
            lines.append("  contingencies (worst first):")
            for c in self.contingencies[:10]:
                lines.append(f"    without {'+'.join(c['removed']):<12} max flow {fmt_sig(c['max_flow'], 6, thousands=False)}{u} "
                             f"(lost {fmt_share(c['lost_share'])})")
        if self.cut_rows is not None and len(self.cut_rows):
            lines.append("  cut edges and their sources:")
            for r in self.cut_rows.itertuples(index=False):
                cite = (r.citation or r.basis)[:110]
                lines.append(f"    {r.source}->{r.target} {fmt_sig(r.capacity, 6, thousands=False)} ({r.basis}): {cite}")
        if self.unknown_capacity:
            lines.append("  edges with no sourced capacity (counted as 0): "
                         + ", ".join(f"{a}->{b}" for a, b in self.unknown_capacity))
        return "\n".join(lines)

    __str__ = summary

    def heading(self) -> str:
        u = f" ({self.unit})" if self.unit else ""
        return f"Corridors {self.source} -> {', '.join(self.sinks)}{u}"

    def compare_label(self) -> str:
        wo = f" without {'+'.join(self.without)}" if self.without else ""
        return f"{self.source} -> {','.join(self.sinks)}{wo}"

    def summary_numbers(self) -> dict[str, float]:
        """Max flow and min-cut capacity; without the removed countries the max flow and the
        share lost; with contingencies their count and the worst one's share lost."""
        out = {"max_flow": self.max_flow, "min_cut_capacity": self.min_cut_capacity}
        if self.without:
            out.update(max_flow_without=self.max_flow_without, lost_share=self.lost_share)
        if self.contingencies:
            out.update(worst_contingency_lost_share=max(c["lost_share"]
                                                        for c in self.contingencies))
        out = {k: float(v) for k, v in out.items()}
        if self.contingencies:  # a count: an int
            out["contingencies"] = len(self.contingencies)
        return out

    def html_tables(self) -> list:
        tables: list = [("", list(self.summary_numbers().items())),
                        ("Minimum cut", pd.DataFrame(
                            [{"from": a, "to": b} if a != b else {"from": a, "to": "(node)"}
                             for a, b in self.min_cut], columns=["from", "to"]))]
        if self.contingencies:
            tables.append(("Contingencies (worst first)", pd.DataFrame(
                [{"removed": "+".join(c["removed"]), "max flow": c["max_flow"],
                  "lost": fmt_share(c["lost_share"])} for c in self.contingencies[:20]])))
        return tables


# --------------------------------------------------------------------------- solving

def _request(g: CorridorGraph, source: str, sinks: str | Sequence[str]) -> list[str]:
    sinks = [s.strip() for s in sinks.split(",")] if isinstance(sinks, str) else list(sinks)
    sinks = [s for s in sinks if s]
    if not sinks:
        raise CorridorError("no sink given; expected --to NODE[,NODE...]")
    g.check_nodes([source], "--from")
    g.check_nodes(sinks, "--to")
    if source in sinks:
        raise CorridorError(f"source {source!r} is also a sink")
    return sinks


def _check_countries(g: CorridorGraph, countries: Iterable[str]) -> list[str]:
    cs = [c.strip().upper() for c in countries if c and c.strip()]
    known = reference.known_codes()
    bad = [c for c in cs if c not in known]
    if bad:
        raise CorridorError(f"--without: {bad} are not ISO3 codes; countries in this graph: "
                            f"{g.countries()}")
    return cs


def _removable(g: CorridorGraph, countries: Iterable[str], keep: Iterable[str]) -> set[str]:
    return g.nodes_of(countries) - set(keep)


def max_flow(graph: CorridorGraph, source: str, sinks: str | Sequence[str], *,
             without: Iterable[str] = (), without_routes: Iterable[str] = ()) -> float:
    """Maximum flow from ``source`` to ``sinks`` (scipy, integer-scaled) in the graph's unit.

    ``without`` removes the nodes of those countries (never the source or sinks);
    ``without_routes`` removes every edge whose ``route`` is named.
    """
    sinks = _request(graph, source, sinks)
    g = _drop_routes(graph, without_routes)
    net = _network(g, source, sinks)
    removed = _removable(g, _check_countries(g, without), [source, *sinks])
    _check_bounded(net)
    return net.value(net.flow(frozenset(removed)))


def _drop_routes(g: CorridorGraph, routes: Iterable[str]) -> CorridorGraph:
    routes = [r for r in routes if r]
    if not routes:
        return g
    known = set(g.edges["route"]) - {""}
    bad = [r for r in routes if r not in known]
    if bad:
        raise CorridorError(f"unknown route(s) {bad}; routes in {g.name}: {sorted(known)}")
    return CorridorGraph(g.nodes, g.edges[~g.edges["route"].isin(routes)].reset_index(drop=True),
                         g.name, g.systems, g.systems_from)


def _check_bounded(net: _Network) -> int:
    """The max flow of ``net`` (nothing removed), refused when unbounded."""
    f = net.flow()
    if f >= net.big:
        raise CorridorError(f"the flow from {net.names[net.source].removesuffix('#in')} is unbounded: a path of 'inf' "
                            "connector edges reaches the sink; give one edge on it a capacity")
    return f


def _nx_cut(net: _Network):
    import networkx as nx

    value, (S, T) = nx.minimum_cut(net.nx_graph(), net.source, net.sink, capacity="capacity",
                                   flow_func=nx.algorithms.flow.preflow_push)
    cut, seen = [], set()
    for i, (a, b) in enumerate(zip(net.tails.tolist(), net.heads.tolist(), strict=True)):
        if a in S and b in T and net.caps[i] > 0:
            e = net.edge_of[i]
            if e not in seen:
                seen.add(e)
                cut.append(e)
    return int(value), cut


def analyse_corridors(graph: CorridorGraph, source: str, sinks: str | Sequence[str], *,
                      without: Iterable[str] = (), contingencies: int = 0,
                      countries: Iterable[str] | None = None,
                      focal: str | None = None) -> CorridorResult:
    """Max flow, a minimum cut, loss without some countries, and n-1 / n-2 contingencies.
    Public as ``eq.analyse_corridors``; the deprecated ``eq.corridors``, ``eq.risk.analyse``
    and ``equipoise.risk.corridors.analyse`` warn and give this function.

    Parameters
    ----------
    graph
        A :class:`CorridorGraph`.
    source, sinks
        Node ids; several sinks are joined to a super-sink.
    without
        ISO3 codes whose nodes are removed (the source and sinks are kept).
    contingencies
        0, 1 (every single country removed) or 2 (also every pair).
    countries
        Countries considered in contingencies (default: every country with a node that lies on
        some source -> sink path, other than the source's and the sinks' own nodes and the
        source's own country and ``focal``: a state does not disrupt itself).
    focal
        The focal state (ISO3), left out of the default contingency candidates.

    Notes
    -----
    Max flow = min-cut capacity (Ford & Fulkerson 1956); removing nodes can only lower it.
    """
    if isinstance(contingencies, bool) or contingencies not in (0, 1, 2):
        raise CorridorError(f"--contingencies: expecting 0, 1 or 2. Got {contingencies!r}.")
    sinks = _request(graph, source, sinks)
    net = _network(graph, source, sinks)
    _check_bounded(net)
    value, cut = _nx_cut(net)
    flow = net.value(value)
    # a second solver: plain-Python Dinic on a small network, scipy (Dinic) when the network
    # fits 32 bits, else networkx's Edmonds-Karp on the exact integers
    check = net.flow()
    if check != value:  # pragma: no cover - two solvers disagree
        raise CorridorError(f"networkx ({value}) and a second solver ({check}) give different "
                            f"max flows (x {net.scale})")
    cut_cap = _cut_capacity(graph, net, cut, value, flow)
    keep = [source, *sinks]
    wo = _check_countries(graph, without)
    removed = sorted(_removable(graph, wo, keep) & _on_path_nodes(graph, source, sinks))
    flow_wo = net.value(net.flow(frozenset(removed))) if wo else None
    records = _contingencies(graph, net, source, sinks, contingencies, countries, focal,
                             flow) if contingencies else []
    unknown = [(r.source, r.target) for r in graph.edges.itertuples(index=False)
               if r.basis == "unknown" and r.source in _on_path_nodes(graph, source, sinks)]
    cut_rows = _cut_rows(graph, cut)
    return CorridorResult(source, sinks, net.unit, flow, cut, cut_cap, wo, flow_wo, removed,
                          records, unknown, graph.name, cut_rows)


def _cut_capacity(graph: CorridorGraph, net: _Network, cut, value: int, flow: float) -> float:
    """The capacity of a minimum cut, summed exactly from the capacities of its edges and
    split nodes (inf when it holds an unbounded one); checked against the max flow."""
    cut_exact = Fraction(0)
    cut_inf = False
    nd_cap = dict(zip(graph.nodes["id"], graph.nodes["capacity"], strict=True))
    for a, b in cut:
        if b == SUPER_SINK:
            cut_inf = True
            continue
        if a == b:
            caps = [nd_cap[a]]
        else:
            m = (graph.edges["source"] == a) & (graph.edges["target"] == b)
            caps = graph.edges.loc[m, "capacity"].tolist()
        for c in caps:
            if math.isinf(c):
                cut_inf = True
            else:
                cut_exact += exact_capacity(c)
    if not cut_inf and cut_exact != Fraction(value, net.scale):  # pragma: no cover
        raise CorridorError(f"min cut capacity {float(cut_exact)} differs from max flow {flow}")
    return math.inf if cut_inf else float(cut_exact)


def _contingencies(graph: CorridorGraph, net: _Network, source: str, sinks: list[str],
                   contingencies: int, countries, focal, flow: float) -> list[dict]:
    """The max flow without each candidate country (and, with ``contingencies=2``, each pair),
    worst first; candidates as described in :func:`analyse_corridors`."""
    keep = [source, *sinks]
    records: list[dict] = []
    if countries is None:
        on_path = _on_path_nodes(graph, source, sinks) - set(keep)
        own = {graph.country_of[source], *([focal] if focal else [])}
        cand = sorted({graph.country_of[v] for v in on_path} - {"WLD"} - own)
    else:
        cand = _check_countries(graph, countries)
    n_cases = len(cand) + (len(cand) * (len(cand) - 1) // 2 if contingencies == 2 else 0)
    if n_cases > MAX_CONTINGENCY_CASES:
        raise CorridorError(f"--contingencies {contingencies}: {fmt_number(n_cases)} removals over "
                            f"{len(cand)} countries; at most {fmt_number(MAX_CONTINGENCY_CASES)} are "
                            "solved in one run (give fewer countries or contingencies 1)")
    combos = [(c,) for c in cand]
    if contingencies == 2:
        combos += list(itertools.combinations(cand, 2))
    for combo in combos:
        nodes = frozenset(_removable(graph, combo, keep))
        f = net.value(net.flow(nodes))
        records.append({"removed": list(combo), "max_flow": f,
                        "lost": flow - f,
                        "lost_share": 0.0 if flow == 0 else 1 - f / flow})
    records.sort(key=lambda r: (r["max_flow"], len(r["removed"]), r["removed"]))
    return records


def _cut_rows(graph: CorridorGraph, cut) -> pd.DataFrame:
    """The edge rows (and node-capacity rows of split nodes) of a minimum cut, with sources."""
    e = graph.edges
    nd = graph.nodes.set_index("id")
    node_rows = [pd.DataFrame([{"source": a, "target": a, "capacity": nd.at[a, "capacity"],
                                "unit": nd.at[a, "unit"], "mode": "node", "route": "",
                                "basis": "node capacity", "citation": nd.at[a, "citation"],
                                "note": nd.at[a, "note"]}]) for a, b in cut if a == b]
    edge_rows = [e[(e["source"] == a) & (e["target"] == b)] for a, b in cut if a != b]
    return pd.concat([*node_rows, *edge_rows] or [e.iloc[0:0]]).reset_index(drop=True)


def __getattr__(name: str):
    """``analyse``, the former name of :func:`analyse_corridors` (documented in 0.1.0): each use
    warns (:class:`DeprecationWarning`, not cached) and gives the function (PEP 562)."""
    if name == "analyse":
        import warnings

        warnings.warn("equipoise.risk.corridors.analyse is deprecated; use equipoise.risk."
                      "corridors.analyse_corridors (max flow, min cut, removals, contingencies)",
                      DeprecationWarning, stacklevel=2)
        return analyse_corridors
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _on_path_nodes(g: CorridorGraph, source: str, sinks: Sequence[str]) -> set[str]:
    return _reach(g, [source]) & _reach(g, list(sinks), forward=False)


def _reach(g: CorridorGraph, starts: Sequence[str], *, forward: bool = True) -> set[str]:
    """The nodes reachable from ``starts`` along the edges (``forward=False``: the nodes from
    which ``starts`` are reachable), ``starts`` included: networkx's descendants/ancestors
    without building the graph (a breadth-first search over the edge table)."""
    a, b = ("source", "target") if forward else ("target", "source")
    nxt: dict[str, list[str]] = {}
    for u, v in zip(g.edges[a].tolist(), g.edges[b].tolist(), strict=True):
        nxt.setdefault(u, []).append(v)
    seen, todo = set(starts), list(starts)
    while todo:
        for v in nxt.get(todo.pop(), ()):
            if v not in seen:
                seen.add(v)
                todo.append(v)
    return seen


def corridor_loss(graph: CorridorGraph, source: str, sinks: str | Sequence[str],
                  countries: Iterable[str]) -> float:
    """Fraction of the max flow lost when ``countries``' nodes are removed (0..1).

    This is the corridor-based vulnerability of DESIGN.md ("corridor capacity lost by max-flow
    with that partner's nodes removed"): ``1 - maxflow(G - V_p) / maxflow(G)``.
    """
    sinks = _request(graph, source, sinks)
    net = _network(graph, source, sinks)
    base = _check_bounded(net)
    if base == 0:
        return 0.0
    removed = frozenset(_removable(graph, _check_countries(graph, countries), [source, *sinks]))
    return 1.0 - net.flow(removed) / base


class CorridorLossTable:
    """Fractions of max flow lost for sets of removed countries, cached by set.

    Used by the Monte Carlo: each scenario's disrupted partners form a bitmask over the
    partners that have nodes in the graph; only the distinct masks are solved.
    """

    def __init__(self, graph: CorridorGraph, source: str, sinks: str | Sequence[str],
                 partners: Sequence[str]):
        self.sinks = _request(graph, source, sinks)
        self.graph = graph
        self.source = source
        self.net = _network(graph, source, self.sinks)
        _check_bounded(self.net)
        self.base = self.net.flow()
        keep = [source, *self.sinks]
        self.partners = list(partners)
        self.nodes = [frozenset(_removable(graph, reference.expand_group(p), keep))
                      for p in self.partners]
        self.active = [i for i, n in enumerate(self.nodes) if n]
        self._active_bits = sum(1 << i for i in self.active)
        self._cache: dict[int, float] = {0: 0.0}

    def clear(self) -> None:
        """Forget the solved masks (benchmarks time the solves)."""
        self._cache = {0: 0.0}

    def loss(self, mask: int) -> float:
        """Loss for a bitmask over ``partners`` (bit i set = partner i disrupted)."""
        mask &= self._active_bits
        got = self._cache.get(mask)
        if got is None:
            removed = frozenset().union(*(self.nodes[i] for i in self.active if mask >> i & 1))
            got = 0.0 if self.base == 0 or not removed else \
                1.0 - self.net.flow(removed) / self.base
            self._cache[mask] = got
        return got

    def losses(self, masks: np.ndarray) -> np.ndarray:
        """Vectorised over scenarios: solve each distinct mask once, then gather."""
        active_bits = sum(1 << i for i in self.active)
        m = masks & active_bits
        top = len(self.partners)
        if top <= 20:  # dense lookup over all 2**k masks: no sort
            seen = np.zeros(1 << top, dtype=bool)
            seen[m] = True
            lut = np.zeros(1 << top)
            for u in np.flatnonzero(seen):
                lut[u] = self.loss(int(u))
            return lut[m]
        uniq, inv = np.unique(m, return_inverse=True)
        vals = np.array([self.loss(int(u)) for u in uniq], dtype=float)
        return vals[inv]
