"""Run the benchmarks: ``python -m benchmarks [NAME ...] [ARGS ...] [-- ARGS ...]``.

Every ``benchmarks/bench_*.py`` is a script that measures one capability against a baseline
in the same run and prints ratios (these machines are noisy, so single timings are not
compared across runs). With names (``cli``, ``flows``, ``montecarlo``, ``panel``, ``screen``,
``web``, ...), only those run. Every argument that is not a benchmark name (``--repeat 1``,
``--reps 200``, ``--help``) is passed to each benchmark that runs, as is everything after
``--``; ``python -m benchmarks panel --help`` therefore prints the panel benchmark's options
and runs nothing. Without a name, ``-h``/``--help`` prints this text.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _names() -> list[str]:
    return [s.stem.removeprefix("bench_") for s in sorted(HERE.glob("bench_*.py"))]


def split(argv: list[str]) -> tuple[list[str], list[str]]:
    """The benchmark names and the arguments passed through: the leading words that name a
    benchmark, then everything else (``--`` is dropped, what follows it is passed as is)."""
    extra: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    known = set(_names())
    names: list[str] = []
    i = 0
    while i < len(argv) and not argv[i].startswith("-"):
        names.append(argv[i])
        i += 1
    rest = argv[i:]
    bad = [n for n in names if n not in known]
    if bad:
        raise SystemExit(f"no benchmark named {bad}; have {_names()}")
    return names, rest + extra


def main(argv: list[str]) -> int:
    names, passed = split(argv)
    if not names and any(a in ("-h", "--help") for a in passed):
        print(__doc__.strip())
        print(f"\nbenchmarks: {', '.join(_names())}")
        return 0
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    rc = 0
    for s in scripts:
        print(f"== {s.stem} ==", flush=True)
        rc |= subprocess.call([sys.executable, str(s), *passed], cwd=HERE.parent)
    return rc


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
