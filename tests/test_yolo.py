"""Tests for helpers.yolo (chapter 13): the grid target, decoding, detections after NMS."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import yolo as D


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




def test_yolo_encode_refuses_absurd_grids():
    with pytest.raises(ValueError, match="more than 50,000,000 values"):
        D.yolo_encode(np.zeros((0, 4)), np.zeros(0, int), image_size=4096, grid_size=1024,
                      num_classes=100)
    with pytest.raises(ValueError, match="grid_size must be an integer >= 1 and <= 16"):
        D.yolo_encode(np.zeros((0, 4)), np.zeros(0, int), image_size=16, grid_size=17,
                      num_classes=1)


# -- anchored heads (YOLOv3 / v4): cfg, grid layout, decoding --------------------------------
TINY_CFG = """[net]
width=64   # input
height=32
[convolutional]
filters=21
[yolo]
mask = 1,2
anchors = 4,6,  10,12,  20,8
classes=2
scale_x_y = 1.2
[route]
layers=-2
[yolo]
mask = 0
anchors = 4,6,  10,12,  20,8
classes=2
"""


def test_read_yolo_cfg_takes_masks_anchors_and_scale_from_the_text():
    cfg = D.read_yolo_cfg(TINY_CFG)
    assert cfg.input_size == (32, 64) and cfg.anchors.shape == (3, 2)
    first, second = cfg.heads
    assert first.layer == 1 and first.mask == (1, 2) and first.scale_x_y == 1.2
    np.testing.assert_array_equal(first.anchors, [[10, 12], [20, 8]])
    assert second.layer == 3 and second.mask == (0,) and second.scale_x_y == 1.0
    assert second.num_classes == 2
    assert D.parse_darknet_cfg(TINY_CFG)[1] == ("convolutional", {"filters": "21"})


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[yolo]\nmask=0\n", r"start with a \[net\] section"),
        ("[net]\nwidth=8\n", "integer height= and width="),
        ("[net]\nwidth=8\nheight=8\n[convolutional]\n", r"no \[yolo\] layer"),
        ("[net]\nwidth=8\nheight=8\n[yolo]\nanchors=1,2,3\n", "anchors must be w,h pairs"),
        ("[net]\nwidth=8\nheight=8\n[yolo]\nanchors=1,2\nmask=1\n", "mask must index the 1"),
        ("[net]\nwidth=8\nheight=8\n[yolo]\nanchors=1,x\n", "comma-separated list of floats"),
        ("width=8\n", "line 1 is not"),
        ("[net]\nwidth=8\nheight=8\n[yolo]\nanchors=1,2\nscale_x_y=9\n", r"scale_x_y in \[1, 4\]"),
    ],
)
def test_read_yolo_cfg_rejects_broken_cfgs(text, match):
    with pytest.raises(ValueError, match=match):
        D.read_yolo_cfg(text)


def test_parse_darknet_cfg_checks_its_argument():
    with pytest.raises(TypeError, match="text must be the text of a Darknet .cfg"):
        D.parse_darknet_cfg(None)
    with pytest.raises(ValueError, match="at most 1,000,000 characters"):
        D.parse_darknet_cfg("#" * 1_000_001)


def test_yolo_head_grid_is_the_reshape_darknet_writes(rng):
    raw = rng.normal(size=(1, 3 * 7, 4, 5)).astype(np.float32)  # A=3, C=2, Sy=4, Sx=5
    grid = D.yolo_head_grid(raw, 3)
    assert grid.shape == (4, 5, 3, 7)
    for i, j, a, c in [(0, 0, 0, 0), (3, 4, 2, 6), (1, 2, 1, 4)]:
        assert grid[i, j, a, c] == raw[0, a * 7 + c, i, j]  # channel a * (5 + C) + c
    np.testing.assert_array_equal(D.yolo_head_grid(raw[0], 3), grid)
    with pytest.raises(ValueError, match="not num_anchors x"):
        D.yolo_head_grid(raw, 4)
    with pytest.raises(ValueError, match="one image"):
        D.yolo_head_grid(np.concatenate([raw, raw]), 3)


def test_decode_head_analytic_centres_and_sizes():
    head = np.zeros((2, 4, 1, 6))  # t = 0 everywhere: centre of each cell, exactly the anchor
    boxes, obj, probs = D.yolo_decode_head(head, [[8.0, 4.0]], input_size=(16, 32))
    assert boxes.shape == (8, 4) and obj.tolist() == [0.5] * 8 and probs.shape == (8, 1)
    np.testing.assert_allclose(boxes[0], [0.0, 2.0, 8.0, 6.0])  # cell (0, 0): centre (4, 4)
    np.testing.assert_allclose(boxes[5], [8.0, 10.0, 16.0, 14.0])  # row 1, column 1: (12, 12)
    head[..., 2] = np.log(2.0)  # e^t_w = 2: twice the anchor's width
    np.testing.assert_allclose(D.yolo_decode_head(head, [[8.0, 4.0]], input_size=(16, 32))[0][0],
                               [-4.0, 2.0, 12.0, 6.0])
    # scale_x_y stretches the offset around the cell's middle: sigmoid -> 0 gives -(s - 1) / 2.
    head[..., :2] = -50.0
    left = D.yolo_decode_head(head, [[8.0, 4.0]], input_size=(16, 32), scale_x_y=1.2)[0][0]
    np.testing.assert_allclose((left[0] + left[2]) / 2, -0.1 * 8)


def test_decode_head_naive_equals_vectorised(rng):
    for k in range(20):
        sy, sx, a, c = (int(v) for v in rng.integers(1, 6, 4))
        head = rng.normal(0, 2, (sy, sx, a, 5 + c))
        anchors = rng.uniform(2, 50, (a, 2))
        kwargs = {"input_size": (int(rng.integers(8, 500)), int(rng.integers(8, 500))),
                  "scale_x_y": float(rng.uniform(1, 2))}
        for got, want in zip(D.yolo_decode_head_naive(head, anchors, **kwargs),
                             D.yolo_decode_head(head, anchors, **kwargs), strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9, err_msg=f"case {k}")


def test_decode_head_clamps_absurd_scales_and_checks_input():
    head = np.full((1, 1, 1, 6), 1e4)
    boxes = D.yolo_decode_head(head, [[1.0, 1.0]], input_size=8)[0]
    assert np.isfinite(boxes).all()
    with pytest.raises(ValueError, match=r"anchors must be \(A, 2\) .* A = 1"):
        D.yolo_decode_head(head, [[1.0, 1.0], [2.0, 2.0]], input_size=8)
    with pytest.raises(ValueError, match=r"head must be \(Sy, Sx, A, 5 \+ C\) with C >= 1"):
        D.yolo_decode_head(np.zeros((1, 1, 1, 5)), [[1.0, 1.0]], input_size=8)
    with pytest.raises(ValueError, match="head must be 4-D"):
        D.yolo_decode_head(np.zeros((1, 1, 6)), [[1.0, 1.0]], input_size=8)
    with pytest.raises(ValueError, match="scale_x_y must be"):
        D.yolo_decode_head(head, [[1.0, 1.0]], input_size=8, scale_x_y=0.5)
    with pytest.raises(ValueError, match="input_size must be an integer"):
        D.yolo_decode_head(head, [[1.0, 1.0]], input_size=10**9)


def test_yolo_detect_is_decode_threshold_and_nms(rng):
    from helpers import ops

    cfg = D.read_yolo_cfg(TINY_CFG)
    heads = [rng.normal(0, 2, (4, 8, 2, 7)), rng.normal(0, 2, (2, 4, 1, 7))]
    boxes, scores, classes = D.yolo_decode_heads(heads, cfg, image_shape=(100, 300))
    assert boxes.shape == (4 * 8 * 2 + 2 * 4, 4) and (boxes[:, 2] <= 300).all()
    cand = np.flatnonzero(scores > 0.3)
    for per_class in (True, False):
        got = D.yolo_detect(heads, cfg, image_shape=(100, 300), score_threshold=0.3,
                            iou_threshold=0.4, per_class=per_class)
        keep = (ops.batched_nms(boxes[cand], scores[cand], classes[cand], 0.4) if per_class
                else ops.nms(boxes[cand], scores[cand], 0.4))
        np.testing.assert_array_equal(got[0], boxes[cand][keep])
        np.testing.assert_array_equal(got[2], classes[cand][keep])
    with pytest.raises(ValueError, match="one grid per"):
        D.yolo_decode_heads(heads[:1], cfg, image_shape=(100, 300))
    with pytest.raises(ValueError, match=r"heads\[1\] must be \(Sy, Sx, 1, 7\)"):
        D.yolo_decode_heads([heads[0], heads[0]], cfg, image_shape=(100, 300))
    with pytest.raises(TypeError, match="config must be a YoloConfig"):
        D.yolo_detect(heads, None, image_shape=(100, 300))
