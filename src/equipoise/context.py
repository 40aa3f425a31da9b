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

import functools
from collections.abc import Callable, Sequence
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
from ._results import fmt_number

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
    "energy_balance",
    "energy_side",
    "engagement_balance",
    "event_set_or_none",
    "events_or_none",
    "events_source",
    "icews_source",
    "idealpoints_or_none",
    "idealpoints_source",
    "load_default",
    "load_events",
    "load_sources",
    "open_trade_products",
    "plan_supply_source",
    "product_screen_source",
    "resolve_analysis",
    "resolve_corridors",
    "resolve_doctrine",
    "resolve_flows",
    "resolve_focal",
    "resolve_inputs",
    "resolve_peer_panel",
    "resolve_poles",
    "screen",
    "shared_data",
    "shared_data_root",
    "source_grades",
    "split_db",
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


def source_grades() -> dict[str, str]:
    """Source id -> evidence grade (A official statistic, B research dataset, C press or
    aggregator) over the source registers (``sources.csv``) of every embedded dataset: what
    the assessment grades each indicator's sources by
    (:func:`equipoise.measures.quality.source_grades`; the measure takes it as data). The
    registers are package data, read once per process; each call returns a new dict."""
    return dict(_source_grades())


@functools.cache
def _source_grades() -> tuple[tuple[str, str], ...]:
    from .datasets import available
    from .datasets import load_sources as _load
    from .measures.quality import source_grades as grades_of

    out: dict[str, str] = {}
    for code in available():
        out.update(grades_of(_load(code).to_dict("records")))
    return tuple(out.items())


def load_events(focal: str | None = None) -> pd.DataFrame:
    """The engagement ledger of the embedded dataset of ``focal`` (:data:`DEFAULT_FOCAL`)."""
    from .datasets import load_events as _load

    return _load(resolve_focal(focal))


def events_source(focal: str | None = None):
    """The engagement ledger of the embedded dataset of ``focal`` (:data:`DEFAULT_FOCAL` when
    None) as a validated :class:`~equipoise.measures.engagement.EventSet` (what ``equipoise
    ledger`` and the assessment use when no ledger is given).

    Raises
    ------
    NoDataError
        ``focal`` has no embedded ledger.
    """
    from .datasets import available, load_event_set
    from .errors import NoDataError

    code = resolve_focal(focal)
    if code not in available():
        raise NoDataError(f"no embedded events ledger for {code} (embedded: "
                          f"{', '.join(available())}); pass an events CSV")
    return load_event_set(code)  # checked once, by the one events validator


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


def resolve_analysis(flows=None, *, doctrine: Doctrine | str | Path | None = None,
                     focal: str | None = None, lenient: bool = False) -> tuple[Doctrine, Any]:
    """The doctrine and the flows of one analysis, the one place that turns "a doctrine, a
    path or None, a focal override and flows or None" into data: the front doors
    (:func:`equipoise.assess`, :func:`~equipoise.check`, :func:`~equipoise.plan`,
    :func:`~equipoise.evaluate`) and the commands resolve here and hand the doctrine layer a
    :class:`~equipoise.doctrine.model.Doctrine` and flows.

    * the doctrine: :func:`resolve_doctrine` (the one given, a TOML path, or the shipped
      default), applied to ``focal`` when given and validated again (a focal state that is one
      of the doctrine's poles is a :class:`~equipoise.errors.DoctrineError`, whichever form the
      doctrine was given in);
    * the flows: ``flows`` as given (a ``FlowSet`` or a canonical DataFrame), else the embedded
      dataset of the doctrine's focal state.

    >>> d, flows = resolve_analysis(focal="kaz")
    >>> d.focal, len(flows.data) > 0
    ('KAZ', True)
    """
    d = resolve_doctrine(doctrine, focal)
    return d, load_default(d.focal, lenient=lenient) if flows is None else flows


