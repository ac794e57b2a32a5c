"""Edges: image gradients (Sobel, Prewitt) and the Canny detector, one stage per function.

Used in chapters/03_edges.ipynb.

An edge is where intensity changes quickly, so edge detectors start from the image's two partial
derivatives, estimated by small correlation kernels (:func:`derivative_kernels`). Conventions,
the same as OpenCV's ``cv2.Sobel``:

* ``gx`` is the derivative along columns (x, to the right), ``gy`` along rows (y, *downwards*):
  ``gx > 0`` where the image gets brighter to the right, ``gy > 0`` where it gets brighter
  downwards. Because y points down, a direction ``atan2(gy, gx)`` of +90 degrees points down
  the screen (angles turn clockwise on screen).
* The kernels are applied by correlation (as :func:`helpers.filters.correlate2d`, no flip;
  computed separably, smoothing then one difference), with OpenCV's default border
  ``"reflect101"``; scale 1 (the Sobel x-kernel's weights sum to 8 in absolute value, so a
  step of height ``h`` gives ``gx = 4 h``).
* Other libraries differ in scale, names and border, not in sign (checked in
  tests/test_edges.py): ``skimage.filters.sobel_v`` is ``gx / 4`` and ``sobel_h`` is ``gy / 4``
  with border ``"reflect"`` (skimage names the *edge* orientation: a vertical edge is a change
  along x; its docstring prints the kernel flipped, ``[1, 0, -1]``, because it convolves), and
  ``skimage.filters.sobel`` is ``hypot(gx, gy) / (4 * sqrt(2))``.
  ``scipy.ndimage.sobel(image, axis=1)`` is our ``gx`` where scipy's ``mode="mirror"`` is our
  ``"reflect101"`` (scipy's default ``"reflect"`` is our ``"reflect"``).

Canny's stages, each a function so that each can be looked at: smoothing
(:func:`helpers.filters.gaussian_blur`), gradient (:func:`sobel`, :func:`gradient_magnitude`),
thinning (:func:`non_max_suppression`), :func:`double_threshold` and :func:`hysteresis`;
:func:`canny` chains them and :func:`canny_stages` keeps every intermediate result. They follow
``cv2.Canny``'s conventions so that the two agree pixel for pixel on the same input (see
:func:`canny`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._validation import (
    as_array,
    check_bool,
    check_choice,
    check_float,
    check_image,
    check_instance,
    check_int,
)
from .filters import BORDERS, gaussian_blur, pad

__all__ = [
    "CANNY_STAGE_NAMES",
    "MAX_BLUR_SIZE",
    "CannyStages",
    "EdgeAgreement",
    "canny",
    "canny_opencv",
    "canny_stage_times",
    "canny_stages",
    "derivative_kernels",
    "direction_sector",
    "double_threshold",
    "edge_agreement",
    "gradient_direction",
    "gradient_magnitude",
    "hysteresis",
    "hysteresis_naive",
    "non_max_suppression",
    "non_max_suppression_naive",
    "prewitt",
    "sobel",
]

# tan(22.5 deg) and tan(67.5 deg): the boundaries of Canny's four direction sectors.
# Python floats, not np.float64: they keep float32 arithmetic in float32 (NEP 50).
_TAN_22_5 = float(np.tan(np.pi / 8))  # sqrt(2) - 1
_TAN_67_5 = float(np.tan(3 * np.pi / 8))  # sqrt(2) + 1

#: Direction sector -> the (dy, dx) offset of the neighbour *along* the gradient; NMS compares a
#: pixel with the neighbours at +offset and -offset.
_SECTOR_OFFSETS = {0: (0, 1), 1: (1, 1), 2: (1, 0), 3: (1, -1)}

# The loop versions visit pixels one at a time in Python: at most 512 x 512 (about a second).
_MAX_NAIVE_PIXELS = 512 * 512


def _check_naive_size(array: np.ndarray, name: str, fast: str) -> None:
    if array.size > _MAX_NAIVE_PIXELS:
        raise ValueError(f"{name} has {array.size:,} pixels, more than the loop version's "
                         f"{_MAX_NAIVE_PIXELS:,} (512 x 512) - use {fast}, the vectorised version")


# --------------------------------------------------------------------------------------------
# Gradients
# --------------------------------------------------------------------------------------------
def derivative_kernels(kind: str = "sobel") -> tuple[np.ndarray, np.ndarray]:
    """The 3x3 correlation kernels estimating d/dx and d/dy: Sobel or Prewitt.

    Parameters
    ----------
    kind : {"sobel", "prewitt"}

    Returns
    -------
    kx, ky : (3, 3) ndarray of float64
        ``ky`` is ``kx`` transposed. Applied by correlation (no flip), ``kx`` is positive where
        the image gets brighter to the right and ``ky`` where it gets brighter downwards.

    Notes
    -----
    Both are a central difference ``[-1, 0, 1]`` across the edge times a smoothing along it:
    ``[1, 2, 1]`` (a binomial, close to a Gaussian) for Sobel, ``[1, 1, 1]`` (a box) for
    Prewitt:

    .. math:: k_x^{\\text{Sobel}} = \\begin{pmatrix}1\\\\2\\\\1\\end{pmatrix}
              \\begin{pmatrix}-1 & 0 & 1\\end{pmatrix}, \\qquad
              k_x^{\\text{Prewitt}} = \\begin{pmatrix}1\\\\1\\\\1\\end{pmatrix}
              \\begin{pmatrix}-1 & 0 & 1\\end{pmatrix}

    The notes' "vertical edge" filter ``[[1, 0, -1]] * 3`` is ``-kx`` for Prewitt: same edges,
    opposite sign.

    References
    ----------
    .. [1] I. Sobel and G. Feldman, "A 3x3 isotropic gradient operator for image processing",
           Stanford AI Project talk, 1968.
    .. [2] J. M. S. Prewitt, "Object enhancement and extraction", in Picture Processing and
           Psychopictorics, Academic Press, 1970.
    .. [3] Used in chapters/03_edges.ipynb.

    Examples
    --------
    >>> kx, ky = derivative_kernels("sobel")
    >>> kx
    array([[-1.,  0.,  1.],
           [-2.,  0.,  2.],
           [-1.,  0.,  1.]])
    >>> bool((ky == kx.T).all())
    True
    """
    check_choice(kind, "kind", ("sobel", "prewitt"))
    smooth = np.array([1.0, 2.0, 1.0]) if kind == "sobel" else np.ones(3)
    kx = np.outer(smooth, [-1.0, 0.0, 1.0])
    return kx, kx.T.copy()


def _derivatives(padded: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """The two 3x3 derivatives of an image padded by one pixel, computed separably.

    ``padded`` is ``(H + 2, W + 2)``; the result is ``(H, W)`` each, in ``padded``'s dtype.
    Sobel's ``kx`` is ``[1, 2, 1]`` down the columns times ``[-1, 0, 1]`` across, so smooth
    first (three shifted rows added, the middle one twice) and then take one difference: 4
    array operations per derivative instead of 6 taps of a 2-D correlation.
    """
    rows = padded[:-2] + padded[2:]  # [1, w, 1] down the columns ...
    rows += padded[1:-1]
    if kind == "sobel":
        rows += padded[1:-1]
    gx = rows[:, 2:] - rows[:, :-2]  # ... then [-1, 0, 1] across
    cols = padded[:, :-2] + padded[:, 2:]  # and the same turned by 90 degrees for gy
    cols += padded[:, 1:-1]
    if kind == "sobel":
        cols += padded[:, 1:-1]
    gy = cols[2:] - cols[:-2]
    return gx, gy


def _work_dtype(image: np.ndarray) -> type:
    """int16 for uint8/bool images (exact, half the memory of float32), else the float dtype."""
    if image.dtype in (np.uint8, np.bool_):
        return np.int16  # |gx|, |gy| <= 4 * 255 = 1020 and |gx| + |gy| <= 2040 fit in int16
    return np.float64 if image.dtype == np.float64 else np.float32


def _gradient(image, kind, border):
    image = check_image(
        image, ndim=2, fix="compute gradients of a gray image: convert with to_gray() first"
    )
    check_choice(border, "border", BORDERS)
    work = _work_dtype(image)
    padded = pad(image.astype(work, copy=False), 1, 1, border=border)
    gx, gy = _derivatives(padded, kind)
    out = np.float32 if work == np.int16 else work
    return gx.astype(out, copy=False), gy.astype(out, copy=False)


def sobel(image: np.ndarray, *, border: str = "reflect101") -> tuple[np.ndarray, np.ndarray]:
    """The Sobel derivatives ``gx`` (along x, to the right) and ``gy`` (along y, downwards).

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image, any real dtype (uint8 images give integer-valued gradients).
    border : {"reflect101", "reflect", "replicate", "constant"}
        Padding at the image border; see :mod:`helpers.filters`.

    Returns
    -------
    gx, gy : (H, W) ndarray of float32 (float64 for float64 input)

    Raises
    ------
    ValueError
        If ``image`` is not 2-D, is empty or holds NaN; if ``border`` is unknown.

    Notes
    -----
    Correlation with the kernels of :func:`derivative_kernels`:

    .. math:: g_x = \\begin{pmatrix}-1&0&1\\\\-2&0&2\\\\-1&0&1\\end{pmatrix} \\star I, \\qquad
              g_y = \\begin{pmatrix}-1&-2&-1\\\\0&0&0\\\\1&2&1\\end{pmatrix} \\star I

    Equal to ``cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3)`` (and ``0, 1`` for ``gy``) with
    the same border (``BORDER_REFLECT_101`` by default), scale 1; to
    ``scipy.ndimage.sobel(image, axis=1)`` (``axis=0`` for ``gy``) with ``mode="mirror"``;
    ``skimage.filters.sobel_v`` equals ``gx / 4`` and ``sobel_h`` equals ``gy / 4`` for
    ``border="reflect"`` (skimage's padding). tests/test_edges.py checks all three.
    These are the two *derivatives*, not the edge strength: combine them with
    :func:`gradient_magnitude`.

    Computed separably, as the kernels are outer products: ``[1, 2, 1]`` down the columns,
    then ``[-1, 0, 1]`` across (4 array operations per derivative instead of 6 taps), in
    exact int16 arithmetic for uint8 images. Same numbers as ``correlate2d(image, kx)``
    (exactly for integer images, to float rounding otherwise; tests/test_edges.py).

    References
    ----------
    .. [1] I. Sobel and G. Feldman, "A 3x3 isotropic gradient operator for image processing",
           1968.
    .. [2] Used in chapters/03_edges.ipynb.

    Examples
    --------
    A step from 0 to 1 between the second and third column:

    >>> gx, gy = sobel(np.array([[0, 0, 1, 1]] * 3))
    >>> gx
    array([[0., 4., 4., 0.],
           [0., 4., 4., 0.],
           [0., 4., 4., 0.]], dtype=float32)
    >>> float(np.abs(gy).max())
    0.0
    """
    return _gradient(image, "sobel", border)


def prewitt(image: np.ndarray, *, border: str = "reflect101") -> tuple[np.ndarray, np.ndarray]:
    """The Prewitt derivatives ``gx`` (to the right) and ``gy`` (downwards).

    Like :func:`sobel` with a box ``[1, 1, 1]`` instead of ``[1, 2, 1]`` across the derivative.

    Parameters
    ----------
    image : (H, W) ndarray
    border : {"reflect101", "reflect", "replicate", "constant"}

    Returns
    -------
    gx, gy : (H, W) ndarray of float32 (float64 for float64 input)

    Raises
    ------
    ValueError
        If ``image`` is not 2-D, is empty or holds NaN; if ``border`` is unknown.

    Notes
    -----
    .. math:: g_x = \\begin{pmatrix}-1&0&1\\\\-1&0&1\\\\-1&0&1\\end{pmatrix} \\star I, \\qquad
              g_y = g_x\\text{-kernel}^T \\star I

    Equal to ``scipy.ndimage.prewitt(image, axis=1, mode=m)`` (``axis=0`` for ``gy``) where
    scipy's ``mode`` ``"mirror"``/``"reflect"``/``"nearest"``/``"constant"`` is our
    ``"reflect101"``/``"reflect"``/``"replicate"``/``"constant"``, and to ``cv2.filter2D``
    with the Prewitt kernel (no flip, ``BORDER_REFLECT_101``). OpenCV has no ``cv2.Prewitt``.

    References
    ----------
    .. [1] J. M. S. Prewitt, "Object enhancement and extraction", 1970.
    .. [2] Used in chapters/03_edges.ipynb.

    Examples
    --------
    >>> gx, gy = prewitt(np.array([[0, 0, 1, 1]] * 3))
    >>> gx[1]
    array([0., 3., 3., 0.], dtype=float32)
    """
    return _gradient(image, "prewitt", border)


def _pair(gx, gy):
    gx = as_array(gx, "gx", ndim=(0, 1, 2), kinds="iuf")
    gy = as_array(gy, "gy", ndim=(0, 1, 2), kinds="iuf")
    if gx.shape != gy.shape:
        raise ValueError(f"gx and gy must have the same shape; got {gx.shape} and {gy.shape}")
    dtype = np.result_type(gx.dtype, gy.dtype, np.float32)
    return gx.astype(dtype, copy=False), gy.astype(dtype, copy=False)


def gradient_magnitude(gx: np.ndarray, gy: np.ndarray, *, kind: str = "l2") -> np.ndarray:
    """Edge strength from the two derivatives: Euclidean (``"l2"``) or city-block (``"l1"``).

    Parameters
    ----------
    gx, gy : ndarray, same shape
        The derivatives, e.g. from :func:`sobel`.
    kind : {"l2", "l1"}
        ``"l2"``: :math:`\\sqrt{g_x^2 + g_y^2}` (``np.hypot``, ``cv2.magnitude``);
        ``"l1"``: :math:`|g_x| + |g_y|`, what ``cv2.Canny`` uses unless ``L2gradient=True``.

    Returns
    -------
    ndarray, same shape, float32 (float64 if either input is float64)

    Raises
    ------
    ValueError
        If the shapes differ, an input is empty or holds NaN, or ``kind`` is unknown.

    Notes
    -----
    L1 is never smaller than L2 and at most :math:`\\sqrt 2` times larger (on diagonals), so
    thresholds tuned for one norm do not carry over to the other. Agrees with ``np.hypot`` and
    ``cv2.magnitude`` to float32 rounding (tests/test_edges.py).

    References
    ----------
    .. [1] Used in chapters/03_edges.ipynb.

    Examples
    --------
    >>> gradient_magnitude(np.array([3.0, -3.0]), np.array([4.0, 4.0]))
    array([5., 5.])
    >>> gradient_magnitude(np.array([3.0, -3.0]), np.array([4.0, 4.0]), kind="l1")
    array([7., 7.])
    """
    gx, gy = _pair(gx, gy)
    check_choice(kind, "kind", ("l2", "l1"))
    if kind == "l1":
        return np.abs(gx) + np.abs(gy)
    return np.hypot(gx, gy)


def gradient_direction(gx: np.ndarray, gy: np.ndarray, *, degrees: bool = False) -> np.ndarray:
    """The direction the gradient points in (towards brighter pixels): ``atan2(gy, gx)``.

    Parameters
    ----------
    gx, gy : ndarray, same shape
    degrees : bool
        Return degrees instead of radians.

    Returns
    -------
    ndarray, same shape, in :math:`(-\\pi, \\pi]` (or :math:`(-180, 180]`); 0 where
    ``gx = gy = 0``.

    Raises
    ------
    ValueError
        If the shapes differ or an input is empty or holds NaN.

    Notes
    -----
    .. math:: \\theta = \\operatorname{atan2}(g_y, g_x)

    0 points right and, because image y points down, +90 degrees points *down* the screen. The
    edge itself runs perpendicular to the gradient. ``cv2.cartToPolar``/``cv2.phase`` return
    the same angle wrapped to :math:`[0, 2\\pi)`; ``atan(gy / gx)`` loses the quadrant and
    divides by zero on vertical gradients.

    References
    ----------
    .. [1] Used in chapters/03_edges.ipynb.

    Examples
    --------
    >>> gradient_direction(np.array([1.0, 0.0, -1.0]), np.array([0.0, 1.0, 0.0]), degrees=True)
    array([  0.,  90., 180.])
    """
    gx, gy = _pair(gx, gy)
    degrees = check_bool(degrees, "degrees")
    theta = np.arctan2(gy, gx)
    return np.degrees(theta) if degrees else theta


def direction_sector(gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """Canny's gradient direction rounded to one of four sectors (0, 45, 90, 135 degrees).

    Parameters
    ----------
    gx, gy : ndarray, same shape

    Returns
    -------
    ndarray of uint8, same shape, values in {0, 1, 2, 3}:

    ====== ================ =================================== ============================
    sector gradient         neighbours NMS compares             condition
    ====== ================ =================================== ============================
    0      about 0 deg      left, right                         ``|gy| < tan(22.5) |gx|``
    1      about 45 deg     up-left, down-right                 else, if ``gx * gy > 0``
    2      about 90 deg     up, down                            ``|gy| > tan(67.5) |gx|``
    3      about 135 deg    up-right, down-left                 else (``gx * gy <= 0``)
    ====== ================ =================================== ============================

    Raises
    ------
    ValueError
        If the shapes differ or an input is empty or holds NaN.

    Notes
    -----
    The test is OpenCV's: no arctangent, only comparisons of :math:`|g_y|` with
    :math:`|g_x|\\tan 22.5^\\circ` and :math:`|g_x|\\tan 67.5^\\circ`; the sign of
    :math:`g_x g_y` picks the diagonal. (OpenCV uses the fixed-point constant
    13573 / 2**15 for tan 22.5 deg, equal to 6 digits.) Since y points down, a gradient with
    ``gx > 0, gy > 0`` points down-right on screen. A zero gradient lands in sector 3 (OpenCV
    does the same; such pixels never pass a threshold).

    References
    ----------
    .. [1] J. Canny, "A computational approach to edge detection", IEEE TPAMI 8(6), 1986.
    .. [2] Used in chapters/03_edges.ipynb.

    Examples
    --------
    >>> direction_sector(np.array([5, 1, 0, -1]), np.array([1, 1, 5, 1]))
    array([0, 1, 2, 3], dtype=uint8)
    """
    gx, gy = _pair(gx, gy)
    ax, ay = np.abs(gx), np.abs(gy)
    one, two, three = np.uint8(1), np.uint8(2), np.uint8(3)
    sector = np.where(gx * gy > 0, one, three)
    sector = np.where(ay > _TAN_67_5 * ax, two, sector)
    return np.where(ay < _TAN_22_5 * ax, np.uint8(0), sector)


# --------------------------------------------------------------------------------------------
# Canny's stages
# --------------------------------------------------------------------------------------------
def _nms_inputs(magnitude, gx, gy):
    magnitude = as_array(magnitude, "magnitude", ndim=2, kinds="iuf", shape_hint="(H, W)")
    gx, gy = _pair(gx, gy)
    if gx.shape != magnitude.shape:
        raise ValueError(
            f"gx and gy must have the shape of magnitude {magnitude.shape}; got {gx.shape}"
        )
    if magnitude.min() < 0:
        raise ValueError(
            f"magnitude must be >= 0 everywhere; got a minimum of {magnitude.min()} - pass "
            "gradient_magnitude(gx, gy), not a derivative"
        )
    return magnitude, gx, gy


def non_max_suppression_naive(
    magnitude: np.ndarray, gx: np.ndarray, gy: np.ndarray
) -> np.ndarray:
    """Thin edges to one pixel: keep a pixel only if it beats its two neighbours along the gradient.

    Plain loops, one pixel at a time, for reading; :func:`non_max_suppression` is the same
    computation vectorised (tested equal). At most 512 x 512 pixels (about a second).

    Parameters
    ----------
    magnitude : (H, W) ndarray
        Gradient magnitude, >= 0 (L1 or L2, from :func:`gradient_magnitude`).
    gx, gy : (H, W) ndarray
        The derivatives that ``magnitude`` came from; only their direction is used.

    Returns
    -------
    (H, W) ndarray, dtype of ``magnitude``
        ``magnitude`` where the pixel is a local maximum along its gradient, 0 elsewhere.

    Raises
    ------
    ValueError
        If shapes differ, an input is empty or NaN, or ``magnitude`` is negative somewhere.

    Notes
    -----
    With the sector of :func:`direction_sector` and :math:`m_+`, :math:`m_-` the magnitudes of
    the neighbours one step along and against the gradient, a pixel is kept when

    .. math:: m > m_- \\text{ and } m \\ge m_+ \\quad\\text{(horizontal and vertical sectors)},
              \\qquad m > m_- \\text{ and } m > m_+ \\quad\\text{(diagonal sectors)}

    where :math:`m_-` is the left (horizontal) or upper (vertical) neighbour. These are
    ``cv2.Canny``'s comparisons: the asymmetric ``>=`` keeps exactly one pixel of a plateau two
    pixels wide instead of none. Outside the image the magnitude counts as 0.

    References
    ----------
    .. [1] J. Canny, "A computational approach to edge detection", IEEE TPAMI 8(6), 1986.
    .. [2] Used in chapters/03_edges.ipynb.

    Examples
    --------
    A ridge of magnitude along the middle column, gradient horizontal: only the ridge survives.

    >>> m = np.array([[1, 3, 1], [1, 3, 1], [1, 3, 1]], float)
    >>> non_max_suppression_naive(m, np.ones((3, 3)), np.zeros((3, 3)))
    array([[0., 3., 0.],
           [0., 3., 0.],
           [0., 3., 0.]])
    """
    magnitude, gx, gy = _nms_inputs(magnitude, gx, gy)
    _check_naive_size(magnitude, "magnitude", "non_max_suppression")
    sector = direction_sector(gx, gy)
    h, w = magnitude.shape

    def at(y, x):  # magnitude with zeros outside the image, as OpenCV pads it
        return magnitude[y, x] if 0 <= y < h and 0 <= x < w else 0

    out = np.zeros_like(magnitude)
    for y in range(h):
        for x in range(w):
            m = magnitude[y, x]
            dy, dx = _SECTOR_OFFSETS[int(sector[y, x])]
            before = at(y - dy, x - dx)  # left, up, up-left or up-right
            after = at(y + dy, x + dx)  # right, down, down-right or down-left
            if sector[y, x] in (0, 2):  # axis-aligned: ties go to the first pixel of a plateau
                keep = m > before and m >= after
            else:  # diagonal: strict on both sides, as in OpenCV
                keep = m > before and m > after
            if keep:
                out[y, x] = m
    return out


def non_max_suppression(magnitude: np.ndarray, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """Vectorised :func:`non_max_suppression_naive`: same arguments, same result.

    Instead of visiting pixels, compare the whole magnitude image with copies of itself shifted
    by one pixel in each of the four directions, and pick per pixel the comparison of its
    sector.

    Parameters
    ----------
    magnitude : (H, W) ndarray
        Gradient magnitude, >= 0.
    gx, gy : (H, W) ndarray

    Returns
    -------
    (H, W) ndarray, dtype of ``magnitude``: the magnitude at kept pixels, 0 elsewhere.

    Raises
    ------
    ValueError
        If shapes differ, an input is empty or NaN, or ``magnitude`` is negative somewhere.

    Notes
    -----
    See :func:`non_max_suppression_naive` for the rule. Matches the non-maximum suppression
    inside ``cv2.Canny`` (tests/test_edges.py compares whole Canny outputs).

    References
    ----------
    .. [1] J. Canny, "A computational approach to edge detection", IEEE TPAMI 8(6), 1986.
    .. [2] Used in chapters/03_edges.ipynb.

    Examples
    --------
    >>> m = np.array([[1, 3, 2, 1]], float)
    >>> non_max_suppression(m, np.ones((1, 4)), np.zeros((1, 4)))
    array([[0., 3., 0., 0.]])
    """
    magnitude, gx, gy = _nms_inputs(magnitude, gx, gy)
    return _nms_vectorised(magnitude, direction_sector(gx, gy))


def _nms_vectorised(magnitude: np.ndarray, sector: np.ndarray) -> np.ndarray:
    h, w = magnitude.shape
    padded = np.pad(magnitude, 1)  # zeros outside the image

    def shifted(dy, dx):  # shifted(dy, dx)[y, x] == magnitude[y + dy, x + dx]
        return padded[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]

    keep = np.zeros((h, w), dtype=bool)
    for s, (dy, dx) in _SECTOR_OFFSETS.items():
        before, after = shifted(-dy, -dx), shifted(dy, dx)
        if s in (0, 2):
            ok = (magnitude > before) & (magnitude >= after)
        else:
            ok = (magnitude > before) & (magnitude > after)
        keep |= ok & (sector == s)
    return np.where(keep, magnitude, 0).astype(magnitude.dtype, copy=False)


def _thresholds(low, high):
    low = check_float(low, "low", min=0)
    high = check_float(high, "high", min=0)
    if low > high:
        raise ValueError(
            f"low must be <= high; got low={low:g}, high={high:g} - swap them "
            "(cv2.Canny swaps them silently)"
        )
    return low, high


def double_threshold(
    magnitude: np.ndarray, low: float, high: float
) -> tuple[np.ndarray, np.ndarray]:
    """Split pixels into strong (``m > high``) and weak (``low < m <= high``) edge candidates.

    Parameters
    ----------
    magnitude : (H, W) ndarray
        Usually the output of :func:`non_max_suppression`.
    low, high : float
        Thresholds with ``0 <= low <= high``, in the units of ``magnitude``.

    Returns
    -------
    strong, weak : (H, W) ndarray of bool
        Disjoint masks.

    Raises
    ------
    ValueError
        If ``low > high``, a threshold is negative or not finite, or ``magnitude`` is bad.

    Notes
    -----
    .. math:: \\text{strong} = m > T_{high}, \\qquad \\text{weak} = T_{low} < m \\le T_{high}

    Strict inequalities, as in ``cv2.Canny`` (a pixel exactly at ``high`` is weak, exactly at
    ``low`` is dropped).

    References
    ----------
    .. [1] J. Canny, "A computational approach to edge detection", IEEE TPAMI 8(6), 1986.
    .. [2] Used in chapters/03_edges.ipynb.

    Examples
    --------
    >>> strong, weak = double_threshold(np.array([[10, 20, 30, 40]]), 20, 30)
    >>> strong.astype(int), weak.astype(int)
    (array([[0, 0, 0, 1]]), array([[0, 0, 1, 0]]))
    """
    magnitude = as_array(magnitude, "magnitude", ndim=2, kinds="iuf", shape_hint="(H, W)")
    low, high = _thresholds(low, high)
    strong = magnitude > high
    weak = (magnitude > low) & ~strong
    return strong, weak


def _masks(strong, weak):
    strong = as_array(strong, "strong", ndim=2, kinds="b", shape_hint="(H, W)")
    weak = as_array(weak, "weak", ndim=2, kinds="b", shape_hint="(H, W)")
    if strong.shape != weak.shape:
        raise ValueError(
            f"strong and weak must have the same shape; got {strong.shape} and {weak.shape}"
        )
    return strong, weak


def hysteresis_naive(
    strong: np.ndarray, weak: np.ndarray, *, connectivity: int = 8
) -> np.ndarray:
    """Keep strong pixels and the weak pixels 8-connected to them: a flood fill with a stack.

    Plain loops for reading (this is how ``cv2.Canny`` does it); :func:`hysteresis` is the
    same result from connected-component labelling. At most 512 x 512 pixels.

    Parameters
    ----------
    strong, weak : (H, W) ndarray of bool
        From :func:`double_threshold`.
    connectivity : {8, 4}
        Neighbours that connect: all 8 (Canny, OpenCV) or only the 4 sharing a side.

    Returns
    -------
    (H, W) ndarray of bool
        The final edges.

    Raises
    ------
    TypeError
        If a mask is not boolean.
    ValueError
        If the masks are not 2-D, empty, or of different shapes, or ``connectivity`` is not 8 or 4.

    Notes
    -----
    Start from every strong pixel; repeatedly take a pixel from the stack and push each of its
    8 neighbours that is weak and not yet an edge. Each pixel is pushed at most once, so the
    cost is linear in the number of pixels.

    References
    ----------
    .. [1] J. Canny, "A computational approach to edge detection", IEEE TPAMI 8(6), 1986.
    .. [2] Used in chapters/03_edges.ipynb.

    Examples
    --------
    >>> strong = np.array([[1, 0, 0, 0, 0]], bool)
    >>> weak = np.array([[0, 1, 1, 0, 1]], bool)
    >>> hysteresis_naive(strong, weak).astype(int)  # the last weak pixel is cut off
    array([[1, 1, 1, 0, 0]])
    """
    strong, weak = _masks(strong, weak)
    connectivity = check_choice(connectivity, "connectivity", (8, 4))
    _check_naive_size(strong, "strong", "hysteresis")
    steps = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]
    if connectivity == 4:
        steps = [(dy, dx) for dy, dx in steps if dy == 0 or dx == 0]
    h, w = strong.shape
    edges = strong.copy()
    stack = [tuple(p) for p in np.argwhere(strong)]
    while stack:
        y, x = stack.pop()
        for dy, dx in steps:
            ny, nx = y + dy, x + dx
            if 0 <= ny < h and 0 <= nx < w and weak[ny, nx] and not edges[ny, nx]:
                edges[ny, nx] = True  # mark before pushing, so nothing is pushed twice
                stack.append((ny, nx))
    return edges


def hysteresis(
    strong: np.ndarray, weak: np.ndarray, *, connectivity: int = 8
) -> np.ndarray:
    """Keep strong pixels and the weak pixels 8-connected to them (vectorised).

    Parameters
    ----------
    strong, weak : (H, W) ndarray of bool
        From :func:`double_threshold`.
    connectivity : {8, 4}
        Neighbours that connect: all 8 (Canny, OpenCV) or only the 4 sharing a side.

    Returns
    -------
    (H, W) ndarray of bool

    Raises
    ------
    TypeError
        If a mask is not boolean.
    ValueError
        If the masks are not 2-D, empty, or of different shapes, or ``connectivity`` is not 8 or 4.

    Notes
    -----
    Label the connected components of ``strong | weak`` (``scipy.ndimage.label``) and keep
    the components that contain at least one strong pixel. Same result as
    :func:`hysteresis_naive`. ``skimage.filters.apply_hysteresis_threshold(m, low, high)``
    thresholds the same way (``>`` on both) but labels with ``scipy.ndimage.label``'s default,
    4-connectivity: it equals ``hysteresis(..., connectivity=4)``, and keeps fewer pixels than
    Canny's 8-connected rule (tests/test_edges.py).

    References
    ----------
    .. [1] J. Canny, "A computational approach to edge detection", IEEE TPAMI 8(6), 1986.
    .. [2] Used in chapters/03_edges.ipynb.

    Examples
    --------
    >>> strong = np.array([[1, 0, 0], [0, 0, 0], [0, 0, 0]], bool)
    >>> weak = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 1]], bool)
    >>> hysteresis(strong, weak).astype(int)  # diagonal steps count as connected
    array([[1, 0, 0],
           [0, 1, 0],
           [0, 0, 1]])
    """
    strong, weak = _masks(strong, weak)
    connectivity = check_choice(connectivity, "connectivity", (8, 4))
    from scipy import ndimage  # deferred: only Canny's last stage needs it

    if connectivity == 8:
        structure = np.ones((3, 3), bool)
    else:  # the cross: only the 4 side neighbours
        structure = ndimage.generate_binary_structure(2, 1)
    labels, n = ndimage.label(strong | weak, structure=structure)
    has_strong = np.zeros(n + 1, dtype=bool)
    has_strong[labels[strong]] = True
    has_strong[0] = False  # label 0 is the background
    return has_strong[labels]


@dataclass(frozen=True)
class CannyStages:
    """Every intermediate result of :func:`canny_stages`, in the order Canny computes them.

    Attributes
    ----------
    smoothed : (H, W) float ndarray
        The input after Gaussian smoothing (the input itself, as float, for ``blur_size=1``).
    gx, gy : (H, W) float ndarray
        Sobel derivatives of ``smoothed`` (border ``"replicate"``, as in ``cv2.Canny``).
    magnitude : (H, W) float ndarray
        L1 or L2 gradient magnitude.
    sector : (H, W) uint8 ndarray
        Direction sector 0-3 (:func:`direction_sector`).
    thinned : (H, W) float ndarray
        Magnitude after non-maximum suppression.
    strong, weak : (H, W) bool ndarray
        Double threshold of ``thinned``.
    edges : (H, W) bool ndarray
        After hysteresis: the result.
    low, high : float
        The thresholds used.
    """

    smoothed: np.ndarray
    gx: np.ndarray
    gy: np.ndarray
    magnitude: np.ndarray
    sector: np.ndarray
    thinned: np.ndarray
    strong: np.ndarray
    weak: np.ndarray
    edges: np.ndarray
    low: float
    high: float

    def counts(self) -> dict[str, int]:
        """Pixel counts, stage by stage: the funnel from all pixels to the final edges.

        ``"above low"`` counts magnitudes above ``low`` *before* thinning, ``"after NMS"`` those
        that non-maximum suppression keeps (always ``strong + weak``), ``"weak kept"`` the weak
        pixels that hysteresis turns into edges.
        """
        strong, edges = int(np.count_nonzero(self.strong)), int(np.count_nonzero(self.edges))
        return {
            "pixels": int(self.magnitude.size),
            "above low": int(np.count_nonzero(self.magnitude > self.low)),
            "after NMS": int(np.count_nonzero(self.thinned > self.low)),
            "strong": strong,
            "weak": int(np.count_nonzero(self.weak)),
            "weak kept": edges - strong,
            "edges": edges,
        }


#: Largest Gaussian kernel side :func:`canny` and :func:`canny_stages` accept (sigma up to ~40).
MAX_BLUR_SIZE = 255


def _canny_arguments(image, low, high, blur_size, sigma, l2_gradient):
    image = check_image(
        image, ndim=2, fix="Canny works on gray images: convert with to_gray() first"
    )
    low, high = _thresholds(low, high)
    blur_size = check_int(blur_size, "blur_size", min=1, max=MAX_BLUR_SIZE, odd=True)
    if sigma is not None:  # checked even when blur_size=1 ignores it
        sigma = check_float(sigma, "sigma", min=0, min_inclusive=False, max=MAX_BLUR_SIZE)
    l2_gradient = check_bool(l2_gradient, "l2_gradient")
    return image, low, high, blur_size, sigma, l2_gradient


def canny_stages(
    image: np.ndarray,
    low: float,
    high: float,
    *,
    blur_size: int = 5,
    sigma: float | None = None,
    l2_gradient: bool = False,
) -> CannyStages:
    """Run Canny and keep every stage (for figures and the explorer).

    Parameters
    ----------
    image : (H, W) ndarray
    low, high : float
        ``0 <= low <= high``.
    blur_size : int
        Odd Gaussian size; 1 = no smoothing.
    sigma : float, optional
        Gaussian standard deviation (``None``: OpenCV's rule from ``blur_size``).
    l2_gradient : bool
        L2 instead of L1 magnitude.

    Returns
    -------
    CannyStages
        Every intermediate array; ``.edges`` is :func:`canny`'s result and ``.counts()`` the
        pixel counts per stage.

    Raises
    ------
    ValueError, TypeError
        As :func:`canny`.

    Notes
    -----
    The stages and their equations are listed in :func:`canny`.

    References
    ----------
    .. [1] J. Canny, "A computational approach to edge detection", IEEE TPAMI 8(6), 1986.
    .. [2] Used in chapters/03_edges.ipynb (stage by stage, and in the Canny explorer).

    Examples
    --------
    >>> square = np.zeros((8, 8), np.uint8)
    >>> square[2:6, 2:6] = 200
    >>> stages = canny_stages(square, 100, 300, blur_size=1)
    >>> stages.counts()["edges"]
    12
    """
    image, low, high, blur_size, sigma, l2_gradient = _canny_arguments(
        image, low, high, blur_size, sigma, l2_gradient
    )
    dtype = np.float64 if image.dtype == np.float64 else np.float32
    if blur_size == 1:
        smoothed = image.astype(dtype)
    else:
        smoothed = gaussian_blur(image, blur_size, sigma)
    # cv2.Canny pads with BORDER_REPLICATE for its Sobel (not the usual reflect101).
    gx, gy = sobel(smoothed, border="replicate")
    magnitude = gradient_magnitude(gx, gy, kind="l2" if l2_gradient else "l1")
    sector = direction_sector(gx, gy)
    thinned = _nms_vectorised(magnitude, sector)  # = non_max_suppression(magnitude, gx, gy)
    strong, weak = double_threshold(thinned, low, high)
    edges = hysteresis(strong, weak)
    return CannyStages(
        smoothed, gx, gy, magnitude, sector, thinned, strong, weak, edges, low, high
    )


def _canny_thresholds(dtype, work, low, high):
    """``low`` and ``high`` as :func:`canny_stages` compares them with its float magnitude."""
    as_float = np.float64 if work == np.float64 else np.float32
    low, high = as_float(low), as_float(high)
    if dtype.kind != "i":
        return low, high
    # An integer magnitude m: m > x exactly when m > floor(x); an int compares twice as fast.
    return int(min(np.floor(low), 32767)), int(min(np.floor(high), 32767))


#: The stages :func:`canny` times when given a ``timings`` dict, in order.
CANNY_STAGE_NAMES = ("smoothing", "gradient", "non-max suppression", "double threshold",
                     "hysteresis")


def canny(
    image: np.ndarray,
    low: float,
    high: float,
    *,
    blur_size: int = 5,
    sigma: float | None = None,
    l2_gradient: bool = False,
    timings: dict | None = None,
) -> np.ndarray:
    """The Canny edge detector: smooth, gradient, thin, double threshold, hysteresis.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image. Thresholds are in the units of its gradient: for uint8 images, the same
        numbers as ``cv2.Canny``.
    low, high : float
        Hysteresis thresholds, ``0 <= low <= high``, on the L1 (default) or L2 Sobel magnitude.
        A ratio ``high / low`` of 2 to 3 is Canny's recommendation.
    blur_size : int
        Odd side of the Gaussian smoothing kernel; 1 means no smoothing (what ``cv2.Canny``
        does: it never smooths).
    sigma : float, optional
        Standard deviation of the Gaussian; ``None`` uses OpenCV's rule from ``blur_size``
        (:func:`helpers.filters.gaussian_sigma_for_size`).
    l2_gradient : bool
        Use :math:`\\sqrt{g_x^2+g_y^2}` instead of :math:`|g_x|+|g_y|` (``L2gradient`` in OpenCV).
    timings : dict, optional
        If given, filled with the seconds each stage took, under the names of
        :data:`CANNY_STAGE_NAMES` (``bench/cases_edges.py`` reports them).

    Returns
    -------
    (H, W) ndarray of bool
        True on edge pixels (``cv2.Canny`` returns 255 there).

    Raises
    ------
    ValueError
        If ``image`` is not 2-D, empty or NaN; ``low > high``; a threshold is negative;
        ``blur_size`` is even, < 1 or > :data:`MAX_BLUR_SIZE`; ``sigma`` is not positive.
    TypeError
        If an argument has the wrong type (``l2_gradient`` must be a bool).

    Notes
    -----
    1. smoothed :math:`= G_\\sigma \\star I` (skipped for ``blur_size=1``);
    2. :math:`g_x, g_y` = Sobel of the smoothed image, border ``"replicate"``;
       :math:`m = |g_x| + |g_y|` or :math:`\\sqrt{g_x^2 + g_y^2}`;
    3. non-maximum suppression along the gradient (:func:`non_max_suppression`);
    4. strong :math:`m > T_{high}`, weak :math:`T_{low} < m \\le T_{high}`;
    5. hysteresis: strong pixels and the weak ones 8-connected to them.

    ``canny(img, lo, hi, blur_size=1)`` reproduces ``cv2.Canny(img, lo, hi)`` for a uint8
    ``img`` (and ``l2_gradient`` its ``L2gradient``): identical output (F1 = 1.0) on four real
    photos x three threshold pairs x both norms, and on random images full of ties
    (tests/test_edges.py; the tests allow F1 >= 0.99 because OpenCV's fixed-point tan 22.5 deg
    could split a rare tie differently). To compare a smoothed pipeline, blur first and give
    both the same uint8 image: ``cv2.GaussianBlur`` on uint8 rounds the smoothed values, and
    against ``canny(img, ..., blur_size=5)`` F1 drops to about 0.95. skimage's
    ``feature.canny`` differs more: ``sigma=1`` smoothing built in, L2 magnitude, bilinear
    interpolation of the neighbours in NMS, and a masked border.

    How it is vectorised (same edges as :func:`canny_stages`, tested on photos, random images
    full of ties, float images and every smoothing): stages 1-2 on whole arrays (Sobel in
    int16 for uint8 input); stage 3 only at the pixels above ``low``, as ``cv2.Canny`` does
    (a few percent of a photo), each compared with its two neighbours by flat-index lookups;
    stage 5 labels the 8-connected groups of kept pixels (``scipy.ndimage.label``) and keeps
    the groups holding a strong pixel. ``bench/cases_edges.py`` times each stage against
    ``cv2.Canny`` on one thread.

    References
    ----------
    .. [1] J. Canny, "A computational approach to edge detection", IEEE TPAMI 8(6), 679-698,
           1986.
    .. [2] Used in chapters/03_edges.ipynb.

    Examples
    --------
    A vertical step from 0 to 200: the Sobel magnitude is 800 on both columns beside it, and
    the tie goes to the left one (``m > left and m >= right``), so the edge is one pixel wide.

    >>> step = np.zeros((3, 6), np.uint8)
    >>> step[:, 3:] = 200
    >>> canny(step, 100, 300, blur_size=1).astype(int)
    array([[0, 0, 1, 0, 0, 0],
           [0, 0, 1, 0, 0, 0],
           [0, 0, 1, 0, 0, 0]])
    """
    image, low, high, blur_size, sigma, l2_gradient = _canny_arguments(
        image, low, high, blur_size, sigma, l2_gradient
    )
    if timings is not None:
        check_instance(timings, "timings", dict, "a dict (filled with seconds per stage) or None")
    clock = time.perf_counter
    marks = [clock()]
    h, w = image.shape
    # 1. Smoothing (none for blur_size=1, as in cv2.Canny).
    smoothed = image if blur_size == 1 else gaussian_blur(image, blur_size, sigma)
    marks.append(clock())
    # 2. Sobel on the image padded by *two* replicated pixels: gx, gy and the magnitude come
    # out (H + 2, W + 2), with a ring of pixels around the image whose magnitude we set to 0
    # (outside the image counts as 0 in NMS), so every neighbour lookup below stays inside.
    work = _work_dtype(smoothed)
    gx, gy = _derivatives(np.pad(smoothed, 2, mode="edge").astype(work, copy=False), "sobel")
    if l2_gradient:
        magnitude = np.hypot(gx.astype(np.float32, copy=False), gy.astype(np.float32, copy=False))
    else:
        magnitude = np.abs(gx)
        magnitude += np.abs(gy)  # int16 for uint8 images: exact, and half the memory traffic
    magnitude[0], magnitude[-1], magnitude[:, 0], magnitude[:, -1] = 0, 0, 0, 0
    low_t, high_t = _canny_thresholds(magnitude.dtype, work, low, high)
    marks.append(clock())
    # 3. Non-maximum suppression only where it can matter: pixels above low (as cv2.Canny),
    # a few percent of the image. Flat indices into the padded arrays; a neighbour one step
    # along the sector's direction is `offset` further on in the flat array.
    m = magnitude.ravel()
    candidates = np.flatnonzero(m > low_t)
    mc = m.take(candidates)
    as_float = np.float64 if work == np.float64 else np.float32  # as direction_sector sees them
    cx = gx.ravel().take(candidates).astype(as_float, copy=False)
    cy = gy.ravel().take(candidates).astype(as_float, copy=False)
    ax, ay = np.abs(cx), np.abs(cy)
    row = w + 2
    horizontal = ay < _TAN_22_5 * ax  # the tests of direction_sector, on the candidates only
    vertical = ay > _TAN_67_5 * ax
    # The flat offset of the neighbour along the gradient, looked up from a code 0-5:
    # 0/1 diagonal down-left/down-right (gx and gy of the same sign: down-right), 2/3 horizontal,
    # 4/5 vertical (the two directions can not both hold). One lookup instead of three np.where.
    code = (cx * cy > 0).view(np.uint8) + 2 * horizontal.view(np.uint8)
    code += 4 * vertical.view(np.uint8)
    offset = np.array([row - 1, row + 1, 1, 1, row, row]).take(code)
    before, after = m.take(candidates - offset), m.take(candidates + offset)
    axis = horizontal | vertical  # ties go to the first pixel of a plateau on the axes only
    keep = np.flatnonzero((mc > before) & ((mc > after) | (axis & (mc == after))))
    marks.append(clock())
    # 4. Double threshold: every kept pixel is above low; strong ones are above high.
    kept = candidates.take(keep)
    strong = kept.take(np.flatnonzero(mc.take(keep) > high_t))
    marks.append(clock())
    # 5. Hysteresis: label the 8-connected groups of kept pixels, keep groups with a strong one.
    from scipy import ndimage  # deferred: only this stage needs scipy

    mask = np.zeros(m.size, dtype=bool)
    mask[kept] = True
    labels, n = ndimage.label(mask.reshape(magnitude.shape), structure=np.ones((3, 3), bool))
    labels = labels.ravel()
    good = np.zeros(n + 1, dtype=bool)
    good[labels.take(strong)] = True
    on = kept.take(np.flatnonzero(good.take(labels.take(kept))))
    edges = np.zeros((h, w), dtype=bool)
    edges.ravel()[on - row - 1 - 2 * (on // row - 1)] = True  # padded -> image coordinates
    marks.append(clock())
    if timings is not None:
        for name, t0, t1 in zip(CANNY_STAGE_NAMES, marks[:-1], marks[1:], strict=True):
            timings[name] = t1 - t0
    return edges


#: Most runs :func:`canny_stage_times` takes the median of.
MAX_TIMING_REPEATS = 1000


def canny_stage_times(
    image: np.ndarray,
    low: float,
    high: float,
    *,
    blur_size: int = 5,
    sigma: float | None = None,
    l2_gradient: bool = False,
    repeats: int = 9,
) -> dict[str, float]:
    """Where :func:`canny`'s time goes: the median milliseconds of each stage over ``repeats``.

    Parameters
    ----------
    image, low, high, blur_size, sigma, l2_gradient
        As in :func:`canny`.
    repeats : int
        Runs to take the median of (1 to :data:`MAX_TIMING_REPEATS`); one more run before them
        warms the caches.

    Returns
    -------
    dict of str to float
        Milliseconds per stage, keyed and ordered by :data:`CANNY_STAGE_NAMES`, plus
        ``"total"`` (the median of the runs' sums).

    Raises
    ------
    ValueError, TypeError
        As :func:`canny`, or ``repeats`` out of range.

    Notes
    -----
    Wall-clock times from ``time.perf_counter`` inside :func:`canny` (its ``timings``
    argument): on a busy machine they vary from run to run, the median much less.
    ``bench/cases_edges.py`` records them as ``canny/stage/<stage>_ms``.

    References
    ----------
    Used in chapters/03_edges.ipynb.

    Examples
    --------
    >>> times = canny_stage_times(np.zeros((8, 8), np.uint8), 50, 150, blur_size=1, repeats=3)
    >>> list(times) == [*CANNY_STAGE_NAMES, "total"]
    True
    """
    repeats = check_int(repeats, "repeats", min=1, max=MAX_TIMING_REPEATS)
    runs: list[dict] = []
    for _ in range(repeats + 1):
        runs.append({})
        canny(image, low, high, blur_size=blur_size, sigma=sigma, l2_gradient=l2_gradient,
              timings=runs[-1])
    runs = runs[1:]  # the first run warms up
    times = {name: float(np.median([run[name] for run in runs])) * 1e3
             for name in CANNY_STAGE_NAMES}
    times["total"] = float(np.median([sum(run.values()) for run in runs])) * 1e3
    return times


def canny_opencv(
    image: np.ndarray, low: float, high: float, *, l2_gradient: bool = False
) -> np.ndarray:
    """``cv2.Canny`` as a boolean mask: the production reference for :func:`canny`.

    Parameters
    ----------
    image : (H, W) ndarray of uint8
        ``cv2.Canny`` accepts 8-bit images only; it does not smooth.
    low, high : float
        ``0 <= low <= high`` (OpenCV would swap them silently; we refuse).
    l2_gradient : bool

    Returns
    -------
    (H, W) ndarray of bool

    Raises
    ------
    TypeError
        If ``image`` is not uint8.
    ValueError
        If ``image`` is not 2-D or empty, or the thresholds are bad.

    References
    ----------
    .. [1] OpenCV, ``cv::Canny``, imgproc/src/canny.cpp.
    .. [2] Used in chapters/03_edges.ipynb.

    Examples
    --------
    >>> square = np.zeros((8, 8), np.uint8)
    >>> square[2:6, 2:6] = 200
    >>> bool((canny_opencv(square, 100, 300) == canny(square, 100, 300, blur_size=1)).all())
    True
    """
    image = check_image(
        image, ndim=2, fix="cv2.Canny needs a gray image: convert with to_gray() first"
    )
    if image.dtype != np.uint8:
        raise TypeError(
            f"image must have dtype uint8 for cv2.Canny; got dtype {image.dtype} - convert "
            "with np.clip(image, 0, 255).round().astype(np.uint8)"
        )
    low, high = _thresholds(low, high)
    l2_gradient = check_bool(l2_gradient, "l2_gradient")
    import cv2  # deferred: `import helpers` must stay light

    return cv2.Canny(np.ascontiguousarray(image), low, high, L2gradient=l2_gradient) > 0


class EdgeAgreement(NamedTuple):
    """Pixel-exact agreement of an edge map with a reference edge map."""

    precision: float
    recall: float
    f1: float


def edge_agreement(edges: np.ndarray, reference: np.ndarray) -> EdgeAgreement:
    """Precision, recall and F1 of ``edges`` against ``reference``, pixel by pixel.

    Parameters
    ----------
    edges, reference : (H, W) ndarray of bool

    Returns
    -------
    EdgeAgreement
        ``(precision, recall, f1)``; 1.0 for all three when both maps are empty.

    Raises
    ------
    TypeError
        If a map is not boolean.
    ValueError
        If the maps are not 2-D, empty or of different shapes.

    Notes
    -----
    With :math:`TP = |E \\cap R|`:

    .. math:: P = \\frac{TP}{|E|}, \\quad R = \\frac{TP}{|R|}, \\quad F_1 = \\frac{2PR}{P+R}
              = \\frac{2\\,TP}{|E| + |R|}

    No tolerance: an edge one pixel off counts as a miss and a false positive.

    References
    ----------
    .. [1] Used in chapters/03_edges.ipynb.

    Examples
    --------
    >>> a = np.array([[1, 1, 0, 0]], bool)
    >>> b = np.array([[1, 0, 1, 0]], bool)
    >>> edge_agreement(a, b)
    EdgeAgreement(precision=0.5, recall=0.5, f1=0.5)
    """
    edges = as_array(edges, "edges", ndim=2, kinds="b", shape_hint="(H, W)")
    reference = as_array(reference, "reference", ndim=2, kinds="b", shape_hint="(H, W)")
    if edges.shape != reference.shape:
        raise ValueError(
            f"edges and reference must have the same shape; got {edges.shape} and {reference.shape}"
        )
    tp = int(np.count_nonzero(edges & reference))
    n_e, n_r = int(np.count_nonzero(edges)), int(np.count_nonzero(reference))
    if n_e + n_r == 0:
        return EdgeAgreement(1.0, 1.0, 1.0)
    precision = tp / n_e if n_e else 0.0
    recall = tp / n_r if n_r else 0.0
    return EdgeAgreement(precision, recall, 2 * tp / (n_e + n_r))
