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
    "ConvCost",
    "ConvTransposeCache",
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
    "conv1d",
    "conv1d_naive",
    "conv3d",
    "conv3d_naive",
    "causal_conv1d",
    "conv_cost",
    "conv_nd_output_shape",
    "conv_output_size",
    "conv_param_count",
    "conv_transpose2d",
    "conv_transpose2d_backward",
    "conv_transpose2d_forward",
    "conv_transpose2d_naive",
    "conv_transpose_output_size",
    "im2col",
    "input_dependencies",
    "max_pool2d",
    "max_pool2d_backward",
    "max_pool2d_forward",
    "max_pool2d_naive",
    "receptive_field_size",
    "same_padding",
    "zero_upsample",
]

Pair = int | tuple[int, int]

#: Largest input side, kernel side, stride, padding and dilation any function here accepts.
MAX_SIDE = 65_536
#: Largest number of channels (or filters) a count accepts.
MAX_CHANNELS = 65_536
#: Largest number of values any array built here may hold (im2col matrices, padded inputs,
#: outputs): 2**27, one GiB of float64. Larger layers are refused before allocating.
MAX_ELEMENTS = 2**27


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
    f = check_int(f, "f", min=1, max=MAX_SIDE)
    stride = check_int(stride, "stride", min=1, max=MAX_SIDE)
    dilation = check_int(dilation, "dilation", min=1, max=MAX_SIDE)
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
    n = check_int(n, "n", min=1, max=MAX_SIDE)
    f = check_int(f, "f", min=1, max=MAX_SIDE)
    stride = check_int(stride, "stride", min=1, max=MAX_SIDE)
    dilation = check_int(dilation, "dilation", min=1, max=MAX_SIDE)
    if isinstance(padding, str):
        check_choice(padding, "padding", ("valid", "same"))
        padding = 0 if padding == "valid" else same_padding(f, stride, dilation)
    padding = check_int(padding, "padding", min=0, max=MAX_SIDE)
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
    f = check_int(f, "f", min=1, max=MAX_SIDE)
    c_in = check_int(c_in, "c_in", min=1, max=MAX_CHANNELS)
    c_out = check_int(c_out, "c_out", min=1, max=MAX_CHANNELS)
    bias = check_bool(bias, "bias")
    return f * f * c_in * c_out + (c_out if bias else 0)


# -- argument handling ------------------------------------------------------------------------
def _pair(value: Any, name: str, *, min: int) -> tuple[int, int]:  # noqa: A002
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (h, w); got {describe(value)}")
        return (check_int(value[0], name, min=min, max=MAX_SIDE),
                check_int(value[1], name, min=min, max=MAX_SIDE))
    value = check_int(value, name, min=min, max=MAX_SIDE)
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
    n, c = x_shape[0], x_shape[1]
    _check_elements(n * c * kh * kw * out_h * out_w, "the unfolded windows (im2col)")
    _check_elements(n * c * (x_shape[2] + 2 * ph) * (x_shape[3] + 2 * pw), "the padded input")
    return (sh, sw), (ph, pw), (dh, dw), (out_h, out_w)


def _check_elements(count: int, what: str) -> None:
    if count > MAX_ELEMENTS:
        raise ValueError(
            f"{what} would hold {count:,} values, more than the {MAX_ELEMENTS:,} this course's "
            "numpy layers allow - use a smaller batch, fewer channels, a smaller kernel or "
            "less padding"
        )


def _check_conv_args(x, w, b):
    x = check_batch(x)
    w = as_array(w, "w", ndim=4, shape_hint="(F, C, kh, kw)")
    return _match_weights(x, w, b)


def _match_weights(x, w, b):
    """Checked x and w (any dimension) agree on channels; b has one bias per filter; all three
    in x and w's common float dtype. Shared by the 2-D and the 1-D/3-D validators."""
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
    kh, kw = check_int(kh, "kh", min=1, max=MAX_SIDE), check_int(kw, "kw", min=1, max=MAX_SIDE)
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
    x_shape = tuple(check_int(s, "x_shape", min=1, max=MAX_SIDE) for s in x_shape)
    kh, kw = check_int(kh, "kh", min=1, max=MAX_SIDE), check_int(kw, "kw", min=1, max=MAX_SIDE)
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
    For stride 1 the im2col matrix is built from whole rows instead: flatten each channel of
    the padded batch into one long row; tap ``(i, j)`` of every window is then that row shifted
    by ``i * dh * Wp + j * dw`` (``Wp`` the padded width), one contiguous copy per tap instead
    of ``H'`` short strided ones. The GEMM then runs over the whole padded grid, in blocks of
    positions whose columns stay in the CPU cache, and we keep each image's ``(H', W')``
    corner (2 wasted columns of 130 for a 3x3 "same" layer on 128 pixels); about 1.5x faster
    than one strided im2col and one GEMM on ``bench/cases_conv.py``'s layer.
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
    xc, wc, bc = _check_conv_args(x, w, b)
    strides, pads, dilations, out_size = _geometry(
        xc.shape, wc.shape[2], wc.shape[3], stride, padding, dilation
    )
    if strides == (1, 1) and _shifted_rows_fit(xc.shape, wc.shape, pads, dilations):
        return _conv2d_shifted_rows(xc, wc, bc, pads, dilations, out_size)
    return conv2d_forward(xc, wc, bc, strides, pads, dilations)[0]


def _shifted_rows_size(x_shape, w_shape, padding, dilation) -> tuple[int, int, int]:
    """(positions, reach, row length) of :func:`_conv2d_shifted_rows`'s flat layout."""
    n, _, h, wd = x_shape
    _, _, kh, kw = w_shape
    (ph, pw), (dh, dw) = padding, dilation
    hp, wp = h + 2 * ph, wd + 2 * pw
    return n * hp * wp, (kh - 1) * dh * wp + (kw - 1) * dw, wp


def _shifted_rows_fit(x_shape, w_shape, padding, dilation) -> bool:
    positions, reach, _ = _shifted_rows_size(x_shape, w_shape, padding, dilation)
    n_filt, c, kh, kw = w_shape
    return (c * (positions + reach) <= MAX_ELEMENTS and n_filt * positions <= MAX_ELEMENTS
            and c * kh * kw * _block_size(positions, c * kh * kw) <= MAX_ELEMENTS)


