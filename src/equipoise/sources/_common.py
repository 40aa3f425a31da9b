"""Shared parts of the source readers: code mapping through the crosswalk, quarantine, chunks.

Every reader turns a file in a published layout into canonical tables (``flows``,
``trade_products``, ``corridor_nodes``/``corridor_edges``, ``memberships``, ``alliances``,
``event_counts``). Rows that cannot be used are never dropped silently: they go to the
quarantine with the file, line, column, value seen and a reason code, and the counts of rows
read, loaded and quarantined add up.

Country codes map to ISO3 through one path (:class:`CodeMapper`):

1. the shipped crosswalk (``reference/crosswalk.csv``) rows of the scheme (``baci``,
   ``comtrade``, ``cow`` (or ``cown``), ``imf``, ``iso2`` (or ``iso2c``), ``name``, ...): a row
   with an empty ``iso3`` is a code known to have no single ISO3 country (``490`` "Other Asia,
   nes"), quarantined with that note;
2. the countries table column of the scheme (``m49`` for BACI and Comtrade, ``cow`` for COW,
   ``iso2`` for ISO2, ``imf``/``iso3`` for IMF, normalised English names for names);
3. where the reader passes one, a fallback ISO3 per row (e.g. the file's own ``iso3c``
   column), used only where the code itself does not map and only if it is a country of the
   countries table;
4. anything else is quarantined as ``unmapped_code`` (or the reader's reason) naming the code.

Every reader maps its code columns with :func:`map_codes` (one column: :func:`map_column`;
a reader that keeps no quarantine of its own: :meth:`CodeMapper.map`): each distinct code is
looked up once, and a row whose code maps to nothing is quarantined with the reason, the
column, the value seen and the crosswalk's note.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import reference
from ..schema import QUARANTINE_COLUMNS, Reason, columns

#: The canonical tables of the file readers, with their columns (declared in
#: :mod:`equipoise.schema`; votes and ideal points come through their own readers).
TABLES: dict[str, tuple[str, ...]] = {
    name: columns(name) for name in ("flows", "trade_products", "corridor_nodes",
                                     "corridor_edges", "memberships", "alliances", "event_counts")
}

_EXPECTED = {
    Reason.UNMAPPED_CODE: "a code the crosswalk or the countries table maps to ISO3",
    Reason.UNKNOWN_NAME: "a country name the countries table or the crosswalk knows",
    Reason.NON_STATE_ACTOR: "a state (SIPRI marks non-state actors and organisations with * or **)",
    Reason.MISSING_VALUE: "a value (the source marks it missing)",
    Reason.BAD_VALUE: "a finite number",
    Reason.NEGATIVE_VALUE: "a number >= 0",
    Reason.BAD_YEAR: "an integer year between 1800 and 2100",
    Reason.BAD_PRODUCT: "an HS6 code of up to six digits",
    Reason.SELF_PARTNER: "two different countries",
    Reason.AGGREGATE: "a country (regional aggregates are not partners)",
    Reason.OUTSIDE_SCOPE: "a row of the scope the file declares",
    Reason.UNKNOWN_COUNTRY: "a country code the crosswalk or the countries table maps to ISO3",
}


def expected(reason: str) -> str:
    return _EXPECTED.get(reason, "a valid value")


@dataclass
class Chunk:
    """One piece of a reader's output: rows for one canonical table plus their quarantine.

    ``rows_read`` counts the input rows this chunk covers; ``rows_read == loaded rows +
    quarantined input rows`` for every chunk (a row that yields several canonical rows, e.g.
    a COW dyad giving two import flows, counts once).
    """

    table: str
    data: Any  # pandas DataFrame or pyarrow Table in the table's columns
    quarantine: pd.DataFrame
    rows_read: int
    bytes_done: int = 0
    file: str = ""
    lines: Any = None  # the input line of each data row, where the reader knows it


@dataclass(frozen=True)
class Scope:
    """What a file declares it holds, for the tables a newer file supersedes by.

    ``keys`` are (canonical column, value) pairs, e.g. ``(("year", 2020),)`` for a BACI year
    file or ``(("year", 2021), ("importer", "KAZ"))`` for a Comtrade reporter-year file;
    ``origin`` says where the declaration comes from ("by its name ...", "by its first usable
    row, line 2").
    A file's rows outside its scope are quarantined (reason ``outside_scope``), so a file can
    only ever supersede the scope it declares, never a year or reporter a stray row names.
    """

    keys: tuple[tuple[str, Any], ...]
    origin: str = ""

    def key(self) -> str:
        """The scope as stored in the ``loads`` manifest: ``year=2021;importer=KAZ``."""
        return ";".join(f"{k}={v}" for k, v in self.keys)

    def describe(self) -> str:
        names = {"importer": "reporter"}
        return ", ".join(f"{names.get(k, k)} {v}" for k, v in self.keys)

    def __str__(self) -> str:
        return self.describe()


def parse_scope(text: str | None) -> dict[str, str]:
    """``year=2021;importer=KAZ`` -> ``{"year": "2021", "importer": "KAZ"}`` ({} for none)."""
    if not text:
        return {}
    return dict(part.split("=", 1) for part in str(text).split(";") if "=" in part)


def scope_filter(scope: Scope | None, ok: np.ndarray, fields: dict[str, tuple[Any, str, Any]],
                 qs: list, *, source: str, file: str, lines: np.ndarray) -> np.ndarray:
    """Quarantine the rows (still ``ok``) outside the file's declared ``scope``.

    ``fields`` maps each scope key to (canonical values, input column, input values), e.g.
    ``{"year": (t, "t", t)}`` (the input values may be a function giving them, called only
    when a row is rejected); a rejected row is quarantined once, at the first key it fails,
    naming the input column and value. Returns the new ``ok`` mask.
    """
    if scope is None:
        return ok
    note = (f"the file declares {scope.describe()} {scope.origin}; it may not load or "
            f"supersede another {' or '.join(dict(scope.keys)).replace('importer', 'reporter')}")
    for key, want in scope.keys:
        values, column, raw = fields[key]
        bad = ok & (np.asarray(values) != want)
        if bad.any():
            raw = raw() if callable(raw) else raw
            qs.append(quarantine_rows(bad, source=source, file=file, lines=lines, column=column,
                                      values=raw, reason=Reason.OUTSIDE_SCOPE,
                                      notes=np.full(len(bad), note, dtype=object)))
            ok = ok & ~bad
    return ok


def first_row_scope(read: Any, sf: Any, keys: tuple[str, ...], **options: Any) -> Scope | None:
    """The scope declared by a file's first usable row (for files whose name declares none):
    reads until the reader yields a row, unscoped. None when the file has no usable row."""
    from dataclasses import replace

    for ch in read(replace(sf, scope=None), scoped=False, **options):
        data = ch.data
        if data is None or len(data) == 0:
            continue
        if isinstance(data, pd.DataFrame):
            vals = [data[k].iloc[0] for k in keys]
        else:
            vals = [data.column(k)[0].as_py() for k in keys]
        vals = [int(v) if k == "year" else str(v) for k, v in zip(keys, vals, strict=True)]
        line = f"line {int(ch.lines[0])}" if ch.lines is not None and len(ch.lines) else ""
        return Scope(tuple(zip(keys, vals, strict=True)),
                     origin=f"by its first usable row{', ' + line if line else ''}")
    return None


@dataclass
class SourceFile:
    """One input file of a source: path, version label and size; ``scope`` is what it
    declares it holds (see :class:`Scope`), set by the reader's ``scope()``."""

    path: Path
    version: str = ""
    year: int | None = None
    meta: dict = field(default_factory=dict)
    scope: Scope | None = None


def quarantine_frame(rows: Iterable[dict] | pd.DataFrame) -> pd.DataFrame:
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "line" else "object")
                             for c in QUARANTINE_COLUMNS})
    for c in QUARANTINE_COLUMNS:
        if c not in df.columns:
            df[c] = ""
    df = df[list(QUARANTINE_COLUMNS)].copy()
    df["line"] = df["line"].astype("int64")
    for c in QUARANTINE_COLUMNS:
        if c != "line":
            df[c] = df[c].astype(str)
    return df


