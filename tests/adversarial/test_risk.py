"""Adversarial inputs to the risk package (issue 14): corridor files, simulation requests and
config files, shock requests, shares tables and product screens.

Each case makes its input in ``tmp_path`` and names the expected error class and message text.
A few cases also run the CLI in a subprocess and check the exit code, the message and that no
Python traceback reaches the user.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import equipoise
from equipoise.errors import (
    CorridorError,
    InputError,
    OptionError,
    SchemaError,
    UnknownCountryError,
    UnknownDomainError,
)
from equipoise.risk import (
    CorridorGraph,
    ShockRequest,
    SimulationRequest,
    analyse_corridors,
    load_corridors,
    max_flow,
    shock,
    simulate_losses,
    substitutability_from_screen,
)
from equipoise.risk.montecarlo import MAX_RUNS, MAX_RUNS_MANY_PARTNERS

TRACEBACK = "Traceback (most recent call last)"
NODES = "id,country,kind,capacity\nS,KAZ,source,\nA,RUS,hub,\nB,CHN,hub,\nT,WLD,market,\n"


def _cli(*args: str) -> subprocess.CompletedProcess:
    src = Path(equipoise.__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(src), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-c", "from equipoise._cli.main import run; run()",
                           *args], capture_output=True, text=True, env=env, timeout=300)


def _make(make, path: Path) -> None:
    try:
        make(path)
    except AttributeError:  # os.mkfifo is POSIX only
        pytest.skip("FIFOs need a POSIX system")


@pytest.fixture
def nodes(tmp_path) -> Path:
    p = tmp_path / "nodes.csv"
    p.write_text(NODES)
    return p


def _edges(tmp_path, rows: str, name: str = "edges.csv") -> Path:
    p = tmp_path / name
    p.write_text("source,target,capacity,mode\n" + rows)
    return p


# ----------------------------------------------------------------- corridors

def test_wide_range_corridor_regression(nodes, tmp_path):
    """Issue 14: 1.0 instead of 1.4 when a 0.4 capacity sat beside 1e9 ones."""
    e = _edges(tmp_path, "S,A,1,x\nA,T,1e9,x\nS,B,0.4,x\nB,T,1e9,x\n")
    g = load_corridors(nodes, e)
    assert max_flow(g, "S", "T") == 1.4
    # nine orders of magnitude, by hand: 0.001 + 1e6 (via B) + 3e6 (direct) = 4,000,000.001
    e = _edges(tmp_path, "S,A,0.001,x\nA,T,1e6,x\nS,B,1e6,x\nB,T,1e6,x\nS,T,1e6,x\nS,T,2e6,x\n",
               "wide.csv")
    r = analyse_corridors(load_corridors(nodes, e), "S", "T", contingencies=1)
    assert r.max_flow == 4_000_000.001 == r.min_cut_capacity
    assert {tuple(c["removed"]): c["max_flow"] for c in r.contingencies} == {
        ("CHN",): 3_000_000.001, ("RUS",): 4_000_000.0}


@pytest.mark.parametrize("cell, text", [
    ("nan", "line 3, column 'capacity': 'nan' (edge A->T) is not a number (NaN)"),
    ("-1", "line 3, column 'capacity': '-1' (edge A->T) is negative"),
    ("-inf", "line 3, column 'capacity': '-inf' (edge A->T) is negative"),
    ("1e400", "line 3, column 'capacity': '1e400' (edge A->T) is beyond the largest double"),
    ("lots", "line 3, column 'capacity': 'lots' (edge A->T) is not a number"),
    ("", "line 3, column 'capacity': empty (edge A->T)"),
])
def test_bad_edge_capacity_is_located(nodes, tmp_path, cell, text):
    e = _edges(tmp_path, f"S,A,5,x\nA,T,{cell},x\n")
    with pytest.raises(CorridorError) as exc:
        load_corridors(nodes, e)
    assert str(e) in str(exc.value) and text in str(exc.value)


def test_bad_node_capacity_is_located(tmp_path):
    n = tmp_path / "n.csv"
    n.write_text("id,country,kind,capacity\nS,KAZ,source,\nA,RUS,hub,NaN\nT,WLD,market,\n")
    e = _edges(tmp_path, "S,A,5,x\nA,T,5,x\n")
    with pytest.raises(CorridorError, match=r"line 3, column 'capacity': 'NaN' \(node 'A'\) is "
                                            r"not a number \(NaN\)"):
        load_corridors(n, e)


def test_line_numbers_count_blank_lines_and_quoted_newlines(nodes, tmp_path):
    e = tmp_path / "e.csv"
    e.write_text('source,target,capacity,mode,note\nS,A,5,x,"two\nlines"\n\nA,T,-2,x,\n')
    with pytest.raises(CorridorError, match="line 5, column 'capacity': '-2'"):
        load_corridors(nodes, e)


def test_inf_capacities_are_connectors_not_tracebacks(tmp_path):
    n = tmp_path / "n.csv"
    n.write_text("id,country,kind,capacity\nS,KAZ,source,inf\nA,RUS,hub,inf\nT,WLD,market,inf\n"
                 "U,WLD,market,\n")
    e = _edges(tmp_path, "S,A,Infinity,pipe\nA,T,1e308,pipe\nA,U,1e308,pipe\n")
    g = load_corridors(n, e)
    assert max_flow(g, "S", "T") == 1e308
    with pytest.raises(CorridorError, match="beyond the largest double"):
        max_flow(g, "S", ["T", "U"])
    e = _edges(tmp_path, "S,A,inf,pipe\nA,T,inf,pipe\n", "e2.csv")
    with pytest.raises(CorridorError, match="unbounded"):
        max_flow(load_corridors(n, e), "S", "T")


@pytest.mark.parametrize("make, text", [
    (lambda p: p.write_text("source,target,capacity,mode\n", encoding="utf-16"),
     "is not UTF-8; expecting a UTF-8 CSV file"),
    (lambda p: p.write_bytes(b"source,target,capacity,mode\nS,A,\xe9,x\n"),
     "line 2, column 5: byte 0xe9 (byte 32) is not UTF-8"),
    (lambda p: p.mkdir(), "is a folder; expecting a CSV file"),
    (lambda p: p.write_text(""), "the file is empty"),
    (lambda p: os.mkfifo(p), "is not a regular file"),
    (lambda p: p.write_text('source,target,capacity,mode\n"S,A,1,x\n'), "not a readable CSV"),
])
def test_unreadable_corridor_files(nodes, tmp_path, make, text):
    bad = tmp_path / "edges.csv"
    _make(make, bad)
    with pytest.raises(CorridorError) as exc:
        load_corridors(nodes, bad)
    assert text in str(exc.value) and str(bad) in str(exc.value)


def test_corridor_bounds(nodes, tmp_path, monkeypatch):
    from equipoise.risk import corridors

    monkeypatch.setattr(corridors, "MAX_EDGES", 3)
    e = _edges(tmp_path, "S,A,1,x\nA,T,1,x\nS,B,1,x\nB,T,1,x\n")
    with pytest.raises(CorridorError, match="4 edges; a corridor graph may have at most 3"):
        load_corridors(nodes, e)
    monkeypatch.setattr(corridors, "MAX_EDGES", 100_000)
    monkeypatch.setattr(corridors, "MAX_CONTINGENCY_CASES", 2)
    g = load_corridors(nodes, e)
    with pytest.raises(CorridorError, match="3 removals over 2 countries; at most 2"):
        analyse_corridors(g, "S", "T", contingencies=2)
    for k in (3, -1, True, 1.5):
        with pytest.raises(CorridorError, match="expecting 0, 1 or 2"):
            analyse_corridors(g, "S", "T", contingencies=k)


def test_cli_corridor_inf_capacity(nodes, tmp_path):
    e = _edges(tmp_path, "S,A,5,x\nA,T,nan,x\n")
    res = _cli("corridors", "--nodes", str(nodes), "--edges", str(e), "--from", "S", "--to", "T")
    assert res.returncode == 2
    assert "line 3, column 'capacity': 'nan' (edge A->T)" in res.stderr
    assert TRACEBACK not in res.stderr + res.stdout
    n = tmp_path / "n.csv"
    n.write_text("id,country,kind,capacity\nS,KAZ,source,inf\nA,RUS,hub,inf\nT,WLD,market,inf\n")
    e = _edges(tmp_path, "S,A,inf,x\nA,T,1e308,x\n", "e2.csv")
    res = _cli("corridors", "--nodes", str(n), "--edges", str(e), "--from", "S", "--to", "T",
               "--json")
    assert res.returncode == 0, res.stderr
    assert TRACEBACK not in res.stderr + res.stdout


# ----------------------------------------------------------------- simulation requests

@pytest.mark.parametrize("kwargs, text", [
    ({"runs": 10_000_000_000}, "runs: expecting a whole number in 1..10,000,000. "
                               "Got 10000000000."),
    ({"runs": 1e12}, "runs: expecting a whole number in 1..10,000,000. Got 1000000000000.0."),
    ({"runs": "abc"}, "runs: expecting a whole number in 1..10,000,000. Got 'abc'."),
    ({"runs": 0}, "Got 0."),
    ({"runs": True}, "Got True."),
    ({"seed": -1}, "seed: expecting a whole number in 0..2**128-1"),
    ({"seed": 2**128}, "seed: expecting a whole number in 0..2**128-1"),
    ({"seed": 1.5}, "Got 1.5."),
    ({"intensity": float("nan")}, "intensity: expecting a number in 0..1. Got nan."),
    ({"intensity": "x"}, "intensity: expecting a number in 0..1. Got 'x'."),
    ({"rho_bloc": 1.0}, "rho_bloc: expecting a number in [0, 1). Got 1.0."),
    ({"default_probability": float("inf")}, "default_probability: expecting a number in 0..1"),
    ({"probabilities": {"RUS": float("nan")}}, "probability of RUS: expecting a number in 0..1"),
    ({"probabilities": "RUS"}, "probabilities: expecting a table of PARTNER = probability"),
    ({"max_partners": 53}, "max_partners: expecting a whole number in 1..52. Got 53."),
    ({"partners": ("RUS",) * 53}, "partners: expecting at most 52 partners"),
    ({"partners": 5}, "partners: expecting a list of ISO3 or group codes. Got 5."),
    ({"chunk_size": 10**9}, "chunk_size: expecting a whole number in 1..1,048,576"),
    ({"batches": 10**6}, "batches: expecting a whole number in 2..100"),
    ({"levels": (0.95,) * 11}, "levels: expecting 1..10 numbers in [0.5, 1)"),
    ({"levels": "abc"}, "levels: expecting 1..10 numbers in [0.5, 1). Got 'abc'."),
    ({"correlation": 3}, "correlation: expecting one of"),
    ({"max_partners": 20, "runs": MAX_RUNS_MANY_PARTNERS + 1},
     f"runs: expecting at most {MAX_RUNS_MANY_PARTNERS:,} with more than 16 partners"),
])
def test_simulation_request_bounds(kwargs, text):
    with pytest.raises(OptionError) as exc:
        SimulationRequest("KAZ", **kwargs)
    assert text in str(exc.value)


def test_simulation_request_codes_and_required_focal():
    with pytest.raises(UnknownCountryError, match="focal: 'XXX' is not an ISO3 country code"):
        SimulationRequest("XXX")
    with pytest.raises(UnknownCountryError, match=r"partners: \['WLD'\]"):
        SimulationRequest("KAZ", partners=("WLD",))
    # no default focal state in risk/ (issue 11.3): the caller resolves it (context)
    with pytest.raises(TypeError, match="focal"):
        SimulationRequest()
    assert SimulationRequest("KAZ", runs=MAX_RUNS, seed=2**128 - 1).runs == MAX_RUNS


def test_simulate_function_checks_its_counts():
    loss = pd.DataFrame({"trade": [0.5]}, index=["RUS"])
    with pytest.raises(OptionError, match=r"runs: expecting a whole number in 1\.\.10,000,000"):
        simulate_losses(loss, focal="KAZ", runs=MAX_RUNS + 1, seed=1)
    with pytest.raises(OptionError, match=r"seed: expecting a whole number in 0\.\.2"):
        simulate_losses(loss, focal="KAZ", runs=100, seed=-1)
    with pytest.raises(OptionError, match=r"domain weights: expecting finite numbers >= 0"):
        simulate_losses(loss, focal="KAZ", runs=100, seed=1, weights={"trade": float("nan")})
    with pytest.raises(OptionError, match="probability of RUS"):
        simulate_losses(loss, focal="KAZ", runs=100, seed=1, probabilities={"RUS": 2.0})


def test_config_without_focal_uses_the_callers_default(tmp_path):
    """A config without focal: the override, else the caller's default (the command line
    passes context's); risk/ has none of its own (issue 11.3)."""
    p = tmp_path / "sim.toml"
    p.write_text("[simulate]\nruns = 1000\nseed = 3\n")
    req = SimulationRequest.from_toml(p, default_focal="KAZ")
    assert req.focal == "KAZ" and req.runs == 1000
    assert SimulationRequest.from_toml(p, default_focal="KAZ", focal="UZB").focal == "UZB"
    with pytest.raises(InputError, match=rf"{p}: missing key 'focal'"):
        SimulationRequest.from_toml(p)


