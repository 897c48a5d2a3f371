"""Reading tables back exactly as they were written."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd


def read_exact_csv(path: Path, text_columns: Sequence[str] = ()) -> pd.DataFrame:
    """Read a CSV written by pandas with every float exactly as written (Python's ``float``).

    Pandas writes floats with ``repr`` (shortest round-trip form); parsing them with ``float``
    gives the same bits back whatever the pandas version's default parser does.
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in frame.columns:
        if column not in text_columns:
            frame[column] = [float(v) if v != "" else float("nan") for v in frame[column]]
    return frame


__all__ = ["read_exact_csv"]
