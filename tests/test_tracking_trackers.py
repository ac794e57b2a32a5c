"""helpers.tracking: scene, detector, MOT files, SORT, Deep SORT, metrics, embedding, benchmark.

References: motmetrics 1.4.0 reads our MOTChallenge files (motmetrics.io.loadtxt) and scores
our trackers (MOTAccumulator fed with our IoU distances); trackeval 1.3's HOTA class scores the
same frames as our hota() (1e-12); the embedding net is torch. SORT's and Deep SORT's rules
are checked on hand-made sequences whose answers follow from the papers' reference code (birth
not counted as a hit by SORT; Deep SORT confirming on a match and reporting a track missed for
one frame); the chapters measure the trackers against the reference code itself.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers.tracking.benchmark import (
    METRICS,
    TRACKERS,
    benchmark_breakdown,
    format_table,
    main,
    make_benchmark_tracker,
    run_benchmark,
)
from helpers.tracking.deep_sort import DeepSortTracker
from helpers.tracking.detector import simulate_detections
from helpers.tracking.kalman import KalmanBoxFilter, SortKalmanFilter
from helpers.tracking.metrics import evaluate_tracking, evaluation_frames, hota
from helpers.tracking.mot_io import read_mot, write_mot_ground_truth, write_mot_results
from helpers.tracking.pipeline import track_sequence
from helpers.tracking.scene import make_scene, render_frame
from helpers.tracking.sort import SortTracker
from helpers.tracking.track import TrackState


@pytest.fixture(scope="module")
def short():
    scene = make_scene(123, n_frames=60)
    return scene, simulate_detections(scene, seed=123)


# -- scene and detector -----------------------------------------------------------------------
def test_scene_is_seeded_and_crowded(short):
    scene, _ = short
    again = make_scene(123, n_frames=60)
    np.testing.assert_array_equal(scene.boxes, again.boxes)
    np.testing.assert_array_equal(render_frame(scene, 10), render_frame(again, 10))
    counts = np.bincount(scene.frames)
    assert 15 <= counts.mean() <= 22  # ~20 walkers at once
    assert len(scene.pillars) == 4
    widths = scene.pillars[:, 2] - scene.pillars[:, 0]
    assert widths.min() >= 40 and widths.max() <= 60
    h = scene.boxes[:, 3] - scene.boxes[:, 1]
    a = (scene.boxes[:, 2] - scene.boxes[:, 0]) / h
    assert h.min() >= 69 and h.max() <= 151 and a.min() >= 0.349 and a.max() <= 0.501
    assert (scene.visibility < 0.05).any() and (scene.visibility > 0.95).any()
    assert not np.array_equal(make_scene(124, n_frames=60).boxes[:5], scene.boxes[:5])


def test_scene_has_lookalikes_and_render_shape():
    scene = make_scene(5, n_frames=200)
    assert (scene.lookalike_of > 0).sum() >= 1
    frame = render_frame(scene, 0)
    assert frame.shape == (540, 960, 3) and frame.dtype == np.uint8


def test_scene_hides_walkers_for_10_to_30_frames_behind_pillars():
    # The benchmark's design: most pillar occlusions last longer than 10 frames (motion alone
    # struggles) and less than 31 (Deep SORT's max_age = 30 can wait for them).
    scene = make_scene(7, n_frames=300)
    gaps = []
    for i in np.unique(scene.ids):
        seen = np.flatnonzero(scene.visibility[scene.ids == i] >= 0.4)
        gaps += (np.diff(seen) - 1)[np.diff(seen) > 1].tolist()
    gaps = np.array(gaps)
    assert len(gaps) >= 20
    assert np.mean((gaps > 10) & (gaps <= 30)) > np.mean(gaps > 30)


def test_scene_errors():
    with pytest.raises(TypeError, match="seed must be a numpy.random.Generator or a non-negative"):
        make_scene(-1)
    with pytest.raises(ValueError, match="n_frames must be an integer >= 1 and <= 5000; got 0"):
        make_scene(0, n_frames=0)
    with pytest.raises(ValueError, match="width must be an integer >= 160 and <= 2048"):
        make_scene(0, width=10**5, height=10**5)
    with pytest.raises(ValueError, match=r"t must be an integer >= 0 and <= 59; got 60"):
        make_scene(0, n_frames=60).at(60)
    with pytest.raises(TypeError, match="scene must be a Scene"):
        render_frame("scene", 0)


def test_detector_faults(short):
    scene, dets = short
    assert (dets.source_ids == -1).any()  # false positives
    ids, _, vis = scene.at(0)
    hidden = set(ids[vis < 0.2].tolist())
    assert hidden.isdisjoint(dets.sources_at(0).tolist())  # hidden walkers are never detected
    boxes, scores = dets.at(0, 0.5)
    assert (scores >= 0.5).all() and boxes.shape[1] == 4
    with pytest.raises(ValueError, match=r"p_detect must be >= 0 and <= 1; got 1.5"):
        simulate_detections(scene, p_detect=1.5)


@pytest.mark.filterwarnings("ignore::FutureWarning", "ignore:Operation with tuple")
def test_mot_files_round_trip_and_motmetrics_reads_them(tmp_path, short):
    import motmetrics as mm

    scene, dets = short
    gt = read_mot(write_mot_ground_truth(scene, tmp_path / "gt.txt"))
    np.testing.assert_allclose(gt["boxes"], scene.boxes, atol=0.01)
    assert (gt["frames"] == scene.frames).all() and (gt["ids"] == scene.ids).all()
    df = mm.io.loadtxt(str(tmp_path / "gt.txt"), fmt="mot16")
    assert len(df) == len(scene.ids)
    out, _ = track_sequence(SortTracker(), dets)
    res = read_mot(write_mot_results(out, tmp_path / "res.txt"))
    assert len(res["ids"]) == sum(len(o) for o in out)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_mot(tmp_path / "missing.txt")


# -- trackers ---------------------------------------------------------------------------------
def test_sort_follows_a_walking_box():
    tracker = SortTracker()
    ids = []
    for t in range(10):
        out = tracker.update([[10 + 3 * t, 10, 40 + 3 * t, 80]])
        ids.append(out[:, 4].tolist())
    # first frames are reported (frame <= min_hits)
    assert ids[0] == [1] and all(i == [1] for i in ids)
    assert tracker.tracks[0].state is TrackState.CONFIRMED
    assert tracker.tracks[0].mean[4] == pytest.approx(3, abs=0.3)  # learnt the velocity
    assert isinstance(tracker.kalman, SortKalmanFilter) and tracker.tracks[0].mean.shape == (7,)


def test_sort_does_not_count_the_birth_detection():
    # Issue 15's reproducer: three empty frames, then one box in frames 4-7. The reference
    # code reports it only in frame 7, with its fourth detection (third match after birth).
    tracker = SortTracker(min_hits=3)
    counts = [len(tracker.update(np.zeros((0, 4)))) for _ in range(3)]
    counts += [len(tracker.update([[10, 10, 30, 60]])) for _ in range(4)]
    assert counts == [0, 0, 0, 0, 0, 0, 1]


def test_sort_life_cycle_min_hits_and_max_age():
    tracker = SortTracker(min_hits=3, max_age=1)
    for _ in range(5):
        tracker.update(np.zeros((0, 4)))  # leave the first min_hits frames
    for _ in range(5):
        tracker.update([[0, 0, 10, 20]])
    out = tracker.update([[0, 0, 10, 20], [100, 100, 110, 120]])
    assert out[:, 4].tolist() == [1.0]  # the newcomer is not reported yet
    # One miss: the track survives (max_age 1) but must be matched 3 times again to be shown.
    tracker.update(np.zeros((0, 4)))
    shown = [tracker.update([[0, 0, 10, 20]])[:, 4].tolist() for _ in range(3)]
    assert shown == [[], [], [1.0]]
    tracker.update(np.zeros((0, 4)))
    tracker.update(np.zeros((0, 4)))  # two misses > max_age = 1
    assert tracker.tracks == []


def test_sort_min_hits_zero_reports_at_birth_and_runs_on_either_filter():
    tracker = SortTracker(min_hits=0)
    for _ in range(5):
        tracker.update(np.zeros((0, 4)))
    assert tracker.update([[10, 10, 30, 60]])[:, 4].tolist() == [1.0]
    deep_filter = SortTracker(kalman=KalmanBoxFilter(), min_hits=1)
    out = [deep_filter.update([[10 + t, 10, 30 + t, 60]]) for t in range(3)]
    assert out[-1][:, 4].tolist() == [1.0] and deep_filter.tracks[0].mean.shape == (8,)


def test_sort_empty_and_degenerate_detections():
    tracker = SortTracker()
    assert tracker.update(np.zeros((0, 4))).shape == (0, 5)
    assert tracker.update([[5, 5, 5, 20]]).shape == (0, 5)  # zero width: dropped, documented
    assert tracker.tracks == []
    with pytest.raises(ValueError, match="detections contains NaN"):
        tracker.update([[0, 0, np.nan, 1]])
    with pytest.raises(ValueError, match=r"detections must have 4 numbers per box"):
        tracker.update([[0, 0, 1, 1, 0.9]])
    with pytest.raises(TypeError, match="features must be None for SORT"):
        tracker.update([[0, 0, 1, 1]], np.ones((1, 3)))
    with pytest.raises(ValueError, match="iou_threshold must be >= 0 and <= 1"):
        SortTracker(iou_threshold=1.5)
    with pytest.raises(TypeError, match="max_age must be an integer"):
        SortTracker(max_age=1.5)
    with pytest.raises(TypeError, match="kalman must be a SortKalmanFilter or a KalmanBoxFilter"):
        SortTracker(kalman="kf")


def test_trackers_are_deterministic_and_solvers_agree(short):
    scene, dets = short
    a, _ = track_sequence(SortTracker(), dets)
    b, _ = track_sequence(SortTracker(), dets)
    c, _ = track_sequence(SortTracker(solver="hungarian"), dets)
    for x, y, z in zip(a, b, c, strict=True):
        np.testing.assert_array_equal(x, y)
        np.testing.assert_allclose(x, z)
    d1, _ = track_sequence(DeepSortTracker(use_appearance=False), dets)
    d2, _ = track_sequence(DeepSortTracker(use_appearance=False), dets)
    assert all(np.array_equal(x, y) for x, y in zip(d1, d2, strict=True))


def test_deep_sort_keeps_the_id_through_an_occlusion():
    f = np.array([[1.0, 0.0, 0.0]])
    for tracker, same in ((DeepSortTracker(n_init=2), True), (SortTracker(min_hits=1), False)):
        seen = []
        uses_features = isinstance(tracker, DeepSortTracker)
        for t in range(30):
            box = np.array([[10 + 2 * t, 10, 40 + 2 * t, 80]]) if not 10 <= t < 20 \
                else np.zeros((0, 4))   # hidden for 10 frames
            out = tracker.update(box, f[: len(box)] if uses_features else None)
            seen += out[:, 4].tolist()
        assert (len(set(seen)) == 1) is same


def test_deep_sort_n_init_and_reporting_follow_the_reference_code():
    f = np.array([[1.0, 0.0]])
    box = [[10, 10, 30, 60]]
    for n_init, first_shown in ((1, 1), (2, 1), (3, 2)):
        tracker = DeepSortTracker(n_init=n_init)
        shown = [len(tracker.update(box, f)) for _ in range(4)]
        assert shown.index(1) == first_shown, n_init  # n_init=1 confirms at the 2nd detection
    # A confirmed track missed in this frame is still reported (at its prediction), once.
    for gap, expected in ((1, [1, 0, 0]), (0, [0, 0, 0])):
        tracker = DeepSortTracker(n_init=2, max_report_gap=gap)
        tracker.update(box, f)
        tracker.update(box, f)
        out = [len(tracker.update(np.zeros((0, 4)), np.zeros((0, 2)))) for _ in range(3)]
        assert out == expected, gap


def test_deep_sort_tentative_track_dies_at_its_first_miss():
    tracker = DeepSortTracker(n_init=3)
    tracker.update([[10, 10, 30, 60]], [[1.0, 0]])
    assert tracker.tracks[0].is_tentative
    tracker.update(np.zeros((0, 4)), np.zeros((0, 2)))
    assert tracker.tracks == []


def test_deep_sort_appearance_picks_the_right_detection():
    # Two walkers cross; the detections' order is swapped after the crossing: appearance decides.
    tracker = DeepSortTracker(n_init=1)
    fa, fb = np.array([1.0, 0, 0]), np.array([0, 1.0, 0])
    tracker.update([[0, 0, 20, 50], [100, 0, 120, 50]], np.stack([fa, fb]))
    out = tracker.update([[101, 0, 121, 50], [1, 0, 21, 50]], np.stack([fb, fa]))
    by_x = {round(x): i for x, i in zip(out[:, 0], out[:, 4], strict=True)}
    assert by_x[min(by_x)] == 1.0 and by_x[max(by_x)] == 2.0


def test_deep_sort_errors():
    tracker = DeepSortTracker()
    with pytest.raises(ValueError, match="features are required when use_appearance=True"):
        tracker.update([[0, 0, 1, 1]])
    with pytest.raises(ValueError, match=r"features must have one row per row of detections \(1\)"):
        tracker.update([[0, 0, 1, 1]], np.ones((2, 4)))
    with pytest.raises(ValueError, match="max_cosine_distance must be >= 0 and <= 2"):
        DeepSortTracker(max_cosine_distance=3)
    with pytest.raises(ValueError, match="n_init must be an integer >= 1 and <= 100000; got 0"):
        DeepSortTracker(n_init=0)
    with pytest.raises(TypeError, match="use_appearance must be True or False"):
        DeepSortTracker(use_appearance=1)
    with pytest.raises(ValueError, match="nn_budget must be an integer >= 1"):
        DeepSortTracker(nn_budget=0)
    with pytest.raises(ValueError, match="max_report_gap must be an integer >= 0 and <= 30"):
        DeepSortTracker(max_report_gap=31)
    with pytest.raises(ValueError, match="features must not contain all-zero rows"):
        tracker.update([[0, 0, 1, 1]], np.zeros((1, 4)))


# -- metrics ----------------------------------------------------------------------------------
def test_metrics_perfect_and_swapped(short):
    scene, _ = short
    perfect = [np.c_[scene.at(t)[1], scene.at(t)[0]] for t in range(scene.n_frames)]
    r = evaluate_tracking(scene, perfect, min_visibility=0.0)
    assert (r["mota"], r["idf1"], r["id_switches"], r["fp"], r["fn"]) == (1.0, 1.0, 0, 0, 0)
    # Give every walker a new ID from frame 30 on: exactly one switch per walker present then.
    renamed = [p.copy() for p in perfect]
    for p in renamed[30:]:
        p[:, 4] += 1000
    r = evaluate_tracking(scene, renamed, min_visibility=0.0)
    both = set(scene.at(29)[0]) & set(scene.at(30)[0])
    assert r["id_switches"] == len(both) and r["switches_by_gap"]["1"] == len(both)
    assert r["mota"] == pytest.approx(1 - len(both) / r["num_objects"])


def test_metrics_ignore_hardly_visible_ground_truth(short):
    scene, _ = short
    perfect = [np.c_[scene.at(t)[1], scene.at(t)[0]] for t in range(scene.n_frames)]
    r = evaluate_tracking(scene, perfect, min_visibility=0.5)
    assert r["fp"] == 0 and r["num_objects"] == int((scene.visibility >= 0.5).sum())


def test_hota_equals_trackeval(short):
    trackeval = pytest.importorskip("trackeval")
    from helpers.boxes import box_iou

    scene, dets = short
    for tracker in (SortTracker(), DeepSortTracker(use_appearance=False)):
        out, _ = track_sequence(tracker, dets)
        ours = hota(scene, out)
        frames = evaluation_frames(scene, out)
        gt_ids = np.unique(np.concatenate([g for g, _, _ in frames]))
        tr_ids = np.unique(np.concatenate([h[:, 4] for _, _, h in frames]))
        data = {
            "num_gt_dets": sum(len(g) for g, _, _ in frames),
            "num_tracker_dets": sum(len(h) for _, _, h in frames),
            "num_gt_ids": len(gt_ids), "num_tracker_ids": len(tr_ids),
            "gt_ids": [np.searchsorted(gt_ids, g) for g, _, _ in frames],
            "tracker_ids": [np.searchsorted(tr_ids, h[:, 4]) for _, _, h in frames],
            "similarity_scores": [box_iou(b, h[:, :4]) for _, b, h in frames],
        }
        ref = trackeval.metrics.HOTA().eval_sequence(data)
        assert ours["hota"] == pytest.approx(ref["HOTA"].mean(), abs=1e-12)
        assert ours["deta"] == pytest.approx(ref["DetA"].mean(), abs=1e-12)
        assert ours["assa"] == pytest.approx(ref["AssA"].mean(), abs=1e-12)
        assert ours["hota_0.5"] == pytest.approx(ref["HOTA"][9], abs=1e-12)


def test_hota_punishes_id_changes_that_mota_barely_sees(short):
    scene, _ = short
    perfect = [np.c_[scene.at(t)[1], scene.at(t)[0]] for t in range(scene.n_frames)]
    renamed = [np.c_[p[:, :4], p[:, 4] + 1000 * (t % 2)] for t, p in enumerate(perfect)]
    assert hota(scene, perfect, min_visibility=0.0)["hota"] == 1.0
    r = hota(scene, renamed, min_visibility=0.0)
    assert r["deta"] == 1.0 and r["assa"] < 0.6  # every object found, IDs alternate


def test_metrics_errors(short):
    scene, _ = short
    with pytest.raises(ValueError, match=r"hypotheses must have one entry per frame \(60\); got 2"):
        evaluate_tracking(scene, [np.zeros((0, 5))] * 2)
    with pytest.raises(TypeError, match="hypotheses must be a list"):
        evaluate_tracking(scene, np.zeros((60, 5)))
    with pytest.raises(ValueError, match=r"hypotheses\[0\] must have shape \(K, 5\)"):
        hota(scene, [np.zeros((1, 4))] * 60)


# -- embedding and benchmark ------------------------------------------------------------------
def test_embedding_separates_unseen_walkers():
    pytest.importorskip("torch")
    from helpers.tracking.embedding import TRAINING_SEEDS, embed, load_embedding, training_crops

    assert 77 not in TRAINING_SEEDS
    crops, labels = training_crops([77], n_frames=60, every=6)
    f = embed(load_embedding(), crops)
    np.testing.assert_allclose(np.linalg.norm(f, axis=1), 1, atol=1e-5)
    d = 1 - f @ f.T
    same = labels[:, None] == labels[None]
    off = ~np.eye(len(f), dtype=bool)
    assert np.median(d[same & off]) < 0.5 * np.median(d[~same])


def test_embedding_errors():
    pytest.importorskip("torch")
    from helpers.nets.embedding import EmbeddingNet
    from helpers.tracking.embedding import crop_boxes, embed, train_embedding

    with pytest.raises(ValueError, match=r"crops must have shape \(N, 64, 32, 3\)"):
        embed(EmbeddingNet(seed=0), np.zeros((1, 32, 32, 3), np.uint8))
    with pytest.raises(TypeError, match="net must be an EmbeddingNet"):
        embed("net", np.zeros((1, 64, 32, 3), np.uint8))
    with pytest.raises(ValueError, match=r"frame must be 3-D"):
        crop_boxes(np.zeros((10, 10)), [[0, 0, 1, 1]])
    with pytest.raises(ValueError, match="crops and labels must have the same length"):
        train_embedding(np.zeros((4, 64, 32, 3), np.uint8), np.zeros(3, int))
    with pytest.raises(ValueError, match="batch_size must be an integer >= 2"):
        train_embedding(np.zeros((4, 64, 32, 3), np.uint8), np.zeros(4, int), batch_size=1)


def test_train_embedding_goes_through_fit_and_is_seeded(tmp_path):
    torch = pytest.importorskip("torch")
    from helpers.nets.history import History
    from helpers.tracking.embedding import embed, load_embedding, save_embedding, training_crops

    crops, labels = training_crops([9000], n_frames=40, every=8)
    runs = [train_embedding_quietly(crops, labels) for _ in range(2)]
    (net, history), (net2, _) = runs
    assert isinstance(history, History) and len(history.loss) == 2 and not net.training
    for a, b in zip(net.state_dict().values(), net2.state_dict().values(), strict=True):
        assert torch.equal(a, b)                     # same seed, same weights
    f = embed(net, crops[:5])
    np.testing.assert_allclose(np.linalg.norm(f, axis=1), 1, atol=1e-5)
    # The shipped checkpoint's parameter names are the class's: it loads into EmbeddingNet.
    assert set(load_embedding().state_dict()) == set(net.state_dict())
    back = load_embedding(save_embedding(net, tmp_path / "e.npz"))
    np.testing.assert_array_equal(embed(back, crops[:5]), f)


def train_embedding_quietly(crops, labels):
    from helpers.tracking.embedding import train_embedding

    return train_embedding(crops, labels, epochs=2, batch_size=16, seed=3, progress=False)


def test_benchmark_direction_and_json_shape(tmp_path, capsys):
    pytest.importorskip("torch")
    # Short sequences on two seeds never used in training: assert the direction, not constants.
    path = tmp_path / "bench.json"
    assert main(["--seeds", "31", "32", "--frames", "100", "--json", str(path)]) == 0
    data = json.loads(path.read_text())
    assert sorted(data) == sorted(TRACKERS) == sorted(
        ["sort", "sort_patient", "deep_sort_no_appearance", "deep_sort"])
    for name in TRACKERS:
        assert sorted(data[name]) == ["mean", "per_seed"]
        assert sorted(data[name]["per_seed"]) == ["31", "32"]
        assert sorted(data[name]["mean"]) == sorted(METRICS) == sorted(
            ["mota", "idf1", "hota", "id_switches", "fp", "fn", "fps"])
        assert 0 < data[name]["mean"]["fps"] and -1 < data[name]["mean"]["mota"] <= 1
        assert 0 <= data[name]["mean"]["hota"] <= 1
    s, d = data["sort"]["mean"], data["deep_sort"]["mean"]
    a = data["deep_sort_no_appearance"]["mean"]
    assert d["id_switches"] < a["id_switches"] < s["id_switches"]
    assert d["idf1"] > s["idf1"] and d["mota"] > s["mota"] and d["hota"] > a["hota"] > s["hota"]
    out = capsys.readouterr().out
    assert "appearance alone" in out and "HOTA" in out


def test_benchmark_trackers_and_breakdown():
    assert make_benchmark_tracker("sort").max_age == 1
    assert make_benchmark_tracker("sort_patient").max_age == 30
    assert not make_benchmark_tracker("deep_sort_no_appearance").use_appearance
    assert make_benchmark_tracker("deep_sort").use_appearance
    with pytest.raises(ValueError, match="name must be one of"):
        make_benchmark_tracker("bytetrack")
    with pytest.raises(ValueError, match="results must be run_benchmark"):
        benchmark_breakdown({"sort": {}})


def test_benchmark_errors_and_training_seed_warning():
    pytest.importorskip("torch")
    with pytest.raises(ValueError, match="seeds must be distinct"):
        run_benchmark([1, 1])
    with pytest.raises(ValueError, match="seeds must name at least one"):
        run_benchmark([])
    with pytest.raises(TypeError, match="seeds must be a list"):
        run_benchmark(3)
    with pytest.warns(UserWarning, match="training seeds"):
        res, det = run_benchmark([9000], n_frames=5)
    assert "sort_patient" in format_table(res, det)
