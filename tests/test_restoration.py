"""helpers.restoration against SciPy, scikit-image and OpenCV, plus its explorers and checks.

Conventions checked here (also in the module docstring of helpers/restoration.py):

* PSF origin at ``(kh // 2, kw // 2)``: ``psf_to_otf`` equals ``skimage.restoration.uft.ir2tf``
  exactly, and ``degrade`` equals ``scipy.ndimage.convolve(mode="reflect" / "wrap")`` to 1e-13
  for odd, even and asymmetric PSFs (it blurs periodically on the mirrored image).
* ``wiener(border="periodic", keep_mean=False)`` equals ``skimage.restoration.wiener`` with an
  identity regulariser (``reg=np.ones((1, 1))``) to 1e-12.
* ``richardson_lucy`` equals ``skimage.restoration.richardson_lucy(clip=False)`` to 1e-10 on
  float64 images. On float32 images scikit-image computes in float32 and we in float64, so the
  two differ by scikit-image's own float32 rounding, measured below as under 2e-5 (its float32
  result is as far from its own float64 result).
* ``bilateral_filter`` equals ``cv2.bilateralFilter``: float32 to 2e-6; uint8 within one gray
  level on at most 0.01 % of the pixels when OpenCV runs its own code (``cv2.ipp`` off). With
  Intel IPP (the wheels' default) radii 1-2 differ by one level on many pixels: we check <= 1.
* The Wiener target of the course: camera, Gaussian PSF sigma 2, reflected borders, noise 0.01,
  best balance at least 2 dB above the degraded image (on the whole photo and on crops).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage as ndi
import skimage.metrics
import skimage.restoration
from skimage.restoration import uft

from helpers import restoration as R
from helpers.checks import check_richardson_lucy_step, check_wiener_filter
from helpers.data import load_photo
from helpers.filters import psnr
from helpers.widgets import bilateral_explorer, wiener_explorer


@pytest.fixture(scope="module")
def camera():
    return load_photo("camera") / 255.0


def random_psf(rng) -> np.ndarray:
    """A random non-negative PSF, 1-9 a side (odd or even, asymmetric), summing to 1."""
    psf = rng.random(tuple(rng.integers(1, 10, size=2)))
    return psf / psf.sum()


# -- the degradation model ------------------------------------------------------------------
def test_psf_to_otf_equals_skimage_ir2tf(rng):
    for _ in range(30):
        psf = random_psf(rng)
        shape = (int(rng.integers(psf.shape[0], 40)), int(rng.integers(psf.shape[1], 40)))
        np.testing.assert_allclose(R.psf_to_otf(psf, shape), uft.ir2tf(psf, shape), atol=1e-12)


@pytest.mark.parametrize(("border", "mode"), [("reflect", "reflect"), ("periodic", "wrap")])
def test_degrade_without_noise_equals_scipy_convolve(rng, border, mode):
    for _ in range(30):
        image = rng.random(tuple(rng.integers(10, 40, size=2)))
        psf = random_psf(rng)
        np.testing.assert_allclose(R.degrade(image, psf, 0.0, rng=0, border=border),
                                   ndi.convolve(image, psf, mode=mode), atol=1e-13)


def test_degrade_noise_statistics_and_reproducibility(camera):
    psf = R.gaussian_psf(2.0)
    g = R.degrade(camera, psf, 0.05, rng=3)
    noise = g - R.degrade(camera, psf, 0.0, rng=3)
    assert noise.mean() == pytest.approx(0, abs=1e-3)
    assert noise.std() == pytest.approx(0.05, rel=0.02)   # 262,144 samples: ~0.14 % std error
    np.testing.assert_array_equal(g, R.degrade(camera, psf, 0.05, rng=3))
    assert R.degrade(load_photo("camera"), psf, 0.0, rng=0).dtype == np.float32
    assert g.dtype == np.float64


def test_psfs_are_normalised_odd_and_shaped_as_promised():
    for psf in (R.gaussian_psf(2.0), R.gaussian_psf(0.5, 3), R.motion_psf(9, 30),
                R.motion_psf(1), R.disk_psf(3.5), R.disk_psf(0.5)):
        assert psf.sum() == pytest.approx(1.0) and psf.min() >= 0
        assert psf.shape[0] % 2 == 1 and psf.shape[0] == psf.shape[1]
    assert R.gaussian_psf(2.0).shape == (13, 13)
    horizontal = R.motion_psf(7, 0)
    assert np.count_nonzero(horizontal.sum(axis=1)) == 1    # one row
    vertical = R.motion_psf(7, 90)
    np.testing.assert_allclose(vertical, horizontal.T, atol=1e-12)
    disk = R.disk_psf(4)
    np.testing.assert_allclose(disk, disk.T, atol=1e-15)
    assert 1 / disk.max() == pytest.approx(np.pi * 16, rel=0.03)   # flat over its area


def test_motion_and_disk_transfer_functions_cross_zero_gaussian_does_not():
    shape = (64, 64)
    for psf in (R.motion_psf(8, 0), R.disk_psf(4)):   # symmetric: H is real, and changes sign
        otf = R.psf_to_otf(psf, shape)
        assert np.abs(otf.imag).max() < 1e-12 and otf.real.min() < -0.05
    gaussian = R.psf_to_otf(R.gaussian_psf(1.0), shape)
    assert gaussian.real.min() > 0 and np.abs(gaussian).min() < 1e-3   # tiny, never zero


# -- inverse and Wiener -----------------------------------------------------------------------
def test_inverse_filter_is_exact_without_noise_and_explodes_with_it(rng):
    f = rng.random((32, 40))
    psf = R.gaussian_psf(0.8)
    g = R.degrade(f, psf, 0.0, rng=0)
    np.testing.assert_allclose(R.inverse_filter(g, psf), f, atol=1e-9)
    noisy = R.degrade(f, psf, 0.01, rng=0)
    assert psnr(f, R.inverse_filter(noisy, R.gaussian_psf(2.0))) < psnr(f, noisy) - 20
    # The pseudo-inverse's cutoff zeroes the frequencies where |H| is small.
    assert psnr(f, R.inverse_filter(noisy, psf, cutoff=0.2)) > psnr(
        f, R.inverse_filter(noisy, psf))


def test_wiener_periodic_equals_skimage_with_identity_regulariser(rng):
    for _ in range(20):
        image = rng.random(tuple(rng.integers(12, 40, size=2)))
        psf = random_psf(rng)
        balance = float(10 ** rng.uniform(-4, 0))
        ours = R.wiener(image, psf, balance, border="periodic", keep_mean=False)
        theirs = skimage.restoration.wiener(image, psf, balance, reg=np.ones((1, 1)), clip=False)
        np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_wiener_keep_mean_only_changes_the_zero_frequency(rng):
    image = rng.random((20, 24))
    psf = R.gaussian_psf(1.0)
    kept = R.wiener(image, psf, 0.1, border="periodic")
    plain = R.wiener(image, psf, 0.1, border="periodic", keep_mean=False)
    assert kept.mean() == pytest.approx(image.mean(), abs=1e-12)
    assert plain.mean() == pytest.approx(image.mean() / 1.1, abs=1e-12)
    np.testing.assert_allclose(kept - kept.mean(), plain - plain.mean(), atol=1e-12)


def _best_gain(clean, psf, noise, seed, border="reflect"):
    g = R.degrade(clean, psf, noise, rng=seed)
    balances = np.logspace(-4, 0, 33)
    return max(psnr(clean, R.wiener(g, psf, k, border=border)) for k in balances) - psnr(clean, g)


def test_wiener_gains_two_db_on_the_camera_with_reflected_borders(camera):
    psf = R.gaussian_psf(2.0)
    assert _best_gain(camera, psf, 0.01, seed=0) >= 2.0
    # Crops of the photo, as the review takes them; the periodic filter fails on crops whose
    # borders do not match, the mirrored one does not. (Not every crop can gain 2 dB: on the
    # grass in the lower left, camera[256:, :256], even the oracle Wiener filter that knows the
    # true spectrum of every frequency gains only about 2.0 dB, and a constant K 1.6 dB.)
    crops = [(0, 0, 200, 200), (100, 150, 200, 230), (250, 60, 180, 300), (128, 128, 256, 256)]
    for y, x, h, w in crops:
        crop = camera[y : y + h, x : x + w]
        assert _best_gain(crop, psf, 0.01, seed=1) >= 2.0, (y, x, h, w)
    crop = camera[100:300, 150:380]
    assert _best_gain(crop, psf, 0.01, seed=1, border="periodic") < 1.0


def test_wiener_deconvolver_reuses_its_ffts_and_equals_wiener(rng):
    image = rng.random((30, 37))
    psf = R.motion_psf(5, 20)
    for border in ("reflect", "periodic"):
        deconvolver = R.WienerDeconvolver(image, psf, border=border)
        for k in (1e-4, 1e-2, 1.0):
            for keep in (True, False):
                np.testing.assert_array_equal(deconvolver.restore(k, keep_mean=keep),
                                              R.wiener(image, psf, k, border=border,
                                                       keep_mean=keep))
    with pytest.raises(ValueError, match="balance must be > 0"):
        R.WienerDeconvolver(image, psf).restore(-1)


def test_wiener_on_uint8_and_float32_returns_float32(camera):
    psf = R.gaussian_psf(1.0)
    assert R.wiener(load_photo("camera"), psf, 0.01).dtype == np.float32
    assert R.wiener(camera.astype(np.float32), psf, 0.01).dtype == np.float32
    assert R.wiener(camera, psf, 0.01).dtype == np.float64


# -- Richardson-Lucy --------------------------------------------------------------------------
def test_richardson_lucy_equals_skimage_on_float64(rng):
    for _ in range(12):
        psf = random_psf(rng)
        # Data that a PSF could have made (RL on white noise runs away to values of hundreds,
        # where the last digits of two FFT implementations differ by 1e-6 relative).
        image = ndi.convolve(rng.random(tuple(rng.integers(10, 40, size=2))), psf, mode="wrap")
        n = int(rng.integers(1, 31))
        theirs = skimage.restoration.richardson_lucy(image, psf, num_iter=n, clip=False)
        np.testing.assert_allclose(R.richardson_lucy(image, psf, n), theirs, atol=1e-10)


def test_richardson_lucy_on_the_camera_equals_skimage(camera):
    psf = R.gaussian_psf(2.0)
    g = np.clip(R.degrade(camera[:200, :240], psf, 0.01, rng=0), 0, None)
    theirs = skimage.restoration.richardson_lucy(g, psf, num_iter=30, clip=False)
    assert np.abs(R.richardson_lucy(g, psf, 30) - theirs).max() < 1e-10
    g32 = g.astype(np.float32)
    theirs32 = skimage.restoration.richardson_lucy(g32, psf.astype(np.float32), num_iter=30,
                                                   clip=False)
    ours32 = R.richardson_lucy(g32, psf, 30)
    assert ours32.dtype == np.float32
    own_rounding = np.abs(theirs32 - theirs).max()         # skimage float32 vs skimage float64
    assert np.abs(ours32 - theirs32).max() <= max(2e-5, 1.5 * own_rounding)


def test_richardson_lucy_steps_equal_the_loop_and_keep_brightness(rng):
    image = rng.random((24, 30))
    psf = R.gaussian_psf(1.0)
    estimate = np.full(image.shape, 0.5)
    for _ in range(5):
        estimate = R.richardson_lucy_step(estimate, image, psf)
    np.testing.assert_allclose(R.richardson_lucy(image, psf, 5), estimate, atol=1e-12)
    periodic = R.degrade(rng.random((32, 32)), psf, 0.0, rng=0, border="periodic")
    assert R.richardson_lucy(periodic, psf, 20).min() >= 0


def test_richardson_lucy_reflect_border_fixes_the_edges(camera):
    psf = R.gaussian_psf(2.0)
    crop = camera[100:228, 150:278]
    g = np.clip(R.degrade(crop, psf, 0.01, rng=0), 0, None)
    zero = R.richardson_lucy(g, psf, 20)
    mirrored = R.richardson_lucy(g, psf, 20, border="reflect")
    assert psnr(crop, mirrored) > psnr(crop, zero) + 1.0
    assert psnr(crop, mirrored) > psnr(crop, g)


def test_blind_richardson_lucy_finds_a_blur_of_about_the_right_width(camera):
    crop = camera[128:320, 128:320]
    psf = R.gaussian_psf(2.0)
    g = np.clip(R.degrade(crop, psf, 0.005, rng=2), 0, None)
    result = R.blind_richardson_lucy(g, R.gaussian_psf(3.0, 13), 15)
    assert result.psf.shape == (13, 13) and result.psf.sum() == pytest.approx(1.0)
    y = np.arange(13) - 6
    width = np.sqrt((result.psf * y[:, None] ** 2).sum())
    assert 1.4 < width < 2.8             # started at 3.0, the true sigma is 2.0
    assert psnr(crop, result.image) > psnr(crop, g)


def test_blind_trivial_solution_explains_the_data_exactly(rng):
    g = rng.random((20, 20))
    delta = np.zeros((5, 5))
    delta[2, 2] = 1.0
    # f = g with a one-pixel PSF is a fixed point: the updates never move it.
    result = R.blind_richardson_lucy(g, delta, 5)
    np.testing.assert_allclose(result.image, g, atol=1e-9)
    np.testing.assert_allclose(result.psf, delta, atol=1e-9)


# -- bilateral --------------------------------------------------------------------------------
@pytest.fixture
def opencv_without_ipp():
    cv2 = pytest.importorskip("cv2")
    before = cv2.ipp.useIPP()
    cv2.ipp.setUseIPP(False)
    yield cv2
    cv2.ipp.setUseIPP(before)


@pytest.mark.parametrize(("d", "sigma_color", "sigma_space"),
                         [(3, 30, 3), (5, 50, 50), (9, 75, 75), (9, 20, 3), (0, 25, 2)])
def test_bilateral_equals_cv2(opencv_without_ipp, d, sigma_color, sigma_space):
    cv2 = opencv_without_ipp
    image = load_photo("camera")[100:260, 150:330]
    ref = cv2.bilateralFilter(image, d, sigma_color, sigma_space)
    diff = np.abs(R.bilateral_filter(image, d, sigma_color, sigma_space).astype(int) - ref)
    assert diff.max() <= 1 and np.mean(diff > 0) <= 1e-4
    f32 = (image / 255.0).astype(np.float32)
    ref32 = cv2.bilateralFilter(f32, d, sigma_color / 255, sigma_space)
    np.testing.assert_allclose(R.bilateral_filter(f32, d, sigma_color / 255, sigma_space), ref32,
                               atol=2e-6)


def test_bilateral_against_cv2_with_ipp_is_within_one_level():
    cv2 = pytest.importorskip("cv2")
    image = load_photo("camera")[100:200, 150:250]
    for d in (3, 5):
        diff = np.abs(R.bilateral_filter(image, d, 30, 3).astype(int)
                      - cv2.bilateralFilter(image, d, 30, 3))
        assert diff.max() <= 1


def test_bilateral_naive_equals_vectorised_and_keeps_steps(rng):
    image = rng.integers(0, 256, (12, 15)).astype(np.uint8)
    for d in (3, 5, 0):
        np.testing.assert_array_equal(R.bilateral_filter_naive(image, d, 30, 2),
                                      R.bilateral_filter(image, d, 30, 2))
    f = (image / 255.0).astype(np.float32)
    np.testing.assert_allclose(R.bilateral_filter_naive(f, 5, 0.1, 2),
                               R.bilateral_filter(f, 5, 0.1, 2), atol=1e-6)
    step = np.where(np.arange(20) < 10, 50, 200).astype(np.uint8)[None].repeat(8, 0)
    np.testing.assert_array_equal(R.bilateral_filter(step, 7, 20, 3), step)  # edge kept
    flat = np.full((8, 8), 0.3, np.float32)
    np.testing.assert_allclose(R.bilateral_filter(flat, 5, 0.1, 2), flat, atol=1e-7)


# -- scores -----------------------------------------------------------------------------------
def test_restoration_scores_equal_skimage_metrics(rng, camera):
    test = np.clip(camera + rng.normal(0, 0.05, camera.shape), 0, 1)
    scores = R.restoration_scores(camera, test)
    assert scores.psnr == pytest.approx(
        skimage.metrics.peak_signal_noise_ratio(camera, test, data_range=1.0), abs=1e-9)
    assert scores.ssim == pytest.approx(
        skimage.metrics.structural_similarity(camera, test, data_range=1.0), abs=1e-12)
    assert R.restoration_scores(camera, camera).ssim == pytest.approx(1.0)


# -- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: R.gaussian_psf(0), ValueError, "sigma must be >= 0.1"),
        (lambda: R.gaussian_psf(1e9), ValueError, "sigma must be >= 0.1 and <= 40"),
        (lambda: R.gaussian_psf(1.0, 4), ValueError, "size must be an odd integer"),
        (lambda: R.gaussian_psf(1.0, 10**6 + 1), ValueError, "size must be an odd integer >= 1 "
                                                             "and <= 255"),
        (lambda: R.motion_psf(1e6), ValueError, "length must be >= 1.0 and <= 200"),
        (lambda: R.motion_psf(5, float("nan")), ValueError, "angle must be finite"),
        (lambda: R.disk_psf("3"), TypeError, "radius must be a real number"),
        (lambda: R.psf_to_otf(np.ones((3, 3)), (2, 8)), ValueError, r"shape\[0\] must be"),
        (lambda: R.psf_to_otf(np.ones((3, 3)), (10**6, 8)), ValueError, "<= 8192"),
        (lambda: R.psf_to_otf(np.ones((3, 3)), 8), TypeError, r"shape must be a pair"),
        (lambda: R.psf_to_otf(np.ones(3), (8, 8)), ValueError, r"psf must be 2-D \(kh, kw\)"),
        (lambda: R.psf_to_otf(np.ones((300, 3)), (400, 8)), ValueError, "at most 255"),
        (lambda: R.degrade(np.zeros((8, 8)), -np.ones((3, 3)), 0, rng=0), ValueError,
         "psf must be non-negative"),
        (lambda: R.degrade(np.zeros((8, 8)), np.zeros((3, 3)), 0, rng=0), ValueError,
         "psf must have a positive sum"),
        (lambda: R.degrade(np.zeros((8, 8)), np.ones((3, 3)), -0.1, rng=0), ValueError,
         "noise_sigma must be >= 0"),
        (lambda: R.degrade(np.zeros((8, 8)), np.ones((3, 3)), 0.1, rng=None), TypeError,
         "rng must be"),
        (lambda: R.degrade(np.zeros((8, 8, 3)), np.ones((3, 3)), 0, rng=0), ValueError,
         r"image must be 2-D \(H, W\); got shape \(8, 8, 3\) - restore each channel"),
        (lambda: R.degrade(np.zeros((4, 4)), np.ones((9, 9)), 0, rng=0, border="reflect"),
         ValueError, "too large for an image"),
        (lambda: R.degrade(np.zeros((4, 4)), np.ones((3, 3)), 0, rng=0, border="zero"),
         ValueError, "border must be one of 'reflect', 'periodic'"),
        (lambda: R.degrade(np.zeros((9000, 2)), np.ones((1, 1)), 0, rng=0), ValueError,
         "at most 8192 pixels a side"),
        (lambda: R.inverse_filter(np.zeros((8, 8)), np.ones((3, 3)), cutoff=1.0), ValueError,
         "cutoff must be >= 0.0 and < 1.0"),
        (lambda: R.wiener(np.zeros((8, 8)), np.ones((3, 3)), 0), ValueError,
         "balance must be > 0"),
        (lambda: R.wiener(np.zeros((8, 8)), np.ones((3, 3)), float("inf")), ValueError,
         "balance must be finite"),
        (lambda: R.wiener(np.zeros((8, 8)), np.ones((3, 3)), 0.1, keep_mean=1), TypeError,
         "keep_mean must be True or False"),
        (lambda: R.wiener(np.full((8, 8), np.nan), np.ones((3, 3)), 0.1), ValueError, "NaN"),
        (lambda: R.richardson_lucy(np.zeros((8, 8)), np.ones((3, 3)), 0), ValueError,
         "num_iter must be an integer >= 1"),
        (lambda: R.richardson_lucy(np.zeros((8, 8)), np.ones((3, 3)), 10**7), ValueError,
         "num_iter must be an integer >= 1 and <= 10000"),
        (lambda: R.richardson_lucy(np.zeros((8, 8)), np.ones((3, 3)), 5, border="wrap"),
         ValueError, "border must be one of 'constant', 'reflect'"),
        (lambda: R.richardson_lucy_step(np.zeros((4, 4)), np.zeros((8, 8)), np.ones((3, 3))),
         ValueError, "estimate and image must have the same shape"),
        (lambda: R.blind_richardson_lucy(np.zeros((8, 8)), np.ones((3, 3)), 10**6), ValueError,
         "num_iter must be an integer >= 1 and <= 1000"),
        (lambda: R.blind_richardson_lucy(np.zeros((8, 8)), np.ones((3, 3)), psf_iter=0),
         ValueError, "psf_iter must be an integer >= 1"),
        (lambda: R.blind_richardson_lucy(np.zeros((8, 8)), np.ones((9, 9))), ValueError,
         "initial_psf of shape"),
        (lambda: R.bilateral_filter(np.zeros((8, 8), np.int64), 3, 10, 2), TypeError,
         "image must be uint8 or float"),
        (lambda: R.bilateral_filter(np.zeros((8, 8), np.uint8), 10**6, 10, 2), ValueError,
         "diameter must be an integer >= 0 and <= 101"),
        (lambda: R.bilateral_filter(np.zeros((8, 8), np.uint8), 3, 0, 2), ValueError,
         "sigma_color must be > 0"),
        (lambda: R.bilateral_filter(np.zeros((8, 8), np.uint8), 0, 10, 1e5), ValueError,
         "sigma_space must be <= 60 when diameter is 0"),
        (lambda: R.bilateral_filter(np.zeros((4, 4), np.uint8), 15, 10, 2), ValueError,
         r"window radius \(7\) must be smaller"),
        (lambda: R.restoration_scores(np.zeros((8, 8)), np.zeros((8, 9))), ValueError,
         "same shape"),
        (lambda: R.restoration_scores(np.zeros((5, 5)), np.zeros((5, 5))), ValueError,
         "at least 7x7"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- figures ------------------------------------------------------------------------------------
def test_restoration_figures_draw_and_refuse_bad_input(camera):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from helpers.plots import (
        plot_bilateral_weights,
        plot_error_maps,
        plot_gain_profiles,
        plot_kernels,
        plot_psf_spectra,
    )

    psf = R.gaussian_psf(2.0)
    fig = plot_psf_spectra({"gauss": psf, "disc": R.disk_psf(3)}, shape=(64, 64))
    assert len(fig.axes) >= 4
    fig = plot_gain_profiles(psf, balances=(1e-2,))
    assert len(fig.axes[0].lines) >= 3
    assert plot_bilateral_weights(load_photo("camera"), (200, 190), 9, 30, 3).axes
    assert plot_error_maps(camera, {"same": camera}).axes
    fig = plot_kernels({"a": psf, "b": R.disk_psf(2)}, columns=2)
    assert fig.axes[0].images[0].get_array().shape == (13, 13)   # padded to the largest
    plt.close("all")
    with pytest.raises(TypeError, match="psfs must be a non-empty dict"):
        plot_psf_spectra([psf])
    with pytest.raises(TypeError, match="balances must be a tuple or list"):
        plot_gain_profiles(psf, balances=0.1)
    with pytest.raises(ValueError, match=r"point\[0\] must be an integer >= 4"):
        plot_bilateral_weights(load_photo("camera"), (0, 190), 9, 30, 3)
    with pytest.raises(ValueError, match="must have the reference's shape"):
        plot_error_maps(camera, {"crop": camera[:10]})
    with pytest.raises(ValueError, match="at most 101 a side"):
        plot_kernels({"big": np.ones((200, 3))})
    with pytest.raises(ValueError, match="size must be > 0"):
        plot_kernels({"a": psf}, size=0)
    plt.close("all")


def test_psnr_curves_figure_draws_each_curve_with_its_baseline_and_refuses_bad_input():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from helpers.plots import plot_psnr_curves

    fig = plot_psnr_curves({"a": [20.0, 22.5, 23.0], "b": np.arange(5.0)}, {"b": 21.0})
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert len(lines) == 3                                   # two curves, one baseline
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])   # iterations count from 1
    np.testing.assert_array_equal(lines[0].get_ydata(), [20.0, 22.5, 23.0])
    assert list(lines[2].get_ydata()) == [21.0, 21.0]        # the baseline, in b's colour
    assert lines[2].get_color() == lines[1].get_color()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    plt.close("all")
    for call, error, match in [
        (lambda: plot_psnr_curves([1, 2]), TypeError, "curves must be a dict"),
        (lambda: plot_psnr_curves({}), TypeError, "curves must be a dict"),
        (lambda: plot_psnr_curves({"a": [[1.0]]}), ValueError, r"curves\['a'\] must be 1-D"),
        (lambda: plot_psnr_curves({"a": [1.0, np.nan]}), ValueError, "NaN"),
        (lambda: plot_psnr_curves({"a": np.zeros(100_001)}), ValueError, "at most 100000"),
        (lambda: plot_psnr_curves({"a": [1.0]}, {"b": 1.0}), ValueError, "not in curves"),
        (lambda: plot_psnr_curves({"a": [1.0]}, [1.0]), TypeError, "baselines must be a dict"),
        (lambda: plot_psnr_curves({"a": [1.0]}, {"a": np.inf}), ValueError, "baselines"),
        (lambda: plot_psnr_curves({"a": [1.0]}, xlabel=None), TypeError, "xlabel must be a str"),
        (lambda: plot_psnr_curves({"a": [1.0]}, size=0), TypeError, "size must be a"),
    ]:
        with pytest.raises(error, match=match):
            call()
    plt.close("all")


# -- explorers ----------------------------------------------------------------------------------
def test_wiener_explorer_matches_the_helpers_and_caches_the_degraded_image():
    ex = wiener_explorer(load_photo("camera"), blur=2.0, noise=0.01, balance=1e-2)
    psf = R.gaussian_psf(2.0)
    degraded = R.degrade(ex.clean, psf, 0.01, rng=0)
    np.testing.assert_array_equal(ex.result["degraded"], degraded)
    np.testing.assert_allclose(ex.result["restored"], R.wiener(degraded, psf, 1e-2))
    assert ex.result["psnr_restored"] > ex.result["psnr_degraded"] + 1
    first = ex.result["degraded"]
    ex.controls["balance"].value = 1e-3
    assert ex.result["degraded"] is first and "K = 1.0e-03" in ex.readout.value
    ex.controls["border"].value = "periodic"
    assert ex.result["psnr_restored"] < psnr(ex.clean, R.wiener(degraded, psf, 1e-3)) - 0.5
    ex.controls["noise"].value = 0.0
    assert "no noise" in ex.readout.value and ex.error is None
    with pytest.raises(ValueError, match="blur must be >= 0.5"):
        wiener_explorer(load_photo("camera"), blur=0.1)


def test_bilateral_explorer_matches_the_helpers():
    ex = bilateral_explorer(load_photo("camera"), noise=0.05)
    ex.controls["sigma_space"].value = 1.5
    d = ex.result["diameter"]
    assert d == 5
    np.testing.assert_array_equal(ex.result["bilateral"],
                                  R.bilateral_filter(ex.noisy, d, ex.result["sigma_color"], 1.5))
    assert "window 5x5" in ex.readout.value and ex.error is None


# -- checks -------------------------------------------------------------------------------------
def _stub(*args):
    raise NotImplementedError("exercise not attempted yet")


def _wiener_fft(image, psf, balance):
    otf = R.psf_to_otf(psf, image.shape)
    gain = np.conj(otf) / (np.abs(otf) ** 2 + balance)
    return np.fft.irfft2(gain * np.fft.rfft2(image), s=image.shape)


def test_wiener_filter_check():
    assert check_wiener_filter(_wiener_fft).passed
    no_shape = check_wiener_filter(
        lambda i, p, b: np.fft.irfft2(np.fft.rfft2(i) * np.conj(R.psf_to_otf(p, i.shape))
                                      / (np.abs(R.psf_to_otf(p, i.shape)) ** 2 + b)))
    assert no_shape.status == "failed" and "odd width" in no_shape.message
    no_conj = check_wiener_filter(
        lambda i, p, b: np.fft.irfft2(np.fft.rfft2(i) * R.psf_to_otf(p, i.shape)
                                      / (np.abs(R.psf_to_otf(p, i.shape)) ** 2 + b), s=i.shape))
    assert no_conj.status == "failed" and "lopsided" in no_conj.message
    assert check_wiener_filter(_stub).status == "not attempted"


def test_richardson_lucy_step_check():
    from scipy.signal import fftconvolve

    def step(estimate, image, psf):
        ratio = image / (fftconvolve(estimate, psf, mode="same") + 1e-12)
        return estimate * fftconvolve(ratio, psf[::-1, ::-1], mode="same")

    assert check_richardson_lucy_step(step).passed

    def unflipped(estimate, image, psf):
        ratio = image / (fftconvolve(estimate, psf, mode="same") + 1e-12)
        return estimate * fftconvolve(ratio, psf, mode="same")

    wrong = check_richardson_lucy_step(unflipped)
    assert wrong.status == "failed" and "asymmetric" in wrong.message
    assert check_richardson_lucy_step(_stub).status == "not attempted"
