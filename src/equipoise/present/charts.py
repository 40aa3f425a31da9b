"""Charts for the report and the dashboard: Altair specs rendered to static SVG by vl-convert.

Every function takes the JSON-ready results of :mod:`equipoise.present.views` (the same dicts the
API serves) and returns an ``altair`` chart; :func:`to_svg` turns one into an SVG string that is
inlined in the HTML, so the report opens without a network and the dashboard needs no
JavaScript charting library. No chart invents a number: each plots fields of its input.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

from .._results import fmt_share, fmt_sig

__all__ = [
    "alignment_chart",
    "contingency_chart",
    "corridor_chart",
    "critical_chart",
    "heatmap",
    "montecarlo_chart",
    "rules_chart",
    "shares_chart",
    "shock_chart",
    "to_svg",
    "whatif_chart",
]

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
POLE_COLOURS = ["#c0392b", "#2c6fbb", "#7d3c98", "#1e8449", "#b9770e", "#117a65"]
OTHER_COLOUR = "#c8ccd0"
WIDTH = 620


def _alt():
    import altair as alt

    return alt


def _config(chart):
    return (chart.configure(font=FONT, background="white")
            .configure_view(stroke=None)
            .configure_axis(labelFontSize=11, titleFontSize=11, grid=False)
            .configure_legend(labelFontSize=11, titleFontSize=11)
            .configure_title(fontSize=13, anchor="start", subtitleFontSize=11,
                             subtitleColor="#555"))


def to_svg(chart) -> str:
    """Static SVG of an Altair chart (vl-convert; no browser, no network)."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(_config(chart).to_dict())
    # drop the XML prolog so the SVG can be inlined in HTML
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2:].lstrip()
    return svg


