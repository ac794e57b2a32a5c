"""helpers.cnn, helpers.datasets and the chapter-09 widget and check.

Layers are compared with torch (float64, relative error <= 1e-7); the whole network's backward
pass with finite differences (relative error <= 1e-6) and with torch autograd on the same
weights (float32, <= 1e-4 relative to the largest gradient).
"""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from helpers import cnn, datasets
from helpers.checks.cnn import check_softmax_cross_entropy
from helpers.image import to_batch


def _torch():
    """torch and torch.nn.functional, or skip this test (the numpy tests run without torch)."""
    torch = pytest.importorskip("torch")
    return torch, torch.nn.functional


def test_relu_and_linear_agree_with_torch(rng):
    torch, F = _torch()
    x, w, b = rng.standard_normal((5, 7)), rng.standard_normal((3, 7)), rng.standard_normal(3)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.linear(F.relu(xt), wt, bt)
    dout = rng.standard_normal((5, 3))
    out.backward(torch.from_numpy(dout))
    h, relu_cache = cnn.relu_forward(x)
    ours, cache = cnn.linear_forward(h, w, b)
    assert cnn.relative_error(ours, out.detach().numpy()) < 1e-12
    np.testing.assert_array_equal(ours, cnn.linear(cnn.relu(x), w, b))
    dh, dw, db = cnn.linear_backward(dout, cache)
    dx = cnn.relu_backward(dh, relu_cache)
    for a, t in ((dx, xt.grad), (dw, wt.grad), (db, bt.grad)):
        assert cnn.relative_error(a, t.numpy()) < 1e-7


def test_softmax_cross_entropy_agrees_with_torch(rng):
    torch, F = _torch()
    for scale in (1.0, 30.0, 1000.0):  # large logits: the log-sum-exp must stay finite
        z, y = rng.standard_normal((6, 10)) * scale, rng.integers(0, 10, 6)
        zt = torch.tensor(z, requires_grad=True)
        loss_t = F.cross_entropy(zt, torch.from_numpy(y))
        loss_t.backward()
        loss, dz = cnn.softmax_cross_entropy(z, y)
        assert np.isfinite(loss) and abs(loss - loss_t.item()) <= 1e-9 * max(1, abs(loss))
        assert np.abs(dz - zt.grad.numpy()).max() < 1e-12
    np.testing.assert_allclose(cnn.softmax(z).sum(1), 1)


def test_numeric_gradient_matches_a_known_gradient():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    g = cnn.numeric_gradient(lambda v: float(np.sum(np.sin(v))), x)
    assert cnn.relative_error(g, np.cos(x)) < 1e-8
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # restored


def test_small_cnn_gradient_check():
    rng = np.random.default_rng(0)
    net = cnn.SmallCNN.init(rng=0, c1=2, c2=3, size=8).astype(np.float64)
    x, y = rng.standard_normal((2, 1, 8, 8)), np.array([3, 7])
    _, grads = net.loss_and_grads(x, y)
    for name in net.names():
        param = getattr(net, name)
        numeric = cnn.numeric_gradient(lambda _p: net.loss_and_grads(x, y)[0], param)
        assert cnn.relative_error(getattr(grads, name), numeric) < 1e-6, name


def test_torch_twin_gives_the_same_logits_and_gradients(rng):
    torch, F = _torch()
    net = cnn.SmallCNN.init(rng=1)
    x, y = rng.random((4, 1, 28, 28)).astype(np.float32), np.array([1, 2, 3, 4])
    model = cnn.small_cnn_torch(net)
    logits = model(torch.from_numpy(x))
    np.testing.assert_allclose(net.forward(x), logits.detach().numpy(), rtol=1e-4, atol=1e-5)
    F.cross_entropy(logits, torch.from_numpy(y)).backward()
    _, grads = net.loss_and_grads(x, y)
    layers = {"conv1": model.conv1, "conv2": model.conv2, "fc": model.fc}
    for name, layer in layers.items():
        for kind in ("w", "b"):
            theirs = getattr(layer, "weight" if kind == "w" else "bias").grad.numpy()
            ours = getattr(grads, f"{name}_{kind}")
            assert np.abs(ours - theirs).max() <= 1e-4 * np.abs(theirs).max(), (name, kind)
    back = cnn.torch_to_numpy(model)
    np.testing.assert_array_equal(back.fc_w, net.fc_w)


