"""Tests for helpers.trajectories, helpers.nets.multipath and the anchor-target check
(chapter 22).

References: the k-means anchors against scikit-learn's ``KMeans``: started from our anchors it
stays there (a converged Lloyd solution; centres 1e-6), and our inertia is within 15 % of
sklearn's best of three k-means++ runs (both are local optima; measured 10 % worse at K = 3 on
300 agents, with 3 attempts); the anchor assignment against
``scipy.spatial.distance.cdist`` (squared Euclidean over the flattened futures), exact;
minADE / minFDE against a direct loop; the MultiPath loss against an independent numpy
formula (1e-6).
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import trajectories as TR
from helpers.checks.frontiers import check_anchor_targets


@pytest.fixture(scope="module")
def agents():
    return TR.make_agent_dataset(600, rng=0)


def test_dataset_shapes_and_behaviours(agents):
    assert agents["history"].shape == (600, 8, 2) and agents["future"].shape == (600, 12, 2)
    assert set(np.unique(agents["behaviour"]).tolist()) == set(range(len(TR.BEHAVIOURS)))
    # Left turns end on the left (x < 0), right turns on the right, stops barely move.
    end = agents["future"][:, -1]
    b = agents["behaviour"]
    assert np.median(end[b == TR.BEHAVIOURS.index("left"), 0]) < -2
    assert np.median(end[b == TR.BEHAVIOURS.index("right"), 0]) > 2
    assert np.allclose(TR.make_agent_dataset(5, rng=3)["future"],
                       TR.make_agent_dataset(5, rng=3)["future"])
    with pytest.raises(ValueError, match="noise"):
        TR.make_agent_dataset(5, noise=-1.0, rng=0)
    with pytest.raises(ValueError, match="n"):
        TR.make_agent_dataset(10**8, rng=0)


def test_anchors_agree_with_sklearn_kmeans(agents):
    sklearn_cluster = pytest.importorskip("sklearn.cluster")
    futures = agents["future"]
    futures = futures[:300]
    flat = futures.reshape(len(futures), -1)
    for k in (3, 6):
        anchors = TR.trajectory_anchors(futures, k, rng=0, attempts=3)
        assert anchors.shape == (k, 12, 2)
        centres = anchors.reshape(k, -1)
        ours = ((flat[:, None] - centres[None]) ** 2).sum(-1).min(1).sum()
        # Ours is a converged Lloyd solution: sklearn started from it stays there.
        ref = sklearn_cluster.KMeans(k, init=centres, n_init=1, tol=0).fit(flat)
        assert ref.inertia_ == pytest.approx(ours, rel=1e-6)
        np.testing.assert_allclose(ref.cluster_centers_, centres, atol=1e-6)
        # And it is a good local optimum: within 15 % of sklearn's best of 3 k-means++ runs.
        best = sklearn_cluster.KMeans(k, n_init=3, random_state=0).fit(flat).inertia_
        assert ours <= 1.15 * best
        sizes = np.bincount(TR.anchor_targets(futures, anchors)[0], minlength=k)
        assert np.all(np.diff(sizes) <= 0)  # largest cluster first
    with pytest.raises(ValueError, match="k"):
        TR.trajectory_anchors(futures[:3], 4, rng=0)


def test_anchor_targets_agree_with_cdist(agents):
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(1)
    anchors = rng.normal(size=(5, 12, 2)) * 10
    index, residual = TR.anchor_targets(agents["future"], anchors)
    d = cdist(agents["future"].reshape(600, -1), anchors.reshape(5, -1), "sqeuclidean")
    np.testing.assert_array_equal(index, d.argmin(1))
    np.testing.assert_allclose(residual + anchors[index], agents["future"])
    with pytest.raises(ValueError, match="anchors"):
        TR.anchor_targets(agents["future"], anchors[:, :5])


def test_constant_velocity_and_min_ade_fde():
    hist = np.array([[[0.0, -2.0], [0.0, -1.0], [0.0, 0.0]]])
    cv = TR.constant_velocity(hist, 4)
    np.testing.assert_allclose(cv[0, :, 1], [1, 2, 3, 4])
    np.testing.assert_allclose(TR.constant_velocity(hist, 2, window=2)[0, :, 1], [1, 2])
    rng = np.random.default_rng(2)
    modes, truth = rng.normal(size=(20, 4, 6, 2)), rng.normal(size=(20, 6, 2))
    probs = rng.dirichlet(np.ones(4), 20)
    for k in (1, 2, 4):
        ade, fde = TR.min_ade_fde(modes, probs, truth, k=k, reduction="none")
        for i in range(20):
            top = np.argsort(-probs[i], kind="stable")[:k]
            errs = [np.linalg.norm(modes[i, m] - truth[i], axis=-1) for m in top]
            assert ade[i] == pytest.approx(min(e.mean() for e in errs))
            assert fde[i] == pytest.approx(min(e[-1] for e in errs))
    with pytest.raises(ValueError, match="k"):
        TR.min_ade_fde(modes, probs, truth, k=5)
    with pytest.raises(ValueError, match="reduction"):
        TR.min_ade_fde(modes, probs, truth, k=1, reduction="sum")
    with pytest.raises(ValueError, match="window"):
        TR.constant_velocity(hist, 2, window=3)


def test_multipath_loss_and_net():
    torch = pytest.importorskip("torch")
    from helpers.nets.multipath import (
        MultiPathNet,
        multipath_features,
        multipath_loss,
        multipath_predict,
    )

    rng = np.random.default_rng(3)
    n, k, t = 5, 3, 4
    out = rng.normal(size=(n, k + 2 * k * t))
    index = rng.integers(0, k, n)
    residual = rng.normal(size=(n, t, 2))
    logits, offsets = out[:, :k], out[:, k:].reshape(n, k, t, 2)
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    chosen = offsets[np.arange(n), index]
    want = (-logp[np.arange(n), index] + 0.5 * ((chosen - residual) ** 2).sum((1, 2)) / t).mean()
    got = multipath_loss(torch.tensor(out), torch.tensor(index), torch.tensor(residual))
    assert float(got) == pytest.approx(want, rel=1e-6)
    with pytest.raises(ValueError, match="columns"):
        multipath_loss(torch.zeros(n, 7), torch.tensor(index), torch.tensor(residual))

    data = TR.make_agent_dataset(10, rng=4)
    anchors = TR.trajectory_anchors(data["future"], 3, rng=0)
    feats = multipath_features(data["history"], data["distance"], history_len=4)
    assert feats.shape == (10, 9) and feats.dtype == np.float32
    modes, probs = multipath_predict(MultiPathNet(anchors, history_len=4), data["history"],
                                     data["distance"])
    assert modes.shape == (10, 3, 12, 2) and np.allclose(probs.sum(1), 1)
    with pytest.raises(ValueError, match="history_len"):
        MultiPathNet(anchors, history_len=0)
    with pytest.raises(ValueError, match="history"):
        multipath_features(data["history"], data["distance"][:3], history_len=4)


# -- the check ------------------------------------------------------------------------------
def _targets_right(futures, anchors):
    n, k = len(futures), len(anchors)
    index = np.zeros(n, np.int64)
    for i in range(n):
        d = [((futures[i] - anchors[j]) ** 2).sum() for j in range(k)]
        index[i] = int(np.argmin(d))
    return index, futures - anchors[index]


def test_check_anchor_targets():
    assert check_anchor_targets(_targets_right).passed

    def last_step_only(futures, anchors):
        d = ((futures[:, None, -1] - anchors[None, :, -1]) ** 2).sum(-1)
        index = d.argmin(1)
        return index, futures - anchors[index]

    bad = check_anchor_targets(last_step_only)
    assert bad.status == "failed" and "over time" in bad.message

    def stub(futures, anchors):
        raise NotImplementedError

    assert check_anchor_targets(stub).status == "not attempted"
