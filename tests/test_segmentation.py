"""helpers.segmentation against OpenCV, scikit-image and scikit-learn; its explorers, checks.

Conventions checked here (also in the module docstring of helpers/segmentation.py):

* Foreground is ``image > t``: ``cv2.threshold(..., THRESH_BINARY)`` and
  ``image > skimage.filters.threshold_otsu(image)``. ``threshold_otsu`` returns OpenCV's integer
  ``t`` on uint8 images - identical on every random image below, including two-valued ones
  where many thresholds tie.
* ``adaptive_threshold(image, b, c, method) == cv2.adaptiveThreshold(image, 255, MEAN_C or
  GAUSSIAN_C, THRESH_BINARY, b, c) > 0`` pixel for pixel: replicated border, local mean rounded
  to a gray level, fractional ``c`` included.
* Region growing compares with the seed's value: ``skimage.segmentation.flood`` with
  ``connectivity=1`` (4-neighbours) or ``2`` (8), and ``cv2.floodFill`` with
  ``FLOODFILL_FIXED_RANGE`` (whose seed is ``(x, y)``, ours ``(row, col)``).
* K-means: naive == vectorised for the same seed (bit for bit: the same arithmetic in the same
  order). Against ``cv2.kmeans`` and scikit-learn we compare compactness over several seeds,
  since the random streams differ: the best of five runs within 1 %.
"""

from __future__ import annotations

import numpy as np
import pytest
import skimage.filters
import skimage.segmentation

from helpers import segmentation as S
from helpers.checks import check_kmeans_step, check_otsu_variance, check_region_grow
from helpers.data import load_photo
from helpers.widgets import (
    adaptive_threshold_explorer,
    kmeans_explorer,
    otsu_explorer,
    region_growing_explorer,
)


def random_uint8(rng, kind: int) -> np.ndarray:
    """Random test images of four kinds: uniform, few levels, two values, a clipped Gaussian."""
    shape = tuple(rng.integers(1, 50, size=2))
    if kind == 0:
        return rng.integers(0, 256, shape, dtype=np.uint8)
    if kind == 1:
        return rng.integers(0, int(rng.integers(1, 257)), shape).astype(np.uint8)
    if kind == 2:
        a, b = rng.integers(0, 256, 2)
        return np.where(rng.random(shape) < rng.random(), a, b).astype(np.uint8)
    mean, std = rng.integers(0, 256), rng.integers(1, 80)
    return np.clip(rng.normal(mean, std, shape), 0, 255).astype(np.uint8)


# -- thresholds ---------------------------------------------------------------------------------
def test_threshold_otsu_equals_cv2_on_random_images(rng):
    cv2 = pytest.importorskip("cv2")
    for i in range(1200):
        image = random_uint8(rng, i % 4)
        t_cv, _ = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        assert S.threshold_otsu(image) == int(t_cv), (i, image.shape)


