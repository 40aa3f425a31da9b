"""The dashboard's HTML pages (an :class:`~fastapi.APIRouter`; not in the OpenAPI schema).

``/`` overview, ``/domain/{domain}``, ``/whatif`` (and its htmx fragment ``/whatif/result``),
``/action``, ``/data``, ``/asymmetry``, ``/alignment``, ``/risk``, ``/sources``. Each page renders a template of
``equipoise/present/templates`` with :meth:`Dashboard.page`; the navigation is in ``base.html``.
"""

from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from ...errors import EquipoiseError, InputError, NoDataError
from ...risk.lossmodel import DEFAULT_LOSS_MODEL
from .. import charts as C
from .. import report as R
from .deps import Dash, Dashboard
from .guard import check_csrf
from .status import status_for
from .uploads import read_action_form, read_upload

__all__ = ["router"]

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/")
def overview(dash: Dash):
    a = dash.ctx.assess_json()
    return dash.page("overview.html", active="overview", a=a,
                     heatmap=dash.svg(("heatmap",), lambda: C.heatmap(a)),
                     shares=dash.svg(("shares",), lambda: C.shares_chart(a)),
                     rules_svg=dash.svg(("rules",), lambda: C.rules_chart(a)),
                     scorecard=R.scorecard_table(a, link=lambda d: f"/domain/{d}",
                                                 src_prefix="/sources#src-"),
                     rules=R.rules_table(a), findings=R.findings(a, []))


@router.get("/domain/{domain}")
def domain_page(domain: str, dash: Dash):
    ctx = dash.ctx
    ctx.check_domain(domain)
    a = ctx.assess_json()
    if domain not in a["domains"]:
        raise NoDataError(f"{ctx.focal}: no data for domain {domain!r}; domains with data: "
                          f"{dash.domains}")
    ex = ctx.explain_json(domain)
    sub = {**a, "domains": {domain: a["domains"][domain]}}
    basis, why = R.substitutability_text(a["domains"][domain])
    return dash.page("domain.html", active=domain, d=domain, ex=ex, r=a["domains"][domain],
                     subst_basis=basis, subst_why=why,
                     role=ctx.doctrine.role_of(domain),
                     leader=a["distinctness"]["leaders"].get(domain),
                     chart=dash.svg(("shares", domain), lambda: C.shares_chart(sub, top=8)),
                     rules=[x for x in a["rules"] if x["name"].endswith(f":{domain}")
                            or f":{domain}" in x["name"]])


def _whatif_data(dash: Dashboard, partner: str, domains: list[str], intensity: str,
                 loss_model: str = DEFAULT_LOSS_MODEL) -> dict:
    """The shock, the corridors without the partner (or why there are none) and the chart."""
    sh = dash.ctx.shock_json(partner, domains or None, intensity, loss_model)
    out: dict[str, Any] = {"shock": sh}
    try:
        out["corridors"] = dash.ctx.corridors_json(without=partner, contingencies=0)
    except NoDataError as exc:
        out["corridors_reason"] = str(exc)
    out["chart"] = dash.svg(("whatif", partner, tuple(domains), str(intensity), loss_model),
                            lambda: C.whatif_chart(sh))
    return out


@router.get("/whatif")
def whatif(dash: Dash, partner: str | None = None,
           domains: list[str] = Query(default=[]), intensity: str = "1",
           loss_model: str = DEFAULT_LOSS_MODEL):
    result = error = None
    status = 200
    if partner:
        try:
            result = _whatif_data(dash, partner, domains, intensity, loss_model)
        except EquipoiseError as exc:
            error, status = str(exc), status_for(exc)
    return dash.page("whatif.html", status=status, active="whatif", partners=dash.ctx.partners(),
                     partner=partner or "", chosen=domains, intensity=intensity,
                     loss_model=loss_model, result=result, error=error)


@router.get("/whatif/result")
def whatif_result(dash: Dash, partner: str = "", domains: list[str] = Query(default=[]),
                  intensity: str = "1", loss_model: str = DEFAULT_LOSS_MODEL):
    if not partner:
        raise InputError("pick a partner to cut off")
    return dash.page("_whatif_result.html", partner=partner,
                     result=_whatif_data(dash, partner, domains, intensity, loss_model))


@router.get("/action")
def action_form(dash: Dash):
    return dash.page("action.html", active="action", examples=dash.ctx.action_examples(),
                     ev=None, limit=dash.settings.max_upload_bytes)


