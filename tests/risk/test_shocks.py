"""Shock model: hand-computed losses, groups, overrides, TOML requests, corridor losses."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from equipoise.errors import (
    InputError,
    MissingPartnerDataWarning,
    OptionError,
    SchemaError,
    UnknownCountryError,
    UnknownDomainError,
)
from equipoise.risk import (
    ShockRequest,
    load_corridors,
    loss_matrix,
    shock,
    substitutability_from_screen,
)
from equipoise.risk.corridors import corridor_loss

SUB = {"trade": 0.6, "energy": 0.2}
W = {"trade": 1.0, "energy": 1.0}


@pytest.fixture
def shares() -> pd.DataFrame:
    return pd.DataFrame(
        [("trade", "RUS", 0.5, 2023), ("trade", "CHN", 0.3, 2023), ("trade", "OTH", 0.2, 2023),
         ("energy", "RUS", 0.8, 2023), ("energy", "CHN", 0.1, 2023),
         ("energy", "DEU", 0.06, 2023), ("energy", "FRA", 0.04, 2023)],
        columns=["domain", "partner", "share", "year"])


def test_full_cutoff_by_hand(shares):
    res = shock(shares, ShockRequest("KAZ", "RUS"), substitutability=SUB, weights=W)
    # trade: 1 * 0.5 * (1 - 0.6) = 0.2; energy: 1 * 0.8 * (1 - 0.2) = 0.64
    assert res.losses["trade"] == pytest.approx(0.2)
    assert res.losses["energy"] == pytest.approx(0.64)
    assert res.total == pytest.approx((0.2 + 0.64) / 2)
    d = res.to_dict()
    assert d["partner"] == "RUS" and set(d["losses"]) == {"trade", "energy"}
    assert d["total"] == pytest.approx(0.42)
    assert len(res.rows) == 2 and set(res.rows["partner"]) == {"RUS"}


def test_intensity_and_domains(shares):
    res = shock(shares, ShockRequest("KAZ", "RUS", domains=("energy",), intensity=0.5),
                substitutability=SUB, weights=W)
    assert list(res.losses) == ["energy"]
    assert res.losses["energy"] == pytest.approx(0.5 * 0.8 * 0.8)
    # trade is not shocked but has data: it enters the total with 0
    assert res.total == pytest.approx(0.32 / 2)


def test_weights_change_total(shares):
    res = shock(shares, ShockRequest("KAZ", "RUS"), substitutability=SUB,
                weights={"trade": 3.0, "energy": 1.0})
    assert res.total == pytest.approx((3 * 0.2 + 0.64) / 4)


def test_group_partner_sums_members(shares):
    res = shock(shares, ShockRequest("KAZ", "EU27"), substitutability=SUB, weights=W)
    assert res.losses["energy"] == pytest.approx((0.06 + 0.04) * 0.8)
    assert res.losses["trade"] == 0.0
    assert set(res.rows["partner"]) == {"DEU", "FRA"}


def test_request_override_beats_argument(shares):
    req = ShockRequest("KAZ", "RUS", substitutability={"energy": 0.5})
    res = shock(shares, req, substitutability=SUB, weights=W)
    assert res.losses["energy"] == pytest.approx(0.8 * 0.5)
    assert res.substitutability["energy"] == (0.5, "request override")


def test_default_substitutability_from_reference(shares):
    from equipoise import reference

    dom = reference.load("domains").set_index("domain")
    res = shock(shares, ShockRequest("KAZ", "CHN"))
    assert res.losses["trade"] == pytest.approx(0.3 * (1 - dom.at["trade", "substitutability"]))
    assert res.substitutability["trade"][1].startswith("domains.csv")


def test_missing_domain_warns_and_is_nan(shares):
    with pytest.warns(MissingPartnerDataWarning):
        res = shock(shares, ShockRequest("KAZ", "RUS", domains=("security",)), weights=W)
    assert math.isnan(res.losses["security"])
    assert res.total == 0.0


def test_request_is_frozen_and_hashable():
    a = ShockRequest("kaz", "rus", domains=["energy"], substitutability={"energy": 0.1})
    b = ShockRequest("KAZ", "RUS", domains=("energy",), substitutability=[("energy", 0.1)])
    assert a == b and hash(a) == hash(b)
    with pytest.raises(AttributeError):
        a.intensity = 0.3  # type: ignore[misc]


@pytest.mark.parametrize("kwargs, err", [
    ({"intensity": 1.5}, OptionError),
    ({"partner": "XXX"}, UnknownCountryError),
    ({"partner": "OTH"}, UnknownCountryError),
    ({"partner": "KAZ"}, InputError),
    ({"domains": ("weather",)}, UnknownDomainError),
    ({"substitutability": {"energy": 2}}, OptionError),
    ({"loss_model": "guess"}, OptionError),
])
def test_bad_requests(kwargs, err):
    base = {"focal": "KAZ", "partner": "RUS"} | kwargs
    with pytest.raises(err):
        ShockRequest(**base)


def test_from_toml(tmp_path, shares):
    p = tmp_path / "s.toml"
    p.write_text('[shock]\nfocal = "KAZ"\npartner = "RUS"\ndomains = ["trade"]\n'
                 'intensity = 0.5\n[shock.substitutability]\ntrade = 0.5\n')
    req = ShockRequest.from_toml(p)
    assert req == ShockRequest("KAZ", "RUS", domains=("trade",), intensity=0.5,
                               substitutability={"trade": 0.5})
    assert shock(shares, req, weights=W).losses["trade"] == pytest.approx(0.5 * 0.5 * 0.5)
    bad = tmp_path / "b.toml"
    bad.write_text('focal = "KAZ"\npartner = "RUS"\ncolour = "red"\n')
    with pytest.raises(InputError, match="colour"):
        ShockRequest.from_toml(bad)


def test_bad_shares_table():
    with pytest.raises(SchemaError):
        shock(pd.DataFrame({"domain": ["trade"], "share": [0.1]}), ShockRequest("KAZ", "RUS"))
    with pytest.raises(InputError, match=r"1\.7"):
        shock(pd.DataFrame({"domain": ["trade"], "partner": ["RUS"], "share": [1.7]}),
              ShockRequest("KAZ", "RUS"))


def test_loss_matrix(shares):
    L = loss_matrix(shares, SUB)
    assert L.loc["RUS", "energy"] == pytest.approx(0.64)
    assert L.loc["CHN", "trade"] == pytest.approx(0.3 * 0.4)
    assert "OTH" not in L.index
    G = loss_matrix(shares, SUB, partners=["EU27"])
    assert G.loc["EU27", "energy"] == pytest.approx(0.1 * 0.8)


def test_substitutability_from_screen():
    screen = pd.DataFrame({"domain": ["energy", "energy", "trade"],
                           "world_hhi": [0.5, 0.1, 0.2], "value": [3.0, 1.0, 5.0]})
    sub = substitutability_from_screen(screen)
    assert sub["energy"][0] == pytest.approx(1 - (3 * 0.5 + 1 * 0.1) / 4)
    assert sub["trade"][0] == pytest.approx(0.8)
    with pytest.raises(InputError):
        substitutability_from_screen(screen.assign(world_hhi=[1.5, 0.1, 0.2]))
    # the product screen's own layout: HS6 products mapped to domains by chapter
    native = pd.DataFrame({"product": ["270900", "271111", "100190"],
                           "world_export_hhi": [0.5, 0.1, 0.2], "imports": [3.0, 1.0, 5.0]})
    assert substitutability_from_screen(native) == sub


def test_corridor_model_on_shipped_graph(shares):
    g = load_corridors(focal="KAZ")
    oil = corridor_loss(g, "KZ_OIL", "OIL_MARKETS", ["RUS"])
    gas = corridor_loss(g, "KZ_GAS", "GAS_MARKETS", ["RUS"])
    res = shock(shares, ShockRequest("KAZ", "RUS", loss_model="max"), substitutability=SUB,
                weights=W, corridors=g)
    assert res.corridor_losses["energy"] == pytest.approx((oil + gas) / 2)
    assert res.losses["energy"] == pytest.approx(max(0.64, (oil + gas) / 2))
    shares_only = shock(shares, ShockRequest("KAZ", "RUS", loss_model="shares"),
                        substitutability=SUB, weights=W, corridors=g)
    assert shares_only.losses["energy"] == pytest.approx(0.64)
    default = shock(shares, ShockRequest("KAZ", "RUS"), substitutability=SUB, weights=W,
                    corridors=g)  # the default model is max, as in simulate and run
    assert default.request.loss_model == "max"
    assert default.to_dict() == res.to_dict()
    half = shock(shares, ShockRequest("KAZ", "RUS", intensity=0.5, loss_model="corridors"),
                 substitutability=SUB, weights=W, corridors=g)
    assert half.losses["energy"] == pytest.approx(0.5 * (oil + gas) / 2)
