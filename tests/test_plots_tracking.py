"""Figures of chapters 20 and 21 (helpers.plots_tracking): each draws, and refuses bad input.

The figures' numbers come from the tracking helpers (tested in test_tracking_*.py); here we
check that every figure function returns a Figure with the expected panels on small inputs
and names the argument it rejects.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers.plots_tracking import (  # noqa: E402
    kalman_noise_table,
    plot_assignment,
    plot_embedding_distances,
    plot_filter_uncertainty,
    plot_gate,
    plot_id_timeline,
    plot_kalman_update,
    plot_life_cycle,
    plot_matching_cascade,
    plot_occlusion_gaps,
    plot_track_timeline,
    show_crops,
    show_scene_frame,
)
from helpers.tracking.kalman import KalmanBoxFilter, SortKalmanFilter  # noqa: E402
from helpers.tracking.scene import make_scene  # noqa: E402
from helpers.tracking.track import life_cycle_states  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def scene():
    return make_scene(3, n_frames=40)


def test_scene_figures(scene):
    assert len(show_scene_frame(scene, 10).axes) >= 1
    assert len(plot_occlusion_gaps(scene, max_ages=[1, 30]).axes) >= 1
    walkers = np.unique(scene.ids)[:2]
    outputs = [np.zeros((0, 5)) for _ in range(scene.n_frames)]
    assert len(plot_id_timeline(scene, {"none": outputs}, walkers).axes) >= 1
    with pytest.raises(TypeError, match="scene"):
        show_scene_frame("scene", 0)
    with pytest.raises(TypeError, match="max_ages"):
        plot_occlusion_gaps(scene, max_ages="30")


def test_kalman_figures():
    fig = plot_kalman_update((10.0, 4.0), (12.0, 1.0), (11.6, 0.8), quantity="u (px)")
    assert len(fig.axes) >= 1
    filters = {"SORT": SortKalmanFilter(), "Deep SORT": KalmanBoxFilter()}
    assert len(plot_filter_uncertainty(filters, heights=[40, 150], missed=5).axes) == 1
    table = kalman_noise_table(filters, heights=[40, 150])
    assert list(table.columns) == ["SORT", "Deep SORT"]
    # SORT's noise is fixed, Deep SORT's grows with the box: the table is computed, not typed.
    assert table.loc["process std, centre (40 px box)", "SORT"] == \
        table.loc["process std, centre (150 px box)", "SORT"]
    assert table.loc["process std, centre (40 px box)", "Deep SORT"] != \
        table.loc["process std, centre (150 px box)", "Deep SORT"]
    with pytest.raises(TypeError, match="prior"):
        plot_kalman_update(10.0, (12.0, 1.0), (11.6, 0.8))
    with pytest.raises(ValueError, match="missed"):
        plot_filter_uncertainty(filters, missed=0)


def test_assignment_and_cascade_figures():
    iou = np.array([[0.7, 0.5], [0.4, 0.0]])
    assert len(plot_assignment(iou, np.array([[0, 1], [1, 0]])).axes) >= 1
    cost = np.array([[0.15, np.inf], [0.05, 0.12]])
    fig = plot_matching_cascade(cost, [1, 8], [[0, 0], [1, 1]], [[1, 0]], max_cost=0.2)
    assert len(fig.axes) == 2
    with pytest.raises(ValueError, match="values"):
        plot_assignment(np.zeros((30, 30)), [])
    with pytest.raises(ValueError, match="time_since_update"):
        plot_matching_cascade(cost, [1], [], [], max_cost=0.2)


def test_life_cycle_figures():
    for rules in ("sort", "deep_sort"):
        assert len(plot_life_cycle(rules).axes) >= 1
    matched = [True, True, False, True]
    states = {"SORT": life_cycle_states(matched, rules="sort", confirm_after=3, max_age=1)}
    assert len(plot_track_timeline(matched, states).axes) >= 1
    with pytest.raises(ValueError, match="tracks"):
        plot_track_timeline(matched, {"SORT": states["SORT"][:2]})


def test_appearance_and_gate_figures():
    crops = np.zeros((6, 64, 32, 3), np.uint8)
    assert len(show_crops(crops, np.array([0, 0, 1, 1, 2, 2]), walkers=2, per_walker=2).axes) == 4
    rng = np.random.default_rng(0)
    fig = plot_embedding_distances(rng.uniform(0, 0.2, 50), rng.uniform(0.5, 1.2, 50), 0.2)
    assert len(fig.axes) == 1
    kf = KalmanBoxFilter()
    track = kf.predict(*kf.initiate([100, 50, 0.5, 40]))
    fig = plot_gate(kf, {"track": track}, [[101, 50, 0.5, 40], [125, 50, 0.5, 40]])
    assert len(fig.axes) == 1
    with pytest.raises(ValueError, match="labels"):
        show_crops(crops, np.array([0, 1]))
    with pytest.raises(ValueError, match="detections"):
        plot_gate(kf, {"track": track}, np.zeros((3, 5)))
