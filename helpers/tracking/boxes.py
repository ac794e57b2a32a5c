"""The Kalman filter's box format, ``xyah``, and its converters.

Boxes are ``xyxy`` everywhere in the course (see :mod:`helpers.boxes`, whose IoU and
``(x, y, w, h)`` converters the trackers reuse: MOTChallenge's ``(left, top, width, height)`` is
:func:`helpers.boxes.xyxy_to_xywh`). Only the Kalman filter works in

* ``xyah``: ``(cx, cy, a, h)`` centre, aspect ratio ``a = w / h`` and height (Wojke et al. 2017):
  for a walking person, aspect and height change slowly, so a constant-velocity model fits them.

Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_boxes

__all__ = ["xyah_to_xyxy", "xyxy_to_xyah"]


def xyxy_to_xyah(boxes: Any) -> np.ndarray:
    """Corners to (centre x, centre y, aspect w/h, height).

    Parameters
    ----------
    boxes : (N, 4) array_like, xyxy

    Returns
    -------
    (N, 4) ndarray of float64, xyah. A zero-height box gets aspect 0.

    Examples
    --------
    >>> xyxy_to_xyah([[10, 20, 30, 60]])
    array([[20. , 40. ,  0.5, 40. ]])
    """
    return _xyxy_to_xyah(check_boxes(boxes).astype(np.float64))


def xyah_to_xyxy(boxes: Any) -> np.ndarray:
    """(centre x, centre y, aspect w/h, height) to corners; the inverse of :func:`xyxy_to_xyah`.

    Examples
    --------
    >>> xyah_to_xyxy([[20, 40, 0.5, 40]])
    array([[10., 20., 30., 60.]])
    """
    return _xyah_to_xyxy(check_boxes(boxes, fmt="xyah").astype(np.float64))


def _xyxy_to_xyah(b: np.ndarray) -> np.ndarray:
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    a = np.divide(w, h, out=np.zeros_like(w), where=h > 0)
    return np.stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2, a, h], axis=1)


def _xyah_to_xyxy(b: np.ndarray) -> np.ndarray:
    w = b[:, 2] * b[:, 3]
    return np.stack(
        [b[:, 0] - w / 2, b[:, 1] - b[:, 3] / 2, b[:, 0] + w / 2, b[:, 1] + b[:, 3] / 2], axis=1
    )