def test_numpy_training_reduces_the_loss_and_leaves_the_input_net_alone():
    from helpers.data import load_mnist_subset
    from helpers.nets.history import History

    images, labels = load_mnist_subset("train")
    x, y = to_batch(images[::20]), labels[::20]  # 200 digits
    net = cnn.SmallCNN.init(rng=0, c1=4, c2=8)
    before = net.conv1_w.copy()
    trained, hist = cnn.train_numpy(
        net, x, y, epochs=2, batch_size=20, rng=0, shift=1, val=(x, y), progress=False
    )
    np.testing.assert_array_equal(net.conv1_w, before)
    assert isinstance(hist, History) and len(hist) == 2 and hist.seconds > 0
    assert hist.loss[1] < hist.loss[0] and hist.metrics["accuracy"][-1] > 0.3
    assert len(hist.val_loss) == 2 and hist.lr[-1] == pytest.approx(0.0)  # linear schedule
    assert not np.array_equal(trained.conv1_w, before)


def test_numpy_and_torch_loops_see_the_same_batches():
    """train_numpy and train_torch (through fit) draw order and shifts from one Generator."""
    torch, _ = _torch()
    from helpers.data import load_mnist_subset

    images, labels = load_mnist_subset("train")
    x, y = to_batch(images[::20]), labels[::20]
    net = cnn.SmallCNN.init(rng=0, c1=4, c2=8)
    _, hist = cnn.train_numpy(net, x, y, epochs=2, batch_size=20, rng=5, shift=1,
                              progress=False)
    model, thist = cnn.train_torch(cnn.small_cnn_torch(net), x, y, epochs=2, batch_size=20,
                                   seed=5, shift=1, val=(x, y), progress=False)
    # Same batches, same update rule: the epochs' losses match to float32 rounding...
    np.testing.assert_allclose(thist.loss, hist.loss, atol=2e-3)
    # ...and a different seed gives different batches.
    _, other = cnn.train_numpy(net, x, y, epochs=1, batch_size=20, rng=6, shift=1,
                               progress=False)
    assert abs(other.loss[0] - hist.loss[0]) > 1e-4
    assert len(thist.metrics["accuracy"]) == 2 and not model.training
    # The very batches: replay fit's draws and compare with train_numpy's first batch.
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    order = rng_a.permutation(len(x))[:20]
    shifted_numpy = cnn.RandomShift(1)((x[order], y[order]), rng_a)[0]
    order_b = torch.from_numpy(rng_b.permutation(len(x)))[:20]
    batch = (torch.from_numpy(x)[order_b], torch.from_numpy(y)[order_b])
    np.testing.assert_array_equal(cnn.RandomShift(1)(batch, rng_b)[0].numpy(), shifted_numpy)


def test_random_shift_moves_each_image_by_at_most_max_shift(rng):
    x = np.zeros((50, 1, 9, 9), np.float32)
    x[:, :, 4, 4] = 1
    out = cnn.random_shift(x, 2, rng)
    rows, cols = np.nonzero(out[:, 0].sum(0))
    assert out.sum() == 50 and rows.min() >= 2 and rows.max() <= 6 and len(set(cols)) > 1


