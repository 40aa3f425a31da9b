"""UN Comtrade bulk CSV -> ``trade_products``.

Two published layouts, detected from the header:

* **Comtrade+ (API / bulk download)**: ``typeCode, freqCode, refPeriodId, refYear, refMonth,
  period, reporterCode, reporterISO, reporterDesc, flowCode, flowDesc, partnerCode,
  partnerISO, partnerDesc, partner2Code, ..., classificationCode, cmdCode, cmdDesc,
  aggrLevel, isLeaf, customsCode, mosCode, motCode, qtyUnitCode, qty, ..., netWgt, ...,
  cifvalue, fobvalue, primaryValue, ...``;
* **legacy bulk CSV** (comtrade.un.org, before 2023): ``Classification, Year, Period,
  Period Desc., Aggregate Level, Is Leaf Code, Trade Flow Code, Trade Flow, Reporter Code,
  Reporter, Reporter ISO, Partner Code, Partner, Partner ISO, Commodity Code, Commodity,
  Qty Unit Code, Qty Unit, Qty, Netweight (kg), Trade Value (US$), Flag``.

Only HS6 import rows are used (``flowCode`` M / Trade Flow Code 1): exporter = partner,
importer = reporter, value = primaryValue (or Trade Value) / 1000 (thousand USD, as BACI),
quantity = net weight in tonnes. Other rows -- exports and re-exports (their mirror is the
partner's import), partner World (0), sub-breakdowns (partner2, mode of transport, customs
procedure other than the totals), codes other than six digits -- are quarantined with reason
``out_of_scope`` so the counts add up. Codes map through the crosswalk ``comtrade`` rows
(842 USA, 251 FRA, 381 ITA, 579 NOR, 699 IND, 757 CHE; 490 "Other Asia, nes" unmapped) and M49.

Source: United Nations, UN Comtrade Database, https://comtradeplus.un.org (bulk files by
reporter and year; partner and reporter codes: https://comtradeapi.un.org/files/v1/app/reference/).
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
    Scope,
    SourceFile,
    first_row_scope,
    map_codes,
    numeric,
    quarantine_frame,
    quarantine_rows,
    scope_filter,
)

NAME = "comtrade"
TABLE = "trade_products"
#: a newer file supersedes this source's earlier rows of the year and reporter (the importer)
#: it declares: bulk files come per reporter and year, so one reporter's file leaves others'
#: alone. The declaration is the file's first usable import row; rows of another year or
#: reporter are quarantined (``outside_scope``), never allowed to supersede theirs.
SUPERSEDES = ("year", "importer")
PLUS = {"year": "refYear", "reporter": "reporterCode", "partner": "partnerCode",
        "flow": "flowCode", "product": "cmdCode", "value": "primaryValue", "weight": "netWgt"}
LEGACY = {"year": "Year", "reporter": "Reporter Code", "partner": "Partner Code",
          "flow": "Trade Flow Code", "product": "Commodity Code", "value": "Trade Value (US$)",
          "weight": "Netweight (kg)"}
CHUNK_ROWS = 1_000_000


def files(path: str | Path) -> list[SourceFile]:
    p = Path(path)
    if p.is_dir():
        found = sorted([*p.glob("*.csv"), *p.glob("*.csv.gz"), *p.glob("*.txt"),
                        *p.glob("*.txt.gz")])
        if not found:
            raise SchemaError(f"{p}: no Comtrade CSV/TXT files in this folder")
        return [SourceFile(path=f) for f in found]
    if not p.exists():
        raise SchemaError(f"{p}: no such file or folder")
    return [SourceFile(path=p)]


def _sep(path: Path) -> str:
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", errors="replace") as fh:
        head = fh.readline()
    return "\t" if head.count("\t") > head.count(",") else ","


def scope(sf: SourceFile) -> Scope | None:
    """The (year, reporter) a Comtrade file declares: those of its first usable HS6 import row
    (a bulk file holds one reporter and year). None when it has no usable row."""
    return first_row_scope(read, sf, SUPERSEDES)


def read(sf: SourceFile, *, source: str = NAME, scoped: bool = True) -> Iterator[Chunk]:
    """Stream one Comtrade file as ``trade_products`` chunks; rows outside the (year,
    reporter) the file declares (:func:`scope`) are quarantined unless ``scoped=False``."""
    path = Path(sf.path)
    declared = (sf.scope or scope(sf)) if scoped else None
    sep = _sep(path)
    import gzip

    raw = path.open("rb")  # its position (compressed bytes) drives the progress bar
    stream = gzip.GzipFile(fileobj=raw) if path.suffix == ".gz" else raw
    try:
        it = pd.read_csv(stream, sep=sep, dtype=str, keep_default_na=False,
                         chunksize=CHUNK_ROWS, encoding="utf-8-sig")
    except (pd.errors.ParserError, ValueError) as exc:
        raw.close()
        raise SchemaError(f"{path}: cannot parse as CSV: {exc}") from exc
    try:
        yield from _chunks(it, path, raw, source, declared)
    finally:
        raw.close()


def _chunks(it, path: Path, raw, source: str, declared: Scope | None) -> Iterator[Chunk]:
    mapper = CodeMapper("comtrade")
    total = path.stat().st_size
    done = 0
    for df in it:
        cols = set(df.columns)
        if set(PLUS.values()) - {"netWgt"} <= cols:
            c, layout = PLUS, "plus"
        elif set(LEGACY.values()) - {"Netweight (kg)"} <= cols:
            c, layout = LEGACY, "legacy"
        else:
            raise SchemaError(f"{path} line 1: neither the Comtrade+ layout ({', '.join(PLUS.values())}) "
                              f"nor the legacy bulk layout ({', '.join(LEGACY.values())}); "
                              f"saw {list(df.columns)!r}")
        n = len(df)
        kw = {"source": source, "file": str(path), "lines": np.arange(n) + done + 2}
        qs: list[pd.DataFrame] = []
        ok = np.ones(n, dtype=bool)
        flow = df[c["flow"]].str.strip()
        is_import = flow.isin(["M", "1"]).to_numpy()
        prod = df[c["product"]].str.strip()
        scope = is_import & prod.str.fullmatch(r"\d{6}").to_numpy() & \
            (df[c["partner"]].str.strip() != "0").to_numpy()
        if layout == "plus":
            for col, total_code in (("partner2Code", "0"), ("motCode", "0"),
                                    ("customsCode", "C00")):
                if col in cols:
                    scope &= df[col].str.strip().isin([total_code, ""]).to_numpy()
        qs.append(quarantine_rows(ok & ~scope, column=c["flow"], values=flow.to_numpy(),
                                  reason=Reason.OUT_OF_SCOPE, notes=np.full(
                                      n, "only HS6 imports from a partner country, totals over "
                                         "partner2/mode/customs, are used", dtype=object), **kw))
        ok &= scope
        codes, ok = map_codes(df, (c["reporter"], c["partner"]), mapper, ok=ok, qs=qs, **kw)
        iso = {role: codes[c[role]] for role in ("reporter", "partner")}
        year, q, ok = numeric(df, c["year"], ok=ok, **kw)
        qs += q
        value, q, ok = numeric(df, c["value"], ok=ok, **kw)
        qs += q
        weight = pd.to_numeric(df[c["weight"]], errors="coerce").to_numpy("float64") \
            if c["weight"] in cols else np.full(n, np.nan)
        bad = ok & (iso["reporter"] == iso["partner"])
        qs.append(quarantine_rows(bad, column=c["partner"], values=df[c["partner"]].to_numpy(),
                                  reason=Reason.SELF_PARTNER, **kw))
        ok &= ~bad
        ok = scope_filter(declared, ok, {
            "year": (year, c["year"], df[c["year"]].to_numpy()),
            "importer": (iso["reporter"], c["reporter"], df[c["reporter"]].to_numpy())},
            qs, **kw)
        data = pd.DataFrame({"year": year[ok].astype("int64"), "exporter": iso["partner"][ok],
                             "importer": iso["reporter"][ok], "product": prod[ok].to_numpy(),
                             "value": value[ok] / 1000.0, "quantity": weight[ok] / 1000.0,
                             "source": source})
        q = [x for x in qs if len(x)]
        done += n
        yield Chunk(table=TABLE, data=data.reset_index(drop=True),
                    quarantine=pd.concat(q, ignore_index=True) if q else quarantine_frame([]),
                    rows_read=n, bytes_done=min(total, raw.tell()),
                    file=str(path), lines=kw["lines"][ok])
