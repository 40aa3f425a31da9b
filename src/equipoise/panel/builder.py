"""``panel build``: per-indicator partner shares for every state and year the datasets support,
computed in DuckDB SQL and written to the warehouse table ``panel`` in one transaction.

Rows (:data:`COLUMNS`): ``focal, year, domain, indicator, partner, value, share, basis,
coverage, status, source, note``.

==========  ===============================  ========  ====================================
domain      indicator                        basis     share / coverage
==========  ===============================  ========  ====================================
trade       ``trade.goods.import``           ``wld``   value / the focal's total imports in
            ``trade.goods.export``                     COW National Trade (a ``WLD`` row
                                                       holds the total); coverage = the
                                                       partner rows' sum / the total.
                                                       Imports of A from B are COW's
                                                       ``flow1``/``flow2``; exports of A to B
                                                       are B's imports from A (the mirror).
security    ``security.arms.import``         ``partner_sum``  five-year TIV window ending
                                                       in the year (as SIPRI's own tables);
                                                       coverage = window years inside the
                                                       file's delivery years / 5
political   ``political.unga.agreement``     ``common_rollcalls``  value = agreement, or
            ``political.unga.kappa``                   Cohen's kappa, with each pole; share
                                                       empty (not a share); coverage = the
                                                       common roll calls / the year's roll
                                                       calls
finance     ``finance.fdi.position_partner_  ``reporting_economies``  the host's inward
            reported``                                 positions as reported by the investor
                                                       economies in the file (CHN, DEU, JPN,
                                                       SGP, USA): share among them; coverage
                                                       = investors with a row / investors in
                                                       the file that year
            ``finance.fdi.stock``            ``wld``   a reporting economy's inward positions
                                                       against its WLD total
==========  ===============================  ========  ====================================

Further sources (:mod:`equipoise.panel.extra`, optional in a default build; docs/panel.md
gives each basis): national trade by partner (``trade.goods.*``, basis ``wld`` or
``partner_sum``; where COW gives the same state, year and indicator, COW takes precedence and
the national row is ``superseded``), Eurostat's EU-27 exports as each partner's imports from
the EU27 (``trade.goods.import.eu27_mirror``), GEM oil pipeline routes
(``energy.oil.routes``, ``energy.oil.route_capacity``), COW IGO memberships shared with each
pole (``institutions.igo.shared``), the GDELT score (``events.gdelt.net_score``), ICEWS net
cooperation to 2014 (``events.icews.net_cooperation``, :func:`_events_icews`), the
ideal-point distance to each pole (``political.unga.ideal_distance``, :func:`_ideal`), GEM gas
routes out of and into each state (``energy.gas.export_routes`` ..., :func:`_energy_gas`) and
the UN Digital Library's votes for the years Voeten's data do not cover
(:func:`reconcile_votes`: one source per year).

``status``: ``ok``; ``superseded``; ``partial`` (a SIPRI window reaching before the file's first delivery
year); ``inconsistent`` (partner rows add up to more than 110 % of the WLD total,
:data:`OVER_TOTAL`; shares kept against the total); ``insufficient`` (no total, a total of 0, fewer than
:data:`MIN_ROLLCALLS` common roll calls, no variation for kappa): ``note`` says why. A cell
with no data is absent, never 0. Sums are ordered (``sum(x ORDER BY ...)``), so a rebuild
gives the same bits, not only the same numbers up to rounding.

The EU27 pole's vote on a roll call is the plurality vote (yes / abstain / no) of the EU-27
member states that were members in the roll call's year (``reference/group_members.csv``) and
voted; a tie leaves the EU27 without a position on that roll call (it is left out of the
EU27 comparisons). An EU member's own vote is part of that plurality.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._results import Result, fmt_fixed, fmt_number
from ..errors import OptionError, WarehouseError
from ..schema import PANEL_QUARANTINE_COLUMNS, PANEL_TABLES, columns, ddl
from .datasets import DATASETS, Read, default_data_dir, locate, read_dataset

__all__ = ["COLUMNS", "DDL", "MIN_ROLLCALLS", "BuildReport", "build"]

#: the panel's columns (:data:`equipoise.schema.PANEL_TABLES`)
COLUMNS = columns("panel")
#: the column lists of the panel's tables, from :data:`equipoise.schema.PANEL_TABLES` (the
#: panel quarantine's: :data:`~equipoise.schema.PANEL_QUARANTINE_COLUMNS`)
DDL = {name: ddl(name) for name in PANEL_TABLES}
#: fewer common roll calls than this in a year: the agreement is "insufficient"
MIN_ROLLCALLS = 10
#: partner rows above this multiple of the WLD total: "inconsistent". Mirror exports (the
#: partners' imports, valued CIF) exceed a country's own FOB exports by the CIF/FOB margin,
#: for which the IMF's Direction of Trade Statistics use a standard factor of 1.10
OVER_TOTAL = 1.10
YEAR_FIRST, YEAR_LAST = 1992, 2100
SIPRI_WINDOW = 5


@dataclass
class BuildReport(Result):
    """What a build did: rows per domain, the files read (with their counts) and the time. A
    result on the one base (:class:`~equipoise._results.Result`): its summary numbers are the
    rows, the rows per domain and the files read (whole numbers) and the seconds taken."""

    db: str
    data_dir: str
    year_from: int
    year_to: int
    domains: list[str]
    poles: list[str]
    rows: int = 0
    rows_by_domain: dict[str, int] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    read_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def heading(self) -> str:
        return f"Panel build {self.year_from}-{self.year_to} into {self.db}"

    def compare_label(self) -> str:
        return f"{self.year_from}-{self.year_to}"

    def summary_numbers(self) -> dict[str, float]:
        return {"rows": int(self.rows),
                **{f"rows.{k}": int(v) for k, v in self.rows_by_domain.items()},
                "files": len(self.files), "seconds": float(self.seconds)}

    def html_tables(self) -> list:
        files = pd.DataFrame(self.files)
        return [("", list(self.summary_numbers().items())), ("Files read", files)]

    def summary(self) -> str:
        by = ", ".join(f"{k} {fmt_number(v)}" for k, v in self.rows_by_domain.items())
        return (f"panel: {fmt_number(self.rows)} rows ({by}) for {self.year_from}-{self.year_to} from "
                f"{self.data_dir} into {self.db} in {fmt_fixed(self.seconds, 1)} s")


def _check_years(start: int | None, end: int | None) -> tuple[int, int]:
    lo = YEAR_FIRST if start is None else int(start)
    hi = YEAR_LAST if end is None else int(end)
    if lo > hi:
        raise OptionError(f"--from {lo} is after --to {hi}; expecting --from <= --to")
    return lo, hi


def _sources(frame: pd.DataFrame) -> str:
    vals = sorted(set(frame["source"].astype(str))) if "source" in frame.columns and len(
        frame) else []
    return "; ".join(vals)


def _register(con, name: str, frame: pd.DataFrame) -> None:
    """Register ``frame`` as ``name`` through Arrow (DuckDB scans Arrow strings several times
    faster than pandas object columns)."""
    import pyarrow as pa

    con.register(name, pa.Table.from_pandas(frame, preserve_index=False))


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _wld_sql(flows: str, totals: str, domain: str, source: str) -> str:
    """Shares against a WLD total. ``flows``: (year, focal, indicator, partner, value);
    ``totals``: (year, focal, indicator, total). Partner rows and one WLD row per key."""
    return f"""
