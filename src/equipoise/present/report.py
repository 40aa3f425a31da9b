"""The report: one self-contained HTML file (charts as inline SVG, CSS inline, system fonts, no
script, nothing fetched when it is opened) and, on request, a PDF of it made by WeasyPrint.

Sections appear when their capability exists (:func:`equipoise.present.views.capabilities`);
otherwise the section says why it is missing. The appendix lists every source: the flow
sources (:func:`equipoise.explain.source_table`), the corridor graph's citations, the UN votes
file behind the alignment, and the doctrine's own source.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import re
import warnings
from dataclasses import dataclass, field
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

from .._results import fmt_fixed, fmt_number, fmt_share, fmt_sig, fmt_signed
from ..errors import EquipoiseError
from .views import Context, Unavailable

__all__ = ["build_report", "render_report"]


# ------------------------------------------------------------------------------ formatting
# numbers go through equipoise._results (fmt_share, fmt_signed, fmt_fixed), missing shown as "-"

def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def anchor(source_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(source_id))


def source_links(ids, prefix: str = "#src-") -> str:
    return ", ".join(f'<a href="{prefix}{anchor(i)}">{html.escape(str(i))}</a>' for i in ids)


def short(v: Any, n: int = 90) -> str:
    if isinstance(v, float):
        return fmt_signed(v)
    if isinstance(v, dict):
        s = ", ".join(f"{k}: {fmt_signed(x) if isinstance(x, float) else x}" for k, x in v.items())
    elif isinstance(v, list):
        s = ", ".join(str(x) for x in v)
    else:
        s = "" if v is None else str(v)
    s = s if len(s) <= n else s[: n - 3] + "..."
    return html.escape(s)


def _table(columns, rows, caption=None, cls: str = "") -> dict:
    return {"columns": columns, "rows": rows, "caption": caption, "cls": cls}


def _row(cells, cls=None) -> dict:
    return {"cells": cells, "cls": cls}


# ------------------------------------------------------------------------------ sections

def scorecard_table(a: dict, link=None, src_prefix: str = "#src-") -> dict:
    """One row per domain: year, top partner and share, HHI, effective partners, lead pole,
    the doctrine's role, critical, and the sources (linked)."""
    leaders = a["distinctness"]["leaders"]
    roles = {d: p for p, ds in a["doctrine"]["roles"].items() for d in ds}
    rows = []
    for d, r in a["domains"].items():
        name = f'<a href="{link(d)}">{html.escape(d)}</a>' if link else html.escape(d)
        rows.append(_row([
            name, str(r["year"]), html.escape(str(r["top_partner"])), fmt_share(r["top_share"], missing="-"),
            fmt_fixed(r["hhi"]), fmt_fixed(r["effective_partners"], 2),
            html.escape(str(leaders.get(d) or "-")), html.escape(roles.get(d, "-")),
            '<span class="badge fail">YES</span>' if r["critical"] else "no",
            substitutability_cell(r), coverage_cell(r, a),
            html.escape(str(r.get("grade") or "?")),
            f'<span class="srcs">{source_links(r["sources"], src_prefix)}</span>'],
            "fail" if r["critical"] else None))
    return _table(["domain", "year", "top partner", "top share", "HHI", "eff. partners",
                   "lead pole", "role (doctrine)", "critical", "substitutability", "coverage",
                   "grade", "sources"],
                  rows, "Substitutability: measured from the data (the product screen, the "
                        "corridor graph or the number of viable alternative partners; hover "
                        "for the method) or ◦ default, the documented fallback of the domains "
                        "table. Coverage: the share of the domain's total the partner rows are "
                        "shown to account for (an indicator without a WLD total counts 0; - "
                        "where no indicator has a total). ◦ marks weak evidence: low coverage "
                        "(below the doctrine's min_coverage), single-partner indicators only, "
                        "stale (older than max_age). Grade: the weakest source, A official "
                        "statistic, B research dataset, C press or aggregator.")


