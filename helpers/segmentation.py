"""Segmentation: splitting an image into regions, classical methods first.

Used in chapters/06_segmentation.ipynb (thresholds, region growing, k-means); chapter 14
adds the metrics of CNN segmentation to this module in a section of its own.

The module is organised by section, in the order the chapter teaches them:

1. **Thresholds** (one number decides foreground from background):
   :func:`threshold_isodata` (the iterative global threshold), :func:`otsu_between_class_variance`
   and :func:`threshold_otsu` (Otsu's criterion), :func:`adaptive_local_mean` and
   :func:`adaptive_threshold` (a threshold per pixel from its neighbourhood).
2. **Region growing** from seeds: :func:`region_grow` and the loop version
   :func:`region_grow_naive`.
3. **K-means** clustering of pixel colours: :func:`kmeans_plusplus` initialisation,
   :func:`kmeans` (vectorised) beside :func:`kmeans_naive` (loops), and :func:`kmeans_colors`
   for images.
4. **Segmentation with CNNs** (chapters/14_segmentation_cnns.ipynb, a separate section): the
   scores :func:`dice` and :func:`mask_iou` (binary or per class), the losses
   :func:`soft_dice_loss` (V-Net) and :func:`binary_cross_entropy`, :func:`mask_boundary`,
   and the three kinds of segmentation: :func:`label_components` (semantic -> instances the
   naive way), :func:`panoptic_map` and :func:`panoptic_quality`.

Conventions, and how they map onto the reference libraries (tests/test_segmentation.py):

* A threshold ``t`` makes a pixel **foreground (True) when it is strictly greater** than ``t``,
  as ``cv2.threshold(..., THRESH_BINARY)`` and ``image > skimage.filters.threshold_otsu(image)``
  do. For uint8 images ``t`` is an integer gray level; for float images in [0, 1] it is a float.
* ``adaptive_threshold(image, block_size, c, method)`` is
  ``cv2.adaptiveThreshold(image, 255, ADAPTIVE_THRESH_MEAN_C or ADAPTIVE_THRESH_GAUSSIAN_C,
  THRESH_BINARY, block_size, c) > 0``: foreground where ``image > local_mean - c``, the local
  mean over a ``block_size`` square with a *replicated* border and, for uint8 input, rounded to
  a whole gray level as OpenCV stores it.
* Region growing compares every pixel with the **seed's own value**: a pixel joins when
  ``|I(p) - I(seed)| <= tolerance`` and it touches the region (4- or 8-neighbours). This is
  ``skimage.segmentation.flood(image, seed, tolerance=...)`` and ``cv2.floodFill`` with
  ``FLOODFILL_FIXED_RANGE``. Seeds are ``(row, col)`` (OpenCV's ``seedPoint`` is ``(x, y)``).
* K-means returns ``compactness``, the sum of squared distances of the points to their
  centres: what ``cv2.kmeans`` returns first and scikit-learn calls ``inertia_``.
"""

from __future__ import annotations

from collections import deque
from typing import Any, NamedTuple

import numpy as np

from ._validation import (
    as_array,
    check_choice,
    check_float,
    check_image,
    check_int,
    check_rng,
)
from .image import as_float_image, as_uint8_image

__all__ = [
    "ADAPTIVE_METHODS",
    "KMeansResult",
    "adaptive_local_mean",
    "adaptive_threshold",
    "binary_cross_entropy",
    "dice",
    "kmeans",
    "kmeans_colors",
    "kmeans_naive",
    "kmeans_plusplus",
    "kmeans_step",
    "label_components",
    "mask_boundary",
    "mask_iou",
    "otsu_between_class_variance",
    "otsu_between_class_variance_naive",
    "panoptic_map",
    "panoptic_quality",
    "region_grow",
    "region_grow_naive",
    "soft_dice_loss",
    "threshold_isodata",
    "threshold_otsu",
]

#: The largest block of an adaptive threshold, and of a few other sizes below: big enough for
#: any photo the course shows, small enough that nothing can try to allocate gigabytes.
MAX_BLOCK = 4095

#: Local means :func:`adaptive_threshold` knows (OpenCV's ADAPTIVE_THRESH_MEAN_C / _GAUSSIAN_C).
ADAPTIVE_METHODS = ("mean", "gaussian")

#: OpenCV's fixed 1-D Gaussian tables for ``sigma <= 0`` and sizes 1-9 (``cv2.getGaussianKernel``);
#: larger sizes use the formula of :func:`helpers.filters.gaussian_sigma_for_size`.
_OPENCV_SMALL_GAUSSIANS = {
    1: (1.0,),
    3: (0.25, 0.5, 0.25),
    5: (0.0625, 0.25, 0.375, 0.25, 0.0625),
    7: (0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125),
    9: (0.015625, 0.05078125, 0.1171875, 0.19921875, 0.234375, 0.19921875, 0.1171875,
        0.05078125, 0.015625),
}


def _gray(image: Any, name: str = "image") -> np.ndarray:
    return check_image(image, name, ndim=2, fix="convert with helpers.color.to_gray() first")


def _levels(image: Any, name: str = "image") -> np.ndarray:
    """A gray image as uint8 levels (float [0, 1] images are rounded to the nearest level)."""
    return as_uint8_image(_gray(image, name), name)


# == 1. Thresholds ===============================================================================


def threshold_isodata(image: np.ndarray, *, max_iter: int = 100) -> float:
    """The classic iterative global threshold: halfway between the two class means.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image, uint8 (0-255) or float in [0, 1].
    max_iter : int
        Upper bound on the iterations (1-10,000); the loop usually stops after a handful.

    Returns
    -------
    float
        ``t`` in the image's units (0-255 for uint8, 0-1 for float): foreground is ``image > t``.

    Notes
    -----
    Start from the mean gray level :math:`t_0`, then repeat

    .. math:: t_{k+1} = \\tfrac12\\left(\\mu_{\\le t_k} + \\mu_{> t_k}\\right)

    where :math:`\\mu_{\\le t}` and :math:`\\mu_{>t}` are the means of the pixels on each side,
    until :math:`t` changes by less than half a gray level (0.5 for uint8, 0.5 / 255 for float).
    This is 1-D k-means with :math:`k = 2` started from the mean. It stops at a fixed point,
    which is why scikit-image's ``threshold_isodata`` (the smallest fixed point on the histogram's
    bin centres) agrees with it to within one gray level on the course's photos.

    References
    ----------
    T. W. Ridler and S. Calvard, "Picture thresholding using an iterative selection method",
    *IEEE Trans. Systems, Man and Cybernetics* 8(8), 1978. R. C. Gonzalez and R. E. Woods,
    *Digital Image Processing*, 4th ed., Sec. 10.3 (2018). Used in chapters/06_segmentation.ipynb.

    Examples
    --------
    Two flat classes, 10 and 50: the threshold settles halfway.

    >>> threshold_isodata(np.array([[10, 10, 10, 50]], np.uint8))
    30.0
    """
    image = _gray(image)
    max_iter = check_int(max_iter, "max_iter", min=1, max=10_000)
    levels = as_uint8_image(image)
    counts = np.bincount(levels.ravel(), minlength=256).astype(np.float64)
    values = np.arange(256, dtype=np.float64)
    t = float((counts * values).sum() / counts.sum())
    for _ in range(max_iter):
        below = values <= t
        n_low, n_high = counts[below].sum(), counts[~below].sum()
        if n_low == 0 or n_high == 0:  # a flat image: nothing to split
            break
        mean_low = (counts[below] * values[below]).sum() / n_low
        mean_high = (counts[~below] * values[~below]).sum() / n_high
        new_t = 0.5 * (mean_low + mean_high)
        converged = abs(new_t - t) < 0.5
        t = new_t
        if converged:
            break
    return float(t) if image.dtype == np.uint8 else float(t) / 255.0


