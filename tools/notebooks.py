"""Execute the notebooks from a clean state; write one self-contained HTML page each, and optionally store the outputs.

    python tools/notebooks.py --html notebooks/html            # what `make notebooks` runs
    python tools/notebooks.py --html notebooks/html --store    # also write the outputs into the .ipynb files
    python tools/notebooks.py notebooks/01-coverage-gaps.ipynb # just one, no HTML

Each notebook runs in a fresh kernel with its own temporary work folder (``PBGRAPH_NOTEBOOK_WORK``), removed
afterwards. Nothing is written for a notebook whose cell fails: the error names the notebook and the cell.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
#: A stored notebook above this is too big to read on a git host (a map or a database slipped in).
MAX_BYTES = 1_000_000


class NotebookFailed(Exception):
    """A cell raised: which notebook, which cell (counting every cell from 1), what error."""


def execute(path: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """The notebook at ``path`` executed top to bottom in a fresh kernel, with its outputs."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:  # from a clean state: nothing of a previous run survives
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    work = Path(tempfile.mkdtemp(prefix=f"pbgraph-{path.stem}-"))
    # the kernel inherits these: its own work folder, and engines that stop with their last session
    # (kept warm, they would outlive the work folder removed below)
    env = {"PBGRAPH_NOTEBOOK_WORK": str(work), "PBGRAPH_KEEP_WARM": "0"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        # the kernel talks over unix sockets in the work folder (not TCP on localhost, which ipykernel warns about)
        config = Config({"KernelManager": {"transport": "ipc", "ip": str(work / "kernel")}})
        resources = {"metadata": {"path": str(path.parent)}}
        try:
            NotebookClient(nb, timeout=timeout, kernel_name="python3", config=config, resources=resources).execute()
        except CellExecutionError as e:
            failed = [n for n, c in enumerate(nb.cells, 1) for o in c.get("outputs", []) if o.output_type == "error"]
            where = f"cell {failed[0]}" if failed else "a cell"
            raise NotebookFailed(f"{path}: {where} failed: {e.ename}: {e.evalue}") from None
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(work, ignore_errors=True)
    return nb


def strip_run_details(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes from run to run without meaning anything (timestamps), so stored diffs show real changes."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    return nb


def to_html(nb: nbformat.NotebookNode) -> str:
    """One HTML page: styles inlined, charts as embedded PNG, no script or style fetched from the network."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input_prompt = exporter.exclude_output_prompt = True
    page, _ = exporter.from_notebook_node(nb)
    # the lab template links MathJax and require.js from CDNs; these notebooks need neither
    return re.sub(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>\s*', "", page)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: notebooks/*.ipynb)")
    parser.add_argument("--html", type=Path, metavar="DIR", help="write NAME.html for each notebook into DIR")
    parser.add_argument("--store", action="store_true", help="write the outputs back into the .ipynb files")
    parser.add_argument("--timeout", type=int, default=600, help="seconds one cell may take (default 600)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    if not paths:
        print(f"error: no notebooks in {NOTEBOOKS}", file=sys.stderr)
        return 1
    failed = 0
    for path in paths:
        print(f"executing {path.name} …", end=" ", flush=True)
        started = time.perf_counter()
        try:
            nb = strip_run_details(execute(path, args.timeout))
        except NotebookFailed as e:
            failed += 1
            print("FAILED", flush=True)
            print(f"error: {e}; nothing written for it", file=sys.stderr)
            continue
        done = [f"{time.perf_counter() - started:.1f} s"]
        if args.store:
            text = nbformat.writes(nb) + "\n"
            if len(text.encode()) > MAX_BYTES:
                failed += 1
                print(
                    f"FAILED\nerror: {path}: {len(text.encode()) // 1024} KB with outputs, over the 1 MB limit: "
                    "embed no maps or databases, draw smaller charts",
                    file=sys.stderr,
                )
                continue
            _write(path, text)
            done.append(f"outputs stored ({len(text.encode()) // 1024} KB)")
        if args.html:
            args.html.mkdir(parents=True, exist_ok=True)
            page = args.html / f"{path.stem}.html"
            _write(page, to_html(nb))
            done.append(f"-> {page}")
        print(", ".join(done))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
