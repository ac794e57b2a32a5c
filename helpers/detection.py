"""Object detection: sliding windows, RoI pooling, non-max suppression, YOLO grids, AP@0.5,
and a tiny single-shot detector (plus the landmark regressor of chapter 12) trained in torch.

Used in chapters/13_detection.ipynb (and chapters/12_localization.ipynb for the landmarks).

Boxes follow :mod:`helpers.boxes`: ``(N, 4)`` float xyxy. The numpy functions mirror
``torchvision.ops`` (``nms``, ``batched_nms``, ``roi_pool``) and are tested against it; torch is
imported only inside the functions that train or run a network.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ._validation import as_array, check_bool, check_float, check_int
from .boxes import _check_boxes, box_convert, box_iou

__all__ = [
    "DETECTOR_STRIDE",
    "average_precision",
    "batched_nms",
    "detect",
    "detector_predict",
    "evaluate_detections",
    "landmark_regressor",
    "match_detections",
    "nms",
    "nms_naive",
    "precision_recall",
    "predict_landmarks",
    "roi_pool",
    "sliding_windows",
    "tiny_detector",
    "train_detector",
    "train_landmarks",
    "window_scores_conv",
    "window_scores_naive",
    "yolo_decode",
    "yolo_encode",
]

#: Pixels per grid cell of :func:`tiny_detector` (three 2x2 max-pools).
DETECTOR_STRIDE = 8


# --------------------------------------------------------------------------------------------
# Non-max suppression
# --------------------------------------------------------------------------------------------
def _check_nms_args(boxes: Any, scores: Any, iou_threshold: float) -> tuple[np.ndarray, ...]:
    b = _check_boxes(boxes)
    s = as_array(scores, "scores", ndim=1, kinds="iuf", allow_empty=True, shape_hint="(N,)")
    if len(s) != len(b):
        raise ValueError(
            f"scores must have one value per box; got {len(s)} scores for {len(b)} boxes"
        )
    thr = check_float(iou_threshold, "iou_threshold", min=0, max=1)
    return b, s, thr


def nms_naive(boxes: Any, scores: Any, iou_threshold: float) -> np.ndarray:
    """Greedy non-max suppression with plain loops, as written in the papers.

    Same signature and result as :func:`nms`; kept for reading, not for speed.

    Examples
    --------
    >>> nms_naive([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]], [0.9, 0.8, 0.7], 0.5)
    array([0, 2])
    """
    b, s, thr = _check_nms_args(boxes, scores, iou_threshold)
    order = np.argsort(-s, kind="stable")  # highest score first; ties keep input order
    suppressed = np.zeros(len(b), bool)
    keep = []
    for pos, i in enumerate(order):
        if suppressed[i]:
            continue
        keep.append(i)  # the best box still standing is a detection...
        for j in order[pos + 1 :]:  # ...and removes every lower-scored box overlapping it
            if suppressed[j]:
                continue
            iou = box_iou(b[i : i + 1], b[j : j + 1])[0, 0]
            if float(iou) > thr:  # compare in float64, as torchvision's C++ does
                suppressed[j] = True
    return np.asarray(keep, np.int64)


def nms(boxes: Any, scores: Any, iou_threshold: float) -> np.ndarray:
    """Greedy non-max suppression: keep the best box, drop the boxes that overlap it, repeat.

    Parameters
    ----------
    boxes : (N, 4) array_like
        xyxy boxes (``x1 <= x2``, ``y1 <= y2``). May be empty.
    scores : (N,) array_like
        Confidence of each box.
    iou_threshold : float
        In [0, 1]. A box is dropped when its IoU with a kept box is *strictly greater* than this.

    Returns
    -------
    (K,) ndarray of int64
        Indices of the kept boxes, highest score first (ties: lower index first).

    Raises
    ------
    ValueError
        Bad boxes (see :func:`helpers.boxes.box_iou`), a score count that differs from the box
        count, NaN scores, or a threshold outside [0, 1].

    Notes
    -----
    Let :math:`B` be the boxes sorted by score. Repeat until :math:`B` is empty: move the first
    box :math:`b` to the output, then
    :math:`B \\leftarrow \\{ c \\in B : \\mathrm{IoU}(b, c) \\le t \\}`.
    A suppressed box never suppresses others. Each step compares one box with the rest at
    once, so the cost is :math:`O(N K)` for :math:`K` kept boxes.

    Identical to ``torchvision.ops.nms`` (tested on 500 random cases with tied scores,
    identical and zero-area boxes and boxes exactly at the threshold): the IoU is computed in
    the boxes' own float type with torchvision's formula and compared in float64, and two
    zero-area boxes (IoU 0 / 0) never suppress each other. NMS is class-agnostic; see
    :func:`batched_nms` for one NMS per class.

    References
    ----------
    Felzenszwalb et al., "Object Detection with Discriminatively Trained Part-Based Models",
    TPAMI 2010. Used in chapters/13_detection.ipynb.

    Examples
    --------
    >>> nms([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]], [0.9, 0.8, 0.7], 0.5)
    array([0, 2])
    >>> nms([[0, 0, 10, 10], [1, 1, 11, 11]], [0.9, 0.8], 0.7)   # IoU 0.68 <= 0.7: both stay
    array([0, 1])
    """
    b, s, thr = _check_nms_args(boxes, scores, iou_threshold)
    order = np.argsort(-s, kind="stable")
    x1, y1, x2, y2 = b.T
    area = (x2 - x1) * (y2 - y1)
    keep = []
    while order.size:
        i, rest = order[0], order[1:]
        keep.append(i)
        # The same operations in the same order as torchvision's kernel, in the boxes' dtype.
        w = np.maximum(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), 0)
        h = np.maximum(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), 0)
        inter = w * h
        with np.errstate(invalid="ignore", divide="ignore"):
            iou = inter / (area[i] + area[rest] - inter)
        # float64 comparison: a float32 IoU of exactly 0.3 is not > 0.3 in float32, but is in
        # C++ (float promoted to double), which is what torchvision does. NaN > t is False.
        order = rest[~(iou.astype(np.float64) > thr)]
    return np.asarray(keep, np.int64)


def batched_nms(boxes: Any, scores: Any, classes: Any, iou_threshold: float) -> np.ndarray:
    """Non-max suppression done separately for each class: boxes of different classes never
    suppress each other.

    Parameters
    ----------
    boxes : (N, 4) array_like
    scores : (N,) array_like
    classes : (N,) array_like of int
        Class (or image) index of each box.
    iou_threshold : float

    Returns
    -------
    (K,) ndarray of int64
        Kept indices over all classes, highest score first (ties: lower index first).

    Notes
    -----
    Equivalent to ``torchvision.ops.batched_nms`` (tested). torchvision gets there by shifting
    each class's boxes by ``class * (max coordinate + 1)`` so that one NMS call cannot mix
    classes; we loop over classes instead, which is easier to read and does not depend on
    shifted coordinates (large shifts could round fractional float32 coordinates).

    References
    ----------
    Used in chapters/13_detection.ipynb.

    Examples
    --------
    >>> batched_nms([[0, 0, 10, 10], [1, 1, 11, 11]], [0.9, 0.8], [0, 1], 0.5)
    array([0, 1])
    """
    b, s, thr = _check_nms_args(boxes, scores, iou_threshold)
    c = as_array(classes, "classes", ndim=1, kinds="iu", allow_empty=True, shape_hint="(N,)")
    if len(c) != len(b):
        raise ValueError(f"classes must have one value per box; got {len(c)} for {len(b)} boxes")
    kept = [np.flatnonzero(c == k)[nms(b[c == k], s[c == k], thr)] for k in np.unique(c)]
    keep = np.concatenate(kept) if kept else np.zeros(0, np.int64)
    return keep[np.lexsort((keep, -s[keep]))].astype(np.int64)


# --------------------------------------------------------------------------------------------
# Sliding windows, OverFeat's convolutional form, RoI pooling
# --------------------------------------------------------------------------------------------
def sliding_windows(image_shape: tuple[int, int], window: int, stride: int) -> np.ndarray:
    """Every position of a square window sliding over an image: the boxes a sliding-window
    detector would classify.

    Parameters
    ----------
    image_shape : (int, int)
        ``(H, W)``.
    window : int
        Side of the window in pixels (<= min(H, W)).
    stride : int
        Step in pixels.

    Returns
    -------
    (n_rows * n_cols, 4) ndarray of float64
        xyxy boxes, row-major, with ``n_rows = (H - window) // stride + 1`` (same for columns),
        the output-size formula of a "valid" convolution.

    Examples
    --------
    >>> sliding_windows((4, 6), window=4, stride=2)
    array([[0., 0., 4., 4.],
           [2., 0., 6., 4.]])
    """
    if not isinstance(image_shape, (tuple, list)) or len(image_shape) < 2:
        raise TypeError(f"image_shape must be (H, W); got {image_shape!r}")
    h = check_int(image_shape[0], "image_shape[0]", min=1)
    w = check_int(image_shape[1], "image_shape[1]", min=1)
    window = check_int(window, "window", min=1, max=min(h, w))
    stride = check_int(stride, "stride", min=1)
    ys = np.arange(0, h - window + 1, stride)
    xs = np.arange(0, w - window + 1, stride)
    y, x = np.meshgrid(ys, xs, indexing="ij")
    return np.stack([x.ravel(), y.ravel(), x.ravel() + window, y.ravel() + window], 1).astype(float)


def _check_head(features, weight, bias, window, stride):
    f = as_array(features, "features", ndim=3, shape_hint="(C, H, W)").astype(np.float64)
    window = check_int(window, "window", min=1, max=min(f.shape[1:]))
    stride = check_int(stride, "stride", min=1)
    w = as_array(weight, "weight", ndim=2, shape_hint="(K, C * window * window)").astype(np.float64)
    if w.shape[1] != f.shape[0] * window * window:
        raise ValueError(
            f"weight must have C * window * window = {f.shape[0] * window * window} columns for "
            f"features with C = {f.shape[0]} and window = {window}; got shape {w.shape}"
        )
    b = as_array(bias, "bias", ndim=1).astype(np.float64)
    if b.shape != (w.shape[0],):
        raise ValueError(f"bias must have shape ({w.shape[0]},); got {b.shape}")
    return f, w, b, window, stride


def window_scores_naive(
    features: Any, weight: Any, bias: Any, *, window: int, stride: int
) -> np.ndarray:
    """A fully connected classifier applied to every window, one crop at a time.

    Parameters
    ----------
    features : (C, H, W) array_like
        An image or feature map.
    weight : (K, C * window * window) array_like
        The FC layer: ``scores = weight @ crop.ravel() + bias`` for a ``(C, window, window)`` crop.
    bias : (K,) array_like
    window, stride : int

    Returns
    -------
    (K, n_rows, n_cols) ndarray of float64
        Scores of every window (positions as in :func:`sliding_windows`).

    Examples
    --------
    >>> window_scores_naive(np.arange(9.0).reshape(1, 3, 3), np.ones((1, 4)), [0.0],
    ...                     window=2, stride=1)
    array([[[ 8., 12.],
            [20., 24.]]])
    """
    f, w, b, window, stride = _check_head(features, weight, bias, window, stride)
    n_rows = (f.shape[1] - window) // stride + 1
    n_cols = (f.shape[2] - window) // stride + 1
    out = np.empty((len(w), n_rows, n_cols))
    for r in range(n_rows):
        for c in range(n_cols):
            crop = f[:, r * stride : r * stride + window, c * stride : c * stride + window]
            out[:, r, c] = w @ crop.ravel() + b  # the classifier sees one crop at a time
    return out


def window_scores_conv(
    features: Any, weight: Any, bias: Any, *, window: int, stride: int
) -> np.ndarray:
    """The same scores as :func:`window_scores_naive`, with the FC layer rewritten as a
    convolution over the whole map (OverFeat's trick).

    Parameters and Returns as :func:`window_scores_naive`.

    Notes
    -----
    A fully connected layer on a ``(C, k, k)`` input is a convolution with ``K`` kernels of
    shape ``(C, k, k)``: reshape row :math:`k` of ``weight`` to a kernel. Sliding that
    convolution over a larger map with the windows' stride gives every window's scores in one
    pass:

    .. math:: s_k(r, c) = b_k + \\sum_{ch, i, j} W_k[ch, i, j]\\, F[ch, r s + i, c s + j]

    In a real network the layers *before* the head are convolutions too, so overlapping
    windows share their feature computation instead of recomputing it per crop - that is the
    saving. Equals ``torch.nn.functional.conv2d(features, weight.reshape(K, C, k, k),
    bias, stride=stride)`` (tested to 1e-9).

    References
    ----------
    Sermanet et al., "OverFeat: Integrated Recognition, Localization and Detection using
    Convolutional Networks", ICLR 2014. Used in chapters/13_detection.ipynb.

    Examples
    --------
    >>> window_scores_conv(np.arange(9.0).reshape(1, 3, 3), np.ones((1, 4)), [0.0],
    ...                    window=2, stride=1)
    array([[[ 8., 12.],
            [20., 24.]]])
    """
    f, w, b, window, stride = _check_head(features, weight, bias, window, stride)
    kernels = w.reshape(len(w), f.shape[0], window, window)
    # (C, n_rows, n_cols, k, k) views of every window, no copy; then one tensor contraction.
    views = np.lib.stride_tricks.sliding_window_view(f, (window, window), axis=(1, 2))
    views = views[:, ::stride, ::stride]
    return np.einsum("crsij,kcij->krs", views, kernels, optimize=True) + b[:, None, None]


def _c_round(x: np.ndarray) -> np.ndarray:
    # C's round(): halves away from zero (numpy's round goes to even: round(2.5) == 2).
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def roi_pool(
    features: Any, rois: Any, output_size: int | tuple[int, int], spatial_scale: float = 1.0
) -> np.ndarray:
    """RoI max pooling (Fast R-CNN): a fixed-size feature grid for each region of a feature map.

    Parameters
    ----------
    features : (C, H, W) array_like
        The shared feature map of one image.
    rois : (K, 4) array_like
        xyxy regions in *image* coordinates.
    output_size : int or (int, int)
        ``(ph, pw)`` bins per region.
    spatial_scale : float
        Feature-map cells per image pixel (1 / the backbone's stride).

    Returns
    -------
    (K, C, ph, pw) ndarray, dtype of ``features`` (float)
        The maximum of each bin; 0 for a bin that covers no cell.

    Notes
    -----
    Region :math:`[x_1, x_2]` is mapped to cells ``round(x1 * scale) .. round(x2 * scale)``
    *inclusive* (the Caffe convention Fast R-CNN used and torchvision keeps), cut into
    :math:`p_w` bins of width :math:`\\Delta = (x_2' - x_1' + 1) / p_w`; bin :math:`j` spans
    cells :math:`\\lfloor j \\Delta \\rfloor .. \\lceil (j + 1) \\Delta \\rceil - 1`, clipped to
    the map. Both roundings shift a region by up to half a cell: the misalignment RoIAlign
    (Mask R-CNN) removes by bilinear sampling. Identical to ``torchvision.ops.roi_pool``
    (tested on 500 random regions).

    References
    ----------
    Girshick, "Fast R-CNN", ICCV 2015. Used in chapters/13_detection.ipynb.

    Examples
    --------
    >>> f = np.arange(16.0).reshape(1, 4, 4)
    >>> roi_pool(f, [[0, 0, 3, 3]], 2)
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """
    f = as_array(features, "features", ndim=3, shape_hint="(C, H, W)")
    f = f if f.dtype in (np.float32, np.float64) else f.astype(np.float64)
    r = _check_boxes(rois, "rois")
    size = (output_size, output_size) if isinstance(output_size, (int, np.integer)) else output_size
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise TypeError(f"output_size must be an int or a pair (ph, pw); got {output_size!r}")
    ph = check_int(size[0], "output_size[0]", min=1)
    pw = check_int(size[1], "output_size[1]", min=1)
    scale = check_float(spatial_scale, "spatial_scale", min=0, min_inclusive=False)
    dt = f.dtype.type
    _, height, width = f.shape
    out = np.zeros((len(r), f.shape[0], ph, pw), f.dtype)
    starts_ends = _c_round(r.astype(dt) * dt(scale)).astype(int)
    for k, (x1, y1, x2, y2) in enumerate(starts_ends):
        bin_h = dt(max(y2 - y1 + 1, 1)) / dt(ph)
        bin_w = dt(max(x2 - x1 + 1, 1)) / dt(pw)
        for i in range(ph):
            hs = min(max(int(np.floor(dt(i) * bin_h)) + y1, 0), height)
            he = min(max(int(np.ceil(dt(i + 1) * bin_h)) + y1, 0), height)
            for j in range(pw):
                ws = min(max(int(np.floor(dt(j) * bin_w)) + x1, 0), width)
                we = min(max(int(np.ceil(dt(j + 1) * bin_w)) + x1, 0), width)
                if he > hs and we > ws:  # an empty bin stays 0
                    out[k, :, i, j] = f[:, hs:he, ws:we].max(axis=(1, 2))
    return out


# --------------------------------------------------------------------------------------------
# YOLO grid encoding
# --------------------------------------------------------------------------------------------
def yolo_encode(
    boxes: Any, labels: Any, *, image_size: int, grid_size: int, num_classes: int
) -> np.ndarray:
    """The YOLO training target: which grid cell is responsible for which object, and where.

    Parameters
    ----------
    boxes : (K, 4) array_like
        xyxy boxes in pixels.
    labels : (K,) array_like of int
        Class of each box, in ``[0, num_classes)``.
    image_size : int
        Side of the square image in pixels.
    grid_size : int
        :math:`S`: the image is cut into :math:`S \\times S` cells.
    num_classes : int

    Returns
    -------
    (S, S, 5 + num_classes) ndarray of float32
        Per cell: objectness (1 if an object's centre falls in the cell), ``tx, ty`` (centre
        within the cell, in [0, 1)), ``w, h`` (size as a fraction of the image), one-hot class.

    Notes
    -----
    With cell size :math:`c = \\text{image\\_size} / S` and box centre :math:`(x, y)`: the cell
    is :math:`(i, j) = (\\lfloor y / c \\rfloor, \\lfloor x / c \\rfloor)` and
    :math:`t_x = x / c - j`, :math:`t_y = y / c - i`. Like YOLOv1 a cell predicts one object:
    if two centres fall in one cell the larger box is kept. (YOLOv1 predicts ``sqrt(w)``; later
    versions use anchors and log-offsets as in :func:`helpers.boxes.encode_boxes`.)

    References
    ----------
    Redmon et al., "You Only Look Once: Unified, Real-Time Object Detection", CVPR 2016.
    Used in chapters/13_detection.ipynb.

    Examples
    --------
    >>> t = yolo_encode([[8, 0, 16, 8]], [1], image_size=16, grid_size=2, num_classes=2)
    >>> t[0, 1].tolist()
    [1.0, 0.5, 0.5, 0.5, 0.5, 0.0, 1.0]
    """
    b = _check_boxes(boxes)
    lab = as_array(labels, "labels", ndim=1, kinds="iu", allow_empty=True)
    size = check_int(image_size, "image_size", min=1)
    s = check_int(grid_size, "grid_size", min=1, max=size)
    c = check_int(num_classes, "num_classes", min=1)
    if len(lab) != len(b):
        raise ValueError(f"labels must have one value per box; got {len(lab)} for {len(b)} boxes")
    if len(lab) and (lab.min() < 0 or lab.max() >= c):
        raise ValueError(f"labels must be in [0, {c}); got {lab.tolist()}")
    target = np.zeros((s, s, 5 + c), np.float32)
    cxcywh = box_convert(b, "xyxy", "cxcywh") if len(b) else np.zeros((0, 4))
    cell = size / s
    for k in np.argsort(cxcywh[:, 2] * cxcywh[:, 3], kind="stable"):  # larger boxes written last
        cx, cy, w, h = cxcywh[k]
        j = min(int(cx // cell), s - 1)
        i = min(int(cy // cell), s - 1)
        target[i, j, :5] = (1.0, cx / cell - j, cy / cell - i, w / size, h / size)
        target[i, j, 5:] = 0
        target[i, j, 5 + lab[k]] = 1.0
    return target


def yolo_decode(grid: Any, *, image_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn a YOLO output grid into one scored box per cell (before NMS).

    Parameters
    ----------
    grid : (S, S, 5 + C) array_like
        Objectness probability, ``tx, ty, w, h`` as in :func:`yolo_encode`, class probabilities.
    image_size : int

    Returns
    -------
    boxes : (S * S, 4) ndarray of float64
        xyxy in pixels, row-major over cells.
    scores : (S * S,) ndarray of float64
        Objectness times the probability of the best class.
    classes : (S * S,) ndarray of int64
        The best class.

    Examples
    --------
    >>> t = yolo_encode([[8, 0, 16, 8]], [1], image_size=16, grid_size=2, num_classes=2)
    >>> boxes, scores, classes = yolo_decode(t, image_size=16)
    >>> boxes[1].tolist(), scores.tolist(), int(classes[1])
    ([8.0, 0.0, 16.0, 8.0], [0.0, 1.0, 0.0, 0.0], 1)
    """
    g = as_array(grid, "grid", ndim=3, shape_hint="(S, S, 5 + C)").astype(np.float64)
    size = check_int(image_size, "image_size", min=1)
    s = g.shape[0]
    if g.shape[1] != s or g.shape[2] < 6:
        raise ValueError(f"grid must have shape (S, S, 5 + C) with C >= 1; got {g.shape}")
    cell = size / s
    i, j = np.mgrid[0:s, 0:s]
    cx = (j + g[..., 1]) * cell
    cy = (i + g[..., 2]) * cell
    w, h = g[..., 3] * size, g[..., 4] * size
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1).reshape(-1, 4)
    classes = g[..., 5:].argmax(-1).reshape(-1)
    scores = (g[..., 0] * g[..., 5:].max(-1)).reshape(-1)
    return boxes, scores, classes.astype(np.int64)


def detect(
    grid: Any, *, image_size: int, score_threshold: float = 0.05, iou_threshold: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Detections from one YOLO grid: decode, drop low scores, per-class NMS.

    Parameters
    ----------
    grid : (S, S, 5 + C) array_like
    image_size : int
    score_threshold : float
        Boxes scoring at or below this are dropped before NMS.
    iou_threshold : float
        For :func:`batched_nms`.

    Returns
    -------
    boxes (K, 4), scores (K,), classes (K,)
        Highest score first.

    Examples
    --------
    >>> t = yolo_encode([[8, 0, 16, 8]], [1], image_size=16, grid_size=2, num_classes=2)
    >>> detect(t, image_size=16)[0].tolist()
    [[8.0, 0.0, 16.0, 8.0]]
    """
    st = check_float(score_threshold, "score_threshold", min=0, max=1)
    boxes, scores, classes = yolo_decode(grid, image_size=image_size)
    keep = np.flatnonzero(scores > st)
    keep = keep[batched_nms(boxes[keep], scores[keep], classes[keep], iou_threshold)]
    return boxes[keep], scores[keep], classes[keep]


# --------------------------------------------------------------------------------------------
# Evaluation: precision, recall, AP
# --------------------------------------------------------------------------------------------
def match_detections(
    boxes: Any, scores: Any, truth: Any, *, iou_threshold: float = 0.5
) -> np.ndarray:
    """Mark each detection of one image and one class as a true or a false positive.

    Parameters
    ----------
    boxes : (P, 4) array_like
        Detected xyxy boxes.
    scores : (P,) array_like
    truth : (G, 4) array_like
        True boxes of the same class in the same image.
    iou_threshold : float
        A detection is a true positive if its best IoU with a true box is >= this and that
        box has not been claimed by a higher-scored detection (Pascal VOC's rule).

    Returns
    -------
    (P,) ndarray of bool
        ``True`` for a true positive, in the input order.

    Examples
    --------
    >>> match_detections([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]], [0.9, 0.8, 0.7],
    ...                  [[0, 0, 10, 10]])
    array([ True, False, False])
    """
    b = _check_boxes(boxes)
    s = as_array(scores, "scores", ndim=1, allow_empty=True)
    t = _check_boxes(truth, "truth")
    thr = check_float(iou_threshold, "iou_threshold", min=0, max=1)
    if len(s) != len(b):
        raise ValueError(f"scores must have one value per box; got {len(s)} for {len(b)} boxes")
    tp = np.zeros(len(b), bool)
    if len(t) == 0 or len(b) == 0:
        return tp
    iou = box_iou(b, t)
    claimed = np.zeros(len(t), bool)
    for p in np.argsort(-s, kind="stable"):
        g = int(iou[p].argmax())
        # A second detection of an already found object is a false positive (a duplicate).
        if iou[p, g] >= thr and not claimed[g]:
            tp[p] = claimed[g] = True
    return tp


def precision_recall(scores: Any, tp: Any, n_truth: int) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall after each detection, going down the list by score.

    Parameters
    ----------
    scores : (P,) array_like
    tp : (P,) array_like of bool
        From :func:`match_detections`.
    n_truth : int
        Number of true objects (the recall's denominator), >= 1.

    Returns
    -------
    precision, recall : (P,) ndarrays of float64

    Notes
    -----
    After the top :math:`k` detections: :math:`P_k = TP_k / k` and
    :math:`R_k = TP_k / n_{truth}`.

    Examples
    --------
    >>> precision_recall([0.9, 0.8, 0.7], [True, False, True], 2)
    (array([1.        , 0.5       , 0.66666667]), array([0.5, 0.5, 1. ]))
    """
    s = as_array(scores, "scores", ndim=1, allow_empty=True)
    t = as_array(tp, "tp", ndim=1, kinds="b", allow_empty=True)
    n = check_int(n_truth, "n_truth", min=1)
    if len(s) != len(t):
        raise ValueError(f"tp must have one value per score; got {len(t)} for {len(s)} scores")
    hits = np.cumsum(t[np.argsort(-s, kind="stable")])
    return hits / np.arange(1, len(s) + 1), hits / n


def average_precision(precision: Any, recall: Any) -> float:
    """Area under the precision-recall curve, with precision made monotone (Pascal VOC 2010+).

    Parameters
    ----------
    precision, recall : (P,) array_like
        From :func:`precision_recall` (recall non-decreasing).

    Returns
    -------
    float
        In [0, 1]; 0 when there are no detections.

    Notes
    -----
    :math:`AP = \\sum_k (R_k - R_{k-1}) \\, \\max_{k' \\ge k} P_{k'}`, with :math:`R_0 = 0`:
    every recall level gets the best precision reachable at that recall or beyond
    ("all-point interpolation"; COCO samples 101 recall points instead).

    References
    ----------
    Everingham et al., "The PASCAL VOC Challenge", IJCV 2010. Used in chapters/13_detection.ipynb.

    Examples
    --------
    >>> average_precision([1.0, 0.5, 2 / 3], [0.5, 0.5, 1.0])
    0.8333333333333333
    """
    p = as_array(precision, "precision", ndim=1, allow_empty=True).astype(np.float64)
    r = as_array(recall, "recall", ndim=1, allow_empty=True).astype(np.float64)
    if p.shape != r.shape:
        raise ValueError(
            f"precision and recall must have the same length; got {p.shape}, {r.shape}"
        )
    if len(p) == 0:
        return 0.0
    if (np.diff(r) < 0).any():
        raise ValueError("recall must be non-decreasing (sort the detections by score first)")
    envelope = np.maximum.accumulate(p[::-1])[::-1]
    return float(np.sum(np.diff(np.concatenate([[0.0], r])) * envelope))


def evaluate_detections(
    detections: list[tuple[Any, Any, Any]],
    truths: list[tuple[Any, Any]],
    *,
    num_classes: int,
    iou_threshold: float = 0.5,
) -> dict[str, Any]:
    """AP per class and its mean (mAP) over a set of images.

    Parameters
    ----------
    detections : list of (boxes (P, 4), scores (P,), classes (P,))
        One triple per image, e.g. from :func:`detect`.
    truths : list of (boxes (G, 4), classes (G,))
        One pair per image, same order.
    num_classes : int
    iou_threshold : float
        0.5 for "AP@0.5" (Pascal VOC).

    Returns
    -------
    dict
        ``"ap"``: (num_classes,) AP per class (NaN for a class with no true object),
        ``"map"``: their mean over classes that occur, ``"curves"``: per class the
        ``(precision, recall)`` arrays.

    Examples
    --------
    >>> dets = [([[0, 0, 10, 10]], [0.9], [0])]
    >>> evaluate_detections(dets, [([[0, 0, 10, 10]], [0])], num_classes=1)["map"]
    1.0
    """
    c = check_int(num_classes, "num_classes", min=1)
    if len(detections) != len(truths):
        raise ValueError(
            f"detections and truths must list the same images; got {len(detections)} and "
            f"{len(truths)}"
        )
    per_class = [([], []) for _ in range(c)]  # scores, tp flags
    n_truth = np.zeros(c, np.int64)
    for (db, ds, dc), (tb, tc) in zip(detections, truths, strict=True):
        db, tb = _check_boxes(db), _check_boxes(tb, "truth")
        ds = as_array(ds, "scores", ndim=1, allow_empty=True)
        dc = as_array(dc, "classes", ndim=1, kinds="iu", allow_empty=True)
        tc = as_array(tc, "truth classes", ndim=1, kinds="iu", allow_empty=True)
        for k in range(c):
            n_truth[k] += int((tc == k).sum())
            m = dc == k
            per_class[k][0].append(ds[m])
            per_class[k][1].append(match_detections(db[m], ds[m], tb[tc == k],
                                                    iou_threshold=iou_threshold))
    ap = np.full(c, np.nan)
    curves = {}
    for k in range(c):
        if n_truth[k] == 0:
            continue
        p, r = precision_recall(np.concatenate(per_class[k][0]), np.concatenate(per_class[k][1]),
                                int(n_truth[k]))
        ap[k] = average_precision(p, r)
        curves[k] = (p, r)
    return {"ap": ap, "map": float(np.nanmean(ap)) if np.isfinite(ap).any() else 0.0,
            "curves": curves}


# --------------------------------------------------------------------------------------------
# Tiny trainable models (torch, imported on use)
# --------------------------------------------------------------------------------------------
def _images_to_tensor(images: Any, name: str = "images"):
    import torch

    arr = as_array(images, name, ndim=4, kinds="iuf", shape_hint="(N, H, W, 3)")
    if arr.shape[-1] != 3:
        raise ValueError(f"{name} must be (N, H, W, 3) RGB; got shape {arr.shape}")
    scale = 255.0 if arr.dtype.kind in "iu" else 1.0
    x = torch.from_numpy(np.ascontiguousarray(arr.transpose(0, 3, 1, 2), np.float32))
    return x / scale - 0.5


def _conv_block(nn, c_in: int, c_out: int, pool: bool) -> list:
    layers = [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]
    return layers + ([nn.MaxPool2d(2)] if pool else [])


def tiny_detector(num_classes: int = 3, *, width: int = 16, seed: int = 0):
    """A tiny single-shot, YOLO-style detector: four 3x3 conv blocks and a 1x1 head.

    Parameters
    ----------
    num_classes : int
    width : int
        Channels of the first block (doubled after each pool, up to ``4 * width``).
    seed : int
        Seeds the weight initialisation (the global torch RNG is left as it was).

    Returns
    -------
    torch.nn.Sequential
        Maps ``(N, 3, H, W)`` to ``(N, 5 + num_classes, H / 8, W / 8)`` raw scores (logits):
        one prediction per :data:`DETECTOR_STRIDE` x 8 cell. Fully convolutional, so it runs on
        any image whose sides are multiples of 8.

    References
    ----------
    Redmon et al., "You Only Look Once", CVPR 2016 (single-shot grid prediction).
    Used in chapters/13_detection.ipynb.

    Examples
    --------
    >>> net = tiny_detector(3)
    >>> import torch
    >>> tuple(net(torch.zeros(1, 3, 64, 64)).shape)
    (1, 8, 8, 8)
    """
    c = check_int(num_classes, "num_classes", min=1)
    w = check_int(width, "width", min=1)
    seed = check_int(seed, "seed", min=0)
    import torch
    from torch import nn

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(
            *_conv_block(nn, 3, w, True),
            *_conv_block(nn, w, 2 * w, True),
            *_conv_block(nn, 2 * w, 4 * w, True),
            *_conv_block(nn, 4 * w, 4 * w, False),
            nn.Conv2d(4 * w, 5 + c, 1),
        )


def _detector_loss(out, target):
    import torch
    import torch.nn.functional as F

    target = target.permute(0, 3, 1, 2)  # (N, 5 + C, S, S) like the output
    obj = target[:, 0]
    positive = obj > 0.5
    # About 2 of 64 cells hold an object: weighting the positives keeps objectness from
    # settling low everywhere (scores would rank well but stay far below 0.5).
    loss_obj = F.binary_cross_entropy_with_logits(out[:, 0], obj, pos_weight=out.new_tensor(4.0))
    if not positive.any():
        return loss_obj
    box_pred = torch.sigmoid(out[:, 1:5]).permute(0, 2, 3, 1)[positive]
    box_true = target[:, 1:5].permute(0, 2, 3, 1)[positive]
    loss_box = F.mse_loss(box_pred, box_true, reduction="sum") / positive.sum()
    cls_pred = out[:, 5:].permute(0, 2, 3, 1)[positive]
    cls_true = target[:, 5:].permute(0, 2, 3, 1)[positive].argmax(-1)
    # Box errors are small numbers (fractions of a cell); weight 5 as in YOLOv1's lambda_coord.
    return loss_obj + 5.0 * loss_box + F.cross_entropy(cls_pred, cls_true)


def _fit(model, x, y, loss_fn, *, epochs, batch_size, lr, seed, progress, desc, threads=None):
    import torch

    if threads is not None:
        before = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            return _fit(model, x, y, loss_fn, epochs=epochs, batch_size=batch_size, lr=lr,
                        seed=seed, progress=progress, desc=desc)
        finally:
            torch.set_num_threads(before)
    from tqdm.auto import tqdm

    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * ((len(x) + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    history = []
    model.train()
    start = time.perf_counter()
    bar = tqdm(range(epochs), desc=desc, disable=not progress)
    for _ in bar:
        total = 0.0
        for idx in torch.randperm(len(x), generator=gen).split(batch_size):
            loss = loss_fn(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        history.append(total / len(x))
        bar.set_postfix(loss=f"{history[-1]:.3f}")
    model.eval()
    return {"loss": history, "seconds": time.perf_counter() - start}


def train_detector(
    model: Any,
    images: Any,
    boxes: list[Any],
    labels: list[Any],
    *,
    epochs: int = 12,
    batch_size: int = 32,
    lr: float = 3e-3,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, Any]:
    """Train :func:`tiny_detector` on images with boxes and labels (YOLO targets, Adam).

    Parameters
    ----------
    model : torch.nn.Module
        From :func:`tiny_detector`; trained in place.
    images : (N, H, W, 3) array_like of uint8
        Square images, sides a multiple of 8.
    boxes, labels : lists of N arrays
        As returned by :func:`helpers.shapes.make_detection_dataset`.
    epochs, batch_size : int
    lr : float
        Peak learning rate of a one-cycle schedule.
    seed : int
        Seeds the batch order.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    dict
        ``"loss"``: mean loss per epoch; ``"seconds"``: training time.

    Notes
    -----
    Loss per image (YOLOv1's, simplified): binary cross-entropy of the objectness of every
    cell (positive cells weighted 4x, as they are rare), plus, for the cells responsible for an
    object, :math:`5 \\times` the squared error of
    ``(tx, ty, w, h)`` (predicted through a sigmoid) and the cross-entropy of the class.

    Examples
    --------
    >>> from helpers.shapes import make_detection_dataset
    >>> images, boxes, labels = make_detection_dataset(8, rng=0)
    >>> history = train_detector(tiny_detector(3), images, boxes, labels, epochs=1,
    ...                          progress=False)
    >>> len(history["loss"])
    1
    """
    import torch

    x = _images_to_tensor(images)
    size = x.shape[-1]
    if x.shape[-2] != size or size % DETECTOR_STRIDE:
        raise ValueError(f"images must be square with sides a multiple of 8; got {tuple(x.shape)}")
    if len(boxes) != len(x) or len(labels) != len(x):
        raise ValueError(
            f"boxes and labels must have one entry per image; got {len(boxes)} and "
            f"{len(labels)} for {len(x)} images"
        )
    num_classes = model[-1].out_channels - 5
    y = torch.from_numpy(np.stack([
        yolo_encode(b, lab, image_size=size, grid_size=size // DETECTOR_STRIDE,
                    num_classes=num_classes)
        for b, lab in zip(boxes, labels, strict=True)
    ]))
    return _fit(model, x, y, _detector_loss,
                epochs=check_int(epochs, "epochs", min=1),
                batch_size=check_int(batch_size, "batch_size", min=1),
                lr=check_float(lr, "lr", min=0, min_inclusive=False),
                seed=check_int(seed, "seed", min=0), progress=check_bool(progress, "progress"),
                desc="training detector")


def detector_predict(model: Any, images: Any) -> np.ndarray:
    """Run the detector: per-cell probabilities in the layout of :func:`yolo_encode`.

    Parameters
    ----------
    model : torch.nn.Module
        From :func:`tiny_detector`.
    images : (N, H, W, 3) array_like
        Sides multiples of 8 (any size: the net is fully convolutional).

    Returns
    -------
    (N, H / 8, W / 8, 5 + C) ndarray of float32
        Sigmoid of objectness and box, softmax of the classes.

    Examples
    --------
    >>> detector_predict(tiny_detector(3), np.zeros((1, 16, 16, 3), np.uint8)).shape
    (1, 2, 2, 8)
    """
    import torch

    x = _images_to_tensor(images)
    if x.shape[-1] % DETECTOR_STRIDE or x.shape[-2] % DETECTOR_STRIDE:
        raise ValueError(f"images must have sides that are multiples of 8; got {tuple(x.shape)}")
    model.eval()
    with torch.no_grad():
        out = torch.cat([model(chunk) for chunk in x.split(256)])
    probs = torch.cat([torch.sigmoid(out[:, :5]), torch.softmax(out[:, 5:], 1)], 1)
    return probs.permute(0, 2, 3, 1).numpy()


def landmark_regressor(num_points: int = 3, *, width: int = 16, seed: int = 0):
    """A small CNN that regresses ``num_points`` ``(x, y)`` landmarks from an image.

    Parameters
    ----------
    num_points : int
    width : int
        Channels of the first conv block.
    seed : int
        Seeds the weight initialisation (the global torch RNG is left as it was).

    Returns
    -------
    torch.nn.Sequential
        ``(N, 3, H, W)`` -> ``(N, 2 * num_points)``: coordinates as fractions of the image side.

    References
    ----------
    Zhang et al., "Facial Landmark Detection by Deep Multi-task Learning", ECCV 2014.
    Used in chapters/12_localization.ipynb.

    Examples
    --------
    >>> import torch
    >>> tuple(landmark_regressor(3)(torch.zeros(2, 3, 48, 48)).shape)
    (2, 6)
    """
    n = check_int(num_points, "num_points", min=1)
    w = check_int(width, "width", min=1)
    seed = check_int(seed, "seed", min=0)
    import torch
    from torch import nn

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(
            *_conv_block(nn, 3, w, True),
            *_conv_block(nn, w, 2 * w, True),
            *_conv_block(nn, 2 * w, 4 * w, True),
            nn.AdaptiveAvgPool2d(3),  # keeps coarse "where" information, unlike a global pool
            nn.Flatten(),
            nn.Linear(4 * w * 9, 64),
            nn.ReLU(),
            nn.Linear(64, 2 * n),
        )


def train_landmarks(
    model: Any,
    images: Any,
    points: Any,
    *,
    epochs: int = 15,
    batch_size: int = 32,
    lr: float = 3e-3,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, Any]:
    """Train :func:`landmark_regressor` with the mean squared error of the coordinates.

    Parameters
    ----------
    model : torch.nn.Module
    images : (N, H, W, 3) array_like
        Square images.
    points : (N, P, 2) array_like
        ``(x, y)`` landmarks in pixels.
    epochs, batch_size, lr, seed, progress
        As in :func:`train_detector`.

    Returns
    -------
    dict
        ``"loss"`` per epoch (on coordinates scaled to [0, 1]) and ``"seconds"``.

    Notes
    -----
    Loss :math:`\\frac{1}{2P} \\sum_p \\lVert \\hat{\\mathbf{p}}_p - \\mathbf{p}_p \\rVert^2`
    with coordinates divided by the image side. Trains on one torch thread (restored afterwards):
    this net is too small to gain from more.

    Examples
    --------
    >>> from helpers.shapes import make_landmark_dataset
    >>> images, points = make_landmark_dataset(8, rng=0)
    >>> len(train_landmarks(landmark_regressor(3), images, points, epochs=1,
    ...                     progress=False)["loss"])
    1
    """
    import torch
    import torch.nn.functional as F

    x = _images_to_tensor(images)
    p = as_array(points, "points", ndim=3, shape_hint="(N, P, 2)")
    if p.shape[0] != len(x) or p.shape[2] != 2:
        raise ValueError(f"points must have shape ({len(x)}, P, 2); got {p.shape}")
    y = torch.from_numpy((p.reshape(len(p), -1) / x.shape[-1]).astype(np.float32))
    return _fit(model, x, y, F.mse_loss,
                epochs=check_int(epochs, "epochs", min=1),
                batch_size=check_int(batch_size, "batch_size", min=1),
                lr=check_float(lr, "lr", min=0, min_inclusive=False),
                seed=check_int(seed, "seed", min=0), progress=check_bool(progress, "progress"),
                desc="training landmarks",
                # Its layers are so small that a second thread only adds synchronisation: on
                # shared cores we measured two threads 10x slower than one (adaptive pooling).
                threads=1)


def predict_landmarks(model: Any, images: Any) -> np.ndarray:
    """Landmarks predicted by :func:`landmark_regressor`, in pixels.

    Parameters
    ----------
    model : torch.nn.Module
    images : (N, H, W, 3) array_like

    Returns
    -------
    (N, P, 2) ndarray of float64
        ``(x, y)`` per landmark.

    Examples
    --------
    >>> predict_landmarks(landmark_regressor(3), np.zeros((1, 48, 48, 3), np.uint8)).shape
    (1, 3, 2)
    """
    import torch

    x = _images_to_tensor(images)
    model.eval()
    with torch.no_grad():
        out = model(x).numpy().astype(np.float64)
    return out.reshape(len(x), -1, 2) * x.shape[-1]

