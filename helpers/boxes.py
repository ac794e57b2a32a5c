"""Bounding boxes: formats, area, IoU, anchors, anchor-to-truth assignment, offset encoding.

Used in chapters/12_localization.ipynb and chapters/13_detection.ipynb.

Conventions (the same as torchvision.ops):

* A box array is ``(N, 4)`` float. The default format is ``"xyxy"``: ``(x1, y1, x2, y2)`` with
  ``x1 <= x2`` and ``y1 <= y2``, in pixel-edge coordinates, so a box covering pixel columns 3..5
  has ``x1 = 3, x2 = 6`` and width ``x2 - x1 = 3`` (no "+1" as in the old Pascal VOC code).
  ``"xywh"`` is ``(x1, y1, w, h)`` (COCO's annotation format) and ``"cxcywh"`` is
  ``(cx, cy, w, h)`` (YOLO's).
* A zero-area box (``x1 == x2`` or ``y1 == y2``) is allowed; ``x2 < x1``, NaN and a last axis
  other than 4 are errors.
* Integer boxes are computed as float64; float32 stays float32 (so the arithmetic is the one
  torchvision does in float32, which matters for boxes placed exactly at a threshold).
* Pairwise results are ``(N, M)``: row ``i`` is box ``a[i]``, column ``j`` is box ``b[j]``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import (
    as_array,
    check_bool,
    check_boxes,
    check_choice,
    check_float,
    check_int,
    check_pair,
)

__all__ = [
    "BOX_FORMATS",
    "assign_anchors",
    "box_area",
    "box_convert",
    "box_iou",
    "box_iou_naive",
    "clip_boxes",
    "cxcywh_to_xyxy",
    "decode_boxes",
    "encode_boxes",
    "label_anchors",
    "make_anchors",
    "xywh_to_xyxy",
    "xyxy_to_cxcywh",
    "xyxy_to_xywh",
]

#: The box formats :func:`box_convert` understands.
BOX_FORMATS = ("xyxy", "xywh", "cxcywh")

#: Most pairs :func:`box_iou` compares at once (a float64 (N, M) matrix of 100 million pairs
#: is 800 MB).
MAX_PAIRS = 100_000_000
#: Largest image side :func:`clip_boxes` accepts.
MAX_SIDE = 65536
#: Most pairs :func:`box_iou_naive` (two Python loops) compares.
MAX_NAIVE_PAIRS = 1_000_000
#: Most sizes (or aspect ratios) per cell :func:`make_anchors` accepts.
MAX_SHAPES = 64

#: Largest log-scale a decoded offset may have: exp(log(1000/16)) = 62.5x the anchor's size.
#: torchvision's BoxCoder clamps with the same value so that an untrained head cannot overflow.
BBOX_XFORM_CLIP = float(np.log(1000.0 / 16))


def box_convert(boxes: Any, in_fmt: str, out_fmt: str) -> np.ndarray:
    """Convert boxes between the ``"xyxy"``, ``"xywh"`` and ``"cxcywh"`` formats.

    Parameters
    ----------
    boxes : (N, 4) array_like
        Boxes in ``in_fmt``.
    in_fmt, out_fmt : {"xyxy", "xywh", "cxcywh"}

    Returns
    -------
    (N, 4) ndarray of float
        The same boxes in ``out_fmt`` (a new array).

    Raises
    ------
    ValueError
        If the shape is not ``(N, 4)``, a value is NaN, or the boxes are inverted
        (``x2 < x1`` in xyxy, negative ``w``/``h`` otherwise).

    Notes
    -----
    With ``w = x2 - x1`` and ``h = y2 - y1``:

    .. math:: c_x = x_1 + w / 2, \\quad c_y = y_1 + h / 2

    Matches ``torchvision.ops.box_convert`` (tested to 1e-6 on random boxes).

    References
    ----------
    Used in chapters/12_localization.ipynb.

    Examples
    --------
    >>> box_convert([[2, 4, 6, 10]], "xyxy", "cxcywh")
    array([[4., 7., 4., 6.]])
    >>> box_convert([[2, 4, 4, 6]], "xywh", "xyxy")
    array([[ 2.,  4.,  6., 10.]])
    """
    check_choice(in_fmt, "in_fmt", BOX_FORMATS)
    check_choice(out_fmt, "out_fmt", BOX_FORMATS)
    b = check_boxes(boxes, fmt=in_fmt).copy()
    if in_fmt == "xywh":
        b[:, 2:] += b[:, :2]
    elif in_fmt == "cxcywh":
        half = b[:, 2:] / 2
        b = np.concatenate([b[:, :2] - half, b[:, :2] + half], axis=1)
    # b is xyxy now
    if out_fmt == "xywh":
        b[:, 2:] -= b[:, :2]
    elif out_fmt == "cxcywh":
        wh = b[:, 2:] - b[:, :2]
        b = np.concatenate([b[:, :2] + wh / 2, wh], axis=1)
    return b


def xyxy_to_xywh(boxes: Any) -> np.ndarray:
    """``(x1, y1, x2, y2)`` -> ``(x1, y1, w, h)``; see :func:`box_convert`.

    Examples
    --------
    >>> xyxy_to_xywh([[1, 2, 4, 6]])
    array([[1., 2., 3., 4.]])
    """
    return box_convert(boxes, "xyxy", "xywh")


def xywh_to_xyxy(boxes: Any) -> np.ndarray:
    """``(x1, y1, w, h)`` -> ``(x1, y1, x2, y2)``; see :func:`box_convert`.

    Examples
    --------
    >>> xywh_to_xyxy([[1, 2, 3, 4]])
    array([[1., 2., 4., 6.]])
    """
    return box_convert(boxes, "xywh", "xyxy")


def xyxy_to_cxcywh(boxes: Any) -> np.ndarray:
    """``(x1, y1, x2, y2)`` -> ``(cx, cy, w, h)``; see :func:`box_convert`.

    Examples
    --------
    >>> xyxy_to_cxcywh([[0, 0, 4, 2]])
    array([[2., 1., 4., 2.]])
    """
    return box_convert(boxes, "xyxy", "cxcywh")


def cxcywh_to_xyxy(boxes: Any) -> np.ndarray:
    """``(cx, cy, w, h)`` -> ``(x1, y1, x2, y2)``; see :func:`box_convert`.

    Examples
    --------
    >>> cxcywh_to_xyxy([[2, 1, 4, 2]])
    array([[0., 0., 4., 2.]])
    """
    return box_convert(boxes, "cxcywh", "xyxy")


def box_area(boxes: Any) -> np.ndarray:
    """Area of each xyxy box.

    Parameters
    ----------
    boxes : (N, 4) array_like
        ``(x1, y1, x2, y2)`` with ``x1 <= x2``, ``y1 <= y2``.

    Returns
    -------
    (N,) ndarray of float

    Notes
    -----
    :math:`A = (x_2 - x_1)(y_2 - y_1)`, as ``torchvision.ops.box_area``.

    References
    ----------
    Used in chapters/12_localization.ipynb.

    Examples
    --------
    >>> box_area([[0, 0, 2, 3], [1, 1, 1, 5]])
    array([6., 0.])
    """
    b = check_boxes(boxes)
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def box_iou_naive(a: Any, b: Any) -> np.ndarray:
    """Pairwise IoU with plain loops: one pair of boxes at a time, as you would on paper.

    Same signature and result as :func:`box_iou`; kept for reading, not for speed (at most
    one million pairs).

    Parameters
    ----------
    a : (N, 4) array_like
    b : (M, 4) array_like
        xyxy boxes.

    Returns
    -------
    (N, M) ndarray of float64

    Examples
    --------
    >>> box_iou_naive([[0, 0, 2, 2]], [[1, 1, 3, 3]])
    array([[0.14285714]])
    """
    a, b = check_boxes(a, "a"), check_boxes(b, "b")
    if len(a) * len(b) > MAX_NAIVE_PAIRS:
        raise ValueError(f"box_iou_naive compares at most {MAX_NAIVE_PAIRS:,} pairs (it loops in "
                         f"Python); got {len(a)} x {len(b)} - use box_iou()")
    iou = np.zeros((len(a), len(b)))
    for i, (ax1, ay1, ax2, ay2) in enumerate(a):
        for j, (bx1, by1, bx2, by2) in enumerate(b):
            # The intersection is itself a box: the larger of the left edges to the smaller of
            # the right edges; if they cross, the boxes do not overlap on that axis.
            iw = max(0.0, min(ax2, bx2) - max(ax1, bx1))
            ih = max(0.0, min(ay2, by2) - max(ay1, by1))
            inter = iw * ih
            union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
            iou[i, j] = inter / union if union > 0 else 0.0
    return iou


def _iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # The shared core of box_iou: broadcasting the (N, 1) columns of ``a`` against the (M,)
    # rows of ``b``, one coordinate at a time, so that every temporary is one (N, M) array
    # (no (N, M, 2) corner arrays, which cost twice the memory traffic). ``out=`` reuses the
    # two (N, M) buffers: this is what brings numpy within reach of torchvision's C++.
    ax1, ay1, ax2, ay2 = (a[:, k : k + 1] for k in range(4))  # (N, 1) each
    bx1, by1, bx2, by2 = np.ascontiguousarray(b.T)            # (M,) each
    iw = np.minimum(ax2, bx2)                  # right edge of the intersection ...
    iw -= np.maximum(ax1, bx1)                 # ... minus its left edge
    np.maximum(iw, 0, out=iw)                  # negative width: no overlap in x
    ih = np.minimum(ay2, by2)
    ih -= np.maximum(ay1, by1)
    np.maximum(ih, 0, out=ih)
    inter = np.multiply(iw, ih, out=iw)
    area_a, area_b = (ax2 - ax1) * (ay2 - ay1), (bx2 - bx1) * (by2 - by1)
    union = np.add(area_a, area_b, out=ih)     # |A| + |B| ...
    union -= inter                             # ... - |A n B|
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.divide(inter, union, out=inter)
    if (area_a == 0).any() and (area_b == 0).any():
        iou[(area_a == 0) & (area_b == 0)] = 0  # 0 / 0 between two zero-area boxes: define 0
    return iou


def box_iou(a: Any, b: Any) -> np.ndarray:
    """Intersection over union of every box in ``a`` with every box in ``b``.

    Parameters
    ----------
    a : (N, 4) array_like
    b : (M, 4) array_like
        xyxy boxes (``x1 <= x2``, ``y1 <= y2``). Either may be empty.

    Returns
    -------
    (N, M) ndarray of float
        ``iou[i, j]`` in [0, 1]. float32 if both inputs are float32, else float64.

    Raises
    ------
    ValueError
        If a shape is not ``(N, 4)``, a value is NaN or infinite, or a box has ``x2 < x1``.

    Notes
    -----
    .. math::

        \\mathrm{IoU}(A, B) = \\frac{|A \\cap B|}{|A \\cup B|}
                           = \\frac{|A \\cap B|}{|A| + |B| - |A \\cap B|}

    where :math:`A \\cap B` is the box ``(max x1, max y1, min x2, min y2)``, empty when the
    maxima pass the minima. Computed for all pairs at once by broadcasting an ``(N, 1)``
    column of ``a``'s edges against an ``(M,)`` row of ``b``'s, one coordinate at a time
    (:func:`box_iou_naive` is the same computation as two loops). At most 100 million pairs.

    Convention: when the union is empty (two zero-area boxes that do not overlap in area),
    we return 0, where ``torchvision.ops.box_iou`` returns NaN (0 / 0). Everywhere else the two
    agree to 1e-6 (tested on 500 random cases with ties, identical and zero-area boxes).

    References
    ----------
    Everingham et al., "The PASCAL Visual Object Classes (VOC) Challenge", IJCV 2010.
    Used in chapters/12_localization.ipynb and chapters/13_detection.ipynb.

    Examples
    --------
    >>> box_iou([[0, 0, 2, 2]], [[1, 1, 3, 3], [0, 0, 2, 2], [5, 5, 6, 6]])
    array([[0.14285714, 1.        , 0.        ]])
    """
    a, b = check_boxes(a, "a"), check_boxes(b, "b")
    if len(a) * len(b) > MAX_PAIRS:
        raise ValueError(f"a ({len(a)} boxes) x b ({len(b)} boxes) is more than {MAX_PAIRS:,} "
                         "pairs; compare the boxes in chunks")
    dtype = np.result_type(a, b)
    return _iou_matrix(a.astype(dtype, copy=False), b.astype(dtype, copy=False))


def clip_boxes(boxes: Any, height: int, width: int) -> np.ndarray:
    """Clip xyxy boxes to an image of size ``height x width``.

    Parameters
    ----------
    boxes : (N, 4) array_like
    height, width : int
        Image size in pixels (1 to 65536).

    Returns
    -------
    (N, 4) ndarray of float
        ``x`` in ``[0, width]``, ``y`` in ``[0, height]``, as
        ``torchvision.ops.clip_boxes_to_image``.

    Examples
    --------
    >>> clip_boxes([[-2, 3, 12, 5]], 8, 10)
    array([[ 0.,  3., 10.,  5.]])
    """
    b = check_boxes(boxes).copy()
    height = check_int(height, "height", min=1, max=MAX_SIDE)
    width = check_int(width, "width", min=1, max=MAX_SIDE)
    b[:, 0::2] = np.clip(b[:, 0::2], 0, width)
    b[:, 1::2] = np.clip(b[:, 1::2], 0, height)
    return b


def make_anchors(
    grid_shape: tuple[int, int],
    stride: int,
    sizes: Any = (32,),
    aspect_ratios: Any = (0.5, 1.0, 2.0),
) -> np.ndarray:
    """Anchor boxes: every size and aspect ratio, centred on every cell of a feature-map grid.

    Parameters
    ----------
    grid_shape : (int, int)
        ``(Hf, Wf)``, the feature map's height and width in cells (each up to 4096; at most
        10 million anchors in all).
    stride : int
        Pixels per cell (the backbone's total downsampling), 1 to 4096.
    sizes : sequence of float
        Anchor sizes :math:`s` in pixels: the square root of the anchor's area (in (0, 1e6],
        at most 64 of them).
    aspect_ratios : sequence of float
        Ratios :math:`r = h / w` (in (0, 1e6], at most 64 of them).

    Returns
    -------
    (Hf * Wf * len(aspect_ratios) * len(sizes), 4) ndarray of float64
        xyxy anchors, ordered by cell (row-major), then ratio, then size - the order of
        torchvision's ``AnchorGenerator``.

    Notes
    -----
    An anchor of size :math:`s` and ratio :math:`r` has :math:`w = s / \\sqrt{r}` and
    :math:`h = s \\sqrt{r}`, so :math:`wh = s^2` and :math:`h / w = r`. The anchors of cell
    ``(i, j)`` are centred on the cell's centre ``((j + 0.5) stride, (i + 0.5) stride)``.

    Convention differences from ``torchvision.models.detection.anchor_utils.AnchorGenerator``:
    torchvision centres anchors on the cell's *top-left corner* ``(j stride, i stride)`` and
    rounds the base anchors to whole pixels. Shifting ours by ``stride / 2`` gives torchvision's
    exactly when the base anchors are whole numbers (tested).

    References
    ----------
    Ren et al., "Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks",
    NeurIPS 2015. Used in chapters/12_localization.ipynb.

    Examples
    --------
    >>> make_anchors((1, 2), stride=8, sizes=(4,), aspect_ratios=(1.0,))
    array([[ 2.,  2.,  6.,  6.],
           [10.,  2., 14.,  6.]])
    """
    hf, wf = check_pair(grid_shape, "grid_shape", min=1, max=4096, hint="(Hf, Wf)")
    stride = check_int(stride, "stride", min=1, max=4096)
    sizes = as_array(sizes, "sizes", ndim=1, kinds="iuf").astype(np.float64)
    ratios = as_array(aspect_ratios, "aspect_ratios", ndim=1, kinds="iuf").astype(np.float64)
    for name, values in (("sizes", sizes), ("aspect_ratios", ratios)):
        if len(values) > MAX_SHAPES:
            raise ValueError(f"{name} may hold at most {MAX_SHAPES} values; got {len(values)}")
        if (values <= 0).any() or (values > 1e6).any():
            raise ValueError(f"{name} must be > 0 and at most 1e6; got {values.tolist()[:8]}")
    if hf * wf * len(sizes) * len(ratios) > 10_000_000:
        raise ValueError(f"{hf} x {wf} cells x {len(sizes)} sizes x {len(ratios)} ratios is more "
                         "than 10 million anchors; use a coarser grid or fewer shapes")
    h_ratio = np.sqrt(ratios)
    ws = (sizes[None, :] / h_ratio[:, None]).ravel()  # ratio-major, size-minor
    hs = (sizes[None, :] * h_ratio[:, None]).ravel()
    base = np.stack([-ws, -hs, ws, hs], axis=1) / 2  # (A, 4), centred on (0, 0)
    cy, cx = np.meshgrid((np.arange(hf) + 0.5) * stride, (np.arange(wf) + 0.5) * stride,
                         indexing="ij")
    centres = np.stack([cx.ravel(), cy.ravel(), cx.ravel(), cy.ravel()], axis=1)  # (Hf Wf, 4)
    return (centres[:, None, :] + base[None, :, :]).reshape(-1, 4)


def assign_anchors(
    anchors: Any,
    truth: Any,
    *,
    pos_threshold: float = 0.7,
    neg_threshold: float = 0.3,
    allow_low_quality: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Label each anchor positive, negative or ignored by its best IoU with the true boxes.

    Parameters
    ----------
    anchors : (A, 4) array_like
        xyxy anchors (at least one; at most 100 million anchor-box pairs).
    truth : (G, 4) array_like
        xyxy ground-truth boxes (may be empty: then every anchor is negative).
    pos_threshold : float
        IoU at or above which an anchor is positive (Faster R-CNN's RPN: 0.7).
    neg_threshold : float
        IoU below which an anchor is negative (RPN: 0.3). Must be ``<= pos_threshold``.
    allow_low_quality : bool
        Also make positive, for each true box, the anchor(s) with the highest IoU with it (if
        that IoU is > 0), so that no object is left without an anchor.

    Returns
    -------
    labels : (A,) ndarray of int64
        ``1`` positive, ``0`` negative, ``-1`` ignored (not used in the loss).
    matched : (A,) ndarray of int64
        Index of the true box with the highest IoU for each anchor (``-1`` when ``G == 0``).
        Only meaningful where ``labels == 1``.

    Raises
    ------
    ValueError
        If there are no anchors, a threshold is outside [0, 1] or
        ``neg_threshold > pos_threshold``.

    Notes
    -----
    With :math:`m_a = \\max_g \\mathrm{IoU}(a, g)`:

    .. math::

        \\text{label}(a) = \\begin{cases} 1 & m_a \\ge t_{pos} \\\\ 0 & m_a < t_{neg} \\\\
                          -1 & \\text{otherwise} \\end{cases}

    Agrees with torchvision's ``Matcher(pos, neg, allow_low_quality_matches=...)`` (which
    writes ``-1`` for negative and ``-2`` for ignored) except when a true box overlaps no anchor
    at all: torchvision then marks every anchor with IoU 0 as that box's low-quality match.

    References
    ----------
    Ren et al., "Faster R-CNN", NeurIPS 2015, section 3.1.2.
    Used in chapters/12_localization.ipynb.

    Examples
    --------
    >>> anchors = [[0, 0, 4, 4], [2, 0, 6, 4], [8, 8, 12, 12]]
    >>> assign_anchors(anchors, [[0, 0, 4, 4]], pos_threshold=0.7, neg_threshold=0.3)
    (array([ 1, -1,  0]), array([0, 0, 0]))
    """
    anchors, truth = check_boxes(anchors, "anchors"), check_boxes(truth, "truth")
    if len(anchors) == 0:
        raise ValueError("anchors must hold at least one anchor box, shape (A, 4) with A >= 1; "
                         "got shape (0, 4) - build them with make_anchors()")
    pos = check_float(pos_threshold, "pos_threshold", min=0, max=1)
    neg = check_float(neg_threshold, "neg_threshold", min=0, max=1)
    allow_low_quality = check_bool(allow_low_quality, "allow_low_quality")
    if neg > pos:
        raise ValueError(
            f"neg_threshold must be <= pos_threshold; got neg_threshold={neg}, "
            f"pos_threshold={pos}"
        )
    if len(truth) == 0:
        n = len(anchors)
        return np.zeros(n, np.int64), np.full(n, -1, np.int64)
    iou = box_iou(anchors, truth)  # (A, G)
    labels = label_anchors(iou, pos_threshold=pos, neg_threshold=neg,
                           allow_low_quality=allow_low_quality)
    return labels, iou.argmax(axis=1).astype(np.int64)


