"""The web dashboard: FastAPI + Jinja2 + htmx (served from the package; no CDN, no network).

Pages: ``/`` overview, ``/domain/{domain}`` the rows and sources behind each number,
``/whatif`` a partner shock with the corridor results, ``/action`` an action file evaluated
before/after, ``/alignment``, ``/risk`` (corridors and Monte Carlo), ``/sources``, ``/data``
(assess an uploaded flows CSV), ``/trend`` and ``/peers`` (the world panel, ``serve --panel``).
JSON under ``/api`` (schema at ``/api/openapi.json``) serves what the CLI's ``--json`` prints, by
calling the same functions (:mod:`equipoise.present.views`). Downloads (GET, the same
headers): ``/api/assess.csv`` and ``/api/assess.xlsx`` (with a sources sheet),
``/api/shock.csv``/``.xlsx`` with the parameters of ``/api/shock``; the tables of the CLI's
``--csv``/``--xlsx`` (:mod:`equipoise.present.exports`), linked from the overview page.

Layout
------
:mod:`.app` the app factory (:func:`create_app`) and :func:`serve`; :mod:`.deps` the state
every handler works on (:class:`~.deps.Dashboard`: the views' context, the worker pool, the
settings, the page renderer), handed to handlers as a FastAPI dependency; :mod:`.pages` the HTML
pages, :mod:`.api` the JSON API, :mod:`.downloads` the CSV/workbook downloads and :mod:`.panel`
the world panel's pages, JSON and downloads (routers; the factory defines no route);
:mod:`.guard` the ASGI guard (headers, host, origin, token, body cap, CSRF); :mod:`.pool` the
worker pool; :mod:`.uploads` reading and assessing uploads; :mod:`.paths` the path scrubber;
:mod:`.status` the refusals and their HTTP status; :mod:`.settings` the limits and options
(the world panel's warehouse among them).

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

from .app import create_app, serve
from .guard import SECURITY_HEADERS, is_loopback
from .paths import scrub_paths
from .pool import WorkerPool
from .settings import (
    MAX_ACTION_CHANGES,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_ROWS,
    QUEUE,
    TIME_BUDGET,
    WORKERS,
)
from .status import (
    Forbidden,
    OverBudget,
    PayloadTooLarge,
    ServerBusy,
    UnsupportedUpload,
    status_for,
)
from .status import _Remote as _Remote  # worker errors (the tests match on it)

__all__ = ["MAX_ACTION_CHANGES", "MAX_UPLOAD_BYTES", "MAX_UPLOAD_ROWS", "QUEUE", "SECURITY_HEADERS",
           "TIME_BUDGET", "WORKERS", "Forbidden", "OverBudget", "PayloadTooLarge", "ServerBusy",
           "UnsupportedUpload", "WorkerPool", "create_app", "is_loopback",
           "scrub_paths", "serve", "status_for"]