WITH f AS (SELECT year, focal, indicator, partner, sum(value ORDER BY value) AS value
           FROM ({flows}) GROUP BY ALL),
tot AS (SELECT year, focal, indicator, sum(total ORDER BY total) AS total FROM ({totals}) GROUP BY ALL),
ps AS (SELECT year, focal, indicator, sum(value ORDER BY partner) AS psum FROM f
       GROUP BY ALL),
k AS (SELECT year, focal, indicator, tot.total, coalesce(ps.psum, 0) AS psum
      FROM ps FULL OUTER JOIN tot USING (year, focal, indicator)),
kk AS (SELECT *,
  CASE WHEN total > 0 THEN psum / total END AS coverage,
  CASE WHEN total IS NULL THEN 'insufficient'
       WHEN total <= 0 THEN 'insufficient'
       WHEN psum = 0 THEN 'insufficient'
       WHEN psum > total * {OVER_TOTAL} THEN 'inconsistent' ELSE 'ok' END AS status,
  CASE WHEN total IS NULL THEN 'no WLD total for this state and year'
       WHEN total <= 0 THEN 'the WLD total is 0'
       WHEN psum = 0 THEN 'no partner rows (or all 0) against the WLD total'
       WHEN psum > total * {OVER_TOTAL}
         THEN 'partner rows add up to ' || round(100 * psum / total, 1) || ' % of the WLD total'
       ELSE NULL END AS note
  FROM k)
SELECT f.focal, f.year, {_q(domain)} AS domain, f.indicator, f.partner, f.value,
       CASE WHEN kk.total > 0 THEN f.value / kk.total END AS share, 'wld' AS basis,
       kk.coverage, kk.status, {_q(source)} AS source, kk.note
FROM f JOIN kk USING (year, focal, indicator)
UNION ALL
SELECT focal, year, {_q(domain)}, indicator, 'WLD', total,
       CASE WHEN total > 0 THEN 1.0 END, 'wld', coverage, status, {_q(source)}, note
FROM kk WHERE total IS NOT NULL
"""


def _trade(con, rd: Read, lo: int, hi: int, poles: list[str]) -> str:
    dy, nat = rd.frames["dyadic"], rd.frames["national"]
    _register(con, "_p_dy", dy[["year", "reporter", "partner", "value"]])
    _register(con, "_p_nat", nat[["year", "reporter", "indicator", "value"]])
    src = f"{_sources(dy)}; totals: {_sources(nat)}"
    flows = ("SELECT year, reporter AS focal, 'trade.goods.import' AS indicator, partner, value "
             "FROM _p_dy UNION ALL SELECT year, partner, 'trade.goods.export', reporter, value "
             "FROM _p_dy")
    totals = "SELECT year, reporter AS focal, indicator, value AS total FROM _p_nat"
    return _wld_sql(flows, totals, "trade", src)


def _security(con, rd: Read, lo: int, hi: int, poles: list[str]) -> str | None:
    arms = rd.frames["arms"]
    span = rd.frames["arms"].attrs.get("span")
    if not len(arms) or span is None:
        return None
    first, last = span
    y0, y1 = max(lo, first), min(hi, last)
    if y0 > y1:
        return None
    _register(con, "_p_arms", arms[["year", "reporter", "partner", "value"]])
    src = _sources(arms)
    w = SIPRI_WINDOW
    return f"""
WITH yrs AS (SELECT range::INTEGER AS year FROM range({y0}, {y1 + 1})),
f AS (SELECT y.year, a.reporter AS focal, a.partner, sum(a.value ORDER BY a.year) AS value
      FROM yrs y JOIN _p_arms a ON a.year BETWEEN y.year - {w - 1} AND y.year GROUP BY ALL),
t AS (SELECT year, focal, sum(value ORDER BY partner) AS total FROM f GROUP BY ALL)
SELECT f.focal, f.year, 'security', 'security.arms.import', f.partner, f.value,
       CASE WHEN t.total > 0 THEN f.value / t.total END, 'partner_sum',
       (least(f.year, {last}) - greatest(f.year - {w - 1}, {first}) + 1) / {float(w)},
       CASE WHEN t.total <= 0 THEN 'insufficient'
            WHEN f.year - {w - 1} < {first} THEN 'partial' ELSE 'ok' END,
       {_q(src)},
       CASE WHEN t.total <= 0 THEN 'the TIV of the window adds up to 0'
            WHEN f.year - {w - 1} < {first}
              THEN 'TIV window ' || (f.year - {w - 1}) || '-' || f.year ||
                   ' starts before the first delivery year of the file ({first})'
            ELSE 'TIV deliveries ' || (f.year - {w - 1}) || '-' || f.year END
