"""Hand memory that Python and torch have freed back to the operating system.

glibc's ``malloc`` keeps freed blocks for reuse instead of returning them, and once a large block
has been freed it serves blocks of up to 32 MB from its heap too. A notebook that trains a
network, runs a large batch, then trains again therefore holds the freed memory of every earlier
step: at the end of chapter 17, 220 MB of the kernel's 1.1 GB were free blocks glibc had kept.
Binder counts them against its 2 GB all the same. ``malloc_trim(0)`` gives back every whole free
page, inside the heap as well as at its top, in 0-5 ms.

:func:`release_memory` is called where the course ends a memory-hungry step: after each epoch of
:func:`helpers.nets.training.fit` and at its end, after
:func:`~helpers.nets.training.predict`, after Grad-CAM and saliency maps, and, in a notebook,
after every cell (``import helpers`` registers an IPython ``post_run_cell`` callback once).
Elsewhere (macOS, Windows, musl) there is no ``malloc_trim`` and nothing is done.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["register_cell_hook", "release_memory"]

_UNSET: Any = object()
_trim: Any = _UNSET  # the C function, None where there is none; looked up on first use


def _malloc_trim() -> Any:
    global _trim
    if _trim is _UNSET:
        _trim = None
        if sys.platform.startswith("linux"):
            import ctypes

            try:
                trim = ctypes.CDLL(None).malloc_trim  # the running process's own C library
            except (OSError, AttributeError):  # musl and others have no malloc_trim
                pass
            else:
                trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
                _trim = trim
    return _trim


def release_memory() -> bool:
    """Give freed heap memory back to the operating system.

    Returns
    -------
    bool
        True if glibc returned at least one page, False if there was nothing to return or the C
        library cannot (no ``malloc_trim``).

    Examples
    --------
    >>> isinstance(release_memory(), bool)
    True
    """
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False


def _after_cell(result: Any = None) -> None:
    release_memory()


def register_cell_hook() -> bool:
    """Release memory after every cell of the running IPython kernel (once; True if registered).

    Nothing happens outside IPython (IPython is never imported for this) or without
    ``malloc_trim``.
    """
    ipython = sys.modules.get("IPython")
    if ipython is None or _malloc_trim() is None:
        return False
    shell = ipython.get_ipython()
    if shell is None:
        return False
    callbacks = shell.events.callbacks.get("post_run_cell", [])
    if not any(getattr(cb, "__qualname__", None) == _after_cell.__qualname__
               and getattr(cb, "__module__", None) == __name__ for cb in callbacks):
        shell.events.register("post_run_cell", _after_cell)
    return True