def substitutability_text(r: dict) -> tuple[str, str]:
    """A domain record's (``assess --json``'s ``domains[d]``) substitutability basis as a short
    label (``measured`` or ``default``) and its explanation: the method and the partner judged,
    or the documented fallback (docs/methods.md, "Critical dependency per domain")."""
    ev = r.get("substitutability_evidence") or {}
    if r.get("substitutability_basis") == "data":
        who = f", partner judged {ev['partner']}" if ev.get("partner") else ""
        return "measured", f"measured: {ev.get('method', 'from the data')}{who}"
    return "default", ("the documented fallback: " + str(ev.get("method") or
                                                          "the domains table's value"))


def substitutability_cell(r: dict) -> str:
    """A domain's substitutability with its basis beside it (HTML): ``measured`` (the method in
    the title) or a ◦ ``default`` marker, as the coverage cell marks weak numbers."""
    v = r.get("substitutability")
    text = fmt_fixed(v, 2)
    label, why = substitutability_text(r)
    cls = "basis" if label == "measured" else "weak"
    mark = "" if label == "measured" else "◦ "
    return f'{text} <span class="{cls}" title="{html.escape(why)}">{mark}{label}</span>'


def _bounds(a: dict) -> tuple[float, int]:
    """The doctrine's (min_coverage, max_age) of an ``assess --json`` document."""
    from ..measures.quality import bounds

    return bounds(a.get("doctrine"))


def weak_markers(r: dict, a: dict) -> list[str]:
    """The weak-evidence markers of a domain record (``assess --json``'s ``domains[d]``)."""
    min_cov, max_age = _bounds(a)
    out = []
    cov, age = r.get("coverage"), r.get("recency")
    if cov is not None and cov < min_cov:
        out.append("low coverage")
    if r.get("single_partner_only"):
        out.append("single-partner")
    if age is not None and age > max_age:
        out.append("stale")
    return out


def coverage_cell(r: dict, a: dict) -> str:
    """A domain's coverage with a visible ◦ marker beside weak numbers (HTML)."""
    cov = r.get("coverage")
    text = fmt_share(cov, 0, missing="-")
    marks = "".join(f' <span class="weak" title="weak evidence">◦ {html.escape(m)}</span>'
                    for m in weak_markers(r, a))
    return text + marks


def quality_table(a: dict) -> dict:
    """One row per share indicator: its domain, year, basis, coverage, partners, recency and
    grade, with ◦ beside weak numbers (docs/methods.md, "Coverage, grade and the third
    verdict")."""
    from ..measures.quality import indicator_markers

    rows = []
    for d, r in a["domains"].items():
        for ind, q in (r.get("quality") or {}).items():
            marks = indicator_markers(q, a.get("doctrine"))
            cov = fmt_share(q.get("coverage"), 0, missing="-")
            rows.append(_row([html.escape(d), html.escape(ind), str(q.get("year")),
                              html.escape(str(q.get("basis"))), cov, str(q.get("n_partners")),
                              str(q.get("recency")), html.escape(str(q.get("grade") or "?")),
                              "".join(f'<span class="weak">◦ {m}</span> ' for m in marks)]))
    return _table(["domain", "indicator", "year", "basis", "coverage", "partners", "recency",
                   "grade", "weak evidence"], rows,
                  "The quality of every number behind the shares: basis WLD = against the "
                  "world total, sum = against the partner rows' sum (coverage unknown).")


def _screen_worst(r: dict) -> dict:
    """The largest top-partner share of a domain's critical screen (composite or indicator)."""
    return max(r.get("screen") or [{"partner": r["top_partner"], "share": r["top_share"],
                                    "indicator": "(domain composite)"}],
               key=lambda x: x["share"])


def _worst_text(w: dict) -> str:
    where = "" if w["indicator"] == "(domain composite)" else f" in {w['indicator']}"
    return f"{w['partner']} {fmt_share(w['share'])}{where}"


