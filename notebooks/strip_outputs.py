"""Strip outputs from the notebooks so that they are committed clean (small, readable diffs).

The notebooks in this directory are committed without outputs, execution counts or run
metadata; ``tests/test_notebooks.py`` fails if one is committed with them. Run this before
committing a notebook you have executed::

    python notebooks/strip_outputs.py            # strip every notebooks/*.ipynb in place
    python notebooks/strip_outputs.py --check    # list notebooks that hold outputs; exit 1 if any
    python notebooks/strip_outputs.py FILE ...   # only these notebooks

Stripped: code cells' ``outputs`` and ``execution_count``; cell metadata written by Jupyter or
nbclient while running (``execution``, ``collapsed``, ``scrolled``); notebook metadata other
than the kernel (``kernelspec``) and the language name. Sources and cell ids are kept.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

RUN_CELL_METADATA = ("execution", "collapsed", "scrolled")
"""Cell metadata keys that record a run or a view, not content."""


def strip(nb: nbformat.NotebookNode) -> bool:
    """Remove outputs, execution counts and run metadata in place.

    Args:
        nb: A notebook read with :func:`nbformat.read` (version 4).

    Returns:
        True if anything was removed.
    """
    changed = False
    for cell in nb.cells:
        for key in RUN_CELL_METADATA:
            if key in cell.metadata:
                del cell.metadata[key]
                changed = True
        if cell.cell_type != "code":
            continue
        if cell.outputs:
            cell.outputs = []
            changed = True
        if cell.execution_count is not None:
            cell.execution_count = None
            changed = True
    metadata = {}
    if "kernelspec" in nb.metadata:
        metadata["kernelspec"] = nb.metadata["kernelspec"]
    metadata["language_info"] = {"name": nb.metadata.get("language_info", {}).get("name", "python")}
    if dict(nb.metadata) != metadata:
        nb.metadata = nbformat.from_dict(metadata)
        changed = True
    return changed


def main(argv: list[str] | None = None) -> int:
    """Strip (or with ``--check`` only list) notebooks; returns the exit code."""
    parser = argparse.ArgumentParser(description="Strip outputs from notebooks before committing them.")
    parser.add_argument("files", nargs="*", type=Path, help="notebooks (default: every *.ipynb next to this script)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook holds outputs")
    args = parser.parse_args(argv)
    files = args.files or sorted(Path(__file__).resolve().parent.glob("*.ipynb"))
    dirty = []
    for path in files:
        nb = nbformat.read(path, as_version=4)
        if strip(nb):
            dirty.append(path)
            if not args.check:
                nbformat.write(nb, path)
    verb = "holds outputs" if args.check else "stripped"
    for path in dirty:
        print(f"{path}: {verb}")
    return 1 if args.check and dirty else 0


if __name__ == "__main__":
    sys.exit(main())
