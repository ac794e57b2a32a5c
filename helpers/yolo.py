"""YOLO's grid: the training target of a single-shot detector, and detections from its output.

Used in chapters/13_detection.ipynb.

A YOLO grid is ``(S, S, 5 + C)`` per image, channels last, as the papers draw it: per cell the
objectness, the box ``(tx, ty, w, h)`` and C class scores. A network's raw output is
``(N, 5 + C, S, S)`` (channels first, torch's layout); the predictor that runs the network
(:func:`helpers.nets.detection.detector_predict`) converts at that boundary. Boxes are
``(N, 4)`` float xyxy in pixels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import as_array, check_boxes, check_float, check_int
from .boxes import box_convert
from .ops import batched_nms

__all__ = ["detect", "yolo_decode", "yolo_encode"]

#: Largest image side and grid side accepted.
MAX_SIDE = 16384
#: Largest number of classes accepted.
MAX_CLASSES = 100_000
#: Largest grid (S * S * (5 + C) values) :func:`yolo_encode` builds.
MAX_GRID_VALUES = 50_000_000


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
        Side of the square image in pixels (up to 16384).
    grid_size : int
        :math:`S`: the image is cut into :math:`S \\times S` cells (up to min(image_size, 1024)).
    num_classes : int
        Up to 100,000.

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
    b = check_boxes(boxes)
    lab = as_array(labels, "labels", ndim=1, kinds="iu", allow_empty=True)
    size = check_int(image_size, "image_size", min=1, max=MAX_SIDE)
    s = check_int(grid_size, "grid_size", min=1, max=min(size, 1024))
    c = check_int(num_classes, "num_classes", min=1, max=MAX_CLASSES)
    if s * s * (5 + c) > MAX_GRID_VALUES:
        raise ValueError(f"a {s} x {s} grid with {c} classes has more than "
                         f"{MAX_GRID_VALUES:,} values; use a coarser grid or fewer classes")
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
    size = check_int(image_size, "image_size", min=1, max=MAX_SIDE)
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
        For :func:`helpers.ops.batched_nms`.

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

