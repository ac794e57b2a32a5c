"""Checks for the exercises of chapter 22 (chapters/22_frontiers_detection.ipynb and
chapters/22_frontiers_search.ipynb): CenterNet's heatmap target, CRAFT's word grouping, the
Pareto front of an architecture search and MultiPath's anchor targets."""

from __future__ import annotations

import numpy as np

from .. import centernet, nas, text_detection, trajectories
from ._core import Case, CheckResult, run_cases

__all__ = [
    "check_anchor_targets",
    "check_centernet_heatmap",
    "check_group_words",
    "check_pareto_front",
]

#: The IoU the chapter's radius rule keeps (CornerNet's paper).
CHAPTER_MIN_OVERLAP = 0.3


def _heatmap(boxes, labels, num_classes, image_size, stride):
    return centernet.centernet_heatmap(boxes, labels, num_classes=num_classes,
                                       image_size=image_size, stride=stride,
                                       min_overlap=CHAPTER_MIN_OVERLAP)


def check_centernet_heatmap(fn) -> CheckResult:
    """Check ``fn(boxes, labels, num_classes, image_size, stride)`` -> (C, s, s) heatmap: a
    Gaussian of radius ``int(gaussian_radius(h / R, w / R, min_overlap=0.3))`` at each centre
    cell, sigma = (2 r + 1) / 6, zero beyond the radius, the maximum where two overlap."""
    rng = np.random.default_rng(221)
    from ..shapes import make_detection_dataset

    _, boxes, labels = make_detection_dataset(2, image_size=64, max_objects=4, rng=rng)
    cases = [
        Case("one 24x24 box, centre (16, 16): cell (4, 4), radius 1",
             np.array([[4.0, 4.0, 28.0, 28.0]]), np.array([0]), 1, 32, 4),
        Case("a small box: radius 0, a single 1", np.array([[0.0, 0.0, 6.0, 6.0]]),
             np.array([0]), 1, 16, 4),
        Case("two classes: each box on its own map", np.array([[4.0, 4.0, 28.0, 20.0],
                                                                [30.0, 30.0, 60.0, 62.0]]),
             np.array([1, 0]), 2, 64, 4),
        Case("two boxes of one class side by side: the maximum, not the sum",
             np.array([[0.0, 0.0, 24.0, 24.0], [8.0, 0.0, 32.0, 24.0]]), np.array([0, 0]), 1,
             32, 4),
        Case("a 40x40 box at the border (radius 2): the bump is clipped",
             np.array([[24.0, 24.0, 64.0, 64.0]]), np.array([2]), 3, 64, 4),
        Case("stride 2", np.array([[3.0, 5.0, 17.0, 21.0]]), np.array([0]), 1, 32, 2),
        Case("a scene from the course's generator", boxes[0], labels[0], 3, 64, 4),
        Case("another scene", boxes[1], labels[1], 3, 64, 4),
        Case("no objects at all", np.zeros((0, 4)), np.zeros(0, np.int64), 2, 16, 4),
    ]
    return run_cases("centernet_heatmap", fn, cases, reference=_heatmap, atol=1e-5, rtol=1e-5)


def _group(region, affinity, text_threshold, link_threshold, low_text):
    return text_detection.group_words(region, affinity, text_threshold=text_threshold,
                                      link_threshold=link_threshold, low_text=low_text,
                                      min_cells=0)


