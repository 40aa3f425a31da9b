"""Thresholds among peers (issue 12 point 3, issue 13 point 3): a doctrine threshold written as
a percentile of a peer set, resolved from the world panel, and every rule's measured value
placed as a percentile among peers.

The panel: the synthetic datasets of tests/panel/layouts.py built by ``equipoise panel build``
(:func:`panel.layouts.build_panel`), plus a few hand-written rows for 2019 (UN agreement) and
2024 (trade) so that the embedded Kazakhstan assessment (equidistance 2019, trade 2024) has
peers. Every expected number below is computed by hand from those rows.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from panel.layouts import build_panel
from typer.testing import CliRunner

from equipoise import context
from equipoise.assessment import assess, check
from equipoise.doctrine.model import load_doctrine
from equipoise.doctrine.peers import PeerPercentile, parse_threshold
from equipoise.measures.peer_panel import percentile_rank, quantile

POLES = ("CHN", "USA", "RUS", "EU27")
#: 2019 exact agreement with CHN, USA, RUS, EU27: the spread is max - min
AGREEMENT_2019 = {
    "UZB": (0.8, 0.6, 0.7, 0.7),   # spread 0.2
    "MNG": (0.8, 0.4, 0.6, 0.5),   # spread 0.4
    "AZE": (0.7, 0.6, 0.65, 0.6),  # spread 0.1
    "TUR": (0.7, 0.1, 0.5, 0.4),   # spread 0.6
    "KGZ": (0.8, 0.5, 0.7, 0.6),   # spread 0.3
    "DEU": (0.2, 0.5, 0.1, 1.0),   # spread 0.9 (not in the peer group EURASIA_HEDGERS)
}
#: 2024 import shares (partner-sum basis): HHI = sum of squares, top share = the largest
TRADE_2024 = {
    "UZB": {"CHN": 0.5, "RUS": 0.5},             # HHI 0.50, top 0.5
    "MNG": {"CHN": 0.9, "RUS": 0.1},             # HHI 0.82, top 0.9
    "AZE": {"TUR": 0.6, "RUS": 0.4},             # HHI 0.52, top 0.6
    "TUR": {"DEU": 0.3, "CHN": 0.3, "RUS": 0.4},  # HHI 0.34, top 0.4
    "DEU": {"FRA": 0.5, "ITA": 0.5},             # HHI 0.50, top 0.5 (not a peer)
}


def add_rows(db: Path) -> None:
    """The hand-written rows, into the built panel."""
    rows = []
    for state, values in AGREEMENT_2019.items():
        for pole, v in zip(POLES, values, strict=True):
            rows.append((state, 2019, "political", "political.unga.agreement", pole, v, None,
                         "common_rollcalls", 1.0, "ok", "test", ""))
    for state, shares in TRADE_2024.items():
        for partner, s in shares.items():
            rows.append((state, 2024, "trade", "trade.goods.import", partner, s * 100, s,
                         "partner_sum", 1.0, "ok", "test", ""))
    con = duckdb.connect(str(db))
    try:
        con.executemany("INSERT INTO panel VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    finally:
        con.close()


@pytest.fixture(scope="module")
def panel_db(tmp_path_factory) -> Path:
    db = build_panel(tmp_path_factory.mktemp("peerpct"))
    add_rows(db)
    return db


DOCTRINE = load_doctrine()


def doctrine_file(tmp_path: Path, **thresholds) -> Path:
    """The shipped doctrine with exact agreement as the equidistance measure (the embedded
    rows hold it) and these thresholds replaced."""
    from importlib import resources

    text = resources.files("equipoise.doctrine").joinpath("kazakhstan.toml").read_text("utf-8")
    text = text.replace('equidistance_measure = "kappa"', 'equidistance_measure = "agree"')
    for key, value in thresholds.items():
        lines = text.splitlines()
        i = next(i for i, ln in enumerate(lines) if ln.startswith(f"{key} ="))
        lines[i] = f"{key} = {json.dumps(value)}"
        text = "\n".join(lines) + "\n"
    p = tmp_path / "pct.toml"
    p.write_text(text, encoding="utf-8")
    return p


# ------------------------------------------------------------------ the numbers, by hand

def test_quantile_and_percentile_by_hand():
    # type 7: position (n - 1) p / 100 = 2.5 between the 3rd and 4th of six values
    assert quantile([0.1, 0.2, 0.3, 0.4, 0.6, 0.9], 50) == pytest.approx(0.35)
    assert quantile([0.1, 0.2, 0.3, 0.4, 0.6], 75) == pytest.approx(0.4)
    # mid-rank: 2 below and one equal of 4 -> (2 + 0.5) / 4
    assert percentile_rank(3, [1, 2, 3, 4]) == 62.5
    assert percentile_rank(2.5, [1, 2, 3, 4]) == 50.0
    assert percentile_rank(9, [1, 2, 3, 4]) == 100.0
    assert percentile_rank(0, [1, 2, 3, 4]) == 0.0


def test_peer_panel_measures_by_hand(panel_db):
    pp = context.resolve_peer_panel(panel_db, DOCTRINE)
    f = pp.frame.set_index(["measure", "domain", "state", "year"])["value"]
    assert f[("spread:agree", "political", "TUR", 2019)] == pytest.approx(0.6)
    assert f[("hhi", "trade", "MNG", 2024)] == pytest.approx(0.82)
    assert f[("top_share", "trade", "AZE", 2024)] == pytest.approx(0.6)
    # from the built synthetic panel (layouts.py): KAZ 2010 imports CHN 300, RUS 400, USA 100
    # of 1,000; exports (mirror) CHN 500, RUS 200, USA 100 of 900; the domain share is the
    # mean of the two: CHN 0.42778, RUS 0.31111, USA 0.10556
    want = (0.3 + 5 / 9) ** 2 / 4 + (0.4 + 2 / 9) ** 2 / 4 + (0.1 + 1 / 9) ** 2 / 4
    assert f[("hhi", "trade", "KAZ", 2010)] == pytest.approx(want)
    dist, _ = pp.distribution("spread:agree", "political", 2019, exclude="KAZ")
    assert dist.year == 2019 and sorted(dist.values) == sorted(AGREEMENT_2019)
    assert dist.quantile(50) == pytest.approx(0.35)   # 0.1 0.2 0.3 | 0.4 0.6 0.9
    # a year without peers takes the latest year before it with at least three
    dist, _ = pp.distribution("spread:agree", "political", 2015, exclude="KAZ")
    assert dist.year == 2010
    dist, why = pp.distribution("hhi", "security", 2024, exclude="KAZ")
    assert dist is None and "no hhi of security" in why


def test_percentile_threshold_resolved_by_hand(panel_db, tmp_path):
    doc = load_doctrine(doctrine_file(tmp_path, hhi="p50 of all states",
                                      equidistance_spread="p75 of peers"))
    a = assess(doctrine=doc, peers=context.resolve_peer_panel(panel_db, doc))
    eq = next(r for r in a.rules if r.name == "equidistance")
    # peers (EURASIA_HEDGERS, without KAZ) with 2019 spreads: AZE .1, UZB .2, KGZ .3, MNG .4,
    # TUR .6 (DEU is not a peer): p75 at position 3 -> 0.4
    assert eq.threshold == pytest.approx(0.4)
    spread = 0.820225 - 0.142857  # KAZ 2019: CHN - USA (embedded agreement rows)
    assert eq.value == pytest.approx(spread, abs=1e-6)
    assert eq.status == "fail" and eq.margin == pytest.approx(0.4 - spread, abs=1e-6)
    assert eq.percentile == 100.0 and eq.peer_year == 2019
    assert eq.peers["group"] == "peers (EURASIA_HEDGERS)"
    assert eq.peers["states"] == ["AZE", "KGZ", "MNG", "TUR", "UZB"]
    ev = eq.evidence["threshold_among_peers"]
    assert ev["threshold_written"] == "p75 of peers" and ev["resolved"] == pytest.approx(0.4)
    assert ev["values"]["TUR"] == pytest.approx(0.6)
    conc = next(r for r in a.rules if r.name == "concentration:trade")
    # all states but KAZ in 2024: TUR .34, UZB .50, DEU .50, AZE .52, MNG .82 -> p50 = 0.50
    assert conc.threshold == pytest.approx(0.50)
    hhi = a.domains["trade"].hhi
    assert conc.status == "pass" and conc.margin == pytest.approx(0.50 - hhi)
    assert conc.percentile == 0.0 and conc.peers["n"] == 5   # below every state's HHI
    # no peer has an HHI of security in the panel (KAZ's own is not its peer)
    sec = next(r for r in a.rules if r.name == "concentration:security")
    assert sec.status == "insufficient" and sec.reason == "no_peer_data"
    assert "no hhi of security" in sec.evidence["insufficient"]


def test_measured_value_placed_among_peers(panel_db):
    a = assess(peers=context.resolve_peer_panel(panel_db, DOCTRINE))
    crit = next(r for r in a.rules if r.name == "no_critical_dependency:trade")
    top = a.domains["trade"].screen_share
    # peers' 2024 top shares: TUR .4, UZB .5, AZE .6, MNG .9 (DEU is not a peer)
    below = sum(v < top for v in (0.4, 0.5, 0.6, 0.9)) + 0.5 * sum(
        v == top for v in (0.4, 0.5, 0.6, 0.9))
    assert crit.percentile == pytest.approx(100 * below / 4, abs=0.05)
    assert crit.peer_year == 2024 and crit.peers["n"] == 4
    # the default doctrine's numbers are unchanged by the panel: same verdicts and margins
    plain = assess()
    for r0, r1 in zip(plain.rules, a.rules, strict=True):
        assert (r0.name, r0.status) == (r1.name, r1.status)
        assert (math.isnan(r0.margin) and math.isnan(r1.margin)) or r0.margin == r1.margin
    # and "rules after" a change of shares keep the peers
    after = a.with_shares({"trade": {"CHN": 0.9, "RUS": 0.1}})
    crit2 = next(r for r in after.rules if r.name == "no_critical_dependency:trade")
    assert crit2.percentile == 87.5   # 0.9 ties MNG's: (3 + 0.5) / 4


def test_without_panel_a_percentile_is_insufficient_not_a_default(tmp_path):
    doc = load_doctrine(doctrine_file(tmp_path, hhi="p50 of all states"))
    res = check(doctrine=doc)
    conc = res.rule("concentration:trade")
    assert conc.status == "insufficient" and conc.reason == "no_peer_data"
    assert conc.threshold == "p50 of all states"
    assert "needs the world panel" in conc.evidence["insufficient"]
    assert math.isnan(conc.margin)
    # no percentile without a panel, and no peer keys in the JSON
    d = res.to_dict()
    rule = next(r for r in d["rules"] if r["name"] == "concentration:trade")
    assert "percentile" not in rule and d["doctrine"]["thresholds"]["hhi"] == "p50 of all states"


@pytest.mark.parametrize("value, expected", [
    ("p50 of all states", PeerPercentile(50.0, "all states")),
    ("P75 of Peers", PeerPercentile(75.0, "peers")),
    ("p12.5 of eurasia_hedgers", PeerPercentile(12.5, "EURASIA_HEDGERS")),
    (0.3, 0.3), (1, 1.0)])
def test_parse_threshold(value, expected):
    assert parse_threshold(value, 0, 1) == expected


@pytest.mark.parametrize("value", ["p101 of peers", "median of peers", "p50 of friends",
                                   "p50", True, 1.5, float("nan"), [0.5]])
def test_parse_threshold_refuses(value):
    with pytest.raises(ValueError, match=r"expecting a valid number in 0\.\.1 or a percentile"):
        parse_threshold(value, 0, 1)


# ------------------------------------------------------------------ the command line

def test_check_db_with_percentile_doctrine(panel_db, tmp_path):
    from equipoise._cli.main import app

    doc = doctrine_file(tmp_path, hhi="p50 of all states", equidistance_spread="p50 of peers")
    res = CliRunner().invoke(app, ["check", "--db", str(panel_db), "--doctrine", str(doc),
                                   "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    rules = {r["name"]: r for r in d["rules"]}
    eq = rules["equidistance"]
    # peers' 2019 spreads .1 .2 .3 .4 .6 -> p50 = 0.3
    assert eq["threshold"] == pytest.approx(0.3) and eq["status"] == "fail"
    assert eq["percentile"] == 100.0 and eq["peer_year"] == 2019
    assert eq["peers"]["n"] == 5
    assert rules["concentration:trade"]["threshold"] == pytest.approx(0.5)
    assert rules["concentration:trade"]["percentile"] == 0.0
    assert d["doctrine"]["thresholds"]["hhi"] == "p50 of all states"
    assert "holds the world panel and no flows table" in res.stderr
    # the text table has the column
    res = CliRunner().invoke(app, ["check", "--db", str(panel_db), "--doctrine", str(doc)],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "among peers" in res.stdout and "p100" in res.stdout


def test_assess_json_has_percentiles_with_panel(panel_db):
    from equipoise._cli.main import app

    res = CliRunner().invoke(app, ["assess", "--panel", str(panel_db), "--json"])
    assert res.exit_code == 0, res.output
    rules = {r["name"]: r for r in json.loads(res.stdout)["rules"]}
    assert rules["no_critical_dependency:trade"]["peer_year"] == 2024
    assert rules["no_critical_dependency:trade"]["peers"]["group"] == "peers (EURASIA_HEDGERS)"
    assert "percentile" not in rules["no_camp"]


def test_report_rules_table_shows_percentile_column():
    from equipoise.present.report import rules_table

    base = {"name": "equidistance", "status": "fail", "reason": None, "passed": False,
            "margin": -0.3, "value": 0.6, "threshold": 0.3, "description": "spread"}
    plain = rules_table({"rules": [base]})
    assert "among peers" not in plain["columns"]
    placed = rules_table({"rules": [{**base, "percentile": 62.5, "peer_year": 2019,
                                     "peers": {"group": "all states", "n": 8}}, base]})
    assert placed["columns"][5] == "among peers"
    assert placed["rows"][0]["cells"][5] == "p62.5 of 8 (all states, 2019)"
    assert placed["rows"][1]["cells"][5] == "-"


def test_report_with_panel_has_the_column(panel_db, tmp_path):
    from equipoise._cli.main import app

    out = tmp_path / "r.html"
    res = CliRunner().invoke(app, ["report", "--db", str(panel_db), "--out", str(out),
                                   "--reps", "10"])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert "<th>among peers</th>" in text
    # no_critical_dependency:trade: KAZ's top share among the four peers' 2024 top shares
    assert "(peers (EURASIA_HEDGERS), 2024)" in text


@settings(derandomize=True, max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=3, max_size=40, unique=True),
       st.floats(0, 100))
def test_percentile_of_a_quantile_is_near_it(values, p):
    """The percentile of the p-th quantile is p within one step (100 / n); the median's is 50."""
    q = quantile(values, p)
    assert min(values) <= q <= max(values)
    assert abs(percentile_rank(q, values) - p) <= 100 / len(values) + 1e-9
    assert percentile_rank(quantile(values, 50), values) == pytest.approx(50)


def test_split_db(tmp_path):
    """--db gives the flows when it holds a flows table, the peers when it holds a panel."""
    def make(name, *tables):
        p = tmp_path / name
        con = duckdb.connect(str(p))
        for t in tables:
            con.execute(f"CREATE TABLE {t} (x INTEGER)")
        con.close()
        return p

    neither, panel, both = make("n.duckdb"), make("p.duckdb", "panel"), \
        make("b.duckdb", "flows", "panel")
    assert context.split_db(None) == (None, None)
    assert context.split_db(neither) == (neither, None)   # the flows reader says what it lacks
    assert context.split_db(panel) == (None, panel)
    assert context.split_db(both) == (both, both)
    assert context.split_db(both, panel) == (both, panel)
    assert context.split_db(None, panel) == (None, panel)
