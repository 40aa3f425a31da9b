"""Presentation commands: report (HTML/PDF) and serve (the web dashboard)."""

from __future__ import annotations

from pathlib import Path

import typer

from ..context import TOKEN
from ._common import DB_PEERS, EDGES, FOCAL, NODES, SYSTEMS
from .core import DATA, DOCTRINE

DB = typer.Option(None, "--db", help="Read flows from this warehouse (DuckDB file, opened "
                  "read-only and copied into memory once).")


def report(
    focal: str = FOCAL,
    data: list[Path] = DATA,
    doctrine: Path = DOCTRINE,
    out: Path = typer.Option(Path("report.html"), "--out",
                             help="HTML file to write (missing folders are created)."),
    pdf: bool = typer.Option(False, "--pdf", help="Also write a PDF beside it (WeasyPrint)."),
    reps: int = typer.Option(300, "--reps", min=10, max=5000,
                             help="Bootstrap replicates for the alignment intervals."),
    db: Path = DB,
    panel_db: Path = typer.Option(None, "--panel", metavar="FILE", help="Warehouse "
                                  "holding the world panel (`equipoise panel build`) for "
                                  "the 'Trend and peers' section (default: --db when it "
                                  "holds one)."),
    xlsx: Path = typer.Option(None, "--xlsx", metavar="FILE", help="Also write the "
                              "report's tables to this Excel workbook: a sheet per table "
                              "(domains, shares, rules, ...), an index sheet and a sources "
                              "sheet (every source behind the numbers, with its rows)."),
    nodes: Path = NODES,
    edges: Path = EDGES,
    systems: Path = SYSTEMS,
) -> None:
    """Write the report: one self-contained HTML file (and a PDF with --pdf).

    Charts are static SVG; the file opens without a network.

    Examples:

      equipoise report

      equipoise report --focal MNG --data mongolia.csv --out mng.html --pdf

      equipoise report --xlsx tables.xlsx
    """
    from ..present.report import build_report
    from ._common import console, esc, inputs_with_peers, output_path, product_screen

    output_path(out, option="--out", what="report")
    output_path(xlsx, option="--xlsx", what="workbook")
    the_doctrine, flows, peers, panel_db = inputs_with_peers(data, focal, doctrine, db=db,
                                                             panel=panel_db)
    from ..context import resolve_corridors

    products = product_screen(db, the_doctrine)
    corridors = resolve_corridors(the_doctrine.focal, nodes, edges, systems)
    written = build_report(flows, doctrine=the_doctrine, out=out, pdf=pdf,
                           alignment_reps=reps, panel_db=panel_db, peers=peers,
                           products=products, corridors=corridors)
    if xlsx is not None:
        from ..assessment import assess
        from ..explain import source_table
        from ..present.exports import export

        export(assess(flows, doctrine=the_doctrine, peers=peers, products=products,
                      corridors=corridors),
               kind="assess", xlsx=xlsx,
               sources=source_table(flows))
        written = {**written, "xlsx": str(xlsx)}
    c = console()
    for kind, path in written.items():
        c.print(f"{esc(kind):<5} {esc(Path(path).resolve())}")


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (loopback by default; "
                             "any other address requires a token)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    token: str = typer.Option(None, "--token", envvar=TOKEN,
                              help="Access token (generated and printed when bound to a "
                                   "non-loopback address without one)."),
    focal: str = FOCAL,
    data: list[Path] = DATA,
    doctrine: Path = DOCTRINE,
    db: Path = DB_PEERS,
    panel_db: Path = typer.Option(None, "--panel", metavar="FILE", help="Warehouse "
                                  "holding the world panel for the trend and peers pages, "
                                  "percentile thresholds and each rule's percentile among "
                                  "peers (default: --db when it holds one)."),
    nodes: Path = NODES,
    edges: Path = EDGES,
    systems: Path = SYSTEMS,
) -> None:
    """Run the web dashboard (overview, domains, what-if, action, alignment, JSON API).

    Examples:

      equipoise serve                      # http://127.0.0.1:8000/

      equipoise serve --host 0.0.0.0 --port 8080 --token s3cret

      equipoise serve --db w.duckdb        # rules among peers, as check --db shows them
    """
    from ..present.web import serve as run_serve
    from ._common import inputs_with_peers, product_screen

    the_doctrine, flows, peers, panel = inputs_with_peers(data, focal, doctrine, db=db,
                                                          panel=panel_db)
    from ..context import resolve_corridors

    run_serve(host=host, port=port, token=token, flows=flows, doctrine=the_doctrine,
              panel_db=panel, peers=peers, products=product_screen(db, the_doctrine),
              corridors=resolve_corridors(the_doctrine.focal, nodes, edges, systems))


def register(app: typer.Typer) -> None:
    for command in (report, serve):
        app.command()(command)