def resolve_inputs(data=None, focal: str | None = None, doctrine=None, *, db=None,
                   lenient: bool = False) -> tuple[Doctrine, FlowSet]:
    """The doctrine and the flows of one run, from paths (what the commands are given).

    ``focal`` defaults to the doctrine's (``KAZ`` for the shipped one). Flows come from ``db``
    or ``data`` when given (read first, so a bad flow file is reported before the doctrine is
    read, as the commands always did), else from the embedded dataset of the focal state
    (:func:`resolve_analysis`).
    """
    flows = resolve_flows(data, focal, db=db, lenient=lenient) \
        if data or db is not None else None
    return resolve_analysis(flows, doctrine=doctrine, focal=focal, lenient=lenient)


def events_or_none(focal: str | None = None) -> pd.DataFrame | None:
    """:func:`load_events` of ``focal`` (the table an action evaluation adds its events to), or
    None when there is no embedded ledger for it."""
    from .datasets import available

    code = resolve_focal(focal)
    return load_events(code) if code in available() else None


def event_set_or_none(focal: str | None = None):
    """:func:`events_source` of ``focal`` (the ledger the engagement measure reads, checked
    once), or None when there is no embedded ledger for it."""
    from .datasets import available

    code = resolve_focal(focal)
    return events_source(code) if code in available() else None


