"""Risk commands: shock, corridors, simulate."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from .._results import fmt_number
from ._common import (
    DB_PEERS,
    EDGES,
    FOCAL,
    NODES,
    PANEL,
    RUNS_MAX,
    SYSTEMS,
    YEAR_MAX,
    YEAR_MIN,
    check_codes,
    check_exports,
    csv_option,
    emit_json,
    focal_code,
    read_csv,
    safe_text,
    write_exports,
    xlsx_option,
)

DATA = typer.Option(None, "--data", help="Flow file(s) (canonical columns). Default: the embedded "
                    "Kazakhstan dataset.")
SHARES = typer.Option(None, "--shares", help="A shares table (CSV: domain, partner, share[, year]) "
                      "instead of flows.")
DOCTRINE = typer.Option(None, "--doctrine", help="Doctrine TOML (weights, substitutability); "
                        "default: the shipped one.")
YEAR = typer.Option(None, "--year", min=YEAR_MIN, max=YEAR_MAX,
                    help="Year of the shares (default: the latest per domain).")
JSON = typer.Option(False, "--json", help="Machine-readable output on stdout.")
LOSS_MODEL = typer.Option(None, "--loss-model",
                          help="shares | corridors | max (default max, the same in shock, "
                               "simulate, run and the dashboard: per domain the larger of the "
                               "shares loss and the corridor max-flow loss; named in the output).")


def _split(value: str | None) -> list[str] | None:
    from .._options import as_list

    return as_list(value)


def _kv(value: str | None, what: str) -> dict[str, float]:
    """'energy=0.1,trade=0.5' -> dict."""
    from ..errors import OptionError

    out = {}
    for part in _split(value) or []:
        key, sep, num = part.partition("=")
        try:
            if not sep:
                raise ValueError
            out[key.strip()] = float(num)
        except ValueError as exc:
            raise OptionError(f"{what}: {part!r}; expecting NAME=NUMBER[,NAME=NUMBER...]") from exc
    return out


def _basis(focal: str, data: list[Path] | None, shares: Path | None, doctrine: Path | None,
           year: int | None, graph: tuple[Path | None, Path | None, Path | None],
           db: Path | None = None, panel: Path | None = None):
    """The run's :func:`equipoise.assessment.risk_basis`: the ``--shares`` table (kind, size
    and encoding checked here, located; every row by risk.shocks) or the flows (``--data``,
    else the embedded dataset; with ``--db``/``--panel`` read as every command that assesses
    reads them: :func:`._common.inputs_with_peers`), the doctrine, the measured
    substitutability, the graph of ``--nodes/--edges/--systems``."""
    from ..assessment import risk_basis
    from ..context import resolve_corridors
    from ..errors import OptionError

    corridors = resolve_corridors(focal, *graph)
    if shares is not None:
        if db is not None or panel is not None:
            raise OptionError("--shares is a shares table: give it or --db/--panel, not both")
        table = read_csv(shares, what="shares file", dtype={"domain": str, "partner": str})
        return risk_basis(focal=focal, shares=table, doctrine=doctrine, year=year,
                          corridors=corridors)
    if db is None and panel is None:
        return risk_basis(data or None, focal=focal, doctrine=doctrine, year=year,
                          corridors=corridors)
    from ._common import inputs_with_peers, product_screen

    the_doctrine, flows, peers, _ = inputs_with_peers(data, focal, doctrine, db=db, panel=panel)
    return risk_basis(flows, focal=the_doctrine.focal, doctrine=the_doctrine, year=year,
                      corridors=corridors, peers=peers,
                      products=product_screen(db, the_doctrine, year))


def shock(
    focal: str = FOCAL,
    partner: str = typer.Option(None, "--partner", help="Partner cut off (ISO3 or group, e.g. RUS, EU27)."),
    domains: str = typer.Option(None, "--domains", help="Comma-separated domains (default: all with data)."),
    intensity: float = typer.Option(1.0, "--intensity", min=0.0, max=1.0,
                                    help="Fraction of the partner's flows cut, 0..1."),
    substitutability: str = typer.Option(None, "--substitutability",
                                         help="Overrides, e.g. energy=0.1,trade=0.5."),
    loss_model: str = LOSS_MODEL,
    request: Path = typer.Option(None, "--request",
                                 help="A shock request TOML ([shock] table)."),
    screen: Path = typer.Option(None, "--screen",
                                help="Product screen CSV (domain, world_hhi, value; or product, "
                                     "world_export_hhi, imports): substitutability from data."),
    year: int = YEAR,
    data: list[Path] = DATA,
    shares: Path = SHARES,
    doctrine: Path = DOCTRINE,
    db: Path = DB_PEERS,
    panel: Path = PANEL,
    nodes: Path = NODES,
    edges: Path = EDGES,
    systems: Path = SYSTEMS,
    as_json: bool = JSON,
    csv: Path = csv_option(),
    xlsx: Path = xlsx_option(),
) -> None:
    """Loss by domain and in total when a partner is cut off, after substitution.

    Shares model: loss_d = intensity x share of the partner in d x (1 - substitutability_d);
    corridor model (energy, corridors): the fraction of the corridor graph's max flow lost.
    The default loss model, max, takes the larger of the two per domain (the same model as
    simulate and run). The total is the doctrine-weighted mean over the domains with data.

    Examples:

      equipoise shock --focal KAZ --partner RUS

      equipoise shock --partner CHN --domains trade,corridors --intensity 0.5 --json

      equipoise shock --partner RUS --loss-model shares   # substitution only, no max flow
    """
    check_exports(csv, xlsx)
    from ..errors import OptionError
    from ..risk.shocks import ShockRequest

    if request is not None:
        # a file without focal: --focal, else the default focal state (context)
        req = ShockRequest.from_toml(request, default_focal=focal_code(focal))
    else:
        if not partner:
            raise OptionError("--partner is required (or give --request FILE)")
        focal = check_codes([focal_code(focal)], option="--focal", groups=False)[0]
        partner = check_codes([partner], option="--partner")[0]
        req = ShockRequest(focal=focal, partner=partner, domains=_split(domains),
                           intensity=intensity, substitutability=_kv(substitutability,
                                                                     "--substitutability"),
                           year=year, **({"loss_model": loss_model} if loss_model else {}))
    basis = _basis(req.focal, data, shares, doctrine, req.year, (nodes, edges, systems), db, panel)
    scr = None if screen is None else read_csv(screen, what="product screen file",
                                               dtype={"product": str})
    from ..assessment import shock_run
    from ..errors import InputError

    try:
        res = shock_run(req, basis=basis, screen=scr)
    except InputError as exc:  # name the file the table came from (rows are 1 = header)
        msg = str(exc)
        for prefix, path in (("shares table", shares), ("product screen", screen)):
            if path is not None and msg.startswith(prefix):
                raise type(exc)(f"{path}: {msg}", issues=getattr(exc, "issues", None)
                                ) from None
        raise
    payload = res.to_dict() if as_json or csv or xlsx else None  # one dict for both
    write_exports(payload, kind="shock", csv=csv, xlsx=xlsx)
    if as_json:
        emit_json(payload)
    else:
        typer.echo(safe_text(res.summary()))


def corridors(
    source: str = typer.Option(None, "--from", help="Source node id (e.g. KZ_OIL)."),
    to: str = typer.Option(None, "--to", help="Sink node id(s), comma-separated."),
    system: str = typer.Option(None, "--system",
                               help="A named flow system of the graph (its --systems, else the shipped ones) instead of "
                                    "--from/--to (oil_export, gas_export, gas_transit, rail_transit)."),
    without: str = typer.Option(None, "--without", help="Countries whose nodes are removed, e.g. RUS,AZE."),
    contingencies: int = typer.Option(0, "--contingencies", min=0, max=2,
                                      help="1: every single country removed; 2: also every pair."),
    nodes: Path = typer.Option(None, "--nodes",
                               help="Your nodes CSV (id, country, kind[, capacity])."),
    edges: Path = typer.Option(None, "--edges",
                               help="Your edges CSV (source, target, capacity, mode[, unit])."),
    systems: Path = SYSTEMS,
    focal: str = FOCAL,
    as_json: bool = JSON,
    csv: Path = csv_option(),
    xlsx: Path = xlsx_option(),
) -> None:
    """Max flow, min cut, and the flow lost without some countries' nodes.

    Removing a country removes all its nodes except the source and sinks; contingencies
    try every other country on a source-sink path (not --focal, which does not disrupt
    itself). Every edge of the shipped graph cites its source (see kaz_edges.csv).

    Examples:

      equipoise corridors --from KZ_OIL --to OIL_MARKETS --without RUS

      equipoise corridors --system rail_transit --contingencies 2

      equipoise corridors --nodes n.csv --edges e.csv --from A --to X,Y --json
    """
    check_exports(csv, xlsx)
    from ..context import resolve_corridors
    from ..errors import CorridorError
    from ..risk.corridors import analyse_corridors, load_corridors, systems_of

    focal = focal_code(focal)
    # the graph with its flow systems, resolved as every command resolves it; without one
    # (none ships for the focal state) load_corridors says so, located
    g = resolve_corridors(focal, nodes, edges, systems) or load_corridors(focal=focal)
    sy = systems_of(g)
    if system is not None:
        row = sy[sy["system"] == system]
        if row.empty:
            raise CorridorError(f"--system: {system!r} unknown; expecting one of "
                                f"{list(sy['system'])}")
        source, to = row["source"].iat[0], row["sinks"].iat[0].replace(";", ",")
    if not source or not to:
        hint = "; ".join(f"{r.system}: --from {r.source} --to {r.sinks}" for r in sy.itertuples())
        raise CorridorError("give --from NODE and --to NODE[,NODE...] (or --system NAME)"
                            + (f"; the graph's systems: {hint}" if hint else ""))
    res = analyse_corridors(g, source, to, without=_split(without) or [],
                            contingencies=contingencies, focal=focal)
    payload = res.to_dict() if as_json or csv or xlsx else None  # one dict for both
    write_exports(payload, kind="corridors", csv=csv, xlsx=xlsx)
    if as_json:
        emit_json(payload)
    else:
        typer.echo(safe_text(res.summary()))


def simulate(
    focal: str = FOCAL,
    runs: int = typer.Option(None, "--runs", help=f"Number of scenarios, 1..{fmt_number(RUNS_MAX)} "
                             "(default 100,000)."),
    seed: int = typer.Option(None, "--seed", help="Seed, 0..2**128-1 (the same seed gives "
                             "the same numbers)."),
    partners: str = typer.Option(None, "--partners", help="Partners simulated (default: the 15 largest)."),
    prob: str = typer.Option(None, "--prob", help="Disruption probabilities, e.g. RUS=0.1,CHN=0.05 "
                             "(default 0.05 each: an assumption, labelled so in the output)."),
    correlation: str = typer.Option(None, "--correlation", help="copula (default) | independent."),
    rho_corridor: float = typer.Option(None, "--rho-corridor", min=0.0, max=0.99,
                                       help="Latent correlation on a shared route (0.5)."),
    rho_bloc: float = typer.Option(None, "--rho-bloc", min=0.0, max=0.99,
                                   help="Latent correlation in a shared bloc (0.3)."),
    intensity: float = typer.Option(None, "--intensity", min=0.0, max=1.0,
                                    help="Fraction of a disrupted partner's flows cut."),
    loss_model: str = LOSS_MODEL,
    config: Path = typer.Option(None, "--config",
                                help="A TOML file with a [simulate] table "
                                     "([simulate.probabilities]: RUS = 0.1, ...)."),
    sensitivity: bool = typer.Option(False, "--sensitivity",
                                     help="Also the total's VaR/CVaR with every probability "
                                          "x 0.5, 1, 2 and the correlations at zero, their "
                                          "values and high (same runs and seed; 9 runs)."),
    year: int = YEAR,
    data: list[Path] = DATA,
    shares: Path = SHARES,
    doctrine: Path = DOCTRINE,
    db: Path = DB_PEERS,
    panel: Path = PANEL,
    nodes: Path = NODES,
    edges: Path = EDGES,
    systems: Path = SYSTEMS,
    as_json: bool = JSON,
    csv: Path = csv_option(),
    xlsx: Path = xlsx_option(),
) -> None:
    """Correlated partner disruptions: loss distribution, VaR and CVaR, tail drivers.

    Examples:

      equipoise simulate --focal KAZ --runs 200000 --seed 1

      equipoise simulate --runs 1000000 --prob RUS=0.1 --rho-corridor 0.6 --json

      equipoise simulate --sensitivity --json   # adds "sensitivity": one row per setting
    """
    check_exports(csv, xlsx)
    from ..assessment import simulate_run

    given = {"focal": focal, "runs": runs, "seed": seed, "partners": _split(partners),
             "correlation": correlation, "rho_corridor": rho_corridor, "rho_bloc": rho_bloc,
             "intensity": intensity, "loss_model": loss_model}
    req = _simulation_request(given, _kv(prob, "--prob"), config)
    basis = _basis(req.focal, data, shares, doctrine, year, (nodes, edges, systems), db, panel)
    show = (not as_json) and sys.stderr.isatty() and req.runs >= 200_000
    run = simulate_run(req, basis=basis, sensitivity=sensitivity, progress=show)
    res, sens = run.result, run.sensitivity
    payload = run.to_dict() if as_json or csv or xlsx else None  # one dict for both
    write_exports(payload, kind="simulate", csv=csv, xlsx=xlsx)
    if as_json:
        emit_json(payload)
    else:
        typer.echo(safe_text(res.summary()))
        if sens is not None:
            from ..risk.montecarlo import format_sensitivity

            typer.echo(safe_text(format_sensitivity(sens)))


def _simulation_request(given: dict, probs: dict, config: Path | None):
    """The simulation request from the options (``given``, None = not given), the ``--prob``
    overrides and a ``--config`` TOML (options take precedence over the file)."""
    from ..risk.montecarlo import SimulationRequest

    if given.get("focal") is not None:
        given["focal"] = check_codes([given["focal"]], option="--focal", groups=False)[0]
    if config is not None:
        # runs, seed and focal (--focal, the config's, else context's default): checked in
        # risk.montecarlo
        req = SimulationRequest.from_toml(config, default_focal=focal_code(None),
                                          **{k: v for k, v in given.items() if v is not None})
        if probs:
            merged = dict(req.probabilities) | {k.upper(): v for k, v in probs.items()}
            req = SimulationRequest.from_dict({**_fields(req), "probabilities": merged})
        return req
    d = {k: v for k, v in given.items() if v is not None}
    d["focal"] = focal_code(d.get("focal"))
    if d.get("partners") is not None:
        d["partners"] = tuple(d["partners"])
    return SimulationRequest(probabilities=probs, **d)


def register(app: typer.Typer) -> None:
    for command in (shock, corridors, simulate):
        app.command()(command)


def _fields(req) -> dict:
    from dataclasses import fields

    return {f.name: getattr(req, f.name) for f in fields(req)}
