"""Correlates of War (and ATOP) tables -> ``flows`` and ``alliances``.

Layouts, detected from the columns (the peacesciencer extracts and the COW downloads share
them):

* **Dyadic Trade v4.0** (``ccode1, ccode2, year, flow1, flow2``; Barbieri & Keshk 2016):
  ``flow1`` is the imports of ``ccode1`` from ``ccode2``, ``flow2`` the imports of ``ccode2``
  from ``ccode1``, in million current USD; ``-9`` marks missing. Each dyad-year gives the
  flows ``trade.goods.import`` (USD bn) for each direction that is present; a missing
  direction is quarantined (reason ``missing_value``, column ``flow1``/``flow2``).
  The two directions count as two input rows (read = 2 x dyad-years).
* **National Trade v4.0** (``ccode, year, imports, exports``): ``trade.goods.import`` and
  ``trade.goods.export`` with partner ``WLD`` (USD bn); -9 missing.
* **IGO dyad-year** (``ccode1, ccode2, year, dyadigos``; Pevehouse et al. 2020):
  ``political.igo.shared`` (count of shared full memberships); the file lists each dyad once,
  so each row gives the flow in both directions.
* **Alliances**: ATOP v5.1 directed dyad-year (``atop_defense, atop_offense, atop_neutral,
  atop_nonagg, atop_consul``; Leeds et al. 2002) and COW Formal Alliances v4.1
  (``cow_defense, cow_neutral, cow_nonagg, cow_entente``; Gibler 2009) -> ``alliances``
  (year, state1, state2, kind, value) with one row per obligation present (value 1).

COW codes map to ISO3 through the crosswalk ``cow`` rows (e.g. 260 German Federal Republic ->
DEU; 265 GDR, 345 Yugoslavia unmapped) and the countries table's ``cow`` column.

Sources: Barbieri, K. & Keshk, O. (2016) Correlates of War Project Trade Data Set Codebook,
Version 4.0, https://correlatesofwar.org; Leeds, B. A. et al. (2002) ATOP, International
Interactions 28: 237-260; Gibler, D. M. (2009) International Military Alliances, 1648-2008.
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
    flows_frame,
    map_codes,
    quarantine_rows,
    read_csv_text,
    single,
)

NAME = "cow"
MISSING = ("-9", "-9.0", "", "NA")


def files(path: str | Path) -> list[SourceFile]:
    p = Path(path)
    if not p.exists():
        raise SchemaError(f"{p}: no such file")
    return [SourceFile(path=p)]


def _codes(df: pd.DataFrame, cols: list[str], kw: dict, ok: np.ndarray, qs: list) -> tuple[dict, np.ndarray]:
    return map_codes(df, cols, CodeMapper("cow"), ok=ok, qs=qs, **kw)


def _years(df: pd.DataFrame, kw: dict, ok: np.ndarray, qs: list) -> tuple[np.ndarray, np.ndarray]:
    y = pd.to_numeric(df["year"], errors="coerce").to_numpy("float64")
    bad = ok & ~(np.isfinite(y) & (y % 1 == 0) & (y >= 1800) & (y <= 2100))
    qs.append(quarantine_rows(bad, column="year", values=df["year"].to_numpy(), reason=Reason.BAD_YEAR,
                              **kw))
    return y, ok & ~bad


def _values(df: pd.DataFrame, col: str, kw: dict, ok: np.ndarray, qs: list):
    raw = df[col].astype(str).str.strip()
    num = pd.to_numeric(raw, errors="coerce").to_numpy("float64")
    miss = ok & (raw.isin(MISSING).to_numpy() | (num == -9))
    qs.append(quarantine_rows(miss, column=col, values=raw.to_numpy(), reason=Reason.MISSING_VALUE,
                              notes=np.full(len(raw), "COW codes a missing value as -9",
                                            dtype=object), **kw))
    ok = ok & ~miss
    bad = ok & (~np.isfinite(num) | (num < 0))
    qs.append(quarantine_rows(bad, column=col, values=raw.to_numpy(), reason=Reason.BAD_VALUE, **kw))
    return num, ok & ~bad


def read(sf: SourceFile, *, source: str = NAME) -> Iterator[Chunk]:
    path = Path(sf.path)
    df = read_csv_text(path)
    cols = set(df.columns)
    n = len(df)
    file = str(path)
    lines = np.arange(n) + 2
    kw = {"source": source, "file": file, "lines": lines}
    if {"ccode1", "ccode2", "year", "flow1", "flow2"} <= cols:
        yield from _dyadic_trade(df, path, kw)
    elif {"ccode", "year", "imports", "exports"} <= cols:
        yield from _national_trade(df, path, kw)
    elif {"ccode1", "ccode2", "year", "dyadigos"} <= cols:
        qs: list = []
        ok = np.ones(n, dtype=bool)
        iso, ok = _codes(df, ["ccode1", "ccode2"], kw, ok, qs)
        y, ok = _years(df, kw, ok, qs)
        v, ok = _values(df, "dyadigos", kw, ok, qs)
        # the file is undirected (ccode1 < ccode2): shared memberships hold both ways
        cite = f"COW Intergovernmental Organizations v3 (Pevehouse et al. 2020), {path.name}"
        data = pd.concat([flows_frame(year=y[ok], reporter=iso[a][ok], partner=iso[b][ok],
                                      domain="political", indicator="political.igo.shared",
                                      value=v[ok], unit="count", source=cite)
                          for a, b in (("ccode1", "ccode2"), ("ccode2", "ccode1"))],
                         ignore_index=True)
        data = data.drop_duplicates(["year", "reporter", "partner"])
        yield from single("flows", data, qs, n, file)
    elif {"ccode1", "ccode2", "year"} <= cols and any(c.startswith(("atop_", "cow_")) for c in cols):
        yield from _alliances(df, path, kw)
    else:
        raise SchemaError(f"{path} line 1: not a COW layout this reader knows (dyadic trade: "
                          f"ccode1, ccode2, year, flow1, flow2; national trade: ccode, year, "
                          f"imports, exports; IGO: dyadigos; alliances: atop_*/cow_*); "
                          f"saw {list(df.columns)!r}")


def _dyadic_trade(df: pd.DataFrame, path: Path, kw: dict) -> Iterator[Chunk]:
    n = len(df)
    qs: list = []
    ok = np.ones(n, dtype=bool)
    iso, ok = _codes(df, ["ccode1", "ccode2"], kw, ok, qs)
    y, ok = _years(df, kw, ok, qs)
    # each dyad-year row holds two flows; each direction is one input record
    frames = []
    q_dir: list = []
    for col, rep, par in (("flow1", "ccode1", "ccode2"), ("flow2", "ccode2", "ccode1")):
        v, ok_d = _values(df, col, kw, ok.copy(), q_dir)
        frames.append(flows_frame(year=y[ok_d], reporter=iso[rep][ok_d], partner=iso[par][ok_d],
                                  domain="trade", indicator="trade.goods.import",
                                  value=v[ok_d] / 1000.0, unit="USD bn",
                                  source=f"COW Dyadic Trade v4.0 (Barbieri & Keshk 2016), "
                                  f"{path.name}"))
    # rows quarantined before the split count for both directions
    q_rows = [q for q in qs if len(q)]
    both = [pd.concat([q, q.assign(column=q["column"] + " (flow2)")]) for q in q_rows]
    data = pd.concat(frames, ignore_index=True)
    yield from single("flows", data, both + q_dir, 2 * n, kw["file"])


def _national_trade(df: pd.DataFrame, path: Path, kw: dict) -> Iterator[Chunk]:
    n = len(df)
    qs: list = []
    ok = np.ones(n, dtype=bool)
    iso, ok = _codes(df, ["ccode"], kw, ok, qs)
    y, ok = _years(df, kw, ok, qs)
    frames, q_dir = [], []
    for col, ind in (("imports", "trade.goods.import"), ("exports", "trade.goods.export")):
        v, ok_d = _values(df, col, kw, ok.copy(), q_dir)
        frames.append(flows_frame(year=y[ok_d], reporter=iso["ccode"][ok_d], partner=["WLD"] * int(ok_d.sum()),
                                  domain="trade", indicator=ind, value=v[ok_d] / 1000.0,
                                  unit="USD bn", source=f"COW National Trade v4.0 (Barbieri & "
                                  f"Keshk 2016), {path.name}"))
    q_rows = [q for q in qs if len(q)]
    both = [pd.concat([q, q.assign(column=q["column"] + " (exports)")]) for q in q_rows]
    yield from single("flows", pd.concat(frames, ignore_index=True), both + q_dir, 2 * n,
                      kw["file"])


def _alliances(df: pd.DataFrame, path: Path, kw: dict) -> Iterator[Chunk]:
    n = len(df)
    qs: list = []
    ok = np.ones(n, dtype=bool)
    iso, ok = _codes(df, ["ccode1", "ccode2"], kw, ok, qs)
    y, ok = _years(df, kw, ok, qs)
    kinds = [c for c in df.columns if c.startswith(("atop_", "cow_"))]
    family = "ATOP v5.1 (Leeds et al. 2002)" if kinds[0].startswith("atop_") else \
        "COW Formal Alliances v4.1 (Gibler 2009)"
    frames = []
    for c in kinds:
        v = pd.to_numeric(df[c], errors="coerce").fillna(0).to_numpy()
        sel = ok & (v > 0)
        frames.append(pd.DataFrame({"year": y[sel].astype("int64"), "state1": iso["ccode1"][sel],
                                    "state2": iso["ccode2"][sel], "kind": c.split("_", 1)[1],
                                    "value": v[sel].astype("float64")}))
    data = pd.concat(frames, ignore_index=True)
    data["source"] = f"{family}, {path.name}"
    yield from single("alliances", data, qs, n, kw["file"])
