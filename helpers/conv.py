"""The convolution layer of a CNN: output sizes, convolution and pooling on (N, C, H, W) batches.

Used in chapters/08_conv_arithmetic.ipynb (forward passes, sizes) and
chapters/09_cnn_from_scratch.ipynb (backward passes, training).

Conventions, as in ``torch.nn.functional.conv2d``, ``max_pool2d`` and ``avg_pool2d``:

* Batches are ``(N, C, H, W)``: N images, C channels. Weights are ``(F, C, kh, kw)``: F filters,
  each spanning all C input channels. Biases are ``(F,)``.
* "Convolution" is cross-correlation: the kernel is *not* flipped (what every CNN library and the
  notes compute). :mod:`helpers.filters` (chapter 02) is the single-channel image filter with
  border modes; here padding is always zeros, as in a CNN layer.
* ``padding`` is an int (same on all sides), a pair ``(ph, pw)``, ``"valid"`` (0) or ``"same"``
  (output as large as the input: stride 1 and an odd effective kernel only, see
  :func:`conv_output_size`). ``stride`` and ``dilation`` are ints or pairs.
* Pooling has no padding and drops a partial last window (torch's ``ceil_mode=False``); the
  default stride is the window size.
* Float64 input stays float64; anything else is computed in float32 (torch's default dtype).

Each operation has a naive version (plain loops, the definition) beside the vectorised one
(im2col + one matrix multiply), with the same signature and tested equal.

Layers for training come in CS231n's pairs: ``*_forward(x, ...) -> (out, cache)`` and
``*_backward(dout, cache) -> gradients``, where the cache holds what the backward pass needs
from the forward one (for a convolution, its im2col matrix, so it is built once)::

    out, cache = conv2d_forward(x, w, b, stride=1, padding="same")
    dx, dw, db = conv2d_backward(dout, cache)
    p, pcache = max_pool2d_forward(out, 2)
    dout = max_pool2d_backward(dp, pcache)
"""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple

import numpy as np

from ._validation import (
    as_array,
    check_batch,
    check_bool,
    check_choice,
    check_instance,
    check_int,
    describe,
)

__all__ = [
    "ConvCache",
    "PoolCache",
    "avg_pool2d",
    "avg_pool2d_backward",
    "avg_pool2d_forward",
    "col2im",
    "conv2d",
    "conv2d_backward",
    "conv2d_backward_naive",
    "conv2d_forward",
    "conv2d_naive",
    "conv_output_size",
    "conv_param_count",
    "im2col",
    "max_pool2d",
    "max_pool2d_backward",
    "max_pool2d_forward",
    "max_pool2d_naive",
    "same_padding",
]

Pair = int | tuple[int, int]


# -- sizes -------------------------------------------------------------------------------------
def same_padding(f: int, stride: int = 1, dilation: int = 1) -> int:
    """Padding that keeps the output the size of the input: ``p = d (f - 1) / 2``.

    Parameters
    ----------
    f : int
        Kernel side (>= 1).
    stride : int
        Must be 1: with a larger stride no single padding keeps the size.
    dilation : int
        Spacing of the kernel taps (>= 1).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``stride != 1`` or the effective kernel ``d (f - 1) + 1`` is even (it has no centre,
        so the padding would have to differ between the two sides).

    Notes
    -----
    With stride 1, :math:`n_{out} = n + 2p - d(f - 1)`, so :math:`n_{out} = n` needs
    :math:`p = d(f - 1)/2`, an integer only when :math:`d(f-1)` is even (odd f for d = 1).
    The notes' :math:`p = \\lfloor (f - 1)/2 \\rfloor` silently gives a smaller output for even f.

    References
    ----------
    Dumoulin & Visin, "A guide to convolution arithmetic for deep learning", arXiv:1603.07285
    (2016), section 2.2.1. Used in chapters/08_conv_arithmetic.ipynb.

    Examples
    --------
    >>> same_padding(3), same_padding(5), same_padding(3, dilation=2)
    (1, 2, 2)
    """
    f = check_int(f, "f", min=1)
    stride = check_int(stride, "stride", min=1)
    dilation = check_int(dilation, "dilation", min=1)
    if stride != 1:
        raise ValueError(
            f"padding='same' needs stride=1; got stride={stride} - pad explicitly with an int"
        )
    span = dilation * (f - 1)
    if span % 2:
        raise ValueError(
            f"padding='same' needs an odd kernel size f (effective size dilation*(f-1)+1 must be "
            f"odd); got f={f}, dilation={dilation} - use an odd f"
        )
    return span // 2


