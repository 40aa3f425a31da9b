"""equipoise.context: the one place that resolves defaults (issue 11, point 3), the CLI built
from module-level commands with one --focal (point 6), and no back edges to the CLI (point 5)."""

from __future__ import annotations

import ast
import json
import re
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
    """Measures, risk, extraction and the datasets have no KAZ default any more (issue 11.3):
    the focal state, the poles and the events ledger come from the caller."""
    import inspect

    from equipoise import datasets
    from equipoise.extract import extract_events, extract_file
    from equipoise.measures import alignment, blocs, engagement
    from equipoise.risk.corridors import load_systems
    from equipoise.risk.montecarlo import SimulationRequest, simulate_losses
    from equipoise.risk.shocks import ShockRequest

    empty = inspect.Parameter.empty
    for fn in (alignment.alignment, alignment.alignment_summary,
               alignment.assessment_equidistance, blocs.bloc_report,
               engagement.engagement_balance, engagement.engagement_summary,
               engagement.icews_engagement, extract_events, extract_file, load_systems,
               datasets.load_default, datasets.load_sources, datasets.load_events,
               datasets.default_path, simulate_losses, SimulationRequest, ShockRequest):
        p = inspect.signature(fn).parameters["focal"]
        assert p.default is empty, fn.__qualname__
    for fn in (alignment.alignment, alignment.alignment_summary,
               alignment.assessment_equidistance, blocs.bloc_report,
               engagement.engagement_balance, engagement.engagement_summary,
               engagement.icews_engagement):
        assert inspect.signature(fn).parameters["poles"].default is empty, fn.__qualname__
    for fn in (engagement.engagement_balance, engagement.engagement_summary):
        assert inspect.signature(fn).parameters["events"].default is empty, fn.__qualname__
    assert not hasattr(engagement, "default_events")


def test_the_panel_takes_its_poles_and_doctrine_from_the_caller():
    """The world panel (a peer of context, which it may not import) does not load the default
    doctrine for its poles: the command line and the dashboard pass them (issue 11.3)."""
    import inspect

    from equipoise import panel
    from equipoise.panel.index import balance_index
    from equipoise.panel.peers import peer_table
    from equipoise.panel.trend import trend

    empty = inspect.Parameter.empty
    assert inspect.signature(panel.build).parameters["poles"].default is empty
    assert inspect.signature(trend).parameters["poles"].default is empty
    for fn in (balance_index, peer_table):
        assert inspect.signature(fn).parameters["doctrine"].default is empty, fn.__qualname__
    assert not hasattr(panel, "default_poles")
    # nothing in the panel, the measures or risk loads a doctrine (the default one) itself
    for part in ("panel", "measures", "risk"):
        for path in sorted((SRC / part).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            calls = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call)
                     and ast.unparse(n.func).split(".")[-1] == "load_doctrine"]
            assert calls == [], (_module(path), calls)


def test_measures_and_risk_refuse_a_missing_input(tmp_path):
    """What was a silent default is now an error naming the missing input."""
    from equipoise.errors import CorridorError, InputError
    from equipoise.measures.blocs import bloc_report
    from equipoise.measures.engagement import engagement_balance
    from equipoise.risk.corridors import load_corridors
    from equipoise.risk.montecarlo import SimulationRequest
    from equipoise.risk.shocks import ShockRequest

    with pytest.raises(NoDataError, match="no events ledger given"):
        engagement_balance(None, focal="KAZ", poles="CHN")
    with pytest.raises(InputError, match="poles: saw"):
        engagement_balance(context.events_source, focal="KAZ", poles="")
    with pytest.raises(InputError, match="poles: saw None"):
        bloc_report("KAZ", None, cow_igo=False)
    with pytest.raises(CorridorError, match="no corridor graph"):
        load_corridors()
    with pytest.raises(InputError, match="missing key 'focal'"):
        SimulationRequest.from_dict({"runs": 10})
    assert SimulationRequest.from_dict({"runs": 10}, default_focal="MNG").focal == "MNG"
    with pytest.raises(InputError, match=r"missing key\(s\) \['focal'\]"):
        ShockRequest.from_dict({"partner": "RUS"})
    assert ShockRequest.from_dict({"partner": "RUS"}, default_focal="KAZ").focal == "KAZ"