def test_config_problems_are_all_located(tmp_path):
    p = tmp_path / "sim.toml"
    p.write_text('[simulate]\nruns = "abc"\nseed = -1\ncolour = 1\nintensity = nan\n'
                 "[simulate.probabilities]\nRUS = 2\n")
    with pytest.raises(InputError) as exc:
        SimulationRequest.from_toml(p)
    msg = str(exc.value)
    assert msg.startswith(f"5 problem(s) in {p}")
    for part in (f"{p}, key 'runs' (line 2): expecting a whole number in 1..10,000,000. "
                 "Got 'abc'.",
                 f"{p}, key 'seed' (line 3): expecting a whole number in 0..2**128-1",
                 f"{p}, key 'colour' (line 4): unknown key",
                 f"{p}, key 'intensity' (line 5): expecting a number in 0..1. Got nan.",
                 f"{p}, key 'probabilities' (line 7): probability of RUS: expecting a number "
                 "in 0..1. Got 2."):
        assert part in msg, part
    assert len(exc.value.issues) == 5
    p.write_text("runs = 1e12\n")
    with pytest.raises(InputError, match=r"key 'runs' \(line 1\): expecting a whole number in "
                                         r"1..10,000,000. Got 1000000000000.0."):
        SimulationRequest.from_toml(p)


