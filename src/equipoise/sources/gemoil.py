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
    quarantine_rows,
    read_csv_text,
    require_columns,
)

NAME = "gem-oil"
REQUIRED = ("project", "unit", "countries", "status", "capacity")
PATTERN = "gem_goit_*.csv*"

__all__ = ["NAME", "PATTERN", "files", "read", "read_frame"]


def read_frame(path: str | Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """GEM Global Oil Infrastructure Tracker: one row per operating pipeline unit and each
    pair of distinct countries it lists (``countries``), with its capacity (bbl/d; NaN when
    GEM gives none). Units in one country are counted (``rows_aggregate``: domestic), not
    used; unknown country names are quarantined."""
    path = Path(path)
    df = read_csv_text(path)
    require_columns(df, REQUIRED, path, "GEM oil pipelines")
    n = len(df)
    op = np.flatnonzero(df["status"].astype(str).str.strip().str.lower().to_numpy()
                        == "operating")
    names_of = [[x.strip() for x in str(c).split(",") if x.strip()]
                for c in df["countries"].to_numpy(dtype=object)[op]]
    # every name of every operating unit mapped at once; a unit naming a country the crosswalk
    # does not know is quarantined at its first unknown name, with the crosswalk's note
    flat = [x for names in names_of for x in names]
    iso, note = (CodeMapper("gem").map(flat) if flat
                 else (np.array([], dtype=object), np.array([], dtype=object)))
    starts = np.cumsum([0, *map(len, names_of)])
    bad = np.zeros(n, dtype=bool)
    seen = np.empty(n, dtype=object)
    notes = np.empty(n, dtype=object)
    cap = pd.to_numeric(df["capacity"], errors="coerce").to_numpy()
    rows, domestic = [], 0
    for k, i in enumerate(op):
        codes = iso[starts[k]:starts[k + 1]]
        unknown = np.flatnonzero(codes == "")
        if unknown.size:
            j = starts[k] + unknown[0]
            bad[i], seen[i], notes[i] = True, flat[j], note[j]
            continue
        codes = list(dict.fromkeys(codes.tolist()))
        if len(codes) < 2:
            domestic += bool(codes)
            continue
        unit = f"{df['project'].iloc[i]}|{df['unit'].iloc[i]}"
        rows.extend((a, b, unit, cap[i]) for a in codes for b in codes if a != b)
    q = quarantine_rows(bad, source=NAME, file=path.name, lines=np.arange(2, n + 2),
                        column="countries", values=seen, reason=Reason.UNKNOWN_NAME,
                        notes=notes)
    f = pd.DataFrame(rows, columns=["reporter", "partner", "unit", "capacity"])
    f["source"] = f"Global Energy Monitor, Global Oil Infrastructure Tracker; {path.name}"
    return f, file_counts(path, "oil pipelines", n, q, len(f), n - len(op) + domestic), q



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
