"""Trace numbers back to their rows and sources."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._results import RichSummary, fmt_fixed, fmt_share, fmt_sig

__all__ = ["DomainExplanation", "explain_domain", "source_table"]


def _known_sources() -> pd.DataFrame:
    """The source registers of the embedded datasets (id, producer, title, url, date, quote,
    note): the ids a flow file may cite."""
    try:
        from .datasets import available, load_sources

        return pd.concat([load_sources(f) for f in available()], ignore_index=True)
    except (ImportError, FileNotFoundError):
        return pd.DataFrame(columns=["id", "producer", "title", "url", "date", "quote", "note"])


def source_table(flows, *, domain: str | None = None) -> pd.DataFrame:
    """Every source used by ``flows`` (optionally one domain): id, producer, title, url, rows,
    domains, years."""
    df = flows.data if hasattr(flows, "data") else flows
    if domain is not None:
        df = df[df["domain"] == domain]
    used = (df.groupby("source")
              .agg(rows=("value", "size"),
                   domains=("domain", lambda s: ", ".join(sorted(s.unique()))),
                   years=("year", lambda s: f"{s.min()}-{s.max()}" if s.min() != s.max()
                          else str(s.min())))
              .reset_index())
    reg = _known_sources().rename(columns={"id": "source"})
    out = used.merge(reg, on="source", how="left")
    cols = ["source", "producer", "title", "url", "date", "rows", "domains", "years", "quote",
            "note"]
    for c in cols:
        if c not in out:
            out[c] = None
    return out[cols].sort_values("source").reset_index(drop=True)


@dataclass
class DomainExplanation(RichSummary):
    """The rows, indicator shares, sources and verdicts behind one domain's numbers; a
    :class:`~equipoise._results.Result` (``summary()`` from :meth:`renderables`, as ``equipoise
    explain`` prints it; ``_repr_html_()``, ``to_dict()`` as ``explain --json``, ``compare()``).
    """

    focal: str
    domain: str
    result: object  # DomainResult
    indicator_shares: pd.DataFrame
    rows: pd.DataFrame
    sources: pd.DataFrame
    #: the doctrine's verdicts on this domain (name, status, reason, margin)
    verdicts: list = field(default_factory=list)
    #: the doctrine's (min_coverage, max_age) behind the weak-evidence markers
    #: (:func:`equipoise.measures.quality.bounds`)
    bounds: tuple[float, int] = (0.5, 3)

    def markers(self) -> list[str]:
        """The domain's weak-evidence markers under the doctrine's bounds."""
        r = self.result
        return r.weak_markers(*self.bounds) if hasattr(r, "weak_markers") else []

    def indicator_markers(self) -> dict[str, list[str]]:
        """Each share indicator's weak-evidence markers under the doctrine's bounds."""
        from .measures.quality import indicator_markers

        limits = dict(zip(("min_coverage", "max_age"), self.bounds, strict=True))
        return {ind: indicator_markers(q, limits)
                for ind, q in (getattr(self.result, "quality", None) or {}).items()}

    def to_dict(self) -> dict:
        res = self.result.to_dict()
        marks = self.indicator_markers()
        if isinstance(res.get("quality"), dict):  # each indicator's block gains its markers
            res["quality"] = {i: {**q, "weak": marks.get(i, [])}
                              for i, q in res["quality"].items()}
        return {"focal": self.focal, "domain": self.domain, **res,
                "bounds": dict(zip(("min_coverage", "max_age"), self.bounds, strict=True)),
                "weak": self.markers(),
                "verdicts": self.verdicts,
                "indicator_shares": self.indicator_shares.to_dict("records"),
                "flows": self.rows.to_dict("records"),
                "source_register": self.sources.to_dict("records")}

    def heading(self) -> str:
        return f"{self.focal} / {self.domain}, year {self.result.year}"

    def compare_label(self) -> str:
        return f"{self.focal} {self.domain} {self.result.year}"

    def summary_numbers(self) -> dict[str, float]:
        """The domain's year, concentration (``hhi``, ``hhi_upper``, ``top_share``,
        ``effective_partners``, ``n_partners``), ``substitutability``, ``critical`` and
        ``dominant`` (1 or 0), ``coverage`` and ``recency`` (when known), each partner's share
        (``shares.CHN``), each margin (``margins.top_share``) and the rows behind them."""
        r = self.result
        out: dict[str, float] = {k: float(getattr(r, k)) for k in (
            "hhi", "hhi_upper", "top_share", "effective_partners", "substitutability",
            "screen_share")}
        # counts, years and flags are ints (compare and summary show them without decimals)
        out.update(year=int(r.year), n_partners=int(r.n_partners),
                   critical=int(bool(r.critical)), dominant=int(bool(r.dominant)))
        if getattr(r, "coverage", None) is not None:
            out["coverage"] = float(r.coverage)
        if getattr(r, "recency", None) is not None:
            out["recency"] = int(r.recency)
        out.update({f"shares.{p}": float(v) for p, v in r.shares.items() if v is not None})
        out.update({f"margins.{k}": float(v) for k, v in r.margins.items() if v is not None})
        out["rows"] = len(self.rows)
        return out

    def html_tables(self) -> list:
        def cols(df, *names):
            return df[[c for c in names if c in df.columns]]

        tables: list = [("", list(self.summary_numbers().items()))]
        if self.verdicts:
            tables.append(("Verdicts", pd.DataFrame(self.verdicts)))
        tables += [
            ("Indicator shares (window summed, denominator basis)", cols(
                self.indicator_shares, "indicator", "role", "year", "window", "partner",
                "value", "share", "basis")),
            (f"Rows behind the numbers ({len(self.rows)})", cols(
                self.rows, "file", "line", "year", "partner", "indicator", "value", "unit",
                "source")),
            ("Sources", cols(self.sources, "source", "producer", "title", "url"))]
        return tables

    def renderables(self) -> list:
        from rich.table import Table

        r = self.result
        out: list = [f"[bold]{self.focal} / {self.domain}[/bold], year {r.year}: top partner "
                     f"{r.top_partner} {fmt_share(r.top_share)}, HHI {fmt_fixed(r.hhi)}, critical "
                     f"{'YES' if r.critical else 'no'} (substitutability {fmt_sig(r.substitutability, 6, thousands=False)})",
                     _quality_line(r, self.markers(), self.bounds),
                     substitutability_line(r)]
        out.append(_quality_table(r, self.indicator_markers()))
        for v in self.verdicts:
            out.append(f"rule {v['name']}: {v['status']}"
                       + (f" ({v['reason']}): {v.get('detail') or ''}" if v.get("reason") else ""))
        t = Table(title="Indicator shares (window summed, denominator basis)")
        for col in ("indicator", "year", "window", "partner", "value", "share", "basis"):
            t.add_column(col)
        for x in self.indicator_shares.to_dict("records"):
            t.add_row(x["indicator"] + _role_note(r, x),
                      str(x["year"]), str(x["window"]), x["partner"],
                      fmt_sig(x['value']), fmt_share(x['share']), x["basis"])
        out.append(t)
        f = Table(title=f"Rows behind the numbers ({len(self.rows)})")
        for col in ("file:line", "year", "partner", "indicator", "value", "unit", "source"):
            f.add_column(col, overflow="fold")
        for x in self.rows.to_dict("records"):
            f.add_row(f"{x.get('file', '')}:{x.get('line', '')}", str(x["year"]), x["partner"],
                      x["indicator"], fmt_sig(x['value'], 6), x["unit"], x["source"])
        out.append(f)
        s = Table(title="Sources")
        for col in ("source", "producer", "title", "url"):
            s.add_column(col, overflow="fold")
        for x in self.sources.to_dict("records"):
            s.add_row(*(str(x.get(k) or "") for k in ("source", "producer", "title", "url")))
        out.append(s)
        return out


def _role_note(r, x: dict) -> str:
    """`` (supporting)`` beside a supporting indicator's name, with why when it has one partner."""
    if x.get("role") != "supporting":
        return ""
    why = (getattr(r, "supporting_reasons", None) or {}).get(x["indicator"])
    return " (supporting: one partner, no total)" if why == "single_partner" else " (supporting)"


