"""Tests for helpers.ops (chapter 13): NMS, sliding windows, OverFeat's form, RoI pooling.

Reference: torchvision.ops (nms, batched_nms, roi_pool) and torch.nn.functional.conv2d.
NMS: identical kept indices (order included) on 500+ random cases with tied scores, identical
boxes, zero-area boxes and IoUs exactly at the threshold, in float32 and float64. roi_pool: equal
to 1e-6, with torchvision's two ways of giving regions ((K, 5) rows and a list per image).
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import ops as D
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


def test_nms_spanning_several_blocks_matches_torchvision_and_naive(rng):
    # nms works in blocks of NMS_BLOCK boxes: cases of up to 5 blocks, crowded and sparse.
    torch = pytest.importorskip("torch")
    from torchvision.ops import nms

    for k in range(40):
        n = int(rng.integers(D.NMS_BLOCK - 3, 5 * D.NMS_BLOCK))
        dtype = np.float32 if k % 2 else np.float64
        boxes = random_boxes(rng, n, grid=k % 3 == 0, dtype=dtype)
        scores = random_scores(rng, n).astype(dtype)
        thr = THRESHOLDS[k % len(THRESHOLDS)]
        ref = nms(torch.from_numpy(boxes), torch.from_numpy(scores), thr).numpy()
        np.testing.assert_array_equal(D.nms(boxes, scores, thr), ref, err_msg=f"case {k}")
        if k % 8 == 0:
            np.testing.assert_array_equal(D.nms_naive(boxes, scores, thr), ref)


def _opencv_rects(boxes):
    # cv2.dnn.NMSBoxes takes (x, y, w, h) rectangles (Rect2d as float tuples).
    return [tuple(float(v) for v in (x1, y1, x2 - x1, y2 - y1)) for x1, y1, x2, y2 in boxes]


def test_nms_and_batched_nms_match_opencv(rng):
    # OpenCV's NMSBoxes / NMSBoxesBatched, the functions chapter 13 compares with on the
    # YOLOv4-tiny photos. Conventions that differ (so not drawn here): OpenCV suppresses two
    # zero-area boxes (its IoU 0 / 0 is NaN, and it keeps a box only if IoU <= t), and it
    # rebuilds x2 as x + w, which can move an IoU that is exactly at the threshold by one ulp.
    cv2 = pytest.importorskip("cv2")
    for k in range(200):
        n = int(rng.integers(1, 300))
        xy = rng.uniform(0, 300, (n, 2))
        boxes = np.c_[xy, xy + rng.uniform(1, 80, (n, 2))]
        scores = 0.01 + (np.round(rng.random(n) * 4) / 4 if k % 3 == 0 else rng.random(n))
        thr = float(rng.choice([0.3, 0.45, 0.5, 0.7]))
        classes = rng.integers(0, 3, n)
        rects = _opencv_rects(boxes)
        ref = np.asarray(cv2.dnn.NMSBoxes(rects, scores.tolist(), 0.0, thr)).reshape(-1)
        np.testing.assert_array_equal(D.nms(boxes, scores, thr), ref, err_msg=f"case {k}")
        ref = np.asarray(cv2.dnn.NMSBoxesBatched(rects, scores.tolist(), classes.tolist(), 0.0,
                                                 thr)).reshape(-1)
        np.testing.assert_array_equal(D.batched_nms(boxes, scores, classes, thr), ref)


def test_nms_refuses_absurd_box_counts():
    with pytest.raises(ValueError, match="at most 100,000 boxes"):
        D.nms(np.zeros((100_001, 4)), np.zeros(100_001), 0.5)


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
    with pytest.raises(TypeError, match=r"image_shape must be a pair \(H, W\).*shape\[:2\]"):
        D.sliding_windows((64, 96, 3), window=8, stride=8)
    with pytest.raises(ValueError, match="use a larger stride"):
        D.sliding_windows((16384, 16384), window=1, stride=1)


def test_window_scores_conv_equals_naive_and_torch(rng):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    for stride in (1, 2, 3):
        f = rng.normal(size=(2, 3, 13, 11))           # a batch of two maps, (N, C, H, W)
        w, b = rng.normal(size=(4, 3 * 5 * 5)), rng.normal(size=4)
        conv = D.window_scores_conv(f, w, b, window=5, stride=stride)
        np.testing.assert_allclose(conv, D.window_scores_naive(f, w, b, window=5, stride=stride),
                                   atol=1e-9)
        ref = F.conv2d(torch.from_numpy(f), torch.from_numpy(w.reshape(4, 3, 5, 5)),
                       torch.from_numpy(b), stride=stride).numpy()
        np.testing.assert_allclose(conv, ref, atol=1e-9)
    with pytest.raises(ValueError, match="weight must have C \\* window \\* window = 75"):
        D.window_scores_conv(f, w[:, :-1], b, window=5, stride=1)
    with pytest.raises(ValueError, match=r"features must be 4-D \(N, C, H, W\)"):
        D.window_scores_naive(f[0], w, b, window=5, stride=1)


def test_roi_pool_matches_torchvision(rng):
    torch = pytest.importorskip("torch")
    from torchvision.ops import roi_pool

    for k in range(N_CASES // 10):
        dtype = np.float32 if k % 2 else np.float64
        f = rng.normal(size=(2, 3, 12, 16)).astype(dtype)
        # 10 regions per image: 1,000 in total, some outside the map, some of zero size, some
        # with coordinates at exact halves (rounding).
        xy = rng.uniform(-8, 60, (20, 2))
        rois = np.concatenate([xy, xy + rng.uniform(0, 40, (20, 2))], 1)
        rois[::3] = np.round(rois[::3] * 2) / 2
        rois = rois.astype(dtype)
        size, scale = [(2, 2), (3, 4), (7, 7)][k % 3], [0.25, 0.5, 1.0][k % 3]
        per_image = [rois[:10], rois[10:]]
        ref = roi_pool(torch.from_numpy(f), [torch.from_numpy(r) for r in per_image], size,
                       scale).numpy()
        np.testing.assert_allclose(D.roi_pool(f, per_image, size, scale), ref, atol=1e-6)
        # The (K, 5) form with image indices, in any order, is torchvision's other form.
        rows = np.c_[np.repeat([1, 0], 10), rois].astype(dtype)
        ref5 = roi_pool(torch.from_numpy(f), torch.from_numpy(rows), size, scale).numpy()
        np.testing.assert_allclose(D.roi_pool(f, rows, size, scale), ref5, atol=1e-6)


def test_roi_pool_rejects_bad_input():
    with pytest.raises(ValueError, match=r"features must be 4-D \(N, C, H, W\)"):
        D.roi_pool(np.zeros((1, 4, 4)), [[[0, 0, 1, 1]]], 2)
    with pytest.raises(ValueError, match="spatial_scale must be > 0"):
        D.roi_pool(np.zeros((1, 1, 4, 4)), [[[0, 0, 1, 1]]], 2, spatial_scale=0)
    with pytest.raises(ValueError, match="one \\(L, 4\\) box array per image \\(1\\); got 2"):
        D.roi_pool(np.zeros((1, 1, 4, 4)), [[[0, 0, 1, 1]], [[0, 0, 1, 1]]], 2)
    with pytest.raises(ValueError, match=r"rois\[:, 0\] must be image indices in 0..0"):
        D.roi_pool(np.zeros((1, 1, 4, 4)), np.array([[1, 0, 0, 1, 1]]), 2)
    with pytest.raises(ValueError, match=r"rois must be \(K, 5\) rows"):
        D.roi_pool(np.zeros((1, 1, 4, 4)), np.zeros((2, 4)), 2)


def test_roi_pool_refuses_absurd_sizes():
    with pytest.raises(ValueError, match="output_size must be an integer >= 1 and <= 1024"):
        D.roi_pool(np.zeros((1, 1, 4, 4)), [np.array([[0, 0, 1, 1]])], 5000)
    with pytest.raises(ValueError, match="more than 100 million values"):
        D.roi_pool(np.zeros((1, 200, 4, 4)), [np.zeros((1000, 4))], 32)
