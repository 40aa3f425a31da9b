"""The panel's further sources: national trade by partner, the EU side from Eurostat, GEM oil
pipelines, COW IGO shared memberships and the GDELT dyad-year score.

Each ``read_*`` returns ``(frame, counts, quarantine)`` like the readers of
:mod:`equipoise.sources` (the COW IGO file goes through the ``cow`` reader itself; the other
layouts have no reader there yet, so they are read here with its helpers: text cells,
:func:`~equipoise.sources._common.numeric` and a quarantine row, with file and line, for
every row not used). ``rows_read = rows_loaded + rows_quarantined`` for every file; an
aggregate row (a total, a region) is not quarantined: it is either the WLD total or counted
as ``rows_aggregate``.

Frames are long: ``year, reporter, partner, indicator, value, source`` (plus columns named
per reader). Partner ``WLD`` is the total the file gives.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..schema import Reason
from ..sources._common import numeric, quarantine_frame, quarantine_rows, read_csv_text

__all__ = ["read_eurostat", "read_gdelt", "read_igo", "read_national", "read_oil"]

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


def _counts(path: Path, role: str, read: int, q: pd.DataFrame, out: int, agg: int = 0) -> dict:
    return {"file": path.name, "role": role, "rows_read": int(read),
            "rows_quarantined": len(q), "rows_loaded": int(read - len(q)), "rows_out": int(out),
            "rows_aggregate": int(agg)}


def _flag(df: pd.DataFrame, col: str) -> np.ndarray:
    return df[col].astype(str).str.strip().str.lower().isin(["true", "1"]).to_numpy()


def read_national(path: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """One national-statistics file (KAZ BNS, UZB stat.uz, KGZ NSC, ARM armstat, RUS FTS).

    Imports and exports in USD bn (``trade.goods.import`` / ``trade.goods.export``): the
    reporter's own declarations (no mirror). The WLD row is the file's total row (KAZ
    "Всего", KGZ "Total"); UZB's total is the sum of its rows (its country rows and the
    "Other countries" row add up to the published total), ARM and RUS give no total (RUS
    lists 29 main partners; ARM's 2023 row is January only) so their shares are among the
    partners listed (``basis`` ``partner_sum``). RUS months are summed to years; a year with
    fewer than 12 months is dropped into the quarantine. ARM's imports are by country of
    origin (as COW's).
    """
    df = read_csv_text(path)
    rep = str(df["reporter_iso3"].iloc[0]) if len(df) else "?"
    lines = np.arange(2, len(df) + 2)
    ok = np.ones(len(df), dtype=bool)
    qs = []
    agg = _flag(df, "is_aggregate") if "is_aggregate" in df.columns else np.zeros(len(df), bool)
    iso = df["partner_iso3"].astype(str).str.strip().to_numpy()
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
    nocode = ok & ~agg & (iso == "")
    qs.append(quarantine_rows(nocode, source="national", file=path.name, lines=lines,
                              column="partner_iso3", values=iso, reason=Reason.UNMAPPED_CODE,
                              notes=["an unknown or undefined country"] * len(df)))
    ok &= ~nocode
    scale = 1e-3 if rep == "RUS" else 1e-6  # million / thousand USD -> USD bn
    imp_col = "imports_by_origin_kusd" if rep == "ARM" else (
        "imports_musd" if rep == "RUS" else "imports_kusd")
    exp_col = "exports_musd" if rep == "RUS" else "exports_kusd"
    year = pd.to_numeric(df["year"], errors="coerce").to_numpy()
    out = []
    use = ok & (~agg | total)
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
    if rep == "RUS":  # months -> years; keep full years only
        nm = f.groupby("year")["month"].nunique()
        full = nm[nm == 12].index
        short = ~f["year"].isin(full)
        f = f[~short]
    f = (f.groupby(["year", "reporter", "partner", "indicator"], as_index=False)["value"]
         .sum().sort_values(["year", "indicator", "partner"]).reset_index(drop=True))
    if rep == "UZB":  # the total is the sum of all rows (countries + "Other countries")
        allrows = ok & (iso != "") | (ok & agg)
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
    return f, _counts(path, f"national {rep}", len(df), q, len(f), int(agg.sum())), q


def read_eurostat(path: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """Eurostat Comext, EU-27 (2020) exports by partner, EUR: the mirror of each partner's
    imports from the EU27 (``trade.goods.import.eu27_mirror``, focal = the partner, partner
    = ``EU27``, EUR bn). Aggregates (extra-EU, not specified ...) are counted, not used."""
    df = read_csv_text(path)
    lines = np.arange(2, len(df) + 2)
    agg = _flag(df, "is_aggregate")
    iso = df["partner_iso3"].astype(str).str.strip().to_numpy()
    nocode = ~agg & (iso == "")
    qs = [quarantine_rows(nocode, source="eurostat", file=path.name, lines=lines,
                          column="partner_iso3", values=df["partner_label"],
                          reason=Reason.UNMAPPED_CODE)]
    v, q, ok = numeric(df, "exports_eur", source="eurostat", file=path.name, lines=lines,
                       ok=~agg & ~nocode)
    qs.extend(q)
    f = pd.DataFrame({"year": pd.to_numeric(df["year"]).to_numpy()[ok].astype("int64"),
                      "reporter": iso[ok], "partner": "EU27",
                      "indicator": "trade.goods.import.eu27_mirror", "value": v[ok] / 1e9})
    f["source"] = f"Eurostat Comext, EU27_2020 exports by partner (mirror); {path.name}"
    q = pd.concat([quarantine_frame(x) for x in qs], ignore_index=True)
    return f, _counts(path, "EU27 exports", len(df), q, len(f), int(agg.sum())), q


def read_oil(path: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """GEM Global Oil Infrastructure Tracker: one row per operating pipeline unit and each
    pair of distinct countries it lists (``countries``), with its capacity (bbl/d; NaN when
    GEM gives none). Units in one country are counted (``rows_aggregate``: domestic), not
    used; unknown country names are quarantined."""
    from ..sources._common import CodeMapper

    df = read_csv_text(path)
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
    return f, _counts(path, "oil pipelines", len(df), q, len(f), not_op + domestic), q


def read_igo(path: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """COW IGO dyad-year shared full memberships, through the ``cow`` reader."""
    from .datasets import _flows

    df, c, q = _flows("cow", path)
    return df, {**c, "role": "IGO dyad-year"}, q


def read_gdelt(path: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """GDELT 2.0 composite score summed to undirected country-pair years: each pair gives the
    row in both directions (``events.gdelt.net_score``; coverage = days covered / days)."""
    df = read_csv_text(path)
    lines = np.arange(2, len(df) + 2)
    ok = np.ones(len(df), bool)
    a = df["iso3_a"].astype(str).str.strip().to_numpy()
    b = df["iso3_b"].astype(str).str.strip().to_numpy()
    self_ = (a == b) | (a == "") | (b == "")
    qs = [quarantine_rows(self_, source="gdelt", file=path.name, lines=lines, column="iso3_b",
                          values=b, reason=Reason.SELF_PARTNER)]
    ok &= ~self_
    v, q, ok = numeric(df, "net_score_sum", source="gdelt", file=path.name, lines=lines,
                       ok=ok, allow_negative=True)
    qs.extend(q)
    days, q, ok = numeric(df, "days_in_year_covered", source="gdelt", file=path.name,
                          lines=lines, ok=ok)
    qs.extend(q)
    year = pd.to_numeric(df["year"]).to_numpy().astype("int64")
    ndays = np.where(year % 4 == 0, 366, 365)
    one = pd.DataFrame({"year": year[ok], "reporter": a[ok], "partner": b[ok],
                        "value": v[ok], "coverage": days[ok] / ndays[ok]})
    f = pd.concat([one, one.rename(columns={"reporter": "partner", "partner": "reporter"})],
                  ignore_index=True)
    f["source"] = f"GDELT 2.0 composite cooperation-conflict score, dyad-years; {path.name}"
    q = pd.concat([quarantine_frame(x) for x in qs], ignore_index=True)
    return f, _counts(path, "pair-years", len(df), q, len(f)), q
