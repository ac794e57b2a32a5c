"""The appearance embedding: training data, training, the shipped weights, and features.

Crops of the same walker should land close together (small cosine distance), crops of
different walkers far apart, *including walkers never seen in training*: Deep SORT meets new
people all the time. So the net is trained as a classifier over the identities of some training
scenes with a **cosine-softmax** head (Wojke & Bewley 2018): logits are
:math:`\\kappa \\, \\hat w_k^\\top \\hat f` with unit class weights :math:`\\hat w_k` and unit
features :math:`\\hat f`, so the only way to separate identities is by direction, exactly the
quantity the tracker compares. At test time the head is dropped and :math:`\\hat f` is the
embedding. The two networks are :class:`helpers.nets.embedding.EmbeddingNet` and
:class:`helpers.nets.embedding.CosineSoftmax`; they train through the course's one loop,
:func:`helpers.nets.training.fit`.

Training seeds (:data:`TRAINING_SEEDS`) are disjoint from the seeds the course evaluates on;
the benchmark warns when asked to evaluate on one of them. The shipped weights
``data/tracking_embedding.npz`` were made by::

    python -m helpers.tracking.embedding --out data/tracking_embedding.npz

(defaults: the 12 training seeds, 6 epochs, seed 0, one torch thread; about 10 minutes on a
laptop CPU). ``python tools/build_data.py tracking-embedding`` runs the same command and
updates the file's size and SHA-256 in ``data/manifest.json``.

torch is imported inside the functions that need it, so ``import helpers.tracking`` stays light.
Used in chapters/21_deep_sort.ipynb.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import (
    as_array,
    check_bool,
    check_boxes,
    check_float,
    check_image,
    check_instance,
    check_int,
    check_pair,
    check_path,
    describe,
)
from .detector import Detections, simulate_detections
from .scene import MAX_FRAMES, Scene, make_scene, render_frame

__all__ = [
    "CROP_SIZE",
    "EMBEDDING_FILE",
    "MAX_CROPS",
    "MAX_CROP_SIDE",
    "MAX_TRAINING_SEEDS",
    "TRAINING_SEEDS",
    "crop_boxes",
    "embed",
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
#: Bounds: crops per call of crop_boxes, crop side, scenes per training set.
MAX_CROPS = 10_000
MAX_CROP_SIDE = 512
MAX_TRAINING_SEEDS = 100


def crop_boxes(frame: Any, boxes: Any, size: tuple[int, int] = CROP_SIZE) -> np.ndarray:
    """Cut each box out of a frame and resample it to ``size`` (nearest neighbour).

    Parameters
    ----------
    frame : (H, W, 3) ndarray of uint8
    boxes : (N, 4) array_like, xyxy
        May extend past the border: outside pixels repeat the edge. At most 10,000.
    size : (h, w), each in [1, 512]

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
    boxes = check_boxes(boxes).astype(np.float64)
    if len(boxes) > MAX_CROPS:
        raise ValueError(f"boxes must hold at most {MAX_CROPS} boxes; got {len(boxes)}")
    h, w = check_pair(size, "size", min=1, max=MAX_CROP_SIDE)
    H, W = frame.shape[:2]
    # Sample at the centres of an h x w grid laid over each box: one gather for all boxes.
    fy = (np.arange(h) + 0.5) / h
    fx = (np.arange(w) + 0.5) / w
    rows = boxes[:, 1:2] + fy[None] * (boxes[:, 3:4] - boxes[:, 1:2])
    cols = boxes[:, 0:1] + fx[None] * (boxes[:, 2:3] - boxes[:, 0:1])
    rows = np.clip(rows.astype(np.int64), 0, H - 1)
    cols = np.clip(cols.astype(np.int64), 0, W - 1)
    return frame[rows[:, :, None], cols[:, None, :]]


