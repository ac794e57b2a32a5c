"""SORT: Simple Online and Realtime Tracking (Bewley et al. 2016).

Every frame: predict each track's box with its Kalman filter, match predictions to detections
by optimal assignment on ``1 - IoU``, reject matches with IoU below ``iou_threshold``, update the
matched tracks, start a track for every unmatched detection, and delete tracks not matched for
more than ``max_age`` frames. A track is reported in a frame where it was matched, once it has
been matched ``min_hits`` frames in a row after its birth (or during the first ``min_hits``
frames of the sequence).

This is the paper's tracker and its reference code's rules: the 7-number state
``(u, v, s, r, u', v', s')`` with fixed noise (:class:`~helpers.tracking.kalman.SortKalmanFilter`),
the birth detection not counted as a hit, reported boxes from the updated state. Passing
``kalman=KalmanBoxFilter()`` runs the same tracker on Deep SORT's filter instead (chapter 21
compares the two).

Used in chapters/20_sort.ipynb (and as the baseline in chapters/21_deep_sort.ipynb).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_boxes, check_choice, check_float, check_instance, check_int
from .association import associate_iou
from .kalman import KalmanBoxFilter, SortKalmanFilter
from .track import MAX_TRACK_FRAMES, Track, TrackState, predict_tracks, update_tracks

__all__ = ["MAX_DETECTIONS", "SortTracker", "tracks_to_output", "valid_detections"]

#: Most detections one frame may hold (a detector's output after NMS is tens to hundreds).
MAX_DETECTIONS = 10_000


def valid_detections(detections: Any, name: str = "detections") -> np.ndarray:
    """Validate a frame's detections (N, 4) xyxy; drop zero-width or zero-height boxes.

    ``N = 0`` (an empty frame) is fine; at most :data:`MAX_DETECTIONS`. A box with no area
    carries no shape for the Kalman filter, so it is dropped rather than started as a track
    (documented, tested behaviour).

    Examples
    --------
    >>> valid_detections([[0, 0, 10, 20], [5, 5, 5, 9]]).tolist()
    [[0.0, 0.0, 10.0, 20.0]]
    >>> valid_detections(np.zeros((0, 4))).shape
    (0, 4)
    """
    from .._validation import check_str

    boxes = check_boxes(detections, check_str(name, "name")).astype(np.float64)
    if len(boxes) > MAX_DETECTIONS:
        raise ValueError(f"{name} must hold at most {MAX_DETECTIONS} boxes per frame; "
                         f"got {len(boxes)} - filter them by score first")
    keep = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    return boxes[keep] if not keep.all() else boxes


def tracks_to_output(kalman: Any, tracks: list[Track]) -> np.ndarray:
    """``(K, 5)`` rows ``(x1, y1, x2, y2, track_id)`` of the given tracks' current boxes.

    Examples
    --------
    >>> kf = SortKalmanFilter()
    >>> tracks_to_output(kf, [Track(4, *kf.initiate([20, 40, 800, 0.5]))]).tolist()
    [[10.0, 20.0, 30.0, 60.0, 4.0]]
    """
    check_instance(kalman, "kalman", (KalmanBoxFilter, SortKalmanFilter),
                   "a KalmanBoxFilter or a SortKalmanFilter")
    if not isinstance(tracks, (list, tuple)):
        raise TypeError(f"tracks must be a list of Track; got {type(tracks).__name__}")
    for i, t in enumerate(tracks):
        check_instance(t, f"tracks[{i}]", Track)
    if not tracks:
        return np.zeros((0, 5))
    boxes = kalman.state_to_box(np.stack([t.mean for t in tracks]))
    return np.concatenate([boxes, np.array([[t.track_id] for t in tracks], float)], axis=1)


class SortTracker:
    """The SORT tracker: Kalman prediction + IoU assignment + a simple life cycle.

    Parameters
    ----------
    iou_threshold : float in [0, 1]
        Minimum IoU between a prediction and a detection to match (paper: 0.3).
    max_age : int in [0, 100000]
        Frames a track survives without a match (paper: 1).
    min_hits : int in [0, 100000]
        Matches in a row after its birth before a track is reported (paper: 3): a track born
        in frame t is reported from frame t + 3 on, with its fourth detection.
    kalman : SortKalmanFilter or KalmanBoxFilter, optional
        The motion model (default: SORT's own, :class:`SortKalmanFilter`).
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
    assignments :math:`X`, then rejects pairs with :math:`\\mathrm{IoU}_{ij} < t`. Tracks follow
    :class:`~helpers.tracking.track.Track`'s ``"sort"`` rules with ``confirm_after = min_hits``:
    a miss ends a track's streak, so after a gap it is reported again only after ``min_hits``
    new matches; a track whose predicted area reaches zero is deleted. IDs are numbered from 1
    by this instance, so a second tracker fed the same detections reports the same IDs. On the
    course's scenes it reports the same tracks as the reference code (chapter 20 measures it).

    References
    ----------
    A. Bewley, Z. Ge, L. Ott, F. Ramos, B. Upcroft, "Simple Online and Realtime Tracking",
    ICIP 2016. Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.

    Examples
    --------
    >>> tracker = SortTracker()
    >>> tracker.update([[10, 10, 30, 60]]).tolist()     # frame 1 <= min_hits: reported at once
    [[10.0, 10.0, 30.0, 60.0, 1.0]]
    >>> out = tracker.update([[12, 10, 32, 60]])
    >>> out[:, 4].tolist()                              # same object, same ID
    [1.0]
    """

    def __init__(
        self,
        *,
        iou_threshold: float = 0.3,
        max_age: int = 1,
        min_hits: int = 3,
        kalman: SortKalmanFilter | KalmanBoxFilter | None = None,
        solver: str = "scipy",
    ) -> None:
        self.iou_threshold = check_float(iou_threshold, "iou_threshold", min=0, max=1)
        self.max_age = check_int(max_age, "max_age", min=0, max=MAX_TRACK_FRAMES)
        self.min_hits = check_int(min_hits, "min_hits", min=0, max=MAX_TRACK_FRAMES)
        if kalman is not None:
            check_instance(kalman, "kalman", (SortKalmanFilter, KalmanBoxFilter),
                           "a SortKalmanFilter or a KalmanBoxFilter")
        self.kalman = SortKalmanFilter() if kalman is None else kalman
        self.solver = check_choice(solver, "solver", ("scipy", "hungarian"))
        self.tracks: list[Track] = []
        self.frame_count = 0
        self._next_id = 1

    def update(self, detections: Any, features: Any = None) -> np.ndarray:
        """Process one frame.

        Parameters
        ----------
        detections : (N, 4) array_like, xyxy
            This frame's detections (already filtered by score); ``N = 0`` is fine. Boxes with
            zero width or height are dropped.
        features : None
            SORT uses no appearance; the argument exists so that every tracker is called the
            same way (``update(detections, features=None)``). Anything but None is refused.

        Returns
        -------
        (K, 5) ndarray of float64
            ``(x1, y1, x2, y2, track_id)`` of the reported tracks (their updated boxes).
        """
        if features is not None:
            raise TypeError("features must be None for SORT (it uses no appearance); got "
                            f"{type(features).__name__} - use DeepSortTracker for appearance")
        dets = valid_detections(detections)
        self.frame_count += 1
        kf = self.kalman
        means, _ = predict_tracks(kf, self.tracks)
        predicted = kf.state_to_box(means)
        alive = ~np.isnan(predicted).any(axis=1)   # a box whose area reached zero: gone
        if not alive.all():
            for t in np.array(self.tracks, dtype=object)[~alive]:
                t.state = TrackState.DELETED
            self.tracks = [t for t, a in zip(self.tracks, alive, strict=True) if a]
            predicted = predicted[alive]
        matches, unmatched_tracks, unmatched_dets = associate_iou(
            predicted, dets, self.iou_threshold, solver=self.solver)
        z = kf.box_to_measurement(dets)
        update_tracks(kf, [self.tracks[i] for i in matches[:, 0]], z[matches[:, 1]])
        for i in unmatched_tracks:
            self.tracks[i].mark_missed()
        if len(unmatched_dets):
            for m, c in zip(*kf.initiate(z[unmatched_dets]), strict=True):
                self.tracks.append(Track(self._next_id, m, c, confirm_after=self.min_hits,
                                         max_age=self.max_age, rules="sort"))
                self._next_id += 1
        reported = [t for t in self.tracks if t.time_since_update == 0
                    and (t.is_confirmed or self.frame_count <= self.min_hits)]
        self.tracks = [t for t in self.tracks if not t.is_deleted]
        return tracks_to_output(kf, reported)
