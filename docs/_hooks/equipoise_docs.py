"""MkDocs hooks of the equipoise site (``hooks:`` in mkdocs.yml).

* ``cli.md`` holds the marker ``<!-- cli-reference -->``; at build time it is replaced by a
  reference generated from the Typer app (``typer.main.get_command``), so the page cannot drift
  from the code.
* ``tutorials/python-api.md`` is generated from ``notebooks/python-api.py`` (a jupytext percent
  script): executed in a fresh Jupyter kernel and converted to Markdown with its outputs. An error
  in a cell fails the build.

The two functions :func:`cli_reference` and :func:`execute_notebook` are also used by the tests
in ``tests/docs``.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
NOTEBOOK = ROOT / "notebooks" / "python-api.py"
NOTEBOOK_PAGE = "tutorials/python-api.md"
CLI_MARKER = "<!-- cli-reference -->"

log = logging.getLogger("mkdocs.hooks.equipoise")


# -- the CLI reference ---------------------------------------------------------------------------
def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _default(param) -> str:
    d = param.default
    if d is None or d is False or d == () or callable(d) or getattr(param, "is_flag", False):
        return ""
    if isinstance(d, list | tuple):
        d = ", ".join(map(str, d))
    return f"`{d}`"


def _command_md(cmd, ctx, path: list[str], level: int) -> list[str]:
    # Typer >= 0.2x carries its own copy of click, so groups and arguments are recognised by
    # what they have, not by click's classes.
    name = " ".join(path)
    out = [f"{'#' * level} `{name}`", ""]
    pieces = " ".join(cmd.collect_usage_pieces(ctx))
    out += ["```text", f"Usage: {name} {pieces}".rstrip(), "```", ""]
    if cmd.help:
        # Typer keeps click's \b (no-rewrap) markers in the docstring; they are not for readers.
        lines = [line for line in cmd.help.strip().splitlines() if line.strip() != "\b"]
        # wrap the prose as the terminal does; indented lines (examples) stay as written
        text = "\n".join(line if line[:1].isspace() or len(line) <= 92
                         else textwrap.fill(line, 92) for line in lines)
        out += ["```text", text, "```", ""]
    rows = []
    for p in cmd.get_params(ctx):
        if p.name == "help":
            continue
        rec = p.get_help_record(ctx)
        opts, help_ = (rec if rec else (p.human_readable_name, getattr(p, "help", "") or ""))
        kind = "argument" if p.param_type_name == "argument" else "option"
        req = " (required)" if p.required else ""
        rows.append(f"| `{_cell(opts)}` | {kind}{req} | {_cell(help_)} | {_default(p)} |")
    if rows:
        out += ["| name | kind | help | default |", "|---|---|---|---|", *rows, ""]
    if hasattr(cmd, "list_commands"):
        for sub_name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, sub_name)
            sub_ctx = sub.context_class(sub, info_name=sub_name, parent=ctx)
            out += _command_md(sub, sub_ctx, [*path, sub_name], level + 1)
    return out


def cli_reference() -> str:
    """Markdown for every command of ``equipoise``, from the Typer app itself."""
    import typer

    from equipoise._cli.main import app

    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="equipoise")
    out = _command_md(root, ctx, ["equipoise"], 2)
    return "\n".join(out)


# -- the notebook --------------------------------------------------------------------------------
def execute_notebook(path: Path = NOTEBOOK, *, timeout: int = 600):
    """Read a jupytext script, execute it in a fresh ``python3`` kernel, return the notebook.

    The kernel runs this interpreter (ipykernel's own kernel spec) with ``src/`` of this checkout
    first on ``PYTHONPATH``, in the repository root. Raises ``nbclient``'s
    ``CellExecutionError`` (with the cell and the traceback) when a cell fails.
    """
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(path)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(SRC), *([old] if old else [])])
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(ROOT)}})
        client.execute()
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old
    return nb


def notebook_markdown(nb) -> str:
    """The executed notebook as Markdown (code, printed text and HTML tables)."""
    from nbconvert import MarkdownExporter

    body, resources = MarkdownExporter().from_notebook_node(nb)
    if resources.get("outputs"):
        raise RuntimeError(f"{NOTEBOOK.name}: image outputs {sorted(resources['outputs'])} are "
                           "not carried to the site; keep the notebook to text and tables")
    note = (f"!!! note \"Executed when the site was built\"\n"
            f"    Source: `notebooks/{NOTEBOOK.name}` (a jupytext percent script). `make test` "
            f"runs it too.\n\n")
    # the notebook's first cell is the page title; the note goes after it
    title, _, rest = body.lstrip().partition("\n")
    return f"{title}\n\n{note}{rest}"


# -- hooks ---------------------------------------------------------------------------------------
def on_startup(command, dirty):
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))


def on_files(files, config):
    from mkdocs.structure.files import File

    log.info("executing %s", NOTEBOOK.relative_to(ROOT))
    md = notebook_markdown(execute_notebook())
    files.append(File.generated(config, NOTEBOOK_PAGE, content=md))
    return files


_ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj):<code>(~?)([\w.]+)</code>")


def _role(m: re.Match) -> str:
    name = m.group(2).rsplit(".", 1)[-1] if m.group(1) else m.group(2)
    return f"<code>{name}</code>"


def on_page_content(html, page, config, files):
    """Docstrings use Sphinx roles (:class:`~x.Y`); show them as code, as Sphinx would."""
    return _ROLE.sub(_role, html)


def on_page_markdown(markdown, page, config, files):
    if CLI_MARKER in markdown:
        return markdown.replace(CLI_MARKER, cli_reference())
    return markdown
