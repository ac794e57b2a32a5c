"""helpers.conv's transpose convolution: sizes, naive == vectorised, forward and backward vs torch.

Conventions: weights are (C_in, C_out, kh, kw), torch's ``ConvTranspose2d`` layout;
``torch.nn.functional.conv_transpose2d(x, w, b, stride, padding, output_padding, groups=1,
dilation)``. Tolerance: float64 relative error (``helpers.cnn.relative_error``) <= 1e-7 on
>= 220 seeded random shapes, strides, paddings, output paddings and dilations (measured ~1e-15).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from helpers import conv, notes
from helpers.cnn import relative_error

N_RANDOM = 220
TOL = 1e-7


_THREADS_BEFORE: list[int] = []


def _torch():
    torch = pytest.importorskip("torch")
    _THREADS_BEFORE.append(torch.get_num_threads())
    # tiny tensors: one thread is ~20x faster than two fighting over a busy machine's cores
    torch.set_num_threads(1)
    return torch, torch.nn.functional


@pytest.fixture(autouse=True)
def _restore_torch_threads():
    yield
    if _THREADS_BEFORE:
        sys.modules["torch"].set_num_threads(_THREADS_BEFORE[0])
        _THREADS_BEFORE.clear()


def _random_case(rng):
    """Random (x, w, b, stride, padding, output_padding, dilation), valid or not."""
    n, c_in, c_out = (int(v) for v in rng.integers(1, 4, size=3))
    h, w = (int(v) for v in rng.integers(1, 7, size=2))
    kh, kw = (int(v) for v in rng.integers(1, 5, size=2))
    stride = tuple(int(v) for v in rng.integers(1, 4, size=2))
    dilation = tuple(int(v) for v in rng.integers(1, 3, size=2))
    padding = tuple(int(v) for v in rng.integers(0, 3, size=2))
    out_pad = tuple(int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation, strict=True))
    x = rng.standard_normal((n, c_in, h, w))
    wt = rng.standard_normal((c_in, c_out, kh, kw))
    b = rng.standard_normal(c_out)
    return x, wt, b, stride, padding, out_pad, dilation


def _torch_forward(F, torch, x, w, b, s, p, op, d, grad=False):
    xt, wt, bt = (torch.tensor(a, requires_grad=grad) for a in (x, w, b))
    return F.conv_transpose2d(xt, wt, bt, s, p, op, 1, d), (xt, wt, bt)


# -- the notes' example and hand cases --------------------------------------------------------
def test_notes_example_gives_the_syllabus_output():
    x, k = notes.TRANSPOSE_INPUT, notes.TRANSPOSE_KERNEL
    want = [[0, 0, 1], [0, 4, 6], [4, 12, 9]]
    for fn in (conv.conv_transpose2d, conv.conv_transpose2d_naive):
        np.testing.assert_array_equal(fn(x[None, None], k[None, None])[0, 0], want)


def test_stride_two_with_a_two_by_two_kernel_tiles_without_overlap():
    x = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    out = conv.conv_transpose2d(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0]
    np.testing.assert_array_equal(out, np.kron(x[0, 0], np.ones((2, 2))))


def test_padding_crops_and_output_padding_appends():
    x, k = notes.TRANSPOSE_INPUT[None, None], notes.TRANSPOSE_KERNEL[None, None]
    full = conv.conv_transpose2d(x, k, stride=2)[0, 0]  # 4x4
    np.testing.assert_array_equal(conv.conv_transpose2d(x, k, stride=2, padding=1)[0, 0],
                                  full[1:-1, 1:-1])
    extra = conv.conv_transpose2d(x, k, stride=2, output_padding=1)[0, 0]
    assert extra.shape == (5, 5)
    np.testing.assert_array_equal(extra[:4, :4], full)
    assert not extra[4].any() and not extra[:, 4].any()


def test_output_size_formula_against_torch_shapes(rng):
    torch, F = _torch()
    tested = 0
    for _ in range(400):
        n, f = int(rng.integers(1, 9)), int(rng.integers(1, 6))
        p, s, d = int(rng.integers(0, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 3))
        op = int(rng.integers(0, 3))
        x, w = torch.zeros(1, 1, n, n, dtype=torch.float64), torch.zeros(1, 1, f, f,
                                                                          dtype=torch.float64)
        try:
            want = F.conv_transpose2d(x, w, None, s, p, op, 1, d).shape[-1]
        except RuntimeError:
            with pytest.raises(ValueError, match="output_padding must be smaller|crops the whole"):
                conv.conv_transpose_output_size(n, f, p, s, d, op)
            continue
        got = conv.conv_transpose_output_size(n, f, p, s, d, op)
        assert got == want == (n - 1) * s - 2 * p + d * (f - 1) + op + 1
        # the convolution with the same settings maps the size back
        assert conv.conv_output_size(got, f, p, s, d) == n or op >= s
        tested += 1
    assert tested > 200


# -- agreement with torch ---------------------------------------------------------------------
def test_forward_agrees_with_torch_on_random_cases(rng):
    torch, F = _torch()
    worst, tested, refused = 0.0, 0, 0
    while tested < N_RANDOM:
        x, w, b, s, p, op, d = _random_case(rng)
        try:
            want, _ = _torch_forward(F, torch, x, w, b, s, p, op, d)
        except RuntimeError:
            with pytest.raises(ValueError, match="crops the whole"):
                conv.conv_transpose2d(x, w, b, s, p, op, dilation=d)
            refused += 1
            continue
        got = conv.conv_transpose2d(x, w, b, s, p, op, dilation=d)
        assert got.dtype == np.float64 and got.shape == tuple(want.shape)
        worst = max(worst, relative_error(got, want.detach().numpy()))
        tested += 1
    assert worst <= TOL, worst
    assert refused > 0


def test_backward_agrees_with_torch_autograd(rng):
    torch, F = _torch()
    worst, tested = 0.0, 0
    while tested < N_RANDOM:
        x, w, b, s, p, op, d = _random_case(rng)
        try:
            out, (xt, wt, bt) = _torch_forward(F, torch, x, w, b, s, p, op, d, grad=True)
        except RuntimeError:
            continue
        dout = rng.standard_normal(tuple(out.shape))
        out.backward(torch.from_numpy(dout))
        _, cache = conv.conv_transpose2d_forward(x, w, b, s, p, op, dilation=d)
        dx, dw, db = conv.conv_transpose2d_backward(dout, cache)
        for ours, theirs in ((dx, xt.grad), (dw, wt.grad), (db, bt.grad)):
            assert ours.shape == tuple(theirs.shape)
            worst = max(worst, relative_error(ours, theirs.numpy()))
        tested += 1
    assert worst <= TOL, worst


def test_naive_equals_vectorised_and_float32_stays_float32(rng):
    for _ in range(30):
        x, w, b, s, p, op, d = _random_case(rng)
        try:
            fast = conv.conv_transpose2d(x, w, b, s, p, op, dilation=d)
        except ValueError:
            continue
        np.testing.assert_allclose(conv.conv_transpose2d_naive(x, w, b, s, p, op, dilation=d),
                                   fast, rtol=1e-12, atol=1e-12)
    out = conv.conv_transpose2d(np.ones((1, 2, 3, 3), np.float32), np.ones((2, 1, 2, 2),
                                                                           np.float32))
    assert out.dtype == np.float32


def test_is_the_gradient_of_conv2d_and_adjoint(rng):
    """<conv2d(y), x> == <y, conv_transpose2d(x)> with the kernel's channel axes swapped."""
    for _ in range(20):
        y = rng.standard_normal((2, 3, 9, 8))
        w = rng.standard_normal((4, 3, 3, 2))  # conv2d: 3 -> 4 channels
        s, p = int(rng.integers(1, 3)), int(rng.integers(0, 2))
        x = rng.standard_normal(conv.conv2d(y, w, stride=s, padding=p).shape)
        op = tuple((n + 2 * p - k) % s for n, k in zip((9, 8), (3, 2), strict=True))
        back = conv.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op)
        assert back.shape == y.shape
        lhs = np.sum(conv.conv2d(y, w, stride=s, padding=p) * x)
        np.testing.assert_allclose(lhs, np.sum(y * back), rtol=1e-10)