def otsu_between_class_variance(counts: np.ndarray) -> np.ndarray:
    """Otsu's criterion for every threshold of a histogram, vectorised with cumulative sums.

    Parameters
    ----------
    counts : (L,) array_like
        Histogram counts (non-negative, not all zero), level ``i`` holding ``counts[i]`` pixels;
        ``L = 256`` for a uint8 image (``np.bincount(image.ravel(), minlength=256)``), at most
        65,536 levels.

    Returns
    -------
    (L,) ndarray of float64
        ``sigma_b[t]``: the between-class variance when levels ``0..t`` form class 0 and
        ``t+1..L-1`` class 1; 0 where a class is empty (including the last level).

    Notes
    -----
    With :math:`p_i` the fraction of pixels at level :math:`i`,

    .. math::
        \\omega_0(t) = \\sum_{i \\le t} p_i, \\quad \\omega_1 = 1 - \\omega_0, \\quad
        \\mu_0(t) = \\frac{1}{\\omega_0}\\sum_{i \\le t} i\\,p_i, \\quad
        \\mu_1(t) = \\frac{\\mu_T - \\omega_0 \\mu_0}{\\omega_1}

    .. math::
        \\sigma_B^2(t) = \\omega_0\\,\\omega_1\\,(\\mu_0 - \\mu_1)^2
                     = \\frac{(\\mu_T\\,\\omega_0 - m_0)^2}{\\omega_0\\,\\omega_1},
        \\quad m_0 = \\sum_{i \\le t} i\\,p_i

    The total variance :math:`\\sigma_T^2 = \\sigma_W^2(t) + \\sigma_B^2(t)` does not depend on
    :math:`t`, so the threshold that maximises the between-class variance is also the one that
    minimises the within-class variance: two tight classes, far apart. Equal to
    :func:`otsu_between_class_variance_naive` (tests/test_segmentation.py).

    References
    ----------
    N. Otsu, "A threshold selection method from gray-level histograms", *IEEE Trans. Systems,
    Man and Cybernetics* 9(1), 1979. Used in chapters/06_segmentation.ipynb.

    Examples
    --------
    Two pixels at level 0 and two at level 2 (levels 0, 1, 2): the split after level 0 or
    after level 1 gives the same classes, variance ``0.5 * 0.5 * (0 - 2)**2 = 1``:

    >>> otsu_between_class_variance([2, 0, 2])
    array([1., 1., 0.])
    """
    counts = _histogram_counts(counts)
    p = counts / counts.sum()
    omega0 = np.cumsum(p)
    m0 = np.cumsum(np.arange(p.size) * p)
    mu_total = m0[-1]
    omega1 = 1.0 - omega0
    denom = omega0 * omega1
    sigma = np.zeros_like(p)
    ok = (omega0 > 1e-12) & (omega1 > 1e-12)  # both classes must hold pixels
    sigma[ok] = (mu_total * omega0[ok] - m0[ok]) ** 2 / denom[ok]
    return sigma


def otsu_between_class_variance_naive(counts: np.ndarray) -> np.ndarray:
    """Otsu's criterion straight from its definition: for each threshold, split and measure.

    Same signature and result as :func:`otsu_between_class_variance`; kept for reading.

    Parameters
    ----------
    counts : (L,) array_like
        Histogram counts.

    Returns
    -------
    (L,) ndarray of float64

    Notes
    -----
    :math:`\\sigma_B^2(t) = \\omega_0 \\omega_1 (\\mu_0 - \\mu_1)^2`, each term computed from
    scratch for every :math:`t`: :math:`O(L^2)` work instead of :math:`O(L)`.

    References
    ----------
    N. Otsu (1979), see :func:`otsu_between_class_variance`. Used in chapters/06_segmentation.ipynb.

    Examples
    --------
    >>> otsu_between_class_variance_naive([2, 0, 2])
    array([1., 1., 0.])
    """
    counts = _histogram_counts(counts)
    total = counts.sum()
    levels = np.arange(counts.size, dtype=np.float64)
    sigma = np.zeros(counts.size)
    for t in range(counts.size):
        n0, n1 = counts[: t + 1].sum(), counts[t + 1 :].sum()  # pixels in each class
        if n0 == 0 or n1 == 0:
            continue  # one class is empty: no split, no variance between classes
        w0, w1 = n0 / total, n1 / total  # class probabilities
        mu0 = (levels[: t + 1] * counts[: t + 1]).sum() / n0  # class means
        mu1 = (levels[t + 1 :] * counts[t + 1 :]).sum() / n1
        sigma[t] = w0 * w1 * (mu0 - mu1) ** 2
    return sigma


def _histogram_counts(counts: Any) -> np.ndarray:
    counts = as_array(counts, "counts", ndim=1, kinds="biuf", shape_hint="(L,)")
    if counts.size > 65536:
        raise ValueError(f"counts must have at most 65,536 levels; got {counts.size}")
    counts = counts.astype(np.float64)
    if (counts < 0).any():
        raise ValueError("counts must be non-negative (a histogram); got a negative count")
    if counts.sum() <= 0:
        raise ValueError("counts must not be all zero: a histogram of no pixels has no threshold")
    return counts


def threshold_otsu(image: np.ndarray) -> int | float:
    """Otsu's threshold: the gray level that best separates two classes of pixels.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image, uint8 (0-255) or float in [0, 1] (rounded to 256 levels first).

    Returns
    -------
    int or float
        For uint8: the integer ``t`` that ``cv2.threshold(image, 0, 255, THRESH_BINARY +
        THRESH_OTSU)`` returns, identical on every image (tests/test_segmentation.py), so that
        ``image > t`` is the foreground. For float: ``(t + 0.5) / 255`` with ``t`` found on the
        rounded levels, so ``image > threshold`` selects exactly the pixels whose uint8 level is
        above ``t``. A flat image gives 0.

    Notes
    -----
    ``t = argmax_t sigma_B^2(t)`` (see :func:`otsu_between_class_variance`). Where several
    thresholds give the same variance (empty levels between two modes), the tie is decided by
    rounding in the last digits. To return OpenCV's choice there too, this function runs
    OpenCV's own recurrence (``getThreshVal_Otsu_8u``): class probability ``q1`` and mean ``mu1``
    updated level by level, a threshold kept only if its variance is strictly larger, levels where
    a class holds less than float32 epsilon skipped. scikit-image's ``threshold_otsu`` gives the
    same ``t`` on the course's photos but may pick another level inside such a flat stretch.

    References
    ----------
    N. Otsu, "A threshold selection method from gray-level histograms", *IEEE Trans. Systems,
    Man and Cybernetics* 9(1), 1979. OpenCV, ``modules/imgproc/src/thresh.cpp``.
    Used in chapters/06_segmentation.ipynb.

    Examples
    --------
    Dark pixels at 10 and 20, bright ones at 200 and 210: the best split is after level 20.

    >>> threshold_otsu(np.array([[10, 20, 200, 210]], np.uint8))
    20
    """
    image = _gray(image)
    levels = as_uint8_image(image)
    counts = np.bincount(levels.ravel(), minlength=256)
    scale = 1.0 / levels.size
    mu = float(np.dot(np.arange(256, dtype=np.float64), counts)) * scale
    eps = float(np.finfo(np.float32).eps)
    mu1 = q1 = 0.0
    best_sigma, best_t = 0.0, 0
    # Class 0 = levels 0..i, grown one level at a time: a running probability and mean.
    for i in range(256):
        p_i = counts[i] * scale
        mu1 *= q1
        q1 += p_i
        q2 = 1.0 - q1
        if min(q1, q2) < eps or max(q1, q2) > 1.0 - eps:
            continue  # one class (almost) empty
        mu1 = (mu1 + i * p_i) / q1
        mu2 = (mu - q1 * mu1) / q2
        sigma = q1 * q2 * (mu1 - mu2) ** 2
        if sigma > best_sigma:
            best_sigma, best_t = sigma, i
    return best_t if image.dtype == np.uint8 else (best_t + 0.5) / 255.0


def _gaussian_taps(block_size: int) -> np.ndarray:
    """OpenCV's 1-D Gaussian for ``sigma = 0`` (``cv2.getGaussianKernel(block_size, 0)``)."""
    if block_size in _OPENCV_SMALL_GAUSSIANS:
        return np.array(_OPENCV_SMALL_GAUSSIANS[block_size])
    from .filters import gaussian_sigma_for_size

    sigma = gaussian_sigma_for_size(block_size)
    x = np.arange(block_size, dtype=np.float64) - (block_size - 1) / 2
    taps = np.exp(-(x**2) / (2 * sigma**2))
    return taps / taps.sum()


