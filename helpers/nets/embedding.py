"""Deep SORT's appearance embedding: a small CNN from a person crop to a unit 128-d vector,
and the cosine-softmax head it is trained with (chapter 21).

The training data, the trainer and the shipped weights live in
:mod:`helpers.tracking.embedding`; this module holds only the two networks. The parameter names
(``features.0.weight`` ... ``fc.bias``) are those of the shipped checkpoint
``data/tracking_embedding.npz``: keep them when editing the layers.
"""

from __future__ import annotations

import torch
from torch import nn

from .._validation import check_int, check_tensor
from .blocks import conv_bn_relu

__all__ = ["CosineSoftmax", "EmbeddingNet"]

MAX_DIM = 4096
MAX_CLASSES = 100_000
MAX_HEAD_WEIGHTS = 50_000_000  # n_classes * dim: 200 MB of float32
MAX_SEED = 2**32 - 1


class EmbeddingNet(nn.Module):
    """Four conv blocks (32-64-96-128 channels), global average pool, linear, L2 norm.

    Parameters
    ----------
    dim : int in [1, 4096]
        Length of the embedding (128 in Deep SORT).
    seed : int in [0, 2**32 - 1]
        Seeds the weight initialisation (torch's global RNG is left as it was).

    Notes
    -----
    Input ``(N, 3, 64, 32)`` float in [0, 1] (crops through :func:`helpers.image.to_tensor`);
    output :math:`f / \\lVert f \\rVert`, ``(N, dim)`` unit vectors, so that the cosine distance
    the tracker compares is :math:`1 - f_a^\\top f_b`. The first convolution has stride 2 and is
    followed by a pool: the crop is 64 x 32 but a walker's identity is mostly in colours and
    coarse texture, so the net works at 16 x 8 and 8 x 4 right away, which keeps it fast enough
    for 20 crops per frame on a CPU (about 200,000 parameters, 7 million multiply-adds per crop).

    References
    ----------
    N. Wojke, A. Bewley, "Deep Cosine Metric Learning for Person Re-identification", WACV 2018.
    Used in chapters/21_deep_sort.ipynb.

    Examples
    --------
    >>> net = EmbeddingNet(seed=0).eval()
    >>> f = net(torch.rand(2, 3, 64, 32))
    >>> tuple(f.shape), bool(torch.allclose(f.norm(dim=1), torch.ones(2)))
    ((2, 128), True)
    """

    def __init__(self, dim: int = 128, *, seed: int = 0) -> None:
        super().__init__()
        dim = check_int(dim, "dim", min=1, max=MAX_DIM)
        seed = check_int(seed, "seed", min=0, max=MAX_SEED)
        with torch.random.fork_rng(devices=[]):  # seeded weights, global RNG untouched
            torch.manual_seed(seed)
            self.features = nn.Sequential(
                *conv_bn_relu(3, 32, stride=2, pool=True, inplace=True),
                *conv_bn_relu(32, 64, pool=True, inplace=True),
                *conv_bn_relu(64, 96, inplace=True),
                *conv_bn_relu(96, 128, inplace=True),
            )
            self.fc = nn.Linear(128, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_tensor(x, "x", ndim=4, channels=3, shape_hint="(N, 3, 64, 32)")
        x = self.features(x).mean(dim=(2, 3))               # global average pool: (N, 128)
        return nn.functional.normalize(self.fc(x), dim=1)    # unit length: direction only


class CosineSoftmax(nn.Module):
    """Classifier head on unit features: logits :math:`\\kappa \\cos\\theta_k`, kappa learned.

    Parameters
    ----------
    dim : int in [1, 4096]
        Feature length (the :class:`EmbeddingNet`'s ``dim``).
    n_classes : int in [1, 100000]
        Training identities (``n_classes * dim`` at most 50 million).
    seed : int in [0, 2**32 - 1]
        Seeds the class weights.

    Notes
    -----
    :math:`z_k = \\kappa\\, \\hat w_k^\\top \\hat f` with unit class weights :math:`\\hat w_k`
    and unit features :math:`\\hat f`: the only way to separate identities is by direction,
    exactly the quantity the tracker compares. :math:`\\kappa = e^{s}` (``log_scale``) starts
    near 10 and is learned; without it the softmax of cosines in [-1, 1] could not become
    confident. At test time the head is dropped.

    References
    ----------
    Wojke & Bewley (2018), see :class:`EmbeddingNet`. Used in chapters/21_deep_sort.ipynb.

    Examples
    --------
    >>> head = CosineSoftmax(4, 3)
    >>> head(nn.functional.normalize(torch.ones(2, 4), dim=1)).shape
    torch.Size([2, 3])
    """

    def __init__(self, dim: int, n_classes: int, *, seed: int = 0) -> None:
        super().__init__()
        dim = check_int(dim, "dim", min=1, max=MAX_DIM)
        n_classes = check_int(n_classes, "n_classes", min=1, max=MAX_CLASSES)
        if n_classes * dim > MAX_HEAD_WEIGHTS:
            raise ValueError(f"n_classes * dim must be at most {MAX_HEAD_WEIGHTS:,}; got "
                             f"{n_classes} * {dim} = {n_classes * dim:,}")
        seed = check_int(seed, "seed", min=0, max=MAX_SEED)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.weight = nn.Parameter(torch.randn(n_classes, dim) * 0.01)
        self.log_scale = nn.Parameter(torch.tensor(2.3))  # kappa = e^2.3, about 10

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        dim = self.weight.shape[1]
        check_tensor(f, "f", ndim=2, shape_hint=f"(N, {dim}) embeddings")
        if f.shape[1] != dim:
            raise ValueError(f"f must be (N, {dim}) embeddings; got shape {tuple(f.shape)}")
        w = nn.functional.normalize(self.weight, dim=1)
        return self.log_scale.exp() * f @ w.T
