"""Shipped reference tables: the single source of truth that the code looks up.

Tables (CSV files in this folder, each with its sources):

``countries``      ISO3, ISO2, UN M49, COW numeric and letter codes, IMF code, English name
                   (from the countrycode code list, Arel-Bundock et al. 2018; codes are facts;
                   rebuilt by ``scripts/build_reference.py``)
``groups``         partner group codes usable in flows (``WLD``, ``OTH``, ``EU27``, ``EAEU``, ...)
``group_members``  members of each group with the year they joined (and left)
``domains``        the functional domains, default weights and substitutability assumptions
``indicators``     indicator -> domain, unit, window of years summed, default weight, kind
``hs_domains``     HS chapter -> domain map
``organisations``  organisations with kind, led_by, aimed_at and sources
``memberships``    memberships of states in organisations with start and end years and sources
``crosswalk``      extra country codes used by external datasets that are not ISO3
``crosswalk_dated`` codes whose meaning changed: the mapping from a ``start_year`` on (COW 345
                   is Serbia from 2006), for readers that give each row's year
``units``          unit -> dimension and factor to the dimension's base unit (definitional:
                   SI prefixes and common usage, each row citing which)

>>> from equipoise import reference
>>> reference.load("countries").set_index("iso3").loc["KAZ", "cow"]
'705'
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

TABLES = (
    "countries",
    "groups",
    "group_members",
    "domains",
    "indicators",
    "hs_domains",
    "organisations",
    "memberships",
    "crosswalk",
    "units",
    "crosswalk_dated",
)

__all__ = [
    "TABLES",
    "country_codes",
    "domain_list",
    "expand_group",
    "group_codes",
    "indicator_table",
    "is_group",
    "known_codes",
    "load",
    "organisation_codes",
    "path",
    "unit_table",
]


def path(name: str):
    """Path (a ``Traversable``) of a shipped table."""
    if name not in TABLES:
        raise KeyError(f"reference table {name!r} unknown; expecting one of {TABLES}")
    return resources.files(__name__).joinpath(f"{name}.csv")


@cache
def _load(name: str) -> pd.DataFrame:
    with path(name).open("r", encoding="utf-8") as fh:
        df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    for col in ("window", "start_year", "end_year"):
        if col in df.columns:
            df[col] = pd.to_numeric(df[col].replace("", None), errors="coerce").astype("Int64")
    for col in ("weight", "substitutability", "factor"):
        if col in df.columns:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    if "critical" in df.columns:
        df["critical"] = df["critical"].str.lower().eq("true")
    return df


def load(name: str) -> pd.DataFrame:
    """Return a copy of the shipped table ``name`` (see the module docstring)."""
    return _load(name).copy()


@cache
def country_codes() -> frozenset[str]:
    """All ISO3 country codes in the shipped country table."""
    return frozenset(_load("countries")["iso3"])


@cache
def group_codes() -> frozenset[str]:
    """All partner group codes (WLD, OTH, EU27, ...)."""
    return frozenset(_load("groups")["code"])


def known_codes() -> frozenset[str]:
    """ISO3 codes and group codes: everything a flow's reporter or partner may be."""
    return country_codes() | group_codes()


#: the extractor's gazetteer, package data of ``equipoise.extract``, read as a file (the shared
#: base imports no part): its ``organisation`` rows name organisations the organisations table
#: does not describe (ADB, AIIB, CAREC, EBRD, ECO, IFAS, IMF, WBG)
_GAZETTEER = ("extract", "gazetteer.csv")


@cache
def organisation_codes() -> frozenset[str]:
    """Every organisation code an event's counterpart may be: the organisations table's and
    the organisation rows of the extractor's gazetteer (so that a ledger may hold what
    ``equipoise extract`` finds)."""
    codes = set(_load("organisations")["org"])
    ref = resources.files(__name__.rpartition(".")[0])
    for part in _GAZETTEER:
        ref = ref.joinpath(part)
    with ref.open("r", encoding="utf-8") as fh:
        g = pd.read_csv(fh, dtype=str, keep_default_na=False, usecols=["code", "type"])
    return frozenset(codes | set(g.loc[g["type"] == "organisation", "code"]))


def is_group(code: str) -> bool:
    return code in group_codes()


def expand_group(code: str, year: int | None = None) -> list[str]:
    """Members of group ``code`` in ``year`` (all members ever when year is None).

    A country code expands to itself.
    """
    if code not in group_codes():
        return [code]
    return list(_members(code, year))


@cache
def _members(code: str, year: int | None) -> tuple[str, ...]:
    gm = _load("group_members")
    gm = gm[gm["group"] == code]
    if year is not None:
        start = gm["start_year"].fillna(-10**6).astype(int)
        end = gm["end_year"].fillna(10**6).astype(int)
        gm = gm[(start <= year) & (end >= year)]
    return tuple(sorted(gm["member"]))


def indicator_table() -> pd.DataFrame:
    """The indicators table indexed by indicator name."""
    return _indicator_table().copy()


@cache
def _indicator_table() -> pd.DataFrame:
    return _load("indicators").set_index("indicator")


def unit_table() -> pd.DataFrame:
    """The units table indexed by unit: ``dimension`` and ``factor`` (how many of the
    dimension's base unit one unit is: ``USD mn`` 1e6 USD). Two units convert when they share
    a dimension: ``value_in_b = value_in_a * factor_a / factor_b``."""
    return _load("units").set_index("unit")


def domain_list() -> list[str]:
    return list(_load("domains")["domain"])
