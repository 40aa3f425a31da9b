"""The embedded Kazakhstan rows in the panel, as their own indicators (issue 12 point 1).

Three files, each read strictly by :func:`equipoise.io.flows.read_flows` (a bad row is an
error with its file and line, never a silent skip):

``datasets/kazakhstan/flows.csv``
    the figures entered by hand from the sourced fact sheet (kz-facts.md, ``KZF:`` ids);
``datasets/kazakhstan/derived.csv``
    the rows derived from public raw data (SIPRI, BSV, Voeten, COW IGO, IMF DIP, and the
    official trade by partner of the Bureau of National Statistics, ``BNS:trade-by-partner``,
    2018-2023);
``panel/kaz_press_trade.csv``
    the press figures of kz-facts for Kazakhstan's trade by partner (turnover 2022-2023,
    import shares 2021-2022: ``KZF:C1, E1, R1, P1-P3, P6, P9, N1, N2, N5, N7, K1, TR1, TR2,
    U1, U2``) that the embedded default dropped when the official BNS rows came in; every
    id is in ``datasets/kazakhstan/sources.csv``.

Each row becomes a panel row of focal ``KAZ`` with indicator ``embedded.<indicator>`` (its
own indicator: the index and the trends, which compare states measured alike, leave
``embedded.*`` out), the domain of the row, ``value`` in the row's unit (money converted to
USD bn, as the panel's trade), and ``source`` = ``<id>: <producer>; <file>``. The rows of
one indicator, year and kind of source (press, ``KZF:``; or the others) share a basis:

- ``wld``: the source gives a world total (partner ``WLD``): share = value / total;
  coverage = the partners' sum / total;
- ``stated_share``: a percentage without a total row: share = value / 100;
- ``partner_sum``: an additive unit with two partners or more and no total: share = value /
  the partners' sum (coverage unknown);
- ``single_partner``: one partner and no total: no share (supporting evidence);
- ``value``: a unit that does not add up across partners (``share`` of UN agreement,
  ``count`` of shared IGOs) or a pole-side ``asymmetry.*`` indicator: no share.

Products (routes, deals) of one partner are summed (their names in the note).

**Official data replace press figures.** A press row (``KZF:``) of Kazakhstan's trade by
partner -- ``trade.goods.turnover``, ``trade.goods.import_share`` (measured by
``trade.goods.import``), ``trade.goods.export_share`` (by ``trade.goods.export``) -- whose
year the official trade by partner covers (the BNS rows of ``derived.csv``, or the panel's
own KAZ rows from the national statistics of this build) keeps its row with status
``superseded`` and a note naming the official indicator; the official row is ``ok``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .._defaults import DEFAULT_FOCAL

__all__ = ["OFFICIAL_SOURCE", "PREFIX", "PRESS_FILE", "embedded_rows", "insert_embedded"]

PREFIX = "embedded."
#: the state of these rows: the embedded dataset's (the embedded default, named once in
#: equipoise._defaults)
FOCAL = DEFAULT_FOCAL
PRESS_FILE = Path(__file__).with_name("kaz_press_trade.csv")
#: the id of the official trade by partner in the embedded dataset
OFFICIAL_SOURCE = "BNS:trade-by-partner"
#: the panel's own KAZ rows from the national statistics (panel.extra.NATIONAL["KAZ"])
NATIONAL_SOURCE = "Kazakhstan, Bureau of National Statistics"
#: press indicator -> the official indicators that measure it (all needed for the year)
MEASURED_BY = {"trade.goods.turnover": ("trade.goods.turnover",),
               "trade.goods.import_share": ("trade.goods.import",),
               "trade.goods.export_share": ("trade.goods.export",)}
#: money units -> USD bn
TO_USD_BN = {"USD bn": 1.0, "USD mn": 1e-3, "USD thousand": 1e-6}
NOT_ADDITIVE = {"share", "count"}


def _read() -> tuple[pd.DataFrame, list[dict]]:
    """The three files' rows (``file`` per row) and per-file counts."""
    from ..datasets import default_path
    from ..io.flows import read_flows

    folder = default_path(FOCAL)
    parts, files = [], []
    for path in (folder / "flows.csv", folder / "derived.csv", PRESS_FILE):
        name = f"{path.parent.name}/{path.name}"
        fs = read_flows(path, label=lambda p, n=name: n)
        c = fs.counts
        files.append({"dataset": "embedded", "role": "embedded KAZ", "file": name,
                      "rows_read": int(c["read"]), "rows_loaded": int(c["loaded"]),
                      "rows_quarantined": int(c["quarantined"]), "rows_out": int(c["loaded"])})
        parts.append(fs.data.assign(file=name))
    return pd.concat(parts, ignore_index=True), files


