"""The one atomic writer: every file the package writes goes through here.

A file is written to a temporary file in the same directory, flushed and fsync'ed, then renamed
over the target with :func:`os.replace` (atomic on POSIX and Windows within one file system), and
the directory is fsync'ed. A reader therefore sees the old file or the new one, never half of one;
a killed writer leaves only a temporary file.

Temporary names are ``.<name>.tmp-<pid>-<random>`` (hidden, matched by :data:`TEMP_GLOB` and
:func:`is_temporary`), so :meth:`sim.io.store.BatchStore.clean_temporary` removes what a killed
writer left behind, figures included.

Heavy libraries (pandas, matplotlib) are not imported here: :func:`write_parquet` and
:func:`write_figure` take the object and call its own writer.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

TEMP_GLOB = ".*.tmp-*"
"""Glob matching every temporary file or directory of this module (and of the store)."""
_TEMP_RE = re.compile(r"^\..+\.tmp-\d+(-[0-9a-f]+)?$")


def temporary_name(path: Path) -> Path:
    """A fresh hidden temporary path next to ``path``: ``.<name>.tmp-<pid>-<random>``."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")


def is_temporary(path: Path) -> bool:
    """True if ``path`` is a temporary name made by :func:`temporary_name` (or the store)."""
    return bool(_TEMP_RE.match(path.name))


def fsync_dir(path: Path) -> None:
    """Flush a directory entry to disk (best effort: some file systems refuse it)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success fsync it and rename it over ``path``.

    Use for writers that want a file name (Parquet, matplotlib ``savefig``). The temporary file
    keeps the target's suffix visible inside its name, so format detection by suffix still
    works when the writer is told the format explicitly.

    Raises:
        Whatever the writer raises; the temporary file is removed first.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(target)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def write_with(path: str | Path, writer: Callable[[BinaryIO], Any]) -> Path:
    """Write ``path`` atomically by calling ``writer(handle)`` on an open binary file."""
    target = Path(path)
    with atomic_path(target) as tmp, open(tmp, "wb") as handle:
        writer(handle)
        handle.flush()
    return target


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    return write_with(path, lambda handle: handle.write(data))


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically."""
    return write_bytes(path, text.encode(encoding))


def write_parquet(frame: Any, path: str | Path, **options: Any) -> Path:
    """Write a pandas DataFrame as Parquet atomically (``index=False`` unless given)."""
    options.setdefault("index", False)
    return write_with(path, lambda handle: frame.to_parquet(handle, **options))


def write_figure(fig: Any, path: str | Path, **options: Any) -> Path:
    """Save a matplotlib figure atomically; the format comes from the suffix of ``path``."""
    target = Path(path)
    options.setdefault("format", target.suffix.lstrip(".") or None)
    return write_with(target, lambda handle: fig.savefig(handle, **options))


__all__ = [
    "TEMP_GLOB",
    "atomic_path",
    "fsync_dir",
    "is_temporary",
    "temporary_name",
    "write_bytes",
    "write_figure",
    "write_parquet",
    "write_text",
    "write_with",
]
