"""The web dashboard: FastAPI + Jinja2 + htmx (served from the package; no CDN, no network).

Pages: ``/`` overview, ``/domain/{domain}`` the rows and sources behind each number,
``/whatif`` a partner shock with the corridor results, ``/action`` an action file evaluated
before/after, ``/alignment``, ``/risk`` (corridors and Monte Carlo), ``/sources``, ``/data``
(assess an uploaded flows CSV).
JSON under ``/api`` (schema at ``/api/openapi.json``) serves what the CLI's ``--json`` prints, by
calling the same functions (:mod:`equipoise.present.views`). Downloads (GET, the same
headers): ``/api/assess.csv`` and ``/api/assess.xlsx`` (with a sources sheet),
``/api/shock.csv``/``.xlsx`` with the parameters of ``/api/shock``; the tables of the CLI's
``--csv``/``--xlsx`` (:mod:`equipoise.present.exports`), linked from the overview page.

Hardening
---------
* :func:`serve` binds to 127.0.0.1 by default; bound to any other address it requires a token
  (given, from ``$EQUIPOISE_TOKEN``, or generated and printed). With a token every request but
  ``/static`` needs ``Authorization: Bearer <token>``, the ``equipoise_token`` cookie, or
  ``?token=`` once (which sets the cookie and redirects to the same path on this site: leading
  slashes, backslashes and control characters are stripped, so ``//evil.example/`` goes to
  ``/evil.example/``, never to another host).
* On loopback the ``Host`` header must name the loopback address (no DNS rebinding).
* Cross-site posts: a POST (PUT, PATCH, DELETE) whose ``Origin`` (or, without one, ``Referer``)
  names another host or port than the ``Host`` it was sent to, or whose ``Sec-Fetch-Site`` is
  ``cross-site`` or ``same-site``, is refused with 403. Browsers send these headers with every
  cross-origin post; API clients (curl, scripts, with or without a bearer token) send none and
  are served. The HTML form posts (``/action``, ``/data``) also need a CSRF token: every page
  sets an ``equipoise_csrf`` cookie (HttpOnly, SameSite=Strict) and carries
  HMAC(server secret, cookie) in the forms' hidden ``csrf_token`` field and in an htmx
  ``X-CSRF-Token`` header; a post without it, or with another browser's, gets 403. The JSON
  API takes no cookie-bound token (it changes nothing and its answers are not readable
  cross-site).
* Request bodies are capped (``max_upload_bytes``, 2 MiB by default): a larger
  ``Content-Length``, or a chunked body that grows past it, gets 413. A body is read into memory
  before the app sees it, and the multipart parser keeps file parts in memory up to the cap
  (Starlette's spool threshold is raised to it for the process), so an upload is never written
  to disk. Uploads are an action TOML or a flows CSV only, decoded as UTF-8 and parsed (never
  executed, never stored); no file path is taken from the client.
* What one request may ask for is capped: an action evaluates at most ``max_action_changes``
  changes (1,000), an uploaded flows CSV at most ``max_upload_rows`` rows (10,000), both 413
  beyond; Monte Carlo at most 200,000 runs and alignment 2,000 bootstrap replicates (422).
* Heavy work (action evaluation, uploaded flows, ``/api/simulate``) runs in a
  :class:`WorkerPool` off the event loop: each job in a forked process (CPU-bound Python there
  does not hold the server's GIL), at most ``workers`` (2) at once and ``queue`` (8) waiting;
  beyond that 503 with ``Retry-After``. A job waits at most ``time_budget`` (60 s) for a worker
  and runs at most as long; over the budget its process is killed and the request gets 503.
  So ``/api/health`` and the pages keep answering while uploads are worked on (see
  ``tests/adversarial/test_web.py`` and ``benchmarks/bench_web.py --heavy``). Where fork is not
  available (Windows) the jobs run in threads: still bounded in number, but one over the budget
  runs to its end. The other API views (shock, corridors, alignment) and the pages run in
  Starlette's thread pool; their work is bounded by their validated parameters and memoised.
* Bad input gets a clear message on the page and a 4xx from the API; an unexpected failure gets
  a 500 with a generic message (logged server-side), never a stack trace.
* No response names a folder of the server: absolute paths in JSON and in page data (the
  ``file`` of provenance rows, error messages) are replaced by the path relative to their data
  folder (``kazakhstan/flows.csv``) or the file's name (:func:`scrub_paths`).
* Every response, refusals (400, 401, 403, 413, 503), redirects and 500s included, carries a
  Content-Security-Policy (scripts from ``/static`` only, no framing), ``nosniff``,
  ``X-Frame-Options: DENY`` and ``Referrer-Policy: same-origin`` (no Referer to other sites;
  not ``no-referrer``, under which browsers send ``Origin: null`` with the dashboard's own form
  posts).
* The flows are read once and never written; results are memoised behind locks, so concurrent
  requests cannot corrupt shared state.
"""


