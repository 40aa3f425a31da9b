"""The flow application of actions as it was before issue 14 (one DataFrame operation per
change, one validation per changed row): kept verbatim as the reference the vectorised
:func:`equipoise.doctrine.actions.apply_action` must reproduce exactly."""

from __future__ import annotations

import pandas as pd

from equipoise import reference
from equipoise.doctrine.actions import Action, Applied
from equipoise.doctrine.actions.apply import _apply_corridors, _apply_memberships
from equipoise.errors import ActionError, InputError


def _domain_years(frame: pd.DataFrame, focal: str) -> dict[str, int]:
    df = frame[frame["reporter"] == focal]
    return {d: int(y) for d, y in df.groupby("domain")["year"].max().items()}


def _same_product(s: pd.Series, product: str | None) -> pd.Series:
    if product is None or (isinstance(product, float) and pd.isna(product)):
        return s.isna()
    return s == product


def remove_baseline(action: Action, flows, *, focal: str):
    """The flows without the rows named by the action's ``[[baseline]]`` selectors (the
    initiative taken out), with the reporter's WLD total reduced by what was removed.

    Returns ``(flows, log)``. Raises :class:`ActionError` when a selector matches nothing.
    """
    from equipoise.io.flows import FlowSet

    if not action.baseline:
        return flows, []
    frame = flows.data if hasattr(flows, "data") else flows
    data = frame.copy()
    ind = reference.indicator_table()
    log = []
    where = action.path or action.id
    for b in action.baseline:
        m = ((data["year"] == b.year) & (data["reporter"] == focal) & (data["partner"] == b.partner)
             & (data["indicator"] == b.indicator))
        if b.product is not None:
            m &= data["product"] == b.product
        if b.source is not None:
            m &= data["source"] == b.source
        if not m.any():
            raise ActionError(f"{where} line {b.line}: baseline selector matches no row (year="
                              f"{b.year}, partner={b.partner}, indicator={b.indicator}, product="
                              f"{b.product!r}, source={b.source!r})")
        removed = float(data.loc[m, "value"].sum())
        for r in data.loc[m].to_dict("records"):
            log.append({"table": "baseline", "op": "remove", "line": b.line, "year": b.year,
                        "partner": b.partner, "indicator": b.indicator,
                        "product": r["product"], "before": r["value"], "after": None,
                        "source_before": r["source"], "source_after": None,
                        "row_before": f"{r['file']} line {int(r['line'])}"})
        data = data[~m]
        if ind.at[b.indicator, "unit"] != "%" and ind.at[b.indicator, "kind"] != "score":
            w = ((data["year"] == b.year) & (data["reporter"] == focal) & (data["partner"] == "WLD")
                 & (data["indicator"] == b.indicator) & data["product"].isna())
            if w.any():
                i = data.index[w][0]
                old = float(data.at[i, "value"])
                data.loc[i, "value"] = max(0.0, old - removed)
                log.append({"table": "baseline", "op": "total", "line": b.line, "year": b.year,
                            "partner": "WLD", "indicator": b.indicator, "product": None,
                            "before": old, "after": float(data.at[i, "value"]),
                            "source_before": data.at[i, "source"], "source_after": None,
                            "row_before": f"{data.at[i, 'file']} line {int(data.at[i, 'line'])}"})
    q = getattr(flows, "quarantine", None)
    out = FlowSet(data=data.reset_index(drop=True)) if q is None or not len(q) else \
        FlowSet(data=data.reset_index(drop=True), quarantine=q)
    return out, log


