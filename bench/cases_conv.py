"""Speed and accuracy figures for chapters 08-09 (helpers.conv, helpers.cnn).

* ``conv_layer/*``: our im2col conv layer forward vs ``torch.nn.functional.conv2d`` on
  1x16x128x128 float32 input, 32 filters 3x3, "same" padding. Both run on ONE thread (numpy's
  OpenBLAS via threadpoolctl, torch via set_num_threads), so the ratio compares algorithms, not
  core counts. Calls interleaved (``timing.compare_ms``: 3 rounds of 15 after 3 warm-ups;
  ``vs_torch`` is the median round ratio, ``_min``/``_max`` the spread, ``_cpu`` the CPU-time
  ratio). Target (issue 18): within 1.5x of torch.
* ``conv_small/*``: the naive loops (``conv.conv2d_naive``, the chapter's exercise), the im2col
  layer and torch on a small layer, 1x8x32x32 input, 16 filters 3x3, padding 1, one thread each,
  float64 (the exercise's dtype). Median of 5 runs after 1 warm-up (the loops take ~0.1 s).
* ``cnn/*``: the chapter-09 training runs (same settings as solutions/09_cnn_from_scratch.ipynb),
  test accuracy on the bundled digits' 1,000-image test split and wall-clock seconds.
"""

from __future__ import annotations

from timing import compare_ms, median_ms, record_comparison


def _median_ms(fn, repeat: int = 15, warmup: int = 3) -> float:
    return median_ms(fn, repeat, warmup)


def _conv_small(record) -> None:
    import numpy as np
    import torch
    import torch.nn.functional as F  # noqa: N812
    from threadpoolctl import threadpool_limits

    from helpers import conv

    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((1, 8, 32, 32)), rng.standard_normal((16, 8, 3, 3))
    xt, wt = torch.from_numpy(x), torch.from_numpy(w)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"), torch.no_grad():
            naive = median_ms(lambda: conv.conv2d_naive(x, w, padding=1), 5, 1)
            fast = _median_ms(lambda: conv.conv2d(x, w, padding=1))
            theirs = _median_ms(lambda: F.conv2d(xt, wt, padding=1))
    finally:
        torch.set_num_threads(threads)
    record("conv_small/naive_ms", naive, "ms")
    record("conv_small/im2col_ms", fast, "ms")
    record("conv_small/torch_ms", theirs, "ms")
    record("conv_small/naive_vs_im2col", naive / fast, "x")
    record("conv_small/im2col_vs_torch", fast / theirs, "x")


def conv_layer(record) -> None:
    """The ``conv_layer/*`` figures alone (``run`` records them first)."""
    import numpy as np
    import torch
    import torch.nn.functional as F  # noqa: N812
    from threadpoolctl import threadpool_limits

    from helpers import conv

    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 16, 128, 128)).astype(np.float32)
    w = rng.standard_normal((32, 16, 3, 3)).astype(np.float32)
    b = rng.standard_normal(32).astype(np.float32)
    xt, wt, bt = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"), torch.no_grad():
            result = compare_ms(lambda: conv.conv2d(x, w, b, padding="same"),
                                lambda: F.conv2d(xt, wt, bt, padding=1), repeats=15)
    finally:
        torch.set_num_threads(threads)
    record_comparison(record, "conv_layer", "torch", result, "<= 1.5",
                      "1 thread (numpy's OpenBLAS via threadpoolctl, torch.set_num_threads(1))")


def run(record) -> None:

    from helpers import cnn
    from helpers.data import load_mnist_subset
    from helpers.image import to_batch
    from helpers.nets.training import predict

    conv_layer(record)
    _conv_small(record)

    images, labels = load_mnist_subset("train")
    test_images, test_labels = load_mnist_subset("test")
    x_train, x_test = to_batch(images), to_batch(test_images)
    net0 = cnn.SmallCNN.init(rng=0)
    net, hist = cnn.train_numpy(
        net0, x_train, labels, epochs=2, batch_size=32, lr=0.05, shift=2, rng=0, progress=False
    )
    record("cnn/numpy_test_accuracy", cnn.accuracy_score(net.predict(x_test), test_labels), "",
           ">= 0.9")
    record("cnn/numpy_train_seconds", hist.seconds, "s", "<= 25")
    model, thist = cnn.train_torch(
        cnn.small_cnn_torch(net0),
        x_train,
        labels,
        epochs=10,
        batch_size=32,
        lr=0.05,
        shift=2,
        seed=0,
        progress=False,
    )
    pred = predict(model, x_test).argmax(1).numpy()
    record("cnn/torch_test_accuracy", cnn.accuracy_score(pred, test_labels), "", ">= 0.97")
    record("cnn/torch_train_seconds", thist.seconds, "s", "<= 20")
