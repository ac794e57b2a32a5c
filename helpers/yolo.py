"""YOLO: the grid target of a single-shot detector, and detections from a network's output.

Used in chapters/12_localization.ipynb (anchors from a cfg) and chapters/13_detection.ipynb.

Two generations, one module:

* **YOLOv1's grid** (:func:`yolo_encode`, :func:`yolo_decode`, :func:`detect`): ``(S, S, 5 + C)``
  per image, channels last, as the papers draw it: per cell the objectness, the box
  ``(tx, ty, w, h)`` and C class scores. The chapter's tiny detector is trained on it. A
  network's raw output is ``(N, 5 + C, S, S)`` (channels first, torch's layout); the predictor
  that runs the network (:func:`helpers.nets.detection.detector_predict`) converts.
* **YOLOv3/v4's anchored heads** (:func:`read_yolo_cfg`, :func:`yolo_head_grid`,
  :func:`yolo_decode_head`, :func:`yolo_detect`): each output head is ``(Sy, Sx, A, 5 + C)``
  after :func:`yolo_head_grid`: per cell, A anchors (read from Darknet's cfg) each predicting
  ``t_x, t_y, t_w, t_h``, objectness and C class logits. The pretrained YOLOv4-tiny of
  :mod:`helpers.darknet` is decoded here, by the course's code, not OpenCV's.

Boxes are ``(N, 4)`` float xyxy in pixels.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._validation import (
    as_array,
    check_bool,
    check_boxes,
    check_float,
    check_instance,
    check_int,
    check_pair,
)
from .boxes import box_convert
from .ops import batched_nms, nms

__all__ = [
    "YoloConfig",
    "YoloHead",
    "detect",
    "parse_darknet_cfg",
    "read_yolo_cfg",
    "yolo_decode",
    "yolo_decode_head",
    "yolo_decode_head_naive",
    "yolo_decode_heads",
    "yolo_detect",
    "yolo_encode",
    "yolo_head_grid",
]

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



# --------------------------------------------------------------------------------------------
# A real YOLO (v3 / v4 / v4-tiny): anchors per head, read from Darknet's .cfg, and decoding
# --------------------------------------------------------------------------------------------
#: Largest .cfg text :func:`parse_darknet_cfg` reads (YOLOv4's full cfg is about 12 kB).
MAX_CFG_CHARS = 1_000_000
#: Most anchors a cfg may list.
MAX_ANCHORS = 1000
#: Largest log-scale ``t_w``, ``t_h`` that :func:`yolo_decode_head` exponentiates: e^10 is 22,026
#: anchor widths. Darknet does not clamp; a trained head never comes near, an untrained or
#: corrupted one would otherwise give infinite boxes.
MAX_LOG_SCALE = 10.0


class YoloHead(NamedTuple):
    """One ``[yolo]`` output layer of a Darknet cfg: which anchors its cells predict from.

    Attributes
    ----------
    layer : int
        Index of the ``[yolo]`` section among the cfg's layers (``[net]`` excluded), which is
        how Darknet and OpenCV number layers; its raw input is layer ``layer - 1``.
    mask : tuple of int
        Indices into :attr:`YoloConfig.anchors` of the anchors this head uses.
    anchors : (A, 2) ndarray of float64
        Their ``(w, h)`` in pixels of the network input.
    scale_x_y : float
        Darknet's ``scale_x_y`` (1 when absent): the centre offset is
        ``sigmoid(t) * scale_x_y - (scale_x_y - 1) / 2``, so cell borders are reachable.
    num_classes : int
    """

    layer: int
    mask: tuple[int, ...]
    anchors: np.ndarray
    scale_x_y: float
    num_classes: int


class YoloConfig(NamedTuple):
    """What :func:`read_yolo_cfg` reads from a Darknet cfg.

    Attributes
    ----------
    input_size : (int, int)
        ``(H, W)`` of the network input (``[net]``'s ``height`` and ``width``).
    anchors : (K, 2) ndarray of float64
        Every anchor ``(w, h)`` the cfg lists, in input pixels.
    heads : tuple of YoloHead
        The output layers, in cfg order (coarse grid first in YOLOv4-tiny).
    """

    input_size: tuple[int, int]
    anchors: np.ndarray
    heads: tuple[YoloHead, ...]


def parse_darknet_cfg(text: str) -> list[tuple[str, dict[str, str]]]:
    """Split a Darknet ``.cfg`` file into its sections, in order.

    Parameters
    ----------
    text : str
        The file's text (at most 1,000,000 characters).

    Returns
    -------
    list of (str, dict of str to str)
        ``(section name, {key: value})`` per ``[section]``, ``"net"`` first; values are the raw
        text after ``=``, stripped. Comments (``#`` or ``;`` to the end of a line) are dropped.

    Raises
    ------
    ValueError
        If a ``key=value`` line comes before any section, or a line is neither.

    Examples
    --------
    >>> parse_darknet_cfg("[net]\\nwidth=416  # input\\n[yolo]\\nmask = 0,1\\n")
    [('net', {'width': '416'}), ('yolo', {'mask': '0,1'})]
    """
    check_instance(text, "text", str, "the text of a Darknet .cfg file (read the file first)")
    if len(text) > MAX_CFG_CHARS:
        raise ValueError(f"text must be at most {MAX_CFG_CHARS:,} characters (a Darknet cfg); "
                         f"got {len(text):,}")
    sections: list[tuple[str, dict[str, str]]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].split(";", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            sections.append((line[1:-1].strip(), {}))
        elif "=" in line and sections:
            key, value = line.split("=", 1)
            sections[-1][1][key.strip()] = value.strip()
        else:
            raise ValueError(f"text line {number} is not '[section]' or 'key=value' inside a "
                             f"section: {raw.strip()[:60]!r}")
    return sections


def _cfg_numbers(section: dict[str, str], key: str, layer: int, kind: type) -> list:
    try:
        return [kind(v) for v in section[key].replace(" ", "").split(",") if v]
    except (KeyError, ValueError):
        raise ValueError(f"text: [yolo] layer {layer} needs {key} = a comma-separated list of "
                         f"{kind.__name__}s; got {section.get(key)!r}") from None


def read_yolo_cfg(text: str) -> YoloConfig:
    """The input size, anchors and output heads of a Darknet YOLO cfg.

    Parameters
    ----------
    text : str
        The text of a ``.cfg`` file with a ``[net]`` section and one or more ``[yolo]`` layers.

    Returns
    -------
    YoloConfig
        ``input_size`` (H, W), every ``anchors`` (K, 2) and one :class:`YoloHead` per
        ``[yolo]`` layer with the anchors its ``mask`` selects.

    Raises
    ------
    ValueError
        No ``[net]`` first, no ``[yolo]`` layer, an odd number of anchor values, a mask index
        outside the anchors, or sizes out of range.

    Notes
    -----
    Read, not hard-coded, because the heads differ between cfgs: YOLOv4-tiny's coarse 13x13
    head uses anchors 3, 4, 5 and its 26x26 head anchors **1, 2, 3** (anchor 0 is unused and
    anchor 3 is shared), where YOLOv3-tiny has 0, 1, 2.

    References
    ----------
    Bochkovskiy et al., "YOLOv4: Optimal Speed and Accuracy of Object Detection", 2020; the
    Darknet cfg format (github.com/AlexeyAB/darknet). Used in chapters/12_localization.ipynb
    and chapters/13_detection.ipynb.

    Examples
    --------
    >>> cfg = read_yolo_cfg("[net]\\nwidth=64\\nheight=64\\n[convolutional]\\n"
    ...                     "[yolo]\\nmask=1\\nanchors=4,6, 10,12\\nclasses=2\\n")
    >>> cfg.input_size, cfg.heads[0].anchors.tolist(), cfg.heads[0].layer
    ((64, 64), [[10.0, 12.0]], 1)
    """
    sections = parse_darknet_cfg(text)
    if not sections or sections[0][0] not in ("net", "network"):
        raise ValueError("text must start with a [net] section (a Darknet cfg)")
    net = sections[0][1]
    try:
        size = (int(net["height"]), int(net["width"]))
    except (KeyError, ValueError):
        raise ValueError("text: [net] needs integer height= and width=") from None
    size = check_pair(size, "text: [net] (height, width)", min=1, max=MAX_SIDE)
    heads, anchors = [], None
    for layer, (name, section) in enumerate(sections[1:]):
        if name != "yolo":
            continue
        values = _cfg_numbers(section, "anchors", layer, float)
        if len(values) % 2 or not 0 < len(values) <= 2 * MAX_ANCHORS:
            raise ValueError(f"text: [yolo] layer {layer} anchors must be w,h pairs (at most "
                             f"{MAX_ANCHORS}); got {len(values)} numbers")
        anchors = np.asarray(values, np.float64).reshape(-1, 2)
        if not (np.isfinite(anchors).all() and (anchors > 0).all()):
            raise ValueError(f"text: [yolo] layer {layer} anchors must be positive sizes")
        mask = tuple(_cfg_numbers(section, "mask", layer, int)) if "mask" in section else tuple(
            range(len(anchors)))
        if not mask or min(mask) < 0 or max(mask) >= len(anchors):
            raise ValueError(f"text: [yolo] layer {layer} mask must index the {len(anchors)} "
                             f"anchors; got {list(mask)}")
        classes = _cfg_numbers(section, "classes", layer, int) if "classes" in section else [80]
        scale = float(section.get("scale_x_y", "1"))
        if len(classes) != 1 or not 1 <= classes[0] <= MAX_CLASSES or not 1 <= scale <= 4:
            raise ValueError(f"text: [yolo] layer {layer} needs classes in [1, {MAX_CLASSES}] and "
                             f"scale_x_y in [1, 4]; got {classes}, {scale}")
        heads.append(YoloHead(layer, mask, anchors[list(mask)].copy(), scale, classes[0]))
    if not heads:
        raise ValueError("text has no [yolo] layer: not a YOLO cfg")
    return YoloConfig(size, anchors, tuple(heads))


def yolo_head_grid(raw: Any, num_anchors: int) -> np.ndarray:
    """A network's raw output for one head, ``(1, A (5 + C), Sy, Sx)``, as the grid
    ``(Sy, Sx, A, 5 + C)``: cells first, then anchors, then the numbers each anchor predicts.

    Parameters
    ----------
    raw : (1, A * (5 + C), Sy, Sx) or (A * (5 + C), Sy, Sx) array_like
        Channels first, as the convolution before a ``[yolo]`` layer produces them: the
        ``5 + C`` channels of anchor 0, then those of anchor 1, ...
    num_anchors : int
        A, the anchors of this head (1 to 1000).

    Returns
    -------
    (Sy, Sx, A, 5 + C) ndarray of float32
        ``[..., 0:4]`` the box logits ``t_x, t_y, t_w, t_h``, ``[..., 4]`` the objectness
        logit, ``[..., 5:]`` the class logits (a view where possible).

    Examples
    --------
    >>> raw = np.arange(2 * 6 * 1 * 1, dtype=np.float32).reshape(1, 12, 1, 1)  # A=2, C=1
    >>> yolo_head_grid(raw, 2)[0, 0].tolist()
    [[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0, 11.0]]
    """
    r = as_array(raw, "raw", ndim=(3, 4), shape_hint="(1, A * (5 + C), Sy, Sx)")
    a = check_int(num_anchors, "num_anchors", min=1, max=MAX_ANCHORS)
    if r.ndim == 4:
        if r.shape[0] != 1:
            raise ValueError(f"raw must hold one image, (1, A * (5 + C), Sy, Sx); got {r.shape}"
                             " - pass raw[i:i + 1] for image i")
        r = r[0]
    channels, sy, sx = r.shape
    if channels % a or channels // a < 6:
        raise ValueError(f"raw has {channels} channels, which is not num_anchors x (5 + C) with "
                         f"C >= 1 for num_anchors={a}")
    return r.astype(np.float32, copy=False).reshape(a, channels // a, sy, sx).transpose(2, 3, 0, 1)


def _check_head_args(head: Any, anchors: Any, input_size: Any, scale_x_y: float):
    g = as_array(head, "head", ndim=4, shape_hint="(Sy, Sx, A, 5 + C)",
                 fix="convert a network's raw output with yolo_head_grid()")
    if g.shape[3] < 6:
        raise ValueError(f"head must be (Sy, Sx, A, 5 + C) with C >= 1; got shape {g.shape}")
    anc = as_array(anchors, "anchors", ndim=2, shape_hint="(A, 2)").astype(np.float64)
    if anc.shape != (g.shape[2], 2) or (anc <= 0).any():
        raise ValueError(f"anchors must be (A, 2) positive (w, h) pairs with A = {g.shape[2]} "
                         f"(the head's anchor axis); got shape {anc.shape}")
    h, w = check_pair(input_size, "input_size", min=1, max=MAX_SIDE, allow_int=True,
                      hint="(H, W)")
    s = check_float(scale_x_y, "scale_x_y", min=1, max=4)
    return g.astype(np.float64), anc, (h, w), s


def _sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # exp(1000) = inf gives 0, which is right
        return 1.0 / (1.0 + np.exp(-x))


def yolo_decode_head_naive(
    head: Any, anchors: Any, *, input_size: int | tuple[int, int], scale_x_y: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`yolo_decode_head` with plain loops over rows, columns and anchors, for reading.

    Same signature and result; at most 100,000 predictions.

    Examples
    --------
    >>> head = np.zeros((1, 1, 1, 6)); head[..., 5] = 10.0   # one cell, one anchor, one class
    >>> boxes, objectness, probs = yolo_decode_head_naive(head, [[4.0, 2.0]], input_size=8)
    >>> boxes.tolist(), objectness.tolist()
    ([[2.0, 3.0, 6.0, 5.0]], [0.5])
    """
    g, anc, (h, w), s = _check_head_args(head, anchors, input_size, scale_x_y)
    sy, sx, a, _ = g.shape
    if g.shape[0] * g.shape[1] * g.shape[2] > 100_000:
        raise ValueError("yolo_decode_head_naive decodes at most 100,000 predictions (it loops "
                         "in Python) - use yolo_decode_head()")
    boxes, objectness, probs = [], [], []
    for i in range(sy):  # row: y
        for j in range(sx):  # column: x
            for k in range(a):
                tx, ty, tw, th, to = g[i, j, k, :5]
                # The centre: the cell's corner plus a sigmoid offset, stretched by scale_x_y
                # around the cell's middle; then from cells to input pixels.
                cx = (j + _sigmoid(tx) * s - (s - 1) / 2) * w / sx
                cy = (i + _sigmoid(ty) * s - (s - 1) / 2) * h / sy
                # The size: the anchor times e^t (e^0 = 1: exactly the anchor).
                bw = anc[k, 0] * np.exp(min(tw, MAX_LOG_SCALE))
                bh = anc[k, 1] * np.exp(min(th, MAX_LOG_SCALE))
                boxes.append([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2])
                objectness.append(_sigmoid(to))
                probs.append(_sigmoid(g[i, j, k, 5:]))  # one sigmoid per class (not softmax)
    return (np.asarray(boxes, np.float64).reshape(-1, 4), np.asarray(objectness, np.float64),
            np.asarray(probs, np.float64).reshape(-1, g.shape[3] - 5))


def yolo_decode_head(
    head: Any, anchors: Any, *, input_size: int | tuple[int, int], scale_x_y: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boxes, objectness and class probabilities from one YOLOv3/v4 head's raw output.

    Parameters
    ----------
    head : (Sy, Sx, A, 5 + C) array_like
        Raw logits per cell and anchor (:func:`yolo_head_grid` of the network's output):
        ``t_x, t_y, t_w, t_h``, objectness ``t_o``, then C class logits.
    anchors : (A, 2) array_like
        The head's anchors ``(w, h)`` in input pixels (:attr:`YoloHead.anchors`).
    input_size : int or (int, int)
        ``(H, W)`` of the network input (416 for YOLOv4-tiny).
    scale_x_y : float
        Darknet's ``scale_x_y`` (in [1, 4]; YOLOv4-tiny: 1.05).

    Returns
    -------
    boxes : (Sy * Sx * A, 4) ndarray of float64
        xyxy in input pixels, ordered by row, column, then anchor (OpenCV's order).
    objectness : (Sy * Sx * A,) ndarray of float64
        :math:`\\sigma(t_o)`: is there an object centred in this cell, for this anchor.
    class_probs : (Sy * Sx * A, C) ndarray of float64
        :math:`\\sigma(t_c)` per class: which object, if there is one.

    Notes
    -----
    For the cell in row :math:`i`, column :math:`j` of an :math:`S_y \\times S_x` grid on a
    :math:`H \\times W` input, anchor :math:`(p_w, p_h)` and :math:`s` = ``scale_x_y``:

    .. math::

        c_x = \\bigl(j + s\\,\\sigma(t_x) - \\tfrac{s - 1}{2}\\bigr) \\frac{W}{S_x}, \\quad
        c_y = \\bigl(i + s\\,\\sigma(t_y) - \\tfrac{s - 1}{2}\\bigr) \\frac{H}{S_y}, \\quad
        w = p_w e^{t_w}, \\quad h = p_h e^{t_h}

    The sigmoid keeps the centre in its own cell (with :math:`s > 1`, slightly past its
    borders, so a centre *on* a border is reachable); the exponent makes the anchor the size
    predicted at :math:`t = 0`. A detection's score for class :math:`c` is
    :math:`\\sigma(t_o)\\,\\sigma(t_c)` (YOLOv3 replaced v1's softmax by independent sigmoids).
    ``t_w, t_h`` are clamped at :data:`MAX_LOG_SCALE`.

    Equals OpenCV's own decoding (its ``Region`` layer, ``cv2.dnn``) on YOLOv4-tiny's heads to
    1e-6 (tested in tests/test_darknet.py): OpenCV returns normalised ``(cx, cy, w, h)``,
    objectness, and ``objectness x probability`` where that is at least 0.2 (0 below).

    References
    ----------
    Redmon & Farhadi, "YOLO9000" (CVPR 2017) and "YOLOv3" (2018); Bochkovskiy et al., "YOLOv4"
    (2020) for ``scale_x_y``. Used in chapters/13_detection.ipynb.

    Examples
    --------
    >>> head = np.zeros((1, 1, 1, 6)); head[..., 5] = 10.0   # one cell, one anchor, one class
    >>> boxes, objectness, probs = yolo_decode_head(head, [[4.0, 2.0]], input_size=8)
    >>> boxes.tolist(), objectness.tolist(), probs.round(5).tolist()
    ([[2.0, 3.0, 6.0, 5.0]], [0.5], [[0.99995]])
    """
    g, anc, (h, w), s = _check_head_args(head, anchors, input_size, scale_x_y)
    sy, sx, a, _ = g.shape
    rows = np.arange(sy)[:, None, None]  # (Sy, 1, 1): broadcast over columns and anchors
    cols = np.arange(sx)[None, :, None]  # (1, Sx, 1)
    cx = (cols + _sigmoid(g[..., 0]) * s - (s - 1) / 2) * (w / sx)
    cy = (rows + _sigmoid(g[..., 1]) * s - (s - 1) / 2) * (h / sy)
    bw = anc[:, 0] * np.exp(np.minimum(g[..., 2], MAX_LOG_SCALE))  # (A,) broadcast last
    bh = anc[:, 1] * np.exp(np.minimum(g[..., 3], MAX_LOG_SCALE))
    boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=-1)
    return (boxes.reshape(-1, 4), _sigmoid(g[..., 4]).reshape(-1),
            _sigmoid(g[..., 5:]).reshape(sy * sx * a, -1))


def _check_heads(heads: Any, config: YoloConfig) -> list[np.ndarray]:
    check_instance(config, "config", YoloConfig, "a YoloConfig from read_yolo_cfg()")
    check_instance(heads, "heads", (list, tuple), "a list with one (Sy, Sx, A, 5 + C) grid per "
                   "head (yolo_head_grid of each raw output)")
    if len(heads) != len(config.heads):
        raise ValueError(f"heads must hold one grid per [yolo] layer of config "
                         f"({len(config.heads)}); got {len(heads)}")
    return list(heads)


def yolo_decode_heads(
    heads: list[Any], config: YoloConfig, *, image_shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every head's predictions as scored boxes on the original image (before any threshold).

    Parameters
    ----------
    heads : list of (Sy, Sx, A, 5 + C) array_like
        One grid per :attr:`YoloConfig.heads`, in the same order.
    config : YoloConfig
        From :func:`read_yolo_cfg`.
    image_shape : (int, int)
        ``(H, W)`` of the photo the input was resized from (``image.shape[:2]``).

    Returns
    -------
    boxes : (P, 4) ndarray of float64
        xyxy in the photo's pixels, clipped to it; heads in config order.
    scores : (P,) ndarray of float64
        Objectness times the probability of the best class.
    classes : (P,) ndarray of int64
        The best class.

    Notes
    -----
    The photo was *stretched* to the input size (OpenCV's ``blobFromImage`` without cropping),
    so input pixels map back by :math:`x \\cdot W / W_{in}`, :math:`y \\cdot H / H_{in}`.
    Darknet reports every class above the threshold for a box; like OpenCV's sample code we keep
    only the best class per box.

    Examples
    --------
    >>> cfg = read_yolo_cfg("[net]\\nwidth=8\\nheight=8\\n[yolo]\\nanchors=4,2\\nclasses=1\\n")
    >>> head = np.zeros((1, 1, 1, 6)); head[..., 4:] = 10.0
    >>> boxes, scores, classes = yolo_decode_heads([head], cfg, image_shape=(16, 32))
    >>> boxes.tolist(), scores.round(4).tolist(), classes.tolist()
    ([[8.0, 6.0, 24.0, 10.0]], [0.9999], [0])
    """
    heads = _check_heads(heads, config)
    h, w = check_pair(image_shape, "image_shape", min=1, max=MAX_SIDE, hint="(H, W)")
    ih, iw = config.input_size
    all_boxes, all_scores, all_classes = [], [], []
    for k, (grid, spec) in enumerate(zip(heads, config.heads, strict=True)):
        g = as_array(grid, f"heads[{k}]", ndim=4, shape_hint="(Sy, Sx, A, 5 + C)")
        if g.shape[2:] != (len(spec.anchors), 5 + spec.num_classes):
            raise ValueError(f"heads[{k}] must be (Sy, Sx, {len(spec.anchors)}, "
                             f"{5 + spec.num_classes}) for this config; got {g.shape}")
        boxes, objectness, probs = yolo_decode_head(g, spec.anchors, input_size=(ih, iw),
                                                    scale_x_y=spec.scale_x_y)
        best = probs.argmax(axis=1)
        all_boxes.append(boxes * [w / iw, h / ih, w / iw, h / ih])
        all_scores.append(objectness * probs[np.arange(len(best)), best])
        all_classes.append(best)
    boxes = np.concatenate(all_boxes)
    boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, w)
    boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, h)
    return boxes, np.concatenate(all_scores), np.concatenate(all_classes).astype(np.int64)


def yolo_detect(
    heads: list[Any],
    config: YoloConfig,
    *,
    image_shape: tuple[int, int],
    score_threshold: float = 0.25,
    iou_threshold: float = 0.45,
    per_class: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Detections of a YOLOv3/v4 network: decode every head, keep scores above a threshold, NMS.

    Parameters
    ----------
    heads, config, image_shape
        As :func:`yolo_decode_heads`.
    score_threshold : float
        Keep boxes scoring *more* than this (Darknet's default 0.25), in [0, 1].
    iou_threshold : float
        NMS threshold (Darknet's default 0.45).
    per_class : bool
        One NMS per class (:func:`helpers.ops.batched_nms`, as Darknet) or one for all
        (:func:`helpers.ops.nms`, as OpenCV's sample code).

    Returns
    -------
    boxes (K, 4), scores (K,), classes (K,)
        On the photo, highest score first.

    Notes
    -----
    Equal to ``cv2.dnn.NMSBoxesBatched`` (``per_class``) or ``cv2.dnn.NMSBoxes`` on the same
    decoded boxes and scores (tested on the course's photos in tests/test_darknet.py).

    Examples
    --------
    >>> cfg = read_yolo_cfg("[net]\\nwidth=8\\nheight=8\\n[yolo]\\nanchors=4,2\\nclasses=1\\n")
    >>> head = np.zeros((1, 2, 1, 6)); head[..., 4:] = 10.0       # two cells, both confident
    >>> yolo_detect([head], cfg, image_shape=(8, 8))[0].tolist()   # no overlap: both kept
    [[0.0, 3.0, 4.0, 5.0], [4.0, 3.0, 8.0, 5.0]]
    """
    st = check_float(score_threshold, "score_threshold", min=0, max=1)
    thr = check_float(iou_threshold, "iou_threshold", min=0, max=1)
    per_class = check_bool(per_class, "per_class")
    boxes, scores, classes = yolo_decode_heads(heads, config, image_shape=image_shape)
    cand = np.flatnonzero(scores > st)
    if per_class:
        keep = batched_nms(boxes[cand], scores[cand], classes[cand], thr)
    else:
        keep = nms(boxes[cand], scores[cand], thr)
    kept = cand[keep]
    return boxes[kept], scores[kept], classes[kept]
