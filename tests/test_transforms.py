"""helpers.transforms against OpenCV, and on cases whose answer is known exactly.

Conventions handled here (see the module docstring): OpenCV's ``warpAffine`` takes the forward
matrix and ``dsize = (W, H)``; it rounds every source coordinate to 1/32 pixel (``INTER_BITS =
5``) before bilinear interpolation, so exact bilinear differs from it by at most one 1/64-pixel
step times the local slope: at most 2/64 on random [0, 1] noise (slope up to 1 per pixel in each
axis), far less on photographs. Emulating the rounding makes the two agree to float32 precision.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import transforms as T
from helpers.data import load_photo
from helpers.image import as_float_image


def random_affine(rng, h, w):
    m = T.rotation_matrix((rng.uniform(0, w), rng.uniform(0, h)), rng.uniform(-180, 180),
                          rng.uniform(0.5, 2.0))
    m[:, 2] += rng.uniform(-5, 5, 2)
    m[0, 1] += rng.uniform(-0.3, 0.3)  # a little shear: a general affine map
    return m


# -- matrices --------------------------------------------------------------------------------
def test_rotation_matrix_equals_cv2(rng):
    cv2 = pytest.importorskip("cv2")
    for _ in range(50):
        center = tuple(rng.uniform(-500, 500, 2))
        angle, scale = rng.uniform(-720, 720), rng.uniform(-3, 3)
        want = cv2.getRotationMatrix2D(center, angle, scale)
        np.testing.assert_allclose(T.rotation_matrix(center, angle, scale), want, rtol=1e-15,
                                   atol=1e-12)


def test_rotation_matrix_quarter_turn_is_counter_clockwise_on_screen():
    # (1, 0) is to the right of the centre; a quarter turn counter-clockwise on screen (y down)
    # takes it straight up, to (0, -1).
    m = T.rotation_matrix((0, 0), 90)
    np.testing.assert_allclose(T.transform_points(m, [[1, 0]]), [[0, -1]], atol=1e-12)
    np.testing.assert_allclose(T.transform_points(m, [[5, 7]]), [[7, -5]], atol=1e-12)


def test_rotation_keeps_its_centre_fixed():
    m = T.rotation_matrix((30, 40), 37, 1.7)
    np.testing.assert_allclose(T.transform_points(m, [[30, 40]]), [[30, 40]], atol=1e-12)


def test_builders_and_composition_order():
    t, s = T.translation_matrix(10, 0), T.scaling_matrix(2)
    # Shift then scale sends the origin to (20, 0); scale then shift to (10, 0).
    np.testing.assert_allclose(T.compose_affine(t, s) @ [0, 0, 1], [20, 0, 1])
    np.testing.assert_allclose(T.compose_affine(s, t) @ [0, 0, 1], [10, 0, 1])
    np.testing.assert_allclose(T.shear_matrix(0.5, 0) @ [2, 4, 1], [4, 4, 1])
    np.testing.assert_allclose(T.scaling_matrix(2, 3) @ [1, 1, 1], [2, 3, 1])
    # Rotation about c = shift c to the origin, rotate, shift back.
    c = (12.0, -3.0)
    r0 = T.rotation_matrix((0, 0), 25, 1.3, homogeneous=True)
    composed = T.compose_affine(T.translation_matrix(-c[0], -c[1]), r0, T.translation_matrix(*c))
    np.testing.assert_allclose(composed[:2], T.rotation_matrix(c, 25, 1.3), atol=1e-12)


def test_affine_matrix_parts():
    m = T.affine_matrix(angle=20, scale=1.5, shear=0.3, shift=(4, -2), center=(10, 10))
    want = T.compose_affine(T.translation_matrix(-10, -10), T.shear_matrix(0.3),
                            T.rotation_matrix((0, 0), 20, 1.5), T.translation_matrix(14, 8))
    np.testing.assert_allclose(m, want, atol=1e-12)


def test_invert_affine_equals_cv2(rng):
    cv2 = pytest.importorskip("cv2")
    for _ in range(20):
        m = random_affine(rng, 50, 50)
        np.testing.assert_allclose(T.invert_affine(m), cv2.invertAffineTransform(m), atol=1e-10)
        back = T.compose_affine(m, T.invert_affine(m))
        np.testing.assert_allclose(back, np.eye(3), atol=1e-10)


def test_transform_points_equals_cv2(rng):
    cv2 = pytest.importorskip("cv2")
    pts = rng.uniform(-100, 100, (30, 2))
    m = random_affine(rng, 50, 50)
    np.testing.assert_allclose(T.transform_points(m, pts),
                               cv2.transform(pts[:, None, :], m)[:, 0], atol=1e-9)
    h = np.vstack([m, [1e-3, -2e-3, 1.0]])
    np.testing.assert_allclose(T.transform_points(h, pts),
                               cv2.perspectiveTransform(pts[:, None, :], h)[:, 0], atol=1e-9)


# -- sampling --------------------------------------------------------------------------------
def test_bilinear_by_hand():
    img = np.array([[0.0, 10.0], [20.0, 30.0]])
    xs, ys = np.array([0.0, 1.0, 0.5, 0.5, 0.25]), np.array([0.0, 1.0, 0.0, 0.5, 0.75])
    np.testing.assert_allclose(T.sample_bilinear(img, xs, ys), [0, 30, 5, 15, 17.5])
    # Half a pixel beyond the right edge: half the image, half the fill.
    np.testing.assert_allclose(T.sample_bilinear(img, np.array([1.5]), np.array([0.0]), fill=2),
                               [6.0])
    assert T.sample_bilinear(img, np.array([-1.0]), np.array([0.0]), fill=7.0)[0] == 7.0


def test_nearest_rounds_half_up_and_fills_outside():
    img = np.arange(6.0).reshape(2, 3)
    got = T.sample_nearest(img, np.array([0.49, 0.5, 2.4, 2.5, -0.5, -0.51]), np.zeros(6),
                           fill=-1)
    np.testing.assert_array_equal(got, [0, 1, 2, -1, 0, -1])


@pytest.mark.parametrize("shape", [(7, 9), (6, 5, 3)])
def test_naive_equals_fast_samplers(rng, shape):
    img = rng.random(shape).astype(np.float32)
    xs, ys = rng.uniform(-2, shape[1] + 1, (4, 11)), rng.uniform(-2, shape[0] + 1, (4, 11))
    np.testing.assert_allclose(T.sample_bilinear_naive(img, xs, ys, fill=0.3),
                               T.sample_bilinear(img, xs, ys, fill=0.3), atol=1e-6)
    np.testing.assert_array_equal(T.sample_nearest_naive(img, xs, ys, fill=0.3),
                                  T.sample_nearest(img, xs, ys, fill=0.3))


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("channels", [(), (3,)])
def test_naive_warp_equals_fast(rng, interpolation, channels):
    img = rng.random((17, 23) + channels).astype(np.float32)
    m = random_affine(rng, 17, 23)
    naive = T.warp_affine_naive(img, m, (19, 21), interpolation=interpolation, fill=0.2)
    fast = T.warp_affine(img, m, (19, 21), interpolation=interpolation, fill=0.2)
    np.testing.assert_allclose(naive, fast, atol=1e-6)


# -- warping against OpenCV ------------------------------------------------------------------
def _cv2_warp(cv2, img, m, shape, interpolation, fill):
    flag = cv2.INTER_LINEAR if interpolation == "bilinear" else cv2.INTER_NEAREST
    # A scalar borderValue fills only the first channel in OpenCV: pass one value per channel.
    return cv2.warpAffine(img, m[:2], (shape[1], shape[0]), flags=flag,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(fill,) * 4)


@pytest.mark.parametrize("channels", [(), (3,)])
def test_warp_bilinear_agrees_with_cv2_on_random_images(rng, channels):
    # Stated tolerance: OpenCV rounds coordinates to 1/32 px, so on noise whose neighbours
    # differ by up to 1, |ours - cv2| <= 2 * 1/64 (plus float32 rounding).
    cv2 = pytest.importorskip("cv2")
    errors = []
    for _ in range(20):
        h, w = rng.integers(20, 60, 2)
        img = rng.random((h, w) + channels).astype(np.float32)
        m = random_affine(rng, h, w)
        fill = float(rng.uniform(0, 1))
        ours = T.warp_affine(img, m, (h + 5, w - 3), fill=fill)
        theirs = _cv2_warp(cv2, img, m, (h + 5, w - 3), "bilinear", fill)
        errors.append(np.abs(ours - theirs))
    errors = np.concatenate([e.ravel() for e in errors])
    assert errors.max() <= 2 / 64 + 1e-5
    assert errors.mean() <= 5e-3


def test_warp_bilinear_agrees_with_cv2_on_a_photo():
    # The figures: at most about 0.015 on a [0, 1] photo, mean below 5e-4.
    cv2 = pytest.importorskip("cv2")
    img = as_float_image(load_photo("astronaut"))
    for angle, scale in [(33, 0.8), (-70, 1.3), (5, 1.0)]:
        m = T.rotation_matrix((255.5, 255.5), angle, scale)
        diff = np.abs(T.warp_affine(img, m) - _cv2_warp(cv2, img, m, (512, 512), "bilinear", 0))
        assert diff.max() <= 0.02 and diff.mean() <= 5e-4, (angle, diff.max(), diff.mean())


def _opencv_source_coordinates(m, shape, *, nearest):
    """Where cv2.warpAffine samples, in its own fixed point (imgwarp.cpp, WarpAffineInvoker).

    AB_BITS = 10: the inverse map's terms are rounded to 1/1024 pixel; with a rounding offset
    they are then cut to 1/32 pixel (INTER_BITS = 5) for bilinear, to whole pixels for nearest.
    """
    inv = T.invert_affine(m)
    y = np.arange(shape[0], dtype=np.float64)[:, None]
    x = np.arange(shape[1], dtype=np.float64)[None, :]
    delta = 512 if nearest else 16
    fx = np.rint((inv[0, 1] * y + inv[0, 2]) * 1024) + delta + np.rint(inv[0, 0] * x * 1024)
    fy = np.rint((inv[1, 1] * y + inv[1, 2]) * 1024) + delta + np.rint(inv[1, 0] * x * 1024)
    step = 1024 if nearest else 32
    unit = 1 if nearest else 32
    return np.floor(fx / step) / unit, np.floor(fy / step) / unit


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_warp_equals_cv2_exactly_once_coordinates_are_rounded_like_opencv(rng, interpolation):
    # The one convention difference, emulated: OpenCV's fixed-point source coordinates. Then our
    # samplers reproduce cv2.warpAffine to float32 rounding on every pixel.
    cv2 = pytest.importorskip("cv2")
    sampler = T.sample_bilinear if interpolation == "bilinear" else T.sample_nearest
    for _ in range(10):
        h, w = rng.integers(20, 60, 2)
        img = rng.random((h, w)).astype(np.float32)
        m = random_affine(rng, h, w)
        xs, ys = _opencv_source_coordinates(m, (h, w), nearest=interpolation == "nearest")
        theirs = _cv2_warp(cv2, img, m, (h, w), interpolation, 0.25)
        np.testing.assert_allclose(sampler(img, xs, ys, fill=0.25), theirs, atol=1e-6)


def test_warp_nearest_agrees_with_cv2_on_99_percent(rng):
    cv2 = pytest.importorskip("cv2")
    equal, total = 0, 0
    for _ in range(20):
        h, w = rng.integers(20, 60, 2)
        img = rng.random((h, w)).astype(np.float32)
        m = random_affine(rng, h, w)
        ours = T.warp_affine(img, m, interpolation="nearest", fill=0.5)
        theirs = _cv2_warp(cv2, img, m, (h, w), "nearest", 0.5)
        equal += int(np.sum(ours == theirs))
        total += ours.size
    assert equal / total >= 0.99


def test_warp_uint8_rounds_like_cv2():
    cv2 = pytest.importorskip("cv2")
    img = load_photo("camera")[::2, ::2]
    m = T.rotation_matrix((127.5, 127.5), 20, 1.1)
    ours = T.warp_affine(img, m)
    assert ours.dtype == np.uint8
    theirs = _cv2_warp(cv2, img, m, img.shape, "bilinear", 0)
    diff = np.abs(ours.astype(int) - theirs)
    assert diff.max() <= 6 and np.mean(diff <= 1) >= 0.99


def test_warp_identity_and_integer_shift():
    img = np.arange(20.0).reshape(4, 5)
    np.testing.assert_array_equal(T.warp_affine(img, np.eye(3)), img)
    shifted = T.warp_affine(img, T.translation_matrix(2, 1), fill=-1)
    np.testing.assert_array_equal(shifted[1:, 2:], img[:-1, :-2])
    assert (shifted[0] == -1).all() and (shifted[:, :2] == -1).all()


def test_forward_mapping_leaves_holes_inverse_does_not():
    img = np.ones((20, 20))
    m = T.scaling_matrix(2)
    warped, hit = T.warp_affine_forward(img, m, (40, 40))
    assert hit.mean() == pytest.approx(0.25)  # 400 source pixels on 1,600 target pixels
    assert (T.warp_affine(img, m, (39, 39)) == 1).all()  # every pixel within the picture filled
    # A rotation at scale 1 leaves holes too.
    _, hit = T.warp_affine_forward(np.ones((60, 60)), T.rotation_matrix((30, 30), 30), (60, 60))
    inner = hit[20:40, 20:40]
    assert 0 < (~inner).sum() < inner.size


# -- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: T.warp_affine(np.zeros((4, 4)), np.zeros((2, 3))), ValueError, "singular"),
        (lambda: T.warp_affine(np.zeros((4, 4)), np.eye(2)), ValueError, r"matrix must have shape"),
        (lambda: T.warp_affine(np.zeros((4, 4)), [[1, 0, 0], [0, 1, 0], [1, 0, 1]]), ValueError,
         "last row"),
        (lambda: T.warp_affine(np.zeros((4, 4)), np.eye(3), (10**6, 4)), ValueError,
         r"output_shape\[0\]"),
        (lambda: T.warp_affine(np.zeros((4, 4)), np.eye(3), (4, 0)), ValueError,
         r"output_shape\[1\]"),
        (lambda: T.warp_affine(np.zeros((4, 4)), np.eye(3), 4), TypeError, "output_shape"),
        (lambda: T.warp_affine(np.zeros((4, 4)), np.eye(3), interpolation="cubic"), ValueError,
         "interpolation"),
        (lambda: T.warp_affine(np.zeros((4, 4), np.uint8), np.eye(3), fill=300), ValueError,
         "fill"),
        (lambda: T.warp_affine(np.zeros((4, 4), np.int64), np.eye(3)), TypeError, "image"),
        (lambda: T.warp_affine(np.full((4, 4), np.nan), np.eye(3)), ValueError, "image"),
        (lambda: T.warp_affine(np.zeros((4, 4)), np.full((2, 3), np.inf)), ValueError, "matrix"),
        (lambda: T.warp_affine(None, np.eye(3)), TypeError, "image"),
        (lambda: T.warp_affine_naive(np.zeros((4, 4)), np.eye(3), (300, 4)), ValueError,
         r"output_shape\[0\]"),
        (lambda: T.rotation_matrix((0, 0), float("nan")), ValueError, "angle"),
        (lambda: T.rotation_matrix((0,), 10), ValueError, "center"),
        (lambda: T.rotation_matrix((0, 0), 10, "2"), TypeError, "scale"),
        (lambda: T.rotation_matrix((0, 0), 10, 1e9), ValueError, "scale"),
        (lambda: T.scaling_matrix(0), ValueError, "sx"),
        (lambda: T.translation_matrix(None, 1), TypeError, "tx"),
        (lambda: T.shear_matrix(1e6), ValueError, "shx"),
        (lambda: T.compose_affine(), ValueError, "1 to 64"),
        (lambda: T.invert_affine([[0, 0, 1], [0, 0, 1]]), ValueError, "singular"),
        (lambda: T.sample_bilinear(np.zeros((3, 3)), np.zeros(2), np.zeros(3)), ValueError,
         "same shape"),
        (lambda: T.transform_points(np.eye(3), np.zeros((3, 3))), ValueError, "points"),
    ],
)
def test_bad_input_is_refused_with_the_argument_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- explorer ---------------------------------------------------------------------------------
def test_transform_explorer_warps_with_the_helpers():
    from helpers.widgets import transform_explorer

    photo = load_photo("astronaut")
    ex = transform_explorer(photo, angle=0.0)
    assert ex.error is None and ex.photo.shape == (256, 256, 3)
    ex.set(angle=45.0, scale=1.5, shear=0.2, shift_x=10, shift_y=-20, interpolation="nearest")
    want_m = T.affine_matrix(angle=45, scale=1.5, shear=0.2, shift=(10, -20), center=(127.5, 127.5))
    np.testing.assert_allclose(ex.result["matrix"], want_m)
    np.testing.assert_array_equal(ex.result["warped"],
                                  T.warp_affine(ex.photo, want_m, interpolation="nearest"))
    assert f"{1.5 ** 2:.3f}" in ex.readout.value  # det = scale^2 (shear keeps areas)
    ex.set(scale=0.25, angle=-180.0)  # the extremes of the sliders still draw
    assert ex.error is None and 0 < ex.result["covered"] < 0.1


def test_transform_explorer_factory_validates():
    from helpers.widgets import BENCH_FACTORIES, transform_explorer

    with pytest.raises(ValueError, match="scale"):
        transform_explorer(load_photo("camera"), scale=0)
    with pytest.raises(ValueError, match="interpolation"):
        transform_explorer(load_photo("camera"), interpolation="cubic")
    with pytest.raises(ValueError, match="image"):
        transform_explorer(np.zeros((4, 4, 2)))
    assert "transform" in BENCH_FACTORIES


# -- exercise checks ----------------------------------------------------------------------------
def _stub(*args):
    raise NotImplementedError("exercise not attempted yet")


def test_check_bilinear_sample():
    from helpers.checks import check_bilinear_sample

    good = check_bilinear_sample(lambda im, x, y: T.sample_bilinear(im, x, y))
    assert good.passed, good.message
    wrong = check_bilinear_sample(lambda im, x, y: T.sample_nearest(im, x, y))
    assert wrong.status == "failed" and "half way between two pixels" in wrong.message
    # Forgetting the fill outside the image: clamping to the border instead.
    clamped = check_bilinear_sample(
        lambda im, x, y: T.sample_bilinear(im, np.clip(x, 0, im.shape[1] - 1),
                                           np.clip(y, 0, im.shape[0] - 1)))
    assert clamped.status == "failed" and "beyond the right edge" in clamped.message
    assert check_bilinear_sample(_stub).status == "not attempted"


def test_check_inverse_warp():
    from helpers.checks import check_inverse_warp

    good = check_inverse_warp(lambda im, m, s: T.warp_affine(im, m, s))
    assert good.passed, good.message
    forward_matrix = check_inverse_warp(
        lambda im, m, s: T.warp_affine(im, np.linalg.inv(m), s))  # inverse of the inverse
    assert forward_matrix.status == "failed" and "shift 2 right" in forward_matrix.message
    assert check_inverse_warp(_stub).status == "not attempted"