def adaptive_local_mean(
    image: np.ndarray, block_size: int, method: str = "mean"
) -> np.ndarray:
    """The local mean an adaptive threshold compares each pixel with.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image, uint8 or float in [0, 1].
    block_size : int
        Odd side of the square neighbourhood, 3 to 4095.
    method : {"mean", "gaussian"}
        "mean": the plain average of the block; "gaussian": a Gaussian-weighted average with
        OpenCV's sigma for that size (``0.3 * ((block_size - 1) / 2 - 1) + 0.8``, and OpenCV's
        fixed tables up to size 9).

    Returns
    -------
    (H, W) ndarray
        uint8 for uint8 input (rounded to the nearest level, as OpenCV stores it), float64 for
        float input.

    Notes
    -----
    Pixels beyond the border repeat the edge pixel (``BORDER_REPLICATE``, what
    ``cv2.adaptiveThreshold`` uses). The box mean is computed exactly with an integral image
    (cumulative sums: four look-ups per pixel whatever the block size); the Gaussian one is
    separable (a row pass, then a column pass).

    References
    ----------
    OpenCV, ``cv2.adaptiveThreshold``. Used in chapters/06_segmentation.ipynb.

    Examples
    --------
    >>> adaptive_local_mean(np.array([[0, 0, 90]], np.uint8), 3)
    array([[ 0, 30, 60]], dtype=uint8)
    """
    image = _gray(image)
    block_size = check_int(block_size, "block_size", min=3, max=MAX_BLOCK, odd=True)
    check_choice(method, "method", ADAPTIVE_METHODS)
    is_uint8 = image.dtype == np.uint8
    values = image.astype(np.float64) if is_uint8 else as_float_image(image).astype(np.float64)
    r = block_size // 2
    h, w = values.shape
    padded = np.pad(values, r, mode="edge")
    if method == "mean":
        # Integral image with a zero row and column in front: a block sum is four look-ups.
        # For uint8 input every partial sum is an integer below 2**53, so the mean is exact.
        integral = np.zeros((padded.shape[0] + 1, padded.shape[1] + 1))
        integral[1:, 1:] = padded.cumsum(0).cumsum(1)
        b = block_size
        total = integral[b:, b:] - integral[:-b, b:] - integral[b:, :-b] + integral[:-b, :-b]
        mean = total / (b * b)
    else:
        taps = _gaussian_taps(block_size)
        rows = np.zeros((padded.shape[0], w))
        for j, weight in enumerate(taps):
            rows += weight * padded[:, j : j + w]
        mean = np.zeros((h, w))
        for i, weight in enumerate(taps):
            mean += weight * rows[i : i + h]
    if is_uint8:
        return np.clip(np.rint(mean), 0, 255).astype(np.uint8)
    return mean


def adaptive_threshold(
    image: np.ndarray, block_size: int, c: float, method: str = "mean"
) -> np.ndarray:
    """Adaptive threshold: each pixel against the mean of its own neighbourhood, minus ``c``.

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image, uint8 or float in [0, 1].
    block_size : int
        Odd side of the neighbourhood (3 to 4095): larger than the strokes or objects to find,
        smaller than the scale on which the lighting changes.
    c : float
        Subtracted from the local mean, in the image's units (gray levels for uint8): a positive
        ``c`` keeps flat areas (pixel = local mean) as background.
    method : {"mean", "gaussian"}
        The local mean of :func:`adaptive_local_mean`.

    Returns
    -------
    (H, W) ndarray of bool
        True (white) where ``image > local_mean - c``.

    Notes
    -----
    .. math:: T(x, y) = \\bar I_{B}(x, y) - c, \\qquad
              \\text{foreground} \\iff I(x, y) > T(x, y)

    Equals ``cv2.adaptiveThreshold(image, 255, cv2.ADAPTIVE_THRESH_MEAN_C`` (or
    ``_GAUSSIAN_C``) ``, cv2.THRESH_BINARY, block_size, c) > 0`` on uint8 images, pixel for
    pixel (tests/test_segmentation.py: random images, block sizes 3-51, fractional ``c``).
    OpenCV accepts uint8 only; float images here use the unrounded local mean.

    References
    ----------
    R. C. Gonzalez and R. E. Woods, *Digital Image Processing*, 4th ed., Sec. 10.3 (variable
    thresholding) (2018). OpenCV, ``cv2.adaptiveThreshold``. Used in chapters/06_segmentation.ipynb.

    Examples
    --------
    A dark stroke (50) on a background that brightens from 100 to 200: one global threshold
    cannot separate them everywhere, the local one does.

    >>> row = np.array([[100, 50, 100, 150, 200, 120, 200]], np.uint8)
    >>> adaptive_threshold(row, 3, 5).astype(int)
    array([[1, 0, 1, 1, 1, 0, 1]])
    """
    image = _gray(image)
    c = check_float(c, "c")
    mean = adaptive_local_mean(image, block_size, method)
    if image.dtype == np.uint8:
        return image.astype(np.float64) > mean.astype(np.float64) - c
    return as_float_image(image).astype(np.float64) > mean - c


# == 2. Region growing ===========================================================================

_NEIGHBOURS = {
    4: ((-1, 0), (1, 0), (0, -1), (0, 1)),
    8: ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)),
}


def _region_inputs(image, seeds, tolerance, connectivity):
    values = _gray(image).astype(np.float64)
    seeds = as_array(seeds, "seeds", ndim=(1, 2), kinds="iu", shape_hint="(row, col) or (N, 2)")
    seeds = seeds.reshape(-1, 2) if seeds.ndim == 1 and seeds.size == 2 else seeds
    if seeds.ndim != 2 or seeds.shape[1] != 2:
        raise ValueError(
            f"seeds must be one (row, col) pair or an (N, 2) array of them; got shape {seeds.shape}"
        )
    if len(seeds) > 10_000:
        raise ValueError(f"seeds must hold at most 10,000 seeds; got {len(seeds)}")
    h, w = image.shape
    outside = (seeds[:, 0] < 0) | (seeds[:, 0] >= h) | (seeds[:, 1] < 0) | (seeds[:, 1] >= w)
    if outside.any():
        bad = tuple(int(v) for v in seeds[np.argmax(outside)])
        raise ValueError(
            f"seeds must lie inside the image (rows 0..{h - 1}, cols 0..{w - 1}); got {bad} - "
            "seeds are (row, col), not (x, y)"
        )
    tolerance = check_float(tolerance, "tolerance", min=0)
    connectivity = check_choice(connectivity, "connectivity", (4, 8))
    return values, seeds.astype(np.int64), tolerance, connectivity


def region_grow_naive(
    image: np.ndarray, seeds: Any, tolerance: float, *, connectivity: int = 4
) -> np.ndarray:
    """Region growing with an explicit queue: the algorithm as you would do it by hand.

    Same signature and result as :func:`region_grow`; kept for reading (a Python loop per pixel).

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image (uint8, or float; compared in its own units).
    seeds : (2,) or (N, 2) array_like of int
        ``(row, col)`` of each seed.
    tolerance : float
        A pixel joins seed ``k``'s region when ``|I(p) - I(seed_k)| <= tolerance`` (>= 0).
    connectivity : {4, 8}
        Which neighbours touch: the 4 sharing a side, or all 8.

    Returns
    -------
    (H, W) ndarray of int32
        ``k + 1`` on the region grown from ``seeds[k]``, 0 elsewhere. Seeds grow in order; a
        pixel already claimed by an earlier seed stays with it.

    Notes
    -----
    Breadth-first search: put the seed in a queue; take a pixel out, look at its neighbours,
    and append those that are inside the image, not yet labelled and similar enough to the seed.
    Every pixel enters the queue at most once, so the work is proportional to the region's size.

    References
    ----------
    R. Adams and L. Bischof, "Seeded region growing", *IEEE Trans. PAMI* 16(6), 1994.
    Used in chapters/06_segmentation.ipynb.

    Examples
    --------
    >>> image = np.array([[10, 12, 50], [11, 60, 13], [90, 14, 12]], np.uint8)
    >>> region_grow_naive(image, (0, 0), 5)
    array([[1, 1, 0],
           [1, 0, 0],
           [0, 0, 0]], dtype=int32)
    """
    values, seeds, tolerance, connectivity = _region_inputs(image, seeds, tolerance, connectivity)
    h, w = values.shape
    labels = np.zeros((h, w), dtype=np.int32)
    for k, (row, col) in enumerate(seeds):
        if labels[row, col]:
            continue  # an earlier seed's region already holds this one
        reference = values[row, col]
        labels[row, col] = k + 1
        queue = deque([(row, col)])
        while queue:
            y, x = queue.popleft()
            for dy, dx in _NEIGHBOURS[connectivity]:
                ny, nx = y + dy, x + dx
                if 0 <= ny < h and 0 <= nx < w and labels[ny, nx] == 0:
                    if abs(values[ny, nx] - reference) <= tolerance:
                        labels[ny, nx] = k + 1
                        queue.append((ny, nx))
    return labels


