"""Running a tracker over a whole sequence of detections (and timing it).

Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb, and by the benchmark.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .._validation import check_float, check_instance
from .deep_sort import DeepSortTracker
from .detector import Detections
from .sort import SortTracker

__all__ = ["track_sequence"]


def track_sequence(
    tracker: SortTracker | DeepSortTracker,
    detections: Detections,
    *,
    min_score: float = 0.3,
    features: list[np.ndarray] | None = None,
) -> tuple[list[np.ndarray], float]:
    """Feed every frame's detections (score >= ``min_score``) to ``tracker``.

    Parameters
    ----------
    tracker : SortTracker or DeepSortTracker
        A fresh tracker (its state is changed).
    detections : Detections
    min_score : float
        Detector confidence threshold (the same for every tracker in the benchmark).
    features : list of (n_t, D) ndarray, optional
        Appearance features per frame, aligned with ``detections.at(t, min_score)`` (see
        :func:`helpers.tracking.embedding.sequence_features`); needed by Deep SORT with
        appearance.

    Returns
    -------
    outputs : list of (K_t, 5) ndarray
        ``(x1, y1, x2, y2, track_id)`` per frame.
    seconds : float
        Time spent inside ``tracker.update`` (wall clock).

    Examples
    --------
    >>> from helpers.tracking.scene import make_scene
    >>> from helpers.tracking.detector import simulate_detections
    >>> scene = make_scene(0, n_frames=10)
    >>> out, sec = track_sequence(SortTracker(), simulate_detections(scene))
    >>> len(out)
    10
    """
    check_instance(tracker, "tracker", (SortTracker, DeepSortTracker))
    check_instance(detections, "detections", Detections, "Detections from simulate_detections()")
    min_score = check_float(min_score, "min_score", min=0, max=1)
    needs_features = isinstance(tracker, DeepSortTracker) and tracker.use_appearance
    if features is not None and (isinstance(features, (str, bytes, np.ndarray))
                                 or not isinstance(features, (list, tuple))):
        raise TypeError("features must be a list with one (n_t, D) array per frame; "
                        f"got {type(features).__name__}")
    if needs_features and (features is None or len(features) != detections.n_frames):
        raise ValueError("features must be a list with one (n_t, D) array per frame for Deep SORT "
                         "with appearance; compute them with sequence_features()")
    outputs: list[Any] = []
    seconds = 0.0
    for t in range(detections.n_frames):
        boxes, _ = detections.at(t, min_score)
        start = time.perf_counter()
        out = tracker.update(boxes, features[t] if needs_features else None)
        seconds += time.perf_counter() - start
        outputs.append(out)
    return outputs, seconds
