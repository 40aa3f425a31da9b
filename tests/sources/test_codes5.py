"""One code-mapping helper for every reader (issue 11, point 4): the national, Eurostat and GDELT
readers map their ISO3 columns through :class:`CodeMapper` (scheme ``iso3``) with
``map_column`` / ``map_codes`` like the others, so a code the crosswalk does not know (``ANT``,
``XKX``, Eurostat's ``ESP_CEUTA``, an aggregate code such as ``WLD`` or CAMEO's ``EUR``) is
quarantined (``unmapped_code``, naming file, line, column, the code seen, what was expected and
the crosswalk's note) instead of loading as a partner. Values by hand; the real files at the end
(skipped where ../shared/data is absent).
"""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import shared_path

import equipoise.sources as sources_pkg
from equipoise import reference
from equipoise.sources import eurostat, gdelt, national

EXPECT = "expected a code the crosswalk or the countries table maps to ISO3"


def _csv(path: Path, header: list[str], rows: list[tuple]) -> Path:
    path.write_text("\n".join([",".join(header), *(",".join(map(str, r)) for r in rows)])
                    + "\n", encoding="utf-8")
    return path


def _q(q: pd.DataFrame) -> dict[int, tuple[str, str, str]]:
    """line -> (column, value, reason) of a quarantine."""
    return {int(r.line): (r.column, r.value, r.reason) for r in q.itertuples()}


def _counts_add_up(counts: dict, q: pd.DataFrame, read: int) -> None:
    assert counts["rows_read"] == read
    assert counts["rows_read"] == counts["rows_loaded"] + counts["rows_quarantined"]
    assert counts["rows_quarantined"] == len(q) == q["line"].nunique()


KGZ_HDR = ["reporter_iso3", "year", "partner_en", "partner_ru", "partner_iso3", "is_aggregate",
           "exports_kusd", "imports_kusd", "preliminary"]
KGZ = [  # thousand USD; the WLD total is the file's "Total" row
    ("KGZ", 2012, "Total", "Всего", "", "True", 1000.0, 500.0, "False"),           # line 2
    ("KGZ", 2012, "CIS countries", "Страны СНГ", "", "True", 300.0, 200.0, "False"),  # 3
    ("KGZ", 2012, "China", "Китай", "CHN", "False", 400.0, 300.0, "False"),        # 4
    ("KGZ", 2012, "Netherlands antilles", "Антилы", "ANT", "False", "", 10.0, "False"),  # 5
    ("KGZ", 2012, "World", "Мир", "WLD", "False", 5.0, 5.0, "False"),              # 6
    ("KGZ", 2012, "Russia", "Россия", " rus ", "False", 100.0, 100.0, "False"),    # 7
]


def test_national_quarantines_unknown_codes_and_keeps_the_file_total(tmp_path):
    p = _csv(tmp_path / "kgz_natstat_trade_by_partner_1994_2023.csv", KGZ_HDR, KGZ)
    f, c, q = national.read_frame(p)
    _counts_add_up(c, q, 6)
    assert (c["rows_loaded"], c["rows_aggregate"]) == (4, 2)
    assert _q(q) == {5: ("partner_iso3", "ANT", "unmapped_code"),
                     6: ("partner_iso3", "WLD", "unmapped_code")}
    (ant,) = q[q["line"] == 5].itertuples()
    assert ant.file == p.name
    assert ant.message == (f"unmapped_code: saw 'ANT', {EXPECT} (Netherlands antilles: "
                           "Netherlands Antilles (unmapped: dissolved 2010, no ISO3 successor "
                           "in the countries table))")
    assert "saw 'WLD'" in q.loc[q["line"] == 6, "message"].iloc[0]
    v = f.set_index(["partner", "indicator"])["value"]
    # ANT and the stray WLD-coded row are no partners; the total stays the file's "Total"
    assert set(f["partner"]) == {"WLD", "CHN", "RUS"}
    assert v[("WLD", "trade.goods.import")] == pytest.approx(500e-6)
    assert v[("RUS", "trade.goods.export")] == pytest.approx(100e-6)  # " rus " maps
    assert c["rows_out"] == len(f) == 6


