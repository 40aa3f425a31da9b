"""A focal state that is one of the doctrine's poles, given beside a doctrine in any form, is the
same located DoctrineError through every front door and every command (issue 11, audit gap G1:
``eq.assess(flows, doctrine=Doctrine, focal="RUS")`` used to skip validation and end in a raw
``ValueError: cannot convert float NaN to integer``), never a traceback."""

from __future__ import annotations

import sys

import pytest

import equipoise as eq
from equipoise._cli.main import run
from equipoise.doctrine.model import default_doctrine_path, load_doctrine
from equipoise.errors import DoctrineError

MSG = "the focal state RUS is one of its own poles"


@pytest.mark.parametrize("door", ["assess", "check", "plan", "evaluate"])
@pytest.mark.parametrize("form", ["object", "path", "none"])
def test_every_front_door_refuses_a_pole_as_focal(door, form):
    doctrine = {"object": load_doctrine(), "path": default_doctrine_path(), "none": None}[form]
    flows = eq.load_default()
    with pytest.raises(DoctrineError, match=MSG):
        if door == "evaluate":
            eq.evaluate("us-c5plus1-deals-2025", flows, doctrine=doctrine, focal="RUS",
                        n_scenarios=10)
        else:
            getattr(eq, door)(flows, doctrine=doctrine, focal="RUS")


@pytest.mark.parametrize("args", [["assess"], ["check"], ["plan"],
                                  ["evaluate", "us-c5plus1-deals-2025"]])
def test_every_command_refuses_a_pole_as_focal(args, monkeypatch, capsys, tmp_path):
    doctrine = tmp_path / "d.toml"
    doctrine.write_text(default_doctrine_path().read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["equipoise", *args, "--doctrine", str(doctrine),
                                      "--focal", "RUS"])
    with pytest.raises(SystemExit) as e:
        run()
    out = capsys.readouterr()
    text = out.err + out.out
    assert e.value.code == 2
    assert MSG in text
    assert "Traceback (most recent call last)" not in text