def test_context_gives_the_defaults_the_callers_pass_down():
    """The embedded ledger and the alignment's embedded fallback come from context."""
    from equipoise.measures.engagement import EventSet, engagement_balance

    ev = context.events_source()
    assert isinstance(ev, EventSet) and ev.counts["quarantined"] == 0 and len(ev.data) >= 20
    b = engagement_balance(context.events_source, focal="KAZ",
                           poles=context.resolve_poles(None))  # a reader, called when needed
    assert set(b.by_pole["pole"]) == set(context.DEFAULT_POLES)
    with pytest.raises(NoDataError, match="no embedded events ledger for MNG"):
        context.events_source("MNG")


def _module(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


#: modules that may name the default focal state and poles: context and its constant half;
#: the CLI's --poles help text shows the default; panel/embedded.py holds the embedded
#: dataset's own rows (its state is the embedded default's by definition)
_DEFAULT_NAMERS = {"context.py", "_defaults.py", "_cli/align.py", "panel/embedded.py"}
_DEFAULT_NAMES = {"DEFAULT_FOCAL", "DEFAULT_POLES"}


def _default_uses(tree: ast.AST) -> list[str]:
    """Where ``tree`` uses the embedded default as a default: imports of DEFAULT_FOCAL /
    DEFAULT_POLES, ``x or DEFAULT_...`` fallbacks, and the literal ``"KAZ"`` as a parameter
    default, a field default or a module constant."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            out += [f"line {node.lineno}: imports {a.name}" for a in node.names
                    if a.name in _DEFAULT_NAMES]
        elif isinstance(node, ast.Name | ast.Attribute):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if name in _DEFAULT_NAMES:
                out.append(f"line {node.lineno}: uses {name}")
        defaults = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            defaults = [*node.args.defaults, *[d for d in node.args.kw_defaults if d]]
        elif isinstance(node, ast.ClassDef | ast.Module):
            defaults = [b.value for b in node.body
                        if isinstance(b, ast.Assign | ast.AnnAssign) and b.value is not None]
        out += [f"line {d.lineno}: 'KAZ' as a default" for d in defaults
                if isinstance(d, ast.Constant) and d.value == "KAZ"]
    return out


def test_only_context_knows_the_default_focal_state_and_poles():
    """No module outside context/_defaults uses DEFAULT_FOCAL / DEFAULT_POLES (or "KAZ") as a
    default (issue 11.3): measures, risk, doctrine and the panel are handed them."""
    seen = {}
    for path in sorted(SRC.rglob("*.py")):
        if _module(path) in _DEFAULT_NAMERS:
            continue
        got = _default_uses(ast.parse(path.read_text(encoding="utf-8")))
        if got:
            seen[_module(path)] = got
    assert seen == {}


def test_the_default_check_catches_a_back_slide():
    """The check above fails on each shape of a default written back into a module."""
    for code in ("from .._defaults import DEFAULT_POLES",
                 "def f(poles=None):\n    return poles or _defaults.DEFAULT_POLES",
                 "def f(*, focal='KAZ'):\n    pass",
                 "FOCAL = 'KAZ'",
                 "class R:\n    focal: str = 'KAZ'"):
        assert _default_uses(ast.parse(code)), code
    assert not _default_uses(ast.parse("def f(*, focal):\n    return focal == 'KAZ'"))


_ENV_NAME = re.compile(r"EQUIPOISE_[A-Z0-9_]+")


def _env_reads(tree: ast.AST) -> list[str]:
    """``EQUIPOISE_*`` variable names spelled out, and environment reads whose key is not a
    literal name outside ``EQUIPOISE_*`` (``os.environ.get/[]/setdefault/pop``,
    ``os.getenv``)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and _ENV_NAME.fullmatch(node.value):
            out.append(f"line {node.lineno}: names {node.value}")
        key = None
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            key = node.slice
        elif isinstance(node, ast.Call) and ast.unparse(node.func) in (
                "os.environ.get", "os.environ.setdefault", "os.environ.pop", "os.getenv",
                "getenv"):
            key = node.args[0] if node.args else None
        else:
            continue
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)
                and not key.value.startswith("EQUIPOISE_")):
            out.append(f"line {node.lineno}: reads the environment ({ast.unparse(node)})")
    return out


