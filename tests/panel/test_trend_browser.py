"""The trend and peers pages in a real headless Chromium (Debian's ``chromium`` driven by
Playwright, as tests/present/test_browser.py): both render their charts and tables, the CSV
link downloads the peer table, nothing is fetched from outside."""

from __future__ import annotations

import os
import socket
import threading
import time
import warnings
from importlib import resources
from pathlib import Path

import pytest

from .layouts import build_panel

CHROMIUM = Path(os.environ.get("EQUIPOISE_CHROMIUM", "/usr/bin/chromium"))
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium; "
                              ".ci/run installs it)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    from equipoise.io.flows import read_flows
    from equipoise.present.views import Context
    from equipoise.present.web import create_app

    db = build_panel(tmp_path_factory.mktemp("trend_browser"))
    flows = Path(str(resources.files("equipoise").joinpath("datasets", "kazakhstan",
                                                           "flows.csv")))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        app = create_app(context=Context(read_flows([flows]), focal="KAZ"), alignment_reps=10,
                         mc_runs=500, allowed_hosts=["127.0.0.1", "localhost"], panel_db=db)
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


def test_trend_and_peers_pages_in_chromium(server, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                              args=["--no-sandbox", "--disable-gpu",
                                    "--disable-background-networking"])
        try:
            ctx = b.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
            pg = ctx.new_page()
            external = []
            pg.on("request", lambda r: external.append(r.url)
                  if not r.url.startswith(("http://127.0.0.1", "data:", "about:")) else None)
            pg.goto(f"{server}/trend", timeout=120_000)
            assert pg.locator("figure.chart svg").count() == 2
            assert pg.locator("h2", has_text="Level shifts").count() == 1
            pg.screenshot(path=str(tmp_path / "trend.png"), full_page=True)
            pg.click("header.bar a[href='/peers']")
            pg.wait_for_url(f"{server}/peers")
            assert pg.locator("tr.focal").count() >= 1
            with pg.expect_download() as dl:
                pg.click("a[href^='/api/peers.csv']")
            text = Path(dl.value.path()).read_text(encoding="utf-8")
            assert text.splitlines()[0].startswith("state,year,index")
            assert external == []
        finally:
            b.close()
