"""Corners and features (chapters/05_corners.ipynb): ours against OpenCV, speed and agreement.

Records (stable names):

* ``harris/ours_ms``, ``harris/opencv_ms``, ``harris/vs_opencv`` - cornerHarris on the 512x512
  camera photo (float32, block 2, ksize 3), OpenCV on one thread;
* ``harris/max_rel_diff`` - largest |ours - cv2.cornerHarris| / max|R| over photos, block sizes
  and apertures (target <= 1e-5: OpenCV works in float32);
* ``shi_tomasi/max_rel_diff`` - the same for cv2.cornerMinEigenVal (ksize 3);
* ``corner_peaks/good_features_same_share`` - share of cv2.goodFeaturesToTrack's corners that
  corner_peaks also returns (>= 0.99; measured 1.0, same order);
* ``sift_pair/correct_match_share``, ``sift_pair/ransac_inlier_share``,
  ``sift_pair/reprojection_mean_px``, ``sift_pair/reprojection_max_px`` - SIFT + ratio 0.75 +
  RANSAC on the astronaut and its copy rotated 30 degrees, scaled 0.8, noise 0.02, errors
  against the known transform on a 12x12 grid.
"""

from __future__ import annotations

import numpy as np
from timing import median_ms


def run(record) -> None:
    import cv2

    from helpers import features
    from helpers.data import load_photo
    from helpers.image import as_float_image

    camera = as_float_image(load_photo("camera"))
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        ours = median_ms(lambda: features.harris_response(camera, 2, 3, 0.04), 9, warmup=1)
        theirs = median_ms(lambda: cv2.cornerHarris(camera, 2, 3, 0.04), 9, warmup=1)
    finally:
        cv2.setNumThreads(threads)
    record("harris/ours_ms", ours, "ms")
    record("harris/opencv_ms", theirs, "ms")
    record("harris/vs_opencv", ours / theirs, "x")

    harris_rel, shi_rel, same = 0.0, 0.0, []
    for name in ("camera", "coins", "astronaut"):
        img = as_float_image(load_photo(name, gray=True))
        for block, ksize in [(2, 3), (3, 3), (5, 5), (7, 7)]:
            ref = cv2.cornerHarris(img, block, ksize, 0.04)
            got = features.harris_response(img, block, ksize, 0.04)
            harris_rel = max(harris_rel, float(np.abs(got - ref).max() / np.abs(ref).max()))
        for block in (2, 3, 5):
            ref = cv2.cornerMinEigenVal(img, block, 3)
            got = features.shi_tomasi_response(img, block, 3)
            shi_rel = max(shi_rel, float(np.abs(got - ref).max() / np.abs(ref).max()))
        want = cv2.goodFeaturesToTrack(img, 500, 0.01, 10, blockSize=3).reshape(-1, 2)
        got = features.corner_peaks(features.shi_tomasi_response(img, 3, 3), quality=0.01,
                                    min_distance=10, max_corners=500)
        common = {tuple(p) for p in got.tolist()} & {tuple(p) for p in want.tolist()}
        same.append(len(common) / len(want))
    record("harris/max_rel_diff", harris_rel, "", "<= 1e-05")
    record("shi_tomasi/max_rel_diff", shi_rel, "", "<= 1e-05")
    record("corner_peaks/good_features_same_share", min(same), "", ">= 0.99")

    astronaut = load_photo("astronaut", gray=True)
    rotated, truth = features.make_rotated_pair(astronaut, angle=30, scale=0.8, noise=0.02, rng=0)
    kp1, d1 = features.sift_features(astronaut)
    kp2, d2 = features.sift_features(rotated)
    pairs = features.match_descriptors(d1, d2, 0.75)
    src, dst = kp1[pairs[:, 0], :2], kp2[pairs[:, 1], :2]
    estimate, inliers = features.estimate_homography(src, dst, threshold=3.0, seed=0)
    grid = np.stack(np.meshgrid(np.linspace(0, 511, 12), np.linspace(0, 511, 12)), -1)
    error = features.reprojection_error(estimate, grid.reshape(-1, 2), truth)
    record("sift_pair/correct_match_share", features.correct_matches(src, dst, truth).mean(), "",
           ">= 0.9")
    record("sift_pair/ransac_inlier_share", inliers.mean(), "", ">= 0.9")
    record("sift_pair/reprojection_mean_px", error.mean(), "px", "<= 1")
    record("sift_pair/reprojection_max_px", error.max(), "px", "<= 2")
