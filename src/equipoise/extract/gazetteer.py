"""Shipped gazetteer and rule tables of the news extractor (CSV files in this folder).

``gazetteer.csv``        code, type (country | group | organisation), alias, alias_kind (name,
                         demonym, capital, city, leader, institution, org), valid_from,
                         valid_to (leaders' years in office), source
``kind_triggers.csv``    kind (a ledger kind), pattern (a regular expression), note
``domain_keywords.csv``  domain (the project's domain vocabulary), pattern, note

Country names also come from the shipped ``countries`` reference table (``name``), so every
ISO3 country is recognised by its English short name; the gazetteer adds aliases, demonyms,
capitals, cities, leaders and government-seat metonyms ("the Kremlin").
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

__all__ = ["domain_keywords", "kind_triggers", "load_gazetteer"]


def _read(name: str) -> pd.DataFrame:
    with resources.files(__package__).joinpath(name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@cache
def _gazetteer() -> pd.DataFrame:
    from .. import reference

    g = _read("gazetteer.csv")
    c = reference.load("countries")
    extra = pd.DataFrame({"code": c["iso3"], "type": "country", "alias": c["name"],
                          "alias_kind": "name", "valid_from": "", "valid_to": "",
                          "source": "equipoise reference table countries (countrycode code "
                                    "list, Arel-Bundock et al. 2018)"})
    extra = extra[extra["alias"].str.len() > 2]
    g = pd.concat([g, extra[~extra["alias"].isin(g["alias"])]], ignore_index=True)
    return g


def load_gazetteer() -> pd.DataFrame:
    """The gazetteer (shipped aliases plus the country names of the countries table)."""
    return _gazetteer().copy()


@cache
def kind_triggers() -> pd.DataFrame:
    return _read("kind_triggers.csv")


@cache
def domain_keywords() -> pd.DataFrame:
    return _read("domain_keywords.csv")
