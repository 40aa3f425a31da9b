"""Rich consoles for stdout and stderr, for any part that prints (the CLI, the dashboard's
start-up line): one definition, imported lazily so ``import equipoise`` stays light."""

from __future__ import annotations


def console():
    """A Rich console on stdout."""
    from rich.console import Console

    return Console()


def err_console():
    """A Rich console on stderr (progress, start-up lines: stdout stays for results)."""
    from rich.console import Console

    return Console(stderr=True)