def critical_table(a: dict) -> dict:
    t = a["doctrine"]["thresholds"]
    rows = []
    for d, r in a["domains"].items():
        m = r["margins"]
        worst = _screen_worst(r)
        rows.append(_row([
            html.escape(d), html.escape(str(worst["partner"])), fmt_share(worst["share"], missing="-"),
            html.escape(worst["indicator"]),
            fmt_signed(m['critical_share'], whole_from=None), substitutability_cell(r),
            fmt_signed(m['low_substitutability'], whole_from=None),
            '<span class="badge fail">critical</span>' if r["critical"] else "no"],
            "fail" if r["critical"] else None))
    return _table(["domain", "top partner", "top share", "screened in",
                   f"share - {fmt_sig(t['critical_share'], 6, thousands=False)}",
                   "substitutability", f"{fmt_sig(t['low_substitutability'], 6, thousands=False)} - substitutability",
                   "critical (both margins >= 0)"], rows,
                  "Margins: a domain is critical when both are at or above zero.")


def rules_table(a: dict) -> dict:
    """The doctrine's verdicts; with a ``among peers`` column when a verdict is placed among
    peers (the world panel: its percentile, the peer set and the peer year)."""
    rows = []
    placed = any(r.get("percentile") is not None for r in a["rules"])
    for r in a["rules"]:
        m = r.get("margin")
        status = r.get("status") or ("na" if _missing(m) else "pass" if r["passed"] else "fail")
        if status == "insufficient":
            status = "na"
            badge = f"insufficient ({html.escape(str(r.get('reason')))})"
        else:
            badge = {"pass": "pass", "fail": "FAIL", "na": "no data"}[status]
        rows.append(_row([
            html.escape(r["name"]), f'<span class="badge {status}">{badge}</span>', html.escape(fmt_signed(m)),
            short(r.get("value")), short(r.get("threshold"), 40),
            *((html.escape(_among_peers(r)),) if placed else ()), html.escape(r["description"])],
            "fail" if status == "fail" else None))
    return _table(["rule", "result", "margin", "value", "threshold",
                   *(("among peers",) if placed else ()), "what it checks"], rows, cls="rules")


def _among_peers(r: dict) -> str:
    """``p62.5 of 11 (peers (EURASIA_HEDGERS), 2019)``, or ``-``."""
    if r.get("percentile") is None:
        return "-"
    peers = r.get("peers") or {}
    return (f"p{fmt_sig(r['percentile'], 6, thousands=False)} of {peers.get('n', '?')} ({peers.get('group', 'peers')}, "
            f"{r.get('peer_year')})")


def findings(a: dict, extra: list[dict]) -> list[dict]:
    out = []
    crit = [d for d, r in a["domains"].items() if r["critical"]]
    if crit:
        out.append({"kind": "fail", "text": "Critical dependencies: " + "; ".join(
            f"{d} ({_worst_text(_screen_worst(a['domains'][d]))})" for d in crit)})
    else:
        out.append({"kind": "pass", "text": "No critical dependency in any domain with data."})
    failed = [r for r in a["rules"] if not r["passed"] and r.get("status") != "insufficient"]
    weak = [r for r in a["rules"] if r.get("status") == "insufficient"]
    n_ok = len(a["rules"]) - len(failed) - len(weak)
    out.append({"kind": "fail" if failed else "pass",
                "text": f"{n_ok} of {len(a['rules'])} doctrine rules hold"
                        + (f"; failing: {', '.join(r['name'] for r in failed)}" if failed else "")
                        + ("; insufficient evidence: " + ", ".join(
                            f"{r['name']} ({r.get('reason')})" for r in weak) if weak else "")
                        + "."})
    led = a["distinctness"]["domains_led"]
    out.append({"kind": "info", "text": "Domains led by each pole: " + ", ".join(
        f"{p} {n}" for p, n in led.items()) + f" (bound {a['doctrine']['thresholds']['max_domains_led']})."})
    out.extend(extra)
    return out


