"""Data association: cost matrices between tracks and detections, gates, the matching cascade.

* SORT: cost ``1 - IoU`` between each track's predicted box and each detection, one
  assignment, pairs below ``iou_threshold`` rejected (:func:`iou_cost`, :func:`associate_iou`).
* Deep SORT: a cost (appearance cosine distance, or the Mahalanobis distance itself when
  appearance is switched off) set to infinity wherever the squared Mahalanobis distance exceeds
  the chi-square gate (:func:`gate_cost_matrix`), solved level by level, most recently seen
  tracks first (:func:`matching_cascade`); then an IoU round for the leftovers.

Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._validation import (
    as_array,
    check_boxes,
    check_callable,
    check_float,
    check_instance,
    check_int,
    describe,
)
from ..boxes import box_iou
from .assignment import linear_assignment
from .kalman import GATING_THRESHOLD, KalmanBoxFilter

__all__ = [
    "INFTY_COST",
    "MAX_TIME_SINCE_UPDATE",
    "associate_iou",
    "gate_cost_matrix",
    "iou_cost",
    "matching_cascade",
]

#: Cost given to forbidden pairs (anything above every gate works; deep_sort uses 1e5).
INFTY_COST = 1e5
#: Most tracks or detections one association step accepts.
MAX_BOXES = 10_000
#: Largest frames-since-last-match count :func:`matching_cascade` accepts (about 9 hours at
#: 30 frames per second; a count beyond ``cascade_depth`` is simply never matched).
MAX_TIME_SINCE_UPDATE = 1_000_000


def iou_cost(track_boxes: Any, detection_boxes: Any) -> np.ndarray:
    """``1 - IoU`` between predicted track boxes and detections, shape (N, M), in [0, 1].

    Parameters
    ----------
    track_boxes : (N, 4) array_like, xyxy
        The tracks' predicted boxes.
    detection_boxes : (M, 4) array_like, xyxy

    Examples
    --------
    >>> iou_cost([[0, 0, 2, 2]], [[0, 0, 2, 2], [1, 1, 3, 3]]).round(3)
    array([[0.   , 0.857]])
    """
    return 1.0 - box_iou(_check_frame_boxes(track_boxes, "track_boxes"),
                         _check_frame_boxes(detection_boxes, "detection_boxes"))


def _check_frame_boxes(boxes: Any, name: str) -> np.ndarray:
    boxes = check_boxes(boxes, name)
    if len(boxes) > MAX_BOXES:
        raise ValueError(f"{name} must hold at most {MAX_BOXES} boxes; got {len(boxes)}")
    return boxes


def associate_iou(
    track_boxes: Any, detection_boxes: Any, iou_threshold: float = 0.3, *, solver: str = "scipy"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SORT's association: optimal assignment on ``1 - IoU``, pairs with IoU < threshold dropped.

    Parameters
    ----------
    track_boxes : (N, 4) array_like, xyxy
        The tracks' predicted boxes.
    detection_boxes : (M, 4) array_like, xyxy
    iou_threshold : float in [0, 1]
        SORT's ``IoU_min`` (0.3 in the paper).
    solver : {"scipy", "hungarian"}

    Returns
    -------
    matches : (K, 2) ndarray of int64, (track, detection) pairs
    unmatched_tracks : ndarray of int64
    unmatched_detections : ndarray of int64

    Notes
    -----
    Maximising total IoU = minimising :math:`\\sum (1 - \\mathrm{IoU})`, solved over *all*
    pairs; pairs below the threshold are rejected afterwards (the paper's rule: the threshold
    does not change which assignment is optimal). A pair exactly at the threshold is kept.

    References
    ----------
    A. Bewley, Z. Ge, L. Ott, F. Ramos, B. Upcroft, "Simple Online and Realtime Tracking",
    ICIP 2016. Used in chapters/20_sort.ipynb.

    Examples
    --------
    >>> m, ut, ud = associate_iou([[0, 0, 10, 10], [50, 50, 60, 60]],
    ...                           [[1, 1, 11, 11], [100, 100, 110, 110]])
    >>> m.tolist(), ut.tolist(), ud.tolist()
    ([[0, 0]], [1], [1])
    """
    t = check_float(iou_threshold, "iou_threshold", min=0, max=1)
    iou = 1.0 - iou_cost(track_boxes, detection_boxes)
    matches, _, _ = linear_assignment(1.0 - iou, solver=solver)
    matches = matches[iou[matches[:, 0], matches[:, 1]] >= t]
    free_tracks, free_dets = np.ones(iou.shape[0], bool), np.ones(iou.shape[1], bool)
    free_tracks[matches[:, 0]] = False
    free_dets[matches[:, 1]] = False
    return matches, np.flatnonzero(free_tracks), np.flatnonzero(free_dets)