def test_only_context_reads_equipoise_environment_variables():
    """No module outside context/_defaults reads an ``EQUIPOISE_*`` variable (issue 11.3):
    the warehouse, the engine, the panel and the dashboard use _defaults' named constants."""
    seen = {}
    for path in sorted(SRC.rglob("*.py")):
        if _module(path) in ("context.py", "_defaults.py"):
            continue
        got = _env_reads(ast.parse(path.read_text(encoding="utf-8")))
        if got:
            seen[_module(path)] = got
    assert seen == {}
    for code in ('os.environ.get("EQUIPOISE_DB")', 'ENV = "EQUIPOISE_DB"',
                 "os.environ[name]", 'os.getenv("EQUIPOISE_TOKEN")'):
        assert _env_reads(ast.parse(code)), code
    assert not _env_reads(ast.parse('os.environ.get("PYSPARK_PYTHON", "python3")'))
    assert not _env_reads(ast.parse('"default: $EQUIPOISE_DB or the user data directory"'))


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


def _data_reads(tree: ast.AST) -> list[str]:
    """Calls that read default or user data by name or path (``load_systems``, ``read_events``)
    and string constants naming a source register (``sources.csv``)."""
    out = [f"{ast.unparse(n.func)}:{n.lineno}" for n in ast.walk(tree)
           if isinstance(n, ast.Call)
           and ast.unparse(n.func).split(".")[-1] in ("load_systems", "read_events")]
    out += [f"{n.value!r}:{n.lineno}" for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and "sources.csv" in n.value and "\n" not in n.value]
    return out


#: where data is read by name or path: the corridor reader (its shipped graph and systems), the
#: io readers, the datasets and context
_DATA_READERS = {"risk/corridors.py", "io/events.py"}


def test_doctrine_risk_and_measures_take_data_never_read_it():
    """The doctrine, risk, measure and presentation layers (and the scorecard) take the corridor
    systems, the events ledger and the source register from their caller (audit 5, G2/G8; the
    dashboard's corridor page reads the systems its graph carries): none calls
    ``load_systems``/``read_events`` or names a ``sources.csv``."""
    paths = [SRC / "scorecard.py"]
    for part in ("doctrine", "risk", "measures", "present"):
        paths += sorted((SRC / part).rglob("*.py"))
    hits = {_module(p): got for p in paths if _module(p) not in _DATA_READERS
            and (got := _data_reads(ast.parse(p.read_text(encoding="utf-8"))))}
    assert hits == {}


def test_the_data_read_check_catches_a_back_slide():
    src = ("def f(graph, focal, path):\n"
           "    from ..risk.corridors import load_systems\n"
           "    s = load_systems(focal)\n"
           "    ev = engagement.read_events(path)\n"
           "    return pd.read_csv(root / 'sources.csv')\n")
    assert len(_data_reads(ast.parse(src))) == 3


def test_a_measure_takes_data_never_a_path(tmp_path):
    """The engagement measure refuses a path and names the front door; the front door reads
    it (through io.events.read_events); the quality measure takes the source register."""
    import pandas as pd

    import equipoise as eq
    from equipoise.io.events import read_events
    from equipoise.measures.engagement import engagement_balance
    from equipoise.measures.quality import indicator_quality, source_grade

    p = tmp_path / "ev.csv"
    p.write_text("date,actor,counterpart,kind,domains,value_usd,source\n"
                 "2023-05-01,KAZ,CHN,visit,,,test:a\n2023-06-01,RUS,KAZ,agreement,,10,test:b\n",
                 encoding="utf-8")
    for given in (str(p), p):
        with pytest.raises(TypeError, match=r"takes data, not a path.*equipoise\.engagement_"
                                            r"balance"):
            engagement_balance(given, focal="KAZ", poles="CHN,RUS")
    b = eq.engagement_balance(p, focal="KAZ", poles="CHN,RUS")
    same = engagement_balance(read_events(p), focal="KAZ", poles="CHN,RUS")
    pd.testing.assert_frame_equal(b.by_pole, same.by_pole)
    got = b.by_pole.set_index("pole")
    assert (got.at["CHN", "visits"], got.at["RUS", "agreements"]) == (1, 1)
    assert eq.read_events is read_events
    with pytest.raises(TypeError, match="grades"):
        indicator_quality(pd.DataFrame(), pd.DataFrame(), "KAZ", {}, 2023)
    assert source_grade("test:a", {"test:a": "B"}) == "B"
    assert source_grade("BNS:trade-by-partner", {}) is None  # no register given: unknown
    assert context.source_grades()["BNS:trade-by-partner"] == "A"