def _section(id_: str, title: str, intro: str = "") -> dict:
    return {"id": id_, "title": title, "intro": intro, "available": True, "reason": "",
            "charts": [], "tables": [], "notes": []}


def _optional(sec: dict, fn) -> dict:
    """Fill ``sec`` with ``fn(sec)``; a missing capability or data becomes the stated reason."""
    try:
        fn(sec)
    except Unavailable as exc:
        sec.update(available=False, reason=str(exc), charts=[], tables=[])
    except EquipoiseError as exc:
        sec.update(available=False, reason=str(exc), charts=[], tables=[])
    except Exception as exc:  # another part failing must not lose the report
        warnings.warn(f"report section {sec['id']!r} failed: {type(exc).__name__}: {exc}",
                      RuntimeWarning, stacklevel=2)
        sec.update(available=False, charts=[], tables=[],
                   reason=f"failed while computing ({type(exc).__name__}: {exc})")
    return sec


def _interval(r: dict) -> str:
    """' [lower, upper]' when the record has an interval (roll calls were available), else ''
    (published agreement values alone carry no interval)."""
    if r.get("lower") is None or r.get("upper") is None:
        return " (no interval: published agreement values, no roll calls)"
    return f" [{fmt_fixed(r['lower'], 2)}, {fmt_fixed(r['upper'], 2)}]"


def _point_mass_rows(mc: dict) -> list:
    """A table row saying where the VaR falls on, or next to, a point mass of the losses, with
    the values runs of the same size report (``var_point_masses`` of the simulation)."""
    pm = (mc.get("var_point_masses") or {}).get(f"{round(mc['level'] * 100)}")
    if not pm or pm.get("se_method") != "bootstrap":
        return []
    where = "falls on" if pm["on_point_mass"] else "is next to"
    atom = pm if pm["on_point_mass"] else max(
        ({"var": d["value"], "mass": d["mass"]} for d in pm["reported_values"]),
        key=lambda d: d["mass"], default=pm)
    big = [d for d in pm["reported_values"] if d["probability"] >= 0.05]
    rest = 1.0 - sum(d["probability"] for d in big)
    vals = ", ".join(f"{fmt_share(d['value'], missing='-')} (p {fmt_fixed(d['probability'], 2)})" for d in big) + (
        f", other values (p {fmt_fixed(rest, 2)})" if rest >= 0.005 else "")
    return [_row([f"VaR {fmt_share(mc['level'], 0)} point mass",
                  html.escape(f"VaR {where} a point mass (P(loss = {fmt_share(atom['var'], missing='-')}) = "
                              f"{fmt_fixed(atom['mass'], 4)}); runs of this size report {vals or 'it'}; "
                              f"bootstrap SE {fmt_share(pm['se'], missing='-')}")])]


@dataclass
class _Build:
    """What every section builder reads (the context, its assessment) and where it leaves what
    belongs elsewhere in the report: extra findings and the appendix's other sources."""

    ctx: Context
    a: dict
    alignment_reps: int = 300
    panel_db: Any = None
    extra: list[dict] = field(default_factory=list)
    other_sources: list[dict] = field(default_factory=list)


def _matrix_section(b: _Build) -> dict:
    from . import charts as C

    s = _section("matrix", "Partners and domains",
                 "Who the state depends on, domain by domain. Each cell is the partner's share of "
                 "the focal state's total in that domain (latest year with data).")
    s["charts"].append(C.to_svg(C.heatmap(b.a)))
    s["tables"].append(scorecard_table(b.a))
    return s


def _shares_section(b: _Build) -> dict:
    from . import charts as C

    s = _section("shares", "Partner shares per domain")
    s["charts"].append(C.to_svg(C.shares_chart(b.a)))
    s["tables"].append(quality_table(b.a))
    s["notes"] = list(b.a.get("notes", []))
    return s