def _tables(db: str | Path) -> set[str]:
    """The tables of the warehouse ``db`` (opened read-only; the warehouse's open errors)."""
    from .warehouse import connect_duckdb

    con = connect_duckdb(db)
    try:
        return {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
    finally:
        con.close()


def _has_rows(db: str | Path, table: str) -> bool:
    """Whether the table ``table`` of the warehouse ``db`` holds a row (opened read-only)."""
    from .warehouse import connect_duckdb

    con = connect_duckdb(db)
    try:
        return con.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchone()[0]
    finally:
        con.close()


def split_db(db: str | Path | None, panel: str | Path | None = None
             ) -> tuple[Path | None, Path | None]:
    """What ``--db`` (and ``--panel``) give a run: ``(flows_db, panel_db)``. The flows come
    from ``db`` when it holds a ``flows`` table; the world panel from ``panel``, else from
    ``db`` when it holds a ``panel`` table (``equipoise panel build --db W``). A ``db`` with a
    panel and no flows table, or with an empty flows table and no panel (e.g. product-level
    trade only), gives no flows (they are then ``--data`` or the embedded dataset); a ``db``
    with neither table is left as the flows warehouse, whose reader says what it lacks."""
    if db is None:
        return None, None if panel is None else Path(panel)
    tables = _tables(db)
    # an empty flows table beside no panel (a warehouse of product-level trade only): no flows
    empty = "flows" in tables and "panel" not in tables and not _has_rows(db, "flows")
    flows_db = (Path(db) if ("flows" in tables or "panel" not in tables) and not empty
                else None)
    panel_db = Path(panel) if panel is not None else (Path(db) if "panel" in tables else None)
    return flows_db, panel_db


def resolve_peer_panel(panel: str | Path | None, doctrine: Doctrine):
    """The world panel's rule measures of every state
    (:class:`~equipoise.measures.peer_panel.PeerPanel`, spreads over the doctrine's poles) from
    the warehouse ``panel``, or None when ``panel`` is None.

    Raises
    ------
    WarehouseError
        The warehouse does not exist, cannot be opened or holds no ``panel`` table.
    """
    if panel is None:
        return None
    from .errors import WarehouseError
    from .measures.peer_panel import read_peer_panel
    from .warehouse import connect_duckdb

    con = connect_duckdb(panel)
    try:
        has = con.execute("SELECT count(*) FROM information_schema.tables "
                          "WHERE table_name = 'panel'").fetchall()[0][0]
        if not has:
            raise WarehouseError(f"warehouse {panel} holds no panel; build it first with "
                                 f"`equipoise panel build --db {panel}`")
        return read_peer_panel(con, doctrine.poles, source=str(panel))
    finally:
        con.close()


def resolve_corridors(focal: str | None = None, nodes: str | Path | None = None,
                      edges: str | Path | None = None, systems: str | Path | None = None, *,
                      graph=None):
    """The corridor graph of a run (:class:`~equipoise.risk.corridors.CorridorGraph`) together
    with its named flow systems (``graph.systems``, what the corridor measures run over): the
    user's two CSV files ``nodes`` and ``edges`` (both or neither), else an already loaded
    ``graph`` (``eq.load_corridors(nodes, edges)``), else the shipped graph of ``focal``
    (:data:`DEFAULT_FOCAL` when None) with its shipped systems, or None when none ships for
    it. The assessment measures the substitutability of corridors and energy on it and the
    plan draws its correlated scenarios on it (``assess``/``plan --nodes N.csv --edges
    E.csv``).

    A user's graph carries the systems of ``systems`` (a CSV: ``system, domain, source,
    sinks``; ``--systems S.csv``) when given, else the shipped systems of ``focal`` (their
    nodes may not be on the graph: the evidence says ``systems_not_on_graph``), else none,
    said so in ``systems_from`` and in every corridor measure's note (nothing is measured
    silently on no systems).

    Raises
    ------
    CorridorError
        Only one of the two files given, ``systems`` without a user's graph, or a file that
        does not validate (located).
    """
    from .errors import CorridorError
    from .risk.corridors import load_corridors, load_systems, read_systems, shipped_corridors

    focal = resolve_focal(focal)
    if nodes is not None or edges is not None:
        graph = load_corridors(nodes, edges, focal=focal, systems=systems)
    elif systems is not None and graph is None:
        raise CorridorError("--systems S.csv goes with your own graph (--nodes N.csv --edges "
                            "E.csv); the shipped graph carries its own flow systems")
    elif graph is None:
        return shipped_corridors(focal)
    elif systems is not None:
        graph = graph.with_systems(*read_systems(systems))
    if graph.systems is not None:
        return graph
    shipped = load_systems(focal)
    if len(shipped):
        return graph.with_systems(shipped, f"shipped {focal} flow systems (no systems file "
                                  "given for this graph)")
    return graph.with_systems(shipped, f"none: no systems file given for this graph and none "
                              f"ship for {focal} (give --systems S.csv)")


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


def plan_supply_source(focal: str | None = None, *, flows: FlowSet | None = None,
                       db: str | Path | None = None, year: int | None = None) -> dict:
    """The plan's supply tables (:class:`~equipoise.doctrine.plan.capacity.Supply`) by domain,
    for the focal state ``focal`` (:data:`DEFAULT_FOCAL` when None):

    * ``trade``: with ``db`` (a warehouse holding product-level trade: BACI or Comtrade as
      ingested), each exporter's product-weighted share of world exports of the goods
      ``focal`` imports (:func:`equipoise.measures.supply.basket_supply`) in the newest
      year (at most ``year``) that is a world table; else, or when the warehouse has none
      (said in the table's note), COW National Trade (goods exports, USD bn; ends in 2014);
    * ``security``: SIPRI trade register, TIV delivered by each supplier, five-year window;
    * ``energy``: bp Statistical Review 2021, net oil and gas exports per country (net
      imports where ``focal``'s energy flows are its exports: the buyers' side), 2018-20;
    * ``finance``: IMF DIP, each reporter's outward direct investment position against the
      World (USD million, reported data).

    A domain whose file is missing is left out; without shared data only the warehouse's
    trade table (if any) is given, and ``{}`` without either (the plan then lets only present
    partners grow, and says so). The national trade and Eurostat tables in the shared data
    are not used: they give a few reporters' trade, not any partner's world exports."""
    focal = resolve_focal(focal)
    shared = shared_data()
    out: dict = {}
    if shared is not None:
        for domain, build in (("security", _sipri_supply), ("trade", _cow_supply),
                              ("energy", _bp_supply), ("finance", _fdi_supply)):
            got = build(shared, focal, flows)
            if got is not None:
                out[domain] = got
    if db is not None:
        out.update(_warehouse_trade_supply(db, focal, fallback=out.get("trade"), year=year))
    return out


def _reader_flows(reader, path: Path):
    import pandas as pd

    from .sources._common import SourceFile

    return pd.concat([c.data for c in reader.read(SourceFile(path=path, version=""))
                      if c.table == "flows" and len(c.data)], ignore_index=True)


def _sipri_supply(shared: Path, focal: str, flows):
    from .doctrine.plan.capacity import Supply
    from .sources import sipri

    arms = shared / "sipri-arms-transfers" / "trade_register_1995_2024.csv.gz"
    if not arms.exists():
        return None
    f = _reader_flows(sipri, arms)
    return Supply("security", f[["year", "partner", "value"]], "SIPRI", "arms exports",
                  "world TIV", "TIV mn", window=5)


def _cow_supply(shared: Path, focal: str, flows):
    from .doctrine.plan.capacity import Supply
    from .sources import cow

    trade = shared / "cow-atop-peacesciencer" / "cow_trade_sy.csv.gz"
    if not trade.exists():
        return None
    f = _reader_flows(cow, trade)
    f = f[f["indicator"] == "trade.goods.export"]
    return Supply("trade", f[["year", "reporter", "value"]].rename(
        columns={"reporter": "partner"}), "COW National Trade v4.0", "goods exports",
        "world exports", "USD bn", absent_is_zero=False)


def _fdi_supply(shared: Path, focal: str, flows):
    import pandas as pd

    from .doctrine.plan.capacity import Supply

    fdi = shared / "imf-dip-fdi" / "imf_dip_outward_positions_5reporters_2014_2024.csv.gz"
    if not fdi.exists():
        return None
    f = pd.read_csv(fdi, usecols=["COUNTRY.ID", "DV_TYPE.ID", "COUNTERPART_COUNTRY.ID",
                                  "TIME_PERIOD", "OBS_VALUE"])
    f = f[(f["COUNTERPART_COUNTRY.ID"] == "G001") & (f["DV_TYPE.ID"] == "O")].dropna()
    f = pd.DataFrame({"year": f["TIME_PERIOD"].astype(int), "partner": f["COUNTRY.ID"],
                      "value": f["OBS_VALUE"].astype(float)})
    # the file's reporters are CHN, DEU, JPN, SGP and USA; SGP has no position against the
    # World, so the sum is over those that have one (named in the evidence)
    who = ", ".join(sorted(f["partner"].unique()))
    return Supply("finance", f, "IMF DIP", "outward FDI position",
                  f"the IMF DIP reporters' sum ({who}; not the world)", "USD mn",
                  absent_is_zero=False)


#: bp panel entity names the countries table does not spell the same way
_BP_NAMES = {"Congo": "COG", "Democratic Republic of Congo": "COD", "Hong Kong": "HKG"}
_BP_COLUMNS = ("Oil Production - TWh", "Oil Consumption - TWh", "Gas Production - TWh",
               "Gas Consumption - TWh")


def energy_balance(path: Path):
    """The bp Statistical Review panel (``bp_statistical_review_2021_panel.csv.gz``) as
    ``year, partner, oil, gas``: net exports (production minus consumption, TWh; negative:
    net imports) per country. bp names every producer it does not fold into a regional
    remainder, so a missing production beside a reported consumption counts as none; a
    missing consumption leaves the fuel's net unknown (NaN), and rows with neither fuel known
    are left out. Regions, price series and remainders ("Other Europe") have no ISO3 and are
    left out."""
    import pandas as pd

    from .sources._common import CodeMapper

    f = pd.read_csv(path, usecols=["Entity", "Year", *_BP_COLUMNS])
    iso, _ = CodeMapper("bp", extra=_BP_NAMES).map(f["Entity"])
    f = f.assign(partner=iso)[iso != ""]
    out = pd.DataFrame({"year": f["Year"].astype(int), "partner": f["partner"],
                        "oil": f[_BP_COLUMNS[0]].fillna(0.0) - f[_BP_COLUMNS[1]],
                        "gas": f[_BP_COLUMNS[2]].fillna(0.0) - f[_BP_COLUMNS[3]]})
    return out.dropna(subset=["oil", "gas"], how="all").reset_index(drop=True)


def energy_side(focal: str, flows=None, balance=None) -> str:
    """``"exports"`` when the partners of ``focal``'s energy domain supply it (its energy
    flows are imports), ``"imports"`` when they buy or carry its energy (its flows are
    exports, routes or transit). From the indicators of ``flows`` where ``focal`` reports
    energy rows; else from ``focal``'s bp balance (a net exporter of oil and gas: imports);
    else exports."""
    if flows is not None and len(flows.data):
        d = flows.data
        ind = d.loc[(d["reporter"] == focal) & (d["domain"] == "energy"), "indicator"]
        buy = ind.str.contains(r"\.import", regex=True).sum()
        sell = ind.str.contains(r"\.(?:export|transit)", regex=True).sum()
        if buy or sell:
            return "exports" if buy >= sell else "imports"
    if balance is not None:
        mine = balance[balance["partner"] == focal]
        if len(mine):
            last = mine[mine["year"] == mine["year"].max()]
            return "imports" if float((last["oil"] + last["gas"]).sum()) > 0 else "exports"
    return "exports"


def _bp_supply(shared: Path, focal: str, flows):
    from .doctrine.plan.capacity import Supply

    path = shared / "energy-statistical-review" / "bp_statistical_review_2021_panel.csv.gz"
    if not path.exists():
        return None
    bal = energy_balance(path)
    side = energy_side(focal, flows, bal)
    sign = 1.0 if side == "exports" else -1.0
    # per fuel, the positive part: a net importer of oil that exports gas supplies gas (a
    # fuel whose net is unknown adds nothing; a country with neither is not in the table)
    value = (sign * bal["oil"]).clip(lower=0).fillna(0.0) \
        + (sign * bal["gas"]).clip(lower=0).fillna(0.0)
    f = bal.assign(value=value)[["year", "partner", "value"]]
    if side == "exports":
        return Supply("energy", f, "bp Statistical Review 2021", "net oil and gas exports",
                      "all countries' net oil and gas exports", "TWh", window=3,
                      absent_is_zero=False)
    return Supply("energy", f, "bp Statistical Review 2021", "net oil and gas imports",
                  "all countries' net oil and gas imports", "TWh", window=3,
                  absent_is_zero=False,
                  note=f"{focal}'s energy flows are its exports (destinations, routes, "
                       f"transit), so a partner's capacity is a buyer's: its net imports")


def _newest_basket(con, focal: str, year: int | None, tries: int = 3):
    """:func:`~equipoise.measures.supply.basket_supply` of the newest year (at most ``year``)
    that is a world table, trying the ``tries`` newest years one at a time (each is a scan of
    ~11 million BACI rows); None without ``trade_products``."""
    from .measures.supply import BasketSupply, basket_supply, import_years

    has = con.execute("SELECT count(*) FROM information_schema.tables "
                      "WHERE table_name = 'trade_products'").fetchall()[0][0]
    if not has:
        return None
    notes: list[str] = []
    for y in import_years(con, focal, up_to=year)[:tries]:
        got = basket_supply(con, focal, years=[y])
        if got.years:
            return BasketSupply(focal, got.frame, got.years, (*notes, *got.notes))
        notes += got.notes
    return BasketSupply(focal, _empty_supply_frame(), {}, tuple(notes))


def _empty_supply_frame():
    import pandas as pd

    return pd.DataFrame(columns=["year", "partner", "value", "share"])


def _warehouse_trade_supply(db: str | Path, focal: str, *, fallback=None,
                            year: int | None = None) -> dict:
    """``{"trade": Supply}`` from the warehouse's product-level trade, or the ``fallback``
    (COW) with a note saying why the warehouse was not used (``{}`` without a fallback)."""
    from .doctrine.plan.capacity import Supply
    from .warehouse import connect_duckdb

    con = connect_duckdb(db)
    try:
        got = _newest_basket(con, focal, year)
    finally:
        con.close()
    name = Path(db).name
    if got is not None and got.years:
        y = max(got.years)
        m = got.years[y]
        note = "; ".join(got.notes)
        f = got.frame.assign(value=got.frame["value"] / 1e6)
        return {"trade": Supply(
            "trade", f, f"{m['source']} in warehouse {name}", "exports",
            f"world exports of the {fmt_number(m['products'])} products {focal} imports "
            f"(weighted by {focal}'s imports; {m['importers']} importers)", "USD bn",
            note=f"product-level trade from warehouse {name}" + (f" ({note})" if note else ""))}
    why = (f"warehouse {name} holds no product-level trade" if got is None else
           f"warehouse {name} has no world table of {focal}'s imports"
           + (f" ({'; '.join(got.notes)})" if got.notes else f" (no rows with {focal} as "
              f"importer)"))
    if fallback is None:
        import warnings

        from .errors import EquipoiseWarning

        warnings.warn(f"{why}; no other trade capacity data (no shared data)",
                      EquipoiseWarning, stacklevel=3)
        return {}
    from dataclasses import replace

    return {"trade": replace(fallback, note=f"{why}; trade capacity from "
                                            f"{fallback.source}")}


def product_screen_source(db, focal: str, year: int | None = None) -> pd.DataFrame | None:
    """The product screen records of ``focal`` (CEPII GeoDep, :func:`equipoise.measures.screen.
    screen`, as ``equipoise screen --reporter FOCAL --db DB`` gives them) from the warehouse
    ``db``, for ``year`` (default: the latest year of its product data). None when the warehouse
    holds no product rows of ``focal`` in that year (or no ``trade_products`` table): the goods
    substitutability then falls back to the viable alternative partners, labelled so. ``attrs["source"]`` names the warehouse."""
    from .errors import NoDataError
    from .measures.screen import screen
    from .warehouse import connect_duckdb

    if "trade_products" not in _tables(db):  # a flows-only or panel-only warehouse
        return None
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


def open_trade_products(data: Any, *, engine: str = "duckdb",
                        con: Any | None = None) -> tuple[Any, Any, Callable[[], None]]:
    """``trade_products`` for the product screen, opened where ``data`` is a path (the one
    place a path becomes data; the measure takes data): a Parquet file or folder becomes an
    Ibis table on ``con`` (default: a new backend of ``engine``), any other path a read-only
    ``duckdb`` connection on the DuckDB file (e.g. the warehouse). Anything else is returned
    as it is. Returns the data, the backend to hand the measure (``con``) and a function
    that closes what was opened here."""
    import os

    if not isinstance(data, str | os.PathLike):
        return data, con, lambda: None
    p = Path(data)
    if p.suffix in (".parquet", ".pq") or p.is_dir():
        from .engine import connect

        con = con or connect(engine)
        return con.read_parquet(str(p if p.suffix else p / "*.parquet")), con, lambda: None
    from .engine import _is_spark
    from .warehouse import connect_duckdb

    if con is not None and not _is_spark(engine):  # an Ibis backend on that file (its settings)
        return con, None, lambda: None

    raw = connect_duckdb(p)  # Spark: the measure exports its trade_products to Parquet
    return raw, con, raw.close


def screen(data: Any, **kw: Any):
    """The product screen (:func:`equipoise.measures.screen.screen`, same keywords) of
    ``data`` or of a path to it (a DuckDB file such as the warehouse, or a Parquet file or
    folder), opened by :func:`open_trade_products` and closed after the records are read."""
    from .measures.screen import screen as run_screen

    opened, kw["con"], close = open_trade_products(data, engine=kw.get("engine", "duckdb"),
                                                   con=kw.get("con"))
    try:
        result = run_screen(opened, **kw)
        if opened is not data:
            result.records  # noqa: B018 -- read now: what holds them closes below
        return result
    finally:
        close()


def engagement_balance(events: Any = None, *, focal: str | None = None,
                       poles: Sequence[str] | str | None = None, lenient: bool = False,
                       **kw: Any):
    """The engagement balance (:func:`equipoise.measures.engagement.engagement_balance`, same
    keywords ``by``, ``start``, ``end``) of ``events``: a path to an events CSV (read and
    checked by :func:`equipoise.io.events.read_events`, ``lenient`` quarantining bad rows), a
    ledger (EventSet, DataFrame or reader), or None for the embedded ledger of ``focal``
    (:func:`events_source`). ``focal`` and ``poles`` default to :func:`resolve_focal` and
    :func:`resolve_poles`."""
    import os

    from .io.events import read_events
    from .measures.engagement import engagement_balance as measure

    code = resolve_focal(focal)
    if events is None:
        events = events_source(code)
    elif isinstance(events, str | os.PathLike):
        events = read_events(events, lenient=lenient)
    return measure(events, focal=code, poles=resolve_poles(poles), **kw)


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
