"""helpers.color against OpenCV and scikit-image, plus its explorers and checks.

Conventions checked here: OpenCV's uint8 RGB->gray uses 14-bit fixed point, so it may differ
from the exactly rounded luma by one gray level; OpenCV's float HSV has hue in degrees like
ours, scikit-image's has hue / 360; OpenCV's THRESH_BINARY is strict (> t), like ours.
"""

from __future__ import annotations

import numpy as np
import pytest
import skimage.color

from helpers import color
from helpers.checks import check_hue_mask, check_threshold_for_fraction
from helpers.widgets import color_explorer, threshold_explorer


def random_rgb(rng, dtype=np.uint8, shape=None):
    h, w = shape or rng.integers(1, 40, size=2)
    if dtype == np.uint8:
        return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    return rng.random((h, w, 3), dtype=np.float32)


def hue_distance(a, b):
    d = np.abs(a - b) % 360
    return np.minimum(d, 360 - d)


# -- to_gray ---------------------------------------------------------------------------------
def test_to_gray_matches_opencv_uint8_within_one_level(rng):
    cv2 = pytest.importorskip("cv2")
    for _ in range(100):
        rgb = random_rgb(rng)
        ours, ref = color.to_gray(rgb), cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        assert ours.dtype == np.uint8 and ours.shape == rgb.shape[:2]
        assert np.abs(ours.astype(int) - ref.astype(int)).max() <= 1


def test_to_gray_matches_opencv_float32(rng):
    cv2 = pytest.importorskip("cv2")
    for _ in range(100):
        rgb = random_rgb(rng, np.float32)
        np.testing.assert_allclose(color.to_gray(rgb), cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY),
                                   atol=1e-6)


def test_to_gray_analytic_primaries():
    rgb = np.array([[[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]]], np.float32)
    np.testing.assert_allclose(color.to_gray(rgb), [[0.299, 0.587, 0.114]], atol=1e-7)


def test_to_gray_rejects_gray_and_rgba():
    with pytest.raises(ValueError, match=r"rgb must be 3-D .*already gray"):
        color.to_gray(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="3 channels.*alpha"):
        color.to_gray(np.zeros((4, 4, 4), np.uint8))
    with pytest.raises(ValueError, match="rgb must not be empty"):
        color.to_gray(np.zeros((0, 4, 3), np.uint8))
    with pytest.raises(TypeError, match="rgb must be a numeric array"):
        color.to_gray("astronaut.png")


# -- float / uint8 conversion ------------------------------------------------------------------
def test_float_uint8_round_trip(rng):
    img = random_rgb(rng)
    f = color.as_float_image(img)
    assert f.dtype == np.float32 and f.min() >= 0 and f.max() <= 1
    np.testing.assert_array_equal(color.as_uint8_image(f), img)


def test_as_float_image_rejects_out_of_range_and_odd_dtypes():
    with pytest.raises(ValueError, match=r"image is float with values in \[0, 255\].*divide"):
        color.as_float_image(np.array([[0.0, 255.0]]))
    with pytest.raises(TypeError, match="image must be uint8.*uint16"):
        color.as_float_image(np.zeros((2, 2), np.uint16))
    with pytest.raises(ValueError, match="image contains NaN"):
        color.as_float_image(np.array([[0.1, np.nan]]))


# -- HSV -----------------------------------------------------------------------------------------
def test_rgb_to_hsv_matches_opencv_float(rng):
    cv2 = pytest.importorskip("cv2")
    for _ in range(100):
        rgb = random_rgb(rng, np.float32)
        ours, ref = color.rgb_to_hsv(rgb), cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
        # Hue is meaningless where chroma is ~0; compare it only where the colour has some.
        chroma = rgb.max(-1) - rgb.min(-1)
        assert hue_distance(ours[..., 0], ref[..., 0])[chroma > 1e-3].max(initial=0) < 0.05
        np.testing.assert_allclose(ours[..., 1:], ref[..., 1:], atol=1e-5)


def test_rgb_to_hsv_matches_skimage(rng):
    for _ in range(50):
        rgb = random_rgb(rng)
        ours, ref = color.rgb_to_hsv(rgb), skimage.color.rgb2hsv(rgb)
        assert hue_distance(ours[..., 0], ref[..., 0] * 360).max() < 1e-3
        np.testing.assert_allclose(ours[..., 1:], ref[..., 1:], atol=1e-6)


def test_hsv_round_trip_and_opencv_inverse(rng):
    cv2 = pytest.importorskip("cv2")
    for _ in range(50):
        rgb = random_rgb(rng, np.float32)
        hsv = color.rgb_to_hsv(rgb)
        np.testing.assert_allclose(color.hsv_to_rgb(hsv), rgb, atol=1e-5)
        np.testing.assert_allclose(color.hsv_to_rgb(hsv), cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB),
                                   atol=1e-5)


