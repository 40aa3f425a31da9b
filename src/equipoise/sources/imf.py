"""IMF Direct Investment Positions (DIP, formerly CDIS) -> ``flows``.

Layout: the data.imf.org CSV export of dataflow ``IMF.STA:DIP`` with columns ``COUNTRY.ID``
(reporting economy, ISO3), ``DV_TYPE.ID`` (``O`` reported official data, ``SCC`` derived from
counterpart data), ``INDICATOR.ID``, ``COUNTERPART_COUNTRY.ID``, ``TIME_PERIOD``,
``OBS_VALUE`` (million USD).

* inward indicators (``INWD_...``): the reporter's inward position from each counterpart ->
  ``finance.fdi.stock`` (USD bn), reporter = reporting economy, partner = counterpart;
* outward indicators (``OTWD_...``): the reporter's outward position in each counterpart ->
  ``finance.fdi.position_partner_reported`` (USD mn), reporter = the host (counterpart),
  partner = the investor (reporting economy).

**One of the reported and derived rows per key.** About 43 % of (reporter, counterpart, year)
keys carry both a reported (``O``) and a derived (``SCC``) row. equipoise keeps the reported
row where there is one and the derived row otherwise (``prefer="reported"``, the default;
``prefer="derived"`` reverses it); the row not kept is quarantined with reason ``superseded``,
so nothing disappears silently. Counterpart aggregates (``GX...``, ``U...``) are quarantined
as ``aggregate``; ``G001`` (World) becomes ``WLD``. Negative net positions are quarantined
(``negative_value``): the canonical flows hold non-negative values.

Source: International Monetary Fund, Direct Investment Positions by Counterpart Economy (DIP),
https://data.imf.org (dataflow IMF.STA:DIP), reused with attribution under the IMF terms.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from .._options import check_option
from ..errors import SchemaError
from ..schema import Reason
from ._common import (
    Chunk,
    CodeMapper,
    SourceFile,
    flows_frame,
    map_codes,
    numeric,
    quarantine_rows,
    read_csv_text,
    require_columns,
    single,
)

NAME = "imf-dip"
REQUIRED = ("COUNTRY.ID", "DV_TYPE.ID", "INDICATOR.ID", "COUNTERPART_COUNTRY.ID", "TIME_PERIOD",
            "OBS_VALUE")


def files(path: str | Path) -> list[SourceFile]:
    p = Path(path)
    if not p.exists():
        raise SchemaError(f"{p}: no such file")
    return [SourceFile(path=p)]


def read(sf: SourceFile, *, source: str = NAME, prefer: str = "reported") -> Iterator[Chunk]:
    check_option("prefer", prefer, ("reported", "derived"))
    path = Path(sf.path)
    df = read_csv_text(path)
    require_columns(df, REQUIRED, path, "IMF DIP")
    n = len(df)
    lines = np.arange(n) + 2
    kw = {"source": source, "file": str(path), "lines": lines}
    qs: list[pd.DataFrame] = []
    ok = np.ones(n, dtype=bool)
    cp = df["COUNTERPART_COUNTRY.ID"].str.strip()
    agg = cp.str.match(r"^(GX|U)\d+$").to_numpy()
    qs.append(quarantine_rows(ok & agg, column="COUNTERPART_COUNTRY.ID", values=cp.to_numpy(),
                              reason=Reason.AGGREGATE,
                              notes=df.get("COUNTERPART_COUNTRY", cp).to_numpy(), **kw))
    ok &= ~agg
    iso, ok = map_codes(df, ("COUNTRY.ID", "COUNTERPART_COUNTRY.ID"), CodeMapper("imf"), ok=ok,
                        qs=qs, **kw)
    year, q, ok = numeric(df, "TIME_PERIOD", ok=ok, **kw)
    qs += q
    value, q, ok = numeric(df, "OBS_VALUE", ok=ok, **kw)
    qs += q
    inward = df["INDICATOR.ID"].str.startswith("INWD").to_numpy()
    outward = df["INDICATOR.ID"].str.startswith("OTWD").to_numpy()
    bad = ok & ~(inward | outward)
    qs.append(quarantine_rows(bad, column="INDICATOR.ID", values=df["INDICATOR.ID"].to_numpy(),
                              reason=Reason.BAD_VALUE, **kw))
    ok &= ~bad
    reporter = np.where(inward, iso["COUNTRY.ID"], iso["COUNTERPART_COUNTRY.ID"])
    partner = np.where(inward, iso["COUNTERPART_COUNTRY.ID"], iso["COUNTRY.ID"])
    bad = ok & (reporter == "WLD")
    qs.append(quarantine_rows(bad, column="COUNTERPART_COUNTRY.ID", values=cp.to_numpy(),
                              reason=Reason.AGGREGATE, **kw))
    ok &= ~bad
    # one of reported / derived per key
    first = "O" if prefer == "reported" else "SCC"
    key = pd.DataFrame({"r": reporter, "p": partner, "y": year, "ind": inward,
                        "rank": np.where(df["DV_TYPE.ID"].str.strip() == first, 0, 1),
                        "i": np.arange(n)})[ok]
    key = key.sort_values(["r", "p", "y", "ind", "rank", "i"])
    dup = key.duplicated(["r", "p", "y", "ind"], keep="first")
    sup = np.zeros(n, dtype=bool)
    sup[key["i"][dup].to_numpy()] = True
    qs.append(quarantine_rows(sup, column="DV_TYPE.ID", values=df["DV_TYPE.ID"].to_numpy(),
                              reason=Reason.SUPERSEDED, notes=np.full(
                                  n, f"another row of this key was kept (prefer={prefer!r})",
                                  dtype=object), **kw))
    ok &= ~sup
    bad = ok & (reporter == partner)
    qs.append(quarantine_rows(bad, column="COUNTERPART_COUNTRY.ID", values=cp.to_numpy(),
                              reason=Reason.SELF_PARTNER, **kw))
    ok &= ~bad
    neg = ok & (value < 0)
    qs.append(quarantine_rows(neg, column="OBS_VALUE", values=value, reason=Reason.NEGATIVE_VALUE,
                              notes=np.full(n, "a net disinvestment position", dtype=object),
                              **kw))
    ok &= ~neg
    cite = (f"IMF Direct Investment Positions (DIP), data.imf.org IMF.STA:DIP "
            f"({prefer} preferred), {path.name}")
    frames = []
    for mask, ind, unit, scale in ((ok & inward, "finance.fdi.stock", "USD bn", 1e-3),
                                   (ok & outward, "finance.fdi.position_partner_reported",
                                    "USD mn", 1.0)):
        frames.append(flows_frame(year=year[mask], reporter=reporter[mask],
                                  partner=partner[mask], domain="finance", indicator=ind,
                                  value=value[mask] * scale, unit=unit, source=cite))
    yield from single("flows", pd.concat(frames, ignore_index=True), qs, n, str(path))
