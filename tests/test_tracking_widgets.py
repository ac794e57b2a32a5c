"""Widgets and exercise checks of chapters 20 and 21.

Covers helpers.widgets.tracking and helpers.checks.tracking.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.checks.tracking import (
    check_gallery_distance,
    check_iou_association,
    check_kalman_predict,
    check_mahalanobis_gate,
)
from helpers.tracking.association import associate_iou
from helpers.tracking.gallery import cosine_distance
from helpers.tracking.kalman import GATING_THRESHOLD, KalmanBoxFilter
from helpers.tracking.pipeline import track_sequence
from helpers.tracking.sort import SortTracker
from helpers.widgets.tracking import deep_sort_explorer, kalman_explorer, sort_explorer


def test_kalman_explorer_reacts_to_the_noise_sliders():
    ex = kalman_explorer()
    assert ex.error is None and "Mean centre error" in ex.readout.value
    k = ex.controls["frame"].value
    small = ex.result["pred_cov"][k][0, 0]
    ex.controls["process_noise"].value = 0.5
    assert ex.result["pred_cov"][k][0, 0] > small  # more process noise: wider prediction
    ex.controls["frame"].value = 5
    assert ex.readout.value.startswith("frame 5:")
    # The widget runs the same filter as the helper.
    kf = KalmanBoxFilter(std_weight_position=0.5, std_weight_velocity=0.5 / 8)
    assert kf.std_weight_position == ex.values()["process_noise"]
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        kalman_explorer(seed=-2)


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
    ex = deep_sort_explorer(n_frames=30)
    assert ex.error is None and "SORT" in ex.readout.value
    ex.set(max_cosine_distance=0.4, max_age=1, n_init=1, frame=20)
    assert ex.result["frame"] == 20
    assert f"Deep SORT <b>{ex.result['n_ids']}</b>" in ex.readout.value


def test_kalman_explorer_bad_frame_shows_no_crash():
    ex = kalman_explorer()
    ex.result = {}
    ex._patch = lambda k: (_ for _ in ()).throw(ValueError("boom"))  # noqa: ARG005
    ex.controls["frame"].value = 3
    assert ex.error == "boom" and "Cannot compute this setting" in ex.readout.value


# -- checks: right, wrong, not attempted -------------------------------------------------------
def _stub(*_args):
    raise NotImplementedError


def test_check_kalman_predict():
    assert check_kalman_predict(lambda kf, m, c: kf.predict(m, c)).passed

    def forgot_q(kf, m, c):
        F = kf.motion_matrix
        return F @ m, F @ c @ F.T

    res = check_kalman_predict(forgot_q)
    assert (res.status == "failed" and "a box standing still" in res.message
            and "expected" in res.message)
    assert check_kalman_predict(_stub).status == "not attempted"


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


def test_check_gallery_distance():
    assert check_gallery_distance(lambda g, f: cosine_distance(g, f).min(axis=0)).passed
    res = check_gallery_distance(lambda g, f: (1 - g @ f.T).min(axis=0))  # forgot to normalise
    assert res.status == "failed" and "vectors of different lengths" in res.message
    assert check_gallery_distance(_stub).status == "not attempted"
