"""A tiny MultiPath (chapter 22): a probability for each anchor trajectory, and offsets from it.

* :class:`MultiPathNet`: a small fully connected network from an agent's past positions and
  its distance to the junction to ``K`` anchor logits and ``K x T x 2`` offsets.
* :func:`multipath_loss`: cross-entropy towards the nearest anchor plus the squared error of
  that anchor's offsets (MultiPath's loss with a fixed unit covariance).
* :func:`train_multipath` (through :func:`helpers.nets.training.fit`, targets from
  :func:`helpers.trajectories.anchor_targets`) and :func:`multipath_predict`.

Trajectories are ``(N, T, 2)`` metres in the lane frame (:mod:`helpers.trajectories`).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 - torch's own convention
from torch import nn

from .._validation import as_array, check_bool, check_float, check_instance, check_int, check_tensor
from ..trajectories import anchor_targets
from .history import History
from .training import fit, predict

__all__ = ["MULTIPATH_RECIPE", "MultiPathNet", "multipath_features", "multipath_loss",
           "multipath_predict", "train_multipath"]

MAX_STEPS = 64
MAX_ANCHORS = 256
MAX_HIDDEN = 4096
MAX_AGENTS = 1_000_000
#: Chapter 22's MultiPath, shared by its notebook and ``bench/cases_frontiers.py`` (read-only):
#: :func:`helpers.trajectories.make_agent_dataset` with ``history`` past and ``future`` future
#: positions, ``train_agents`` from seed ``train_seed`` and ``test_agents`` held out from
#: ``test_seed``; ``anchors`` anchor trajectories (:func:`helpers.trajectories.trajectory_anchors`
#: with seed ``anchor_seed``); :class:`MultiPathNet` seeing ``history_len`` positions, trained
#: by :func:`train_multipath` with ``epochs``, ``batch_size`` and ``lr``.
MULTIPATH_RECIPE = MappingProxyType({
    "train_agents": 4000, "train_seed": 1, "test_agents": 1000, "test_seed": 2, "history": 8,
    "future": 12, "anchors": 8, "anchor_seed": 0, "history_len": 8, "epochs": 15,
    "batch_size": 128, "lr": 1e-2,
})
#: Inputs are divided by this many metres, so they are of order 1.
INPUT_SCALE = 10.0


def multipath_features(history: Any, distance: Any, *, history_len: int) -> np.ndarray:
    """The network's input: the last ``history_len`` positions and the junction's distance.

    Parameters
    ----------
    history : (N, T_h, 2) array_like
        Past positions (the current one last), T_h >= ``history_len``.
    distance : (N,) array_like
        Metres to the junction (the map context).
    history_len : int
        Positions used, 1 to 64 (1: only the current position, i.e. no motion at all).

    Returns
    -------
    (N, 2 history_len + 1) ndarray of float32
        Positions relative to the current one, then the distance, all divided by 10 m.

    Examples
    --------
    >>> multipath_features(np.zeros((1, 3, 2)), [20.0], history_len=2).tolist()
    [[0.0, 0.0, 0.0, 0.0, 2.0]]
    """
    hist = as_array(history, "history", ndim=3, shape_hint="(N, T_h, 2)")
    dist = as_array(distance, "distance", ndim=1, shape_hint="(N,)")
    h = check_int(history_len, "history_len", min=1, max=MAX_STEPS)
    if hist.shape[-1] != 2 or hist.shape[1] < h or len(dist) != len(hist):
        raise ValueError(f"history must be (N, T_h >= {h}, 2) and distance (N,); got "
                         f"{hist.shape} and {dist.shape}")
    if len(hist) > MAX_AGENTS:
        raise ValueError(f"at most {MAX_AGENTS:,} agents; got {len(hist):,}")
    recent = hist[:, -h:] - hist[:, -1:]
    feats = np.concatenate([recent.reshape(len(hist), -1), dist[:, None]], 1) / INPUT_SCALE
    return feats.astype(np.float32)


class MultiPathNet(nn.Module):
    """Anchor probabilities and per-anchor offsets from an agent's features.

    Parameters
    ----------
    anchors : (K, T, 2) array_like
        The anchor trajectories (:func:`helpers.trajectories.trajectory_anchors`); stored as a
        buffer, never trained.
    history_len : int
        Positions in the input (:func:`multipath_features`), 1 to 64.
    hidden : int
        Units of the two hidden layers (1 to 4,096).
    seed : int
        Seeds the weight initialisation (torch's global RNG is left as it was).

    Notes
    -----
    ``(N, 2 h + 1)`` features -> ``(N, K + 2 K T)``: K logits, then the offsets of every
    anchor. A real MultiPath reads a bird's-eye raster of the scene with a CNN; the toy's
    "scene" is one number (the junction's distance), so two hidden layers suffice. MultiPath
    also predicts a covariance per step; here it is fixed to the identity.

    References
    ----------
    Chai et al., "MultiPath", CoRL 2019. Used in chapters/22_frontiers_search.ipynb.

    Examples
    --------
    >>> net = MultiPathNet(np.zeros((3, 12, 2)), history_len=4)
    >>> tuple(net(torch.zeros(5, 9)).shape)
    (5, 75)
    """

    def __init__(self, anchors: Any, *, history_len: int, hidden: int = 64,
                 seed: int = 0) -> None:
        super().__init__()
        a = as_array(anchors, "anchors", ndim=3, shape_hint="(K, T, 2)")
        if a.shape[-1] != 2 or len(a) > MAX_ANCHORS or a.shape[1] > MAX_STEPS:
            raise ValueError(f"anchors must be (K <= {MAX_ANCHORS}, T <= {MAX_STEPS}, 2); got "
                             f"{a.shape}")
        self.history_len = check_int(history_len, "history_len", min=1, max=MAX_STEPS)
        hidden = check_int(hidden, "hidden", min=1, max=MAX_HIDDEN)
        seed = check_int(seed, "seed", min=0)
        self.register_buffer("anchors", torch.tensor(a, dtype=torch.float32))
        k, t = a.shape[:2]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.mlp = nn.Sequential(nn.Linear(2 * self.history_len + 1, hidden), nn.ReLU(),
                                     nn.Linear(hidden, hidden), nn.ReLU(),
                                     nn.Linear(hidden, k + 2 * k * t))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = check_tensor(x, "x", ndim=2)
        if x.shape[1] != 2 * self.history_len + 1:
            raise ValueError(f"x must be (N, {2 * self.history_len + 1}) features "
                             f"(multipath_features with history_len={self.history_len}); got "
                             f"shape {tuple(x.shape)}")
        return self.mlp(x)


def multipath_loss(out: torch.Tensor, index: torch.Tensor, residual: torch.Tensor
                   ) -> torch.Tensor:
    """MultiPath's loss with hard assignment and unit covariance.

    Parameters
    ----------
    out : (N, K + 2 K T) torch.Tensor
        :class:`MultiPathNet`'s output.
    index : (N,) torch.Tensor of int64
        Nearest anchor of each true future (:func:`helpers.trajectories.anchor_targets`).
    residual : (N, T, 2) torch.Tensor
        True future minus that anchor.

    Returns
    -------
    scalar torch.Tensor

    Notes
    -----
    .. math:: L = -\\log \\pi_{k^*} + \\frac{1}{2T} \\sum_t \\lVert \\mu^{k^*}_t - (s_t -
              a^{k^*}_t) \\rVert^2

    the negative log-likelihood of the true future under the mixture component of its nearest
    anchor, with Gaussians of unit covariance (1 m per axis), up to a constant; averaged over
    the batch. The offsets of the other anchors get no gradient from this agent.

    References
    ----------
    Chai et al., "MultiPath", CoRL 2019, equation (2). Used in chapters/22_frontiers_search.ipynb.

    Examples
    --------
    >>> out = torch.zeros(1, 2 + 2 * 2 * 3)
    >>> round(float(multipath_loss(out, torch.tensor([0]), torch.ones(1, 3, 2))), 4)
    1.6931
    """
    out = check_tensor(out, "out", ndim=2)
    check_instance(index, "index", torch.Tensor, "a torch.Tensor (N,) of anchor indices")
    residual = check_tensor(residual, "residual", ndim=3)
    if residual.ndim != 3 or out.ndim != 2 or index.shape != out.shape[:1] or \
            residual.shape[0] != out.shape[0]:
        raise ValueError(f"out must be (N, K + 2KT), index (N,) and residual (N, T, 2); got "
                         f"{tuple(out.shape)}, {tuple(index.shape)} and {tuple(residual.shape)}")
    n, t = residual.shape[:2]
    k = out.shape[1] // (1 + 2 * t)
    if out.shape[1] != k * (1 + 2 * t):
        raise ValueError(f"out has {out.shape[1]} columns, not K (1 + 2T) for T = {t}")
    if n and (bool((index < 0).any()) or bool((index >= k).any())):
        raise ValueError(f"index must hold anchor indices in [0, {k}); got values from "
                         f"{int(index.min())} to {int(index.max())}")
    logits, offsets = out[:, :k], out[:, k:].reshape(n, k, t, 2)
    chosen = offsets[torch.arange(n), index.long()]
    return F.cross_entropy(logits, index.long()) + 0.5 * ((chosen - residual) ** 2).sum((1, 2)
                                                                                      ).mean() / t


def train_multipath(
    model: MultiPathNet,
    history: Any,
    distance: Any,
    future: Any,
    *,
    epochs: int = 30,
    batch_size: int = 128,
    lr: float = 3e-3,
    seed: int = 0,
    progress: bool = True,
) -> tuple[MultiPathNet, History]:
    """Train a :class:`MultiPathNet` (Adam, cosine schedule) on agents with known futures.

    Parameters
    ----------
    model : MultiPathNet
        Trained in place (and returned); its anchors define the targets.
    history : (N, T_h, 2) array_like
    distance : (N,) array_like
    future : (N, T, 2) array_like
        T must be the anchors' length.
    epochs : int
        Passes over the agents (1 to 1,000).
    batch_size : int
        Agents per step (1 to 1,000,000).
    lr : float
        Initial learning rate, in (0, 1].
    seed : int
        Seeds the batch order.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    model : MultiPathNet
    history : helpers.nets.history.History

    Examples
    --------
    >>> from helpers.trajectories import make_agent_dataset, trajectory_anchors
    >>> d = make_agent_dataset(64, rng=0)
    >>> net = MultiPathNet(trajectory_anchors(d["future"], 3, rng=0), history_len=4)
    >>> net, h = train_multipath(net, d["history"], d["distance"], d["future"], epochs=1,
    ...                          progress=False)
    >>> len(h)
    1
    """
    check_instance(model, "model", MultiPathNet)
    x = multipath_features(history, distance, history_len=model.history_len)
    future = as_array(future, "future", ndim=3, shape_hint="(N, T, 2)")
    index, residual = anchor_targets(future, model.anchors.numpy())
    epochs = check_int(epochs, "epochs", min=1, max=1000)
    batch_size = check_int(batch_size, "batch_size", min=1, max=MAX_AGENTS)
    lr = check_float(lr, "lr", min=0, max=1, min_inclusive=False)
    seed = check_int(seed, "seed", min=0)
    progress = check_bool(progress, "progress")
    if len(index) != len(x):
        raise ValueError(f"future must have one trajectory per agent; got {len(index)} for "
                         f"{len(x)} agents")
    return fit(model, (torch.from_numpy(x), torch.from_numpy(index),
                       torch.from_numpy(residual.astype(np.float32))),
               loss=multipath_loss, epochs=epochs, lr=lr, batch_size=batch_size,
               schedule="cosine", seed=seed, progress=progress, desc="training MultiPath")


def multipath_predict(model: MultiPathNet, history: Any, distance: Any
                      ) -> tuple[np.ndarray, np.ndarray]:
    """The predicted mixture: a trajectory and a probability per anchor.

    Parameters
    ----------
    model : MultiPathNet
    history : (N, T_h, 2) array_like
    distance : (N,) array_like

    Returns
    -------
    modes : (N, K, T, 2) ndarray of float64
        Anchor + predicted offset, for every anchor.
    probabilities : (N, K) ndarray of float64
        Softmax of the logits.

    Examples
    --------
    >>> net = MultiPathNet(np.zeros((3, 12, 2)), history_len=2)
    >>> modes, probs = multipath_predict(net, np.zeros((4, 8, 2)), np.zeros(4))
    >>> modes.shape, probs.sum(axis=1).round(6).tolist()
    ((4, 3, 12, 2), [1.0, 1.0, 1.0, 1.0])
    """
    check_instance(model, "model", MultiPathNet)
    x = torch.from_numpy(multipath_features(history, distance, history_len=model.history_len))
    out = predict(model, x).double()
    k, t = model.anchors.shape[:2]
    probs = torch.softmax(out[:, :k], 1).numpy()
    modes = model.anchors.double()[None] + out[:, k:].reshape(-1, k, t, 2)
    return modes.numpy(), probs
