"""GDELT 2.0 composite cooperation-conflict score summed to undirected country-pair years
(``gdelt-dyad-composite``) -> ``flows`` (domain ``events``).

Layout: ``year, iso3_a, iso3_b, days_in_year_covered, active_days, net_score_sum, ...``.
:func:`read_frame` gives each pair in both directions: ``year, reporter, partner, value,
coverage, source`` (``value`` the summed net score, which may be negative; ``coverage`` the
days of the year the file covers / the days of the year). Both codes go through the
crosswalk (:class:`~._common.CodeMapper` ``iso3``, :func:`~._common.map_codes`): a blank code
or one that is no country of the countries table (a CAMEO region such as ``EUR``, ``XKX``) is
quarantined (``unmapped_code``, at the first column that does not map); a row pairing a state
with itself is quarantined (``self_partner``), as are blank or non-numeric scores and days. :func:`read` gives the same rows as ``flows`` (indicator ``events.gdelt.net_score``,
unit ``score``; a score, not a count, so not ``event_counts``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from ..schema import Reason
from ._common import (
    Chunk,
    CodeMapper,
    SourceFile,
    chunk_of,
    file_counts,
    first_file,
    flows_frame,
    map_codes,
    numeric,
    quarantine_frame,
    quarantine_rows,
    read_csv_text,
    require_columns,
)

NAME = "gdelt"
REQUIRED = ("year", "iso3_a", "iso3_b", "days_in_year_covered", "net_score_sum")
PATTERN = "gdelt_composite_*.csv*"

__all__ = ["NAME", "PATTERN", "files", "read", "read_frame"]


def read_frame(path: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """GDELT 2.0 composite score summed to undirected country-pair years: each pair gives the
    row in both directions (``events.gdelt.net_score``; coverage = days covered / days)."""
    df = read_csv_text(path)
    require_columns(df, REQUIRED, path, "GDELT composite dyad-year")
    lines = np.arange(2, len(df) + 2)
    qs: list[pd.DataFrame] = []
    iso, ok = map_codes(df, ("iso3_a", "iso3_b"), CodeMapper("iso3"), ok=np.ones(len(df), bool),
                        qs=qs, source=NAME, file=path.name, lines=lines)
    a, b = iso["iso3_a"], iso["iso3_b"]
    self_ = ok & (a == b)
    qs.append(quarantine_rows(self_, source=NAME, file=path.name, lines=lines, column="iso3_b",
                              values=df["iso3_b"], reason=Reason.SELF_PARTNER))
    ok &= ~self_
    v, q, ok = numeric(df, "net_score_sum", source=NAME, file=path.name, lines=lines,
                       ok=ok, allow_negative=True)
    qs.extend(q)
    days, q, ok = numeric(df, "days_in_year_covered", source=NAME, file=path.name,
                          lines=lines, ok=ok)
    qs.extend(q)
    year = pd.to_numeric(df["year"]).to_numpy().astype("int64")
    ndays = np.where(year % 4 == 0, 366, 365)
    one = pd.DataFrame({"year": year[ok], "reporter": a[ok], "partner": b[ok],
                        "value": v[ok], "coverage": days[ok] / ndays[ok]})
    f = pd.concat([one, one.rename(columns={"reporter": "partner", "partner": "reporter"})],
                  ignore_index=True)
    f["source"] = f"GDELT 2.0 composite cooperation-conflict score, dyad-years; {path.name}"
    q = pd.concat([quarantine_frame(x) for x in qs], ignore_index=True)
    return f, file_counts(path, "pair-years", len(df), q, len(f)), q


def files(path: str | Path) -> list[SourceFile]:
    """One file, or the first file of a folder matching :data:`PATTERN`."""
    return first_file(path, PATTERN)


def read(sf: SourceFile, *, source: str = NAME) -> Iterator[Chunk]:
    """The pair-years (both directions) as ``flows`` (unit ``score``)."""
    f, c, q = read_frame(Path(sf.path))
    fl = flows_frame(year=f["year"], reporter=f["reporter"], partner=f["partner"],
                     domain="events", indicator="events.gdelt.net_score", value=f["value"],
                     unit="score", source="")
    fl["source"] = f["source"].to_numpy()
    yield chunk_of("flows", fl, c, q.assign(source=source), Path(sf.path))