def conv_output_size(
    n: int, f: int, padding: int | str = 0, stride: int = 1, dilation: int = 1
) -> int:
    """Output side of a convolution or pooling window sliding over ``n`` pixels.

    Parameters
    ----------
    n : int
        Input side (>= 1).
    f : int
        Kernel (window) side (>= 1).
    padding : int or {"valid", "same"}
        Zeros added on *each* side (>= 0).
    stride : int
        Step between windows (>= 1).
    dilation : int
        Spacing of the kernel taps (>= 1); the kernel then spans ``d (f - 1) + 1`` pixels.

    Returns
    -------
    int
        :math:`\\lfloor (n + 2p - d(f-1) - 1) / s \\rfloor + 1`, which for d = 1 is the
        familiar :math:`\\lfloor (n + 2p - f) / s \\rfloor + 1`.

    Raises
    ------
    ValueError
        If the (dilated) kernel is larger than the padded input: no window fits, and torch
        raises an error for the same arguments. Also for bad ``padding="same"`` combinations
        (see :func:`same_padding`) and non-positive sizes.

    Notes
    -----
    The first window starts at 0 and the last must end inside the padded input, at most
    :math:`n + 2p - 1`; windows start every s pixels, so there are
    :math:`\\lfloor (n + 2p - f_{eff}) / s \\rfloor + 1` of them, with
    :math:`f_{eff} = d(f-1) + 1`. The ``+ 1`` is *outside* the floor (the notes misprint it
    inside). Agrees with the shapes ``torch.nn.functional.conv2d`` produces
    (tests/test_conv.py).

    References
    ----------
    Dumoulin & Visin, "A guide to convolution arithmetic for deep learning", arXiv:1603.07285
    (2016), relationship 6 and 15. Used in chapters/08_conv_arithmetic.ipynb.

    Examples
    --------
    >>> conv_output_size(6, 3)                        # the notes' 6x6 image, 3x3 filter
    4
    >>> conv_output_size(7, 3, padding=1, stride=2)   # floor((7 + 2 - 3) / 2) + 1
    4
    >>> conv_output_size(5, 3, padding="same")
    5
    """
    n = check_int(n, "n", min=1)
    f = check_int(f, "f", min=1)
    stride = check_int(stride, "stride", min=1)
    dilation = check_int(dilation, "dilation", min=1)
    if isinstance(padding, str):
        check_choice(padding, "padding", ("valid", "same"))
        padding = 0 if padding == "valid" else same_padding(f, stride, dilation)
    padding = check_int(padding, "padding", min=0)
    span = dilation * (f - 1) + 1
    if span > n + 2 * padding:
        raise ValueError(
            f"kernel of size f={f} (dilation={dilation}, so it spans {span} pixels) does not fit "
            f"in the padded input n + 2*padding = {n} + 2*{padding} = {n + 2 * padding}: there is "
            "no output - use more padding, a smaller kernel or a larger input"
        )
    return (n + 2 * padding - span) // stride + 1


def conv_param_count(f: int, c_in: int, c_out: int, *, bias: bool = True) -> int:
    """Learnable parameters of a conv layer: ``f * f * c_in * c_out`` weights (+ ``c_out`` biases).

    Notes
    -----
    Each of the :math:`n_c^{[l]}` filters spans all :math:`n_c^{[l-1]}` input channels:
    :math:`f \\times f \\times n_c^{[l-1]}` weights and one bias. The count does not depend on
    the image size - the point of "parameter sharing". Agrees with
    ``sum(p.numel() for p in torch.nn.Conv2d(c_in, c_out, f).parameters())``.

    References
    ----------
    LeCun et al., "Gradient-based learning applied to document recognition", Proc. IEEE 86(11),
    1998. Used in chapters/08_conv_arithmetic.ipynb.

    Examples
    --------
    >>> conv_param_count(5, 3, 6)    # 6 filters of 5x5x3, plus 6 biases
    456
    """
    f = check_int(f, "f", min=1)
    c_in = check_int(c_in, "c_in", min=1)
    c_out = check_int(c_out, "c_out", min=1)
    bias = check_bool(bias, "bias")
    return f * f * c_in * c_out + (c_out if bias else 0)


# -- argument handling ------------------------------------------------------------------------
def _pair(value: Any, name: str, *, min: int) -> tuple[int, int]:  # noqa: A002
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (h, w); got {describe(value)}")
        return check_int(value[0], name, min=min), check_int(value[1], name, min=min)
    value = check_int(value, name, min=min)
    return value, value


def _float_dtype(*arrays: np.ndarray) -> type:
    return np.float64 if any(a.dtype == np.float64 for a in arrays) else np.float32