import contextlib
import contextvars
import hashlib
import hmac
import html
import ipaddress
import json
import logging
import os
import posixpath
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from ..errors import (
    EquipoiseError,
    InputError,
    NoDataError,
)
from .views import Context, TooManyChanges, Unavailable, capabilities

__all__ = ["WorkerPool", "create_app", "is_loopback", "scrub_paths", "serve"]

log = logging.getLogger("equipoise.web")
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_ROWS = 10_000
MAX_ACTION_CHANGES = 1_000
WORKERS = 2
QUEUE = 8
TIME_BUDGET = 60.0
TOKEN_COOKIE = "equipoise_token"
CSRF_COOKIE = "equipoise_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NAME_OK = re.compile(r"[^A-Za-z0-9._-]")
_COOKIE_OK = re.compile(r"[A-Za-z0-9_-]{16,64}")
# Everything is served from here: scripts only from /static, no framing, no referrer leaks.
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
     b"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
     b"form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" with the
    # dashboard's own form posts, which the Origin check must refuse (a hostile page can ask for
    # it); other sites still get no Referer
    (b"referrer-policy", b"same-origin"),
]
# the form token of the current request (set by the guard, read when a page is rendered)
_CSRF_TOKEN: contextvars.ContextVar[str] = contextvars.ContextVar("equipoise_csrf", default="")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def status_for(exc: Exception) -> int:
    """HTTP status of an equipoise error: 404 no data, 501 capability missing, 413 too large,
    415 not a text upload, 403 refused, 503 busy or over the time budget, 422 bad input."""
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        return status
    if isinstance(exc, Unavailable):
        return 501
    if isinstance(exc, NoDataError):
        return 404
    if isinstance(exc, (PayloadTooLarge, TooManyChanges)):
        return 413
    if isinstance(exc, UnsupportedUpload):
        return 415
    return 422


class PayloadTooLarge(InputError):
    """The request body, or what it asks for (rows, changes), exceeds a limit."""


class UnsupportedUpload(InputError):
    """An upload that is not a TOML text file."""


class Forbidden(EquipoiseError):
    """A form post without a valid CSRF token (403)."""

    status = 403


class ServerBusy(EquipoiseError):
    """Every worker is busy and the queue is full, or no worker came free in time (503)."""

    status = 503
    retry_after = 10


class OverBudget(EquipoiseError):
    """The work took longer than the per-request time budget and was stopped (503)."""

    status = 503


