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
