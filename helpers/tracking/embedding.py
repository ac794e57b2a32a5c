"""The appearance embedding: a small CNN that maps a person crop to a unit 128-d vector.

Crops of the same walker should land close together (small cosine distance), crops of
different walkers far apart, *including walkers never seen in training*: Deep SORT meets new
people all the time. So the net is trained as a classifier over the identities of some training
scenes with a **cosine-softmax** head (Wojke & Bewley 2018): logits are
:math:`\\kappa \\, \\hat w_k^\\top \\hat f` with unit class weights :math:`\\hat w_k` and unit
features :math:`\\hat f`, so the only way to separate identities is by direction, exactly the
quantity the tracker compares. At test time the head is dropped and :math:`\\hat f` is the
embedding.

Training seeds (:data:`TRAINING_SEEDS`) are disjoint from the seeds the course evaluates on;
the benchmark warns when asked to evaluate on one of them. The shipped weights
``data/tracking_embedding.npz`` were made by::

    python -m helpers.tracking.embedding --out data/tracking_embedding.npz

(defaults: the 12 training seeds, 6 epochs, seed 0, one torch thread; on CPU, torch makes it
reproducible up to floating-point summation order, so a retrained file can differ in the last
bits.)

torch is imported inside the functions that need it, so ``import helpers.tracking`` stays light.
Used in chapters/21_deep_sort.ipynb.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import as_array, check_image, check_int
from ..boxes import _check_boxes
from .detector import Detections, simulate_detections
from .scene import Scene, make_scene, render_frame

__all__ = [
    "CROP_SIZE",
    "EMBEDDING_FILE",
    "TRAINING_SEEDS",
    "crop_boxes",
    "embed",
    "embedding_net",
    "load_embedding",
    "save_embedding",
    "sequence_features",
    "train_embedding",
    "training_crops",
]

#: (height, width) of the crops the net sees; walkers are about 2.5 times taller than wide.
CROP_SIZE = (64, 32)
#: Scenes whose walkers train the net; never used for evaluation.
TRAINING_SEEDS = tuple(range(9000, 9012))
#: The shipped weights, in data/ (listed with its checksum in data/manifest.json).
EMBEDDING_FILE = "tracking_embedding.npz"


def crop_boxes(frame: Any, boxes: Any, size: tuple[int, int] = CROP_SIZE) -> np.ndarray:
    """Cut each box out of a frame and resample it to ``size`` (nearest neighbour).

    Parameters
    ----------
    frame : (H, W, 3) ndarray of uint8
    boxes : (N, 4) array_like, xyxy
        May extend past the border: outside pixels repeat the edge.
    size : (h, w)

    Returns
    -------
    (N, h, w, 3) ndarray of uint8

    Examples
    --------
    >>> frame = np.zeros((10, 10, 3), np.uint8); frame[:, 5:] = 255
    >>> crop_boxes(frame, [[0, 0, 10, 10]], size=(2, 2))[0, :, :, 0]
    array([[  0, 255],
           [  0, 255]], dtype=uint8)
    """
    frame = check_image(frame, "frame", ndim=3)
    boxes = _check_boxes(boxes).astype(np.float64)
    h, w = (check_int(s, "size", min=1) for s in size)
    H, W = frame.shape[:2]
    # Sample at the centres of an h x w grid laid over each box: one gather for all boxes.
    fy = (np.arange(h) + 0.5) / h
    fx = (np.arange(w) + 0.5) / w
    rows = boxes[:, 1:2] + fy[None] * (boxes[:, 3:4] - boxes[:, 1:2])
    cols = boxes[:, 0:1] + fx[None] * (boxes[:, 2:3] - boxes[:, 0:1])
    rows = np.clip(rows.astype(np.int64), 0, H - 1)
    cols = np.clip(cols.astype(np.int64), 0, W - 1)
    return frame[rows[:, :, None], cols[:, None, :]]


@cache
def _classes():
    import torch
    from torch import nn

    class EmbeddingNet(nn.Module):
        """Four conv blocks (32-64-96-128 channels), global average pool, linear, L2 norm.

        The first convolution has stride 2 and is followed by a pool: the crop is 64 x 32 but
        its identity is mostly in colours and coarse texture, so the net works at 16 x 8 and
        8 x 4 right away, which keeps it fast enough for 20 crops per frame on a CPU.
        """

        def __init__(self, dim: int = 128) -> None:
            super().__init__()

            def block(cin: int, cout: int, pool: bool, stride: int = 1) -> list[nn.Module]:
                layers = [nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
                          nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
                return layers + ([nn.MaxPool2d(2)] if pool else [])

            self.features = nn.Sequential(*block(3, 32, True, stride=2), *block(32, 64, True),
                                          *block(64, 96, False), *block(96, 128, False))
            self.fc = nn.Linear(128, dim)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.features(x).mean(dim=(2, 3))
            return nn.functional.normalize(self.fc(x), dim=1)

    class CosineSoftmax(nn.Module):
        """Logits = kappa * cos(angle between feature and class weight); kappa is learned."""

        def __init__(self, dim: int, n_classes: int) -> None:
            super().__init__()
            self.weight = nn.Parameter(torch.randn(n_classes, dim) * 0.01)
            self.log_scale = nn.Parameter(torch.tensor(2.3))  # kappa starts near 10

        def forward(self, f: torch.Tensor) -> torch.Tensor:
            w = nn.functional.normalize(self.weight, dim=1)
            return self.log_scale.exp() * f @ w.T

    return EmbeddingNet, CosineSoftmax


def embedding_net(seed: int = 0, dim: int = 128):
    """A fresh (untrained) embedding net, weights initialised from ``seed``.

    Input ``(N, 3, 64, 32)`` float in [0, 1]; output ``(N, dim)`` unit vectors. About 200,000
    parameters; about 7 million multiply-adds per crop.

    Examples
    --------
    >>> import torch
    >>> net = embedding_net(0).eval()
    >>> f = net(torch.rand(2, 3, 64, 32))
    >>> tuple(f.shape), bool(torch.allclose(f.norm(dim=1), torch.ones(2)))
    ((2, 128), True)
    """
    import torch

    seed = check_int(seed, "seed", min=0)
    dim = check_int(dim, "dim", min=1)
    with torch.random.fork_rng(devices=[]):  # seed the weights without touching global state
        torch.manual_seed(seed)
        return _classes()[0](dim)


def _to_tensor(crops: np.ndarray):
    import torch

    return torch.from_numpy(np.ascontiguousarray(crops)).permute(0, 3, 1, 2).float().div_(255.0)


def embed(net: Any, crops: Any, *, batch_size: int = 256) -> np.ndarray:
    """Appearance features of crops: (N, 128) float32, unit length.

    Parameters
    ----------
    net : torch.nn.Module
        From :func:`load_embedding` or :func:`train_embedding`.
    crops : (N, 64, 32, 3) ndarray of uint8
        From :func:`crop_boxes`; ``N = 0`` gives a (0, 128) array.

    Examples
    --------
    >>> f = embed(embedding_net(0), np.zeros((3, 64, 32, 3), np.uint8))
    >>> f.shape, f.dtype
    ((3, 128), dtype('float32'))
    """
    import torch

    crops = as_array(crops, "crops", ndim=4, kinds="u", allow_empty=True,
                     shape_hint="(N, 64, 32, 3) uint8")
    if crops.shape[1:] != (*CROP_SIZE, 3):
        raise ValueError(f"crops must have shape (N, {CROP_SIZE[0]}, {CROP_SIZE[1]}, 3); "
                         f"got {crops.shape} - cut them with crop_boxes()")
    dim = net.fc.out_features
    if len(crops) == 0:
        return np.zeros((0, dim), np.float32)
    net.eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(crops), batch_size):
            out.append(net(_to_tensor(crops[i:i + batch_size])).numpy())
    return np.concatenate(out).astype(np.float32)


def training_crops(
    seeds: Sequence[int] = TRAINING_SEEDS,
    *,
    n_frames: int = 240,
    every: int = 4,
    min_visibility: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Labelled crops for training: detector boxes on walkers of the given scenes.

    Crops come from the simulated detector (so they carry its jitter), on frames
    ``0, every, 2 every, ...`` where the walker is at least ``min_visibility`` visible.
    Labels are 0, 1, 2, ... over (seed, walker) pairs: walkers of different scenes are
    different identities.

    Returns
    -------
    crops : (N, 64, 32, 3) ndarray of uint8
    labels : (N,) ndarray of int64
    """
    n_frames = check_int(n_frames, "n_frames", min=1)
    every = check_int(every, "every", min=1)
    crops, labels, offset = [], [], 0
    for seed in seeds:
        seed = check_int(seed, "seed", min=0)
        scene = make_scene(seed, n_frames=n_frames)
        dets = simulate_detections(scene, seed=seed)
        for t in range(0, n_frames, every):
            boxes, _ = dets.at(t)
            src = dets.sources_at(t)
            ids, _, vis = scene.at(t)
            visible = dict(zip(ids.tolist(), vis.tolist(), strict=True))
            keep = np.array([s > 0 and visible.get(s, 0) >= min_visibility for s in src.tolist()],
                            bool).reshape(-1)
            if keep.any():
                crops.append(crop_boxes(render_frame(scene, t), boxes[keep]))
                labels.append(src[keep] + offset)
        offset += scene.n_identities + 1
    labels = np.concatenate(labels)
    _, labels = np.unique(labels, return_inverse=True)  # dense 0..K-1
    return np.concatenate(crops), labels.astype(np.int64)