def _geometry(
    x_shape: tuple, kh: int, kw: int, stride: Any, padding: Any, dilation: Any
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Validated (stride, padding, dilation, output size) pairs for a (N, C, H, W) input."""
    sh, sw = _pair(stride, "stride", min=1)
    dh, dw = _pair(dilation, "dilation", min=1)
    if isinstance(padding, str):
        check_choice(padding, "padding", ("valid", "same"))
        if padding == "valid":
            ph = pw = 0
        else:
            if (sh, sw) != (1, 1):
                raise ValueError(
                    f"padding='same' needs stride=1; got stride={stride} - "
                    "pad explicitly with an int"
                )
            ph, pw = same_padding(kh, 1, dh), same_padding(kw, 1, dw)
    elif isinstance(padding, numbers.Integral) or isinstance(padding, (tuple, list)):
        ph, pw = _pair(padding, "padding", min=0)
    else:
        raise TypeError(
            f"padding must be an int, a pair (ph, pw), 'valid' or 'same'; got {describe(padding)}"
        )
    out_h = conv_output_size(x_shape[2], kh, ph, sh, dh)
    out_w = conv_output_size(x_shape[3], kw, pw, sw, dw)
    return (sh, sw), (ph, pw), (dh, dw), (out_h, out_w)


def _check_conv_args(x, w, b):
    x = check_batch(x)
    w = as_array(w, "w", ndim=4, shape_hint="(F, C, kh, kw)")
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            f"w has {w.shape[1]} input channels (w.shape[1]) but x has {x.shape[1]} (x.shape[1]); "
            f"got w shape {w.shape} and x shape {x.shape} - they must match"
        )
    dtype = _float_dtype(x, w)
    if b is not None:
        b = as_array(b, "b", ndim=1, shape_hint="(F,)")
        if b.shape[0] != w.shape[0]:
            raise ValueError(
                f"b must have one bias per filter, shape ({w.shape[0]},); got shape {b.shape}"
            )
        b = b.astype(dtype, copy=False)
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), b


# -- im2col ----------------------------------------------------------------------------------
def im2col(
    x: np.ndarray,
    kh: int,
    kw: int,
    *,
    stride: Pair = 1,
    padding: Pair | str = 0,
    dilation: Pair = 1,
) -> np.ndarray:
    """Unfold every kernel window of a batch into one column of a matrix.

    Parameters
    ----------
    x : (N, C, H, W) ndarray
    kh, kw : int
        Kernel height and width.
    stride, padding, dilation : int, pair or str
        As in :func:`conv2d`.

    Returns
    -------
    cols : (C * kh * kw, N * H' * W') ndarray
        Row ``(c, i, j)`` (in C order) holds input channel c at kernel tap (i, j) for every
        output position ``(n, y, x)`` (in C order). Same dtype as ``x``.

    Notes
    -----
    A convolution layer is then one matrix product,
    :math:`Y = W_{(F,\\, C k_h k_w)} \\cdot \\mathrm{cols}`, which BLAS runs at full speed.
    The columns are filled tap by tap: for tap (i, j) all output positions read the strided
    slice ``x_pad[:, :, d i : ... : s, d j : ... : s]``, so filling costs ``kh * kw`` array copies.
    Equivalent to ``torch.nn.functional.unfold`` up to the order of the batch axis.

    References
    ----------
    Chellapilla, Puri & Simard, "High performance convolutional neural networks for document
    processing", IWFHR 2006. Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> im2col(x, 2, 2)          # four 2x2 windows, one per column
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    x = check_batch(x)
    kh, kw = check_int(kh, "kh", min=1), check_int(kw, "kw", min=1)
    geometry = _geometry(x.shape, kh, kw, stride, padding, dilation)
    return _im2col(x, kh, kw, *geometry)


def _tap(i: int, dilation: int, stride: int, n_out: int) -> slice:
    """Positions that kernel tap ``i`` touches in the padded input, one per output position."""
    start = i * dilation
    return slice(start, start + stride * (n_out - 1) + 1, stride)


def _im2col(x, kh, kw, stride, padding, dilation, out_size):
    n, c = x.shape[:2]
    (sh, sw), (ph, pw), (dh, dw), (oh, ow) = stride, padding, dilation, out_size
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
    # (C, kh, kw, N, H', W'): batch after the taps, so that the result is one 2-D matrix.
    cols = np.empty((c, kh, kw, n, oh, ow), dtype=x.dtype)
    xt = xp.transpose(1, 0, 2, 3)  # a view, (C, N, Hp, Wp)
    for i in range(kh):
        for j in range(kw):
            cols[:, i, j] = xt[:, :, _tap(i, dh, sh, oh), _tap(j, dw, sw, ow)]
    return cols.reshape(c * kh * kw, n * oh * ow)


def col2im(
    cols: np.ndarray,
    x_shape: tuple[int, int, int, int],
    kh: int,
    kw: int,
    *,
    stride: Pair = 1,
    padding: Pair | str = 0,
    dilation: Pair = 1,
) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every column back onto the window it came from.

    Parameters
    ----------
    cols : (C * kh * kw, N * H' * W') ndarray
    x_shape : tuple of 4 ints
        ``(N, C, H, W)`` of the input :func:`im2col` unfolded.
    kh, kw, stride, padding, dilation
        As given to :func:`im2col`.

    Returns
    -------
    (N, C, H, W) ndarray
        Pixels covered by several windows receive the sum of their entries; this is exactly
        the gradient of a convolution with respect to its input.

    Notes
    -----
    For any ``x`` and ``y``, :math:`\\langle \\mathrm{im2col}(x), y\\rangle =
    \\langle x, \\mathrm{col2im}(y)\\rangle` (tests/test_conv.py). Equivalent to
    ``torch.nn.functional.fold``.

    References
    ----------
    Chellapilla, Puri & Simard (2006), see :func:`im2col`. Used in
    chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> col2im(np.ones((4, 4)), (1, 1, 3, 3), 2, 2)[0, 0]   # how many windows cover each pixel
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    cols = as_array(cols, "cols", ndim=2, shape_hint="(C * kh * kw, N * H' * W')")
    if not (isinstance(x_shape, (tuple, list)) and len(x_shape) == 4):
        raise ValueError(f"x_shape must be a tuple (N, C, H, W); got {describe(x_shape)}")
    x_shape = tuple(check_int(s, "x_shape", min=1) for s in x_shape)
    kh, kw = check_int(kh, "kh", min=1), check_int(kw, "kw", min=1)
    geometry = _geometry(x_shape, kh, kw, stride, padding, dilation)
    n, c = x_shape[:2]
    oh, ow = geometry[3]
    want = (c * kh * kw, n * oh * ow)
    if cols.shape != want:
        raise ValueError(f"cols must have shape {want} for x_shape {x_shape}; got {cols.shape}")
    return _col2im(cols.astype(_float_dtype(cols), copy=False), x_shape, kh, kw, *geometry)


def _col2im(cols, x_shape, kh, kw, stride, padding, dilation, out_size):
    n, c, h, w = x_shape
    (sh, sw), (ph, pw), (dh, dw), (oh, ow) = stride, padding, dilation, out_size
    cols = cols.reshape(c, kh, kw, n, oh, ow)
    xp = np.zeros((c, n, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            # Within one tap the windows hit distinct pixels, so a plain += is safe.
            xp[:, :, _tap(i, dh, sh, oh), _tap(j, dw, sw, ow)] += cols[:, i, j]
    return np.ascontiguousarray(xp[:, :, ph : ph + h, pw : pw + w].transpose(1, 0, 2, 3))


# -- convolution -------------------------------------------------------------------------------
def conv2d_naive(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: Pair = 1,
    padding: Pair | str = 0,
    dilation: Pair = 1,
) -> np.ndarray:
    """A convolution layer with plain loops: one output value at a time (for reading).

    Same signature and result as :func:`conv2d`.

    Notes
    -----
    .. math:: y[n, f, r, q] = b[f] + \\sum_{c} \\sum_{i, j}
              w[f, c, i, j]\\; x_{pad}[n, c,\\; s r + d i,\\; s q + d j]

    Parameters, returns and errors as in :func:`conv2d`; tested equal to it (tests/test_conv.py).

    References
    ----------
    LeCun et al. (1998), see :func:`conv2d`. Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d_naive(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    x, w, b = _check_conv_args(x, w, b)
    n_img, _, _, _ = x.shape
    n_filt, _, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw), (oh, ow) = _geometry(x.shape, kh, kw, stride, padding, dilation)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))  # zeros around every channel
    out = np.zeros((n_img, n_filt, oh, ow), dtype=x.dtype)
    for n in range(n_img):  # every image ...
        for f in range(n_filt):  # ... every filter ...
            for r in range(oh):  # ... every output position
                for q in range(ow):
                    # The window under the kernel: all channels, taps d apart.
                    window = xp[
                        n,
                        :,
                        r * sh : r * sh + dh * (kh - 1) + 1 : dh,
                        q * sw : q * sw + dw * (kw - 1) + 1 : dw,
                    ]
                    out[n, f, r, q] = np.sum(window * w[f]) + (b[f] if b is not None else 0)
    return out


def conv2d(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: Pair = 1,
    padding: Pair | str = 0,
    dilation: Pair = 1,
) -> np.ndarray:
    """A convolution layer (cross-correlation, as in torch), vectorised with im2col.

    Parameters
    ----------
    x : (N, C, H, W) ndarray
        A batch of N images with C channels.
    w : (F, C, kh, kw) ndarray
        F filters, each spanning all C channels.
    b : (F,) ndarray, optional
        One bias per filter.
    stride : int or (int, int)
        Step between windows (>= 1).
    padding : int, (int, int), "valid" or "same"
        Zeros added on each side; "same" needs stride 1 and odd kernel sides.
    dilation : int or (int, int)
        Spacing of the kernel taps (>= 1).

    Returns
    -------
    (N, F, H', W') ndarray of float32 (float64 if x or w is float64)
        ``H' = conv_output_size(H, kh, ph, sh, dh)``, likewise W'.

    Raises
    ------
    ValueError
        Wrong ndim, channel mismatch between x and w, bias of the wrong length, stride or
        dilation < 1, negative padding, "same" with an even kernel or a stride > 1, or a kernel
        larger than the padded input.

    Notes
    -----
    .. math:: y[n, f] = b[f] + \\sum_{c=1}^{C} w[f, c] \\star x[n, c]

    where :math:`\\star` is 2-D cross-correlation (no flip). With :func:`im2col` this is
    ``W.reshape(F, -1) @ cols``: one matrix multiply of
    :math:`(F \\times C k_h k_w)(C k_h k_w \\times N H' W')`.
    Agrees with ``torch.nn.functional.conv2d(x, w, b, stride, padding, dilation)`` to a
    relative error below 1e-7 in float64 on 200+ random shapes (tests/test_conv.py).

    References
    ----------
    LeCun et al., "Gradient-based learning applied to document recognition", Proc. IEEE 86(11),
    1998. Used in chapters/08_conv_arithmetic.ipynb and chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    The notes' vertical-edge filter on the top-left 3x3 window of their 6x6 example:

    >>> window = np.array([[3, 0, 1], [1, 5, 8], [2, 7, 2]], float)[None, None]
    >>> vertical = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]], float)[None, None]
    >>> conv2d(window, vertical)
    array([[[[-5.]]]])
    """
    return conv2d_forward(x, w, b, stride, padding, dilation)[0]


class ConvCache(NamedTuple):
    """What :func:`conv2d_backward` needs from :func:`conv2d_forward`."""

    x: np.ndarray
    """The layer's input (after casting to the compute dtype)."""
    w: np.ndarray
    """The weights ``(F, C, kh, kw)``."""
    cols: np.ndarray
    """``im2col(x)``: reused by the backward pass, :math:`dW = dY\\, \\mathrm{cols}^T`."""
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    out_size: tuple[int, int]


