"""The ``equipoise`` command.

Every module in this package (other than this one and names starting with ``_``) defines
``register(app)``, which adds its commands. Modules import heavy stacks inside the command
bodies, so ``equipoise --help`` stays light.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from .. import __version__

app = typer.Typer(
    name="equipoise",
    help="Measure and operate a state's multi-vector foreign policy: exposure, dependency, "
    "equidistance, shocks, corridors and plans. Kazakhstan is the embedded default.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:  # the installed distribution's version; __version__ when run from a source tree
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"equipoise {version('equipoise')}")
        except PackageNotFoundError:
            typer.echo(f"equipoise {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """equipoise: operational functional balance, in numbers."""


def _register_all() -> None:
    from .. import _cli as pkg

    # the core commands (assess, explain, ...) first in --help, then the others by module name
    for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: (m.name != "core", m.name)):
        if mod.name.startswith("_") or mod.name == "main":
            continue
        module = importlib.import_module(f"{pkg.__name__}.{mod.name}")
        module.register(app)


_register_all()


def run() -> None:
    """Console-script entry point: equipoise errors become one clear line on stderr, exit 2."""
    from ..errors import EquipoiseError

    try:
        app()
    except EquipoiseError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    run()