UZB_HDR = ["reporter_iso3", "year", "partner_m49", "partner_iso3", "partner_en", "partner_ru",
           "exports_kusd", "imports_kusd", "is_aggregate"]
UZB = [
    ("UZB", 2022, "0", "", "Other countries", "Другие страны", 100.0, 50.0, "True"),  # 2
    ("UZB", 2022, "156", "CHN", "China", "Китай", 400.0, 300.0, "False"),             # 3
    ("UZB", 2022, "530", "ANT", "Netherlands Antilles", "Антилы", 2.0, 4.0, "False"),  # 4
]


def test_uzbek_total_still_counts_a_partner_the_crosswalk_does_not_know(tmp_path):
    """UZB's total is the sum of its rows: ANT is quarantined as a partner, but its value stays
    in the total (a total is never silently reduced), so China's share is 300 / 354."""
    p = _csv(tmp_path / "uzb_statuz_trade_by_partner_2010_2023.csv", UZB_HDR, UZB)
    f, c, q = national.read_frame(p)
    _counts_add_up(c, q, 3)
    assert _q(q) == {4: ("partner_iso3", "ANT", "unmapped_code")}
    assert "(Netherlands Antilles: Netherlands Antilles (unmapped" in q["message"].iloc[0]
    v = f.set_index(["partner", "indicator"])["value"]
    assert v[("WLD", "trade.goods.import")] == pytest.approx((50 + 300 + 4) * 1e-6)
    assert v[("WLD", "trade.goods.export")] == pytest.approx((100 + 400 + 2) * 1e-6)
    assert set(f["partner"]) == {"WLD", "CHN"}


def test_national_read_gives_the_same_quarantine_as_chunks(tmp_path):
    p = _csv(tmp_path / "kgz_natstat_trade_by_partner_1994_2023.csv", KGZ_HDR, KGZ)
    (ch,) = national.read(national.files(p)[0])
    assert ch.rows_read == 6 and len(ch.quarantine) == 2
    assert set(ch.quarantine["source"]) == {"national"}
    assert set(ch.data["partner"]) == {"WLD", "CHN", "RUS"}


EU_HDR = ["reporter", "year", "partner_label", "partner_iso3", "is_aggregate", "exports_eur",
          "source_file"]
EU = [
    ("EU27_2020", 2021, "Kazakhstan", "KAZ", "False", 2.5e9, "r.csv"),                # 2
    ("EU27_2020", 2021, "Kosovo", "XKX", "False", 7e8, "r.csv"),                      # 3
    ("EU27_2020", 2021, "Extra-EU27 (from 2020)", "", "True", 9e11, "r.csv"),         # 4
    ("EU27_2020", 2021, "Ceuta", "ESP_CEUTA", "False", 5e8, "r.csv"),                 # 5
    ("EU27_2020", 2021, "Spain", "esp", "False", 4e10, "r.csv"),                      # 6
    ("EU27_2020", 2021, "Countries not specified", "", "False", 1e6, "r.csv"),        # 7
]


def test_eurostat_quarantines_territories_and_codes_it_does_not_know(tmp_path):
    p = _csv(tmp_path / "eu27_exports_by_partner_annual_2010_2023.csv", EU_HDR, EU)
    f, c, q = eurostat.read_frame(p)
    _counts_add_up(c, q, 6)
    assert (c["rows_loaded"], c["rows_aggregate"], c["rows_out"]) == (3, 1, 2)
    assert _q(q) == {3: ("partner_iso3", "XKX", "unmapped_code"),
                     5: ("partner_iso3", "ESP_CEUTA", "unmapped_code"),
                     7: ("partner_iso3", "", "unmapped_code")}
    msg = q.set_index("line")["message"]
    assert msg[3].startswith(f"unmapped_code: saw 'XKX', {EXPECT} (Kosovo: Kosovo (unmapped: ")
    assert "Spain's own row is the country" in msg[5]
    assert msg[7].endswith("(Countries not specified: no code given)")
    assert set(q["file"]) == {p.name}
    assert dict(zip(f["reporter"], f["value"], strict=True)) == {"KAZ": 2.5, "ESP": 40.0}
    (ch,) = eurostat.read(eurostat.files(p)[0])
    assert ch.rows_read == 6 and len(ch.quarantine) == 3 and len(ch.data) == 2


