"""Corners, blobs and local features: what makes a point worth tracking or matching.

Used in chapters/05_corners.ipynb (and the integral image in chapters/15_faces.ipynb).

* Corners: :func:`structure_tensor` (the second-moment matrix of the gradients summed over a
  window), :func:`harris_response` and :func:`shi_tomasi_response` built from it, and
  :func:`corner_peaks` (threshold + non-maximum suppression + minimum distance).
* Blobs: :func:`log_scale_space` and :func:`dog_scale_space` with :func:`blob_peaks`; the SURF
  idea, second derivatives from box filters on the :func:`integral_image`
  (:func:`box_hessian`, :func:`surf_response`).
* Matching: :func:`sift_features` (OpenCV's SIFT, as arrays), :func:`match_descriptors` with
  Lowe's :func:`ratio_test`, :func:`estimate_homography` (RANSAC), and a test pair with a known
  answer (:func:`make_rotated_pair`, :func:`correct_matches`, :func:`reprojection_error`).

Conventions are OpenCV's, so that ``harris_response`` equals ``cv2.cornerHarris`` and
``shi_tomasi_response`` equals ``cv2.cornerMinEigenVal``: Sobel derivatives with border
reflect101 scaled by :math:`1/(2^{k-1} b)` (aperture :math:`k`, block :math:`b`), uint8 images
read as [0, 1] (OpenCV divides by 255 as well), windows anchored like ``cv2.boxFilter`` (an even
window reaches one pixel further up and left). Points are ``(x, y)``, x to the right, y down.
SURF itself is not here: it is patented and left out of opencv-python's builds; the box-filter
Hessian shows its idea.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import (
    as_array,
    check_choice,
    check_float,
    check_image,
    check_int,
    check_rng,
    describe,
)
from .filters import correlate2d
from .image import as_float_image

__all__ = [
    "MAX_BLOCK_SIZE",
    "SOBEL_SIZES",
    "blob_peaks",
    "box_hessian",
    "box_hessian_kernels",
    "corner_gradients",
    "corner_peaks",
    "correct_matches",
    "descriptor_distances",
    "dog_scale_space",
    "estimate_homography",
    "harris_response",
    "integral_image",
    "log_scale_space",
    "make_rotated_pair",
    "match_descriptors",
    "ratio_test",
    "reprojection_error",
    "shi_tomasi_response",
    "sift_features",
    "structure_tensor",
    "structure_tensor_naive",
    "surf_response",
    "repeatability",
    "window_shift_ssd",
    "window_sum",
]


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


# --------------------------------------------------------------------------------------------
# Limits (every size and count bounded; see the docstrings)
# --------------------------------------------------------------------------------------------
#: Largest block (window) side of the structure tensor.
MAX_BLOCK_SIZE = 31
#: Sobel apertures OpenCV's corner functions accept.
SOBEL_SIZES = (1, 3, 5, 7)
#: Largest number of scales in a scale space, and of corners/matches returned.
_MAX_SCALES = 64
_MAX_CORNERS = 100_000
_MAX_PAIRS = 2**26  # entries of a descriptor distance matrix (512 MB of float64)
_MAX_SIGMA = 256.0


def _gray_float(image: Any, name: str = "image") -> np.ndarray:
    """A gray image as float values for the corner maths; uint8 becomes [0, 1] (as OpenCV)."""
    image = check_image(image, name, ndim=2, fix="convert with helpers.color.to_gray() first")
    if image.dtype.kind == "f":
        return image.astype(np.float64)
    return as_float_image(image, name).astype(np.float64)


def _sobel_1d(ksize: int) -> tuple[np.ndarray, np.ndarray]:
    """OpenCV's separable Sobel factors: (derivative, smoothing), as ``cv2.getDerivKernels``."""
    if ksize == 1:
        return np.array([-1.0, 0.0, 1.0]), np.array([1.0])
    smooth = np.array([1.0])
    for _ in range(ksize - 1):  # binomial coefficients: 1 2 1, 1 4 6 4 1, ...
        smooth = np.convolve(smooth, [1.0, 1.0])
    deriv = np.array([1.0])
    for _ in range(ksize - 3):
        deriv = np.convolve(deriv, [1.0, 1.0])
    return np.convolve(deriv, [-1.0, 0.0, 1.0]), smooth


def _correlate_separable(image: np.ndarray, along_x: np.ndarray, along_y: np.ndarray) -> np.ndarray:
    """Correlate rows with ``along_x`` and columns with ``along_y``, border reflect101."""
    out = correlate2d(image, along_x[None, :], border="reflect101")
    return correlate2d(out, along_y[:, None], border="reflect101")


def _check_block_ksize(block_size: Any, ksize: Any) -> tuple[int, int]:
    block_size = check_int(block_size, "block_size", min=1, max=MAX_BLOCK_SIZE)
    ksize = check_int(ksize, "ksize", min=1, max=7)
    check_choice(ksize, "ksize", SOBEL_SIZES)
    return block_size, ksize


