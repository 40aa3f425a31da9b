"""One place that resolves defaults: the embedded default, the environment and where data are.

The command line, the main job (:mod:`equipoise.pipeline`) and the dashboard turn "a path or
None, plus a ``--focal`` override" into data here, and hand the resolved inputs down. The
measures, risk and doctrine code below take data and a focal state, never a default or a place
to look for files.

What is known here and nowhere else:

* the embedded default: :data:`DEFAULT_FOCAL` (Kazakhstan, the one embedded dataset and the
  focal state of the shipped doctrine) and :data:`DEFAULT_POLES`;
* the environment variables (names in :mod:`equipoise._defaults`, re-exported here);
* where data are found: the package's datasets, the shared data folder
  (``$EQUIPOISE_SHARED_DATA`` or ``../shared/data`` beside the checkout), UN votes
  (``$EQUIPOISE_VOTES``, the warehouse, the shared data) and ideal points
  (``$EQUIPOISE_IDEALPOINTS``, the shared data).

>>> from equipoise import context
>>> context.resolve_focal(None), context.resolve_focal("mng")
('KAZ', 'MNG')
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _defaults as _env
from ._defaults import (
    DB,
    DB_MEMORY_LIMIT,
    DEBUG,
    DEFAULT_FOCAL,
    DEFAULT_POLES,
    IDEALPOINTS,
    SHARED_DATA,
    SPARK_DRIVER_MEMORY,
    TOKEN,
    VOTES,
    shared_data,
    shared_data_root,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .doctrine.model import Doctrine
    from .io.flows import FlowSet

__all__ = [
    "DB",
    "DB_MEMORY_LIMIT",
    "DEBUG",
    "DEFAULT_FOCAL",
    "DEFAULT_POLES",
    "IDEALPOINTS",
    "SHARED_DATA",
    "SPARK_DRIVER_MEMORY",
    "TOKEN",
    "VOTES",
    "cow_igo_source",
    "debug",
    "icews_source",
    "idealpoints_or_none",
    "idealpoints_source",
    "load_default",
    "load_events",
    "load_sources",
    "plan_supply_source",
    "product_screen_source",
    "resolve_doctrine",
    "resolve_flows",
    "resolve_focal",
    "resolve_inputs",
    "resolve_poles",
    "shared_data",
    "shared_data_root",
    "token",
    "votes_or_none",
    "votes_source",
]

# ------------------------------------------------------------------------------ the default

def resolve_focal(focal: str | None) -> str:
    """``focal`` upper-cased, or :data:`DEFAULT_FOCAL` when None or empty."""
    return str(focal).strip().upper() if focal else DEFAULT_FOCAL


def resolve_poles(poles: Sequence[str] | str | None) -> list[str]:
    """``poles`` as an upper-cased list (``"chn,RUS"`` or a sequence), or
    :data:`DEFAULT_POLES`."""
    from ._options import as_list

    return [p.upper() for p in as_list(poles) or DEFAULT_POLES]


def resolve_doctrine(doctrine: Doctrine | str | Path | None = None,
                     focal: str | None = None) -> Doctrine:
    """A :class:`~equipoise.doctrine.model.Doctrine`: the one given, read from a TOML path, or
    the shipped default (``doctrine/kazakhstan.toml``) when None; applied to ``focal`` when it
    differs from the doctrine's (validated again: a focal state that is one of the poles is
    refused)."""
    from .doctrine.model import Doctrine, load_doctrine, with_focal

    if isinstance(doctrine, Doctrine):
        return with_focal(doctrine, focal)
    return load_doctrine(doctrine, focal=focal)


def load_default(focal: str | None = None, *, lenient: bool = False) -> FlowSet:
    """The embedded flows of ``focal`` (:data:`DEFAULT_FOCAL` when None)."""
    from .datasets import load_default as _load

    return _load(resolve_focal(focal), lenient=lenient)


def load_sources(focal: str | None = None) -> pd.DataFrame:
    """The source register of the embedded dataset of ``focal`` (:data:`DEFAULT_FOCAL`)."""
    from .datasets import load_sources as _load

    return _load(resolve_focal(focal))


def load_events(focal: str | None = None) -> pd.DataFrame:
    """The engagement ledger of the embedded dataset of ``focal`` (:data:`DEFAULT_FOCAL`)."""
    from .datasets import load_events as _load

    return _load(resolve_focal(focal))


def resolve_flows(data: Sequence[str | Path] | str | Path | None = None,
                  focal: str | None = None, *, db: str | Path | None = None,
                  lenient: bool = False) -> FlowSet:
    """Flows from a warehouse (``db``: the rows of ``focal``), from flow files or folders
    (``data``), or else the embedded dataset of ``focal`` (:data:`DEFAULT_FOCAL` when None)."""
    if db is not None:
        from .warehouse import read_flows as read_warehouse

        return read_warehouse(db, focal=focal)
    if data:
        from .io.flows import read_flows

        return read_flows(data, lenient=lenient)
    return load_default(focal, lenient=lenient)


def resolve_inputs(data=None, focal: str | None = None, doctrine=None, *, db=None,
                   lenient: bool = False) -> tuple[Doctrine, FlowSet]:
    """The doctrine and the flows of one run.

    ``focal`` defaults to the doctrine's (``KAZ`` for the shipped one). Flows come from ``db``
    or ``data`` when given (read first, so a bad flow file is reported before the doctrine is
    read, as the commands always did), else from the embedded dataset of the focal state.
    """
    if data or db is not None:
        flows = resolve_flows(data, focal, db=db, lenient=lenient)
        return resolve_doctrine(doctrine, focal), flows
    d = resolve_doctrine(doctrine, focal)
    return d, load_default(d.focal, lenient=lenient)


# ------------------------------------------------------------------------------ environment

def debug() -> bool:
    """``$EQUIPOISE_DEBUG`` set to anything but empty, ``0``, ``false`` or ``no``."""
    return (_env.get(DEBUG) or "").strip().lower() not in ("", "0", "false", "no")


def token() -> str | None:
    """``$EQUIPOISE_TOKEN`` (the dashboard's access token), None when unset or empty."""
    return _env.get(TOKEN)


# ------------------------------------------------------------------------------ data sources

def votes_source():
    """The UN votes to use when none are given, as a :class:`~equipoise.sources.unvotes.VoteSet`.

    Order: ``$EQUIPOISE_VOTES`` (a file or folder); the warehouse ``votes`` and
    ``vote_issues`` tables when :mod:`equipoise.warehouse` offers ``read_table(name)``; the
    ``unvotes`` folder of the shared data (``$EQUIPOISE_SHARED_DATA`` or ``../shared/data``
    beside the checkout).

    Raises
    ------
    NoDataError
        None of them holds votes.
    """
    from .errors import NoDataError
    from .sources.unvotes import read_votes, votes_from_frame

    env = _env.get(VOTES)
    if env:
        return read_votes(env)
    try:  # the warehouse is optional; its API may not exist in every install
        from . import warehouse

        getter = getattr(warehouse, "read_table", None)
        if getter is not None:
            df = getter("votes")
            if df is not None and len(df):
                try:
                    iss = getter("vote_issues")[["rcid", "issue"]]
                except Exception:  # no issue table loaded: by='issue' will say so
                    iss = None
                return votes_from_frame(df, iss, source="warehouse:votes")
    except Exception:  # no warehouse or no votes table: fall through
        pass
    shared = shared_data()
    if shared is not None and (shared / "unvotes").is_dir():
        return read_votes(shared / "unvotes")
    raise NoDataError("no UN votes found: pass --votes PATH (a file or folder in the unvotes or "
                      "Voeten layout), set EQUIPOISE_VOTES, or load votes into the warehouse")


def votes_or_none():
    """:func:`votes_source`, or None when no votes are found anywhere (the alignment then
    falls back on the embedded agreement rows)."""
    from .errors import NoDataError

    try:
        return votes_source()
    except NoDataError:
        return None


def idealpoints_source() -> pd.DataFrame:
    """The BSV ideal-point frame: ``$EQUIPOISE_IDEALPOINTS`` or the shared data copy.

    Raises
    ------
    NoDataError
        Neither is there.
    """
    from .errors import NoDataError
    from .sources.idealpoints import read_idealpoints

    env = _env.get(IDEALPOINTS)
    if env:
        return read_idealpoints(env)
    shared = shared_data()
    if shared is not None:
        hits = sorted((shared / "unga-ideal-points").glob("Idealpoint*.csv*"))
        if hits:
            return read_idealpoints(hits[-1])
    raise NoDataError("no ideal-point file found: pass --idealpoints PATH (the BSV "
                      "IdealpointestimatesAll CSV) or set EQUIPOISE_IDEALPOINTS")


def cow_igo_source() -> Path | None:
    """The COW IGO dyad-year file of the shared data
    (``cow-atop-peacesciencer/cow_igo_ndy.csv.gz``), None when it is not there."""
    shared = shared_data()
    p = shared / "cow-atop-peacesciencer" / "cow_igo_ndy.csv.gz" if shared else None
    return p if p is not None and p.exists() else None


def icews_source() -> Path | None:
    """The ICEWS dyad-year file of the shared data (``icews-dyadic-netify/*.csv*``), None when
    it is not there."""
    shared = shared_data()
    hits = sorted((shared / "icews-dyadic-netify").glob("*.csv*")) if shared else []
    return hits[0] if hits else None


def plan_supply_source() -> dict:
    """The plan's supply tables (:class:`~equipoise.doctrine.plan.capacity.Supply`) from the
    shared data, by domain: ``security`` (SIPRI trade register: TIV delivered by each supplier,
    five-year window), ``trade`` (COW National Trade: goods exports, USD bn) and ``finance``
    (IMF DIP: each reporter's outward direct investment position against the World, USD
    million, reported data). A domain whose file is missing is left out; ``{}`` when there is
    no shared data (the plan then lets only present partners grow, and says so)."""
    import pandas as pd

    from .doctrine.plan.capacity import Supply
    from .sources import cow, sipri
    from .sources._common import SourceFile

    shared = shared_data()
    out: dict = {}
    if shared is None:
        return out

    def flows(reader, path):
        return pd.concat([c.data for c in reader.read(SourceFile(path=path, version=""))
                          if c.table == "flows" and len(c.data)], ignore_index=True)

    arms = shared / "sipri-arms-transfers" / "trade_register_1995_2024.csv.gz"
    if arms.exists():
        f = flows(sipri, arms)
        out["security"] = Supply("security", f[["year", "partner", "value"]], "SIPRI",
                                 "arms exports", "world TIV", "TIV mn", window=5)
    trade = shared / "cow-atop-peacesciencer" / "cow_trade_sy.csv.gz"
    if trade.exists():
        f = flows(cow, trade)
        f = f[f["indicator"] == "trade.goods.export"]
        out["trade"] = Supply("trade", f[["year", "reporter", "value"]].rename(
            columns={"reporter": "partner"}), "COW National Trade v4.0", "goods exports",
            "world exports", "USD bn")
    fdi = shared / "imf-dip-fdi" / "imf_dip_outward_positions_5reporters_2014_2024.csv.gz"
    if fdi.exists():
        f = pd.read_csv(fdi, usecols=["COUNTRY.ID", "DV_TYPE.ID", "COUNTERPART_COUNTRY.ID",
                                      "TIME_PERIOD", "OBS_VALUE"])
        f = f[(f["COUNTERPART_COUNTRY.ID"] == "G001") & (f["DV_TYPE.ID"] == "O")].dropna()
        f = pd.DataFrame({"year": f["TIME_PERIOD"].astype(int), "partner": f["COUNTRY.ID"],
                          "value": f["OBS_VALUE"].astype(float)})
        out["finance"] = Supply("finance", f, "IMF DIP", "outward FDI position",
                                "the five IMF DIP reporters' (CHN, DEU, JPN, SGP, USA) sum",
                                "USD mn")
    return out


def product_screen_source(db, focal: str, year: int | None = None) -> pd.DataFrame | None:
    """The product screen records of ``focal`` (CEPII GeoDep, :func:`equipoise.measures.screen.
    screen`, as ``equipoise screen --reporter FOCAL --db DB`` gives them) from the warehouse
    ``db``, for ``year`` (default: the latest year of its product data). None when the warehouse
    holds no product rows of ``focal`` in that year: the goods substitutability then falls back
    to the viable alternative partners, labelled so. ``attrs["source"]`` names the warehouse."""
    from .errors import NoDataError
    from .measures.screen import screen
    from .warehouse import connect_duckdb

    con = connect_duckdb(db)
    try:
        try:
            res = screen(con, year=year, reporters=[focal.upper()], sensitivity=False)
        except NoDataError:
            return None
        records = res.records.copy()
    finally:
        con.close()
    if records.empty:
        return None
    records.attrs["source"] = f"warehouse {db}: product screen {res.year}"
    return records


def idealpoints_or_none():
    """:func:`idealpoints_source`, or None when there is no ideal-point file."""
    from .errors import NoDataError

    try:
        return idealpoints_source()
    except NoDataError:
        return None


def describe() -> dict[str, Any]:
    """What this process would use: the defaults and the data locations (for ``--debug``
    and bug reports)."""
    return {"focal": DEFAULT_FOCAL, "poles": list(DEFAULT_POLES),
            "shared_data": str(shared_data_root()), "shared_data_found": shared_data() is not None,
            "votes": _env.get(VOTES), "idealpoints": _env.get(IDEALPOINTS), "db": _env.get(DB)}
