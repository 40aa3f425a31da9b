"""Applying an action to the tables: flows, the corridor graph, memberships and events.

The flow changes run in file order on plain lists indexed by dictionaries (:class:`_Rows`: a
few look-ups per change); the changed and new rows are then validated together, in one call
to :func:`equipoise.io.flows.validate_frame`, and merged with the unchanged rows once, so the
work grows linearly with the number of changes (``benchmarks/bench_actions.py``). The former
application, one DataFrame operation per change, is kept as the oracle in
``tests/doctrine/_reference_apply.py``; both give the same table and log.

The inputs are never modified; every change is logged with its before and after values.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ... import reference
from ..._results import fmt_number
from ...errors import ActionError, InputError
from ...io.events import check_events
from ...schema import EVENT_COLUMNS
from .schema import Action, max_changes


@dataclass
class Applied:
    """What applying an action changed: the new flows, the corridor graph, the memberships,
    the events and a log of every change with its before and after values."""

    flows: Any
    corridors: Any = None
    memberships: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    log: list[dict] = field(default_factory=list)


def _domain_years(frame: pd.DataFrame, focal: str) -> dict[str, int]:
    df = frame[frame["reporter"] == focal]
    return {d: int(y) for d, y in df.groupby("domain")["year"].max().items()}


def _check_size(action: Action) -> None:
    n = (len(action.flows) + len(action.corridors) + len(action.memberships) + len(action.events)
         + len(action.baseline))
    cap = max_changes()
    if n > cap:
        raise ActionError(f"{action.path or action.id}: {fmt_number(n)} changes in one action; expected at "
                          f"most {fmt_number(cap)} (equipoise.doctrine.actions.MAX_CHANGES); split "
                          "the initiative into several actions")


def _pkey(v):
    """A product cell as a dictionary key: None for a missing product (None, NaN, NA)."""
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    return v


def _column(frame: pd.DataFrame, name: str, default=None) -> list:
    return frame[name].tolist() if name in frame.columns else [default] * len(frame)


def _fsum(values: list[float]) -> float:
    """The sum pandas' ``Series.sum`` gives (numpy's pairwise summation), as a float."""
    return float(np.sum(np.asarray(values, dtype="float64"))) if values else 0.0


def _overflow(where: str, line: int, what: str, value: float) -> ActionError:
    return ActionError(f"{where} line {line}: {what} gives {value!r}, not a finite number; "
                       "expected values whose results stay finite (below about 1.8e308)")


def remove_baseline(action: Action, flows, *, focal: str):
    """The flows without the rows named by the action's ``[[baseline]]`` selectors (the
    initiative taken out), with the reporter's WLD total reduced by what was removed.

    Selectors apply in file order, each to what the earlier ones left; the rows are found
    through a dictionary keyed by (year, partner, indicator), so the work grows linearly with
    the number of selectors.

    Returns ``(flows, log)``. Raises :class:`ActionError` when a selector matches nothing.
    """
    from ...io.flows import FlowSet

    if not action.baseline:
        return flows, []
    _check_size(action)
    frame = flows.data if hasattr(flows, "data") else flows
    ind = reference.indicator_table()
    unit_of, kind_of = ind["unit"].to_dict(), ind["kind"].to_dict()
    where = action.path or action.id
    years, reps, partners = _column(frame, "year"), _column(frame, "reporter"), \
        _column(frame, "partner")
    inds, prods, srcs = _column(frame, "indicator"), _column(frame, "product"), \
        _column(frame, "source")
    values = [float(v) for v in _column(frame, "value", float("nan"))]
    files, lines = _column(frame, "file", ""), _column(frame, "line", 0)
    groups: dict[tuple, list[int]] = {}
    for i, (y, r, p, k) in enumerate(zip(years, reps, partners, inds, strict=True)):
        if r == focal:
            groups.setdefault((y, p, k), []).append(i)
    alive = [True] * len(frame)
    touched: set[int] = set()
    log = []
    for b in action.baseline:
        cand = [i for i in groups.get((b.year, b.partner, b.indicator), ()) if alive[i]
                and (b.product is None or prods[i] == b.product)
                and (b.source is None or srcs[i] == b.source)]
        if not cand:
            raise ActionError(f"{where} line {b.line}: baseline selector matches no row (year="
                              f"{b.year}, partner={b.partner}, indicator={b.indicator}, product="
                              f"{b.product!r}, source={b.source!r})")
        removed = _fsum([values[i] for i in cand])
        for i in cand:
            log.append({"table": "baseline", "op": "remove", "line": b.line, "year": b.year,
                        "partner": b.partner, "indicator": b.indicator,
                        "product": prods[i], "before": values[i], "after": None,
                        "source_before": srcs[i], "source_after": None,
                        "row_before": f"{files[i]} line {int(lines[i])}"})
            alive[i] = False
        if unit_of[b.indicator] != "%" and kind_of[b.indicator] != "score":
            w = [i for i in groups.get((b.year, "WLD", b.indicator), ())
                 if alive[i] and _pkey(prods[i]) is None]
            if w:
                i = w[0]
                old = values[i]
                values[i] = max(0.0, old - removed)
                touched.add(i)
                log.append({"table": "baseline", "op": "total", "line": b.line, "year": b.year,
                            "partner": "WLD", "indicator": b.indicator, "product": None,
                            "before": old, "after": values[i],
                            "source_before": srcs[i], "source_after": None,
                            "row_before": f"{files[i]} line {int(lines[i])}"})
    data = frame.copy()
    if touched:
        pos = sorted(touched)
        data.iloc[pos, data.columns.get_loc("value")] = [values[i] for i in pos]
    data = data[np.asarray(alive, dtype=bool)]
    q = getattr(flows, "quarantine", None)
    out = FlowSet(data=data.reset_index(drop=True)) if q is None or not len(q) else \
        FlowSet(data=data.reset_index(drop=True), quarantine=q)
    return out, log


class _Rows:
    """The focal state's flow rows as plain lists with dictionary indexes, so that each change
    costs a few dictionary look-ups (the table is rebuilt once, at the end)."""

    def __init__(self, frame: pd.DataFrame, focal: str):
        self.n0 = len(frame)
        self.year = _column(frame, "year")
        self.partner = _column(frame, "partner")
        self.indicator = _column(frame, "indicator")
        self.product = _column(frame, "product")
        self.value = _column(frame, "value", float("nan"))
        self.source = _column(frame, "source")
        self.file = _column(frame, "file", "")
        self.line = _column(frame, "line", 0)
        self.by_key: dict[tuple, list[int]] = {}    # (year, partner, indicator, product)
        self.by_group: dict[tuple, list[int]] = {}  # (year, partner, indicator)
        for i, (y, r, p, k, pr) in enumerate(zip(self.year, _column(frame, "reporter"),
                                                 self.partner, self.indicator, self.product,
                                                 strict=True)):
            if r == focal:
                self._index(i, y, p, k, pr)

    def _index(self, i, y, p, k, pr) -> None:
        self.by_key.setdefault((y, p, k, _pkey(pr)), []).append(i)
        self.by_group.setdefault((y, p, k), []).append(i)

    def append(self, y, p, k, pr, value, src, file, line) -> int:
        i = len(self.year)
        for col, v in ((self.year, y), (self.partner, p), (self.indicator, k),
                       (self.product, pr), (self.value, value), (self.source, src),
                       (self.file, file), (self.line, line)):
            col.append(v)
        self._index(i, y, p, k, pr)
        return i


class _Edits:
    """The flow changes made so far: the rows, the line of the change that last touched each
    changed position, and the log."""

    def __init__(self, rows: _Rows, where: str, log: list):
        self.rows, self.where, self.log = rows, where, log
        self.changed: dict[int, int] = {}  # position -> line of the change (the last one wins)

    def put(self, year, indicator, partner, product, delta: float, src: str, line: int,
            op: str, set_value: float | None = None) -> None:
        """Add ``delta`` to (or, with ``set_value``, set) the row of this key, or create it."""
        rows, changed, where = self.rows, self.changed, self.where
        hit = rows.by_key.get((year, partner, indicator, _pkey(product)))
        if hit:
            i = hit[0]
            old = float(rows.value[i])
            new = set_value if set_value is not None else old + delta
            if not math.isfinite(new):
                raise _overflow(where, line, f"{op} on {partner} {indicator} {year} "
                                f"(was {old!r})", new)
            before = (f"{rows.file[i]} line {int(rows.line[i])}" if i not in changed
                      else f"{where} line {changed[i]}")
            self.log.append({"table": "flows", "op": op, "line": line, "year": year,
                             "partner": partner, "indicator": indicator, "product": product,
                             "before": old, "after": new, "source_before": rows.source[i],
                             "source_after": src, "row_before": before})
            rows.value[i] = new
            rows.source[i] = src
            changed[i] = line
        else:
            value = set_value if set_value is not None else delta
            self.log.append({"table": "flows", "op": op, "line": line, "year": year,
                             "partner": partner, "indicator": indicator, "product": product,
                             "before": None, "after": value, "source_before": None,
                             "source_after": src, "row_before": None})
            i = rows.append(year, partner, indicator, product, value, src, where, line)
            changed[i] = line


def _scale(ed: _Edits, ch, year: int, src: str, focal: str) -> float:
    """Scale every row of (year, partner, indicator[, product]); returns how much they moved."""
    rows = ed.rows
    cand = rows.by_group.get((year, ch.partner, ch.indicator), [])
    if ch.product is not None:
        cand = [i for i in cand if rows.product[i] == ch.product]
    if not cand:
        seen = sorted({y for y, k in zip(rows.year, rows.indicator, strict=True)
                       if k == ch.indicator})
        raise ActionError(
            f"{ed.where} line {ch.line}: scale matches no row (year={year}, "
            f"partner={ch.partner}, indicator={ch.indicator}, product={ch.product!r}); "
            f"rows of {ch.indicator} for {focal}: years {seen}")
    delta_total = 0.0
    for i in list(cand):
        old = float(rows.value[i])
        prod = _pkey(rows.product[i])
        ed.put(year, ch.indicator, ch.partner, prod, 0.0, src, ch.line, "scale",
               set_value=old * float(ch.factor))
        delta_total += old * (float(ch.factor) - 1.0)
    return delta_total


def _apply_flows(action: Action, frame: pd.DataFrame, focal: str, where: str, log: list):
    """The flow changes, applied in file order; returns (rows, changed position -> line)."""
    ind = reference.indicator_table()
    dom_of, unit_of, kind_of = ind["domain"].to_dict(), ind["unit"].to_dict(), \
        ind["kind"].to_dict()
    years = _domain_years(frame, focal)
    own = frame[frame["reporter"] == focal]
    ind_years = {i: int(y) for i, y in own.groupby("indicator")["year"].max().items()}
    rows = _Rows(frame, focal)
    ed = _Edits(rows, where, log)
    for ch in action.flows:
        src = ch.source or action.source
        dom = dom_of[ch.indicator]
        year = ch.year if ch.year is not None else ind_years.get(
            ch.indicator, years.get(dom, action.year))
        if year is None:
            raise ActionError(f"{where} line {ch.line}: flow change for {ch.indicator}: the "
                              f"focal state {focal} has no data in domain {dom!r} and the "
                              "change gives no 'year'; add year = YYYY")
        total_moves = unit_of[ch.indicator] != "%" and kind_of[ch.indicator] != "score"
        if ch.op == "scale":
            delta_total = _scale(ed, ch, year, src, focal)
        elif ch.op == "add":
            ed.put(year, ch.indicator, ch.partner, ch.product, float(ch.value), src, ch.line,
                   "add")
            delta_total = float(ch.value)
        else:  # set
            hit = rows.by_key.get((year, ch.partner, ch.indicator, _pkey(ch.product)), [])
            old = _fsum([float(rows.value[i]) for i in hit])
            ed.put(year, ch.indicator, ch.partner, ch.product, 0.0, src, ch.line, "set",
                   set_value=float(ch.value))
            delta_total = float(ch.value) - old
        if total_moves and delta_total != 0.0:
            w = rows.by_key.get((year, "WLD", ch.indicator, None))
            if w:
                total = float(rows.value[w[0]]) + delta_total
                if not math.isfinite(total):
                    raise _overflow(where, ch.line, f"moving the WLD total of {ch.indicator} "
                                    f"{year} by {delta_total!r}", total)
                ed.put(year, ch.indicator, "WLD", None, 0.0, src, ch.line, "total",
                       set_value=max(0.0, total))
    _check_sums(rows, ed.changed, where)
    return rows, ed.changed


def _check_sums(rows: _Rows, changed: dict[int, int], where: str) -> None:
    """Every (year, indicator) the changes touch must still add up to a finite number (two
    additions of 1e308 on different partners overflow the domain's total)."""
    touched: dict[tuple, list[int]] = {}
    for i, line in changed.items():
        touched.setdefault((rows.year[i], rows.indicator[i]), []).append(line)
    if not touched:
        return
    sums: dict[tuple, float] = dict.fromkeys(touched, 0.0)
    for (y, p, k), pos in rows.by_group.items():
        if (y, k) in sums and p != "WLD":
            for i in pos:
                sums[(y, k)] += float(rows.value[i])
    for key, s in sums.items():
        if not math.isfinite(s):
            lines = sorted(set(touched[key]))
            shown = ", ".join(map(str, lines[:10])) + (f" and {len(lines) - 10} more"
                                                        if len(lines) > 10 else "")
            raise ActionError(f"{where} line {lines[0]}: the partners of {key[1]} {key[0]} add "
                              f"up to {s!r} after the change(s) on line(s) {shown}; expected "
                              "values whose sum stays finite (below about 1.8e308)")


_ROW_COLUMNS = ["year", "reporter", "partner", "domain", "indicator", "product", "value", "unit",
                "source"]


def _changed_frame(frame: pd.DataFrame, rows: _Rows, changed: dict[int, int], focal: str):
    """The changed and new rows (in the order they were first changed), canonical columns."""
    ind = reference.indicator_table()
    dom_of, unit_of = ind["domain"].to_dict(), ind["unit"].to_dict()
    order = list(changed)
    old = [i for i in order if i < rows.n0]
    cols_old = {c: frame[c].tolist() for c in ("reporter", "domain", "unit")} if old else {}
    out: dict[str, list] = {c: [] for c in _ROW_COLUMNS}
    for i in order:
        k = rows.indicator[i]
        if i < rows.n0:
            rep, dom, unit = cols_old["reporter"][i], cols_old["domain"][i], cols_old["unit"][i]
        else:
            rep, dom, unit = focal, dom_of[k], unit_of[k]
        for c, v in (("year", rows.year[i]), ("reporter", rep), ("partner", rows.partner[i]),
                     ("domain", dom), ("indicator", k), ("product", rows.product[i]),
                     ("value", rows.value[i]), ("unit", unit), ("source", rows.source[i])):
            out[c].append(v)
    return pd.DataFrame(out, columns=_ROW_COLUMNS), order


def apply_action(action: Action, flows, *, focal: str, corridors=None,
                 memberships: pd.DataFrame | None = None,
                 events: pd.DataFrame | None = None) -> Applied:
    """Apply ``action`` and return new tables (the inputs are not modified).

    The flow changes run in file order on plain lists indexed by dictionaries (a few look-ups
    per change); the changed and new rows are then validated together, in one call, and
    merged with the unchanged rows once, so the work grows linearly with the number of
    changes (at most :data:`~equipoise.doctrine.actions.MAX_CHANGES` in one action).

    Raises
    ------
    ActionError
        A change matches nothing, a value or a sum overflows, or a new row fails validation
        (naming the action file and line of the change); corridor changes without a graph.
    """
    _check_size(action)
    log: list[dict] = []
    new_flows = _flows_after(action, flows, focal, log)
    graph = corridors
    if action.corridors:
        graph, clog = _apply_corridors(action, corridors, focal)
        log += clog
    mem = memberships
    if action.memberships:
        mem, mlog = _apply_memberships(action, memberships, focal)
        log += mlog
    ev = events
    if action.events:
        ev, elog = _apply_events(action, events, focal)
        log += elog
    return Applied(flows=new_flows, corridors=graph, memberships=mem, events=ev, log=log)


def _flows_after(action: Action, flows, focal: str, log: list):
    """The flows with the action's flow changes (validated, merged once), the input unchanged;
    the changes are appended to ``log``."""
    from ...io.flows import FlowSet

    frame = flows.data if hasattr(flows, "data") else flows
    where = action.path or action.id
    need = ("year", "reporter", "partner", "domain", "indicator", "product", "value", "unit",
            "source")
    if action.flows and not set(need) <= set(frame.columns):
        raise ActionError(f"{where}: the action changes flows, but the flows table has columns "
                          f"{list(frame.columns)}; expected {list(need)}")
    changed: dict[int, int] = {}
    if action.flows:
        rows, changed = _apply_flows(action, frame, focal, where, log)
    if not changed:
        return flows if hasattr(flows, "data") else FlowSet(data=frame)
    return _merge(frame, rows, changed, focal, where, getattr(flows, "quarantine", None))


def _merge(frame: pd.DataFrame, rows: _Rows, changed: dict[int, int], focal: str, where: str,
           quarantine):
    """The changed and new rows, validated in one call, merged with the unchanged rows."""
    from ...io.flows import FlowSet, validate_frame

    table, order = _changed_frame(frame, rows, changed, focal)
    try:
        checked = validate_frame(table, source=where, first_line=0, lenient=True)
    except InputError as exc:
        raise ActionError(f"{where}: the changes give invalid flow rows: {exc}") from exc
    if len(checked.quarantine):
        problems = checked.quarantine.to_dict("records")
        shown = "\n".join(
            f"  {where} line {changed[order[int(p['line'])]]}: the change gives an invalid "
            f"flow row: column {p['column']!r}: {p['message']}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise ActionError(f"{where} line {changed[order[int(problems[0]['line'])]]}: the "
                          f"changes give {len(problems)} invalid flow row(s):\n{shown}{more}")
    added_data = checked.data
    added_data["line"] = np.asarray([changed[order[int(p)]] for p in added_data["line"]],
                                    dtype="int64")
    keep = np.ones(len(frame), dtype=bool)
    keep[[i for i in order if i < rows.n0]] = False
    base_data = frame[keep].reset_index(drop=True)
    if any(_pkey(rows.product[i]) is None for i in range(rows.n0, len(rows.year))):
        # a new row without a product makes the column generic (object), as appending
        # that row to the table did; the merged table keeps the same dtypes as before
        base_data["product"] = base_data["product"].astype(object)
    base = FlowSet(data=base_data)
    added = FlowSet(data=added_data.reset_index(drop=True))
    try:
        merged = base.concat(added)
    except InputError as exc:
        raise ActionError(f"{where}: the changed rows conflict with the data: {exc}") from exc
    if quarantine is not None and len(quarantine):
        merged = FlowSet(data=merged.data, quarantine=quarantine)
    return merged


#: the columns of an added event when there is no ledger to add it to: the embedded ledger's
#: (:func:`equipoise.datasets.load_events`)
_EVENT_ROW = ("date", "year", *(c for c in EVENT_COLUMNS if c != "date"))
#: problems listed in the message of an action whose events the ledger refuses
_LISTED = 20


def _apply_events(action: Action, events: pd.DataFrame | None, focal: str):
    """The events ledger with the action's events appended (dated by the event, else by the
    action; their actor the focal state, their source the action's), and their log.

    The joined ledger is checked by the one events validator
    (:func:`equipoise.io.events.check_events`, with a user's ledger's options), so an action
    cannot add a row the ledger would refuse (an unknown counterpart, the focal state as its
    own counterpart, no date). The given rows are kept as they are; the added ones as the
    validator types them, with ``line``/``file`` (when the ledger has them) pointing at the
    action file.

    Raises
    ------
    ActionError
        A row of the joined ledger is refused: every problem, each located by the action
        file and line of its ``[[event]]`` (a row of the given ledger by its file and line).
    """
    rows, log = [], []
    for e in action.events:
        date = e.date or action.date or ""
        rows.append({"date": date, "year": int(date[:4]) if date[:4].isdigit() else None,
                     "actor": focal, "counterpart": e.counterpart, "kind": e.kind,
                     "domains": ";".join(e.domains), "value_usd": e.value_usd,
                     "source": action.source})
        log.append({"table": "events", "op": "add", "line": e.line, **rows[-1]})
    new = pd.DataFrame(rows, columns=list(_EVENT_ROW))
    base = events if events is not None else new.iloc[:0]
    joined = pd.concat([base, new], ignore_index=True)
    try:
        checked = check_events(joined, source=action.path or action.id, first_line=0)
    except InputError as exc:
        _refuse_events(action, base, exc.issues)
    added = checked.data.iloc[len(base):].copy()
    added["line"] = np.asarray([e.line for e in action.events], dtype="int64")
    added["file"] = action.path or action.id
    cols = list(events.columns) if events is not None else list(_EVENT_ROW)
    added = added.reindex(columns=cols)
    if events is None:
        return added.reset_index(drop=True), log
    # the given ledger's dtypes (the embedded one's text is "str", the validator's "string"); a
    # user's frame of dtypes the added rows cannot take keeps concat's
    with contextlib.suppress(TypeError, ValueError):
        added = added.astype(events.dtypes.to_dict())
    return pd.concat([events, added], ignore_index=True) if len(events) else added, log


def _event_key(action: Action, k: int, column: str) -> str:
    """The key of the action file that gave ``column`` of the row of its ``k``-th event."""
    if column == "date" and not action.events[k].date:
        return "date" if action.date else \
            f"event[{k}].date (neither the event nor the action gives a date)"
    return {"actor": "focal (the event's actor)",
            "source": "sources[0] (the event's source)"}.get(column, f"event[{k}].{column}")


def _refuse_events(action: Action, base: pd.DataFrame, issues: list[dict]) -> None:
    """Raise the :class:`ActionError` of the problems (``issues`` of
    :func:`~equipoise.io.events.check_events` with ``first_line=0``: ``line`` is the position
    in the joined ledger) of the joined ledger: an added row's by the action file, line and key
    of its ``[[event]]``, a given row's by its file and line."""
    where = action.path or action.id
    n0 = len(base)
    located = "file" in base.columns and "line" in base.columns

    def place(p: dict) -> tuple[str, str]:
        """(file and line, key or column) of a problem."""
        i = int(p["line"])
        if i >= n0:
            k = i - n0
            return (f"{where} line {action.events[k].line}",
                    f"key {_event_key(action, k, p['column'])}")
        at = (f"{base['file'].iat[i]} line {base['line'].iat[i]}" if located
              else f"row {i + 1} of the events ledger")
        return at, f"column {p['column']!r}"

    shown = "\n".join("  {}, {}: ".format(*place(p)) + p["message"] for p in issues[:_LISTED])
    more = f"\n  ... and {len(issues) - _LISTED} more" if len(issues) > _LISTED else ""
    raise ActionError(f"{place(issues[0])[0]}: the events ledger with the action's events has "
                      f"{len(issues)} problem(s):\n{shown}{more}")


def _apply_corridors(action: Action, graph, focal: str):
    """The graph with the action's corridor changes (it keeps the flow systems it carries).
    The graph is an input: the doctrine layer never loads the shipped one itself."""
    from ...errors import CorridorError
    from ...risk.corridors import CorridorGraph

    where = action.path or action.id
    if graph is None:
        raise ActionError(
            f"{where}: the action changes corridors, but no corridor graph was given for "
            f"{focal}; give one (corridors=equipoise.context.resolve_corridors(focal, nodes, "
            "edges)): the front door equipoise.evaluate resolves the shipped graph, where one "
            "ships")
    g = graph
    nodes = g.nodes.copy()
    edges = g.edges.copy()
    log = []
    for ch in action.corridors:
        if ch.op == "add_edge":
            for nid, country in ((ch.source, ch.source_country), (ch.target, ch.target_country)):
                if nid not in set(nodes["id"]):
                    if not country:
                        raise ActionError(
                            f"{where} line {ch.line}: node {nid!r} is not in the corridor graph; "
                            f"give {'source' if nid == ch.source else 'target'}_country = ISO3 "
                            f"to create it (nodes: {', '.join(sorted(nodes['id'])[:30])} ...)")
                    nodes = pd.concat([nodes, pd.DataFrame([{
                        "id": nid, "country": country, "kind": "hub", "capacity": float("nan"),
                        "unit": ch.unit, "citation": ch.citation or action.source,
                        "note": f"added by action {action.id}"}])], ignore_index=True)
            edges = pd.concat([edges, pd.DataFrame([{
                "source": ch.source, "target": ch.target, "capacity": float(ch.capacity),
                "unit": ch.unit, "mode": ch.mode, "route": ch.route or action.id,
                "basis": "action", "citation": ch.citation or action.source,
                "note": f"added by action {action.id}"}])], ignore_index=True)
            log.append({"table": "corridors", "op": "add_edge", "line": ch.line,
                        "edge": f"{ch.source}->{ch.target}", "route": ch.route or action.id,
                        "before": 0.0, "after": float(ch.capacity),
                        "source_after": ch.citation or action.source})
            continue
        if ch.route:
            m = edges["route"] == ch.route
        else:
            m = (edges["source"] == ch.source) & (edges["target"] == ch.target)
        m &= edges["mode"] != "connector"
        if not m.any():
            known = sorted(set(edges["route"]) - {""})
            raise ActionError(f"{where} line {ch.line}: corridor change matches no edge "
                              f"(route={ch.route!r}, source={ch.source!r}, target={ch.target!r}); "
                              f"routes in the graph: {known}")
        for i in edges.index[m]:
            old = float(edges.at[i, "capacity"])
            new = old * float(ch.factor) if ch.op == "scale" else float(ch.capacity)
            edges.at[i, "capacity"] = new
            edges.at[i, "citation"] = ch.citation or action.source
            edges.at[i, "basis"] = "action"
            log.append({"table": "corridors", "op": ch.op, "line": ch.line,
                        "edge": f"{edges.at[i, 'source']}->{edges.at[i, 'target']}",
                        "route": edges.at[i, "route"], "before": old, "after": new,
                        "source_after": ch.citation or action.source})
    try:
        new = CorridorGraph.from_tables(nodes, edges, name=f"{g.name} + {action.id}"
                                        ).with_systems(g.systems, g.systems_from)
    except CorridorError as exc:
        raise ActionError(f"{where}: the corridor changes give an invalid graph: {exc}") from exc
    return new, log


def _apply_memberships(action: Action, mem: pd.DataFrame | None, focal: str):
    where = action.path or action.id
    m = reference.load("memberships") if mem is None else mem.copy()
    log = []
    for ch in action.memberships:
        year = ch.year or action.year
        if year is None:
            raise ActionError(f"{where} line {ch.line}: membership change needs a year "
                              "(year = YYYY, or the action's date)")
        own = (m["org"] == ch.org) & (m["country"] == focal)
        open_ = own & m["end_year"].isna()
        if ch.op == "join":
            if open_.any():
                raise ActionError(f"{where} line {ch.line}: {focal} is already in {ch.org} "
                                  f"(since {m.loc[open_, 'start_year'].iloc[0]}); expected an "
                                  "organisation it is not in")
            m = pd.concat([m, pd.DataFrame([{"org": ch.org, "country": focal,
                                             "start_year": year, "end_year": pd.NA,
                                             "status": ch.status,
                                             "source": action.source}])], ignore_index=True)
            log.append({"table": "memberships", "op": "join", "line": ch.line, "org": ch.org,
                        "year": year, "status": ch.status, "source_after": action.source})
        else:
            if not open_.any():
                raise ActionError(f"{where} line {ch.line}: {focal} is not in {ch.org}; cannot "
                                  "leave it")
            m.loc[open_, "end_year"] = year - 1
            log.append({"table": "memberships", "op": "leave", "line": ch.line, "org": ch.org,
                        "year": year, "source_after": action.source})
    for c in ("start_year", "end_year"):
        m[c] = pd.to_numeric(m[c], errors="coerce").astype("Int64")
    return m, log

