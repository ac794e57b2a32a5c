"""Tests for helpers.detection, its widgets and checks (chapter 13).

Reference: torchvision.ops (nms, batched_nms, roi_pool) and torch.nn.functional.conv2d.
NMS: identical kept indices (order included) on 500+ random cases with tied scores, identical
boxes, zero-area boxes and IoUs exactly at the threshold, in float32 and float64. roi_pool: equal
to 1e-6. AP has no reference library installed; it is checked on hand-computed cases.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import detection as D
from helpers.checks.detection import check_nms, check_yolo_cell
from tests.test_boxes import N_CASES, random_boxes


def random_scores(rng, n):
    # Half the cases have heavily tied scores (5 levels), half continuous ones.
    return (rng.integers(0, 5, n) / 4 if rng.random() < 0.5 else rng.random(n))


THRESHOLDS = (0.0, 0.1, 0.2, 0.25, 0.3, 0.5, 0.7, 1.0)


# -- NMS -------------------------------------------------------------------------------------
def test_nms_analytic():
    boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 5]]
    np.testing.assert_array_equal(D.nms(boxes, [0.9, 0.8, 0.7, 0.6], 0.5), [0, 2, 3])
    np.testing.assert_array_equal(D.nms(boxes, [0.9, 0.8, 0.7, 0.6], 0.49), [0, 2])
    assert D.nms(np.zeros((0, 4)), np.zeros(0), 0.5).shape == (0,)


def test_nms_exactly_at_threshold_in_float32_matches_torchvision():
    torch = pytest.importorskip("torch")
    from torchvision.ops import nms

    # IoU = 30 / 100: 0.3 in float32 is 0.30000001 > 0.3, so torchvision suppresses.
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 3]], np.float32)
    scores = np.array([0.9, 0.8], np.float32)
    ref = nms(torch.from_numpy(boxes), torch.from_numpy(scores), 0.3).numpy()
    np.testing.assert_array_equal(D.nms(boxes, scores, 0.3), ref)
    np.testing.assert_array_equal(D.nms_naive(boxes, scores, 0.3), ref)
    np.testing.assert_array_equal(D.nms(boxes.astype(float), scores, 0.3), [0, 1])  # 0.3 == 0.3


def test_nms_matches_torchvision(rng):
    torch = pytest.importorskip("torch")
    from torchvision.ops import nms

    for k in range(N_CASES):
        dtype = np.float32 if k % 2 else np.float64
        n = int(rng.integers(0, 40))
        boxes = random_boxes(rng, n, grid=k % 4 != 0, dtype=dtype)
        scores = random_scores(rng, n).astype(dtype)
        thr = THRESHOLDS[k % len(THRESHOLDS)] if k % 5 else float(rng.random())
        ref = nms(torch.from_numpy(boxes), torch.from_numpy(scores), thr).numpy()
        np.testing.assert_array_equal(D.nms(boxes, scores, thr), ref, err_msg=f"case {k}")
        if k % 10 == 0:
            np.testing.assert_array_equal(D.nms_naive(boxes, scores, thr), ref)


def test_batched_nms_matches_torchvision(rng):
    torch = pytest.importorskip("torch")
    from torchvision.ops import batched_nms

    for k in range(N_CASES):
        n = int(rng.integers(0, 40))
        dtype = np.float32 if k % 2 else np.float64
        boxes = random_boxes(rng, n, grid=k % 4 != 0, dtype=dtype)
        scores = random_scores(rng, n).astype(dtype)
        classes = rng.integers(0, 3, n)
        thr = THRESHOLDS[k % len(THRESHOLDS)]
        ref = batched_nms(torch.from_numpy(boxes), torch.from_numpy(scores),
                          torch.from_numpy(classes), thr).numpy()
        np.testing.assert_array_equal(D.batched_nms(boxes, scores, classes, thr), ref,
                                      err_msg=f"case {k}")


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (([[0, 0, 1, 1]], [0.5], -0.1), "iou_threshold must be >= 0 and <= 1; got -0.1"),
        (([[0, 0, 1, 1]], [0.5], float("nan")), "iou_threshold must be finite"),
        (([[0, 0, 1, 1]], [0.5, 0.2], 0.5), "one value per box; got 2 scores for 1 boxes"),
        (([[1, 0, 0, 1]], [0.5], 0.5), "x1 <= x2"),
        (([[0, 0, 1, 1]], [float("nan")], 0.5), "scores contains NaN"),
        (([[0, 0, 1, 1, 1]], [0.5], 0.5), r"4 numbers per box .* got shape \(1, 5\)"),
    ],
)
def test_nms_rejects_bad_input(args, match):
    for fn in (D.nms, D.nms_naive):
        with pytest.raises(ValueError, match=match):
            fn(*args)
    with pytest.raises(ValueError, match=match):
        D.batched_nms(args[0], args[1], [0] * len(args[1]), args[2])


# -- sliding windows, OverFeat, RoI pooling --------------------------------------------------
def test_sliding_windows_count():
    w = D.sliding_windows((64, 96), window=32, stride=8)
    assert len(w) == ((64 - 32) // 8 + 1) * ((96 - 32) // 8 + 1)
    with pytest.raises(ValueError, match="window must be an integer >= 1 and <= 64"):
        D.sliding_windows((64, 96), window=65, stride=8)


def test_window_scores_conv_equals_naive_and_torch(rng):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    for stride in (1, 2, 3):
        f = rng.normal(size=(3, 13, 11))
        w, b = rng.normal(size=(4, 3 * 5 * 5)), rng.normal(size=4)
        conv = D.window_scores_conv(f, w, b, window=5, stride=stride)
        np.testing.assert_allclose(conv, D.window_scores_naive(f, w, b, window=5, stride=stride),
                                   atol=1e-9)
        ref = F.conv2d(torch.from_numpy(f)[None], torch.from_numpy(w.reshape(4, 3, 5, 5)),
                       torch.from_numpy(b), stride=stride)[0].numpy()
        np.testing.assert_allclose(conv, ref, atol=1e-9)
    with pytest.raises(ValueError, match="weight must have C \\* window \\* window = 75"):
        D.window_scores_conv(f, w[:, :-1], b, window=5, stride=1)


def test_roi_pool_matches_torchvision(rng):
    torch = pytest.importorskip("torch")
    from torchvision.ops import roi_pool

    for k in range(N_CASES // 10):
        dtype = np.float32 if k % 2 else np.float64
        f = rng.normal(size=(3, 12, 16)).astype(dtype)
        # 10 regions per map: 500 in total, some outside the map, some of zero size, some with
        # coordinates at exact halves (rounding).
        xy = rng.uniform(-8, 60, (10, 2))
        rois = np.concatenate([xy, xy + rng.uniform(0, 40, (10, 2))], 1)
        rois[::3] = np.round(rois[::3] * 2) / 2
        rois = rois.astype(dtype)
        size, scale = [(2, 2), (3, 4), (7, 7)][k % 3], [0.25, 0.5, 1.0][k % 3]
        ref = roi_pool(torch.from_numpy(f)[None], [torch.from_numpy(rois)], size, scale).numpy()
        np.testing.assert_allclose(D.roi_pool(f, rois, size, scale), ref, atol=1e-6)


def test_roi_pool_rejects_bad_input():
    with pytest.raises(ValueError, match=r"features must be 3-D \(C, H, W\)"):
        D.roi_pool(np.zeros((4, 4)), [[0, 0, 1, 1]], 2)
    with pytest.raises(ValueError, match="spatial_scale must be > 0"):
        D.roi_pool(np.zeros((1, 4, 4)), [[0, 0, 1, 1]], 2, spatial_scale=0)


# -- YOLO encode / decode / detect -----------------------------------------------------------
def test_yolo_encode_decode_round_trip(rng):
    from helpers.shapes import make_detection_dataset

    _, boxes, labels = make_detection_dataset(20, rng=rng)
    for b, lab in zip(boxes, labels, strict=True):
        t = D.yolo_encode(b, lab, image_size=64, grid_size=8, num_classes=3)
        assert t[..., 0].sum() == len(b)  # shapes never share a cell here
        db, ds, dc = D.detect(t, image_size=64, score_threshold=0.5)
        order = np.lexsort(b.T[::-1])
        got = np.lexsort(db.T[::-1])
        np.testing.assert_allclose(db[got], b[order], atol=1e-4)
        np.testing.assert_array_equal(dc[got], lab[order])


def test_yolo_encode_larger_box_wins_a_shared_cell():
    t = D.yolo_encode([[0, 0, 8, 8], [2, 2, 6, 6]], [0, 1], image_size=16, grid_size=2,
                      num_classes=2)
    assert t[0, 0, 0] == 1 and t[0, 0, 3] == 0.5 and t[0, 0, 5] == 1  # the 8x8 class-0 box


def test_yolo_rejects_bad_input():
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\)"):
        D.yolo_encode([[0, 0, 4, 4]], [2], image_size=16, grid_size=2, num_classes=2)
    with pytest.raises(ValueError, match=r"grid must have shape \(S, S, 5 \+ C\)"):
        D.yolo_decode(np.zeros((2, 3, 7)), image_size=16)
    with pytest.raises(ValueError, match="score_threshold must be >= 0"):
        D.detect(np.zeros((2, 2, 7)), image_size=16, score_threshold=-1)


# -- evaluation ------------------------------------------------------------------------------
def test_match_and_ap_hand_computed():
    tp = D.match_detections([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60], [20, 0, 30, 10]],
                            [0.9, 0.8, 0.7, 0.6], [[0, 0, 10, 10], [20, 0, 30, 10]])
    np.testing.assert_array_equal(tp, [True, False, False, True])
    p, r = D.precision_recall([0.9, 0.8, 0.7, 0.6], tp, 2)
    np.testing.assert_allclose(p, [1, 0.5, 1 / 3, 0.5])
    np.testing.assert_allclose(r, [0.5, 0.5, 0.5, 1.0])
    # AP = 0.5 * 1 (first half of recall at precision 1) + 0.5 * 0.5 = 0.75
    assert D.average_precision(p, r) == pytest.approx(0.75)
    assert D.average_precision([], []) == 0.0


def test_evaluate_detections_per_class():
    dets = [([[0, 0, 10, 10], [20, 0, 30, 10]], [0.9, 0.8], [0, 0]),
            ([[0, 0, 10, 10]], [0.5], [1])]
    truths = [([[0, 0, 10, 10]], [0]), ([[40, 40, 50, 50]], [1])]
    res = D.evaluate_detections(dets, truths, num_classes=3)
    assert res["ap"][0] == 1.0 and res["ap"][1] == 0.0 and np.isnan(res["ap"][2])
    assert res["map"] == 0.5
    with pytest.raises(ValueError, match="recall must be non-decreasing"):
        D.average_precision([1, 1], [0.5, 0.2])
    with pytest.raises(ValueError, match="the same images; got 2 and 1"):
        D.evaluate_detections(dets, truths[:1], num_classes=3)


# -- the tiny detector -----------------------------------------------------------------------
def test_models_reject_bad_images():
    pytest.importorskip("torch")
    with pytest.raises(ValueError, match=r"images must be \(N, H, W, 3\) RGB"):
        D.detector_predict(D.tiny_detector(3), np.zeros((1, 16, 16, 4)))
    with pytest.raises(ValueError, match="multiples of 8"):
        D.detector_predict(D.tiny_detector(3), np.zeros((1, 12, 16, 3)))
    with pytest.raises(ValueError, match=r"points must have shape \(2, P, 2\)"):
        D.train_landmarks(D.landmark_regressor(3), np.zeros((2, 24, 24, 3)), np.zeros((2, 3, 3)))


def test_tiny_detector_is_seeded_and_leaves_global_rng_alone():
    torch = pytest.importorskip("torch")
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a, b = D.tiny_detector(3, seed=1), D.tiny_detector(3, seed=1)
    assert torch.equal(torch.rand(1), before)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)


@pytest.mark.slow
def test_tiny_detector_reaches_ap50_target():
    """The issue's target, with the notebook's settings: AP@0.5 >= 0.8 on held-out images."""
    pytest.importorskip("torch")
    from helpers.shapes import make_detection_dataset

    train = make_detection_dataset(1500, rng=1)
    test = make_detection_dataset(300, rng=2)
    model = D.tiny_detector(3, width=8, seed=0)
    D.train_detector(model, *train, epochs=8, lr=5e-3, progress=False)
    grids = D.detector_predict(model, test[0])
    dets = [D.detect(g, image_size=64) for g in grids]
    res = D.evaluate_detections(dets, list(zip(test[1], test[2], strict=True)), num_classes=3)
    assert res["map"] >= 0.8, res["ap"]


# -- widgets ---------------------------------------------------------------------------------
def test_nms_explorer_follows_the_sliders():
    from helpers.widgets.detection import _fake_raw_output, nms_explorer

    image, raw, scores, classes, truth, _, names = _fake_raw_output()
    ex = nms_explorer(image, raw, scores, classes, class_names=names, truth=truth)
    ex.set(score_threshold=0.4, iou_threshold=0.3, per_class=False)
    cand = np.flatnonzero(scores > 0.4)
    np.testing.assert_array_equal(ex.result["kept"], cand[D.nms(raw[cand], scores[cand], 0.3)])
    assert f"NMS keeps {len(ex.result['kept'])}" in ex.readout.value
    ex.controls["score_threshold"].value = 1.0  # nothing left: still fine
    assert ex.error is None and "NMS keeps 0" in ex.readout.value
    with pytest.raises(ValueError, match="same length"):
        nms_explorer(image, raw, scores[:-1], classes, class_names=names)


def test_yolo_grid_explorer_cells():
    from helpers.widgets.detection import _fake_raw_output, yolo_grid_explorer

    image, _, _, _, truth, lab, names = _fake_raw_output()
    grid = D.yolo_encode(truth, lab, image_size=128, grid_size=16, num_classes=3)
    ex = yolo_grid_explorer(image, grid, class_names=names, truth_boxes=truth, truth_labels=lab)
    i, j = ex.result["cell"]
    assert grid[i, j, 0] == 1 and "responsible for" in ex.readout.value
    ex.set(row=0, col=0)
    if grid[0, 0, 0] == 0:
        assert "no object's centre" in ex.readout.value
    with pytest.raises(ValueError, match="5 \\+ 2 channels"):
        yolo_grid_explorer(image, grid, class_names=names[:2])


# -- checks ----------------------------------------------------------------------------------
def _stub(*_args):
    raise NotImplementedError("exercise not attempted yet")


def test_check_nms():
    assert check_nms(D.nms_naive).passed

    def ge_threshold(boxes, scores, thr):  # suppresses at IoU == threshold too
        return D.nms(boxes, scores, max(thr - 1e-9, 0))

    result = check_nms(ge_threshold)
    assert result.status == "failed" and "exactly at the threshold" in result.message
    assert check_nms(_stub).status == "not attempted"


def test_check_yolo_cell():
    def right(box, image_size, grid_size):
        cell = image_size / grid_size
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        return int(cy // cell), int(cx // cell), cx / cell - cx // cell, cy / cell - cy // cell

    def swapped(box, image_size, grid_size):  # (column, row): the classic mix-up
        i, j, tx, ty = right(box, image_size, grid_size)
        return j, i, tx, ty

    assert check_yolo_cell(right).passed
    result = check_yolo_cell(swapped)
    assert result.status == "failed" and "row 5, column 2" in result.message
    assert check_yolo_cell(_stub).status == "not attempted"
