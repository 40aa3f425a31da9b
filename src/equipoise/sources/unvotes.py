"""Readers for UN General Assembly roll-call votes -> the canonical ``votes`` tables.

Two published layouts are read:

``unvotes``
    The R package *unvotes* (Robinson; data by Voeten): ``un_votes`` (rcid, country,
    country_code (ISO2), vote yes/no/abstain), ``un_roll_calls`` (rcid, session, date, ...) and
    ``un_roll_call_issues`` (rcid, short_name in me/nu/di/hr/co/ec). Absences and non-members are
    not in ``un_votes``. Files may be ``.csv`` or ``.csv.gz``; pass the folder or the
    ``un_votes`` file (the two others are looked up beside it).
``voeten``
    Voeten's "UNVotesPublished" table with absences: rcid, session, vote (1 yes, 2 abstain,
    3 no, 8 absent, 9 not a member), ccode (Correlates of War), date, year and the issue dummies
    ``me nu di hr co ec``.

Canonical tables (``VoteSet``):

``votes``   rcid, year, session, country (ISO3), vote ('yes'|'no'|'abstain'|'absent')
``issues``  rcid, issue (Voeten code). A roll call may carry several issues, so the issues are a
            separate table; :meth:`VoteSet.canonical` returns the DESIGN.md form with an
            ``issue`` column, exploded: one row per vote *and* issue, ``issue`` NULL when the
            roll call has none. Counting rows of the exploded form double-counts multi-issue
            roll calls, so measures use ``votes`` + ``issues``.

Country codes are mapped through the readers' one code mapper
(:class:`equipoise.sources._common.CodeMapper`: scheme ``iso2`` for unvotes, ``cow`` for Voeten;
the crosswalk adds codes of former states, e.g. COW 260 German Federal Republic -> DEU).
Rows whose code does not map are quarantined with reason ``unknown_country`` naming the code,
the country name (unvotes) and the crosswalk's note; bad vote codes with ``bad_vote``. Counts: ``read == loaded +
quarantined``. Voeten's code 9 (not a member) is not a vote: those rows are counted in
``not_member`` and are not part of ``read``.

Sources: Voeten, E. (2013) "Data and Analyses of Voting in the UN General Assembly", Routledge
Handbook of International Organization; Harvard Dataverse hdl:1902.1/12379 (CC0); R package
``unvotes`` (dgrtwo/unvotes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, SchemaError, UnknownCountryError
from ..schema import SET_QUARANTINE_COLUMNS, VOTE_COLUMNS, CountedSet, Reason, empty_quarantine
from ._common import CodeMapper, map_column

VOTE_VALUES = ("yes", "no", "abstain", "absent")
ISSUE_CODES = ("me", "nu", "di", "hr", "co", "ec")
ISSUE_NAMES = {
    "me": "Palestinian conflict",
    "nu": "Nuclear weapons and nuclear material",
    "di": "Arms control and disarmament",
    "hr": "Human rights",
    "co": "Colonialism",
    "ec": "Economic development",
}
QUARANTINE_COLUMNS = SET_QUARANTINE_COLUMNS
_VOETEN_CODES = {1: "yes", 2: "abstain", 3: "no", 8: "absent"}

__all__ = [
    "ISSUE_CODES",
    "ISSUE_NAMES",
    "VOTE_VALUES",
    "VoteSet",
    "read_unvotes",
    "read_voeten",
    "read_votes",
    "votes_from_frame",
]


CITATION = ("Voeten, Strezhnev & Bailey, United Nations General Assembly Voting Data, Harvard "
            "Dataverse hdl:1902.1/12379 (via the unvotes R package, dgrtwo/unvotes); Voeten (2013), "
            "Routledge Handbook of International Organization")


def citation(source: str) -> str:
    """The producer's citation for a votes source given as a file path (the file name kept);
    other sources (``warehouse:votes``, a frame) pass through."""
    text = str(source)
    parts = [part.strip() for part in text.split(";")]
    # a path names a file: every part ends in a data file's suffix (a citation that contains
    # a "/", as a Dataverse handle does, is passed through as it is)
    if all(part.endswith((".csv", ".gz", ".rda", ".parquet")) for part in parts):
        names = ", ".join(part.rsplit("/", 1)[-1] for part in parts)
        return f"{CITATION}; file(s) {names}"
    return text

def _no_issues() -> pd.DataFrame:
    return pd.DataFrame(columns=["rcid", "issue"])


@dataclass(init=False, repr=False)
class VoteSet(CountedSet):
    """Canonical UN votes with their roll-call issues, quarantine and counts (a
    :class:`~equipoise.schema.CountedSet` whose rows are the votes).

    Attributes
    ----------
    votes : DataFrame
        rcid (int), year (int), session (int), country (ISO3), vote (yes/no/abstain/absent);
        the same frame as ``data``.
    issues : DataFrame
        rcid, issue (me/nu/di/hr/co/ec); several rows for a multi-issue roll call.
    quarantine : DataFrame
        source, line, column, value, reason, message: one row per rejected input row.
    counts : dict
        ``read``, ``loaded``, ``quarantined`` (``read == loaded + quarantined``) and, for the
        Voeten layout, ``not_member`` (code 9 rows, not votes, outside ``read``).
    source : str
        The path(s) read.
    """

    issues: pd.DataFrame = field(default_factory=_no_issues)
    source: str = ""

    WHAT = "vote"

    def __init__(self, votes: pd.DataFrame, issues: pd.DataFrame | None = None,
                 quarantine: pd.DataFrame | None = None, counts: dict | None = None,
                 source: str = "") -> None:
        self.issues = _no_issues() if issues is None else issues
        self.source = source
        CountedSet.__init__(self, votes, empty_quarantine() if quarantine is None else quarantine,
                            {} if counts is None else counts)

    @property
    def votes(self) -> pd.DataFrame:
        return self.data

    @votes.setter
    def votes(self, frame: pd.DataFrame) -> None:
        self.data = frame

    def __repr__(self) -> str:
        c = self.counts
        return (f"VoteSet({c['loaded']} votes loaded, {c['quarantined']} quarantined, "
                f"{self.votes['rcid'].nunique() if len(self.votes) else 0} roll calls, "
                f"source={self.source!r})")

    def canonical(self) -> pd.DataFrame:
        """The DESIGN.md ``votes`` table: votes exploded by issue (``issue`` NULL if none).

        One row per vote and issue: a vote on a roll call tagged ``me`` and ``hr`` appears
        twice. Use it for storage and per-issue filters, not for counting votes.
        """
        out = self.votes.merge(self.issues, on="rcid", how="left")
        out["issue"] = out["issue"].astype("string")
        return out[[*VOTE_COLUMNS, "issue"]]

    def subset(self, countries=None, start=None, end=None) -> VoteSet:
        """Votes of some countries and years (inclusive); issues follow the roll calls kept."""
        v = self.votes
        mask = np.ones(len(v), dtype=bool)
        if countries is not None:
            mask &= v["country"].isin(list(countries)).to_numpy()
        if start is not None:
            mask &= (v["year"] >= int(start)).to_numpy()
        if end is not None:
            mask &= (v["year"] <= int(end)).to_numpy()
        v = v[mask].reset_index(drop=True)
        iss = self.issues[self.issues["rcid"].isin(v["rcid"].unique())].reset_index(drop=True)
        n = len(v)
        return VoteSet(v, iss, counts={"read": n, "loaded": n, "quarantined": 0},
                       source=self.source)


# ---------------------------------------------------------------------------------- helpers


def _read_csv(path: Path, **kw) -> pd.DataFrame:
    try:
        return pd.read_csv(path, engine="pyarrow", **kw)
    except (ValueError, TypeError):
        # pyarrow rejects some options/inputs; the C engine gives the clearer message
        return pd.read_csv(path, **kw)


def _require(df: pd.DataFrame, cols, path: Path) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SchemaError(f"{path}: missing column(s) {missing}; expecting {list(cols)} "
                          f"(found {list(df.columns)})")


def _map_countries(codes, scheme: str, *, path: Path, lines: np.ndarray, column: str,
                   values, labels=None) -> tuple[pd.Series, np.ndarray, list[pd.DataFrame]]:
    """ISO3 per row through :class:`CodeMapper` (``<NA>`` where unmapped), the rows whose code
    does not map, and their quarantine (reason ``unknown_country``) in the set's columns."""
    qs: list[pd.DataFrame] = []
    values = pd.Series(values)

    def seen(idx: np.ndarray) -> np.ndarray:  # as text, "" for a blank
        return values.iloc[idx].astype("string").fillna("").to_numpy(dtype=object)

    iso, ok = map_column(codes, CodeMapper(scheme), column=column,
                         ok=np.ones(len(lines), dtype=bool), qs=qs, source=str(path),
                         file=str(path), lines=lines, reason=Reason.UNKNOWN_COUNTRY,
                         values=seen, labels=labels)
    iso3 = pd.Series(iso, dtype="string").replace("", pd.NA)
    return iso3, ~ok, [q[list(SET_QUARANTINE_COLUMNS)] for q in qs]


