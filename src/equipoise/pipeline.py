"""The main job (``equipoise run`` / ``make demo``): assessment, shocks, Monte Carlo and report."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["run_main_job"]


def _write_json(path: Path, obj) -> Path:
    from ._json import clean as _clean

    path.write_text(json.dumps(_clean(obj), indent=2, ensure_ascii=False, default=str),
                    encoding="utf-8")
    return path


def run_main_job(flows, *, focal: str | None = None, doctrine=None,
                 out: str | Path = "equipoise-output", runs: int = 100_000, seed: int = 0,
                 report: bool = True, pdf: bool = False) -> dict:
    """Run the assessment, a full cut-off shock for each pole, the Monte Carlo, and the report.

    Writes ``assessment.json``, ``assessment.txt``, ``shocks.json``, ``simulation.json`` and
    ``report.html`` (``report.pdf`` with ``pdf=True``) into ``out``. Returns
    ``{"focal": ..., "files": {name: path}, "assessment": Assessment}``.
    """
    from .assessment import assess
    from .errors import CorridorError
    from .measures.exposure import domain_shares
    from .risk.corridors import load_corridors
    from .risk.montecarlo import SimulationRequest, run_request
    from .risk.shocks import ShockRequest, shock

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    a = assess(flows, focal=focal, doctrine=doctrine)
    files: dict[str, Path] = {}
    files["assessment"] = _write_json(out / "assessment.json", a.to_dict())
    p = out / "assessment.txt"
    p.write_text(a.summary(), encoding="utf-8")
    files["summary"] = p

    shares = domain_shares(flows, a.focal)
    try:
        graph = load_corridors(focal=a.focal)
    except CorridorError:
        graph = None  # no shipped corridor graph for this state: shares-only losses
    model = "max" if graph is not None else "shares"
    shocks = {pole: shock(shares, ShockRequest(focal=a.focal, partner=pole, loss_model=model),
                          doctrine=a.doctrine, corridors=graph).to_dict()
              for pole in a.doctrine.poles}
    files["shocks"] = _write_json(out / "shocks.json", shocks)
    sim = run_request(shares, SimulationRequest(focal=a.focal, runs=runs, seed=seed,
                                                loss_model=model),
                      graph=graph, doctrine=a.doctrine)
    files["simulation"] = _write_json(out / "simulation.json", sim.to_dict())
    if report:
        from .present.report import build_report

        written = build_report(flows, focal=a.focal, doctrine=a.doctrine,
                               out=out / "report.html", pdf=pdf)
        files.update({f"report{'' if k == 'html' else '_' + k}": Path(v)
                      for k, v in written.items()})
    return {"focal": a.focal, "files": files, "assessment": a}
