"""Multi-object tracking metrics: MOTA, IDF1, ID switches, FP, FN (motmetrics) and HOTA.

The matching of hypotheses to ground truth (IoU >= 0.5) uses the course's own
:func:`~helpers.boxes.box_iou`; motmetrics' ``MOTAccumulator`` then does the bookkeeping
(CLEAR-MOT matching over time, the ID measures). We do not call motmetrics 1.4.0's
``iou_matrix`` or ``compare_to_groundtruth``: they use ``numpy.asfarray``, which NumPy 2 removed.
HOTA (:func:`hota`) is computed here in numpy, following Luiten et al. 2021; the tests check it
against the reference implementation, ``trackeval.metrics.HOTA``.

Ground-truth boxes that are less than ``min_visibility`` visible are *don't care* regions, as in
the MOT16 evaluation: a hypothesis matched to one is removed, and missing one is not an error.

Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validation import as_array, check_boxes, check_float, check_instance
from ..boxes import box_iou
from .assignment import linear_assignment
from .scene import Scene

__all__ = [
    "GAP_BINS",
    "HOTA_ALPHAS",
    "evaluate_tracking",
    "evaluation_frames",
    "hota",
    "mot_accumulator",
]

#: Buckets for ID switches by the gap (frames) since the object was last tracked.
GAP_BINS = (("1", 1, 1), ("2-10", 2, 10), (">10", 11, 10**9))
#: HOTA's localisation thresholds: IoU 0.05, 0.10, ..., 0.95 (Luiten et al. 2021).
HOTA_ALPHAS = tuple(np.round(np.arange(0.05, 0.951, 0.05), 2).tolist())


def _check_hypotheses(hypotheses: Any, n_frames: int) -> list[np.ndarray]:
    if not isinstance(hypotheses, Sequence) or isinstance(hypotheses, (str, bytes, np.ndarray)):
        raise TypeError("hypotheses must be a list with one (K, 5) array per frame "
                        f"(x1, y1, x2, y2, id); got {type(hypotheses).__name__}")
    if len(hypotheses) != n_frames:
        raise ValueError(f"hypotheses must have one entry per frame ({n_frames}); "
                         f"got {len(hypotheses)}")
    out = []
    for t, h in enumerate(hypotheses):
        h = as_array(h, f"hypotheses[{t}]", ndim=(1, 2), kinds="iuf", allow_empty=True,
                     shape_hint="(K, 5)")
        if h.size == 0:
            h = np.zeros((0, 5))
        if h.ndim != 2 or h.shape[1] != 5:
            raise ValueError(f"hypotheses[{t}] must have shape (K, 5) (x1, y1, x2, y2, id); "
                             f"got {h.shape}")
        check_boxes(h[:, :4], f"hypotheses[{t}][:, :4]")
        out.append(h.astype(np.float64))
    return out


def mot_accumulator(
    scene: Scene, hypotheses: Any, *, iou_threshold: float = 0.5, min_visibility: float = 0.1
):
    """A ``motmetrics.MOTAccumulator`` filled frame by frame with our IoU distances.

    Parameters
    ----------
    scene : Scene
        The ground truth.
    hypotheses : list of (K, 5) array_like
        A tracker's output per frame: ``(x1, y1, x2, y2, track_id)``.
    iou_threshold : float
        A hypothesis and a ground-truth box can match only if their IoU is at least this.
    min_visibility : float
        Ground truth less visible than this is a don't-care region.

    Returns
    -------
    motmetrics.MOTAccumulator
    """
    import motmetrics as mm

    acc = mm.MOTAccumulator(auto_id=True)
    for gt_ids, gt_boxes, h in evaluation_frames(scene, hypotheses, iou_threshold=iou_threshold,
                                                  min_visibility=min_visibility):
        iou = box_iou(gt_boxes, h[:, :4])
        dist = np.where(iou >= iou_threshold, 1 - iou, np.nan)
        acc.update(gt_ids.tolist(), h[:, 4].astype(np.int64).tolist(), dist)
    return acc


def evaluation_frames(
    scene: Scene, hypotheses: Any, *, iou_threshold: float = 0.5, min_visibility: float = 0.1
):
    """What every metric compares, frame by frame, after removing the don't-care regions.

    Returns a list with one ``(gt_ids (n,), gt_boxes (n, 4), hypotheses (k, 5))`` per frame:
    ground truth at
    least ``min_visibility`` visible, and the hypotheses left after dropping those that match
    (IoU >= ``iou_threshold``, optimal assignment) a less visible, don't-care object.

    Examples
    --------
    >>> from helpers.tracking.scene import make_scene
    >>> scene = make_scene(0, n_frames=3)
    >>> frames = list(evaluation_frames(scene, [np.zeros((0, 5))] * 3))
    >>> len(frames), frames[0][2].shape
    (3, (0, 5))
    """
    check_instance(scene, "scene", Scene, "a Scene from make_scene()")
    t_iou = check_float(iou_threshold, "iou_threshold", min=0, max=1, min_inclusive=False)
    min_vis = check_float(min_visibility, "min_visibility", min=0, max=1)
    hyps = _check_hypotheses(hypotheses, scene.n_frames)
    out = []
    for t in range(scene.n_frames):
        ids, boxes, vis = scene.at(t)
        h = hyps[t]
        ignored = vis < min_vis
        if ignored.any() and len(h):
            # Match hypotheses to all ground truth at once; drop those that land on don't-cares.
            m, _, _ = linear_assignment(1 - box_iou(h[:, :4], boxes), 1 - t_iou)
            drop = m[ignored[m[:, 1]], 0]
            h = np.delete(h, drop, axis=0)
        out.append((ids[~ignored], boxes[~ignored], h))
    return out


def hota(
    scene: Scene, hypotheses: Any, *, min_visibility: float = 0.1
) -> dict[str, float]:
    """HOTA, with its detection (DetA) and association (AssA) parts, of a tracker's output.

    Parameters
    ----------
    scene : Scene
        The ground truth.
    hypotheses : list of (K, 5) array_like
        A tracker's output per frame: ``(x1, y1, x2, y2, track_id)``.
    min_visibility : float in [0, 1]
        Ground truth less visible than this is a don't-care region (as in
        :func:`evaluate_tracking`, whose IoU 0.5 decides what a don't-care hypothesis is).

    Returns
    -------
    dict
        ``hota``, ``deta``, ``assa`` (averages over the 19 thresholds of :data:`HOTA_ALPHAS`)
        and ``hota_0.5``, the value at IoU 0.5.

    Notes
    -----
    For each localisation threshold :math:`\\alpha`: in every frame, ground truth and
    hypotheses are matched one-to-one (Hungarian) maximising IoU weighted by how well their
    two identities align over the whole sequence; pairs with IoU >= :math:`\\alpha` are true
    positives (TP), the rest of both sides FN and FP. For a TP pair :math:`c` between identity
    :math:`g` and track :math:`h`, :math:`A(c) = \\frac{|TPA|}{|TPA| + |FNA| + |FPA|}` is the
    Jaccard index of the two trajectories (frames matched together vs frames either spends
    without the other). Then

    .. math::
        \\mathrm{DetA}_\\alpha = \\frac{|TP|}{|TP| + |FN| + |FP|}, \\quad
        \\mathrm{AssA}_\\alpha = \\frac{1}{|TP|} \\sum_{c \\in TP} A(c), \\quad
        \\mathrm{HOTA}_\\alpha = \\sqrt{\\mathrm{DetA}_\\alpha \\, \\mathrm{AssA}_\\alpha}

    and HOTA is the mean over :math:`\\alpha \\in \\{0.05, \\dots, 0.95\\}`. Unlike MOTA, a
    tracker that finds every object but keeps changing their IDs scores low (AssA), and unlike
    IDF1 a tracker that keeps IDs but misses objects scores low too (DetA). Equal to
    ``trackeval.metrics.HOTA`` on the same frames to 1e-12 (the tests).

    References
    ----------
    J. Luiten, A. Osep, P. Dendorfer, P. Torr, A. Geiger, L. Leal-Taixe, B. Leibe, "HOTA: A
    Higher Order Metric for Evaluating Multi-Object Tracking", IJCV 2021.
    Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.

    Examples
    --------
    >>> from helpers.tracking.scene import make_scene
    >>> scene = make_scene(0, n_frames=5)
    >>> perfect = [np.c_[scene.at(t)[1], scene.at(t)[0]] for t in range(5)]
    >>> r = hota(scene, perfect, min_visibility=0.0)
    >>> r["hota"], r["deta"], r["assa"]
    (1.0, 1.0, 1.0)
    """
    from scipy.optimize import linear_sum_assignment

    frames = [(g, box_iou(b, h[:, :4]), h[:, 4].astype(np.int64)) for g, b, h in
              evaluation_frames(scene, hypotheses, min_visibility=min_visibility)]
    # Dense 0-based indices for identities and tracks.
    gt_all = np.unique(np.concatenate([g for g, _, _ in frames] + [np.zeros(0, np.int64)]))
    tr_all = np.unique(np.concatenate([h for _, _, h in frames] + [np.zeros(0, np.int64)]))
    frames = [(np.searchsorted(gt_all, g), iou, np.searchsorted(tr_all, h))
              for g, iou, h in frames]
    n_alpha = len(HOTA_ALPHAS)
    tp, fn, fp = np.zeros(n_alpha), np.zeros(n_alpha), np.zeros(n_alpha)
    n_gt_dets = sum(len(g) for g, _, _ in frames)
    n_tr_dets = sum(len(h) for _, _, h in frames)
    if n_gt_dets == 0 or n_tr_dets == 0:
        return {"hota": 0.0, "deta": 0.0, "assa": 0.0, "hota_0.5": 0.0}
    # 1. How well each (identity, track) pair aligns over the sequence, before any matching:
    #    per frame, each pair's IoU shared out against the rest of its row and column.
    align = np.zeros((len(gt_all), len(tr_all)))
    gt_count, tr_count = np.zeros(len(gt_all)), np.zeros(len(tr_all))
    eps = np.finfo(float).eps
    for g, iou, h in frames:
        denom = iou.sum(0)[None, :] + iou.sum(1)[:, None] - iou
        share = np.divide(iou, denom, out=np.zeros_like(iou), where=denom > eps)
        np.add.at(align, (g[:, None], h[None, :]), share)
        gt_count[g] += 1
        tr_count[h] += 1
    align = align / (gt_count[:, None] + tr_count[None, :] - align)
    # 2. Per frame, the matching that maximises IoU x alignment; count TP/FN/FP per alpha and
    #    how often each (identity, track) pair is matched.
    matched = np.zeros((n_alpha, len(gt_all), len(tr_all)))
    alphas = np.array(HOTA_ALPHAS)
    for g, iou, h in frames:
        if len(g) == 0 or len(h) == 0:
            fn += len(g)
            fp += len(h)
            continue
        rows, cols = linear_sum_assignment(-(align[np.ix_(g, h)] * iou))
        ok = iou[rows, cols][None, :] >= alphas[:, None] - eps       # (alpha, pairs)
        n_ok = ok.sum(axis=1)
        tp += n_ok
        fn += len(g) - n_ok
        fp += len(h) - n_ok
        for a in range(n_alpha):
            matched[a, g[rows[ok[a]]], h[cols[ok[a]]]] += 1
    # 3. Association accuracy: each TP weighted by the Jaccard index of its two trajectories.
    jaccard = matched / np.maximum(1, gt_count[None, :, None] + tr_count[None, None, :] - matched)
    assa = (matched * jaccard).sum(axis=(1, 2)) / np.maximum(1, tp)
    deta = tp / np.maximum(1, tp + fn + fp)
    h_alpha = np.sqrt(deta * assa)
    half = HOTA_ALPHAS.index(0.5)
    return {"hota": float(h_alpha.mean()), "deta": float(deta.mean()),
            "assa": float(assa.mean()), "hota_0.5": float(h_alpha[half])}


def evaluate_tracking(
    scene: Scene, hypotheses: Any, *, iou_threshold: float = 0.5, min_visibility: float = 0.1
) -> dict[str, Any]:
    """MOTA, IDF1, ID switches (also by gap length), FP and FN of a tracker's output.

    Parameters
    ----------
    scene, hypotheses, iou_threshold, min_visibility
        As in :func:`mot_accumulator`.

    Returns
    -------
    dict
        ``mota``, ``idf1`` (fractions), ``id_switches``, ``fp``, ``fn``, ``num_objects``
        (ground-truth boxes evaluated), ``mostly_tracked``, and ``switches_by_gap``: ID
        switches split by how many frames passed since the object was last tracked
        (``"1"``: a swap between neighbours, ``">10"``: a new ID after a long occlusion).

    Notes
    -----
    .. math::
        \\mathrm{MOTA} = 1 - \\frac{\\mathrm{FN} + \\mathrm{FP} + \\mathrm{IDSW}}{\\mathrm{GT}},
        \\qquad
        \\mathrm{IDF1} = \\frac{2\\,\\mathrm{IDTP}}
                              {2\\,\\mathrm{IDTP} + \\mathrm{IDFP} + \\mathrm{IDFN}}

    MOTA counts errors per frame (an ID switch costs 1); IDF1 first matches whole trajectories
    to whole tracks (one-to-one, over the sequence), then counts frames where they agree.

    References
    ----------
    K. Bernardin, R. Stiefelhagen, "Evaluating Multiple Object Tracking Performance: The CLEAR
    MOT Metrics", 2008. E. Ristani et al., "Performance Measures and a Data Set for
    Multi-Target, Multi-Camera Tracking", ECCV Workshops 2016 (IDF1). A. Milan et al., "MOT16",
    2016. Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.

    Examples
    --------
    >>> from helpers.tracking.scene import make_scene
    >>> scene = make_scene(0, n_frames=5)
    >>> perfect = [np.c_[scene.at(t)[1], scene.at(t)[0]] for t in range(5)]
    >>> r = evaluate_tracking(scene, perfect)
    >>> r["mota"], r["idf1"], r["id_switches"], r["fp"], r["fn"]
    (1.0, 1.0, 0, 0, 0)
    """
    import motmetrics as mm

    acc = mot_accumulator(scene, hypotheses, iou_threshold=iou_threshold,
                          min_visibility=min_visibility)
    names = ["mota", "idf1", "num_switches", "num_false_positives", "num_misses",
             "num_objects", "mostly_tracked"]
    summary = mm.metrics.create().compute(acc, metrics=names, name="seq")
    row = summary.loc["seq"]
    result = {
        "mota": float(row["mota"]),
        "idf1": float(row["idf1"]),
        "id_switches": int(row["num_switches"]),
        "fp": int(row["num_false_positives"]),
        "fn": int(row["num_misses"]),
        "num_objects": int(row["num_objects"]),
        "mostly_tracked": int(row["mostly_tracked"]),
    }
    result["switches_by_gap"] = _switches_by_gap(acc)
    return result


def _switches_by_gap(acc) -> dict[str, int]:
    events = acc.mot_events
    frames = events.index.get_level_values(0).to_numpy()
    types = events["Type"].to_numpy()
    oids = events["OId"].to_numpy()
    last_seen: dict[Any, int] = {}
    counts = {name: 0 for name, _, _ in GAP_BINS}
    for f, kind, oid in zip(frames, types, oids, strict=True):
        if kind == "SWITCH":
            gap = int(f) - last_seen.get(oid, int(f) - 1)
            for name, lo, hi in GAP_BINS:
                if lo <= gap <= hi:
                    counts[name] += 1
        if kind in ("MATCH", "SWITCH"):
            last_seen[oid] = int(f)
    return counts
