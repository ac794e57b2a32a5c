"""Checks for the exercises of chapters/13_detection.ipynb."""

from __future__ import annotations

import numpy as np

from .. import ops, yolo
from ._core import Case, CheckResult, run_cases

__all__ = ["check_nms", "check_yolo_cell"]


def check_nms(fn) -> CheckResult:
    """Check a learner's greedy ``nms(boxes, scores, iou_threshold)`` -> kept indices."""
    square = [0.0, 0.0, 10.0, 10.0]
    cases = [
        Case("two far-apart boxes: keep both, best first",
             np.array([[0.0, 0, 10, 10], [20, 20, 30, 30]]), np.array([0.6, 0.9]), 0.5),
        Case("two overlapping boxes (IoU 0.68): drop the weaker",
             np.array([square, [1.0, 1, 11, 11]]), np.array([0.8, 0.9]), 0.5),
        Case("a chain A-B-C: B is suppressed by A, so C (which overlaps only B) stays",
             np.array([[0.0, 0, 10, 10], [5, 0, 15, 10], [10, 0, 20, 10]]),
             np.array([0.9, 0.8, 0.7]), 0.3),
        Case("IoU exactly at the threshold (0.5) is kept: only IoU > threshold suppresses",
             np.array([square, [0.0, 0, 10, 5]]), np.array([0.9, 0.8]), 0.5),
        Case("tied scores: the lower index counts as higher",
             np.array([square, square, [50.0, 50, 60, 60]]), np.array([0.5, 0.5, 0.5]), 0.5),
        Case("threshold 1.0 keeps everything, sorted by score",
             np.array([square, square, square]), np.array([0.1, 0.3, 0.2]), 1.0),
        Case("no boxes at all", np.zeros((0, 4)), np.zeros(0), 0.5),
    ]
    return run_cases("nms", fn, cases, reference=ops.nms, dtype=int)


def _yolo_cell(box, image_size, grid_size):
    target = yolo.yolo_encode(np.asarray(box, float)[None], [0], image_size=image_size,
                                   grid_size=grid_size, num_classes=1)
    i, j = (int(v) for v in np.argwhere(target[..., 0] == 1)[0])
    return (i, j, float(target[i, j, 1]), float(target[i, j, 2]))


def check_yolo_cell(fn) -> CheckResult:
    """Check a learner's ``yolo_cell(box, image_size, grid_size)`` -> (i, j, tx, ty)."""
    cases = [
        Case("a box centred in the top-left cell", [2.0, 2.0, 6.0, 6.0], 64, 8),
        Case("centre (20, 44): row 5, column 2", [14.0, 40.0, 26.0, 48.0], 64, 8),
        Case("centre exactly on a cell border goes to the next cell", [0.0, 0.0, 16.0, 16.0],
             64, 8),
        Case("a 7x7 grid on a 448 image (YOLOv1)", [100.0, 300.0, 220.0, 420.0], 448, 7),
        Case("centre in the last cell", [56.0, 56.0, 64.0, 64.0], 64, 8),
    ]
    return run_cases("yolo_cell", fn, cases, reference=_yolo_cell, atol=1e-6,
                     returns=(int, int, float, float))