FROM f JOIN t USING (year, focal)
"""


def _political(con, rd: Read, lo: int, hi: int, poles: list[str]) -> str | None:
    """The political rows from counts on vote matrices (:mod:`equipoise.panel.agreement`);
    the SQL counts (:func:`_political_sql`) when the votes do not fit a matrix. The votes
    (and each group pole's plurality vote) go to ``panel_rollcalls`` for the index's bootstrap
    over roll calls (left empty on the SQL path: the index then keeps kappa fixed)."""
    from .agreement import counts_frame, pole_codes, rollcall_rows, vote_matrix

    votes = rd.frames["votes"]
    if not len(votes):
        return None
    vm = vote_matrix(votes)
    if vm is None:
        return _political_sql(con, rd, lo, hi, poles)
    pc = pole_codes(vm, poles)
    _register(con, "_p_counts", counts_frame(vm, pc, poles))
    _register(con, "_p_rollcalls", rollcall_rows(vm, pc, poles))
    con.execute(f"CREATE TABLE IF NOT EXISTS panel_rollcalls ({DDL['panel_rollcalls']})")
    con.execute(f"INSERT INTO panel_rollcalls SELECT * FROM _p_rollcalls "
                f"WHERE year BETWEEN {lo} AND {hi}").fetchall()
    return _political_rows("SELECT * FROM _p_counts", votes, poles)


def _political_sql(con, rd: Read, lo: int, hi: int, poles: list[str]) -> str | None:
    """The political rows counted by one grouped DuckDB query (the reference of the matrix
    counts; used when a state voted twice on a roll call or a roll call spans two years)."""

    votes = rd.frames["votes"]
    if not len(votes):
        return None
    _register(con, "_p_votes", votes)
    groups = _register_members(con, "_p_members", poles, years=("start_year", "end_year"))
    countries = ", ".join(_q(p) for p in poles if p not in groups) or "NULL"
    counts = f"""
WITH v AS (SELECT rcid, year, country, vote FROM _p_votes
           WHERE vote IN ('yes', 'abstain', 'no')),
gv AS (SELECT m.grp AS pole, v.rcid, any_value(v.year) AS year, v.vote, count(*) AS n
       FROM v JOIN _p_members m ON v.country = m.member
            AND v.year BETWEEN m.start_year AND m.end_year
       GROUP BY m.grp, v.rcid, v.vote),
gm AS (SELECT *, max(n) OVER (PARTITION BY pole, rcid) AS mx FROM gv),
gp AS (SELECT pole, rcid, any_value(vote) AS vote FROM gm WHERE n = mx
       GROUP BY pole, rcid HAVING count(*) = 1),
pv AS (SELECT country AS pole, rcid, vote FROM v WHERE country IN ({countries})
       UNION ALL SELECT pole, rcid, vote FROM gp),
g AS (SELECT v.year, v.country AS focal, pv.pole, count(*) AS n,
             count(*) FILTER (WHERE v.vote = pv.vote) AS a,
             count(*) FILTER (WHERE v.vote = 'yes') AS fy,
             count(*) FILTER (WHERE v.vote = 'abstain') AS fa,
             count(*) FILTER (WHERE v.vote = 'no') AS fn,
             count(*) FILTER (WHERE pv.vote = 'yes') AS py,
             count(*) FILTER (WHERE pv.vote = 'abstain') AS pa,
             count(*) FILTER (WHERE pv.vote = 'no') AS pn
      FROM v JOIN pv USING (rcid) WHERE v.country <> pv.pole
      GROUP BY v.year, v.country, pv.pole),
nrc AS (SELECT year, count(DISTINCT rcid) AS nrc FROM v GROUP BY year)
SELECT g.*, nrc.nrc FROM g JOIN nrc USING (year)"""
    return _political_rows(counts, votes, poles)


def _political_rows(counts: str, votes: pd.DataFrame, poles: list[str]) -> str:
    """The panel rows from a query of the counts (``year, focal, pole, n, a, fy, fa, fn, py,
    pa, pn, nrc``)."""
    from .. import reference

    groups = [p for p in poles if reference.is_group(p)]
    src = votes.attrs.get("source", "UN General Assembly votes")
    suffix = "; the EU27 vote: the plurality of the EU member states voting" if groups else ""
    by_year = votes.attrs.get("source_by_year", {})
    return f"""
WITH r AS (SELECT *, a / n AS po, (fy * py + fa * pa + fn * pn) / (n::DOUBLE * n) AS pe
      FROM ({counts})),
m AS (SELECT 'political.unga.agreement' AS indicator, focal, year, pole, n, nrc,
             po AS value, FALSE AS degenerate FROM r
      UNION ALL
      SELECT 'political.unga.kappa', focal, year, pole, n, nrc,
             CASE WHEN pe < 1 THEN (po - pe) / (1 - pe) END, pe >= 1 FROM r)
SELECT focal, year, 'political' AS domain, indicator, pole AS partner, value,
       NULL::DOUBLE AS share, 'common_rollcalls' AS basis, n / nrc AS coverage,
       CASE WHEN n < {MIN_ROLLCALLS} OR degenerate THEN 'insufficient' ELSE 'ok' END,
       CASE WHEN pole IN ({", ".join(_q(g) for g in groups) or "NULL"})
            THEN {_source_by_year(src, by_year, suffix)}
            ELSE {_source_by_year(src, by_year, "")} END,
       CASE WHEN n < {MIN_ROLLCALLS}
              THEN 'only ' || n || ' common roll calls (fewer than {MIN_ROLLCALLS})'
            WHEN degenerate THEN 'no variation in the votes: kappa undefined'
            ELSE n || ' common roll calls of ' || nrc END
FROM m
"""


def _source_by_year(src: str, by_year: dict[int, str], suffix: str) -> str:
    """The SQL of the rows' source: ``src``, or ``by_year[year]`` for the years another vote
    source gives (:func:`reconcile_votes`), each with ``suffix``."""
    expr = _q(src + suffix)
    for other in sorted(set(by_year.values())):
        years = ", ".join(str(y) for y, t in sorted(by_year.items()) if t == other)
        expr = f"CASE WHEN year IN ({years}) THEN {_q(other + suffix)} ELSE {expr} END"
    return expr


def reconcile_votes(reads: dict[str, Read]) -> list[int]:
    """Put the UN Digital Library's votes (``political_undl``) into the ``political`` votes for
    the years Voeten's data do not cover; the years taken from it (returned).

    A year comes from one source only (the two cannot be linked roll call by roll call: the
    UNDL file has no resolution symbols): from Voeten's data when they have at least
    :data:`MIN_ROLLCALLS` roll calls in that year (every year to 2019), else from the UNDL
    file when it has the year (2020, 2021, 2022; Voeten's single roll call of January 2020
    is then left out). The rows of those years name the UNDL source, and the build counts
    them under ``political_undl`` (:attr:`Read.rows_of`), whose own step then adds nothing (its
    files and quarantine are recorded as usual). With only one of the two datasets in the
    build, nothing changes."""
    if "political" not in reads or "political_undl" not in reads:
        return []
    from .agreement import CHOICES

    v = reads["political"].frames["votes"]
    u = reads["political_undl"].frames["votes"]
    per = v[v["vote"].isin(CHOICES)].groupby("year")["rcid"].nunique()
    own = set(per[per >= MIN_ROLLCALLS].index.astype(int))
    years = sorted(set(u["year"].astype(int)) - own)
    take = u["year"].isin(years).to_numpy()
    drop = v["year"].isin(years).to_numpy()
    merged = pd.concat([v[~drop], u[take]], ignore_index=True)
    merged.attrs["source"] = v.attrs.get("source", "UN General Assembly votes")
    undl = u.attrs.get("source", "UN Digital Library")
    merged.attrs["source_by_year"] = {y: undl for y in years}
    if years:
        reads["political"].rows_of[undl] = "political_undl"
    reads["political"].frames["votes"] = merged
    reads["political_undl"].frames["votes"] = u.iloc[0:0]
    for f in reads["political"].files:
        f["rows_in_years"] = int((~drop).sum())
    for f in reads["political_undl"].files:
        f["rows_in_years"] = int(take.sum())
    return years


def _ideal(con, rd: Read, lo: int, hi: int, poles: list[str]) -> str | None:
    """``political.unga.ideal_distance``: |the state's ideal point - the pole's| in the
    Bailey-Strezhnev-Voeten estimates of the session opening in the year (basis
    ``ideal_points``; not a share). A group pole (EU27) has the mean ideal point of its
    members of that year that have one; coverage = those members / the members (1 for a
    country pole). A state without an ideal point, or a pole without one, gives no row."""

    f = rd.frames["ideal"]
    f = f[f["ideal"].notna()]
    if not len(f):
        return None
    groups = _register_members(con, "_p_gm2", poles)
    _register(con, "_p_ip", pd.DataFrame({
        "year": f["year"].astype("int64").to_numpy(), "session": f["session"].astype(
            "int64").to_numpy(), "country": f["country"].astype(str).to_numpy(),
        "ideal": f["ideal"].astype("float64").to_numpy(),
        "source": f["source"].astype(str).to_numpy()}))
    singles = ", ".join(_q(p) for p in poles if p not in groups) or "NULL"
    return f"""
WITH ys AS (SELECT DISTINCT year FROM _p_ip),
gm AS (SELECT m.grp, ys.year, count(*) AS nm FROM ys JOIN _p_gm2 m
       ON ys.year BETWEEN m.y0 AND m.y1 GROUP BY ALL),
pole AS (SELECT country AS pole, year, ideal, 1.0 AS coverage, NULL AS k FROM _p_ip
         WHERE country IN ({singles})
         UNION ALL
         SELECT m.grp, i.year, sum(i.ideal ORDER BY i.country) / count(*),
                count(*) / any_value(gm.nm), count(*)
         FROM _p_ip i JOIN _p_gm2 m ON i.country = m.member AND i.year BETWEEN m.y0 AND m.y1
         JOIN gm ON gm.grp = m.grp AND gm.year = i.year GROUP BY m.grp, i.year)
SELECT i.country, i.year, 'political', 'political.unga.ideal_distance', pole.pole,
       abs(i.ideal - pole.ideal), NULL::DOUBLE, 'ideal_points', pole.coverage, 'ok', i.source,
       'distance between the ideal points of session ' || i.session ||
       CASE WHEN pole.k IS NULL THEN ''
            ELSE ' (the pole: the mean of ' || pole.k || ' members'' ideal points)' END
FROM _p_ip i JOIN pole USING (year) WHERE i.country <> pole.pole
"""


def _finance(con, rd: Read, lo: int, hi: int, poles: list[str]) -> str | None:
    fdi = rd.frames["fdi"]
    if not len(fdi):
        return None
    _register(con, "_p_fdi", fdi[["year", "reporter", "partner", "indicator", "value"]])
    src_in = _sources(fdi[fdi["indicator"] == "finance.fdi.stock"])
    src = _sources(fdi[fdi["indicator"] == "finance.fdi.position_partner_reported"])
    inward = _wld_sql(
        "SELECT year, reporter AS focal, indicator, partner, value FROM _p_fdi "
        "WHERE indicator = 'finance.fdi.stock' AND partner <> 'WLD'",
        "SELECT year, reporter AS focal, indicator, value AS total FROM _p_fdi "
        "WHERE indicator = 'finance.fdi.stock' AND partner = 'WLD'", "finance", src_in)
    return f"""
WITH o AS (SELECT year, reporter AS focal, partner, sum(value ORDER BY value) AS value
           FROM _p_fdi
           WHERE indicator = 'finance.fdi.position_partner_reported' GROUP BY ALL),
rep AS (SELECT year, count(DISTINCT partner) AS nrep,
               string_agg(DISTINCT partner, ', ' ORDER BY partner) AS reps FROM o GROUP BY year),
t AS (SELECT year, focal, sum(value ORDER BY partner) AS total, count(*) AS n FROM o
      GROUP BY ALL)
SELECT o.focal, o.year, 'finance', 'finance.fdi.position_partner_reported', o.partner,
       o.value, CASE WHEN t.total > 0 THEN o.value / t.total END, 'reporting_economies',
       t.n / rep.nrep, CASE WHEN t.total > 0 THEN 'ok' ELSE 'insufficient' END,
       {_q(src)},
       CASE WHEN t.total > 0 THEN 'share among the reporting economies ' || rep.reps
            ELSE 'the positions of the reporting economies ' || rep.reps || ' add up to 0' END
FROM o JOIN t USING (year, focal) JOIN rep USING (year)
UNION ALL
SELECT * FROM ({inward})
"""


def _trade_national(con, rd: Read, lo: int, hi: int, poles: list[str]) -> str | None:
    """National statistics by partner: shares against the file's total (``wld``: KAZ, KGZ,
    UZB) or among the partners listed (``partner_sum``: ARM, RUS). Precedence: where COW
    already gives the same state, year and indicator in this build (to 2014), the national
    row is kept with status ``superseded`` (not used by the index); after 2014 it is the
    panel's trade."""
    f = rd.frames["rows"]
    if not len(f):
        return None
    _register(con, "_p_nt", f[["year", "reporter", "partner", "indicator", "value", "basis",
                               "source"]])
    has_cow = con.execute("SELECT count(*) FROM information_schema.tables "
                          "WHERE table_name = 'panel'").fetchall()[0][0]
    cow = ("SELECT DISTINCT focal, year, indicator FROM panel WHERE domain = 'trade' AND "
           "partner = 'WLD' AND source LIKE 'COW%'" if has_cow else
           "SELECT NULL AS focal, NULL::INTEGER AS year, NULL AS indicator WHERE FALSE")
    return f"""
WITH p AS (SELECT year, reporter AS focal, indicator, partner, value, basis, source
           FROM _p_nt WHERE partner <> 'WLD'),
w AS (SELECT year, reporter AS focal, indicator, value AS wld FROM _p_nt WHERE partner = 'WLD'),
s AS (SELECT year, focal, indicator, sum(value ORDER BY partner) AS psum FROM p GROUP BY ALL),
b AS (SELECT year, focal, indicator, any_value(basis) AS basis, any_value(source) AS source
      FROM p GROUP BY ALL),
k AS (SELECT s.*, w.wld, CASE WHEN b.basis = 'wld' THEN w.wld ELSE s.psum END AS total,
             b.basis, b.source
      FROM s JOIN b USING (year, focal, indicator) LEFT JOIN w USING (year, focal, indicator)),
c AS ({cow}),
kk AS (SELECT k.*, c.focal IS NOT NULL AS cow,
  CASE WHEN total IS NULL OR total <= 0 THEN 'insufficient'
       WHEN c.focal IS NOT NULL THEN 'superseded'
       WHEN psum > total * {OVER_TOTAL} THEN 'inconsistent' ELSE 'ok' END AS status
  FROM k LEFT JOIN c USING (focal, year, indicator)),
nt AS (SELECT *, CASE
  WHEN total IS NULL THEN 'no total for this state and year in the file'
  WHEN total <= 0 THEN 'the total is 0'
  WHEN cow THEN 'COW covers this state and year; COW takes precedence to 2014'
  WHEN psum > total * {OVER_TOTAL}
    THEN 'partner rows add up to ' || round(100 * psum / total, 1) || ' % of the total'
  WHEN basis = 'partner_sum' THEN 'share among the partners the file lists (no total given)'
  END AS note FROM kk)
SELECT p.focal, p.year, 'trade', p.indicator, p.partner, p.value,
       CASE WHEN nt.total > 0 THEN p.value / nt.total END, nt.basis,
       CASE WHEN nt.total > 0 THEN nt.psum / nt.total END, nt.status, nt.source, nt.note
FROM p JOIN nt USING (year, focal, indicator)
UNION ALL
SELECT focal, year, 'trade', indicator, 'WLD', wld, CASE WHEN wld > 0 THEN 1.0 END, 'wld',
       CASE WHEN wld > 0 THEN psum / wld END, status, source, note
FROM nt WHERE basis = 'wld' AND wld IS NOT NULL
"""


