"""The one training loop of the course: :func:`fit`, and :func:`predict` to run a trained net.

Every torch network the chapters train goes through :func:`fit`, so every training cell reads
the same way and behaves the same way:

* **reproducible**: one ``seed`` drives the batch order and the augmentation (a numpy
  Generator, so a numpy training loop fed the same seed sees the same batches) and torch's own
  randomness (dropout), inside ``torch.random.fork_rng`` so global state is left untouched;
* **pinned threads**: ``threads=1`` by default, restored afterwards. The course's networks are
  small; on a shared 2-core machine a second torch thread mostly waits for the first (one
  detector epoch took 7-25 s with two threads and 2.4-5.7 s with one);
* **visible**: a tqdm progress bar with the loss, and a :class:`History` of the loss and
  metrics per epoch for plotting curves (:func:`helpers.plots.plot_history`);
* **safe**: arguments are checked, a model output or a loss that becomes NaN or infinite stops
  training with a message instead of returning NaN weights, and ``max_seconds`` caps a run.

Example (a full training cell)::

    model, history = fit(LeNet5(), (x_train, y_train), loss=F.cross_entropy, epochs=3, lr=1e-3,
                         val=(x_test, y_test), metrics={"accuracy": accuracy})
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from .._memory import release_memory
from .._validation import (
    check_bool,
    check_callable,
    check_choice,
    check_float,
    check_instance,
    check_int,
    check_str,
    check_tensor,
    describe,
)
from .history import History  # noqa: F401 - the record fit returns; defined torch-free

__all__ = ["accuracy", "fit", "predict"]

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "linear", "cosine", "onecycle")
MAX_EPOCHS = 10_000
MAX_BATCH = 1_000_000
MAX_THREADS = 256
MAX_SEED = 2**63 - 1  # torch.manual_seed's range


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of rows whose largest logit is at the true label (a metric for :func:`fit`).

    Parameters
    ----------
    logits : (N, K) torch.Tensor
    labels : (N,) torch.Tensor of int

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> accuracy(torch.tensor([[2.0, 1.0], [0.0, 3.0]]), torch.tensor([0, 0]))
    0.5
    """
    check_tensor(logits, "logits", ndim=2, shape_hint="(N, K)", max_elements=None)
    check_tensor(labels, "labels", ndim=1, shape_hint="(N,)", floating=False, max_elements=None)
    if labels.shape != logits.shape[:1]:
        raise ValueError(
            f"logits must be (N, K) and labels (N,); got {tuple(logits.shape)} and "
            f"{tuple(labels.shape)}"
        )
    return float((logits.argmax(1) == labels).float().mean())


# -- argument checks ---------------------------------------------------------------------------
def _as_tensors(data: Any, name: str) -> tuple[torch.Tensor, ...]:
    """``(inputs, *targets)`` as tensors of equal length; numpy arrays are wrapped, not scaled."""
    if not isinstance(data, (tuple, list)) or not data:
        raise TypeError(
            f"{name} must be a tuple (inputs, targets, ...) of arrays or tensors; got "
            f"{describe(data)}"
        )
    out = []
    for i, item in enumerate(data):
        where = f"{name}[{i}]"
        if isinstance(item, np.ndarray):
            if item.dtype == np.uint8 and item.ndim >= 3:
                raise TypeError(
                    f"{where} looks like uint8 images {item.shape}; convert them with "
                    "helpers.image.to_tensor (the course's one image-to-tensor converter)"
                )
            if item.dtype.kind not in "biuf":
                raise TypeError(f"{where} must be numeric; got dtype {item.dtype}")
            item = torch.from_numpy(np.ascontiguousarray(item))
        elif not isinstance(item, torch.Tensor):
            raise TypeError(
                f"{where} must be a numpy array or a torch.Tensor; got {describe(item)}"
            )
        if item.ndim == 0:
            raise ValueError(f"{where} must have a first (sample) axis; got a scalar")
        if item.is_floating_point() and not bool(torch.isfinite(item).all()):
            raise ValueError(f"{where} contains NaN or infinite values; clean them first")
        out.append(item)
    n = len(out[0])
    if n == 0:
        raise ValueError(f"{name} must hold at least one sample; got 0")
    lengths = [len(t) for t in out]
    if any(length != n for length in lengths):
        raise ValueError(f"every array in {name} must have the same length; got {lengths}")
    return tuple(out)


