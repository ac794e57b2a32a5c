"""helpers.features against OpenCV."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import features
from helpers.data import load_photo
from helpers.image import as_float_image
from helpers.transforms import transform_points


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


# -- corners -----------------------------------------------------------------------------------
# Stated tolerance: OpenCV computes the corner maps in float32, we in float64; they agree to
# 1e-5 of the largest |response| (measured: below 1e-6).
def _rel_err(ours, theirs):
    return float(np.abs(ours - theirs).max() / max(np.abs(theirs).max(), 1e-30))


@pytest.mark.parametrize("block_size", [1, 2, 3, 4, 5, 7])
@pytest.mark.parametrize("ksize", [1, 3, 5, 7])
def test_harris_equals_cv2_corner_harris(rng, block_size, ksize):
    cv2 = pytest.importorskip("cv2")
    for _ in range(3):
        h, w = rng.integers(12, 50, 2)
        img = rng.random((h, w)).astype(np.float32)
        k = float(rng.uniform(0.02, 0.15))
        want = cv2.cornerHarris(img, block_size, ksize, k)
        assert _rel_err(features.harris_response(img, block_size, ksize, k), want) < 1e-5


def test_harris_on_uint8_equals_cv2_which_scales_by_1_over_255():
    cv2 = pytest.importorskip("cv2")
    cam = load_photo("camera")[::2, ::2]
    assert _rel_err(features.harris_response(cam), cv2.cornerHarris(cam, 2, 3, 0.04)) < 1e-5


@pytest.mark.parametrize("block_size", [2, 3, 5])
def test_shi_tomasi_equals_cv2_corner_min_eig_val(rng, block_size):
    cv2 = pytest.importorskip("cv2")
    img = rng.random((40, 37)).astype(np.float32)
    want = cv2.cornerMinEigenVal(img, block_size, 3)
    assert _rel_err(features.shi_tomasi_response(img, block_size, 3), want) < 1e-5
    # Every aperture: the smaller eigenvalue of cv2.cornerEigenValsAndVecs (opencv-python hands
    # cornerMinEigenVal's ksize 1/5/7 to Intel IPP, which scales the derivatives differently).
    for ksize in (1, 5, 7):
        ev = cv2.cornerEigenValsAndVecs(img, block_size, ksize)
        want = np.minimum(ev[..., 0], ev[..., 1])
        assert _rel_err(features.shi_tomasi_response(img, block_size, ksize), want) < 1e-5


def test_structure_tensor_naive_equals_fast(rng):
    img = rng.random((13, 17))
    for block_size, ksize in [(1, 3), (2, 3), (3, 5), (4, 1)]:
        for a, b in zip(features.structure_tensor_naive(img, block_size, ksize),
                        features.structure_tensor(img, block_size, ksize), strict=True):
            np.testing.assert_allclose(a, b, atol=1e-12)


def test_window_sum_equals_cv2_box_filter(rng):
    cv2 = pytest.importorskip("cv2")
    img = rng.normal(size=(20, 23))
    for b in (1, 2, 3, 4, 7):
        want = cv2.boxFilter(img, -1, (b, b), normalize=False)
        np.testing.assert_allclose(features.window_sum(img, b), want, atol=1e-9)


def test_white_square_has_exactly_four_harris_corners():
    img = np.zeros((64, 64), np.float32)
    img[16:48, 20:52] = 1.0
    r = features.harris_response(img, 3, 3, 0.04)
    corners = features.corner_peaks(r, quality=0.1, min_distance=3)
    assert len(corners) == 4
    # Each within one pixel of a corner of the square (the step lies between pixels).
    want = np.array([[20, 16], [51, 16], [20, 47], [51, 47]], float)
    for c in want:
        assert np.min(np.abs(corners - c).max(axis=1)) <= 1.0
    # Along the edges the response is negative, on flat areas zero.
    assert r[32, 20] < 0 and abs(r[5, 5]) < 1e-12 and abs(r[32, 36]) < 1e-12


def test_threshold_alone_keeps_clusters_nms_keeps_one_per_corner():
    img = np.zeros((64, 64), np.float32)
    img[16:48, 20:52] = 1.0
    r = features.harris_response(img, 3, 3, 0.04)
    assert np.sum(r > 0.1 * r.max()) > 4 * 4  # several pixels per corner
    assert len(features.corner_peaks(r, quality=0.1, min_distance=1)) == 4


def test_corner_peaks_equals_good_features_to_track():
    cv2 = pytest.importorskip("cv2")
    for name in ("camera", "coins"):
        img = load_photo(name, gray=True).astype(np.float32) / np.float32(255)
        for quality, distance, n in [(0.01, 10, 300), (0.05, 5, 1000)]:
            want = cv2.goodFeaturesToTrack(img, n, quality, distance, blockSize=3).reshape(-1, 2)
            got = features.corner_peaks(features.shi_tomasi_response(img, 3, 3),
                                        quality=quality, min_distance=distance, max_corners=n)
            common = {tuple(p) for p in got.tolist()} & {tuple(p) for p in want.tolist()}
            assert len(common) >= 0.99 * len(want) and abs(len(got) - len(want)) <= 0.01 * n


# -- blobs -------------------------------------------------------------------------------------
def _discs(shape, discs):
    yy, xx = np.indices(shape)
    img = np.zeros(shape)
    for x, y, r in discs:
        img[(xx - x) ** 2 + (yy - y) ** 2 <= r * r] = 1.0
    return img


def test_log_blob_of_a_disc_at_sigma_r_over_sqrt2():
    img = _discs((120, 160), [(40, 40, 6), (110, 70, 14)])
    sigmas = np.geomspace(2, 16, 25)
    # Analytic: at its centre a disc of radius r gives -sigma^2 LoG = (r^2 / sigma^2)
    # exp(-r^2 / (2 sigma^2)), largest at sigma = r / sqrt(2), where it is 2 / e = 0.7358.
    # (The pixelated rims add weak fine-scale blobs near 0.3; the threshold keeps them out.)
    blobs = features.blob_peaks(features.log_scale_space(img, sigmas), sigmas, 0.5)
    assert len(blobs) == 2
    np.testing.assert_allclose(blobs[:, 3], 2 / np.e, rtol=0.02)
    step = sigmas[1] / sigmas[0]
    for (x, y, r) in [(40, 40, 6), (110, 70, 14)]:
        match = blobs[np.hypot(blobs[:, 0] - x, blobs[:, 1] - y) <= 1]
        assert len(match) == 1
        assert r / np.sqrt(2) / step <= match[0, 2] <= r / np.sqrt(2) * step


def test_log_scale_space_equals_scipy_and_agrees_with_skimage_blob_log():
    from scipy import ndimage

    feature = pytest.importorskip("skimage.feature")
    img = _discs((100, 100), [(30, 30, 5), (70, 60, 10)])
    sigmas = np.linspace(2, 10, 9)
    stack = features.log_scale_space(img, sigmas)
    want = -(sigmas[3] ** 2) * ndimage.gaussian_laplace(img, sigmas[3])
    np.testing.assert_allclose(stack[3], want)
    ours = features.blob_peaks(stack, sigmas, 0.1)
    theirs = feature.blob_log(img, min_sigma=2, max_sigma=10, num_sigma=9, threshold=0.1)
    # skimage: (row, col, sigma); same centres and sigmas.
    assert sorted(map(tuple, ours[:, [1, 0, 2]].tolist())) == sorted(map(tuple, theirs.tolist()))


def test_dog_approximates_the_normalised_log():
    img = _discs((80, 80), [(40, 40, 8)])
    sigmas = np.geomspace(2, 12, 12)
    dog = features.dog_scale_space(img, sigmas)
    log = features.log_scale_space(img, sigmas[:-1])
    corr = np.corrcoef(dog.ravel(), log.ravel())[0, 1]
    assert corr > 0.99
    assert np.argmax(dog[:, 40, 40]) == np.argmax(log[:, 40, 40])


# -- the SURF idea ------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [9, 15, 21])
def test_box_hessian_equals_dense_correlation_with_its_kernels(rng, size):
    from helpers.filters import correlate2d

    img = rng.random((40, 45))
    for got, kernel in zip(features.box_hessian(img, size), features.box_hessian_kernels(size),
                           strict=True):
        np.testing.assert_allclose(got, correlate2d(img, kernel), atol=1e-12)


def test_box_hessian_kernels_have_surfs_layout():
    dxx, dyy, dxy = features.box_hessian_kernels(9)
    w = np.rint(dyy * 81).astype(int)
    assert (w[0:3, 2:7] == 1).all() and (w[3:6, 2:7] == -2).all() and (w[6:9, 2:7] == 1).all()
    assert (w[:, [0, 1, 7, 8]] == 0).all()
    np.testing.assert_array_equal(dxx, dyy.T)
    q = np.rint(dxy * 81).astype(int)
    assert q[1:4, 1:4].sum() == 9 and q[5:8, 5:8].sum() == 9 and q[1:4, 5:8].sum() == -9
    assert (q[4] == 0).all() and (q[:, 4] == 0).all()


def test_box_hessian_approximates_the_gaussian_hessian():
    from scipy import ndimage

    img = as_float_image(load_photo("camera"))[100:228, 100:228].astype(np.float64)
    dxx, dyy, _ = features.box_hessian(img, 9)
    gxx = ndimage.gaussian_filter(img, 1.2, order=(0, 2))
    gyy = ndimage.gaussian_filter(img, 1.2, order=(2, 0))
    assert np.corrcoef(dxx.ravel(), gxx.ravel())[0, 1] > 0.9
    assert np.corrcoef(dyy.ravel(), gyy.ravel())[0, 1] > 0.9


def test_surf_response_peaks_at_a_blob_of_its_scale():
    # Filter size 9 approximates sigma 1.2, 15 sigma 2.0: discs of radius ~sigma sqrt(2).
    for radius, size in [(2, 9), (3, 15)]:
        r = features.surf_response(_discs((60, 60), [(30, 25, radius)]), size)
        assert np.unravel_index(np.argmax(r), r.shape) == (25, 30)


# -- SIFT, matching, homography ------------------------------------------------------------------
def test_ratio_test_and_matching_equal_cv2_bfmatcher(rng):
    cv2 = pytest.importorskip("cv2")
    d1 = rng.random((60, 32)).astype(np.float32)
    d2 = np.vstack([d1[:40] + rng.normal(0, 0.05, (40, 32)), rng.random((30, 32))]).astype(
        np.float32)
    for ratio in (0.5, 0.75, 0.9):
        knn = cv2.BFMatcher(cv2.NORM_L2).knnMatch(d1, d2, k=2)
        want = {(m.queryIdx, m.trainIdx) for m, n in knn if m.distance < ratio * n.distance}
        got = {tuple(p) for p in features.match_descriptors(d1, d2, ratio).tolist()}
        assert got == want
    np.testing.assert_allclose(features.descriptor_distances(d1, d2),
                               np.linalg.norm(d1[:, None] - d2[None], axis=2), atol=1e-4)


def test_ratio_test_at_the_threshold_is_strict():
    d = np.array([[3.0, 4.0], [3.0, 4.0001]])
    assert features.ratio_test(d, 0.75).tolist() == [[1, 0]]


def test_sift_pair_recovers_the_known_transform():
    pytest.importorskip("cv2")
    img = load_photo("astronaut", gray=True)[::2, ::2]
    warped, truth = features.make_rotated_pair(img, angle=30, scale=0.8, noise=0.02, rng=0)
    kp1, d1 = features.sift_features(img)
    kp2, d2 = features.sift_features(warped)
    assert kp1.shape[1] == 4 and d1.shape == (len(kp1), 128) and d1.dtype == np.float32
    pairs = features.match_descriptors(d1, d2, 0.75)
    p1, p2 = kp1[pairs[:, 0], :2], kp2[pairs[:, 1], :2]
    assert features.correct_matches(p1, p2, truth).mean() > 0.9
    h, inliers = features.estimate_homography(p1, p2, seed=0)
    assert inliers.mean() > 0.9
    grid = np.stack(np.meshgrid(np.arange(0, 256, 32), np.arange(0, 256, 32)), -1).reshape(-1, 2)
    assert features.reprojection_error(h, grid, truth).max() < 2.0
    # Seeded: the same answer twice.
    np.testing.assert_array_equal(features.estimate_homography(p1, p2, seed=0)[0], h)


def test_make_rotated_pair_is_seeded_and_true_matrix_is_right():
    img = np.zeros((31, 31))
    img[10, 20] = 1.0
    w1, m = features.make_rotated_pair(img, angle=90, scale=1.0, noise=0.0)
    ((tx, ty),) = transform_points(m, [[20, 10]])
    assert w1[int(round(ty)), int(round(tx))] == pytest.approx(1.0)
    a, _ = features.make_rotated_pair(img, noise=0.1, rng=3)
    b, _ = features.make_rotated_pair(img, noise=0.1, rng=3)
    np.testing.assert_array_equal(a, b)


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: features.harris_response(np.zeros((8, 8, 3))), ValueError, "to_gray"),
        (lambda: features.harris_response(np.zeros((8, 8)), block_size=0), ValueError,
         "block_size"),
        (lambda: features.harris_response(np.zeros((8, 8)), block_size=10**6), ValueError,
         "block_size"),
        (lambda: features.harris_response(np.zeros((8, 8)), ksize=4), ValueError, "ksize"),
        (lambda: features.harris_response(np.zeros((8, 8)), k=float("nan")), ValueError, "k"),
        (lambda: features.harris_response(np.zeros((8, 8)), k=2.0), ValueError, "k"),
        (lambda: features.harris_response(np.zeros((8, 8)), block_size=2.5), TypeError,
         "block_size"),
        (lambda: features.shi_tomasi_response("camera"), TypeError, "image"),
        (lambda: features.shi_tomasi_response(np.zeros((2, 2)), ksize=7), ValueError, "image"),
        (lambda: features.corner_peaks(np.zeros((5, 5)), quality=0), ValueError, "quality"),
        (lambda: features.corner_peaks(np.zeros((5, 5)), max_corners=10**9), ValueError,
         "max_corners"),
        (lambda: features.log_scale_space(np.zeros((8, 8)), [2, 1]), ValueError, "increase"),
        (lambda: features.log_scale_space(np.zeros((8, 8)), np.arange(1, 200)), ValueError,
         "sigmas"),
        (lambda: features.dog_scale_space(np.zeros((8, 8)), [1]), ValueError, "sigmas"),
        (lambda: features.blob_peaks(np.zeros((2, 4, 4)), [1, 2, 3], 0.1), ValueError, "sigmas"),
        (lambda: features.box_hessian(np.zeros((40, 40)), 10), ValueError, "size"),
        (lambda: features.box_hessian(np.zeros((40, 40)), 10**6), ValueError, "size"),
        (lambda: features.box_hessian(np.zeros((4, 4)), 9), ValueError, "image"),
        (lambda: features.ratio_test(np.zeros((3, 1))), ValueError, "2 columns"),
        (lambda: features.ratio_test(np.zeros((3, 3)), ratio=0), ValueError, "ratio"),
        (lambda: features.descriptor_distances(np.zeros((3, 4)), np.zeros((3, 5))), ValueError,
         "same length"),
        (lambda: features.descriptor_distances(np.zeros((10**5, 1)), np.zeros((10**5, 1))),
         ValueError, "pairs"),
        (lambda: features.estimate_homography(np.zeros((3, 2)), np.zeros((3, 2))), ValueError,
         "4 to"),
        (lambda: features.make_rotated_pair(np.zeros((8, 8)), scale=0), ValueError, "scale"),
        (lambda: features.make_rotated_pair(np.zeros((8, 8)), rng=None), TypeError, "rng"),
        (lambda: features.sift_features(np.zeros((8, 8)), max_features=-1), ValueError,
         "max_features"),
    ],
)
def test_bad_input_is_refused_with_the_argument_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- explorers ------------------------------------------------------------------------------------
def test_harris_explorer_computes_what_the_helpers_compute():
    from helpers.widgets import harris_explorer

    ex = harris_explorer(load_photo("camera"))
    assert ex.error is None and ex.gray.shape == (256, 256)
    ex.set(k=0.06, quality=0.05, block_size=3)
    want = features.harris_response(ex.gray, 3, 3, 0.06)
    np.testing.assert_allclose(ex.result["response"], want, atol=1e-12)
    peaks = features.corner_peaks(want, quality=0.05, min_distance=1, max_corners=5000)
    np.testing.assert_array_equal(ex.result["corners"], peaks)
    assert f"{len(peaks):,} corners" in ex.readout.value
    fewer = len(peaks)
    ex.set(quality=0.2)
    assert len(ex.result["corners"]) < fewer
    ex.set(k=0.2, quality=0.5)  # extremes: still draws (maybe no corner at all)
    assert ex.error is None


def test_match_explorer_counts_correct_matches():
    pytest.importorskip("cv2")
    from helpers.widgets import match_explorer

    ex = match_explorer(load_photo("astronaut"))
    ex.set(ratio=0.75)
    pairs = features.ratio_test(features.descriptor_distances(
        features.sift_features(ex.gray)[1], features.sift_features(ex.warped)[1]), 0.75)
    assert ex.result["kept"] == len(pairs)
    assert ex.result["correct"] / ex.result["kept"] > 0.9
    strict = ex.result["kept"]
    ex.set(ratio=1.0)
    assert ex.result["kept"] > strict and ex.result["correct"] / ex.result["kept"] < 0.9
    assert "correct" in ex.readout.value


def test_feature_explorer_factories_validate():
    from helpers.widgets import BENCH_FACTORIES, harris_explorer, match_explorer

    with pytest.raises(ValueError, match="k must be"):
        harris_explorer(load_photo("camera"), k=1.0)
    with pytest.raises(ValueError, match="block_size"):
        harris_explorer(load_photo("camera"), block_size=50)
    with pytest.raises(ValueError, match="ratio"):
        match_explorer(load_photo("camera"), ratio=2.0)
    with pytest.raises(ValueError, match="too few SIFT keypoints"):
        match_explorer(np.zeros((64, 64), np.uint8))
    assert {"harris", "ratio_test"} <= set(BENCH_FACTORIES)


# -- exercise checks ------------------------------------------------------------------------------
def _stub(*args):
    raise NotImplementedError("exercise not attempted yet")


def _harris_solution(gx, gy, block_size, k):
    sxx = features.window_sum(gx * gx, block_size)
    sxy = features.window_sum(gx * gy, block_size)
    syy = features.window_sum(gy * gy, block_size)
    return sxx * syy - sxy**2 - k * (sxx + syy) ** 2


def test_check_harris_from_gradients():
    from helpers.checks import check_harris_from_gradients

    good = check_harris_from_gradients(_harris_solution)
    assert good.passed, good.message
    # Forgetting the window sum: the products of a single pixel.
    no_window = check_harris_from_gradients(
        lambda gx, gy, b, k: gx * gx * gy * gy - (gx * gy) ** 2 - k * (gx * gx + gy * gy) ** 2)
    assert no_window.status == "failed" and "vertical edge" in no_window.message
    # And the exercise agrees with cv2.cornerHarris through corner_gradients.
    img = np.random.default_rng(0).random((20, 24))
    gx, gy = features.corner_gradients(img, 3, 3)
    np.testing.assert_allclose(_harris_solution(gx, gy, 3, 0.04),
                               features.harris_response(img, 3, 3, 0.04), atol=1e-12)
    assert check_harris_from_gradients(_stub).status == "not attempted"


def test_check_ratio_test():
    from helpers.checks import check_ratio_test

    good = check_ratio_test(lambda d, r: features.ratio_test(d, r))
    assert good.passed, good.message
    not_strict = check_ratio_test(
        lambda d, r: features.ratio_test(d, np.nextafter(r, 2)))  # keeps d1 == ratio * d2
    assert not_strict.status == "failed" and "exactly at the ratio" in not_strict.message
    no_ratio = check_ratio_test(lambda d, r: np.column_stack([np.arange(len(d)), d.argmin(1)]))
    assert no_ratio.status == "failed" and "ambiguous" in no_ratio.message
    assert check_ratio_test(lambda d, r: None).status in ("failed", "error")
    assert check_ratio_test(_stub).status == "not attempted"