def check_group_words(fn) -> CheckResult:
    """Check ``fn(region, affinity, text_threshold, link_threshold, low_text)`` -> (h, w)
    labels: 0 background, words numbered 1.. in row-major order of their first cell; a word is
    a 4-connected component of ``(region > low_text) | (affinity > link_threshold)`` whose
    highest region score is at least ``text_threshold``."""
    rng = np.random.default_rng(222)
    images, quads, words, _ = text_detection.make_text_dataset(1, max_words=3, rng=223)
    region, affinity = text_detection.craft_targets(quads[0], words[0],
                                                    image_size=images.shape[1])
    two = np.zeros((5, 9))
    two[2, [1, 3]] = 0.9
    link = np.zeros((5, 9))
    link[2, 2] = 0.6
    weak = two.copy()
    weak[2, 7] = 0.5
    diagonal = np.zeros((4, 4))
    diagonal[[0, 1], [0, 1]] = 0.9
    cases = [
        Case("two characters joined by an affinity cell: one word", two, link, 0.7, 0.4, 0.4),
        Case("the same without the link: two words", two, np.zeros((5, 9)), 0.7, 0.4, 0.4),
        Case("a component whose peak is below text_threshold is dropped", weak, link, 0.7,
             0.4, 0.4),
        Case("diagonal neighbours are not connected (4-connectivity)", diagonal,
             np.zeros((4, 4)), 0.7, 0.4, 0.4),
        Case("strict thresholds: a cell equal to low_text is not text",
             np.full((2, 2), 0.4), np.zeros((2, 2)), 0.3, 0.4, 0.4),
        Case("exact targets of a rendered image (CRAFT's defaults)", region, affinity, 0.7, 0.4,
             0.4),
        Case("random maps", rng.random((12, 15)), rng.random((12, 15)), 0.9, 0.8, 0.7),
        Case("nothing above any threshold", np.zeros((3, 3)), np.zeros((3, 3)), 0.7, 0.4, 0.4),
    ]
    return run_cases("group_words", fn, cases, reference=_group, dtype=int)


def check_pareto_front(fn) -> CheckResult:
    """Check ``fn(costs, scores)`` -> indices of the non-dominated points by increasing cost
    (of exact duplicates, the first)."""
    rng = np.random.default_rng(224)
    cases = [
        Case("three points, one dominated", np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.4,
                                                                                  0.9])),
        Case("a staircase: every point is on the front", np.array([1.0, 2.0, 3.0, 4.0]),
             np.array([0.1, 0.2, 0.3, 0.4])),
        Case("input not sorted by cost", np.array([3.0, 1.0, 2.0]), np.array([0.9, 0.5, 0.7])),
        Case("equal cost: only the better one", np.array([2.0, 2.0, 5.0]),
             np.array([0.6, 0.8, 0.9])),
        Case("equal score: only the cheaper one", np.array([2.0, 1.0]), np.array([0.8, 0.8])),
        Case("exact duplicates: the first is kept", np.array([1.0, 1.0, 3.0]),
             np.array([0.5, 0.5, 0.4])),
        Case("one point", np.array([7.0]), np.array([0.3])),
        Case("100 random candidates (MACs, accuracy)", rng.integers(10_000, 2_000_000, 100),
             rng.uniform(0.8, 1.0, 100)),
    ]
    return run_cases("pareto_front", fn, cases, reference=nas.pareto_front, dtype=int)


def check_anchor_targets(fn) -> CheckResult:
    """Check ``fn(futures, anchors)`` -> ``(index, residual)``: each future's nearest anchor by
    the squared distance summed over time (the lower index on ties), and future - anchor."""
    rng = np.random.default_rng(225)
    t = np.arange(1.0, 4.0)[:, None]
    up, right, left = np.c_[0 * t, t], np.c_[t, 0 * t], np.c_[-t, 0 * t]
    anchors = np.stack([up, right, left])
    data = trajectories.make_agent_dataset(40, rng=226)
    agent_anchors = trajectories.trajectory_anchors(data["future"], 5, rng=0, attempts=1)
    cases = [
        Case("one future close to the 'up' anchor", (up + 0.2)[None], anchors),
        Case("three futures, one per anchor", np.stack([right + 0.1, left - 0.3, up]), anchors),
        Case("a future right between two anchors: the lower index wins",
             ((up + right) / 2)[None], anchors[:2]),
        Case("a single anchor: everything is assigned to it", rng.normal(size=(4, 3, 2)),
             anchors[:1]),
        Case("the distance sums over time (not only the last step)",
             np.array([[[0.0, 1.0], [0.0, 2.0], [2.2, 1.8]]]), anchors[:2]),
        Case("40 agents of the chapter's junction, 5 k-means anchors", data["future"],
             agent_anchors),
    ]
    return run_cases("anchor_targets", fn, cases, reference=trajectories.anchor_targets,
                     dtype=(int, float))
