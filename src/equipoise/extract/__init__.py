"""Read English news articles into candidate ledger events (rule-based; no model download).

>>> from equipoise.extract import extract_events
>>> r = extract_events("Russian President Vladimir Putin arrived in Astana on a state visit. "
...                    "The sides signed 20 agreements on energy and security.", focal="KAZ")
>>> [(e.counterpart, e.kind) for e in r.events]
[('RUS', 'state_visit'), ('RUS', 'agreement')]
"""

from __future__ import annotations

from ._rules import Event, Extraction, extract_events, extract_file, split_sentences
from .gazetteer import load_gazetteer

__all__ = ["Event", "Extraction", "extract_events", "extract_file", "load_gazetteer",
           "split_sentences"]
