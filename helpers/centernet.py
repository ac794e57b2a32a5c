"""CenterNet ("Objects as Points"): an object is the peak of a heatmap, plus a size and an offset.

Used in chapters/22_frontiers_detection.ipynb.

The training target of one image (:func:`centernet_encode`) is, at output stride ``R``:

* a **heatmap** per class, ``(C, H / R, W / R)`` in [0, 1]: a Gaussian bump at each object's
  centre cell (:func:`gaussian_radius` sets its size from the box, :func:`draw_gaussian` splats
  it, keeping the maximum where two bumps overlap);
* the box **size** ``(w, h)`` in input pixels at that cell, ``(2, H / R, W / R)``;
* the sub-cell **offset** ``p / R - floor(p / R)`` of the true centre ``p``, ``(2, H / R, W / R)``;
* a **mask**, ``(H / R, W / R)`` bool, of the cells where size and offset are trained.

Decoding (:func:`centernet_decode`) keeps the heatmap values that are the maximum of their
``3 x 3`` neighbourhood (:func:`heatmap_peaks`: a max-pool in place of box NMS) and reads the
size and offset there. Maps are channels first (``(C, h, w)`` per image), as torch's feature
maps; boxes are ``(N, 4)`` float xyxy in input pixels (:mod:`helpers.boxes`), and detections
are the triple ``(boxes, scores, classes)`` that :func:`helpers.evaluation.evaluate_detections`
reads, like :func:`helpers.yolo.detect`'s.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._validation import as_array, check_boxes, check_choice, check_float, check_int

__all__ = [
    "centernet_decode",
    "centernet_encode",
    "centernet_heatmap",
    "count_centre_conflicts",
    "draw_gaussian",
    "gaussian_radius",
    "heatmap_peaks",
    "heatmap_peaks_naive",
]

#: Largest map side (cells) and image side (pixels) accepted.
MAX_SIDE = 4096
#: Largest number of classes accepted (COCO has 80).
MAX_CLASSES = 1000
#: Largest heatmap (C * h * w values) the encoder builds or the decoder reads.
MAX_MAP_VALUES = 20_000_000
#: Largest number of objects per image (COCO's maximum is about 100).
MAX_OBJECTS = 10_000
#: Largest box side (pixels) :func:`gaussian_radius` accepts.
MAX_BOX_SIDE = 1e6
#: Largest Gaussian radius drawn (cells).
MAX_RADIUS = 1024
#: Largest peak window (cells) and number of peaks kept.
MAX_WINDOW = 63
MAX_PEAKS = 10_000
#: Most cells :func:`heatmap_peaks_naive` (a Python loop, for reading) accepts.
MAX_NAIVE_CELLS = 200_000

RADIUS_RULES = ("exact", "centernet_code")


def gaussian_radius(
    height: float, width: float, *, min_overlap: float = 0.3, rule: str = "exact"
) -> float:
    """Radius within which a displaced box still overlaps the true one by ``min_overlap`` IoU.

    Parameters
    ----------
    height, width : float
        Size of the true box (any unit: pixels or output cells; the radius comes out in it),
        0 to 1e6.
    min_overlap : float
        The IoU ``t`` that must survive, in (0, 1). CornerNet's paper uses 0.3 (the default
        here); CenterNet's code passes 0.7 to its own function (``rule="centernet_code"``),
        whose radii at 0.7 are close to the exact ones at 0.3 for small boxes.
    rule : {"exact", "centernet_code"}
        ``"exact"`` solves the three quadratics below correctly (as CornerNet's code does
        since it was fixed). ``"centernet_code"`` repeats the function in CenterNet's code,
        copied from CornerNet's first release: it takes the larger root of two quadratics
        and divides by 2 instead of :math:`2a`, so its radii are larger. It is here to compare
        with (princeton-vl/CornerNet issue #110, xingyizhou/CenterNet issue #116).

    Returns
    -------
    float
        The largest :math:`r \\ge 0` such that moving the corners by up to ``r`` (along both
        axes) keeps IoU >= ``min_overlap`` in the three cases below.

    Notes
    -----
    CornerNet places a Gaussian around each true corner "by ensuring that a pair of points
    within the radius would generate a bounding box with at least t IoU"; CenterNet reuses the
    same radius for its centres. With box :math:`w \\times h` and displacement :math:`r`:

    1. both corners shift the same way (the box moves by :math:`(r, r)`):
       :math:`\\frac{(w-r)(h-r)}{2wh - (w-r)(h-r)} = t`, i.e.
       :math:`r^2 - (w+h) r + wh \\frac{1-t}{1+t} = 0`;
    2. both corners move inwards: :math:`\\frac{(w-2r)(h-2r)}{wh} = t`, i.e.
       :math:`4r^2 - 2(w+h) r + (1-t) wh = 0`;
    3. both corners move outwards: :math:`\\frac{wh}{(w+2r)(h+2r)} = t`, i.e.
       :math:`4t r^2 + 2t(w+h) r - (1-t) wh = 0`.

    Each quadratic's smallest non-negative root is where the IoU falls to :math:`t`; the radius
    is the minimum of the three. The heatmap's standard deviation is then
    :math:`\\sigma = (2 \\lfloor r \\rfloor + 1) / 6` (:func:`draw_gaussian`).

    References
    ----------
    Law & Deng, "CornerNet: Detecting Objects as Paired Keypoints", ECCV 2018, section 3.2.
    Zhou, Wang & Krähenbühl, "Objects as Points", arXiv:1904.07850, 2019, section 3.
    Used in chapters/22_frontiers_detection.ipynb.

    Examples
    --------
    A 10 x 10 box must keep IoU 0.5: moving both corners inwards by 10 (1 - 1/sqrt 2) / 2
    halves its area first.

    >>> round(gaussian_radius(10, 10, min_overlap=0.5), 4)
    1.4645
    """
    h = check_float(height, "height", min=0, max=MAX_BOX_SIDE)
    w = check_float(width, "width", min=0, max=MAX_BOX_SIDE)
    t = check_float(min_overlap, "min_overlap", min=0, max=1, min_inclusive=False,
                    max_inclusive=False)
    check_choice(rule, "rule", RADIUS_RULES)
    if rule == "centernet_code":
        # CenterNet's function, line for line (its roots are not the quadratics' roots).
        b1, c1 = h + w, w * h * (1 - t) / (1 + t)
        r1 = (b1 + math.sqrt(b1**2 - 4 * c1)) / 2
        b2, c2 = 2 * (h + w), (1 - t) * w * h
        r2 = (b2 + math.sqrt(b2**2 - 16 * c2)) / 2
        a3, b3, c3 = 4 * t, -2 * t * (h + w), (t - 1) * w * h
        r3 = (b3 + math.sqrt(b3**2 - 4 * a3 * c3)) / 2
        return float(min(r1, r2, r3))
    s, p = h + w, h * w
    # Case 1 and 2: the smaller root; the discriminants are >= 0 for every t in (0, 1).
    r1 = (s - math.sqrt(max(s * s - 4 * p * (1 - t) / (1 + t), 0.0))) / 2
    r2 = (2 * s - math.sqrt(max(4 * s * s - 16 * (1 - t) * p, 0.0))) / 8
    # Case 3: the positive root of 4t r^2 + 2t s r - (1 - t) p = 0.
    r3 = (-2 * t * s + math.sqrt(4 * t * t * s * s + 16 * t * (1 - t) * p)) / (8 * t)
    return float(max(min(r1, r2, r3), 0.0))


def _check_map(heatmap: Any, name: str = "heatmap") -> np.ndarray:
    arr = as_array(heatmap, name, ndim=3, shape_hint="(C, h, w)")
    if arr.size > MAX_MAP_VALUES or max(arr.shape[1:]) > MAX_SIDE:
        raise ValueError(f"{name} is too large: shape {arr.shape} (at most {MAX_MAP_VALUES:,} "
                         f"values and sides of {MAX_SIDE})")
    return arr


def draw_gaussian(heatmap: Any, centre: Any, radius: int) -> np.ndarray:
    """Splat a Gaussian peak of height 1 at ``centre`` on one class's heatmap, keeping maxima.

    Parameters
    ----------
    heatmap : (h, w) array_like
        One class's map, values in [0, 1]; not modified.
    centre : (2,) array_like of int
        ``(x, y)`` cell of the peak (column, row), inside the map.
    radius : int
        The bump covers ``(2 radius + 1)`` cells on a side, 0 to 1024.

    Returns
    -------
    (h, w) ndarray of float32
        ``maximum(heatmap, gaussian)``: where two objects' bumps overlap the larger value wins
        (a sum would let two nearby objects make a peak between them).

    Notes
    -----
    .. math:: Y_{xy} = \\max\\Big(Y_{xy},\\ \\exp\\big(-\\frac{(x - \\tilde p_x)^2 +
              (y - \\tilde p_y)^2}{2 \\sigma^2}\\big)\\Big), \\quad
              \\sigma = \\frac{2 r + 1}{6}

    for cells within ``radius`` of the centre (along each axis), 0 beyond: CenterNet's
    ``draw_umich_gaussian``. The paper's :math:`\\sigma = r / 3` is the same for large radii;
    the code's :math:`(2r + 1) / 6` keeps a radius-0 bump finite.

    References
    ----------
    Zhou et al., "Objects as Points", 2019, section 3.
    Used in chapters/22_frontiers_detection.ipynb.

    Examples
    --------
    Radius 1, so sigma = 1/2: a side neighbour gets exp(-1 / (2 sigma^2)) = exp(-2), a diagonal
    one exp(-4).

    >>> draw_gaussian(np.zeros((3, 4)), (1, 1), 1).round(3)
    array([[0.018, 0.135, 0.018, 0.   ],
           [0.135, 1.   , 0.135, 0.   ],
           [0.018, 0.135, 0.018, 0.   ]], dtype=float32)
    """
    heat = as_array(heatmap, "heatmap", ndim=2, shape_hint="(h, w)")
    if heat.size > MAX_MAP_VALUES:
        raise ValueError(f"heatmap is too large: shape {heat.shape} (at most "
                         f"{MAX_MAP_VALUES:,} values)")
    c = as_array(centre, "centre", ndim=1, kinds="iu", shape_hint="(2,) integer (x, y)")
    if c.shape != (2,):
        raise ValueError(f"centre must be one (x, y) cell, shape (2,); got shape {c.shape}")
    r = check_int(radius, "radius", min=0, max=MAX_RADIUS)
    h, w = heat.shape
    x, y = int(c[0]), int(c[1])
    if not (0 <= x < w and 0 <= y < h):
        raise ValueError(f"centre {x, y} must be a cell (x, y) of the {h}x{w} heatmap")
    sigma = (2 * r + 1) / 6
    d = np.arange(-r, r + 1)
    bump = np.exp(-(d[:, None] ** 2 + d[None, :] ** 2) / (2 * sigma**2))
    out = heat.astype(np.float32)
    top, bottom, left, right = min(y, r), min(h - y, r + 1), min(x, r), min(w - x, r + 1)
    window = out[y - top : y + bottom, x - left : x + right]
    np.maximum(window, bump[r - top : r + bottom, r - left : r + right], out=window)
    return out


def _check_objects(boxes: Any, labels: Any, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    b = check_boxes(boxes)
    if len(b) > MAX_OBJECTS:
        raise ValueError(f"boxes must hold at most {MAX_OBJECTS:,} objects; got {len(b):,}")
    lab = as_array(labels, "labels", ndim=1, kinds="iu", allow_empty=True, shape_hint="(K,)")
    if len(lab) != len(b):
        raise ValueError(f"labels must have one class per box; got {len(lab)} for {len(b)} boxes")
    if len(lab) and (lab.min() < 0 or lab.max() >= num_classes):
        raise ValueError(f"labels must be in [0, num_classes={num_classes}); got values from "
                         f"{lab.min()} to {lab.max()}")
    return b.astype(np.float64), lab.astype(np.int64)


def _check_geometry(image_size: int, stride: int, num_classes: int) -> tuple[int, int, int]:
    size = check_int(image_size, "image_size", min=1, max=MAX_SIDE)
    stride = check_int(stride, "stride", min=1, max=64)
    c = check_int(num_classes, "num_classes", min=1, max=MAX_CLASSES)
    if size % stride:
        raise ValueError(f"image_size must be a multiple of stride; got {size} and {stride}")
    if c * (size // stride) ** 2 > MAX_MAP_VALUES:
        raise ValueError(f"a {c}-class heatmap of side {size // stride} is too large (at most "
                         f"{MAX_MAP_VALUES:,} values)")
    return size, stride, c


def centernet_heatmap(
    boxes: Any,
    labels: Any,
    *,
    num_classes: int,
    image_size: int,
    stride: int = 4,
    min_overlap: float = 0.3,
) -> np.ndarray:
    """The heatmap target of one image: a Gaussian at each object's centre cell, per class.

    Parameters
    ----------
    boxes : (K, 4) array_like
        xyxy boxes in pixels (K may be 0).
    labels : (K,) array_like of int
        Class of each box, in ``[0, num_classes)``.
    num_classes : int
        C (1 to 1,000).
    image_size : int
        Side of the square image in pixels, a multiple of ``stride``.
    stride : int
        Output stride R (CenterNet: 4): the map is ``image_size / R`` cells on a side.
    min_overlap : float
        For :func:`gaussian_radius` (exact rule).

    Returns
    -------
    (num_classes, image_size / stride, image_size / stride) ndarray of float32

    Notes
    -----
    For each object with centre :math:`p` (pixels) and size :math:`(w, h)`, on the map of its
    class: the peak cell :math:`\\tilde p = \\lfloor p / R \\rfloor`, the radius
    :math:`r = \\lfloor` ``gaussian_radius(h / R, w / R)`` :math:`\\rfloor` (computed in cells),
    and ``draw_gaussian(map, p~, r)``.

    References
    ----------
    Zhou et al., "Objects as Points", 2019, section 3.
    Used in chapters/22_frontiers_detection.ipynb.

    Examples
    --------
    >>> heat = centernet_heatmap([[4, 4, 12, 12]], [0], num_classes=1, image_size=16)
    >>> heat.shape, np.argwhere(heat[0] == 1).tolist()
    ((1, 4, 4), [[2, 2]])
    """
    size, stride, c = _check_geometry(image_size, stride, num_classes)
    b, lab = _check_objects(boxes, labels, c)
    check_float(min_overlap, "min_overlap", min=0, max=1, min_inclusive=False,
                max_inclusive=False)
    side = size // stride
    heat = np.zeros((c, side, side), np.float32)
    for (x1, y1, x2, y2), k in zip(b, lab, strict=True):
        cx = min(int((x1 + x2) / 2 / stride), side - 1)
        cy = min(int((y1 + y2) / 2 / stride), side - 1)
        radius = int(gaussian_radius((y2 - y1) / stride, (x2 - x1) / stride,
                                     min_overlap=min_overlap))
        heat[k] = draw_gaussian(heat[k], (cx, cy), min(radius, MAX_RADIUS))
    return heat


def centernet_encode(
    boxes: Any,
    labels: Any,
    *,
    num_classes: int,
    image_size: int,
    stride: int = 4,
    min_overlap: float = 0.3,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All of CenterNet's training targets for one image: heatmap, size, offset and mask.

    Parameters
    ----------
    boxes, labels, num_classes, image_size, stride, min_overlap
        As in :func:`centernet_heatmap`.

    Returns
    -------
    heatmap : (C, s, s) ndarray of float32
        :func:`centernet_heatmap`, ``s = image_size / stride``.
    size : (2, s, s) ndarray of float32
        ``(w, h)`` of each object in pixels at its peak cell, 0 elsewhere.
    offset : (2, s, s) ndarray of float32
        ``(p_x / R - floor(p_x / R), p_y / R - floor(p_y / R))`` at each peak cell, in [0, 1).
    mask : (s, s) ndarray of bool
        True at the peak cells (where size and offset are trained).

    Notes
    -----
    The output stride rounds every centre down to a cell, losing up to :math:`R - 1` pixels;
    the offset puts them back. Two objects with the same peak cell share one size and offset
    (the later one wins): the paper counts under 0.1 % of COCO's objects in that case at
    :math:`R = 4`; the chapter counts them on its own data.

    References
    ----------
    Zhou et al., "Objects as Points", 2019, section 3.
    Used in chapters/22_frontiers_detection.ipynb.

    Examples
    --------
    >>> heat, size, offset, mask = centernet_encode([[2, 2, 12, 8]], [0], num_classes=1,
    ...                                             image_size=16)
    >>> np.argwhere(mask).tolist(), size[:, 1, 1].tolist(), offset[:, 1, 1].tolist()
    ([[1, 1]], [10.0, 6.0], [0.75, 0.25])
    """
    heat = centernet_heatmap(boxes, labels, num_classes=num_classes, image_size=image_size,
                             stride=stride, min_overlap=min_overlap)
    b, _ = _check_objects(boxes, labels, int(num_classes))
    side = heat.shape[-1]
    size = np.zeros((2, side, side), np.float32)
    offset = np.zeros((2, side, side), np.float32)
    mask = np.zeros((side, side), bool)
    for x1, y1, x2, y2 in b:
        px, py = (x1 + x2) / 2 / stride, (y1 + y2) / 2 / stride
        cx, cy = min(int(px), side - 1), min(int(py), side - 1)
        size[:, cy, cx] = (x2 - x1, y2 - y1)
        offset[:, cy, cx] = (px - cx, py - cy)
        mask[cy, cx] = True
    return heat, size, offset, mask


def _check_peak_args(threshold, window, max_peaks):
    thr = check_float(threshold, "threshold", min=0, max=1)
    win = check_int(window, "window", min=1, max=MAX_WINDOW, odd=True)
    k = check_int(max_peaks, "max_peaks", min=1, max=MAX_PEAKS)
    return thr, win, k


def heatmap_peaks_naive(
    heatmap: Any, *, threshold: float = 0.1, window: int = 3, max_peaks: int = 100
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`heatmap_peaks` with plain loops, for reading (at most 200,000 cells).

    Examples
    --------
    >>> heat = np.array([[[0.2, 0.9, 0.3], [0.1, 0.4, 0.8]]])
    >>> [a.tolist() for a in heatmap_peaks_naive(heat, threshold=0.1)]
    [[0.9], [0], [0], [1]]
    """
    heat = _check_map(heatmap)
    if heat.size > MAX_NAIVE_CELLS:
        raise ValueError(f"heatmap has {heat.size:,} values; the naive loop accepts at most "
                         f"{MAX_NAIVE_CELLS:,} (use heatmap_peaks)")
    thr, win, k = _check_peak_args(threshold, window, max_peaks)
    half = win // 2
    found = []
    c_max, h, w = heat.shape
    for c in range(c_max):
        for y in range(h):
            for x in range(w):
                value = heat[c, y, x]
                # The window around (y, x), clipped at the border (padding counts as -inf).
                neighbourhood = heat[c, max(y - half, 0) : y + half + 1,
                                     max(x - half, 0) : x + half + 1]
                if value > thr and value >= neighbourhood.max():
                    found.append((value, c, y, x))
    # Best first; ties in the order the cells were visited (class, row, column).
    found.sort(key=lambda item: -item[0])
    found = found[:k]
    cols = list(zip(*found, strict=True)) if found else [[], [], [], []]
    return (np.asarray(cols[0], heat.dtype if heat.dtype.kind == "f" else np.float64),
            np.asarray(cols[1], np.int64), np.asarray(cols[2], np.int64),
            np.asarray(cols[3], np.int64))


def heatmap_peaks(
    heatmap: Any, *, threshold: float = 0.1, window: int = 3, max_peaks: int = 100
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The local maxima of a heatmap: CenterNet's max-pool in place of non-max suppression.

    Parameters
    ----------
    heatmap : (C, h, w) array_like
        Scores in [0, 1] per class (the network's sigmoid output for one image).
    threshold : float
        Keep peaks scoring strictly above this, in [0, 1].
    window : int
        Side of the neighbourhood (odd, 1 to 63): a cell is a peak if no cell of its class
        within ``window // 2`` cells scores higher. CenterNet uses 3; 1 keeps every cell.
    max_peaks : int
        Keep at most this many, best first (CenterNet: the top 100).

    Returns
    -------
    scores : (P,) ndarray of float
    classes, rows, cols : (P,) ndarrays of int64
        Best first; equal scores in (class, row, column) order.

    Notes
    -----
    A cell is kept when :math:`\\hat Y_{cyx} = \\max_{|dy|, |dx| \\le k} \\hat Y_{c, y+dy,
    x+dx}` (``k = window // 2``, the border padded with :math:`-\\infty`): the same test as
    ``max_pool2d(heat, window, stride=1, padding=window // 2) == heat`` in the official code.
    Two neighbouring cells with exactly the same score are both kept. No box, no IoU and no
    sorting is involved, so it runs in :math:`O(C h w \\cdot \\text{window}^2)`, on a GPU as a
    single pooling layer.

    References
    ----------
    Zhou et al., "Objects as Points", 2019, section 4 ("Inference"). Used in
    chapters/22_frontiers_detection.ipynb.

    Examples
    --------
    Two bumps on one class: the cell with 0.8 is a peak (its 3 x 3 window holds nothing
    higher); 0.4 and 0.3 are not.

    >>> heat = np.array([[[0.2, 0.9, 0.3], [0.1, 0.4, 0.8]]])
    >>> scores, classes, rows, cols = heatmap_peaks(heat, threshold=0.1)
    >>> scores.tolist(), rows.tolist(), cols.tolist()
    ([0.9], [0], [1])
    >>> heatmap_peaks(heat, threshold=0.1, window=1)[0].tolist()[:3]
    [0.9, 0.8, 0.4]
    """
    heat = _check_map(heatmap)
    thr, win, k = _check_peak_args(threshold, window, max_peaks)
    half = win // 2
    padded = np.pad(heat.astype(np.float64), ((0, 0), (half, half), (half, half)),
                    constant_values=-np.inf)
    pooled = np.lib.stride_tricks.sliding_window_view(padded, (win, win), axis=(1, 2)).max(
        axis=(-2, -1))
    keep = (heat >= pooled) & (heat > thr)
    flat = np.flatnonzero(keep)
    values = heat.reshape(-1)[flat]
    order = np.argsort(-values, kind="stable")[:k]
    c, y, x = np.unravel_index(flat[order], heat.shape)
    return values[order], c.astype(np.int64), y.astype(np.int64), x.astype(np.int64)


def centernet_decode(
    heatmap: Any,
    size: Any,
    offset: Any,
    *,
    stride: int = 4,
    threshold: float = 0.1,
    window: int = 3,
    max_detections: int = 100,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Detections of one image from CenterNet's three maps: peaks, then a box at each peak.

    Parameters
    ----------
    heatmap : (C, h, w) array_like
        Class scores in [0, 1].
    size : (2, h, w) array_like
        Predicted ``(w, h)`` in pixels.
    offset : (2, h, w) array_like
        Predicted sub-cell offset ``(dx, dy)``.
    stride : int
        Output stride R (1 to 64).
    threshold, window : float, int
        For :func:`heatmap_peaks`.
    max_detections : int
        At most this many detections (1 to 10,000).

    Returns
    -------
    boxes : (P, 4) ndarray of float64
        xyxy in input pixels.
    scores : (P,) ndarray of float64
    classes : (P,) ndarray of int64
        Best first.

    Notes
    -----
    At a peak :math:`(\\hat x, \\hat y)` with offset :math:`(\\delta \\hat x, \\delta \\hat
    y)` and size :math:`(\\hat w, \\hat h)`, the box is
    :math:`R(\\hat x + \\delta \\hat x, \\hat y + \\delta \\hat y) \\pm (\\hat w, \\hat h) / 2`.

    References
    ----------
    Zhou et al., "Objects as Points", 2019, section 4.
    Used in chapters/22_frontiers_detection.ipynb.

    Examples
    --------
    Encoding a box and decoding its own target gives it back:

    >>> heat, sz, off, _ = centernet_encode([[2, 2, 12, 8]], [0], num_classes=1, image_size=16)
    >>> boxes, scores, classes = centernet_decode(heat, sz, off)
    >>> boxes.tolist(), scores.tolist()
    ([[2.0, 2.0, 12.0, 8.0]], [1.0])
    """
    heat = _check_map(heatmap)
    sz = _check_map(size, "size")
    off = _check_map(offset, "offset")
    shape = (2, *heat.shape[1:])
    if sz.shape != shape or off.shape != shape:
        raise ValueError(f"size and offset must have shape {shape} for a heatmap of shape "
                         f"{heat.shape}; got {sz.shape} and {off.shape}")
    r = check_int(stride, "stride", min=1, max=64)
    scores, classes, ys, xs = heatmap_peaks(heat, threshold=threshold, window=window,
                                            max_peaks=check_int(max_detections,
                                                                "max_detections", min=1,
                                                                max=MAX_PEAKS))
    cx = (xs + off[0, ys, xs].astype(np.float64)) * r
    cy = (ys + off[1, ys, xs].astype(np.float64)) * r
    w, h = np.abs(sz[0, ys, xs].astype(np.float64)), np.abs(sz[1, ys, xs].astype(np.float64))
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1).reshape(-1, 4)
    return boxes, scores.astype(np.float64), classes


def count_centre_conflicts(boxes: Any, labels: Any, *, stride: int = 4, window: int = 3) -> int:
    """How many objects share their peak window with another object of the same class.

    Parameters
    ----------
    boxes : (K, 4) array_like
        xyxy boxes of one image, in pixels.
    labels : (K,) array_like of int
    stride : int
        Output stride R (1 to 64).
    window : int
        The peak window of :func:`heatmap_peaks` (odd, 1 to 63).

    Returns
    -------
    int
        Objects whose centre cell lies within ``window // 2`` cells (along both axes) of
        another same-class object's centre cell. Of each such pair, the max-pool keeps only
        the higher-scored peak (unless the scores tie), so this bounds the objects that
        CenterNet's decoding can lose however good its heatmap.

    Examples
    --------
    Two ellipses whose centres fall in neighbouring cells, and a rectangle far away:

    >>> count_centre_conflicts([[0, 0, 8, 8], [4, 4, 12, 12], [40, 40, 50, 50]], [0, 0, 1])
    2
    """
    b, lab = _check_objects(boxes, labels, MAX_CLASSES)
    r = check_int(stride, "stride", min=1, max=64)
    half = check_int(window, "window", min=1, max=MAX_WINDOW, odd=True) // 2
    cells = np.floor((b[:, :2] + b[:, 2:]) / 2 / r).astype(np.int64)
    near = (np.abs(cells[:, None] - cells[None]).max(axis=2) <= half) & \
        (lab[:, None] == lab[None]) & ~np.eye(len(b), dtype=bool)
    return int(near.any(axis=1).sum())
