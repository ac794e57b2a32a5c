"""Checks for the exercises of chapters/12_localization.ipynb."""

from __future__ import annotations

import numpy as np

from .. import boxes
from ._core import Case, CheckResult, run_cases

__all__ = ["check_box_iou", "check_label_anchors"]


def check_box_iou(fn) -> CheckResult:
    """Check a learner's pairwise ``box_iou(a, b)``: (N, 4) and (M, 4) xyxy -> (N, M) float."""
    rng = np.random.default_rng(12)
    xy = rng.uniform(0, 50, (7, 2))
    random = np.concatenate([xy, xy + rng.uniform(1, 30, (7, 2))], 1)
    square = np.array([[0.0, 0.0, 4.0, 4.0]])
    cases = [
        Case("one box against itself: a 1 x 1 matrix holding 1", square, square.copy()),
        Case("one box against three: half overlapping, far apart, touching along an edge",
             square, np.array([[2.0, 0.0, 6.0, 4.0], [10.0, 10.0, 12.0, 12.0],
                               [4.0, 0.0, 8.0, 4.0]])),
        Case("two boxes against one: rows are a's boxes, columns b's",
             np.array([[0.0, 0.0, 10.0, 10.0], [1.0, 5.0, 3.0, 9.0]]),
             np.array([[2.0, 3.0, 4.0, 8.0]])),
        Case("overlapping in x only (one above the other): no intersection", square,
             np.array([[1.0, 5.0, 3.0, 9.0]])),
        Case("4 x 3 random boxes with fractional corners", random[:4], random[4:]),
        Case("zero-area boxes (lines): IoU 0, never 0 / 0",
             np.array([[1.0, 0.0, 1.0, 4.0], [2.0, 2.0, 2.0, 2.0]]),
             np.array([[1.0, 0.0, 1.0, 4.0], [0.0, 0.0, 4.0, 4.0]])),
        Case("no boxes in a: a 0 x 2 matrix", np.zeros((0, 4)), random[:2]),
    ]
    return run_cases("box_iou", fn, cases, reference=boxes.box_iou, atol=1e-9,
                     returns=np.ndarray, dtype=float)


def check_label_anchors(fn) -> CheckResult:
    """Check a learner's ``label_anchors(iou, pos_threshold, neg_threshold)`` -> (A,) labels
    1 / 0 / -1, with each object's best anchor(s) made positive."""
    rng = np.random.default_rng(7)
    cases = [
        Case("one clear positive, one ignored, one negative anchor, one object",
             np.array([[0.8], [0.5], [0.05]]), 0.7, 0.3),
        Case("an object whose best anchor (IoU 0.45) is below the positive threshold",
             np.array([[0.45, 0.0], [0.1, 0.9], [0.2, 0.0]]), 0.7, 0.3),
        Case("IoU exactly at the thresholds: >= 0.7 is positive, 0.3 is not negative",
             np.array([[0.7, 0.0], [0.3, 0.0], [0.1, 0.0], [0.0, 0.35]]), 0.7, 0.3),
        Case("two anchors tie for an object's best IoU: both positive",
             np.array([[0.4], [0.4], [0.1]]), 0.7, 0.3),
        Case("an object no anchor touches (IoU 0 everywhere) gets no positive anchor",
             np.array([[0.0, 0.9], [0.0, 0.1]]), 0.7, 0.3),
        Case("20 anchors x 3 objects, random IoUs", rng.uniform(0, 0.9, (20, 3)), 0.6, 0.4),
    ]
    return run_cases("label_anchors", fn, cases, reference=_label_anchors, returns=np.ndarray,
                     dtype=int)


def _label_anchors(iou, pos_threshold, neg_threshold):
    # The exercise is called positionally; the course's helper takes keywords.
    return boxes.label_anchors(iou, pos_threshold=pos_threshold, neg_threshold=neg_threshold)