def embed(net: Any, crops: Any, *, batch_size: int = 256) -> np.ndarray:
    """Appearance features of crops: (N, 128) float32, unit length.

    Parameters
    ----------
    net : helpers.nets.embedding.EmbeddingNet
        From :func:`load_embedding` or :func:`train_embedding`.
    crops : (N, 64, 32, 3) ndarray of uint8
        From :func:`crop_boxes`; ``N = 0`` gives a (0, 128) array.
    batch_size : int
        Crops per forward pass (bounds memory).

    Examples
    --------
    >>> from helpers.nets.embedding import EmbeddingNet
    >>> f = embed(EmbeddingNet(seed=0), np.zeros((3, 64, 32, 3), np.uint8))
    >>> f.shape, f.dtype
    ((3, 128), dtype('float32'))
    """
    from ..image import to_tensor
    from ..nets.embedding import EmbeddingNet
    from ..nets.training import predict

    check_instance(net, "net", EmbeddingNet, "an EmbeddingNet (from load_embedding())")
    crops = as_array(crops, "crops", ndim=4, kinds="u", allow_empty=True,
                     shape_hint="(N, 64, 32, 3) uint8")
    if crops.shape[1:] != (*CROP_SIZE, 3):
        raise ValueError(f"crops must have shape (N, {CROP_SIZE[0]}, {CROP_SIZE[1]}, 3); "
                         f"got {crops.shape} - cut them with crop_boxes()")
    batch_size = check_int(batch_size, "batch_size", min=1, max=65536)
    if len(crops) == 0:
        return np.zeros((0, net.fc.out_features), np.float32)
    # threads=None: the caller's torch setting stands (the benchmark pins one thread).
    out = predict(net, to_tensor(crops, "crops"), batch_size=batch_size, threads=None)
    return out.numpy().astype(np.float32, copy=False)


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

    Parameters
    ----------
    seeds : sequence of int
        Scene seeds, 1 to 100 of them.
    n_frames : int in [1, 5000]
        Frames simulated per scene.
    every : int >= 1
        Take crops from every ``every``-th frame.
    min_visibility : float in [0, 1]
        Walkers less visible than this are not cropped (a crop of a pillar teaches nothing).

    Returns
    -------
    crops : (N, 64, 32, 3) ndarray of uint8
    labels : (N,) ndarray of int64
    """
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence):
        raise TypeError(f"seeds must be a list of scene seeds; got {type(seeds).__name__}")
    if not 1 <= len(seeds) <= MAX_TRAINING_SEEDS:
        raise ValueError(f"seeds must name between 1 and {MAX_TRAINING_SEEDS} scenes; "
                         f"got {len(seeds)}")
    seeds = [check_int(seed, "seeds", min=0, max=2**32 - 1) for seed in seeds]
    n_frames = check_int(n_frames, "n_frames", min=1, max=MAX_FRAMES)
    every = check_int(every, "every", min=1, max=n_frames)
    min_visibility = check_float(min_visibility, "min_visibility", min=0, max=1)
    crops, labels, offset = [], [], 0
    for seed in seeds:
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


def _flip_and_dim(batch: tuple, rng: np.random.Generator) -> tuple:
    """Augmentation for :func:`train_embedding`: random horizontal flips (walkers turn
    around) and brightness gains in [0.7, 1.3] (the scene's light varies across the square)."""
    import torch

    x, y = batch
    flip = torch.from_numpy(rng.random(len(x)) < 0.5)
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    gain = torch.from_numpy(rng.uniform(0.7, 1.3, (len(x), 1, 1, 1)).astype(np.float32))
    return (x * gain).clamp_(0, 1), y


def train_embedding(
    crops: Any,
    labels: Any,
    *,
    epochs: int = 8,
    batch_size: int = 128,
    lr: float = 3e-3,
    seed: int = 0,
    progress: bool = True,
) -> tuple[Any, Any]:
    """Train an :class:`~helpers.nets.embedding.EmbeddingNet` with a cosine-softmax head.

    Parameters
    ----------
    crops : (N, 64, 32, 3) ndarray of uint8
    labels : (N,) ndarray of int, identities 0..K-1
    epochs : int
        Passes over the crops (1 to 1,000).
    batch_size : int
        Crops per step (>= 2: batch norm needs two samples).
    lr : float
        Adam's learning rate, decayed along a cosine to 0.
    seed : int
        Initial weights, batch order and augmentation.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    net : helpers.nets.embedding.EmbeddingNet
        The trained net, in eval mode, without its head.
    history : helpers.nets.history.History
        Loss per epoch (and timings), for :func:`helpers.plots.plot_history`.

    Notes
    -----
    Through :func:`helpers.nets.training.fit`: Adam with weight decay 1e-4, cosine schedule,
    cross-entropy of the :class:`~helpers.nets.embedding.CosineSoftmax` logits. Augmentation:
    random horizontal flips and brightness gains in [0.7, 1.3].

    References
    ----------
    N. Wojke, A. Bewley, "Deep Cosine Metric Learning for Person Re-identification", WACV 2018.
    Used in chapters/21_deep_sort.ipynb.
    """
    import torch

    from ..image import to_tensor
    from ..nets.embedding import CosineSoftmax, EmbeddingNet
    from ..nets.training import fit

    crops = as_array(crops, "crops", ndim=4, kinds="u", shape_hint="(N, 64, 32, 3) uint8")
    if crops.shape[1:] != (*CROP_SIZE, 3):
        raise ValueError(f"crops must have shape (N, {CROP_SIZE[0]}, {CROP_SIZE[1]}, 3); "
                         f"got {crops.shape} - cut them with crop_boxes()")
    labels = as_array(labels, "labels", ndim=1, kinds="iu")
    if len(crops) != len(labels):
        raise ValueError("crops and labels must have the same length; "
                         f"got {len(crops)} and {len(labels)}")
    if labels.min() < 0:
        raise ValueError(f"labels must be identities 0..K-1; got a label {labels.min()}")
    epochs = check_int(epochs, "epochs", min=1, max=1000)
    batch_size = check_int(batch_size, "batch_size", min=2, max=65536)
    lr = check_float(lr, "lr", min=0, max=1, min_inclusive=False)
    seed = check_int(seed, "seed", min=0, max=2**32 - 1)
    progress = check_bool(progress, "progress")
    net = EmbeddingNet(seed=seed)
    head = CosineSoftmax(net.fc.out_features, int(labels.max()) + 1, seed=seed)
    _, history = fit(
        torch.nn.Sequential(net, head), (to_tensor(crops, "crops"), labels.astype(np.int64)),
        loss=torch.nn.functional.cross_entropy, epochs=epochs, lr=lr, batch_size=batch_size,
        weight_decay=1e-4, schedule="cosine", augment=_flip_and_dim, seed=seed,
        progress=progress, desc="training embedding",
    )
    return net.eval(), history


def save_embedding(net: Any, path: str | Path) -> Path:
    """Write the net's weights to an ``.npz`` file (plain arrays: no pickle when loading)."""
    from ..nets.embedding import EmbeddingNet

    check_instance(net, "net", EmbeddingNet, "an EmbeddingNet")
    path = check_path(path)
    state = {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}
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
    from ..nets.embedding import EmbeddingNet

    path = data_path(EMBEDDING_FILE) if path is None else check_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path {path} does not exist (or is not a file) - write one with "
                                "save_embedding(), or pass path=None for the shipped weights")
    net = EmbeddingNet()
    try:
        with np.load(path, allow_pickle=False) as f:
            state = {k: torch.from_numpy(f[k].copy()) for k in f.files}
        net.load_state_dict(state)
    except (OSError, ValueError, EOFError, RuntimeError, KeyError) as exc:
        raise ValueError(f"path {path} is not an embedding written by save_embedding() "
                         f"({type(exc).__name__}: {str(exc)[:120]})") from None
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
    net : EmbeddingNet
    min_score : float in [0, 1]
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

    from ..nets.embedding import EmbeddingNet

    check_instance(scene, "scene", Scene, "a Scene from make_scene()")
    check_instance(detections, "detections", Detections, "Detections from simulate_detections()")
    check_instance(net, "net", EmbeddingNet, "an EmbeddingNet (from load_embedding())")
    min_score = check_float(min_score, "min_score", min=0, max=1)
    if detections.n_frames != scene.n_frames:
        raise ValueError(f"detections must cover the scene's {scene.n_frames} frames; got "
                         f"{detections.n_frames}")
    if frames is not None:
        if isinstance(frames, (str, bytes, np.ndarray)) or not isinstance(frames, Sequence) \
                or len(frames) != scene.n_frames:
            raise TypeError(f"frames must be a list of the scene's {scene.n_frames} rendered "
                            f"frames; got {describe(frames)}")
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
    net, history = train_embedding(crops, labels, epochs=args.epochs, seed=args.seed)
    save_embedding(net, args.out)
    print(f"losses per epoch: {[round(v, 3) for v in history.loss]}")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) "
          f"in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
