"""Fixtures for the report and dashboard tests.

``kaz_csv`` is the embedded Kazakhstan flow file shipped in the package (its rows carry their
sources); ``mng_csv`` (tests/conftest.py) a second country written by the tests (figures made up
for the tests), which has no shipped corridor graph, so the sections that need one must say so
instead of showing numbers.
"""

from __future__ import annotations

import warnings
from importlib import resources
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def kaz_csv() -> Path:
    p = Path(str(resources.files("equipoise").joinpath("datasets", "kazakhstan", "flows.csv")))
    if not p.is_file():
        pytest.skip(f"the embedded Kazakhstan flows are absent ({p})")
    return p


@pytest.fixture(scope="session")
def kaz_flows(kaz_csv):
    from equipoise.io.flows import read_flows

    return read_flows([kaz_csv])


@pytest.fixture(scope="session")
def mng_flows(mng_csv):
    from equipoise.io.flows import read_flows

    return read_flows([mng_csv])


@pytest.fixture(scope="session")
def kaz_ctx(kaz_flows):
    from equipoise.present.views import Context

    return Context(kaz_flows, focal="KAZ")


@pytest.fixture(scope="session")
def client(kaz_ctx):
    from fastapi.testclient import TestClient

    from equipoise.present.web import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        app = create_app(context=kaz_ctx, alignment_reps=30, mc_runs=2000)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def mng_client(mng_flows):
    from fastapi.testclient import TestClient

    from equipoise.present.web import create_app

    app = create_app(mng_flows, focal="MNG", alignment_reps=30, mc_runs=2000)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def has_votes() -> bool:
    from equipoise.errors import NoDataError

    try:
        from equipoise.context import votes_source

        votes_source()
    except (ImportError, NoDataError):
        return False
    return True
