"""``no_camp``: no membership of a bloc of a forbidden kind aimed at a pole. Its evidence rows
are the focal state's rows of the shipped memberships table.

Insufficient (``no_data``) when there are no membership data for the focal state: no
organisations table, or no membership row of the focal state (every state is a member of
something, the UN at least, so an empty list is missing data, not a state outside every bloc).
"""

from __future__ import annotations

import pandas as pd

from ... import reference
from ._base import Rule, RuleResult, insufficient


class NoCamp(Rule):
    kind = "no_camp"
    order = 90
    reads = ("blocs", "doctrine")

    def check(self, a, domain=None) -> RuleResult:
        camp = dict(a.blocs)  # the record's dict shape, as the evidence
        desc = "No membership of a bloc of a forbidden kind aimed at a pole"
        kinds = a.doctrine.memberships.forbidden_kinds
        if not camp.get("memberships") and not camp.get("violations"):
            why = camp.get("note") or (f"no membership of {a.focal} in the memberships table: "
                                        "membership data absent, not a state outside every bloc")
            return insufficient(self.kind, "no_data", kinds, desc, camp, why)
        return RuleResult(
            self.kind, not camp["violations"], 0.0 - len(camp["violations"]),
            camp["violations"], kinds, desc, camp)

    def source_rows(self, a, frame, verdict) -> list[dict]:
        held = {m["org"] for m in dict(a.blocs).get("memberships") or []}
        return [r for r in membership_rows(a.focal) if r["org"] in held]


def membership_rows(focal: str) -> list[dict]:
    """The focal state's rows of the shipped memberships table joined to the organisations
    (the verdict's evidence keeps those of the memberships it lists: in force that year)."""
    from ..check import _records

    try:
        mem = reference.load("memberships")
        orgs = reference.load("organisations")
    except (FileNotFoundError, KeyError):
        return []
    own = mem[mem["country"] == focal]
    own = own.assign(file="reference/memberships.csv", line=own.index + 2)
    m = own.merge(orgs[["org", "kind", "led_by", "aimed_at"]], on="org", how="left")
    cols = [c for c in ("file", "line", "org", "kind", "led_by", "aimed_at", "start_year",
                        "end_year", "status", "source") if c in m.columns]
    return _records(m[cols].astype(object).where(m[cols].notna(), None))


def membership_check(doctrine, year: int | None = None, *,
                     memberships: pd.DataFrame | None = None,
                     organisations: pd.DataFrame | None = None) -> dict:
    """Memberships of the focal state in force in ``year`` (default: the memberships table's
    current year), those that break the no-camp rule and those led by a pole: the blocs
    measure's record (:func:`equipoise.measures.blocs.no_camp_record`, which decides what a
    violation is, as ``equipoise blocs`` does) with the doctrine's poles, forbidden kinds and
    ``forbid_aimed_at_pole``.

    Reads the shipped ``organisations`` and ``memberships`` tables, or the tables given (an
    action that joins or leaves an organisation passes its changed ``memberships``).
    """
    from ...measures.blocs import no_camp_record

    m = doctrine.memberships
    try:
        return no_camp_record(doctrine.focal, doctrine.poles, year=year,
                              forbidden_kinds=m.forbidden_kinds,
                              aimed_only=m.forbid_aimed_at_pole,
                              organisations=organisations, memberships=memberships)
    except (FileNotFoundError, KeyError):
        return {"memberships": [], "violations": [], "led_by_pole": [],
                "note": "no organisations table shipped"}
