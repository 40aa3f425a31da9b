"""``--without KIND`` on ``plan`` and ``assess --plan`` (audit 5 G6): a kind the rule registry
does not have, a rule without plan rows, and ``--without`` without ``--plan`` are refused with
exit 2, a message naming what was seen and listing the rules with plan rows, and no traceback.
"""

from __future__ import annotations

import pytest

from equipoise._cli.main import run

TRACEBACK = "Traceback (most recent call last)"
LISTED = ("Expected the kind of a rule of the registry with plan rows: role, "
          "no_critical_dependency (plan kind critical_share), viable_partners (plan kind "
          "keep_viable), no_squeeze.")


def invoke(capsys, args: list[str]) -> tuple[int, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        run([str(a) for a in args])
    out, err = capsys.readouterr()
    assert TRACEBACK not in out + err
    return info.value.code, " ".join(err.replace("\u2502", " ").split())


@pytest.mark.parametrize(("args", "texts"), [
    (["plan", "--without", "nosuch"], ["--without: 'nosuch' is not a rule kind.", LISTED]),
    (["plan", "--without", "role,equidistance"],
     ["--without: 'equidistance' is a rule without plan rows (nothing to leave out).", LISTED]),
    (["plan", "--no-roles", "--without", ""], []),  # an empty item is no name: a plan runs
    (["assess", "--plan", "--without", "Role"], ["--without: 'Role' is not a rule kind.",
                                                 LISTED]),
    (["assess", "--without", "role"],
     ["--without role: leaves rules out of the plan; expected it with --plan"]),
], ids=["unknown", "no-plan-rows", "empty-item", "assess-unknown", "assess-without-plan"])
def test_without_is_checked(capsys, tmp_path, args, texts):
    if not texts:  # the one case that runs: keep it small
        args = [*args, "--scenarios", "50", "--json"]
    code, err = invoke(capsys, args)
    assert code == (0 if not texts else 2), err
    for t in texts:
        assert t in err, (t, err)
