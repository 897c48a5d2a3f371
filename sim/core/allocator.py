"""Keep freed memory for reuse instead of handing it back to the operating system (glibc).

Each month the firm rules make a few hundred temporary numpy arrays the size of the live firms
(2-3 MB each at scale 16). glibc's ``malloc`` serves such blocks with ``mmap`` and returns them
with ``munmap`` (or trims the heap) as soon as numpy frees them, so the next temporary is fresh
memory that the kernel must zero page by page: at scale 16 about 700,000 page faults and a
quarter of the run's CPU time went to that (``/usr/bin/time -v``: system time 2.6 s of 10 s).

:func:`keep_freed_memory` raises the two thresholds with ``mallopt``: blocks up to
:data:`MMAP_THRESHOLD_BYTES` come from the heap, and up to :data:`TRIM_THRESHOLD_BYTES` of free
heap stay with the process, so temporaries reuse memory already mapped. Peak memory does not
change (the same arrays are alive at the peak); the results cannot change (only where memory
comes from). Outside glibc (macOS, Windows, musl) it does nothing.
"""

from __future__ import annotations

import platform
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
"""``mallopt`` parameter numbers (glibc ``malloc.h``)."""
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
"""Largest block served from the heap: glibc's maximum on 64-bit (``DEFAULT_MMAP_THRESHOLD_MAX``,
32 MiB). Setting any threshold turns off glibc's own adjustment of this one, so it is set
explicitly. Larger blocks (the population's arrays beyond scale ~30) are still mapped."""
TRIM_THRESHOLD_BYTES = 256 * 1024 * 1024
"""Free heap kept before trimming (assumption: more than the temporaries of a month at scale 16,
~100 MB, and small beside a run's own arrays; range 64 MiB - 1 GiB)."""

_done = False


def keep_freed_memory() -> bool:
    """Set the thresholds once per process (see the module docstring).

    Returns:
        True if glibc accepted both settings (now or at an earlier call).
    """
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # pragma: no cover - a Linux without glibc's malloc
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _done = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
    return _done


__all__ = ["keep_freed_memory"]
