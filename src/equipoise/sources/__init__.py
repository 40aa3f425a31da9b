"""Readers for external formats, one per source, each to the canonical tables with a quarantine.

==============  =========================================================  ====================
source name     format                                                     canonical table(s)
==============  =========================================================  ====================
``baci``        CEPII BACI folder (``BACI_HS17_Y2021_V202401b.csv`` ...)   trade_products
``comtrade``    UN Comtrade bulk CSV (Comtrade+ or legacy layout)          trade_products
``sipri``       SIPRI trade register or TIV supplier-recipient-year table  flows (TIV)
``cow``         COW dyadic/national trade, COW IGO dyad-year,              flows, alliances
                ATOP / COW alliances
``imf-dip``     IMF Direct Investment Positions (data.imf.org CSV)         flows (FDI)
``gem``         GEM gas pipelines (semicolon-separated)                    corridor_nodes/edges
``icews``       ICEWS dyad-year event counts                               event_counts
``memberships`` organisation memberships (long or canonical layout)        memberships
``unvotes``     UN GA votes (unvotes or Voeten layout, with issues)        votes, vote_issues
``idealpoints`` Bailey-Strezhnev-Voeten ideal points                       ideal_points
``undl``        UN Digital Library GA votes stacked by year (1992-2022)    votes
``national``    national trade statistics by partner (KAZ, UZB, KGZ, ARM,  flows (trade)
                RUS files of ``national-trade-by-partner``)
``eurostat``    Eurostat Comext EU-27 exports by partner (EUR)             flows (EU27 mirror)
``gem-oil``     GEM oil pipelines (GOIT), operating cross-border units     corridor_edges
``gdelt``       GDELT composite score by country-pair year                 flows (events score)
==============  =========================================================  ====================

Each reader module has ``files(path) -> list[SourceFile]`` and ``read(SourceFile) ->
Iterator[Chunk]``; :mod:`equipoise.warehouse` loads the chunks atomically. The tables, their
columns and the quarantine reasons are declared in :mod:`equipoise.schema`; country codes map
through :func:`~equipoise.sources._common.map_codes` (docs/architecture.md, "Adding a source").
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..errors import OptionError, SchemaError
from ..schema import Reason
from ._common import TABLES, Chunk, SourceFile, quarantine_frame

_MODULES = {
    "baci": "baci",
    "comtrade": "comtrade",
    "sipri": "sipri",
    "cow": "cow",
    "imf-dip": "imf",
    "gem": "gem",
    "icews": "icews",
    "memberships": "memberships",
    "undl": "undl",
    "national": "national",
    "eurostat": "eurostat",
    "gem-oil": "gemoil",
    "gdelt": "gdelt",
}
_ADAPTED = ("unvotes", "idealpoints")
SOURCES = (*_MODULES, *_ADAPTED)

__all__ = ["SOURCES", "TABLES", "Chunk", "SourceFile", "reader"]


def reader(name: str) -> Any:
    """The reader of source ``name`` (an object with ``files`` and ``read``)."""
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{_MODULES[name]}")
    if name == "unvotes":
        return SimpleNamespace(NAME="unvotes", files=_single_file, read=_read_votes)
    if name == "idealpoints":
        return SimpleNamespace(NAME="idealpoints", files=_single_file, read=_read_idealpoints)
    raise OptionError(f"source: expecting one of {SOURCES!r}. Got {name!r}.")


def _single_file(path: str | Path) -> list[SourceFile]:
    p = Path(path)
    if not p.exists():
        raise SchemaError(f"{p}: no such file or folder")
    return [SourceFile(path=p)]


def _read_votes(sf: SourceFile, *, source: str = "unvotes") -> Iterator[Chunk]:
    """Adapter over :func:`equipoise.sources.unvotes.read_votes` (written by another module)."""
    from .unvotes import read_votes

    vs = read_votes(sf.path, lenient=True)
    q = vs.quarantine.copy()
    if "file" not in q.columns:
        q["file"] = q["source"] if "source" in q.columns else str(sf.path)
    q["source"] = source
    votes = vs.votes.copy()
    votes["source"] = f"UN General Assembly votes (Voeten), {Path(sf.path).name}"
    issues = vs.issues.copy()
    issues["source"] = votes["source"].iat[0] if len(votes) else source
    yield Chunk(table="votes", data=votes, quarantine=quarantine_frame(q),
                rows_read=int(vs.counts["read"]), file=str(sf.path))
    yield Chunk(table="vote_issues", data=issues, quarantine=quarantine_frame([]), rows_read=0,
                file=str(sf.path))


def _read_idealpoints(sf: SourceFile, *, source: str = "idealpoints") -> Iterator[Chunk]:
    """Adapter over :func:`equipoise.sources.idealpoints.read_idealpoints`."""
    from .idealpoints import CITATION, read_idealpoints

    frame = read_idealpoints(sf.path)
    # one quarantine row per file row left out, with its line
    q = quarantine_frame([
        {"source": source, "file": str(sf.path), "line": line, "column": "ccode",
         "value": str(code),
         "reason": str(Reason.UNMAPPED_CODE if why == "unmapped" else Reason.DUPLICATE_KEY),
         "message": (f"unmapped_code: saw {code!r} ({name}), expected a COW code with an ISO3 "
                     f"country" if why == "unmapped" else
                     f"duplicate_key: saw a second row of {name} ({code}) in one session, "
                     f"expected one row per session and country (the first is kept)")}
        for line, code, name, why in frame.attrs.get("dropped_rows", [])])
    data = frame.copy()
    data["source"] = CITATION
    yield Chunk(table="ideal_points", data=data, quarantine=q, rows_read=len(data) + len(q),
                file=str(sf.path))
