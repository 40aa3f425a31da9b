"""ICEWS directed dyad-year event counts -> ``event_counts``.

Layout (as distributed with the R package ``netify``, from the ICEWS Dataverse):
``i, j, i_iso3c, j_iso3c, year, verbCoop, matlCoop, verbConf, matlConf`` -- counts of events
from actor ``i`` to ``j`` in a year by CAMEO quad class (verbal/material cooperation/conflict).
Countries map from ``i_iso3c``/``j_iso3c`` (falling back to the names). Counts are media-volume
driven: normalise per source and window before comparing years (METHODS.md, Events).

Source: Boschee, E. et al., ICEWS Coded Event Data, Harvard Dataverse doi:10.7910/DVN/28075;
dyad-year aggregation from the ``netify`` R package (Minhas et al.).
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
    numeric,
    read_csv_text,
    require_columns,
    single,
)

NAME = "icews"
COUNTS = {"verbCoop": "verbal_coop", "matlCoop": "material_coop", "verbConf": "verbal_conflict",
          "matlConf": "material_conflict"}


def files(path: str | Path) -> list[SourceFile]:
    p = Path(path)
    if not p.exists():
        raise SchemaError(f"{p}: no such file")
    return [SourceFile(path=p)]


def read(sf: SourceFile, *, source: str = NAME) -> Iterator[Chunk]:
    path = Path(sf.path)
    df = read_csv_text(path)
    require_columns(df, ("i", "j", "year", *COUNTS), path, "ICEWS dyad-year")
    n = len(df)
    kw = {"source": source, "file": str(path), "lines": np.arange(n) + 2}
    qs: list[pd.DataFrame] = []
    ok = np.ones(n, dtype=bool)
    codes = CodeMapper("iso3")
    names = CodeMapper("icews")
    iso = {}
    for who, code_col in (("i", "i_iso3c"), ("j", "j_iso3c")):
        by_code = codes.map(df[code_col].to_numpy())[0] if code_col in df.columns else \
            np.full(n, "", dtype=object)
        iso[who], ok = map_column(df[who].to_numpy(), names, column=who, ok=ok, qs=qs,
                                  reason=Reason.UNKNOWN_NAME, prefer=by_code, **kw)
    year, q, ok = numeric(df, "year", ok=ok, **kw)
    qs += q
    vals = {}
    for c in COUNTS:
        vals[c], q, ok = numeric(df, c, ok=ok, **kw)
        qs += q
    data = pd.DataFrame({"year": year[ok].astype("int64"), "actor": iso["i"][ok],
                         "counterpart": iso["j"][ok],
                         **{COUNTS[c]: vals[c][ok].astype("int64") for c in COUNTS}})
    data["source"] = f"ICEWS dyad-year event counts (Boschee et al.; via netify), {path.name}"
    yield from single("event_counts", data, qs, n, str(path))