@pytest.mark.parametrize("name", ["camera", "coins", "page", "text", "moon"])
def test_threshold_otsu_equals_cv2_and_skimage_on_photos(name):
    cv2 = pytest.importorskip("cv2")
    image = load_photo(name, gray=True)
    t = S.threshold_otsu(image)
    assert t == int(cv2.threshold(image, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[0])
    assert t == int(skimage.filters.threshold_otsu(image))
    assert t == int(np.argmax(S.otsu_between_class_variance(np.bincount(image.ravel(),
                                                                        minlength=256))))


def test_otsu_on_a_bimodal_image_lies_between_the_modes(rng):
    dark = rng.normal(60, 8, 3000)
    bright = rng.normal(180, 12, 2000)
    image = np.clip(np.concatenate([dark, bright]), 0, 255).astype(np.uint8).reshape(50, 100)
    t = S.threshold_otsu(image)
    assert 60 < t < 180
    # Almost every pixel lands on its own side (the tails overlap by a handful at most).
    assert np.mean((image > t)[:, :] == (np.arange(5000) >= 3000).reshape(50, 100)) > 0.999


def test_otsu_of_two_values_splits_them_and_flat_gives_zero():
    image = np.array([[10, 10, 200, 200, 200]], np.uint8)
    assert 10 <= S.threshold_otsu(image) < 200
    assert S.threshold_otsu(np.full((3, 3), 77, np.uint8)) == 0


def test_threshold_otsu_on_float_images_selects_the_same_pixels(rng):
    levels = rng.integers(0, 256, (30, 40)).astype(np.uint8)
    values = levels / 255.0
    t, t_float = S.threshold_otsu(levels), S.threshold_otsu(values)
    assert isinstance(t, int) and isinstance(t_float, float)
    np.testing.assert_array_equal(values > t_float, levels > t)


def test_between_class_variance_naive_equals_fast_and_hand_computed(rng):
    for _ in range(50):
        counts = rng.integers(0, 100, int(rng.integers(1, 300)))
        counts[rng.integers(counts.size)] += 1  # never all zero
        np.testing.assert_allclose(S.otsu_between_class_variance(counts),
                                   S.otsu_between_class_variance_naive(counts), rtol=1e-9,
                                   atol=1e-9)
    # Levels 0 and 3, two pixels each: w0 = w1 = 1/2, means 0 and 3 -> 1/4 * 9 for t = 0, 1, 2.
    np.testing.assert_allclose(S.otsu_between_class_variance([2, 0, 0, 2]),
                               [2.25, 2.25, 2.25, 0.0])


def test_between_class_plus_within_class_is_the_total_variance(rng):
    image = rng.integers(0, 256, (40, 50)).astype(np.uint8)
    sigma_b = S.otsu_between_class_variance(np.bincount(image.ravel(), minlength=256))
    for t in (30, 100, 200):
        low, high = image[image <= t].astype(float), image[image > t].astype(float)
        within = (low.size * low.var() + high.size * high.var()) / image.size
        assert sigma_b[t] + within == pytest.approx(image.astype(float).var(), rel=1e-9)


def test_threshold_isodata_is_a_fixed_point_that_skimage_also_finds():
    for name in ("camera", "coins", "page", "text", "moon", "clock"):
        image = load_photo(name, gray=True)
        t = S.threshold_isodata(image)
        low, high = image[image <= t].mean(), image[image > t].mean()
        assert abs((low + high) / 2 - t) < 0.5          # converged: halfway between the means
        candidates = skimage.filters.threshold_isodata(image, return_all=True)
        assert int(np.floor(t)) in candidates.tolist()   # the same binary image as one of them


def test_threshold_isodata_analytic_and_float():
    assert S.threshold_isodata(np.array([[10, 10, 10, 50]], np.uint8)) == 30.0
    assert S.threshold_isodata(np.array([[10, 10, 10, 50]]) / 255.0) == pytest.approx(30 / 255)


@pytest.mark.parametrize("method", ["mean", "gaussian"])
def test_adaptive_threshold_equals_cv2(rng, method):
    cv2 = pytest.importorskip("cv2")
    flag = {"mean": cv2.ADAPTIVE_THRESH_MEAN_C, "gaussian": cv2.ADAPTIVE_THRESH_GAUSSIAN_C}[method]
    for _ in range(150):
        image = random_uint8(rng, int(rng.integers(4)))
        block = int(rng.choice([3, 5, 7, 9, 11, 13, 15, 21, 31, 51]))
        c = float(np.round(rng.uniform(-20, 20), 2))
        expected = cv2.adaptiveThreshold(image, 255, flag, cv2.THRESH_BINARY, block, c) > 0
        np.testing.assert_array_equal(S.adaptive_threshold(image, block, c, method), expected)
    page = load_photo("page")
    expected = cv2.adaptiveThreshold(page, 255, flag, cv2.THRESH_BINARY, 35, 10) > 0
    np.testing.assert_array_equal(S.adaptive_threshold(page, 35, 10, method), expected)


def test_adaptive_local_mean_matches_cv2_blurs_and_float_is_unrounded(rng):
    cv2 = pytest.importorskip("cv2")
    image = rng.integers(0, 256, (30, 41)).astype(np.uint8)
    box = cv2.blur(image, (7, 7), borderType=cv2.BORDER_REPLICATE)
    np.testing.assert_array_equal(S.adaptive_local_mean(image, 7, "mean"), box)
    for size in (3, 5, 7, 9, 11, 25):  # OpenCV's tables up to 9, its sigma formula above
        gauss = cv2.GaussianBlur(image.astype(np.float32), (size, size), 0,
                                 borderType=cv2.BORDER_REPLICATE)
        np.testing.assert_array_equal(S.adaptive_local_mean(image, size, "gaussian"),
                                      np.rint(gauss).astype(np.uint8))
    mean = S.adaptive_local_mean(image / 255.0, 7)
    assert mean.dtype == np.float64
    np.testing.assert_allclose(mean * 255, cv2.blur(image.astype(np.float64), (7, 7),
                                                     borderType=cv2.BORDER_REPLICATE), atol=1e-9)


def test_adaptive_threshold_beats_a_global_one_under_uneven_light():
    # A dark stroke every 8 columns on a background that brightens from left to right.
    background = np.tile(np.linspace(60, 230, 96), (32, 1))
    strokes = np.zeros_like(background, bool)
    strokes[:, ::8] = True
    image = np.where(strokes, background - 50, background).astype(np.uint8)
    local = ~S.adaptive_threshold(image, 7, 5)
    assert np.array_equal(local, strokes)
    global_dark = image <= S.threshold_otsu(image)
    assert not np.array_equal(global_dark, strokes)


# -- region growing -------------------------------------------------------------------------
@pytest.mark.parametrize("connectivity", [4, 8])
def test_region_grow_equals_naive_skimage_flood_and_cv2_floodfill(rng, connectivity):
    cv2 = pytest.importorskip("cv2")
    for _ in range(150):
        shape = tuple(rng.integers(1, 30, size=2))
        image = rng.integers(0, 20, shape).astype(np.uint8)
        seed = (int(rng.integers(shape[0])), int(rng.integers(shape[1])))
        tolerance = int(rng.integers(0, 8))
        fast = S.region_grow(image, seed, tolerance, connectivity=connectivity) == 1
        naive = S.region_grow_naive(image, seed, tolerance, connectivity=connectivity) == 1
        flood = skimage.segmentation.flood(image, seed, tolerance=tolerance,
                                           connectivity={4: 1, 8: 2}[connectivity])
        mask = np.zeros((shape[0] + 2, shape[1] + 2), np.uint8)
        flags = connectivity | cv2.FLOODFILL_FIXED_RANGE | cv2.FLOODFILL_MASK_ONLY | (1 << 8)
        cv2.floodFill(image.copy(), mask, (seed[1], seed[0]), 0, tolerance, tolerance, flags)
        np.testing.assert_array_equal(fast, naive)
        np.testing.assert_array_equal(fast, flood)
        np.testing.assert_array_equal(fast, mask[1:-1, 1:-1] > 0)


def test_region_grow_several_seeds_earlier_seed_wins(rng):
    image = np.array([[0, 0, 9, 5, 5], [0, 0, 9, 5, 5], [9, 9, 9, 5, 5]], np.uint8)
    labels = S.region_grow(image, [(0, 0), (0, 4), (1, 1)], 0)
    expected = np.array([[1, 1, 0, 2, 2], [1, 1, 0, 2, 2], [0, 0, 0, 2, 2]])
    np.testing.assert_array_equal(labels, expected)
    np.testing.assert_array_equal(S.region_grow_naive(image, [(0, 0), (0, 4), (1, 1)], 0),
                                  expected)
    many = rng.integers(0, 5, (20, 20)).astype(np.uint8)
    seeds = rng.integers(0, 20, (15, 2))
    np.testing.assert_array_equal(S.region_grow(many, seeds, 1, connectivity=8),
                                  S.region_grow_naive(many, seeds, 1, connectivity=8))


def test_region_grow_tolerance_limits_are_inclusive_and_float_images_work():
    image = np.array([[10, 15, 21]], np.uint8)
    np.testing.assert_array_equal(S.region_grow(image, (0, 0), 5), [[1, 1, 0]])
    np.testing.assert_array_equal(S.region_grow(image / 255.0, (0, 1), 6 / 255 + 1e-12),
                                  [[1, 1, 1]])


# -- k-means ------------------------------------------------------------------------------
@pytest.mark.parametrize("init", ["k-means++", "random"])
def test_kmeans_naive_equals_vectorised(rng, init):
    for seed in range(4):
        points = rng.random((120, 3))
        k = int(rng.integers(1, 7))
        fast = S.kmeans(points, k, rng=seed, init=init, attempts=2)
        naive = S.kmeans_naive(points, k, rng=seed, init=init, attempts=2)
        np.testing.assert_array_equal(fast.labels, naive.labels)
        np.testing.assert_array_equal(fast.centres, naive.centres)
        assert fast.compactness == naive.compactness and fast.iterations == naive.iterations
    # Integer data is full of exact ties; the lower index must win in both.
    grid = rng.integers(0, 4, (80, 2)).astype(float)
    np.testing.assert_array_equal(S.kmeans(grid, 5, rng=1).labels,
                                  S.kmeans_naive(grid, 5, rng=1).labels)


def test_kmeans_result_is_consistent_and_a_local_minimum(rng):
    points = rng.random((500, 3))
    result = S.kmeans(points, 4, rng=0)
    d = ((points[:, None, :] - result.centres[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(result.labels, d.argmin(1))
    assert result.compactness == pytest.approx(d.min(1).sum(), rel=1e-12)
    labels, centres = S.kmeans_step(points, result.centres)   # one more step changes nothing
    np.testing.assert_array_equal(labels, result.labels)
    np.testing.assert_allclose(centres, result.centres, atol=1e-4)


def test_kmeans_separates_obvious_clusters_and_handles_k_equal_n():
    points = np.array([[0.0, 0], [0, 1], [10, 10], [10, 11], [20, 0], [21, 0]])
    result = S.kmeans(points, 3, rng=3)
    assert result.compactness == pytest.approx(1.5)
    assert len(set(result.labels.tolist())) == 3
    exact = S.kmeans(points, 6, rng=0)
    assert exact.compactness == 0.0
    duplicates = np.zeros((5, 2))
    assert S.kmeans(duplicates, 3, rng=0).compactness == 0.0   # empty clusters reseeded


def test_kmeans_compactness_matches_cv2_and_sklearn_on_photo_colours():
    cv2 = pytest.importorskip("cv2")
    sklearn_cluster = pytest.importorskip("sklearn.cluster")
    pixels = (load_photo("coffee")[::8, ::8].reshape(-1, 3) / 255.0).astype(np.float32)
    for k in (2, 4, 8):
        ours = min(S.kmeans(pixels, k, rng=seed).compactness for seed in range(5))
        theirs = []
        for seed in range(5):
            cv2.setRNGSeed(seed)
            criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 100, 1e-4)
            theirs.append(cv2.kmeans(pixels, k, None, criteria, 1, cv2.KMEANS_PP_CENTERS)[0])
        assert ours <= 1.01 * min(theirs), (k, ours, min(theirs))
    # scikit-learn (greedy k-means++, Elkan's algorithm) once: it is slow to import and to run.
    ours = min(S.kmeans(pixels, 4, rng=seed).compactness for seed in range(3))
    sk = min(sklearn_cluster.KMeans(4, n_init=1, random_state=seed).fit(pixels).inertia_
             for seed in range(3))
    assert ours <= 1.01 * sk, (ours, sk)


def test_kmeans_plusplus_spreads_the_centres_and_is_reproducible(rng):
    blobs = np.concatenate([rng.normal(c, 0.01, (50, 2)) for c in ((0, 0), (5, 5), (10, 0))])
    hits = 0
    for seed in range(20):
        centres = S.kmeans_plusplus(blobs, 3, rng=seed)
        nearest = np.argmin(((centres[:, None] - np.array([[0, 0], [5, 5], [10, 0]])) ** 2)
                            .sum(-1), axis=1)
        hits += len(set(nearest.tolist())) == 3
    assert hits >= 19   # one centre per blob (D^2 sampling all but guarantees it here)
    np.testing.assert_array_equal(S.kmeans_plusplus(blobs, 3, rng=7),
                                  S.kmeans_plusplus(blobs, 3, rng=np.random.default_rng(7)))


def test_kmeans_colors_shapes_sampling_and_palette(rng):
    image = load_photo("coffee")[::8, ::8]
    result = S.kmeans_colors(image, 5, rng=0)
    assert result.labels.shape == image.shape[:2] and result.centres.shape == (5, 3)
    assert 0 <= result.centres.min() and result.centres.max() <= 1
    sampled = S.kmeans_colors(image, 5, rng=0, sample=500)
    assert sampled.labels.shape == image.shape[:2]
    assert sampled.compactness < 1.2 * result.compactness
    gray = S.kmeans_colors(load_photo("camera")[::8, ::8], 2, rng=0)
    assert gray.centres.shape == (2, 1)


# -- bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: S.threshold_otsu(np.zeros((4, 4, 3), np.uint8)), ValueError,
         r"image must be 2-D \(H, W\); got shape \(4, 4, 3\) - convert with"),
        (lambda: S.threshold_otsu(np.array([[0, 300]])), TypeError, "image must be uint8"),
        (lambda: S.threshold_otsu(np.full((2, 2), np.nan)), ValueError, "NaN"),
        (lambda: S.threshold_otsu(np.zeros((0, 3))), ValueError, "must not be empty"),
        (lambda: S.threshold_otsu(None), TypeError, "image must be a numeric array"),
        (lambda: S.threshold_otsu(np.full((2, 2), 1.5)), ValueError, r"\[0, 1\]"),
        (lambda: S.threshold_isodata(np.zeros((3, 3)), max_iter=0), ValueError,
         "max_iter must be an integer >= 1"),
        (lambda: S.threshold_isodata(np.zeros((3, 3)), max_iter=10**9), ValueError,
         "max_iter must be an integer >= 1 and <= 10000"),
        (lambda: S.otsu_between_class_variance([0, 0]), ValueError, "must not be all zero"),
        (lambda: S.otsu_between_class_variance([1, -1]), ValueError, "non-negative"),
        (lambda: S.otsu_between_class_variance(np.ones(70000)), ValueError, "at most 65,536"),
        (lambda: S.otsu_between_class_variance(np.ones((2, 2))), ValueError, "counts must be 1-D"),
        (lambda: S.adaptive_threshold(np.zeros((5, 5), np.uint8), 4, 0), ValueError,
         "block_size must be an odd integer >= 3"),
        (lambda: S.adaptive_threshold(np.zeros((5, 5), np.uint8), 10**6 + 1, 0), ValueError,
         "block_size must be an odd integer >= 3 and <= 4095"),
        (lambda: S.adaptive_threshold(np.zeros((5, 5), np.uint8), 3, float("inf")), ValueError,
         "c must be finite"),
        (lambda: S.adaptive_threshold(np.zeros((5, 5), np.uint8), 3, "5"), TypeError,
         "c must be a real number"),
        (lambda: S.adaptive_threshold(np.zeros((5, 5), np.uint8), 3, 0, "median"), ValueError,
         "method must be one of 'mean', 'gaussian'"),
        (lambda: S.adaptive_threshold(np.zeros((5, 5), np.uint8), 3, 0, np.zeros(3)), TypeError,
         "method must be one of 'mean', 'gaussian'; got array of shape"),
        (lambda: S.region_grow(np.zeros((5, 5)), (5, 0), 1), ValueError,
         r"seeds must lie inside the image \(rows 0..4, cols 0..4\); got \(5, 0\) - seeds are"),
        (lambda: S.region_grow(np.zeros((5, 5)), (1.5, 0), 1), TypeError, "seeds must have a"),
        (lambda: S.region_grow(np.zeros((5, 5)), [(1, 2, 3)], 1), ValueError,
         r"one \(row, col\) pair or an \(N, 2\) array"),
        (lambda: S.region_grow(np.zeros((5, 5)), np.zeros((20000, 2), int), 1), ValueError,
         "at most 10,000 seeds"),
        (lambda: S.region_grow(np.zeros((5, 5)), (0, 0), -1), ValueError,
         "tolerance must be >= 0"),
        (lambda: S.region_grow_naive(np.zeros((5, 5)), (0, 0), 1, connectivity=6), ValueError,
         "connectivity must be one of 4, 8"),
        (lambda: S.kmeans(np.zeros((5, 2)), 6, rng=0), ValueError,
         r"k must not exceed the number of points \(5\); got 6"),
        (lambda: S.kmeans(np.zeros((5, 2)), 0, rng=0), ValueError, "k must be an integer >= 1"),
        (lambda: S.kmeans(np.zeros((500, 2)), 10**6, rng=0), ValueError, "<= 256"),
        (lambda: S.kmeans(np.zeros((5, 2)), 2, rng=None), TypeError, "rng must be a numpy"),
        (lambda: S.kmeans(np.zeros((5, 2)), 2, rng=0, init="forgy"), ValueError,
         "init must be one of"),
        (lambda: S.kmeans(np.zeros((5, 2)), 2, rng=0, max_iter=10**8), ValueError,
         "max_iter must be an integer >= 1 and <= 10000"),
        (lambda: S.kmeans(np.zeros((5, 2)), 2, rng=0, attempts=0), ValueError,
         "attempts must be an integer >= 1"),
        (lambda: S.kmeans(np.zeros(5), 2, rng=0), ValueError, r"points must be 2-D \(N, d\)"),
        (lambda: S.kmeans(np.zeros((5, 100)), 2, rng=0), ValueError, "points must be at most"),
        (lambda: S.kmeans(np.full((5, 2), np.inf), 2, rng=0), ValueError, "NaN or infinite"),
        (lambda: S.kmeans_naive(np.zeros((5, 2)), 2.0, rng=0), TypeError,
         "k must be an integer"),
        (lambda: S.kmeans_step(np.zeros((5, 2)), np.zeros((2, 3))), ValueError,
         "centres must have the points' 2 coordinates"),
        (lambda: S.kmeans_colors(np.zeros((4, 4, 4)), 2, rng=0), ValueError, "3 channels"),
        (lambda: S.kmeans_colors(np.zeros((4, 4, 3)), 2, rng=0, sample=0), ValueError,
         "sample must be an integer >= 1"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- figures ------------------------------------------------------------------------------
def test_segmentation_figures_draw_and_refuse_bad_input():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from helpers.plots import plot_color_clusters, plot_labels, plot_threshold_histogram

    camera = load_photo("camera")[::4, ::4]
    fig = plot_threshold_histogram(camera, {"by eye": 100})
    assert "Otsu: t = " in " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    labels = S.region_grow(camera, [(10, 10), (100, 60)], 10)
    assert plot_labels(camera, labels, seeds=[(10, 10), (100, 60)]).axes
    result = S.kmeans_colors(load_photo("coffee")[::8, ::8], 3, rng=0)
    assert plot_color_clusters(load_photo("coffee")[::8, ::8], result.centres).axes
    plt.close("all")
    with pytest.raises(TypeError, match="thresholds must be a dict"):
        plot_threshold_histogram(camera, [100])
    with pytest.raises(ValueError, match="labels must have the image's shape"):
        plot_labels(camera, labels[:-1])
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes or None"):
        plot_labels(camera, labels, ax="left")
    with pytest.raises(ValueError, match="centres must have 3 columns"):
        plot_color_clusters(load_photo("coffee")[::8, ::8], np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"size\[0\] must be > 0"):
        plot_threshold_histogram(camera, size=(-1, 3))
    plt.close("all")


# -- explorers ----------------------------------------------------------------------------
def test_otsu_explorer_by_hand_and_otsu_keep_slider_and_mode_in_step():
    camera = load_photo("camera")
    ex = otsu_explorer(camera, threshold=100)
    assert np.array_equal(ex.result["binary"], ex.gray > 100) and "t = 100" in ex.readout.value
    ex.controls["method"].value = "Otsu"                     # the slider follows Otsu ...
    assert ex.result["threshold"] == S.threshold_otsu(ex.gray) == ex.otsu_t
    assert ex.controls["threshold"].value == ex.otsu_t
    assert "100.0% of its maximum" in ex.readout.value
    ex.controls["threshold"].value = 40                      # ... and moving it returns to by hand
    assert ex.controls["method"].value == "by hand" and ex.result["threshold"] == 40
    share = S.otsu_between_class_variance(ex.counts)[40] / ex.sigma_b.max()
    assert f"{share:.1%} of its maximum" in ex.readout.value and ex.error is None
    with pytest.raises(ValueError, match="threshold must be an integer >= 0 and <= 255"):
        otsu_explorer(camera, threshold=300)


def test_adaptive_threshold_explorer_agrees_with_the_helpers():
    ex = adaptive_threshold_explorer(load_photo("page"), block_size=35, c=10)
    np.testing.assert_array_equal(ex.result["binary"], S.adaptive_threshold(ex.gray, 35, 10))
    ex.controls["method"].value = "gaussian"
    ex.controls["block_size"].value = 21
    ex.controls["c"].value = 7.0
    np.testing.assert_array_equal(ex.result["binary"],
                                  S.adaptive_threshold(ex.gray, 21, 7.0, "gaussian"))
    np.testing.assert_array_equal(ex.result["surface"],
                                  S.adaptive_local_mean(ex.gray, 21, "gaussian") - 7.0)
    assert "gaussian over 21x21, C = 7" in ex.readout.value and ex.error is None
    with pytest.raises(ValueError, match="block_size must be an odd"):
        adaptive_threshold_explorer(load_photo("page"), block_size=4)


def test_region_growing_explorer_follows_the_seed_and_reports_unreached_pixels():
    coins = load_photo("coins")
    ex = region_growing_explorer(coins, seed=(10, 10), tolerance=10)
    expected = S.region_grow(ex.gray, (10, 10), 10) == 1
    np.testing.assert_array_equal(ex.result["region"], expected)
    ex.controls["row"].value = 60
    ex.controls["col"].value = 120
    ex.controls["connectivity"].value = 8
    expected = S.region_grow(ex.gray, (60, 120), 10, connectivity=8) == 1
    np.testing.assert_array_equal(ex.result["region"], expected)
    assert ex.result["similar"].sum() >= expected.sum()
    assert f"{int(expected.sum()):,} are connected" in ex.readout.value
    with pytest.raises(ValueError, match="seed"):
        region_growing_explorer(coins, seed=(500, 0))


def test_kmeans_explorer_recomputes_and_caches():
    ex = kmeans_explorer(load_photo("coffee"), k=3)
    first = ex.result["result"]
    assert first.centres.shape == (3, 3) and ex.result["shares"].sum() == pytest.approx(1)
    ex.controls["k"].value = 6
    assert ex.result["result"].centres.shape == (6, 3) and "k = 6" in ex.readout.value
    ex.controls["k"].value = 3
    assert ex.result["result"] is first     # cached
    ex.controls["init"].value = "random"
    assert ex.result["init"] == "random" and ex.error is None
    with pytest.raises(ValueError, match="rgb must be 3-D"):
        kmeans_explorer(load_photo("camera"))


# -- checks -------------------------------------------------------------------------------
def _stub(*args):
    raise NotImplementedError("exercise not attempted yet")


def test_otsu_variance_check():
    assert check_otsu_variance(S.otsu_between_class_variance_naive).passed

    def within_class(counts):   # the other half of the decomposition: a classic mix-up
        p = np.asarray(counts, float) / np.sum(counts)
        levels = np.arange(p.size)
        return (p * (levels - (p * levels).sum()) ** 2).sum() - S.otsu_between_class_variance(
            counts)

    wrong = check_otsu_variance(within_class)
    assert wrong.status == "failed" and "case 1/8" in wrong.message
    assert check_otsu_variance(_stub).status == "not attempted"


def test_region_grow_check():
    assert check_region_grow(lambda im, s, t: S.region_grow_naive(im, s, t) == 1).passed
    eight = check_region_grow(lambda im, s, t: S.region_grow(im, s, t, connectivity=8) == 1)
    assert eight.status == "failed" and "diagonal" in eight.message
    everything = check_region_grow(
        lambda im, s, t: np.abs(im.astype(float) - float(im[s])) <= t)
    # Similar but unconnected pixels: the first case where that matters is the diagonal line.
    assert everything.status == "failed" and "case 3/8 (a diagonal line" in everything.message
    assert check_region_grow(_stub).status == "not attempted"


def test_kmeans_step_check():
    assert check_kmeans_step(S.kmeans_step).passed

    def last_index_on_ties(points, centres):
        d = ((points[:, None] - centres[None]) ** 2).sum(-1)
        labels = d.shape[1] - 1 - np.argmin(d[:, ::-1], axis=1)
        return labels, S.kmeans_step(points, centres)[1]

    ties = check_kmeans_step(last_index_on_ties)
    assert ties.status == "failed" and "halfway" in ties.message
    assert check_kmeans_step(_stub).status == "not attempted"


def test_otsu_explorer_from_the_browser_one_update_after_the_message():
    import asyncio

    async def kernel():  # what the kernel does with the browser's messages
        ex = otsu_explorer(load_photo("camera"), threshold=100)
        method = ex.controls["method"]  # a drop-down: the browser sends the option's index
        method.set_state({"index": method.options.index("Otsu")})
        acknowledged = ex.result["threshold"], ex.controls["threshold"].value
        await asyncio.sleep(0)
        return acknowledged, ex.result["threshold"], ex.controls["method"].value, ex.otsu_t

    acknowledged, drawn, method, otsu = asyncio.run(kernel())
    assert acknowledged == (100, otsu)  # the slider follows at once, the picture just after
    assert drawn == otsu and method == "Otsu"
