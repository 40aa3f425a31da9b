"""Helpers shared by the CLI modules.

Everything that prints a value read from a file goes through :func:`safe_text` (plain text:
control characters shown as escapes) or :func:`esc` (Rich markup: also escapes ``[...]``), so
a file cannot style, link or drive the terminal. Numeric options take their bounds from the
constants below (one place, shown in ``--help``).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import typer

from .._console import console, err_console  # noqa: F401 - the commands' consoles
from .._json import clean as _clean  # used by the commands too
from .._json import shown_paths as _shipped_paths

# ---------------------------------------------------------------- bounds of numeric options
YEAR_MIN, YEAR_MAX = 1900, 2100          # every --year, --from, --to
SEED_MAX = 2**128 - 1                    # every --seed (as risk.montecarlo: 0..2**128-1)
RUNS_MAX = 10_000_000                    # simulate --runs (about 1 GB at 15 partners)
SCENARIOS_MIN, SCENARIOS_MAX = 10, 100_000  # evaluate --scenarios (Monte Carlo)
PLAN_SCENARIOS_MAX = 20_000              # plan --scenarios (LP rows: 20,000 took 51 s, 370 MB)
REPS_MAX = 100_000                       # align --reps (memory is chunked; time grows)
ROLLCALLS_MAX = 100_000                  # align --min-rollcalls
HORIZON_MAX = 50                         # plan --horizon
WAIT_MAX = 86_400.0                      # ingest --wait (seconds)
LIMIT_MAX = 100_000                      # screen --limit

# ---------------------------------------------------------------- options every command shares
FOCAL = typer.Option(None, "--focal", help="ISO3 code of the focal state (default: the focal "
                     "state of the doctrine, request or config file given, else KAZ, the "
                     "embedded default).")
"""The one ``--focal`` option: None unless given; :mod:`equipoise.context` resolves it."""


def focal_code(focal: str | None) -> str:
    """``--focal`` as given (upper-cased), or the embedded default's."""
    from ..context import resolve_focal

    return resolve_focal(focal)


_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def safe_text(value: Any) -> str:
    """``str(value)`` with control characters (other than newline and tab) written as
    visible escapes: ``'\\x1b'`` for ESC, so a file cannot move the cursor, recolour or
    retitle the terminal, or reverse the text direction."""
    s = value if isinstance(value, str) else str(value)
    return _CTRL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), s)


def esc(value: Any) -> str:
    """:func:`safe_text` plus Rich markup escaping (``[bold]`` prints as written)."""
    from rich.markup import escape

    return escape(safe_text(value))




def emit_json(obj: Any) -> None:
    """Write ``obj`` as JSON to stdout (NaN becomes null; non-ASCII kept, control characters
    escaped by the JSON encoder; a shipped dataset file by its path in the datasets folder)."""
    sys.stdout.write(json.dumps(_shipped_paths(_clean(obj)), indent=2, ensure_ascii=False,
                                default=str) + "\n")


def fail(message: str, code: int = 2) -> None:
    """Print an error to stderr and exit non-zero."""
    typer.echo(f"error: {safe_text(message)}", err=True)
    raise typer.Exit(code)


# ---------------------------------------------------------------- files at the boundary
ARTICLE_MAX_BYTES = 5 * 2**20   # extract: a news article is a few KB; 5 MiB is generous
TABLE_MAX_BYTES = 256 * 2**20   # small CSV inputs of the CLI (shares, screen, events)


def input_file(path: Path, *, what: str, max_bytes: int | None = None) -> Path:
    """``path`` if it is a regular file (not a folder, FIFO or device) within ``max_bytes``
    (``equipoise.io.files.check_input_file``)."""
    from ..io.files import check_input_file

    return check_input_file(path, what=what, max_bytes=max_bytes)


def read_text(path: Path, *, what: str, max_bytes: int | None = None) -> str:
    """The UTF-8 text of a checked input file (``equipoise.io.files.read_text``: kind, size,
    encoding; a bad byte is reported with its line, column and offset)."""
    from ..io.files import read_text as _read

    return _read(path, what=what, max_bytes=max_bytes)


