"""The dashboard in a real headless Chromium (Debian's ``chromium``, driven by Playwright with
``executable_path``): the overview renders, a what-if shock changes the numbers, bad input shows
an error on the page. Screenshots go to ``$EQUIPOISE_SCREENSHOTS`` (default: a pytest temp
folder, printed)."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from equipoise.present.views import capabilities

CHROMIUM = Path(os.environ.get("EQUIPOISE_CHROMIUM", "/usr/bin/chromium"))
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium; "
                              ".ci/run installs it)"),
]


@pytest.fixture(scope="module")
def server(kaz_ctx):
    import uvicorn

    from equipoise.present.web import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(context=kaz_ctx, alignment_reps=30, mc_runs=2000,
                     allowed_hosts=["127.0.0.1", "localhost"])
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline:
            pytest.fail("the dashboard did not start within 30 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    th.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                              args=["--no-sandbox", "--disable-gpu",
                                    "--disable-background-networking"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    d = Path(os.environ.get("EQUIPOISE_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    d.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots in {d}")
    return d


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = ctx.new_page()
    external = []
    pg.on("request", lambda r: external.append(r.url)
          if not r.url.startswith(("http://127.0.0.1", "data:", "about:", "file:")) else None)
    errors = []
    pg.on("console", lambda m: errors.append(m.text)
          if m.type == "error" and "status of 4" not in m.text else None)
    yield pg
    ctx.close()
    assert not external, f"the page fetched from outside: {external}"
    assert not errors, f"console errors (e.g. the Content-Security-Policy): {errors}"


def test_overview_renders(server, page, shots):
    page.goto(server + "/")
    assert page.locator("h1").inner_text().startswith("Functional balance of Kazakhstan")
    assert page.locator("#heatmap svg").count() == 1
    n = page.locator("#n-critical").inner_text()
    assert n.isdigit()
    page.screenshot(path=str(shots / "overview.png"), full_page=True)


@pytest.mark.skipif(not capabilities()["shocks"]["available"], reason="equipoise.risk.shocks absent")
def test_whatif_numbers_change(server, page, shots, kaz_ctx):
    page.goto(server + "/whatif")
    page.select_option("#partner", "RUS")
    page.fill("#intensity", "1")
    page.click("button[type=submit]")
    total = page.locator("#total-loss")
    total.wait_for()
    full = kaz_ctx.shock_json("RUS", None, 1.0)["total"]
    page.wait_for_function("(want) => document.querySelector('#total-loss').innerText.includes(want)",
                           arg=f"{100 * full:.1f}%")
    page.screenshot(path=str(shots / "whatif-rus-1.png"), full_page=True)
    before = total.inner_text()
    page.fill("#intensity", "0.5")
    page.locator("#intensity").dispatch_event("change")
    half = kaz_ctx.shock_json("RUS", None, 0.5)["total"]
    page.wait_for_function("(want) => document.querySelector('#total-loss').innerText.includes(want)",
                           arg=f"{100 * half:.1f}%", timeout=15_000)
    assert page.locator("#total-loss").inner_text() != before
    assert "0.5" in page.locator("#shock-partner").inner_text()
    # the corridor table is there and shows the partner's removal
    assert page.locator("#corridor-table").count() in (0, 1)
    page.screenshot(path=str(shots / "whatif-rus-0.5.png"), full_page=True)


def test_bad_input_shows_an_error_on_the_page(server, page, shots):
    # the form's own min/max stop 7 in the browser; the server must refuse it all the same
    page.goto(server + "/whatif?partner=CHN&intensity=7")
    err = page.locator("#result .error")
    err.wait_for()
    assert "intensity" in err.inner_text()
    page.screenshot(path=str(shots / "whatif-error.png"))


def test_domain_page_lists_rows(server, page, shots):
    page.goto(server + "/domain/energy")
    assert page.locator("#rows tbody tr").count() >= 1
    page.screenshot(path=str(shots / "domain-energy.png"), full_page=True)


def test_report_opens_offline(page, shots, tmp_path, kaz_ctx):
    from equipoise.present.report import build_report

    out = build_report(kaz_ctx, out=tmp_path / "report.html", alignment_reps=20)["html"]
    page.goto(out.resolve().as_uri())
    assert "functional balance report" in page.locator("h1").inner_text()
    assert page.locator("figure.chart svg").count() >= 4
    page.screenshot(path=str(shots / "report.png"), full_page=False)


@pytest.mark.skipif(not capabilities()["actions"]["available"],
                    reason="equipoise.doctrine.actions absent")
def test_action_form_posts_with_its_csrf_token(server, page, shots, kaz_ctx):
    """The real form post: Chromium sends the page's hidden CSRF token, its cookie and its own
    Origin; the dashboard evaluates the example (a post without the token is refused, see
    tests/adversarial/test_web.py)."""
    names = kaz_ctx.action_examples()
    if not names:
        pytest.skip("no shipped action examples")
    page.goto(server + "/action")
    assert page.locator("input[name=csrf_token]").get_attribute("value")
    page.select_option("select[name=example]", names[0])
    page.click("button[type=submit]")
    page.locator("#before-after").wait_for(timeout=120_000)
    assert page.locator("#before-after tbody tr").count() >= 1
    page.screenshot(path=str(shots / "action-example.png"), full_page=False)


def test_data_form_uploads_with_its_csrf_token(server, page, shots, kaz_csv):
    """The upload form: Chromium posts the file with the page's CSRF token; the counts show."""
    page.goto(server + "/data")
    page.set_input_files("input[name=file]", str(kaz_csv))
    page.click("button[type=submit]")
    page.locator("#counts").wait_for(timeout=120_000)
    assert "read " in page.locator("#counts").inner_text()
    page.screenshot(path=str(shots / "data-upload.png"), full_page=False)
