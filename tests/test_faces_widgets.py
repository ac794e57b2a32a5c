"""Chapter 15's explorers (driven from Python), exercise checks (pass / fail / not attempted) and
static figures (smoke)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from helpers import faces, verification  # noqa: E402
from helpers.checks.faces import check_batch_hard_triplet_loss, check_haar_feature  # noqa: E402
from helpers.data import load_photo  # noqa: E402


# -- verification explorer ---------------------------------------------------------------------
def _pairs(rng, n=2000):
    same = rng.random(n) < 0.3
    same[:2] = [True, False]
    margins = [0.1, 0.2, 0.5]
    distances = [np.clip(np.where(same, rng.normal(0.6, 0.2, n), rng.normal(1.1 + m, 0.2, n)),
                         0, 2) for m in margins]
    return margins, distances, same


def test_verification_explorer_follows_the_sliders(rng):
    from helpers.widgets import verification_explorer

    margins, distances, same = _pairs(rng)
    ex = verification_explorer(margins, distances, same, thresholds=[0.8, 0.9, 1.0],
                               threshold=0.8)
    assert ex.controls["margin"].value == 1                      # starts at margin 0.2
    for index in range(3):
        for t in (0.0, 0.55, 0.9, 2.0):
            ex.set(margin=index, threshold=t)
            far, frr = verification.verification_rates(distances[index], same, t)
            assert ex.error is None
            assert ex.result["far"] == pytest.approx(far)
            assert ex.result["frr"] == pytest.approx(frr)
            assert ex.result["auc"] == pytest.approx(
                verification.verification_auc(distances[index], same))
    assert "FAR" in ex.readout.value and "FRR" in ex.readout.value and "1.00" in ex.readout.value
    assert ex.image.value[:3] == b"\xff\xd8\xff"  # a JPEG picture


def test_verification_explorer_refuses_bad_input(rng):
    from helpers.widgets import verification_explorer

    margins, distances, same = _pairs(rng)
    with pytest.raises(ValueError, match="one .P,. array per margin"):
        verification_explorer(margins, distances[:2], same)
    with pytest.raises(ValueError, match="same must contain both"):
        verification_explorer(margins, distances, np.ones_like(same))
    with pytest.raises(ValueError, match="thresholds must hold one"):
        verification_explorer(margins, distances, same, thresholds=[0.5])
    with pytest.raises(ValueError, match="threshold must be"):
        verification_explorer(margins, distances, same, threshold=3.0)
    with pytest.raises(TypeError, match="margins must be a sequence"):
        verification_explorer(0.2, distances[0], same)


# -- cascade explorer --------------------------------------------------------------------------
def test_cascade_explorer_groups_like_opencv():
    pytest.importorskip("cv2")
    from helpers.widgets import cascade_explorer

    ex = cascade_explorer(load_photo("astronaut"), scale_factors=(1.1, 1.3))
    small = ex.photo
    assert max(small.shape[:2]) <= 256
    for index, s in enumerate((1.1, 1.3)):
        for k in (0, 2, 5):
            ex.set(scale_factor=index, min_neighbors=k)
            want = faces.cascade_detect(small, scale_factor=s, min_neighbors=k, min_size=20)
            np.testing.assert_allclose(ex.result["detections"], want)
    ex.set(scale_factor=0, min_neighbors=5)
    assert len(ex.result["detections"]) == 1 and "1 group" in ex.readout.value
    with pytest.raises(ValueError, match="scale_factors"):
        cascade_explorer(load_photo("astronaut"), scale_factors=())
    with pytest.raises(ValueError, match="cascade must be one of"):
        cascade_explorer(load_photo("astronaut"), "hand")
    with pytest.raises(TypeError, match="scale_factors must be a list of 1 to 8 factors"):
        cascade_explorer(load_photo("astronaut"), scale_factors=None)
    with pytest.raises(ValueError, match="image must be at least min_size = 20 pixels"):
        cascade_explorer(load_photo("astronaut")[0])  # one row, read as a (W, 3) gray image


# -- checks ------------------------------------------------------------------------------------
def _haar_right(ii, kind, y, x, h, w):
    total = 0.0
    for y0, x0, y1, x1, sign in faces.haar_rectangles(kind, y, x, h, w):
        total += sign * float(ii[y1, x1] - ii[y0, x1] - ii[y1, x0] + ii[y0, x0])
    return total


def _haar_off_by_one(ii, kind, y, x, h, w):
    total = 0.0
    for y0, x0, y1, x1, sign in faces.haar_rectangles(kind, y, x, h, w):
        total += sign * float(ii[y1 - 1, x1 - 1] - ii[y0, x1 - 1] - ii[y1 - 1, x0] + ii[y0, x0])
    return total


def _not_attempted(*args):
    raise NotImplementedError("exercise not attempted yet")


def test_check_haar_feature():
    assert check_haar_feature(_haar_right).passed
    wrong = check_haar_feature(_haar_off_by_one)
    assert wrong.status == "failed" and "case 1/" in wrong.message
    assert check_haar_feature(_not_attempted).status == "not attempted"
    assert "pass the function itself" in check_haar_feature(None).message


def test_check_batch_hard_triplet_loss():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional

    def right(e, y, m):
        d = torch.cdist(e, e)
        same = y[:, None] == y[None, :]
        pos = same & ~torch.eye(len(y), dtype=torch.bool)
        valid = pos.any(1) & (~same).any(1)
        hp = d.masked_fill(~pos, float("-inf")).amax(1)
        hn = d.masked_fill(same, float("inf")).amin(1)
        return F.relu(hp - hn + m)[valid].mean()

    def all_anchors(e, y, m):           # forgets to leave out anchors without a positive
        d = torch.cdist(e, e)
        same = y[:, None] == y[None, :]
        hp = d.masked_fill(~same, float("-inf")).amax(1)
        hn = d.masked_fill(same, float("inf")).amin(1)
        return F.relu(hp - hn + m).mean()

    def per_anchor(e, y, m):            # forgets the mean
        d = torch.cdist(e, e)
        same = y[:, None] == y[None, :]
        return F.relu(d.masked_fill(~same, 0).amax(1) - d.masked_fill(same, 9).amin(1) + m)

    assert check_batch_hard_triplet_loss(right).passed
    wrong = check_batch_hard_triplet_loss(all_anchors)
    assert wrong.status == "failed" and "single example" in wrong.message
    assert check_batch_hard_triplet_loss(per_anchor).status in ("failed", "error")
    assert check_batch_hard_triplet_loss(_not_attempted).status == "not attempted"
    assert "pass the function itself" in check_batch_hard_triplet_loss("loss").message


# -- static figures ----------------------------------------------------------------------------
def test_figures_draw(rng):
    pytest.importorskip("cv2")
    import matplotlib.pyplot as plt

    from helpers import faces_plots as fp

    window = rng.random((25, 25))
    figs = [fp.show_haar_kinds(window, [("type-2-x", 0, 0, 4, 4), ("type-4", 2, 2, 6, 6)])]
    x = rng.normal(size=(40, 6))
    y = (x[:, 2] > 0).astype(int)
    model = faces.adaboost_fit(x, y, rounds=3)
    bank = faces.haar_feature_bank((25, 25), position_step=8, size_step=8)[:6]
    figs.append(fp.show_boosted_features(window, model, bank, count=3))
    figs.append(fp.plot_boosting_errors(model.train_error, model.train_error))
    image = load_photo("astronaut")
    figs.append(fp.show_detections([(image, faces.cascade_detect(image), "astronaut")],
                                   candidates=[faces.cascade_candidates(image)]))
    d = rng.random(100) * 2
    same = rng.random(100) < 0.5
    figs.append(fp.plot_distance_histograms(d, same, threshold=1.0))
    far, tar, _ = verification.verification_roc(d, same)
    figs.append(fp.plot_verification_roc({"random": (far, tar)}, points={"t": (0.5, 0.5)}))
    figs.append(fp.show_embedding_pca(rng.normal(size=(30, 4)), np.repeat([0, 1, 2], 10)))
    figs.append(fp.show_verification_mistakes(rng.random((5, 8, 8)), np.array([[0, 1], [2, 3]]),
                                              np.array([0.1, 0.2]), "pairs"))
    assert all(f.axes for f in figs)
    plt.close("all")
    with pytest.raises(ValueError, match="placements"):
        fp.show_haar_kinds(window, [])
    with pytest.raises(TypeError, match="curves must be"):
        fp.plot_verification_roc([])
    with pytest.raises(ValueError, match="K <= 12"):
        fp.show_verification_mistakes(rng.random((5, 8, 8)), np.zeros((2, 3), int),
                                      np.zeros(2), "x")
    with pytest.raises(TypeError, match=r"placements\[0\] must be a \(kind, y, x, h, w\)"):
        fp.show_haar_kinds(window, ["type-2-x"])
    with pytest.raises(ValueError, match=r"size must be > 0"):
        fp.show_haar_kinds(window, [("type-2-x", 0, 0, 2, 2)], size=0.0)
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes or None"):
        fp.show_embedding_pca(rng.normal(size=(30, 4)), np.repeat([0, 1, 2], 10), ax="left")
    with pytest.raises(TypeError, match="title must be a string"):
        fp.show_verification_mistakes(rng.random((5, 8, 8)), np.array([[0, 1]]), np.zeros(1), 3)
    with pytest.raises(TypeError, match=r"curves\['a'\] must be a \(far, tar\) pair"):
        fp.plot_verification_roc({"a": [0.1, 0.2, 0.3]})
    with pytest.raises(TypeError, match=r"size must be a \(width, height\) pair"):
        fp.plot_boosting_errors([0.2], [0.3], size=3.0)
