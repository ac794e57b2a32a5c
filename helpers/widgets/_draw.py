"""Drawing shared by the explorers: fast outlines for matplotlib collections.

Private to :mod:`helpers.widgets` (the chapters draw with :mod:`helpers.plots`); the names here
are public so that every explorer module can use them without reaching into a sibling's
private names.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import as_array

__all__ = ["box_segments", "covariance_ellipse"]


def box_segments(boxes: Any) -> np.ndarray:
    """(N, 4) xyxy boxes -> (N, 5, 2) closed outlines for one ``LineCollection`` (fast).

    A single box may be given as ``(4,)``. Values are not checked for ``x1 <= x2``: an
    explorer draws whatever a slider produced.

    Examples
    --------
    >>> box_segments([0, 0, 2, 1])[0].tolist()
    [[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    """
    b = as_array(boxes, "boxes", ndim=(1, 2), allow_empty=True, shape_hint="(N, 4)")
    x1, y1, x2, y2 = b.astype(float).reshape(-1, 4).T
    return np.stack([np.stack([x1, y1], 1), np.stack([x2, y1], 1), np.stack([x2, y2], 1),
                     np.stack([x1, y2], 1), np.stack([x1, y1], 1)], axis=1)


def covariance_ellipse(mean_xy: Any, cov_xy: Any, k: float = 2.0) -> np.ndarray:
    """Points of the ``k``-sigma ellipse of a 2-D Gaussian (for drawing), shape (41, 2).

    Examples
    --------
    >>> pts = covariance_ellipse([0.0, 0.0], np.diag([4.0, 1.0]), k=1.0)
    >>> np.abs(pts).max(axis=0).round(6).tolist()        # semi-axes: 2 and 1
    [2.0, 1.0]
    """
    mean_xy = as_array(mean_xy, "mean_xy", ndim=1)
    vals, vecs = np.linalg.eigh(as_array(cov_xy, "cov_xy", ndim=2))
    angle = np.linspace(0, 2 * np.pi, 41)
    circle = np.stack([np.cos(angle), np.sin(angle)], 1)
    return mean_xy + k * (circle * np.sqrt(np.maximum(vals, 0))) @ vecs.T
