"""Action evaluation benchmark: applying N flow changes to the embedded Kazakhstan data.

Workload: a generated action TOML (``generate``) with N ``[[flow]]`` changes against the shipped
Kazakhstan dataset (503 rows) and default doctrine: additions to existing rows and to new
products (``technology.deals.value``, one new row each), ``set`` and ``scale`` changes, twenty
partners, each change moving the reporter's WLD total where there is one. This is the shape of
the 10,000-flow, 1.1 MB upload of issue 14 that kept the dashboard busy for over 9 minutes.

Measured, in one process on the same data:

* parse (TOML + validation) and apply (``apply_action``) at 1,000 and 10,000 changes, and their
  ratio (10.0 is linear);
* the former application (one DataFrame mask, ``loc`` write or ``concat`` per change, one
  ``validate_frame`` per changed row: ``tests/doctrine/_reference_apply.py``) on ``--old``
  changes, against the current one on the same action; both give the same table and log
  (checked here);
* the whole ``evaluate`` (before and after: assessment, shocks, Monte Carlo, corridors, rules)
  at 1 and at 1,000 and 10,000 changes: the fixed cost and what the changes add.

Usage: python benchmarks/bench_actions.py [--sizes 1000 10000] [--old 200] [--scenarios 200]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTNERS = ["USA", "CHN", "RUS", "KOR", "JPN", "TUR", "UZB", "IND", "ARE", "GBR", "KGZ", "AZE",
            "GEO", "SAU", "IRN", "POL", "CHE", "CAN", "AUS", "BRA"]


def generate(n: int) -> str:
    """An action with ``n`` flow changes (see the module docstring); deterministic."""
    out = ['id = "bench"', 'title = "generated benchmark action"', 'date = "2024-06-01"',
           'focal = "KAZ"', 'sources = ["bench:generated"]', ""]
    for i in range(n):
        p = PARTNERS[i % len(PARTNERS)]
        k = i % 10
        if k < 6:    # a new deal: a new row, and the technology total (no WLD row) unchanged
            out += ["[[flow]]", f'partner = "{p}"', 'indicator = "technology.deals.value"',
                    f'product = "deal:bench-{i}"', f"value = {0.001 * (i % 97 + 1)}"]
        elif k < 8:  # add to trade turnover (existing rows for CHN, RUS, ...; new for others)
            out += ["[[flow]]", f'partner = "{PARTNERS[i % 8]}"',
                    'indicator = "trade.goods.turnover"', f"value = {0.01 * (i % 7 + 1)}"]
        elif k == 8:  # set FDI stock (moves the WLD total of 2021)
            out += ["[[flow]]", 'op = "set"', f'partner = "{PARTNERS[i % 4]}"',
                    'indicator = "finance.fdi.stock"', f"value = {1 + i % 9}"]
        else:         # scale arms imports of a partner present in the data
            out += ["[[flow]]", 'op = "scale"', f'partner = "{["RUS", "TUR", "FRA"][i % 3]}"',
                    'indicator = "security.arms.import"', "year = 2023", "factor = 1.0001"]
        out.append("")
    return "\n".join(out)


def _reference():
    path = ROOT / "tests" / "doctrine" / "_reference_apply.py"
    spec = importlib.util.spec_from_file_location("_reference_apply", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _timed(f, *a, **k):
    t = time.perf_counter()
    out = f(*a, **k)
    return out, time.perf_counter() - t


def _same(new, ref) -> bool:
    import pandas as pd

    try:
        pd.testing.assert_frame_equal(new.flows.data, ref.flows.data)
    except AssertionError:
        return False

    def norm(log):
        return [{k: ("<nan>" if isinstance(v, float) and v != v else v) for k, v in x.items()}
                for x in log]
    return norm(new.log) == norm(ref.log)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--old", type=int, default=200, help="changes for the former application")
    ap.add_argument("--scenarios", type=int, default=200, help="Monte Carlo scenarios (evaluate)")
    ap.add_argument("--no-evaluate", action="store_true", help="skip the whole evaluations")
    args = ap.parse_args(argv)

    from equipoise.assessment import evaluate
    from equipoise.datasets import load_default
    from equipoise.doctrine.actions import apply_action, parse_action
    from equipoise.doctrine.model import load_doctrine

    flows = load_default("KAZ")
    doctrine = load_doctrine()
    print(f"python {platform.python_version()}, {platform.machine()}, "
          f"KAZ data {len(flows.data)} rows, load average {os.getloadavg()[0]:.1f}")
    apply_action(parse_action(generate(10), where="warm.toml"), flows, focal="KAZ")  # warm up

    rows = {}
    for n in args.sizes:
        text = generate(n)
        a, tp = _timed(parse_action, text, where="bench.toml")
        out, ta = _timed(apply_action, a, flows, focal="KAZ")
        rows[n] = (tp, ta)
        print(f"N={n:>6,}: TOML {len(text) / 1e6:.2f} MB, parse {tp:6.2f} s, apply {ta:6.2f} s "
              f"({ta / n * 1e3:.3f} ms a change), rows after {len(out.flows.data):,}", flush=True)
    if len(args.sizes) >= 2:
        lo, hi = min(args.sizes), max(args.sizes)
        print(f"ratio {hi:,} / {lo:,} changes (linear = {hi / lo:.1f}): parse "
              f"{rows[hi][0] / rows[lo][0]:.1f}x, apply {rows[hi][1] / rows[lo][1]:.1f}x; "
              f"marginal apply cost {(rows[hi][1] - rows[lo][1]) / (hi - lo) * 1e3:.3f} ms a "
              "change (the rest is the fixed cost of validating and merging the table once)")

    ref = _reference()
    a = parse_action(generate(args.old), where="bench.toml")
    new, t_new = _timed(apply_action, a, flows, focal="KAZ")
    old, t_old = _timed(ref.apply_action, a, flows, focal="KAZ")
    print(f"former application, N={args.old:,}: {t_old:.2f} s ({t_old / args.old * 1e3:.1f} ms a "
          f"change); current {t_new:.3f} s: {t_old / t_new:.0f}x faster; same table and log: "
          f"{_same(new, old)}", flush=True)

    if not args.no_evaluate:
        ev = {}
        for n in [1, *args.sizes]:
            a = parse_action(generate(n), where="bench.toml")
            _, te = _timed(evaluate, a, flows, doctrine=doctrine, n_scenarios=args.scenarios)
            ev[n] = te
            print(f"evaluate N={n:>6,}: {te:6.2f} s", flush=True)
        lo, hi = min(args.sizes), max(args.sizes)
        print(f"evaluate: 1 change {ev[1]:.2f} s (the fixed cost: an assessment and its with_flows, shocks, "
              f"Monte Carlo, corridors, rules); ratio {hi:,} / {lo:,} changes "
              f"{ev[hi] / ev[lo]:.2f}x, {hi:,} / 1 change {ev[hi] / ev[1]:.2f}x")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    raise SystemExit(main())
