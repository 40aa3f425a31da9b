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
from ._common import Chunk, CodeMapper, SourceFile, quarantine_frame, read_csv_text, require_columns

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
    edges, q = [], []
    nodes: set[str] = set()
    for n, rec in enumerate(df.to_dict("records")):
        line = n + 2
        names = [x.strip() for x in str(rec["Countries"]).split(",") if x.strip()]
        if not names:
            names = [x for x in (str(rec.get("StartCountry", "")).strip(),
                                 str(rec.get("EndCountry", "")).strip()) if x]
        iso, _note = mapper.map(names) if names else (np.array([]), np.array([]))
        missing = [nm for nm, s in zip(names, iso, strict=True) if not s]
        if not names or missing:
            val = missing[0] if missing else rec["Countries"]
            q.append({"source": source, "file": str(path), "line": line, "column": "Countries",
                      "value": val, "reason": "unknown_name",
                      "message": f"unknown_name: saw {val!r}, expected a country name the "
                                 f"countries table or the crosswalk knows (pipeline "
                                 f"{rec['ProjectID']} {rec['PipelineName']!r})"})
            continue
        path_iso = [s for k, s in enumerate(iso) if k == 0 or s != iso[k - 1]]
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
    e = pd.DataFrame(edges, columns=["route_id", "route", "segment", "seq", "from_node",
                                     "to_node", "capacity", "unit", "mode", "status",
                                     "start_year", "owners", "source"])
    e["start_year"] = e["start_year"].astype("Int64")
    e["seq"] = e["seq"].astype("int64")
    nd = pd.DataFrame({"node": sorted(nodes), "country": sorted(nodes), "kind": "country",
                       "source": cite})
    qf = quarantine_frame(q)
    yield Chunk(table="corridor_edges", data=e, quarantine=qf, rows_read=len(df),
                file=str(path))
    yield Chunk(table="corridor_nodes", data=nd, quarantine=quarantine_frame([]), rows_read=0,
                file=str(path))
