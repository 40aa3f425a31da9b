"""The dashboard's JSON API and pages with FastAPI's TestClient: the same JSON as the CLI's
``--json``, clear 4xx errors, the token, the Host check, upload limits and concurrency."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from typer.testing import CliRunner

from equipoise._cli.main import app as cli
from equipoise.present.views import capabilities
from equipoise.present.web import scrub_paths

from .conftest import has_votes

runner = CliRunner()
CAPS = capabilities()


def needs(name: str):
    return pytest.mark.skipif(not CAPS[name]["available"], reason=CAPS[name]["reason"])


def cli_json(*args: str):
    """What the CLI prints, with server paths scrubbed as the API scrubs them (a no-op once the
    CLI prints no absolute path either)."""
    res = runner.invoke(cli, [*args, "--json"])
    assert res.exit_code == 0, res.output
    return scrub_paths(json.loads(res.stdout))


def form_token(c, page: str = "/action") -> str:
    """The CSRF token of a form page (its cookie stays in the client)."""
    import re

    r = c.get(page)
    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', r.text)
    assert m, r.text[:500]
    return m.group(1)


def roundtrip(obj):
    return json.loads(json.dumps(obj))


# ------------------------------------------------------------------------- parity with the CLI

def test_assess_matches_cli_json(mng_csv, mng_client):
    r = mng_client.get("/api/assess")
    assert r.status_code == 200
    assert r.json() == cli_json("assess", "--focal", "MNG", "--data", str(mng_csv))


def test_explain_and_sources_match_cli(kaz_csv, client):
    # energy: in the hand-typed flows.csv alone, security has only the supporting CSTO rows
    got = client.get("/api/explain/energy").json()
    want = cli_json("explain", "--focal", "KAZ", "--domain", "energy", "--data", str(kaz_csv))
    assert got == want
    assert got["flows"], "the rows behind the numbers are served"
    assert client.get("/api/sources").json() == cli_json("sources", "--focal", "KAZ", "--data",
                                                         str(kaz_csv))


@needs("shocks")
def test_shock_matches_cli(kaz_csv, client):
    got = client.get("/api/shock", params={"partner": "RUS", "domains": "energy,security",
                                           "intensity": 0.5}).json()
    want = cli_json("shock", "--focal", "KAZ", "--data", str(kaz_csv), "--partner", "RUS",
                    "--domains", "energy,security", "--intensity", "0.5")
    got.pop("warnings", None)
    assert got == want
    assert got["total"] > 0


@needs("corridors")
def test_corridors_match_cli(client):
    got = client.get("/api/corridors", params={"system": "oil_export", "without": "RUS",
                                               "contingencies": 1}).json()
    want = cli_json("corridors", "--focal", "KAZ", "--system", "oil_export", "--without", "RUS",
                    "--contingencies", "1")
    (sysres,) = got["systems"]
    assert {k: v for k, v in sysres.items() if k in want} == want
    assert sysres["max_flow_without"] < sysres["max_flow"]


@needs("montecarlo")
def test_simulate_matches_cli(kaz_csv, client):
    got = client.get("/api/simulate", params={"runs": 2000, "seed": 3}).json()
    want = cli_json("simulate", "--focal", "KAZ", "--data", str(kaz_csv), "--runs", "2000",
                    "--seed", "3")
    for key in ("total", "by_domain", "partners", "runs", "seed", "assumptions"):
        assert got[key] == want[key], key
    assert got["cvar"] >= got["var"]
    assert sum(got["histogram"]["counts"]) == 2000


@needs("alignment")
def test_alignment_matches_cli(client):
    if not has_votes():
        pytest.skip("no UN votes here (../shared/data/unvotes or $EQUIPOISE_VOTES)")
    params = {"measure": "agree", "reps": 20, "start": 2010, "end": 2015,
              "poles": "CHN,RUS,USA,EU27"}
    got = client.get("/api/alignment", params=params).json()
    want = cli_json("align", "--focal", "KAZ", "--from", "2010", "--to", "2015", "--reps", "20",
                    "--measure", "agree", "--poles", "CHN,RUS,USA,EU27")
    got.pop("threshold")
    assert got == want


# ------------------------------------------------------------------------- pages

def test_pages_render(client):
    for url in ("/", "/domain/energy", "/whatif", "/sources", "/action", "/risk"):
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:300])
        assert "<script src=\"/static/htmx.min.js\"></script>" in r.text
        assert "https://" not in r.text.split("<main>")[0], "no CDN in the page head"
    assert "<svg" in client.get("/").text


def test_domain_page_shows_rows_and_sources(client, kaz_ctx):
    ex = scrub_paths(kaz_ctx.explain_json("energy"))
    html = client.get("/domain/energy").text
    for row in ex["flows"]:
        assert f"{row['file']}:{row['line']}" in html
    for s in ex["source_register"]:
        assert s["source"] in html


@needs("shocks")
def test_whatif_numbers_follow_the_inputs(client):
    full = client.get("/whatif/result", params={"partner": "RUS", "intensity": "1"})
    half = client.get("/whatif/result", params={"partner": "RUS", "intensity": "0.5"})
    assert full.status_code == half.status_code == 200
    api = client.get("/api/shock", params={"partner": "RUS", "intensity": 0.5}).json()
    assert f"{100 * api['total']:.1f}%" in half.text
    assert f"{100 * api['total']:.1f}%" not in full.text


def test_htmx_is_vendored_with_its_licence(client):
    r = client.get("/static/htmx.min.js")
    assert r.status_code == 200 and "htmx" in r.text[:200] and "0BSD" in r.text[:300]
    lic = client.get("/static/LICENSE-htmx.txt")
    assert lic.status_code == 200 and "Zero-Clause BSD" in lic.text


def test_security_headers(client):
    for url in ("/", "/api/health", "/static/htmx.min.js", "/api/nothing"):
        h = client.get(url).headers
        assert "script-src 'self'" in h["content-security-policy"], url
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"


def test_openapi_schema_and_no_cdn_docs(client):
    schema = client.get("/api/openapi.json").json()
    for path in ("/api/assess", "/api/shock", "/api/corridors", "/api/explain/{domain}",
                 "/api/sources", "/api/alignment", "/api/simulate", "/api/action"):
        assert path in schema["paths"], path
    assert client.get("/docs").status_code == 404  # Swagger UI would load from a CDN


# ------------------------------------------------------------------------- bad input

@pytest.mark.parametrize(("url", "status", "words"), [
    ("/api/shock?partner=XXK", 422, "not an ISO3 code"),
    ("/api/shock?partner=RUS&intensity=5", 422, "intensity"),
    ("/api/shock?partner=RUS&domains=trade,space", 422, "space"),
    ("/api/shock?partner=KAZ", 422, "focal state itself"),
    ("/api/explain/space", 422, "not known"),
    ("/api/explain/political", 404, "no data"),
    ("/api/sources?domain=space", 422, "not known"),
    ("/api/corridors?system=nowhere", 422, "nowhere"),
    ("/api/corridors?without=ZZZ", 422, "ZZZ"),
    ("/api/alignment?measure=magic", 422, "magic"),
    ("/api/alignment?start=2019&end=2010", 422, "after"),
    ("/api/assess?year=abc", 422, "year"),
    ("/api/nothing", 404, "Not Found"),
])
def test_api_errors_are_clear_4xx(client, url, status, words):
    r = client.get(url)
    assert r.status_code == status, r.text
    body = r.json()
    assert words in body["error"]
    assert "Traceback" not in r.text


@pytest.mark.parametrize(("url", "words"), [
    ("/whatif?partner=RUS&intensity=abc", "intensity: expecting a number in 0..1"),
    ("/whatif?partner=NOPE", "not an ISO3 code"),
    ("/domain/space", "not known"),
])
def test_page_errors_show_on_the_page(client, url, words):
    r = client.get(url)
    assert 400 <= r.status_code < 500
    assert 'class="error"' in r.text and words in r.text.replace("&#39;", "'")
    assert "Traceback" not in r.text


def test_mng_without_corridor_graph_says_so(mng_client):
    r = mng_client.get("/api/corridors")
    assert r.status_code == 404 and "no shipped corridor graph" in r.json()["error"]
    page = mng_client.get("/risk")
    assert page.status_code == 200 and "no shipped corridor graph" in page.text


# ------------------------------------------------------------------------- hardening

def test_token_required_when_set(kaz_ctx):
    from fastapi.testclient import TestClient

    from equipoise.present.web import create_app

    c = TestClient(create_app(context=kaz_ctx, token="s3cret-token"))
    assert c.get("/api/health").status_code == 401
    assert c.get("/").status_code == 401
    assert c.get("/api/health", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/api/health", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    assert c.get("/static/style.css").status_code == 200
    r = c.get("/?token=s3cret-token", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "equipoise_token=s3cret-token" in r.headers["set-cookie"]
    assert "HttpOnly" in r.headers["set-cookie"]
    c.cookies.set("equipoise_token", "s3cret-token")
    assert c.get("/").status_code == 200


def test_host_header_checked_on_loopback(kaz_ctx):
    from fastapi.testclient import TestClient

    from equipoise.present.web import create_app

    app = create_app(context=kaz_ctx, allowed_hosts=["127.0.0.1", "localhost"])
    assert TestClient(app, base_url="http://127.0.0.1:8000").get("/api/health").status_code == 200
    r = TestClient(app, base_url="http://rebind.example").get("/api/health")
    assert r.status_code == 400 and "not served" in r.json()["error"]


def test_serve_requires_a_token_off_loopback(monkeypatch, kaz_flows):
    import uvicorn

    from equipoise.present import web

    seen = {}
    monkeypatch.delenv("EQUIPOISE_TOKEN", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, log_level: seen.update(
        app=app, host=host, port=port))
    web.serve(host="0.0.0.0", port=8123, flows=kaz_flows, focal="KAZ")
    from fastapi.testclient import TestClient

    c = TestClient(seen["app"])
    assert seen["host"] == "0.0.0.0"
    assert c.get("/api/health").status_code == 401, "a token is generated off loopback"
    web.serve(host="127.0.0.1", port=8124, flows=kaz_flows, focal="KAZ")
    c = TestClient(seen["app"], base_url="http://127.0.0.1:8124")
    assert c.get("/api/health").status_code == 200, "no token on loopback"
    assert web.is_loopback("127.0.0.2") and web.is_loopback("::1") and web.is_loopback("localhost")
    assert not web.is_loopback("0.0.0.0") and not web.is_loopback("192.168.1.5")


def test_upload_limits_and_safe_parsing(kaz_ctx):
    from fastapi.testclient import TestClient

    from equipoise.present.web import create_app

    c = TestClient(create_app(context=kaz_ctx, max_upload_bytes=2048),
                   raise_server_exceptions=False)
    big = c.post("/api/action", files={"file": ("a.toml", b"x" * 5000, "application/toml")})
    assert big.status_code == 413 and "limit" in big.json()["error"]
    if not CAPS["actions"]["available"]:
        return
    csv = c.post("/api/action", files={"file": ("a.csv", b"a,b\n1,2\n", "text/csv")})
    assert csv.status_code == 415 and ".toml" in csv.json()["error"]
    binary = c.post("/api/action", files={"file": ("a.toml", b"id=1\x00\x01", "application/toml")})
    assert binary.status_code == 415
    bad = c.post("/api/action", files={"file": ("../../etc/passwd.toml", b"id = [", "text/plain")})
    assert bad.status_code == 422
    msg = bad.json()["error"]
    assert "not valid TOML" in msg and "passwd.toml" in msg and "../" not in msg
    tok = form_token(c)
    page = c.post("/action", files={"file": ("x.toml", b"id = [", "text/plain")},
                  data={"csrf_token": tok})
    assert page.status_code == 422 and 'class="error"' in page.text
    none = c.post("/action", data={"example": "", "csrf_token": tok})
    assert none.status_code == 422 and "upload" in none.text


ACTION = b"""id = "test-arms"
title = "A large arms purchase from the USA (made up for the test)"
date = "2025-01-01"
sources = ["test:made-up"]

