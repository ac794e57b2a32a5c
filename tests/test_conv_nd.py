"""helpers.conv in one and three dimensions: conv1d, causal_conv1d, conv3d, sizes and costs.

Conventions: as ``torch.nn.functional.conv1d`` / ``conv3d`` (cross-correlation, zero padding,
weights (F, C, *kernel)). Tolerance: float64 relative error (``helpers.cnn.relative_error``)
<= 1e-7 on >= 220 seeded random shapes, strides, paddings and dilations (measured ~1e-15).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from helpers import conv
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


def _case_1d(rng):
    n, c, f = (int(v) for v in rng.integers(1, 4, size=3))
    length, k = int(rng.integers(1, 30)), int(rng.integers(1, 6))
    s, p, d = int(rng.integers(1, 4)), int(rng.integers(0, 3)), int(rng.integers(1, 4))
    return (rng.standard_normal((n, c, length)), rng.standard_normal((f, c, k)),
            rng.standard_normal(f), s, p, d)


def _case_3d(rng):
    n, c, f = (int(v) for v in rng.integers(1, 3, size=3))
    shape = tuple(int(v) for v in rng.integers(1, 7, size=3))
    kernel = tuple(int(v) for v in rng.integers(1, 4, size=3))
    s = tuple(int(v) for v in rng.integers(1, 3, size=3))
    p = tuple(int(v) for v in rng.integers(0, 2, size=3))
    d = tuple(int(v) for v in rng.integers(1, 3, size=3))
    return (rng.standard_normal((n, c, *shape)), rng.standard_normal((f, c, *kernel)),
            rng.standard_normal(f), s, p, d)


# -- agreement with torch ---------------------------------------------------------------------
def test_conv1d_agrees_with_torch_on_random_cases(rng):
    torch, F = _torch()
    worst, tested, refused = 0.0, 0, 0
    while tested < N_RANDOM:
        x, w, b, s, p, d = _case_1d(rng)
        try:
            want = F.conv1d(*(torch.from_numpy(a) for a in (x, w, b)), s, p, d).numpy()
        except RuntimeError:
            with pytest.raises(ValueError, match="does not fit"):
                conv.conv1d(x, w, b, s, p, d)
            refused += 1
            continue
        got = conv.conv1d(x, w, b, s, p, d)
        assert got.shape == want.shape and got.dtype == np.float64
        assert got.shape[-1] == conv.conv_nd_output_shape((x.shape[2],), w.shape[2], p, s, d)[0]
        worst = max(worst, relative_error(got, want))
        tested += 1
    assert worst <= TOL, worst
    assert refused > 0


def test_conv3d_agrees_with_torch_on_random_cases(rng):
    torch, F = _torch()
    worst, tested = 0.0, 0
    while tested < N_RANDOM:
        x, w, b, s, p, d = _case_3d(rng)
        try:
            want = F.conv3d(*(torch.from_numpy(a) for a in (x, w, b)), s, p, d).numpy()
        except RuntimeError:
            with pytest.raises(ValueError, match="does not fit"):
                conv.conv3d(x, w, b, s, p, dilation=d)
            continue
        got = conv.conv3d(x, w, b, s, p, dilation=d)
        assert got.shape == want.shape
        assert got.shape[2:] == conv.conv_nd_output_shape(x.shape[2:], w.shape[2:], p, s, d)
        worst = max(worst, relative_error(got, want))
        tested += 1
    assert worst <= TOL, worst


def test_same_padding_agrees_with_torch():
    torch, F = _torch()
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 3, 17)), rng.standard_normal((4, 3, 5))
    want = F.conv1d(torch.from_numpy(x), torch.from_numpy(w), padding="same").numpy()
    np.testing.assert_allclose(conv.conv1d(x, w, padding="same"), want, atol=1e-12)
    x3, w3 = rng.standard_normal((1, 2, 5, 6, 7)), rng.standard_normal((3, 2, 3, 3, 3))
    want3 = F.conv3d(torch.from_numpy(x3), torch.from_numpy(w3), padding="same").numpy()
    np.testing.assert_allclose(conv.conv3d(x3, w3, padding="same"), want3, atol=1e-12)


def test_causal_conv1d_is_torch_on_a_left_padded_signal(rng):
    torch, F = _torch()
    for _ in range(30):
        x = rng.standard_normal((2, 2, int(rng.integers(1, 20))))
        w, d = rng.standard_normal((3, 2, int(rng.integers(1, 4)))), int(rng.integers(1, 5))
        left = d * (w.shape[2] - 1)
        want = F.conv1d(F.pad(torch.from_numpy(x), (left, 0)), torch.from_numpy(w),
                        dilation=d).numpy()
        got = conv.causal_conv1d(x, w, dilation=d)
        assert got.shape == x.shape[:1] + (3, x.shape[2])
        assert relative_error(got, want) <= TOL


def test_causal_outputs_never_see_the_future(rng):
    x = rng.standard_normal((1, 1, 40))
    w = rng.standard_normal((1, 1, 3))
    changed = x.copy()
    changed[0, 0, 25:] += 10.0  # change only the future of t = 24
    a, b = conv.causal_conv1d(x, w, dilation=4), conv.causal_conv1d(changed, w, dilation=4)
    np.testing.assert_array_equal(a[..., :25], b[..., :25])
    assert not np.allclose(a[..., 25:], b[..., 25:])


def test_naive_equals_vectorised(rng):
    for _ in range(25):
        x, w, b, s, p, d = _case_1d(rng)
        try:
            fast = conv.conv1d(x, w, b, s, p, d)
        except ValueError:
            continue
        np.testing.assert_allclose(conv.conv1d_naive(x, w, b, s, p, d), fast, atol=1e-12)
    for _ in range(15):
        x, w, b, s, p, d = _case_3d(rng)
        try:
            fast = conv.conv3d(x, w, b, s, p, dilation=d)
        except ValueError:
            continue
        np.testing.assert_allclose(conv.conv3d_naive(x, w, b, s, p, dilation=d), fast,
                                   atol=1e-12)


def test_conv1d_is_conv2d_of_one_row_and_conv3d_of_one_slice(rng):
    x, w = rng.standard_normal((2, 3, 12)), rng.standard_normal((4, 3, 3))
    np.testing.assert_allclose(conv.conv1d(x, w, stride=2),
                               conv.conv2d(x[:, :, None], w[:, :, None], stride=2)[:, :, 0])
    x2, w2 = rng.standard_normal((1, 2, 6, 7)), rng.standard_normal((3, 2, 3, 3))
    np.testing.assert_allclose(conv.conv3d(x2[:, :, None], w2[:, :, None])[:, :, 0],
                               conv.conv2d(x2, w2), atol=1e-12)


def test_float32_stays_float32():
    out = conv.conv1d(np.ones((1, 1, 5), np.float32), np.ones((1, 1, 3), np.float32))
    assert out.dtype == np.float32
    out3 = conv.conv3d(np.ones((1, 1, 3, 3, 3), np.float32), np.ones((1, 1, 2, 2, 2), np.float32))
    assert out3.dtype == np.float32 and out3.sum() == 8 * 8


# -- sizes and costs --------------------------------------------------------------------------
def test_conv_output_shape_is_the_one_formula_per_axis():
    assert conv.conv_nd_output_shape((100,), 5, stride=2) == (48,)
    assert conv.conv_nd_output_shape((6, 6), 3) == (4, 4)
    assert conv.conv_nd_output_shape((16, 64, 64), 3, padding="same") == (16, 64, 64)
    assert conv.conv_nd_output_shape((16, 64, 64), (3, 5, 5), (1, 2, 2), (1, 2, 2)) == (16, 32, 32)
    with pytest.raises(TypeError, match="shape must be a tuple of 1 to 8 spatial sides"):
        conv.conv_nd_output_shape(64, 3)
    with pytest.raises(ValueError, match=r"kernel must be an int or 2 ints"):
        conv.conv_nd_output_shape((6, 6), (3, 3, 3))


def test_conv_cost_agrees_with_torch_modules():
    torch, _ = _torch()
    for layer, kernel in ((torch.nn.Conv1d(3, 8, 5), (5,)), (torch.nn.Conv2d(3, 8, 3), (3, 3)),
                          (torch.nn.Conv3d(2, 4, 3), (3, 3, 3))):
        params = sum(p.numel() for p in layer.parameters())
        assert conv.conv_cost(kernel, layer.in_channels, layer.out_channels,
                              (10,) * len(kernel)).params == params
    assert conv.conv_cost(3, 1, 1, 10, bias=False) == conv.ConvCost(3, 30)
    assert conv.conv_cost((3, 3, 3), 4, 8, (16, 16, 16)).macs == 27 * 4 * 8 * 16**3
    with pytest.raises(ValueError, match="out_shape must have one side per kernel axis"):
        conv.conv_cost((3, 3), 1, 1, (4, 4, 4))
    with pytest.raises(ValueError, match="c_in must be an integer >= 1"):
        conv.conv_cost((3, 3), 0, 1, (4, 4))


def test_receptive_field_against_an_impulse(rng):
    """The field is exactly the set of inputs an output depends on (measured with an impulse)."""
    for _ in range(20):
        layers = int(rng.integers(1, 5))
        ks = [int(k) for k in rng.integers(1, 4, size=layers)]
        ds = [int(d) for d in rng.integers(1, 4, size=layers)]
        impulse = np.zeros((1, 1, 200))
        impulse[0, 0, 0] = 1.0
        y = impulse
        for k, d in zip(ks, ds, strict=True):
            y = conv.causal_conv1d(y, np.ones((1, 1, k)), dilation=d)
        # the outputs an impulse at t = 0 reaches == the inputs one output sees
        reach = int(np.flatnonzero(y[0, 0])[-1]) + 1
        assert reach == conv.receptive_field_size(ks, dilations=ds)
    assert conv.receptive_field_size([2] * 10, dilations=[2**i for i in range(10)]) == 1024
    assert conv.receptive_field_size([3, 3], strides=[2, 1]) == 7
    with pytest.raises(ValueError, match="dilations must have one entry per layer"):
        conv.receptive_field_size([3, 3], dilations=[1])
    with pytest.raises(TypeError, match="kernels must be a sequence"):
        conv.receptive_field_size(3)


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fn, args, kwargs, error, match",
    [
        (conv.conv1d, (np.ones((5,)), np.ones((1, 1, 3))), {}, ValueError,
         r"x must be 3-D \(N, C, L\)"),
        (conv.conv1d, (np.ones((1, 2, 5)), np.ones((1, 1, 3))), {}, ValueError,
         "w has 1 input channels"),
        (conv.conv1d, (np.ones((1, 1, 5)), np.ones((1, 1, 3))), {"stride": (1, 2)}, ValueError,
         "stride must be an int or 1 ints"),
        (conv.conv1d, (np.ones((1, 1, 5)), np.ones((1, 1, 4))), {"padding": "same"}, ValueError,
         "needs an odd kernel size"),
        (conv.conv1d, (np.ones((1, 1, 5)), np.ones((1, 1, 3))), {"padding": 1.5}, TypeError,
         "padding must be an int"),
        (conv.conv1d, (np.ones((1, 1, 2)), np.ones((1, 1, 3))), {}, ValueError,
         "does not fit"),
        (conv.conv1d_naive, (np.ones((1, 1, 5)), np.ones((1, 1, 3)), np.ones(2)), {}, ValueError,
         "b must have one bias per filter"),
        (conv.conv3d, (np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3, 3))), {}, ValueError,
         r"x must be 5-D \(N, C, D, H, W\)"),
        (conv.conv3d, (np.ones((1, 1, 5, 5, 5)), np.ones((1, 1, 3, 3, 3))), {"stride": 0},
         ValueError, "stride must be an integer >= 1"),
        (conv.conv3d_naive, (np.ones((1, 1, 5, 5, 5)), np.ones((1, 1, 3, 3, 3))),
         {"padding": (1, 1)}, ValueError, "padding must be an int or 3 ints"),
        (conv.conv3d, (np.ones((1, 1, 5, 5, 5)), np.ones((1, 1, 3, 3, 3))),
         {"padding": 60000}, ValueError, "more than the"),
        (conv.causal_conv1d, (np.ones((1, 1, 5)), np.ones((1, 1, 3))), {"dilation": 0},
         ValueError, "dilation must be an integer >= 1"),
        (conv.causal_conv1d, (np.ones((1, 1, 5)), np.full((1, 1, 3), np.inf)), {}, ValueError,
         "w contains NaN or infinite"),
    ],
)
def test_errors(fn, args, kwargs, error, match):
    with pytest.raises(error, match=match):
        fn(*args, **kwargs)


def test_input_dependencies_are_where_the_gradient_is_nonzero(rng):
    torch, F = _torch()
    for _ in range(30):
        layers = int(rng.integers(1, 4))
        ks = [int(v) for v in rng.integers(1, 4, size=layers)]
        ss = [int(v) for v in rng.integers(1, 3, size=layers)]
        ds = [int(v) for v in rng.integers(1, 4, size=layers)]
        x = torch.zeros(1, 1, 120, dtype=torch.float64, requires_grad=True)
        y = x
        for k, s, d in zip(ks, ss, ds, strict=True):
            y = F.conv1d(y, torch.ones(1, 1, k, dtype=torch.float64), stride=s, dilation=d)
        index = int(rng.integers(0, y.shape[-1]))
        y[0, 0, index].backward()
        want = np.flatnonzero(x.grad[0, 0].numpy())
        got = conv.input_dependencies(index, ks, ss, ds)
        np.testing.assert_array_equal(got, want)
        assert got[-1] - got[0] + 1 == conv.receptive_field_size(ks, ss, ds)
    with pytest.raises(ValueError, match="index must be an integer >= 0"):
        conv.input_dependencies(-1, [3])
    with pytest.raises(TypeError, match="kernels must be a sequence of 1 to 64 ints"):
        conv.input_dependencies(0, [3] * 65)


def test_check_conv1d():
    from helpers.checks.conv import check_conv1d

    def good(signal, kernel, stride=1, dilation=1):
        return conv.conv1d_naive(np.asarray(signal, float)[None, None],
                                 np.asarray(kernel, float)[None, None], None, stride, 0,
                                 dilation)[0, 0]

    assert check_conv1d(good).passed

    def flipped(signal, kernel, stride=1, dilation=1):  # a true convolution: kernel flipped
        return good(signal, np.asarray(kernel)[::-1], stride, dilation)

    wrong = check_conv1d(flipped)
    assert wrong.status == "failed" and "difference kernel on a step" in wrong.message

    def no_dilation(signal, kernel, stride=1, dilation=1):
        return good(signal, kernel, stride, 1)

    assert "dilation 2" in check_conv1d(no_dilation).message

    def stub(signal, kernel, stride=1, dilation=1):
        raise NotImplementedError

    assert check_conv1d(stub).status == "not attempted"