def _critical_section(b: _Build) -> dict:
    from . import charts as C

    s = _section("critical", "Critical dependencies",
                 "A domain is a critical dependency when its top partner holds a large share and "
                 "the domain is hard to substitute; both thresholds come from the doctrine.")
    s["charts"].append(C.to_svg(C.critical_chart(b.a)))
    s["tables"].append(critical_table(b.a))
    return s


def _alignment_section(b: _Build) -> dict:
    from . import charts as C

    def fill(sec):
        al = b.ctx.alignment_json(measure="agree", reps=b.alignment_reps)
        sec["charts"].append(C.to_svg(C.alignment_chart(al)))
        e = [r for r in al["equidistance"] if r.get("value") is not None]
        if e:
            last = e[-1]
            thr = al["threshold"]["equidistance_spread"]
            if thr is not None:  # None: a percentile among peers (the rules table has it)
                b.extra.append({"kind": "pass" if last["value"] <= thr else "fail",
                                "text": f"Equidistance (UN votes, {last['period']}): spread "
                                        f"{fmt_fixed(last['value'], 2)}{_interval(last)}"
                                        f" against a bound of {fmt_sig(thr, 6, thousands=False)}."})
            rows = [_row([str(r["period"]), html.escape(r["pole"]), html.escape(fmt_signed(r["value"])),
                          html.escape(f"[{fmt_signed(r['lower'])}, {fmt_signed(r['upper'])}]"), str(r["n_rollcalls"])])
                    for r in al["series"] if str(r["period"]) == str(last["period"])]
            sec["tables"].append(_table(["period", "pole", "value", "interval", "roll calls"],
                                        rows, "Latest period"))
        sec["notes"] = [*al.get("notes", []), f"Source: {al.get('source')}"]
        b.other_sources.append({"title": "UN General Assembly votes (alignment)",
                                "items": [str(al.get("source"))]})

    return _optional(_section(
        "alignment", "Alignment with each pole over time",
        "Agreement of the focal state with each pole in UN General Assembly roll calls, with "
        "bootstrap intervals over roll calls, and the equidistance (spread across the poles)."),
        fill)


def _corridor_row(r: dict) -> dict:
    worst = r["contingencies"][0] if r["contingencies"] else None
    return _row([html.escape(r["system"]), html.escape(str(r.get("domain") or "-")),
                 f"{fmt_sig(r['max_flow'], 6, thousands=False)} {html.escape(r['unit'])}",
                 html.escape(", ".join(f"{x}->{y}" if x != y else f"[{x}]"
                                       for x, y in r["min_cut"])),
                 (f"{'+'.join(worst['removed'])}: {fmt_share(worst['lost_share'])} lost"
                  if worst else "-")])


def _corridors_section(b: _Build) -> dict:
    from . import charts as C

    def fill(sec):
        corr = b.ctx.corridors_json(contingencies=1)
        for sysrow in corr["systems"]:
            sec["charts"].append(C.to_svg(C.corridor_chart(
                b.ctx.corridor_drawing(sysrow["system"]))))
        ch = C.contingency_chart(corr)
        if ch is not None:
            sec["charts"].append(C.to_svg(ch))
        sec["tables"].append(_table(["system", "domain", "max flow", "min cut",
                                     "worst single removal"],
                                    [_corridor_row(r) for r in corr["systems"]]))
        g = b.ctx.corridor_graph()
        cites = set()
        for frame in (g.nodes, g.edges):
            if "citation" in frame:
                cites |= {str(c) for c in frame["citation"].dropna() if str(c).strip()}
        b.other_sources.append({"title": f"Corridor graph citations ({g.name})",
                                "items": sorted(cites)})

    return _optional(_section(
        "corridors", "Corridors: capacity, min cut and contingencies",
        "Maximum flow through the shipped transport and energy corridor graph equals its "
        "minimum cut (Ford & Fulkerson); the n-1 table removes each country's nodes in turn."),
        fill)


