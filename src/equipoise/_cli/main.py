"""The ``equipoise`` command.

Every module in this package (other than this one and names starting with ``_``) defines
``register(app)``, which adds its commands. Modules import heavy stacks inside the command
bodies, so ``equipoise --help`` stays light.

Errors are turned into one line on stderr in one place, :func:`run` (the console script):

=====  ==========================================================================
exit   meaning
=====  ==========================================================================
0      done
1      done, but the input had problems (``validate`` found quarantined rows)
2      bad input, option or file: an equipoise error, a file that cannot be read or
       written, text that is not UTF-8, or a usage error (Click's convention)
70     internal error (an exception equipoise did not expect, out of memory, input
       nested too deeply); ``--debug`` or ``EQUIPOISE_DEBUG=1`` shows the traceback
130    interrupted (Ctrl-C)
=====  ==========================================================================

Without ``--debug`` no Python traceback is printed.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import sys

import typer

from .. import __version__

EXIT_INPUT = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE (sysexits.h)
EXIT_INTERRUPTED = 130

app = typer.Typer(
    name="equipoise",
    help="Measure and operate a state's multi-vector foreign policy: exposure, dependency, "
    "equidistance, shocks, corridors and plans. Kazakhstan is the embedded default. "
    "Exit codes: 0 done, 1 input with problems (validate), 2 bad input/option/file, "
    "70 internal error (--debug shows the traceback).",
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
    debug: bool = typer.Option(False, "--debug",
                               help="Show the Python traceback of an error (also "
                                    "EQUIPOISE_DEBUG=1); without it an error is one line."),
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


def _split_debug(args: list[str]) -> tuple[list[str], bool]:
    """Remove ``--debug`` wherever it stands before a ``--`` (so ``equipoise assess --debug``
    works as well as ``equipoise --debug assess``)."""
    end = args.index("--") if "--" in args else len(args)
    debug = "--debug" in args[:end]
    kept = [a for a in args[:end] if a != "--debug"] + args[end:]
    from ..context import debug as env_debug

    return kept, debug or env_debug()


def describe_error(exc: BaseException) -> tuple[str, int]:
    """The one-line message and exit code for an exception that reached the CLI boundary."""
    from ..errors import EquipoiseError
    from ._common import safe_text

    if isinstance(exc, EquipoiseError):
        return f"error: {safe_text(str(exc))}", EXIT_INPUT
    if isinstance(exc, UnicodeDecodeError):
        return f"error: {safe_text(decode_error_message(exc))}", EXIT_INPUT
    if isinstance(exc, OSError):
        return f"error: {safe_text(os_error_message(exc))}", EXIT_INPUT
    if isinstance(exc, MemoryError):
        return ("internal error: out of memory (MemoryError); use smaller inputs or counts; "
                "run with --debug for the traceback"), EXIT_INTERNAL
    if isinstance(exc, RecursionError):
        return ("internal error: RecursionError: input nested too deeply; run with --debug "
                "for the traceback"), EXIT_INTERNAL
    msg = " ".join(str(exc).split())
    if len(msg) > 300:
        msg = msg[:300] + "..."
    return (f"internal error: {type(exc).__name__}: {safe_text(msg)}; run with --debug for "
            "the traceback"), EXIT_INTERNAL


def os_error_message(exc: OSError) -> str:
    """'cannot read PATH: reason' from an OSError, with the path as the user gave it."""
    name = exc.filename
    reason = exc.strerror or str(exc)
    if isinstance(exc, IsADirectoryError):
        return f"{name}: is a folder; expecting a file"
    if isinstance(exc, NotADirectoryError):
        return f"cannot use {name}: a part of the path is a file, not a folder"
    if isinstance(exc, FileNotFoundError):
        return f"cannot open {name}: no such file or folder"
    if isinstance(exc, PermissionError):
        return f"cannot read/write {name}: permission denied"
    if name is not None:
        extra = f" and {exc.filename2}" if exc.filename2 else ""
        return f"cannot read/write {name}{extra}: {reason}"
    return f"input/output error: {reason}"


def decode_error_message(exc: UnicodeDecodeError) -> str:
    """Where the undecodable byte is: offset, and line/column when the whole text is known."""
    obj = exc.object
    start = exc.start
    byte = obj[start:start + 1].hex() if isinstance(obj, (bytes, bytearray)) else "?"
    where = f"byte {start}"
    if isinstance(obj, (bytes, bytearray)):
        line = obj.count(b"\n", 0, start) + 1
        col = start - (obj.rfind(b"\n", 0, start) + 1) + 1
        where = f"line {line}, column {col} (byte {start})"
    return (f"text is not valid {exc.encoding.upper()}: byte 0x{byte} at {where}; expecting "
            f"UTF-8 text (save the file as UTF-8)")


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: every error becomes one clear line on stderr (see the
    module docstring for the exit codes); ``--debug`` re-raises it with its traceback."""
    args, debug = _split_debug(list(sys.argv[1:] if argv is None else argv))
    try:
        app(args=args, prog_name="equipoise")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        if debug:
            raise
        typer.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:  # e.g. `equipoise ... | head`: stop quietly
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silences the exit flush
        sys.exit(1)
    except BaseException as exc:  # the one boundary: nothing else reaches the terminal raw
        if debug:
            raise
        message, code = describe_error(exc)
        typer.echo(message, err=True)
        sys.exit(code)


if __name__ == "__main__":
    run()