def _trade_eu(con, rd: Read, lo: int, hi: int, poles: list[str]) -> str | None:
    """The EU side: the EU27's exports to each state (Eurostat) as that state's imports from
    the EU27 (``basis`` ``mirror_eu27_exports``; EUR bn, so no share against a USD total)."""
    f = rd.frames["rows"]
    if not len(f):
        return None
    _register(con, "_p_eu", f[["year", "reporter", "partner", "indicator", "value", "source"]])
    return """
SELECT reporter, year, 'trade', indicator, partner, value, NULL::DOUBLE, 'mirror_eu27_exports',
       1.0, 'ok', source,
       'EU27 exports to the state, EUR bn (mirror: the state''s imports from the EU27, '
       || 'valued FOB by the EU); not a share: no total in EUR'
FROM _p_eu"""


#: the year of the GEM oil tracker snapshot (June 2024)
OIL_YEAR = 2024


def _energy(con, rd: Read, lo: int, hi: int, poles: list[str]) -> str | None:
    """Cross-border oil/NGL pipeline routes of each state (GEM, operating units, June 2024):
    ``energy.oil.routes`` (share of the state's cross-border units linking it to the
    partner, ``route_count``) and ``energy.oil.route_capacity`` (share of their capacity,
    ``capacity_sum``; coverage = units with a capacity / units). GEM's ``countries`` does
    not give the direction, so a route is a link, export or import."""
    f = rd.frames["rows"]
    if not len(f) or not lo <= OIL_YEAR <= hi:
        return None
    _register(con, "_p_oil", f[["reporter", "partner", "unit", "capacity", "source"]])
    return f"""
WITH u AS (SELECT reporter AS focal, count(DISTINCT unit) AS nu,
                  count(DISTINCT unit) FILTER (WHERE capacity IS NOT NULL AND NOT isnan(capacity)) AS nc,
                  sum(CASE WHEN isnan(capacity) THEN NULL ELSE capacity END ORDER BY unit) AS cap
           FROM (SELECT DISTINCT reporter, unit, capacity FROM _p_oil) GROUP BY ALL),
p AS (SELECT reporter AS focal, partner, count(*) AS n,
             sum(CASE WHEN isnan(capacity) THEN NULL ELSE capacity END ORDER BY unit) AS cap,
             any_value(source) AS source FROM _p_oil GROUP BY ALL)
SELECT focal, {OIL_YEAR} AS year, 'energy', 'energy.oil.routes', partner, n::DOUBLE, n / u.nu,
       'route_count', 1.0, 'ok', source,
       'operating cross-border oil/NGL pipeline units linking the two (GEM, June 2024)'
FROM p JOIN u USING (focal)
UNION ALL
SELECT focal, {OIL_YEAR}, 'energy', 'energy.oil.route_capacity', partner, p.cap,
       CASE WHEN u.cap > 0 THEN p.cap / u.cap END, 'capacity_sum', u.nc / u.nu,
       CASE WHEN u.cap > 0 THEN 'ok' ELSE 'insufficient' END, source,
       CASE WHEN u.cap > 0 THEN 'capacity (bbl/d) of the units with a capacity in GEM'
            ELSE 'GEM gives no capacity for these units' END
FROM p JOIN u USING (focal) WHERE p.cap IS NOT NULL OR u.cap IS NULL
"""


