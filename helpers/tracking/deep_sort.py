"""Deep SORT: SORT with a deep association metric (Wojke, Bewley, Paulus 2017).

What changes from SORT:

1. **Appearance.** Each detection comes with a 128-d appearance feature; each confirmed track
   keeps a gallery of its recent features (:class:`~helpers.tracking.gallery.FeatureGallery`).
   The cost of a (track, detection) pair is the smallest cosine distance to the gallery.
2. **Gating.** Pairs whose squared Mahalanobis distance (from the Kalman filter) exceeds
   9.4877 are forbidden, so appearance only chooses among places the object could be.
3. **Matching cascade.** Confirmed tracks are matched level by level by time since their last
   update (1 frame first), so a long-lost track with a wide gate cannot steal a detection.
4. **IoU round.** Tentative tracks, and tracks lost for just one frame, then get SORT's IoU
   matching on what is left (``max_iou_distance = 0.7``, i.e. IoU >= 0.3).
5. **Life cycle.** A track is tentative until it has ``n_init`` detections in a row, the birth
   one included (deleted at its first miss), then confirmed until ``max_age`` frames without a
   match (:class:`~helpers.tracking.track.Track`'s ``"deep_sort"`` rules). So an object hidden
   behind a pillar for 20 frames keeps its track (and its ID), which SORT with ``max_age = 1``
   cannot do. Confirmed tracks are reported while they were matched in this frame or the one
   before (``max_report_gap = 1``, as the reference application does).

``use_appearance=False`` is the ablation: the cost becomes the gated Mahalanobis distance itself
(the paper's :math:`\\lambda = 1`), everything else unchanged.

Used in chapters/21_deep_sort.ipynb.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import as_array, check_bool, check_float, check_instance, check_int
from .assignment import linear_assignment
from .association import INFTY_COST, gate_cost_matrix, iou_cost, matching_cascade
from .gallery import MAX_BUDGET, FeatureGallery
from .kalman import GATING_THRESHOLD, KalmanBoxFilter
from .sort import tracks_to_output, valid_detections
from .track import MAX_TRACK_FRAMES, Track, predict_tracks, update_tracks

__all__ = ["DeepSortTracker", "MAX_FEATURE_DIM"]

#: Longest appearance feature accepted (the course's net gives 128).
MAX_FEATURE_DIM = 4096


class DeepSortTracker:
    """The Deep SORT tracker.

    Parameters
    ----------
    max_cosine_distance : float in [0, 2]
        Appearance gate: pairs farther apart are not matched in the cascade (paper code: 0.2).
    nn_budget : int in [1, 100000]
        Gallery size per track (paper: 100).
    max_iou_distance : float in [0, 1]
        The IoU round's gate on ``1 - IoU`` (0.7, i.e. IoU >= 0.3).
    max_age : int in [1, 100000]
        Frames a confirmed track survives without a match (paper: 30); also the cascade depth.
    n_init : int in [1, 100000]
        Detections in a row, the birth one included, that confirm a tentative track (paper: 3).
        As in the reference code a track is confirmed only when it is matched, so ``n_init=1``
        confirms at the second detection, like ``n_init=2``.
    use_appearance : bool
        False for the motion-only ablation.
    gate : float > 0
        Chi-square gate on the squared Mahalanobis distance (9.4877: 95 %, 4 dof).
    max_report_gap : int in [0, max_age]
        Confirmed tracks are reported while ``time_since_update <= max_report_gap``: 1 (the
        reference application) also reports a track missed in this frame, at its predicted
        box; 0 reports only tracks matched in this frame.
    kalman : KalmanBoxFilter, optional
        Deep SORT's filter (default settings unless given).

    Notes
    -----
    With appearance the cascade's cost is

    .. math::
        c_{ij} = \\begin{cases} \\min_{r \\in R_i} (1 - r^\\top f_j) &
        \\text{if } d^{(1)}(i, j) \\le 9.4877 \\\\ \\infty & \\text{otherwise} \\end{cases}

    (the paper's :math:`\\lambda = 0`), accepted when :math:`c_{ij} \\le` ``max_cosine_distance``.
    Without appearance it is the gated :math:`d^{(1)}(i, j)` itself, accepted up to the gate.
    On the course's scenes the tracker reports the same tracks as the reference code
    (chapter 21 measures it).

    References
    ----------
    N. Wojke, A. Bewley, D. Paulus, "Simple Online and Realtime Tracking with a Deep Association
    Metric", ICIP 2017. Used in chapters/21_deep_sort.ipynb.

    Examples
    --------
    >>> tracker = DeepSortTracker(n_init=2)
    >>> f = np.array([[1.0, 0.0]])
    >>> tracker.update([[10, 10, 30, 60]], f).shape               # born: tentative, not shown
    (0, 5)
    >>> tracker.update([[11, 10, 31, 60]], f)[:, 4].tolist()      # second detection: confirmed
    [1.0]
    >>> tracker.update(np.zeros((0, 4)), np.zeros((0, 2)))[:, 4].tolist()  # missed: predicted
    [1.0]
    """

    def __init__(
        self,
        *,
        max_cosine_distance: float = 0.2,
        nn_budget: int = 100,
        max_iou_distance: float = 0.7,
        max_age: int = 30,
        n_init: int = 3,
        use_appearance: bool = True,
        gate: float = GATING_THRESHOLD,
        max_report_gap: int = 1,
        kalman: KalmanBoxFilter | None = None,
    ) -> None:
        self.max_cosine_distance = check_float(max_cosine_distance, "max_cosine_distance",
                                               min=0, max=2)
        nn_budget = check_int(nn_budget, "nn_budget", min=1, max=MAX_BUDGET)
        self.max_iou_distance = check_float(max_iou_distance, "max_iou_distance", min=0, max=1)
        self.max_age = check_int(max_age, "max_age", min=1, max=MAX_TRACK_FRAMES)
        self.n_init = check_int(n_init, "n_init", min=1, max=MAX_TRACK_FRAMES)
        self.use_appearance = check_bool(use_appearance, "use_appearance")
        self.gate = check_float(gate, "gate", min=0, max=1e6, min_inclusive=False)
        self.max_report_gap = check_int(max_report_gap, "max_report_gap", min=0,
                                        max=self.max_age)
        if kalman is not None:
            check_instance(kalman, "kalman", KalmanBoxFilter,
                           "a KalmanBoxFilter (Deep SORT gates with its xyah covariance)")
        self.kalman = KalmanBoxFilter() if kalman is None else kalman
        self.gallery = FeatureGallery(nn_budget)
        self.tracks: list[Track] = []
        self.frame_count = 0
        self._next_id = 1

    @property
    def nn_budget(self) -> int:
        return self.gallery.budget

    # -- costs ------------------------------------------------------------------------------
    def _states(self, idx):
        return (np.stack([self.tracks[i].mean for i in idx]),
                np.stack([self.tracks[i].cov for i in idx]))

    def _appearance_cost(self, dets_xyah, features):
        def cost_fn(track_idx: np.ndarray, det_idx: np.ndarray) -> np.ndarray:
            ids = [self.tracks[i].track_id for i in track_idx]
            cost = self.gallery.distance(features[det_idx], ids)
            return gate_cost_matrix(cost, self.kalman, *self._states(track_idx),
                                    dets_xyah[det_idx], gate=self.gate)
        return cost_fn

    def _motion_cost(self, dets_xyah):
        def cost_fn(track_idx: np.ndarray, det_idx: np.ndarray) -> np.ndarray:
            cost = self.kalman.gating_distance(*self._states(track_idx), dets_xyah[det_idx])
            cost[cost > self.gate] = INFTY_COST
            return cost
        return cost_fn

    def _check_features(self, features: Any, n: int) -> np.ndarray:
        if features is None:
            if self.use_appearance:
                raise ValueError("features are required when use_appearance=True; "
                                 "compute them with helpers.tracking.embedding.embed()")
            return np.zeros((n, 1))
        features = as_array(features, "features", ndim=2, kinds="iuf", allow_empty=True,
                            shape_hint="(N, D)").astype(np.float64)
        if features.shape[0] != n:
            raise ValueError(f"features must have one row per row of detections ({n}); "
                             f"got shape {features.shape}")
        if not 1 <= features.shape[1] <= MAX_FEATURE_DIM:
            raise ValueError(f"features must have between 1 and {MAX_FEATURE_DIM} numbers per "
                             f"detection; got shape {features.shape}")
        if self.use_appearance and n and (np.linalg.norm(features, axis=1) == 0).any():
            raise ValueError("features must not contain all-zero rows (a direction is needed "
                             "for the cosine distance)")
        return features

    # -- one frame ----------------------------------------------------------------------------
    def update(self, detections: Any, features: Any = None) -> np.ndarray:
        """Process one frame.

        Parameters
        ----------
        detections : (N, 4) array_like, xyxy
            This frame's detections (filtered by score); ``N = 0`` is fine. Boxes with zero
            width or height are dropped (with their features).
        features : (N, D) array_like, optional
            Appearance features of the detections (required when ``use_appearance``; ignored
            without it).

        Returns
        -------
        (K, 5) ndarray of float64
            ``(x1, y1, x2, y2, track_id)`` of the confirmed tracks with
            ``time_since_update <= max_report_gap``.
        """
        raw = as_array(detections, "detections", ndim=2, kinds="iuf", allow_empty=True,
                       shape_hint="(N, 4)")
        features = self._check_features(features, len(raw))
        dets = valid_detections(raw)
        if len(dets) != len(raw):  # keep each feature with its box
            b = raw.astype(np.float64)
            features = features[(b[:, 2] > b[:, 0]) & (b[:, 3] > b[:, 1])]
        kf = self.kalman
        dets_xyah = kf.box_to_measurement(dets)
        self.frame_count += 1
        predict_tracks(kf, self.tracks)

        # 1. Matching cascade over confirmed tracks.
        confirmed = [i for i, t in enumerate(self.tracks) if t.is_confirmed]
        unconfirmed = [i for i, t in enumerate(self.tracks) if not t.is_confirmed]
        tsu = np.array([t.time_since_update for t in self.tracks], np.int64)
        if self.use_appearance:
            cost_fn, max_cost = self._appearance_cost(dets_xyah, features), self.max_cosine_distance
        else:
            cost_fn, max_cost = self._motion_cost(dets_xyah), self.gate
        matches_a, unmatched_a, unmatched_dets = matching_cascade(
            cost_fn, max_cost, tsu, confirmed, np.arange(len(dets)), cascade_depth=self.max_age
        )
        # 2. IoU round: tentative tracks and those lost for just this frame.
        candidates = unconfirmed + [int(i) for i in unmatched_a if tsu[i] == 1]
        unmatched_a = [int(i) for i in unmatched_a if tsu[i] != 1]
        matches_b = np.zeros((0, 2), np.int64)
        unmatched_b: list[int] = list(candidates)
        if candidates and len(unmatched_dets):
            pred = kf.state_to_box(np.stack([self.tracks[i].mean for i in candidates]))
            m, ut, ud = linear_assignment(iou_cost(pred, dets[unmatched_dets]),
                                          self.max_iou_distance)
            if len(m):
                matches_b = np.stack([np.array(candidates)[m[:, 0]], unmatched_dets[m[:, 1]]], 1)
            unmatched_b = [candidates[i] for i in ut]
            unmatched_dets = unmatched_dets[ud]
        matches = np.concatenate([matches_a, matches_b]).astype(np.int64)

        # 3. Updates, misses, births: the life cycle of helpers.tracking.track.
        update_tracks(kf, [self.tracks[i] for i in matches[:, 0]], dets_xyah[matches[:, 1]],
                      features[matches[:, 1]])
        for i in unmatched_a + unmatched_b:
            self.tracks[i].mark_missed()
        if len(unmatched_dets):
            means, covs = kf.initiate(dets_xyah[unmatched_dets])
            for di, m, c in zip(unmatched_dets, means, covs, strict=True):
                self.tracks.append(Track(self._next_id, m, c,
                                         confirm_after=max(self.n_init - 1, 1),
                                         max_age=self.max_age, rules="deep_sort",
                                         feature=features[di]))
                self._next_id += 1
        self.tracks = [t for t in self.tracks if not t.is_deleted]

        # 4. Galleries: add this frame's features of confirmed tracks.
        if self.use_appearance:
            feats, targets = [], []
            for t in self.tracks:
                if t.is_confirmed:  # tentative tracks keep theirs until confirmed
                    feats += t.features
                    targets += [t.track_id] * len(t.features)
                    t.features = []
            self.gallery.partial_fit(np.array(feats).reshape(len(feats), features.shape[1]),
                                     np.array(targets, np.int64),
                                     [t.track_id for t in self.tracks if t.is_confirmed])
        else:
            for t in self.tracks:
                t.features = []

        reported = [t for t in self.tracks
                    if t.is_confirmed and t.time_since_update <= self.max_report_gap]
        return tracks_to_output(kf, reported)
