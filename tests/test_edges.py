"""Tests for helpers.edges (chapters/03_edges.ipynb), its explorers and its exercise checks.

Conventions checked against the references (and written in helpers/edges.py):

* ``sobel`` == ``cv2.Sobel(img, CV_32F, 1, 0 / 0, 1, ksize=3)`` with the same border (our
  "reflect101"/"reflect"/"replicate"/"constant" = BORDER_REFLECT_101/REFLECT/REPLICATE/CONSTANT),
  == ``scipy.ndimage.sobel(img, axis=1 / 0, mode=...)`` ("mirror"/"reflect"/"nearest"/"constant"),
  and == 4 * ``skimage.filters.sobel_v / sobel_h`` with border "reflect" (same sign, scale 1/4).
* ``prewitt`` == ``scipy.ndimage.prewitt`` (same modes) == ``cv2.filter2D`` with the kernel.
* ``canny(img, lo, hi, blur_size=1)`` == ``cv2.Canny(img, lo, hi)`` for uint8 ``img``.
"""

from __future__ import annotations

import numpy as np
import pytest
import skimage.filters as skfilters
from scipy import ndimage

from helpers import edges
from helpers.checks import edges as checks
from helpers.data import load_photo
from helpers.filters import gaussian_blur
from helpers.widgets import edges as widgets

# our border name -> (name of the OpenCV flag, scipy.ndimage mode); cv2 is imported per test
BORDERS = {
    "reflect101": ("BORDER_REFLECT_101", "mirror"),
    "reflect": ("BORDER_REFLECT", "reflect"),
    "replicate": ("BORDER_REPLICATE", "nearest"),
    "constant": ("BORDER_CONSTANT", "constant"),
}


@pytest.fixture(scope="module")
def photos():
    """Real photos as uint8 gray, and the same after a 5x5 Gaussian (rounded back to uint8)."""
    out = {}
    for name in ("camera", "coins", "astronaut", "coffee"):
        gray = load_photo(name, gray=True)
        out[name] = np.clip(gaussian_blur(gray, 5), 0, 255).round().astype(np.uint8)
    return out


# -- gradients ------------------------------------------------------------------------------
def test_derivative_kernels_are_difference_times_smoothing():
    kx, ky = edges.derivative_kernels("sobel")
    np.testing.assert_array_equal(kx, np.outer([1, 2, 1], [-1, 0, 1]))
    np.testing.assert_array_equal(ky, kx.T)
    px, _ = edges.derivative_kernels("prewitt")
    np.testing.assert_array_equal(px, np.outer([1, 1, 1], [-1, 0, 1]))
    with pytest.raises(ValueError, match="kind must be one of 'sobel', 'prewitt'; got 'scharr'"):
        edges.derivative_kernels("scharr")


@pytest.mark.parametrize("border", list(BORDERS))
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_sobel_matches_opencv(rng, border, dtype):
    cv2 = pytest.importorskip("cv2")
    image = rng.integers(0, 256, (37, 53)).astype(dtype)
    if dtype == np.float32:
        image /= 255
    gx, gy = edges.sobel(image, border=border)
    flag = getattr(cv2, BORDERS[border][0])
    ref_x = cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3, borderType=flag)
    ref_y = cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3, borderType=flag)
    assert gx.dtype == np.float32
    # float32 sums of at most 6 terms: a few ulps (exact for uint8 input).
    np.testing.assert_allclose(gx, ref_x, atol=1e-5, rtol=0)
    np.testing.assert_allclose(gy, ref_y, atol=1e-5, rtol=0)


@pytest.mark.parametrize("border", list(BORDERS))
def test_sobel_and_prewitt_match_scipy(rng, border):
    image = rng.random((30, 41))
    mode = BORDERS[border][1]
    gx, gy = edges.sobel(image, border=border)
    np.testing.assert_allclose(gx, ndimage.sobel(image, axis=1, mode=mode), atol=1e-12)
    np.testing.assert_allclose(gy, ndimage.sobel(image, axis=0, mode=mode), atol=1e-12)
    px, py = edges.prewitt(image, border=border)
    np.testing.assert_allclose(px, ndimage.prewitt(image, axis=1, mode=mode), atol=1e-12)
    np.testing.assert_allclose(py, ndimage.prewitt(image, axis=0, mode=mode), atol=1e-12)


