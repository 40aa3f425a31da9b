"""The web dashboard: FastAPI + Jinja2 + htmx (served from the package; no CDN, no network).

Pages: ``/`` overview, ``/domain/{domain}`` the rows and sources behind each number,
``/whatif`` a partner shock with the corridor results, ``/action`` an action file evaluated
before/after, ``/alignment``, ``/risk`` (corridors and Monte Carlo), ``/sources``, ``/data``
(assess an uploaded flows CSV).
JSON under ``/api`` (schema at ``/api/openapi.json``) serves what the CLI's ``--json`` prints, by
calling the same functions (:mod:`equipoise.present.views`).

Hardening
---------
* :func:`serve` binds to 127.0.0.1 by default; bound to any other address it requires a token
  (given, from ``$EQUIPOISE_TOKEN``, or generated and printed). With a token every request but
  ``/static`` needs ``Authorization: Bearer <token>``, the ``equipoise_token`` cookie, or
  ``?token=`` once (which sets the cookie).
* On loopback the ``Host`` header must name the loopback address (no DNS rebinding).
* Request bodies are capped (``max_upload_bytes``, 2 MiB by default, 413 beyond); uploads are
  an action TOML or a flows CSV only, decoded as UTF-8 and parsed (never executed, never
  stored); no file path is taken from the client.
* Bad input gets a clear message on the page and a 4xx from the API; an unexpected failure gets
  a 500 with a generic message (logged server-side), never a stack trace.
* Responses carry a Content-Security-Policy (scripts from ``/static`` only, no framing),
  ``nosniff`` and ``no-referrer``.
* The flows are read once and never written; results are memoised behind locks, so concurrent
  requests cannot corrupt shared state.
"""


import hmac
import html
import ipaddress
import logging
import re
import secrets
from importlib import resources
from typing import Any

from ..errors import (
    EquipoiseError,
    InputError,
    NoDataError,
)
from .views import Context, Unavailable, capabilities

__all__ = ["create_app", "is_loopback", "serve"]

log = logging.getLogger("equipoise.web")
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
TOKEN_COOKIE = "equipoise_token"
_NAME_OK = re.compile(r"[^A-Za-z0-9._-]")
# Everything is served from here: scripts only from /static, no framing, no referrer leaks.
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
     b"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
     b"form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def status_for(exc: Exception) -> int:
    """HTTP status of an equipoise error: 404 no data, 501 capability missing, 422 bad input."""
    if isinstance(exc, Unavailable):
        return 501
    if isinstance(exc, NoDataError):
        return 404
    if isinstance(exc, PayloadTooLarge):
        return 413
    if isinstance(exc, UnsupportedUpload):
        return 415
    return 422


class PayloadTooLarge(InputError):
    """The request body exceeds the upload limit."""


class UnsupportedUpload(InputError):
    """An upload that is not a TOML text file."""


# ------------------------------------------------------------------------------ ASGI guards