[[flow]]
op = "add"
partner = "USA"
indicator = "security.arms.import"
value = 5000.0
"""


@needs("actions")
def test_action_upload_before_after(client, kaz_ctx):
    r = client.post("/api/action", files={"file": ("arms.toml", ACTION, "application/toml")})
    assert r.status_code == 200, r.text
    ev = r.json()
    assert ev["action"]["id"] == "test-arms"
    # flows.csv alone has no security shares before (the CSTO rows are supporting evidence)
    before = ev["before"]["domains"].get("security", {"shares": {}})
    after = ev["after"]["domains"]["security"]
    assert after["top_partner"] == "USA" and after["top_share"] > before["shares"].get("USA", 0)
    assert "test:made-up" in after["sources"]
    assert ev["changed_rules"], "a large purchase moves some rule"
    page = client.post("/action", files={"file": ("arms.toml", ACTION, "application/toml")},
                       data={"csrf_token": form_token(client)})
    assert page.status_code == 200 and 'id="before-after"' in page.text
    for rule in ev["changed_rules"]:
        assert rule["name"] in page.text
    # the dashboard's own flows are not touched by an evaluation
    assert "test:made-up" not in set(kaz_ctx.frame["source"])


@needs("actions")
def test_action_shipped_example_matches_cli(client, kaz_ctx, kaz_csv):
    names = kaz_ctx.action_examples()
    if not names:
        pytest.skip("no shipped action examples")
    r = client.post("/api/action", data={"example": names[0]})
    assert r.status_code == 200, r.text
    got = r.json()
    want = cli_json("evaluate", names[0], "--focal", "KAZ", "--data", str(kaz_csv))
    got["action"].pop("path")
    want["action"].pop("path")
    assert got == want
    bad = client.post("/api/action", data={"example": "../../etc/passwd"})
    assert bad.status_code == 422 and "expecting one of" in bad.json()["error"]


def test_flows_csv_upload_matches_cli(mng_csv, client):
    data = mng_csv.read_bytes()
    r = client.post("/api/assess", files={"file": ("mongolia.csv", data, "text/csv")},
                    data={"focal": "MNG"})
    assert r.status_code == 200, r.text
    # evidence rows name the file they came from: the upload's name vs the CLI's path
    assert _files_blank(r.json()) == _files_blank(
        cli_json("assess", "--focal", "MNG", "--data", str(mng_csv)))
    # the focal state defaults to the most frequent reporter
    again = client.post("/api/assess", files={"file": ("m.csv", data, "text/csv")}).json()
    assert _files_blank(again) == _files_blank(r.json())


def _files_blank(obj):
    """The same structure with every evidence row's ``file`` blanked."""
    if isinstance(obj, dict):
        return {k: ("<file>" if k == "file" else _files_blank(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_files_blank(v) for v in obj]
    return obj


def test_flows_csv_upload_errors(mng_csv, client):
    good = mng_csv.read_bytes()
    bad = good + b"2023,MNG,ZZZ,trade,trade.goods.turnover,,1,USD bn,x\n"
    r = client.post("/api/assess", files={"file": ("bad.csv", bad, "text/csv")})
    assert r.status_code == 422
    assert "bad.csv" in r.json()["error"] and "ZZZ" in r.json()["error"] and "17" in r.json()["error"]
    ok = client.post("/api/assess", files={"file": ("bad.csv", bad, "text/csv")},
                     data={"lenient": "true"})
    assert ok.status_code == 200 and ok.json()["focal"] == "MNG"
    page = client.post("/data", files={"file": ("bad.csv", bad, "text/csv")},
                       data={"csrf_token": form_token(client, "/data")})
    assert page.status_code == 200 and 'id="quarantine"' in page.text and "ZZZ" in page.text
    assert "quarantined 1" in page.text
    assert 'href="#src-test_customs"' in page.text and 'id="src-test_customs"' in page.text
    for name, body, status in (("x.txt", good, 415), ("x.csv", b"\xff\xfe\x00a", 415),
                               ("x.csv", b"a,b\n1,2\n", 422),
                               ("x.csv", b"", 422)):
        r = client.post("/api/assess", files={"file": (name, body, "text/csv")})
        assert r.status_code == status, (name, body, r.text)
        assert "Traceback" not in r.text


def test_concurrent_requests_agree_and_leave_flows_untouched(kaz_ctx, client):
    before = pd.util.hash_pandas_object(kaz_ctx.frame, index=True).sum()
    urls = ["/api/assess", "/api/explain/trade", "/api/sources"]
    if CAPS["shocks"]["available"]:
        urls += [f"/api/shock?partner={p}&intensity={i}" for p in ("RUS", "CHN", "USA", "EU27")
                 for i in ("1", "0.25")]
    expected = {u: roundtrip(client.get(u).json()) for u in urls}

    def hit(u):
        r = client.get(u)
        return u, r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(hit, urls * 6))
    assert all(s == 200 for _, s, _ in results)
    assert all(body == expected[u] for u, _, body in results)
    assert pd.util.hash_pandas_object(kaz_ctx.frame, index=True).sum() == before
