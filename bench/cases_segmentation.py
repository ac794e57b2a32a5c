"""Classical segmentation (chapters/06_segmentation.ipynb): speed and agreement with OpenCV.

Records (stable names):

* ``otsu/ours_ms``, ``otsu/opencv_ms`` - Otsu's threshold of the 512x512 camera photo;
  ``otsu/mismatches`` - images out of 500 random uint8 images where our threshold differs from
  ``cv2.threshold(..., THRESH_OTSU)`` (target 0);
* ``adaptive/ours_ms``, ``adaptive/opencv_ms`` - adaptive mean and Gaussian thresholds of the
  scanned page (block 35); ``adaptive/mismatched_pixels`` - pixels that differ from
  ``cv2.adaptiveThreshold`` over both methods and three block sizes (target 0);
* ``region_grow/fast_ms``, ``region_grow/naive_ms``, ``region_grow/skimage_flood_ms`` - one coin
  of the coins photo grown from its centre with tolerance 60;
* ``kmeans/ours_ms``, ``kmeans/opencv_ms`` - one k-means++ run, k = 8, on the 26,800 colours of
  the coffee photo (every third pixel); ``kmeans/compactness_vs_opencv`` - our best of five seeds
  over OpenCV's best of five (target <= 1.01).

OpenCV runs on one thread, like NumPy.
"""

from __future__ import annotations

import numpy as np
from timing import median_ms


def run(record) -> None:
    import cv2
    import skimage.segmentation

    from helpers import segmentation
    from helpers.data import load_photo
    from helpers.image import as_float_image

    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        camera, page, coins = load_photo("camera"), load_photo("page"), load_photo("coins")
        otsu_flags = cv2.THRESH_BINARY + cv2.THRESH_OTSU
        record("otsu/ours_ms", median_ms(lambda: segmentation.threshold_otsu(camera), 30, 3), "ms")
        record("otsu/opencv_ms",
               median_ms(lambda: cv2.threshold(camera, 0, 255, otsu_flags), 30, 3), "ms")
        rng = np.random.default_rng(0)
        bad = 0
        for _ in range(500):
            image = rng.integers(0, int(rng.integers(2, 257)), tuple(rng.integers(1, 64, 2)))
            image = image.astype(np.uint8)
            bad += segmentation.threshold_otsu(image) != int(cv2.threshold(image, 0, 255,
                                                                           otsu_flags)[0])
        record("otsu/mismatches", bad, "images", "<= 0")

        record("adaptive/ours_ms",
               median_ms(lambda: segmentation.adaptive_threshold(page, 35, 10, "gaussian"), 15, 2),
               "ms")
        flag = cv2.ADAPTIVE_THRESH_GAUSSIAN_C
        record("adaptive/opencv_ms",
               median_ms(lambda: cv2.adaptiveThreshold(page, 255, flag, cv2.THRESH_BINARY, 35, 10),
                         15, 2), "ms")
        mismatched = 0
        for method, cv_flag in (("mean", cv2.ADAPTIVE_THRESH_MEAN_C), ("gaussian", flag)):
            for block, c in ((11, 2), (35, 10), (75, 5.5)):
                ours = segmentation.adaptive_threshold(page, block, c, method)
                theirs = cv2.adaptiveThreshold(page, 255, cv_flag, cv2.THRESH_BINARY, block, c) > 0
                mismatched += int(np.sum(ours != theirs))
        record("adaptive/mismatched_pixels", mismatched, "px", "<= 0")

        seed = (186, 347)
        record("region_grow/fast_ms",
               median_ms(lambda: segmentation.region_grow(coins, seed, 60), 15, 2), "ms")
        record("region_grow/naive_ms",
               median_ms(lambda: segmentation.region_grow_naive(coins, seed, 60), 5, 1), "ms")
        record("region_grow/skimage_flood_ms",
               median_ms(lambda: skimage.segmentation.flood(coins, seed, tolerance=60,
                                                            connectivity=1), 15, 2), "ms")

        pixels = as_float_image(load_photo("coffee")[::3, ::3]).reshape(-1, 3)
        samples = pixels.astype(np.float32)
        criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 100, 1e-4)

        def opencv(seed: int) -> float:
            cv2.setRNGSeed(seed)
            return cv2.kmeans(samples, 8, None, criteria, 1, cv2.KMEANS_PP_CENTERS)[0]

        record("kmeans/ours_ms", median_ms(lambda: segmentation.kmeans(pixels, 8, rng=0), 5, 1),
               "ms")
        record("kmeans/opencv_ms", median_ms(lambda: opencv(0), 5, 1), "ms")
        ours = min(segmentation.kmeans(pixels, 8, rng=s).compactness for s in range(5))
        theirs = min(opencv(s) for s in range(5))
        record("kmeans/compactness_vs_opencv", ours / theirs, "ratio", "<= 1.01")
    finally:
        cv2.setNumThreads(threads)
