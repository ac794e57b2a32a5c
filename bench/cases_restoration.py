"""Restoration (chapters/07_restoration.ipynb): speed, agreement with scikit-image and OpenCV,
and the Wiener target.

Records (stable names):

* ``wiener/ours_ms`` - one Wiener filter of the 512x512 camera with the mirrored border (FFTs on
  1024x1024); ``wiener/skimage_periodic_ms`` - scikit-image's periodic Wiener on 512x512;
* ``wiener/gain_db`` - PSNR gain of the best balance over the degraded camera (Gaussian PSF,
  sigma 2, reflected borders, noise 0.01; target >= 2 dB);
* ``richardson_lucy/ours_ms``, ``richardson_lucy/skimage_ms`` - 30 iterations on a 256x256 crop;
  ``richardson_lucy/max_diff_vs_skimage`` - largest difference on float64 (target <= 1e-6);
* ``bilateral/ours_ms``, ``bilateral/opencv_ms`` - diameter 9 on the uint8 camera (OpenCV on one
  thread); ``bilateral/max_diff_float32`` - largest difference on float32 (target <= 1e-5).
"""

from __future__ import annotations

import numpy as np
from timing import median_ms


def run(record) -> None:
    import cv2
    import skimage.restoration

    from helpers import restoration
    from helpers.data import load_photo
    from helpers.filters import psnr
    from helpers.image import as_float_image

    camera_u8 = load_photo("camera")
    camera = as_float_image(camera_u8).astype(np.float64)
    psf = restoration.gaussian_psf(2.0)
    degraded = restoration.degrade(camera, psf, 0.01, rng=0)

    record("wiener/ours_ms", median_ms(lambda: restoration.wiener(degraded, psf, 1e-2), 10, 2),
           "ms")
    identity = np.ones((1, 1))
    record("wiener/skimage_periodic_ms",
           median_ms(lambda: skimage.restoration.wiener(degraded, psf, 1e-2, reg=identity,
                                                        clip=False), 10, 2), "ms")
    best = max(psnr(camera, restoration.wiener(degraded, psf, k)) for k in np.logspace(-4, 0, 17))
    record("wiener/gain_db", best - psnr(camera, degraded), "dB", ">= 2")

    crop = np.clip(degraded[128:384, 128:384], 0, None)
    record("richardson_lucy/ours_ms",
           median_ms(lambda: restoration.richardson_lucy(crop, psf, 30), 5, 1), "ms")
    record("richardson_lucy/skimage_ms",
           median_ms(lambda: skimage.restoration.richardson_lucy(crop, psf, num_iter=30,
                                                                 clip=False), 5, 1), "ms")
    diff = np.abs(restoration.richardson_lucy(crop, psf, 30)
                  - skimage.restoration.richardson_lucy(crop, psf, num_iter=30, clip=False)).max()
    record("richardson_lucy/max_diff_vs_skimage", float(diff), "abs", "<= 1e-6")

    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        record("bilateral/ours_ms",
               median_ms(lambda: restoration.bilateral_filter(camera_u8, 9, 30, 3), 5, 1), "ms")
        record("bilateral/opencv_ms",
               median_ms(lambda: cv2.bilateralFilter(camera_u8, 9, 30, 3), 10, 2), "ms")
        f32 = camera.astype(np.float32)
        diff32 = np.abs(restoration.bilateral_filter(f32, 9, 0.1, 3)
                        - cv2.bilateralFilter(f32, 9, 0.1, 3)).max()
        record("bilateral/max_diff_float32", float(diff32), "abs", "<= 1e-5")
    finally:
        cv2.setNumThreads(threads)
