"""CEPII BACI (bilateral trade at the HS6 level) -> ``trade_products``.

Layout as CEPII distributes it (one folder per HS revision and version, e.g.
``BACI_HS17_V202401b/``):

* ``BACI_HS17_Y2021_V202401b.csv``, one per year, columns ``t, i, j, k, v, q``: year,
  exporter and importer (BACI numeric country codes), HS6 product (written without its leading
  zero, ``10121``), value in thousand current USD, quantity in metric tons (``NA``, often
  padded with spaces, when unknown);
* ``country_codes_V202401b.csv`` (``country_code, country_name, country_iso2, country_iso3``;
  older versions ``country_name_abbreviation, ..., iso_3digit_alpha``);
* ``product_codes_HS17_V202401b.csv`` (``code, description``).

Source: Gaulier, G. & Zignago, S. (2010), "BACI: International Trade Database at the Product-
Level", CEPII Working Paper 2010-23; https://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=37

Country codes map through the crosswalk (``baci`` rows: 842 USA, 251 FRA, 381 ITA, 579 NOR,
699 IND, 757 CHE; 490 "Other Asia, nes" and other residuals are unmapped), then M49 in the
countries table, then the folder's own ISO3 column; every unmapped code is quarantined with
its name. Files are read in Arrow batches (fast on 10M-row years) with exact line numbers.
"""

from __future__ import annotations

import re
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
    map_column,
    quarantine_frame,
    quarantine_rows,
    scope_filter,
)

NAME = "baci"
TABLE = "trade_products"
#: a newer file supersedes this source's earlier rows of the year its name declares (a new
#: BACI version); its rows of any other year are quarantined (``outside_scope``)
SUPERSEDES = ("year",)
COLUMNS = ("t", "i", "j", "k", "v", "q")
FILE_RE = re.compile(r"^BACI_(?P<rev>HS\d\d)_Y(?P<year>\d{4})_(?P<ver>V\d{6}[a-z]?)\.csv(\.gz)?$",
                     re.IGNORECASE)
BLOCK = 1 << 25  # 32 MB per Arrow block


def files(path: str | Path) -> list[SourceFile]:
    """The yearly files of a BACI folder (or the one file given)."""
    p = Path(path)
    if p.is_dir():
        found = sorted(f for f in p.iterdir() if FILE_RE.match(f.name))
        if not found:
            raise SchemaError(f"{p}: no BACI_<rev>_Y<year>_<version>.csv files in this folder "
                              f"(expected e.g. BACI_HS17_Y2021_V202401b.csv)")
    elif p.exists():
        found = [p]
    else:
        raise SchemaError(f"{p}: no such file or folder")
    out = []
    for f in found:
        m = FILE_RE.match(f.name)
        ver = f"{m['rev']}_{m['ver']}" if m else ""
        out.append(SourceFile(path=f, version=ver, year=int(m["year"]) if m else None,
                              meta={"revision": m["rev"] if m else "",
                                    "baci_version": m["ver"] if m else ""}))
    return out


def scope(sf: SourceFile) -> Scope | None:
    """The year a BACI file declares: from its name (``BACI_HS17_Y2021_...``), else (a file
    renamed) from its first usable row."""
    if sf.year is not None:
        return Scope((("year", int(sf.year)),), origin=f"by its name {Path(sf.path).name}")
    return first_row_scope(read, sf, SUPERSEDES)


def country_file(folder: Path, version: str = "") -> Path | None:
    cands = sorted(folder.glob("country_codes_*.csv"))
    ver = version.split("_")[-1] if version else ""
    for c in cands:
        if ver and ver in c.name:
            return c
    return cands[0] if cands else None


