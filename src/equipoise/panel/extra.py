"""The panel's further sources: national trade by partner, the EU side from Eurostat, GEM oil
and gas pipelines, COW IGO shared memberships, the GDELT dyad-year score and the ICEWS
dyad-year event counts.

Each ``read_*`` returns ``(frame, counts, quarantine)``; the layouts are read by the
registered readers of :mod:`equipoise.sources` (``national``, ``eurostat``, ``gem-oil``,
``gem``, ``cow``, ``gdelt``, ``icews``: their ``read_frame`` gives the panel's long frame, their ``read``
the canonical tables that ``equipoise ingest`` loads). ``rows_read = rows_loaded +
rows_quarantined`` for every file; an aggregate row (a total, a region) is not quarantined: it
is either the WLD total or counted as ``rows_aggregate``.

Frames are long: ``year, reporter, partner, indicator, value, source`` (plus columns named
per reader). Partner ``WLD`` is the total the file gives.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..sources import eurostat, gdelt, gemoil, icews, national
from ..sources._common import file_counts

__all__ = ["read_eurostat", "read_gas", "read_gdelt", "read_icews", "read_igo", "read_national",
           "read_oil"]

NATIONAL = national.NATIONAL


def read_national(path: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """One national-statistics file (:func:`equipoise.sources.national.read_frame`)."""
    return national.read_frame(path)


def read_eurostat(path: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """Eurostat's EU-27 exports by partner (:func:`equipoise.sources.eurostat.read_frame`)."""
    return eurostat.read_frame(path)


def read_oil(path: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """GEM oil pipelines, operating cross-border pairs (:mod:`equipoise.sources.gemoil`)."""
    return gemoil.read_frame(path)


def read_gdelt(path: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """GDELT pair-years in both directions (:func:`equipoise.sources.gdelt.read_frame`)."""
    return gdelt.read_frame(path)


def read_icews(path: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """ICEWS directed dyad-years: cooperation and conflict event counts
    (:func:`equipoise.sources.icews.read_frame`)."""
    return icews.read_frame(path)


def read_igo(path: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """COW IGO dyad-year shared full memberships, through the ``cow`` reader."""
    from .datasets import _flows

    df, c, q = _flows("cow", path)
    return df, {**c, "role": "IGO dyad-year"}, q


def read_gas(path: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """GEM gas pipelines through the ``gem`` reader: its ``corridor_edges`` (one directed edge
    per consecutive pair of countries along a pipeline, ``capacity`` in bcm/y or NULL) of
    *operating* pipelines between two different countries, with ``unit`` = ``route_id|segment``.
    Edges of pipelines that are not operating and domestic edges are counted
    (``rows_aggregate``), not used."""
    from ..sources import reader

    rd = reader("gem")
    edges, qs, read = [], [], 0
    for sf in rd.files(path):
        for ch in rd.read(sf):
            if ch.table == "corridor_edges":
                edges.append(ch.data)
            qs.append(ch.quarantine)
            read += ch.rows_read
    e = pd.concat(edges, ignore_index=True)
    q = pd.concat(qs, ignore_index=True)
    use = ((e["status"] == "operating") & (e["from_node"] != e["to_node"])).to_numpy()
    f = pd.DataFrame({
        "reporter": e["from_node"][use].to_numpy(), "partner": e["to_node"][use].to_numpy(),
        "unit": (e["route_id"].astype(str) + "|" + e["segment"].fillna("").astype(str))[use]
        .to_numpy(),
        "capacity": pd.to_numeric(e["capacity"][use], errors="coerce").to_numpy("float64"),
        "source": e["source"][use].to_numpy()})
    # pipelines (rows of the file, one route_id each) with no operating cross-border edge
    unused = e["route_id"].nunique() - e["route_id"][use].nunique()
    return f, file_counts(Path(path), "gas pipelines", read, q, len(f), int(unused)), q
