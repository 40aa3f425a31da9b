"""Run the benchmarks: ``python -m benchmarks [NAME ...] [-- ARGS]``.

Every ``benchmarks/bench_*.py`` is a script that measures one capability against a baseline
in the same run and prints ratios (these machines are noisy, so single timings are not
compared across runs). With names (``cli``, ``flows``, ``montecarlo``, ``screen``, ``web``), only those
run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    extra: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in argv]
        if not scripts:
            print(f"no benchmark named {argv}; have "
                  f"{[s.stem.removeprefix('bench_') for s in sorted(HERE.glob('bench_*.py'))]}")
            return 2
    rc = 0
    for s in scripts:
        print(f"== {s.stem} ==", flush=True)
        rc |= subprocess.call([sys.executable, str(s), *extra], cwd=HERE.parent)
    return rc


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