def quarantine_rows(mask: np.ndarray, *, source: str, file: str, lines: np.ndarray,
                    column: str, values: Any, reason: str, notes: Any = None) -> pd.DataFrame:
    """Quarantine rows where ``mask`` is true, vectorised. ``notes`` adds a per-row detail."""
    idx = np.flatnonzero(np.asarray(mask, dtype=bool))
    if idx.size == 0:
        return quarantine_frame([])
    vals = pd.Series(np.asarray(values, dtype=object)[idx]).astype(str)
    msg = str(reason) + ": saw " + vals.map(repr) + ", expected " + expected(reason)
    if notes is not None:
        note = pd.Series(np.asarray(notes, dtype=object)[idx]).astype(str)
        msg = msg + np.where(note != "", " (" + note + ")", "")
    return quarantine_frame(pd.DataFrame({
        "source": source, "file": file, "line": np.asarray(lines)[idx], "column": column,
        "value": vals.to_numpy(), "reason": str(reason), "message": msg.to_numpy()}))


def _missing(code: Any) -> bool:
    """A missing code: None, NaN, ``pd.NA`` or ``NaT``."""
    try:
        return bool(pd.isna(code))
    except (TypeError, ValueError):
        return False


def normalise_name(name: str) -> str:
    """Lower case, accents and punctuation removed, '&' as 'and', 'St.' as 'saint'."""
    s = str(name).replace("\u2019", "'").replace("\u2018", "'")
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    s = s.lower().replace("&", " and ")
    s = re.sub(r"\bst\.?\s", "saint ", s)
    s = re.sub(r"[^a-z0-9' ]+", " ", s)
    return re.sub(r"\s+", " ", s).strip()


