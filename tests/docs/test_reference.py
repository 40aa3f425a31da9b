"""Fast checks of what the site is made from: the CLI reference generator, the API page, the
version."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import typer

import equipoise
from equipoise._cli.main import app

from ._helpers import ROOT, load_hook, src_env


def _all_commands(cmd, ctx, path=()):
    for name in cmd.list_commands(ctx):
        sub = cmd.get_command(ctx, name)
        yield (*path, name), sub
        if hasattr(sub, "list_commands"):  # a group (Typer carries its own click)
            yield from _all_commands(sub, sub.context_class(sub, info_name=name, parent=ctx),
                                     (*path, name))


def test_cli_reference_lists_every_command_and_option_of_the_app():
    md = load_hook().cli_reference()
    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="equipoise")
    commands = list(_all_commands(root, ctx))
    assert len(commands) >= 20  # assess ... warehouse list
    for path, cmd in commands:
        assert f"`equipoise {' '.join(path)}`" in md, path
        for p in cmd.params:
            for opt in getattr(p, "opts", []):
                if opt.startswith("--") and opt != "--help":
                    assert opt in md, (path, opt)
    # the help text is the docstring's, and the defaults are shown
    assert "Assess a focal state against its doctrine" in md
    assert "| `--runs <int>` | option |" in md
    assert "\b" not in md


def test_cli_reference_follows_a_changed_app():
    """The page is generated: a command added to the app appears without editing any page."""
    hook = load_hook()

    @app.command("zz-docs-probe")
    def _probe(flag: bool = typer.Option(False, "--probe-flag", help="A probe option.")) -> None:
        """A command that exists only in this test."""

    try:
        md = hook.cli_reference()
    finally:
        app.registered_commands.pop()
    assert "`equipoise zz-docs-probe`" in md
    assert "| `--probe-flag` | option | A probe option. |" in md
    assert "`equipoise zz-docs-probe`" not in hook.cli_reference()


def test_api_page_documents_every_public_name():
    """Every name of equipoise.__all__ appears on the API page (as eq.NAME)."""
    page = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [n for n in equipoise.__all__ if n != "__version__" and f"`eq.{n}`" not in page]
    assert missing == []
    # the deprecated ambiguous names are neither public nor on the page
    for name in ("simulate", "corridors"):
        assert name not in equipoise.__all__ and f"`eq.{name}`" not in page
    for name in ("simulate", "analyse", "run_request"):
        assert name not in equipoise.risk.__all__ and f"`eq.risk.{name}`" not in page


def test_version_matches_pyproject_and_the_cli_prints_it():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert equipoise.__version__ == meta["project"]["version"]
    out = subprocess.run([sys.executable, "-c", "from equipoise._cli.main import run; run()",
                          "--version"], capture_output=True, text=True, env=src_env(),
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"equipoise {meta['project']['version']}"


def test_changelog_has_unreleased_and_the_current_version():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in text
    assert f"## [{equipoise.__version__}] - " in text


def test_sphinx_roles_in_docstrings_render_as_code():
    hook = load_hook()
    html = ("see :class:<code>~equipoise.assessment.Assessment</code> and "
            ":func:<code>equipoise.risk.montecarlo.run_simulation</code>")
    assert hook.on_page_content(html, None, None, None) == (
        "see <code>Assessment</code> and <code>equipoise.risk.montecarlo.run_simulation</code>")