def test_hsv_of_grays_has_zero_hue_and_saturation():
    grays = np.linspace(0, 1, 7, dtype=np.float32)[None, :, None].repeat(3, axis=2)
    hsv = color.rgb_to_hsv(grays)
    assert np.all(hsv[..., :2] == 0)
    np.testing.assert_allclose(hsv[..., 2], grays[..., 0])


def test_hsv_to_rgb_rejects_bad_input():
    with pytest.raises(TypeError, match="hsv must be a float array"):
        color.hsv_to_rgb(np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(ValueError, match="saturation and value"):
        color.hsv_to_rgb(np.full((1, 1, 3), 2.0))


def test_hue_mask_wraps_around_the_circle():
    hsv = np.array([[[355.0, 1, 1], [5.0, 1, 1], [20.0, 1, 1], [5.0, 0.1, 1]]])
    np.testing.assert_array_equal(color.hue_mask(hsv, 0, 10, min_saturation=0.5),
                                  [[True, True, False, False]])
    with pytest.raises(ValueError, match="width must be >= 0 and <= 180"):
        color.hue_mask(hsv, 0, 200)


# -- threshold and histogram ---------------------------------------------------------------------
def test_threshold_matches_opencv_binary(rng):
    cv2 = pytest.importorskip("cv2")
    for _ in range(100):
        gray = rng.integers(0, 256, tuple(rng.integers(1, 40, 2)), dtype=np.uint8)
        t = int(rng.integers(0, 256))
        _, ref = cv2.threshold(gray, t, 255, cv2.THRESH_BINARY)
        np.testing.assert_array_equal(color.threshold(gray, t), ref == 255)


def test_threshold_is_strict_at_the_threshold():
    np.testing.assert_array_equal(color.threshold(np.array([[99, 100, 101]], np.uint8), 100),
                                  [[False, False, True]])


def test_threshold_rejects_rgb_and_bad_t():
    with pytest.raises(ValueError, match=r"gray must be 2-D \(H, W\).*to_gray"):
        color.threshold(np.zeros((2, 2, 3), np.uint8), 10)
    with pytest.raises(TypeError, match="t must be a real number"):
        color.threshold(np.zeros((2, 2), np.uint8), "10")
    with pytest.raises(ValueError, match="t must be finite"):
        color.threshold(np.zeros((2, 2), np.uint8), float("nan"))


def test_histogram_matches_opencv_and_numpy(rng):
    cv2 = pytest.importorskip("cv2")
    for bins in (256, 64, 10):
        gray = rng.integers(0, 256, (37, 23), dtype=np.uint8)
        counts, edges = color.histogram(gray, bins)
        ref = cv2.calcHist([gray], [0], None, [bins], [0, 256]).ravel()
        np.testing.assert_array_equal(counts, ref)
        assert counts.sum() == gray.size and len(edges) == bins + 1
    f = rng.random((10, 10))
    np.testing.assert_array_equal(color.histogram(f, 8)[0], np.histogram(f, 8, (0, 1))[0])
    with pytest.raises(ValueError, match="bins must be an integer >= 1"):
        color.histogram(gray, 0)
    with pytest.raises(ValueError, match="bins must be an integer >= 1 and <= 65536; got 10"):
        color.histogram(gray, 10**10)  # issue 17: asked numpy for 7.45 GiB


# -- threshold_for_fraction --------------------------------------------------------------------
def test_threshold_for_fraction_is_the_smallest_t_that_fits(rng):
    for _ in range(20):
        gray = rng.integers(0, 256, rng.integers(1, 30, 2), dtype=np.uint8)
        fraction = float(rng.random())
        t = color.threshold_for_fraction(gray, fraction)
        assert isinstance(t, int) and 0 <= t <= 255
        assert np.mean(gray > t) <= fraction
        assert t == 0 or np.mean(gray > t - 1) > fraction  # t - 1 lets too many through


def test_threshold_for_fraction_agrees_with_a_quantile_away_from_ties(rng):
    gray = rng.permutation(np.arange(256, dtype=np.uint8)).reshape(16, 16)  # every level once
    # 10 % of 256 pixels is 25.6: 25 pixels (levels 231..255) may be white, so t = 230.
    assert color.threshold_for_fraction(gray, 0.1) == 230
    assert color.threshold_for_fraction(gray, 0.0) == 255
    assert color.threshold_for_fraction(gray, 1.0) == 0


def test_threshold_for_fraction_bad_input():
    with pytest.raises(TypeError, match="gray must be uint8"):
        color.threshold_for_fraction(np.zeros((3, 3)), 0.5)
    with pytest.raises(ValueError, match="fraction must be >= 0 and <= 1; got 1.5"):
        color.threshold_for_fraction(np.zeros((3, 3), np.uint8), 1.5)
    with pytest.raises(ValueError, match="gray must be 2-D"):
        color.threshold_for_fraction(np.zeros((3, 3, 3), np.uint8), 0.5)


def test_bounds_and_hsv_conventions_are_enforced():
    gray = np.zeros((4, 4), np.uint8)
    with pytest.raises(ValueError, match="bins must be an integer >= 1 and <= 65536; got 1000"):
        color.histogram(gray, bins=10**10)
    hsv = color.rgb_to_hsv(np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(ValueError, match="hue must be >= 0 and <= 360; got 1e\\+300"):
        color.hue_mask(hsv, 1e300, 10)
    with pytest.raises(ValueError, match="hue must be finite"):
        color.hue_mask(hsv, float("nan"), 10)
    # OpenCV's uint8 HSV (hue 0-179) is refused, not silently misread as degrees.
    with pytest.raises(TypeError, match="hsv must be a float array from rgb_to_hsv.*0-179"):
        color.hue_mask(np.zeros((2, 2, 3), np.uint8), 10, 10)
    with pytest.raises(ValueError, match="saturation and value .* must lie in \\[0, 1\\]"):
        color.hue_mask(np.full((2, 2, 3), 2.0), 10, 10)


# -- explorers -------------------------------------------------------------------------------------
def test_threshold_explorer_computes_what_the_helper_does(rng):
    gray = rng.integers(0, 256, (64, 80), dtype=np.uint8)
    ex = threshold_explorer(gray)
    first_png = ex.image.value
    ex.controls["threshold"].value = 60
    np.testing.assert_array_equal(ex.result["binary"], color.threshold(gray, 60))
    assert f"{ex.result['binary'].sum():,}" in ex.readout.value
    assert ex.image.value != first_png and ex.error is None
    assert ex._white.get_x() == 61  # the shaded band starts just above t


def test_color_explorer_selects_hues_and_draws_the_band(rng):
    rgb = random_rgb(rng, shape=(50, 60))
    ex = color_explorer(rgb)
    ex.set(hue=120, width=30, min_saturation=0.2, min_value=0.1)
    expected = color.hue_mask(color.rgb_to_hsv(rgb), 120, 30, min_saturation=0.2,
                              min_value=0.1)
    np.testing.assert_array_equal(ex.result["mask"], expected)
    assert f"{expected.mean():.1%}" in ex.readout.value and "from 90° to 150°" in ex.readout.value
    assert (ex._wedge.theta1, ex._wedge.theta2) == (90, 150)
    assert ex._wedge.width == pytest.approx(0.8)  # the ring stops at S = 0.2
    ex.set(hue=10, width=30)
    assert "wraps around red" in ex.readout.value and ex.error is None
    ex.set(width=180)
    assert "the whole hue circle" in ex.readout.value


def test_explorers_reject_wrong_images_and_settings():
    with pytest.raises(ValueError, match="gray must be 2-D"):
        threshold_explorer(np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="rgb must be 3-D"):
        color_explorer(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="t must be an integer >= 0 and <= 255; got 300"):
        threshold_explorer(np.zeros((4, 4), np.uint8), t=300)
    with pytest.raises(TypeError, match="hue must be an integer"):
        color_explorer(np.zeros((4, 4, 3), np.uint8), hue=None)
    with pytest.raises(ValueError, match="min_saturation must be >= 0 and <= 1"):
        color_explorer(np.zeros((4, 4, 3), np.uint8), min_saturation=2.0)


# -- checks ------------------------------------------------------------------------------------
def _stub(*args):
    raise NotImplementedError("exercise not attempted yet")


def _hue_band(hsv, hue, width, min_saturation):
    d = np.abs(hsv[..., 0] - hue) % 360
    return (np.minimum(d, 360 - d) <= width) & (hsv[..., 1] >= min_saturation)


def test_check_hue_mask():
    assert check_hue_mask(_hue_band).passed
    no_wrap = check_hue_mask(
        lambda hsv, hue, width, s: (np.abs(hsv[..., 0] - hue) <= width) & (hsv[..., 1] >= s))
    assert no_wrap.status == "failed" and "wraps around 360" in no_wrap.message
    no_saturation = check_hue_mask(lambda hsv, hue, width, s: _hue_band(hsv, hue, width, 0.0))
    assert no_saturation.status == "failed" and "gray and washed-out" in no_saturation.message
    as_uint8 = check_hue_mask(lambda *a: _hue_band(*a).astype(np.uint8) * 255)
    assert as_uint8.status == "failed"
    assert check_hue_mask(_stub).status == "not attempted"


def test_check_threshold_for_fraction():
    assert check_threshold_for_fraction(color.threshold_for_fraction).passed
    by_quantile = check_threshold_for_fraction(
        lambda g, f: int(np.quantile(g, 1 - f, method="lower")))
    assert by_quantile.status == "failed" and "expected" in by_quantile.message
    as_float = check_threshold_for_fraction(lambda g, f: float(color.threshold_for_fraction(g, f)))
    assert as_float.status == "failed"
    assert check_threshold_for_fraction(_stub).status == "not attempted"
