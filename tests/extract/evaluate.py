"""Precision and recall of ``equipoise extract`` on the hand-labelled articles.

Run: ``.venv/bin/python tests/extract/evaluate.py`` (prints per-article errors and the totals).
Events match on (article, counterpart, kind); domains are scored on matched events.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent


def evaluate(verbose: bool = False, subset: str = "all") -> dict:
    """Scores over ``subset``: "all", "dev" (articles the rules were tuned on) or "heldout"."""
    from equipoise.extract import extract_file

    expected = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
    tp = fp = fn = dtp = dfp = dfn = n_articles = 0
    errors = []
    for name, exp in sorted(expected.items()):
        if name.startswith("_") or (subset == "dev" and "heldout" in name) or (
                subset == "heldout" and "heldout" not in name):
            continue
        got = extract_file(HERE / "articles" / name, focal="KAZ")
        g = {(e.counterpart, e.kind): set(e.domains) for e in got.events}
        x = {(e["counterpart"], e["kind"]): set(e["domains"]) for e in exp}
        for k in g.keys() & x.keys():
            tp += 1
            dtp += len(g[k] & x[k])
            dfp += len(g[k] - x[k])
            dfn += len(x[k] - g[k])
            if g[k] != x[k]:
                errors.append((name, "domains", k, sorted(g[k] - x[k]), sorted(x[k] - g[k])))
        for k in g.keys() - x.keys():
            fp += 1
            errors.append((name, "false positive", k))
        for k in x.keys() - g.keys():
            fn += 1
            errors.append((name, "missed", k))
        n_articles += 1
    res = {"subset": subset, "articles": n_articles,
           "expected_events": tp + fn, "extracted_events": tp + fp,
           "precision": tp / (tp + fp) if tp + fp else float("nan"),
           "recall": tp / (tp + fn) if tp + fn else float("nan"),
           "domain_precision": dtp / (dtp + dfp) if dtp + dfp else float("nan"),
           "domain_recall": dtp / (dtp + dfn) if dtp + dfn else float("nan"),
           "errors": errors}
    if verbose:
        for e in errors:
            print(*e)
        print({k: round(v, 3) if isinstance(v, float) else v for k, v in res.items()
               if k != "errors"})
    return res


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[1] / "src"))
    for sub in ("dev", "heldout", "all"):
        evaluate(verbose=True, subset=sub)
