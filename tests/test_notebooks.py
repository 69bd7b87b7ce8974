"""The notebooks are stored with their outputs (charts included, small), and run top to bottom on the embedded default.

Re-executing checks that no cell fails, that every chart is drawn again with no glyph missing (``use_cjk_font``
makes a missing glyph an error in the kernel), and that the HTML page ``make notebooks`` writes needs no network.
"""

from __future__ import annotations

import base64
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: what a kernel prints when a cell or a display formatter failed, or a glyph is missing
TROUBLE = re.compile(r"Traceback|Error|Exception in .* formatter|missing from font|Warning")


def _tool():
    spec = importlib.util.spec_from_file_location("notebooks_tool", ROOT / "tools" / "notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _outputs(nb):
    return [(i, o) for i, c in enumerate(nb.cells) if c.cell_type == "code" for o in c.outputs]


def _chart_cells(nb) -> list[int]:
    return sorted({i for i, o in _outputs(nb) if "image/png" in o.get("data", {})})


def _trouble(nb) -> list[str]:
    found = [f"cell {i}: {o.ename}: {o.evalue}" for i, o in _outputs(nb) if o.output_type == "error"]
    found += [
        f"cell {i}: {o.text[:300]}"
        for i, o in _outputs(nb)
        if o.output_type == "stream" and o.name == "stderr" and TROUBLE.search(o.text)
    ]
    return found


def test_there_are_the_three_notebooks():
    names = " ".join(p.name for p in NOTEBOOKS)
    assert len(NOTEBOOKS) >= 3 and "coverage" in names and "matching" in names and "documents" in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_with_outputs_from_a_clean_run(path):
    assert path.stat().st_size < 1_000_000, f"{path.name}: over 1 MB, embed no maps or databases"
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: store it with `make notebooks-store`"
    assert _trouble(nb) == []
    charts = _chart_cells(nb)
    assert charts, f"{path.name}: no chart stored"
    for i in charts:
        png = next(
            base64.b64decode(o.data["image/png"]) for o in nb.cells[i].outputs if "image/png" in o.get("data", {})
        )
        assert png.startswith(b"\x89PNG") and len(png) < 300_000, f"{path.name} cell {i}: {len(png)} bytes"
    for i, o in _outputs(nb):  # computed text reads on hosts that render only HTML, or only plain text
        if "text/markdown" in o.get("data", {}):
            assert "text/html" in o.data and not o.data["text/plain"].startswith("<IPython"), f"cell {i}: charts.note"
    # it opens with its question and ends with what to do next, in words the run computed
    assert "question" in nb.cells[0].source.lower()
    last = nb.cells[-1]
    assert last.cell_type == "code" and any("text/markdown" in o.get("data", {}) for o in last.outputs)
    assert "next" in nb.cells[-2].source.lower()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_top_to_bottom_and_draws_its_charts(path):
    tool = _tool()
    stored = nbformat.read(path, as_version=4)
    nb = tool.execute(path, timeout=240)
    assert _trouble(nb) == []
    assert _chart_cells(nb) == _chart_cells(stored) != []
    page = tool.to_html(nb)
    assert page.count("data:image/png;base64,") >= len(_chart_cells(nb))
    assert not re.search(r"""<(?:script|link)[^>]+(?:src|href)=["']https?://""", page), "the page fetches from the net"


def test_a_failing_cell_names_its_notebook_and_cell_and_writes_nothing(tmp_path, capsys):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    before = path.read_bytes()
    assert _tool().main([str(path), "--html", str(tmp_path / "html"), "--store"]) == 1
    err = capsys.readouterr().err
    assert "broken.ipynb: cell 2 failed: ZeroDivisionError" in err and "nothing written" in err
    assert path.read_bytes() == before and not (tmp_path / "html").exists()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_imports_only_the_api(path):
    """A notebook uses pbgraph as a user would: ``import pbgraph`` (the session API) and ``pbgraph.charts``."""
    import ast

    import pbgraph

    allowed = {*pbgraph.__all__, "charts"}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith("%"))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                bad = [a.name for a in node.names if a.name.startswith("pbgraph.")]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pbgraph"):
                bad = [
                    f"{node.module}.{a.name}" for a in node.names if node.module != "pbgraph" or a.name not in allowed
                ]
            else:
                continue
            assert bad == [], f"{path.name} imports {bad}: use pbgraph.connect() and its methods"
