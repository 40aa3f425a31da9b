"""The results that the report and the dashboard show, as JSON-ready dicts.

One :class:`Context` holds the flows, the focal state and the doctrine (immutable once built) and
computes each view by calling the same library functions as the CLI commands, so
``GET /api/assess`` returns what ``equipoise assess --json`` prints, and so on. Views are memoised
per argument set behind a lock: concurrent requests never compute into shared state, and the
flows are never written to.

The library parts the views call (assessment, explain, risk, measures, doctrine) ship with the
package and are imported directly: an ImportError there is a bug and is raised as such, never
shown as "not available". A view whose data are missing (no corridor graph for the focal state,
no votes) raises an equipoise error with the reason; the report and the dashboard show that
reason instead of the section, never a made-up number. PDF output needs the optional
WeasyPrint, the one capability that may be absent (:func:`capabilities`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from .. import reference
from .._options import as_list, check_option
from .._results import fmt_number
from ..errors import (
    EquipoiseError,
    InputError,
    NoDataError,
    OptionError,
    UnknownCountryError,
    UnknownDomainError,
)
from ..risk.lossmodel import DEFAULT_LOSS_MODEL

__all__ = ["CAPABILITIES", "Context", "TooManyChanges", "Unavailable", "capabilities", "clean"]


class Unavailable(EquipoiseError):
    """A capability that a view needs is not available here (the dashboard answers 501). The
    library parts are imported directly, so an ImportError of theirs is never this."""


class TooManyChanges(InputError):
    """An action with more changes than one request may evaluate (the dashboard answers 413)."""


#: The capabilities :func:`capabilities` reports (the dashboard's ``/api/capabilities``): the
#: library parts, always present, and ``pdf`` (WeasyPrint, optional).
CAPABILITIES: tuple[str, ...] = ("assessment", "explain", "corridors", "shocks", "montecarlo",
                                 "alignment", "actions")


def capabilities() -> dict[str, dict]:
    """Which capabilities this install has: ``{name: {"available": bool, "reason": str}}``.

    The library parts ship with the package (always available); PDF output needs WeasyPrint and
    its system libraries, an optional extra."""
    out = {name: {"available": True, "reason": ""} for name in CAPABILITIES}
    try:
        import weasyprint  # noqa: F401  (optional extra: the `pdf` capability)
    except (ImportError, OSError) as exc:  # OSError: its system libraries (Pango) are missing
        out["pdf"] = {"available": False, "reason": f"WeasyPrint cannot load: {exc}"}
    else:
        out["pdf"] = {"available": True, "reason": ""}
    return out


def clean(obj: Any) -> Any:
    """JSON-ready copy (NaN/inf -> None, numpy scalars -> Python, tuples -> lists): the same
    cleaning as the CLI's ``emit_json``."""
    import json

    from .._json import clean as _clean

    if isinstance(obj, pd.DataFrame):
        obj = obj.astype(object).where(obj.notna(), None).to_dict("records")
    # exactly what emit_json writes, read back: the API's JSON is the CLI's
    return json.loads(json.dumps(_clean(obj), ensure_ascii=False, default=str))


MEASURES = ("agree", "coincidence", "s", "kappa", "ipd")
BYS = ("year", "session", "issue", "all")


