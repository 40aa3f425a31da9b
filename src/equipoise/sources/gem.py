"""Global Energy Monitor gas pipelines (GGIT) -> ``corridor_nodes`` and ``corridor_edges``.

Layout: GEM's Global Gas Infrastructure Tracker pipeline sheet saved as CSV, **semicolon
separated**, with columns ``ProjectID, StartCountry, EndCountry, Countries`` (the countries
the pipeline crosses, comma-separated, start to end), ``PipelineName, SegmentName, Parent``
(owners), ``Status, StartYear1, Capacity, CapacityUnits, CapacityBcm/y`` (``--`` unknown).

Scheme (DESIGN.md corridor tables): one node per country (``node`` = ISO3, ``kind`` =
``country``); one edge per consecutive pair of countries along each pipeline (``seq`` 1, 2,
...), with ``capacity`` the normalised capacity in bcm/y (NULL when GEM gives none; a
consumer must not read NULL as infinite), ``mode`` ``gas_pipeline``, the pipeline's status,
first start year and owners. A pipeline inside one country gives one edge from the country to
itself (domestic). A pipeline naming a country the crosswalk does not know is quarantined.

Source: Global Energy Monitor, Global Gas Infrastructure Tracker (CC BY 4.0),
https://globalenergymonitor.org/projects/global-gas-infrastructure-tracker/
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SchemaError
from ..schema import Reason, columns
from ._common import (
    Chunk,
    CodeMapper,
    SourceFile,
    quarantine_frame,
    quarantine_rows,
    read_csv_text,
    require_columns,
)

NAME = "gem"
REQUIRED = ("ProjectID", "Countries", "PipelineName", "Status", "CapacityBcm/y")


def files(path: str | Path) -> list[SourceFile]:
    p = Path(path)
    if not p.exists():
        raise SchemaError(f"{p}: no such file")
    return [SourceFile(path=p, version="GGIT")]


def read(sf: SourceFile, *, source: str = NAME) -> Iterator[Chunk]:
    path = Path(sf.path)
    df = read_csv_text(path, sep=";")
    require_columns(df, REQUIRED, path, "GEM GGIT pipelines (semicolon-separated)")
    mapper = CodeMapper("gem")
    cite = f"Global Energy Monitor, Global Gas Infrastructure Tracker, {path.name}"
    edges = []
    nodes: set[str] = set()
    records = df.to_dict("records")
    names_of = []
    for rec in records:
        names = [x.strip() for x in str(rec["Countries"]).split(",") if x.strip()]
        if not names:
            names = [x for x in (str(rec.get("StartCountry", "")).strip(),
                                 str(rec.get("EndCountry", "")).strip()) if x]
        names_of.append(names)
    # every name of every pipeline mapped at once; a pipeline naming an unknown country (or
    # none) is quarantined at its first unknown name
    flat = [nm for names in names_of for nm in names]
    iso_flat = mapper.map(flat)[0] if flat else np.array([], dtype=object)
    starts = np.cumsum([0, *map(len, names_of)])
    n = len(records)
    bad = np.zeros(n, dtype=bool)
    seen = np.empty(n, dtype=object)
    notes = np.empty(n, dtype=object)
    for k, rec in enumerate(records):
        iso = iso_flat[starts[k]:starts[k + 1]]
        missing = [nm for nm, s in zip(names_of[k], iso, strict=True) if not s]
        if not names_of[k] or missing:
            bad[k] = True
            seen[k] = missing[0] if missing else rec["Countries"]
            notes[k] = f"pipeline {rec['ProjectID']} {rec['PipelineName']!r}"
    q = quarantine_rows(bad, source=source, file=str(path), lines=np.arange(n) + 2,
                        column="Countries", values=seen, reason=Reason.UNKNOWN_NAME, notes=notes)
    for k, rec in enumerate(records):
        if bad[k]:
            continue
        iso = iso_flat[starts[k]:starts[k + 1]]
        path_iso = [s for m, s in enumerate(iso) if m == 0 or s != iso[m - 1]]
        pairs = list(itertools.pairwise(path_iso)) or [(path_iso[0], path_iso[0])]
        cap = pd.to_numeric(str(rec["CapacityBcm/y"]).strip(), errors="coerce")
        sy = pd.to_numeric(str(rec.get("StartYear1", "")).strip(), errors="coerce")
        nodes.update(path_iso)
        for seq, (a, b) in enumerate(pairs, start=1):
            edges.append({"route_id": rec["ProjectID"], "route": rec["PipelineName"],
                          "segment": rec.get("SegmentName", "") or None, "seq": seq,
                          "from_node": a, "to_node": b,
                          "capacity": float(cap) if np.isfinite(cap) else None,
                          "unit": "bcm/y", "mode": "gas_pipeline",
                          "status": str(rec["Status"]).strip().lower() or None,
                          "start_year": int(sy) if np.isfinite(sy) else None,
                          "owners": rec.get("Parent", "") or None, "source": cite})
    e = pd.DataFrame(edges, columns=list(columns("corridor_edges")))
    e["start_year"] = e["start_year"].astype("Int64")
    e["seq"] = e["seq"].astype("int64")
    nd = pd.DataFrame({"node": sorted(nodes), "country": sorted(nodes), "kind": "country",
                       "source": cite})
    yield Chunk(table="corridor_edges", data=e, quarantine=q, rows_read=len(df),
                file=str(path))
    yield Chunk(table="corridor_nodes", data=nd, quarantine=quarantine_frame([]), rows_read=0,
                file=str(path))