def test_equals_a_convolution_over_the_zero_upsampled_input(rng):
    for _ in range(20):
        x = rng.standard_normal((1, 2, 4, 5))
        w = rng.standard_normal((2, 3, 3, 3))  # (C_in, C_out, k, k)
        s, p = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        up = conv.zero_upsample(x, s)
        flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C_out, C_in, k, k)
        pad = 2 - p
        if pad < 0:
            continue
        via_conv = conv.conv2d(up, flipped, padding=pad)
        np.testing.assert_allclose(via_conv, conv.conv_transpose2d(x, w, stride=s, padding=p),
                                   atol=1e-12)


def test_zero_upsample():
    up = conv.zero_upsample(np.ones((1, 1, 2, 3)), (2, 3))
    assert up.shape == (1, 1, 3, 7)
    assert up.sum() == 6 and up[0, 0, ::2, ::3].all()
    with pytest.raises(ValueError, match="stride must be at most 64"):
        conv.zero_upsample(np.ones((1, 1, 2, 2)), 100)
    with pytest.raises(ValueError, match=r"x must be 4-D"):
        conv.zero_upsample(np.ones((2, 2)))


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        ((np.ones((2, 2)), np.ones((1, 1, 2, 2))), {}, ValueError, r"x must be 4-D"),
        ((np.ones((1, 2, 3, 3)), np.ones((1, 2, 2, 2))), {}, ValueError,
         r"w must have one kernel stack per input channel.*\(C_in, C_out, kh, kw\)"),
        ((np.ones((1, 1, 3, 3)), np.ones((1, 2, 2, 2)), np.ones(3)), {}, ValueError,
         r"b must have one bias per output channel, shape \(2,\)"),
        ((np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))), {"output_padding": 1}, ValueError,
         "output_padding must be smaller than the stride or the dilation"),
        ((np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2))), {"padding": 2}, ValueError,
         "crops the whole result"),
        ((np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))), {"padding": "same"}, TypeError,
         "padding must be an int or a pair"),
        ((np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))), {"stride": 0}, ValueError,
         "stride must be an integer >= 1"),
        ((np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))), {"stride": 10**9}, ValueError,
         "stride must be an integer >= 1 and <= 65536"),
        ((np.ones((1, 1, 3, 3)), np.full((1, 1, 2, 2), np.nan)), {}, ValueError,
         "w contains NaN"),
        ((np.ones((1, 1, 64, 64)), np.ones((1, 1, 2, 2))), {"stride": 60000}, ValueError,
         "more than the"),
        (("x", np.ones((1, 1, 2, 2))), {}, TypeError, "x must be a numeric array"),
    ],
)
@pytest.mark.parametrize("fn", [conv.conv_transpose2d, conv.conv_transpose2d_naive])
def test_errors(fn, args, kwargs, error, match):
    with pytest.raises(error, match=match):
        fn(*args, **kwargs)