@pytest.mark.parametrize("make, text", [
    # messages of the one file-opening boundary (equipoise.io.files, via _toml.read_toml)
    (lambda p: p.write_text('runs = 10\n', encoding="utf-16"), "is UTF-16 (little-endian) text"),
    (lambda p: p.write_bytes(b"runs = 10\nfocal = \"K\xe9Z\"\n"),
     "not UTF-8: byte 0xE9 at line 2, column 11 (byte offset 20)"),
    (lambda p: p.mkdir(), "is a folder; expected a simulation file"),
    (lambda p: p.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n"),
     "tables or arrays nested 65 deep"),
    (lambda p: p.write_text("runs = = 3\n"), "not valid TOML"),
    (lambda p: p.write_text("runs = 3\x00\n"), "binary content, a NUL byte at line 1, column 9"),
    (lambda p: os.mkfifo(p), "is a FIFO (named pipe)"),
])
def test_unreadable_config_files(tmp_path, make, text):
    p = tmp_path / "sim.toml"
    _make(make, p)
    with pytest.raises(InputError) as exc:
        SimulationRequest.from_toml(p)
    assert text in str(exc.value) and str(p) in str(exc.value)


def test_cli_simulate_bounds_and_config(tmp_path):
    res = _cli("simulate", "--runs", "10000000000")
    assert res.returncode == 2 and "runs: expecting a whole number in 1..10,000,000" in res.stderr
    res = _cli("simulate", "--runs", "1000", "--seed", "-1")
    assert res.returncode == 2 and "seed: expecting a whole number in 0..2**128-1" in res.stderr
    cfg = tmp_path / "sim.toml"
    cfg.write_text("[simulate]\nruns = 1e12\n")
    res = _cli("simulate", "--config", str(cfg))
    assert res.returncode == 2 and "key 'runs' (line 2)" in res.stderr
    cfg.write_text("[simulate]\nruns = 2000\nseed = 1\n")
    res = _cli("simulate", "--config", str(cfg), "--json")
    assert res.returncode == 0, res.stderr
    assert '"focal": "KAZ"' in res.stdout
    for r in (res,):
        assert TRACEBACK not in r.stderr + r.stdout


