"""The report's "Trend and peers" section and its charts, from the world panel.

Without a panel (no ``--db``, or a warehouse without the table ``panel``) the section is
unavailable and says how to build one. With a panel: each domain's pole shares over time with
their bootstrap bands (:func:`equipoise.panel.trend.trend`), the balance index of the focal
state over time with its 90 % interval, and the peer table with ranks
(:func:`equipoise.panel.peers.peer_table`) for the latest years the panel covers.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from .._results import fmt_fixed

__all__ = ["PEER_YEARS", "has_panel", "index_chart", "panel_data", "trend_chart", "trend_section"]

#: the years of the peer table when the panel covers them (else its latest years)
PEER_YEARS = (2010, 2015, 2023)
BUILD_HINT = ("no world panel was given: build one with `equipoise panel build --db FILE` "
              "and pass `--db FILE` to the report (docs/panel.md)")


def has_panel(db: str | Path) -> bool:
    """Whether the warehouse ``db`` exists and holds a built ``panel``."""
    from ..errors import EquipoiseError
    from ..panel.show import open_panel

    try:
        open_panel(db).close()
    except (EquipoiseError, OSError):
        return False
    return True


def panel_data(focal: str, db: str | Path, *, reps: int = 200, seed: int = 12345,
               years: tuple[int, ...] = PEER_YEARS, doctrine=None) -> dict[str, Any]:
    """Everything the section and the dashboard pages show: ``trend`` (series, shifts),
    ``index`` (the focal state's index records over all years) and ``peers`` (the peer
    table for ``years``, or the panel's last three years with an index when none of
    ``years`` has one). ``doctrine``: its poles and weights (the shipped one when None,
    resolved by :mod:`equipoise.context`)."""
    from ..context import resolve_doctrine
    from ..panel.index import balance_index
    from ..panel.peers import peer_table
    from ..panel.trend import trend

    doc = resolve_doctrine(doctrine)
    tr = trend(focal, db, reps=reps, seed=seed, poles=doc.poles).to_dict()
    idx = balance_index(db, states=[focal], reps=reps, seed=seed, doctrine=doc).records()
    have = sorted({r["year"] for r in idx if r["index"] is not None})
    want = [y for y in years if y in have] or have[-3:]
    peers = peer_table(focal, db, years=want, reps=reps, seed=seed,
                       doctrine=doc) if want else {
        "records": [], "peers": []}
    return {"trend": tr, "index": idx, "peers": peers, "peer_years": want}


def trend_chart(tr: dict):
    """Pole shares over time per domain (lines) with their 90 % bootstrap bands (areas)."""
    import pandas as pd

    from . import charts as C

    alt = C._alt()
    s = pd.DataFrame([r for r in tr["series"] if r["status"] == "ok"])
    if s.empty:
        return None
    poles = tr["poles"]
    colour = alt.Color("pole:N", scale=C._pole_scale(poles, []), legend=alt.Legend(title="pole"))
    x = alt.X("year:Q", axis=alt.Axis(format="d"), title=None)
    band = alt.Chart().mark_area(opacity=0.18).encode(x=x, y="lower:Q", y2="upper:Q",
                                                     color=colour)
    line = alt.Chart().mark_line(point=alt.OverlayMarkDef(size=10)).encode(
        x=x, y=alt.Y("share:Q", title="pole share", axis=alt.Axis(format="%")), color=colour,
        tooltip=["year", "domain", "pole", alt.Tooltip("share:Q", format=".3f"),
                 alt.Tooltip("lower:Q", format=".3f"), alt.Tooltip("upper:Q", format=".3f")])
    return alt.layer(band, line, data=s).properties(width=C.WIDTH - 120, height=150).facet(
        row=alt.Row("domain:N", title=None)).properties(title=alt.Title(
            f"{tr['focal']}: pole shares per domain over time",
            subtitle="Shaded: 90 % bootstrap band over the domain's indicators (none where a "
                     "domain has one indicator)"))


def index_chart(records: list[dict], focal: str):
    """The focal state's balance index over time with its 90 % interval."""
    import pandas as pd

    from . import charts as C

    alt = C._alt()
    df = pd.DataFrame([r for r in records if r.get("index") is not None])
    if df.empty:
        return None
    df = df[["year", "index", "lower", "upper", "status"]]
    x = alt.X("year:Q", axis=alt.Axis(format="d"), title=None)
    band = alt.Chart(df).mark_area(color="#2c6fbb", opacity=0.2).encode(
        x=x, y="lower:Q", y2="upper:Q")
    line = alt.Chart(df).mark_line(color="#2c6fbb", point=True).encode(
        x=x, y=alt.Y("index:Q", title="balance index (1 = balanced)",
                     scale=alt.Scale(domain=[0, 1])),
        shape=alt.Shape("status:N", title="status"),
        tooltip=["year", alt.Tooltip("index:Q", format=".3f"),
                 alt.Tooltip("lower:Q", format=".3f"), alt.Tooltip("upper:Q", format=".3f"),
                 "status"])
    return (band + line).properties(width=C.WIDTH - 80, height=200, title=alt.Title(
        f"{focal}: balance index over time",
        subtitle="Shaded: 90 % bootstrap interval; 'partial': not all components available "
                 "(not ranked)"))


