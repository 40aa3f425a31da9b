"""The JSON API under ``/api`` (schema at ``/api/openapi.json``): what the CLI's ``--json``
prints, computed by the same functions (:mod:`equipoise.present.views`). The downloads
(:mod:`.downloads`) are included here, before ``/api/explain/{domain}``, which would otherwise
take ``/api/explain/trade.csv`` for the domain ``trade.csv``."""

from fastapi import APIRouter, File, Form, Query, UploadFile

from ... import __version__
from ...risk.lossmodel import DEFAULT_LOSS_MODEL
from ..views import capabilities
from . import downloads
from .deps import Dash
from .uploads import read_upload

__all__ = ["router"]

router = APIRouter()


@router.get("/api/health", tags=["meta"])
def api_health(dash: Dash) -> dict:
    """Liveness: the focal state and the version."""
    return {"status": "ok", "focal": dash.ctx.focal, "version": __version__}


@router.get("/api/capabilities", tags=["meta"])
def api_capabilities() -> dict:
    """Which parts of equipoise are installed here (a missing one answers 501)."""
    return capabilities()


@router.get("/api/assess", tags=["assessment"])
def api_assess(dash: Dash, year: int | None = Query(None, ge=1900, le=2100)) -> dict:
    """What `equipoise assess --json` prints."""
    return dash.ctx.assess_json(year)


router.include_router(downloads.router)


@router.get("/api/explain/{domain}", tags=["assessment"])
def api_explain(dash: Dash, domain: str,
                year: int | None = Query(None, ge=1900, le=2100)) -> dict:
    """What `equipoise explain --domain DOMAIN --json` prints: rows and sources."""
    return dash.ctx.explain_json(domain, year)


@router.get("/api/sources", tags=["assessment"])
def api_sources(dash: Dash, domain: str | None = None) -> list:
    """What `equipoise sources --json` prints."""
    return dash.ctx.sources_json(domain)


@router.get("/api/shock", tags=["risk"])
def api_shock(dash: Dash, partner: str = Query(..., min_length=2, max_length=8),
              domains: str | None = Query(None, max_length=200,
                                          description="comma-separated"),
              intensity: float = Query(1.0, ge=0.0, le=1.0),
              loss_model: str = Query(DEFAULT_LOSS_MODEL, pattern="^(shares|corridors|max)$")) -> dict:
    """What `equipoise shock --partner P [--domains ...] [--intensity I] --json` prints."""
    return dash.ctx.shock_json(partner, domains, intensity, loss_model)


@router.get("/api/corridors", tags=["risk"])
def api_corridors(dash: Dash, system: str | None = None,
                  without: str | None = Query(None, max_length=200),
                  contingencies: int = Query(0, ge=0, le=2)) -> dict:
    """`equipoise corridors --system S [--without ...] [--contingencies N] --json`, for each
    shipped system (or the one named)."""
    return dash.ctx.corridors_json(system, without or (), contingencies)


@router.get("/api/simulate", tags=["risk"])
async def api_simulate(dash: Dash, runs: int = Query(20_000, ge=1_000, le=200_000),
                       seed: int = Query(0, ge=0, le=2**31 - 1)) -> dict:
    """What `equipoise simulate --runs N --seed S --json` prints (plus a histogram)."""
    return await dash.pool.run(dash.ctx.montecarlo_json, runs=runs, seed=seed,
                               key=("simulate", runs, seed))


@router.get("/api/alignment", tags=["alignment"])
def api_alignment(dash: Dash, measure: str = "agree", by: str = "year",
                  start: int | None = Query(None, ge=1946, le=2100),
                  end: int | None = Query(None, ge=1946, le=2100),
                  reps: int = Query(300, ge=10, le=2000),
                  seed: int = Query(0, ge=0, le=2**31 - 1),
                  min_rollcalls: int = Query(10, ge=1, le=1000),
                  poles: str | None = Query(None, max_length=100,
                                            description="comma-separated; default: the "
                                                        "doctrine's poles")) -> dict:
    """What `equipoise align --json` prints (default poles: the doctrine's)."""
    return dash.ctx.alignment_json(measure=measure, by=by, start=start, end=end, reps=reps,
                                   seed=seed, min_rollcalls=min_rollcalls, poles=poles)


@router.post("/api/assess", tags=["assessment"])
async def api_assess_upload(dash: Dash, file: UploadFile = File(..., description="flows CSV"),
                            focal: str | None = Form(None, max_length=3),
                            year: int | None = Form(None, ge=1900, le=2100),
                            lenient: bool = Form(False)) -> dict:
    """What `equipoise assess --data FILE [--focal F] [--lenient] --json` prints, for an
    uploaded flows CSV (canonical columns; parsed, validated, never stored). Without
    ``lenient`` a bad row is a 422 naming its line, column and value."""
    text, name = await read_upload(file, dash.settings.max_upload_bytes, kind=".csv")
    return await dash.assess_upload(text, name, (focal or "").strip().upper() or None, year,
                                    lenient, False)


@router.post("/api/action", tags=["doctrine"])
async def api_action(dash: Dash,
                     file: UploadFile | None = File(None, description="action TOML"),
                     example: str | None = Form(None)) -> dict:
    """What `equipoise evaluate FILE --json` prints: the action evaluated before/after."""
    text = name = None
    if file is not None and file.filename:
        text, name = await read_upload(file, dash.settings.max_upload_bytes)
    return await dash.evaluate_action(text, name or "upload", example or None)
