"""National statistics of foreign trade by partner (``national-trade-by-partner``): Kazakhstan
BNS, Uzbekistan stat.uz, Kyrgyzstan NSC, Armenia armstat, Russia FTS -> ``flows``.

One file per reporter (its ``reporter_iso3`` column). :func:`read_frame` gives the panel's
long frame ``year, reporter, partner, indicator, value, basis, source`` (USD bn; partner
``WLD`` is the file's total); :func:`read` gives the same rows as canonical ``flows`` (domain
``trade``, unit ``USD bn``; ``ingest national FILE_OR_FOLDER``). Aggregate rows (regions,
"CIS countries" ...) are loaded but counted apart (``rows_aggregate``), not quarantined: they
are either the WLD total or not used. A partner code goes through the crosswalk
(:class:`~._common.CodeMapper` ``iso3``, :func:`~._common.map_column`): a blank one or one that
is no country of the countries table (``ANT``) is quarantined (``unmapped_code``, with the
file's partner name and the crosswalk's note), but its value stays in a total the reader sums
(UZB). ``rows_read = rows_loaded + rows_quarantined`` for every file; a row with a blank import and a given export is quarantined for its import and
still gives its export.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from .._results import fmt_fixed
from ..errors import SchemaError
from ..schema import Reason
from ._common import (
    Chunk,
    CodeMapper,
    SourceFile,
    chunk_of,
    file_counts,
    flag,
    flows_frame,
    map_column,
    numeric,
    quarantine_frame,
    quarantine_rows,
    read_csv_text,
    require_columns,
)

NAME = "national"
#: the columns every national file has (the value columns differ by reporter)
REQUIRED = ("reporter_iso3", "year", "partner_iso3")
#: the file name patterns of a ``national-trade-by-partner`` folder
PATTERNS = ("*_trade_*by_partner*.csv*", "rus_fts_trade*.csv*")

__all__ = ["NAME", "NATIONAL", "PATTERNS", "files", "read", "read_frame"]

NATIONAL = {  # reporter -> (producer, total rule)
    "KAZ": "Kazakhstan, Bureau of National Statistics (BNS), foreign trade by country",
    "UZB": "Uzbekistan, Statistics Agency (stat.uz), exports and imports by country",
    "KGZ": "Kyrgyzstan, National Statistical Committee, foreign trade by country",
    "ARM": "Armenia, Statistical Committee (armstat), foreign trade by country",
    "RUS": "Russia, Federal Customs Service, foreign trade with the main partner countries",
}
#: the files' total rows (partner label of the aggregate row that is the world total)
TOTAL_LABELS = {"KAZ": ("partner_ru", ("Всего в том числе", "Всего")),
                "KGZ": ("partner_en", ("Total",))}


def _short_years(df: pd.DataFrame, year: np.ndarray, use: np.ndarray, lines: np.ndarray,
                 path: Path) -> tuple[np.ndarray, pd.DataFrame]:
    """The monthly rows of a year the file gives fewer than 12 months of, and their
    quarantine (``bad_year``, column ``month``)."""
    month = pd.to_numeric(df["month"], errors="coerce").to_numpy()
    nm = pd.Series(month[use]).groupby(year[use]).nunique()
    short = use & np.isin(year, nm[nm < 12].index.to_numpy())
    notes = [f"{int(nm.get(y, 0))} of the 12 months of {fmt_fixed(y, 0)} in the file: not a full year"
             if s else "" for y, s in zip(year, short, strict=True)]
    return short, quarantine_rows(short, source="national", file=path.name, lines=lines,
                                  column="month", values=df["month"], reason=Reason.BAD_YEAR,
                                  notes=notes)


def _partners(df: pd.DataFrame, agg: np.ndarray, ok: np.ndarray, qs: list, lines: np.ndarray,
              path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The partner's ISO3 per row through the crosswalk (:class:`CodeMapper` ``iso3``) and the
    new ``ok``: a row that is not an aggregate and whose code maps to nothing (``ANT``, a
    blank) is quarantined (``unmapped_code``, with the file's partner name and the
    crosswalk's note); aggregate rows carry no code and are not mapped."""
    label = next((c for c in ("partner_en", "partner_ru") if c in df.columns), None)
    iso, mapped = map_column(df["partner_iso3"].astype(str).str.strip().to_numpy(),
                             CodeMapper("iso3"), column="partner_iso3", ok=ok & ~agg, qs=qs,
                             source=NAME, file=path.name, lines=lines,
                             labels=df[label] if label else None)
    return iso, mapped | (ok & agg)


