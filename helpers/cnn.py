"""A convolutional network from scratch in numpy - and the same network in torch.

Used in chapters/09_cnn_from_scratch.ipynb.

Every layer comes as a pair in CS231n's style: ``*_forward(x, ...) -> (out, cache)`` and
``*_backward(dout, cache) -> gradients``, where the cache holds what the backward pass needs.
Convolution and pooling are in :mod:`helpers.conv`; here::

    relu / relu_forward / relu_backward      elementwise max(0, z); the cache is z itself
    linear / linear_forward / linear_backward fully connected: x @ w.T + b (torch's layout)
    softmax_cross_entropy                    loss and its gradient with respect to the logits

:class:`SmallCNN` chains exactly these public layers into a small digit classifier (its
``loss_and_grads`` is the backward pass the chapter teaches, layer by layer);
:func:`train_numpy` trains it with mini-batch SGD and momentum. :func:`small_cnn_torch` builds
the very same network in torch (:class:`helpers.nets.cnn.TorchSmallCNN`, same initial weights)
and :func:`train_torch` trains it through the course's one loop,
:func:`helpers.nets.training.fit`, on exactly the batches :func:`train_numpy` sees for the same
seed. Both return a :class:`helpers.nets.history.History`. :func:`numeric_gradient` and
:func:`relative_error` check any backward pass against finite differences.

Images become batches only through :func:`helpers.image.to_batch`. torch is imported inside the
functions that need it, never at module level.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

import numpy as np

from . import conv
from ._validation import (
    as_array,
    check_batch,
    check_bool,
    check_callable,
    check_choice,
    check_float,
    check_instance,
    check_int,
    check_rng,
    describe,
)
from .nets.history import History

__all__ = [
    "LinearCache",
    "RandomShift",
    "SmallCNN",
    "accuracy_score",
    "gradient_check",
    "gradient_descent_1d",
    "linear",
    "linear_backward",
    "linear_forward",
    "numeric_gradient",
    "random_shift",
    "relative_error",
    "relu",
    "relu_backward",
    "relu_forward",
    "small_cnn_torch",
    "softmax",
    "softmax_cross_entropy",
    "torch_to_numpy",
    "train_numpy",
    "train_torch",
]

#: Largest number of epochs and batch size the trainers accept.
MAX_EPOCHS = 1000
MAX_BATCH = 100_000


# -- layers ------------------------------------------------------------------------------------
def relu(x: np.ndarray) -> np.ndarray:
    """Rectified linear unit, elementwise: ``max(0, x)``.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    ndarray, same shape and dtype

    Notes
    -----
    :math:`g(z) = \\max(0, z)`: the non-linearity :math:`a^{[l]} = g(z^{[l]})` of the notes'
    "one layer of a CNN". Without it, stacked layers would collapse into one linear map.

    References
    ----------
    Nair & Hinton, "Rectified linear units improve restricted Boltzmann machines", ICML 2010.
    Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    x = as_array(x, "x", kinds="iuf")
    return np.maximum(x, 0)


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`relu` and its cache, which is simply the input (CS231n style).

    Returns
    -------
    out : ndarray
        ``max(0, x)``.
    cache : ndarray
        ``x``, for :func:`relu_backward`.

    Examples
    --------
    >>> out, cache = relu_forward(np.array([-1.0, 2.0]))
    >>> out, cache
    (array([0., 2.]), array([-1.,  2.]))
    """
    x = as_array(x, "x", kinds="iuf")
    return np.maximum(x, 0), x


def relu_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient of :func:`relu`: ``dout`` where the input was positive, 0 elsewhere.

    Parameters
    ----------
    dout : ndarray
        Upstream gradient, the shape of ``x``.
    x : ndarray
        The forward pass's input (the cache of :func:`relu_forward`).

    Returns
    -------
    ndarray, the shape of ``x``

    Notes
    -----
    :math:`g'(z) = 1` for :math:`z > 0`, else 0 (torch also uses 0 at exactly 0).

    References
    ----------
    Nair & Hinton (2010). Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> relu_backward(np.array([5.0, 5.0, 5.0]), np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 5.])
    """
    x = as_array(x, "x", kinds="iuf")
    dout = as_array(dout, "dout", kinds="f")
    if dout.shape != x.shape:
        raise ValueError(f"dout must have the shape of x, {x.shape}; got {dout.shape}")
    return np.where(x > 0, dout, 0).astype(dout.dtype, copy=False)


def _check_linear(x, w):
    x = as_array(x, "x", ndim=2, shape_hint="(N, D)", fix="flatten with x.reshape(len(x), -1)")
    w = as_array(w, "w", ndim=2, shape_hint="(M, D)")
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            f"w must have one column per input feature, shape (M, {x.shape[1]}); got w shape "
            f"{w.shape} for x shape {x.shape}"
        )
    return x, w


def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """A fully connected layer: every output is a weighted sum of every input.

    Parameters
    ----------
    x : (N, D) ndarray
        N inputs of D features (flatten feature maps first).
    w : (M, D) ndarray
        One row of weights per output (torch's ``nn.Linear.weight`` layout).
    b : (M,) ndarray, optional

    Returns
    -------
    (N, M) ndarray

    Notes
    -----
    :math:`y = x W^T + b`: :math:`M D + M` parameters, against :math:`f^2 C F + F` for a conv
    layer that shares its weights across positions. Agrees with
    ``torch.nn.functional.linear`` (tests/test_cnn.py).

    References
    ----------
    Rosenblatt, "The perceptron", Psychological Review 65(6), 1958. Used in
    chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> linear(np.array([[1.0, 2.0]]), np.array([[1.0, 1.0], [0.0, -1.0]]), np.array([0.5, 0.0]))
    array([[ 3.5, -2. ]])
    """
    x, w = _check_linear(x, w)
    out = x @ w.T
    if b is not None:
        b = as_array(b, "b", ndim=1, shape_hint="(M,)")
        if b.shape != (w.shape[0],):
            raise ValueError(f"b must have shape ({w.shape[0]},); got {b.shape}")
        out = out + b
    return out