def gate_cost_matrix(
    cost: Any,
    kalman: KalmanBoxFilter,
    means: Any,
    covs: Any,
    detections_xyah: Any,
    *,
    gate: float = GATING_THRESHOLD,
) -> np.ndarray:
    """Forbid (cost = :data:`INFTY_COST`) every pair whose squared Mahalanobis distance > gate.

    Parameters
    ----------
    cost : (N, M) array_like
        Any cost between N tracks and M detections; ``+inf`` marks a pair already forbidden
        and becomes :data:`INFTY_COST` like the gated ones (NaN and ``-inf`` are refused).
    kalman : KalmanBoxFilter
    means, covs : (N, 8), (N, 8, 8) array_like
        The tracks' predicted states.
    detections_xyah : (M, 4) array_like
    gate : float
        9.4877, the 95 % chi-square quantile for 4 degrees of freedom (Wojke et al. 2017).

    Returns
    -------
    (N, M) ndarray, a gated copy of ``cost``: every forbidden pair holds :data:`INFTY_COST`.

    Notes
    -----
    .. math:: d^{(1)}(i, j) = (d_j - y_i)^\\top S_i^{-1} (d_j - y_i) \\le t^{(1)} = 9.4877

    References
    ----------
    Wojke, Bewley, Paulus, ICIP 2017, eq. (1)-(2). Used in chapters/21_deep_sort.ipynb.

    Examples
    --------
    >>> kf = KalmanBoxFilter()
    >>> m, P = kf.initiate([100, 50, 0.5, 40])
    >>> gate_cost_matrix([[0.1, 0.1]], kf, m[None], P[None],
    ...                  [[101, 50, 0.5, 40], [200, 50, 0.5, 40]])
    array([[1.e-01, 1.e+05]])
    """
    cost = as_array(cost, "cost", ndim=2, kinds="iuf", allow_empty=True, finite=False,
                    shape_hint="(N, M)")
    if np.isnan(cost).any() or (cost == -np.inf).any():
        raise ValueError("cost contains NaN or -inf; use a large finite value or inf for "
                         "forbidden pairs")
    cost = cost.astype(np.float64, copy=True)
    cost[np.isinf(cost)] = INFTY_COST  # one convention for every forbidden pair
    check_instance(kalman, "kalman", KalmanBoxFilter, "a KalmanBoxFilter (Deep SORT's, xyah)")
    means = as_array(means, "means", ndim=2, kinds="iuf", allow_empty=True, shape_hint="(N, 8)")
    covs = as_array(covs, "covs", ndim=3, kinds="iuf", allow_empty=True,
                    shape_hint="(N, 8, 8)")
    dets = as_array(detections_xyah, "detections_xyah", ndim=2, kinds="iuf", allow_empty=True,
                    shape_hint="(M, 4) xyah")
    if means.shape[1:] != (8,) or covs.shape != (len(means), 8, 8):
        raise ValueError(f"means and covs must have shapes (N, 8) and (N, 8, 8); got "
                         f"{means.shape} and {covs.shape}")
    if dets.shape[1:] != (4,):
        raise ValueError(f"detections_xyah must have shape (M, 4); got {dets.shape}")
    if max(len(means), len(dets)) > MAX_BOXES:
        raise ValueError(f"means and detections_xyah must hold at most {MAX_BOXES} rows; got "
                         f"{len(means)} and {len(dets)}")
    if cost.shape != (len(means), len(dets)):
        raise ValueError(
            f"cost must have shape (len(means), len(detections_xyah)) = ({len(means)}, "
            f"{len(dets)}); got {cost.shape}"
        )
    gate = check_float(gate, "gate", min=0, max=1e6, min_inclusive=False)
    if cost.size:
        d2 = kalman.gating_distance(means, covs, dets)  # (N, M), all tracks at once
        cost[d2 > gate] = INFTY_COST
    return cost