def read_country_codes(path: Path) -> dict[str, str]:
    """BACI code -> ISO3 from the folder's country file (either column layout)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8",
                     encoding_errors="replace")
    iso_col = next((c for c in ("country_iso3", "iso_3digit_alpha") if c in df.columns), None)
    if "country_code" not in df.columns or iso_col is None:
        raise SchemaError(f"{path} line 1: expected columns country_code and country_iso3 "
                          f"(or iso_3digit_alpha); saw {list(df.columns)!r}")
    return {str(int(c)): i.strip().upper() for c, i in zip(df["country_code"], df[iso_col],
                                                            strict=True) if c.strip()}


def _to_number(arr, typ, col: str, ok: np.ndarray, qs: list, *, source: str, file: str,
               lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cast a text column fast (Arrow); on a bad cell fall back to pandas and quarantine it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        return pc.cast(arr, typ).to_numpy(zero_copy_only=False).astype("float64"), ok
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        text = arr.to_numpy(zero_copy_only=False)
        vals = pd.to_numeric(pd.Series(text), errors="coerce").to_numpy("float64")
        bad = ok & ~np.isfinite(vals)
        reason = {"v": Reason.BAD_VALUE, "t": Reason.BAD_YEAR}.get(col, Reason.UNMAPPED_CODE)
        qs.append(quarantine_rows(bad, source=source, file=file, lines=lines, column=col,
                                  values=text, reason=reason))
        return vals, ok & ~bad


def _encode(codes: np.ndarray, lut: dict[int, str]):
    """Integer country codes -> Arrow string array of ISO3 via a dictionary array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if codes.size == 0:
        return pa.array([], pa.string())
    dictionary = sorted({lut[int(c)] for c in np.unique(codes)})
    pos = {s: n for n, s in enumerate(dictionary)}
    keys = np.array(sorted(lut), dtype=np.int64)
    vals = np.array([pos.get(lut[int(c)], -1) for c in keys], dtype=np.int32)
    idx = vals[np.searchsorted(keys, codes)]
    return pc.cast(pa.DictionaryArray.from_arrays(pa.array(idx), pa.array(dictionary)),
                   pa.string())


def _open(path: Path):
    """An Arrow CSV reader over ``path`` (every column as text), its header checked."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        reader = pacsv.open_csv(
            path, read_options=pacsv.ReadOptions(block_size=BLOCK),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in COLUMNS}, strings_can_be_null=False))
    except (pa.ArrowInvalid, OSError) as exc:
        raise SchemaError(f"{path}: cannot read as a BACI CSV: {exc}") from exc
    names = reader.schema.names
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise SchemaError(f"{path} line 1: missing column(s) {', '.join(map(repr, missing))} of "
                          f"the BACI layout; saw columns {names!r}, expected {list(COLUMNS)!r}")
    return reader


def _check(cols: dict, declared, mapper: CodeMapper, kw: dict) -> tuple[dict, np.ndarray, list]:
    """Parse and check one batch's text columns: the numbers (``t``, ``i``, ``j``, ``v`` as
    float arrays, ``k`` the six-digit product codes), the rows still ok, and the quarantine
    frames of the rows that are not (bad number, negative value, bad year, out of scope, bad
    product code, unmapped country code)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(kw["lines"])
    qs: list[pd.DataFrame] = []
    ok = np.ones(n, dtype=bool)
    t, ok = _to_number(cols["t"], pa.int64(), "t", ok, qs, **kw)
    i, ok = _to_number(cols["i"], pa.int64(), "i", ok, qs, **kw)
    j, ok = _to_number(cols["j"], pa.int64(), "j", ok, qs, **kw)
    v, ok = _to_number(cols["v"], pa.float64(), "v", ok, qs, **kw)
    bad = ok & (v < 0)
    qs.append(quarantine_rows(bad, column="v", values=v, reason=Reason.NEGATIVE_VALUE, **kw))
    ok &= ~bad
    bad = ok & ((t < 1800) | (t > 2100) | (t % 1 != 0))
    qs.append(quarantine_rows(bad, column="t", values=t, reason=Reason.BAD_YEAR, **kw))
    ok &= ~bad
    ok = scope_filter(declared, ok, {"year": (t, "t", lambda c=cols["t"]: c.to_numpy(
        zero_copy_only=False))}, qs, **kw)
    k = pc.utf8_lpad(cols["k"], 6, "0")
    bad = ok & ~pc.match_substring_regex(k, r"^[0-9]{6}$").to_numpy(zero_copy_only=False)
    qs.append(quarantine_rows(bad, column="k", reason=Reason.BAD_PRODUCT,
                              values=cols["k"].to_numpy(zero_copy_only=False), **kw))
    ok &= ~bad
    ii = np.where(np.isfinite(i), i, -1).astype(np.int64)
    jj = np.where(np.isfinite(j), j, -1).astype(np.int64)
    for arr, col in ((ii, "i"), (jj, "j")):
        _, ok = map_column(arr, mapper, column=col, ok=ok, qs=qs, **kw)
    return {"t": t, "i": ii, "j": jj, "v": v, "k": k}, ok, qs