def to_png(chart, scale: float = 2.0) -> bytes:
    """PNG bytes of an Altair chart (vl-convert)."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(_config(chart).to_dict(), scale=scale)


def _pole_scale(poles: list[str], others: list[str]):
    alt = _alt()
    dom = [*poles, *[o for o in others if o not in poles]]
    grey = ["#7f8c8d", "#95a5a6", "#a9b3b9", "#566573", "#839192", "#b2babb", "#5d6d7e",
            "#aab7b8", "#717d7e", "#99a3a4"]
    rng = [POLE_COLOURS[i % len(POLE_COLOURS)] for i in range(len(poles))]
    rng += [OTHER_COLOUR if o == "OTH" else grey[i % len(grey)]
            for i, o in enumerate(dom[len(poles):])]
    return alt.Scale(domain=dom, range=rng)


# ------------------------------------------------------------------------------ assessment

def heatmap(assess: dict, *, max_others: int = 10):
    """Partner x domain shares, poles pooled over their members (e.g. EU27), the pole each domain
    is given by the doctrine boxed, then the largest other partners."""
    alt = _alt()
    import pandas as pd

    poles = assess["doctrine"]["poles"]
    roles = {d: p for p, ds in assess["doctrine"]["roles"].items() for d in ds}
    domains = list(assess["domains"])
    pole_shares = assess["distinctness"].get("pole_shares", {})
    rows = []
    for d in domains:
        ps = pole_shares.get(d)
        shares = assess["domains"][d]["shares"]
        for p in poles:
            v = ps.get(p) if ps is not None else shares.get(p)
            rows.append({"partner": p, "domain": d, "share": v, "kind": "pole",
                         "role": roles.get(d) == p})
    from .. import reference

    members = set()
    for p in poles:
        if reference.is_group(p):
            members |= set(reference.expand_group(p))
    best: dict[str, float] = {}
    for d in domains:
        for p, s in assess["domains"][d]["shares"].items():
            if p in poles or p in members or p == "OTH":
                continue
            best[p] = max(best.get(p, 0.0), s or 0.0)
    others = [p for p, _ in sorted(best.items(), key=lambda kv: -kv[1])[:max_others]]
    for p in [*others, "OTH"]:
        for d in domains:
            v = assess["domains"][d]["shares"].get(p)
            rows.append({"partner": p, "domain": d, "share": v, "kind": "other", "role": False})
    df = pd.DataFrame(rows)
    df["label"] = df["share"].map(partial(fmt_share, digits=0, missing=""))
    df["share"] = df["share"].fillna(0.0)
    order = [*poles, *others, "OTH"]
    base = alt.Chart(df).encode(
        x=alt.X("domain:N", sort=domains, title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("partner:N", sort=order, title=None),
    )
    rect = base.mark_rect().encode(
        color=alt.Color("share:Q", scale=alt.Scale(scheme="blues", domain=[0, 1]),
                        legend=alt.Legend(title="share", format=".0%")),
        tooltip=["partner", "domain", alt.Tooltip("share:Q", format=".1%")])
    text = base.mark_text(fontSize=10).encode(
        text="label:N",
        color=alt.condition("datum.share > 0.55", alt.value("white"), alt.value("#222")))
    role = alt.Chart(df[df["role"]]).mark_rect(fill=None, stroke="#e67e22", strokeWidth=3).encode(
        x=alt.X("domain:N", sort=domains), y=alt.Y("partner:N", sort=order))
    return (rect + text + role).properties(
        width=min(WIDTH, 80 * len(domains)), height=22 * len(order),
        title=alt.Title(f"{assess['focal']}: partner x domain shares",
                        subtitle=["Poles pooled over their members; orange box: the pole the "
                                  "doctrine gives the domain; OTH: remainder to the world total"]))


def shares_chart(assess: dict, *, top: int = 5):
    """Per-domain partner shares as stacked bars (top partners named, the rest pooled)."""
    alt = _alt()
    import pandas as pd

    poles = assess["doctrine"]["poles"]
    rows = []
    for d, r in assess["domains"].items():
        items = sorted(((p, s) for p, s in r["shares"].items() if p != "OTH"), key=lambda kv: -kv[1])
        rest = sum(s for _, s in items[top:]) + r["shares"].get("OTH", 0.0)
        for i, (p, s) in enumerate(items[:top]):
            rows.append({"domain": d, "partner": p, "share": s, "order": i})
        if rest > 1e-9:
            rows.append({"domain": d, "partner": "OTH", "share": rest, "order": top + 1})
    df = pd.DataFrame(rows)
    df["label"] = [p if s >= 0.07 else "" for p, s in zip(df["partner"], df["share"], strict=True)]
    others = [*sorted(set(df["partner"]) - set(poles) - {"OTH"}), "OTH"]
    base = alt.Chart(df).encode(
        y=alt.Y("domain:N", sort=list(assess["domains"]), title=None),
        x=alt.X("share:Q", stack="zero", axis=alt.Axis(format=".0%"), title="share of the domain",
                scale=alt.Scale(domain=[0, 1])),
        order=alt.Order("order:Q"))
    bars = base.mark_bar(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color("partner:N", scale=_pole_scale(poles, others), legend=None),
        tooltip=["domain", "partner", alt.Tooltip("share:Q", format=".1%")])
    text = base.mark_text(align="center", dx=0, color="white", fontSize=10,
                          fontWeight="bold").encode(
        x=alt.X("mid:Q"), text="label:N").transform_stack(
        stack="share", groupby=["domain"], sort=[alt.SortField("order")],
        as_=["lo", "hi"]).transform_calculate(mid="(datum.lo + datum.hi) / 2")
    return (bars + text).properties(
        width=WIDTH - 100, height=26 * len(assess["domains"]),
        title=alt.Title("Partner shares per domain",
                        subtitle=[f"Top {top} partners named; poles coloured, others grey; "
                                  "OTH pools the rest"]))


def critical_chart(assess: dict):
    """Top-partner share (the largest in the domain's critical screen: the composite or one of
    its indicators) against substitutability; the critical zone shaded, margins labelled."""
    alt = _alt()
    import pandas as pd

    t = assess["doctrine"]["thresholds"]
    cs, ls = t["critical_share"], t["low_substitutability"]
    rows = []
    for d, r in assess["domains"].items():
        m = r["margins"]
        # the screen's worst entry: the domain composite or one of its indicators
        worst = max(r.get("screen") or [{"partner": r["top_partner"], "share": r["top_share"],
                                         "indicator": "(domain composite)"}],
                    key=lambda x: x["share"])
        where = "" if worst["indicator"] == "(domain composite)" else \
            f" ({worst['indicator'].split('.', 1)[-1]})"
        rows.append({"domain": d, "top_partner": worst["partner"], "top_share": worst["share"],
                     "substitutability": r["substitutability"], "critical": bool(r["critical"]),
                     "margin_share": m["critical_share"],
                     "margin_subst": m["low_substitutability"],
                     "label": f"{d}: {worst['partner']} {fmt_share(worst['share'])}{where}"})
    df = pd.DataFrame(rows)
    # labels of points at the same place are stacked downwards so they do not overprint
    df["k"] = df.groupby([df["substitutability"].round(3), df["top_share"].round(3)]).cumcount()
    df["ly"] = df["top_share"] - 0.04 * df["k"]
    zone = alt.Chart(pd.DataFrame([{"x": 0, "x2": ls, "y": cs, "y2": 1}])).mark_rect(
        color="#f5b7b1", opacity=0.5).encode(x="x:Q", x2="x2", y="y:Q", y2="y2")
    zone_text = alt.Chart(pd.DataFrame([{"x": 0.01, "y": 0.99, "t": "critical zone"}])).mark_text(
        align="left", baseline="top", color="#922b21", fontSize=10).encode(x="x:Q", y="y:Q",
                                                                         text="t:N")
    pts = alt.Chart(df).mark_point(filled=True, size=90).encode(
        x=alt.X("substitutability:Q", scale=alt.Scale(domain=[0, 1]),
                title="substitutability (0 = none)"),
        y=alt.Y("top_share:Q", scale=alt.Scale(domain=[0, 1.05], nice=False),
                axis=alt.Axis(format=".0%"),
                title="top partner's share"),
        color=alt.Color("critical:N", scale=alt.Scale(domain=[True, False],
                                                      range=["#c0392b", "#2c6fbb"]),
                        legend=alt.Legend(title="critical")),
        tooltip=["domain", "top_partner", alt.Tooltip("top_share:Q", format=".1%"),
                 "substitutability", "critical",
                 alt.Tooltip("margin_share:Q", format="+.2f", title="share - threshold"),
                 alt.Tooltip("margin_subst:Q", format="+.2f", title="bound - substitutability")])
    labels = alt.Chart(df).mark_text(align="left", dx=7, fontSize=10).encode(
        x="substitutability:Q", y="ly:Q", text="label:N")
    return (zone + zone_text + pts + labels).properties(
        width=WIDTH - 160, height=300,
        title=alt.Title("Critical dependencies",
                        subtitle=[f"Critical: top share >= {fmt_sig(cs, 6, thousands=False)} and substitutability <= {fmt_sig(ls, 6, thousands=False)} "
                                  "(shaded); the margins are in the table below"]))


def rules_chart(assess: dict, *, clip: float = 1.0):
    """The doctrine's rules with their margins (positive: holds with room; negative: broken)."""
    alt = _alt()
    import pandas as pd

    rows = []
    for r in assess["rules"]:
        m = r.get("margin")
        ok = m is not None and not (isinstance(m, float) and math.isnan(m))
        weak = r.get("status") == "insufficient"
        rows.append({"rule": r["name"], "margin": max(-clip, min(clip, m)) if ok else 0.0,
                     "label": fmt_sig(m, 3, thousands=False, signed=True) if ok else (f"insufficient ({r.get('reason')})"
                                                      if weak else "no data"),
                     "status": ("pass" if r["passed"] else "fail") if ok else "no data"})
    df = pd.DataFrame(rows)
    base = alt.Chart(df).encode(y=alt.Y("rule:N", sort=None, title=None,
                                        axis=alt.Axis(labelLimit=320)))
    bars = base.mark_bar().encode(
        x=alt.X("margin:Q", scale=alt.Scale(domain=[-clip, clip]),
                title=f"margin (clipped to +/-{fmt_sig(clip, 6, thousands=False)}; labels give the value)"),
        color=alt.Color("status:N", scale=alt.Scale(domain=["pass", "fail", "no data"],
                                                    range=["#27ae60", "#c0392b", "#aab7b8"]),
                        legend=alt.Legend(title=None, orient="bottom")),
        tooltip=["rule", "label", "status"])
    text = base.mark_text(align="left", dx=4, fontSize=10).encode(
        x=alt.value(WIDTH - 200 + 4), text="label:N")
    zero = alt.Chart(pd.DataFrame([{"x": 0}])).mark_rule(color="#444").encode(x="x:Q")
    return (bars + zero + text).properties(
        width=WIDTH - 200, height=17 * len(df),
        title=alt.Title("Doctrine rules", subtitle=["Margin to each threshold"]))


