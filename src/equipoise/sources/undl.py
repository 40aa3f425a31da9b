"""Reader for the UN Digital Library's General Assembly recorded votes, stacked by year
(``unga_votes_by_year_1992_2022.csv.gz``: a third-party scrape of the UN Digital Library's
"Voting Data", 1992 to May 2022).

Layout: one row per member state and recorded vote, columns ``year`` (calendar year of the
vote), ``res_seq`` (0-based order of the resolution within that year's scrape, the Digital
Library's page order, not chronological; not a UN symbol), ``country_un`` (the UN's English name), ``iso3`` and ``vote`` (``Y`` yes, ``N`` no,
``A`` abstain, ``X`` non-voting or absent).

Canonical frame (the ``votes`` table): rcid, year, session, country, vote, as
:class:`~equipoise.sources.unvotes.VoteSet`:

- ``rcid`` = :data:`RCID_BASE` + year x 1000 + res_seq. The file has no resolution symbols,
  so its votes cannot be linked to Voeten's roll calls; the offset keeps the two apart
  (Voeten's rcids are below 10,000).
- ``session`` = year - 1945, the session that opens in that year. The file has no dates; most
  recorded plenary votes fall in the autumn part of that session, but a vote from January to
  August belongs to the session before (and 2022's three votes to the 11th emergency special
  session). Nothing in equipoise reads the session of these votes.
- ``vote``: yes / no / abstain / absent.
- ``country``: the file's ``iso3`` when it is a code the countries table knows, else the UN
  name looked up in the countries table and the crosswalk. The file's CSK (Czechoslovakia)
  and YUG (Yugoslavia) are neither, so their votes are quarantined (``unknown_name``): the
  countries table holds today's states, and neither has one successor.

Quarantined, each with file, line, column, value seen and what was expected: a year that is
not an integer between 1946 and 2100 (``bad_year``); a ``res_seq`` that is not an integer
between 0 and 999 (``bad_value``); a vote other than Y/N/A/X (``bad_vote``); a country
neither code nor name maps (``unknown_name``); a second row for the same year, resolution and
country (``duplicate_key``; the first is kept). ``counts``: read = loaded + quarantined.

Source: United Nations, Dag Hammarskjöld Library, General Assembly Voting Data
(digitallibrary.un.org), non-commercial use with attribution; scraped by J. Witwicki,
github.com/jacqueline-witwicki/UNGA_Voting_Coincidences_Over_Time. Only adopted resolutions
voted by recorded vote are in it (no amendments, paragraph votes or failed drafts), so a year
has fewer votes than in Voeten's roll-call data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SchemaError
from ..schema import SET_QUARANTINE_COLUMNS, Reason
from ._common import (
    Chunk,
    CodeMapper,
    SourceFile,
    map_column,
    quarantine_frame,
    read_csv_text,
)

NAME = "undl"
REQUIRED = ("year", "res_seq", "country_un", "iso3", "vote")
VOTES = {"Y": "yes", "N": "no", "A": "abstain", "X": "absent"}
#: rcid = RCID_BASE + year * 1000 + res_seq (never one of Voeten's rcids)
RCID_BASE = 10_000_000
CITATION = ("United Nations Dag Hammarskjöld Library, General Assembly Voting Data (UN Digital "
            "Library), scraped by J. Witwicki (UNGA_Voting_Coincidences_Over_Time)")

__all__ = ["CITATION", "NAME", "RCID_BASE", "files", "read", "read_undl"]


def files(path: str | Path) -> list[SourceFile]:
    """The file itself, or the ``unga_votes_by_year*.csv[.gz]`` file of a folder."""
    p = Path(path)
    if p.is_dir():
        hits = sorted(p.glob("unga_votes_by_year*.csv*"))
        if not hits:
            raise SchemaError(f"{p}: no unga_votes_by_year*.csv[.gz] file in this folder")
        p = hits[0]
    if not p.exists():
        raise SchemaError(f"{p}: no such file")
    return [SourceFile(path=p, version="UNDL")]


def _bad(path: Path, lines: np.ndarray, column: str, values, reason: Reason,
         expected: str) -> pd.DataFrame:
    values = pd.Series(values, dtype="string").fillna("").to_numpy()
    return pd.DataFrame({
        "source": str(path), "line": np.asarray(lines, dtype="int64"), "column": column,
        "value": values, "reason": str(reason),
        "message": [f"{reason}: saw {column} {v!r}, expected {expected}" for v in values]})


def _numbers(col: pd.Series) -> np.ndarray:
    """A text column as floats (NaN where not a number), each distinct text parsed once."""
    code, uniq = pd.factorize(col)
    vals = pd.to_numeric(pd.Series(uniq, dtype=object).str.strip(), errors="coerce")
    return np.append(vals.to_numpy(dtype="float64"), np.nan)[code]


def _countries(df: pd.DataFrame, ok: np.ndarray, qs: list, path: Path,
               lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ISO3 per row: the file's code when the countries table knows it, else the UN name
    mapped (:func:`~equipoise.sources._common.map_column` with ``prefer``); '' when neither.
    A row still ``ok`` whose country maps to nothing goes to ``qs`` (``unknown_name``, with
    the crosswalk's note). Returns the ISO3 per row and the new ``ok``."""
    from .. import reference

    iso = df["iso3"].str.strip().to_numpy(dtype=object)
    known = pd.Series(iso).isin(set(reference.known_codes())).to_numpy()
    names = df["country_un"].to_numpy(dtype=object)
    found: list[pd.DataFrame] = []
    iso, ok = map_column(names, CodeMapper("name"), column="country_un", ok=ok, qs=found,
                         source=NAME, file=str(path), lines=lines, reason=Reason.UNKNOWN_NAME,
                         values=df["country_un"].fillna("").to_numpy(dtype=object),
                         prefer=np.where(known, iso, ""))
    # a VoteSet's quarantine names the file in ``source`` (SET_QUARANTINE_COLUMNS)
    qs.extend(f.drop(columns="source").rename(columns={"file": "source"})[
        list(SET_QUARANTINE_COLUMNS)] for f in found)
    return iso, ok