def _block_size(positions: int, rows: int) -> int:
    # Positions per block: SHIFTED_ROWS_BLOCK values, but at least 256 positions (one Python
    # step per 256 positions at worst) and at most all of them.
    return min(positions, max(256, SHIFTED_ROWS_BLOCK // rows))


#: Values in one block of :func:`_conv2d_shifted_rows`'s im2col matrix (256 KB of float32: the
#: block is still in the CPU's cache when the matrix product reads it; 2**15 to 2**17 measured
#: within 10% of each other on the bench layer).
SHIFTED_ROWS_BLOCK = 2**16


def _conv2d_shifted_rows(x, w, b, padding, dilation, out_size):
    # conv2d for stride 1: im2col without strided copies (checked inputs, same result).
    # Flatten each channel of the padded batch into one long row: position p = (n, y, x) is
    # p = n * Hp * Wp + y * Wp + x. With stride 1, kernel tap (i, j) of the window at p reads
    # the input at p + i * dh * Wp + j * dw: the SAME shift for every position. So tap (i, j)'s
    # row of the im2col matrix is a contiguous slice of the flat rows (a fast copy), and matrix
    # products compute the layer at every position of the padded grid. We then keep the
    # (H', W') corner of each image; the positions past the right and bottom edges (2 of 130
    # columns for a 3x3 "same" layer on 128 pixels) are computed and thrown away.
    n, c, h, wd = x.shape
    n_filt, _, kh, kw = w.shape
    (ph, pw), (dh, dw), (oh, ow) = padding, dilation, out_size
    positions, reach, wp = _shifted_rows_size(x.shape, w.shape, padding, dilation)
    hp = h + 2 * ph
    flat = np.zeros((c, positions + reach), dtype=x.dtype)  # + reach: the last taps stay inside
    flat[:, :positions].reshape(c, n, hp, wp)[:, :, ph : ph + h, pw : pw + wd] = (
        x.transpose(1, 0, 2, 3)
    )
    # The im2col matrix a block of positions at a time (256 KB), so that the GEMM reads it
    # from the cache rather than from memory: about 1.5x faster than one big matrix here.
    block = _block_size(positions, c * kh * kw)
    cols = np.empty((c, kh, kw, block), dtype=x.dtype)
    weights = w.reshape(n_filt, -1)
    out = np.empty((n_filt, positions), dtype=x.dtype)
    for start in range(0, positions, block):
        stop = min(start + block, positions)
        for i in range(kh):
            for j in range(kw):
                shift = i * dh * wp + j * dw
                cols[:, i, j, : stop - start] = flat[:, start + shift : stop + shift]
        np.matmul(weights, cols.reshape(c * kh * kw, block)[:, : stop - start],
                  out=out[:, start:stop])
    if b is not None:
        out += b[:, None]
    out = out.reshape(n_filt, n, hp, wp)[:, :, :oh, :ow]
    return np.ascontiguousarray(out.transpose(1, 0, 2, 3))


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
        :func:`conv2d`'s output (exactly for stride > 1; for stride 1 :func:`conv2d` takes
        a faster route through the same sums, equal to float rounding).
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


# -- transpose convolution ---------------------------------------------------------------------
def conv_transpose_output_size(
    n: int,
    f: int,
    padding: int = 0,
    stride: int = 1,
    dilation: int = 1,
    output_padding: int = 0,
) -> int:
    """Output side of a transpose convolution: ``(n - 1) s - 2p + d (f - 1) + output_padding + 1``.

    Parameters
    ----------
    n : int
        Input side (>= 1).
    f : int
        Kernel side (>= 1).
    padding : int
        Rows/columns *removed* from each side of the full result (>= 0).
    stride : int
        Distance between the places where neighbouring input values drop their kernel (>= 1).
    dilation : int
        Spacing of the kernel taps (>= 1).
    output_padding : int
        Extra rows/columns added at the end (bottom/right), ``0 <= output_padding <
        max(stride, dilation)``: it picks one of the input sizes that a stride-s convolution
        maps onto the same output size (see Notes).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        For ``output_padding >= max(stride, dilation)`` (torch refuses it too) or when the
        padding removes everything (the output would be empty).

    Notes
    -----
    Input value i drops a copy of the kernel whose first tap lands at :math:`i s`; the last
    copy ends at :math:`(n - 1)s + d(f - 1)`, so the full result has
    :math:`(n-1)s + d(f-1) + 1` cells; ``padding`` crops p from each side and
    ``output_padding`` appends cells at the end. This is the inverse *of the shape* of
    :func:`conv_output_size`: a convolution with the same f, p, s, d maps the output size back
    to n, since :math:`\\lfloor ((n-1)s + \\mathrm{op}) / s \\rfloor + 1 = n` for
    :math:`\\mathrm{op} < s`. Because of the floor, a stride-s convolution maps s different
    input sizes to the same output size; ``output_padding`` says which one to go back to.
    Agrees with the shapes of ``torch.nn.functional.conv_transpose2d``
    (tests/test_conv_transpose.py).

    References
    ----------
    Dumoulin & Visin, "A guide to convolution arithmetic for deep learning", arXiv:1603.07285
    (2016), section 4 (relationships 9-14). Used in chapters/14_segmentation_cnns.ipynb.

    Examples
    --------
    >>> conv_transpose_output_size(2, 2)              # the notes' 2x2 input, 2x2 kernel
    3
    >>> conv_transpose_output_size(4, 3, padding=1, stride=2, output_padding=1)   # 4 -> 8
    8
    """
    n = check_int(n, "n", min=1, max=MAX_SIDE)
    f = check_int(f, "f", min=1, max=MAX_SIDE)
    padding = check_int(padding, "padding", min=0, max=MAX_SIDE)
    stride = check_int(stride, "stride", min=1, max=MAX_SIDE)
    dilation = check_int(dilation, "dilation", min=1, max=MAX_SIDE)
    output_padding = check_int(output_padding, "output_padding", min=0, max=MAX_SIDE)
    if output_padding >= max(stride, dilation):
        raise ValueError(
            f"output_padding must be smaller than the stride or the dilation; got "
            f"output_padding={output_padding} with stride={stride}, dilation={dilation} - "
            "use 0 <= output_padding < max(stride, dilation)"
        )
    out = (n - 1) * stride - 2 * padding + dilation * (f - 1) + output_padding + 1
    if out < 1:
        raise ValueError(
            f"padding={padding} crops the whole result: (n - 1)s - 2p + d(f - 1) + "
            f"output_padding + 1 = ({n} - 1)*{stride} - 2*{padding} + {dilation}*({f} - 1) + "
            f"{output_padding} + 1 = {out} - use less padding"
        )
    return out


class ConvTransposeCache(NamedTuple):
    """What :func:`conv_transpose2d_backward` needs from :func:`conv_transpose2d_forward`."""

    x: np.ndarray
    """The layer's input ``(N, C_in, H, W)`` (after casting to the compute dtype)."""
    w: np.ndarray
    """The weights ``(C_in, C_out, kh, kw)`` (torch's layout for transpose convolutions)."""
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    out_size: tuple[int, int]
    """``(H_out, W_out)``."""


def _check_transpose_args(x, w, b, stride, padding, output_padding, dilation):
    x = check_batch(x)
    w = as_array(w, "w", ndim=4, shape_hint="(C_in, C_out, kh, kw)")
    if w.shape[0] != x.shape[1]:
        raise ValueError(
            f"w must have one kernel stack per input channel: w.shape[0] = {w.shape[0]} but x "
            f"has {x.shape[1]} channels (x.shape[1]); a transpose convolution's weights are "
            "(C_in, C_out, kh, kw), the other way round from conv2d's (F, C, kh, kw)"
        )
    dtype = _float_dtype(x, w)
    if b is not None:
        b = as_array(b, "b", ndim=1, shape_hint="(C_out,)")
        if b.shape[0] != w.shape[1]:
            raise ValueError(
                f"b must have one bias per output channel, shape ({w.shape[1]},); got "
                f"shape {b.shape}"
            )
        b = b.astype(dtype, copy=False)
    if isinstance(padding, str) or not isinstance(padding, (numbers.Integral, tuple, list)):
        raise TypeError(
            f"padding must be an int or a pair (ph, pw) for a transpose convolution; got "
            f"{describe(padding)}"
        )
    c_in, c_out, kh, kw = w.shape
    (sh, sw), (ph, pw) = _pair(stride, "stride", min=1), _pair(padding, "padding", min=0)
    (dh, dw), (oph, opw) = _pair(dilation, "dilation", min=1), _pair(
        output_padding, "output_padding", min=0)
    oh = conv_transpose_output_size(x.shape[2], kh, ph, sh, dh, oph)
    ow = conv_transpose_output_size(x.shape[3], kw, pw, sw, dw, opw)
    n = x.shape[0]
    _check_elements(c_out * kh * kw * n * x.shape[2] * x.shape[3], "the scattered kernels")
    _check_elements(n * c_out * (oh + 2 * ph) * (ow + 2 * pw), "the output")
    geometry = ((sh, sw), (ph, pw), (dh, dw), (x.shape[2], x.shape[3]))
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), b, geometry, (oh, ow)


