"""Corners, blobs and local features: what makes a point worth tracking or matching.

Used in chapters/05_corners.ipynb (and the integral image in chapters/15_faces.ipynb).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import check_image

__all__ = ["integral_image"]


def integral_image(image: Any) -> np.ndarray:
    """Summed-area table: ``S[y, x]`` = sum of ``image[:y, :x]``, with a zero first row and column.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image (uint8, bool, integer or float).

    Returns
    -------
    (H + 1, W + 1) ndarray
        int64 for bool and integer images (exact), float64 for float images. The extra zero row
        and column make every box sum four look-ups with no special case at the border, as in
        ``cv2.integral`` (whose output this equals).

    Notes
    -----
    :math:`S(y, x) = \\sum_{y' < y,\\, x' < x} I(y', x')`, built by two cumulative sums. The sum
    over rows ``y0:y1`` and columns ``x0:x1`` is then
    :math:`S(y_1, x_1) - S(y_0, x_1) - S(y_1, x_0) + S(y_0, x_0)`, in constant time whatever
    the box's size: the trick behind Viola-Jones' Haar features and SURF's box filters.

    References
    ----------
    F. Crow, "Summed-area tables for texture mapping", SIGGRAPH 1984. P. Viola, M. Jones, "Rapid
    object detection using a boosted cascade of simple features", CVPR 2001. Used in
    chapters/05_corners.ipynb and chapters/15_faces.ipynb.

    Examples
    --------
    >>> integral_image(np.array([[1, 2], [3, 4]]))
    array([[ 0,  0,  0],
           [ 0,  1,  3],
           [ 0,  4, 10]])
    """
    image = check_image(image, ndim=2, fix="convert with helpers.color.to_gray() first")
    dtype = np.float64 if image.dtype.kind == "f" else np.int64
    out = np.zeros((image.shape[0] + 1, image.shape[1] + 1), dtype)
    np.cumsum(np.cumsum(image, axis=0, dtype=dtype), axis=1, out=out[1:, 1:])
    return out
