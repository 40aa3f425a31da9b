"""The shipped default peer group and the peer table."""

from __future__ import annotations

import json

import pytest

from equipoise import reference
from equipoise._cli.main import run
from equipoise.doctrine.model import load_doctrine
from equipoise.errors import OptionError
from equipoise.panel.peers import DEFAULT_GROUP, default_peers, peer_groups, peer_table

from .layouts import build_panel


def test_default_group_members_are_cited_countries():
    t = peer_groups()
    assert list(t.columns) == ["group", "member", "source", "note"]
    g = t[t["group"] == DEFAULT_GROUP]
    assert {"KAZ", "UZB", "KGZ", "TJK", "TKM", "AZE", "ARM", "GEO", "MNG"} <= set(g["member"])
    assert set(g["member"]) <= reference.country_codes()
    assert not g["member"].duplicated().any()
    # every membership names a publication with a year in parentheses and says why
    assert g["source"].str.contains(r"\(\d{4}\)").all()
    assert (g["note"].str.len() > 10).all()


def test_default_peers_excludes_the_focal():
    peers = default_peers("kaz")
    assert "KAZ" not in peers and peers[0] == "UZB" and len(peers) == len(default_peers()) - 1
    assert default_peers("BRA") == default_peers()
    with pytest.raises(OptionError, match="peer group 'NOPE' unknown"):
        default_peers("KAZ", group="NOPE")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    db = build_panel(tmp_path_factory.mktemp("peers"))
    return db


def test_peer_table_marks_states_without_data(built):
    out = peer_table("KAZ", built, reps=0, doctrine=load_doctrine())
    states = {r["state"] for r in out["records"]}
    assert states == {"KAZ", *default_peers("KAZ")}
    # the fixture has rows for KAZ only among the group: the others are insufficient, unranked
    others = [r for r in out["records"] if r["state"] != "KAZ"]
    assert others and all(r["status"] == "insufficient" and r["peer_rank"] is None
                          for r in others)
    assert all(r["source"] for r in others)


def test_index_defaults_to_the_peer_group(built, capsys):
    try:
        run(["index", "--focal", "KAZ", "--reps", "0", "--db", str(built), "--json"])
    except SystemExit as exc:
        assert not exc.code
    got = {r["state"] for r in json.loads(capsys.readouterr().out)["records"]}
    assert got == {"KAZ", *default_peers("KAZ")}
    try:
        run(["index", "--focal", "KAZ", "--peers", "", "--reps", "0", "--db", str(built),
             "--json"])
    except SystemExit as exc:
        assert not exc.code
    got = {r["state"] for r in json.loads(capsys.readouterr().out)["records"]}
    assert got == {"KAZ"}
