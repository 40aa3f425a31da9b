"""World panel commands: ``panel build``, ``panel show`` and ``index``."""

from __future__ import annotations

from pathlib import Path

import typer

from .._results import fmt_fixed, fmt_number, fmt_sig
from ._common import FOCAL, YEAR_MAX, YEAR_MIN, emit_json, esc, output_path, safe_text

DB = typer.Option(None, "--db", help="Warehouse file (DuckDB). Default: $EQUIPOISE_DB or the "
                  "user data directory (equipoise/warehouse.duckdb).")
JSON = typer.Option(False, "--json", help="Machine-readable output on stdout.")
CSV = typer.Option(None, "--csv", metavar="FILE", help="Also write the records to this CSV.")
FROM = typer.Option(None, "--from", min=YEAR_MIN, max=YEAR_MAX, help="First year.")
TO = typer.Option(None, "--to", min=YEAR_MIN, max=YEAR_MAX, help="Last year.")
REPS_MAX = 100_000
SEED_MAX = 2**63 - 1


def register(app: typer.Typer) -> None:
    pn = typer.Typer(name="panel", help="The world panel: partner shares for every state and "
                     "year (build, show).", no_args_is_help=True)
    pn.command("build")(panel_build)
    pn.command("show")(panel_show)
    app.add_typer(pn, name="panel")
    app.command("index")(index)


def _write_csv(records, path: Path | None) -> None:
    if path is None:
        return
    import pandas as pd

    from ..io.files import write_csv

    write_csv(pd.DataFrame(records), path, what="CSV export")


def panel_build(
    data_dir: Path | None = typer.Option(None, "--data-dir", help="The folder holding the "
                                         "dataset folders (default: $EQUIPOISE_SHARED_DATA or "
                                         "../shared/data beside the checkout)."),
    db: Path | None = DB,
    start: int | None = FROM,
    end: int | None = TO,
    only: str | None = typer.Option(None, "--only", help="Comma-separated domains to build "
                                    "(trade, security, political, finance, trade_national, "
                                    "trade_eu, energy, institutions, events, "
                                    "political_undl, political_ideal, energy_gas, "
                                    "events_icews; default all present)."),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb, or spark (PySpark local[2]; "
                               "or a Spark master URL): the engine that computes the trade "
                               "and security shares (Ibis expressions); the rows are the same."),
    wait: float = typer.Option(0.0, "--wait", min=0.0, max=86_400.0,
                               help="Seconds to wait for another ingest or build."),
    embedded: bool | None = typer.Option(None, "--embedded/--no-embedded", help="Add the "
                                         "embedded Kazakhstan rows as their own indicators "
                                         "(embedded.*; default: yes unless --only is given)."),
    json: bool = JSON,
) -> None:
    """Build the warehouse table `panel` (partner shares per state, year and indicator).

    The table is replaced in one transaction: re-running gives the same rows, a failed build
    changes nothing. Example:

      equipoise panel build --data-dir ../shared/data --db w.duckdb --from 2000
    """
    from ..context import resolve_doctrine
    from ..panel import build

    domains = [d.strip() for d in only.split(",") if d.strip()] if only else None
    def announce(line: str) -> None:
        if not json:
            typer.echo(safe_text(line), err=True)

    report = build(data_dir, db, start=start, end=end, only=domains, lock_timeout=wait,
                   announce=announce, engine=engine, embedded=embedded,
                   poles=resolve_doctrine(None).poles)  # the default doctrine's
    if json:
        emit_json(report.to_dict())
        return
    from rich.table import Table

    from ._common import console

    t = Table(title=esc(f"panel build -> {report.db}"))
    for c in ("dataset", "file", "read", "loaded", "quarantined", "in years"):
        t.add_column(c, justify="left" if c in ("dataset", "file") else "right")
    for f in report.files:
        t.add_row(esc(f["dataset"]), esc(f["file"]), fmt_number(f['rows_read']),
                  fmt_number(f['rows_loaded']), fmt_number(f['rows_quarantined']),
                  fmt_number(f['rows_in_years']))
    console().print(t)
    typer.echo(safe_text(report.summary()))


