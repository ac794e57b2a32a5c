"""Chapter 22's explorers driven from Python (each against the algorithm helper it wraps) and
its static figures (smoke: they draw without error and return a figure)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from helpers import centernet, nas, text_detection, trajectories  # noqa: E402
from helpers.widgets import frontiers as WF  # noqa: E402


def test_centernet_explorer_follows_the_sliders():
    ex = WF._bench_centernet()
    for thr in (0.1, 0.5, 0.9):
        for window in (1, 3, 5):
            ex.set(threshold=thr, window=window)
            assert ex.error is None
            boxes, scores, _ = centernet.centernet_decode(ex.heatmap, ex.size, ex.offset,
                                                          threshold=ex.controls["threshold"].value,
                                                          window=window)
            np.testing.assert_allclose(ex.result["boxes"], boxes)
            assert ex.result["found"] <= len(ex.truth)
    ex.set(threshold=0.98, window=3)
    low = len(ex.result["boxes"])
    ex.set(threshold=0.1, window=1)
    assert len(ex.result["boxes"]) >= low   # a lower threshold and no pooling keeps more
    assert ex.result["found"] == len(ex.truth)  # the targets' own peaks find every object
    assert ex._heat_title.get_text() == "heatmap; cyan: peaks above 0.10, 1x1 maxima"


def test_centernet_explorer_rejects_bad_input():
    ex = WF._bench_centernet()
    with pytest.raises(ValueError, match="class_names"):
        WF.centernet_explorer(ex.picture, ex.heatmap, ex.size, ex.offset, class_names=["a"],
                              truth_boxes=ex.truth, truth_labels=ex.truth_labels)
    with pytest.raises(TypeError, match="class_names"):
        WF.centernet_explorer(ex.picture, ex.heatmap, ex.size, ex.offset, class_names=None,
                              truth_boxes=ex.truth, truth_labels=ex.truth_labels)


def test_craft_explorer_follows_the_sliders():
    ex = WF._bench_craft()
    ex.set(text_threshold=0.7, low_text=0.4, link_threshold=0.4)
    assert ex.error is None
    expected = text_detection.group_words(ex.region, ex.affinity, text_threshold=0.7,
                                          link_threshold=0.4, low_text=0.4)
    np.testing.assert_array_equal(ex.result["labels"], expected)
    assert ex.result["matched"] == len(ex.truth)  # exact targets: every word found
    ex.set(link_threshold=0.95)                   # no links: words fall apart into letters
    assert len(ex.result["boxes"]) > len(ex.truth)
    # The picture states each threshold in its own text, and counts words in good English.
    assert [m.get_text() for m in ex._marks] == ["peak \u2265 0.70", "characters \u2265 0.40",
                                                 "links \u2265 0.95"]
    n = len(ex.result["boxes"])
    assert ex._title.get_text() == f"{n} words found (green), truth dotted"
    ex.set(link_threshold=0.4)
    assert ex._title.get_text() == "1 word found (green), truth dotted"


def test_nas_budget_explorer_follows_the_sliders():
    ex = WF._bench_nas_budget()
    for budget in ex.budgets[::3]:
        for n in (1, 8, 16):
            ex.set(budget=budget, candidates=n)
            assert ex.error is None
            for name, recs in ex.searches.items():
                pool = [r for r in recs[:n] if r["macs"] <= budget]
                best = ex.result["best"][name]
                if pool:
                    assert best["accuracy"] == max(r["accuracy"] for r in pool)
                else:
                    assert best is None
    with pytest.raises(TypeError, match="baseline"):
        WF.nas_budget_explorer(ex.searches, baseline=1.0)
    with pytest.raises(ValueError, match="searches"):
        WF.nas_budget_explorer({"a": []})


def test_multipath_explorer_follows_the_controls():
    ex = WF._bench_multipath()
    for k in (4, 8):
        for h in (1, 8):
            ex.set(anchors=k, history=h, agent=3)
            assert ex.error is None
            modes, probs = ex.predictions[(k, h)]
            ade, fde = trajectories.min_ade_fde(modes[3:4], probs[3:4], ex.future[3:4],
                                                k=min(6, k))
            assert ex.result["ade"] == pytest.approx(ade)
            assert ex.result["fde"] == pytest.approx(fde)
    # The view holds every future of the bench's agents; modes that end outside it (here moved
    # 100 m ahead or 60 m aside) still get their probability written inside the axes.
    (x0, x1), (y0, y1) = ex._XLIM, ex._YLIM
    for key, (modes, _) in ex.predictions.items():
        ends = modes[:, :, -1]
        assert ((ends[..., 0] >= x0) & (ends[..., 0] <= x1) & (ends[..., 1] >= y0)
                & (ends[..., 1] <= y1)).all(), f"{key}: a predicted mode ends outside the view"
    for shift in ((0, 100), (60, 0), (-60, -60)):
        moved = {key: (modes + np.array(shift, float), probs)
                 for key, (modes, probs) in ex.predictions.items()}
        far = WF.multipath_explorer(moved, history=ex.history, future=ex.future,
                                    distance=ex.distance, anchors=ex.anchors)
        far.figure.canvas.draw()
        inside = far.figure.axes[0].get_window_extent().expanded(1.001, 1.001)
        shown = [label for label in far._probs if label.get_visible()]
        assert shown
        for label in shown:
            box = label.get_window_extent()
            assert inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1), (
                f"shift {shift}: probability {label.get_text()} drawn outside the axes")
    with pytest.raises(TypeError, match="predictions"):
        WF.multipath_explorer([], history=ex.history, future=ex.future, distance=ex.distance,
                              anchors={})


def test_static_figures_draw():
    from helpers import frontiers_plots as FP

    assert FP.plot_radius_rule(5, 6, min_overlap=0.3) is not None
    images, boxes, labels = __import__("helpers.shapes", fromlist=["x"]).make_detection_dataset(
        2, image_size=64, rng=0)
    heat = centernet.centernet_heatmap(boxes[0], labels[0], num_classes=3, image_size=64)
    assert FP.show_centernet_targets(images[0], boxes[0], heat,
                                     class_names=("a", "b", "c")) is not None
    imgs, quads, words, _ = text_detection.make_text_dataset(1, max_words=2, rng=1)
    region, affinity = text_detection.craft_targets(quads[0], words[0],
                                                    image_size=imgs.shape[1])
    assert FP.show_text_targets(imgs[0], quads[0], words[0], region, affinity) is not None
    score = lambda a: 0.9 + 0.001 * a.width  # noqa: E731
    searches = {"random": nas.random_search(score, n=8, rng=0)}
    assert FP.plot_search_results(searches) is not None
    assert FP.plot_search_progress(searches) is not None
    assert FP.plot_supernet() is not None
    data = trajectories.make_agent_dataset(50, rng=0)
    assert FP.plot_agents(data, [0, 1, 2]) is not None
    anchors = trajectories.trajectory_anchors(data["future"], 4, rng=0)
    assert FP.plot_anchors(anchors, data["future"]) is not None
    assert FP.road_segments(10.0).ndim == 3
    matplotlib.pyplot.close("all")
