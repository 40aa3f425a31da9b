"""Regression cases of audit 5, G2/G8 (area ctx5): a user's corridor graph carries its flow
systems (a bad systems file is located; a systems file without a graph is refused), and a
measure given a path says where to go instead of reading it."""

from __future__ import annotations

import pytest

from adversarial._cli import invoke


@pytest.fixture
def graph(tmp_path):
    n, e = tmp_path / "n.csv", tmp_path / "e.csv"
    n.write_text("id,country,kind\nMN_COAL,MNG,source\nRU_X,RUS,hub\nMKT,WLD,market\n",
                 encoding="utf-8")
    e.write_text("source,target,capacity,mode\nMN_COAL,RU_X,6,rail\nRU_X,MKT,inf,connector\n",
                 encoding="utf-8")
    return n, e


def test_a_bad_systems_file_is_located(capsys, tmp_path, graph):
    bad = tmp_path / "s.csv"
    bad.write_text("system,domain,source,sinks\ncoal,energy,MN_COAL,\n", encoding="utf-8")
    code, _, err = invoke(capsys, ["assess", "--nodes", graph[0], "--edges", graph[1],
                                   "--systems", bad])
    assert code == 2
    assert f"{bad} line 2, column 'sinks': empty; expected node ids separated by ';'" in err


def test_a_systems_file_without_a_graph_is_refused(capsys, tmp_path):
    s = tmp_path / "s.csv"
    s.write_text("system,domain,source,sinks\ncoal,energy,MN_COAL,MKT\n", encoding="utf-8")
    code, _, err = invoke(capsys, ["plan", "--systems", s, "--scenarios", "100"])
    assert code == 2
    assert "--systems S.csv goes with your own graph (--nodes N.csv --edges E.csv)" in err


def test_a_systems_file_missing_a_column_is_named(capsys, tmp_path, graph):
    bad = tmp_path / "s.csv"
    bad.write_text("system,domain,source\ncoal,energy,MN_COAL\n", encoding="utf-8")
    code, _, err = invoke(capsys, ["assess", "--nodes", graph[0], "--edges", graph[1],
                                   "--systems", bad])
    assert code == 2
    assert f"{bad}: missing column(s) ['sinks']" in err


def test_the_engagement_measure_refuses_a_path(tmp_path):
    from equipoise.measures.engagement import engagement_balance

    p = tmp_path / "events.csv"
    p.write_text("date,actor,counterpart,kind,domains,value_usd,source\n", encoding="utf-8")
    with pytest.raises(TypeError, match="takes data, not a path"):
        engagement_balance(p, focal="KAZ", poles="CHN")
    with pytest.raises(TypeError, match="saw int; expecting an EventSet"):
        engagement_balance(3, focal="KAZ", poles="CHN")