def _with(**changed) -> list:
    """The parameters of a tiny SmallCNN (c1 = c2 = 2), some replaced."""
    net = cnn.SmallCNN.init(0, c1=2, c2=2, size=8)
    return [changed.get(k, getattr(net, k)) for k in net.names()]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: cnn.relu("a"), "x must be a numeric array"),
        (
            lambda: cnn.relu_backward(np.ones(3), np.ones(4)),
            r"dout must have the shape of x, \(4,\)",
        ),
        (
            lambda: cnn.linear(np.ones((2, 3)), np.ones((4, 5))),
            r"w must have one column per input feature, shape \(M, 3\)",
        ),
        (lambda: cnn.linear(np.ones((2, 3, 1)), np.ones((4, 3))), r"x must be 2-D \(N, D\)"),
        (
            lambda: cnn.linear_backward(
                np.ones((2, 5)), cnn.linear_forward(np.ones((2, 3)), np.ones((4, 3)))[1]
            ),
            r"dout must have shape \(2, 4\)",
        ),
        (
            lambda: cnn.linear_backward(np.ones((2, 4)), (np.ones((2, 3)), np.ones((4, 3)))),
            r"cache must be the cache linear_forward\(\) returned",
        ),
        (
            lambda: cnn.softmax_cross_entropy(np.ones((2, 3)), np.array([0, 3])),
            r"labels must be class indices in 0..2",
        ),
        (
            lambda: cnn.softmax_cross_entropy(np.ones((2, 3)), np.array([0.0, 1.0])),
            "labels must have a",
        ),
        (lambda: cnn.softmax(np.ones(3)), r"logits must be 2-D \(N, K\)"),
        (lambda: cnn.numeric_gradient(lambda v: 0.0, np.ones(2, np.float32)), "x must be float64"),
        (lambda: cnn.numeric_gradient(3, np.ones(2)), "f must be a function"),
        (lambda: cnn.relative_error(np.ones(2), np.ones(3)), "a and b must have the same shape"),
        (
            lambda: cnn.accuracy_score(np.ones(2, int), np.ones(3, int)),
            "predicted and labels must have the same shape",
        ),
        (lambda: cnn.SmallCNN.init(rng=0, size=30), "size must be divisible by 4"),
        (lambda: cnn.SmallCNN.init(rng=None), "rng must be a numpy.random.Generator"),
        (lambda: cnn.SmallCNN.init(rng=0).forward(np.ones((1, 1, 32, 32))), "gives 2048 features"),
        (
            lambda: cnn.random_shift(np.ones((1, 1, 3, 3)), -1, 0),
            "max_shift must be an integer >= 0",
        ),
        (
            lambda: cnn.train_numpy("net", np.ones((1, 1, 28, 28)), np.ones(1, int), rng=0),
            "net must be a SmallCNN",
        ),
        (
            lambda: cnn.train_numpy(
                cnn.SmallCNN.init(rng=0), np.ones((2, 1, 28, 28)), np.ones(1, int), rng=0
            ),
            r"labels must have one entry per image \(2\)",
        ),
        (
            lambda: cnn.train_numpy(
                cnn.SmallCNN.init(rng=0),
                np.ones((1, 1, 28, 28)),
                np.ones(1, int),
                rng=0,
                momentum=1.0,
            ),
            "momentum must be >= 0 and < 1",
        ),
        (
            lambda: cnn.train_torch(
                None, np.ones((1, 1, 28, 28)), np.ones(1, int), seed=0, schedule="cosine"
            ),
            "schedule must be one of 'constant', 'linear'",
        ),
        (
            lambda: cnn.train_numpy(
                cnn.SmallCNN.init(rng=0), np.ones((2, 1, 28, 28)), np.ones(2, int), rng=0,
                val=(np.ones((2, 1, 28, 28)),),
            ),
            r"val must be a pair \(x_val, labels_val\)",
        ),
        (lambda: cnn.RandomShift(-1), "max_shift must be an integer >= 0"),
        (lambda: cnn.RandomShift(1)("x", 0), r"batch must be a tuple \(x, labels, ...\)"),
        (lambda: cnn.small_cnn_torch("x"), "net must be a SmallCNN"),
        (lambda: cnn.SmallCNN.init(0, dtype=None), "dtype must be a float dtype"),
        (lambda: cnn.SmallCNN.init(0, dtype=np.int32), "dtype must be a float dtype"),
        (lambda: cnn.SmallCNN.init(0).astype("abc"), "dtype must be a float dtype"),
        (lambda: cnn.SmallCNN(*_with(conv1_w=np.ones((2, 3, 3)))), r"conv1_w must be 4-D"),
        (lambda: cnn.SmallCNN(*_with(fc_b=np.full(10, np.nan))), "fc_b contains NaN"),
        (lambda: cnn.SmallCNN(*_with(conv2_b=np.zeros(3))), r"conv2_b must have shape \(2,\)"),
        (lambda: cnn.SmallCNN(*_with(conv2_w=np.zeros((2, 5, 3, 3)))),
         "conv2_w must have 2 input channels"),
        (lambda: cnn.SmallCNN(*_with(conv1_w="w")), "conv1_w must be a numeric array"),
        (lambda: cnn.small_cnn_torch(cnn.SmallCNN(*_with()))(np.zeros((1, 1, 8, 8))),
         "x must be a torch.Tensor"),
        (lambda: cnn.torch_to_numpy("x"), "model must come from small_cnn_torch"),
    ],
)
def test_errors(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# -- datasets ----------------------------------------------------------------------------------
def _idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(s).to_bytes(4, "big") for s in array.shape
    )
    return header + array.astype(np.uint8).tobytes()


