"""The ASGI guard around the whole dashboard (outermost middleware): security headers on every
response, the loopback ``Host`` check, the ``Origin`` check of unsafe methods, the token, the
request-body cap (read into memory) and the CSRF cookie; :func:`check_csrf` for the form posts.
See the package docstring for what each one refuses."""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import html
import ipaddress
import json
import re
import secrets
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from ..._results import fmt_number
from .status import Forbidden

__all__ = ["SECURITY_HEADERS", "Guard", "check_csrf", "csrf_token", "is_loopback"]

TOKEN_COOKIE = "equipoise_token"
CSRF_COOKIE = "equipoise_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
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


def csrf_token() -> str:
    """The form token of the request being answered ('' outside a page request)."""
    return _CSRF_TOKEN.get()


class Guard:
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

        refused = self._refused(headers, path, method, scope)
        if refused is not None:
            return await _plain(send_secure, *refused, api=api)
        if self.token and not path.startswith("/static/") and _query_token(scope) is not None \
                and not api and method in ("GET", "HEAD"):
            # move the token from the address into a cookie, then drop it from the URL
            return await _redirect_with_cookie(send_secure, _local_location(
                path, scope.get("query_string", b"")), self.token)
        refused = self._refused_length(headers.get("content-length"))
        if refused is not None:
            return await _plain(send_secure, *refused, api=api)
        if method in UNSAFE_METHODS or headers.get("content-length") not in (None, "0") \
                or "transfer-encoding" in headers:
            # the whole body, in memory, before the app sees it: 413 however it is sent (chunked
            # too), and nothing spooled to disk
            body = await _read_body(receive, self.max_body)
            if body is None:  # the client went away
                return None
            if len(body) > self.max_body:
                return await _plain(send_secure, 413, f"request body over the limit of "
                                    f"{fmt_number(self.max_body)} bytes", api=api)
            receive = _replay(body, receive)
        reset = None
        if not api and not path.startswith("/static/"):
            reset = _CSRF_TOKEN.set(self._csrf(scope, headers, cookies))
        try:
            return await self.app(scope, receive, send_secure)
        finally:
            if reset is not None:
                _CSRF_TOKEN.reset(reset)

    def _refused(self, headers: dict, path: str, method: str, scope) -> tuple[int, str] | None:
        """(status, message) of a request refused for its host, its origin or its token."""
        if self.allowed_hosts is not None:
            host = headers.get("host", "").lower()
            host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if host.strip("[]") not in self.allowed_hosts and host not in self.allowed_hosts:
                return 400, f"Host {host!r} is not served here"
        if method in UNSAFE_METHODS:
            foreign = _foreign_origin(headers)
            if foreign:
                return 403, foreign
        if self.token and not path.startswith("/static/"):
            given = _token_from(headers, scope)
            if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
                return 401, ("a token is required: open the address printed by `equipoise "
                             "serve` (it carries ?token=...) or send 'Authorization: Bearer "
                             "<token>'")
        return None

    def _refused_length(self, length: str | None) -> tuple[int, str] | None:
        """(status, message) of a bad or over-size ``Content-Length``."""
        if length is None:
            return None
        try:
            n = int(length)
            if n < 0:
                raise ValueError(length)
        except ValueError:
            return 400, f"bad Content-Length header {length[:40]!r}"
        if n > self.max_body:
            return 413, f"request body over the limit of {fmt_number(self.max_body)} bytes"
        return None

    def _csrf(self, scope, headers: dict, cookies: list[bytes]) -> str:
        """The form token of this browser's CSRF cookie (a new cookie, added to ``cookies``,
        when it has none)."""
        cookie = _cookie(headers, CSRF_COOKIE)
        scope["equipoise.csrf_cookie"] = bool(cookie and _COOKIE_OK.fullmatch(cookie))
        if not scope["equipoise.csrf_cookie"]:
            cookie = secrets.token_urlsafe(24)
            cookies.append(f"{CSRF_COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Strict".encode())
        token = hmac.new(self.csrf_secret, cookie.encode(), hashlib.sha256).hexdigest()
        scope["equipoise.csrf"] = token
        return token


async def _read_body(receive, limit: int) -> bytes | None:
    """The whole request body, or None when the client disconnects; stops reading once it is
    over ``limit`` (the caller answers 413)."""
    body = bytearray()
    while True:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            return None
        body += msg.get("body", b"")
        if len(body) > limit or not msg.get("more_body", False):
            return bytes(body)


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


async def _plain(send, status: int, message: str, *, api: bool):
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


def check_csrf(request, form) -> None:
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