def conv2d_forward(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: Pair = 1,
    padding: Pair | str = 0,
    dilation: Pair = 1,
) -> tuple[np.ndarray, ConvCache]:
    """:func:`conv2d`, also returning the cache :func:`conv2d_backward` needs (CS231n style).

    Parameters
    ----------
    x, w, b, stride, padding, dilation
        As in :func:`conv2d`.

    Returns
    -------
    out : (N, F, H', W') ndarray
        Exactly :func:`conv2d`'s output.
    cache : ConvCache
        The input, the weights, the im2col matrix and the geometry.

    Notes
    -----
    With :math:`\\mathrm{cols} = \\mathrm{im2col}(x)`, :math:`Y = W_{(F, C k_h k_w)}\\,
    \\mathrm{cols} + b`. Keeping ``cols`` means the backward pass does not unfold ``x`` again.

    References
    ----------
    CS231n, assignment 2, ``conv_forward_fast``. Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> out, cache = conv2d_forward(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))
    >>> out[0, 0], cache.cols.shape
    (array([[4., 4.],
           [4., 4.]]), (4, 4))
    """
    x, w, b = _check_conv_args(x, w, b)
    n_filt, _, kh, kw = w.shape
    geometry = _geometry(x.shape, kh, kw, stride, padding, dilation)
    cols = _im2col(x, kh, kw, *geometry)
    oh, ow = geometry[3]
    out = w.reshape(n_filt, -1) @ cols  # (F, N * H' * W'): the whole layer in one GEMM
    if b is not None:
        out += b[:, None]
    out = out.reshape(n_filt, x.shape[0], oh, ow).transpose(1, 0, 2, 3)
    return np.ascontiguousarray(out), ConvCache(x, w, cols, *geometry)


