"""Motion (chapters/19_motion.ipynb): endpoint errors against the truth, ours against OpenCV.

Records (stable names):

* ``lk/<kind>/ours_epe_px``, ``lk/<kind>/opencv_epe_px`` - median endpoint error of pyramidal LK
  (window 21, levels 3) at Shi-Tomasi corners, against the exact truth, for each synthetic motion
  kind (translation, rotation, zoom, object; the chelsea photo, seeds 0-2 pooled) and the real
  Middlebury motorcycle pair (``lk/motorcycle/...``); targets: translation and object <= 0.1 px;
* ``lk/<kind>/ours_minus_opencv_px`` - ours minus OpenCV's median error (target <= 0.05 px);
* ``lk/<kind>/point_agreement_px`` - median distance between our and OpenCV's tracked points;
* ``lk/ours_ms``, ``lk/opencv_ms``, ``lk/vs_opencv`` - tracking 300 corners on a 192x256 pair,
  OpenCV on one thread;
* ``dense_lk/<kind>/epe_px``, ``farneback/<kind>/epe_px`` - median endpoint error of the dense
  flows (seed 0 of each kind, and the motorcycle);
* ``dense_lk/ms``, ``farneback/ms`` - a 192x256 pair;
* ``block_matching/exact_share`` - share of blocks (match inside the frame) whose vector equals
  a random integer shift, over 20 random textures (target >= 1.0);
* ``block_matching/ms`` - 8x8 blocks, search 8, on a 192x256 pair;
* ``match_template/random_max_abs_diff`` - largest |ours - cv2.matchTemplate(TM_CCOEFF_NORMED)|
  over random gray and colour, uint8 and float32 cases (target <= 1e-4);
* ``match_template/photo_max_abs_diff`` - the same on photos with templates cut from them (no
  target: OpenCV's float32 correlation loses digits on nearly flat windows, see helpers.motion);
* ``match_template/ours_ms``, ``match_template/opencv_ms`` - a 64x64 template in the 512x512
  camera photo.
"""

from __future__ import annotations

import numpy as np
from timing import median_ms


def _corners(features, image, n=300):
    return features.corner_peaks(features.shi_tomasi_response(image, 3, 3), quality=0.01,
                                 min_distance=8, max_corners=n)


def run(record) -> None:
    import cv2

    from helpers import features, motion
    from helpers.data import load_photo

    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        _run(record, cv2, features, motion, load_photo)
    finally:
        cv2.setNumThreads(threads)


def _lk_errors(cv2, features, motion, pairs):
    ours_all, cv_all, agree = [], [], []
    for pair in pairs:
        pts = _corners(features, pair.prev, 500)
        r = pts.astype(int)
        pts = pts[pair.valid[r[:, 1], r[:, 0]]]
        r = pts.astype(int)
        truth = pts + pair.flow[r[:, 1], r[:, 0]]
        ours, ok = motion.lucas_kanade(pair.prev, pair.next, pts, window=21, levels=3)
        theirs, cv_ok, _ = cv2.calcOpticalFlowPyrLK(pair.prev, pair.next, pts.astype(np.float32),
                                                   None, winSize=(21, 21), maxLevel=3)
        theirs = theirs.reshape(-1, 2)
        both = ok & (cv_ok.ravel() == 1)
        ours_all.append(np.hypot(*(ours - truth)[both].T))
        cv_all.append(np.hypot(*(theirs - truth)[both].T))
        agree.append(np.hypot(*(ours - theirs)[both].T))
    return (float(np.median(np.concatenate(ours_all))), float(np.median(np.concatenate(cv_all))),
            float(np.median(np.concatenate(agree))))


