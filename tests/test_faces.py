"""helpers.faces (chapters/15_faces.ipynb): Haar features against scikit-image, boosting against
plain loops and scikit-learn, OpenCV's cascades on real photos, and bad input.

Conventions compared here:

* Haar features: scikit-image's ``haar_like_feature`` takes its integral image from
  ``skimage.transform.integral_image`` (no zero row/column, inclusive corners) and describes a
  feature by its rectangles' inclusive corners; ours take ``(kind, y, x, h, w)`` and an integral
  image with a zero first row and column. Values must agree to 1e-9.
* Boosting: scikit-learn's SAMME has votes twice ours (same sign, same classifier) and its
  depth-1 trees choose splits by Gini impurity, not weighted error: its stumps may differ, so
  we compare accuracy on held-out data and the agreement of the predictions, not the stumps.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import faces
from helpers.data import load_photo
from helpers.features import integral_image


# -- Haar features -----------------------------------------------------------------------------
def test_rectangles_tile_the_box_with_skimage_signs():
    for kind in faces.HAAR_KINDS:
        rects = faces.haar_rectangles(kind, 2, 3, 6, 12)
        area = sum((y1 - y0) * (x1 - x0) for y0, x0, y1, x1, _ in rects)
        assert area == 6 * 12
        assert rects[:, 0].min() == 2 and rects[:, 1].min() == 3
        assert rects[:, 2].max() == 8 and rects[:, 3].max() == 15
    assert faces.haar_rectangles("type-3-y", 0, 0, 3, 1)[:, 4].tolist() == [-1, 1, -1]


def test_analytic_features_on_a_step_image():
    step = np.zeros((4, 6))
    step[:, 3:] = 1.0                     # dark left half, bright right half
    ii = integral_image(step)
    assert faces.haar_feature(ii, "type-2-x", 0, 0, 4, 6) == 12.0      # right - left
    assert faces.haar_feature(ii, "type-2-y", 0, 0, 4, 6) == 0.0       # no vertical change
    # Thirds are columns 0-1 (dark), 2-3 (one bright column: 4), 4-5 (bright: 8).
    assert faces.haar_feature(ii, "type-3-x", 0, 0, 4, 6) == -0.0 + 4.0 - 8.0
    assert faces.haar_feature(ii, "type-4", 0, 0, 4, 6) == 0.0


def test_naive_equals_integral_version(rng):
    for _ in range(100):
        img = rng.integers(0, 256, (rng.integers(3, 12), rng.integers(3, 12)), dtype=np.uint8)
        ii = integral_image(img)
        bank = faces.haar_feature_bank(img.shape)
        k, y, x, h, w = bank[rng.integers(len(bank))]
        kind = faces.HAAR_KINDS[k]
        assert faces.haar_feature(ii, kind, y, x, h, w) == faces.haar_feature_naive(
            img, kind, y, x, h, w)


def test_integral_box_sum_matches_numpy(rng):
    img = rng.random((9, 7))
    ii = integral_image(img)
    for _ in range(50):
        y0, y1 = sorted(rng.integers(0, 10, 2))
        x0, x1 = sorted(rng.integers(0, 8, 2))
        assert faces.integral_box_sum(ii, y0, x0, y1, x1) == pytest.approx(
            img[y0:y1, x0:x1].sum(), abs=1e-12)


@pytest.mark.parametrize("shape", [(6, 6), (7, 5), (9, 12)])
def test_bank_and_features_equal_skimage(rng, shape):
    skf = pytest.importorskip("skimage.feature")
    from skimage.transform import integral_image as sk_integral

    img = rng.random(shape).astype(np.float32)    # the course's float images are float32
    bank = faces.haar_feature_bank(shape)
    ours = faces.haar_features(img[None], bank, normalize=False)[0]
    coords, types = skf.haar_like_feature_coord(shape[1], shape[0])
    theirs = skf.haar_like_feature(sk_integral(img), 0, 0, shape[1], shape[0])
    assert len(bank) == len(coords)
    # Match feature by feature through their rectangles' corners.
    index = {}
    for i, (kind, y, x, h, w) in enumerate(bank):
        rects = faces.haar_rectangles(faces.HAAR_KINDS[kind], y, x, h, w)
        index[(faces.HAAR_KINDS[kind], tuple(sorted((r[0], r[1], r[2] - 1, r[3] - 1)
                                                    for r in rects)))] = i
    for c, t, value in zip(coords, types, theirs, strict=True):
        key = (t, tuple(sorted((r0, c0, r1, c1) for (r0, c0), (r1, c1) in c)))
        assert ours[index[key]] == pytest.approx(value, abs=1e-9)


def test_full_bank_size_in_a_24x24_window():
    assert len(faces.haar_feature_bank((24, 24))) == 162_336


def test_haar_features_single_feature_equals_scalar_version(rng):
    images = rng.integers(0, 256, (5, 10, 8), dtype=np.uint8)
    bank = faces.haar_feature_bank((10, 8), position_step=2, size_step=2)
    values = faces.haar_features(images, bank, normalize=False)
    assert values.shape == (5, len(bank)) and values.dtype == np.float64
    for n in range(5):
        ii = integral_image((images[n] / np.float32(255)).astype(np.float32))
        for j in rng.integers(0, len(bank), 20):
            k, y, x, h, w = bank[j]
            assert values[n, j] == pytest.approx(
                faces.haar_feature(ii, faces.HAAR_KINDS[k], y, x, h, w), abs=1e-9)


def test_normalized_features_ignore_brightness_and_contrast(rng):
    img = rng.random((12, 12)) * 0.5
    bank = faces.haar_feature_bank((12, 12), position_step=3, size_step=3)
    a = faces.haar_features(img[None], bank)
    b = faces.haar_features((0.2 + 1.5 * img)[None], bank)
    np.testing.assert_allclose(a, b, atol=1e-5)   # float32 pixels: 1e-7 relative each


# -- boosting ----------------------------------------------------------------------------------
def test_stump_naive_equals_fast(rng):
    for trial in range(200):
        n, m = rng.integers(1, 15), rng.integers(1, 6)
        x = rng.normal(size=(n, m))
        if trial % 3 == 0:
            x = np.round(x)               # repeated values: splits only between distinct ones
        y = rng.integers(0, 2, n)
        w = rng.random(n) if trial % 2 else None
        fast, naive = faces.fit_stump(x, y, w), faces.fit_stump_naive(x, y, w)
        assert fast[:3] == naive[:3]
        assert fast[3] == pytest.approx(naive[3], abs=1e-12)


def test_stump_analytic_and_polarity():
    x = np.array([[4.0], [3.0], [2.0], [1.0]])
    assert faces.fit_stump(x, np.array([0, 0, 1, 1])) == (0, 2.5, -1, 0.0)
    # The weighted error counts weights, not samples.
    f, t, p, err = faces.fit_stump(x, np.array([1, 0, 1, 0]), np.array([1.0, 0, 0, 3.0]))
    assert err == 0.0


def test_adaboost_separates_what_one_stump_cannot():
    # XOR-like along one feature: faces in the middle band need two stumps.
    x = np.linspace(0, 1, 40)[:, None]
    y = ((x[:, 0] > 0.3) & (x[:, 0] < 0.7)).astype(int)
    model = faces.adaboost_fit(x, y, rounds=20)
    assert model.train_error[0] > 0.1
    assert (model.predict(x) == y).all()
    assert len(model) == len(model.alpha) <= 20


def test_adaboost_weights_follow_the_formula():
    x = np.array([[1.0], [2.0], [3.0], [4.0], [5.0]])
    y = np.array([0, 0, 1, 0, 1])
    model = faces.adaboost_fit(x, y, rounds=1)
    eps = model.stump_error[0]
    assert eps == pytest.approx(0.2)
    assert model.alpha[0] == pytest.approx(0.5 * np.log(0.8 / 0.2))


def test_face_patches_split_is_stratified_and_reproducible():
    x_all, y_all = faces.load_face_patches()
    assert x_all.shape == (200, 25, 25) and x_all.dtype == np.float32
    assert y_all[:100].all() and not y_all[100:].any()
    x_tr, y_tr = faces.load_face_patches("train", rng=3)
    x_te, y_te = faces.load_face_patches("test", rng=3)
    assert len(x_tr) == 140 and len(x_te) == 60 and y_te.sum() == 30
    again, _ = faces.load_face_patches("test", rng=3)
    np.testing.assert_array_equal(x_te, again)
    both = np.concatenate([x_tr, x_te]).reshape(200, -1)
    assert len(np.unique(both, axis=0)) == len(np.unique(x_all.reshape(200, -1), axis=0))


def test_boosted_haar_classifier_on_lfw_is_accurate_and_close_to_sklearn():
    ensemble = pytest.importorskip("sklearn.ensemble")
    tree = pytest.importorskip("sklearn.tree")
    bank = faces.haar_feature_bank((25, 25), position_step=3, size_step=3)
    x_tr, y_tr = faces.load_face_patches("train")
    x_te, y_te = faces.load_face_patches("test")
    f_tr, f_te = faces.haar_features(x_tr, bank), faces.haar_features(x_te, bank)
    ours = faces.adaboost_fit(f_tr, y_tr, rounds=30)
    ref = ensemble.AdaBoostClassifier(tree.DecisionTreeClassifier(max_depth=1),
                                      n_estimators=30, random_state=0).fit(f_tr, y_tr)
    acc_ours = np.mean(ours.predict(f_te) == y_te)
    acc_ref = np.mean(ref.predict(f_te) == y_te)
    assert acc_ours >= 0.9 and abs(acc_ours - acc_ref) <= 0.05
    assert np.mean(ours.predict(f_te) == ref.predict(f_te)) >= 0.9


def test_first_round_matches_sklearn_when_the_best_split_is_clear(rng):
    ensemble = pytest.importorskip("sklearn.ensemble")
    tree = pytest.importorskip("sklearn.tree")
    # One feature separates perfectly; the rest are noise: Gini and error agree on it.
    x = rng.normal(size=(80, 6))
    y = (x[:, 4] > 0.1).astype(int)
    ours = faces.adaboost_fit(x, y, rounds=1)
    ref = ensemble.AdaBoostClassifier(tree.DecisionTreeClassifier(max_depth=1),
                                      n_estimators=1).fit(x, y)
    stump = ref.estimators_[0].tree_
    assert ours.feature[0] == stump.feature[0] == 4
    assert ours.threshold[0] == pytest.approx(stump.threshold[0], abs=1e-6)


# -- OpenCV cascades ---------------------------------------------------------------------------
def test_no_hand_cascade_ships_with_opencv():
    pytest.importorskip("cv2")
    names = faces.available_cascades()
    assert "frontalface_default" in names and "frontalcatface" in names
    assert not [n for n in names if "hand" in n or "palm" in n or "fist" in n]


def test_cascade_finds_the_one_face_in_each_portrait():
    pytest.importorskip("cv2")
    for name, (x1, y1) in {"astronaut": (177, 66), "grace_hopper": (155, 105)}.items():
        boxes = faces.cascade_detect(load_photo(name))
        assert boxes.shape == (1, 4) and boxes.dtype == np.float64
        assert abs(boxes[0, 0] - x1) <= 5 and abs(boxes[0, 1] - y1) <= 5
        assert boxes[0, 2] > boxes[0, 0] and boxes[0, 3] > boxes[0, 1]


def test_grouping_candidates_equals_detect_multiscale():
    pytest.importorskip("cv2")
    image = load_photo("astronaut")
    candidates = faces.cascade_candidates(image, scale_factor=1.1)
    assert len(candidates) > 10
    for k in (0, 1, 3, 5, 10):
        np.testing.assert_allclose(
            faces.group_detections(candidates, k),
            faces.cascade_detect(image, scale_factor=1.1, min_neighbors=k))


def test_float_gray_and_uint8_rgb_inputs_agree():
    pytest.importorskip("cv2")
    import cv2

    rgb = load_photo("astronaut")
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    np.testing.assert_array_equal(faces.cascade_detect(rgb), faces.cascade_detect(gray))
    np.testing.assert_array_equal(faces.cascade_detect(gray / 255.0 * 1.0),
                                  faces.cascade_detect(gray))


def test_cascade_scales_count_and_shrink_with_the_factor():
    pytest.importorskip("cv2")
    fine, _ = faces.cascade_scales((512, 512), scale_factor=1.05, min_size=24)
    coarse, windows = faces.cascade_scales((512, 512), scale_factor=1.5, min_size=24)
    assert fine[0] == coarse[0] == 24 and fine[-1] <= 512 and coarse[-1] <= 512
    assert len(fine) > 3 * len(coarse)
    assert windows[-1] < windows[0]
    assert faces.cascade_scales((512, 512), scale_factor=1.05, min_size=24)[1].sum() > 2 * (
        windows.sum())
    sizes, _ = faces.cascade_scales((512, 512), scale_factor=1.1, min_size=60)
    assert sizes.min() >= 60


# -- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize("call, match", [
    (lambda: faces.haar_rectangles("type-5", 0, 0, 2, 2), "kind must be one of"),
    (lambda: faces.haar_rectangles("type-3-x", 0, 0, 2, 4), "divisible by 1 and w by 3"),
    (lambda: faces.haar_rectangles("type-2-x", -1, 0, 2, 2), "y must be an integer >= 0"),
    (lambda: faces.haar_rectangles("type-2-x", 0, 0, 10**9, 2), "h must be an integer"),
    (lambda: faces.haar_rectangles("type-2-x", 0, 0, 2.0, 2), "h must be an integer"),
    (lambda: faces.haar_feature(np.ones((5, 5)), "type-2-x", 0, 0, 2, 2), "zero first row"),
    (lambda: faces.haar_feature(np.zeros((5, 5)), "type-2-x", 0, 0, 2, 6), "does not fit"),
    (lambda: faces.haar_feature([[np.nan]], "type-2-x", 0, 0, 1, 2), "NaN"),
    (lambda: faces.integral_box_sum(np.zeros((4, 4)), 2, 0, 1, 3), "y1 must be an integer >= 2"),
    (lambda: faces.haar_feature_naive(np.zeros((4, 4, 3)), "type-2-x", 0, 0, 2, 2), "2-D"),
    (lambda: faces.haar_feature_bank(24), "window must be a"),
    (lambda: faces.haar_feature_bank((0, 5)), r"window\[0\] must be an integer >= 1"),
    (lambda: faces.haar_feature_bank((4000, 4000)), "more than 2,000,000 features"),
    (lambda: faces.haar_feature_bank((6, 6), kinds="type-4"), "kinds must be a non-empty"),
    (lambda: faces.haar_feature_bank((6, 6), kinds=("type-9",)), "kinds must be one of"),
    (lambda: faces.haar_features(np.zeros((5, 5)), np.zeros((1, 5), int)), "3-D"),
    (lambda: faces.haar_features(np.zeros((1, 5, 5)), [[0, 0, 0, 1, 6]]), "bank row 0"),
    (lambda: faces.haar_features(np.zeros((1, 5, 5)), [[0, 0, 0]]), "5 columns"),
    (lambda: faces.haar_features(np.full((1, 5, 5), 3.0), [[0, 0, 0, 1, 2]]), r"\[0, 1\]"),
    (lambda: faces.fit_stump(np.zeros((3, 2)), [0, 1]), "one entry per row"),
    (lambda: faces.fit_stump(np.zeros((3, 2)), [0, 1, 2]), "1 .face. or 0"),
    (lambda: faces.fit_stump(np.zeros((2, 2)), [0, 1], [1.0, -1.0]), "weights must be >= 0"),
    (lambda: faces.adaboost_fit(np.zeros((3, 2)), [0, 1, 1], rounds=0), "rounds must be"),
    (lambda: faces.adaboost_fit(np.zeros((3, 2)), [1, 1, 1]), "both faces"),
    (lambda: faces.adaboost_fit(np.zeros((3, 2)), [0, 1, 1], rounds=10**6), "<= 5000"),
    (lambda: faces.load_face_patches("val"), "split must be one of"),
    (lambda: faces.load_face_patches(rng=None), "rng must be"),
])
def test_bad_input_is_refused_with_a_clear_message(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


@pytest.mark.parametrize("call, match", [
    (lambda: faces.cascade_detect(np.zeros((50, 50)), "hand"), "cascade must be one of"),
    (lambda: faces.cascade_detect(np.zeros((50, 50)), scale_factor=1.0), "scale_factor must be"),
    (lambda: faces.cascade_detect(np.zeros((50, 50)), min_neighbors=-1), "min_neighbors"),
    (lambda: faces.cascade_detect(np.zeros((50, 50)), min_size=0), "min_size"),
    (lambda: faces.cascade_detect(np.zeros((50, 50, 4))), "3 channels"),
    (lambda: faces.cascade_detect(np.zeros((5000, 10), np.uint8)), "at most 4096"),
    (lambda: faces.cascade_detect("photo.jpg"), "image must be a numeric array"),
    (lambda: faces.group_detections(np.zeros((2, 3)), 1), r"\(K, 4\)"),
    (lambda: faces.group_detections(np.zeros((2, 4)), 1.5), "min_neighbors must be an integer"),
    (lambda: faces.cascade_scales(512), "image_shape must be"),
    (lambda: faces.cascade_scales((512, 512, 3, 1)), r"image_shape must be .*\(H, W, C\)"),
    (lambda: faces.cascade_scales((512, 512), scale_factor=np.inf), "scale_factor must be"),
])
def test_cascade_helpers_refuse_bad_input(call, match):
    pytest.importorskip("cv2")
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_ensemble_refuses_too_few_columns():
    model = faces.adaboost_fit(np.array([[0.0, 0.0], [0.0, 1.0]]), [0, 1], rounds=1)
    assert model.feature[0] == 1                  # only the second column separates
    with pytest.raises(ValueError, match="features must have at least 2 columns"):
        model.predict(np.zeros((3, 1)))
    with pytest.raises(ValueError, match="rounds must be"):
        model.predict(np.zeros((3, 2)), rounds=5)


def test_cascade_info_agrees_with_the_xml_text():
    cv2 = pytest.importorskip("cv2")
    import re
    from pathlib import Path

    for name in ("frontalface_default", "frontalcatface", "eye"):
        info = faces.cascade_info(name)
        text = (Path(cv2.data.haarcascades) / f"haarcascade_{name}.xml").read_text()
        counts = [int(c) for c in re.findall(r"<maxWeakCount>(\d+)</maxWeakCount>", text)]
        # The first maxWeakCount is the training parameter, then one per stage.
        assert info["stumps_per_stage"] == counts[1:]
        assert info["stages"] == int(re.search(r"<stageNum>(\d+)</stageNum>", text).group(1))
        assert info["window"] == (int(re.search(r"<width>(\d+)</width>", text).group(1)),
                                  int(re.search(r"<height>(\d+)</height>", text).group(1)))
    with pytest.raises(ValueError, match="old cascade format"):
        faces.cascade_info("license_plate_rus_16stages")


def test_naive_versions_refuse_sizes_they_would_take_minutes_on():
    with pytest.raises(ValueError, match="use haar_feature"):
        faces.haar_feature_naive(np.zeros((600, 600)), "type-2-x", 0, 0, 600, 600)
    with pytest.raises(ValueError, match="use fit_stump"):
        faces.fit_stump_naive(np.zeros((300, 2)), np.arange(300) % 2)


def test_stump_ensemble_validates_its_fields():
    with pytest.raises(ValueError, match="same length"):
        faces.StumpEnsemble([0], [0.5], [1], [1.0], [0.1], [])
    with pytest.raises(ValueError, match="polarity must be"):
        faces.StumpEnsemble([0], [0.5], [2], [1.0], [0.1], [0.0])
    with pytest.raises(TypeError, match="feature must hold integer"):
        faces.StumpEnsemble([0.5], [0.5], [1], [1.0], [0.1], [0.0])
    with pytest.raises(TypeError, match="numeric array"):
        faces.StumpEnsemble(None, [0.5], [1], [1.0], [0.1], [0.0])


def test_cascade_info_refuses_unhashable_names():
    pytest.importorskip("cv2")
    with pytest.raises(ValueError, match="cascade must be one of"):
        faces.cascade_info(["frontalface_default"])


def test_grace_hopper_is_matplotlibs_sample_photo():
    import matplotlib.cbook
    import matplotlib.pyplot as plt

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        want = plt.imread(f)
    got = load_photo("grace_hopper")
    assert got.dtype == np.uint8 and got.shape == (600, 512, 3)
    np.testing.assert_array_equal(got, want)
    assert load_photo("grace_hopper", gray=True).shape == (600, 512)