class _Guard:
    """Pure ASGI middleware: token check, loopback Host check, request-body cap."""

    def __init__(self, app, *, token: str | None, allowed_hosts: list[str] | None,
                 max_body: int):
        self.app = app
        self.token = token
        self.allowed_hosts = {h.lower() for h in allowed_hosts} if allowed_hosts else None
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        path = scope.get("path", "")
        api = path.startswith("/api")
        if self.allowed_hosts is not None:
            host = headers.get("host", "").lower()
            host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if host.strip("[]") not in self.allowed_hosts and host not in self.allowed_hosts:
                return await _plain(send, 400, api, f"Host {host!r} is not served here")
        if self.token and not path.startswith("/static/"):
            given = _token_from(headers, scope)
            if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
                return await _plain(send, 401, api, "a token is required: open the address "
                                    "printed by `equipoise serve` (it carries ?token=...) or send "
                                    "'Authorization: Bearer <token>'")
            if _query_token(scope) is not None and not api:
                # move the token from the address into a cookie, then drop it from the URL
                return await _redirect_with_cookie(send, path, self.token)
        length = headers.get("content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                return await _plain(send, 400, api, "bad Content-Length header")
            if too_big:
                return await _plain(send, 413, api, f"request body over the limit of "
                                    f"{self.max_body:,} bytes")
        seen = 0

        async def capped_receive():
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_body:
                    raise PayloadTooLarge(f"request body over the limit of {self.max_body:,} bytes")
            return msg

        async def send_with_headers(msg):
            if msg["type"] == "http.response.start":
                msg = {**msg, "headers": [*msg.get("headers", []), *SECURITY_HEADERS]}
            await send(msg)

        return await self.app(scope, capped_receive, send_with_headers)


def _query_token(scope) -> str | None:
    from urllib.parse import parse_qs

    q = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    vals = q.get("token")
    return vals[0] if vals else None


def _token_from(headers: dict, scope) -> str | None:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    cookie = headers.get("cookie", "")
    for part in cookie.split(";"):
        k, _, v = part.strip().partition("=")
        if k == TOKEN_COOKIE:
            return v
    return _query_token(scope)


async def _plain(send, status: int, api: bool, message: str):
    import json

    if api:
        body = json.dumps({"error": message, "status": status}).encode()
        ctype = b"application/json"
    else:
        body = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{status}</title></head>"
                f"<body><h1>{status}</h1><p class='error'>{html.escape(message)}</p></body></html>"
                ).encode()
        ctype = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _redirect_with_cookie(send, path: str, token: str):
    cookie = f"{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", (path or "/").encode()),
                            (b"set-cookie", cookie.encode()), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


# ------------------------------------------------------------------------------ the app

