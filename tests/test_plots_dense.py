"""helpers.plots_segmentation and helpers.plots_conv_nd: every figure draws, bad input is refused.

Figures are checked for what they must contain (panel count, titles computed from the data),
not for pixels.
"""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from helpers import notes  # noqa: E402
from helpers import plots_conv_nd as pc  # noqa: E402
from helpers import plots_segmentation as ps  # noqa: E402
from helpers.shapes import SHAPE_CLASSES, make_segmentation_dataset  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_transpose_scatter_panels():
    fig = ps.plot_transpose_scatter(notes.TRANSPOSE_INPUT, notes.TRANSPOSE_KERNEL)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["input", "kernel", "0 x kernel", "1 x kernel", "2 x kernel", "3 x kernel",
                      "sum = output"]
    values = [t.get_text() for t in fig.axes[-1].texts]
    assert values == ["0", "0", "1", "0", "4", "6", "4", "12", "9"]


def test_segmentation_figures():
    s = make_segmentation_dataset(4, image_size=32, min_size=6, max_size=14, rng=0)
    fig = ps.plot_segmentation_kinds(s.images[1], s.semantic[1], s.instances[1],
                                     class_names=SHAPE_CLASSES)
    assert f"instance: {s.instances[1].max()} objects" in [ax.get_title() for ax in fig.axes]
    truth = s.semantic > 0
    fig = ps.plot_mask_predictions(s.images, truth, {"perfect": truth.astype(float)}, rows=2)
    assert "perfect: Dice 1.000" in [ax.get_title() for ax in fig.axes]


def test_network_diagrams():
    torch = pytest.importorskip("torch")
    from helpers.nets.segmentation import TinyFPN, TinyUNet

    net = TinyUNet(width=2, depth=3)
    net(torch.zeros(1, 3, 16, 16))
    fig = ps.plot_unet_diagram(net.last_shapes)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "bottom\n16 x 2 x 2" in texts and sum("skip" in t for t in texts) == 3
    fpn = TinyFPN(width=2, out_channels=4)
    fpn(torch.zeros(1, 3, 64, 64))
    texts = [t.get_text() for t in ps.plot_fpn_diagram(fpn.last_shapes).axes[0].texts]
    assert "P2: 4 x 16 x 16" in texts and "C5: 32 x 2 x 2" in texts
    assert "P3 (stride 8)" in [t.get_text() for t in ps.plot_fpn_diagram().axes[0].texts]


def test_conv_nd_figures():
    assert "output (10,)" in pc.plot_conv_dimensions().axes[0].get_title()
    fig = pc.plot_dilated_stack([1, 2, 4], kernel=2, length=12)
    assert "sees 8 input samples" in fig.axes[0].get_title()
    fig = pc.plot_signals(np.arange(10.0), {"a": np.zeros(10), "b": np.ones(8)},
                          marks=np.array([3]))
    assert len(fig.axes) == 2
    fig = pc.plot_volume_slices({"v": np.random.default_rng(0).random((6, 5, 5)),
                                 "m": np.zeros((6, 5, 5), bool)}, slices=[0, 5])
    assert [ax.get_title() for ax in fig.axes[:2]] == ["slice 0", "slice 5"]
    fig = pc.plot_photo_row(np.zeros((20, 30), np.uint8), 7)
    assert fig.axes[0].get_title() == "row 7"


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ps.plot_transpose_scatter(np.ones((5, 5)), np.ones((2, 2))), "at most 16"),
        (lambda: ps.plot_transpose_scatter(np.ones((2, 2)), np.ones((2, 2)), stride=9),
         "stride must be an integer"),
        (lambda: ps.plot_segmentation_kinds(np.zeros((4, 4, 3)), np.zeros((4, 4), int),
                                            np.zeros((5, 4), int), class_names=["a"]),
         "same height and width"),
        (lambda: ps.plot_segmentation_kinds(np.zeros((4, 4, 3)), np.zeros((4, 4), int),
                                            np.zeros((4, 4), int), class_names="abc"),
         "class_names must be a list"),
        (lambda: ps.plot_mask_predictions(np.zeros((2, 4, 4, 3)), np.zeros((2, 4, 4), bool), {}),
         "1 to 4 models"),
        (lambda: ps.plot_unet_diagram({"input": (3, 4, 4)}), "last_shapes"),
        (lambda: ps.plot_fpn_diagram({"C2": 1}), "last_shapes"),
        (lambda: pc.plot_dilated_stack("124"), "dilations must be a list"),
        (lambda: pc.plot_dilated_stack([1, 2], length=1000), "length must be an integer"),
        (lambda: pc.plot_signals(np.arange(3.0), {"a": np.zeros(5)}), "longer"),
        (lambda: pc.plot_volume_slices({"a": np.zeros((3, 3, 3)), "b": np.zeros((2, 3, 3))}),
         "same shape"),
        (lambda: pc.plot_volume_slices({"a": np.zeros((3, 3, 3))}, slices=[5]),
         "slices must be an integer"),
        (lambda: pc.plot_photo_row(np.zeros((5, 5)), 9), "row must be an integer"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
