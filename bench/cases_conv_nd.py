"""Speed and agreement figures for the transpose, 1-D and 3-D convolutions of helpers.conv
(chapters 14 and 18).

* ``<op>/vs_torch``: our forward time over torch's, both on ONE thread (numpy's BLAS through
  threadpoolctl, torch through set_num_threads), float32, median of 15 runs after 3 warm-ups:
  ``conv_transpose2d`` 1x16x64x64 -> 8 channels, 3x3 kernel, stride 2, padding 1, output
  padding 1 (a decoder's up-convolution, 128x128 out); ``conv1d`` 8 signals x 16 channels x
  4,096 samples, 32 filters of 9 taps, dilation 2; ``conv3d`` 1x8x32x32x32 volume, 16 filters
  3x3x3, padding 1.
* ``<op>/max_rel_error``: the largest relative error (helpers.cnn.relative_error) against torch
  over 200 seeded random float64 cases (forward; for conv_transpose2d forward and the three
  gradients of the backward pass).
"""

from __future__ import annotations

from timing import median_ms


def _agreement(rng, torch, F, conv, relative_error):
    worst = {"conv_transpose2d": 0.0, "conv1d": 0.0, "conv3d": 0.0}
    tested = dict.fromkeys(worst, 0)
    while min(tested.values()) < 200:
        n, ci, co = (int(v) for v in rng.integers(1, 4, size=3))
        s, p, d = (int(v) for v in rng.integers(1, 3, size=3))
        k = int(rng.integers(1, 4))
        op = int(rng.integers(0, max(s, d)))
        x = rng.standard_normal((n, ci, *rng.integers(1, 7, size=2)))
        w, b = rng.standard_normal((ci, co, k, k)), rng.standard_normal(co)
        xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        try:
            out = F.conv_transpose2d(xt, wt, bt, s, p, op, 1, d)
        except RuntimeError:
            continue
        g = rng.standard_normal(tuple(out.shape))
        out.backward(torch.from_numpy(g))
        ours, cache = conv.conv_transpose2d_forward(x, w, b, s, p, op, dilation=d)
        grads = conv.conv_transpose2d_backward(g, cache)
        pairs = [(ours, out.detach())] + list(zip(grads, (xt.grad, wt.grad, bt.grad),
                                                  strict=True))
        worst["conv_transpose2d"] = max([worst["conv_transpose2d"]] + [
            relative_error(a, t.numpy()) for a, t in pairs])
        tested["conv_transpose2d"] += 1
        for name, shape, ours_fn, torch_fn in (
                ("conv1d", (n, ci, int(rng.integers(1, 30))), conv.conv1d, F.conv1d),
                ("conv3d", (n, ci, *rng.integers(1, 7, size=3)), conv.conv3d, F.conv3d)):
            xs = rng.standard_normal(shape)
            ws = rng.standard_normal((co, ci) + (k,) * (len(shape) - 2))
            try:
                want = torch_fn(torch.from_numpy(xs), torch.from_numpy(ws), torch.from_numpy(b),
                                s, p, d).numpy()
            except RuntimeError:
                continue
            got = ours_fn(xs, ws, b, s, p, dilation=d)
            worst[name] = max(worst[name], relative_error(got, want))
            tested[name] += 1
    return worst


def run(record) -> None:
    import numpy as np
    import torch
    import torch.nn.functional as F  # noqa: N812
    from threadpoolctl import threadpool_limits

    from helpers import conv
    from helpers.cnn import relative_error

    rng = np.random.default_rng(0)
    f32 = np.float32
    cases = {
        "conv_transpose2d": (
            (rng.standard_normal((1, 16, 64, 64)).astype(f32),
             rng.standard_normal((16, 8, 3, 3)).astype(f32)),
            lambda x, w: conv.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
            lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)),
        "conv1d": (
            (rng.standard_normal((8, 16, 4096)).astype(f32),
             rng.standard_normal((32, 16, 9)).astype(f32)),
            lambda x, w: conv.conv1d(x, w, dilation=2),
            lambda x, w: F.conv1d(x, w, dilation=2)),
        "conv3d": (
            (rng.standard_normal((1, 8, 32, 32, 32)).astype(f32),
             rng.standard_normal((16, 8, 3, 3, 3)).astype(f32)),
            lambda x, w: conv.conv3d(x, w, padding=1),
            lambda x, w: F.conv3d(x, w, padding=1)),
    }
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"), torch.no_grad():
            for name, ((x, w), ours_fn, torch_fn) in cases.items():
                xt, wt = torch.from_numpy(x), torch.from_numpy(w)
                ours = median_ms(lambda: ours_fn(x, w), 15, 3)  # noqa: B023 - called at once
                theirs = median_ms(lambda: torch_fn(xt, wt), 15, 3)  # noqa: B023
                record(f"{name}/ours_ms", ours, "ms")
                record(f"{name}/torch_ms", theirs, "ms")
                record(f"{name}/vs_torch", ours / theirs, "x", "<= 5")
    finally:
        torch.set_num_threads(threads)
    for name, worst in _agreement(rng, torch, F, conv, relative_error).items():
        record(f"{name}/max_rel_error", worst, "", "<= 1e-7")