def region_grow(
    image: np.ndarray, seeds: Any, tolerance: float, *, connectivity: int = 4
) -> np.ndarray:
    """Grow a region from each seed over the connected pixels similar to it (vectorised).

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image (uint8, or float; compared in its own units).
    seeds : (2,) or (N, 2) array_like of int
        ``(row, col)`` of each seed (at most 10,000).
    tolerance : float
        A pixel joins seed ``k``'s region when ``|I(p) - I(seed_k)| <= tolerance`` (>= 0).
    connectivity : {4, 8}
        The 4 neighbours sharing a side, or all 8.

    Returns
    -------
    (H, W) ndarray of int32
        ``k + 1`` on the region of ``seeds[k]``, 0 elsewhere; earlier seeds win shared pixels.

    Notes
    -----
    With a fixed reference value, "reachable through similar pixels" is exactly the connected
    component that contains the seed in the mask :math:`|I - I(s)| \\le \\tau`. So instead of a
    queue: build the mask, label its connected components (``scipy.ndimage.label``, a
    union-find pass in C), and keep the seed's component. Equal to :func:`region_grow_naive`,
    to ``skimage.segmentation.flood(image, seed, tolerance=tolerance, connectivity=1 or 2)``
    and to ``cv2.floodFill(..., flags=4 or 8 | FLOODFILL_FIXED_RANGE)``
    (tests/test_segmentation.py).

    References
    ----------
    R. Adams and L. Bischof, "Seeded region growing", *IEEE Trans. PAMI* 16(6), 1994.
    Used in chapters/06_segmentation.ipynb.

    Examples
    --------
    >>> image = np.array([[10, 12, 50], [11, 60, 13], [90, 14, 12]], np.uint8)
    >>> region_grow(image, (0, 0), 5)
    array([[1, 1, 0],
           [1, 0, 0],
           [0, 0, 0]], dtype=int32)
    >>> region_grow(image, (0, 0), 5, connectivity=8)  # diagonal steps join the lower right
    array([[1, 1, 0],
           [1, 0, 1],
           [0, 1, 1]], dtype=int32)
    """
    from scipy import ndimage

    values, seeds, tolerance, connectivity = _region_inputs(image, seeds, tolerance, connectivity)
    structure = np.ones((3, 3), bool) if connectivity == 8 else None
    labels = np.zeros(values.shape, dtype=np.int32)
    for k, (row, col) in enumerate(seeds):
        if labels[row, col]:
            continue
        mask = (np.abs(values - values[row, col]) <= tolerance) & (labels == 0)
        components, _ = ndimage.label(mask, structure=structure)
        labels[components == components[row, col]] = k + 1
    return labels


# == 3. K-means ==================================================================================

#: Bounds that keep k-means' memory and time reasonable on any input.
MAX_POINTS, MAX_CLUSTERS, MAX_DIMS = 1 << 22, 256, 64


class KMeansResult(NamedTuple):
    """What :func:`kmeans` returns.

    Attributes
    ----------
    centres : (k, d) ndarray of float64
        The cluster centres (for colours: the palette).
    labels : (N,) ndarray of int64
        The centre each point belongs to (``(H, W)`` from :func:`kmeans_colors`).
    compactness : float
        Sum of squared distances from the points to their centres (``cv2.kmeans``'s first return
        value; scikit-learn's ``inertia_``). Smaller is better.
    iterations : int
        Assignment/update rounds of the best attempt.
    """

    centres: np.ndarray
    labels: np.ndarray
    compactness: float
    iterations: int


def _points(points: Any) -> np.ndarray:
    points = as_array(points, "points", ndim=2, shape_hint="(N, d)")
    if points.shape[0] > MAX_POINTS or points.shape[1] > MAX_DIMS:
        raise ValueError(
            f"points must be at most ({MAX_POINTS:,}, {MAX_DIMS}); got shape {points.shape} - "
            "subsample the points (e.g. points[rng.choice(len(points), 100_000)])"
        )
    return points.astype(np.float64)


def _check_k(k: Any, n: int) -> int:
    k = check_int(k, "k", min=1, max=MAX_CLUSTERS)
    if k > n:
        raise ValueError(f"k must not exceed the number of points ({n}); got {k}")
    return k


def _squared_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """(N, k) squared Euclidean distances, summed coordinate by coordinate.

    Written as a sum over the d coordinates of whole (N, k) arrays, in the same order as the
    naive loop, so that both versions compute bit-identical distances (no ||x||^2 - 2 x.c +
    ||c||^2 expansion, which is faster for large d but rounds differently).
    """
    dist = np.zeros((points.shape[0], centres.shape[0]))
    for j in range(points.shape[1]):
        dist += (points[:, j, None] - centres[None, :, j]) ** 2
    return dist