def _sources() -> dict[str, str]:
    from ..datasets import load_sources

    s = load_sources(FOCAL)
    return dict(zip(s["id"], s["producer"], strict=True))


def embedded_rows(official_years: dict[str, set[int]] | None = None, lo: int = -9999,
                  hi: int = 9999) -> tuple[pd.DataFrame, list[dict]]:
    """The panel rows of the embedded Kazakhstan data of the years ``lo..hi`` (the module
    docstring) and the per-file counts. ``official_years``: indicator -> years of KAZ's
    official trade by partner found in the panel besides the embedded BNS rows."""
    f, files = _read()
    for fi in files:
        fi["rows_in_years"] = int(((f["file"] == fi["file"])
                                   & f["year"].between(lo, hi)).sum())
    f = f[f["year"].between(lo, hi)].copy()
    unit = f["unit"].astype(str)
    scale = unit.map(TO_USD_BN)
    f["value"] = np.where(scale.notna(), f["value"] * scale.fillna(1.0), f["value"])
    f["unit"] = np.where(scale.notna(), "USD bn", unit)
    f["press"] = f["source"].astype(str).str.startswith("KZF:")
    f["product"] = f["product"].fillna("").astype(str)
    names = _sources()
    keys = ["year", "indicator", "press", "partner"]
    g = (f.groupby(keys, as_index=False, sort=True)
         .agg(domain=("domain", "first"), value=("value", "sum"), unit=("unit", "first"),
              rows=("value", "size"),
              source=("source", lambda s: ", ".join(dict.fromkeys(s))),
              file=("file", "first"),
              products=("product", lambda s: ", ".join(p for p in dict.fromkeys(s) if p))))
    out = [_shares(grp) for _, grp in g.groupby(["year", "indicator", "press"], sort=True)]
    rows = pd.concat(out, ignore_index=True) if out else g.iloc[:0]
    rows = _supersede(rows, f, official_years or {})
    rows["source"] = [", ".join(f"{i}: {names.get(i, 'unknown source')}" for i in s.split(", "))
                      + f"; {fl}" for s, fl in zip(rows["source"], rows["file"], strict=True)]
    rows["note"] = [("; ".join(x for x in (n, f"value in {u}",
                                           f"products: {p}" if p else "") if x))
                    for n, u, p in zip(rows["note"], rows["unit"], rows["products"],
                                       strict=True)]
    rows = rows.assign(focal=FOCAL, indicator=PREFIX + rows["indicator"])
    cols = ["focal", "year", "domain", "indicator", "partner", "value", "share", "basis",
            "coverage", "status", "source", "note"]
    return rows[cols].sort_values(["year", "indicator", "partner", "status"]).reset_index(
        drop=True), files


