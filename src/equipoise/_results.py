"""What every result object shares: a plain-text ``summary()`` rendered from its rich
``renderables()``, and ``__str__``."""

from __future__ import annotations

import io


class RichSummary:
    """Mixin: ``summary()`` and ``str()`` from ``self.renderables()`` (rich tables and text)."""

    summary_width = 140

    def renderables(self) -> list:  # pragma: no cover - each result defines it
        raise NotImplementedError

    def summary(self) -> str:
        """Plain-text summary (the CLI's human output, without colour)."""
        from rich.console import Console

        # force_jupyter=False: in a notebook rich would otherwise also display the tables
        console = Console(record=True, width=self.summary_width, color_system=None,
                          file=io.StringIO(), force_jupyter=False)
        for renderable in self.renderables():
            console.print(renderable)
        return console.export_text()

    def __str__(self) -> str:
        return self.summary()