def _assign(points: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest centre (first one on ties) and its squared distance, in chunks of rows."""
    n, k = points.shape[0], centres.shape[0]
    labels = np.empty(n, dtype=np.int64)
    best = np.empty(n)
    step = max(1, (1 << 21) // k)  # at most ~2M distances (16 MB) at a time
    for start in range(0, n, step):
        dist = _squared_distances(points[start : start + step], centres)
        labels[start : start + step] = np.argmin(dist, axis=1)
        best[start : start + step] = dist[np.arange(dist.shape[0]), labels[start : start + step]]
    return labels, best


def kmeans_plusplus(points: np.ndarray, k: int, *, rng: np.random.Generator | int) -> np.ndarray:
    """k-means++ seeding: spread the first centres out, each drawn with probability ~ D(x)^2.

    Parameters
    ----------
    points : (N, d) array_like
        The data, one point per row (N <= 4,194,304, d <= 64).
    k : int
        Number of centres, 1 <= k <= min(N, 256).
    rng : numpy.random.Generator or int
        Source of randomness (a seed gives the same centres every run).

    Returns
    -------
    (k, d) ndarray of float64
        ``k`` of the points, chosen as the initial centres.

    Notes
    -----
    The first centre is a point drawn uniformly. Each next one is drawn with probability

    .. math:: P(x) = \\frac{D(x)^2}{\\sum_y D(y)^2}

    where :math:`D(x)` is the distance from :math:`x` to the nearest centre chosen so far: far
    points are likely, points already covered are not. The expected compactness is then within
    :math:`O(\\log k)` of the optimum. (If every point coincides with a centre, the next one is
    drawn uniformly.) scikit-learn and OpenCV use variants that try several candidates per step.

    References
    ----------
    D. Arthur and S. Vassilvitskii, "k-means++: the advantages of careful seeding", *SODA* 2007.
    Used in chapters/06_segmentation.ipynb.

    Examples
    --------
    Two far-apart pairs: the second centre is (almost surely) taken from the other pair.

    >>> centres = kmeans_plusplus([[0, 0], [0, 1], [100, 0], [100, 1]], 2, rng=0)
    >>> sorted(centres[:, 0].tolist())
    [0.0, 100.0]
    """
    points = _points(points)
    k = _check_k(k, points.shape[0])
    rng = check_rng(rng)
    n = points.shape[0]
    centres = np.empty((k, points.shape[1]))
    centres[0] = points[rng.integers(n)]
    closest = _assign(points, centres[:1])[1]
    for i in range(1, k):
        total = closest.sum()
        if total <= 0:
            index = int(rng.integers(n))
        else:
            cumulative = np.cumsum(closest)
            index = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
            index = min(index, n - 1)
        centres[i] = points[index]
        closest = np.minimum(closest, _assign(points, centres[i : i + 1])[1])
    return centres


def kmeans_step(points: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One round of Lloyd's algorithm: assign every point, then move every centre to its mean.

    Parameters
    ----------
    points : (N, d) array_like
        The data (N <= 4,194,304, d <= 64).
    centres : (k, d) array_like
        The current centres (1 <= k <= 256).

    Returns
    -------
    labels : (N,) ndarray of int64
        Index of each point's nearest centre (the lower index on ties).
    new_centres : (k, d) ndarray of float64
        The mean of each centre's points; a centre that got no point stays where it was.

    Notes
    -----
    .. math:: l_i = \\arg\\min_j \\lVert x_i - c_j \\rVert^2, \\qquad
              c_j' = \\frac{1}{|\\{i : l_i = j\\}|} \\sum_{i : l_i = j} x_i

    The building block of :func:`kmeans`, which repeats it until the centres stop moving (and
    moves an empty centre to the worst-fitted point instead of leaving it in place).

    References
    ----------
    S. P. Lloyd, "Least squares quantization in PCM", *IEEE Trans. Information Theory* 28(2),
    1982. Used in chapters/06_segmentation.ipynb.

    Examples
    --------
    >>> labels, centres = kmeans_step([[0.0], [1.0], [9.0], [10.0]], [[0.0], [4.0]])
    >>> labels.tolist(), centres.ravel().tolist()
    ([0, 0, 1, 1], [0.5, 9.5])
    """
    points = _points(points)
    centres = as_array(centres, "centres", ndim=2, shape_hint="(k, d)").astype(np.float64)
    if centres.shape[1] != points.shape[1]:
        raise ValueError(f"centres must have the points' {points.shape[1]} coordinates per row; "
                         f"got shape {centres.shape}")
    if centres.shape[0] > MAX_CLUSTERS:
        raise ValueError(f"centres must hold at most {MAX_CLUSTERS} rows; got {centres.shape[0]}")
    k = centres.shape[0]
    labels, _ = _assign(points, centres)
    counts = np.bincount(labels, minlength=k)
    new = centres.copy()
    for j in np.flatnonzero(counts):
        new[j] = points[labels == j].mean(axis=0)
    return labels, new


def _kmeans_args(points, k, rng, init, max_iter, tol, attempts):
    points = _points(points)
    k = _check_k(k, points.shape[0])
    rng = check_rng(rng)
    check_choice(init, "init", ("k-means++", "random"))
    max_iter = check_int(max_iter, "max_iter", min=1, max=10_000)
    tol = check_float(tol, "tol", min=0)
    attempts = check_int(attempts, "attempts", min=1, max=100)
    return points, k, rng, max_iter, tol, attempts


def _initial_centres(points, k, rng, init):
    if init == "k-means++":
        return kmeans_plusplus(points, k, rng=rng)
    return points[rng.choice(points.shape[0], size=k, replace=False)].copy()


def kmeans(
    points: np.ndarray,
    k: int,
    *,
    rng: np.random.Generator | int,
    init: str = "k-means++",
    max_iter: int = 100,
    tol: float = 1e-4,
    attempts: int = 1,
) -> KMeansResult:
    """Lloyd's k-means: assign each point to its nearest centre, move centres to their means.

    Parameters
    ----------
    points : (N, d) array_like
        The data, one point per row (N <= 4,194,304, d <= 64); for colours ``d = 3``.
    k : int
        Number of clusters, 1 <= k <= min(N, 256).
    rng : numpy.random.Generator or int
        Source of randomness for the initial centres.
    init : {"k-means++", "random"}
        :func:`kmeans_plusplus`, or ``k`` distinct points drawn uniformly.
    max_iter : int
        Upper bound on the rounds per attempt (1-10,000).
    tol : float
        Stop when no centre moves by more than ``tol`` (Euclidean), or no label changes.
    attempts : int
        Independent runs from different initial centres (1-100); the most compact one is kept.

    Returns
    -------
    KMeansResult
        ``(centres (k, d), labels (N,), compactness, iterations)``.

    Notes
    -----
    Lloyd's algorithm minimises the compactness

    .. math:: J = \\sum_{i=1}^{N} \\lVert x_i - c_{l_i} \\rVert^2

    by alternating two steps, neither of which can increase :math:`J`: **assign**
    :math:`l_i = \\arg\\min_j \\lVert x_i - c_j \\rVert^2` (ties: the lower index), then **update**
    :math:`c_j = \\operatorname{mean}\\{x_i : l_i = j\\}`. It stops at a *local* minimum that
    depends on the initial centres, hence k-means++ and several attempts. A centre that loses
    all its points is moved to the point farthest from its own centre. The returned labels and
    compactness belong to the returned centres (one final assignment after the last update).

    Equal to :func:`kmeans_naive` for the same ``rng`` (tests/test_segmentation.py); compared
    with ``cv2.kmeans`` (``KMEANS_PP_CENTERS``) and scikit-learn's ``KMeans`` on compactness.

    References
    ----------
    S. P. Lloyd, "Least squares quantization in PCM", *IEEE Trans. Information Theory* 28(2),
    1982. D. Arthur and S. Vassilvitskii, "k-means++", *SODA* 2007.
    Used in chapters/06_segmentation.ipynb.

    Examples
    --------
    >>> x = np.array([[0.0], [1.0], [9.0], [10.0]])
    >>> result = kmeans(x, 2, rng=0)
    >>> sorted(result.centres.ravel().tolist()), result.compactness
    ([0.5, 9.5], 1.0)
    """
    points, k, rng, max_iter, tol, attempts = _kmeans_args(
        points, k, rng, init, max_iter, tol, attempts
    )
    best: KMeansResult | None = None
    for _ in range(attempts):
        centres = _initial_centres(points, k, rng, init)
        labels, closest = _assign(points, centres)
        iterations = 0
        for iterations in range(1, max_iter + 1):  # noqa: B007 - reported below
            # Update: each centre moves to the mean of its points. bincount adds the points in
            # index order, as the naive loop does, so both give identical sums.
            counts = np.bincount(labels, minlength=k)
            sums = np.stack(
                [np.bincount(labels, weights=points[:, j], minlength=k)
                 for j in range(points.shape[1])], axis=1)
            new = centres.copy()
            filled = counts > 0
            new[filled] = sums[filled] / counts[filled, None]
            for j in np.flatnonzero(~filled):  # an empty cluster takes the worst-fitted point
                far = int(np.argmax(closest))
                new[j] = points[far]
                closest[far] = 0.0
            shift = float(np.sqrt(((new - centres) ** 2).sum(axis=1)).max())
            centres = new
            new_labels, closest = _assign(points, centres)
            unchanged = np.array_equal(new_labels, labels)
            labels = new_labels
            if shift <= tol or unchanged:
                break
        result = KMeansResult(centres, labels, float(closest.sum()), iterations)
        if best is None or result.compactness < best.compactness:
            best = result
    return best


def kmeans_naive(
    points: np.ndarray,
    k: int,
    *,
    rng: np.random.Generator | int,
    init: str = "k-means++",
    max_iter: int = 100,
    tol: float = 1e-4,
    attempts: int = 1,
) -> KMeansResult:
    """Lloyd's k-means with plain loops over points, centres and coordinates.

    Same signature and result as :func:`kmeans` (tests/test_segmentation.py); kept for reading.
    Slow: use it on a few hundred points.

    Parameters
    ----------
    points : (N, d) array_like
    k : int
    rng : numpy.random.Generator or int
    init : {"k-means++", "random"}
    max_iter : int
    tol : float
    attempts : int

    Returns
    -------
    KMeansResult

    Notes
    -----
    The two steps of :func:`kmeans`, one point at a time: the assignment computes
    :math:`\\sum_j (x_{ij} - c_{lj})^2` for every centre and keeps the smallest; the update sums
    the points of each cluster and divides by their number.

    References
    ----------
    S. P. Lloyd (1982), see :func:`kmeans`. Used in chapters/06_segmentation.ipynb.

    Examples
    --------
    >>> x = np.array([[0.0], [1.0], [9.0], [10.0]])
    >>> kmeans_naive(x, 2, rng=0).compactness
    1.0
    """
    points, k, rng, max_iter, tol, attempts = _kmeans_args(
        points, k, rng, init, max_iter, tol, attempts
    )
    n, d = points.shape

    def assign(centres):
        labels, closest = np.zeros(n, dtype=np.int64), np.zeros(n)
        for i in range(n):
            best_j, best_dist = 0, np.inf
            for j in range(k):
                dist = 0.0
                for m in range(d):
                    dist += (points[i, m] - centres[j, m]) ** 2
                if dist < best_dist:  # strict: the first of equal centres wins
                    best_j, best_dist = j, dist
            labels[i], closest[i] = best_j, best_dist
        return labels, closest

    best: KMeansResult | None = None
    for _ in range(attempts):
        centres = _initial_centres(points, k, rng, init)
        labels, closest = assign(centres)
        iterations = 0
        for iterations in range(1, max_iter + 1):  # noqa: B007
            sums, counts = np.zeros((k, d)), np.zeros(k, dtype=np.int64)
            for i in range(n):  # add each point to its cluster's running sum
                counts[labels[i]] += 1
                for m in range(d):
                    sums[labels[i], m] += points[i, m]
            new = centres.copy()
            for j in range(k):
                if counts[j] > 0:
                    new[j] = sums[j] / counts[j]
            for j in range(k):
                if counts[j] == 0:  # empty cluster: move it to the worst-fitted point
                    far = int(np.argmax(closest))
                    new[j] = points[far]
                    closest[far] = 0.0
            shift = max(float(np.sqrt(((new[j] - centres[j]) ** 2).sum())) for j in range(k))
            centres = new
            new_labels, closest = assign(centres)
            unchanged = bool((new_labels == labels).all())
            labels = new_labels
            if shift <= tol or unchanged:
                break
        result = KMeansResult(centres, labels, float(closest.sum()), iterations)
        if best is None or result.compactness < best.compactness:
            best = result
    return best


def kmeans_colors(
    image: np.ndarray,
    k: int,
    *,
    rng: np.random.Generator | int,
    init: str = "k-means++",
    max_iter: int = 100,
    tol: float = 1e-4,
    attempts: int = 1,
    sample: int | None = None,
) -> KMeansResult:
    """Cluster the colours of an image with :func:`kmeans`: a palette of ``k`` colours.

    Parameters
    ----------
    image : (H, W, 3) or (H, W) ndarray
        RGB (or gray) image, uint8 or float in [0, 1]; clustered as float values in [0, 1].
    k : int
        Number of colours, 1 <= k <= 256.
    rng : numpy.random.Generator or int
        Source of randomness for the initial centres (and the sample).
    init, max_iter, tol, attempts
        As in :func:`kmeans`.
    sample : int, optional
        Fit the centres on this many pixels drawn at random (without replacement), then assign
        every pixel to its nearest centre: much faster on large images, nearly the same palette.
        1 to 4,194,304; ``None`` fits on all pixels.

    Returns
    -------
    KMeansResult
        ``centres`` ``(k, 3)`` (or ``(k, 1)``) in [0, 1], ``labels`` ``(H, W)``, and the
        compactness of *all* pixels (in [0, 1] units) for those centres.
        ``result.centres[result.labels]`` is the image painted with its palette.

    Notes
    -----
    Each pixel is a point in colour space; where it lies in the image plays no part. A cluster
    is therefore a set of similar colours, which may be scattered over many separate regions.

    References
    ----------
    Used in chapters/06_segmentation.ipynb.

    Examples
    --------
    >>> image = np.zeros((2, 2, 3), np.uint8)
    >>> image[0] = (255, 0, 0)
    >>> result = kmeans_colors(image, 2, rng=0)
    >>> sorted(map(tuple, (result.centres * 255).round().astype(int).tolist()))
    [(0, 0, 0), (255, 0, 0)]
    """
    image = check_image(image)
    values = as_float_image(image).astype(np.float64)
    points = values.reshape(-1, 1 if values.ndim == 2 else 3)
    rng = check_rng(rng)
    fit_on = points
    if sample is not None:
        sample = check_int(sample, "sample", min=1, max=MAX_POINTS)
        if sample < points.shape[0]:
            fit_on = points[rng.choice(points.shape[0], size=sample, replace=False)]
    fitted = kmeans(fit_on, k, rng=rng, init=init, max_iter=max_iter, tol=tol, attempts=attempts)
    if fit_on is points:
        labels, compactness = fitted.labels, fitted.compactness
    else:
        labels, closest = _assign(_points(points), fitted.centres)
        compactness = float(closest.sum())
    return KMeansResult(fitted.centres, labels.reshape(image.shape[:2]), compactness,
                        fitted.iterations)


# == 4. Segmentation with CNNs: metrics, losses and the three kinds (chapter 14) =================
#
# Masks here are what a segmentation network predicts and is scored on: a boolean mask
# (one class, any number of dimensions: an image or a volume), or an integer label map with
# one class index per pixel. Nothing below is about thresholds or clusters (sections 1-3).

#: Largest number of classes (or instances) the functions of this section accept.
MAX_CLASSES = 10_000


def _mask_pair(pred: Any, target: Any, num_classes: Any) -> tuple[np.ndarray, np.ndarray, Any]:
    pred = as_array(pred, "pred")
    target = as_array(target, "target")
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have the same shape; got {pred.shape} and {target.shape}"
        )
    if num_classes is None:
        for name, arr in (("pred", pred), ("target", target)):
            if arr.dtype != bool and not np.isin(arr, (0, 1)).all():
                raise ValueError(
                    f"{name} must be a binary mask (bool, or 0/1) when num_classes is None; got "
                    f"values {np.unique(arr)[:6].tolist()} - pass num_classes=K for a label map"
                )
        return pred.astype(bool), target.astype(bool), None
    num_classes = check_int(num_classes, "num_classes", min=1, max=MAX_CLASSES)
    for name, arr in (("pred", pred), ("target", target)):
        if arr.dtype.kind not in "iu" or arr.min() < 0 or arr.max() >= num_classes:
            raise ValueError(
                f"{name} must hold integer class indices 0 to {num_classes - 1}; got dtype "
                f"{arr.dtype}, values {arr.min()} to {arr.max()}"
            )
    return pred, target, num_classes