def test_backward_errors():
    _, cache = conv.conv_transpose2d_forward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))
    with pytest.raises(ValueError, match=r"dout must have the shape of the forward output"):
        conv.conv_transpose2d_backward(np.ones((1, 1, 2, 2)), cache)
    with pytest.raises(TypeError, match=r"cache must be the cache conv_transpose2d_forward"):
        conv.conv_transpose2d_backward(np.ones((1, 1, 3, 3)), (1, 2))
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        conv.conv_transpose_output_size(0, 3)


# -- the explorer and the exercise check --------------------------------------------------------
def test_explorer_reproduces_the_notes_and_scatters_step_by_step():
    from helpers.widgets.conv import conv_transpose_explorer

    ex = conv_transpose_explorer()
    np.testing.assert_array_equal(ex.result["out"], [[0, 0, 1], [0, 4, 6], [4, 12, 9]])
    assert "<b>3</b>" in ex.readout.value
    ex.set(step=1)  # after two input values (0 and 1): only the second copy is on the canvas
    np.testing.assert_array_equal(ex.result["canvas"], [[0, 0, 1], [0, 2, 3], [0, 0, 0]])
    ex.set(step=3)
    np.testing.assert_array_equal(ex.result["canvas"], ex.result["out"])
    ex.set(n=3, f=3, stride=2, padding=1, output_padding=1)
    want = conv.conv_transpose2d(ex.result["x"][None, None], ex.result["w"][None, None], stride=2,
                                 padding=1, output_padding=1)[0, 0]
    np.testing.assert_array_equal(ex.result["out"], want)
    assert ex.result["out"].shape == (6, 6) and "<b>6</b>" in ex.readout.value
    ex.set(output_padding=3)  # not below the stride: refused, explained, nothing crashes
    assert ex.error is not None and "output_padding must be smaller" in ex.readout.value
    ex.set(output_padding=0, padding=3, n=1, f=1)
    assert ex.error is not None and "crops the whole result" in ex.readout.value
    ex.set(padding=0)
    assert ex.error is None


def test_explorer_factory_validates():
    from helpers.widgets.conv import conv_transpose_explorer

    with pytest.raises(ValueError, match="stride must be an integer >= 1 and <= 4; got 9"):
        conv_transpose_explorer(stride=9)
    with pytest.raises(TypeError, match="f must be an integer"):
        conv_transpose_explorer(f=2.5)


def test_check_conv_transpose():
    from helpers.checks.conv import check_conv_transpose

    def scatter(x, kernel, stride):
        x, kernel = np.asarray(x, float), np.asarray(kernel, float)
        (h, w), (kh, kw) = x.shape, kernel.shape
        out = np.zeros(((h - 1) * stride + kh, (w - 1) * stride + kw))
        for i in range(h):
            for j in range(w):
                out[i * stride : i * stride + kh, j * stride : j * stride + kw] += x[i, j] * kernel
        return out

    assert check_conv_transpose(scatter).passed

    def overwrite(x, kernel, stride):  # "=" instead of "+=": overlaps lost
        x, kernel = np.asarray(x, float), np.asarray(kernel, float)
        (h, w), (kh, kw) = x.shape, kernel.shape
        out = np.zeros(((h - 1) * stride + kh, (w - 1) * stride + kw))
        for i in range(h):
            for j in range(w):
                out[i * stride : i * stride + kh, j * stride : j * stride + kw] = x[i, j] * kernel
        return out

    wrong = check_conv_transpose(overwrite)
    assert wrong.status == "failed" and "notes' 2x2 input" in wrong.message

    def stub(x, kernel, stride):
        raise NotImplementedError

    assert check_conv_transpose(stub).status == "not attempted"