class _Remote(EquipoiseError):
    """An equipoise error raised in a worker process, with the status it maps to."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


# ------------------------------------------------------------------------------ worker pool

def _can_fork() -> bool:
    import multiprocessing as mp

    return "fork" in mp.get_all_start_methods()


class WorkerPool:
    """Heavy work off the event loop, bounded.

    At most ``workers`` jobs run at once, each in a forked process (so CPU-bound Python does not
    hold the server's GIL, and a job over the time budget is killed); at most ``queue`` more wait
    for a worker. A request beyond that is refused at once with :class:`ServerBusy` (503 with
    ``Retry-After``); a job waits at most ``budget`` seconds for a worker (then 503 too) and runs
    at most ``budget`` seconds (then its process is killed and the request answered 503,
    :class:`OverBudget`). Results are memoised per ``key`` (the last ``memo`` keys).

    Where ``fork`` is not available (Windows) or with ``processes=False`` jobs run in the waiting
    thread: bounded in number, but a job over the budget cannot be stopped (its request still
    gets its 503, the worker slot stays taken until the job ends).
    """

    def __init__(self, workers: int = WORKERS, queue: int = QUEUE, budget: float = TIME_BUDGET,
                 *, processes: bool | None = None, after_fork: Callable[[], None] | None = None,
                 memo: int = 64):
        self.workers = max(1, int(workers))
        self.queue = max(0, int(queue))
        self.budget = float(budget)
        self.processes = _can_fork() if processes is None else bool(processes)
        self._after_fork = after_fork
        self._slots = threading.BoundedSemaphore(self.workers)
        self._lock = threading.Lock()
        self._pending = 0
        self._memo: OrderedDict[tuple, Any] = OrderedDict()
        self._memo_size = memo
        self.counts = {"run": 0, "busy": 0, "over_budget": 0}

    @property
    def pending(self) -> int:
        """Jobs running or waiting."""
        return self._pending

    async def run(self, fn: Callable[..., Any], *args, key: tuple | None = None, **kwargs) -> Any:
        """``fn(*args, **kwargs)`` in a worker; its errors are raised here."""
        import anyio.to_thread

        if key is not None:
            with self._lock:
                if key in self._memo:
                    self._memo.move_to_end(key)
                    return self._memo[key]
        with self._lock:
            if self._pending >= self.workers + self.queue:
                self.counts["busy"] += 1
                raise ServerBusy(f"the dashboard is busy: {self._pending} heavy requests are "
                                 f"running or waiting (at most {self.workers} run at once and "
                                 f"{self.queue} wait); try again in a few seconds")
            self._pending += 1
        try:
            value = await anyio.to_thread.run_sync(self._run, fn, args, kwargs)
        finally:
            with self._lock:
                self._pending -= 1
        if key is not None:
            with self._lock:
                self._memo[key] = value
                while len(self._memo) > self._memo_size:
                    self._memo.popitem(last=False)
        return value

    def _run(self, fn, args, kwargs):
        if not self._slots.acquire(timeout=self.budget):
            self.counts["busy"] += 1
            raise ServerBusy(f"the dashboard is busy: no worker came free within "
                             f"{self.budget:g} s; try again later")
        self.counts["run"] += 1
        if not self.processes:
            return self._in_thread(fn, args, kwargs)
        try:
            return self._in_child(fn, args, kwargs)
        finally:
            self._slots.release()

    def _over_budget(self, extra: str = "") -> OverBudget:
        self.counts["over_budget"] += 1
        return OverBudget(f"the request took longer than the time budget of {self.budget:g} s "
                          f"and was stopped{extra}; ask for less (a smaller file, fewer changes "
                          "or runs)")

    def _in_thread(self, fn, args, kwargs):
        """Run in a thread of its own; the slot is freed when the job ends, which may be after
        its request was answered 503 (a thread cannot be stopped)."""
        box: dict[str, Any] = {}

        def job():
            try:
                box["value"] = fn(*args, **kwargs)
            except BaseException as exc:  # handed to the waiting request
                box["error"] = exc
            finally:
                self._slots.release()

        th = threading.Thread(target=job, daemon=True, name="equipoise-job")
        th.start()
        th.join(self.budget)
        if th.is_alive():
            raise self._over_budget(" (it still runs to its end in the background)")
        if "error" in box:
            raise box["error"]
        return box["value"]

    def _in_child(self, fn, args, kwargs):
        import multiprocessing as mp

        mpc = mp.get_context("fork")
        recv, send = mpc.Pipe(duplex=False)
        proc = mpc.Process(target=_child_main, args=(send, fn, args, kwargs, self._after_fork),
                           daemon=True, name="equipoise-worker")
        proc.start()
        send.close()
        try:
            if not recv.poll(self.budget):
                raise self._over_budget()
            try:
                msg = recv.recv()
            except (EOFError, OSError) as exc:
                proc.join(5)
                raise RuntimeError(f"a worker process ended without an answer (exit code "
                                   f"{proc.exitcode})") from exc
        finally:
            recv.close()
            if proc.is_alive():
                proc.kill()
            proc.join(5)
        if msg[0] == "ok":
            return msg[1]
        if msg[0] == "error":
            raise _Remote(msg[2], msg[1])
        raise RuntimeError("unexpected error in a worker process (logged there)")


def _child_main(conn, fn, args, kwargs, after_fork) -> None:
    """A forked worker: run ``fn``, send ``("ok", value)``, ``("error", status, message)`` or
    ``("crash",)`` back."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server; it kills us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the server's handler (inherited)
    with contextlib.suppress(AttributeError, OSError):
        os.nice(10)  # the server answering comes first
    try:
        if after_fork is not None:
            after_fork()
        msg: tuple = ("ok", fn(*args, **kwargs))
    except EquipoiseError as exc:
        msg = ("error", status_for(exc), str(exc))
    except Exception:
        log.exception("unexpected error in a dashboard worker process")
        msg = ("crash",)
    try:
        conn.send(msg)
    except Exception:
        log.exception("a dashboard worker could not send its result")
        conn.send(("crash",))
    conn.close()


# ------------------------------------------------------------------------------ no server paths

_ABS_PATH = re.compile(r"(?<![\w.:/\\~%-])/(?:[^\s/\\\"'`<>|:;,(){}\[\]]+/)+"
                       r"[^\s/\\\"'`<>|:;,(){}\[\]]*")


def _shown_path(m: re.Match) -> str:
    p = m.group(0)
    first = p.split("/", 2)[1]
    if not first or not os.path.isdir("/" + first):
        return p  # an address on this site (/domain/trade), not a folder of this machine
    from ..io.files import data_roots

    for root in data_roots():
        if p.startswith(root + "/"):
            return p[len(root) + 1:]
    return posixpath.basename(p.rstrip("/")) or "."


def scrub_paths(obj: Any) -> Any:
    """A copy of ``obj`` (dicts, lists, strings) in which every absolute path of this machine is
    replaced by the path relative to its data folder (the package's datasets,
    ``$EQUIPOISE_SHARED_DATA``, ``$EQUIPOISE_VOTES``) or else by the file's name: no response
    tells a client where the server's files live."""
    if isinstance(obj, str):
        return _ABS_PATH.sub(_shown_path, obj) if "/" in obj else obj
    if isinstance(obj, dict):
        return {k: scrub_paths(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [scrub_paths(v) for v in obj]
    return obj


# ------------------------------------------------------------------------------ ASGI guards

class _Guard:
    """Pure ASGI middleware, outermost: security headers on every response, loopback Host check,
    Origin check of unsafe methods, token check, request-body cap (read into memory), CSRF
    cookie."""

    def __init__(self, app, *, token: str | None, allowed_hosts: list[str] | None,
                 max_body: int, csrf_secret: bytes):
        self.app = app
        self.token = token
        self.allowed_hosts = {h.lower() for h in allowed_hosts} if allowed_hosts else None
        self.max_body = max_body
        self.csrf_secret = csrf_secret

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        path = scope.get("path", "")
        method = scope.get("method", "GET").upper()
        api = path.startswith("/api")
        cookies: list[bytes] = []

        async def send_secure(msg):
            if msg["type"] == "http.response.start":
                msg = {**msg, "headers": [*msg.get("headers", []), *SECURITY_HEADERS,
                                          *((b"set-cookie", c) for c in cookies)]}
            await send(msg)

        if self.allowed_hosts is not None:
            host = headers.get("host", "").lower()
            host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if host.strip("[]") not in self.allowed_hosts and host not in self.allowed_hosts:
                return await _plain(send_secure, 400, api, f"Host {host!r} is not served here")
        if method in UNSAFE_METHODS:
            foreign = _foreign_origin(headers)
            if foreign:
                return await _plain(send_secure, 403, api, foreign)
        if self.token and not path.startswith("/static/"):
            given = _token_from(headers, scope)
            if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
                return await _plain(send_secure, 401, api, "a token is required: open the "
                                    "address printed by `equipoise serve` (it carries ?token=...) "
                                    "or send 'Authorization: Bearer <token>'")
            if _query_token(scope) is not None and not api and method in ("GET", "HEAD"):
                # move the token from the address into a cookie, then drop it from the URL
                return await _redirect_with_cookie(send_secure, _local_location(
                    path, scope.get("query_string", b"")), self.token)
        length = headers.get("content-length")
        if length is not None:
            try:
                n = int(length)
                if n < 0:
                    raise ValueError(length)
            except ValueError:
                return await _plain(send_secure, 400, api, f"bad Content-Length header "
                                    f"{length[:40]!r}")
            if n > self.max_body:
                return await _plain(send_secure, 413, api, f"request body over the limit of "
                                    f"{self.max_body:,} bytes")
        if method in UNSAFE_METHODS or length not in (None, "0") \
                or "transfer-encoding" in headers:
            # the whole body, in memory, before the app sees it: 413 however it is sent (chunked
            # too), and nothing spooled to disk
            body = bytearray()
            while True:
                msg = await receive()
                if msg["type"] == "http.disconnect":
                    return None
                body += msg.get("body", b"")
                if len(body) > self.max_body:
                    return await _plain(send_secure, 413, api, f"request body over the limit "
                                        f"of {self.max_body:,} bytes")
                if not msg.get("more_body", False):
                    break
            receive = _replay(bytes(body), receive)
        reset = None
        if not api and not path.startswith("/static/"):
            cookie = _cookie(headers, CSRF_COOKIE)
            scope["equipoise.csrf_cookie"] = bool(cookie and _COOKIE_OK.fullmatch(cookie))
            if not scope["equipoise.csrf_cookie"]:
                cookie = secrets.token_urlsafe(24)
                cookies.append(f"{CSRF_COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Strict"
                               .encode())
            token = hmac.new(self.csrf_secret, cookie.encode(), hashlib.sha256).hexdigest()
            scope["equipoise.csrf"] = token
            reset = _CSRF_TOKEN.set(token)
        try:
            return await self.app(scope, receive, send_secure)
        finally:
            if reset is not None:
                _CSRF_TOKEN.reset(reset)


def _replay(body: bytes, receive):
    done = False

    async def again():
        nonlocal done
        if not done:
            done = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # then wait for the disconnect

    return again


def _origin_key(url: str, default_scheme: str | None = None) -> tuple[str, int | None] | None:
    """(host, port) of an origin or URL (the scheme's port when none is written)."""
    try:
        u = urlsplit(url if "//" in url else f"//{url}")
        port = u.port
    except ValueError:
        return None
    scheme = u.scheme or default_scheme
    if not u.hostname or not scheme:
        return None
    return u.hostname.lower(), port or {"http": 80, "https": 443}.get(scheme)


def _foreign_origin(headers: dict) -> str | None:
    """Why an unsafe request is refused as cross-site, or None. A browser sends ``Origin`` (and
    ``Sec-Fetch-Site``) with every cross-origin POST; curl and scripts send neither."""
    site = headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return f"a {site} request is refused: post from the dashboard's own pages"
    host = headers.get("host", "")
    for name in ("origin", "referer"):
        given = headers.get(name)
        if given is None:
            continue
        key = _origin_key(given)
        if key is None or key != _origin_key(host, urlsplit(given).scheme or "http"):
            return (f"{name.title()} {given[:100]!r} is not this dashboard ({host[:100]}): "
                    "cross-site posts are refused")
        return None  # Origin wins over Referer
    return None


def _local_location(path: str, query: bytes) -> str:
    """A same-origin redirect target: the path without leading slashes, backslashes, spaces or
    control characters (``//evil.example`` would leave the site), percent-encoded, with the query
    less ``token``."""
    rest = path.lstrip("/\\ \t\r\n\x00\x0b\x0c")
    loc = "/" + quote(rest, safe="/-._~!$&'()*+,;=:@")
    q = [(k, v) for k, v in parse_qsl(query.decode("latin-1"), keep_blank_values=True)
         if k != "token"]
    return loc + ("?" + urlencode(q) if q else "")


def _cookie(headers: dict, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return v
    return None


def _query_token(scope) -> str | None:
    from urllib.parse import parse_qs

    q = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    vals = q.get("token")
    return vals[0] if vals else None


def _token_from(headers: dict, scope) -> str | None:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    cookie = _cookie(headers, TOKEN_COOKIE)
    if cookie is not None:
        return cookie
    return _query_token(scope)


async def _plain(send, status: int, api: bool, message: str):
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


async def _redirect_with_cookie(send, location: str, token: str):
    cookie = f"{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location.encode("latin-1")),
                            (b"set-cookie", cookie.encode()), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


def _check_csrf(request, form) -> None:
    """Refuse a form post whose ``csrf_token`` field (or ``X-CSRF-Token`` header) is not the
    token of this browser's CSRF cookie."""
    want = request.scope.get("equipoise.csrf")
    got = form.get(CSRF_FIELD) if form is not None else None
    if not isinstance(got, str) or not got:
        got = request.headers.get(CSRF_HEADER, "")
    if not request.scope.get("equipoise.csrf_cookie") or not want \
            or not hmac.compare_digest(got.encode(), want.encode()):
        raise Forbidden("the form's CSRF token is missing or does not match this browser's "
                        "cookie: reload the page and submit the form again")


# ------------------------------------------------------------------------------ the app

def create_app(flows=None, *, focal: str | None = None, doctrine=None, token: str | None = None,
               allowed_hosts: list[str] | None = None,
               max_upload_bytes: int = MAX_UPLOAD_BYTES, context: Context | None = None,
               alignment_reps: int = 300, mc_runs: int = 20_000, warm: bool = False,
               max_upload_rows: int = MAX_UPLOAD_ROWS,
               max_action_changes: int = MAX_ACTION_CHANGES, workers: int = WORKERS,
               queue: int = QUEUE, time_budget: float = TIME_BUDGET,
               processes: bool | None = None, panel_db: Any = None):
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
    max_upload_rows, max_action_changes
        Cap on the rows of an uploaded flows CSV and on the changes of an uploaded action (413
        beyond).
    workers, queue, time_budget, processes
        The :class:`WorkerPool` that runs the heavy work (action evaluation, uploaded flows,
        Monte Carlo): jobs at once, jobs waiting, seconds a job may wait and run; processes
        (forked, killable) when fork is available, else threads.
    context
        A ready :class:`~equipoise.present.views.Context` (tests, the benchmark).
    alignment_reps, mc_runs
        Bootstrap replicates of the alignment page and scenarios of the Monte Carlo page.
    warm
        Compute the overview (and start the chart renderer, whose first call is slow) before
        serving, so the first visitor does not wait.
    panel_db
        A warehouse holding the world panel, for the trend and peers pages
        (:mod:`equipoise.present.web_panel`); without it those pages say how to build one.
    """
    import anyio.to_thread
    from fastapi import FastAPI, File, Form, Query, Request, UploadFile
    from fastapi import Path as Path_
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, JSONResponse, Response
    from fastapi.staticfiles import StaticFiles
    from starlette.exceptions import HTTPException as StarletteHTTPException
    from starlette.formparsers import MultiPartParser

    class _JSON(JSONResponse):
        """JSON with every absolute server path scrubbed (:func:`scrub_paths`)."""

        def render(self, content: Any) -> bytes:
            return super().render(scrub_paths(content))

    class _App(FastAPI):
        """The guard wraps the whole stack, the 500 handler too: every response carries the
        security headers."""

        def build_middleware_stack(self):
            return _Guard(super().build_middleware_stack(), token=token,
                          allowed_hosts=allowed_hosts, max_body=max_upload_bytes,
                          csrf_secret=csrf_secret)

    from .. import __version__, reference
    from . import charts as C
    from . import report as R

    ctx = context or Context(flows, focal=focal, doctrine=doctrine)
    csrf_secret = secrets.token_bytes(32)
    pool = WorkerPool(workers, queue, time_budget, processes=processes,
                      after_fork=ctx.reset_locks)
    # uploads stay in memory: the multipart parser keeps a file part in memory up to this size
    # (Starlette's default, 1 MiB, would spool a larger one to a temporary file)
    MultiPartParser.spool_max_size = max(MultiPartParser.spool_max_size, max_upload_bytes + 1)
    app = _App(title="equipoise", version=__version__, default_response_class=_JSON,
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
            domains=domains_with_data, csrf_token=_CSRF_TOKEN.get(),
            **{k: scrub_paths(v) for k, v in kw.items()})
        return HTMLResponse(body, status_code=status)

    def svg(key: tuple, make) -> str:
        return ctx._cached(("svg", *key), lambda: C.to_svg(make()))

    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api")

    def error_response(request: Request, status: int, message: str):
        if is_api(request):
            return _JSON({"error": message, "status": status}, status_code=status)
        fragment = request.headers.get("hx-request") == "true"
        return page("error.html" if not fragment else "_error.html", status=status,
                    status_code=status, message=message)

    # -- errors --------------------------------------------------------------------------------
    @app.exception_handler(EquipoiseError)
    async def _eq_error(request: Request, exc: EquipoiseError):
        r = error_response(request, status_for(exc), str(exc))
        if getattr(exc, "retry_after", None):
            r.headers["retry-after"] = str(exc.retry_after)
        return r

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        parts = []
        for e in exc.errors():
            loc = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path", "body"))
            parts.append(f"{loc or 'input'}: {e.get('msg')} (saw {e.get('input')!r})")
        msg = "; ".join(parts) or "invalid request"
        if is_api(request):
            return _JSON({"error": msg, "status": 422,
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

    async def evaluate_action(text: str | None, name: str, example: str | None) -> dict:
        key = ("action", hashlib.sha256((text or "").encode()).hexdigest(), example)
        return await pool.run(ctx.action_json, text, name=name, example=example,
                              max_changes=max_action_changes, key=key)

    @app.post("/action", response_class=HTMLResponse, include_in_schema=False)
    async def action_run(request: Request):
        form = await request.form(max_files=1, max_fields=8)
        _check_csrf(request, form)
        text, name, example = await _read_action_form(form, max_upload_bytes)
        ev = await evaluate_action(text, name, example)

        def render():
            try:
                examples = ctx.action_examples()
            except Unavailable:
                examples = []
            return page("action.html", active="action", examples=examples, ev=ev,
                        limit=max_upload_bytes, table=_before_after(ev))

        return await anyio.to_thread.run_sync(render)

    @app.get("/data", response_class=HTMLResponse, include_in_schema=False)
    def data_form():
        return page("data.html", active="data", result=None, limit=max_upload_bytes)

    async def assess_upload(text: str, name: str, focal: str | None, year: int | None,
                            lenient: bool, full: bool) -> dict:
        key = ("assess-upload", hashlib.sha256(text.encode()).hexdigest(), focal, year,
               lenient, full)
        return await pool.run(_assess_upload, ctx.doctrine, text, name, focal=focal, year=year,
                              lenient=lenient, max_rows=max_upload_rows, full=full, key=key)

    @app.post("/data", response_class=HTMLResponse, include_in_schema=False)
    async def data_run(request: Request):
        form = await request.form(max_files=1, max_fields=8)
        _check_csrf(request, form)
        file = form.get("file")
        if file is None or isinstance(file, str) or not getattr(file, "filename", None):
            raise InputError("choose a flows file (.csv, canonical columns) to upload")
        text, name = await _read_upload(file, max_upload_bytes, kind=".csv")
        focal_in = form.get("focal")
        focal_in = focal_in.strip().upper() if isinstance(focal_in, str) else ""
        res = await assess_upload(text, name, focal_in or None, None, True, True)

        def render():
            a, srcs = res["a"], [dict(x) for x in res["sources"]]
            for x in srcs:
                x["anchor"] = R.anchor(x["source"])
            return page("data.html", active="data", limit=max_upload_bytes, result={
                "sources": srcs, "name": name, "focal": res["focal"], "counts": res["counts"],
                "quarantine": res["quarantine"], "a": a,
                "heatmap": C.to_svg(C.heatmap(a)),
                "scorecard": R.scorecard_table(a), "rules": R.rules_table(a)})

        return await anyio.to_thread.run_sync(render)

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

    _XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def download(obj: Any, kind: str, fmt: str, name: str) -> Response:
        from .exports import csv_bytes, to_tables, xlsx_bytes

        tables = to_tables(scrub_paths(obj), kind)
        filename = re.sub(r"[^A-Za-z0-9._-]", "_", f"equipoise-{name}.{fmt}")
        if fmt == "csv":
            body, media = csv_bytes(tables), "text/csv; charset=utf-8"
        else:
            import pandas as pd

            body = xlsx_bytes(tables, sources=pd.DataFrame(scrub_paths(ctx.sources_json())))
            media = _XLSX
        return Response(body, media_type=media,
                        headers={"content-disposition": f'attachment; filename="{filename}"'})

    files = {200: {"description": "CSV (tables stacked, a leading 'table' column) or workbook",
                   "content": {"text/csv": {}, _XLSX: {}}}}

    from .web_panel import add_routes as add_panel_routes

    add_panel_routes(app, ctx=ctx, page=page, svg=svg, download=download, panel_db=panel_db)

    @app.get("/api/assess.{fmt}", tags=["downloads"], response_class=Response, responses=files)
    def api_assess_download(fmt: str = Path_(..., pattern="^(csv|xlsx)$"),
                            year: int | None = Query(None, ge=1900, le=2100)):
        """The tables of `equipoise assess --csv FILE` (or `--xlsx FILE`, with a sources
        sheet): the same numbers as ``/api/assess``."""
        return download(ctx.assess_json(year), "assess", fmt,
                        f"assess-{ctx.focal}" + (f"-{year}" if year else ""))

    @app.get("/api/shock.{fmt}", tags=["downloads"], response_class=Response, responses=files)
    def api_shock_download(fmt: str = Path_(..., pattern="^(csv|xlsx)$"),
                           partner: str = Query(..., min_length=2, max_length=8),
                           domains: str | None = Query(None, max_length=200),
                           intensity: float = Query(1.0, ge=0.0, le=1.0),
                           loss_model: str = Query("shares",
                                                   pattern="^(shares|corridors|max)$")):
        """The tables of `equipoise shock --csv FILE`: the same numbers as ``/api/shock``."""
        res = ctx.shock_json(partner, domains, intensity, loss_model)
        return download(res, "shock", fmt, f"shock-{ctx.focal}-{res.get('partner', 'x')}")

    @app.get("/api/explain/{domain}.{fmt}", tags=["downloads"], response_class=Response,
             responses=files)
    def api_explain_download(domain: str, fmt: str = Path_(..., pattern="^(csv|xlsx)$"),
                             year: int | None = Query(None, ge=1900, le=2100)):
        """The tables of `equipoise explain --domain DOMAIN --csv FILE`."""
        return download(ctx.explain_json(domain, year), "explain", fmt,
                        f"explain-{ctx.focal}-{domain}")

    @app.get("/api/sources.{fmt}", tags=["downloads"], response_class=Response,
             responses=files)
    def api_sources_download(fmt: str = Path_(..., pattern="^(csv|xlsx)$"),
                             domain: str | None = None):
        """Every source behind the numbers (`equipoise sources --json` as a table)."""
        return download(ctx.sources_json(domain), "sources", fmt, f"sources-{ctx.focal}")

    @app.get("/api/corridors.{fmt}", tags=["downloads"], response_class=Response,
             responses=files)
    def api_corridors_download(fmt: str = Path_(..., pattern="^(csv|xlsx)$"),
                               system: str | None = None,
                               without: str | None = Query(None, max_length=200),
                               contingencies: int = Query(0, ge=0, le=2)):
        """The tables of `equipoise corridors --csv FILE`: the same numbers as
        ``/api/corridors``."""
        return download(ctx.corridors_json(system, without or (), contingencies), "corridors",
                        fmt, f"corridors-{ctx.focal}")

    @app.get("/api/simulate.{fmt}", tags=["downloads"], response_class=Response,
             responses=files)
    async def api_simulate_download(fmt: str = Path_(..., pattern="^(csv|xlsx)$"),
                                    runs: int = Query(20_000, ge=1_000, le=200_000),
                                    seed: int = Query(0, ge=0, le=2**31 - 1)):
        """The tables of `equipoise simulate --csv FILE`: the same numbers as
        ``/api/simulate`` (run in the worker pool, as it is)."""
        res = await pool.run(ctx.montecarlo_json, runs=runs, seed=seed,
                             key=("simulate", runs, seed))
        return download(res, "simulate", fmt, f"simulate-{ctx.focal}-{runs}-{seed}")

    @app.get("/api/alignment.{fmt}", tags=["downloads"], response_class=Response,
             responses=files)
    def api_alignment_download(fmt: str = Path_(..., pattern="^(csv|xlsx)$"),
                               measure: str = "agree", by: str = "year",
                               start: int | None = Query(None, ge=1946, le=2100),
                               end: int | None = Query(None, ge=1946, le=2100),
                               reps: int = Query(300, ge=10, le=2000),
                               seed: int = Query(0, ge=0, le=2**31 - 1),
                               min_rollcalls: int = Query(10, ge=1, le=1000),
                               poles: str | None = Query(None, max_length=100)):
        """The tables of `equipoise align --csv FILE`: the same numbers as ``/api/alignment``."""
        res = ctx.alignment_json(measure=measure, by=by, start=start, end=end, reps=reps,
                                 seed=seed, min_rollcalls=min_rollcalls, poles=poles)
        return download(res, "align", fmt, f"align-{ctx.focal}-{measure}")

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
    async def api_simulate(runs: int = Query(20_000, ge=1_000, le=200_000),
                           seed: int = Query(0, ge=0, le=2**31 - 1)) -> dict:
        """What `equipoise simulate --runs N --seed S --json` prints (plus a histogram)."""
        return await pool.run(ctx.montecarlo_json, runs=runs, seed=seed,
                              key=("simulate", runs, seed))

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
        return await assess_upload(text, name, (focal or "").strip().upper() or None, year,
                                   lenient, False)

    @app.post("/api/action", tags=["doctrine"])
    async def api_action(file: UploadFile | None = File(None, description="action TOML"),
                         example: str | None = Form(None)) -> dict:
        """What `equipoise evaluate FILE --json` prints: the action evaluated before/after."""
        text = name = None
        if file is not None and file.filename:
            text, name = await _read_upload(file, max_upload_bytes)
        return await evaluate_action(text, name or "upload", example or None)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        return Response(status_code=204)

    if warm:
        a = ctx.assess_json()
        svg(("heatmap",), lambda: C.heatmap(a))
        svg(("shares",), lambda: C.shares_chart(a))
        svg(("rules",), lambda: C.rules_chart(a))
    app.state.context = ctx
    app.state.pool = pool
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


async def _read_action_form(form, limit: int) -> tuple[str | None, str, str | None]:
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


def _assess_upload(doctrine, text: str, name: str, *, focal: str | None, year: int | None,
                   lenient: bool, max_rows: int | None, full: bool) -> dict:
    """Assess an uploaded flows CSV (in a worker): the assessment JSON, or with ``full`` what the
    data page shows (assessment, sources, counts, quarantine, focal state)."""
    from .views import clean

    fs = _flows_from_csv(text, name, lenient=lenient, max_rows=max_rows)
    f = focal or _guess_focal(fs)
    if not f:
        raise NoDataError(f"{name}: no valid rows to assess")
    sub = Context(fs, focal=f, doctrine=doctrine if f == doctrine.focal else None)
    a = sub.assess_json(year)
    if not full:
        return a
    return {"a": a, "sources": sub.sources_json(), "focal": f, "counts": dict(fs.counts),
            "quarantine": clean(fs.quarantine)}


def _flows_from_csv(text: str, name: str, *, lenient: bool, max_rows: int | None = None):
    """Canonical flows from uploaded CSV text (validated like ``equipoise validate``); more than
    ``max_rows`` rows is refused (413) before validation."""
    from ..io.flows import read_flows_bytes

    # The same parser as `equipoise validate`: physical line numbers, ragged rows and quote
    # errors quarantined (lenient) or reported (strict), every problem of a row named.
    # Read leniently first so that the row cap (413) is decided before any row problem (422);
    # a strict upload with problems is then read again strictly for the full report.
    data = text.encode("utf-8")
    fs = read_flows_bytes(data, source=name, lenient=True)
    n = int(fs.counts["read"])
    if max_rows is not None and n > max_rows:
        raise PayloadTooLarge(f"{name}: {n:,} rows; at most {max_rows:,} rows are assessed "
                              "per upload (assess a larger file with `equipoise assess --data`)")
    if not lenient and len(fs.quarantine):
        fs = read_flows_bytes(data, source=name, lenient=False)
    return fs


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
          focal: str | None = None, doctrine=None, log_level: str = "warning",
          **limits: Any) -> None:
    """Run the dashboard with uvicorn (blocking). See the module docstring for the hardening;
    ``limits`` go to :func:`create_app` (``max_upload_bytes``, ``max_upload_rows``,
    ``max_action_changes``, ``workers``, ``queue``, ``time_budget``)."""
    allowed_limits = {"max_upload_bytes", "max_upload_rows", "max_action_changes", "workers",
                      "queue", "time_budget", "panel_db"}
    unknown = sorted(set(limits) - allowed_limits)
    if unknown:
        raise TypeError(f"serve() got unknown options {unknown}; expecting some of "
                        f"{sorted(allowed_limits)}")
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
                     warm=True, **limits)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    err_console().print(f"equipoise dashboard on [bold]{url}[/bold]"
                        + ("" if loop else "  (token required: bound to a non-loopback address)"),
                        soft_wrap=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
