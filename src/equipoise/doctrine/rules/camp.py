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
        return membership_rows(a.focal)


def membership_rows(focal: str) -> list[dict]:
    """The focal state's rows of the shipped memberships table joined to the organisations."""
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
    """Memberships of the focal state: which are of a forbidden kind aimed at (or led by) a pole.

    Reads the shipped ``organisations`` and ``memberships`` tables, or the tables given (an
    action that joins or leaves an organisation passes its changed ``memberships``).
    """
    try:
        orgs = reference.load("organisations") if organisations is None else organisations
        mem = reference.load("memberships") if memberships is None else memberships
    except (FileNotFoundError, KeyError):
        return {"memberships": [], "violations": [], "led_by_pole": [],
                "note": "no organisations table shipped"}
    mem = mem[mem["country"] == doctrine.focal]
    if year is not None and "start_year" in mem:
        start = mem["start_year"].astype("Int64").fillna(-10**6)
        end = mem["end_year"].astype("Int64").fillna(10**6)
        mem = mem[(start <= year) & (end >= year)]
    joined = mem.merge(orgs, on="org", how="left")
    poles = set(doctrine.poles)
    records, violations, led = [], [], []
    for r in joined.to_dict("records"):
        rec = {"org": r["org"], "kind": r.get("kind", ""), "led_by": r.get("led_by", "") or None,
               "aimed_at": r.get("aimed_at", "") or None,
               "status": r.get("status", "member"), "start_year": _int(r.get("start_year"))}
        records.append(rec)
        aimed = {x for x in str(rec["aimed_at"] or "").split(";") if x}
        if rec["kind"] in doctrine.memberships.forbidden_kinds and (
                aimed & poles or not doctrine.memberships.forbid_aimed_at_pole):
            violations.append(rec)
        if rec["led_by"] in poles:
            led.append(rec)
    return {"memberships": records, "violations": violations, "led_by_pole": led}


def _int(v):
    try:
        return None if v is None or pd.isna(v) else int(v)
    except (TypeError, ValueError):
        return None