def _shocks_section(b: _Build) -> dict:
    from . import charts as C

    def fill(sec):
        by = b.ctx.shock_by_partner()
        ch = C.shock_chart(by)
        if ch is not None:
            sec["charts"].append(C.to_svg(ch))
        rows = [_row([html.escape(r["partner"]), fmt_share(r["total"], missing="-"),
                      ", ".join(f"{d} {fmt_share(v, missing='-')}" for d, v in r["losses"].items()
                                if not _missing(v) and v > 0.0005)]) for r in by]
        sec["tables"].append(_table(["partner cut off", "total loss", "by domain"], rows))
        if by:
            first = b.ctx.shock_json(by[0]["partner"])
            sec["notes"] = [f"Loss model {first.get('loss_model_description', '')}."]
            sub = first.get("substitutability", {})
            b.other_sources.append({"title": "Shock model: substitutability per domain (stated "
                                             "assumptions)",
                                    "items": [f"{d}: {fmt_sig(v['value'], 6, thousands=False)} ({v['basis']})"
                                              for d, v in sub.items()]})

    return _optional(_section(
        "shocks", "Shock losses by partner",
        "The share of each domain lost when a partner is cut off entirely, after substitution; "
        "the total weights the domains by the doctrine's weights."), fill)


def _montecarlo_assumptions(mc: dict) -> list[str]:
    asm = mc.get("assumptions", {})
    items = [f"{k}: {v}" for k, v in asm.items()
             if k in ("default_probability", "correlation", "rho_corridor", "rho_bloc",
                      "intensity", "loss_model") and v is not None]
    probs = asm.get("probabilities") or {}
    basis = asm.get("probability_basis") or {}
    if probs:
        items.append("disruption probabilities: " + ", ".join(
            f"{p} {fmt_sig(v, 6, thousands=False)}" + (f" ({basis[p]})" if p in basis else "") for p, v in probs.items()))
    items += [f"{k}: {v}" for k, v in (asm.get("basis") or {}).items()]
    items.append(f"seed {mc.get('seed')}, {mc.get('runs')} scenarios")
    return items


def _montecarlo_section(b: _Build) -> dict:
    from . import charts as C

    def fill(sec):
        mc = b.ctx.montecarlo_json()
        sec["charts"].append(C.to_svg(C.montecarlo_chart(mc)))
        sec["tables"].append(_table(["measure", "value"], [
            _row([f"VaR {fmt_share(mc['level'], 0)}", fmt_share(mc["var"], missing="-")]),
            _row([f"CVaR {fmt_share(mc['level'], 0)}", fmt_share(mc["cvar"], missing="-")]),
            *_point_mass_rows(mc),
            _row(["scenarios", str(mc.get("n", ""))])]))
        sec["notes"] = [f"Loss model {mc.get('loss_model_description', '')}."]
        b.other_sources.append({"title": "Monte Carlo assumptions",
                                "items": _montecarlo_assumptions(mc)})

    return _optional(_section(
        "montecarlo", "Tail risk: Monte Carlo losses",
        "Correlated partner disruptions drawn many times; value at risk and conditional value "
        "at risk of the total loss."), fill)


def _trend_section(b: _Build) -> dict:
    """Trend and peers from the world panel (without one: how to build it)."""

    def fill(sec):
        from .panel_section import trend_section

        sec.update(trend_section(b.ctx.focal, b.panel_db))

    return _optional(_section("trend", "Trend and peers"), fill)