def _quarantine(path: Path, lines, column: str, values, reason: str,
                expected: str) -> pd.DataFrame:
    values = pd.Series(values, dtype="string").fillna("").to_numpy()
    msg = [f"{column} {v!r}: expecting {expected}" for v in values]
    return pd.DataFrame({"source": str(path), "line": np.asarray(lines, dtype="int64"),
                         "column": column, "value": values, "reason": str(reason),
                         "message": msg})


def _raise_strict(q: pd.DataFrame) -> None:
    if len(q):
        first = q.iloc[0]
        cls = UnknownCountryError if first["reason"] == Reason.UNKNOWN_COUNTRY else InputError
        raise cls(f"{first['source']} line {first['line']}, column {first['column']!r}: "
                  f"{first['message']} ({len(q)} bad row(s) in all; use lenient=True to "
                  f"quarantine them)", issues=q.to_dict("records"))


def _find(folder: Path, stem: str) -> Path | None:
    for ext in (".csv.gz", ".csv", ".parquet"):
        p = folder / f"{stem}{ext}"
        if p.exists():
            return p
    return None


# ---------------------------------------------------------------------------------- readers


def _unvotes_paths(votes_path, roll_calls_path, issues_path) -> tuple[Path, Path, Path | None]:
    """The votes, roll-calls and (optional) issues files of the unvotes layout."""
    votes_path = Path(votes_path)
    folder = votes_path if votes_path.is_dir() else votes_path.parent
    if votes_path.is_dir():
        found = _find(folder, "un_votes")
        if found is None:
            raise SchemaError(f"{folder}: no un_votes.csv[.gz] in this folder")
        votes_path = found
    rc_path = Path(roll_calls_path) if roll_calls_path else _find(folder, "un_roll_calls")
    if rc_path is None or not rc_path.exists():
        raise SchemaError(f"{folder}: un_roll_calls.csv[.gz] not found beside {votes_path.name}; "
                          f"the roll calls give each vote its session and date")
    iss_path = Path(issues_path) if issues_path else _find(folder, "un_roll_call_issues")
    return votes_path, rc_path, iss_path


