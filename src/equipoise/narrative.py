"""A short plain-language paragraph per domain, written from an assessment's numbers by fixed
templates (no language model, nothing downloaded).

Each paragraph says, in this order:

1. who leads: the top named partner and its share of the focal state's total in the domain;
2. how concentrated: the HHI of the named partners' shares, read against the CBS (Statistics
   Netherlands) bands used in METHODS.md: below 0.15 not concentrated, 0.15 to 0.25 somewhat
   concentrated, 0.25 and above concentrated;
3. what the doctrine says: every doctrine rule about the domain, passed or failed, with its
   margin;
4. how strong the evidence is: the number of indicators, flow rows and sources, and the
   indicator years (the latest and the oldest);
5. what changed since the previous year: the lead partner's share change in percentage points
   and the HHI change, from an assessment of the domain's year minus one (or a statement that
   there is no data for it).

Every number printed comes from the :class:`~equipoise.assessment.Assessment` (its
``domains`` and ``rules``) or from the previous-year assessment; the tests parse the numbers
back out of the text and compare them with ``Assessment.to_dict()``.

Precision: shares as percentages with one decimal, share changes in points with one decimal,
HHI and its change with three decimals, rule margins with three decimals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ._results import fmt_fixed, fmt_share, fmt_signed

__all__ = ["CBS_BANDS", "concentration_band", "domain_paragraph", "narrative",
           "previous_domains"]

CBS_BANDS = ((0.15, "not concentrated", "below 0.15"),
             (0.25, "somewhat concentrated", "0.15 to 0.25"),
             (math.inf, "concentrated", "0.25 and above"))
"""Upper bound (exclusive), label and range of each CBS concentration band (METHODS.md,
Concentration)."""
_MAX_SOURCES = 3


def concentration_band(h: float) -> str:
    """The CBS band of an HHI on the 0-1 scale (< 0.15, 0.15-0.25, >= 0.25)."""
    return _band(h)[1]


def _band(h: float) -> tuple:
    for band in CBS_BANDS:
        if h < band[0]:
            return band
    return CBS_BANDS[-1]  # pragma: no cover (inf bound)


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _names() -> Mapping[str, str]:
    from . import reference

    try:
        return reference.load("countries").set_index("iso3")["name"].to_dict()
    except Exception:  # a missing table must not lose the narrative: codes alone then
        return {}


def _who(code: str, names: Mapping[str, str]) -> str:
    name = names.get(code)
    return f"{name} ({code})" if name and name != code else str(code)


def _rule_label(name: str, domain: str) -> str:
    parts = name.split(":")
    if parts and parts[-1] == domain:
        parts = parts[:-1]
    return ":".join(parts)


def domain_rules(rules, domain: str) -> list:
    """The doctrine rules about ``domain``: those named ``kind:domain`` or
    ``kind:pole:domain``."""
    return [r for r in rules if r.name.rsplit(":", 1)[-1] == domain]


def previous_domains(assessment, flows) -> dict:
    """Each domain's result one year before the year the assessment used for it.

    The flows are assessed again with ``year`` set to that earlier year (once per distinct
    year), with the same focal state and doctrine. A domain without data in that year maps to
    None.
    """
    from .assessment import assess
    from .errors import NoDataError

    out: dict = {}
    wanted: dict[int, list[str]] = {}
    for d, r in assessment.domains.items():
        wanted.setdefault(int(r.year) - 1, []).append(d)
    for year, ds in sorted(wanted.items()):
        try:
            prev = assess(flows, focal=assessment.focal, year=year,
                          doctrine=assessment.doctrine, engagement=False)
        except NoDataError:
            prev = None
        for d in ds:
            out[d] = None if prev is None else prev.domains.get(d)
    return out


def _lead_sentence(r, names) -> str:
    title = f"{r.domain.capitalize()} ({r.year}): "
    if r.top_partner is None:
        return title + "no named partner holds a share."
    n = r.n_partners
    return (title + f"{_who(r.top_partner, names)} leads with {fmt_share(r.top_share)} of the "
            f"total, among {n} named partner{'s' if n != 1 else ''}.")


def _concentration_sentence(r) -> str:
    if _missing(r.hhi):
        return "Concentration cannot be measured (no named partner)."
    _, label, span = _band(r.hhi)
    return f"The HHI is {fmt_fixed(r.hhi)}: {label} (CBS band {span})."


def _doctrine_sentence(rules, domain: str, doctrine) -> str:
    role = doctrine.role_of(domain) if doctrine is not None else None
    lead = f"The doctrine gives this domain to {role}; " if role else "The doctrine: "
    mine = domain_rules(rules, domain)
    if not mine:
        return ("The doctrine gives this domain to " + role + " but has no rule about it."
                if role else "The doctrine has no rule about this domain.")
    held = [r for r in mine if r.passed]
    parts = []
    for r in mine:
        label = _rule_label(r.name, domain)
        if getattr(r, "status", None) == "insufficient":
            parts.append(f"{label} is insufficient ({r.reason})")
        elif _missing(r.margin):
            parts.append(f"{label} has no data")
        else:
            parts.append(f"{label} {'passes' if r.passed else 'fails'} "
                         f"(margin {fmt_signed(r.margin, whole_from=None)})")
    return lead + f"{len(held)} of {len(mine)} rules hold: " + "; ".join(parts) + "."


def _evidence_sentence(r) -> str:
    k = len(r.indicators)
    s = len(r.sources)
    shown = ", ".join(r.sources[:_MAX_SOURCES])
    more = f" and {s - _MAX_SOURCES} more" if s > _MAX_SOURCES else ""
    text = (f"Evidence: {k} indicator{'s' if k != 1 else ''}, {r.rows} flow "
            f"row{'s' if r.rows != 1 else ''} from {s} source{'s' if s != 1 else ''}")
    if s:
        text += f" ({shown}{more})"
    years = list(r.indicator_years.values())
    if years:
        lo, hi = min(years), max(years)
        text += (f"; indicator year {hi}" if lo == hi
                 else f"; indicator years {lo} to {hi} (latest {hi})")
    return text + "."


def _change_sentence(r, prev, names) -> str:
    before = int(r.year) - 1
    if prev is None:
        return f"No data for {before}: no change to report."
    if r.top_partner is None or _missing(r.hhi) or _missing(prev.hhi):
        return f"Since {before}: no comparable concentration."
    was = float(prev.shares.get(r.top_partner, 0.0))
    text = (f"Since {before}, {r.top_partner}'s share {_moved(r.top_share - was, 100, 1, ' points')}"
            f" (from {fmt_share(was)}) and the HHI {_moved(r.hhi - prev.hhi, 1, 3)} "
            f"(from {fmt_fixed(prev.hhi)})")
    if prev.top_partner is not None and prev.top_partner != r.top_partner:
        text += f"; in {before} {_who(prev.top_partner, names)} led"
    return text + "."


def _moved(delta: float, scale: float, digits: int, unit: str = "") -> str:
    """'rose 1.2<unit>', 'fell 0.4<unit>', or 'was unchanged' when ``delta * scale`` rounds to
    zero at ``digits`` decimals."""
    text = fmt_fixed(abs(delta) * scale, digits)
    if float(text) == 0:
        return "was unchanged"
    return f"{'rose' if delta > 0 else 'fell'} {text}{unit}"


def domain_paragraph(result, rules=(), previous=None, doctrine=None, *,
                     names: Mapping[str, str] | None = None) -> str:
    """The paragraph of one domain.

    Parameters
    ----------
    result
        The domain's :class:`~equipoise.assessment.DomainResult`.
    rules
        The assessment's rules (those about this domain are picked out).
    previous
        The domain's result one year earlier, or None when there is no data for it.
    doctrine
        The doctrine (for the domain's role); None leaves the role out.
    names
        ISO3 code -> country name; the countries reference table when None.
    """
    names = _names() if names is None else names
    return " ".join([_lead_sentence(result, names), _concentration_sentence(result),
                     _doctrine_sentence(rules, result.domain, doctrine),
                     _evidence_sentence(result), _change_sentence(result, previous, names)])


def narrative(assessment, flows=None, *, previous: Mapping | None = None) -> dict[str, str]:
    """One plain-language paragraph per domain of ``assessment``: ``{domain: text}``.

    Parameters
    ----------
    assessment
        An :class:`~equipoise.assessment.Assessment`.
    flows
        The flows it was made from, to assess the previous year (the embedded default when
        None and ``previous`` is not given).
    previous
        ``{domain: DomainResult or None}`` for the previous year, instead of assessing it
        (see :func:`previous_domains`).

    Examples
    --------
    ``flows = eq.load_default(); print(narrative(eq.assess(flows), flows)["trade"])``
    """
    if previous is None:
        if flows is None:  # the embedded dataset, resolved where defaults are
            from .context import load_default

            flows = load_default(assessment.focal)
        previous = previous_domains(assessment, flows)
    names = _names()
    return {d: domain_paragraph(r, assessment.rules, previous.get(d), assessment.doctrine,
                                names=names)
            for d, r in assessment.domains.items()}