class Context:
    """The flows, focal state and doctrine that every view is computed from.

    Parameters
    ----------
    flows
        A FlowSet or canonical DataFrame; the embedded default for ``focal`` when None.
    focal
        ISO3 code; the doctrine's when None.
    doctrine
        A Doctrine, a TOML path, or None for the shipped default.
    peers
        The world panel's peer measures for the assessment
        (:func:`equipoise.context.resolve_peer_panel`), or None.
    products
        The warehouse's product screen of the focal state
        (:func:`equipoise.context.product_screen_source`): the goods substitutability of the
        assessment and the explanations, as ``assess --db`` has it; None: the fallback.
    corridors
        The corridor graph of the assessment, the shocks, the Monte Carlo and the corridor
        pages (:func:`equipoise.context.resolve_corridors`); None: the shipped graph of the
        focal state, where one ships.
    """

    def __init__(self, flows=None, *, focal: str | None = None, doctrine=None, peers=None,
                 products=None, corridors=None):
        from .. import context

        self.doctrine = context.resolve_doctrine(doctrine, focal)
        self.focal: str = self.doctrine.focal
        self.corridors = (corridors if corridors is not None
                          else context.resolve_corridors(self.focal))
        self.flows = flows if flows is not None else context.resolve_flows(None, self.focal)
        self.frame: pd.DataFrame = (self.flows.data if hasattr(self.flows, "data")
                                    else self.flows)
        self.peers = peers
        self.products = products
        self._memo: dict[tuple, Any] = {}
        self._locks: dict[tuple, threading.Lock] = {}
        self._guard = threading.Lock()

    # -- memo ----------------------------------------------------------------------------------
    def reset_locks(self) -> None:
        """Fresh locks (in a forked worker process: a lock another thread held at the fork would
        stay held there forever). The memo is kept."""
        self._guard = threading.Lock()
        self._locks = {}

    def _cached(self, key: tuple, fn: Callable[[], Any]) -> Any:
        """Compute ``fn()`` once per key; concurrent callers of the same key wait for it."""
        with self._guard:
            if key in self._memo:
                return self._memo[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._memo:
                    return self._memo[key]
            value = fn()
            with self._guard:
                if len(self._memo) > 512:  # bound the memory a client can make us hold
                    self._memo.clear()
                    self._locks = {k: v for k, v in self._locks.items() if v.locked()}
                self._memo[key] = value
            return value

    # -- validation ----------------------------------------------------------------------------
    def check_domain(self, domain: str) -> str:
        known = reference.domain_list()
        if domain not in known:
            raise UnknownDomainError(f"domain {domain!r} is not known; expecting one of {known}")
        return domain

    def check_partner(self, partner: str, *, allow_focal: bool = False) -> str:
        p = str(partner).strip().upper()
        if p not in reference.known_codes() or p in ("WLD", "OTH"):
            raise UnknownCountryError(f"partner {partner!r} is not an ISO3 code or a partner group "
                                      "(EU27, EAEU, ...)")
        if p == self.focal and not allow_focal:
            raise InputError(f"partner {p!r} is the focal state itself")
        return p

    # -- core views ----------------------------------------------------------------------------
    def assessment(self, year: int | None = None):
        """:func:`equipoise.assessment.assess` (the object)."""
        from ..assessment import assess

        return self._cached(("assess", year), lambda: assess(
            self.flows, focal=self.focal, year=year, doctrine=self.doctrine, peers=self.peers,
            products=self.products, corridors=self.corridors))

    def measured_substitutability(self) -> dict:
        """The substitutability the assessment measured (domain -> (value, basis)), handed to
        the shocks and the Monte Carlo as ``equipoise shock``, ``simulate`` and ``run`` do
        (:meth:`risk_basis`)."""
        return self.risk_basis().measured

    def assess_json(self, year: int | None = None) -> dict:
        """What ``equipoise assess --json`` prints."""
        return self._cached(("assess_json", year), lambda: clean(self.assessment(year).to_dict()))

    def asymmetry_json(self, year: int | None = None) -> dict:
        """Two-way dependence of ``assess --json`` (definition, year, counts) with its rows
        flat (:func:`equipoise.measures.asymmetry.table`: no evidence rows) under ``table``."""
        from ..measures.asymmetry import table

        asym = self.assess_json(year).get("asymmetry") or {}
        return {"focal": self.focal, "year": asym.get("year"),
                "definition": asym.get("definition", ""), "counts": asym.get("counts", {}),
                "rows": asym.get("rows", []), "table": table(asym.get("rows", []))}

    def explain_json(self, domain: str, year: int | None = None) -> dict:
        """What ``equipoise explain --domain D --json`` prints."""
        from ..explain import explain_domain

        self.check_domain(domain)
        return self._cached(("explain", domain, year), lambda: clean(explain_domain(
            self.flows, focal=self.focal, domain=domain, year=year,
            doctrine=self.doctrine, products=self.products, peers=self.peers,
            corridors=self.corridors).to_dict()))

    def sources_json(self, domain: str | None = None) -> list[dict]:
        """What ``equipoise sources --json`` prints."""
        from ..explain import source_table

        if domain is not None:
            self.check_domain(domain)
        return self._cached(("sources", domain), lambda: clean(
            source_table(self.flows, domain=domain).to_dict("records")))

    def partners(self) -> list[str]:
        """Partners the what-if page offers: the doctrine's poles, then every partner with a
        share in some domain (largest first)."""
        m = self.assessment().matrix
        order = m.max(axis=1).sort_values(ascending=False).index.tolist()
        rest = [p for p in order if p not in self.doctrine.poles and p not in ("OTH", "WLD")]
        return [*self.doctrine.poles, *rest]

    # -- corridors -----------------------------------------------------------------------------
    def corridor_graph(self):
        """The corridor graph of the views (:func:`equipoise.context.resolve_corridors`: the
        one given, else the shipped graph of the focal state); NoDataError when none."""
        graph = self.corridors
        if graph is None:
            raise NoDataError(f"no corridor graph for {self.focal}: none ships for it")
        return graph

    def risk_basis(self):
        """The shares, doctrine, measured substitutability and corridor graph of the shocks and
        the Monte Carlo (:func:`equipoise.assessment.risk_basis`, as ``equipoise shock``,
        ``simulate`` and ``run``), from this context's assessment."""
        from ..assessment import risk_basis

        return self._cached(("risk_basis",), lambda: risk_basis(
            self.flows, assessment=self.assessment(), corridors=self.corridors))

    def corridor_systems(self) -> list[dict]:
        """The flow systems of the views' corridor graph (``graph.systems``, resolved with the
        graph by :func:`equipoise.context.resolve_corridors`); none without a graph."""
        graph = self.corridors
        if graph is None or graph.systems is None:
            return []
        return clean(graph.systems.to_dict("records"))

    def corridors_json(self, system: str | None = None, without: Iterable[str] | str = (),
                       contingencies: int = 1) -> dict:
        """Max flow, min cut, loss without some countries and n-1 contingencies for each flow
        system of the graph (``equipoise corridors --json`` for each system's source and sinks)."""
        from ..risk.corridors import analyse_corridors

        without = tuple(self.check_partner(p, allow_focal=True) for p in (as_list(without) or ()))
        check_option("contingencies", contingencies, (0, 1, 2))
        systems = self.corridor_systems()
        if not systems:
            raise NoDataError(f"no shipped corridor graph for {self.focal}" if self.corridors
                              is None else f"the corridor graph of {self.focal} has no flow "
                              "systems (give --systems with --nodes/--edges)")
        names = [s["system"] for s in systems]
        if system is not None and system not in names:
            raise OptionError(f"system: expecting one of {tuple(names)!r}. Got {system!r}.")

        def run() -> dict:
            g = self.corridor_graph()
            # a group partner (EU27) removes its member states' nodes
            wo = sorted({c for p in without for c in (
                reference.expand_group(p) if reference.is_group(p) else [p])})
            out = []
            for s in systems:
                if system is not None and s["system"] != system:
                    continue
                sinks = [k for k in str(s["sinks"]).split(";") if k]
                res = analyse_corridors(g, s["source"], sinks, without=wo,
                                        contingencies=contingencies, focal=self.focal)
                out.append({"system": s["system"], "domain": s.get("domain") or None,
                            "description": s.get("description"), "unit": s.get("unit"),
                            **res.to_dict()})
            return clean({"focal": self.focal, "without": list(without),
                          "without_in_graph": wo, "systems": out})

        return self._cached(("corridors", system, without, contingencies), run)

    def corridor_drawing(self, system: str) -> dict:
        """Nodes (with layout positions) and edges on the system's source -> sink paths, and the
        min cut, for the network chart."""
        import networkx as nx

        res = self.corridors_json(system=system, contingencies=0)["systems"][0]
        g = self.corridor_graph()

        def run() -> dict:
            G = g.graph()
            src, sinks = res["source"], res["sinks"]
            keep = (nx.descendants(G, src) | {src}) & set().union(
                *[nx.ancestors(G, k) | {k} for k in sinks])
            H = G.subgraph(keep).copy()
            depth = {src: 0}
            for v in nx.topological_sort(H) if nx.is_directed_acyclic_graph(H) else nx.bfs_tree(H, src):
                for _, w in H.out_edges(v):
                    depth[w] = max(depth.get(w, 0), depth.get(v, 0) + 1)
            layers: dict[int, list[str]] = {}
            for v, d in sorted(depth.items(), key=lambda kv: (kv[1], kv[0])):
                layers.setdefault(d, []).append(v)
            pos = _layered_positions(H, layers)
            nodes = g.nodes.set_index("id")
            cut = {tuple(e) for e in res["min_cut"]}
            node_rows = [{"id": v, "x": pos[v][0], "y": pos[v][1],
                          "country": str(nodes.at[v, "country"]),
                          "kind": str(nodes.at[v, "kind"]),
                          "capacity": _num(nodes.at[v, "capacity"]) if "capacity" in nodes else None,
                          "in_cut": (v, v) in cut} for v in pos]
            e = g.edges
            edge_rows = []
            for r in e[e["source"].isin(pos) & e["target"].isin(pos)].itertuples(index=False):
                edge_rows.append({
                    "source": r.source, "target": r.target, "x": pos[r.source][0],
                    "y": pos[r.source][1], "x2": pos[r.target][0], "y2": pos[r.target][1],
                    "capacity": _num(r.capacity), "mode": r.mode,
                    "basis": getattr(r, "basis", None), "citation": getattr(r, "citation", None),
                    "in_cut": (r.source, r.target) in cut})
            return clean({"system": system, "nodes": node_rows, "edges": edge_rows, **res})

        return self._cached(("corridor_drawing", system), run)

    # -- shocks --------------------------------------------------------------------------------
    def shock_json(self, partner: str, domains: Iterable[str] | str | None = None,
                   intensity: float = 1.0, loss_model: str = DEFAULT_LOSS_MODEL) -> dict:
        """Loss per domain when ``partner`` is cut off (``equipoise shock --json``)."""
        from ..risk.shocks import ShockRequest

        partner = self.check_partner(partner)
        ds = tuple(as_list(domains) or ()) or None
        for d in ds or ():
            self.check_domain(d)
        try:
            intensity = float(intensity)
        except (TypeError, ValueError) as exc:
            raise OptionError(f"intensity: expecting a number in 0..1. Got {intensity!r}.") from exc
        if math.isnan(intensity) or not 0.0 <= intensity <= 1.0:
            raise OptionError(f"intensity: expecting a number in 0..1. Got {intensity!r}.")

        def run() -> dict:
            from ..assessment import shock_run

            req = ShockRequest(focal=self.focal, partner=partner, domains=ds,
                               intensity=intensity, loss_model=loss_model)
            import warnings

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                res = shock_run(req, basis=self.risk_basis())
            out = res.to_dict()
            out["warnings"] = [str(w.message) for w in caught]
            return clean(out)

        return self._cached(("shock", partner, ds, intensity, loss_model), run)

    def shock_by_partner(self, partners: Iterable[str] | None = None) -> list[dict]:
        """Total and per-domain loss for a full cut-off (intensity 1) by each partner."""
        partners = list(partners) if partners is not None else self.partners()[:10]
        out = []
        for p in partners:
            try:
                r = self.shock_json(p)
            except EquipoiseError:
                continue
            out.append({"partner": p, "total": r["total"], "losses": r["losses"],
                        "weights": r.get("weights", {})})
        return out

    # -- Monte Carlo ---------------------------------------------------------------------------
    def montecarlo_json(self, **kwargs) -> dict:
        """Loss distribution, VaR and CVaR (``equipoise montecarlo --json``)."""
        return self._cached(("montecarlo", tuple(sorted(kwargs.items()))),
                            lambda: clean(_montecarlo(self, **kwargs)))

    # -- actions -------------------------------------------------------------------------------
    def action_examples(self) -> list[str]:
        from ..doctrine.actions import example_actions

        try:
            return list(example_actions())
        except FileNotFoundError:
            return []

    def action_json(self, text: str | None = None, *, name: str = "upload",
                    example: str | None = None, max_changes: int | None = None) -> dict:
        """Before/after evaluation of an action (``equipoise evaluate --json``). The action comes
        as TOML text (an upload) or as the name of a shipped example; it is parsed, never
        executed, and no path is taken from the client. With ``max_changes``, an action with more
        changes (flows, corridors, memberships, events and baseline removals together) is refused
        with :class:`TooManyChanges` before it is evaluated."""
        from ..assessment import evaluate
        from ..doctrine.actions import parse_action

        if example is not None:
            names = self.action_examples()
            if example not in names:
                raise OptionError(f"example: expecting one of {tuple(names)!r}. Got {example!r}.")
            from importlib import resources

            text = resources.files("equipoise.doctrine").joinpath(
                "examples", f"{example}.toml").read_text(encoding="utf-8")
            name = f"{example}.toml"
        if text is None or not text.strip():
            raise InputError("no action given: upload an action TOML file or pick an example")
        action = parse_action(text, where=name)
        if action.focal and action.focal != self.focal:
            from ..errors import ActionError

            raise ActionError(f"{name}: the action is for {action.focal}, this dashboard shows "
                              f"{self.focal}")
        if max_changes is not None:
            n = sum(len(getattr(action, part, ()) or ()) for part in
                    ("flows", "corridors", "memberships", "events", "baseline"))
            if n > max_changes:
                raise TooManyChanges(f"{name}: {fmt_number(n)} changes; at most {fmt_number(max_changes)} changes "
                                     "(flows, corridors, memberships, events and baseline "
                                     "removals together) are evaluated per request")

        def run() -> dict:
            ev = evaluate(action, self.flows, doctrine=self.doctrine, focal=self.focal,
                          peers=self.peers, products=self.products, corridors=self.corridors)
            return clean(ev.to_dict())

        import hashlib

        return self._cached(("action", hashlib.sha256(text.encode()).hexdigest()), run)

    # -- alignment -----------------------------------------------------------------------------
    def alignment_json(self, measure: str = "agree", by: str = "year", start: int | None = None,
                       end: int | None = None, reps: int = 300, seed: int = 0,
                       min_rollcalls: int = 10, poles: Iterable[str] | str | None = None) -> dict:
        """Alignment with each pole over time with bootstrap intervals, and equidistance
        (``equipoise align --json``; poles default to the doctrine's)."""
        from ..measures.alignment import alignment

        poles = tuple(as_list(poles) or self.doctrine.poles)
        for p in poles:
            self.check_partner(p)
        if not 1 <= int(min_rollcalls) <= 1000:
            raise OptionError(f"min_rollcalls: expecting a whole number in 1..1000. "
                              f"Got {min_rollcalls!r}.")
        check_option("measure", measure, MEASURES)
        check_option("by", by, BYS)
        reps = int(reps)
        if not 10 <= reps <= 2000:
            raise OptionError(f"reps: expecting a whole number in 10..2000. Got {reps!r}.")
        for name, v in (("start", start), ("end", end)):
            if v is not None and not 1946 <= int(v) <= 2100:
                raise OptionError(f"{name}: expecting a year in 1946..2100. Got {v!r}.")
        if start is not None and end is not None and int(start) > int(end):
            raise OptionError(f"start {start} is after end {end}")

        def run() -> dict:
            from .. import context

            res = alignment(context.votes_source, focal=self.focal, poles=list(poles),
                            start=start, end=end, by=by, measure=measure, reps=reps,
                            seed=seed, min_rollcalls=min_rollcalls,
                            idealpoints=context.idealpoints_source,
                            fallback=context.load_default)
            out = res.to_dict()
            thr = self.doctrine.thresholds.equidistance_spread
            # a percentile among peers has no fixed number here (the check resolves it)
            out["threshold"] = {"equidistance_spread": thr if isinstance(thr, float) else None}
            return clean(out)

        return self._cached(("alignment", measure, by, start, end, reps, seed, min_rollcalls,
                             poles), run)

    def panel_json(self, db, *, years: tuple[int, ...], reps: int = 200) -> dict[str, Any]:
        """The world panel's views of the focal state from the warehouse ``db``: ``trend``,
        ``index``, ``peers`` and ``peer_years``
        (:func:`equipoise.present.panel_section.panel_data`; the dashboard's ``/trend`` and
        ``/peers``), memoised per warehouse, years and replicates."""
        from .panel_section import panel_data

        return self._cached(("panel_data", str(db), tuple(years), reps),
                            lambda: panel_data(self.focal, db, reps=reps, years=tuple(years)))


def _montecarlo(ctx: Context, *, runs: int = 20_000, seed: int = 0,
                intensity: float = 1.0) -> dict:
    """``equipoise simulate --json`` for ``ctx`` (same request, shares, graph and doctrine as the
    CLI), plus a histogram of the scenario totals for the chart."""
    import numpy as np

    from ..assessment import simulate_run
    from ..risk.montecarlo import SimulationRequest

    runs = int(runs)
    if not 1_000 <= runs <= 200_000:
        raise OptionError(f"runs: expecting a whole number in 1000..200000. Got {runs!r}.")
    req = SimulationRequest(focal=ctx.focal, runs=runs, seed=seed, intensity=intensity)
    res = simulate_run(req, basis=ctx.risk_basis()).result
    out = res.to_dict()
    totals = np.asarray(res.totals, dtype=float)
    counts, edges = np.histogram(totals, bins=40, range=(0.0, max(float(totals.max()), 1e-9)))
    lv = f"{round(req.levels[0] * 100)}"
    out["histogram"] = {"bins": edges.tolist(), "counts": counts.tolist()}
    out["level"] = req.levels[0]
    out["var"] = out["total"].get(f"var_{lv}")
    out["cvar"] = out["total"].get(f"cvar_{lv}")
    out["n"] = len(totals)
    return out


def _layered_positions(H, layers: dict[int, list[str]]) -> dict[str, tuple[int, float]]:
    """Layered drawing (Sugiyama-style): nodes ordered within each layer by the barycentre of
    their neighbours, a few down and up sweeps, to cut edge crossings."""
    order = {d: list(vs) for d, vs in layers.items()}

    def y(d: int, vs: list[str]) -> dict[str, float]:
        return {v: (i + 1) / (len(vs) + 1) for i, v in enumerate(vs)}

    ys: dict[str, float] = {}
    for d in sorted(order):
        ys.update(y(d, order[d]))
    depths = sorted(order)
    for _ in range(4):
        for sweep, nbrs in ((depths[1:], H.predecessors), (depths[-2::-1], H.successors)):
            for d in sweep:
                def key(v, nbrs=nbrs):
                    ns = [ys[w] for w in nbrs(v) if w in ys]
                    return (sum(ns) / len(ns)) if ns else ys[v]
                order[d] = sorted(order[d], key=key)
                ys.update(y(d, order[d]))
    depth_of = {v: d for d, vs in order.items() for v in vs}
    return {v: (depth_of[v], ys[v]) for v in ys}


def _num(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v