def label_anchors(
    iou: Any,
    *,
    pos_threshold: float = 0.7,
    neg_threshold: float = 0.3,
    allow_low_quality: bool = True,
) -> np.ndarray:
    """The labelling step of :func:`assign_anchors`, from the IoU matrix of anchors and objects.

    Parameters
    ----------
    iou : (A, G) array_like
        ``iou[a, g]`` = IoU of anchor ``a`` with true box ``g``, in [0, 1] (:func:`box_iou`),
        A >= 1 and G >= 1.
    pos_threshold, neg_threshold, allow_low_quality
        As in :func:`assign_anchors`.

    Returns
    -------
    (A,) ndarray of int64
        ``1`` positive, ``0`` negative, ``-1`` ignored.

    Notes
    -----
    Each anchor is judged by its best IoU over the objects (a row maximum): at or above
    ``pos_threshold`` positive, below ``neg_threshold`` negative, ignored in between. With
    ``allow_low_quality``, for each object (a column) every anchor reaching that column's
    maximum becomes positive too, if the maximum is > 0 - ties included, as torchvision's
    ``Matcher`` does.

    References
    ----------
    Ren et al., "Faster R-CNN", NeurIPS 2015, section 3.1.2. Used in
    chapters/12_localization.ipynb (its exercise 2).

    Examples
    --------
    >>> label_anchors([[0.8, 0.0], [0.5, 0.1], [0.1, 0.2]], pos_threshold=0.7, neg_threshold=0.3)
    array([ 1, -1,  1])
    """
    m = as_array(iou, "iou", ndim=2, kinds="iuf", shape_hint="(A, G)").astype(np.float64)
    if m.shape[0] == 0 or m.shape[1] == 0:
        raise ValueError(f"iou must have at least one anchor (row) and one object (column); "
                         f"got shape {m.shape}")
    if (m < 0).any() or (m > 1).any():
        raise ValueError("iou values must be in [0, 1] (an IoU matrix from box_iou)")
    pos = check_float(pos_threshold, "pos_threshold", min=0, max=1)
    neg = check_float(neg_threshold, "neg_threshold", min=0, max=1)
    allow_low_quality = check_bool(allow_low_quality, "allow_low_quality")
    if neg > pos:
        raise ValueError(
            f"neg_threshold must be <= pos_threshold; got neg_threshold={neg}, "
            f"pos_threshold={pos}"
        )
    best = m.max(axis=1)  # each anchor's best IoU over the objects
    labels = np.full(len(m), -1, np.int64)
    labels[best < neg] = 0
    labels[best >= pos] = 1
    if allow_low_quality:
        best_per_truth = m.max(axis=0)  # (G,): each object's best anchor
        hit = (m == best_per_truth[None, :]) & (best_per_truth[None, :] > 0)
        labels[hit.any(axis=1)] = 1
    return labels