# ------------------------------------------------------------------------------ alignment

def alignment_chart(al: dict):
    """Alignment with each pole over time with bootstrap intervals, the spread across poles as a
    band, and below it the equidistance series against the doctrine's threshold."""
    alt = _alt()
    import pandas as pd

    s = pd.DataFrame(al["series"]).dropna(subset=["value"])
    e = pd.DataFrame(al["equidistance"]).dropna(subset=["value"])
    poles = al["poles"]
    s["period"] = s["period"].astype(int) if al["by"] in ("year", "session") else s["period"]
    band = s.groupby("period")["value"].agg(["min", "max"]).reset_index()
    colour = alt.Color("pole:N", scale=_pole_scale(poles, []), legend=alt.Legend(title="pole"))
    x = alt.X("period:Q", title=al["by"], axis=alt.Axis(format="d"))
    spread = alt.Chart(band).mark_area(color="#d5d8dc", opacity=0.6).encode(
        x=x, y="min:Q", y2="max:Q")
    ci = alt.Chart(s).mark_area(opacity=0.15).encode(
        x=x, y="lower:Q", y2="upper:Q",
        color=alt.Color("pole:N", scale=_pole_scale(poles, []), legend=None))
    lines = alt.Chart(s).mark_line(point=alt.OverlayMarkDef(size=12)).encode(
        x=x, y=alt.Y("value:Q", title=al["measure"]), color=colour,
        tooltip=["period", "pole", alt.Tooltip("value:Q", format=".3f"),
                 alt.Tooltip("lower:Q", format=".3f"), alt.Tooltip("upper:Q", format=".3f")])
    top = (spread + ci + lines).resolve_legend(color="independent").properties(
        width=WIDTH - 80, height=220,
        title=alt.Title(f"{al['focal']}: alignment with each pole ({al['measure']})",
                        subtitle=[al.get("definition", ""),
                                  f"Shaded per pole: {int(al['level'] * 100)}% bootstrap interval "
                                  f"over roll calls; grey band: spread across poles"]))
    thr = (al.get("threshold") or {}).get("equidistance_spread")
    eq_area = alt.Chart(e).mark_area(color="#5d6d7e", opacity=0.2).encode(
        x=x, y="lower:Q", y2="upper:Q")
    eq_line = alt.Chart(e).mark_line(color="#2c3e50", point=alt.OverlayMarkDef(size=12)).encode(
        x=x, y=alt.Y("value:Q", title="spread (max - min)"),
        tooltip=["period", alt.Tooltip("value:Q", format=".3f")])
    layers = [eq_area, eq_line]
    sub = "Equidistance: spread across poles with its interval"
    if thr is not None:
        layers.append(alt.Chart(pd.DataFrame([{"y": thr}])).mark_rule(
            color="#c0392b", strokeDash=[5, 3]).encode(y="y:Q"))
        sub += f"; dashed: the doctrine's bound {fmt_sig(thr, 6, thousands=False)}"
        if al["measure"] != "agree":
            sub += " (set for exact agreement)"
    bottom = alt.layer(*layers).properties(width=WIDTH - 80, height=130,
                                           title=alt.Title("Equidistance", subtitle=[sub]))
    return alt.vconcat(top, bottom, spacing=18)