def read_csv(path: Path, *, what: str, max_bytes: int | None = TABLE_MAX_BYTES, **kw):
    """A small CSV input as a DataFrame (all columns as text unless ``dtype`` is given),
    after :func:`read_text`; parse errors become a located InputError."""
    import io

    import pandas as pd

    from ..errors import InputError

    text = read_text(path, what=what, max_bytes=max_bytes)
    if not text.strip():
        raise InputError(f"{what} {path}: the file is empty; expecting a CSV with a header row")
    try:
        return pd.read_csv(io.StringIO(text), **kw)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{what} {path}: not a readable CSV ({' '.join(str(exc).split())})"
                         ) from None


def output_path(path: Path | None, *, option: str, folder: bool = False,
                create: bool = True, what: str = "output file") -> Path | None:
    """Check an output path before any work. A file path that is a folder is refused (and a
    folder path that is a file); missing parent folders are created when ``create`` (``--out``),
    else refused with the same words as ``equipoise.io.files.write_csv`` (``--quarantine``)."""
    if path is None:
        return None
    from ..errors import OptionError
    from ..io.files import display_path

    p = Path(path)
    shown = display_path(p)
    if not folder and p.is_dir():
        raise OptionError(f"{option} {shown}: is a folder; expected a path for the {what}")
    if folder and p.exists() and not p.is_dir():
        raise OptionError(f"{option} {shown}: is a file; expected a folder")
    target = p if folder else p.parent
    if not create:
        if not target.is_dir():
            raise OptionError(f"{option} {shown}: the folder {display_path(target)} does not "
                              f"exist; create it first or choose another path for the {what}")
        return p
    try:
        target.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OptionError(f"{option} {shown}: a part of the path is a file, not a folder"
                          ) from None
    except OSError as exc:
        raise OptionError(f"{option} {shown}: cannot create the folder "
                          f"{display_path(target)} ({exc.strerror or exc})") from None
    return p


def check_codes(codes: list[str], *, option: str, groups: bool = True) -> list[str]:
    """Upper-cased ``codes`` if each is a shipped ISO3 country code (or, with ``groups``, a
    known partner group); else an UnknownCountryError listing what was seen and expected."""
    from .. import reference
    from ..errors import UnknownCountryError

    out = [c.strip().upper() for c in codes]
    known = reference.known_codes() if groups else reference.country_codes()
    bad = [c for c in out if c not in known]
    if bad:
        kind = "ISO3 country codes or partner groups (EU27, EAEU, ...)" if groups else \
            "ISO3 country codes of the shipped countries table"
        raise UnknownCountryError(f"{option}: {[safe_text(b) for b in bad]} are not {kind}")
    return out


def check_domain(domain: str | None, *, option: str = "--domain") -> str | None:
    """``domain`` if it is in the shipped domain vocabulary (None passes)."""
    if domain is None:
        return None
    from .. import reference
    from ..errors import UnknownDomainError

    choices = tuple(reference.domain_list())
    if domain not in choices:
        raise UnknownDomainError(f"{option}: expecting one of {choices!r}. Got {domain!r}.")
    return domain


def text_file_option(what: str, max_bytes: int = TABLE_MAX_BYTES):
    """A Typer callback for a ``Path`` option naming a UTF-8 text input read by code that does
    not check files itself (``--idealpoints``): the file is checked when the command line is
    parsed (a regular file, at most ``max_bytes``, UTF-8), so a folder, FIFO, device or binary
    file is refused with its name and the line and column of a bad byte before any work."""

    def callback(value):
        if value is None:
            return value
        from ..errors import InputError

        try:
            read_text(Path(value), what=what, max_bytes=max_bytes)
        except InputError as exc:
            raise typer.BadParameter(safe_text(str(exc))) from None
        return value

    return callback


def _safe_table(table) -> None:
    """Escape, in place, every text cell of a Rich table (and of tables nested in cells):
    result tables hold values from input files, never intended markup."""
    from rich.table import Table

    for column in table.columns:
        cells = column._cells
        for i, cell in enumerate(cells):
            if isinstance(cell, str):
                cells[i] = esc(cell)
            elif isinstance(cell, Table):
                _safe_table(cell)


def print_safe(con, renderable) -> None:
    """Print a result renderable on ``con`` with the input-derived text made inert: table
    cells are escaped (markup shows as written), control characters become visible escapes;
    a plain string keeps its program-made markup unless it does not parse as markup."""
    from rich.errors import MarkupError
    from rich.table import Table

    if isinstance(renderable, Table):
        _safe_table(renderable)
        con.print(renderable)
        return
    if isinstance(renderable, str):
        text = safe_text(renderable)
        try:
            con.print(text)
        except MarkupError:
            con.print(text, markup=False)
        return
    con.print(renderable)