#: the year of the GEM gas tracker copy (the 2022 release)
GAS_YEAR = 2022


def _energy_gas(con, rd: Read, lo: int, hi: int, poles: list[str]) -> str | None:
    """Gas pipeline routes out of and into each state (GEM GGIT, operating pipelines, the
    2022 release), from the ``gem`` reader's directed edges (consecutive countries along a
    pipeline, in GEM's order): ``energy.gas.export_routes`` / ``energy.gas.import_routes``
    (share of the state's operating cross-border pipelines leaving / entering it that run
    to / come from the partner, ``route_count``) and ``energy.gas.export_capacity`` /
    ``energy.gas.import_capacity`` (share of their capacity in bcm/y, ``capacity_sum``;
    coverage = pipelines with a capacity / pipelines). An edge out of a state is an export
    route whether the gas is the state's own or in transit."""
    f = rd.frames["rows"]
    if not len(f) or not lo <= GAS_YEAR <= hi:
        return None
    _register(con, "_p_gas", f[["reporter", "partner", "unit", "capacity", "source"]])
    cap = "CASE WHEN isnan(capacity) THEN NULL ELSE capacity END"
    return f"""
WITH e AS (SELECT DISTINCT reporter, partner, unit, capacity, source FROM _p_gas),
x AS (SELECT 'export' AS dir, reporter AS focal, partner, unit, capacity, source FROM e
      UNION ALL SELECT 'import', partner, reporter, unit, capacity, source FROM e),
u AS (SELECT dir, focal, count(*) AS nu,
             count(*) FILTER (WHERE capacity IS NOT NULL AND NOT isnan(capacity)) AS nc,
             sum({cap} ORDER BY unit) AS cap
      FROM (SELECT DISTINCT dir, focal, unit, capacity FROM x) GROUP BY ALL),
p AS (SELECT dir, focal, partner, count(*) AS n, sum({cap} ORDER BY unit) AS cap,
             any_value(source) AS source
      FROM (SELECT DISTINCT dir, focal, partner, unit, capacity, source FROM x) GROUP BY ALL)
SELECT focal, {GAS_YEAR} AS year, 'energy', 'energy.gas.' || dir || '_routes', partner,
       n::DOUBLE, n / u.nu, 'route_count', 1.0, 'ok', source,
       'operating gas pipelines running ' || CASE WHEN dir = 'export' THEN 'from the state to'
       ELSE 'into the state from' END || ' the partner (GEM GGIT 2022; own or transit gas)'
FROM p JOIN u USING (dir, focal)
UNION ALL
SELECT focal, {GAS_YEAR}, 'energy', 'energy.gas.' || dir || '_capacity', partner, p.cap,
       CASE WHEN u.cap > 0 THEN p.cap / u.cap END, 'capacity_sum', u.nc / u.nu,
       CASE WHEN u.cap > 0 THEN 'ok' ELSE 'insufficient' END, source,
       CASE WHEN u.cap > 0 THEN 'capacity (bcm/y) of the pipelines with a capacity in GEM'
            ELSE 'GEM gives no capacity for these pipelines' END
FROM p JOIN u USING (dir, focal) WHERE p.cap IS NOT NULL OR u.cap IS NULL
"""