# ------------------------------------------------------------------------------ corridors

def corridor_chart(drawing: dict):
    """One flow system drawn left to right: capacities on edges, the min cut in red."""
    alt = _alt()
    import pandas as pd

    nodes = pd.DataFrame(drawing["nodes"])
    edges = pd.DataFrame(drawing["edges"])
    unit = drawing.get("unit") or ""

    def cap(v):
        if v is None or (isinstance(v, float) and (math.isnan(v))):
            return ""
        return "inf" if math.isinf(v) or v > 1e12 else fmt_sig(v, 6, thousands=False)

    edges["label"] = edges["capacity"].map(cap)
    edges["mx"] = (edges["x"] + edges["x2"]) / 2
    edges["my"] = (edges["y"] + edges["y2"]) / 2
    edges["cut"] = edges["in_cut"].map({True: "min cut", False: "edge"})
    nodes["cut"] = nodes["in_cut"].map({True: "min cut", False: "node"})
    xs = alt.Scale(domain=[nodes["x"].min() - 0.4, nodes["x"].max() + 0.4])
    ys = alt.Scale(domain=[0, 1])
    noaxis = alt.Axis(labels=False, ticks=False, domain=False, title=None, grid=False)
    colour = alt.Color("cut:N", scale=alt.Scale(domain=["min cut", "edge", "node"],
                                                range=["#c0392b", "#95a5a6", "#2c3e50"]),
                       legend=None)
    e = alt.Chart(edges).mark_rule().encode(
        x=alt.X("x:Q", scale=xs, axis=noaxis), y=alt.Y("y:Q", scale=ys, axis=noaxis),
        x2="x2:Q", y2="y2:Q", color=colour,
        strokeWidth=alt.condition("datum.in_cut", alt.value(3.5), alt.value(1.3)),
        tooltip=["source", "target", "label", "mode", "basis"])
    el = alt.Chart(edges).mark_text(fontSize=9, dy=-5).encode(
        x=alt.X("mx:Q", scale=xs), y=alt.Y("my:Q", scale=ys), text="label:N",
        color=alt.condition("datum.in_cut", alt.value("#c0392b"), alt.value("#555")))
    n = alt.Chart(nodes).mark_circle(size=70).encode(
        x=alt.X("x:Q", scale=xs), y=alt.Y("y:Q", scale=ys), color=colour,
        tooltip=["id", "country", "kind", "capacity"])
    nodes["label"] = [f"{i} ({cap(c)})" if cap(c) else i
                      for i, c in zip(nodes["id"], nodes["capacity"], strict=True)]
    nl = alt.Chart(nodes).mark_text(fontSize=9, dy=11).encode(
        x=alt.X("x:Q", scale=xs), y=alt.Y("y:Q", scale=ys),
        text=alt.Text("label:N"))
    mf = drawing.get("max_flow")
    return (e + el + n + nl).properties(
        width=WIDTH, height=max(170, 42 * int(nodes.groupby("x").size().max())),
        title=alt.Title(f"{drawing['system']}: {drawing.get('description') or ''}",
                        subtitle=[f"Max flow {fmt_sig(mf, 6, thousands=False)} {unit} = min-cut capacity "
                                  f"{fmt_sig(drawing.get('min_cut_capacity', mf), 6, thousands=False)}",
                                  "Red: min-cut edges and split nodes (a node's own capacity in "
                                  "brackets); unlabelled edges: connectors without a limit"]))


