"""The world-panel pages (an :class:`~fastapi.APIRouter`): ``/trend`` and ``/peers``, their
JSON twins (``/api/trend``, ``/api/peers``) and downloads (``/api/trend.csv|xlsx``,
``/api/peers.csv|xlsx``).

The panel is the warehouse ``dash.settings.panel_db`` (``serve --panel FILE``); the numbers are
:meth:`~equipoise.present.views.Context.panel_json` (memoised per warehouse, years and
replicates). Without a panel the pages say how to build one and the API answers 404 with the
same text.
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import APIRouter, Query
from fastapi import Path as Path_
from fastapi.responses import HTMLResponse, Response

from ..._results import fmt_fixed
from ...errors import NoDataError, OptionError
from .. import report as R
from ..panel_section import PEER_YEARS, index_chart, trend_chart
from .deps import Dash, Dashboard
from .downloads import download

__all__ = ["NO_PANEL", "REPS", "router"]

NO_PANEL = ("no world panel: build one with `equipoise panel build --db FILE` and start the "
            "dashboard with `equipoise serve --panel FILE` (docs/panel.md)")
#: bootstrap replicates of the trend bands, the index intervals and the peer table
REPS = 200
FILES = {200: {"description": "CSV (tables stacked, a leading 'table' column) or workbook",
               "content": {"text/csv": {}}}}

router = APIRouter()


def panel_data(dash: Dashboard, years: tuple[int, ...] = PEER_YEARS) -> dict[str, Any]:
    """The trend, index and peer table of the dashboard's panel (404 without one)."""
    if dash.settings.panel_db is None:
        raise NoDataError(NO_PANEL)
    return dash.ctx.panel_json(dash.settings.panel_db, years=years, reps=REPS)


def years_of(text: str | None) -> tuple[int, ...]:
    """``?years=2010,2015`` as sorted distinct years (the default peer years when absent)."""
    if not text:
        return PEER_YEARS
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or not 1900 <= int(part) <= 2100:
            raise OptionError(f"years: {part!r} is not a year 1900-2100; expecting e.g. "
                              f"2010,2015,2023")
        out.append(int(part))
    return tuple(sorted(set(out)))


@router.get("/trend", response_class=HTMLResponse, include_in_schema=False)
def trend_page(dash: Dash):
    db = dash.settings.panel_db
    if db is None:
        return dash.page("panel_trend.html", active="trend", reason=NO_PANEL)
    d = panel_data(dash)
    tr = d["trend"]
    return dash.page("panel_trend.html", active="trend", tr=tr,
                     chart=dash.svg(("panel_trend", str(db)), lambda: trend_chart(tr)),
                     index_svg=dash.svg(("panel_index", str(db)),
                                        lambda: index_chart(d["index"], dash.ctx.focal)),
                     index=d["index"])


@router.get("/peers", response_class=HTMLResponse, include_in_schema=False)
def peers_page(dash: Dash, years: str | None = Query(None, max_length=100)):
    if dash.settings.panel_db is None:
        return dash.page("panel_peers.html", active="peers", reason=NO_PANEL)
    d = panel_data(dash, years_of(years))
    return dash.page("panel_peers.html", active="peers", peers=d["peers"],
                     years=",".join(str(y) for y in d["peer_years"]),
                     peer_tbl=peer_table(d["peers"]["records"], dash.ctx.focal))


@router.get("/api/trend", tags=["panel"])
def api_trend(dash: Dash) -> dict:
    """What `equipoise trend --focal FOCAL --json` prints (200 bootstrap replicates)."""
    return panel_data(dash)["trend"]


@router.get("/api/peers", tags=["panel"])
def api_peers(dash: Dash, years: str | None = Query(None, max_length=100)) -> dict:
    """The peer table: the balance index of the focal state and its default peers with
    the rank among them (``peer_rank``) and among all states (``rank``)."""
    return panel_data(dash, years_of(years))["peers"]


@router.get("/api/trend.{fmt}", tags=["downloads"], response_class=Response, responses=FILES)
def api_trend_download(dash: Dash, fmt: str = Path_(..., pattern="^(csv|xlsx)$")):
    """The tables of `equipoise trend --csv FILE`: series and shifts."""
    tr = panel_data(dash)["trend"]
    return download(dash, {"series": tr["series"], "shifts": tr["shifts"]}, "trend", fmt,
                    f"trend-{dash.ctx.focal}")


@router.get("/api/peers.{fmt}", tags=["downloads"], response_class=Response, responses=FILES)
def api_peers_download(dash: Dash, fmt: str = Path_(..., pattern="^(csv|xlsx)$"),
                       years: str | None = Query(None, max_length=100)):
    """The peer table as CSV or workbook."""
    return download(dash, {"peers": panel_data(dash, years_of(years))["peers"]["records"]},
                    "peers", fmt, f"peers-{dash.ctx.focal}")


def peer_table(records: list[dict], focal: str) -> dict:
    """The peer table of the ``/peers`` page (the focal state's rows marked)."""
    rows = [R._row([str(r["year"]), escape(r["state"]), fmt_fixed(r["index"]),
                    f"[{fmt_fixed(r['lower'])}, {fmt_fixed(r['upper'])}]",
                    "-" if r["peer_rank"] is None else f"{r['peer_rank']}/{r['peers_ranked']}",
                    "-" if r["rank"] is None else f"{r['rank']}/{r['ranked']}",
                    "-" if r["percentile"] is None else fmt_fixed(r['percentile'], 0),
                    escape(r["status"]), escape(r.get("note") or "")],
                   cls="focal" if r["state"] == focal else None) for r in records]
    return R._table(["year", "state", "index", "90 % interval", "peer rank", "world rank",
                     "percentile", "status", "note"], rows)
