"""Downloads (GET ``/api/<view>.csv`` and ``.xlsx``): the tables of the CLI's ``--csv``/``--xlsx``
(:mod:`equipoise.present.exports`) for the same parameters as the JSON view."""

import re
from typing import Any

from fastapi import APIRouter, Query
from fastapi import Path as Path_
from fastapi.responses import Response

from ...risk.lossmodel import DEFAULT_LOSS_MODEL
from .deps import Dash, Dashboard
from .paths import scrub_paths

__all__ = ["router"]

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES = {200: {"description": "CSV (tables stacked, a leading 'table' column) or workbook",
               "content": {"text/csv": {}, _XLSX: {}}}}

router = APIRouter(tags=["downloads"], default_response_class=Response, responses=FILES)


def download(dash: Dashboard, obj: Any, kind: str, fmt: str, name: str) -> Response:
    """``obj`` (a view's JSON) as the CSV or workbook of ``equipoise <kind> --csv/--xlsx``; the
    workbook has a sources sheet."""
    from ..exports import csv_bytes, to_tables, xlsx_bytes

    tables = to_tables(scrub_paths(obj), kind)
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", f"equipoise-{name}.{fmt}")
    if fmt == "csv":
        body, media = csv_bytes(tables), "text/csv; charset=utf-8"
    else:
        import pandas as pd

        body = xlsx_bytes(tables, sources=pd.DataFrame(scrub_paths(dash.ctx.sources_json())))
        media = _XLSX
    return Response(body, media_type=media,
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


@router.get("/api/assess.{fmt}")
def api_assess_download(dash: Dash, fmt: str = Path_(..., pattern="^(csv|xlsx)$"),
                        year: int | None = Query(None, ge=1900, le=2100)):
    """The tables of `equipoise assess --csv FILE` (or `--xlsx FILE`, with a sources
    sheet): the same numbers as ``/api/assess``."""
    return download(dash, dash.ctx.assess_json(year), "assess", fmt,
                    f"assess-{dash.ctx.focal}" + (f"-{year}" if year else ""))


@router.get("/api/asymmetry.{fmt}")
def api_asymmetry_download(dash: Dash, fmt: str = Path_(..., pattern="^(csv|xlsx)$"),
                           year: int | None = Query(None, ge=1900, le=2100)):
    """Two-way dependence as a table (one row per pole and flow: both shares with their
    years, the ratio and its year, sources, note, why unknown): the same numbers as the
    ``asymmetry`` of ``/api/assess``, without the evidence rows."""
    from ...measures.asymmetry import table_frame

    return download(dash, table_frame(dash.ctx.asymmetry_json(year)["rows"]), "asymmetry", fmt,
                    f"asymmetry-{dash.ctx.focal}" + (f"-{year}" if year else ""))


@router.get("/api/shock.{fmt}")
def api_shock_download(dash: Dash, fmt: str = Path_(..., pattern="^(csv|xlsx)$"),
                       partner: str = Query(..., min_length=2, max_length=8),
                       domains: str | None = Query(None, max_length=200),
                       intensity: float = Query(1.0, ge=0.0, le=1.0),
                       loss_model: str = Query(DEFAULT_LOSS_MODEL,
                                               pattern="^(shares|corridors|max)$")):
    """The tables of `equipoise shock --csv FILE`: the same numbers as ``/api/shock``."""
    res = dash.ctx.shock_json(partner, domains, intensity, loss_model)
    return download(dash, res, "shock", fmt,
                    f"shock-{dash.ctx.focal}-{res.get('partner', 'x')}")


@router.get("/api/explain/{domain}.{fmt}")
def api_explain_download(dash: Dash, domain: str, fmt: str = Path_(..., pattern="^(csv|xlsx)$"),
                         year: int | None = Query(None, ge=1900, le=2100)):
    """The tables of `equipoise explain --domain DOMAIN --csv FILE`."""
    return download(dash, dash.ctx.explain_json(domain, year), "explain", fmt,
                    f"explain-{dash.ctx.focal}-{domain}")


@router.get("/api/sources.{fmt}")
def api_sources_download(dash: Dash, fmt: str = Path_(..., pattern="^(csv|xlsx)$"),
                         domain: str | None = None):
    """Every source behind the numbers (`equipoise sources --json` as a table)."""
    return download(dash, dash.ctx.sources_json(domain), "sources", fmt,
                    f"sources-{dash.ctx.focal}")


@router.get("/api/corridors.{fmt}")
def api_corridors_download(dash: Dash, fmt: str = Path_(..., pattern="^(csv|xlsx)$"),
                           system: str | None = None,
                           without: str | None = Query(None, max_length=200),
                           contingencies: int = Query(0, ge=0, le=2)):
    """The tables of `equipoise corridors --csv FILE`: the same numbers as
    ``/api/corridors``."""
    return download(dash, dash.ctx.corridors_json(system, without or (), contingencies),
                    "corridors", fmt, f"corridors-{dash.ctx.focal}")


@router.get("/api/simulate.{fmt}")
async def api_simulate_download(dash: Dash, fmt: str = Path_(..., pattern="^(csv|xlsx)$"),
                                runs: int = Query(20_000, ge=1_000, le=200_000),
                                seed: int = Query(0, ge=0, le=2**31 - 1)):
    """The tables of `equipoise simulate --csv FILE`: the same numbers as
    ``/api/simulate`` (run in the worker pool, as it is)."""
    res = await dash.pool.run(dash.ctx.montecarlo_json, runs=runs, seed=seed,
                              key=("simulate", runs, seed))
    return download(dash, res, "simulate", fmt, f"simulate-{dash.ctx.focal}-{runs}-{seed}")


@router.get("/api/alignment.{fmt}")
def api_alignment_download(dash: Dash, fmt: str = Path_(..., pattern="^(csv|xlsx)$"),
                           measure: str = "agree", by: str = "year",
                           start: int | None = Query(None, ge=1946, le=2100),
                           end: int | None = Query(None, ge=1946, le=2100),
                           reps: int = Query(300, ge=10, le=2000),
                           seed: int = Query(0, ge=0, le=2**31 - 1),
                           min_rollcalls: int = Query(10, ge=1, le=1000),
                           poles: str | None = Query(None, max_length=100)):
    """The tables of `equipoise align --csv FILE`: the same numbers as ``/api/alignment``."""
    res = dash.ctx.alignment_json(measure=measure, by=by, start=start, end=end, reps=reps,
                                  seed=seed, min_rollcalls=min_rollcalls, poles=poles)
    return download(dash, res, "align", fmt, f"align-{dash.ctx.focal}-{measure}")