def substitutability_line(r) -> str:
    """A domain's substitutability with its basis (``data``: measured, with the method, the
    partner judged and the numbers; ``default``: the documented fallback) in one sentence."""
    ev = dict(getattr(r, "substitutability_evidence", None) or {})
    basis = getattr(r, "substitutability_basis", "default")
    parts = [f"Substitutability {fmt_fixed(r.substitutability)} ({basis}"
             + (": the documented fallback" if basis == "default" else ": measured") + ")"]
    if ev.get("method"):
        parts.append(str(ev["method"]))
    if ev.get("partner"):
        parts.append(f"partner judged {ev['partner']}")
    for key in ("alternatives", "alternative_capacity", "scope", "year"):
        v = ev.get(key)
        if v not in (None, [], {}):
            shown = ", ".join(f"{k} {fmt_fixed(x)}" for k, x in v.items()) if isinstance(v, dict) \
                else ", ".join(map(str, v)) if isinstance(v, list) else v
            parts.append(f"{key.replace('_', ' ')} {shown}")
    if ev.get("note"):
        parts.append(f"note: {ev['note']}")
    return "; ".join(parts)


def _quality_line(r, weak: list[str], bounds: tuple[float, int]) -> str:
    """Coverage, grade and the weak-evidence markers of a domain, in one sentence."""
    cov = ("no WLD total" if r.coverage is None
           else f"partner rows shown to cover {fmt_share(r.coverage)} of the domain's total"
           + (f" ({fmt_share(r.coverage_of_totals)} over the indicators with a WLD total)"
              if getattr(r, "coverage_of_totals", None) is not None
              and abs(r.coverage_of_totals - r.coverage) > 1e-9 else ""))
    return (f"Evidence: {cov}; grade {r.grade or '?'} (A official statistic, B dataset, C press "
            f"or aggregator); newest figure {r.recency} year(s) behind the assessment year"
            + "".join(f" ◦ {m}" for m in weak)
            + f" (doctrine: min_coverage {fmt_sig(bounds[0], 6, thousands=False)}, max_age {bounds[1]})")