def conv_transpose2d_naive(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: Pair = 1,
    padding: Pair = 0,
    output_padding: Pair = 0,
    *,
    dilation: Pair = 1,
) -> np.ndarray:
    """A transpose convolution with plain loops: every input value scatters a scaled kernel.

    Same signature and result as :func:`conv_transpose2d`.

    Notes
    -----
    .. math:: \\mathrm{full}[n, :, s i + d a, s j + d c] \\mathrel{+}=
              x[n, k, i, j]\\; w[k, :, a, c]

    for every input position (i, j), input channel k and kernel tap (a, c); the output is
    ``full`` with ``padding`` cropped from each side (plus ``output_padding`` zero cells at the
    end, before the bias). Parameters, returns and errors as in :func:`conv_transpose2d`;
    tested equal to it.

    References
    ----------
    Zeiler, Krishnan, Taylor & Fergus, "Deconvolutional networks", CVPR 2010. Used in
    chapters/14_segmentation_cnns.ipynb.

    Examples
    --------
    The notes' example: a 2x2 input, a 2x2 kernel, stride 1.

    >>> x = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> conv_transpose2d_naive(x[None, None], x[None, None])[0, 0]
    array([[ 0.,  0.,  1.],
           [ 0.,  4.,  6.],
           [ 4., 12.,  9.]])
    """
    x, w, b, geometry, (oh, ow) = _check_transpose_args(
        x, w, b, stride, padding, output_padding, dilation)
    (sh, sw), (ph, pw), (dh, dw), (h, wd) = geometry
    n_img, c_in = x.shape[:2]
    c_out, kh, kw = w.shape[1:]
    # The full result before cropping; every scattered kernel lands inside it.
    full = np.zeros((n_img, c_out, oh + 2 * ph, ow + 2 * pw), dtype=x.dtype)
    for n in range(n_img):  # every image ...
        for k in range(c_in):  # ... every input channel ...
            for i in range(h):  # ... every input value:
                for j in range(wd):
                    # drop the kernel stack w[k] (all C_out maps), scaled by the value, with
                    # its first tap at (s i, s j); overlapping copies add up.
                    rows = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
                    cols = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
                    full[n, :, rows, cols] += x[n, k, i, j] * w[k]
    out = full[:, :, ph : ph + oh, pw : pw + ow]
    if b is not None:
        out = out + b[None, :, None, None]
    return np.ascontiguousarray(out)


def conv_transpose2d_forward(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: Pair = 1,
    padding: Pair = 0,
    output_padding: Pair = 0,
    *,
    dilation: Pair = 1,
) -> tuple[np.ndarray, ConvTransposeCache]:
    """:func:`conv_transpose2d`, also returning the cache :func:`conv_transpose2d_backward` needs.

    Returns
    -------
    out : (N, C_out, H_out, W_out) ndarray
        Exactly :func:`conv_transpose2d`'s output.
    cache : ConvTransposeCache

    Notes
    -----
    Every input value times every kernel entry is one product: with
    :math:`X_{(C_{in},\\, N H W)}` and :math:`W_{(C_{in},\\, C_{out} k_h k_w)}` all of them are
    the columns :math:`W^T X`, and :func:`col2im` adds each column onto the window it belongs
    to. That is exactly the backward pass of a convolution with respect to its input (which
    is why the operation is called the *transpose*: as a matrix it is :math:`C^T`, where the
    convolution is :math:`C`).

    References
    ----------
    Dumoulin & Visin (2016), section 4. Used in chapters/14_segmentation_cnns.ipynb.

    Examples
    --------
    >>> out, cache = conv_transpose2d_forward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))
    >>> out[0, 0], cache.out_size
    (array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]]), (3, 3))
    """
    x, w, b, geometry, (oh, ow) = _check_transpose_args(
        x, w, b, stride, padding, output_padding, dilation)
    n_img, c_in, h, wd = x.shape
    c_out, kh, kw = w.shape[1:]
    xm = x.transpose(1, 0, 2, 3).reshape(c_in, -1)  # (C_in, N * H * W)
    cols = w.reshape(c_in, -1).T @ xm  # (C_out * kh * kw, N * H * W): every product at once
    out = _col2im(cols, (n_img, c_out, oh, ow), kh, kw, *geometry)
    if b is not None:
        out += b[None, :, None, None]
    stride_, padding_, dilation_, _ = geometry
    return out, ConvTransposeCache(x, w, stride_, padding_, dilation_, (oh, ow))


