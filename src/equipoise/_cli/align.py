"""Political balance commands: align, blocs, ledger, extract."""

from __future__ import annotations

from pathlib import Path

import typer

from .._results import fmt_fixed
from ..context import DEFAULT_POLES
from ._common import (
    FOCAL,
    REPS_MAX,
    ROLLCALLS_MAX,
    SEED_MAX,
    TABLE_MAX_BYTES,
    YEAR_MAX,
    YEAR_MIN,
    check_codes,
    check_exports,
    console,
    csv_option,
    emit_json,
    esc,
    focal_code,
    safe_text,
    text_file_option,
    write_exports,
    xlsx_option,
)

POLES = typer.Option(None, "--poles",
                     help="Comma-separated poles: ISO3 codes or groups (EU27 = pooled over the "
                          f"member states of each year). Default: {','.join(DEFAULT_POLES)}.")
JSON = typer.Option(False, "--json", help="Machine-readable output (stdout).")


def align(
    focal: str = FOCAL,
    poles: str = POLES,
    start: int = typer.Option(None, "--from", min=YEAR_MIN, max=YEAR_MAX,
                              help="First calendar year (inclusive)."),
    end: int = typer.Option(None, "--to", min=YEAR_MIN, max=YEAR_MAX,
                            help="Last calendar year (inclusive)."),
    by: str = typer.Option("year", "--by", help="year | session | issue | all"),
    measure: str = typer.Option("agree", "--measure",
                                help="agree | coincidence | s | kappa | ipd"),
    votes: Path = typer.Option(None, "--votes",
                               help="Votes: a file or folder in the unvotes or Voeten "
                                    "layout (default: warehouse, $EQUIPOISE_VOTES or the "
                                    "shared data)."),
    idealpoints: Path = typer.Option(None, "--idealpoints",
                                     callback=text_file_option("ideal-point file",
                                                               TABLE_MAX_BYTES),
                                     help="BSV ideal-point CSV for --measure ipd."),
    reps: int = typer.Option(1000, "--reps", min=0, max=REPS_MAX,
                             help="Bootstrap replicates (0: none)."),
    seed: int = typer.Option(0, "--seed", min=0, max=SEED_MAX,
                             help="Seed of the bootstrap."),
    level: float = typer.Option(0.95, "--level", min=0.5, max=0.999,
                                help="Interval coverage."),
    min_rollcalls: int = typer.Option(10, "--min-rollcalls", min=0, max=ROLLCALLS_MAX,
                                      help="Drop periods with fewer common roll calls "
                                           "(e.g. the few January votes of a year)."),
    as_json: bool = JSON,
    csv: Path = csv_option(),
    xlsx: Path = xlsx_option(),
) -> None:
    """Alignment with each pole from UN General Assembly votes, and equidistance.

    Examples:

      equipoise align --from 2007 --to 2019 --by all --measure agree

      equipoise align --poles USA,RUS,CHN --by issue --json

      equipoise align --measure ipd --by session --from 2015
    """
    check_exports(csv, xlsx)
    from .. import context
    from .._options import as_list
    from ..measures.alignment import alignment

    # votes and ideal points not given: readers of the default places, called when needed
    res = alignment(context.votes_source if votes is None else votes, focal=focal_code(focal),
                    poles=as_list(poles) or context.resolve_poles(None), start=start, end=end, by=by, measure=measure, reps=reps,
                    seed=seed, level=level, min_rollcalls=min_rollcalls,
                    idealpoints=context.idealpoints_source if idealpoints is None
                    else idealpoints, fallback=context.load_default)
    payload = res.to_dict() if as_json or csv or xlsx else None  # one dict for both
    write_exports(payload, kind="align", csv=csv, xlsx=xlsx)
    if as_json:
        emit_json(payload)
        return
    _print_alignment(res)


def blocs(
    focal: str = FOCAL,
    poles: str = POLES,
    year: int = typer.Option(None, "--year", min=YEAR_MIN, max=YEAR_MAX,
                             help="Memberships in force this year."),
    forbidden: str = typer.Option("military alliance", "--forbidden-kinds",
                                  help="Comma-separated kinds that break the no-camp rule."),
    cow_igo: bool = typer.Option(True, "--cow-igo/--no-cow-igo",
                                 help="Add COW IGO shared memberships (to 2014) from the "
                                      "shared data where available."),
    as_json: bool = JSON,
) -> None:
    """Alliances, blocs and platforms of the focal state; the no-camp rule; co-membership.

    Examples:

      equipoise blocs

      equipoise blocs --year 2014 --json
    """
    from .._options import as_list
    from ..context import cow_igo_source, resolve_poles
    from ..measures.blocs import bloc_report

    focal = check_codes([focal_code(focal)], option="--focal", groups=False)[0]
    poles = resolve_poles(check_codes(as_list(poles) or [], option="--poles"))
    r = bloc_report(focal, poles, year=year, forbidden_kinds=as_list(forbidden),
                    cow_igo=cow_igo_source() if cow_igo else False)
    if as_json:
        emit_json(r.to_dict())
        return
    typer.echo(safe_text(r.summary()))


