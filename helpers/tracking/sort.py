"""SORT: Simple Online and Realtime Tracking (Bewley et al. 2016).

Every frame: predict each track's box with its Kalman filter, match predictions to detections
by optimal assignment on ``1 - IoU``, reject matches with IoU below ``iou_threshold``, update the
matched tracks, start a track for every unmatched detection, and delete tracks not matched for
more than ``max_age`` frames. A track is reported once it has been matched ``min_hits`` frames in
a row (or during the first ``min_hits`` frames of the sequence), and only in frames where it was
matched.

Used in chapters/20_sort.ipynb (and as the baseline in chapters/21_deep_sort.ipynb).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_boxes, check_choice, check_float, check_instance, check_int
from ..boxes import box_iou
from .assignment import linear_assignment
from .association import associate_iou
from .boxes import xyah_to_xyxy, xyxy_to_xyah
from .kalman import KalmanBoxFilter
from .track import Track, TrackState

__all__ = ["SortTracker", "predict_tracks", "valid_detections"]


def valid_detections(detections: Any, name: str = "detections") -> np.ndarray:
    """Validate a frame's detections (N, 4) xyxy; drop zero-width or zero-height boxes.

    ``N = 0`` (an empty frame) is fine. A box with no area carries no shape for the Kalman
    filter, so it is dropped rather than started as a track (documented, tested behaviour).

    Examples
    --------
    >>> valid_detections([[0, 0, 10, 20], [5, 5, 5, 9]]).tolist()
    [[0.0, 0.0, 10.0, 20.0]]
    >>> valid_detections(np.zeros((0, 4))).shape
    (0, 4)
    """
    boxes = check_boxes(detections, name).astype(np.float64)
    keep = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    return boxes[keep] if not keep.all() else boxes


def predict_tracks(kalman: KalmanBoxFilter, tracks: list[Track]) -> tuple[np.ndarray, np.ndarray]:
    """Advance all tracks one frame in a single batched Kalman predict.

    Updates each track's state and counters in place and returns the stacked predicted
    ``means`` (N, 8) and ``covs`` (N, 8, 8) for the association step.
    """
    if not tracks:
        return np.zeros((0, 8)), np.zeros((0, 8, 8))
    means, covs = kalman.predict(np.stack([t.mean for t in tracks]),
                                 np.stack([t.cov for t in tracks]))
    # A shrinking box must not reach zero height: stop its height velocity instead.
    shrinking = means[:, 3] + means[:, 7] <= 0
    means[shrinking, 7] = 0.0
    for t, m, c in zip(tracks, means, covs, strict=True):
        t.mean, t.cov = m, c
        t.age += 1
        if t.time_since_update > 0:
            t.hit_streak = 0
        t.time_since_update += 1
    return means, covs


class SortTracker:
    """The SORT tracker: Kalman prediction + IoU assignment + a simple life cycle.

    Parameters
    ----------
    iou_threshold : float in [0, 1]
        Minimum IoU between a prediction and a detection to match (paper: 0.3).
    max_age : int >= 0
        Frames a track survives without a match (paper: 1).
    min_hits : int >= 1
        Consecutive matches before a track is reported (paper: 3).
    kalman : KalmanBoxFilter, optional
        The motion model (default: deep_sort's noise constants).
    solver : {"scipy", "hungarian"}
        Assignment solver; ``"hungarian"`` is the (slower) teaching version.

    Attributes
    ----------
    tracks : list of Track
        The live tracks, in creation order.
    frame_count : int

    Notes
    -----
    Each frame solves :math:`\\min_X \\sum_{ij} X_{ij} (1 - \\mathrm{IoU}_{ij})` over
    assignments :math:`X`, then rejects pairs with :math:`\\mathrm{IoU}_{ij} < t`. IDs are
    numbered from 1 by this instance, so a second tracker fed the same detections reports the
    same IDs. The original code represents boxes as (cx, cy, area, ratio) with fixed noise; here
    the Kalman filter is the same as Deep SORT's (see :mod:`helpers.tracking.kalman`).

    References
    ----------
    A. Bewley, Z. Ge, L. Ott, F. Ramos, B. Upcroft, "Simple Online and Realtime Tracking",
    ICIP 2016. Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.

    Examples
    --------
    >>> tracker = SortTracker(min_hits=1)
    >>> tracker.update([[10, 10, 30, 60]]).tolist()
    [[10.0, 10.0, 30.0, 60.0, 1.0]]
    >>> out = tracker.update([[12, 10, 32, 60]])
    >>> out[:, 4].tolist()                      # same object, same ID
    [1.0]
    """

    def __init__(
        self,
        *,
        iou_threshold: float = 0.3,
        max_age: int = 1,
        min_hits: int = 3,
        kalman: KalmanBoxFilter | None = None,
        solver: str = "scipy",
    ) -> None:
        self.iou_threshold = check_float(iou_threshold, "iou_threshold", min=0, max=1)
        self.max_age = check_int(max_age, "max_age", min=0)
        self.min_hits = check_int(min_hits, "min_hits", min=1)
        if kalman is not None:
            check_instance(kalman, "kalman", KalmanBoxFilter)
        self.kalman = kalman or KalmanBoxFilter()
        self.solver = check_choice(solver, "solver", ("scipy", "hungarian"))
        self.tracks: list[Track] = []
        self.frame_count = 0
        self._next_id = 1

    def update(self, detections: Any) -> np.ndarray:
        """Process one frame.

        Parameters
        ----------
        detections : (N, 4) array_like, xyxy
            This frame's detections (already filtered by score); ``N = 0`` is fine.

        Returns
        -------
        (K, 5) ndarray of float64
            ``(x1, y1, x2, y2, track_id)`` of the reported tracks (their filtered boxes).
        """
        dets = valid_detections(detections)
        dets_xyah = xyxy_to_xyah(dets)  # once per frame: what the Kalman filter measures
        self.frame_count += 1
        kf = self.kalman
        means, covs = predict_tracks(kf, self.tracks)
        predicted = xyah_to_xyxy(means[:, :4])
        if self.solver == "scipy":
            # The per-frame fast path: one IoU matrix, one gated assignment.
            matches, _, unmatched_dets = linear_assignment(
                1.0 - box_iou(predicted, dets), 1.0 - self.iou_threshold + 1e-12
            )
        else:
            matches, _, unmatched_dets = associate_iou(
                predicted, dets, self.iou_threshold, solver=self.solver
            )
        if len(matches):
            ti, di = matches[:, 0], matches[:, 1]
            new_means, new_covs = kf.update(means[ti], covs[ti], dets_xyah[di])
            for k, i in enumerate(ti):
                t = self.tracks[i]
                t.mean, t.cov = new_means[k], new_covs[k]
                t.time_since_update = 0
                t.hits += 1
                t.hit_streak += 1
        if len(unmatched_dets):
            new_means, new_covs = kf.initiate(dets_xyah[unmatched_dets])
            for m, c in zip(new_means, new_covs, strict=True):
                # A new track counts its first detection as a hit (hits = hit_streak = 1).
                self.tracks.append(Track(self._next_id, m, c))
                self._next_id += 1
        out = []
        alive = []
        for t in self.tracks:
            reported = t.time_since_update == 0 and (
                t.hit_streak >= self.min_hits or self.frame_count <= self.min_hits
            )
            if reported:
                t.state = TrackState.CONFIRMED
                out.append(t)
            if t.time_since_update > self.max_age:
                t.state = TrackState.DELETED
            else:
                alive.append(t)
        self.tracks = alive
        if not out:
            return np.zeros((0, 5))
        boxes = xyah_to_xyxy(np.stack([t.mean[:4] for t in out]))
        return np.concatenate([boxes, np.array([[t.track_id] for t in out], float)], axis=1)
