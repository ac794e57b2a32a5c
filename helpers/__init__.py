"""Reference implementations and interactive explorers for *From Pixels to Deep SORT*.

One module per topic, in the order the chapters use them::

    helpers.data         bundled data, verified by checksum   (all chapters)
    helpers.color        pixels, colour spaces, thresholds    (chapters/01_pixels.ipynb)
    helpers.filters      convolution and filtering            (chapters/02_filtering.ipynb)
    helpers.edges        gradients and Canny                  (chapters/03_edges.ipynb)
    helpers.checks       instant feedback for the exercises
    helpers.widgets      the ipywidgets explorers the chapters show

Importing :mod:`helpers` is cheap: submodules are imported the first time they are used
(``helpers.filters.correlate2d`` works straight after ``import helpers``), so torch and OpenCV
load only for the chapters that need them.
"""

from __future__ import annotations

from . import _lazy

__version__ = "0.1.0"


def __getattr__(name: str):
    # PEP 562: import a submodule on first attribute access, so `import helpers` stays fast.
    if name in _lazy.module_names(__path__[0]):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_lazy.module_names(__path__[0])))
