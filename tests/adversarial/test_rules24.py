"""Adversarial corridor graphs given to ``assess`` and ``plan`` (``--nodes``/``--edges``): each
input made in ``tmp_path``, run through the console script's entry point, must end with exit
code 2, an error that says what was seen and what was expected, and no Python traceback."""

from __future__ import annotations

import pytest

from adversarial.test_doctrine import cli

NODES = "id,country,kind\nCN_X,CHN,hub\nUS_X,USA,hub\n"
EDGES = "source,target,capacity,mode,route\nCN_X,US_X,1,rail,test route\n"


def _files(tmp_path, nodes: str = NODES, edges: str = EDGES):
    n, e = tmp_path / "n.csv", tmp_path / "e.csv"
    n.write_text(nodes, encoding="utf-8")
    e.write_text(edges, encoding="utf-8")
    return str(n), str(e)


@pytest.mark.parametrize("cmd", ["assess", "plan"])
def test_nodes_without_edges(tmp_path, monkeypatch, capsys, cmd):
    n, _ = _files(tmp_path)
    code, text = cli(monkeypatch, capsys, cmd, "--nodes", n)
    assert code == 2
    assert "give both --nodes and --edges (or neither for the shipped graph)" in text


@pytest.mark.parametrize("cmd", ["assess", "plan"])
def test_edges_without_nodes(tmp_path, monkeypatch, capsys, cmd):
    _, e = _files(tmp_path)
    code, text = cli(monkeypatch, capsys, cmd, "--edges", e)
    assert code == 2
    assert "give both --nodes and --edges" in text


@pytest.mark.parametrize("cmd", ["assess", "plan"])
def test_edge_to_an_unknown_node_is_located(tmp_path, monkeypatch, capsys, cmd):
    n, e = _files(tmp_path, edges=EDGES + "CN_X,NOWHERE,2,rail,test route\n")
    code, text = cli(monkeypatch, capsys, cmd, "--nodes", n, "--edges", e)
    assert code == 2
    assert e in text and "NOWHERE" in text


@pytest.mark.parametrize("cmd", ["assess", "plan"])
def test_missing_file(tmp_path, monkeypatch, capsys, cmd):
    n, e = _files(tmp_path)
    code, text = cli(monkeypatch, capsys, cmd, "--nodes", n, "--edges", e + ".missing")
    assert code == 2
    assert "e.csv.missing" in text
