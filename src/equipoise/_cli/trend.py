"""``equipoise trend``: a state's pole shares over time from the world panel, with bootstrap
bands and the level shifts that pass a permutation test."""

from __future__ import annotations

from pathlib import Path

import typer

from .._results import fmt_fixed
from ._common import (
    FOCAL,
    YEAR_MAX,
    YEAR_MIN,
    check_exports,
    csv_option,
    emit_json,
    esc,
    safe_text,
    write_exports,
    xlsx_option,
)

SEED_MAX = 2**63 - 1
REPS_MAX = 100_000


def register(app: typer.Typer) -> None:
    app.command("trend")(trend)


def trend(
    focal: str = FOCAL,
    domain: str | None = typer.Option(None, "--domain", help="trade, security, finance, "
                                      "energy, institutions or events (default: all)."),
    start: int | None = typer.Option(None, "--from", min=YEAR_MIN, max=YEAR_MAX,
                                     help="First year."),
    end: int | None = typer.Option(None, "--to", min=YEAR_MIN, max=YEAR_MAX, help="Last year."),
    reps: int = typer.Option(1000, "--reps", min=0, max=REPS_MAX,
                             help="Bootstrap replicates for the 90 % band (0: none)."),
    seed: int = typer.Option(12345, "--seed", min=0, max=SEED_MAX, help="Random seed."),
    db: Path | None = typer.Option(None, "--db", help="Warehouse file holding the panel "
                                   "(default: $EQUIPOISE_DB or the user data directory)."),
    json: bool = typer.Option(False, "--json", help="Machine-readable output on stdout."),
    csv: Path | None = csv_option(),
    xlsx: Path | None = xlsx_option(),
) -> None:
    """Pole shares per domain and year with a 90 % bootstrap band, and the level shifts
    (PELT change points confirmed by a permutation test; docs/methods.md). A state without
    panel rows for the selection is "insufficient" with the reason (exit code 1). Example:

      equipoise trend --focal KAZ --from 2000 --db w.duckdb
    """
    from ..panel.trend import trend as compute

    check_exports(csv, xlsx)
    from ..context import resolve_doctrine, resolve_focal

    res = compute(resolve_focal(focal), db, domain=domain, start=start, end=end, reps=reps,
                  seed=seed, poles=resolve_doctrine(None).poles)  # the default doctrine's
    payload = res.to_dict()
    write_exports({"series": payload["series"], "shifts": payload["shifts"]}, kind="trend",
                  csv=csv, xlsx=xlsx)
    if json:
        emit_json(payload)
        if res.status != "ok":
            raise typer.Exit(1)
        return
    from rich.table import Table

    from ._common import console

    if res.status != "ok":  # not an empty success: the reasons, and exit code 1
        for r in res.series:
            typer.echo(safe_text(f"{r['domain']}: insufficient: {r['note']}"), err=True)
        raise typer.Exit(1)
    t = Table(title=esc(f"{res.focal}: pole shares (90 % bootstrap band over indicators)"))
    for c in ("domain", "year", *res.poles):
        t.add_column(c, justify="left" if c == "domain" else "right")
    by: dict[tuple, dict] = {}
    for r in res.series:
        if r["year"] is None:
            continue
        row = by.setdefault((r["domain"], r["year"]), {})
        if r["status"] == "ok":
            band = "" if r["lower"] is None else f" [{fmt_fixed(r['lower'], 2)}-{fmt_fixed(r['upper'], 2)}]"
            row[r["pole"]] = f"{fmt_fixed(r['share'], 2)}{band}"
        else:
            row["_"] = "insufficient"
    for (d, y), row in sorted(by.items()):
        t.add_row(esc(d), str(y), *[row.get(p, row.get("_", "")) for p in res.poles])
    console().print(t)
    s = Table(title=esc(f"level shifts ({len(res.shifts)} of {res.candidates} PELT "
                        f"candidates pass the permutation test)"))
    for c in ("domain", "pole", "year", "before", "after", "p"):
        s.add_column(c, justify="left" if c in ("domain", "pole") else "right")
    for r in res.shifts:
        s.add_row(esc(r["domain"]), esc(r["pole"]), str(r["year"]),
                  f"{fmt_fixed(r['before'])} ({r['before_years']})",
                  f"{fmt_fixed(r['after'])} ({r['after_years']})", fmt_fixed(r['p_value'], 4))
    console().print(s)