def test_sobel_is_four_times_skimage_with_the_same_sign(rng):
    image = rng.random((25, 33))
    gx, gy = edges.sobel(image, border="reflect")
    np.testing.assert_allclose(skfilters.sobel_v(image), gx / 4, atol=1e-12)
    np.testing.assert_allclose(skfilters.sobel_h(image), gy / 4, atol=1e-12)
    # skimage's sobel() magnitude is also divided by sqrt(2) (the root *mean* square).
    expected = np.hypot(gx, gy) / (4 * np.sqrt(2))
    np.testing.assert_allclose(skfilters.sobel(image), expected, atol=1e-12)


def test_prewitt_matches_opencv_filter2d(rng):
    cv2 = pytest.importorskip("cv2")
    image = rng.random((20, 27)).astype(np.float32)
    kx, ky = edges.derivative_kernels("prewitt")
    px, py = edges.prewitt(image)
    np.testing.assert_allclose(px, cv2.filter2D(image, cv2.CV_32F, kx), atol=1e-5)
    np.testing.assert_allclose(py, cv2.filter2D(image, cv2.CV_32F, ky), atol=1e-5)


def test_gradients_of_a_bright_square_are_known():
    square = np.zeros((10, 10))
    square[3:7, 3:7] = 1.0
    gx, gy = edges.sobel(square)
    # Left side of the square (columns 2 and 3, away from corners): brighter to the right, 4 * 1.
    np.testing.assert_array_equal(gx[4:6, 2:4], 4.0)
    np.testing.assert_array_equal(gx[4:6, 6:8], -4.0)  # right side: darker to the right
    np.testing.assert_array_equal(gy[2:4, 4:6], 4.0)  # top side: brighter downwards
    assert np.abs(gx[:, :2]).max() == 0 and np.abs(gx[4:6, 4:6]).max() == 0  # flat: no gradient
    px, _ = edges.prewitt(square)
    np.testing.assert_array_equal(px[4:6, 2:4], 3.0)
    direction = edges.gradient_direction(gx, gy, degrees=True)
    assert direction[4, 2] == 0 and direction[4, 7] == 180 and direction[2, 4] == 90
    assert direction[7, 4] == -90


@pytest.mark.parametrize("fn", [edges.sobel, edges.prewitt])
def test_gradient_bad_input(fn):
    with pytest.raises(ValueError, match=r"image must be 2-D \(H, W\); got shape \(4, 4, 3\)"):
        fn(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="image contains NaN"):
        fn(np.full((3, 3), np.nan))
    with pytest.raises(ValueError, match="border must be one of"):
        fn(np.zeros((3, 3)), border="wrap")
    with pytest.raises(TypeError, match="image must be a numeric array"):
        fn("camera.png")


def test_gradient_magnitude_matches_numpy_and_opencv(rng):
    cv2 = pytest.importorskip("cv2")
    gx = rng.normal(0, 100, (16, 19)).astype(np.float32)
    gy = rng.normal(0, 100, (16, 19)).astype(np.float32)
    m = edges.gradient_magnitude(gx, gy)
    np.testing.assert_allclose(m, np.hypot(gx, gy), rtol=1e-6)
    np.testing.assert_allclose(m, cv2.magnitude(gx, gy), rtol=1e-6)
    l1 = edges.gradient_magnitude(gx, gy, kind="l1")
    np.testing.assert_array_equal(l1, np.abs(gx) + np.abs(gy))
    assert (edges.gradient_magnitude(gx, gy, kind="l1") >= m - 1e-3).all()


def test_gradient_direction_matches_arctan2_and_opencv(rng):
    cv2 = pytest.importorskip("cv2")
    gx = rng.normal(0, 100, (16, 19)).astype(np.float32)
    gy = rng.normal(0, 100, (16, 19)).astype(np.float32)
    theta = edges.gradient_direction(gx, gy)
    np.testing.assert_array_equal(theta, np.arctan2(gy, gx))
    assert theta.min() >= -np.pi and theta.max() <= np.pi
    _, angle = cv2.cartToPolar(gx, gy)  # [0, 2 pi), approximated to about 2e-4 rad
    wrapped = np.angle(np.exp(1j * (theta.astype(np.float64) - angle)))
    assert np.abs(wrapped).max() < 1e-3
    np.testing.assert_allclose(edges.gradient_direction(gx, gy, degrees=True), np.degrees(theta))