def asymmetry_table(asym: dict, src_prefix: str = "#src-") -> dict:
    """Two-way dependence (``assess --json``'s ``asymmetry``) as a table: per pole and flow the
    pole's share of the focal state's total and the focal state's share of the pole's, each with
    its year, the ratio with the year both sides share, the sources (linked), and the note or
    why a side is unknown. Unknown is shown as unknown, never as 0."""
    # the focal state's weight in a pole is often well under 1 %: two decimals there
    pct = partial(fmt_share, small_digits=2, missing="unknown")
    rows = [_row([html.escape("world market" if r["pole"] == "WLD" else r["pole"]),
                  html.escape(r["flow"]),
                  "n/a" if r["pole"] == "WLD" else
                  f"{pct(r['pole_share_in_focal'])} ({r['pole_share_year'] or '-'})",
                  f"{pct(r['focal_share_in_pole'])} ({r['focal_share_year'] or '-'})",
                  "n/a" if r["pole"] == "WLD" else "unknown" if r["ratio"] is None else
                  f"{fmt_fixed(r['ratio'], 2)} ({r.get('ratio_year') or '-'})",
                  f'<span class="srcs">{source_links(r["sources"], src_prefix)}</span>',
                  html.escape("; ".join([*r["unknown"], *([r["note"]] if r.get("note")
                                                          else [])]))],
                 "weak" if r["ratio"] is None else None)
            for r in asym.get("rows", [])]
    return _table(["pole", "flow", "pole in focal (year)", "focal in pole (year)",
                   "ratio (year)", "sources", "note / why unknown"], rows,
                  "Ratio = pole in focal / focal in pole, both sides of one year (above 1 the "
                  "focal state depends more on the pole than the pole on it).")


def _asymmetry_section(b: _Build) -> dict:
    """Two-way dependence: the pole's share in the focal state's total beside the focal
    state's share in the pole's (``assess --json`` key ``asymmetry``)."""
    asym = b.a.get("asymmetry") or {}
    s = _section("asymmetry", "Two-way dependence",
                 "For each pole and flow: the pole's share of the focal state's total beside the "
                 "focal state's share of the pole's total, and their ratio (above 1 the focal "
                 "state depends more on the pole than the pole on it), each with its year and "
                 "source. A share whose total is not in the data is shown as unknown, never as "
                 "0; a ratio is taken within one year, never across years.")
    if not asym.get("rows"):
        s.update(available=False, reason="no flows seen from a pole's side (asymmetry.* rows)")
        return s
    s["tables"].append(asymmetry_table(asym))
    s["notes"] = [f"Definition: {asym.get('definition', '')}."]
    return s


def _rules_section(b: _Build) -> dict:
    from . import charts as C

    s = _section("rules", "Doctrine rules", "Each rule of the doctrine with its margin: positive "
                 "holds with room to spare, negative is how far it is broken.")
    s["charts"].append(C.to_svg(C.rules_chart(b.a)))
    s["tables"].append(rules_table(b.a))
    return s


#: The report's sections in order: each builder takes the :class:`_Build` and returns one
#: section dict (optional ones through :func:`_optional`). Adding a section is one builder
#: function plus one line here.
SECTIONS = [
    _matrix_section,
    _shares_section,
    _critical_section,
    _alignment_section,
    _corridors_section,
    _shocks_section,
    _montecarlo_section,
    _trend_section,
    _asymmetry_section,
    _rules_section,
]


def collect(ctx: Context, *, alignment_reps: int = 300, panel_db=None) -> dict:
    """Every section of the report, computed from ``ctx`` by the builders in :data:`SECTIONS`
    (the "Trend and peers" section from the world panel in the warehouse ``panel_db``, when
    given)."""
    b = _Build(ctx, ctx.assess_json(), alignment_reps, panel_db)
    sections = [build(b) for build in SECTIONS]
    doc = ctx.doctrine
    b.other_sources.append({"title": "Doctrine",
                            "items": [f"{doc.name}: {doc.source or 'no source given'}"]})
    return {"assessment": b.a, "sections": sections, "findings": findings(b.a, b.extra),
            "other_sources": b.other_sources, "narrative": report_narrative(ctx)}


def report_narrative(ctx: Context) -> dict[str, str]:
    """The plain-language paragraph per domain (:func:`equipoise.narrative.narrative`) of the
    report's assessment; empty (with a warning) when it cannot be written, so that the rest of
    the report is not lost."""
    from ..narrative import narrative

    try:
        return narrative(ctx.assessment(), ctx.flows)
    except Exception as exc:  # the narrative failing must not lose the report
        warnings.warn(f"report narrative failed: {type(exc).__name__}: {exc}", RuntimeWarning,
                      stacklevel=2)
        return {}


