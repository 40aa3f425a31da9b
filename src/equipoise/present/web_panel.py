"""The dashboard's world-panel pages: ``/trend`` and ``/peers``, their JSON twins
(``/api/trend``, ``/api/peers``) and downloads (``/api/trend.csv|xlsx``,
``/api/peers.csv|xlsx``).

The routes are added by :func:`add_routes` from the app factory, with the factory's own
``page`` (template rendering), ``svg`` (cached chart rendering) and ``download`` helpers, so
this module does not depend on how the app is laid out. Without a panel (``serve --panel
FILE``) the pages say how to build one and the API answers 404 with the same text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import NoDataError, OptionError

__all__ = ["NO_PANEL", "add_routes"]

NO_PANEL = ("no world panel: build one with `equipoise panel build --db FILE` and start the "
            "dashboard with `equipoise serve --panel FILE` (docs/panel.md)")
REPS = 200


def add_routes(app, *, ctx, page, svg, download, panel_db: str | Path | None,
               reps: int = REPS) -> None:
    """Add the trend and peers pages, JSON and downloads to the FastAPI ``app``."""
    from fastapi import Path as Path_
    from fastapi import Query
    from fastapi.responses import HTMLResponse, Response

    from . import report as R
    from .panel_section import PEER_YEARS, index_chart, trend_chart

    def data(years: tuple[int, ...] = PEER_YEARS) -> dict[str, Any]:
        if panel_db is None:
            raise NoDataError(NO_PANEL)
        from .panel_section import panel_data

        return ctx._cached(("panel_data", str(panel_db), years, reps),
                           lambda: panel_data(ctx.focal, panel_db, reps=reps, years=years))

    def years_of(text: str | None) -> tuple[int, ...]:
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

    @app.get("/trend", response_class=HTMLResponse, include_in_schema=False)
    def trend_page():
        if panel_db is None:
            return page("panel_trend.html", active="trend", reason=NO_PANEL)
        d = data()
        tr = d["trend"]
        return page("panel_trend.html", active="trend", tr=tr,
                    chart=svg(("panel_trend", str(panel_db)), lambda: trend_chart(tr)),
                    index_svg=svg(("panel_index", str(panel_db)),
                                  lambda: index_chart(d["index"], ctx.focal)),
                    index=d["index"])

    @app.get("/peers", response_class=HTMLResponse, include_in_schema=False)
    def peers_page(years: str | None = Query(None, max_length=100)):
        if panel_db is None:
            return page("panel_peers.html", active="peers", reason=NO_PANEL)
        ys = years_of(years)
        d = data(ys)
        return page("panel_peers.html", active="peers", peers=d["peers"],
                    years=",".join(str(y) for y in d["peer_years"]),
                    peer_tbl=_peer_table(R, d["peers"]["records"], ctx.focal))

    @app.get("/api/trend", tags=["panel"])
    def api_trend() -> dict:
        """What `equipoise trend --focal FOCAL --json` prints (200 bootstrap replicates)."""
        return data()["trend"]

    @app.get("/api/peers", tags=["panel"])
    def api_peers(years: str | None = Query(None, max_length=100)) -> dict:
        """The peer table: the balance index of the focal state and its default peers with
        the rank among them (``peer_rank``) and among all states (``rank``)."""
        return data(years_of(years))["peers"]

    files = {200: {"description": "CSV (tables stacked, a leading 'table' column) or workbook",
                   "content": {"text/csv": {}}}}

    @app.get("/api/trend.{fmt}", tags=["downloads"], response_class=Response, responses=files)
    def api_trend_download(fmt: str = Path_(..., pattern="^(csv|xlsx)$")):
        """The tables of `equipoise trend --csv FILE`: series and shifts."""
        tr = data()["trend"]
        return download({"series": tr["series"], "shifts": tr["shifts"]}, "trend", fmt,
                        f"trend-{ctx.focal}")

    @app.get("/api/peers.{fmt}", tags=["downloads"], response_class=Response, responses=files)
    def api_peers_download(fmt: str = Path_(..., pattern="^(csv|xlsx)$"),
                           years: str | None = Query(None, max_length=100)):
        """The peer table as CSV or workbook."""
        return download({"peers": data(years_of(years))["peers"]["records"]}, "peers", fmt,
                        f"peers-{ctx.focal}")


def _peer_table(R, records: list[dict], focal: str) -> dict:
    def num(v):
        return "-" if v is None else f"{v:.3f}"

    from html import escape

    rows = [R._row([str(r["year"]), escape(r["state"]), num(r["index"]),
                    f"[{num(r['lower'])}, {num(r['upper'])}]",
                    "-" if r["peer_rank"] is None else f"{r['peer_rank']}/{r['peers_ranked']}",
                    "-" if r["rank"] is None else f"{r['rank']}/{r['ranked']}",
                    "-" if r["percentile"] is None else f"{r['percentile']:.0f}",
                    escape(r["status"]), escape(r.get("note") or "")],
                   cls="focal" if r["state"] == focal else None) for r in records]
    return R._table(["year", "state", "index", "90 % interval", "peer rank", "world rank",
                     "percentile", "status", "note"], rows)