def _check_weights(weights: Any) -> np.ndarray:
    w = as_array(weights, "weights", ndim=1, kinds="iuf").astype(np.float64)
    if w.shape != (4,) or (w <= 0).any():
        raise ValueError(f"weights must be 4 positive numbers (wx, wy, ww, wh); got {w.tolist()}")
    return w


def encode_boxes(boxes: Any, anchors: Any, weights: Any = (1.0, 1.0, 1.0, 1.0)) -> np.ndarray:
    """Offsets that move each anchor onto its box: the Faster R-CNN parametrisation.

    Parameters
    ----------
    boxes : (N, 4) array_like
        xyxy target boxes.
    anchors : (N, 4) array_like
        xyxy anchors (or proposals), one per box, with positive width and height.
    weights : (4,) array_like
        ``(wx, wy, ww, wh)`` multiplying the offsets (torchvision: (1, 1, 1, 1) for the RPN,
        (10, 10, 5, 5) for the second stage) so that they have roughly unit variance.

    Returns
    -------
    (N, 4) ndarray of float64
        ``(tx, ty, tw, th)`` per box.

    Notes
    -----
    With centres :math:`x, y`, sizes :math:`w, h` of the box and :math:`x_a, y_a, w_a, h_a`
    of the anchor:

    .. math::

        t_x = w_x \\frac{x - x_a}{w_a}, \\quad t_y = w_y \\frac{y - y_a}{h_a}, \\quad
        t_w = w_w \\log \\frac{w}{w_a}, \\quad t_h = w_h \\log \\frac{h}{h_a}

    Shifts are relative to the anchor's size and scales are logarithmic, so a network predicts
    numbers of similar size for small and large objects. Matches torchvision's
    ``BoxCoder.encode_single`` (tested to 1e-6). Zero-size boxes give ``-inf`` scales, so they
    are refused.

    References
    ----------
    Girshick et al., "Rich feature hierarchies ...", CVPR 2014, appendix C; Ren et al.,
    "Faster R-CNN", NeurIPS 2015, eq. (2). Used in chapters/12_localization.ipynb.

    Examples
    --------
    >>> encode_boxes([[1, 0, 5, 8]], [[0, 0, 4, 4]])
    array([[0.25      , 0.5       , 0.        , 0.69314718]])
    """
    b = check_boxes(boxes).astype(np.float64)
    a = check_boxes(anchors, "anchors").astype(np.float64)
    w = _check_weights(weights)
    if b.shape != a.shape:
        raise ValueError(
            f"boxes and anchors must have the same shape (one anchor per box); got "
            f"{b.shape} and {a.shape}"
        )
    for arr, name in ((b, "boxes"), (a, "anchors")):
        if ((arr[:, 2:] - arr[:, :2]) <= 0).any():
            raise ValueError(f"{name} must have positive width and height to be encoded")
    c, ca = box_convert(b, "xyxy", "cxcywh"), box_convert(a, "xyxy", "cxcywh")
    return np.concatenate(
        [w[:2] * (c[:, :2] - ca[:, :2]) / ca[:, 2:], w[2:] * np.log(c[:, 2:] / ca[:, 2:])], axis=1
    )


