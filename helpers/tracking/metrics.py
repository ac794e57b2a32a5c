"""Multi-object tracking metrics: MOTA, IDF1, ID switches, FP, FN, computed by motmetrics.

The matching of hypotheses to ground truth (IoU >= 0.5) uses the course's own
:func:`~helpers.tracking.boxes.box_iou`; motmetrics' ``MOTAccumulator`` then does the
bookkeeping (CLEAR-MOT matching over time, the ID measures). We do not call motmetrics 1.4.0's
``iou_matrix`` or ``compare_to_groundtruth``: they use ``numpy.asfarray``, which NumPy 2 removed.

Ground-truth boxes that are less than ``min_visibility`` visible are *don't care* regions, as in
the MOT16 evaluation: a hypothesis matched to one is removed, and missing one is not an error.

Used in chapters/20_sort.ipynb and chapters/21_deep_sort.ipynb.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validation import check_boxes, check_float, check_instance
from ..boxes import box_iou
from .assignment import linear_assignment
from .scene import Scene

__all__ = ["GAP_BINS", "evaluate_tracking", "mot_accumulator"]

#: Buckets for ID switches by the gap (frames) since the object was last tracked.
GAP_BINS = (("1", 1, 1), ("2-10", 2, 10), (">10", 11, 10**9))


def _check_hypotheses(hypotheses: Any, n_frames: int) -> list[np.ndarray]:
    if not isinstance(hypotheses, Sequence) or isinstance(hypotheses, (str, bytes, np.ndarray)):
        raise TypeError("hypotheses must be a list with one (K, 5) array per frame "
                        f"(x1, y1, x2, y2, id); got {type(hypotheses).__name__}")
    if len(hypotheses) != n_frames:
        raise ValueError(f"hypotheses must have one entry per frame ({n_frames}); "
                         f"got {len(hypotheses)}")
    out = []
    for t, h in enumerate(hypotheses):
        h = np.asarray(h, dtype=np.float64).reshape(-1, 5) if np.size(h) else np.zeros((0, 5))
        check_boxes(h[:, :4], f"hypotheses[{t}][:, :4]")
        out.append(h)
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

    check_instance(scene, "scene", Scene, "a Scene from make_scene()")
    t_iou = check_float(iou_threshold, "iou_threshold", min=0, max=1, min_inclusive=False)
    min_vis = check_float(min_visibility, "min_visibility", min=0, max=1)
    hyps = _check_hypotheses(hypotheses, scene.n_frames)
    acc = mm.MOTAccumulator(auto_id=True)
    for t in range(scene.n_frames):
        ids, boxes, vis = scene.at(t)
        h = hyps[t]
        ignored = vis < min_vis
        if ignored.any() and len(h):
            # Match hypotheses to all ground truth at once; drop those that land on don't-cares.
            m, _, _ = linear_assignment(1 - box_iou(h[:, :4], boxes), 1 - t_iou)
            drop = m[ignored[m[:, 1]], 0]
            h = np.delete(h, drop, axis=0)
        ids, boxes = ids[~ignored], boxes[~ignored]
        iou = box_iou(boxes, h[:, :4])
        dist = np.where(iou >= t_iou, 1 - iou, np.nan)
        acc.update(ids.tolist(), h[:, 4].astype(np.int64).tolist(), dist)
    return acc


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