def _check_unvotes(v: pd.DataFrame, path: Path, lines: np.ndarray):
    """Map the votes' ISO2 codes and normalise the votes: ``(iso3, vote, ok, quarantine
    parts)`` with unmapped codes and bad votes quarantined."""
    code = v["country_code"].astype("string")
    names = v["country"] if "country" in v.columns else None
    iso3, bad_code, qparts = _map_countries(code, "iso2", path=path, lines=lines,
                                            column="country_code", values=code, labels=names)
    iso3.index = v.index
    vote = v["vote"].astype("string").str.strip().str.lower()
    bad_vote = ~vote.isin(VOTE_VALUES).fillna(False).to_numpy() & ~bad_code
    if bad_vote.any():
        qparts.append(_quarantine(path, lines[bad_vote], "vote", vote[bad_vote],
                                  Reason.BAD_VOTE, f"one of {VOTE_VALUES}"))
    return iso3, vote, ~(bad_code | bad_vote), qparts


def _roll_call_table(rc: pd.DataFrame) -> pd.DataFrame:
    """Roll calls as ``rcid, session, date, year`` (numbers typed, one row per rcid)."""
    rc = rc[["rcid", "session", "date"]].copy()
    rc["rcid"] = pd.to_numeric(rc["rcid"], errors="coerce").astype("Int64")
    rc["session"] = pd.to_numeric(rc["session"], errors="coerce").astype("Int64")
    rc["year"] = pd.to_datetime(rc["date"], errors="coerce").dt.year.astype("Int64")
    return rc.dropna(subset=["rcid"]).drop_duplicates("rcid")