class LinearCache(NamedTuple):
    """What :func:`linear_backward` needs from :func:`linear_forward`."""

    x: np.ndarray
    """The layer's input ``(N, D)``."""
    w: np.ndarray
    """Its weights ``(M, D)``."""


def linear_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None
) -> tuple[np.ndarray, LinearCache]:
    """:func:`linear`, also returning the cache :func:`linear_backward` needs (CS231n style).

    Examples
    --------
    >>> out, cache = linear_forward(np.array([[1.0, 2.0]]), np.array([[1.0, 1.0]]))
    >>> out, cache.w.shape
    (array([[3.]]), (1, 2))
    """
    x, w = _check_linear(x, w)
    return linear(x, w, b), LinearCache(x, w)


def linear_backward(
    dout: np.ndarray, cache: LinearCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of :func:`linear`: ``(dx, dw, db)``.

    Parameters
    ----------
    dout : (N, M) ndarray
    cache : LinearCache
        From :func:`linear_forward`: the input ``x`` (N, D) and the weights ``w`` (M, D).

    Returns
    -------
    dx : (N, D) ndarray
    dw : (M, D) ndarray
    db : (M,) ndarray

    Notes
    -----
    From :math:`y = x W^T + b`: :math:`dx = dy\\, W`, :math:`dW = dy^T x`,
    :math:`db = \\sum_n dy_n`.

    References
    ----------
    Rumelhart, Hinton & Williams, Nature 323, 1986. Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> _, cache = linear_forward(np.array([[2.0, 3.0]]), np.array([[4.0, 5.0]]))
    >>> linear_backward(np.array([[1.0]]), cache)
    (array([[4., 5.]]), array([[2., 3.]]), array([1.]))
    """
    cache = check_instance(cache, "cache", LinearCache, "the cache linear_forward() returned")
    x, w = cache
    dout = as_array(dout, "dout", ndim=2, shape_hint="(N, M)")
    if dout.shape != (x.shape[0], w.shape[0]):
        raise ValueError(f"dout must have shape {(x.shape[0], w.shape[0])}; got {dout.shape}")
    return dout @ w, dout.T @ x, dout.sum(axis=0)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Class probabilities from scores, row by row: ``exp(z) / sum(exp(z))``.

    Parameters
    ----------
    logits : (N, K) ndarray

    Returns
    -------
    (N, K) ndarray, rows summing to 1

    Notes
    -----
    Subtracting each row's maximum first changes nothing mathematically
    (:math:`e^{z - m} / \\sum e^{z - m} = e^z / \\sum e^z`) and keeps ``exp`` from overflowing.

    References
    ----------
    Bridle, "Probabilistic interpretation of feedforward classification network outputs",
    1990. Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> softmax(np.array([[0.0, np.log(3.0)]]))
    array([[0.25, 0.75]])
    """
    logits = as_array(logits, "logits", ndim=2, kinds="iuf", shape_hint="(N, K)")
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy loss of softmax probabilities, and its gradient.

    Parameters
    ----------
    logits : (N, K) ndarray
        Raw class scores.
    labels : (N,) ndarray of int
        The true class of each row, in ``0 .. K-1``.

    Returns
    -------
    loss : float
        :math:`-\\frac{1}{N}\\sum_n \\log p_{n, y_n}`.
    dlogits : (N, K) ndarray
        :math:`(p - \\mathrm{onehot}(y)) / N`.

    Notes
    -----
    The log-probability is computed as :math:`z_y - m - \\log\\sum e^{z - m}` (log-sum-exp),
    never as ``log(softmax)``, which gives ``-inf`` once a probability underflows. Agrees with
    ``torch.nn.functional.cross_entropy`` (mean reduction) and its autograd gradient
    (tests/test_cnn.py).

    References
    ----------
    Goodfellow, Bengio & Courville, "Deep Learning", MIT Press 2016, section 6.2.2.3.
    Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> loss, d = softmax_cross_entropy(np.array([[0.0, 0.0]]), np.array([1]))
    >>> round(loss, 4), d                         # log 2, and (p - onehot) / N
    (0.6931, array([[ 0.5, -0.5]]))
    """
    logits = as_array(logits, "logits", ndim=2, kinds="iuf", shape_hint="(N, K)")
    labels = as_array(labels, "labels", ndim=1, kinds="iu", shape_hint="(N,)")
    n, k = logits.shape
    if labels.shape[0] != n:
        raise ValueError(
            f"labels must have one entry per row of logits ({n}); got {labels.shape[0]}"
        )
    if labels.min() < 0 or labels.max() >= k:
        raise ValueError(
            f"labels must be class indices in 0..{k - 1}; got values from {labels.min()} "
            f"to {labels.max()}"
        )
    z = logits - logits.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(z).sum(axis=1))
    rows = np.arange(n)
    loss = float(np.mean(log_sum - z[rows, labels]))
    dlogits = np.exp(z - log_sum[:, None])
    dlogits[rows, labels] -= 1
    return loss, dlogits / n


# -- gradient checking -------------------------------------------------------------------------
def numeric_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, *, h: float = 1e-5
) -> np.ndarray:
    """Central-difference estimate of the gradient of a scalar function ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``; it is called ``2 * x.size`` times with ``x`` perturbed in place.
    x : ndarray of float64
        The point; restored to its original values on return.
    h : float
        Step (> 0); 1e-5 balances truncation error (~h^2) against rounding (~eps / h).

    Returns
    -------
    ndarray, the shape of ``x``

    Notes
    -----
    .. math:: \\frac{\\partial f}{\\partial x_i} \\approx
              \\frac{f(x + h e_i) - f(x - h e_i)}{2h}

    with error :math:`O(h^2)`. Compare with the analytic gradient by :func:`relative_error`:
    in float64 a correct backward pass gives about 1e-8 or less.

    References
    ----------
    CS231n, "Gradient checks", https://cs231n.github.io/neural-networks-3/#gradcheck.
    Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> numeric_gradient(lambda v: float(np.sum(v ** 2)), np.array([1.0, -2.0])).round(6)
    array([ 2., -4.])
    """
    check_callable(f, "f", "a function x -> float")
    x = as_array(x, "x", kinds="f")
    if x.dtype != np.float64:
        raise TypeError(f"x must be float64 for a meaningful gradient check; got dtype {x.dtype}")
    h = check_float(h, "h", min=0, min_inclusive=False)
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)  # views: perturbing flat perturbs x
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = float(f(x))
        flat[i] = old - h
        minus = float(f(x))
        flat[i] = old
        gflat[i] = (plus - minus) / (2 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Largest elementwise relative difference ``|a - b| / max(|a| + |b|, 1e-12)``.

    Parameters
    ----------
    a, b : ndarray, same shape

    Returns
    -------
    float

    Notes
    -----
    :math:`\\max_i |a_i - b_i| / \\max(|a_i| + |b_i|, 10^{-12})`: scale-free, so one threshold
    (about 1e-7 in float64) works for gradients of any size.

    References
    ----------
    CS231n, "Gradient checks". Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 4e-8]))   # 4e-8 / 4
    1e-08
    """
    a = as_array(a, "a", allow_empty=True)
    b = as_array(b, "b", allow_empty=True)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    a, b = a.astype(np.float64), b.astype(np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))


