"""A Siamese embedding network and the triplet loss, with online hard and semi-hard mining.

Used in chapters/15_faces.ipynb.

"Siamese" describes how the net is *used*, not a special architecture: one network (one set of
weights) embeds every image, and two images are compared by the distance between their
embeddings. :class:`SiameseNet` maps a 28 x 28 digit to a unit vector; the triplet loss
(:func:`triplet_loss`) trains it so that an anchor lies closer to a positive (same identity)
than to a negative (another identity) by at least a margin.

Which triplets? Most random triplets already satisfy the margin and teach nothing, so the
triplets are *mined* inside each mini-batch from the distance matrix of its embeddings
(:func:`embedding_distance_matrix`): :func:`batch_hard_triplet_loss` takes, for every anchor,
its farthest positive and nearest negative; :func:`batch_semihard_triplet_loss` takes, for
every anchor-positive pair, the nearest negative that is still farther than the positive.
:class:`TripletMiningLoss` wraps either as ``loss(embeddings, labels)`` for
:func:`helpers.nets.training.fit`; :func:`pair_auc` is a ``fit`` metric.

Distances are Euclidean (not squared), as in ``torch.nn.functional.triplet_margin_loss``.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .._validation import check_choice, check_float, check_int, check_tensor, describe

__all__ = [
    "SiameseNet",
    "TripletMiningLoss",
    "batch_hard_triplet_loss",
    "batch_semihard_triplet_loss",
    "embedding_distance_matrix",
    "pair_auc",
    "triplet_loss",
]

MAX_BATCH = 4_096         # the mining losses build a (B, B) distance matrix
MAX_MARGIN = 10.0
MINING = ("hard", "semihard")
#: Mean and standard deviation of MNIST pixels in [0, 1]; the net standardises its input.
DIGIT_MEAN, DIGIT_STD = 0.1307, 0.3081


class SiameseNet(nn.Module):
    """A small CNN that maps a 28 x 28 gray digit to a unit-length embedding.

    Parameters
    ----------
    embedding_dim : int
        D, the length of the embedding (2 to 512).
    width : int
        Channels of the first convolution (the second has twice as many), 4 to 128.
    seed : int
        Seeds the initial weights (inside ``torch.random.fork_rng``: global state untouched).

    Notes
    -----
    ``(N, 1, 28, 28)`` in [0, 1] -> standardise -> conv 5x5 (width) -> ReLU -> max-pool 2 ->
    conv 5x5 (2 width) -> ReLU -> max-pool 2 -> flatten (2 width x 4 x 4) -> linear 64 ->
    ReLU -> linear D -> divide by the length: :math:`f(x) = g(x) / \\lVert g(x) \\rVert_2`.
    On the unit sphere, distances lie in [0, 2] and a margin has a fixed meaning
    (FaceNet does the same).

    References
    ----------
    J. Bromley et al., "Signature verification using a Siamese time delay neural network",
    NIPS 1993. F. Schroff, D. Kalenichenko, J. Philbin, "FaceNet: a unified embedding for face
    recognition and clustering", CVPR 2015. Used in chapters/15_faces.ipynb.

    Examples
    --------
    >>> net = SiameseNet(embedding_dim=8)
    >>> e = net(torch.zeros(3, 1, 28, 28))
    >>> tuple(e.shape), round(float(e.detach().norm(dim=1)[0]), 4)
    ((3, 8), 1.0)
    """

    def __init__(self, embedding_dim: int = 32, width: int = 16, seed: int = 0) -> None:
        super().__init__()
        self.embedding_dim = check_int(embedding_dim, "embedding_dim", min=2, max=512)
        width = check_int(width, "width", min=4, max=128)
        seed = check_int(seed, "seed", min=0, max=2**32 - 1)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.conv1 = nn.Conv2d(1, width, 5)
            self.conv2 = nn.Conv2d(width, 2 * width, 5)
            self.fc1 = nn.Linear(2 * width * 4 * 4, 64)
            self.fc2 = nn.Linear(64, self.embedding_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, 1, 28, 28)`` float in [0, 1] (:func:`helpers.image.to_tensor`) -> ``(N, D)``."""
        check_tensor(x, "x", ndim=4, channels=1, shape_hint="(N, 1, 28, 28) of digits")
        if tuple(x.shape[1:]) != (1, 28, 28):
            shape = tuple(x.shape)
            raise ValueError(f"x must be a (N, 1, 28, 28) float tensor of digits; got {shape} - "
                             "convert images with helpers.image.to_tensor")
        x = (x - DIGIT_MEAN) / DIGIT_STD
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.fc2(F.relu(self.fc1(x.flatten(1))))
        return F.normalize(x, dim=1)