GD_HDR = ["year", "iso3_a", "iso3_b", "days_in_year_covered", "active_days", "net_score_sum",
          "positive_score_sum", "negative_score_sum"]
GD = [
    (2021, "CHN", "KAZ", 365, 100, 12.5, 20.0, -7.5),   # 2
    (2021, "KAZ", "XKX", 365, 3, 1.0, 1.0, 0.0),        # 3: Kosovo, no ISO3 country
    (2021, "EUR", "KAZ", 365, 5, 2.0, 2.0, 0.0),        # 4: CAMEO's Europe, an aggregate
    (2021, "KAZ", "KAZ", 365, 5, 2.0, 2.0, 0.0),        # 5: self
    (2021, "kaz", "rus", 365, 50, -3.0, 1.0, -4.0),     # 6: lower case maps
    (2021, "", "RUS", 365, 1, 1.0, 1.0, 0.0),           # 7: no code
]


def test_gdelt_maps_both_columns_and_quarantines_the_rest(tmp_path):
    p = _csv(tmp_path / "gdelt_composite_dyad_year_2018_2024.csv", GD_HDR, GD)
    f, c, q = gdelt.read_frame(p)
    _counts_add_up(c, q, 6)
    assert _q(q) == {3: ("iso3_b", "XKX", "unmapped_code"),
                     4: ("iso3_a", "EUR", "unmapped_code"),
                     5: ("iso3_b", "KAZ", "self_partner"),
                     7: ("iso3_a", "", "unmapped_code")}
    msg = q.set_index("line")["message"]
    assert msg[4] == (f"unmapped_code: saw 'EUR', {EXPECT} (not in the iso3 crosswalk or the "
                      "countries table)")
    assert "Kosovo (unmapped" in msg[3] and msg[7].endswith("(no code given)")
    got = {(r.reporter, r.partner): r.value for r in f.itertuples()}
    assert got == {("CHN", "KAZ"): 12.5, ("KAZ", "CHN"): 12.5, ("KAZ", "RUS"): -3.0,
                   ("RUS", "KAZ"): -3.0}
    (ch,) = gdelt.read(gdelt.files(p)[0])
    assert ch.rows_read == 6 and len(ch.quarantine) == 4 and len(ch.data) == 4


# -- every reader goes through the mapper ----------------------------------------------------

MAPPERS = {"CodeMapper", "map_column", "map_codes"}


