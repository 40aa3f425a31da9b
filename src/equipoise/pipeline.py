"""The main job (``equipoise run`` / ``make demo``): assessment, shocks and report."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["run_main_job"]


def run_main_job(flows, *, focal: str | None = None, doctrine=None,
                 out: str | Path = "equipoise-output") -> dict:
    """Run the assessment (and, where installed, shocks and the report) and write the outputs.

    Returns ``{"focal": ..., "files": {name: path}}``.
    """
    from ._cli._common import _clean
    from .assessment import assess

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    a = assess(flows, focal=focal, doctrine=doctrine)
    files: dict[str, Path] = {}
    p = out / "assessment.json"
    p.write_text(json.dumps(_clean(a.to_dict()), indent=2, ensure_ascii=False, default=str),
                 encoding="utf-8")
    files["assessment"] = p
    p = out / "assessment.txt"
    p.write_text(a.summary(), encoding="utf-8")
    files["summary"] = p
    return {"focal": a.focal, "files": files}
