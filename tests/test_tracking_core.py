"""helpers.tracking: boxes, Kalman filter, assignment, association, gallery.

References and tolerances: box_iou vs torchvision.ops.box_iou (1e-12); KalmanBoxFilter vs
cv2.KalmanFilter with the same F, H, Q, R (1e-8 relative); SortKalmanFilter vs
filterpy.kalman.KalmanFilter configured with SORT's matrices (1e-9 relative: filterpy updates the
covariance in Joseph form, (I - KH) P (I - KH)^T + K R K^T, we as P - K S K^T); hungarian vs
scipy.optimize.linear_sum_assignment on 600 random rectangular matrices (same optimal cost,
1e-9); cosine_distance vs scipy.spatial.distance.cdist (1e-12).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from helpers.boxes import box_iou
from helpers.tracking.assignment import assignment_brute_force, hungarian, linear_assignment
from helpers.tracking.association import (
    INFTY_COST,
    associate_iou,
    gate_cost_matrix,
    iou_cost,
    matching_cascade,
)
from helpers.tracking.boxes import xyah_to_xyxy, xysr_to_xyxy, xyxy_to_xyah, xyxy_to_xysr
from helpers.tracking.gallery import FeatureGallery, cosine_distance
from helpers.tracking.kalman import (
    CHI2_95,
    GATING_THRESHOLD,
    KalmanBoxFilter,
    SortKalmanFilter,
    filter_sequence,
)
from helpers.tracking.track import Track, TrackState, predict_tracks, update_tracks


def random_boxes(rng, n, scale=100.0):
    xy = rng.uniform(0, scale, (n, 2))
    wh = rng.uniform(1, scale / 2, (n, 2))
    return np.concatenate([xy, xy + wh], axis=1)


# -- boxes (IoU itself is helpers.boxes', tested in tests/test_boxes.py) --------------------
def test_xyah_round_trip(rng):
    b = random_boxes(rng, 20)
    np.testing.assert_allclose(xyah_to_xyxy(xyxy_to_xyah(b)), b, atol=1e-9)
    assert xyxy_to_xyah([[0, 5, 4, 5]])[0].tolist() == [2, 5, 0, 0]  # zero height: aspect 0


def test_xysr_round_trip(rng):
    b = random_boxes(rng, 20)
    z = xyxy_to_xysr(b)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    np.testing.assert_allclose(z[:, 2:], np.c_[w * h, w / h])
    np.testing.assert_allclose(xysr_to_xyxy(z), b, atol=1e-9)
    assert xysr_to_xyxy([[5, 5, 0, 0]])[0].tolist() == [5, 5, 5, 5]  # aspect 0: no size
    with pytest.raises(ValueError, match=r"boxes must have w >= 0 and h >= 0; box 0"):
        xysr_to_xyxy([[0, 0, -1, 0.5]])


def test_xyah_errors():
    with pytest.raises(ValueError, match=r"boxes must have w >= 0 and h >= 0; box 0"):
        xyah_to_xyxy([[0, 0, 0.5, -3]])
    with pytest.raises(ValueError, match="x1 <= x2 and y1 <= y2; box 0"):
        xyxy_to_xyah([[5, 0, 1, 1]])
    with pytest.raises(ValueError, match="boxes contains NaN"):
        xyxy_to_xyah([[0, 0, float("nan"), 1]])


# -- Kalman filter ----------------------------------------------------------------------------
def test_kalman_hand_computed_step():
    # h = 40: initial var(x) = (2/20 * 40)^2 = 16, var(vx) = (10/160 * 40)^2 = 6.25.
    # predict: var(x) = 16 + 6.25 + (40/20)^2 = 26.25, cov(x, vx) = 6.25
    # update: S = 26.25 + (40/20)^2 = 30.25, K_x = 26.25/30.25, K_vx = 6.25/30.25
    kf = KalmanBoxFilter()
    m, P = kf.initiate([100, 50, 0.5, 40])
    assert P[0, 0] == pytest.approx(16) and P[4, 4] == pytest.approx(6.25)
    m, P = kf.predict(m, P)
    assert P[0, 0] == pytest.approx(26.25) and P[0, 4] == pytest.approx(6.25)
    m, P = kf.update(m, P, [104, 50, 0.5, 40])
    assert m[0] == pytest.approx(100 + 4 * 26.25 / 30.25)
    assert m[4] == pytest.approx(4 * 6.25 / 30.25)
    assert P[0, 0] == pytest.approx(26.25 - 26.25**2 / 30.25)


def test_kalman_matches_opencv(rng):
    cv2 = pytest.importorskip("cv2")

    kf = KalmanBoxFilter(std_weight_position=0.07, std_weight_velocity=0.01)
    mean, cov = kf.initiate([300, 200, 0.4, 100])
    cv = cv2.KalmanFilter(8, 4, 0, cv2.CV_64F)
    cv.transitionMatrix = kf.motion_matrix
    cv.measurementMatrix = kf.measurement_matrix
    cv.statePost = mean.reshape(8, 1).copy()
    cv.errorCovPost = cov.copy()
    truth = np.array([300.0, 200, 0.4, 100])
    for _ in range(25):
        cv.processNoiseCov = kf.process_noise(mean)  # Q depends on the height: set it per step
        pred = cv.predict()
        mean, cov = kf.predict(mean, cov)
        np.testing.assert_allclose(pred[:, 0], mean, rtol=1e-10)
        np.testing.assert_allclose(cv.errorCovPre, cov, rtol=1e-8, atol=1e-10)
        truth = truth + [3, -1, 0, 0.5]
        z = truth + rng.normal(0, [2, 2, 0.01, 2])
        cv.measurementNoiseCov = kf.measurement_noise(mean)
        cv.correct(z.reshape(4, 1))
        mean, cov = kf.update(mean, cov, z)
        np.testing.assert_allclose(cv.statePost[:, 0], mean, rtol=1e-8)
        np.testing.assert_allclose(cv.errorCovPost, cov, rtol=1e-7, atol=1e-9)


def test_kalman_batched_equals_one_by_one(rng):
    kf = KalmanBoxFilter()
    z = np.c_[rng.uniform(0, 500, (5, 2)), rng.uniform(0.3, 0.5, 5), rng.uniform(50, 150, 5)]
    M, P = kf.initiate(z)
    Mb, Pb = kf.update(*kf.predict(M, P), z + 1)
    for i in range(5):
        m, p = kf.update(*kf.predict(M[i], P[i]), z[i] + 1)
        np.testing.assert_allclose(Mb[i], m, rtol=1e-12)
        np.testing.assert_allclose(Pb[i], p, rtol=1e-12)


def test_filter_sequence_equals_the_step_by_step_loop(rng):
    """filter_sequence (what the chapter-20 explorer draws) == predict/update written out."""
    kf = KalmanBoxFilter(std_weight_position=0.1)
    z = np.c_[100 + 3 * np.arange(30), np.full(30, 50.0), np.full(30, 0.4), np.full(30, 80.0)]
    z += rng.normal(0, 1, z.shape) * [1, 1, 0.001, 1]
    z[[0, 5, 6, 7, 20]] = np.nan                       # missed before the start and in runs
    pm, pc, fm, fc = filter_sequence(kf, z)
    mean = cov = None
    for t, row in enumerate(z):
        if mean is not None:
            mean, cov = kf.predict(mean, cov)
            np.testing.assert_array_equal(pm[t], mean)
        if not np.isnan(row).any():
            mean, cov = kf.initiate(row) if mean is None else kf.update(mean, cov, row)
        if mean is None:
            assert np.isnan(fm[t]).all() and np.isnan(pm[t]).all()
        else:
            np.testing.assert_array_equal(fm[t], mean)
            np.testing.assert_array_equal(fc[t], cov)
    assert np.isnan(pm[1]).all()                       # the first detection: nothing predicted
    np.testing.assert_array_equal(fm[6], pm[6])        # a missed frame keeps the prediction
    with pytest.raises(ValueError, match="a whole row of NaN for a missed frame"):
        filter_sequence(kf, [[1.0, 2.0, np.nan, 4.0]])
    with pytest.raises(ValueError, match=r"shape \(T, 4\)"):
        filter_sequence(kf, np.zeros((3, 5)))
    with pytest.raises(TypeError, match="kalman must be a KalmanBoxFilter"):
        filter_sequence("kf", z)


def test_sort_filter_matches_filterpy_with_the_papers_matrices(rng):
    filterpy = pytest.importorskip("filterpy.kalman")

    kf = SortKalmanFilter()
    ref = filterpy.KalmanFilter(dim_x=7, dim_z=4)
    ref.F, ref.H = kf.motion_matrix, kf.measurement_matrix
    # Bewley et al.'s settings: unit noise on what is measured, 10 on area and aspect in R,
    # 100x smaller process noise on the velocities (10,000x on the area's), and an initial
    # velocity variance of 10,000 (unknown).
    ref.R = np.diag([1.0, 1, 10, 10])
    ref.Q = np.diag([1.0, 1, 1, 1, 0.01, 0.01, 1e-4])
    ref.P = np.diag([10.0, 10, 10, 10, 1e4, 1e4, 1e4])
    np.testing.assert_array_equal(kf.process_noise(np.zeros(7)), ref.Q)
    np.testing.assert_array_equal(kf.measurement_noise(np.zeros(7)), ref.R)
    box = np.array([[100.0, 80, 140, 180]])
    mean, cov = kf.initiate(xyxy_to_xysr(box)[0])
    ref.x = mean.reshape(7, 1).copy()
    np.testing.assert_array_equal(cov, ref.P)
    for step in range(40):
        ref.predict()
        mean, cov = kf.predict(mean, cov)
        np.testing.assert_allclose(mean, ref.x[:, 0], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(cov, ref.P, rtol=1e-9, atol=1e-7)
        box = box + [3, 0.5, 3.4, 1.5]  # moving right, coming nearer (growing)
        if step % 7 in (3, 4):  # missed frames: predict only
            continue
        z = xyxy_to_xysr(box + rng.normal(0, 1.5, 4))[0]
        ref.update(z.reshape(4, 1))
        mean, cov = kf.update(mean, cov, z)
        np.testing.assert_allclose(mean, ref.x[:, 0], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(cov, ref.P, rtol=1e-9, atol=1e-7)
    assert mean[4] == pytest.approx(3.2, abs=0.5)  # it learnt the horizontal speed


def test_sort_filter_stops_a_shrinking_area():
    # s + s' <= 0 would make the box vanish: the area velocity is zeroed first (as in SORT).
    kf = SortKalmanFilter()
    mean, cov = kf.initiate([50, 50, 100, 1])
    mean[6] = -150
    new, _ = kf.predict(mean, cov)
    assert new[2] == 100 and new[6] == 0
    mean[6] = -50
    assert kf.predict(mean, cov)[0][2] == 50  # still positive: left alone
    assert np.isnan(kf.state_to_box(np.array([[0, 0, -1, 1, 0, 0, 0]]))).all()


def test_sort_filter_errors():
    kf = SortKalmanFilter()
    with pytest.raises(ValueError, match=r"mean and cov must have shapes \(7,\) and \(7, 7\)"):
        kf.predict(np.zeros(8), np.eye(8))
    with pytest.raises(ValueError, match="measurement must be xysr boxes of shape"):
        kf.initiate([1, 2, 3])
    with pytest.raises(TypeError, match="process_var must be a tuple of 7 variances"):
        SortKalmanFilter(process_var=(1.0,))
    with pytest.raises(ValueError, match=r"measurement_var\[2\] must be > 0"):
        SortKalmanFilter(measurement_var=(1.0, 1.0, 0.0, 1.0))


# -- the track life cycle ------------------------------------------------------------------------
def _run_life_cycle(rules, confirm_after, max_age, matched):
    kf = KalmanBoxFilter()
    t = Track(1, *kf.initiate([50, 50, 0.5, 40]), confirm_after=confirm_after,
              max_age=max_age, rules=rules)
    states = []
    for hit in matched:
        t.predict(kf)
        if hit:
            t.update(kf, [50, 50, 0.5, 40])
        else:
            t.mark_missed()
        states.append(t.state.value[0])  # t, c or d
        if t.is_deleted:
            break
    return "".join(states)


@pytest.mark.parametrize(
    ("rules", "confirm_after", "max_age", "matched", "expected"),
    [
        # SORT (min_hits 3): confirmed at the third match after birth, demoted by a miss,
        # confirmed again after three new matches; deleted after max_age + 1 misses.
        ("sort", 3, 1, "111011101", "ttctttctt"),
        ("sort", 3, 1, "1001", "ttd"),
        ("sort", 0, 2, "0001", "ttd"),       # born confirmed (min_hits 0), demoted, deleted
        # Deep SORT (n_init 3 -> confirm_after 2): tentative dies at its first miss ...
        ("deep_sort", 2, 5, "101", "td"),
        # ... confirmed stays confirmed through misses, until more than max_age of them.
        ("deep_sort", 2, 2, "11001000", "tccccccd"),
    ],
)
def test_track_life_cycle(rules, confirm_after, max_age, matched, expected):
    assert _run_life_cycle(rules, confirm_after, max_age, [c == "1" for c in matched]) == expected


def test_track_born_confirmed_only_with_confirm_after_zero():
    kf = SortKalmanFilter()
    m, c = kf.initiate([50, 50, 100, 0.5])
    assert Track(1, m, c, confirm_after=0).state is TrackState.CONFIRMED
    t = Track(2, m, c, confirm_after=1, feature=np.ones(3))
    assert t.state is TrackState.TENTATIVE and t.hits == 1 and t.hit_streak == 0
    assert len(t.features) == 1


def test_batched_track_steps_equal_the_methods(rng):
    for kf in (KalmanBoxFilter(), SortKalmanFilter()):
        z = kf.box_to_measurement(random_boxes(rng, 4, scale=300) + 1)
        one = [Track(i + 1, *kf.initiate(z[i])) for i in range(4)]
        many = [Track(i + 1, *kf.initiate(z[i])) for i in range(4)]
        for t in one:
            t.predict(kf)
        means, covs = predict_tracks(kf, many)
        assert means.shape == (4, kf.dim) and covs.shape == (4, kf.dim, kf.dim)
        for t in one[:3]:
            t.update(kf, z[t.track_id - 1] + 1, np.ones(2))
        update_tracks(kf, many[:3], z[:3] + 1, np.ones((3, 2)))
        many[3].mark_missed()
        one[3].mark_missed()
        for a, b in zip(one, many, strict=True):
            np.testing.assert_allclose(a.mean, b.mean, rtol=1e-12)
            np.testing.assert_allclose(a.cov, b.cov, rtol=1e-12)
            assert (a.hits, a.hit_streak, a.time_since_update, a.state, len(a.features)) == (
                b.hits, b.hit_streak, b.time_since_update, b.state, len(b.features))


def test_track_errors():
    kf = KalmanBoxFilter()
    m, c = kf.initiate([50, 50, 0.5, 40])
    with pytest.raises(ValueError, match="rules must be one of 'sort', 'deep_sort'"):
        Track(1, m, c, rules="paper")
    with pytest.raises(ValueError, match="confirm_after must be an integer >= 0"):
        Track(1, m, c, confirm_after=-1)
    with pytest.raises(ValueError, match=r"cov must be \(8, 8\) to match mean"):
        Track(1, m, np.eye(7))
    with pytest.raises(TypeError, match="kalman must be a KalmanBoxFilter or a SortKalmanFilter"):
        Track(1, m, c).predict("kf")
    with pytest.raises(TypeError, match=r"tracks\[1\] must be a Track"):
        predict_tracks(kf, [Track(1, m, c), "track"])
    with pytest.raises(ValueError, match=r"measurements must have shape \(1, 4\), one per track"):
        update_tracks(kf, [Track(1, m, c)], np.ones((2, 4)))

    kf = KalmanBoxFilter()
    m, P = kf.initiate([10, 10, 0.5, 20])
    a = kf.predict(m, P)
    b = kf.predict(m, P)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_gating_distance_is_chi_square_and_batched(rng):
    from scipy.stats import chi2

    assert GATING_THRESHOLD == pytest.approx(chi2.ppf(0.95, 4), abs=1e-4)
    assert CHI2_95[2] == pytest.approx(chi2.ppf(0.95, 2), abs=1e-4)
    kf = KalmanBoxFilter()
    m, P = kf.predict(*kf.initiate([100, 100, 0.4, 80]))
    mu, S = kf.project(m, P)
    z = rng.multivariate_normal(mu, S, size=4000)
    d2 = kf.gating_distance(m, P, z)
    assert abs((d2 <= GATING_THRESHOLD).mean() - 0.95) < 0.015  # 95 % inside the gate
    M, PP = np.stack([m, m]), np.stack([P, P])
    np.testing.assert_allclose(kf.gating_distance(M, PP, z[:3]), np.stack([d2[:3]] * 2))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda kf: kf.initiate([1, 2, 3]), r"measurement must be xyah boxes of shape \(4,\)"),
        (lambda kf: kf.initiate([1, 2, 0.5, 0]), "measurement must have positive sizes"),
        (lambda kf: kf.predict(np.zeros(8), np.eye(4)), r"mean and cov must have shapes \(8,\)"),
        (lambda kf: kf.update(np.zeros(8), np.eye(8), [1, 1, 0.5, float("nan")]),
         "measurement contains NaN"),
        (lambda kf: KalmanBoxFilter(std_weight_position=0), "std_weight_position must be > 0"),
    ],
)
def test_kalman_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call(KalmanBoxFilter())


# -- assignment -------------------------------------------------------------------------------
def test_hungarian_matches_scipy_on_600_random_rectangular_matrices(rng):
    for k in range(600):
        n, m = rng.integers(1, 13, size=2)
        cost = rng.random((n, m)) * rng.choice([1.0, 100.0])
        if k % 3 == 0:
            cost = np.round(cost * 3)  # many ties
        if k % 7 == 0:
            cost = -cost  # negative costs are allowed
        rows, cols = hungarian(cost)
        r2, c2 = linear_sum_assignment(cost)
        assert (len(rows) == min(n, m) and len(set(rows)) == len(rows)
                and len(set(cols)) == len(cols))
        assert cost[rows, cols].sum() == pytest.approx(cost[r2, c2].sum(), abs=1e-9), (k, cost)


def test_brute_force_agrees_on_small_matrices(rng):
    for _ in range(50):
        cost = rng.random(tuple(rng.integers(1, 6, size=2)))
        r1, c1 = assignment_brute_force(cost)
        r2, c2 = hungarian(cost)
        assert cost[r1, c1].sum() == pytest.approx(cost[r2, c2].sum())


def test_hungarian_edge_cases():
    assert [a.tolist() for a in hungarian(np.zeros((0, 3)))] == [[], []]
    rows, cols = hungarian([[5.0]])
    assert rows.tolist() == [0] and cols.tolist() == [0]
    rows, cols = hungarian([[1, 2], [3, 4], [0, 9]])  # more rows than columns
    assert rows.tolist() == [0, 2] and cols.tolist() == [1, 0]


def test_assignment_errors():
    with pytest.raises(ValueError, match="cost contains NaN or infinite values"):
        hungarian([[1, np.inf]])
    with pytest.raises(ValueError, match=r"cost must be 2-D \(N, M\)"):
        hungarian([1, 2])
    with pytest.raises(ValueError, match="cost is too large for brute force"):
        assignment_brute_force(np.zeros((9, 9)))
    with pytest.raises(ValueError, match="cost contains NaN; use inf"):
        linear_assignment([[np.nan]])
    with pytest.raises(ValueError, match="solver must be one of"):
        linear_assignment([[1.0]], solver="greedy")
    with pytest.raises(ValueError, match="cost contains -inf"):
        linear_assignment([[-np.inf, 1.0]])
    with pytest.raises(ValueError, match="max_cost must be finite"):
        linear_assignment([[1.0]], -np.inf)


def test_linear_assignment_gate_and_infinities():
    m, r, c = linear_assignment([[0.1, np.inf], [np.inf, 0.9]], max_cost=0.5)
    assert m.tolist() == [[0, 0]] and r.tolist() == [1] and c.tolist() == [1]
    m, r, c = linear_assignment(np.zeros((0, 2)), 1.0)
    assert m.shape == (0, 2) and c.tolist() == [0, 1]
    # Both solvers give the same matches on a unique optimum.
    cost = np.array([[0.2, 0.8, 0.6], [0.7, 0.1, 0.9]])
    assert (linear_assignment(cost, 0.5, solver="hungarian")[0]
            == linear_assignment(cost, 0.5)[0]).all()
    # Without a gate (max_cost = inf) a forbidden pair is still never a match.
    for solver in ("scipy", "hungarian"):
        m, r, c = linear_assignment([[np.inf, np.inf], [1e6, np.inf]], solver=solver)
        assert m.tolist() == [[1, 0]] and r.tolist() == [0] and c.tolist() == [1]
        assert linear_assignment([[np.inf]], solver=solver)[0].shape == (0, 2)


# -- association ------------------------------------------------------------------------------
def test_associate_iou_keeps_a_pair_exactly_at_the_threshold():
    # IoU([0,0,10,10], [0,0,10,4.2857...]) = 0.42857...: use a box giving exactly 0.5 instead.
    tracks, dets = [[0, 0, 10, 10]], [[0, 0, 10, 5]]
    assert box_iou(tracks, dets)[0, 0] == 0.5
    assert associate_iou(tracks, dets, 0.5)[0].tolist() == [[0, 0]]
    assert associate_iou(tracks, dets, 0.5000001)[0].tolist() == []


def test_associate_iou_prefers_total_iou():
    tracks = [[0, 0, 10, 10], [6, 0, 16, 10]]
    dets = [[5, 0, 15, 10], [0, 0, 10, 10]]
    m, _, _ = associate_iou(tracks, dets, 0.3)
    assert sorted(m.tolist()) == [[0, 1], [1, 0]]
    assert iou_cost(tracks, dets).shape == (2, 2)


def test_gate_cost_matrix_and_errors():
    kf = KalmanBoxFilter()
    m, P = kf.initiate(np.array([[100, 50, 0.5, 40], [300, 50, 0.5, 40]]))
    dets = np.array([[101, 50, 0.5, 40], [299, 51, 0.5, 40]])
    gated = gate_cost_matrix(np.full((2, 2), 0.3), kf, m, P, dets)
    assert gated.tolist() == [[0.3, INFTY_COST], [INFTY_COST, 0.3]]
    with pytest.raises(ValueError, match=r"cost must have shape \(len\(means\), "
                                         r"len\(detections_xyah\)\) = \(2, 2\)"):
        gate_cost_matrix(np.zeros((1, 2)), kf, m, P, dets)
    # +inf (already forbidden) becomes INFTY_COST like a gated pair; -inf and NaN are refused.
    gated = gate_cost_matrix([[np.inf, 0.3], [0.3, 0.3]], kf, m, P, dets)
    assert gated.tolist() == [[INFTY_COST, INFTY_COST], [INFTY_COST, 0.3]]
    with pytest.raises(ValueError, match="cost contains NaN or -inf"):
        gate_cost_matrix([[-np.inf, 0.3], [0.3, 0.3]], kf, m, P, dets)


def test_matching_cascade_gives_priority_to_recent_tracks():
    cost = np.array([[0.1], [0.05]])  # track 1 (lost 5 frames) fits better...
    fn = lambda t, d: cost[np.ix_(t, d)]  # noqa: E731
    m, ut, ud = matching_cascade(fn, 0.5, [1, 5], [0, 1], [0], cascade_depth=30)
    assert m.tolist() == [[0, 0]] and ut.tolist() == [1]  # ...but track 0 chooses first
    with pytest.raises(ValueError, match="cascade_depth must be an integer >= 1"):
        matching_cascade(fn, 0.5, [1, 5], [0, 1], [0], cascade_depth=0)
    for bad in ([1, -1], [1, 10**9]):
        with pytest.raises(ValueError, match=r"time_since_update must hold frame counts in "
                                             r"\[0, 1000000\]"):
            matching_cascade(fn, 0.5, bad, [0, 1], [0], cascade_depth=30)
    # A track missed for longer than the cascade is deep is simply not matched.
    m, ut, ud = matching_cascade(fn, 0.5, [10**6, 10**6], [0, 1], [0], cascade_depth=30)
    assert m.shape == (0, 2) and ut.tolist() == [0, 1] and ud.tolist() == [0]


# -- gallery ----------------------------------------------------------------------------------
def test_cosine_distance_matches_scipy(rng):
    a, b = rng.normal(size=(7, 16)), rng.normal(size=(5, 16))
    np.testing.assert_allclose(cosine_distance(a, b), cdist(a, b, "cosine"), atol=1e-12)


def test_gallery_budget_and_forgetting():
    g = FeatureGallery(budget=3)
    g.partial_fit(np.eye(4)[[0, 1, 2, 3]], [1, 1, 1, 1], active_targets=[1])
    assert len(g.samples[1]) == 3 and g.samples[1][0, 1] == 1  # the oldest went first
    g.partial_fit(np.eye(4)[[0]], [2], active_targets=[2])
    assert list(g.samples) == [2]
    d = g.distance(np.eye(4)[[0, 1]], [2, 99])
    assert d.tolist() == [[0.0, 1.0], [1.0, 1.0]]  # unknown target: distance 1


def test_gallery_errors():
    with pytest.raises(ValueError, match="budget must be an integer >= 1"):
        FeatureGallery(0)
    with pytest.raises(ValueError, match="features and targets must have the same length"):
        FeatureGallery().partial_fit(np.ones((2, 3)), [1], [1])
    with pytest.raises(ValueError, match="a and b must have the same feature length"):
        cosine_distance(np.ones((1, 3)), np.ones((1, 4)))
    with pytest.raises(ValueError, match="all-zero"):
        cosine_distance(np.zeros((1, 3)), np.ones((1, 3)))
    with pytest.raises(ValueError, match="active_targets must be track ids >= 0; got -1"):
        FeatureGallery().partial_fit(np.ones((1, 3)), [1], [1, -1])
    with pytest.raises(ValueError, match="targets must be track ids >= 0; got -2"):
        FeatureGallery().partial_fit(np.ones((1, 3)), [-2], [1])
    g = FeatureGallery()
    g.partial_fit(np.ones((1, 3)), [1], [1])
    with pytest.raises(ValueError, match="features must have the gallery's feature length 3"):
        g.partial_fit(np.ones((1, 4)), [1], [1])
    with pytest.raises(ValueError, match="features must have the gallery's feature length 3"):
        g.distance(np.ones((1, 4)), [1])