def read_frame(path: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """One national-statistics file (KAZ BNS, UZB stat.uz, KGZ NSC, ARM armstat, RUS FTS).

    Imports and exports in USD bn (``trade.goods.import`` / ``trade.goods.export``): the
    reporter's own declarations (no mirror). The WLD row is the file's total row (KAZ
    "Всего", KGZ "Total"); UZB's total is the sum of its rows (its country rows and the
    "Other countries" row add up to the published total), ARM and RUS give no total (RUS
    lists 29 main partners; ARM's 2023 row is January only) so their shares are among the
    partners listed (``basis`` ``partner_sum``). RUS months are summed to years; the rows of a
    year with fewer than 12 months are quarantined (``bad_year``, column ``month``). ARM's imports are by country of
    origin (as COW's).
    """
    df = read_csv_text(path)
    require_columns(df, REQUIRED, path, "national statistics by partner")
    rep = str(df["reporter_iso3"].iloc[0]) if len(df) else "?"
    lines = np.arange(2, len(df) + 2)
    ok = np.ones(len(df), dtype=bool)
    qs = []
    agg = flag(df, "is_aggregate") if "is_aggregate" in df.columns else np.zeros(len(df), bool)
    if rep == "ARM":
        agg = np.zeros(len(df), bool)
        part = df["period_note"].astype(str).str.strip().to_numpy() != "full year"
        qs.append(quarantine_rows(part, source="national", file=path.name, lines=lines,
                                  column="period_note", values=df["period_note"],
                                  reason=Reason.BAD_YEAR, notes=["not a full year"] * len(df)))
        ok &= ~part
    total = np.zeros(len(df), bool)
    if rep in TOTAL_LABELS:
        col, labels = TOTAL_LABELS[rep]
        total = agg & df[col].astype(str).str.strip().isin(labels).to_numpy()
    counted = ok.copy()  # the rows of the file's total, whatever their partner code
    iso, ok = _partners(df, agg, ok, qs, lines, path)
    scale = 1e-3 if rep == "RUS" else 1e-6  # million / thousand USD -> USD bn
    imp_col = "imports_by_origin_kusd" if rep == "ARM" else (
        "imports_musd" if rep == "RUS" else "imports_kusd")
    exp_col = "exports_musd" if rep == "RUS" else "exports_kusd"
    year = pd.to_numeric(df["year"], errors="coerce").to_numpy()
    out = []
    use = ok & (~agg | total)
    if rep == "RUS":  # months -> years: the months of a year with fewer than 12 are quarantined
        short, q = _short_years(df, year, use, lines, path)
        qs.append(q)
        use &= ~short
    for ind, col in (("trade.goods.import", imp_col), ("trade.goods.export", exp_col)):
        v, q, good = numeric(df, col, source="national", file=path.name, lines=lines, ok=use)
        qs.extend(q)
        sel = good
        out.append(pd.DataFrame({
            "year": year[sel].astype("int64"), "reporter": rep,
            "partner": np.where(total[sel], "WLD", iso[sel]),
            "indicator": ind, "value": v[sel] * scale,
            "month": (pd.to_numeric(df["month"]).to_numpy()[sel] if "month" in df.columns
                      else 0)}))
    f = pd.concat(out, ignore_index=True)
    if rep == "RUS":  # months -> years (full years only, above); a year left short by the
        nm = f.groupby("year")["month"].nunique()  # value checks is dropped, as before
        f = f[f["year"].isin(nm[nm == 12].index)]
    f = (f.groupby(["year", "reporter", "partner", "indicator"], as_index=False)["value"]
         .sum().sort_values(["year", "indicator", "partner"]).reset_index(drop=True))
    if rep == "UZB":  # the total is the sum of all rows (countries + "Other countries")
        allrows = counted  # a partner code the crosswalk does not know is still in the total
        tot = []
        for ind, col in (("trade.goods.import", imp_col), ("trade.goods.export", exp_col)):
            v = pd.to_numeric(df[col], errors="coerce").fillna(0).to_numpy()
            s = pd.Series(v[allrows]).groupby(year[allrows]).sum()
            tot.append(pd.DataFrame({"year": s.index.astype("int64"), "reporter": rep,
                                     "partner": "WLD", "indicator": ind,
                                     "value": s.to_numpy() * scale}))
        f = pd.concat([f, *tot], ignore_index=True)
    f["basis"] = "wld" if rep in ("KAZ", "KGZ", "UZB") else "partner_sum"
    f["source"] = f"{NATIONAL.get(rep, rep)}; {path.name}"
    q = pd.concat([quarantine_frame(x) for x in qs], ignore_index=True)
    q = q.drop_duplicates(subset=["line"])
    return f, file_counts(path, f"national {rep}", len(df), q, len(f), int(agg.sum())), q



def files(path: str | Path) -> list[SourceFile]:
    """One file, or every national file of a folder (:data:`PATTERNS`)."""
    p = Path(path)
    if p.is_dir():
        hits = sorted({h for pat in PATTERNS for h in p.glob(pat)
                       if h.name.endswith((".csv", ".csv.gz"))})
        if not hits:
            raise SchemaError(f"{p}: no national trade file ({', '.join(PATTERNS)}) here")
        return [SourceFile(path=h) for h in hits]
    if not p.exists():
        raise SchemaError(f"{p}: no such file")
    return [SourceFile(path=p)]


def read(sf: SourceFile, *, source: str = NAME) -> Iterator[Chunk]:
    """The file's rows as canonical ``flows`` (USD bn)."""
    f, c, q = read_frame(Path(sf.path))
    yield chunk_of("flows", flows_frame(
        year=f["year"], reporter=f["reporter"], partner=f["partner"], domain="trade",
        indicator="", value=f["value"], unit="USD bn", source="").assign(
            indicator=f["indicator"].to_numpy(), source=f["source"].to_numpy()),
        c, q.assign(source=source), Path(sf.path))
