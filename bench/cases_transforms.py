"""Geometric transforms (chapters/04_transforms.ipynb): our warp against cv2.warpAffine.

Records (stable names):

* ``warp_affine/ours_ms``, ``warp_affine/opencv_ms`` - median time to rotate + scale the
  512x512 RGB astronaut (float32, bilinear), OpenCV on one thread like NumPy;
* ``warp_affine/vs_opencv`` - the ratio of the two (informative: OpenCV is SIMD C++);
* ``warp_affine/bilinear_max_abs_diff``, ``warp_affine/bilinear_mean_abs_diff`` - largest and
  mean |ours - cv2| on [0, 1] over three angle/scale pairs (targets <= 0.02 and <= 5e-4: OpenCV
  rounds source coordinates to 1/32 pixel, we do not);
* ``warp_affine/nearest_equal_share`` - share of pixels equal with INTER_NEAREST (>= 0.99);
* ``rotation_matrix/max_abs_diff`` - largest |ours - cv2.getRotationMatrix2D| over 1,000 random
  cases (target 0: equal to the last bit).
"""

from __future__ import annotations

import numpy as np
from timing import median_ms


def run(record) -> None:
    import cv2

    from helpers import transforms
    from helpers.data import load_photo
    from helpers.image import as_float_image

    image = as_float_image(load_photo("astronaut"))
    h, w = image.shape[:2]
    m = transforms.rotation_matrix((255.5, 255.5), 33, 0.8)
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        ours = median_ms(lambda: transforms.warp_affine(image, m), 9, warmup=1)
        theirs = median_ms(lambda: cv2.warpAffine(image, m, (w, h)), 9, warmup=1)
    finally:
        cv2.setNumThreads(threads)
    record("warp_affine/ours_ms", ours, "ms")
    record("warp_affine/opencv_ms", theirs, "ms")
    record("warp_affine/vs_opencv", ours / theirs, "x")

    worst, means, equal = 0.0, [], []
    for angle, scale in [(33, 0.8), (-70, 1.3), (5, 1.0)]:
        m = transforms.rotation_matrix((255.5, 255.5), angle, scale)
        diff = np.abs(transforms.warp_affine(image, m) - cv2.warpAffine(image, m, (w, h)))
        worst, means = max(worst, float(diff.max())), [*means, float(diff.mean())]
        near = transforms.warp_affine(image, m, interpolation="nearest")
        ref = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_NEAREST)
        equal.append(float(np.mean(np.all(near == ref, axis=2))))
    record("warp_affine/bilinear_max_abs_diff", worst, "", "<= 0.02")
    record("warp_affine/bilinear_mean_abs_diff", max(means), "", "<= 0.0005")
    record("warp_affine/nearest_equal_share", min(equal), "", ">= 0.99")

    rng = np.random.default_rng(0)
    largest = 0.0
    for _ in range(1000):
        c, a, s = tuple(rng.uniform(-500, 500, 2)), rng.uniform(-360, 360), rng.uniform(0.1, 3)
        diff = np.abs(transforms.rotation_matrix(c, a, s) - cv2.getRotationMatrix2D(c, a, s))
        largest = max(largest, float(diff.max()))
    record("rotation_matrix/max_abs_diff", largest, "", "<= 0")