# ----------------------------------------------------------------- shocks

@pytest.fixture
def shares() -> pd.DataFrame:
    return pd.DataFrame([("trade", "RUS", 0.5, 2023), ("trade", "CHN", 0.3, 2023),
                         ("energy", "RUS", 0.8, 2023)],
                        columns=["domain", "partner", "share", "year"])


def test_shares_with_unknown_domain_and_partner(shares):
    bad = pd.concat([shares, pd.DataFrame([("space", "RUS", 0.1, 2023),
                                           ("trade", "ZZZ", 0.1, 2023),
                                           ("trade", "USA", "lots", 99999)],
                                          columns=shares.columns)], ignore_index=True)
    bad.attrs["source"] = "shares.csv"
    with pytest.raises(InputError) as exc:
        shock(bad, ShockRequest("KAZ", "RUS"))
    msg = str(exc.value)
    assert msg.startswith("shares.csv: 4 problem(s)")
    assert ("shares.csv row 5, column 'domain': expecting one of (trade, energy, corridors, "
            "technology, security, finance, political, society). Got 'space'.") in msg
    assert "shares.csv row 6, column 'partner': 'ZZZ' is not an ISO3 code" in msg
    assert "shares.csv row 7, column 'share': 'lots' for USA in trade; expecting" in msg
    assert "shares.csv row 7, column 'year': 99999; expecting a whole number in 1900..2100" in msg
    dup = pd.concat([shares, shares.iloc[[0]]], ignore_index=True)
    with pytest.raises(InputError, match="row 5: RUS in trade repeats an earlier row"):
        shock(dup, ShockRequest("KAZ", "RUS"))


