"""Face detection the Viola-Jones way: Haar-like features, boosted stumps, OpenCV's cascades.

Used in chapters/15_faces.ipynb.

Three pieces, each small enough to read:

* **Haar-like features** (:func:`haar_feature`, :func:`haar_features`): signed sums of pixels
  over two, three or four adjacent rectangles, each sum read from an integral image
  (:func:`helpers.features.integral_image`) in four look-ups, whatever its size.
  :func:`haar_feature_naive` adds the pixels one by one, for comparison.
* **Boosting** (:func:`adaboost_fit`): discrete AdaBoost with decision stumps, one Haar feature
  and one threshold per stump, the classifier inside every stage of a Viola-Jones cascade.
  :func:`fit_stump` searches every feature and threshold at once; :func:`fit_stump_naive` does
  the same with plain loops.
* **OpenCV's trained cascades** (:func:`cascade_detect`, :func:`cascade_candidates`,
  :func:`group_detections`, :func:`cascade_scales`): the detectors that ship with
  opencv-python, with the two knobs ``scale_factor`` and ``min_neighbors`` taken apart.

Conventions
-----------
* Haar features follow scikit-image's ``haar_like_feature`` exactly (names, rectangles, signs;
  tests compare the two): ``"type-2-x"`` is right half minus left half, ``"type-2-y"`` bottom
  minus top, ``"type-3-x"``/``"type-3-y"`` the middle third minus the two outer thirds, and
  ``"type-4"`` the top-right and bottom-left quarters minus the other two. A feature is placed
  by the box it covers, ``(y, x, h, w)``: rows ``y:y+h`` and columns ``x:x+w`` of the window.
* Labels for the face / non-face classifier are 1 (face) and 0 (non-face).
* Boxes returned by the cascade helpers are ``(N, 4)`` float64 ``xyxy`` in pixel-edge
  coordinates (as :mod:`helpers.boxes`); OpenCV's ``(x, y, w, h)`` never leaves this module,
  nor does its BGR order (the images here are RGB or gray).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
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
from .image import as_uint8_image, to_batch

__all__ = [
    "HAAR_KINDS",
    "StumpEnsemble",
    "adaboost_fit",
    "available_cascades",
    "cascade_candidates",
    "cascade_detect",
    "cascade_info",
    "cascade_scales",
    "fit_stump",
    "fit_stump_naive",
    "group_detections",
    "haar_feature",
    "haar_feature_bank",
    "haar_feature_naive",
    "haar_features",
    "haar_rectangles",
    "integral_box_sum",
    "load_face_patches",
]

#: The five Haar-like feature kinds, named as in scikit-image.
HAAR_KINDS = ("type-2-x", "type-2-y", "type-3-x", "type-3-y", "type-4")

# kind -> (rows, columns) of its grid of rectangles, and the sign of each cell in row-major order.
_GRID = {"type-2-x": (1, 2), "type-2-y": (2, 1), "type-3-x": (1, 3), "type-3-y": (3, 1),
         "type-4": (2, 2)}
_SIGNS = {"type-2-x": (-1, 1), "type-2-y": (-1, 1), "type-3-x": (-1, 1, -1),
          "type-3-y": (-1, 1, -1), "type-4": (-1, 1, 1, -1)}

MAX_SIDE = 4096            # largest image or window side any helper here accepts
MAX_FEATURES = 2_000_000   # largest feature bank
MAX_VALUES = 50_000_000    # largest (images x features) matrix (400 MB of float64)
MAX_ROUNDS = 5_000         # boosting rounds
MAX_NAIVE_PIXELS = 512 * 512   # haar_feature_naive: pixels added one at a time
MAX_NAIVE_STUMP = 200      # fit_stump_naive: samples and features (it is O(N^2 M))
N_FACES = 100              # skimage.data.lfw_subset: 100 faces, then 100 non-faces
TEST_PER_CLASS = 30        # held-out faces and non-faces in load_face_patches


# -- Haar-like features ------------------------------------------------------------------------
def haar_rectangles(kind: str, y: int, x: int, h: int, w: int) -> np.ndarray:
    """The signed rectangles of one Haar-like feature.

    Parameters
    ----------
    kind : {"type-2-x", "type-2-y", "type-3-x", "type-3-y", "type-4"}
    y, x : int
        Top-left corner of the box the feature covers (row, column), >= 0.
    h, w : int
        Its height and width in pixels. The box is cut into equal cells, so ``w`` must be
        divisible by 2 for ``"type-2-x"`` and ``"type-4"``, by 3 for ``"type-3-x"``; ``h``
        likewise for the ``-y`` kinds and ``"type-4"``.

    Returns
    -------
    (K, 5) ndarray of int64
        One row ``(y0, x0, y1, x1, sign)`` per rectangle (K = 2, 3 or 4): the rectangle covers
        rows ``y0:y1`` and columns ``x0:x1`` (ends excluded) and enters the feature with
        ``sign`` (+1 or -1).

    Notes
    -----
    The feature's value is :math:`f = \\sum_k s_k \\sum_{(i,j) \\in R_k} I(i, j)`.

    References
    ----------
    P. Viola, M. Jones, "Rapid object detection using a boosted cascade of simple features",
    CVPR 2001 (figure 1). Used in chapters/15_faces.ipynb.

    Examples
    --------
    >>> haar_rectangles("type-2-x", 0, 0, 2, 4)
    array([[ 0,  0,  2,  2, -1],
           [ 0,  2,  2,  4,  1]])
    """
    kind = check_choice(kind, "kind", HAAR_KINDS)
    y = check_int(y, "y", min=0, max=MAX_SIDE)
    x = check_int(x, "x", min=0, max=MAX_SIDE)
    h = check_int(h, "h", min=1, max=MAX_SIDE)
    w = check_int(w, "w", min=1, max=MAX_SIDE)
    rows, cols = _GRID[kind]
    if h % rows or w % cols:
        raise ValueError(
            f"a {kind} feature is a grid of {rows} x {cols} equal cells, so h must be divisible "
            f"by {rows} and w by {cols}; got h={h}, w={w}"
        )
    ch, cw = h // rows, w // cols
    out = [(y + i * ch, x + j * cw, y + (i + 1) * ch, x + (j + 1) * cw, s)
           for (i, j), s in zip(np.ndindex(rows, cols), _SIGNS[kind], strict=True)]
    return np.array(out, dtype=np.int64)


def _check_integral(ii: Any, name: str = "ii") -> np.ndarray:
    ii = as_array(ii, name, ndim=2, kinds="iuf", shape_hint="(H + 1, W + 1)",
                  fix="pass the integral image from helpers.features.integral_image")
    if ii.shape[0] < 2 or ii.shape[1] < 2 or ii[0].any() or ii[:, 0].any():
        raise ValueError(
            f"{name} must be an integral image with a zero first row and column, shape "
            f"(H + 1, W + 1); got shape {ii.shape} - build it with "
            "helpers.features.integral_image(image)"
        )
    return ii


def integral_box_sum(ii: Any, y0: int, x0: int, y1: int, x1: int) -> float:
    """Sum of ``image[y0:y1, x0:x1]`` from its integral image, in four look-ups.

    Parameters
    ----------
    ii : (H + 1, W + 1) ndarray
        Integral image from :func:`helpers.features.integral_image` (zero first row and column).
    y0, x0, y1, x1 : int
        The box: rows ``y0:y1``, columns ``x0:x1`` (ends excluded), with
        ``0 <= y0 <= y1 <= H`` and ``0 <= x0 <= x1 <= W``.

    Returns
    -------
    float

    Notes
    -----
    :math:`\\sum = S(y_1, x_1) - S(y_0, x_1) - S(y_1, x_0) + S(y_0, x_0)`: the big rectangle,
    minus the strip above, minus the strip to the left, plus the corner removed twice.

    Examples
    --------
    >>> from helpers.features import integral_image
    >>> ii = integral_image(np.array([[1, 2], [3, 4]]))
    >>> integral_box_sum(ii, 0, 1, 2, 2)    # the right column: 2 + 4
    6.0
    """
    ii = _check_integral(ii)
    hmax, wmax = ii.shape[0] - 1, ii.shape[1] - 1
    y0 = check_int(y0, "y0", min=0, max=hmax)
    y1 = check_int(y1, "y1", min=y0, max=hmax)
    x0 = check_int(x0, "x0", min=0, max=wmax)
    x1 = check_int(x1, "x1", min=x0, max=wmax)
    return float(ii[y1, x1] - ii[y0, x1] - ii[y1, x0] + ii[y0, x0])


def _check_placement(shape: tuple[int, int], kind, y, x, h, w) -> np.ndarray:
    rects = haar_rectangles(kind, y, x, h, w)
    if y + h > shape[0] or x + w > shape[1]:
        raise ValueError(
            f"the feature's box rows {y}:{y + h}, columns {x}:{x + w} does not fit in an image "
            f"of {shape[0]} x {shape[1]} pixels; move it (y, x) or shrink it (h, w)"
        )
    return rects


def haar_feature_naive(image: Any, kind: str, y: int, x: int, h: int, w: int) -> float:
    """One Haar-like feature by adding pixels one at a time (the slow way, for comparison).

    Parameters
    ----------
    image : (H, W) ndarray
        Gray image (any numeric dtype; values are used as they are).
    kind, y, x, h, w
        As in :func:`haar_rectangles`; the box must lie inside the image.

    Returns
    -------
    float

    Notes
    -----
    Costs :math:`h \\cdot w` additions; :func:`haar_feature` costs at most 16 look-ups.

    Examples
    --------
    >>> haar_feature_naive(np.array([[0, 0, 1, 1]]), "type-2-x", 0, 0, 1, 4)   # right - left
    2.0
    """
    image = check_image(image, ndim=2, fix="convert with helpers.color.to_gray() first")
    rects = _check_placement(image.shape, kind, y, x, h, w)
    if h * w > MAX_NAIVE_PIXELS:
        raise ValueError(f"haar_feature_naive adds pixels one by one: h x w must be at most "
                         f"{MAX_NAIVE_PIXELS:,}; got {h} x {w} - use haar_feature")
    value = 0.0
    for y0, x0, y1, x1, sign in rects:
        box = 0.0
        for i in range(y0, y1):          # every pixel of the rectangle, one by one
            for j in range(x0, x1):
                box += float(image[i, j])
        value += float(sign) * box
    return value


def haar_feature(ii: Any, kind: str, y: int, x: int, h: int, w: int) -> float:
    """One Haar-like feature from the integral image: four look-ups per rectangle.

    Parameters
    ----------
    ii : (H + 1, W + 1) ndarray
        Integral image of the window, from :func:`helpers.features.integral_image`.
    kind, y, x, h, w
        As in :func:`haar_rectangles`; the box must lie inside the image.

    Returns
    -------
    float
        :math:`\\sum_k s_k \\, \\mathrm{boxsum}(R_k)`; equals ``skimage.feature.haar_like_feature``.

    Notes
    -----
    Each rectangle sum is :math:`S(y_1, x_1) - S(y_0, x_1) - S(y_1, x_0) + S(y_0, x_0)`
    (:func:`integral_box_sum`), so the cost does not depend on the feature's size: that is
    what let Viola and Jones evaluate thousands of features per window in real time.

    References
    ----------
    Viola & Jones, CVPR 2001. Used in chapters/15_faces.ipynb (the exercise writes this).

    Examples
    --------
    >>> from helpers.features import integral_image
    >>> ii = integral_image(np.array([[0, 0, 1, 1], [0, 0, 1, 1]]))
    >>> haar_feature(ii, "type-2-x", 0, 0, 2, 4)
    4.0
    """
    ii = _check_integral(ii)
    rects = _check_placement((ii.shape[0] - 1, ii.shape[1] - 1), kind, y, x, h, w)
    value = 0.0
    for y0, x0, y1, x1, sign in rects:
        value += float(sign) * float(ii[y1, x1] - ii[y0, x1] - ii[y1, x0] + ii[y0, x0])
    return value


def haar_feature_bank(
    window: tuple[int, int],
    *,
    kinds: tuple[str, ...] = HAAR_KINDS,
    position_step: int = 1,
    size_step: int = 1,
    min_cell: int = 1,
) -> np.ndarray:
    """Every Haar-like feature that fits in a window (optionally on a coarser grid).

    Parameters
    ----------
    window : (height, width)
        Window size in pixels, each 1 to 4,096.
    kinds : tuple of str
        Which of :data:`HAAR_KINDS` to include.
    position_step : int
        Corners ``(y, x)`` on a grid with this spacing (1 = every pixel).
    size_step : int
        Cell sizes ``min_cell, min_cell + size_step, ...`` (1 = every size).
    min_cell : int
        Smallest cell side in pixels.

    Returns
    -------
    (M, 5) ndarray of int64
        One row ``(kind_index, y, x, h, w)`` per feature; ``kind_index`` points into
        :data:`HAAR_KINDS` (not into ``kinds``, so banks built with different ``kinds`` agree).

    Raises
    ------
    ValueError
        If the bank would exceed 2,000,000 features (raise the steps).

    Notes
    -----
    With the default steps this is the complete set that ``skimage.feature.
    haar_like_feature_coord`` enumerates: 162,336 features in Viola and Jones' 24 x 24 window
    (their paper counts about 180,000 with a slightly different set of shapes).

    Examples
    --------
    A 2 x 2 window holds three left/right pairs: the top row, the bottom row, and both rows.

    >>> haar_feature_bank((2, 2), kinds=("type-2-x",))
    array([[0, 0, 0, 1, 2],
           [0, 1, 0, 1, 2],
           [0, 0, 0, 2, 2]])
    """
    if not isinstance(window, (tuple, list)) or len(window) != 2:
        raise TypeError(f"window must be a (height, width) pair; got {describe(window)}")
    height = check_int(window[0], "window[0]", min=1, max=MAX_SIDE)
    width = check_int(window[1], "window[1]", min=1, max=MAX_SIDE)
    if isinstance(kinds, str) or not isinstance(kinds, (tuple, list)) or not kinds:
        raise TypeError(f"kinds must be a non-empty tuple of names from {HAAR_KINDS}; got "
                        f"{describe(kinds)}")
    for k in kinds:
        check_choice(k, "kinds", HAAR_KINDS)
    position_step = check_int(position_step, "position_step", min=1, max=MAX_SIDE)
    size_step = check_int(size_step, "size_step", min=1, max=MAX_SIDE)
    min_cell = check_int(min_cell, "min_cell", min=1, max=MAX_SIDE)

    parts, total = [], 0
    for kind in dict.fromkeys(kinds):
        rows, cols = _GRID[kind]
        ch = np.arange(min_cell, height // rows + 1, size_step)
        cw = np.arange(min_cell, width // cols + 1, size_step)
        for h in ch * rows:
            for w in cw * cols:
                ys = np.arange(0, height - h + 1, position_step)
                xs = np.arange(0, width - w + 1, position_step)
                total += len(ys) * len(xs)
                if total > MAX_FEATURES:
                    raise ValueError(
                        f"this bank would hold more than {MAX_FEATURES:,} features; raise "
                        "position_step, size_step or min_cell"
                    )
                yy, xx = np.meshgrid(ys, xs, indexing="ij")
                block = np.empty((yy.size, 5), np.int64)
                block[:, 0] = HAAR_KINDS.index(kind)
                block[:, 1], block[:, 2], block[:, 3], block[:, 4] = yy.ravel(), xx.ravel(), h, w
                parts.append(block)
    if not parts:
        return np.zeros((0, 5), np.int64)
    return np.concatenate(parts)


def _check_bank(bank: Any, shape: tuple[int, int]) -> np.ndarray:
    bank = as_array(bank, "bank", ndim=2, kinds="iu", shape_hint="(M, 5)",
                    fix="build it with haar_feature_bank(window)")
    if bank.shape[1] != 5:
        raise ValueError(f"bank must have 5 columns (kind_index, y, x, h, w); got shape "
                         f"{bank.shape} - build it with haar_feature_bank(window)")
    if len(bank) > MAX_FEATURES:
        raise ValueError(f"bank must hold at most {MAX_FEATURES:,} features; got {len(bank):,}")
    k, y, x, h, w = bank.T
    rows = np.array([_GRID[n][0] for n in HAAR_KINDS])
    cols = np.array([_GRID[n][1] for n in HAAR_KINDS])
    bad_kind = (k < 0) | (k >= len(HAAR_KINDS))
    if bad_kind.any():
        raise ValueError(f"bank[:, 0] must be kind indices 0..4; got {int(k[bad_kind][0])}")
    bad = ((y < 0) | (x < 0) | (h < 1) | (w < 1) | (y + h > shape[0]) | (x + w > shape[1])
           | (h % rows[k] != 0) | (w % cols[k] != 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"bank row {i} {bank[i].tolist()} is not a valid feature inside a "
            f"{shape[0]} x {shape[1]} window (box outside, or sides not divisible into cells)"
        )
    return bank.astype(np.int64, copy=False)


def haar_features(images: Any, bank: Any, *, normalize: bool = True) -> np.ndarray:
    """Every feature of a bank on every image of a stack, through integral images.

    Parameters
    ----------
    images : (N, H, W) ndarray
        Gray windows, uint8 or float in [0, 1] (one window: ``window[None]``).
    bank : (M, 5) ndarray of int
        From :func:`haar_feature_bank`, fitting inside ``(H, W)``.
    normalize : bool
        Standardise each window first (subtract its mean, divide by its standard deviation),
        as Viola and Jones do, so that a feature responds to contrast, not to brightness.

    Returns
    -------
    (N, M) ndarray of float64

    Raises
    ------
    ValueError
        If N x M exceeds 50,000,000 values.

    Notes
    -----
    One integral image per window (two cumulative sums), then for every rectangle of every
    feature four look-ups, vectorised over images and features. Viola and Jones get the
    window's standard deviation from a second integral image of the squared pixels; here each
    window is small, so it is computed directly.

    Examples
    --------
    >>> bank = np.array([[0, 0, 0, 1, 4]])      # type-2-x over one row of 4 pixels
    >>> haar_features(np.array([[[0, 0, 255, 255]]], np.uint8), bank, normalize=False)
    array([[2.]])
    """
    from .features import integral_image

    stack = as_array(images, "images", ndim=3, kinds="biuf", shape_hint="(N, H, W)",
                     fix="one window goes in as window[None]")
    if max(stack.shape[1:]) > MAX_SIDE:
        raise ValueError(f"images must be at most {MAX_SIDE} pixels on a side; got {stack.shape}")
    values = to_batch(stack, "images")[:, 0].astype(np.float64)
    bank = _check_bank(bank, stack.shape[1:])
    if len(values) * len(bank) > MAX_VALUES:
        raise ValueError(
            f"images x features = {len(values):,} x {len(bank):,} exceeds {MAX_VALUES:,} "
            "values; use fewer images or a coarser bank"
        )
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be True or False; got {describe(normalize)}")
    if normalize:
        mean = values.mean(axis=(1, 2), keepdims=True)
        std = values.std(axis=(1, 2), keepdims=True)
        values = (values - mean) / np.where(std > 0, std, 1.0)
    ii = np.stack([integral_image(v) for v in values])          # (N, H + 1, W + 1)
    out = np.zeros((len(values), len(bank)))
    for k, kind in enumerate(HAAR_KINDS):
        sel = np.flatnonzero(bank[:, 0] == k)
        if not len(sel):
            continue
        _, y, x, h, w = bank[sel].T
        rows, cols = _GRID[kind]
        ch, cw = h // rows, w // cols
        for (i, j), sign in zip(np.ndindex(rows, cols), _SIGNS[kind], strict=True):
            y0, x0 = y + i * ch, x + j * cw
            y1, x1 = y0 + ch, x0 + cw
            box = ii[:, y1, x1] - ii[:, y0, x1] - ii[:, y1, x0] + ii[:, y0, x0]
            out[:, sel] += sign * box
    return out


# -- boosting ----------------------------------------------------------------------------------
def _check_features_labels(features: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    x = as_array(features, "features", ndim=2, kinds="biuf", shape_hint="(N, M)")
    if x.size > MAX_VALUES:
        raise ValueError(f"features must hold at most {MAX_VALUES:,} values; got {x.shape}")
    y = as_array(labels, "labels", ndim=1, kinds="biu", shape_hint="(N,)")
    if len(y) != len(x):
        raise ValueError(f"labels must have one entry per row of features ({len(x)}); got "
                         f"{len(y)}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"labels must be 1 (face) or 0 (non-face); got values "
                         f"{np.unique(y)[:6].tolist()}")
    return x.astype(np.float64, copy=False), np.where(y.astype(bool), 1.0, -1.0)


def _check_weights(weights: Any, n: int) -> np.ndarray:
    if weights is None:
        return np.full(n, 1.0 / n)
    w = as_array(weights, "weights", ndim=1, kinds="iuf", shape_hint="(N,)")
    if len(w) != n:
        raise ValueError(f"weights must have one entry per sample ({n}); got {len(w)}")
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be >= 0 with a positive sum")
    return w.astype(np.float64) / w.sum()


_TIE = 1e-12  # errors closer than this are equal (running sums and loops round differently)


def _first_min(err: np.ndarray) -> int:
    return int(np.argmax(err <= err.min() + _TIE))


class _StumpSearch:
    """Everything about the features that boosting rounds share: each column sorted once.

    Stored feature-major, ``(M, N)``, so the running sums run along contiguous memory.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        xt = np.ascontiguousarray(x.T)                                  # (M, N)
        self.order = np.argsort(xt, axis=1, kind="stable")
        self.sorted_x = np.take_along_axis(xt, self.order, axis=1)
        self.is_face = y[self.order] > 0
        # A split between two equal values is no split at all (split i is before sample i).
        self.tied = np.zeros(self.sorted_x.shape, bool)
        self.tied[:, 1:] = self.sorted_x[:, 1:] == self.sorted_x[:, :-1]

    def best(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Least weighted error of every feature, with its threshold and polarity."""
        wy = w[self.order]                                              # (M, N)
        pos = np.where(self.is_face, wy, 0.0)
        # Split i puts samples 0..i-1 (in sorted order) below the threshold. Polarity +1 (face
        # above) errs on the faces below and the non-faces above:
        #   err_up = pos_below + (w_neg - neg_below) = w_neg + 2 pos_below - below,
        # and polarity -1 errs on exactly the other samples: err_down = 1 - err_up.
        pos_below = np.cumsum(pos, axis=1)
        pos_below -= pos
        below = np.cumsum(wy, axis=1)
        below -= wy
        w_neg = 1.0 - (pos_below[:, -1:] + pos[:, -1:])
        err_up = w_neg + 2.0 * pos_below - below
        err_down = 1.0 - err_up
        err_up[self.tied] = np.inf
        err_down[self.tied] = np.inf
        rows = np.arange(len(wy))
        # Ties (within rounding, _TIE): the smaller split first, polarity +1 before -1.
        i_up = np.argmax(err_up <= err_up.min(axis=1, keepdims=True) + _TIE, axis=1)
        i_down = np.argmax(err_down <= err_down.min(axis=1, keepdims=True) + _TIE, axis=1)
        e_up, e_down = err_up[rows, i_up], err_down[rows, i_down]
        down = (e_down < e_up - _TIE) | ((np.abs(e_down - e_up) <= _TIE) & (i_down < i_up))
        split = np.where(down, i_down, i_up)
        err = np.where(down, e_down, e_up)
        first = self.sorted_x[:, 0]
        lower = self.sorted_x[rows, np.maximum(split - 1, 0)]
        threshold = np.where(split > 0, (lower + self.sorted_x[rows, split]) / 2, first - 1.0)
        return err, threshold, np.where(down, -1, 1)


def fit_stump(features: Any, labels: Any, weights: Any = None) -> tuple[int, float, int, float]:
    """The decision stump with the least weighted error: one feature, one threshold.

    Parameters
    ----------
    features : (N, M) ndarray
        One row per sample, one column per feature.
    labels : (N,) ndarray
        1 (face) or 0 (non-face).
    weights : (N,) ndarray, optional
        Non-negative sample weights (normalised to sum 1); uniform if omitted.

    Returns
    -------
    feature : int
        Column of the best stump.
    threshold : float
        Midway between two neighbouring values of that feature (or below the smallest).
    polarity : int
        +1: predict "face" where ``feature > threshold``; -1: where ``feature < threshold``.
    error : float
        Its weighted error :math:`\\sum_i w_i [h(x_i) \\ne y_i]`.

    Notes
    -----
    Sort each column once; running sums of the face and non-face weights then give the error
    of every split of every feature in one pass, :math:`O(NM \\log N)` in all instead of
    :math:`O(N^2 M)` for :func:`fit_stump_naive`. Ties go to the smaller split, polarity +1
    first, then to the smaller feature index.

    Examples
    --------
    >>> fit_stump(np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([0, 0, 1, 1]))
    (0, 2.5, 1, 0.0)
    """
    x, y = _check_features_labels(features, labels)
    w = _check_weights(weights, len(y))
    err, threshold, polarity = _StumpSearch(x, y).best(w)
    f = _first_min(err)
    return f, float(threshold[f]), int(polarity[f]), float(err[f])


def fit_stump_naive(
    features: Any, labels: Any, weights: Any = None
) -> tuple[int, float, int, float]:
    """:func:`fit_stump` with plain loops: every feature, every threshold, both polarities.

    Same parameters, returns and tie-breaking as :func:`fit_stump`.

    Examples
    --------
    >>> fit_stump_naive(np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([0, 0, 1, 1]))
    (0, 2.5, 1, 0.0)
    """
    x, y = _check_features_labels(features, labels)
    if max(x.shape) > MAX_NAIVE_STUMP:
        raise ValueError(f"fit_stump_naive loops over every threshold: features must be at most "
                         f"{MAX_NAIVE_STUMP} x {MAX_NAIVE_STUMP}; got {x.shape} - use fit_stump")
    w = _check_weights(weights, len(y))
    best = (np.inf, 0, 0.0, 1)
    for f in range(x.shape[1]):
        values = np.sort(x[:, f])
        # Candidate thresholds: below everything, then midway between distinct neighbours.
        candidates = [values[0] - 1.0]
        candidates += [(a + b) / 2 for a, b in zip(values[:-1], values[1:], strict=True) if a != b]
        for t in candidates:
            for polarity in (1, -1):
                error = 0.0
                for i in range(len(y)):
                    predicted = 1.0 if polarity * (x[i, f] - t) > 0 else -1.0
                    if predicted != y[i]:
                        error += w[i]
                if error < best[0] - _TIE:
                    best = (error, f, float(t), polarity)
    error, f, t, polarity = best
    return f, t, polarity, float(error)


@dataclass(frozen=True)
class StumpEnsemble:
    """A boosted classifier: a weighted vote of decision stumps (what :func:`adaboost_fit` returns).

    Attributes
    ----------
    feature : (T,) ndarray of int
        Feature (column) each stump looks at.
    threshold : (T,) ndarray of float
    polarity : (T,) ndarray of int
        +1 or -1, as in :func:`fit_stump`.
    alpha : (T,) ndarray of float
        Each stump's vote, :math:`\\frac12 \\ln\\frac{1 - \\epsilon_t}{\\epsilon_t}`.
    stump_error : (T,) ndarray of float
        Each stump's weighted error :math:`\\epsilon_t` when it was chosen.
    train_error : (T,) ndarray of float
        The ensemble's error on its training data after each round.
    """

    feature: np.ndarray
    threshold: np.ndarray
    polarity: np.ndarray
    alpha: np.ndarray
    stump_error: np.ndarray
    train_error: np.ndarray

    def __post_init__(self) -> None:
        names = ("feature", "threshold", "polarity", "alpha", "stump_error", "train_error")
        arrays = {}
        for name in names:
            arr = as_array(getattr(self, name), name, ndim=1, allow_empty=True)
            object.__setattr__(self, name, arr)
            arrays[name] = arr
        lengths = {len(a) for a in arrays.values()}
        if len(lengths) != 1:
            raise ValueError(f"feature, threshold, polarity, alpha, stump_error and train_error "
                             f"must have the same length; got {[len(a) for a in arrays.values()]}")
        if arrays["feature"].dtype.kind not in "iu" and len(arrays["feature"]):
            raise TypeError(f"feature must hold integer column indices; got dtype "
                            f"{arrays['feature'].dtype}")
        if (arrays["feature"] < 0).any() or not np.isin(arrays["polarity"], (-1, 1)).all():
            raise ValueError("feature must be >= 0 and polarity must be +1 or -1")

    def __len__(self) -> int:
        return len(self.alpha)

    def _rounds(self, rounds: int | None) -> int:
        if rounds is None:
            return len(self)
        return check_int(rounds, "rounds", min=1, max=len(self))

    def decision_function(self, features: Any, rounds: int | None = None) -> np.ndarray:
        """Weighted vote :math:`F(x) = \\sum_t \\alpha_t h_t(x)` of the first ``rounds`` stumps.

        Parameters
        ----------
        features : (N, M) ndarray
            The same feature columns the ensemble was trained on.
        rounds : int, optional
            Use only the first ``rounds`` stumps (default: all).

        Returns
        -------
        (N,) ndarray of float
            Positive means "face".
        """
        x = as_array(features, "features", ndim=2, kinds="biuf", shape_hint="(N, M)")
        t = self._rounds(rounds)
        if len(self) and self.feature[:t].max() >= x.shape[1]:
            raise ValueError(f"features must have at least {self.feature[:t].max() + 1} columns "
                             f"(the ones the ensemble was trained on); got {x.shape[1]}")
        cols = x[:, self.feature[:t]]
        votes = np.where(self.polarity[:t] * (cols - self.threshold[:t]) > 0, 1.0, -1.0)
        return votes @ self.alpha[:t]

    def predict(self, features: Any, rounds: int | None = None) -> np.ndarray:
        """1 (face) where the vote is positive, else 0; ``(N,)`` int64."""
        return (self.decision_function(features, rounds) > 0).astype(np.int64)


def adaboost_fit(features: Any, labels: Any, *, rounds: int = 50) -> StumpEnsemble:
    """Discrete AdaBoost with decision stumps (the learner inside a Viola-Jones cascade stage).

    Parameters
    ----------
    features : (N, M) ndarray
        Training samples, e.g. :func:`haar_features` of face and non-face windows.
    labels : (N,) ndarray
        1 (face) or 0 (non-face).
    rounds : int
        Number of stumps to add (1 to 5,000). Training stops earlier if no stump does better
        than chance on the weighted data.

    Returns
    -------
    StumpEnsemble

    Notes
    -----
    Start with equal weights :math:`w_i = 1/N`. Each round :math:`t`: pick the stump
    :math:`h_t` with the least weighted error :math:`\\epsilon_t` (:func:`fit_stump`); give it
    the vote :math:`\\alpha_t = \\frac12 \\ln \\frac{1 - \\epsilon_t}{\\epsilon_t}`; re-weight
    :math:`w_i \\leftarrow w_i e^{-\\alpha_t y_i h_t(x_i)}` and normalise, so the samples it got
    wrong count more next round. The classifier is :math:`\\mathrm{sign} \\sum_t \\alpha_t h_t(x)`.
    Viola and Jones start from :math:`1/2m` and :math:`1/2l` (equal total weight per class);
    our classes are balanced, where the two coincide. scikit-learn's
    ``AdaBoostClassifier(algorithm="SAMME")`` with depth-1 trees is the same algorithm with
    votes twice as large (the same classifier), but its trees pick splits by Gini impurity
    rather than weighted error, so its stumps can differ.

    References
    ----------
    Y. Freund, R. Schapire, "A decision-theoretic generalization of on-line learning and an
    application to boosting", J. Comput. Syst. Sci. 1997. Viola & Jones, CVPR 2001.
    Used in chapters/15_faces.ipynb.

    Examples
    --------
    >>> x = np.array([[1.0, 5.0], [2.0, 1.0], [3.0, 4.0], [4.0, 2.0]])
    >>> model = adaboost_fit(x, np.array([0, 0, 1, 1]), rounds=3)
    >>> model.predict(x).tolist(), model.feature[0]
    ([0, 0, 1, 1], np.int64(0))
    """
    x, y = _check_features_labels(features, labels)
    rounds = check_int(rounds, "rounds", min=1, max=MAX_ROUNDS)
    if np.unique(y).size < 2:
        raise ValueError("labels must contain both faces (1) and non-faces (0)")
    n = len(y)
    w = np.full(n, 1.0 / n)
    search = _StumpSearch(x, y)                       # sorted once: the features never change
    chosen: dict[str, list] = {k: [] for k in ("f", "t", "p", "a", "e", "train")}
    score = np.zeros(n)
    for _ in range(rounds):
        err, threshold, polarity = search.best(w)
        f = _first_min(err)
        eps = float(np.clip(err[f], 1e-10, 1 - 1e-10))
        if eps >= 0.5:
            break                                     # no stump beats a coin any more
        alpha = 0.5 * np.log((1 - eps) / eps)
        h = np.where(polarity[f] * (x[:, f] - threshold[f]) > 0, 1.0, -1.0)
        w = w * np.exp(-alpha * y * h)
        w /= w.sum()
        score += alpha * h
        for key, value in zip(("f", "t", "p", "a", "e"),
                              (f, threshold[f], polarity[f], alpha, eps), strict=True):
            chosen[key].append(value)
        chosen["train"].append(float(np.mean(np.where(score > 0, 1.0, -1.0) != y)))
    return StumpEnsemble(
        feature=np.array(chosen["f"], np.int64), threshold=np.array(chosen["t"], np.float64),
        polarity=np.array(chosen["p"], np.int64), alpha=np.array(chosen["a"], np.float64),
        stump_error=np.array(chosen["e"], np.float64),
        train_error=np.array(chosen["train"], np.float64),
    )


def load_face_patches(split: str = "all", *, rng: Any = 0) -> tuple[np.ndarray, np.ndarray]:
    """scikit-image's ``lfw_subset``: 100 face and 100 non-face windows, 25 x 25 gray.

    Parameters
    ----------
    split : {"all", "train", "test"}
        ``"test"`` is 30 faces and 30 non-faces drawn at random (by ``rng``), ``"train"`` the
        other 140; the same ``rng`` always gives the same split.
    rng : numpy.random.Generator or int
        Seed of the split.

    Returns
    -------
    images : (N, 25, 25) ndarray of float32
        Values in [0, 1].
    labels : (N,) ndarray of int64
        1 for a face, 0 for a non-face.

    Notes
    -----
    The faces are crops of Labeled Faces in the Wild (news photographs of public figures,
    mostly men, mostly white: see the chapter's section on bias); the non-faces are crops of
    the backgrounds of the same photographs. Bundled with scikit-image (no download).

    Examples
    --------
    >>> images, labels = load_face_patches("test")
    >>> images.shape, int(labels.sum())
    ((60, 25, 25), 30)
    """
    check_choice(split, "split", ("all", "train", "test"))
    generator = check_rng(rng)
    import skimage.data  # deferred: bundled with scikit-image

    images = to_batch(np.asarray(skimage.data.lfw_subset()), "lfw_subset")[:, 0]
    labels = (np.arange(len(images)) < N_FACES).astype(np.int64)
    if split == "all":
        return images, labels
    test = np.zeros(len(images), bool)
    for cls in (1, 0):
        members = np.flatnonzero(labels == cls)
        test[generator.choice(members, TEST_PER_CLASS, replace=False)] = True
    keep = test if split == "test" else ~test
    return images[keep], labels[keep]


# -- OpenCV's cascades -------------------------------------------------------------------------
def _cascade_dir() -> Path:
    import cv2

    return Path(cv2.data.haarcascades)


def available_cascades() -> list[str]:
    """Names of the Haar cascades bundled with opencv-python (``cv2.data.haarcascades``).

    Returns
    -------
    list of str
        File names without ``haarcascade_`` and ``.xml``, sorted: ``"eye"``,
        ``"frontalcatface"``, ``"frontalface_default"``, ... (no hand among them).

    Examples
    --------
    >>> "frontalface_default" in available_cascades()
    True
    """
    return sorted(p.name[len("haarcascade_"):-len(".xml")]
                  for p in _cascade_dir().glob("haarcascade_*.xml"))


def cascade_info(cascade: str = "frontalface_default") -> dict[str, Any]:
    """What is inside one of OpenCV's cascade files: window, stages, weak classifiers.

    Parameters
    ----------
    cascade : str
        One of :func:`available_cascades`.

    Returns
    -------
    dict
        ``window`` (width, height) in pixels, ``stages`` (number of boosted stages),
        ``stumps`` (weak classifiers in all stages), ``stumps_per_stage`` (list), ``features``
        (distinct Haar features the stumps use).

    Examples
    --------
    >>> info = cascade_info("frontalface_default")
    >>> info["window"], info["stages"], info["stumps_per_stage"][:3]
    ((24, 24), 25, [9, 16, 27])
    """
    info = _read_cascade(_check_cascade(cascade))
    return {**info, "stumps_per_stage": list(info["stumps_per_stage"])}


@cache
def _read_cascade(cascade: str) -> dict[str, Any]:
    import xml.etree.ElementTree as ET

    path = _cascade_dir() / f"haarcascade_{cascade}.xml"
    # Stream the file (iterparse) rather than building its whole tree: the files are up to 2 MB.
    depth, window, per_stage, features, in_old_format = [], {}, [], 0, False
    for event, elem in ET.iterparse(path, events=("start", "end")):
        if event == "start":
            depth.append(elem.tag)
            continue
        parents = depth[:-1]
        if elem.tag in ("width", "height") and parents[-1:] == ["cascade"]:
            window[elem.tag] = int(elem.text)
        elif elem.tag == "weakClassifiers" and parents[-2:] == ["stages", "_"]:
            per_stage.append(len(elem))
        elif elem.tag == "_" and parents[-1:] == ["features"]:
            features += 1
        elif elem.tag == "trees":
            in_old_format = True
        depth.pop()
        if parents[-1:] in (["features"], ["_"]) or elem.tag == "weakClassifiers":
            elem.clear()
    if in_old_format or not per_stage or len(window) != 2:
        raise ValueError(f"{cascade!r} is in OpenCV's old cascade format; cannot read its stages")
    return {
        "window": (window["width"], window["height"]), "stages": len(per_stage),
        "stumps": int(sum(per_stage)), "stumps_per_stage": per_stage, "features": features,
    }


@cache
def _classifier(name: str):
    import cv2

    classifier = cv2.CascadeClassifier(str(_cascade_dir() / f"haarcascade_{name}.xml"))
    if classifier.empty():
        raise ValueError(f"OpenCV could not load the cascade {name!r}")
    return classifier


def _check_cascade(cascade: Any) -> str:
    names = available_cascades()
    if not isinstance(cascade, str) or cascade not in names:
        raise ValueError(f"cascade must be one of {', '.join(repr(n) for n in names)}; got "
                         f"{cascade!r}")
    return cascade


def _gray_uint8(image: Any) -> np.ndarray:
    image = as_uint8_image(check_image(image), "image")
    if max(image.shape[:2]) > MAX_SIDE:
        raise ValueError(f"image must be at most {MAX_SIDE} pixels on a side; got {image.shape}")
    if image.ndim == 3:
        import cv2

        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)   # input is RGB; nothing BGR leaves
    return np.ascontiguousarray(image)


def _xywh_to_sorted_xyxy(rects: Any) -> np.ndarray:
    r = np.asarray(rects, np.float64).reshape(-1, 4)
    boxes = np.concatenate([r[:, :2], r[:, :2] + r[:, 2:]], axis=1)
    return boxes[np.lexsort((boxes[:, 0], boxes[:, 1]))] if len(boxes) else boxes


def _check_detect_args(scale_factor, min_size):
    scale_factor = check_float(scale_factor, "scale_factor", min=1, max=4, min_inclusive=False)
    min_size = check_int(min_size, "min_size", min=1, max=MAX_SIDE)
    return scale_factor, min_size


def cascade_candidates(
    image: Any,
    cascade: str = "frontalface_default",
    *,
    scale_factor: float = 1.1,
    min_size: int = 30,
) -> np.ndarray:
    """Every window a cascade accepts, before grouping (``detectMultiScale`` with 0 neighbours).

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        Gray or RGB, uint8 or float in [0, 1].
    cascade : str
        One of :func:`available_cascades`.
    scale_factor : float
        Ratio between successive window sizes (> 1, at most 4).
    min_size : int
        Smallest window side in pixels.

    Returns
    -------
    (K, 4) ndarray of float64
        xyxy boxes, sorted by top edge then left edge.
    """
    gray = _gray_uint8(image)
    cascade = _check_cascade(cascade)
    scale_factor, min_size = _check_detect_args(scale_factor, min_size)
    rects = _classifier(cascade).detectMultiScale(
        gray, scaleFactor=scale_factor, minNeighbors=0, minSize=(min_size, min_size))
    return _xywh_to_sorted_xyxy(rects)


def group_detections(candidates: Any, min_neighbors: int, *, eps: float = 0.2) -> np.ndarray:
    """Merge overlapping candidate windows; keep groups of more than ``min_neighbors``.

    Parameters
    ----------
    candidates : (K, 4) array_like
        xyxy boxes from :func:`cascade_candidates`.
    min_neighbors : int
        A group survives only if it has more than this many members (0 keeps every window
        ungrouped, as OpenCV does). 0 to 100.
    eps : float
        How similar two windows must be to join a group (OpenCV's ``GROUP_EPS`` is 0.2).

    Returns
    -------
    (N, 4) ndarray of float64
        One averaged box per surviving group, sorted by top edge then left edge. Equals
        :func:`cascade_detect` with the same ``min_neighbors`` (a test checks).

    Notes
    -----
    ``cv2.groupRectangles``: two windows are "similar" when every side differs by at most
    :math:`\\epsilon \\cdot (\\min(w_1, w_2) + \\min(h_1, h_2)) / 2`; similar windows form
    groups by transitivity; each group is replaced by its average box.
    """
    boxes = as_array(candidates, "candidates", ndim=2, kinds="iuf", allow_empty=True,
                     shape_hint="(K, 4)")
    if boxes.size and boxes.shape[1] != 4:
        raise ValueError(f"candidates must be (K, 4) xyxy boxes; got shape {boxes.shape}")
    if len(boxes) > 100_000:
        raise ValueError(f"candidates must hold at most 100,000 boxes; got {len(boxes):,}")
    min_neighbors = check_int(min_neighbors, "min_neighbors", min=0, max=100)
    eps = check_float(eps, "eps", min=0, max=10)
    if not len(boxes):
        return np.zeros((0, 4))
    if min_neighbors == 0:
        return _xywh_to_sorted_xyxy(
            np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1))
    import cv2

    xywh = np.round(np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1))
    grouped, _ = cv2.groupRectangles(xywh.astype(np.int32).tolist(), min_neighbors, eps)
    return _xywh_to_sorted_xyxy(grouped)


def cascade_detect(
    image: Any,
    cascade: str = "frontalface_default",
    *,
    scale_factor: float = 1.1,
    min_neighbors: int = 5,
    min_size: int = 30,
) -> np.ndarray:
    """Detect objects with one of OpenCV's bundled Haar cascades.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) ndarray
        Gray or RGB, uint8 or float in [0, 1]; at most 4,096 pixels on a side.
    cascade : str
        One of :func:`available_cascades`: ``"frontalface_default"`` for human faces,
        ``"frontalcatface"`` for cats, ...
    scale_factor : float
        Ratio between successive window sizes, > 1 and at most 4. 1.1 tries windows of
        24, 26, 29, ... pixels: slower, but a face falls close to one of them. 1.3 is faster
        and may fall between sizes.
    min_neighbors : int
        How many overlapping windows must agree before a detection is reported (0 to 100):
        a face is usually found by many nearby windows, a false alarm by few.
    min_size : int
        Smallest face side in pixels.

    Returns
    -------
    (N, 4) ndarray of float64
        xyxy boxes, sorted by top edge then left edge.

    Notes
    -----
    A cascade is a chain of boosted stages; a window must pass every stage to be accepted,
    and most windows are rejected by the first two or three, cheap stages. The image is
    searched at sizes :math:`24 \\cdot s^k` (:func:`cascade_scales`); accepted windows are then
    grouped (:func:`group_detections`).

    References
    ----------
    Viola & Jones, CVPR 2001. R. Lienhart, J. Maydt, "An extended set of Haar-like features for
    rapid object detection", ICIP 2002 (the frontal-face cascades). OpenCV,
    ``cv::CascadeClassifier::detectMultiScale``. Used in chapters/15_faces.ipynb.

    Examples
    --------
    >>> from helpers.data import load_photo
    >>> cascade_detect(load_photo("astronaut")).astype(int).tolist()
    [[177, 66, 272, 161]]
    """
    gray = _gray_uint8(image)
    cascade = _check_cascade(cascade)
    scale_factor, min_size = _check_detect_args(scale_factor, min_size)
    min_neighbors = check_int(min_neighbors, "min_neighbors", min=0, max=100)
    rects = _classifier(cascade).detectMultiScale(
        gray, scaleFactor=scale_factor, minNeighbors=min_neighbors, minSize=(min_size, min_size))
    return _xywh_to_sorted_xyxy(rects)


def cascade_scales(
    image_shape: tuple[int, ...],
    cascade: str = "frontalface_default",
    *,
    scale_factor: float = 1.1,
    min_size: int = 30,
) -> tuple[np.ndarray, np.ndarray]:
    """The window sizes a cascade tries on an image, and about how many windows at each.

    Parameters
    ----------
    image_shape : tuple
        ``image.shape``, ``(H, W)`` or ``(H, W, C)`` (only the first two numbers are used).
    cascade : str
        One of :func:`available_cascades` (its training window, 24 x 24 for faces).
    scale_factor, min_size
        As in :func:`cascade_detect`.

    Returns
    -------
    sizes : (S,) ndarray of int
        Window side in pixels at each scale.
    windows : (S,) ndarray of int
        Windows examined at that scale.

    Notes
    -----
    As in OpenCV's ``detectMultiScale``: scales :math:`s^k`, :math:`k = 0, 1, \\dots`, while the
    window fits in the image, skipping those below ``min_size``; at each scale the image is
    shrunk by :math:`s^k` and a fixed window slides over it with a stride of 2 pixels
    (1 pixel once :math:`s^k > 2`). OpenCV skips one more position after a window rejected by
    the first stage, so its real count is somewhat lower.

    Examples
    --------
    A 100 x 100 image, window 24, doubling: 77 positions per side at stride 2 is 39, so
    39 x 39; then 50 x 50 pixels, 27 positions, 14 x 14; then 25 x 25 at stride 1, 2 x 2.

    >>> sizes, windows = cascade_scales((100, 100), scale_factor=2.0, min_size=24)
    >>> sizes.tolist(), windows.tolist()
    ([24, 48, 96], [1521, 196, 4])
    """
    if not isinstance(image_shape, (tuple, list)) or len(image_shape) not in (2, 3):
        raise TypeError(f"image_shape must be image.shape, a tuple (H, W) or (H, W, C); got "
                        f"{describe(image_shape)}")
    height = check_int(image_shape[0], "image_shape[0]", min=1, max=MAX_SIDE)
    width = check_int(image_shape[1], "image_shape[1]", min=1, max=MAX_SIDE)
    cascade = _check_cascade(cascade)
    scale_factor, min_size = _check_detect_args(scale_factor, min_size)
    win_w, win_h = _classifier(cascade).getOriginalWindowSize()
    sizes, windows = [], []
    factor = 1.0
    while True:
        ww, wh = round(win_w * factor), round(win_h * factor)
        sw, sh = round(width / factor), round(height / factor)
        if ww > width or wh > height or sw - win_w + 1 <= 0 or sh - win_h + 1 <= 0:
            break
        if ww >= min_size and wh >= min_size:
            step = 1 if factor > 2 else 2
            sizes.append(ww)
            windows.append(-(-(sw - win_w + 1) // step) * -(-(sh - win_h + 1) // step))
        factor *= scale_factor
    return np.array(sizes, np.int64), np.array(windows, np.int64)
