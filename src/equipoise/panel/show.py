"""Reading the panel back: ``panel show``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._results import fmt_number
from ..errors import NoDataError, OptionError, UnknownCountryError, WarehouseError
from .builder import COLUMNS

__all__ = ["open_panel", "show"]


def open_panel(db: str | Path | None = None):
    """A read-only DuckDB connection on a warehouse holding a built ``panel``."""
    from .. import warehouse

    path = Path(db).expanduser() if db is not None else warehouse.default_path()
    con = warehouse._raw_connect(path, read_only=True)
    if not warehouse._exists(con, "panel"):
        con.close()
        raise WarehouseError(f"warehouse {path} holds no panel; build it first with "
                             f"`equipoise panel build --db {path}`")
    return con


def check_focal(code: str, option: str = "--focal") -> str:
    from .. import reference

    c = str(code).strip().upper()
    if c not in reference.country_codes():
        raise UnknownCountryError(f"{option}: {code!r} is not an ISO3 country code of the "
                                  f"shipped countries table (e.g. KAZ, UZB, MNG)")
    return c


def show(focal: str, db: str | Path | None = None, *, domain: str | None = None,
         indicator: str | None = None, year: int | None = None, start: int | None = None,
         end: int | None = None) -> pd.DataFrame:
    """The panel rows of ``focal`` (columns :data:`~equipoise.panel.build.COLUMNS`), ordered
    by domain, indicator, year and partner.

    Raises
    ------
    UnknownCountryError : ``focal`` is not an ISO3 code.
    OptionError : ``year`` together with ``start``/``end``, or ``start`` after ``end``.
    NoDataError : the panel has no rows for the selection (the message says what it has).
    """
    focal = check_focal(focal)
    if year is not None and (start is not None or end is not None):
        raise OptionError("--year cannot be combined with --from/--to; give one or the other")
    if year is not None:
        start = end = year
    if start is not None and end is not None and start > end:
        raise OptionError(f"--from {start} is after --to {end}; expecting --from <= --to")
    where, args = ["focal = ?"], [focal]
    for col, val in (("domain", domain), ("indicator", indicator)):
        if val is not None:
            where.append(f"{col} = ?")
            args.append(val)
    if start is not None:
        where.append("year >= ?")
        args.append(int(start))
    if end is not None:
        where.append("year <= ?")
        args.append(int(end))
    con = open_panel(db)
    try:
        df = con.execute(f"SELECT {', '.join(COLUMNS)} FROM panel WHERE {' AND '.join(where)} "
                         f"ORDER BY domain, indicator, year, partner", args).df()
        if df.empty:
            have = con.execute("SELECT domain, min(year), max(year), count(*) FROM panel "
                               "WHERE focal = ? GROUP BY domain ORDER BY domain",
                               [focal]).fetchall()
            what = "; ".join(f"{d} {a}-{b} ({fmt_number(n)} rows)" for d, a, b, n in have) or "no rows"
            raise NoDataError(f"panel: no rows for {focal} with "
                              f"{_described(domain, indicator, start, end)}; the panel has "
                              f"for {focal}: {what}")
    finally:
        con.close()
    return df


def _described(domain, indicator, start, end) -> str:
    parts = []
    if domain:
        parts.append(f"domain {domain!r}")
    if indicator:
        parts.append(f"indicator {indicator!r}")
    if start is not None or end is not None:
        parts.append(f"years {start if start is not None else '...'}-"
                     f"{end if end is not None else '...'}")
    return ", ".join(parts) or "any selection"
