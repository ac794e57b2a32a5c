"""helpers.features against OpenCV."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import features


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_integral_image_equals_cv2_integral(rng, dtype):
    cv2 = pytest.importorskip("cv2")
    for _ in range(20):
        h, w = rng.integers(1, 40, 2)
        img = (rng.random((h, w)) * 255).astype(dtype)
        want = cv2.integral(img, sdepth=cv2.CV_64F)
        np.testing.assert_allclose(features.integral_image(img), want, rtol=1e-12, atol=1e-9)


def test_integral_image_box_sum_in_four_lookups(rng):
    img = rng.integers(0, 256, (30, 40), dtype=np.uint8)
    s = features.integral_image(img)
    assert s.shape == (31, 41) and s.dtype == np.int64
    y0, y1, x0, x1 = 3, 17, 5, 29
    assert s[y1, x1] - s[y0, x1] - s[y1, x0] + s[y0, x0] == int(img[y0:y1, x0:x1].sum())


def test_integral_image_rejects_colour():
    with pytest.raises(ValueError, match=r"image must be 2-D \(H, W\).*to_gray"):
        features.integral_image(np.zeros((4, 4, 3)))