def _run(record, cv2, features, motion, load_photo) -> None:
    from helpers.image import as_float_image

    cat = load_photo("chelsea")
    moto = motion.motorcycle_pair()
    kinds = {kind: [motion.make_motion_pair(cat, kind, rng=seed) for seed in range(3)]
             for kind in motion.MOTION_KINDS}
    kinds["motorcycle"] = [moto]
    for kind, pairs in kinds.items():
        ours, theirs, agree = _lk_errors(cv2, features, motion, pairs)
        target = "<= 0.1" if kind in ("translation", "object") else None
        record(f"lk/{kind}/ours_epe_px", ours, "px", target)
        record(f"lk/{kind}/opencv_epe_px", theirs, "px")
        record(f"lk/{kind}/ours_minus_opencv_px", ours - theirs, "px", "<= 0.05")
        record(f"lk/{kind}/point_agreement_px", agree, "px", "<= 0.005")

    pair = kinds["translation"][0]
    pts = _corners(features, pair.prev, 300)
    pts32 = pts.astype(np.float32)
    ours_ms = median_ms(lambda: motion.lucas_kanade(pair.prev, pair.next, pts), 7, warmup=1)
    cv_ms = median_ms(lambda: cv2.calcOpticalFlowPyrLK(pair.prev, pair.next, pts32, None,
                                                       winSize=(21, 21), maxLevel=3), 7, warmup=1)
    record("lk/ours_ms", ours_ms, "ms")
    record("lk/opencv_ms", cv_ms, "ms")
    record("lk/vs_opencv", ours_ms / cv_ms, "x")

    for kind, pairs in kinds.items():
        q = pairs[0]
        dense = motion.lucas_kanade_dense(q.prev, q.next, window=15, levels=4)
        farneback = motion.farneback_flow(q.prev, q.next, levels=4)
        record(f"dense_lk/{kind}/epe_px", np.nanmedian(motion.endpoint_error(dense, q.flow,
                                                                               q.valid)), "px")
        record(f"farneback/{kind}/epe_px", np.nanmedian(motion.endpoint_error(farneback, q.flow,
                                                                                q.valid)), "px")
    record("dense_lk/ms", median_ms(lambda: motion.lucas_kanade_dense(pair.prev, pair.next), 5,
                                    warmup=1), "ms")
    record("farneback/ms", median_ms(lambda: motion.farneback_flow(pair.prev, pair.next), 5,
                                     warmup=1), "ms")

    rng = np.random.default_rng(19)
    exact = []
    for _ in range(20):
        prev = rng.integers(0, 256, (96, 128), dtype=np.uint8)
        dy, dx = (int(v) for v in rng.integers(-6, 7, 2))
        vectors = motion.block_matching(prev, np.roll(prev, (dy, dx), axis=(0, 1)), 8, 8)
        rows, cols = np.mgrid[0:12, 0:16] * 8
        inside = (rows + dy >= 0) & (rows + dy <= 88) & (cols + dx >= 0) & (cols + dx <= 120)
        exact.append(np.mean(np.all(vectors[inside] == (dy, dx), axis=1)))
    record("block_matching/exact_share", min(exact), "", ">= 1.0")
    record("block_matching/ms", median_ms(lambda: motion.block_matching(pair.prev, pair.next, 8, 8),
                                          5, warmup=1), "ms")

    worst = 0.0
    for trial in range(40):
        h, w = (int(v) for v in rng.integers(8, 120, 2))
        th, tw = int(rng.integers(1, h + 1)), int(rng.integers(1, w + 1))
        img = rng.integers(0, 256, (h, w, 3) if trial % 2 else (h, w)).astype(np.uint8)
        if trial % 4 >= 2:
            img = as_float_image(img)
        y, x = int(rng.integers(0, h - th + 1)), int(rng.integers(0, w - tw + 1))
        tpl = img[y : y + th, x : x + tw].copy()
        diff = motion.match_template(img, tpl) - cv2.matchTemplate(img, tpl, cv2.TM_CCOEFF_NORMED)
        worst = max(worst, float(np.abs(diff).max()))
    record("match_template/random_max_abs_diff", worst, "", "<= 0.0001")
    photo_worst = 0.0
    for name in ("camera", "astronaut", "coins"):
        img = load_photo(name, gray=True)
        for y, x, h, w in [(100, 120, 40, 60), (150, 30, 64, 64)]:
            tpl = img[y : y + h, x : x + w]
            diff = motion.match_template(img, tpl) - cv2.matchTemplate(img, tpl,
                                                                        cv2.TM_CCOEFF_NORMED)
            photo_worst = max(photo_worst, float(np.abs(diff).max()))
    record("match_template/photo_max_abs_diff", photo_worst, "")
    camera = load_photo("camera")
    tpl = camera[150:214, 30:94]
    record("match_template/ours_ms", median_ms(lambda: motion.match_template(camera, tpl), 5,
                                               warmup=1), "ms")
    record("match_template/opencv_ms", median_ms(
        lambda: cv2.matchTemplate(camera, tpl, cv2.TM_CCOEFF_NORMED), 5, warmup=1), "ms")