def train_embedding(
    crops: Any,
    labels: Any,
    *,
    epochs: int = 8,
    batch_size: int = 128,
    lr: float = 3e-3,
    seed: int = 0,
    progress: bool = True,
) -> tuple[Any, list[float]]:
    """Train :func:`embedding_net` with a cosine-softmax head; return ``(net, epoch_losses)``.

    Augmentation: random horizontal flips (walkers turn around) and brightness changes (the
    scene's light varies across the square). Adam, cosine learning-rate decay, cross-entropy.

    Parameters
    ----------
    crops : (N, 64, 32, 3) ndarray of uint8
    labels : (N,) ndarray of int, identities 0..K-1
    epochs, batch_size : int
    lr : float
    seed : int
        Initial weights, batch order and augmentation.
    progress : bool
        Show a tqdm progress bar.

    References
    ----------
    N. Wojke, A. Bewley, "Deep Cosine Metric Learning for Person Re-identification", WACV 2018.
    Used in chapters/21_deep_sort.ipynb.
    """
    import torch
    from tqdm.auto import tqdm

    crops = as_array(crops, "crops", ndim=4, kinds="u")
    labels = as_array(labels, "labels", ndim=1, kinds="iu")
    if len(crops) != len(labels):
        raise ValueError("crops and labels must have the same length; "
                         f"got {len(crops)} and {len(labels)}")
    epochs = check_int(epochs, "epochs", min=1)
    batch_size = check_int(batch_size, "batch_size", min=2)
    seed = check_int(seed, "seed", min=0)
    n_classes = int(labels.max()) + 1
    net = embedding_net(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        head = _classes()[1](net.fc.out_features, n_classes)
    params = list(net.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=lr, weight_decay=1e-4)
    steps = epochs * ((len(crops) + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    gen = torch.Generator().manual_seed(seed)
    x_all = _to_tensor(crops)
    y_all = torch.from_numpy(labels.astype(np.int64))
    losses = []
    bar = tqdm(total=steps, desc="training embedding", disable=not progress)
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(crops), generator=gen)
        total, count = 0.0, 0
        for i in range(0, len(order), batch_size):
            idx = order[i:i + batch_size]
            x, y = x_all[idx], y_all[idx]
            flip = torch.rand(len(idx), generator=gen) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
            x = (x * (0.7 + 0.6 * torch.rand(len(idx), 1, 1, 1, generator=gen))).clamp_(0, 1)
            loss = torch.nn.functional.cross_entropy(head(net(x)), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            count += len(idx)
            bar.update(1)
        losses.append(total / count)
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
    bar.close()
    return net.eval(), losses


def save_embedding(net: Any, path: str | Path) -> Path:
    """Write the net's weights to an ``.npz`` file (plain arrays: no pickle when loading)."""
    state = {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}
    path = Path(path)
    with open(path, "wb") as f:
        np.savez_compressed(f, **state)
    return path


def load_embedding(path: str | Path | None = None):
    """The trained embedding net: the shipped, checksum-verified weights by default.

    Parameters
    ----------
    path : path, optional
        A file written by :func:`save_embedding`; default ``data/tracking_embedding.npz``
        through :func:`helpers.data.data_path` (which checks size and SHA-256).

    Examples
    --------
    >>> net = load_embedding()
    >>> net.fc.out_features
    128
    """
    import torch

    from ..data import data_path

    path = data_path(EMBEDDING_FILE) if path is None else Path(path)
    net = embedding_net(0)
    with np.load(path, allow_pickle=False) as f:
        state = {k: torch.from_numpy(f[k].copy()) for k in f.files}
    net.load_state_dict(state)
    return net.eval()


def sequence_features(
    scene: Scene, detections: Detections, net: Any, *, min_score: float = 0.3,
    frames: Sequence[np.ndarray] | None = None,
) -> tuple[list[np.ndarray], float, float]:
    """Appearance features of every frame's detections, as Deep SORT consumes them.

    Parameters
    ----------
    scene : Scene
        Renders the frames (unless ``frames`` are given).
    detections : Detections
    net : torch.nn.Module
    min_score : float
        Must be the threshold the tracker uses, so features align with ``detections.at(t,
        min_score)``.
    frames : list of (H, W, 3) ndarray, optional
        Pre-rendered frames.

    Returns
    -------
    features : list of (n_t, 128) ndarray
    embed_seconds : float
        Cropping + embedding time (part of Deep SORT's end-to-end cost).
    render_seconds : float
        Time spent rendering frames (the "camera"; not charged to any tracker).
    """
    import torch

    if not isinstance(scene, Scene):
        raise TypeError(f"scene must be a Scene; got {type(scene).__name__}")
    feats, t_embed, t_render = [], 0.0, 0.0
    with torch.inference_mode():
        for t in range(scene.n_frames):
            start = time.perf_counter()
            frame = render_frame(scene, t) if frames is None else frames[t]
            t_render += time.perf_counter() - start
            boxes, _ = detections.at(t, min_score)
            start = time.perf_counter()
            feats.append(embed(net, crop_boxes(frame, boxes)))
            t_embed += time.perf_counter() - start
    return feats, t_embed, t_render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.tracking.embedding",
        description="Train the appearance embedding on the training seeds and save its weights.")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(TRAINING_SEEDS))
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("data") / EMBEDDING_FILE)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)  # fixed, so the summation order (and the result) is repeatable
    start = time.perf_counter()
    crops, labels = training_crops(args.seeds)
    print(f"{len(crops)} crops of {labels.max() + 1} identities from seeds {args.seeds}")
    net, losses = train_embedding(crops, labels, epochs=args.epochs, seed=args.seed)
    save_embedding(net, args.out)
    print(f"losses per epoch: {[round(v, 3) for v in losses]}")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) "
          f"in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