def ledger(
    events: Path = typer.Argument(None, help="Events CSV (date, actor, counterpart, kind, "
                                             "domains, value_usd, source); default: the "
                                             "embedded ledger."),
    focal: str = FOCAL,
    poles: str = POLES,
    by: str = typer.Option("year", "--by", help="year | all"),
    lenient: bool = typer.Option(False, "--lenient",
                                 help="Quarantine bad rows instead of stopping."),
    icews: bool = typer.Option(False, "--icews",
                               help="Add ICEWS dyad-year cooperation/conflict (2002-2014) "
                                    "from the shared data as a secondary signal."),
    as_json: bool = JSON,
    csv: Path = csv_option(),
    xlsx: Path = xlsx_option(),
) -> None:
    """The engagement ledger: visits, agreements and their value per pole and domain.

    Examples:

      equipoise ledger

      equipoise ledger my_events.csv --focal UZB --json

      equipoise ledger --icews
    """
    check_exports(csv, xlsx)
    from .._options import as_list
    from ..context import events_source, icews_source, resolve_poles
    from ..io.events import read_events
    from ..measures.engagement import engagement_balance, icews_engagement

    focal = check_codes([focal_code(focal)], option="--focal", groups=False)[0]
    poles = resolve_poles(check_codes(as_list(poles) or [], option="--poles"))
    ev = events_source(focal) if events is None else read_events(events, lenient=lenient)
    bal = engagement_balance(ev, focal=focal, poles=poles, by=by)
    ic = icews_engagement(icews_source(), focal=focal, poles=poles) if icews else None
    d = bal.to_dict()
    d["counts"] = ev.counts
    d["quarantine"] = ev.quarantine.to_dict("records")
    if ic is not None:
        d["icews"] = ic.to_dict("records")
    write_exports(d, kind="ledger", csv=csv, xlsx=xlsx)
    if as_json:
        emit_json(d)
        return
    out = [bal.summary()]
    if len(bal.spread):
        out += ["spread of shares across poles (0 = equal engagement):",
                bal.spread.round(3).to_string(index=False)]
    if ev.counts["quarantined"]:
        out.append(f"quarantined {ev.counts['quarantined']} row(s)")
    if ic is not None:
        w = ic.pivot(index="year", columns="pole", values="coop_share").round(3)
        out += ["ICEWS cooperation share of the focal state's total (2002-2014):",
                w.to_string()]
    typer.echo(safe_text("\n".join(out)))


def extract(
    article: Path = typer.Argument(..., help="An English news article (text file; "
                                             "'# url:' / '# date:' header lines allowed)."),
    focal: str = FOCAL,
    year: int = typer.Option(None, "--year", min=YEAR_MIN, max=YEAR_MAX,
                             help="The article's year (leaders in office); default: its "
                                  "'# date:' header."),
    as_json: bool = JSON,
) -> None:
    """Read a news article into candidate ledger events (rule-based; no model download).

    The article is a UTF-8 text file of at most 1 MiB.

    Examples:

      equipoise extract article.txt

      equipoise extract article.txt --json
    """
    from ..extract import extract_file

    focal = check_codes([focal_code(focal)], option="--focal", groups=False)[0]
    r = extract_file(article, focal=focal, year=year)
    if as_json:
        emit_json(r.to_dict())
        return
    typer.echo(safe_text(r.summary()))


def register(app: typer.Typer) -> None:
    for command in (align, blocs, ledger, extract):
        app.command()(command)


def _print_alignment(res) -> None:
    from rich.table import Table

    c = console()
    t = Table(title=f"{esc(res.focal)}: {res.measure} by {res.by} "
                    f"({int(res.level * 100)}% intervals, {res.reps} bootstrap reps)")
    t.add_column("period")
    for p in res.poles:
        t.add_column(esc(p), justify="right")
    t.add_column("equidistance", justify="right")
    s = res.series.set_index(["period", "pole"])
    e = res.equidistance.set_index("period")

    def cell(v, lo, hi):  # the value and its interval
        if v != v:  # NaN
            return "-"
        return fmt_fixed(v) + ("" if lo != lo else f" [{fmt_fixed(lo, 2)},{fmt_fixed(hi, 2)}]")

    for period in e.index:
        row = [str(period)]
        for p in res.poles:
            if (period, p) in s.index:
                r = s.loc[(period, p)]
                row.append(cell(r["value"], r["lower"], r["upper"]))
            else:
                row.append("-")
        er = e.loc[period]
        row.append(cell(er["value"], er["lower"], er["upper"]))
        t.add_row(*row)
    c.print(t)
    for n in res.notes:
        c.print(f"note: {esc(n)}", highlight=False)