def _overlap_counts(pred, target, num_classes):
    """Per class: |P & T| and |P| + |T| (one pass with bincount)."""
    if num_classes is None:
        inter = np.count_nonzero(pred & target)
        return np.array([inter]), np.array([np.count_nonzero(pred) + np.count_nonzero(target)])
    inter = np.bincount(target[pred == target].ravel(), minlength=num_classes)
    total = (np.bincount(pred.ravel(), minlength=num_classes)
             + np.bincount(target.ravel(), minlength=num_classes))
    return inter, total


def dice(pred: np.ndarray, target: np.ndarray, *, num_classes: int | None = None
         ) -> float | np.ndarray:
    """The Dice coefficient (F1 score) of a predicted mask against the true one.

    Parameters
    ----------
    pred, target : ndarray, same shape (an image (H, W), a volume (D, H, W), a stack...)
        Binary masks (bool or 0/1) when ``num_classes`` is None; integer label maps
        (0 to ``num_classes - 1``) otherwise.
    num_classes : int, optional
        Score each class of a label map separately.

    Returns
    -------
    float, or (num_classes,) ndarray of float64
        In [0, 1]. Binary: 1.0 when both masks are empty (nothing to find, nothing found).
        Per class: NaN for a class in neither map (average with ``np.nanmean``).

    Raises
    ------
    ValueError
        Shapes differ, a binary mask holds other values than 0/1, or a label is out of range.

    Notes
    -----
    .. math:: \\mathrm{Dice}(P, T) = \\frac{2 |P \\cap T|}{|P| + |T|}
              = \\frac{2\\,TP}{2\\,TP + FP + FN}

    the harmonic mean of precision and recall over the pixels. It ignores true negatives,
    so a tiny object on a large background is scored on the object, not the background.
    Related to :func:`mask_iou` by :math:`D = 2J / (1 + J)`, so :math:`D \\ge J`.

    References
    ----------
    Dice, "Measures of the amount of ecologic association between species", Ecology 26(3),
    1945; Sorensen (1948). Used in chapters/14_segmentation_cnns.ipynb and
    chapters/18_conv_1d_3d.ipynb.

    Examples
    --------
    >>> p = np.array([[1, 1, 0, 0]], bool); t = np.array([[0, 1, 1, 0]], bool)
    >>> dice(p, t)                 # 2 * 1 / (2 + 2)
    0.5
    >>> dice(np.array([0, 1, 2, 2]), np.array([0, 1, 1, 2]), num_classes=3)
    array([1.        , 0.66666667, 0.66666667])
    """
    pred, target, num_classes = _mask_pair(pred, target, num_classes)
    inter, total = _overlap_counts(pred, target, num_classes)
    if num_classes is None:
        return 1.0 if total[0] == 0 else float(2 * inter[0] / total[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, 2 * inter / np.maximum(total, 1), np.nan)


def mask_iou(pred: np.ndarray, target: np.ndarray, *, num_classes: int | None = None
             ) -> float | np.ndarray:
    """Intersection over union (Jaccard index) of a predicted mask against the true one.

    Parameters
    ----------
    pred, target : ndarray, same shape
        As :func:`dice`.
    num_classes : int, optional
        As :func:`dice`.

    Returns
    -------
    float, or (num_classes,) ndarray of float64
        In [0, 1]; 1.0 for two empty binary masks, NaN per class for a class in neither map.

    Notes
    -----
    .. math:: J(P, T) = \\frac{|P \\cap T|}{|P \\cup T|} = \\frac{TP}{TP + FP + FN}

    The pixel version of :func:`helpers.boxes.box_iou`. The mean over classes is the "mIoU" of
    semantic segmentation benchmarks (Pascal VOC, Cityscapes).

    References
    ----------
    Jaccard, "The distribution of the flora in the alpine zone", New Phytologist 11(2), 1912;
    Everingham et al., "The Pascal visual object classes (VOC) challenge", IJCV 88, 2010.
    Used in chapters/14_segmentation_cnns.ipynb.

    Examples
    --------
    >>> p = np.array([[1, 1, 0, 0]], bool); t = np.array([[0, 1, 1, 0]], bool)
    >>> mask_iou(p, t)             # 1 / 3
    0.3333333333333333
    """
    pred, target, num_classes = _mask_pair(pred, target, num_classes)
    inter, total = _overlap_counts(pred, target, num_classes)
    union = total - inter
    if num_classes is None:
        return 1.0 if union[0] == 0 else float(inter[0] / union[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.maximum(union, 1), np.nan)


def _probabilities(prob: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
    prob = as_array(prob, "prob", kinds="f")
    target = as_array(target, "target")
    if prob.shape != target.shape:
        raise ValueError(
            f"prob and target must have the same shape; got {prob.shape} and {target.shape}"
        )
    if prob.min() < 0 or prob.max() > 1:
        raise ValueError(
            f"prob must hold probabilities in [0, 1]; got values {prob.min():.3g} to "
            f"{prob.max():.3g} - apply a sigmoid to logits first"
        )
    if target.dtype != bool and not np.isin(target, (0, 1)).all():
        raise ValueError("target must be a binary mask (bool, or 0/1)")
    return prob.astype(np.float64), target.astype(np.float64)


def soft_dice_loss(prob: np.ndarray, target: np.ndarray, *, eps: float = 1.0) -> float:
    """V-Net's soft Dice loss of predicted foreground probabilities against a binary mask.

    Parameters
    ----------
    prob : ndarray of float in [0, 1]
        Predicted probability of foreground, per pixel (or voxel).
    target : ndarray, same shape
        The true binary mask.
    eps : float
        Smoothing added to numerator and denominator (0 to 100).

    Returns
    -------
    float in [0, 1]
        0 for a perfect, confident prediction.

    Notes
    -----
    .. math:: L_{Dice} = 1 - \\frac{2 \\sum_i p_i t_i + \\epsilon}
              {\\sum_i p_i^2 + \\sum_i t_i^2 + \\epsilon}

    Both sums run over the pixels of *this* mask only, so the loss is relative to the
    object's size: missing half of a 10-pixel object costs as much as missing half of a
    10,000-pixel one. Compare :func:`binary_cross_entropy`, a mean over all pixels, which an
    "all background" answer makes small when the object is small. The torch version used for
    training is :func:`helpers.nets.segmentation.dice_loss`.

    References
    ----------
    Milletari, Navab & Ahmadi, "V-Net", 3DV 2016, equation 1. Used in
    chapters/14_segmentation_cnns.ipynb.

    Examples
    --------
    >>> t = np.array([0, 0, 1, 1.0])
    >>> soft_dice_loss(t, t, eps=0.0), soft_dice_loss(np.zeros(4), t, eps=0.0)
    (0.0, 1.0)
    """
    prob, target = _probabilities(prob, target)
    eps = check_float(eps, "eps", min=0, max=100)
    denominator = np.sum(prob**2) + np.sum(target**2) + eps
    if denominator == 0:
        return 0.0  # both empty, no smoothing: nothing to find and nothing found
    return float(1 - (2 * np.sum(prob * target) + eps) / denominator)


def binary_cross_entropy(prob: np.ndarray, target: np.ndarray) -> float:
    """Mean per-pixel binary cross-entropy of foreground probabilities against a binary mask.

    Parameters
    ----------
    prob : ndarray of float in [0, 1]
    target : ndarray, same shape
        The true binary mask.

    Returns
    -------
    float >= 0
        In nats; probabilities are clipped to [1e-7, 1 - 1e-7] so a confident mistake costs
        about 16 instead of infinity.

    Notes
    -----
    .. math:: L_{CE} = -\\frac{1}{n} \\sum_i \\big(t_i \\log p_i + (1 - t_i) \\log (1 - p_i)\\big)

    Every pixel weighs the same, so on a mask that is 99 % background the background decides
    the loss. Agrees with ``torch.nn.functional.binary_cross_entropy`` (whose clip is at
    log -100) for probabilities inside the clip.

    References
    ----------
    Long, Shelhamer & Darrell, "Fully convolutional networks for semantic segmentation",
    CVPR 2015 (per-pixel cross-entropy). Used in chapters/14_segmentation_cnns.ipynb.

    Examples
    --------
    >>> round(binary_cross_entropy(np.full(4, 0.5), np.array([0, 1, 0, 1])), 4)   # log 2
    0.6931
    """
    prob, target = _probabilities(prob, target)
    p = np.clip(prob, 1e-7, 1 - 1e-7)
    return float(-np.mean(target * np.log(p) + (1 - target) * np.log(1 - p)))


def mask_boundary(mask: np.ndarray, width: int = 1) -> np.ndarray:
    """The pixels within ``width`` pixels of a mask's boundary, on both sides of it.

    Parameters
    ----------
    mask : (H, W) or (D, H, W) array of bool (or 0/1)
    width : int
        Half-width of the band (1 to 64).

    Returns
    -------
    ndarray of bool, the shape of ``mask``
        ``dilate(mask, width) & ~erode(mask, width)`` with a cross-shaped (4- or
        6-connected) structuring element, pixels outside the array counting as inside the
        mask for the erosion: a band along every edge of the mask. Equal to scipy.ndimage's
        ``binary_dilation`` / ``binary_erosion(..., border_value=1)`` (tests).

    Notes
    -----
    Scoring a prediction only inside this band (``dice(pred[band], target[band])``) measures
    how sharp its boundaries are, which the whole-mask Dice hides behind the easy interior.

    References
    ----------
    Csurka, Larlus & Perronnin, "What is a good evaluation measure for semantic
    segmentation?", BMVC 2013 (boundary-based scores). Used in
    chapters/14_segmentation_cnns.ipynb.

    Examples
    --------
    >>> m = np.zeros((5, 5), bool); m[1:4, 1:4] = True
    >>> mask_boundary(m).astype(int)
    array([[0, 1, 1, 1, 0],
           [1, 1, 1, 1, 1],
           [1, 1, 0, 1, 1],
           [1, 1, 1, 1, 1],
           [0, 1, 1, 1, 0]])
    """
    mask = as_array(mask, "mask", ndim=(2, 3), shape_hint="(H, W) or (D, H, W)")
    if mask.dtype != bool and not np.isin(mask, (0, 1)).all():
        raise ValueError("mask must be a binary mask (bool, or 0/1)")
    width = check_int(width, "width", min=1, max=64)
    mask = mask.astype(bool)
    grown, shrunk = mask, mask
    for _ in range(width):  # one step of the cross-shaped element per iteration
        grown = _cross_step(grown, np.logical_or, outside=False)
        shrunk = _cross_step(shrunk, np.logical_and, outside=True)
    return grown & ~shrunk


def _cross_step(mask: np.ndarray, combine, *, outside: bool) -> np.ndarray:
    """Combine every pixel with its 2 * ndim axis neighbours (dilation: or; erosion: and)."""
    padded = np.pad(mask, 1, constant_values=outside)
    out = mask.copy()
    for axis in range(mask.ndim):
        for shift in (0, 2):  # the neighbour before and after along this axis
            window = [slice(1, -1)] * mask.ndim
            window[axis] = slice(shift, shift + mask.shape[axis])
            out = combine(out, padded[tuple(window)])
    return out


def _component_roots(mask: np.ndarray) -> np.ndarray:
    """Flat index of the first (raster-order) pixel of each pixel's 4-connected component."""
    h, w = mask.shape
    index = np.arange(h * w).reshape(h, w)
    right = mask[:, :-1] & mask[:, 1:]
    down = mask[:-1, :] & mask[1:, :]
    p = np.concatenate([index[:, :-1][right], index[:-1, :][down]])
    q = np.concatenate([index[:, 1:][right], index[1:, :][down]])
    root = np.arange(h * w)
    for _ in range(h * w):  # hook and jump (Shiloach-Vishkin): a few rounds in practice
        rp, rq = root[p], root[q]
        differ = rp != rq
        if not differ.any():
            break
        np.minimum.at(root, np.maximum(rp, rq)[differ], np.minimum(rp, rq)[differ])
        while True:  # pointer jumping: every pixel points straight at its root
            jumped = root[root]
            if np.array_equal(jumped, root):
                break
            root = jumped
    return root.reshape(h, w)


def label_components(semantic: np.ndarray, *, num_classes: int) -> np.ndarray:
    """Instances guessed from a semantic map: each connected region of one class is one object.

    Parameters
    ----------
    semantic : (H, W) ndarray of int
        Class per pixel, 0 for the background (not split into instances).
    num_classes : int
        Classes 0 to ``num_classes - 1`` (2 to 10,000).

    Returns
    -------
    (H, W) ndarray of int64
        0 for the background, 1, 2, ... for the regions (numbered class by class, each class's
        regions in raster order).

    Notes
    -----
    4-connectivity; computed by hooking and pointer jumping (Shiloach & Vishkin, 1982), vectorised
    in numpy, and tested equal to ``skimage.measure.label``. This is the cheapest way from
    semantic to instance segmentation, and it
    fails exactly where instance segmentation is needed: two touching or overlapping objects
    of one class become one region (chapter 14 counts how often).

    References
    ----------
    Rosenfeld & Pfaltz, "Sequential operations in digital picture processing", JACM 13(4),
    1966. Used in chapters/14_segmentation_cnns.ipynb.

    Examples
    --------
    >>> label_components(np.array([[1, 1, 0, 1], [0, 0, 0, 2]]), num_classes=3)
    array([[1, 1, 0, 2],
           [0, 0, 0, 3]])
    """
    semantic = as_array(semantic, "semantic", ndim=2, kinds="iu", shape_hint="(H, W)")
    num_classes = check_int(num_classes, "num_classes", min=2, max=MAX_CLASSES)
    if semantic.min() < 0 or semantic.max() >= num_classes:
        raise ValueError(f"semantic must hold class indices 0 to {num_classes - 1}; got "
                         f"{semantic.min()} to {semantic.max()}")
    if semantic.size > 2**24:
        raise ValueError(f"semantic must have at most {2**24:,} pixels; got {semantic.size:,}")
    out = np.zeros(semantic.shape, np.int64)
    count = 0
    for c in np.unique(semantic[semantic > 0]):
        mask = semantic == c
        roots = _component_roots(mask)[mask]
        # the roots are the components' first pixels: sorting them gives raster order
        first, numbered = np.unique(roots, return_inverse=True)
        out[mask] = numbered + 1 + count
        count += len(first)
    return out


def panoptic_map(semantic: np.ndarray, instances: np.ndarray, *,
                 label_divisor: int = 1000) -> np.ndarray:
    """Combine a semantic map and an instance map into one panoptic label per pixel.

    Parameters
    ----------
    semantic : (H, W) ndarray of int
        Class per pixel; class 0 is "stuff" (background, not counted), every other class a
        "thing".
    instances : (H, W) ndarray of int
        Instance id per pixel, 0 where there is no object; ids start at 1.
    label_divisor : int
        Larger than every instance id (2 to 1,000,000).

    Returns
    -------
    (H, W) ndarray of int64
        ``class * label_divisor + instance`` for things, ``class * label_divisor`` for stuff:
        the encoding of COCO / Cityscapes panoptic tools.

    Raises
    ------
    ValueError
        Shapes differ, an instance id reaches ``label_divisor``, a thing pixel (class > 0)
        has no instance or a stuff pixel has one.

    Notes
    -----
    Semantic segmentation answers "what class is this pixel"; instance segmentation "which
    object is it" (for countable things only); panoptic "both, for every pixel": each pixel
    gets exactly one (class, instance) pair, stuff having no instance.

    References
    ----------
    Kirillov, He, Girshick, Rother & Dollar, "Panoptic segmentation", CVPR 2019. Used in
    chapters/14_segmentation_cnns.ipynb.

    Examples
    --------
    >>> panoptic_map(np.array([[0, 2, 2, 1]]), np.array([[0, 1, 2, 3]]))
    array([[   0, 2001, 2002, 1003]])
    """
    semantic = as_array(semantic, "semantic", ndim=2, kinds="iu", shape_hint="(H, W)")
    instances = as_array(instances, "instances", ndim=2, kinds="iu", shape_hint="(H, W)")
    label_divisor = check_int(label_divisor, "label_divisor", min=2, max=1_000_000)
    if semantic.shape != instances.shape:
        raise ValueError(f"semantic and instances must have the same shape; got "
                         f"{semantic.shape} and {instances.shape}")
    if semantic.min() < 0 or instances.min() < 0:
        raise ValueError("semantic and instances must be >= 0")
    if instances.max() >= label_divisor:
        raise ValueError(f"label_divisor must exceed every instance id; got {label_divisor} "
                         f"with ids up to {instances.max()}")
    if semantic.max() >= np.iinfo(np.int64).max // label_divisor:
        raise ValueError(f"semantic classes up to {semantic.max()} overflow with "
                         f"label_divisor={label_divisor}")
    if ((semantic > 0) != (instances > 0)).any():
        raise ValueError("every thing pixel (class > 0) needs an instance id and every stuff "
                         "pixel (class 0) must have instance 0")
    return semantic.astype(np.int64) * label_divisor + instances


def panoptic_quality(pred: np.ndarray, target: np.ndarray, *, label_divisor: int = 1000
                     ) -> dict[str, float]:
    """Panoptic quality PQ = SQ x RQ of a predicted panoptic map (things only).

    Parameters
    ----------
    pred, target : (H, W) ndarray of int
        Panoptic maps from :func:`panoptic_map` (class * label_divisor + instance).
    label_divisor : int
        The divisor both maps were made with.

    Returns
    -------
    dict
        ``pq``, ``sq`` (mean IoU of the matched segments), ``rq`` (F1 of the matching), and
        the counts ``tp``, ``fp``, ``fn``. With no segment in either map: PQ = SQ = RQ = 1.

    Notes
    -----
    A predicted and a true segment of the same class *match* when their IoU is above 0.5 (at
    most one match each, guaranteed by that threshold). Then

    .. math:: PQ = \\frac{\\sum_{(p, t) \\in TP} \\mathrm{IoU}(p, t)}
              {|TP| + \\tfrac12 |FP| + \\tfrac12 |FN|}
              = \\underbrace{\\frac{\\sum \\mathrm{IoU}}{|TP|}}_{SQ}
              \\times \\underbrace{\\frac{|TP|}{|TP| + \\frac12|FP| + \\frac12|FN|}}_{RQ}

    This version scores the thing segments (class > 0) over all classes together; the
    benchmark version averages PQ per class and also scores stuff.

    References
    ----------
    Kirillov et al., "Panoptic segmentation", CVPR 2019, section 4. Used in
    chapters/14_segmentation_cnns.ipynb.

    Examples
    --------
    >>> t = np.array([[1001, 1001, 1002, 1002]])
    >>> panoptic_quality(np.array([[1001, 1001, 1001, 1001]]), t)["pq"]   # merged: IoU 0.5
    0.0
    >>> panoptic_quality(t, t)["pq"]
    1.0
    """
    pred = as_array(pred, "pred", ndim=2, kinds="iu", shape_hint="(H, W)")
    target = as_array(target, "target", ndim=2, kinds="iu", shape_hint="(H, W)")
    label_divisor = check_int(label_divisor, "label_divisor", min=2, max=1_000_000)
    if pred.shape != target.shape:
        raise ValueError(f"pred and target must have the same shape; got {pred.shape} and "
                         f"{target.shape}")
    p_ids = [s for s in np.unique(pred) if s >= label_divisor and s % label_divisor]
    t_ids = [s for s in np.unique(target) if s >= label_divisor and s % label_divisor]
    if len(p_ids) > MAX_CLASSES or len(t_ids) > MAX_CLASSES:
        raise ValueError(f"at most {MAX_CLASSES} segments per map; got {len(p_ids)} and "
                         f"{len(t_ids)}")
    ious = []
    matched_p, matched_t = set(), set()
    for t in t_ids:
        t_mask = target == t
        for p in p_ids:
            if p // label_divisor != t // label_divisor or p in matched_p:
                continue
            p_mask = pred == p
            inter = np.count_nonzero(t_mask & p_mask)
            iou = inter / np.count_nonzero(t_mask | p_mask)
            if iou > 0.5:
                ious.append(iou)
                matched_p.add(p)
                matched_t.add(t)
                break
    tp, fp, fn = len(ious), len(p_ids) - len(matched_p), len(t_ids) - len(matched_t)
    if tp + fp + fn == 0:
        return {"pq": 1.0, "sq": 1.0, "rq": 1.0, "tp": 0, "fp": 0, "fn": 0}
    sq = float(np.mean(ious)) if ious else 0.0
    rq = tp / (tp + 0.5 * fp + 0.5 * fn)
    return {"pq": sq * rq, "sq": sq, "rq": rq, "tp": tp, "fp": fp, "fn": fn}