def panel_show(
    focal: str = FOCAL,
    domain: str | None = typer.Option(None, "--domain", help="trade, security, political, "
                                      "finance."),
    indicator: str | None = typer.Option(None, "--indicator", help="e.g. trade.goods.import."),
    year: int | None = typer.Option(None, "--year", min=YEAR_MIN, max=YEAR_MAX,
                                    help="One year (or --from/--to)."),
    start: int | None = FROM,
    end: int | None = TO,
    db: Path | None = DB,
    json: bool = JSON,
    csv: Path | None = CSV,
) -> None:
    """Show a state's panel rows: focal, year, domain, indicator, partner, value, share, basis,
    coverage, status, source (and the note saying why a row is not ok)."""
    from ..panel import show

    output_path(csv, option="--csv", what="CSV export")
    from ..context import resolve_focal

    focal = resolve_focal(focal)
    df = show(focal, db, domain=domain, indicator=indicator, year=year, start=start, end=end)
    records = df.to_dict("records")
    _write_csv(records, csv)
    if json:
        emit_json({"focal": focal.upper(), "rows": len(records), "records": records})
        return
    from rich.table import Table

    from ._common import console

    t = Table(title=esc(f"panel {focal.upper()} ({fmt_number(len(df))} rows)"))
    for c in ("year", "domain", "indicator", "partner", "value", "share", "basis", "coverage",
              "status"):
        t.add_column(c, justify="right" if c in ("year", "value", "share", "coverage")
                     else "left")
    for r in records:
        value, share, coverage = (fmt_sig(r[k], missing="") for k in ("value", "share", "coverage"))
        t.add_row(str(r["year"]), esc(r["domain"]), esc(r["indicator"]), esc(r["partner"]),
                  value, share, esc(r["basis"]), coverage, esc(r["status"]))
    console().print(t)


def index(
    focal: str | None = FOCAL,
    peers: str | None = typer.Option(None, "--peers", help="Comma-separated ISO3 codes to "
                                     "show beside --focal (default with --focal: the shipped "
                                     "peer group, reference/peer_groups.csv; '' for none)."),
    all_states: bool = typer.Option(False, "--all", help="Every state in the panel."),
    start: int | None = FROM,
    end: int | None = TO,
    reps: int = typer.Option(1000, "--reps", min=0, max=REPS_MAX,
                             help="Bootstrap replicates for the 90 % interval (0: none)."),
    seed: int = typer.Option(12345, "--seed", min=0, max=SEED_MAX, help="Random seed."),
    db: Path | None = DB,
    json: bool = JSON,
    csv: Path | None = CSV,
    xlsx: Path | None = typer.Option(None, "--xlsx", metavar="FILE", help="Also write a "
                                     "workbook: index records, components, sensitivity "
                                     "(ranks under each alternative weighting), weightings."),
    sensitivity: bool = typer.Option(False, "--sensitivity", help="Ranks under each "
                                     "alternative weighting of the components (equal, each "
                                     "dropped, each doubled) and of the domains (each "
                                     "dropped, each doubled) and the largest change; --csv "
                                     "then writes this table."),
) -> None:
    """The balance index per state and year with a bootstrap 90 % interval, rank and
    percentile among the states whose coverage passes the bound (docs/methods.md)."""
    from ..context import resolve_doctrine
    from ..panel.index import balance_index

    output_path(csv, option="--csv", what="CSV export")
    output_path(xlsx, option="--xlsx", what="workbook")
    states = _index_states(focal, peers, all_states)
    res = balance_index(db, states=states, start=start, end=end, reps=reps, seed=seed,
                        sensitivity=sensitivity or xlsx is not None,
                        doctrine=resolve_doctrine(None))
    records = res.records()
    _write_index_exports(res, records, sensitivity, csv, xlsx)
    if json:
        out = res.to_dict()
        if not sensitivity:  # computed for the workbook only
            out.pop("sensitivity", None)
            out.pop("weightings", None)
        emit_json(out)
        return
    if sensitivity:
        _print_sensitivity(res)
        return
    _print_index(records)


def _index_states(focal: str | None, peers: str | None, all_states: bool) -> list[str] | None:
    """The states of ``index``: None with --all, else --focal (default: the context's focal
    state) and --peers (default with --focal: its shipped peer group), checked, without
    repeats."""
    from ..errors import OptionError
    from ..panel.show import check_focal

    if all_states:
        if focal or peers:
            raise OptionError("--all cannot be combined with --focal/--peers")
        return None
    if not focal and not peers:  # the default focal state (context), among its peers
        from ..context import resolve_focal

        focal = resolve_focal(None)
    if focal and peers is None:  # the shipped default peer group (panel.peers)
        from ..panel.peers import default_peers

        peers = ",".join(default_peers(focal))
    codes = ([focal] if focal else []) + \
        ([p for p in peers.split(",") if p.strip()] if peers else [])
    if not codes:
        raise OptionError("give --focal ISO3 (and --peers ISO3,...) or --all")
    return list(dict.fromkeys(check_focal(c, "--focal/--peers") for c in codes))


def _write_index_exports(res, records, sensitivity: bool, csv: Path | None,
                         xlsx: Path | None) -> None:
    """--csv (the sensitivity table with --sensitivity, else the records with one column per
    component) and --xlsx (every table of the result)."""
    if sensitivity:
        _write_csv(res.sensitivity_records(), csv)
    else:
        _write_csv([{**{k: v for k, v in r.items() if k != "components"},
                     **{f"component_{k}": v for k, v in r["components"].items()}}
                    for r in records], csv)
    if xlsx is not None:
        from ..present.exports import write_xlsx

        write_xlsx(res.tables(), xlsx)