def decode_boxes(deltas: Any, anchors: Any, weights: Any = (1.0, 1.0, 1.0, 1.0)) -> np.ndarray:
    """Apply offsets ``(tx, ty, tw, th)`` to anchors: the inverse of :func:`encode_boxes`.

    Parameters
    ----------
    deltas : (N, 4) array_like
        Offsets, e.g. a network's regression output.
    anchors : (N, 4) array_like
        xyxy anchors.
    weights : (4,) array_like
        The weights used when encoding.

    Returns
    -------
    (N, 4) ndarray of float64
        xyxy boxes.

    Notes
    -----
    .. math::

        x = x_a + \\frac{t_x}{w_x} w_a, \\quad w = w_a \\exp\\left(\\frac{t_w}{w_w}\\right)

    (likewise for ``y``, ``h``). ``t_w / w_w`` and ``t_h / w_h`` are clamped at
    :data:`BBOX_XFORM_CLIP` as torchvision's ``BoxCoder.decode_single`` does.

    References
    ----------
    Ren et al., "Faster R-CNN", NeurIPS 2015. Used in chapters/12_localization.ipynb.

    Examples
    --------
    >>> decode_boxes([[0.25, 0.5, 0.0, np.log(2)]], [[0, 0, 4, 4]])
    array([[1., 0., 5., 8.]])
    """
    d = as_array(deltas, "deltas", ndim=2, kinds="iuf", allow_empty=True,
                 shape_hint="(N, 4)").astype(np.float64)
    a = check_boxes(anchors, "anchors").astype(np.float64)
    w = _check_weights(weights)
    if d.shape != a.shape:
        raise ValueError(
            f"deltas and anchors must have the same shape (N, 4); got {d.shape} and {a.shape}"
        )
    ca = box_convert(a, "xyxy", "cxcywh")
    centre = ca[:, :2] + d[:, :2] / w[:2] * ca[:, 2:]
    size = ca[:, 2:] * np.exp(np.minimum(d[:, 2:] / w[2:], BBOX_XFORM_CLIP))
    return np.concatenate([centre - size / 2, centre + size / 2], axis=1)
