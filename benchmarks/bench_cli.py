"""Interactive speed: the command line as a whole process, the way a user runs it.

Measured, each as a fresh subprocess (interpreter start, imports, work, exit), median of
``--repeat`` (default 5) runs, in the same run as the baseline:

* ``python -c pass``: the interpreter alone (the floor; the baseline of every ratio);
* ``python -c "import equipoise"``: the package's front door;
* ``equipoise --help``;
* ``equipoise assess --json`` on the embedded Kazakhstan default (the whole assessment:
  load and validate the 503 flows, shares, concentration, doctrine check, JSON out).

``equipoise`` here is ``python -c "from equipoise._cli.main import run; run()"`` (what the
console script runs) with this checkout's ``src`` first on ``PYTHONPATH``, so the code measured
is the checkout's, not whatever is installed.

Goals (issue 11, point 7): ``--help`` under 0.4 s, ``assess`` under 1.5 s. The all-reporter
product screen as a whole process is in ``bench_screen.py --cli``.

Each run is timed in wall seconds and in CPU seconds (user + system of the child, all its
threads): on a machine shared with other jobs the wall time follows the load, the CPU time far
less. Python's bytecode is cached as for an installed package (``pip install`` compiles it):
the subprocesses write and read it under a temporary ``PYTHONPYCACHEPREFIX`` (the warm-up run
writes it), even where the environment sets ``PYTHONDONTWRITEBYTECODE`` (these helpers' shells
do, which made every measured run compile the package's sources again, about 0.1 s).
``--no-bytecode-cache`` measures that way instead.

Usage: python benchmarks/bench_cli.py [--repeat 5] [--out FILE] [--compare OTHER_SRC]
       [--no-bytecode-cache]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = "from equipoise._cli.main import run; run()"
GOALS = {"help": 0.4, "assess": 1.5}


#: where the subprocesses cache their bytecode (None: as the environment says)
PYCACHE: str | None = None


def env(src: Path | None = None) -> dict:
    e = dict(os.environ, PYTHONWARNINGS="ignore")
    e["PYTHONPATH"] = os.pathsep.join([str(src or ROOT / "src"),
                                       *filter(None, [e.get("PYTHONPATH")])])
    if PYCACHE is not None:
        e.pop("PYTHONDONTWRITEBYTECODE", None)
        e["PYTHONPYCACHEPREFIX"] = PYCACHE
    return e


def time_process(argv: list[str], repeat: int, src: Path | None = None) -> dict:
    """Wall and CPU seconds (user + system of the child) of ``argv`` as a subprocess,
    ``repeat`` times; fails loudly on a non-zero exit (a benchmark of an error message is no
    benchmark)."""
    times, cpu = [], []
    for _ in range(repeat):
        c0 = os.times()
        t0 = time.perf_counter()
        p = subprocess.run(argv, capture_output=True, env=env(src), cwd=ROOT, check=False)
        times.append(time.perf_counter() - t0)
        c1 = os.times()
        cpu.append(c1.children_user - c0.children_user + c1.children_system - c0.children_system)
        if p.returncode != 0:
            raise SystemExit(f"{argv[-3:]} exited {p.returncode}:\n{p.stderr.decode()[-2000:]}")
    return {"median": statistics.median(times), "min": min(times), "max": max(times),
            "runs": times, "cpu_median": statistics.median(cpu), "cpu_runs": cpu}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, help="write the figures as JSON here")
    ap.add_argument("--compare", type=Path, metavar="SRC",
                    help="also time --help and assess from another source tree (e.g. an older "
                         "commit's src, from `git archive`), interleaved in the same run")
    ap.add_argument("--no-bytecode-cache", action="store_true",
                    help="leave PYTHONDONTWRITEBYTECODE as the environment has it (the sources "
                         "may then be compiled again in every run)")
    a = ap.parse_args()
    global PYCACHE
    tmp = None
    if not a.no_bytecode_cache:
        tmp = tempfile.TemporaryDirectory(prefix="equipoise-bench-pyc-")
        PYCACHE = tmp.name
    py = sys.executable
    cases = {
        "python -c pass": [py, "-c", "pass"],
        "import equipoise": [py, "-c", "import equipoise"],
        "help": [py, "-c", CLI, "--help"],
        "assess": [py, "-c", CLI, "assess", "--json"],
    }
    # one warm-up of each (file cache, bytecode), not counted
    for argv in cases.values():
        subprocess.run(argv, capture_output=True, env=env(), cwd=ROOT, check=False)
        if a.compare:
            subprocess.run(argv, capture_output=True, env=env(a.compare), cwd=ROOT, check=False)
    res: dict = {"repeat": a.repeat, "cpu_count": os.cpu_count(),
                 "bytecode_cache": PYCACHE is not None,
                 "loadavg_before": os.getloadavg()}
    for name, argv in cases.items():
        res[name] = time_process(argv, a.repeat)
        if a.compare and name in GOALS:
            res[f"{name} ({a.compare})"] = time_process(argv, a.repeat, a.compare)
    res["loadavg_after"] = os.getloadavg()
    base = res["python -c pass"]["median"]
    print(f"whole process, median of {a.repeat} (load average before "
          f"{res['loadavg_before'][0]:.2f}, after {res['loadavg_after'][0]:.2f}, "
          f"{os.cpu_count()} cores; bytecode "
          f"{'cached' if PYCACHE else 'as the environment says'})")
    print(f"{'command':<20} {'median s':>9} {'min s':>7} {'max s':>7} {'x pass':>8} "
          f"{'CPU s':>7}  goal (wall)")
    for name in res:
        if not isinstance(res[name], dict):
            continue
        r = res[name]
        goal = GOALS.get(name)
        verdict = "" if goal is None else (
            f"< {goal} s: {'met' if r['median'] < goal else 'NOT met'}")
        print(f"{name[:40]:<20} {r['median']:>9.3f} {r['min']:>7.3f} {r['max']:>7.3f} "
              f"{r['median'] / base:>8.1f} {r['cpu_median']:>7.2f}  {verdict}")
    if tmp is not None:
        tmp.cleanup()
    if a.out:
        a.out.write_text(json.dumps(res, indent=2))
        print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