def _quantity(q_txt):
    """The optional quantity column as Arrow float64 (``NA``, blank and bad cells null)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    q_null = pc.if_else(pc.is_in(q_txt, pa.array(["NA", ""])),
                        pa.scalar(None, pa.string()), q_txt)
    try:
        return pc.cast(q_null, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # quantity is optional
        return pa.array(pd.to_numeric(pd.Series(q_null.to_numpy(zero_copy_only=False)),
                                      errors="coerce"), pa.float64())


def _frame(p: dict, q_txt, sel: np.ndarray, lut: dict[int, str], *, source: str,
           value_scale: float):
    """The loaded rows ``sel`` of one batch as a ``trade_products`` Arrow table."""
    import pyarrow as pa
    import pyarrow.compute as pc

    sel_pa = pa.array(sel, pa.int64())
    return pa.table({
        "year": pa.array(p["t"][sel].astype(np.int64)),
        "exporter": _encode(p["i"][sel], lut),
        "importer": _encode(p["j"][sel], lut),
        "product": pc.take(p["k"], sel_pa),
        "value": pa.array(p["v"][sel] * value_scale),
        "quantity": pc.take(_quantity(q_txt), sel_pa),
        "source": pa.array(np.full(sel.size, source, dtype=object), pa.string()),
    })


def _batch_bytes(batch) -> int:
    """Bytes of a batch: cell text plus one separator per cell (line ends included)."""
    import pyarrow.compute as pc

    return sum(int(pc.sum(pc.utf8_length(batch.column(c))).as_py() or 0)
               for c in COLUMNS) + batch.num_rows * len(COLUMNS)


def read(sf: SourceFile, *, source: str = NAME, scheme: str = "baci",
         value_scale: float = 1.0, scoped: bool = True) -> Iterator[Chunk]:
    """Stream one BACI-layout file as ``trade_products`` chunks (value in thousand USD).

    Every input row is either loaded or quarantined (bad year, value, product code, a
    country code without an ISO3 country, or a year other than the one the file declares,
    see :func:`scope`); ``rows_read`` of the chunks sum to the file's rows. ``scoped=False``
    keeps rows of any year (to find the year of a file whose name declares none).
    Each batch: open -> parse and check (:func:`_check`) -> frame (:func:`_frame`).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    path = Path(sf.path)
    cfile = country_file(path.parent, sf.version)
    mapper = CodeMapper(scheme, extra=read_country_codes(cfile) if cfile else {})
    fname = str(path)
    declared = (sf.scope or scope(sf)) if scoped else None
    reader = _open(path)
    total = path.stat().st_size
    done_rows = 0
    done_bytes = len(",".join(reader.schema.names)) + 1
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid as exc:
            raise SchemaError(f"{path} after line {done_rows + 1}: {exc}") from exc
        n = batch.num_rows
        lines = np.arange(n, dtype=np.int64) + done_rows + 2
        cols = {c: pc.utf8_trim_whitespace(batch.column(c)) for c in COLUMNS}
        kw = {"source": source, "file": fname, "lines": lines}
        parsed, ok, qs = _check(cols, declared, mapper, kw)
        sel = np.flatnonzero(ok)
        data = _frame(parsed, cols["q"], sel, mapper.lut(), source=source,
                      value_scale=value_scale)
        q = [x for x in qs if len(x)]
        qf = pd.concat(q, ignore_index=True) if q else quarantine_frame([])
        done_rows += n
        done_bytes += _batch_bytes(batch)
        yield Chunk(table=TABLE, data=data, quarantine=qf, rows_read=n,
                    bytes_done=min(total, done_bytes), file=fname, lines=lines[sel])
