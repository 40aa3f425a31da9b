"""The two ways the adversarial cases run the console script, written once: ``invoke`` in the
test's process (exit code, stdout, stderr with its whitespace folded), ``cli`` in a subprocess
as a user runs it. Both fail the test when a Python traceback reaches the user (and ``cli``
also on the CLI's "internal error" exit)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRACEBACK = "Traceback (most recent call last)"


def invoke(capsys, args: list) -> tuple[int, str, str]:
    """The console script in-process: (exit code, stdout, stderr); no traceback."""
    from equipoise._cli.main import run

    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        run([str(a) for a in args])
    out, err = capsys.readouterr()
    err = " ".join(err.split())
    code = info.value.code
    code = 0 if code is None else code if isinstance(code, int) else 1
    assert TRACEBACK not in out + err
    return code, out, err


def cli(*args: str) -> subprocess.CompletedProcess:
    """The console script in a subprocess, from the checkout's source; no traceback and no
    internal error."""
    e = dict(os.environ, NO_COLOR="1", COLUMNS="200", PYTHONWARNINGS="ignore",
             PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    p = subprocess.run([sys.executable, "-m", "equipoise._cli.main", *args],
                       capture_output=True, text=True, env=e, cwd=ROOT, timeout=300)
    assert TRACEBACK not in p.stderr and TRACEBACK not in p.stdout, p.stderr
    assert "internal error" not in p.stderr, p.stderr
    return p
