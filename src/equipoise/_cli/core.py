"""Core commands: assess, explain, sources, validate, run (defaults resolved by
:mod:`equipoise.context`, the composition of assess in :mod:`equipoise.pipeline`)."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import (
    DB_PEERS,
    EDGES,
    FOCAL,
    NODES,
    PANEL,
    SYSTEMS,
    YEAR_MAX,
    YEAR_MIN,
    check_exports,
    console,
    csv_option,
    emit_json,
    esc,
    fail,
    output_path,
    print_safe,
    write_exports,
    xlsx_option,
)

DATA = typer.Option(None, "--data", help="Flow file(s) or folder(s) (CSV/Parquet, canonical columns). "
                    "Default: the embedded Kazakhstan dataset.")
DOCTRINE = typer.Option(None, "--doctrine",
                        help="Doctrine TOML file (default: the shipped Kazakhstan doctrine).")
LENIENT = typer.Option(False, "--lenient", help="Quarantine bad rows instead of stopping.")


def _report_quarantine(flows, quarantine_out: Path | None) -> None:
    c = flows.counts
    if c["quarantined"]:
        typer.echo(f"read {c['read']} rows: loaded {c['loaded']}, quarantined {c['quarantined']}"
                   + (f" (written to {quarantine_out})" if quarantine_out else
                      " (list them with --quarantine FILE or `equipoise validate`)"), err=True)
    if quarantine_out is not None:
        from ..io.files import write_csv

        write_csv(flows.quarantine, quarantine_out, what="quarantine file")


PLAN_WITHOUT = typer.Option(None, "--without", help="With --plan: leave out the plan rows of this "
                            "rule (as plan --without); repeatable or comma-separated.")


def assess(
    focal: str = FOCAL,
    year: int = typer.Option(None, "--year", min=YEAR_MIN, max=YEAR_MAX,
                             help="One year for every domain (default: the latest per "
                                  "domain)."),
    data: list[Path] = DATA,
    doctrine: Path = DOCTRINE,
    db: Path = DB_PEERS,
    panel: Path = PANEL,
    lenient: bool = LENIENT,
    quarantine: Path = typer.Option(None, "--quarantine", help="Write quarantined rows to "
                                    "this CSV (its folder must exist)."),
    votes: Path = typer.Option(None, "--votes", help="UN roll calls (unvotes or Voeten layout, file "
                               "or folder): equidistance with bootstrap intervals."),
    events: Path = typer.Option(None, "--events",
                                help="Engagement ledger CSV (default: the embedded one)."),
    with_plan: bool = typer.Option(False, "--plan", help="Add the CVaR-minimising diversification plan."),
    plan_without: list[str] = PLAN_WITHOUT,
    actions: list[str] = typer.Option(None, "--action", help="Add the before/after evaluation of an "
                                      "action file (or a shipped example name); repeatable."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    explain: bool = typer.Option(False, "--explain", help="Open with a plain-language "
                                 "paragraph per domain (with --json: a `narrative` key)."),
    nodes: Path = NODES,
    edges: Path = EDGES,
    systems: Path = SYSTEMS,
    csv: Path = csv_option(),
    xlsx: Path = xlsx_option(),
) -> None:
    """Assess a focal state against its doctrine of functional balance.

    Examples:

      equipoise assess

      equipoise assess --explain

      equipoise assess --focal MNG --data mongolia.csv --json

      equipoise assess --db w.duckdb   (a warehouse with the world panel: rules among peers)

      equipoise assess --nodes n.csv --edges e.csv   (your own corridor graph)

      equipoise assess --nodes n.csv --edges e.csv --systems s.csv   (with its flow systems)
    """
    check_exports(csv, xlsx)
    from .. import context
    from ..pipeline import assess_run
    from ._common import inputs_with_peers, product_screen

    output_path(quarantine, option="--quarantine", create=False,
                what="quarantine file")
    off = _plan_without(plan_without, with_plan)
    if events is not None:
        from ..io.events import read_events

        events = read_events(events)  # the ledger's validation: a bad row stops here
    the_doctrine, flows, peers, _ = inputs_with_peers(data, focal, doctrine, db=db, panel=panel,
                                                      lenient=lenient)
    _report_quarantine(flows, quarantine)
    corridors = context.resolve_corridors(the_doctrine.focal, nodes, edges, systems)
    products = product_screen(db, the_doctrine, year)
    job = assess_run(flows, doctrine=the_doctrine, year=year, votes=votes, events=events,
                     idealpoints=None if votes is None else context.idealpoints_or_none(),
                     plan=with_plan, actions=actions or (), narrative=explain, peers=peers,
                     db=db, products=products, corridors=corridors, plan_without=off)
    payload = job.to_dict() if as_json or csv or xlsx else None  # one dict for both
    write_exports(payload, kind="assess", csv=csv, xlsx=xlsx)
    if as_json:
        emit_json(payload)
        return
    c = console()
    for text in (job.narrative or {}).values():
        print_safe(c, esc(text) + "\n")
    for r in job.assessment.renderables():
        print_safe(c, r)
    for extra in (job.plan, *job.evaluations):
        if extra is not None:
            print_safe(c, extra.summary())


def _plan_without(without: list[str] | None, with_plan: bool) -> tuple[str, ...]:
    """``assess --without``: the rule kinds the plan leaves out (checked against the rule
    registry); an error without ``--plan``, where it would change nothing."""
    if not without:
        return ()
    from ..errors import OptionError
    from .doctrine import plan_without

    if not with_plan:
        raise OptionError(f"--without {','.join(without)}: leaves rules out of the plan; "
                          "expected it with --plan")
    return plan_without(without)


def explain(
    domain: str = typer.Option(..., "--domain", help="Domain to explain (trade, energy, security, ...)."),
    focal: str = FOCAL,
    year: int = typer.Option(None, "--year", min=YEAR_MIN, max=YEAR_MAX),
    data: list[Path] = DATA,
    doctrine: Path = DOCTRINE,
    db: Path = DB_PEERS,
    panel: Path = PANEL,
    nodes: Path = NODES,
    edges: Path = EDGES,
    systems: Path = SYSTEMS,
    as_json: bool = typer.Option(False, "--json"),
    csv: Path = csv_option(),
    xlsx: Path = xlsx_option(),
) -> None:
    """Show the rows and sources behind one domain's numbers (the domain as assess gives it:
    the same --db, --panel and --nodes/--edges/--systems).

    Example: equipoise explain --focal KAZ --domain security
    """
    check_exports(csv, xlsx)
    from ..context import resolve_corridors
    from ..explain import explain_domain
    from ._common import inputs_with_peers, product_screen

    the_doctrine, flows, peers, _ = inputs_with_peers(data, focal, doctrine, db=db, panel=panel)
    products = product_screen(db, the_doctrine, year)
    ex = explain_domain(flows, focal=the_doctrine.focal, domain=domain, year=year,
                        doctrine=the_doctrine, products=products, peers=peers,
                        corridors=resolve_corridors(the_doctrine.focal, nodes, edges, systems))
    payload = ex.to_dict() if as_json or csv or xlsx else None  # one dict for both
    write_exports(payload, kind="explain", csv=csv, xlsx=xlsx)
    if as_json:
        emit_json(payload)
        return
    c = console()
    for r in ex.renderables():
        print_safe(c, r)


def sources(
    focal: str = FOCAL,
    data: list[Path] = DATA,
    domain: str = typer.Option(None, "--domain", help="Only sources used in this domain."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List every source behind the data, with producer, title, URL and row counts."""
    from ..context import resolve_flows
    from ..explain import source_table
    from ._common import check_domain

    check_domain(domain)
    flows = resolve_flows(data, focal)
    tab = source_table(flows, domain=domain)
    if as_json:
        emit_json(tab.to_dict("records"))
        return
    from rich.table import Table

    t = Table(title=f"Sources ({len(tab)})")
    for col in ("source", "producer", "title", "url", "rows", "domains"):
        t.add_column(col, overflow="fold")
    for r in tab.to_dict("records"):
        t.add_row(*(esc(r.get(k, "") or "") for k in ("source", "producer", "title", "url",
                                                      "rows", "domains")))
    console().print(t)


