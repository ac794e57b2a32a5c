"""Reference implementations and interactive explorers for *From Pixels to Deep SORT*.

One module per topic, in the order the chapters use them::

    helpers.data         bundled data, verified by checksum   (all chapters)
    helpers.color        pixels, colour spaces, thresholds    (chapters/01_pixels.ipynb)
    helpers.filters      convolution and filtering            (chapters/02_filtering.ipynb)
    helpers.edges        gradients and Canny                  (chapters/03_edges.ipynb)
    helpers.conv         CNN convolution and pooling layers   (chapters/08_conv_arithmetic.ipynb)
    helpers.cnn          a CNN from scratch, numpy and torch  (chapters/09_cnn_from_scratch.ipynb)
    helpers.datasets     MNIST / CIFAR-10 file loaders        (chapters/09_cnn_from_scratch.ipynb)
    helpers.boxes        box formats, IoU, anchors            (chapters/12_localization.ipynb)
    helpers.shapes       synthetic detection scenes           (chapters/12, 13)
    helpers.detection    NMS, RoI pooling, YOLO, AP           (chapters/13_detection.ipynb)
    helpers.style        Gram matrices, style transfer        (chapters/16_style_transfer.ipynb)
    helpers.style_plots  figures of chapter 16                (chapters/16_style_transfer.ipynb)
    helpers.gradcam      Grad-CAM step by step, saliency      (chapters/17_inside_cnns.ipynb)
    helpers.inside_plots figures of chapter 17                (chapters/17_inside_cnns.ipynb)
    helpers.nets.pretrained  the offline pretrained ImageNet network (chapters/16, 17)
    helpers.tracking     Kalman, Hungarian, SORT, Deep SORT   (chapters/20_sort, 21_deep_sort)
    helpers.plots        small static figures for notebooks
    helpers.checks       instant feedback for the exercises
    helpers.widgets      the ipywidgets explorers the chapters show
    helpers.authoring    student notebooks generated from the solutions (`make student`)

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