def test_mnist_idx_loader_on_files_it_writes(tmp_path, rng):
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], np.uint8)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(_idx_bytes(images)))
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx_bytes(labels))
    got_images, got_labels = datasets.load_mnist(tmp_path, "test")
    np.testing.assert_array_equal(got_images, images)
    assert got_labels.dtype == np.int64 and got_labels.tolist() == [3, 1, 4, 1, 5]
    assert datasets.load_digits("test", root=tmp_path)[0].shape == (5, 28, 28)
    assert datasets.load_digits("train", root=tmp_path)[0].shape == (4000, 28, 28)  # fallback
    with pytest.raises(FileNotFoundError, match="MNIST train files .* not found"):
        datasets.load_mnist(tmp_path, "train")
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="is not an IDX file"):
        datasets.read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(_idx_bytes(labels)[:-2])
    with pytest.raises(ValueError, match="is truncated"):
        datasets.read_idx(tmp_path / "short")
    with pytest.raises(TypeError, match="path must be a str or Path"):
        datasets.read_idx(3)
    with pytest.raises(TypeError, match="directory must be a str or Path"):
        datasets.load_mnist(None, "test")
    with pytest.raises(FileNotFoundError, match="root directory .* is missing"):
        datasets.load_digits("test", root=tmp_path / "no-such-folder")


def test_cifar10_binary_loader_on_a_file_it_writes(tmp_path, rng):
    labels = np.array([2, 9], np.uint8)
    planes = rng.integers(0, 256, (2, 3, 32, 32), dtype=np.uint8)
    records = np.concatenate([labels[:, None], planes.reshape(2, -1)], axis=1)
    records.tofile(tmp_path / "test_batch.bin")
    images, got = datasets.load_cifar10(tmp_path, "test")
    assert images.shape == (2, 32, 32, 3) and got.tolist() == [2, 9]
    np.testing.assert_array_equal(images[1, :, :, 0], planes[1, 0])  # red plane -> channel 0
    assert datasets.CIFAR10_CLASSES[got[0]] == "bird"
    with pytest.raises(FileNotFoundError, match="CIFAR-10 train files"):
        datasets.load_cifar10(tmp_path, "train")
    with pytest.raises(ValueError, match="split must be one of 'train', 'test'"):
        datasets.load_cifar10(tmp_path, "val")


# -- widget and check ----------------------------------------------------------------------------
def test_feature_map_explorer():
    from helpers.data import load_mnist_subset
    from helpers.image import to_batch
    from helpers.widgets.cnn import FeatureMapExplorer, feature_map_explorer

    images, labels = load_mnist_subset("test")
    net = cnn.SmallCNN.init(rng=0)
    ex = feature_map_explorer(net, images[:20], labels[:20])
    assert ex.result["maps"].shape == (16, 28, 28)
    ex.set(layer="pool2", index=5)
    assert ex.result["maps"].shape == (32, 7, 7) and ex.result["label"] == labels[5]
    assert f"true digit {labels[5]}" in ex.readout.value and "(32, 7, 7)" in ex.readout.value
    np.testing.assert_allclose(ex.result["probs"].sum(), 1, rtol=1e-5)
    with pytest.raises(ValueError, match=r"labels must have one entry per image \(20\)"):
        feature_map_explorer(net, images[:20], labels[:3])
    with pytest.raises(TypeError, match="net must be a SmallCNN"):
        feature_map_explorer("net", images[:20], labels[:20])
    with pytest.raises(ValueError, match=r"images must have 1 channel"):
        feature_map_explorer(net, images[:2, :, :, None].repeat(2, 3), labels[:2])
    with pytest.raises(ValueError, match=r"images of shape \(12, 12\) do not fit net"):
        feature_map_explorer(net, images[:2, :12, :12], labels[:2])
    with pytest.raises(ValueError, match=r"index must be an integer >= 0 and <= 1"):
        FeatureMapExplorer(net, to_batch(images[:2]), labels[:2], 5)