def apply_action(action: Action, flows, *, focal: str, corridors=None,
                 memberships: pd.DataFrame | None = None,
                 events: pd.DataFrame | None = None) -> Applied:
    """Apply ``action`` and return new tables (the inputs are not modified).

    Raises
    ------
    ActionError
        A change matches nothing, or a new row fails validation (naming the action file and
        line of the change).
    """
    from equipoise.io.flows import FlowSet, validate_frame

    frame = flows.data if hasattr(flows, "data") else flows
    quarantine = getattr(flows, "quarantine", None)
    data = frame.copy()
    ind = reference.indicator_table()
    years = _domain_years(data, focal) if action.flows else {}
    log: list[dict] = []
    where = action.path or action.id

    changed: dict = {}  # index in ``data`` -> line of the change (the last one wins)

    def add_delta(year: int, indicator: str, partner: str, product, delta: float,
                  src: str, line: int, op: str, set_value: float | None = None) -> None:
        nonlocal data
        m = ((data["year"] == year) & (data["reporter"] == focal) & (data["partner"] == partner)
             & (data["indicator"] == indicator) & _same_product(data["product"], product))
        if m.any():
            i = data.index[m][0]
            old = float(data.at[i, "value"])
            new = set_value if set_value is not None else old + delta
            where_before = (f"{data.at[i, 'file']} line {int(data.at[i, 'line'])}"
                            if i not in changed else f"{where} line {changed[i]}")
            log.append({"table": "flows", "op": op, "line": line, "year": year,
                        "partner": partner, "indicator": indicator, "product": product,
                        "before": old, "after": new, "source_before": data.at[i, "source"],
                        "source_after": src, "row_before": where_before})
            data.loc[i, "value"] = new
            data.loc[i, "source"] = src
            changed[i] = line
        else:
            value = set_value if set_value is not None else delta
            log.append({"table": "flows", "op": op, "line": line, "year": year,
                        "partner": partner, "indicator": indicator, "product": product,
                        "before": None, "after": value, "source_before": None,
                        "source_after": src, "row_before": None})
            i = (int(data.index.max()) + 1) if len(data) else 0
            row = pd.DataFrame([{"year": year, "reporter": focal, "partner": partner,
                                 "domain": ind.at[indicator, "domain"], "indicator": indicator,
                                 "product": product, "value": value,
                                 "unit": ind.at[indicator, "unit"], "source": src,
                                 "file": where, "line": line}], index=[i])
            data = pd.concat([data, row]) if len(data) else row
            changed[i] = line

    ind_years = {i: int(y) for i, y in
                 data[data["reporter"] == focal].groupby("indicator")["year"].max().items()} \
        if action.flows else {}
    for ch in action.flows:
        src = ch.source or action.source
        dom = ind.at[ch.indicator, "domain"]
        year = ch.year if ch.year is not None else ind_years.get(
            ch.indicator, years.get(dom, action.year))
        if year is None:
            raise ActionError(f"{where} line {ch.line}: flow change for {ch.indicator}: the "
                              f"focal state {focal} has no data in domain {dom!r} and the "
                              "change gives no 'year'; add year = YYYY")
        unit = ind.at[ch.indicator, "unit"]
        total_moves = unit != "%" and ind.at[ch.indicator, "kind"] != "score"
        delta_total = 0.0
        if ch.op == "scale":
            m = ((data["year"] == year) & (data["reporter"] == focal)
                 & (data["partner"] == ch.partner) & (data["indicator"] == ch.indicator))
            if ch.product is not None:
                m &= data["product"] == ch.product
            if not m.any():
                raise ActionError(
                    f"{where} line {ch.line}: scale matches no row (year={year}, "
                    f"partner={ch.partner}, indicator={ch.indicator}, product={ch.product!r}); "
                    f"rows of {ch.indicator} for {focal}: years "
                    f"{sorted(data.loc[data['indicator'] == ch.indicator, 'year'].unique().tolist())}")
            for i in list(data.index[m]):
                r = data.loc[i]
                old = float(r["value"])
                prod = None if pd.isna(r["product"]) else r["product"]
                add_delta(year, ch.indicator, ch.partner, prod, 0.0, src, ch.line,
                          "scale", set_value=old * float(ch.factor))
                delta_total += old * (float(ch.factor) - 1.0)
        elif ch.op == "add":
            add_delta(year, ch.indicator, ch.partner, ch.product, float(ch.value), src, ch.line,
                      "add")
            delta_total = float(ch.value)
        else:  # set
            m = ((data["year"] == year) & (data["partner"] == ch.partner)
                 & (data["reporter"] == focal) & (data["indicator"] == ch.indicator)
                 & _same_product(data["product"], ch.product))
            old = float(data.loc[m, "value"].sum()) if m.any() else 0.0
            add_delta(year, ch.indicator, ch.partner, ch.product, 0.0, src, ch.line, "set",
                      set_value=float(ch.value))
            delta_total = float(ch.value) - old
        if total_moves and delta_total != 0.0:
            w = ((data["year"] == year) & (data["reporter"] == focal) & (data["partner"] == "WLD")
                 & (data["indicator"] == ch.indicator) & data["product"].isna())
            if w.any():
                i = data.index[w][0]
                add_delta(year, ch.indicator, "WLD", None, 0.0, src, ch.line, "total",
                          set_value=max(0.0, float(data.at[i, "value"]) + delta_total))
    if changed:
        validated = []
        for i, line in changed.items():
            one = data.loc[[i], ["year", "reporter", "partner", "domain", "indicator", "product",
                                 "value", "unit", "source"]]
            try:
                validated.append(validate_frame(one, source=where, first_line=line).data)
            except InputError as exc:
                raise ActionError(f"{where} line {line}: the change gives an invalid flow row: "
                                  f"{exc}") from exc
        base = FlowSet(data=data.drop(index=list(changed)).reset_index(drop=True))
        added = FlowSet(data=pd.concat(validated, ignore_index=True))
        try:
            merged = base.concat(added)
        except InputError as exc:
            raise ActionError(f"{where}: the changed rows conflict with the data: {exc}") from exc
        if quarantine is not None and len(quarantine):
            merged = FlowSet(data=merged.data, quarantine=quarantine)
        new_flows = merged
    else:
        new_flows = flows if hasattr(flows, "data") else FlowSet(data=frame)

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
        rows = []
        for e in action.events:
            date = e.date or action.date or ""
            rows.append({"date": date, "year": int(date[:4]) if date[:4].isdigit() else None,
                         "actor": focal, "counterpart": e.counterpart, "kind": e.kind,
                         "domains": ";".join(e.domains), "value_usd": e.value_usd,
                         "source": action.source})
            log.append({"table": "events", "op": "add", "line": e.line, **rows[-1]})
        ev = pd.concat([events, pd.DataFrame(rows)], ignore_index=True) \
            if events is not None else pd.DataFrame(rows)
    return Applied(flows=new_flows, corridors=graph, memberships=mem, events=ev, log=log)
