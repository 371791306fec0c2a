"""Hand memory a capture has freed back to the system: one model's leftovers must not add to the next one's peak."""
from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.lru_cache(maxsize=1)
def _trim():
    """glibc's malloc_trim, or None where the C library has none (macOS, musl): there the call does nothing."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


def release() -> None:
    """Return the freed parts of the heap to the system.  Large tensors freed by torch stay in glibc's heap (its
    threshold for giving memory straight back rises with the largest block freed so far), where they count as the
    process's memory until trimmed."""
    trim = _trim()
    if trim is not None:
        trim(0)