def _check_cache(cache: Any, kind: type, forward: str) -> Any:
    return check_instance(cache, "cache", kind, f"the cache {forward}() returned")


def _check_dout(dout, want: tuple, dtype) -> np.ndarray:
    dout = as_array(dout, "dout", ndim=4, shape_hint="(N, F, H', W')")
    if dout.shape != want:
        raise ValueError(
            f"dout must have the shape of the forward output, {want}; got {dout.shape}"
        )
    return dout.astype(dtype, copy=False)


def conv2d_backward(
    dout: np.ndarray, cache: ConvCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a convolution layer: ``(dx, dw, db)`` from the upstream gradient ``dout``.

    Parameters
    ----------
    dout : (N, F, H', W') ndarray
        Gradient of the loss with respect to the layer's output.
    cache : ConvCache
        From :func:`conv2d_forward`.

    Returns
    -------
    dx : (N, C, H, W) ndarray
    dw : (F, C, kh, kw) ndarray
    db : (F,) ndarray

    Notes
    -----
    With :math:`Y = W \\cdot \\mathrm{cols}` (see :func:`im2col`) the chain rule of a matrix
    product gives :math:`dW = dY\\, \\mathrm{cols}^T`, :math:`d\\mathrm{cols} = W^T dY` and
    :math:`db = \\sum dY`; ``dx`` is ``col2im(dcols)``: each input pixel collects the gradient
    of every window it took part in. Agrees with torch autograd to a relative error below 1e-7
    in float64 (tests/test_conv.py).

    References
    ----------
    Rumelhart, Hinton & Williams, "Learning representations by back-propagating errors",
    Nature 323, 1986; CS231n, assignment 2, ``conv_backward_fast``. Used in
    chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> x, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))
    >>> _, cache = conv2d_forward(x, w)
    >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), cache)
    >>> dx[0, 0], db
    (array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]]), array([4.]))
    """
    cache = _check_cache(cache, ConvCache, "conv2d_forward")
    x, w, cols = cache.x, cache.w, cache.cols
    n_filt, _, kh, kw = w.shape
    dout = _check_dout(dout, (x.shape[0], n_filt, *cache.out_size), x.dtype)
    d2 = dout.transpose(1, 0, 2, 3).reshape(n_filt, -1)  # (F, N * H' * W')
    dw = (d2 @ cols.T).reshape(w.shape)
    db = d2.sum(axis=1)
    geometry = (cache.stride, cache.padding, cache.dilation, cache.out_size)
    dx = _col2im(w.reshape(n_filt, -1).T @ d2, x.shape, kh, kw, *geometry)
    return dx, dw, db


def conv2d_backward_naive(
    dout: np.ndarray, cache: ConvCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`conv2d_backward` with plain loops: each output value sends its gradient back.

    Notes
    -----
    Output value :math:`y[n, f, r, q]` was :math:`b[f] + \\sum w[f] \\cdot \\mathrm{window}`,
    so it adds :math:`dy \\cdot \\mathrm{window}` to :math:`dw[f]`, :math:`dy` to :math:`db[f]`
    and :math:`dy \\cdot w[f]` to the window's place in :math:`dx`. Parameters and returns as in
    :func:`conv2d_backward`; tested equal to it.

    References
    ----------
    Rumelhart, Hinton & Williams (1986). Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> x, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))
    >>> _, cache = conv2d_forward(x, w)
    >>> conv2d_backward_naive(np.ones((1, 1, 2, 2)), cache)[1][0, 0]
    array([[4., 4.],
           [4., 4.]])
    """
    cache = _check_cache(cache, ConvCache, "conv2d_forward")
    x, w = cache.x, cache.w
    n_img, _, h, wd = x.shape
    n_filt, _, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw_), (oh, ow) = (cache.stride, cache.padding, cache.dilation,
                                               cache.out_size)
    dout = _check_dout(dout, (n_img, n_filt, oh, ow), x.dtype)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxp, dw, db = np.zeros_like(xp), np.zeros_like(w), np.zeros(n_filt, dtype=x.dtype)
    for n in range(n_img):
        for f in range(n_filt):
            for r in range(oh):
                for q in range(ow):
                    rows = slice(r * sh, r * sh + dh * (kh - 1) + 1, dh)
                    cols = slice(q * sw, q * sw + dw_ * (kw - 1) + 1, dw_)
                    g = dout[n, f, r, q]
                    dw[f] += g * xp[n, :, rows, cols]
                    dxp[n, :, rows, cols] += g * w[f]
                    db[f] += g
    return dxp[:, :, ph : ph + h, pw : pw + wd], dw, db