# -- argument checks ---------------------------------------------------------------------------
def _check_tensor(value: Any, name: str, ndim: int) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor; got {describe(value)}")
    if value.ndim != ndim or value.numel() == 0:
        want = "(B, D)" if ndim == 2 else "(B,)"
        raise ValueError(f"{name} must be a non-empty {ndim}-D tensor {want}; got shape "
                         f"{tuple(value.shape)}")
    return value


def _check_embeddings(embeddings: Any, name: str = "embeddings") -> torch.Tensor:
    e = _check_tensor(embeddings, name, 2)
    if not e.is_floating_point():
        raise TypeError(f"{name} must be a float tensor; got dtype {e.dtype}")
    if len(e) > MAX_BATCH:
        raise ValueError(f"{name} must hold at most {MAX_BATCH} rows (a (B, B) matrix is built); "
                         f"got {len(e)}")
    if not bool(torch.isfinite(e).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    return e


def _check_batch(embeddings: Any, labels: Any, margin: Any) -> tuple[torch.Tensor, ...]:
    e = _check_embeddings(embeddings)
    y = _check_tensor(labels, "labels", 1)
    if y.is_floating_point() or y.is_complex():
        raise TypeError(f"labels must be an integer tensor of identities; got dtype {y.dtype}")
    if len(y) != len(e):
        raise ValueError(f"labels must have one entry per embedding ({len(e)}); got {len(y)}")
    margin = check_float(margin, "margin", min=0, max=MAX_MARGIN)
    return e, y, margin


def embedding_distance_matrix(embeddings: torch.Tensor) -> torch.Tensor:
    """Euclidean distances between all rows, ``(B, B)``, differentiable everywhere.

    Parameters
    ----------
    embeddings : (B, D) torch.Tensor of float

    Returns
    -------
    (B, B) torch.Tensor

    Notes
    -----
    :math:`d_{ij}^2 = \\lVert e_i \\rVert^2 + \\lVert e_j \\rVert^2 - 2 e_i^\\top e_j` (one
    matrix product), clamped at :math:`10^{-12}` before the square root: the gradient of
    :math:`\\sqrt{\\cdot}` is infinite at 0, and the diagonal is exactly 0.

    Examples
    --------
    >>> embedding_distance_matrix(torch.tensor([[0.0, 0.0], [3.0, 4.0]])).round(decimals=4)
    tensor([[0., 5.],
            [5., 0.]])
    """
    e = _check_embeddings(embeddings)
    sq = (e * e).sum(dim=1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * e @ e.T
    return d2.clamp_min(1e-12).sqrt()


def triplet_loss(
    anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor, margin: float = 0.2
) -> torch.Tensor:
    """The triplet loss :math:`\\max(d(a, p) - d(a, n) + \\alpha, 0)`, averaged over triplets.

    Parameters
    ----------
    anchor, positive, negative : (B, D) torch.Tensor of float
        Row i of each forms triplet i.
    margin : float
        :math:`\\alpha`, in [0, 10].

    Returns
    -------
    torch.Tensor
        A scalar.

    Notes
    -----
    :math:`d` is the Euclidean distance. Agrees with
    ``torch.nn.functional.triplet_margin_loss(anchor, positive, negative, margin=margin)``
    within 1e-5 (torch adds :math:`\\epsilon = 10^{-6}` to each difference before taking the
    norm, we do not).

    References
    ----------
    K. Weinberger, L. Saul, "Distance metric learning for large margin nearest neighbor
    classification", JMLR 2009. Schroff et al., FaceNet, CVPR 2015.

    Examples
    --------
    >>> a, p, n = torch.tensor([[0.0, 0.0]]), torch.tensor([[0.3, 0.4]]), torch.tensor([[0.6, 0.0]])
    >>> round(float(triplet_loss(a, p, n, margin=0.2)), 6)     # 0.5 - 0.6 + 0.2
    0.1
    """
    a = _check_embeddings(anchor, "anchor")
    p = _check_embeddings(positive, "positive")
    n = _check_embeddings(negative, "negative")
    if not (a.shape == p.shape == n.shape):
        raise ValueError(f"anchor, positive and negative must have the same shape; got "
                         f"{tuple(a.shape)}, {tuple(p.shape)}, {tuple(n.shape)}")
    margin = check_float(margin, "margin", min=0, max=MAX_MARGIN)
    d_ap = ((a - p) ** 2).sum(dim=1).clamp_min(1e-12).sqrt()
    d_an = ((a - n) ** 2).sum(dim=1).clamp_min(1e-12).sqrt()
    return F.relu(d_ap - d_an + margin).mean()


def batch_hard_triplet_loss(
    embeddings: torch.Tensor, labels: torch.Tensor, margin: float = 0.2
) -> torch.Tensor:
    """Batch-hard triplet loss: each anchor with its farthest positive and nearest negative.

    Parameters
    ----------
    embeddings : (B, D) torch.Tensor of float
        B at most 4,096.
    labels : (B,) torch.Tensor of int
        Identity of each row.
    margin : float
        In [0, 10].

    Returns
    -------
    torch.Tensor
        Scalar: :math:`\\frac{1}{|A|} \\sum_{a \\in A} \\max(\\max_{p} d_{ap} - \\min_{n} d_{an} +
        \\alpha, 0)` over the anchors A that have at least one positive (same label, another
        row) and one negative in the batch; 0 (still differentiable) if there are none.

    References
    ----------
    A. Hermans, L. Beyer, B. Leibe, "In defense of the triplet loss for person
    re-identification", arXiv:1703.07737, 2017. Used in chapters/15_faces.ipynb (exercise).

    Examples
    --------
    >>> e = torch.tensor([[0.0], [1.0], [0.5], [3.0]]); y = torch.tensor([0, 0, 1, 1])
    >>> # anchors 0, 1, 3: hardest positive 1, 1, 2.5, nearest negative 0.5, 0.5, 2 -> 0.7 each;
    >>> # anchor 2 (at 0.5): positive 2.5 away, negatives 0.5 away -> 2.5 - 0.5 + 0.2 = 2.2
    >>> round(float(batch_hard_triplet_loss(e, y, margin=0.2)), 6)   # (3 x 0.7 + 2.2) / 4
    1.075
    """
    e, y, margin = _check_batch(embeddings, labels, margin)
    d = embedding_distance_matrix(e)
    same = y[:, None] == y[None, :]
    eye = torch.eye(len(y), dtype=torch.bool, device=e.device)
    positive = same & ~eye
    valid = positive.any(dim=1) & (~same).any(dim=1)
    if not bool(valid.any()):
        return e.sum() * 0.0
    hardest_pos = d.masked_fill(~positive, float("-inf")).amax(dim=1)
    hardest_neg = d.masked_fill(same, float("inf")).amin(dim=1)
    return F.relu(hardest_pos - hardest_neg + margin)[valid].mean()


def batch_semihard_triplet_loss(
    embeddings: torch.Tensor, labels: torch.Tensor, margin: float = 0.2
) -> torch.Tensor:
    """Semi-hard triplet loss: every anchor-positive pair with its nearest farther negative.

    Parameters
    ----------
    embeddings : (B, D) torch.Tensor of float
        B at most 4,096.
    labels : (B,) torch.Tensor of int
    margin : float
        In [0, 10].

    Returns
    -------
    torch.Tensor
        Scalar: the mean over anchor-positive pairs (a, p) whose anchor has a negative of
        :math:`\\max(d_{ap} - d_{an^*} + \\alpha, 0)`; 0 if there is no such pair.

    Notes
    -----
    FaceNet's choice: the negative :math:`n^*` is the nearest one with
    :math:`d_{an} > d_{ap}` (the nearest that does not already beat the positive, so it lies
    in the margin band if any does); if every negative is closer than the positive, the
    farthest negative is used (as TensorFlow Addons' ``TripletSemiHardLoss``). The very
    hardest negatives, FaceNet reports, "can in practice lead to bad local minima early on in
    training" (a collapsed model).

    References
    ----------
    Schroff et al., FaceNet, CVPR 2015, section 3.2. Used in chapters/15_faces.ipynb.

    Examples
    --------
    >>> e = torch.tensor([[0.0], [1.0], [0.5], [3.0]]); y = torch.tensor([0, 0, 1, 1])
    >>> # only the pair (2, 3) is not satisfied: no negative of 2 beyond 2.5, farthest is 0.5
    >>> round(float(batch_semihard_triplet_loss(e, y, margin=0.2)), 6)   # 2.2 / 4 pairs
    0.55
    """
    e, y, margin = _check_batch(embeddings, labels, margin)
    d = embedding_distance_matrix(e)
    same = y[:, None] == y[None, :]
    eye = torch.eye(len(y), dtype=torch.bool, device=e.device)
    pairs = same & ~eye & (~same).any(dim=1, keepdim=True)     # (a, p) with a negative for a
    if not bool(pairs.any()):
        return e.sum() * 0.0
    # Each anchor's negative distances, sorted (positives pushed to +inf at the end); for each
    # (a, p) the first sorted negative beyond d_ap is the semi-hard one.
    neg_sorted, _ = d.masked_fill(same, float("inf")).sort(dim=1)
    index = torch.searchsorted(neg_sorted.detach().contiguous(), d.detach().contiguous(),
                               right=True).clamp_max(len(y) - 1)
    semihard = neg_sorted.gather(1, index)
    farthest = d.masked_fill(same, float("-inf")).amax(dim=1, keepdim=True).expand_as(d)
    negative = torch.where(torch.isfinite(semihard), semihard, farthest)
    return F.relu(d - negative + margin)[pairs].mean()


class TripletMiningLoss(nn.Module):
    """``loss(embeddings, labels)`` for :func:`helpers.nets.training.fit`: mined triplets.

    Parameters
    ----------
    margin : float
        :math:`\\alpha`, in [0, 10]; with unit embeddings distances lie in [0, 2].
    mining : {"semihard", "hard"}
        :func:`batch_semihard_triplet_loss` or :func:`batch_hard_triplet_loss`.

    Examples
    --------
    >>> loss = TripletMiningLoss(margin=0.2, mining="hard")
    >>> e = torch.tensor([[0.0], [1.0], [0.5], [3.0]]); y = torch.tensor([0, 0, 1, 1])
    >>> round(float(loss(e, y)), 6)
    1.075
    """

    def __init__(self, margin: float = 0.2, mining: str = "semihard") -> None:
        super().__init__()
        self.margin = check_float(margin, "margin", min=0, max=MAX_MARGIN)
        self.mining = check_choice(mining, "mining", MINING)

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        fn = batch_semihard_triplet_loss if self.mining == "semihard" else batch_hard_triplet_loss
        return fn(embeddings, labels, self.margin)

    def extra_repr(self) -> str:
        return f"margin={self.margin}, mining={self.mining!r}"


def pair_auc(embeddings: torch.Tensor, labels: torch.Tensor) -> float:
    """Verification AUC over every pair of a set of embeddings (a metric for ``fit``).

    Parameters
    ----------
    embeddings : (N, D) torch.Tensor
        N at most 4,096.
    labels : (N,) torch.Tensor of int

    Returns
    -------
    float
        :func:`helpers.verification.verification_auc` of all pairs.

    Examples
    --------
    >>> pair_auc(torch.tensor([[0.0], [0.1], [1.0], [1.2]]), torch.tensor([0, 0, 1, 1]))
    1.0
    """
    from ..verification import pair_distances, verification_auc

    e = _check_embeddings(embeddings)
    y = _check_tensor(labels, "labels", 1)
    distances, same = pair_distances(e.detach().cpu().numpy(), y.detach().cpu().numpy())
    return verification_auc(distances, same)
