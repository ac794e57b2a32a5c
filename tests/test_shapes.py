"""Tests for helpers.shapes: the synthetic data's ground truth is exact and reproducible."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import shapes
from helpers.boxes import box_iou


def test_detection_dataset_shapes_and_reproducibility():
    a = shapes.make_detection_dataset(5, rng=7)
    b = shapes.make_detection_dataset(5, rng=np.random.default_rng(7))
    assert a[0].shape == (5, 64, 64, 3) and a[0].dtype == np.uint8
    np.testing.assert_array_equal(a[0], b[0])
    for x, y in zip(a[1] + a[2], b[1] + b[2], strict=True):
        np.testing.assert_array_equal(x, y)


def test_boxes_are_tight_and_objects_do_not_overlap(rng):
    images, boxes, labels = shapes.make_detection_dataset(40, max_objects=4, rng=rng)
    for b, lab in zip(boxes, labels, strict=True):
        assert 1 <= len(b) <= 4 and len(lab) == len(b)
        assert ((b[:, 2:] - b[:, :2]) >= 12).all() and ((b[:, 2:] - b[:, :2]) <= 28).all()
        assert (b >= 0).all() and (b <= 64).all()
        iou = box_iou(b, b)
        assert np.allclose(iou[~np.eye(len(b), dtype=bool)], 0)


@pytest.mark.parametrize("kind", shapes.SHAPE_CLASSES)
@pytest.mark.parametrize(("w", "h"), [(3, 3), (5, 3), (12, 20), (28, 14)])
def test_shape_mask_touches_all_four_sides(kind, w, h):
    m = shapes.shape_mask(kind, w, h)
    assert m.shape == (h, w)
    assert m[0].any() and m[-1].any() and m[:, 0].any() and m[:, -1].any()


def test_shape_pixels_are_exactly_in_their_box():
    # On a constant background, the pixels that changed are exactly the shapes' masks.
    images, boxes, labels = shapes.make_detection_dataset(1, max_objects=1, rng=11,
                                                          backgrounds=("gravel",))
    x1, y1, x2, y2 = boxes[0][0].astype(int)
    mask = shapes.shape_mask(shapes.SHAPE_CLASSES[labels[0][0]], x2 - x1, y2 - y1)
    colours = images[0][y1:y2, x1:x2][mask]
    assert (colours == colours[0]).all()  # one flat colour over the whole mask


def test_landmark_dataset():
    images, points = shapes.make_landmark_dataset(10, image_size=32, rng=3)
    assert images.shape == (10, 32, 32, 3) and points.shape == (10, 3, 2)
    assert (points[:, 0, 0] < points[:, 1, 0]).all()  # left eye left of the right (|tilt| <= 30)
    assert (points[:, 2, 1] > points[:, :2, 1].mean(1) - 1).all()  # mouth below the eyes
    mouth = np.round(points[:, 2] - 0.5).astype(int)
    reds = images[np.arange(10), mouth[:, 1], mouth[:, 0]]
    np.testing.assert_array_equal(reds, np.tile([190, 20, 30], (10, 1)))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n": 0}, ValueError, "n must be an integer >= 1 and <= 20000; got 0"),
        ({"n": 10**9}, ValueError, "n must be an integer >= 1 and <= 20000"),
        ({"n": 20_000, "image_size": 256}, ValueError, "more than 256 MB"),
        ({"n": 1, "min_size": 10**9}, ValueError, "min_size must be an integer >= 3 and <= 64"),
        ({"n": 1, "backgrounds": ()}, ValueError, "backgrounds must name at least one photo"),
        ({"n": 1, "backgrounds": None}, TypeError, "backgrounds must be a tuple"),
        ({"n": 1, "classes": 3}, TypeError, "classes must be a tuple"),
        ({"n": 1, "max_size": 80}, ValueError, "max_size must be an integer >= 12 and <= 64"),
        ({"n": 1, "min_size": 20, "max_size": 10}, ValueError, "max_size must be an integer >= 20"),
        ({"n": 1, "classes": ("hexagon",)}, ValueError, "classes must be one of"),
        ({"n": 1, "classes": ()}, ValueError, "at least one shape"),
        ({"n": 1, "backgrounds": ("mars",)}, ValueError, "backgrounds must be one of"),
    ],
)
def test_detection_dataset_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        shapes.make_detection_dataset(**kwargs, rng=0)


def test_rng_is_required_and_checked():
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        shapes.make_detection_dataset(1, rng=None)
    with pytest.raises(ValueError, match="kind must be one of"):
        shapes.shape_mask("star", 5, 5)
    with pytest.raises(ValueError, match="image_size must be an integer >= 24"):
        shapes.make_landmark_dataset(1, image_size=8, rng=0)
    with pytest.raises(ValueError, match="width must be an integer >= 3 and <= 4096"):
        shapes.shape_mask("ellipse", 10**9, 5)