# -- pooling -----------------------------------------------------------------------------------
def _pool_geometry(x, size, stride):
    x = check_batch(x)
    kh, kw = _pair(size, "size", min=1)
    stride = (kh, kw) if stride is None else stride
    geometry = _geometry(x.shape, kh, kw, stride, 0, 1)
    return x.astype(_float_dtype(x), copy=False), kh, kw, geometry[0], geometry[3]


def _windows(x, kh, kw, stride, out_size):
    """Yield ((i, j), slice of x under tap (i, j) for every window)."""
    (sh, sw), (oh, ow) = stride, out_size
    for i in range(kh):
        for j in range(kw):
            yield (i, j), (slice(i, i + sh * (oh - 1) + 1, sh), slice(j, j + sw * (ow - 1) + 1, sw))


def max_pool2d_naive(x: np.ndarray, size: Pair, stride: Pair | None = None) -> np.ndarray:
    """Max pooling with plain loops (for reading); same signature and result as :func:`max_pool2d`.

    Notes
    -----
    .. math:: y[n, c, r, q] = \\max_{i, j < k} x[n, c, s r + i, s q + j]

    References
    ----------
    Scherer, Mueller & Behnke (2010). Used in chapters/08_conv_arithmetic.ipynb.

    Examples
    --------
    >>> max_pool2d_naive(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    x, kh, kw, (sh, sw), (oh, ow) = _pool_geometry(x, size, stride)
    out = np.empty((*x.shape[:2], oh, ow), dtype=x.dtype)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):  # pooling works on each channel separately
            for r in range(oh):
                for q in range(ow):
                    out[n, c, r, q] = x[n, c, r * sh : r * sh + kh, q * sw : q * sw + kw].max()
    return out


def max_pool2d(x: np.ndarray, size: Pair, stride: Pair | None = None) -> np.ndarray:
    """Max pooling: the largest value of each ``size x size`` window, channel by channel.

    Parameters
    ----------
    x : (N, C, H, W) ndarray
    size : int or (int, int)
        Window side(s).
    stride : int or (int, int), optional
        Step between windows; default ``size`` (windows side by side, no overlap).

    Returns
    -------
    (N, C, H', W') ndarray of float32 (float64 for float64 input)
        ``H' = floor((H - size) / stride) + 1``; a partial last window is dropped.

    Raises
    ------
    ValueError
        Wrong ndim, size or stride < 1, or a window larger than the input.

    Notes
    -----
    .. math:: y[n, c, r, q] = \\max_{0 \\le i, j < k} x[n, c, s r + i, s q + j]

    No parameters to learn; the number of channels is unchanged. Computed as the running
    maximum of the ``k * k`` strided slices (one per window tap). Agrees with
    ``torch.nn.functional.max_pool2d(x, size, stride)`` exactly (tests/test_conv.py).

    References
    ----------
    Zhou & Chellappa, "Computation of optical flow using a neural network", ICNN 1988;
    Scherer, Mueller & Behnke, "Evaluation of pooling operations in convolutional
    architectures for object recognition", ICANN 2010. Used in chapters/08_conv_arithmetic.ipynb.

    Examples
    --------
    The notes' 2x2, stride-2 example:

    >>> x = np.array([[0, 2, 3, 4], [1, 0, 0, 0], [5, 6, 0, 7], [4, 1, 0, 2]], float)
    >>> max_pool2d(x[None, None], 2)[0, 0]
    array([[2., 4.],
           [6., 7.]])
    """
    return max_pool2d_forward(x, size, stride)[0]


def avg_pool2d(x: np.ndarray, size: Pair, stride: Pair | None = None) -> np.ndarray:
    """Average pooling: the mean of each ``size x size`` window, channel by channel.

    Parameters
    ----------
    x : (N, C, H, W) ndarray
    size : int or (int, int)
    stride : int or (int, int), optional
        Default ``size``.

    Returns
    -------
    (N, C, H', W') ndarray of float32 (float64 for float64 input)

    Notes
    -----
    .. math:: y[n, c, r, q] = \\frac{1}{k_h k_w} \\sum_{i, j} x[n, c, s r + i, s q + j]

    Agrees with ``torch.nn.functional.avg_pool2d(x, size, stride)`` to 1e-7 relative error in
    float64 (tests/test_conv.py).

    References
    ----------
    LeCun et al. (1998), LeNet-5's subsampling layers. Used in chapters/08_conv_arithmetic.ipynb.

    Examples
    --------
    The notes' 2x2, stride-2 example:

    >>> x = np.array([[1, 1, 1, 0], [0, 2, 0, 1], [2, 2, 0, 0], [1, 1, 0, 2]], float)
    >>> avg_pool2d(x[None, None], 2)[0, 0]
    array([[1. , 0.5],
           [1.5, 0.5]])
    """
    return avg_pool2d_forward(x, size, stride)[0]


class PoolCache(NamedTuple):
    """What :func:`max_pool2d_backward` / :func:`avg_pool2d_backward` need from the forward."""

    x: np.ndarray
    """The layer's input (after casting to the compute dtype)."""
    size: tuple[int, int]
    stride: tuple[int, int]
    out_size: tuple[int, int]


