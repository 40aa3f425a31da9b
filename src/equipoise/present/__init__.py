"""Presentation: the HTML/PDF report, its charts, and the web dashboard.

Everything here reads results from the library (assessment, explain, risk, alignment, doctrine)
through :mod:`equipoise.present.views`, which is also what the dashboard's JSON API serves, so
the report, the dashboard and the CLI's ``--json`` show the same numbers. Heavy stacks (Altair,
vl-convert, WeasyPrint, FastAPI) load inside the functions that need them.
"""

from __future__ import annotations

__all__ = ["build_report", "create_app"]


def __getattr__(name: str):
    if name == "build_report":
        from .report import build_report

        return build_report
    if name == "create_app":
        from .web import create_app

        return create_app
    raise AttributeError(f"module 'equipoise.present' has no attribute {name!r}")