def _unvotes_issues(iss_path: Path | None) -> pd.DataFrame:
    """The ``rcid, issue`` table of the issues file (empty when there is none)."""
    if iss_path is None or not iss_path.exists():
        return pd.DataFrame({"rcid": pd.Series(dtype="int64"), "issue": pd.Series(dtype="string")})
    iss = _read_csv(iss_path)
    _require(iss, ("rcid", "short_name"), iss_path)
    iss = pd.DataFrame({"rcid": pd.to_numeric(iss["rcid"], errors="coerce"),
                        "issue": iss["short_name"].astype("string").str.strip().str.lower()})
    iss = iss.dropna()
    iss = iss[iss["issue"].isin(ISSUE_CODES)]
    iss["rcid"] = iss["rcid"].astype("int64")
    return iss.drop_duplicates().reset_index(drop=True)


def read_unvotes(votes_path, roll_calls_path=None, issues_path=None, *,
                 lenient: bool = True) -> VoteSet:
    """Read the *unvotes* layout (``un_votes`` + ``un_roll_calls`` + ``un_roll_call_issues``).

    Parameters
    ----------
    votes_path : path
        ``un_votes.csv[.gz]``, or the folder holding the three files.
    roll_calls_path, issues_path : path, optional
        Default: beside ``votes_path``. The issues file is optional.
    lenient : bool
        Quarantine rows with unmapped country codes or bad votes (default) instead of raising.
    """
    votes_path, rc_path, iss_path = _unvotes_paths(votes_path, roll_calls_path, issues_path)
    v = _read_csv(votes_path, keep_default_na=False, na_values=[""])
    _require(v, ("rcid", "country_code", "vote"), votes_path)
    rc = _read_csv(rc_path)
    _require(rc, ("rcid", "session", "date"), rc_path)
    n_read = len(v)
    lines = np.arange(2, n_read + 2)
    iso3, vote, ok, qparts = _check_unvotes(v, votes_path, lines)

    rc = _roll_call_table(rc)
    out = pd.DataFrame({"rcid": pd.to_numeric(v["rcid"], errors="coerce").astype("Int64"),
                        "country": iso3, "vote": vote})[ok]
    okl = lines[ok]
    out = out.merge(rc[["rcid", "year", "session"]], on="rcid", how="left")
    no_rc = out["year"].isna().to_numpy() | out["session"].isna().to_numpy()
    if no_rc.any():
        qparts.append(_quarantine(votes_path, okl[no_rc], "rcid", out["rcid"][no_rc],
                                  Reason.UNKNOWN_ROLLCALL,
                                  f"an rcid listed in {rc_path.name} with a session and date"))
        out = out[~no_rc]
    q = (pd.concat(qparts, ignore_index=True) if qparts
         else empty_quarantine())
    if not lenient:
        _raise_strict(q)
    out = _finish(out)
    iss = _unvotes_issues(iss_path)
    counts = {"read": n_read, "loaded": len(out), "quarantined": len(q)}
    return VoteSet(out, iss, q, counts, source=str(votes_path))


def read_voeten(path, *, lenient: bool = True) -> VoteSet:
    """Read Voeten's table with absences (vote codes 1/2/3/8/9, COW ``ccode``).

    Code 9 (not a member) rows are not votes: counted in ``counts['not_member']``.
    Issue dummies ``me nu di hr co ec`` (1 = tagged) become the ``issues`` table.
    """
    path = Path(path)
    df = _read_csv(path)
    _require(df, ("rcid", "session", "vote", "ccode"), path)
    if "year" not in df.columns and "date" not in df.columns:
        raise SchemaError(f"{path}: needs a 'year' or a 'date' column")
    lines = np.arange(2, len(df) + 2)
    code = pd.to_numeric(df["vote"], errors="coerce")
    member9 = (code == 9).to_numpy()
    df = df[~member9]
    lines = lines[~member9]
    code = code[~member9]
    n_read = len(df)

    iso3, bad_code, qparts = _map_countries(df["ccode"], "cow", path=path, lines=lines,
                                            column="ccode", values=df["ccode"])
    iso3.index = df.index
    vote = code.map(_VOETEN_CODES)
    bad_vote = vote.isna().to_numpy() & ~bad_code
    if bad_vote.any():
        qparts.append(_quarantine(path, lines[bad_vote], "vote", df["vote"][bad_vote],
                                  Reason.BAD_VOTE, "one of 1 (yes), 2 (abstain), 3 (no), "
                                  "8 (absent), 9 (not a member)"))
    q = (pd.concat(qparts, ignore_index=True) if qparts
         else empty_quarantine())
    if not lenient:
        _raise_strict(q)
    ok = ~(bad_code | bad_vote)
    if "year" in df.columns:
        year = pd.to_numeric(df["year"], errors="coerce")
    else:
        year = pd.to_datetime(df["date"], errors="coerce").dt.year
    out = pd.DataFrame({"rcid": df["rcid"], "year": year, "session": df["session"],
                        "country": iso3, "vote": vote})[ok]
    out = _finish(out)
    present = [c for c in ISSUE_CODES if c in df.columns]
    parts = []
    rc = df.drop_duplicates("rcid")
    for c in present:
        tagged = pd.to_numeric(rc[c], errors="coerce").fillna(0).to_numpy() > 0
        parts.append(pd.DataFrame({"rcid": rc["rcid"].to_numpy()[tagged], "issue": c}))
    iss = (pd.concat(parts, ignore_index=True) if parts
           else pd.DataFrame({"rcid": pd.Series(dtype="int64"), "issue": []}))
    iss["rcid"] = iss["rcid"].astype("int64")
    iss["issue"] = iss["issue"].astype("string")
    counts = {"read": n_read, "loaded": len(out), "quarantined": len(q),
              "not_member": int(member9.sum())}
    return VoteSet(out, iss, q, counts, source=str(path))


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    out = out.copy()
    out["rcid"] = out["rcid"].astype("int64")
    out["year"] = out["year"].astype("int64")
    out["session"] = out["session"].astype("int64")
    out["country"] = out["country"].astype("string")
    out["vote"] = out["vote"].astype("string")
    return out[list(VOTE_COLUMNS)].reset_index(drop=True)


