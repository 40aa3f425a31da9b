"""SIPRI Arms Transfers Database -> ``flows`` (``security.arms.import``, TIV mn).

Two layouts:

* the **trade register** (deal-level deliveries): SIPRI's CSV export from
  https://armstrade.sipri.org/armstrade/page/trade_register.php, either raw (11 preamble lines,
  ``;`` at line ends, headers such as ``SIPRI AT Database ID``, ``Supplier``, ``Recipient``,
  ``Year(s) of delivery``, ``TIV delivery values``) or with snake_case headers
  (``sipri_at_database_id, supplier, recipient, ..., delivery_year, tiv_delivery_values``);
  deliveries are summed per (delivery year, recipient, supplier);
* the **TIV table** (supplier-recipient-year; ``supplier, recipient, year, value`` with COW
  codes ``supplier_cown, recipient_cown``), as compiled from SIPRI's "TIV of arms exports"
  tables (e.g. by 360info).

Flows: reporter = recipient, partner = supplier, value = TIV (millions). Names map to ISO3
through the countries table and the crosswalk ``name``/``sipri`` rows; SIPRI marks non-state
actors with ``*`` and organisations with ``**``: those rows are quarantined as
``non_state_actor``; any other unknown name as ``unknown_name``.

Source: SIPRI Arms Transfers Database, https://www.sipri.org/databases/armstransfers
(free with attribution: "Source: SIPRI Arms Transfers Database").
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SchemaError
from ..schema import Reason
from ._common import (
    Chunk,
    CodeMapper,
    SourceFile,
    flows_frame,
    map_column,
    numeric,
    quarantine_frame,
    quarantine_rows,
    single,
)

NAME = "sipri"
CITATION = "SIPRI Arms Transfers Database"
INDICATOR = "security.arms.import"

_RAW_HEADERS = {
    "SIPRI AT Database ID": "sipri_at_database_id", "Supplier": "supplier",
    "Recipient": "recipient", "Year(s) of delivery": "delivery_year",
    "Year of delivery": "delivery_year", "TIV delivery values": "tiv_delivery_values",
    "TIV delivery value": "tiv_delivery_values",
}


def files(path: str | Path) -> list[SourceFile]:
    p = Path(path)
    if not p.exists():
        raise SchemaError(f"{p}: no such file")
    return [SourceFile(path=p, version="")]


def _snake(name: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _load_text(path: Path) -> tuple[pd.DataFrame, int]:
    """The table and the file line of its header (raw SIPRI exports have a preamble)."""
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", errors="replace", newline="") as fh:
        text = fh.read()
    lines = text.splitlines()
    header = 0
    for n, line in enumerate(lines[:40]):
        low = line.lower()
        if ("supplier" in low and "recipient" in low) and ("," in line):
            header = n
            break
    body = "\n".join(x.rstrip(";") for x in lines[header:])
    df = pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)
    df = df.rename(columns={c: _RAW_HEADERS.get(c.strip(), _snake(c)) for c in df.columns})
    return df, header + 1


def read(sf: SourceFile, *, source: str = NAME) -> Iterator[Chunk]:
    """Read a SIPRI trade register or TIV table into yearly TIV flows (recipient <- supplier)."""
    path = Path(sf.path)
    df, header_line = _load_text(path)
    cols = set(df.columns)
    if {"supplier", "recipient", "delivery_year", "tiv_delivery_values"} <= cols:
        ycol, vcol, layout = "delivery_year", "tiv_delivery_values", "SIPRI trade register"
    elif {"supplier", "recipient", "year", "value"} <= cols:
        ycol, vcol, layout = "year", "value", "SIPRI TIV supplier-recipient-year table"
    else:
        raise SchemaError(f"{path} line {header_line}: neither the SIPRI trade register layout "
                          f"(supplier, recipient, delivery_year, tiv_delivery_values) nor the TIV "
                          f"table layout (supplier, recipient, year, value); saw {list(df.columns)!r}")
    n = len(df)
    lines = np.arange(n) + header_line + 1
    file = str(path)
    kw = {"source": source, "file": file, "lines": lines}
    qs: list[pd.DataFrame] = []
    ok = np.ones(n, dtype=bool)
    mapper = CodeMapper("sipri")
    iso = {}
    for col in ("recipient", "supplier"):
        names = df[col].astype(str).str.strip()
        nonstate = names.str.contains(r"\*", regex=True).to_numpy() | \
            names.str.lower().str.startswith("unknown").to_numpy()
        qs.append(quarantine_rows(ok & nonstate, column=col, values=names.to_numpy(),
                                  reason=Reason.NON_STATE_ACTOR, **kw))
        ok &= ~nonstate
        iso[col], ok = map_column(names.to_numpy(), mapper, column=col, ok=ok, qs=qs,
                                  reason=Reason.UNKNOWN_NAME, **kw)
    year, q, ok = numeric(df, ycol, ok=ok, **kw)
    qs += q
    bad = ok & ((year % 1 != 0) | (year < 1800) | (year > 2100))
    qs.append(quarantine_rows(bad, column=ycol, values=df[ycol].to_numpy(), reason=Reason.BAD_YEAR,
                              **kw))
    ok &= ~bad
    value, q, ok = numeric(df, vcol, ok=ok, **kw)
    qs += q
    bad = ok & (iso["recipient"] == iso["supplier"])
    qs.append(quarantine_rows(bad, column="supplier", values=df["supplier"].to_numpy(),
                              reason=Reason.SELF_PARTNER, **kw))
    ok &= ~bad
    rows = pd.DataFrame({"year": year[ok].astype("int64"), "reporter": iso["recipient"][ok],
                         "partner": iso["supplier"][ok], "value": value[ok]})
    agg = rows.groupby(["year", "reporter", "partner"], as_index=False)["value"].sum()
    data = flows_frame(year=agg["year"], reporter=agg["reporter"], partner=agg["partner"],
                       domain="security", indicator=INDICATOR, value=agg["value"],
                       unit="TIV mn", source=f"{CITATION} ({layout}, {path.name})")
    yield from single("flows", data, qs, n, file)


__all__ = ["CITATION", "files", "quarantine_frame", "read"]