def trend_section(focal: str, db: str | Path | None, *, reps: int = 200,
                  seed: int = 12345) -> dict:
    """The report section (the shape of :func:`equipoise.present.report._section`)."""
    from . import charts as C
    from .report import _row, _section, _table

    sec = _section("trend", "Trend and peers",
                   "From the world panel: each domain's pole shares over time with bootstrap "
                   "bands, the balance index over time with its interval, and the rank among "
                   "the default peer group (states that hedge between the same poles).")
    if db is None:
        sec.update(available=False, reason=BUILD_HINT)
        return sec
    data = panel_data(focal, db, reps=reps, seed=seed)
    tr = data["trend"]
    ch = trend_chart(tr)
    if ch is not None:
        sec["charts"].append(C.to_svg(ch))
    ch = index_chart(data["index"], focal)
    if ch is not None:
        sec["charts"].append(C.to_svg(ch))
    rows = [_row([html.escape(r["domain"]), html.escape(r["pole"]), str(r["year"]),
                  f"{fmt_fixed(r['before'])} ({r['before_years']})",
                  f"{fmt_fixed(r['after'])} ({r['after_years']})", fmt_fixed(r['p_value'], 4)])
            for r in tr["shifts"]]
    sec["tables"].append(_table(["domain", "pole", "year", "before", "after", "p"], rows,
                                f"Level shifts ({tr['shift_method']})"))
    rows = [_row([str(r["year"]), html.escape(r["state"]), fmt_fixed(r["index"]),
                  f"[{fmt_fixed(r['lower'])}, {fmt_fixed(r['upper'])}]",
                  "-" if r["peer_rank"] is None else f"{r['peer_rank']}/{r['peers_ranked']}",
                  "-" if r["rank"] is None else f"{r['rank']}/{r['ranked']}",
                  html.escape(r["status"])], cls="focal" if r["state"] == focal else None)
            for r in data["peers"]["records"]]
    sec["tables"].append(_table(["year", "state", "index", "90 % interval", "peer rank",
                                 "world rank", "status"], rows,
                                "Peer table: rank among the peer group's states with all "
                                "components (peer rank) and among all states (world rank)"))
    insufficient = sorted({r["domain"] for r in tr["series"] if r["status"] == "insufficient"
                           and r["year"] is None})
    sec["notes"] = [*tr.get("notes", []),
                    *(f"{d}: no panel rows for {focal}" for d in insufficient),
                    "Peers: reference/peer_groups.csv (each membership cited); method: "
                    "docs/methods.md, 'Trends and level shifts' and 'The balance index'"]
    return sec
