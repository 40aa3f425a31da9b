"""Reader for the Bailey-Strezhnev-Voeten UNGA ideal-point file (``IdealpointestimatesAll``).

Columns read: ``ccode`` (COW), ``session``, ``NVotesAll``, ``IdealPointAll``, the posterior
quantiles ``Q5%All`` and ``Q95%All``, ``iso3c`` and the published agreement shares ``USAgree``,
``RUSSAgree``, ``ChinaAgree``, ``IndiaAgree``, ``BrazilAgree``, ``IsraelAgree``.

Canonical frame: session, year (= 1945 + session, the calendar year in which the session
opens), country (ISO3), n_votes, ideal, q05, q95 and one ``agree_<ISO3>`` column per published
agreement (``agree_USA``, ``agree_RUS``, ``agree_CHN``, ``agree_IND``, ``agree_BRA``,
``agree_ISR``). The published agreement is the share of roll calls in the session on which both
countries voted (yes, no or abstain) and voted alike; equipoise reproduces it exactly from
roll-call data where the vote sets coincide (tests/alignment).

Source: Bailey, M. A., Strezhnev, A. & Voeten, E. (2017) "Estimating Dynamic State Preferences
from United Nations Voting Data", Journal of Conflict Resolution 61(2): 430-456; data on
Harvard Dataverse hdl:1902.1/12379, file ``IdealpointestimatesAll_Jun2024`` (CC0).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, SchemaError

AGREE_COLUMNS = {
    "USAgree": "USA",
    "RUSSAgree": "RUS",
    "ChinaAgree": "CHN",
    "IndiaAgree": "IND",
    "BrazilAgree": "BRA",
    "IsraelAgree": "ISR",
}
REQUIRED = ("ccode", "session", "IdealPointAll")
CITATION = ("Bailey, Strezhnev & Voeten (2017), JCR 61(2); UNGA ideal points, Harvard Dataverse "
            "hdl:1902.1/12379")

__all__ = ["AGREE_COLUMNS", "CITATION", "published_agreement", "read_idealpoints"]


def read_idealpoints(path) -> pd.DataFrame:
    """Read the BSV ideal-point file (CSV, optionally gzipped) into the canonical frame.

    Countries are mapped from ``ccode`` through the readers' code mapper
    (:class:`~equipoise.sources._common.CodeMapper` ``cow``: the crosswalk, then the countries
    table; by the session's year for a code whose meaning changed, ``crosswalk_dated``: 345 is
    Serbia from session 61, 2006, and stays unmapped before, Yugoslavia and Serbia and
    Montenegro, as the file's ``iso3c`` says YUG throughout), falling back to the file's
    ``iso3c`` column where the code does not map (if it is
    a country of the countries table); rows mapping to neither are dropped, their distinct codes in
    ``frame.attrs['unmapped']`` (a list of (ccode, name)); ``frame.attrs['dropped_rows']``
    lists every row left out, (line, ccode, name, ``unmapped`` | ``duplicate``), a duplicate
    being a second row of one session and country.
    """
    from ._common import CodeMapper

    path = Path(path)
    if not path.exists():
        raise InputError(f"ideal-point file {path} does not exist")
    df = pd.read_csv(path)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise SchemaError(f"{path}: missing column(s) {missing}; expecting the BSV layout "
                          f"({', '.join(REQUIRED)}, Q5%All, Q95%All, USAgree, ...)")
    years = pd.to_numeric(df["session"], errors="coerce") + 1945
    iso, _ = CodeMapper("cow").map(df["ccode"].to_numpy(), years=years.to_numpy(),
                                   fallback=df["iso3c"].to_numpy() if "iso3c" in df else None)
    iso = pd.Series(iso, index=df.index, dtype="string").replace("", pd.NA)
    out = pd.DataFrame({
        "session": pd.to_numeric(df["session"], errors="coerce").astype("Int64"),
        "country": iso.astype("string"),
        "n_votes": pd.to_numeric(df.get("NVotesAll"), errors="coerce"),
        "ideal": pd.to_numeric(df["IdealPointAll"], errors="coerce"),
        "q05": pd.to_numeric(df.get("Q5%All"), errors="coerce"),
        "q95": pd.to_numeric(df.get("Q95%All"), errors="coerce"),
    })
    for col, code in AGREE_COLUMNS.items():
        out[f"agree_{code}"] = pd.to_numeric(df[col], errors="coerce") if col in df else np.nan
    bad = out["country"].isna() | out["session"].isna()
    names = df["Countryname"] if "Countryname" in df else df["ccode"]
    unmapped = sorted({(str(a), str(b)) for a, b in zip(
        df.loc[bad, "ccode"], names[bad], strict=True)})
    # every row left out, with its line (header = line 1): unmapped, then duplicates
    dropped = [(int(i) + 2, str(c), str(n), "unmapped")
               for i, c, n in zip(np.flatnonzero(bad.to_numpy()), df.loc[bad, "ccode"],
                                  names[bad], strict=True)]
    out = out[~bad].copy()
    out["session"] = out["session"].astype("int64")
    out.insert(1, "year", out["session"] + 1945)
    dup = out.duplicated(["session", "country"]).to_numpy()
    dropped += [(int(i) + 2, str(c), str(n), "duplicate")
                for i, c, n in zip(out.index[dup], df.loc[out.index[dup], "ccode"],
                                   names[out.index[dup]], strict=True)]
    out = out[~dup].reset_index(drop=True)
    out.attrs["unmapped"] = unmapped
    out.attrs["dropped_rows"] = sorted(dropped)
    out.attrs["source"] = f"{CITATION}; file {path.name}"
    return out


def published_agreement(frame: pd.DataFrame, focal: str) -> pd.DataFrame:
    """The published agreement of ``focal`` with each BSV reference country, long form.

    Returns session, year, pole, value, n_votes (the focal state's ``NVotesAll``).
    """
    f = frame[frame["country"] == focal]
    cols = [c for c in frame.columns if c.startswith("agree_")]
    long = f.melt(id_vars=["session", "year", "n_votes"], value_vars=cols, var_name="pole",
                  value_name="value")
    long["pole"] = long["pole"].str.removeprefix("agree_")
    return long.dropna(subset=["value"]).sort_values(["pole", "session"]).reset_index(drop=True)
