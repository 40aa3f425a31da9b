"""Thresholds among peers: a doctrine threshold written as a percentile of a peer set
(``hhi = "p50 of all states"``, ``equidistance_spread = "p75 of peers"``), resolved to a number
from the world panel's distribution of the rule's measure in the assessed year, and every
rule's measured value placed as a percentile among peers.

The syntax (one for every key that accepts it, :data:`PERCENTILE_KEYS`)::

    "pNN of all states"   every state of the panel with the measure that year
    "pNN of peers"        the doctrine's ``peer_group`` (default: the shipped EURASIA_HEDGERS)
    "pNN of GROUP"        a group of reference/peer_groups.csv by name

``NN`` is a number in 0..100 (``p50``, ``p75``, ``p12.5``). The focal state is never among its
own peers. The data come as a :class:`~equipoise.measures.peer_panel.PeerPanel` on the
assessment (``Assessment.peers``); without one a percentile threshold gives an
``insufficient`` verdict (reason ``no_peer_data``), never a default number.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

from .._results import fmt_sig
from ..measures.peer_panel import DEFAULT_GROUP, group_members, peer_groups

__all__ = ["ALL_STATES", "PEERS", "PERCENTILE_KEYS", "PeerPercentile", "Resolved",
           "group_label", "parse_threshold", "place", "resolve", "spread_measure"]

ALL_STATES = "all states"
PEERS = "peers"
#: threshold key -> the panel measure it is a percentile of (``spread``: the equidistance
#: spread in the doctrine's ``equidistance_measure``)
PERCENTILE_KEYS = {"hhi": "hhi", "equidistance_spread": "spread"}
_SYNTAX = re.compile(r"^\s*p\s*(\d{1,3}(?:\.\d+)?)\s+of\s+(.+?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class PeerPercentile:
    """A threshold written as the ``p``-th percentile (0..100) of a peer ``group``
    (:data:`ALL_STATES`, :data:`PEERS` or a shipped peer group's name)."""

    p: float
    group: str

    def __str__(self) -> str:
        return f"p{fmt_sig(self.p, 6, thousands=False)} of {self.group}"


def _expected(low: float, high: float) -> str:
    return (f"expecting a valid number in {fmt_sig(low, 6, thousands=False)}..{fmt_sig(high, 6, thousands=False)} or a percentile among peers: "
            f"\"pNN of all states\", \"pNN of peers\" (the doctrine's peer_group) or "
            f"\"pNN of GROUP\" (GROUP one of {', '.join(peer_groups())} in "
            f"reference/peer_groups.csv), NN a number in 0..100, e.g. \"p50 of all states\"")


def parse_threshold(value: Any, low: float, high: float) -> float | PeerPercentile:
    """A threshold value from TOML: a finite number in ``low..high`` (not a boolean), or a
    string in the percentile syntax (module docstring). Raises ValueError saying what was
    expected (the doctrine loader adds the file, the line and the value seen)."""
    if isinstance(value, PeerPercentile):
        return value
    if isinstance(value, str):
        m = _SYNTAX.match(value)
        if not m:
            raise ValueError(_expected(low, high))
        p = float(m.group(1))
        if not 0 <= p <= 100:
            raise ValueError(f"percentile p{m.group(1)} is outside 0..100; " + _expected(low, high))
        group = m.group(2)
        if group.lower() in (ALL_STATES, PEERS):
            group = group.lower()
        elif group.upper() in peer_groups():
            group = group.upper()
        else:
            raise ValueError(f"unknown peer set {group!r}; " + _expected(low, high))
        return PeerPercentile(p, group)
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(float(value)) or not low <= value <= high:
        raise ValueError(_expected(low, high))
    return float(value)


def _members(doctrine, group: str) -> tuple[str, ...] | None:
    if group == ALL_STATES:
        return None
    if group == PEERS:
        group = getattr(doctrine, "peer_group", None) or DEFAULT_GROUP
    return group_members(group)


def group_label(doctrine, group: str) -> str:
    """``all states``, ``peers (EURASIA_HEDGERS)`` or a group's name."""
    if group == PEERS:
        return f"peers ({getattr(doctrine, 'peer_group', None) or DEFAULT_GROUP})"
    return group


def spread_measure(doctrine) -> str:
    """The panel measure of the equidistance spread in the doctrine's measure."""
    return f"spread:{getattr(doctrine, 'equidistance_measure', 'agree')}"


@dataclass(frozen=True)
class Resolved:
    """A threshold resolved: ``value`` (None when it cannot be), ``reason`` and ``detail`` of an
    insufficient verdict, and the ``evidence`` (the percentile, the peer set and their values)."""

    value: float | None
    reason: str | None = None
    detail: str = ""
    evidence: dict = field(default_factory=dict)
    spec: PeerPercentile | None = None

    @property
    def shown(self) -> Any:
        """The threshold as a verdict shows it: the number, else the percentile written."""
        return self.value if self.value is not None else str(self.spec)


def resolve(a, key: str, measure: str, domain: str, year: int | None) -> Resolved:
    """The doctrine's threshold ``key`` for a verdict on ``measure`` of ``domain`` in ``year``:
    the number written, or the percentile of the peer distribution (the latest panel year up to
    ``year`` with enough peers; older than the doctrine's ``max_age`` is stale)."""
    from ..measures.quality import bounds

    spec = getattr(a.doctrine.thresholds, key)
    if not isinstance(spec, PeerPercentile):
        return Resolved(float(spec))
    base = {"threshold_written": str(spec)}
    panel = getattr(a, "peers", None)
    label = group_label(a.doctrine, spec.group)
    if panel is None:
        return Resolved(None, "no_peer_data", (
            f"no peer data: the threshold {key} = \"{spec}\" needs the world panel; pass "
            "--db W (or --panel W) for a warehouse built with `equipoise panel build --db W`"),
            base, spec)
    if year is None:
        return Resolved(None, "no_data", f"no assessed year for {measure} of {domain}", base,
                        spec)
    dist, why = panel.distribution(measure, domain, int(year),
                                   members=_members(a.doctrine, spec.group),
                                   exclude=a.focal, group=label)
    if dist is None:
        return Resolved(None, "no_peer_data", f"no peer data: {why}", base, spec)
    ev = {**base, "resolved": dist.quantile(spec.p), "percentile": spec.p,
          "source": panel.source, **dist.evidence()}
    max_age = bounds(a.doctrine)[1]
    if int(year) - dist.year > max_age:
        return Resolved(None, "stale", (
            f"the newest peer year for {measure} of {domain} is {dist.year}, {int(year) - dist.year}"
            f" years before the assessed year {year}, more than the doctrine's max_age "
            f"{max_age}"), ev, spec)
    return Resolved(ev["resolved"], evidence=ev, spec=spec)


def place(a, verdict, measure: str, domain: str, year: int | None, value: Any,
          group: str | None = None):
    """``verdict`` with its measured ``value`` placed among peers: ``percentile`` (0..100),
    ``peers`` (the peer set: group, n, states) and ``peer_year``, from the assessment's panel
    (the verdict unchanged without one). ``group``: the peer set of a percentile threshold,
    else the doctrine's peers."""
    panel = getattr(a, "peers", None)
    if panel is None or year is None or value is None or isinstance(value, bool) \
            or not isinstance(value, (int, float)) or math.isnan(float(value)):
        return verdict
    group = group or PEERS
    label = group_label(a.doctrine, group)
    dist, why = panel.distribution(measure, domain, int(year),
                                   members=_members(a.doctrine, group), exclude=a.focal,
                                   group=label)
    if dist is None:
        return replace(verdict, evidence={**verdict.evidence, "peers": why})
    pct = round(dist.percentile(float(value)), 1)
    own = panel.value(measure, domain, a.focal, dist.year)
    peers = {"group": label, "n": len(dist.values), "states": sorted(dist.values),
             "measure": measure, "domain": domain}
    return replace(verdict, percentile=pct, peers=peers, peer_year=dist.year,
                   evidence={**verdict.evidence, "peer_values": dist.evidence()["values"],
                             # the focal state's own value in the panel, to judge how far its
                             # flows and the panel measure the same thing
                             "focal_in_panel": own})
