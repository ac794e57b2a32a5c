"""Checks for the exercises of chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.

* :func:`check_iou_association` - SORT's association step (chapter 20);
* :func:`check_sort_life_cycle` - one frame of SORT's track life cycle (chapter 20);
* :func:`check_mahalanobis_gate` - Deep SORT's chi-square gate (chapter 21);
* :func:`check_matching_cascade` - Deep SORT's matching cascade (chapter 21).
"""

from __future__ import annotations

import numpy as np

from ..tracking.association import associate_iou, matching_cascade
from ..tracking.kalman import GATING_THRESHOLD, KalmanBoxFilter
from ..tracking.track import Track, TrackState
from ._core import Case, CheckResult, run_cases

__all__ = [
    "check_iou_association",
    "check_mahalanobis_gate",
    "check_matching_cascade",
    "check_sort_life_cycle",
]


def _state(kf: KalmanBoxFilter, z, velocity=(0.0, 0.0, 0.0, 0.0)):
    mean, cov = kf.initiate(np.asarray(z, float))
    mean[4:] = velocity
    return mean, cov


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


def _sort_step(confirmed, hit_streak, time_since_update, matched, min_hits, max_age):
    """The reference: one frame of a :class:`~helpers.tracking.track.Track` under SORT's rules."""
    kf = KalmanBoxFilter()
    z = np.array([50.0, 50.0, 0.5, 40.0])
    track = Track(1, *kf.initiate(z), confirm_after=min_hits, max_age=max_age, rules="sort")
    track.state = TrackState.CONFIRMED if confirmed else TrackState.TENTATIVE
    track.hit_streak, track.time_since_update = hit_streak, time_since_update
    track.predict(kf)
    if matched:
        track.update(kf, z)
    else:
        track.mark_missed()
    return track.is_confirmed, track.is_deleted, track.hit_streak, track.time_since_update


def check_sort_life_cycle(fn) -> CheckResult:
    """Check ``sort_step(confirmed, hit_streak, time_since_update, matched, min_hits, max_age)``.

    It returns ``(confirmed, deleted, hit_streak, time_since_update)`` after one more frame in
    which the track was ``matched`` (or not), under SORT's rules
    (:class:`helpers.tracking.track.Track` with ``rules="sort"``): a match adds one to the
    streak, resets the time since the last update and confirms the track once the streak
    reaches ``min_hits``; a miss ends the streak (0), adds one to the time since the update, and
    deletes the track if that exceeds ``max_age``, else makes it tentative again (not confirmed).
    """
    cases = [
        Case("a new track matched once (min_hits 3)", False, 0, 0, True, 3, 1),
        Case("the third match in a row confirms it", False, 2, 0, True, 3, 1),
        Case("a confirmed track matched again", True, 7, 0, True, 3, 1),
        Case("a confirmed track missed once: tentative again, kept", True, 7, 0, False, 3, 1),
        Case("missed a second time with max_age 1: deleted", False, 0, 1, False, 3, 1),
        Case("missed a second time with max_age 5: kept", False, 0, 1, False, 3, 5),
        Case("matched again after a gap: the streak restarts at 1", False, 0, 2, True, 3, 5),
        Case("min_hits 1: confirmed by its first match", False, 0, 0, True, 1, 1),
        Case("max_age 0: the first miss deletes it", True, 4, 0, False, 3, 0),
    ]
    return run_cases("sort_step", fn, cases, reference=_sort_step,
                     returns=(bool, bool, int, int))


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


def _cost_fn(cost: np.ndarray):
    """A cost function over index lists, as Deep SORT's tracker gives the cascade."""
    def cost_fn(track_indices, detection_indices):
        return cost[np.ix_(np.asarray(track_indices, int), np.asarray(detection_indices, int))]
    return cost_fn


def _cascade(cost_fn, max_cost, time_since_update, track_indices, detection_indices,
             cascade_depth):
    return matching_cascade(cost_fn, max_cost, time_since_update, track_indices,
                            detection_indices, cascade_depth=cascade_depth)


def check_matching_cascade(fn) -> CheckResult:
    """Check ``matching_cascade(cost_fn, max_cost, time_since_update, track_indices,
    detection_indices, cascade_depth) -> (matches (K, 2), unmatched_tracks, unmatched_detections)``.

    Level by level (tracks last matched 1 frame ago, then 2, ...), the level's tracks are
    assigned the still unmatched detections with ``linear_assignment(cost, max_cost)``.
    """
    inf = np.inf
    steal = np.array([[0.15, 0.9], [0.05, 0.12]])  # track 1 (lost long ago) prefers detection 0
    rng = np.random.default_rng(5)
    big = rng.uniform(0, 0.4, (6, 5))
    big[rng.random((6, 5)) < 0.3] = inf
    cases = [
        Case("two tracks seen last frame, two detections", _cost_fn(np.array([[0.1, 0.8],
                                                                            [0.7, 0.2]])),
             0.5, np.array([1, 1]), [0, 1], [0, 1], 30),
        Case("a long-lost track must not steal a recent track's detection", _cost_fn(steal),
             0.2, np.array([1, 8]), [0, 1], [0, 1], 30),
        Case("pairs above max_cost are never matched", _cost_fn(np.array([[0.1, 0.6]])),
             0.5, np.array([1]), [0], [1], 30),
        Case("forbidden (inf) pairs and a track out of the candidates",
             _cost_fn(np.array([[inf, 0.1], [0.1, inf], [0.05, 0.05]])), 0.5,
             np.array([1, 2, 1]), [0, 1], [0, 1], 30),
        Case("a track lost longer than the cascade depth is not matched",
             _cost_fn(np.array([[0.1]])), 0.5, np.array([5]), [0], [0], 3),
        Case("no detections", _cost_fn(np.zeros((2, 0))), 0.5, np.array([1, 2]), [0, 1], [],
             30),
        Case("6 tracks at 4 levels, 5 detections", _cost_fn(big), 0.3,
             np.array([1, 3, 2, 1, 4, 2]), [0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4], 30),
    ]
    return run_cases("matching_cascade", fn, cases, reference=_cascade, dtype=int)
