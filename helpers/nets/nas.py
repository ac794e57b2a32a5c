"""The digit classifiers of chapter 22's architecture search, and how a candidate is scored.

* :class:`SearchNet`: the network an :class:`helpers.nas.Architecture` describes.
* :func:`search_data`: the course's real digits, split for searching: 3,000 to train each
  candidate, 1,000 to score it (validation), and the 1,000 test digits kept for the end.
* :func:`train_and_score`: the one training recipe (through :func:`helpers.nets.training.fit`)
  for every candidate and for chapter 10's LeNet-5, so they compare on equal terms;
  :func:`evaluate_architecture`: a candidate's score after the short, fixed search budget.
  The searches of :mod:`helpers.nas` call it once per candidate.
* ``python -m helpers.nets.nas --out data/nas_digits_search.json`` scores *every*
  architecture of the space the same way (about two minutes on one core): the exhaustive
  answer that the chapter's small searches are compared with (``tools/build_data.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType

import torch
import torch.nn.functional as F  # noqa: N812 - torch's own convention
from torch import nn

from .._validation import check_bool, check_instance, check_int, check_tensor, describe
from ..data import load_mnist_subset
from ..image import to_tensor
from ..nas import (
    HEAD_GRID,
    SEARCH_FILE,
    SEARCH_SPACE,
    Architecture,
    architecture_macs,
    enumerate_architectures,
)
from .classic import Standardize
from .history import History
from .training import accuracy, fit

__all__ = [
    "NAS_RECIPE",
    "SEARCH_EPOCHS",
    "SearchNet",
    "evaluate_architecture",
    "search_data",
    "train_and_score",
]

#: Epochs each candidate trains for during a search (the "fixed short budget").
SEARCH_EPOCHS = 1
#: Chapter 22's two searches, shared by its notebook and ``bench/cases_frontiers.py``
#: (read-only): ``candidates`` architectures each, random search from seed ``random_seed`` and
#: evolution from ``evolution_seed`` with its ``population`` and ``sample_size``, under LeNet-5's
#: MACs; the best candidate is then retrained on 4,000 digits for ``final_epochs`` and tested.
NAS_RECIPE = MappingProxyType({
    "candidates": 6, "random_seed": 0, "evolution_seed": 1, "population": 3, "sample_size": 2,
    "final_epochs": 2,
})


class SearchNet(nn.Module):
    """The digit classifier an :class:`~helpers.nas.Architecture` describes.

    Parameters
    ----------
    arch : helpers.nas.Architecture
    num_classes : int
        Outputs (1 to 10,000).
    seed : int
        Seeds the weight initialisation (torch's global RNG is left as it was).

    Notes
    -----
    ``(N, 1, H, W)`` in [0, 1] -> ``(N, classes)`` logits. Standardise (MNIST's mean and
    std, as chapter 10's LeNet-5), a 3x3 stem convolution to ``width`` channels with batch
    norm and ReLU, a 2x2 max-pool; then ``depth`` blocks, each a ``kernel x kernel``
    convolution (same padding) + batch norm + ReLU, its input added back when ``skip`` (and
    a 2x2 max-pool after the second block); then average pooling to a 4 x 4 grid and a
    linear layer.
    Its MACs are :func:`helpers.nas.architecture_macs`.

    References
    ----------
    He et al., "Deep Residual Learning for Image Recognition", CVPR 2016 (the shortcut).
    Used in chapters/22_frontiers_search.ipynb.

    Examples
    --------
    >>> net = SearchNet(Architecture(3, 8, 5, True))
    >>> tuple(net(torch.zeros(2, 1, 28, 28)).shape)
    (2, 10)
    """

    def __init__(self, arch: Architecture, *, num_classes: int = 10, seed: int = 0) -> None:
        super().__init__()
        check_instance(arch, "arch", Architecture)
        classes = check_int(num_classes, "num_classes", min=1, max=10_000)
        seed = check_int(seed, "seed", min=0)
        self.arch = arch
        w, k = arch.width, arch.kernel
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.stem = nn.Sequential(Standardize(), nn.Conv2d(1, w, 3, padding=1, bias=False),
                                      nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2))
            self.blocks = nn.ModuleList(
                nn.Sequential(nn.Conv2d(w, w, k, padding=k // 2, bias=False), nn.BatchNorm2d(w),
                              nn.ReLU())
                for _ in range(arch.depth))
            self.pool = nn.MaxPool2d(2)
            self.head = nn.AdaptiveAvgPool2d(HEAD_GRID)
            self.classifier = nn.Linear(w * HEAD_GRID**2, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(check_tensor(x, "x", ndim=4, channels=1))
        for i, block in enumerate(self.blocks):
            x = x + block(x) if self.arch.skip else block(x)
            if i == 1:
                x = self.pool(x)
        return self.classifier(self.head(x).flatten(1))


def search_data() -> dict[str, torch.Tensor]:
    """The real digits as tensors, split for a search: train, validation and test.

    Returns
    -------
    dict of str to torch.Tensor
        ``x_train`` (3000, 1, 28, 28) and ``y_train`` (3000,): 300 per digit, to train each
        candidate; ``x_val``, ``y_val`` (1000): 100 per digit from the course's training
        split, to score candidates; ``x_test``, ``y_test`` (1000): the course's test split,
        untouched by the search (chapter 10's LeNet-5 is tested on the same digits).

    Notes
    -----
    Choosing the best of many candidates on the digits that report the result would flatter
    it (the winner is partly the luckiest): the search sees only the validation digits, and
    the test digits are used once, at the end.

    Examples
    --------
    >>> d = search_data()
    >>> tuple(d["x_train"].shape), tuple(d["x_val"].shape), int(d["y_val"].bincount().min())
    ((3000, 1, 28, 28), (1000, 1, 28, 28), 100)
    """
    images, labels = load_mnist_subset("train")  # 400 per digit, grouped by digit
    val = torch.zeros(len(labels), dtype=torch.bool)
    val[3::4] = True  # every fourth image of each digit's 400: 100 per digit
    test_images, test_labels = load_mnist_subset("test")
    x, y = to_tensor(images), torch.from_numpy(labels)
    return {"x_train": x[~val], "y_train": y[~val], "x_val": x[val], "y_val": y[val],
            "x_test": to_tensor(test_images), "y_test": torch.from_numpy(test_labels)}


def _check_data(data: dict) -> None:
    check_instance(data, "data", dict, "the dict returned by search_data()")
    for key in ("x_train", "y_train", "x_val", "y_val"):
        if key not in data or not isinstance(data[key], torch.Tensor):
            raise ValueError(f"data must be search_data()'s dict with tensor {key!r}; got keys "
                             f"{sorted(data)}")


def train_and_score(
    model: nn.Module,
    data: dict[str, torch.Tensor],
    *,
    epochs: int = SEARCH_EPOCHS,
    seed: int = 0,
    test: bool = False,
    progress: bool = False,
) -> tuple[nn.Module, History, float]:
    """Train any digit classifier with the search's recipe; return it, its history and accuracy.

    Parameters
    ----------
    model : torch.nn.Module
        ``(N, 1, 28, 28)`` in [0, 1] -> ``(N, 10)`` logits (a :class:`SearchNet`, or chapter
        10's :class:`helpers.nets.classic.LeNet5` to compare on equal terms). Trained in place.
    data : dict
        :func:`search_data`'s tensors.
    epochs : int
        Passes over the training digits (1 to 100); a search uses :data:`SEARCH_EPOCHS`.
    seed : int
        Seeds the batch order.
    test : bool
        Train on training + validation digits (4,000) and report test accuracy: for the final
        comparison, after the search. Otherwise train on 3,000 and report validation accuracy.
    progress : bool
        Show fit's progress bar.

    Returns
    -------
    model : torch.nn.Module
    history : helpers.nets.history.History
        With the accuracy on the evaluation digits after each epoch.
    accuracy : float
        In [0, 1], after the last epoch.

    Notes
    -----
    Adam, learning rate 0.01 falling along a cosine to 0, batches of 32, cross-entropy: the same
    recipe for every candidate, so differences come from the architecture (and from the luck
    of one seed: about half a per cent on 1,000 digits).

    Examples
    --------
    >>> d = search_data()
    >>> _, history, acc = train_and_score(SearchNet(Architecture(1, 4, 3, False)), d, epochs=1)
    >>> 0.0 <= acc <= 1.0, len(history)
    (True, 1)
    """
    check_instance(model, "model", nn.Module, "a torch.nn.Module")
    _check_data(data)
    epochs = check_int(epochs, "epochs", min=1, max=100)
    seed = check_int(seed, "seed", min=0)
    test, progress = check_bool(test, "test"), check_bool(progress, "progress")
    if test:
        x = torch.cat([data["x_train"], data["x_val"]])
        y = torch.cat([data["y_train"], data["y_val"]])
        x_eval, y_eval = data["x_test"], data["y_test"]
    else:
        x, y, x_eval, y_eval = data["x_train"], data["y_train"], data["x_val"], data["y_val"]
    name = str(model.arch) if isinstance(model, SearchNet) else type(model).__name__
    model, history = fit(model, (x, y), loss=F.cross_entropy, epochs=epochs, lr=1e-2,
                         batch_size=32, schedule="cosine", val=(x_eval, y_eval),
                         metrics={"accuracy": accuracy}, seed=seed, progress=progress,
                         desc=name)
    return model, history, history.metrics["accuracy"][-1]


def evaluate_architecture(
    arch: Architecture,
    data: dict[str, torch.Tensor],
    *,
    epochs: int = SEARCH_EPOCHS,
    seed: int = 0,
) -> float:
    """A search candidate's score: train a :class:`SearchNet` for the fixed budget, validate.

    Parameters
    ----------
    arch : helpers.nas.Architecture
    data : dict
        :func:`search_data`'s tensors.
    epochs : int
        Passes over the 3,000 training digits (1 to 100); default :data:`SEARCH_EPOCHS`.
    seed : int
        Seeds the weights and the batch order: the same call gives the same number.

    Returns
    -------
    float
        Validation accuracy in [0, 1] (:func:`train_and_score` with ``test=False``).

    Examples
    --------
    >>> d = search_data()
    >>> 0.0 <= evaluate_architecture(Architecture(1, 4, 3, False), d, epochs=1) <= 1.0
    True
    """
    check_instance(arch, "arch", Architecture)
    seed = check_int(seed, "seed", min=0)
    return train_and_score(SearchNet(arch, seed=seed), data, epochs=epochs, seed=seed)[2]


def main(argv: Sequence[str] | None = None) -> int:
    """Score every architecture of the search space; write the records as JSON."""
    from tqdm.auto import tqdm

    parser = argparse.ArgumentParser(
        prog="python -m helpers.nets.nas",
        description="Train every architecture of helpers.nas.SEARCH_SPACE with the search "
                    "budget and write its validation accuracy, MACs and time.")
    parser.add_argument("--out", type=Path, required=True, help=f"e.g. data/{SEARCH_FILE}")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed must be >= 0; got {describe(args.seed)}")
    data = search_data()
    rows = []
    for arch in tqdm(enumerate_architectures(), desc="exhaustive search"):
        start = time.perf_counter()
        acc = evaluate_architecture(arch, data, seed=args.seed)
        rows.append({"depth": arch.depth, "width": arch.width, "kernel": arch.kernel,
                     "skip": arch.skip, "macs": architecture_macs(arch),
                     "accuracy": round(acc, 4),
                     "seconds": round(time.perf_counter() - start, 2)})
    meta = {"space": {k: list(v) for k, v in SEARCH_SPACE.items()}, "epochs": SEARCH_EPOCHS,
            "seed": args.seed, "torch": torch.__version__, "threads": 1,
            "records": rows}
    args.out.write_text(json.dumps(meta, indent=1) + "\n")
    print(f"wrote {len(rows)} records to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
