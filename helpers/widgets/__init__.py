"""Interactive explorers for the chapters, built on ipywidgets and off-screen matplotlib.

Each factory returns an :class:`~helpers.widgets._base.Explorer`; display it by making it the
last expression of a cell. Widgets only call algorithm helpers and draw; the algorithms live in
the topic modules (``helpers.color``, ``helpers.filters``, ...), where they are tested.

Factories are looked up lazily in the submodules, so ``from helpers.widgets import
threshold_explorer`` imports only the module that defines it.
"""

from __future__ import annotations

import importlib

from .. import _lazy
from ._base import BENCH_FACTORIES, Explorer, register_bench

__all__ = ["BENCH_FACTORIES", "Explorer", "register_bench", "load_all"]


def load_all() -> None:
    """Import every widget module (registers their benchmark factories)."""
    for name in _lazy.module_names(__path__[0]):
        importlib.import_module(f"{__name__}.{name}")


def __getattr__(name: str):
    return _lazy.resolve(__name__, __path__[0], name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_lazy.exports(__path__[0])))
