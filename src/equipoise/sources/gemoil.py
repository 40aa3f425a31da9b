"""Global Energy Monitor, Global Oil Infrastructure Tracker (oil and NGL pipelines,
``gem-oil-pipelines``) -> ``corridor_edges``.

Layout: ``project, unit, type, parent, countries, status, start_year, capacity, ...``
(comma-separated; ``countries`` lists the countries a unit crosses, without a direction).
:func:`read_frame` gives one row per *operating* pipeline unit and each ordered pair of
distinct countries it lists: ``reporter, partner, unit, capacity, source`` (capacity in bbl/d;
NaN when GEM gives none). Units that are not operating and units inside one country are
counted (``rows_aggregate``), not used; a unit naming a country the crosswalk does not know is
quarantined. :func:`read` gives the same pairs as ``corridor_edges`` (``mode``
``oil_pipeline``, unit ``bbl/d``, ``route_id`` = the unit ``project|unit``).
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
    quarantine_frame,
    read_csv_text,
    require_columns,
)

NAME = "gem-oil"
REQUIRED = ("project", "unit", "countries", "status", "capacity")
PATTERN = "gem_goit_*.csv*"

__all__ = ["NAME", "PATTERN", "files", "read", "read_frame"]


def read_frame(path: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """GEM Global Oil Infrastructure Tracker: one row per operating pipeline unit and each
    pair of distinct countries it lists (``countries``), with its capacity (bbl/d; NaN when
    GEM gives none). Units in one country are counted (``rows_aggregate``: domestic), not
    used; unknown country names are quarantined."""

    df = read_csv_text(path)
    require_columns(df, REQUIRED, path, "GEM oil pipelines")
    lines = np.arange(2, len(df) + 2)
    mapper = CodeMapper("gem")
    op = df["status"].astype(str).str.strip().str.lower().to_numpy() == "operating"
    rows, qs, domestic = [], [], 0
    cap = pd.to_numeric(df["capacity"], errors="coerce").to_numpy()
    for i in np.flatnonzero(op):
        names = [n.strip() for n in str(df["countries"].iloc[i]).split(",") if n.strip()]
        codes = []
        for n in names:
            c, _ = mapper.lookup(n)
            if not c:
                qs.append(quarantine_frame([{
                    "source": "gem-oil", "file": path.name, "line": int(lines[i]),
                    "column": "countries", "value": n, "reason": str(Reason.UNKNOWN_NAME),
                    "message": f"unknown_name: saw {n!r}, expected a country name"}]))
                codes = []
                break
            codes.append(c)
        codes = list(dict.fromkeys(codes))
        if len(codes) < 2:
            domestic += bool(codes)
            continue
        unit = f"{df['project'].iloc[i]}|{df['unit'].iloc[i]}"
        for a in codes:
            for b in codes:
                if a != b:
                    rows.append((a, b, unit, cap[i]))
    f = pd.DataFrame(rows, columns=["reporter", "partner", "unit", "capacity"])
    f["source"] = f"Global Energy Monitor, Global Oil Infrastructure Tracker; {path.name}"
    q = (pd.concat(qs, ignore_index=True).drop_duplicates(subset=["line"]) if qs
         else quarantine_frame([]))
    not_op = int((~op).sum())
    return f, file_counts(path, "oil pipelines", len(df), q, len(f), not_op + domestic), q



def files(path: str | Path) -> list[SourceFile]:
    """One file, or the first file of a folder matching :data:`PATTERN`."""
    return first_file(path, PATTERN)


def read(sf: SourceFile, *, source: str = NAME) -> Iterator[Chunk]:
    """The operating cross-border pairs as canonical ``corridor_edges`` (bbl/d)."""
    f, c, q = read_frame(Path(sf.path))
    cap = f["capacity"].astype("float64")
    e = pd.DataFrame({"route_id": f["unit"].to_numpy(), "route": f["unit"].str.split("|").str[0],
                      "segment": f["unit"].str.split("|").str[1].replace("", None),
                      "seq": np.ones(len(f), dtype="int64"), "from_node": f["reporter"],
                      "to_node": f["partner"], "capacity": cap.where(cap.notna(), None),
                      "unit": "bbl/d", "mode": "oil_pipeline", "status": "operating",
                      "start_year": pd.array([pd.NA] * len(f), dtype="Int64"), "owners": None,
                      "source": f["source"].to_numpy()})
    yield chunk_of("corridor_edges", e, c, q.assign(source=source), Path(sf.path))