def conv_transpose2d(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: Pair = 1,
    padding: Pair = 0,
    output_padding: Pair = 0,
    *,
    dilation: Pair = 1,
) -> np.ndarray:
    """A transpose ("up-") convolution layer, vectorised: the layer that enlarges feature maps.

    Parameters
    ----------
    x : (N, C_in, H, W) ndarray
    w : (C_in, C_out, kh, kw) ndarray
        torch's layout for ``ConvTranspose2d``: input channels first (conv2d's is
        ``(F, C, kh, kw)``, output channels first).
    b : (C_out,) ndarray, optional
    stride : int or (int, int)
        How far apart the kernel copies of neighbouring input values land (the upsampling
        factor).
    padding : int or (int, int)
        Cells cropped from each side of the full result (``padding`` of the convolution this
        one is the transpose of).
    output_padding : int or (int, int)
        Cells added at the bottom/right, ``< max(stride, dilation)``.
    dilation : int or (int, int), keyword-only
        Spacing of the kernel taps.

    Returns
    -------
    (N, C_out, H_out, W_out) ndarray of float32 (float64 if x or w is float64)
        ``H_out = conv_transpose_output_size(H, kh, ph, sh, dh, oph)``, likewise W_out.

    Raises
    ------
    ValueError
        Wrong ndim, ``w.shape[0] != C_in``, bias of the wrong length, stride or dilation < 1,
        negative padding, ``output_padding >= max(stride, dilation)``, a padding that crops
        everything, or a layer larger than :data:`MAX_ELEMENTS`.
    TypeError
        Non-numeric arrays, a string padding.

    Notes
    -----
    .. math:: y[n, o] = b[o] + \\sum_k \\mathrm{crop}_p\\Big(\\sum_{i, j}
              x[n, k, i, j]\\; \\mathrm{shift}_{(s i,\\, s j)}\\big(w[k, o]\\big)\\Big)

    Each input value scatters a copy of the kernel, scaled by the value, placed s cells after
    its neighbour's; overlaps add. Equivalently (and this is how it is computed): the gradient
    of :func:`conv2d` with the same kernel, stride, padding and dilation with respect to its
    input. Equivalently again: insert s - 1 zeros between the input values, pad with
    :math:`d(f-1) - p` zeros, and run an ordinary convolution with the kernel flipped and its
    two channel axes swapped (:func:`zero_upsample` and chapter 14 show it). Agrees with
    ``torch.nn.functional.conv_transpose2d(x, w, b, stride, padding, output_padding, 1,
    dilation)`` and its autograd to a relative error below 1e-7 in float64 on 200+ random
    shapes (tests/test_conv_transpose.py).

    References
    ----------
    Long, Shelhamer & Darrell, "Fully convolutional networks for semantic segmentation",
    CVPR 2015; Dumoulin & Visin (2016), section 4. Used in chapters/14_segmentation_cnns.ipynb.

    Examples
    --------
    Stride 2 doubles a 2x2 map; with a 2x2 kernel the copies tile without overlap:

    >>> conv_transpose2d(np.array([[1.0, 2.0], [3.0, 4.0]])[None, None],
    ...                  np.ones((1, 1, 2, 2)), stride=2)[0, 0]
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.],
           [3., 3., 4., 4.],
           [3., 3., 4., 4.]])
    """
    return conv_transpose2d_forward(x, w, b, stride, padding, output_padding, dilation=dilation)[0]


