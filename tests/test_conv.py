"""helpers.conv: sizes, convolution and pooling forward/backward, against torch.

Conventions: torch.nn.functional.conv2d is cross-correlation with zero padding, as ours; pooling
without padding and ceil_mode=False, as ours. Tolerance: float64 relative error <= 1e-7
(measured: ~1e-15), on >= 200 seeded random shapes/strides/paddings/dilations per operation.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from helpers import conv, notes
from helpers.checks.conv import check_conv2d, check_conv_output_shape, check_conv_output_size
from helpers.cnn import relative_error

N_RANDOM = 220
TOL = 1e-7
_THREADS_BEFORE: list[int] = []


def _torch():
    """torch and torch.nn.functional, or skip this test (the numpy tests run without torch)."""
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


def _random_conv_case(rng):
    """Random (x, w, b, stride, padding, dilation) that may or may not have an output."""
    n, c, f = rng.integers(1, 3), rng.integers(1, 4), rng.integers(1, 4)
    h, w = rng.integers(1, 10, size=2)
    kh, kw = rng.integers(1, 5, size=2)
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    padding = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
    dilation = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    x = rng.standard_normal((n, c, h, w))
    wt = rng.standard_normal((f, c, kh, kw))
    b = rng.standard_normal(f)
    return x, wt, b, stride, padding, dilation


# -- sizes ----------------------------------------------------------------------------------
def test_conv_output_size_hand_cases():
    assert conv.conv_output_size(6, 3) == 4  # the notes' example
    assert conv.conv_output_size(7, 3, padding=1, stride=2) == 4
    assert conv.conv_output_size(8, 3, stride=2) == 3  # floor
    assert conv.conv_output_size(5, 3, padding="same") == 5
    assert conv.conv_output_size(5, 3, padding="valid") == 3
    assert conv.conv_output_size(7, 3, dilation=2) == 3


def test_conv_output_size_matches_torch_shape_and_fails_where_torch_fails(rng):
    torch, F = _torch()
    agreed = failed = 0
    for _ in range(400):
        n, f = int(rng.integers(1, 12)), int(rng.integers(1, 8))
        p, s, d = int(rng.integers(0, 3)), int(rng.integers(1, 4)), int(rng.integers(1, 3))
        x, w = (
            torch.zeros(1, 1, n, n, dtype=torch.float64),
            torch.zeros(1, 1, f, f, dtype=torch.float64),
        )
        try:
            want = F.conv2d(x, w, stride=s, padding=p, dilation=d).shape[-1]
        except RuntimeError:
            with pytest.raises(
                ValueError, match=r"kernel of size f=\d+ .*padded input n \+ 2\*padding"
            ):
                conv.conv_output_size(n, f, p, s, d)
            failed += 1
            continue
        assert conv.conv_output_size(n, f, p, s, d) == want, (n, f, p, s, d)
        agreed += 1
    assert agreed > 200 and failed > 20


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=0, f=3), "n must be an integer >= 1 and <= 65536; got 0"),
        (dict(n=5, f=3, stride=0), "stride must be an integer >= 1 and <= 65536; got 0"),
        (dict(n=5, f=3, padding=-1), "padding must be an integer >= 0 and <= 65536; got -1"),
        (dict(n=5, f=4, padding="same"), "padding='same' needs an odd kernel size f"),
        (dict(n=5, f=3, padding="same", stride=2), "padding='same' needs stride=1"),
        (dict(n=5, f=3, padding="full"), "padding must be one of 'valid', 'same'; got 'full'"),
        (dict(n=5.0, f=3), "n must be an integer; got float"),
    ],
)
def test_conv_output_size_errors(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        conv.conv_output_size(**kwargs)


def test_same_padding_and_param_count_against_torch():
    torch, _ = _torch()
    assert [conv.same_padding(f) for f in (1, 3, 5, 7)] == [0, 1, 2, 3]
    for f, cin, cout in [(3, 1, 8), (5, 3, 6), (1, 64, 32)]:
        layer = torch.nn.Conv2d(cin, cout, f)
        assert conv.conv_param_count(f, cin, cout) == sum(p.numel() for p in layer.parameters())
        assert conv.conv_param_count(f, cin, cout, bias=False) == layer.weight.numel()
    with pytest.raises(ValueError, match="even|odd kernel"):
        conv.same_padding(2)
    with pytest.raises(TypeError, match="bias must be True or False"):
        conv.conv_param_count(3, 1, 1, bias=1)


# -- convolution ------------------------------------------------------------------------------
def test_notes_vertical_edge_example():
    x, w = notes.EDGE_INPUT, notes.VERTICAL_EDGE_KERNEL
    out = conv.conv2d(x[None, None], w[None, None])[0, 0]
    expected = [[-5, -4, 0, 8], [-10, -2, 2, 3], [0, -2, -4, -7], [-3, -2, -3, -16]]
    np.testing.assert_array_equal(out, expected)


def test_conv2d_forward_agrees_with_torch_on_random_cases(rng):
    torch, F = _torch()
    worst, tested = 0.0, 0
    while tested < N_RANDOM:
        x, w, b, s, p, d = _random_conv_case(rng)
        try:
            want = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), s, p, d)
        except RuntimeError:
            with pytest.raises(ValueError, match="does not fit"):
                conv.conv2d(x, w, b, s, p, d)
            continue
        got = conv.conv2d(x, w, b, s, p, d)
        assert got.dtype == np.float64 and got.shape == tuple(want.shape)
        worst = max(worst, relative_error(got, want.numpy()))
        tested += 1
    assert worst <= TOL, worst


def test_conv2d_backward_agrees_with_torch_autograd(rng):
    torch, F = _torch()
    worst, tested = 0.0, 0
    while tested < N_RANDOM:
        x, w, b, s, p, d = _random_conv_case(rng)
        xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        try:
            out = F.conv2d(xt, wt, bt, s, p, d)
        except RuntimeError:
            continue
        dout = rng.standard_normal(tuple(out.shape))
        out.backward(torch.from_numpy(dout))
        _, cache = conv.conv2d_forward(x, w, b, s, p, d)
        dx, dw, db = conv.conv2d_backward(dout, cache)
        for ours, theirs in ((dx, xt.grad), (dw, wt.grad), (db, bt.grad)):
            worst = max(worst, relative_error(ours, theirs.numpy()))
        tested += 1
    assert worst <= TOL, worst


def test_naive_equals_vectorised(rng):
    for _ in range(15):
        x, w, b, s, p, d = _random_conv_case(rng)
        try:
            fast = conv.conv2d(x, w, b, s, p, d)
        except ValueError:
            continue
        np.testing.assert_allclose(
            conv.conv2d_naive(x, w, b, s, p, d), fast, rtol=1e-12, atol=1e-12
        )
        out, cache = conv.conv2d_forward(x, w, b, s, p, d)
        # conv2d takes a faster route for stride 1 (one GEMM over the padded grid): the same
        # sums, which BLAS may round differently.
        np.testing.assert_allclose(out, fast, rtol=1e-12, atol=1e-12)
        if s == (1, 1) or s == 1:
            assert out.dtype == fast.dtype and out.flags.c_contiguous and fast.flags.c_contiguous
        else:
            np.testing.assert_array_equal(out, fast)
        dout = rng.standard_normal(fast.shape)
        for a, c in zip(
            conv.conv2d_backward_naive(dout, cache), conv.conv2d_backward(dout, cache), strict=True
        ):
            np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


def test_same_padding_keeps_size_and_dtypes():
    x = np.ones((2, 3, 7, 9), np.float32)
    out = conv.conv2d(x, np.ones((4, 3, 5, 3), np.float32), padding="same")
    assert out.shape == (2, 4, 7, 9) and out.dtype == np.float32
    assert conv.conv2d(x.astype(np.uint8), np.ones((1, 3, 1, 1))).dtype == np.float64


def test_im2col_col2im_are_adjoint(rng):
    torch, F = _torch()
    x = rng.standard_normal((2, 3, 6, 5))
    cols = conv.im2col(x, 3, 2, stride=2, padding=1, dilation=(1, 2))
    y = rng.standard_normal(cols.shape)
    back = conv.col2im(y, x.shape, 3, 2, stride=2, padding=1, dilation=(1, 2))
    assert np.isclose(np.sum(cols * y), np.sum(x * back))
    unfold = F.unfold(torch.from_numpy(x), (3, 2), dilation=(1, 2), padding=1, stride=2).numpy()
    # torch: (N, C*kh*kw, L); ours: (C*kh*kw, N*L)
    np.testing.assert_allclose(cols, unfold.transpose(1, 0, 2).reshape(cols.shape[0], -1))


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (
            (np.ones((3, 5, 5)), np.ones((1, 3, 3, 3))),
            {},
            r"x must be 4-D \(N, C, H, W\); got shape \(3, 5, 5\)",
        ),
        ((np.ones((1, 2, 5, 5)), np.ones((1, 3, 3, 3))), {}, "w has 3 input channels .* x has 2"),
        (
            (np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))),
            {"stride": 0},
            "stride must be an integer >= 1 and <= 65536; got 0",
        ),
        (
            (np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))),
            {"padding": -1},
            "padding must be an integer >= 0 and <= 65536; got -1",
        ),
        (
            (np.ones((1, 1, 5, 5)), np.ones((1, 1, 2, 2))),
            {"padding": "same"},
            "needs an odd kernel size",
        ),
        (
            (np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)), np.ones(3)),
            {},
            r"b must have one bias per filter, shape \(2,\)",
        ),
        ((np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3))), {}, "does not fit in the padded input"),
        (
            (np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))),
            {"padding": 1.5},
            "padding must be an int, a pair",
        ),
        (
            (np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))),
            {"stride": (1, 2, 3)},
            "stride must be an int or a pair",
        ),
    ],
)
@pytest.mark.parametrize("fn", [conv.conv2d, conv.conv2d_naive])
def test_conv2d_errors(fn, args, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        fn(*args, **kwargs)


def test_backward_and_im2col_errors():
    x, w = np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3))
    _, cache = conv.conv2d_forward(x, w)
    with pytest.raises(
        ValueError, match=r"dout must have the shape of the forward output, \(1, 1, 2, 2\)"
    ):
        conv.conv2d_backward(np.ones((1, 1, 3, 3)), cache)
    with pytest.raises(TypeError, match=r"cache must be the cache conv2d_forward\(\) returned"):
        conv.conv2d_backward(np.ones((1, 1, 2, 2)), (x, w))
    with pytest.raises(ValueError, match=r"cols must have shape \(9, 4\)"):
        conv.col2im(np.ones((9, 5)), (1, 1, 4, 4), 3, 3)
    with pytest.raises(ValueError, match="kh must be an integer >= 1 and <= 65536"):
        conv.im2col(x, 0, 3)


# -- pooling ------------------------------------------------------------------------------------
def test_notes_pooling_examples():
    mx = notes.MAX_POOL_INPUT.copy()
    np.testing.assert_array_equal(conv.max_pool2d(mx[None, None], 2)[0, 0], [[2, 4], [6, 7]])
    # The other transcription (000) has 5 in the top-right window: its max is 5, not 4.
    mx[0, 3] = 5
    assert conv.max_pool2d(mx[None, None], 2)[0, 0, 0, 1] == 5
    av = notes.AVG_POOL_INPUT
    np.testing.assert_array_equal(conv.avg_pool2d(av[None, None], 2)[0, 0], [[1, 0.5], [1.5, 0.5]])


def _random_pool_case(rng):
    x = rng.standard_normal(
        (int(rng.integers(1, 3)), int(rng.integers(1, 4)), *rng.integers(1, 10, size=2))
    )
    size = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    stride = None if rng.random() < 0.3 else (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    return x, size, stride


@pytest.mark.parametrize("name", ["max", "avg"])
def test_pooling_forward_and_backward_agree_with_torch(rng, name):
    torch, F = _torch()
    ours = {"max": conv.max_pool2d, "avg": conv.avg_pool2d}[name]
    forward = {"max": conv.max_pool2d_forward, "avg": conv.avg_pool2d_forward}[name]
    backward = {"max": conv.max_pool2d_backward, "avg": conv.avg_pool2d_backward}[name]
    theirs = {"max": F.max_pool2d, "avg": F.avg_pool2d}[name]
    worst, tested = 0.0, 0
    while tested < N_RANDOM:
        x, size, stride = _random_pool_case(rng)
        xt = torch.tensor(x, requires_grad=True)
        try:
            want = theirs(xt, size, stride)
        except RuntimeError:
            with pytest.raises(ValueError, match="does not fit"):
                ours(x, size, stride)
            continue
        got, cache = forward(x, size, stride)
        np.testing.assert_array_equal(got, ours(x, size, stride))
        dout = rng.standard_normal(got.shape)
        want.backward(torch.from_numpy(dout))
        dx = backward(dout, cache)
        worst = max(
            worst, relative_error(got, want.detach().numpy()), relative_error(dx, xt.grad.numpy())
        )
        tested += 1
    assert worst <= TOL, worst


def test_max_pool_naive_equals_fast(rng):
    for _ in range(20):
        x, size, stride = _random_pool_case(rng)
        try:
            fast = conv.max_pool2d(x, size, stride)
        except ValueError:
            continue
        np.testing.assert_array_equal(conv.max_pool2d_naive(x, size, stride), fast)


def test_max_pool_backward_ties_go_to_the_first_like_torch():
    torch, F = _torch()
    x = np.zeros((1, 1, 2, 2))
    xt = torch.zeros(1, 1, 2, 2, dtype=torch.float64, requires_grad=True)
    F.max_pool2d(xt, 2).backward(torch.ones(1, 1, 1, 1, dtype=torch.float64))
    np.testing.assert_array_equal(
        conv.max_pool2d_backward(np.ones((1, 1, 1, 1)), conv.max_pool2d_forward(x, 2)[1]),
        xt.grad.numpy(),
    )


@pytest.mark.parametrize("fn", [conv.max_pool2d, conv.avg_pool2d, conv.max_pool2d_naive])
def test_pooling_errors(fn):
    with pytest.raises(ValueError, match=r"x must be 4-D \(N, C, H, W\)"):
        fn(np.ones((4, 4)), 2)
    with pytest.raises(ValueError, match="size must be an integer >= 1 and <= 65536; got 0"):
        fn(np.ones((1, 1, 4, 4)), 0)
    with pytest.raises(ValueError, match="stride must be an integer >= 1 and <= 65536; got 0"):
        fn(np.ones((1, 1, 4, 4)), 2, 0)
    with pytest.raises(ValueError, match="does not fit"):
        fn(np.ones((1, 1, 2, 2)), 3)


def test_pool_backward_errors():
    with pytest.raises(TypeError, match=r"cache must be the cache avg_pool2d_forward\(\)"):
        conv.avg_pool2d_backward(np.ones((1, 1, 1, 1)), (2, 2))
    _, cache = conv.max_pool2d_forward(np.ones((1, 1, 2, 2)), 2)
    with pytest.raises(ValueError, match="dout must have the shape of the forward output"):
        conv.max_pool2d_backward(np.ones((1, 1, 2, 2)), cache)


# -- widgets and checks --------------------------------------------------------------------------
def test_conv_explorer_reproduces_the_notes_and_survives_impossible_settings():
    from helpers.widgets.conv import conv_explorer

    ex = conv_explorer()
    assert ex.result["out"].shape == (4, 4) and ex.result["value"] == -5
    assert "= 4" in ex.readout.value and "<b>-5</b>" in ex.readout.value
    ex.set(padding=1, stride=2, step=3)
    assert ex.result["out"].shape == (3, 3) and ex.result["n_out"] == conv.conv_output_size(
        6, 3, 1, 2
    )
    np.testing.assert_array_equal(
        ex.result["out"],
        conv.conv2d(ex.result["x"][None, None], ex.result["w"][None, None], stride=2, padding=1)[
            0, 0
        ],
    )
    ex.set(n=3, padding=0, f=7)
    assert ex.error is not None and "does not fit" in ex.readout.value
    ex.set(f=3)
    assert ex.error is None


def test_pool_explorer_reproduces_the_notes():
    from helpers.widgets.conv import pool_explorer

    ex = pool_explorer()
    np.testing.assert_array_equal(ex.result["out"], [[2, 4], [6, 7]])
    ex.set(step=1)
    assert "max(3, 4, 0, 0) = <b>4</b>" in ex.readout.value
    ex.set(mode="avg")
    np.testing.assert_array_equal(ex.result["out"], [[1, 0.5], [1.5, 0.5]])
    ex.set(n=2, size=4)
    assert ex.error is not None and "does not fit" in ex.readout.value


def test_explorer_factories_validate():
    from helpers.widgets.conv import conv_explorer, pool_explorer

    with pytest.raises(ValueError, match="n must be an integer >= 3 and <= 12; got 40"):
        conv_explorer(n=40)
    with pytest.raises(ValueError, match="mode must be one of 'max', 'avg'"):
        pool_explorer(mode="min")


def test_check_conv_output_size():
    assert check_conv_output_size(lambda n, f, p, s: (n + 2 * p - f) // s + 1).passed
    wrong = check_conv_output_size(
        lambda n, f, p, s: (n + 2 * p - f + 1) // s
    )  # the notes' misprint
    assert wrong.status == "failed" and "stride 2" in wrong.message and "expected" in wrong.message

    def stub(n, f, p, s):
        raise NotImplementedError

    assert check_conv_output_size(stub).status == "not attempted"


def test_check_conv2d():
    assert check_conv2d(lambda x, w, b, s, p: conv.conv2d_naive(x, w, b, s, p)).passed
    flipped = check_conv2d(lambda x, w, b, s, p: conv.conv2d(x, w[:, :, ::-1, ::-1], b, s, p))
    assert flipped.status == "failed" and "case 1/" in flipped.message and "got" in flipped.message
    no_bias = check_conv2d(lambda x, w, b, s, p: conv.conv2d(x, w, None, s, p))
    assert no_bias.status == "failed" and "bias of 10" in no_bias.message

    def stub(*args):
        raise NotImplementedError

    assert check_conv2d(stub).status == "not attempted"


def _output_shape(x_shape, w_shape, stride, padding, dilation):
    """A learner-style solution of chapter 08's exercise 1."""
    (n, _, h, w), (f, _, kh, kw) = x_shape, w_shape
    span_h, span_w = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    return (n, f, (h + 2 * padding[0] - span_h) // stride[0] + 1,
            (w + 2 * padding[1] - span_w) // stride[1] + 1)


def test_check_conv_output_shape():
    torch = pytest.importorskip("torch")
    assert check_conv_output_shape(_output_shape).passed

    def by_torch(x_shape, w_shape, stride, padding, dilation):  # the shape torch produces
        out = torch.nn.functional.conv2d(torch.zeros(x_shape), torch.zeros(w_shape),
                                         stride=stride, padding=padding, dilation=dilation)
        return tuple(int(v) for v in out.shape)

    assert check_conv_output_shape(by_torch).passed

    def no_dilation(x_shape, w_shape, stride, padding, dilation):
        return _output_shape(x_shape, w_shape, stride, padding, (1, 1))

    result = check_conv_output_shape(no_dilation)
    assert result.status == "failed" and "case 7/9 (dilation 2" in result.message

    def notes_formula(x_shape, w_shape, stride, padding, dilation):  # +1 inside the floor
        (n, _, h, w), (f, _, kh, kw) = x_shape, w_shape
        return (n, f, (h + 2 * padding[0] - kh + 1) // stride[0],
                (w + 2 * padding[1] - kw + 1) // stride[1])

    result = check_conv_output_shape(notes_formula)
    assert result.status == "failed" and "case 3/9 (stride 2 on a 7x7 input)" in result.message

    def channels_for_filters(x_shape, w_shape, stride, padding, dilation):
        n, f, h, w = _output_shape(x_shape, w_shape, stride, padding, dilation)
        return (n, x_shape[1], h, w)

    result = check_conv_output_shape(channels_for_filters)
    assert result.status == "failed" and "case 2/9" in result.message

    def stub(*args):
        raise NotImplementedError

    assert check_conv_output_shape(stub).status == "not attempted"


def test_conv_explorer_writes_the_values_in_the_cells_and_has_a_legend():
    from helpers.widgets.conv import conv_explorer, pool_explorer

    ex = conv_explorer(padding=1)
    shown = [[t.get_text() for t in labels if t.get_visible()] for labels in ex._labels]
    # Input: the 36 real cells (padding zeros are explained by the legend), kernel, output.
    assert shown[0] == [f"{v:.0f}" for v in ex.result["x"].ravel()]
    assert shown[1] == [f"{v:.0f}" for v in ex.result["w"].ravel()]
    assert shown[2] == [f"{v:.0f}" for v in ex.result["out"].ravel()]
    legend = [t.get_text() for t in ex.figure.legends[0].get_texts()]
    assert "padding (zeros)" in legend and "negative" in legend and "positive" in legend
    ex.set(n=12, padding=4)  # 20x20 cells: too small to write in, the numbers are hidden
    assert not any(t.get_visible() for t in ex._labels[0])
    pool = pool_explorer()
    assert [t.get_text() for t in pool._labels[2] if t.get_visible()] == ["2", "4", "6", "7"]


@pytest.mark.parametrize("block", [1, 2**14, conv.SHIFTED_ROWS_BLOCK])  # 5, 2, 1 blocks
def test_stride1_blocks_equal_torch(monkeypatch, block):
    # conv2d's stride-1 route works on blocks of positions: many blocks, a partial last one,
    # dilation and uneven padding must not change the result.
    torch, F = _torch()
    monkeypatch.setattr(conv, "SHIFTED_ROWS_BLOCK", block)
    rng = np.random.default_rng(3)
    x, b = rng.standard_normal((2, 5, 23, 17)), rng.standard_normal(6)
    for padding, dilation, kw in (((1, 2), (2, 1), 2), ("same", 1, 1), (0, 1, 2)):
        w = rng.standard_normal((6, 5, 3, kw))
        got = conv.conv2d(x, w, b, 1, padding, dilation)
        want = F.conv2d(*map(torch.from_numpy, (x, w, b)), 1, padding, dilation).numpy()
        assert got.shape == want.shape and got.flags.c_contiguous
        assert relative_error(got, want) <= TOL
        general = conv.conv2d_forward(x, w, b, 1, padding, dilation)[0]  # strided im2col
        np.testing.assert_allclose(got, general, rtol=1e-12, atol=1e-12)