def test_check_softmax_cross_entropy():
    assert check_softmax_cross_entropy(cnn.softmax_cross_entropy).passed

    def naive(z, y):  # no max subtraction: overflows on the huge-scores case
        with np.errstate(all="ignore"):
            p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
            d = p.copy()
            d[np.arange(len(y)), y] -= 1
            return float(-np.mean(np.log(p[np.arange(len(y)), y]))), d / len(y)

    result = check_softmax_cross_entropy(naive)
    assert result.status == "failed" and "huge scores" in result.message

    def summed(z, y):
        loss, d = cnn.softmax_cross_entropy(z, y)
        return loss * len(y), d * len(y)

    assert "mean, not sum" in check_softmax_cross_entropy(summed).message

    def stub(z, y):
        raise NotImplementedError

    assert check_softmax_cross_entropy(stub).status == "not attempted"


def test_mosaic_and_load_digits_errors():
    from helpers.plots import mosaic

    assert mosaic(np.ones((32, 7, 7))).shape == (4 * 8 - 1, 8 * 8 - 1)
    with pytest.raises(ValueError, match=r"maps must be 3-D \(C, h, w\)"):
        mosaic(np.ones((7, 7)))
    with pytest.raises(ValueError, match="split must be one of 'train', 'test'; got 'all'"):
        datasets.load_digits("all")


# -- gradient descent in one dimension ---------------------------------------------------------


def test_gradient_descent_1d_matches_torch_sgd_on_random_quadratics():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    for _ in range(20):
        c, target = rng.uniform(0.1, 3.0), rng.uniform(-2, 2)
        w0, lr, steps = rng.uniform(-5, 5), rng.uniform(0.01, 0.9) / c, int(rng.integers(1, 30))
        ours = cnn.gradient_descent_1d(lambda w, c=c, t=target: 2 * c * (w - t), w0, lr, steps)
        w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.SGD([w], lr=lr)
        theirs = [w0]
        for _ in range(steps):
            opt.zero_grad()
            (c * (w - target) ** 2).backward()
            opt.step()
            theirs.append(w.item())
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_gradient_descent_1d_follows_the_closed_form_and_reports_divergence():
    # On w^2 each step multiplies w by (1 - 2 lr): shrink, oscillate, or grow.
    for lr in (0.1, 0.4, 0.75, 0.95):
        path = cnn.gradient_descent_1d(lambda w: 2 * w, 1.5, lr, 12)
        np.testing.assert_allclose(path, 1.5 * (1 - 2 * lr) ** np.arange(13), rtol=1e-12)
    assert np.all(np.diff(cnn.gradient_descent_1d(lambda w: 2 * w, 1.0, 0.1, 5)) < 0)
    blown = cnn.gradient_descent_1d(lambda w: 2 * w, 1.0, 20.0, 100)
    assert np.isinf(blown[-1]) and np.all(np.isfinite(blown[:5]))
    assert len(cnn.gradient_descent_1d(lambda w: 2 * w, 1.0, 0.1, 0)) == 1


@pytest.mark.parametrize("kwargs, match", [
    ({"grad": None}, "grad"),
    ({"w0": float("nan")}, "w0"),
    ({"lr": -0.1}, "lr"),
    ({"lr": 1e9}, "lr"),
    ({"steps": 10**9}, "steps"),
    ({"steps": 2.5}, "steps"),
    ({"grad": lambda w: "x"}, "grad must return a float"),
    ({"grad": lambda w: float("inf")}, "finite"),
])
def test_gradient_descent_1d_refuses_bad_input_by_name(kwargs, match):
    args = {"grad": lambda w: 2 * w, "w0": 1.0, "lr": 0.1, "steps": 3} | kwargs
    with pytest.raises((ValueError, TypeError), match=match):
        cnn.gradient_descent_1d(**args)


def test_plot_gradient_descent_1d_draws_one_panel_per_rate_and_checks_its_arguments():
    import matplotlib

    matplotlib.use("Agg")
    from helpers.plots import plot_gradient_descent_1d

    fig = plot_gradient_descent_1d((0.1, 0.45, 1.05), steps=6)
    assert len(fig.axes) == 3
    assert "lr = 1.05" in fig.axes[2].get_title()
    for bad, match in [({"lrs": ()}, "lrs"), ({"lrs": (0.1, 5.0)}, r"lrs\[1\]"),
                       ({"w0": 0.0}, "w0"), ({"steps": 0}, "steps")]:
        with pytest.raises((ValueError, TypeError), match=match):
            plot_gradient_descent_1d(**bad)