def test_magnitude_and_direction_bad_input():
    with pytest.raises(ValueError, match=r"gx and gy must have the same shape; got \(2, 2\) and"):
        edges.gradient_magnitude(np.zeros((2, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="kind must be one of 'l2', 'l1'; got 'L2'"):
        edges.gradient_magnitude(np.zeros(2), np.zeros(2), kind="L2")
    with pytest.raises(TypeError, match="degrees must be True or False; got int 1"):
        edges.gradient_direction(np.zeros(2), np.zeros(2), degrees=1)
    with pytest.raises(ValueError, match="gy contains NaN"):
        edges.gradient_direction(np.zeros(2), np.array([0, np.nan]))


def test_direction_sector_against_angles(rng):
    gx, gy = rng.normal(size=(2, 500))
    sector = edges.direction_sector(gx, gy)
    # Reference: the angle folded to [0, 180) and rounded to the nearest multiple of 45 degrees.
    folded = np.degrees(np.arctan2(gy, gx)) % 180
    expected = np.round(folded / 45).astype(int) % 4
    np.testing.assert_array_equal(sector, expected)
    np.testing.assert_array_equal(edges.direction_sector([5, 1, 0, -1], [1, 1, 5, 1]), [0, 1, 2, 3])
    with pytest.raises(ValueError, match="must have the same shape"):
        edges.direction_sector(np.zeros(3), np.zeros(4))


# -- non-maximum suppression ----------------------------------------------------------------
def test_nms_naive_equals_vectorised_including_ties(rng):
    for _ in range(6):
        h, w = rng.integers(1, 25, 2)
        gx = rng.integers(-4, 5, (h, w)).astype(float)
        gy = rng.integers(-4, 5, (h, w)).astype(float)
        mag = rng.integers(0, 4, (h, w)).astype(float)  # few values: many ties
        np.testing.assert_array_equal(
            edges.non_max_suppression_naive(mag, gx, gy), edges.non_max_suppression(mag, gx, gy)
        )


def test_nms_keeps_ridges_and_breaks_plateau_ties_like_opencv():
    m = np.array([[1, 3, 3, 1]], float)
    out = edges.non_max_suppression(m, np.ones_like(m), np.zeros_like(m))
    np.testing.assert_array_equal(out, [[0, 3, 0, 0]])  # m > left and m >= right
    vertical = edges.non_max_suppression(m.T, np.zeros_like(m.T), np.ones_like(m.T))
    np.testing.assert_array_equal(vertical.ravel(), [0, 3, 0, 0])  # m > up and m >= down
    diag = np.array([[3, 0], [0, 3]], float)  # diagonal neighbours compared strictly
    assert not edges.non_max_suppression(diag, np.ones((2, 2)), np.ones((2, 2))).any()


def test_nms_bad_input():
    ok = np.ones((3, 3))
    with pytest.raises(ValueError, match="magnitude must be >= 0 everywhere"):
        edges.non_max_suppression(-ok, ok, ok)
    with pytest.raises(ValueError, match=r"gx and gy must have the shape of magnitude \(3, 3\)"):
        edges.non_max_suppression_naive(ok, np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"magnitude must be 2-D \(H, W\)"):
        edges.non_max_suppression(np.ones(3), np.ones(3), np.ones(3))


# -- thresholds and hysteresis -------------------------------------------------------------
def test_double_threshold_is_strict():
    strong, weak = edges.double_threshold(np.array([[10, 20, 25, 30, 31]]), 20, 30)
    np.testing.assert_array_equal(strong, [[0, 0, 0, 0, 1]])
    np.testing.assert_array_equal(weak, [[0, 0, 1, 1, 0]])


def test_double_threshold_bad_input():
    with pytest.raises(ValueError, match="low must be <= high; got low=50, high=10"):
        edges.double_threshold(np.ones((2, 2)), 50, 10)
    with pytest.raises(ValueError, match="low must be >= 0; got -1.0"):
        edges.double_threshold(np.ones((2, 2)), -1, 10)
    with pytest.raises(TypeError, match="high must be a real number; got str"):
        edges.double_threshold(np.ones((2, 2)), 1, "10")


def test_hysteresis_naive_equals_labelling_and_skimage(rng):
    for _ in range(5):
        mag = rng.uniform(0, 100, (30, 40))
        low, high = 40.0, 85.0
        strong, weak = edges.double_threshold(mag, low, high)
        fast = edges.hysteresis(strong, weak)
        np.testing.assert_array_equal(fast, edges.hysteresis_naive(strong, weak))
        # skimage also thresholds with ">" on both, but links only the 4 side neighbours.
        sk = skfilters.apply_hysteresis_threshold(mag, low, high)
        np.testing.assert_array_equal(edges.hysteresis(strong, weak, connectivity=4), sk)
        np.testing.assert_array_equal(edges.hysteresis_naive(strong, weak, connectivity=4), sk)
        assert (fast >= sk).all()


def test_hysteresis_connectivity_is_8_not_4():
    strong = np.zeros((4, 4), bool)
    strong[0, 0] = True
    weak = np.eye(4, dtype=bool) & ~strong
    weak[3, 0] = True  # isolated weak pixel: dropped
    out = edges.hysteresis(strong, weak)
    np.testing.assert_array_equal(out, np.eye(4, dtype=bool))
    np.testing.assert_array_equal(edges.hysteresis(strong, weak, connectivity=4), strong)


def test_hysteresis_bad_input():
    with pytest.raises(TypeError, match="strong must have a bool dtype; got dtype float64"):
        edges.hysteresis(np.ones((2, 2)), np.ones((2, 2), bool))
    with pytest.raises(ValueError, match="strong and weak must have the same shape"):
        edges.hysteresis_naive(np.ones((2, 2), bool), np.ones((3, 2), bool))
    with pytest.raises(ValueError, match="connectivity must be one of 8, 4; got 6"):
        edges.hysteresis(np.ones((2, 2), bool), np.ones((2, 2), bool), connectivity=6)


# -- Canny against OpenCV -------------------------------------------------------------------
@pytest.mark.parametrize("l2", [False, True])
@pytest.mark.parametrize("thresholds", [(30, 90), (50, 150), (100, 200)])
def test_canny_matches_opencv_on_real_photos(photos, l2, thresholds):
    cv2 = pytest.importorskip("cv2")
    low, high = thresholds
    for name, image in photos.items():
        ours = edges.canny(image, low, high, blur_size=1, l2_gradient=l2)
        ref = cv2.Canny(image, low, high, L2gradient=l2) > 0
        score = edges.edge_agreement(ours, ref)
        # Measured: identical (F1 = 1.0) on every photo and setting; 0.99 leaves room for
        # OpenCV's fixed-point tan(22.5) constant on other builds.
        assert score.f1 >= 0.99, (name, low, high, l2, score)


def test_canny_matches_opencv_on_random_images_with_ties(rng):
    pytest.importorskip("cv2")  # edges.canny_opencv calls OpenCV
    for trial in range(40):
        h, w = rng.integers(3, 40, 2)
        image = rng.integers(0, 256, (h, w)).astype(np.uint8)
        if trial % 2:
            image = (image // 64 * 64).astype(np.uint8)  # plateaus: equal magnitudes
        low = float(rng.uniform(0, 300))
        high = low + float(rng.uniform(0, 300))
        for l2 in (False, True):
            ours = edges.canny(image, low, high, blur_size=1, l2_gradient=l2)
            ref = edges.canny_opencv(image, low, high, l2_gradient=l2)
            np.testing.assert_array_equal(ours, ref)


def test_canny_with_its_own_smoothing_is_close_to_opencv_pipeline():
    # cv2.GaussianBlur on uint8 rounds the smoothed image; ours stays float: a few pixels differ.
    cv2 = pytest.importorskip("cv2")
    image = load_photo("camera")
    ref = cv2.Canny(cv2.GaussianBlur(image, (5, 5), 0), 50, 150) > 0
    score = edges.edge_agreement(edges.canny(image, 50, 150, blur_size=5), ref)
    assert score.f1 >= 0.9, score


def test_canny_stages_are_consistent(photos):
    s = edges.canny_stages(photos["coins"], 50, 150)
    assert not (s.strong & s.weak).any()
    assert (s.edges >= s.strong).all() and (s.edges <= (s.strong | s.weak)).all()
    assert ((s.thinned > 0) <= (s.magnitude > 0)).all()
    c = s.counts()
    assert c["pixels"] >= c["above low"] >= c["after NMS"] == c["strong"] + c["weak"]
    assert c["strong"] <= c["edges"] <= c["strong"] + c["weak"]
    assert c["weak kept"] == int((s.edges & s.weak).sum())
    np.testing.assert_array_equal(s.edges, edges.canny(photos["coins"], 50, 150))


def test_vectorised_canny_equals_the_stage_by_stage_pipeline(photos, rng):
    # canny thins only the pixels above low and labels the kept ones; canny_stages works on
    # whole arrays, stage by stage: the same edges for every input kind and setting.
    cases = [(photos["camera"], {"blur_size": 1}), (photos["coffee"], {"blur_size": 5}),
             (load_photo("coins"), {"blur_size": 3, "sigma": 0.7}),
             (load_photo("astronaut", gray=True), {"blur_size": 7, "l2_gradient": True})]
    for trial in range(30):  # small images full of ties, float images, 1-pixel strips
        h, w = (1, int(rng.integers(3, 20))) if trial % 5 == 0 else tuple(rng.integers(3, 25, 2))
        quantised = (rng.integers(0, 5, (h, w)) * 50).astype(np.uint8)
        cases.append((quantised, {"blur_size": 1, "l2_gradient": bool(trial % 2)}))
        cases.append((rng.random((h + 2, w + 2)).astype([np.float32, np.float64][trial % 2]),
                      {"blur_size": 3}))
    for image, options in cases:
        top = 1.5 if image.dtype.kind == "f" else 300.0
        for low, high in ((0.0, 0.0), (top / 6, top / 2), (top / 3, top / 3)):
            np.testing.assert_array_equal(
                edges.canny(image, low, high, **options),
                edges.canny_stages(image, low, high, **options).edges,
                err_msg=f"{image.shape} {image.dtype} {options} {low} {high}")


def test_canny_thresholds_round_like_the_float_pipeline():
    # Thresholds just below an integer: uint8 gradients are compared as canny_stages compares
    # them (in float32), so both agree even where float32 rounds the threshold up.
    step = np.zeros((4, 6), np.uint8)
    step[:, 3:] = 50  # Sobel L1 magnitude 200 on the two columns beside the step
    for low in (199.99999999, 200.0, 199.5):
        np.testing.assert_array_equal(edges.canny(step, low, low, blur_size=1),
                                      edges.canny_stages(step, low, low, blur_size=1).edges)


def test_canny_reports_where_its_time_goes():
    timings = {}
    edges.canny(load_photo("camera"), 50, 150, timings=timings)
    assert list(timings) == list(edges.CANNY_STAGE_NAMES)
    assert all(t >= 0 for t in timings.values()) and timings["smoothing"] > 0
    with pytest.raises(TypeError, match="timings must be a dict"):
        edges.canny(load_photo("camera"), 50, 150, timings=[])


def test_separable_sobel_equals_the_correlation_with_its_kernels(rng):
    from helpers.filters import correlate2d

    for kind, fn in (("sobel", edges.sobel), ("prewitt", edges.prewitt)):
        kx, ky = edges.derivative_kernels(kind)
        for border in BORDERS:
            image = rng.integers(0, 256, (13, 17)).astype(np.uint8)
            gx, gy = fn(image, border=border)
            assert gx.dtype == np.float32  # computed in int16, returned as float32
            np.testing.assert_array_equal(gx, correlate2d(image, kx, border=border))
            np.testing.assert_array_equal(gy, correlate2d(image, ky, border=border))
            noisy = rng.random((9, 11))
            gx, gy = fn(noisy, border=border)
            assert gx.dtype == np.float64
            np.testing.assert_allclose(gx, correlate2d(noisy, kx, border=border), atol=1e-12)
            np.testing.assert_allclose(gy, correlate2d(noisy, ky, border=border), atol=1e-12)


def test_loop_versions_refuse_images_that_would_take_minutes():
    big = np.ones((600, 600))
    with pytest.raises(ValueError, match="magnitude has 360,000 pixels.*non_max_suppression"):
        edges.non_max_suppression_naive(big, big, big)
    with pytest.raises(ValueError, match="strong has 360,000 pixels.*use hysteresis"):
        edges.hysteresis_naive(big > 2, big > 0)
    with pytest.raises(ValueError, match="blur_size must be an odd integer >= 1 and <= 255"):
        edges.canny(np.zeros((4, 4)), 1, 2, blur_size=100001)
    with pytest.raises(ValueError, match="sigma must be > 0 and <= 255"):
        edges.canny(np.zeros((4, 4)), 1, 2, blur_size=1, sigma=float("1e9"))
    with pytest.raises(ValueError, match="sigma must be finite"):
        edges.canny_stages(np.zeros((4, 4)), 1, 2, blur_size=1, sigma=float("nan"))
    with pytest.raises(ValueError, match="low must be finite"):
        edges.canny(np.zeros((4, 4)), float("inf"), float("inf"))


def test_canny_stages_bad_input():
    with pytest.raises(ValueError, match="low must be <= high"):
        edges.canny_stages(np.zeros((5, 5)), 3, 2)
    with pytest.raises(ValueError, match="sigma must be > 0 and <= 255; got -1.0"):
        edges.canny_stages(np.zeros((5, 5)), 1, 2, blur_size=3, sigma=-1.0)


def test_canny_on_a_float_image_uses_its_units():
    square = np.zeros((12, 12))
    square[3:9, 3:9] = 1.0
    found = edges.canny(square, 1.0, 2.0, blur_size=1)
    assert found.sum() == 20 and not found[5:7, 5:7].any()  # the outline, not the inside


def test_canny_bad_input():
    image = np.zeros((8, 8), np.uint8)
    with pytest.raises(ValueError, match="low must be <= high; got low=200, high=100 - swap them"):
        edges.canny(image, 200, 100)
    with pytest.raises(ValueError, match=r"blur_size must be an odd integer >= 1 and <= \d+"):
        edges.canny(image, 10, 20, blur_size=4)
    with pytest.raises(ValueError, match=r"image must be 2-D \(H, W\).*to_gray"):
        edges.canny(np.zeros((8, 8, 3), np.uint8), 10, 20)
    with pytest.raises(TypeError, match="l2_gradient must be True or False"):
        edges.canny(image, 10, 20, l2_gradient="yes")
    with pytest.raises(TypeError, match="image must have dtype uint8 for cv2.Canny; got"):
        edges.canny_opencv(np.zeros((8, 8)), 10, 20)


def test_edge_agreement():
    a = np.array([[1, 1, 0, 0]], bool)
    b = np.array([[1, 0, 1, 0]], bool)
    assert edges.edge_agreement(a, b) == (0.5, 0.5, 0.5)
    assert edges.edge_agreement(a, a).f1 == 1.0
    empty = np.zeros((1, 4), bool)
    assert edges.edge_agreement(empty, empty) == (1.0, 1.0, 1.0)
    assert edges.edge_agreement(empty, a) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="edges and reference must have the same shape"):
        edges.edge_agreement(a, a.T)
    with pytest.raises(TypeError, match="reference must have a bool dtype"):
        edges.edge_agreement(a, b.astype(int))


# -- explorers ------------------------------------------------------------------------------
def test_canny_explorer_computes_what_the_helpers_compute():
    ex = widgets.canny_explorer(load_photo("camera"), 40, 120, sigma=0.8)
    assert max(ex.gray.shape) <= 256 and ex.error is None
    ex.controls["high"].value = 200
    ex.controls["norm"].value = "L2"
    # sigma 0.8 -> a 2 ceil(2.4) + 1 = 7 pixel kernel
    expected = edges.canny_stages(ex.gray, 40, 200, blur_size=7, sigma=0.8, l2_gradient=True)
    np.testing.assert_array_equal(ex.result["stages"].edges, expected.edges)
    c = expected.counts()
    assert f"<b>{c['edges']:,} edge pixels</b>" in ex.readout.value
    assert f"{c['strong']:,} strong" in ex.readout.value and "L2 norm" in ex.readout.value
    assert "sigma 0.8 (7x7 kernel)" in ex.readout.value
    ex.controls["sigma"].value = 0.0
    assert "no smoothing" in ex.readout.value
    np.testing.assert_array_equal(
        ex.result["stages"].edges, edges.canny(ex.gray, 40, 200, blur_size=1, l2_gradient=True))


def test_canny_explorer_reports_bad_settings_without_crashing():
    ex = widgets.canny_explorer(load_photo("coins"))
    png = ex.image.value
    ex.controls["low"].value = 400
    ex.controls["high"].value = 100
    assert ex.error is not None and "low must be <= high" in ex.readout.value
    assert ex.image.value == png  # the last good picture stays
    ex.controls["low"].value = 50
    assert ex.error is None
    for name, value in ex.bench_changes(10) + [("low", 0), ("high", 0), ("sigma", 4.0)]:
        ex.controls[name].value = value  # every position the sliders allow computes or explains


def test_canny_explorer_marks_the_thresholds_on_its_colour_bar():
    ex = widgets.canny_explorer(load_photo("camera"), 60, 180)
    ex.controls["low"].value = 90
    assert list(ex._low_line.get_ydata()) == [90, 90]
    assert list(ex._high_line.get_ydata()) == [180, 180]


def test_gradient_explorer_switches_operator_and_smoothing():
    ex = widgets.gradient_explorer(load_photo("coins"))
    gx, _ = edges.sobel(ex.gray)
    np.testing.assert_array_equal(ex.result["gx"], gx)
    ex.controls["operator"].value = "prewitt"
    px, py = edges.prewitt(ex.gray)
    np.testing.assert_array_equal(ex.result["gy"], py)
    np.testing.assert_allclose(ex.result["magnitude"], np.hypot(px, py), rtol=1e-6)
    assert ex.readout.value.startswith("Prewitt") and ex.error is None
    ex.controls["blur_size"].value = 5
    assert "smoothed 5x5" in ex.readout.value


def test_explorer_factories_validate():
    with pytest.raises(ValueError, match=r"gray must be 2-D \(H, W\).*to_gray"):
        widgets.canny_explorer(load_photo("coffee"))
    with pytest.raises(ValueError, match="high must be an integer >= 0 and <= 1200; got 5000"):
        widgets.canny_explorer(load_photo("camera"), 10, 5000)
    with pytest.raises(ValueError, match="sigma must be >= 0 and <= 4"):
        widgets.canny_explorer(load_photo("camera"), sigma=9.0)
    with pytest.raises(TypeError, match="sigma must be a real number"):
        widgets.CannyExplorer(load_photo("camera"), 10, 20, None)
    with pytest.raises(ValueError, match="operator must be one of 'sobel', 'prewitt'"):
        widgets.gradient_explorer(load_photo("camera"), operator="scharr")
    with pytest.raises(ValueError, match="blur_size must be an odd integer"):
        widgets.GradientExplorer(load_photo("camera"), "sobel", 4)
    ex = widgets.canny_explorer(load_photo("camera"))
    with pytest.raises(ValueError, match="n must be an integer >= 0 and <= 10000"):
        ex.bench_changes(10**9)
    with pytest.raises(TypeError, match="n must be an integer"):
        ex.bench_changes(2.5)


def test_explorers_are_registered_for_the_benchmark():
    from helpers.widgets import BENCH_FACTORIES

    assert {"canny", "gradient"} <= set(BENCH_FACTORIES)


# -- exercise checks ------------------------------------------------------------------------
def _stub(*args):
    raise NotImplementedError("exercise not attempted yet")


def test_check_non_max_suppression():
    assert checks.check_non_max_suppression(edges.non_max_suppression_naive).passed

    def symmetric(magnitude, gx, gy):  # ">=" on both sides keeps both pixels of a plateau
        padded = np.pad(magnitude, 1)
        sector = edges.direction_sector(gx, gy)
        out = np.zeros_like(magnitude)
        for (y, x), m in np.ndenumerate(magnitude):
            dy, dx = [(0, 1), (1, 1), (1, 0), (1, -1)][sector[y, x]]
            if m >= padded[y + 1 - dy, x + 1 - dx] and m >= padded[y + 1 + dy, x + 1 + dx]:
                out[y, x] = m
        return out

    wrong = checks.check_non_max_suppression(symmetric)
    assert wrong.status == "failed" and "expected" in wrong.message
    assert "ridge" in wrong.message or "tie" in wrong.message
    assert checks.check_non_max_suppression(_stub).status == "not attempted"


def test_check_hysteresis():
    assert checks.check_hysteresis(edges.hysteresis_naive).passed
    four = checks.check_hysteresis(lambda s, w: edges.hysteresis(s, w, connectivity=4))
    assert four.status == "failed" and "diagonal neighbours" in four.message
    only_strong = checks.check_hysteresis(lambda s, w: s.copy())
    assert only_strong.status == "failed" and "weak chain" in only_strong.message
    assert checks.check_hysteresis(_stub).status == "not attempted"
