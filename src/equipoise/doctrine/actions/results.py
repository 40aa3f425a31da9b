"""The results of an evaluation: :class:`State` (the numbers of one side, before or after) and
:class:`Evaluation` (both sides, what improves, what worsens, which rules change state), with
their ``to_dict()`` (``equipoise evaluate --json``), ``summary()`` and ``_repr_html_()``."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..._results import RichSummary, fmt_sig

if TYPE_CHECKING:
    from .schema import Action


@dataclass
class State:
    """The numbers of one side (before or after) of an evaluation."""

    assessment: Any
    shocks: dict[str, dict]
    risk: dict
    corridors: dict
    blocs: dict
    engagement: dict
    simulation: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        a = self.assessment
        return {
            "domains": {d: {k: v for k, v in r.to_dict().items()
                            if k in ("year", "shares", "hhi", "top_partner", "top_share",
                                     "effective_partners", "critical", "sources")}
                        for d, r in a.domains.items()},
            "leaders": a.distinctness["leaders"],
            "pole_shares": a.distinctness["pole_shares"],
            "shocks": self.shocks,
            "risk": self.risk,
            "simulation": self.simulation,
            "corridors": self.corridors,
            "blocs": {"violations": self.blocs.get("violations", []),
                      "led_by_pole": [x["org"] for x in self.blocs.get("led_by_pole", [])]},
            "engagement": self.engagement,
            "rules": [r.to_dict() for r in a.rules],
        }


@dataclass
class Evaluation(RichSummary):
    """Result of :func:`~equipoise.doctrine.actions.evaluate`: the state before and after an action, what improves, what
    worsens and which rules change state.

    ``to_dict()`` (``equipoise evaluate --json``) has ``action``, ``before`` and ``after``
    (domains, leaders, pole shares, shocks per pole, Monte Carlo VaR/CVaR, corridor max flows,
    blocs, engagement, rules), ``changed_rules`` (rules whose pass/fail state flips, with both
    margins), ``rules`` (every rule's margins before and after), ``improves``, ``worsens``,
    ``other_changes``, ``log`` (every change applied, with the row it replaced) and ``notes``.
    """

    action: Action
    focal: str
    before: State
    after: State
    rules: list[dict]
    changes: list[dict]
    log: list[dict]
    notes: list[str] = field(default_factory=list)

    @property
    def changed_rules(self) -> list[dict]:
        """Rules whose state (pass, fail, insufficient with its reason) differs after the
        action."""
        return [r for r in self.rules if _state(r, "before") != _state(r, "after")]

    @property
    def improves(self) -> list[dict]:
        return [c for c in self.changes if c["direction"] == "improves"]

    @property
    def worsens(self) -> list[dict]:
        return [c for c in self.changes if c["direction"] == "worsens"]

    @property
    def table(self) -> pd.DataFrame:
        """Every measure that moved: measure, kind, before, after, delta, direction."""
        return pd.DataFrame(self.changes, columns=["measure", "kind", "before", "after", "delta",
                                                   "direction"])

    @property
    def rule_table(self) -> pd.DataFrame:
        """Every rule with its state and margin before and after."""
        return pd.DataFrame(self.rules).set_index("name") if self.rules else pd.DataFrame()

    @property
    def other_changes(self) -> list[dict]:
        """Changes that are neither better nor worse by the doctrine (memberships led by a
        pole, engagement counts)."""
        return [c for c in self.changes if c["direction"] == "changes"]

    def to_dict(self) -> dict:
        a = self.action
        return {
            "action": {"id": a.id, "title": a.title, "date": a.date, "sources": list(a.sources),
                       "quote": a.quote, "description": a.description, "path": a.path},
            "focal": self.focal,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "changed_rules": self.changed_rules,
            "rules": self.rules,
            "improves": self.improves,
            "worsens": self.worsens,
            "other_changes": self.other_changes,
            "log": self.log,
            "notes": self.notes,
        }

    def renderables(self) -> list:
        from rich.table import Table

        a = self.action
        out: list = [f"Action {a.id}: {a.title} ({a.date}; sources {', '.join(a.sources)})"]
        if a.quote:
            out.append(f'  "{a.quote}"')
        t = Table(title="Changes applied")
        for c in ("table", "op", "what", "before", "after", "source"):
            t.add_column(c, overflow="fold")
        for x in self.log:
            what = x.get("indicator") or x.get("edge") or x.get("org") or x.get("counterpart")
            if x.get("partner"):
                what = f"{x['partner']} {what} {x.get('year', '')}"
            t.add_row(x["table"], x["op"], str(what), fmt_sig(x.get("before")),
                      fmt_sig(x.get("after")), str(x.get("source_after") or x.get("source") or ""))
        out.append(t)
        r = Table(title="Rules that change state")
        for c in ("rule", "before", "after", "margin before", "margin after"):
            r.add_column(c)
        for x in self.changed_rules:
            r.add_row(x["name"], _state(x, "before"), _state(x, "after"), fmt_sig(x["margin_before"]),
                      fmt_sig(x["margin_after"]))
        if not self.changed_rules:
            r.add_row("(none)", "", "", "", "")
        out.append(r)
        for label, rows in (("Improves", self.improves), ("Worsens", self.worsens),
                            ("Other changes", self.other_changes)):
            t2 = Table(title=label)
            for c in ("measure", "before", "after", "change"):
                t2.add_column(c)
            for x in rows[:25]:
                t2.add_row(x["measure"], fmt_sig(x["before"]), fmt_sig(x["after"]), fmt_sig(x["delta"]))
            if not rows:
                t2.add_row("(nothing)", "", "", "")
            out.append(t2)
        out.extend(f"note: {n}" for n in self.notes)
        return out

    def _repr_html_(self) -> str:
        def rows(xs):
            return "".join(f"<tr><td>{html.escape(x['measure'])}</td><td>{fmt_sig(x['before'])}</td>"
                           f"<td>{fmt_sig(x['after'])}</td></tr>" for x in xs)

        ch = "".join(f"<tr><td>{html.escape(x['name'])}</td><td>"
                     f"{html.escape(_state(x, 'before'))} &rarr; "
                     f"{html.escape(_state(x, 'after'))}</td></tr>"
                     for x in self.changed_rules) or "<tr><td>(none)</td></tr>"
        return (f"<h4>Action {html.escape(self.action.id)}: {html.escape(self.action.title)}</h4>"
                f"<p>Rules that change state</p><table>{ch}</table>"
                f"<p>Improves</p><table>{rows(self.improves)}</table>"
                f"<p>Worsens</p><table>{rows(self.worsens)}</table>")


def _state(x: dict, side: str) -> str:
    """``pass``, ``FAIL``, ``insufficient`` or ``-`` (no verdict) of a compared rule."""
    st = x.get(f"status_{side}")
    if st == "insufficient":  # a change of reason (no data -> single partner) is a change
        return f"insufficient ({x.get(f'reason_{side}')})"
    if st is not None:
        return "FAIL" if st == "fail" else st
    p = x.get(f"passed_{side}")
    return "-" if p is None else "pass" if p else "FAIL"