def _css() -> str:
    return resources.files("equipoise.present").joinpath("static", "style.css").read_text(
        encoding="utf-8")


def _env():
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("equipoise.present", "templates"),
                      autoescape=select_autoescape(["html"]))
    env.filters["anchor"] = anchor
    # the one number formatter in the templates: ``x | share``, ``x | fixed(2)``, ...
    env.filters.update(share=fmt_share, fixed=fmt_fixed, signed=fmt_signed, sig=fmt_sig,
                       number=fmt_number)
    return env


def render_report(ctx: Context, *, alignment_reps: int = 300, panel_db=None) -> str:
    """The report's HTML as a string."""
    from .. import __version__, reference

    data = collect(ctx, alignment_reps=alignment_reps, panel_db=panel_db)
    # copies: ctx.sources_json() is cached and also served by the dashboard's API
    sources = [dict(s, anchor=anchor(s["source"])) for s in ctx.sources_json()]
    names = reference.load("countries").set_index("iso3")["name"]
    return _env().get_template("report.html").render(
        version=__version__, focal=ctx.focal,
        focal_name=str(names.get(ctx.focal, ctx.focal)), doctrine=ctx.doctrine,
        generated=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        n_rows=len(ctx.frame), n_sources=len(sources), css=_css(), sources=sources, **data)


def build_report(flows=None, *, focal: str | None = None, doctrine=None,
                 out: str | Path = "report.html", pdf: bool = False,
                 alignment_reps: int = 300, panel_db: str | Path | None = None,
                 peers=None, products=None, corridors=None) -> dict:
    """Write the report for ``focal`` and return the paths written.

    Parameters
    ----------
    flows
        FlowSet or canonical DataFrame; the embedded default when None.
    focal, doctrine
        As for :func:`equipoise.assessment.assess`.
    out
        The HTML file to write (its folder is created).
    pdf
        Also write a PDF beside it (same name, ``.pdf``), rendered by WeasyPrint.
    alignment_reps
        Bootstrap replicates for the alignment intervals.
    panel_db
        A warehouse holding the world panel, for the "Trend and peers" section (without it
        the section says how to build one).
    peers
        The world panel's peer measures (:func:`equipoise.context.resolve_peer_panel`):
        percentile thresholds resolved and each rule's percentile among peers in its table.
    products
        The warehouse's product screen of the focal state (the goods substitutability, as
        ``assess --db``).
    corridors
        The corridor graph (:func:`equipoise.context.resolve_corridors`; None: the shipped
        graph of the focal state).

    Returns
    -------
    dict
        ``{"html": Path}`` and, with ``pdf=True``, ``"pdf": Path``.
    """
    ctx = flows if isinstance(flows, Context) else Context(flows, focal=focal, doctrine=doctrine,
                                                           peers=peers, products=products,
                                                           corridors=corridors)
    text = render_report(ctx, alignment_reps=alignment_reps, panel_db=panel_db)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    written = {"html": out}
    if pdf:
        written["pdf"] = write_pdf(text, out.with_suffix(".pdf"), base=out.parent)
    return written


def write_pdf(text: str, path: Path, *, base: Path | None = None) -> Path:
    """Render report HTML to PDF with WeasyPrint. Its system libraries: Pango and fonts
    (Debian: ``apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core``, which
    ``.ci/run`` installs when missing). Nothing is fetched from the network."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise EquipoiseError(f"--pdf needs WeasyPrint and its system libraries (Pango): {exc}. "
                             "On Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
                             "fonts-dejavu-core") from exc

    def no_fetch(url, *args, **kwargs):
        if url.startswith("data:"):
            from weasyprint import default_url_fetcher

            return default_url_fetcher(url, *args, **kwargs)
        raise ValueError(f"report PDF: not fetching {url}")

    HTML(string=text, base_url=str(base or Path.cwd()), url_fetcher=no_fetch).write_pdf(path)
    return path
