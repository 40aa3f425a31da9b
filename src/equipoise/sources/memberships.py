"""Organisation memberships -> ``memberships``.

Layouts:

* **long country-organisation table** (``ISO_3166_3, org_id, org_name, org_member``), e.g. the
  CIA World Factbook "international organization participation" field compiled by dieghernan
  (a snapshot: ``start_year``/``end_year`` stay NULL, ``observed_year`` is the snapshot year,
  given with ``observed_year=`` or NULL);
* **canonical** (``org, country, start_year, end_year[, status]``), e.g. a user's own table.

``status`` keeps the source's word (member, observer, partner, associate member, ...),
lower-cased; analyses that need full members filter on ``status == 'member'``.

Sources: CIA, The World Factbook, "International organization participation" (public domain);
compilation https://github.com/dieghernan/Country-Codes-and-International-Organizations (MIT).
"""

from __future__ import annotations

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
    map_column,
    quarantine_rows,
    read_csv_text,
    single,
)

NAME = "memberships"


def files(path: str | Path) -> list[SourceFile]:
    p = Path(path)
    if not p.exists():
        raise SchemaError(f"{p}: no such file")
    return [SourceFile(path=p)]


def read(sf: SourceFile, *, source: str = NAME, observed_year: int | None = None
         ) -> Iterator[Chunk]:
    path = Path(sf.path)
    df = read_csv_text(path)
    cols = set(df.columns)
    n = len(df)
    kw = {"source": source, "file": str(path), "lines": np.arange(n) + 2}
    qs: list[pd.DataFrame] = []
    ok = np.ones(n, dtype=bool)
    if {"ISO_3166_3", "org_id", "org_member"} <= cols:
        country_col, org, status = "ISO_3166_3", df["org_id"].str.strip(), df["org_member"]
        start = end = pd.Series([None] * n, dtype="Int64")
        cite = f"CIA World Factbook international organization participation (dieghernan), {path.name}"
    elif {"org", "country", "start_year", "end_year"} <= cols:
        country_col, org = "country", df["org"].str.strip()
        status = df["status"] if "status" in cols else pd.Series(["member"] * n)
        start = pd.to_numeric(df["start_year"], errors="coerce").astype("Int64")
        end = pd.to_numeric(df["end_year"], errors="coerce").astype("Int64")
        cite = f"memberships table {path.name}"
    else:
        raise SchemaError(f"{path} line 1: expected the long layout (ISO_3166_3, org_id, "
                          f"org_member) or the canonical one (org, country, start_year, "
                          f"end_year); saw {list(df.columns)!r}")
    iso, ok = map_column(df[country_col].str.strip().to_numpy(), CodeMapper("iso3"),
                         column=country_col, values=df[country_col].to_numpy(), ok=ok, qs=qs,
                         **kw)
    empty = ok & (org == "").to_numpy()
    qs.append(quarantine_rows(empty, column="org", values=org.to_numpy(), reason=Reason.MISSING_VALUE,
                              **kw))
    ok &= ~empty
    data = pd.DataFrame({"org": org[ok].to_numpy(), "country": iso[ok],
                         "start_year": start[ok].to_numpy(), "end_year": end[ok].to_numpy(),
                         "status": status[ok].astype(str).str.strip().str.lower().to_numpy(),
                         "observed_year": observed_year, "source": cite})
    data["start_year"] = data["start_year"].astype("Int64")
    data["end_year"] = data["end_year"].astype("Int64")
    data["observed_year"] = data["observed_year"].astype("Int64")
    data = data.drop_duplicates(["org", "country", "status"])
    yield from single("memberships", data, qs, n, str(path))
