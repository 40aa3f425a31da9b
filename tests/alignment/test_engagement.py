"""The engagement ledger: loader, validation, balance, ICEWS."""

import pandas as pd
import pytest

from equipoise import context
from equipoise.errors import InputError
from equipoise.measures.engagement import (
    engagement_balance,
    icews_engagement,
    read_events,
)

GOOD = """date,actor,counterpart,kind,domains,value_usd,source
2024-05-01,MNG,CHN,state visit,trade;corridors,1000,test:a
2024-06-01,RUS,MNG,visit,energy,,test:b
2024-07,MNG,USA,agreement,technology,3000,test:c
2024,MNG,DEU,talks,,,test:d
2024-09-01,MNG,SCO,summit,security,,test:e
2025-01-01,MNG,FRA,agreement,technology;finance,600,test:f
"""
BAD = GOOD + """2024-13-01x,MNG,CHN,visit,trade,,test:g
2024-01-01,MNG,XXK,visit,trade,,test:h
2024-01-01,MNG,CHN,parade,trade,,test:i
2024-01-01,MNG,CHN,visit,economy,,test:j
2024-01-01,MNG,CHN,visit,trade,-5,
"""


def _write(tmp_path, text):
    p = tmp_path / "events.csv"
    p.write_text(text)
    return p


def test_balance_by_hand(tmp_path):
    ev = read_events(_write(tmp_path, GOOD))
    assert ev.counts == {"read": 6, "loaded": 6, "quarantined": 0}
    assert ev.data["kind"].tolist()[0] == "state_visit"
    b = engagement_balance(ev, focal="MNG", poles="CHN,RUS,USA,EU27")
    t = b.by_pole.set_index(["period", "pole"])
    assert t.loc[(2024, "CHN"), "visits"] == 1 and t.loc[(2024, "RUS"), "visits"] == 1
    assert t.loc[(2024, "USA"), "agreements"] == 1
    assert t.loc[(2024, "EU27"), "events"] == 1  # DEU talks counted for the EU27 pole
    assert t.loc[(2024, "CHN"), "value_share"] == pytest.approx(1000 / 4000)
    assert t.loc[(2024, "CHN"), "visits_share"] == pytest.approx(0.5)
    s = b.spread.set_index(["period", "metric"])["value"]
    assert s[(2024, "visits")] == pytest.approx(0.5)  # CHN 0.5, RUS 0.5, USA 0, EU27 0
    assert s[(2025, "value_usd")] == pytest.approx(1.0)
    d = b.by_domain.set_index(["pole", "domain"])
    # the FRA agreement's 600 is split over technology and finance
    assert d.loc[("EU27", "finance"), "value_usd"] == pytest.approx(300)
    assert d.loc[("CHN", "corridors"), "value_usd"] == pytest.approx(500)
    assert b.multilateral["counterpart"].tolist() == ["SCO"]


def test_every_problem_is_reported(tmp_path):
    p = _write(tmp_path, BAD)
    with pytest.raises(InputError, match=r"line 8, column 'date'") as ei:
        read_events(p)
    reasons = {(i["line"], i["reason"]) for i in ei.value.issues}
    assert {(8, "bad_date"), (9, "unknown_code"), (10, "unknown_kind"),
            (11, "unknown_domain"), (12, "bad_value"), (12, "missing_value")} <= reasons
    ev = read_events(p, lenient=True)
    assert ev.counts == {"read": 11, "loaded": 6, "quarantined": 5}


def test_missing_column(tmp_path):
    p = _write(tmp_path, "date,actor\n2024,KAZ\n")
    with pytest.raises(InputError, match="missing column"):
        read_events(p)


def test_embedded_ledger_loads_and_balances():
    ev = context.events_source()  # the embedded ledger, resolved by the caller (issue 11.3)
    assert ev.counts["quarantined"] == 0 and ev.counts["loaded"] >= 20
    assert ev.data["source"].str.len().gt(0).all()
    b = engagement_balance(ev, focal="KAZ", poles=context.resolve_poles(None))
    assert set(b.by_pole["pole"]) == {"CHN", "RUS", "USA", "EU27"}
    assert (b.by_pole["visits"] >= 0).all()
    for metric in ("visits_share", "value_share"):
        tot = b.by_pole.groupby("period")[metric].sum(min_count=1).dropna()
        assert ((tot - 1).abs() < 1e-9).all()


@pytest.mark.shared_data
def test_icews_kaz_shares():
    from conftest import shared_path

    p = shared_path("icews-dyadic-netify", "icews_dyad_year_2002_2014.csv.gz")
    ic = icews_engagement(p, focal="KAZ", poles=["CHN", "RUS", "USA"])
    assert ic["year"].min() == 2002 and ic["year"].max() == 2014
    raw = pd.read_csv(p)
    r14 = raw[(raw.year == 2014) & (raw.i_iso3c == "KAZ") & (raw.j_iso3c == "RUS")]
    assert int(r14["verbCoop"].iloc[0]) == 612  # SOURCE.md: KAZ -> Russia 612 verbal-coop
    both = raw[(raw.year == 2014) & (((raw.i_iso3c == "KAZ") & (raw.j_iso3c == "RUS"))
                                     | ((raw.i_iso3c == "RUS") & (raw.j_iso3c == "KAZ")))]
    got = ic[(ic.year == 2014) & (ic.pole == "RUS")]["coop"].item()
    assert got == int((both.verbCoop + both.matlCoop).sum())
    assert (ic["coop_share"].between(0, 1)).all()
    # Russia is Kazakhstan's largest cooperation partner in every ICEWS year
    w = ic.pivot(index="year", columns="pole", values="coop_share")
    assert (w["RUS"] > w[["CHN", "USA"]].max(axis=1)).all()
