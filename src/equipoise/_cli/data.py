"""Data commands: ingest, warehouse (list), screen."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from .._results import fmt_fixed, fmt_number, fmt_sig
from ._common import (
    LIMIT_MAX,
    WAIT_MAX,
    YEAR_MAX,
    YEAR_MIN,
    check_exports,
    csv_option,
    emit_json,
    esc,
    output_path,
    write_exports,
    xlsx_option,
)

DB = typer.Option(None, "--db", help="Warehouse file (DuckDB). Default: $EQUIPOISE_DB or the "
                  "user data directory (equipoise/warehouse.duckdb).")


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    wh = typer.Typer(name="warehouse", help="Inspect the warehouse.", no_args_is_help=True)
    wh.command("list")(warehouse_list)
    app.add_typer(wh, name="warehouse")
    app.command("screen")(screen)


def ingest(
    source: str = typer.Argument(..., help="baci | comtrade | sipri | cow | imf-dip | gem | "
                                 "icews | memberships | unvotes | idealpoints | undl | "
                                 "national | eurostat | gem-oil | gdelt"),
    path: Path = typer.Argument(..., help="The file or folder as the producer distributes it."),
    db: Path | None = DB,
    wait: float = typer.Option(0.0, "--wait", min=0.0, max=WAIT_MAX,
                               help="Seconds to wait for another ingest to "
                               "finish (default: fail at once)."),
    force: bool = typer.Option(False, "--force", help="Reload files already loaded."),
    prefer: str | None = typer.Option(None, "--prefer", help="IMF DIP: reported | derived "
                                      "(which row to keep when both exist; default reported)."),
    json: bool = typer.Option(False, "--json", help="Machine-readable summary on stdout."),
) -> None:
    """Load a source file (or a BACI/Comtrade folder) into the warehouse, atomically.

    Re-ingesting the same file changes nothing; a killed ingest leaves the warehouse as it
    was. Before each file loads, a line on stderr says the scope it declares (a BACI year, a
    Comtrade year and reporter) and which earlier loads it will supersede; its rows of
    another scope are quarantined (outside_scope). Examples:

      equipoise ingest baci ~/data/BACI_HS17_V202401b

      equipoise ingest sipri trade_register.csv --db my.duckdb
    """
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from .. import warehouse
    from ._common import err_console

    options = {"prefer": prefer} if prefer else None
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=err_console(),
                  transient=True, disable=json) as bar:
        tasks: dict[str, int] = {}

        def progress(file: str, done: int, total: int) -> None:
            if file not in tasks:
                tasks[file] = bar.add_task(Path(file).name, total=total)
            bar.update(tasks[file], completed=done)

        def announce(line: str) -> None:
            bar.console.print(line, markup=False, highlight=False, soft_wrap=True)

        report = warehouse.ingest(source, path, db=db, progress=progress, lock_timeout=wait,
                                  force=force, options=options, announce=announce)
    if json:
        emit_json(report.to_dict())
        return
    from rich.table import Table

    from ._common import console

    t = Table(title=esc(f"ingest {source} -> {report.db}"))
    for c in ("file", "status", "scope", "read", "loaded", "quarantined", "stored", "seconds"):
        t.add_column(c, justify="left" if c in ("file", "status", "scope") else "right")
    for f in report.files:
        t.add_row(esc(Path(f.file).name), esc(f.status), esc(f.scope or ""), fmt_number(f.rows_read),
                  fmt_number(f.rows_loaded),
                  fmt_number(f.rows_quarantined), fmt_number(f.rows_stored), fmt_fixed(f.seconds, 1))
    console().print(t)
    from ._common import safe_text

    typer.echo(safe_text(report.summary()))


def warehouse_list(
    db: Path | None = DB,
    all_loads: bool = typer.Option(False, "--all", help="Include replaced loads."),
    json: bool = typer.Option(False, "--json", help="Machine-readable output on stdout."),
) -> None:
    """Show what is loaded: source, version, file, rows read/loaded/quarantined, and table sizes."""
    from .. import warehouse

    loads = warehouse.loads(db, all_loads=all_loads)
    counts = warehouse.table_counts(db)
    if json:
        emit_json({"db": str(warehouse._path(db)), "loads": loads.to_dict("records"),
                   "tables": counts.to_dict("records")})
        return
    from rich.table import Table

    from ._common import console

    t = Table(title=esc(f"warehouse {warehouse._path(db)}"))
    for c in ("id", "source", "version", "file", "scope", "read", "loaded", "quarantined",
              "status", "loaded_at"):
        t.add_column(c, justify="right" if c in ("id", "read", "loaded", "quarantined")
                     else "left")
    for r in loads.to_dict("records"):
        status, by = r["status"], r.get("replaced_by")
        if status == "replaced" and by is not None and by == by:  # by == by: not NaN
            status = f"replaced by {int(by)}"
        t.add_row(str(r["load_id"]), esc(r["source"]), esc(r["version"] or ""),
                  esc(Path(r["path"]).name), esc(r.get("scope") or ""), fmt_number(r['rows_read']),
                  fmt_number(r['rows_loaded']), fmt_number(r['rows_quarantined']), esc(status),
                  esc(r["loaded_at"]))
    console().print(t)
    c = Table(title="tables")
    c.add_column("table")
    c.add_column("rows", justify="right")
    for r in counts.to_dict("records"):
        c.add_row(esc(r["table"]), fmt_number(r['rows']))
    console().print(c)


def screen(
    reporter: str = typer.Option("all", "--reporter", help="ISO3 code(s), comma-separated, or "
                                 "'all'."),
    year: int | None = typer.Option(None, "--year", min=YEAR_MIN, max=YEAR_MAX,
                                    help="Screened year (default: latest)."),
    thresholds: str | None = typer.Option(
        None, "--thresholds", help="e.g. 'import_hhi=0.4,world_export_hhi=0.4,ratio=1,window=3,"
        "min_years=2' (CEPII GeoDep defaults)."),
    no_persistence: bool = typer.Option(False, "--no-persistence",
                                        help="Test the year alone (no 2-of-3-years rule)."),
    db: Path | None = DB,
    data: Path | None = typer.Option(None, "--data", help="A Parquet file/folder in the "
                                     "trade_products layout instead of the warehouse."),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb | spark | a Spark master URL."),
    source: str | None = typer.Option(None, "--source", help="Only rows of this source "
                                      "(baci, comtrade)."),
    domains: bool = typer.Option(False, "--domains", help="Also roll products up to domains."),
    from_rows: bool = typer.Option(False, "--from-rows", help="Read the warehouse's raw rows "
                                   "even where its per-year product summaries exist (same "
                                   "results, ~10x the rows)."),
    json: bool = typer.Option(False, "--json", help="Records as JSON on stdout."),
    parquet: Path | None = typer.Option(None, "--parquet", help="Write the records to this "
                                        "Parquet file."),
    limit: int = typer.Option(20, "--limit", min=0, max=LIMIT_MAX,
                              help="Critical products shown in the table."),
    csv: Path | None = csv_option(),
    xlsx: Path | None = xlsx_option(),
) -> None:
    """Product-level critical-dependency screen (CEPII GeoDep) over trade_products.

    Per reporter and HS6 product: import HHI > 0.4, world-export HHI > 0.4, imports/exports
    > 1, in 2 of 3 years; with the top supplier, margins and a sensitivity table. Examples:

      equipoise screen --reporter KAZ --year 2021 --json

      equipoise screen --reporter all --parquet flags.parquet --engine spark
    """
    from .. import context, warehouse
    from .._options import as_list
    from ..measures.screen import parse_thresholds

    output_path(parquet, option="--parquet", create=False, what="Parquet file")
    check_exports(csv, xlsx)
    reps = None if reporter.strip().lower() == "all" else as_list(reporter)
    th = parse_thresholds(thresholds)
    # the command opens the warehouse and hands the connection on (its records are read
    # lazily from it); context opens a --data Parquet file or folder
    wh = warehouse.connect_duckdb(db) if data is None else None
    try:
        result = context.screen(data if wh is None else wh, year=year, reporters=reps,
                                thresholds=th, persistence=not no_persistence,
                                engine=engine, source=source,
                                summaries=False if from_rows else None, parquet=parquet)
        _show_screen(result, json=json, parquet=parquet, limit=limit, domains=domains,
                     csv=csv, xlsx=xlsx)
    finally:
        if wh is not None:
            wh.close()


def _show_screen(result, *, json: bool, parquet: Path | None, limit: int, domains: bool,
                 csv: Path | None, xlsx: Path | None) -> None:
    """The screen's notes, exports and table or JSON (the records load only when needed)."""
    for note in result.notes:
        from ._common import safe_text

        sys.stderr.write(f"note: {safe_text(note)}\n")
    if csv is not None or xlsx is not None:
        # the records --json prints; with --domains also the domain roll-up
        tables = {"records": result.to_records()}
        if domains:
            tables["domains"] = result.domains().to_dict("records")
        write_exports(tables, kind="screen", csv=csv, xlsx=xlsx)
    if json:
        if domains:
            out = result.to_dict()
            out["domains"] = result.domains().to_dict("records")
            emit_json(out)
        else:
            emit_json(result.to_records())
        return
    from rich.table import Table

    from ._common import console

    con = console()
    con.print(esc(result.summary()))
    crit = result.top_critical(limit)
    t = Table(title=f"critical products ({fmt_number(result.n_critical)}; largest {len(crit)})")
    for c in ("reporter", "product", "import HHI", "world HHI", "M/X", "years", "top supplier",
              "top share"):
        t.add_column(c, justify="left" if c in ("reporter", "product", "top supplier")
                     else "right")
    for r in crit:
        t.add_row(esc(r["reporter"]), esc(r["product"]), fmt_fixed(r['import_hhi']),
                  fmt_fixed(r['world_export_hhi']), fmt_sig(r['import_export_ratio'], 3, thousands=False),
                  f"{r['years_met']}/{r['years_observed']}", esc(r["top_supplier"]),
                  fmt_fixed(r['top_share'], 2))
    con.print(t)
    if domains:
        d = result.domains()
        dt = Table(title="domains")
        for c in ("reporter", "domain", "products", "critical", "critical import share",
                  "critical products"):
            dt.add_column(c)
        for r in d.to_dict("records"):
            dt.add_row(esc(r["reporter"]), esc(r["domain"]), str(r["n_products"]),
                       str(r["n_critical"]), fmt_fixed(r['critical_import_share']),
                       esc(", ".join(r["products"])))
        con.print(dt)
    if parquet is not None:
        sys.stderr.write(f"wrote {fmt_number(result.n_products)} records to {parquet}\n")
