"""Tests for helpers.nets.detection (chapters 12 and 13): the tiny detector and the landmark
regressor, their loss, trainers (through helpers.nets.training.fit) and predictors.

Every test needs torch and skips on its own without it.
"""

from __future__ import annotations

import numpy as np
import pytest


def _nets():
    pytest.importorskip("torch")
    from helpers.nets import detection

    return detection


def test_models_reject_bad_images():
    D = _nets()
    with pytest.raises(ValueError, match=r"images must be \(N, H, W, 3\) RGB"):
        D.detector_predict(D.TinyDetector(3), np.zeros((1, 16, 16, 4)))
    with pytest.raises(ValueError, match="multiples of 8"):
        D.detector_predict(D.TinyDetector(3), np.zeros((1, 12, 16, 3)))
    with pytest.raises(ValueError, match=r"points must have shape \(2, 3, 2\)"):
        D.train_landmarks(D.LandmarkRegressor(3), np.zeros((2, 24, 24, 3)), np.zeros((2, 3, 3)))
    with pytest.raises(TypeError, match="model must be a TinyDetector"):
        D.detector_predict("net", np.zeros((1, 16, 16, 3), np.uint8))
    # The image contract: no silent rescaling of 0-255 floats or int64 images.
    with pytest.raises(ValueError, match=r"float images must lie in \[0, 1\]"):
        D.detector_predict(D.TinyDetector(3), np.full((1, 16, 16, 3), 200.0))
    with pytest.raises(TypeError, match="images must be uint8"):
        D.predict_landmarks(D.LandmarkRegressor(3), np.full((1, 16, 16, 3), 255))


def test_float_and_uint8_images_give_the_same_predictions(rng):
    """Reproducer of the issue: float 200/255 used to become 199.5; now [0, 1] is [0, 1]."""
    D = _nets()
    from helpers.image import from_batch, to_batch

    images = rng.integers(0, 256, (2, 16, 16, 3), dtype=np.uint8)
    model = D.TinyDetector(3, width=4)
    np.testing.assert_allclose(D.detector_predict(model, images),
                               D.detector_predict(model, from_batch(to_batch(images))), atol=1e-6)


def test_models_are_seeded_and_leave_global_rng_alone():
    torch = pytest.importorskip("torch")
    D = _nets()
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    for cls in (D.TinyDetector, D.LandmarkRegressor):
        a, b = cls(3, seed=1), cls(3, seed=1)
        for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
            assert torch.equal(pa, pb)
        c = cls(3, seed=2)
        assert not all(torch.equal(pa, pc) for pa, pc in zip(a.parameters(), c.parameters(),
                                                             strict=True))
    assert torch.equal(torch.rand(1), before)


def test_detector_loss_is_zero_free_and_checks_the_grid():
    torch = pytest.importorskip("torch")
    D = _nets()
    from helpers.yolo import yolo_encode

    target = torch.from_numpy(yolo_encode([[8, 8, 24, 24]], [1], image_size=32, grid_size=4,
                                          num_classes=3))[None]
    out = torch.zeros(1, 8, 4, 4, requires_grad=True)
    loss = D.detector_loss(out, target)
    loss.backward()
    assert float(loss.detach()) > 0 and out.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="out and target must describe the same grid"):
        D.detector_loss(torch.zeros(1, 7, 4, 4), target)


def test_trainers_go_through_fit_and_return_history():
    torch = pytest.importorskip("torch")
    D = _nets()
    from helpers.nets.history import History
    from helpers.shapes import make_detection_dataset, make_landmark_dataset

    threads = torch.get_num_threads()
    images, boxes, labels = make_detection_dataset(16, rng=0)
    model = D.TinyDetector(3, width=4)
    trained, history = D.train_detector(model, images, boxes, labels, epochs=2, batch_size=8,
                                        progress=False)
    assert trained is model and isinstance(history, History) and len(history) == 2
    assert not model.training and torch.get_num_threads() == threads
    images, points = make_landmark_dataset(16, rng=0)
    reg = D.LandmarkRegressor(3, width=4)
    reg, h = D.train_landmarks(reg, images, points, epochs=2, batch_size=8, progress=False)
    assert len(h.loss) == 2 and D.predict_landmarks(reg, images[:3]).shape == (3, 3, 2)
    # Same seed, same run (fit is seeded): the losses repeat exactly.
    _, again = D.train_landmarks(D.LandmarkRegressor(3, width=4), images, points, epochs=2,
                                 batch_size=8, progress=False)
    assert again.loss == h.loss


@pytest.mark.slow
def test_tiny_detector_reaches_ap50_target():
    """The issue's target, with the notebook's settings: AP@0.5 >= 0.8 on held-out images.

    Trains through fit on one pinned thread (fit's default): the training time is in
    history.seconds, and in `make bench` (bench/cases_detection.py), not asserted here.
    """
    D = _nets()
    from helpers.evaluation import evaluate_detections
    from helpers.shapes import make_detection_dataset
    from helpers.yolo import detect

    train = make_detection_dataset(1500, rng=1)
    test = make_detection_dataset(300, rng=2)
    model, history = D.train_detector(D.TinyDetector(3, width=8, seed=0), *train, epochs=8,
                                      lr=5e-3, progress=False)
    grids = D.detector_predict(model, test[0])
    dets = [detect(g, image_size=64) for g in grids]
    res = evaluate_detections(dets, list(zip(test[1], test[2], strict=True)), num_classes=3)
    assert res["map"] >= 0.8, res["ap"]
