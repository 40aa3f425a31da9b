"""Published-value check: Russia's share of Kazakhstan's arms imports 2020-2024 is 88 %.

Published value: kz-facts S1, Eurasianet (via Daryo, 2025-03-25) reporting SIPRI's
"Trends in international arms transfers, 2024": "Russia was Kazakhstan's dominant arms
supplier, accounting for 88 percent of Kazakh purchases" (2020-2024). SIPRI's share is TIV
delivered from the supplier over TIV delivered from all suppliers in the five years.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import shared_path

from ._facts import DATASET

PUBLISHED = 0.88
TOL = 0.01


def _russia_share(tiv: pd.DataFrame, supplier_col: str, russia: str, total: float) -> float:
    return tiv.loc[tiv[supplier_col] == russia, "value"].sum() / total


def test_russia_share_from_derived_csv():
    d = pd.read_csv(DATASET / "derived.csv")
    arms = d[(d["indicator"] == "security.arms.import") & d["year"].between(2020, 2024)]
    world = arms.loc[arms["partner"] == "WLD", "value"].sum()
    share = _russia_share(arms, "partner", "RUS", world)
    assert share == pytest.approx(PUBLISHED, abs=TOL)
    # the WLD rows are the sum over every supplier, so the partner rows never exceed them
    assert arms.loc[arms["partner"] != "WLD", "value"].sum() <= world + 1e-9


def test_russia_share_from_raw_register():
    reg = pd.read_csv(shared_path("sipri-arms-transfers", "trade_register_1995_2024.csv.gz"))
    kaz = reg[(reg["recipient"] == "Kazakhstan") & reg["delivery_year"].between(2020, 2024)]
    kaz = kaz.rename(columns={"tiv_delivery_values": "value"})
    share = _russia_share(kaz, "supplier", "Russia", kaz["value"].sum())
    assert share == pytest.approx(PUBLISHED, abs=TOL)