def gradient_descent_1d(grad: Callable[[float], float], w0: float, lr: float,
                        steps: int) -> np.ndarray:
    """Gradient descent on a loss of one weight: the iterates ``w_0, w_1, ..., w_steps``.

    Parameters
    ----------
    grad : callable, float -> float
        The derivative of the loss, ``L'(w)``.
    w0 : float
        Starting weight, in [-1e6, 1e6].
    lr : float
        Learning rate (step size), in [0, 100].
    steps : int
        Number of steps, 0 to 10,000.

    Returns
    -------
    (steps + 1,) float64 array
        ``w[k + 1] = w[k] - lr * grad(w[k])``. If the iterates leave [-1e12, 1e12] (a learning
        rate that diverges), the rest are ``inf`` or ``-inf`` instead of overflowing.

    Notes
    -----
    On ``L(w) = c w^2`` (``L'(w) = 2 c w``) each step multiplies ``w`` by ``1 - 2 c lr``: the
    iterates shrink monotonically for ``lr < 1 / (2c)``, overshoot and oscillate in towards 0
    for ``1 / (2c) < lr < 1 / c``, and grow without bound for ``lr > 1 / c``. Training a network
    is the same walk in millions of dimensions, with the mini-batch gradient in place of
    ``L'``.

    References
    ----------
    Used in chapters/09_cnn_from_scratch.ipynb (the learning rate, before training).

    Examples
    --------
    >>> gradient_descent_1d(lambda w: 2 * w, 1.0, 0.25, 3)
    array([1.   , 0.5  , 0.25 , 0.125])
    """
    check_callable(grad, "grad", "a function of one float returning the loss's derivative")
    w = check_float(w0, "w0", min=-1e6, max=1e6)
    lr = check_float(lr, "lr", min=0.0, max=100.0)
    steps = check_int(steps, "steps", min=0, max=10_000)
    path = np.empty(steps + 1)
    path[0] = w
    for k in range(steps):
        if abs(w) > 1e12:  # diverged: say so with inf rather than overflow warnings
            path[k + 1:] = np.copysign(np.inf, w)
            break
        g = grad(w)
        try:
            g = float(g)
        except (TypeError, ValueError):
            raise TypeError(f"grad must return a float; grad({w:g}) returned "
                            f"{describe(g)}") from None
        if not np.isfinite(g):
            raise ValueError(f"grad returned {g} at w = {w:g}; it must return a finite number")
        w = w - lr * g
        path[k + 1] = w
    return path


#: Most input values :func:`gradient_check` perturbs (each costs two forward passes).
MAX_CHECKED_VALUES = 20_000