def _optimizer(choice: Any, params: list, lr: float, momentum: float, weight_decay: float):
    if callable(choice):
        opt = choice(params)
        check_instance(opt, "optimizer(params)", torch.optim.Optimizer, "a torch.optim.Optimizer")
        return opt
    check_choice(choice, "optimizer", OPTIMIZERS)
    if choice == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    cls = torch.optim.Adam if choice == "adam" else torch.optim.AdamW
    return cls(params, lr=lr, weight_decay=weight_decay)


def _scheduler(schedule: str, opt, lr: float, total: int):
    if schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total)
    factor = {
        "constant": lambda step: 1.0,
        "linear": lambda step: 1.0 - step / total,
        "cosine": lambda step: 0.5 * (1.0 + math.cos(math.pi * step / total)),
    }[schedule]
    return torch.optim.lr_scheduler.LambdaLR(opt, factor)


# -- the loop ----------------------------------------------------------------------------------
def fit(
    model: nn.Module,
    train: Sequence[Any],
    *,
    loss: Callable[..., torch.Tensor],
    epochs: int,
    lr: float,
    batch_size: int = 64,
    optimizer: str | Callable[[list], torch.optim.Optimizer] = "adam",
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    schedule: str = "constant",
    val: Sequence[Any] | None = None,
    metrics: Mapping[str, Callable[..., float]] | None = None,
    augment: Callable[[tuple, np.random.Generator], tuple] | None = None,
    seed: int = 0,
    threads: int = 1,
    max_seconds: float | None = None,
    grad_clip: float | None = None,
    progress: bool = True,
    desc: str = "training",
) -> tuple[nn.Module, History]:
    """Train ``model`` in place with mini-batch gradient descent; return it and its history.

    Parameters
    ----------
    model : torch.nn.Module
        Trained in place (and returned, in eval mode, for convenience).
    train : tuple (inputs, target, ...) of tensors or ndarrays
        Equal first (sample) axes. Images must already be a float batch: convert them with
        :func:`helpers.image.to_tensor`. Each batch calls ``model(inputs)``.
    loss : callable
        ``loss(output, *targets) -> scalar tensor``, e.g. ``torch.nn.functional.cross_entropy``.
    epochs : int
        Passes over ``train`` (1 to 10,000).
    lr : float
        Learning rate (the peak one for ``schedule="onecycle"``), in (0, 10].
    batch_size : int
        Samples per step; the last batch of an epoch may be smaller.
    optimizer : {"adam", "adamw", "sgd"} or callable
        Or ``optimizer(params) -> torch.optim.Optimizer`` for anything else.
    momentum : float
        SGD's momentum, in [0, 1) (ignored by Adam).
    weight_decay : float
        L2 penalty (decoupled for AdamW), >= 0.
    schedule : {"constant", "linear", "cosine", "onecycle"}
        How the learning rate changes over the run's steps: fixed; falling linearly to 0;
        falling along half a cosine to 0; or torch's one-cycle (warm up, then anneal).
    val : tuple like ``train``, optional
        Evaluated after every epoch (eval mode, no gradients, ``batch_size`` inputs at a time,
        so it never needs more memory than a training step) into ``history.val_loss`` and
        ``history.metrics``.
    metrics : dict of str to callable, optional
        ``metric(output, *targets) -> float`` on the whole validation set, e.g.
        ``{"accuracy": accuracy}``. Needs ``val``.
    augment : callable, optional
        ``augment(batch, rng) -> batch`` on each training batch (a tuple like ``train``), with
        the run's numpy Generator: random flips, shifts, warps. Not applied to ``val``.
    seed : int
        Seeds the batch order, ``augment`` and torch's randomness in the model (dropout);
        0 to 2**63 - 1.
    threads : int
        torch threads while training, restored afterwards.
    max_seconds : float, optional
        Stop after the batch during which this much time has passed (``history.stopped_early``).
    grad_clip : float, optional
        Clip the gradient norm to this value before each step.
    progress : bool
        Show a tqdm progress bar.
    desc : str
        The bar's label.

    Returns
    -------
    model : torch.nn.Module
        The same object, trained, in eval mode.
    history : History

    Raises
    ------
    TypeError, ValueError
        For arguments of the wrong kind or range (the message names the argument).
    FloatingPointError
        When the model's output or the loss becomes NaN or infinite (usually: the learning rate
        is too high).

    Notes
    -----
    One step: :math:`\\theta \\leftarrow \\theta - \\eta_t \\, u(\\nabla_\\theta L_B)`, where
    :math:`L_B` is the mean loss of a batch :math:`B`, :math:`u` the optimizer's update (plain
    momentum for SGD, bias-corrected moment estimates for Adam) and :math:`\\eta_t` the
    scheduled learning rate at step :math:`t`.

    References
    ----------
    Kingma & Ba, "Adam: a method for stochastic optimization", ICLR 2015. Smith & Topin,
    "Super-convergence", 2018 (one-cycle). Used in every chapter that trains a network.

    Examples
    --------
    >>> x = torch.linspace(-1, 1, 64)[:, None]
    >>> net = nn.Linear(1, 1)
    >>> net, history = fit(net, (x, 3 * x + 1), loss=nn.functional.mse_loss, epochs=200, lr=0.1,
    ...                    batch_size=64, progress=False)
    >>> round(net.weight.item(), 2), round(net.bias.item(), 2)
    (3.0, 1.0)
    """
    check_instance(model, "model", nn.Module, "a torch.nn.Module")
    data = _as_tensors(train, "train")
    loss = check_callable(loss, "loss", "a function loss(output, *targets) -> tensor")
    epochs = check_int(epochs, "epochs", min=1, max=MAX_EPOCHS)
    lr = check_float(lr, "lr", min=0, max=10, min_inclusive=False)
    batch_size = check_int(batch_size, "batch_size", min=1, max=MAX_BATCH)
    momentum = check_float(momentum, "momentum", min=0, max=1, max_inclusive=False)
    weight_decay = check_float(weight_decay, "weight_decay", min=0)
    schedule = check_choice(schedule, "schedule", SCHEDULES)
    if not callable(optimizer):
        check_choice(optimizer, "optimizer", OPTIMIZERS)
    val_data = None if val is None else _as_tensors(val, "val")
    if val_data is not None and len(val_data) != len(data):
        raise ValueError(f"val must have the structure of train ({len(data)} arrays); got "
                         f"{len(val_data)}")
    check_instance(metrics, "metrics", Mapping, "a dict of name -> metric(output, *targets)",
                   allow_none=True)
    metrics = dict(metrics or {})
    if metrics and val_data is None:
        raise ValueError("metrics are computed on val; pass val=(inputs, targets) too")
    for key, fn in metrics.items():
        check_instance(key, "metrics keys", str, "names (str)")
        check_callable(fn, f"metrics[{key!r}]", "a function metric(output, *targets) -> float")
    if augment is not None:
        check_callable(augment, "augment", "a function augment(batch, rng) -> batch")
    seed = check_int(seed, "seed", min=0, max=MAX_SEED)
    threads = check_int(threads, "threads", min=1, max=MAX_THREADS)
    if max_seconds is not None:
        max_seconds = check_float(max_seconds, "max_seconds", min=0, min_inclusive=False)
    if grad_clip is not None:
        grad_clip = check_float(grad_clip, "grad_clip", min=0, min_inclusive=False)
    progress = check_bool(progress, "progress")
    check_str(desc, "desc")
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters (all requires_grad=False)")

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            history = _loop(model, data, val_data, loss, metrics, augment, params, epochs, lr,
                            batch_size, optimizer, momentum, weight_decay, schedule, seed,
                            max_seconds, grad_clip, progress, desc)
    finally:
        torch.set_num_threads(before)
    return model.eval(), history


