"""Chapters 10-11: the counts against torch, the training runs, and how long counting takes.

* ``architecture/<net>/params_exact``: 1 when ``count_params`` equals ``sum(p.numel())``;
  ``architecture/<net>/macs_diff_pct``: ``count_macs`` against ``FlopCounterMode`` / 2, in
  percent, for every network of ``helpers.nets.zoo.NETWORKS`` (built on ``meta``).
* ``architecture/layer_tables_seconds``: building all those tables (what chapter 10 does once
  before its explorer).
* ``lenet5/*``: chapter 10's LeNet-5 recipe (tanh, Adam 3e-3 cosine, 10 epochs, batch 32, shifts
  of up to 2 pixels, fit's seed 0, torch seed 0 for the weights): test accuracy on the 1,000 test
  digits and training seconds.
* ``plain_vs_residual/*``: chapter 11's experiment (22 layers, 3 epochs, Adam 2e-3, batch 64):
  both test accuracies, the training seconds and log10 of the first / last-conv gradient-norm
  ratio of each network at initialisation (-7.6 means the first layer gets 10^-7.6 as much).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable


def run(record: Callable[..., None]) -> None:
    import torch
    import torch.nn.functional as F  # noqa: N812

    from helpers.data import load_mnist_subset
    from helpers.image import to_tensor
    from helpers.nets.classic import LeNet5, random_shift_batch
    from helpers.nets.modern import DeepDigitNet, layer_gradient_norms
    from helpers.nets.summary import count_params, flop_counter_macs, layer_table
    from helpers.nets.training import accuracy, fit
    from helpers.nets.zoo import NETWORKS, build_network

    start = time.perf_counter()
    tables = {}
    for name in NETWORKS:
        model, shape = build_network(name)
        tables[name] = (model, shape, layer_table(model, shape))
    record("architecture/layer_tables_seconds", time.perf_counter() - start, "s")
    for name, (model, shape, table) in tables.items():
        key = name.lower().replace(" ", "_")
        exact = count_params(model) == sum(p.numel() for p in model.parameters()) \
            == int(table["parameters"].sum())
        record(f"architecture/{key}/params_exact", float(exact), "", ">= 1")
        ref = flop_counter_macs(model, shape)
        record(f"architecture/{key}/macs_diff_pct", 100 * abs(table["macs"].sum() / ref - 1),
               "%", "<= 1")

    train_images, train_labels = load_mnist_subset("train")
    test_images, test_labels = load_mnist_subset("test")
    x, y = to_tensor(train_images), torch.from_numpy(train_labels)
    xt, yt = to_tensor(test_images), torch.from_numpy(test_labels)

    torch.manual_seed(0)
    _, history = fit(LeNet5(), (x, y), loss=F.cross_entropy, epochs=10, lr=3e-3, batch_size=32,
                     schedule="cosine", augment=random_shift_batch, val=(xt, yt),
                     metrics={"accuracy": accuracy}, progress=False)
    record("lenet5/test_accuracy", history.metrics["accuracy"][-1], "", ">= 0.97")
    record("lenet5/train_seconds", history.seconds, "s", "<= 20")

    for name, residual in (("plain", False), ("residual", True)):
        torch.manual_seed(0)
        net = DeepDigitNet(n_blocks=10, width=16, residual=residual)
        _, norms = layer_gradient_norms(net, x[:256], y[:256])
        record(f"plain_vs_residual/{name}_grad_ratio_first_last_log10",
               math.log10(norms[0] / norms[-2]), "")
        _, history = fit(net, (x, y), loss=F.cross_entropy, epochs=3, lr=2e-3, batch_size=64,
                         val=(xt, yt), metrics={"accuracy": accuracy}, progress=False)
        record(f"plain_vs_residual/{name}_test_accuracy", history.metrics["accuracy"][-1], "",
               ">= 0.9" if residual else None)
        record(f"plain_vs_residual/{name}_train_seconds", history.seconds, "s", "<= 15")