@router.post("/action")
async def action_run(request: Request, dash: Dash):
    form = await request.form(max_files=1, max_fields=8)
    check_csrf(request, form)
    limit = dash.settings.max_upload_bytes
    text, name, example = await read_action_form(form, limit)
    ev = await dash.evaluate_action(text, name, example)

    def render():
        return dash.page("action.html", active="action", examples=dash.ctx.action_examples(),
                         ev=ev, limit=limit, table=_before_after(ev))

    return await anyio.to_thread.run_sync(render)


def _before_after(ev: dict) -> list[dict]:
    """Domain rows of an action evaluation: top partner, top share, HHI and critical, before and
    after."""
    rows = []
    b, a = ev["before"]["domains"], ev["after"]["domains"]
    for d in sorted(set(b) | set(a)):
        x, y = b.get(d, {}), a.get(d, {})
        rows.append({"domain": d, "before": x, "after": y})
    return rows


@router.get("/data")
def data_form(dash: Dash):
    return dash.page("data.html", active="data", result=None,
                     limit=dash.settings.max_upload_bytes)


@router.post("/data")
async def data_run(request: Request, dash: Dash):
    form = await request.form(max_files=1, max_fields=8)
    check_csrf(request, form)
    file = form.get("file")
    if file is None or isinstance(file, str) or not getattr(file, "filename", None):
        raise InputError("choose a flows file (.csv, canonical columns) to upload")
    limit = dash.settings.max_upload_bytes
    text, name = await read_upload(file, limit, kind=".csv")
    focal_in = form.get("focal")
    focal_in = focal_in.strip().upper() if isinstance(focal_in, str) else ""
    res = await dash.assess_upload(text, name, focal_in or None, None, True, True)

    def render():
        a, srcs = res["a"], [dict(x) for x in res["sources"]]
        for x in srcs:
            x["anchor"] = R.anchor(x["source"])
        return dash.page("data.html", active="data", limit=limit, result={
            "sources": srcs, "name": name, "focal": res["focal"], "counts": res["counts"],
            "quarantine": res["quarantine"], "a": a,
            "heatmap": C.to_svg(C.heatmap(a)),
            "scorecard": R.scorecard_table(a), "rules": R.rules_table(a)})

    return await anyio.to_thread.run_sync(render)


@router.get("/asymmetry")
def asymmetry_page(dash: Dash, year: int | None = Query(None, ge=1900, le=2100)):
    asym = dash.ctx.asymmetry_json(year)
    return dash.page("asymmetry.html", active="asymmetry", asym=asym, year=year,
                     table=R.asymmetry_table(asym, src_prefix="/sources#src-"))


@router.get("/alignment")
def alignment_page(dash: Dash, measure: str = "agree", by: str = "year"):
    al = dash.ctx.alignment_json(measure=measure, by=by, reps=dash.settings.alignment_reps)
    chart = dash.svg(("alignment", measure, by), lambda: C.alignment_chart(al)) \
        if by in ("year", "session") else None
    return dash.page("alignment.html", active="alignment", al=al, chart=chart,
                     measure=measure, by=by)


@router.get("/risk")
def risk_page(dash: Dash):
    ctx, svg = dash.ctx, dash.svg
    blocks: dict[str, Any] = {}
    try:
        corr = ctx.corridors_json(contingencies=1)
        blocks["corridors"] = corr
        blocks["corridor_svgs"] = [svg(("corridor", s["system"]), lambda s=s: C.corridor_chart(
            ctx.corridor_drawing(s["system"]))) for s in corr["systems"]]
        blocks["contingency_svg"] = svg(("contingency",), lambda: C.contingency_chart(corr))
    except EquipoiseError as exc:
        blocks["corridors_reason"] = str(exc)
    try:
        by = ctx.shock_by_partner()
        blocks["shock_svg"] = svg(("shock_by_partner",), lambda: C.shock_chart(by))
    except EquipoiseError as exc:
        blocks["shocks_reason"] = str(exc)
    runs = dash.settings.mc_runs
    try:
        mc = ctx.montecarlo_json(runs=runs)
        blocks["mc"] = mc
        blocks["mc_svg"] = svg(("mc", runs), lambda: C.montecarlo_chart(mc))
    except EquipoiseError as exc:
        blocks["mc_reason"] = str(exc)
    return dash.page("risk.html", active="risk", **blocks)


@router.get("/sources")
def sources_page(dash: Dash):
    srcs = dash.ctx.sources_json()
    for s in srcs:
        s["anchor"] = R.anchor(s["source"])
    return dash.page("sources.html", active="sources", sources=srcs)


@router.get("/favicon.ico")
def favicon():
    return Response(status_code=204)