def votes_from_frame(df: pd.DataFrame, issues: pd.DataFrame | None = None, *,
                     source: str = "<frame>") -> VoteSet:
    """Wrap an already canonical votes frame (e.g. from the warehouse) as a :class:`VoteSet`.

    ``df`` has rcid, year, session, country, vote and optionally ``issue`` (the exploded
    form); in that case the issues table is rebuilt from it and the votes de-duplicated.
    """
    _require(df, VOTE_COLUMNS, Path(source))
    if issues is None and "issue" in df.columns:
        iss = df[["rcid", "issue"]].dropna().drop_duplicates().reset_index(drop=True)
        df = df.drop(columns="issue").drop_duplicates(["rcid", "country"])
    else:
        iss = issues if issues is not None else pd.DataFrame(
            {"rcid": pd.Series(dtype="int64"), "issue": pd.Series(dtype="string")})
    bad = ~df["vote"].isin(VOTE_VALUES)
    if bad.any():
        raise InputError(f"{source}: vote {df['vote'][bad].iloc[0]!r} in row {bad.idxmax()}; "
                         f"expecting one of {VOTE_VALUES}")
    return VoteSet(_finish(df), iss, source=source)


def read_votes(path, *, lenient: bool = True) -> VoteSet:
    """Read votes from a file or folder, detecting the layout.

    A folder holding ``un_votes.csv[.gz]`` is the unvotes layout; a folder holding one
    ``*votes*`` CSV with a ``ccode`` column, or such a file, is Voeten's layout; a file with a
    ``country_code`` column is ``un_votes`` (roll calls looked up beside it); a canonical file
    (rcid, year, session, country, vote[, issue]) is read as is.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"votes path {p} does not exist; expecting a file or a folder in the "
                         f"unvotes or Voeten layout")
    if p.is_dir():
        if _find(p, "un_votes") is not None:
            return read_unvotes(p, lenient=lenient)
        cands = sorted(p.glob("*votes*.csv*"))
        if not cands:
            raise SchemaError(f"{p}: no un_votes.csv[.gz] and no *votes*.csv[.gz] file here")
        p = cands[0]
    if p.suffix == ".parquet":
        head = pd.read_parquet(p).head(0)
    else:
        head = pd.read_csv(p, nrows=0)
    cols = set(head.columns)
    if "ccode" in cols:
        return read_voeten(p, lenient=lenient)
    if "country_code" in cols:
        return read_unvotes(p, lenient=lenient)
    if set(VOTE_COLUMNS) <= cols:
        df = pd.read_parquet(p) if p.suffix == ".parquet" else pd.read_csv(
            p, dtype={"country": str, "vote": str, "issue": str}, keep_default_na=False,
            na_values=[""])
        return votes_from_frame(df, source=str(p))
    raise SchemaError(f"{p}: columns {sorted(cols)} match no known votes layout; expecting "
                      f"unvotes (rcid, country_code, vote), Voeten (rcid, session, vote, ccode) "
                      f"or canonical {list(VOTE_COLUMNS)}")