def gradient_check(
    forward: Callable[..., tuple[np.ndarray, Any]],
    backward: Callable[[np.ndarray, Any], Any],
    inputs: dict[str, np.ndarray],
    dout: np.ndarray,
    *,
    h: float = 1e-5,
) -> dict[str, float]:
    """Gradient check of a CS231n-style layer pair: analytic gradients against numeric ones.

    Parameters
    ----------
    forward : callable
        ``forward(*inputs.values()) -> (out, cache)``, e.g. ``conv.conv2d_forward``.
    backward : callable
        ``backward(dout, cache)`` -> one gradient (an array) or a tuple of gradients, in the
        order of ``inputs``; gradients and inputs are paired in order and only the pairs are
        checked (``linear_backward``'s ``db`` is not, when ``inputs`` has no ``"b"``).
    inputs : dict of str to float64 ndarray
        The layer's inputs by name (``{"x": x, "w": w, "b": b}``); at most
        :data:`MAX_CHECKED_VALUES` values in all. Left unchanged.
    dout : ndarray, the shape of ``out``
        The upstream gradient :math:`g`.
    h : float
        Finite-difference step, as in :func:`numeric_gradient`.

    Returns
    -------
    dict of str to float
        ``{"d" + name: relative error}`` for each checked input (:func:`relative_error`).

    Notes
    -----
    The scalar checked is :math:`L = \\sum \\mathrm{out} \\cdot g`, so
    :math:`\\partial L / \\partial \\mathrm{out} = g` and ``backward(g, cache)`` must equal
    :func:`numeric_gradient` of :math:`L` with respect to each input. In float64 a correct
    backward pass gives about 1e-8 or less; a bug gives something near 1.

    References
    ----------
    CS231n, assignment 2, ``eval_numerical_gradient_array``. Used in
    chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> x, w, b = np.array([[1.0, 2.0]]), np.array([[3.0, -1.0]]), np.array([0.5])
    >>> errors = gradient_check(linear_forward, linear_backward, {"x": x, "w": w, "b": b},
    ...                         np.ones((1, 1)))
    >>> list(errors), max(errors.values()) < 1e-8
    (['dx', 'dw', 'db'], True)
    """
    check_callable(forward, "forward", "a function forward(*inputs) -> (out, cache)")
    check_callable(backward, "backward", "a function backward(dout, cache) -> gradients")
    check_instance(inputs, "inputs", dict, "a dict of named float64 arrays, e.g. {'x': x}")
    if not inputs or not all(isinstance(k, str) for k in inputs):
        raise ValueError(f"inputs must be a non-empty dict with str keys; got keys {list(inputs)}")
    values = {}
    for name, value in inputs.items():
        arr = as_array(value, f"inputs[{name!r}]", kinds="f")
        if arr.dtype != np.float64:
            raise TypeError(f"inputs[{name!r}] must be float64 for a meaningful gradient check; "
                            f"got dtype {arr.dtype} - use .astype(np.float64)")
        values[name] = arr.copy()
    total = sum(v.size for v in values.values())
    if total > MAX_CHECKED_VALUES:
        raise ValueError(f"inputs must hold at most {MAX_CHECKED_VALUES:,} values in all (each "
                         f"costs two forward passes); got {total:,} - check a smaller layer")
    dout = as_array(dout, "dout", kinds="f")
    h = check_float(h, "h", min=0, min_inclusive=False)
    args = list(values.values())
    out, cache = forward(*args)
    if np.shape(out) != dout.shape:
        raise ValueError(f"dout must have the shape of the forward output, {np.shape(out)}; "
                         f"got {dout.shape}")
    grads = backward(dout, cache)
    grads = grads if isinstance(grads, (tuple, list)) else (grads,)
    errors = {}
    for i, (name, grad) in enumerate(zip(values, grads, strict=False)):

        def loss(v, i=i):
            trial = args[:i] + [v] + args[i + 1:]
            return float(np.sum(forward(*trial)[0] * dout))

        numeric = numeric_gradient(loss, values[name].copy(), h=h)
        if np.shape(grad) != numeric.shape:
            raise ValueError(f"backward's gradient for {name!r} has shape {np.shape(grad)}; "
                             f"expected {numeric.shape}, the shape of inputs[{name!r}]")
        errors["d" + name] = relative_error(np.asarray(grad), numeric)
    return errors


# -- augmentation ------------------------------------------------------------------------------
def random_shift(x: np.ndarray, max_shift: int, rng: np.random.Generator | int) -> np.ndarray:
    """Move each image of a batch by a random whole number of pixels (zeros come in).

    Parameters
    ----------
    x : (N, C, H, W) ndarray
    max_shift : int
        Largest shift in each direction (0 to 64); each image gets its own (dy, dx) drawn
        uniformly from ``-max_shift .. max_shift``.
    rng : numpy.random.Generator or int

    Returns
    -------
    (N, C, H, W) ndarray, same dtype

    Notes
    -----
    Data augmentation: a digit moved by two pixels is still the same digit, so the network
    sees "new" training images every epoch and overfits the 4,000 digits less. Convolution is
    shift-equivariant, but pooling and the fully connected layer are not, hence the gain.

    References
    ----------
    Simard, Steinkraus & Platt, "Best practices for convolutional neural networks applied to
    visual document analysis", ICDAR 2003. Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> random_shift(x, 0, rng=0)[0, 0]
    array([[0., 1., 2.],
           [3., 4., 5.],
           [6., 7., 8.]])
    """
    x = check_batch(x)
    max_shift = check_int(max_shift, "max_shift", min=0, max=64)
    rng = check_rng(rng)
    if max_shift == 0:
        return x.copy()
    n, _, h, w = x.shape
    m = max_shift
    padded = np.pad(x, ((0, 0), (0, 0), (m, m), (m, m)))
    shifts = rng.integers(-m, m + 1, size=(n, 2))
    out = np.empty_like(x)
    # Group images by shift: at most (2m + 1)^2 slice copies instead of one per image.
    for dy in range(-m, m + 1):
        for dx in range(-m, m + 1):
            idx = np.flatnonzero((shifts[:, 0] == dy) & (shifts[:, 1] == dx))
            if idx.size:
                out[idx] = padded[idx, :, m - dy : m - dy + h, m - dx : m - dx + w]
    return out


class RandomShift:
    """Augmentation for a training loop: :func:`random_shift` applied to a batch's images.

    Parameters
    ----------
    max_shift : int
        As in :func:`random_shift`.

    Notes
    -----
    ``RandomShift(2)(batch, rng)`` takes ``batch = (x, labels, ...)`` of numpy arrays or torch
    tensors, shifts ``x`` with the loop's Generator and returns the batch: the ``augment``
    argument of :func:`helpers.nets.training.fit`, and what :func:`train_numpy` applies. Both
    loops draw the batch order first (``rng.permutation(n)`` each epoch) and then the shifts of
    each batch from the same Generator, so the numpy and the torch run see identical batches.

    References
    ----------
    Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> x = np.zeros((2, 1, 5, 5)); x[:, :, 2, 2] = 1
    >>> shifted, labels = RandomShift(1)((x, np.array([3, 4])), np.random.default_rng(0))
    >>> shifted.shape, float(shifted.sum()), labels.tolist()
    ((2, 1, 5, 5), 2.0, [3, 4])
    """

    def __init__(self, max_shift: int) -> None:
        self.max_shift = check_int(max_shift, "max_shift", min=0, max=64)

    def __repr__(self) -> str:
        return f"RandomShift({self.max_shift})"

    def __call__(self, batch: tuple, rng: np.random.Generator) -> tuple:
        if not isinstance(batch, (tuple, list)) or not batch:
            raise TypeError(f"batch must be a tuple (x, labels, ...); got {describe(batch)}")
        x = batch[0]
        if type(x).__module__.startswith("torch"):  # a torch batch from fit: shift in numpy
            import torch

            shifted = torch.from_numpy(random_shift(x.numpy(), self.max_shift, rng))
        else:
            shifted = random_shift(x, self.max_shift, rng)
        return (shifted, *batch[1:])


