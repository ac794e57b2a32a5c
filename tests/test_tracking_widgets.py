"""Widgets and exercise checks of chapters 20 and 21.

Covers helpers.widgets.tracking and helpers.checks.tracking.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.checks.tracking import (
    check_iou_association,
    check_mahalanobis_gate,
    check_matching_cascade,
    check_sort_life_cycle,
)
from helpers.tracking.assignment import linear_assignment
from helpers.tracking.association import associate_iou, matching_cascade
from helpers.tracking.kalman import (
    GATING_THRESHOLD,
    KalmanBoxFilter,
    SortKalmanFilter,
    filter_sequence,
)
from helpers.tracking.pipeline import track_sequence
from helpers.tracking.sort import SortTracker
from helpers.widgets.tracking import (
    deep_sort_explorer,
    kalman_explorer,
    scaled_filter,
    sort_explorer,
)


def test_kalman_explorer_reacts_to_the_noise_sliders():
    ex = kalman_explorer()
    assert ex.error is None and "Mean centre error" in ex.readout.value
    assert isinstance(ex.result["kalman"], SortKalmanFilter)  # chapter 20 starts on SORT's
    k = ex.controls["frame"].value
    small = ex.result["pred_cov"][k][0, 0]
    ex.controls["process_noise"].value = 10.0
    assert ex.result["pred_cov"][k][0, 0] > small  # more process noise: wider prediction
    ex.controls["frame"].value = 5
    assert ex.readout.value.startswith("frame 5:")
    # The widget runs the helper's filter, scaled as scaled_filter says.
    kf = scaled_filter(SortKalmanFilter(), 10.0, 1.0)
    assert ex.result["kalman"].process_var == kf.process_var
    pred_m, _, _, _ = filter_sequence(kf, ex.measurements[ex.values()["kalman"]])
    np.testing.assert_allclose(ex.result["pred_mean"], pred_m)
    deep = kalman_explorer(kalman="deep_sort")
    assert isinstance(deep.result["kalman"], KalmanBoxFilter)
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        kalman_explorer(seed=-2)
    with pytest.raises(ValueError, match="kalman"):
        kalman_explorer(kalman="particle")


def test_kalman_explorer_filters_each_setting_once(monkeypatch):
    import helpers.widgets.tracking as WT

    ex = kalman_explorer()
    calls = []
    real = WT.filter_sequence
    monkeypatch.setattr(WT, "filter_sequence", lambda *a: calls.append(a) or real(*a))
    first = ex.result["upd_mean"]
    for frame in (3, 9, 27):  # the frame does not change the filter's run
        ex.controls["frame"].value = frame
    ex.controls["process_noise"].value = 10.0
    ex.controls["process_noise"].value = 1.0  # back: the run kept for it
    assert len(calls) == 1
    np.testing.assert_array_equal(ex.result["upd_mean"], first)
    kf = scaled_filter(SortKalmanFilter(), 1.0, 1.0)
    np.testing.assert_array_equal(ex.result["upd_mean"],
                                  real(kf, ex.measurements[ex.values()["kalman"]])[2])
    with pytest.raises(ValueError, match="read-only"):
        ex.result["pred_cov"][0, 0, 0] = 1.0  # shared between updates: not to be changed
    for k in range(ex.RUNS_KEPT + 5):  # bounded: the oldest runs go
        ex._filtered(ex.values()["kalman"], 1.0 + k, 1.0)
    assert len(ex._runs) == ex.RUNS_KEPT


def test_playback_labels_are_each_track_id_white_on_its_colour():
    from helpers.widgets.tracking import _stamp_labels

    frame = np.zeros((60, 80, 4), np.uint8)
    boxes = np.array([[10.0, 30.0, 30.0, 50.0], [50.0, 40.0, 70.0, 55.0]])
    out = _stamp_labels(frame, boxes, np.array([7, 123]), np.array([[1.0, 0, 0], [0, 0, 1.0]]))
    assert not frame.any()  # a copy
    red = (out[..., 0] > 0) & (out[..., 2] == 0)
    blue = (out[..., 2] > 0) & (out[..., 0] == 0)
    rows, cols = np.nonzero(red)
    assert rows.max() < 30 and cols.min() == 10  # above the box, from its left edge
    rows, cols = np.nonzero(blue)
    assert rows.max() < 40 and cols.min() == 50
    assert np.ptp(cols) > 2 * np.ptp(np.nonzero(red)[1]) - 2  # three digits: wider than one
    white = (out[..., :3] == 255).all(axis=2)
    assert white[:30, 10:30].any() and white[:40, 50:].any()  # the digits, in white


def test_scaled_filter_scales_standard_deviations():
    kf = scaled_filter(KalmanBoxFilter(), 2.0, 0.5)
    assert kf.std_weight_position == pytest.approx(KalmanBoxFilter().std_weight_position * 2)
    assert kf.std_weight_measurement == pytest.approx(KalmanBoxFilter().std_weight_measurement / 2)
    sort = scaled_filter(SortKalmanFilter(), 1.0, 3.0)
    assert sort.measurement_var == tuple(9 * v for v in SortKalmanFilter().measurement_var)
    with pytest.raises(TypeError, match="kalman"):
        scaled_filter("sort", 1.0, 1.0)
    with pytest.raises(ValueError, match="process"):
        scaled_filter(kf, 0.0, 1.0)


def test_sort_explorer_looks_up_the_helper_results():
    ex = sort_explorer(n_frames=30)
    ex.set(iou_threshold=0.5, max_age=3, frame=12)
    ref, _ = track_sequence(SortTracker(iou_threshold=0.5, max_age=3), ex.detections)
    np.testing.assert_array_equal(ex.result["frame_output"], ref[12])
    assert "frame 12:" in ex.readout.value and "track IDs" in ex.readout.value
    more = ex.result["n_ids"]
    ex.set(max_age=30)
    assert ex.result["n_ids"] <= more  # waiting longer never needs more IDs here
    ex.controls["frame"].value = 29  # the last frame draws fine
    assert ex.error is None


def test_deep_sort_explorer_side_by_side():
    pytest.importorskip("torch")
    ex = deep_sort_explorer(n_frames=16)
    assert ex.error is None and "SORT" in ex.readout.value
    ex.set(max_cosine_distance=0.4, max_age=1, n_init=1, frame=12)
    assert ex.result["frame"] == 12
    assert f"Deep SORT <b>{ex.result['n_ids']}</b>" in ex.readout.value


def test_explorer_classes_refuse_bad_objects_by_name():
    from helpers.tracking.detector import simulate_detections
    from helpers.tracking.scene import make_scene
    from helpers.widgets.tracking import KalmanExplorer, SortExplorer

    scene = make_scene(0, n_frames=12, n_objects=3, width=160, height=120)
    dets = simulate_detections(scene, seed=0)
    with pytest.raises(TypeError, match="scene must be a Scene"):
        SortExplorer("scene", dets)
    with pytest.raises(TypeError, match="detections must be a Detections"):
        KalmanExplorer(scene, None, 1)
    with pytest.raises(ValueError, match="detections must cover the scene's 12 frames; got 5"):
        SortExplorer(scene, simulate_detections(make_scene(0, n_frames=5), seed=0))
    with pytest.raises(ValueError, match="walker must be the id of one of the scene's 3 walkers"):
        KalmanExplorer(scene, dets, 99)
    with pytest.raises(TypeError, match="walker must be an integer"):
        KalmanExplorer(scene, dets, True)


def test_kalman_explorer_bad_frame_shows_no_crash():
    ex = kalman_explorer()
    ex.result = {}
    ex._patch = lambda k: (_ for _ in ()).throw(ValueError("boom"))  # noqa: ARG005
    ex.controls["frame"].value = 3
    assert ex.error == "boom" and "Cannot compute this setting" in ex.readout.value


# -- checks: right, wrong, not attempted -------------------------------------------------------
def _stub(*_args):
    raise NotImplementedError


def test_check_sort_life_cycle():
    def right(confirmed, streak, tsu, matched, min_hits, max_age):
        deleted = False
        if matched:
            streak, tsu = streak + 1, 0
            confirmed = confirmed or streak >= min_hits
        else:
            streak, tsu, confirmed = 0, tsu + 1, False
            deleted = tsu > max_age
        return confirmed, deleted, streak, tsu

    assert check_sort_life_cycle(right).passed

    def sticky(confirmed, streak, tsu, matched, min_hits, max_age):  # Deep SORT's rule
        c, d, streak, tsu = right(confirmed, streak, tsu, matched, min_hits, max_age)
        return (c or (confirmed and not d)), d, streak, tsu

    res = check_sort_life_cycle(sticky)
    assert res.status == "failed" and "a confirmed track missed once" in res.message
    assert check_sort_life_cycle(_stub).status == "not attempted"


def test_check_matching_cascade():
    def right(cost_fn, max_cost, tsu, tracks, dets, depth):
        return matching_cascade(cost_fn, max_cost, tsu, tracks, dets, cascade_depth=depth)

    assert check_matching_cascade(right).passed

    def one_assignment(cost_fn, max_cost, tsu, tracks, dets, depth):  # no cascade
        tracks = [t for t in tracks if tsu[t] <= depth]
        if not tracks or not len(dets):
            return np.zeros((0, 2), int), np.array(tracks, int), np.array(dets, int)
        m, ut, ud = linear_assignment(cost_fn(np.array(tracks), np.array(dets)), max_cost)
        return (np.c_[np.array(tracks)[m[:, 0]], np.array(dets)[m[:, 1]]],
                np.array(tracks)[ut], np.array(dets)[ud])

    res = check_matching_cascade(one_assignment)
    assert res.status == "failed" and "must not steal" in res.message
    assert check_matching_cascade(_stub).status == "not attempted"


def test_check_iou_association():
    assert check_iou_association(lambda t, d, th: associate_iou(t, d, th)[0]).passed

    def greedy(t, d, th):
        from helpers.boxes import box_iou

        iou, out, used = box_iou(t, d), [], set()
        for i in range(len(t)):
            if len(d) == 0:
                break
            j = int(np.argmax(iou[i]))
            if iou[i, j] >= th and j not in used:
                out.append((i, j))
                used.add(j)
        return np.array(out, np.int64).reshape(-1, 2)

    res = check_iou_association(greedy)
    assert res.status == "failed" and "the greedy choice is wrong" in res.message
    assert check_iou_association(_stub).status == "not attempted"


def test_check_mahalanobis_gate():
    right = lambda kf, m, c, z: kf.gating_distance(m, c, z) <= GATING_THRESHOLD  # noqa: E731
    assert check_mahalanobis_gate(right).passed
    euclid = lambda kf, m, c, z: np.hypot(*(z[:, :2] - m[:2]).T) <= 9.4877  # noqa: E731
    res = check_mahalanobis_gate(euclid)
    assert res.status == "failed" and "input:" in res.message
    assert check_mahalanobis_gate(_stub).status == "not attempted"
