"""Doctrine commands: check, evaluate, plan."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import (
    DB_PEERS,
    EDGES,
    FOCAL,
    HORIZON_MAX,
    NODES,
    PANEL,
    PLAN_SCENARIOS_MAX,
    SCENARIOS_MAX,
    SCENARIOS_MIN,
    SEED_MAX,
    SYSTEMS,
    YEAR_MAX,
    YEAR_MIN,
    check_exports,
    console,
    csv_option,
    emit_json,
    print_safe,
    safe_text,
    write_exports,
    xlsx_option,
)

DATA = typer.Option(None, "--data", help="Flow file(s) or folder(s) (CSV/Parquet, canonical "
                    "columns). Default: the embedded dataset of the focal state.")
DOCTRINE = typer.Option(None, "--doctrine", help="Doctrine TOML file (default: the shipped "
                        "Kazakhstan doctrine).")
YEAR = typer.Option(None, "--year", min=YEAR_MIN, max=YEAR_MAX,
                    help="One year for every domain (default: the latest per domain).")
JSON = typer.Option(False, "--json", help="Machine-readable output on stdout.")
WITHOUT_HELP = ("Leave out the plan rows of this rule: its kind (role, no_critical_dependency, "
                "viable_partners, no_squeeze, or a rule you registered) or plan kind (e.g. "
                "critical_share); repeatable or comma-separated.")


def _print(result) -> None:
    c = console()
    for r in result.renderables():
        print_safe(c, r)


def check(
    doctrine: Path = DOCTRINE,
    focal: str = FOCAL,
    data: list[Path] = DATA,
    year: int = YEAR,
    failed: bool = typer.Option(False, "--failed", help="List only the rules that fail."),
    votes: Path = typer.Option(None, "--votes", help="UN roll calls (unvotes or Voeten layout, "
                               "file or folder) for equidistance in the doctrine's measure, in "
                               "the --year asked for."),
    db: Path = DB_PEERS,
    panel: Path = PANEL,
    nodes: Path = NODES,
    edges: Path = EDGES,
    systems: Path = SYSTEMS,
    as_json: bool = JSON,
    csv: Path = csv_option(),
    xlsx: Path = xlsx_option(),
) -> None:
    """Check every rule of the doctrine: passed, margin and the evidence behind it.

    Margins are positive when a rule holds with room to spare, negative by how far it is
    broken. --json prints {"rules": [{"name", "passed", "margin", "evidence"}, ...]} where
    evidence holds the numbers compared and the source rows (file, line, source id).

    Examples:

      equipoise check

      equipoise check --doctrine my.toml --focal MNG --data mongolia.csv --json

      equipoise check --db w.duckdb   (with the world panel: thresholds such as
      hhi = "p50 of all states" resolved, and each rule's percentile among peers)
    """
    check_exports(csv, xlsx)
    from ..assessment import check as run_check
    from ._common import inputs_with_peers, product_screen

    the_doctrine, flows, peers, _ = inputs_with_peers(data, focal, doctrine, db=db, panel=panel)
    from .. import context

    idealpoints = context.idealpoints_or_none() if votes is not None else None
    result = run_check(flows, doctrine=the_doctrine, year=year, votes=votes,
                       idealpoints=idealpoints, peers=peers,
                       products=product_screen(db, the_doctrine, year),
                       corridors=context.resolve_corridors(the_doctrine.focal, nodes, edges,
                                                           systems))
    if failed:
        result = result.only_failed()
    payload = result.to_dict() if as_json or csv or xlsx else None  # one dict for both
    write_exports(payload, kind="check", csv=csv, xlsx=xlsx)
    if as_json:
        emit_json(payload)
        return
    _print(result)


def evaluate(
    action: str = typer.Argument(..., help="Action TOML file, or the name of a shipped "
                                 "example (see --list)."),
    doctrine: Path = DOCTRINE,
    focal: str = FOCAL,
    data: list[Path] = DATA,
    year: int = YEAR,
    scenarios: int = typer.Option(2000, "--scenarios", min=SCENARIOS_MIN, max=SCENARIOS_MAX,
                                  help="Monte Carlo scenarios for VaR/CVaR."),
    seed: int = typer.Option(0, "--seed", min=0, max=SEED_MAX,
                             help="Monte Carlo seed (same scenarios before and after)."),
    db: Path = DB_PEERS,
    panel: Path = PANEL,
    nodes: Path = NODES,
    edges: Path = EDGES,
    systems: Path = SYSTEMS,
    as_json: bool = JSON,
    csv: Path = csv_option(),
    xlsx: Path = xlsx_option(),
) -> None:
    """Weigh a proposed initiative before it is taken: the assessment, the shocks, VaR/CVaR,
    corridor max flows and the doctrine's rules before and after.

    Shipped examples (2023-2025 initiatives, each with its source): run
    `equipoise evaluate list`.

    Examples:

      equipoise evaluate us-c5plus1-deals-2025

      equipoise evaluate my-pipeline.toml --json
    """
    check_exports(csv, xlsx)
    from .. import context
    from ..assessment import evaluate as run_eval
    from ..doctrine.actions import example_actions, load_action

    if action == "list":
        for name in example_actions():
            a = load_action(name)
            typer.echo(safe_text(f"{name}: {a.title} ({a.date}; {', '.join(a.sources)})"))
        return
    from ._common import inputs_with_peers, product_screen

    act = load_action(action)
    the_doctrine, flows, peers, _ = inputs_with_peers(data, focal or act.focal, doctrine, db=db,
                                                      panel=panel)
    # the front door (as eq.evaluate): the ledger, the source grades and the graph's resolution
    result = run_eval(act, flows, doctrine=the_doctrine, focal=the_doctrine.focal, year=year,
                      corridors=context.resolve_corridors(the_doctrine.focal, nodes, edges,
                                                          systems),
                      n_scenarios=scenarios, seed=seed, peers=peers,
                      products=product_screen(db, the_doctrine, year))
    payload = result.to_dict() if as_json or csv or xlsx else None  # one dict for both
    write_exports(payload, kind="evaluate", csv=csv, xlsx=xlsx)
    if as_json:
        emit_json(payload)
        return
    _print(result)


def plan(
    doctrine: Path = DOCTRINE,
    focal: str = FOCAL,
    data: list[Path] = DATA,
    year: int = YEAR,
    horizon: int = typer.Option(5, "--horizon", min=1, max=HORIZON_MAX,
                                help="Years over which shares can move."),
    max_shift: float = typer.Option(0.05, "--max-shift", min=0.0, max=1.0,
                                    help="Share of a domain that can "
                                    "move per year (total variation); budget = max-shift x horizon."),
    capacity: float = typer.Option(None, "--capacity", min=0.0, max=1.0,
                                   help="Largest growth of one partner's "
                                   "share over the horizon (default: half the budget)."),
    cap: list[str] = typer.Option(None, "--cap", help="Absolute cap on one partner's "
                                  "target share, DOMAIN:PARTNER=SHARE (repeatable), e.g. "
                                  "energy:CHN=0.3."),
    alpha: float = typer.Option(0.95, "--alpha", min=0.5, max=0.999, help="CVaR level."),
    scenarios: int = typer.Option(2000, "--scenarios", min=SCENARIOS_MIN,
                                  max=PLAN_SCENARIOS_MAX,
                                  help="Monte Carlo scenarios (rows of the LP)."),
    seed: int = typer.Option(0, "--seed", min=0, max=SEED_MAX, help="Monte Carlo seed."),
    domains: str = typer.Option(None, "--domains", help="Comma-separated domains to plan "
                                "(default: the doctrine's critical and functional domains)."),
    without: list[str] = typer.Option(None, "--without", help=WITHOUT_HELP),
    no_roles: bool = typer.Option(False, "--no-roles", help="Alias of --without role."),
    no_critical: bool = typer.Option(False, "--no-critical-share",
                                     help="Alias of --without no_critical_dependency."),
    strict: bool = typer.Option(False, "--strict", help="Fail when a doctrine constraint "
                                "cannot hold, instead of relaxing it."),
    db: Path = typer.Option(None, "--db", help="Warehouse (DuckDB file), read as assess --db "
                            "reads it: flows from it when it holds a flows table; with "
                            "product-level trade (BACI/Comtrade ingested) trade capacity from "
                            "partners' world exports of the goods the focal state imports, and "
                            "the trade substitutability from its product screen; with the "
                            "world panel, percentile thresholds and verdicts among peers."),
    panel: Path = PANEL,
    nodes: Path = NODES,
    edges: Path = EDGES,
    systems: Path = SYSTEMS,
    as_json: bool = JSON,
    csv: Path = csv_option(),
    xlsx: Path = xlsx_option(),
) -> None:
    """Target partner shares that minimise the CVaR of the disruption loss (Rockafellar-
    Uryasev LP, HiGHS), within a shift budget, partner capacities and the doctrine's roles
    and thresholds. Reports the shifts, CVaR before and after, binding constraints with
    shadow prices in words, and the constraints that conflict when infeasible.

    Examples:

      equipoise plan

      equipoise plan --horizon 10 --max-shift 0.03 --json

      equipoise plan --without role,no_squeeze   (those rules' plan rows left out)

      equipoise plan --db warehouse.duckdb --json

      equipoise plan --nodes n.csv --edges e.csv   (your own corridor graph)
    """
    check_exports(csv, xlsx)
    from .._options import as_list
    from ..context import resolve_corridors
    from ..pipeline import plan_run
    from ._common import inputs_with_peers

    caps = _caps(cap)
    off = plan_without(without, no_roles=no_roles, no_critical=no_critical)
    the_doctrine, flows, peers, _ = inputs_with_peers(data, focal, doctrine, db=db, panel=panel)
    result = plan_run(flows, doctrine=the_doctrine, year=year, db=db, peers=peers,
                      corridors=resolve_corridors(the_doctrine.focal, nodes, edges, systems),
                      capacities=caps, horizon=horizon, max_shift=max_shift,
                      capacity=capacity, alpha=alpha, n_scenarios=scenarios, seed=seed,
                      domains=as_list(domains), without=off, strict=strict)
    payload = result.to_dict() if as_json or csv or xlsx else None  # one dict for both
    write_exports(payload, kind="plan", csv=csv, xlsx=xlsx)
    if as_json:
        emit_json(payload)
        return
    _print(result)


def plan_without(without: list[str] | None, *, no_roles: bool = False,
                 no_critical: bool = False) -> tuple[str, ...]:
    """``--without`` (and its aliases ``--no-roles``, ``--no-critical-share``) as the rule
    kinds whose plan rows are left out, checked against the rule registry (an unknown kind is
    an OptionError listing the rules with plan rows)."""
    from ..doctrine.plan import without_kinds

    names = [*(without or []), *(["role"] if no_roles else []),
             *(["no_critical_dependency"] if no_critical else [])]
    return without_kinds(names, label="--without")


def _caps(cap: list[str] | None) -> dict[tuple[str, str], float]:
    """``--cap DOMAIN:PARTNER=SHARE`` options as ``{(domain, partner): share}``."""
    import re

    from ..errors import OptionError

    caps = {}
    for item in cap or []:
        m = re.fullmatch(r"\s*([a-z]+):([A-Z0-9]+)\s*=\s*([0-9.]+)\s*", item)
        if not m or not 0 <= float(m.group(3)) <= 1:
            raise OptionError(f"--cap: expecting DOMAIN:PARTNER=SHARE with a share in 0..1, "
                              f"e.g. energy:CHN=0.3. Got {item!r}.")
        caps[(m.group(1), m.group(2))] = float(m.group(3))
    return caps


def register(app: typer.Typer) -> None:
    for command in (check, evaluate, plan):
        app.command()(command)
