"""The Kalman filters' box formats, ``xyah`` (Deep SORT) and ``xysr`` (SORT), and converters.

Boxes are ``xyxy`` everywhere in the course (see :mod:`helpers.boxes`, whose IoU and
``(x, y, w, h)`` converters the trackers reuse: MOTChallenge's ``(left, top, width, height)`` is
:func:`helpers.boxes.xyxy_to_xywh`). Only the Kalman filters work in their own formats:

* ``xyah``: ``(cx, cy, a, h)`` centre, aspect ratio ``a = w / h`` and height (Wojke et al. 2017):
  for a walking person, aspect and height change slowly, so a constant-velocity model fits them;
* ``xysr``: ``(cx, cy, s, r)`` centre, area ``s = w h`` and aspect ratio ``r = w / h``
  (Bewley et al. 2016, SORT): the area grows and shrinks as an object comes nearer or goes away.

Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_boxes

__all__ = ["xyah_to_xyxy", "xysr_to_xyxy", "xyxy_to_xyah", "xyxy_to_xysr"]


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
    b = check_boxes(boxes).astype(np.float64)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    a = np.divide(w, h, out=np.zeros_like(w), where=h > 0)
    return np.stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2, a, h], axis=1)


def xyah_to_xyxy(boxes: Any) -> np.ndarray:
    """(centre x, centre y, aspect w/h, height) to corners; the inverse of :func:`xyxy_to_xyah`.

    Examples
    --------
    >>> xyah_to_xyxy([[20, 40, 0.5, 40]])
    array([[10., 20., 30., 60.]])
    """
    b = check_boxes(boxes, fmt="xyah").astype(np.float64)
    w = b[:, 2] * b[:, 3]
    return np.stack(
        [b[:, 0] - w / 2, b[:, 1] - b[:, 3] / 2, b[:, 0] + w / 2, b[:, 1] + b[:, 3] / 2], axis=1
    )


def xyxy_to_xysr(boxes: Any) -> np.ndarray:
    """Corners to (centre x, centre y, area w*h, aspect w/h), SORT's measurement.

    Parameters
    ----------
    boxes : (N, 4) array_like, xyxy

    Returns
    -------
    (N, 4) ndarray of float64, xysr. A zero-height box gets aspect 0.

    Examples
    --------
    >>> xyxy_to_xysr([[10, 20, 30, 60]]).tolist()
    [[20.0, 40.0, 800.0, 0.5]]
    """
    b = check_boxes(boxes).astype(np.float64)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    r = np.divide(w, h, out=np.zeros_like(w), where=h > 0)
    return np.stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2, w * h, r], axis=1)


def xysr_to_xyxy(boxes: Any) -> np.ndarray:
    """(centre x, centre y, area, aspect) to corners; the inverse of :func:`xyxy_to_xysr`.

    Notes
    -----
    :math:`w = \\sqrt{s r}` and :math:`h = \\sqrt{s / r}` (so :math:`w h = s`, :math:`w / h = r`);
    an aspect of 0 gives a zero-size box.

    Examples
    --------
    >>> xysr_to_xyxy([[20, 40, 800, 0.5]])
    array([[10., 20., 30., 60.]])
    """
    b = check_boxes(boxes, fmt="xysr").astype(np.float64)
    w = np.sqrt(b[:, 2] * b[:, 3])
    h = np.sqrt(np.divide(b[:, 2], b[:, 3], out=np.zeros_like(w), where=b[:, 3] > 0))
    return np.stack(
        [b[:, 0] - w / 2, b[:, 1] - h / 2, b[:, 0] + w / 2, b[:, 1] + h / 2], axis=1
    )
