"""equipoise.context: the one place that resolves defaults (issue 11, point 3), the CLI built
from module-level commands with one --focal (point 6), and no back edges to the CLI (point 5)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from equipoise import context
from equipoise._cli.main import app
from equipoise.errors import NoDataError

SRC = Path(__file__).resolve().parents[2] / "src" / "equipoise"
VOTES = """rcid,year,session,country,vote
1,2010,65,KAZ,yes
1,2010,65,USA,no
1,2010,65,RUS,yes
2,2010,65,KAZ,yes
2,2010,65,USA,yes
2,2010,65,RUS,no
"""

runner = CliRunner()


@pytest.fixture
def nowhere(monkeypatch, tmp_path):
    """No shared data, no votes, no ideal points, an empty warehouse path."""
    monkeypatch.setenv(context.SHARED_DATA, str(tmp_path / "no-shared-data"))
    monkeypatch.setenv(context.DB, str(tmp_path / "no.duckdb"))
    monkeypatch.delenv(context.VOTES, raising=False)
    monkeypatch.delenv(context.IDEALPOINTS, raising=False)
    return tmp_path


def test_focal_resolves_to_the_embedded_default():
    assert context.resolve_focal(None) == "KAZ"
    assert context.resolve_focal("") == "KAZ"
    assert context.resolve_focal(" mng ") == "MNG"
    assert context.resolve_poles(None) == ["CHN", "RUS", "USA", "EU27"]
    assert context.resolve_poles("usa, RUS") == ["USA", "RUS"]


def test_default_inputs_are_the_shipped_doctrine_and_embedded_flows():
    doctrine, flows = context.resolve_inputs()
    assert doctrine.focal == "KAZ"
    assert sorted(doctrine.poles) == sorted(context.DEFAULT_POLES)
    # the rows of the two embedded files (flows.csv and derived.csv, less their headers)
    from importlib import resources

    kz = resources.files("equipoise.datasets").joinpath("kazakhstan")
    n = sum(len(kz.joinpath(f).read_text(encoding="utf-8").splitlines()) - 1
            for f in ("flows.csv", "derived.csv"))
    assert n > 600
    assert flows.counts == {"read": n, "loaded": n, "quarantined": 0}
    assert set(flows.data["file"]) == {"kazakhstan/flows.csv", "kazakhstan/derived.csv"}


def test_a_focal_override_applies_the_doctrine_to_another_state(mng_csv):
    doctrine, flows = context.resolve_inputs([mng_csv], "MNG")
    assert doctrine.focal == "MNG"
    assert set(flows.data["reporter"]) == {"MNG"}
    # a Doctrine object is re-validated for the new focal state, not copied blindly
    again = context.resolve_doctrine(doctrine, "KAZ")
    assert again.focal == "KAZ" and doctrine.focal == "MNG"


def test_default_flows_of_a_state_without_embedded_data_say_so():
    with pytest.raises(NoDataError, match="no embedded dataset for focal 'MNG'"):
        context.resolve_flows(None, "MNG")


def test_shared_data_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(context.SHARED_DATA, str(tmp_path))
    assert context.shared_data() == tmp_path
    assert context.cow_igo_source() is None and context.icews_source() is None
    cow = tmp_path / "cow-atop-peacesciencer" / "cow_igo_ndy.csv.gz"
    cow.parent.mkdir()
    cow.write_bytes(b"")
    (tmp_path / "icews-dyadic-netify").mkdir()
    (tmp_path / "icews-dyadic-netify" / "b.csv").write_text("x\n")
    (tmp_path / "icews-dyadic-netify" / "a.csv.gz").write_bytes(b"")
    assert context.cow_igo_source() == cow
    assert context.icews_source() == tmp_path / "icews-dyadic-netify" / "a.csv.gz"
    # an explicit setting that points nowhere switches the copy beside the checkout off
    monkeypatch.setenv(context.SHARED_DATA, str(tmp_path / "missing"))
    assert context.shared_data() is None
    from equipoise.io.files import data_roots, shown_path

    assert str(tmp_path / "missing") in data_roots()
    assert shown_path(str(tmp_path / "missing" / "unvotes" / "x.csv")) == "unvotes/x.csv"


def test_votes_come_from_the_environment_and_measures_do_not_look(nowhere, monkeypatch):
    from equipoise.measures.alignment import alignment

    with pytest.raises(NoDataError, match="no UN votes found"):
        context.votes_source()
    assert context.votes_or_none() is None
    p = nowhere / "votes.csv"
    p.write_text(VOTES, encoding="utf-8")
    monkeypatch.setenv(context.VOTES, str(p))
    vs = context.votes_source()
    assert len(vs.votes) == 6
    # the measure takes the votes (or a reader) from its caller ...
    r = alignment(context.votes_source, focal="KAZ", poles="USA,RUS", reps=0, min_rollcalls=1)
    got = r.series.set_index("pole")["value"]
    assert got["USA"] == pytest.approx(0.5) and got["RUS"] == pytest.approx(0.5)
    # ... and never reads $EQUIPOISE_VOTES itself: without votes only the embedded rows remain
    with pytest.raises(NoDataError, match="no UN votes found"):
        alignment(None, focal="KAZ", poles="USA,RUS", measure="kappa")


def test_ideal_points_missing_is_named(nowhere):
    from equipoise.measures.alignment import alignment

    with pytest.raises(NoDataError, match="no ideal-point file found"):
        context.idealpoints_source()
    assert context.idealpoints_or_none() is None
    with pytest.raises(NoDataError, match="no ideal-point file found"):
        alignment(None, focal="KAZ", poles="USA", measure="ipd",
                  idealpoints=context.idealpoints_source)


def test_debug_and_token_read_the_environment(monkeypatch):
    for value, on in (("", False), ("0", False), ("no", False), ("1", True), ("yes", True)):
        monkeypatch.setenv(context.DEBUG, value)
        assert context.debug() is on
    monkeypatch.setenv(context.TOKEN, "s3cret")
    assert context.token() == "s3cret"
    monkeypatch.setenv(context.TOKEN, "")
    assert context.token() is None


def test_library_functions_take_the_focal_state():
    """Measures, extraction and the datasets have no KAZ default any more (issue 11.3)."""
    import inspect

    from equipoise import datasets
    from equipoise.extract import extract_events, extract_file
    from equipoise.measures import alignment, blocs, engagement
    from equipoise.risk.corridors import load_systems

    for fn in (alignment.alignment, alignment.alignment_summary,
               alignment.assessment_equidistance, blocs.bloc_report,
               engagement.engagement_balance, engagement.engagement_summary,
               engagement.icews_engagement, extract_events, extract_file, load_systems,
               datasets.load_default, datasets.load_sources, datasets.load_events,
               datasets.default_path):
        p = inspect.signature(fn).parameters["focal"]
        assert p.default is inspect.Parameter.empty, fn.__qualname__


def test_every_command_declares_the_same_focal_option():
    from equipoise._cli._common import FOCAL

    seen = []
    for cmd in app.registered_commands:
        import inspect

        params = inspect.signature(cmd.callback).parameters
        if "focal" in params:
            seen.append(cmd.callback.__name__)
            assert params["focal"].default is FOCAL, cmd.callback.__name__
    assert {"assess", "explain", "sources", "run", "check", "evaluate", "plan", "shock",
            "corridors", "simulate", "align", "blocs", "ledger", "extract", "report",
            "serve"} <= set(seen)


def test_commands_are_module_level_functions():
    """Each command is a function of its module (no closures inside register)."""
    for cmd in app.registered_commands:
        fn = cmd.callback
        assert "<locals>" not in fn.__qualname__, fn.__qualname__


def _imports(path: Path) -> set[str]:
    mod = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = mod.split(".")[: -node.level]
                full = ".".join(base + ([node.module] if node.module else []))
            else:
                full = node.module or ""
            out |= {full} | {f"{full}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


@pytest.mark.parametrize("part", ["present", "pipeline.py", "context.py", "_defaults.py",
                                  "measures", "_console.py"])
def test_no_back_edge_to_the_cli(part):
    files = [SRC / part] if part.endswith(".py") else sorted((SRC / part).rglob("*.py"))
    bad = {str(f.relative_to(SRC)): sorted(i for i in _imports(f) if "._cli" in i)
           for f in files}
    assert {k: v for k, v in bad.items() if v} == {}


def test_alignment_does_not_open_the_warehouse_or_read_the_environment():
    imports = _imports(SRC / "measures" / "alignment.py")
    assert not any(i.startswith("equipoise.warehouse") for i in imports)
    text = (SRC / "measures" / "alignment.py").read_text(encoding="utf-8")
    assert "os.environ" not in text and "shared_data" not in text


def test_defaults_module_is_a_leaf():
    assert {i for i in _imports(SRC / "_defaults.py") if i.startswith("equipoise")} == set()


def test_cli_assess_is_the_library_run():
    """`assess --json` is pipeline.assess_run on the context's inputs, key for key."""
    from equipoise._json import clean
    from equipoise.pipeline import assess_run

    res = runner.invoke(app, ["assess", "--json"])
    assert res.exit_code == 0, res.output
    doctrine, flows = context.resolve_inputs()
    lib = json.loads(json.dumps(clean(assess_run(flows, doctrine=doctrine).to_dict()),
                                default=str))
    cli = json.loads(res.stdout)
    assert cli.keys() == lib.keys()
    assert cli["equidistance"] == lib["equidistance"]
    assert cli["rules"] == lib["rules"]
