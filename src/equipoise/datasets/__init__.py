"""The embedded default dataset: Kazakhstan, with a source on every row.

Files in ``datasets/kazakhstan/``:

``flows.csv``
    Canonical flows entered by hand from the sourced fact sheet (kz-facts.md): trade partners,
    oil routes, gas, corridors, FDI, external debt, technology deals, troop deployments,
    migration and remittances. ``source`` is a ``KZF:<entry>`` id.
``derived.csv``
    Canonical flows made by ``scripts/derive_kazakhstan.py`` from public raw data (SIPRI arms
    transfers, Bailey-Strezhnev-Voeten UN agreement, Voeten roll calls, COW IGO, IMF DIP).
``sources.csv``
    One row per source id: ``id, producer, title, url, date, quote, note``. Every ``source`` in
    the other files is listed here; the note records the statistical basis and any choice made.
``events.csv``
    Diplomatic engagement ledger 2023-2025: ``date, actor, counterpart, kind, domains,
    value_usd, source``. ``actor`` is the side that travels, convenes or signs first (a visiting
    head of state is the actor, the host the counterpart); for a summit the counterpart is the
    organisation or format (``SCO``, ``OTS``, ``BRICS``, ``C5P1``, ``EU27`` for Central
    Asia-EU). ``domains`` are ``;``-separated; ``value_usd`` is in US dollars and empty where the
    source gives none or gives another currency. ``date`` is ``YYYY-MM-DD``, or ``YYYY-MM``
    where the source gives only the month.

>>> import equipoise as eq
>>> flows = eq.load_default()          # doctest: +SKIP
>>> flows.counts["quarantined"]        # doctest: +SKIP
0
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from .. import reference
from ..errors import InputError, NoDataError, SchemaError, UnknownCountryError
from ..io.events import EventSet, check_events
from ..io.flows import FlowSet, read_flows
from ..schema import EVENT_COLUMNS, EVENT_KINDS  # noqa: F401 - datasets.EVENT_KINDS, as before

__all__ = ["available", "default_path", "load_default", "load_event_set", "load_events",
           "load_sources"]

#: focal state (ISO3) -> folder of its embedded dataset
_EMBEDDED = {"KAZ": "kazakhstan"}

SOURCE_COLUMNS = ("id", "producer", "title", "url", "date", "quote", "note")


def available() -> tuple[str, ...]:
    """Focal states (ISO3) that have an embedded dataset."""
    return tuple(sorted(_EMBEDDED))


def default_path(focal: str) -> Path:
    """Folder holding the embedded dataset of ``focal``.

    Raises
    ------
    UnknownCountryError
        ``focal`` is not an ISO3 country code.
    NoDataError
        ``focal`` is a country without embedded data.
    """
    code = str(focal).strip().upper()
    if code not in _EMBEDDED:
        if code not in reference.country_codes():
            raise UnknownCountryError(
                f"focal {focal!r} is not an ISO3 country code; expected one of the codes in the "
                f"countries table, e.g. {', '.join(available())}")
        raise NoDataError(
            f"no embedded dataset for focal {code!r}; embedded: {', '.join(available())}. "
            f"Load your own flows with equipoise.read_flows(paths)")
    return Path(str(resources.files(__name__).joinpath(_EMBEDDED[code])))


def load_default(focal: str, *, lenient: bool = False) -> FlowSet:
    """The embedded flows of ``focal`` (hand-entered ``flows.csv`` plus ``derived.csv``).

    Parameters
    ----------
    focal
        ISO3 code of the focal state; only ``"KAZ"`` is embedded.
    lenient
        Quarantine bad rows instead of raising (the shipped files load strictly).

    Returns
    -------
    FlowSet
        Validated canonical flows with ``file`` and ``line`` provenance; every ``source`` is an
        id in :func:`load_sources`.
    """
    folder = default_path(focal)
    # provenance names the dataset and the file in it ("kazakhstan/flows.csv"), not the
    # absolute path of the installed package
    return read_flows([folder / "flows.csv", folder / "derived.csv"], lenient=lenient,
                      label=lambda p: f"{p.parent.name}/{p.name}")


def _name(path: Path) -> str:
    """A shipped file as named in messages: the dataset and the file ("kazakhstan/events.csv")."""
    return f"{path.parent.name}/{path.name}"


def _read_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise SchemaError(f"{_name(path)} line 1: missing column(s) {missing}; saw {list(df.columns)}, "
                          f"expected {list(columns)}")
    return df[list(columns)]


def load_sources(focal: str) -> pd.DataFrame:
    """The sources table (``id, producer, title, url, date, quote, note``) of the embedded data."""
    path = default_path(focal) / "sources.csv"
    df = _read_csv(path, SOURCE_COLUMNS)
    dup = df["id"].duplicated()
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise InputError(f"{_name(path)} line {i + 2}, column 'id': saw {df['id'].iat[i]!r} again; "
                         f"expected each source id once")
    return df


def load_event_set(focal: str) -> EventSet:
    """The diplomatic events ledger of the embedded data as an :class:`EventSet`, checked once
    by the one events validator (:func:`equipoise.io.events.check_events`) with the shipped
    ledger's stricter options: the month of every date, at least one domain, every source an
    id of ``sources.csv``. ``file`` is ``kazakhstan/events.csv``, ``line`` its line.

    Raises
    ------
    InputError
        Every bad cell, naming file, line, column, the value seen and what was expected.
    """
    path = default_path(focal) / "events.csv"
    df = _read_csv(path, EVENT_COLUMNS)
    return check_events(df, source=_name(path), month=True, domains_required=True,
                        sources=frozenset(load_sources(focal)["id"]))


def load_events(focal: str) -> pd.DataFrame:
    """The diplomatic events ledger of the embedded data, checked (:func:`load_event_set`).

    Returns
    -------
    DataFrame
        ``date`` (text, ``YYYY-MM-DD`` or ``YYYY-MM``), ``year`` (int), ``actor``,
        ``counterpart``, ``kind``, ``domains`` (``;``-separated text), ``value_usd`` (float, NaN
        where not given), ``source``.

    Raises
    ------
    InputError
        Every bad cell, naming file, line, column, the value seen and what was expected.
    """
    data = load_event_set(focal).data
    out = data[list(EVENT_COLUMNS)].astype({c: "str" for c in EVENT_COLUMNS if c != "value_usd"})
    out.insert(1, "year", data["year"].astype("int64"))
    return out
