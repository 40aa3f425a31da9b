"""``equipoise check --json`` on the embedded default, against a golden summary recorded before
the rules became registered units (tests/doctrine/results/README.md says how it was made).

Every rule keeps its name, order, verdict (status, reason, passed), margin, value, threshold and description; its
evidence (with the source rows) is compared through a SHA-256 of its canonical JSON, and the
whole document through another.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from typer.testing import CliRunner

GOLDEN = Path(__file__).parent / "results" / "check_default.json"


def _digest(obj) -> str:
    text = json.dumps(obj, sort_keys=True, default=str, allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _portable(obj):
    """``obj`` with every ``file`` of the embedded dataset as its path in the datasets folder
    (``kazakhstan/flows.csv``), the form the rows carry since the provenance stopped naming the
    checkout; an older absolute path is cut the same way."""
    if isinstance(obj, dict):
        return {k: (v[v.rindex("/datasets/") + len("/datasets/"):] if k == "file"
                    and isinstance(v, str) and "/datasets/" in v else _portable(v))
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [_portable(x) for x in obj]
    return obj


def summarise(doc: dict) -> dict:
    """The golden form of a ``check --json`` document."""
    doc = _portable(doc)
    rules = [{**{k: r[k] for k in ("name", "status", "reason", "passed", "margin", "value",
                                   "threshold", "description")},
              "source_rows": len(r["evidence"].get("source_rows", [])),
              "evidence_sha256": _digest(r["evidence"])} for r in doc["rules"]]
    return {"focal": doc["focal"], "doctrine": doc["doctrine"], "passed": doc["passed"],
            "failed": doc["failed"], "insufficient": doc["insufficient"],
            "counts": doc["counts"], "rules": rules, "document_sha256": _digest(doc)}


def test_check_json_matches_golden():
    from equipoise._cli.main import app

    res = CliRunner().invoke(app, ["check", "--json"])
    assert res.exit_code == 0, res.output
    got = json.loads(_normal(summarise(json.loads(res.stdout))))
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert [r["name"] for r in got["rules"]] == [r["name"] for r in want["rules"]]
    for g, w in zip(got["rules"], want["rules"], strict=True):
        assert g == w, g["name"]
    assert got == want


def _normal(summary: dict) -> str:
    return json.dumps(summary, sort_keys=True, indent=1, allow_nan=True)


if __name__ == "__main__":  # equipoise check --json | python tests/doctrine/test_golden_check.py
    sys.stdout.write(_normal(summarise(json.load(sys.stdin))) + "\n")
