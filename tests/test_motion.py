"""helpers.motion against OpenCV and against the exact ground truth of its own generators.

Stated tolerances and convention differences:

* ``lucas_kanade`` vs ``cv2.calcOpticalFlowPyrLK`` (same window and levels): OpenCV rounds its
  pyramid to 8 bits and its window samples to fixed point (14-bit weights), we compute in float64,
  so tracked points differ by about 1e-4 px (median; asserted below 5e-3), the median endpoint
  errors against the truth by less than 0.01 px (the issue allows 0.05), and the status agrees on
  at least 99% of points.
* ``match_template`` vs ``cv2.matchTemplate(TM_CCOEFF_NORMED)``: within 1e-4 on random images.
  OpenCV correlates in float32 (DFT); on photos with nearly flat windows it loses digits there, so
  photos are compared at 1e-4 where the window's standard deviation is at least 4 gray levels, and
  our float64 value is checked against the float64 loop everywhere.
* ``gaussian_pyramid`` vs ``cv2.pyrDown`` on float32: 1e-6. ``scharr_gradients`` is
  ``cv2.Scharr / 32`` (border reflect101 in both).
* ``farneback_flow`` is OpenCV itself (its ``levels`` counts coarser levels, OpenCV's counts the
  image too): tested for its conventions and for sanity against the truth.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import features, motion
from helpers.data import load_photo
from helpers.image import as_float_image
from helpers.transforms import rotation_matrix, sample_bilinear


@pytest.fixture(scope="module")
def cat():
    return load_photo("chelsea")


def _corners(image, n=150):
    return features.corner_peaks(features.shi_tomasi_response(image, 3, 3), quality=0.01,
                                 min_distance=8, max_corners=n)


def _truth_at(pair, pts):
    r = np.round(pts).astype(int)
    return pts + pair.flow[r[:, 1], r[:, 0]], pair.valid[r[:, 1], r[:, 0]]


# -- ground truth ----------------------------------------------------------------------------------
def test_translation_pair_is_exact_and_seeded(cat):
    a = motion.make_motion_pair(cat, "translation", rng=5)
    b = motion.make_motion_pair(cat, "translation", rng=5)
    assert np.array_equal(a.prev, b.prev) and np.array_equal(a.next, b.next)
    assert a.prev.dtype == np.uint8 and a.prev.shape == (192, 256) and a.flow.shape == (192, 256, 2)
    shift = a.flow[100, 100]
    assert np.allclose(a.flow[a.valid], shift) and np.all(np.abs(shift) <= 3)
    assert shift[0] != round(shift[0])  # a random draw is sub-pixel
    # The content of prev at p is in next at p + flow: resample next there and compare.
    ys, xs = np.nonzero(a.valid)
    moved = sample_bilinear(as_float_image(a.next), xs + a.flow[ys, xs, 0], ys + a.flow[ys, xs, 1])
    assert np.mean(np.abs(moved - as_float_image(a.prev)[ys, xs])) < 1.5 / 255
    # Pixels whose content leaves the frame have no checkable truth.
    dest_x = np.arange(256) + shift[0]
    assert not a.valid[:, (dest_x < 0) | (dest_x > 255)].any()


def test_rotation_and_zoom_flows_follow_the_matrix(cat):
    for kind, kwargs, matrix in [
        ("rotation", {"angle": 3.0}, rotation_matrix((127.5, 95.5), 3.0)),
        ("zoom", {"scale": 1.05}, rotation_matrix((127.5, 95.5), 0.0, 1.05)),
    ]:
        pair = motion.make_motion_pair(cat, kind, **kwargs)
        ys, xs = np.mgrid[0:192, 0:256]
        want_x = matrix[0, 0] * xs + matrix[0, 1] * ys + matrix[0, 2] - xs
        want_y = matrix[1, 0] * xs + matrix[1, 1] * ys + matrix[1, 2] - ys
        np.testing.assert_allclose(pair.flow[..., 0], want_x, atol=1e-9)
        np.testing.assert_allclose(pair.flow[..., 1], want_y, atol=1e-9)


def test_object_pair_moves_the_disc_and_hides_what_it_covers(cat):
    pair = motion.make_motion_pair(cat, "object", shift=(1.0, 0.5), object_shift=(4.0, -2.0), rng=3)
    speeds = np.unique(np.round(pair.flow.reshape(-1, 2), 9), axis=0)
    assert {tuple(s) for s in speeds.tolist()} == {(1.0, 0.5), (4.0, -2.0)}
    on_disc = np.all(pair.flow == (4.0, -2.0), axis=2)
    assert 0.02 < on_disc.mean() < 0.2 and pair.valid[on_disc].mean() > 0.9
    # Background pixels that the disc covers in the next frame are not checkable.
    assert (~pair.valid & ~on_disc).sum() > 50


def test_sequence_tracks_agree_with_the_flows(cat):
    seq = motion.make_motion_sequence(cat, 5, shift=(1.5, -0.5), angle=1.0, object_shift=(3, 2),
                                      rng=2)
    ys, xs = np.mgrid[10:180:17, 10:240:23]
    pts = np.column_stack([xs.ravel(), ys.ravel()]).astype(float)
    positions, visible = motion.sequence_tracks(seq, pts)
    assert positions.shape == (5, len(pts), 2) and visible.shape == (5, len(pts))
    np.testing.assert_allclose(positions[1] - positions[0],
                               seq.flows[0][pts[:, 1].astype(int), pts[:, 0].astype(int)],
                               atol=1e-9)
    centre = seq.centers[0]
    inside = np.hypot(*(pts - centre).T) < seq.radius - 1
    assert inside.sum() >= 2
    np.testing.assert_allclose(positions[-1][inside] - pts[inside],
                               np.tile([12.0, 8.0], (inside.sum(), 1)))  # 4 frames of (3, 2)


def test_noise_is_added_with_the_stated_sigma(cat):
    clean = motion.make_motion_pair(cat, "translation", shift=(1, 1), rng=0)
    noisy = motion.make_motion_pair(cat, "translation", shift=(1, 1), noise=0.02, rng=0)
    diff = noisy.prev.astype(float) - clean.prev
    assert 4.0 < diff.std() < 6.0 and abs(diff.mean()) < 0.5


def test_motorcycle_pair_conventions():
    skimage_data = pytest.importorskip("skimage.data")
    left, _, disparity = skimage_data.stereo_motorcycle()
    pair = motion.motorcycle_pair()
    assert pair.prev.shape == (500, 741) and pair.prev.dtype == np.uint8
    # skimage's docstring says NaN marks missing ground truth: it is inf.
    assert not np.isnan(disparity).any() and np.isinf(disparity).sum() == (~pair.valid).sum()
    np.testing.assert_allclose(pair.flow[pair.valid, 0], -disparity[pair.valid])
    assert np.all(pair.flow[pair.valid, 1] == 0)
    # left(x, y) corresponds to right(x - d, y), not right(x + d, y) as the docstring says.
    ys, xs = np.nonzero(pair.valid)
    d = disparity[ys, xs].astype(float)
    gl, gr = as_float_image(pair.prev)[ys, xs], as_float_image(pair.next)
    minus = np.mean(np.abs(sample_bilinear(gr, xs - d, ys.astype(float)) - gl))
    plus = np.mean(np.abs(sample_bilinear(gr, xs + d, ys.astype(float)) - gl))
    assert minus < plus / 3


def test_endpoint_error_and_colours():
    err = motion.endpoint_error([[3.0, 4.0], [np.nan, 0.0]], [[0.0, 0.0], [1.0, 1.0]])
    assert err[0] == 5.0 and np.isnan(err[1])
    masked = motion.endpoint_error(np.zeros((2, 2, 2)), np.ones((2, 2, 2)),
                                   np.array([[True, False], [True, True]]))
    assert np.isnan(masked[0, 1]) and np.isclose(masked[0, 0], np.sqrt(2))
    flow = np.array([[[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [0.0, 0.0], [np.nan, 0]]])
    rgb = motion.flow_to_color(flow)
    # right red, down (hue 90) yellow-green, left cyan, up (hue 270) violet, still white, NaN black
    assert rgb[0].tolist() == [[255, 0, 0], [128, 255, 0], [0, 255, 255], [128, 0, 255],
                               [255, 255, 255], [0, 0, 0]]
    wheel = motion.flow_wheel(33)
    assert wheel[16, 16].tolist() == [255, 255, 255] and wheel[16, 32].tolist() == [255, 0, 0]
    assert wheel[0, 0].tolist() == [255, 255, 255]  # outside the disc


# -- block matching --------------------------------------------------------------------------------
@pytest.mark.parametrize("metric", ["sad", "ssd"])
def test_block_matching_recovers_integer_shifts_exactly(rng, metric):
    for _ in range(6):
        prev = rng.integers(0, 256, (64, 80), dtype=np.uint8)
        block, search = int(rng.choice([4, 8, 16])), int(rng.integers(3, 9))
        dy, dx = (int(v) for v in rng.integers(-search, search + 1, 2))
        nxt = np.roll(prev, (dy, dx), axis=(0, 1))
        vectors = motion.block_matching(prev, nxt, block, search, metric=metric)
        assert vectors.shape == (64 // block, 80 // block, 2) and vectors.dtype == np.int64
        rows, cols = np.mgrid[0 : vectors.shape[0], 0 : vectors.shape[1]] * block
        inside = ((rows + dy >= 0) & (rows + dy + block <= 64) & (cols + dx >= 0)
                  & (cols + dx + block <= 80))
        assert np.all(vectors[inside] == (dy, dx)), (dy, dx, block, search)


@pytest.mark.parametrize("metric", ["sad", "ssd"])
def test_block_matching_naive_equals_fast(rng, metric):
    for _ in range(12):
        h, w = (int(v) for v in rng.integers(10, 48, 2))
        prev = rng.integers(0, 256, (h, w), dtype=np.uint8)
        moved = np.roll(prev, tuple(rng.integers(-4, 5, 2)), axis=(0, 1)).astype(int)
        nxt = np.clip(moved + rng.integers(-3, 4, (h, w)), 0, 255).astype(np.uint8)
        block, search = int(rng.integers(2, 9)), int(rng.integers(0, 7))
        # uint8 (exact integer costs), and the same frames as floats, where equal sums taken in
        # another order differ by rounding (the near-tie rule must break them alike)
        for a, b in [(prev, nxt), (as_float_image(prev), as_float_image(nxt)),
                     (as_float_image(prev).astype(np.float64), as_float_image(nxt))]:
            if a.dtype != b.dtype:
                b = b.astype(a.dtype)
            np.testing.assert_array_equal(
                motion.block_matching_naive(a, b, block, search, metric=metric),
                motion.block_matching(a, b, block, search, metric=metric))


def test_block_matching_ties_keep_zero_motion_and_costs_mark_the_border():
    flat = np.full((16, 16), 7, np.uint8)
    assert np.all(motion.block_matching(flat, flat, 4, 3) == 0)
    cost = motion.block_cost(flat, flat, 0, 0, block=4, search=2)
    assert np.all(np.isinf(cost[:2])) and np.all(np.isinf(cost[:, :2])) and cost[2, 2] == 0
    assert motion.search_offsets(2)[0].tolist() == [0, 0] and len(motion.search_offsets(2)) == 25


def test_block_vectors_to_flow_and_motion_compensation(rng):
    reference = rng.integers(0, 256, (32, 40), dtype=np.uint8)
    current = np.roll(reference, (2, -3), axis=(0, 1))  # content moved down 2, left 3
    vectors = motion.block_matching(current, reference, 8, 4)  # where current's blocks came from
    prediction = motion.motion_compensate(reference, vectors, 8)
    assert prediction.dtype == np.uint8
    interior = np.s_[8:32, 0:32]  # blocks whose source lies inside the reference
    assert np.array_equal(prediction[interior], current[interior])
    flow = motion.block_vectors_to_flow(vectors, 8, (35, 40))
    assert flow.shape == (35, 40, 2) and np.isnan(flow[34]).all()
    assert flow[10, 10].tolist() == [3.0, -2.0]  # (dx, dy) from the (dy, dx) vector (-2, 3)


# -- gradients, pyramids, Lucas-Kanade ------------------------------------------------------------
def test_gaussian_pyramid_equals_cv2_pyrdown(rng):
    cv2 = pytest.importorskip("cv2")
    for _ in range(10):
        h, w = rng.integers(3, 90, 2)
        img = rng.random((h, w)).astype(np.float32)
        ours = motion.gaussian_pyramid(img, 3)
        level = img
        for got in ours[1:]:
            level = cv2.pyrDown(level)
            assert got.shape == level.shape
            assert np.abs(got - level).max() < 1e-6


def test_scharr_gradients_equal_cv2_scharr_over_32(rng):
    cv2 = pytest.importorskip("cv2")
    img = rng.random((23, 31)).astype(np.float32)
    gx, gy = motion.scharr_gradients(img)
    np.testing.assert_allclose(gx, cv2.Scharr(img, cv2.CV_32F, 1, 0) / 32, atol=1e-6)
    np.testing.assert_allclose(gy, cv2.Scharr(img, cv2.CV_32F, 0, 1) / 32, atol=1e-6)


def test_pyramid_levels_follow_opencvs_rule(rng):
    cv2 = pytest.importorskip("cv2")
    for _ in range(60):
        h, w = (int(v) for v in rng.integers(8, 400, 2))
        window, levels = int(rng.integers(3, 40)), int(rng.integers(0, 6))
        n, _ = cv2.buildOpticalFlowPyramid(np.zeros((h, w), np.uint8), (window, window), levels,
                                           withDerivatives=False)
        assert motion.pyramid_levels((h, w), window, levels) == n


def test_lucas_kanade_step_analytic_and_singular():
    np.testing.assert_allclose(motion.lucas_kanade_step([[1.0, 0.0]], [[0.0, 1.0]],
                                                        [[-2.0, -1.0]]), [2.0, 1.0])
    edge = np.tile([0.0, 1.0, 0.0], (3, 1))
    assert np.isnan(motion.lucas_kanade_step(edge, np.zeros((3, 3)), edge)).all()
    assert np.isnan(motion.lucas_kanade_step(np.zeros((2, 2)), np.zeros((2, 2)),
                                             np.ones((2, 2)))).all()
    rng = np.random.default_rng(1)
    ix, iy, it = rng.normal(size=(3, 6, 7))
    a = np.column_stack([ix.ravel(), iy.ravel()])
    np.testing.assert_allclose(motion.lucas_kanade_step(ix, iy, it),
                               np.linalg.lstsq(a, -it.ravel(), rcond=None)[0], rtol=1e-10)


@pytest.mark.parametrize("kind", ["translation", "object"])
def test_lucas_kanade_on_subpixel_motions_matches_the_truth_and_opencv(cat, kind):
    cv2 = pytest.importorskip("cv2")
    for seed in range(3):
        pair = motion.make_motion_pair(cat, kind, blur=1.5, rng=100 + seed)
        pts = _corners(pair.prev)
        truth, valid = _truth_at(pair, pts)
        ours, ok = motion.lucas_kanade(pair.prev, pair.next, pts, window=21, levels=3)
        theirs, cv_ok, _ = cv2.calcOpticalFlowPyrLK(pair.prev, pair.next, pts.astype(np.float32),
                                                   None, winSize=(21, 21), maxLevel=3)
        theirs, cv_ok = theirs.reshape(-1, 2), cv_ok.ravel() == 1
        both = ok & cv_ok & valid
        ours_err = np.median(np.hypot(*(ours - truth)[both].T))
        cv_err = np.median(np.hypot(*(theirs - truth)[both].T))
        assert ours_err < 0.1 and ours_err <= cv_err + 0.01, (seed, ours_err, cv_err)
        assert np.median(np.hypot(*(ours - theirs)[both].T)) < 5e-3
        assert np.mean(ok == cv_ok) >= 0.99


def test_lucas_kanade_agrees_with_opencv_for_other_windows_and_levels(cat):
    cv2 = pytest.importorskip("cv2")
    pair = motion.make_motion_pair(cat, "translation", shift=(6.3, -4.7), rng=0)
    pts = _corners(pair.prev, 80)
    for window, levels in [(9, 0), (9, 2), (15, 1), (31, 4), (20, 3)]:
        ours, ok = motion.lucas_kanade(pair.prev, pair.next, pts, window=window, levels=levels)
        theirs, cv_ok, _ = cv2.calcOpticalFlowPyrLK(pair.prev, pair.next, pts.astype(np.float32),
                                                   None, winSize=(window, window), maxLevel=levels)
        both = ok & (cv_ok.ravel() == 1)
        assert np.mean(ok == (cv_ok.ravel() == 1)) >= 0.95
        assert np.median(np.hypot(*(ours - theirs.reshape(-1, 2))[both].T)) < 5e-3


def test_lucas_kanade_naive_equals_fast(cat, rng):
    pair = motion.make_motion_pair(cat, "object", rng=4)
    pts = np.vstack([_corners(pair.prev, 25), rng.uniform(-30, 280, (10, 2)), [[100.5, 3.25]]])
    for window, levels in [(21, 3), (7, 0), (12, 2)]:
        fast, ok_fast = motion.lucas_kanade(pair.prev, pair.next, pts, window=window,
                                            levels=levels)
        slow, ok_slow = motion.lucas_kanade_naive(pair.prev, pair.next, pts, window=window,
                                                  levels=levels)
        np.testing.assert_array_equal(ok_fast, ok_slow)
        np.testing.assert_allclose(fast[ok_fast], slow[ok_slow], atol=1e-9)


def test_lucas_kanade_in_chunks_equals_point_by_point(cat, rng):
    pair = motion.make_motion_pair(cat, "translation", shift=(1.2, 0.4), rng=0)
    pts = rng.uniform(40, 150, (250, 2))  # window 101: gathered 192 points at a time
    whole, ok = motion.lucas_kanade(pair.prev, pair.next, pts, window=101, levels=1)
    parts = [motion.lucas_kanade(pair.prev, pair.next, pts[i : i + 50], window=101, levels=1)
             for i in range(0, 250, 50)]
    np.testing.assert_array_equal(whole, np.concatenate([p[0] for p in parts]))
    np.testing.assert_array_equal(ok, np.concatenate([p[1] for p in parts]))


def test_lucas_kanade_loses_points_it_cannot_track():
    flat = np.full((60, 60), 0.5)
    found, ok = motion.lucas_kanade(flat, flat, [[30.0, 30.0], [-50.0, 10.0], [200.0, 5.0]],
                                    window=11, levels=1)
    assert found.shape == (3, 2) and not ok.any()
    empty, ok = motion.lucas_kanade(flat, flat, np.zeros((0, 2)))
    assert empty.shape == (0, 2) and ok.shape == (0,)


def test_dense_lucas_kanade_and_reused_pyramids(cat):
    pair = motion.make_motion_pair(cat, "translation", shift=(2.3, -1.6), rng=0)
    flow = motion.lucas_kanade_dense(pair.prev, pair.next, window=15, levels=3)
    assert flow.shape == (192, 256, 2)
    assert np.nanmedian(motion.endpoint_error(flow, pair.flow, pair.valid)) < 0.1
    pyramids = motion.flow_pyramids(pair.prev, pair.next, 4)
    again = motion.lucas_kanade_dense(pair.prev, pair.next, window=15, levels=3, pyramids=pyramids)
    np.testing.assert_allclose(again, flow, atol=1e-12)
    with pytest.raises(TypeError, match="pyramids"):
        motion.lucas_kanade_dense(pair.prev, pair.next, pyramids=[1, 2])
    small = motion.flow_pyramids(pair.prev, pair.next, 1)
    with pytest.raises(ValueError, match="pyramids"):
        motion.lucas_kanade_dense(pair.prev, pair.next, levels=3, pyramids=small)


def test_klt_track_follows_the_truth_and_lost_stays_lost(cat):
    seq = motion.make_motion_sequence(cat, 6, shift=(1.5, 0.5), object_shift=(4, 2), rng=0)
    pts = _corners(seq.frames[0], 80)
    truth, visible = motion.sequence_tracks(seq, pts)
    tracks, alive = motion.klt_track(seq.frames, pts)
    assert tracks.shape == truth.shape and alive.shape == visible.shape
    assert np.all(alive[1:] <= alive[:-1])  # once lost, always lost
    assert np.all(np.isnan(tracks[~alive]))
    ok = alive[-1] & visible.all(axis=0)
    assert ok.mean() > 0.7
    assert np.median(np.hypot(*(tracks[-1] - truth[-1])[ok].T)) < 0.3


def test_farneback_flow_conventions_and_sanity(cat):
    cv2 = pytest.importorskip("cv2")
    pair = motion.make_motion_pair(cat, "translation", shift=(1.7, -0.8), rng=0)
    flow = motion.farneback_flow(pair.prev, pair.next, levels=3)
    direct = cv2.calcOpticalFlowFarneback(pair.prev, pair.next, None, 0.5, 4, 15, 3, 5, 1.2, 0)
    np.testing.assert_array_equal(flow, direct)  # levels=3 coarser levels = OpenCV's 4
    assert flow.dtype == np.float64 and flow.shape == (192, 256, 2)
    assert np.nanmedian(motion.endpoint_error(flow, pair.flow, pair.valid)) < 0.15


@pytest.mark.parametrize(("shape", "most"), [((192, 256), 1), ((500, 741), 2), ((1000, 1000), 3)])
def test_farneback_uses_at_most_the_levels_that_keep_32_pixels(rng, shape, most):
    # Documented in farneback_flow: OpenCV caps levels at the largest l with
    # 0.5**(l + 1) * min(H, W) >= 32; more levels than that change nothing.
    a = rng.integers(0, 256, shape, dtype=np.uint8)
    b = np.roll(a, 1, axis=1)
    flows = [motion.farneback_flow(a, b, levels=n, iterations=1) for n in range(most + 2)]
    assert not np.array_equal(flows[most], flows[most - 1])
    assert np.array_equal(flows[most + 1], flows[most])


# -- template matching -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
@pytest.mark.parametrize("channels", [0, 3])
def test_match_template_equals_cv2_on_random_images(rng, dtype, channels):
    cv2 = pytest.importorskip("cv2")
    for _ in range(8):
        h, w = (int(v) for v in rng.integers(8, 90, 2))
        th, tw = int(rng.integers(1, h + 1)), int(rng.integers(1, w + 1))
        shape = (h, w, channels) if channels else (h, w)
        img = rng.integers(0, 256, shape).astype(np.uint8)
        if dtype == np.float32:
            img = as_float_image(img)
        y, x = int(rng.integers(0, h - th + 1)), int(rng.integers(0, w - tw + 1))
        tpl = img[y : y + th, x : x + tw].copy()
        ours = motion.match_template(img, tpl)
        want = cv2.matchTemplate(img, tpl, cv2.TM_CCOEFF_NORMED)
        assert ours.shape == want.shape
        assert np.abs(ours - want).max() < 1e-4


def test_match_template_naive_equals_fast_and_guards(rng):
    cv2 = pytest.importorskip("cv2")
    img = rng.integers(0, 256, (30, 40), dtype=np.uint8)
    tpl = img[5:17, 8:20]
    np.testing.assert_allclose(motion.match_template_naive(img, tpl),
                               motion.match_template(img, tpl), atol=1e-12)
    flat_template = np.full((5, 5), 9, np.uint8)
    assert np.all(motion.match_template(img, flat_template) == 1.0)
    assert np.all(cv2.matchTemplate(img, flat_template, cv2.TM_CCOEFF_NORMED) == 1.0)
    # A flat window scores 0; a nearly flat float window (OpenCV's rounding guard) too.
    patchy = as_float_image(img)
    patchy[10:25, 10:30] = 0.5
    patchy[12:22, 12:28] += rng.normal(0, 1e-5, (10, 16)).astype(np.float32)
    ours = motion.match_template(patchy, patchy[0:8, 0:8].copy())
    want = cv2.matchTemplate(patchy, patchy[0:8, 0:8].copy(), cv2.TM_CCOEFF_NORMED)
    assert ours[13, 14] == 0.0 and want[13, 14] == 0.0
    assert np.abs(ours - want).max() < 1e-4


def test_match_template_on_photos():
    cv2 = pytest.importorskip("cv2")
    from scipy import ndimage

    for name in ("camera", "astronaut", "coins"):
        img = load_photo(name, gray=True)
        for y, x, h, w in [(100, 120, 40, 60), (150, 30, 64, 64)]:
            tpl = img[y : y + h, x : x + w]
            ours = motion.match_template(img, tpl)
            want = cv2.matchTemplate(img, tpl, cv2.TM_CCOEFF_NORMED)
            assert np.unravel_index(np.argmax(ours), ours.shape) == (y, x)
            f = img.astype(float)
            mean = ndimage.uniform_filter(f, (h, w), mode="constant")
            sq = ndimage.uniform_filter(f * f, (h, w), mode="constant")
            std = np.sqrt(np.maximum(sq - mean**2, 0))[h // 2 :, w // 2 :][: want.shape[0],
                                                                          : want.shape[1]]
            assert np.abs(ours - want)[std >= 4].max() < 1e-4
            # Where OpenCV's float32 loses digits, ours is the float64 loop's value.
            worst = np.unravel_index(np.argmax(np.abs(ours - want)), ours.shape)
            window = img[worst[0] : worst[0] + h, worst[1] : worst[1] + w]
            assert np.isclose(motion.match_template_naive(window, tpl)[0, 0], ours[worst],
                              atol=1e-10)


# -- bad input -------------------------------------------------------------------------------------
_IMG = np.zeros((32, 32), np.uint8)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: motion.lucas_kanade(_IMG, _IMG, [[1, 2]], window=2), ValueError, "window"),
        (lambda: motion.lucas_kanade(_IMG, _IMG, [[1, 2]], window=10**6), ValueError, "window"),
        (lambda: motion.lucas_kanade(_IMG, _IMG, [[1, 2]], levels=-1), ValueError, "levels"),
        (lambda: motion.lucas_kanade(_IMG, _IMG, [[1, 2]], levels=99), ValueError, "levels"),
        (lambda: motion.lucas_kanade(_IMG, _IMG, [[1, 2]], iterations=0), ValueError,
         "iterations"),
        (lambda: motion.lucas_kanade(_IMG, _IMG, [[1, 2]], iterations=10**9), ValueError,
         "iterations"),
        (lambda: motion.lucas_kanade(_IMG, _IMG, [[1, 2]], epsilon=float("nan")), ValueError,
         "epsilon"),
        (lambda: motion.lucas_kanade(_IMG, _IMG, [[1, 2]], window=21.0), TypeError, "window"),
        (lambda: motion.lucas_kanade(_IMG, _IMG, np.zeros((10**6, 2))), ValueError, "points"),
        (lambda: motion.lucas_kanade(_IMG, _IMG, np.zeros((15000, 2)), window=51), ValueError,
         "window"),
        (lambda: motion.lucas_kanade(_IMG, _IMG, np.zeros((5000, 2)), iterations=100), ValueError,
         "iterations"),
        (lambda: motion.lucas_kanade_dense(np.zeros((4000, 4000)), np.zeros((4000, 4000)),
                                           iterations=10), ValueError, "iterations"),
        (lambda: motion.klt_track(np.zeros((200, 8, 8)), np.zeros((1000, 2))), ValueError,
         "points"),
        (lambda: motion.match_template(np.zeros((4096, 4096)), np.zeros((2048, 2048))),
         ValueError, "FFT"),
        (lambda: motion.make_motion_sequence(np.zeros((2000, 2000)), 100, size=1024), ValueError,
         "n_frames"),
        (lambda: motion.lucas_kanade(_IMG, _IMG, np.zeros((3, 3))), ValueError, r"\(N, 2\)"),
        (lambda: motion.lucas_kanade(_IMG, _IMG, [[np.nan, 1.0]]), ValueError, "points"),
        (lambda: motion.lucas_kanade(_IMG, np.zeros((32, 31), np.uint8), [[1, 2]]), ValueError,
         "same shape"),
        (lambda: motion.lucas_kanade(np.zeros((8, 8, 3)), np.zeros((8, 8, 3)), [[1, 2]]),
         ValueError, "to_gray"),
        (lambda: motion.lucas_kanade(np.full((8, 8), 2.0), np.zeros((8, 8)), [[1, 2]]),
         ValueError, "prev"),
        (lambda: motion.lucas_kanade(None, _IMG, [[1, 2]]), TypeError, "prev"),
        (lambda: motion.lucas_kanade_naive(_IMG, _IMG, np.zeros((300, 2))), ValueError,
         "points"),
        (lambda: motion.lucas_kanade_naive(_IMG, _IMG, [[1, 2]], window=61), ValueError,
         "window"),
        (lambda: motion.lucas_kanade_dense(_IMG, _IMG, iterations=1000), ValueError,
         "iterations"),
        (lambda: motion.block_matching(_IMG, _IMG, block=1), ValueError, "block"),
        (lambda: motion.block_matching(_IMG, _IMG, block=100), ValueError, "block"),
        (lambda: motion.block_matching(_IMG, _IMG, search=-1), ValueError, "search"),
        (lambda: motion.block_matching(_IMG, _IMG, search=99), ValueError, "search"),
        (lambda: motion.block_matching(_IMG, _IMG, metric="mse"), ValueError, "metric"),
        (lambda: motion.block_matching(_IMG, _IMG.astype(float)), TypeError, "dtype"),
        (lambda: motion.block_matching(np.zeros((4096, 4096), np.uint8),
                                       np.zeros((4096, 4096), np.uint8), search=16), ValueError,
         "search"),
        (lambda: motion.block_matching_naive(np.zeros((300, 300)), np.zeros((300, 300))),
         ValueError, "256"),
        (lambda: motion.block_cost(_IMG, _IMG, 30, 0, block=8), ValueError, "y"),
        (lambda: motion.motion_compensate(_IMG, np.zeros((3, 4, 2), int), 8), ValueError,
         "vectors"),
        (lambda: motion.motion_compensate(_IMG, np.full((4, 4, 2), 20), 8), ValueError,
         "outside"),
        (lambda: motion.match_template(_IMG, np.zeros((40, 4))), ValueError, "larger"),
        (lambda: motion.match_template(_IMG, np.zeros((4, 4, 3))), ValueError, "gray"),
        (lambda: motion.match_template_naive(np.zeros((2000, 2000)), np.zeros((30, 30))),
         ValueError, "match_template"),
        (lambda: motion.make_motion_pair(_IMG, "spin"), ValueError, "kind"),
        (lambda: motion.make_motion_pair(load_photo("coins"), "rotation", angle=40.0), ValueError,
         "too small"),
        (lambda: motion.make_motion_pair(load_photo("coins"), "zoom", angle=2.0), ValueError,
         "angle"),
        (lambda: motion.make_motion_pair(load_photo("coins"), rng=None), TypeError, "rng"),
        (lambda: motion.make_motion_sequence(load_photo("coins"), 10**6), ValueError, "n_frames"),
        (lambda: motion.make_motion_sequence(load_photo("coins"), 3, size=10**5), ValueError,
         "size"),
        (lambda: motion.make_motion_sequence(load_photo("coins"), 3, size=(64, "a")), TypeError,
         "size"),
        (lambda: motion.make_motion_sequence(load_photo("coins"), 30, size=64,
                                             object_shift=(40, 0)), ValueError, "object_shift"),
        (lambda: motion.make_motion_sequence(load_photo("coins"), 3, object_radius=5.0),
         ValueError, "object_radius"),
        (lambda: motion.make_motion_sequence(load_photo("coins"), 3, noise=-0.1), ValueError,
         "noise"),
        (lambda: motion.sequence_tracks("seq", [[1, 2]]), TypeError, "sequence"),
        (lambda: motion.klt_track(np.zeros((1, 8, 8)), [[1, 2]]), ValueError, "frames"),
        (lambda: motion.klt_track(np.zeros((3, 8, 8)), [[1, 2]], max_backward_error=-1),
         ValueError, "max_backward_error"),
        (lambda: motion.farneback_flow(_IMG, _IMG, poly_n=6), ValueError, "poly_n"),
        (lambda: motion.endpoint_error(np.zeros((3, 2)), np.zeros((4, 2))), ValueError,
         "same shape"),
        (lambda: motion.endpoint_error(np.zeros((3, 3)), np.zeros((3, 3))), ValueError, "(dx, dy)"),
        (lambda: motion.flow_to_color(np.zeros((4, 4, 2)), max_magnitude=0), ValueError,
         "max_magnitude"),
        (lambda: motion.flow_wheel(10**6), ValueError, "size"),
        (lambda: motion.gaussian_pyramid(_IMG, 100), ValueError, "levels"),
        (lambda: motion.lucas_kanade_step(np.zeros((200, 200)), np.zeros((200, 200)),
                                          np.zeros((200, 200))), ValueError, "window"),
        (lambda: motion.lucas_kanade_step(np.zeros((2, 2)), np.zeros((2, 3)), np.zeros((2, 2))),
         ValueError, "same shape"),
    ],
)
def test_bad_input_is_refused_with_the_argument_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- figures ---------------------------------------------------------------------------------------
def test_figures_draw_and_validate(cat):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers import plots_motion

    pair = motion.make_motion_pair(cat, "object", rng=0)
    plots_motion.plot_motion_pair(pair)
    plots_motion.plot_flow_result(pair.prev, pair.flow, pair.flow, pair.valid, title="truth")
    vectors = motion.block_matching(pair.prev, pair.next, 8, 4)
    plots_motion.plot_block_vectors(pair.prev, vectors, 8, correct=np.ones(vectors.shape[:2], bool))
    tracks = np.stack([np.array([[10.0, 10.0], [50.0, 60.0]])] * 3)
    alive = np.array([[True, True], [True, False], [True, False]])
    tracks[1:, 1] = np.nan
    plots_motion.plot_tracks(pair.prev, tracks, alive, errors=np.array([0.1, np.nan]))
    plots_motion.plot_pyramid(motion.gaussian_pyramid(pair.prev, 2))
    plots_motion.plot_error_curves([1, 2], {"a": [0.1, 0.2]}, xlabel="x", ylabel="y")
    plots_motion.plot_window_motion(pair.prev, [[60, 60]], 15, [[1.0, 0.5]], [[np.nan, np.nan]],
                                    ["edge"])
    scores = motion.match_template(pair.prev, pair.prev[10:30, 20:50])
    plots_motion.plot_template_match(pair.prev, pair.prev[10:30, 20:50], scores, truth=(20, 10))
    plt.close("all")
    with pytest.raises(TypeError, match="pair"):
        plots_motion.plot_motion_pair("pair")
    with pytest.raises(ValueError, match="flow"):
        plots_motion.plot_flow_result(pair.prev, np.zeros((5, 5, 2)))
    with pytest.raises(ValueError, match="vectors"):
        plots_motion.plot_block_vectors(pair.prev, vectors[:2], 8)
    with pytest.raises(ValueError, match="step"):
        fig, ax = plt.subplots()
        plots_motion.draw_flow_arrows(ax, pair.flow, step=0)
    with pytest.raises(TypeError, match="ax"):
        plots_motion.add_flow_wheel("ax", 1.0)
    with pytest.raises(ValueError, match="scores"):
        plots_motion.plot_template_match(pair.prev, pair.prev[:5, :5], scores)
    scores = motion.match_template(pair.prev, pair.prev[10:30, 20:50])
    with pytest.raises(ValueError, match="truth must be the"):
        plots_motion.plot_template_match(pair.prev, pair.prev[10:30, 20:50], scores, truth=(20,))
    with pytest.raises(ValueError, match="truth must lie within"):
        plots_motion.plot_template_match(pair.prev, pair.prev[10:30, 20:50], scores,
                                         truth=(20, 1e9))
    with pytest.raises(ValueError, match="tracks contains infinite"):
        plots_motion.plot_tracks(pair.prev, tracks + np.inf, alive)
    with pytest.raises(ValueError, match="errors contains infinite"):
        plots_motion.plot_tracks(pair.prev, tracks, alive, errors=np.array([0.1, np.inf]))
    plt.close("all")


# -- explorer --------------------------------------------------------------------------------------
def test_flow_explorer_computes_what_the_helpers_compute(cat):
    from helpers.widgets import BENCH_FACTORIES, flow_explorer

    ex = flow_explorer(cat, window=15, levels=3, n_frames=5)
    assert ex.error is None and "Median endpoint error" in ex.readout.value
    ex.set(frame=2, window=21, levels=2)
    seq = ex.sequence
    want = motion.lucas_kanade_dense(seq.frames[2], seq.frames[3], window=21, levels=2,
                                     iterations=1)
    np.testing.assert_allclose(ex.result["flow"], want, atol=1e-12)
    err = motion.endpoint_error(want, seq.flows[2], seq.valid[2])
    assert np.isclose(ex.result["median"], np.nanmedian(err))
    good = ex.result["object_median"]
    ex.set(levels=0, window=9)  # the disc moves ~5.6 px per frame: one level cannot follow it
    assert ex.result["object_median"] > 5 * good
    assert "0 pyramid levels" in ex.readout.value
    image_before = ex.image.value
    ex.set(frame=0)
    assert ex.image.value != image_before
    ex.set(window=41, levels=4)  # more levels than fit: the readout says so
    assert ex.error is None and "only" in ex.readout.value
    assert "flow" in BENCH_FACTORIES


def test_block_match_explorer_counts_true_vectors(cat):
    from helpers.widgets import BENCH_FACTORIES, block_match_explorer

    ex = block_match_explorer(cat, block=8, search=6)
    assert ex.error is None and "true motion" in ex.readout.value
    seq = ex.pairs["none"]
    want = motion.block_matching(seq.frames[1], seq.frames[0], 8, 6, metric="sad")
    np.testing.assert_array_equal(ex.result["vectors"], want)
    # The background moved by (2, -1) px: its blocks come from (dy, dx) = (1, -2).
    assert np.mean(np.all(want == (1, -2), axis=2)) > 0.6
    clean = ex.result["correct"].mean()
    ex.set(noise="5 gray levels")
    assert ex.result["correct"].mean() < clean - 0.2  # noise breaks the codec's vectors
    assert ex.result["residual"].mean() < ex.result["plain"]
    ex.set(search=0)
    assert "no block's motion" in ex.readout.value and ex.error is None
    ex.set(block=16, metric="ssd", search=4)
    assert ex.result["vectors"].shape == (9, 12, 2)
    assert "block_matching" in BENCH_FACTORIES
    with pytest.raises(ValueError, match="block"):
        block_match_explorer(cat, block=5)
    with pytest.raises(ValueError, match="metric"):
        block_match_explorer(cat, metric="mse")
    # The class checks its arguments as the factory does (before building anything).
    from helpers.widgets.motion import BlockMatchExplorer

    with pytest.raises(ValueError, match="block must be one of"):
        BlockMatchExplorer(cat, 5, 4, "sad", 0)
    with pytest.raises(TypeError, match="search must be an integer"):
        BlockMatchExplorer(cat, 8, None, "sad", 0)
    with pytest.raises(ValueError, match="n must be an integer >= 0"):
        ex.bench_changes(-1)


def test_flow_explorer_factory_validates(cat):
    from helpers.widgets import flow_explorer

    with pytest.raises(ValueError, match="window"):
        flow_explorer(cat, window=4)
    with pytest.raises(ValueError, match="levels"):
        flow_explorer(cat, levels=9)
    with pytest.raises(ValueError, match="n_frames"):
        flow_explorer(cat, n_frames=100)
    with pytest.raises(ValueError, match="too small"):
        flow_explorer(np.zeros((200, 260), np.uint8))
    from helpers.widgets.motion import FlowExplorer

    with pytest.raises(TypeError, match="sequence must be a MotionSequence"):
        FlowExplorer(cat, 15, 2)
    seq = motion.make_motion_sequence(cat, 3, size=(64, 64), rng=0)
    with pytest.raises(ValueError, match="window must be an odd integer"):
        FlowExplorer(seq, 16, 2)


# -- exercise checks -------------------------------------------------------------------------------
def _stub(*args):
    raise NotImplementedError("exercise not attempted yet")


def _block_solution(prev, next, y, x, block, search, *, as_float=True):  # noqa: A002
    h, w = prev.shape
    best, best_cost = (0, 0), np.inf
    for dy, dx in motion.search_offsets(search):
        if not (0 <= y + dy <= h - block and 0 <= x + dx <= w - block):
            continue
        ref = prev[y : y + block, x : x + block]
        cand = next[y + dy : y + dy + block, x + dx : x + dx + block]
        if as_float:
            ref, cand = ref.astype(float), cand.astype(float)
        cost = np.sum((cand - ref) ** 2)
        if cost < best_cost:
            best, best_cost = (int(dy), int(dx)), cost
    return best


def test_check_block_match():
    from helpers.checks import check_block_match

    good = check_block_match(_block_solution)
    assert good.passed, good.message
    wraps = check_block_match(lambda *a: _block_solution(*a, as_float=False))
    assert wraps.status == "failed" and "uint8" in wraps.message
    sad = check_block_match(lambda p, n, y, x, b, s: motion.match_block(p, n, y, x, block=b,
                                                                        search=s, metric="sad"))
    assert sad.status in ("passed", "failed")  # SAD often agrees; the SSD cases decide
    no_order = check_block_match(  # ties broken by raster order instead of zero first
        lambda p, n, y, x, b, s: tuple(int(v) - s for v in np.unravel_index(
            np.argmin(motion.block_cost(p, n, y, x, block=b, search=s)), (2 * s + 1,) * 2)))
    assert no_order.status == "failed" and "flat block" in no_order.message
    assert check_block_match(lambda *a: None).status in ("failed", "error")
    assert check_block_match(_stub).status == "not attempted"


def test_check_lucas_kanade_step():
    from helpers.checks import check_lucas_kanade_step

    good = check_lucas_kanade_step(motion.lucas_kanade_step)
    assert good.passed, good.message

    def no_guard(ix, iy, it):
        a = np.array([[np.sum(ix * ix), np.sum(ix * iy)], [np.sum(ix * iy), np.sum(iy * iy)]])
        return np.linalg.lstsq(a, -np.array([np.sum(ix * it), np.sum(iy * it)]), rcond=None)[0]

    singular = check_lucas_kanade_step(no_guard)
    assert singular.status == "failed" and "straight edge" in singular.message
    wrong_sign = check_lucas_kanade_step(lambda ix, iy, it: -motion.lucas_kanade_step(ix, iy, it))
    assert wrong_sign.status == "failed" and "two pixels" in wrong_sign.message
    assert check_lucas_kanade_step(_stub).status == "not attempted"