@pytest.mark.parametrize("screen, err, text", [
    (pd.DataFrame({"x": ["garbage"]}), SchemaError, "missing column(s) ['domain', 'value', "
                                                     "'world_hhi']"),
    (pd.DataFrame({"domain": ["space"], "world_hhi": [0.2], "value": [1.0]}), InputError,
     "row 2, column 'domain': expecting one of (trade, energy"),
    (pd.DataFrame({"domain": ["energy", "trade"], "world_hhi": ["abc", 0.2],
                   "value": [1.0, -3]}), InputError,
     "row 2, column 'world_hhi': 'abc'; expecting a number in 0..1"),
    (pd.DataFrame({"domain": ["energy"], "world_hhi": [None], "value": [1.0]}), InputError,
     "row 2, column 'world_hhi': empty; expecting a number in 0..1"),
    (pd.DataFrame({"domain": ["trade"], "world_hhi": [0.2], "value": [np.inf]}), InputError,
     "row 2, column 'value': inf; expecting a finite number >= 0"),
    (pd.DataFrame({"product": ["27xx09"], "world_export_hhi": [0.3], "imports": [1.0]}),
     InputError, "row 2, column 'product': '27xx09'; expecting an HS6 code"),
    (pd.DataFrame({"domain": [], "world_hhi": [], "value": []}), InputError, "no product rows"),
])
def test_garbage_screens(screen, err, text):
    with pytest.raises(err) as exc:
        substitutability_from_screen(screen)
    assert text in str(exc.value)


