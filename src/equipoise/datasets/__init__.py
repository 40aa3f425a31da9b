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
from ..io.flows import FlowSet, read_flows
from ..schema import EVENT_COLUMNS, EVENT_KINDS, event_date_ok

__all__ = ["available", "default_path", "load_default", "load_events", "load_sources"]

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


def load_events(focal: str) -> pd.DataFrame:
    """The diplomatic events ledger of the embedded data, checked.

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
    path = default_path(focal) / "events.csv"
    df = _read_csv(path, EVENT_COLUMNS)
    orgs = set(reference.load("organisations")["org"])
    parties = reference.known_codes() | orgs
    domains = set(reference.domain_list())
    sources = set(load_sources(focal)["id"])
    problems: list[str] = []

    def bad(i: int, col: str, expected: str) -> None:
        problems.append(f"{_name(path)} line {i + 2}, column {col!r}: saw {df[col].iat[i]!r}, "
                        f"expected {expected}")

    for i in range(len(df)):
        if not event_date_ok(df["date"].iat[i], month=True):
            bad(i, "date", "a date YYYY-MM-DD or YYYY-MM")
        for col in ("actor", "counterpart"):
            if df[col].iat[i] not in parties:
                bad(i, col, "an ISO3 code, a group or an organisation in organisations.csv")
        if df["kind"].iat[i] not in EVENT_KINDS:
            bad(i, "kind", f"one of {EVENT_KINDS}")
        doms = [d for d in df["domains"].iat[i].split(";") if d]
        if not doms or any(d not in domains for d in doms):
            bad(i, "domains", f"';'-separated domains from {sorted(domains)}")
        v = df["value_usd"].iat[i]
        if v:
            try:
                ok = float(v) >= 0
            except ValueError:
                ok = False
            if not ok:
                bad(i, "value_usd", "an amount in US dollars >= 0, or empty")
        if df["source"].iat[i] not in sources:
            bad(i, "source", "an id listed in sources.csv")
    if problems:
        raise InputError(f"{len(problems)} problem(s) in {_name(path)}:\n  " + "\n  ".join(problems),
                         issues=problems)
    out = df.copy()
    out.insert(1, "year", out["date"].str[:4].astype("int64"))
    out["value_usd"] = pd.to_numeric(out["value_usd"].replace("", None)).astype("float64")
    return out
