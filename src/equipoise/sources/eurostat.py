"""Eurostat Comext, EU-27 (2020) exports by partner, EUR (``eurostat-eu-exports``) ->
``flows``: each partner's imports from the EU27, as the EU reports them (the mirror).

Layout: ``reporter, year, partner_label, partner_iso3, is_aggregate, exports_eur``.
:func:`read_frame` gives ``year, reporter, partner, indicator, value, source`` with reporter =
the partner state, partner ``EU27``, indicator ``trade.goods.import.eu27_mirror``, EUR bn;
aggregates (extra-EU, not specified ...) are counted (``rows_aggregate``), not used. The
partner's code goes through the crosswalk (:class:`~._common.CodeMapper` ``iso3``,
:func:`~._common.map_column`): a blank code or one that is no country of the countries table
(``XKX`` Kosovo, ``ANT``, Eurostat's ``ESP_CEUTA`` / ``ESP_MELILLA``) is quarantined
(``unmapped_code``, with the partner label and the crosswalk's note). :func:`read` gives the
same rows as ``flows`` (unit ``EUR bn``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from ._common import (
    Chunk,
    CodeMapper,
    SourceFile,
    chunk_of,
    file_counts,
    first_file,
    flag,
    flows_frame,
    map_column,
    numeric,
    quarantine_frame,
    read_csv_text,
    require_columns,
)

NAME = "eurostat"
REQUIRED = ("year", "partner_label", "partner_iso3", "is_aggregate", "exports_eur")
PATTERN = "eu27_exports_by_partner*.csv*"

__all__ = ["NAME", "PATTERN", "files", "read", "read_frame"]


def read_frame(path: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """Eurostat Comext, EU-27 (2020) exports by partner, EUR: the mirror of each partner's
    imports from the EU27 (``trade.goods.import.eu27_mirror``, focal = the partner, partner
    = ``EU27``, EUR bn). Aggregates (extra-EU, not specified ...) are counted, not used."""
    df = read_csv_text(path)
    require_columns(df, REQUIRED, path, "Eurostat EU-27 exports by partner")
    lines = np.arange(2, len(df) + 2)
    agg = flag(df, "is_aggregate")
    qs: list[pd.DataFrame] = []
    iso, ok = map_column(df["partner_iso3"].astype(str).str.strip().to_numpy(),
                         CodeMapper("iso3"), column="partner_iso3", ok=~agg, qs=qs,
                         source=NAME, file=path.name, lines=lines, labels=df["partner_label"])
    v, q, ok = numeric(df, "exports_eur", source=NAME, file=path.name, lines=lines, ok=ok)
    qs.extend(q)
    f = pd.DataFrame({"year": pd.to_numeric(df["year"]).to_numpy()[ok].astype("int64"),
                      "reporter": iso[ok], "partner": "EU27",
                      "indicator": "trade.goods.import.eu27_mirror", "value": v[ok] / 1e9})
    f["source"] = f"Eurostat Comext, EU27_2020 exports by partner (mirror); {path.name}"
    q = pd.concat([quarantine_frame(x) for x in qs], ignore_index=True)
    return f, file_counts(path, "EU27 exports", len(df), q, len(f), int(agg.sum())), q



def files(path: str | Path) -> list[SourceFile]:
    """One file, or the first file of a folder matching :data:`PATTERN`."""
    return first_file(path, PATTERN)


def read(sf: SourceFile, *, source: str = NAME) -> Iterator[Chunk]:
    """The file's rows as canonical ``flows`` (EUR bn)."""
    f, c, q = read_frame(Path(sf.path))
    fl = flows_frame(year=f["year"], reporter=f["reporter"], partner=f["partner"],
                     domain="trade", indicator="trade.goods.import.eu27_mirror",
                     value=f["value"], unit="EUR bn", source="")
    fl["source"] = f["source"].to_numpy()
    yield chunk_of("flows", fl, c, q.assign(source=source), Path(sf.path))