def calls_the_mapper(text: str) -> bool:
    """Whether a reader module's source calls :class:`CodeMapper`, ``map_column`` or
    ``map_codes`` (imported from ``._common``)."""
    tree = ast.parse(text)
    imported = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                and (n.module or "").endswith("_common") for a in n.names}
    called = {n.func.id for n in ast.walk(tree)
              if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return bool(MAPPERS & imported & called)


READERS = sorted(m.name for m in pkgutil.iter_modules(sources_pkg.__path__)
                 if not m.name.startswith("_"))


def test_the_scan_sees_every_reader():
    assert {"national", "eurostat", "gdelt", "icews", "imf", "memberships", "baci",
            "comtrade", "cow", "sipri", "gem", "gemoil", "unvotes", "undl",
            "idealpoints"} <= set(READERS)


@pytest.mark.parametrize("name", READERS)
def test_every_reader_maps_its_codes_through_the_crosswalk(name):
    text = Path(sources_pkg.__path__[0], f"{name}.py").read_text(encoding="utf-8")
    assert calls_the_mapper(text), (
        f"equipoise/sources/{name}.py takes its country codes as they come: map them with "
        f"CodeMapper / map_column / map_codes (sources/_common.py)")


def test_the_scan_fails_a_reader_that_bypasses_the_mapper():
    bypass = ("from ._common import numeric, quarantine_rows\n"
              "def read_frame(df):\n    return df['partner_iso3'].str.strip()\n")
    imported_only = "from ._common import CodeMapper, map_column\nX = 1\n"
    own = "def map_column(x):\n    return x\nmap_column(1)\n"
    assert not calls_the_mapper(bypass)
    assert not calls_the_mapper(imported_only)
    assert not calls_the_mapper(own)
    assert calls_the_mapper("from ._common import map_codes\nmap_codes(1)\n")


def test_the_new_crosswalk_rows_do_not_map():
    xw = reference.load("crosswalk")
    rows = xw[xw["scheme"] == "iso3"].set_index("code")
    assert {"ANT", "XKX", "ESP_CEUTA", "ESP_MELILLA"} <= set(rows.index)
    assert (rows["iso3"] == "").all()


# -- the real files ---------------------------------------------------------------------------

@pytest.mark.shared_data
def test_real_eurostat_quarantines_four_non_countries():
    f, c, q = eurostat.read_frame(shared_path(
        "eurostat-eu-exports", "eu27_exports_by_partner_annual_2010_2023.csv.gz"))
    assert (c["rows_read"], c["rows_loaded"], c["rows_quarantined"], c["rows_aggregate"]) == (
        3407, 3362, 45, 73)
    assert q.groupby("value").size().to_dict() == {"ANT": 3, "ESP_CEUTA": 14,
                                                   "ESP_MELILLA": 14, "XKX": 14}
    assert set(q["reason"]) == {"unmapped_code"}
    assert f["reporter"].isin(reference.country_codes()).all()
    kaz = f[f["reporter"] == "KAZ"].set_index("year")["value"]
    assert kaz[2023] == pytest.approx(12.1, abs=0.05)  # SOURCE.md: 12.1 bn EUR (2023)


@pytest.mark.shared_data
@pytest.mark.parametrize(("fname", "ant"), [
    ("kgz_natstat_trade_by_partner_1994_2023.csv.gz", 1),
    ("uzb_statuz_trade_by_partner_2010_2023.csv.gz", 14),
    ("kaz_bns_trade_by_partner_2018_2023.csv.gz", 0),
])
def test_real_national_partners_are_countries(fname, ant):
    f, c, q = national.read_frame(shared_path("national-trade-by-partner", fname))
    assert c["rows_read"] == c["rows_loaded"] + c["rows_quarantined"]
    assert (q["value"] == "ANT").sum() == ant
    partners = set(f["partner"]) - {"WLD"}
    assert partners <= reference.country_codes()
    if fname.startswith("uzb"):  # the total still holds ANT's 3.44 kUSD of 2022 imports
        raw = pd.read_csv(shared_path("national-trade-by-partner", fname))
        y = raw[raw["year"] == 2022]
        assert y.loc[y["partner_iso3"] == "ANT", "imports_kusd"].sum() == pytest.approx(3.44)
        w = f.set_index(["year", "partner", "indicator"])["value"]
        assert w[(2022, "WLD", "trade.goods.import")] == pytest.approx(
            y["imports_kusd"].sum() * 1e-6, rel=1e-12)


@pytest.mark.shared_data
def test_real_gdelt_codes_all_map():
    f, c, _ = gdelt.read_frame(shared_path("gdelt-dyad-composite",
                                           "gdelt_composite_dyad_year_2018_2024.csv.gz"))
    assert (c["rows_read"], c["rows_quarantined"], len(f)) == (80753, 0, 2 * 80753)
    assert set(f["reporter"]) <= reference.country_codes()
