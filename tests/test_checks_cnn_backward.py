"""The chapter-09 backward-pass exercises' checks and helpers.cnn.gradient_check.

Each check is run with a learner-style naive solution (passes), wrong ones (fail, naming the
case that catches the mistake) and a stub (not attempted). The numeric gradient check is tested
on its own: a correct backward pass gives a relative error below 1e-8, a wrong one near 1.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import cnn, conv
from helpers.checks.cnn import check_conv_backward, check_linear_backward, check_max_pool_backward


# -- learner-style solutions, as in solutions/09_cnn_from_scratch.ipynb --------------------------
def linear_backward(dout, cache):
    x, w = cache.x, cache.w
    return dout @ w, dout.T @ x, dout.sum(axis=0)


def max_pool_backward(dout, cache):
    x = cache.x
    (kh, kw), (sh, sw) = cache.size, cache.stride
    dx = np.zeros_like(x)
    for n in range(dout.shape[0]):
        for c in range(dout.shape[1]):
            for r in range(dout.shape[2]):
                for q in range(dout.shape[3]):
                    window = x[n, c, r * sh:r * sh + kh, q * sw:q * sw + kw]
                    i, j = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, r * sh + i, q * sw + j] += dout[n, c, r, q]
    return dx


def conv_backward(dout, cache):
    x, w = cache.x, cache.w
    (sh, sw), (ph, pw) = cache.stride, cache.padding
    _, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxp, dw, db = np.zeros_like(xp), np.zeros_like(w), np.zeros(w.shape[0])
    for n in range(dout.shape[0]):
        for f in range(dout.shape[1]):
            for r in range(dout.shape[2]):
                for q in range(dout.shape[3]):
                    rows, cols = slice(r * sh, r * sh + kh), slice(q * sw, q * sw + kw)
                    dw[f] += dout[n, f, r, q] * xp[n, :, rows, cols]
                    dxp[n, :, rows, cols] += dout[n, f, r, q] * w[f]
                    db[f] += dout[n, f, r, q]
    return dxp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]], dw, db


def stub(dout, cache):
    raise NotImplementedError("exercise not attempted yet")


# -- the checks ---------------------------------------------------------------------------------
def test_check_linear_backward():
    assert check_linear_backward(linear_backward).passed
    assert check_linear_backward(cnn.linear_backward).passed

    def dw_transposed(dout, cache):  # (D, M) instead of (M, D)
        dx, dw, db = linear_backward(dout, cache)
        return dx, dw.T, db

    result = check_linear_backward(dw_transposed)
    assert result.status == "failed"
    assert "case 1/4 (one input of 2 features, one output)" in result.message
    assert "item 1: shape differs: expected (1, 2), got (2, 1) - transposed?" in result.message

    def db_mean(dout, cache):  # averages over the batch instead of summing
        dx, dw, _ = linear_backward(dout, cache)
        return dx, dw, dout.mean(axis=0)

    result = check_linear_backward(db_mean)
    assert result.status == "failed" and "a batch of 4" in result.message
    assert check_linear_backward(stub).status == "not attempted"


def test_check_max_pool_backward():
    assert check_max_pool_backward(max_pool_backward).passed
    assert check_max_pool_backward(conv.max_pool2d_backward).passed

    def spread(dout, cache):  # average-pool's backward: the gradient spread over the window
        return conv.avg_pool2d_backward(dout, conv.avg_pool2d_forward(cache.x, cache.size,
                                                                      cache.stride)[1])

    result = check_max_pool_backward(spread)
    assert result.status == "failed" and "case 1/6 (the notes' 4x4 example" in result.message

    def overwrite(dout, cache):  # `=` instead of `+=`: overlapping windows lose gradient
        x = cache.x
        (kh, kw), (sh, sw) = cache.size, cache.stride
        dx = np.zeros_like(x)
        for r in range(dout.shape[2]):
            for q in range(dout.shape[3]):
                for n in range(dout.shape[0]):
                    for c in range(dout.shape[1]):
                        window = x[n, c, r * sh:r * sh + kh, q * sw:q * sw + kw]
                        i, j = np.unravel_index(np.argmax(window), window.shape)
                        dx[n, c, r * sh + i, q * sw + j] = dout[n, c, r, q]
        return dx

    result = check_max_pool_backward(overwrite)
    assert result.status == "failed" and "overlapping windows add up" in result.message

    def all_ties(dout, cache):  # every tied maximum gets the gradient
        x = cache.x
        (kh, kw), (sh, sw) = cache.size, cache.stride
        dx = np.zeros_like(x)
        for r in range(dout.shape[2]):
            for q in range(dout.shape[3]):
                window = x[:, :, r * sh:r * sh + kh, q * sw:q * sw + kw]
                top = window == window.max(axis=(2, 3), keepdims=True)
                dx[:, :, r * sh:r * sh + kh, q * sw:q * sw + kw] += top * dout[:, :, r:r + 1,
                                                                                q:q + 1]
        return dx

    assert "four equal values" in check_max_pool_backward(all_ties).message
    assert check_max_pool_backward(stub).status == "not attempted"


def test_check_conv_backward():
    assert check_conv_backward(conv_backward).passed
    assert check_conv_backward(conv.conv2d_backward_naive).passed

    def no_unpad(dout, cache):  # forgets to crop the padding off dx
        x, w = cache.x, cache.w
        ph, pw = cache.padding
        big = conv.conv2d_forward(np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))), w,
                                  stride=cache.stride)[1]
        return conv.conv2d_backward(dout, big)

    result = check_conv_backward(no_unpad)
    assert result.status == "failed" and "case 5/7 (padding 1" in result.message
    assert "shape differs" in result.message

    def flipped(dout, cache):  # dw with the kernel flipped: true convolution, not correlation
        dx, dw, db = conv.conv2d_backward(dout, cache)
        return dx, dw[:, :, ::-1, ::-1], db

    result = check_conv_backward(flipped)
    assert result.status == "failed" and "case 2/7" in result.message

    def no_stride(dout, cache):  # ignores the stride
        x, w = cache.x, cache.w
        ph, pw = cache.padding
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        dxp, dw = np.zeros_like(xp), np.zeros_like(w)
        kh, kw = w.shape[2:]
        for n in range(dout.shape[0]):
            for f in range(dout.shape[1]):
                for r in range(dout.shape[2]):
                    for q in range(dout.shape[3]):
                        dw[f] += dout[n, f, r, q] * xp[n, :, r:r + kh, q:q + kw]
                        dxp[n, :, r:r + kh, q:q + kw] += dout[n, f, r, q] * w[f]
        return dxp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]], dw, dout.sum(axis=(0, 2, 3))

    result = check_conv_backward(no_stride)
    assert result.status == "failed" and "case 6/7 (stride 2 with padding 1)" in result.message
    assert check_conv_backward(stub).status == "not attempted"


# -- the numeric gradient check -----------------------------------------------------------------
def test_gradient_check_correct_and_wrong(rng):
    x, w = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    b, g = rng.standard_normal(3), rng.standard_normal((2, 3, 3, 3))

    def forward(x, w, b):
        return conv.conv2d_forward(x, w, b, stride=2, padding=1)

    errors = cnn.gradient_check(forward, conv.conv2d_backward, {"x": x, "w": w, "b": b}, g)
    assert list(errors) == ["dx", "dw", "db"] and max(errors.values()) < 1e-8

    def wrong(dout, cache):
        dx, dw, db = conv.conv2d_backward(dout, cache)
        return dx, -dw, db

    errors = cnn.gradient_check(forward, wrong, {"x": x, "w": w, "b": b}, g)
    assert errors["dx"] < 1e-8 and errors["dw"] == pytest.approx(1.0)
    x_before, g0 = x.copy(), rng.standard_normal((2, 3, 3, 3))
    cnn.gradient_check(conv.conv2d_forward, conv.conv2d_backward, {"x": x, "w": w}, g0)
    assert np.array_equal(x, x_before)  # inputs are left unchanged


def test_gradient_check_errors(rng):
    x = rng.standard_normal((1, 1, 4, 4))
    g = np.ones((1, 1, 2, 2))
    pool = (conv.max_pool2d_forward, conv.max_pool2d_backward)
    with pytest.raises(TypeError, match="forward must be a function forward"):
        cnn.gradient_check(None, pool[1], {"x": x}, g)
    with pytest.raises(TypeError, match="backward must be a function backward"):
        cnn.gradient_check(pool[0], 3, {"x": x}, g)
    with pytest.raises(TypeError, match="inputs must be a dict"):
        cnn.gradient_check(pool[0], pool[1], [x], g)
    with pytest.raises(ValueError, match="inputs must be a non-empty dict"):
        cnn.gradient_check(pool[0], pool[1], {}, g)
    with pytest.raises(TypeError, match=r"inputs\['x'\] must be float64"):
        cnn.gradient_check(pool[0], pool[1], {"x": x.astype(np.float32)}, g)
    with pytest.raises(ValueError, match="at most 20,000 values"):
        cnn.gradient_check(pool[0], pool[1], {"x": np.zeros((1, 1, 200, 200))}, g)
    with pytest.raises(ValueError, match=r"dout must have the shape of the forward output"):
        cnn.gradient_check(lambda v: conv.max_pool2d_forward(v, 2), pool[1], {"x": x},
                           np.ones((1, 1, 3, 3)))
    with pytest.raises(ValueError, match="h must be"):
        cnn.gradient_check(lambda v: conv.max_pool2d_forward(v, 2), pool[1], {"x": x}, g, h=0.0)


# -- the figure helper the chapters' backward-pass figures use ----------------------------------
def test_show_value_panels():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from helpers.plots import show_value_panels

    fig = show_value_panels([np.eye(4), np.ones((2, 2))], ["input", "output"])
    assert [ax.get_title() for ax in fig.axes] == ["input", "output"]
    assert len(fig.axes[0].texts) == 16 and len(fig.axes[1].texts) == 4  # every value written
    plt.close(fig)
    with pytest.raises(TypeError, match="arrays must be a list of 2-D arrays"):
        show_value_panels(None, ["a"])
    with pytest.raises(ValueError, match=r"titles must be a list with one title per array \(2\)"):
        show_value_panels([np.eye(2), np.eye(2)], ["only one"])
    with pytest.raises(ValueError, match=r"arrays\[0\] must be 2-D"):
        show_value_panels([np.ones((2, 2, 2))], ["cube"])
    with pytest.raises(ValueError, match="height must be"):
        show_value_panels([np.eye(2)], ["a"], height=100.0)