def _institutions(con, rd: Read, lo: int, hi: int, poles: list[str]) -> str | None:
    """Shared full IGO memberships with each pole (COW IGO v3, to 2014): value = the count;
    share = the count / the sum over the poles (``pole_sum``). A group pole (EU27) counts
    the mean over the group's members of that year."""

    f = rd.frames["rows"]
    if not len(f):
        return None
    groups = _register_members(con, "_p_gm", poles)
    _register(con, "_p_igo", f[["year", "reporter", "partner", "value", "source"]])
    singles = ", ".join(_q(p) for p in poles if p not in groups) or "NULL"
    return f"""
WITH d AS (SELECT year, reporter AS focal, partner AS pole, value, source FROM _p_igo
           WHERE partner IN ({singles})
           UNION ALL
           SELECT i.year, i.reporter, m.grp, avg(i.value), any_value(i.source) FROM _p_igo i
           JOIN _p_gm m ON i.partner = m.member AND i.year BETWEEN m.y0 AND m.y1
           WHERE i.reporter <> i.partner GROUP BY i.year, i.reporter, m.grp),
t AS (SELECT year, focal, sum(value ORDER BY pole) AS total, count(*) AS n FROM d GROUP BY ALL)
SELECT d.focal, d.year, 'institutions', 'institutions.igo.shared', d.pole, d.value,
       CASE WHEN t.total > 0 THEN d.value / t.total END, 'pole_sum', t.n / {len(poles)}.0,
       CASE WHEN t.total > 0 THEN 'ok' ELSE 'insufficient' END, d.source,
       CASE WHEN t.total > 0 THEN 'shared full IGO memberships; share among the poles'
            ELSE 'no shared IGO membership with any pole' END
FROM d JOIN t USING (year, focal)
"""


def _events(con, rd: Read, lo: int, hi: int, poles: list[str]) -> str | None:
    """GDELT composite score per state and partner and year (``net_score``: not a share);
    coverage = the days of the year the file covers; below 0.9 the row is ``partial``."""
    f = rd.frames["rows"]
    if not len(f):
        return None
    _register(con, "_p_ev", f[["year", "reporter", "partner", "value", "coverage", "source"]])
    return """
SELECT reporter, year, 'events', 'events.gdelt.net_score', partner, value, NULL::DOUBLE,
       'net_score', coverage, CASE WHEN coverage < 0.9 THEN 'partial' ELSE 'ok' END, source,
       CASE WHEN coverage < 0.9 THEN 'the year is covered ' || round(100 * coverage) || ' %'
            ELSE 'sum of the GDELT composite score of the pair''s events' END
FROM _p_ev"""


#: the ICEWS indicator (:func:`_events_icews`)
ICEWS = "events.icews.net_cooperation"


def _events_icews(con, rd: Read, lo: int, hi: int, poles: list[str]) -> str | None:
    """ICEWS net cooperation per state, partner and year (``events.icews.net_cooperation``):
    value = the pair's cooperation events minus its conflict events in the year, both
    directions (CAMEO quad classes: verbal + material cooperation, verbal + material conflict;
    Duval & Thompson 1980, Gerner et al. 2002); share = ``max(value, 0) / sum_j max(value_j,
    0)`` over all the state's partners ``j`` of the year (basis ``positive_net``: the partner's
    share of the state's positive net cooperation, as the index reads the GDELT score).
    A pair with no event in either direction gives no row (its share would be 0); a state with
    events but no partner in positive net cooperation gives its rows ``insufficient``; a state
    of the file with no event at all in the year gives one ``insufficient`` row per pole."""
    f = rd.frames["rows"]
    if not len(f):
        return None
    _register(con, "_p_icews", f[["year", "reporter", "partner", "coop", "conflict", "source"]])
    src = _q(_sources(f) + "; quad-class net cooperation (Duval & Thompson 1980; CAMEO, "
             "Gerner et al. 2002)")
    _register(con, "_p_icews_poles", pd.DataFrame({"pole": poles}))
    return f"""
WITH d AS (SELECT year, reporter AS focal, partner, coop, conflict FROM _p_icews
           UNION ALL SELECT year, partner, reporter, coop, conflict FROM _p_icews),
p AS (SELECT year, focal, partner, sum(coop)::BIGINT AS coop, sum(conflict)::BIGINT AS conflict
      FROM d GROUP BY ALL),
n AS (SELECT *, coop - conflict AS net FROM p WHERE coop + conflict > 0),
t AS (SELECT year, focal, sum(greatest(net, 0)) AS tot FROM n GROUP BY ALL),
none AS (SELECT DISTINCT year, focal FROM p ANTI JOIN n USING (year, focal))
SELECT n.focal, n.year, 'events', '{ICEWS}', n.partner, n.net::DOUBLE,
       CASE WHEN t.tot > 0 THEN greatest(n.net, 0) / t.tot END, 'positive_net', 1.0,
       CASE WHEN t.tot > 0 THEN 'ok' ELSE 'insufficient' END, {src},
       CASE WHEN t.tot > 0 THEN n.coop || ' cooperation and ' || n.conflict ||
                 ' conflict events, both directions; share of the state''s positive net '
                 || 'cooperation (' || t.tot || ')'
            ELSE 'no partner in positive net cooperation with the state this year' END
FROM n JOIN t USING (year, focal)
UNION ALL
SELECT none.focal, none.year, 'events', '{ICEWS}', q.pole, NULL, NULL, 'positive_net', 1.0,
       'insufficient', {src}, 'no ICEWS event of the state with any partner this year'
FROM none CROSS JOIN _p_icews_poles q WHERE q.pole <> none.focal
"""