def test_screen_without_world_hhi_is_counted_not_lost():
    s = pd.DataFrame({"product": ["270900", "100190"], "world_export_hhi": [0.5, None],
                      "imports": [2.0, 1.0]})
    out = substitutability_from_screen(s)
    assert out == {"energy": (0.5, "product screen: 1 - value-weighted world-export HHI "
                                   "(1 products; 1 products without a world HHI left out)")}


@pytest.mark.parametrize("kwargs, err, text", [
    ({"intensity": float("nan")}, OptionError, "intensity: expecting a number in 0..1. Got nan."),
    ({"intensity": -0.1}, OptionError, "Got -0.1."),
    ({"intensity": "half"}, OptionError, "Got 'half'."),
    ({"domains": ["space"]}, UnknownDomainError,
     "domains: unknown domain 'space'; expecting one of (trade, energy, corridors, technology, "
     "security, finance, political, society). Got 'space'."),
    ({"domains": 5}, OptionError, "domains: expecting a list of domain names. Got 5."),
    ({"substitutability": {"energy": float("nan")}}, OptionError,
     "substitutability of energy: expecting a number in 0..1. Got nan."),
    ({"year": 99999}, OptionError, "year: expecting a whole number in 1900..2100. Got 99999."),
    ({"partner": "ZZZ"}, UnknownCountryError, "partner 'ZZZ' is not an ISO3 code"),
])
def test_bad_shock_requests(kwargs, err, text):
    with pytest.raises(err) as exc:
        ShockRequest(**({"focal": "KAZ", "partner": "RUS"} | kwargs))
    assert text in str(exc.value)