def _check_indices(indices: Any, name: str, n: int) -> list[int]:
    if isinstance(indices, (str, bytes)):
        raise TypeError(f"{name} must be a sequence of integer indices; got {describe(indices)}")
    if isinstance(indices, (list, tuple, range)) and len(indices) == 0:
        return []
    arr = as_array(indices, name, ndim=1, kinds="iu", allow_empty=True, shape_hint="(n,)")
    if len(arr) and (arr.min() < 0 or arr.max() >= n):
        raise ValueError(f"{name} must be indices in [0, {n - 1}]; got {arr.tolist()[:10]}")
    if len(np.unique(arr)) != len(arr):
        raise ValueError(f"{name} must not repeat an index; got {arr.tolist()[:10]}")
    return [int(i) for i in arr]


def matching_cascade(
    cost_fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
    max_cost: float,
    time_since_update: Any,
    track_indices: Sequence[int],
    detection_indices: Sequence[int],
    *,
    cascade_depth: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Deep SORT's matching cascade: tracks seen 1 frame ago choose first, then 2 frames ago, ...

    Parameters
    ----------
    cost_fn : callable (track_indices, detection_indices) -> (n, m) cost
        Gated cost between the given tracks and detections.
    max_cost : float
        Pairs costing more are not matched (``max_cosine_distance`` for appearance).
    time_since_update : (T,) array_like of int in [0, 1000000]
        For every track of the tracker (indexed by ``track_indices``), frames since its last
        match, counted after this frame's predict (so 1 = matched last frame). A track whose
        count exceeds ``cascade_depth`` is never matched here.
    track_indices : sequence of int in [0, T)
        The candidate tracks (no repeats).
    detection_indices : sequence of int >= 0
        The candidate detections (no repeats).
    cascade_depth : int in [1, 10000]
        Levels to run (``max_age``).

    Returns
    -------
    matches : (K, 2) ndarray of int64, (track index, detection index)
    unmatched_tracks, unmatched_detections : ndarrays of int64

    Notes
    -----
    A track that has been missed for a long time has a wide covariance, so its Mahalanobis gate
    accepts far more detections; in a single global assignment it could steal a detection from a
    track seen a frame ago. The cascade gives priority to the more frequently seen track
    (Wojke et al. 2017, Listing 1).

    Examples
    --------
    >>> cost = np.array([[0.1, 0.9], [0.05, 0.9]])
    >>> fn = lambda t, d: cost[np.ix_(t, d)]
    >>> m, ut, ud = matching_cascade(fn, 0.5, [1, 5], [0, 1], [0, 1], cascade_depth=30)
    >>> m.tolist(), ut.tolist(), ud.tolist()   # track 0 (seen last frame) gets detection 0
    ([[0, 0]], [1], [1])
    """
    check_callable(cost_fn, "cost_fn", "a function cost_fn(track_indices, detection_indices) "
                   "-> (n, m) cost")
    max_cost = check_float(max_cost, "max_cost", min=-1e12, max=1e12)
    depth = check_int(cascade_depth, "cascade_depth", min=1, max=MAX_BOXES)
    tsu = as_array(time_since_update, "time_since_update", ndim=1, kinds="iu", allow_empty=True,
                   shape_hint="(T,)")
    if len(tsu) and (tsu.min() < 0 or tsu.max() > MAX_TIME_SINCE_UPDATE):
        raise ValueError(f"time_since_update must hold frame counts in [0, "
                         f"{MAX_TIME_SINCE_UPDATE}]; got min {tsu.min()}, max {tsu.max()}")
    tracks = _check_indices(track_indices, "track_indices", len(tsu))
    unmatched = _check_indices(detection_indices, "detection_indices", MAX_BOXES)
    matches: list[tuple[int, int]] = []
    for level in range(depth):
        if not unmatched:
            break
        level_tracks = [t for t in tracks if tsu[t] == 1 + level]
        if not level_tracks:
            continue
        cost = cost_fn(np.array(level_tracks), np.array(unmatched))
        m, _, _ = linear_assignment(cost, max_cost)
        matches += [(level_tracks[i], unmatched[j]) for i, j in m]
        taken = {unmatched[j] for j in m[:, 1]}
        unmatched = [d for d in unmatched if d not in taken]
    matched_tracks = {t for t, _ in matches}
    unmatched_tracks = [t for t in tracks if t not in matched_tracks]
    return (
        np.array(matches, np.int64).reshape(-1, 2),
        np.array(unmatched_tracks, np.int64),
        np.array(unmatched, np.int64),
    )
