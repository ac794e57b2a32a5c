"""Checks for the exercises of chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb."""

from __future__ import annotations

import numpy as np

from ..tracking.association import associate_iou
from ..tracking.gallery import cosine_distance
from ..tracking.kalman import GATING_THRESHOLD, KalmanBoxFilter
from ._core import Case, CheckResult, run_cases

__all__ = [
    "check_gallery_distance",
    "check_iou_association",
    "check_kalman_predict",
    "check_mahalanobis_gate",
]


def _state(kf: KalmanBoxFilter, z, velocity=(0.0, 0.0, 0.0, 0.0)):
    mean, cov = kf.initiate(np.asarray(z, float))
    mean[4:] = velocity
    return mean, cov


def check_kalman_predict(fn) -> CheckResult:
    """Check ``kalman_predict(kf, mean, cov) -> (mean, cov)``: ``F x`` and ``F P F^T + Q``."""
    kf, noisy = KalmanBoxFilter(), KalmanBoxFilter(std_weight_position=0.2,
                                                   std_weight_velocity=0.05)
    cases = [
        Case("a box standing still", kf, *_state(kf, [100, 50, 0.5, 40])),
        Case("a box moving right at 3 px/frame", kf, *_state(kf, [100, 50, 0.5, 40], (3, 0, 0, 0))),
        Case("a tall box moving and growing", kf,
             *_state(kf, [300, 200, 0.4, 150], (-2, 1, 0, 0.5))),
        Case("a filter with large process noise", noisy,
             *_state(noisy, [50, 60, 0.45, 80], (1, 1, 0, 0))),
    ]
    return run_cases("kalman_predict", fn, cases, reference=lambda k, m, c: k.predict(m, c),
                     atol=1e-8)


def check_iou_association(fn) -> CheckResult:
    """Check ``iou_association(track_boxes, detection_boxes, iou_threshold) -> (K, 2) matches``.

    Matches are ``(track, detection)`` index pairs sorted by track, from the assignment that
    maximises total IoU, keeping pairs with IoU >= ``iou_threshold``.
    """
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 200, (6, 2))
    tracks = np.c_[xy, xy + rng.uniform(20, 60, (6, 2))]
    dets = tracks[[3, 0, 5, 1]] + rng.normal(0, 4, (4, 4))
    cases = [
        Case("one track, one overlapping detection", np.array([[0, 0, 10, 10.0]]),
             np.array([[1, 1, 11, 11.0]]), 0.3),
        # Track 0's best detection (IoU 0.70) is track 1's only one (0.65): the optimum gives
        # track 0 its second best (0.60). Taking each track's best in turn loses track 1.
        Case("the greedy choice is wrong", np.array([[0, 0, 10, 10.0], [3.88, 0, 13.88, 10]]),
             np.array([[1.76, 0, 11.76, 10.0], [-2.5, 0, 7.5, 10]]), 0.3),
        Case("a pair below the threshold is dropped", np.array([[0, 0, 10, 10.0]]),
             np.array([[8, 0, 18, 10.0]]), 0.3),
        Case("IoU exactly at the threshold is kept", np.array([[0, 0, 10, 10.0]]),
             np.array([[0, 0, 10, 5.0]]), 0.5),
        Case("6 tracks, 4 jittered detections", tracks, dets, 0.3),
        Case("no detections (an empty frame)", tracks, np.zeros((0, 4)), 0.3),
    ]
    return run_cases("iou_association", fn, cases,
                     reference=lambda t, d, th: associate_iou(t, d, th)[0], dtype=int)


def check_mahalanobis_gate(fn) -> CheckResult:
    """Check ``mahalanobis_gate(kf, mean, cov, measurements) -> (M,) bool``: d^2 <= 9.4877."""
    kf = KalmanBoxFilter()
    mean, cov = kf.predict(*_state(kf, [100, 50, 0.5, 40], (2, 0, 0, 0)))
    far_mean, far_cov = mean.copy(), cov * 9  # a track lost for a while: a wider gate
    z = np.array([[102, 50, 0.5, 40], [110, 50, 0.5, 40], [102, 58, 0.5, 40],
                  [130, 50, 0.5, 40], [102, 50, 0.5, 52]], float)
    cases = [
        Case("the prediction itself", kf, mean, cov, z[:1]),
        Case("five candidate detections", kf, mean, cov, z),
        Case("the same detections, an uncertain track", kf, far_mean, far_cov, z),
        Case("no detections", kf, mean, cov, np.zeros((0, 4))),
    ]
    return run_cases("mahalanobis_gate", fn, cases,
                     reference=lambda k, m, c, zz: k.gating_distance(m, c, zz) <= GATING_THRESHOLD)


def check_gallery_distance(fn) -> CheckResult:
    """Check ``gallery_distance(gallery, features) -> (M,)``: min cosine distance per feature."""
    rng = np.random.default_rng(4)
    g = rng.normal(size=(5, 8))
    cases = [
        Case("one gallery vector, itself", np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]])),
        Case("orthogonal and opposite", np.array([[1.0, 0.0]]),
             np.array([[0.0, 1.0], [-1.0, 0.0]])),
        Case("vectors of different lengths", np.array([[3.0, 4.0]]),
             np.array([[6.0, 8.0], [0.0, 2.0]])),
        Case("a gallery of 5, three features", g, np.r_[g[2:3] * 2, rng.normal(size=(2, 8))]),
    ]
    return run_cases("gallery_distance", fn, cases,
                     reference=lambda gal, f: cosine_distance(gal, f).min(axis=0), atol=1e-9)
