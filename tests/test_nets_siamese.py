"""helpers.nets.siamese (chapters/15_faces.ipynb): the triplet loss against torch's, the mining
losses against brute force over every triplet, the net's contract, and bad input.

Convention: ``torch.nn.functional.triplet_margin_loss`` computes ``||a - p + eps||`` with
``eps = 1e-6`` inside the norm; we use ``||a - p||`` (clamped at 1e-12 under the square root).
The difference is far below the stated 1e-5 for embeddings of ordinary size.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from helpers.nets import siamese as S  # noqa: E402
from helpers.nets.training import fit  # noqa: E402


# Brute-force references: every triplet, plain Python.
def _dist(e, i, j):
    return float(torch.linalg.norm(e[i] - e[j]))


def _batch_hard_brute(e, y, margin):
    losses = []
    for a in range(len(y)):
        pos = [_dist(e, a, p) for p in range(len(y)) if p != a and y[p] == y[a]]
        neg = [_dist(e, a, n) for n in range(len(y)) if y[n] != y[a]]
        if pos and neg:
            losses.append(max(max(pos) - min(neg) + margin, 0.0))
    return float(np.mean(losses)) if losses else 0.0


def _semihard_brute(e, y, margin):
    losses = []
    for a, p in itertools.permutations(range(len(y)), 2):
        if y[a] != y[p]:
            continue
        neg = [_dist(e, a, n) for n in range(len(y)) if y[n] != y[a]]
        if not neg:
            continue
        d_ap = _dist(e, a, p)
        farther = [d for d in neg if d > d_ap]
        d_an = min(farther) if farther else max(neg)
        losses.append(max(d_ap - d_an + margin, 0.0))
    return float(np.mean(losses)) if losses else 0.0


def test_triplet_loss_matches_torch_on_random_inputs():
    g = torch.Generator().manual_seed(0)
    worst = 0.0
    for _ in range(200):
        b, d = int(torch.randint(1, 64, (1,), generator=g)), int(torch.randint(1, 40, (1,),
                                                                               generator=g))
        a, p, n = (torch.randn(b, d, generator=g) for _ in range(3))
        margin = float(torch.rand(1, generator=g)) * 2
        ours = S.triplet_loss(a, p, n, margin=margin)
        ref = F.triplet_margin_loss(a, p, n, margin=margin)
        worst = max(worst, abs(float(ours) - float(ref)))
    assert worst < 1e-5


def test_triplet_loss_gradients_match_torch():
    g = torch.Generator().manual_seed(1)
    a = torch.randn(16, 8, generator=g, requires_grad=True)
    p, n = torch.randn(16, 8, generator=g), torch.randn(16, 8, generator=g)
    (ga,) = torch.autograd.grad(S.triplet_loss(a, p, n, margin=1.0), a)
    (gr,) = torch.autograd.grad(F.triplet_margin_loss(a, p, n, margin=1.0), a)
    torch.testing.assert_close(ga, gr, atol=1e-5, rtol=1e-4)


def test_triplet_loss_hand_example():
    a, p, n = torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]]), torch.tensor([[6.0, 0.0]])
    assert float(S.triplet_loss(a, p, n, margin=2.0)) == pytest.approx(1.0)   # 5 - 6 + 2
    assert float(S.triplet_loss(a, p, n, margin=0.5)) == 0.0


def test_distance_matrix_matches_cdist_and_has_finite_gradients():
    g = torch.Generator().manual_seed(2)
    e = torch.randn(20, 5, generator=g, dtype=torch.float64)
    torch.testing.assert_close(S.embedding_distance_matrix(e), torch.cdist(e, e), atol=1e-6,
                               rtol=0)
    x = torch.randn(6, 3, generator=g, requires_grad=True)
    S.embedding_distance_matrix(x).sum().backward()
    assert torch.isfinite(x.grad).all()


@pytest.mark.parametrize("loss, brute", [(S.batch_hard_triplet_loss, _batch_hard_brute),
                                         (S.batch_semihard_triplet_loss, _semihard_brute)])
def test_mining_losses_equal_brute_force(loss, brute):
    g = torch.Generator().manual_seed(3)
    for trial in range(40):
        b = int(torch.randint(2, 24, (1,), generator=g))
        e = torch.randn(b, 4, generator=g, dtype=torch.float64)
        if trial % 2:
            e = F.normalize(e, dim=1)
        y = torch.randint(0, 4, (b,), generator=g)
        margin = float(torch.rand(1, generator=g))
        assert float(loss(e, y, margin)) == pytest.approx(brute(e, y, margin), abs=1e-9)


def test_mining_losses_edge_cases_stay_finite_and_differentiable():
    for loss in (S.batch_hard_triplet_loss, S.batch_semihard_triplet_loss):
        e = torch.randn(4, 3, requires_grad=True)
        for y in (torch.zeros(4, dtype=torch.long),        # no negatives
                  torch.arange(4)):                         # no positives
            value = loss(e, y, 0.2)
            assert float(value.detach()) == 0.0
            value.backward()
            assert torch.isfinite(e.grad).all()
        # identical embeddings: every distance 0, the loss is the margin
        same = torch.zeros(4, 3)
        assert float(loss(same, torch.tensor([0, 0, 1, 1]), 0.3)) == pytest.approx(0.3)


def test_wrapper_and_metric():
    e = torch.tensor([[0.0], [1.0], [0.5], [3.0]])
    y = torch.tensor([0, 0, 1, 1])
    assert float(S.TripletMiningLoss(0.2, "hard")(e, y)) == float(
        S.batch_hard_triplet_loss(e, y, 0.2))
    assert float(S.TripletMiningLoss(0.2)(e, y)) == float(
        S.batch_semihard_triplet_loss(e, y, 0.2))
    assert "semihard" in repr(S.TripletMiningLoss())
    assert S.pair_auc(torch.tensor([[0.0], [0.1], [1.0], [1.2]]), torch.tensor([0, 0, 1, 1])) == 1.0


def test_net_contract_and_seeded_weights():
    torch.manual_seed(5)
    before = torch.rand(1)
    a, b = S.SiameseNet(embedding_dim=16, seed=3), S.SiameseNet(embedding_dim=16, seed=3)
    torch.manual_seed(5)
    assert torch.equal(torch.rand(1), before)               # global RNG untouched
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    out = a(torch.rand(7, 1, 28, 28))
    assert out.shape == (7, 16) and out.dtype == torch.float32
    torch.testing.assert_close(out.norm(dim=1), torch.ones(7))


def test_training_with_fit_separates_seen_digits():
    from helpers.image import to_tensor
    from helpers.verification import load_digit_verification_split

    split = load_digit_verification_split((7, 8, 9))
    keep = np.concatenate([np.flatnonzero(split.train_labels == k)[:60] for k in split.seen])
    x, y = to_tensor(split.train_images[keep]), torch.from_numpy(split.train_labels[keep])
    net, history = fit(S.SiameseNet(seed=0), (x, y), loss=S.TripletMiningLoss(0.2), epochs=4,
                       lr=3e-3, batch_size=64, val=(x, y), metrics={"AUC": S.pair_auc},
                       progress=False)
    assert history.loss[-1] < history.loss[0]
    assert history.metrics["AUC"][-1] > 0.9


@pytest.mark.parametrize("call, match", [
    (lambda: S.triplet_loss(np.zeros((2, 3)), torch.zeros(2, 3), torch.zeros(2, 3)),
     "anchor must be a torch.Tensor"),
    (lambda: S.triplet_loss(torch.zeros(2, 3), torch.zeros(2, 4), torch.zeros(2, 3)),
     "same shape"),
    (lambda: S.triplet_loss(torch.zeros(3), torch.zeros(3), torch.zeros(3)), "2-D"),
    (lambda: S.triplet_loss(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, 3), margin=-1),
     "margin must be >= 0"),
    (lambda: S.triplet_loss(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, 3),
                            margin=float("nan")), "margin must be finite"),
    (lambda: S.batch_hard_triplet_loss(torch.zeros(3, 2), torch.zeros(2, dtype=torch.long)),
     "one entry per embedding"),
    (lambda: S.batch_hard_triplet_loss(torch.zeros(3, 2), torch.zeros(3)), "integer tensor"),
    (lambda: S.batch_hard_triplet_loss(torch.zeros(3, 2, dtype=torch.long),
                                       torch.zeros(3, dtype=torch.long)), "float tensor"),
    (lambda: S.batch_semihard_triplet_loss(torch.zeros(5000, 2),
                                           torch.zeros(5000, dtype=torch.long)), "at most 4096"),
    (lambda: S.batch_semihard_triplet_loss(torch.full((2, 2), float("inf")),
                                           torch.zeros(2, dtype=torch.long)), "NaN or infinite"),
    (lambda: S.TripletMiningLoss(mining="easy"), "mining must be one of"),
    (lambda: S.TripletMiningLoss(margin=100), "margin must be"),
    (lambda: S.SiameseNet(embedding_dim=1), "embedding_dim must be"),
    (lambda: S.SiameseNet(width=10**6), "width must be"),
    (lambda: S.SiameseNet()(torch.zeros(2, 28, 28)), r"\(N, 1, 28, 28\)"),
    (lambda: S.SiameseNet()(np.zeros((2, 1, 28, 28))), r"\(N, 1, 28, 28\)"),
])
def test_bad_input_is_refused_with_a_clear_message(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
