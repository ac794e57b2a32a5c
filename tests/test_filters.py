"""helpers.filters against OpenCV, SciPy and scikit-image, plus its explorers and checks.

Conventions checked here (also in the module docstring of helpers/filters.py):

* ``correlate2d`` does not flip the kernel: it equals ``cv2.filter2D`` and
  ``scipy.ndimage.correlate``; ``convolve2d`` flips it and equals ``scipy.ndimage.convolve``.
* Border names: our "reflect101" = OpenCV BORDER_REFLECT_101 = scipy "mirror"; "reflect" =
  BORDER_REFLECT = scipy "reflect"; "replicate" = BORDER_REPLICATE = scipy "nearest".
* Float32 tolerance: inputs in [0, 1], kernels N(0, 1) up to 7x7 (49 products), so sums are
  O(10) and float32 rounding stays below 1e-5 absolute; we assert ``atol=2e-5``.
* ``cv2.GaussianBlur`` with sigma=0 uses fixed tables for sizes 3-9 (e.g. [1, 2, 1] / 4), not
  its own sigma formula; we compare with explicit sigmas and test that difference separately.
* Noise models are random: we compare statistics (mean, variance, fraction corrupted) with
  ``skimage.util.random_noise`` on 256x256 images (65,536 samples). The standard error of a
  variance estimate is ``var * sqrt(2 / N)`` ~ 0.6 % of it, so 5 % relative tolerance is
  ~9 standard errors: the tests do not flake, yet catch a wrong sigma-vs-variance convention.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage as ndi
import scipy.signal
import skimage.filters
import skimage.metrics
import skimage.util
from traitlets import TraitError

from helpers import filters as F
from helpers import notes
from helpers.checks import check_correlate_same, check_correlate_valid, check_median_filter
from helpers.widgets import gaussian_explorer, kernel_explorer, noise_explorer

# Names of OpenCV's border flags (cv2 is imported in the tests that need it, so that the
# numpy tests run without OpenCV).
CV2_BORDERS = {
    "reflect101": "BORDER_REFLECT_101",
    "reflect": "BORDER_REFLECT",
    "replicate": "BORDER_REPLICATE",
    "constant": "BORDER_CONSTANT",
}
SCIPY_MODES = {"reflect101": "mirror", "reflect": "reflect", "replicate": "nearest",
               "constant": "constant"}
ATOL32 = 2e-5


def random_case(rng, *, odd=True, max_k=7):
    """A random float32 image (5-40 px a side) and a kernel (1-max_k a side, odd if asked)."""
    h, w = rng.integers(8, 41, size=2)
    image = rng.random((h, w), dtype=np.float32)
    sides = rng.integers(0, max_k // 2 + 1, size=2) * 2 + 1 if odd else rng.integers(1, max_k + 1,
                                                                                     size=2)
    kernel = rng.standard_normal(tuple(sides)).astype(np.float32)
    return image, kernel


# -- correlation and convolution ---------------------------------------------------------------
@pytest.mark.parametrize("border", list(CV2_BORDERS))
def test_correlate2d_matches_cv2_filter2d(rng, border):
    cv2 = pytest.importorskip("cv2")
    for _ in range(100):
        image, kernel = random_case(rng)
        ref = cv2.filter2D(image, cv2.CV_32F, kernel, borderType=getattr(cv2, CV2_BORDERS[border]))
        ours = F.correlate2d(image, kernel, border=border)
        assert ours.dtype == np.float32 and ours.shape == image.shape
        np.testing.assert_allclose(ours, ref, atol=ATOL32)


@pytest.mark.parametrize("border", list(SCIPY_MODES))
def test_correlate_and_convolve_match_scipy_ndimage(rng, border):
    for _ in range(100):
        image, kernel = random_case(rng)
        image, kernel = image.astype(np.float64), kernel.astype(np.float64)
        mode = SCIPY_MODES[border]
        np.testing.assert_allclose(F.correlate2d(image, kernel, border=border),
                                   ndi.correlate(image, kernel, mode=mode), atol=1e-10)
        np.testing.assert_allclose(F.convolve2d(image, kernel, border=border),
                                   ndi.convolve(image, kernel, mode=mode), atol=1e-10)


def test_valid_mode_matches_scipy_signal_including_even_kernels(rng):
    for _ in range(100):
        image, kernel = random_case(rng, odd=False)
        ours = F.correlate2d(image, kernel, mode="valid")
        ref = scipy.signal.correlate2d(image.astype(np.float64), kernel, mode="valid")
        assert ours.shape == (image.shape[0] - kernel.shape[0] + 1,
                              image.shape[1] - kernel.shape[1] + 1)
        np.testing.assert_allclose(ours, ref, atol=ATOL32)
        np.testing.assert_allclose(F.convolve2d(image, kernel, mode="valid"),
                                   scipy.signal.convolve2d(image.astype(np.float64), kernel,
                                                           mode="valid"), atol=ATOL32)


@pytest.mark.parametrize("mode", ["same", "valid"])
def test_naive_equals_vectorised(rng, mode):
    for _ in range(20):
        image, kernel = random_case(rng, odd=(mode == "same"), max_k=5)
        image = image[:14, :14]
        border = rng.choice(list(CV2_BORDERS))
        np.testing.assert_allclose(F.correlate2d_naive(image, kernel, mode=mode, border=border),
                                   F.correlate2d(image, kernel, mode=mode, border=border),
                                   atol=ATOL32)


def test_notes_vertical_edge_example_in_full():
    # The notes' 6x6 input and [[1, 0, -1]] * 3 filter; the first output is their -5.
    image = notes.EDGE_INPUT
    assert F.KERNELS["vertical edge"] is notes.VERTICAL_EDGE_KERNEL  # one copy of the notes
    out = F.correlate2d(image, F.KERNELS["vertical edge"], mode="valid")
    expected = [[-5, -4, 0, 8], [-10, -2, 2, 3], [0, -2, -4, -7], [-3, -2, -3, -16]]
    np.testing.assert_array_equal(out, expected)
    # Convolution flips this antisymmetric kernel: every output changes sign.
    np.testing.assert_array_equal(F.convolve2d(image, F.KERNELS["vertical edge"], mode="valid"),
                                  -np.array(expected))


def test_flip_does_not_matter_for_symmetric_kernels(rng):
    image = rng.random((20, 30))
    for name in ("box blur", "gaussian 3x3", "laplacian", "identity"):
        np.testing.assert_allclose(F.convolve2d(image, F.KERNELS[name]),
                                   F.correlate2d(image, F.KERNELS[name]), atol=1e-12)


def test_integer_and_float64_inputs_keep_their_promised_dtype():
    assert F.correlate2d(np.ones((5, 5), np.uint8), np.ones((3, 3))).dtype == np.float32
    assert F.correlate2d(np.ones((5, 5)), np.ones((3, 3))).dtype == np.float64


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: F.correlate2d(np.zeros((4, 4, 3)), np.ones((3, 3))), ValueError,
         r"image must be 2-D .*filter each channel"),
        (lambda: F.correlate2d(np.zeros((0, 4)), np.ones((3, 3))), ValueError,
         "image must not be empty"),
        (lambda: F.correlate2d(np.full((4, 4), np.nan), np.ones((3, 3))), ValueError,
         "image contains NaN"),
        (lambda: F.correlate2d(np.zeros((4, 4)), np.ones((2, 2))), ValueError,
         "kernel must have odd height and width"),
        (lambda: F.correlate2d(np.zeros((4, 4)), np.ones(3)), ValueError, "kernel must be 2-D"),
        (lambda: F.correlate2d(np.zeros((4, 4)), [[np.inf]]), ValueError, "kernel contains NaN"),
        (lambda: F.correlate2d(np.zeros((4, 4)), np.ones((3, 3)), border="wrap"), ValueError,
         "border must be one of"),
        (lambda: F.correlate2d(np.zeros((4, 4)), np.ones((3, 3)), mode="full"), ValueError,
         "mode must be one of"),
        (lambda: F.correlate2d(np.zeros((2, 2)), np.ones((3, 3)), mode="valid"), ValueError,
         "larger than the image"),
        (lambda: F.correlate2d("image", np.ones((3, 3))), TypeError,
         "image must be a numeric array"),
        (lambda: F.correlate2d_naive(np.zeros((4, 4)), np.ones((4, 4))), ValueError,
         "kernel must have odd"),
        (lambda: F.convolve2d(np.zeros((4, 4)), np.ones((2, 3))), ValueError,
         "kernel must have odd"),
    ],
)
def test_correlation_rejects_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_pad_matches_cv2_copy_make_border_and_rejects_bad_input(rng):
    cv2 = pytest.importorskip("cv2")
    image = rng.random((6, 7)).astype(np.float32)
    for border, cv_border in CV2_BORDERS.items():
        ref = cv2.copyMakeBorder(image, 2, 2, 3, 3, getattr(cv2, cv_border))
        padded = F.pad(image, 2, 3, border=border)
        np.testing.assert_array_equal(padded, ref)
        assert padded.dtype == image.dtype
    with pytest.raises(ValueError, match="ph must be an integer >= 0 and <= 1024; got -1"):
        F.pad(image, -1, 0)
    with pytest.raises(ValueError, match="border must be one of"):
        F.pad(image, 1, 1, border="wrap")
    with pytest.raises(ValueError, match="larger than the padding"):
        F.pad(image, 6, 1)
    with pytest.raises(ValueError, match="size must be an odd integer >= 1 and <= \\d+; got 2"):
        F.gaussian_sigma_for_size(2)


# -- Gaussian and box ----------------------------------------------------------------------------
@pytest.mark.parametrize("border", list(CV2_BORDERS))
def test_gaussian_blur_matches_cv2_with_explicit_sigma(rng, border):
    cv2 = pytest.importorskip("cv2")
    for _ in range(100):
        image, _ = random_case(rng)
        size = int(rng.integers(0, 4)) * 2 + 1
        sigma = float(rng.uniform(0.3, 3.0))
        flag = getattr(cv2, CV2_BORDERS[border])
        ref = cv2.GaussianBlur(image, (size, size), sigma, borderType=flag)
        np.testing.assert_allclose(F.gaussian_blur(image, size, sigma, border=border), ref,
                                   atol=1e-5)


def test_gaussian_kernel_matches_cv2_and_documents_its_small_tables():
    cv2 = pytest.importorskip("cv2")
    for size in (1, 3, 5, 9, 15):
        for sigma in (0.5, 1.0, 2.5):
            g = cv2.getGaussianKernel(size, sigma)
            np.testing.assert_allclose(F.gaussian_kernel(size, sigma), g @ g.T, atol=1e-12)
    # sigma=None: our formula is OpenCV's documented one, but OpenCV uses fixed tables up to 9.
    np.testing.assert_allclose(cv2.getGaussianKernel(3, 0).ravel(), [0.25, 0.5, 0.25])
    assert np.abs(F.gaussian_kernel(3).sum(0) - cv2.getGaussianKernel(3, 0).ravel()).max() > 0.02
    g11 = cv2.getGaussianKernel(11, 0)
    np.testing.assert_allclose(F.gaussian_kernel(11), g11 @ g11.T, atol=1e-12)
    np.testing.assert_allclose(F.KERNELS["gaussian 3x3"], np.outer([0.25, 0.5, 0.25],
                                                                   [0.25, 0.5, 0.25]))


@pytest.mark.parametrize("border", list(CV2_BORDERS))
def test_box_blur_matches_cv2_blur(rng, border):
    cv2 = pytest.importorskip("cv2")
    for _ in range(100):
        image, _ = random_case(rng)
        size = int(rng.integers(0, 4)) * 2 + 1
        ref = cv2.blur(image, (size, size), borderType=getattr(cv2, CV2_BORDERS[border]))
        np.testing.assert_allclose(F.box_blur(image, size, border=border), ref, atol=1e-5)
        np.testing.assert_allclose(F.correlate2d(image, F.box_kernel(size), border=border), ref,
                                   atol=1e-5)


def test_box_kernel_and_presets():
    for size in (1, 3, 5, 7):
        k = F.box_kernel(size)
        assert k.shape == (size, size) and np.isclose(k.sum(), 1.0) and np.ptp(k) == 0
    for name, kernel in F.KERNELS.items():
        assert kernel.shape == (3, 3), name
        with pytest.raises(ValueError, match="read-only"):
            kernel[0, 0] = 5
    sums = {name: float(k.sum()) for name, k in F.KERNELS.items()}
    assert sums["sharpen"] == 1 and sums["vertical edge"] == 0 and sums["laplacian"] == 0


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: F.box_kernel(4), "size must be an odd integer >= 1 and <= \\d+; got 4"),
        (lambda: F.box_kernel(-3), "size must be an odd integer >= 1 and <= \\d+; got -3"),
        (lambda: F.box_blur(np.zeros((5, 5)), 0), "size must be an odd integer"),
        (lambda: F.box_blur(np.zeros((5, 5, 3)), 3), "image must be 2-D"),
        (lambda: F.gaussian_blur(np.zeros((5, 5)), 3, sigma=0), "sigma must be > 0"),
        (lambda: F.gaussian_blur(np.zeros((5, 5)), 3, sigma=-1.0), "sigma must be > 0"),
        (lambda: F.gaussian_blur(np.zeros((5, 5)), 4), "size must be an odd integer"),
        (lambda: F.gaussian_kernel(3, sigma=float("nan")), "sigma must be finite"),
    ],
)
def test_blurs_reject_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_box_kernel_rejects_non_integer_size():
    with pytest.raises(TypeError, match="size must be an integer; got float 3.0"):
        F.box_kernel(3.0)


# -- sharpening ---------------------------------------------------------------------------------
def test_unsharp_mask_matches_skimage(rng):
    for _ in range(50):
        image, _ = random_case(rng)
        image = image.astype(np.float64)
        sigma, amount = float(rng.uniform(0.5, 2.0)), float(rng.uniform(0, 3))
        size = 2 * int(4 * sigma + 0.5) + 1  # scikit-image truncates its Gaussian at 4 sigma
        if size // 2 >= min(image.shape):
            continue
        ref = skimage.filters.unsharp_mask(image, radius=sigma, amount=amount, preserve_range=True)
        ours = F.unsharp_mask(image, sigma, amount, size=size, border="reflect")
        np.testing.assert_allclose(ours, ref, atol=1e-10)


def test_unsharp_mask_is_image_plus_amount_times_detail(rng):
    image = rng.random((30, 40))
    detail = image - F.gaussian_blur(image, 7, 1.0)
    np.testing.assert_allclose(F.unsharp_mask(image, 1.0, 2.0, size=7), image + 2 * detail)
    np.testing.assert_allclose(F.unsharp_mask(image, 1.0, 0.0), image)
    # The 3x3 "sharpen" preset is unsharp masking with a 4-neighbour mean as the blur, amount 4.
    mean4 = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]) / 4
    np.testing.assert_allclose(F.correlate2d(image, F.KERNELS["sharpen"]),
                               image + 4 * (image - F.correlate2d(image, mean4)), atol=1e-12)


def test_unsharp_mask_rejects_bad_input():
    with pytest.raises(ValueError, match="sigma must be > 0"):
        F.unsharp_mask(np.zeros((5, 5)), sigma=0)
    with pytest.raises(ValueError, match="amount must be >= 0"):
        F.unsharp_mask(np.zeros((5, 5)), amount=-1)
    with pytest.raises(ValueError, match=r"image must be 2-D .*sharpen each channel"):
        F.unsharp_mask(np.zeros((5, 5, 3)))


# -- median -------------------------------------------------------------------------------------
def test_median_matches_cv2_median_blur_exactly_on_uint8(rng):
    cv2 = pytest.importorskip("cv2")
    for _ in range(100):
        h, w = rng.integers(10, 50, size=2)
        image = rng.integers(0, 256, (h, w), dtype=np.uint8)
        size = int(rng.choice([1, 3, 5, 7, 9]))
        ours = F.median_filter(image, size)
        assert ours.dtype == np.uint8
        np.testing.assert_array_equal(ours, cv2.medianBlur(image, size))


def test_median_matches_cv2_on_float32(rng):
    cv2 = pytest.importorskip("cv2")
    for _ in range(50):
        image = rng.random(tuple(rng.integers(10, 40, size=2)), dtype=np.float32)
        size = int(rng.choice([3, 5]))  # cv2.medianBlur takes float32 only for sizes 3 and 5
        np.testing.assert_array_equal(F.median_filter(image, size), cv2.medianBlur(image, size))


@pytest.mark.parametrize("border", list(SCIPY_MODES))
def test_median_matches_scipy_ndimage_for_every_border(rng, border):
    for _ in range(100):
        image = rng.random(tuple(rng.integers(10, 40, size=2)))
        size = int(rng.choice([1, 3, 5, 7]))
        ref = ndi.median_filter(image, size=size, mode=SCIPY_MODES[border])
        np.testing.assert_array_equal(F.median_filter(image, size, border=border), ref)


def test_median_naive_equals_vectorised_and_keeps_dtype(rng):
    for dtype in (np.uint8, np.int16, np.float32, np.float64):
        image = (rng.random((13, 17)) * 100).astype(dtype)
        for size in (1, 3, 5):
            fast = F.median_filter(image, size)
            assert fast.dtype == dtype
            np.testing.assert_array_equal(F.median_filter_naive(image, size), fast)


def test_median_blocks_cover_a_large_image(rng):
    # 300 x 300 x 81 window values exceed one 2**22 block: the row blocking must tile exactly.
    cv2 = pytest.importorskip("cv2")
    image = rng.integers(0, 256, (300, 300), dtype=np.uint8)
    np.testing.assert_array_equal(F.median_filter(image, 9), cv2.medianBlur(image, 9))


def test_median_removes_isolated_outliers_and_keeps_steps():
    image = np.zeros((9, 9), np.uint8)
    image[:, 5:] = 200
    salted = image.copy()
    salted[2, 2], salted[6, 7] = 255, 0
    np.testing.assert_array_equal(F.median_filter(salted, 3), image)


@pytest.mark.parametrize("fn", [F.median_filter, F.median_filter_naive])
def test_median_rejects_bad_input(fn):
    with pytest.raises(ValueError, match="size must be an odd integer >= 1 and <= \\d+; got 4"):
        fn(np.zeros((5, 5)), 4)
    with pytest.raises(ValueError, match="size must be an odd integer >= 1 and <= \\d+; got -1"):
        fn(np.zeros((5, 5)), -1)
    with pytest.raises(ValueError, match="image must be 2-D"):
        fn(np.zeros((5, 5, 3)), 3)
    with pytest.raises(ValueError, match="image contains NaN"):
        fn(np.array([[np.nan, 1.0], [1.0, 1.0]]), 1)
    with pytest.raises(ValueError, match="border must be one of"):
        fn(np.zeros((5, 5)), 3, border="mirror")
    with pytest.raises(ValueError, match="image must not be empty"):
        fn(np.zeros((0, 5)), 3)


# -- noise --------------------------------------------------------------------------------------
def clean_photo_like(rng, shape=(256, 256)):
    """A float image with values in [0.2, 0.8]: no clipping for moderate noise."""
    return (0.2 + 0.6 * rng.random(shape)).astype(np.float32)


@pytest.mark.parametrize("sigma", [0.02, 0.1, 0.3])
def test_gaussian_noise_statistics_match_skimage(rng, sigma):
    image = clean_photo_like(rng)
    ours = F.add_gaussian_noise(image, sigma, rng=1, clip=False) - image
    ref = skimage.util.random_noise(image, mode="gaussian", var=sigma**2, rng=2, clip=False) - image
    for noise in (ours, ref):
        assert abs(noise.mean()) < 5 * sigma / np.sqrt(noise.size)
        assert noise.var() == pytest.approx(sigma**2, rel=0.05)
    assert ours.var() == pytest.approx(ref.var(), rel=0.05)


@pytest.mark.parametrize(("amount", "salt"), [(0.05, 0.5), (0.3, 0.5), (0.2, 0.8)])
def test_salt_and_pepper_fraction_matches_skimage(rng, amount, salt):
    image = clean_photo_like(rng)
    ours = F.add_salt_and_pepper(image, amount, rng=1, salt_vs_pepper=salt)
    ref = skimage.util.random_noise(image, mode="s&p", amount=amount, salt_vs_pepper=salt, rng=2)
    for noisy in (ours, ref):
        corrupted = noisy != image
        # Binomial(65536, p): standard error <= 0.002; allow 0.01.
        assert corrupted.mean() == pytest.approx(amount, abs=0.01)
        assert (noisy[corrupted] == 1).mean() == pytest.approx(salt, abs=0.03)
        assert set(np.unique(noisy[corrupted])) <= {0.0, 1.0}
    assert ours.dtype == np.float32


def test_salt_and_pepper_hits_whole_rgb_pixels(rng):
    rgb = rng.integers(30, 220, (64, 64, 3), dtype=np.uint8)
    noisy = F.add_salt_and_pepper(rgb, 0.2, rng=3)
    changed = (noisy != rgb.astype(np.float32) / np.float32(255)).any(axis=-1)
    assert 0.15 < changed.mean() < 0.25
    corrupted = noisy[changed]
    assert np.all((corrupted == 0).all(axis=-1) | (corrupted == 1).all(axis=-1))


def test_poisson_noise_statistics_match_skimage(rng):
    # Every uint8 level present -> skimage scales by 2**ceil(log2(256)) = 256 = our peak.
    image = np.tile(np.arange(256, dtype=np.uint8), (256, 1))
    f = image / 255.0
    ours = F.add_poisson_noise(image, 256, rng=1, clip=False)
    ref = skimage.util.random_noise(image, mode="poisson", rng=2, clip=False)
    for noisy in (ours, ref):
        residual = noisy - f
        assert abs(residual.mean()) < 5 * np.sqrt(f.mean() / 256 / f.size)
        # Var[g | f] = f / peak: compare the variance in the darkest and brightest quarters.
        for cols in (slice(0, 64), slice(192, 256)):
            assert residual[:, cols].var() == pytest.approx(f[:, cols].mean() / 256, rel=0.05)
    assert ours.var() == pytest.approx(ref.var(), rel=0.02)


def test_speckle_noise_statistics_match_skimage(rng):
    image = clean_photo_like(rng)
    ours = F.add_speckle_noise(image, 0.1, rng=1, clip=False) - image
    ref = skimage.util.random_noise(image, mode="speckle", var=0.01, rng=2, clip=False) - image
    expected_var = 0.01 * float(np.mean(image.astype(np.float64) ** 2))
    for noise in (ours, ref):
        assert noise.var() == pytest.approx(expected_var, rel=0.05)


def test_noise_is_reproducible_and_clipped(rng):
    image = clean_photo_like(rng, (32, 32))
    for kind in F.NOISE_KINDS:
        a, b = F.add_noise(image, kind, 0.5, rng=7), F.add_noise(image, kind, 0.5, rng=7)
        np.testing.assert_array_equal(a, b)
        assert a.dtype == np.float32 and 0 <= a.min() and a.max() <= 1
        np.testing.assert_array_equal(F.add_noise(image, kind, 0.0, rng=7), image)
    # The shared knob: level is sigma for "gaussian" and 1 / sqrt(peak) for "poisson".
    np.testing.assert_array_equal(F.add_noise(image, "gaussian", 0.1, rng=4),
                                  F.add_gaussian_noise(image, 0.1, rng=4))
    np.testing.assert_array_equal(F.add_noise(image, "poisson", 0.1, rng=4),
                                  F.add_poisson_noise(image, 100.0, rng=4))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: F.add_gaussian_noise(np.zeros((4, 4)), -0.1, rng=0), ValueError,
         "sigma must be >= 0"),
        (lambda: F.add_gaussian_noise(np.zeros((4, 4)), 0.1, rng=None), TypeError,
         "rng must be a numpy.random.Generator"),
        (lambda: F.add_gaussian_noise(np.full((4, 4), 2.0), 0.1, rng=0), ValueError,
         r"float images must lie in\s+\[0, 1\]"),
        (lambda: F.add_salt_and_pepper(np.zeros((4, 4)), 1.5, rng=0), ValueError,
         "amount must be >= 0 and <= 1"),
        (lambda: F.add_salt_and_pepper(np.zeros((4, 4)), 0.1, rng=0, salt_vs_pepper=-1),
         ValueError, "salt_vs_pepper must be >= 0"),
        (lambda: F.add_poisson_noise(np.zeros((4, 4)), 0, rng=0), ValueError, "peak must be > 0"),
        (lambda: F.add_speckle_noise(np.zeros((4, 4)), float("nan"), rng=0), ValueError,
         "sigma must be finite"),
        (lambda: F.add_speckle_noise(np.zeros((0, 4)), 0.1, rng=0), ValueError,
         "image must not be empty"),
        (lambda: F.add_noise(np.zeros((4, 4)), "uniform", 0.1, rng=0), ValueError,
         "kind must be one of"),
        (lambda: F.add_noise(np.zeros((4, 4)), "gaussian", -1, rng=0), ValueError,
         "level must be >= 0"),
        (lambda: F.denoise(np.zeros((4, 4)), "bilateral", 3), ValueError, "method must be one of"),
        (lambda: F.denoise(np.zeros((4, 4)), "median", 2), ValueError, "size must be an odd"),
    ],
)
def test_noise_and_denoise_reject_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_denoise_dispatches_to_the_filters(rng):
    image = rng.random((20, 20), dtype=np.float32)
    np.testing.assert_array_equal(F.denoise(image, "box", 5), F.box_blur(image, 5))
    np.testing.assert_array_equal(F.denoise(image, "gaussian", 5), F.gaussian_blur(image, 5))
    np.testing.assert_array_equal(F.denoise(image, "median", 5), F.median_filter(image, 5))


# -- PSNR ---------------------------------------------------------------------------------------
def test_psnr_matches_skimage_and_cv2(rng):
    cv2 = pytest.importorskip("cv2")
    for _ in range(100):
        shape = tuple(rng.integers(2, 40, size=2))
        a = rng.integers(0, 256, shape, dtype=np.uint8)
        b = np.clip(a + rng.integers(-20, 21, shape), 0, 255).astype(np.uint8)
        if np.array_equal(a, b):
            continue
        ours = F.psnr(a, b)
        assert ours == pytest.approx(skimage.metrics.peak_signal_noise_ratio(a, b), abs=1e-9)
        assert ours == pytest.approx(cv2.PSNR(a, b, 255.0), abs=1e-9)
        af, bf = a / 255.0, b / 255.0
        assert F.psnr(af, bf) == pytest.approx(
            skimage.metrics.peak_signal_noise_ratio(af, bf, data_range=1.0), abs=1e-9)
        assert F.psnr(af, bf) == pytest.approx(ours, abs=1e-9)


def test_psnr_analytic_values():
    assert F.psnr(np.zeros(4), np.full(4, 0.1)) == pytest.approx(20.0)
    assert F.psnr(np.zeros(4), np.full(4, 0.05)) == pytest.approx(20 + 20 * np.log10(2))
    assert F.psnr(np.ones((3, 3)), np.ones((3, 3))) == float("inf")


def test_psnr_rejects_bad_input():
    with pytest.raises(ValueError, match=r"same shape; got \(2, 2\) and \(2, 3\)"):
        F.psnr(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="data_range must be given"):
        F.psnr(np.full((2, 2), 300.0), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="data_range must be > 0"):
        F.psnr(np.zeros((2, 2)), np.zeros((2, 2)), data_range=0)
    with pytest.raises(ValueError, match="test contains NaN"):
        F.psnr(np.zeros(2), np.array([0.0, np.nan]))


# -- explorers ----------------------------------------------------------------------------------


def test_kernel_explorer_presets_cells_and_normalise(rng):
    gray = rng.integers(0, 256, (40, 50), dtype=np.uint8)
    f = gray / np.float32(255)
    ex = kernel_explorer(gray, preset="identity")
    np.testing.assert_allclose(ex.result["output"], f, atol=1e-6)
    ex.controls["preset"].value = "vertical edge"
    np.testing.assert_array_equal(ex.controls["k02"].value, -1.0)
    np.testing.assert_allclose(ex.result["output"],
                               F.correlate2d(f, F.KERNELS["vertical edge"]), atol=1e-6)
    assert "kernel sum = 0" in ex.readout.value and "mid-gray = 0" in ex.readout.value
    # Normalising a zero-sum kernel is impossible: said, not crashed.
    ex.controls["normalise"].value = True
    assert "cannot be normalised" in ex.readout.value and ex.error is None
    # Typing in a cell makes the preset "custom"; normalising divides by the typed sum.
    ex.set(preset="box blur", normalise=False)
    ex.controls["k11"].value = 9.0
    assert ex.controls["preset"].value == "custom"
    typed = np.full((3, 3), 1 / 9)
    typed[1, 1] = 9.0
    np.testing.assert_allclose(ex.result["typed"], typed)
    ex.controls["normalise"].value = True
    np.testing.assert_allclose(ex.result["kernel"], typed / typed.sum())
    assert "kernel sum = 1 after normalising" in ex.readout.value
    lo, hi = ex.result["range"]
    assert f"[{lo:.3f}, {hi:.3f}]" in ex.readout.value


def test_kernel_explorer_never_evaluates_text_and_survives_nan():
    ex = kernel_explorer(np.zeros((20, 20), np.uint8))
    before = ex.typed_kernel().copy()
    with pytest.raises(TraitError):
        ex.controls["k00"].value = "__import__('os').getcwd()"
    np.testing.assert_array_equal(ex.typed_kernel(), before)
    ex.controls["k00"].value = float("nan")
    assert ex.error and "kernel contains NaN" in ex.readout.value
    ex.controls["k00"].value = 0.0
    assert ex.error is None


def test_gaussian_explorer_matches_the_helpers(rng):
    gray = rng.random((60, 70)).astype(np.float32)
    ex = gaussian_explorer(gray, size=5, sigma=1.0)
    ex.set(size=9, sigma=2.0)
    np.testing.assert_allclose(ex.result["blurred"], F.gaussian_blur(gray, 9, 2.0), atol=1e-6)
    np.testing.assert_allclose(ex.result["kernel"], F.gaussian_kernel(9, 2.0))
    assert "cuts the bell off" in ex.readout.value and "size >= 13" in ex.readout.value
    ex.set(size=31, sigma=0.5)
    assert "wasted work" in ex.readout.value
    ex.set(size=7, sigma=1.0)
    assert "size fits sigma" in ex.readout.value


def test_noise_explorer_reports_psnr_and_keeps_noise_fixed(rng):
    gray = rng.integers(0, 256, (64, 64), dtype=np.uint8)
    f = gray / np.float32(255)
    ex = noise_explorer(gray, seed=5)
    # Shown pixel for pixel (the noise is the point), so each update pastes them.
    assert {im.get_interpolation() for im in ex._images} == {"nearest"}
    ex.set(noise="gaussian", level=0.1, filter="box", size=5)
    noisy = F.add_noise(f, "gaussian", 0.1, rng=5)
    np.testing.assert_array_equal(ex.result["noisy"], noisy)
    np.testing.assert_array_equal(ex.result["filtered"], F.box_blur(noisy, 5))
    assert f"{F.psnr(f, noisy):.2f} dB" in ex.readout.value
    assert f"{F.psnr(f, F.box_blur(noisy, 5)):.2f} dB" in ex.readout.value
    ex.controls["filter"].value = "none"
    assert ex.result["psnr_filtered"] == ex.result["psnr_noisy"]
    ex.controls["level"].value = 0.0
    assert "no noise added" in ex.readout.value and ex.error is None
    for kind in F.NOISE_KINDS:  # every control position renders
        ex.set(noise=kind, level=0.5, filter="median", size=7)
        assert ex.error is None


def test_explorers_reject_wrong_images_and_settings():
    with pytest.raises(ValueError, match="image must be 2-D"):
        kernel_explorer(np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="preset must be one of"):
        kernel_explorer(np.zeros((4, 4), np.uint8), preset="blur")
    with pytest.raises(ValueError, match="size must be an odd integer"):
        gaussian_explorer(np.zeros((9, 9), np.uint8), size=4)
    with pytest.raises(TypeError, match="seed must be an integer"):
        noise_explorer(np.zeros((9, 9), np.uint8), seed="0")


# -- checks -------------------------------------------------------------------------------------
def _stub(*args):
    raise NotImplementedError("exercise not attempted yet")


def _correlate_same_by_shifting(image, kernel, border):
    kh, kw = kernel.shape
    h, w = image.shape
    padded = np.pad(image, ((kh // 2, kh // 2), (kw // 2, kw // 2)), mode=F.BORDERS[border])
    out = np.zeros((h, w))
    for i in range(kh):
        for j in range(kw):
            out += kernel[i, j] * padded[i:i + h, j:j + w]
    return out


def test_correlate_same_check():
    assert check_correlate_same(_correlate_same_by_shifting).passed
    assert check_correlate_same(
        lambda img, k, b: F.correlate2d_naive(np.asarray(img, float), k, border=b)).passed
    flipped = check_correlate_same(lambda img, k, b: _correlate_same_by_shifting(img, k[::-1, ::-1],
                                                                                 b))
    assert flipped.status == "failed" and "shift kernel, zero border" in flipped.message
    zeros = check_correlate_same(lambda img, k, b: _correlate_same_by_shifting(img, k, "constant"))
    assert zeros.status == "failed" and "'replicate'" in zeros.message
    valid = check_correlate_same(
        lambda img, k, b: F.correlate2d(np.asarray(img, float), k, mode="valid"))
    assert valid.status == "failed" and "shape" in valid.message
    assert check_correlate_same(_stub).status == "not attempted"


def test_correlate_valid_check():
    assert check_correlate_valid(
        lambda img, k: F.correlate2d(np.asarray(img, float), k, mode="valid")).passed
    same = check_correlate_valid(lambda img, k: F.correlate2d(np.asarray(img, float), k))
    assert same.status == "failed" and "shape differs: expected (4, 4), got (6, 6)" in same.message
    conv = check_correlate_valid(
        lambda img, k: F.convolve2d(np.asarray(img, float), k, mode="valid"))
    assert conv.status == "failed" and "notes' 6x6" in conv.message and "expected" in conv.message
    assert check_correlate_valid(_stub).status == "not attempted"


def _median_by_shifting(image, size):
    h, w = image.shape
    padded = np.pad(image, size // 2, mode="edge")
    shifted = [padded[i:i + h, j:j + w] for i in range(size) for j in range(size)]
    return np.median(np.stack(shifted), axis=0).astype(image.dtype)


def test_median_filter_check():
    assert check_median_filter(_median_by_shifting).passed
    assert check_median_filter(F.median_filter_naive).passed
    zero_pad = check_median_filter(lambda img, n: F.median_filter(img, n, border="constant"))
    assert zero_pad.status == "failed" and "one salt pixel" in zero_pad.message
    mean = check_median_filter(lambda img, n: F.box_blur(img, n, border="replicate"))
    assert mean.status == "failed" and "one salt pixel" in mean.message
    only3 = check_median_filter(lambda img, n: F.median_filter(img, 3))
    assert only3.status == "failed" and "size 1" in only3.message
    crash = check_median_filter(lambda img, n: img[5, 5])
    assert crash.status == "error" and "IndexError" in crash.message
    assert check_median_filter(_stub).status == "not attempted"


def test_edge_kernel_generalises_the_notes_filter():
    np.testing.assert_array_equal(F.edge_kernel(3), notes.VERTICAL_EDGE_KERNEL)
    np.testing.assert_array_equal(F.edge_kernel(1), [[1.0]])
    np.testing.assert_array_equal(F.edge_kernel(4)[0], [1, 1, -1, -1])
    with pytest.raises(ValueError, match="f must be an integer >= 1 and <= 101; got 0"):
        F.edge_kernel(0)


# -- bounds: nothing allocates gigabytes or loops for minutes -------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: F.gaussian_kernel(100001), ValueError, r"size must be .* <= 1023; got 100001"),
        (lambda: F.box_kernel(100001), ValueError, r"size must be .* <= 1023; got 100001"),
        (lambda: F.gaussian_sigma_for_size(10**9 + 1), ValueError, r"size must be .* <= 1023"),
        (lambda: F.gaussian_blur(np.zeros((8, 8)), 100001), ValueError, r"size must be .*<= 1023"),
        (lambda: F.box_blur(np.zeros((8, 8)), 100001), ValueError, r"size must be .* <= 1023"),
        (lambda: F.median_filter(np.zeros((8, 8)), 100001), ValueError, r"size must be .* <= 101"),
        (lambda: F.median_filter_naive(np.zeros((8, 8)), 10**9 + 1), ValueError,
         r"size must be .* <= 101"),
        (lambda: F.median_filter(np.zeros((4000, 4000), np.uint8), 101), ValueError,
         r"a 101x101 median of a \(4000, 4000\) image needs .* operations"),
        (lambda: F.median_filter_naive(np.zeros((600, 600)), 9), ValueError,
         "the loop version needs .* use median_filter"),
        (lambda: F.correlate2d_naive(np.zeros((600, 600)), np.ones((9, 9))), ValueError,
         "the loop version needs .* use correlate2d"),
        (lambda: F.correlate2d(np.zeros((8, 8)), np.ones((1025, 1))), ValueError,
         r"kernel sides must be at most 1023; got shape \(1025, 1\)"),
        (lambda: F.correlate2d(np.zeros((3000, 3000), np.float32), np.ones((31, 31))),
         ValueError, "a 31x31 kernel on a .* use a separable filter"),
        (lambda: F.gaussian_blur(np.zeros((20000, 20000), np.uint8), 1023), ValueError,
         r"a 1023x1023 blur .* needs"),
        (lambda: F.pad(np.zeros((4, 4)), 10**6, 0, border="constant"), ValueError,
         "ph must be an integer >= 0 and <= 1024; got 1000000"),
        (lambda: F.unsharp_mask(np.zeros((4, 4)), sigma=1e6), ValueError,
         r"sigma must be > 0 and <= 100"),
        (lambda: F.unsharp_mask(np.zeros((4, 4)), amount=float("inf")), ValueError,
         "amount must be finite"),
        (lambda: F.correlate2d(np.zeros((4, 4)), np.ones((3, 3)), mode="valid", cval=np.nan),
         ValueError, "cval must be finite"),
        (lambda: F.correlate2d(np.zeros((4, 4)), np.ones((3, 3)), mode="valid", border="wrap"),
         ValueError, "border must be one of"),
        (lambda: F.add_gaussian_noise(np.zeros((4, 4)), 0.1, rng=0, clip=None), TypeError,
         "clip must be True or False; got NoneType"),
        (lambda: F.add_poisson_noise(np.zeros((4, 4)), 100, rng=0, clip=1), TypeError,
         "clip must be True or False"),
        (lambda: F.add_speckle_noise(np.zeros((4, 4)), 0.1, rng=0, clip="no"), TypeError,
         "clip must be True or False"),
        (lambda: F.add_gaussian_noise(np.zeros((4, 4)), 1e300, rng=0), ValueError,
         r"sigma must be >= 0 and <= 10"),
        (lambda: F.add_poisson_noise(np.zeros((4, 4)), 1e300, rng=0), ValueError,
         r"peak must be > 0 and <= 1000000000000.0; got 1e\+300"),
        (lambda: F.add_noise(np.zeros((4, 4)), "poisson", 1e-9, rng=0), ValueError,
         "level must be 0 or at least 1e-06 for Poisson noise"),
        (lambda: F.add_noise(np.zeros((4, 4)), "gaussian", 1e9, rng=0), ValueError,
         r"level must be >= 0 and <= 10"),
        (lambda: F.denoise(np.zeros((4, 4)), "box", 100001), ValueError,
         r"size must be an odd integer >= 1 and <= 1023"),
        (lambda: F.denoise(np.zeros((4, 4)), "median", 103), ValueError,
         r"size must be an odd integer >= 1 and <= 101"),
    ],
)
def test_sizes_and_floats_are_bounded(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_median_blocks_bound_memory_for_wide_windows(rng):
    # A 41x41 window holds 1681 values: blocks split the columns too, same result as scipy.
    image = rng.integers(0, 256, (30, 700), dtype=np.uint8)
    np.testing.assert_array_equal(F.median_filter(image, 41),
                                  ndi.median_filter(image, 41, mode="nearest"))


def test_kernel_explorer_from_the_browser_fills_cells_then_draws_once():
    import asyncio

    async def kernel():  # what the kernel does with the browser's message
        ex = kernel_explorer(np.zeros((20, 20), np.uint8), preset="identity")
        calls = []
        update = ex.update
        ex.update = lambda: (calls.append(1), update())
        preset = ex.controls["preset"]
        preset.set_state({"index": preset.options.index("box blur")})
        filled, before = ex.controls["k00"].value, len(calls)
        await asyncio.sleep(0)
        return filled, before, len(calls), ex.result["kernel"]

    filled, before, after, kernel = asyncio.run(kernel())
    assert filled == pytest.approx(1 / 9) and before == 0  # cells filled at once, no drawing
    assert after == 1                                      # one update for ten changed controls
    np.testing.assert_allclose(kernel, F.KERNELS["box blur"])
