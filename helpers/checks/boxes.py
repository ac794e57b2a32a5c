"""Checks for the exercises of chapters/12_localization.ipynb."""

from __future__ import annotations

import numpy as np

from .. import boxes
from ._core import Case, CheckResult, run_cases

__all__ = ["check_iou", "check_xyxy_to_cxcywh"]


def _iou_pair(a, b) -> float:
    return float(boxes.box_iou(np.asarray(a, float)[None], np.asarray(b, float)[None])[0, 0])


def check_iou(fn) -> CheckResult:
    """Check a learner's ``iou(a, b)`` of two xyxy boxes given as 4-element arrays -> float."""
    a = np.array([0.0, 0.0, 4.0, 4.0])
    cases = [
        Case("the same box twice", a, a.copy()),
        Case("half overlapping side by side", a, np.array([2.0, 0.0, 6.0, 4.0])),
        Case("far apart", a, np.array([10.0, 10.0, 12.0, 12.0])),
        Case("touching along an edge (no area in common)", a, np.array([4.0, 0.0, 8.0, 4.0])),
        Case("overlapping in x only (one above the other)", a, np.array([1.0, 5.0, 3.0, 9.0])),
        Case("a small box inside a big one", np.array([0.0, 0.0, 10.0, 10.0]),
             np.array([2.0, 3.0, 4.0, 8.0])),
        Case("diagonal overlap with fractions", np.array([0.5, 1.5, 3.5, 4.0]),
             np.array([2.0, 0.0, 5.0, 2.5])),
        Case("a zero-area box (a line) and a box: IoU 0", np.array([1.0, 0.0, 1.0, 4.0]), a),
    ]
    return run_cases("iou", fn, cases, reference=_iou_pair, atol=1e-9)


def check_xyxy_to_cxcywh(fn) -> CheckResult:
    """Check a learner's ``xyxy_to_cxcywh(boxes)`` on (N, 4) arrays."""
    rng = np.random.default_rng(12)
    xy = rng.uniform(0, 50, (5, 2))
    cases = [
        Case("one box at the origin", np.array([[0.0, 0.0, 4.0, 2.0]])),
        Case("one box elsewhere", np.array([[2.0, 4.0, 6.0, 10.0]])),
        Case("five random boxes", np.concatenate([xy, xy + rng.uniform(0, 20, (5, 2))], 1)),
        Case("a zero-area box", np.array([[3.0, 3.0, 3.0, 7.0]])),
        Case("no boxes at all, shape (0, 4)", np.zeros((0, 4))),
    ]
    return run_cases("xyxy_to_cxcywh", fn, cases, reference=boxes.xyxy_to_cxcywh, atol=1e-9)