def conv_transpose2d_backward(
    dout: np.ndarray, cache: ConvTransposeCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a transpose convolution layer: ``(dx, dw, db)`` from ``dout``.

    Parameters
    ----------
    dout : (N, C_out, H_out, W_out) ndarray
    cache : ConvTransposeCache
        From :func:`conv_transpose2d_forward`.

    Returns
    -------
    dx : (N, C_in, H, W) ndarray
    dw : (C_in, C_out, kh, kw) ndarray
    db : (C_out,) ndarray

    Notes
    -----
    The forward pass is :math:`Y = \\mathrm{col2im}(W^T X)`; :func:`im2col` is col2im's
    adjoint, so with :math:`D = \\mathrm{im2col}(dY)`: :math:`dX = W D`,
    :math:`dW = X D^T`, :math:`db = \\sum dY`. In words: the gradient with respect to the
    input of a transpose convolution is an ordinary convolution of ``dout`` (the operation
    and its transpose swap roles). Agrees with torch autograd to a relative error below 1e-7
    in float64 (tests/test_conv_transpose.py).

    References
    ----------
    Dumoulin & Visin (2016), section 4. Used in chapters/14_segmentation_cnns.ipynb.

    Examples
    --------
    >>> _, cache = conv_transpose2d_forward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))
    >>> dx, dw, db = conv_transpose2d_backward(np.ones((1, 1, 3, 3)), cache)
    >>> dx[0, 0], db
    (array([[4., 4.],
           [4., 4.]]), array([9.]))
    """
    cache = _check_cache(cache, ConvTransposeCache, "conv_transpose2d_forward")
    x, w = cache.x, cache.w
    n_img, c_in, h, wd = x.shape
    c_out, kh, kw = w.shape[1:]
    dout = _check_dout(dout, (n_img, c_out, *cache.out_size), x.dtype)
    geometry = (cache.stride, cache.padding, cache.dilation, (h, wd))
    dcols = _im2col(dout, kh, kw, *geometry)  # (C_out * kh * kw, N * H * W)
    wm = w.reshape(c_in, -1)
    dx = (wm @ dcols).reshape(c_in, n_img, h, wd).transpose(1, 0, 2, 3)
    dw = (x.transpose(1, 0, 2, 3).reshape(c_in, -1) @ dcols.T).reshape(w.shape)
    db = dout.sum(axis=(0, 2, 3))
    return np.ascontiguousarray(dx), dw, db


def zero_upsample(x: np.ndarray, stride: Pair = 2) -> np.ndarray:
    """Insert ``stride - 1`` zeros between neighbouring values of every map of a batch.

    Parameters
    ----------
    x : (N, C, H, W) ndarray
    stride : int or (int, int)
        1 to 64.

    Returns
    -------
    (N, C, (H - 1) sh + 1, (W - 1) sw + 1) ndarray
        ``out[:, :, ::sh, ::sw] == x``, zeros elsewhere.

    Notes
    -----
    A transpose convolution with stride s is an ordinary stride-1 convolution over this
    upsampled input (padded with :math:`d(f-1) - p` zeros, plus ``output_padding`` at the
    end) with the kernel flipped and its channel axes swapped; chapter 14 computes both and
    compares them. The zeros are why it wastes most of its multiplications, and why its
    output can show a checkerboard.

    References
    ----------
    Dumoulin & Visin (2016), section 4.5 ("fractionally strided convolution"). Used in
    chapters/14_segmentation_cnns.ipynb.

    Examples
    --------
    >>> zero_upsample(np.array([[1.0, 2.0], [3.0, 4.0]])[None, None])[0, 0]
    array([[1., 0., 2.],
           [0., 0., 0.],
           [3., 0., 4.]])
    """
    x = check_batch(x)
    sh, sw = _pair(stride, "stride", min=1)
    if max(sh, sw) > 64:
        raise ValueError(f"stride must be at most 64 here; got {stride}")
    n, c, h, wd = x.shape
    shape = (n, c, (h - 1) * sh + 1, (wd - 1) * sw + 1)
    _check_elements(int(np.prod(shape)), "the upsampled batch")
    out = np.zeros(shape, dtype=x.dtype)
    out[:, :, ::sh, ::sw] = x
    return out


# -- one and three dimensions ------------------------------------------------------------------
def _check_nd_args(x, w, b, ndim: int):
    """Validate (N, C, *spatial) input, (F, C, *kernel) weights, (F,) bias for an nd conv."""
    axes = {1: "L", 3: "D, H, W"}[ndim]
    kernel = {1: "k", 3: "kd, kh, kw"}[ndim]
    x = as_array(x, "x", ndim=ndim + 2, shape_hint=f"(N, C, {axes})",
                 fix="add a batch axis with x[None] and a channel axis with x[:, None]")
    w = as_array(w, "w", ndim=ndim + 2, shape_hint=f"(F, C, {kernel})")
    return _match_weights(x, w, b)


def _tuple_arg(value: Any, name: str, ndim: int, *, min: int,  # noqa: A002
               axes: str = "spatial axis") -> tuple[int, ...]:
    if isinstance(value, (tuple, list)):
        if len(value) != ndim:
            raise ValueError(
                f"{name} must be an int or {ndim} ints, one per {axes}; got "
                f"{describe(value)}"
            )
        return tuple(check_int(v, name, min=min, max=MAX_SIDE) for v in value)
    if not isinstance(value, numbers.Integral) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int or {ndim} ints; got {describe(value)}")
    return (check_int(value, name, min=min, max=MAX_SIDE),) * ndim


def _nd_padding(padding: Any, kernel: tuple[int, ...], stride: tuple[int, ...],
                dilation: tuple[int, ...]) -> tuple[int, ...]:
    if isinstance(padding, str):
        check_choice(padding, "padding", ("valid", "same"))
        if padding == "valid":
            return (0,) * len(kernel)
        if any(s != 1 for s in stride):
            raise ValueError(
                f"padding='same' needs stride=1; got stride={stride} - pad explicitly with an int"
            )
        return tuple(same_padding(f, 1, d) for f, d in zip(kernel, dilation, strict=True))
    if not isinstance(padding, (numbers.Integral, tuple, list)):
        raise TypeError(
            f"padding must be an int, {len(kernel)} ints, 'valid' or 'same'; got "
            f"{describe(padding)}"
        )
    return _tuple_arg(padding, "padding", len(kernel), min=0)


def conv1d_naive(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
) -> np.ndarray:
    """A 1-D convolution layer with plain loops (for reading); same signature as :func:`conv1d`.

    Notes
    -----
    .. math:: y[n, f, t] = b[f] + \\sum_{c} \\sum_{i < k} w[f, c, i]\\;
              x_{pad}[n, c,\\; s t + d i]

    References
    ----------
    Waibel et al., "Phoneme recognition using time-delay neural networks", IEEE TASSP 37(3),
    1989. Used in chapters/18_conv_1d_3d.ipynb.

    Examples
    --------
    >>> conv1d_naive(np.arange(6.0)[None, None], np.array([[[1.0, 0.0, -1.0]]]))[0, 0]
    array([-2., -2., -2., -2.])
    """
    x, w, b = _check_nd_args(x, w, b, 1)
    (s,) = _tuple_arg(stride, "stride", 1, min=1)
    (d,) = _tuple_arg(dilation, "dilation", 1, min=1)
    n_img, _, length = x.shape
    n_filt, _, k = w.shape
    (p,) = _nd_padding(padding, (k,), (s,), (d,))
    n_out = conv_output_size(length, k, p, s, d)
    _check_elements(n_img * n_filt * n_out * x.shape[1] * k, "the products")
    xp = np.pad(x, ((0, 0), (0, 0), (p, p)))  # zeros at both ends of every channel
    out = np.zeros((n_img, n_filt, n_out), dtype=x.dtype)
    for n in range(n_img):  # every signal ...
        for f in range(n_filt):  # ... every filter ...
            for t in range(n_out):  # ... every output position
                window = xp[n, :, t * s : t * s + d * (k - 1) + 1 : d]  # (C, k)
                out[n, f, t] = np.sum(window * w[f]) + (b[f] if b is not None else 0)
    return out


def conv1d(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
) -> np.ndarray:
    """A 1-D convolution layer (cross-correlation, as in torch) on ``(N, C, L)`` signals.

    Parameters
    ----------
    x : (N, C, L) ndarray
        N signals of C channels and length L.
    w : (F, C, k) ndarray
    b : (F,) ndarray, optional
    stride, dilation : int
    padding : int, "valid" or "same"
        Zeros at both ends; "same" needs stride 1 and an odd effective kernel.

    Returns
    -------
    (N, F, L') ndarray of float32 (float64 if x or w is float64)
        ``L' = conv_output_size(L, k, padding, stride, dilation)``: the 2-D formula, per axis.

    Raises
    ------
    ValueError, TypeError
        As :func:`conv2d`, with the shapes written for one dimension.

    Notes
    -----
    .. math:: y[n, f, t] = b[f] + \\sum_{c} \\sum_{i < k} w[f, c, i]\\;
              x_{pad}[n, c,\\; s t + d i]

    Computed as :func:`conv2d` on a 1-pixel-high image: ``x[:, :, None, :]`` with kernels
    ``w[:, :, None, :]``, stride ``(1, s)``, padding ``(0, p)`` - a 1-D convolution is a 2-D
    one whose kernel and input have height 1. Agrees with ``torch.nn.functional.conv1d`` to a
    relative error below 1e-7 in float64 on 200+ random shapes (tests/test_conv_nd.py).

    References
    ----------
    Waibel et al. (1989), see :func:`conv1d_naive`; van den Oord et al., "WaveNet: a generative
    model for raw audio", arXiv:1609.03499 (2016). Used in chapters/18_conv_1d_3d.ipynb.

    Examples
    --------
    A difference kernel finds where a step happens:

    >>> conv1d(np.array([0.0, 0, 0, 1, 1, 1])[None, None], np.array([[[-1.0, 1.0]]]))[0, 0]
    array([0., 0., 1., 0., 0.])
    """
    x, w, b = _check_nd_args(x, w, b, 1)
    (s,) = _tuple_arg(stride, "stride", 1, min=1)
    (d,) = _tuple_arg(dilation, "dilation", 1, min=1)
    (p,) = _nd_padding(padding, (w.shape[2],), (s,), (d,))
    conv_output_size(x.shape[2], w.shape[2], p, s, d)  # a clear 1-D message if it does not fit
    out, _ = conv2d_forward(x[:, :, None, :], w[:, :, None, :], b, (1, s), (0, p), (1, d))
    return out[:, :, 0, :]


def causal_conv1d(
    x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, dilation: int = 1
) -> np.ndarray:
    """A causal 1-D convolution: output t sees only inputs t, t - d, ..., t - d(k - 1).

    Parameters
    ----------
    x : (N, C, L) ndarray
    w : (F, C, k) ndarray
        ``w[..., -1]`` multiplies the current sample, ``w[..., 0]`` the oldest.
    b : (F,) ndarray, optional
    dilation : int

    Returns
    -------
    (N, F, L) ndarray
        As long as the input.

    Notes
    -----
    Pad :math:`d(k-1)` zeros at the *start* only, then convolve without padding:
    :math:`y[t] = \\sum_i w[i]\\, x[t - d(k - 1 - i)]`. No output depends on the future, so
    a stack of these can generate a signal one sample at a time (WaveNet). Stacking layers
    with dilations 1, 2, 4, ... doubles the receptive field per layer
    (:func:`receptive_field_size`).

    References
    ----------
    van den Oord et al., "WaveNet: a generative model for raw audio", arXiv:1609.03499
    (2016). Used in chapters/18_conv_1d_3d.ipynb.

    Examples
    --------
    An impulse at t = 0 reaches t = 0 and t = 2 through a dilation-2, 2-tap kernel:

    >>> causal_conv1d(np.array([1.0, 0, 0, 0, 0])[None, None], np.ones((1, 1, 2)), dilation=2)
    array([[[1., 0., 1., 0., 0.]]])
    """
    x, w, b = _check_nd_args(x, w, b, 1)
    (d,) = _tuple_arg(dilation, "dilation", 1, min=1)
    left = d * (w.shape[2] - 1)
    _check_elements(x.shape[0] * x.shape[1] * (x.shape[2] + left), "the padded input")
    return conv1d(np.pad(x, ((0, 0), (0, 0), (left, 0))), w, b, dilation=d)


def conv3d_naive(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: int | tuple[int, int, int] = 1,
    padding: int | tuple[int, int, int] | str = 0,
    *,
    dilation: int | tuple[int, int, int] = 1,
) -> np.ndarray:
    """A 3-D convolution layer with plain loops (for reading); same signature as :func:`conv3d`.

    Notes
    -----
    .. math:: y[n, f, z, r, q] = b[f] + \\sum_{c} \\sum_{a, i, j}
              w[f, c, a, i, j]\\; x_{pad}[n, c,\\; s z + d a,\\; s r + d i,\\; s q + d j]

    References
    ----------
    Ji, Xu, Yang & Yu, "3D convolutional neural networks for human action recognition",
    IEEE TPAMI 35(1), 2013. Used in chapters/18_conv_1d_3d.ipynb.

    Examples
    --------
    >>> conv3d_naive(np.ones((1, 1, 3, 3, 3)), np.ones((1, 1, 2, 2, 2)))[0, 0, 0]
    array([[8., 8.],
           [8., 8.]])
    """
    x, w, b, (stride, padding, dilation, out_size) = _conv3d_geometry(
        x, w, b, stride, padding, dilation)
    n_img, n_filt = x.shape[0], w.shape[0]
    kernel = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), *((p, p) for p in padding)))
    out = np.zeros((n_img, n_filt, *out_size), dtype=x.dtype)
    for n in range(n_img):
        for f in range(n_filt):
            for z, r, q in np.ndindex(*out_size):  # every output voxel
                corner = (z, r, q)
                window = xp[(n, slice(None), *(
                    slice(c * s, c * s + d * (k - 1) + 1, d)
                    for c, s, d, k in zip(corner, stride, dilation, kernel, strict=True)))]
                out[n, f, z, r, q] = np.sum(window * w[f]) + (b[f] if b is not None else 0)
    return out


def _conv3d_geometry(x, w, b, stride, padding, dilation):
    x, w, b = _check_nd_args(x, w, b, 3)
    kernel = w.shape[2:]
    stride = _tuple_arg(stride, "stride", 3, min=1)
    dilation = _tuple_arg(dilation, "dilation", 3, min=1)
    padding = _nd_padding(padding, kernel, stride, dilation)
    out_size = tuple(conv_output_size(n, k, p, s, d) for n, k, p, s, d in
                     zip(x.shape[2:], kernel, padding, stride, dilation, strict=True))
    n, c = x.shape[:2]
    _check_elements(n * c * int(np.prod(kernel)) * int(np.prod(out_size)),
                    "the unfolded windows (im2col)")
    _check_elements(n * c * int(np.prod([m + 2 * p for m, p in zip(x.shape[2:], padding,
                                                                      strict=True)])),
                    "the padded input")
    return x, w, b, (stride, padding, dilation, out_size)


def conv3d(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    stride: int | tuple[int, int, int] = 1,
    padding: int | tuple[int, int, int] | str = 0,
    *,
    dilation: int | tuple[int, int, int] = 1,
) -> np.ndarray:
    """A 3-D convolution layer on ``(N, C, D, H, W)`` volumes, vectorised with im2col.

    Parameters
    ----------
    x : (N, C, D, H, W) ndarray
        N volumes (or clips: D frames) of C channels.
    w : (F, C, kd, kh, kw) ndarray
    b : (F,) ndarray, optional
    stride : int or (int, int, int)
    padding : int, (int, int, int), "valid" or "same"
    dilation : int or (int, int, int), keyword-only

    Returns
    -------
    (N, F, D', H', W') ndarray of float32 (float64 if x or w is float64)
        Each side from :func:`conv_output_size`, the same formula as in 1-D and 2-D.

    Raises
    ------
    ValueError, TypeError
        As :func:`conv2d`, with the shapes written for three dimensions.

    Notes
    -----
    .. math:: y[n, f] = b[f] + \\sum_{c} w[f, c] \\star_3 x[n, c]

    The kernel slides along depth too. A 2-D convolution over a C-channel input also has a
    3-D kernel ``(C, kh, kw)``, but it spans *all* channels and does not slide along them;
    here the third axis is spatial and the kernel moves along it. im2col as in 2-D: one column
    per output voxel, ``kd kh kw C`` rows, then one matrix product. Agrees with
    ``torch.nn.functional.conv3d`` to a relative error below 1e-7 in float64 on 200+ random
    shapes (tests/test_conv_nd.py).

    References
    ----------
    Ji et al. (2013), see :func:`conv3d_naive`; Milletari, Navab & Ahmadi, "V-Net", 3DV 2016.
    Used in chapters/18_conv_1d_3d.ipynb.

    Examples
    --------
    >>> conv3d(np.ones((1, 1, 4, 4, 4)), np.ones((1, 1, 3, 3, 3)), padding=1)[0, 0, 0]
    array([[ 8., 12., 12.,  8.],
           [12., 18., 18., 12.],
           [12., 18., 18., 12.],
           [ 8., 12., 12.,  8.]])
    """
    x, w, b, (stride, padding, dilation, out_size) = _conv3d_geometry(
        x, w, b, stride, padding, dilation)
    n_img, c = x.shape[:2]
    n_filt = w.shape[0]
    kd, kh, kw = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), *((p, p) for p in padding))) if any(padding) else x
    xt = xp.transpose(1, 0, 2, 3, 4)  # (C, N, D, H, W), a view
    cols = np.empty((c, kd, kh, kw, n_img, *out_size), dtype=x.dtype)
    for a, i, j in np.ndindex(kd, kh, kw):  # one strided copy per kernel tap
        cols[:, a, i, j] = xt[:, :, *(_tap(t, d, s, m) for t, d, s, m in
                                       zip((a, i, j), dilation, stride, out_size, strict=True))]
    out = w.reshape(n_filt, -1) @ cols.reshape(c * kd * kh * kw, -1)  # one GEMM
    if b is not None:
        out += b[:, None]
    return np.ascontiguousarray(out.reshape(n_filt, n_img, *out_size).transpose(1, 0, 2, 3, 4))


# -- sizes and costs in any number of dimensions -----------------------------------------------
def conv_nd_output_shape(
    shape: Any, kernel: Any, padding: Any = 0, stride: Any = 1, dilation: Any = 1
) -> tuple[int, ...]:
    """Output shape of a convolution in 1, 2 or 3 (or more) dimensions: one formula per axis.

    Parameters
    ----------
    shape : tuple of int
        The spatial sides ``(L,)``, ``(H, W)`` or ``(D, H, W)`` (1 to 8 axes).
    kernel, padding, stride, dilation : int or tuple of int
        One value for every axis, or one per axis.

    Returns
    -------
    tuple of int
        ``conv_output_size`` of each axis.

    Notes
    -----
    The axes are independent: along each one the window slides as in 1-D, so
    :math:`n'_a = \\lfloor (n_a + 2p_a - d_a(f_a - 1) - 1) / s_a \\rfloor + 1` for every axis a.

    References
    ----------
    Dumoulin & Visin (2016), section 2. Used in chapters/18_conv_1d_3d.ipynb.

    Examples
    --------
    >>> conv_nd_output_shape((100,), 5, stride=2), conv_nd_output_shape((6, 6), 3)
    ((48,), (4, 4))
    >>> conv_nd_output_shape((16, 64, 64), (3, 3, 3), padding=1, stride=(1, 2, 2))
    (16, 32, 32)
    """
    if not isinstance(shape, (tuple, list)) or not 1 <= len(shape) <= 8:
        raise TypeError(
            f"shape must be a tuple of 1 to 8 spatial sides, e.g. (L,) or (D, H, W); got "
            f"{describe(shape)}"
        )
    ndim = len(shape)
    sides = tuple(check_int(n, "shape", min=1, max=MAX_SIDE) for n in shape)
    axes = "axis of shape"  # the number of axes comes from shape: name it in the message
    kernel = _tuple_arg(kernel, "kernel", ndim, min=1, axes=axes)
    stride = _tuple_arg(stride, "stride", ndim, min=1, axes=axes)
    dilation = _tuple_arg(dilation, "dilation", ndim, min=1, axes=axes)
    padding = _nd_padding(padding, kernel, stride, dilation)
    return tuple(conv_output_size(n, f, p, s, d) for n, f, p, s, d in
                 zip(sides, kernel, padding, stride, dilation, strict=True))


class ConvCost(NamedTuple):
    """Learnable parameters and multiply-accumulates of one convolution layer."""

    params: int
    macs: int


def conv_cost(
    kernel: Any, c_in: int, c_out: int, out_shape: Any, *, bias: bool = True
) -> ConvCost:
    """Parameters and multiply-accumulate operations (MACs) of a convolution in any dimension.

    Parameters
    ----------
    kernel : int or tuple of int
        Kernel sides, e.g. ``(3,)``, ``(3, 3)`` or ``(3, 3, 3)``; an int is a 1-D kernel.
    c_in, c_out : int
        Input channels and filters.
    out_shape : int or tuple of int
        The output's spatial sides (from :func:`conv_nd_output_shape`), same length as ``kernel``.
    bias : bool

    Returns
    -------
    ConvCost
        ``params = prod(kernel) c_in c_out (+ c_out)``, ``macs = prod(kernel) c_in c_out
        prod(out_shape)`` (one multiply-add per weight per output position; biases not counted).

    Notes
    -----
    Parameters do not depend on the input size; MACs grow with every output position, which
    is why a 3x3x3 kernel on a volume costs about 3 times a 3x3 kernel *per output voxel* and
    far more in total. For ``bias=True`` ``params`` agrees with
    ``sum(p.numel() for p in torch.nn.Conv3d(c_in, c_out, k).parameters())`` (and Conv1d,
    Conv2d).

    References
    ----------
    Used in chapters/18_conv_1d_3d.ipynb (chapter 10 counts whole networks).

    Examples
    --------
    >>> conv_cost((3, 3), 3, 8, (32, 32))
    ConvCost(params=224, macs=221184)
    >>> conv_cost((3, 3, 3), 1, 8, (16, 16, 16), bias=False).params
    216
    """
    kernel = (kernel,) if isinstance(kernel, numbers.Integral) and not isinstance(
        kernel, (bool, np.bool_)) else kernel
    if not isinstance(kernel, (tuple, list)) or not 1 <= len(kernel) <= 8:
        raise TypeError(f"kernel must be an int or a tuple of 1 to 8 ints; got {describe(kernel)}")
    ndim = len(kernel)
    kernel = _tuple_arg(tuple(kernel), "kernel", ndim, min=1)
    if isinstance(out_shape, numbers.Integral) and not isinstance(out_shape, (bool, np.bool_)):
        out_shape = (out_shape,)
    if not isinstance(out_shape, (tuple, list)) or len(out_shape) != ndim:
        raise ValueError(
            f"out_shape must have one side per kernel axis ({ndim}); got {describe(out_shape)}"
        )
    out_shape = _tuple_arg(tuple(out_shape), "out_shape", ndim, min=1)
    c_in = check_int(c_in, "c_in", min=1, max=MAX_CHANNELS)
    c_out = check_int(c_out, "c_out", min=1, max=MAX_CHANNELS)
    bias = check_bool(bias, "bias")
    weights = int(np.prod(kernel)) * c_in * c_out
    return ConvCost(weights + (c_out if bias else 0), weights * int(np.prod(out_shape)))


def receptive_field_size(kernels: Any, strides: Any = None, dilations: Any = None) -> int:
    """How many input samples (per axis) one output of a stack of convolutions depends on.

    Parameters
    ----------
    kernels : sequence of int
        Kernel side of each layer, first layer first (1 to 1,000 layers).
    strides : sequence of int, optional
        Default all 1.
    dilations : sequence of int, optional
        Default all 1.

    Returns
    -------
    int

    Notes
    -----
    Layer l widens the field by :math:`(k_l - 1) d_l` of *its* input samples, each of which
    is :math:`\\prod_{j<l} s_j` samples of the original input apart:

    .. math:: r = 1 + \\sum_l (k_l - 1)\\, d_l \\prod_{j < l} s_j

    With kernel 2 and dilations 1, 2, 4, ..., 2^{L-1} (WaveNet), :math:`r = 2^L`: it doubles
    with every layer instead of growing by one.

    References
    ----------
    Araujo, Norris & Sim, "Computing receptive fields of convolutional neural networks",
    Distill (2019); van den Oord et al. (2016). Used in chapters/18_conv_1d_3d.ipynb.

    Examples
    --------
    >>> receptive_field_size([3, 3, 3])                      # three 3-tap layers
    7
    >>> receptive_field_size([2] * 4, dilations=[1, 2, 4, 8])   # WaveNet: 2**4
    16
    """
    if isinstance(kernels, (str, bytes)) or not hasattr(kernels, "__len__") or not \
            1 <= len(kernels) <= 1000:
        raise TypeError(f"kernels must be a sequence of 1 to 1000 ints; got {describe(kernels)}")
    n = len(kernels)
    ks = [check_int(k, "kernels", min=1, max=MAX_SIDE) for k in kernels]

    def per_layer(values, name):
        if values is None:
            return [1] * n
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or \
                len(values) != n:
            raise ValueError(f"{name} must have one entry per layer ({n}); got {describe(values)}")
        return [check_int(v, name, min=1, max=MAX_SIDE) for v in values]

    ss, ds = per_layer(strides, "strides"), per_layer(dilations, "dilations")
    field, jump = 1, 1
    for k, s, d in zip(ks, ss, ds, strict=True):
        field += (k - 1) * d * jump
        jump *= s
    return field


def input_dependencies(
    index: int, kernels: Any, strides: Any = None, dilations: Any = None
) -> np.ndarray:
    """The input positions that output ``index`` of a stack of 1-D convolutions depends on.

    Parameters
    ----------
    index : int
        Position in the last layer's output (0 to 65,536).
    kernels : sequence of int
        Kernel size of each layer, first layer first (1 to 64 layers).
    strides, dilations : sequence of int, optional
        Default all 1.

    Returns
    -------
    (M,) ndarray of int64
        Sorted input positions (padding not counted: position 0 is the first sample the
        first layer's first window sees).

    Notes
    -----
    Going down one layer, output p of that layer reads its input at
    :math:`p s + d i` for :math:`i < k`. Applied from the last layer down, the set spans
    exactly :func:`receptive_field_size` positions, but may have *holes*: with equal dilations
    greater than 1 in every layer only every d-th sample is ever read (the "gridding" of
    dilated convolutions); WaveNet's growing dilations 1, 2, 4, ... leave none.

    References
    ----------
    Yu & Koltun, "Multi-scale context aggregation by dilated convolutions", ICLR 2016;
    Wang et al., "Understanding convolution for semantic segmentation", WACV 2018
    (gridding). Used in chapters/18_conv_1d_3d.ipynb.

    Examples
    --------
    >>> input_dependencies(0, [2, 2, 2], dilations=[1, 2, 4]).tolist()       # no holes
    [0, 1, 2, 3, 4, 5, 6, 7]
    >>> input_dependencies(0, [2, 2], dilations=[2, 2]).tolist()     # field 5, holes at 1, 3
    [0, 2, 4]
    """
    index = check_int(index, "index", min=0, max=MAX_SIDE)
    if isinstance(kernels, (str, bytes)) or not hasattr(kernels, "__len__") or \
            not 1 <= len(kernels) <= 64:
        raise TypeError(f"kernels must be a sequence of 1 to 64 ints; got {describe(kernels)}")
    n = len(kernels)
    field = receptive_field_size(kernels, strides, dilations)  # validates every entry
    ks = [int(k) for k in kernels]
    ss = [1] * n if strides is None else [int(s) for s in strides]
    ds = [1] * n if dilations is None else [int(d) for d in dilations]
    jump = int(np.prod(ss))
    if index * jump + field > MAX_ELEMENTS:
        raise ValueError(f"index={index} reaches beyond {MAX_ELEMENTS:,} input samples")
    positions = np.array([index], np.int64)
    for k, s, d in zip(reversed(ks), reversed(ss), reversed(ds), strict=True):
        positions = np.unique((positions[:, None] * s + d * np.arange(k)[None, :]).ravel())
    return positions
