"""The research notebooks: committed without outputs, and each runs top to bottom on a fresh kernel.

Each notebook is executed with nbclient on a new kernel of *this* interpreter (a temporary
kernelspec pointing at ``sys.executable``), with ``notebooks/`` as working directory and the
temporary directory redirected to pytest's ``tmp_path``, so batch outputs are cleaned up and
nothing is written into the repository. The test runs each notebook at a small size: its parameter
cell's ``SCALE``, ``REPLICATIONS`` and ``TRAJECTORIES`` are replaced in memory by ``SMALL`` (every
cell still runs, on smaller batches; the committed notebooks keep their defaults).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
EXPECTED = ("01_quickstart", "02_policy_levers", "03_covid_2022", "04_uncertainty")
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT_S = 300
SMALL = {"SCALE": "0.05", "REPLICATIONS": "2", "TRAJECTORIES": "2"}
"""Parameter-cell values for the test run: a twentieth of the district, two replications or Morris paths
(the fewest that give an interval), about a fifth of the default run time."""


def _load_strip_module():
    spec = importlib.util.spec_from_file_location("strip_outputs", NOTEBOOK_DIR / "strip_outputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_expected_notebooks_present():
    assert [p.stem for p in NOTEBOOKS] == list(EXPECTED)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for index, cell in enumerate(nb.cells):
        where = f"{path.name} cell {index}"
        assert "execution" not in cell.metadata, f"{where}: run metadata; run notebooks/strip_outputs.py"
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{where}: has outputs; run python notebooks/strip_outputs.py"
            assert cell.execution_count is None, f"{where}: has an execution count; run notebooks/strip_outputs.py"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert not _load_strip_module().strip(nb), f"{path.name}: not stripped; run python notebooks/strip_outputs.py"


def test_strip_outputs_removes_outputs_and_check_reports_them(tmp_path):
    strip_outputs = _load_strip_module()
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                             "language": "python"},
                                            "language_info": {"name": "python", "version": "3.11.9"}})
    cell = nbformat.v4.new_code_cell("print(1)", execution_count=3,
                                     outputs=[nbformat.v4.new_output("stream", name="stdout", text="1\n")])
    cell.metadata["execution"] = {"iopub.execute_input": "2024-01-01T00:00:00Z"}
    nb.cells = [nbformat.v4.new_markdown_cell("# title"), cell]
    path = tmp_path / "dirty.ipynb"
    nbformat.write(nb, path)

    assert strip_outputs.main(["--check", str(path)]) == 1
    assert nbformat.read(path, as_version=4).cells[1].outputs  # --check changes nothing
    assert strip_outputs.main([str(path)]) == 0
    clean = nbformat.read(path, as_version=4)
    assert clean.cells[1].outputs == [] and clean.cells[1].execution_count is None
    assert "execution" not in clean.cells[1].metadata
    assert clean.cells[1].source == "print(1)" and clean.cells[0].source == "# title"
    assert dict(clean.metadata["language_info"]) == {"name": "python"}
    assert strip_outputs.main(["--check", str(path)]) == 0


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A ``python3`` kernelspec for this interpreter, found first on JUPYTER_PATH."""
    from ipykernel.kernelspec import install
    from jupyter_client.kernelspec import KernelSpecManager

    prefix = tmp_path_factory.mktemp("kernel")
    install(prefix=str(prefix), kernel_name="python3", display_name="Python 3 (startup-sim tests)")
    env = {
        "JUPYTER_PATH": os.pathsep.join(filter(None, [str(prefix / "share" / "jupyter"),
                                                      os.environ.get("JUPYTER_PATH")])),
        "JUPYTER_RUNTIME_DIR": str(tmp_path_factory.mktemp("jupyter_runtime")),
        "IPYTHONDIR": str(tmp_path_factory.mktemp("ipython")),
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
        assert spec.argv[0] == sys.executable, spec.argv
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def small(nb: nbformat.NotebookNode) -> list[str]:
    """Set the parameter cell's size settings to ``SMALL`` in place; returns the names replaced."""
    cell = next(c for c in nb.cells if c.cell_type == "code" and re.search(r"^SCALE = ", c.source, re.M))
    replaced = []
    for name, value in SMALL.items():
        cell.source, count = re.subn(rf"^{name} = [0-9.]+", f"{name} = {value}", cell.source, flags=re.M)
        replaced += [name] * count
    return replaced


def test_small_replaces_the_size_settings_of_every_notebook():
    sizes = {path.stem: sorted(small(nbformat.read(path, as_version=4))) for path in NOTEBOOKS}
    assert sizes == {"01_quickstart": ["REPLICATIONS", "SCALE"], "02_policy_levers": ["REPLICATIONS", "SCALE"],
                     "03_covid_2022": ["REPLICATIONS", "SCALE"], "04_uncertainty": ["SCALE", "TRAJECTORIES"]}


def _listing(directory: Path) -> set[str]:
    return {str(p.relative_to(directory)) for p in directory.rglob("*")
            if "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, kernel_env, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the kernel inherits it: batches go to tmp_path
    before = {d: _listing(ROOT / d) for d in ("notebooks", "scenarios")}
    nb = nbformat.read(path, as_version=4)
    assert small(nb), f"{path.name}: no SCALE in a parameter cell"
    client = NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT_S,
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    client.execute()  # raises CellExecutionError (with the cell and traceback) on any error

    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    images = [out for out in outputs if "image/png" in out.get("data", {})]
    assert images, f"{path.name}: no figure was displayed"
    stderr = "".join(out.text for out in outputs if out.output_type == "stream" and out.name == "stderr")
    assert "Traceback" not in stderr, stderr[:2000]
    assert any(p.name.startswith("startup-sim-") for p in tmp_path.iterdir()) or path.stem == "01_quickstart", (
        f"{path.name}: batch outputs did not go to the temporary directory"
    )
    after = {d: _listing(ROOT / d) for d in ("notebooks", "scenarios")}
    new = {d: sorted(after[d] - before[d]) for d in after}
    assert after == before, f"{path.name} wrote into the repository: {json.dumps(new)}"