class CodeMapper:
    """Map one scheme's country codes (or names) to ISO3 through the crosswalk.

    Parameters
    ----------
    scheme
        ``baci``, ``comtrade`` (numeric, via M49), ``cow`` (COW numeric), ``iso2`` (ISO 3166
        alpha-2), ``imf`` (IMF counterpart ids, ISO3 mostly), ``iso3``, or a name scheme
        (``sipri``, ``gem``, ...) which uses the crosswalk ``name`` rows, then the scheme's own
        rows, then the countries table's names. The crosswalk rows of a scheme's alias count
        as its own (``cown`` for ``cow``, ``iso2c`` for ``iso2``: the countrycode names).
    extra
        Additional code -> ISO3 pairs of lower priority than the crosswalk (e.g. BACI's own
        country file).

    A row of the reference table ``crosswalk_dated`` is a code whose meaning changed: it
    applies to the rows of its ``start_year`` and later when the reader gives each row's year
    (``map(..., years=)``), the row with the latest ``start_year`` not after the year winning
    (COW 345: Yugoslavia, unmapped by the crosswalk, then Serbia from 2006). Without years,
    or before the first ``start_year``, the crosswalk's (undated) mapping holds.
    """

    NUMERIC = {"baci": "m49", "comtrade": "m49", "cow": "cow", "m49": "m49"}
    #: code schemes read from a text column of the countries table (matched in upper case)
    TEXT = {"iso2": "iso2"}
    #: other names of a scheme in the crosswalk's ``scheme`` column
    ALIASES = {"cow": ("cown",), "iso2": ("iso2c",)}

    def __init__(self, scheme: str, extra: dict[str, str] | None = None):
        self.scheme = scheme
        countries = reference.load("countries")
        xw = reference.load("crosswalk")
        self.is_name = scheme not in {*self.NUMERIC, *self.TEXT, "imf", "iso3"}
        mapping: dict[str, str] = {}
        notes: dict[str, str] = {}
        #: code -> [(start year, ISO3 or "", name)], ascending: the dated crosswalk rows
        self.dated: dict[str, list[tuple[int, str, str]]] = {}
        if self.is_name:
            for _, r in countries.iterrows():
                mapping[normalise_name(r["name"])] = r["iso3"]
                mapping[normalise_name(r["iso3"])] = r["iso3"]
            schemes = ("name", scheme)
        else:
            col = self.NUMERIC.get(scheme)
            if col:
                for code, iso in zip(countries[col], countries["iso3"], strict=True):
                    if code:
                        mapping[str(int(code))] = iso
            elif scheme in self.TEXT:
                for code, iso in zip(countries[self.TEXT[scheme]], countries["iso3"],
                                     strict=True):
                    if code:
                        mapping[self._key(code)] = iso
            else:
                for iso in countries["iso3"]:
                    mapping[iso] = iso
            schemes = (scheme, *self.ALIASES.get(scheme, ()))
        for k, v in (extra or {}).items():
            if v in reference.country_codes():
                mapping.setdefault(self._key(k), v)
        for s in schemes:
            for _, r in xw[xw["scheme"] == s].iterrows():
                key = self._key(r["code"])
                mapping[key] = r["iso3"]
                if not r["iso3"]:
                    notes[key] = r["name"]
        dated = reference.load("crosswalk_dated")
        for _, r in dated[dated["scheme"].isin(schemes)].iterrows():
            self.dated.setdefault(self._key(r["code"]), []).append(
                (int(r["start_year"]), r["iso3"], r["name"]))
        for periods in self.dated.values():
            periods.sort()
        self.mapping = mapping
        self.notes = notes
        self._cache: dict[Any, tuple[str, str]] = {}

    def _key(self, code: Any) -> str:
        if self.is_name:
            return normalise_name(code)
        s = str(code).strip()
        if self.scheme in self.NUMERIC:
            try:
                f = float(s)
            except ValueError:
                return s
            # "705" and "705.0" are one code; "705.5" is no code (kept as seen: unmapped)
            return str(int(f)) if f.is_integer() else s
        return s.upper()

    def lookup(self, code: Any) -> tuple[str, str]:
        """(ISO3 or "", why it is unmapped or "") of one code, cached per mapper."""
        hit = self._cache.get(code)
        if hit is None:
            key = "" if _missing(code) else self._key(code)
            iso = self.mapping.get(key, "")
            note = "" if iso else "no code given" if key == "" else self.notes.get(
                key, f"not in the {self.scheme} crosswalk or the countries table")
            hit = self._cache[code] = (iso, note)
        return hit

    def factorize(self, codes: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(position of each code among the distinct codes, ISO3 per distinct code, note per
        distinct code): each distinct code is looked up once."""
        if isinstance(codes, pd.Series | pd.api.extensions.ExtensionArray):
            arr = codes  # factorized as is (an Arrow string column is not copied to objects)
        else:
            arr = np.asarray(codes)
            if arr.dtype.kind not in "iu":
                arr = arr.astype(object)
        inv, uniq = pd.factorize(arr, use_na_sentinel=False)
        found = [self.lookup(u) for u in uniq.tolist()]
        iso = np.array([f[0] for f in found], dtype=object)
        note = np.array([f[1] for f in found], dtype=object)
        return np.asarray(inv, dtype=np.int64), iso, note

    def map(self, codes: Any, *, prefer: Any = None, fallback: Any = None, years: Any = None
            ) -> tuple[np.ndarray, np.ndarray]:
        """ISO3 per code (``""`` where unmapped) and a note per code (why it is unmapped).

        ``years``: the year of each row; a code with dated crosswalk rows (``start_year``)
        then maps by the latest of them not after the row's year (see the class). ``prefer``:
        ISO3 per row already known (e.g. from an ISO3 column), used where not empty, before
        the code. ``fallback``: ISO3 per row used only where the code does not map (e.g. the
        file's own ISO3 column beside a COW code); a fallback that is not a country of the
        countries table (empty, missing, ``DDR``) is ignored.
        """
        inv, iso_u, note_u = self.factorize(codes)
        iso, note = iso_u[inv], note_u[inv]
        if years is not None and self.dated:
            iso, note = self._by_year(codes, inv, iso, note, years)
        if prefer is not None:
            prefer = np.asarray(prefer, dtype=object)
            iso = np.where(prefer == "", iso, prefer)
        if fallback is not None:
            known = pd.Series(np.asarray(fallback, dtype=object)).isin(
                reference.country_codes()).to_numpy()
            iso = np.where((iso == "") & known, np.asarray(fallback, dtype=object), iso)
        return iso, note

    def _by_year(self, codes: Any, inv: np.ndarray, iso: np.ndarray, note: np.ndarray,
                 years: Any) -> tuple[np.ndarray, np.ndarray]:
        """``iso`` and ``note`` with the dated crosswalk rows applied to the rows of their
        years (a missing year: the undated mapping)."""
        yrs = pd.to_numeric(pd.Series(np.asarray(years, dtype=object)),
                            errors="coerce").to_numpy(dtype=float)
        iso, note = iso.copy(), note.copy()
        first = pd.Series(np.arange(len(inv))).groupby(inv).first()
        arr = np.asarray(codes, dtype=object)
        for j, row in first.items():
            code = arr[row]
            periods = None if _missing(code) else self.dated.get(self._key(code))
            for start, iso3, name in periods or ():
                sel = (inv == j) & (yrs >= start)
                iso[sel] = iso3
                note[sel] = "" if iso3 else name
        return iso, note

    def lut(self) -> dict[Any, str]:
        """Every code looked up so far that maps, with its ISO3."""
        return {k: iso for k, (iso, _) in self._cache.items() if iso}


def map_column(codes: Any, mapper: CodeMapper, *, column: str, ok: np.ndarray, qs: list,
               source: str, file: str, lines: np.ndarray, reason: str = Reason.UNMAPPED_CODE,
               values: Any = None, prefer: Any = None, fallback: Any = None,
               labels: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Map one column of country codes (or names) to ISO3 and quarantine what does not map.

    Vectorised: each distinct code is looked up once (:meth:`CodeMapper.factorize`). A row
    still ``ok`` whose code maps to nothing goes to ``qs`` with ``reason``, ``column``, the
    value seen (``values``, default the codes; or a function of the rejected rows' positions
    giving theirs) and why it is unmapped (the crosswalk's note, after the row's ``labels``
    entry where given, e.g. the country name the file gives). Values and labels are read for
    the rejected rows only.
    ``prefer``: ISO3 per row already known, used where not empty, before the code;
    ``fallback``: ISO3 per row used only where the code does not map (see
    :meth:`CodeMapper.map`).

    Returns the ISO3 per row (``""`` where unmapped) and the new ``ok``.
    """
    iso, note = mapper.map(codes, prefer=prefer, fallback=fallback)
    bad = ok & (iso == "")
    if bad.any():
        idx = np.flatnonzero(bad)
        note = note[idx]
        if labels is not None:
            label = pd.Series(_take(labels, idx), dtype=object).fillna("").astype(str).to_numpy()
            note = np.where(label != "", label + ": " + note, note)
        seen = values(idx) if callable(values) else _take(codes if values is None else values,
                                                          idx)
        qs.append(quarantine_rows(np.ones(idx.size, dtype=bool), source=source, file=file,
                                  lines=np.asarray(lines)[idx], column=column, values=seen,
                                  reason=reason, notes=note))
    return iso, ok & ~bad


def _take(values: Any, idx: np.ndarray) -> np.ndarray:
    """The entries at ``idx`` of a Series, an array or a list, as objects (only those copied)."""
    if isinstance(values, pd.Series):
        return values.iloc[idx].to_numpy(dtype=object)
    if isinstance(values, pd.api.extensions.ExtensionArray):
        return np.asarray(values.take(idx), dtype=object)
    return np.asarray(values, dtype=object)[idx]


def map_codes(df: pd.DataFrame, cols: Iterable[str], mapper: CodeMapper, *, ok: np.ndarray,
              qs: list, source: str, file: str, lines: np.ndarray,
              reason: str = Reason.UNMAPPED_CODE) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """:func:`map_column` for each of ``cols`` of ``df`` in turn (a row is quarantined once,
    at the first column that does not map). Returns ISO3 per row by column, and the new
    ``ok``."""
    out = {}
    for col in cols:
        out[col], ok = map_column(df[col].to_numpy(), mapper, column=col, ok=ok, qs=qs,
                                  source=source, file=file, lines=lines, reason=reason)
    return out, ok


def single(table: str, data: pd.DataFrame, quarantines: list[pd.DataFrame], rows_read: int,
           file: str) -> Iterator[Chunk]:
    q = [x for x in quarantines if len(x)]
    qf = pd.concat(q, ignore_index=True) if q else quarantine_frame([])
    yield Chunk(table=table, data=data.reset_index(drop=True), quarantine=qf,
                rows_read=rows_read, file=file)


def flows_frame(*, year, reporter, partner, domain: str, indicator: str, value, unit: str,
                source: str, product=None) -> pd.DataFrame:
    n = len(np.asarray(year))
    return pd.DataFrame({
        "year": np.asarray(year, dtype="int64"), "reporter": np.asarray(reporter, dtype=object),
        "partner": np.asarray(partner, dtype=object), "domain": domain, "indicator": indicator,
        "product": np.asarray(product if product is not None else [None] * n, dtype=object),
        "value": np.asarray(value, dtype="float64"), "unit": unit, "source": source})


def read_csv_text(path: Path, **kw) -> pd.DataFrame:
    """Read a (possibly gzipped) CSV as text cells, with a clear error when it cannot be parsed."""
    from ..errors import SchemaError

    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, **kw)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise SchemaError(f"{path}: cannot parse as CSV: {exc}") from exc


def require_columns(df: pd.DataFrame, needed: Iterable[str], path: Path, layout: str) -> None:
    from ..errors import SchemaError

    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise SchemaError(f"{path} line 1: missing column(s) {', '.join(map(repr, missing))} of "
                          f"the {layout} layout; saw columns {list(df.columns)!r}")


def numeric(df: pd.DataFrame, col: str, *, source: str, file: str, lines: np.ndarray,
            ok: np.ndarray, missing: Iterable[str] = ("", "NA"), allow_negative: bool = False
            ) -> tuple[np.ndarray, list[pd.DataFrame], np.ndarray]:
    """Parse a numeric text column; quarantine blanks/missing markers and non-numbers."""
    raw = df[col].astype(str).str.strip()
    num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64")
    miss = raw.isin(list(missing)).to_numpy()
    qs = [quarantine_rows(ok & miss, source=source, file=file, lines=lines, column=col,
                          values=raw.to_numpy(), reason=Reason.MISSING_VALUE)]
    ok = ok & ~miss
    bad = ok & ~np.isfinite(num)
    qs.append(quarantine_rows(bad, source=source, file=file, lines=lines, column=col,
                              values=raw.to_numpy(), reason=Reason.BAD_VALUE))
    ok = ok & ~bad
    if not allow_negative:
        neg = ok & (num < 0)
        qs.append(quarantine_rows(neg, source=source, file=file, lines=lines, column=col,
                                  values=raw.to_numpy(), reason=Reason.NEGATIVE_VALUE))
        ok = ok & ~neg
    return num, qs, ok


def file_counts(path: Path, role: str, read: int, q: pd.DataFrame, out: int,
                agg: int = 0) -> dict:
    """The counts of one file for a build's ``panel_sources``: ``rows_read = rows_loaded +
    rows_quarantined``; ``rows_out`` the frame's rows; ``rows_aggregate`` rows counted as
    aggregates (a total, a region, a unit outside the frame's scope), loaded but not output."""
    return {"file": path.name, "role": role, "rows_read": int(read),
            "rows_quarantined": len(q), "rows_loaded": int(read - len(q)), "rows_out": int(out),
            "rows_aggregate": int(agg)}


def flag(df: pd.DataFrame, col: str) -> np.ndarray:
    """A text column of booleans (``True``/``1``) as a bool array."""
    return df[col].astype(str).str.strip().str.lower().isin(["true", "1"]).to_numpy()


def chunk_of(table: str, frame: pd.DataFrame, counts: dict, q: pd.DataFrame,
             path: Path) -> Chunk:
    """A reader's :class:`Chunk` from a ``read_frame`` result (rows read from its counts)."""
    return Chunk(table=table, data=frame.reset_index(drop=True), quarantine=quarantine_frame(q),
                 rows_read=int(counts["rows_read"]), file=str(path))


def first_file(path: str | Path, pattern: str) -> list[SourceFile]:
    """``path`` itself, or the first ``.csv``/``.csv.gz`` file of the folder ``path`` matching
    ``pattern`` (sorted by name), as a one-element list of :class:`SourceFile`.

    Raises
    ------
    SchemaError : no file matches in the folder, or ``path`` does not exist.
    """
    from ..errors import SchemaError

    p = Path(path)
    if p.is_dir():
        hits = sorted(h for h in p.glob(pattern) if h.name.endswith((".csv", ".csv.gz")))
        if not hits:
            raise SchemaError(f"{p}: no file matching {pattern!r} here")
        p = hits[0]
    if not p.exists():
        raise SchemaError(f"{p}: no such file")
    return [SourceFile(path=p)]
