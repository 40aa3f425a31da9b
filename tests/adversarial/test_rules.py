"""Adversarial thresholds now that rules declare their own (issue 11, point 1): an unknown key
under ``[thresholds]`` and a bad value for a threshold a registered rule declares. Each input is
made in ``tmp_path`` and run through the console script's entry point; each must end with exit
code 2, an error at the key's line saying what was seen and what was expected, and no Python
traceback."""

from __future__ import annotations

import sys

import pytest

from equipoise._cli.main import run
from equipoise.doctrine import rules
from equipoise.doctrine.model import default_doctrine_path
from equipoise.doctrine.rules import Rule, Threshold

BASE = default_doctrine_path().read_text(encoding="utf-8")


class _Floor(Rule):
    kind = "adversarial_floor"
    reads = ("domains", "doctrine")
    thresholds = {"adversarial_floor": Threshold(2, 1, 10, integer=True)}

    def check(self, a, domain=None):
        return None


def _cli(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["equipoise", *args])
    with pytest.raises(SystemExit) as e:
        run()
    out = capsys.readouterr()
    text = out.err + out.out
    assert "Traceback (most recent call last)" not in text
    return e.value.code, text


CASES = {
    # id: (line added under [thresholds], expected fragments); the rule above is registered
    "unknown-key": ("colour = 0.3", ["thresholds.colour: unknown threshold (saw 0.3)",
                                     "expected one of ['critical_share'"]),
    "unknown-key-string": ('hhi_max = "0.4"', ["thresholds.hhi_max: unknown threshold "
                                               "(saw '0.4')"]),
    "declared-too-high": ("adversarial_floor = 11", ["thresholds.adversarial_floor: expecting a "
                                                     "whole number in 1..10, got 11"]),
    "declared-boolean": ("adversarial_floor = true", ["thresholds.adversarial_floor: expecting "
                                                      "a whole number in 1..10, got True"]),
    "declared-float": ("adversarial_floor = 2.5", ["thresholds.adversarial_floor: expecting a "
                                                   "whole number in 1..10, got 2.5"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_threshold_is_a_located_error(case, tmp_path, monkeypatch, capsys):
    added, fragments = CASES[case]
    text = BASE.replace("[thresholds]\n", f"[thresholds]\n{added}\n", 1)
    p = tmp_path / "d.toml"
    p.write_text(text, encoding="utf-8")
    line = text.splitlines().index(added) + 1
    rules.register(_Floor)
    try:
        code, out = _cli(monkeypatch, capsys, "check", "--doctrine", str(p))
    finally:
        rules.unregister("adversarial_floor")
    assert code == 2, out
    assert out.startswith("error: ") and f"{p} line {line}, " in out, out
    for f in fragments:
        assert f in out, (f, out)