def test_shock_file_errors_are_located(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('[shock]\npartner = "RUS"\nintensity = "half"\n')
    with pytest.raises(InputError, match=rf"{p}, key 'intensity' \(line 3\): intensity: "
                                         r"expecting a number in 0..1. Got 'half'."):
        ShockRequest.from_toml(p, default_focal="KAZ")
    p.write_text('[shock]\npartner = "RUS"\n')
    assert ShockRequest.from_toml(p, default_focal="KAZ").focal == "KAZ"
    with pytest.raises(InputError, match=r"missing key\(s\) \['focal'\]"):
        ShockRequest.from_toml(p)  # no default focal state in risk/ (issue 11.3)


def test_cli_shock_shares_unknown_domain(tmp_path):
    p = tmp_path / "shares.csv"
    p.write_text("domain,partner,share\ntrade,RUS,0.5\nspace,RUS,0.2\ntrade,ZZZ,0.1\n")
    res = _cli("shock", "--partner", "RUS", "--shares", str(p))
    assert res.returncode == 2
    assert "row 3, column 'domain': expecting one of (" in res.stderr
    assert "Got 'space'." in res.stderr and "'ZZZ' is not an ISO3 code" in res.stderr
    assert TRACEBACK not in res.stderr + res.stdout
    scr = tmp_path / "screen.csv"
    scr.write_text("domain,world_hhi,value\nenergy,abc,1\n")
    good = tmp_path / "good.csv"
    good.write_text("domain,partner,share\ntrade,RUS,0.5\n")
    res = _cli("shock", "--partner", "RUS", "--shares", str(good), "--screen", str(scr))
    assert res.returncode == 2 and "column 'world_hhi': 'abc'" in res.stderr
    assert TRACEBACK not in res.stderr + res.stdout


def test_corridor_graph_from_frames_with_nan():
    n = pd.DataFrame([("S", "KAZ", "s"), ("T", "WLD", "m")], columns=["id", "country", "kind"])
    e = pd.DataFrame([("S", "T", float("nan"), "x")],
                     columns=["source", "target", "capacity", "mode"])
    with pytest.raises(CorridorError, match=r"edges line 2, column 'capacity': empty \(edge S->T\)"):
        CorridorGraph.from_tables(n, e)


# ----------------------------------------------------------------- other numbers in risk/

def test_shock_overrides_weights_and_doctrine_values_are_checked(shares):
    req = ShockRequest("KAZ", "RUS")
    with pytest.raises(OptionError, match=r"substitutability of energy \(override\): expecting "
                                          r"a number in 0\.\.1\. Got 5\."):
        shock(shares, req, substitutability={"energy": 5})
    with pytest.raises(OptionError, match=r"weight of trade: expecting a finite number >= 0\. "
                                          r"Got nan\."):
        shock(shares, req, weights={"trade": float("nan")})
    with pytest.raises(OptionError, match=r"weight of trade: .* Got -1\."):
        shock(shares, req, weights={"trade": -1})

    class Doc:  # a doctrine that slipped past its own checks
        name = "bad"
        domains = type("D", (), {"substitutability": {"energy": -3}})()

        def weight(self, d):
            return 1.0

    with pytest.raises(OptionError, match=r"substitutability of energy \(doctrine bad\)"):
        shock(shares, req, doctrine=Doc())


def test_simulate_checks_matrices_and_workers():
    loss = pd.DataFrame({"trade": [0.5, 0.2]}, index=["RUS", "CHN"])
    with pytest.raises(OptionError, match="correlation: expecting a symmetric 2 x 2 matrix"):
        simulate_losses(loss, focal="KAZ", runs=100, seed=1, correlation=np.array([[1, np.nan], [np.nan, 1]]))
    with pytest.raises(OptionError, match="correlation: expecting a symmetric 2 x 2 matrix"):
        simulate_losses(loss, focal="KAZ", runs=100, seed=1, correlation=np.array([[1, 2.0], [2.0, 1]]))
    with pytest.raises(OptionError, match="loss matrix: expecting finite numbers >= 0"):
        simulate_losses(loss.assign(trade=[np.inf, 0.1]), focal="KAZ", runs=100, seed=1)
    with pytest.raises(OptionError, match=r"workers: expecting a whole number in 1\.\.64"):
        simulate_losses(loss, focal="KAZ", runs=100, seed=1, workers=10**6)


def test_many_small_chunks_keep_the_numbers():
    """Chunks' seeds are made one at a time (no list of millions of children): the same
    numbers as spawning them all, whatever the number of workers."""
    from equipoise.risk.montecarlo import simulate_loop

    loss = pd.DataFrame({"trade": [0.5, 0.2], "energy": [0.1, 0.7]}, index=["RUS", "CHN"])
    a = simulate_losses(loss, focal="KAZ", runs=5_000, seed=11, chunk_size=7, workers=1)
    b = simulate_losses(loss, focal="KAZ", runs=5_000, seed=11, chunk_size=7, workers=3)
    assert np.array_equal(a.totals, b.totals)
    ref = simulate_loop(loss, runs=5_000, seed=11, chunk_size=7)
    assert np.allclose(a.totals, ref, rtol=0, atol=1e-12)
    # the same as the children that SeedSequence.spawn makes
    kids = np.random.SeedSequence(11).spawn(3)
    from equipoise.risk.montecarlo import _child_seeds

    f = _child_seeds(np.random.SeedSequence(11))
    assert all(np.array_equal(f(j).generate_state(4), kids[j].generate_state(4)) for j in range(3))