def _quality_table(r, marks: dict[str, list[str]]):
    from rich.table import Table

    t = Table(title="Quality of each share indicator")
    for col in ("indicator", "year", "basis", "coverage", "partners", "recency", "grade",
                "note"):
        t.add_column(col)
    for ind, q in (getattr(r, "quality", None) or {}).items():
        cov = "-" if q["coverage"] is None else fmt_share(q['coverage'])
        note = " ".join(f"◦ {m}" for m in marks.get(ind, []))
        t.add_row(ind, str(q["year"]), q["basis"], cov, str(q["n_partners"]), str(q["recency"]),
                  q["grade"] or "?", note)
    return t


def explain_domain(flows, *, focal: str, domain: str, year: int | None = None,
                   doctrine=None, products=None, peers=None,
                   corridors=None) -> DomainExplanation:
    """The rows, indicator shares and sources behind one domain's assessment (``products``:
    the focal state's product screen records, for the goods substitutability; ``peers``, the
    world panel's peer measures; ``corridors``, the corridor graph: as in
    :func:`equipoise.assess`, so the domain explained is the one ``assess`` gives)."""
    from .assessment import assess
    from .errors import NoDataError
    from .measures.exposure import indicator_shares, supporting_years
    from .measures.quality import bounds

    a = assess(flows, focal=focal, year=year, doctrine=doctrine, products=products, peers=peers,
               corridors=corridors)
    if domain not in a.domains:
        raise NoDataError(f"{focal}: no data for domain {domain!r}; domains with data: "
                          f"{sorted(a.domains)}")
    r = a.domains[domain]
    df = flows.data if hasattr(flows, "data") else flows
    ish = indicator_shares(df, focal)
    # supporting indicators (indicators.csv role) are evidence beside the shares, never in them
    used = {**supporting_years(ish, domain, r.year), **r.indicator_years}
    picked = np.array([used.get(i) == y
                       for i, y in zip(ish["indicator"], ish["year"], strict=True)], dtype=bool)
    ish = ish[(ish["domain"] == domain).to_numpy() & picked]
    ish = ish.assign(role=["share" if i in r.indicator_years else "supporting"
                           for i in ish["indicator"]])
    mask = (df["reporter"] == focal) & (df["domain"] == domain)
    rows = df[mask]
    keep = pd.Series(False, index=rows.index)
    for ind, w in zip(ish["indicator"], ish["window"], strict=False):
        iy = used[ind]
        keep |= (rows["indicator"] == ind) & (rows["year"] > iy - int(w)) & (rows["year"] <= iy)
    rows = rows[keep].sort_values(["indicator", "year", "partner"])
    src = source_table(rows)
    verdicts = [{"name": v.name, "status": v.status, "reason": v.reason, "margin": v.margin,
                 "detail": v.evidence.get("insufficient")}
                for v in a.rules if v.name.split(":")[-1] == domain]
    return DomainExplanation(focal, domain, r, ish.reset_index(drop=True),
                             rows.reset_index(drop=True), src, verdicts, bounds(a.doctrine))
