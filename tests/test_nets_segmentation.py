"""helpers.nets.segmentation: U-Nets (2-D, 3-D), FPN, Dice losses and metric.

Shapes, skips on and off, the recorded shapes, the top-down merge redone by hand, the losses
against hand values and their numpy twins, a short training run that must learn something, and
the input checks. The full training figures (Dice >= 0.9) are in ``make bench``
(bench/cases_unet.py).
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from helpers import segmentation  # noqa: E402
from helpers.nets import segmentation as ns  # noqa: E402
from helpers.nets.training import fit  # noqa: E402


@pytest.mark.parametrize("skips", [True, False])
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_unet_shapes(skips, depth):
    net = ns.TinyUNet(width=3, depth=depth, skips=skips, num_classes=2)
    out = net(torch.zeros(2, 3, 32, 24))
    assert out.shape == (2, 2, 32, 24)
    assert net.last_shapes["bottom"] == (3 * 2**depth, 32 // 2**depth, 24 // 2**depth)
    assert net.last_shapes["up1"] == (3, 32, 24)


def test_skips_change_the_decoder_and_the_same_seed_gives_the_same_net():
    a, b = ns.TinyUNet(width=4, seed=1), ns.TinyUNet(width=4, seed=1)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)
    plain = ns.TinyUNet(width=4, seed=1, skips=False)
    assert sum(p.numel() for p in plain.parameters()) < sum(p.numel() for p in a.parameters())
    state = torch.random.get_rng_state()
    ns.TinyUNet3d(width=2, depth=1, seed=5)
    assert torch.equal(state, torch.random.get_rng_state())  # global RNG untouched


def test_unet3d_shapes_and_three_times_the_weights():
    net = ns.TinyUNet3d(width=2, depth=2)
    assert net(torch.zeros(1, 1, 8, 12, 16)).shape == (1, 1, 8, 12, 16)
    flat = ns.TinyUNet(in_channels=1, width=2, depth=2)
    conv3 = sum(m.weight.numel() for m in net.modules() if isinstance(m, torch.nn.Conv3d))
    conv2 = sum(m.weight.numel() for m in flat.modules() if isinstance(m, torch.nn.Conv2d))
    assert conv3 == 3 * conv2 - 2 * flat.head.weight.numel()  # 27 taps vs 9, 1x1 head aside


def test_fpn_shapes_and_the_merge_by_hand():
    fpn = ns.TinyFPN(width=4, out_channels=8, seed=0)
    pyramid = fpn(torch.rand(1, 3, 64, 96))
    assert [tuple(p.shape) for p in pyramid] == [(1, 8, 16, 24), (1, 8, 8, 12), (1, 8, 4, 6),
                                                 (1, 8, 2, 3)]
    assert fpn.last_shapes["C5"] == (1, 64, 2, 3) and fpn.last_shapes["C2"] == (1, 8, 16, 24)
    maps = fpn.last_maps
    with torch.no_grad():
        for level in (4, 3, 2):
            up = torch.nn.functional.interpolate(maps[f"P{level + 1}"], scale_factor=2)
            by_hand = fpn.lateral[level - 2](maps[f"C{level}"]) + up
            assert torch.allclose(by_hand, maps[f"P{level}"], atol=1e-6)


def test_losses_and_metric_hand_values():
    t = torch.zeros(2, 1, 4, 4)
    t[0, 0, :2, :2] = 1  # sample 1 is empty
    sure = torch.where(t > 0, 30.0, -30.0)
    assert float(ns.dice_loss(sure, t)) == pytest.approx(0.0, abs=1e-6)
    assert ns.mean_dice_metric(sure, t) == 1.0
    assert float(ns.segmentation_loss(torch.zeros_like(t), t, dice_weight=0.0)) == \
        pytest.approx(np.log(2), rel=1e-6)
    half = torch.where(t > 0, -30.0, -30.0)
    half[0, 0, 0, :2] = 30.0
    assert ns.mean_dice_metric(half, t) == pytest.approx((2 * 2 / 6 + 1) / 2)
    # agrees with the numpy Dice image by image
    rng = np.random.default_rng(0)
    logits = torch.from_numpy(rng.normal(size=(5, 1, 6, 6)))
    target = torch.from_numpy(rng.random((5, 1, 6, 6)) < 0.4).double()
    want = np.mean([segmentation.dice(lg[0] > 0, tg[0] > 0.5) for lg, tg in
                    zip(logits.numpy(), target.numpy(), strict=True)])
    assert ns.mean_dice_metric(logits, target) == pytest.approx(want)


def test_a_short_training_run_learns_a_bright_square():
    rng = np.random.default_rng(0)
    x = rng.random((64, 3, 16, 16)).astype(np.float32) * 0.3
    y = np.zeros((64, 1, 16, 16), np.float32)
    for i in range(64):
        r, c = rng.integers(0, 10, size=2)
        x[i, :, r : r + 6, c : c + 6] += 0.6
        y[i, 0, r : r + 6, c : c + 6] = 1
    net = ns.TinyUNet(width=4, depth=2, seed=0)
    net, history = fit(net, (x, y), loss=ns.segmentation_loss, epochs=6, lr=0.02, batch_size=16,
                       val=(x, y), metrics={"dice": ns.mean_dice_metric}, progress=False)
    assert history.metrics["dice"][-1] > 0.8


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: ns.TinyUNet(width=0), "width must be an integer >= 1"),
        (lambda: ns.TinyUNet(depth=9), "depth must be an integer >= 1 and <= 5"),
        (lambda: ns.TinyUNet(skips=1), "skips must be True or False"),
        (lambda: ns.TinyUNet3d(seed=-1), "seed must be an integer >= 0"),
        (lambda: ns.TinyFPN(out_channels=0), "out_channels must be an integer >= 1"),
        (lambda: ns.TinyUNet()(torch.zeros(1, 3, 30, 30)), "divisible by 2\\*\\*depth = 4"),
        (lambda: ns.TinyUNet()(torch.zeros(1, 1, 32, 32)), "x must be a batch of shape"),
        (lambda: ns.TinyFPN()(torch.zeros(1, 3, 40, 40)), "divisible by 32"),
        (lambda: ns.dice_loss(torch.zeros(1, 2, 4, 4), torch.zeros(1, 2, 4, 4)),
         "logits must be \\(N, 1, ...\\)"),
        (lambda: ns.dice_loss(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 5)),
         "target must have the shape of logits"),
        (lambda: ns.dice_loss(np.zeros((1, 1, 4, 4)), torch.zeros(1, 1, 4, 4)),
         "logits must be a torch.Tensor"),
        (lambda: ns.segmentation_loss(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 2),
                                      dice_weight=-1), "dice_weight must be >= 0"),
        (lambda: ns.TinyUNet()("image"), "x must be a torch.Tensor"),
        (lambda: ns.TinyUNet()(torch.zeros(0, 3, 32, 32)), "x must not be empty"),
        (lambda: ns.TinyUNet3d()(torch.full((1, 1, 4, 4, 4), float("inf"))), "x contains NaN"),
        (lambda: ns.TinyFPN()(torch.zeros(1, 1, 32, 32)), r"x must have 3 channel\(s\)"),
        (lambda: ns.TinyFPN()(None), "x must be a torch.Tensor"),
        (lambda: ns.dice_loss(torch.full((1, 1, 2, 2), float("nan")), torch.zeros(1, 1, 2, 2)),
         "logits contains NaN"),
        (lambda: ns.mean_dice_metric(torch.zeros(1, 1, 2, 2),
                                     torch.full((1, 1, 2, 2), float("inf"))),
         "target contains NaN"),
        (lambda: ns.segmentation_loss(torch.zeros(1, 1, 2, 2), "mask"),
         "target must be a torch.Tensor"),
    ],
)
def test_errors(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()