def read_undl(path: str | Path, *, lenient: bool = True):
    """Read the UNDL votes file into a :class:`~equipoise.sources.unvotes.VoteSet`.

    With ``lenient=False`` the first bad row raises :class:`~equipoise.errors.InputError`
    naming the file, line and column (nothing is returned).
    """
    from .unvotes import VoteSet, _finish, _raise_strict

    path = Path(path)
    df = read_csv_text(path)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise SchemaError(f"{path} line 1: missing column(s) {missing} of the UN Digital "
                          f"Library votes layout; expecting {list(REQUIRED)}, saw "
                          f"{list(df.columns)}")
    n = len(df)
    lines = np.arange(n) + 2
    year = _numbers(df["year"])
    seq = _numbers(df["res_seq"])
    code, uniq = pd.factorize(df["vote"])
    vote = np.array([VOTES.get(str(u).strip().upper()) for u in uniq] + [None],
                    dtype=object)[code]
    qs = []
    bad_year = ~((year == np.floor(year)) & (year >= 1946) & (year <= 2100))
    qs.append(_bad(path, lines[bad_year], "year", df["year"][bad_year], Reason.BAD_YEAR,
                   "an integer year between 1946 and 2100"))
    ok = ~bad_year
    bad_seq = ok & ~((seq == np.floor(seq)) & (seq >= 0) & (seq <= 999))
    qs.append(_bad(path, lines[bad_seq], "res_seq", df["res_seq"][bad_seq], Reason.BAD_VALUE,
                   "an integer between 0 and 999"))
    ok &= ~bad_seq
    bad_vote = ok & pd.isna(vote)
    qs.append(_bad(path, lines[bad_vote], "vote", df["vote"][bad_vote], Reason.BAD_VOTE,
                   "one of Y, N, A, X"))
    ok &= ~bad_vote
    iso, ok = _countries(df, ok, qs, path, lines)
    rcid = np.where(ok, RCID_BASE + np.nan_to_num(year) * 1000 + np.nan_to_num(seq), -1)
    dup = ok & pd.DataFrame({"r": rcid, "c": pd.factorize(iso)[0]}).duplicated().to_numpy()
    qs.append(_bad(path, lines[dup], "iso3", iso[dup], Reason.DUPLICATE_KEY,
                   "one row per year, res_seq and country (the first is kept)"))
    ok &= ~dup
    q = pd.concat(qs, ignore_index=True).sort_values("line", kind="stable")
    q = q.reset_index(drop=True)
    if not lenient:
        _raise_strict(q)
    out = _finish(pd.DataFrame({"rcid": rcid[ok].astype("int64"),
                                "year": year[ok].astype("int64"),
                                "session": year[ok].astype("int64") - 1945,
                                "country": iso[ok], "vote": vote[ok]}))
    return VoteSet(out, quarantine=q, counts={"read": n, "loaded": len(out),
                                              "quarantined": len(q)}, source=str(path))


def read(sf: SourceFile, *, source: str = NAME) -> Iterator[Chunk]:
    """The ``votes`` chunk of one file (for ``equipoise ingest undl FILE``)."""
    vs = read_undl(sf.path, lenient=True)
    q = vs.quarantine.rename(columns={"source": "file"}).assign(source=source)
    votes = vs.votes.copy()
    votes["source"] = f"{CITATION}; {Path(sf.path).name}"
    yield Chunk(table="votes", data=votes, quarantine=quarantine_frame(q),
                rows_read=int(vs.counts["read"]), file=str(sf.path))