def max_pool2d_forward(
    x: np.ndarray, size: Pair, stride: Pair | None = None
) -> tuple[np.ndarray, PoolCache]:
    """:func:`max_pool2d`, also returning the cache :func:`max_pool2d_backward` needs.

    Returns
    -------
    out : (N, C, H', W') ndarray
        Exactly :func:`max_pool2d`'s output.
    cache : PoolCache

    References
    ----------
    CS231n, assignment 2, ``max_pool_forward_fast``. Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> out, cache = max_pool2d_forward(np.arange(16.0).reshape(1, 1, 4, 4), 2)
    >>> out[0, 0], cache.size
    (array([[ 5.,  7.],
           [13., 15.]]), (2, 2))
    """
    x, kh, kw, stride, out_size = _pool_geometry(x, size, stride)
    out = None
    for _, (rows, cols) in _windows(x, kh, kw, stride, out_size):
        tap = x[:, :, rows, cols]
        out = tap.copy() if out is None else np.maximum(out, tap, out=out)
    return out, PoolCache(x, (kh, kw), stride, out_size)


def avg_pool2d_forward(
    x: np.ndarray, size: Pair, stride: Pair | None = None
) -> tuple[np.ndarray, PoolCache]:
    """:func:`avg_pool2d`, also returning the cache :func:`avg_pool2d_backward` needs.

    Examples
    --------
    >>> out, cache = avg_pool2d_forward(np.ones((1, 1, 2, 2)), 2)
    >>> out[0, 0], cache.out_size
    (array([[1.]]), (1, 1))
    """
    x, kh, kw, stride, out_size = _pool_geometry(x, size, stride)
    out = np.zeros((*x.shape[:2], *out_size), dtype=x.dtype)
    for _, (rows, cols) in _windows(x, kh, kw, stride, out_size):
        out += x[:, :, rows, cols]
    return out / (kh * kw), PoolCache(x, (kh, kw), stride, out_size)


