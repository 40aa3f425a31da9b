"""Country-code mapping through the shipped crosswalk, driven by data: codes and names that must
map, and ones that must not (country_converter's habit)."""

from __future__ import annotations

import pytest

from equipoise import reference
from equipoise.sources._common import CodeMapper, normalise_name

MUST_MAP = [
    ("baci", "842", "USA"), ("baci", "251", "FRA"), ("baci", "699", "IND"), ("baci", "757", "CHE"),
    ("baci", "579", "NOR"), ("baci", "381", "ITA"), ("baci", "398", "KAZ"), ("baci", "156", "CHN"),
    ("comtrade", "842", "USA"), ("comtrade", "0", "WLD"), ("comtrade", "643", "RUS"),
    ("cow", "705", "KAZ"), ("cow", "365", "RUS"), ("cow", "260", "DEU"), ("cow", "2", "USA"),
    ("imf", "KAZ", "KAZ"), ("imf", "G001", "WLD"), ("imf", "WBG", "PSE"),
    ("sipri", "Turkiye", "TUR"), ("sipri", "UAE", "ARE"), ("sipri", "Soviet Union", "RUS"),
    ("sipri", "DR Congo", "COD"), ("sipri", "Congo", "COG"), ("sipri", "Kazakhstan", "KAZ"),
    ("sipri", "Antigua and Barbuda", "ATG"), ("sipri", "Saint Kitts and Nevis", "KNA"),
    ("sipri", "Bosnia-Herzegovina", "BIH"), ("gem", "USA", "USA"), ("gem", "Chna", "CHN"),
    ("gem", "Cote d'Ivoire", "CIV"), ("gem", "Trinidad and Tobago", "TTO"),
    ("cow", "678", "YEM"), ("cow", "705.0", "KAZ"), ("iso2", "KZ", "KAZ"), ("iso2", "NA", "NAM"),
    ("iso2", " kz ", "KAZ"),
]
MUST_NOT_MAP = [
    ("baci", "490", "Other Asia"), ("baci", "58", "Belgium-Luxembourg"),
    ("comtrade", "899", "Areas, nes"), ("cow", "265", "German Democratic Republic"),
    ("cow", "345", "Yugoslavia"), ("imf", "TX983", "Not Specified"),
    ("sipri", "Northern Cyprus", "Northern Cyprus"), ("sipri", "Czechoslovakia", "split"),
    ("sipri", "Kosovo", "Kosovo"), ("baci", "999", "not in the baci crosswalk"),
    ("sipri", "Atlantis", "not in the sipri crosswalk"),
    ("cow", "705.5", "not in the cow crosswalk"), ("iso2", "YU", "not in the iso2 crosswalk"),
    ("iso2", "", "no code given"), ("cow", None, "no code given"),
]


@pytest.mark.parametrize(("scheme", "code", "iso3"), MUST_MAP)
def test_codes_that_map(scheme, code, iso3):
    got, note = CodeMapper(scheme).map([code])
    assert got[0] == iso3 and note[0] == ""


@pytest.mark.parametrize(("scheme", "code", "why"), MUST_NOT_MAP)
def test_codes_that_must_not_map(scheme, code, why):
    got, note = CodeMapper(scheme).map([code])
    assert got[0] == ""
    assert why in note[0]


def test_crosswalk_table_is_clean():
    xw = reference.load("crosswalk")
    assert list(xw.columns) == ["scheme", "code", "iso3", "name", "source"]
    assert not xw.duplicated(["scheme", "code"]).any()
    mapped = xw[xw["iso3"] != ""]
    assert mapped["iso3"].isin(reference.country_codes() | {"WLD"}).all()
    assert (xw["source"].str.len() > 5).all()
    # every unmapped row says why
    assert xw[xw["iso3"] == ""]["name"].str.contains("unmapped").all()


def test_normalise_name():
    assert normalise_name("St. Vincent & Grenadines") == "saint vincent and grenadines"
    assert normalise_name("Côte d’Ivoire") == "cote d'ivoire"


def test_crosswalk_dated_table_is_clean():
    xd = reference.load("crosswalk_dated")
    assert list(xd.columns) == ["scheme", "code", "start_year", "iso3", "name", "source"]
    assert not xd.duplicated(["scheme", "code", "start_year"]).any()
    assert xd["start_year"].notna().all()
    mapped = xd[xd["iso3"] != ""]
    assert mapped["iso3"].isin(reference.country_codes()).all()
    assert (xd["source"].str.len() > 5).all()
    assert xd[xd["iso3"] == ""]["name"].str.contains("unmapped").all()


def test_a_code_whose_meaning_changed_maps_by_the_rows_year():
    # COW 345: Yugoslavia (and Serbia and Montenegro), no single ISO3 successor, to 2005;
    # Serbia from 2006 (crosswalk_dated). Without years, or a missing year, the crosswalk's
    # undated mapping holds (unmapped); 705 is untouched by the years.
    m = CodeMapper("cow")
    codes = ["345", "345", "345.0", "345", "705", "345"]
    iso, note = m.map(codes, years=[1991, 2005, 2006, 2023, 2006, None])
    assert iso.tolist() == ["", "", "SRB", "SRB", "KAZ", ""]
    assert note[0].startswith("Yugoslavia (1878-2006; unmapped") and note[2] == ""
    assert m.map(["345"])[0].tolist() == [""]
    # the fallback still fills only what stays unmapped
    iso, _ = m.map(["345", "345"], years=[2000, 2010], fallback=["SRB", "MNE"])
    assert iso.tolist() == ["SRB", "SRB"]