def validate(
    paths: list[Path] = typer.Argument(..., help="Flow files or folders to check."),
    lenient: bool = typer.Option(True, "--lenient/--strict",
                                 help="List every bad row (default) or stop at the first report."),
    quarantine: Path = typer.Option(None, "--quarantine", help="Write the quarantine to "
                                    "this CSV (its folder must exist)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Check flow files and list the quarantine (rows rejected, with line, column and reason)."""
    from ..io.flows import read_flows

    output_path(quarantine, option="--quarantine", create=False,
                what="quarantine file")
    fs = read_flows(paths, lenient=lenient)
    if quarantine is not None:
        from ..io.files import write_csv

        write_csv(fs.quarantine, quarantine, what="quarantine file")
    if as_json:
        emit_json({"counts": fs.counts, "quarantine": fs.quarantine.to_dict("records")})
    else:
        from rich.table import Table

        c = console()
        c.print(f"read {fs.counts['read']}, loaded {fs.counts['loaded']}, "
                f"quarantined {fs.counts['quarantined']}")
        if len(fs.quarantine):
            t = Table(title="Quarantine")
            for col in ("source", "line", "column", "value", "reason", "message"):
                t.add_column(col, overflow="fold")
            for r in fs.quarantine.to_dict("records"):
                t.add_row(*(esc(r[k]) for k in ("source", "line", "column", "value", "reason",
                                                 "message")))
            c.print(t)
    if fs.counts["quarantined"]:
        raise typer.Exit(1)


def run(
    focal: str = FOCAL,
    data: list[Path] = DATA,
    doctrine: Path = DOCTRINE,
    out: Path = typer.Option(Path("equipoise-output"), "--out",
                             help="Output folder (created if missing)."),
    db: Path = DB_PEERS,
    panel: Path = PANEL,
    nodes: Path = NODES,
    edges: Path = EDGES,
    systems: Path = SYSTEMS,
) -> None:
    """The main job: assessment, partner shocks, Monte Carlo and report; prints where they are."""
    from ..context import resolve_corridors
    from ..pipeline import run_main_job
    from ._common import inputs_with_peers, product_screen

    output_path(out, option="--out", folder=True)
    the_doctrine, flows, peers, panel_db = inputs_with_peers(data, focal, doctrine, db=db,
                                                             panel=panel)
    try:
        written = run_main_job(flows, doctrine=the_doctrine, out=out, peers=peers,
                               panel_db=panel_db, products=product_screen(db, the_doctrine),
                               corridors=resolve_corridors(the_doctrine.focal, nodes, edges, systems))
    except OSError as exc:
        fail(f"cannot write outputs to {out}: {exc}")
    c = console()
    c.print(f"[bold]equipoise[/bold]: outputs for {esc(written['focal'])} in "
            f"{esc(out.resolve())}")
    for name, path in written["files"].items():
        c.print(f"  {esc(name):<12} {esc(path)}")


def register(app: typer.Typer) -> None:
    for command in (assess, explain, sources, validate, run):
        app.command()(command)