def max_pool2d_backward(dout: np.ndarray, cache: PoolCache) -> np.ndarray:
    """Gradient of :func:`max_pool2d` with respect to its input.

    Parameters
    ----------
    dout : (N, C, H', W') ndarray
    cache : PoolCache
        From :func:`max_pool2d_forward`.

    Returns
    -------
    dx : (N, C, H, W) ndarray

    Notes
    -----
    Only the maximum of each window influenced the output, so the window's gradient goes to
    that one pixel (the first in row-major order on ties, as torch does); overlapping windows
    add up. Agrees with torch autograd to 1e-7 relative error in float64 (tests/test_conv.py).

    References
    ----------
    Scherer, Mueller & Behnke (2010), see :func:`max_pool2d`. Used in
    chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> _, cache = max_pool2d_forward(np.array([[1.0, 3.0], [2.0, 0.0]])[None, None], 2)
    >>> max_pool2d_backward(np.ones((1, 1, 1, 1)), cache)[0, 0]
    array([[0., 1.],
           [0., 0.]])
    """
    cache = _check_cache(cache, PoolCache, "max_pool2d_forward")
    x, (kh, kw), stride, out_size = cache
    dout = _check_dout(dout, (*x.shape[:2], *out_size), x.dtype)
    # Pass 1: the winning tap of every window (strict > keeps the first on ties).
    best = np.full(dout.shape, -np.inf, dtype=x.dtype)
    arg = np.zeros(dout.shape, dtype=np.int64)
    for (i, j), (rows, cols) in _windows(x, kh, kw, stride, out_size):
        tap = x[:, :, rows, cols]
        better = tap > best
        best[better], arg[better] = tap[better], i * kw + j
    # Pass 2: route each window's gradient to its winner.
    dx = np.zeros_like(x)
    for (i, j), (rows, cols) in _windows(x, kh, kw, stride, out_size):
        dx[:, :, rows, cols] += np.where(arg == i * kw + j, dout, 0)
    return dx


def avg_pool2d_backward(dout: np.ndarray, cache: PoolCache) -> np.ndarray:
    """Gradient of :func:`avg_pool2d`: each window shares its gradient equally among its pixels.

    Parameters
    ----------
    dout : (N, C, H', W') ndarray
    cache : PoolCache
        From :func:`avg_pool2d_forward`.

    Returns
    -------
    dx : (N, C, H, W) ndarray

    Notes
    -----
    :math:`\\partial y / \\partial x = 1 / (k_h k_w)` for each pixel of a window. Agrees with
    torch autograd to 1e-7 relative error in float64 (tests/test_conv.py).

    References
    ----------
    LeCun et al. (1998). Used in chapters/09_cnn_from_scratch.ipynb.

    Examples
    --------
    >>> _, cache = avg_pool2d_forward(np.ones((1, 1, 2, 2)), 2)
    >>> avg_pool2d_backward(np.ones((1, 1, 1, 1)), cache)[0, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    cache = _check_cache(cache, PoolCache, "avg_pool2d_forward")
    x, (kh, kw), stride, out_size = cache
    dout = _check_dout(dout, (*x.shape[:2], *out_size), x.dtype)
    dx = np.zeros(x.shape, dtype=x.dtype)
    share = dout / (kh * kw)
    for _, (rows, cols) in _windows(dx, kh, kw, stride, out_size):
        dx[:, :, rows, cols] += share
    return dx