# -- the network -------------------------------------------------------------------------------
def _check_float_dtype(dtype: Any, name: str) -> np.dtype:
    """A floating-point numpy dtype (np.float32, "float64", ...); anything else refused."""
    if dtype is None or isinstance(dtype, (bool, np.bool_)):
        raise TypeError(f"{name} must be a float dtype such as np.float32; got {describe(dtype)}")
    try:
        out = np.dtype(dtype)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a float dtype such as np.float32; got "
                        f"{describe(dtype)}") from None
    if out.kind != "f":
        raise TypeError(f"{name} must be a float dtype such as np.float32; got {out}")
    return out


@dataclass
class SmallCNN:
    """A small digit classifier, all parameters as named numpy arrays.

    ``conv(3x3, c1, same) -> ReLU -> maxpool 2 -> conv(3x3, c2, same) -> ReLU -> maxpool 2 ->
    flatten -> fully connected -> 10 scores``. For 28x28 digits and the default c1=16, c2=32
    this is 160 + 4,640 + 15,690 = 20,490 parameters.

    Attributes
    ----------
    conv1_w : (c1, 1, 3, 3) ndarray
    conv1_b : (c1,) ndarray
    conv2_w : (c2, c1, 3, 3) ndarray
    conv2_b : (c2,) ndarray
    fc_w : (10, c2 * (H // 4) * (W // 4)) ndarray
    fc_b : (10,) ndarray

    Raises
    ------
    TypeError, ValueError
        When built from arrays that are not finite float arrays of these shapes (the biases
        matching their layers, conv2_w taking c1 channels); ``init`` and ``astype`` refuse a
        ``dtype`` that is not a float dtype.

    Notes
    -----
    A LeNet-style network (conv, pool, conv, pool, fully connected) sized so that numpy can
    train it on 4,000 digits in seconds. Weights start from He-normal values
    :math:`\\mathcal{N}(0, 2 / \\mathrm{fan\\_in})`, biases from zero. The forward pass chains
    the public layers (:func:`helpers.conv.conv2d_forward`, :func:`relu_forward`,
    :func:`helpers.conv.max_pool2d_forward`, :func:`linear_forward`) and
    :meth:`loss_and_grads` walks their backward functions in reverse, with their caches.

    References
    ----------
    LeCun et al., "Gradient-based learning applied to document recognition", Proc. IEEE 86(11),
    1998; He et al., "Delving deep into rectifiers", ICCV 2015.
    Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> net = SmallCNN.init(rng=0)
    >>> net.n_params(), net.forward(np.zeros((2, 1, 28, 28), np.float32)).shape
    (20490, (2, 10))
    """

    conv1_w: np.ndarray
    conv1_b: np.ndarray
    conv2_w: np.ndarray
    conv2_b: np.ndarray
    fc_w: np.ndarray
    fc_b: np.ndarray

    def __post_init__(self) -> None:
        """Check every parameter: finite float arrays whose shapes chain layer to layer."""
        shapes = {"conv1_w": (4, "(c1, C, kh, kw)"), "conv1_b": (1, "(c1,)"),
                  "conv2_w": (4, "(c2, c1, kh, kw)"), "conv2_b": (1, "(c2,)"),
                  "fc_w": (2, "(n_classes, n_flat)"), "fc_b": (1, "(n_classes,)")}
        for k, (ndim, hint) in shapes.items():
            setattr(self, k, as_array(getattr(self, k), k, ndim=ndim, kinds="f", shape_hint=hint))
        c1, c2, n_classes = len(self.conv1_w), len(self.conv2_w), len(self.fc_w)
        for k, want in (("conv1_b", (c1,)), ("conv2_b", (c2,)), ("fc_b", (n_classes,))):
            if getattr(self, k).shape != want:
                raise ValueError(f"{k} must have shape {want} (one bias per output); got "
                                 f"{getattr(self, k).shape}")
        if self.conv2_w.shape[1] != c1:
            raise ValueError(f"conv2_w must have {c1} input channels (conv1_w has {c1} "
                             f"filters); got shape {self.conv2_w.shape}")
        if self.fc_w.shape[1] % c2:
            raise ValueError(f"fc_w must have a multiple of {c2} inputs (c2 maps, flattened); "
                             f"got shape {self.fc_w.shape}")

    @classmethod
    def _trusted(cls, *arrays: np.ndarray) -> SmallCNN:
        """Build from arrays known to fit (the gradients), skipping the checks: a diverging
        step's NaN gradients show up in the loss history rather than as an error here."""
        net = object.__new__(cls)
        for f, a in zip(fields(cls), arrays, strict=True):
            setattr(net, f.name, a)
        return net

    @classmethod
    def init(
        cls,
        rng: np.random.Generator | int,
        *,
        c1: int = 16,
        c2: int = 32,
        size: int = 28,
        n_classes: int = 10,
        dtype: type = np.float32,
    ) -> SmallCNN:
        """Fresh He-normal weights for ``size x size`` gray inputs (size divisible by 4)."""
        rng = check_rng(rng)
        dtype = _check_float_dtype(dtype, "dtype")
        c1, c2 = check_int(c1, "c1", min=1, max=512), check_int(c2, "c2", min=1, max=512)
        size = check_int(size, "size", min=4, max=512)
        if size % 4:
            raise ValueError(f"size must be divisible by 4 (two 2x2 poolings); got {size}")
        n_classes = check_int(n_classes, "n_classes", min=2, max=10_000)
        n_flat = c2 * (size // 4) ** 2

        def he(shape, fan_in):
            return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)

        return cls(
            conv1_w=he((c1, 1, 3, 3), 9),
            conv1_b=np.zeros(c1, dtype),
            conv2_w=he((c2, c1, 3, 3), 9 * c1),
            conv2_b=np.zeros(c2, dtype),
            fc_w=he((n_classes, n_flat), n_flat),
            fc_b=np.zeros(n_classes, dtype),
        )

    def names(self) -> list[str]:
        """The parameters' names, in layer order."""
        return [f.name for f in fields(self)]

    def n_params(self) -> int:
        """Total number of learnable values."""
        return int(sum(getattr(self, k).size for k in self.names()))

    def astype(self, dtype: type) -> SmallCNN:
        """A copy with every parameter cast to ``dtype`` (float64 for gradient checks)."""
        dtype = _check_float_dtype(dtype, "dtype")
        return SmallCNN(**{k: getattr(self, k).astype(dtype) for k in self.names()})

    def _check_x(self, x):
        x = check_batch(x, channels=self.conv1_w.shape[1])
        n_flat = self.conv2_w.shape[0] * (x.shape[2] // 4) * (x.shape[3] // 4)
        if n_flat != self.fc_w.shape[1]:
            raise ValueError(
                f"x of shape {x.shape} gives {n_flat} features after two poolings but fc_w expects "
                f"{self.fc_w.shape[1]} - use images of the size the net was built for"
            )
        return x.astype(self.conv1_w.dtype, copy=False)

    def _forward(self, x):
        """Every layer's output (by name) and its cache (by name + "_cache")."""
        a = {"x": x}
        a["conv1"], a["conv1_cache"] = conv.conv2d_forward(x, self.conv1_w, self.conv1_b,
                                                          padding="same")
        a["relu1"], a["relu1_cache"] = relu_forward(a["conv1"])
        a["pool1"], a["pool1_cache"] = conv.max_pool2d_forward(a["relu1"], 2)
        a["conv2"], a["conv2_cache"] = conv.conv2d_forward(a["pool1"], self.conv2_w, self.conv2_b,
                                                          padding="same")
        a["relu2"], a["relu2_cache"] = relu_forward(a["conv2"])
        a["pool2"], a["pool2_cache"] = conv.max_pool2d_forward(a["relu2"], 2)
        flat = a["pool2"].reshape(len(x), -1)
        a["logits"], a["fc_cache"] = linear_forward(flat, self.fc_w, self.fc_b)
        return a

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Class scores (logits), ``(N, 10)``, for a batch ``x`` of shape ``(N, 1, H, W)``."""
        return self._forward(self._check_x(x))["logits"]

    def activations(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Every intermediate map by name: conv1, relu1, pool1, conv2, relu2, pool2, logits."""
        a = self._forward(self._check_x(x))
        return {k: a[k] for k in ("conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "logits")}

    def predict(self, x: np.ndarray, *, batch_size: int = 500) -> np.ndarray:
        """Predicted class of each image, ``(N,)`` int64."""
        x = self._check_x(x)
        batch_size = check_int(batch_size, "batch_size", min=1, max=MAX_BATCH)
        return np.concatenate(
            [
                self._forward(x[i : i + batch_size])["logits"].argmax(1)
                for i in range(0, len(x), batch_size)
            ]
        )

    def loss_and_grads(self, x: np.ndarray, labels: np.ndarray) -> tuple[float, SmallCNN]:
        """Mean cross-entropy on a batch and its gradient for every parameter (backprop).

        Returns the loss and a :class:`SmallCNN` holding the gradients (same names and shapes).
        """
        a = self._forward(self._check_x(x))
        loss, d = softmax_cross_entropy(a["logits"], labels)
        d = d.astype(self.fc_w.dtype, copy=False)
        # Walk the layers backwards, each turning d(loss)/d(output) into d(loss)/d(input).
        dflat, dfc_w, dfc_b = linear_backward(d, a["fc_cache"])
        dpool2 = dflat.reshape(a["pool2"].shape)
        drelu2 = conv.max_pool2d_backward(dpool2, a["pool2_cache"])
        dconv2 = relu_backward(drelu2, a["relu2_cache"])
        dpool1, dconv2_w, dconv2_b = conv.conv2d_backward(dconv2, a["conv2_cache"])
        drelu1 = conv.max_pool2d_backward(dpool1, a["pool1_cache"])
        dconv1 = relu_backward(drelu1, a["relu1_cache"])
        _, dconv1_w, dconv1_b = conv.conv2d_backward(dconv1, a["conv1_cache"])
        return loss, SmallCNN._trusted(dconv1_w, dconv1_b, dconv2_w, dconv2_b, dfc_w, dfc_b)


def accuracy_score(predicted: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of predicted labels equal to the true labels.

    Parameters
    ----------
    predicted, labels : (N,) ndarray of int

    Returns
    -------
    float in [0, 1]

    Notes
    -----
    :math:`\\frac{1}{N} \\sum_n [\\hat y_n = y_n]`. On 1,000 test images one mistake is 0.001.
    (:func:`helpers.nets.training.accuracy` is the same measure on torch logits.)

    References
    ----------
    Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> accuracy_score(np.array([1, 2, 3, 4]), np.array([1, 2, 0, 4]))
    0.75
    """
    predicted = as_array(predicted, "predicted", ndim=1, kinds="iu")
    labels = as_array(labels, "labels", ndim=1, kinds="iu")
    if predicted.shape != labels.shape:
        raise ValueError(
            f"predicted and labels must have the same shape; got {predicted.shape} "
            f"and {labels.shape}"
        )
    return float(np.mean(predicted == labels))


# -- training ------------------------------------------------------------------------------------
def _check_training(x, labels, epochs, batch_size, lr, momentum, schedule, shift, progress):
    x = check_batch(x)
    labels = as_array(labels, "labels", ndim=1, kinds="iu", shape_hint="(N,)")
    if len(labels) != len(x):
        raise ValueError(f"labels must have one entry per image ({len(x)}); got {len(labels)}")
    return (
        x,
        labels.astype(np.int64),
        check_int(epochs, "epochs", min=1, max=MAX_EPOCHS),
        check_int(batch_size, "batch_size", min=1, max=MAX_BATCH),
        check_float(lr, "lr", min=0, max=10, min_inclusive=False),
        check_float(momentum, "momentum", min=0, max=1, max_inclusive=False),
        check_choice(schedule, "schedule", ("constant", "linear")),
        check_int(shift, "shift", min=0, max=64),
        check_bool(progress, "progress"),
    )


def _check_val(val: Any) -> tuple[np.ndarray, np.ndarray] | None:
    if val is None:
        return None
    if not isinstance(val, (tuple, list)) or len(val) != 2:
        raise TypeError(f"val must be a pair (x_val, labels_val); got {describe(val)}")
    x = check_batch(val[0], "val[0]")
    labels = as_array(val[1], "val[1]", ndim=1, kinds="iu", shape_hint="(N,)")
    if len(labels) != len(x):
        raise ValueError(f"val[1] must have one label per image of val[0] ({len(x)}); "
                         f"got {len(labels)}")
    return x, labels


def train_numpy(
    net: SmallCNN,
    x: np.ndarray,
    labels: np.ndarray,
    *,
    epochs: int = 3,
    batch_size: int = 32,
    lr: float = 0.05,
    momentum: float = 0.9,
    schedule: str = "linear",
    shift: int = 0,
    rng: np.random.Generator | int,
    val: tuple[np.ndarray, np.ndarray] | None = None,
    progress: bool = True,
    threads: int | None = 1,
) -> tuple[SmallCNN, History]:
    """Train a copy of ``net`` with mini-batch SGD and momentum; ``net`` itself is unchanged.

    Parameters
    ----------
    net : SmallCNN
        The starting point.
    x : (N, 1, H, W) ndarray
        Training images as a float batch (from :func:`helpers.image.to_batch`).
    labels : (N,) ndarray of int
    epochs : int
        Passes over the data (1 to 1,000).
    batch_size : int
        Images per step.
    lr : float
        Learning rate.
    momentum : float
        In [0, 1).
    schedule : {"linear", "constant"}
        "linear" lowers the learning rate step by step from ``lr`` to 0 over the run: big
        steps early, fine ones at the end.
    shift : int
        If > 0, each batch is augmented by :class:`RandomShift` with this ``max_shift``.
    rng : numpy.random.Generator or int
        Shuffles the batches (and draws the shifts); an int seed gives the very batches
        :func:`train_torch` (through :func:`helpers.nets.training.fit`) sees with that seed.
    val : (x_val, labels_val), optional
        Evaluated after each epoch into ``history.val_loss`` and ``history.metrics["accuracy"]``.
    progress : bool
        Show a tqdm progress bar.
    threads : int or None
        BLAS threads while training (restored afterwards); None keeps numpy's default. One by
        default: this net's matrices are too small to gain from a second thread, and on a
        busy machine a second spinning BLAS thread made training ten times slower.

    Returns
    -------
    net : SmallCNN
        The trained copy.
    history : helpers.nets.history.History
        The record :func:`helpers.nets.training.fit` returns, filled the same way.

    Notes
    -----
    Momentum SGD as torch implements it: :math:`v \\leftarrow \\mu v + g`,
    :math:`\\theta \\leftarrow \\theta - \\eta_t v`, with
    :math:`\\eta_t = \\eta (1 - t / T)` for the linear schedule (t = step, T = all steps).
    Each epoch draws ``rng.permutation(N)``, then each batch's shifts, in that order - as
    :func:`helpers.nets.training.fit` does.

    References
    ----------
    Sutskever et al., "On the importance of initialization and momentum in deep learning",
    ICML 2013. Used in chapters/09_cnn_from_scratch.ipynb.
    """
    check_instance(net, "net", SmallCNN)
    x, labels, epochs, batch_size, lr, momentum, schedule, shift, progress = _check_training(
        x, labels, epochs, batch_size, lr, momentum, schedule, shift, progress
    )
    val = _check_val(val)
    rng = check_rng(rng)
    threads = None if threads is None else check_int(threads, "threads", min=1, max=256)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads, user_api="blas"):
        return _train_numpy(net, x, labels, epochs, batch_size, lr, momentum, schedule, shift,
                            rng, val, progress)


def _train_numpy(net, x, labels, epochs, batch_size, lr, momentum, schedule, shift, rng, val,
                 progress):
    from tqdm.auto import tqdm  # deferred: only training shows a bar

    net = copy.deepcopy(net)
    names = net.names()
    velocity = {k: np.zeros_like(getattr(net, k)) for k in names}
    augment = RandomShift(shift) if shift else None
    history = History(metrics={"accuracy": []} if val is not None else {})
    start = time.perf_counter()
    n_batches = -(-len(x) // batch_size)
    step, total = 0, epochs * n_batches
    bar = tqdm(total=total, desc="numpy CNN", disable=not progress, leave=True)
    for _ in range(epochs):
        epoch_start = time.perf_counter()
        order = rng.permutation(len(x))
        running = 0.0
        for i in range(0, len(x), batch_size):
            idx = order[i : i + batch_size]
            xb, yb = (x[idx], labels[idx]) if augment is None else augment((x[idx], labels[idx]),
                                                                           rng)
            loss, grads = net.loss_and_grads(xb, yb)
            rate = lr * (1 - step / total) if schedule == "linear" else lr
            for k in names:
                v = velocity[k]
                v *= momentum
                v += getattr(grads, k)
                getattr(net, k)[...] -= rate * v
            step += 1
            running += loss * len(idx)
            bar.update(1)
        history.loss.append(running / len(x))
        history.lr.append(lr * (1 - step / total) if schedule == "linear" else lr)
        shown = {"loss": f"{history.loss[-1]:.4g}"}
        if val is not None:
            logits = np.concatenate([net.forward(val[0][i : i + 500])
                                     for i in range(0, len(val[0]), 500)])
            history.val_loss.append(softmax_cross_entropy(logits, val[1])[0])
            history.metrics["accuracy"].append(accuracy_score(logits.argmax(1), val[1]))
            shown["accuracy"] = f"{history.metrics['accuracy'][-1]:.4g}"
        history.epoch_seconds.append(time.perf_counter() - epoch_start)
        bar.set_postfix(shown)
    bar.close()
    history.seconds = time.perf_counter() - start
    return net, history


# -- the same network in torch -----------------------------------------------------------------
def small_cnn_torch(net: SmallCNN) -> Any:
    """The same network as a :class:`helpers.nets.cnn.TorchSmallCNN`, starting from ``net``'s
    weights.

    Parameters
    ----------
    net : SmallCNN

    Returns
    -------
    helpers.nets.cnn.TorchSmallCNN
        ``conv1 -> ReLU -> MaxPool2d(2) -> conv2 -> ReLU -> MaxPool2d(2) -> flatten -> fc``, in
        float32, with ``net``'s parameters copied in. On the same input it gives the same
        logits as ``net.forward`` (to float32 rounding; tests/test_cnn.py).

    References
    ----------
    Paszke et al., "PyTorch: an imperative style, high-performance deep learning library",
    NeurIPS 2019. Used in chapters/09_cnn_from_scratch.ipynb.
    """
    check_instance(net, "net", SmallCNN)
    from .nets.cnn import TorchSmallCNN

    return TorchSmallCNN.from_numpy(net)


def torch_to_numpy(model: Any) -> SmallCNN:
    """Copy the weights of a :class:`helpers.nets.cnn.TorchSmallCNN` back into a
    :class:`SmallCNN`.

    Used to show the torch-trained filters with the same tools as the numpy ones.

    Parameters
    ----------
    model : helpers.nets.cnn.TorchSmallCNN
        Built by :func:`small_cnn_torch` (possibly trained since).

    Returns
    -------
    SmallCNN
        float32 copies of the weights, in torch's own layouts (which are ours).

    References
    ----------
    Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> net = SmallCNN.init(rng=0)
    >>> bool(np.array_equal(torch_to_numpy(small_cnn_torch(net)).conv2_w, net.conv2_w))
    True
    """
    if type(model).__name__ != "TorchSmallCNN":  # no torch import just to refuse a string
        raise TypeError(f"model must come from small_cnn_torch() (a TorchSmallCNN); got "
                        f"{describe(model)}")
    layers = (model.conv1, model.conv2, model.fc)
    arrays = [t.detach().cpu().numpy().copy() for layer in layers for t in (layer.weight,
                                                                          layer.bias)]
    return SmallCNN(*arrays)


def train_torch(
    model: Any,
    x: np.ndarray,
    labels: np.ndarray,
    *,
    epochs: int = 3,
    batch_size: int = 32,
    lr: float = 0.05,
    momentum: float = 0.9,
    schedule: str = "linear",
    shift: int = 0,
    seed: int,
    val: tuple[np.ndarray, np.ndarray] | None = None,
    progress: bool = True,
    threads: int | None = 1,
) -> tuple[Any, History]:
    """Train a copy of a torch model with SGD and momentum through
    :func:`helpers.nets.training.fit`, exactly as :func:`train_numpy` trains the numpy net.

    Parameters
    ----------
    model : torch.nn.Module
        E.g. from :func:`small_cnn_torch`; not modified.
    x : (N, 1, H, W) ndarray
        Training images as a float batch (from :func:`helpers.image.to_batch`).
    labels : (N,) ndarray of int
    epochs, batch_size, lr, momentum, schedule, shift
        As in :func:`train_numpy`.
    seed : int
        fit's seed: ``numpy.random.default_rng(seed)`` draws the batch order and the shifts,
        so ``train_numpy(..., rng=seed)`` sees the same batches in the same order.
    val : (x_val, labels_val), optional
        Evaluated after each epoch into ``history.val_loss`` and ``history.metrics["accuracy"]``.
    progress : bool
    threads : int or None
        torch's intra-op threads while training (restored afterwards); None keeps the current
        setting.

    Returns
    -------
    model : torch.nn.Module
        The trained copy, in eval mode.
    history : helpers.nets.history.History

    Notes
    -----
    ``torch.nn.functional.cross_entropy`` (mean), ``optimizer="sgd"`` with ``momentum`` and the
    same linear schedule: the same loss and update rule as the numpy loop, so the two differ
    only in speed and rounding.

    References
    ----------
    Paszke et al. (2019). Used in chapters/09_cnn_from_scratch.ipynb.
    """
    x, labels, epochs, batch_size, lr, momentum, schedule, shift, progress = _check_training(
        x, labels, epochs, batch_size, lr, momentum, schedule, shift, progress
    )
    val = _check_val(val)
    seed = check_int(seed, "seed", min=0)
    import torch
    import torch.nn.functional as F  # noqa: N812 - torch's own convention

    from .nets.training import accuracy, fit

    check_instance(model, "model", torch.nn.Module, "a torch.nn.Module")
    threads = torch.get_num_threads() if threads is None else check_int(threads, "threads",
                                                                        min=1, max=256)
    as_float = (lambda a: np.ascontiguousarray(a, np.float32))  # noqa: E731 - a batch already
    return fit(
        copy.deepcopy(model), (as_float(x), labels), loss=F.cross_entropy, epochs=epochs,
        lr=lr, batch_size=batch_size, optimizer="sgd", momentum=momentum, schedule=schedule,
        val=None if val is None else (as_float(val[0]), val[1].astype(np.int64)),
        metrics={"accuracy": accuracy} if val is not None else None,
        augment=RandomShift(shift) if shift else None, seed=seed, threads=threads,
        progress=progress, desc="torch CNN",
    )