def create_app(flows=None, *, focal: str | None = None, doctrine=None, token: str | None = None,
               allowed_hosts: list[str] | None = None,
               max_upload_bytes: int = MAX_UPLOAD_BYTES, context: Context | None = None,
               alignment_reps: int = 300, mc_runs: int = 20_000, warm: bool = False):
    """The dashboard as a FastAPI app.

    Parameters
    ----------
    flows, focal, doctrine
        What the dashboard shows (the embedded default, the doctrine's focal state and the
        shipped doctrine when None).
    token
        When given, every request (but ``/static``) must carry it (see the module docstring).
    allowed_hosts
        Host names the ``Host`` header may carry (None: any; :func:`serve` sets the loopback
        names when bound to loopback).
    max_upload_bytes
        Cap on any request body (413 beyond).
    context
        A ready :class:`~equipoise.present.views.Context` (tests, the benchmark).
    alignment_reps, mc_runs
        Bootstrap replicates of the alignment page and scenarios of the Monte Carlo page.
    warm
        Compute the overview (and start the chart renderer, whose first call is slow) before
        serving, so the first visitor does not wait.
    """
    from fastapi import FastAPI, File, Form, Query, Request, UploadFile
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, JSONResponse, Response
    from fastapi.staticfiles import StaticFiles
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from .. import __version__, reference
    from . import charts as C
    from . import report as R

    ctx = context or Context(flows, focal=focal, doctrine=doctrine)
    app = FastAPI(title="equipoise", version=__version__,
                  description="Operational functional balance, in numbers: the JSON served here "
                              "is what the CLI's --json prints.",
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    static_dir = resources.files("equipoise.present").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")
    env = R._env()
    domains_with_data = list(ctx.assess_json()["domains"])
    names = reference.load("countries").set_index("iso3")["name"]

    caps = capabilities()

    def page(name: str, status: int = 200, **kw) -> HTMLResponse:
        body = env.get_template(name).render(
            focal=ctx.focal, focal_name=str(names.get(ctx.focal, ctx.focal)),
            doctrine=ctx.doctrine, version=__version__, caps=caps,
            domains=domains_with_data, **kw)
        return HTMLResponse(body, status_code=status)

    def svg(key: tuple, make) -> str:
        return ctx._cached(("svg", *key), lambda: C.to_svg(make()))

    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api")

    def error_response(request: Request, status: int, message: str):
        if is_api(request):
            return JSONResponse({"error": message, "status": status}, status_code=status)
        fragment = request.headers.get("hx-request") == "true"
        return page("error.html" if not fragment else "_error.html", status=status,
                    status_code=status, message=message)

    # -- errors --------------------------------------------------------------------------------
    @app.exception_handler(EquipoiseError)
    async def _eq_error(request: Request, exc: EquipoiseError):
        return error_response(request, status_for(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        parts = []
        for e in exc.errors():
            loc = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path", "body"))
            parts.append(f"{loc or 'input'}: {e.get('msg')} (saw {e.get('input')!r})")
        msg = "; ".join(parts) or "invalid request"
        if is_api(request):
            return JSONResponse({"error": msg, "status": 422,
                                 "detail": [{k: v for k, v in e.items() if k in ("loc", "msg", "type")}
                                            for e in exc.errors()]}, status_code=422)
        return error_response(request, 422, msg)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return error_response(request, exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _boom(request: Request, exc: Exception):  # pragma: no cover - defensive
        log.exception("unexpected error on %s", request.url.path)
        return error_response(request, 500, "internal error (logged on the server); please "
                                            "report what you did")

    # -- pages ---------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview():
        a = ctx.assess_json()
        return page("overview.html", active="overview", a=a,
                    heatmap=svg(("heatmap",), lambda: C.heatmap(a)),
                    shares=svg(("shares",), lambda: C.shares_chart(a)),
                    rules_svg=svg(("rules",), lambda: C.rules_chart(a)),
                    scorecard=R.scorecard_table(a, link=lambda d: f"/domain/{d}",
                                                src_prefix="/sources#src-"),
                    rules=R.rules_table(a), findings=R.findings(a, []))

    @app.get("/domain/{domain}", response_class=HTMLResponse, include_in_schema=False)
    def domain_page(domain: str):
        ctx.check_domain(domain)
        a = ctx.assess_json()
        if domain not in a["domains"]:
            raise NoDataError(f"{ctx.focal}: no data for domain {domain!r}; domains with data: "
                              f"{domains_with_data}")
        ex = ctx.explain_json(domain)
        sub = {**a, "domains": {domain: a["domains"][domain]}}
        return page("domain.html", active=domain, d=domain, ex=ex, r=a["domains"][domain],
                    role=ctx.doctrine.role_of(domain),
                    leader=a["distinctness"]["leaders"].get(domain),
                    chart=svg(("shares", domain), lambda: C.shares_chart(sub, top=8)),
                    rules=[x for x in a["rules"] if x["name"].endswith(f":{domain}")
                           or f":{domain}" in x["name"]])

    def whatif_data(partner: str, domains: list[str], intensity: str,
                    loss_model: str = "shares") -> dict:
        sh = ctx.shock_json(partner, domains or None, intensity, loss_model)
        out: dict[str, Any] = {"shock": sh}
        try:
            out["corridors"] = ctx.corridors_json(without=partner, contingencies=0)
        except (Unavailable, NoDataError) as exc:
            out["corridors_reason"] = str(exc)
        out["chart"] = svg(("whatif", partner, tuple(domains), str(intensity), loss_model),
                           lambda: C.whatif_chart(sh))
        return out

    @app.get("/whatif", response_class=HTMLResponse, include_in_schema=False)
    def whatif(request: Request, partner: str | None = None,
               domains: list[str] = Query(default=[]), intensity: str = "1",
               loss_model: str = "shares"):
        result = error = None
        status = 200
        if partner:
            try:
                result = whatif_data(partner, domains, intensity, loss_model)
            except EquipoiseError as exc:
                error, status = str(exc), status_for(exc)
        return page("whatif.html", status=status, active="whatif", partners=ctx.partners(),
                    partner=partner or "", chosen=domains, intensity=intensity,
                    loss_model=loss_model, result=result, error=error)

    @app.get("/whatif/result", response_class=HTMLResponse, include_in_schema=False)
    def whatif_result(partner: str = "", domains: list[str] = Query(default=[]),
                      intensity: str = "1", loss_model: str = "shares"):
        if not partner:
            raise InputError("pick a partner to cut off")
        return page("_whatif_result.html", partner=partner,
                    result=whatif_data(partner, domains, intensity, loss_model))

    @app.get("/action", response_class=HTMLResponse, include_in_schema=False)
    def action_form():
        try:
            examples = ctx.action_examples()
        except Unavailable:
            examples = []
        return page("action.html", active="action", examples=examples, ev=None,
                    limit=max_upload_bytes)

    @app.post("/action", response_class=HTMLResponse, include_in_schema=False)
    async def action_run(request: Request):
        text, name, example = await _read_action_form(request, max_upload_bytes)
        ev = ctx.action_json(text, name=name, example=example)
        try:
            examples = ctx.action_examples()
        except Unavailable:
            examples = []
        return page("action.html", active="action", examples=examples, ev=ev,
                    limit=max_upload_bytes, table=_before_after(ev))

    @app.get("/data", response_class=HTMLResponse, include_in_schema=False)
    def data_form():
        return page("data.html", active="data", result=None, limit=max_upload_bytes)

    @app.post("/data", response_class=HTMLResponse, include_in_schema=False)
    async def data_run(request: Request):
        form = await request.form(max_files=1, max_fields=8)
        file = form.get("file")
        if file is None or isinstance(file, str) or not getattr(file, "filename", None):
            raise InputError("choose a flows file (.csv, canonical columns) to upload")
        text, name = await _read_upload(file, max_upload_bytes, kind=".csv")
        fs = _flows_from_csv(text, name, lenient=True)
        focal_in = (form.get("focal") or "").strip().upper() or _guess_focal(fs)
        if not focal_in:
            raise NoDataError(f"{name}: no valid rows to assess")
        sub = Context(fs, focal=focal_in, doctrine=ctx.doctrine if focal_in == ctx.focal
                      else None)
        a = sub.assess_json()
        srcs = sub.sources_json()
        for x in srcs:
            x["anchor"] = R.anchor(x["source"])
        return page("data.html", active="data", limit=max_upload_bytes, result={
            "sources": srcs,
            "name": name, "focal": focal_in, "counts": fs.counts,
            "quarantine": fs.quarantine.to_dict("records"), "a": a,
            "heatmap": C.to_svg(C.heatmap(a)),
            "scorecard": R.scorecard_table(a), "rules": R.rules_table(a)})

    @app.get("/alignment", response_class=HTMLResponse, include_in_schema=False)
    def alignment_page(measure: str = "agree", by: str = "year"):
        al = ctx.alignment_json(measure=measure, by=by, reps=alignment_reps)
        chart = svg(("alignment", measure, by), lambda: C.alignment_chart(al)) \
            if by in ("year", "session") else None
        return page("alignment.html", active="alignment", al=al, chart=chart,
                    measure=measure, by=by)

    @app.get("/risk", response_class=HTMLResponse, include_in_schema=False)
    def risk_page():
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
        try:
            mc = ctx.montecarlo_json(runs=mc_runs)
            blocks["mc"] = mc
            blocks["mc_svg"] = svg(("mc", mc_runs), lambda: C.montecarlo_chart(mc))
        except EquipoiseError as exc:
            blocks["mc_reason"] = str(exc)
        return page("risk.html", active="risk", **blocks)

    @app.get("/sources", response_class=HTMLResponse, include_in_schema=False)
    def sources_page():
        srcs = ctx.sources_json()
        for s in srcs:
            s["anchor"] = R.anchor(s["source"])
        return page("sources.html", active="sources", sources=srcs)

    # -- JSON API ------------------------------------------------------------------------------
    @app.get("/api/health", tags=["meta"])
    def api_health() -> dict:
        """Liveness: the focal state and the version."""
        return {"status": "ok", "focal": ctx.focal, "version": __version__}

    @app.get("/api/capabilities", tags=["meta"])
    def api_capabilities() -> dict:
        """Which parts of equipoise are installed here (a missing one answers 501)."""
        return capabilities()

    @app.get("/api/assess", tags=["assessment"])
    def api_assess(year: int | None = Query(None, ge=1900, le=2100)) -> dict:
        """What `equipoise assess --json` prints."""
        return ctx.assess_json(year)

    @app.get("/api/explain/{domain}", tags=["assessment"])
    def api_explain(domain: str, year: int | None = Query(None, ge=1900, le=2100)) -> dict:
        """What `equipoise explain --domain DOMAIN --json` prints: rows and sources."""
        return ctx.explain_json(domain, year)

    @app.get("/api/sources", tags=["assessment"])
    def api_sources(domain: str | None = None) -> list:
        """What `equipoise sources --json` prints."""
        return ctx.sources_json(domain)

    @app.get("/api/shock", tags=["risk"])
    def api_shock(partner: str = Query(..., min_length=2, max_length=8),
                  domains: str | None = Query(None, max_length=200,
                                              description="comma-separated"),
                  intensity: float = Query(1.0, ge=0.0, le=1.0),
                  loss_model: str = Query("shares", pattern="^(shares|corridors|max)$")) -> dict:
        """What `equipoise shock --partner P [--domains ...] [--intensity I] --json` prints."""
        return ctx.shock_json(partner, domains, intensity, loss_model)

    @app.get("/api/corridors", tags=["risk"])
    def api_corridors(system: str | None = None,
                      without: str | None = Query(None, max_length=200),
                      contingencies: int = Query(0, ge=0, le=2)) -> dict:
        """`equipoise corridors --system S [--without ...] [--contingencies N] --json`, for each
        shipped system (or the one named)."""
        return ctx.corridors_json(system, without or (), contingencies)

    @app.get("/api/simulate", tags=["risk"])
    def api_simulate(runs: int = Query(20_000, ge=1_000, le=200_000),
                     seed: int = Query(0, ge=0, le=2**31 - 1)) -> dict:
        """What `equipoise simulate --runs N --seed S --json` prints (plus a histogram)."""
        return ctx.montecarlo_json(runs=runs, seed=seed)

    @app.get("/api/alignment", tags=["alignment"])
    def api_alignment(measure: str = "agree", by: str = "year",
                      start: int | None = Query(None, ge=1946, le=2100),
                      end: int | None = Query(None, ge=1946, le=2100),
                      reps: int = Query(300, ge=10, le=2000),
                      seed: int = Query(0, ge=0, le=2**31 - 1),
                      min_rollcalls: int = Query(10, ge=1, le=1000),
                      poles: str | None = Query(None, max_length=100,
                                                description="comma-separated; default: the "
                                                            "doctrine's poles")) -> dict:
        """What `equipoise align --json` prints (default poles: the doctrine's)."""
        return ctx.alignment_json(measure=measure, by=by, start=start, end=end, reps=reps,
                                  seed=seed, min_rollcalls=min_rollcalls, poles=poles)

    @app.post("/api/assess", tags=["assessment"])
    async def api_assess_upload(file: UploadFile = File(..., description="flows CSV"),
                                focal: str | None = Form(None, max_length=3),
                                year: int | None = Form(None, ge=1900, le=2100),
                                lenient: bool = Form(False)) -> dict:
        """What `equipoise assess --data FILE [--focal F] [--lenient] --json` prints, for an
        uploaded flows CSV (canonical columns; parsed, validated, never stored). Without
        ``lenient`` a bad row is a 422 naming its line, column and value."""
        text, name = await _read_upload(file, max_upload_bytes, kind=".csv")
        fs = _flows_from_csv(text, name, lenient=lenient)
        f = (focal or "").strip().upper() or _guess_focal(fs)
        if not f:
            raise NoDataError(f"{name}: no valid rows to assess")
        return Context(fs, focal=f, doctrine=ctx.doctrine if f == ctx.focal else None
                       ).assess_json(year)

    @app.post("/api/action", tags=["doctrine"])
    async def api_action(file: UploadFile | None = File(None, description="action TOML"),
                         example: str | None = Form(None)) -> dict:
        """What `equipoise evaluate FILE --json` prints: the action evaluated before/after."""
        text = name = None
        if file is not None and file.filename:
            text, name = await _read_upload(file, max_upload_bytes)
        return ctx.action_json(text, name=name or "upload", example=example or None)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return Response(status_code=204)

    if warm:
        a = ctx.assess_json()
        svg(("heatmap",), lambda: C.heatmap(a))
        svg(("shares",), lambda: C.shares_chart(a))
        svg(("rules",), lambda: C.rules_chart(a))
    app.state.context = ctx
    app.add_middleware(_Guard, token=token, allowed_hosts=allowed_hosts, max_body=max_upload_bytes)
    return app


async def _read_upload(file, limit: int, kind: str = ".toml") -> tuple[str, str]:
    """The text of an uploaded TOML or CSV file: size-capped, UTF-8, no NUL bytes; its name is
    only shown (sanitised), never used as a path."""
    name = _NAME_OK.sub("_", (file.filename or "upload").rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:64]
    if not name.lower().endswith(kind):
        what = "an action file" if kind == ".toml" else "a flows file"
        raise UnsupportedUpload(f"{name}: expecting {what} ending in {kind}")
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"{name}: over the upload limit of {limit:,} bytes")
    if b"\x00" in data:
        raise UnsupportedUpload(f"{name}: binary content; expecting a TOML text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnsupportedUpload(f"{name}: not UTF-8 text (byte {exc.start}); expecting a TOML "
                                "text file") from exc
    return text, name


async def _read_action_form(request, limit: int) -> tuple[str | None, str, str | None]:
    form = await request.form(max_files=1, max_fields=8)
    file = form.get("file")
    example = form.get("example") or None
    if isinstance(example, str):
        example = example.strip() or None
    if file is not None and not isinstance(file, str) and getattr(file, "filename", None):
        text, name = await _read_upload(file, limit)
        return text, name, None
    if example is None:
        raise InputError("choose an action file (.toml) to upload or pick a shipped example")
    return None, "example", example


def _flows_from_csv(text: str, name: str, *, lenient: bool):
    """Canonical flows from uploaded CSV text (validated like ``equipoise validate``)."""
    import io

    import pandas as pd

    from ..errors import SchemaError
    from ..io.flows import validate_frame

    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                         skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SchemaError(f"{name}: cannot parse as CSV: {exc}") from exc
    return validate_frame(df, source=name, lenient=lenient)


def _guess_focal(fs) -> str | None:
    reporters = fs.data["reporter"].value_counts()
    return str(reporters.index[0]) if len(reporters) else None


def _before_after(ev: dict) -> list[dict]:
    """Domain rows of an action evaluation: top partner, top share, HHI and critical, before and
    after."""
    rows = []
    b, a = ev["before"]["domains"], ev["after"]["domains"]
    for d in sorted(set(b) | set(a)):
        x, y = b.get(d, {}), a.get(d, {})
        rows.append({"domain": d, "before": x, "after": y})
    return rows


def serve(*, host: str = "127.0.0.1", port: int = 8000, token: str | None = None, flows=None,
          focal: str | None = None, doctrine=None, log_level: str = "warning") -> None:
    """Run the dashboard with uvicorn (blocking). See the module docstring for the hardening."""
    import os

    import uvicorn

    from .._cli._common import err_console

    loop = is_loopback(host)
    token = token or os.environ.get("EQUIPOISE_TOKEN") or None
    if not loop and not token:
        token = secrets.token_urlsafe(24)
    allowed = None
    if loop:
        allowed = ["127.0.0.1", "localhost", "::1", host.strip("[]").lower()]
    app = create_app(flows, focal=focal, doctrine=doctrine, token=token, allowed_hosts=allowed,
                     warm=True)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    err_console().print(f"equipoise dashboard on [bold]{url}[/bold]"
                        + ("" if loop else "  (token required: bound to a non-loopback address)"),
                        soft_wrap=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
