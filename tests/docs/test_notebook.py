"""The notebook tutorial runs from top to bottom in a fresh kernel (``make test`` runs it)."""

from __future__ import annotations

import pytest

from ._helpers import ROOT, load_hook

pytest.importorskip("nbclient", reason="the docs extra is not installed (pip install -e '.[docs]')")
pytest.importorskip("jupytext", reason="the docs extra is not installed (pip install -e '.[docs]')")


@pytest.mark.slow
def test_notebook_executes_without_error():
    nb = load_hook().execute_notebook(ROOT / "notebooks" / "python-api.py")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) >= 15
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    assert all(c.get("execution_count") for c in code)  # every cell ran
    text = "\n".join(o.get("text", "") for c in code for o in c.get("outputs", []))
    assert "equipoise assessment: KAZ" in text     # assess
    assert "Shock: RUS cut off" in text            # shock
    assert "status optimal" in text                # plan
    # summary() returns its text and displays nothing by itself (rich would, in a kernel)
    shown = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "display_data"]
    assert shown == []
    assert text.count("equipoise assessment: KAZ") == 1


@pytest.mark.slow
def test_a_failing_cell_fails_the_execution(tmp_path):
    from nbclient.exceptions import CellExecutionError

    bad = tmp_path / "bad.py"
    bad.write_text("# %%\nimport equipoise as eq\n\n# %%\neq.assess(eq.load_default(), "
                   "focal='KAZ', doctrine='no-such-doctrine.toml')\n", encoding="utf-8")
    with pytest.raises(CellExecutionError, match="no-such-doctrine"):
        load_hook().execute_notebook(bad, timeout=300)


def test_notebook_uses_only_public_names():
    """``eq.X`` in the notebook is always a name of ``equipoise.__all__``."""
    import re

    import equipoise

    text = (ROOT / "notebooks" / "python-api.py").read_text(encoding="utf-8")
    used = set(re.findall(r"\beq\.(\w+)", text))
    assert used and used <= set(equipoise.__all__), used - set(equipoise.__all__)
    # the clear names, not the deprecated ones (eq.simulate -> eq.run_simulation,
    # eq.corridors -> eq.analyse_corridors; equipoise/__init__.py)
    former = {"simulate", "corridors"}
    assert not used & former, used & former
    assert "equipoise." not in text.replace("import equipoise as eq", "")