#: one SQL builder per domain (tests replace one to make a build fail midway)
STEPS = {"trade": _trade, "security": _security, "political": _political,
         "finance": _finance, "trade_national": _trade_national, "trade_eu": _trade_eu,
         "energy": _energy, "institutions": _institutions, "events": _events,
         "political_undl": _political, "political_ideal": _ideal, "energy_gas": _energy_gas,
         "events_icews": _events_icews}


def _domains(only: list[str] | None, root: Path) -> list[str]:
    """The domains to build, each dataset located before anything is read or written; an
    optional dataset absent from the data folder is skipped unless ``only`` names it."""
    domains = list(DATASETS) if not only else list(dict.fromkeys(only))
    bad = [d for d in domains if d not in DATASETS]
    if bad:
        raise OptionError(f"--only: {bad!r} are not panel domains; expecting some of "
                          f"{list(DATASETS)!r}")
    if not only:
        domains = [d for d in domains
                   if not DATASETS[d].optional or _found(root, DATASETS[d])]
    for d in domains:
        locate(root, DATASETS[d])
    return domains


def _found(root: Path, ds) -> bool:
    from ..errors import DatasetMissingError

    try:
        locate(root, ds)
    except DatasetMissingError:
        return False
    return True


def _ibis_trade(ibis_con):
    """The trade step computed by :func:`equipoise.panel.ibis_shares.wld_shares` on
    ``ibis_con``; the rows then go into DuckDB like the SQL step's."""
    def step(con, rd: Read, lo: int, hi: int, poles: list[str]) -> str | None:
        from ..engine import to_table
        from .ibis_shares import finish_wld, wld_shares

        dy, nat = rd.frames["dyadic"], rd.frames["national"]
        fl = pd.concat([
            pd.DataFrame({"year": dy["year"].astype("int64"), "focal": dy["reporter"],
                          "indicator": "trade.goods.import", "partner": dy["partner"],
                          "value": dy["value"].astype(float)}),
            pd.DataFrame({"year": dy["year"].astype("int64"), "focal": dy["partner"],
                          "indicator": "trade.goods.export", "partner": dy["reporter"],
                          "value": dy["value"].astype(float)})], ignore_index=True)
        tt = pd.DataFrame({"year": nat["year"].astype("int64"), "focal": nat["reporter"],
                           "indicator": nat["indicator"], "total": nat["value"].astype(float)})
        expr = wld_shares(to_table(ibis_con, fl, "_p_flows"), to_table(ibis_con, tt, "_p_tot"),
                          over_total=OVER_TOTAL)
        src = f"{_sources(dy)}; totals: {_sources(nat)}"
        _register(con, "_p_ibis_trade", finish_wld(expr.to_pandas(), domain="trade", source=src))
        return f"SELECT {', '.join(COLUMNS)} FROM _p_ibis_trade"
    return step


def _ibis_security(ibis_con):
    """The security step computed by :func:`equipoise.panel.ibis_shares.arms_window`."""
    def step(con, rd: Read, lo: int, hi: int, poles: list[str]) -> str | None:
        from ..engine import to_table
        from .ibis_shares import arms_window, finish_security

        arms, span = rd.frames["arms"], rd.frames["arms"].attrs.get("span")
        if not len(arms) or span is None or max(lo, span[0]) > min(hi, span[1]):
            return None
        years = pd.DataFrame({"year": np.arange(max(lo, span[0]), min(hi, span[1]) + 1,
                                                dtype="int64")})
        a = pd.DataFrame({"year": arms["year"].astype("int64"), "reporter": arms["reporter"],
                          "partner": arms["partner"], "value": arms["value"].astype(float)})
        expr = arms_window(to_table(ibis_con, a, "_p_arms_i"),
                           to_table(ibis_con, years, "_p_years"), first=span[0], last=span[1],
                           window=SIPRI_WINDOW)
        out = finish_security(expr.to_pandas(), source=_sources(arms), first=span[0],
                              window=SIPRI_WINDOW)
        _register(con, "_p_ibis_sec", out)
        return f"SELECT {', '.join(COLUMNS)} FROM _p_ibis_sec"
    return step


#: the steps computed by Ibis expressions when an engine is given (``--engine spark``)
IBIS_STEPS = {"trade": _ibis_trade, "security": _ibis_security}


def _open(db):
    from .. import warehouse

    path = Path(db).expanduser() if db is not None else warehouse.default_path()
    warehouse._check_writable(path)
    return path


def build(data_dir: str | Path | None = None, db: str | Path | None = None, *,
          start: int | None = None, end: int | None = None, only: list[str] | None = None,
          poles: list[str], lock_timeout: float = 0.0,
          announce=None, engine: str = "duckdb",
          embedded: bool | None = None) -> BuildReport:
    """Build the ``panel`` table of the warehouse ``db`` from the datasets under ``data_dir``.

    The table (and ``panel_sources``, ``panel_quarantine``, ``panel_builds``) is replaced in one
    transaction: re-running gives the same rows; a build that fails (a missing dataset, a
    reader error, an interruption) leaves the warehouse as it was.

    Parameters
    ----------
    data_dir : the folder holding the dataset folders (default :func:`default_data_dir`).
    db : the warehouse file (default :func:`equipoise.warehouse.default_path`).
    start, end : the years to build (default 1992 to the latest year of each source).
    only : the domains to build (default all of trade, security, political, finance).
    poles : the poles of the political comparison (the caller's: the command line gives the
        default doctrine's, :func:`equipoise.context.resolve_doctrine`).
    announce : called with one line before each dataset is read and before the write.
    engine : ``duckdb`` (the SQL of this module), ``ibis`` (the Ibis expressions on an
        in-memory DuckDB) or ``spark`` (or a Spark master URL): with the last two the
        trade and security shares are then computed by the Ibis expressions of
        :mod:`equipoise.panel.ibis_shares` on that engine (the warehouse stays DuckDB).
    embedded : add the embedded Kazakhstan rows as their own indicators (``embedded.*``,
        :mod:`equipoise.panel.embedded`); default: yes unless ``only`` is given.

    Raises
    ------
    DatasetMissingError : a dataset folder or file is missing (before anything is read).
    OptionError : bad years or domains.
    WarehouseError : the warehouse cannot be written or is in use.
    """
    import duckdb
    from filelock import FileLock

    from .. import warehouse

    t0 = time.perf_counter()
    lo, hi = _check_years(start, end)
    ibis_con = None
    if engine != "duckdb":
        from ..engine import connect

        # "ibis": the Ibis expressions on an in-memory DuckDB (to check them against the SQL);
        # an unknown engine is an OptionError before anything is read
        ibis_con = connect("duckdb" if engine == "ibis" else engine)
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    domains = _domains(only, root)
    poles = list(poles)
    if not poles:
        raise OptionError(f"poles: saw {poles!r}; expecting ISO3 codes or groups")
    path = _open(db)
    reads = {}
    # the COW IGO file (1.7 million flows from 1816 before the years are kept) is read first,
    # so its passing peak does not add to the frames the other datasets hold
    for d in sorted(domains, key=lambda x: x != "institutions"):
        if announce is not None:
            announce(f"reading {d}: {DATASETS[d].producer} ({root / DATASETS[d].folder})")
        reads[d] = read_dataset(root, d, start=lo, end=hi)
    reconcile_votes(reads)
    if announce is not None:
        announce(f"writing the panel into {path}")
    t_read = time.perf_counter() - t0
    lock = FileLock(str(path) + ".lock")
    _acquire(lock, path, lock_timeout)
    try:
        con = warehouse._raw_connect(path, config={"memory_limit": warehouse.memory_limit()})
        try:
            report = _write(con, reads, domains, lo, hi, poles, root, path, ibis_con,
                            embedded=only is None if embedded is None else embedded)
        except duckdb.OutOfMemoryException as exc:
            raise warehouse._open_error(path, exc, write=True) from exc
        finally:
            con.close()
    finally:
        lock.release()
    report.read_seconds = round(t_read, 3)
    report.seconds = round(time.perf_counter() - t0, 3)
    return report