def corner_gradients(
    image: Any, block_size: int = 2, ksize: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """The derivatives ``gx``, ``gy`` that OpenCV's corner detectors use, with their scaling.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image; uint8 is read as [0, 1] (OpenCV divides by 255 too), float as is.
    block_size : int
        Side of the summing window (1 to 31); it enters only through the scale below.
    ksize : {1, 3, 5, 7}
        Sobel aperture.

    Returns
    -------
    gx, gy : (H, W) ndarray of float64

    Notes
    -----
    Sobel with border reflect101, multiplied by :math:`1 / (2^{k-1}\\,b)` for aperture
    :math:`k` and block size :math:`b` (``cv2.cornerHarris``'s normalisation, which keeps the
    response independent of the aperture's weights and, roughly, of the block's area).

    References
    ----------
    Used in chapters/05_corners.ipynb.

    Examples
    --------
    A step from 0 to 1: Sobel gives 4 on each side of it, scaled by 1 / (4 * 2).

    >>> gx, gy = corner_gradients(np.array([[0.0, 0.0, 1.0, 1.0]] * 3))
    >>> gx[1]
    array([0. , 0.5, 0.5, 0. ])
    """
    image = _gray_float(image)
    block_size, ksize = _check_block_ksize(block_size, ksize)
    deriv, smooth = _sobel_1d(ksize)
    scale = 1.0 / ((1 << (ksize - 1)) * block_size)
    if min(image.shape) <= len(deriv) // 2:
        raise ValueError(
            f"image must be larger than the Sobel aperture's half-width on both sides; got shape "
            f"{image.shape} with ksize={ksize} - use a larger image or a smaller ksize"
        )
    gx = _correlate_separable(image, deriv, smooth) * scale
    gy = _correlate_separable(image, smooth, deriv) * scale
    return gx, gy


def window_shift_ssd(
    image: Any, x: int, y: int, *, half: int = 7, max_shift: int = 5
) -> np.ndarray:
    """How much a window changes when shifted: ``E(u, v)`` for every shift up to ``max_shift``.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image (uint8 is read as 0-255 values).
    x, y : int
        Centre of the window (column, row); the window and every shift must fit in the image.
    half : int
        Half the window side (1 to 64): the window is ``2 half + 1`` pixels square.
    max_shift : int
        Largest shift in each direction (1 to 32).

    Returns
    -------
    (2 max_shift + 1, 2 max_shift + 1) ndarray of float64
        ``E[v + s, u + s]`` for shifts ``u`` (right) and ``v`` (down).

    Notes
    -----
    .. math:: E(u, v) = \\sum_{(x', y') \\in W} \\big(I(x' + u, y' + v) - I(x', y')\\big)^2

    Flat patch: E stays near 0 for every shift. Edge: E grows only across the edge (a valley
    along it). Corner: E grows in every direction (a bowl). For small shifts
    :math:`E(u, v) \\approx (u, v)\\,M\\,(u, v)^T`, with :math:`M` the structure tensor.

    References
    ----------
    C. Harris and M. Stephens, Alvey Vision Conference 1988. Used in chapters/05_corners.ipynb.

    Examples
    --------
    >>> img = np.zeros((20, 20)); img[:, 10:] = 1.0        # a vertical edge at x = 10
    >>> e = window_shift_ssd(img, 10, 10, half=2, max_shift=1)
    >>> e[1, 1], e[0, 1], e[1, 2]                         # no shift, shift up, shift right
    (np.float64(0.0), np.float64(0.0), np.float64(5.0))
    """
    image = check_image(image, ndim=2, fix="convert with helpers.color.to_gray() first")
    h, w = image.shape
    half = check_int(half, "half", min=1, max=64)
    s = check_int(max_shift, "max_shift", min=1, max=32)
    x = check_int(x, "x", min=half + s, max=w - 1 - half - s)
    y = check_int(y, "y", min=half + s, max=h - 1 - half - s)
    img = image.astype(np.float64)
    ref = img[y - half : y + half + 1, x - half : x + half + 1]
    out = np.empty((2 * s + 1, 2 * s + 1))
    for v in range(-s, s + 1):
        for u in range(-s, s + 1):
            moved = img[y + v - half : y + v + half + 1, x + u - half : x + u + half + 1]
            out[v + s, u + s] = np.sum((moved - ref) ** 2)
    return out


def window_sum(image: Any, block_size: int) -> np.ndarray:
    """Sum of each ``block_size x block_size`` window, as ``cv2.boxFilter(..., normalize=False)``.

    Parameters
    ----------
    image : (H, W) ndarray
        Any real values (e.g. a product of derivatives).
    block_size : int
        Window side, 1 to 31.

    Returns
    -------
    (H, W) ndarray of float64

    Notes
    -----
    OpenCV's anchor: the window of pixel ``(r, c)`` covers rows ``r - b//2`` to
    ``r - b//2 + b - 1`` (so for an even ``b`` one row more above than below), border
    reflect101. Computed with the integral image: four look-ups per pixel whatever ``b``.

    References
    ----------
    Used in chapters/05_corners.ipynb.

    Examples
    --------
    A 2x2 window reaches one row up and one column left; at the border those are reflected
    (row -1 is row 1), so pixel (0, 0) sums 5 + 4 + 2 + 1:

    >>> window_sum(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), 2)
    array([[12., 12., 16.],
           [12., 12., 16.]])
    """
    image = as_array(image, "image", ndim=2, kinds="biuf", shape_hint="(H, W)").astype(np.float64)
    b = check_int(block_size, "block_size", min=1, max=MAX_BLOCK_SIZE)
    before, after = b // 2, b - 1 - b // 2
    if min(image.shape) <= before:
        raise ValueError(
            f"image of shape {image.shape} is too small for block_size={b} with a reflected "
            "border; use a smaller block_size"
        )
    padded = np.pad(image, ((before, after), (before, after)), mode="reflect")
    s = integral_image(padded)
    h, w = image.shape
    return s[b : b + h, b : b + w] - s[:h, b : b + w] - s[b : b + h, :w] + s[:h, :w]


def structure_tensor(
    image: Any, block_size: int = 2, ksize: int = 3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The structure tensor (second-moment matrix) entries summed over each window.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image; uint8 is read as [0, 1].
    block_size : int
        Window side (1 to 31).
    ksize : {1, 3, 5, 7}
        Sobel aperture.

    Returns
    -------
    sxx, sxy, syy : (H, W) ndarray of float64

    Notes
    -----
    .. math:: M(p) = \\sum_{q \\in W(p)} \\begin{pmatrix} g_x^2 & g_x g_y \\\\ g_x g_y & g_y^2
              \\end{pmatrix}(q) = \\begin{pmatrix} S_{xx} & S_{xy} \\\\ S_{xy} & S_{yy}
              \\end{pmatrix}

    with the derivatives of :func:`corner_gradients` and the windows of :func:`window_sum`.
    Shifting the window by :math:`(u, v)` changes it by about
    :math:`(u, v) M (u, v)^T`: both eigenvalues large means every shift changes it (a corner),
    one large means only shifts across an edge do, none means a flat patch.

    References
    ----------
    C. Harris and M. Stephens, "A combined corner and edge detector", Alvey Vision Conference
    1988. Used in chapters/05_corners.ipynb.

    Examples
    --------
    A vertical step: gx = 0.5 on both sides of it (see :func:`corner_gradients`), gy = 0, and a
    2x2 window adds two rows of gx**2 = 0.25 from the pixel and its left neighbour:

    >>> sxx, sxy, syy = structure_tensor(np.array([[0.0, 0.0, 1.0, 1.0]] * 4))
    >>> sxx[1], syy[1]
    (array([0.5, 0.5, 1. , 0.5]), array([0., 0., 0., 0.]))
    """
    block_size, ksize = _check_block_ksize(block_size, ksize)
    gx, gy = corner_gradients(image, block_size, ksize)
    return (window_sum(gx * gx, block_size), window_sum(gx * gy, block_size),
            window_sum(gy * gy, block_size))


def structure_tensor_naive(
    image: Any, block_size: int = 2, ksize: int = 3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`structure_tensor` with explicit loops over pixels and windows (sides up to 256).

    Same parameters and result; spelled out for reading.

    References
    ----------
    Used in chapters/05_corners.ipynb.

    Examples
    --------
    >>> img = np.array([[0.0, 0.0, 1.0, 1.0]] * 4)
    >>> all(np.allclose(a, b) for a, b in zip(structure_tensor_naive(img), structure_tensor(img)))
    True
    """
    block_size, ksize = _check_block_ksize(block_size, ksize)
    gx, gy = corner_gradients(image, block_size, ksize)
    h, w = gx.shape
    if max(h, w) > 256:
        raise ValueError(
            f"image must be at most 256 pixels a side for the loop version; got {(h, w)}"
        )
    before = block_size // 2
    sxx, sxy, syy = np.zeros((h, w)), np.zeros((h, w)), np.zeros((h, w))

    def reflect(i: int, n: int) -> int:
        # reflect101: ... 2 1 | 0 1 2 ... n-1 | n-2 n-3 ...
        return -i if i < 0 else 2 * (n - 1) - i if i >= n else i

    for r in range(h):
        for c in range(w):
            for dr in range(block_size):  # the window: rows r - before ... r - before + b - 1
                for dc in range(block_size):
                    rr, cc = reflect(r - before + dr, h), reflect(c - before + dc, w)
                    sxx[r, c] += gx[rr, cc] * gx[rr, cc]
                    sxy[r, c] += gx[rr, cc] * gy[rr, cc]
                    syy[r, c] += gy[rr, cc] * gy[rr, cc]
    return sxx, sxy, syy


def harris_response(image: Any, block_size: int = 2, ksize: int = 3, k: float = 0.04) -> np.ndarray:
    """Harris' corner response :math:`\\det M - k\\,(\\operatorname{tr} M)^2`: ``cv2.cornerHarris``.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image; uint8 is read as [0, 1] (as OpenCV does), float as is.
    block_size : int
        Window side (1 to 31).
    ksize : {1, 3, 5, 7}
        Sobel aperture.
    k : float
        Harris' sensitivity, 0 <= k <= 0.25 (usually 0.04-0.06).

    Returns
    -------
    (H, W) ndarray of float64
        Large positive at corners, negative along edges, near 0 on flat areas.

    Notes
    -----
    With the structure tensor :math:`M` of :func:`structure_tensor` and its eigenvalues
    :math:`\\lambda_1, \\lambda_2`:

    .. math:: R = \\det M - k\\,(\\operatorname{tr} M)^2 = S_{xx}S_{yy} - S_{xy}^2
              - k\\,(S_{xx}+S_{yy})^2 = \\lambda_1\\lambda_2 - k(\\lambda_1+\\lambda_2)^2

    no eigenvalues needed. Equals ``cv2.cornerHarris(image, block_size, ksize, k)`` on
    float32 images (and on uint8, which OpenCV scales by 1/255): same Sobel scaling
    :math:`1/(2^{k-1} b)`, border reflect101, window anchor; OpenCV computes in float32, so
    the two differ by float32 rounding (relative 1e-5 of the largest response,
    tests/test_features.py).

    References
    ----------
    C. Harris and M. Stephens, "A combined corner and edge detector", Alvey Vision Conference
    1988. Used in chapters/05_corners.ipynb.

    Examples
    --------
    >>> img = np.zeros((9, 9)); img[3:, 3:] = 1.0        # one corner at (3, 3)
    >>> r = harris_response(img, block_size=3)
    >>> np.unravel_index(np.argmax(r), r.shape)
    (np.int64(3), np.int64(3))
    """
    k = check_float(k, "k", min=0.0, max=0.25)
    sxx, sxy, syy = structure_tensor(image, block_size, ksize)
    return sxx * syy - sxy * sxy - k * (sxx + syy) ** 2


def shi_tomasi_response(image: Any, block_size: int = 2, ksize: int = 3) -> np.ndarray:
    """Shi and Tomasi's corner response: the smaller eigenvalue of the structure tensor.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image; uint8 is read as [0, 1].
    block_size : int
        Window side (1 to 31).
    ksize : {1, 3, 5, 7}
        Sobel aperture.

    Returns
    -------
    (H, W) ndarray of float64, >= 0 (up to rounding)

    Notes
    -----
    .. math:: \\lambda_{\\min} = \\frac{S_{xx}+S_{yy}}{2} -
              \\sqrt{\\left(\\frac{S_{xx}-S_{yy}}{2}\\right)^2 + S_{xy}^2}

    A point is good to track when even the weaker direction changes: large
    :math:`\\lambda_{\\min}`. Equals ``cv2.cornerMinEigenVal(image, block_size, ksize)`` for
    ``ksize=3`` (OpenCV's default, every block size), and the smaller of the eigenvalues of
    ``cv2.cornerEigenValsAndVecs`` for every ``ksize``. (opencv-python's ``cornerMinEigenVal``
    hands ``ksize`` 1, 5 and 7 to Intel IPP, whose derivatives are scaled differently.)

    References
    ----------
    J. Shi and C. Tomasi, "Good features to track", CVPR 1994. Used in
    chapters/05_corners.ipynb.

    Examples
    --------
    >>> img = np.zeros((9, 9)); img[3:, 3:] = 1.0
    >>> r = shi_tomasi_response(img, block_size=3)
    >>> np.unravel_index(np.argmax(r), r.shape)
    (np.int64(3), np.int64(3))
    """
    sxx, sxy, syy = structure_tensor(image, block_size, ksize)
    half_trace = (sxx + syy) / 2
    return half_trace - np.sqrt(((sxx - syy) / 2) ** 2 + sxy**2)


def corner_peaks(
    response: Any,
    *,
    quality: float = 0.01,
    min_distance: float = 10.0,
    max_corners: int = 1000,
) -> np.ndarray:
    """Corners from a response map: threshold, non-maximum suppression, minimum distance.

    Parameters
    ----------
    response : (H, W) ndarray
        A corner response (:func:`harris_response`, :func:`shi_tomasi_response`).
    quality : float
        Keep pixels above ``quality * response.max()`` (0 < quality <= 1).
    min_distance : float
        Drop a corner closer than this (Euclidean, pixels; 0 to 10,000) to a stronger one.
    max_corners : int
        Return at most this many, strongest first (1 to 100,000).

    Returns
    -------
    (N, 2) ndarray of float64
        ``(x, y)`` of each corner, strongest first.

    Notes
    -----
    ``cv2.goodFeaturesToTrack``'s selection: (1) zero everything at or below
    ``quality * max``; (2) keep pixels equal to the maximum of their 3x3 neighbourhood
    (non-maximum suppression) and not on the outermost pixel ring; (3) sort by response, ties by
    position (later in row-major order first, as OpenCV); (4) walk down the list, keeping a
    corner only if no kept one lies closer than ``min_distance``. A threshold alone keeps
    whole blobs of pixels around each corner; step (2) keeps one per corner.

    References
    ----------
    J. Shi and C. Tomasi, "Good features to track", CVPR 1994. Used in
    chapters/05_corners.ipynb.

    Examples
    --------
    >>> r = np.zeros((7, 7)); r[2, 2] = 5.0; r[2, 3] = 4.0; r[4, 4] = 3.0
    >>> corner_peaks(r, min_distance=1)
    array([[2., 2.],
           [4., 4.]])
    """
    from scipy import ndimage

    r = as_array(response, "response", ndim=2, kinds="iuf", shape_hint="(H, W)").astype(np.float64)
    quality = check_float(quality, "quality", min=0.0, max=1.0, min_inclusive=False)
    min_distance = check_float(min_distance, "min_distance", min=0.0, max=10_000.0)
    max_corners = check_int(max_corners, "max_corners", min=1, max=_MAX_CORNERS)
    top = float(r.max())
    if top <= 0:
        return np.zeros((0, 2))
    r = np.where(r > quality * top, r, 0.0)
    peak = (r > 0) & (r == ndimage.maximum_filter(r, size=3, mode="constant", cval=0.0))
    peak[[0, -1], :] = False
    peak[:, [0, -1]] = False
    ys, xs = np.nonzero(peak)
    order = np.lexsort((-(ys * r.shape[1] + xs), -r[ys, xs]))  # by value, ties later first
    xs, ys = xs[order], ys[order]
    if min_distance <= 1.0:  # "closer than 1 pixel" excludes nothing but the point itself
        return np.column_stack([xs, ys])[:max_corners].astype(np.float64)
    # Each kept corner blocks a disc of radius < min_distance around it: one look-up per
    # candidate instead of a distance to every kept corner.
    reach = int(np.ceil(min_distance)) - 1  # the largest integer offset below min_distance
    dy, dx = np.mgrid[-reach : reach + 1, -reach : reach + 1]
    disc = dx * dx + dy * dy < min_distance**2
    h, w = r.shape
    blocked = np.zeros((h + 2 * reach, w + 2 * reach), bool)  # padded: no clipping needed
    kept: list[int] = []
    for i in range(len(xs)):
        if blocked[ys[i] + reach, xs[i] + reach]:
            continue
        kept.append(i)
        if len(kept) == max_corners:
            break
        blocked[ys[i] : ys[i] + 2 * reach + 1, xs[i] : xs[i] + 2 * reach + 1] |= disc
    return np.column_stack([xs[kept], ys[kept]]).astype(np.float64)


# --------------------------------------------------------------------------------------------
# Blobs: scale space
# --------------------------------------------------------------------------------------------
def _check_sigmas(sigmas: Any, *, at_least: int = 1) -> np.ndarray:
    s = as_array(sigmas, "sigmas", ndim=1, kinds="iuf", shape_hint="(S,)").astype(np.float64)
    if not at_least <= len(s) <= _MAX_SCALES:
        raise ValueError(f"sigmas must hold {at_least} to {_MAX_SCALES} values; got {len(s)}")
    if (s <= 0).any() or (s > _MAX_SIGMA).any():
        raise ValueError(f"sigmas must lie in (0, {_MAX_SIGMA:g}]; got {s.tolist()}")
    if len(s) > 1 and np.any(np.diff(s) <= 0):
        raise ValueError(f"sigmas must increase strictly; got {s.tolist()}")
    return s


def log_scale_space(image: Any, sigmas: Any) -> np.ndarray:
    """The scale-normalised Laplacian of Gaussian at each sigma, signed so bright blobs are > 0.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image; uint8 is read as [0, 1].
    sigmas : (S,) array_like
        Increasing scales in pixels (1 to 64 of them, each in (0, 256]).

    Returns
    -------
    (S, H, W) ndarray of float64

    Notes
    -----
    :math:`L(x, y, \\sigma) = -\\sigma^2\\,\\nabla^2 (G_\\sigma * I)`. The factor
    :math:`\\sigma^2` makes responses comparable across scales; then a bright disc of radius
    :math:`r` responds most at :math:`\\sigma = r/\\sqrt 2`, at its centre. Same as
    ``-sigma**2 * scipy.ndimage.gaussian_laplace(image, sigma)`` (what ``skimage.feature.
    blob_log`` uses), border ``"reflect"``.

    References
    ----------
    T. Lindeberg, "Feature detection with automatic scale selection", IJCV 30(2), 1998. Used in
    chapters/05_corners.ipynb.

    Examples
    --------
    >>> img = np.zeros((41, 41)); img[20, 20] = 1.0
    >>> log_scale_space(img, [1.0, 2.0]).shape
    (2, 41, 41)
    """
    from scipy import ndimage

    image = _gray_float(image)
    s = _check_sigmas(sigmas)
    return np.stack([-(sigma**2) * ndimage.gaussian_laplace(image, sigma) for sigma in s])


def dog_scale_space(image: Any, sigmas: Any) -> np.ndarray:
    """Differences of Gaussians between consecutive sigmas, scaled to approximate the LoG.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image; uint8 is read as [0, 1].
    sigmas : (S,) array_like
        Increasing scales (2 to 64 of them, each in (0, 256]).

    Returns
    -------
    (S - 1, H, W) ndarray of float64
        Level ``i`` is :math:`(G_{\\sigma_i} - G_{\\sigma_{i+1}}) * I / (\\sigma_{i+1}/\\sigma_i
        - 1)`, which approximates level ``i`` of :func:`log_scale_space`.

    Notes
    -----
    The heat equation :math:`\\partial G/\\partial\\sigma = \\sigma\\nabla^2 G` gives
    :math:`G_{k\\sigma} - G_\\sigma \\approx (k-1)\\sigma^2\\nabla^2 G`: a difference of two blurs
    is a scale-normalised Laplacian for free, which is why SIFT builds its scale space from
    blurred images.

    References
    ----------
    D. G. Lowe, "Distinctive image features from scale-invariant keypoints", IJCV 60(2), 2004.
    Used in chapters/05_corners.ipynb.

    Examples
    --------
    >>> dog_scale_space(np.zeros((8, 8)), [1.0, 1.6, 2.56]).shape
    (2, 8, 8)
    """
    from scipy import ndimage

    image = _gray_float(image)
    s = _check_sigmas(sigmas, at_least=2)
    blurred = [ndimage.gaussian_filter(image, sigma) for sigma in s]
    levels = [(blurred[i] - blurred[i + 1]) / (s[i + 1] / s[i] - 1) for i in range(len(s) - 1)]
    return np.stack(levels)


def blob_peaks(stack: Any, sigmas: Any, threshold: float, *, max_blobs: int = 10_000) -> np.ndarray:
    """Local maxima of a scale-space stack over space **and** scale: blobs with their size.

    Parameters
    ----------
    stack : (S, H, W) ndarray
        From :func:`log_scale_space` (or :func:`dog_scale_space`).
    sigmas : (S,) array_like
        The sigma of each level.
    threshold : float
        Keep maxima above this response (0 to 1e12).
    max_blobs : int
        Return at most this many, strongest first (1 to 100,000).

    Returns
    -------
    (N, 4) ndarray of float64
        ``(x, y, sigma, response)`` per blob, strongest first; a bright disc's radius is about
        :math:`\\sqrt 2\\,\\sigma`.

    Notes
    -----
    A blob is a point larger than its 26 neighbours in the 3x3x3 cube of (scale, row,
    column) around it, and above ``threshold``: the extremum in scale picks the blob's size.

    References
    ----------
    T. Lindeberg, IJCV 30(2), 1998. Used in chapters/05_corners.ipynb.

    Examples
    --------
    >>> img = np.zeros((41, 41)); img[16:25, 16:25] = 1.0     # a bright 9x9 square
    >>> sig = [1.5, 2.5, 3.5, 4.5, 5.5]
    >>> blob_peaks(log_scale_space(img, sig), sig, 0.1)[:, :3]
    array([[20. , 20. ,  3.5]])
    """
    from scipy import ndimage

    cube = as_array(stack, "stack", ndim=3, kinds="iuf", shape_hint="(S, H, W)").astype(np.float64)
    s = _check_sigmas(sigmas)
    if len(s) != cube.shape[0]:
        raise ValueError(
            f"sigmas must have one value per level of stack ({cube.shape[0]}); got {len(s)}"
        )
    threshold = check_float(threshold, "threshold", min=0.0, max=1e12)
    max_blobs = check_int(max_blobs, "max_blobs", min=1, max=_MAX_CORNERS)
    peak = (cube > threshold) & (cube == ndimage.maximum_filter(cube, size=3, mode="nearest"))
    levels, ys, xs = np.nonzero(peak)
    values = cube[levels, ys, xs]
    order = np.argsort(-values, kind="stable")[:max_blobs]
    return np.column_stack([xs[order], ys[order], s[levels[order]], values[order]]).astype(float)


# --------------------------------------------------------------------------------------------
# The SURF idea: a box-filter Hessian on the integral image
# --------------------------------------------------------------------------------------------
def _check_surf_size(size: Any) -> int:
    size = check_int(size, "size", min=9, max=195)
    if (size - 9) % 6:
        raise ValueError(
            f"size must be 9, 15, 21, 27, ... (9 + 6 n, SURF's filter sizes); got {size}"
        )
    return size


def box_hessian_kernels(size: int = 9) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SURF's box approximations of the second-derivative-of-Gaussian kernels, as dense arrays.

    Parameters
    ----------
    size : int
        Filter side: 9, 15, 21, ... (9 + 6n, up to 195); 9 approximates :math:`\\sigma = 1.2`.

    Returns
    -------
    dxx, dyy, dxy : (size, size) ndarray of float64
        Weights +1 / -2 / +1 in three stacked lobes (``dyy``; ``dxx`` is its transpose) and
        +1 / -1 in four squares (``dxy``), divided by ``size**2``.

    Notes
    -----
    With lobe length :math:`l = \\text{size}/3`: ``dyy`` has three :math:`l \\times (2l-1)`
    boxes above one another, weights 1, -2, 1; ``dxy`` has four :math:`l \\times l` squares
    around the centre (one-pixel gap), + on the top-left and bottom-right. Each box costs four
    look-ups in an integral image whatever its size (:func:`box_hessian`).

    References
    ----------
    H. Bay, A. Ess, T. Tuytelaars, L. Van Gool, "SURF: Speeded Up Robust Features", CVIU
    110(3), 2008. Used in chapters/05_corners.ipynb.

    Examples
    --------
    >>> dxx, dyy, dxy = box_hessian_kernels(9)
    >>> (dyy * 81).astype(int)[:, 4]
    array([ 1,  1,  1, -2, -2, -2,  1,  1,  1])
    >>> float(dxx.sum()), float(dxy.sum())
    (0.0, 0.0)
    """
    size = _check_surf_size(size)
    lobe, half = size // 3, size // 2
    dyy = np.zeros((size, size))
    cols = slice(half - (lobe - 1), half + lobe)  # 2 lobe - 1 columns, centred
    for i, weight in enumerate((1.0, -2.0, 1.0)):
        dyy[i * lobe : (i + 1) * lobe, cols] = weight
    dxy = np.zeros((size, size))
    near, far = half - lobe, half  # a square's rows: half - lobe .. half - 1 (above the gap)
    dxy[near:far, near:far] = 1.0
    dxy[half + 1 : half + 1 + lobe, half + 1 : half + 1 + lobe] = 1.0
    dxy[near:far, half + 1 : half + 1 + lobe] = -1.0
    dxy[half + 1 : half + 1 + lobe, near:far] = -1.0
    area = float(size * size)
    return dyy.T / area, dyy / area, dxy / area


def box_hessian(image: Any, size: int = 9) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SURF's Hessian entries ``(dxx, dyy, dxy)`` from box sums on the integral image.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image; uint8 is read as [0, 1].
    size : int
        Filter side, 9 + 6n (9 to 195).

    Returns
    -------
    dxx, dyy, dxy : (H, W) ndarray of float64
        Equal to correlating ``image`` with :func:`box_hessian_kernels` (border reflect101),
        but each box costs four look-ups, so the time does not grow with ``size``.

    Notes
    -----
    SURF's detector keeps maxima of :math:`\\det H \\approx D_{xx}D_{yy} - (0.9\\,D_{xy})^2`
    (:func:`surf_response`) over space and filter size: the Hessian's determinant, built from
    **second** derivatives approximated by boxes.

    References
    ----------
    H. Bay et al., "SURF: Speeded Up Robust Features", CVIU 110(3), 2008. Used in
    chapters/05_corners.ipynb.

    Examples
    --------
    A bright dot: ``dxx`` and ``dyy`` are most negative on it (intensity curves downwards).

    >>> img = np.zeros((21, 21)); img[10, 10] = 1.0
    >>> dxx, dyy, dxy = box_hessian(img)
    >>> bool(dxx[10, 10] < 0 and dyy[10, 10] < 0), float(abs(dxy[10, 10]))
    (True, 0.0)
    """
    image = _gray_float(image)
    size = _check_surf_size(size)
    half = size // 2
    if min(image.shape) <= half:
        raise ValueError(
            f"image must be larger than half the filter (size // 2 = {half}) on both sides; got "
            f"shape {image.shape} - use a smaller size"
        )
    s = integral_image(np.pad(image, half, mode="reflect"))
    h, w = image.shape

    def box(r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        # Sum over rows r0..r1-1, cols c0..c1-1 relative to the filter's top-left, every pixel.
        return s[r1 : r1 + h, c1 : c1 + w] - s[r0 : r0 + h, c1 : c1 + w] \
            - s[r1 : r1 + h, c0 : c0 + w] + s[r0 : r0 + h, c0 : c0 + w]

    lobe = size // 3
    c0, c1 = half - (lobe - 1), half + lobe
    dyy = box(0, lobe, c0, c1) - 2 * box(lobe, 2 * lobe, c0, c1) + box(2 * lobe, size, c0, c1)
    dxx = box(c0, c1, 0, lobe) - 2 * box(c0, c1, lobe, 2 * lobe) + box(c0, c1, 2 * lobe, size)
    a0, a1, b0, b1 = half - lobe, half, half + 1, half + 1 + lobe
    dxy = box(a0, a1, a0, a1) + box(b0, b1, b0, b1) - box(a0, a1, b0, b1) - box(b0, b1, a0, a1)
    area = float(size * size)
    return dxx / area, dyy / area, dxy / area


def surf_response(image: Any, size: int = 9) -> np.ndarray:
    """SURF's blob response: the approximate Hessian determinant ``dxx dyy - (0.9 dxy)^2``.

    Parameters
    ----------
    image : (H, W) ndarray
    size : int
        Filter side, 9 + 6n (9 to 195).

    Returns
    -------
    (H, W) ndarray of float64

    Notes
    -----
    The 0.9 balances the box approximation of :math:`D_{xy}` against the others (Bay et al.,
    eq. 4). Positive where the intensity curves the same way in every direction (a blob),
    negative at saddles.

    References
    ----------
    H. Bay et al., CVIU 110(3), 2008. Used in chapters/05_corners.ipynb.

    Examples
    --------
    >>> img = np.zeros((21, 21)); img[8:13, 8:13] = 1.0
    >>> r = surf_response(img)
    >>> np.unravel_index(np.argmax(r), r.shape)
    (np.int64(10), np.int64(10))
    """
    dxx, dyy, dxy = box_hessian(image, size)
    return dxx * dyy - (0.9 * dxy) ** 2


# --------------------------------------------------------------------------------------------
# SIFT, matching and homographies
# --------------------------------------------------------------------------------------------
def sift_features(image: Any, *, max_features: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """SIFT keypoints and descriptors from OpenCV (``cv2.SIFT_create``), as plain arrays.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        uint8, or float in [0, 1]; colour is converted to gray first.
    max_features : int
        Keep the strongest this many (0 = all; at most 100,000).

    Returns
    -------
    keypoints : (N, 4) ndarray of float64
        ``(x, y, size, angle)`` per keypoint: position in pixels, the diameter of its
        neighbourhood, and its orientation in degrees.
    descriptors : (N, 128) ndarray of float32
        4x4 cells x 8 orientation bins of gradient histograms per keypoint.

    Notes
    -----
    SIFT finds extrema of a difference-of-Gaussians scale space (:func:`dog_scale_space`),
    refines them, drops low-contrast and edge-like ones, gives each a dominant gradient
    orientation and describes the rotated, scaled neighbourhood by gradient histograms. Its
    patent expired in March 2020; ``cv2.SIFT_create`` is in opencv-python since 4.4.

    References
    ----------
    D. G. Lowe, "Distinctive image features from scale-invariant keypoints", IJCV 60(2), 2004.
    Used in chapters/05_corners.ipynb.

    Examples
    --------
    >>> kp, desc = sift_features(np.zeros((32, 32), np.uint8))   # nothing to find on a flat image
    >>> kp.shape, desc.shape
    ((0, 4), (0, 128))
    """
    import cv2

    from .color import to_gray
    from .image import as_uint8_image

    image = check_image(image)
    max_features = check_int(max_features, "max_features", min=0, max=_MAX_CORNERS)
    gray = as_uint8_image(to_gray(image) if image.ndim == 3 else image)
    keypoints, descriptors = cv2.SIFT_create(nfeatures=max_features).detectAndCompute(gray, None)
    kp = np.array([(k.pt[0], k.pt[1], k.size, k.angle) for k in keypoints], np.float64)
    if descriptors is None:
        return kp.reshape(0, 4), np.zeros((0, 128), np.float32)
    return kp.reshape(-1, 4), descriptors.astype(np.float32)


def descriptor_distances(descriptors1: Any, descriptors2: Any) -> np.ndarray:
    """Euclidean distance between every pair of descriptors.

    Parameters
    ----------
    descriptors1 : (N, D) ndarray
    descriptors2 : (M, D) ndarray
        ``N * M`` at most 2**26.

    Returns
    -------
    (N, M) ndarray of float64

    Notes
    -----
    :math:`\\|a - b\\|^2 = \\|a\\|^2 + \\|b\\|^2 - 2a\\cdot b`: one matrix product for all
    pairs (clipped at 0 against rounding).

    References
    ----------
    Used in chapters/05_corners.ipynb.

    Examples
    --------
    >>> descriptor_distances([[0, 0], [3, 4]], [[0, 0]])
    array([[0.],
           [5.]])
    """
    a = as_array(descriptors1, "descriptors1", ndim=2, kinds="iuf", shape_hint="(N, D)")
    b = as_array(descriptors2, "descriptors2", ndim=2, kinds="iuf", shape_hint="(M, D)")
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"descriptors1 and descriptors2 must have the same length D; got {a.shape[1]} and "
            f"{b.shape[1]}"
        )
    if a.shape[0] * b.shape[0] > _MAX_PAIRS:
        raise ValueError(
            f"descriptors1 x descriptors2 must have at most {_MAX_PAIRS} pairs; got "
            f"{a.shape[0]} x {b.shape[0]} - keep fewer features (max_features)"
        )
    a, b = a.astype(np.float64), b.astype(np.float64)
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(d2, 0.0))


def ratio_test(distances: Any, ratio: float = 0.75) -> np.ndarray:
    """Lowe's ratio test: keep ``i -> j`` when ``j`` is clearly closer than the runner-up.

    Parameters
    ----------
    distances : (N, M) ndarray
        Descriptor distances, ``M >= 2`` (:func:`descriptor_distances`).
    ratio : float
        Keep a match when best < ratio * second best (0 < ratio <= 1).

    Returns
    -------
    (K, 2) ndarray of int64
        Pairs ``(i, j)``: descriptor ``i`` of the first set matches ``j`` of the second.

    Notes
    -----
    A feature on a repeated or bland structure has several near-equal candidates; the ratio
    :math:`d_1 / d_2` of its two best distances is close to 1 and it is dropped. Lowe found
    0.8 removes 90% of wrong matches and 5% of right ones. Same pairs as
    ``cv2.BFMatcher(cv2.NORM_L2).knnMatch(d1, d2, k=2)`` filtered by
    ``m.distance < ratio * n.distance``.

    References
    ----------
    D. G. Lowe, IJCV 60(2), 2004, Sec. 7.1. Used in chapters/05_corners.ipynb.

    Examples
    --------
    >>> ratio_test(np.array([[1.0, 4.0, 5.0], [2.0, 2.1, 9.0]]), 0.75)
    array([[0, 0]])
    """
    d = as_array(distances, "distances", ndim=2, kinds="iuf", shape_hint="(N, M)")
    ratio = check_float(ratio, "ratio", min=0.0, max=1.0, min_inclusive=False)
    if d.shape[1] < 2:
        raise ValueError(
            f"distances needs at least 2 columns (two candidates); got shape {d.shape}"
        )
    two = np.argpartition(d, 1, axis=1)[:, :2]
    rows = np.arange(len(d))
    first, second = d[rows, two[:, 0]], d[rows, two[:, 1]]
    swap = second < first
    best = np.where(swap, two[:, 1], two[:, 0])
    d1, d2 = np.minimum(first, second), np.maximum(first, second)
    keep = d1 < ratio * d2
    return np.column_stack([rows[keep], best[keep]]).astype(np.int64)


def match_descriptors(descriptors1: Any, descriptors2: Any, ratio: float = 0.75) -> np.ndarray:
    """Brute-force nearest-neighbour matching with the ratio test.

    Parameters
    ----------
    descriptors1 : (N, D) ndarray
    descriptors2 : (M, D) ndarray, M >= 2
    ratio : float
        See :func:`ratio_test`.

    Returns
    -------
    (K, 2) ndarray of int64
        Index pairs ``(i, j)``.

    References
    ----------
    D. G. Lowe, IJCV 60(2), 2004. Used in chapters/05_corners.ipynb.

    Examples
    --------
    >>> match_descriptors([[0.0, 0.0], [10.0, 0.0]], [[10.0, 1.0], [0.0, 1.0], [50.0, 50.0]])
    array([[0, 1],
           [1, 0]])
    """
    return ratio_test(descriptor_distances(descriptors1, descriptors2), ratio)


def estimate_homography(
    src: Any, dst: Any, *, threshold: float = 3.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A homography from point matches with RANSAC (``cv2.findHomography``), seeded.

    Parameters
    ----------
    src, dst : (N, 2) ndarray
        Matched ``(x, y)`` points, N >= 4 (at most 1,000,000).
    threshold : float
        RANSAC's inlier distance in pixels (0 < threshold <= 100).
    seed : int
        Seed of OpenCV's random generator (RANSAC samples randomly), 0 to 2**31 - 1.

    Returns
    -------
    matrix : (3, 3) ndarray of float64
        Maps ``src`` to ``dst``; normalised so that ``matrix[2, 2] == 1``.
    inliers : (N,) ndarray of bool

    Raises
    ------
    ValueError
        If OpenCV finds no homography (too few or degenerate matches).

    Notes
    -----
    RANSAC repeats: pick 4 matches at random, fit the homography through them, count the
    matches it maps to within ``threshold`` pixels; the largest consensus wins and is refitted.

    References
    ----------
    M. A. Fischler and R. C. Bolles, "Random sample consensus", Comm. ACM 24(6), 1981. Used in
    chapters/05_corners.ipynb.

    Examples
    --------
    >>> src = np.array([[0, 0], [10, 0], [0, 10], [10, 10], [5, 5]], float)
    >>> m, inliers = estimate_homography(src, src + [2, 3])
    >>> np.round(m, 6) + 0.0, bool(inliers.all())
    (array([[1., 0., 2.],
           [0., 1., 3.],
           [0., 0., 1.]]), True)
    """
    import cv2

    a = as_array(src, "src", ndim=2, kinds="iuf", shape_hint="(N, 2)")
    b = as_array(dst, "dst", ndim=2, kinds="iuf", shape_hint="(N, 2)")
    if a.shape[1:] != (2,) or b.shape != a.shape:
        raise ValueError(f"src and dst must both have shape (N, 2); got {a.shape} and {b.shape}")
    if not 4 <= len(a) <= 1_000_000:
        raise ValueError(f"src and dst must hold 4 to 1,000,000 matches; got {len(a)}")
    threshold = check_float(threshold, "threshold", min=0.0, max=100.0, min_inclusive=False)
    seed = check_int(seed, "seed", min=0, max=2**31 - 1)
    cv2.setRNGSeed(seed)
    matrix, mask = cv2.findHomography(
        a.astype(np.float32), b.astype(np.float32), cv2.RANSAC, threshold
    )
    if matrix is None:
        raise ValueError("no homography found: the matches are too few or degenerate (collinear)")
    return matrix / matrix[2, 2], mask.ravel().astype(bool)


def make_rotated_pair(
    image: Any, *, angle: float = 30.0, scale: float = 0.8, noise: float = 0.02, rng: Any = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A test pair with a known answer: the image rotated and scaled about its centre, plus noise.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray, uint8 or float in [0, 1].
    angle : float
        Degrees, counter-clockwise on screen (-360 to 360).
    scale : float
        0.1 to 10.
    noise : float
        Standard deviation of Gaussian noise added, on the [0, 1] scale (0 to 1).
    rng : numpy.random.Generator or int
        Seed of the noise.

    Returns
    -------
    warped : (H, W) ndarray of float32 in [0, 1]
    matrix : (3, 3) ndarray of float64
        The true map from ``image``'s pixels to ``warped``'s.

    References
    ----------
    Used in chapters/05_corners.ipynb.

    Examples
    --------
    >>> warped, m = make_rotated_pair(np.zeros((8, 8)), angle=90, scale=1.0, noise=0.0)
    >>> warped.shape, np.round(m[:2, :2], 12) + 0.0
    ((8, 8), array([[ 0.,  1.],
           [-1.,  0.]]))
    """
    from .image import as_float_image
    from .transforms import rotation_matrix, warp_affine

    image = check_image(image, ndim=2, fix="convert with helpers.color.to_gray() first")
    image = as_float_image(image)
    angle = check_float(angle, "angle", min=-360.0, max=360.0)
    scale = check_float(scale, "scale", min=0.1, max=10.0)
    noise = check_float(noise, "noise", min=0.0, max=1.0)
    gen = check_rng(rng)
    h, w = image.shape
    matrix = rotation_matrix(((w - 1) / 2, (h - 1) / 2), angle, scale, homogeneous=True)
    warped = warp_affine(image, matrix)
    if noise > 0:
        warped = warped + gen.normal(0.0, noise, warped.shape).astype(np.float32)
    return np.clip(warped, 0.0, 1.0).astype(np.float32), matrix


def correct_matches(
    points1: Any, points2: Any, matrix: Any, *, tolerance: float = 3.0
) -> np.ndarray:
    """Which matches agree with a known transform: ``|matrix(p1) - p2| <= tolerance``.

    Parameters
    ----------
    points1, points2 : (K, 2) ndarray
        Matched ``(x, y)`` points in the first and second image.
    matrix : (2, 3) or (3, 3) array_like
        The true map from the first image to the second.
    tolerance : float
        Pixels (0 < tolerance <= 1000).

    Returns
    -------
    (K,) ndarray of bool

    References
    ----------
    Used in chapters/05_corners.ipynb.

    Examples
    --------
    >>> correct_matches([[0, 0], [5, 5]], [[1, 0], [9, 9]], [[1, 0, 1], [0, 1, 0]])
    array([ True, False])
    """
    from .transforms import transform_points

    a = as_array(points1, "points1", ndim=2, kinds="iuf", shape_hint="(K, 2)", allow_empty=True)
    b = as_array(points2, "points2", ndim=2, kinds="iuf", shape_hint="(K, 2)", allow_empty=True)
    if a.shape != b.shape or (a.size and a.shape[1] != 2):
        raise ValueError(
            f"points1 and points2 must both have shape (K, 2); got {a.shape} and {b.shape}"
        )
    tolerance = check_float(tolerance, "tolerance", min=0.0, max=1000.0, min_inclusive=False)
    if len(a) == 0:
        return np.zeros(0, bool)
    return np.hypot(*(transform_points(matrix, a) - b).T) <= tolerance


def reprojection_error(matrix: Any, points: Any, true_matrix: Any) -> np.ndarray:
    """How far an estimated transform sends points from where the true one sends them.

    Parameters
    ----------
    matrix : (3, 3) or (2, 3) array_like
        Estimated map (a homography is divided through by its third coordinate).
    points : (N, 2) array_like
        ``(x, y)`` points to test, e.g. a grid over the first image.
    true_matrix : (3, 3) or (2, 3) array_like
        The true map.

    Returns
    -------
    (N,) ndarray of float64
        Distances in pixels.

    References
    ----------
    R. Hartley and A. Zisserman, *Multiple View Geometry*, 2nd ed., Sec. 4.2 (2004). Used in
    chapters/05_corners.ipynb.

    Examples
    --------
    >>> reprojection_error(np.eye(3), [[0, 0], [3, 4]], [[1, 0, 3], [0, 1, 4]])
    array([5., 5.])
    """
    from .transforms import transform_points

    for name, value in (("matrix", matrix), ("true_matrix", true_matrix)):
        m = as_array(value, name, ndim=2, kinds="iuf", shape_hint="(2, 3) or (3, 3)")
        if m.shape not in ((2, 3), (3, 3)):
            raise ValueError(f"{name} must have shape (2, 3) or (3, 3); got shape {m.shape}")
    return np.hypot(*(transform_points(matrix, points) - transform_points(true_matrix, points)).T)


def repeatability(
    points1: Any, points2: Any, matrix: Any, shape: Any, *, tolerance: float = 2.0
) -> float:
    """Share of the points found in image 1 that are found again in image 2 where they should be.

    Parameters
    ----------
    points1 : (N, 2) ndarray
        ``(x, y)`` detections in the first image (N >= 1, at most 100,000).
    points2 : (M, 2) ndarray
        Detections in the second image (at most 100,000).
    matrix : (2, 3) or (3, 3) array_like
        The true map from image 1 to image 2.
    shape : (H, W)
        Image 2's shape (each side 1 to 1,000,000): points of image 1 that land outside it
        cannot be found again and are not counted.
    tolerance : float
        Pixels (0 < tolerance <= 100).

    Returns
    -------
    float
        Of the points of image 1 that land inside image 2, the share with a detection of
        image 2 within ``tolerance`` (0.0 when none lands inside).

    Notes
    -----
    A detector is *repeatable* when it fires on the same scene points after the camera moves;
    that, not the number of corners, is what tracking and matching need.

    References
    ----------
    C. Schmid, R. Mohr, C. Bauckhage, "Evaluation of interest point detectors", IJCV 37(2),
    2000. Used in chapters/05_corners.ipynb.

    Examples
    --------
    >>> repeatability([[0, 0], [5, 5], [50, 50]], [[1, 0], [20, 20]], np.eye(3), (30, 30))
    0.5
    """
    from scipy.spatial import cKDTree

    from .transforms import transform_points

    a = as_array(points1, "points1", ndim=2, kinds="iuf", shape_hint="(N, 2)")
    b = as_array(points2, "points2", ndim=2, kinds="iuf", shape_hint="(M, 2)")
    for name, p in (("points1", a), ("points2", b)):
        if p.shape[1] != 2 or len(p) > _MAX_CORNERS:
            raise ValueError(f"{name} must have shape (N, 2) with N <= {_MAX_CORNERS}; "
                             f"got {p.shape}")
    tolerance = check_float(tolerance, "tolerance", min=0.0, max=100.0, min_inclusive=False)
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise TypeError(f"shape must be a pair (H, W); got {describe(shape)}")
    h = check_int(shape[0], "shape[0] (H)", min=1, max=1_000_000)
    w = check_int(shape[1], "shape[1] (W)", min=1, max=1_000_000)
    moved = transform_points(matrix, a)
    inside = (moved[:, 0] >= 0) & (moved[:, 0] <= w - 1)
    inside &= (moved[:, 1] >= 0) & (moved[:, 1] <= h - 1)
    if not inside.any() or len(b) == 0:
        return 0.0
    dist, _ = cKDTree(b).query(moved[inside])
    return float(np.mean(dist <= tolerance))
