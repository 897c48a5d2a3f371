"""How the CLI turns an exception into one line and an exit code.

Exit codes (also in ``startup-sim --help`` and the README):

* 0: everything ran.
* 1: some runs of a batch failed (they are recorded; ``--resume`` retries them).
* 2: a problem the user can fix: a bad argument or scenario file, a bad or read-only path, a
  full disk, too little memory, a corrupted run. One line naming the file and the fix; no
  traceback.
* 3: an internal error (a bug): one line, and the traceback written to a log file whose path
  the line gives.
* 130: interrupted (Ctrl-C); what was already written is kept.

This module imports nothing heavy: pyarrow's errors are recognised by their class's module.
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

EXIT_OK = 0
EXIT_RUNS_FAILED = 1
EXIT_USER = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = """\
exit codes:
  0    ok
  1    some runs of a batch failed (recorded in OUT/runs/; --resume retries them)
  2    a problem you can fix: bad argument or file, bad or read-only path, disk full,
       not enough memory, corrupted run (one line saying what to do; no traceback)
  3    internal error: one line with the path of a log file holding the traceback
  130  interrupted; results already written are kept
"""

_OS_FIXES: dict[int, str] = {
    errno.EROFS: "read-only file system; choose an output path on a writable file system",
    errno.EACCES: "permission denied; choose a path you can write to (or read)",
    errno.EPERM: "operation not permitted; choose a path you own",
    errno.ENOTDIR: "a part of this path is a file, not a directory; choose another path",
    errno.EISDIR: "is a directory; give a file path",
    errno.ENOSPC: "no space left on device; free some space and run again (a batch: add --resume, "
                  "finished runs are kept)",
    errno.EDQUOT: "disk quota exceeded; free some space and run again (a batch: add --resume, "
                  "finished runs are kept)",
    errno.ENOENT: "no such file or directory",
    errno.ENAMETOOLONG: "file name too long; choose a shorter path",
    errno.EEXIST: "already exists; choose another path",
    errno.ENOTEMPTY: "directory not empty; choose another path",
}


def os_error_line(exc: OSError) -> str:
    """One line for an operating-system error: the path, what happened, and the fix."""
    where = exc.filename if exc.filename is not None else ""
    what = _OS_FIXES.get(exc.errno or -1) or (exc.strerror or " ".join(str(exc).split()))
    return f"{where}: {what}" if where else what


def is_data_error(exc: BaseException) -> bool:
    """True for a pyarrow error reading a file (a corrupted or truncated Parquet file)."""
    return type(exc).__module__.startswith("pyarrow") and not isinstance(exc, (MemoryError, KeyboardInterrupt))


def data_error_line(exc: BaseException) -> str:
    """One line for a corrupted data file, with the fix."""
    text = " ".join(str(exc).split())
    return (f"a data file is corrupted or truncated ({type(exc).__name__}: {text}); if it belongs to a batch, "
            "run the same `startup-sim batch ... --out DIR --resume` again: it redoes corrupted runs")


def log_directory() -> Path:
    """Where internal-error logs go: ``$STARTUP_SIM_LOG_DIR``, else ``<temp dir>/startup-sim``."""
    return Path(os.environ.get("STARTUP_SIM_LOG_DIR") or Path(tempfile.gettempdir()) / "startup-sim")


def write_crash_log(exc: BaseException, argv: list[str]) -> Path | None:
    """Write the traceback of an internal error to a new log file; None if it cannot be written."""
    directory = log_directory()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = directory / f"error-{stamp}-{os.getpid()}.log"
    text = (
        f"startup-sim {' '.join(argv)}\n"
        f"python {sys.version.split()[0]}\n\n"
        + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError:
        return None
    return path


def internal_error_line(exc: BaseException, log: Path | None) -> str:
    """One line for an internal error, pointing at its log."""
    text = " ".join(str(exc).split())
    where = f"traceback in {log}" if log else "set STARTUP_SIM_DEBUG=1 for a traceback"
    return f"internal error: {type(exc).__name__}: {text} ({where}; please report it)"


__all__ = [
    "EXIT_CODES_HELP",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_RUNS_FAILED",
    "EXIT_USER",
    "data_error_line",
    "internal_error_line",
    "is_data_error",
    "log_directory",
    "os_error_line",
    "write_crash_log",
]