def _shares(grp: pd.DataFrame) -> pd.DataFrame:
    """Share, basis, coverage and note of the rows of one indicator, year and kind."""
    grp = grp.copy()
    ind, unit = grp["indicator"].iloc[0], grp["unit"].iloc[0]
    is_w = (grp["partner"] == "WLD").to_numpy()
    partners = grp.loc[~is_w, "value"]
    tot = grp.loc[is_w, "value"].sum() if is_w.any() else np.nan
    grp["status"], grp["coverage"], grp["share"] = "ok", np.nan, np.nan
    if unit in NOT_ADDITIVE or ind.startswith("asymmetry."):
        grp["basis"] = "value"
        grp["note"] = ("a pole-side indicator (the focal state's share in the pole's totals): "
                       "no partner share" if ind.startswith("asymmetry.") else
                       f"{unit} does not add up across partners: no share")
        several = (grp["rows"] > 1).to_numpy()  # products of a value that does not add up
        grp.loc[several, "value"] = np.nan
        grp.loc[several, "status"] = "inconsistent"
        grp.loc[several, "note"] = "several rows for one partner whose values do not add up"
    elif is_w.any() and tot > 0:
        grp["basis"], grp["share"] = "wld", grp["value"] / tot
        grp["coverage"] = partners.sum() / tot
        grp["note"] = "share of the total the source gives (partner WLD)"
    elif unit == "%":
        grp["basis"], grp["share"] = "stated_share", grp["value"] / 100.0
        grp["coverage"] = partners.sum() / 100.0
        grp["note"] = "the share the source states (% of the total)"
    elif len(partners) >= 2:
        grp["basis"], grp["share"] = "partner_sum", grp["value"] / partners.sum()
        grp["note"] = "share of the partners listed (no total in the source)"
    else:
        grp["basis"] = "single_partner"
        grp["note"] = "one partner and no total: no share (supporting evidence)"
    return grp


def _supersede(rows: pd.DataFrame, f: pd.DataFrame,
               official_years: dict[str, set[int]]) -> pd.DataFrame:
    """Press trade rows of a year the official trade by partner covers: ``superseded``."""
    off = f[f["source"].astype(str) == OFFICIAL_SOURCE]
    years: dict[str, set[int]] = {k: set(v) for k, v in official_years.items()}
    for ind, yrs in off.groupby("indicator")["year"]:
        years.setdefault(ind, set()).update(int(y) for y in yrs)
    rows = rows.copy()
    for press, by in MEASURED_BY.items():
        covered = set.intersection(*(years.get(i, set()) for i in by))
        hit = (rows["press"] & (rows["indicator"] == press)
               & rows["year"].astype(int).isin(covered)).to_numpy()
        if hit.any():
            rows.loc[hit, "status"] = "superseded"
            names = " and ".join(f"{PREFIX}{i}" for i in by)
            rows.loc[hit, "note"] = [
                f"replaced by the official trade by partner (BNS) for {int(y)}: see {names}"
                f" ({OFFICIAL_SOURCE}) and the national-statistics rows"
                for y in rows.loc[hit, "year"]]
    return rows


def _official_in_panel(con, lo: int, hi: int) -> dict[str, set[int]]:
    """The years of KAZ's official trade by partner among this build's panel rows."""
    df = con.execute(
        f"SELECT DISTINCT indicator, year FROM panel WHERE focal = '{FOCAL}' "
        f"AND source LIKE '{NATIONAL_SOURCE}%' AND status = 'ok' "
        f"AND year BETWEEN {lo} AND {hi}").df()
    out: dict[str, set[int]] = {}
    for ind, y in zip(df["indicator"], df["year"], strict=True):
        out.setdefault(ind, set()).add(int(y))
    if "trade.goods.import" in out and "trade.goods.export" in out:
        out["trade.goods.turnover"] = out["trade.goods.import"] & out["trade.goods.export"]
    return out


def insert_embedded(con, lo: int, hi: int) -> tuple[int, list[dict]]:
    """Insert the embedded rows of the years ``lo..hi`` into ``panel`` (inside the build's
    transaction); the number of rows and the per-file counts (for ``panel_sources``)."""
    rows, files = embedded_rows(_official_in_panel(con, lo, hi), lo, hi)
    if len(rows):
        con.register("_p_emb", rows)
        con.execute("INSERT INTO panel SELECT * FROM _p_emb ORDER BY 1, 2, 4, 5").fetchall()
        con.unregister("_p_emb")
    return len(rows), files