def contingency_chart(corr: dict):
    """Share of each system's max flow lost when one country's nodes are removed (n-1)."""
    alt = _alt()
    import pandas as pd

    rows = []
    for s in corr["systems"]:
        for c in s.get("contingencies", []):
            if len(c["removed"]) == 1:
                rows.append({"system": s["system"], "country": c["removed"][0],
                             "lost_share": c["lost_share"], "label": fmt_share(c["lost_share"], 0, missing="")})
    if not rows:
        return None
    df = pd.DataFrame(rows)
    base = alt.Chart(df).encode(x=alt.X("system:N", title=None, axis=alt.Axis(orient="top",
                                                                            labelAngle=0)),
                                y=alt.Y("country:N", title=None))
    rect = base.mark_rect().encode(
        color=alt.Color("lost_share:Q", scale=alt.Scale(scheme="reds", domain=[0, 1]),
                        legend=alt.Legend(title="lost", format=".0%")),
        tooltip=["system", "country", alt.Tooltip("lost_share:Q", format=".1%")])
    text = base.mark_text(fontSize=10).encode(
        text="label:N", color=alt.condition("datum.lost_share > 0.55", alt.value("white"),
                                            alt.value("#222")))
    return (rect + text).properties(
        width=110 * df["system"].nunique(), height=20 * df["country"].nunique(),
        title=alt.Title("Corridor capacity lost without each country (n-1)",
                        subtitle=["Max flow with that country's nodes removed, as a share lost"]))


# ------------------------------------------------------------------------------ risk

def shock_chart(by_partner: list[dict]):
    """Loss of a full cut-off by each partner: weighted contribution of each domain to the
    total (bars add up to the total loss)."""
    alt = _alt()
    import pandas as pd

    rows = []
    for r in by_partner:
        w = r.get("weights") or {d: 1.0 for d in r["losses"]}
        den = sum(w.values()) or 1.0
        for d, v in r["losses"].items():
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            rows.append({"partner": r["partner"], "domain": d,
                         "contribution": w.get(d, 1.0) * v / den, "loss": v,
                         "total": r["total"]})
    if not rows:
        return None
    df = pd.DataFrame(rows)
    order = (df.groupby("partner")["contribution"].sum().sort_values(ascending=False)
             .index.tolist())
    bars = alt.Chart(df).mark_bar().encode(
        y=alt.Y("partner:N", sort=order, title=None),
        x=alt.X("contribution:Q", stack="zero", axis=alt.Axis(format=".0%"),
                title="weighted loss (all domains)"),
        color=alt.Color("domain:N", scale=alt.Scale(scheme="tableau10"),
                        legend=alt.Legend(title="domain")),
        tooltip=["partner", "domain", alt.Tooltip("loss:Q", format=".1%"),
                 alt.Tooltip("contribution:Q", format=".1%")])
    tot = df.groupby("partner", as_index=False)["total"].first()
    tot["label"] = tot["total"].map(lambda v: fmt_share(v))
    text = alt.Chart(tot).mark_text(align="left", dx=4, fontSize=10).encode(
        y=alt.Y("partner:N", sort=order), x="total:Q", text="label:N")
    return (bars + text).properties(
        width=WIDTH - 180, height=22 * len(order),
        title=alt.Title("Shock losses by partner (full cut-off)",
                        subtitle=["loss_d = intensity x share x (1 - substitutability); bars: "
                                  "each domain's weighted part of the total"]))


