"""Tests for helpers.plots_detection (figures of chapters 12 and 13): what is drawn, and errors."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import boxes as B  # noqa: E402
from helpers import evaluation, ops  # noqa: E402
from helpers import plots_detection as P  # noqa: E402

IMAGE = np.random.default_rng(0).integers(0, 255, (60, 80, 3), dtype=np.uint8)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_show_boxes_draws_one_rectangle_and_label_per_box():
    fig = P.show_boxes([IMAGE, IMAGE[..., 0]],
                       [[[1, 2, 30, 40], [40, 0, 70, 20]], np.zeros((0, 4))], [[0, 1], []],
                       scores=[[0.9, 0.4], []], class_names=("cat", "dog"),
                       titles=["two", "none"], columns=2)
    first, second = fig.axes[:2]
    assert len(first.patches) == 2 and len(second.patches) == 0
    assert [t.get_text() for t in first.texts] == ["cat 0.90", "dog 0.40"]
    assert first.get_title() == "two"


def test_show_boxes_moves_a_label_that_would_hide_another():
    fig = P.show_boxes([IMAGE], [[[2, 1, 70, 50], [3, 2, 60, 58]]], [[0, 1]],
                       class_names=("a", "b"))
    (_, y0), (_, y1) = (t.get_position() for t in fig.axes[0].texts)
    assert y1 > y0 + 0.06 * IMAGE.shape[0]


def test_show_boxes_rejects_bad_input():
    with pytest.raises(ValueError, match="boxes must have one entry per image"):
        P.show_boxes([IMAGE], [])
    with pytest.raises(ValueError, match=r"boxes\[0\] must be"):
        P.show_boxes([IMAGE], [[[5, 5, 1, 1]]])
    with pytest.raises(TypeError, match="images must be a list"):
        P.show_boxes(None, [])
    with pytest.raises(ValueError, match="size must be"):
        P.show_boxes([IMAGE], [np.zeros((0, 4))], size=0)
    with pytest.raises(ValueError, match="columns must be"):
        P.show_boxes([IMAGE], [np.zeros((0, 4))], columns=10**5)


def test_sliding_windows_title_counts_the_positions():
    fig = P.plot_sliding_windows(IMAGE, [(16, 8), (32, 16)])
    for ax, (window, stride) in zip(fig.axes, [(16, 8), (32, 16)], strict=True):
        n = len(ops.sliding_windows(IMAGE.shape[:2], window=window, stride=stride))
        assert ax.get_title() == f"{window}x{window} window, stride {stride}: {n:,} positions"
    with pytest.raises(ValueError, match="1 to 4"):
        P.plot_sliding_windows(IMAGE, [])
    with pytest.raises(ValueError, match="does not fit"):
        P.plot_sliding_windows(IMAGE, [(100, 8)])


def test_anchor_shapes_one_rectangle_per_anchor():
    anchors = B.make_anchors((1, 1), 16, (10, 20), (0.5, 1.0, 2.0))
    fig = P.plot_anchor_shapes(IMAGE, {"six": anchors[:, 2:] - anchors[:, :2], "one": [[5, 5]]})
    assert [len(ax.patches) for ax in fig.axes[:2]] == [6, 1]
    with pytest.raises(ValueError, match="positive"):
        P.plot_anchor_shapes(IMAGE, {"bad": [[0, 5]]})
    with pytest.raises(TypeError, match="anchor_sets must be a dict"):
        P.plot_anchor_shapes(IMAGE, [[5, 5]])


def test_rpn_table_follows_assign_anchors():
    truth = np.array([[10.0, 10.0, 50.0, 45.0]])
    fig = P.plot_rpn(IMAGE, truth, stride=16, sizes=(32,), aspect_ratios=(0.5, 1.0, 2.0))
    table = fig.axes[1].tables[0]
    anchors = B.make_anchors((1, 1), 16, (32,), (0.5, 1.0, 2.0)) + [32, 16, 32, 16]  # cell (1, 2)
    labels, _ = B.assign_anchors(anchors, truth, pos_threshold=0.7, neg_threshold=0.3)
    names = {1: "positive", 0: "negative", -1: "ignored"}
    assert [table[k + 1, 2].get_text().get_text() for k in range(3)] == [names[v] for v in labels]
    with pytest.raises(ValueError, match="exactly one box"):
        P.plot_rpn(IMAGE, np.zeros((2, 4)))
    with pytest.raises(ValueError, match="stride must be at most the image's shorter side"):
        P.plot_rpn(IMAGE[:8], truth, stride=16)
    with pytest.raises(ValueError, match="at most 16 anchors"):
        P.plot_rpn(IMAGE, truth, stride=16, sizes=(8, 16, 24, 32, 40, 48))


def test_region_detectors_and_ssd_figures():
    fig = P.plot_region_detectors()
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert {"R-CNN", "Fast R-CNN", "Faster R-CNN"} <= set(labels)
    fig = P.plot_ssd_default_boxes(IMAGE, grids=(4, 2), scales=(0.3, 0.6), aspect_ratios=(1.0, 2.0))
    assert [len(ax.patches) for ax in fig.axes] == [3, 3]  # the lit cell and two default boxes
    with pytest.raises(ValueError, match="same length"):
        P.plot_ssd_default_boxes(IMAGE, grids=(4, 2), scales=(0.3,))


def test_head_objectness_shows_the_best_anchor_per_cell():
    obj = np.zeros((2, 3, 2))
    obj[1, 2, 1] = 0.8
    fig = P.plot_head_objectness(IMAGE, [obj], ["2x3"])
    shown = fig.axes[1].images[1].get_array()
    assert shown.shape == (2, 3) and shown[1, 2] == 0.8 and shown.sum() == pytest.approx(0.8)
    with pytest.raises(ValueError, match="probabilities"):
        P.plot_head_objectness(IMAGE, [obj + 2], ["x"])
    with pytest.raises(TypeError, match="titles must be a non-empty list"):
        P.plot_head_objectness(IMAGE, [obj], [])


def test_pr_curves_label_their_ap():
    p, r = evaluation.precision_recall([0.9, 0.8, 0.7], [True, False, True], 2)
    fig = P.plot_pr_curves({"x": (p, r)})
    text = fig.axes[0].get_legend().get_texts()[0].get_text()
    assert text == f"x (AP {evaluation.average_precision(p, r):.2f})"
    with pytest.raises(TypeError, match="envelope must be True or False"):
        P.plot_pr_curves({"x": (p, r)}, envelope="yes")
    with pytest.raises(TypeError, match="size must be a"):
        P.plot_pr_curves({"x": (p, r)}, size=3)
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"size\[0\] must be finite"):  # checked even with ax
        P.plot_pr_curves({"x": (p, r)}, ax=ax, size=(np.nan, 3.0))