# ---------------------------------------------------------------- table exports
CSV_HELP = ("Also write the tables to this CSV (several tables: stacked, with a leading "
            "'table' column; see 'Exporting tables' in the docs).")
XLSX_HELP = "Also write the tables to this Excel workbook, one sheet per table."


def csv_option():
    return typer.Option(None, "--csv", help=CSV_HELP, metavar="FILE")


def xlsx_option():
    return typer.Option(None, "--xlsx", help=XLSX_HELP, metavar="FILE")


def check_exports(csv: Path | None = None, xlsx: Path | None = None) -> None:
    """Check ``--csv``/``--xlsx`` paths before any work (a folder is refused; missing parent
    folders are created, as for ``--out``)."""
    output_path(csv, option="--csv", what="CSV export")
    output_path(xlsx, option="--xlsx", what="workbook")


def write_exports(result: Any, *, kind: str, csv: Path | None = None,
                  xlsx: Path | None = None, sources=None) -> None:
    """Write ``result``'s tables (the numbers ``--json`` prints) to ``csv``/``xlsx``
    (:mod:`equipoise.present.exports`)."""
    if csv is None and xlsx is None:
        return
    from ..present.exports import export

    export(result, kind=kind, csv=csv, xlsx=xlsx, sources=sources)


# ---------------------------------------------------------------- the world panel's peers
DB_PEERS = typer.Option(None, "--db", help="Warehouse (DuckDB file): flows from it when it "
                        "holds a flows table; its product data, where it holds the focal state's, "
                        "give the trade domain's substitutability (the product screen); when it "
                        "holds the world panel (`equipoise panel "
                        "build --db W`), percentile thresholds are resolved from it and each "
                        "rule is placed among peers.")
PANEL = typer.Option(None, "--panel", metavar="FILE", help="Warehouse holding the world panel "
                     "for percentile thresholds and each rule's percentile among peers "
                     "(default: --db when it holds one).")

# ---------------------------------------------------------------- the corridor graph
NODES = typer.Option(None, "--nodes", metavar="FILE", help="Your corridor graph's nodes CSV "
                     "(id, country, kind[, capacity]), with --edges: the substitutability of "
                     "corridors and energy, the corridor losses of shocks and simulations and "
                     "the plan's correlated scenarios are measured on it (default: the shipped "
                     "graph of the focal state, where one ships).")
EDGES = typer.Option(None, "--edges", metavar="FILE", help="Your corridor graph's edges CSV "
                     "(source, target, capacity, mode[, unit]), with --nodes.")
SYSTEMS = typer.Option(None, "--systems", metavar="FILE", help="Your corridor graph's flow "
                       "systems CSV (system, domain, source, sinks[, unit]; sinks ';'-separated), "
                       "with --nodes/--edges: the flows the corridor measures run over (default: "
                       "the focal state's shipped systems, where they ship; else none, said so).")


def inputs_with_peers(data, focal, doctrine, *, db=None, panel=None, lenient: bool = False):
    """The doctrine, the flows and the world panel's peer measures (None without a panel) of
    one run (:func:`equipoise.context.split_db`); says on stderr when ``--db`` gives the panel
    only."""
    from .. import context

    flows_db, panel_db = context.split_db(db, panel)
    the_doctrine, flows = context.resolve_inputs(data, focal, doctrine, db=flows_db,
                                                 lenient=lenient)
    if db is not None and flows_db is None:
        held = ("the world panel and no flows table" if panel_db is not None
                else "an empty flows table")
        typer.echo(f"--db {safe_text(db)} holds {held}: the flows are "
                   + ("--data" if data else "the embedded dataset")
                   + (", the panel gives the peers" if panel_db is not None else ""), err=True)
    return the_doctrine, flows, context.resolve_peer_panel(panel_db, the_doctrine), panel_db


def product_screen(db, doctrine, year=None):
    """The warehouse's product screen of the doctrine's focal state for ``year``
    (:func:`equipoise.context.product_screen_source`), or None without ``--db``: the one way
    assess, explain, check, run, report and serve hand the goods substitutability down, so every
    command gives the same verdict for the same inputs."""
    if db is None:
        return None
    from .. import context

    return context.product_screen_source(db, doctrine.focal, year)