def _register_members(con, name: str, poles, *, years: tuple[str, str] = ("y0", "y1")
                      ) -> list[str]:
    """Register the members of the group poles among ``poles`` (EU27) as the view ``name``
    (``grp``, ``member`` and the first and last year, open ends as -9999 and 9999, named
    ``years``); returns the group poles."""
    from .. import reference

    groups = [p for p in poles if reference.is_group(p)]
    members = reference.load("group_members")
    members = members[members["group"].isin(groups)]
    _register(con, name, pd.DataFrame({
        "grp": members["group"].astype(str).to_numpy(),
        "member": members["member"].astype(str).to_numpy(),
        years[0]: members["start_year"].fillna(-9999).astype("int64").to_numpy(),
        years[1]: members["end_year"].fillna(9999).astype("int64").to_numpy()}))
    return groups


def _acquire(lock, path: Path, timeout: float) -> None:
    """Take the warehouse's build lock, or a WarehouseError naming who holds it."""
    from filelock import Timeout

    try:
        lock.acquire(timeout=timeout)
    except Timeout as exc:
        raise WarehouseError(f"warehouse {path} is busy: another ingest or build holds the "
                             f"lock {path}.lock; retry when it has finished") from exc


def _rows_by_source(con, rd: Read) -> dict[str, int]:
    """The panel's rows so far: per ``source`` when ``rd`` writes rows on another dataset's
    behalf (:attr:`Read.rows_of`), else their number under the key ``""``."""
    if not rd.rows_of:
        return {"": int(con.execute("SELECT count(*) FROM panel").fetchall()[0][0])}
    return {str(s): int(n) for s, n in
            con.execute("SELECT source, count(*) FROM panel GROUP BY 1").fetchall()}


def _new_rows(con, rd: Read, d: str, before: dict[str, int]) -> dict[str, int]:
    """The rows the step of dataset ``d`` added, per dataset they came from: a row whose
    ``source`` starts with a key of ``rd.rows_of`` is that dataset's, every other is ``d``'s."""
    out = {d: 0}
    for src, n in _rows_by_source(con, rd).items():
        owner = next((o for p, o in rd.rows_of.items() if src.startswith(p)), d)
        out[owner] = out.get(owner, 0) + n - before.get(src, 0)
    return out


def _write(con, reads: dict[str, Read], domains: list[str], lo: int, hi: int,
           poles: list[str], root: Path, path: Path, ibis_con=None, *,
           embedded: bool = False) -> BuildReport:
    t0 = time.perf_counter()
    con.execute("SET enable_progress_bar = false").fetchall()
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        for name, cols in DDL.items():
            con.execute(f'DROP TABLE IF EXISTS "{name}"').fetchall()
            con.execute(f'CREATE TABLE "{name}" ({cols})').fetchall()
        by: dict[str, int] = dict.fromkeys(domains, 0)
        files: list[dict] = []
        cols = ", ".join(COLUMNS)
        for d in domains:
            rd = reads[d]
            before = _rows_by_source(con, rd)
            step = STEPS[d]
            if ibis_con is not None and d in IBIS_STEPS:
                step = IBIS_STEPS[d](ibis_con)
            sql = step(con, rd, lo, hi, poles)
            if sql is not None:
                con.execute(f"INSERT INTO panel ({cols}) SELECT * FROM ({sql}) "
                            f"WHERE year BETWEEN {lo} AND {hi} "
                            f"ORDER BY 1, 2, 4, 5").fetchall()
            for owner, n in _new_rows(con, rd, d, before).items():
                by[owner] = by.get(owner, 0) + n
            for f in rd.files:
                files.append({"dataset": d, **f})
            if rd.quarantine is not None and len(rd.quarantine):
                con.register("_p_q", rd.quarantine.assign(dataset=d))
                qcols = ", ".join(f'"{c}"' for c in PANEL_QUARANTINE_COLUMNS)
                con.execute(f"INSERT INTO panel_quarantine SELECT {qcols} FROM _p_q").fetchall()
                con.unregister("_p_q")
        # the embedded Kazakhstan rows, their own indicators (panel.embedded)
        if embedded:
            from .embedded import insert_embedded

            by["embedded"], emb_files = insert_embedded(con, lo, hi)
            files.extend(emb_files)
        if files:
            fr = pd.DataFrame(files)[["dataset", "role", "file", "rows_read", "rows_loaded",
                                      "rows_quarantined", "rows_out", "rows_in_years"]]
            con.register("_p_files", fr)
            con.execute("INSERT INTO panel_sources SELECT * FROM _p_files").fetchall()
            con.unregister("_p_files")
        rows = sum(by.values())
        first, last = con.execute("SELECT min(year), max(year) FROM panel").fetchall()[0]
        lo, hi = (lo, hi) if first is None else (int(first), int(last))
        seconds = time.perf_counter() - t0
        con.execute("INSERT INTO panel_builds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [datetime.now(UTC).isoformat(timespec="seconds"), str(root), lo, hi,
                     ",".join(domains), ",".join(poles), rows, seconds,
                     json.dumps(by)]).fetchall()
        con.execute("COMMIT").fetchall()
    except BaseException:
        con.execute("ROLLBACK").fetchall()
        raise
    return BuildReport(db=str(path), data_dir=str(root), year_from=lo, year_to=hi,
                       domains=domains, poles=poles, rows=rows, rows_by_domain=by,
                       files=files)