def _print_index(records) -> None:
    """The index records as a rich table: every column from :data:`_WIDE` characters on; below
    it (a pipe, an 80-column terminal) the index with its interval in one cell, the rank, the
    status and the four components to two decimals (the percentile and full precision stay in
    --json/--csv)."""
    from rich import box
    from rich.table import Table

    from ._common import console

    out = console()
    wide = out.width >= _WIDE
    t = Table(title=esc("balance index (90 % bootstrap interval; rank among states with "
                        "enough coverage)"), box=None if not wide else box.HEAVY_HEAD)
    cols = (("state", "year", "index", "lower", "upper", "rank", "percentile", "status",
             "dependency", "distinctness", "equal distance", "predictability") if wide else
            ("state", "year", "index [90 %]", "rank", "status", "dep.", "dist.", "equal",
             "pred."))
    for c in cols:
        t.add_column(c, justify="left" if c in ("state", "status") else "right",
                     no_wrap=not wide)
    for r in records:
        t.add_row(*(_index_cells(r) if wide else _index_cells_narrow(r)))
    if any(r.get("equal_distance_measure") == "ideal_distance" for r in records):
        t.caption = esc("(ip): equal distance from the ideal-point spread (too few roll calls "
                        "for kappa in the year; docs/methods.md)")
    out.print(t)


#: the narrowest terminal that holds every column of the index table
_WIDE = 120


def _rank(r) -> str:
    return "" if r["rank"] is None else f"{r['rank']}/{r['ranked']}"


def _ip(r) -> str:
    return " (ip)" if r.get("equal_distance_measure") == "ideal_distance" else ""


def _index_cells(r) -> tuple[str, ...]:
    index, lower, upper, pct = (fmt_sig(r[k], missing="")
                                for k in ("index", "lower", "upper", "percentile"))
    dep, dist, eqd, pred = (fmt_sig(r["components"][k], missing="") for k in (
        "dependency", "distinctness", "equal_distance", "predictability"))
    return (esc(r["state"]), str(r["year"]), index, lower, upper, _rank(r), pct,
            esc(r["status"]), dep, dist, eqd + _ip(r), pred)


def _index_cells_narrow(r) -> tuple[str, ...]:
    comp = r["components"]

    def two(v) -> str:
        return "" if v is None or v != v else fmt_fixed(v, 2)

    interval = (two(r["index"]) + (f" [{two(r['lower'])}, {two(r['upper'])}]"
                                   if r["lower"] is not None and r["lower"] == r["lower"]
                                   else ""))
    return (esc(r["state"]), str(r["year"]), interval, _rank(r), esc(r["status"]),
            two(comp["dependency"]), two(comp["distinctness"]),
            two(comp["equal_distance"]) + _ip(r), two(comp["predictability"]))


def _print_sensitivity(res) -> None:
    """Per state and year: the rank under the doctrine's weights, the best and the worst rank
    under the alternative weightings (and which) and the largest change; then the weightings.
    Every rank is in --json, --csv and --xlsx."""
    from rich.table import Table

    from ._common import console

    names = [w["name"] for w in res.weightings]
    t = Table(title=esc("rank under each alternative weighting of the components and the "
                        "domains (among the states with enough coverage; doctrine = the "
                        "index's own; every rank: --json, --csv, --xlsx)"))
    for c in ("state", "year", "ranked", "doctrine", "best", "worst", "max change"):
        t.add_column(c, justify="left" if c in ("state", "best", "worst") else "right")
    for r in res.sensitivity_records():
        ranks = [(r[f"rank_{n}"], n) for n in names[1:] if r[f"rank_{n}"] is not None]
        best = f"{min(ranks)[0]} ({min(ranks)[1]})" if ranks else ""
        worst = f"{max(ranks)[0]} ({max(ranks)[1]})" if ranks else ""
        t.add_row(esc(r["state"]), str(r["year"]), "" if r["ranked"] is None else
                  str(r["ranked"]), "" if r["rank_doctrine"] is None else
                  str(r["rank_doctrine"]), esc(best), esc(worst),
                  "" if r["max_change"] is None else str(r["max_change"]))
    console().print(t)
    for w in res.weightings:
        dw = w.get("domain_weights")
        console().print(f"{esc(w['name'])}: " + ", ".join(
            f"{c} {fmt_sig(v, 3, thousands=False)}" for c, v in w["weights"].items())
            + ("" if dw is None else "; domains " + ", ".join(
                f"{d} {fmt_sig(v, 3, thousands=False)}" for d, v in dw.items())))