def _not_finite(out: Any) -> bool:
    """Whether a float tensor output holds NaN or infinity (one cheap sum first)."""
    if not isinstance(out, torch.Tensor) or not out.is_floating_point():
        return False
    out = out.detach()
    return not bool(torch.isfinite(out.sum())) and not bool(torch.isfinite(out).all())


def _loop(model, data, val_data, loss_fn, metrics, augment, params, epochs, lr, batch_size,
          optimizer, momentum, weight_decay, schedule, seed, max_seconds, grad_clip, progress,
          desc) -> History:
    from tqdm.auto import tqdm  # deferred: only training shows a bar

    rng = np.random.default_rng(seed)
    n = len(data[0])
    n_batches = -(-n // batch_size)
    total = epochs * n_batches
    opt = _optimizer(optimizer, params, lr, momentum, weight_decay)
    sched = _scheduler(schedule, opt, lr, total)
    history = History(metrics={k: [] for k in metrics})
    start = time.perf_counter()
    bar = tqdm(total=total, desc=desc, disable=not progress)
    try:
        for epoch in range(epochs):
            epoch_start = time.perf_counter()
            model.train()
            order = torch.from_numpy(rng.permutation(n))
            seen, running = 0, 0.0
            for b, idx in enumerate(order.split(batch_size)):
                batch = tuple(t[idx] for t in data)
                if augment is not None:
                    batch = tuple(augment(batch, rng))
                out = model(batch[0])
                if _not_finite(out):  # diverged: say so here, before a loss that checks its
                    raise FloatingPointError(  # input (dice_loss) refuses it less helpfully
                        f"the model's output became NaN or infinite at epoch {epoch + 1}, "
                        f"batch {b + 1}; lower the learning rate (lr={lr}) or check the inputs"
                    )
                value = loss_fn(out, *batch[1:])
                if not bool(torch.isfinite(value)):
                    raise FloatingPointError(
                        f"the loss became {float(value.detach())} at epoch {epoch + 1}, "
                        f"batch {b + 1}; lower the learning rate (lr={lr}) or check the inputs"
                    )
                opt.zero_grad()
                value.backward()
                if grad_clip is not None:
                    nn.utils.clip_grad_norm_(params, grad_clip)
                opt.step()
                sched.step()
                running += float(value.detach()) * len(idx)
                seen += len(idx)
                bar.update(1)
                if max_seconds is not None and time.perf_counter() - start > max_seconds:
                    history.stopped_early = True
                    break
            history.loss.append(running / seen)
            history.lr.append(float(opt.param_groups[0]["lr"]))
            shown = {"loss": f"{history.loss[-1]:.4g}"}
            if val_data is not None:
                out = predict(model, val_data[0], batch_size=batch_size, threads=None)
                history.val_loss.append(float(loss_fn(out, *val_data[1:])))
                for key, fn in metrics.items():
                    history.metrics[key].append(float(fn(out, *val_data[1:])))
                    shown[key] = f"{history.metrics[key][-1]:.4g}"
            history.epoch_seconds.append(time.perf_counter() - epoch_start)
            bar.set_postfix(shown)
            release_memory()  # batches of different sizes leave freed blocks malloc keeps
            if history.stopped_early:
                break
    finally:
        bar.close()
        model.eval()
        release_memory()
    history.seconds = time.perf_counter() - start
    return history


def predict(
    model: nn.Module, inputs: Any, *, batch_size: int = 256, threads: int | None = 1
) -> Any:
    """Run ``model`` on ``inputs`` in eval mode without gradients, batch by batch.

    Parameters
    ----------
    model : torch.nn.Module
    inputs : torch.Tensor or ndarray
        A batch (images through :func:`helpers.image.to_tensor` first).
    batch_size : int
        Samples per forward pass (bounds memory).
    threads : int or None
        torch threads while running, restored afterwards; None leaves them alone.

    Returns
    -------
    torch.Tensor, or a tuple of tensors for a model with several outputs
        The outputs of all batches, concatenated along the first axis.

    Examples
    --------
    >>> predict(nn.Linear(3, 2), torch.zeros(5, 3)).shape
    torch.Size([5, 2])
    """
    check_instance(model, "model", nn.Module, "a torch.nn.Module")
    (x,) = _as_tensors((inputs,), "inputs")
    batch_size = check_int(batch_size, "batch_size", min=1, max=MAX_BATCH)
    if threads is not None:
        threads = check_int(threads, "threads", min=1, max=MAX_THREADS)
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            outs = [model(chunk) for chunk in x.split(batch_size)]
    finally:
        model.train(was_training)
        torch.set_num_threads(before)
    if isinstance(outs[0], (tuple, list)):
        result = tuple(torch.cat(parts) for parts in zip(*outs, strict=True))
    else:
        result = torch.cat(outs)
    del outs
    release_memory()  # the batches' activations, freed but kept by malloc
    return result
