"""Tests for helpers.boxes, its widgets and checks (chapter 12).

Reference: torchvision.ops (box_iou, box_convert, box_area, clip_boxes_to_image) and
torchvision's AnchorGenerator, Matcher and BoxCoder. Tolerance 1e-6 unless stated.
Convention differences, handled below:
* box_iou: 0 where the union is empty (torchvision: NaN = 0 / 0).
* make_anchors: centred on cell centres (torchvision: on cell corners, base anchors rounded).
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import boxes as B
from helpers.checks.boxes import check_box_iou, check_label_anchors

N_CASES = 500


def random_boxes(rng, n, *, grid=True, dtype=np.float64):
    """Boxes on an integer grid (so ties, duplicates and exact IoUs are common) or continuous,
    with zero-area boxes and exact duplicates mixed in."""
    if grid:
        xy = rng.integers(0, 20, (n, 2)).astype(float)
        wh = rng.integers(0, 10, (n, 2)).astype(float)  # zero width/height included
    else:
        xy = rng.uniform(0, 100, (n, 2))
        wh = rng.uniform(0, 30, (n, 2))
        wh[rng.random(n) < 0.05, 0] = 0.0
    b = np.concatenate([xy, xy + wh], 1)
    dup = rng.random(n) < 0.15
    if n:
        b[dup] = b[rng.integers(n, size=int(dup.sum()))]
    return b.astype(dtype)


# -- smoke, shapes, analytic cases ---------------------------------------------------------
def test_box_iou_analytic():
    a = [[0, 0, 2, 2]]
    iou = B.box_iou(a, [[1, 1, 3, 3], [0, 0, 2, 2], [2, 0, 4, 2], [0, 0, 1, 2], [1, 1, 1, 1]])
    np.testing.assert_allclose(iou, [[1 / 7, 1.0, 0.0, 0.5, 0.0]])
    assert iou.shape == (1, 5) and iou.dtype == np.float64


def test_box_iou_shapes_and_dtypes():
    a, b = np.zeros((3, 4), np.float32), np.ones((5, 4), np.float32)
    assert B.box_iou(a, b).shape == (3, 5) and B.box_iou(a, b).dtype == np.float32
    assert B.box_iou(np.zeros((0, 4)), b).shape == (0, 5)
    assert B.box_iou(a, np.zeros((0, 4))).shape == (3, 0)


def test_box_iou_naive_equals_fast(rng):
    for _ in range(50):
        a, b = random_boxes(rng, rng.integers(0, 8)), random_boxes(rng, rng.integers(1, 8))
        np.testing.assert_allclose(B.box_iou_naive(a, b), B.box_iou(a, b), atol=1e-12)


def test_conversions_round_trip(rng):
    b = random_boxes(rng, 50, grid=False)
    for fmt in ("xywh", "cxcywh"):
        np.testing.assert_allclose(B.box_convert(B.box_convert(b, "xyxy", fmt), fmt, "xyxy"), b,
                                   atol=1e-12)
    np.testing.assert_allclose(B.xywh_to_xyxy(B.xyxy_to_xywh(b)), b, atol=1e-12)
    np.testing.assert_allclose(B.cxcywh_to_xyxy(B.xyxy_to_cxcywh(b)), b, atol=1e-12)


def test_area_and_clip():
    np.testing.assert_array_equal(B.box_area([[0, 0, 2, 3], [1, 1, 1, 5]]), [6, 0])
    np.testing.assert_array_equal(B.clip_boxes([[-2, -1, 12, 50]], 8, 10), [[0, 0, 10, 8]])


def test_make_anchors_shape_area_and_ratio():
    a = B.make_anchors((3, 4), 16, sizes=(32, 64), aspect_ratios=(0.5, 1, 2))
    assert a.shape == (3 * 4 * 6, 4)
    w, h = a[:, 2] - a[:, 0], a[:, 3] - a[:, 1]
    np.testing.assert_allclose(w * h, np.tile([32**2, 64**2], 3 * 4 * 3))
    np.testing.assert_allclose(h / w, np.tile(np.repeat([0.5, 1, 2], 2), 12))
    np.testing.assert_allclose((a[:6, :2] + a[:6, 2:]) / 2, 8.0)  # first cell's centre


def test_assign_anchors_analytic():
    anchors = [[0, 0, 4, 4], [2, 0, 6, 4], [8, 8, 12, 12], [0, 0, 4, 2]]
    labels, matched = B.assign_anchors(anchors, [[0, 0, 4, 4]], pos_threshold=0.7,
                                       neg_threshold=0.3)
    np.testing.assert_array_equal(labels, [1, -1, 0, -1])  # IoUs 1, 1/3, 0, 1/2
    np.testing.assert_array_equal(matched, [0, 0, 0, 0])
    labels, _ = B.assign_anchors(anchors, np.zeros((0, 4)))
    np.testing.assert_array_equal(labels, 0)
    # A box no anchor reaches 0.7 with still gets its best anchor (low-quality match)...
    labels, _ = B.assign_anchors(anchors, [[1, 0, 5, 4]], pos_threshold=0.7, neg_threshold=0.3)
    assert labels[0] == 1 and labels[1] == 1
    # ...unless that is switched off.
    labels, _ = B.assign_anchors(anchors, [[1, 0, 5, 4]], allow_low_quality=False)
    assert (labels[:2] == -1).all()


def test_encode_decode_round_trip(rng):
    anchors = random_boxes(rng, 100, grid=False) + np.array([0, 0, 1, 1])
    boxes = random_boxes(rng, 100, grid=False) + np.array([0, 0, 1, 1])
    for w in ((1, 1, 1, 1), (10, 10, 5, 5)):
        d = B.encode_boxes(boxes, anchors, w)
        np.testing.assert_allclose(B.decode_boxes(d, anchors, w), boxes, atol=1e-9)


def test_encode_analytic():
    np.testing.assert_allclose(B.encode_boxes([[1, 0, 5, 8]], [[0, 0, 4, 4]]),
                               [[0.25, 0.5, 0.0, np.log(2)]])


# -- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ([[2, 0, 1, 1]], r"x1 <= x2 and y1 <= y2; box 0 is \[2.0, 0.0, 1.0, 1.0\]"),
        ([[0, 0, 1, float("nan")]], "a contains NaN"),
        ([[0, 0, 1]], r"4 numbers per box in its last axis, \(N, 4\); got shape \(1, 3\)"),
        ([0, 0, 1, 1], r"must be 2-D \(N, 4\); got shape \(4,\) - use a\[None\]"),
        ("0 0 1 1", "a must be a numeric array"),
    ],
)
def test_box_iou_rejects_bad_boxes(bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        B.box_iou(bad, [[0, 0, 1, 1]])


def test_other_helpers_reject_bad_input():
    with pytest.raises(ValueError, match="in_fmt must be one of"):
        B.box_convert([[0, 0, 1, 1]], "xyhw", "xyxy")
    with pytest.raises(ValueError, match="w >= 0 and h >= 0; box 0"):
        B.box_convert([[0, 0, -1, 1]], "xywh", "xyxy")
    with pytest.raises(ValueError, match="boxes must be"):
        B.box_area([[3, 3, 1, 1]])
    with pytest.raises(ValueError, match="height must be an integer"):
        B.clip_boxes([[0, 0, 1, 1]], 0, 5)
    with pytest.raises(ValueError, match="width must be an integer"):
        B.clip_boxes([[0, 0, 1, 1]], 5, 10**9)
    with pytest.raises(ValueError, match="aspect_ratios must be > 0"):
        B.make_anchors((2, 2), 8, sizes=(32,), aspect_ratios=(-1,))
    with pytest.raises(ValueError, match="sizes may hold at most 64"):
        B.make_anchors((2, 2), 8, sizes=np.arange(1, 100.0))
    with pytest.raises(ValueError, match="anchors must hold at least one"):
        B.assign_anchors(np.zeros((0, 4)), [[0, 0, 1, 1]])
    with pytest.raises(ValueError, match="at most 1,000,000 pairs"):
        B.box_iou_naive(np.zeros((1001, 4)), np.zeros((1000, 4)))
    with pytest.raises(TypeError, match="grid_shape must be a pair"):
        B.make_anchors(4, 8)
    with pytest.raises(ValueError, match="neg_threshold must be <= pos_threshold"):
        B.assign_anchors([[0, 0, 1, 1]], [[0, 0, 1, 1]], pos_threshold=0.3, neg_threshold=0.7)
    with pytest.raises(ValueError, match="pos_threshold must be >= 0"):
        B.assign_anchors([[0, 0, 1, 1]], [[0, 0, 1, 1]], pos_threshold=-0.1, neg_threshold=-0.2)
    with pytest.raises(ValueError, match="positive width and height"):
        B.encode_boxes([[0, 0, 0, 1]], [[0, 0, 1, 1]])
    with pytest.raises(ValueError, match="same shape"):
        B.encode_boxes([[0, 0, 1, 1]], [[0, 0, 1, 1], [0, 0, 2, 2]])
    with pytest.raises(ValueError, match="weights must be 4 positive numbers"):
        B.decode_boxes([[0, 0, 0, 0]], [[0, 0, 1, 1]], weights=(1, 1, 1))


# -- agreement with torchvision --------------------------------------------------------------
def test_box_iou_matches_torchvision(rng):
    torch = pytest.importorskip("torch")
    from torchvision.ops import box_iou

    for k in range(N_CASES):
        dtype = np.float32 if k % 2 else np.float64
        a = random_boxes(rng, rng.integers(1, 12), grid=k % 3 != 0, dtype=dtype)
        b = random_boxes(rng, rng.integers(1, 12), grid=k % 3 != 0, dtype=dtype)
        ours = B.box_iou(a, b)
        ref = box_iou(torch.from_numpy(a), torch.from_numpy(b)).numpy()
        nan = np.isnan(ref)  # 0 / 0: both boxes of zero area
        np.testing.assert_allclose(ours[~nan], ref[~nan], atol=1e-6)
        assert (ours[nan] == 0).all()


def test_box_convert_matches_torchvision(rng):
    torch = pytest.importorskip("torch")
    from torchvision.ops import box_convert

    fmts = B.BOX_FORMATS
    for k in range(N_CASES):
        xyxy = random_boxes(rng, rng.integers(1, 10), grid=k % 2 == 0)
        src, dst = fmts[k % 3], fmts[(k // 3) % 3]
        boxes = B.box_convert(xyxy, "xyxy", src)
        ref = box_convert(torch.from_numpy(boxes), src, dst).numpy()
        np.testing.assert_allclose(B.box_convert(boxes, src, dst), ref, atol=1e-6)


def test_make_anchors_matches_torchvision_up_to_half_a_stride():
    torch = pytest.importorskip("torch")
    from torchvision.models.detection.anchor_utils import AnchorGenerator

    sizes, ratios, stride = (32, 64), (0.25, 1.0, 4.0), 16  # whole-pixel base anchors
    gen = AnchorGenerator(sizes=(sizes,), aspect_ratios=(ratios,))
    gen.cell_anchors = [gen.generate_anchors(sizes, ratios)]
    ref = gen.grid_anchors([[3, 5]], [[torch.tensor(stride), torch.tensor(stride)]])[0].numpy()
    ours = B.make_anchors((3, 5), stride, sizes, ratios)
    np.testing.assert_allclose(ours - stride / 2, ref, atol=1e-6)


def test_assign_anchors_matches_torchvision_matcher(rng):
    torch = pytest.importorskip("torch")
    from torchvision.models.detection._utils import Matcher

    for k in range(N_CASES):
        anchors = random_boxes(rng, 30, grid=k % 2 == 0)
        truth = random_boxes(rng, rng.integers(1, 4), grid=k % 2 == 0) + np.array([0, 0, 1, 1])
        iou = B.box_iou(anchors, truth)
        if (iou.max(axis=0) == 0).any():
            continue  # documented difference: a box that touches no anchor
        hi, lo = sorted(rng.choice([0.2, 0.3, 0.5, 0.7, rng.random()], 2))[::-1]
        low_quality = bool(k % 3)
        labels, matched = B.assign_anchors(anchors, truth, pos_threshold=hi, neg_threshold=lo,
                                           allow_low_quality=low_quality)
        ref = Matcher(hi, lo, allow_low_quality_matches=low_quality)(
            torch.from_numpy(iou.T.copy())).numpy()
        expected = np.where(ref >= 0, 1, np.where(ref == -1, 0, -1))
        np.testing.assert_array_equal(labels, expected)
        np.testing.assert_array_equal(matched[ref >= 0], ref[ref >= 0])


def test_encode_decode_match_torchvision_boxcoder(rng):
    torch = pytest.importorskip("torch")
    from torchvision.models.detection._utils import BoxCoder

    for weights in ((1.0, 1.0, 1.0, 1.0), (10.0, 10.0, 5.0, 5.0)):
        coder = BoxCoder(weights)
        for _ in range(N_CASES // 2):
            anchors = random_boxes(rng, 8, grid=False) + np.array([0, 0, 0.5, 0.5])
            boxes = random_boxes(rng, 8, grid=False) + np.array([0, 0, 0.5, 0.5])
            ref = coder.encode_single(torch.from_numpy(boxes), torch.from_numpy(anchors)).numpy()
            np.testing.assert_allclose(B.encode_boxes(boxes, anchors, weights), ref, atol=1e-6)
            deltas = rng.normal(0, 1, (8, 4))
            ref = coder.decode_single(torch.from_numpy(deltas), torch.from_numpy(anchors)).numpy()
            np.testing.assert_allclose(B.decode_boxes(deltas, anchors, weights), ref,
                                       rtol=1e-6, atol=1e-6)


# -- widgets ---------------------------------------------------------------------------------
def test_iou_explorer_follows_the_sliders():
    from helpers.widgets.boxes import iou_explorer

    ex = iou_explorer(a=(0, 0, 40, 40), b=(20, 0, 40, 40))
    assert ex.result["iou"] == pytest.approx(1 / 3)
    assert "IoU = 0.333" in ex.readout.value
    ex.controls["b_x"].value = 0
    assert ex.result["iou"] == pytest.approx(1.0) and ex.result["union"] == 1600
    ex.set(a_w=0, a_h=0, b_w=0, b_h=0)
    assert ex.result["iou"] == 0 and ex.error is None and "zero area" in ex.readout.value
    with pytest.raises(ValueError, match=r"a\[2\] must be an integer >= 0 and <= 60"):
        iou_explorer(a=(0, 0, 99, 10))


def test_anchor_explorer_counts_and_bad_thresholds():
    from helpers.shapes import make_detection_dataset
    from helpers.widgets.boxes import anchor_explorer

    images, boxes, _ = make_detection_dataset(1, image_size=128, min_size=20, max_size=56,
                                              max_objects=4, rng=5)
    ex = anchor_explorer(images[0], boxes[0])
    ex.set(pos_threshold=0.5, neg_threshold=0.4)
    labels, _ = B.assign_anchors(ex.anchors, boxes[0], pos_threshold=0.5, neg_threshold=0.4)
    np.testing.assert_array_equal(ex.result["labels"], labels)
    assert f"{int((labels == 1).sum())} positive" in ex.readout.value
    ex.controls["neg_threshold"].value = 0.9  # above the positive threshold: a message
    assert ex.error and "neg_threshold must be <= pos_threshold" in ex.readout.value
    with pytest.raises(ValueError, match="truth must be"):
        anchor_explorer(images[0], [[5, 5, 1, 1]])
    with pytest.raises(ValueError, match="image must be at least stride = 16 pixels"):
        anchor_explorer(images[0][0], boxes[0])  # one row: (128, 3) read as a gray image
    empty = anchor_explorer(images[0], np.zeros((0, 4)))  # no objects: every anchor negative
    assert empty.error is None and (empty.result["labels"] == 0).all()


# -- checks ----------------------------------------------------------------------------------
def _iou_loops(a, b):  # correct, with loops (the check does not insist on broadcasting)
    out = np.zeros((len(a), len(b)))
    for i, p in enumerate(np.asarray(a, float)):
        for j, q in enumerate(np.asarray(b, float)):
            iw = max(0.0, min(p[2], q[2]) - max(p[0], q[0]))
            ih = max(0.0, min(p[3], q[3]) - max(p[1], q[1]))
            union = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - iw * ih
            out[i, j] = iw * ih / union if union > 0 else 0.0
    return out


def _iou_no_clamp(a, b):  # forgets that disjoint boxes have no intersection
    a, b = np.asarray(a, float)[:, None], np.asarray(b, float)[None]
    iw = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0])
    ih = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1])
    area = lambda x: (x[..., 2] - x[..., 0]) * (x[..., 3] - x[..., 1])  # noqa: E731
    return iw * ih / (area(a) + area(b) - iw * ih)


def _stub(*_args):
    raise NotImplementedError("exercise not attempted yet")


def test_check_box_iou():
    assert check_box_iou(B.box_iou).passed
    assert check_box_iou(_iou_loops).passed
    result = check_box_iou(_iou_no_clamp)
    assert result.status == "failed" and "far apart" in result.message
    assert "expected" in result.message and "got" in result.message
    transposed = check_box_iou(lambda a, b: B.box_iou(b, a))  # (M, N) instead of (N, M)
    assert transposed.status == "failed" and "one box against three" in transposed.message
    assert check_box_iou(_stub).status == "not attempted"


def test_check_label_anchors():
    def right(iou, pos, neg):
        return B.label_anchors(iou, pos_threshold=pos, neg_threshold=neg)

    def no_low_quality(iou, pos, neg):  # forgets each object's best anchor
        return B.label_anchors(iou, pos_threshold=pos, neg_threshold=neg,
                               allow_low_quality=False)

    assert check_label_anchors(right).passed
    result = check_label_anchors(no_low_quality)
    assert result.status == "failed" and "best anchor (IoU 0.45)" in result.message
    assert check_label_anchors(_stub).status == "not attempted"


def test_label_anchors_is_assign_anchors_labelling(rng):
    anchors = B.make_anchors((4, 4), 8, (8, 16), (0.5, 1.0, 2.0))
    for _ in range(20):
        truth = random_boxes(rng, 3, grid=False) + 1
        labels, _ = B.assign_anchors(anchors, truth, pos_threshold=0.5, neg_threshold=0.2)
        np.testing.assert_array_equal(
            B.label_anchors(B.box_iou(anchors, truth), pos_threshold=0.5, neg_threshold=0.2),
            labels)
    with pytest.raises(ValueError, match=r"iou values must be in \[0, 1\]"):
        B.label_anchors([[1.5]])
    with pytest.raises(ValueError, match="iou must not be empty"):
        B.label_anchors(np.zeros((0, 2)))


def test_box_area_and_clip_match_torchvision(rng):
    torch = pytest.importorskip("torch")
    from torchvision.ops import box_area, clip_boxes_to_image

    for k in range(N_CASES):
        b = random_boxes(rng, int(rng.integers(1, 10)), grid=k % 2 == 0) - 5.0
        tb = torch.from_numpy(b)
        np.testing.assert_allclose(B.box_area(b), box_area(tb).numpy(), atol=1e-6)
        np.testing.assert_allclose(B.clip_boxes(b, 12, 15),
                                   clip_boxes_to_image(tb, (12, 15)).numpy(), atol=1e-6)
