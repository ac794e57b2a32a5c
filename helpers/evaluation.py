"""Evaluating a detector: true and false positives, precision and recall, AP and mAP@0.5.

Used in chapters/13_detection.ipynb.

Boxes are ``(N, 4)`` float xyxy (:mod:`helpers.boxes`); detections of one image are the triple
``(boxes, scores, classes)`` that :func:`helpers.yolo.detect` returns.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import (
    as_array,
    check_boxes,
    check_float,
    check_instance,
    check_int,
    describe,
)
from .boxes import box_iou

__all__ = ["average_precision", "evaluate_detections", "match_detections", "precision_recall"]

#: Largest number of classes accepted (COCO has 80, LVIS 1,203).
MAX_CLASSES = 5000


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
    b = check_boxes(boxes)
    s = as_array(scores, "scores", ndim=1, allow_empty=True)
    t = check_boxes(truth, "truth")
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
    n = check_int(n_truth, "n_truth", min=1, max=10**9)
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
        One triple per image, e.g. from :func:`helpers.yolo.detect`.
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
    c = check_int(num_classes, "num_classes", min=1, max=MAX_CLASSES)
    check_instance(detections, "detections", (list, tuple), "a list with one (boxes, scores, "
                   "classes) triple per image")
    check_instance(truths, "truths", (list, tuple), "a list with one (boxes, classes) pair per "
                   "image")
    if len(detections) != len(truths):
        raise ValueError(
            f"detections and truths must list the same images; got {len(detections)} and "
            f"{len(truths)}"
        )
    for name, items, size in (("detections", detections, 3), ("truths", truths, 2)):
        for i, item in enumerate(items):
            if not isinstance(item, (tuple, list)) or len(item) != size:
                what = "(boxes, scores, classes)" if size == 3 else "(boxes, classes)"
                raise TypeError(f"{name}[{i}] must be a {what} tuple; got {describe(item)}")
    per_class = [([], []) for _ in range(c)]  # scores, tp flags
    n_truth = np.zeros(c, np.int64)
    for (db, ds, dc), (tb, tc) in zip(detections, truths, strict=True):
        db, tb = check_boxes(db), check_boxes(tb, "truth")
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

