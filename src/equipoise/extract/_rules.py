"""Rule-based extraction of candidate ledger events from English news text.

Pipeline (every rule is data in this folder's CSV files, not code):

1. Split the text into sentences (abbreviations such as ``U.S.`` protected).
2. Find mentions of states and organisations with the gazetteer (case-sensitive, longest alias
   first, word boundaries): names, demonyms ("Chinese"), capitals and cities ("Beijing"),
   leaders ("Xi Jinping", valid in the article's year when it is known) and government seats
   ("the Kremlin"). The focal state's mentions are not counterparts.
3. Find event-kind triggers (``kind_triggers.csv``: "state visit", "signed", "summit",
   "talks", ...) and domain keywords (``domain_keywords.csv``, mapped to the project's domain
   vocabulary: economy -> trade, investment -> finance, logistics -> corridors, ...).
4. A sentence with a trigger yields one candidate per (counterpart, kind). A sentence naming
   no counterpart ("The sides signed 20 agreements") refers to the states of the last sentence
   that named some (its organisations when it named no state; at most two, since a longer
   list is not a bilateral context). A ``summit`` goes to the organisations and groups named in
   the sentence; a state gets one only when the article names no organisation or group. A
   partner with a ``state_visit`` does not also get a ``visit``.
5. Candidates are merged per (counterpart, kind); their domains are the union of the domains in
   every sentence that mentions the counterpart (or refers to it as above); ``sentence`` is the
   first sentence that gave the event.

This is a transparent baseline for analysts who then confirm rows into the ledger; its
precision and recall on hand-labelled articles are measured in ``tests/extract``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from .._results import Result, fmt_number
from .gazetteer import domain_keywords, kind_triggers, load_gazetteer

_ABBREV = ("U.S.A.", "U.S.", "U.K.", "U.N.", "Mr.", "Mrs.", "Ms.", "Dr.", "St.", "No.", "Jan.",
           "Feb.", "Aug.", "Sept.", "Sep.", "Oct.", "Nov.", "Dec.", "Gen.", "Sen.", "Rep.",
           "Prof.", "Inc.", "Ltd.", "Co.", "Corp.", "vs.", "e.g.", "i.e.", "D.C.")
_DOT = "\u2024"  # one dot leader: a stand-in for protected full stops
_SPLIT = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")
_KIND_ORDER = ("state_visit", "visit", "summit", "agreement", "talks", "call")

__all__ = ["Event", "Extraction", "extract_events", "extract_file", "split_sentences"]


@dataclass(frozen=True)
class Event:
    """A candidate ledger event read from an article."""

    counterpart: str
    kind: str
    domains: tuple[str, ...]
    sentence: str
    sentence_index: int
    mentions: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"counterpart": self.counterpart, "kind": self.kind,
                "domains": list(self.domains), "sentence": self.sentence,
                "sentence_index": self.sentence_index, "mentions": list(self.mentions)}


@dataclass
class Extraction(Result):
    """Events, entity mentions and sentences of one article: a result on the one base
    (:class:`~equipoise._results.Result`), its summary numbers the counts of events, entity
    mentions and sentences."""

    focal: str
    events: list[Event]
    entities: list[dict]
    sentences: list[str]
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"focal": self.focal, "meta": self.meta,
                "events": [e.to_dict() for e in self.events], "entities": self.entities}

    def to_ledger(self, *, date: str | None = None, source: str | None = None) -> pd.DataFrame:
        """The events as rows of the ledger (actor = focal); review them before loading."""
        date = date or self.meta.get("date", "")
        source = source or self.meta.get("url", "") or "extracted from article"
        return pd.DataFrame([{"date": date, "actor": self.focal, "counterpart": e.counterpart,
                              "kind": e.kind, "domains": ";".join(e.domains), "value_usd": "",
                              "source": source} for e in self.events],
                            columns=["date", "actor", "counterpart", "kind", "domains",
                                     "value_usd", "source"])

    def heading(self) -> str:
        return f"{len(self.events)} candidate event(s) for {self.focal}"

    def compare_label(self) -> str:
        return " ".join(str(x) for x in (self.focal, self.meta.get("date")) if x)

    def summary_numbers(self) -> dict[str, float]:
        return {"events": len(self.events), "entities": len(self.entities),
                "sentences": len(self.sentences)}

    def html_tables(self) -> list:
        events = pd.DataFrame([{**e.to_dict(), "domains": ", ".join(e.domains),
                                "mentions": ", ".join(e.mentions)} for e in self.events],
                              columns=["counterpart", "kind", "domains", "sentence",
                                       "sentence_index", "mentions"])
        return [("", list(self.summary_numbers().items())), ("Candidate events", events)]

    def summary(self) -> str:
        lines = [self.heading()]
        for e in self.events:
            lines.append(f"  {e.counterpart:6s} {e.kind:12s} {','.join(e.domains):30s} "
                         f"| {e.sentence[:90]}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def split_sentences(text: str) -> list[str]:
    """Split English text into sentences; paragraphs always end a sentence."""
    out = []
    for para in re.split(r"\n\s*\n|\n(?=\s*[-*•])", text):
        p = " ".join(para.split())
        if not p:
            continue
        for a in _ABBREV:
            p = p.replace(a, a.replace(".", _DOT))
        for s in _SPLIT.split(p):
            s = s.replace(_DOT, ".").strip()
            if s:
                out.append(s)
    return out


def _flags(pattern: str) -> int:
    return 0 if any(ch.isupper() for ch in re.sub(r"\\.|\[[^]]*\]", "", pattern)) else re.I


@cache
def _entity_regex():
    g = load_gazetteer()
    aliases = sorted(set(g["alias"]), key=len, reverse=True)
    rx = re.compile(r"(?<!\w)(" + "|".join(re.escape(a) for a in aliases) + r")(?!\w)")
    table: dict[str, list[dict]] = {}
    for r in g.to_dict("records"):
        table.setdefault(r["alias"], []).append(r)
    return rx, table


@cache
def _compiled(name: str):
    df = kind_triggers() if name == "kinds" else domain_keywords()
    col = "kind" if name == "kinds" else "domain"
    pats = df.to_dict("records")  # file order is priority: earlier rows win overlaps
    return [(r[col], re.compile(r"(?<![\w\-])(?:" + r["pattern"] + r")(?![\w\-])",
                                _flags(r["pattern"]))) for r in pats]


def _kinds(sentence: str) -> list[str]:
    from bisect import bisect_right

    found = set()
    # taken spans never overlap, so starts and ends are both sorted: a new span overlaps a
    # taken one only if it overlaps its neighbour on the left or on the right (O(log n))
    starts: list[int] = []
    ends: list[int] = []
    for kind, rx in _compiled("kinds"):
        for m in rx.finditer(sentence):
            a, b = m.start(), m.end()
            i = bisect_right(starts, a)
            if (i > 0 and ends[i - 1] > a) or (i < len(starts) and starts[i] < b):
                continue
            starts.insert(i, a)
            ends.insert(i, b)
            found.add(kind)
    if "state_visit" in found:
        found = [k for k in found if k != "visit"]
    return [k for k in _KIND_ORDER if k in found]


def _domains(sentence: str) -> set[str]:
    return {dom for dom, rx in _compiled("domains") if rx.search(sentence)}


def _valid(rec: dict, year: int | None) -> bool:
    if year is None or rec.get("alias_kind") != "leader":
        return True
    lo = int(rec["valid_from"]) if rec.get("valid_from") else -10**6
    hi = int(rec["valid_to"]) if rec.get("valid_to") else 10**6
    return lo <= year <= hi


def extract_events(text: str, *, focal: str, year: int | None = None,
                   meta: dict | None = None) -> Extraction:
    """Candidate events of ``focal`` with the states and organisations an article names.

    Parameters
    ----------
    text : str
        The article (English).
    focal : str
        ISO3 of the state whose ledger the events are for; its own mentions are not partners.
    year : int, optional
        The article's year: leaders are matched only within their years in office.
    """
    from .. import reference
    from ..errors import InputError, OptionError

    if year is not None and not YEAR_RANGE[0] <= int(year) <= YEAR_RANGE[1]:
        raise OptionError(f"year: expecting a year in {YEAR_RANGE[0]}..{YEAR_RANGE[1]}. "
                          f"Got {year!r}.")
    if len(text) > MAX_ARTICLE_CHARS:
        raise InputError(f"article: {fmt_number(len(text))} characters; expecting at most "
                         f"{fmt_number(MAX_ARTICLE_CHARS)} (one news article)")
    rx, table = _entity_regex()
    order = {d: i for i, d in enumerate(reference.domain_list())}
    sentences = split_sentences(text)
    entities: list[dict] = []
    cands: dict[tuple[str, str], dict] = {}
    partner_domains: dict[str, set[str]] = {}
    context: list[str] = []
    article_orgs = {m.group(1) for m in rx.finditer(text)
                    if any(r["type"] in ("organisation", "group") and r["code"] != focal
                           for r in table[m.group(1)])}
    for i, s in enumerate(sentences):
        found: dict[str, tuple[str, str]] = {}
        for m in rx.finditer(s):
            recs = [r for r in table[m.group(1)] if _valid(r, year)]
            if not recs:
                continue
            r = recs[0]
            entities.append({"code": r["code"], "type": r["type"], "alias": m.group(1),
                             "alias_kind": r["alias_kind"], "sentence_index": i})
            if r["code"] != focal:
                found.setdefault(r["code"], (r["type"], m.group(1)))
        names = list(found)
        if names:
            states = [n for n in names if found[n][0] != "organisation"]
            ctx = states or names  # a sentence's states, not organisations named in passing
            context = ctx if len(ctx) <= 2 else []
            partners = names
        else:
            partners = list(context)
        doms = _domains(s)
        for p in partners:
            partner_domains.setdefault(p, set()).update(doms)
        kinds = _kinds(s)
        if not kinds or not partners:
            continue
        orgs = [p for p in partners if found.get(p, ("", ""))[0] in ("organisation", "group")]
        for k in kinds:
            if k == "summit":
                # summits are held by organisations or formats (C5+1, EU-Central Asia); a
                # state gets one only if the article names no organisation at all
                targets = orgs or ([] if article_orgs else partners)
            else:
                targets = partners
            for p in targets:
                key = (p, k)
                if key not in cands:
                    cands[key] = {"sentence": s, "index": i,
                                  "mentions": (found[p][1],) if p in found else ()}
    # a state visit is a visit: do not report both for one partner
    for p in {p for p, k in cands if k == "state_visit"}:
        cands.pop((p, "visit"), None)
    events = []
    for (p, k), c in sorted(cands.items(), key=lambda kv: (kv[1]["index"],
                                                           _KIND_ORDER.index(kv[0][1]))):
        doms = tuple(sorted(partner_domains.get(p, set()), key=lambda d: order.get(d, 99)))
        events.append(Event(p, k, doms, c["sentence"], c["index"], c["mentions"]))
    return Extraction(focal=focal, events=events, entities=entities, sentences=sentences,
                      meta=dict(meta or {}))


MAX_ARTICLE_BYTES = 2**20
"""Largest article file read (1 MiB; a news article is a few KB, and extraction takes about
10 s per MiB)."""
MAX_ARTICLE_CHARS = 2**20
"""Largest text :func:`extract_events` takes (characters)."""
YEAR_RANGE = (1900, 2100)
"""Years accepted for ``year`` (leaders in office)."""


def _read_text(path: Path) -> str:
    from ..io.files import read_text

    return read_text(path, what="article file", max_bytes=MAX_ARTICLE_BYTES)


def read_article(path) -> tuple[str, dict]:
    """An article file: optional ``# key: value`` header lines, then the text.

    The file must be UTF-8 text of at most :data:`MAX_ARTICLE_BYTES` bytes (else an
    :class:`~equipoise.errors.InputError` naming it, with the line and column of a bad byte).
    """
    p = Path(path)
    meta: dict = {"file": p.name}
    body = []
    for line in _read_text(p).splitlines():
        m = re.match(r"^#\s*([\w-]+)\s*:\s*(.*)$", line)
        if m and not body:
            meta[m.group(1).lower()] = m.group(2).strip()
        elif line.startswith("#") and not body:
            continue
        else:
            body.append(line)
    return "\n".join(body), meta


def extract_file(path, *, focal: str, year: int | None = None) -> Extraction:
    """Read an article file (``# url:``/``# date:`` headers allowed) and extract its events."""
    text, meta = read_article(path)
    if year is None and re.match(r"^\d{4}", meta.get("date", "")):
        y = int(meta["date"][:4])
        year = y if YEAR_RANGE[0] <= y <= YEAR_RANGE[1] else None
    return extract_events(text, focal=focal, year=year, meta=meta)