def whatif_chart(sh: dict):
    """Loss per domain of one shock (share of the domain lost), with the corridor-model loss
    where one was computed."""
    alt = _alt()
    import pandas as pd

    rows = []
    for d, v in sh["losses"].items():
        if v is None:
            continue
        rows.append({"domain": d, "loss": v, "label": fmt_share(v, 0, missing="") if v >= 0.005 else
                     ("<1%" if v > 0 else "0%")})
    df = pd.DataFrame(rows)
    if df.empty:
        return None
    bars = alt.Chart(df).mark_bar(color="#c0392b").encode(
        y=alt.Y("domain:N", sort=list(sh["losses"]), title=None),
        x=alt.X("loss:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%"),
                title="share of the domain lost"),
        tooltip=["domain", alt.Tooltip("loss:Q", format=".1%")])
    text = alt.Chart(df).mark_text(align="left", dx=4, fontSize=11).encode(
        y=alt.Y("domain:N", sort=list(sh["losses"])), x="loss:Q", text="label:N")
    return (bars + text).properties(
        width=WIDTH - 200, height=24 * len(df),
        title=alt.Title(f"{sh['partner']} cut off at intensity {fmt_sig(sh['intensity'], 6, thousands=False)}",
                        subtitle=[f"Total (weighted): {fmt_share(sh['total'])}"]))


def montecarlo_chart(mc: dict):
    """Loss distribution of the Monte Carlo scenarios with VaR and CVaR marked.

    ``mc`` needs ``losses`` (a sample or histogram as ``{"bins": [...], "counts": [...]}``),
    ``var``, ``cvar`` and ``level``.
    """
    alt = _alt()
    import pandas as pd

    hist = mc.get("histogram")
    if hist:
        edges, counts = hist["bins"], hist["counts"]
        df = pd.DataFrame({"lo": edges[:-1], "hi": edges[1:], "count": counts})
    else:
        import numpy as np

        counts, edges = np.histogram(np.asarray(mc["losses"], dtype=float), bins=40)
        df = pd.DataFrame({"lo": edges[:-1], "hi": edges[1:], "count": counts})
    bars = alt.Chart(df).mark_bar(color="#5d6d7e").encode(
        x=alt.X("lo:Q", title="total loss (weighted)", axis=alt.Axis(format=".0%")), x2="hi:Q",
        y=alt.Y("count:Q", title="scenarios (square-root scale)",
                scale=alt.Scale(type="sqrt", domainMin=0)), y2=alt.datum(0),
        tooltip=[alt.Tooltip("lo:Q", format=".1%"), alt.Tooltip("hi:Q", format=".1%"), "count"])
    level = mc.get("level", 0.95)
    marks = pd.DataFrame([{"x": mc["var"], "what": f"VaR {fmt_share(level, 0)} = {fmt_share(mc['var'])}"},
                          {"x": mc["cvar"], "what": f"CVaR {fmt_share(level, 0)} = {fmt_share(mc['cvar'])}"}])
    rules = alt.Chart(marks).mark_rule(strokeWidth=2).encode(
        x="x:Q", color=alt.Color("what:N", scale=alt.Scale(domain=list(marks["what"]),
                                                           range=["#e67e22", "#c0392b"]),
                                 legend=alt.Legend(title=None, orient="top")))
    return (bars + rules).properties(
        width=WIDTH - 80, height=220,
        title=alt.Title("Monte Carlo loss distribution",
                        subtitle=[f"{mc.get('n', len(mc.get('losses', [])))} scenarios of "
                                  "correlated partner disruptions"]))


def render_all(charts: dict[str, Any]) -> dict[str, str]:
    """SVG for each chart that is not None."""
    return {k: to_svg(c) for k, c in charts.items() if c is not None}
