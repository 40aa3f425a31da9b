"""ICEWS directed dyad-year event counts -> ``event_counts``.

Layout (as distributed with the R package ``netify``, from the ICEWS Dataverse):
``i, j, i_iso3c, j_iso3c, year, verbCoop, matlCoop, verbConf, matlConf`` -- counts of events
from actor ``i`` to ``j`` in a year by CAMEO quad class (verbal/material cooperation/conflict).
Countries map from ``i_iso3c``/``j_iso3c`` (falling back to the names). Counts are media-volume
driven: normalise per source and window before comparing years (METHODS.md, Events).

Quarantined, each with its file, line and column: an unknown country (``unknown_name``), a
blank (``missing_value``), non-numeric (``bad_value``) or negative (``negative_value``) year or
count, a count that is not a whole number (``bad_value``), a row pairing a state with itself (``self_partner``) and a second row of the
same year and directed pair (``duplicate_key``: the first is kept). ``rows_read = rows_loaded +
rows_quarantined``.

:func:`read` gives the canonical ``event_counts`` (``equipoise ingest icews``);
:func:`read_frame` the panel's frame (:func:`equipoise.panel.extra.read_icews`): ``year,
reporter, partner, coop, conflict, source`` per directed row (coop = verbal + material
cooperation, conflict = verbal + material conflict: the quad classes of Duval & Thompson 1980
as CAMEO codes them, Gerner et al. 2002).

Source: Boschee, E. et al., ICEWS Coded Event Data, Harvard Dataverse doi:10.7910/DVN/28075;
dyad-year aggregation from the ``netify`` R package (Minhas et al.).
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
    file_counts,
    first_file,
    map_column,
    numeric,
    quarantine_frame,
    quarantine_rows,
    read_csv_text,
    require_columns,
    single,
)

NAME = "icews"
PATTERN = "icews_dyad_year*.csv*"
COUNTS = {"verbCoop": "verbal_coop", "matlCoop": "material_coop", "verbConf": "verbal_conflict",
          "matlConf": "material_conflict"}
CITATION = "ICEWS dyad-year event counts (Boschee et al.; via netify)"

__all__ = ["COUNTS", "NAME", "PATTERN", "files", "read", "read_frame"]


def files(path: str | Path) -> list[SourceFile]:
    """One file, or the first file of a folder matching :data:`PATTERN`."""
    return first_file(path, PATTERN)


def _quarantine(qs: list, mask: np.ndarray, df: pd.DataFrame, col: str, reason: str,
                kw: dict) -> None:
    """Quarantine the rows of ``mask`` with their value of ``col`` (only read when a row is
    bad: the text column of 300,000 rows is not copied for nothing)."""
    if mask.any():
        qs.append(quarantine_rows(mask, column=col, values=df[col].astype(str).to_numpy(),
                                  reason=reason, **kw))


def _counts(df: pd.DataFrame, ok: np.ndarray, qs: list, kw: dict
            ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The four quad-class counts; a fractional count is ``bad_value`` (a negative one is
    quarantined by :func:`numeric` as ``negative_value``)."""
    vals = {}
    for c in COUNTS:
        v, q, ok = numeric(df, c, ok=ok, **kw)
        qs += q
        bad = ok & (v != np.floor(v))
        _quarantine(qs, bad, df, c, Reason.BAD_VALUE, kw)
        vals[c], ok = v, ok & ~bad
    return vals, ok


def _parse(path: Path, source: str) -> tuple[pd.DataFrame, list[pd.DataFrame], int]:
    """The kept rows as ``event_counts`` columns, the quarantine frames and the rows read."""
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
    vals, ok = _counts(df, ok, qs, kw)
    self_ = ok & (iso["i"] == iso["j"])
    _quarantine(qs, self_, df, "j", Reason.SELF_PARTNER, kw)
    ok &= ~self_
    key = pd.DataFrame({"y": np.where(ok, year, np.nan), "i": iso["i"], "j": iso["j"]})
    dup = ok & key.duplicated(keep="first").to_numpy()
    _quarantine(qs, dup, df, "year", Reason.DUPLICATE_KEY, kw)
    ok &= ~dup
    data = pd.DataFrame({"year": year[ok].astype("int64"), "actor": iso["i"][ok],
                         "counterpart": iso["j"][ok],
                         **{COUNTS[c]: vals[c][ok].astype("int64") for c in COUNTS}})
    data["source"] = f"{CITATION}, {path.name}"
    return data, qs, n


def read(sf: SourceFile, *, source: str = NAME) -> Iterator[Chunk]:
    path = Path(sf.path)
    data, qs, n = _parse(path, source)
    yield from single("event_counts", data, qs, n, str(path))


def read_frame(path: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """The panel's frame: one row per kept directed row, ``year, reporter, partner, coop,
    conflict, source`` (coop = ``verbCoop + matlCoop``, conflict = ``verbConf + matlConf``),
    the file's counts (``rows_read = rows_loaded + rows_quarantined``) and the quarantine."""
    path = Path(path)
    d, qs, n = _parse(path, NAME)
    f = pd.DataFrame({
        "year": d["year"].to_numpy(), "reporter": d["actor"].to_numpy(),
        "partner": d["counterpart"].to_numpy(),
        "coop": (d["verbal_coop"] + d["material_coop"]).to_numpy(),
        "conflict": (d["verbal_conflict"] + d["material_conflict"]).to_numpy(),
        "source": d["source"].to_numpy()})
    q = [quarantine_frame(x) for x in qs if len(x)]
    qf = pd.concat(q, ignore_index=True) if q else quarantine_frame([])
    return f, file_counts(path, "directed dyad-years", n, qf, len(f)), qf
