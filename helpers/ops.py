"""Detection operations on boxes and feature maps, numpy versions of ``torchvision.ops``:
non-max suppression, the sliding windows of a classic detector and OverFeat's convolutional
form of them, and RoI pooling (Fast R-CNN).

Used in chapters/13_detection.ipynb.

Layouts follow the course's contract (DEVELOPING.md, "Layouts"): boxes are ``(N, 4)`` float
xyxy (:mod:`helpers.boxes`); feature maps are batches ``(N, C, H, W)`` as in torch (one map
goes in as ``fmap[None]``). Every function here is tested against its torchvision or torch
counterpart on random inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import as_array, check_batch, check_boxes, check_float, check_int, check_pair
from .boxes import box_iou

__all__ = [
    "batched_nms",
    "nms",
    "nms_naive",
    "roi_pool",
    "sliding_windows",
    "window_scores_conv",
    "window_scores_naive",
]

#: Largest window, stride and image side these functions accept.
MAX_SIDE = 16384
#: Most boxes :func:`nms_naive` (a Python double loop, for reading) accepts.
MAX_NAIVE_BOXES = 5000
#: Most boxes :func:`nms` accepts (its cost grows with the square of the count).
MAX_NMS_BOXES = 100_000
#: Boxes compared with the rest in one vectorised step of :func:`nms`.
NMS_BLOCK = 64


# --------------------------------------------------------------------------------------------
# Non-max suppression
# --------------------------------------------------------------------------------------------
def _check_nms_args(boxes: Any, scores: Any, iou_threshold: float) -> tuple[np.ndarray, ...]:
    b = check_boxes(boxes)
    s = as_array(scores, "scores", ndim=1, kinds="iuf", allow_empty=True, shape_hint="(N,)")
    if len(s) != len(b):
        raise ValueError(
            f"scores must have one value per box; got {len(s)} scores for {len(b)} boxes"
        )
    thr = check_float(iou_threshold, "iou_threshold", min=0, max=1)
    return b, s, thr


def nms_naive(boxes: Any, scores: Any, iou_threshold: float) -> np.ndarray:
    """Greedy non-max suppression with plain loops, as written in the papers.

    Same signature and result as :func:`nms`; kept for reading, not for speed (at most 5,000
    boxes: its double loop is quadratic in Python).

    Examples
    --------
    >>> nms_naive([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]], [0.9, 0.8, 0.7], 0.5)
    array([0, 2])
    """
    b, s, thr = _check_nms_args(boxes, scores, iou_threshold)
    if len(b) > MAX_NAIVE_BOXES:
        raise ValueError(f"nms_naive takes at most {MAX_NAIVE_BOXES} boxes (it loops in Python); "
                         f"got {len(b)} - use nms()")
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
    A suppressed box never suppresses others. :func:`nms_naive` is that loop as written.

    This version gets the same answer faster by working in blocks of :data:`NMS_BLOCK` boxes
    (in score order): one vectorised step compares the block with every box from the block on
    (a ``(64, N)`` matrix of "IoU > t" flags), then a short Python loop walks the block greedily,
    and each box it keeps ORs its row into the ``suppressed`` flags. The flags of boxes already
    decided are never read again, so OR-ing whole rows is safe. The cost is the upper half of
    the IoU matrix (:math:`N^2 / 2` pairs, as torchvision's kernel in the worst case) with
    one Python step per box; at most 100,000 boxes.

    Identical to ``torchvision.ops.nms`` (tested on 500 random cases with tied scores,
    identical and zero-area boxes and boxes exactly at the threshold) and to OpenCV's
    ``cv2.dnn.NMSBoxes`` on the same boxes and scores (tested): the IoU is computed in the boxes'
    own float type with torchvision's formula and compared as C++ compares a float with a double
    threshold, and two zero-area boxes (IoU 0 / 0) never suppress each other. NMS is
    class-agnostic; see :func:`batched_nms` for one NMS per class.

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
    if len(b) > MAX_NMS_BOXES:
        raise ValueError(f"nms takes at most {MAX_NMS_BOXES:,} boxes; got {len(b):,} - drop "
                         "low scores first")
    order = np.argsort(-s, kind="stable")  # highest score first; ties keep input order
    x1, y1, x2, y2 = np.ascontiguousarray(b[order].T)
    area = (x2 - x1) * (y2 - y1)
    t = _threshold_for(thr, b.dtype)
    n, keep = len(order), []
    suppressed = np.zeros(n, bool)
    for start in range(0, n, NMS_BLOCK):
        stop = min(start + NMS_BLOCK, n)
        # IoU of the block's boxes (rows) with every box from the block on (columns), with the
        # same float operations as torchvision's kernel, in the boxes' own dtype.
        bx1, by1, bx2, by2 = (v[start:stop, None] for v in (x1, y1, x2, y2))
        iw = np.minimum(bx2, x2[start:])
        iw -= np.maximum(bx1, x1[start:])
        np.maximum(iw, 0, out=iw)
        ih = np.minimum(by2, y2[start:])
        ih -= np.maximum(by1, y1[start:])
        np.maximum(ih, 0, out=ih)
        inter = np.multiply(iw, ih, out=iw)
        union = np.add(area[start:stop, None], area[start:], out=ih)
        union -= inter
        with np.errstate(invalid="ignore", divide="ignore"):
            overlaps = np.divide(inter, union, out=inter) > t  # NaN (0 / 0) > t is False
        later = suppressed[start:]  # a view: OR-ing into it updates `suppressed`
        for k in range(stop - start):
            if not later[k]:  # the best box still standing is a detection...
                keep.append(start + k)
                later |= overlaps[k]  # ...and removes every box overlapping it by more than t
    return order[np.asarray(keep, np.int64)].astype(np.int64)


def _threshold_for(thr: float, dtype: np.dtype) -> Any:
    # torchvision (C++) compares a float32 IoU with a double threshold: x > t in double. For a
    # float32 x that is x > t32, with t32 the largest float32 <= t (equal to t when t is exact),
    # so the comparison can stay in float32 without converting the whole matrix.
    if dtype != np.float32:
        return thr
    t32 = np.float32(thr)
    return np.nextafter(t32, np.float32(-np.inf)) if float(t32) > thr else t32


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
        ``(H, W)`` (pass ``image.shape[:2]`` for a colour image), each up to 16384.
    window : int
        Side of the window in pixels (<= min(H, W)).
    stride : int
        Step in pixels (1 to 16384).

    Returns
    -------
    (n_rows * n_cols, 4) ndarray of float64
        xyxy boxes, row-major, with ``n_rows = (H - window) // stride + 1`` (same for columns),
        the output-size formula of a "valid" convolution.

    Raises
    ------
    ValueError
        For more than 10 million windows (use a larger stride).

    References
    ----------
    Used in chapters/13_detection.ipynb.

    Examples
    --------
    >>> sliding_windows((4, 6), window=4, stride=2)
    array([[0., 0., 4., 4.],
           [2., 0., 6., 4.]])
    """
    h, w = check_pair(image_shape, "image_shape", min=1, max=MAX_SIDE, hint="(H, W)")
    window = check_int(window, "window", min=1, max=min(h, w))
    stride = check_int(stride, "stride", min=1, max=MAX_SIDE)
    n = ((h - window) // stride + 1) * ((w - window) // stride + 1)
    if n > 10_000_000:
        raise ValueError(f"window={window} and stride={stride} give {n:,} windows on "
                         f"{h}x{w}; use a larger stride")
    ys = np.arange(0, h - window + 1, stride)
    xs = np.arange(0, w - window + 1, stride)
    y, x = np.meshgrid(ys, xs, indexing="ij")
    return np.stack([x.ravel(), y.ravel(), x.ravel() + window, y.ravel() + window], 1).astype(float)


def _check_head(features, weight, bias, window, stride):
    f = check_batch(features, "features").astype(np.float64)
    window = check_int(window, "window", min=1, max=min(f.shape[2:]))
    stride = check_int(stride, "stride", min=1, max=MAX_SIDE)
    c = f.shape[1]
    w = as_array(weight, "weight", ndim=2, shape_hint="(K, C * window * window)").astype(np.float64)
    if w.shape[1] != c * window * window:
        raise ValueError(
            f"weight must have C * window * window = {c * window * window} columns for "
            f"features with C = {c} and window = {window}; got shape {w.shape}"
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
    features : (N, C, H, W) array_like
        A batch of images or feature maps (one map goes in as ``fmap[None]``).
    weight : (K, C * window * window) array_like
        The FC layer: ``scores = weight @ crop.ravel() + bias`` for a ``(C, window, window)`` crop.
    bias : (K,) array_like
    window : int
        Side of the square window (<= min(H, W)).
    stride : int
        Step between windows.

    Returns
    -------
    (N, K, n_rows, n_cols) ndarray of float64
        Scores of every window (positions as in :func:`sliding_windows`): the layout of a conv
        layer's output.

    References
    ----------
    Used in chapters/13_detection.ipynb.

    Examples
    --------
    >>> window_scores_naive(np.arange(9.0).reshape(1, 1, 3, 3), np.ones((1, 4)), [0.0],
    ...                     window=2, stride=1)
    array([[[[ 8., 12.],
             [20., 24.]]]])
    """
    f, w, b, window, stride = _check_head(features, weight, bias, window, stride)
    n_rows = (f.shape[2] - window) // stride + 1
    n_cols = (f.shape[3] - window) // stride + 1
    out = np.empty((len(f), len(w), n_rows, n_cols))
    for n in range(len(f)):
        for r in range(n_rows):
            for c in range(n_cols):
                crop = f[n, :, r * stride : r * stride + window, c * stride : c * stride + window]
                out[n, :, r, c] = w @ crop.ravel() + b  # the classifier sees one crop at a time
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
    >>> window_scores_conv(np.arange(9.0).reshape(1, 1, 3, 3), np.ones((1, 4)), [0.0],
    ...                    window=2, stride=1)
    array([[[[ 8., 12.],
             [20., 24.]]]])
    """
    f, w, b, window, stride = _check_head(features, weight, bias, window, stride)
    kernels = w.reshape(len(w), f.shape[1], window, window)
    # (N, C, n_rows, n_cols, k, k) views of every window, no copy; then one tensor contraction.
    views = np.lib.stride_tricks.sliding_window_view(f, (window, window), axis=(2, 3))
    views = views[:, :, ::stride, ::stride]
    return np.einsum("ncrsij,kcij->nkrs", views, kernels, optimize=True) + b[None, :, None, None]


def _c_round(x: np.ndarray) -> np.ndarray:
    # C's round(): halves away from zero (numpy's round goes to even: round(2.5) == 2).
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def _check_rois(rois: Any, n_images: int) -> np.ndarray:
    """``(K, 5)`` rows ``(image index, x1, y1, x2, y2)`` from either of torchvision's forms."""
    if isinstance(rois, (list, tuple)):
        if len(rois) != n_images:
            raise ValueError(f"rois as a list must hold one (L, 4) box array per image "
                             f"({n_images}); got {len(rois)}")
        parts = [check_boxes(r, f"rois[{i}]") for i, r in enumerate(rois)]
        dtype = np.result_type(*parts) if parts else np.float64
        return np.concatenate(
            [np.c_[np.full(len(b), i, dtype), b.astype(dtype)] for i, b in enumerate(parts)]
        ) if parts else np.zeros((0, 5))
    r = as_array(rois, "rois", ndim=2, kinds="iuf", allow_empty=True,
                 shape_hint="(K, 5) (image index, x1, y1, x2, y2)",
                 fix="or pass a list with one (L, 4) box array per image")
    if r.shape[1] != 5:
        raise ValueError(f"rois must be (K, 5) rows (image index, x1, y1, x2, y2), or a list of "
                         f"(L, 4) box arrays per image; got shape {r.shape}")
    idx = r[:, 0]
    if len(r) and ((idx != np.round(idx)).any() or idx.min() < 0 or idx.max() >= n_images):
        raise ValueError(f"rois[:, 0] must be image indices in 0..{n_images - 1}; "
                         f"got {np.unique(idx).tolist()[:5]}")
    check_boxes(r[:, 1:], "rois[:, 1:]")
    return r if r.dtype in (np.float32, np.float64) else r.astype(np.float64)


def roi_pool(
    features: Any, rois: Any, output_size: int | tuple[int, int], spatial_scale: float = 1.0
) -> np.ndarray:
    """RoI max pooling (Fast R-CNN): a fixed-size feature grid for each region of a feature map.

    Parameters
    ----------
    features : (N, C, H, W) array_like
        The shared feature maps of N images (one map goes in as ``fmap[None]``).
    rois : (K, 5) array_like, or list of N (L_i, 4) array_likes
        Regions in *image* coordinates, as torchvision takes them: rows
        ``(image index, x1, y1, x2, y2)``, or one xyxy box array per image.
    output_size : int or (int, int)
        ``(ph, pw)`` bins per region (1 to 1024; at most 100 million output values).
    spatial_scale : float
        Feature-map cells per image pixel (1 / the backbone's stride), in (0, 1e4].

    Returns
    -------
    (K, C, ph, pw) ndarray, dtype of ``features`` (float)
        The maximum of each bin; 0 for a bin that covers no cell. Regions in the order given
        (for a list: image 0's regions first).

    Notes
    -----
    Region :math:`[x_1, x_2]` is mapped to cells ``round(x1 * scale) .. round(x2 * scale)``
    *inclusive* (the Caffe convention Fast R-CNN used and torchvision keeps), cut into
    :math:`p_w` bins of width :math:`\\Delta = (x_2' - x_1' + 1) / p_w`; bin :math:`j` spans
    cells :math:`\\lfloor j \\Delta \\rfloor .. \\lceil (j + 1) \\Delta \\rceil - 1`, clipped to
    the map. Both roundings shift a region by up to half a cell: the misalignment RoIAlign
    (Mask R-CNN) removes by bilinear sampling. Identical to ``torchvision.ops.roi_pool``
    (tested on 500 random regions), which takes the same arguments.

    References
    ----------
    Girshick, "Fast R-CNN", ICCV 2015. Used in chapters/13_detection.ipynb.

    Examples
    --------
    >>> f = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> roi_pool(f, [np.array([[0, 0, 3, 3]])], 2)
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """
    f = check_batch(features, "features")
    f = f if f.dtype in (np.float32, np.float64) else f.astype(np.float64)
    r = _check_rois(rois, len(f))
    ph, pw = check_pair(output_size, "output_size", min=1, max=1024, allow_int=True,
                        hint="(ph, pw)")
    scale = check_float(spatial_scale, "spatial_scale", min=0, max=1e4, min_inclusive=False)
    dt = f.dtype.type
    _, channels, height, width = f.shape
    if len(r) * channels * ph * pw > 100_000_000:
        raise ValueError(f"{len(r)} regions x {channels} channels x {ph} x {pw} bins is more than "
                         "100 million values; pool fewer regions at a time or use fewer bins")
    out = np.zeros((len(r), channels, ph, pw), f.dtype)
    images = r[:, 0].astype(np.int64)
    starts_ends = _c_round(r[:, 1:].astype(dt) * dt(scale)).astype(int)
    for k, (n, (x1, y1, x2, y2)) in enumerate(zip(images, starts_ends, strict=True)):
        bin_h = dt(max(y2 - y1 + 1, 1)) / dt(ph)
        bin_w = dt(max(x2 - x1 + 1, 1)) / dt(pw)
        for i in range(ph):
            hs = min(max(int(np.floor(dt(i) * bin_h)) + y1, 0), height)
            he = min(max(int(np.ceil(dt(i + 1) * bin_h)) + y1, 0), height)
            for j in range(pw):
                ws = min(max(int(np.floor(dt(j) * bin_w)) + x1, 0), width)
                we = min(max(int(np.ceil(dt(j + 1) * bin_w)) + x1, 0), width)
                if he > hs and we > ws:  # an empty bin stays 0
                    out[k, :, i, j] = f[n, :, hs:he, ws:we].max(axis=(1, 2))
    return out
