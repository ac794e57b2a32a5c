"""Where chapter 13's code used to live: old imports keep working, new code imports the new homes.

``helpers.detection`` mixed two chapters and four concerns. It is now split the way torchvision
separates ``ops`` from ``models``:

==================================  ===========================================================
:mod:`helpers.boxes`                box formats, IoU, anchors, offset encoding
:mod:`helpers.ops`                  ``nms``, ``nms_naive``, ``batched_nms``, ``roi_pool``,
                                    ``sliding_windows``, ``window_scores_naive/_conv``
:mod:`helpers.yolo`                 ``yolo_encode``, ``yolo_decode``, ``detect``
:mod:`helpers.evaluation`           ``match_detections``, ``precision_recall``,
                                    ``average_precision``, ``evaluate_detections``
:mod:`helpers.nets.detection`       ``TinyDetector``, ``LandmarkRegressor``, ``detector_loss``,
                                    ``train_detector``, ``detector_predict``,
                                    ``train_landmarks``, ``predict_landmarks``,
                                    ``DETECTOR_STRIDE``
==================================  ===========================================================

The names above are re-exported here (``helpers.detection.nms`` is ``helpers.ops.nms``); the
torch ones are looked up on first use, so importing this module does not load torch. The old
factories ``tiny_detector`` and ``landmark_regressor`` are the classes ``TinyDetector`` and
``LandmarkRegressor`` (same arguments). Nothing is defined here, so ``__all__`` is empty:
every exported name has exactly one home.
"""

from __future__ import annotations

import importlib

from .evaluation import (  # noqa: F401 - re-exported
    average_precision,
    evaluate_detections,
    match_detections,
    precision_recall,
)
from .ops import (  # noqa: F401 - re-exported
    batched_nms,
    nms,
    nms_naive,
    roi_pool,
    sliding_windows,
    window_scores_conv,
    window_scores_naive,
)
from .yolo import detect, yolo_decode, yolo_encode  # noqa: F401 - re-exported

__all__: list[str] = []

# Old name -> name in helpers.nets.detection (torch: imported on first use).
_NETS = {
    "DETECTOR_STRIDE": "DETECTOR_STRIDE",
    "detector_predict": "detector_predict",
    "landmark_regressor": "LandmarkRegressor",
    "predict_landmarks": "predict_landmarks",
    "tiny_detector": "TinyDetector",
    "train_detector": "train_detector",
    "train_landmarks": "train_landmarks",
}


def __getattr__(name: str):
    if name in _NETS:
        return getattr(importlib.import_module("helpers.nets.detection"), _NETS[name])
    raise AttributeError(f"module 'helpers.detection' has no attribute {name!r}")
